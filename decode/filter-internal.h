/* SPDX-License-Identifier: MIT */
/*
 * filter-internal: a compiled filter set, shared by the files that
 * implement filter.h. Private to decode/ (tests use filter.h).
 *
 *   filter-parse.c   text -> struct filter_set (every error at once)
 *   filter-value.c   one match's values: numbers, CIDRs, globs, names
 *   filter-match.c   does a match hold for a parsed event
 *   filter-limit.c   the limits: rate= token buckets, first-per-process
 *   filter.c         filter_event: first rule that holds, its verdict
 *   redact.c         redact rules: patterns compiled, command lines rewritten
 *
 * Everything a rule holds is written once by the parser; only struct
 * filter_limit's atomics change afterwards.
 */
#ifndef NEEDLE_DECODE_FILTER_INTERNAL_H
#define NEEDLE_DECODE_FILTER_INTERNAL_H

#include "filter.h"

#include <stdatomic.h>

/* What a match reads from the event. */
enum filter_kind {
	FK_TYPE,      /* any record of these types */
	FK_KEY,       /* any of the event's rule keys; "none": it has none */
	FK_SYSCALL,   /* the SYSCALL's name, for the event's arch */
	FK_SUCCESS,   /* success=yes|no, or res= of a user-space record */
	FK_EXIT,      /* the SYSCALL's exit: numbers, errno names */
	FK_AUID,      /* the subject's ids: numbers, ranges, user names */
	FK_UID,
	FK_EUID,
	FK_EXE,       /* the subject's exe and comm, globs */
	FK_COMM,
	FK_PATH,      /* any PATH's name made absolute: prefix or glob */
	FK_ADDR,      /* a SOCKADDR's inet or inet6 address in a CIDR */
	FK_PORT,      /* its port in a range */
	FK_ANCESTOR,  /* any known ancestor's exe (process context), glob */
	FK_CONTAINER, /* the container id (process context), glob; none */
	FK_RUNTIME,   /* the container runtime (process context), glob */
	FK_FIELD,     /* TYPE.NAME=VALUE: a field of a record of a type */
	FK_COUNT
};

/* One value of a match's comma-separated list. */
struct filter_value {
	union {
		struct { int64_t lo, hi; } num;        /* numbers, ranges, ids */
		struct {
			unsigned char addr[16];        /* inet: the first 4 */
			unsigned family;               /* 2 (inet) or 10 (inet6) */
			unsigned prefix;               /* bits */
		} net;
		const char *name;                      /* syscall names */
	};
	const char *text;  /* the value as written, unquoted (NUL-ended) */
	size_t len;
	bool glob;         /* text holds * ? or [: fnmatch(3) */
	bool none;         /* key=none, container=none */
};

struct filter_match {
	enum filter_kind kind;
	bool negate;               /* NAME!=VALUE: the match holds when not */
	unsigned record_type;      /* FK_FIELD: the record's type */
	const char *field;         /* FK_FIELD: the field's name */
	size_t field_len;
	unsigned nvalues;
	struct filter_value *values;
};

/*
 * rate=: a token bucket as GCRA (the generic cell rate algorithm), one
 * atomic word: tat is the theoretical arrival time of the next event, in
 * nanoseconds of event time. An event at t passes when tat - t <= tau
 * (burst - 1 intervals ahead at most), and moves tat to max(tat, t) +
 * interval; that is a bucket of burst tokens refilled at the rate.
 */
struct filter_rate {
	uint64_t per_sec_num;      /* rate: num events per den seconds */
	uint64_t per_sec_den;
	uint64_t burst;
	uint64_t interval_ns;      /* den * 1e9 / num */
	uint64_t tau_ns;           /* (burst - 1) * interval */
	_Atomic uint64_t tat_ns;   /* 0: no event yet */
};

/*
 * keep-first-per-process: the processes seen, direct-mapped by pid: one
 * word a slot, pid << 32 | tag (the process's start time when the context
 * knows it, else 0). A slot that another process took makes a process seen
 * again count as new (its next match is written): the table forgets,
 * never drops an event it has not seen the like of.
 */
#define FILTER_FIRST_SLOTS 8192

struct filter_first {
	_Atomic uint64_t slot[FILTER_FIRST_SLOTS];
};

struct filter_rule {
	enum filter_action action;
	unsigned line;
	const char *text;          /* the rule as written */
	unsigned nmatches;
	struct filter_match *matches;
	struct filter_rate *rate;  /* NULL without rate= */
	struct filter_first *first; /* keep-first-per-process only */
	struct redact_pattern *redact; /* redact only; freed with the set */
};

struct filter_set {
	char *origin;
	unsigned nrules;
	struct filter_rule *rules;
	bool wants_process;
	bool has_first;            /* a keep-first-per-process rule */
	bool whole_event;          /* a match reads records past the subject */
	unsigned divert_line;
	unsigned nredact;          /* redact rules */
	uint64_t redact_hash;      /* FNV-1a of their patterns, in order (redact.c's cache) */
	/* Every string and array of the rules, freed with the set. */
	void **allocs;
	size_t nallocs, allocs_cap;
};

/* filter-value.c: the values of one match, parsed; NULL on success, else
 * what is wrong (may be written in buf). */
struct filter_names {
	filter_user_fn user;
	void *user_arg;
};
const char *filter_value_parse(enum filter_kind kind, const char *text, size_t len,
			       const struct filter_names *names, struct filter_value *ret,
			       char *buf, size_t size);

/* True when s holds a glob character (* ? [). */
bool filter_is_glob(const char *s, size_t len);

/* fnmatch(3) with flags 0 (so * matches '/' too) when v->glob, else
 * equality; s need not be NUL-ended. */
bool filter_value_text_matches(const struct filter_value *v, const char *s, size_t len);

/* path=: a glob, or the path itself and everything under it. */
bool filter_value_path_matches(const struct filter_value *v, const char *s, size_t len);

/* True when addr (4 or 16 bytes of family 2 or 10) is in v's network; an
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) is taken as a.b.c.d. */
bool filter_value_net_matches(const struct filter_value *v, unsigned family,
			      const unsigned char *addr);

/* filter-match.c: whether one match holds; ctx holds the parsed event,
 * its subject indexed, its process context asked if the set wants it. */
bool filter_match_holds(const struct filter_match *m, struct format_ctx *ctx,
			const struct audit_event *ev);

/* The event's pid (0 when none) and whether it is a successful execve or
 * an exit, for keep-first-per-process. */
uint32_t filter_event_pid(struct format_ctx *ctx);
bool filter_event_starts_program(struct format_ctx *ctx, const struct audit_event *ev);
bool filter_event_ends_process(struct format_ctx *ctx, const struct audit_event *ev);

/* redact.c: a redact rule's PCRE2 pattern (len bytes, not NUL-ended),
 * compiled once; NULL with what is wrong in err ("PCRE2's message at
 * offset N"). */
struct redact_pattern;
struct redact_pattern *redact_pattern_compile(const char *text, size_t len, char *err,
					      size_t size);
void redact_pattern_free(struct redact_pattern *p);

/* filter-limit.c */

/* Whether an event at t_ns passes the rate (and takes its token). */
bool filter_rate_take(struct filter_rate *r, uint64_t t_ns);

/* Whether this is the first event of process (pid, tag) the table has
 * seen; marks it seen. */
bool filter_first_take(struct filter_first *f, uint32_t pid, uint32_t tag);

/* The process left or replaced its program: its next event is a first. */
void filter_first_forget(struct filter_first *f, uint32_t pid);

#endif
