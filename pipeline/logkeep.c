/* SPDX-License-Identifier: MIT */
/* logkeep.c: rotation by time and the space policy's actions (logkeep.h). */
#include "logkeep.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct kept {
	struct sink *s;
	int64_t period;          /* the hour or day its current file belongs to */
	bool suspended;          /* as this module left it */
	uint64_t suspended_base; /* its suspended_events when suspended */
};

struct logkeep {
	char dir[512];
	struct kept sinks[LOGKEEP_MAX_SINKS];
	unsigned n;
	struct logkeep_settings set;
	struct space_state state;
	logkeep_say_fn *say;
	time_t (*now)(void);
	int (*statvfs)(const char *path, struct statvfs *ret);
	bool statvfs_said;       /* its failure is said once until it works */
	bool reopen_said;        /* a failed reopen is said once per suspension */
	time_t suspended_at;
	_Atomic uint64_t free_bytes;
	atomic_bool free_known;
};

static time_t system_now(void)
{
	return time(NULL);
}

/* The hour or the day of t in local time, as a number that changes when
 * a new one begins. */
static int64_t period_of(enum logkeep_every every, time_t t)
{
	struct tm tm;

	if (every == LOGKEEP_EVERY_NONE || !localtime_r(&t, &tm))
		return 0;
	if (every == LOGKEEP_EVERY_DAY)
		return (int64_t)tm.tm_year * 400 + tm.tm_yday;
	return ((int64_t)tm.tm_year * 400 + tm.tm_yday) * 24 + tm.tm_hour;
}

/* Each file's period: from_files, the period of its last write when it
 * holds something (a file from an earlier hour rotates at the first
 * check), else now's. */
static void set_periods(struct logkeep *k, bool from_files)
{
	time_t now = k->now();

	for (unsigned i = 0; i < k->n; i++) {
		struct stat st;
		time_t t = now;

		if (from_files && stat(sink_path(k->sinks[i].s), &st) == 0 && st.st_size > 0 &&
		    st.st_mtime < now)
			t = st.st_mtime;
		k->sinks[i].period = period_of(k->set.rotate_every, t);
	}
}

struct logkeep *logkeep_new(const char *dir, struct sink *const *sinks, unsigned n,
			    const struct logkeep_settings *s, logkeep_say_fn *say)
{
	struct logkeep *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	snprintf(k->dir, sizeof(k->dir), "%s", dir);
	for (unsigned i = 0; i < n && k->n < LOGKEEP_MAX_SINKS; i++)
		if (sinks[i] && sink_path(sinks[i])[0])
			k->sinks[k->n++].s = sinks[i];
	k->set = *s;
	k->say = say;
	k->now = system_now;
	k->statvfs = statvfs;
	tzset(); /* localtime_r() need not read TZ itself */
	set_periods(k, true);
	return k;
}

void logkeep_free(struct logkeep *k)
{
	free(k);
}

void logkeep_set(struct logkeep *k, const struct logkeep_settings *s)
{
	bool every_changed = s->rotate_every != k->set.rotate_every;

	k->set = *s;
	space_reset(&k->state);
	if (every_changed)
		set_periods(k, false);
}

static void say_mib(char *buf, size_t size, uint64_t bytes)
{
	snprintf(buf, size, "%.1f MiB", (double)bytes / (1 << 20));
}

static const char *level_key(enum space_level l)
{
	return l == SPACE_LOW ? "space_left" : l == SPACE_ADMIN ? "admin_space_left" : "disk_full";
}

static const char *doing(enum space_action a)
{
	switch (a) {
	case SPACE_IGNORE: return "do nothing";
	case SPACE_SYSLOG: return "warn";
	case SPACE_ROTATE: return "rotate the logs";
	case SPACE_SUSPEND: return "suspend writing";
	}
	return "?";
}

/* A level just entered, said as its action says (ignore below a
 * threshold: nothing; a full disk is always said, as auditd does). */
