/* SPDX-License-Identifier: MIT */
/*
 * daemon.c: start-up and shut-down around the pipeline.
 *
 * Start:  read the kernel's status and keep it; in unicast mode refuse if
 *         another live process is the audit daemon; open the log; start
 *         decoders and listeners; register (AUDIT_SET pid on the data
 *         socket, its ack read by a listener among the records); apply the
 *         configured kernel settings; load the default rules when the
 *         kernel has none and the config asks. In multicast mode join the
 *         read-only group and change nothing in the kernel.
 * Run:    the main thread waits for signals. SIGHUP reloads what can change
 *         live. On a terminal (--foreground) a status line every second.
 * Stop:   remove the rules needle added, restore the settings it changed,
 *         unregister (pid 0) so the kernel stops sending, let the listeners
 *         drain what the socket still holds and the decoders drain the
 *         rings to the log. Every record the kernel handed needle before
 *         unregistering is written, or counted where it was lost.
 * Failed: a listener or decoder that cannot go on (pipeline_fail) wakes the
 *         main thread, which logs the cause and stops as above, exit 1.
 *         What the failed thread held is drained by the main thread (a
 *         listener's socket) or counted abandoned (a decoder's ring).
 */
#include "daemon.h"
#include "audit-ctl.h"
#include "boothold.h"
#include "clock.h"
#include "control.h"
#include "ctl-child.h"
#include "fault.h"
#include "metrics.h"
#include "pipeline.h"
#include "progress.h"
#include "proctable.h"
#include "recovery.h"
#include "rules.h"
#include "settings.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <urcu.h>

#define REGISTER_TIMEOUT_MS 5000

struct daemon {
	const char *conf_path; /* re-read on SIGHUP; NULL: the embedded one */
	struct conf conf;
	bool foreground, tty;
	struct audit_ctl *ctl;  /* requests */
	struct audit_ctl *data; /* records arrive here */
	struct audit_status saved; /* the kernel's settings before needle */
	uint32_t changed;          /* AUDIT_STATUS_* bits needle changed */
	bool registered;
	struct rule_set rules;     /* rules needle added, removed at stop */
	bool adopted_rules;        /* a killed needle's default rules, removed at stop */
	struct pipeline *p;
	int ready_fd;              /* detached: tells the parent start-up worked */
	struct kernel_snapshot kernel; /* AUDIT_GET each second, for metrics */
	bool failure_said;         /* a thread's failure is logged */
	struct metrics_server *metrics;
	struct control_server *control;
};

static bool log_to_syslog;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
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

/* Where each of audit_settings[] (same order) sits in struct conf. */
static const size_t conf_offset[AUDIT_SETTINGS] = {
	offsetof(struct conf, enabled),
	offsetof(struct conf, failure),
	offsetof(struct conf, rate_limit),
	offsetof(struct conf, backlog_limit),
	offsetof(struct conf, backlog_wait_time),
};

static int64_t conf_field(const struct conf *c, unsigned i)
{
	return *(const int64_t *)((const char *)c + conf_offset[i]);
}

/*
 * Requests that change the kernel go out from a child process (ctl-child.h:
 * so that their records are whole events). If no child can be started,
 * from this process all the same: a setting matters more than its record.
 */
static void ctl_run(struct daemon *d, struct ctl_request *reqs, unsigned n)
{
	int r;

	if (!n)
		return;
	r = ctl_child_run(reqs, n);
	if (r == 0)
		return;
	say("cannot start a process for the kernel requests (%s): sending them from needle "
	    "itself, their records become events without an end",
	    strerror(-r));
	for (unsigned i = 0; i < n; i++) {
		struct ctl_request *q = &reqs[i];

		q->count = 0;
		q->result = q->op == CTL_SET	  ? audit_ctl_set(d->ctl, &q->status)
			    : q->op == CTL_ADD_RULE ? audit_ctl_add_rule(d->ctl, q->rule, q->size)
			    : q->op == CTL_DEL_RULE ? audit_ctl_del_rule(d->ctl, q->rule, q->size)
						    : audit_ctl_del_rules_with_key(d->ctl, q->key, &q->count);
	}
}

/* Sets kernel fields (field[k] for reqs[k]); names each the kernel refuses. */
static int set_fields(struct daemon *d, struct ctl_request *reqs, const unsigned *field,
		      unsigned n, const char *why)
{
	int status = 0;

	ctl_run(d, reqs, n);
	for (unsigned k = 0; k < n; k++)
		if (reqs[k].result < 0) {
			say("could not %s %s = %u: %s", why, audit_settings[field[k]].name,
			    *audit_setting_field(&reqs[k].status, field[k]),
			    audit_ctl_strerror(reqs[k].result));
			status = -EINVAL;
		}
	return status;
}

static void add_set(struct ctl_request *reqs, unsigned *field, unsigned *n, unsigned i,
		    uint32_t value)
{
	reqs[*n] = (struct ctl_request){ .op = CTL_SET, .status.mask = audit_settings[i].bit };
	*audit_setting_field(&reqs[*n].status, i) = value;
	field[(*n)++] = i;
}

/* Brings the kernel to what d->conf asks: a field set to keep goes back to
 * its saved value if needle had changed it. Field by field, so one refusal
 * leaves the others right. */
static int apply_settings(struct daemon *d)
{
	struct ctl_request reqs[AUDIT_SETTINGS];
	unsigned field[AUDIT_SETTINGS], n = 0;
	struct audit_status now;
	int r = audit_ctl_get_status(d->ctl, &now);

	if (r < 0) {
		say("cannot read the kernel's audit status: %s", audit_ctl_strerror(r));
		return r;
	}
	for (unsigned i = 0; i < AUDIT_SETTINGS; i++) {
		uint32_t bit = audit_settings[i].bit, cur = *audit_setting_field(&now, i);
		int64_t want = conf_field(&d->conf, i);

		if (want == CONF_KEEP) {
			if (!(d->changed & bit))
				continue;
			want = *audit_setting_field(&d->saved, i);
		}
		if ((uint64_t)want == cur)
			continue;
		d->changed |= bit; /* even if refused: it may have half-applied */
		add_set(reqs, field, &n, i, (uint32_t)want);
	}
	return set_fields(d, reqs, field, n, "set");
}

/*
 * Back to the saved settings. When audit goes back off, first: with audit
 * off the kernel logs no rule or setting change, so what needle undoes
 * after it makes no record that could end up cut at the stop.
 */
static int restore_settings(struct daemon *d)
{
	struct ctl_request reqs[AUDIT_SETTINGS];
	unsigned field[AUDIT_SETTINGS], n = 0;
	int status;

	for (unsigned i = 0; i < AUDIT_SETTINGS; i++)
		if (d->changed & audit_settings[i].bit)
			add_set(reqs, field, &n, i, *audit_setting_field(&d->saved, i));
	status = set_fields(d, reqs, field, n, "restore");
	if (status < 0)
		say("set what could not be restored by hand ('auditctl -s' shows the state)");
	d->changed = 0;
	return status;
}

