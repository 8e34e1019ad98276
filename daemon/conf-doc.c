/* SPDX-License-Identifier: MIT */
/*
 * conf-doc.c: the commented configuration file and needle.conf(5)'s KEYS
 * section, both written from the rows of CONF_KEYS (conf-doc.h). Nothing
 * here knows a key by name: a row added to the table shows up in both.
 */
#include "conf-doc.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

/* "a, b or c" from a NULL-terminated list. */
static void join_choices(const char *const *choices, char *buf, size_t size)
{
	size_t n = 0, len = 0;

	while (choices[n])
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++) {
		int w = snprintf(buf + len, size - len, "%s%s",
				 i == 0 ? "" : i + 1 < n ? ", " : " or ", choices[i]);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* Whether the parser takes key = n (a row's .check may refuse a number
 * its range holds: enabled's and failure's 2). */
static bool takes_number(const struct conf_key_info *k, uint64_t n)
{
	char line[128], err[CONF_ERRORS_MAX];
	struct conf c;

	snprintf(line, sizeof(line), "%s = %" PRIu64 "\n", k->name, n);
	conf_init(&c);
	return conf_parse(&c, "conf-doc", line, strlen(line), err, sizeof(err)) == 0;
}

/* The row's range, its ends moved in past the numbers .check refuses (a
 * few at most: the checks refuse an end, not a stretch). */
static void accepted_range(const struct conf_key_info *k, uint64_t *ret_min, uint64_t *ret_max)
{
	uint64_t lo = k->min, hi = k->max;

	for (unsigned i = 0; k->check && i < 8 && lo < hi && !takes_number(k, lo); i++)
		lo++;
	for (unsigned i = 0; k->check && i < 8 && hi > lo && !takes_number(k, hi); i++)
		hi--;
	*ret_min = lo;
	*ret_max = hi;
}

void conf_doc_takes(enum conf_key key, char *buf, size_t size)
{
	const struct conf_key_info *k = &conf_keys[key];
	char names[256], lo[32], hi[32], unit[64] = "";
	uint64_t min = k->min, max = k->max;

	if (k->unit)
		snprintf(unit, sizeof(unit), " (%s)", k->unit);
	if (k->type == CONF_NUMBER || k->type == CONF_KERNEL)
		accepted_range(k, &min, &max);
	buf[0] = '\0';
	switch (k->type) {
	case CONF_BOOL:
		snprintf(buf, size, "yes or no");
		break;
	case CONF_CHOICE:
		join_choices(k->choices, names, sizeof(names));
		snprintf(buf, size, "%s", names);
		break;
	case CONF_NUMBER:
		snprintf(buf, size, "a number from %" PRIu64 " to %" PRIu64 "%s", min, max, unit);
		break;
	case CONF_SIZE:
		conf_format_size(k->min, lo, sizeof(lo));
		conf_format_size(k->max, hi, sizeof(hi));
		snprintf(buf, size, "a size from %s to %s (bytes, or with a K, M or G suffix)", lo,
			 hi);
		break;
	case CONF_KERNEL:
		snprintf(buf, size, "keep, or a number from %" PRIu64 " to %" PRIu64 "%s", min, max,
			 unit);
		break;
	case CONF_TEXT:
		snprintf(buf, size, "text of at most %zu bytes%s", k->size - 1,
			 k->off ? "; empty: off" : "");
		break;
	case CONF_LIST:
		join_choices(k->choices, names, sizeof(names));
		snprintf(buf, size, "%s, one or more, comma-separated", names);
		break;
	}
	/* A type added to conf.h without a line here: say so rather than
	 * print nothing (test-conf-doc checks every key has its line). */
	if (!buf[0])
		snprintf(buf, size, "see the line above");
}

void conf_doc_reload(enum conf_key key, char *buf, size_t size)
{
	const struct conf_key_info *k = &conf_keys[key];

	if (k->reload == CONF_LIVE)
		snprintf(buf, size, "applied live");
	else
		snprintf(buf, size, "takes effect at the next start (%s)", k->why);
}

/* The value a file that leaves key out gets (conf_init's). */
static void builtin_value(enum conf_key key, char *buf, size_t size)
{
	struct conf c;

	conf_init(&c);
	conf_format_key(&c, key, buf, size);
}

int conf_doc_write_defaults(FILE *f)
{
	fputs("# needle's configuration; needle.conf(5) tells each key.\n"
	      "# Every key is commented out at the value needle takes when the file\n"
	      "# leaves it out, but those set as installed (each says so): remove the\n"
	      "# '#' before a key to change its value.\n"
	      "# 'needle config -c FILE' checks a file and prints what needle would\n"
	      "# run with; SIGHUP makes a running needle re-read it.\n"
	      "# 'needle config --defaults' prints this file as installed.\n",
	      f);
	for (unsigned id = 0; id < CONF_KEY_COUNT; id++) {
		const struct conf_key_info *k = &conf_keys[id];
		char takes[512], reload[512], value[300];

		conf_doc_takes((enum conf_key)id, takes, sizeof(takes));
		conf_doc_reload((enum conf_key)id, reload, sizeof(reload));
		builtin_value((enum conf_key)id, value, sizeof(value));
		fprintf(f, "\n# %s\n# Takes %s.\n# SIGHUP: %s.\n", k->doc, takes, reload);
		if (k->multicast)
			fprintf(f, "# In multicast mode only %s (needle %s).\n",
				k->multicast[0] ? k->multicast : "empty", k->multicast_what);
		if (k->installed)
			fprintf(f, "# Set as installed (a file that leaves it out: %s).\n%s = %s\n",
				value[0] ? value : "empty", k->name, k->installed);
		else
			fprintf(f, "#%s = %s\n", k->name, value);
	}
	return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

/* Text into scdoc, where *, _, ` and \ are markup. */
static void put_scd(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (strchr("*_`\\", *s))
			fputc('\\', f);
		fputc(*s, f);
	}
}

int conf_doc_write_man(FILE *f)
{
	for (unsigned id = 0; id < CONF_KEY_COUNT; id++) {
		const struct conf_key_info *k = &conf_keys[id];
		char takes[512], reload[512], value[300];

		conf_doc_takes((enum conf_key)id, takes, sizeof(takes));
		conf_doc_reload((enum conf_key)id, reload, sizeof(reload));
		builtin_value((enum conf_key)id, value, sizeof(value));
		fputs("*", f);
		put_scd(f, k->name);
		fputs("* = ", f);
		if (value[0]) {
			fputs("_", f);
			put_scd(f, value);
			fputs("_", f);
		} else {
			fputs("(empty)", f);
		}
		fputs("\n\t", f);
		put_scd(f, k->doc);
		fputs(".\n\n\t- Takes: ", f);
		put_scd(f, takes);
		fputs(".\n\t- Default: ", f);
		put_scd(f, value[0] ? value : "(empty)");
		if (strcmp(value, k->def) != 0) {
			fputs(" (without *-c*, needle runs with ", f);
			put_scd(f, k->def);
			fputs(")", f);
		}
		if (k->installed) {
			fputs("; the installed configuration sets ", f);
			put_scd(f, k->installed);
		}
		fputs(".\n\t- SIGHUP: ", f);
		put_scd(f, reload);
		fputs(".\n", f);
		if (k->multicast) {
			fputs("\t- In multicast mode: only ", f);
			put_scd(f, k->multicast[0] ? k->multicast : "empty");
			fputs(" (needle ", f);
			put_scd(f, k->multicast_what);
			fputs("); a file that leaves it out gets it there.\n", f);
		}
		fputs("\n", f);
	}
	return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}
