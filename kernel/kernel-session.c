/* SPDX-License-Identifier: MIT */
/*
 * kernel-session.c: the control sequences of kernel-session.h. State:
 * what the kernel had before needle (saved), which settings needle changed
 * (a bit each), the rules it added, whether it is registered.
 */
#include "kernel-session.h"
#include "ctl-child.h"
#include "recovery.h"
#include "rule-text.h"
#include "rules-load.h"
#include "rules.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REGISTER_TIMEOUT_MS 5000

/*
 * Before unregistering: the kernel sends what it queued to the registered
 * daemon only. Records still in its queue when needle unregisters (the
 * last requests' own, or any event's) would be dropped, so needle waits
 * until the kernel's backlog is empty, at most UNREGISTER_DRAIN_MS.
 */
#define UNREGISTER_DRAIN_MS 1000

struct kernel_session {
	kernel_say_fn *say;
	bool unicast;
	struct audit_ctl *ctl;     /* requests */
	struct audit_ctl *data;    /* records arrive here; NULL until opened */
	struct audit_status saved; /* the kernel's settings before needle */
	uint32_t changed;          /* AUDIT_STATUS_* bits needle changed */
	bool registered;
	bool recovered;            /* took over a killed needle's recovery note */
	bool adopted_rules;        /* a killed needle's default rules, removed at stop */
	bool restored;             /* kernel_session_restore() put everything back */
	bool locked;               /* the kernel's audit configuration is locked (enabled 2) */
	struct rule_set rules;     /* rules needle loaded (file, defaults), removed at stop */
	struct rulefile *rf;       /* the rules read at start; NULL: none */
	bool irreversible;         /* rules_immutable = apply */
	int64_t rule_setting[AUDIT_SETTINGS]; /* the rules' settings, where wants keep */
	struct rulewatch watch;    /* the kernel's rules against the last look */
	bool watch_failed;         /* listing the rules failed (said once) */
};

static void read_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(buf, size, "unknown");
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/*
 * Requests that change the kernel go out from a child process (ctl-child.h:
 * so that their records are whole events). If no child can be started,
 * from this process all the same: a setting matters more than its record.
 */
static void ctl_run(struct kernel_session *s, struct ctl_request *reqs, unsigned n)
{
	int r;

	if (!n)
		return;
	r = ctl_child_run(reqs, n);
	if (r == 0)
		return;
	s->say("cannot start a process for the kernel requests (%s): sending them from needle "
	       "itself, their records become events without an end",
	       strerror(-r));
	for (unsigned i = 0; i < n; i++) {
		struct ctl_request *q = &reqs[i];

		q->count = 0;
		q->result = q->op == CTL_SET	    ? audit_ctl_set(s->ctl, &q->status)
			    : q->op == CTL_ADD_RULE ? audit_ctl_add_rule(s->ctl, q->rule, q->size)
			    : q->op == CTL_DEL_RULE ? audit_ctl_del_rule(s->ctl, q->rule, q->size)
			    : q->op == CTL_DEL_KEY  ? audit_ctl_del_rules_with_key(s->ctl, q->key, &q->count)
			    : q->op == CTL_LOCK     ? audit_ctl_lock(s->ctl)
						    : audit_ctl_lock_loginuid(s->ctl);
	}
}

/* Sets kernel fields (field[k] for reqs[k]); names each the kernel refuses. */
static int set_fields(struct kernel_session *s, struct ctl_request *reqs, const unsigned *field,
		      unsigned n, const char *why)
{
	int status = 0;

	ctl_run(s, reqs, n);
	for (unsigned k = 0; k < n; k++)
		if (reqs[k].result < 0) {
			s->say("could not %s %s = %u: %s", why, audit_settings[field[k]].name,
			       *audit_setting_field(&reqs[k].status, field[k]),
			       audit_ctl_strerror(reqs[k].result));
			status = -EINVAL;
		}
	return status;
}

