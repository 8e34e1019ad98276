/* SPDX-License-Identifier: MIT */
/* natslink: see natslink.h. */
#include "natslink.h"

#include <errno.h>
#include <nats/nats.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BATCH 1024
#define CONNECT_TIMEOUT_MS 2000
#define RECONNECT_WAIT_MS 1000
/* An ephemeral consumer (--follow) left by a gather that died goes after. */
#define EPHEMERAL_IDLE_NS (30 * 1000000000ll)

struct natslink {
	natsOptions *opts;
	natsConnection *nc;
	jsCtx *js;
	natsSubscription *sub;     /* a plain subscription to inbox (see fetch) */
	natsInbox *inbox;
	char next[600];            /* $JS.API.CONSUMER.MSG.NEXT.STREAM.CONSUMER */
	natsMsg *batch[MAX_BATCH];
	unsigned count;
	char stream[256], consumer[256];
	bool ephemeral;
	char server[256];
	atomic_uint disconnected, reconnected;  /* relaxed: counts, read later */
	unsigned seen_disconnected, seen_reconnected;
};

static void on_disconnected(natsConnection *nc, void *arg)
{
	struct natslink *l = arg;

	(void)nc;
	atomic_fetch_add_explicit(&l->disconnected, 1, memory_order_relaxed);
}

static void on_reconnected(natsConnection *nc, void *arg)
{
	struct natslink *l = arg;

	(void)nc;
	atomic_fetch_add_explicit(&l->reconnected, 1, memory_order_relaxed);
}

/* What needle gather's users call each setting, for the errors. */
static const struct nats_endpoint_names option_names = {
	.urls = "--nats", .creds = "--creds", .user = "--user", .token = "--token",
	.tls_ca = "--tls-ca", .tls_cert = "--tls-cert", .tls_key = "--tls-key",
};

/* The servers, credentials and TLS as needle run sets them
 * (nats-endpoint.h), and gather's own: libnats reconnects without end. */
static int make_options(struct natslink *l, const struct nats_endpoint *o, char *err,
			size_t err_size)
{
	natsStatus s;
	int r;

	if ((r = nats_endpoint_options(o, &option_names, &l->opts, err, err_size)) < 0)
		return r;
	if ((s = natsOptions_SetName(l->opts, "needle gather")) != NATS_OK ||
	    (s = natsOptions_SetMaxReconnect(l->opts, -1)) != NATS_OK ||
	    (s = natsOptions_SetReconnectWait(l->opts, RECONNECT_WAIT_MS)) != NATS_OK ||
	    (s = natsOptions_SetTimeout(l->opts, CONNECT_TIMEOUT_MS)) != NATS_OK ||
	    (s = natsOptions_SetDisconnectedCB(l->opts, on_disconnected, l)) != NATS_OK ||
	    (s = natsOptions_SetReconnectedCB(l->opts, on_reconnected, l)) != NATS_OK) {
		snprintf(err, err_size, "setting up the connection: %s", nats_last_error(s));
		return -ENOMEM;
	}
	return 0;
}

int natslink_connect(const struct nats_endpoint *o, struct natslink **ret, char *err,
		     size_t err_size)
{
	struct natslink *l = calloc(1, sizeof(*l));
	natsStatus s;
	int r;

	if (!l) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	if ((r = make_options(l, o, err, err_size)) < 0)
		goto free_link;
	s = natsConnection_Connect(&l->nc, l->opts);
	switch (s) {
	case NATS_OK:
		break;
	case NATS_NO_SERVER:
		snprintf(err, err_size, "cannot connect to %s: %s (is nats-server running there, "
					"and listening on that address and port?)",
			 o->urls, nats_last_error(s));
		r = -EHOSTUNREACH;
		goto free_link;
	case NATS_CONNECTION_AUTH_FAILED:
	case NATS_NOT_PERMITTED:
		snprintf(err, err_size, "%s refused the credentials: %s (--creds, --user and "
					"--password, or --token)",
			 o->urls, nats_last_error(s));
		r = -EACCES;
		goto free_link;
	case NATS_SECURE_CONNECTION_REQUIRED:
		snprintf(err, err_size, "%s asks for TLS: give --tls-ca (or a tls:// URL)", o->urls);
		r = -EPROTO;
		goto free_link;
	default:
		snprintf(err, err_size, "cannot connect to %s: %s", o->urls, nats_last_error(s));
		r = -EPROTO;
		goto free_link;
	}
	if ((s = natsConnection_JetStream(&l->js, l->nc, NULL)) != NATS_OK) {
		snprintf(err, err_size, "JetStream: %s", nats_last_error(s));
		r = -ENOMEM;
		goto free_link;
	}
	*ret = l;
	return 0;
free_link:
	natslink_close(l);
	return r;
}

