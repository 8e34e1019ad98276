/* SPDX-License-Identifier: MIT */
/*
 * assemble.c: open events live in an open-addressing hash table (linear
 * probing, backward-shift deletion) and on a list in arrival order, which
 * is also timeout and eviction order. Ended events go to a FIFO; finished
 * ones to a free list that keeps their buffers. The keys of ended events
 * go to a ring of fixed size with an index of the same kind: a record
 * whose key is not open is looked up there once (so once per event, not
 * per record), and the oldest key leaves when a new one needs its place.
 */
#include "assemble.h"

#include <errno.h>
#include <libaudit.h>
#include <stdlib.h>
#include <string.h>

#ifndef AUDIT_EOE
#define AUDIT_EOE 1320
#endif

struct slot {
	struct audit_event ev;  /* the caller's view, filled when the event ends */
	bool held;              /* log input: ended by PROCTITLE, waiting to see
				 * whether the log has EOE (see assemble.h) */
	uint64_t hash;
	uint64_t started_ms;
	uint64_t grace_until_ms;   /* held after EOE (hold_after_eoe): backstop */
	uint64_t eoe_round;        /* the caller's round of the EOE */
	char *buf;
	size_t used, cap;
	struct event_record *recs;
	unsigned nrecs, rcap;
	struct slot *prev, *next;
};

struct list {
	struct slot *head, *tail;
};

/* The key of an ended event; the hash covers the node. */
struct ended_key {
	uint64_t hash;
	uint64_t sec;
	uint32_t serial;
	uint32_t msec;
};

/* Whether a log has EOE records: present from its first EOE; absent once
 * LOG_EOE_PROBE records of other events came after a PROCTITLE and no EOE
 * did (the kernel sends an event's EOE right after its PROCTITLE; only
 * other CPUs' records can come between). */
enum log_eoe { LOG_EOE_UNKNOWN = 0, LOG_EOE_ABSENT, LOG_EOE_PRESENT };
#define LOG_EOE_PROBE 16

struct assembler {
	struct assemble_config cfg;
	struct assemble_stats stats;
	struct slot **table;
	size_t table_mask;
	struct list open, grace, ready;
	struct slot *free;
	uint64_t round;
	enum log_eoe log_eoe;
	unsigned nheld;            /* events held after their PROCTITLE */
	unsigned probe_records;    /* records of other events seen meanwhile */
	struct ended_key *ended;   /* ring of ended_cap keys, oldest at ended_next */
	uint32_t *ended_index;     /* 1 + position in ended, 0 = empty */
	size_t ended_cap, ended_mask, ended_count, ended_next;
};

/*
 * Which records end an event by themselves. This is auditd's rule
 * (audit_is_last_record() in audit-userspace common.c): user-space and
 * daemon messages (between LOGIN and the first syscall-event type, and
 * USER), anomaly and later messages, KERNEL, and the MAC_UNLBL/CALIPSO
 * range are one-record events. EOE and, in logs, PROCTITLE are handled by
 * the caller of this function.
 */
bool assemble_is_single_record(unsigned type)
{
	return (type > AUDIT_LOGIN && type < AUDIT_FIRST_EVENT) || type == AUDIT_USER ||
	       type >= AUDIT_FIRST_ANOM_MSG || type == AUDIT_KERNEL ||
	       (type >= AUDIT_MAC_UNLBL_ALLOW && type <= AUDIT_MAC_CALIPSO_DEL);
}

static void list_remove(struct list *l, struct slot *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		l->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		l->tail = s->prev;
	s->prev = s->next = NULL;
}

static void list_append(struct list *l, struct slot *s)
{
	s->next = NULL;
	s->prev = l->tail;
	if (l->tail)
		l->tail->next = s;
	else
		l->head = s;
	l->tail = s;
}

struct assembler *assembler_new(const struct assemble_config *cfg)
{
	struct assembler *a = calloc(1, sizeof(*a));
	size_t size = 16;

