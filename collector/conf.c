/* SPDX-License-Identifier: MIT */
/*
 * conf.c: a table of keys, each with a parser; file:line on every error.
 */
#include "conf.h"
#include "metrics.h"

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

enum key_id {
	KEY_MODE,
	KEY_LISTENER_THREADS,
	KEY_DECODER_THREADS,
	KEY_SOCKET_BUFFER,
	KEY_RING_SIZE,
	KEY_RING_FULL,
	KEY_ENABLED,
	KEY_BACKLOG_LIMIT,
	KEY_BACKLOG_WAIT_TIME,
	KEY_RATE_LIMIT,
	KEY_FAILURE,
	KEY_DEFAULT_RULES,
	KEY_LOG_DIR,
	KEY_OUTPUT,
	KEY_MAX_LOG_FILE,
	KEY_NUM_LOGS,
	KEY_COMPRESS,
	KEY_EVENT_TIMEOUT,
	KEY_MAX_OPEN_EVENTS,
	KEY_RESOLVE_IDS,
	KEY_PROCESS_CONTEXT,
	KEY_ANCESTORS_DEPTH,
	KEY_PROCESS_TABLE_SIZE,
	KEY_METRICS_LISTEN,
	KEY_CONTROL_SOCKET,
	KEY_COUNT,
};

static const char *const key_name[KEY_COUNT] = {
	[KEY_MODE] = "mode",
	[KEY_LISTENER_THREADS] = "listener_threads",
	[KEY_DECODER_THREADS] = "decoder_threads",
	[KEY_SOCKET_BUFFER] = "socket_buffer",
	[KEY_RING_SIZE] = "ring_size",
	[KEY_RING_FULL] = "ring_full",
	[KEY_ENABLED] = "enabled",
	[KEY_BACKLOG_LIMIT] = "backlog_limit",
	[KEY_BACKLOG_WAIT_TIME] = "backlog_wait_time",
	[KEY_RATE_LIMIT] = "rate_limit",
	[KEY_FAILURE] = "failure",
	[KEY_DEFAULT_RULES] = "default_rules",
	[KEY_LOG_DIR] = "log_dir",
	[KEY_OUTPUT] = "output",
	[KEY_MAX_LOG_FILE] = "max_log_file",
	[KEY_NUM_LOGS] = "num_logs",
	[KEY_COMPRESS] = "compress",
	[KEY_EVENT_TIMEOUT] = "event_timeout",
	[KEY_MAX_OPEN_EVENTS] = "max_open_events",
	[KEY_RESOLVE_IDS] = "resolve_ids",
	[KEY_PROCESS_CONTEXT] = "process_context",
	[KEY_ANCESTORS_DEPTH] = "ancestors_depth",
	[KEY_PROCESS_TABLE_SIZE] = "process_table_size",
	[KEY_METRICS_LISTEN] = "metrics_listen",
	[KEY_CONTROL_SOCKET] = "control_socket",
};

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

struct where {
	const char *origin;
	unsigned line;
	char *err;
	size_t err_size;
};

