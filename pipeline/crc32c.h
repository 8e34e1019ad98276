/* SPDX-License-Identifier: MIT */
/*
 * crc32c: CRC-32C (Castagnoli; the polynomial of iSCSI and of ext4's
 * metadata checksums), which the spool (spool.h) keeps over every record
 * so that a torn or rotten one is never handed out.
 *
 *   crc32c(0, buf, len)            one buffer
 *   crc32c(crc32c(0, a, n), b, m)  the same as over a then b
 *
 * The x86-64 CRC32 instruction (SSE4.2) when the CPU has it, about 8 bytes
 * a cycle; otherwise tables, eight bytes a step (slicing-by-8). Both give
 * the same value (test-spool checks them against each other and against
 * the standard check value of "123456789", 0xe3069283). Pure; any thread.
 */
#ifndef NEEDLE_CRC32C_H
#define NEEDLE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

/* The table version alone, whatever the CPU: for the test. */
uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len);

#endif
