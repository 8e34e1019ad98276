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

/*
 * Which fields hold hex-encoded text depends on the field's name and on the
 * record's type, as in auparse (auparse/typetab.h, the AUPARSE_TYPE_ESCAPED
 * family, with the record-type exceptions of auparse_interp_adjust_type()
 * in interpret.c) and the kernel's audit_log_untrustedstring() and
 * audit_log_n_hex() callers: comm, exe, name, cwd, path, key, proctitle,
 * EXECVE's aN and aN[k] (not argc, not aN_len), SOCKADDR's saddr, TTY and
 * USER_TTY data, and a few more. Everything else is written as it stands
 * (CONFIG_CHANGE old=8192 is a number; AVC's key= is a number and its
 * saddr= an address). True when a field of this name in a record of this
 * type is hex-encoded whenever it is not quoted.
 */
bool interp_field_encoded(unsigned type, const char *name, size_t len);

/* Writes the bytes a field stands for into out (cleared first): hex
 * decoded for an unquoted encoded field (FIELD_ENCODED, set by the record
 * parser from interp_field_encoded()) made only of hex digits, else the
 * value as written. Returns true when it decoded hex. */
bool interp_field_value(const struct audit_field *f, struct outbuf *out);

/* True when interp_field_value() would try to hex-decode the field (an
 * encoded field, unquoted, of even length). */
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

/* Decodes a struct sockaddr given as raw bytes; false if too short. The
 * kernel logs it as the process had it: sa_family (and a netlink address's
 * pid and groups) in the byte order of the audited architecture, ports and
 * IP addresses in network order. big_endian: 1 or 0 as the event's arch
 * says (interp_arch_big_endian()), -1 when the event names no arch: the
 * order is then read from sa_family's two bytes (every family number is
 * below 256, so one of them is 0). */
bool interp_sockaddr(const unsigned char *raw, size_t n, int big_endian,
		     struct sockaddr_info *ret);

/* Writes a decoded sockaddr as a JSON object. */
void interp_sockaddr_json(struct outbuf *b, const struct sockaddr_info *sa);

/* "c000003e" -> libaudit machine number (-1 if unknown), and its name. */
int interp_arch_machine(const char *hex, size_t len);

/* 1 when the arch value ("80000015", ppc64) lacks __AUDIT_ARCH_LE, 0 when
 * it has it, -1 when it is not a number. */
int interp_arch_big_endian(const char *hex, size_t len);
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
