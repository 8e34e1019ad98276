/* SPDX-License-Identifier: MIT */
/*
 * rulefile.c: auditctl's line grammar (its options, in getopt's order, and
 * the checks auditctl makes between them), with libaudit building each
 * rule. Each error has its own words here, so that it can name the file
 * and the line. Reading the files: rulefile-read.c.
 */
#include "rulefile.h"
#include "rules.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <libaudit.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* libaudit's builder state that auditctl's checks read (exported, not
 * declared; rules_reset_builder() clears it before each rule). */
extern int _audit_elf, _audit_archadded, _audit_syscalladded, _audit_permadded,
	_audit_exeadded, _audit_filterfsadded;

#define LINE_MAX_BYTES 8192
#define MAX_TOKENS 512

/* What went wrong in a line: said once, as FILE:LINE: ..., line left out. */
struct line {
	struct rulefile *rf;
	struct rulefile_origin at;
	rulefile_say_fn *say;
	const char *text;
	bool failed;
	/* The rule being built, as auditctl's setopt builds it. */
	struct audit_rule_data *rule;
	int add, del, action;
	bool exclude;
	unsigned lists;  /* -a, -A, -d given (only one is allowed) */
	char key[AUDIT_MAX_KEY_LEN + 1];
};

static void line_fail(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line_fail(struct line *l, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (l->failed)
		return;
	l->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	l->rf->errors++;
	l->say("%s:%u: %s; line left out: %s", l->at.file, l->at.line, msg, l->text);
}

/* Says the line's error and leaves the function. */
#define FAIL(...)                       \
	do {                            \
		line_fail(__VA_ARGS__); \
		return;                 \
	} while (0)

/* libaudit's error numbers (its errormsg.h), in needle's words. */
static const char *builder_error(int rc)
{
	switch (-rc) {
	case 1: return "no operator (=, !=, <, >, <=, >=, &, &=)";
	case 2: return "unknown field";
	case 3: return "arch must come before -S";
	case 4: return "unknown arch";
	case 5: return "no ELF type for that arch";
	case 6: return "this machine does not run that arch's word size";
	case 7: return "works on the exit list only";
	case 8: return "unknown message type";
	case 9: return "msgtype works on the exclude and user lists only";
	case 10: return "libaudit could not upgrade the rule";
	case 11: return "value too long";
	case 12: return "the exclude list takes only msgtype, *uid, *gid, pid and subj* fields";
	case 13: return "takes only = or !=";
	case 14: return "perm takes only r, w, x and a";
	case 15: return "unknown errno name";
	case 16: return "unknown file type";
	case 17: return "works on the exit and entry lists only";
	case 19: return "a key needs a watch, a syscall or an exe before it";
	case 20: return "no value after the operator";
	case 21: return "the value must be a number";
	case 22: return "no field name before the operator";
	case 24: return "-C: no field name before the operator";
	case 25: return "-C: no value after the operator";
	case 26: return "-C: unknown field";
	case 27: return "-C: unknown field to compare with";
	case 28: return "too many fields in the rule";
	case 29: return "takes only =";
	case 30: return "this kernel does not support that field";
	case 31: return "works on the exclude, user and exit lists only";
	case 32: return "no list (-a LIST,ACTION) before it";
	case 33: return "-C: those fields cannot be compared";
	case 34: return "that field does not work on this list";
	case 35: return "this kernel does not support that list";
	case 36: return "unknown file system type";
	case 37: return "value too large for the field";
	default: return "libaudit refused it";
	}
}

static int lookup_list(const char *s, size_t n, int *list, bool *exclude)
{
	static const struct {
		const char *name;
		int list;
	} lists[] = {
		{ "exit", AUDIT_FILTER_EXIT },     { "task", AUDIT_FILTER_TASK },
		{ "user", AUDIT_FILTER_USER },     { "exclude", AUDIT_FILTER_EXCLUDE },
		{ "filesystem", AUDIT_FILTER_FS },
	};

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strlen(lists[i].name) == n && strncmp(s, lists[i].name, n) == 0) {
			*list = lists[i].list;
			*exclude = lists[i].list == AUDIT_FILTER_EXCLUDE;
			return 0;
		}
	return -1;
}

