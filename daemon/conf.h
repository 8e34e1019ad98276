/* SPDX-License-Identifier: MIT */
/*
 * conf: needle's configuration, auditd.conf style (`key = value`, `#`
 * comments). Parsing touches nothing outside the struct: a bad file is
 * refused before anything in the kernel changes, with every error of the
 * file at once, each as FILE:LINE.
 *
 * Kernel settings take a number or `keep` (leave the kernel's value alone).
 * In multicast mode needle changes no kernel setting: they default to keep
 * there, and one given a value is an error.
 *
 * CONF_KEYS is the one list of keys. For each it says what SIGHUP does
 * with a change: CONF_LIVE keys are applied to the running needle,
 * CONF_NEXT_START keys are named in the log and keep their running value
 * (conf_reload_merge), with the reason.
 */
#ifndef NEEDLE_CONF_H
#define NEEDLE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum conf_mode { CONF_MODE_UNICAST, CONF_MODE_MULTICAST };
enum conf_ring_full { CONF_RING_BLOCK, CONF_RING_DROP };

#define CONF_KEEP INT64_MIN /* kernel setting left as the kernel has it */
#define CONF_METRICS_LISTEN "127.0.0.1:9477" /* the default endpoint */

/* Room for every error of a bad file (conf_parse's err). */
#define CONF_ERRORS_MAX 4096

enum conf_reload {
	CONF_LIVE = 1,       /* SIGHUP applies it */
	CONF_NEXT_START = 2, /* SIGHUP names it; the running value stays */
};

/* X(ID, name, reload, why it waits for the next start) */
#define CONF_KEYS(X)                                                                          \
	X(MODE, "mode", CONF_NEXT_START, "the socket is registered or joined at start")        \
	X(LISTENER_THREADS, "listener_threads", CONF_NEXT_START, "threads start with needle")  \
	X(DECODER_THREADS, "decoder_threads", CONF_NEXT_START,                                \
	  "each decoder has its ring, made at start")                                         \
	X(SOCKET_BUFFER, "socket_buffer", CONF_LIVE, NULL)                                    \
	X(RING_SIZE, "ring_size", CONF_NEXT_START, "the rings are allocated at start")         \
	X(RING_FULL, "ring_full", CONF_LIVE, NULL)                                            \
	X(ENABLED, "enabled", CONF_LIVE, NULL)                                                \
	X(BACKLOG_LIMIT, "backlog_limit", CONF_LIVE, NULL)                                    \
	X(BACKLOG_WAIT_TIME, "backlog_wait_time", CONF_LIVE, NULL)                            \
	X(RATE_LIMIT, "rate_limit", CONF_LIVE, NULL)                                          \
	X(FAILURE, "failure", CONF_LIVE, NULL)                                                \
	X(DEFAULT_RULES, "default_rules", CONF_NEXT_START,                                    \
	  "the default rules are loaded at start, when the kernel has none")                  \
	X(LOG_DIR, "log_dir", CONF_NEXT_START, "the log files are opened at start")           \
	X(OUTPUT, "output", CONF_NEXT_START, "the log files are opened at start")             \
	X(MAX_LOG_FILE, "max_log_file", CONF_NEXT_START, "the log files are opened at start") \
	X(NUM_LOGS, "num_logs", CONF_NEXT_START, "the log files are opened at start")         \
	X(COMPRESS, "compress", CONF_NEXT_START, "the log files are opened at start")         \
	X(EVENT_TIMEOUT, "event_timeout", CONF_LIVE, NULL)                                    \
	X(MAX_OPEN_EVENTS, "max_open_events", CONF_NEXT_START,                                \
	  "each decoder sizes its table of open events at start")                             \
	X(RESOLVE_IDS, "resolve_ids", CONF_LIVE, NULL)                                        \
	X(PROCESS_CONTEXT, "process_context", CONF_NEXT_START,                                \
	  "the process table is read from /proc at start and kept current from then on")      \
	X(ANCESTORS_DEPTH, "ancestors_depth", CONF_LIVE, NULL)                                \
	X(PROCESS_TABLE_SIZE, "process_table_size", CONF_LIVE, NULL)                          \
	X(METRICS_LISTEN, "metrics_listen", CONF_LIVE, NULL)                                  \
	X(CONTROL_SOCKET, "control_socket", CONF_LIVE, NULL)

enum conf_key {
#define X(id, name, reload, why) CONF_KEY_##id,
	CONF_KEYS(X)
#undef X
	CONF_KEY_COUNT
};

