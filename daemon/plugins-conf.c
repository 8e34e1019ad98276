/* SPDX-License-Identifier: MIT */
/*
 * plugins-conf.c: auditd's plugin files, parsed as audispd-pconfig.c does
 * (keys and enum values in any case, whole-line comments, later lines win
 * over earlier ones), with errors at their FILE:LINE. Where auditd logs
 * an error and goes on with a guess (a third word after a value, an
 * unknown builtin), the file is refused instead: a plugin that does not do
 * what its file says is worse than one that is not started.
 */
#include "plugins-conf.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Errors so far, one per line, as conf.c keeps them. */
struct errs {
	char *buf;
	size_t size, len;
	unsigned count;
};

static void say_err(struct errs *e, const char *origin, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* One error line, kept when it fits (the first ones are kept). */
static void add_line(struct errs *e, const char *msg)
{
	size_t n = strlen(msg);

	e->count++;
	if (!e->size || e->len + n + 2 > e->size)
		return;
	if (e->len)
		e->buf[e->len++] = '\n';
	memcpy(e->buf + e->len, msg, n + 1);
	e->len += n;
}

static void say_err(struct errs *e, const char *origin, unsigned line, const char *fmt, ...)
{
	char msg[1024];
	int off = line ? snprintf(msg, sizeof(msg), "%s:%u: ", origin, line)
		       : snprintf(msg, sizeof(msg), "%s: ", origin);
	va_list ap;

	if (off < 0 || (size_t)off >= sizeof(msg))
		off = 0;
	va_start(ap, fmt);
	vsnprintf(msg + off, sizeof(msg) - (size_t)off, fmt, ap);
	va_end(ap);
	add_line(e, msg);
}

static int choice(const char *const *names, const char *v)
{
	for (int i = 0; names[i]; i++)
		if (strcasecmp(names[i], v) == 0)
			return i;
	return -1;
}

static const char *const yes_no[] = { "no", "yes", NULL };
static const char *const types[] = { "always", "builtin", NULL };
static const char *const formats[] = { "string", "binary", NULL };

#define BUILTIN_AF_UNIX "builtin_af_unix"

/* Splits s at spaces and tabs in place; returns the number of words (at
 * most max; *more when there were more). */
static unsigned split_words(char *s, char **words, unsigned max, bool *more)
{
	unsigned n = 0;

	*more = false;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return n;
		if (n == max) {
			*more = true;
			return n;
		}
		words[n++] = s;
		s += strcspn(s, " \t");
		if (*s)
			*s++ = '\0';
	}
}

/* af_unix's args, as auditd's init_af_unix() reads them: a word of digits
 * is the socket's mode (octal), a word with a '/' its path, in any order. */
static void af_unix_args(struct plugin_conf *c, const char *origin, unsigned line, struct errs *e)
{
	bool have_path = false;

	c->socket_mode = 0600;
	for (unsigned i = 0; i < c->nargs; i++) {
		const char *a = c->args[i];

		if (a[strspn(a, "01234567")] == '\0') {
			unsigned long mode = strtoul(a, NULL, 8);

			if (mode > 07777)
				say_err(e, origin, line, "args: '%s' is not a file mode (octal, 0600)", a);
			c->socket_mode = (unsigned)mode;
		} else if (a[0] == '/') {
			if (strlen(a) >= sizeof(c->socket_path))
				say_err(e, origin, line, "args: socket path longer than %zu bytes",
					sizeof(c->socket_path) - 1);
			snprintf(c->socket_path, sizeof(c->socket_path), "%s", a);
			have_path = true;
		} else {
			say_err(e, origin, line,
				"args: '%s' is neither the socket's mode (octal) nor an absolute path", a);
		}
	}
	if (!have_path)
		say_err(e, origin, line, "builtin_af_unix needs the socket's path in args "
					 "(args = 0640 /var/run/audispd_events)");
}

/* What the keys say together, once the file is read: only an active
 * plugin has to make sense (auditd's sanity_check()). */
static void check_plugin(struct plugin_conf *c, const char *origin, bool builtin, unsigned type_line,
			 unsigned args_line, struct errs *e)
{
	bool af_unix = strcasecmp(c->path, BUILTIN_AF_UNIX) == 0;

	if (!c->active)
		return;
	if (!c->path[0]) {
		say_err(e, origin, 0, "active but no path given");
		return;
	}
	if (builtin && !af_unix) {
		say_err(e, origin, type_line ? type_line : c->path_line,
			"type = builtin: the only builtin is builtin_af_unix, not '%s'", c->path);
		return;
	}
	if (af_unix && !builtin) {
		say_err(e, origin, c->path_line, "path = builtin_af_unix needs type = builtin");
		return;
	}
	if (af_unix) {
		c->kind = PLUGIN_AF_UNIX;
		af_unix_args(c, origin, args_line, e);
		return;
	}
	if (c->path[0] != '/')
		say_err(e, origin, c->path_line, "path: '%s' is not an absolute path", c->path);
}

