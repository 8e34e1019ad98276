/* SPDX-License-Identifier: MIT */
/*
 * run.c: needle run's start, main loop and stop (run.h draws them). The
 * jobs themselves live with their stages: the kernel's control sequences
 * in kernel/kernel-session.c, the data path's life in pipeline/pipeline.c; here
 * is only their order, and what each stage takes from the configuration
 * (conf-stages.h).
 */
#include "run.h"
#include "caps.h"
#include "clock.h"
#include "conf-stages.h"
#include "daemon-records.h"
#include "detach.h"
#include "fault.h"
#include "notify.h"
#include "plugins.h"
#include "proctable.h"
#include "reload.h"
#include "say.h"
#include "stall.h"
#include "state.h"
#include "watch.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Exited processes leave the process table this often (seconds). */
#define PROCS_EXPIRE_EVERY 10

/* The kernel's ack of our registration comes back among the records: the
 * pipeline's listeners read it (kernel_session_register). */
static void expect_ack(void *arg, uint32_t seq)
{
	struct pipeline *p = arg;

	pipeline_expect_ack(p, seq);
	/* Records stamped from now on are live (restart losses below them). */
	pipeline_mark_live(p);
}

static int wait_ack(void *arg, unsigned timeout_ms)
{
	return pipeline_wait_ack(arg, timeout_ms);
}

/* A start that failed once the logs were open: DAEMON_ABORT says why (a
 * thread's own failure, said by report_failure, comes first). */
static int start_failed(struct daemon *d, int r, const char *what)
{
	const char *cause = d->p ? pipeline_failure(d->p) : NULL;

	if (d->abort_reason[0])
		return r;
	if (cause) /* the root cause: what failed after it is its consequence */
		snprintf(d->abort_reason, sizeof(d->abort_reason), "%s", cause);
	else
		snprintf(d->abort_reason, sizeof(d->abort_reason), "start: %s: %s", what,
			 strerror(r < 0 ? -r : r));
	return r;
}

/* The pipeline, its data socket (joined to the multicast group in that
 * mode), auditd's plugins, and the pipeline's threads. */
static int start_pipeline(struct daemon *d)
{
	struct pipeline_settings settings;
	int r;

	conf_fill_pipeline(&d->conf, &settings);
	settings.filters = d->filters; /* the pipeline's now, whatever happens */
	d->filters = NULL;
	d->plugins = plugins_load(&d->conf);
	plugins_fill(d->plugins, &d->conf, &settings.plugins);
	if ((r = pipeline_open(&settings, say, &d->p)) < 0)
		return r;
	/* The logs are open: the first line of this run says it started. */
	daemon_records_start(d);
	/* Before the decoders start: their first records find the plugins. */
	plugins_start(d->plugins, pipeline_dispatch(d->p));
	if ((r = kernel_session_open_data(d->session)) < 0)
		return start_failed(d, r, "cannot open the audit data socket");
	if (d->conf.mode == CONF_MODE_MULTICAST) {
		pipeline_mark_live(d->p);
		if ((r = kernel_session_join_multicast(d->session)) < 0)
			return start_failed(d, r, "cannot join the audit multicast group");
	}
	kernel_session_set_rcvbuf(d->session, d->conf.socket_buffer, &d->kernel);
	if ((r = pipeline_start(d->p, kernel_session_data_fd(d->session))) < 0)
		return start_failed(d, r, "cannot start the pipeline's threads");
	return 0;
}

/* The rules key (rulefile.h): read before anything in the kernel changes,
 * each bad line said. A file that cannot be read is said, and needle goes
 * on with the kernel's rules (and default_rules if it has none). */
static bool read_rules(struct daemon *d)
{
	const char *src = d->conf.rules;
	int r;

	if (strcmp(src, "none") == 0)
		return false;
	if (strcmp(src, "augenrules") == 0)
		r = rulefile_read_augenrules(RULEFILE_AUGENRULES_DIR, RULEFILE_AUDIT_RULES, &d->rules,
					     say);
	else
		r = rulefile_read(src, &d->rules, say);
	if (r < 0)
		say("rules: nothing loaded from %s; the kernel keeps the rules it has", src);
	return r == 0;
}