static void say_entered(struct logkeep *k, enum space_level l, const struct space_verdict *v,
			uint64_t free)
{
	const enum space_action *act = k->set.space.action;
	char at[64], thr[64], back[64], next[160] = "";

	say_mib(at, sizeof(at), free);
	say_mib(thr, sizeof(thr), v->threshold[l]);
	say_mib(back, sizeof(back),
		v->threshold[l == SPACE_FULL ? SPACE_ADMIN : l] + SPACE_MARGIN);
	if (act[l] == SPACE_IGNORE && l != SPACE_FULL)
		return;
	if (l == SPACE_FULL)
		k->say("warning: log_dir %s is full (%s free, or a write found no space): %s "
		       "(disk_full_action = %s)",
		       k->dir, at,
		       act[l] == SPACE_SUSPEND ? "writing suspended; events are counted lost"
		       : act[l] == SPACE_ROTATE ? "rotating the logs each second while it stays "
						  "full, each rotation deleting the oldest generation"
						: "writes fail and their events are counted lost",
		       space_action_name(act[l]));
	if (l == SPACE_LOW)
		snprintf(next, sizeof(next), "; below admin_space_left needle will %s, on a full "
					     "disk %s",
			 doing(act[SPACE_ADMIN]), doing(act[SPACE_FULL]));
	else if (l == SPACE_ADMIN)
		snprintf(next, sizeof(next), "; on a full disk needle will %s", doing(act[SPACE_FULL]));
	if (l != SPACE_FULL && act[l] == SPACE_SYSLOG)
		k->say("warning: log_dir %s: %s free, below %s (%s): make room there%s", k->dir, at,
		       level_key(l), thr, next);
	else if (l != SPACE_FULL && act[l] == SPACE_ROTATE)
		k->say("warning: log_dir %s: %s free, below %s (%s): rotating the logs each second "
		       "while it stays so, each rotation deleting the oldest generation "
		       "(%s_action = rotate)%s",
		       k->dir, at, level_key(l), thr, level_key(l), next);
	else if (l != SPACE_FULL)
		k->say("warning: log_dir %s: %s free, below %s (%s): writing suspended (%s_action = "
		       "suspend)%s",
		       k->dir, at, level_key(l), thr, level_key(l), next);
	if (act[l] == SPACE_SUSPEND)
		k->say("while writing is suspended events are counted lost (sink losses, as "
		       "suspended events); it resumes once log_dir has %s free "
		       "(checked each second; SIGUSR2 checks at once)",
		       back);
}

static void suspend_all(struct logkeep *k)
{
	bool any = false;

	for (unsigned i = 0; i < k->n; i++) {
		struct kept *kp = &k->sinks[i];
		struct sink_stats st;
		int r;

		if (kp->suspended || !sink_regular(kp->s))
			continue;
		sink_get_stats(kp->s, &st);
		kp->suspended_base = st.suspended_events;
		kp->suspended = true;
		any = true;
		if ((r = sink_suspend(kp->s)) < 0)
			k->say("closing %s to suspend writing: %s: its last events may not be on disk",
			       sink_path(kp->s), strerror(-r));
	}
	if (any) {
		k->suspended_at = k->now();
		k->reopen_said = false;
	}
}

/* Every suspended file reopened; one that cannot be stays suspended and
 * is tried again at the next check. */
static void resume_all(struct logkeep *k, uint64_t free)
{
	char lost[512] = "", at[64];
	size_t len = 0;
	bool any = false, failed = false;

	for (unsigned i = 0; i < k->n; i++) {
		struct kept *kp = &k->sinks[i];
		struct sink_stats st;
		const char *base;
		int r;

		if (!kp->suspended)
			continue;
		if ((r = sink_resume(kp->s)) < 0) {
			failed = true;
			if (!k->reopen_said)
				k->say("cannot reopen %s to resume writing: %s; writing stays suspended "
				       "and is tried again each second",
				       sink_path(kp->s), strerror(-r));
			continue;
		}
		kp->suspended = false;
		any = true;
		sink_get_stats(kp->s, &st);
		base = strrchr(sink_path(kp->s), '/');
		len += (size_t)snprintf(lost + len, len < sizeof(lost) ? sizeof(lost) - len : 0,
					"%s%s %" PRIu64, len ? ", " : "", base ? base + 1 : sink_path(kp->s),
					st.suspended_events - kp->suspended_base);
		if (len >= sizeof(lost))
			len = sizeof(lost) - 1;
	}
	k->reopen_said |= failed;
	if (!any)
		return;
	say_mib(at, sizeof(at), free);
	k->say("log_dir %s: %s free: writing resumed after %lld s suspended; events not written "
	       "(counted lost): %s",
	       k->dir, at, (long long)(k->now() - k->suspended_at), lost);
}

