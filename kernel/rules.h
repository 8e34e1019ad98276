/* SPDX-License-Identifier: MIT */
/*
 * rules: needle's built-in rule set (key "needle-default"), loaded when the
 * kernel has no rule at all and default_rules = yes, removed at stop; and
 * the set type kernel-session keeps the rules it loaded in (the rules
 * file's too: rules-load.h).
 *
 * Rules are built with libaudit's auditctl-style field parser and sent by
 * audit-ctl (libnl), so they are exactly what auditctl would have sent.
 */
#ifndef NEEDLE_RULES_H
#define NEEDLE_RULES_H

#include <linux/audit.h>
#include <stddef.h>

#define RULES_DEFAULT_KEY "needle-default"

/* One rule: auditctl's "-a always,exit" with its -S list and -F pairs.
 * The arch pair, when there is one, must come first: libaudit numbers the
 * syscalls for the arch last set. */
#define RULE_SPEC_PAIRS 3
struct rule_spec {
	const char *arch;     /* "arch=b64", or NULL */
	const char *syscalls; /* "execve,execveat", "all" */
	const char *pairs[RULE_SPEC_PAIRS]; /* more -F pairs, NULL-terminated */
};

struct rule_set {
	struct audit_rule_data **rule;
	char **text;     /* each rule as auditctl would write it, for messages */
	unsigned count;
};

/* Builds the default rules for this machine: execve/execveat and connect
 * (b64, and b32 on x86_64), reads of /etc/shadow, and reads under each
 * existing /root/.ssh and /home/ * /.ssh. Returns 0, or -EINVAL with the
 * rule that libaudit refused in err. */
int rules_build_default(struct rule_set *set, char *err, size_t err_size);

/* Adds one exit-filter rule with key to set (zeroed at first). Returns 0,
 * -ENOMEM, or -EINVAL with the rule that libaudit refused in err. */
int rules_add(struct rule_set *set, const struct rule_spec *spec, const char *key, char *err,
	      size_t err_size);

/* Appends a copy of rule (size bytes) with its text. 0 or -ENOMEM. */
int rules_append(struct rule_set *set, const struct audit_rule_data *rule, size_t size,
		 const char *text);

/* Bytes of a rule as the kernel takes it. */
size_t rules_size(const struct audit_rule_data *rule);

/* Clears libaudit's per-rule builder state (globals it exports but does not
 * declare), as auditctl does before each rule. */
void rules_reset_builder(void);

void rules_free(struct rule_set *set);

#endif
