/* SPDX-License-Identifier: MIT */
/*
 * conf.c: the parser, the printer and SIGHUP's decision, each driven by
 * the rows of conf.h's CONF_KEYS; file:line on every error.
 */
#include "conf.h"
#include "config.h" /* NEEDLE_CONFDIR: the installed filter_file */
#include "metrics.h"
#include "pipeline.h" /* the thread limits, in the table */
#include "textline.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* The first line of the embedded configuration and of conf_format's text. */
#define CONF_TEXT_HEADER "# needle's configuration; README.md, Configuration, explains each key.\n"

/* Each key's line, the way conf_format writes it: its doc, then the key. */
#define CONF_TEXT_KEY(name, value, doc) "# " doc "\n" name " = " value "\n"

/* One string of every row: longer than the 4095 bytes ISO C asks compilers
 * to take, which gcc and clang take. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverlength-strings"
const char conf_embedded_default[] = CONF_TEXT_HEADER
#define X(id, name, def, doc, ...) CONF_TEXT_KEY(name, def, doc)
	CONF_KEYS(X)
#undef X
	;
#pragma GCC diagnostic pop

/* The table's hooks, named in its rows (conf.h). */
static const char *check_power_of_two(const struct conf_key_info *key, const char *text,
				      uint64_t n, char *buf, size_t size)
{
	if ((n & (n - 1)) == 0)
		return NULL;
	snprintf(buf, size, "'%s' is not a power of two (64K, 1M, 16M...)", text);
	return buf;
}

static const char *check_not_locked(const struct conf_key_info *key, const char *text, uint64_t n,
				    char *buf, size_t size)
{
	return n == 2 ? "2 locks the audit configuration until reboot and needle could not "
			"restore it; use 1"
		      : NULL;
}

static const char *check_no_panic(const struct conf_key_info *key, const char *text, uint64_t n,
				  char *buf, size_t size)
{
	return n == 2 ? "2 makes the kernel panic on audit failure; needle refuses it (use 0 = "
			"silent or 1 = printk)"
		      : NULL;
}

static const char *check_absolute_path(const struct conf_key_info *key, const char *text,
				       uint64_t n, char *buf, size_t size)
{
	if (text[0] == '/')
		return NULL;
	snprintf(buf, size, "'%s' is not an absolute path%s", text,
		 key->off ? " (or empty for off)" : "");
	return buf;
}

static const char *check_rules(const struct conf_key_info *key, const char *text, uint64_t n,
			       char *buf, size_t size)
{
	if (text[0] == '/' || strcmp(text, "augenrules") == 0 || strcmp(text, "none") == 0)
		return NULL;
	snprintf(buf, size, "'%s' is not augenrules, none or an absolute path", text);
	return buf;
}

static const char *check_listen(const struct conf_key_info *key, const char *text, uint64_t n,
				char *buf, size_t size)
{
	struct sockaddr_storage addr;
	unsigned len;

	if (metrics_parse_listen(text, &addr, &len) == 0)
		return NULL;
	snprintf(buf, size, "'%s' is not HOST:PORT (127.0.0.1:9477, [::1]:9477) or empty for off",
		 text);
	return buf;
}

/* output: a bit per name of the row's choices, in their order. */
static uint32_t outputs_get(const struct conf *c)
{
	return (c->output_json ? 1u : 0) | (c->output_raw ? 2u : 0) |
	       (c->output_enriched ? 4u : 0) | (c->output_stdout ? 8u : 0) |
	       (c->output_nats ? 16u : 0);
}

static void outputs_set(struct conf *c, uint32_t mask)
{
	c->output_json = mask & 1u;
	c->output_raw = mask & 2u;
	c->output_enriched = mask & 4u;
	c->output_stdout = mask & 8u;
	c->output_nats = mask & 16u;
}

