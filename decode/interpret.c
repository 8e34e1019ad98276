/* SPDX-License-Identifier: MIT */
#include "interpret.h"

#include <libaudit.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#ifndef AUDIT_TTY
#define AUDIT_TTY 1319
#endif

/* EXECVE's a0, a12, a12[3]; not argc, not a12_len. */
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

/*
 * auparse's escaped names (typetab.h: ESCAPED, ESCAPED_FILE, ESCAPED_KEY,
 * PROCTITLE, TTY_DATA, SOCKADDR; the AppArmor ones it adds when built with
 * AppArmor). Not here, because the kernel writes them as numbers or plain
 * words: old, new, old_group, and everything else. The parser asks for
 * every field, so the lookup is a switch on the length, then on the first
 * byte, then one comparison of known length (inlined, no call): most names
 * (arch, pid, uid...) are turned down by the first two.
 */
bool interp_field_encoded(unsigned type, const char *name, size_t len)
{
#define IS(lit) (memcmp(name, lit, sizeof(lit) - 1) == 0)
	if (type == AUDIT_EXECVE)
		return is_exec_arg(name, len);
	switch (len) {
	case 2: return IS("sw") || IS("vm");
	case 3:
		switch (name[0]) {
		case 'c': return IS("cmd") || IS("cwd");
		case 'd': return IS("dir");
		case 'e': return IS("exe");
		case 'g': return IS("grp");
		case 'k': return IS("key") && type != AUDIT_AVC; /* SELinux's key= is a number */
		default: return false;
		}
	case 4:
		switch (name[0]) {
		case 'a': return IS("acct");
		case 'c': return IS("comm");
		case 'd': return IS("data") && (type == AUDIT_TTY || type == AUDIT_USER_TTY);
		case 'f': return IS("file");
		case 'i': return IS("info");
		case 'n': return IS("name");
		case 'p': return IS("path");
		default: return false;
		}
	case 5:
		switch (name[0]) {
		case 'o': return IS("ocomm");
		case 's': return IS("saddr") && type == AUDIT_SOCKADDR; /* AVC's is an address */
		case 'w': return IS("watch");
		default: return false;
		}
	case 6:
		switch (name[0]) {
		case 'c': return IS("cgroup");
		case 'd': return IS("device");
		case 'n': return IS("new-fs");
		case 'o': return IS("old-fs");
		default: return false;
		}
	case 7:
		switch (name[0]) {
		case 'n': return IS("new-net") || IS("new-rng");
		case 'o': return IS("old-net") || IS("old-rng");
		case 'p': return IS("profile");
		default: return false;
		}
	case 8:
		switch (name[0]) {
		case 'a': return IS("apparmor");
		case 'n': return IS("new-disk");
		case 'o': return IS("old-disk");
		case 'r': return IS("root_dir");
		default: return false;
		}
	case 9:
		switch (name[0]) {
		case 'n': return IS("new_group");
		case 'o': return IS("operation");
		case 'p': return IS("proctitle");
		default: return false;
		}
	case 11: return IS("denied_mask") || IS("new-chardev") || IS("old-chardev");
	case 14: return IS("requested_mask");
	case 15: return IS("invalid_context");
	default: return false;
	}
#undef IS
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

/* Hex digit values plus one; 0 for anything else. */
static const unsigned char hex_value1[256] = {
	['0'] = 1,  ['1'] = 2,	['2'] = 3,  ['3'] = 4,	['4'] = 5,  ['5'] = 6,	['6'] = 7,
	['7'] = 8,  ['8'] = 9,	['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14,
	['E'] = 15, ['F'] = 16, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
	['f'] = 16,
};

bool interp_hex_decode(const char *hex, size_t len, struct outbuf *out)
{
	const unsigned char *h = (const unsigned char *)hex;
	size_t start;

	if (len % 2)
		return false;
	if (!outbuf_reserve(out, len / 2 + 1))
		return false;
	/* Decode in one pass; on a non-hex digit, give the bytes back. Through
	 * a local pointer: a store through out->data (char *) could change
	 * out->len, so the compiler would reload and store it every byte. */
	start = out->len = 0;
	{
		char *o = out->data;

		for (size_t i = 0; i < len; i += 2) {
			int hi = hex_value1[h[i]] - 1, lo = hex_value1[h[i + 1]] - 1;

			if ((hi | lo) < 0) {
				out->len = start;
				return false;
			}
			*o++ = (char)(hi << 4 | lo);
		}
		out->len = (size_t)(o - out->data);
	}
	return true;
}

bool interp_field_value(const struct audit_field *f, struct outbuf *out)
{
	out->len = 0;
	if (f->quote == FIELD_PLAIN && f->value_len > 0 && (f->flags & FIELD_ENCODED) &&
	    interp_hex_decode(f->value, f->value_len, out))
		return true;
	out->len = 0;
	outbuf_put(out, f->value, f->value_len);
	return false;
}

bool interp_field_is_hex(const struct audit_field *f)
{
	return f->quote == FIELD_PLAIN && f->value_len > 0 && f->value_len % 2 == 0 &&
	       (f->flags & FIELD_ENCODED);
}

static uint16_t get16(const unsigned char *p, bool big_endian)
{
	return big_endian ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t get32(const unsigned char *p, bool big_endian)
{
	return big_endian ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
			  : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

bool interp_sockaddr(const unsigned char *raw, size_t n, int big_endian,
		     struct sockaddr_info *ret)
{
	struct sockaddr_info sa = { .family = "unknown", .port = -1 };
	bool be;

	if (n < 2)
		return false;
	/* sa_family is in the audited process's byte order. Without an arch
	 * to say which, the family's two bytes do: a family number is below
	 * 256, so its high byte is 0 and comes first only in big endian. */
	be = big_endian > 0 || (big_endian < 0 && raw[0] == 0 && raw[1] != 0);
	sa.family_nr = get16(raw, be);
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
	case 2: /* AF_INET: port and address in network order on every arch */
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
	case 16: /* AF_NETLINK: nl_pid and nl_groups in host order */
		if (n < 12)
			return false;
		sa.family = "netlink";
		sa.nl_pid = get32(raw + 4, be);
		sa.nl_groups = get32(raw + 8, be);
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

int interp_arch_big_endian(const char *hex, size_t len)
{
	long long v;

	if (!interp_number(hex, len, true, &v))
		return -1;
	return (v & 0x40000000 /* __AUDIT_ARCH_LE */) ? 0 : 1;
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

static void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

void interp_time_rfc3339(struct outbuf *b, uint64_t sec, unsigned msec)
{
	/* "YYYY-MM-DDTHH:MM:SS" changes once a second: keep the last one. */
	static _Thread_local uint64_t cached_sec = UINT64_MAX;
	static _Thread_local char cached[20];
	char tmp[28];

	if (sec != cached_sec) {
		time_t t = (time_t)sec;
		struct tm tm;

		if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
			outbuf_puts(b, "\"invalid\"");
			return;
		}
		put2(cached, (unsigned)(tm.tm_year + 1900) / 100);
		put2(cached + 2, (unsigned)(tm.tm_year + 1900) % 100);
		cached[4] = '-';
		put2(cached + 5, (unsigned)tm.tm_mon + 1);
		cached[7] = '-';
		put2(cached + 8, (unsigned)tm.tm_mday);
		cached[10] = 'T';
		put2(cached + 11, (unsigned)tm.tm_hour);
		cached[13] = ':';
		put2(cached + 14, (unsigned)tm.tm_min);
		cached[16] = ':';
		put2(cached + 17, (unsigned)tm.tm_sec);
		cached_sec = sec;
	}
	tmp[0] = '"';
	memcpy(tmp + 1, cached, 19);
	tmp[20] = '.';
	tmp[21] = (char)('0' + msec / 100 % 10);
	put2(tmp + 22, msec % 100);
	tmp[24] = 'Z';
	tmp[25] = '"';
	outbuf_put(b, tmp, 26);
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
