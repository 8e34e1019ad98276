/* SPDX-License-Identifier: MIT */
/*
 * helper-nats-pub: the test's own NATS client for test_gather.py, so that
 * what needle gather writes is checked against what another program put
 * in the stream and what the server says of the consumer.
 *
 *   stream URL NAME SUBJECTS DUP_MS   make a stream (file storage), its
 *                                     duplicate window DUP_MS
 *   pub URL SUBJECT HOST json|raw FILE FIRST COUNT
 *                                     publish events FIRST.. of FILE (JSON
 *                                     lines, or RAW lines grouped by their
 *                                     audit id) as needle run does: payload,
 *                                     Nats-Msg-Id HOST/ID, Needle-Host,
 *                                     Needle-Format; print each id sent
 *   foreign URL SUBJECT TEXT          publish TEXT with no header
 *   state URL STREAM CONSUMER         "pending P ack_pending A delivered D"
 *   drained URL STREAM CONSUMER S     wait up to S seconds for pending 0 and
 *                                     ack_pending 0; exit 1 if not
 */
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, natsStatus s)
{
	fprintf(stderr, "helper-nats-pub: %s: %s (%s)\n", what, natsStatus_GetText(s),
		nats_GetLastError(NULL) ? nats_GetLastError(NULL) : "");
	exit(1);
}

static void link_to(const char *url, natsConnection **nc, jsCtx **js)
{
	natsStatus s = natsConnection_ConnectTo(nc, url);

	if (s != NATS_OK)
		die("connect", s);
	if ((s = natsConnection_JetStream(js, *nc, NULL)) != NATS_OK)
		die("jetstream", s);
}

/* The events of FILE: one per JSON line, or RAW lines of one audit id. */
struct event {
	char id[64];
	char *text;
	size_t len;
};

static size_t read_events(const char *path, bool raw, struct event **ret)
{
	FILE *f = fopen(path, "re");
	struct event *ev = NULL;
	size_t n = 0, cap = 0, lcap = 0;
	char *line = NULL;
	ssize_t len;

	if (!f) {
		perror(path);
		exit(1);
	}
	while ((len = getline(&line, &lcap, f)) > 0) {
		char id[64] = "";
		const char *p;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (!len)
			continue;
		if (!raw && sscanf(line, "{\"id\":\"%63[^\"]\"", id) != 1)
			continue;
		if (raw && (!(p = strstr(line, "msg=audit(")) || sscanf(p, "msg=audit(%63[^)])", id) != 1))
			continue;
		if (raw && n && strcmp(ev[n - 1].id, id) == 0) {
			struct event *e = &ev[n - 1];

			e->text = realloc(e->text, e->len + 1 + (size_t)len + 1);
			e->text[e->len++] = '\n';
			memcpy(e->text + e->len, line, (size_t)len + 1);
			e->len += (size_t)len;
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			ev = realloc(ev, cap * sizeof(*ev));
		}
		snprintf(ev[n].id, sizeof(ev[n].id), "%s", id);
		ev[n].text = strdup(line);
		ev[n].len = (size_t)len;
		n++;
	}
	free(line);
	fclose(f);
	*ret = ev;
	return n;
}

