/* SPDX-License-Identifier: MIT */
/*
 * frame: one buffer of whole output lines as one LZ4 frame (compress =
 * lz4). Each write of a compressed log is one self-contained frame, so a
 * file is a concatenation of frames that `lz4 -dc` reads as one stream, and
 * a frame lost to a failed write takes only its own lines with it.
 *
 * The LZ4 library's errors are translated here (STYLE.md): nothing above
 * sees LZ4F_isError codes.
 */
#ifndef NEEDLE_FRAME_H
#define NEEDLE_FRAME_H

#include "outbuf.h"

#include <stddef.h>

/* Replaces the content of ret_frame with the LZ4 frame of src[0..len).
 * 0; -ENOMEM when ret_frame cannot grow to the frame's bound; -E2BIG when
 * len is past what LZ4 can bound; -EIO when
 * LZ4 refuses (ret_frame then holds nothing). Any thread; ret_frame is
 * the caller's scratch buffer, reused from call to call. */
int frame_compress_lz4(const void *src, size_t len, struct outbuf *ret_frame);

#endif
