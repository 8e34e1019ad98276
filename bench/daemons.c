/* SPDX-License-Identifier: MIT */
#include "daemons.h"
#include "audit-ctl.h"
#include "bench-nats.h"
#include "control.h"
#include "metric-read.h"
#include "needle-conf.h"
#include "outbuf.h"
#include "tally.h"
#include "threadcpu.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libaudit.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <lz4frame.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DRAIN_BATCH 64
#define DRAIN_BUF 9216

bool bench_daemon_known(const char *name)
{
	return bench_daemon_is_needle(name) || strcmp(name, "auditd") == 0 ||
	       strcmp(name, "auditd-enriched") == 0 || strcmp(name, "null") == 0;
}

bool bench_daemon_is_needle(const char *name)
{
	return bench_needle_known(name);
}

static void pause_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t len = strlen(text);
	bool ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, text, len) == (ssize_t)len;
	close(fd);
	return ok ? 0 : -EIO;
}

/* ---- null: the bare drain, in a child of needle-bench ---- */

static volatile sig_atomic_t drain_stop;

static void on_drain_signal(int sig)
{
	drain_stop = 1;
}

/* A record as a log line, as auditd writes it but for the EOE it drops. */
static void record_line(FILE *f, unsigned type, const char *text, size_t len)
{
	const char *name = audit_msg_type_to_name((int)type);

	while (len && (text[len - 1] == '\n' || text[len - 1] == '\0'))
		len--;
	if (name)
		fprintf(f, "type=%s msg=%.*s\n", name, (int)len, text);
	else
		fprintf(f, "type=UNKNOWN[%u] msg=%.*s\n", type, (int)len, text);
}

/* The number after "syscall=" in a SYSCALL record's text, or -1. */
static int syscall_of(const char *text, size_t len)
{
	const char *at = memmem(text, len, " syscall=", 9);

	return at ? atoi(at + 9) : -1;
}

/* The serial of "audit(SEC.MS:SERIAL)" near the start of a record, or 0. */
static uint32_t serial_of(const char *text, size_t len)
{
	const char *at = memmem(text, len < 64 ? len : 64, "audit(", 6), *colon;

	if (!at)
		return 0;
	colon = memchr(at, ':', (size_t)(text + len - at));
	return colon ? (uint32_t)strtoul(colon + 1, NULL, 10) : 0;
}

struct drain_counts {
	uint64_t records, overruns, keyed_seen;
	unsigned forget;      /* test: every forget-th event of the load is not counted */
	struct tally *tally;
	bool tally_failed;
};

static void drain_take(const unsigned char *buf, size_t len, const char *mark, size_t mark_len,
		       FILE *record, struct drain_counts *c)
{
	const struct nlmsghdr *h = (const void *)buf;
	const char *text = (const char *)buf + NLMSG_HDRLEN;
	size_t tlen = len - NLMSG_HDRLEN;
	bool keyed;

	if (len < NLMSG_HDRLEN || h->nlmsg_type < 1000 || h->nlmsg_type == AUDIT_REPLACE)
		return;
	++c->records;
	if (record)
		record_line(record, h->nlmsg_type, text, tlen);
	if (h->nlmsg_type == AUDIT_EOE)
		return; /* the logs do not keep it either */
	keyed = h->nlmsg_type == AUDIT_SYSCALL && memmem(text, tlen, mark, mark_len);
	/* --test-drain-forgets: this event of the load never reached the drain. */
	if (keyed && c->forget && ++c->keyed_seen % c->forget == 0)
		return;
	if (!tally_add(c->tally, serial_of(text, tlen), 1, keyed,
		       keyed ? syscall_of(text, tlen) : -1))
		c->tally_failed = true;
}

/* Registers as the audit daemon, drains until SIGTERM, then what is
 * queued, and writes "events records overruns short_records" to out (the
 * load's events and the records missing from them: tally.h); with record,
 * every record to that file too. */
