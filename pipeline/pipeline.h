/* SPDX-License-Identifier: MIT */
/*
 * pipeline: the data path, as the daemon sees it.
 *
 *   data socket --recvmmsg--> listener[L] --serial % D--> ring[D] --> decoder[D] --> sinks
 *
 *   pipeline_open()   rings, outputs, the progress note, the process table
 *   pipeline_start()  the progress writer, D decoders, then L listeners on data_fd
 *   ... running: counters summed when read (pipeline_sum_*), settings
 *       published to the decoders (pipeline_publish), a thread that fails
 *       wakes the opener's thread (PIPELINE_WAKE_SIGNAL, pipeline_failure)
 *   pipeline_stop()   listeners drain the socket, then decoders drain the rings
 *   pipeline_stop_plugins()  after needle's last own record: the plugins'
 *                     writers drain what they queued (dispatch.h)
 *   pipeline_close()  the last progress note, outputs synced and closed, the
 *                     summary said, everything freed
 *
 * struct pipeline is private to pipeline/ (threads.h). The threads never
 * log: open, start, stop and close run in the thread that opened the
 * pipeline and say what goes wrong through the caller's say function.
 * Counters are per thread, on their own cache lines, summed when read:
 * the functions below read them relaxed, from any thread, while the
 * pipeline runs.
 */
#ifndef NEEDLE_PIPELINE_H
#define NEEDLE_PIPELINE_H

#include "dispatch.h"
#include "filters.h"
#include "keycount.h"
#include "logkeep.h"
#include "nats-out.h"
#include "proctable.h"
#include "procwatch.h"
#include "ring.h"
#include "settings.h"
#include "sink.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/* The thread counts a pipeline can run (the configuration's limits). */
#define PIPELINE_MAX_LISTENERS 16
#define PIPELINE_MAX_DECODERS 64

struct pipeline;

/* What the pipeline takes from the configuration at open. */
struct pipeline_settings {
	unsigned listeners;         /* 1 to PIPELINE_MAX_LISTENERS */
	unsigned decoders;          /* 1 to PIPELINE_MAX_DECODERS; 0: one per online CPU */
	uint64_t ring_size;         /* bytes per decoder ring */
	bool ring_drop;             /* a full ring drops (else listeners wait) */
	char log_dir[256];
	bool output_json;           /* log_dir/needle.json */
	bool output_raw;            /* log_dir/needle.log, auditd RAW */
	bool output_enriched;       /* log_dir/needle.enriched.log, auditd ENRICHED */
	bool output_stdout;         /* JSON lines on standard output */
	bool output_nats;           /* a NATS JetStream stream (nats-out.h) */
	struct nats_out_settings nats; /* its settings; spool_dir: log_dir/spool */
	uint64_t max_log_file;      /* bytes; rotate past it (0: never) */
	unsigned num_logs;          /* generations kept, current included */
	bool compress_lz4;          /* LZ4 frames, files named .lz4 */
	gid_t log_group;            /* 0: files 0600; else 0640 (rotated 0440), that group */
	enum sink_flush flush;      /* how writes reach the disk (sink.h) */
	unsigned freq;              /* events between fsyncs, incremental flush */
	struct logkeep_settings logs; /* rotate_every, the space policy (logkeep.h) */
	bool process_context;       /* keep a process table (context/) */
	bool process_events;        /* and follow the kernel's process events (procwatch.h) */
	unsigned process_table_size;
	struct decoder_settings decoder; /* the first snapshot the decoders read */
	struct dispatch_settings plugins; /* n 0: no plugin, no dispatcher */
	/* Filters (filters.h): the first set, taken over by pipeline_open
	 * (NULL: none yet); with filtering, the divert file
	 * log_dir/needle.filtered.json is opened too (SIGHUP can then bring
	 * divert rules), rotated and kept as the logs are. */
	struct filter_set *filters;
	bool filtering;
};

/* How the pipeline says what went wrong (the caller's log): one line, no
 * newline, printf format. Called from the opener's thread only. */
typedef void pipeline_say_fn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Rings, outputs, the progress note (reading the last one: restart
 * losses) and the process table. The calling thread is the pipeline's main
 * thread from now on: PIPELINE_WAKE_SIGNAL wakes it, and with
 * process_context it is registered with liburcu until pipeline_close().
 * Returns 0 and *ret_pipeline, or -errno having said why (nothing left). */