static int lookup_action(const char *s, size_t n, int *action)
{
	if (n == 6 && strncmp(s, "always", 6) == 0)
		*action = AUDIT_ALWAYS;
	else if (n == 5 && strncmp(s, "never", 5) == 0)
		*action = AUDIT_NEVER;
	else
		return -1;
	return 0;
}

/* -a/-A/-d LIST,ACTION (either order). */
static void take_list(struct line *l, char opt, const char *arg, int *which)
{
	const char *comma = strchr(arg, ',');
	size_t n1, n2;
	const char *second;

	if (++l->lists > 1)
		FAIL(l, "one -a, -A or -d per line");
	if (opt != 'd' && strstr(arg, "task") && _audit_syscalladded)
		FAIL(l, "syscalls cannot be audited on the task list");
	if (!comma || strchr(comma + 1, ','))
		FAIL(l, "-%c takes LIST,ACTION (always,exit), got '%s'", opt, arg);
	n1 = (size_t)(comma - arg);
	second = comma + 1;
	n2 = strlen(second);
	if ((n1 == 8 && strncmp(arg, "possible", 8) == 0) ||
	    (n2 == 8 && strncmp(second, "possible", 8) == 0))
		FAIL(l, "the 'possible' action is deprecated (auditctl skips it too)");
	if (!(lookup_list(arg, n1, which, &l->exclude) == 0 &&
	      lookup_action(second, n2, &l->action) == 0) &&
	    !(lookup_action(arg, n1, &l->action) == 0 &&
	      lookup_list(second, n2, which, &l->exclude) == 0))
		FAIL(l, "-%c: '%s' is not LIST,ACTION (lists: exit, task, user, exclude, "
				    "filesystem; actions: always, never)",
				 opt, arg);
	if (opt == 'A')
		*which |= AUDIT_FILTER_PREPEND;
}

static int list_of(const struct line *l)
{
	return l->add != AUDIT_FILTER_UNSET   ? (l->add & AUDIT_FILTER_MASK)
	       : l->del != AUDIT_FILTER_UNSET ? (l->del & AUDIT_FILTER_MASK)
					      : AUDIT_FILTER_UNSET;
}

static void take_syscalls(struct line *l, const char *arg)
{
	int list = list_of(l);
	char name[64];

	if (list == AUDIT_FILTER_TASK || list == AUDIT_FILTER_USER || list == AUDIT_FILTER_FS)
		FAIL(l, "-S: syscalls cannot be audited on that list");
	if (l->exclude)
		FAIL(l, "-S: syscalls cannot be on the exclude list");
	if (!_audit_elf) {
		int machine = audit_detect_machine();

		if (machine < 0 || !(_audit_elf = (int)audit_machine_to_elf(machine)))
			FAIL(l, "-S: cannot tell this machine's arch");
	}
	for (const char *p = arg; *p;) {
		size_t n = strcspn(p, ",");
		int rc;

		if (n == 0 || n >= sizeof(name))
			FAIL(l, "-S: bad syscall list '%s'", arg);
		memcpy(name, p, n);
		name[n] = '\0';
		rc = audit_rule_syscallbyname_data(l->rule, name);
		if (rc == -1)
			FAIL(l, "-S: unknown syscall '%s'", name);
		if (rc < 0)
			FAIL(l, "-S: unknown arch for '%s'", name);
		p += n + (p[n] == ',');
	}
	_audit_syscalladded = 1;
}

