/* SPDX-License-Identifier: MIT */
/*
 * needle-bench live: what auditing costs this machine, per audit daemon.
 *
 * Per round, the unaudited baseline and then each daemon of --compare in
 * turn run the same load (session.h). Reported: the workload's calls/s
 * against the baseline and against the bare drain (null), events
 * generated, delivered, lost by the kernel and by the daemon's own count,
 * and what none of these explains; the daemon's CPU per event, peak memory
 * and (needle) delay quantiles; each daemon's configuration. With needle
 * and needle-noprocev in the run, the proc connector's cost
 * (connector-cost.h) and its thread's share of needle's CPU.
 */
#include "bench.h"
#include "connector-cost.h"
#include "needle-conf.h"
#include "session.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- reporting ---- */

static void print_run(FILE *f, const struct run *r)
{
	if (isatty(fileno(f)))
		fputs("\r\033[K", f); /* over the "running" line */
	fprintf(f, "  round %u %-15s %9.0f calls/s", r->round + 1, session_name_of(r), r->workload_rate);
	if (r->daemon) {
		const struct account *a = &r->acct;

		fprintf(f, "  generated %" PRIu64 " delivered %" PRIu64 " (missing %" PRIu64
			   "); kernel lost %" PRIu64 " records, %" PRIu64 " of them from delivered "
			   "events: at most %" PRIu64 " missing events; counted lost %" PRIu64
			   "; unexplained %" PRIu64 " to %" PRIu64 " events",
			r->generated, r->delivered, a->missing, r->kernel_lost, r->short_records,
			a->kernel_events_max, r->daemon_lost, a->unexplained_min, a->unexplained_max);
		if (a->records_unexplained)
			fprintf(f, ", %" PRIu64 " records", a->records_unexplained);
		fprintf(f, "  %.2f us/event%s", r->cpu_us_per_event,
			a->reconciled ? "" : "  NOT RECONCILED");
		if (r->sampled_cpu_seconds > 0)
			fprintf(f, "; connector thread %.2f of %.2f s", r->connector_cpu_seconds,
				r->sampled_cpu_seconds);
		if (r->nats)
			fprintf(f, "; into the stream %" PRIu64 " messages%s, %.0f/s; nats-server "
				   "%.2f us/event",
				r->stream_messages,
				r->stream_messages >= r->delivered ? "" : " (FEWER than delivered)",
				r->stream_rate, r->server_us_per_event);
	}
	fputc('\n', f);
}

static double median_of(const struct run *runs, unsigned n, const char *daemon, size_t field)
{
	double v[BENCH_MAX_ROUNDS];
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		if ((runs[i].daemon == daemon ||
		     (runs[i].daemon && daemon && strcmp(runs[i].daemon, daemon) == 0)) &&
		    k < BENCH_MAX_ROUNDS)
			v[k++] = *(const double *)((const char *)&runs[i] + field);
	return k ? bench_median(v, k) : NAN;
}

static uint64_t sum_of(const struct run *runs, unsigned n, const char *daemon, size_t field)
{
	uint64_t s = 0;

	for (unsigned i = 0; i < n; i++)
		if (runs[i].daemon && strcmp(runs[i].daemon, daemon) == 0)
			s += *(const uint64_t *)((const char *)&runs[i] + field);
	return s;
}

/* The central side of needle-nats: what reached the stream, how fast, and
 * the server's CPU (on this host in the bench, the cluster's elsewhere). */
static void print_stream(const char *dn, const struct run *runs, unsigned n)
{
	uint64_t messages = sum_of(runs, n, dn, offsetof(struct run, stream_messages));
	uint64_t delivered = sum_of(runs, n, dn, offsetof(struct run, delivered));

	/* The stream also has the host's other events (the rules' CONFIG_CHANGE,
	 * needle's own DAEMON records): at least the events delivered. */
	printf("\n%s into the stream: %" PRIu64 " messages for %" PRIu64 " events of the load "
	       "delivered%s; %.0f messages/s from the load's start to the last; nats-server "
	       "%.2f us/event (medians of the rounds; the server's CPU is not in us/event above)\n",
	       dn, messages, delivered, messages >= delivered ? "" : " (FEWER: events missing)",
	       median_of(runs, n, dn, offsetof(struct run, stream_rate)),
	       median_of(runs, n, dn, offsetof(struct run, server_us_per_event)));
}