struct conf_key_info {
	const char *name;
	enum conf_reload reload;
	const char *why; /* CONF_NEXT_START: why it waits */
};
extern const struct conf_key_info conf_keys[CONF_KEY_COUNT];

struct conf {
	enum conf_mode mode;
	unsigned listener_threads;
	unsigned decoder_threads;   /* 0: one per online CPU */
	uint64_t socket_buffer;     /* bytes */
	uint64_t ring_size;         /* bytes per decoder ring */
	enum conf_ring_full ring_full;
	int64_t enabled;            /* 0, 1 or CONF_KEEP */
	int64_t backlog_limit;
	int64_t backlog_wait_time;  /* jiffies, as auditctl */
	int64_t rate_limit;
	int64_t failure;            /* 0 or 1; 2 (panic) is refused */
	bool default_rules;
	char log_dir[256];
	bool output_json;           /* log_dir/needle.json */
	bool output_raw;            /* log_dir/needle.log, auditd RAW */
	bool output_enriched;       /* log_dir/needle.enriched.log, auditd ENRICHED */
	bool output_stdout;         /* JSON lines on standard output */
	uint64_t max_log_file;      /* bytes; rotate past it (0: never) */
	unsigned num_logs;          /* generations kept, current included */
	bool compress_lz4;          /* LZ4 frames, files named .lz4 */
	uint64_t event_timeout_ms;  /* an event without its end is written after this */
	unsigned max_open_events;   /* per decoder; past it the oldest is written partial */
	bool resolve_ids;           /* uid/gid names in JSON (who.*_name, owner) */
	bool process_context;       /* where.ancestors, container, namespaces (proctable.h) */
	unsigned ancestors_depth;   /* parents listed in where.ancestors */
	unsigned process_table_size; /* processes remembered at most */
	char metrics_listen[128];   /* HOST:PORT of the Prometheus endpoint; "" off */
	char control_socket[108];   /* unix socket for needle stat; "" off */
	/* Which keys the last parse set (1 << enum conf_key). */
	uint32_t set_mask;
};

/* The configuration `needle run` uses when no file is given. */
extern const char conf_embedded_default[];

/* Fills *conf with built-in values (those of a file with no keys). */
void conf_init(struct conf *conf);

/* Parses text (len bytes) named origin (a path, or "<embedded>") into conf,
 * on top of what conf holds. Returns 0, or -EINVAL with every error in
 * err, one per line ("origin:line: what is wrong", lines joined by '\n';
 * give it CONF_ERRORS_MAX bytes), and conf untouched. */
int conf_parse(struct conf *conf, const char *origin, const char *text, size_t len, char *err,
	       size_t err_size);

/* Unsigned number with an optional K/M/G suffix (powers of 1024); 0 or
 * -EINVAL. */
int conf_parse_size(const char *v, uint64_t *ret);

/* Reads and parses a file; -errno (with a message in err) if unreadable. */
int conf_load_file(struct conf *conf, const char *path, char *err, size_t err_size);

/* conf_init, then path, or the embedded configuration when path is NULL. */
int conf_load(struct conf *conf, const char *path, char *err, size_t err_size);

/* One key's value as a config file would say it ("keep", "json,raw"...). */
void conf_format_key(const struct conf *conf, enum conf_key key, char *buf, size_t size);

/* Writes the effective configuration as a config file would say it. */
void conf_format(const struct conf *conf, char *buf, size_t size);

/* What SIGHUP does with key while needle runs as running says: the key's
 * own class, except that a needle running in multicast mode changes no
 * kernel setting. why (may be NULL) gets the reason of CONF_NEXT_START. */
enum conf_reload conf_key_reload(const struct conf *running, enum conf_key key, const char **why);

/* SIGHUP's decision. ret gets the configuration to run with: next's value
 * of every CONF_LIVE key, running's of every CONF_NEXT_START key. report
 * gets one line per key that differs ("ancestors_depth: 4 -> 1" or
 * "ring_size: 16777216 -> 1048576 takes effect at the next start (the
 * rings are allocated at start)"), joined by '\n'; changed (may be NULL)
 * gets a bit per such key (1 << enum conf_key). Returns how many keys
 * differ. */
unsigned conf_reload_merge(const struct conf *running, const struct conf *next, struct conf *ret,
			   char *report, size_t report_size, uint32_t *changed);

#endif