int plugin_conf_parse(const char *name, const char *origin, const char *text, size_t len,
		      struct plugin_conf *ret, char *err, size_t err_size)
{
	struct errs e = { err, err_size, 0, 0 };
	struct plugin_conf c = { .kind = PLUGIN_EXEC, .format = PLUGIN_STRING };
	unsigned line = 0, type_line = 0, args_line = 0;
	bool builtin = false;
	size_t pos = 0;

	if (err_size)
		err[0] = '\0';
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.file, sizeof(c.file), "%s", origin);
	while (pos < len) {
		size_t n = strcspn(text + pos, "\n");
		char buf[1024], *eq, *key, *words[PLUGIN_MAX_ARGS];
		unsigned nwords;
		bool more;
		int i;

		if (pos + n > len)
			n = len - pos;
		line++;
		if (memchr(text + pos, '\0', n)) {
			say_err(&e, origin, line, "NUL byte in the file");
			pos += n + 1;
			continue;
		}
		if (n >= sizeof(buf)) {
			say_err(&e, origin, line, "line longer than %zu bytes", sizeof(buf) - 1);
			pos += n + 1;
			continue;
		}
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		pos += n + 1;
		if (n && buf[n - 1] == '\r')
			buf[n - 1] = '\0';
		key = buf + strspn(buf, " \t");
		if (!*key || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			say_err(&e, origin, line, "expected 'key = value', got '%s'", key);
			continue;
		}
		*eq = '\0';
		key[strcspn(key, " \t")] = '\0';
		nwords = split_words(eq + 1, words, PLUGIN_MAX_ARGS, &more);
		if (nwords == 0) {
			say_err(&e, origin, line, "%s has no value", key);
			continue;
		}
		if (strcasecmp(key, "args") == 0) {
			if (more) {
				say_err(&e, origin, line, "args: more than %d words", PLUGIN_MAX_ARGS);
				continue;
			}
			c.nargs = 0;
			for (unsigned k = 0; k < nwords; k++) {
				if (strlen(words[k]) >= sizeof(c.args[0])) {
					say_err(&e, origin, line, "args: a word longer than %zu bytes",
						sizeof(c.args[0]) - 1);
					break;
				}
				snprintf(c.args[c.nargs++], sizeof(c.args[0]), "%s", words[k]);
			}
			args_line = line;
			continue;
		}
		if (nwords > 1) {
			say_err(&e, origin, line, "%s takes one value, not '%s %s...'", key, words[0],
				words[1]);
			continue;
		}
		if (strcasecmp(key, "active") == 0) {
			if ((i = choice(yes_no, words[0])) < 0)
				say_err(&e, origin, line, "active: '%s' is not 'yes' or 'no'", words[0]);
			else
				c.active = i == 1;
		} else if (strcasecmp(key, "direction") == 0) {
			if (strcasecmp(words[0], "out") != 0)
				say_err(&e, origin, line,
					"direction: '%s' is not supported (only 'out', as in auditd)",
					words[0]);
		} else if (strcasecmp(key, "path") == 0) {
			if (strlen(words[0]) >= sizeof(c.path))
				say_err(&e, origin, line, "path: longer than %zu bytes", sizeof(c.path) - 1);
			else
				snprintf(c.path, sizeof(c.path), "%s", words[0]);
			c.path_line = line;
		} else if (strcasecmp(key, "type") == 0) {
			if ((i = choice(types, words[0])) < 0)
				say_err(&e, origin, line, "type: '%s' is not 'always' or 'builtin'",
					words[0]);
			else
				builtin = i == 1;
			type_line = line;
		} else if (strcasecmp(key, "format") == 0) {
			if ((i = choice(formats, words[0])) < 0)
				say_err(&e, origin, line, "format: '%s' is not 'string' or 'binary'",
					words[0]);
			else
				c.format = i == 1 ? PLUGIN_BINARY : PLUGIN_STRING;
		} else {
			say_err(&e, origin, line,
				"unknown key '%s' (active, direction, path, type, args, format)", key);
		}
	}
	if (!e.count)
		check_plugin(&c, origin, builtin, type_line, args_line, &e);
	if (e.count)
		return -EINVAL;
	*ret = c;
	return 0;
}

/* auditd's rule for what a root daemon may read or run: a regular file
 * owned by root that no one else can write. NULL when fine. */
static const char *unsafe(const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return "is not a regular file";
	if (st->st_uid != 0)
		return "is not owned by root";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return "is writable by group or others";
	return NULL;
}

