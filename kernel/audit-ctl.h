/* SPDX-License-Identifier: MIT */
/*
 * audit-ctl: requests to the kernel's audit subsystem over NETLINK_AUDIT
 * through libnl-3, each one acknowledged. libnl's -NLE_* codes stop here:
 * every function returns 0 or -errno (the kernel's own errno when it
 * refused the request).
 *
 * One struct audit_ctl is one netlink socket. Use a socket from one thread
 * at a time.
 */
#ifndef NEEDLE_AUDIT_CTL_H
#define NEEDLE_AUDIT_CTL_H

#include <linux/audit.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct audit_ctl;

/* The settings of struct audit_status that needle sets and restores. */
struct audit_setting {
	uint32_t bit;      /* AUDIT_STATUS_* */
	const char *name;  /* as auditctl -s and needle's config name it */
	size_t offset;     /* of the uint32_t in struct audit_status */
};
#define AUDIT_SETTINGS 5
extern const struct audit_setting audit_settings[AUDIT_SETTINGS];

static inline uint32_t *audit_setting_field(struct audit_status *s, unsigned i)
{
	return (uint32_t *)((char *)s + audit_settings[i].offset);
}

/* Opens a control socket. NULL with errno set on failure. */
struct audit_ctl *audit_ctl_open(void);
void audit_ctl_close(struct audit_ctl *ctl);

/* The socket's file descriptor and netlink port id. */
int audit_ctl_fd(const struct audit_ctl *ctl);
uint32_t audit_ctl_portid(const struct audit_ctl *ctl);

/* AUDIT_GET: the kernel's status. */
int audit_ctl_get_status(struct audit_ctl *ctl, struct audit_status *ret_status);

/* AUDIT_SET: sets the fields named in status->mask (AUDIT_STATUS_*).
 * Refuses failure = 2 (panic) and enabled = 2 (lock) with -EPERM before
 * sending anything: needle never sets them. */
int audit_ctl_set(struct audit_ctl *ctl, const struct audit_status *status);

/* Takes the sequence number the next request will carry. */
uint32_t audit_ctl_next_seq(struct audit_ctl *ctl);

/* AUDIT_SET of AUDIT_STATUS_PID with sequence number seq (from
 * audit_ctl_next_seq(), published to whoever reads the ack before the
 * send), sent without waiting: the data socket's listener sees the ack
 * among the records. */
int audit_ctl_send_set_pid(struct audit_ctl *ctl, uint32_t pid, uint32_t seq);

/* Joins the read-only multicast group (AUDIT_NLGRP_READLOG). */
int audit_ctl_join_readlog(struct audit_ctl *ctl);

/* Sets the socket's receive buffer, past rmem_max when permitted
 * (SO_RCVBUFFORCE). Returns the size the kernel granted (>= 0) or -errno. */
int64_t audit_ctl_set_rcvbuf(struct audit_ctl *ctl, uint64_t bytes);

/* AUDIT_GET_FEATURE: the kernel's feature bits (loginuid immutability). */
int audit_ctl_get_features(struct audit_ctl *ctl, struct audit_features *ret_features);

/* AUDIT_LIST_RULES: how many rules the kernel has loaded. */
int audit_ctl_count_rules(struct audit_ctl *ctl, unsigned *ret_count);

/* Rules in the kernel's binary form, each with its size. */
struct audit_rule_list {
	struct audit_rule_data **rule;
	size_t *size;
	unsigned count;
};

/* AUDIT_LIST_RULES: a copy of every rule the kernel has, in its order. */
int audit_ctl_list_rules(struct audit_ctl *ctl, struct audit_rule_list *ret);
void audit_rule_list_free(struct audit_rule_list *l);

/* Deletes every loaded rule whose key (-k) is key, or every rule when key
 * is NULL (auditctl -D); *ret_deleted counts them. */
int audit_ctl_del_rules_with_key(struct audit_ctl *ctl, const char *key, unsigned *ret_deleted);

/* The two changes that last until reboot, made only when the rules ask
 * (rulefile.h, rules_immutable = apply): enabled 2 (audit_ctl_set refuses
 * it), and loginuid made immutable with the feature locked. */
int audit_ctl_lock(struct audit_ctl *ctl);
int audit_ctl_lock_loginuid(struct audit_ctl *ctl);

/* AUDIT_SIGNAL_INFO: who last sent the registered daemon SIGTERM, SIGHUP,
 * SIGUSR1 or SIGUSR2, as the kernel noted it at the signal: the sender's
 * login uid (its uid when unset), pid and security context. */
struct audit_signal_info {
	uint32_t uid;
	int32_t pid;
	char ctx[256];
};
int audit_ctl_get_signal_info(struct audit_ctl *ctl, struct audit_signal_info *ret_info);

/* AUDIT_ADD_RULE / AUDIT_DEL_RULE of a rule in the kernel's binary form
 * (struct audit_rule_data followed by its string buffer). */
int audit_ctl_add_rule(struct audit_ctl *ctl, const struct audit_rule_data *rule, size_t size);
int audit_ctl_del_rule(struct audit_ctl *ctl, const struct audit_rule_data *rule, size_t size);

/* A readable name for -errno from these calls, with the audit meaning
 * where there is one (e.g. -EEXIST: another audit daemon is registered). */
const char *audit_ctl_strerror(int negative_errno);

#endif