/* At stop, before the rules go: audit back off if that is how needle
 * found it (above). */
static int restore_enabled_first(struct daemon *d)
{
	struct ctl_request req;
	unsigned field, n = 0;
	int r;

	if (!(d->changed & AUDIT_STATUS_ENABLED) || d->saved.enabled != 0)
		return 0;
	add_set(&req, &field, &n, 0, 0);
	r = set_fields(d, &req, &field, n, "restore");
	if (r == 0)
		d->changed &= ~AUDIT_STATUS_ENABLED;
	return r;
}

/* Loads the built-in rules when the kernel has none; a rule the kernel
 * refuses is named and skipped, the others still load. */
static void load_default_rules(struct daemon *d)
{
	struct rule_set set;
	struct ctl_request *reqs;
	unsigned count, loaded = 0;
	char err[512];
	int r = audit_ctl_count_rules(d->ctl, &count);

	if (r < 0) {
		say("cannot list the kernel's rules (%s); default rules not loaded",
		    audit_ctl_strerror(r));
		return;
	}
	if (count > 0) {
		say("%u audit rule(s) already loaded: default rules not added", count);
		return;
	}
	if (rules_build_default(&set, err, sizeof(err)) < 0) {
		say("default rules not loaded: %s", err);
		return;
	}
	d->rules = (struct rule_set){ .rule = calloc(set.count, sizeof(void *)),
				      .text = calloc(set.count, sizeof(char *)) };
	reqs = calloc(set.count, sizeof(*reqs));
	if (!reqs || !d->rules.rule || !d->rules.text) {
		say("out of memory: default rules not loaded");
		free(reqs);
		rules_free(&set);
		return;
	}
	for (unsigned i = 0; i < set.count; i++)
		reqs[i] = (struct ctl_request){ .op = CTL_ADD_RULE, .rule = set.rule[i],
						.size = rules_size(set.rule[i]) };
	ctl_run(d, reqs, set.count);
	for (unsigned i = 0; i < set.count; i++) {
		if (reqs[i].result < 0) {
			say("the kernel refused default rule '%s': %s", set.text[i],
			    audit_ctl_strerror(reqs[i].result));
			continue;
		}
		/* Keep it to delete it at stop. */
		d->rules.rule[loaded] = set.rule[i];
		d->rules.text[loaded] = set.text[i];
		set.rule[i] = NULL;
		set.text[i] = NULL;
		d->rules.count = ++loaded;
	}
	free(reqs);
	rules_free(&set); /* what the kernel refused; the loaded ones moved out */
	say("loaded %u default rule(s) with key %s", loaded, RULES_DEFAULT_KEY);
}

static void remove_rules(struct daemon *d)
{
	struct ctl_request *reqs = d->rules.count ? calloc(d->rules.count, sizeof(*reqs)) : NULL;
	unsigned n = d->rules.count;

	if (n && !reqs) {
		say("out of memory: rules not removed; remove them with auditctl -D -k %s",
		    RULES_DEFAULT_KEY);
		n = 0;
	}
	/* Last loaded first. */
	for (unsigned k = 0; k < n; k++)
		reqs[k] = (struct ctl_request){ .op = CTL_DEL_RULE, .rule = d->rules.rule[n - 1 - k],
						.size = rules_size(d->rules.rule[n - 1 - k]) };
	ctl_run(d, reqs, n);
	for (unsigned k = 0; k < n; k++)
		if (reqs[k].result < 0 && reqs[k].result != -ENOENT)
			say("could not remove rule '%s': %s; remove it with auditctl -D -k %s",
			    d->rules.text[n - 1 - k], audit_ctl_strerror(reqs[k].result),
			    RULES_DEFAULT_KEY);
	free(reqs);
	rules_free(&d->rules);
}

/* Every rule with needle's default key (a killed needle's), from a child. */
static int remove_keyed_rules(struct daemon *d, unsigned *ret_deleted)
{
	struct ctl_request req = { .op = CTL_DEL_KEY, .key = RULES_DEFAULT_KEY };

	ctl_run(d, &req, 1);
	*ret_deleted = req.count;
	return req.result;
}

/*
 * Before unregistering: the kernel sends what it queued to the registered
 * daemon only. Records still in its queue when needle unregisters (the
 * last requests' own, or any event's) would be dropped, so needle waits
 * until the kernel's backlog is empty, at most UNREGISTER_DRAIN_MS.
 */
#define UNREGISTER_DRAIN_MS 1000

static void drain_kernel_backlog(struct daemon *d)
{
	struct audit_status k;

	for (int ms = 0; ms < UNREGISTER_DRAIN_MS; ms++) {
		struct timespec ts = { 0, 1000000 };

		if (audit_ctl_get_status(d->ctl, &k) < 0 || k.backlog == 0)
			return;
		nanosleep(&ts, NULL);
	}
	say("the kernel still had %u record(s) queued after %d ms; unregistering all the same "
	    "(what it queues from now on reaches no log: the next start counts it, cause restart)",
	    k.backlog, UNREGISTER_DRAIN_MS);
}

