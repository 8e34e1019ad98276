/* SPDX-License-Identifier: MIT */
#include "reload.h"
#include "conf-stages.h"
#include "proctable.h"
#include "say.h"

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
