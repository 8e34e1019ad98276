/* SPDX-License-Identifier: MIT */
/*
 * needle-conf: the configuration needle-bench gives each needle it runs
 * (daemons.h), as text. Pure: no file is written here, so the unit test
 * reads exactly what needle will.
 *
 *   needle           JSON and RAW, LZ4, no rotation, no plugin, no metrics
 *                    listener, the bench's backlog settings, and
 *                    process_events = yes (the proc connector, issue 16)
 *   needle-nats      the same, output ...,nats to the bench's nats-server
 *   needle-noprocev  the same as needle with process_events = no: the
 *                    connector's cost is needle's CPU per event against it
 *
 * --needle-set lines replace the defaults they name (needle refuses a key
 * set twice), or come after them; needle-noprocev keeps process_events =
 * no whatever they say, or its name would lie.
 */
#ifndef NEEDLE_BENCH_NEEDLE_CONF_H
#define NEEDLE_BENCH_NEEDLE_CONF_H

#include <stdbool.h>
#include <stddef.h>

struct bench_setup;

/* needle's entries of --compare. */
bool bench_needle_known(const char *name);

/* The text of needle.conf for the entry name, run in dir (its log and
 * control socket there); nats_url for needle-nats, else NULL. 0, or
 * -E2BIG (too many keys, or the text longer than size). */
int bench_needle_config(const char *name, const struct bench_setup *s, const char *dir,
			const char *nats_url, char *ret_text, size_t size);

/* Whether a configuration this module wrote has the connector on. */
bool bench_needle_config_procev(const char *text);

#endif