const struct conf_key_info conf_keys[CONF_KEY_COUNT] = {
#define X(id, name_, def_, doc_, ...) \
	[CONF_KEY_##id] = { .name = name_, .def = def_, .doc = doc_, __VA_ARGS__ },
	CONF_KEYS(X)
#undef X
};

_Static_assert(CONF_KEY_COUNT <= 64, "set_mask has a bit per key");
/* CONF_CHOICE stores the index of the choice. */
_Static_assert(CONF_MODE_UNICAST == 0 && CONF_MODE_MULTICAST == 1, "mode's choices");
_Static_assert(CONF_RING_BLOCK == 0 && CONF_RING_DROP == 1, "ring_full's choices");
_Static_assert(CONF_IMMUTABLE_APPLY == 0 && CONF_IMMUTABLE_SKIP == 1, "rules_immutable's choices");

static const char *const yes_no[] = { "no", "yes", NULL };

static const char *const *key_choices(const struct conf_key_info *k)
{
	return k->type == CONF_BOOL ? yes_no : k->choices;
}

/* A field of struct conf as an unsigned number, whatever its width (bool,
 * enum, unsigned, uint64_t). */
static uint64_t field_get(const struct conf *c, const struct conf_key_info *k)
{
	const char *p = (const char *)c + k->offset;
	uint8_t u8;
	uint32_t u32;
	uint64_t u64;

	switch (k->size) {
	case 1: memcpy(&u8, p, 1); return u8;
	case 4: memcpy(&u32, p, 4); return u32;
	default: memcpy(&u64, p, 8); return u64;
	}
}

static void field_set(struct conf *c, const struct conf_key_info *k, uint64_t n)
{
	char *p = (char *)c + k->offset;
	uint8_t u8 = (uint8_t)n;
	uint32_t u32 = (uint32_t)n;

	switch (k->size) {
	case 1: memcpy(p, &u8, 1); break;
	case 4: memcpy(p, &u32, 4); break;
	default: memcpy(p, &n, 8); break;
	}
}

static int64_t kernel_get(const struct conf *c, const struct conf_key_info *k)
{
	int64_t v;

	memcpy(&v, (const char *)c + k->offset, sizeof(v));
	return v;
}

/* Where the parse is, and the errors so far: every error of a file is
 * reported, in err, one per line. */
struct where {
	const char *origin;
	unsigned line;
	char *err;
	size_t err_size, err_len;
	unsigned errors, shown;
};

/* Room kept at the end of err for "N more errors not shown". */
#define MORE_ERRORS_ROOM 64

static int fail(struct where *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct where *w, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	/* line 0: a conflict between keys, which has no single line. */
	int off = w->line ? snprintf(msg, sizeof(msg), "%s:%u: ", w->origin, w->line)
			  : snprintf(msg, sizeof(msg), "%s: ", w->origin);
	size_t n;

	w->errors++;
	if (off < 0 || (size_t)off >= sizeof(msg))
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg + off, sizeof(msg) - (size_t)off, fmt, ap);
	va_end(ap);
	n = strlen(msg);
	if (w->err_size && w->err_len + n + 1 + MORE_ERRORS_ROOM < w->err_size) {
		if (w->err_len)
			w->err[w->err_len++] = '\n';
		memcpy(w->err + w->err_len, msg, n + 1);
		w->err_len += n;
		w->shown++;
	} else if (w->err_size && !w->shown) {
		/* err is too small for even one: as much of it as fits. */
		snprintf(w->err, w->err_size, "%s", msg);
		w->err_len = strlen(w->err);
		w->shown++;
	}
	return -EINVAL;
}

int conf_parse_size(const char *v, uint64_t *ret)
{
	char *end;
	unsigned long long n;
	unsigned shift = 0;

	if (!isdigit((unsigned char)v[0]))
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	default: break;
	}
	if (*end || (shift && n > (UINT64_MAX >> shift)))
		return -EINVAL;
	*ret = (uint64_t)n << shift;
	return 0;
}

/* A size as a file would say it: with the largest suffix that is exact. */
void conf_format_size(uint64_t n, char *buf, size_t size)
{
	static const struct { char suffix; unsigned shift; } units[] = {
		{ 'G', 30 }, { 'M', 20 }, { 'K', 10 },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (n && n % (1ull << units[i].shift) == 0) {
			snprintf(buf, size, "%" PRIu64 "%c", n >> units[i].shift, units[i].suffix);
			return;
		}
	}
	snprintf(buf, size, "%" PRIu64, n);
}