static int fail(const struct where *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(const struct where *w, const char *fmt, ...)
{
	va_list ap;
	/* line 0: a conflict between keys, which has no single line. */
	int off = w->line ? snprintf(w->err, w->err_size, "%s:%u: ", w->origin, w->line)
			  : snprintf(w->err, w->err_size, "%s: ", w->origin);

	if (off < 0 || (size_t)off >= w->err_size)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(w->err + off, w->err_size - (size_t)off, fmt, ap);
	va_end(ap);
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

static int parse_range(const struct where *w, const char *key, const char *v, uint64_t min,
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
static int parse_kernel(const struct where *w, const char *key, const char *v, uint64_t max,
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

static int parse_choice(const struct where *w, const char *key, const char *v,
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
static int parse_outputs(struct conf *c, const char *v, const struct where *w)
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

static int set_key(struct conf *c, enum key_id id, const char *v, const struct where *w)
{
	static const char *const modes[] = { "unicast", "multicast", NULL };
	static const char *const fulls[] = { "block", "drop", NULL };
	static const char *const bools[] = { "no", "yes", NULL };
	const char *key = key_name[id];
	uint64_t n = 0;
	int choice, r = 0;

	switch (id) {
	case KEY_MODE:
		r = parse_choice(w, key, v, modes, &choice);
		c->mode = (enum conf_mode)choice;
		break;
	case KEY_LISTENER_THREADS:
		r = parse_range(w, key, v, 1, 16, &n);
		c->listener_threads = (unsigned)n;
		break;
	case KEY_DECODER_THREADS:
		r = parse_range(w, key, v, 0, 64, &n);
		c->decoder_threads = (unsigned)n;
		break;
	case KEY_SOCKET_BUFFER:
		r = parse_range(w, key, v, 64 << 10, 1ull << 30, &n);
		c->socket_buffer = n;
		break;
	case KEY_RING_SIZE:
		r = parse_range(w, key, v, 64 << 10, 1ull << 30, &n);
		if (r == 0 && (n & (n - 1)) != 0)
			r = fail(w, "%s: '%s' is not a power of two (64K, 1M, 16M...)", key, v);
		c->ring_size = n;
		break;
	case KEY_RING_FULL:
		r = parse_choice(w, key, v, fulls, &choice);
		c->ring_full = (enum conf_ring_full)choice;
		break;
	case KEY_ENABLED:
		r = parse_kernel(w, key, v, 2, &c->enabled);
		if (r == 0 && c->enabled == 2)
			r = fail(w, "enabled: 2 locks the audit configuration until reboot and "
				    "needle could not restore it; use 1");
		break;
	case KEY_BACKLOG_LIMIT:
		r = parse_kernel(w, key, v, UINT32_MAX, &c->backlog_limit);
		break;
	case KEY_BACKLOG_WAIT_TIME:
		/* The kernel refuses more than 10 * AUDIT_BACKLOG_WAIT_TIME. */
		r = parse_kernel(w, key, v, 600000, &c->backlog_wait_time);
		break;
	case KEY_RATE_LIMIT:
		r = parse_kernel(w, key, v, UINT32_MAX, &c->rate_limit);
		break;
	case KEY_FAILURE:
		r = parse_kernel(w, key, v, 2, &c->failure);
		if (r == 0 && c->failure == 2)
			r = fail(w, "failure: 2 makes the kernel panic on audit failure; needle "
				    "refuses it (use 0 = silent or 1 = printk)");
		break;
	case KEY_DEFAULT_RULES:
		r = parse_choice(w, key, v, bools, &choice);
		c->default_rules = choice == 1;
		break;
	case KEY_LOG_DIR:
		if (v[0] != '/')
			return fail(w, "log_dir: '%s' is not an absolute path", v);
		if (strlen(v) >= sizeof(c->log_dir))
			return fail(w, "log_dir: longer than %zu bytes", sizeof(c->log_dir) - 1);
		strcpy(c->log_dir, v);
		break;
	case KEY_OUTPUT:
		r = parse_outputs(c, v, w);
		break;
	case KEY_MAX_LOG_FILE:
		r = parse_range(w, key, v, 0, 1ull << 40, &n);
		c->max_log_file = n;
		break;
	case KEY_NUM_LOGS:
		r = parse_range(w, key, v, 1, 999, &n);
		c->num_logs = (unsigned)n;
		break;
	case KEY_EVENT_TIMEOUT:
		r = parse_range(w, key, v, 10, 600000, &n);
		c->event_timeout_ms = n;
		break;
	case KEY_MAX_OPEN_EVENTS:
		r = parse_range(w, key, v, 16, 1u << 22, &n);
		c->max_open_events = (unsigned)n;
		break;
	case KEY_RESOLVE_IDS:
		r = parse_choice(w, key, v, bools, &choice);
		c->resolve_ids = choice == 1;
		break;
	case KEY_PROCESS_CONTEXT:
		r = parse_choice(w, key, v, bools, &choice);
		c->process_context = choice == 1;
		break;
	case KEY_ANCESTORS_DEPTH:
		r = parse_range(w, key, v, 0, 16, &n);
		c->ancestors_depth = (unsigned)n;
		break;
	case KEY_PROCESS_TABLE_SIZE:
		r = parse_range(w, key, v, 64, 1u << 22, &n);
		c->process_table_size = (unsigned)n;
		break;
	case KEY_METRICS_LISTEN: {
		struct sockaddr_storage addr;
		unsigned len;

		if (*v && metrics_parse_listen(v, &addr, &len) < 0)
			return fail(w, "metrics_listen: '%s' is not HOST:PORT (127.0.0.1:9477, "
				       "[::1]:9477) or empty for off",
				    v);
		if (strlen(v) >= sizeof(c->metrics_listen))
			return fail(w, "metrics_listen: too long");
		strcpy(c->metrics_listen, v);
		break;
	}
	case KEY_CONTROL_SOCKET:
		if (*v && v[0] != '/')
			return fail(w, "control_socket: '%s' is not an absolute path (or empty for off)", v);
		if (strlen(v) >= sizeof(c->control_socket))
			return fail(w, "control_socket: longer than %zu bytes",
				    sizeof(c->control_socket) - 1);
		strcpy(c->control_socket, v);
		break;
	case KEY_COMPRESS: {
		static const char *const comps[] = { "none", "lz4", NULL };

		r = parse_choice(w, key, v, comps, &choice);
		c->compress_lz4 = choice == 1;
		break;
	}
	default:
		break;
	}
	if (r == 0)
		c->set_mask |= 1u << id;
	return r;
}

/* Checks between keys, once the whole file is read. */
static int check_combinations(const struct conf *c, const struct where *w)
{
	static const enum key_id kernel_keys[] = { KEY_ENABLED, KEY_BACKLOG_LIMIT,
						   KEY_BACKLOG_WAIT_TIME, KEY_RATE_LIMIT,
						   KEY_FAILURE };

	if (c->mode != CONF_MODE_MULTICAST)
		return 0;
	if (c->default_rules)
		return fail(w, "mode = multicast loads no rules: set default_rules = no or use "
			       "mode = unicast");
	for (size_t i = 0; i < sizeof(kernel_keys) / sizeof(kernel_keys[0]); i++) {
		enum key_id id = kernel_keys[i];
		const int64_t *v = id == KEY_ENABLED		   ? &c->enabled
				   : id == KEY_BACKLOG_LIMIT	   ? &c->backlog_limit
				   : id == KEY_BACKLOG_WAIT_TIME ? &c->backlog_wait_time
				   : id == KEY_RATE_LIMIT	   ? &c->rate_limit
								   : &c->failure;

		if (*v != CONF_KEEP)
			return fail(w, "mode = multicast changes no kernel setting: set %s = keep "
				       "or use mode = unicast",
				    key_name[id]);
	}
	return 0;
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

int conf_parse(struct conf *conf, const char *origin, const char *text, size_t len, char *err,
	       size_t err_size)
{
	struct conf c = *conf;
	struct where w = { .origin = origin, .err = err, .err_size = err_size };
	uint32_t seen = 0;
	size_t pos = 0;

	c.set_mask = 0;
	while (pos < len) {
		char line[1024], *key, *value, *eq, *hash;
		size_t n = 0;
		int id;

		w.line++;
		while (pos < len && text[pos] != '\n') {
			if (text[pos] == '\0')
				return fail(&w, "NUL byte in the configuration");
			if (n + 1 >= sizeof(line))
				return fail(&w, "line longer than %zu bytes", sizeof(line) - 1);
			line[n++] = text[pos++];
		}
		line[n] = '\0';
		pos++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq)
			return fail(&w, "expected 'key = value', got '%s'", key);
		*eq = '\0';
		key = trim(key);
		value = trim(eq + 1);
		for (id = 0; id < KEY_COUNT; id++)
			if (strcmp(key, key_name[id]) == 0)
				break;
		if (id == KEY_COUNT)
			return fail(&w, "unknown key '%s' (README.md, Configuration, lists them)", key);
		if (seen & (1u << id))
			return fail(&w, "%s is set twice", key);
		seen |= 1u << id;
		if (!*value && id != KEY_METRICS_LISTEN && id != KEY_CONTROL_SOCKET)
			return fail(&w, "%s has no value", key);
		if (set_key(&c, (enum key_id)id, value, &w) < 0)
			return -EINVAL;
	}
	w.line = 0;
	if (check_combinations(&c, &w) < 0)
		return -EINVAL;
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

static void format_kernel(char *buf, size_t size, size_t *off, const char *key, int64_t v)
{
	int n = v == CONF_KEEP ? snprintf(buf + *off, size - *off, "%s = keep\n", key)
			       : snprintf(buf + *off, size - *off, "%s = %" PRId64 "\n", key, v);

	if (n > 0)
		*off = *off + (size_t)n < size ? *off + (size_t)n : size - 1;
}

void conf_format(const struct conf *c, char *buf, size_t size)
{
	char outputs[32];
	size_t off = 0;
	int n = snprintf(buf, size,
			 "mode = %s\nlistener_threads = %u\ndecoder_threads = %u\n"
			 "socket_buffer = %" PRIu64 "\nring_size = %" PRIu64 "\nring_full = %s\n",
			 c->mode == CONF_MODE_UNICAST ? "unicast" : "multicast", c->listener_threads,
			 c->decoder_threads, c->socket_buffer, c->ring_size,
			 c->ring_full == CONF_RING_BLOCK ? "block" : "drop");

	if (n < 0 || (size_t)n >= size)
		return;
	off = (size_t)n;
	format_kernel(buf, size, &off, "enabled", c->enabled);
	format_kernel(buf, size, &off, "backlog_limit", c->backlog_limit);
	format_kernel(buf, size, &off, "backlog_wait_time", c->backlog_wait_time);
	format_kernel(buf, size, &off, "rate_limit", c->rate_limit);
	format_kernel(buf, size, &off, "failure", c->failure);
	outputs[0] = '\0';
	if (c->output_json)
		strcat(outputs, ",json");
	if (c->output_raw)
		strcat(outputs, ",raw");
	if (c->output_enriched)
		strcat(outputs, ",enriched");
	if (c->output_stdout)
		strcat(outputs, ",stdout");
	snprintf(buf + off, size - off,
		 "default_rules = %s\nlog_dir = %s\noutput = %s\nmax_log_file = %" PRIu64
		 "\nnum_logs = %u\ncompress = %s\nevent_timeout = %" PRIu64
		 "\nmax_open_events = %u\nresolve_ids = %s\nprocess_context = %s\n"
		 "ancestors_depth = %u\nprocess_table_size = %u\nmetrics_listen = %s\n"
		 "control_socket = %s\n",
		 c->default_rules ? "yes" : "no", c->log_dir, outputs + 1, c->max_log_file,
		 c->num_logs, c->compress_lz4 ? "lz4" : "none", c->event_timeout_ms,
		 c->max_open_events, c->resolve_ids ? "yes" : "no",
		 c->process_context ? "yes" : "no", c->ancestors_depth, c->process_table_size,
		 c->metrics_listen, c->control_socket);
}
