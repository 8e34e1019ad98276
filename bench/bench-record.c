/* SPDX-License-Identifier: MIT */
/*
 * needle-bench record: runs the load once under the bare drain, which
 * writes every record it receives to --out as a log line, EOE kept
 * (daemons.h); needle decode --eoe and needle-bench replay --from read it.
 */
#include "bench.h"
#include "session.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int bench_record_main(int argc, char **argv)
{
	static const char *const null_only[] = { "null" };
	struct options o;
	struct run run;
	char top[PATH_MAX], err[512] = "", out[PATH_MAX];
	int r;

	if (session_parse_options(argc, argv, &o, false) < 0)
		return 2;
	if (!o.out) {
		fprintf(stderr, "needle-bench record: --out FILE is required\n");
		return 2;
	}
	/* The drain is a child with its own directory: give it a full path. */
	if (o.out[0] != '/' && getcwd(out, sizeof(out) - strlen(o.out) - 2)) {
		strcat(out, "/");
		strcat(out, o.out);
		o.out = out;
	}
	o.setup.record = o.out;
	o.daemons[0] = null_only[0];
	o.ndaemons = 1;
	if ((r = session_prepare(&o, "record", top)) != 0)
		return r;
	if ((r = session_set_policy(&o, err, sizeof(err))) == 0)
		r = session_run(&o, 0, 0, 0, &run, err, sizeof(err));
	r = session_finish(&o, "record", top, r, err);
	if (r)
		return r;
	printf("needle-bench record: %" PRIu64 " records (%" PRIu64 " events of the load, %" PRIu64
	       " generated) in %s\n",
	       run.records, run.delivered, run.generated, o.out);
	return 0;
}
