/* SPDX-License-Identifier: MIT */
/*
 * nats-conn.c: the NATS output's connection and stream (nats-out.h draws
 * the output, nats-send.c sends). The first connection is tried in the
 * foreground at open (so refused credentials or TLS stop needle at
 * start); when no server answers, and whenever a connection breaks, the
 * sender makes a new one, every second, never giving up (make_options
 * says why not libnats' own reconnection). A stream that is missing is
 * made; one that exists is used as it is, said when it takes none of
 * needle's subjects.
 */
#include "nats-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JS_WAIT_MS 5000

static void on_connection(natsConnection *nc, void *closure)
{
	struct nats_out *o = closure;

	pthread_mutex_lock(&o->alock);
	o->connection_event = true;
	pthread_cond_signal(&o->acond);
	pthread_mutex_unlock(&o->alock);
}

static void on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
	const char *text = NULL;

	if (natsConnection_GetLastError(nc, &text) == NATS_OK || !text)
		text = natsStatus_GetText(err);
	nats_out_tell(closure, "nats: %s", text);
}

/* ---- connection and stream ---- */

/* The URL libnats is connected to, fit for a metric's label. */
void nats_connected_url(struct nats_out *o, char *buf, size_t size)
{
	if (!o->nc || natsConnection_GetConnectedUrl(o->nc, buf, size) != NATS_OK || !buf[0])
		snprintf(buf, size, "%.*s", (int)strcspn(o->s.urls, ", "), o->s.urls);
	for (char *p = buf; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:/[]_-", *p))
			*p = '_';
}

/* What needle.conf calls each setting, for the errors. */
static const struct nats_endpoint_names conf_names = {
	.urls = "nats_url", .creds = "nats_creds", .user = "nats_user", .token = "nats_token",
	.tls_ca = "nats_tls_ca", .tls_cert = "nats_tls_cert", .tls_key = "nats_tls_key",
};

/* natsOptions from the settings: the servers, credentials and TLS as
 * needle gather sets them (nats-endpoint.h), and needle's own. libnats
 * does not reconnect by itself: while it reconnects it keeps what is
 * published meanwhile, and what its write buffer held when the
 * connection broke, and sends that first once connected again, ahead of
 * the messages lost with the connection that the sender sends again: the
 * stream would hold them out of order. A broken connection is closed
 * instead, and the sender makes a new one (nats_connect) and sends from
 * the first message not acknowledged. 0, or -errno with why in err. */
static int make_options(struct nats_out *o, natsOptions **ret, char *err, size_t err_size)
{
	const struct nats_endpoint e = {
		.urls = o->s.urls, .creds = o->s.creds, .user = o->s.user,
		.password = o->s.password, .token = o->s.token, .tls_ca = o->s.tls_ca,
		.tls_cert = o->s.tls_cert, .tls_key = o->s.tls_key,
	};
	natsOptions *opts = NULL;
	natsStatus s;
	int r;

	if ((r = nats_endpoint_options(&e, &conf_names, &opts, err, err_size)) < 0)
		return r;
	if ((s = natsOptions_SetName(opts, "needle")) != NATS_OK ||
	    (s = natsOptions_SetAllowReconnect(opts, false)) != NATS_OK ||
	    (s = natsOptions_SetTimeout(opts, 2000)) != NATS_OK ||
	    (s = natsOptions_SetPingInterval(opts, 10000)) != NATS_OK ||
	    (s = natsOptions_SetMaxPingsOut(opts, 2)) != NATS_OK ||
	    (s = natsOptions_SetDisconnectedCB(opts, on_connection, o)) != NATS_OK ||
	    (s = natsOptions_SetClosedCB(opts, on_connection, o)) != NATS_OK ||
	    (s = natsOptions_SetErrorHandler(opts, on_error, o)) != NATS_OK) {
		snprintf(err, err_size, "setting up the connection: %s", nats_last_error(s));
		natsOptions_Destroy(opts);
		return -ENOMEM;
	}
	*ret = opts;
	return 0;
}

static natsStatus open_js(struct nats_out *o)
{
	jsOptions jo;

	jsOptions_Init(&jo);
	jo.Wait = JS_WAIT_MS;
	jo.PublishAsync.AckHandler = nats_on_ack;
	jo.PublishAsync.AckHandlerClosure = o;
	return natsConnection_JetStream(&o->js, o->nc, &jo);
}

/* The subjects a stream needle makes: needle.> when the template lies in
 * it, else the template's own filter. */
static void stream_subject(const struct nats_out *o, char *filter, size_t size, char *make,
			   size_t make_size)
{
	nats_template_filter(&o->tmpl, filter, size);
	snprintf(make, make_size, "%s", nats_subject_covers("needle.>", filter) ? "needle.>" : filter);
}

/* Finds the stream, or makes it. 0; 1 when the failure is a setting the
 * cluster will not take (JetStream off, too many replicas); -1 for any
 * other (retried). why gets the reason. */
int nats_ensure_stream(struct nats_out *o, char *why, size_t size)
{
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	char filter[NATS_SUBJECT_MAX], make[NATS_SUBJECT_MAX];
	natsStatus s;

	stream_subject(o, filter, sizeof(filter), make, sizeof(make));
	s = js_GetStreamInfo(&si, o->js, o->s.stream, NULL, &jerr);
	if (s == NATS_OK) {
		bool covered = false;

		for (int i = 0; si->Config && i < si->Config->SubjectsLen; i++)
			covered |= nats_subject_covers(si->Config->Subjects[i], filter);
		if (!covered)
			nats_out_tell(o, "nats: warning: stream %s takes none of the subjects %s: its "
				      "publishes fail; add the subject to the stream, or set "
				      "nats_subject or nats_stream",
				      o->s.stream, filter);
		else
			nats_out_tell(o, "nats: sending to stream %s (replicas %" PRId64 ", duplicate "
				      "window %" PRId64 " s)",
				      o->s.stream, si->Config ? si->Config->Replicas : 0,
				      si->Config ? si->Config->Duplicates / 1000000000 : 0);
		jsStreamInfo_Destroy(si);
		o->stream_ok = true;
		return 0;
	}
	if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
		jsStreamConfig cfg;
		const char *subjects[1] = { make };

		jsStreamConfig_Init(&cfg);
		cfg.Name = o->s.stream;
		cfg.Subjects = subjects;
		cfg.SubjectsLen = 1;
		cfg.Storage = js_FileStorage;
		cfg.Replicas = o->s.replicas;
		cfg.MaxAge = (int64_t)o->s.max_age_s * 1000000000;
		cfg.MaxBytes = o->s.max_bytes ? (int64_t)o->s.max_bytes : -1;
		cfg.Duplicates = (int64_t)o->s.duplicate_window_s * 1000000000;
		jerr = 0;
		s = js_AddStream(&si, o->js, &cfg, NULL, &jerr);
		if (s == NATS_OK) {
			jsStreamInfo_Destroy(si);
			nats_out_tell(o, "nats: made stream %s (subjects %s, file storage, replicas %u, "
				      "duplicate window %u s)",
				      o->s.stream, make, o->s.replicas, o->s.duplicate_window_s);
			o->stream_ok = true;
			return 0;
		}
	}
	snprintf(why, size, "%s%s", nats_last_error(s),
		 s == NATS_NO_RESPONDERS || jerr == JSNotEnabledErr || jerr == JSNotEnabledForAccountErr
			 ? " (is JetStream on? nats-server -js, or jetstream {} in its configuration)"
		 : jerr == JSStreamReplicasNotSupportedErr ? " (nats_replicas is more than the cluster has)"
							   : "");
	return jerr == JSNotEnabledErr || jerr == JSNotEnabledForAccountErr ||
			       jerr == JSStreamReplicasNotSupportedErr
		       ? 1
		       : -1;
}

