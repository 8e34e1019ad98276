/* SPDX-License-Identifier: MIT */
/*
 * needle monitor [--once] [--json] [--listen HOST:PORT] [--interval S]
 *                [--multicast [--socket-buffer BYTES]]
 *
 * Watches the kernel's audit status beside whatever daemon holds the
 * socket (auditd, go-audit, needle): it never registers, never changes a
 * setting, never loads a rule; it only asks (AUDIT_GET). Once a second it
 * prints the backlog against its limit, the lost counter and their deltas,
 * warns (at most every 10 s) when the backlog passes 80% or records are
 * lost, and can serve the same figures as Prometheus metrics. With
 * --multicast it also reads the kernel's multicast copy of every record
 * (readlog.h) and counts records, events, overruns and serial gaps.
 */
#include "monitor-cmd.h"
#include "audit-ctl.h"
#include "conf.h"
#include "metrics.h"
#include "readlog.h"
#include "status.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

static void daemon_comm(uint32_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(buf, size, "%s", pid ? "unknown" : "none");
	if (!pid)
		return;
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(buf, (int)size, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

static uint64_t get(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* The kernel's lost counter when the monitor started: its figures count
 * from there, the lifetime one is labelled so. */
static uint32_t lost_at_start;

static void print_json(const struct audit_status *s, const struct audit_status *prev,
		       const struct readlog_stats *mc)
{
	struct outbuf o = { 0 };
	char comm[64];

	daemon_comm(s->pid, comm, sizeof(comm));
	printf("{\"enabled\":%u,\"failure\":%u,\"pid\":%u,\"daemon\":", s->enabled, s->failure,
	       s->pid);
	outbuf_json_string(&o, comm, strlen(comm));
	fwrite(o.data, 1, o.len, stdout);
	outbuf_free(&o);
	printf(",\"rate_limit\":%u,\"backlog_limit\":%u,\"backlog\":%u,\"lost_since_start\":%u,"
	       "\"lost_lifetime\":%u,"
	       "\"backlog_wait_time\":%u,\"backlog_wait_time_actual\":%u,\"loss_risk\":%.4f",
	       s->rate_limit, s->backlog_limit, s->backlog, s->lost - lost_at_start, s->lost,
	       s->backlog_wait_time,
	       s->backlog_wait_time_actual,
	       s->backlog_limit ? (double)s->backlog / (double)s->backlog_limit : 0);
	if (prev)
		printf(",\"lost_delta\":%u,\"backlog_wait_time_actual_delta\":%u",
		       (uint32_t)(s->lost - prev->lost),
		       (uint32_t)(s->backlog_wait_time_actual - prev->backlog_wait_time_actual));
	if (mc)
		printf(",\"multicast\":{\"records\":%" PRIu64 ",\"events\":%" PRIu64
		       ",\"bytes\":%" PRIu64 ",\"overruns\":%" PRIu64 ",\"serial_gaps\":%" PRIu64
		       ",\"receive_buffer\":%" PRId64 "}",
		       get(&mc->records), get(&mc->events), get(&mc->bytes), get(&mc->overruns),
		       get(&mc->serial_gaps), mc->rcvbuf);
	printf("}\n");
}

static void print_line(const struct audit_status *s, const struct audit_status *prev,
		       const struct readlog_stats *mc)
{
	char comm[64];

	daemon_comm(s->pid, comm, sizeof(comm));
	/* Audit off makes no records: every other figure stays still, and
	 * without this an idle-looking line would hide why. */
	printf("daemon %u (%s)  backlog %u/%u (%.1f%%)  lost %u since start (+%u, kernel "
	       "lifetime %u)  waited %u jiffies (+%u)%s\n",
	       s->pid, comm, s->backlog, s->backlog_limit,
	       s->backlog_limit ? 100.0 * s->backlog / s->backlog_limit : 0, s->lost - lost_at_start,
	       prev ? (uint32_t)(s->lost - prev->lost) : 0, s->lost, s->backlog_wait_time_actual,
	       prev ? (uint32_t)(s->backlog_wait_time_actual - prev->backlog_wait_time_actual) : 0,
	       s->enabled == 0 ? "  audit OFF (enabled 0: the kernel makes no records)" : "");
	if (mc)
		printf("multicast  records %" PRIu64 "  events %" PRIu64 "  overruns %" PRIu64
		       "  serial gaps %" PRIu64 "\n",
		       get(&mc->records), get(&mc->events), get(&mc->overruns), get(&mc->serial_gaps));
}

/* The multicast reader's own losses, at most every 10 s. */
static void warn_multicast(const struct readlog_stats *mc, uint64_t *last_lost, time_t *warned,
			   time_t t)
{
	uint64_t lost = get(&mc->overruns) + get(&mc->serial_gaps);

	if (lost == *last_lost || t - *warned < 10)
		return;
	fprintf(stderr, "needle monitor: warning: the multicast reader fell behind: %" PRIu64
			" overruns, %" PRIu64 " events never seen; raise --socket-buffer (the "
			"daemon's own socket is not affected)\n",
		get(&mc->overruns), get(&mc->serial_gaps));
	*last_lost = lost;
	*warned = t;
}

const char monitor_cmd_help[] =
	"usage: needle monitor [--once] [--json] [--listen HOST:PORT] [--interval S]\n"
	"                      [--multicast [--socket-buffer BYTES]]\n"
	"  Watches the kernel's audit backlog and lost counter beside any audit\n"
	"  daemon, without changing anything.\n"
	"  -o, --once                 print one report and exit (with --multicast,\n"
	"                             after one interval)\n"
	"  -j, --json                 reports as JSON lines\n"
	"  -l, --listen HOST:PORT     also serve the figures as Prometheus metrics\n"
	"                             while it runs (not with --once)\n"
	"  -i, --interval S           seconds between reports, 1 to 3600 (default 1)\n"
	"  -m, --multicast            also read the kernel's multicast copy of the\n"
	"                             records and count records, events, overruns and\n"
	"                             serial gaps (with --once: over one interval)\n"
	"  -b, --socket-buffer BYTES  receive buffer of that reader (K, M suffixes;\n"
	"                             4K to 1G, default 4M)\n"
	"  -h, --help                 this help\n";

int monitor_cmd_main(int argc, char **argv)
{
	static const struct option monitor_options[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "listen", required_argument, NULL, 'l' },
		{ "interval", required_argument, NULL, 'i' },
		{ "multicast", no_argument, NULL, 'm' },
		{ "socket-buffer", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kernel_snapshot k = KERNEL_SNAPSHOT_INIT;
	struct audit_status now, prev;
	struct metrics_server *server = NULL;
	struct audit_ctl *ctl;
	const char *listen = NULL;
	bool once = false, json = false, have_prev = false, multicast = false;
	unsigned interval = 1;
	time_t warned_lost = 0, warned_full = 0, warned_mc = 0;
	uint64_t socket_buffer = 4u << 20, mc_lost = 0;
	struct readlog *reader = NULL;
	const struct readlog_stats *mc = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "ojl:i:mb:h", monitor_options, NULL)) != -1) {
		switch (c) {
		case 'o': once = true; break;
		case 'j': json = true; break;
		case 'l': listen = optarg; break;
		case 'i': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			/* "5x" or "1.5" is a mistake to name, not 5 or 1. */
			interval = *end || !isdigit((unsigned char)optarg[0]) || v > 3600 ? 0
											   : (unsigned)v;
			if (interval < 1 || interval > 3600) {
				fprintf(stderr, "needle monitor: --interval %s: seconds, 1 to 3600\n",
					optarg);
				return 2;
			}
			break;
		}
		case 'm': multicast = true; break;
		case 'b':
			if (conf_parse_size(optarg, &socket_buffer) < 0 || socket_buffer < 4096 ||
			    socket_buffer > (1u << 30)) {
				fprintf(stderr, "needle monitor: --socket-buffer %s: bytes (K, M "
						"suffixes), 4K to 1G\n",
					optarg);
				return 2;
			}
			break;
		case 'h': fputs(monitor_cmd_help, stdout); return 0;
		default: fputs(monitor_cmd_help, stderr); return 2;
		}
	}
	if (once && listen) {
		/* --listen serves while monitor runs; --once prints and exits:
		 * together, the endpoint would be gone before anyone asked. */
		fprintf(stderr, "needle monitor: --listen and --once do not go together: --listen "
				"serves metrics for as long as monitor runs, --once prints one "
				"snapshot and exits; drop one of them\n");
		return 2;
	}
	ctl = audit_ctl_open();
	if (!ctl) {
		fprintf(stderr, "needle monitor: cannot open the audit netlink socket: %s\n",
			audit_ctl_strerror(-errno));
		return 1;
	}
	r = audit_ctl_get_status(ctl, &now);
	if (r < 0) {
		fprintf(stderr, "needle monitor: cannot read the kernel's audit status: %s%s\n",
			audit_ctl_strerror(r), r == -EPERM ? "; run it with sudo" : "");
		audit_ctl_close(ctl);
		return 1;
	}
	lost_at_start = now.lost;
	if (multicast) {
		char err[256];

		/* A serial is given up after twice needle's default event timeout. */
		reader = readlog_start(socket_buffer, 4000, err, sizeof(err));
		if (!reader) {
			fprintf(stderr, "needle monitor: --multicast: %s\n", err);
			audit_ctl_close(ctl);
			return 1;
		}
		mc = readlog_stats(reader);
		kernel_snapshot_set_readlog(&k, mc);
	}
	if (once) {
		if (reader) { /* counts need time: one interval of them */
			sleep(interval);
			prev = now;
			have_prev = audit_ctl_get_status(ctl, &now) == 0;
			if (!have_prev)
				now = prev;
		}
		if (json)
			print_json(&now, have_prev ? &prev : NULL, mc);
		else
			print_line(&now, have_prev ? &prev : NULL, mc);
		readlog_stop(reader);
		audit_ctl_close(ctl);
		return 0;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (listen) {
		char err[256];

		kernel_snapshot_update(&k, &now);
		server = metrics_server_start(listen, NULL, &k, err, sizeof(err));
		if (!server) {
			fprintf(stderr, "needle monitor: %s\n", err);
			readlog_stop(reader);
			audit_ctl_close(ctl);
			return 2;
		}
	}
	while (!stopping) {
		time_t t = time(NULL);

		if (json)
			print_json(&now, have_prev ? &prev : NULL, mc);
		else
			print_line(&now, have_prev ? &prev : NULL, mc);
		fflush(stdout);
		if (mc)
			warn_multicast(mc, &mc_lost, &warned_mc, t);
		if (have_prev && now.lost != prev.lost && t - warned_lost >= 10) {
			fprintf(stderr, "needle monitor: warning: the kernel lost %u records in the last "
					"%u s; the audit daemon is not keeping up: raise backlog_limit, "
					"or use a faster daemon\n",
				(uint32_t)(now.lost - prev.lost), interval);
			warned_lost = t;
		}
		if (now.backlog_limit && now.backlog >= 0.8 * now.backlog_limit &&
		    t - warned_full >= 10) {
			fprintf(stderr, "needle monitor: warning: the kernel backlog is %u of %u; records "
					"will be lost (or audited processes slowed) when it fills\n",
				now.backlog, now.backlog_limit);
			warned_full = t;
		}
		sleep(interval);
		prev = now;
		have_prev = true;
		if (audit_ctl_get_status(ctl, &now) < 0)
			break;
		/* The last status becomes the previous one (prev). */
		kernel_snapshot_update(&k, &now);
	}
	metrics_server_stop(server);
	readlog_stop(reader);
	audit_ctl_close(ctl);
	return 0;
}
