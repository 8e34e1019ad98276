/* SPDX-License-Identifier: MIT */
/* needle-bench's sessions: see session.h. */
#include "session.h"
#include "bench-nats.h"
#include "config.h"
#include "audit-ctl.h"
#include "bench.h"
#include "rules.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
static volatile sig_atomic_t interrupted;

/* Each daemon's configuration as it ran, for the report. */
static char daemon_config[MAX_DAEMONS][2048];

static void on_signal(int sig)
{
	interrupted = sig;
}

/* ---- the kernel ---- */

static struct audit_status saved;
static bool have_saved;
static char bench_key[64];

/* Puts the kernel back as found: rules of this run gone, settings restored. */
static void restore_kernel(void)
{
	struct audit_ctl *ctl = audit_ctl_open();
	struct audit_status st = saved;
	unsigned n;

	if (!ctl)
		return;
	audit_ctl_del_rules_with_key(ctl, bench_key, &n);
	if (have_saved) {
		st.mask = AUDIT_STATUS_BACKLOG_LIMIT | AUDIT_STATUS_BACKLOG_WAIT_TIME |
			  AUDIT_STATUS_RATE_LIMIT;
		if (saved.enabled != 2)
			st.mask |= AUDIT_STATUS_ENABLED;
		if (saved.failure != 2)
			st.mask |= AUDIT_STATUS_FAILURE;
		audit_ctl_set(ctl, &st);
	}
	audit_ctl_close(ctl);
}

int session_set_policy(const struct options *o, char *err, size_t err_size)
{
	struct audit_ctl *ctl = audit_ctl_open();
	struct audit_status st = { .mask = AUDIT_STATUS_ENABLED | AUDIT_STATUS_BACKLOG_LIMIT |
					   AUDIT_STATUS_BACKLOG_WAIT_TIME | AUDIT_STATUS_RATE_LIMIT,
				   .enabled = 1,
				   .backlog_limit = o->setup.backlog_limit,
				   .backlog_wait_time = o->setup.backlog_wait_time,
				   .rate_limit = 0 };
	int r;

	if (!ctl)
		return -errno;
	r = audit_ctl_set(ctl, &st);
	if (r < 0)
		snprintf(err, err_size, "cannot set the kernel's audit policy: %s",
			 audit_ctl_strerror(r));
	audit_ctl_close(ctl);
	return r;
}

static int kernel_status(struct audit_status *st)
{
	struct audit_ctl *ctl = audit_ctl_open();
	int r;

	if (!ctl)
		return -errno;
	r = audit_ctl_get_status(ctl, st);
	audit_ctl_close(ctl);
	return r;
}

/* The rules: each kind of call of needle-loadgen is one event. */
static int rules(const struct options *o, bool add, char *err, size_t err_size)
{
	char exe[PATH_MAX + 8];
	struct rule_set set = { 0 };
	struct audit_ctl *ctl;
	unsigned n;
	int r = 0;

	ctl = audit_ctl_open();
	if (!ctl)
		return -errno;
	if (!add) {
		r = audit_ctl_del_rules_with_key(ctl, bench_key, &n);
		audit_ctl_close(ctl);
		return r;
	}
	snprintf(exe, sizeof(exe), "exe=%s", o->loadgen);
	{
		const struct rule_spec specs[] = {
			{ "arch=b64", "openat", { exe, "exit=-ENOENT", NULL } },
			{ "arch=b64", "connect", { exe, "exit=-ECONNREFUSED", NULL } },
			{ "arch=b64", "execve", { exe, "success=1", NULL } },
		};

		for (unsigned i = 0; r == 0 && i < 3; i++)
			r = rules_add(&set, &specs[i], bench_key, err, err_size);
	}
	for (unsigned i = 0; r == 0 && i < set.count; i++) {
		r = audit_ctl_add_rule(ctl, set.rule[i], rules_size(set.rule[i]));
		if (r < 0)
			snprintf(err, err_size, "the kernel refused '%s': %s", set.text[i],
				 audit_ctl_strerror(r));
	}
	rules_free(&set);
	audit_ctl_close(ctl);
	return r;
}