/* "'a', 'b' or 'c'" (quote: "'"), or "a, b or c" (quote: ""). */
static void format_choices(const char *const *choices, const char *quote, char *buf, size_t size)
{
	size_t n = 0, len = 0;

	while (choices[n])
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++) {
		const char *sep = i == 0 ? "" : i + 1 < n ? ", " : " or ";
		int w = snprintf(buf + len, size - len, "%s%s%s%s", sep, quote, choices[i], quote);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}

static int choice_index(const char *const *choices, const char *v, size_t len)
{
	for (int i = 0; choices[i]; i++)
		if (strlen(choices[i]) == len && strncmp(v, choices[i], len) == 0)
			return i;
	return -1;
}

/* A CONF_LIST value: comma-separated names, at least one; a bit each. */
static int parse_list(struct where *w, const struct conf_key_info *k, const char *v,
		      uint32_t *ret)
{
	char names[128];
	uint32_t mask = 0;
	const char *p = v;

	format_choices(k->choices, "", names, sizeof(names));
	while (*p) {
		size_t n = strcspn(p, ",");
		int i;

		while (n && p[n - 1] == ' ')
			n--;
		i = choice_index(k->choices, p, n);
		if (i < 0)
			return fail(w, "%s: '%.*s' is not %s", k->name, (int)n, p, names);
		mask |= 1u << i;
		p += strcspn(p, ",");
		while (*p == ',' || *p == ' ')
			p++;
	}
	if (!mask) /* only an empty value, which conf_parse refuses first */
		return fail(w, "%s: name at least one of %s", k->name, names);
	*ret = mask;
	return 0;
}

/* Sets one key from its text as its row says; on error conf keeps the
 * key's old value and w has the error, which says what the key takes. */
static int set_key(struct conf *c, enum conf_key id, const char *v, struct where *w)
{
	const struct conf_key_info *k = &conf_keys[id];
	char wrong[300], lo[32], hi[32], unit[64] = "";
	const char *problem;
	uint64_t n = 0;
	uint32_t mask = 0;
	int i;

	if (k->unit)
		snprintf(unit, sizeof(unit), " (%s)", k->unit);
	switch (k->type) {
	case CONF_BOOL:
	case CONF_CHOICE:
		i = choice_index(key_choices(k), v, strlen(v));
		if (i < 0) {
			format_choices(key_choices(k), "'", wrong, sizeof(wrong));
			return fail(w, "%s: '%s' is not %s", k->name, v, wrong);
		}
		n = (uint64_t)i;
		break;
	case CONF_NUMBER:
		if (conf_parse_decimal(v, &n) < 0 || n < k->min || n > k->max)
			return fail(w, "%s: '%s' is not a number from %" PRIu64 " to %" PRIu64 "%s",
				    k->name, v, k->min, k->max, unit);
		break;
	case CONF_SIZE:
		if (conf_parse_size(v, &n) < 0 || n < k->min || n > k->max) {
			conf_format_size(k->min, lo, sizeof(lo));
			conf_format_size(k->max, hi, sizeof(hi));
			return fail(w, "%s: '%s' is not a size from %s to %s (bytes, or with a K, "
				       "M or G suffix)",
				    k->name, v, lo, hi);
		}
		break;
	case CONF_KERNEL:
		if (strcmp(v, "keep") == 0) {
			int64_t keep = CONF_KEEP;

			memcpy((char *)c + k->offset, &keep, sizeof(keep));
			return 0;
		}
		if (conf_parse_decimal(v, &n) < 0 || n < k->min || n > k->max)
			return fail(w, "%s: '%s' is not 'keep' or a number from %" PRIu64
				       " to %" PRIu64 "%s",
				    k->name, v, k->min, k->max, unit);
		break;
	case CONF_TEXT:
		if (!*v && k->off) {
			((char *)c + k->offset)[0] = '\0';
			return 0;
		}
		if (k->secret && strcmp(v, CONF_SECRET_MASK) == 0)
			return fail(w, "%s: '%s' is what needle config prints in place of the value: "
				       "write the value itself (needle config --show-secrets prints it)",
				    k->name, v);
		break;
	case CONF_LIST:
		if (parse_list(w, k, v, &mask) < 0)
			return -EINVAL;
		k->list_set(c, mask);
		return 0;
	}
	if (k->check && (problem = k->check(k, v, n, wrong, sizeof(wrong))))
		return fail(w, "%s: %s", k->name, problem);
	if (k->type == CONF_TEXT) {
		if (strlen(v) >= k->size)
			return fail(w, "%s: longer than %zu bytes", k->name, k->size - 1);
		memcpy((char *)c + k->offset, v, strlen(v) + 1);
	} else if (k->type == CONF_KERNEL) {
		int64_t value = (int64_t)n;

		memcpy((char *)c + k->offset, &value, sizeof(value));
	} else {
		field_set(c, k, n);
	}
	return 0;
}

