/* SPDX-License-Identifier: MIT */
/*
 * needle-spool-bench: what the spool (pipeline/spool.h) costs a message on
 * its hot path, on a real file system (not a timed test: `meson test -C
 * build --benchmark spool`, or run it by hand with a directory of the
 * disk that log_dir is on).
 *
 *   append  N messages (DATA bytes of data, a subject and an id as the
 *           NATS output makes them) in batches of BATCH: one pwrite() a batch
 *   read    them back in order, 256 a call (the sender's loop), every byte
 *           summed so the read is not optimised away
 *   open    close and open again: the whole spool read through, CRCs checked
 *   ack     the floor moved 256 messages at a time (DIR/acked written, the
 *           segments below it unlinked)
 *   write   the baseline: the same bytes written by pwrite() into new files
 *           of SPOOL_SEGMENT_BYTES, batch by batch, nothing else done
 *
 * Each round uses a new spool directory; the figures are the median of the
 * rounds, per message (ack: per call).
 */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS 32
#define ID_LEN 46 /* "host.example.org/1796188829.048:" and 14 digits */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void remove_spool(const char *dir)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "needle-spool-bench: could not remove %s\n", dir);
}

/* Seconds a message for pwrite()s of batch records of rec bytes into new
 * files in base, a file every SPOOL_SEGMENT_BYTES; -1 on an error. */