/* The connector's threads in the runs of dn (daemons.h): their share of
 * needle's CPU over the same span (median of the rounds), and their us per
 * delivered event. */
static void print_connector_thread(const char *dn, const struct run *runs, unsigned n)
{
	double share[BENCH_MAX_ROUNDS], us[BENCH_MAX_ROUNDS];
	unsigned k = 0, found = 0, most = 0;

	for (unsigned i = 0; i < n && k < BENCH_MAX_ROUNDS; i++) {
		const struct run *r = &runs[i];

		if (!r->daemon || strcmp(r->daemon, dn) != 0 || r->sampled_cpu_seconds <= 0)
			continue;
		found += r->connector_threads > 0;
		most = r->connector_threads > most ? r->connector_threads : most;
		share[k] = r->connector_cpu_seconds / r->sampled_cpu_seconds;
		us[k++] = r->delivered ? r->connector_cpu_seconds * 1e6 / (double)r->delivered : 0;
	}
	if (!k)
		printf("; its threads were not read\n");
	else if (!found)
		printf("; no thread %s\n", BENCH_CONNECTOR_THREAD);
	else
		printf("; threads %s (up to %u) %.2f us/event, %.1f%% of needle's CPU\n",
		       BENCH_CONNECTOR_THREAD, most, bench_median(us, k),
		       100 * bench_median(share, k));
}

/* The cost from the medians of field, and round by round (each pair ran
 * back to back); the medians' share, printed. */
static double print_cost(const char *what, const char *on, const char *off,
			 const struct run *runs, unsigned n, size_t field)
{
	double cost = connector_cost(median_of(runs, n, on, field), median_of(runs, n, off, field));
	unsigned k = 0;

	printf("  connector cost %s = %.1f%%", what, 100 * cost);
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < n && runs[i].daemon == on; j++)
			if (runs[j].daemon == off && runs[j].round == runs[i].round)
				printf("%s%.1f%%", k++ ? ", " : " (rounds: ",
				       100 * connector_cost(
						     *(const double *)((const char *)&runs[i] + field),
						     *(const double *)((const char *)&runs[j] + field)));
	printf("%s\n", k ? ")" : "");
	return cost;
}

/* needle against needle-noprocev (connector-cost.h): both, the cost over
 * the whole run (the table's us/event) and from the load's start, and the
 * target, judged on the latter (the start's fixed cost, the same in both,
 * would make the share look smaller) on an execve-only mix. */
