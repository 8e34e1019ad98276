/* SPDX-License-Identifier: MIT */
/* needle-bench: one binary, one subcommand per measurement. */
#include "bench.h"
#include "config.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *what;
} commands[] = {
	{ "ring", bench_ring_main, "records/s through the ring against mutex and wfcqueue baselines" },
	{ "replay", bench_replay_main, "records/s through decoding (no kernel), laurel beside it" },
	{ "live", bench_live_main, "an audited load under needle, auditd and a bare drain, side by side" },
	{ "record", bench_record_main, "captures the records of a live load to a file, for replay" },
	{ "knee", bench_knee_main, "the highest rate each daemon takes without loss (policy drop)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: needle-bench COMMAND [OPTIONS]   (needle %s)\n\ncommands:\n",
		NEEDLE_VERSION);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\n'needle-bench COMMAND --help' for its options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "needle-bench: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