/* A conflict between keys (conf-nats.c finds those of the nats keys). */
static void fail_line(void *arg, unsigned line, const char *msg)
{
	struct where *w = arg;

	w->line = line;
	fail(w, "%s", msg);
	w->line = 0;
}

/*
 * Checks between keys, once the whole file is read. In multicast mode
 * needle changes nothing in the kernel: a key with a multicast value (the
 * kernel settings: keep; default_rules: no) takes it when the file leaves
 * the key out, and a file that gives it another is refused at its line.
 */
static void check_combinations(struct conf *c, struct where *w, const unsigned *line)
{
	uint64_t low, admin;
	unsigned low_pct, admin_pct;

	/* auditd's sanity check: the admin level is the lower one. Thresholds
	 * of different units are compared by the space policy itself. */
	if (conf_space(c->space_left, &low, &low_pct) == 0 &&
	    conf_space(c->admin_space_left, &admin, &admin_pct) == 0 &&
	    (low_pct ? low_pct < admin_pct : !admin_pct && low < admin)) {
		w->line = line[CONF_KEY_SPACE_LEFT] ? line[CONF_KEY_SPACE_LEFT]
						    : line[CONF_KEY_ADMIN_SPACE_LEFT];
		fail(w, "space_left (%s) is below admin_space_left (%s): space_left is the first "
			"warning, admin_space_left the last",
		     c->space_left, c->admin_space_left);
		w->line = 0;
	}
	conf_nats_conflicts(c, line, fail_line, w);
	if (c->mode != CONF_MODE_MULTICAST)
		return;
	for (unsigned id = 0; id < CONF_KEY_COUNT; id++) {
		const struct conf_key_info *k = &conf_keys[id];
		char value[300];

		if (!k->multicast)
			continue;
		if (!(c->set_mask & (1ull << id))) {
			set_key(c, (enum conf_key)id, k->multicast, w);
			continue;
		}
		conf_format_key(c, (enum conf_key)id, value, sizeof(value));
		if (strcmp(value, k->multicast) != 0) {
			w->line = line[id];
			fail(w, "%s: mode = multicast %s: set %s = %s (or leave it out), or use "
				"mode = unicast",
			     k->name, k->multicast_what, k->name, k->multicast);
		}
	}
	w->line = 0;
}