static int wait_for_ack(struct pipeline *p)
{
	for (int ms = 0; ms < REGISTER_TIMEOUT_MS; ms++) {
		struct timespec ts = { 0, 1000000 };

		if (atomic_load(&p->ack_seen))
			return atomic_load(&p->ack_error);
		/* The listener that would read the ack may be the one that failed. */
		if (pipeline_failure(p))
			return -ECANCELED;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

static int register_daemon(struct daemon *d)
{
	struct pipeline *p = d->p;
	uint32_t seq = audit_ctl_next_seq(d->data);
	int r;

	/* Published before the send: the ack may come back at once. */
	atomic_store(&p->ack_seq, seq);
	/* release: decoders read it (acquire) to tell held records from live. */
	atomic_store_explicit(&p->live_since_ms, clock_wall_ms(), memory_order_release);
	r = audit_ctl_send_set_pid(d->data, (uint32_t)getpid(), seq);
	if (r == 0)
		r = wait_for_ack(p);
	if (r == 0) {
		d->registered = true;
		return 0;
	}
	if (r != -ECANCELED) /* else a thread failed: the stop path says why */
		say("cannot register as the audit daemon: %s", audit_ctl_strerror(r));
	return r;
}

static void unregister_daemon(struct daemon *d)
{
	struct audit_status off = { .mask = AUDIT_STATUS_PID, .pid = 0 }, now;
	int r;

	/* After a timed-out ack the kernel may have registered us anyway. */
	if (!d->registered && !(audit_ctl_get_status(d->ctl, &now) == 0 &&
				now.pid == (uint32_t)getpid()))
		return;
	r = audit_ctl_set(d->ctl, &off);
	if (r < 0)
		say("could not unregister: %s (the kernel unregisters a dead socket by itself)",
		    audit_ctl_strerror(r));
	d->registered = false;
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > PIPELINE_MAX_DECODERS ? PIPELINE_MAX_DECODERS : (unsigned)n;
}

/* Opens one output; NULL and a message when it cannot. */
static struct sink *open_sink(const struct conf *c, const char *name)
{
	struct sink *s = NULL;
	char path[512];
	int r;

	if (!name) {
		r = sink_open(NULL, false, 0, 1, &s);
	} else {
		snprintf(path, sizeof(path), "%s/%s%s", c->log_dir, name, c->compress_lz4 ? ".lz4" : "");
		r = sink_open(path, c->compress_lz4, c->max_log_file, c->num_logs, &s);
	}
	if (r < 0) {
		say("cannot open %s/%s: %s", c->log_dir, name ? name : "stdout", strerror(-r));
		return NULL;
	}
	return s;
}

static int open_outputs(struct pipeline *p, const struct conf *c)
{
	if ((c->output_json || c->output_raw || c->output_enriched) && mkdir(c->log_dir, 0700) < 0 &&
	    errno != EEXIST) {
		say("cannot create log_dir %s: %s", c->log_dir, strerror(errno));
		return -EIO;
	}
	if (c->output_json && !(p->json_sink = open_sink(c, "needle.json")))
		return -EIO;
	if (c->output_raw && !(p->raw_sink = open_sink(c, "needle.log")))
		return -EIO;
	if (c->output_stdout && !(p->stdout_sink = open_sink(c, NULL)))
		return -EIO;
	if (c->output_enriched && !(p->enriched_sink = open_sink(c, "needle.enriched.log")))
		return -EIO;
	return 0;
}

/* Syncs and closes the outputs; a failure (a late I/O error) is named
 * with how many events it may have cost. Returns 0 or -EIO. */
static int close_outputs(struct pipeline *p)
{
	struct sink *outs[PIPELINE_OUTPUTS];
	int status = 0;

	pipeline_outputs(p, outs);
	for (unsigned i = 0; i < PIPELINE_OUTPUTS; i++) {
		struct sink_stats before, after;
		int r;

		if (!outs[i])
			continue;
		sink_get_stats(outs[i], &before);
		r = sink_close(outs[i]);
		sink_get_stats(outs[i], &after);
		if (r < 0) {
			say("closing %s: %s: up to %" PRIu64 " events written to it may not be on "
			    "disk; check the disk (dmesg) and the file",
			    sink_path(outs[i])[0] ? sink_path(outs[i]) : "stdout", strerror(-r),
			    after.unsynced_events - before.unsynced_events);
			status = -EIO;
		}
	}
	return status;
}

/*
 * The progress note (progress.h) lives beside the logs it describes. A
 * note from a needle that ran before with this log_dir, on this boot,
 * gives the decoders their starting points, so what the kernel numbered
 * meanwhile and no log has is counted (cause restart). Without a log file
 * (stdout only) there is no note and no such count.
 */
static int progress_open(struct daemon *d)
{
	struct pipeline *p = d->p;
	const struct conf *c = &d->conf;
	struct progress_log log = { .lz4 = c->compress_lz4, .num_logs = c->num_logs };
	char path[600], boot[64], msg[2048];
	const char *name;

	p->primary_sink = p->json_sink ? p->json_sink : p->raw_sink ? p->raw_sink : p->enriched_sink;
	if (!p->primary_sink)
		return 0;
	name = p->json_sink ? "needle.json" : p->raw_sink ? "needle.log" : "needle.enriched.log";
	log.format = p->json_sink ? LOGTAIL_JSON : LOGTAIL_RAW;
	snprintf(log.path, sizeof(log.path), "%s/%s%s", c->log_dir, name, c->compress_lz4 ? ".lz4" : "");
	snprintf(path, sizeof(path), "%s/%s", c->log_dir, PROGRESS_FILE);
	progress_boot_id(boot, sizeof(boot));
	progress_resume(path, boot, p->decoders, p->seed, msg, sizeof(msg));
	if (msg[0])
		say("%s", msg);
	p->progress = progress_new(path, p->decoders, &log, boot);
	if (!p->progress) {
		say("cannot keep %s: %s", path, strerror(errno));
		return -ENOMEM;
	}
	return 0;
}

/* The data socket's receive buffer, at start and on SIGHUP. */
static void set_socket_buffer(struct daemon *d, uint64_t bytes)
{
	int64_t granted = audit_ctl_set_rcvbuf(d->data, bytes);

	kernel_snapshot_set_rcvbuf(&d->kernel, granted > 0 ? granted : 0);
	if (granted < 0)
		say("socket_buffer: cannot set the receive buffer: %s", strerror((int)-granted));
	else if ((uint64_t)granted < bytes)
		say("socket_buffer: asked for %" PRIu64 " bytes, the kernel granted %" PRId64, bytes,
		    granted);
}

/* Rings, log and data socket; threads are started separately. */
static int pipeline_open(struct daemon *d)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	struct timeval tv = { 0, 100000 };

	if (!p) {
		say("out of memory");
		return -ENOMEM;
	}
	d->p = p;
	if (settings_init(&p->settings, &d->conf) < 0) {
		say("out of memory");
		return -ENOMEM;
	}
	p->listeners = d->conf.listener_threads;
	p->decoders = d->conf.decoder_threads ? d->conf.decoder_threads : online_cpus();
	p->mpsc = p->listeners > 1;
	p->main_thread = pthread_self();
	atomic_store(&p->ring_full, d->conf.ring_full);
	atomic_store(&p->ack_seq, -1);
	for (unsigned i = 0; i < p->decoders; i++) {
		p->ring[i] = ring_create(d->conf.ring_size);
		p->damage[i] = calloc(1, sizeof(*p->damage[i]));
		if (p->damage[i])
			p->damage[i]->step = p->decoders;
		if (!p->ring[i] || !p->damage[i]) {
			say("cannot allocate a ring of %" PRIu64 " bytes: %s", d->conf.ring_size,
			    strerror(errno));
			return -ENOMEM;
		}
	}
	if (open_outputs(p, &d->conf) < 0)
		return -EIO;
	if (progress_open(d) < 0)
		return -ENOMEM;
	if (d->conf.process_context) {
		/* Before the decoders start: they find the machine's processes. */
		p->procs = proctable_new(d->conf.process_table_size);
		if (!p->procs) {
			say("cannot allocate the process table");
			return -ENOMEM;
		}
		rcu_register_thread(); /* this thread expires entries */
		proctable_seed(p->procs);
	}
	d->data = audit_ctl_open();
	if (!d->data) {
		say("cannot open the audit data socket: %s", audit_ctl_strerror(-errno));
		return -EIO;
	}
	p->data_fd = audit_ctl_fd(d->data);
	if (d->conf.mode == CONF_MODE_MULTICAST) {
		int r;

		atomic_store_explicit(&p->live_since_ms, clock_wall_ms(), memory_order_release);
		r = audit_ctl_join_readlog(d->data);

		if (r < 0) {
			say("cannot join the audit multicast group: %s (needs CAP_AUDIT_READ)",
			    audit_ctl_strerror(r));
			return r;
		}
	}
	set_socket_buffer(d, d->conf.socket_buffer);
	/* Listeners wake up this often to look at their stop flag. Stop does
	 * not depend on it (pipeline_close() signals them), but a listener
	 * blocked in recvmmsg() would not see the flag for the decoders' sake. */
	if (fault_take(FAULT_RCVTIMEO)) /* test only (fault.h) */
		errno = ENOPROTOOPT;
	else if (setsockopt(p->data_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0)
		return 0;
	say("cannot set the data socket's receive timeout: %s; listeners are woken by a signal "
	    "at stop",
	    strerror(errno));
	return 0;
}

/* "needle-listen0", "needle-decode1": what top -H and perf show. */
static void name_thread(pthread_t t, const char *role, unsigned i)
{
	char name[16]; /* the kernel's limit, with the NUL */

	snprintf(name, sizeof(name), "needle-%s%u", role, i % 100);
	pthread_setname_np(t, name);
}

static int pipeline_start(struct daemon *d, struct pipeline_worker *lw, struct pipeline_worker *dw)
{
	struct pipeline *p = d->p;
	int r;

	if (p->progress && (r = progress_start(p->progress)) < 0) {
		say("cannot start the progress writer: %s", strerror(-r));
		return r;
	}
	for (; p->decoders_started < p->decoders; p->decoders_started++) {
		unsigned i = p->decoders_started;

		dw[i] = (struct pipeline_worker){ p, i };
		if (pthread_create(&p->decoder_thread[i], NULL, decoder_main, &dw[i])) {
			say("cannot start decoder thread %u", i);
			return -EAGAIN;
		}
		name_thread(p->decoder_thread[i], "decode", i);
	}
	for (; p->listeners_started < p->listeners; p->listeners_started++) {
		unsigned i = p->listeners_started;

		lw[i] = (struct pipeline_worker){ p, i };
		if (pthread_create(&p->listener_thread[i], NULL, listener_main, &lw[i])) {
			say("cannot start listener thread %u", i);
			return -EAGAIN;
		}
		name_thread(p->listener_thread[i], "listen", i);
	}
	return 0;
}

/* Over all outputs: failed fsync/close, and the events they put at risk. */
static void sum_sync_errors(const struct pipeline *p, uint64_t *ret_errors, uint64_t *ret_events)
{
	struct sink *outs[PIPELINE_OUTPUTS];

	*ret_errors = *ret_events = 0;
	pipeline_outputs(p, outs);
	for (unsigned i = 0; i < PIPELINE_OUTPUTS; i++) {
		struct sink_stats st;

		if (!outs[i])
			continue;
		sink_get_stats(outs[i], &st);
		*ret_errors += st.sync_errors;
		*ret_events += st.unsynced_events;
	}
}

static void print_summary(const struct pipeline *p)
{
	struct listener_stats ls;
	struct decoder_stats ds;
	uint64_t sync_errors, unsynced;

	pipeline_sum_listeners(p, &ls);
	pipeline_sum_decoders(p, &ds);
	sum_sync_errors(p, &sync_errors, &unsynced);
	say("stopped: %" PRIu64 " records received, %" PRIu64 " events (%" PRIu64
	    " partial), %" PRIu64 " event writes; lost: %" PRIu64 " socket overruns, %" PRIu64
	    " serial gaps, %" PRIu64 " events (%" PRIu64 " records) dropped by full rings, %" PRIu64
	    " events in failed writes",
	    ls.records + ls.ring_drops + ls.abandoned, ds.events + ds.partial_events,
	    ds.partial_events, pipeline_sum_outputs(p, false), ls.enobufs, ds.serial_gaps,
	    ls.ring_events_whole + ls.ring_events_cut, ls.ring_drops, pipeline_sum_outputs(p, true));
	/* A line of its own, without "lost: ": needle-bench reads the one above. */
	say("stopped: besides, %" PRIu64 " events before this start (restart), %" PRIu64
	    " records lost to a failed decoder and up to %" PRIu64
	    " events in files whose fsync or close failed (%" PRIu64 " failures)",
	    ds.restart_gaps, ls.abandoned + ds.abandoned_in_ring, unsynced, sync_errors);
}

/* Joins the listeners. A listener blocked in recvmmsg() wakes at its
 * receive timeout, or, if setting that failed, at the signal sent here
 * every 100 ms until it has ended: stop never hangs on a quiet socket. */
static void join_listeners(struct pipeline *p)
{
	for (unsigned i = 0; i < p->listeners_started; i++) {
		for (;;) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += 100000000;
			if (until.tv_nsec >= 1000000000) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000;
			}
			if (pthread_timedjoin_np(p->listener_thread[i], NULL, &until) == 0)
				break;
			pthread_kill(p->listener_thread[i], PIPELINE_LISTENER_SIGNAL);
		}
	}
}

