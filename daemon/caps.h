/* SPDX-License-Identifier: MIT */
/*
 * caps: what `needle run` may do, asked of the kernel by capability, not by
 * uid. A service started with only the capabilities it needs (needle.service:
 * CapabilityBoundingSet, AmbientCapabilities; or `setpriv --ambient-caps`)
 * is as able as root for needle's work, and root without them is not.
 *
 *   needed (refused at start without it):
 *     both modes CAP_AUDIT_CONTROL  the kernel's status (AUDIT_GET); in
 *                                   unicast also register, settings, rules
 *     multicast  CAP_AUDIT_READ     join the read-only group
 *   wanted (said at start, needle goes on without it):
 *     CAP_SYS_PTRACE  /proc/PID/exe and /proc/PID/ns of processes it does
 *                     not own (the process context's exe and container)
 *     CAP_NET_ADMIN   SO_RCVBUFFORCE: a socket_buffer above rmem_max
 *
 * The effective set is read with capget(2): no library, one system call.
 *
 * What needle's children inherit (its plugins): caps_describe_sandbox()
 * says whether needle runs confined as needle.service confines it (a
 * bounding set without the file and identity capabilities, a read-only
 * /), for which a plugin that fails at start may need a drop-in.
 */
#ifndef NEEDLE_CAPS_H
#define NEEDLE_CAPS_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the calling thread has capability cap (CAP_*) in its effective
 * set. False when capget fails (said nowhere: the caller's message names
 * the capability either way). */
bool caps_have(int cap);

/* The capabilities `needle run` cannot do without in that mode
 * (multicast: false is unicast). Returns true when all are there; else
 * false and a message naming each missing one and how to grant it. */
bool caps_check_needed(bool multicast, char *err, size_t err_size);

/* What is missing among the wanted capabilities above, with what needle
 * does without each: "" when none (CAP_SYS_PTRACE only matters with
 * process_context). */
void caps_describe_missing_wanted(bool process_context, char *buf, size_t size);

/* "" when needle runs unconfined for a plugin; else what confines it,
 * and so its plugins, e.g. "needle's capability bounding set lacks
 * CAP_DAC_OVERRIDE, ... and CAP_SETGID (a plugin started as root gets no
 * capability outside it) and / is read-only". A program started as root
 * gets the bounding set as its permitted capabilities (capabilities(7));
 * ProtectSystem=strict makes / read-only. Only the capabilities programs
 * run as root commonly use for files and identity are looked at. */
void caps_describe_sandbox(char *buf, size_t size);

#endif
