/* SPDX-License-Identifier: MIT */
/*
 * settings.h: readers copy whole snapshots while the writer publishes new
 * ones. Each published snapshot carries an invariant between all of its
 * fields, first to last; a reader that saw a snapshot half old, half new (or one
 * freed under it: ASan) would break it. Run under ThreadSanitizer by
 * tests/run-all.sh, a write under a reader is a reported race.
 */
#include "harness.h"
#include "settings.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <urcu.h>

#define PUBLISHES 3000
#define READERS 2

/* Settings whose fields say which publication they are. */
static void conf_number(struct decoder_settings *c, unsigned i)
{
	*c = (struct decoder_settings){
		.event_timeout_ms = 10 + i,
		.max_open_events = 64 + 3 * i,
		.resolve_ids = i & 1,
		.ancestors_depth = i % 17,
	};
}

static bool conf_whole(const struct decoder_settings *c)
{
	unsigned i = (unsigned)(c->event_timeout_ms - 10);

	return c->ancestors_depth == i % 17 && c->max_open_events == 64 + 3 * i &&
	       c->resolve_ids == (bool)(i & 1);
}

TEST(publish_then_update)
{
	struct settings s = { 0 };
	struct decoder_settings a, b, mine;
	uint64_t gen = 0;

	conf_number(&a, 1);
	conf_number(&b, 2);
	CHECK_EQ(settings_init(&s, &a), 0);
	rcu_register_thread();
	CHECK(settings_update(&s, &gen, &mine));
	CHECK_EQ(mine.event_timeout_ms, a.event_timeout_ms);
	CHECK(!settings_update(&s, &gen, &mine)); /* nothing new */
	CHECK_EQ(settings_publish(&s, &b), 0);
	CHECK(settings_update(&s, &gen, &mine));
	CHECK_EQ(mine.event_timeout_ms, b.event_timeout_ms);
	CHECK(conf_whole(&mine));
	CHECK_EQ(gen, 2);
	rcu_unregister_thread();
	settings_fini(&s);
}

struct reader {
	struct settings *s;
	atomic_bool *stop;
	_Atomic unsigned updates;
	unsigned broken, backwards;
};

static void *read_loop(void *arg)
{
	struct reader *r = arg;
	struct decoder_settings mine;
	uint64_t gen = 0, last = 0;

	rcu_register_thread();
	while (!atomic_load(r->stop)) {
		if (!settings_update(r->s, &gen, &mine))
			continue;
		atomic_fetch_add(&r->updates, 1);
		r->broken += !conf_whole(&mine);
		r->backwards += gen <= last;
		last = gen;
	}
	rcu_unregister_thread();
	return NULL;
}

TEST(readers_copy_whole_snapshots)
{
	struct settings s = { 0 };
	struct reader rd[READERS];
	pthread_t t[READERS];
	atomic_bool stop = false;
	struct decoder_settings c;
	unsigned updates = 0;

	conf_number(&c, 0);
	CHECK_EQ(settings_init(&s, &c), 0);
	for (unsigned i = 0; i < READERS; i++) {
		rd[i] = (struct reader){ .s = &s, .stop = &stop };
		CHECK_EQ(pthread_create(&t[i], NULL, read_loop, &rd[i]), 0);
	}
	/* At least PUBLISHES, and on until each reader took 10 copies (a
	 * loaded machine may run the readers late); at most 1000 times more. */
	for (unsigned i = 1; i <= PUBLISHES * 1000; i++) {
		bool enough = i > PUBLISHES;

		for (unsigned r = 0; r < READERS; r++)
			enough &= atomic_load(&rd[r].updates) >= 10;
		if (enough)
			break;
		conf_number(&c, i);
		CHECK_EQ(settings_publish(&s, &c), 0);
	}
	atomic_store(&stop, true);
	for (unsigned i = 0; i < READERS; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ(rd[i].broken, 0);
		CHECK_EQ(rd[i].backwards, 0);
		updates += rd[i].updates;
	}
	NOTE("%u copies taken by %d readers", updates, READERS);
	/* The readers ran while the writer published. */
	CHECK(updates >= 10 * READERS);
	settings_fini(&s);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(publish_then_update), CASE(readers_copy_whole_snapshots)));
}