	if (!a)
		return NULL;
	if (cfg)
		a->cfg = *cfg;
	if (!a->cfg.max_open)
		a->cfg.max_open = 4096;
	if (!a->cfg.timeout_ms)
		a->cfg.timeout_ms = 2000;
	if (!a->cfg.max_event_bytes)
		a->cfg.max_event_bytes = 1u << 20;
	while (size < (size_t)a->cfg.max_open * 2)
		size *= 2;
	a->table = calloc(size, sizeof(*a->table));
	a->table_mask = size - 1;
	/* Keys of as many ended events as may be open, at least 1024. */
	a->ended_cap = size / 2 < 1024 ? 1024 : size / 2;
	a->ended_mask = a->ended_cap * 2 - 1;
	a->ended = calloc(a->ended_cap, sizeof(*a->ended));
	a->ended_index = calloc(a->ended_cap * 2, sizeof(*a->ended_index));
	if (!a->table || !a->ended || !a->ended_index) {
		assembler_free(a);
		errno = ENOMEM;
		return NULL;
	}
	return a;
}

static void slot_free(struct slot *s)
{
	free(s->buf);
	free(s->recs);
	free(s);
}

void assembler_free(struct assembler *a)
{
	struct slot *s, *next;

	if (!a)
		return;
	for (s = a->open.head; s; s = next) {
		next = s->next;
		slot_free(s);
	}
	for (s = a->grace.head; s; s = next) {
		next = s->next;
		slot_free(s);
	}
	for (s = a->ready.head; s; s = next) {
		next = s->next;
		slot_free(s);
	}
	for (s = a->free; s; s = next) {
		next = s->next;
		slot_free(s);
	}
	free(a->table);
	free(a->ended);
	free(a->ended_index);
	free(a);
}