static void add_set(struct ctl_request *reqs, unsigned *field, unsigned *n, unsigned i,
		    uint32_t value)
{
	reqs[*n] = (struct ctl_request){ .op = CTL_SET, .status.mask = audit_settings[i].bit };
	*audit_setting_field(&reqs[*n].status, i) = value;
	field[(*n)++] = i;
}

/*
 * A locked kernel (enabled 2) refuses every change of a setting or a rule
 * until reboot. needle then changes nothing (each request would only be
 * refused, and logged by the kernel as a refusal): it says once what it
 * cannot do, and goes on collecting with the kernel as it is.
 */
static bool is_locked(struct kernel_session *s, const struct audit_status *now)
{
	if (now->enabled == 2)
		s->locked = true;
	return s->locked;
}

static void say_locked(struct kernel_session *s, const char *what)
{
	s->say("the kernel's audit configuration is locked (enabled 2) until reboot: %s", what);
}

int kernel_session_apply(struct kernel_session *s, const struct kernel_wants *w)
{
	struct ctl_request reqs[AUDIT_SETTINGS];
	unsigned field[AUDIT_SETTINGS], n = 0;
	struct audit_status now;
	char refused[256] = "";
	size_t len = 0;
	int r = audit_ctl_get_status(s->ctl, &now);

	if (r < 0) {
		s->say("cannot read the kernel's audit status: %s", audit_ctl_strerror(r));
		return r;
	}
	for (unsigned i = 0; i < AUDIT_SETTINGS; i++) {
		uint32_t bit = audit_settings[i].bit, cur = *audit_setting_field(&now, i);
		int64_t want = w->value[i];

		/* keep in the configuration: the rules' value, if they give one. */
		if (want == KERNEL_KEEP)
			want = s->rule_setting[i];
		if (want == KERNEL_KEEP) {
			if (!(s->changed & bit))
				continue;
			want = *audit_setting_field(&s->saved, i);
		}
		if ((uint64_t)want == cur)
			continue;
		if (is_locked(s, &now)) {
			int k = snprintf(refused + len, sizeof(refused) - len, "%s%s %" PRId64
					 " (the kernel has %u)", len ? ", " : "",
					 audit_settings[i].name, want, cur);

			if (k > 0 && (size_t)k < sizeof(refused) - len)
				len += (size_t)k;
			continue;
		}
		s->changed |= bit; /* even if refused: it may have half-applied */
		add_set(reqs, field, &n, i, (uint32_t)want);
	}
	if (len) {
		char what[400];

		snprintf(what, sizeof(what), "needle cannot set %s; it collects with the kernel's "
					     "settings as they are",
			 refused);
		say_locked(s, what);
		return 0;
	}
	return set_fields(s, reqs, field, n, "set");
}

void kernel_session_use_rules(struct kernel_session *s, struct rulefile *rf,
			      const struct kernel_wants *w, bool irreversible)
{
	s->rf = rf;
	s->irreversible = irreversible;
	for (unsigned i = 0; i < AUDIT_SETTINGS; i++) {
		const struct rulefile_setting *set = &rf->setting[i];

		/* Kept even where the configuration wins now: a SIGHUP to keep
		 * takes the rules' value. */
		s->rule_setting[i] = set->set ? set->value : KERNEL_KEEP;
		if (set->set && w->value[i] != KERNEL_KEEP && w->value[i] != (int64_t)set->value)
			s->say("%s:%u: '%s' not applied: needle's configuration sets %s = %" PRId64
			       " (set %s = keep to take the rules' value)",
			       set->at.file, set->at.line, set->text, audit_settings[i].name,
			       w->value[i], audit_settings[i].name);
	}
}

/*
 * Back to the saved settings. When audit goes back off, first: with audit
 * off the kernel logs no rule or setting change, so what needle undoes
 * after it makes no record that could end up cut at the stop.
 */
