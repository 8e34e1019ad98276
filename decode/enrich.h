/* SPDX-License-Identifier: MIT */
/*
 * enrich: what auditd's ENRICHED log format adds to a RAW line, byte for
 * byte as auditd 3.0.9 (Debian 12's) writes it.
 *
 * auditd (src/auditd-event.c, format_enrich) hands each RAW line to auparse
 * and appends, after one 0x1d, NAME=value for every field auparse types as
 * a uid, gid, syscall, arch or socket address, in the record's order:
 *
 *   type=SYSCALL msg=audit(..): arch=c000003e syscall=257 .. auid=1000 uid=0 ..
 *     -> 0x1d ARCH=x86_64 SYSCALL=openat AUID="alice" UID="root" ..
 *   type=SOCKADDR msg=audit(..): saddr=02000016..
 *     -> 0x1d SADDR={ saddr_fam=inet laddr=127.0.0.1 lport=22 }
 *
 * A record without such a field gets nothing, not even the 0x1d. The rules
 * are auparse's (auparse/interpret.c, ellist.c, typetab.h of 3.0.9),
 * quirks included, since the point is identity with auditd's lines:
 * tests/decode/test_enriched.py checks them against libauparse itself,
 * tests/live/test-parity.sh against a running auditd.
 *
 * Where auditd breaks its own line, this does not: a unix socket path or
 * an AX.25 call sign is copied raw by auditd, so a control byte in it (a
 * newline) ends auditd's line early; here control bytes are written \xHH,
 * as in RAW lines. And a link-local IPv6 scope is written as its number,
 * where auditd asks the kernel for the interface's name.
 *
 * Pure: no I/O; the uid/gid names come from the caller's callbacks.
 */
#ifndef NEEDLE_DECODE_ENRICH_H
#define NEEDLE_DECODE_ENRICH_H

#include "outbuf.h"

#include <stddef.h>
#include <stdint.h>

/* uid or gid to name, or NULL when it has none (format_id_name_fn). */
typedef const char *(*enrich_name_fn)(void *arg, uint32_t id);

struct enrich_names {
	enrich_name_fn uid, gid; /* NULL: every id but 0 and -1 is unknown(N) */
	void *arg;
};

/*
 * Appends to out the ENRICHED part for one RAW line: line[0..len) exactly
 * as written (node= prefix included, no newline); type is the record's.
 * scratch is the caller's reusable buffer; neither it nor out may hold
 * line. Appends nothing when auditd would add nothing.
 */
void enrich_line(const char *line, size_t len, unsigned type, const struct enrich_names *names,
		 struct outbuf *scratch, struct outbuf *out);

/* auditd's SADDR= value for a saddr field's text (hex as logged). */
void enrich_sockaddr(const char *val, size_t len, struct outbuf *out);

#endif