void conf_init(struct conf *conf)
{
	/* The table's values parse (test-conf walks them): no error to keep. */
	struct where w = { .origin = "<built-in>" };

	*conf = (struct conf){ 0 };
	for (unsigned id = 0; id < CONF_KEY_COUNT; id++)
		set_key(conf, (enum conf_key)id,
			conf_keys[id].builtin ? conf_keys[id].builtin : conf_keys[id].def, &w);
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Reads one line of text into line (NUL-terminated); false with an error
 * for a NUL byte or a line too long (the rest of it is skipped). */
static bool next_line(struct where *w, const char *text, size_t len, size_t *pos, char *line,
		      size_t size)
{
	switch (textline_next(text, len, pos, line, size)) {
	case TEXTLINE_NUL:
		fail(w, "NUL byte in the configuration");
		return false;
	case TEXTLINE_LONG:
		fail(w, "line longer than %zu bytes", size - 1);
		return false;
	default:
		return true;
	}
}

int conf_parse(struct conf *conf, const char *origin, const char *text, size_t len, char *err,
	       size_t err_size)
{
	struct conf c = *conf;
	struct where w = { .origin = origin, .err = err, .err_size = err_size };
	unsigned key_line[CONF_KEY_COUNT] = { 0 };
	size_t pos = 0;

	if (err_size)
		err[0] = '\0';
	c.set_mask = 0;
	while (pos < len) {
		char line[1024], *key, *value, *eq, *hash;
		unsigned id;

		w.line++;
		if (!next_line(&w, text, len, &pos, line, sizeof(line)))
			continue;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			fail(&w, "expected 'key = value', got '%s'", key);
			continue;
		}
		*eq = '\0';
		key = trim(key);
		value = trim(eq + 1);
		for (id = 0; id < CONF_KEY_COUNT; id++)
			if (strcmp(key, conf_keys[id].name) == 0)
				break;
		if (id == CONF_KEY_COUNT) {
			fail(&w, "unknown key '%s' (README.md, Configuration, lists them)", key);
			continue;
		}
		if (key_line[id]) {
			fail(&w, "%s is set twice (first on line %u)", key, key_line[id]);
			continue;
		}
		key_line[id] = w.line;
		if (!*value && !(conf_keys[id].type == CONF_TEXT && conf_keys[id].off)) {
			fail(&w, "%s has no value", key);
			continue;
		}
		if (set_key(&c, (enum conf_key)id, value, &w) == 0)
			c.set_mask |= 1ull << id;
	}
	check_combinations(&c, &w, key_line);
	if (w.errors) {
		if (w.errors > w.shown && err_size)
			snprintf(err + w.err_len, err_size - w.err_len, "%s%s: %u more error(s) not shown",
				 w.err_len ? "\n" : "", origin, w.errors - w.shown);
		return -EINVAL;
	}
	*conf = c;
	return 0;
}

