/* SPDX-License-Identifier: MIT */
/*
 * conf.c: a table of keys, each with a parser; file:line on every error.
 */
#include "conf.h"
#include "metrics.h"
#include "pipeline.h"

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

const char conf_embedded_default[] =
	"# needle's embedded default configuration (README.md, Configuration).\n"
	"mode = unicast\n"
	"listener_threads = 1\n"
	"decoder_threads = 0\n"
	"socket_buffer = 64M\n"
	"ring_size = 16M\n"
	"ring_full = block\n"
	"enabled = 1\n"
	"backlog_limit = 65536\n"
	"backlog_wait_time = keep\n"
	"rate_limit = keep\n"
	"failure = keep\n"
	"default_rules = yes\n"
	"log_dir = /var/log/needle\n"
	"output = json,raw\n"
	"max_log_file = 100M\n"
	"num_logs = 5\n"
	"compress = none\n"
	"event_timeout = 2000\n"
	"max_open_events = 16384\n"
	"resolve_ids = yes\n"
	"process_context = yes\n"
	"ancestors_depth = 4\n"
	"process_table_size = 32768\n"
	"metrics_listen = " CONF_METRICS_LISTEN "\n"
	"control_socket = /run/needle/control\n";

const struct conf_key_info conf_keys[CONF_KEY_COUNT] = {
#define X(id, name_, reload_, why_) [CONF_KEY_##id] = { .name = name_, .reload = reload_, .why = why_ },
	CONF_KEYS(X)
#undef X
};

_Static_assert(CONF_KEY_COUNT <= 32, "set_mask has a bit per key");

