/* SPDX-License-Identifier: MIT */
/*
 * conf-nats: the checks of the nats_* keys that are more than a number or
 * a choice (the rows in conf.h name them): server URLs, a stream's name,
 * a subject template (pipeline/nats-msg.h reads it the same way), and the
 * files of credentials and TLS, which must be there at start: a file
 * missing is a bad configuration (exit 2), said before anything starts.
 * A credentials file must hold a user JWT and a well-formed NKey seed.
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

/* ---- a credentials file ----
 * As libnats (3.4) reads it: the user JWT is the value of the first
 * decorated block (a "---...---" line, the value, a "---...---" line), the
 * NKey seed that of the second, else the first line starting with SU.
 * libnats reads the file only when it connects, and says a file without
 * a seed, or a mistyped seed, as it says a server that does not answer:
 * needle would spool and try for ever. Checked here instead, a bad
 * configuration as a file missing is. The JWT's signatures, and whether
 * the seed is the JWT's user's, are the server's to check. */

#define CREDS_MAX 65536
#define CREDS_LINES 64

static bool creds_header(const char *s, size_t len)
{
	return len >= 6 && memcmp(s + len - 3, "---", 3) == 0 && memmem(s, len - 3, "---", 3);
}

static bool creds_jwt_ok(const char *s, size_t len)
{
	unsigned dots = 0;

	for (size_t i = 0; i < len; i++)
		if (s[i] == '.')
			dots++;
		else if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return dots == 2 && s[0] != '.' && s[len - 1] != '.';
}

static uint16_t creds_crc16(const uint8_t *p, size_t n)
{
	uint16_t crc = 0;

	while (n--) {
		crc ^= (uint16_t)(*p++ << 8);
		for (int b = 0; b < 8; b++)
			crc = crc & 0x8000 ? (uint16_t)(crc << 1 ^ 0x1021) : (uint16_t)(crc << 1);
	}
	return crc;
}

/* A user's seed: base32 of 'S' and 'U' (18 << 3 | 20 >> 5, (20 & 31) << 3
 * with 20 << 3 the user's prefix), the 32 bytes of the ed25519 seed, and
 * the CRC16 (XMODEM, little endian) of those 34. */
static const char *creds_seed_problem(const char *s, size_t len)
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint8_t raw[36] = { 0 };
	unsigned bits = 0, acc = 0, n = 0;
	const char *c, *why = NULL;

	if (len != 58)
		return "holds a mistyped NKey seed (a seed has 58 characters)";
	for (size_t i = 0; i < len && !why; i++) {
		if (!(c = memchr(b32, s[i], 32)))
			why = "holds a mistyped NKey seed (not base32)";
		acc = (acc << 5 | (unsigned)(c ? c - b32 : 0)) & 0xfff;
		if ((bits += 5) >= 8)
			raw[n++] = (uint8_t)(acc >> (bits -= 8));
	}
	if (!why && ((raw[0] & 0xf8) != 18 << 3 || ((raw[0] & 7) << 5 | raw[1] >> 3) != 20 << 3))
		why = "holds an NKey seed that is not a user's (SU...)";
	if (!why && creds_crc16(raw, 34) != (raw[34] | raw[35] << 8))
		why = "holds a mistyped NKey seed (its checksum does not match)";
	explicit_bzero(raw, sizeof(raw));
	return why;
}

static const char *creds_problem(char *text)
{
	const char *line[CREDS_LINES], *value[2] = { NULL, NULL }, *seed = NULL;
	size_t len[CREDS_LINES], vlen[2] = { 0, 0 }, slen = 0;
	unsigned lines = 0, items = 0;

	if (strchr(text, '\r'))
		return "has \\r\\n line ends: libnats 3.4 takes the \\r for a part of the seed "
		       "(write it with \\n alone: sed -i 's/\\r$//')";
	for (char *p = text, *end; *p && lines < CREDS_LINES; p = end + !!*end) {
		end = p + strcspn(p, "\n");
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		len[lines] = (size_t)(end - p);
		while (len[lines] && strchr(" \t", p[len[lines] - 1]))
			len[lines]--;
		if (len[lines])
			line[lines++] = p;
	}
	for (unsigned i = 0; i < lines; i++) {
		if (items < 2 && i + 2 < lines && creds_header(line[i], len[i]) &&
		    creds_header(line[i + 2], len[i + 2])) {
			value[items] = line[i + 1];
			vlen[items++] = len[i + 1];
			i += 2;
		} else if (!seed && len[i] >= 2 && memcmp(line[i], "SU", 2) == 0) {
			seed = line[i];
			slen = len[i];
		}
	}
	if (!value[0] || !creds_jwt_ok(value[0], vlen[0]))
		return value[0] ? "holds no user JWT (its first block is not one)"
				: "holds no user JWT (a -----BEGIN NATS USER JWT----- block, as nsc "
				  "writes it)";
	if (value[1]) {
		seed = value[1];
		slen = vlen[1];
	}
	if (!seed)
		return "holds no NKey seed (a -----BEGIN USER NKEY SEED----- block, as nsc writes "
		       "it)";
	return creds_seed_problem(seed, slen);
}

const char *conf_nats_creds_problem(const char *path, char *buf, size_t size)
{
	const char *why = NULL;
	size_t n = 0;
	ssize_t r = 1;
	char *text;
	int fd, err = 0;

	if (!(text = malloc(CREDS_MAX + 1)) || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(buf, size, "'%s' cannot be read: %s", path, strerror(text ? errno : ENOMEM));
		free(text);
		return buf;
	}
	while (n <= CREDS_MAX && (r = read(fd, text + n, CREDS_MAX + 1 - n)) > 0)
		n += (size_t)r;
	if (r < 0)
		err = errno;
	close(fd);
	text[n > CREDS_MAX ? CREDS_MAX : n] = '\0';
	if (r < 0)
		snprintf(buf, size, "'%s' cannot be read: %s", path, strerror(err));
	else if (n > CREDS_MAX)
		snprintf(buf, size, "'%s' is too large for a credentials file (over %d bytes)", path,
			 CREDS_MAX);
	else if ((why = creds_problem(text)))
		snprintf(buf, size, "'%s' %s", path, why);
	explicit_bzero(text, CREDS_MAX + 1);
	free(text);
	return r < 0 || n > CREDS_MAX || why ? buf : NULL;
}

const char *conf_check_nats_creds(const struct conf_key_info *key, const char *text, uint64_t n,
				  char *buf, size_t size)
{
	const char *why = conf_check_readable_file(key, text, n, buf, size);

	return why ? why : conf_nats_creds_problem(text, buf, size);
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