static void print_connector(const struct options *o, const struct run *runs, unsigned n)
{
	const char *on = NULL, *off = NULL;
	double cost;

	for (unsigned i = 0; i < o->ndaemons; i++)
		if (strcmp(o->daemons[i], "needle-noprocev") == 0)
			off = o->daemons[i];
		else if (strcmp(o->daemons[i], "needle") == 0)
			on = o->daemons[i];
	if (!on || !off)
		return;
	printf("\nproc connector (process_events), mix %s; us/event: the whole run, and from the "
	       "load's start:\n", o->mix);
	for (unsigned i = 0; i < 2; i++) {
		const char *dn = i ? off : on;

		printf("  %-16s %9.0f events/s %8.2f us/event %8.2f from the load's start", dn,
		       median_of(runs, n, dn, offsetof(struct run, workload_rate)),
		       median_of(runs, n, dn, offsetof(struct run, cpu_us_per_event)),
		       median_of(runs, n, dn, offsetof(struct run, load_us_per_event)));
		print_connector_thread(dn, runs, n);
	}
	for (unsigned i = 0; i < o->ndaemons; i++)
		if ((o->daemons[i] == on) != bench_needle_config_procev(session_daemon_config(i))) {
			printf("  no cost: %s ran with process_events = %s (--needle-set?)\n",
			       o->daemons[i], o->daemons[i] == on ? "no" : "yes");
			return;
		}
	printf("  connector cost = (us/event on - us/event off) / us/event on\n");
	print_cost("over the whole run", on, off, runs, n, offsetof(struct run, cpu_us_per_event));
	cost = print_cost("from the load's start", on, off, runs, n,
			  offsetof(struct run, load_us_per_event));
	if (!connector_mix_execve_only(o->mix))
		printf("  target: at most %.0f%% on --mix execve=1; not judged on mix %s\n",
		       100 * CONNECTOR_COST_TARGET, o->mix);
	else
		printf("  target: at most %.0f%% of needle's CPU per event from the load's start: "
		       "%s\n",
		       100 * CONNECTOR_COST_TARGET,
		       isfinite(cost) && cost <= CONNECTOR_COST_TARGET ? "met" : "MISSED");
}

static void print_table(const struct options *o, const struct run *runs, unsigned n)
{
	double base = median_of(runs, n, NULL, offsetof(struct run, workload_rate));
	double null_rate = NAN, null_delivered = NAN;

	for (unsigned i = 0; i < o->ndaemons; i++)
		if (strcmp(o->daemons[i], "null") == 0) {
			null_rate = median_of(runs, n, o->daemons[i], offsetof(struct run, workload_rate));
			null_delivered = (double)sum_of(runs, n, o->daemons[i],
							offsetof(struct run, delivered));
		}
	printf("\n%-15s %11s %6s %6s %10s %10s %8s %8s %7s %7s %15s %9s %8s %8s %10s\n", "daemon",
	       "workload/s", "x base", "x null", "generated", "delivered", "x null", "k-lost",
	       "short", "counted", "unexplained", "waited", "us/event", "RSS MiB", "delay p50/p99");
	printf("%-15s %11.0f %6.2f %6s\n", "baseline", base, 1.0, "");
	for (unsigned i = 0; i < o->ndaemons; i++) {
		const char *dn = o->daemons[i];
		double rate = median_of(runs, n, dn, offsetof(struct run, workload_rate));
		uint64_t delivered = sum_of(runs, n, dn, offsetof(struct run, delivered));
		char delay[32] = "-", unexplained[48];
		uint64_t umin = 0, umax = 0, urec = 0;
		bool reconciled = true;
		double p50 = median_of(runs, n, dn, offsetof(struct run, delay_p50));
		double p99 = median_of(runs, n, dn, offsetof(struct run, delay_p99));

		if (p50 >= 0 && p99 >= 0)
			snprintf(delay, sizeof(delay), "<=%gs/<=%gs", p50, p99);
		for (unsigned k = 0; k < n; k++)
			if (runs[k].daemon && strcmp(runs[k].daemon, dn) == 0) {
				umin += runs[k].acct.unexplained_min;
				umax += runs[k].acct.unexplained_max;
				urec += runs[k].acct.records_unexplained;
				reconciled &= runs[k].acct.reconciled;
			}
		/* Events no counter explains, as bounds; NOT RECONCILED when
		 * the lower one is above 0 in some run. */
		if (umin == umax)
			snprintf(unexplained, sizeof(unexplained), "%" PRIu64 "%s", umin,
				 reconciled ? "" : "!");
		else
			snprintf(unexplained, sizeof(unexplained), "%" PRIu64 "..%" PRIu64 "%s", umin,
				 umax, reconciled ? "" : "!");
		printf("%-15s %11.0f %6.2f %6.2f %10" PRIu64 " %10" PRIu64 " %8.2f %8" PRIu64
		       " %7" PRIu64 " %7" PRIu64 " %15s %9" PRIu64 " %8.2f %8.1f %10s\n",
		       dn, rate, rate / base, rate / null_rate,
		       sum_of(runs, n, dn, offsetof(struct run, generated)), delivered,
		       (double)delivered / null_delivered,
		       sum_of(runs, n, dn, offsetof(struct run, kernel_lost)),
		       sum_of(runs, n, dn, offsetof(struct run, short_records)),
		       sum_of(runs, n, dn, offsetof(struct run, daemon_lost)), unexplained,
		       sum_of(runs, n, dn, offsetof(struct run, waited)),
		       median_of(runs, n, dn, offsetof(struct run, cpu_us_per_event)),
		       median_of(runs, n, dn, offsetof(struct run, rss_mib)), delay);
		if (!reconciled)
			printf("%-15s NOT RECONCILED: at least %" PRIu64 " events (%" PRIu64
			       " records) of the load are missing and no counter shows them\n",
			       dn, umin, urec);
	}
	printf("(workload/s, us/event, RSS: medians of %u rounds; counts: sums, in events of the "
	       "load unless said. k-lost: the kernel's lost records; short: records missing from "
	       "delivered events; counted: events the daemon counted lost itself; unexplained: "
	       "missing events no counter explains, at least..at most (a kernel record refused "
	       "ends its event, so k-lost - short bounds the events the kernel lost), ! when the "
	       "numbers do not reconcile; waited: backlog_wait_time_actual)\n",
	       o->rounds);
	for (unsigned i = 0; i < o->ndaemons; i++)
		if (strcmp(o->daemons[i], "needle-nats") == 0)
			print_stream(o->daemons[i], runs, n);
	print_connector(o, runs, n);
	for (unsigned i = 0; i < o->ndaemons; i++)
		printf("\n%s ran with:\n%s", o->daemons[i], session_daemon_config(i));
}

