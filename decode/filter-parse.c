/* SPDX-License-Identifier: MIT */
/*
 * filter-parse: a filter file's text to a compiled set (filter-internal.h),
 * or every error of the file at once, each as FILE:LINE and what is wrong
 * (as daemon/conf.c reports a configuration).
 *
 *   line    := ACTION [TERM...] [# comment] | redact "PATTERN" [# comment]
 *   ACTION  := drop | keep | divert | keep-first-per-process
 *   TERM    := NAME=VALUES | NAME!=VALUES | rate=N/s|N/m|N/h | burst=N
 *   NAME    := type key syscall success exit auid uid euid exe comm path
 *              addr port ancestor container runtime | RECORDTYPE.FIELD
 *   VALUES  := VALUE[,VALUE...]   (any of them; "..." holds spaces, commas
 *              and #, with \" and \\ inside)
 *   PATTERN := a PCRE2 pattern, the bytes between the quotes as written
 *              (PCRE2 reads \" as a quote), compiled here (redact.h)
 *
 * A line that is wrong is left out of the set and the parse goes on to
 * report the lines after it; a file with any error gives no set.
 */
#include "filter-internal.h"
#include "textline.h"

#include <errno.h>
#include <libaudit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES 4096
#define TERMS_MAX 64 /* the action included */
#define MORE_ERRORS_ROOM 64
#define RATE_MAX 1000000000ull

static const struct {
	const char *name;
	enum filter_kind kind;
} kinds[] = {
	{ "type", FK_TYPE },       { "key", FK_KEY },
	{ "syscall", FK_SYSCALL }, { "success", FK_SUCCESS },
	{ "exit", FK_EXIT },       { "auid", FK_AUID },
	{ "uid", FK_UID },         { "euid", FK_EUID },
	{ "exe", FK_EXE },         { "comm", FK_COMM },
	{ "path", FK_PATH },       { "addr", FK_ADDR },
	{ "port", FK_PORT },       { "ancestor", FK_ANCESTOR },
	{ "container", FK_CONTAINER }, { "runtime", FK_RUNTIME },
};

static const struct {
	const char *name;
	enum filter_action action;
} actions[] = {
	{ "drop", FILTER_ACTION_DROP },
	{ "keep", FILTER_ACTION_KEEP },
	{ "divert", FILTER_ACTION_DIVERT },
	{ "keep-first-per-process", FILTER_ACTION_KEEP_FIRST },
	{ "redact", FILTER_ACTION_REDACT },
};

struct parse {
	struct filter_set *fs;
	struct filter_names names;
	unsigned line;
	char *err;
	size_t err_size, err_len;
	unsigned errors, shown;
	bool oom;
};

static void fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct parse *p, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	int off = snprintf(msg, sizeof(msg), "%s:%u: ", p->fs->origin, p->line);
	size_t n;

	p->errors++;
	if (off < 0 || (size_t)off >= sizeof(msg))
		return;
	va_start(ap, fmt);
	vsnprintf(msg + off, sizeof(msg) - (size_t)off, fmt, ap);
	va_end(ap);
	n = strlen(msg);
	if (p->err_size && p->err_len + n + 1 + MORE_ERRORS_ROOM < p->err_size) {
		if (p->err_len)
			p->err[p->err_len++] = '\n';
		memcpy(p->err + p->err_len, msg, n + 1);
		p->err_len += n;
		p->shown++;
	}
}

/* Memory that lives as long as the set. */
static void *set_alloc(struct parse *p, size_t n)
{
	struct filter_set *fs = p->fs;
	void *m;

	if (fs->nallocs == fs->allocs_cap) {
		size_t cap = fs->allocs_cap ? fs->allocs_cap * 2 : 64;
		void **a = realloc(fs->allocs, cap * sizeof(*a));

		if (!a) {
			p->oom = true;
			return NULL;
		}
		fs->allocs = a;
		fs->allocs_cap = cap;
	}
	m = calloc(1, n ? n : 1);
	if (!m) {
		p->oom = true;
		return NULL;
	}
	fs->allocs[fs->nallocs++] = m;
	return m;
}