/* -k KEY and -F key=KEY: keys are joined with \x01, as auditctl does. */
static void take_key(struct line *l, const char *arg, bool field)
{
	size_t have = strlen(l->key);

	if (!field && (!(_audit_syscalladded || _audit_permadded || _audit_exeadded ||
			 _audit_filterfsadded) ||
		       (l->add == AUDIT_FILTER_UNSET && l->del == AUDIT_FILTER_UNSET)))
		FAIL(l, "-k needs a watch or a syscall before it");
	if (strlen(arg) + have + (have != 0) > AUDIT_MAX_KEY_LEN)
		FAIL(l, "the keys are longer than %d bytes", AUDIT_MAX_KEY_LEN);
	if (strchr(arg, AUDIT_KEY_SEPARATOR))
		FAIL(l, "key '%s' holds the byte 0x01", arg);
	if (have)
		l->key[have++] = AUDIT_KEY_SEPARATOR;
	strcpy(l->key + have, arg);
}

/* -F and -C hand their argument to libaudit, which writes into it. */
static void take_field(struct line *l, char opt, const char *arg)
{
	char copy[LINE_MAX_BYTES];
	int list = list_of(l), rc;

	if (list == AUDIT_FILTER_UNSET)
		FAIL(l, "-%c %s: the list (-a LIST,ACTION) must come first", opt, arg);
	if (opt == 'F' && strncmp(arg, "key=", 4) == 0) {
		take_key(l, arg + 4, true);
		return;
	}
	snprintf(copy, sizeof(copy), "%s", arg);
	rc = opt == 'F' ? audit_rule_fieldpair_data(&l->rule, copy, list)
			: audit_rule_interfield_comp_data(&l->rule, copy, list);
	if (rc != 0)
		FAIL(l, "-%c %s: %s", opt, arg, builder_error(rc));
	if (l->rule->fields[l->rule->field_count - 1] == AUDIT_PERM)
		_audit_permadded = 1;
	if (opt == 'F' && l->rule->fields[l->rule->field_count - 1] == AUDIT_EXE)
		_audit_exeadded = 1;
}

/* -w PATH / -W PATH: a watch, on the exit list, of a file or directory. */
static void take_watch(struct line *l, char opt, const char *arg)
{
	char path[PATH_MAX];
	const char *base;
	struct stat st;
	size_t len = strlen(arg);
	int type = AUDIT_WATCH;

	if (opt == 'w' && (l->add != AUDIT_FILTER_UNSET || l->del != AUDIT_FILTER_UNSET))
		FAIL(l, "-w cannot be given with -a, -A or -d");
	if (len >= sizeof(path))
		FAIL(l, "-%c: path too long", opt);
	if (arg[0] != '/')
		FAIL(l, "-%c %s: the path must start with '/'", opt, arg);
	memcpy(path, arg, len + 1);
	while (len > 2 && path[len - 1] == '/')
		path[--len] = '\0';
	base = strrchr(path, '/') + 1;
	if (strlen(base) > NAME_MAX)
		FAIL(l, "-%c: the file name is too long", opt);
	if (opt == 'w')
		l->add = AUDIT_FILTER_EXIT;
	else
		l->del = AUDIT_FILTER_EXIT;
	l->action = AUDIT_ALWAYS;
	_audit_syscalladded = 1;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		type = AUDIT_DIR;
	if (audit_add_watch_dir(type, &l->rule, path) != 0)
		line_fail(l, "-%c %s: libaudit refused the watch", opt, arg);
}

static void take_perms(struct line *l, const char *arg)
{
	unsigned perms = 0;

	if (l->add == AUDIT_FILTER_UNSET && l->del == AUDIT_FILTER_UNSET)
		FAIL(l, "-p needs a watch before it");
	if (strlen(arg) > 4)
		FAIL(l, "-p %s: at most four of r, w, x, a", arg);
	for (const char *p = arg; *p; p++)
		switch (tolower((unsigned char)*p)) {
		case 'r': perms |= AUDIT_PERM_READ; break;
		case 'w': perms |= AUDIT_PERM_WRITE; break;
		case 'x': perms |= AUDIT_PERM_EXEC; break;
		case 'a': perms |= AUDIT_PERM_ATTR; break;
		default: FAIL(l, "-p %s: '%c' is not r, w, x or a", arg, *p);
		}
	if (audit_update_watch_perms(l->rule, (int)perms) != 0)
		FAIL(l, "-p %s: libaudit refused it", arg);
	_audit_permadded = 1;
}

