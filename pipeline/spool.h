/* SPDX-License-Identifier: MIT */
/*
 * spool: the write-ahead queue of an output that leaves the host (NATS
 * JetStream, nats-out.h). Every message for the cluster is appended here
 * first and sent from here, in order; it is forgotten once the cluster has
 * acknowledged it and everything before it. So a message is either
 * acknowledged, or still in the spool (across a restart, also after
 * SIGKILL: write() has put it in the page cache), or refused by a full
 * spool and counted lost by the caller: nothing in between.
 *
 *   nats-out --spool_append(batch)--> DIR/00000000000000000001.seg  segment files,
 *                                     DIR/00000000000000004711.seg  named by their
 *                                     ...                           first seq (20
 *                                                                   digits: names sort)
 *   nats-out <--spool_read(from seq)-- (the sender; rewinds to the first
 *                                       unacknowledged seq after a failure)
 *   nats-out --spool_ack(seq)--> whole segments at or below it are unlinked;
 *                                DIR/acked keeps the floor across restarts
 *
 * A message on disk: a header (magic, lengths, the message's seq and wall
 * time, a CRC-32C over header and body) and its subject, id and data. At
 * spool_open() the last segment is read through: a torn tail (a crash in
 * the middle of a write: short header, short body, bad CRC) is cut off and
 * counted, never handed out. Bounded by max_bytes (spool_max): an append
 * that does not fit takes what fits and says how many it took.
 *
 * A bad record anywhere else (a segment no longer appended to cannot be
 * torn by a crash of needle: bit rot, or a machine crash that lost pages
 * written but not yet on disk) is found by the CRC, at open (every
 * segment not yet acknowledged is read through once) or by spool_read
 * (which checks every record again): its segment is cut there, the
 * messages it still held are counted in stats.lost (the caller counts
 * them lost), and a gap record takes their place, so that no later read
 * or open hands them out or counts them again.
 *
 * Threads: one owner (the output's thread) calls everything. No logging:
 * errors are returned (-errno) with a message naming the file.
 */
#ifndef NEEDLE_SPOOL_H
#define NEEDLE_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spool;

/* One message. On append, seq is set by the spool; data is copied. On
 * read, the pointers are into the spool_batch the reader passed. */
struct spool_msg {
	uint64_t seq;     /* 1, 2, 3 ... across segments and restarts */
	uint64_t wall_ms; /* when it was appended (the oldest's age is a metric) */
	const char *subject;
	size_t subject_len;
	const char *id; /* the Nats-Msg-Id: host and event id */
	size_t id_len;
	const char *data;
	size_t data_len;
};

/* The reader's buffer: spool_read() fills it; reused from call to call. */
struct spool_batch {
	struct spool_msg *msg;
	size_t count, cap;
	char *bytes;
	size_t bytes_len, bytes_cap;
};

struct spool_stats {
	uint64_t bytes;          /* on disk, acknowledged segments excluded */
	uint64_t messages;       /* appended and not yet acknowledged */
	uint64_t oldest_wall_ms; /* of the first unacknowledged message, 0: none */
	uint64_t appended;       /* since open */
	uint64_t refused;        /* appends that did not fit (the caller counts them lost) */
	uint64_t torn_bytes;     /* cut off a torn tail at open */
	uint64_t next_seq;       /* the seq the next append gets */
	uint64_t acked;          /* every seq at or below is acknowledged */
	uint64_t lost;           /* messages cut with a bad record (above), since open */
};

/* A segment takes messages until the next would take it past this size
 * (one message larger than that gets a segment of its own). */
#define SPOOL_SEGMENT_BYTES (8u << 20)
/* The largest message data spool_append() takes (-EMSGSIZE past it);
 * subject and id take up to 65535 bytes each. */
#define SPOOL_MAX_DATA (64u << 20)

/* Opens (creates) the spool in dir, mode 0700; finds its segments, cuts a
 * torn tail, reads the acknowledged floor. -errno with err naming the file. */
int spool_open(const char *dir, uint64_t max_bytes, struct spool **ret, char *err,
	       size_t err_size);
/* The same with segments of segment_bytes instead of SPOOL_SEGMENT_BYTES
 * (the tests make many small ones). */
int spool_open_sized(const char *dir, uint64_t max_bytes, uint64_t segment_bytes,
		     struct spool **ret, char *err, size_t err_size);

/* Appends msgs[0..n) in order, as far as max_bytes allows: *ret_taken says
 * how many (the rest did not fit: refused); each taken message's seq and
 * wall_ms are set. One write() per segment touched. -errno on a write
 * error (nothing of that batch taken past the error: *ret_taken, set also
 * then, says how many were taken before it, into earlier segments; what
 * the failed write put in the file is cut off again; err names the
 * file); -EMSGSIZE for a message larger than SPOOL_MAX_DATA. */
int spool_append(struct spool *s, struct spool_msg *msgs, size_t n, size_t *ret_taken,
		 char *err, size_t err_size);

/* Up to max messages from seq from on (at most max_bytes of subject, id
 * and data, but at least one message), in order, into b. b->count 0: none
 * at or after from. A from at or below the acknowledged floor reads from
 * the first unacknowledged message. Reading on from where the last call
 * ended costs one pread() per chunk of messages; another from is found by
 * skipping headers from the start of its segment. */
int spool_read(struct spool *s, uint64_t from, size_t max, size_t max_bytes,
	       struct spool_batch *b, char *err, size_t err_size);

/* Everything at or below seq is acknowledged: the floor is noted in
 * DIR/acked (one pwrite(), each call that moves it), then segments
 * holding only such messages are unlinked. A seq past the last appended
 * one acknowledges up to that one. */
int spool_ack(struct spool *s, uint64_t seq, char *err, size_t err_size);

void spool_get_stats(const struct spool *s, struct spool_stats *ret);

void spool_batch_free(struct spool_batch *b);

/* Closes the files; the spool stays on disk for the next spool_open(). */
void spool_close(struct spool *s);

#endif