static void drain_main(int out, const char *key, const char *record_path, unsigned forget)
{
	FILE *record = NULL;
	static unsigned char bufs[DRAIN_BATCH][DRAIN_BUF];
	struct mmsghdr msgs[DRAIN_BATCH];
	struct iovec iov[DRAIN_BATCH];
	struct sigaction sa = { .sa_handler = on_drain_signal }; /* no SA_RESTART */
	struct audit_ctl *ctl = audit_ctl_open();
	struct drain_counts counts = { .forget = forget, .tally = tally_new() };
	struct tally_result res;
	char mark[300], result[160];
	size_t mark_len = (size_t)snprintf(mark, sizeof(mark), "key=\"%s\"", key);
	int fd;

	if (!ctl || !counts.tally)
		_exit(1);
	if (record_path) {
		record = fopen(record_path, "we");
		if (!record) {
			fprintf(stderr, "%s: %s\n", record_path, strerror(errno));
			_exit(1);
		}
		setvbuf(record, NULL, _IOFBF, 1 << 20);
	}
	fd = audit_ctl_fd(ctl);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	audit_ctl_set_rcvbuf(ctl, 64u << 20);
	if (audit_ctl_send_set_pid(ctl, (uint32_t)getpid(), audit_ctl_next_seq(ctl)) < 0)
		_exit(1);
	for (;;) {
		int n, flags = drain_stop ? MSG_DONTWAIT : MSG_WAITFORONE;

		for (unsigned i = 0; i < DRAIN_BATCH; i++) {
			iov[i] = (struct iovec){ bufs[i], DRAIN_BUF };
			msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
		}
		n = recvmmsg(fd, msgs, DRAIN_BATCH, flags, NULL);
		if (n < 0) {
			if (errno == ENOBUFS)
				counts.overruns++;
			else if (errno == EAGAIN && drain_stop)
				break;
			else if (errno != EINTR && errno != EAGAIN)
				break;
			continue;
		}
		for (int i = 0; i < n; i++)
			drain_take(bufs[i], msgs[i].msg_len, mark, mark_len, record, &counts);
	}
	audit_ctl_send_set_pid(ctl, 0, audit_ctl_next_seq(ctl));
	if (record && fclose(record) != 0)
		_exit(1);
	if (counts.tally_failed) {
		fprintf(stderr, "the bare drain ran out of memory counting\n");
		_exit(1);
	}
	tally_result(counts.tally, &res);
	snprintf(result, sizeof(result), "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
		 res.events, counts.records, counts.overruns, res.short_records);
	if (write(out, result, strlen(result)) < 0)
		_exit(1);
	_exit(0);
}

/* ---- starting ---- */

/* needle.conf in its directory (needle-conf.h). */
static int needle_config(struct bench_daemon *d, const struct bench_setup *s, char *err,
			 size_t err_size)
{
	char path[600], url[64] = "";
	int r;

	if (strcmp(d->name, "needle-nats") == 0 &&
	    (r = bench_nats_url(s->top, url, sizeof(url), err, err_size)) < 0)
		return r;
	r = bench_needle_config(d->name, s, d->dir, url, d->config, sizeof(d->config));
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/needle.conf", d->dir);
	return write_file(path, d->config, 0600);
}

static int auditd_config(struct bench_daemon *d, const struct bench_setup *s, const char *format)
{
	char path[600];

	/* Debian's shipped auditd.conf, but logs here, nothing rotated, no
	 * disk-space actions, no plugins. */
	snprintf(d->config, sizeof(d->config),
		 "local_events = yes\n"
		 "write_logs = yes\n"
		 "log_file = %s/audit.log\n"
		 "log_group = root\n"
		 "log_format = %s\n"
		 "flush = INCREMENTAL_ASYNC\n"
		 "freq = 50\n"
		 "max_log_file = 0\n"
		 "num_logs = 5\n"
		 "priority_boost = 4\n"
		 "name_format = NONE\n"
		 "max_log_file_action = IGNORE\n"
		 "space_left = 2\n"
		 "space_left_action = IGNORE\n"
		 "admin_space_left = 1\n"
		 "admin_space_left_action = IGNORE\n"
		 "disk_full_action = IGNORE\n"
		 "disk_error_action = SYSLOG\n"
		 "tcp_listen_queue = 5\n"
		 "tcp_max_per_addr = 1\n"
		 "tcp_client_max_idle = 0\n"
		 "transport = TCP\n"
		 "distribute_network = no\n"
		 "q_depth = 2000\n"
		 "overflow_action = SYSLOG\n"
		 "max_restarts = 10\n"
		 "plugin_dir = %s/plugins\n"
		 "end_of_event_timeout = 2\n",
		 d->dir, format, d->dir);
	snprintf(path, sizeof(path), "%s/plugins", d->dir);
	if (mkdir(path, 0750) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/auditd.conf", d->dir);
	return write_file(path, d->config, 0640);
}

/* The child's stdout and stderr go to files in its directory; it gets a
 * process group of its own, so a Ctrl-C reaches needle-bench only, which
 * then stops it in order. */
static void child_setup(const struct bench_daemon *d)
{
	char path[600];
	int fd;

	setpgid(0, 0);
	snprintf(path, sizeof(path), "%s/stderr", d->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		dup2(fd, STDERR_FILENO);
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
}

/* Waits until the kernel's audit pid is the child's. */
static int wait_registered(struct bench_daemon *d, char *err, size_t err_size)
{
	struct audit_ctl *ctl = audit_ctl_open();
	struct audit_status st;
	int status;

	if (!ctl) {
		snprintf(err, err_size, "cannot open an audit socket: %s", strerror(errno));
		return -errno;
	}
	for (unsigned i = 0; i < 200; i++) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = 0;
			audit_ctl_close(ctl);
			snprintf(err, err_size, "%s exited before it took the audit socket; see %s/stderr",
				 d->name, d->dir);
			return -ECHILD;
		}
		if (audit_ctl_get_status(ctl, &st) == 0 && st.pid == (uint32_t)d->pid) {
			audit_ctl_close(ctl);
			return 0;
		}
		pause_ms(50);
	}
	audit_ctl_close(ctl);
	snprintf(err, err_size, "%s did not take the audit socket within 10 s; see %s/stderr",
		 d->name, d->dir);
	return -ETIMEDOUT;
}