static int restore_settings(struct kernel_session *s)
{
	struct ctl_request reqs[AUDIT_SETTINGS];
	unsigned field[AUDIT_SETTINGS], n = 0;
	int status;

	for (unsigned i = 0; i < AUDIT_SETTINGS; i++)
		if (s->changed & audit_settings[i].bit)
			add_set(reqs, field, &n, i, *audit_setting_field(&s->saved, i));
	status = set_fields(s, reqs, field, n, "restore");
	if (status < 0)
		s->say("set what could not be restored by hand ('auditctl -s' shows the state)");
	s->changed = 0;
	return status;
}

/* At stop, before the rules go: audit back off if that is how needle
 * found it (above). */
static int restore_enabled_first(struct kernel_session *s)
{
	struct ctl_request req;
	unsigned field, n = 0;
	int r;

	if (!(s->changed & AUDIT_STATUS_ENABLED) || s->saved.enabled != 0)
		return 0;
	add_set(&req, &field, &n, 0, 0);
	r = set_fields(s, &req, &field, n, "restore");
	if (r == 0)
		s->changed &= ~AUDIT_STATUS_ENABLED;
	return r;
}

static void run_requests(void *arg, struct ctl_request *reqs, unsigned n)
{
	ctl_run(arg, reqs, n);
}

void kernel_session_load_rules(struct kernel_session *s, bool default_rules)
{
	struct rules_load ld = { s->say, run_requests, s, &s->rules };
	struct audit_status now;
	unsigned count = 0;
	int r;

	if (audit_ctl_get_status(s->ctl, &now) == 0 && is_locked(s, &now)) {
		if (s->rf || default_rules)
			say_locked(s, "needle loads no rules; the kernel keeps those it has");
		return;
	}
	if (s->rf)
		rules_load_file(&ld, s->rf);
	r = audit_ctl_count_rules(s->ctl, &count);
	if (r < 0 && default_rules)
		s->say("cannot list the kernel's rules (%s); default rules not loaded",
		       audit_ctl_strerror(r));
	else if (s->adopted_rules && count)
		s->say("keeping the %u audit rule(s) loaded; the %s ones a killed needle left are "
		       "removed at stop",
		       count, RULES_DEFAULT_KEY);
	else if (default_rules && count)
		s->say("%u audit rule(s) loaded: default rules not added", count);
	else if (default_rules)
		rules_load_default(&ld);
	if (s->rf && rules_load_irreversible(&ld, s->rf, s->irreversible))
		s->locked = true;
}

static void remove_rules(struct kernel_session *s)
{
	struct ctl_request *reqs = s->rules.count ? calloc(s->rules.count, sizeof(*reqs)) : NULL;
	unsigned n = s->rules.count;

	if (n && !reqs) {
		s->say("out of memory: rules not removed; remove them with auditctl -D -k %s",
		       RULES_DEFAULT_KEY);
		n = 0;
	}
	/* Last loaded first. */
	for (unsigned k = 0; k < n; k++)
		reqs[k] = (struct ctl_request){ .op = CTL_DEL_RULE, .rule = s->rules.rule[n - 1 - k],
						.size = rules_size(s->rules.rule[n - 1 - k]) };
	ctl_run(s, reqs, n);
	for (unsigned k = 0; k < n; k++)
		if (reqs[k].result < 0 && reqs[k].result != -ENOENT)
			s->say("could not remove rule '%s': %s; remove it with auditctl -D -k %s",
			       s->rules.text[n - 1 - k], audit_ctl_strerror(reqs[k].result),
			       RULES_DEFAULT_KEY);
	free(reqs);
	rules_free(&s->rules);
}

/* Every rule with needle's default key (a killed needle's), from a child. */
static int remove_keyed_rules(struct kernel_session *s, unsigned *ret_deleted)
{
	struct ctl_request req = { .op = CTL_DEL_KEY, .key = RULES_DEFAULT_KEY };

	ctl_run(s, &req, 1);
	*ret_deleted = req.count;
	return req.result;
}

