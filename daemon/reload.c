/* SPDX-License-Identifier: MIT */
#include "reload.h"
#include "conf-stages.h"
#include "filter-file.h"
#include "proctable.h"
#include "say.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* metrics_listen or control_socket changed: the new endpoint starts
 * before the old one stops; one that cannot start leaves the old one
 * running, and run keeps the old value (the next SIGHUP tries again). */
static void reload_endpoints(struct daemon *d, struct conf *run, uint64_t changed)
{
	char err[256];

	if (changed & (1ull << CONF_KEY_METRICS_LISTEN)) {
		struct metrics_server *m = NULL;

		if (run->metrics_listen[0] &&
		    !(m = metrics_server_start(run->metrics_listen, &d->source, &d->kernel, err,
					       sizeof(err)))) {
			say("SIGHUP: %s; metrics stay on '%s'", err, d->conf.metrics_listen);
			strcpy(run->metrics_listen, d->conf.metrics_listen);
		} else {
			metrics_server_stop(d->metrics);
			d->metrics = m;
		}
	}
	if (changed & (1ull << CONF_KEY_CONTROL_SOCKET)) {
		struct control_server *c = NULL;

		if (run->control_socket[0] &&
		    !(c = control_start(run->control_socket, &d->source, &d->kernel, err,
					sizeof(err)))) {
			say("SIGHUP: %s; the control socket stays '%s'", err, d->conf.control_socket);
			strcpy(run->control_socket, d->conf.control_socket);
		} else {
			control_stop(d->control);
			d->control = c;
		}
	}
}

struct filter_set *filters_read(const char *path, const char *prefix)
{
	char *err = malloc(FILTER_ERRORS_MAX);
	struct filter_set *fs;

	if (!err) {
		say("%sfilter_file %s: out of memory", prefix, path);
		return NULL;
	}
	fs = filter_file_load(path, err, FILTER_ERRORS_MAX);
	if (!fs)
		say_lines(prefix, err);
	free(err);
	return fs;
}

/* filter_file, read again at every SIGHUP (its text may have changed
 * under the same name): a good file replaces the decoders' filters, a bad
 * one keeps them, and the log says which. run->filter_file keeps the name
 * of the file whose filters run. */
static void reload_filters(struct daemon *d, struct conf *run)
{
	struct filter_set *fs = NULL;
	int r;

	if (!run->filter_file[0] && !d->conf.filter_file[0])
		return; /* no filters before, none now */
	if (run->filter_file[0] && !(fs = filters_read(run->filter_file, "SIGHUP: "))) {
		say("SIGHUP: filter_file %s not used: the filters that ran stay (%s)",
		    run->filter_file, d->conf.filter_file[0] ? d->conf.filter_file : "none");
		strcpy(run->filter_file, d->conf.filter_file);
		return;
	}
	r = pipeline_publish_filters(d->p, fs); /* takes fs */
	if (r == -EINVAL)
		say("SIGHUP: filter_file %s has divert rules, and the divert file is opened only at "
		    "a start with filter_file set: the filters that ran stay; restart needle",
		    run->filter_file);
	else if (r < 0)
		say("SIGHUP: filter_file %s: out of memory: the filters that ran stay",
		    run->filter_file);
	else
		say("SIGHUP: filters: %u rule(s) from %s now apply", filter_set_rules(fs),
		    run->filter_file[0] ? run->filter_file : "no file");
	if (r < 0)
		strcpy(run->filter_file, d->conf.filter_file);
}

void reload_config(struct daemon *d)
{
	struct conf next, run;
	struct decoder_settings decoders;
	struct logkeep_settings logs;
	struct kernel_wants wants;
	char err[CONF_ERRORS_MAX], report[4096];
	uint64_t changed;

	if (conf_load(&next, d->conf_path, err, sizeof(err)) < 0) {
		say_lines("SIGHUP: ", err);
		say("SIGHUP: configuration unchanged");
		return;
	}
	conf_reload_merge(&d->conf, &next, &run, report, sizeof(report), &changed);
	conf_fill_decoder(&run, &decoders);
	conf_fill_logs(&run, &logs);
	if (pipeline_publish(d->p, &decoders) < 0) {
		say("SIGHUP: out of memory; configuration unchanged");
		return;
	}
	say_lines("SIGHUP: ", report);
	reload_endpoints(d, &run, changed);
	reload_filters(d, &run);
	d->conf = run;
	pipeline_set_ring_drop(d->p, run.ring_full == CONF_RING_DROP);
	pipeline_set_logs(d->p, &logs);
	if (changed & (1ull << CONF_KEY_SOCKET_BUFFER))
		kernel_session_set_rcvbuf(d->session, run.socket_buffer, &d->kernel);
	if (pipeline_procs(d->p))
		proctable_set_max(pipeline_procs(d->p), run.process_table_size);
	if (run.mode == CONF_MODE_UNICAST) {
		conf_fill_kernel(&run, &wants);
		kernel_session_apply(d->session, &wants);
	}
	say("SIGHUP: configuration reloaded");
}
