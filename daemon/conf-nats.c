/* SPDX-License-Identifier: MIT */
/*
 * conf-nats: the checks of the nats_* keys that are more than a number or
 * a choice (the rows in conf.h name them): server URLs, a stream's name,
 * a subject template (pipeline/nats-msg.h reads it the same way), and the
 * files of credentials and TLS, which must be there at start: a file
 * missing is a bad configuration (exit 2), said before anything starts.
 * And the keys that go together (conf_nats_conflicts): one way to
 * authenticate, a certificate with its key, a duplicate window the stream
 * can keep.
 */
#include "conf.h"
#include "nats-msg.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One URL of the list, len bytes at u: nats:// or tls://, a host name or
 * address ([v6] in brackets), an optional port. No user or password in
 * it: they would show in the log and in needle stat. */
static const char *url_problem(const char *u, size_t len)
{
	size_t scheme = 0, host, i;

	if (len >= 7 && strncmp(u, "nats://", 7) == 0)
		scheme = 7;
	else if (len >= 6 && strncmp(u, "tls://", 6) == 0)
		scheme = 6;
	else
		return "no nats:// or tls:// at its start";
	if (memchr(u, '@', len))
		return "a user or password in it (use nats_user and nats_password, "
		       "nats_token or nats_creds)";
	i = host = scheme;
	if (i < len && u[i] == '[') {
		while (i < len && u[i] != ']')
			i++;
		if (i == len)
			return "no ']' after its IPv6 address";
		i++;
	} else {
		while (i < len && (isalnum((unsigned char)u[i]) || u[i] == '.' || u[i] == '-' ||
				   u[i] == '_'))
			i++;
	}
	if (i == host)
		return "no host";
	if (i < len && u[i] == ':') {
		unsigned long port = 0;
		size_t digits = 0;

		for (i++; i < len && isdigit((unsigned char)u[i]) && digits < 6; i++, digits++)
			port = port * 10 + (unsigned long)(u[i] - '0');
		if (!digits || port == 0 || port > 65535)
			return "no port from 1 to 65535 after its ':'";
	}
	if (i < len && !(i + 1 == len && u[i] == '/'))
		return "more than a host and a port";
	return NULL;
}

const char *conf_check_nats_urls(const struct conf_key_info *key, const char *text, uint64_t n,
				 char *buf, size_t size)
{
	const char *p = text;

	for (;;) {
		size_t len = strcspn(p, ",");
		const char *problem;

		while (len && p[len - 1] == ' ')
			len--;
		problem = len ? url_problem(p, len) : "empty";
		if (problem) {
			snprintf(buf, size, "'%.*s' is not nats://HOST:PORT or tls://HOST:PORT "
				 "(several: comma-separated): %s", (int)len, p, problem);
			return buf;
		}
		p += strcspn(p, ",");
		if (!*p)
			return NULL;
		for (p++; *p == ' '; p++)
			;
	}
}

/* JetStream's own rule for names: no white space, '.', '*', '>', path
 * separators or control bytes; letters, digits, '-' and '_' are safe
 * everywhere (a stream's name is a folder on the servers). */
const char *conf_check_nats_stream(const struct conf_key_info *key, const char *text,
				   uint64_t n, char *buf, size_t size)
{
	for (const char *p = text; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
			snprintf(buf, size, "'%s' is not a stream name (letters, digits, '-' and '_')",
				 text);
			return buf;
		}
	if (!text[0])
		return "is empty: name the stream (NEEDLE)";
	return NULL;
}

const char *conf_check_nats_subject(const struct conf_key_info *key, const char *text,
				    uint64_t n, char *buf, size_t size)
{
	struct nats_template t;
	char why[192];

	if (nats_template_parse(text, &t, why, sizeof(why)) == 0)
		return NULL;
	snprintf(buf, size, "'%s' is not a subject: %s", text, why);
	return buf;
}

const char *conf_check_readable_file(const struct conf_key_info *key, const char *text,
				     uint64_t n, char *buf, size_t size)
{
	struct stat st;
	int fd;

	if (text[0] != '/') {
		snprintf(buf, size, "'%s' is not an absolute path (or empty for none)", text);
		return buf;
	}
	fd = open(text, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(buf, size, "'%s' cannot be read: %s", text, strerror(errno));
		return buf;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(buf, size, "'%s' is not a regular file", text);
		return buf;
	}
	close(fd);
	return NULL;
}

/* The key of a and b whose line an error names: the first the file sets. */
static enum conf_key first_set(const unsigned *line, enum conf_key a, enum conf_key b)
{
	return line[a] && (!line[b] || line[a] < line[b]) ? a : b;
}

void conf_nats_conflicts(const struct conf *c, const unsigned *line, conf_conflict_fn *fail,
			 void *arg)
{
	unsigned ways = !!c->nats_creds[0] + !!(c->nats_user[0] || c->nats_password[0]) +
			!!c->nats_token[0];
	char msg[256];

	if (!!c->nats_user[0] != !!c->nats_password[0])
		fail(arg, line[first_set(line, CONF_KEY_NATS_USER, CONF_KEY_NATS_PASSWORD)],
		     "nats_user: set both nats_user and nats_password, or neither");
	if (ways > 1) {
		enum conf_key a = c->nats_creds[0] ? CONF_KEY_NATS_CREDS : CONF_KEY_NATS_USER;
		enum conf_key b = first_set(line, a,
					    c->nats_token[0] ? CONF_KEY_NATS_TOKEN : CONF_KEY_NATS_USER);

		snprintf(msg, sizeof(msg), "%s: nats_creds, nats_user with nats_password, and "
			 "nats_token are three ways to authenticate: set one", conf_keys[b].name);
		fail(arg, line[b], msg);
	}
	if (!!c->nats_tls_cert[0] != !!c->nats_tls_key[0]) {
		snprintf(msg, sizeof(msg), "%s: a client certificate goes with its key: set both "
			 "nats_tls_cert and nats_tls_key, or neither",
			 c->nats_tls_cert[0] ? "nats_tls_cert" : "nats_tls_key");
		fail(arg, line[first_set(line, CONF_KEY_NATS_TLS_CERT, CONF_KEY_NATS_TLS_KEY)], msg);
	}
	if (c->nats_max_age && c->nats_duplicate_window > c->nats_max_age)
		fail(arg, line[first_set(line, CONF_KEY_NATS_DUPLICATE_WINDOW, CONF_KEY_NATS_MAX_AGE)],
		     "nats_duplicate_window: nats_duplicate_window is longer than nats_max_age: the "
		     "stream cannot remember an id longer than it keeps the message");
}
