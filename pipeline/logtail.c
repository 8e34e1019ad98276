/* SPDX-License-Identifier: MIT */
#include "logtail.h"
#include "stamp.h"

#include <errno.h>
#include <fcntl.h>
#include <lz4frame.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (1u << 20)

/* needle's own DAEMON_* records carry a serial of needle's own, not the
 * kernel's (own-record.c): near the start of the line, RAW "type=DAEMON_"
 * (after a node= when there is one), JSON the first record's name. */
static bool is_own_record(enum logtail_format format, const char *line, size_t len)
{
	static const char raw[] = "type=DAEMON_", json[] = "\"records\":{\"DAEMON_";
	size_t head = len < 256 ? len : 256;

	return format == LOGTAIL_JSON ? memmem(line, head, json, sizeof(json) - 1) != NULL
				      : memmem(line, head, raw, sizeof(raw) - 1) != NULL;
}

int64_t logtail_line_serial(enum logtail_format format, const char *line, size_t len)
{
	struct audit_stamp st;
	const char *p;

	if (is_own_record(format, line, len))
		return -1;
	if (format == LOGTAIL_JSON) {
		static const char head[] = "{\"id\":\"";
		const char *colon;
		uint64_t v = 0;

		if (len < sizeof(head) - 1 || memcmp(line, head, sizeof(head) - 1) != 0)
			return -1;
		p = line + sizeof(head) - 1;
		colon = memchr(p, ':', (size_t)(line + len - p));
		if (!colon)
			return -1;
		for (p = colon + 1; p < line + len && *p >= '0' && *p <= '9'; p++) {
			v = v * 10 + (uint64_t)(*p - '0');
			if (v > UINT32_MAX)
				return -1;
		}
		return p > colon + 1 && p < line + len && *p == '"' ? (int64_t)v : -1;
	}
	p = memmem(line, len, "msg=audit(", 10);
	if (!p || decode_stamp(p + 4, (size_t)(line + len - p - 4), &st) < 0)
		return -1;
	return st.serial;
}

struct collect {
	enum logtail_format format;
	uint32_t *serials;
	size_t count, cap;
	char *carry;       /* a line begun in an earlier chunk */
	size_t carry_len, carry_cap;
	bool failed;
};

static void add_serial(struct collect *c, uint32_t serial)
{
	/* RAW writes several lines per event, next to each other. */
	if (c->count && c->serials[c->count - 1] == serial)
		return;
	if (c->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4096;
		uint32_t *s = realloc(c->serials, cap * sizeof(*s));

		if (!s) {
			c->failed = true;
			return;
		}
		c->serials = s;
		c->cap = cap;
	}
	c->serials[c->count++] = serial;
}

static void take_line(struct collect *c, const char *line, size_t len)
{
	int64_t serial = logtail_line_serial(c->format, line, len);

	if (serial >= 0)
		add_serial(c, (uint32_t)serial);
}

/* Bytes of the text stream; whole lines are taken, a tail is carried. */
static void take_text(struct collect *c, const char *p, size_t len)
{
	while (len) {
		const char *nl = memchr(p, '\n', len);
		size_t n = nl ? (size_t)(nl - p) : len;

		if (!nl || c->carry_len) {
			if (c->carry_len + n > c->carry_cap) {
				size_t cap = c->carry_cap ? c->carry_cap : 4096;
				char *b;

				while (cap < c->carry_len + n)
					cap *= 2;
				b = realloc(c->carry, cap);
				if (!b) {
					c->failed = true;
					return;
				}
				c->carry = b;
				c->carry_cap = cap;
			}
			memcpy(c->carry + c->carry_len, p, n);
			c->carry_len += n;
			if (!nl)
				return;
			take_line(c, c->carry, c->carry_len);
			c->carry_len = 0;
		} else {
			take_line(c, p, n);
		}
		p += n + 1;
		len -= n + 1;
	}
}