int bench_daemon_start(struct bench_daemon *d, const char *name, const struct bench_setup *s,
		       unsigned run, char *err, size_t err_size)
{
	int pipefd[2] = { -1, -1 }, r = 0;

	memset(d, 0, sizeof(*d));
	if (err_size)
		err[0] = '\0';
	d->name = name;
	d->result_fd = -1;
	d->delay_p50 = d->delay_p99 = -1;
	snprintf(d->dir, sizeof(d->dir), "%s/%s-%u", s->top, name, run);
	if (mkdir(d->dir, 0700) < 0) {
		snprintf(err, err_size, "%s: %s", d->dir, strerror(errno));
		return -errno;
	}
	if (bench_daemon_is_needle(name))
		r = needle_config(d, s, err, err_size);
	else if (strcmp(name, "auditd") == 0)
		r = auditd_config(d, s, s->auditd_format);
	else if (strcmp(name, "auditd-enriched") == 0)
		r = auditd_config(d, s, "ENRICHED");
	else
		snprintf(d->config, sizeof(d->config),
			 "built-in bare drain: recvmmsg 64 x 9216 B, 64 MiB receive buffer, no "
			 "parsing\n");
	if (r < 0) {
		if (!err[0])
			snprintf(err, err_size, "cannot write %s's configuration in %s: %s", name,
				 d->dir, strerror(-r));
		return r;
	}
	if (strcmp(name, "null") == 0 && pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(err, err_size, "pipe: %s", strerror(errno));
		return -errno;
	}
	d->pid = fork();
	if (d->pid < 0) {
		snprintf(err, err_size, "fork: %s", strerror(errno));
		return -errno;
	}
	if (d->pid == 0) {
		char conf[600];

		child_setup(d);
		if (strcmp(name, "null") == 0) {
			close(pipefd[0]);
			drain_main(pipefd[1], s->key, s->record, s->drain_forgets);
		} else if (bench_daemon_is_needle(name)) {
			snprintf(conf, sizeof(conf), "%s/needle.conf", d->dir);
			execl(s->needle, "needle", "run", "--foreground", "-c", conf, (char *)NULL);
		} else {
			execl(s->auditd, "auditd", "-n", "-s", "nochange", "-c", d->dir, (char *)NULL);
		}
		fprintf(stderr, "cannot run %s: %s\n", name, strerror(errno));
		_exit(127);
	}
	if (pipefd[1] >= 0) {
		close(pipefd[1]);
		d->result_fd = pipefd[0];
	}
	return wait_registered(d, err, err_size);
}

/* ---- while it runs ---- */

