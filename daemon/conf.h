/* SPDX-License-Identifier: MIT */
/*
 * conf: needle's configuration, auditd.conf style (`key = value`, `#`
 * comments). Parsing touches nothing outside the struct: a bad file is
 * refused before anything in the kernel changes, with every error of the
 * file at once, each as FILE:LINE.
 *
 * CONF_KEYS is the one table of keys; everything else about a key comes
 * from its row: the enum, the parser and its error messages, conf_init's
 * values, the embedded configuration (built from the rows at compile
 * time), conf_format (`needle config`) and SIGHUP's decision
 * (conf_reload_merge). tests/unit/test-conf.c walks the table and checks
 * README's Configuration table against it.
 *
 * Kernel settings take a number or `keep` (leave the kernel's value alone).
 * In multicast mode needle changes no kernel setting and loads no rules:
 * the keys with a multicast value default to it there, and a file that
 * gives them another is refused.
 */
#ifndef NEEDLE_CONF_H
#define NEEDLE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum conf_mode { CONF_MODE_UNICAST, CONF_MODE_MULTICAST };
enum conf_rules_immutable { CONF_IMMUTABLE_APPLY, CONF_IMMUTABLE_SKIP };
enum conf_ring_full { CONF_RING_BLOCK, CONF_RING_DROP };

#define CONF_KEEP INT64_MIN /* kernel setting left as the kernel has it */
#define CONF_METRICS_LISTEN "127.0.0.1:9477" /* the default endpoint */

/* Room for every error of a bad file (conf_parse's err). */
#define CONF_ERRORS_MAX 4096
/* Room for conf_format's text, whatever the values (test-conf checks). */
#define CONF_TEXT_MAX 16384

enum conf_reload {
	CONF_LIVE = 1,       /* SIGHUP applies it */
	CONF_NEXT_START = 2, /* SIGHUP names it; the running value stays */
};

/* What a key's value is, which says how it is parsed and printed. */
enum conf_type {
	CONF_BOOL = 1, /* yes or no; a bool field */
	CONF_CHOICE,   /* one of .choices; the field holds its index */
	CONF_NUMBER,   /* a decimal number from .min to .max (in .unit); no suffix */
	CONF_SIZE,     /* bytes from .min to .max, with an optional K, M or G suffix
			* (powers of 1024); printed with the largest exact one */
	CONF_KERNEL,   /* a kernel setting: keep, or a number from .min to .max */
	CONF_TEXT,     /* text that .check accepts, into a char array; empty is
			* allowed, and means off, where .off */
	CONF_LIST,     /* comma-separated names of .choices, at least one; stored
			* by .list_set as a bit per choice */
};

struct conf;
struct conf_key_info;

/* A key's extra refusal, after its type's parse: NULL when the value is
 * fine, else what is wrong (may be written in buf), which follows
 * "KEY: " in the error. n is the parsed number (0 for CONF_TEXT). */
typedef const char *conf_check_fn(const struct conf_key_info *key, const char *text, uint64_t n,
				  char *buf, size_t size);

/*
 * The table: one row per key, in the order `needle config` prints them.
 *   X(ID, name, default, doc, row...)
 * default: the embedded configuration's value, written as in a file (and
 *   as conf_format prints it back); doc: one line, printed above the key
 *   by `needle config`; row: designated initializers of struct
 *   conf_key_info (below): .type and what that type needs, CONF_FIELD(the
 *   struct conf field), .builtin where a file that leaves the key out gets
 *   another value than default, .installed where the installed file sets
 *   the key (rules: the service loads /etc/audit/rules.d as auditd's does), CONF_IN_MULTICAST(value, why) where
 *   multicast mode allows only value, .check where the type's parse is not
 *   enough, and .reload (with .why for CONF_NEXT_START).
 * The rows name conf.c's static hooks (check_*, outputs_*), conf-values.c's
 * checks (conf_check_*) and pipeline.h's thread limits: CONF_KEYS(X) with a
 * full row expands only in conf.c.
 */
#define CONF_FIELD(f) .offset = offsetof(struct conf, f), .size = sizeof(((struct conf *)0)->f)
#define CONF_CHOICES(...) .choices = (const char *const[]){ __VA_ARGS__, NULL }
#define CONF_IN_MULTICAST(value, what)                                                    \
	.multicast = value, .multicast_what = what,                                        \
	.multicast_why = "needle runs in multicast mode, which " what

