/* SPDX-License-Identifier: MIT */
/*
 * conf: needle's configuration, auditd.conf style (`key = value`, `#`
 * comments). Parsing touches nothing outside the struct: a bad file is
 * refused before anything in the kernel changes.
 *
 * Kernel settings take a number or `keep` (leave the kernel's value alone).
 */
#ifndef NEEDLE_CONF_H
#define NEEDLE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum conf_mode { CONF_MODE_UNICAST, CONF_MODE_MULTICAST };
enum conf_ring_full { CONF_RING_BLOCK, CONF_RING_DROP };

#define CONF_KEEP INT64_MIN
#define CONF_METRICS_LISTEN "127.0.0.1:9477" /* the default endpoint */ /* kernel setting left as the kernel has it */

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
	/* Which keys the file set, for the checks between keys. */
	uint32_t set_mask;
};

/* The configuration `needle run` uses when no file is given. */
extern const char conf_embedded_default[];

/* Fills *conf with built-in values (those of a file with no keys). */
void conf_init(struct conf *conf);

/* Parses text (len bytes) named origin (a path, or "<embedded>") into conf,
 * on top of what conf holds. Returns 0, or -EINVAL with a message
 * "origin:line: what is wrong" in err. */
int conf_parse(struct conf *conf, const char *origin, const char *text, size_t len, char *err,
	       size_t err_size);

/* Unsigned number with an optional K/M/G suffix (powers of 1024); 0 or
 * -EINVAL. */
int conf_parse_size(const char *v, uint64_t *ret);

/* Reads and parses a file; -errno (with a message in err) if unreadable. */
int conf_load_file(struct conf *conf, const char *path, char *err, size_t err_size);

/* Writes the effective configuration as a config file would say it. */
void conf_format(const struct conf *conf, char *buf, size_t size);

#endif
