/* SPDX-License-Identifier: MIT */
/*
 * enrich.c: auditd 3.0.9's ENRICHED part, rule by rule. Each function names
 * the audit-userspace function it follows; where auparse does something
 * odd, the comment says so, because matching it is the point.
 */
#include "enrich.h"
#include "format-internal.h"

#include <arpa/inet.h>
#include <libaudit.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* auditd's buffer: MAX_AUDIT_MESSAGE_LENGTH + _POSIX_HOST_NAME_MAX; it
 * stops adding fields when fewer than MIN_SPACE_LEFT bytes remain. */
#define FORMAT_BUF_LEN (8970 + 255)
#define MIN_SPACE_LEFT 24

/* One field as auparse keeps it. */
struct afield {
	const char *name, *val;
	size_t nlen, vlen;
};

static bool is(const struct afield *f, const char *lit)
{
	size_t n = strlen(lit);

	return f->nlen == n && memcmp(f->name, lit, n) == 0;
}

/*
 * The next field of a line as auparse's parse_up_record() (ellist.c) splits
 * it: tokens at spaces, only tokens holding '=' are fields (AVC's bare
 * words aside: they only shift positions auparse never looks at in AVC
 * records), "msg=audit(...):" dropped, "msg='" cut off the first nested
 * field, a leading '(' cut off the name, one trailing ':', ',', '\'' and
 * ')' (but not in "(null)" or "(none)") cut off the value, in that order,
 * and a field with an empty value dropped.
 */
static bool next_field(const char **pos, const char *end, struct afield *f)
{
	while (*pos < end) {
		const char *t = *pos, *te, *eq;

		while (t < end && *t == ' ')
			t++;
		if (t == end)
			break;
		te = memchr(t, ' ', (size_t)(end - t));
		if (!te)
			te = end;
		*pos = te;
		eq = memchr(t, '=', (size_t)(te - t));
		if (!eq)
			continue;
		if (te - t > 4 && memcmp(t, "msg=", 4) == 0) {
			if (t[4] == 'a')
				continue;
			if (t[4] == '\'') {
				t += 5;
				eq = memchr(t, '=', (size_t)(te - t));
				if (!eq)
					continue;
			}
		}
		if (*t == '(')
			t++;
		f->name = t;
		f->nlen = (size_t)(eq - t);
		f->val = eq + 1;
		f->vlen = (size_t)(te - f->val);
		if (f->vlen == 0)
			continue;
		if (f->vlen && f->val[f->vlen - 1] == ':')
			f->vlen--;
		if (f->vlen && f->val[f->vlen - 1] == ',')
			f->vlen--;
		if (f->vlen && f->val[f->vlen - 1] == '\'')
			f->vlen--;
		if (f->vlen && f->val[f->vlen - 1] == ')' &&
		    !(f->vlen == 6 && (memcmp(f->val, "(none)", 6) == 0 ||
				       memcmp(f->val, "(null)", 6) == 0)))
			f->vlen--;
		return true;
	}
	*pos = end;
	return false;
}

/* strtoul()/strtoull() as glibc does them on a 64-bit machine, on a value
 * that is not NUL-terminated: leading blanks, a sign, 0x for base 16,
 * digits up to the first other byte; no digit gives 0 and no error;
 * overflow gives ULONG_MAX and *ret_range. */
