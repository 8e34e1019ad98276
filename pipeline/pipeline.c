/* SPDX-License-Identifier: MIT */
/*
 * pipeline.c: the pipeline's life (open, start, stop, close) and what the
 * rest of needle reads of it (rings, outputs); its sums are in sums.c.
 *
 *   open:  settings snapshot, D rings (+ damage notes), outputs, progress
 *          note (the last one read: restart seeds), process table
 *   start: progress writer, plugins' writers, decoders, listeners
 *   stop:  stop_listeners (release) -> listeners joined -> a failed
 *          listener's socket drained here -> stop_decoders (release) ->
 *          decoders joined -> a failed decoder's ring counted abandoned;
 *          then (stop_plugins, after needle's own last record) the
 *          plugins' writers drain their queues, bounded in time
 *   close: last progress note, outputs synced and closed, summary, free
 *
 * Decoders start before listeners, so no listener waits on a ring nobody
 * reads; at stop the order reverses, so every record a listener took is in
 * a ring before the decoders are told to finish. Every record the kernel
 * handed the socket is written, or counted where it was lost.
 */
#include "threads.h"
#include "clock.h"
#include "fault.h"
#include "proctable.h"
#include "procwatch.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/sock_diag.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <urcu.h>

_Static_assert(PROGRESS_MAX_SHARDS >= PIPELINE_MAX_DECODERS,
	       "the progress note must hold a slot per decoder");


static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > PIPELINE_MAX_DECODERS ? PIPELINE_MAX_DECODERS : (unsigned)n;
}

/* Opens one output; NULL and a message when it cannot. */
static struct sink *open_sink(struct pipeline *p, const struct pipeline_settings *c,
			      const char *name)
{
	struct sink *s = NULL;
	char path[512];
	int r;

	if (!name) {
		r = sink_open(NULL, NULL, &s);
	} else {
		struct sink_options o = {
			.lz4 = c->compress_lz4,
			.max_size = c->max_log_file,
			.num_logs = c->num_logs,
			.group = c->log_group,
			.flush = c->flush,
			.freq = c->freq,
		};

		snprintf(path, sizeof(path), "%s/%s%s", c->log_dir, name, c->compress_lz4 ? ".lz4" : "");
		r = sink_open(path, &o, &s);
	}
	if (r < 0) {
		p->say("cannot open %s/%s: %s", c->log_dir, name ? name : "stdout", strerror(-r));
		return NULL;
	}
	return s;
}

/*
 * log_group, as auditd applies it to the log's directory: root:GROUP 0750,
 * so that the group can reach the files (0640) at all. Only a directory
 * of needle's own that nobody else may write to is changed; root's group
 * leaves the directory as it is.
 */
static void set_dir_group(struct pipeline *p, const char *dir, gid_t group)
{
	struct stat st;

	if (!group || stat(dir, &st) < 0)
		return;
	if (st.st_uid != geteuid() || (st.st_mode & 022)) {
		p->say("log_dir %s: not needle's own, or writable by its group or others: its owner "
		       "and mode are left as they are, and log_group may not reach the files",
		       dir);
		return;
	}
	if (chown(dir, (uid_t)-1, group) < 0 || chmod(dir, 0750) < 0)
		p->say("log_dir %s: cannot give it group %u and mode 0750: %s", dir, (unsigned)group,
		       strerror(errno));
}

/* The NATS output, its spool in log_dir/spool. */
static int open_nats(struct pipeline *p, const struct pipeline_settings *c)
{
	struct nats_out_settings n = c->nats;

	if (!n.spool_dir[0])
		snprintf(n.spool_dir, sizeof(n.spool_dir), "%s/spool", c->log_dir);
	return nats_out_open(&n, p->say, &p->nats);
}

static int open_outputs(struct pipeline *p, const struct pipeline_settings *c)
{
	bool files = c->output_json || c->output_raw || c->output_enriched || c->filtering;

	if ((files || c->output_nats) && mkdir(c->log_dir, 0700) < 0 && errno != EEXIST) {
		p->say("cannot create log_dir %s: %s", c->log_dir, strerror(errno));
		return -EIO;
	}
	if (files)
		set_dir_group(p, c->log_dir, c->log_group);
	if (c->output_json && !(p->json_sink = open_sink(p, c, "needle.json")))
		return -EIO;
	if (c->output_raw && !(p->raw_sink = open_sink(p, c, "needle.log")))
		return -EIO;
	if (c->output_stdout && !(p->stdout_sink = open_sink(p, c, NULL)))
		return -EIO;
	if (c->output_enriched && !(p->enriched_sink = open_sink(p, c, "needle.enriched.log")))
		return -EIO;
	if (c->filtering && !(p->divert_sink = open_sink(p, c, "needle.filtered.json")))
		return -EIO;
	if (c->output_nats && open_nats(p, c) < 0)
		return -EIO;
	if (files) {
		struct sink *logs[] = { p->json_sink, p->raw_sink, p->enriched_sink, p->divert_sink };

		p->logkeep = logkeep_new(c->log_dir, logs, 4, &c->logs, p->say);
		if (!p->logkeep) {
			p->say("out of memory");
			return -EIO;
		}
	}
	return 0;
}

