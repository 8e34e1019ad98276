/* SPDX-License-Identifier: MIT */
/*
 * daemon.c: start-up and shut-down around the pipeline.
 *
 * Start:  read the kernel's status and keep it; refuse if another live
 *         process is the audit daemon; open the log; start decoders and
 *         listeners; register (AUDIT_SET pid on the data socket, ack read
 *         by a listener); apply the configured kernel settings.
 * Run:    the main thread waits for signals; once a second it reads the
 *         kernel status for the live status line.
 * Stop:   restore the settings it changed, unregister (pid 0) so the kernel
 *         stops sending, let the listeners drain what the socket still
 *         holds, let the decoders drain the rings to the log, close.
 *         Every record the kernel handed needle before unregistering is
 *         written.
 */
#include "daemon.h"
#include "audit-ctl.h"
#include "pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define REGISTER_TIMEOUT_MS 5000

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("needle: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void read_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(buf, size, "unknown");
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* The kernel settings needle changes, from the config against the saved
 * status; mask 0 when there is nothing to change. */
static struct audit_status settings_to_apply(const struct conf *c, const struct audit_status *now)
{
	struct audit_status s = { 0 };

#define APPLY(field, bit)                                                     \
	if (c->field != CONF_KEEP && (uint64_t)c->field != (uint64_t)now->field) { \
		s.mask |= bit;                                                \
		s.field = (uint32_t)c->field;                                 \
	}
	APPLY(enabled, AUDIT_STATUS_ENABLED)
	APPLY(failure, AUDIT_STATUS_FAILURE)
	APPLY(rate_limit, AUDIT_STATUS_RATE_LIMIT)
	APPLY(backlog_limit, AUDIT_STATUS_BACKLOG_LIMIT)
	APPLY(backlog_wait_time, AUDIT_STATUS_BACKLOG_WAIT_TIME)
#undef APPLY
	return s;
}

/* The same fields, back to their saved values. */
static struct audit_status settings_to_restore(const struct audit_status *applied,
					       const struct audit_status *saved)
{
	struct audit_status s = { .mask = applied->mask };

	s.enabled = saved->enabled;
	s.failure = saved->failure;
	s.rate_limit = saved->rate_limit;
	s.backlog_limit = saved->backlog_limit;
	s.backlog_wait_time = saved->backlog_wait_time;
	return s;
}

/* Restores field by field, so that one refusal does not leave the others
 * changed, and names the field the kernel refused. */
static int restore_settings(struct audit_ctl *ctl, const struct audit_status *applied,
			    const struct audit_status *saved)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} fields[] = {
		{ AUDIT_STATUS_ENABLED, "enabled" },
		{ AUDIT_STATUS_FAILURE, "failure" },
		{ AUDIT_STATUS_RATE_LIMIT, "rate_limit" },
		{ AUDIT_STATUS_BACKLOG_LIMIT, "backlog_limit" },
		{ AUDIT_STATUS_BACKLOG_WAIT_TIME, "backlog_wait_time" },
	};
	struct audit_status back = settings_to_restore(applied, saved);
	int status = 0;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		int r;

		if (!(applied->mask & fields[i].bit))
			continue;
		back.mask = fields[i].bit;
		r = audit_ctl_set(ctl, &back);
		if (r < 0) {
			say("could not restore %s: %s; set it by hand (auditctl -s shows it)",
			    fields[i].name, audit_ctl_strerror(r));
			status = r;
		}
	}
	return status;
}