static uint64_t file_size(const char *dir, const char *name)
{
	char path[600];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

uint64_t bench_daemon_output_bytes(const struct bench_daemon *d)
{
	if (bench_daemon_is_needle(d->name))
		return file_size(d->dir, "log/needle.log.lz4") + file_size(d->dir, "log/needle.json.lz4") +
		       file_size(d->dir, "log/needle.log") + file_size(d->dir, "log/needle.json");
	if (strncmp(d->name, "auditd", 6) == 0)
		return file_size(d->dir, "audit.log");
	return 0;
}

/* Quantile q of needle's delay histogram; -1 when unknown (nothing
 * counted yet, or beyond the last bound). */
static double delay_quantile(const struct metric_samples *s, double q)
{
	double bound = metric_samples_quantile(s, METRIC_EVENT_DELAY, q);

	return isfinite(bound) ? bound : -1;
}

void bench_daemon_mark(struct bench_daemon *d)
{
	struct thread_cpu cpu;

	if (bench_daemon_is_needle(d->name) &&
	    thread_cpu_read(d->pid, BENCH_CONNECTOR_THREAD, &cpu) == 0) {
		d->mark_cpu = cpu.total;
		d->mark_connector_cpu = cpu.named;
	}
}

void bench_daemon_scrape(struct bench_daemon *d)
{
	struct outbuf text = { 0 };
	struct metric_samples s = { 0 };
	struct thread_cpu cpu;
	char path[600];

	if (!bench_daemon_is_needle(d->name))
		return;
	if (thread_cpu_read(d->pid, BENCH_CONNECTOR_THREAD, &cpu) == 0) {
		d->sampled_cpu = cpu.total - d->mark_cpu;
		d->connector_cpu = cpu.named - d->mark_connector_cpu;
		d->connector_threads = cpu.named_threads;
	}
	snprintf(path, sizeof(path), "%s/control", d->dir);
	if (control_query(path, &text) == 0 &&
	    metric_samples_parse(&s, text.data, text.len) == 0) {
		d->delay_p50 = delay_quantile(&s, 0.5);
		d->delay_p99 = delay_quantile(&s, 0.99);
	}
	metric_samples_free(&s);
	outbuf_free(&text);
}

/* ---- stopping and counting ---- */

static int reap(struct bench_daemon *d, unsigned timeout_ms)
{
	int status;

	for (unsigned waited = 0;; waited += 20) {
		pid_t r = wait4(d->pid, &status, WNOHANG, &d->usage);

		if (r == d->pid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (waited == timeout_ms)
			kill(d->pid, SIGKILL);
		pause_ms(20);
	}
	d->pid = 0;
	d->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}

/* A number before label in needle's summary line, or 0. */
static uint64_t summary_number(const char *line, const char *label)
{
	const char *at = strstr(line, label);

	while (at && at > line && at[-1] == ' ')
		at--;
	while (at && at > line && at[-1] >= '0' && at[-1] <= '9')
		at--;
	return at ? strtoull(at, NULL, 10) : 0;
}

/* needle's own count of its losses, from its summary line at stop ("lost:
 * A socket overruns, B serial gaps, C events (D records) dropped by full
 * rings, E events in failed writes"): events it never wrote (serial gaps,
 * which hold the events a full ring dropped whole, and events in failed
 * writes) and records it dropped (from events written partial too). */
static void needle_lost(struct bench_daemon *d)
{
	char path[600], line[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/stderr", d->dir);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *at = strstr(line, "lost: ");

		if (!at)
			continue;
		d->lost = summary_number(at, " serial gaps") +
			  summary_number(at, " events in failed writes");
		d->lost_records = summary_number(at, " records) dropped by full rings");
	}
	fclose(f);
}

int bench_daemon_stop(struct bench_daemon *d, const struct bench_setup *s, char *err,
		      size_t err_size)
{
	char path[600];
	struct tally_result res;
	int r;

	if (d->pid <= 0)
		return 0;
	kill(d->pid, SIGTERM);
	if (reap(d, 60000) < 0) {
		snprintf(err, err_size, "cannot reap %s: %s", d->name, strerror(errno));
		return -errno;
	}
	if (strcmp(d->name, "null") == 0) {
		char buf[160] = "";
		unsigned long long delivered, records, overruns, short_records;
		ssize_t got = read(d->result_fd, buf, sizeof(buf) - 1);

		close(d->result_fd);
		d->result_fd = -1;
		if (got <= 0 || sscanf(buf, "%llu %llu %llu %llu", &delivered, &records, &overruns,
				       &short_records) != 4) {
			snprintf(err, err_size, "the bare drain reported nothing (exit %d)",
				 d->exit_status);
			return -EIO;
		}
		d->delivered = delivered;
		d->records = records;
		d->short_records = short_records;
		d->lost = 0; /* overruns are not events; the kernel's lost is counted apart */
		return 0;
	}
	if (bench_daemon_is_needle(d->name)) {
		/* The RAW log as for auditd; JSON when RAW is off. */
		static const char *const logs[] = { "needle.log.lz4", "needle.log", "needle.json.lz4",
						    "needle.json" };

		for (unsigned i = 0; i < 4; i++) {
			snprintf(path, sizeof(path), "%s/log/%s", d->dir, logs[i]);
			if (access(path, F_OK) == 0)
				break;
		}
		needle_lost(d);
	} else {
		snprintf(path, sizeof(path), "%s/audit.log", d->dir);
	}
	r = bench_count_log(path, s->key, &res);
	if (r < 0) {
		snprintf(err, err_size, "%s: %s (see %s/stderr)", path, strerror(-r), d->dir);
		return r;
	}
	d->delivered = res.events;
	d->short_records = res.short_records;
	return 0;
}

void bench_daemon_kill(struct bench_daemon *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		reap(d, 5000);
	}
	if (d->result_fd >= 0) {
		close(d->result_fd);
		d->result_fd = -1;
	}
}

/* ---- counting a log ---- */

struct line_counter {
	struct outbuf pending; /* the part of a line not yet ended */
	bool json;             /* needle's JSON lines, else auditd's RAW records */
	char mark[300];
	size_t mark_len;
	struct tally *tally;
	bool failed;
};

/* The number after name in a line, or -1. */
static long long number_after(const char *p, size_t len, const char *name)
{
	const char *at = memmem(p, len, name, strlen(name));

	return at ? strtoll(at + strlen(name), NULL, 10) : -1;
}

static void count_line(struct line_counter *c, const char *p, size_t len)
{
	bool keyed = memmem(p, len, c->mark, c->mark_len) != NULL;
	uint32_t serial;
	long long n;

	if (c->json) {
		/* One event per line: "serial": N, "record_count": N. */
		serial = (uint32_t)number_after(p, len, "\"serial\":");
		n = number_after(p, len, "\"record_count\":");
		if (!tally_add(c->tally, serial, n > 0 ? (unsigned)n : 0, keyed,
			       keyed ? (int)number_after(p, len, "\"syscall_nr\":") : -1))
			c->failed = true;
		return;
	}
	if (len < 5 || memcmp(p, "type=", 5) != 0 || (len > 9 && memcmp(p, "type=EOE ", 9) == 0))
		return;
	keyed = keyed && len > 13 && memcmp(p, "type=SYSCALL ", 13) == 0;
	serial = serial_of(p, len);
	if (!tally_add(c->tally, serial, 1, keyed, keyed ? syscall_of(p, len) : -1))
		c->failed = true;
}

static void count_lines(struct line_counter *c, const char *data, size_t len)
{
	const char *p, *end;

	outbuf_put(&c->pending, data, len);
	p = c->pending.data;
	end = p + c->pending.len;
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			break;
		count_line(c, p, (size_t)(nl - p));
		p = nl + 1;
	}
	memmove(c->pending.data, p, (size_t)(end - p));
	c->pending.len = (size_t)(end - p);
}

