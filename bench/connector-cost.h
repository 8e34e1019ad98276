/* SPDX-License-Identifier: MIT */
/*
 * connector-cost: what the proc connector costs needle (issue 16), from
 * two entries of one needle-bench live run: needle (process_events = yes)
 * and needle-noprocev (process_events = no), on the same load.
 *
 *   cost = (us/event on - us/event off) / us/event on
 *
 * the share of needle's CPU per event that following the kernel's process
 * events adds. The target, at most 10%, is set on the load where every
 * event is a process's life (--mix execve=N alone: fork, exec, exit per
 * event); on another mix the share is printed but not judged.
 */
#ifndef NEEDLE_BENCH_CONNECTOR_COST_H
#define NEEDLE_BENCH_CONNECTOR_COST_H

#include <stdbool.h>

#define CONNECTOR_COST_TARGET 0.10

/* The share above, NAN unless both are finite and on > 0 (it may be
 * negative: the connector can save the decoders' /proc reads). */
double connector_cost(double us_on, double us_off);

/* Whether the mix ("openat=W,connect=W,execve=W", needle-loadgen's syntax)
 * weighs execve alone. False for a text it cannot read. */
bool connector_mix_execve_only(const char *mix);

#endif