static char *set_strndup(struct parse *p, const char *s, size_t n)
{
	char *c = set_alloc(p, n + 1);

	if (c)
		memcpy(c, s, n);
	return c;
}

/* Cuts the line into terms at blanks outside quotes; a # outside quotes
 * ends it. Returns the number of terms, or -1 (error reported) for an
 * unclosed quote. terms[i] point into line, which is NUL-split. */
static int split_terms(struct parse *p, char *line, char **terms, int max)
{
	int n = 0;
	char *s = line;

	for (;;) {
		bool quoted = false;

		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (!*s || *s == '#')
			return n;
		if (n == max) {
			fail(p, "more than %d terms on one line", max);
			return -1;
		}
		terms[n++] = s;
		for (; *s; s++) {
			if (quoted && *s == '\\' && s[1]) {
				s++;
			} else if (*s == '"') {
				quoted = !quoted;
			} else if (!quoted && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '#')) {
				break;
			}
		}
		if (quoted) {
			fail(p, "a quote is not closed: %s", terms[n - 1]);
			return -1;
		}
		if (*s == '#') {
			*s = '\0';
			return n;
		}
		if (*s)
			*s++ = '\0';
	}
}

/* Splits VALUES at commas outside quotes, unquoting each into the set's
 * memory. Returns the number of values, -1 after an error. */
static int split_values(struct parse *p, const char *name, const char *v, char ***ret)
{
	size_t len = strlen(v), nv = 1;
	char **items, *buf;
	int n = 0;
	bool quoted = false;

	for (size_t i = 0; i < len; i++) {
		if (quoted && v[i] == '\\' && i + 1 < len)
			i++;
		else if (v[i] == '"')
			quoted = !quoted;
		else if (!quoted && v[i] == ',')
			nv++;
	}
	items = set_alloc(p, nv * sizeof(*items));
	buf = set_alloc(p, len + nv);
	if (!items || !buf)
		return -1;
	for (size_t i = 0;;) {
		size_t k = 0;
		bool had_quote = false;

		items[n] = buf;
		quoted = false;
		for (; i < len && (quoted || v[i] != ','); i++) {
			if (quoted && v[i] == '\\' && i + 1 < len) {
				buf[k++] = v[++i];
			} else if (v[i] == '"') {
				quoted = !quoted;
				had_quote = true;
			} else {
				buf[k++] = v[i];
			}
		}
		buf[k] = '\0';
		if (k == 0 && !had_quote) {
			fail(p, "%s: an empty value in '%s'", name, v);
			return -1;
		}
		if (memchr(buf, '\0', k)) {
			fail(p, "%s: a NUL byte in a value", name);
			return -1;
		}
		buf += k + 1;
		n++;
		if (i >= len)
			break;
		i++; /* the comma */
		if (i == len) {
			fail(p, "%s: an empty value in '%s'", name, v);
			return -1;
		}
	}
	*ret = items;
	return n;
}

/* rate=N/s (or /m, /h): N from 1 to 10^9. */
static bool parse_rate(const char *v, struct filter_rate *r)
{
	char *end;
	unsigned long long n;

	if (v[0] < '0' || v[0] > '9')
		return false;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || n < 1 || n > RATE_MAX || end[0] != '/')
		return false;
	if (strcmp(end, "/s") == 0)
		r->per_sec_den = 1;
	else if (strcmp(end, "/m") == 0)
		r->per_sec_den = 60;
	else if (strcmp(end, "/h") == 0)
		r->per_sec_den = 3600;
	else
		return false;
	r->per_sec_num = n;
	return true;
}

static bool parse_count(const char *v, uint64_t *ret)
{
	char *end;
	unsigned long long n;

	if (v[0] < '0' || v[0] > '9')
		return false;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || n < 1 || n > RATE_MAX)
		return false;
	*ret = n;
	return true;
}

