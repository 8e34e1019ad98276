/* SPDX-License-Identifier: MIT */
#include "say.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

static bool log_to_syslog;

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (log_to_syslog) {
		vsyslog(LOG_NOTICE, fmt, ap);
	} else {
		fputs("needle: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

void say_lines(const char *prefix, const char *text)
{
	const char *line = text;

	while (*line) {
		size_t n = strcspn(line, "\n");

		say("%s%.*s", prefix, (int)n, line);
		line += n;
		while (*line == '\n')
			line++;
	}
}

void say_to_syslog(void)
{
	openlog("needle", LOG_PID, LOG_DAEMON);
	log_to_syslog = true;
}