int bench_live_main(int argc, char **argv)
{
	static struct run runs[BENCH_MAX_ROUNDS * (MAX_DAEMONS + 1)];
	struct options o;
	char top[PATH_MAX], err[512] = "";
	unsigned n = 0, seq = 0;
	int r = 0;

	if (session_parse_options(argc, argv, &o, false) < 0)
		return 2;
	if ((r = session_prepare(&o, "live", top)) != 0)
		return r;
	fprintf(stderr, "needle-bench live: policy %s (backlog_limit %u, backlog_wait_time %u), %u "
			"threads x %lu calls, mix %s, %s, %u rounds, key %s\n",
		o.policy, o.setup.backlog_limit, o.setup.backlog_wait_time, o.threads, o.calls,
		o.mix, o.rate > 0 ? "paced" : "flat out", o.rounds, session_key());
	if ((r = session_set_policy(&o, err, sizeof(err))) < 0)
		goto finish_session;
	for (unsigned round = 0; round < o.rounds && !session_interrupted(); round++) {
		for (int i = -1; i < (int)o.ndaemons && !session_interrupted(); i++) {
			if (isatty(STDERR_FILENO)) /* progress while it runs */
				fprintf(stderr, "  round %u %-15s running...", round + 1,
					i < 0 ? "baseline" : o.daemons[i]);
			r = session_run(&o, i, round, seq++, &runs[n], err, sizeof(err));
			if (r < 0)
				goto finish_session;
			print_run(stderr, &runs[n]);
			n++;
			/* Each daemon restores what it found: set ours again. */
			if ((r = session_set_policy(&o, err, sizeof(err))) < 0)
				goto finish_session;
		}
	}
finish_session:
	r = session_finish(&o, "live", top, r, err);
	if (r)
		return r;
	printf("needle-bench live: policy %s, %u threads x %lu calls, mix %s, %s\n", o.policy,
	       o.threads, o.calls, o.mix, o.rate > 0 ? "paced" : "flat out");
	print_table(&o, runs, n);
	session_write_outputs(&o, runs, n);
	return 0;
}