/* Checks of conf-values.c, named in the rows below. */
conf_check_fn conf_check_space, conf_check_group;

#define CONF_KEYS(X)                                                                      \
	X(MODE, "mode", "unicast",                                                         \
	  "unicast: the audit daemon; multicast: a passive reader beside auditd or journald", \
	  .type = CONF_CHOICE, CONF_FIELD(mode), CONF_CHOICES("unicast", "multicast"),     \
	  .reload = CONF_NEXT_START, .why = "the socket is registered or joined at start") \
	X(LISTENER_THREADS, "listener_threads", "1",                                       \
	  "threads receiving from the audit socket; more than one: multi-producer rings",  \
	  .type = CONF_NUMBER, CONF_FIELD(listener_threads), .min = 1,                     \
	  .max = PIPELINE_MAX_LISTENERS,                                                   \
	  .reload = CONF_NEXT_START, .why = "threads start with needle")                   \
	X(DECODER_THREADS, "decoder_threads", "0",                                         \
	  "decoder threads, each with its own ring; 0: one per online CPU",                \
	  .type = CONF_NUMBER, CONF_FIELD(decoder_threads), .min = 0,                      \
	  .max = PIPELINE_MAX_DECODERS,                                                    \
	  .reload = CONF_NEXT_START, .why = "each decoder has its ring, made at start")    \
	X(SOCKET_BUFFER, "socket_buffer", "64M",                                           \
	  "receive buffer asked for the audit socket (the kernel grants twice that)",      \
	  .type = CONF_SIZE, CONF_FIELD(socket_buffer), .min = 64ull << 10,                \
	  .max = 1ull << 30, .reload = CONF_LIVE)                                          \
	X(RING_SIZE, "ring_size", "16M", "bytes per decoder ring, a power of two",         \
	  .type = CONF_SIZE, CONF_FIELD(ring_size), .min = 64ull << 10, .max = 1ull << 30, \
	  .check = check_power_of_two,                                                     \
	  .reload = CONF_NEXT_START, .why = "the rings are allocated at start")            \
	X(RING_FULL, "ring_full", "block",                                                 \
	  "block: a listener waits for room; drop: records that do not fit are counted",   \
	  .type = CONF_CHOICE, CONF_FIELD(ring_full), CONF_CHOICES("block", "drop"),       \
	  .reload = CONF_LIVE)                                                             \
	X(ENABLED, "enabled", "1",                                                         \
	  "kernel audit on (1) or off (0) while needle runs, or keep; 2 (lock) is refused", \
	  .type = CONF_KERNEL, CONF_FIELD(enabled), .max = 2, .check = check_not_locked,   \
	  CONF_IN_MULTICAST("keep", "changes no kernel setting"), .reload = CONF_LIVE)     \
	X(BACKLOG_LIMIT, "backlog_limit", "65536",                                         \
	  "the kernel's backlog limit while needle runs, or keep",                         \
	  .type = CONF_KERNEL, CONF_FIELD(backlog_limit), .max = UINT32_MAX,               \
	  CONF_IN_MULTICAST("keep", "changes no kernel setting"), .reload = CONF_LIVE)     \
	/* The kernel refuses more than 10 * AUDIT_BACKLOG_WAIT_TIME. */                  \
	X(BACKLOG_WAIT_TIME, "backlog_wait_time", "keep",                                  \
	  "jiffies an audited process waits when the backlog is full, or keep",            \
	  .type = CONF_KERNEL, CONF_FIELD(backlog_wait_time), .max = 600000,               \
	  .unit = "jiffies", CONF_IN_MULTICAST("keep", "changes no kernel setting"),       \
	  .reload = CONF_LIVE)                                                             \
	X(RATE_LIMIT, "rate_limit", "keep",                                                \
	  "records per second the kernel allows (0: no limit), or keep",                   \
	  .type = CONF_KERNEL, CONF_FIELD(rate_limit), .max = UINT32_MAX,                  \
	  .unit = "records per second", CONF_IN_MULTICAST("keep", "changes no kernel setting"), \
	  .reload = CONF_LIVE)                                                             \
	X(FAILURE, "failure", "keep",                                                      \
	  "on audit failure the kernel is 0 silent or 1 printk, or keep; 2 (panic) is refused", \
	  .type = CONF_KERNEL, CONF_FIELD(failure), .max = 2, .check = check_no_panic,     \
	  CONF_IN_MULTICAST("keep", "changes no kernel setting"), .reload = CONF_LIVE)     \
	X(DEFAULT_RULES, "default_rules", "yes",                                           \
	  "load needle's built-in rules when the kernel has none (a file that leaves it out: no)", \
	  .type = CONF_BOOL, CONF_FIELD(default_rules), .builtin = "no",                   \
	  CONF_IN_MULTICAST("no", "loads no rules"), .reload = CONF_NEXT_START,            \
	  .why = "the default rules are loaded at start, when the kernel has none")        \
	X(RULES, "rules", "augenrules",                                                    \
	  "rules loaded at start: augenrules (/etc/audit/rules.d), a file, or none",           \
	  .type = CONF_TEXT, CONF_FIELD(rules), .builtin = "none", .installed = "augenrules", \
	  .check = check_rules,                                                            \
	  CONF_IN_MULTICAST("none", "loads no rules"), .reload = CONF_NEXT_START,          \
	  .why = "the rules are loaded at start")                                         \
	X(RULES_IMMUTABLE, "rules_immutable", "apply",                                     \
	  "the rules' -e 2 and --loginuid-immutable (they last until reboot): apply or skip",     \
	  .type = CONF_CHOICE, CONF_FIELD(rules_immutable), CONF_CHOICES("apply", "skip"), \
	  .reload = CONF_NEXT_START, .why = "the rules are loaded at start")               \
	X(RULES_CHECK_INTERVAL, "rules_check_interval", "60",                              \
	  "seconds between two looks at the kernel's rules for changes by others; 0: off", \
	  .type = CONF_NUMBER, CONF_FIELD(rules_check_interval), .min = 0, .max = 86400,   \
	  .unit = "seconds", .reload = CONF_LIVE)                                          \
	X(LOG_DIR, "log_dir", "/var/log/needle",                                           \
	  "where the log files go (created 0700; files 0600, or as log_group says)",       \
	  .type = CONF_TEXT, CONF_FIELD(log_dir), .check = check_absolute_path,            \
	  .reload = CONF_NEXT_START, .why = "the log files are opened at start")           \
	X(OUTPUT, "output", "json,raw",                                                    \
	  "comma-separated: json, raw, enriched (auditd's), stdout (JSON), nats (JetStream)", \
	  .type = CONF_LIST, CONF_CHOICES("json", "raw", "enriched", "stdout", "nats"),    \
	  .list_get = outputs_get, .list_set = outputs_set,                                \
	  .reload = CONF_NEXT_START, .why = "the log files are opened at start")           \
	X(MAX_LOG_FILE, "max_log_file", "100M",                                            \
	  "rotate a log file when it reaches this size; 0: never",                         \
	  .type = CONF_SIZE, CONF_FIELD(max_log_file), .min = 0, .max = 1ull << 40,        \
	  .reload = CONF_NEXT_START, .why = "the log files are opened at start")           \
	X(NUM_LOGS, "num_logs", "5", "generations kept per log file, the current one included", \
	  .type = CONF_NUMBER, CONF_FIELD(num_logs), .min = 1, .max = 999,                 \
	  .reload = CONF_NEXT_START, .why = "the log files are opened at start")           \
	X(COMPRESS, "compress", "none", "none, or lz4: LZ4 frames (lz4 -dc reads them)",   \
	  .type = CONF_CHOICE, CONF_FIELD(compress_lz4), CONF_CHOICES("none", "lz4"),      \
	  .reload = CONF_NEXT_START, .why = "the log files are opened at start")           \
	X(ROTATE_EVERY, "rotate_every", "0",                                               \
	  "also rotate at each new hour or day of local time: 0 (never), hourly or daily", \
	  .type = CONF_CHOICE, CONF_FIELD(rotate_every), CONF_CHOICES("0", "hourly", "daily"), \
	  .reload = CONF_LIVE)                                                             \
	X(LOG_GROUP, "log_group", "root",                                                  \
	  "group that may read the logs (files 0640, log_dir 0750); root: only root (0600)", \
	  .type = CONF_TEXT, CONF_FIELD(log_group), .check = conf_check_group,                 \
	  .reload = CONF_NEXT_START, .why = "the log files are opened at start")           \
	X(FLUSH, "flush", "incremental_async",                                             \
	  "how writes reach the disk: none, incremental, incremental_async, data or sync", \
	  .type = CONF_CHOICE, CONF_FIELD(flush),                                          \
	  CONF_CHOICES("none", "incremental", "incremental_async", "data", "sync"),        \
	  .reload = CONF_NEXT_START, .why = "the log files are opened at start")           \
	X(FREQ, "freq", "50", "events written between two fsyncs (flush = incremental*)",  \
	  .type = CONF_NUMBER, CONF_FIELD(freq), .min = 1, .max = 1000000, .unit = "events", \
	  .reload = CONF_NEXT_START, .why = "the log files are opened at start")           \
	X(SPACE_LEFT, "space_left", "75",                                                  \
	  "MiB free in log_dir (or N% of its file system) below which space_left_action acts", \
	  .type = CONF_TEXT, CONF_FIELD(space_left), .check = conf_check_space, .reload = CONF_LIVE) \
	X(SPACE_LEFT_ACTION, "space_left_action", "syslog",                                \
	  "below space_left: ignore, syslog (warn), rotate (delete the oldest) or suspend", \
	  .type = CONF_CHOICE, CONF_FIELD(space_left_action),                              \
	  CONF_CHOICES("ignore", "syslog", "rotate", "suspend"), .reload = CONF_LIVE)      \
	X(ADMIN_SPACE_LEFT, "admin_space_left", "50",                                      \
	  "MiB free in log_dir (or N%) below which admin_space_left_action acts",          \
	  .type = CONF_TEXT, CONF_FIELD(admin_space_left), .check = conf_check_space,           \
	  .reload = CONF_LIVE)                                                             \
	X(ADMIN_SPACE_LEFT_ACTION, "admin_space_left_action", "suspend",                   \
	  "below admin_space_left: ignore, syslog, rotate or suspend (writing)",           \
	  .type = CONF_CHOICE, CONF_FIELD(admin_space_left_action),                        \
	  CONF_CHOICES("ignore", "syslog", "rotate", "suspend"), .reload = CONF_LIVE)      \
	X(DISK_FULL_ACTION, "disk_full_action", "suspend",                                 \
	  "when log_dir is full: ignore (the writes fail), rotate or suspend (writing)",   \
	  .type = CONF_CHOICE, CONF_FIELD(disk_full_action),                               \
	  CONF_CHOICES("ignore", "rotate", "suspend"), .reload = CONF_LIVE)                \
	X(EVENT_TIMEOUT, "event_timeout", "2000",                                          \
	  "milliseconds after which an event still without its end is written, partial",   \
	  .type = CONF_NUMBER, CONF_FIELD(event_timeout_ms), .min = 10, .max = 600000,     \
	  .unit = "milliseconds", .reload = CONF_LIVE)                                     \
	X(MAX_OPEN_EVENTS, "max_open_events", "16384",                                     \
	  "events being assembled per decoder; past it the oldest is written, partial",    \
	  .type = CONF_NUMBER, CONF_FIELD(max_open_events), .min = 16, .max = 1u << 22,    \
	  .reload = CONF_NEXT_START,                                                       \
	  .why = "each decoder sizes its table of open events at start")                   \
	X(RESOLVE_IDS, "resolve_ids", "yes",                                               \
	  "uid and gid names in JSON (who.*_name, owner); ENRICHED always has them",       \
	  .type = CONF_BOOL, CONF_FIELD(resolve_ids), .reload = CONF_LIVE)                 \
	X(PROCESS_CONTEXT, "process_context", "yes",                                       \
	  "process context in JSON events: where.ancestors, container, namespaces",        \
	  .type = CONF_BOOL, CONF_FIELD(process_context), .reload = CONF_NEXT_START,       \
	  .why = "the process table is read from /proc at start and kept current from then on") \
	X(PROCESS_EVENTS, "process_events", "yes",                                         \
	  "follow every fork, exec and exit through the kernel's proc connector",          \
	  .type = CONF_BOOL, CONF_FIELD(process_events), .reload = CONF_NEXT_START,        \
	  .why = "the connector's socket and thread are made at start")                    \
	X(ANCESTORS_DEPTH, "ancestors_depth", "4", "parents listed in where.ancestors",    \
	  .type = CONF_NUMBER, CONF_FIELD(ancestors_depth), .min = 0, .max = 16,           \
	  .reload = CONF_LIVE)                                                             \
	X(PROCESS_TABLE_SIZE, "process_table_size", "32768",                               \
	  "processes the process table keeps at most",                                     \
	  .type = CONF_NUMBER, CONF_FIELD(process_table_size), .min = 64, .max = 1u << 22, \
	  .reload = CONF_LIVE)                                                             \
	X(METRICS_LISTEN, "metrics_listen", CONF_METRICS_LISTEN,                           \
	  "HOST:PORT of the Prometheus endpoint ([::1]:9477 for IPv6); empty: off",        \
	  .type = CONF_TEXT, CONF_FIELD(metrics_listen), .off = true,                      \
	  .check = check_listen, .reload = CONF_LIVE)                                      \
	X(CONTROL_SOCKET, "control_socket", "/run/needle/control",                         \
	  "unix socket that needle stat reads (0600); empty: off",                         \
	  .type = CONF_TEXT, CONF_FIELD(control_socket), .off = true,                      \
	  .check = check_absolute_path, .reload = CONF_LIVE)                               \
	X(PLUGIN_DIR, "plugin_dir", "/etc/audit/plugins.d",                                \
	  "auditd's plugin files, started and fed as auditd does; empty: no plugins",      \
	  .type = CONF_TEXT, CONF_FIELD(plugin_dir), .off = true,                          \
	  .check = check_absolute_path,                                                    \
	  CONF_IN_MULTICAST("", "starts no plugins: the audit daemon beside it feeds them"), \
	  .reload = CONF_NEXT_START, .why = "plugins are started at start")                \
	X(PLUGIN_QUEUE_SIZE, "plugin_queue_size", "4M",                                    \
	  "bytes queued per plugin; past it records are dropped for that plugin, counted", \
	  .type = CONF_SIZE, CONF_FIELD(plugin_queue_size), .min = 64ull << 10,            \
	  .max = 1ull << 30, .reload = CONF_NEXT_START,                                    \
	  .why = "the plugins' queues are made at start")                                  \
	X(MAX_RESTARTS, "max_restarts", "10",                                              \
	  "times a plugin that exits is started again (auditd's max_restarts)",            \
	  .type = CONF_NUMBER, CONF_FIELD(max_restarts), .min = 0, .max = 10000,           \
	  .reload = CONF_LIVE)                                                             \
	X(FILTER_FILE, "filter_file", "",                                                  \
	  "filter rules applied before formatting (README: Filters); empty: none",          \
	  .type = CONF_TEXT, CONF_FIELD(filter_file), .off = true,                         \
	  .installed = NEEDLE_CONFDIR "/needle.filter",                                    \
	  .check = check_absolute_path, .reload = CONF_LIVE)                               \
	CONF_NATS_KEYS(X)

