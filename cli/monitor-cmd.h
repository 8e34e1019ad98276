/* SPDX-License-Identifier: MIT */
/* `needle monitor`: the kernel's audit health beside any audit daemon. */
#ifndef NEEDLE_MONITOR_CMD_H
#define NEEDLE_MONITOR_CMD_H

/* Its usage and options, as --help prints them. */
extern const char monitor_cmd_help[];

int monitor_cmd_main(int argc, char **argv);

#endif
