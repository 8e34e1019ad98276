/* SPDX-License-Identifier: MIT */
/*
 * dispatch: the plugins' branch of the data path. Decoders hand batches of
 * finished records (decode/audisp.h's formats) to every plugin of that
 * format; each plugin has a bounded queue and a writer thread of its own,
 * which writes the queue to the plugin's socket (its standard input, or an
 * af_unix reader).
 *
 *   decoder[i] --dispatch_put(batch)--> queue[p]  bytes, bounded
 *                                         |       full: the batch is dropped, counted
 *                                         v
 *                                    writer[p]    poll(POLLOUT) + send, non-blocking
 *                                         v
 *                                    plugin p's socket
 *
 * A plugin that reads slowly or not at all fills its own queue and loses
 * records there, counted by reason (full, down, stop, error); a decoder
 * never waits on a plugin and other plugins do not see it. These are not
 * losses of needle's logs: the events are written there all the same.
 *
 * A plugin's state says what a new batch meets: WAITING (no socket yet, or
 * the plugin exited and is being restarted: queued, for the next one),
 * WRITING (queued, and written), NO_READER (an af_unix socket nobody has
 * connected to: dropped, as auditd drops them), GONE (given up, past
 * max_restarts: dropped). The main thread (daemon/plugins.c) starts the
 * processes and hands their sockets over (dispatch_attach); a writer that
 * finds its socket broken (the plugin closed it or died) closes it, counts
 * what that write did not deliver, and says so in dispatch_broken().
 *
 * Threads: dispatch_put() from any thread; the rest from the main thread.
 * Each queue has a mutex (taken once per batch, never per record) and a
 * condition variable the writer waits on.
 */
#ifndef NEEDLE_DISPATCH_H
#define NEEDLE_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DISPATCH_MAX 32
#define DISPATCH_NAME_MAX 64
/* Decoders hand over a batch once it holds this much (or at each flush). */
#define DISPATCH_BATCH 65536

enum dispatch_format { DISPATCH_STRING, DISPATCH_BINARY, DISPATCH_FORMATS };

enum dispatch_state { DISPATCH_WAITING, DISPATCH_WRITING, DISPATCH_NO_READER, DISPATCH_GONE };

/* Why a plugin did not get records (metric-table.h's names, same order). */
#define DISPATCH_DROPS(X)                                                                  \
	X(FULL, "its queue was full: the plugin reads too slowly")                         \
	X(DOWN, "the plugin was not running (exited, restarting, given up; af_unix: no "  \
		"reader), or its socket broke in the middle of a write")                  \
	X(STOP, "still queued when needle stopped and the plugin did not read them in time") \
	X(ERROR, "not formatted: out of memory")
enum dispatch_drop {
#define X(id, help) DISPATCH_DROP_##id,
	DISPATCH_DROPS(X)
#undef X
	DISPATCH_DROP_COUNT
};

struct dispatch_settings {
	unsigned n;                  /* plugins, at most DISPATCH_MAX */
	struct {
		char name[DISPATCH_NAME_MAX];
		enum dispatch_format format;
		bool af_unix;        /* a socket readers connect to, one at a time */
	} plugin[DISPATCH_MAX];
	uint64_t queue_bytes;        /* each plugin's queue */
	bool enriched;               /* string format: ENRICHED lines (else RAW) */
};

/* A copy of one plugin's figures. */
struct dispatch_stats {
	char name[DISPATCH_NAME_MAX];
	enum dispatch_state state;
	uint64_t records, bytes;     /* written to the plugin */
	uint64_t dropped[DISPATCH_DROP_COUNT];
	uint64_t queued, capacity;   /* bytes */
	uint64_t attaches;           /* sockets handed over (starts, af_unix readers) */
	uint64_t broken;             /* sockets the writer found broken */
};

struct dispatch;

/* The queues (nothing started). NULL with errno when out of memory. */
struct dispatch *dispatch_new(const struct dispatch_settings *s);

/* Starts the writers. 0, or -errno (those started are stopped by
 * dispatch_stop as usual). */
int dispatch_start(struct dispatch *d);

/* Whether any plugin takes this format; whether strings are ENRICHED. */
bool dispatch_wants(const struct dispatch *d, enum dispatch_format f);
bool dispatch_enriched(const struct dispatch *d);

/* A batch of whole records in format f, for every plugin of that format:
 * copied into each queue, or dropped and counted. Any thread; never waits
 * on a plugin. */
void dispatch_put(struct dispatch *d, enum dispatch_format f, const void *data, size_t len,
		  uint64_t records);

/* Records of format f that could not be formatted (out of memory):
 * counted for every plugin of that format. Any thread. */
void dispatch_count_lost(struct dispatch *d, enum dispatch_format f, uint64_t records);

/* Plugin i's socket, for a plugin (re)started: the dispatcher owns it from
 * now on (made non-blocking; closed when broken or at stop). An af_unix
 * plugin gets its listening socket instead: its writer accepts one reader
 * at a time. */
void dispatch_attach(struct dispatch *d, unsigned i, int fd);
void dispatch_listen(struct dispatch *d, unsigned i, int listen_fd);

/* Plugin i's sockets found broken so far (the main thread restarts it). */
uint64_t dispatch_broken(const struct dispatch *d, unsigned i);

/* Plugin i is not coming back: what it has queued and what comes is
 * dropped (down). */
void dispatch_give_up(struct dispatch *d, unsigned i);

/* After the decoders have stopped: the writers write what is queued, for at
 * most drain_ms in all, then count what is left (stop), close the sockets
 * (each plugin reads the end of its input) and end. Once. */
void dispatch_stop(struct dispatch *d, unsigned drain_ms);

void dispatch_free(struct dispatch *d);

unsigned dispatch_plugins(const struct dispatch *d);
void dispatch_get_stats(const struct dispatch *d, unsigned i, struct dispatch_stats *ret);

#endif
