/* SPDX-License-Identifier: MIT */
/* needle: command line. */
#include "config.h"
#include "conf.h"
#include "daemon.h"
#include "decode-cmd.h"
#include "stat-cmd.h"
#include "monitor-cmd.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: needle run [-c FILE] [--foreground]\n"
		"       needle config [-c FILE]    print the effective configuration\n"
		"       needle decode [-f json|raw|enriched|summary] [FILE...]\n"
		"       needle stat [--json] [--watch] [--socket PATH]\n"
		"       needle monitor [--once] [--json] [--listen HOST:PORT] [--interval S]\n"
		"       needle --version\n"
		"\n"
		"  -c, --config FILE  configuration file (default: the embedded configuration)\n"
		"  -f, --foreground   stay in the foreground, log to stderr and, on a terminal,\n"
		"                     show a live status line; without it needle detaches once\n"
		"                     collecting and logs to syslog\n");
}

/* Loads the embedded configuration or FILE; exit status 2 on error. */
static int load_conf(const char *path, struct conf *conf)
{
	char err[512];
	int r;

	conf_init(conf);
	if (path)
		r = conf_load_file(conf, path, err, sizeof(err));
	else
		r = conf_parse(conf, "<embedded>", conf_embedded_default,
			       strlen(conf_embedded_default), err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "needle: %s\n", err);
		return EXIT_RUN_CONFIG;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *command, *path = NULL;
	bool foreground = false;
	struct conf conf;
	int c;

	/* A reader that goes away (a pipe, stdout closed) is a failed write to
	 * count, not a reason to die. */
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
		printf("needle %s\n", NEEDLE_VERSION);
		return 0;
	}
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_RUN_CONFIG;
	}
	command = argv[1];
	if (strcmp(command, "decode") == 0)
		return decode_cmd_main(argc - 1, argv + 1);
	if (strcmp(command, "stat") == 0)
		return stat_cmd_main(argc - 1, argv + 1);
	if (strcmp(command, "monitor") == 0)
		return monitor_cmd_main(argc - 1, argv + 1);
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "c:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'f': foreground = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_RUN_CONFIG;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "needle: unexpected argument '%s'\n", argv[optind]);
		return EXIT_RUN_CONFIG;
	}
	if (strcmp(command, "run") == 0) {
		if (load_conf(path, &conf))
			return EXIT_RUN_CONFIG;
		return daemon_run(&conf, path, foreground);
	}
	if (strcmp(command, "config") == 0) {
		char text[2048];

		if (load_conf(path, &conf))
			return EXIT_RUN_CONFIG;
		conf_format(&conf, text, sizeof(text));
		fputs(text, stdout);
		return 0;
	}
	fprintf(stderr, "needle: unknown command '%s'\n", command);
	usage(stderr);
	return EXIT_RUN_CONFIG;
}
