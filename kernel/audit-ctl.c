/* SPDX-License-Identifier: MIT */
/*
 * audit-ctl.c: libnl-3 requests with acks. The kernel's errno comes from
 * our NLMSG_ERROR callback, not from libnl's return value, which would have
 * folded it into a coarser -NLE_* code.
 */
#include "audit-ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#ifndef AUDIT_NLGRP_READLOG
#define AUDIT_NLGRP_READLOG 1
#endif

const struct audit_setting audit_settings[AUDIT_SETTINGS] = {
	{ AUDIT_STATUS_ENABLED, "enabled", offsetof(struct audit_status, enabled) },
	{ AUDIT_STATUS_FAILURE, "failure", offsetof(struct audit_status, failure) },
	{ AUDIT_STATUS_RATE_LIMIT, "rate_limit", offsetof(struct audit_status, rate_limit) },
	{ AUDIT_STATUS_BACKLOG_LIMIT, "backlog_limit", offsetof(struct audit_status, backlog_limit) },
	{ AUDIT_STATUS_BACKLOG_WAIT_TIME, "backlog_wait_time",
	  offsetof(struct audit_status, backlog_wait_time) },
};

struct audit_ctl {
	struct nl_sock *sock;
};

/* libnl's codes for the few failures that are not the kernel's answer. */
static int nle_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case 0: return 0;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_PERM: return -EPERM;
	case NLE_NOACCESS: return -EACCES;
	case NLE_EXIST: return -EEXIST;
	case NLE_INTR: return -EINTR;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_BAD_SOCK: return -EBADF;
	case NLE_INVAL: return -EINVAL;
	case NLE_RANGE: return -ERANGE;
	case NLE_MSGSIZE: return -EMSGSIZE;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT: return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_BUSY: return -EBUSY;
	case NLE_PROTO_MISMATCH: return -EPROTONOSUPPORT;
	case NLE_SEQ_MISMATCH: return -EPROTO;
	case NLE_MSG_TRUNC: return -EMSGSIZE;
	case NLE_DUMP_INTR: return -EINTR;
	default: return -EIO;
	}
}

struct audit_ctl *audit_ctl_open(void)
{
	struct audit_ctl *ctl = calloc(1, sizeof(*ctl));
	int r;

	if (!ctl)
		return NULL;
	ctl->sock = nl_socket_alloc();
	if (!ctl->sock) {
		errno = ENOMEM;
		goto free_ctl;
	}
	r = nl_connect(ctl->sock, NETLINK_AUDIT);
	if (r < 0) {
		errno = -nle_to_errno(r);
		goto free_sock;
	}
	/* libnl expects one ack per request to advance its sequence check;
	 * audit replies without one, so each request checks its own seq. */
	nl_socket_disable_seq_check(ctl->sock);
	/* Acks are asked for per request (see enum request_end). */
	nl_socket_disable_auto_ack(ctl->sock);
	return ctl;

free_sock:
	nl_socket_free(ctl->sock);
free_ctl:
	free(ctl);
	return NULL;
}

void audit_ctl_close(struct audit_ctl *ctl)
{
	if (!ctl)
		return;
	nl_socket_free(ctl->sock);
	free(ctl);
}

int audit_ctl_fd(const struct audit_ctl *ctl)
{
	return nl_socket_get_fd(ctl->sock);
}

uint32_t audit_ctl_portid(const struct audit_ctl *ctl)
{
	return nl_socket_get_local_port(ctl->sock);
}

/* What ends a request. The kernel sends some replies from a kernel thread
 * (rule lists), so an ack could overtake them: requests that get a reply
 * ask for no ack and end on the reply (or on NLMSG_DONE for a list). */
enum request_end { END_AT_ACK, END_AT_REPLY, END_AT_DONE };

/* One request's progress, filled by the callbacks. */
struct request {
	uint32_t seq;
	enum request_end end;
	uint16_t reply_type;
	int (*on_reply)(const struct nlmsghdr *h, void *arg);
	void *arg;
	bool done;
	int error;
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;
	const struct nlmsghdr *h = nlmsg_hdr(msg);

	if (h->nlmsg_seq != req->seq)
		return NL_SKIP; /* a late answer to an earlier request */
	if (req->on_reply && h->nlmsg_type == req->reply_type) {
		int r = req->on_reply(h, req->arg);

		if (r < 0 && req->error == 0)
			req->error = r;
		if (req->end == END_AT_REPLY)
			req->done = true;
	}
	if (h->nlmsg_type == NLMSG_DONE)
		req->done = true;
	return NL_OK;
}

