/* SPDX-License-Identifier: MIT */
/*
 * assemble: records in, whole events out.
 *
 *   add(record) --> open events, keyed by (node, sec, msec, serial)
 *                      | ends at EOE, at a record complete by itself, or
 *                      | (log input) at PROCTITLE; else by timeout or eviction
 *                      v
 *                   ready queue --> pop() --> caller formats --> done()
 *
 * Records of different events may interleave, and records within an event
 * may come in any order: an event keeps them in arrival order and ends on
 * a rule, not on a position. An EOE that comes before its records opens
 * the event; the records that follow join it until the timeout after the
 * EOE. Memory is bounded: at most max_open events are open; adding one
 * more ends the oldest as partial (evicted). Each event's text is capped
 * at max_event_bytes; records past it are dropped and counted, and the
 * event is marked partial.
 *
 * An id is never ended twice: the keys of the last max_open ended events
 * (at least 1024) are remembered, and a record of one of them (it came
 * after its event was ended by timeout, eviction or its EOE's timeout, or
 * the input repeats an event) is dropped and counted in late_dropped
 * instead of starting a second event with the same id. An EOE of such an
 * event counts as an orphan.
 *
 * Log input: auditd's logs have no EOE and a syscall event ends at its
 * PROCTITLE; a recording of the kernel's stream has EOE, and there the EOE
 * ends it, whatever the order of its records before it. Which one a log
 * is shows at its first EOE: from then on PROCTITLE no longer ends an
 * event. Until then an event that had its PROCTITLE is held, open: its
 * EOE ends it, and if 16 records of other events come and no EOE, the log
 * has none, the held events are whole and PROCTITLE ends events at once.
 *
 * Time is the caller's: for log input pass the record's own timestamp (so a
 * replayed file times out the same way whatever the disk speed), for live
 * input the wall clock. Event objects and their buffers are reused: no
 * allocation per record once warm.
 *
 * Pure: no I/O, no threads, no global state; one assembler per thread.
 */
#ifndef NEEDLE_DECODE_ASSEMBLE_H
#define NEEDLE_DECODE_ASSEMBLE_H

#include "stamp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum event_end {
	EVENT_END_RULE = 0,  /* EOE, a single-record type, or PROCTITLE in logs */
	EVENT_END_TIMEOUT,   /* no end seen within the timeout: partial */
	EVENT_END_EVICTED,   /* pushed out by max_open: partial */
	EVENT_END_FLUSH,     /* still open at the end of the input: partial */
};

struct event_record {
	unsigned type;
	uint32_t offset; /* of the record's body in the event's text */
	uint32_t len;
};

struct audit_event {
	struct audit_stamp stamp;
	const char *node;          /* NULL when none; points into text */
	uint32_t node_len;
	unsigned nrecords;
	struct event_record *records;
	const char *text;          /* bodies of all records, back to back */
	enum event_end end;
	bool partial;              /* records may be missing (see log_input) */
	bool truncated;            /* records dropped past max_event_bytes */
	bool lost_records;         /* the collector dropped some (set by the caller) */
	bool saw_eoe;
	bool log_input;            /* read from a log: a 0x1d in a record starts
	                            * auditd's ENRICHED part; live it is data */
};

struct assemble_config {
	unsigned max_open;         /* default 4096 */
	uint64_t timeout_ms;       /* default 2000 */
	size_t max_event_bytes;    /* default 1 MiB */
	/* Log input: auditd writes no EOE, so PROCTITLE ends a syscall event,
	 * and an event ended by timeout or end of input is taken as whole
	 * (as auparse does). Live input has EOE: such an event is partial. */
	bool log_input;
	/* With several listener threads a record can reach the decoder after
	 * its event's EOE. With hold_after_eoe, an event that saw its EOE is
	 * held (still taking records) until the caller says, through
	 * assembler_release(), that every record received before that EOE has
	 * been added; the caller numbers its rounds with assembler_set_round().
	 * timeout_ms after the EOE it ends regardless. */
	bool hold_after_eoe;
};

struct assemble_stats {
	uint64_t records;          /* records added (EOE included) */
	uint64_t eoe;              /* EOE records: they end an event, none is kept */
	uint64_t events;           /* events that ended by a rule */
	uint64_t partial_timeout;
	uint64_t partial_evicted;
	uint64_t partial_flush;
	uint64_t dropped_records;  /* past max_event_bytes */
	uint64_t open;             /* events open now (grace included) */
	uint64_t late_records;     /* records that joined an event after its EOE */
	uint64_t late_dropped;     /* records of an event already ended: dropped */
	uint64_t orphan_eoe;       /* EOEs whose event had already ended */
};

struct assembler;

/* NULL with errno ENOMEM. cfg may be NULL for the defaults. */
struct assembler *assembler_new(const struct assemble_config *cfg);
void assembler_free(struct assembler *a);

/* Adds a record: its type, stamp, node (NULL/0 for none) and body (the
 * text after "): "). now_ms is the caller's clock (see above). Returns 0,
 * -EEXIST when the record's event has already ended (the record is counted
 * in late_dropped), or -ENOMEM (counted in dropped_records). */
int assembler_add(struct assembler *a, unsigned type, const struct audit_stamp *stamp,
		  const char *node, size_t node_len, const char *body, size_t len, uint64_t now_ms);

/* The caller's round number for the records added from now on (used with
 * hold_after_eoe; rounds only grow). */
void assembler_set_round(struct assembler *a, uint64_t round);

/* Ends the held events whose EOE came in a round <= stable_round. */
void assembler_release(struct assembler *a, uint64_t stable_round);

/* Changes timeout_ms (0: the default) from now on: open events are ended
 * by the new value at the next tick; events held after their EOE keep the
 * backstop they were given. */
void assembler_set_timeout(struct assembler *a, uint64_t timeout_ms);

/* Ends events older than the timeout at now_ms. */
void assembler_tick(struct assembler *a, uint64_t now_ms);

/* Ends the open event with this key now, as whole: for a record the
 * caller knows to stand alone although its type does not say so. Returns
 * true when there was such an event. */
bool assembler_end(struct assembler *a, const struct audit_stamp *stamp, const char *node,
		   size_t node_len);

/* Ends every open event (end of input, shutdown). */
void assembler_flush(struct assembler *a);

/* Log input: ends, whole, the events held after their PROCTITLE for an
 * EOE the log may not have (see LOG_EOE_PROBE in assemble.c). For a
 * caller reading a stream that went idle: nothing more of those events is
 * coming now, and a later record of one is left out and counted late.
 * Returns how many it ended. */
unsigned assembler_end_held(struct assembler *a);

/* The next ended event, oldest first, or NULL. Valid until done(). */
struct audit_event *assembler_pop(struct assembler *a);
void assembler_done(struct assembler *a, struct audit_event *ev);

void assembler_get_stats(const struct assembler *a, struct assemble_stats *ret);

/* The serials of the events still open (waiting for their end or held
 * after their EOE): up to max of them into ret; returns how many there are.
 * What a collector killed now would lose from the assembler. */
size_t assembler_open_serials(const struct assembler *a, uint32_t *ret, size_t max);

/* True when a record of this type is an event by itself (auditd's rule). */
bool assemble_is_single_record(unsigned type);

#endif
