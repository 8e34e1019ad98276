/* SPDX-License-Identifier: MIT */
/*
 * format: an assembled event as one JSON line, as auditd RAW or ENRICHED
 * lines, or as a one-line summary. One file per output: json.c (with
 * json-records.c), raw.c, enrich.c, summary.c (and summary-json.c, the
 * summary of a JSON line); event.c parses the records
 * once for all of them (format-internal.h, private to these files).
 *
 * JSON (README.md, Outputs, has the full schema):
 *   {"id":"SEC.MS:SERIAL","serial":N,"time":"RFC 3339","node":"...",
 *    "partial":true,"partial_reason":"timeout",       (only when partial)
 *    "records":{"SYSCALL":{...},"PATH":[{...}],...},  every field of every record
 *    "who":{...},"what":{...},"where":{...},"how":{...},"why":{...},"objects":[...]}
 *
 * A struct format_ctx holds reusable scratch memory: one per thread.
 */
#ifndef NEEDLE_DECODE_FORMAT_H
#define NEEDLE_DECODE_FORMAT_H

#include "assemble.h"
#include "outbuf.h"
#include "record.h"

#include <stdint.h>

/* Optional uid/gid to name lookup, called with the caller's arg; returns
 * NULL when the id has no name. Lets decode/ stay free of I/O. */
typedef const char *(*format_id_name_fn)(void *arg, uint32_t id);

/*
 * Process context (optional): what the caller knows of the process behind
 * an event, beyond the records. format asks once per event, after telling
 * what the event itself says (the facts), so the caller can also keep its
 * process table current from execve, fork and exit. Strings in the answer
 * belong to the caller and must stay valid until the event is formatted.
 */
#define FORMAT_MAX_ANCESTORS 16

struct format_facts {
	uint32_t pid, ppid;       /* 0 when the event names none */
	uint64_t sec;             /* the event's time */
	unsigned msec;
	/* unshare, setns, clone: the first two arguments (flags, nstype) */
	unsigned long long a0, a1;
	const char *syscall;      /* its name, NULL for a non-syscall event */
	bool success;
	long long exit;
	const char *exe;          /* decoded; NULL when the event names none */
	const char *argv0;        /* decoded, only for execve/execveat; else NULL */
	const char *comm;         /* decoded, only for execve/execveat; else NULL */
};

struct format_ancestor {
	uint32_t pid;
	bool known;               /* false: gone or never seen; exe/argv0 are NULL */
	const char *exe, *argv0;
};

struct format_process {
	uint64_t generation;      /* changes whenever the strings below may have */
	bool known;               /* the process itself was found */
	double start_time;        /* wall seconds; 0 when unknown */
	unsigned nancestors;      /* parent first */
	struct format_ancestor ancestors[FORMAT_MAX_ANCESTORS];
	const char *runtime, *container_id, *pod; /* NULL when none */
	unsigned namespaces;      /* not the host's: 1 pid, 2 mnt, 4 net, 8 user,
				   * 16 uts, 32 ipc, 64 cgroup */
	bool has_container_uid;   /* in a user namespace that maps the uid: */
	uint32_t host_uid, container_uid;
	bool has_container_gid;   /* in a user namespace that maps the gid: */
	uint32_t host_gid, container_gid;
};

/* Fills ret for facts; false when there is nothing to add. */
typedef bool (*format_process_fn)(void *arg, const struct format_facts *facts,
				  struct format_process *ret);

struct format_ctx {
	struct audit_field *fields;
	unsigned fields_cap;
	struct audit_record *recs;
	unsigned recs_cap;
	struct audit_record **group;   /* the records of one type, recs_cap of them */
	struct audit_field **sorted;   /* repeated names: scratch for the sort */
	size_t sorted_cap;
	int sa_big_endian;             /* the event's byte order for sockaddrs: 1, 0,
					* or -1 when it names no arch */
	struct outbuf value, value2, path;
	const struct audit_field *subject[24]; /* see enum subject_field */
	format_id_name_fn uid_name, gid_name;
	void *id_arg;
	format_process_fn process; /* NULL: no process context */
	void *process_arg;
	struct format_process proc; /* this event's, when proc_valid */
	bool proc_valid;
	/* The last process context as JSON: consecutive events of one process
	 * reuse it instead of rendering it again. */
	struct format_process proc_rendered;
	struct outbuf proc_json;
	struct outbuf exe_buf, argv0_buf, comm_buf;
};

void format_ctx_free(struct format_ctx *ctx);

/* Appends the event as one JSON line (newline included) to out. */
void format_event_json(struct format_ctx *ctx, const struct audit_event *ev, struct outbuf *out);

/* Appends the event's first rule key (its SYSCALL's key=, else its first
 * record's; of several keys the first), decoded; false (nothing
 * appended) when it has none. */
bool format_event_first_key(struct format_ctx *ctx, const struct audit_event *ev,
			    struct outbuf *out);

/* Appends a one-line human summary: time, who (login and effective user),
 * what (syscall or record type, result), where (pid, node), how (exe, argv),
 * why (key), and the objects. */
void format_event_summary(struct format_ctx *ctx, const struct audit_event *ev,
			  struct outbuf *out);

/* Appends the summary line of one of needle's JSON event lines (what
 * format_event_json() writes; its newline may be there or not): the line
 * format_event_summary() writes for the same event, read from the JSON's
 * time, node, partial_reason, who, what, where, how, why and objects, with
 * the names the JSON carries (those of the machine that made it). The line
 * is untrusted text (needle gather reads it from the network): it must be
 * one strict JSON object (jsonscan.h) with those members, and every value
 * taken from it is written printable or through the JSON escaper, so no
 * text in it can break the summary line. Returns 0; -EINVAL when the line
 * is not such an object, -ENOMEM when out could not grow (nothing is
 * appended then). */
int format_summary_from_json(const char *line, size_t len, struct outbuf *out);

/* Appends the event's records as auditd RAW lines (EOE not written). An
 * ENRICHED part the input had (log input) is left out: RAW has none. */
void format_event_raw(const struct audit_event *ev, struct outbuf *out);

/* Appends the records in auditd's ENRICHED format: each RAW line, then
 * what auditd 3.0.9 adds to it (enrich.h: 0x1d, ARCH and SYSCALL names,
 * uids and gids as names, SADDR={ saddr_fam=... }), byte for byte. Names
 * come from ctx's callbacks. */
void format_event_enriched(struct format_ctx *ctx, const struct audit_event *ev,
			   struct outbuf *out);

#endif