int pipeline_open(const struct pipeline_settings *s, pipeline_say_fn *say,
		  struct pipeline **ret_pipeline);

/* Starts the progress writer, the decoders, then the listeners reading
 * data_fd (a netlink socket the caller keeps open until pipeline_close).
 * Returns 0 or -errno having said why; what did start is stopped by
 * pipeline_stop() as usual. */
int pipeline_start(struct pipeline *p, int data_fd);

/* Stops the threads: the listeners take what the socket still holds, then
 * the decoders drain the rings to the outputs. abort_waits: listeners
 * stop waiting on full rings (start-up failed: nobody may read them) and
 * count what they drop. A failed listener's socket is drained here, a
 * failed decoder's ring counted abandoned. Once. */
void pipeline_stop(struct pipeline *p, bool abort_waits);

/* After pipeline_stop() (or instead, when it never started): writes the
 * last progress note, syncs and closes the outputs, says the summary
 * (when listeners ran) and frees. Returns -EIO when an output did not
 * close cleanly (said), else 0. NULL is fine. */
int pipeline_close(struct pipeline *p);

/* Signals: the main thread waits for PIPELINE_WAKE_SIGNAL (a thread
 * failed) beside SIGTERM; PIPELINE_LISTENER_SIGNAL interrupts a listener's
 * recvmmsg at stop, so stop never depends on the receive timeout. Block
 * both in every thread before pipeline_start(): listeners unblock theirs.
 * Real-time signals, so that SIGUSR1 and SIGUSR2 keep auditd's meanings
 * for the administrator (rotate the logs; resume writing). */
#define PIPELINE_WAKE_SIGNAL (SIGRTMIN + 1)
#define PIPELINE_LISTENER_SIGNAL (SIGRTMIN + 2)

/* The first failed thread's cause, or NULL while none has failed; and how
 * many threads failed. Any thread. */
const char *pipeline_failure(struct pipeline *p);
unsigned pipeline_failures(struct pipeline *p);

/* Records stamped from now on are live; older ones were held by the kernel
 * or queued before (restart losses are counted below the first live one).
 * Just before registering, or joining the multicast group. */
void pipeline_mark_live(struct pipeline *p);

/* The kernel's ack of a request sent on the data socket comes back among
 * the records: a listener reads it. Expect seq before sending; then wait
 * up to timeout_ms for the kernel's answer (0 or its -errno), -ECANCELED
 * when a thread failed (the listener may be gone), -ETIMEDOUT. */
void pipeline_expect_ack(struct pipeline *p, uint32_t seq);
int pipeline_wait_ack(struct pipeline *p, unsigned timeout_ms);

/* Just before needle unregisters with rules loaded: the kernel's record of
 * it (CONFIG_CHANGE audit_pid=0 old=PID) has no system call to belong to,
 * so the decoders end it as an event of its own (kernel/ctl-child.h). */
void pipeline_expect_lone_unregister(struct pipeline *p, uint32_t pid);

/* needle's own records, DAEMON_START, DAEMON_END and DAEMON_ABORT, as
 * auditd writes its own (own-record.c): a record of type stamped now, with
 * a serial of needle's own, to every output and to the plugins (before
 * pipeline_stop_plugins()), as auditd's plugins get its own records.
 * body(arg, format, buf, size)
 * writes the text after "): " for an output in format "json", "raw" or
 * "enriched" (auditd's DAEMON_START names the log's format). json_names:
 * uid names in JSON (resolve_ids); ENRICHED always has them. Main thread,
 * between pipeline_open() and pipeline_close(). 0, or -ENOMEM (written
 * without names). */
typedef void pipeline_body_fn(void *arg, const char *format, char *buf, size_t size);
int pipeline_write_own(struct pipeline *p, unsigned type, pipeline_body_fn *body, void *arg,
		       bool json_names);

/* SIGHUP: ring_full for the listeners' next batch, and a new snapshot of
 * the decoders' settings (settings.h; 0 or -ENOMEM, the old one kept). */
void pipeline_set_ring_drop(struct pipeline *p, bool drop);
int pipeline_publish(struct pipeline *p, const struct decoder_settings *s);

/* SIGHUP: set (taken over; NULL: no filters) replaces the decoders' filter
 * set (filters.h). 0; -EINVAL when set has divert rules and no divert
 * file was opened at start; -ENOMEM. On error the old set stays. */