void conf_init(struct conf *conf)
{
	*conf = (struct conf){
		.mode = CONF_MODE_UNICAST,
		.listener_threads = 1,
		.decoder_threads = 0,
		.socket_buffer = 64ull << 20,
		.ring_size = 16ull << 20,
		.ring_full = CONF_RING_BLOCK,
		.enabled = 1,
		.backlog_limit = 65536,
		.backlog_wait_time = CONF_KEEP,
		.rate_limit = CONF_KEEP,
		.failure = CONF_KEEP,
		.default_rules = false,
		.log_dir = "/var/log/needle",
		.output_json = true,
		.output_raw = true,
		.max_log_file = 100ull << 20,
		.num_logs = 5,
		.event_timeout_ms = 2000,
		.max_open_events = 16384,
		.resolve_ids = true,
		.process_context = true,
		.ancestors_depth = 4,
		.process_table_size = 32768,
		.metrics_listen = CONF_METRICS_LISTEN,
		.control_socket = "/run/needle/control",
	};
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

static int parse_range(struct where *w, const char *key, const char *v, uint64_t min,
		       uint64_t max, uint64_t *ret)
{
	uint64_t n;

	if (conf_parse_size(v, &n) < 0 || n < min || n > max)
		return fail(w, "%s: '%s' is not a number from %" PRIu64 " to %" PRIu64, key, v, min,
			    max);
	*ret = n;
	return 0;
}

/* A kernel setting: a number in range, or keep. */
static int parse_kernel(struct where *w, const char *key, const char *v, uint64_t max,
			int64_t *ret)
{
	uint64_t n;

	if (strcmp(v, "keep") == 0) {
		*ret = CONF_KEEP;
		return 0;
	}
	if (conf_parse_size(v, &n) < 0 || n > max)
		return fail(w, "%s: '%s' is not 'keep' or a number from 0 to %" PRIu64, key, v, max);
	*ret = (int64_t)n;
	return 0;
}

static int parse_choice(struct where *w, const char *key, const char *v,
			const char *const *choices, int *ret)
{
	char list[128] = "";

	for (int i = 0; choices[i]; i++) {
		if (strcmp(v, choices[i]) == 0) {
			*ret = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s'%s'", i ? " or " : "",
			 choices[i]);
	}
	return fail(w, "%s: '%s' is not %s", key, v, list);
}

/* output = json,raw,enriched,stdout: a comma-separated list, at least one. */
static int parse_outputs(struct conf *c, const char *v, struct where *w)
{
	bool json = false, raw = false, enriched = false, out = false;
	const char *p = v;

	while (*p) {
		size_t n = strcspn(p, ",");

		while (n && p[n - 1] == ' ')
			n--;
		if (n == 4 && strncmp(p, "json", 4) == 0)
			json = true;
		else if (n == 3 && strncmp(p, "raw", 3) == 0)
			raw = true;
		else if (n == 6 && strncmp(p, "stdout", 6) == 0)
			out = true;
		else if (n == 8 && strncmp(p, "enriched", 8) == 0)
			enriched = true;
		else
			return fail(w, "output: '%.*s' is not json, raw, enriched or stdout", (int)n, p);
		p += strcspn(p, ",");
		while (*p == ',' || *p == ' ')
			p++;
	}
	if (!json && !raw && !enriched && !out)
		return fail(w, "output: name at least one of json, raw, enriched, stdout");
	c->output_json = json;
	c->output_raw = raw;
	c->output_enriched = enriched;
	c->output_stdout = out;
	return 0;
}

static int copy_path(struct where *w, const char *key, const char *v, bool may_be_empty,
		     char *dst, size_t size)
{
	if (!(may_be_empty && !*v) && v[0] != '/')
		return fail(w, "%s: '%s' is not an absolute path%s", key, v,
			    may_be_empty ? " (or empty for off)" : "");
	if (strlen(v) >= size)
		return fail(w, "%s: longer than %zu bytes", key, size - 1);
	strcpy(dst, v);
	return 0;
}

/* Sets one key from its text; on error conf keeps the key's old value. */
static int set_key(struct conf *c, enum conf_key id, const char *v, struct where *w)
{
	static const char *const modes[] = { "unicast", "multicast", NULL };
	static const char *const fulls[] = { "block", "drop", NULL };
	static const char *const bools[] = { "no", "yes", NULL };
	static const char *const comps[] = { "none", "lz4", NULL };
	const char *key = conf_keys[id].name;
	uint64_t n = 0;
	int64_t k = 0;
	int choice = 0, r = 0;

	switch (id) {
	case CONF_KEY_MODE:
		if ((r = parse_choice(w, key, v, modes, &choice)) == 0)
			c->mode = (enum conf_mode)choice;
		break;
	case CONF_KEY_LISTENER_THREADS:
		if ((r = parse_range(w, key, v, 1, PIPELINE_MAX_LISTENERS, &n)) == 0)
			c->listener_threads = (unsigned)n;
		break;
	case CONF_KEY_DECODER_THREADS:
		if ((r = parse_range(w, key, v, 0, PIPELINE_MAX_DECODERS, &n)) == 0)
			c->decoder_threads = (unsigned)n;
		break;
	case CONF_KEY_SOCKET_BUFFER:
		if ((r = parse_range(w, key, v, 64 << 10, 1ull << 30, &n)) == 0)
			c->socket_buffer = n;
		break;
	case CONF_KEY_RING_SIZE:
		r = parse_range(w, key, v, 64 << 10, 1ull << 30, &n);
		if (r == 0 && (n & (n - 1)) != 0)
			r = fail(w, "%s: '%s' is not a power of two (64K, 1M, 16M...)", key, v);
		if (r == 0)
			c->ring_size = n;
		break;
	case CONF_KEY_RING_FULL:
		if ((r = parse_choice(w, key, v, fulls, &choice)) == 0)
			c->ring_full = (enum conf_ring_full)choice;
		break;
	case CONF_KEY_ENABLED:
		r = parse_kernel(w, key, v, 2, &k);
		if (r == 0 && k == 2)
			r = fail(w, "enabled: 2 locks the audit configuration until reboot and "
				    "needle could not restore it; use 1");
		if (r == 0)
			c->enabled = k;
		break;
	case CONF_KEY_BACKLOG_LIMIT:
		if ((r = parse_kernel(w, key, v, UINT32_MAX, &k)) == 0)
			c->backlog_limit = k;
		break;
	case CONF_KEY_BACKLOG_WAIT_TIME:
		/* The kernel refuses more than 10 * AUDIT_BACKLOG_WAIT_TIME. */
		if ((r = parse_kernel(w, key, v, 600000, &k)) == 0)
			c->backlog_wait_time = k;
		break;
	case CONF_KEY_RATE_LIMIT:
		if ((r = parse_kernel(w, key, v, UINT32_MAX, &k)) == 0)
			c->rate_limit = k;
		break;
	case CONF_KEY_FAILURE:
		r = parse_kernel(w, key, v, 2, &k);
		if (r == 0 && k == 2)
			r = fail(w, "failure: 2 makes the kernel panic on audit failure; needle "
				    "refuses it (use 0 = silent or 1 = printk)");
		if (r == 0)
			c->failure = k;
		break;
	case CONF_KEY_DEFAULT_RULES:
		if ((r = parse_choice(w, key, v, bools, &choice)) == 0)
			c->default_rules = choice == 1;
		break;
	case CONF_KEY_LOG_DIR:
		r = copy_path(w, key, v, false, c->log_dir, sizeof(c->log_dir));
		break;
	case CONF_KEY_OUTPUT:
		r = parse_outputs(c, v, w);
		break;
	case CONF_KEY_MAX_LOG_FILE:
		if ((r = parse_range(w, key, v, 0, 1ull << 40, &n)) == 0)
			c->max_log_file = n;
		break;
	case CONF_KEY_NUM_LOGS:
		if ((r = parse_range(w, key, v, 1, 999, &n)) == 0)
			c->num_logs = (unsigned)n;
		break;
	case CONF_KEY_COMPRESS:
		if ((r = parse_choice(w, key, v, comps, &choice)) == 0)
			c->compress_lz4 = choice == 1;
		break;
	case CONF_KEY_EVENT_TIMEOUT:
		if ((r = parse_range(w, key, v, 10, 600000, &n)) == 0)
			c->event_timeout_ms = n;
		break;
	case CONF_KEY_MAX_OPEN_EVENTS:
		if ((r = parse_range(w, key, v, 16, 1u << 22, &n)) == 0)
			c->max_open_events = (unsigned)n;
		break;
	case CONF_KEY_RESOLVE_IDS:
		if ((r = parse_choice(w, key, v, bools, &choice)) == 0)
			c->resolve_ids = choice == 1;
		break;
	case CONF_KEY_PROCESS_CONTEXT:
		if ((r = parse_choice(w, key, v, bools, &choice)) == 0)
			c->process_context = choice == 1;
		break;
	case CONF_KEY_ANCESTORS_DEPTH:
		if ((r = parse_range(w, key, v, 0, 16, &n)) == 0)
			c->ancestors_depth = (unsigned)n;
		break;
	case CONF_KEY_PROCESS_TABLE_SIZE:
		if ((r = parse_range(w, key, v, 64, 1u << 22, &n)) == 0)
			c->process_table_size = (unsigned)n;
		break;
	case CONF_KEY_METRICS_LISTEN: {
		struct sockaddr_storage addr;
		unsigned len;

		if (*v && metrics_parse_listen(v, &addr, &len) < 0)
			r = fail(w, "metrics_listen: '%s' is not HOST:PORT (127.0.0.1:9477, "
				    "[::1]:9477) or empty for off",
				 v);
		else if (strlen(v) >= sizeof(c->metrics_listen))
			r = fail(w, "metrics_listen: too long");
		else
			strcpy(c->metrics_listen, v);
		break;
	}
	case CONF_KEY_CONTROL_SOCKET:
		r = copy_path(w, key, v, true, c->control_socket, sizeof(c->control_socket));
		break;
	case CONF_KEY_COUNT:
		break;
	}
	if (r == 0)
		c->set_mask |= 1u << id;
	return r;
}

/* Where a kernel setting sits in struct conf; 0 for the other keys. */
static size_t kernel_offset(enum conf_key id)
{
	switch (id) {
	case CONF_KEY_ENABLED: return offsetof(struct conf, enabled);
	case CONF_KEY_BACKLOG_LIMIT: return offsetof(struct conf, backlog_limit);
	case CONF_KEY_BACKLOG_WAIT_TIME: return offsetof(struct conf, backlog_wait_time);
	case CONF_KEY_RATE_LIMIT: return offsetof(struct conf, rate_limit);
	case CONF_KEY_FAILURE: return offsetof(struct conf, failure);
	default: return 0;
	}
}

static int64_t *kernel_field(struct conf *c, enum conf_key id)
{
	size_t off = kernel_offset(id);

	return off ? (int64_t *)((char *)c + off) : NULL;
}

/*
 * Checks between keys, once the whole file is read. In multicast mode
 * needle changes nothing in the kernel: the kernel settings default to
 * keep and default rules are off; one the file sets otherwise is an error
 * at its line.
 */
static void check_combinations(struct conf *c, struct where *w, const unsigned *line)
{
	if (c->mode != CONF_MODE_MULTICAST)
		return;
	for (unsigned id = 0; id < CONF_KEY_COUNT; id++) {
		int64_t *v = kernel_field(c, (enum conf_key)id);

		if (!v)
			continue;
		if (!(c->set_mask & (1u << id))) {
			*v = CONF_KEEP;
		} else if (*v != CONF_KEEP) {
			w->line = line[id];
			fail(w, "%s: mode = multicast changes no kernel setting: set %s = keep (or "
				"leave it out), or use mode = unicast",
			     conf_keys[id].name, conf_keys[id].name);
		}
	}
	if (!(c->set_mask & (1u << CONF_KEY_DEFAULT_RULES))) {
		c->default_rules = false;
	} else if (c->default_rules) {
		w->line = line[CONF_KEY_DEFAULT_RULES];
		fail(w, "default_rules: mode = multicast loads no rules: set default_rules = no "
			"(or leave it out), or use mode = unicast");
	}
	w->line = 0;
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
	size_t n = 0;
	bool ok = true;

	for (; *pos < len && text[*pos] != '\n'; (*pos)++) {
		if (!ok)
			continue;
		if (text[*pos] == '\0') {
			fail(w, "NUL byte in the configuration");
			ok = false;
		} else if (n + 1 >= size) {
			fail(w, "line longer than %zu bytes", size - 1);
			ok = false;
		} else {
			line[n++] = text[*pos];
		}
	}
	line[n] = '\0';
	(*pos)++;
	return ok;
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
		if (!*value && id != CONF_KEY_METRICS_LISTEN && id != CONF_KEY_CONTROL_SOCKET) {
			fail(&w, "%s has no value", key);
			continue;
		}
		set_key(&c, (enum conf_key)id, value, &w);
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
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			more = realloc(buf, cap);
			if (!more) {
				r = -ENOMEM;
				snprintf(err, err_size, "%s: out of memory", path);
				goto out;
			}
			buf = more;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(err, err_size, "%s: read failed: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	r = conf_parse(conf, path, buf, len, err, err_size);
out:
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

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

void conf_format_key(const struct conf *c, enum conf_key key, char *buf, size_t size)
{
	size_t kernel = kernel_offset(key);

	if (kernel) {
		int64_t v = *(const int64_t *)((const char *)c + kernel);

		if (v == CONF_KEEP)
			snprintf(buf, size, "keep");
		else
			snprintf(buf, size, "%" PRId64, v);
		return;
	}
	switch (key) {
	case CONF_KEY_MODE:
		snprintf(buf, size, "%s", c->mode == CONF_MODE_UNICAST ? "unicast" : "multicast");
		break;
	case CONF_KEY_LISTENER_THREADS: snprintf(buf, size, "%u", c->listener_threads); break;
	case CONF_KEY_DECODER_THREADS: snprintf(buf, size, "%u", c->decoder_threads); break;
	case CONF_KEY_SOCKET_BUFFER: snprintf(buf, size, "%" PRIu64, c->socket_buffer); break;
	case CONF_KEY_RING_SIZE: snprintf(buf, size, "%" PRIu64, c->ring_size); break;
	case CONF_KEY_RING_FULL:
		snprintf(buf, size, "%s", c->ring_full == CONF_RING_BLOCK ? "block" : "drop");
		break;
	case CONF_KEY_DEFAULT_RULES: snprintf(buf, size, "%s", yes_no(c->default_rules)); break;
	case CONF_KEY_LOG_DIR: snprintf(buf, size, "%s", c->log_dir); break;
	case CONF_KEY_OUTPUT:
		snprintf(buf, size, "%s%s%s%s", c->output_json ? ",json" : "",
			 c->output_raw ? ",raw" : "", c->output_enriched ? ",enriched" : "",
			 c->output_stdout ? ",stdout" : "");
		if (buf[0] == ',')
			memmove(buf, buf + 1, strlen(buf));
		break;
	case CONF_KEY_MAX_LOG_FILE: snprintf(buf, size, "%" PRIu64, c->max_log_file); break;
	case CONF_KEY_NUM_LOGS: snprintf(buf, size, "%u", c->num_logs); break;
	case CONF_KEY_COMPRESS: snprintf(buf, size, "%s", c->compress_lz4 ? "lz4" : "none"); break;
	case CONF_KEY_EVENT_TIMEOUT: snprintf(buf, size, "%" PRIu64, c->event_timeout_ms); break;
	case CONF_KEY_MAX_OPEN_EVENTS: snprintf(buf, size, "%u", c->max_open_events); break;
	case CONF_KEY_RESOLVE_IDS: snprintf(buf, size, "%s", yes_no(c->resolve_ids)); break;
	case CONF_KEY_PROCESS_CONTEXT: snprintf(buf, size, "%s", yes_no(c->process_context)); break;
	case CONF_KEY_ANCESTORS_DEPTH: snprintf(buf, size, "%u", c->ancestors_depth); break;
	case CONF_KEY_PROCESS_TABLE_SIZE: snprintf(buf, size, "%u", c->process_table_size); break;
	case CONF_KEY_METRICS_LISTEN: snprintf(buf, size, "%s", c->metrics_listen); break;
	case CONF_KEY_CONTROL_SOCKET: snprintf(buf, size, "%s", c->control_socket); break;
	default: snprintf(buf, size, "?"); break;
	}
}

void conf_format(const struct conf *c, char *buf, size_t size)
{
	size_t off = 0;

	if (size)
		buf[0] = '\0';
	for (unsigned id = 0; id < CONF_KEY_COUNT && off + 1 < size; id++) {
		char value[300];
		int n;

		conf_format_key(c, (enum conf_key)id, value, sizeof(value));
		n = snprintf(buf + off, size - off, "%s = %s\n", conf_keys[id].name, value);
		if (n < 0)
			break;
		off = off + (size_t)n < size ? off + (size_t)n : size - 1;
	}
}

enum conf_reload conf_key_reload(const struct conf *running, enum conf_key key, const char **why)
{
	enum conf_reload r = conf_keys[key].reload;
	const char *reason = conf_keys[key].why;

	if (running->mode == CONF_MODE_MULTICAST && kernel_offset(key)) {
		r = CONF_NEXT_START;
		reason = "needle runs in multicast mode, which changes no kernel setting";
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
			   char *report, size_t report_size, uint32_t *changed)
{
	struct conf out = *next;
	uint32_t mask = 0;
	size_t len = 0;
	unsigned count = 0;

	if (report_size)
		report[0] = '\0';
	for (unsigned id = 0; id < CONF_KEY_COUNT; id++) {
		char was[300], now[300], err[256];
		struct where w = { .origin = "<running>", .err = err, .err_size = sizeof(err) };
		const char *why;

		conf_format_key(running, (enum conf_key)id, was, sizeof(was));
		conf_format_key(next, (enum conf_key)id, now, sizeof(now));
		if (strcmp(was, now) == 0)
			continue;
		count++;
		mask |= 1u << id;
		if (conf_key_reload(running, (enum conf_key)id, &why) == CONF_LIVE) {
			report_line(report, report_size, &len, "%s: %s -> %s", conf_keys[id].name,
				    was[0] ? was : "(empty)", now[0] ? now : "(empty)");
			continue;
		}
		/* The running value stays: read back from its own text, which
		 * set_key takes for every key (test-conf checks the round trip). */
		set_key(&out, (enum conf_key)id, was, &w);
		report_line(report, report_size, &len, "%s: %s -> %s takes effect at the next start (%s)",
			    conf_keys[id].name, was[0] ? was : "(empty)", now[0] ? now : "(empty)", why);
	}
	out.set_mask = next->set_mask;
	*ret = out;
	if (changed)
		*changed = mask;
	return count;
}
