/* SPDX-License-Identifier: MIT */
/* `needle decode`: auditd log files (or stdin) to JSON, RAW or summary. */
#ifndef NEEDLE_DECODE_CMD_H
#define NEEDLE_DECODE_CMD_H

/* Its usage and options, as --help prints them. */
extern const char decode_cmd_help[];

int decode_cmd_main(int argc, char **argv);

#endif