/* The outputs in pipeline_outputs()'s order, writable, then the divert
 * file (closed and freed as they are). */
#define ALL_OUTPUTS (PIPELINE_OUTPUTS + 1)
static void outputs_of(struct pipeline *p, struct sink *ret[ALL_OUTPUTS])
{
	ret[0] = p->json_sink;
	ret[1] = p->raw_sink;
	ret[2] = p->enriched_sink;
	ret[3] = p->stdout_sink;
	ret[4] = p->divert_sink;
}

/* Syncs and closes the outputs; a failure (a late I/O error) is named
 * with how many events it may have cost. Returns 0 or -EIO. */
static int close_outputs(struct pipeline *p)
{
	struct sink *outs[ALL_OUTPUTS];
	int status = 0;

	outputs_of(p, outs);
	for (unsigned i = 0; i < ALL_OUTPUTS; i++) {
		struct sink *s = outs[i];
		struct sink_stats before, after;
		int r;

		if (!s)
			continue;
		sink_get_stats(s, &before);
		r = sink_close(s);
		sink_get_stats(s, &after);
		if (r < 0) {
			p->say("closing %s: %s: up to %" PRIu64 " events written to it may not be on "
			       "disk; check the disk (dmesg) and the file",
			       sink_path(s)[0] ? sink_path(s) : "stdout", strerror(-r),
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
static int progress_open(struct pipeline *p, const struct pipeline_settings *c)
{
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
		p->say("%s", msg);
	p->progress = progress_new(path, p->decoders, &log, boot);
	if (!p->progress) {
		p->say("cannot keep %s: %s", path, strerror(errno));
		return -ENOMEM;
	}
	return 0;
}

static int open_rings(struct pipeline *p, uint64_t ring_size)
{
	for (unsigned i = 0; i < p->decoders; i++) {
		p->ring[i] = ring_create(ring_size);
		p->damage[i] = calloc(1, sizeof(*p->damage[i]));
		if (p->damage[i])
			p->damage[i]->step = p->decoders;
		if (!p->ring[i] || !p->damage[i]) {
			p->say("cannot allocate a ring of %" PRIu64 " bytes: %s", ring_size,
			       strerror(errno));
			return -ENOMEM;
		}
	}
	return 0;
}

/* The connector thread, started before the table is seeded so no process
 * falls between the two. Unavailable, needle says so once and goes on
 * as without it: context read from /proc when an event is decoded. */
static void follow_process_events(struct pipeline *p)
{
	int r = procwatch_start(p->procs, &p->procwatch);

	if (r < 0)
		p->say("process events: the kernel's proc connector is not available (%s%s): "
		       "process context is read from /proc when an event is decoded, and a "
		       "process gone by then is unknown",
		       strerror(-r),
		       r == -EPERM ? ", needs CAP_NET_ADMIN"
		       : r == -EPROTONOSUPPORT || r == -ENOENT ? ", a kernel without CONFIG_PROC_EVENTS"
							      : "");
}

int pipeline_open(const struct pipeline_settings *s, pipeline_say_fn *say,
		  struct pipeline **ret_pipeline)
{
	struct pipeline *p;
	int r;

	if (s->listeners < 1 || s->listeners > PIPELINE_MAX_LISTENERS ||
	    s->decoders > PIPELINE_MAX_DECODERS) {
		say("%u listener(s), %u decoder(s): at most %d and %d", s->listeners, s->decoders,
		    PIPELINE_MAX_LISTENERS, PIPELINE_MAX_DECODERS);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		filter_set_free(s->filters);
		say("out of memory");
		return -ENOMEM;
	}
	p->say = say;
	p->data_fd = -1;
	p->started_ms = clock_wall_ms();
	p->listeners = s->listeners;
	p->decoders = s->decoders ? s->decoders : online_cpus();
	p->mpsc = p->listeners > 1;
	p->main_thread = pthread_self();
	atomic_store(&p->ring_drop, s->ring_drop);
	atomic_store(&p->ack_seq, -1);
	/* The first filter set: its rules get their counters before any event. */
	if (!(p->filters = filters_new(p->decoders)) || filters_publish(p->filters, s->filters) < 0) {
		if (!p->filters)
			filter_set_free(s->filters);
		say("out of memory");
		r = -ENOMEM;
		goto close_pipeline;
	}
	if (settings_init(&p->settings, &s->decoder) < 0) {
		say("out of memory");
		r = -ENOMEM;
		goto close_pipeline;
	}
	if ((r = open_rings(p, s->ring_size)) < 0)
		goto close_pipeline;
	if (open_outputs(p, s) < 0) {
		r = -EIO;
		goto close_pipeline;
	}
	if ((r = progress_open(p, s)) < 0)
		goto close_pipeline;
	if (s->plugins.n && !(p->dispatch = dispatch_new(&s->plugins))) {
		r = -errno;
		say("cannot make the plugins' queues (%u of %" PRIu64 " bytes): %s", s->plugins.n,
		    s->plugins.queue_bytes, strerror(errno));
		goto close_pipeline;
	}
	if (s->process_context) {
		/* Before the decoders start: they find the machine's processes. */
		p->procs = proctable_new(s->process_table_size);
		if (!p->procs) {
			say("cannot allocate the process table");
			r = -ENOMEM;
			goto close_pipeline;
		}
		rcu_register_thread(); /* this thread expires entries */
		if (s->process_events)
			follow_process_events(p);
		proctable_seed(p->procs);
	}
	*ret_pipeline = p;
	return 0;

close_pipeline:
	pipeline_close(p);
	return r;
}

/* "needle-listen0", "needle-decode1": what top -H and perf show. */
static void name_thread(pthread_t t, const char *role, unsigned i)
{
	char name[16]; /* the kernel's limit, with the NUL */

	snprintf(name, sizeof(name), "needle-%s%u", role, i % 100);
	pthread_setname_np(t, name);
}

/* Listeners wake up this often to look at their stop flag. Stop does not
 * depend on it (pipeline_stop() signals them), but a listener blocked in
 * recvmmsg() would not see the flag for the decoders' sake. */
static void set_receive_timeout(struct pipeline *p)
{
	struct timeval tv = { 0, 100000 };

	if (fault_take(FAULT_RCVTIMEO)) /* test only (fault.h) */
		errno = ENOPROTOOPT;
	else if (setsockopt(p->data_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0)
		return;
	p->say("cannot set the data socket's receive timeout: %s; listeners are woken by a signal "
	       "at stop",
	       strerror(errno));
}

int pipeline_start(struct pipeline *p, int data_fd)
{
	int r;

	p->data_fd = data_fd;
	set_receive_timeout(p);
	if (p->progress && (r = progress_start(p->progress)) < 0) {
		p->say("cannot start the progress writer: %s", strerror(-r));
		return r;
	}
	if (p->dispatch && (r = dispatch_start(p->dispatch)) < 0) {
		p->say("cannot start the plugins' writer threads: %s", strerror(-r));
		return r;
	}
	if (p->nats && (r = nats_out_start(p->nats)) < 0) {
		p->say("cannot start the NATS output's threads: %s", strerror(-r));
		return r;
	}
	for (; p->decoders_started < p->decoders; p->decoders_started++) {
		unsigned i = p->decoders_started;

		p->decoder_worker[i] = (struct pipeline_worker){ p, i };
		if (pthread_create(&p->decoder_thread[i], NULL, decoder_main, &p->decoder_worker[i])) {
			p->say("cannot start decoder thread %u", i);
			return -EAGAIN;
		}
		name_thread(p->decoder_thread[i], "decode", i);
	}
	for (; p->listeners_started < p->listeners; p->listeners_started++) {
		unsigned i = p->listeners_started;

		p->listener_worker[i] = (struct pipeline_worker){ p, i };
		if (pthread_create(&p->listener_thread[i], NULL, listener_main,
				   &p->listener_worker[i])) {
			p->say("cannot start listener thread %u", i);
			return -EAGAIN;
		}
		name_thread(p->listener_thread[i], "listen", i);
	}
	return 0;
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
static void drain_failed_listener(struct pipeline *p)
{
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mem);

	for (unsigned i = 0; i < p->listeners_started; i++) {
		if (!atomic_load(&p->listener_failed[i]))
			continue;
		listener_run(p, i); /* its thread is joined: the slot is ours */
		if (getsockopt(p->data_fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0 &&
		    mem[SK_MEMINFO_RMEM_ALLOC])
			p->say("%u bytes of records could not be read from the audit socket: lost",
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

void pipeline_stop(struct pipeline *p, bool abort_waits)
{
	if (p->stopped)
		return;
	p->stopped = true;
	atomic_store_explicit(&p->stop_listeners, true, memory_order_release);
	if (abort_waits)
		for (unsigned i = 0; i < p->decoders; i++)
			atomic_store(&p->abort_blocking[i], true);
	join_listeners(p);
	drain_failed_listener(p);
	/* release: decoders see everything the listeners pushed. */
	atomic_store_explicit(&p->stop_decoders, true, memory_order_release);
	for (unsigned i = 0; i < p->decoders_started; i++)
		pthread_join(p->decoder_thread[i], NULL);
	count_abandoned(p);
}

void pipeline_stop_plugins(struct pipeline *p)
{
	/* The decoders have handed over their last batches. */
	if (p->dispatch && !p->plugins_stopped)
		dispatch_stop(p->dispatch, PIPELINE_PLUGIN_DRAIN_MS);
	p->plugins_stopped = true;
}

/* Over all outputs: failed fsync/close, and the events they put at risk. */
int pipeline_close(struct pipeline *p)
{
	int status = 0, r;

	if (!p)
		return 0;
	pipeline_stop(p, true); /* nothing left to do after a pipeline_stop() */
	pipeline_stop_plugins(p);
	/* After the decoders: their last publish is final. */
	r = progress_stop(p->progress);
	p->progress = NULL;
	if (r < 0)
		p->say("could not write the progress note: %s (the next start counts what this "
		       "needle wrote since its last note as lost)",
		       strerror(-r));
	progress_seeds_free(p->seed, p->decoders);
	/* The decoders have handed over their last batches. */
	if (p->nats) {
		char news[4096], *line, *save = NULL;

		nats_out_stop(p->nats, PIPELINE_NATS_DRAIN_MS);
		nats_out_news(p->nats, news, sizeof(news));
		for (line = strtok_r(news, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			p->say("%s", line);
	}
	if (close_outputs(p) < 0)
		status = -EIO;
	if (p->listeners_started)
		pipeline_say_summary(p);
	logkeep_free(p->logkeep);
	{
		struct sink *outs[ALL_OUTPUTS];

		outputs_of(p, outs);
		for (unsigned i = 0; i < ALL_OUTPUTS; i++)
			sink_free(outs[i]);
	}
	for (unsigned i = 0; i < p->decoders; i++) {
		ring_destroy(p->ring[i]);
		free(p->damage[i]);
	}
	procwatch_stop(p->procwatch);
	if (p->procs) {
		proctable_free(p->procs);
		rcu_unregister_thread();
	}
	dispatch_free(p->dispatch);
	nats_out_free(p->nats);
	settings_fini(&p->settings);
	filters_free(p->filters);
	free(p);
	return status;
}

void pipeline_mark_live(struct pipeline *p)
{
	/* release: decoders read it (acquire) to tell held records from live. */
	atomic_store_explicit(&p->live_since_ms, clock_wall_ms(), memory_order_release);
}

void pipeline_expect_ack(struct pipeline *p, uint32_t seq)
{
	atomic_store(&p->ack_seq, seq);
}

int pipeline_wait_ack(struct pipeline *p, unsigned timeout_ms)
{
	for (unsigned ms = 0; ms < timeout_ms; ms++) {
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

void pipeline_expect_lone_unregister(struct pipeline *p, uint32_t pid)
{
	/* release: decoders read it (acquire) when the record comes. */
	atomic_store_explicit(&p->lone_unregister_pid, pid, memory_order_release);
}

void pipeline_set_ring_drop(struct pipeline *p, bool drop)
{
	atomic_store(&p->ring_drop, drop);
}

int pipeline_publish(struct pipeline *p, const struct decoder_settings *s)
{
	return settings_publish(&p->settings, s);
}

int pipeline_publish_filters(struct pipeline *p, struct filter_set *set)
{
	if (filter_set_divert_line(set) && !p->divert_sink) {
		filter_set_free(set);
		return -EINVAL;
	}
	return filters_publish(p->filters, set);
}

struct dispatch *pipeline_dispatch(const struct pipeline *p)
{
	return p->dispatch;
}

void pipeline_keep_logs(struct pipeline *p)
{
	if (p->logkeep)
		logkeep_tick(p->logkeep);
}

void pipeline_rotate_logs(struct pipeline *p, const char *why)
{
	if (p->logkeep)
		logkeep_rotate(p->logkeep, why);
	else
		p->say("%s: no log file to rotate (output has no json, raw or enriched)", why);
}

void pipeline_check_space(struct pipeline *p)
{
	if (p->logkeep)
		logkeep_check(p->logkeep);
}

void pipeline_set_logs(struct pipeline *p, const struct logkeep_settings *s)
{
	if (p->logkeep)
		logkeep_set(p->logkeep, s);
}

struct proctable *pipeline_procs(const struct pipeline *p)
{
	return p->procs;
}

unsigned pipeline_listeners(const struct pipeline *p)
{
	return p->listeners;
}

unsigned pipeline_decoders(const struct pipeline *p)
{
	return p->decoders;
}

bool pipeline_keeps_progress(const struct pipeline *p)
{
	return p->progress != NULL;
}

uint64_t pipeline_progress_errors(const struct pipeline *p, int *ret_errno)
{
	*ret_errno = 0;
	return p->progress ? progress_write_errors(p->progress, ret_errno) : 0;
}