/* Registered, the kernel as configured, the rules. */
static int take_kernel(struct daemon *d)
{
	struct kernel_ack_reader ack = { expect_ack, wait_ack, d->p };
	struct kernel_wants wants;
	int r;

	conf_fill_kernel(&d->conf, &wants);
	if (read_rules(d))
		kernel_session_use_rules(d->session, &d->rules, &wants,
					 d->conf.rules_immutable == CONF_IMMUTABLE_APPLY);
	if ((r = kernel_session_register(d->session, &ack)) < 0)
		return start_failed(d, r, "cannot register as the audit daemon");
	kernel_session_adopt_rules(d->session, d->conf.default_rules);
	if ((r = kernel_session_apply(d->session, &wants)) < 0)
		return start_failed(d, r, "the kernel refused needle's settings");
	kernel_session_load_rules(d->session, d->conf.default_rules);
	return 0;
}

/* Collecting matters more than the endpoints: one that cannot start is
 * said, and needle goes on without it. */
static void start_endpoints(struct daemon *d)
{
	char err[256];

	if (d->conf.metrics_listen[0]) {
		d->metrics = metrics_server_start(d->conf.metrics_listen, &d->source, &d->kernel,
						  err, sizeof(err));
		if (!d->metrics)
			say("%s; metrics are off (set metrics_listen to a free address, or empty)",
			    err);
	}
	if (d->conf.control_socket[0]) {
		d->control = control_start(d->conf.control_socket, &d->source, &d->kernel, err,
					   sizeof(err));
		if (!d->control)
			say("%s; 'needle stat' cannot reach this needle (set control_socket)", err);
	}
}

/* A thread's failure, logged once; true when there was one. */
static bool report_failure(struct daemon *d)
{
	const char *cause = d->p ? pipeline_failure(d->p) : NULL;
	unsigned more;

	if (!cause)
		return false;
	if (!d->abort_reason[0])
		snprintf(d->abort_reason, sizeof(d->abort_reason), "%s", cause);
	if (!d->failure_said) {
		more = pipeline_failures(d->p) - 1;
		if (more)
			say("%s; stopping (and %u more thread failure(s))", cause, more);
		else
			say("%s; stopping", cause);
		d->failure_said = true;
	}
	return true;
}

/* Each second: the status line on a terminal and to systemd. */
static void tell_status(struct daemon *d, struct watch *w)
{
	char line[WATCH_STATUS_MAX];

	if (!d->tty && !d->notify.on)
		return;
	watch_status_text(w, line, sizeof(line));
	if (d->tty)
		fprintf(stderr, "\r%s   ", line);
	notify_status(&d->notify, line);
}

/* The watchdog's ping goes out only while every thread makes progress
 * (stall.h); a stuck thread is said once, and its recovery too. */
static void tell_watchdog(struct daemon *d, struct stall *stall, uint64_t now_ms)
{
	struct pipeline_stats ps;
	struct kernel_view kv;
	char why[256];
	bool stuck;

	pipeline_get_stats(d->p, &ps);
	kernel_snapshot_read(&d->kernel, &kv);
	stuck = stall_check(stall, &ps, kv.socket_queued, now_ms, why, sizeof(why));
	if (stuck && !d->stall_said)
		say("warning: %s: the pipeline is stuck%s", why,
		    d->notify.watchdog_ms ? "; the systemd watchdog is no longer told needle is "
					    "alive, so systemd restarts it (WatchdogSec)"
					  : "");
	else if (!stuck && d->stall_said)
		say("the pipeline makes progress again");
	d->stall_said = stuck;
	notify_watchdog(&d->notify, !stuck, now_ms);
}

/* Until SIGTERM or SIGINT, or a pipeline thread fails. The loop wakes each
 * second, and in between when the watchdog's ping is due. */
