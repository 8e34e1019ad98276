/* SPDX-License-Identifier: MIT */
/*
 * ring-t.h: the ring's layout. Only ring.c and tests that craft states for
 * ring_valid() include this; everyone else uses the opaque struct ring.
 */
#ifndef NEEDLE_RING_T_H
#define NEEDLE_RING_T_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define RING_CACHE_LINE 64

enum ring_kind {
	RING_KIND_RECORD = 0x52656331u, /* "Rec1": a record, len = payload bytes */
	RING_KIND_PAD = 0x50616431u,    /* "Pad1": skip, len = bytes incl. header */
};

struct ring_header {
	uint32_t len;
	uint32_t kind; /* enum ring_kind; any other value is corruption */
};

/* Written by producers, read by the consumer (tail) and by stats. */
struct ring_prod {
	_Atomic uint64_t head;        /* next byte to reserve (== tail in spsc between calls) */
	_Atomic uint64_t tail;        /* bytes before this are committed */
	uint64_t cons_cache;          /* spsc: last cons.tail seen, saves a shared load */
	_Atomic uint64_t records;     /* counters: see struct ring_stats */
	_Atomic uint64_t bytes;
	_Atomic uint64_t high_water;
	_Atomic uint64_t full_stalls;
	_Atomic uint64_t stall_ns;
	_Atomic uint64_t drops;
	_Atomic uint64_t drop_bytes;
};

/* Written by the consumer, read by producers (tail) and by stats. */
struct ring_cons {
	_Atomic uint64_t tail;    /* bytes before this are free */
	uint64_t prod_cache;      /* last prod.tail seen, saves a shared load */
	_Atomic uint64_t records;
	_Atomic uint64_t bytes;
};

struct ring {
	alignas(RING_CACHE_LINE) uint8_t *buf;
	uint64_t capacity;
	uint64_t mask;
	alignas(RING_CACHE_LINE) struct ring_prod prod;
	alignas(RING_CACHE_LINE) struct ring_cons cons;
};

/* The producer and consumer fields must not share a cache line with each
 * other or with the read-only part: that false sharing is the cost the
 * split exists to avoid. */
_Static_assert(offsetof(struct ring, prod) % RING_CACHE_LINE == 0, "prod on its own line");
_Static_assert(offsetof(struct ring, cons) % RING_CACHE_LINE == 0, "cons on its own line");
_Static_assert(offsetof(struct ring, cons) - offsetof(struct ring, prod) >= RING_CACHE_LINE,
	       "prod and cons on separate lines");
_Static_assert(sizeof(struct ring_header) == 8, "header is RING_HEADER_SIZE");

#endif
