/* SPDX-License-Identifier: MIT */
/*
 * space: auditd's free-space policy for log_dir, as pure decisions (no
 * I/O: logkeep.h reads the file system and acts).
 *
 *   free space (statvfs), a write that found the disk full
 *       |
 *       v
 *   OK  >= space_left
 *   LOW  < space_left         -> space_left_action
 *   ADMIN < admin_space_left  -> admin_space_left_action
 *   FULL: a write failed with ENOSPC, or fewer than SPACE_FULL_BLOCKS
 *         blocks free         -> disk_full_action
 *
 * Each level is in force on its own (below admin_space_left is also below
 * space_left: both actions apply), as in auditd's check_space_left(). An
 * action: ignore (nothing), syslog (one warning when the level is
 * entered), rotate (every check while in the level: each rotation deletes
 * the oldest generation), suspend (no writing while in the level). A
 * level is left once free space is back above its threshold plus
 * SPACE_MARGIN (FULL: above admin_space_left plus SPACE_MARGIN), so that a
 * little space freed does not start and stop writing each second; leaving
 * re-arms its warning, and writing resumes when no level in force
 * suspends it (auditd waits for SIGUSR2 there; needle resumes by itself).
 */
#ifndef NEEDLE_SPACE_H
#define NEEDLE_SPACE_H

#include <stdbool.h>
#include <stdint.h>

#define SPACE_MARGIN (1ull << 20)
/* auditd's "we won't consume the last 5 blocks". */
#define SPACE_FULL_BLOCKS 5

enum space_action { SPACE_IGNORE, SPACE_SYSLOG, SPACE_ROTATE, SPACE_SUSPEND };
enum space_level { SPACE_OK, SPACE_LOW, SPACE_ADMIN, SPACE_FULL, SPACE_LEVELS };

/* A threshold as auditd takes it: MiB, or a percentage of the file
 * system's size (percent not 0). */
struct space_limit {
	uint64_t mib;
	unsigned percent;
};

struct space_policy {
	struct space_limit space_left, admin_space_left;
	/* [SPACE_LOW] space_left_action, [SPACE_ADMIN] admin_space_left_action,
	 * [SPACE_FULL] disk_full_action; [SPACE_OK] unused. */
	enum space_action action[SPACE_LEVELS];
};

/* What the last checks decided; zero it to start (or after a new policy:
 * space_reset). */
struct space_state {
	bool in[SPACE_LEVELS];  /* levels in force */
	bool suspended;
};

/* One look at the file system. */
struct space_sample {
	uint64_t free;   /* bytes available (f_bavail * f_frsize) */
	uint64_t size;   /* bytes in the file system (f_blocks * f_frsize) */
	uint64_t block;  /* f_frsize */
	bool full_seen;  /* a write found the disk full since the last check */
};

struct space_verdict {
	enum space_level level;           /* the highest level in force */
	bool entered[SPACE_LEVELS];       /* in force from this check on: say so */
	bool left[SPACE_LEVELS];          /* no longer in force */
	bool rotate;                      /* a level in force rotates */
	bool suspend, resume;             /* writing stops, or starts again */
	uint64_t threshold[SPACE_LEVELS]; /* bytes: below it, the level is entered */
};

/* A limit in bytes for a file system of size bytes. */
uint64_t space_limit_bytes(const struct space_limit *l, uint64_t size);

/* One check: updates st, fills ret. */
void space_check(const struct space_policy *p, struct space_state *st,
		 const struct space_sample *s, struct space_verdict *ret);

/* A new policy: every level is entered again (its warning said again),
 * writing stays as it is until the next check decides. */
void space_reset(struct space_state *st);

/* "ignore", "syslog", "rotate", "suspend". */
const char *space_action_name(enum space_action a);

#endif