static int pub(char **argv)
{
	const char *url = argv[0], *subject = argv[1], *host = argv[2], *format = argv[3];
	bool raw = strcmp(format, "raw") == 0;
	struct event *ev;
	size_t n = read_events(argv[4], raw, &ev);
	size_t first = strtoul(argv[5], NULL, 10), count = strtoul(argv[6], NULL, 10);
	natsConnection *nc;
	jsCtx *js;
	jsPubOptions po;
	natsStatus s;

	if (first + count > n) {
		fprintf(stderr, "helper-nats-pub: %s has %zu events, not %zu\n", argv[4], n,
			first + count);
		return 1;
	}
	link_to(url, &nc, &js);
	jsPubOptions_Init(&po);
	for (size_t i = first; i < first + count; i++) {
		char msgid[320];
		natsMsg *m;

		snprintf(msgid, sizeof(msgid), "%s/%s", host, ev[i].id);
		if ((s = natsMsg_Create(&m, subject, NULL, ev[i].text, (int)ev[i].len)) != NATS_OK ||
		    (s = natsMsgHeader_Set(m, "Nats-Msg-Id", msgid)) != NATS_OK ||
		    (s = natsMsgHeader_Set(m, "Needle-Host", host)) != NATS_OK ||
		    (s = natsMsgHeader_Set(m, "Needle-Format", format)) != NATS_OK ||
		    (s = js_PublishMsgAsync(js, &m, &po)) != NATS_OK)
			die("publish", s);
		printf("%s\n", ev[i].id);
	}
	if ((s = js_PublishAsyncComplete(js, NULL)) != NATS_OK)
		die("publish complete", s);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	return 0;
}

static int stream(char **argv)
{
	natsConnection *nc;
	jsCtx *js;
	jsStreamConfig cfg;
	jsStreamInfo *si = NULL;
	const char *subjects[1] = { argv[2] };
	natsStatus s;

	link_to(argv[0], &nc, &js);
	jsStreamConfig_Init(&cfg);
	cfg.Name = argv[1];
	cfg.Subjects = subjects;
	cfg.SubjectsLen = 1;
	cfg.Storage = js_FileStorage;
	cfg.Duplicates = strtoll(argv[3], NULL, 10) * 1000000;
	if ((s = js_AddStream(&si, js, &cfg, NULL, NULL)) != NATS_OK)
		die("add stream", s);
	jsStreamInfo_Destroy(si);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	return 0;
}

static int foreign(char **argv)
{
	natsConnection *nc;
	jsCtx *js;
	jsPubAck *pa = NULL;
	natsStatus s;

	link_to(argv[0], &nc, &js);
	if ((s = js_Publish(&pa, js, argv[1], argv[2], (int)strlen(argv[2]), NULL, NULL)) != NATS_OK)
		die("publish", s);
	jsPubAck_Destroy(pa);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	return 0;
}

static int state(char **argv, int wait_s)
{
	natsConnection *nc;
	jsCtx *js;
	time_t end = time(NULL) + wait_s;
	int r = 1;

	link_to(argv[0], &nc, &js);
	for (;;) {
		jsConsumerInfo *ci = NULL;
		natsStatus s = js_GetConsumerInfo(&ci, js, argv[1], argv[2], NULL, NULL);

		if (s != NATS_OK && wait_s >= 0 && time(NULL) <= end) {
			/* gather may not have made it yet */
			usleep(100 * 1000);
			continue;
		}
		if (s != NATS_OK)
			die("consumer info", s);
		if (wait_s < 0 || (ci->NumPending == 0 && ci->NumAckPending == 0) || time(NULL) > end) {
			printf("pending %llu ack_pending %lld delivered %llu\n",
			       (unsigned long long)ci->NumPending, (long long)ci->NumAckPending,
			       (unsigned long long)ci->Delivered.Stream);
			r = wait_s < 0 || (ci->NumPending == 0 && ci->NumAckPending == 0) ? 0 : 1;
			jsConsumerInfo_Destroy(ci);
			break;
		}
		jsConsumerInfo_Destroy(ci);
		usleep(100 * 1000);
	}
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	return r;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "stream") == 0)
		return stream(argv + 2);
	if (argc == 9 && strcmp(argv[1], "pub") == 0)
		return pub(argv + 2);
	if (argc == 5 && strcmp(argv[1], "foreign") == 0)
		return foreign(argv + 2);
	if (argc == 5 && strcmp(argv[1], "state") == 0)
		return state(argv + 2, -1);
	if (argc == 6 && strcmp(argv[1], "drained") == 0)
		return state(argv + 2, atoi(argv[5]));
	fprintf(stderr, "usage: see the comment at the top of helper-nats-pub.c\n");
	return 2;
}
