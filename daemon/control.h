/* SPDX-License-Identifier: MIT */
/*
 * control: a unix socket (mode 0600, root) through which `needle stat`
 * reads the running daemon. A client sends one line, "stat", and gets the
 * metrics exposition text back; the connection then closes.
 */
#ifndef NEEDLE_CONTROL_H
#define NEEDLE_CONTROL_H

#include "metrics.h"
#include "pipeline.h"

struct control_server;

/* Serves the page of src (copied; NULL: the kernel's part only). NULL and
 * a message in err when the socket cannot be made (another needle has it,
 * or the directory is not writable). */
struct control_server *control_start(const char *path, const struct metrics_source *src,
				     struct kernel_snapshot *k, char *err, size_t err_size);
void control_stop(struct control_server *c);

/* Client side: sends "stat" and returns the reply in out (0), or -errno. */
int control_query(const char *path, struct outbuf *out);

#endif