/* NAME of a term: one of kinds[], or RECORDTYPE.FIELD. */
static bool term_kind(struct parse *p, const char *name, struct filter_match *m)
{
	const char *dot = strchr(name, '.');

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(name, kinds[i].name) == 0) {
			m->kind = kinds[i].kind;
			return true;
		}
	if (dot && dot != name && dot[1]) {
		char type[64];
		size_t n = (size_t)(dot - name);
		int t;

		if (n >= sizeof(type))
			goto unknown;
		memcpy(type, name, n);
		type[n] = '\0';
		t = audit_name_to_msg_type(type);
		if (t <= 0) {
			fail(p, "%s: unknown record type '%s'", name, type);
			return false;
		}
		for (const char *c = dot + 1; *c; c++)
			if (!(*c == '_' || *c == '-' || (*c >= 'a' && *c <= 'z') ||
			      (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
				goto unknown;
		m->kind = FK_FIELD;
		m->record_type = (unsigned)t;
		m->field = dot + 1;
		m->field_len = strlen(dot + 1);
		return true;
	}
unknown:
	fail(p, "unknown match '%s' (type, key, syscall, success, exit, auid, uid, euid, exe, "
		"comm, path, addr, port, ancestor, container, runtime, or RECORDTYPE.FIELD)",
	     name);
	return false;
}

/* One term that is a match; false after an error. */
static bool parse_match(struct parse *p, char *term, struct filter_match *m)
{
	char *eq = strchr(term, '='), **values;
	char buf[256];
	int n;

	if (!eq || eq == term || (eq == term + 1 && term[0] == '!')) {
		fail(p, "expected NAME=VALUE or NAME!=VALUE, got '%s'", term);
		return false;
	}
	m->negate = eq[-1] == '!';
	eq[m->negate ? -1 : 0] = '\0';
	if (!term_kind(p, term, m))
		return false;
	if (m->kind == FK_FIELD) {
		m->field = set_strndup(p, m->field, m->field_len);
		if (!m->field)
			return false;
	}
	if (!eq[1]) {
		fail(p, "%s has no value", term);
		return false;
	}
	n = split_values(p, term, eq + 1, &values);
	if (n < 0)
		return false;
	m->values = set_alloc(p, (size_t)n * sizeof(*m->values));
	if (!m->values)
		return false;
	m->nvalues = (unsigned)n;
	for (int i = 0; i < n; i++) {
		const char *why = filter_value_parse(m->kind, values[i], strlen(values[i]),
						     &p->names, &m->values[i], buf, sizeof(buf));

		if (why) {
			fail(p, "%s=%s: %s", term, values[i], why);
			return false;
		}
	}
	if (m->kind == FK_ANCESTOR || m->kind == FK_CONTAINER || m->kind == FK_RUNTIME)
		p->fs->wants_process = true;
	if (m->kind == FK_PATH || m->kind == FK_ADDR || m->kind == FK_PORT || m->kind == FK_FIELD)
		p->fs->whole_event = true;
	return true;
}

/* redact "PATTERN": the term is the quoted pattern, nothing else. */
static bool parse_redact(struct parse *p, char **terms, int n, struct filter_rule *r)
{
	const char *t = n == 2 ? terms[1] : "";
	size_t len = strlen(t), i;
	char why[300];

	if (n > 2) {
		fail(p, "redact takes one \"PATTERN\" and nothing else, got '%s'", terms[2]);
		return false;
	}
	for (i = 1; len >= 2 && t[0] == '"' && i < len - 1; i++) {
		if (t[i] == '\\')
			i++;
		else if (t[i] == '"')
			break;
	}
	if (len < 2 || t[0] != '"' || i != len - 1 || t[len - 1] != '"') {
		fail(p, "redact: expected a PCRE2 pattern in double quotes, redact \"PATTERN\", got '%s'",
		     n == 2 ? t : "nothing");
		return false;
	}
	if (len == 2) {
		fail(p, "redact: the pattern is empty");
		return false;
	}
	r->redact = redact_pattern_compile(t + 1, len - 2, why, sizeof(why));
	if (!r->redact) {
		fail(p, "redact %s: bad pattern: %s", t, why);
		return false;
	}
	p->fs->nredact++;
	/* The patterns, in order, as one hash: what redact.c's cache of
	 * command lines without a match is valid for. */
	if (!p->fs->redact_hash)
		p->fs->redact_hash = 0xcbf29ce484222325ull;
	for (i = 0; i < len + 1; i++) /* the NUL ends each pattern */
		p->fs->redact_hash = (p->fs->redact_hash ^ (unsigned char)t[i]) * 0x100000001b3ull;
	return true;
}

/* One rule line (comment already allowed for); false after an error. */
static bool parse_rule(struct parse *p, char *line, struct filter_rule *r)
{
	char *terms[TERMS_MAX];
	int n = split_terms(p, line, terms, TERMS_MAX);
	size_t a;
	const char *burst_text = NULL;
	uint64_t burst = 0;

	if (n <= 0)
		return false;
	for (a = 0; a < sizeof(actions) / sizeof(actions[0]); a++)
		if (strcmp(terms[0], actions[a].name) == 0)
			break;
	if (a == sizeof(actions) / sizeof(actions[0])) {
		fail(p, "unknown action '%s' (drop, keep, divert, keep-first-per-process or redact)",
		     terms[0]);
		return false;
	}
	r->action = actions[a].action;
	if (r->action == FILTER_ACTION_REDACT)
		return parse_redact(p, terms, n, r);
	r->matches = set_alloc(p, (size_t)n * sizeof(*r->matches));
	if (!r->matches)
		return false;
	for (int i = 1; i < n; i++) {
		if (strncmp(terms[i], "rate=", 5) == 0) {
			if (r->rate) {
				fail(p, "rate= is given twice");
				return false;
			}
			r->rate = set_alloc(p, sizeof(*r->rate));
			if (!r->rate)
				return false;
			if (!parse_rate(terms[i] + 5, r->rate)) {
				fail(p, "'%s': expected rate=N/s, N/m or N/h, N from 1 to %llu",
				     terms[i], RATE_MAX);
				return false;
			}
		} else if (strncmp(terms[i], "burst=", 6) == 0) {
			if (burst_text) {
				fail(p, "burst= is given twice");
				return false;
			}
			burst_text = terms[i];
			if (!parse_count(terms[i] + 6, &burst)) {
				fail(p, "'%s': expected burst=N, N from 1 to %llu", terms[i],
				     RATE_MAX);
				return false;
			}
		} else if (!parse_match(p, terms[i], &r->matches[r->nmatches++])) {
			return false;
		}
	}
	if (burst_text && !r->rate) {
		fail(p, "'%s' without rate=", burst_text);
		return false;
	}
	if (r->rate) {
		struct filter_rate *rt = r->rate;

		if (r->action == FILTER_ACTION_KEEP_FIRST) {
			fail(p, "rate= does not go with keep-first-per-process (it writes one event "
				"a process already)");
			return false;
		}
		rt->burst = burst ? burst : rt->per_sec_num;
		rt->interval_ns = rt->per_sec_den * 1000000000ull / rt->per_sec_num;
		if (!rt->interval_ns)
			rt->interval_ns = 1;
		rt->tau_ns = (rt->burst - 1) * rt->interval_ns;
	}
	if (r->action == FILTER_ACTION_KEEP_FIRST) {
		r->first = set_alloc(p, sizeof(*r->first));
		if (!r->first)
			return false;
		p->fs->has_first = true;
		p->fs->wants_process = true;
	}
	if (r->action == FILTER_ACTION_DIVERT && !p->fs->divert_line)
		p->fs->divert_line = p->line;
	return true;
}

/* The next line of text into line; false (error reported, the rest of
 * the line skipped) for a NUL byte or a line too long. */
static bool next_line(struct parse *p, const char *text, size_t len, size_t *pos, char *line,
		      size_t size)
{
	switch (textline_next(text, len, pos, line, size)) {
	case TEXTLINE_NUL:
		fail(p, "a NUL byte in the line");
		return false;
	case TEXTLINE_LONG:
		fail(p, "the line is longer than %zu bytes", size - 1);
		return false;
	default:
		return true;
	}
}

/* The rule's text for messages and stat: the line without its comment
 * and outer blanks. */
static const char *rule_text(struct parse *p, const char *line)
{
	size_t n = strlen(line), start = 0;
	bool quoted = false;

	for (size_t i = 0; i < n; i++) {
		if (quoted && line[i] == '\\' && i + 1 < n)
			i++;
		else if (line[i] == '"')
			quoted = !quoted;
		else if (!quoted && line[i] == '#')
			n = i;
	}
	while (start < n && (line[start] == ' ' || line[start] == '\t'))
		start++;
	while (n > start && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
		n--;
	return set_strndup(p, line + start, n - start);
}

struct filter_set *filter_parse(const char *origin, const char *text, size_t len,
				filter_user_fn user, void *user_arg, char *err, size_t err_size)
{
	struct filter_set *fs = calloc(1, sizeof(*fs));
	struct parse p = { .fs = fs, .names = { user, user_arg }, .err = err,
			   .err_size = err_size };
	size_t pos = 0, cap = 0;
	char *line = malloc(LINE_MAX_BYTES + 1), *copy = malloc(LINE_MAX_BYTES + 1);

	if (err_size)
		err[0] = '\0';
	if (!fs || !line || !copy || !(fs->origin = strdup(origin)))
		goto oom;
	while (pos < len && !p.oom) {
		struct filter_rule r = { 0 };
		const char *s;

		p.line++;
		if (!next_line(&p, text, len, &pos, line, LINE_MAX_BYTES + 1))
			continue;
		for (s = line; *s == ' ' || *s == '\t' || *s == '\r'; s++)
			;
		if (!*s || *s == '#')
			continue;
		strcpy(copy, line);
		r.line = p.line;
		if (!parse_rule(&p, line, &r))
			continue;
		if (!(r.text = rule_text(&p, copy))) {
			redact_pattern_free(r.redact);
			break;
		}
		if (fs->nrules == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct filter_rule *nr = set_alloc(&p, ncap * sizeof(*nr));

			if (!nr) {
				redact_pattern_free(r.redact);
				break;
			}
			if (cap)
				memcpy(nr, fs->rules, cap * sizeof(*nr));
			fs->rules = nr; /* the old array stays in allocs until the set is freed */
			cap = ncap;
		}
		fs->rules[fs->nrules++] = r;
	}
	if (p.oom)
		goto oom;
	free(line);
	free(copy);
	if (p.errors) {
		if (p.errors > p.shown && err_size)
			snprintf(err + p.err_len, err_size - p.err_len, "%s%s: %u more error(s) not shown",
				 p.err_len ? "\n" : "", origin, p.errors - p.shown);
		filter_set_free(fs);
		errno = EINVAL;
		return NULL;
	}
	return fs;
oom:
	free(line);
	free(copy);
	filter_set_free(fs);
	if (err_size)
		snprintf(err, err_size, "%s: out of memory reading the filters", origin);
	errno = ENOMEM;
	return NULL;
}

void filter_set_free(struct filter_set *fs)
{
	if (!fs)
		return;
	for (unsigned i = 0; i < fs->nrules; i++)
		redact_pattern_free(fs->rules[i].redact);
	for (size_t i = 0; i < fs->nallocs; i++)
		free(fs->allocs[i]);
	free(fs->allocs);
	free(fs->origin);
	free(fs);
}
