/* SPDX-License-Identifier: MIT */
/*
 * nats-endpoint: where a NATS client connects and as whom, the part that
 * needle run's output (nats-conn.c) and needle gather (gather/natslink.c)
 * share: the servers of a comma-separated list, one way to authenticate
 * (a credentials file, a user and password, or a token) and TLS (the CA,
 * a client certificate and its key), set on a new natsOptions.
 *
 *   endpoint + the names its users know each setting by
 *     --nats_endpoint_options--> natsOptions (servers, credentials, TLS)
 *     --> the caller adds its own: name, reconnection, pings, callbacks
 *
 * TLS is asked for by a tls:// URL, a CA or a client certificate. What
 * libnats refuses (a file it cannot load, a bad URL) comes back as -errno
 * and a sentence naming the setting as the caller's users write it
 * (nats_tls_ca in needle.conf, --tls-ca for needle gather), with the file.
 */
#ifndef NEEDLE_NATS_ENDPOINT_H
#define NEEDLE_NATS_ENDPOINT_H

#include <nats/nats.h>
#include <stddef.h>

/* Servers a list may name at most. */
#define NATS_ENDPOINT_SERVERS 32

/* NULL or "" leaves a setting out. */
struct nats_endpoint {
	const char *urls;          /* comma-separated nats:// or tls:// URLs (spaces around) */
	const char *creds;         /* a .creds file (user JWT and NKey seed) */
	const char *user, *password;
	const char *token;
	const char *tls_ca, *tls_cert, *tls_key;
};

/* What the caller's users call each setting, for the errors. */
struct nats_endpoint_names {
	const char *urls, *creds, *user, *token, *tls_ca, *tls_cert, *tls_key;
};

/* A new natsOptions with e's servers, credentials and TLS. 0; -EINVAL (no
 * server, too many, a setting libnats refuses: err names it), -ENOMEM. On
 * failure *ret is untouched and nothing is left to free. */
int nats_endpoint_options(const struct nats_endpoint *e, const struct nats_endpoint_names *names,
			  natsOptions **ret, char *err, size_t err_size);

/* libnats' last error of this thread in its own words, without the
 * "(conn.c:2088): " of its error stack; else the text of s. */
const char *nats_last_error(natsStatus s);

#endif
