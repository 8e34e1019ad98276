/* SPDX-License-Identifier: MIT */
/*
 * The commented configuration file (`needle config --defaults`, installed
 * as /etc/needle/needle.conf) and needle.conf(5)'s KEYS section, against
 * the table they are written from and the parser that reads the file.
 */
#include "conf-doc.h"
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a writer puts out, as one string (free it). */
static char *capture(int (*write_fn)(FILE *f))
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CHECK(f != NULL);
	CHECK_EQ(write_fn(f), 0);
	CHECK_EQ(fclose(f), 0);
	return text;
}

/* Lines of text that are exactly "#KEY = ..." (commented) or "KEY = ..."
 * for key, counted. */
static unsigned key_lines(const char *text, const char *key, bool commented)
{
	size_t n = strlen(key), c = commented;
	unsigned count = 0;

	for (const char *p = text; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if ((!commented || p[0] == '#') && strncmp(p + c, key, n) == 0 &&
		    strncmp(p + c + n, " = ", 3) == 0)
			count++;
	}
	return count;
}

static unsigned commented_lines(const char *text, const char *key)
{
	return key_lines(text, key, true);
}

/* The keys the installed file sets (.installed), a bit each. */
static uint64_t installed_mask(void)
{
	uint64_t mask = 0;

	for (unsigned id = 0; id < CONF_KEY_COUNT; id++)
		if (conf_keys[id].installed)
			mask |= 1ull << id;
	return mask;
}

/* The text with the '#' taken off every commented key line. */
static char *uncomment(const char *text)
{
	char *out = malloc(strlen(text) + 1), *o = out;

	CHECK(out != NULL);
	for (const char *p = text; *p;) {
		const char *end = strchrnul(p, '\n');
		bool key = false;

		for (unsigned id = 0; id < CONF_KEY_COUNT && p[0] == '#'; id++) {
			size_t n = strlen(conf_keys[id].name);

			if (strncmp(p + 1, conf_keys[id].name, n) == 0 && strncmp(p + 1 + n, " = ", 3) == 0)
				key = true;
		}
		if (key)
			p++;
		memcpy(o, p, (size_t)(end - p));
		o += end - p;
		if (*end)
			*o++ = '\n';
		p = *end ? end + 1 : end;
	}
	*o = '\0';
	return out;
}

static void same_values(const struct conf *a, const struct conf *b)
{
	for (unsigned id = 0; id < CONF_KEY_COUNT; id++) {
		char va[300], vb[300];

		conf_format_key(a, (enum conf_key)id, va, sizeof(va));
		conf_format_key(b, (enum conf_key)id, vb, sizeof(vb));
		if (strcmp(va, vb) != 0)
			FAIL("%s: '%s' in the file, '%s' built in", conf_keys[id].name, va, vb);
	}
}

static int write_defaults(FILE *f) { return conf_doc_write_defaults(f); }

TEST(defaults_have_every_key_once)
{
	char *text = capture(write_defaults);

	for (unsigned id = 0; id < CONF_KEY_COUNT; id++) {
		/* Set as installed: one line, not commented out; else one, commented. */
		bool set = conf_keys[id].installed != NULL;
		unsigned commented = commented_lines(text, conf_keys[id].name),
			 open = key_lines(text, conf_keys[id].name, false);

		if (commented != (set ? 0u : 1u) || open != (set ? 1u : 0u))
			FAIL("%s: %u commented lines, %u set", conf_keys[id].name, commented, open);
	}
	CHECK(installed_mask() != 0); /* rules: the service loads rules.d */
	free(text);
}

/* Uncommenting every key changes nothing: the file as installed, and the
 * same file with every key set, both give the built-in values. */
