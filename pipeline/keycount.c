/* SPDX-License-Identifier: MIT */
/*
 * keycount: the key table (keycount.h). An open-addressed index of entry
 * numbers, filled only, never emptied: once an entry is published its
 * slot and name stay, so a reader never sees one change.
 */
#include "keycount.h"
#include "rulekey.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define relaxed memory_order_relaxed
#define INDEX_SLOTS 256 /* a power of 2, well over KEYCOUNT_ENTRIES */

enum { C_WRITTEN, C_FILTERED, C_BYTES, C_COUNT };

struct entry {
	char key[KEYCOUNT_KEY_MAX + 1];
	size_t len;
	uint32_t hash;
};

/* One decoder's: its counters on lines no other thread writes. */
struct decoder_block {
	_Alignas(64) _Atomic uint64_t n[KEYCOUNT_ENTRIES][C_COUNT];
	struct rulekey_scratch scratch;
};
_Static_assert(sizeof(struct decoder_block) % 64 == 0, "blocks on lines of their own");

struct keycount {
	unsigned decoders;
	pthread_mutex_t add_lock;     /* adding an entry */
	_Atomic unsigned nentries;    /* entries whose name is written */
	struct entry entries[KEYCOUNT_ENTRIES];
	_Atomic uint8_t index[INDEX_SLOTS]; /* entry + 1; 0: empty */
	struct decoder_block *dec;
};

static uint32_t hash_key(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The entry of key, or -1 with *ret_slot the empty slot it would take. */
static int lookup(const struct keycount *k, const char *key, size_t len, uint32_t h,
		  unsigned *ret_slot)
{
	for (unsigned s = h & (INDEX_SLOTS - 1);; s = (s + 1) & (INDEX_SLOTS - 1)) {
		/* acquire: pairs with add()'s release; the entry is written. */
		unsigned e = atomic_load_explicit(&k->index[s], memory_order_acquire);
		const struct entry *en;

		if (!e) {
			*ret_slot = s;
			return -1;
		}
		en = &k->entries[e - 1];
		if (en->hash == h && en->len == len && memcmp(en->key, key, len) == 0)
			return (int)e - 1;
	}
}

/* A new key's entry, "other" once full. Under add_lock: the only writer. */
static unsigned add(struct keycount *k, const char *key, size_t len, uint32_t h)
{
	unsigned slot, n;
	int e = lookup(k, key, len, h, &slot);

	if (e >= 0)
		return (unsigned)e; /* added by another decoder meanwhile */
	n = atomic_load_explicit(&k->nentries, relaxed);
	if (n == KEYCOUNT_ENTRIES)
		return KEYCOUNT_OTHER;
	memcpy(k->entries[n].key, key, len);
	k->entries[n].key[len] = '\0';
	k->entries[n].len = len;
	k->entries[n].hash = h;
	/* release: the entry is written before a reader finds it, by the
	 * index (lookup) or by the count (keycount_get_stats). */
	atomic_store_explicit(&k->index[slot], (uint8_t)(n + 1), memory_order_release);
	atomic_store_explicit(&k->nentries, n + 1, memory_order_release);
	return n;
}

static unsigned entry_of(struct keycount *k, const char *key, size_t len)
{
	uint32_t h;
	unsigned slot, e;
	int found;

	if (!key || !len)
		return KEYCOUNT_NONE;
	if (len > KEYCOUNT_KEY_MAX)
		return KEYCOUNT_OTHER;
	h = hash_key(key, len);
	if ((found = lookup(k, key, len, h, &slot)) >= 0)
		return (unsigned)found;
	if (atomic_load_explicit(&k->nentries, relaxed) == KEYCOUNT_ENTRIES)
		return KEYCOUNT_OTHER; /* full: no lock for keys past the bound */
	pthread_mutex_lock(&k->add_lock);
	e = add(k, key, len, h);
	pthread_mutex_unlock(&k->add_lock);
	return e;
}

struct keycount *keycount_new(unsigned decoders)
{
	struct keycount *k = calloc(1, sizeof(*k));
	void *blocks = NULL;

	if (!k)
		return NULL;
	if (posix_memalign(&blocks, 64, (decoders ? decoders : 1) * sizeof(*k->dec))) {
		free(k);
		errno = ENOMEM;
		return NULL;
	}
	k->dec = blocks;
	memset(k->dec, 0, (decoders ? decoders : 1) * sizeof(*k->dec));
	k->decoders = decoders;
	pthread_mutex_init(&k->add_lock, NULL);
	/* Entries 0 and 1, by name too: a key spelled so counts there. */
	add(k, "none", 4, hash_key("none", 4));
	add(k, "other", 5, hash_key("other", 5));
	return k;
}

void keycount_free(struct keycount *k)
{
	if (!k)
		return;
	for (unsigned d = 0; d < k->decoders; d++)
		rulekey_scratch_free(&k->dec[d].scratch);
	pthread_mutex_destroy(&k->add_lock);
	free(k->dec);
	free(k);
}

/* One writer per block: a plain add, read relaxed by the others. */
static inline void bump(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, relaxed) + v, relaxed);
}

void keycount_add(struct keycount *k, unsigned decoder, const char *key, size_t len,
		  bool filtered, uint64_t bytes)
{
	_Atomic uint64_t *c = k->dec[decoder].n[entry_of(k, key, len)];

	bump(&c[filtered ? C_FILTERED : C_WRITTEN], 1);
	if (bytes)
		bump(&c[C_BYTES], bytes);
}

void keycount_event(struct keycount *k, unsigned decoder, const struct audit_event *ev,
		    bool filtered, uint64_t bytes)
{
	const char *key = NULL;
	size_t len = 0;

	if (!rulekey_first(ev, &k->dec[decoder].scratch, &key, &len))
		key = NULL;
	keycount_add(k, decoder, key, len, filtered, bytes);
}

unsigned keycount_get_stats(const struct keycount *k, struct keycount_entry_stats *ret)
{
	/* acquire: pairs with add()'s release; the names are written. */
	unsigned n = atomic_load_explicit(&k->nentries, memory_order_acquire);

	for (unsigned i = 0; i < n; i++) {
		struct keycount_entry_stats *r = &ret[i];

		memcpy(r->key, k->entries[i].key, sizeof(r->key));
		r->len = k->entries[i].len;
		r->written = r->filtered = r->bytes = 0;
		for (unsigned d = 0; d < k->decoders; d++) {
			_Atomic uint64_t *c = (_Atomic uint64_t *)k->dec[d].n[i];

			r->written += atomic_load_explicit(&c[C_WRITTEN], relaxed);
			r->filtered += atomic_load_explicit(&c[C_FILTERED], relaxed);
			r->bytes += atomic_load_explicit(&c[C_BYTES], relaxed);
		}
	}
	return n;
}
