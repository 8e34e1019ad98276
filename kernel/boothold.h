/* SPDX-License-Identifier: MIT */
/*
 * boothold: does the kernel keep records while no audit daemon is
 * registered (between a needle's stop or death and the next start)?
 *
 * kauditd_hold_skb() in kernel/audit.c: with audit_default on (booted with
 * audit=1 or audit=on) records wait in a hold queue, up to backlog_limit,
 * and the overflow is counted in the kernel's lost counter; the next
 * daemon gets them. Without it (no audit= on the command line, or audit=0)
 * each record is printed to the kernel log and dropped, not counted
 * anywhere. The last audit= on the command line wins, as in the kernel.
 */
#ifndef NEEDLE_BOOTHOLD_H
#define NEEDLE_BOOTHOLD_H

#include <stdbool.h>

/* From the text of /proc/cmdline. */
bool boothold_from_cmdline(const char *cmdline);

/* Reads /proc/cmdline: 1 (held), 0 (dropped), or -errno. */
int boothold_read(void);

#endif