static int skip_libnl_seq_check(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;

	if (nlmsg_hdr(msg)->nlmsg_seq != req->seq)
		return NL_SKIP;
	req->done = true;
	return NL_STOP;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct request *req = arg;

	if (e->msg.nlmsg_seq != req->seq)
		return NL_SKIP;
	req->error = e->error; /* already -errno */
	req->done = true;
	return NL_STOP;
}

/* Sends type with payload, then reads until what req->end names, or the
 * kernel's error. */
static int request(struct audit_ctl *ctl, uint16_t type, uint16_t flags, const void *payload,
		   size_t size, struct request *req)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	struct nl_msg *msg;
	int r;

	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, skip_libnl_seq_check, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_ack, req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, req);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, req);
	if (req->end == END_AT_ACK)
		flags |= NLM_F_ACK;
	msg = nlmsg_alloc_simple(type, NLM_F_REQUEST | flags);
	if (!msg) {
		r = -ENOMEM;
		goto put_callbacks;
	}
	r = size ? nlmsg_append(msg, (void *)payload, size, NLMSG_ALIGNTO) : 0;
	if (r == 0) {
		req->seq = nl_socket_use_seq(ctl->sock);
		nlmsg_hdr(msg)->nlmsg_seq = req->seq;
		r = nl_send_auto(ctl->sock, msg);
	}
	nlmsg_free(msg);
	if (r < 0) {
		r = nle_to_errno(r);
		goto put_callbacks;
	}
	r = 0;
	while (!req->done) {
		int n = nl_recvmsgs(ctl->sock, cb);

		if (n < 0 && !req->done) {
			r = nle_to_errno(n);
			goto put_callbacks;
		}
	}
	r = req->error;
put_callbacks:
	nl_cb_put(cb);
	return r;
}

/* A fixed-size reply copied into dst. Older kernels send shorter structs:
 * keep what they sent, zero the rest. */
struct reply_copy {
	void *dst;
	size_t size;
};

static int copy_reply(const struct nlmsghdr *h, void *arg)
{
	const struct reply_copy *c = arg;
	size_t len = h->nlmsg_len >= NLMSG_HDRLEN ? h->nlmsg_len - NLMSG_HDRLEN : 0;

	memset(c->dst, 0, c->size);
	memcpy(c->dst, NLMSG_DATA(h), len < c->size ? len : c->size);
	return 0;
}

static int get_struct(struct audit_ctl *ctl, uint16_t type, void *dst, size_t size)
{
	struct reply_copy copy = { dst, size };
	struct request req = { .end = END_AT_REPLY, .reply_type = type, .on_reply = copy_reply,
			       .arg = &copy };

	return request(ctl, type, 0, NULL, 0, &req);
}

int audit_ctl_get_status(struct audit_ctl *ctl, struct audit_status *ret_status)
{
	struct audit_status st;
	int r = get_struct(ctl, AUDIT_GET, &st, sizeof(st));

	if (r == 0)
		*ret_status = st;
	return r;
}

int audit_ctl_set(struct audit_ctl *ctl, const struct audit_status *status)
{
	struct request req = { 0 };

	if (((status->mask & AUDIT_STATUS_FAILURE) && status->failure == 2) ||
	    ((status->mask & AUDIT_STATUS_ENABLED) && status->enabled == 2))
		return -EPERM;
	return request(ctl, AUDIT_SET, 0, status, sizeof(*status), &req);
}

uint32_t audit_ctl_next_seq(struct audit_ctl *ctl)
{
	return nl_socket_use_seq(ctl->sock);
}

int audit_ctl_send_set_pid(struct audit_ctl *ctl, uint32_t pid, uint32_t seq)
{
	struct audit_status st = { .mask = AUDIT_STATUS_PID, .pid = pid };
	struct nl_msg *msg = nlmsg_alloc_simple(AUDIT_SET, NLM_F_REQUEST | NLM_F_ACK);
	int r;

	if (!msg)
		return -ENOMEM;
	r = nlmsg_append(msg, &st, sizeof(st), NLMSG_ALIGNTO);
	if (r == 0) {
		/* A non-zero seq is kept by nl_send_auto's completion. */
		nlmsg_hdr(msg)->nlmsg_seq = seq;
		r = nl_send_auto(ctl->sock, msg);
	}
	nlmsg_free(msg);
	return r < 0 ? nle_to_errno(r) : 0;
}

int audit_ctl_join_readlog(struct audit_ctl *ctl)
{
	return nle_to_errno(nl_socket_add_membership(ctl->sock, AUDIT_NLGRP_READLOG));
}