/* ---- the load ---- */

/* Runs needle-loadgen, with the rules added once its own execve has
 * returned (that execve is not the workload's); its calls and calls/s.
 * Killed when interrupted. */
static int run_load(const struct options *o, bool with_rules, uint64_t *ret_calls,
		    double *ret_rate, char *err, size_t err_size)
{
	int go[2];
	char threads[16], calls[32], rate[32], path[96], out[512] = "";
	const char *argv[16];
	unsigned a = 0;
	int fds[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;
	unsigned long long c_open, c_conn, c_exec, unexpected;
	double seconds, per_second;

	snprintf(threads, sizeof(threads), "%u", o->threads);
	snprintf(calls, sizeof(calls), "%lu", o->calls);
	snprintf(rate, sizeof(rate), "%.0f", o->rate);
	snprintf(path, sizeof(path), "/nonexistent/%s", bench_key);
	argv[a++] = o->loadgen;
	argv[a++] = "--wait-stdin";
	argv[a++] = "--mix";
	argv[a++] = o->mix;
	if (o->rate > 0) {
		argv[a++] = "--rate";
		argv[a++] = rate;
	}
	argv[a++] = threads;
	argv[a++] = calls;
	argv[a++] = path;
	argv[a] = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		setpgid(0, 0);
		dup2(fds[1], STDOUT_FILENO);
		dup2(go[0], STDIN_FILENO);
		execv(o->loadgen, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	close(go[0]);
	/* The child's execve has returned once it says "waiting" (loadgen.c):
	 * only then may the rules go in, or they catch that execve. */
	while (got < sizeof(out) - 1 && !memchr(out, '\n', got)) {
		n = read(fds[0], out + got, sizeof(out) - 1 - got);
		if (n < 0 && errno == EINTR && !interrupted)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	out[got] = '\0';
	if (strncmp(out, "waiting\n", 8) != 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(go[1]);
		close(fds[0]);
		snprintf(err, err_size, "%s did not start: %s", o->loadgen, out);
		return interrupted ? -EINTR : -EIO;
	}
	got = 0;
	if (with_rules && (n = rules(o, true, err, err_size)) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(go[1]);
		close(fds[0]);
		return (int)n;
	}
	close(go[1]); /* go */
	while (got < sizeof(out) - 1 && (n = read(fds[0], out + got, sizeof(out) - 1 - got)) != 0) {
		if (n < 0 && errno == EINTR) {
			if (interrupted)
				kill(pid, SIGKILL);
			continue;
		}
		if (n < 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		if (interrupted)
			kill(pid, SIGKILL);
	if (interrupted)
		return -EINTR;
	if (sscanf(out, "mix openat %llu connect %llu execve %llu unexpected %llu", &c_open,
		   &c_conn, &c_exec, &unexpected) != 4 ||
	    !strstr(out, " s: ") || sscanf(strstr(out, " in ") + 4, "%lf s: %lf", &seconds,
					    &per_second) != 2 ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, err_size, "%s failed (exit %d): %s", o->loadgen,
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, out);
		return -EIO;
	}
	*ret_calls = c_open + c_conn + c_exec;
	*ret_rate = per_second;
	return 0;
}

/* Until the kernel's backlog is empty and the output stopped growing. */
static void settle(const struct bench_daemon *d)
{
	uint64_t last = UINT64_MAX;
	unsigned stable = 0;

	for (unsigned i = 0; i < 600 && !interrupted && stable < 3; i++) {
		struct audit_status st;
		uint64_t bytes = bench_daemon_output_bytes(d);

		bench_sleep(0.1);
		if (kernel_status(&st) == 0 && st.backlog == 0 && bytes == last)
			stable++;
		else
			stable = 0;
		last = bytes;
	}
}

/* Until the streams stop growing (a second without a new message, at most
 * a minute): their count, and when the last one arrived. */
static int stream_settle(struct bench_nats_sample *ret, double *ret_last, char *err,
			 size_t err_size)
{
	uint64_t last = UINT64_MAX;
	int r;

	*ret_last = bench_now();
	for (double start = bench_now(); bench_now() - start < 60 && !interrupted;) {
		if ((r = bench_nats_sample(ret, err, err_size)) < 0)
			return r;
		if (ret->messages != last) {
			last = ret->messages;
			*ret_last = bench_now();
		} else if (bench_now() - *ret_last >= 1.0) {
			break;
		}
		bench_sleep(0.2);
	}
	return 0;
}

int session_run(const struct options *o, int index, unsigned round, unsigned seq,
		struct run *ret, char *err, size_t err_size)
{
	const char *daemon = index < 0 ? NULL : o->daemons[index];
	struct bench_daemon d;
	struct audit_status before, after;
	struct bench_nats_sample nats_before, nats_after;
	double load_start, stream_last = 0;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->daemon = daemon;
	ret->round = round;
	ret->offered = o->rate;
	ret->delay_p50 = ret->delay_p99 = -1;
	if (!daemon) /* the baseline: no daemon, no rule */
		return run_load(o, false, &ret->generated, &ret->workload_rate, err, err_size);
	r = bench_daemon_start(&d, daemon, &o->setup, seq, err, err_size);
	snprintf(daemon_config[index], sizeof(daemon_config[index]), "%s", d.config);
	if (r < 0) {
		bench_daemon_kill(&d);
		return r;
	}
	ret->nats = strcmp(daemon, "needle-nats") == 0;
	if (ret->nats && (r = bench_nats_sample(&nats_before, err, err_size)) < 0)
		goto kill_daemon;
	if ((r = kernel_status(&before)) < 0)
		goto kill_daemon;
	bench_daemon_mark(&d);
	load_start = bench_now();
	r = run_load(o, true, &ret->generated, &ret->workload_rate, err, err_size);
	rules(o, false, err, err_size);
	if (r < 0)
		goto kill_daemon;
	settle(&d);
	if (ret->nats && (r = stream_settle(&nats_after, &stream_last, err, err_size)) < 0)
		goto kill_daemon;
	if (interrupted) {
		r = -EINTR;
		goto kill_daemon;
	}
	if ((r = kernel_status(&after)) < 0)
		goto kill_daemon;
	bench_daemon_scrape(&d);
	if ((r = bench_daemon_stop(&d, &o->setup, err, err_size)) < 0)
		goto kill_daemon;
	ret->delivered = d.delivered;
	ret->short_records = d.short_records;
	ret->records = d.records;
	ret->kernel_lost = (uint32_t)(after.lost - before.lost);
	ret->daemon_lost = d.lost;
	ret->daemon_lost_records = d.lost_records;
	ret->waited = (uint32_t)(after.backlog_wait_time_actual - before.backlog_wait_time_actual);
	account_reconcile(&(struct account_in){ .generated = ret->generated,
						.delivered = ret->delivered,
						.short_records = ret->short_records,
						.kernel_lost = ret->kernel_lost,
						.daemon_lost = ret->daemon_lost,
						.daemon_lost_records = ret->daemon_lost_records },
			  &ret->acct);
	ret->cpu_seconds = (double)d.usage.ru_utime.tv_sec + (double)d.usage.ru_utime.tv_usec / 1e6 +
			   (double)d.usage.ru_stime.tv_sec + (double)d.usage.ru_stime.tv_usec / 1e6;
	ret->cpu_us_per_event = ret->delivered ? ret->cpu_seconds * 1e6 / (double)ret->delivered : 0;
	/* The drain is a fork of needle-bench: its peak includes ours. */
	ret->rss_mib = (double)d.usage.ru_maxrss / 1024.0;
	ret->delay_p50 = d.delay_p50;
	ret->delay_p99 = d.delay_p99;
	ret->sampled_cpu_seconds = d.sampled_cpu;
	ret->connector_cpu_seconds = d.connector_cpu;
	ret->connector_threads = d.connector_threads;
	ret->load_us_per_event = ret->delivered ? d.sampled_cpu * 1e6 / (double)ret->delivered : 0;
	ret->status = d.exit_status;
	if (ret->nats) {
		ret->stream_messages = nats_after.messages - nats_before.messages;
		ret->stream_rate = stream_last > load_start
					   ? (double)ret->stream_messages / (stream_last - load_start)
					   : 0;
		ret->server_cpu_seconds = nats_after.cpu_seconds - nats_before.cpu_seconds;
		ret->server_us_per_event = ret->delivered ? ret->server_cpu_seconds * 1e6 /
								    (double)ret->delivered
							  : 0;
	}
	if (ret->delivered > ret->generated) {
		snprintf(err, err_size, "%s delivered %" PRIu64 " events of %" PRIu64
			 " generated: counted twice?", daemon, ret->delivered, ret->generated);
		return -EPROTO;
	}
	return 0;
kill_daemon:
	bench_daemon_kill(&d);
	rules(o, false, err, err_size);
	return r;
}

const char *session_name_of(const struct run *r)
{
	return r->daemon ? r->daemon : "baseline";
}

bool session_interrupted(void)
{
	return interrupted;
}

const char *session_key(void)
{
	return bench_key;
}

const char *session_daemon_config(unsigned index)
{
	return index < MAX_DAEMONS ? daemon_config[index] : "";
}

/* ---- outputs ---- */

static int write_csv(const char *path, const struct options *o, const struct run *runs, unsigned n)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fprintf(f, "daemon,policy,round,threads,mix,offered_rate,workload_rate,generated,delivered,"
		   "missing,kernel_lost,short_records,kernel_events_max,daemon_lost,"
		   "daemon_lost_records,unexplained_min,unexplained_max,records_unexplained,"
		   "reconciled,waited,cpu_seconds,cpu_us_per_event,rss_mib,delay_p50,delay_p99,"
		   "stream_messages,stream_rate,server_cpu_seconds,server_us_per_event,"
		   "sampled_cpu_seconds,load_us_per_event,connector_cpu_seconds,connector_threads\n");
	for (unsigned i = 0; i < n; i++) {
		const struct run *r = &runs[i];

		fprintf(f, "%s,%s,%u,%u,\"%s\",%.0f,%.0f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			   ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			   ",%" PRIu64 ",%s,%" PRIu64 ",%.4f,%.3f,%.1f,%g,%g,%" PRIu64 ",%.0f,%.4f,%.3f"
			   ",%.2f,%.3f,%.2f,%u\n",
			session_name_of(r), o->policy, r->round + 1, o->threads, o->mix, r->offered,
			r->workload_rate, r->generated, r->delivered, r->acct.missing, r->kernel_lost,
			r->short_records, r->acct.kernel_events_max, r->daemon_lost,
			r->daemon_lost_records, r->acct.unexplained_min, r->acct.unexplained_max,
			r->acct.records_unexplained, !r->daemon || r->acct.reconciled ? "yes" : "no",
			r->waited, r->cpu_seconds, r->cpu_us_per_event, r->rss_mib, r->delay_p50,
			r->delay_p99, r->stream_messages, r->stream_rate, r->server_cpu_seconds,
			r->server_us_per_event, r->sampled_cpu_seconds, r->load_us_per_event,
			r->connector_cpu_seconds, r->connector_threads);
	}
	return fclose(f) == 0 ? 0 : -errno;
}

static int write_json(const char *path, const struct options *o, const struct run *runs, unsigned n)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fprintf(f, "{\"policy\":\"%s\",\"backlog_limit\":%u,\"backlog_wait_time\":%u,\"threads\":%u,"
		   "\"mix\":\"%s\",\"offered_rate\":%.0f,\"runs\":[",
		o->policy, o->setup.backlog_limit, o->setup.backlog_wait_time, o->threads, o->mix,
		o->rate);
	for (unsigned i = 0; i < n; i++) {
		const struct run *r = &runs[i];

		fprintf(f, "%s{\"daemon\":\"%s\",\"round\":%u,\"offered_rate\":%.0f,\"workload_rate\":%.0f,\"generated\":%" PRIu64
			   ",\"delivered\":%" PRIu64 ",\"missing\":%" PRIu64 ",\"kernel_lost\":%" PRIu64
			   ",\"short_records\":%" PRIu64 ",\"kernel_events_max\":%" PRIu64
			   ",\"daemon_lost\":%" PRIu64 ",\"daemon_lost_records\":%" PRIu64
			   ",\"unexplained_min\":%" PRIu64 ",\"unexplained_max\":%" PRIu64
			   ",\"records_unexplained\":%" PRIu64 ",\"reconciled\":%s"
			   ",\"waited\":%" PRIu64 ",\"cpu_seconds\":%.4f,"
			   "\"cpu_us_per_event\":%.3f,\"rss_mib\":%.1f,\"delay_p50\":%g,\"delay_p99\":%g",
			i ? "," : "", session_name_of(r), r->round + 1, r->offered, r->workload_rate, r->generated,
			r->delivered, r->acct.missing, r->kernel_lost, r->short_records,
			r->acct.kernel_events_max, r->daemon_lost, r->daemon_lost_records,
			r->acct.unexplained_min, r->acct.unexplained_max, r->acct.records_unexplained,
			!r->daemon || r->acct.reconciled ? "true" : "false", r->waited,
			r->cpu_seconds, r->cpu_us_per_event, r->rss_mib, r->delay_p50, r->delay_p99);
		if (r->daemon && bench_daemon_is_needle(r->daemon))
			fprintf(f, ",\"sampled_cpu_seconds\":%.2f,\"load_us_per_event\":%.3f,"
				   "\"connector_cpu_seconds\":%.2f,\"connector_threads\":%u",
				r->sampled_cpu_seconds, r->load_us_per_event, r->connector_cpu_seconds,
				r->connector_threads);
		if (r->nats)
			fprintf(f, ",\"stream_messages\":%" PRIu64 ",\"stream_rate\":%.0f,"
				   "\"server_cpu_seconds\":%.4f,\"server_us_per_event\":%.3f",
				r->stream_messages, r->stream_rate, r->server_cpu_seconds,
				r->server_us_per_event);
		fputc('}', f);
	}
	fprintf(f, "]}\n");
	return fclose(f) == 0 ? 0 : -errno;
}

/* ---- options ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: needle-bench live [--compare needle,needle-nats,needle-noprocev,auditd,\n"
		"                                    auditd-enriched,null]\n"
		"                         [--policy wait|drop]\n"
		"                         [--threads N] [--calls N] [--mix openat=W,connect=W,execve=W]\n"
		"                         [--rate CALLS/S] [--rounds N] [--auditd-format raw|enriched]\n"
		"                         [--needle PATH] [--loadgen PATH] [--auditd PATH]\n"
		"                         [--csv FILE] [--json FILE] [--keep DIR]\n"
		"                         [--needle-set 'key = value']... [--nats] [--test-drain-forgets N]\n"
		"       needle-bench record --out FILE [the load options]\n"
		"       needle-bench knee [the same] [--start CALLS/S] [--factor F] [--max CALLS/S]\n"
		"                         [--seconds S] [--plot FILE.svg|FILE.png]\n"
		"  Runs the same audited load under each daemon in turn (and unaudited), as root.\n"
		"  --policy wait: backlog_limit 8192, backlog_wait_time %u (the kernel's default);\n"
		"  drop: backlog_limit 8192, backlog_wait_time 0. --calls is per thread\n"
		"  (default 2 threads x 50000). --keep keeps the daemons' directories there.\n"
		"  needle-nats: needle with output = ...,nats to a nats-server needle-bench\n"
		"  starts (127.0.0.1, a free port, its data with the runs); --nats adds it to\n"
		"  --compare. needle-noprocev: needle with process_events = no; with needle\n"
		"  in the run, the proc connector's share of needle's CPU per event.\n"
		"  Each run is accounted in events of the load (see README, Benchmarks):\n"
		"  one whose numbers do not reconcile is marked NOT RECONCILED.\n"
		"  --test-drain-forgets N: the bare drain does not count every Nth event of\n"
		"  the load it receives, a loss no counter shows (for testing the accounting).\n"
		"  knee: policy drop by default; raises the offered rate from --start (5000) by\n"
		"  --factor (1.5) to --max (400000), --seconds (2) of load per step, and reports\n"
		"  per daemon the highest rate with no loss; --plot draws delivered/s and loss\n"
		"  against the offered rate with gnuplot.\n"
		"  record: runs the load once under the bare drain and writes every record it\n"
		"  receives to FILE, one log line each, EOE kept (needle-bench replay --from,\n"
		"  needle decode --eoe).\n",
		WAIT_POLICY_JIFFIES);
}

/* Next to needle-bench in the build tree, else the installed one. */
static const char *beside_self(const char *rel, const char *fallback, char buf[PATH_MAX])
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			char joined[PATH_MAX + 64];

			snprintf(joined, sizeof(joined), "%s/%s", self, rel);
			if (access(joined, X_OK) == 0 && realpath(joined, buf))
				return buf;
		}
	}
	return fallback;
}

