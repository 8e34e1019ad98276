/* SPDX-License-Identifier: MIT */
/*
 * needle gather --nats URL[,URL] [--stream NAME] [--durable NAME] [--subject FILTER]
 *               [-f json|raw|enriched|summary] [--out DIR | -] [--follow] [--since TIME] ...
 *
 * The command line of the central side (gather/gather.h does the work):
 * every option checked before anything connects, a mistake said with the
 * option and exit status 2. Rotation and compression take needle run's
 * defaults from the table of keys (daemon/conf.h: max_log_file, num_logs).
 */
#include "gather-cmd.h"
#include "conf.h"
#include "gather.h"
#include "run.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char gather_cmd_help[] =
	"usage: needle gather --nats URL[,URL] [--stream NAME] [--durable NAME]\n"
	"                     [--subject FILTER] [-f json|raw|enriched|summary]\n"
	"                     (--out DIR | --out - | --follow) [--since TIME]\n"
	"                     [--creds FILE | --user USER --password PASSWORD | --token TOKEN]\n"
	"                     [--tls-ca FILE] [--tls-cert FILE --tls-key FILE]\n"
	"                     [--max-log-file SIZE] [--num-logs N] [--compress lz4|none]\n"
	"                     [--sync] [--ack-wait SECONDS]\n"
	"  The central side: reads the events needle run ships to a NATS JetStream\n"
	"  stream (output = nats) from every host and writes each host's to files of\n"
	"  its own, acknowledging a message only once its write is done; a repeat of\n"
	"  an event written lately (per host) is not written again. Stopped and\n"
	"  started again, it goes on where it stopped (a durable consumer).\n"
	"  --nats URL[,URL]   the servers (nats://HOST:PORT, tls://HOST:PORT)\n"
	"  --stream NAME      the stream (default NEEDLE)\n"
	"  --durable NAME     the durable consumer (default needle-gather), made when\n"
	"                     missing; one per gather that must see every event\n"
	"  --subject FILTER   only these subjects (a new consumer's filter), e.g.\n"
	"                     needle.events.web1\n"
	"  -f, --format F     json (default; RAW messages decoded again, without the\n"
	"                     host's names and process context), raw or enriched\n"
	"                     (from RAW messages; a JSON message cannot become auditd's\n"
	"                     lines again and is written as the JSON it is, to\n"
	"                     HOST.json; enriched names are this machine's), summary\n"
	"                     (one line per event, for --follow and --out -)\n"
	"  -o, --out DIR|-    DIR/HOST.json (JSON) and DIR/HOST.log (RAW, ENRICHED),\n"
	"                     .lz4 when compressed; - : standard output, each line\n"
	"                     marked with its host\n"
	"  --follow           a live view on standard output (summary unless -f): a\n"
	"                     consumer of its own that starts with new messages and\n"
	"                     ends with gather\n"
	"  --since TIME       a new consumer starts at TIME: 2025-11-27T16:00:00Z (RFC\n"
	"                     3339) or 30s, 10m, 2h, 1d ago\n"
	"  --creds FILE       NATS credentials (JWT and NKey seed)\n"
	"  --user USER, --password PASSWORD, --token TOKEN   other NATS credentials\n"
	"  --tls-ca FILE      TLS, trusting this CA; --tls-cert FILE, --tls-key FILE:\n"
	"                     a client certificate\n"
	"  --max-log-file SIZE  rotate a file at SIZE (K, M, G; 0 never; default 100M)\n"
	"  --num-logs N       generations kept per file (default 5)\n"
	"  --compress lz4|none  LZ4 frames (lz4 -dc reads them)\n"
	"  --sync             acknowledge only what reached the disk (files O_DSYNC)\n"
	"  --ack-wait SECONDS  a new consumer sends a message again when not\n"
	"                     acknowledged within SECONDS (default 30)\n"
	"  -h, --help         this help\n"
	"  Exit status 2: a bad option; 1: no server, no stream, the folder, or a\n"
	"  file that did not close cleanly. SIGTERM or SIGINT stop it.\n";

enum {
	OPT_NATS = 256, OPT_STREAM, OPT_DURABLE, OPT_SUBJECT, OPT_FOLLOW, OPT_SINCE, OPT_CREDS,
	OPT_USER, OPT_PASSWORD, OPT_TOKEN, OPT_TLS_CA, OPT_TLS_CERT, OPT_TLS_KEY,
	OPT_MAX_LOG_FILE, OPT_NUM_LOGS, OPT_COMPRESS, OPT_SYNC, OPT_ACK_WAIT,
};

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
	va_list ap;

	fputs("needle gather: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_RUN_CONFIG;
}

