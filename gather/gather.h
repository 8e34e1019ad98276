/* SPDX-License-Identifier: MIT */
/*
 * gather: needle gather, the central side of the fleet. A pull consumer of
 * the JetStream stream needle run publishes to writes every host's events
 * to that host's files (or standard output), at least once end to end:
 *
 *   fetch a batch (up to GATHER_BATCH messages) --> each message: needle's?
 *   (Needle-Host, Nats-Msg-Id HOST/ID, the payload of that id) --no-->
 *   said, terminated (never sent again)
 *     --> written before (hostlog_seen: the host's recent ids)? --> a repeat:
 *         acknowledged, not written
 *     --> converted (convert.h), staged per file
 *   --> one write per file (O_DSYNC with sync) --> the messages whose write
 *   succeeded are acknowledged, the others asked again in GATHER_NAK_MS
 *
 * An acknowledgement is sent only after the write() of its lines returned
 * (and, with sync, reached the disk), so a crash between the two, or an
 * acknowledgement lost on the way, makes the server deliver the message
 * again: the host's ids (written lately, and at a restart read back from
 * the tails of its files) recognise it, so it is acknowledged and not
 * written twice. A durable consumer resumes where it stopped; an ephemeral
 * one (follow) lives as long as gather does.
 *
 * SIGTERM and SIGINT stop it once the batch in hand is written and
 * acknowledged; the files are then synced and closed.
 */
#ifndef NEEDLE_GATHER_H
#define NEEDLE_GATHER_H

#include "convert.h"
#include "natslink.h"
#include "sink.h"

#include <stdbool.h>
#include <stdint.h>

#define GATHER_BATCH 256
#define GATHER_NAK_MS 5000
#define GATHER_KEEP 16384 /* event ids remembered per host (dedup.h) */

struct gather_options {
	struct nats_endpoint nats;         /* servers, credentials, TLS */
	struct natslink_consumer consumer; /* durable NULL: ephemeral */
	enum convert_format format;
	const char *dir;                   /* NULL: standard output */
	struct sink_options sink;          /* rotation, lz4; flush DATA with --sync */
	unsigned keep;
};

/* Runs until SIGTERM or SIGINT (or a write to standard output fails).
 * Returns the exit status: 0 after a stop with every file closed cleanly;
 * 1 when it could not start (no server, no stream, the output folder), a
 * file's close failed, or standard output could not be written. */
int gather_run(const struct gather_options *o);

#endif
