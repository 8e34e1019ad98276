/* SPDX-License-Identifier: MIT */
/*
 * loopback: TCP ports on 127.0.0.1 for the servers that needle-bench and
 * the tests start themselves (nats-server: bench-nats.c,
 * tests/unit/test-nats-out.c): a port free now, to start one on, and
 * whether something listens on a port yet, to wait for it.
 *
 * A free port is the kernel's pick for a socket bound to port 0, closed
 * again at once: another process may take it before the server does (the
 * server then fails to start, which its caller sees; no retry here).
 */
#ifndef NEEDLE_LOOPBACK_H
#define NEEDLE_LOOPBACK_H

#include <stdbool.h>

/* A port nothing listens on now, or 0 (errno says why). */
unsigned loopback_free_port(void);

/* Whether a connection to 127.0.0.1:port is accepted. */
bool loopback_listening(unsigned port);

#endif