/* "30s", "10m", "2h", "1d" ago, or RFC 3339; nanoseconds since the epoch. */
static int parse_since(const char *text, int64_t *ret)
{
	struct tm tm = { 0 };
	char *end;
	unsigned long long n;
	int64_t sec, ns = 0;

	errno = 0;
	n = strtoull(text, &end, 10);
	if (end != text && !errno && end[0] && !end[1] && strchr("smhd", end[0]) && *text != '-') {
		uint64_t unit = end[0] == 's' ? 1 : end[0] == 'm' ? 60 : end[0] == 'h' ? 3600 : 86400;

		if (n > (uint64_t)time(NULL) / unit)
			return -EINVAL;
		*ret = ((int64_t)time(NULL) - (int64_t)(n * unit)) * 1000000000;
		return 0;
	}
	end = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		end = strptime(text, "%Y-%m-%d %H:%M:%S", &tm);
	if (!end)
		return -EINVAL;
	if (*end == '.') {
		int64_t scale = 100000000;

		for (end++; *end >= '0' && *end <= '9'; end++, scale /= 10)
			ns += (*end - '0') * scale;
	}
	sec = (int64_t)timegm(&tm);
	if (*end == 'Z' || *end == 'z') {
		end++;
	} else if ((*end == '+' || *end == '-') && strlen(end) == 6 && end[3] == ':') {
		int h = atoi(end + 1), m = atoi(end + 4), off = (h * 60 + m) * 60;

		sec += *end == '+' ? -off : off;
		end += 6;
	} else {
		return -EINVAL; /* no zone: ambiguous */
	}
	if (*end || sec <= 0)
		return -EINVAL;
	*ret = sec * 1000000000 + ns;
	return 0;
}

static bool number(const char *text, unsigned long lo, unsigned long hi, unsigned long *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (!*text || *end || errno || v < lo || v > hi || *text == '-')
		return false;
	*ret = v;
	return true;
}

/* A consumer name: no '.', '*', '>', space or control byte. */
static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s == '.' || *s == '*' || *s == '>' || (unsigned char)*s <= ' ')
			return false;
	return true;
}

static int readable(const char *option, const char *path)
{
	if (path && access(path, R_OK) < 0)
		return bad("%s %s: cannot be read", option, path);
	return 0;
}