/* Reads fd from offset to its end into the text stream. */
static int read_file(struct collect *c, int fd, uint64_t offset, bool lz4, const char *name,
		     uint64_t *bytes, char *err, size_t err_size)
{
	char *in = malloc(CHUNK), *out = lz4 ? malloc(CHUNK) : NULL;
	LZ4F_dctx *dctx = NULL;
	int r = 0;

	if (!in || (lz4 && !out) ||
	    (lz4 && LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))) {
		r = -ENOMEM;
		snprintf(err, err_size, "%s: out of memory", name);
		goto free_buffers;
	}
	for (;;) {
		ssize_t n = pread(fd, in, CHUNK, (off_t)offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(err, err_size, "%s: %s", name, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		offset += (uint64_t)n;
		*bytes += (uint64_t)n;
		if (!lz4) {
			take_text(c, in, (size_t)n);
			continue;
		}
		for (size_t used = 0; used < (size_t)n;) {
			size_t src = (size_t)n - used, dst = CHUNK;
			size_t hint = LZ4F_decompress(dctx, out, &dst, in + used, &src, NULL);

			if (LZ4F_isError(hint)) {
				r = -EINVAL;
				snprintf(err, err_size, "%s: corrupt lz4 frame near byte %llu: %s", name,
					 (unsigned long long)(offset - (uint64_t)n + used),
					 LZ4F_getErrorName(hint));
				goto free_buffers;
			}
			take_text(c, out, dst);
			used += src;
		}
	}
free_buffers:
	if (dctx)
		LZ4F_freeDecompressionContext(dctx);
	free(out);
	free(in);
	return r;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int logtail_read(const char *path, unsigned num_logs, bool lz4, enum logtail_format format,
		 const struct sink_position *from, size_t n, struct logtail_result *ret, char *err,
		 size_t err_size)
{
	struct collect c = { .format = format };
	struct logtail_result res = { 0 };
	unsigned gens = num_logs < 1 ? 1 : num_logs, start_gen = 0;
	uint64_t start_offset = UINT64_MAX;
	char name[600];
	int r = 0;

	/* The earliest position: the oldest generation, the smallest offset. */
	for (size_t i = 0; i < n; i++) {
		unsigned g;
		struct stat st;

		for (g = 0; g < gens; g++) {
			if (g == 0)
				snprintf(name, sizeof(name), "%s", path);
			else
				snprintf(name, sizeof(name), "%s.%u", path, g);
			if (stat(name, &st) == 0 && (uint64_t)st.st_dev == from[i].dev &&
			    (uint64_t)st.st_ino == from[i].ino)
				break;
		}
		if (g == gens) {
			snprintf(err, err_size,
				 "%s: the file needle was writing at its last progress note "
				 "(inode %llu) is gone (rotated past num_logs, or removed)",
				 path, (unsigned long long)from[i].ino);
			return -ENOENT;
		}
		if (g > start_gen || (g == start_gen && from[i].size < start_offset)) {
			start_gen = g;
			start_offset = from[i].size;
		}
	}
	if (n == 0)
		start_offset = 0;
	for (unsigned g = start_gen + 1; g-- > 0;) {
		struct stat st;
		uint64_t offset = g == start_gen ? start_offset : 0;
		int fd;

		if (g == 0)
			snprintf(name, sizeof(name), "%s", path);
		else
			snprintf(name, sizeof(name), "%s.%u", path, g);
		/* O_NONBLOCK: a FIFO in place of a log must not hang a start. */
		fd = open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT && g == 0)
				continue; /* rotated, the new file not opened yet */
			r = -errno;
			snprintf(err, err_size, "%s: %s", name, strerror(errno));
			break;
		}
		/* Shorter than the position: cut back since (one generation
		 * truncates in place); what is there was all written later. */
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			continue;
		}
		if ((uint64_t)st.st_size < offset)
			offset = 0;
		c.carry_len = 0;
		r = read_file(&c, fd, offset, lz4, name, &res.bytes, err, err_size);
		close(fd);
		if (r < 0)
			break;
		res.cut_line = c.carry_len > 0; /* the last file read decides */
	}
	if (!r && c.failed) {
		r = -ENOMEM;
		snprintf(err, err_size, "%s: out of memory reading the log's tail", path);
	}
	free(c.carry);
	if (r < 0) {
		free(c.serials);
		return r;
	}
	if (c.count)
		qsort(c.serials, c.count, sizeof(*c.serials), cmp_u32);
	for (size_t i = 0; i < c.count; i++)
		if (res.count == 0 || c.serials[i] != c.serials[res.count - 1])
			c.serials[res.count++] = c.serials[i];
	res.serials = c.serials;
	*ret = res;
	return 0;
}
