/* SPDX-License-Identifier: MIT */
/*
 * rule-text.c: auditctl -l's listing, rewritten for a buffer: the list and
 * action, the arch, the syscalls (names of the rule's arch, "all" when the
 * mask is full), then each field as -F name OP value in the rule's order,
 * values written as auditctl writes them (errno names for exit, rwxa for
 * perm, message type and file system names, hex for a0..a3).
 */
#include "rule-text.h"

#include <libaudit.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct text {
	char *buf;
	size_t size, len;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->len < t->size ? t->buf + t->len : NULL,
		      t->len < t->size ? t->size - t->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n;
}

/* Fields whose value is a string in the rule's buffer. */
static bool is_string(int field)
{
	return (field >= AUDIT_SUBJ_USER && field <= AUDIT_OBJ_LEV_HIGH && field != AUDIT_PPID) ||
	       field == AUDIT_WATCH || field == AUDIT_DIR || field == AUDIT_FILTERKEY ||
	       field == AUDIT_EXE;
}

static int list_of(const struct audit_rule_data *r)
{
	return (int)(r->flags & AUDIT_FILTER_MASK);
}

static bool takes_syscalls(const struct audit_rule_data *r)
{
	int l = list_of(r);

	return l != AUDIT_FILTER_USER && l != AUDIT_FILTER_TASK && l != AUDIT_FILTER_EXCLUDE &&
	       l != AUDIT_FILTER_FS;
}

static bool all_syscalls(const struct audit_rule_data *r)
{
	for (unsigned i = 0; i < AUDIT_BITMASK_SIZE - 1; i++)
		if (r->mask[i] != UINT32_MAX)
			return false;
	return true;
}

/* A watch: all syscalls, a perm, and nothing but path, dir, perm, key. */
static bool is_watch(const struct audit_rule_data *r)
{
	bool perm = false;

	for (unsigned i = 0; i < r->field_count; i++) {
		int f = (int)(r->fields[i] & ~AUDIT_OPERATORS);

		if (f == AUDIT_PERM)
			perm = true;
		else if (f != AUDIT_FILTERKEY && f != AUDIT_DIR && f != AUDIT_WATCH)
			return false;
	}
	return perm && (!takes_syscalls(r) || all_syscalls(r));
}

static const char *op(const struct audit_rule_data *r, unsigned i)
{
	const char *s = audit_operator_to_symbol((int)(r->fieldflags[i] & AUDIT_OPERATORS));

	return s ? s : "?";
}

static void put_syscalls(struct text *t, const struct audit_rule_data *r, int machine)
{
	unsigned count = 0;

	if (all_syscalls(r)) {
		put(t, " -S all");
		return;
	}
	for (unsigned i = 0; i < AUDIT_BITMASK_SIZE * 32; i++) {
		const char *name;

		if (!(r->mask[AUDIT_WORD(i)] & AUDIT_BIT(i)))
			continue;
		name = machine >= 0 ? audit_syscall_to_name((int)i, machine) : NULL;
		put(t, "%s", count++ ? "," : " -S ");
		if (name)
			put(t, "%s", name);
		else
			put(t, "%u", i);
	}
}

static const char *const compare_names[][2] = {
	[AUDIT_COMPARE_UID_TO_OBJ_UID] = { "uid", "obj_uid" },
	[AUDIT_COMPARE_GID_TO_OBJ_GID] = { "gid", "obj_gid" },
	[AUDIT_COMPARE_EUID_TO_OBJ_UID] = { "euid", "obj_uid" },
	[AUDIT_COMPARE_EGID_TO_OBJ_GID] = { "egid", "obj_gid" },
	[AUDIT_COMPARE_AUID_TO_OBJ_UID] = { "auid", "obj_uid" },
	[AUDIT_COMPARE_SUID_TO_OBJ_UID] = { "suid", "obj_uid" },
	[AUDIT_COMPARE_SGID_TO_OBJ_GID] = { "sgid", "obj_gid" },
	[AUDIT_COMPARE_FSUID_TO_OBJ_UID] = { "fsuid", "obj_uid" },
	[AUDIT_COMPARE_FSGID_TO_OBJ_GID] = { "fsgid", "obj_gid" },
	[AUDIT_COMPARE_UID_TO_AUID] = { "uid", "auid" },
	[AUDIT_COMPARE_UID_TO_EUID] = { "uid", "euid" },
	[AUDIT_COMPARE_UID_TO_FSUID] = { "uid", "fsuid" },
	[AUDIT_COMPARE_UID_TO_SUID] = { "uid", "suid" },
	[AUDIT_COMPARE_AUID_TO_FSUID] = { "auid", "fsuid" },
	[AUDIT_COMPARE_AUID_TO_SUID] = { "auid", "suid" },
	[AUDIT_COMPARE_AUID_TO_EUID] = { "auid", "euid" },
	[AUDIT_COMPARE_EUID_TO_SUID] = { "euid", "suid" },
	[AUDIT_COMPARE_EUID_TO_FSUID] = { "euid", "fsuid" },
	[AUDIT_COMPARE_SUID_TO_FSUID] = { "suid", "fsuid" },
	[AUDIT_COMPARE_GID_TO_EGID] = { "gid", "egid" },
	[AUDIT_COMPARE_GID_TO_FSGID] = { "gid", "fsgid" },
	[AUDIT_COMPARE_GID_TO_SGID] = { "gid", "sgid" },
	[AUDIT_COMPARE_EGID_TO_FSGID] = { "egid", "fsgid" },
	[AUDIT_COMPARE_EGID_TO_SGID] = { "egid", "sgid" },
	[AUDIT_COMPARE_SGID_TO_FSGID] = { "sgid", "fsgid" },
};