bool kernel_session_restore(struct kernel_session *s)
{
	struct audit_status now;
	bool restored;

	if (audit_ctl_get_status(s->ctl, &now) == 0 && is_locked(s, &now)) {
		if (s->rules.count || s->changed)
			say_locked(s, "needle's rules and the settings it changed stay as they are");
		rules_free(&s->rules);
		s->changed = 0;
		s->restored = true; /* nothing left that a later start could do */
		return true;
	}
	restored = restore_enabled_first(s) == 0;

	remove_rules(s);
	if (s->adopted_rules) {
		unsigned deleted;

		if (remove_keyed_rules(s, &deleted) < 0)
			s->say("could not remove the %s rules; remove them with auditctl -D -k %s",
			       RULES_DEFAULT_KEY, RULES_DEFAULT_KEY);
	}
	restored = restore_settings(s) == 0 && restored;
	s->restored = restored;
	return restored;
}

bool kernel_session_drain(struct kernel_session *s)
{
	struct audit_status k;
	unsigned count;
	int ms;

	if (!s->registered)
		return false;
	for (ms = 0; ms < UNREGISTER_DRAIN_MS; ms++) {
		struct timespec ts = { 0, 1000000 };

		if (audit_ctl_get_status(s->ctl, &k) < 0 || k.backlog == 0)
			break;
		nanosleep(&ts, NULL);
	}
	if (ms == UNREGISTER_DRAIN_MS)
		s->say("the kernel still had %u record(s) queued after %d ms; unregistering all the "
		       "same (what it queues from now on reaches no log: the next start counts it, "
		       "cause restart)",
		       k.backlog, UNREGISTER_DRAIN_MS);
	return audit_ctl_count_rules(s->ctl, &count) == 0 && count > 0;
}

int kernel_session_register(struct kernel_session *s, const struct kernel_ack_reader *ack)
{
	uint32_t seq = audit_ctl_next_seq(s->data);
	int r;

	/* Before the send: the ack may come back at once. */
	ack->expect(ack->arg, seq);
	r = audit_ctl_send_set_pid(s->data, (uint32_t)getpid(), seq);
	if (r == 0)
		r = ack->wait(ack->arg, REGISTER_TIMEOUT_MS);
	if (r == 0) {
		s->registered = true;
		return 0;
	}
	if (r != -ECANCELED) /* else the reader failed: its owner says why */
		s->say("cannot register as the audit daemon: %s", audit_ctl_strerror(r));
	return r;
}

void kernel_session_unregister(struct kernel_session *s)
{
	struct audit_status off = { .mask = AUDIT_STATUS_PID, .pid = 0 }, now;
	int r;

	/* After a timed-out ack the kernel may have registered us anyway. */
	if (s->registered || (audit_ctl_get_status(s->ctl, &now) == 0 &&
			      now.pid == (uint32_t)getpid())) {
		r = audit_ctl_set(s->ctl, &off);
		if (r < 0)
			s->say("could not unregister: %s (the kernel unregisters a dead socket by "
			       "itself)",
			       audit_ctl_strerror(r));
		s->registered = false;
	}
	/* Kept when a setting could not be restored: the next start retries. */
	if (s->unicast && s->restored)
		recovery_clear(RECOVERY_PATH);
}

/*
 * A needle killed before it could restore left its note (recovery.h) of
 * the settings it found. This needle takes that note over instead of
 * putting the kernel back first: restoring and then applying its own
 * settings would leave a moment with audit off (or a smaller backlog)
 * while the workload runs, and events the kernel never numbers cannot be
 * counted by anyone. So: the killed needle's original settings become
 * this one's to restore at stop (every field it had changed is marked),
 * and its default rules are kept when this needle wants them too (removed
 * at stop), else deleted once this needle is registered (so the kernel's
 * records of it reach the log).
 */