static uint64_t key_hash(const struct audit_stamp *st, const char *node, size_t node_len)
{
	uint64_t h = st->serial * 0x9e3779b97f4a7c15ull ^ (st->sec * 1000 + st->msec);

	for (size_t i = 0; i < node_len; i++)
		h = (h ^ (unsigned char)node[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static bool same_key(const struct slot *s, const struct audit_stamp *st, const char *node,
		     size_t node_len)
{
	return s->ev.stamp.serial == st->serial && s->ev.stamp.sec == st->sec &&
	       s->ev.stamp.msec == st->msec && s->ev.node_len == node_len &&
	       (node_len == 0 || memcmp(s->buf, node, node_len) == 0);
}

static size_t find_index(const struct assembler *a, uint64_t hash, const struct audit_stamp *st,
			 const char *node, size_t node_len, bool *ret_found)
{
	size_t i = hash & a->table_mask;

	while (a->table[i]) {
		if (a->table[i]->hash == hash && same_key(a->table[i], st, node, node_len)) {
			*ret_found = true;
			return i;
		}
		i = (i + 1) & a->table_mask;
	}
	*ret_found = false;
	return i;
}

/* Backward-shift deletion keeps every probe chain unbroken. */
static void table_remove(struct assembler *a, const struct slot *s)
{
	size_t i = s->hash & a->table_mask, j;

	while (a->table[i] != s)
		i = (i + 1) & a->table_mask;
	a->table[i] = NULL;
	for (j = (i + 1) & a->table_mask; a->table[j]; j = (j + 1) & a->table_mask) {
		size_t home = a->table[j]->hash & a->table_mask;

		/* Move j back to i when its home is not in (i, j]. */
		if (((j - home) & a->table_mask) >= ((j - i) & a->table_mask)) {
			a->table[i] = a->table[j];
			a->table[j] = NULL;
			i = j;
		}
	}
}

static bool ended_same(const struct ended_key *k, uint64_t hash, const struct audit_stamp *st)
{
	return k->hash == hash && k->serial == st->serial && k->sec == st->sec &&
	       k->msec == st->msec;
}

/* True when an event of this key has ended (as far as the ring goes back). */
static bool ended_find(const struct assembler *a, uint64_t hash, const struct audit_stamp *st)
{
	size_t i = hash & a->ended_mask;

	while (a->ended_index[i]) {
		if (ended_same(&a->ended[a->ended_index[i] - 1], hash, st))
			return true;
		i = (i + 1) & a->ended_mask;
	}
	return false;
}

static void ended_unindex(struct assembler *a, uint32_t pos1)
{
	size_t i = a->ended[pos1 - 1].hash & a->ended_mask, j;

	while (a->ended_index[i] != pos1)
		i = (i + 1) & a->ended_mask;
	a->ended_index[i] = 0;
	for (j = (i + 1) & a->ended_mask; a->ended_index[j]; j = (j + 1) & a->ended_mask) {
		size_t home = a->ended[a->ended_index[j] - 1].hash & a->ended_mask;

		if (((j - home) & a->ended_mask) >= ((j - i) & a->ended_mask)) {
			a->ended_index[i] = a->ended_index[j];
			a->ended_index[j] = 0;
			i = j;
		}
	}
}

static void ended_add(struct assembler *a, const struct slot *s)
{
	size_t pos = a->ended_next, i;

	if (a->ended_count == a->ended_cap)
		ended_unindex(a, (uint32_t)pos + 1); /* the oldest leaves */
	else
		a->ended_count++;
	a->ended[pos] = (struct ended_key){ .hash = s->hash, .sec = s->ev.stamp.sec,
					    .serial = s->ev.stamp.serial,
					    .msec = s->ev.stamp.msec };
	for (i = s->hash & a->ended_mask; a->ended_index[i]; i = (i + 1) & a->ended_mask)
		;
	a->ended_index[i] = (uint32_t)pos + 1;
	a->ended_next = (pos + 1) % a->ended_cap;
}

static void end_event(struct assembler *a, struct slot *s, enum event_end why)
{
	table_remove(a, s);
	list_remove(s->grace_until_ms ? &a->grace : &a->open, s);
	if (s->held) {
		/* It had its PROCTITLE: whole, whatever ends the wait. */
		s->held = false;
		a->nheld--;
		why = EVENT_END_RULE;
	}
	ended_add(a, s);
	if (s->nrecs == 0) {
		/* An EOE whose records never came (their event had ended
		 * already): nothing to emit. */
		a->stats.open--;
		a->stats.orphan_eoe++;
		s->next = a->free;
		a->free = s;
		return;
	}
	s->ev.records = s->recs;
	s->ev.nrecords = s->nrecs;
	s->ev.text = s->buf;
	s->ev.node = s->ev.node_len ? s->buf : NULL;
	s->ev.end = why;
	s->ev.log_input = a->cfg.log_input;
	s->ev.partial = why == EVENT_END_EVICTED || (why != EVENT_END_RULE && !a->cfg.log_input) ||
			s->ev.truncated;
	a->stats.open--;
	switch (why) {
	case EVENT_END_RULE: a->stats.events++; break;
	case EVENT_END_TIMEOUT: a->stats.partial_timeout++; break;
	case EVENT_END_EVICTED: a->stats.partial_evicted++; break;
	default: a->stats.partial_flush++; break;
	}
	list_append(&a->ready, s);
}

static bool reserve_text(struct slot *s, size_t more)
{
	if (s->used + more > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *buf;

		while (cap < s->used + more)
			cap *= 2;
		buf = realloc(s->buf, cap);
		if (!buf)
			return false;
		s->buf = buf;
		s->cap = cap;
	}
	return true;
}

static struct slot *open_event(struct assembler *a, size_t index, uint64_t hash,
			       const struct audit_stamp *st, const char *node, size_t node_len,
			       uint64_t now_ms)
{
	struct slot *s = a->free;

	if (s) {
		a->free = s->next;
	} else {
		s = calloc(1, sizeof(*s));
		if (!s)
			return NULL;
	}
	s->used = 0;
	s->nrecs = 0;
	s->ev = (struct audit_event){ .stamp = *st, .node_len = (uint32_t)node_len };
	/* At least one byte: the text pointer is never NULL, even when every
	 * record is empty. */
	if (!reserve_text(s, node_len + 1)) {
		s->next = a->free;
		a->free = s;
		return NULL;
	}
	if (node_len) {
		if (!reserve_text(s, node_len)) {
			s->next = a->free;
			a->free = s;
			return NULL;
		}
		memcpy(s->buf, node, node_len);
		s->used = node_len;
	}
	s->hash = hash;
	s->held = false;
	s->started_ms = now_ms;
	s->grace_until_ms = 0;
	a->table[index] = s;
	list_append(&a->open, s);
	a->stats.open++;
	return s;
}

void assembler_set_timeout(struct assembler *a, uint64_t timeout_ms)
{
	a->cfg.timeout_ms = timeout_ms ? timeout_ms : 2000;
}

void assembler_tick(struct assembler *a, uint64_t now_ms)
{
	while (a->open.head && a->open.head->started_ms + a->cfg.timeout_ms <= now_ms)
		end_event(a, a->open.head, EVENT_END_TIMEOUT);
	/* Held events are in EOE order, so their backstops are in order. */
	while (a->grace.head && a->grace.head->grace_until_ms <= now_ms)
		end_event(a, a->grace.head, EVENT_END_RULE);
}

void assembler_set_round(struct assembler *a, uint64_t round)
{
	a->round = round;
}

void assembler_release(struct assembler *a, uint64_t stable_round)
{
	while (a->grace.head && a->grace.head->eoe_round <= stable_round)
		end_event(a, a->grace.head, EVENT_END_RULE);
}

/* Makes room for one more open event: the oldest ends, in grace (it is
 * whole) before still open (partial, evicted). */
static void make_room(struct assembler *a)
{
	if (a->grace.head)
		end_event(a, a->grace.head, EVENT_END_RULE);
	else
		end_event(a, a->open.head, EVENT_END_EVICTED);
}

/* An EOE: the end of an open event, or the first of an event whose records
 * are still to come. */
static int add_eoe(struct assembler *a, size_t index, bool found, uint64_t hash,
		   const struct audit_stamp *stamp, const char *node, size_t node_len,
		   uint64_t now_ms)
{
	struct slot *s;

	a->stats.eoe++;
	if (a->cfg.log_input)
		a->log_eoe = LOG_EOE_PRESENT;
	if (!found) {
		if (ended_find(a, hash, stamp)) {
			/* Its event ended already (single-record type, timeout):
			 * nothing is left to end. */
			a->stats.orphan_eoe++;
			return 0;
		}
		/* Records reordered (several listeners, a rearranged log): open
		 * the event now, its records join it. */
		if (a->stats.open >= a->cfg.max_open) {
			make_room(a);
			index = find_index(a, hash, stamp, node, node_len, &found);
		}
		if (!open_event(a, index, hash, stamp, node, node_len, now_ms))
			return -ENOMEM;
		s = a->table[index];
		s->ev.saw_eoe = true;
		list_remove(&a->open, s);
		s->grace_until_ms = now_ms + a->cfg.timeout_ms;
		s->eoe_round = a->round;
		list_append(&a->grace, s);
		return 0;
	}
	s = a->table[index];
	if (s->ev.saw_eoe)
		return 0; /* a second EOE of an event held after its first */
	s->ev.saw_eoe = true;
	if (!a->cfg.hold_after_eoe) {
		end_event(a, s, EVENT_END_RULE);
	} else {
		/* Another listener may still be handing over records of it. */
		list_remove(&a->open, s);
		s->grace_until_ms = now_ms + a->cfg.timeout_ms;
		s->eoe_round = a->round;
		list_append(&a->grace, s);
	}
	return 0;
}

int assembler_add(struct assembler *a, unsigned type, const struct audit_stamp *stamp,
		  const char *node, size_t node_len, const char *body, size_t len, uint64_t now_ms)
{
	uint64_t hash = key_hash(stamp, node, node_len);
	bool found;
	size_t index;
	struct slot *s;

	a->stats.records++;
	assembler_tick(a, now_ms);
	index = find_index(a, hash, stamp, node, node_len, &found);
	if (a->nheld && a->log_eoe == LOG_EOE_UNKNOWN && type != AUDIT_EOE &&
	    !(found && a->table[index]->held) && ++a->probe_records >= LOG_EOE_PROBE) {
		/* No EOE after all those records: a log without EOE. The held
		 * events are whole, and PROCTITLE ends events from now on. */
		a->log_eoe = LOG_EOE_ABSENT;
		assembler_end_held(a);
		index = find_index(a, hash, stamp, node, node_len, &found);
	}
	if (type == AUDIT_EOE)
		return add_eoe(a, index, found, hash, stamp, node, node_len, now_ms);
	if (found) {
		s = a->table[index];
		if (s->ev.saw_eoe)
			a->stats.late_records++;
	} else {
		if (ended_find(a, hash, stamp)) {
			/* Its event was ended and handed out: a second event of
			 * the same id would be worse than the loss, counted. */
			a->stats.late_dropped++;
			return -EEXIST;
		}
		if (a->stats.open >= a->cfg.max_open) {
			make_room(a);
			index = find_index(a, hash, stamp, node, node_len, &found);
		}
		s = open_event(a, index, hash, stamp, node, node_len, now_ms);
		if (!s) {
			a->stats.dropped_records++;
			return -ENOMEM;
		}
	}
	if (s->used + len > a->cfg.max_event_bytes) {
		s->ev.truncated = true;
		a->stats.dropped_records++;
	} else {
		if (s->nrecs == s->rcap) {
			unsigned rcap = s->rcap ? s->rcap * 2 : 8;
			struct event_record *recs = realloc(s->recs, rcap * sizeof(*recs));

			if (!recs) {
				a->stats.dropped_records++;
				return -ENOMEM;
			}
			s->recs = recs;
			s->rcap = rcap;
		}
		if (!reserve_text(s, len)) {
			a->stats.dropped_records++;
			return -ENOMEM;
		}
		if (len)
			memcpy(s->buf + s->used, body, len);
		s->recs[s->nrecs++] = (struct event_record){ .type = type,
							     .offset = (uint32_t)s->used,
							     .len = (uint32_t)len };
		s->used += len;
	}
	if (assemble_is_single_record(type)) {
		end_event(a, s, EVENT_END_RULE);
	} else if (a->cfg.log_input && type == AUDIT_PROCTITLE && !s->ev.saw_eoe) {
		if (a->log_eoe == LOG_EOE_ABSENT) {
			end_event(a, s, EVENT_END_RULE);
		} else if (a->log_eoe == LOG_EOE_UNKNOWN && !s->held) {
			s->held = true;
			a->nheld++;
		}
	}
	return 0;
}

unsigned assembler_end_held(struct assembler *a)
{
	struct slot *h, *next;
	unsigned ended = 0;

	for (h = a->open.head; h && a->nheld; h = next) {
		next = h->next;
		if (h->held) {
			end_event(a, h, EVENT_END_RULE);
			ended++;
		}
	}
	return ended;
}

bool assembler_end(struct assembler *a, const struct audit_stamp *stamp, const char *node,
		   size_t node_len)
{
	uint64_t hash = key_hash(stamp, node, node_len);
	bool found;
	size_t index = find_index(a, hash, stamp, node, node_len, &found);

	if (!found)
		return false;
	end_event(a, a->table[index], EVENT_END_RULE);
	return true;
}

void assembler_flush(struct assembler *a)
{
	while (a->grace.head)
		end_event(a, a->grace.head, EVENT_END_RULE);
	while (a->open.head)
		end_event(a, a->open.head, EVENT_END_FLUSH);
}

struct audit_event *assembler_pop(struct assembler *a)
{
	struct slot *s = a->ready.head;

	if (!s)
		return NULL;
	list_remove(&a->ready, s);
	return &s->ev;
}

void assembler_done(struct assembler *a, struct audit_event *ev)
{
	/* ev is the first member of its slot. */
	struct slot *s = (struct slot *)ev;

	s->next = a->free;
	a->free = s;
}

void assembler_get_stats(const struct assembler *a, struct assemble_stats *ret)
{
	*ret = a->stats;
}

size_t assembler_open_serials(const struct assembler *a, uint32_t *ret, size_t max)
{
	const struct list *lists[2] = { &a->open, &a->grace };
	size_t n = 0;

	for (unsigned l = 0; l < 2; l++)
		for (const struct slot *s = lists[l]->head; s; s = s->next, n++)
			if (n < max)
				ret[n] = s->ev.stamp.serial;
	return n;
}