/*
 * output = nats: each event one message to a NATS JetStream stream
 * (pipeline/nats-out.h), sent from a spool on disk. Every key waits for
 * the next start: the connection, the stream and the spool are set up
 * once. Checks in conf-nats.c.
 */
#define CONF_NATS_WHY .reload = CONF_NEXT_START, \
	.why = "the NATS connection, the stream and the spool are set up at start"
conf_check_fn conf_check_nats_urls, conf_check_nats_stream, conf_check_nats_subject,
	conf_check_readable_file, conf_check_nats_creds;
/* NULL when path is a credentials file that holds a user JWT and a
 * well-formed user NKey seed, else what is wrong with it (in buf): for
 * nats_creds and needle gather's --creds. */
const char *conf_nats_creds_problem(const char *path, char *buf, size_t size);
#define CONF_NATS_KEYS(X)                                                                 \
	X(NATS_URL, "nats_url", "nats://127.0.0.1:4222",                                   \
	  "NATS servers, comma-separated (nats://HOST:PORT or tls://HOST:PORT): a cluster", \
	  .type = CONF_TEXT, CONF_FIELD(nats_url), .check = conf_check_nats_urls,          \
	  CONF_NATS_WHY)                                                                   \
	X(NATS_STREAM, "nats_stream", "NEEDLE",                                            \
	  "JetStream stream the events go to; created when missing, else used as it is",   \
	  .type = CONF_TEXT, CONF_FIELD(nats_stream), .any_text = true,                    \
	  .check = conf_check_nats_stream, CONF_NATS_WHY)                                  \
	X(NATS_SUBJECT, "nats_subject", "needle.events.{host}",                            \
	  "subject of each event; {host}: this host's name, {key}: the event's first key", \
	  .type = CONF_TEXT, CONF_FIELD(nats_subject), .any_text = true,                   \
	  .check = conf_check_nats_subject, CONF_NATS_WHY)                                 \
	X(NATS_FORMAT, "nats_format", "json",                                              \
	  "each message holds the event's JSON line (json) or its auditd RAW lines (raw)", \
	  .type = CONF_CHOICE, CONF_FIELD(nats_format), CONF_CHOICES("json", "raw"),       \
	  CONF_NATS_WHY)                                                                   \
	X(NATS_CREDS, "nats_creds", "",                                                    \
	  "a NATS credentials file (user JWT and NKey seed); empty: none",                 \
	  .type = CONF_TEXT, CONF_FIELD(nats_creds), .off = true,                          \
	  .check = conf_check_nats_creds, CONF_NATS_WHY)                                   \
	X(NATS_USER, "nats_user", "", "NATS user name, with nats_password; empty: none",   \
	  .type = CONF_TEXT, CONF_FIELD(nats_user), .off = true, .any_text = true,         \
	  CONF_NATS_WHY)                                                                   \
	X(NATS_PASSWORD, "nats_password", "",                                              \
	  "the NATS user's password; needle config shows it as (secret)",                  \
	  .type = CONF_TEXT, CONF_FIELD(nats_password), .off = true, .any_text = true,     \
	  .secret = true, CONF_NATS_WHY)                                                   \
	X(NATS_TOKEN, "nats_token", "",                                                    \
	  "a NATS authentication token instead, shown as (secret); empty: none",           \
	  .type = CONF_TEXT, CONF_FIELD(nats_token), .off = true, .any_text = true,        \
	  .secret = true, CONF_NATS_WHY)                                                   \
	X(NATS_TLS_CA, "nats_tls_ca", "",                                                  \
	  "CA certificates (PEM) the servers' certificates are checked against; empty: the system's", \
	  .type = CONF_TEXT, CONF_FIELD(nats_tls_ca), .off = true,                         \
	  .check = conf_check_readable_file, CONF_NATS_WHY)                                \
	X(NATS_TLS_CERT, "nats_tls_cert", "",                                              \
	  "this host's client certificate (PEM), with nats_tls_key; empty: none",          \
	  .type = CONF_TEXT, CONF_FIELD(nats_tls_cert), .off = true,                       \
	  .check = conf_check_readable_file, CONF_NATS_WHY)                                \
	X(NATS_TLS_KEY, "nats_tls_key", "", "the client certificate's private key (PEM)",  \
	  .type = CONF_TEXT, CONF_FIELD(nats_tls_key), .off = true,                        \
	  .check = conf_check_readable_file, CONF_NATS_WHY)                                \
	X(NATS_REPLICAS, "nats_replicas", "1",                                             \
	  "copies of each message the cluster keeps, for a stream needle creates",         \
	  .type = CONF_NUMBER, CONF_FIELD(nats_replicas), .min = 1, .max = 5, CONF_NATS_WHY) \
	X(NATS_MAX_AGE, "nats_max_age", "0",                                               \
	  "seconds a stream needle creates keeps a message; 0: no limit",                  \
	  .type = CONF_NUMBER, CONF_FIELD(nats_max_age), .min = 0, .max = 3153600000ull,   \
	  .unit = "seconds", CONF_NATS_WHY)                                                \
	X(NATS_MAX_BYTES, "nats_max_bytes", "0",                                           \
	  "bytes a stream needle creates keeps at most (the oldest go first); 0: no limit", \
	  .type = CONF_SIZE, CONF_FIELD(nats_max_bytes), .min = 0, .max = 1ull << 50,      \
	  CONF_NATS_WHY)                                                                   \
	X(NATS_DUPLICATE_WINDOW, "nats_duplicate_window", "120",                           \
	  "seconds the stream drops a message id seen before; covers resends (README)",    \
	  .type = CONF_NUMBER, CONF_FIELD(nats_duplicate_window), .min = 1, .max = 86400,  \
	  .unit = "seconds", CONF_NATS_WHY)                                                \
	X(NATS_MAX_PENDING, "nats_max_pending", "4096",                                    \
	  "messages sent and not yet acknowledged by the stream, at most",                 \
	  .type = CONF_NUMBER, CONF_FIELD(nats_max_pending), .min = 1, .max = 65536,       \
	  .unit = "messages", CONF_NATS_WHY)                                               \
	X(SPOOL_MAX, "spool_max", "1G",                                                    \
	  "bytes of messages the spool (log_dir/spool) keeps until acknowledged; past it: lost", \
	  .type = CONF_SIZE, CONF_FIELD(spool_max), .min = 1ull << 20, .max = 1ull << 40,  \
	  CONF_NATS_WHY)

