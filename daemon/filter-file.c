/* SPDX-License-Identifier: MIT */
/*
 * filter-file: read a filter file whole (at most FILTER_FILE_MAX bytes)
 * and hand its text to decode/'s parser, with the user name lookup the
 * parser leaves to its caller.
 */
#include "filter-file.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int user_id(void *arg, const char *name, uint32_t *ret_uid)
{
	struct passwd pw, *found = NULL;
	char buf[4096];

	(void)arg;
	if (getpwnam_r(name, &pw, buf, sizeof(buf), &found) != 0 || !found)
		return -ENOENT;
	*ret_uid = (uint32_t)found->pw_uid;
	return 0;
}

struct filter_set *filter_file_load(const char *path, char *err, size_t err_size)
{
	struct filter_set *fs = NULL;
	char *buf = NULL;
	size_t len = 0;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		snprintf(err, err_size, "filter file %s: cannot open: %s", path, strerror(saved));
		errno = saved;
		return NULL;
	}
	buf = malloc(FILTER_FILE_MAX + 1);
	if (!buf) {
		saved = ENOMEM;
		snprintf(err, err_size, "%s: out of memory", path);
		goto close_file;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, FILTER_FILE_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			snprintf(err, err_size, "filter file %s: read failed: %s", path, strerror(saved));
			goto free_buf;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > FILTER_FILE_MAX) {
			saved = EFBIG;
			snprintf(err, err_size, "%s: larger than %u bytes", path, FILTER_FILE_MAX);
			goto free_buf;
		}
	}
	fs = filter_parse(path, buf, len, user_id, NULL, err, err_size);
	saved = errno;
free_buf:
	free(buf);
close_file:
	close(fd);
	errno = saved;
	return fs;
}