/* A setting: the last line that gives it wins. */
static void take_setting(struct line *l, unsigned i, char opt, const char *name,
			 const char *arg, unsigned max)
{
	struct rulefile_setting *s = &l->rf->setting[i];
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)arg[0]))
		FAIL(l, "%s takes a number, got '%s'", name, arg);
	errno = 0;
	v = strtoul(arg, &end, 0);
	if (errno || *end || v > max)
		FAIL(l, "%s takes a number from 0 to %u, got '%s'", name, max, arg);
	s->set = true;
	s->value = (uint32_t)v;
	s->at = l->at;
	if (opt)
		snprintf(s->text, sizeof(s->text), "-%c %s", opt, arg);
	else
		snprintf(s->text, sizeof(s->text), "--%s %s", name, arg);
}

/* auditctl's commands that are no rule and no setting. */
static void refuse_command(struct line *l, const char *opt)
{
	line_fail(l, "'%s' is one of auditctl's commands, not a rule or a setting: needle does "
		     "not run it",
		  opt);
}

enum { OPT_LOGINUID = 1, OPT_BACKLOG_WAIT, OPT_RESET_LOST, OPT_RESET_WAIT, OPT_SIGNAL };

static const struct option long_opts[] = {
	{ "loginuid-immutable", no_argument, NULL, OPT_LOGINUID },
	{ "backlog_wait_time", required_argument, NULL, OPT_BACKLOG_WAIT },
	{ "reset-lost", no_argument, NULL, OPT_RESET_LOST },
	{ "reset_backlog_wait_time_actual", no_argument, NULL, OPT_RESET_WAIT },
	{ "signal", required_argument, NULL, OPT_SIGNAL },
	{ NULL, 0, NULL, 0 },
};

static bool add_entry(struct rulefile *rf, const struct rulefile_entry *e)
{
	struct rulefile_entry *more = realloc(rf->entry, sizeof(*more) * (rf->count + 1));

	if (!more)
		return false;
	rf->entry = more;
	rf->entry[rf->count++] = *e;
	return true;
}

/* -D, alone or with -k KEY: the first option of its line, as in auditctl. */
static void take_delete_all(struct line *l, int argc, char **argv)
{
	struct rulefile_entry e = { .op = RULEFILE_DELETE_ALL, .at = l->at };

	if (argc != 2 && !(argc == 4 && strcmp(argv[2], "-k") == 0))
		FAIL(l, "-D takes nothing, or -k KEY");
	e.key = argc == 4 ? strdup(argv[3]) : NULL;
	e.text = strdup(l->text);
	if ((argc == 4 && !e.key) || !e.text || !add_entry(l->rf, &e)) {
		free(e.key);
		free(e.text);
		line_fail(l, "out of memory");
	}
}

/* The options of one line, in order; returns false when the line is done
 * (an error, or -D). */
