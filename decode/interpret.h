/* SPDX-License-Identifier: MIT */
/*
 * interpret: what the raw values of audit fields mean. Hex-encoded strings,
 * socket addresses, architectures, syscall and errno names (from libaudit's
 * generated tables, not hand-typed), timestamps, paths relative to a cwd.
 *
 * Pure: no I/O, no global state of its own (libaudit's tables are static).
 */
#ifndef NEEDLE_DECODE_INTERPRET_H
#define NEEDLE_DECODE_INTERPRET_H

#include "outbuf.h"
#include "record.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True for fields the kernel writes with audit_log_untrustedstring(): in
 * double quotes when printable, else hex-encoded (comm, exe, name, cwd,
 * proctitle, key...). EXECVE's aN and aN[k] are too, but only in EXECVE
 * records (FIELD_EXECVE): a SYSCALL's a0..a3 are hex numbers. */
bool interp_is_encodable(const char *name, size_t len);

/* Writes the bytes a field stands for into out (cleared first): hex
 * decoded for an unquoted encodable value made only of hex digits, else
 * the value as written. Returns true when it decoded hex. */
bool interp_field_value(const struct audit_field *f, struct outbuf *out);

/* True when interp_field_value() would try to hex-decode the field (an
 * encodable field, unquoted, of even length). */
bool interp_field_is_hex(const struct audit_field *f);

/* Hex digits to bytes; false (out unchanged) when len is odd or a
 * character is not a hex digit. */
bool interp_hex_decode(const char *hex, size_t len, struct outbuf *out);

/* A decoded socket address. */
struct sockaddr_info {
	const char *family;   /* "inet", "inet6", "unix", "netlink", or "unknown" */
	unsigned family_nr;
	char addr[64];        /* numeric address, unix path (abstract: leading '@') */
	size_t addr_len;
	int port;             /* -1 when the family has none */
	uint32_t nl_pid;      /* netlink */
	uint32_t nl_groups;
};

/* Decodes a struct sockaddr given as raw bytes; false if too short. */
bool interp_sockaddr(const unsigned char *raw, size_t n, struct sockaddr_info *ret);

/* Writes a decoded sockaddr as a JSON object. */
void interp_sockaddr_json(struct outbuf *b, const struct sockaddr_info *sa);

/* "c000003e" -> libaudit machine number (-1 if unknown), and its name. */
int interp_arch_machine(const char *hex, size_t len);
const char *interp_machine_name(int machine);

/* Syscall name for a machine, or NULL. */
const char *interp_syscall_name(int machine, long nr);

/* "ENOENT" for exit=-2, or NULL. */
const char *interp_errno_name(long exit_value);

/* RFC 3339 UTC with milliseconds: 2026-11-27T16:50:05.123Z */
void interp_time_rfc3339(struct outbuf *b, uint64_t sec, unsigned msec);

/* name made absolute against cwd when relative, "." and ".." folded
 * lexically; written to out (cleared first). */
void interp_resolve_path(const char *cwd, size_t cwd_len, const char *name, size_t name_len,
			 struct outbuf *out);

/* Parses a decimal (optionally negative) or, with hex set, hexadecimal
 * value; false when it is not entirely a number. */
bool interp_number(const char *s, size_t len, bool hex, long long *ret);

#endif