int gather_cmd_main(int argc, char **argv)
{
	static const struct option gather_options[] = {
		{ "nats", required_argument, NULL, OPT_NATS },
		{ "stream", required_argument, NULL, OPT_STREAM },
		{ "durable", required_argument, NULL, OPT_DURABLE },
		{ "subject", required_argument, NULL, OPT_SUBJECT },
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "creds", required_argument, NULL, OPT_CREDS },
		{ "user", required_argument, NULL, OPT_USER },
		{ "password", required_argument, NULL, OPT_PASSWORD },
		{ "token", required_argument, NULL, OPT_TOKEN },
		{ "tls-ca", required_argument, NULL, OPT_TLS_CA },
		{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
		{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
		{ "max-log-file", required_argument, NULL, OPT_MAX_LOG_FILE },
		{ "num-logs", required_argument, NULL, OPT_NUM_LOGS },
		{ "compress", required_argument, NULL, OPT_COMPRESS },
		{ "sync", no_argument, NULL, OPT_SYNC },
		{ "ack-wait", required_argument, NULL, OPT_ACK_WAIT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct conf_key_info *max_size = &conf_keys[CONF_KEY_MAX_LOG_FILE];
	const struct conf_key_info *logs = &conf_keys[CONF_KEY_NUM_LOGS];
	struct gather_options o = {
		.consumer = { .stream = "NEEDLE", .durable = "needle-gather", .ack_wait_ms = 30000,
			      .max_ack_pending = 4 * GATHER_BATCH },
		.format = CONVERT_JSON,
		.keep = GATHER_KEEP,
	};
	const char *out = NULL, *format = NULL, *why;
	char buf[512];
	bool follow = false, durable_given = false, out_given = false;
	unsigned long v;
	struct conf defaults;
	int c;

	conf_init(&defaults);
	o.sink.max_size = defaults.max_log_file;
	o.sink.num_logs = defaults.num_logs;
	o.sink.lz4 = defaults.compress_lz4;
	while ((c = getopt_long(argc, argv, "f:o:h", gather_options, NULL)) != -1) {
		switch (c) {
		case OPT_NATS: o.nats.urls = optarg; break;
		case OPT_STREAM: o.consumer.stream = optarg; break;
		case OPT_DURABLE: o.consumer.durable = optarg; durable_given = true; break;
		case OPT_SUBJECT: o.consumer.subject = optarg; break;
		case 'f': format = optarg; break;
		case 'o': out = optarg; out_given = true; break;
		case OPT_FOLLOW: follow = true; break;
		case OPT_SINCE:
			if (parse_since(optarg, &o.consumer.since_ns) < 0)
				return bad("--since %s: expected a time such as 2025-11-27T16:00:00Z "
					   "(RFC 3339, with its zone) or 30s, 10m, 2h, 1d", optarg);
			break;
		case OPT_CREDS: o.nats.creds = optarg; break;
		case OPT_USER: o.nats.user = optarg; break;
		case OPT_PASSWORD: o.nats.password = optarg; break;
		case OPT_TOKEN: o.nats.token = optarg; break;
		case OPT_TLS_CA: o.nats.tls_ca = optarg; break;
		case OPT_TLS_CERT: o.nats.tls_cert = optarg; break;
		case OPT_TLS_KEY: o.nats.tls_key = optarg; break;
		case OPT_MAX_LOG_FILE: {
			uint64_t size;

			if (conf_parse_size(optarg, &size) < 0 || size < max_size->min ||
			    size > max_size->max)
				return bad("--max-log-file %s: expected a size (K, M, G; 0: never "
					   "rotate)", optarg);
			o.sink.max_size = size;
			break;
		}
		case OPT_NUM_LOGS:
			if (!number(optarg, logs->min, logs->max, &v))
				return bad("--num-logs %s: expected a number from 1 to 999", optarg);
			o.sink.num_logs = (unsigned)v;
			break;
		case OPT_COMPRESS:
			if (strcmp(optarg, "lz4") != 0 && strcmp(optarg, "none") != 0)
				return bad("--compress %s: expected lz4 or none", optarg);
			o.sink.lz4 = strcmp(optarg, "lz4") == 0;
			break;
		case OPT_SYNC: o.sink.flush = SINK_FLUSH_DATA; break;
		case OPT_ACK_WAIT:
			if (!number(optarg, 1, 3600, &v))
				return bad("--ack-wait %s: expected seconds, 1 to 3600", optarg);
			o.consumer.ack_wait_ms = (int64_t)v * 1000;
			break;
		case 'h': fputs(gather_cmd_help, stdout); return 0;
		default: fputs(gather_cmd_help, stderr); return EXIT_RUN_CONFIG;
		}
	}
	if (optind != argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (!o.nats.urls)
		return bad("--nats URL is needed: the servers to read from");
	if (format) {
		static const char *const names[] = { [CONVERT_JSON] = "json", [CONVERT_RAW] = "raw",
						     [CONVERT_ENRICHED] = "enriched",
						     [CONVERT_SUMMARY] = "summary" };
		int f = -1;

		for (int i = 0; i < 4; i++)
			if (strcmp(format, names[i]) == 0)
				f = i;
		if (f < 0)
			return bad("-f %s: expected json, raw, enriched or summary", format);
		o.format = (enum convert_format)f;
	} else if (follow) {
		o.format = CONVERT_SUMMARY;
	}
	if (follow && (out_given || durable_given))
		return bad("--follow writes to standard output with a consumer of its own: it "
			   "takes no %s", out_given ? "--out" : "--durable");
	if (!follow && !out_given)
		return bad("say where to write: --out DIR (a file per host), --out - (standard "
			   "output) or --follow (a live view)");
	o.dir = follow || strcmp(out, "-") == 0 ? NULL : out;
	if (o.dir && o.format == CONVERT_SUMMARY)
		return bad("-f summary is for a terminal or a pipe (--out - or --follow): files take "
			   "json, raw or enriched");
	if (!o.dir && o.sink.lz4)
		return bad("--compress lz4 is for files (--out DIR)");
	if (follow) {
		o.consumer.durable = NULL;
		o.consumer.deliver_new = !o.consumer.since_ns;
	}
	if (o.consumer.durable && !name_ok(o.consumer.durable))
		return bad("--durable %s: a name without '.', '*', '>' or spaces", o.consumer.durable);
	if (!name_ok(o.consumer.stream))
		return bad("--stream %s: a name without '.', '*', '>' or spaces", o.consumer.stream);
	if (!!o.nats.creds + !!o.nats.user + !!o.nats.token > 1)
		return bad("give one kind of credentials: --creds, --user and --password, or "
			   "--token");
	if (!!o.nats.user != !!o.nats.password)
		return bad("--user and --password go together");
	if (!!o.nats.tls_cert != !!o.nats.tls_key)
		return bad("--tls-cert and --tls-key go together");
	if (readable("--creds", o.nats.creds) || readable("--tls-ca", o.nats.tls_ca) ||
	    readable("--tls-cert", o.nats.tls_cert) || readable("--tls-key", o.nats.tls_key))
		return EXIT_RUN_CONFIG;
	/* What libnats would find wrong only at the connection, said as a
	 * connection failure (conf-nats.c, as for nats_creds). */
	if (o.nats.creds && (why = conf_nats_creds_problem(o.nats.creds, buf, sizeof(buf))))
		return bad("--creds %s", why);
	return gather_run(&o);
}