static void rotate_all(struct logkeep *k)
{
	for (unsigned i = 0; i < k->n; i++)
		if (sink_regular(k->sinks[i].s))
			sink_rotate(k->sinks[i].s, false); /* a failure is counted (watch warns) */
}

void logkeep_check(struct logkeep *k)
{
	struct space_sample sample = { 0 };
	struct space_verdict v;
	struct statvfs fs;
	bool want_suspended;

	if (k->statvfs(k->dir, &fs) < 0) {
		if (!k->statvfs_said)
			k->say("cannot read the free space of log_dir %s: %s; the space policy waits "
			       "until it can",
			       k->dir, strerror(errno));
		k->statvfs_said = true;
		atomic_store_explicit(&k->free_known, false, memory_order_relaxed);
		return;
	}
	k->statvfs_said = false;
	sample.block = fs.f_frsize ? fs.f_frsize : fs.f_bsize;
	sample.free = (uint64_t)fs.f_bavail * sample.block;
	sample.size = (uint64_t)fs.f_blocks * sample.block;
	for (unsigned i = 0; i < k->n; i++)
		sample.full_seen |= sink_take_full(k->sinks[i].s) && sink_regular(k->sinks[i].s);
	atomic_store_explicit(&k->free_bytes, sample.free, memory_order_relaxed);
	atomic_store_explicit(&k->free_known, true, memory_order_relaxed);
	space_check(&k->set.space, &k->state, &sample, &v);
	for (int l = SPACE_LOW; l < SPACE_LEVELS; l++) {
		char at[64];

		if (v.entered[l])
			say_entered(k, (enum space_level)l, &v, sample.free);
		say_mib(at, sizeof(at), sample.free);
		if (v.left[l] && k->set.space.action[l] == SPACE_ROTATE)
			k->say("log_dir %s: %s free: no longer %s (%s_action = rotate): rotating by "
			       "space stops",
			       k->dir, at, l == SPACE_FULL ? "full" : "below the threshold",
			       level_key((enum space_level)l));
	}
	if (v.rotate)
		rotate_all(k);
	want_suspended = k->state.suspended;
	if (want_suspended)
		suspend_all(k); /* only the files not suspended yet */
	else
		resume_all(k, sample.free); /* only the files still suspended */
}

static void rotate_by_time(struct logkeep *k)
{
	int64_t now;
	unsigned rotated = 0;

	if (k->set.rotate_every == LOGKEEP_EVERY_NONE)
		return;
	now = period_of(k->set.rotate_every, k->now());
	for (unsigned i = 0; i < k->n; i++) {
		struct kept *kp = &k->sinks[i];
		int r = 0;

		if (kp->period == now)
			continue;
		if (!sink_regular(kp->s) || (r = sink_rotate(kp->s, true)) >= 0) {
			rotated += r > 0;
			kp->period = now;
		}
		/* else: counted (watch warns); tried again at the next check */
	}
	if (rotated)
		k->say("rotated %u log file(s): a new %s began (rotate_every = %s, local time)",
		       rotated, k->set.rotate_every == LOGKEEP_EVERY_DAY ? "day" : "hour",
		       k->set.rotate_every == LOGKEEP_EVERY_DAY ? "daily" : "hourly");
}

void logkeep_tick(struct logkeep *k)
{
	rotate_by_time(k);
	logkeep_check(k);
}

void logkeep_rotate(struct logkeep *k, const char *why)
{
	unsigned rotated = 0;

	for (unsigned i = 0; i < k->n; i++) {
		int r;

		if (!sink_regular(k->sinks[i].s))
			continue;
		if ((r = sink_rotate(k->sinks[i].s, false)) < 0)
			k->say("%s: cannot rotate %s: %s (every generation kept as it was)", why,
			       sink_path(k->sinks[i].s), strerror(-r));
		else
			rotated += r > 0;
	}
	k->say("%s: rotated %u log file(s)", why, rotated);
}

bool logkeep_free_bytes(const struct logkeep *k, uint64_t *ret)
{
	if (!atomic_load_explicit(&k->free_known, memory_order_relaxed))
		return false;
	*ret = atomic_load_explicit(&k->free_bytes, memory_order_relaxed);
	return true;
}

void logkeep_set_clock(struct logkeep *k, time_t (*now)(void))
{
	k->now = now;
	set_periods(k, true);
}

void logkeep_set_statvfs(struct logkeep *k, int (*fn)(const char *path, struct statvfs *ret))
{
	k->statvfs = fn;
}
