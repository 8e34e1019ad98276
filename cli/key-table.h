/* SPDX-License-Identifier: MIT */
/*
 * key-table: the table of audit rule keys needle stat and needle decode
 * --stats print: which rule costs what.
 *
 *   rows (key, events written, filtered, bytes written)
 *     --sorted by events/s (written + filtered) over the span-->
 *   events/s  events  filtered  written/s  written  key
 *
 * One row per key, heaviest first; ties by bytes. The key is the last
 * column (it may hold spaces) and is printed as the metrics' label value
 * writes it (metrics_key_label: a JSON string's content), so no key can
 * break a line. When the heaviest key by bytes/s is not the first row,
 * a line under the table names it.
 */
#ifndef NEEDLE_KEY_TABLE_H
#define NEEDLE_KEY_TABLE_H

#include <stddef.h>
#include <stdio.h>

/* A key as a label value: at most 3 bytes per key byte (%XX). */
#define KEY_TABLE_LABEL_MAX 320

struct key_row {
	char key[KEY_TABLE_LABEL_MAX]; /* the label value */
	double written, filtered, bytes;
};

/* Sorts rows (heaviest first) and prints at most limit of them to f, the
 * first line starting with first, the others with indent; rates over span
 * seconds (<= 0: shown as -), the first line saying over what (over, e.g.
 * "since start"). */
void key_table_print(FILE *f, const char *first, const char *indent, struct key_row *rows,
		     size_t n, size_t limit, double span, const char *over);

#endif
