/* SPDX-License-Identifier: MIT */
#include "recovery.h"
#include "audit-ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int recovery_save(const char *path, pid_t pid, const struct audit_status *saved)
{
	char dir[256], tmp[300];
	struct audit_status s = *saved;
	FILE *f;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	if (mkdir(dirname(dir), 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -errno;
	}
	fprintf(f, "pid %d\n", (int)pid);
	for (unsigned i = 0; i < AUDIT_SETTINGS; i++)
		fprintf(f, "%s %" PRIu32 "\n", audit_settings[i].name, *audit_setting_field(&s, i));
	if (fflush(f) != 0 || fsync(fd) != 0) {
		int r = -errno;

		fclose(f);
		unlink(tmp);
		return r;
	}
	fclose(f);
	return rename(tmp, path) < 0 ? -errno : 0;
}

int recovery_load(const char *path, pid_t *ret_pid, struct audit_status *ret_saved, char *err,
		  size_t err_size)
{
	struct audit_status s = { 0 };
	unsigned seen = 0, line = 0;
	char name[32], buf[128];
	long long pid = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(buf, sizeof(buf), f)) {
		unsigned long long v;
		unsigned i;

		line++;
		if (sscanf(buf, "%31s %llu", name, &v) != 2 || v > UINT32_MAX) {
			snprintf(err, err_size, "%s:%u: expected 'name number'", path, line);
			fclose(f);
			return -EINVAL;
		}
		if (strcmp(name, "pid") == 0) {
			pid = (long long)v;
			continue;
		}
		for (i = 0; i < AUDIT_SETTINGS && strcmp(name, audit_settings[i].name) != 0; i++)
			;
		if (i == AUDIT_SETTINGS) {
			snprintf(err, err_size, "%s:%u: unknown field '%s'", path, line, name);
			fclose(f);
			return -EINVAL;
		}
		*audit_setting_field(&s, i) = (uint32_t)v;
		seen |= 1u << i;
	}
	fclose(f);
	if (pid <= 0 || seen != (1u << AUDIT_SETTINGS) - 1) {
		snprintf(err, err_size, "%s: incomplete (a pid and %d settings expected)", path,
			 AUDIT_SETTINGS);
		return -EINVAL;
	}
	*ret_pid = (pid_t)pid;
	*ret_saved = s;
	return 0;
}

int recovery_clear(const char *path)
{
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}