static int wait_for_ack(struct pipeline *p)
{
	for (int ms = 0; ms < REGISTER_TIMEOUT_MS; ms++) {
		struct timespec ts = { 0, 1000000 };

		if (atomic_load(&p->ack_seen))
			return atomic_load(&p->ack_error);
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > PIPELINE_MAX_DECODERS ? PIPELINE_MAX_DECODERS : (unsigned)n;
}

static int open_log(const struct conf *c)
{
	char path[512];
	int fd;

	if (mkdir(c->log_dir, 0700) < 0 && errno != EEXIST) {
		say("cannot create log_dir %s: %s", c->log_dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/needle.log", c->log_dir);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		say("cannot open %s: %s", path, strerror(errno));
	return fd;
}

static void print_status_line(const struct pipeline *p, const struct audit_status *k,
			      uint64_t *last_records, bool tty)
{
	struct listener_stats ls;
	uint64_t fill = 0, cap = 0;

	pipeline_sum_listeners(p, &ls);
	for (unsigned i = 0; i < p->decoders; i++) {
		struct ring_stats rs;

		ring_get_stats(p->ring[i], &rs);
		fill += rs.occupancy;
		cap += rs.capacity;
	}
	fprintf(stderr, "%srecords/s %8" PRIu64 " | ring %5.1f%% | kernel backlog %u/%u lost %u%s",
		tty ? "\r" : "", ls.records - *last_records, cap ? 100.0 * (double)fill / (double)cap : 0,
		k->backlog, k->backlog_limit, k->lost, tty ? "   " : "\n");
	*last_records = ls.records;
}

static void print_summary(const struct pipeline *p)
{
	struct listener_stats ls;
	struct decoder_stats ds;
	uint64_t ring_drops = 0;

	pipeline_sum_listeners(p, &ls);
	pipeline_sum_decoders(p, &ds);
	for (unsigned i = 0; i < p->decoders; i++) {
		struct ring_stats rs;

		ring_get_stats(p->ring[i], &rs);
		ring_drops += rs.drops;
	}
	say("stopped: %" PRIu64 " records received, %" PRIu64 " lines written, %" PRIu64
	    " end-of-event markers, lost: %" PRIu64 " socket overruns, %" PRIu64
	    " ring drops, %" PRIu64 " records in failed writes",
	    ls.records + ls.ring_drops, ds.lines, ds.eoe, ls.enobufs, ring_drops, ds.lost_records);
}

int daemon_run(const struct conf *conf, bool foreground)
{
	struct pipeline *p = NULL;
	struct pipeline_worker lw[PIPELINE_MAX_LISTENERS], dw[PIPELINE_MAX_DECODERS];
	struct audit_ctl *ctl = NULL, *data = NULL;
	struct audit_status saved, applied = { 0 }, k;
	sigset_t sigs;
	int64_t seq, granted;
	int r, status = EXIT_RUN_FAILED;
	unsigned started_l = 0, started_d = 0;
	bool registered = false, tty = foreground && isatty(STDERR_FILENO);
	uint64_t last_records = 0;

	if (conf->mode != CONF_MODE_UNICAST) {
		say("mode = multicast is not available yet; use mode = unicast");
		return EXIT_RUN_CONFIG;
	}
	if (geteuid() != 0) {
		say("'needle run' needs root (CAP_AUDIT_CONTROL and CAP_AUDIT_READ); run it with sudo");
		return EXIT_RUN_FAILED;
	}
	ctl = audit_ctl_open();
	if (!ctl) {
		say("cannot open the audit netlink socket: %s", audit_ctl_strerror(-errno));
		return EXIT_RUN_FAILED;
	}
	r = audit_ctl_get_status(ctl, &saved);
	if (r < 0) {
		say("cannot read the kernel's audit status: %s", audit_ctl_strerror(r));
		goto close_ctl;
	}
	if (saved.enabled == 2) {
		say("the kernel's audit configuration is locked (enabled 2) until reboot; needle "
		    "cannot register. Reboot without '-e 2' in the audit rules.");
		goto close_ctl;
	}
	if (saved.pid != 0 && (kill((pid_t)saved.pid, 0) == 0 || errno == EPERM)) {
		char comm[64];

		read_comm((pid_t)saved.pid, comm, sizeof(comm));
		say("process %u (%s) is registered as the audit daemon. Stop it first "
		    "(e.g. 'service auditd stop' or 'kill %u'), or run needle beside it with "
		    "mode = multicast. needle does not take the socket over.",
		    saved.pid, comm, saved.pid);
		goto close_ctl;
	}

	p = calloc(1, sizeof(*p));
	if (!p) {
		say("out of memory");
		goto close_ctl;
	}
	p->conf = conf;
	p->listeners = conf->listener_threads;
	p->decoders = conf->decoder_threads ? conf->decoder_threads : online_cpus();
	p->mpsc = p->listeners > 1;
	atomic_store(&p->ack_seq, -1);
	for (unsigned i = 0; i < p->decoders; i++) {
		p->ring[i] = ring_create(conf->ring_size);
		if (!p->ring[i]) {
			say("cannot allocate a ring of %" PRIu64 " bytes: %s", conf->ring_size,
			    strerror(errno));
			goto free_pipeline;
		}
	}
	p->sink_fd = open_log(conf);
	if (p->sink_fd < 0)
		goto free_pipeline;

	data = audit_ctl_open();
	if (!data) {
		say("cannot open the audit data socket: %s", audit_ctl_strerror(-errno));
		goto close_sink;
	}
	p->data_fd = audit_ctl_fd(data);
	granted = audit_ctl_set_rcvbuf(data, conf->socket_buffer);
	if (granted < 0)
		say("socket_buffer: cannot set the receive buffer: %s", strerror((int)-granted));
	else if ((uint64_t)granted < conf->socket_buffer)
		say("socket_buffer: asked for %" PRIu64 " bytes, the kernel granted %" PRId64,
		    conf->socket_buffer, granted);
	{
		/* Listeners wake up this often to look at their stop flag. */
		struct timeval tv = { 0, 100000 };

		setsockopt(p->data_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}

	/* Signals go to the main thread only: block them before any thread. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	for (; started_d < p->decoders; started_d++) {
		dw[started_d] = (struct pipeline_worker){ p, started_d };
		if (pthread_create(&p->decoder_thread[started_d], NULL, decoder_main, &dw[started_d])) {
			say("cannot start decoder thread %u", started_d);
			goto stop_threads;
		}
	}
	for (; started_l < p->listeners; started_l++) {
		lw[started_l] = (struct pipeline_worker){ p, started_l };
		if (pthread_create(&p->listener_thread[started_l], NULL, listener_main, &lw[started_l])) {
			say("cannot start listener thread %u", started_l);
			goto stop_threads;
		}
	}

	/* Register on the data socket: the kernel sends records to the port
	 * that asked. The ack arrives among the records; a listener takes it. */
	seq = audit_ctl_next_seq(data);
	atomic_store(&p->ack_seq, seq);
	r = audit_ctl_send_set_pid(data, (uint32_t)getpid(), (uint32_t)seq);
	if (r == 0)
		r = wait_for_ack(p);
	if (r < 0) {
		say("cannot register as the audit daemon: %s", audit_ctl_strerror(r));
		goto stop_threads;
	}
	registered = true;

	applied = settings_to_apply(conf, &saved);
	if (applied.mask) {
		r = audit_ctl_set(ctl, &applied);
		if (r < 0) {
			/* Some fields may have changed: restore them all. */
			say("cannot apply the kernel settings: %s", audit_ctl_strerror(r));
			goto stop_threads;
		}
	}
	say("collecting: pid %d, %u listener(s), %u decoder(s), ring %" PRIu64
	    " bytes each, log %s/needle.log",
	    (int)getpid(), p->listeners, p->decoders, conf->ring_size, conf->log_dir);

	for (;;) {
		struct timespec tick = { 1, 0 };
		int sig = sigtimedwait(&sigs, NULL, &tick);

		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP)
			say("SIGHUP: configuration reload is not available yet; restart needle to "
			    "apply a new configuration");
		if (foreground && audit_ctl_get_status(ctl, &k) == 0)
			print_status_line(p, &k, &last_records, tty);
	}
	if (tty)
		fputc('\n', stderr);
	status = EXIT_RUN_OK;

stop_threads:
	if (applied.mask && restore_settings(ctl, &applied, &saved) < 0)
		status = EXIT_RUN_FAILED;
	/* After a timed-out ack the kernel may still have registered us. */
	if (!registered && audit_ctl_get_status(ctl, &k) == 0 && k.pid == (uint32_t)getpid())
		registered = true;
	if (registered) {
		struct audit_status off = { .mask = AUDIT_STATUS_PID, .pid = 0 };

		r = audit_ctl_set(ctl, &off);
		if (r < 0) {
			say("could not unregister: %s", audit_ctl_strerror(r));
			status = EXIT_RUN_FAILED;
		}
	}
	/* Listeners drain the socket, then decoders drain the rings. */
	atomic_store_explicit(&p->stop_listeners, true, memory_order_release);
	if (status != EXIT_RUN_OK)
		atomic_store(&p->abort_blocking, true);
	for (unsigned i = 0; i < started_l; i++)
		pthread_join(p->listener_thread[i], NULL);
	atomic_store_explicit(&p->stop_decoders, true, memory_order_release);
	for (unsigned i = 0; i < started_d; i++)
		pthread_join(p->decoder_thread[i], NULL);
	if (started_l)
		print_summary(p);
	audit_ctl_close(data);
close_sink:
	if (fsync(p->sink_fd) < 0 && errno != EINVAL)
		say("fsync of the log failed: %s", strerror(errno));
	close(p->sink_fd);
free_pipeline:
	for (unsigned i = 0; i < p->decoders; i++)
		ring_destroy(p->ring[i]);
	free(p);
close_ctl:
	audit_ctl_close(ctl);
	return status;
}
