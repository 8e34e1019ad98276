/* SPDX-License-Identifier: MIT */
/*
 * nats-endpoint.c: servers, credentials and TLS on a natsOptions
 * (nats-endpoint.h), for needle run's output and needle gather alike.
 */
#include "nats-endpoint.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *nats_last_error(natsStatus s)
{
	const char *text = nats_GetLastError(NULL);
	const char *end;

	if (!text || !text[0])
		return natsStatus_GetText(s);
	if (text[0] == '(' && (end = strstr(text, "): ")) && !memchr(text, ' ', (size_t)(end - text)))
		text = end + 3;
	return text;
}

static bool given(const char *s)
{
	return s && *s;
}

/* err gets what fmt says, then ": " and libnats' reason for s. */
static int refused(natsStatus s, char *err, size_t err_size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int refused(natsStatus s, char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < err_size)
		snprintf(err + n, err_size - (size_t)n, ": %s", nats_last_error(s));
	return s == NATS_NO_MEMORY ? -ENOMEM : -EINVAL;
}

/* The servers of the list, each trimmed of spaces and tabs; *ret_tls when
 * one of them is tls://. */
static int set_servers(natsOptions *opts, const struct nats_endpoint *e,
		       const struct nats_endpoint_names *names, bool *ret_tls, char *err,
		       size_t err_size)
{
	char *copy = strdup(e->urls ? e->urls : ""), *save = NULL, *tok;
	const char *list[NATS_ENDPOINT_SERVERS];
	bool tls = false;
	int n = 0, r = 0;
	natsStatus s;

	if (!copy) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		tok += strspn(tok, " \t");
		tok[strcspn(tok, " \t")] = '\0';
		if (!*tok)
			continue;
		if (n == NATS_ENDPOINT_SERVERS) {
			snprintf(err, err_size, "%s: more than %d servers in '%s'", names->urls,
				 NATS_ENDPOINT_SERVERS, e->urls);
			r = -EINVAL;
			goto free_copy;
		}
		tls |= strncmp(tok, "tls://", 6) == 0;
		list[n++] = tok;
	}
	if (n == 0) {
		snprintf(err, err_size, "%s: no server in '%s'", names->urls, e->urls ? e->urls : "");
		r = -EINVAL;
		goto free_copy;
	}
	if ((s = natsOptions_SetServers(opts, list, n)) != NATS_OK) {
		r = refused(s, err, err_size, "%s '%s'", names->urls, e->urls);
		goto free_copy;
	}
	*ret_tls = tls;
free_copy:
	free(copy);
	return r;
}

static int set_credentials(natsOptions *opts, const struct nats_endpoint *e,
			   const struct nats_endpoint_names *names, char *err, size_t err_size)
{
	natsStatus s;

	if (given(e->creds) &&
	    (s = natsOptions_SetUserCredentialsFromFiles(opts, e->creds, NULL)) != NATS_OK)
		return refused(s, err, err_size, "%s %s", names->creds, e->creds);
	if (given(e->user) && (s = natsOptions_SetUserInfo(opts, e->user, e->password)) != NATS_OK)
		return refused(s, err, err_size, "%s", names->user);
	if (given(e->token) && (s = natsOptions_SetToken(opts, e->token)) != NATS_OK)
		return refused(s, err, err_size, "%s", names->token);
	return 0;
}

/* TLS when a URL is tls://, or a CA or a client certificate is given (a
 * certificate means TLS even over a nats:// URL). */
static int set_tls(natsOptions *opts, const struct nats_endpoint *e,
		   const struct nats_endpoint_names *names, bool tls_url, char *err,
		   size_t err_size)
{
	natsStatus s;

	if ((tls_url || given(e->tls_ca) || given(e->tls_cert)) &&
	    (s = natsOptions_SetSecure(opts, true)) != NATS_OK)
		return refused(s, err, err_size, "TLS (a tls:// URL, %s or %s)", names->tls_ca,
			       names->tls_cert);
	if (given(e->tls_ca) && (s = natsOptions_LoadCATrustedCertificates(opts, e->tls_ca)) != NATS_OK)
		return refused(s, err, err_size, "%s %s", names->tls_ca, e->tls_ca);
	if (given(e->tls_cert) &&
	    (s = natsOptions_LoadCertificatesChain(opts, e->tls_cert, e->tls_key)) != NATS_OK)
		return refused(s, err, err_size, "%s %s, %s %s", names->tls_cert, e->tls_cert,
			       names->tls_key, given(e->tls_key) ? e->tls_key : "(none)");
	return 0;
}

int nats_endpoint_options(const struct nats_endpoint *e, const struct nats_endpoint_names *names,
			  natsOptions **ret, char *err, size_t err_size)
{
	natsOptions *opts = NULL;
	bool tls_url = false;
	natsStatus s;
	int r;

	if ((s = natsOptions_Create(&opts)) != NATS_OK) {
		snprintf(err, err_size, "the NATS library: %s", nats_last_error(s));
		return -ENOMEM;
	}
	if ((r = set_servers(opts, e, names, &tls_url, err, err_size)) < 0 ||
	    (r = set_credentials(opts, e, names, err, err_size)) < 0 ||
	    (r = set_tls(opts, e, names, tls_url, err, err_size)) < 0)
		goto destroy_options;
	*ret = opts;
	return 0;
destroy_options:
	natsOptions_Destroy(opts);
	return r;
}
