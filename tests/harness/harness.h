/* SPDX-License-Identifier: MIT */
/*
 * A tiny test harness in the spirit of PipeWire's pwtest: a test program
 * lists its cases, the harness runs them in order and prints TAP, which
 * meson reads (protocol: 'tap'). The first failed check ends its case and
 * prints file:line, the expression and the values; later cases still run.
 *
 *   TEST(ring_empty) { CHECK(...); CHECK_EQ(a, b); }
 *   int main(int argc, char **argv) { return harness_main(argc, argv, CASES(ring_empty)); }
 *
 * A case can call SKIP("why") (e.g. not root): it prints "ok N - case # SKIP
 * why", which meson and tests/run-all.sh count as skipped, never as passed;
 * a program whose cases all skipped exits 0 and meson reports it SKIP. `prog NAME` runs only the case NAME.
 * harness_defer() registers cleanups that run however the case ends.
 */
#ifndef NEEDLE_HARNESS_H
#define NEEDLE_HARNESS_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct harness_case {
	const char *name;
	void (*fn)(void);
};

#define TEST(name) static void name(void)
#define CASE(name) { #name, name }
#define CASES(...)                                                        \
	(const struct harness_case[]){ __VA_ARGS__ },                     \
		sizeof((const struct harness_case[]){ __VA_ARGS__ }) /    \
			sizeof(struct harness_case)

_Noreturn void harness_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
_Noreturn void harness_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void harness_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs fn(arg) when the current case ends, passed, failed or skipped, in
 * reverse order of registration: how a case undoes what it did to the
 * kernel even when a check fails half-way. */
void harness_defer(void (*fn)(void *), void *arg);
/* Makes a new directory /tmp/needle-NAME-XXXXXX that is removed, with all
 * it holds, when the current case ends; returns its path (valid until
 * then). A case may make several. */
const char *harness_tempdir(const char *name);
int harness_main(int argc, char **argv, const struct harness_case *cases, size_t n);

/* What a module said through its say hook, for a case to check: each line
 * harness_say() gets is appended, ended by '\n' (cut short, not
 * overflowed, past the buffer); harness_said_forget() empties it. */
extern char harness_said[16384];
extern unsigned harness_said_lines;
void harness_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void harness_said_forget(void);

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond))                                              \
			harness_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); \
	} while (0)

#define CHECK_EQ(a, b)                                                              \
	do {                                                                        \
		intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                    \
		if (a_ != b_)                                                       \
			harness_fail(__FILE__, __LINE__, "CHECK_EQ(%s, %s): %jd != %jd", \
				     #a, #b, a_, b_);                               \
	} while (0)

#define CHECK_STR(a, b)                                                               \
	do {                                                                          \
		const char *a_ = (a), *b_ = (b);                                      \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                                \
			harness_fail(__FILE__, __LINE__, "CHECK_STR(%s, %s): \"%s\" != \"%s\"", \
				     #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");     \
	} while (0)

#define FAIL(...) harness_fail(__FILE__, __LINE__, __VA_ARGS__)
#define SKIP(...) harness_skip(__VA_ARGS__)
#define NOTE(...) harness_note(__VA_ARGS__)

#endif
