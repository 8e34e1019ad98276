/* SPDX-License-Identifier: MIT */
#include "say.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* glibc's syslog() neither says when /dev/log is missing nor stops
 * waiting on a full one: needle speaks the protocol itself (RFC 3164
 * over a datagram socket, as glibc does) to know where each line went. */
#define SYSLOG_PATH "/dev/log"
#define KMSG_PATH "/dev/kmsg"
#define MESSAGES_FILE "needle.messages"
#define LINE_MAX_BYTES 2048

static bool detached;
static int syslog_fd = -1;
static int file_fd = -1;
static char file_path[320]; /* log_dir (conf: 256 bytes) and the name */
/* Where the last line went, to say once when it changes. */
static int last_fallback = METRIC_LOG_SYSLOG;
static _Atomic uint64_t counts[METRIC_LOG_DESTINATION_COUNT];

static void count(int to)
{
	atomic_fetch_add_explicit(&counts[to], 1, memory_order_relaxed);
}

void say_counts(uint64_t ret[METRIC_LOG_DESTINATION_COUNT])
{
	for (int i = 0; i < METRIC_LOG_DESTINATION_COUNT; i++)
		ret[i] = atomic_load_explicit(&counts[i], memory_order_relaxed);
}

/* One datagram to /dev/log, connecting first when not connected (syslog
 * restarted, or not there at the last line). 0 or -errno. */
static int to_syslog(const char *line)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX, .sun_path = SYSLOG_PATH };
	char msg[LINE_MAX_BYTES + 64], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (syslog_fd < 0) {
			syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			if (syslog_fd < 0)
				return -errno;
			if (connect(syslog_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
				int r = -errno;

				close(syslog_fd);
				syslog_fd = -1;
				return r;
			}
		}
		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
		n = snprintf(msg, sizeof(msg), "<%d>%s needle[%d]: %s", LOG_DAEMON | LOG_NOTICE,
			     stamp, (int)getpid(), line);
		if (n > (int)sizeof(msg) - 1)
			n = (int)sizeof(msg) - 1;
		if (send(syslog_fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) == n)
			return 0;
		n = -errno;
		close(syslog_fd);
		syslog_fd = -1;
		/* A restarted syslog refuses the old connection: once more. */
		if (n != -ECONNREFUSED && n != -ENOTCONN)
			return n;
	}
	return -ECONNREFUSED;
}

/* Appends to log_dir/needle.messages, rotated to .1 past SAY_FILE_MAX. */
static int to_file(const char *line)
{
	char stamp[40], buf[LINE_MAX_BYTES + 96];
	struct timespec ts;
	struct stat st;
	struct tm tm;
	int n;

	if (!file_path[0])
		return -ENOENT;
	for (int attempt = 0; attempt < 2; attempt++) {
		char old[sizeof(file_path) + 4];

		if (file_fd < 0) {
			file_fd = open(file_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
			if (file_fd < 0)
				return -errno;
		}
		if (fstat(file_fd, &st) < 0 || st.st_size < SAY_FILE_MAX)
			break;
		/* Full: the old generation goes (one kept), a new file starts. */
		snprintf(old, sizeof(old), "%s.1", file_path);
		rename(file_path, old);
		close(file_fd);
		file_fd = -1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(buf, sizeof(buf), "%s.%03ldZ needle[%d]: %s\n", stamp, ts.tv_nsec / 1000000,
		     (int)getpid(), line);
	if (n > (int)sizeof(buf) - 1) {
		n = (int)sizeof(buf) - 1;
		buf[n - 1] = '\n';
	}
	if (write(file_fd, buf, (size_t)n) != n) {
		int r = errno ? -errno : -EIO;

		close(file_fd);
		file_fd = -1;
		return r;
	}
	return 0;
}

/* The kernel's log: one write is one record. */
static int to_kmsg(const char *line)
{
	char buf[LINE_MAX_BYTES + 64];
	int fd = open(KMSG_PATH, O_WRONLY | O_CLOEXEC), n, r = 0;

	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "<%d>needle[%d]: %s\n", LOG_DAEMON | LOG_NOTICE,
		     (int)getpid(), line);
	if (n > (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 1;
	if (write(fd, buf, (size_t)n) != n)
		r = errno ? -errno : -EIO;
	close(fd);
	return r;
}

/* A line syslog did not take, to the first fallback that takes it. The
 * first line to a fallback is why lines go there. */
static int to_fallback(const char *line, int syslog_err)
{
	char why[LINE_MAX_BYTES];
	int file_err = 0;

	if (last_fallback != METRIC_LOG_FILE) {
		snprintf(why, sizeof(why),
			 "syslog (%s) cannot take needle's messages (%s): they go to %s until it "
			 "can (%s counts where each went)",
			 SYSLOG_PATH, strerror(-syslog_err), file_path,
			 metric_table[METRIC_LOG_MESSAGES].name);
		if ((file_err = to_file(why)) == 0) {
			count(METRIC_LOG_FILE);
			last_fallback = METRIC_LOG_FILE;
		}
	}
	if (!file_err && (file_err = to_file(line)) == 0)
		return METRIC_LOG_FILE;
	if (last_fallback != METRIC_LOG_KMSG) {
		snprintf(why, sizeof(why),
			 "syslog (%s) cannot take needle's messages (%s), nor %s (%s): they go to "
			 "the kernel's log until one can (%s counts where each went)",
			 SYSLOG_PATH, strerror(-syslog_err), file_path[0] ? file_path : "a file",
			 strerror(-file_err), metric_table[METRIC_LOG_MESSAGES].name);
		if (to_kmsg(why) == 0) {
			count(METRIC_LOG_KMSG);
			last_fallback = METRIC_LOG_KMSG;
		}
	}
	return to_kmsg(line) == 0 ? METRIC_LOG_KMSG : METRIC_LOG_LOST;
}

void say(const char *fmt, ...)
{
	char line[LINE_MAX_BYTES];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!detached) {
		count(fprintf(stderr, "needle: %s\n", line) < 0 ? METRIC_LOG_LOST : METRIC_LOG_STDERR);
		return;
	}
	r = to_syslog(line);
	if (r == 0) {
		count(METRIC_LOG_SYSLOG);
		last_fallback = METRIC_LOG_SYSLOG;
		return;
	}
	count(to_fallback(line, r));
}

void say_lines(const char *prefix, const char *text)
{
	const char *line = text;

	while (*line) {
		size_t n = strcspn(line, "\n");

		say("%s%.*s", prefix, (int)n, line);
		line += n;
		while (*line == '\n')
			line++;
	}
}

void say_to_syslog(const char *log_dir)
{
	if (log_dir && log_dir[0] &&
	    snprintf(file_path, sizeof(file_path), "%s/%s", log_dir, MESSAGES_FILE) >=
		    (int)sizeof(file_path))
		file_path[0] = '\0';
	detached = true;
}