/* A failed listener left the socket undrained: the main thread takes what
 * is queued through the rings, as the listener would have. */
static void drain_failed_listener(struct daemon *d)
{
	struct pipeline *p = d->p;
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mem);

	for (unsigned i = 0; i < p->listeners_started; i++) {
		if (!atomic_load(&p->listener_failed[i]))
			continue;
		listener_run(p, i); /* its thread is joined: the slot is ours */
		if (getsockopt(p->data_fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0 &&
		    mem[SK_MEMINFO_RMEM_ALLOC])
			say("%u bytes of records could not be read from the audit socket: lost",
			    mem[SK_MEMINFO_RMEM_ALLOC]);
		return;
	}
}

/* A failed decoder's ring: nobody will decode it. Counted in that
 * decoder's own stats, whose thread has ended (this thread is their only
 * writer now). */
static void count_abandoned(struct pipeline *p)
{
	struct ring_rec recs[256];
	size_t k;

	for (unsigned i = 0; i < p->decoders_started; i++) {
		if (!atomic_load(&p->decoder_failed[i]))
			continue;
		while ((k = ring_peek(p->ring[i], recs, 256)) > 0) {
			ring_release(p->ring[i], recs, k);
			stat_add(&p->dstats[i].abandoned_in_ring, k);
		}
	}
}

/* A thread's failure, logged once; true when there was one. */
static bool report_failure(struct daemon *d)
{
	const char *cause = d->p ? pipeline_failure(d->p) : NULL;
	unsigned more;

	if (!cause)
		return false;
	if (!d->failure_said) {
		more = atomic_load(&d->p->failures) - 1;
		if (more)
			say("%s; stopping (and %u more thread failure(s))", cause, more);
		else
			say("%s; stopping", cause);
		d->failure_said = true;
	}
	return true;
}

/* Drains and frees the pipeline (threads, rings, log, data socket).
 * Returns -EIO when a thread failed or an output did not close cleanly. */
