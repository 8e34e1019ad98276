/* SPDX-License-Identifier: MIT */
#include "metric-read.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int metric_samples_parse(struct metric_samples *out, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	out->n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
		size_t line = nl ? (size_t)(nl - p) : (size_t)(end - p);

		sp = memrchr(p, ' ', line);
		if (line && p[0] != '#' && sp && (size_t)(sp - p) < sizeof(out->s->key)) {
			if (out->n == out->cap) {
				size_t cap = out->cap ? out->cap * 2 : 128;
				struct metric_sample *s = realloc(out->s, cap * sizeof(*s));

				if (!s)
					return -ENOMEM;
				out->s = s;
				out->cap = cap;
			}
			memcpy(out->s[out->n].key, p, (size_t)(sp - p));
			out->s[out->n].key[sp - p] = '\0';
			out->s[out->n].value = strtod(sp + 1, NULL);
			out->n++;
		}
		p += line + 1;
	}
	return 0;
}

const double *metric_samples_find(const struct metric_samples *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->s[i].key, key) == 0)
			return &s->s[i].value;
	return NULL;
}

double metric_samples_quantile(const struct metric_samples *s, enum metric m, double q)
{
	char key[METRIC_KEY_MAX];
	const double *count;
	size_t prefix;

	metric_part_key(key, sizeof(key), m, METRIC_PART_COUNT);
	count = metric_samples_find(s, key);
	if (!count || *count <= 0)
		return NAN;
	/* NAME_bucket{le=" with an empty bound, then the bound's quote cut. */
	metric_key(key, sizeof(key), m, "", NULL);
	prefix = strlen(key) - 2;
	for (size_t i = 0; i < s->n; i++)
		if (strncmp(s->s[i].key, key, prefix) == 0 && s->s[i].value >= q * *count) {
			const char *le = s->s[i].key + prefix;

			return strncmp(le, "+Inf", 4) == 0 ? INFINITY : strtod(le, NULL);
		}
	return NAN;
}

void metric_samples_free(struct metric_samples *s)
{
	free(s->s);
	*s = (struct metric_samples){ 0 };
}
