/* SPDX-License-Identifier: MIT */
/*
 * filter-value: one value of a filter match, as the file writes it, to
 * what the matcher compares (filter-internal.h), and the comparisons that
 * are not a field lookup: globs, path prefixes, networks.
 *
 *   numbers   uid=0  uid=1000-60000  uid=unset  uid=alice (the caller's
 *             hook, at parse time)  exit=-13  exit=EACCES  port=1024-65535
 *   names     type=SYSCALL (or its number)  syscall=openat (known to
 *             libaudit on some architecture)  success=yes|no
 *   networks  addr=10.0.0.0/8  addr=fe80::/10  addr=192.0.2.7
 *   text      exe=*bin/cron  path=/var/log  key=none  container=none
 *
 * Pure: inet_pton and fnmatch read only their arguments.
 */
#include "filter-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UID_UNSET 4294967295LL

bool filter_is_glob(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[')
			return true;
	return false;
}

/* A decimal integer, the whole of s. */
static bool parse_int(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	if (!*s || (*s != '-' && (*s < '0' || *s > '9')))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}

/* N or N-M (N <= M), each from lo to hi. */
static bool parse_range(const char *s, int64_t lo, int64_t hi, struct filter_value *ret)
{
	char a[32];
	const char *dash = s[0] ? strchr(s + 1, '-') : NULL; /* not a leading minus */
	size_t n = dash ? (size_t)(dash - s) : strlen(s);

	if (n == 0 || n >= sizeof(a))
		return false;
	memcpy(a, s, n);
	a[n] = '\0';
	if (!parse_int(a, &ret->num.lo))
		return false;
	ret->num.hi = ret->num.lo;
	if (dash && !parse_int(dash + 1, &ret->num.hi))
		return false;
	return ret->num.lo >= lo && ret->num.hi <= hi && ret->num.lo <= ret->num.hi;
}

static const char *parse_id(const char *text, const struct filter_names *names,
			    struct filter_value *ret, char *buf, size_t size)
{
	uint32_t uid;
	int r;

	if (strcmp(text, "unset") == 0 || strcmp(text, "-1") == 0) {
		ret->num.lo = ret->num.hi = UID_UNSET;
		return NULL;
	}
	if ((text[0] >= '0' && text[0] <= '9')) {
		if (parse_range(text, 0, UID_UNSET, ret))
			return NULL;
		return "expected a uid (0 to 4294967295), a range N-M, a user name or unset";
	}
	if (!names || !names->user) {
		snprintf(buf, size, "'%s': user names are not looked up here; give the uid", text);
		return buf;
	}
	r = names->user(names->user_arg, text, &uid);
	if (r < 0) {
		snprintf(buf, size, "no user '%s' on this machine (names are looked up when the "
				    "file is read)",
			 text);
		return buf;
	}
	ret->num.lo = ret->num.hi = uid;
	return NULL;
}

/* Known to libaudit on at least one architecture: a rule file may serve
 * machines of several. */
static bool syscall_known(const char *name)
{
	for (int m = MACH_X86; m <= MACH_PPC64LE; m++)
		if (audit_machine_to_name(m) && audit_name_to_syscall(name, m) >= 0)
			return true;
	return false;
}

static const char *parse_net(const char *text, struct filter_value *ret, char *buf, size_t size)
{
	char host[64];
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	unsigned max;
	int64_t prefix;

	if (n == 0 || n >= sizeof(host))
		goto bad;
	memcpy(host, text, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, ret->net.addr) == 1) {
		ret->net.family = 2;
		max = 32;
	} else if (inet_pton(AF_INET6, host, ret->net.addr) == 1) {
		ret->net.family = 10;
		max = 128;
	} else {
		goto bad;
	}
	ret->net.prefix = max;
	if (slash) {
		if (!parse_int(slash + 1, &prefix) || prefix < 0 || prefix > max)
			goto bad;
		ret->net.prefix = (unsigned)prefix;
	}
	return NULL;
bad:
	snprintf(buf, size, "'%s' is not an address or network (192.0.2.0/24, 2001:db8::/32, "
			    "::1)",
		 text);
	return buf;
}

