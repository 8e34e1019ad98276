/* SPDX-License-Identifier: MIT */
#include "rules.h"

#include <errno.h>
#include <glob.h>
#include <libaudit.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* libaudit's rule builder keeps per-rule state in these globals, which it
 * exports but does not declare; auditctl resets them for each rule and
 * sets _audit_syscalladded after -S (the key field checks it). */
extern int _audit_elf, _audit_archadded, _audit_syscalladded, _audit_permadded,
	_audit_exeadded, _audit_filterfsadded;

void rules_reset_builder(void)
{
	_audit_elf = 0;
	_audit_archadded = 0;
	_audit_syscalladded = 0;
	_audit_permadded = 0;
	_audit_exeadded = 0;
	_audit_filterfsadded = 0;
}

/* libaudit's field parser writes into the pair it parses: hand it a copy. */
static int add_pair(struct audit_rule_data **rule, const char *pair)
{
	char copy[300];

	if (strlen(pair) >= sizeof(copy))
		return -EINVAL;
	strcpy(copy, pair);
	return audit_rule_fieldpair_data(rule, copy, AUDIT_FILTER_EXIT) == 0 ? 0 : -EINVAL;
}

int rules_add(struct rule_set *set, const struct rule_spec *spec, const char *key, char *err,
	      size_t err_size)
{
	char key_pair[300];
	struct audit_rule_data *rule = audit_rule_create_data();
	char text[512];
	int r = 0, n;

	if (!rule)
		return -ENOMEM;
	rules_reset_builder();
	n = snprintf(text, sizeof(text), "-a always,exit%s%s -S %s", spec->arch ? " -F " : "",
		     spec->arch ? spec->arch : "", spec->syscalls);
	if (spec->arch)
		r = add_pair(&rule, spec->arch);
	/* One name per call, as auditctl splits -S a,b. */
	for (const char *sc = spec->syscalls; r == 0 && *sc;) {
		size_t len = strcspn(sc, ",");
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)len, sc);
		if (audit_rule_syscallbyname_data(rule, name) != 0)
			r = -EINVAL;
		sc += len + (sc[len] == ',');
	}
	if (r == 0)
		_audit_syscalladded = 1;
	for (unsigned i = 0; r == 0 && i < RULE_SPEC_PAIRS && spec->pairs[i]; i++) {
		n += snprintf(text + n, sizeof(text) - (size_t)n, " -F %s", spec->pairs[i]);
		r = add_pair(&rule, spec->pairs[i]);
	}
	n += snprintf(text + n, sizeof(text) - (size_t)n, " -F key=%s", key);
	snprintf(key_pair, sizeof(key_pair), "key=%s", key);
	if (r == 0)
		r = add_pair(&rule, key_pair);
	if (r < 0) {
		snprintf(err, err_size, "libaudit refused the rule '%s'", text);
		audit_rule_free_data(rule);
		return r;
	}
	rule->flags = AUDIT_FILTER_EXIT;
	rule->action = AUDIT_ALWAYS;
	set->rule = realloc(set->rule, sizeof(*set->rule) * (set->count + 1));
	set->text = realloc(set->text, sizeof(*set->text) * (set->count + 1));
	if (!set->rule || !set->text) {
		audit_rule_free_data(rule);
		return -ENOMEM;
	}
	set->rule[set->count] = rule;
	set->text[set->count] = strdup(text);
	set->count++;
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int rules_build_default(struct rule_set *set, char *err, size_t err_size)
{
	bool x86_64 = audit_detect_machine() == MACH_86_64;
	static const char *const arches[] = { "arch=b64", "arch=b32" };
	char dir_pair[300];
	glob_t homes;
	int r;

	memset(set, 0, sizeof(*set));
	for (unsigned a = 0; a < (x86_64 ? 2u : 1u); a++) {
		const struct rule_spec exec = { arches[a], "execve,execveat", { NULL } };
		const struct rule_spec conn = { arches[a], "connect", { NULL } };

		if ((r = rules_add(set, &exec, RULES_DEFAULT_KEY, err, err_size)) < 0 ||
		    (r = rules_add(set, &conn, RULES_DEFAULT_KEY, err, err_size)) < 0)
			goto free_rules;
	}
	{
		const struct rule_spec shadow = { NULL, "all", { "path=/etc/shadow", "perm=r", NULL } };

		if ((r = rules_add(set, &shadow, RULES_DEFAULT_KEY, err, err_size)) < 0)
			goto free_rules;
	}
	/* Private keys: reads under every .ssh that exists now. */
	if (is_dir("/root/.ssh")) {
		const struct rule_spec ssh = { NULL, "all", { "dir=/root/.ssh", "perm=r", NULL } };

		if ((r = rules_add(set, &ssh, RULES_DEFAULT_KEY, err, err_size)) < 0)
			goto free_rules;
	}
	if (glob("/home/*/.ssh", GLOB_ONLYDIR | GLOB_NOSORT, NULL, &homes) == 0) {
		for (size_t i = 0; i < homes.gl_pathc && i < 64; i++) {
			const struct rule_spec ssh = { NULL, "all", { dir_pair, "perm=r", NULL } };

			if (strlen(homes.gl_pathv[i]) + 5 > sizeof(dir_pair) || !is_dir(homes.gl_pathv[i]))
				continue;
			snprintf(dir_pair, sizeof(dir_pair), "dir=%s", homes.gl_pathv[i]);
			if ((r = rules_add(set, &ssh, RULES_DEFAULT_KEY, err, err_size)) < 0) {
				globfree(&homes);
				goto free_rules;
			}
		}
		globfree(&homes);
	}
	return 0;
free_rules:
	rules_free(set);
	return r;
}

int rules_append(struct rule_set *set, const struct audit_rule_data *rule, size_t size,
		 const char *text)
{
	struct audit_rule_data **rules = realloc(set->rule, sizeof(*rules) * (set->count + 1));
	char **texts = rules ? realloc(set->text, sizeof(*texts) * (set->count + 1)) : NULL;
	struct audit_rule_data *copy = malloc(size);
	char *t = strdup(text);

	if (rules)
		set->rule = rules;
	if (texts)
		set->text = texts;
	if (!rules || !texts || !copy || !t) {
		free(copy);
		free(t);
		return -ENOMEM;
	}
	memcpy(copy, rule, size);
	set->rule[set->count] = copy;
	set->text[set->count] = t;
	set->count++;
	return 0;
}

size_t rules_size(const struct audit_rule_data *rule)
{
	return sizeof(*rule) + rule->buflen;
}

void rules_free(struct rule_set *set)
{
	for (unsigned i = 0; i < set->count; i++) {
		audit_rule_free_data(set->rule[i]);
		free(set->text[i]);
	}
	free(set->rule);
	free(set->text);
	memset(set, 0, sizeof(*set));
}