static int digit_value(char c, unsigned base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

static unsigned long long c_strtoul(const char *s, size_t n, unsigned base, bool *ret_range)
{
	unsigned long long v = 0;
	size_t i = 0;
	bool neg = false, any = false, over = false;

	*ret_range = false;
	while (i < n && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
		i++;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (base == 16 && i + 2 < n && s[i] == '0' && (s[i + 1] | 0x20) == 'x' &&
	    digit_value(s[i + 2], 16) >= 0)
		i += 2;
	for (; i < n; i++) {
		int d = digit_value(s[i], base);

		if (d < 0)
			break;
		any = true;
		if (v > (~0ULL - (unsigned)d) / base)
			over = true;
		else
			v = v * base + (unsigned)d;
	}
	if (!any)
		return 0;
	if (over) {
		*ret_range = true;
		return ~0ULL;
	}
	return neg ? 0ULL - v : v;
}

/* au_unescape() (interpret.c), buffer and all: the hex digits decoded in
 * place over a copy of the value, one zero after them, and past that what
 * the copy left there, which auparse reads when a sockaddr is shorter than
 * its family's struct. Bytes auparse leaves uninitialised are 0 here.
 * Returns false where auparse returns NULL. */
#define UNESCAPED_MAX 512
static bool au_unescape(const char *val, size_t n, unsigned char out[UNESCAPED_MAX])
{
	size_t hex = 0, dec, zero_end;

	memset(out, 0, UNESCAPED_MAX);
	if (n && val[0] == '(') {
		/* The kernel's "(null)": returned as it is, up to ')'. */
		const char *close = memchr(val, ')', n);
		size_t keep;

		if (!close)
			return false;
		keep = (size_t)(close + 1 - val);
		memcpy(out, val, keep < UNESCAPED_MAX ? keep : UNESCAPED_MAX - 1);
		return true;
	}
	while (hex < n && digit_value(val[hex], 16) >= 0)
		hex++;
	if (hex < 2)
		return false;
	/* strcpy() of the hex digits, then decoded in place. */
	memcpy(out, val, hex < UNESCAPED_MAX ? hex : UNESCAPED_MAX - 1);
	dec = (hex + 1) / 2;
	for (size_t i = 0; i < dec && i < UNESCAPED_MAX; i++) {
		/* x2c(): an odd last digit meets the copy's NUL, worth 0. */
		int lo = 2 * i + 1 < hex ? digit_value(val[2 * i + 1], 16) : 0;

		out[i] = (unsigned char)(digit_value(val[2 * i], 16) << 4 | lo);
	}
	/* *ptr = 0, then memset(ptr, 0, strlen(val) / 2 - (dec - 1)). */
	zero_end = n / 2 > dec ? n / 2 : dec;
	for (size_t i = dec; i <= zero_end && i < UNESCAPED_MAX; i++)
		out[i] = 0;
	return true;
}

/* How many fields auparse makes of a key=... value (virtual keys: the
 * hex-decoded value split at 0x01, empty pieces dropped). */
static unsigned key_fields(const struct afield *f)
{
	unsigned char buf[UNESCAPED_MAX];
	unsigned count = 0;
	bool in = false;

	if (f->val[0] == '(' || f->val[0] == '"' || !au_unescape(f->val, f->vlen, buf))
		return 1;
	for (size_t i = 0; i < UNESCAPED_MAX && buf[i]; i++) {
		if (buf[i] == AUDIT_KEY_SEPARATOR) {
			in = false;
		} else if (!in) {
			in = true;
			count++;
		}
	}
	return count;
}

/* What parse_up_record() learns from fixed positions for the whole
 * record: the machine from arch (field 2 or 11, counting type= as 1 and
 * one more after node=), the syscall (3 or 12), a0 (6). Elsewhere they
 * stay unset, and auparse then guesses (print_syscall, print_arch). */
struct record_facts {
	int machine; /* -1 unset, -2 unreadable */
	int syscall; /* -1 unset or unreadable */
	unsigned long long a0;
};

static void learn_facts(const char *line, size_t len, struct record_facts *ret)
{
	const char *pos = line, *end = line + len;
	struct afield f;
	unsigned cnt = 0, offset = 0;
	bool range;

	*ret = (struct record_facts){ .machine = -1, .syscall = -1, .a0 = 0 };
	while (next_field(&pos, end, &f)) {
		if (is(&f, "key") && f.val[0] != '(') {
			cnt += key_fields(&f);
			continue;
		}
		cnt++;
		if (cnt == 1 && is(&f, "node")) {
			offset = 1;
		} else if ((cnt == 2 + offset || cnt == 11 + offset) && is(&f, "arch")) {
			unsigned long long v = c_strtoul(f.val, f.vlen, 16, &range);

			ret->machine = range ? -2 : audit_elf_to_machine((unsigned)v);
		} else if ((cnt == 3 + offset || cnt == 12 + offset) && is(&f, "syscall")) {
			unsigned long long v = c_strtoul(f.val, f.vlen, 10, &range);

			ret->syscall = range ? -1 : (int)v;
		} else if (cnt == 6 + offset && is(&f, "a0")) {
			unsigned long long v = c_strtoul(f.val, f.vlen, 16, &range);

			ret->a0 = range ? ~0ULL : v;
		}
	}
}

/* strstr(name, "_len") */
static bool has_len_suffix(const struct afield *f)
{
	for (size_t i = 0; i + 4 <= f->nlen; i++)
		if (memcmp(f->name + i, "_len", 4) == 0)
			return true;
	return false;
}

enum kind { K_NONE, K_UID, K_GID, K_SYSCALL, K_ARCH, K_SOCKADDR };

/* typetab.h's uid, gid, syscall, arch and sockaddr names, by length so
 * a field is compared with a handful at most. */
static enum kind lookup_type(const struct afield *f)
{
#define IS(lit) (memcmp(f->name, lit, f->nlen) == 0)
	switch (f->nlen) {
	case 2: return IS("id") ? K_UID : K_NONE;
	case 3: return IS("uid") ? K_UID : IS("gid") ? K_GID : K_NONE;
	case 4:
		if (IS("auid") || IS("euid") || IS("suid") || IS("ouid") || IS("iuid"))
			return K_UID;
		if (IS("egid") || IS("sgid") || IS("ogid") || IS("igid"))
			return K_GID;
		return IS("arch") ? K_ARCH : K_NONE;
	case 5:
		if (IS("fsuid") || IS("oauid") || IS("sauid"))
			return K_UID;
		if (IS("fsgid"))
			return K_GID;
		return IS("saddr") ? K_SOCKADDR : K_NONE;
	case 7:
		if (IS("syscall"))
			return K_SYSCALL;
		if (IS("obj_uid"))
			return K_UID;
		return IS("obj_gid") || IS("new_gid") ? K_GID : K_NONE;
	case 8: return IS("old-auid") ? K_UID : K_NONE;
	case 9: return IS("inode_uid") ? K_UID : IS("inode_gid") ? K_GID : K_NONE;
	default: return K_NONE;
	}
#undef IS
}

/* auparse_interp_adjust_type(): the record types that change a field's
 * type, then typetab.h. */
static enum kind field_kind(unsigned rtype, const struct afield *f)
{
	if (rtype == AUDIT_EXECVE && f->nlen && f->name[0] == 'a' && !is(f, "argc") &&
	    !has_len_suffix(f))
		return K_NONE; /* EXECVE's a0, a1[2]: escaped strings */
	if ((rtype == AUDIT_AVC || rtype == AUDIT_NETFILTER_PKT) && is(f, "saddr"))
		return K_NONE;
	if (is(f, "id") && (rtype == AUDIT_ADD_GROUP || rtype == AUDIT_GRP_MGMT ||
			    rtype == AUDIT_DEL_GROUP))
		return K_GID;
	if (rtype == AUDIT_TRUSTED_APP)
		return K_NONE; /* every field escaped or unclassified */
	return lookup_type(f);
}

/* Control bytes as \xHH: what auditd would copy raw and so end its line. */
static void put_safe(struct outbuf *out, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c == 0x7f) {
			char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

			outbuf_put(out, esc, 4);
		} else {
			outbuf_putc(out, (char)c);
		}
	}
}