static bool recovery_take_over(struct kernel_session *s)
{
	struct audit_status old;
	char err[512];
	pid_t pid;
	int r = recovery_load(RECOVERY_PATH, &pid, &old, err, sizeof(err));

	if (r == -ENOENT)
		return false;
	if (r < 0) {
		s->say("%s; not restoring from it", err);
		recovery_clear(RECOVERY_PATH);
		return false;
	}
	s->say("needle pid %d stopped without restoring the kernel (killed?): taking over its "
	       "note %s, the settings it found are restored when this needle stops",
	       (int)pid, RECOVERY_PATH);
	/* s->saved held the kernel's settings now: what differs, the
	 * killed needle changed. */
	for (unsigned i = 0; i < AUDIT_SETTINGS; i++)
		if (*audit_setting_field(&s->saved, i) != *audit_setting_field(&old, i))
			s->changed |= audit_settings[i].bit;
	s->saved = old;
	return true;
}

void kernel_session_adopt_rules(struct kernel_session *s, bool default_rules)
{
	unsigned deleted = 0;

	if (!s->recovered || s->locked)
		return;
	if (default_rules) {
		s->adopted_rules = true;
		return;
	}
	if (remove_keyed_rules(s, &deleted) == 0 && deleted)
		s->say("removed %u %s rule(s) the killed needle left", deleted, RULES_DEFAULT_KEY);
}

static int refuse_other_daemon(struct kernel_session *s, const struct audit_status *k)
{
	char comm[64];

	if (k->pid == 0 || (kill((pid_t)k->pid, 0) < 0 && errno == ESRCH))
		return 0;
	read_comm((pid_t)k->pid, comm, sizeof(comm));
	if (strcmp(comm, "needle") == 0)
		s->say("process %u (needle) is registered as the audit daemon: needle is already "
		       "running. 'needle stat' shows it; 'kill %u' stops it (it restores the kernel "
		       "as it stops). needle does not take the socket over.",
		       k->pid, k->pid);
	else
		s->say("process %u (%s) is registered as the audit daemon. Stop it first "
		       "(e.g. 'service auditd stop' or 'kill %u'), or run needle beside it with "
		       "mode = multicast. needle does not take the socket over.",
		       k->pid, comm, k->pid);
	return -EEXIST;
}

struct kernel_session *kernel_session_open(bool unicast, kernel_say_fn *say)
{
	struct kernel_session *s = calloc(1, sizeof(*s));
	int r;

	if (!s) {
		say("out of memory");
		return NULL;
	}
	s->say = say;
	s->unicast = unicast;
	for (unsigned i = 0; i < AUDIT_SETTINGS; i++)
		s->rule_setting[i] = KERNEL_KEEP;
	s->ctl = audit_ctl_open();
	if (!s->ctl) {
		say("cannot open the audit netlink socket: %s", audit_ctl_strerror(-errno));
		goto free_session;
	}
	if (audit_ctl_get_status(s->ctl, &s->saved) < 0) {
		say("cannot read the kernel's audit status");
		goto close_ctl;
	}
	if (!unicast)
		return s;
	if (s->saved.enabled == 2) {
		s->locked = true;
		say_locked(s, "needle registers and collects with the rules and settings the kernel "
			      "has; it cannot change them, nor remove them at stop");
	}
	if (refuse_other_daemon(s, &s->saved) < 0)
		goto close_ctl;
	s->recovered = recovery_take_over(s);
	/* Before the first change, so a killed needle can be undone. */
	r = recovery_save(RECOVERY_PATH, getpid(), &s->saved);
	if (r < 0)
		say("cannot write %s (%s): if needle is killed, the next start cannot restore the "
		    "kernel settings",
		    RECOVERY_PATH, strerror(-r));
	return s;

close_ctl:
	audit_ctl_close(s->ctl);
free_session:
	free(s);
	return NULL;
}