int session_parse_options(int argc, char **argv, struct options *o, bool knee)
{
	static const struct option opts[] = {
		{ "compare", required_argument, NULL, 'c' },
		{ "daemon", required_argument, NULL, 'c' },
		{ "policy", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "calls", required_argument, NULL, 'n' },
		{ "mix", required_argument, NULL, 'm' },
		{ "rate", required_argument, NULL, 'r' },
		{ "rounds", required_argument, NULL, 'R' },
		{ "auditd-format", required_argument, NULL, 'F' },
		{ "needle", required_argument, NULL, 'N' },
		{ "loadgen", required_argument, NULL, 'L' },
		{ "auditd", required_argument, NULL, 'A' },
		{ "csv", required_argument, NULL, 'C' },
		{ "json", required_argument, NULL, 'J' },
		{ "keep", required_argument, NULL, 'K' },
		{ "plot", required_argument, NULL, 'P' },
		{ "needle-set", required_argument, NULL, 'O' },
		{ "out", required_argument, NULL, 'o' },
		{ "start", required_argument, NULL, 's' },
		{ "factor", required_argument, NULL, 'f' },
		{ "max", required_argument, NULL, 'x' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "test-drain-forgets", required_argument, NULL, 'T' },
		{ "nats", no_argument, NULL, 'Z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char needle_buf[PATH_MAX], loadgen_buf[PATH_MAX], list[256], extra[1024];
	double v;
	bool nats = false;
	int c;

	*o = (struct options){ .rounds = 3, .threads = 2, .calls = 50000, .mix = "openat=1",
			       .policy = knee ? "drop" : "wait", .knee_start = 5000,
			       .knee_factor = 1.5, .knee_max = 400000, .knee_seconds = 2 };
	o->setup.auditd = "/usr/sbin/auditd";
	o->setup.auditd_format = "RAW";
	o->setup.needle = beside_self("../cli/needle", NEEDLE_SBINDIR "/needle", needle_buf);
	o->loadgen = beside_self("needle-loadgen", NEEDLE_PKGLIBEXECDIR "/needle-loadgen",
				 loadgen_buf);
	snprintf(list, sizeof(list), "needle,null");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': snprintf(list, sizeof(list), "%s", optarg); break;
		case 'p': o->policy = optarg; break;
		case 't':
			if (bench_parse_double("--threads", optarg, 1, 64, &v) < 0)
				return -EINVAL;
			o->threads = (unsigned)v;
			break;
		case 'n':
			if (bench_parse_double("--calls", optarg, 1, 1e9, &v) < 0)
				return -EINVAL;
			o->calls = (unsigned long)v;
			break;
		case 'm': o->mix = optarg; break;
		case 'r':
			if (bench_parse_double("--rate", optarg, 0, 1e8, &o->rate) < 0)
				return -EINVAL;
			break;
		case 'R':
			if (bench_parse_double("--rounds", optarg, 1, BENCH_MAX_ROUNDS, &v) < 0)
				return -EINVAL;
			o->rounds = (unsigned)v;
			break;
		case 'F':
			if (strcmp(optarg, "raw") == 0)
				o->setup.auditd_format = "RAW";
			else if (strcmp(optarg, "enriched") == 0)
				o->setup.auditd_format = "ENRICHED";
			else {
				fprintf(stderr, "needle-bench live: --auditd-format %s: raw or enriched\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'N': o->setup.needle = optarg; break;
		case 'L': o->loadgen = optarg; break;
		case 'A': o->setup.auditd = optarg; break;
		case 'C': o->csv = optarg; break;
		case 'J': o->json = optarg; break;
		case 'K': o->keep = optarg; break;
		case 'P': o->plot = optarg; break;
		case 'o': o->out = optarg; break;
		case 'O': {
			/* "key = value", appended to needle's configuration (later lines win). */
			size_t len = strlen(extra);

			if (!strchr(optarg, '=') || strchr(optarg, '\n') ||
			    len + strlen(optarg) + 2 > sizeof(extra)) {
				fprintf(stderr, "needle-bench: --needle-set '%s': expected 'key = value'\n",
					optarg);
				return -EINVAL;
			}
			snprintf(extra + len, sizeof(extra) - len, "%s\n", optarg);
			o->setup.needle_extra = extra;
			break;
		}
		case 's':
			if (bench_parse_double("--start", optarg, 1, 1e8, &o->knee_start) < 0)
				return -EINVAL;
			break;
		case 'f':
			if (bench_parse_double("--factor", optarg, 1.05, 10, &o->knee_factor) < 0)
				return -EINVAL;
			break;
		case 'x':
			if (bench_parse_double("--max", optarg, 1, 1e8, &o->knee_max) < 0)
				return -EINVAL;
			break;
		case 'S':
			if (bench_parse_double("--seconds", optarg, 0.2, 600, &o->knee_seconds) < 0)
				return -EINVAL;
			break;
		case 'T':
			if (bench_parse_double("--test-drain-forgets", optarg, 2, 1e9, &v) < 0)
				return -EINVAL;
			o->setup.drain_forgets = (unsigned)v;
			break;
		case 'Z': nats = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (strcmp(o->policy, "wait") == 0) {
		o->setup.backlog_limit = 8192;
		o->setup.backlog_wait_time = WAIT_POLICY_JIFFIES;
	} else if (strcmp(o->policy, "drop") == 0) {
		o->setup.backlog_limit = 8192;
		o->setup.backlog_wait_time = 0;
	} else {
		fprintf(stderr, "needle-bench live: --policy %s: wait or drop\n", o->policy);
		return -EINVAL;
	}
	if (nats && !strstr(list, "needle-nats") && strlen(list) + 13 < sizeof(list))
		strcat(list, ",needle-nats");
	for (char *save, *d = strtok_r(list, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		if (!bench_daemon_known(d)) {
			fprintf(stderr, "needle-bench: --compare: '%s' is not needle, needle-nats, "
					"needle-noprocev, auditd, auditd-enriched or null\n",
				d);
			return -EINVAL;
		}
		if (o->ndaemons == MAX_DAEMONS) {
			fprintf(stderr, "needle-bench: --compare: at most %d daemons\n", MAX_DAEMONS);
			return -EINVAL;
		}
		o->daemons[o->ndaemons++] = d;
	}
	if (o->loadgen[0] != '/') {
		fprintf(stderr, "needle-bench live: needle-loadgen not found beside needle-bench; "
				"give --loadgen PATH\n");
		return -EINVAL;
	}
	for (unsigned i = 0; i < o->ndaemons; i++) {
		const char *bin = bench_daemon_is_needle(o->daemons[i])  ? o->setup.needle
				  : strncmp(o->daemons[i], "auditd", 6) == 0 ? o->setup.auditd
									     : NULL;

		if (bin && access(bin, X_OK) != 0) {
			fprintf(stderr, "needle-bench: %s: %s (give --%s PATH%s)\n", bin,
				strerror(errno), bin == o->setup.auditd ? "auditd" : "needle",
				bin == o->setup.auditd ? "; Debian package auditd" : "");
			return -EINVAL;
		}
	}
	return 0;
}

/* Checks, the runs' directory, signals. 0, or the exit status. */
int session_prepare(struct options *o, const char *cmd, char top[PATH_MAX])
{
	struct sigaction sa = { .sa_handler = on_signal };

	if (geteuid() != 0) {
		fprintf(stderr, "needle-bench %s: needs root (it owns the kernel's audit socket "
				"for each daemon in turn)\n", cmd);
		return 2;
	}
	if (kernel_status(&saved) < 0) {
		fprintf(stderr, "needle-bench %s: cannot read the kernel's audit status\n", cmd);
		return 1;
	}
	have_saved = true;
	if (saved.pid && kill((pid_t)saved.pid, 0) == 0) {
		fprintf(stderr, "needle-bench %s: process %u holds the audit socket; stop it first\n",
			cmd, saved.pid);
		return 1;
	}
	if (saved.enabled == 2) {
		fprintf(stderr, "needle-bench %s: the audit configuration is locked (enabled 2)\n", cmd);
		return 1;
	}
	snprintf(bench_key, sizeof(bench_key), "needle-bench-%d", (int)getpid());
	o->setup.key = bench_key;
	if (o->keep) {
		snprintf(top, PATH_MAX, "%s", o->keep);
		if (mkdir(top, 0700) < 0 && errno != EEXIST) {
			fprintf(stderr, "needle-bench %s: --keep %s: %s\n", cmd, top, strerror(errno));
			return 2;
		}
	} else {
		snprintf(top, PATH_MAX, "/tmp/needle-bench-XXXXXX");
		if (!mkdtemp(top)) {
			fprintf(stderr, "needle-bench %s: mkdtemp: %s\n", cmd, strerror(errno));
			return 1;
		}
	}
	o->setup.top = top;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int session_finish(const struct options *o, const char *cmd, const char *top, int r,
		   const char *err)
{
	restore_kernel();
	bench_nats_stop();
	if (!o->keep) {
		char rm[PATH_MAX + 16];

		snprintf(rm, sizeof(rm), "rm -rf '%s'", top);
		if (system(rm) != 0)
			fprintf(stderr, "needle-bench %s: could not remove %s\n", cmd, top);
	}
	if (interrupted) {
		fprintf(stderr, "needle-bench %s: interrupted; the kernel's settings are restored\n",
			cmd);
		return 130;
	}
	if (r < 0) {
		fprintf(stderr, "needle-bench %s: %s\n", cmd, err[0] ? err : strerror(-r));
		return 1;
	}
	return 0;
}

void session_write_outputs(const struct options *o, const struct run *runs, unsigned n)
{
	int r;

	if (o->csv && (r = write_csv(o->csv, o, runs, n)) < 0)
		fprintf(stderr, "needle-bench: %s: %s\n", o->csv, strerror(-r));
	if (o->json && (r = write_json(o->json, o, runs, n)) < 0)
		fprintf(stderr, "needle-bench: %s: %s\n", o->json, strerror(-r));
}
