/* SPDX-License-Identifier: MIT */
/* frame: see frame.h. */
#include "frame.h"

#include <errno.h>
#include <lz4frame.h>

int frame_compress_lz4(const void *src, size_t len, struct outbuf *ret_frame)
{
	size_t bound = LZ4F_compressFrameBound(len, NULL), n;

	ret_frame->len = 0;
	ret_frame->failed = false;
	if (bound < len) /* liblz4's bound overflowed: no frame can hold it */
		return -E2BIG;
	if (!outbuf_reserve(ret_frame, bound))
		return -ENOMEM;
	n = LZ4F_compressFrame(ret_frame->data, bound, src, len, NULL);
	if (LZ4F_isError(n))
		return -EIO;
	ret_frame->len = n;
	return 0;
}