/* Backups and hidden files are not plugins (auditd's load_plugin_conf()). */
static bool is_plugin_file(const char *name)
{
	const char *dot = strchr(name, '.');

	return name[0] != '.' && (!dot || !strchr(dot + 1, '.'));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the file (up to 64 KiB) after checking who may change it. */
static char *read_checked(const char *path, size_t *ret_len, struct errs *e)
{
	char *buf = NULL;
	struct stat st;
	ssize_t n;
	const char *why;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		say_err(e, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		say_err(e, path, 0, "cannot read: %s", strerror(errno));
		goto close_file;
	}
	if ((why = unsafe(&st))) {
		say_err(e, path, 0, "%s; skipped (a plugin runs as root)", why);
		goto close_file;
	}
	if (st.st_size > 65536) {
		say_err(e, path, 0, "larger than 64 KiB");
		goto close_file;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		say_err(e, path, 0, "out of memory");
		goto close_file;
	}
	n = read(fd, buf, (size_t)st.st_size + 1);
	if (n < 0 || n > st.st_size) {
		say_err(e, path, 0, "read failed: %s", n < 0 ? strerror(errno) : "it grew");
		free(buf);
		buf = NULL;
		goto close_file;
	}
	*ret_len = (size_t)n;
close_file:
	close(fd);
	return buf;
}

/* The checks that need the system: the program, and one socket per path. */
static bool check_system(const struct plugin_conf *c, const struct plugin_list *l, struct errs *e)
{
	struct stat st;
	const char *why;

	if (c->kind == PLUGIN_AF_UNIX) {
		for (unsigned i = 0; i < l->n; i++)
			if (l->p[i].kind == PLUGIN_AF_UNIX &&
			    strcmp(l->p[i].socket_path, c->socket_path) == 0) {
				say_err(e, c->file, 0, "socket %s is already %s's", c->socket_path,
					l->p[i].file);
				return false;
			}
		return true;
	}
	if (stat(c->path, &st) < 0) {
		say_err(e, c->file, c->path_line, "path: %s: %s", c->path, strerror(errno));
		return false;
	}
	if ((why = unsafe(&st)) || !(st.st_mode & S_IXUSR)) {
		say_err(e, c->file, c->path_line, "path: %s %s", c->path,
			why ? why : "is not executable");
		return false;
	}
	return true;
}

/* The plugin's name from its file's: without ".conf", and only characters
 * a metric's label can hold as they are. */
static bool plugin_name(const char *file, char *name, size_t size)
{
	size_t n = strlen(file);

	if (n > 5 && strcmp(file + n - 5, ".conf") == 0)
		n -= 5;
	if (n == 0 || n >= size)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)file[i]) && !strchr("_.+:@-", file[i]))
			return false;
	memcpy(name, file, n);
	name[n] = '\0';
	return true;
}

static void load_one(const char *dir, const char *file, struct plugin_list *l, struct errs *e)
{
	char path[512], name[PLUGIN_NAME_MAX], msg[PLUGIN_ERRORS_MAX];
	struct plugin_conf *c = malloc(sizeof(*c));
	size_t len = 0;
	char *text;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	l->files++;
	if (!c) {
		say_err(e, path, 0, "out of memory");
		l->skipped++;
		return;
	}
	if (!plugin_name(file, name, sizeof(name))) {
		say_err(e, path, 0, "the name may hold only letters, digits and _.+:@- (it names "
				    "the plugin in needle's metrics); skipped");
		l->skipped++;
		goto free_conf;
	}
	if (!(text = read_checked(path, &len, e))) {
		l->skipped++;
		goto free_conf;
	}
	r = plugin_conf_parse(name, path, text, len, c, msg, sizeof(msg));
	free(text);
	if (r < 0) {
		/* Each error on its line, as parsed. */
		for (char *save = NULL, *p = strtok_r(msg, "\n", &save); p;
		     p = strtok_r(NULL, "\n", &save))
			add_line(e, p);
		l->skipped++;
		goto free_conf;
	}
	if (!c->active) {
		l->inactive++;
		goto free_conf;
	}
	if (!check_system(c, l, e)) {
		l->skipped++;
		goto free_conf;
	}
	if (l->n == PLUGINS_MAX) {
		say_err(e, path, 0, "more than %d active plugins; skipped", PLUGINS_MAX);
		l->skipped++;
		goto free_conf;
	}
	l->p[l->n++] = *c;
free_conf:
	free(c);
}

int plugins_conf_load(const char *dir, struct plugin_list *ret, char *err, size_t err_size)
{
	struct errs e = { err, err_size, 0, 0 };
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (err_size)
		err[0] = '\0';
	ret->n = ret->files = ret->inactive = ret->skipped = 0;
	d = opendir(dir);
	if (!d) {
		r = -errno;
		say_err(&e, dir, 0, "cannot read plugin_dir: %s", strerror(errno));
		return r;
	}
	while ((de = readdir(d))) {
		if (!is_plugin_file(de->d_name))
			continue;
		if (n == cap) {
			char **more = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names));

			if (!more) {
				r = -ENOMEM;
				goto free_names;
			}
			names = more;
		}
		if (!(names[n] = strdup(de->d_name))) {
			r = -ENOMEM;
			goto free_names;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++)
		load_one(dir, names[i], ret, &e);
	r = (int)ret->n;
free_names:
	if (r == -ENOMEM)
		say_err(&e, dir, 0, "out of memory");
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r;
}