void nats_drop_connection(struct nats_out *o)
{
	/* What it had in flight will never be acknowledged: taken back
	 * (then sent again on the next connection, from the floor). */
	nats_take_pending(o);
	if (o->js)
		jsCtx_Destroy(o->js);
	o->js = NULL;
	o->js_published = false;
	if (o->nc) {
		natsConnection_Close(o->nc);
		natsConnection_Destroy(o->nc);
	}
	o->nc = NULL;
	o->stream_ok = false;
	nats_forget_in_flight(o);
}

natsStatus nats_connect(struct nats_out *o, char *why, size_t size)
{
	natsOptions *opts = NULL;
	natsStatus s;

	if (make_options(o, &opts, why, size) < 0)
		return NATS_ERR;
	s = natsConnection_Connect(&o->nc, opts);
	natsOptions_Destroy(opts);
	if (s == NATS_OK)
		s = open_js(o);
	if (s != NATS_OK) {
		snprintf(why, size, "%s", nats_last_error(s));
		nats_drop_connection(o);
	}
	return s;
}

int nats_send_open(struct nats_out *o, nats_out_say_fn *say)
{
	natsOptions *opts = NULL;
	char why[512];
	natsStatus s;
	int r;

	if ((s = nats_Open(-1)) != NATS_OK) {
		say("nats: cannot start the NATS library: %s", natsStatus_GetText(s));
		return -ENOMEM;
	}
	if ((r = make_options(o, &opts, why, sizeof(why))) < 0) {
		say("nats: the settings are refused: %s", why);
		return r;
	}
	/* Once, in the foreground: credentials and TLS are checked now. */
	s = natsConnection_Connect(&o->nc, opts);
	natsOptions_Destroy(opts);
	if (s == NATS_CONNECTION_AUTH_FAILED || s == NATS_NOT_PERMITTED) {
		say("nats: %s refused needle's credentials: %s; check nats_user and nats_password, "
		    "nats_token or nats_creds",
		    o->s.urls, nats_last_error(s));
		return -EACCES;
	}
	if (s == NATS_SSL_ERROR) {
		say("nats: TLS with %s failed: %s; check nats_tls_ca, nats_tls_cert and "
		    "nats_tls_key",
		    o->s.urls, nats_last_error(s));
		return -EPROTO;
	}
	if (s != NATS_OK) {
		say("nats: warning: cannot reach %s (%s): events go to the spool %s until a "
		    "server answers; needle keeps trying",
		    o->s.urls, nats_last_error(s), o->s.spool_dir);
		o->nc = NULL;
		nats_connected_url(o, o->server, sizeof(o->server));
		return 0;
	}
	if ((s = open_js(o)) != NATS_OK) {
		say("nats: no JetStream context: %s", nats_last_error(s));
		return -ENOMEM;
	}
	nats_connected_url(o, o->server, sizeof(o->server));
	atomic_store(&o->connected, true);
	o->was_connected = o->ever_connected = true;
	say("nats: connected to %s", o->server);
	r = nats_ensure_stream(o, why, sizeof(why));
	if (r > 0) {
		say("nats: stream %s: %s", o->s.stream, why);
		return -EINVAL;
	}
	if (r < 0)
		say("nats: warning: stream %s not ready: %s; needle tries again", o->s.stream, why);
	return 0;
}

void nats_send_close(struct nats_out *o)
{
	nats_drop_connection(o);
	/* libnats' threads may still run a callback with o: wait for them. */
	nats_CloseAndWait(2000);
}
