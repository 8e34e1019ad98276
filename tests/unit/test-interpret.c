/* SPDX-License-Identifier: MIT */
#include "harness.h"
#include "interpret.h"
#include "outbuf.h"

#include <libaudit.h>
#include <string.h>

static struct outbuf buf;

static void free_buf(void *arg)
{
	outbuf_free(&buf);
}

static const char *as_string(struct outbuf *b)
{
	outbuf_putc(b, '\0');
	b->len--;
	return b->data;
}

static const char *resolve(const char *cwd, const char *name)
{
	interp_resolve_path(cwd, strlen(cwd), name, strlen(name), &buf);
	return as_string(&buf);
}

TEST(paths_resolve_against_cwd)
{
	harness_defer(free_buf, NULL);
	CHECK_STR(resolve("/tmp/dragon", "../../home/snowy/.ssh/id_rsa"), "/home/snowy/.ssh/id_rsa");
	CHECK_STR(resolve("/tmp/dragon", "./a/./b"), "/tmp/dragon/a/b");
	CHECK_STR(resolve("/", "../../etc//passwd"), "/etc/passwd");
	CHECK_STR(resolve("/tmp/", "x"), "/tmp/x");
	CHECK_STR(resolve("/tmp", "/etc/shadow"), "/etc/shadow");
	CHECK_STR(resolve("/a/b", ".."), "/a");
	CHECK_STR(resolve("/a", "../.."), "/");
	CHECK_STR(resolve("", "rel/x"), "rel/x");     /* no cwd: left as written */
	CHECK_STR(resolve("(null)", "rel/x"), "rel/x");
}

static const char *json(const char *s, size_t n)
{
	buf.len = 0;
	outbuf_json_string(&buf, s, n);
	return as_string(&buf);
}

TEST(json_strings_escape_reversibly)
{
	harness_defer(free_buf, NULL);
	CHECK_STR(json("plain", 5), "\"plain\"");
	CHECK_STR(json("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	CHECK_STR(json("100%", 4), "\"100%25\"");
	CHECK_STR(json("l1\nl2\t", 6), "\"l1%0Al2%09\"");
	CHECK_STR(json("\xff\xfe", 2), "\"%FF%FE\"");
	CHECK_STR(json("caf\xc3\xa9", 5), "\"caf\xc3\xa9\"");     /* valid UTF-8 kept */
	CHECK_STR(json("\xc3", 1), "\"%C3\"");                     /* cut sequence */
	CHECK_STR(json("\xed\xa0\x80", 3), "\"%ED%A0%80\"");       /* surrogate */
	CHECK_STR(json("\xc0\xaf", 2), "\"%C0%AF\"");              /* overlong */
	CHECK_STR(json("a\0b", 3), "\"a%00b\"");
}

/* A field as the record parser leaves it: FIELD_ENCODED from the table. */
static struct audit_field field(unsigned type, const char *name, const char *value)
{
	struct audit_field f = { .name = name, .name_len = (uint32_t)strlen(name), .value = value,
				 .value_len = (uint32_t)strlen(value) };

	if (interp_field_encoded(type, name, strlen(name)))
		f.flags |= FIELD_ENCODED;
	return f;
}

TEST(hex_and_field_values)
{
	struct audit_field f = field(AUDIT_PATH, "name", "2F746D70");

	harness_defer(free_buf, NULL);
	CHECK(interp_field_value(&f, &buf));
	CHECK_EQ(buf.len, 4);
	CHECK(memcmp(buf.data, "/tmp", 4) == 0);
	f.quote = FIELD_DOUBLE; /* quoted: as written */
	CHECK(!interp_field_value(&f, &buf));
	CHECK_EQ(buf.len, 8);
	f = field(AUDIT_PATH, "inode", "2F74");
	CHECK(!interp_field_value(&f, &buf)); /* not an encoded field */
	f = field(AUDIT_EXECVE, "a12[3]", "41");
	CHECK(interp_field_value(&f, &buf));
	f = field(AUDIT_SYSCALL, "a1", "41"); /* a SYSCALL's a1=41 is a number */
	CHECK(!interp_field_value(&f, &buf));
	f = field(AUDIT_EXECVE, "a1_len", "41");
	CHECK(!interp_field_value(&f, &buf));
	f = field(AUDIT_EXECVE, "argc", "10");
	CHECK(!interp_field_value(&f, &buf));
	f = field(AUDIT_PATH, "name", "ABC");
	CHECK(!interp_field_value(&f, &buf)); /* odd length: not hex */
}

/* Which fields are hex depends on the record type too (auparse's tables):
 * a plain number must come out as it went in. */
TEST(numbers_stay_numbers)
{
	static const struct {
		unsigned type;
		const char *name, *value;
	} plain[] = {
		{ AUDIT_CONFIG_CHANGE, "old", "8192" },	 /* backlog_limit's old value */
		{ AUDIT_CONFIG_CHANGE, "new", "8192" },
		{ AUDIT_MAC_UNLBL_ALLOW, "old", "0000" },
		{ AUDIT_AVC, "key", "1291864389" }, /* SELinux: a key object's serial */
		{ AUDIT_AVC, "saddr", "10111415" },
		{ AUDIT_USER_CHAUTHTOK, "data", "1234" },
		{ AUDIT_SYSCALL, "a0", "1234" },
		{ AUDIT_EXECVE, "argc", "12" },
		{ AUDIT_EXECVE, "a0_len", "1200" },
		{ AUDIT_ADD_GROUP, "old_group", "1000" },
	};
	static const struct {
		unsigned type;
		const char *name, *value, *decoded;
	} hex[] = {
		{ AUDIT_SYSCALL, "key", "3132", "12" },
		{ AUDIT_CONFIG_CHANGE, "key", "6B", "k" },
		{ AUDIT_SOCKADDR, "saddr", "0241", "\x02" "A" },
		{ AUDIT_TTY, "data", "6C730D", "ls\r" },
		{ AUDIT_USER_TTY, "data", "6C73", "ls" },
		{ AUDIT_EXECVE, "a1", "3031", "01" },
		{ AUDIT_PROCTITLE, "proctitle", "6C7300", "ls" },
		{ AUDIT_USER_CMD, "cmd", "6C73", "ls" },
		{ AUDIT_AVC, "name", "6120", "a " },
		{ AUDIT_AVC, "path", "2F612062", "/a b" },
	};

	harness_defer(free_buf, NULL);
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		struct audit_field f = field(plain[i].type, plain[i].name, plain[i].value);

		if (interp_field_value(&f, &buf) || buf.len != strlen(plain[i].value) ||
		    memcmp(buf.data, plain[i].value, buf.len) != 0)
			FAIL("type %u %s=%s changed", plain[i].type, plain[i].name, plain[i].value);
	}
	for (size_t i = 0; i < sizeof(hex) / sizeof(hex[0]); i++) {
		struct audit_field f = field(hex[i].type, hex[i].name, hex[i].value);
		size_t n = strlen(hex[i].decoded) + (hex[i].type == AUDIT_PROCTITLE);

		if (!interp_field_value(&f, &buf) || buf.len != n ||
		    memcmp(buf.data, hex[i].decoded, n) != 0)
			FAIL("type %u %s=%s not decoded", hex[i].type, hex[i].name, hex[i].value);
	}
}