enum conf_key {
#define X(id, ...) CONF_KEY_##id,
	CONF_KEYS(X)
#undef X
	CONF_KEY_COUNT
};

struct conf_key_info {
	const char *name;
	const char *def;     /* the embedded configuration's value */
	const char *builtin; /* a file that leaves the key out, if not def */
	/* The installed configuration file (conf-doc.h) sets the key to this
	 * value, not commented out (NULL: commented out at its built-in). */
	const char *installed;
	const char *doc;     /* one line */
	enum conf_type type;
	size_t offset, size; /* the struct conf field (not CONF_LIST) */
	uint64_t min, max;   /* CONF_NUMBER, CONF_SIZE, CONF_KERNEL */
	const char *unit;    /* CONF_NUMBER, CONF_KERNEL: what the number counts */
	const char *const *choices; /* CONF_CHOICE, CONF_LIST (NULL-terminated) */
	bool off;            /* CONF_TEXT: empty is a value, and means off */
	/* CONF_TEXT: a name or a secret, where any word (even "1x") may be
	 * right: nothing to refuse by its form alone. */
	bool any_text;
	/* Never in a log line (SIGHUP's report) nor, unless asked, in what
	 * needle config prints: CONF_SECRET_MASK stands for a value set. */
	bool secret;
	conf_check_fn *check;
	uint32_t (*list_get)(const struct conf *conf);
	void (*list_set)(struct conf *conf, uint32_t mask);
	/* Multicast mode: the only value allowed, the default there, and why. */
	const char *multicast, *multicast_what, *multicast_why;
	enum conf_reload reload;
	const char *why;     /* CONF_NEXT_START: why it waits */
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
	char rules[256];            /* "augenrules", "none" or an absolute path */
	enum conf_rules_immutable rules_immutable; /* -e 2 in the rules */
	unsigned rules_check_interval; /* seconds; 0: the rule watch is off */
	char log_dir[256];
	bool output_json;           /* log_dir/needle.json */
	bool output_raw;            /* log_dir/needle.log, auditd RAW */
	bool output_enriched;       /* log_dir/needle.enriched.log, auditd ENRICHED */
	bool output_stdout;         /* JSON lines on standard output */
	bool output_nats;           /* a NATS JetStream stream (the nats_* keys) */
	uint64_t max_log_file;      /* bytes; rotate past it (0: never) */
	unsigned num_logs;          /* generations kept, current included */
	bool compress_lz4;          /* LZ4 frames, files named .lz4 */
	unsigned rotate_every;      /* 0 never, 1 hourly, 2 daily (local time) */
	char log_group[64];         /* a group name or number; root: none */
	unsigned flush;             /* none, incremental, incremental_async, data, sync */
	unsigned freq;              /* events between fsyncs (incremental*) */
	char space_left[16];        /* MiB, or N% (conf_space reads it) */
	unsigned space_left_action; /* ignore, syslog, rotate, suspend */
	char admin_space_left[16];
	unsigned admin_space_left_action;
	unsigned disk_full_action;  /* ignore, rotate, suspend */
	uint64_t event_timeout_ms;  /* an event without its end is written after this */
	unsigned max_open_events;   /* per decoder; past it the oldest is written partial */
	bool resolve_ids;           /* uid/gid names in JSON (who.*_name, owner) */
	bool process_context;       /* where.ancestors, container, namespaces (proctable.h) */
	bool process_events;        /* proc connector feeds the table (procwatch.h) */
	unsigned ancestors_depth;   /* parents listed in where.ancestors */
	unsigned process_table_size; /* processes remembered at most */
	char metrics_listen[128];   /* HOST:PORT of the Prometheus endpoint; "" off */
	char control_socket[108];   /* unix socket for needle stat; "" off */
	char plugin_dir[256];       /* auditd's plugin files; "" no plugins */
	uint64_t plugin_queue_size; /* bytes queued per plugin */
	unsigned max_restarts;      /* a plugin that exits is started again this often */
	char filter_file[256];      /* filter rules (daemon/filter-file.h); "" none */
	char nats_url[256];         /* comma-separated nats:// or tls:// URLs */
	char nats_stream[64];
	char nats_subject[256];     /* with {host} and {key} */
	unsigned nats_format;       /* 0 json, 1 raw */
	char nats_creds[256];       /* "" none */
	char nats_user[128];
	char nats_password[128];
	char nats_token[256];
	char nats_tls_ca[256];
	char nats_tls_cert[256];
	char nats_tls_key[256];
	unsigned nats_replicas;
	uint64_t nats_max_age;      /* seconds; 0: no limit */
	uint64_t nats_max_bytes;    /* 0: no limit */
	unsigned nats_duplicate_window; /* seconds */
	unsigned nats_max_pending;  /* messages in flight */
	uint64_t spool_max;         /* bytes */
	/* Which keys the last parse set (1 << enum conf_key). */
	uint64_t set_mask;
};