static int pipeline_close(struct daemon *d, bool abort_waits)
{
	struct pipeline *p = d->p;
	int status = 0;

	if (!p)
		return 0;
	atomic_store_explicit(&p->stop_listeners, true, memory_order_release);
	if (abort_waits)
		for (unsigned i = 0; i < p->decoders; i++)
			atomic_store(&p->abort_blocking[i], true);
	join_listeners(p);
	drain_failed_listener(d);
	/* release: decoders see everything the listeners pushed. */
	atomic_store_explicit(&p->stop_decoders, true, memory_order_release);
	for (unsigned i = 0; i < p->decoders_started; i++)
		pthread_join(p->decoder_thread[i], NULL);
	count_abandoned(p);
	if (report_failure(d))
		status = -EIO;
	{
		/* After the decoders: their last publish is final. */
		int r = progress_stop(p->progress);

		p->progress = NULL;
		if (r < 0)
			say("could not write the progress note: %s (the next start counts what "
			    "this needle wrote since its last note as lost)",
			    strerror(-r));
		progress_seeds_free(p->seed, p->decoders);
	}
	audit_ctl_close(d->data);
	d->data = NULL;
	if (close_outputs(p) < 0)
		status = -EIO;
	if (p->listeners_started)
		print_summary(p);
	{
		struct sink *outs[PIPELINE_OUTPUTS];

		pipeline_outputs(p, outs);
		for (unsigned i = 0; i < PIPELINE_OUTPUTS; i++)
			sink_free(outs[i]);
	}
	for (unsigned i = 0; i < p->decoders; i++) {
		ring_destroy(p->ring[i]);
		free(p->damage[i]);
	}
	if (p->procs) {
		proctable_free(p->procs);
		rcu_unregister_thread();
	}
	settings_fini(&p->settings);
	free(p);
	d->p = NULL;
	return status;
}

/* The kernel's status, once a second: metrics and the status line. */
static void poll_kernel(struct daemon *d)
{
	kernel_snapshot_poll(&d->kernel, d->ctl, d->p && d->data ? audit_ctl_fd(d->data) : -1);
}

/*
 * The daemon's own watch, once a second: a warning when the fullest stage
 * passes LOSS_RISK_WARN or a loss counter moves (each at most every
 * WARN_EVERY seconds, with what was lost in between), and a status line
 * every STATUS_EVERY seconds. Each warning names the stage and the fix.
 */
#define LOSS_RISK_WARN 0.8
#define PROCS_EXPIRE_EVERY 10
#define WARN_EVERY 10
#define STATUS_EVERY 60

enum loss_cause {
	LOSS_KERNEL, LOSS_SOCKET, LOSS_GAPS, LOSS_RING, LOSS_DECODER, LOSS_SINK, LOSS_RESTART,
	LOSS_LATE, LOSS_CAUSES
};

struct watch {
	uint64_t seconds;
	uint64_t start[LOSS_CAUSES];     /* counter values when needle started */
	uint64_t last[LOSS_CAUSES];      /* counter values at the last warning */
	uint64_t warned_at[LOSS_CAUSES]; /* second of the last warning, 0: never */
	uint64_t risk_warned_at;
	uint64_t status_events;          /* events at the last status line */
	uint64_t progress_failed, progress_warned_at;
	bool audit_off;                  /* the kernel's audit was disabled at the last look */
	uint64_t audit_off_warned_at;
	uint64_t sink_errors[PIPELINE_OUTPUTS]; /* rotation and sync errors last said */
	uint64_t sink_warned_at[PIPELINE_OUTPUTS];
};

static const struct {
	const char *what, *fix;
} loss_text[LOSS_CAUSES] = {
	[LOSS_KERNEL] = { "records lost in the kernel (backlog full or rate limit)",
			  "raise backlog_limit, or backlog_wait_time to make processes wait" },
	[LOSS_SOCKET] = { "socket overruns (records dropped by the kernel on needle's socket)",
			  "raise socket_buffer or listener_threads" },
	[LOSS_GAPS] = { "events missing from the kernel's serial sequence (lost after the kernel)",
			"raise socket_buffer or listener_threads" },
	[LOSS_RING] = { "events dropped or cut short by full rings (ring_full = drop)",
			"raise ring_size or decoder_threads, or set ring_full = block" },
	[LOSS_DECODER] = { "records dropped from events over the size cap",
			   "these events are marked truncated" },
	[LOSS_SINK] = { "events lost in failed writes", "free space in log_dir; check the disk" },
	[LOSS_RESTART] = { "events the kernel numbered before this needle took over that no log "
			   "has (while no needle ran, or in a killed needle's buffers)",
			   "keep needle running (restart it at once); boot with audit=1 so the "
			   "kernel holds records meanwhile" },
	[LOSS_LATE] = { "records that came after their event was written (left out, so that no "
			"event id is written twice)",
			"raise event_timeout if the records of one event arrive far apart" },
};

static void loss_counters(struct daemon *d, uint64_t *ret)
{
	const struct pipeline *p = d->p;
	struct listener_stats ls;
	struct decoder_stats ds;
	pipeline_sum_listeners(p, &ls);
	pipeline_sum_decoders(p, &ds);
	struct kernel_view kv;

	kernel_snapshot_read(&d->kernel, &kv);
	ret[LOSS_KERNEL] = kv.valid ? kv.status.lost : 0;
	ret[LOSS_SOCKET] = ls.enobufs;
	/* Gaps the rings did not cause (theirs are counted under LOSS_RING). */
	ret[LOSS_GAPS] = ds.serial_gaps > ls.ring_events_whole ? ds.serial_gaps - ls.ring_events_whole
							       : 0;
	ret[LOSS_RING] = ls.ring_events_whole + ls.ring_events_cut;
	ret[LOSS_DECODER] = ds.dropped_records;
	ret[LOSS_SINK] = pipeline_sum_outputs(p, true);
	ret[LOSS_RESTART] = ds.restart_gaps;
	ret[LOSS_LATE] = ds.late_dropped;
}

/* Losses before needle started (the kernel's lost counter) are not
 * needle's to report: counting starts here, right after start-up. */
static void watch_start(struct daemon *d, struct watch *w)
{
	loss_counters(d, w->start);
	memcpy(w->last, w->start, sizeof(w->start));
	kernel_snapshot_mark_start(&d->kernel);
}

/*
 * The kernel's audit disabled (enabled 0) makes no record at all: needle
 * would collect nothing without a word (a multicast needle, or enabled =
 * keep). Said at start, at once when it goes off while needle runs, and
 * every AUDIT_OFF_EVERY seconds while it stays off.
 */
#define AUDIT_OFF_EVERY 60

static void watch_audit_enabled(struct daemon *d, struct watch *w)
{
	struct kernel_view kv;
	bool valid, off;

	kernel_snapshot_read(&d->kernel, &kv);
	valid = kv.valid;
	off = valid && kv.status.enabled == 0;
	if (!valid)
		return;
	if (!off) {
		if (w->audit_off)
			say("the kernel's audit is enabled again: collecting");
		w->audit_off = false;
		return;
	}
	if (w->audit_off && w->seconds - w->audit_off_warned_at < AUDIT_OFF_EVERY)
		return;
	say("warning: the kernel's audit is disabled (enabled 0): it makes no records and needle "
	    "collects nothing until it is enabled (%s)",
	    d->conf.mode == CONF_MODE_MULTICAST
		    ? "'auditctl -e 1', or the rules of the daemon that owns the audit socket"
		    : "enabled = 1 in needle's configuration, or 'auditctl -e 1'");
	w->audit_off = true;
	w->audit_off_warned_at = w->seconds;
}

