/* SPDX-License-Identifier: MIT */
/*
 * needle: command line. One table of commands; each command has its own
 * options (a getopt table named COMMAND_options) and its own help text,
 * which `needle COMMAND --help` prints and `needle --help` lists in full.
 */
#include "config.h"
#include "conf-json.h"
#include "conf.h"
#include "conf-doc.h"
#include "run.h"
#include "decode-cmd.h"
#include "stat-cmd.h"
#include "monitor-cmd.h"
#include "gather-cmd.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static const char run_help[] =
	"usage: needle run [-c FILE] [--foreground]\n"
	"  Collects: registers as the kernel's audit daemon (or joins its multicast\n"
	"  group, mode = multicast) and writes every event until SIGTERM or SIGINT;\n"
	"  SIGHUP re-reads the configuration.\n"
	"  -c, --config FILE  configuration file (default: the embedded configuration)\n"
	"  -f, --foreground   stay in the foreground, log to stderr and, on a terminal,\n"
	"                     show a live status line; without it needle detaches once\n"
	"                     collecting and logs to syslog\n"
	"  -h, --help         this help\n";

static const char config_help[] =
	"usage: needle config [-c FILE | --defaults] [--json] [--show-secrets]\n"
	"  Checks a configuration and prints it as needle would run with it, every\n"
	"  key with its value below a line on what it does (without -c: the embedded\n"
	"  configuration, as written); every error of the file at once, exit status 2.\n"
	"  nats_password and nats_token print as (secret) when set.\n"
	"  -c, --config FILE  configuration file (default: the embedded configuration)\n"
	"  -d, --defaults     print a configuration file with every key commented out\n"
	"                     at the value a file that leaves it out gets, with what\n"
	"                     it takes (what make install and the package put in\n"
	"                     /etc/needle/needle.conf)\n"
	"  -j, --json         the configuration as one JSON object, exact values\n"
	"                     (sizes in bytes)\n"
	"  -s, --show-secrets print nats_password and nats_token as they are (a text\n"
	"                     that needle reads back as the same configuration)\n"
	"  -h, --help         this help\n";

/* Loads the embedded configuration or FILE; prints every error, one per
 * line, and returns EXIT_RUN_CONFIG on error. */
static int load_conf(const char *path, struct conf *conf)
{
	char err[CONF_ERRORS_MAX], *line, *save = NULL;

	if (conf_load(conf, path, err, sizeof(err)) == 0)
		return 0;
	for (line = strtok_r(err, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		fprintf(stderr, "needle: %s\n", line);
	return EXIT_RUN_CONFIG;
}

static int run_main(int argc, char **argv)
{
	static const struct option run_options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	bool foreground = false;
	struct conf conf;
	int c;

	daemon_hold_signals();
	while ((c = getopt_long(argc, argv, "c:fh", run_options, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'f': foreground = true; break;
		case 'h': fputs(run_help, stdout); return 0;
		default: fputs(run_help, stderr); return EXIT_RUN_CONFIG;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "needle run: unexpected argument '%s'\n", argv[optind]);
		return EXIT_RUN_CONFIG;
	}
	if (load_conf(path, &conf))
		return EXIT_RUN_CONFIG;
	return daemon_run(&conf, path, foreground);
}

static int config_main(int argc, char **argv)
{
	static const struct option config_options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "defaults", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "show-secrets", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	bool defaults = false, secrets = false;
	struct conf conf;
	char text[CONF_TEXT_MAX];
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "c:djsh", config_options, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'd': defaults = true; break;
		case 'j': json = true; break;
		case 's': secrets = true; break;
		case 'h': fputs(config_help, stdout); return 0;
		default: fputs(config_help, stderr); return EXIT_RUN_CONFIG;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "needle config: unexpected argument '%s'\n", argv[optind]);
		return EXIT_RUN_CONFIG;
	}
	if (defaults && path) {
		fputs("needle config: --defaults prints the built-in values; it takes no -c\n",
		      stderr);
		return EXIT_RUN_CONFIG;
	}
	if (defaults) {
		if (conf_doc_write_defaults(stdout) == 0)
			return 0;
		fprintf(stderr, "needle config: writing to standard output failed\n");
		return 1;
	}
	if (load_conf(path, &conf))
		return EXIT_RUN_CONFIG;
	if (json) {
		struct outbuf o = { 0 };

		conf_format_json(&conf, secrets, &o);
		if (o.failed) {
			fprintf(stderr, "needle config: out of memory\n");
			outbuf_free(&o);
			return 1;
		}
		fwrite(o.data, 1, o.len, stdout);
		outbuf_free(&o);
		return 0;
	}
	/* CONF_TEXT_MAX holds the longest values (test-conf checks it). */
	conf_format(&conf, secrets, text, sizeof(text));
	fputs(text, stdout);
	return 0;
}

static const struct {
	const char *name;
	const char *help;
	int (*main)(int argc, char **argv);
} commands[] = {
	{ "run", run_help, run_main },
	{ "config", config_help, config_main },
	{ "decode", decode_cmd_help, decode_cmd_main },
	{ "stat", stat_cmd_help, stat_cmd_main },
	{ "monitor", monitor_cmd_help, monitor_cmd_main },
	{ "gather", gather_cmd_help, gather_cmd_main },
};

#define COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fputs("usage: needle COMMAND [OPTIONS]    ('needle COMMAND --help': that command alone)\n"
	      "       needle --version\n"
	      "       needle --help\n",
	      f);
	for (size_t i = 0; i < COMMANDS; i++) {
		fputc('\n', f);
		fputs(commands[i].help, f);
	}
}

/* After a mistake: the commands, one line, so the error above stays in
 * sight (the full usage is 60 lines). */
static void short_usage(FILE *f)
{
	fputs("usage: needle COMMAND [OPTIONS]; commands:", f);
	for (size_t i = 0; i < COMMANDS; i++)
		fprintf(f, " %s", commands[i].name);
	fputs("\n'needle --help' lists every command with its options, "
	      "'needle COMMAND --help' one command's\n",
	      f);
}

int main(int argc, char **argv)
{
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
		fputs("needle: no command given\n", stderr);
		short_usage(stderr);
		return EXIT_RUN_CONFIG;
	}
	for (size_t i = 0; i < COMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "needle: unknown command '%s'\n", argv[1]);
	short_usage(stderr);
	return EXIT_RUN_CONFIG;
}
