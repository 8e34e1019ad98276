/* SPDX-License-Identifier: MIT */
/*
 * rule-text: a rule in the kernel's binary form, written as `auditctl -l`
 * writes it, so that a message names a rule the way an administrator
 * reads and writes rules:
 *
 *   -a always,exit -F arch=b64 -S openat,open -F exit=-ENOENT -F key=k
 *   -w /etc/shadow -p r -k k          (a watch: all syscalls, a path, perms)
 *
 * tests/live/test-rules.sh checks the text of every rule it loads against
 * auditctl -l's own. Pure: no I/O (libaudit's name tables only).
 */
#ifndef NEEDLE_RULE_TEXT_H
#define NEEDLE_RULE_TEXT_H

#include <linux/audit.h>
#include <stddef.h>

/* Writes the rule (size bytes, as the kernel listed it) into buf, cut to
 * fit; returns the length of the whole text. A rule whose string buffer
 * does not fit its size is written "(malformed rule)". */
size_t rule_text(const struct audit_rule_data *r, size_t size, char *buf, size_t buf_size);

#endif