/* One string field: path, dir, exe, key and the security labels. */
static void put_string(struct text *t, int field, const char *name, const char *o,
		       const char *s, size_t n, bool watch)
{
	if (field == AUDIT_FILTERKEY) {
		/* One -k (or -F key=) per key; several are joined by \x01. */
		for (const char *k = s, *end = s + n; k < end;) {
			const char *sep = memchr(k, AUDIT_KEY_SEPARATOR, (size_t)(end - k));
			size_t len = sep ? (size_t)(sep - k) : (size_t)(end - k);

			if (len)
				put(t, watch ? " -k %.*s" : " -F key=%.*s", (int)len, k);
			k += len + 1;
		}
	} else if (watch && (field == AUDIT_WATCH || field == AUDIT_DIR)) {
		put(t, "-w %.*s", (int)n, s);
	} else {
		put(t, " -F %s%s%.*s", field == AUDIT_WATCH ? "path" : name, o, (int)n, s);
	}
}

static void put_number(struct text *t, const struct audit_rule_data *r, unsigned i,
		       const char *name, bool watch)
{
	int field = (int)(r->fields[i] & ~AUDIT_OPERATORS);
	uint32_t v = r->values[i];
	const char *o = op(r, i), *s;

	if (field == AUDIT_MSGTYPE && (s = audit_msg_type_to_name((int)v))) {
		put(t, " -F %s%s%s", name, o, s);
	} else if (field == AUDIT_PERM) {
		put(t, watch ? " -p %s%s%s%s" : " -F perm=%s%s%s%s",
		    v & AUDIT_PERM_READ ? "r" : "", v & AUDIT_PERM_WRITE ? "w" : "",
		    v & AUDIT_PERM_EXEC ? "x" : "", v & AUDIT_PERM_ATTR ? "a" : "");
	} else if (field == AUDIT_INODE) {
		put(t, " -F %s%s%u", name, o, v);
	} else if (field == AUDIT_FIELD_COMPARE && v < sizeof(compare_names) / sizeof(compare_names[0]) &&
		   compare_names[v][0]) {
		put(t, " -C %s%s%s", compare_names[v][0], o, compare_names[v][1]);
	} else if (field >= AUDIT_ARG0 && field <= AUDIT_ARG3) {
		put(t, " -F %s%s0x%X", name, o, v);
	} else if (field == AUDIT_EXIT && (int32_t)v < 0 &&
		   (s = audit_errno_to_name(-(int32_t)v))) {
		put(t, " -F %s%s-%s", name, o, s);
	} else if (field == AUDIT_FSTYPE && (s = audit_fstype_to_name((int)v))) {
		put(t, " -F %s%s%s", name, o, s);
	} else {
		put(t, " -F %s%s%d", name, o, (int32_t)v);
	}
}

size_t rule_text(const struct audit_rule_data *r, size_t size, char *buf, size_t buf_size)
{
	struct text t = { buf, buf_size, 0 };
	bool watch;
	int machine = audit_detect_machine();
	size_t off = 0;

	if (buf_size)
		buf[0] = '\0';
	if (size < sizeof(*r) || sizeof(*r) + r->buflen > size || r->field_count > AUDIT_MAX_FIELDS) {
		put(&t, "(malformed rule)");
		return t.len;
	}
	watch = is_watch(r);
	if (!watch) {
		const char *action = audit_action_to_name((int)r->action);
		const char *list = audit_flag_to_name(list_of(r));

		put(&t, "-a %s,%s", action ? action : "?", list ? list : "?");
		for (unsigned i = 0; i < r->field_count; i++) {
			uint32_t elf;

			if ((r->fields[i] & ~AUDIT_OPERATORS) != AUDIT_ARCH)
				continue;
			elf = r->values[i];
			if (audit_elf_to_machine(elf) < 0) {
				put(&t, " -F arch%s0x%X", op(r, i), elf);
			} else {
				machine = audit_elf_to_machine(elf);
				put(&t, " -F arch%s%s", op(r, i), elf & __AUDIT_ARCH_64BIT ? "b64" : "b32");
			}
		}
		if (takes_syscalls(r))
			put_syscalls(&t, r, machine);
	}
	for (unsigned i = 0; i < r->field_count; i++) {
		int field = (int)(r->fields[i] & ~AUDIT_OPERATORS);
		const char *name = audit_field_to_name(field);

		if (field == AUDIT_ARCH)
			continue;
		if (!name) {
			put(&t, " f%u%s%d", r->fields[i], op(r, i), (int32_t)r->values[i]);
			continue;
		}
		if (is_string(field)) {
			if (off + r->values[i] > r->buflen) {
				put(&t, " (malformed)");
				break;
			}
			put_string(&t, field, name, op(r, i), r->buf + off, r->values[i], watch);
			off += r->values[i];
			continue;
		}
		put_number(&t, r, i, name, watch);
	}
	return t.len;
}