/* A rotation refused, or the close of a rotated-out file failed: no event
 * lost yet (or only at risk), but the operator must act before the disk
 * or the files become the problem. At most every WARN_EVERY seconds. */
static void watch_sinks(struct daemon *d, struct watch *w)
{
	struct sink *outs[PIPELINE_OUTPUTS];

	pipeline_outputs(d->p, outs);
	for (unsigned i = 0; i < PIPELINE_OUTPUTS; i++) {
		struct sink_stats st;
		uint64_t rot, sync, at_risk;
		int err;

		if (!outs[i])
			continue;
		sink_get_stats(outs[i], &st);
		rot = st.rotate_errors;
		sync = st.sync_errors;
		if (rot + sync <= w->sink_errors[i] ||
		    (w->sink_warned_at[i] && w->seconds - w->sink_warned_at[i] < WARN_EVERY))
			continue;
		err = st.last_error;
		at_risk = st.unsynced_events;
		say("warning: %s: %" PRIu64 " rotation(s) not done, %" PRIu64 " rotated file(s) "
		    "closed with an error (last error: %s; up to %" PRIu64 " events at risk). Every "
		    "old generation is kept and writing goes on to the current file, past "
		    "max_log_file; rotation is retried each second. Free space or fix permissions "
		    "in log_dir",
		    sink_path(outs[i]), rot, sync, strerror(err), at_risk);
		w->sink_errors[i] = rot + sync;
		w->sink_warned_at[i] = w->seconds;
	}
}

static void watch_tick(struct daemon *d, struct watch *w)
{
	uint64_t now[LOSS_CAUSES];
	const char *stage;
	double risk = metrics_loss_risk(d->p, &d->kernel, &stage);
	struct decoder_stats ds;

	w->seconds++;
	watch_audit_enabled(d, w);
	loss_counters(d, now);
	for (int c = 0; c < LOSS_CAUSES; c++) {
		if (now[c] <= w->last[c] ||
		    (w->warned_at[c] && w->seconds - w->warned_at[c] < WARN_EVERY))
			continue;
		say("warning: %" PRIu64 " %s since the last report; %s", now[c] - w->last[c],
		    loss_text[c].what, loss_text[c].fix);
		w->last[c] = now[c];
		w->warned_at[c] = w->seconds;
	}
	if (risk >= LOSS_RISK_WARN &&
	    (!w->risk_warned_at || w->seconds - w->risk_warned_at >= WARN_EVERY)) {
		say("warning: the %s stage is %.0f%% full: events will be lost (or audited "
		    "processes slowed) if it fills; %s",
		    stage, risk * 100,
		    strcmp(stage, "kernel") == 0   ? "raise backlog_limit or decoder_threads"
		    : strcmp(stage, "socket") == 0 ? "raise socket_buffer or listener_threads"
						   : "raise ring_size or decoder_threads");
		w->risk_warned_at = w->seconds;
	}
	if (d->p->progress) {
		int e;
		uint64_t failed = progress_write_errors(d->p->progress, &e);

		if (failed > w->progress_failed &&
		    (!w->progress_warned_at || w->seconds - w->progress_warned_at >= WARN_EVERY)) {
			say("warning: cannot write the progress note in %s: %s; if needle is killed, "
			    "the next start counts what it wrote since the last note as lost",
			    d->conf.log_dir, strerror(e));
			w->progress_failed = failed;
			w->progress_warned_at = w->seconds;
		}
	}
	watch_sinks(d, w);
	if (w->seconds % STATUS_EVERY == 0) {
		pipeline_sum_decoders(d->p, &ds);
		say("status: %" PRIu64 " events in the last %d s (%" PRIu64 " partial so far), loss risk "
		    "%.0f%% (%s), lost since start: kernel %" PRIu64 " records, socket overruns %" PRIu64
		    ", ring drops %" PRIu64 ", sink %" PRIu64 " events",
		    ds.events + ds.partial_events - w->status_events, STATUS_EVERY, ds.partial_events,
		    risk * 100, stage, now[LOSS_KERNEL] - w->start[LOSS_KERNEL],
		    now[LOSS_SOCKET] - w->start[LOSS_SOCKET], now[LOSS_RING] - w->start[LOSS_RING],
		    now[LOSS_SINK] - w->start[LOSS_SINK]);
		w->status_events = ds.events + ds.partial_events;
	}
}

static void print_status_line(struct daemon *d, uint64_t *last_records)
{
	const struct pipeline *p = d->p;
	struct listener_stats ls;
	struct kernel_view kv;
	struct audit_status k;
	uint64_t fill = 0, cap = 0;
	uint32_t lost;

	/* Since needle started, as every other figure here: the kernel's own
	 * counter runs since boot (needle stat shows it, labelled). */
	kernel_snapshot_read(&d->kernel, &kv);
	k = kv.status;
	lost = kv.started ? k.lost - kv.lost_at_start : 0;
	pipeline_sum_listeners(p, &ls);
	for (unsigned i = 0; i < p->decoders; i++) {
		struct ring_stats rs;

		ring_get_stats(p->ring[i], &rs);
		fill += rs.occupancy;
		cap += rs.capacity;
	}
	fprintf(stderr,
		"\rrecords/s %8" PRIu64 " | ring %5.1f%% | kernel backlog %u/%u lost %u since start | "
		"socket overruns %" PRIu64 "   ",
		ls.records - *last_records, cap ? 100.0 * (double)fill / (double)cap : 0, k.backlog,
		k.backlog_limit, lost, ls.enobufs);
	*last_records = ls.records;
}

/* What happens to records while no daemon is registered (boothold.h):
 * said once at start, with what it means for a restart. */
static void warn_if_kernel_drops(struct daemon *d)
{
	int held = boothold_read();

	if (held == 1) {
		say("kernel booted with audit=1: while no audit daemon is registered (needle "
		    "stopped, killed, restarting) it holds up to backlog_limit records for the next "
		    "one and counts more in its lost counter");
		return;
	}
	say("warning: the kernel was booted without audit=1: while no audit daemon is registered "
	    "(needle stopped, killed, restarting) it drops every record without counting it. "
	    "needle counts what it finds missing by serial at its next start%s (cause restart). "
	    "Add audit=1 to the kernel command line to have the kernel hold up to backlog_limit "
	    "records meanwhile",
	    d->p && d->p->progress ? "" : " (only with a log file in log_dir: none now)");
}

/* Says each line of text (lines joined by '\n') after prefix. */
static void say_lines(const char *prefix, const char *text)
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

