/* SPDX-License-Identifier: MIT */
/*
 * hostlog: where needle gather writes, and what it remembers having
 * written. One pair of files per host under the output folder, HOST.json
 * and HOST.log (RAW or ENRICHED lines), each HOST.*.lz4 when compressed and
 * rotated as needle run's logs are (pipeline/sink.h); or standard output
 * for every host. Each host has its set of event ids written lately
 * (dedup.h), seeded at its first message from the tails of its files.
 *
 *   a batch of messages:
 *     hostlog_seen(host, id)? --yes--> a repeat: not staged
 *     hostlogs_stage(host, file, lines, id)      (copied, nothing written)
 *   hostlogs_write(): each file with staged lines: one write (one LZ4
 *     frame) --> ok: the ids remembered; failed: nothing remembered
 *   hostlogs_written(token): whether a staged message's lines are written
 *   (the caller acknowledges it only then)
 *
 * Seeding: a host's current file (and the one before it when the current
 * holds fewer than `keep` events) is read at the host's first message:
 * plain files from at most HOSTLOG_TAIL_BYTES before their end, LZ4 files
 * whole (frames cannot be found from the end). A tail cut by a crash (a
 * line without its newline, a frame without its end) is cut off the file
 * first: those lines were never acknowledged and come again whole.
 * Single-threaded.
 */
#ifndef NEEDLE_HOSTLOG_H
#define NEEDLE_HOSTLOG_H

#include "convert.h"
#include "sink.h"
#include "stamp.h"

#include <stdbool.h>
#include <stddef.h>

#define HOSTLOG_TAIL_BYTES (64u << 20)

struct hostlogs_options {
	const char *dir;          /* NULL: standard output */
	struct sink_options sink; /* lz4, max_size, num_logs, flush */
	unsigned keep;            /* event ids remembered per host (dedup.h) */
	/* Where hostlogs say what went wrong (a write failed, a tail could not
	 * be read): one line without its newline. */
	void (*say)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
};

struct hostlogs;
struct hostlog;
struct hostlog_output;

/* Checks (or makes, 0700) the folder. 0 or -errno (ret untouched). */
int hostlogs_open(const struct hostlogs_options *o, struct hostlogs **ret);

/* Syncs and closes every file; 0, or the first -errno (said). */
int hostlogs_close(struct hostlogs *h);
void hostlogs_free(struct hostlogs *h);

/* The host's state: made at its first call, its ids seeded from its files
 * (a tail that cannot be read is said, and the host starts with what was
 * read). 0 or -ENOMEM. */
int hostlogs_host(struct hostlogs *h, const char *host, size_t len, struct hostlog **ret);

/* Whether id was written for this host (and is still remembered), or is
 * staged in this batch. */
bool hostlog_seen(const struct hostlog *hl, const struct audit_stamp *id);

/* Stages one message's lines for file; *ret_token names its output for
 * hostlogs_written(). 0 or -ENOMEM (nothing staged). */
int hostlogs_stage(struct hostlogs *h, struct hostlog *hl, enum convert_file file,
		   const struct audit_stamp *id, const char *lines, size_t len,
		   struct hostlog_output **ret_token);

/* Writes every output's staged lines (a failure is said, at most every
 * 10 s per file). */
void hostlogs_write(struct hostlogs *h);

/* After hostlogs_write(): whether the output's last write succeeded. */
bool hostlogs_written(const struct hostlog_output *token);

/* Hosts seen, ids read from their files at their first message. */
struct hostlogs_stats {
	unsigned long hosts;
	unsigned long seeded_ids;
	unsigned long cut_tails;   /* files whose torn tail was cut off */
	unsigned long write_failures;
};
void hostlogs_get_stats(const struct hostlogs *h, struct hostlogs_stats *ret);

#endif
