/* SPDX-License-Identifier: MIT */
/*
 * logtail: the serials of the events needle wrote to one of its own logs
 * after a known position in it.
 *
 *   positions (dev, inode, size), one per decoder, noted while running
 *        |  find each file among path, path.1 ... path.(num_logs-1)
 *        v  (rotation renames files; the inode stays)
 *   the earliest position --> its file from that offset, then every newer
 *   generation whole --> serials, sorted, each once
 *
 * A restart uses it to tell the events a killed needle wrote after its
 * last progress note (progress.h) from those it lost. Lines are needle's
 * own: JSON lines start {"id":"SEC.MS:SERIAL"; RAW and ENRICHED lines
 * carry msg=audit(SEC.MS:SERIAL); needle's own DAEMON_* records, whose
 * serial is not the kernel's, are skipped. A last line without its newline (a
 * write cut by the kill) is not counted as written. With lz4 the files are
 * concatenated frames and every position is a frame boundary (the sink
 * notes positions between whole writes).
 */
#ifndef NEEDLE_LOGTAIL_H
#define NEEDLE_LOGTAIL_H

#include "sink.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum logtail_format {
	LOGTAIL_JSON,
	LOGTAIL_RAW, /* RAW and ENRICHED */
};

struct logtail_result {
	uint32_t *serials; /* sorted, each once; free() it */
	size_t count;
	uint64_t bytes;    /* read after the earliest position */
	bool cut_line;     /* the newest file ended in a cut line */
};

/* Reads the serials written to path (and its older generations) after the
 * earliest of the n positions. Returns 0; -ENOENT when a position's file
 * is gone (rotated past num_logs, removed), -EINVAL for a corrupt lz4
 * frame, -ENOMEM, or another -errno from reading; err then says which
 * file and what. */
int logtail_read(const char *path, unsigned num_logs, bool lz4, enum logtail_format format,
		 const struct sink_position *from, size_t n, struct logtail_result *ret, char *err,
		 size_t err_size);

/* The serial of one line of a log needle wrote, or -1 when it has none
 * (or it is one of needle's own DAEMON_* records). */
int64_t logtail_line_serial(enum logtail_format format, const char *line, size_t len);

#endif