static void put_printf(struct outbuf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put_printf(struct outbuf *out, const char *fmt, ...)
{
	char tmp[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		outbuf_put(out, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* aulookup_uid()/aulookup_gid() via print_uid()/print_gid(): strtoul, cut
 * to int; -1 is "unset", 0 "root" without a lookup, a name is cut to 63
 * bytes, a number without one is unknown(N) printed signed. */
static void put_id(struct outbuf *out, const struct afield *f, bool user,
		   const struct enrich_names *names)
{
	bool range;
	unsigned long long v = c_strtoul(f->val, f->vlen, 10, &range);
	uint32_t id = (uint32_t)v;
	enrich_name_fn fn = names ? (user ? names->uid : names->gid) : NULL;
	const char *name;

	if (range) {
		outbuf_puts(out, "conversion error(");
		outbuf_put(out, f->val, f->vlen);
		outbuf_putc(out, ')');
	} else if (id == UINT32_MAX) {
		outbuf_puts(out, "unset");
	} else if (id == 0) {
		outbuf_puts(out, "root");
	} else if (fn && (name = fn(names->arg, id))) {
		outbuf_put(out, name, strnlen(name, 63));
	} else {
		put_printf(out, "unknown(%d)", (int)id);
	}
}

/* print_arch(): the machine parse_up_record() found, else the value read
 * again. */
static void put_arch(struct outbuf *out, const struct afield *f, int machine)
{
	const char *name;

	if ((unsigned)machine > MACH_AARCH64) {
		bool range;
		unsigned long long v = c_strtoul(f->val, f->vlen, 16, &range);

		if (range) {
			outbuf_puts(out, "conversion error(");
			outbuf_put(out, f->val, f->vlen);
			outbuf_puts(out, ") ");
			return;
		}
		machine = audit_elf_to_machine((unsigned)v);
	}
	if (machine < 0) {
		outbuf_puts(out, "unknown-elf-type(");
		outbuf_put(out, f->val, f->vlen);
		outbuf_putc(out, ')');
	} else if ((name = audit_machine_to_name(machine))) {
		outbuf_puts(out, name);
	} else {
		put_printf(out, "unknown-machine-type(%u)", (unsigned)machine);
	}
}

/* sock_i2s() and ipc_i2s() (auparse's socktab.h, ipctab.h). */
static const char *socketcall_name(int n)
{
	static const char *const names[] = { NULL,	    "socket",	   "bind",	 "connect",
					     "listen",	    "accept",	   "getsockname", "getpeername",
					     "socketpair",  "send",	   "recv",	 "sendto",
					     "recvfrom",    "shutdown",	   "setsockopt", "getsockopt",
					     "sendmsg",	    "recvmsg",	   "accept4",	 "recvmmsg",
					     "sendmmsg" };

	return n > 0 && n < (int)(sizeof(names) / sizeof(names[0])) ? names[n] : NULL;
}

static const char *ipc_name(int n)
{
	switch (n) {
	case 1: return "semop";
	case 2: return "semget";
	case 3: return "semctl";
	case 4: return "semtimedop";
	case 11: return "msgsnd";
	case 12: return "msgrcv";
	case 13: return "msgget";
	case 14: return "msgctl";
	case 21: return "shmat";
	case 22: return "shmdt";
	case 23: return "shmget";
	case 24: return "shmctl";
	default: return NULL;
	}
}

/* audit_detect_machine() once per thread: the machine auparse assumes for
 * a record whose arch it did not find where it looks. */
static int host_machine(void)
{
	static _Thread_local int cached = -3;

	if (cached == -3)
		cached = audit_detect_machine();
	return cached;
}

/* print_syscall(): the number and machine parse_up_record() found, not
 * the field's own value; socketcall and ipc name their call from a0. */
static void put_syscall(struct outbuf *out, const struct afield *f, const struct record_facts *r)
{
	int machine = r->machine < 0 ? host_machine() : r->machine;
	const char *sys, *func = NULL;

	if (machine < 0) {
		outbuf_put(out, f->val, f->vlen);
		return;
	}
	sys = audit_syscall_to_name(r->syscall, machine);
	if (!sys) {
		put_printf(out, "unknown-syscall(%d)", r->syscall);
		return;
	}
	if ((unsigned long long)(long long)(int)r->a0 == r->a0) {
		if (strcmp(sys, "socketcall") == 0)
			func = socketcall_name((int)r->a0);
		else if (strcmp(sys, "ipc") == 0)
			func = ipc_name((int)r->a0);
	}
	outbuf_puts(out, sys);
	if (func) {
		outbuf_putc(out, '(');
		outbuf_puts(out, func);
		outbuf_putc(out, ')');
	}
}

/* fam_i2s() (auparse's famtab.h). */
static const char *family_name(unsigned fam)
{
	static const char *const names[] = {
		[AF_LOCAL] = "local",	  [AF_INET] = "inet",	      [AF_AX25] = "ax25",
		[AF_IPX] = "ipx",	  [AF_APPLETALK] = "appletalk", [AF_NETROM] = "netrom",
		[AF_BRIDGE] = "bridge",	  [AF_ATMPVC] = "atmpvc",     [AF_X25] = "x25",
		[AF_INET6] = "inet6",	  [AF_ROSE] = "rose",	      [AF_DECnet] = "decnet",
		[AF_NETBEUI] = "netbeui", [AF_SECURITY] = "security", [AF_KEY] = "key",
		[AF_NETLINK] = "netlink", [AF_PACKET] = "packet",     [AF_ASH] = "ash",
		[AF_ECONET] = "econet",	  [AF_ATMSVC] = "atmsvc",     [AF_RDS] = "rds",
		[AF_SNA] = "sna",	  [AF_IRDA] = "irda",	      [AF_PPPOX] = "pppox",
		[AF_WANPIPE] = "wanpipe", [AF_LLC] = "llc",	      [AF_CAN] = "can",
		[AF_TIPC] = "tipc",	  [AF_BLUETOOTH] = "bluetooth", [AF_IUCV] = "iucv",
		[AF_RXRPC] = "rxrpc",	  [AF_ISDN] = "isdn",	      [AF_PHONET] = "phonet",
		[AF_IEEE802154] = "ieee802154", [37] = "caif", [38] = "alg", [39] = "nfc",
		[40] = "vsock", [41] = "kcm", [42] = "qipcrtr", [43] = "smc", [44] = "xdp",
	};

	return fam < sizeof(names) / sizeof(names[0]) ? names[fam] : NULL;
}

static uint16_t host16(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t host32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* print_sockaddr(): the value's hex decoded as au_unescape() leaves it,
 * the family read in this machine's byte order, and each family's
 * length check against the value's length (strlen / 2). */
void enrich_sockaddr(const char *val, size_t len, struct outbuf *out)
{
	unsigned char sa[UNESCAPED_MAX];
	size_t slen = len / 2;
	const char *fam;
	char addr[INET6_ADDRSTRLEN + 16];

	if (!au_unescape(val, len, sa)) {
		outbuf_puts(out, "malformed-host(");
		outbuf_put(out, val, len);
		outbuf_putc(out, ')');
		return;
	}
	fam = family_name(host16(sa));
	if (!fam) {
		put_printf(out, "unknown-family(%d)", (int)host16(sa));
		return;
	}
	outbuf_puts(out, "{ saddr_fam=");
	outbuf_puts(out, fam);
	switch (host16(sa)) {
	case AF_LOCAL:
		if (slen < 4) {
			outbuf_puts(out, " sockaddr len too short }");
		} else {
			/* %.108s of sun_path, or after its first byte when that
			 * is 0 (an abstract name). */
			const char *path = (const char *)sa + (sa[2] ? 2 : 3);

			outbuf_puts(out, " path=");
			put_safe(out, path, strnlen(path, 108));
			outbuf_puts(out, " }");
		}
		break;
	case AF_INET:
		if (slen < 16) {
			outbuf_puts(out, " sockaddr len too short }");
			break;
		}
		inet_ntop(AF_INET, sa + 4, addr, sizeof(addr));
		put_printf(out, " laddr=%s lport=%u }", addr, (unsigned)ntohs(host16(sa + 2)));
		break;
	case AF_AX25: {
		/* "call=%c%c%c%c%c%c%c": the string ends at a 0 among them. */
		size_t n = strnlen((const char *)sa + 2, 7);

		outbuf_puts(out, " call=");
		put_safe(out, (const char *)sa + 2, n);
		if (n == 7)
			outbuf_puts(out, " }");
		break;
	}
	case AF_ATMPVC: {
		/* sap_addr.itf: the address struct is int-aligned. */
		int16_t itf;

		memcpy(&itf, sa + 4, 2);
		put_printf(out, " int=%d }", itf);
		break;
	}
	case AF_X25:
		outbuf_puts(out, " laddr=");
		put_safe(out, (const char *)sa + 2, strnlen((const char *)sa + 2, 15));
		outbuf_puts(out, " }");
		break;
	case AF_INET6: {
		uint32_t scope = host32(sa + 24);

		if (slen < 28) {
			outbuf_puts(out, " sockaddr6 len too short }");
			break;
		}
		/* getnameinfo(NI_NUMERICHOST): inet_ntop, then %scope when
		 * there is one (as a number here; see enrich.h). */
		inet_ntop(AF_INET6, sa + 8, addr, sizeof(addr));
		if (scope)
			snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), "%%%u", scope);
		put_printf(out, " laddr=%s lport=%u }", addr, (unsigned)ntohs(host16(sa + 2)));
		break;
	}
	case AF_NETLINK:
		if (slen < 12)
			outbuf_puts(out, " len too short }");
		else
			put_printf(out, " nlnk-fam=%u nlnk-pid=%u }", (unsigned)host16(sa), host32(sa + 4));
		break;
	default:
		outbuf_puts(out, " (unsupported) }");
		break;
	}
}

/* audit_value_needs_encoding() on a signed char: '"', anything below
 * 0x21 (bytes from 0x80 included) and 0x7f. */
static bool needs_encoding(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == '"' || (signed char)p[i] < 0x21 || p[i] == 0x7f)
			return true;
	return false;
}

/* add_simple_field(): NAME (upper case, at most 63 bytes) = value; uids
 * and gids through audit_encode_nv_string() (NAME="value", or NAME=HEX
 * when the value needs it); a field that does not fit is left out. */
static void add_field(struct outbuf *out, const struct afield *f, const char *val, size_t vlen,
		      bool encode, unsigned *sep_done, size_t *left)
{
	size_t nlen = f->nlen < 63 ? f->nlen : 63, tlen, mark;
	bool hex = encode && needs_encoding(val, vlen);

	/* add_separator(): the first interpreted field writes 0x1d, even
	 * when it then does not fit. */
	if ((*sep_done)++ == 0) {
		outbuf_putc(out, 0x1d);
		(*left)--;
	}
	tlen = 1 + nlen + 1 + (hex ? 2 * vlen : vlen + (encode ? 2 : 0)) + 1;
	if (tlen >= *left)
		return;
	mark = out->len;
	if (*sep_done > 1)
		outbuf_putc(out, ' ');
	for (size_t i = 0; i < nlen; i++) {
		char c = f->name[i];

		outbuf_putc(out, c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c);
	}
	outbuf_putc(out, '=');
	if (hex) {
		static const char digits[] = "0123456789ABCDEF";

		for (size_t i = 0; i < vlen; i++) {
			char h[2] = { digits[(unsigned char)val[i] >> 4], digits[val[i] & 15] };

			outbuf_put(out, h, 2);
		}
	} else if (encode) {
		outbuf_putc(out, '"');
		outbuf_put(out, val, vlen);
		outbuf_putc(out, '"');
	} else {
		outbuf_put(out, val, vlen);
	}
	*left -= out->len - mark;
}

void enrich_line(const char *line, size_t len, unsigned type, const struct enrich_names *names,
		 struct outbuf *scratch, struct outbuf *out)
{
	const char *pos = line, *end = line + len;
	struct record_facts facts;
	struct outbuf *value = scratch;
	struct afield f;
	unsigned sep_done = 0;
	size_t left;

	if (len >= FORMAT_BUF_LEN - MIN_SPACE_LEFT)
		return;
	left = FORMAT_BUF_LEN - len;
	learn_facts(line, len, &facts);
	while (left > MIN_SPACE_LEFT && next_field(&pos, end, &f)) {
		enum kind k = field_kind(type, &f);

		if (k == K_NONE)
			continue;
		value->len = 0;
		switch (k) {
		case K_UID:
		case K_GID:
			put_id(value, &f, k == K_UID, names);
			break;
		case K_SYSCALL:
			put_syscall(value, &f, &facts);
			break;
		case K_ARCH:
			put_arch(value, &f, facts.machine);
			break;
		default:
			enrich_sockaddr(f.val, f.vlen, value);
			break;
		}
		if (value->failed) {
			out->failed = true;
			break;
		}
		add_field(out, &f, value->data ? value->data : "", value->len,
			  k == K_UID || k == K_GID, &sep_done, &left);
	}
}

void format_event_enriched(struct format_ctx *ctx, const struct audit_event *ev,
			   struct outbuf *out)
{
	const struct enrich_names names = { ctx->uid_name, ctx->gid_name, ctx->id_arg };
	char stamp[64];
	size_t n = format_raw_stamp(ev, stamp, sizeof(stamp));

	/* Each RAW line as written, then what auditd adds to it: computed
	 * from the line itself, as auditd does (enrich.h). */
	for (unsigned i = 0; i < ev->nrecords; i++) {
		size_t start = out->len;

		if (!format_put_raw_line(ev, &ev->records[i], stamp, n, out))
			return;
		ctx->value2.len = 0;
		enrich_line(out->data + start, out->len - start, ev->records[i].type, &names,
			    &ctx->value, &ctx->value2);
		if (ctx->value2.failed) {
			out->failed = true;
			return;
		}
		outbuf_put(out, ctx->value2.data, ctx->value2.len);
		outbuf_putc(out, '\n');
	}
	if (format_scratch_failed(ctx))
		out->failed = true;
}