TEST(sockaddrs_decode)
{
	static const unsigned char inet[] = { 2, 0, 0x00, 0x50, 169, 254, 169, 254, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char inet6[] = { 10, 0, 0x01, 0xbb, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8,
					       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 };
	static const unsigned char unix_path[] = { 1, 0, '/', 'r', 'u', 'n', 0, 0 };
	static const unsigned char unix_abstract[] = { 1, 0, 0, 'x', 'y' };
	static const unsigned char netlink[] = { 16, 0, 0, 0, 0x39, 0x30, 0, 0, 1, 0, 0, 0 };
	struct sockaddr_info sa;

	CHECK(interp_sockaddr(inet, sizeof(inet), 0, &sa));
	CHECK_STR(sa.family, "inet");
	CHECK_STR(sa.addr, "169.254.169.254");
	CHECK_EQ(sa.port, 80);
	CHECK(interp_sockaddr(inet6, sizeof(inet6), 0, &sa));
	CHECK_STR(sa.addr, "2001:db8:0:0:0:0:0:1");
	CHECK_EQ(sa.port, 443);
	CHECK(interp_sockaddr(unix_path, sizeof(unix_path), 0, &sa));
	CHECK_STR(sa.family, "unix");
	CHECK_EQ(sa.addr_len, 4);
	CHECK(memcmp(sa.addr, "/run", 4) == 0);
	CHECK(interp_sockaddr(unix_abstract, sizeof(unix_abstract), 0, &sa));
	CHECK(memcmp(sa.addr, "@xy", 3) == 0);
	CHECK(interp_sockaddr(netlink, sizeof(netlink), 0, &sa));
	CHECK_EQ(sa.nl_pid, 12345);
	CHECK_EQ(sa.nl_groups, 1);
	CHECK(!interp_sockaddr(inet, 5, 0, &sa)); /* too short for inet */
}

/* On a big-endian machine (ppc64, s390x: arch without __AUDIT_ARCH_LE)
 * sa_family and a netlink address's pid and groups are big endian; port
 * and IP address are network order everywhere. */
TEST(big_endian_sockaddrs_decode)
{
	static const unsigned char inet[] = { 0, 2, 0x01, 0xbb, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char inet6[] = { 0, 10, 0x00, 0x16, 0, 0, 0, 0, 0xfe, 0x80, 0, 0,
					       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0 };
	static const unsigned char unix_path[] = { 0, 1, '/', 'r', 'u', 'n', 0, 0 };
	static const unsigned char netlink[] = { 0, 16, 0, 0, 0, 0, 0x30, 0x39, 0, 0, 0, 1 };
	struct sockaddr_info sa;

	CHECK_EQ(interp_arch_big_endian("80000015", 8), 1); /* ppc64 */
	CHECK_EQ(interp_arch_big_endian("80000016", 8), 1); /* s390x */
	CHECK_EQ(interp_arch_big_endian("c0000015", 8), 0); /* ppc64le */
	CHECK_EQ(interp_arch_big_endian("c000003e", 8), 0); /* x86_64 */
	CHECK_EQ(interp_arch_big_endian("x", 1), -1);
	for (int order = 1; order >= -1; order -= 2) { /* the arch's word, then a guess */
		CHECK(interp_sockaddr(inet, sizeof(inet), order, &sa));
		CHECK_STR(sa.family, "inet");
		CHECK_STR(sa.addr, "10.0.0.1");
		CHECK_EQ(sa.port, 443);
		CHECK(interp_sockaddr(inet6, sizeof(inet6), order, &sa));
		CHECK_STR(sa.family, "inet6");
		CHECK_STR(sa.addr, "fe80:0:0:0:0:0:0:2");
		CHECK_EQ(sa.port, 22);
		CHECK(interp_sockaddr(unix_path, sizeof(unix_path), order, &sa));
		CHECK_STR(sa.family, "unix");
		CHECK(interp_sockaddr(netlink, sizeof(netlink), order, &sa));
		CHECK_STR(sa.family, "netlink");
		CHECK_EQ(sa.nl_pid, 12345);
		CHECK_EQ(sa.nl_groups, 1);
	}
	/* Read as little endian, the same bytes are no known family. */
	CHECK(interp_sockaddr(inet, sizeof(inet), 0, &sa));
	CHECK_STR(sa.family, "unknown");
	CHECK_EQ(sa.family_nr, 0x200);
}

TEST(names_from_libaudit_tables)
{
	int x86_64 = interp_arch_machine("c000003e", 8);
	int aarch64 = interp_arch_machine("c00000b7", 8);
	int i386 = interp_arch_machine("40000003", 8);

	CHECK_STR(interp_machine_name(x86_64), "x86_64");
	CHECK_STR(interp_syscall_name(x86_64, 257), "openat");
	CHECK_STR(interp_syscall_name(x86_64, 59), "execve");
	CHECK_STR(interp_syscall_name(aarch64, 221), "execve");
	CHECK_STR(interp_syscall_name(i386, 11), "execve");
	int arm = interp_arch_machine("40000028", 8);
	int ppc64 = interp_arch_machine("80000015", 8);
	int ppc64le = interp_arch_machine("c0000015", 8);
	CHECK(interp_machine_name(arm) != NULL);
	CHECK_STR(interp_syscall_name(arm, 11), "execve");
	CHECK_STR(interp_syscall_name(ppc64, 11), "execve");
	CHECK_STR(interp_syscall_name(ppc64le, 11), "execve");
	CHECK(interp_machine_name(ppc64) != NULL);
	CHECK_STR(interp_errno_name(-2), "ENOENT");
	CHECK(interp_errno_name(0) == NULL);
	CHECK_EQ(interp_arch_machine("zz", 2), -1);
}

TEST(time_is_rfc3339_utc)
{
	harness_defer(free_buf, NULL);
	buf.len = 0;
	interp_time_rfc3339(&buf, 1764259200, 7);
	CHECK_STR(as_string(&buf), "\"2025-11-27T16:00:00.007Z\"");
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(paths_resolve_against_cwd), CASE(json_strings_escape_reversibly),
				  CASE(hex_and_field_values), CASE(numbers_stay_numbers),
				  CASE(sockaddrs_decode), CASE(big_endian_sockaddrs_decode),
				  CASE(names_from_libaudit_tables), CASE(time_is_rfc3339_utc)));
}