TEST(defaults_uncommented_are_the_builtins)
{
	char *text = capture(write_defaults), *open_text = uncomment(text);
	char err[CONF_ERRORS_MAX] = "";
	struct conf builtin, commented, uncommented;

	conf_init(&builtin);
	/* The keys set as installed have their installed value. */
	for (unsigned id = 0; id < CONF_KEY_COUNT; id++) {
		char line[300];

		if (!conf_keys[id].installed)
			continue;
		snprintf(line, sizeof(line), "%s = %s\n", conf_keys[id].name, conf_keys[id].installed);
		CHECK_EQ(conf_parse(&builtin, "installed", line, strlen(line), err, sizeof(err)), 0);
	}
	conf_init(&commented);
	CHECK_EQ(conf_parse(&commented, "defaults", text, strlen(text), err, sizeof(err)), 0);
	CHECK_EQ(commented.set_mask, installed_mask());
	same_values(&commented, &builtin);

	conf_init(&uncommented);
	if (conf_parse(&uncommented, "uncommented", open_text, strlen(open_text), err,
		       sizeof(err)) != 0)
		FAIL("the uncommented defaults do not parse: %s", err);
	CHECK_EQ(uncommented.set_mask, (1ull << CONF_KEY_COUNT) - 1);
	same_values(&uncommented, &builtin);
	free(open_text);
	free(text);
}

TEST(every_key_says_what_it_takes)
{
	for (unsigned id = 0; id < CONF_KEY_COUNT; id++) {
		char takes[512], reload[512];

		conf_doc_takes((enum conf_key)id, takes, sizeof(takes));
		conf_doc_reload((enum conf_key)id, reload, sizeof(reload));
		if (strcmp(takes, "see the line above") == 0)
			FAIL("%s: conf_doc_takes has no line for its type", conf_keys[id].name);
		if (conf_keys[id].reload == CONF_LIVE)
			CHECK_STR(reload, "applied live");
		else
			CHECK(strstr(reload, "takes effect at the next start") == reload &&
			      strstr(reload, conf_keys[id].why));
	}
}

/* Each key's entry in the man page: name, built-in default, what it
 * takes, the SIGHUP class; in the table's order. */
TEST(man_section_has_every_key)
{
	char *text = capture(conf_doc_write_man);
	const char *prev = text;
	struct conf builtin;

	conf_init(&builtin);
	for (unsigned id = 0; id < CONF_KEY_COUNT; id++) {
		const struct conf_key_info *k = &conf_keys[id];
		char head[300], esc[128], *e = esc, value[300], sighup[600], reload[512];
		const char *entry, *next;

		/* scdoc: the key's underscores are escaped. */
		for (const char *p = k->name; *p; p++) {
			if (*p == '_')
				*e++ = '\\';
			*e++ = *p;
		}
		*e = '\0';
		snprintf(head, sizeof(head), "*%s* = ", esc);
		entry = strstr(text, head);
		if (!entry)
			FAIL("no entry '%s'", head);
		CHECK(entry >= prev);
		prev = entry;
		next = strstr(entry + 1, "\n*");
		conf_format_key(&builtin, (enum conf_key)id, value, sizeof(value));
		conf_doc_reload((enum conf_key)id, reload, sizeof(reload));
		snprintf(sighup, sizeof(sighup), "\t- SIGHUP: %s", reload);
		/* The reasons hold no markup characters; values might. */
		if (!strstr(entry, "\t- Takes: ") || (next && strstr(entry, "\t- Takes: ") > next))
			FAIL("%s: no Takes line", k->name);
		if (!strstr(entry, sighup) || (next && strstr(entry, sighup) > next))
			FAIL("%s: no '%s'", k->name, sighup);
		if (!strstr(entry, "\t- Default: ") || (next && strstr(entry, "\t- Default: ") > next))
			FAIL("%s: no Default line", k->name);
	}
	free(text);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(defaults_have_every_key_once),
				  CASE(defaults_uncommented_are_the_builtins),
				  CASE(every_key_says_what_it_takes),
				  CASE(man_section_has_every_key)));
}
