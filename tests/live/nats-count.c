/* SPDX-License-Identifier: MIT */
/*
 * nats-count: the tests' own reading of a JetStream stream, with libnats
 * and nothing of needle's: every message of the stream through an ordered
 * consumer, counted.
 *
 *   usage: nats-count URL STREAM [KEY]
 *
 * Prints one line:
 *   messages N stored M distinct D duplicates U key K key_distinct KD
 *   out_of_order O hosts H format F subject S
 * messages: read; stored: the stream's own count (they must agree);
 * distinct: distinct Nats-Msg-Id; duplicates: messages - distinct; key:
 * messages whose payload holds KEY, key_distinct their distinct ids;
 * out_of_order: per host (Needle-Host), messages with KEY whose serial
 * (the id's part after ':') is not above the one before in stream order;
 * format: the Needle-Format of the first message; subject: that of the
 * first message with KEY. Exit 0, or 1 with why
 * on stderr. NATS_COUNT_CA in the environment: the CA certificates of a
 * tls:// server; NATS_COUNT_CERT and NATS_COUNT_KEY: a client certificate
 * and its key, for a server that asks for one; NATS_COUNT_CREDS: a .creds
 * file (user JWT and NKey seed), for a server in operator mode.
 */
#include <nats/nats.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A set of strings: open addressing, grown at half full. */
struct set {
	char **slot;
	size_t cap, n;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* Adds s; false when it was there. */
static bool set_add(struct set *t, const char *s)
{
	size_t i;

	if (2 * (t->n + 1) > t->cap) {
		struct set bigger = { calloc(t->cap ? t->cap * 2 : 1024, sizeof(char *)),
				      t->cap ? t->cap * 2 : 1024, 0 };

		if (!bigger.slot) {
			fprintf(stderr, "nats-count: out of memory\n");
			exit(1);
		}
		for (i = 0; i < t->cap; i++)
			if (t->slot[i])
				set_add(&bigger, t->slot[i]);
		free(t->slot);
		*t = bigger;
	}
	for (i = hash(s) & (t->cap - 1); t->slot[i]; i = (i + 1) & (t->cap - 1))
		if (strcmp(t->slot[i], s) == 0)
			return false;
	t->slot[i] = strdup(s);
	t->n++;
	return true;
}

struct host_serial {
	char host[256];
	unsigned long long last;
};

int main(int argc, char **argv)
{
	natsConnection *nc = NULL;
	natsSubscription *sub = NULL;
	jsCtx *js = NULL;
	jsStreamInfo *si = NULL;
	jsSubOptions so;
	jsErrCode jerr = 0;
	struct set ids = { 0 }, key_ids = { 0 };
	struct host_serial hosts[64];
	unsigned nhosts = 0;
	uint64_t messages = 0, key = 0, out_of_order = 0, stored;
	char format[16] = "-", subject[256] = "-";
	natsStatus s;

	if (argc < 3) {
		fprintf(stderr, "usage: nats-count URL STREAM [KEY]\n");
		return 2;
	}
	{
		/* NATS_COUNT_CA: a tls:// server's CA certificates. */
		natsOptions *opts = NULL;
		const char *ca = getenv("NATS_COUNT_CA");

		s = natsOptions_Create(&opts);
		if (s == NATS_OK)
			s = natsOptions_SetURL(opts, argv[1]);
		if (s == NATS_OK && ca)
			s = natsOptions_LoadCATrustedCertificates(opts, ca);
		if (s == NATS_OK && getenv("NATS_COUNT_CREDS"))
			s = natsOptions_SetUserCredentialsFromFiles(opts, getenv("NATS_COUNT_CREDS"),
								    NULL);
		if (s == NATS_OK && getenv("NATS_COUNT_CERT"))
			s = natsOptions_LoadCertificatesChain(opts, getenv("NATS_COUNT_CERT"),
							      getenv("NATS_COUNT_KEY"));
		if (s == NATS_OK)
			s = natsConnection_Connect(&nc, opts);
		natsOptions_Destroy(opts);
	}
	if (s == NATS_OK)
		s = natsConnection_JetStream(&js, nc, NULL);
	if (s == NATS_OK)
		s = js_GetStreamInfo(&si, js, argv[2], NULL, &jerr);
	if (s != NATS_OK) {
		fprintf(stderr, "nats-count: %s: %s (%d)\n", argv[1], nats_GetLastError(NULL), jerr);
		return 1;
	}
	stored = si->State.Msgs;
	jsStreamInfo_Destroy(si);
	jsSubOptions_Init(&so);
	so.Stream = argv[2];
	so.Ordered = true;
	/* In a cluster that just lost a node, making the consumer can time
	 * out while its leader is chosen: a few tries. */
	for (int tries = 0; stored && tries < 10; tries++) {
		s = js_SubscribeSync(&sub, js, ">", NULL, &so, &jerr);
		if (s == NATS_OK)
			break;
		fprintf(stderr, "nats-count: subscribe: %s (%s, %d); again\n", natsStatus_GetText(s),
			nats_GetLastError(NULL), jerr);
		nats_Sleep(1000);
	}
	if (stored && !sub)
		return 1;
	while (messages < stored) {
		natsMsg *m = NULL;
		const char *id = NULL, *host = "", *fmt = NULL, *colon;
		const char *data;
		int len;

		if ((s = natsSubscription_NextMsg(&m, sub, 5000)) != NATS_OK) {
			fprintf(stderr, "nats-count: %llu of %llu messages read: %s\n",
				(unsigned long long)messages, (unsigned long long)stored,
				natsStatus_GetText(s));
			return 1;
		}
		messages++;
		natsMsgHeader_Get(m, "Nats-Msg-Id", &id);
		natsMsgHeader_Get(m, "Needle-Host", &host);
		if (messages == 1 && natsMsgHeader_Get(m, "Needle-Format", &fmt) == NATS_OK)
			snprintf(format, sizeof(format), "%s", fmt);
		set_add(&ids, id ? id : "(none)");
		data = natsMsg_GetData(m);
		len = natsMsg_GetDataLength(m);
		if (argc > 3 && data && memmem(data, (size_t)len, argv[3], strlen(argv[3]))) {
			unsigned long long serial = 0;
			unsigned h;

			if (!key++)
				snprintf(subject, sizeof(subject), "%s", natsMsg_GetSubject(m));
			set_add(&key_ids, id ? id : "(none)");
			if (id && (colon = strrchr(id, ':')))
				serial = strtoull(colon + 1, NULL, 10);
			for (h = 0; h < nhosts && strcmp(hosts[h].host, host); h++)
				;
			if (h == nhosts && nhosts < 64) {
				snprintf(hosts[nhosts].host, sizeof(hosts[nhosts].host), "%s", host);
				hosts[nhosts++].last = 0;
			}
			if (h < nhosts) {
				out_of_order += serial <= hosts[h].last;
				hosts[h].last = serial;
			}
		}
		natsMsg_Destroy(m);
	}
	printf("messages %llu stored %llu distinct %zu duplicates %llu key %llu key_distinct %zu "
	       "out_of_order %llu hosts %u format %s subject %s\n",
	       (unsigned long long)messages, (unsigned long long)stored, ids.n,
	       (unsigned long long)(messages - ids.n), (unsigned long long)key, key_ids.n,
	       (unsigned long long)out_of_order, nhosts, format, subject);
	natsSubscription_Destroy(sub);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	return 0;
}
