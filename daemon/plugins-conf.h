/* SPDX-License-Identifier: MIT */
/*
 * plugins-conf: auditd's plugin directory (plugin_dir, /etc/audit/plugins.d),
 * read as auditd reads it (audisp/audispd-pconfig.c, auditd-plugins(5)).
 *
 *   plugin_dir/NAME.conf --plugin_conf_parse--> struct plugin_conf
 *                        --plugins_conf_load--> the active ones (struct plugin_list)
 *
 * A file: one `key = value` per line, `#` lines are comments; keys and
 * values of active, direction, type and format in any case.
 *   active    = yes | no
 *   direction = out         (auditd supports no other)
 *   path      = /abs/path/to/program | builtin_af_unix
 *   type      = always | builtin   (builtin: the af_unix socket, in needle)
 *   args      = up to PLUGIN_MAX_ARGS words, given to the program
 *               (af_unix: the socket's mode in octal and its path)
 *   format    = string | binary
 * auditd's rules for files: hidden files and names with more than one '.'
 * are backups and are skipped; a file must be a regular file owned by
 * root and writable by no one else, and so must an active plugin's
 * program, which must be executable. A bad file is reported (every error
 * at its FILE:LINE) and skipped; the others still load.
 *
 * Parsing touches nothing (plugin_conf_parse); plugins_conf_load reads
 * the directory and checks owners and modes. Nothing here starts anything:
 * daemon/plugins.c does.
 */
#ifndef NEEDLE_PLUGINS_CONF_H
#define NEEDLE_PLUGINS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLUGINS_MAX 32
#define PLUGIN_MAX_ARGS 16
#define PLUGIN_NAME_MAX 64
/* Room for every error of a directory (plugins_conf_load's err). */
#define PLUGIN_ERRORS_MAX 8192

enum plugin_format { PLUGIN_STRING, PLUGIN_BINARY };
enum plugin_kind { PLUGIN_EXEC, PLUGIN_AF_UNIX };

struct plugin_conf {
	char name[PLUGIN_NAME_MAX]; /* the file's name without ".conf": metrics' label */
	char file[512];             /* the file it came from */
	bool active;
	enum plugin_kind kind;
	enum plugin_format format;
	char path[256];             /* the program (PLUGIN_EXEC) */
	unsigned nargs;
	char args[PLUGIN_MAX_ARGS][256];
	/* PLUGIN_AF_UNIX: the socket's path and mode (from args). */
	char socket_path[108];
	unsigned socket_mode;
	unsigned path_line;         /* where path was set, for errors found later */
};

struct plugin_list {
	unsigned n;
	struct plugin_conf p[PLUGINS_MAX];
	unsigned files, inactive, skipped; /* files read, inactive ones, bad ones */
};

/* Parses one file's text (name: the plugin's name; origin: the path, for
 * errors). Returns 0, or -EINVAL with every error in err ("origin:line:
 * what is wrong", joined by '\n'; err_size 0: none kept). Touches nothing. */
int plugin_conf_parse(const char *name, const char *origin, const char *text, size_t len,
		      struct plugin_conf *ret, char *err, size_t err_size);

/* Every plugin file of dir, in name order: the active ones into *ret (a
 * bad file is skipped and its errors go to err, one per line). Returns
 * how many are active, or -errno when dir cannot be read (said in err;
 * -ENOENT: dir does not exist). */
int plugins_conf_load(const char *dir, struct plugin_list *ret, char *err, size_t err_size);

#endif
