/* SPDX-License-Identifier: MIT */
/*
 * rulefile: the machine's audit rules, read as `auditctl -R` reads them,
 * for needle to load itself. Nothing here talks to the kernel: each line
 * becomes what auditctl would have sent, built by libaudit's rule builder
 * (audit_rule_fieldpair_data and friends, as auditctl calls them).
 *
 *   rules = FILE         that file
 *   rules = augenrules   /etc/audit/rules.d/ *.rules merged in memory as
 *                        augenrules merges them into audit.rules: files in
 *                        `ls -v` order, blank and comment lines dropped, the
 *                        last bare -D first, then the last -b, the last -f,
 *                        the other lines in order, the last -e at the end
 *                        (no rules.d: /etc/audit/audit.rules as it is)
 *
 *   each line --> an entry, in file order:    -a, -A, -w        rule to add
 *                                             -d, -W            rule to delete
 *                                             -D [-k KEY]       delete all (with KEY)
 *             --> a setting (the last wins):  -e 0|1 -f 0|1 -r N -b N
 *                                             --backlog_wait_time N
 *             --> irreversible (to reboot):   -e 2, --loginuid-immutable
 *             -i, -c: accepted, no effect (needle always goes on)
 *
 * A bad line (unknown syscall, field, option; -f 2, auditctl's commands
 * such as -s or -l) is said once as "FILE:LINE: what is wrong" and left
 * out; the other lines are still read (auditctl -R -c's semantics). Every
 * message names the file and line the user wrote, in rules.d as well.
 * Files are taken as auditctl -R takes them: owned by root, not world
 * writable, regular; another is refused whole, said why.
 *
 * libaudit's builder keeps state in globals: main thread only.
 */
#ifndef NEEDLE_RULEFILE_H
#define NEEDLE_RULEFILE_H

#include "audit-ctl.h"

#include <linux/audit.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RULEFILE_AUGENRULES_DIR "/etc/audit/rules.d"
#define RULEFILE_AUDIT_RULES "/etc/audit/audit.rules"

/* Where a line came from, for messages. */
struct rulefile_origin {
	const char *file; /* owned by the rulefile */
	unsigned line;
};

enum rulefile_op {
	RULEFILE_ADD,        /* rule */
	RULEFILE_DELETE,     /* rule */
	RULEFILE_DELETE_ALL, /* every rule, or those with key */
};

struct rulefile_entry {
	enum rulefile_op op;
	struct audit_rule_data *rule; /* ADD, DELETE: the kernel's binary form */
	size_t size;                  /* of rule: sizeof(*rule) + buflen */
	char *key;                    /* DELETE_ALL: NULL for all */
	char *text;                   /* the line as written (for messages) */
	struct rulefile_origin at;
};

/* A setting the rules give, in audit_settings[] order (audit-ctl.h). */
struct rulefile_setting {
	bool set;
	uint32_t value;
	char text[64];      /* "-b 8192" */
	struct rulefile_origin at;
};

struct rulefile {
	char *path;         /* what was read: the file, or the rules.d folder */
	struct rulefile_entry *entry;
	unsigned count;
	struct rulefile_setting setting[AUDIT_SETTINGS];
	struct rulefile_origin lock;               /* -e 2 (line 0: none) */
	struct rulefile_origin loginuid_immutable; /* (line 0: none) */
	unsigned errors;    /* lines said and left out */
	char **files;       /* every file read, for origin.file */
	unsigned nfiles;
};

/* The caller's log: one line, no newline, printf format. */
typedef void rulefile_say_fn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads path as auditctl -R would. Returns 0 (bad lines said and counted
 * in ret->errors), or -errno when the file cannot be taken at all (said);
 * ret is then empty but valid for rulefile_free. */
int rulefile_read(const char *path, struct rulefile *ret, rulefile_say_fn *say);

/* Reads dir's *.rules merged as augenrules merges them (above); without
 * dir, fallback as rulefile_read. As rulefile_read. */
int rulefile_read_augenrules(const char *dir, const char *fallback, struct rulefile *ret,
			     rulefile_say_fn *say);

/* Parses text (len bytes) as the lines of origin; for tests and the
 * functions above. *ret must be zeroed or hold earlier lines. */
void rulefile_parse(struct rulefile *rf, const char *origin, const char *text, size_t len,
		    rulefile_say_fn *say);

/* One line of origin's file (for the functions above): blank and comment
 * lines skipped, a bad one said and counted. */
void rulefile_parse_line(struct rulefile *rf, struct rulefile_origin at, const char *text,
			 rulefile_say_fn *say);

/* A copy of a file's name, kept (and freed) with rf, for origins; NULL
 * when out of memory. */
const char *rulefile_keep_name(struct rulefile *rf, const char *name);

/* Rules to add in the entries (what a start loads). */
unsigned rulefile_rules(const struct rulefile *rf);

void rulefile_free(struct rulefile *rf);

#endif