/* SIGHUP, metrics_listen or control_socket changed: the new endpoint
 * starts before the old one stops; one that cannot start leaves the old
 * one running, and run keeps the old value (the next SIGHUP tries again). */
static void reload_endpoints(struct daemon *d, struct conf *run, uint32_t changed)
{
	char err[256];

	if (changed & (1u << CONF_KEY_METRICS_LISTEN)) {
		struct metrics_server *m = NULL;

		if (run->metrics_listen[0] &&
		    !(m = metrics_server_start(run->metrics_listen, d->p, &d->kernel, err,
					       sizeof(err)))) {
			say("SIGHUP: %s; metrics stay on '%s'", err, d->conf.metrics_listen);
			strcpy(run->metrics_listen, d->conf.metrics_listen);
		} else {
			metrics_server_stop(d->metrics);
			d->metrics = m;
		}
	}
	if (changed & (1u << CONF_KEY_CONTROL_SOCKET)) {
		struct control_server *c = NULL;

		if (run->control_socket[0] &&
		    !(c = control_start(run->control_socket, d->p, &d->kernel, err, sizeof(err)))) {
			say("SIGHUP: %s; the control socket stays '%s'", err, d->conf.control_socket);
			strcpy(run->control_socket, d->conf.control_socket);
		} else {
			control_stop(d->control);
			d->control = c;
		}
	}
}

/*
 * SIGHUP: re-read the configuration. A bad file is reported whole and
 * changes nothing. Otherwise every key that differs is named: a CONF_LIVE
 * key is applied (decoders get a new settings snapshot, the main thread
 * applies the rest), a CONF_NEXT_START key keeps its running value until
 * the next start, and the log says so (conf.h's CONF_KEYS).
 */
static void reload(struct daemon *d)
{
	struct conf next, run;
	char err[CONF_ERRORS_MAX], report[4096];
	uint32_t changed;

	if (conf_load(&next, d->conf_path, err, sizeof(err)) < 0) {
		say_lines("SIGHUP: ", err);
		say("SIGHUP: configuration unchanged");
		return;
	}
	conf_reload_merge(&d->conf, &next, &run, report, sizeof(report), &changed);
	if (settings_publish(&d->p->settings, &run) < 0) {
		say("SIGHUP: out of memory; configuration unchanged");
		return;
	}
	say_lines("SIGHUP: ", report);
	/* Decoders do not read these two: their snapshot may keep a value
	 * that could not be applied. */
	reload_endpoints(d, &run, changed);
	d->conf = run;
	atomic_store(&d->p->ring_full, run.ring_full);
	if (changed & (1u << CONF_KEY_SOCKET_BUFFER))
		set_socket_buffer(d, run.socket_buffer);
	if (d->p->procs)
		proctable_set_max(d->p->procs, run.process_table_size);
	if (run.mode == CONF_MODE_UNICAST)
		apply_settings(d);
	say("SIGHUP: configuration reloaded");
}

/* Detaching: the parent waits until the child is collecting (or failed,
 * having said why on the shared stderr) and exits with that status. */
static int detach(struct daemon *d)
{
	int fds[2];
	pid_t pid;
	char c;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		say("cannot detach: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		say("cannot detach: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(fds[1]);
		if (read(fds[0], &c, 1) == 1 && c == '0') {
			printf("needle: collecting in the background, pid %d\n", (int)pid);
			fflush(stdout);
			_exit(EXIT_RUN_OK);
		}
		_exit(EXIT_RUN_FAILED);
	}
	close(fds[0]);
	setsid();
	d->ready_fd = fds[1];
	return 0;
}

/* In the detached child, once collecting: release the parent, leave the
 * terminal, log to syslog. */
static void detached_ready(struct daemon *d)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (write(d->ready_fd, "0", 1) < 0) {
		/* The parent is gone; nothing to tell. */
	}
	close(d->ready_fd);
	d->ready_fd = -1;
	openlog("needle", LOG_PID, LOG_DAEMON);
	log_to_syslog = true;
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
}

/*
 * A needle killed before it could restore left its note (recovery.h) of
 * the settings it found. This needle takes that note over instead of
 * putting the kernel back first: restoring and then applying its own
 * settings would leave a moment with audit off (or a smaller backlog)
 * while the workload runs, and events the kernel never numbers cannot be
 * counted by anyone. So: the killed needle's original settings become
 * this one's to restore at stop (every field it had changed is marked),
 * and its default rules are kept when this needle wants them too (removed
 * at stop), else deleted once this needle is registered (so the kernel's
 * records of it reach the log).
 */
static bool recovery_take_over(struct daemon *d)
{
	struct audit_status old;
	char err[512];
	pid_t pid;
	int r = recovery_load(RECOVERY_PATH, &pid, &old, err, sizeof(err));

	if (r == -ENOENT)
		return false;
	if (r < 0) {
		say("%s; not restoring from it", err);
		recovery_clear(RECOVERY_PATH);
		return false;
	}
	say("needle pid %d stopped without restoring the kernel (killed?): taking over its note "
	    "%s, the settings it found are restored when this needle stops",
	    (int)pid, RECOVERY_PATH);
	/* d->saved held the kernel's settings now: what differs, the
	 * killed needle changed. */
	for (unsigned i = 0; i < AUDIT_SETTINGS; i++)
		if (*audit_setting_field(&d->saved, i) != *audit_setting_field(&old, i))
			d->changed |= audit_settings[i].bit;
	d->saved = old;
	return true;
}

/* Registered: the killed needle's rules kept or removed (above). */
static void recovery_rules(struct daemon *d)
{
	unsigned deleted = 0;

	if (d->conf.default_rules) {
		d->adopted_rules = true;
		return;
	}
	if (remove_keyed_rules(d, &deleted) == 0 && deleted)
		say("removed %u %s rule(s) the killed needle left", deleted, RULES_DEFAULT_KEY);
}

static int refuse_other_daemon(const struct audit_status *k)
{
	char comm[64];

	if (k->pid == 0 || (kill((pid_t)k->pid, 0) < 0 && errno == ESRCH))
		return 0;
	read_comm((pid_t)k->pid, comm, sizeof(comm));
	if (strcmp(comm, "needle") == 0)
		say("process %u (needle) is registered as the audit daemon: needle is already "
		    "running. 'needle stat' shows it; 'kill %u' stops it (it restores the kernel "
		    "as it stops). needle does not take the socket over.",
		    k->pid, k->pid);
	else
		say("process %u (%s) is registered as the audit daemon. Stop it first "
		    "(e.g. 'service auditd stop' or 'kill %u'), or run needle beside it with "
		    "mode = multicast. needle does not take the socket over.",
		    k->pid, comm, k->pid);
	return -EEXIST;
}

