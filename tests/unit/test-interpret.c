/* SPDX-License-Identifier: MIT */
#include "harness.h"
#include "interpret.h"
#include "outbuf.h"

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

TEST(hex_and_field_values)
{
	struct audit_field f = { .name = "name", .name_len = 4, .value = "2F746D70", .value_len = 8 };

	harness_defer(free_buf, NULL);
	CHECK(interp_field_value(&f, &buf));
	CHECK_EQ(buf.len, 4);
	CHECK(memcmp(buf.data, "/tmp", 4) == 0);
	f.quote = FIELD_DOUBLE; /* quoted: as written */
	CHECK(!interp_field_value(&f, &buf));
	CHECK_EQ(buf.len, 8);
	f = (struct audit_field){ .name = "inode", .name_len = 5, .value = "2F74", .value_len = 4 };
	CHECK(!interp_field_value(&f, &buf)); /* not an encodable field */
	f = (struct audit_field){ .name = "a12[3]", .name_len = 6, .value = "41", .value_len = 2,
				  .flags = FIELD_EXECVE };
	CHECK(interp_field_value(&f, &buf));
	f.flags = 0; /* a SYSCALL's a1=41 is a number */
	CHECK(!interp_field_value(&f, &buf));
	f = (struct audit_field){ .name = "a1_len", .name_len = 6, .value = "41", .value_len = 2 };
	CHECK(!interp_field_value(&f, &buf));
	f = (struct audit_field){ .name = "name", .name_len = 4, .value = "ABC", .value_len = 3 };
	CHECK(!interp_field_value(&f, &buf)); /* odd length: not hex */
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

	CHECK(interp_sockaddr(inet, sizeof(inet), &sa));
	CHECK_STR(sa.family, "inet");
	CHECK_STR(sa.addr, "169.254.169.254");
	CHECK_EQ(sa.port, 80);
	CHECK(interp_sockaddr(inet6, sizeof(inet6), &sa));
	CHECK_STR(sa.addr, "2001:db8:0:0:0:0:0:1");
	CHECK_EQ(sa.port, 443);
	CHECK(interp_sockaddr(unix_path, sizeof(unix_path), &sa));
	CHECK_STR(sa.family, "unix");
	CHECK_EQ(sa.addr_len, 4);
	CHECK(memcmp(sa.addr, "/run", 4) == 0);
	CHECK(interp_sockaddr(unix_abstract, sizeof(unix_abstract), &sa));
	CHECK(memcmp(sa.addr, "@xy", 3) == 0);
	CHECK(interp_sockaddr(netlink, sizeof(netlink), &sa));
	CHECK_EQ(sa.nl_pid, 12345);
	CHECK_EQ(sa.nl_groups, 1);
	CHECK(!interp_sockaddr(inet, 5, &sa)); /* too short for inet */
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
				  CASE(hex_and_field_values), CASE(sockaddrs_decode),
				  CASE(names_from_libaudit_tables), CASE(time_is_rfc3339_utc)));
}
