/* SPDX-License-Identifier: MIT */
/*
 * needle-keycount-bench: what counting an event under its rule key
 * (pipeline/keycount.h: decode/rulekey.h's key, the table's entry, three
 * counters) costs a decoder per event (not a timed test: `meson test -C
 * build --benchmark keycount`, or run it by hand).
 *
 *   events   EVENTS live events (SYSCALL, CWD, PATH, PROCTITLE, EOE as the
 *            kernel sends them, 5 records), assembled once and kept; their
 *            key of KEYS rotating keys, quoted, in hex with a second key,
 *            or key=(null)
 *   count    keycount_event() on each in turn, ROUNDS times; the median
 *            round, in ns per event
 *   baseline the same loop reading each event's last byte instead, so the
 *            walk over the events is not counted as the key's cost
 */
#include "assemble.h"
#include "keycount.h"
#include "stamp.h"

#include <linux/audit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVENTS 4096
#define KEYS 8
#define ROUNDS 9
#define PASSES 100 /* over the events, per round */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A record of the event stamped stamp: its body after the stamp. */
static void add(struct assembler *a, unsigned type, const char *stamp, const char *body)
{
	char text[1024];
	struct audit_stamp st;
	int n;

	snprintf(text, sizeof(text), "%s%s", stamp, body);
	n = decode_stamp(text, strlen(text), &st);

	if (n < 0 || assembler_add(a, type, &st, NULL, 0, text + n, strlen(text) - (size_t)n, 0) < 0) {
		fprintf(stderr, "needle-keycount-bench: cannot assemble %s\n", text);
		exit(1);
	}
}

/* EVENTS events whose SYSCALL ends with the key field key_fmt makes. */
static struct audit_event **make_events(struct assembler *a, const char *kind)
{
	struct audit_event **ev = calloc(EVENTS, sizeof(*ev));
	char rec[1024], key[128];

	if (!ev)
		exit(1);
	for (unsigned i = 0; i < EVENTS; i++) {
		char stamp[64];

		snprintf(stamp, sizeof(stamp), "audit(1700000000.%03u:%u): ", i % 1000, i + 1);
		if (strcmp(kind, "quoted") == 0)
			snprintf(key, sizeof(key), "key=\"bench-key-%u\"", i % KEYS);
		else if (strcmp(kind, "hex") == 0) /* "benchN" 0x01 "other" */
			snprintf(key, sizeof(key), "key=62656E6368%02X016F74686572", '0' + i % KEYS);
		else
			snprintf(key, sizeof(key), "key=(null)");
		snprintf(rec, sizeof(rec),
			 "arch=c000003e syscall=257 success=no exit=-2 a0=ffffff9c a1=7ffd5 a2=0 "
			 "a3=0 items=1 ppid=100 pid=%u auid=1000 uid=1000 gid=1000 euid=1000 "
			 "suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 "
			 "comm=\"loadgen\" exe=\"/usr/bin/loadgen\" subj=unconfined %s",
			 1000 + i % 500, key);
		add(a, AUDIT_SYSCALL, stamp, rec);
		add(a, AUDIT_CWD, stamp, "cwd=\"/root\"");
		add(a, AUDIT_PATH, stamp, "item=0 name=\"/nonexistent/x\" nametype=UNKNOWN");
		add(a, AUDIT_PROCTITLE, stamp, "proctitle=6C6F616467656E");
		add(a, AUDIT_EOE, stamp, "");
		if (!(ev[i] = assembler_pop(a))) {
			fprintf(stderr, "needle-keycount-bench: event %u did not end\n", i);
			exit(1);
		}
	}
	return ev;
}

static double round_ns(struct keycount *k, struct audit_event **ev, bool count)
{
	volatile unsigned sink = 0;
	double t0 = now_ns();

	for (unsigned p = 0; p < PASSES; p++)
		for (unsigned i = 0; i < EVENTS; i++) {
			if (count)
				keycount_event(k, 0, ev[i], i & 1, 100);
			else
				sink += (unsigned char)ev[i]->text[ev[i]->records[0].len - 1];
		}
	(void)sink;
	return (now_ns() - t0) / ((double)PASSES * EVENTS);
}

int main(void)
{
	static const char *const kinds[] = { "quoted", "hex", "none" };

	printf("needle-keycount-bench: %d live events of 5 records, %d keys, %d passes a round, "
	       "median of %d rounds\n",
	       EVENTS, KEYS, PASSES, ROUNDS);
	for (unsigned kd = 0; kd < 3; kd++) {
		struct assemble_config cfg = { .max_open = EVENTS + 16 };
		struct assembler *a = assembler_new(&cfg);
		struct keycount *k = keycount_new(1);
		struct audit_event **ev;
		double c[ROUNDS], b[ROUNDS];
		struct keycount_entry_stats st[KEYCOUNT_ENTRIES];
		unsigned n;
		uint64_t sum = 0;

		if (!a || !k)
			return 1;
		ev = make_events(a, kinds[kd]);
		for (unsigned r = 0; r < ROUNDS; r++) {
			b[r] = round_ns(k, ev, false);
			c[r] = round_ns(k, ev, true);
		}
		qsort(c, ROUNDS, sizeof(c[0]), cmp);
		qsort(b, ROUNDS, sizeof(b[0]), cmp);
		n = keycount_get_stats(k, st);
		for (unsigned i = 0; i < n; i++)
			sum += st[i].written + st[i].filtered;
		printf("%-7s key: %.1f ns/event counted (the walk alone %.1f ns): %.1f ns, %u rows, "
		       "%llu events counted\n",
		       kinds[kd], c[ROUNDS / 2], b[ROUNDS / 2], c[ROUNDS / 2] - b[ROUNDS / 2], n,
		       (unsigned long long)sum);
		for (unsigned i = 0; i < EVENTS; i++)
			assembler_done(a, ev[i]);
		free(ev);
		keycount_free(k);
		assembler_free(a);
	}
	return 0;
}