void natslink_close(struct natslink *l)
{
	if (!l)
		return;
	natslink_batch_done(l);
	if (l->nc && natsConnection_Status(l->nc) == NATS_CONN_STATUS_CONNECTED)
		natsConnection_FlushTimeout(l->nc, 2000); /* the last acknowledgements */
	if (l->sub) {
		natsSubscription_Unsubscribe(l->sub);
		natsSubscription_Destroy(l->sub);
	}
	natsInbox_Destroy(l->inbox);
	if (l->ephemeral && l->js && l->consumer[0])
		js_DeleteConsumer(l->js, l->stream, l->consumer, NULL, NULL);
	jsCtx_Destroy(l->js);
	if (l->nc) {
		natsConnection_Close(l->nc);
		natsConnection_Destroy(l->nc);
	}
	natsOptions_Destroy(l->opts);
	/* libnats calls on_disconnected from a thread of its own as the
	 * connection closes, maybe after the calls above return: wait for its
	 * threads to end before l goes (ASan saw the late write otherwise). */
	nats_CloseAndWait(2000);
	free(l);
}

const char *natslink_server(struct natslink *l)
{
	if (!l->nc || natsConnection_GetConnectedUrl(l->nc, l->server, sizeof(l->server)) != NATS_OK)
		l->server[0] = '\0';
	return l->server;
}

/* The stream is there, and JetStream answers. */
static const char *inbox_text(struct natslink *l)
{
	return (const char *)l->inbox;
}

static int check_stream(struct natslink *l, const char *stream, char *err, size_t err_size)
{
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	natsStatus s = js_GetStreamInfo(&si, l->js, stream, NULL, &jerr);

	jsStreamInfo_Destroy(si);
	if (s == NATS_OK)
		return 0;
	if (jerr == JSStreamNotFoundErr || s == NATS_NOT_FOUND) {
		snprintf(err, err_size, "no stream %s on %s: needle run (output = nats) makes it "
					"when it first connects; or name another with --stream",
			 stream, natslink_server(l));
		return -ENOENT;
	}
	if (jerr == JSNotEnabledErr || jerr == JSNotEnabledForAccountErr || s == NATS_NO_RESPONDERS ||
	    s == NATS_TIMEOUT) {
		snprintf(err, err_size, "JetStream does not answer on %s: %s (is it enabled: "
					"nats-server -js, or jetstream in its configuration?)",
			 natslink_server(l), nats_last_error(s));
		return -ENOTSUP;
	}
	snprintf(err, err_size, "stream %s on %s: %s", stream, natslink_server(l), nats_last_error(s));
	return -EIO;
}

/* libnats 3.4.1 (nats_EncodeTimeUTC) writes the fraction of a time as
 * ".%lld" of its nanoseconds, without the leading zeros: 10.082499 s goes
 * to the server as 10.82499 s, and a consumer meant to start there starts
 * most of a second later, past the events in between. A start time whose
 * fraction is under 0.1 s is therefore taken from its whole second: a few
 * events more, never fewer. */
static int64_t since_for_libnats(int64_t ns)
{
	int64_t fraction = ns % 1000000000;

	return fraction > 0 && fraction < 100000000 ? ns - fraction : ns;
}

/* An existing durable fits: a pull consumer, explicit acks, the filter
 * asked for, and no --since (it resumes where it is). */
static int check_durable(const jsConsumerInfo *ci, const struct natslink_consumer *c, char *err,
			 size_t err_size)
{
	const jsConsumerConfig *cc = ci->Config;
	const char *filter = cc && cc->FilterSubject ? cc->FilterSubject : "";

	if (c->since_ns) {
		snprintf(err, err_size, "consumer %s of stream %s exists: it resumes where it left "
					"off, and --since applies to a new one (give another "
					"--durable NAME, or delete it: nats consumer rm %s %s)",
			 c->durable, c->stream, c->stream, c->durable);
		return -EEXIST;
	}
	if (!cc || (cc->DeliverSubject && *cc->DeliverSubject) || cc->AckPolicy != js_AckExplicit) {
		snprintf(err, err_size, "consumer %s of stream %s is not a pull consumer with "
					"explicit acknowledgements: give gather a --durable NAME "
					"of its own",
			 c->durable, c->stream);
		return -EINVAL;
	}
	if (c->subject && strcmp(filter, c->subject) != 0) {
		snprintf(err, err_size, "consumer %s of stream %s takes the subjects '%s', not "
					"'%s': give another --durable NAME for that filter",
			 c->durable, c->stream, *filter ? filter : "(all)", c->subject);
		return -EINVAL;
	}
	return 0;
}