int conf_load_file(struct conf *conf, const char *path, char *err, size_t err_size)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, err_size, "%s: cannot open: %s", path, strerror(errno));
		return r;
	}
	for (;;) {
		if (len == cap) {
			char *more;

			if (cap >= (1u << 20)) {
				snprintf(err, err_size, "%s: larger than 1 MiB", path);
				r = -EFBIG;
				goto close_file;
			}
			cap = cap ? cap * 2 : 4096;
			more = realloc(buf, cap);
			if (!more) {
				r = -ENOMEM;
				snprintf(err, err_size, "%s: out of memory", path);
				goto close_file;
			}
			buf = more;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(err, err_size, "%s: read failed: %s", path, strerror(errno));
			goto close_file;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	r = conf_parse(conf, path, buf, len, err, err_size);
close_file:
	free(buf);
	close(fd);
	return r;
}

int conf_load(struct conf *conf, const char *path, char *err, size_t err_size)
{
	conf_init(conf);
	if (path)
		return conf_load_file(conf, path, err, err_size);
	return conf_parse(conf, "<embedded>", conf_embedded_default, strlen(conf_embedded_default),
			  err, err_size);
}

void conf_format_key(const struct conf *c, enum conf_key key, char *buf, size_t size)
{
	const struct conf_key_info *k = &conf_keys[key];
	size_t len = 0;
	uint64_t n;

	switch (k->type) {
	case CONF_BOOL:
	case CONF_CHOICE:
		n = field_get(c, k);
		snprintf(buf, size, "%s", key_choices(k)[n]);
		break;
	case CONF_NUMBER:
		snprintf(buf, size, "%" PRIu64, field_get(c, k));
		break;
	case CONF_SIZE:
		conf_format_size(field_get(c, k), buf, size);
		break;
	case CONF_KERNEL:
		if (kernel_get(c, k) == CONF_KEEP)
			snprintf(buf, size, "keep");
		else
			snprintf(buf, size, "%" PRId64, kernel_get(c, k));
		break;
	case CONF_TEXT:
		snprintf(buf, size, "%s", (const char *)c + k->offset);
		break;
	case CONF_LIST:
		n = k->list_get(c);
		buf[0] = '\0';
		for (unsigned i = 0; k->choices[i] && len < size; i++) {
			const char *sep = len ? "," : "";

			if (n & (1u << i))
				len += (size_t)snprintf(buf + len, size - len, "%s%s", sep, k->choices[i]);
		}
		break;
	}
}

void conf_show_key(const struct conf *c, enum conf_key key, bool secrets, char *buf, size_t size)
{
	conf_format_key(c, key, buf, size);
	if (conf_keys[key].secret && !secrets && buf[0])
		snprintf(buf, size, "%s", CONF_SECRET_MASK);
}

size_t conf_format(const struct conf *c, bool secrets, char *buf, size_t size)
{
	size_t off = 0;
	int n;

	n = snprintf(buf, size, CONF_TEXT_HEADER);
	off = n > 0 ? (size_t)n : 0;
	for (unsigned id = 0; id < CONF_KEY_COUNT; id++) {
		char value[300];

		conf_show_key(c, (enum conf_key)id, secrets, value, sizeof(value));
		n = snprintf(off < size ? buf + off : NULL, off < size ? size - off : 0,
			     CONF_TEXT_KEY("%s", "%s", "%s"), conf_keys[id].doc, conf_keys[id].name,
			     value);
		if (n > 0)
			off += (size_t)n;
	}
	return off;
}

enum conf_reload conf_key_reload(const struct conf *running, enum conf_key key, const char **why)
{
	const struct conf_key_info *k = &conf_keys[key];
	enum conf_reload r = k->reload;
	const char *reason = k->why;

	if (running->mode == CONF_MODE_MULTICAST && k->multicast && r == CONF_LIVE) {
		r = CONF_NEXT_START;
		reason = k->multicast_why;
	}
	if (why)
		*why = reason;
	return r;
}

static void report_line(char *report, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void report_line(char *report, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len + 1 >= size)
		return;
	if (*len)
		report[(*len)++] = '\n';
	va_start(ap, fmt);
	n = vsnprintf(report + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + (size_t)n < size ? *len + (size_t)n : size - 1;
	report[*len] = '\0';
}

unsigned conf_reload_merge(const struct conf *running, const struct conf *next, struct conf *ret,
			   char *report, size_t report_size, uint64_t *changed)
{
	struct conf out = *next;
	uint64_t mask = 0;
	size_t len = 0;
	unsigned count = 0;

	if (report_size)
		report[0] = '\0';
	for (unsigned id = 0; id < CONF_KEY_COUNT; id++) {
		const struct conf_key_info *k = &conf_keys[id];
		char was[300], now[300];
		const char *why;

		conf_format_key(running, (enum conf_key)id, was, sizeof(was));
		conf_format_key(next, (enum conf_key)id, now, sizeof(now));
		if (strcmp(was, now) == 0)
			continue;
		count++;
		mask |= 1ull << id;
		if (k->secret) {
			/* Never in the log. */
			conf_show_key(running, (enum conf_key)id, false, was, sizeof(was));
			conf_show_key(next, (enum conf_key)id, false, now, sizeof(now));
		}
		if (conf_key_reload(running, (enum conf_key)id, &why) == CONF_LIVE) {
			report_line(report, report_size, &len, "%s: %s -> %s", conf_keys[id].name,
				    was[0] ? was : "(empty)", now[0] ? now : "(empty)");
			continue;
		}
		/* The running value stays: its field copied back (a check such
		 * as a file's existence is not asked again of a running value). */
		if (k->type == CONF_LIST)
			k->list_set(&out, k->list_get(running));
		else
			memcpy((char *)&out + k->offset, (const char *)running + k->offset, k->size);
		report_line(report, report_size, &len, "%s: %s -> %s takes effect at the next start (%s)",
			    conf_keys[id].name, was[0] ? was : "(empty)", now[0] ? now : "(empty)", why);
	}
	out.set_mask = next->set_mask;
	*ret = out;
	if (changed)
		*changed = mask;
	return count;
}