static void main_loop(struct daemon *d, const sigset_t *sigs)
{
	struct watch watch;
	struct stall stall;
	struct pipeline_stats ps;
	uint64_t next_second;
	char line[WATCH_STATUS_MAX];

	watch_start(&watch, d->p, &d->kernel, &d->conf);
	d->source = metrics_source_pipeline(d->p);
	start_endpoints(d);
	say("collecting (%s): pid %d, %u listener(s), %u decoder(s), ring %" PRIu64
	    " bytes each, output to %s",
	    d->conf.mode == CONF_MODE_UNICAST ? "unicast" : "multicast", (int)getpid(),
	    pipeline_listeners(d->p), pipeline_decoders(d->p), d->conf.ring_size,
	    d->conf.output_json || d->conf.output_raw || d->conf.output_enriched ? d->conf.log_dir
										 : "stdout");
	watch_boot_hold(d->p);
	kernel_session_say_features(d->session);
	watch_audit_enabled(&watch);
	if (d->ready_fd >= 0) {
		detach_ready(&d->ready_fd);
		say_to_syslog(d->conf.log_dir);
	}
	pipeline_get_stats(d->p, &ps);
	next_second = clock_mono_ms() + 1000;
	stall_start(&stall, notify_stall_bound_ms(&d->notify), &ps, clock_mono_ms());
	snprintf(line, sizeof(line), "collecting (%s), pid %d",
		 d->conf.mode == CONF_MODE_UNICAST ? "unicast: the kernel's audit daemon"
						   : "multicast",
		 (int)getpid());
	notify_ready(&d->notify, line);

	for (;;) {
		uint64_t now = clock_mono_ms(), wake = next_second, ping;
		struct timespec tick;
		siginfo_t info = { 0 };
		struct proctable *procs = pipeline_procs(d->p);
		int sig;

		if ((ping = notify_next_ping_ms(&d->notify)) < wake)
			wake = ping;
		wake = wake > now ? wake - now : 0;
		tick = (struct timespec){ (time_t)(wake / 1000), (long)(wake % 1000) * 1000000 };
		sig = sigtimedwait(sigs, &info, &tick);
		if (sig == SIGTERM || sig == SIGINT) {
			daemon_records_stopped_by(d, &info);
			break;
		}
		if (pipeline_failure(d->p))
			break;
		if (sig == SIGHUP) {
			reload_config(d);
			plugins_hup(d->plugins); /* they re-read their own files */
		}
		/* auditd's: SIGUSR1 rotates the logs, SIGUSR2 resumes writing
		 * (here: looks at the free space now, and resumes if it can). */
		if (sig == SIGUSR1)
			pipeline_rotate_logs(d->p, "SIGUSR1");
		if (sig == SIGUSR2)
			pipeline_check_space(d->p);
		now = clock_mono_ms();
		if (sig == SIGHUP)
			pipeline_keep_logs(d->p); /* SIGHUP's policy at once */
		if (now >= next_second) {
			/* A late wake (a long reload) does not bunch seconds. */
			next_second = now - next_second >= 1000 ? now + 1000 : next_second + 1000;
			pipeline_keep_logs(d->p); /* once a second */
			kernel_session_poll(d->session, &d->kernel);
			watch_tick(&watch);
			if (d->conf.rules_check_interval &&
			    watch.seconds % d->conf.rules_check_interval == 0)
				kernel_session_watch_rules(d->session, &d->kernel);
			plugins_tick(d->plugins, d->conf.max_restarts);
			if (procs && watch.seconds % PROCS_EXPIRE_EVERY == 0)
				proctable_expire(procs, clock_wall_ms());
			tell_status(d, &watch);
		}
		tell_watchdog(d, &stall, now);
	}
	if (d->tty)
		fputc('\n', stderr);
}

static pthread_t main_thread;

/* A signal the main thread takes (sigtimedwait) can still land on another
 * thread that leaves it unblocked: liburcu-cds's workqueue (the process
 * table's resizes) unblocks SIGUSR1 in its worker, where the default action
 * killed needle. Handled there, it is passed to the main thread, which has
 * it blocked: pending, for its sigtimedwait. */
static void pass_to_main_thread(int sig)
{
	int saved = errno;

	if (pthread_equal(pthread_self(), main_thread)) {
		/* Not blocked there yet (SIGTERM, SIGINT while starting): the
		 * default action, as without this handler. */
		signal(sig, SIG_DFL);
		raise(sig);
	} else {
		pthread_kill(main_thread, sig);
	}
	errno = saved;
}

void daemon_hold_signals(void)
{
	static const int taken[] = { SIGHUP, SIGUSR1, SIGUSR2, SIGTERM, SIGINT };
	struct sigaction pass = { .sa_handler = pass_to_main_thread, .sa_flags = SA_RESTART };
	sigset_t held;

	main_thread = pthread_self();
	sigemptyset(&held);
	sigaddset(&held, SIGHUP);
	sigaddset(&held, SIGUSR1);
	sigaddset(&held, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &held, NULL);
	sigfillset(&pass.sa_mask);
	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
		sigaction(taken[i], &pass, NULL);
}

