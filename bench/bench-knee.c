/* SPDX-License-Identifier: MIT */
/*
 * needle-bench knee: the highest rate each daemon takes without losing an
 * event. Under policy drop (the kernel drops rather than waits) the offered
 * rate rises by --factor per step; the knee is the last step before the
 * daemon's first loss (a later step without loss does not move it: the
 * load may simply not have reached its offered rate there); a daemon runs
 * on, for the plot, until its second step with loss. --plot draws delivered events/s and loss against the offered rate
 * with gnuplot.
 */
#include "bench.h"
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KNEE_MAX_STEPS 40

/* Events delivered per second of load, and the share lost. */
static double throughput(const struct run *r)
{
	return r->generated ? (double)r->delivered * r->workload_rate / (double)r->generated : 0;
}

static double loss_pct(const struct run *r)
{
	return r->generated ? 100.0 * (double)(r->generated - r->delivered) / (double)r->generated
			    : 0;
}

static int plot(const struct options *o, const struct run *runs, unsigned n, const char *top)
{
	char data[PATH_MAX + 16], script[PATH_MAX + 16], cmd[2 * PATH_MAX + 64];
	const char *ext = strrchr(o->plot, '.');
	bool png = ext && strcmp(ext, ".png") == 0;
	FILE *f;

	snprintf(data, sizeof(data), "%s/knee.dat", top);
	snprintf(script, sizeof(script), "%s/knee.gp", top);
	f = fopen(data, "we");
	if (!f)
		return -errno;
	for (unsigned d = 0; d < o->ndaemons; d++) {
		fprintf(f, "# %s: offered delivered/s loss%%\n", o->daemons[d]);
		for (unsigned i = 0; i < n; i++)
			if (runs[i].daemon && strcmp(runs[i].daemon, o->daemons[d]) == 0)
				fprintf(f, "%.0f %.0f %.3f\n", runs[i].offered, throughput(&runs[i]),
					loss_pct(&runs[i]));
		fprintf(f, "\n\n");
	}
	fclose(f);
	f = fopen(script, "we");
	if (!f)
		return -errno;
	fprintf(f, "set terminal %s size 900,700\nset output '%s'\nset multiplot layout 2,1 title "
		   "'needle-bench knee: policy %s, mix %s, %u threads'\n"
		   "set key left top\nset grid\nset logscale x\nset xlabel 'offered calls/s'\n"
		   "set ylabel 'events delivered/s'\nplot ",
		png ? "pngcairo" : "svg", o->plot, o->policy, o->mix, o->threads);
	for (unsigned d = 0; d < o->ndaemons; d++)
		fprintf(f, "%s'%s' index %u using 1:2 with linespoints title '%s'", d ? ", " : "", data,
			d, o->daemons[d]);
	fprintf(f, "\nset ylabel 'events lost (%%)'\nset yrange [0:*]\nplot ");
	for (unsigned d = 0; d < o->ndaemons; d++)
		fprintf(f, "%s'%s' index %u using 1:3 with linespoints title '%s'", d ? ", " : "", data,
			d, o->daemons[d]);
	fprintf(f, "\nunset multiplot\n");
	fclose(f);
	snprintf(cmd, sizeof(cmd), "gnuplot '%s'", script);
	if (system(cmd) != 0) {
		fprintf(stderr, "needle-bench knee: gnuplot failed (Debian package gnuplot-nox); the "
				"data is in the CSV/JSON outputs\n");
		return -EIO;
	}
	return 0;
}

int bench_knee_main(int argc, char **argv)
{
	static struct run runs[KNEE_MAX_STEPS * MAX_DAEMONS];
	struct options o;
	char top[PATH_MAX], err[512] = "";
	double knee[MAX_DAEMONS] = { 0 }, knee_delivered[MAX_DAEMONS] = { 0 };
	unsigned n = 0, seq = 0, losing[MAX_DAEMONS] = { 0 };
	int r = 0;

	if (session_parse_options(argc, argv, &o, true) < 0)
		return 2;
	if ((r = session_prepare(&o, "knee", top)) != 0)
		return r;
	fprintf(stderr, "needle-bench knee: policy %s (backlog_limit %u, backlog_wait_time %u), %u "
			"threads, mix %s, %.0f to %.0f calls/s x %.2f, %.1f s per step, key %s\n",
		o.policy, o.setup.backlog_limit, o.setup.backlog_wait_time, o.threads, o.mix,
		o.knee_start, o.knee_max, o.knee_factor, o.knee_seconds, session_key());
	if ((r = session_set_policy(&o, err, sizeof(err))) < 0)
		goto finish_session;
	for (double rate = o.knee_start; rate <= o.knee_max && !session_interrupted(); rate *= o.knee_factor) {
		bool any = false;

		o.rate = rate;
		o.calls = (unsigned long)(rate * o.knee_seconds / o.threads) + 1;
		for (unsigned i = 0; i < o.ndaemons && !session_interrupted() && n < KNEE_MAX_STEPS * MAX_DAEMONS;
		     i++) {
			if (losing[i] >= 2)
				continue; /* lost at two steps: done */
			any = true;
			r = session_run(&o, (int)i, 0, seq++, &runs[n], err, sizeof(err));
			if (r < 0)
				goto finish_session;
			fprintf(stderr, "  offered %8.0f  %-7s delivered %6.2f%%  (%.0f events/s)%s\n",
				rate, o.daemons[i], 100 - loss_pct(&runs[n]), throughput(&runs[n]),
				runs[n].acct.reconciled ? "" : "  NOT RECONCILED (see needle-bench live)");
			if (runs[n].delivered != runs[n].generated || runs[n].kernel_lost != 0) {
				losing[i]++;
			} else if (!losing[i]) {
				knee[i] = rate;
				knee_delivered[i] = throughput(&runs[n]);
			}
			n++;
			if ((r = session_set_policy(&o, err, sizeof(err))) < 0)
				goto finish_session;
		}
		if (!any)
			break;
	}
finish_session:
	if (!r && o.plot && !session_interrupted())
		plot(&o, runs, n, top);
	r = session_finish(&o, "knee", top, r, err);
	if (r)
		return r;
	printf("needle-bench knee: policy %s, mix %s, %u threads, %.1f s per step\n", o.policy, o.mix,
	       o.threads, o.knee_seconds);
	printf("%-8s %26s %20s\n", "daemon", "offered before 1st loss", "delivered events/s");
	for (unsigned i = 0; i < o.ndaemons; i++)
		printf("%-8s %26.0f %20.0f%s\n", o.daemons[i], knee[i], knee_delivered[i],
		       !knee[i]	    ? "  (lost at the first step)"
		       : !losing[i] ? "  (no loss at any step: no knee found)"
				    : "");
	session_write_outputs(&o, runs, n);
	return 0;
}

