/* SPDX-License-Identifier: MIT */
#include "interpret.h"

#include <libaudit.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Field names the kernel and user-space write with untrusted-string
 * encoding (auparse's AUPARSE_TYPE_ESCAPED family). EXECVE's a0, a1[2]... and
 * the like are recognised by shape. */
static const char *const encodable[] = {
	"acct", "cmd", "comm", "cwd", "data", "dir", "exe", "file", "grp", "key", "name",
	"new", "new_group", "ocomm", "old", "old_group", "path", "proctitle", "root_dir",
	"saddr", "vm", "watch", "new-disk", "old-disk", "new-chardev", "old-chardev",
	"new-fs", "old-fs", "new-net", "old-net", "new-rng", "old-rng", "device", "cgroup",
};

static bool is_exec_arg(const char *name, size_t len)
{
	size_t i = 1;

	if (len < 2 || name[0] != 'a' || name[1] < '0' || name[1] > '9')
		return false;
	while (i < len && name[i] >= '0' && name[i] <= '9')
		i++;
	if (i == len)
		return true;                 /* a12 */
	if (name[i] != '[' || name[len - 1] != ']')
		return false;                /* a12_len is a number, not a string */
	for (i++; i < len - 1; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	return true;                         /* a12[3] */
}

bool interp_is_encodable(const char *name, size_t len)
{
	if (is_exec_arg(name, len))
		return true;
	for (size_t i = 0; i < sizeof(encodable) / sizeof(encodable[0]); i++)
		if (strlen(encodable[i]) == len && memcmp(encodable[i], name, len) == 0)
			return true;
	return false;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool interp_hex_decode(const char *hex, size_t len, struct outbuf *out)
{
	if (len % 2)
		return false;
	for (size_t i = 0; i < len; i++)
		if (hex_digit(hex[i]) < 0)
			return false;
	out->len = 0;
	if (!outbuf_reserve(out, len / 2))
		return false;
	for (size_t i = 0; i < len; i += 2)
		out->data[out->len++] = (char)(hex_digit(hex[i]) << 4 | hex_digit(hex[i + 1]));
	return true;
}

bool interp_field_value(const struct audit_field *f, struct outbuf *out)
{
	out->len = 0;
	if (f->quote == FIELD_PLAIN && f->value_len > 0 && interp_is_encodable(f->name, f->name_len) &&
	    interp_hex_decode(f->value, f->value_len, out))
		return true;
	out->len = 0;
	outbuf_put(out, f->value, f->value_len);
	return false;
}

static uint16_t get16(const unsigned char *p, bool big_endian)
{
	return big_endian ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t get32le(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool interp_sockaddr(const unsigned char *raw, size_t n, struct sockaddr_info *ret)
{
	struct sockaddr_info sa = { .family = "unknown", .port = -1 };

	if (n < 2)
		return false;
	/* sa_family is in host order; audit logs come from little-endian
	 * machines in the vast majority, and the kernel wrote it raw. */
	sa.family_nr = get16(raw, false);
	switch (sa.family_nr) {
	case 1: { /* AF_UNIX */
		size_t len = n - 2;
		const unsigned char *path = raw + 2;
		size_t o = 0;

		sa.family = "unix";
		if (len > 0 && path[0] == '\0') {
			/* Abstract socket: shown with a leading '@'. */
			sa.addr[o++] = '@';
			path++;
			len--;
		} else {
			len = strnlen((const char *)path, len);
		}
		if (len > sizeof(sa.addr) - o)
			len = sizeof(sa.addr) - o;
		memcpy(sa.addr + o, path, len);
		sa.addr_len = o + len;
		break;
	}
	case 2: /* AF_INET */
		if (n < 8)
			return false;
		sa.family = "inet";
		sa.port = get16(raw + 2, true);
		sa.addr_len = (size_t)snprintf(sa.addr, sizeof(sa.addr), "%u.%u.%u.%u", raw[4],
					       raw[5], raw[6], raw[7]);
		break;
	case 10: { /* AF_INET6 */
		char *o = sa.addr;

		if (n < 24)
			return false;
		sa.family = "inet6";
		sa.port = get16(raw + 2, true);
		for (int i = 0; i < 8; i++)
			o += sprintf(o, i ? ":%x" : "%x", get16(raw + 8 + 2 * i, true));
		sa.addr_len = (size_t)(o - sa.addr);
		break;
	}
	case 16: /* AF_NETLINK */
		if (n < 12)
			return false;
		sa.family = "netlink";
		sa.nl_pid = get32le(raw + 4);
		sa.nl_groups = get32le(raw + 8);
		break;
	default:
		break;
	}
	*ret = sa;
	return true;
}

void interp_sockaddr_json(struct outbuf *b, const struct sockaddr_info *sa)
{
	outbuf_puts(b, "{\"family\":");
	outbuf_json_string(b, sa->family, strlen(sa->family));
	if (strcmp(sa->family, "unknown") == 0) {
		outbuf_puts(b, ",\"family_nr\":");
		outbuf_put_u64(b, sa->family_nr);
	}
	if (sa->addr_len) {
		outbuf_puts(b, strcmp(sa->family, "unix") == 0 ? ",\"path\":" : ",\"addr\":");
		outbuf_json_string(b, sa->addr, sa->addr_len);
	}
	if (sa->port >= 0) {
		outbuf_puts(b, ",\"port\":");
		outbuf_put_u64(b, (uint64_t)sa->port);
	}
	if (strcmp(sa->family, "netlink") == 0) {
		outbuf_puts(b, ",\"pid\":");
		outbuf_put_u64(b, sa->nl_pid);
		outbuf_puts(b, ",\"groups\":");
		outbuf_put_u64(b, sa->nl_groups);
	}
	outbuf_putc(b, '}');
}

bool interp_number(const char *s, size_t len, bool hex, long long *ret)
{
	unsigned long long v = 0;
	bool neg = false;
	size_t i = 0;

	if (len && s[0] == '-' && !hex) {
		neg = true;
		i = 1;
	}
	if (i == len || len - i > (hex ? 16 : 19))
		return false;
	for (; i < len; i++) {
		int d = hex ? hex_digit(s[i]) : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);

		if (d < 0)
			return false;
		v = v * (hex ? 16 : 10) + (unsigned)d;
	}
	*ret = neg ? -(long long)v : (long long)v;
	return true;
}

int interp_arch_machine(const char *hex, size_t len)
{
	long long v;

	if (!interp_number(hex, len, true, &v))
		return -1;
	return audit_elf_to_machine((unsigned)v);
}

const char *interp_machine_name(int machine)
{
	return machine < 0 ? NULL : audit_machine_to_name(machine);
}

const char *interp_syscall_name(int machine, long nr)
{
	return machine < 0 || nr < 0 ? NULL : audit_syscall_to_name((int)nr, machine);
}

const char *interp_errno_name(long exit_value)
{
	return exit_value < 0 && exit_value > -4096 ? audit_errno_to_name((int)-exit_value) : NULL;
}

void interp_time_rfc3339(struct outbuf *b, uint64_t sec, unsigned msec)
{
	time_t t = (time_t)sec;
	struct tm tm;
	char tmp[40];
	int n;

	if (!gmtime_r(&t, &tm)) {
		outbuf_puts(b, "\"invalid\"");
		return;
	}
	n = snprintf(tmp, sizeof(tmp), "\"%04d-%02d-%02dT%02d:%02d:%02d.%03uZ\"", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, msec % 1000);
	outbuf_put(b, tmp, (size_t)n);
}

void interp_resolve_path(const char *cwd, size_t cwd_len, const char *name, size_t name_len,
			 struct outbuf *out)
{
	size_t i = 0;

	out->len = 0;
	if (name_len == 0 || name[0] != '/') {
		if (cwd_len == 0 || cwd[0] != '/') {
			/* No absolute cwd to resolve against: keep the name. */
			outbuf_put(out, name, name_len);
			return;
		}
		outbuf_put(out, cwd, cwd_len);
		while (out->len > 0 && out->data[out->len - 1] == '/')
			out->len--; /* "/" becomes "", "/tmp/" becomes "/tmp" */
	}
	/* Fold each component of name onto out, which never ends in '/'. */
	while (i < name_len) {
		size_t start, n;

		while (i < name_len && name[i] == '/')
			i++;
		start = i;
		while (i < name_len && name[i] != '/')
			i++;
		n = i - start;
		if (n == 0 || (n == 1 && name[start] == '.'))
			continue;
		if (n == 2 && name[start] == '.' && name[start + 1] == '.') {
			while (out->len > 0 && out->data[out->len - 1] != '/')
				out->len--;
			if (out->len > 0)
				out->len--;
			continue;
		}
		outbuf_putc(out, '/');
		outbuf_put(out, name + start, n);
	}
	if (out->len == 0)
		outbuf_putc(out, '/');
}