int daemon_run(const struct conf *conf, const char *conf_path, bool foreground)
{
	struct daemon d = { .conf_path = conf_path, .conf = *conf, .foreground = foreground,
			    .ready_fd = -1, .kernel = KERNEL_SNAPSHOT_INIT };
	bool unicast = conf->mode == CONF_MODE_UNICAST, collecting = false;
	int status = EXIT_RUN_FAILED;
	sigset_t sigs, block;
	char fault_err[256], caps_err[512];

	if (fault_init(fault_err, sizeof(fault_err)) < 0) {
		say("%s", fault_err);
		return EXIT_RUN_CONFIG;
	}
	if (fault_name())
		say("TEST FAULT ARMED: %s (NEEDLE_TEST_FAULT, for tests only): a failure will be "
		    "injected",
		    fault_name());
	if (!caps_check_needed(!unicast, caps_err, sizeof(caps_err))) {
		say("%s", caps_err);
		return EXIT_RUN_FAILED;
	}
	caps_describe_missing_wanted(conf->process_context, caps_err, sizeof(caps_err));
	if (caps_err[0])
		say("note: running without %s", caps_err);
	/* Before anything changes and before detaching: a bad filter file
	 * is a bad configuration, said on the terminal. */
	if (conf->filter_file[0] && !(d.filters = filters_read(conf->filter_file, ""))) {
		say("filter_file %s cannot be used: needle does not start", conf->filter_file);
		return EXIT_RUN_CONFIG;
	}
	d.tty = foreground && isatty(STDERR_FILENO);
	if (!foreground && detach_start(EXIT_RUN_OK, EXIT_RUN_FAILED, &d.ready_fd) < 0)
		goto free_filters;
	/* After the fork: the watchdog is for the pid systemd named. */
	notify_init(&d.notify);
	d.session = kernel_session_open(unicast, say);
	if (!d.session)
		goto free_filters;

	/* Signals go to the main thread only: block them before any thread. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGUSR2);
	sigaddset(&sigs, PIPELINE_WAKE_SIGNAL);
	block = sigs;
	sigaddset(&block, PIPELINE_LISTENER_SIGNAL); /* listeners unblock it */
	pthread_sigmask(SIG_BLOCK, &block, NULL);

	if (start_pipeline(&d) < 0)
		goto stop_collecting;
	if (unicast && take_kernel(&d) < 0)
		goto stop_collecting;
	kernel_session_poll(d.session, &d.kernel);
	/* The rules as they are once needle has loaded its own. */
	if (d.conf.rules_check_interval)
		kernel_session_watch_rules(d.session, &d.kernel);
	collecting = true;
	main_loop(&d, &sigs);
	status = EXIT_RUN_OK;

stop_collecting:
	notify_stopping(&d.notify);
	/* A thread failed: said first, then the same clean stop. */
	if (report_failure(&d))
		status = EXIT_RUN_FAILED;
	metrics_server_stop(d.metrics);
	d.metrics = NULL;
	control_stop(d.control);
	d.control = NULL;
	if (!kernel_session_restore(d.session))
		status = EXIT_RUN_FAILED;
	if (kernel_session_drain(d.session) && d.p)
		pipeline_expect_lone_unregister(d.p, (uint32_t)getpid());
	kernel_session_unregister(d.session);
	if (d.p) {
		/* Only a failed start gives up waiting on full rings: after a
		 * thread failure the live decoders still drain theirs. */
		pipeline_stop(d.p, !collecting && status != EXIT_RUN_OK);
		if (report_failure(&d))
			status = EXIT_RUN_FAILED;
		/* Everything received is written: the last line says why it ends. */
		daemon_records_end(&d);
		/* The plugins get that line too, then the end of their input:
		 * they finish, and are reaped. */
		pipeline_stop_plugins(d.p);
		plugins_stop(d.plugins);
		d.plugins = NULL;
		if (pipeline_close(d.p) < 0)
			status = EXIT_RUN_FAILED;
		d.p = NULL;
	}
	plugins_stop(d.plugins); /* the pipeline never opened: nothing started */
	kernel_session_close(d.session);
	rulefile_free(&d.rules);
	return status;

free_filters:
	filter_set_free(d.filters);
	return EXIT_RUN_FAILED;
}
