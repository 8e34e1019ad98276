/* SPDX-License-Identifier: MIT */
/*
 * kernel-session: needle's turn as the kernel's audit daemon, from taking the
 * kernel over to giving it back as it was found.
 *
 *   kernel_session_open       read the settings (kept to restore them);
 *                             unicast: refuse a locked kernel or another
 *                             live daemon, take over a killed needle's
 *                             recovery note, write this one's
 *   kernel_session_open_data  the socket the records arrive on (+ multicast)
 *   kernel_session_register   AUDIT_SET pid; the ack comes among the records
 *   kernel_session_use_rules  the rules file's settings, where keep
 *   kernel_session_apply      settings as configured (again on SIGHUP)
 *   kernel_session_load_rules the rules file, then the default rules when
 *                             the kernel has none, then -e 2 if asked
 *   kernel_session_watch_rules the kernel's rules against the last look
 *     ... collecting ...
 *   kernel_session_restore    audit off first (if found off), rules needle
 *                             added removed, settings restored
 *   kernel_session_drain      wait for the kernel's backlog to empty
 *   kernel_session_unregister pid 0: the kernel stops sending; the
 *                             recovery note goes once all was restored
 *   kernel_session_close      the sockets
 *
 * Invariants: a setting needle never changed is never written; one it
 * changed is restored at stop even when the change was refused (it may
 * have half-applied); the rules needle loaded (its rules file's, its
 * default ones) are removed at stop and no other. A locked kernel
 * (enabled 2) refuses every change: needle then sends none, says what it
 * cannot do, and collects with the kernel as it is.
 * The recovery note (recovery.h) is written before the first change and
 * kept while anything could not be restored, so the next start retries.
 *
 * Requests that change the kernel go out from a short-lived child process
 * (ctl-child.h), so that their records are whole events. Main thread only.
 * Nothing here logs by itself: each failure is said once, through the say
 * function given at open, with what to do about it.
 */
#ifndef NEEDLE_KERNEL_SESSION_H
#define NEEDLE_KERNEL_SESSION_H

#include "audit-ctl.h"
#include "rulefile.h"
#include "rulewatch.h"
#include "status.h"

#include <stdbool.h>
#include <stdint.h>

struct kernel_session;

/* The caller's log: one line, no newline, printf format. */
typedef void kernel_say_fn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* What needle wants of the kernel's settings, in audit_settings[] order
 * (audit-ctl.h). KERNEL_KEEP: leave the kernel's value, or put back the
 * one needle found if it had changed it. */
#define KERNEL_KEEP INT64_MIN
struct kernel_wants {
	int64_t value[AUDIT_SETTINGS];
};

/* Opens the request socket and reads the kernel's settings. unicast: as
 * above. NULL when needle cannot go on (said why). */
struct kernel_session *kernel_session_open(bool unicast, kernel_say_fn *say);

/* The socket the records arrive on; kernel_session_data_fd() is -1 until
 * it is open. 0 or -errno (said). */
int kernel_session_open_data(struct kernel_session *s);
int kernel_session_data_fd(const struct kernel_session *s);

/* Multicast mode: the data socket joins the read-only group (changes
 * nothing in the kernel). 0 or -errno (said). */
int kernel_session_join_multicast(struct kernel_session *s);

/* The data socket's receive buffer (at start, and on SIGHUP): what the
 * kernel granted goes to k; a refusal or a smaller grant is said. */
void kernel_session_set_rcvbuf(struct kernel_session *s, uint64_t bytes, struct kernel_snapshot *k);

/* The ack of a request on the data socket comes back among the records,
 * to whoever reads them: before the send, expect(arg, seq) tells it which
 * sequence to look for; wait(arg, timeout_ms) then returns the kernel's
 * answer (0 or -errno), -ECANCELED when the reader is gone, -ETIMEDOUT. */
struct kernel_ack_reader {
	void (*expect)(void *arg, uint32_t seq);
	int (*wait)(void *arg, unsigned timeout_ms);
	void *arg;
};

/* Registers this process as the audit daemon on the data socket. 0 or
 * -errno (said, but for -ECANCELED: the reader's failure is said by its
 * owner). */
int kernel_session_register(struct kernel_session *s, const struct kernel_ack_reader *ack);

/* Right after registering: a killed needle's default rules (recovery
 * note) are kept when default_rules wants them too (removed at stop), else
 * deleted now, so the kernel's records of it reach the log. */
void kernel_session_adopt_rules(struct kernel_session *s, bool default_rules);

/* Brings the kernel's settings to w. Field by field, so one refusal leaves
 * the others right; each refusal is said. 0 or -errno. */
int kernel_session_apply(struct kernel_session *s, const struct kernel_wants *w);

/* The rules read at start (rulefile.h; rf stays the caller's, alive until
 * kernel_session_close): where w keeps a setting, the rules' value is
 * applied instead (now and on SIGHUP); where w sets another value, the
 * rules' line is said, with the key that sets it. irreversible: apply the
 * rules' -e 2 and --loginuid-immutable (rules_immutable = apply), else
 * say them skipped. Before kernel_session_apply. */
void kernel_session_use_rules(struct kernel_session *s, struct rulefile *rf,
			      const struct kernel_wants *w, bool irreversible);

/* The rules: the file's lines in order (a refused rule said at its line,
 * the others loaded), then the default rules (rules.h) when default_rules
 * and the kernel still has none (the rules a killed needle left are kept
 * instead when adopted), then what lasts until reboot. On a locked kernel
 * nothing is sent (said). */
void kernel_session_load_rules(struct kernel_session *s, bool default_rules);

/* The rule watch (rulewatch.h): the first call takes the kernel's rules as
 * they are; each later one says every rule another process added or
 * removed since, by its auditctl -l text, and puts the counts in k. */
void kernel_session_watch_rules(struct kernel_session *s, struct kernel_snapshot *k);

/* Who sent the last SIGTERM (or SIGHUP, SIGUSR1, SIGUSR2) to the
 * registered needle, as the kernel noted it. -ENOENT when not registered. */
int kernel_session_signal_info(struct kernel_session *s, struct audit_signal_info *ret);

/* The poll of the kernel snapshot (status.h), data socket included. */
void kernel_session_poll(struct kernel_session *s, struct kernel_snapshot *k);

/* Says the kernel features worth knowing (loginuid immutable). */
void kernel_session_say_features(struct kernel_session *s);

/* At stop: audit back off first when needle found it off (so what is
 * undone after makes no record), the rules needle added (or adopted)
 * removed, every setting it changed restored. False when a setting could
 * not be restored (said, with what to do). */
bool kernel_session_restore(struct kernel_session *s);

/* Registered: waits until the kernel's backlog is empty (it sends what it
 * queued to the registered daemon only), at most a second. Returns true
 * when rules are still loaded: the kernel's record of the unregistering
 * is then an event of its own (ctl-child.h). False when not registered. */
bool kernel_session_drain(struct kernel_session *s);

/* Unregisters (pid 0), also after an ack that timed out but may have
 * registered needle all the same. Then, in unicast, the recovery note goes
 * when kernel_session_restore() put everything back (else it stays: the
 * next start retries). */
void kernel_session_unregister(struct kernel_session *s);

/* Closes the sockets and frees. NULL is fine. */
void kernel_session_close(struct kernel_session *s);

#endif
