/* SPDX-License-Identifier: MIT */
/*
 * rulefile-read.c: the files of rulefile.h. A file is taken as auditctl -R
 * takes one (root's, not world writable, regular, read whole); rules.d's
 * files are merged as augenrules merges them, line by line with each
 * line's own file and number kept for the messages.
 */
#include "rulefile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libaudit.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_MAX_BYTES (16u << 20)

/* The file as auditctl -R takes it: root's, not world writable, regular.
 * Returns its text (NUL-terminated, *ret_len bytes) or NULL, said why. */
static char *read_file(const char *path, size_t *ret_len, rulefile_say_fn *say, int *ret_err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	size_t len = 0;

	if (fd < 0) {
		*ret_err = -errno;
		say("rules: cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	*ret_err = -EPERM;
	if (fstat(fd, &st) < 0) {
		*ret_err = -errno;
		say("rules: cannot read %s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		say("rules: %s is not a regular file; not loaded", path);
	} else if (st.st_uid != 0) {
		say("rules: %s is not owned by root; not loaded (auditctl -R refuses it too)", path);
	} else if (st.st_mode & S_IWOTH) {
		say("rules: %s is world writable; not loaded (auditctl -R refuses it too)", path);
	} else if ((uint64_t)st.st_size > FILE_MAX_BYTES) {
		*ret_err = -EFBIG;
		say("rules: %s is larger than %u MiB; not loaded", path, FILE_MAX_BYTES >> 20);
	} else if (!(buf = malloc((size_t)st.st_size + 1))) {
		*ret_err = -ENOMEM;
		say("rules: out of memory reading %s", path);
	} else {
		for (ssize_t n; len < (size_t)st.st_size; len += (size_t)n) {
			n = read(fd, buf + len, (size_t)st.st_size - len);
			if (n < 0 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n <= 0)
				break;
		}
		buf[len] = '\0';
		*ret_len = len;
		*ret_err = 0;
	}
	close(fd);
	return buf;
}

static int set_path(struct rulefile *rf, const char *path)
{
	memset(rf, 0, sizeof(*rf));
	rf->path = strdup(path);
	return rf->path ? 0 : -ENOMEM;
}

int rulefile_read(const char *path, struct rulefile *ret, rulefile_say_fn *say)
{
	size_t len;
	int r;
	char *text;

	if ((r = set_path(ret, path)) < 0)
		return r;
	text = read_file(path, &len, say, &r);
	if (!text)
		return r;
	rulefile_parse(ret, path, text, len, say);
	free(text);
	return 0;
}

/* A line of rules.d kept for the merge, with where it came from. */
struct merged_line {
	struct rulefile_origin at;
	char *text;
};

static bool starts_with_option(const char *s, const char *opt, bool alone)
{
	size_t n = strlen(opt);

	while (*s == ' ' || *s == '\t')
		s++;
	if (strncmp(s, opt, n) != 0)
		return false;
	if (!alone)
		return true;
	for (s += n; *s == ' ' || *s == '\t'; s++)
		;
	return *s == '\0';
}

static int by_version(const struct dirent **a, const struct dirent **b)
{
	return strverscmp((*a)->d_name, (*b)->d_name);
}

static int is_rules_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 6 && strcmp(d->d_name + n - 6, ".rules") == 0;
}

/*
 * augenrules' merge: the last bare -D, the last -b and the last -f go
 * first (in that order), the last -e last, the rest in file order; blank
 * and comment lines go. Earlier -D, -b, -f and -e lines are dropped, as
 * augenrules drops them.
 */
static void merge_and_parse(struct rulefile *rf, struct merged_line *m, size_t n,
			    rulefile_say_fn *say)
{
	ssize_t last_D = -1, last_b = -1, last_f = -1, last_e = -1;

	for (size_t i = 0; i < n; i++) {
		if (starts_with_option(m[i].text, "-e", false))
			last_e = (ssize_t)i;
		else if (starts_with_option(m[i].text, "-D", true))
			last_D = (ssize_t)i;
		else if (starts_with_option(m[i].text, "-f", false))
			last_f = (ssize_t)i;
		else if (starts_with_option(m[i].text, "-b", false))
			last_b = (ssize_t)i;
	}
	set_aumessage_mode(MSG_QUIET, DBG_NO);
	if (last_D >= 0)
		rulefile_parse_line(rf, m[last_D].at, m[last_D].text, say);
	if (last_b >= 0)
		rulefile_parse_line(rf, m[last_b].at, m[last_b].text, say);
	if (last_f >= 0)
		rulefile_parse_line(rf, m[last_f].at, m[last_f].text, say);
	for (size_t i = 0; i < n; i++)
		if (!starts_with_option(m[i].text, "-e", false) &&
		    !starts_with_option(m[i].text, "-D", true) &&
		    !starts_with_option(m[i].text, "-f", false) &&
		    !starts_with_option(m[i].text, "-b", false))
			rulefile_parse_line(rf, m[i].at, m[i].text, say);
	if (last_e >= 0)
		rulefile_parse_line(rf, m[last_e].at, m[last_e].text, say);
}

/* Appends the lines of one file of rules.d (not blank, not comments). */
static int collect_lines(struct rulefile *rf, const char *path, struct merged_line **m,
			 size_t *n, rulefile_say_fn *say)
{
	size_t len;
	int r;
	char *text = read_file(path, &len, say, &r);
	const char *name;
	unsigned line = 0;

	if (!text)
		return r == -ENOMEM ? r : 0; /* a file refused is said, the others still load */
	if (!(name = rulefile_keep_name(rf, path))) {
		free(text);
		return -ENOMEM;
	}
	for (char *p = text, *end; p < text + len; p = end + 1) {
		const char *s;
		char *copy;
		struct merged_line *more;

		end = memchr(p, '\n', (size_t)(text + len - p));
		if (!end)
			end = text + len;
		*end = '\0';
		line++;
		for (s = p; *s == ' ' || *s == '\t'; s++)
			;
		if (!*s || *s == '#')
			continue;
		more = realloc(*m, sizeof(**m) * (*n + 1));
		if (more)
			*m = more;
		if (!more || !(copy = strdup(p))) {
			free(text);
			return -ENOMEM;
		}
		(*m)[(*n)++] = (struct merged_line){ { name, line }, copy };
	}
	free(text);
	return 0;
}

int rulefile_read_augenrules(const char *dir, const char *fallback, struct rulefile *ret,
			     rulefile_say_fn *say)
{
	struct dirent **names;
	struct merged_line *m = NULL;
	size_t n = 0;
	int count, r = 0;

	count = scandir(dir, &names, is_rules_file, by_version);
	if (count < 0) {
		say("rules: no %s (%s): loading %s as it is, as augenrules --load does", dir,
		    strerror(errno), fallback);
		return rulefile_read(fallback, ret, say);
	}
	if ((r = set_path(ret, dir)) < 0)
		goto free_names;
	for (int i = 0; i < count && r == 0; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		r = collect_lines(ret, path, &m, &n, say);
	}
	if (r == 0)
		merge_and_parse(ret, m, n, say);
	else
		say("rules: out of memory reading %s", dir);
	for (size_t i = 0; i < n; i++)
		free(m[i].text);
	free(m);
free_names:
	for (int i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return r;
}