int64_t audit_ctl_set_rcvbuf(struct audit_ctl *ctl, uint64_t bytes)
{
	int fd = nl_socket_get_fd(ctl->sock);
	int v = bytes > INT32_MAX / 2 ? INT32_MAX / 2 : (int)bytes;
	socklen_t len = sizeof(v);

	/* FORCE needs CAP_NET_ADMIN; fall back to what rmem_max allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len) < 0)
		return -errno;
	return v;
}

int audit_ctl_get_features(struct audit_ctl *ctl, struct audit_features *ret_features)
{
	struct audit_features f;
	int r = get_struct(ctl, AUDIT_GET_FEATURE, &f, sizeof(f));

	if (r == 0)
		*ret_features = f;
	return r;
}

static int count_rule(const struct nlmsghdr *h, void *arg)
{
	(*(unsigned *)arg)++;
	return 0;
}

int audit_ctl_count_rules(struct audit_ctl *ctl, unsigned *ret_count)
{
	unsigned count = 0;
	struct request req = { .end = END_AT_DONE, .reply_type = AUDIT_LIST_RULES,
			       .on_reply = count_rule,
			       .arg = &count };
	int r = request(ctl, AUDIT_LIST_RULES, 0, NULL, 0, &req);

	if (r < 0)
		return r;
	*ret_count = count;
	return 0;
}

/* Rules listed by the kernel (those with the key, when one is given),
 * copied for the caller. */
struct listed_rules {
	const char *key;
	struct audit_rule_list *list;
	int error;
};

static bool rule_has_key(const struct audit_rule_data *rule, size_t size, const char *key)
{
	size_t off = 0, klen = strlen(key);

	for (uint32_t i = 0; i < rule->field_count && i < AUDIT_MAX_FIELDS; i++) {
		uint32_t f = rule->fields[i];
		bool is_string = f == AUDIT_FILTERKEY || f == AUDIT_WATCH || f == AUDIT_DIR ||
				 f == AUDIT_EXE || f == AUDIT_SUBJ_USER || f == AUDIT_SUBJ_ROLE ||
				 f == AUDIT_SUBJ_TYPE || f == AUDIT_SUBJ_SEN || f == AUDIT_SUBJ_CLR ||
				 f == AUDIT_OBJ_USER || f == AUDIT_OBJ_ROLE || f == AUDIT_OBJ_TYPE ||
				 f == AUDIT_OBJ_LEV_LOW || f == AUDIT_OBJ_LEV_HIGH;

		if (!is_string)
			continue;
		if (off + rule->values[i] > rule->buflen || sizeof(*rule) + rule->buflen > size)
			return false;
		/* Several keys are joined with \x01 in one field. */
		if (f == AUDIT_FILTERKEY) {
			const char *k = rule->buf + off, *end = k + rule->values[i];

			while (k < end) {
				const char *sep = memchr(k, 1, (size_t)(end - k));
				size_t len = sep ? (size_t)(sep - k) : (size_t)(end - k);

				if (len == klen && memcmp(k, key, klen) == 0)
					return true;
				k += len + 1;
			}
		}
		off += rule->values[i];
	}
	return false;
}

static int collect_rule(const struct nlmsghdr *h, void *arg)
{
	struct listed_rules *lr = arg;
	struct audit_rule_list *l = lr->list;
	size_t size = h->nlmsg_len >= NLMSG_HDRLEN ? h->nlmsg_len - NLMSG_HDRLEN : 0;
	const struct audit_rule_data *rule = NLMSG_DATA(h);
	struct audit_rule_data *copy, **rules;
	size_t *sizes;

	/* The kernel's own length, not the netlink padding after it. */
	if (size < sizeof(*rule) || sizeof(*rule) + rule->buflen > size)
		return 0;
	size = sizeof(*rule) + rule->buflen;
	if (lr->key && !rule_has_key(rule, size, lr->key))
		return 0;
	copy = malloc(size);
	rules = realloc(l->rule, sizeof(*l->rule) * (l->count + 1));
	if (rules)
		l->rule = rules;
	sizes = realloc(l->size, sizeof(*l->size) * (l->count + 1));
	if (sizes)
		l->size = sizes;
	if (!copy || !rules || !sizes) {
		free(copy);
		lr->error = -ENOMEM;
		return -ENOMEM;
	}
	memcpy(copy, rule, size);
	l->rule[l->count] = copy;
	l->size[l->count] = size;
	l->count++;
	return 0;
}

static int list_rules(struct audit_ctl *ctl, const char *key, struct audit_rule_list *ret)
{
	struct audit_rule_list list = { 0 };
	struct listed_rules lr = { .key = key, .list = &list };
	struct request req = { .end = END_AT_DONE, .reply_type = AUDIT_LIST_RULES,
			       .on_reply = collect_rule, .arg = &lr };
	int r = request(ctl, AUDIT_LIST_RULES, 0, NULL, 0, &req);

	if (r == 0 && lr.error)
		r = lr.error;
	if (r < 0) {
		audit_rule_list_free(&list);
		return r;
	}
	*ret = list;
	return 0;
}

int audit_ctl_list_rules(struct audit_ctl *ctl, struct audit_rule_list *ret)
{
	return list_rules(ctl, NULL, ret);
}

void audit_rule_list_free(struct audit_rule_list *l)
{
	for (unsigned i = 0; i < l->count; i++)
		free(l->rule[i]);
	free(l->rule);
	free(l->size);
	memset(l, 0, sizeof(*l));
}

int audit_ctl_del_rules_with_key(struct audit_ctl *ctl, const char *key, unsigned *ret_deleted)
{
	struct audit_rule_list list = { 0 };
	unsigned deleted = 0;
	int r = list_rules(ctl, key, &list);

	/* Delete only after the list is complete: the kernel sends it from
	 * a snapshot, but one request at a time on this socket. */
	for (unsigned i = 0; r == 0 && i < list.count; i++) {
		r = audit_ctl_del_rule(ctl, list.rule[i], list.size[i]);
		if (r == 0)
			deleted++;
	}
	audit_rule_list_free(&list);
	if (r == 0)
		*ret_deleted = deleted;
	return r;
}

int audit_ctl_lock(struct audit_ctl *ctl)
{
	struct audit_status st = { .mask = AUDIT_STATUS_ENABLED, .enabled = 2 };
	struct request req = { 0 };

	return request(ctl, AUDIT_SET, 0, &st, sizeof(st), &req);
}

int audit_ctl_lock_loginuid(struct audit_ctl *ctl)
{
	uint32_t bit = AUDIT_FEATURE_TO_MASK(AUDIT_FEATURE_LOGINUID_IMMUTABLE);
	struct audit_features f = { .vers = AUDIT_FEATURE_VERSION, .mask = bit, .features = bit,
				    .lock = bit };
	struct request req = { 0 };

	return request(ctl, AUDIT_SET_FEATURE, 0, &f, sizeof(f), &req);
}

/* The reply: uid, pid, then the sender's security context (no NUL). */
struct signal_reply {
	struct audit_signal_info *info;
	bool got;
};

static int copy_signal_info(const struct nlmsghdr *h, void *arg)
{
	struct signal_reply *sr = arg;
	size_t len = h->nlmsg_len >= NLMSG_HDRLEN ? h->nlmsg_len - NLMSG_HDRLEN : 0;
	const unsigned char *p = NLMSG_DATA(h);
	uint32_t uid;
	int32_t pid;
	size_t ctx;

	if (len < 8)
		return -EPROTO;
	memcpy(&uid, p, 4);
	memcpy(&pid, p + 4, 4);
	ctx = len - 8 < sizeof(sr->info->ctx) - 1 ? len - 8 : sizeof(sr->info->ctx) - 1;
	sr->info->uid = uid;
	sr->info->pid = pid;
	memcpy(sr->info->ctx, p + 8, ctx);
	sr->info->ctx[ctx] = '\0';
	sr->info->ctx[strcspn(sr->info->ctx, "\n")] = '\0';
	sr->got = true;
	return 0;
}

int audit_ctl_get_signal_info(struct audit_ctl *ctl, struct audit_signal_info *ret_info)
{
	struct audit_signal_info info = { 0 };
	struct signal_reply sr = { &info, false };
	struct request req = { .end = END_AT_REPLY, .reply_type = AUDIT_SIGNAL_INFO,
			       .on_reply = copy_signal_info, .arg = &sr };
	int r = request(ctl, AUDIT_SIGNAL_INFO, 0, NULL, 0, &req);

	if (r == 0 && !sr.got)
		r = -EPROTO;
	if (r == 0)
		*ret_info = info;
	return r;
}

int audit_ctl_add_rule(struct audit_ctl *ctl, const struct audit_rule_data *rule, size_t size)
{
	struct request req = { 0 };

	return request(ctl, AUDIT_ADD_RULE, 0, rule, size, &req);
}

int audit_ctl_del_rule(struct audit_ctl *ctl, const struct audit_rule_data *rule, size_t size)
{
	struct request req = { 0 };

	return request(ctl, AUDIT_DEL_RULE, 0, rule, size, &req);
}

const char *audit_ctl_strerror(int negative_errno)
{
	switch (-negative_errno) {
	case EEXIST: return "another process is registered as the audit daemon";
	case EPERM: return "operation not permitted (needs root: CAP_AUDIT_CONTROL)";
	case ECONNREFUSED: return "the kernel refused the netlink connection";
	case EPROTONOSUPPORT: return "this kernel has no audit support (CONFIG_AUDIT)";
	default: return strerror(-negative_errno);
	}
}