int kernel_session_open_data(struct kernel_session *s)
{
	s->data = audit_ctl_open();
	if (!s->data) {
		s->say("cannot open the audit data socket: %s", audit_ctl_strerror(-errno));
		return -EIO;
	}
	return 0;
}

int kernel_session_data_fd(const struct kernel_session *s)
{
	return s->data ? audit_ctl_fd(s->data) : -1;
}

int kernel_session_join_multicast(struct kernel_session *s)
{
	int r = audit_ctl_join_readlog(s->data);

	if (r < 0)
		s->say("cannot join the audit multicast group: %s (needs CAP_AUDIT_READ)",
		       audit_ctl_strerror(r));
	return r;
}

void kernel_session_set_rcvbuf(struct kernel_session *s, uint64_t bytes, struct kernel_snapshot *k)
{
	int64_t granted = audit_ctl_set_rcvbuf(s->data, bytes);

	kernel_snapshot_set_rcvbuf(k, granted > 0 ? granted : 0);
	if (granted < 0)
		s->say("socket_buffer: cannot set the receive buffer: %s", strerror((int)-granted));
	else if ((uint64_t)granted < bytes)
		s->say("socket_buffer: asked for %" PRIu64 " bytes, the kernel granted %" PRId64,
		       bytes, granted);
}

void kernel_session_poll(struct kernel_session *s, struct kernel_snapshot *k)
{
	kernel_snapshot_poll(k, s->ctl, kernel_session_data_fd(s));
}

void kernel_session_say_features(struct kernel_session *s)
{
	struct audit_features features;

	if (audit_ctl_get_features(s->ctl, &features) == 0 &&
	    (features.features & (1u << AUDIT_FEATURE_LOGINUID_IMMUTABLE)))
		s->say("kernel feature: loginuid is immutable");
}

/* Rules others changed: said at most this many per look, then a count. */
#define RULES_SAID_MAX 20

struct rule_report {
	struct kernel_session *s;
	unsigned said, more;
};

static void report_rule(void *arg, bool added, const struct audit_rule_data *rule, size_t size)
{
	struct rule_report *rr = arg;
	char text[1024];

	if (rr->said == RULES_SAID_MAX) {
		rr->more++;
		return;
	}
	rr->said++;
	rule_text(rule, size, text, sizeof(text));
	rr->s->say("warning: audit rule %s by another process: %s", added ? "added" : "removed",
		   text);
}

void kernel_session_watch_rules(struct kernel_session *s, struct kernel_snapshot *k)
{
	struct audit_rule_list now;
	struct rule_report rr = { s, 0, 0 };
	int r = audit_ctl_list_rules(s->ctl, &now);
	unsigned count = now.count;

	if (r < 0) {
		if (!s->watch_failed)
			s->say("cannot list the kernel's rules (%s): changes to them are not watched",
			       audit_ctl_strerror(r));
		s->watch_failed = true;
		return;
	}
	s->watch_failed = false;
	r = rulewatch_check(&s->watch, &now, report_rule, &rr);
	if (r < 0)
		s->say("out of memory comparing the kernel's rules; tried again at the next check");
	if (rr.more)
		s->say("warning: and %u more audit rule(s) changed by another process ('auditctl -l' "
		       "lists the kernel's rules)",
		       rr.more);
	if (r > 0)
		s->say("the kernel has %u audit rule(s) now; at stop needle removes the %u it loaded "
		       "and no other",
		       count, s->rules.count);
	kernel_snapshot_set_rules(k, count, s->watch.added, s->watch.removed);
}

int kernel_session_signal_info(struct kernel_session *s, struct audit_signal_info *ret)
{
	if (!s->registered)
		return -ENOENT;
	return audit_ctl_get_signal_info(s->ctl, ret);
}

void kernel_session_close(struct kernel_session *s)
{
	if (!s)
		return;
	audit_ctl_close(s->data);
	audit_ctl_close(s->ctl);
	rules_free(&s->rules);
	rulewatch_free(&s->watch);
	free(s);
}
