/* SPDX-License-Identifier: MIT */
/*
 * nats-msg: an event as a message for the NATS output (nats-out.h), put
 * together by the decoder that formatted it. Pure: no I/O, no threads.
 *
 *   nats_subject = "needle.events.{host}.{key}"
 *       --nats_template_parse--> checked once, at start
 *   event --nats_msg_begin--> [hdr][subject][id]      into the decoder's batch
 *         caller appends the payload                  (the JSON line, or the RAW lines)
 *         --nats_msg_end-->   lengths in hdr, the payload's last newline cut
 *
 * A batch is messages back to back, each a struct nats_msg_hdr followed by
 * its subject, its id and its payload (no NUL, no padding); the output's
 * thread reads it back with nats_msg_next(). The id is the message's
 * Nats-Msg-Id, HOST/SEC.MS:SERIAL (the event's "id" in JSON): the stream
 * drops a message whose id it has seen within its duplicate window, which
 * makes a resend after a lost acknowledgement harmless.
 *
 * Subjects: tokens of printable ASCII separated by '.', none empty, no
 * '*' or '>' (a publish names one subject). {host} and {key} are whole
 * tokens whose values are made valid tokens: '.', '*', '>', white space,
 * control bytes and bytes above 0x7e become '_'; an empty value is "_";
 * {key} of an event without a key is "none".
 */
#ifndef NEEDLE_NATS_MSG_H
#define NEEDLE_NATS_MSG_H

#include "outbuf.h"
#include "stamp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NATS_SUBJECT_MAX 256
/* The longest subject a message can have: the template with each
 * placeholder as long as its value may be (the host's name, a key). */
#define NATS_HOST_MAX 256

struct nats_template {
	char text[NATS_SUBJECT_MAX];
	bool has_key; /* {key}: the decoder looks each event's key up */
};

/* Checks text as a subject template; 0, or -EINVAL with what is wrong in
 * err ("a space at 7", ...). */
int nats_template_parse(const char *text, struct nats_template *ret, char *err, size_t err_size);

/* The subjects the template can make, as a filter: each placeholder '*'
 * ("needle.events.*"). */
void nats_template_filter(const struct nats_template *t, char *buf, size_t size);

/* Whether every subject matching pattern (which may hold '*' tokens)
 * matches filter (with '*' and '>'): a stream's subject against ours. */
bool nats_subject_covers(const char *filter, const char *pattern);

/* A placeholder's value as a token (see above), appended to out. */
void nats_token_put(struct outbuf *out, const char *value, size_t len);

/* How a message starts in a batch. */
struct nats_msg_hdr {
	uint32_t subject_len, id_len, data_len;
};

/* Appends a message's header, subject and id to b (host: already a token,
 * nats_token_put; key: raw, NULL for none); returns where it starts, for
 * nats_msg_end() once the caller has appended the payload. */
size_t nats_msg_begin(struct outbuf *b, const struct nats_template *t, const char *host,
		      size_t host_len, const char *key, size_t key_len,
		      const struct audit_stamp *stamp);

/* The payload ends the message: its trailing newline is cut, its length
 * written into the header at start. */
void nats_msg_end(struct outbuf *b, size_t start);

/* One message of a batch. */
struct nats_msg_view {
	const char *subject, *id, *data;
	size_t subject_len, id_len, data_len;
};

/* The message at *pos of the batch buf[0..len), and *pos moved past it;
 * false at the end (or at a message cut short, which a batch built by
 * nats_msg_begin/end never holds). */
bool nats_msg_next(const char *buf, size_t len, size_t *pos, struct nats_msg_view *ret);

#endif
