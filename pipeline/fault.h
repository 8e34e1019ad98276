/* SPDX-License-Identifier: MIT */
/*
 * fault: TEST-ONLY failure injection, so the tests can prove the paths
 * that handle failures nobody can provoke on demand (a recvmmsg error, an
 * allocation failure, an fsync error at shutdown).
 *
 *   NEEDLE_TEST_FAULT=NAME[:N]   read once, by fault_init(), at `needle run`
 *                                (and `needle gather`)
 *
 *   listener-recv[:N]      listener 0's recvmmsg() fails with EIO once it has
 *                          passed N records (default 0) to the rings
 *   listener-alloc         listener 0 cannot allocate its receive buffers
 *   decoder-assembler[:N]  decoder 0 cannot create its assembler (with N:
 *                          once N bytes wait in its ring, records flowing)
 *   decoder-stall[:N]      decoder 0 stops taking records from its ring once it
 *                          has taken N (default 0) and then found its ring
 *                          empty for half a second, as if hung, until needle
 *                          is asked to stop (then it drains as usual)
 *   rcvtimeo               setting the data socket's receive timeout fails
 *   sink-fsync             the first output's fsync() at shutdown fails (EIO)
 *   gather-no-ack[:N]      needle gather sends no acknowledgement for the first
 *                          N events it writes, as if each were lost on the way
 *   gather-exit[:N]        needle gather exits (status 9) once N events are
 *                          written, after the write and before acknowledging
 *                          that batch, as a SIGKILL there would
 *
 * Each fault fires once (fault_take() consumes it), so one thread fails and
 * the others go on. Unset (as in any real deployment) nothing here costs
 * more than one relaxed load where a fault could fire; the daemon names a
 * set fault in its log so it can never go unnoticed.
 */
#ifndef NEEDLE_FAULT_H
#define NEEDLE_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fault {
	FAULT_NONE,
	FAULT_LISTENER_RECV,
	FAULT_LISTENER_ALLOC,
	FAULT_DECODER_ASSEMBLER,
	FAULT_DECODER_STALL,
	FAULT_RCVTIMEO,
	FAULT_SINK_FSYNC,
	FAULT_GATHER_NO_ACK,
	FAULT_GATHER_EXIT,
};

/* Arms the fault that spec names ("listener-recv:500"; NULL or "" arms
 * none). Returns 0, or -EINVAL with a message in err for an unknown name. */
int fault_arm(const char *spec, char *err, size_t err_size);

/* Reads NEEDLE_TEST_FAULT once; as fault_arm(). */
int fault_init(char *err, size_t err_size);

/* The armed fault's name, NULL when none is armed. */
const char *fault_name(void);

/* Whether f is armed (not yet taken); one relaxed load. */
bool fault_armed(enum fault f);

/* True once, for the first caller, when f is armed; any thread. */
bool fault_take(enum fault f);

/* The N of NAME:N (0 when not given). */
uint64_t fault_after(void);

#endif