static bool take_options(struct line *l, int argc, char **argv)
{
	int c;

	optind = 0; /* GNU: start afresh for each line */
	opterr = 0;
	while (!l->failed &&
	       (c = getopt_long(argc, argv, ":hicslDvtC:e:f:r:b:a:A:d:S:F:m:R:w:W:k:p:q:", long_opts,
				NULL)) != -1) {
		switch (c) {
		case 'i':
		case 'c': break; /* needle goes on after a bad line anyway */
		case 'D':
			if (optind != 2)
				line_fail(l, "-D must be the first option of its line");
			else
				take_delete_all(l, argc, argv);
			return false;
		case 'e':
			if (strcmp(optarg, "2") == 0) {
				l->rf->lock = l->at;
				break;
			}
			if (strcmp(optarg, "0") && strcmp(optarg, "1"))
				line_fail(l, "-e takes 0, 1 or 2, got '%s'", optarg);
			else
				take_setting(l, 0, 'e', "enabled", optarg, 1);
			break;
		case 'f':
			if (strcmp(optarg, "2") == 0)
				line_fail(l, "-f 2 makes the kernel panic on audit failure; needle refuses "
					     "it (use -f 1)");
			else if (strcmp(optarg, "0") && strcmp(optarg, "1"))
				line_fail(l, "-f takes 0 or 1, got '%s'", optarg);
			else
				take_setting(l, 1, 'f', "failure", optarg, 1);
			break;
		case 'r': take_setting(l, 2, 'r', "rate_limit", optarg, UINT32_MAX); break;
		case 'b': take_setting(l, 3, 'b', "backlog_limit", optarg, UINT32_MAX); break;
		case OPT_BACKLOG_WAIT:
			take_setting(l, 4, 0, "backlog_wait_time", optarg, UINT32_MAX);
			break;
		case OPT_LOGINUID: l->rf->loginuid_immutable = l->at; break;
		case 'a': take_list(l, 'a', optarg, &l->add); break;
		case 'A': take_list(l, 'A', optarg, &l->add); break;
		case 'd': take_list(l, 'd', optarg, &l->del); break;
		case 'S': take_syscalls(l, optarg); break;
		case 'F':
		case 'C': take_field(l, (char)c, optarg); break;
		case 'w':
		case 'W': take_watch(l, (char)c, optarg); break;
		case 'k': take_key(l, optarg, false); break;
		case 'p': take_perms(l, optarg); break;
		case 'h': refuse_command(l, "-h"); break;
		case 's': refuse_command(l, "-s"); break;
		case 'l': refuse_command(l, "-l"); break;
		case 'v': refuse_command(l, "-v"); break;
		case 't': refuse_command(l, "-t"); break;
		case 'm': refuse_command(l, "-m"); break;
		case 'q': refuse_command(l, "-q"); break;
		case OPT_SIGNAL: refuse_command(l, "--signal"); break;
		case OPT_RESET_WAIT: refuse_command(l, "--reset_backlog_wait_time_actual"); break;
		case 'R': line_fail(l, "-R: a rules file cannot read another"); break;
		case OPT_RESET_LOST:
			line_fail(l, "--reset-lost would reset the kernel's lost counter, which needle "
				     "reads to count the kernel's losses; run it by hand if you must");
			break;
		case ':': line_fail(l, "%s needs a value", argv[optind - 1]); break;
		default: line_fail(l, "unknown option '%s'", argv[optind - 1]); break;
		}
	}
	if (!l->failed && optind < argc)
		line_fail(l, "'%s' is not an option (a value without its option?)", argv[optind]);
	return !l->failed;
}

/* After the options: the rule to add or delete, as auditctl sends it. */
static void finish_rule(struct line *l)
{
	struct rulefile_entry e = { .op = l->add != AUDIT_FILTER_UNSET ? RULEFILE_ADD : RULEFILE_DELETE,
				    .at = l->at };
	int flags = l->add != AUDIT_FILTER_UNSET ? l->add : l->del;

	if (l->add == AUDIT_FILTER_UNSET && l->del == AUDIT_FILTER_UNSET) {
		if (_audit_syscalladded || l->rule->field_count)
			line_fail(l, "no list: a rule needs -a LIST,ACTION (or -w)");
		return;
	}
	if (l->key[0]) {
		char pair[AUDIT_MAX_KEY_LEN + 8];
		int rc;

		snprintf(pair, sizeof(pair), "key=%s", l->key);
		rc = audit_rule_fieldpair_data(&l->rule, pair, flags & AUDIT_FILTER_MASK);
		if (rc != 0)
			FAIL(l, "-k %s: %s", l->key, builder_error(rc));
	}
	/* A rule on a syscall list without -S audits them all. */
	if ((flags & AUDIT_FILTER_MASK) != AUDIT_FILTER_TASK && _audit_syscalladded != 1)
		audit_rule_syscallbyname_data(l->rule, "all");
	l->rule->flags = (uint32_t)flags;
	l->rule->action = (uint32_t)l->action;
	e.rule = l->rule;
	e.size = sizeof(*l->rule) + l->rule->buflen;
	e.text = strdup(l->text);
	if (!e.text || !add_entry(l->rf, &e)) {
		free(e.text);
		FAIL(l, "out of memory");
	}
	l->rule = NULL; /* the entry has it */
}

