/* SPDX-License-Identifier: MIT */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct control_server {
	char path[108];
	int fd;
	int stop_pipe[2];
	pthread_t thread;
	struct metrics_source src;
	struct kernel_snapshot *k;
};

static void serve_one(struct control_server *c, int conn)
{
	char req[64];
	ssize_t n;
	struct outbuf out = { 0 };
	struct timeval tv = { 2, 0 };

	/* A client that sends nothing does not hold the thread for long. */
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	n = read(conn, req, sizeof(req) - 1);
	if (n <= 0)
		return;
	req[n] = '\0';
	if (strncmp(req, "stat", 4) == 0)
		metrics_render_source(&c->src, c->k, &out);
	else
		outbuf_puts(&out, "# error: unknown command; the only command is 'stat'\n");
	for (size_t off = 0; off < out.len && !out.failed;) {
		ssize_t w = write(conn, out.data + off, out.len - off);

		if (w <= 0)
			break;
		off += (size_t)w;
	}
	outbuf_free(&out);
}

static void *control_main(void *arg)
{
	struct control_server *c = arg;

	for (;;) {
		struct pollfd fds[2] = { { c->fd, POLLIN, 0 }, { c->stop_pipe[0], POLLIN, 0 } };
		int conn;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents)
			break;
		conn = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0)
			continue;
		serve_one(c, conn);
		close(conn);
	}
	return NULL;
}

struct control_server *control_start(const char *path, const struct metrics_source *src,
				     struct kernel_snapshot *k, char *err, size_t err_size)
{
	struct control_server *c = calloc(1, sizeof(*c));
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[108], *slash;
	int probe;

	if (!c || strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, err_size, "control socket %s: path too long", path);
		free(c);
		return NULL;
	}
	strcpy(c->path, path);
	strcpy(addr.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0700);
	}
	/* A live needle answers on the socket: then it is not ours to take. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
		close(probe);
		snprintf(err, err_size, "control socket %s is in use by another needle", path);
		free(c);
		return NULL;
	}
	if (probe >= 0)
		close(probe);
	unlink(path); /* a stale socket of a needle that died */
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || bind(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    chmod(path, 0600) < 0 || listen(c->fd, 8) < 0 || pipe2(c->stop_pipe, O_CLOEXEC) < 0) {
		snprintf(err, err_size, "control socket %s: %s", path, strerror(errno));
		if (c->fd >= 0)
			close(c->fd);
		free(c);
		return NULL;
	}
	c->src = src ? *src : (struct metrics_source){ 0 };
	c->k = k;
	if (pthread_create(&c->thread, NULL, control_main, c) != 0) {
		snprintf(err, err_size, "control socket: cannot start its thread");
		close(c->fd);
		unlink(path);
		free(c);
		return NULL;
	}
	return c;
}

void control_stop(struct control_server *c)
{
	if (!c)
		return;
	if (write(c->stop_pipe[1], "x", 1) < 0) {
		/* The thread still ends when the socket closes below. */
	}
	pthread_join(c->thread, NULL);
	close(c->fd);
	close(c->stop_pipe[0]);
	close(c->stop_pipe[1]);
	unlink(c->path);
	free(c);
}

int control_query(const char *path, struct outbuf *out)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char buf[4096];
	ssize_t n;
	int fd, r = 0;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || write(fd, "stat\n", 5) != 5) {
		r = -errno;
		close(fd);
		return r;
	}
	out->len = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		outbuf_put(out, buf, (size_t)n);
	if (n < 0)
		r = -errno;
	close(fd);
	return out->failed ? -ENOMEM : r;
}