/* Conflicts between the nats keys, once a file is read (conf-nats.c):
 * fail(arg, line, message) for each, line that of the first key of the
 * pair the file sets (0: none). */
typedef void conf_conflict_fn(void *arg, unsigned line, const char *msg);
void conf_nats_conflicts(const struct conf *c, const unsigned *line, conf_conflict_fn *fail,
			 void *arg);

/* A plain decimal number: digits only, no sign, no suffix. 0 or -EINVAL. */
int conf_parse_decimal(const char *text, uint64_t *ret);

/* space_left's and admin_space_left's text: MiB, or a percentage of the
 * file system ("25%", 1 to 99). 0 or -EINVAL. */
int conf_space(const char *text, uint64_t *ret_mib, unsigned *ret_percent);

/* log_group's text: a group name of this machine or a number. 0 or
 * -ENOENT (no such group). */
int conf_group_id(const char *text, uint32_t *ret_gid);

/* The configuration `needle run` uses when no file is given, made from
 * the table's defaults and docs; conf_format prints it back unchanged. */
extern const char conf_embedded_default[];

/* Fills *conf with built-in values (those of a file with no keys): each
 * key's .builtin, else its default. */
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

/* A size as a file would say it, with the largest suffix that is exact
 * ("64M", "1000"); conf_parse_size reads it back. */