static double bare_writes(const char *base, size_t messages, size_t batch, size_t rec)
{
	char dir[600], path[700];
	char *buf = calloc(batch, rec);
	int fd = -1, files = 0;
	uint64_t off = 0;
	double t0;

	snprintf(dir, sizeof(dir), "%s/needle-spool-bench-XXXXXX", base);
	if (!buf || !mkdtemp(dir)) {
		fprintf(stderr, "needle-spool-bench: %s: %s\n", dir, strerror(errno));
		free(buf);
		return -1;
	}
	t0 = now_s();
	for (size_t done = 0; done < messages; done += batch) {
		size_t n = (messages - done < batch ? messages - done : batch) * rec;

		if (fd < 0 || off + n > SPOOL_SEGMENT_BYTES) {
			if (fd >= 0)
				close(fd);
			snprintf(path, sizeof(path), "%s/%d", dir, files++);
			fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			off = 0;
		}
		if (fd < 0 || pwrite(fd, buf, n, (off_t)off) != (ssize_t)n) {
			fprintf(stderr, "needle-spool-bench: %s: %s\n", path, strerror(errno));
			free(buf);
			return -1;
		}
		off += n;
	}
	t0 = (now_s() - t0) / (double)messages;
	close(fd);
	free(buf);
	remove_spool(dir);
	return t0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: needle-spool-bench [--dir DIR] [--messages N] [--data BYTES] "
		   "[--batch N] [--rounds N]\n"
		   "  --dir DIR      where the spools are made (default /var/tmp)\n"
		   "  --messages N   messages a round (default 200000)\n"
		   "  --data BYTES   data bytes a message (default 500)\n"
		   "  --batch N      messages an append (default 64)\n"
		   "  --rounds N     rounds, median reported (default 5, at most 32)\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },   { "messages", required_argument, NULL, 'n' },
		{ "data", required_argument, NULL, 's' },  { "batch", required_argument, NULL, 'b' },
		{ "rounds", required_argument, NULL, 'r' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *base = "/var/tmp";
	size_t messages = 200000, data_len = 500, batch = 64;
	int rounds = 5, c;
	double t_append[MAX_ROUNDS], t_read[MAX_ROUNDS], t_ack[MAX_ROUNDS], t_open[MAX_ROUNDS];
	double t_write[MAX_ROUNDS];
	struct spool_msg *m;
	struct spool_batch b = { 0 };
	char err[512], *data, *ids;
	struct statfs fs;
	uint64_t sum = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': base = optarg; break;
		case 'n': messages = strtoull(optarg, NULL, 10); break;
		case 's': data_len = strtoull(optarg, NULL, 10); break;
		case 'b': batch = strtoull(optarg, NULL, 10); break;
		case 'r': rounds = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!messages || !batch || rounds < 1 || rounds > MAX_ROUNDS || data_len > SPOOL_MAX_DATA) {
		usage(stderr);
		return 2;
	}
	/* The ids made before the clock starts: the spool's cost, not snprintf's. */
	m = calloc(batch, sizeof(*m));
	data = malloc(data_len + 1);
	ids = malloc(messages * ID_LEN + 1);
	if (!m || !data || !ids) {
		fprintf(stderr, "needle-spool-bench: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < data_len; i++)
		data[i] = (char)('a' + i % 26);
	for (size_t i = 0; i < messages; i++) {
		char id[64];

		snprintf(id, sizeof(id), "host.example.org/1796188829.048:%014zu", i % 100000000000000);
		memcpy(ids + i * ID_LEN, id, ID_LEN);
	}
	for (int round = 0; round < rounds; round++) {
		char dir[600];
		struct spool *s = NULL;
		size_t acks = 0;
		double t0;
		int r;

		snprintf(dir, sizeof(dir), "%s/needle-spool-bench-XXXXXX", base);
		if (!mkdtemp(dir)) {
			fprintf(stderr, "needle-spool-bench: mkdtemp %s: %s\n", dir, strerror(errno));
			return 1;
		}
		if (round == 0 && statfs(dir, &fs) == 0)
			printf("spool in %s (file system magic 0x%lx), %zu messages of %zu data "
			       "bytes a round, batches of %zu\n",
			       base, (unsigned long)fs.f_type, messages, data_len, batch);
		r = spool_open(dir, UINT64_MAX, &s, err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, "needle-spool-bench: %s\n", err);
			return 1;
		}
		t0 = now_s();
		for (size_t done = 0; done < messages;) {
			size_t n = messages - done < batch ? messages - done : batch, taken;

			for (size_t i = 0; i < n; i++)
				m[i] = (struct spool_msg){ .subject = "needle.events.host_example_org",
							   .subject_len = 30, .id = ids + (done + i) * ID_LEN,
							   .id_len = ID_LEN, .data = data,
							   .data_len = data_len };
			r = spool_append(s, m, n, &taken, err, sizeof(err));
			if (r < 0 || taken != n) {
				fprintf(stderr, "needle-spool-bench: append: %s\n",
					r < 0 ? err : "refused");
				return 1;
			}
			done += n;
		}
		t_append[round] = (now_s() - t0) / (double)messages;

		t0 = now_s();
		for (uint64_t from = 1;;) {
			r = spool_read(s, from, 256, SIZE_MAX, &b, err, sizeof(err));
			if (r < 0) {
				fprintf(stderr, "needle-spool-bench: read: %s\n", err);
				return 1;
			}
			if (!b.count)
				break;
			for (size_t i = 0; i < b.count; i++)
				for (size_t k = 0; k < b.msg[i].data_len; k += 64)
					sum += (unsigned char)b.msg[i].data[k];
			from = b.msg[b.count - 1].seq + 1;
		}
		t_read[round] = (now_s() - t0) / (double)messages;

		/* The scan at open, on the spool as full as the round made it. */
		spool_close(s);
		s = NULL;
		t0 = now_s();
		if (spool_open(dir, UINT64_MAX, &s, err, sizeof(err)) < 0) {
			fprintf(stderr, "needle-spool-bench: %s\n", err);
			return 1;
		}
		t_open[round] = (now_s() - t0) / (double)messages;

		t0 = now_s();
		for (uint64_t seq = 256; seq < messages + 256; seq += 256, acks++)
			if (spool_ack(s, seq, err, sizeof(err)) < 0) {
				fprintf(stderr, "needle-spool-bench: ack: %s\n", err);
				return 1;
			}
		t_ack[round] = (now_s() - t0) / (double)acks;
		spool_close(s);
		remove_spool(dir);

		/* The baseline: the same bytes pwritten into new files of
		 * SPOOL_SEGMENT_BYTES, a batch at a time, nothing else done. */
		t_write[round] = bare_writes(base, messages, batch, 32 + 30 + ID_LEN + data_len);
		if (t_write[round] < 0)
			return 1;
	}
	printf("append %.0f ns a message, read %.0f ns a message, together %.0f ns "
	       "(%.0f MB/s of data each way)\n",
	       median(t_append, rounds) * 1e9, median(t_read, rounds) * 1e9,
	       (median(t_append, rounds) + median(t_read, rounds)) * 1e9,
	       (double)data_len / 1e6 /
		       (median(t_append, rounds) > median(t_read, rounds) ? median(t_append, rounds)
									  : median(t_read, rounds)));
	printf("ack %.1f us a call (the floor written, segments below it unlinked), open %.0f ns a message spooled "
	       "(read through, CRCs checked)\n",
	       median(t_ack, rounds) * 1e6, median(t_open, rounds) * 1e9);
	printf("baseline: the same bytes pwritten into new files, %.0f ns a message\n",
	       median(t_write, rounds) * 1e9);
	printf("median of %d rounds (checksum %" PRIu64 ")\n", rounds, sum);
	spool_batch_free(&b);
	free(m);
	free(data);
	free(ids);
	return 0;
}
