/* SPDX-License-Identifier: MIT */
/* `needle gather`: the fleet's events from NATS JetStream to files (gather/). */
#ifndef NEEDLE_GATHER_CMD_H
#define NEEDLE_GATHER_CMD_H

/* Its usage and options, as --help prints them. */
extern const char gather_cmd_help[];

int gather_cmd_main(int argc, char **argv);

#endif
