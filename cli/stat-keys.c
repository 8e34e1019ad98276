/* SPDX-License-Identifier: MIT */
/*
 * stat-keys: the keys' samples read back (stat-keys.h). A label value is
 * a JSON string's content (metrics.c): it ends at the first '"' that no
 * backslash escapes, and is shown as it stands, so no key breaks a line.
 */
#include "stat-keys.h"
#include "metric-table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* NAME{key="V" at key: V's length up to its closing quote, or 0 when key
 * is not a sample of m. */
static size_t label_of(const char *key, enum metric m, const char **ret_value)
{
	const char *name = metric_table[m].name, *v, *p;
	size_t len = strlen(name);

	if (strncmp(key, name, len) != 0 || strncmp(key + len, "{key=\"", 6) != 0)
		return 0;
	v = key + len + 6;
	for (p = v; *p && *p != '"'; p++)
		if (*p == '\\' && p[1])
			p++;
	if (*p != '"' || (size_t)(p - v) >= KEY_TABLE_LABEL_MAX)
		return 0;
	*ret_value = v;
	return (size_t)(p - v);
}

static struct key_row *row_of(struct key_row *rows, size_t *n, const char *v, size_t len)
{
	for (size_t i = 0; i < *n; i++)
		if (strlen(rows[i].key) == len && memcmp(rows[i].key, v, len) == 0)
			return &rows[i];
	memcpy(rows[*n].key, v, len);
	rows[*n].key[len] = '\0';
	return &rows[(*n)++];
}

int stat_keys_read(const struct metric_samples *s, struct key_row **ret, size_t *ret_n)
{
	struct key_row *rows = calloc(s->n ? s->n : 1, sizeof(*rows));
	size_t n = 0;

	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		const char *k = s->s[i].key, *v;
		size_t len;

		if ((len = label_of(k, METRIC_KEY_EVENTS, &v))) {
			const char *state = v + len + 1; /* ,state="..."} */
			struct key_row *r = row_of(rows, &n, v, len);
			char want[64];

			snprintf(want, sizeof(want), ",state=\"%s\"}",
				 metric_key_state_names[METRIC_KEY_FILTERED]);
			if (strcmp(state, want) == 0)
				r->filtered = s->s[i].value;
			else
				r->written = s->s[i].value;
		} else if ((len = label_of(k, METRIC_KEY_BYTES, &v))) {
			row_of(rows, &n, v, len)->bytes = s->s[i].value;
		}
	}
	*ret = rows;
	*ret_n = n;
	return 0;
}

void stat_keys_print(FILE *out, struct stat_keys *k, const struct metric_samples *s, double now,
		     double start)
{
	struct key_row *rows;
	size_t n;
	double span;
	char over[64];

	if (stat_keys_read(s, &rows, &n) < 0) {
		fprintf(stderr, "needle stat: out of memory\n");
		return;
	}
	if (!n) {
		free(rows);
		return;
	}
	if (k->have_last) {
		/* Over the interval: what each key did since the last round. */
		span = now - k->last_time;
		snprintf(over, sizeof(over), "last %.1f s", span);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < k->nlast; j++)
				if (strcmp(rows[i].key, k->last[j].key) == 0) {
					rows[i].written -= k->last[j].written;
					rows[i].filtered -= k->last[j].filtered;
					rows[i].bytes -= k->last[j].bytes;
					break;
				}
	} else {
		span = start > 0 ? now - start : 0;
		snprintf(over, sizeof(over), "since start");
	}
	key_table_print(out, "keys      ", "          ", rows, n, STAT_TOP_KEYS, span, over);
	free(rows);
	/* The totals of this round, for the next one's interval. */
	free(k->last);
	k->last = NULL;
	k->nlast = 0;
	if (stat_keys_read(s, &k->last, &k->nlast) == 0) {
		k->last_time = now;
		k->have_last = true;
	}
}

void stat_keys_free(struct stat_keys *k)
{
	free(k->last);
	*k = (struct stat_keys){ 0 };
}
