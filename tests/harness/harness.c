/* SPDX-License-Identifier: MIT */
#include "harness.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum outcome { OUTCOME_PASS, OUTCOME_FAIL, OUTCOME_SKIP };

static jmp_buf case_exit;
static char case_message[1024];

#define DEFER_MAX 32
static struct {
	void (*fn)(void *);
	void *arg;
} deferred[DEFER_MAX];
static size_t deferred_count;

void harness_defer(void (*fn)(void *), void *arg)
{
	if (deferred_count == DEFER_MAX) {
		/* Run it now rather than lose it: better early than never. */
		fn(arg);
		harness_fail(__FILE__, __LINE__, "more than %d deferred cleanups", DEFER_MAX);
	}
	deferred[deferred_count].fn = fn;
	deferred[deferred_count].arg = arg;
	deferred_count++;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0)
		harness_note("could not remove %s", path);
	return 0;
}

static void remove_tempdir(void *arg)
{
	/* Depth first, without following links out of the directory. */
	nftw(arg, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(arg);
}

const char *harness_tempdir(const char *name)
{
	char *dir = malloc(strlen(name) + 32);

	if (!dir)
		harness_fail(__FILE__, __LINE__, "out of memory");
	sprintf(dir, "/tmp/needle-%s-XXXXXX", name);
	if (!mkdtemp(dir)) {
		free(dir);
		harness_fail(__FILE__, __LINE__, "mkdtemp(/tmp/needle-%s-XXXXXX) failed", name);
	}
	harness_defer(remove_tempdir, dir);
	return dir;
}

static void run_deferred(void)
{
	while (deferred_count > 0) {
		deferred_count--;
		deferred[deferred_count].fn(deferred[deferred_count].arg);
	}
}

void harness_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int off = snprintf(case_message, sizeof(case_message), "%s:%d: ", file, line);

	va_start(ap, fmt);
	vsnprintf(case_message + off, sizeof(case_message) - (size_t)off, fmt, ap);
	va_end(ap);
	longjmp(case_exit, OUTCOME_FAIL);
}

void harness_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(case_message, sizeof(case_message), fmt, ap);
	va_end(ap);
	longjmp(case_exit, OUTCOME_SKIP);
}

void harness_note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

int harness_main(int argc, char **argv, const struct harness_case *cases, size_t n)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	volatile size_t planned = 0;
	volatile size_t failed = 0, skipped = 0, number = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < n; i++)
		planned += !only || strcmp(only, cases[i].name) == 0;
	if (planned == 0) {
		fprintf(stderr, "%s: no test case named %s\n", argv[0], only);
		return 2;
	}
	printf("TAP version 13\n1..%zu\n", planned);
	for (size_t i = 0; i < n; i++) {
		volatile int outcome;

		if (only && strcmp(only, cases[i].name) != 0)
			continue;
		number++;
		case_message[0] = '\0';
		outcome = setjmp(case_exit);
		if (outcome == OUTCOME_PASS)
			cases[i].fn();
		run_deferred();
		switch (outcome) {
		case OUTCOME_PASS:
			printf("ok %zu - %s\n", number, cases[i].name);
			break;
		case OUTCOME_SKIP:
			skipped++;
			printf("ok %zu - %s # SKIP %s\n", number, cases[i].name, case_message);
			break;
		default:
			failed++;
			printf("not ok %zu - %s\n# %s\n", number, cases[i].name, case_message);
			break;
		}
	}
	/* A program whose cases all skipped says so in TAP (each "ok # SKIP")
	 * and exits 0: meson reports such a TAP test as skipped, while exit
	 * 77 (the exit-code protocol's skip) would be an error under TAP. */
	if (skipped == planned)
		printf("# all %zu cases skipped\n", planned);
	return failed ? 1 : 0;
}

char harness_said[16384];
unsigned harness_said_lines;

void harness_say(const char *fmt, ...)
{
	size_t len = strlen(harness_said);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(harness_said + len, sizeof(harness_said) - len, fmt, ap);
	va_end(ap);
	len = strlen(harness_said);
	if (len + 1 < sizeof(harness_said))
		strcat(harness_said, "\n");
	harness_said_lines++;
}

void harness_said_forget(void)
{
	harness_said[0] = '\0';
	harness_said_lines = 0;
}