int pipeline_publish_filters(struct pipeline *p, struct filter_set *set);

/* The plugins' queues (dispatch.h), NULL without plugins: the caller
 * starts the plugins and hands their sockets over (dispatch_attach). The
 * writers start with the decoders. pipeline_stop_plugins(), after
 * pipeline_stop() and the last of needle's own records (which plugins get
 * too, as auditd's get its own): the writers get PIPELINE_PLUGIN_DRAIN_MS
 * to write what is queued, then each plugin's input ends. Once;
 * pipeline_close() does it when the caller did not. */
#define PIPELINE_PLUGIN_DRAIN_MS 2000
struct dispatch *pipeline_dispatch(const struct pipeline *p);
void pipeline_stop_plugins(struct pipeline *p);

/* The log files' care, from the main thread (logkeep.h; nothing without
 * a log file): once a second, rotation by time and the space policy
 * (pipeline_keep_logs); SIGUSR1 (pipeline_rotate_logs, why names the
 * cause in the log); SIGUSR2 (pipeline_check_space: resume writing if
 * there is room); SIGHUP (pipeline_set_logs). */
void pipeline_keep_logs(struct pipeline *p);
void pipeline_rotate_logs(struct pipeline *p, const char *why);
void pipeline_check_space(struct pipeline *p);
void pipeline_set_logs(struct pipeline *p, const struct logkeep_settings *s);

/* The process table the decoders keep (context/proctable.h), NULL when
 * process_context is off: its size, its expiry and its counters are the
 * caller's to drive and read. */
struct proctable *pipeline_procs(const struct pipeline *p);

/* Threads and rings (the rings: one per decoder). */
unsigned pipeline_listeners(const struct pipeline *p);
unsigned pipeline_decoders(const struct pipeline *p);

/* Whether a progress note is kept (a log file exists), and its failed
 * writes so far with the errno of the last (0 when none is kept). */
bool pipeline_keeps_progress(const struct pipeline *p);
uint64_t pipeline_progress_errors(const struct pipeline *p, int *ret_errno);

/* Listener counters. X-macro: one name list for the struct and printing. */
#define LISTENER_COUNTERS(X)                                                         \
	X(datagrams, "datagrams received")                                           \
	X(bytes, "bytes received")                                                   \
	X(batches, "recvmmsg calls that returned data")                               \
	X(records, "audit records passed to the rings")                               \
	X(enobufs, "receive buffer overruns (ENOBUFS): records lost in the socket")  \
	X(foreign, "datagrams not from the kernel, dropped")                         \
	X(truncated, "datagrams larger than the receive buffer")                     \
	X(no_stamp, "records without a readable audit(...) stamp")                   \
	X(ring_drops, "records dropped because a ring was full (ring_full = drop)")  \
	X(ring_events_whole, "events a full ring dropped whole (each a serial gap)")  \
	X(ring_events_cut, "events a full ring cut short (each written partial)")     \
	X(control, "netlink control messages (acks, errors)")                        \
	X(abandoned, "records dropped: their ring's decoder had failed (or start-up did)")

#define DECODER_COUNTERS(X)                                                         \
	X(records, "records taken from the ring")                                 \
	X(events, "whole events written")                                         \
	X(partial_events, "events ended partial (timeout, eviction, stop), written or filtered") \
	X(filtered, "whole events a filter rule dropped or diverted (not in the main outputs)") \
	X(diverted, "events a filter rule wrote to the divert file instead")          \
	X(late_records, "records that joined an event after its EOE")            \
	X(late_dropped, "records of an event already written: left out, so no id is written twice") \
	X(dropped_records, "records dropped from events over the size cap")      \
	X(open_events, "events being assembled now")                             \
	X(no_stamp, "records without a readable stamp")                          \
	X(serial_gaps, "events missing from the serial sequence (socket or full ring)") \
	X(restart_gaps, "events missing before this needle's first live one (no needle ran)") \
	X(format_errors, "output batches lost to memory or compression errors")   \
	X(abandoned_in_ring, "records left unread in its ring when this decoder failed") \
	X(context_known, "events whose process the table had at the event's time")      \
	X(context_unknown, "events with a pid whose process the table did not have")

/* Delay from an event's own timestamp to the moment its decoder formats
 * it, as a histogram (upper bounds in milliseconds; the last is +Inf). */