int natslink_subscribe(struct natslink *l, const struct natslink_consumer *c, char *err,
		       size_t err_size)
{
	jsConsumerInfo *ci = NULL;
	jsConsumerConfig cc;
	jsErrCode jerr = 0;
	natsStatus s = NATS_ERR;
	int r;

	if ((r = check_stream(l, c->stream, err, err_size)) < 0)
		return r;
	snprintf(l->stream, sizeof(l->stream), "%s", c->stream);
	if (c->durable) {
		s = js_GetConsumerInfo(&ci, l->js, c->stream, c->durable, NULL, &jerr);
		if (s == NATS_OK) {
			r = check_durable(ci, c, err, err_size);
			jsConsumerInfo_Destroy(ci);
			ci = NULL;
			if (r < 0)
				return r;
		} else if (jerr != JSConsumerNotFoundErr && s != NATS_NOT_FOUND) {
			snprintf(err, err_size, "consumer %s of stream %s: %s", c->durable, c->stream,
				 nats_last_error(s));
			return -EIO;
		}
	}
	if (!c->durable || s != NATS_OK) {
		jsConsumerConfig_Init(&cc);
		cc.Durable = c->durable;
		cc.AckPolicy = js_AckExplicit;
		cc.AckWait = c->ack_wait_ms * 1000000;
		cc.MaxAckPending = c->max_ack_pending;
		cc.FilterSubject = c->subject;
		cc.DeliverPolicy = c->since_ns ? js_DeliverByStartTime
				   : c->deliver_new ? js_DeliverNew
						    : js_DeliverAll;
		cc.OptStartTime = since_for_libnats(c->since_ns);
		if (!c->durable)
			cc.InactiveThreshold = EPHEMERAL_IDLE_NS;
		if ((s = js_AddConsumer(&ci, l->js, c->stream, &cc, NULL, &jerr)) != NATS_OK) {
			snprintf(err, err_size, "cannot make consumer %s of stream %s: %s",
				 c->durable ? c->durable : "(ephemeral)", c->stream, nats_last_error(s));
			return -EIO;
		}
	}
	snprintf(l->consumer, sizeof(l->consumer), "%s",
		 c->durable ? c->durable : ci && ci->Name ? ci->Name : "");
	jsConsumerInfo_Destroy(ci);
	l->ephemeral = !c->durable;
	snprintf(l->next, sizeof(l->next), "$JS.API.CONSUMER.MSG.NEXT.%s.%s", l->stream,
		 l->consumer);
	if ((s = natsInbox_Create(&l->inbox)) != NATS_OK ||
	    (s = natsConnection_SubscribeSync(&l->sub, l->nc, l->inbox)) != NATS_OK) {
		snprintf(err, err_size, "cannot subscribe to consumer %s of stream %s: %s",
			 l->consumer, c->stream, nats_last_error(s));
		return -EIO;
	}
	return 0;
}

const char *natslink_consumer_name(struct natslink *l)
{
	return l->consumer;
}

/* One pull request: up to max messages to the inbox; no_wait: answered at
 * once (404 when there is none), else held by the server up to expires. */
static natsStatus pull(struct natslink *l, unsigned max, bool no_wait, int64_t expires_ms)
{
	char req[128];

	if (no_wait)
		snprintf(req, sizeof(req), "{\"batch\":%u,\"no_wait\":true}", max);
	else
		snprintf(req, sizeof(req), "{\"batch\":%u,\"expires\":%lld}", max,
			 (long long)expires_ms * 1000000);
	return natsConnection_PublishRequestString(l->nc, l->next, inbox_text(l), req);
}

static int fetch_failed(struct natslink *l, natsStatus s, char *err, size_t err_size)
{
	snprintf(err, err_size, "fetching from consumer %s: %s", l->consumer, nats_last_error(s));
	return s == NATS_CONNECTION_CLOSED ? -ENOTCONN : -EAGAIN;
}

/*
 * Why not natsSubscription_Fetch(): in libnats 3.4.1 (Debian 12) its
 * _fetch() writes past the array of messages it allocated when the
 * subscription already holds messages of an earlier request (after a
 * reconnect, or a request that expired as messages came): heap corruption,
 * seen here as "double free or corruption" in gather after a server
 * restart. Fixed upstream in v3.10.0 (nats.c #749). So the pull is done
 * here, as the JetStream API defines it: a request to
 * $JS.API.CONSUMER.MSG.NEXT with this inbox as the reply subject, answered
 * by the messages, then a status message (404 none, 408 expired, 409) that
 * ends it; a message of an earlier request is taken like any other, and
 * never more than max.
 */