int bench_count_log(const char *path, const char *key, struct tally_result *ret)
{
	static unsigned char in[1 << 16], out[1 << 18];
	size_t plen = strlen(path);
	bool lz4 = plen > 4 && strcmp(path + plen - 4, ".lz4") == 0;
	LZ4F_dctx *dctx = NULL;
	struct line_counter c = { 0 };
	int result;
	FILE *f = fopen(path, "re");
	size_t got;

	if (!f)
		return -errno;
	c.json = strstr(path, ".json") != NULL;
	c.mark_len = (size_t)snprintf(c.mark, sizeof(c.mark),
				      c.json ? "\"why\":{\"keys\":[\"%s\"]" : "key=\"%s\"", key);
	c.tally = tally_new();
	if (!c.tally ||
	    (lz4 && LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))) {
		tally_free(c.tally);
		fclose(f);
		return -ENOMEM;
	}
	result = 0;
	while ((got = fread(in, 1, sizeof(in), f)) > 0 && result == 0) {
		size_t at = 0;

		if (!lz4) {
			count_lines(&c, (const char *)in, got);
			continue;
		}
		while (at < got) {
			size_t dst = sizeof(out), src = got - at;
			size_t r = LZ4F_decompress(dctx, out, &dst, in + at, &src, NULL);

			if (LZ4F_isError(r)) {
				result = -EILSEQ;
				break;
			}
			at += src;
			count_lines(&c, (const char *)out, dst);
		}
	}
	if (ferror(f))
		result = -EIO;
	if (!result && (c.failed || c.pending.failed))
		result = -ENOMEM;
	if (!result)
		tally_result(c.tally, ret);
	fclose(f);
	if (dctx)
		LZ4F_freeDecompressionContext(dctx);
	outbuf_free(&c.pending);
	tally_free(c.tally);
	return result;
}
