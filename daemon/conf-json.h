/* SPDX-License-Identifier: MIT */
/*
 * conf-json: a configuration as one JSON object (`needle config --json`),
 * for scripts: every key of CONF_KEYS in the table's order, with exact
 * values. Sizes are bytes (socket_buffer 64M is 67108864), numbers are
 * numbers, yes/no are true/false, a kernel setting is its number or
 * "keep", a list (output) an array of its names, the rest strings.
 *
 *   struct conf --conf_show_key (the text a file would hold)--> typed
 *   JSON value by the key's row (conf.h: .type)
 */
#ifndef NEEDLE_CONF_JSON_H
#define NEEDLE_CONF_JSON_H

#include "conf.h"
#include "outbuf.h"

/* Appends {"mode":"unicast",...}\n to out (out->failed when out of
 * memory); a secret that is set as CONF_SECRET_MASK unless secrets. */
void conf_format_json(const struct conf *conf, bool secrets, struct outbuf *out);

#endif