/* Splits a line as auditctl does: on blanks, "\ " a space and "\\" a
 * backslash within a word. Returns the count, -1 when too many. */
static int split(char *s, char **argv, int max)
{
	int n = 0;

	argv[n++] = "auditctl";
	while (*s) {
		char *out;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		if (n == max - 1)
			return -1;
		argv[n++] = out = s;
		while (*s && *s != ' ' && *s != '\t') {
			if (s[0] == '\\' && (s[1] == ' ' || s[1] == '\\'))
				s++;
			*out++ = *s++;
		}
		if (*s)
			s++;
		*out = '\0';
	}
	argv[n] = NULL;
	return n;
}

void rulefile_parse_line(struct rulefile *rf, struct rulefile_origin at, const char *text,
			 rulefile_say_fn *say)
{
	char buf[LINE_MAX_BYTES], *argv[MAX_TOKENS + 1];
	struct line l = { .rf = rf, .at = at, .say = say, .text = text, .add = AUDIT_FILTER_UNSET,
			  .del = AUDIT_FILTER_UNSET, .action = -1 };
	int argc;

	if (strlen(text) >= sizeof(buf))
		FAIL(&l, "line longer than %zu bytes", sizeof(buf) - 1);
	strcpy(buf, text);
	argc = split(buf, argv, MAX_TOKENS);
	if (argc < 0)
		FAIL(&l, "more than %d words", MAX_TOKENS - 2);
	if (argc == 1 || argv[1][0] == '#')
		return;
	rules_reset_builder();
	l.rule = audit_rule_create_data();
	if (!l.rule)
		FAIL(&l, "out of memory");
	if (take_options(&l, argc, argv))
		finish_rule(&l);
	audit_rule_free_data(l.rule);
}

const char *rulefile_keep_name(struct rulefile *rf, const char *name)
{
	char **more = realloc(rf->files, sizeof(*more) * (rf->nfiles + 1));
	char *copy = strdup(name);

	if (!more || !copy) {
		free(copy);
		if (more)
			rf->files = more;
		return NULL;
	}
	rf->files = more;
	rf->files[rf->nfiles++] = copy;
	return copy;
}

void rulefile_parse(struct rulefile *rf, const char *origin, const char *text, size_t len,
		    rulefile_say_fn *say)
{
	const char *name = rulefile_keep_name(rf, origin);
	struct rulefile_origin at = { name ? name : "?", 0 };
	char line[LINE_MAX_BYTES];

	/* libaudit's own messages would go to stderr, unasked. */
	set_aumessage_mode(MSG_QUIET, DBG_NO);
	for (size_t pos = 0; pos < len;) {
		size_t n = 0;
		bool long_line = false;

		at.line++;
		for (; pos < len && text[pos] != '\n'; pos++) {
			if (n + 1 < sizeof(line))
				line[n++] = text[pos] ? text[pos] : ' ';
			else
				long_line = true;
		}
		pos++;
		line[n] = '\0';
		if (long_line) {
			rf->errors++;
			say("%s:%u: line longer than %zu bytes; left out", at.file, at.line,
			    sizeof(line) - 2);
			continue;
		}
		rulefile_parse_line(rf, at, line, say);
	}
}

unsigned rulefile_rules(const struct rulefile *rf)
{
	unsigned n = 0;

	for (unsigned i = 0; i < rf->count; i++)
		n += rf->entry[i].op == RULEFILE_ADD;
	return n;
}

void rulefile_free(struct rulefile *rf)
{
	for (unsigned i = 0; i < rf->count; i++) {
		audit_rule_free_data(rf->entry[i].rule);
		free(rf->entry[i].key);
		free(rf->entry[i].text);
	}
	for (unsigned i = 0; i < rf->nfiles; i++)
		free(rf->files[i]);
	free(rf->files);
	free(rf->entry);
	free(rf->path);
	memset(rf, 0, sizeof(*rf));
}