#define DELAY_BUCKETS 11
static const unsigned delay_bucket_ms[DELAY_BUCKETS - 1] = { 1, 5, 10, 50, 100, 500,
							     1000, 2500, 5000, 10000 };

/* Sums over the listeners, and over the decoders. */
struct listener_stats {
#define X(name, help) uint64_t name;
	LISTENER_COUNTERS(X)
#undef X
};

struct decoder_stats {
#define X(name, help) uint64_t name;
	DECODER_COUNTERS(X)
#undef X
	uint64_t delay_bucket[DELAY_BUCKETS]; /* not cumulative */
	uint64_t delay_sum_ms;
	uint64_t delay_max_ms; /* the largest of any decoder */
};

void pipeline_sum_listeners(const struct pipeline *p, struct listener_stats *ret);
void pipeline_sum_decoders(const struct pipeline *p, struct decoder_stats *ret);

/* The file outputs in one order (json, raw, enriched, stdout); NULL when
 * off. Read them with sink_get_stats() and sink_path(). The NATS output
 * and the filters' divert file come after them in the figures
 * (PIPELINE_OUTPUT_NATS, PIPELINE_OUTPUT_DIVERT). */
#define PIPELINE_OUTPUTS 4
#define PIPELINE_OUTPUT_NATS PIPELINE_OUTPUTS
#define PIPELINE_OUTPUT_DIVERT (PIPELINE_OUTPUTS + 1)
#define PIPELINE_OUTPUT_SLOTS (PIPELINE_OUTPUTS + 2)
void pipeline_outputs(const struct pipeline *p, const struct sink *ret[PIPELINE_OUTPUTS]);

/* The NATS output, NULL when off. */
struct nats_out *pipeline_nats(const struct pipeline *p);

/* Events written (or, with lost, lost) over all outputs, the NATS output
 * included: its "written" are the events its spool took, its lost those
 * that never reached the spool or that the stream refused. */
uint64_t pipeline_sum_outputs(const struct pipeline *p, bool lost);

/* The NATS output's figures as a file output's (sink_stats): events the
 * spool took, their bytes, failed spool writes, events lost. */
void pipeline_nats_as_sink(const struct nats_out_stats *n, struct sink_stats *ret);

/* How long the NATS output may send what waits at stop (the rest stays in
 * its spool for the next start). */
#define PIPELINE_NATS_DRAIN_MS 5000

/* Every figure of the pipeline, as metrics and needle stat show them:
 * sums over threads, each ring, each output, the process table. A plain
 * copy (each counter read relaxed, so not one instant), which the reader
 * keeps as long as it likes. */
struct pipeline_stats {
	unsigned listeners, decoders;
	uint64_t started_ms;                     /* wall clock at pipeline_open() */
	struct listener_stats listener;          /* summed over the listeners */
	struct decoder_stats decoder;            /* summed over the decoders */
	struct ring_stats ring[PIPELINE_MAX_DECODERS]; /* ring i: decoder i's */
	/* Of ring i's drops, those made only because an earlier record of
	 * the event was dropped (damage.h). */
	uint64_t ring_rest_dropped[PIPELINE_MAX_DECODERS];
	/* pipeline_outputs()'s order, then the NATS output (its figures as
	 * pipeline_nats_as_sink makes them), then the divert file. */
	bool output_on[PIPELINE_OUTPUT_SLOTS];
	struct sink_stats output[PIPELINE_OUTPUT_SLOTS];
	struct nats_out_stats nats;              /* when output_on[PIPELINE_OUTPUT_NATS] */
	bool have_procs;                         /* process_context on */
	struct proctable_stats procs;
	bool procs_followed;                     /* the connector feeds it (procwatch.h) */
	struct procwatch_stats procwatch;        /* when procs_followed */
	bool have_log_dir_free;                  /* a log file, and statvfs answered */
	uint64_t log_dir_free;                   /* bytes free in log_dir, at the last check */
	unsigned plugins;                        /* the plugins' queues */
	struct dispatch_stats plugin[DISPATCH_MAX];
	unsigned filter_entries;                 /* rule lines counted since start */
	struct filters_entry_stats filter[FILTERS_ENTRIES];
	unsigned key_entries;                    /* rule keys counted since start */
	struct keycount_entry_stats key[KEYCOUNT_ENTRIES];
};
void pipeline_get_stats(const struct pipeline *p, struct pipeline_stats *ret);

#endif
