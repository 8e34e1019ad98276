/* SPDX-License-Identifier: MIT */
/* `needle stat`: the running daemon's counters, through its control socket. */
#ifndef NEEDLE_STAT_CMD_H
#define NEEDLE_STAT_CMD_H

#define STAT_DEFAULT_SOCKET "/run/needle/control"

/* Its usage and options, as --help prints them. */
extern const char stat_cmd_help[];

int stat_cmd_main(int argc, char **argv);

#endif
