/* SPDX-License-Identifier: MIT */
/*
 * daemon-records: needle's DAEMON_START, DAEMON_END and DAEMON_ABORT
 * records, with auditd's fields, so that a gap in the trail is explained
 * by the logs themselves (written by pipeline_write_own, pipeline.h):
 *
 *   DAEMON_START  op=start ver=VERSION format=raw|enriched|json kernel=RELEASE
 *                 auid= pid= uid= ses= [subj=] res=success       (needle's own)
 *   DAEMON_END    op=terminate auid= uid= ses= pid= [subj=] res=success
 *                 (who sent the signal that stopped needle: the kernel's
 *                 note of it while registered, as auditd asks for it, else
 *                 the signal's sender as /proc shows it)
 *   DAEMON_ABORT  op=abort reason=WHAT auid= pid= uid= ses= [subj=] res=failed
 *                 (needle's own; WHAT is the cause needle logs, one word:
 *                 blanks and punctuation become '-')
 *
 * Start: once the logs are open, before anything else is written. End or
 * abort: once the decoders have drained, the last line of each log.
 * Private to daemon/. Main thread.
 */
#ifndef NEEDLE_DAEMON_RECORDS_H
#define NEEDLE_DAEMON_RECORDS_H

#include "state.h"

#include <signal.h>

void daemon_records_start(struct daemon *d);

/* Notes who sent sig, the signal that stops needle: at once, while needle
 * is still registered (the kernel's note of the sender is kept only for
 * the registered daemon). */
void daemon_records_stopped_by(struct daemon *d, const siginfo_t *sig);

/* The last record: DAEMON_ABORT with d->abort_reason when there is one,
 * else DAEMON_END with the sender noted (auditd's "-1" fields when none). */
void daemon_records_end(struct daemon *d);

/* The reason as one word for the record: [A-Za-z0-9._/] kept, every run of
 * other bytes one '-', none at either end; "unknown" when nothing is left. */
void daemon_records_word(const char *reason, char *buf, size_t size);

#endif