void conf_format_size(uint64_t n, char *buf, size_t size);

/* Reads and parses a file; -errno (with a message in err) if unreadable. */
int conf_load_file(struct conf *conf, const char *path, char *err, size_t err_size);

/* conf_init, then path, or the embedded configuration when path is NULL. */
int conf_load(struct conf *conf, const char *path, char *err, size_t err_size);

/* One key's value as a config file would say it ("keep", "json,raw",
 * "64M"...); conf_parse reads it back to the same value. Secrets too: for
 * comparing (SIGHUP) and for reading back, never for printing as it is. */
void conf_format_key(const struct conf *conf, enum conf_key key, char *buf, size_t size);

/* What needle config prints (and SIGHUP's report says) in place of a
 * secret key's value (nats_password, nats_token) that is set; empty stays
 * empty. The parser refuses it as a value: a printed configuration pasted
 * back into a file is said to lack its secrets, not taken as a password. */
#define CONF_SECRET_MASK "(secret)"

/* conf_format_key for showing: with secrets false, a secret key that is
 * set comes out as CONF_SECRET_MASK. */
void conf_show_key(const struct conf *conf, enum conf_key key, bool secrets, char *buf,
		   size_t size);

/* Writes the configuration as a config file would say it, each key below
 * its doc line (`needle config`), the secrets as conf_show_key says;
 * returns the length of the whole text (more than size - 1: cut short).
 * With secrets true, conf_parse reads it back to the same configuration. */
size_t conf_format(const struct conf *conf, bool secrets, char *buf, size_t size);

/* What SIGHUP does with key while needle runs as running says: the key's
 * own class, except that a needle running in multicast mode changes none
 * of the keys that have a multicast value. why (may be NULL) gets the
 * reason of CONF_NEXT_START. */
enum conf_reload conf_key_reload(const struct conf *running, enum conf_key key, const char **why);

/* SIGHUP's decision. ret gets the configuration to run with: next's value
 * of every CONF_LIVE key, running's of every CONF_NEXT_START key. report
 * gets one line per key that differs ("ancestors_depth: 4 -> 1" or
 * "ring_size: 16M -> 1M takes effect at the next start (the rings are
 * allocated at start)"), joined by '\n'; changed (may be NULL) gets a bit
 * per such key (1 << enum conf_key). Returns how many keys differ. */
unsigned conf_reload_merge(const struct conf *running, const struct conf *next, struct conf *ret,
			   char *report, size_t report_size, uint64_t *changed);

#endif