const char *filter_value_parse(enum filter_kind kind, const char *text, size_t len,
			       const struct filter_names *names, struct filter_value *ret,
			       char *buf, size_t size)
{
	int64_t n;
	int t;

	ret->text = text;
	ret->len = len;
	switch (kind) {
	case FK_TYPE:
		if (parse_int(text, &n) && n > 0 && n < 65536) {
			ret->num.lo = ret->num.hi = n;
			return NULL;
		}
		t = audit_name_to_msg_type(text);
		if (t <= 0) {
			snprintf(buf, size, "unknown record type '%s'", text);
			return buf;
		}
		ret->num.lo = ret->num.hi = t;
		return NULL;
	case FK_SYSCALL:
		if (!syscall_known(text)) {
			snprintf(buf, size, "unknown system call '%s'", text);
			return buf;
		}
		ret->name = text;
		return NULL;
	case FK_SUCCESS:
		if (strcmp(text, "yes") == 0 || strcmp(text, "no") == 0) {
			ret->num.lo = ret->num.hi = text[0] == 'y';
			return NULL;
		}
		return "expected yes or no";
	case FK_EXIT:
		if (parse_range(text, INT64_MIN / 2, INT64_MAX / 2, ret))
			return NULL;
		t = audit_name_to_errno(text);
		if (t <= 0) {
			snprintf(buf, size, "'%s' is neither a number nor an errno name (EACCES)",
				 text);
			return buf;
		}
		ret->num.lo = ret->num.hi = -t;
		return NULL;
	case FK_AUID: case FK_UID: case FK_EUID:
		return parse_id(text, names, ret, buf, size);
	case FK_PORT:
		if (parse_range(text, 0, 65535, ret))
			return NULL;
		return "expected a port (0 to 65535) or a range N-M";
	case FK_ADDR:
		return parse_net(text, ret, buf, size);
	case FK_KEY: case FK_CONTAINER:
		ret->none = strcmp(text, "none") == 0;
		/* fall through */
	case FK_EXE: case FK_COMM: case FK_ANCESTOR: case FK_RUNTIME: case FK_FIELD:
		ret->glob = kind != FK_FIELD && filter_is_glob(text, len);
		return NULL;
	case FK_PATH:
		if (text[0] != '/' && text[0] != '*' && text[0] != '?' && text[0] != '[')
			return "expected an absolute path or a glob (paths are matched made "
			       "absolute)";
		ret->glob = filter_is_glob(text, len);
		/* /var/log/ and /var/log are the same prefix. */
		while (!ret->glob && ret->len > 1 && text[ret->len - 1] == '/')
			ret->len--;
		return NULL;
	default:
		return "internal: no such match";
	}
}

/* fnmatch wants NUL-ended text, copied to the stack: a value longer than
 * this is matched on its first GLOB_TEXT_MAX bytes (an exe, comm or path
 * is shorter: PATH_MAX). */
#define GLOB_TEXT_MAX 4096

bool filter_value_text_matches(const struct filter_value *v, const char *s, size_t len)
{
	char tmp[GLOB_TEXT_MAX + 1];

	if (!v->glob)
		return len == v->len && memcmp(s, v->text, len) == 0;
	if (len > GLOB_TEXT_MAX)
		len = GLOB_TEXT_MAX;
	if (memchr(s, '\0', len))
		return false; /* a NUL in a value: no glob can be meant for it */
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	return fnmatch(v->text, tmp, 0) == 0;
}

bool filter_value_path_matches(const struct filter_value *v, const char *s, size_t len)
{
	if (v->glob)
		return filter_value_text_matches(v, s, len);
	if (v->len == 1) /* "/": every absolute path */
		return len > 0 && s[0] == '/';
	return len >= v->len && memcmp(s, v->text, v->len) == 0 &&
	       (len == v->len || s[v->len] == '/');
}

bool filter_value_net_matches(const struct filter_value *v, unsigned family,
			      const unsigned char *addr)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	unsigned bits = v->net.prefix, whole, rest;

	if (family == 10 && v->net.family == 2 && memcmp(addr, mapped, 12) == 0) {
		family = 2;
		addr += 12;
	}
	if (family != v->net.family)
		return false;
	whole = bits / 8;
	rest = bits % 8;
	if (memcmp(addr, v->net.addr, whole) != 0)
		return false;
	if (rest) {
		unsigned char mask = (unsigned char)(0xff << (8 - rest));

		return (addr[whole] & mask) == (v->net.addr[whole] & mask);
	}
	return true;
}
