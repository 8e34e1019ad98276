/* SPDX-License-Identifier: MIT */
/* needle's configuration for needle-bench: see needle-conf.h. */
#include "needle-conf.h"
#include "daemons.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MAX_KEYS 32

bool bench_needle_known(const char *name)
{
	return strcmp(name, "needle") == 0 || strcmp(name, "needle-nats") == 0 ||
	       strcmp(name, "needle-noprocev") == 0;
}

int bench_needle_config(const char *name, const struct bench_setup *s, const char *dir,
			const char *nats_url, char *ret_text, size_t size)
{
	char backlog[16], wait[16], log_dir[600], control[600], outputs[256], extra[1024];
	/* No plugin: auditd in the bench gets none either. */
	const char *keys[MAX_KEYS] = { "output", "compress", "max_log_file", "enabled",
				       "backlog_limit", "backlog_wait_time", "default_rules",
				       "log_dir", "metrics_listen", "control_socket", "plugin_dir",
				       "process_events" };
	const char *values[MAX_KEYS] = { "json,raw", "lz4", "0", "1", backlog, wait, "no", log_dir,
					 "", control, "", "yes" };
	unsigned n = 12;
	size_t off = 0;

	snprintf(backlog, sizeof(backlog), "%u", s->backlog_limit);
	snprintf(wait, sizeof(wait), "%u", s->backlog_wait_time);
	snprintf(log_dir, sizeof(log_dir), "%s/log", dir);
	snprintf(control, sizeof(control), "%s/control", dir);
	snprintf(extra, sizeof(extra), "%s", s->needle_extra ? s->needle_extra : "");
	for (char *save, *line = strtok_r(extra, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '='), *k = line, *v, *end;
		unsigned i;

		if (!eq)
			continue;
		v = eq + 1;
		for (end = eq; end > k && (end[-1] == ' ' || end[-1] == '\t'); end--)
			;
		*end = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		for (i = 0; i < n && strcmp(keys[i], k) != 0; i++)
			;
		if (i == n && n == MAX_KEYS)
			return -E2BIG;
		keys[i] = k;
		values[i] = v;
		n += i == n;
	}
	/* Last, so that no --needle-set turns it back on: process_events is
	 * among the defaults, so index 11 still names it. */
	if (strcmp(name, "needle-noprocev") == 0)
		values[11] = "no";
	if (strcmp(name, "needle-nats") == 0) {
		/* The same outputs, and the stream of a server of the bench's own. */
		snprintf(outputs, sizeof(outputs), "%s,nats", values[0]);
		values[0] = outputs;
		if (n + 1 > MAX_KEYS)
			return -E2BIG;
		keys[n] = "nats_url";
		values[n++] = nats_url ? nats_url : "";
	}
	if (size)
		ret_text[0] = '\0';
	for (unsigned i = 0; i < n && off < size; i++)
		off += (size_t)snprintf(ret_text + off, size - off, "%s = %s\n", keys[i], values[i]);
	return off < size ? 0 : -E2BIG;
}

bool bench_needle_config_procev(const char *text)
{
	const char *at = strstr(text, "\nprocess_events = ");

	if (!at && strncmp(text, "process_events = ", 17) == 0)
		at = text - 1;
	return at && strncmp(at + 18, "yes\n", 4) == 0;
}