int daemon_run(const struct conf *conf, const char *conf_path, bool foreground)
{
	struct daemon d = { .conf_path = conf_path, .conf = *conf, .foreground = foreground,
			    .ready_fd = -1, .kernel = KERNEL_SNAPSHOT_INIT };
	struct pipeline_worker lw[PIPELINE_MAX_LISTENERS], dw[PIPELINE_MAX_DECODERS];
	struct audit_features features;
	uint64_t last_records = 0;
	struct watch watch = { 0 };
	unsigned count;
	bool unicast = conf->mode == CONF_MODE_UNICAST, restored, recovered = false;
	sigset_t sigs, block;
	int r, status = EXIT_RUN_FAILED;
	bool collecting = false;
	char fault_err[256];

	if (fault_init(fault_err, sizeof(fault_err)) < 0) {
		say("%s", fault_err);
		return EXIT_RUN_CONFIG;
	}
	if (fault_name())
		say("TEST FAULT ARMED: %s (NEEDLE_TEST_FAULT, for tests only): a failure will be "
		    "injected",
		    fault_name());
	if (geteuid() != 0) {
		say("'needle run' needs root (CAP_AUDIT_CONTROL and CAP_AUDIT_READ); run it with sudo");
		return EXIT_RUN_FAILED;
	}
	d.tty = foreground && isatty(STDERR_FILENO);
	if (!foreground && detach(&d) < 0)
		return EXIT_RUN_FAILED;

	d.ctl = audit_ctl_open();
	if (!d.ctl) {
		say("cannot open the audit netlink socket: %s", audit_ctl_strerror(-errno));
		return EXIT_RUN_FAILED;
	}
	if (audit_ctl_get_status(d.ctl, &d.saved) < 0) {
		say("cannot read the kernel's audit status");
		goto close_ctl;
	}
	if (unicast && d.saved.enabled == 2) {
		say("the kernel's audit configuration is locked (enabled 2) until reboot; needle "
		    "cannot register. Reboot without '-e 2' in the audit rules, or use mode = "
		    "multicast.");
		goto close_ctl;
	}
	if (unicast) {
		if (refuse_other_daemon(&d.saved) < 0)
			goto close_ctl;
		recovered = recovery_take_over(&d);
		/* Before the first change, so a killed needle can be undone. */
		r = recovery_save(RECOVERY_PATH, getpid(), &d.saved);
		if (r < 0)
			say("cannot write %s (%s): if needle is killed, the next start cannot "
			    "restore the kernel settings",
			    RECOVERY_PATH, strerror(-r));
	}

	/* Signals go to the main thread only: block them before any thread. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, PIPELINE_WAKE_SIGNAL);
	block = sigs;
	sigaddset(&block, PIPELINE_LISTENER_SIGNAL); /* listeners unblock it */
	pthread_sigmask(SIG_BLOCK, &block, NULL);

	if (pipeline_open(&d) < 0 || pipeline_start(&d, lw, dw) < 0)
		goto stop;
	if (unicast) {
		if (register_daemon(&d) < 0)
			goto stop;
		if (recovered)
			recovery_rules(&d);
		if (apply_settings(&d) < 0)
			goto stop;
		if (d.adopted_rules && audit_ctl_count_rules(d.ctl, &count) == 0 && count)
			say("keeping the %u audit rule(s) already loaded; the %s ones a killed needle "
			    "left are removed at stop",
			    count, RULES_DEFAULT_KEY);
		else if (d.conf.default_rules)
			load_default_rules(&d);
	}
	poll_kernel(&d);
	watch_start(&d, &watch);
	if (d.conf.metrics_listen[0]) {
		char err[256];

		d.metrics = metrics_server_start(d.conf.metrics_listen, d.p, &d.kernel, err,
						 sizeof(err));
		if (!d.metrics) {
			/* Collecting matters more than the endpoint: go on. */
			say("%s; metrics are off (set metrics_listen to a free address, or empty)",
			    err);
		}
	}
	if (d.conf.control_socket[0]) {
		char err[256];

		d.control = control_start(d.conf.control_socket, d.p, &d.kernel, err, sizeof(err));
		if (!d.control)
			say("%s; 'needle stat' cannot reach this needle (set control_socket)", err);
	}
	say("collecting (%s): pid %d, %u listener(s), %u decoder(s), ring %" PRIu64
	    " bytes each, output to %s",
	    unicast ? "unicast" : "multicast", (int)getpid(), d.p->listeners, d.p->decoders,
	    d.conf.ring_size, d.conf.output_json || d.conf.output_raw || d.conf.output_enriched ? d.conf.log_dir
											  : "stdout");
	warn_if_kernel_drops(&d);
	if (audit_ctl_get_features(d.ctl, &features) == 0 &&
	    (features.features & (1u << AUDIT_FEATURE_LOGINUID_IMMUTABLE)))
		say("kernel feature: loginuid is immutable");
	watch_audit_enabled(&d, &watch);
	if (d.ready_fd >= 0)
		detached_ready(&d);
	collecting = true;

	for (;;) {
		struct timespec tick = { 1, 0 };
		int sig = sigtimedwait(&sigs, NULL, &tick);

		if (sig == SIGTERM || sig == SIGINT || pipeline_failure(d.p))
			break;
		if (sig == SIGHUP)
			reload(&d);
		poll_kernel(&d);
		watch_tick(&d, &watch);
		/* Exited processes out of the table, every PROCS_EXPIRE_EVERY s. */
		if (d.p->procs && watch.seconds % PROCS_EXPIRE_EVERY == 0)
			proctable_expire(d.p->procs, clock_wall_ms());
		if (d.tty)
			print_status_line(&d, &last_records);
	}
	if (d.tty)
		fputc('\n', stderr);
	status = EXIT_RUN_OK;

stop:
	/* A thread failed: said first, then the same clean stop. */
	if (report_failure(&d))
		status = EXIT_RUN_FAILED;
	metrics_server_stop(d.metrics);
	d.metrics = NULL;
	control_stop(d.control);
	d.control = NULL;
	restored = restore_enabled_first(&d) == 0;
	remove_rules(&d);
	if (d.adopted_rules) {
		unsigned deleted;

		if (remove_keyed_rules(&d, &deleted) < 0)
			say("could not remove the %s rules; remove them with auditctl -D -k %s",
			    RULES_DEFAULT_KEY, RULES_DEFAULT_KEY);
	}
	restored = restore_settings(&d) == 0 && restored;
	if (!restored)
		status = EXIT_RUN_FAILED;
	if (d.registered) {
		drain_kernel_backlog(&d);
		if (audit_ctl_count_rules(d.ctl, &count) == 0 && count > 0)
			/* release: decoders read it (acquire) when the record comes. */
			atomic_store_explicit(&d.p->lone_unregister_pid, (uint32_t)getpid(),
					      memory_order_release);
	}
	unregister_daemon(&d);
	/* Kept when a setting could not be restored: the next start retries. */
	if (unicast && restored)
		recovery_clear(RECOVERY_PATH);
	/* Only a failed start gives up waiting on full rings: after a thread
	 * failure the live decoders still drain theirs. */
	if (pipeline_close(&d, !collecting && status != EXIT_RUN_OK) < 0)
		status = EXIT_RUN_FAILED;
close_ctl:
	audit_ctl_close(d.ctl);
	return status;
}