int natslink_fetch(struct natslink *l, unsigned max, int timeout_ms, char *err, size_t err_size)
{
	int64_t deadline = nats_Now() + timeout_ms;
	bool waiting = false;
	natsStatus s;

	natslink_batch_done(l);
	if (max > MAX_BATCH)
		max = MAX_BATCH;
	if ((s = pull(l, max, true, 0)) != NATS_OK)
		return fetch_failed(l, s, err, err_size);
	while (l->count < max) {
		int64_t left = deadline - nats_Now();
		const char *status = NULL, *desc = NULL;
		natsMsg *m = NULL;

		if (left <= 0)
			break;
		s = natsSubscription_NextMsg(&m, l->sub, left);
		if (s == NATS_TIMEOUT)
			break;
		if (s != NATS_OK)
			return fetch_failed(l, s, err, err_size);
		if (natsMsg_GetDataLength(m) > 0 || natsMsgHeader_Get(m, "Status", &status) != NATS_OK) {
			l->batch[l->count++] = m; /* a message of the stream */
			continue;
		}
		if (strncmp(status, "100", 3) == 0) {
			natsMsg_Destroy(m); /* a heartbeat */
			continue;
		}
		if (l->count) {
			natsMsg_Destroy(m); /* a request ended: take what came */
			break;
		}
		if (strncmp(status, "404", 3) == 0 || strncmp(status, "408", 3) == 0) {
			natsMsg_Destroy(m);
			/* Nothing now: wait for what comes, up to the deadline. */
			if (!waiting && left > 20 && (s = pull(l, max, false, left - 10)) != NATS_OK)
				return fetch_failed(l, s, err, err_size);
			waiting = true;
			continue;
		}
		natsMsgHeader_Get(m, "Description", &desc);
		snprintf(err, err_size, "fetching from consumer %s: %s %s", l->consumer, status,
			 desc ? desc : "");
		natsMsg_Destroy(m);
		return -EAGAIN;
	}
	return (int)l->count;
}

const char *natslink_header(struct natslink *l, unsigned i, const char *key)
{
	const char *v = NULL;

	return natsMsgHeader_Get(l->batch[i], key, &v) == NATS_OK ? v : NULL;
}

void natslink_payload(struct natslink *l, unsigned i, const char **ret_data, size_t *ret_len)
{
	*ret_data = natsMsg_GetData(l->batch[i]);
	*ret_len = (size_t)natsMsg_GetDataLength(l->batch[i]);
	if (!*ret_data)
		*ret_data = "";
}

const char *natslink_subject(struct natslink *l, unsigned i)
{
	const char *s = natsMsg_GetSubject(l->batch[i]);

	return s ? s : "";
}

void natslink_sequence(struct natslink *l, unsigned i, uint64_t *ret_stream_seq,
		       uint64_t *ret_delivered)
{
	jsMsgMetaData *meta = NULL;

	*ret_stream_seq = *ret_delivered = 0;
	if (natsMsg_GetMetaData(&meta, l->batch[i]) == NATS_OK) {
		*ret_stream_seq = meta->Sequence.Stream;
		*ret_delivered = meta->NumDelivered;
	}
	jsMsgMetaData_Destroy(meta);
}

/* The JetStream acknowledgements, as the API defines them: a message to
 * the message's reply subject ($JS.ACK...). */
static int reply(struct natslink *l, unsigned i, const char *body)
{
	const char *to = natsMsg_GetReply(l->batch[i]);

	if (!to || strncmp(to, "$JS.ACK.", 8) != 0)
		return -EINVAL;
	return natsConnection_PublishString(l->nc, to, body) == NATS_OK ? 0 : -EIO;
}

int natslink_ack(struct natslink *l, unsigned i)
{
	return reply(l, i, "+ACK");
}

int natslink_nak(struct natslink *l, unsigned i, int64_t delay_ms)
{
	char body[64];

	snprintf(body, sizeof(body), "-NAK {\"delay\":%lld}", (long long)delay_ms * 1000000);
	return reply(l, i, body);
}

int natslink_term(struct natslink *l, unsigned i)
{
	return reply(l, i, "+TERM");
}

void natslink_batch_done(struct natslink *l)
{
	for (unsigned i = 0; i < l->count; i++)
		natsMsg_Destroy(l->batch[i]);
	l->count = 0;
}

void natslink_take_news(struct natslink *l, struct natslink_news *ret)
{
	unsigned d = atomic_load_explicit(&l->disconnected, memory_order_relaxed);
	unsigned r = atomic_load_explicit(&l->reconnected, memory_order_relaxed);

	ret->disconnected = d - l->seen_disconnected;
	ret->reconnected = r - l->seen_reconnected;
	l->seen_disconnected = d;
	l->seen_reconnected = r;
}

int natslink_consumer_state(struct natslink *l, uint64_t *ret_pending, uint64_t *ret_ack_pending)
{
	jsConsumerInfo *ci = NULL;
	natsStatus s = js_GetConsumerInfo(&ci, l->js, l->stream, l->consumer, NULL, NULL);

	if (s != NATS_OK)
		return -EIO;
	*ret_pending = ci->NumPending;
	*ret_ack_pending = (uint64_t)ci->NumAckPending;
	jsConsumerInfo_Destroy(ci);
	return 0;
}
