/* SPDX-License-Identifier: MIT */
/* `needle monitor`: the kernel's audit health beside any audit daemon. */
#ifndef NEEDLE_MONITOR_CMD_H
#define NEEDLE_MONITOR_CMD_H

int monitor_cmd_main(int argc, char **argv);

#endif
