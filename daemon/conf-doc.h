/* SPDX-License-Identifier: MIT */
/*
 * conf-doc: the configuration keys told to people, from CONF_KEYS alone.
 *
 *   CONF_KEYS (conf.h) --+--> conf_doc_write_defaults: the commented file
 *                        |    that make install and the package put in
 *                        |    /etc/needle/needle.conf (`needle config
 *                        |    --defaults`)
 *                        +--> conf_doc_write_man: the KEYS section of
 *                             needle.conf(5), in scdoc (man/gen-conf-keys)
 *
 * Both say, for every key: its doc line, what it takes (type and range),
 * its default and whether SIGHUP applies it. The commented file shows each
 * key at the value a file that leaves it out gets (conf_init's), so
 * uncommenting any line of it changes nothing (tests/unit/test-conf-doc.c);
 * a key the table gives an installed value (.installed: rules) is set to
 * it there, not commented out.
 */
#ifndef NEEDLE_CONF_DOC_H
#define NEEDLE_CONF_DOC_H

#include "conf.h"

#include <stdio.h>

/* What key takes, for people: "a number from 1 to 16", "keep, or a
 * number from 0 to 4294967295 (jiffies)", "json, raw, enriched, stdout or nats,
 * one or more, comma-separated". */
void conf_doc_takes(enum conf_key key, char *buf, size_t size);

/* What SIGHUP does with key: "applied live" or "takes effect at the next
 * start (WHY)". */
void conf_doc_reload(enum conf_key key, char *buf, size_t size);

/* The commented configuration file: a header, then per key its doc and
 * what it takes as comments and the key commented out at its built-in
 * value ("#mode = unicast"), or set to its installed value ("rules =
 * augenrules"). Returns 0 or -EIO (a failed write). */
int conf_doc_write_defaults(FILE *f);

/* The KEYS section of needle.conf(5) in scdoc markup, one entry per key.
 * Returns 0 or -EIO. */
int conf_doc_write_man(FILE *f);

#endif
