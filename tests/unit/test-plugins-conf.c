/* SPDX-License-Identifier: MIT */
/*
 * auditd's plugin files (daemon/plugins-conf.h): Debian's own files parse
 * as auditd reads them; each kind of bad file gets its error at its
 * FILE:LINE; a directory loads its active plugins in name order and skips,
 * naming them, the bad ones (bad text, writable by others, a program that
 * is not there or not executable), and skips backups and hidden files
 * without a word, as auditd does.
 */
#include "harness.h"
#include "plugins-conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int parse(const char *text, struct plugin_conf *c, char *err)
{
	return plugin_conf_parse("test", "t.conf", text, strlen(text), c, err, PLUGIN_ERRORS_MAX);
}

static void expect_error(const char *text, const char *message)
{
	static struct plugin_conf c;
	char err[PLUGIN_ERRORS_MAX] = "";

	CHECK_EQ(parse(text, &c, err), -EINVAL);
	CHECK_STR(err, message);
}

/* Debian 12's /etc/audit/plugins.d/af_unix.conf, switched on (its "type =
 * builtin " ends with a space). */
static const char debian_af_unix[] =
	"\n"
	"# This file controls the configuration of the\n"
	"# af_unix socket plugin. It simply takes events\n"
	"# and writes them to a unix domain socket. This\n"
	"# plugin can take 2 arguments, the path for the\n"
	"# socket and the socket permissions in octal.\n"
	"\n"
	"active = yes\n"
	"direction = out\n"
	"path = builtin_af_unix\n"
	"type = builtin \n"
	"args = 0640 /var/run/audispd_events\n"
	"format = string\n";

TEST(debian_files_parse)
{
	static struct plugin_conf c;
	char err[PLUGIN_ERRORS_MAX];

	CHECK_EQ(parse(debian_af_unix, &c, err), 0);
	CHECK(c.active);
	CHECK_EQ(c.kind, PLUGIN_AF_UNIX);
	CHECK_EQ(c.format, PLUGIN_STRING);
	CHECK_STR(c.socket_path, "/var/run/audispd_events");
	CHECK_EQ(c.socket_mode, 0640);
	CHECK_STR(c.name, "test");

	/* syslog.conf, with a second argument, and keys and values in another case. */
	CHECK_EQ(parse("Active = YES\ndirection = out\npath = /sbin/audisp-syslog\ntype = always \n"
		       "args = LOG_INFO LOG_LOCAL6\nformat = String\n", &c, err), 0);
	CHECK(c.active);
	CHECK_EQ(c.kind, PLUGIN_EXEC);
	CHECK_STR(c.path, "/sbin/audisp-syslog");
	CHECK_EQ(c.nargs, 2);
	CHECK_STR(c.args[0], "LOG_INFO");
	CHECK_STR(c.args[1], "LOG_LOCAL6");

	/* laurel's, binary format, no spaces around '=', a later line wins. */
	CHECK_EQ(parse("active=no\nactive=yes\ntype=always\nformat=binary\npath=/usr/sbin/laurel\n"
		       "args = --config /etc/laurel/config.toml\n", &c, err), 0);
	CHECK(c.active);
	CHECK_EQ(c.format, PLUGIN_BINARY);
	CHECK_EQ(c.nargs, 2);
	CHECK_STR(c.args[1], "/etc/laurel/config.toml");

	/* Inactive: nothing more is asked of it (auditd checks active ones). */
	CHECK_EQ(parse("active = no\n", &c, err), 0);
	CHECK(!c.active);
	/* af_unix's mode is optional (0600 then), its args in any order. */
	CHECK_EQ(parse("active = yes\npath = builtin_af_unix\ntype = builtin\nargs = /run/x\n", &c,
		       err), 0);
	CHECK_EQ(c.socket_mode, 0600);
	CHECK_EQ(parse("active = yes\npath = builtin_af_unix\ntype = builtin\nargs = /run/x 0666\n",
		       &c, err), 0);
	CHECK_EQ(c.socket_mode, 0666);
}

TEST(errors_at_their_line)
{
	expect_error("active = yes\nbogus = 1\n",
		     "t.conf:2: unknown key 'bogus' (active, direction, path, type, args, format)");
	expect_error("\nactive = maybe\n", "t.conf:2: active: 'maybe' is not 'yes' or 'no'");
	expect_error("direction = in\n",
		     "t.conf:1: direction: 'in' is not supported (only 'out', as in auditd)");
	expect_error("format = json\n", "t.conf:1: format: 'json' is not 'string' or 'binary'");
	expect_error("type = sometimes\n", "t.conf:1: type: 'sometimes' is not 'always' or 'builtin'");
	expect_error("path = /a /b\n", "t.conf:1: path takes one value, not '/a /b...'");
	expect_error("active yes\n", "t.conf:1: expected 'key = value', got 'active yes'");
	expect_error("format =\n", "t.conf:1: format has no value");
	expect_error("args = 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n",
		     "t.conf:1: args: more than 16 words");
	/* Every error of the file at once. */
	expect_error("active = sometimes\nformat = xml\n",
		     "t.conf:1: active: 'sometimes' is not 'yes' or 'no'\n"
		     "t.conf:2: format: 'xml' is not 'string' or 'binary'");
}

TEST(errors_of_an_active_plugin)
{
	expect_error("active = yes\n", "t.conf: active but no path given");
	expect_error("active = yes\npath = bin/plugin\n",
		     "t.conf:2: path: 'bin/plugin' is not an absolute path");
	expect_error("active = yes\ntype = builtin\npath = builtin_syslog\n",
		     "t.conf:2: type = builtin: the only builtin is builtin_af_unix, not "
		     "'builtin_syslog'");
	expect_error("active = yes\npath = builtin_af_unix\nargs = 0640 /run/x\n",
		     "t.conf:2: path = builtin_af_unix needs type = builtin");
	expect_error("active = yes\npath = builtin_af_unix\ntype = builtin\nargs = 0640\n",
		     "t.conf:4: builtin_af_unix needs the socket's path in args (args = 0640 "
		     "/var/run/audispd_events)");
	expect_error("active = yes\npath = builtin_af_unix\ntype = builtin\nargs = rw /run/x\n",
		     "t.conf:4: args: 'rw' is neither the socket's mode (octal) nor an absolute path");
}

/* A file of the test's directory, mode as given (written as root: owned
 * by root, as plugin files must be). */
static void put(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
	CHECK_EQ(chmod(path, mode), 0);
}

TEST(directory_as_auditd_reads_it)
{
	const char *dir = harness_tempdir("plugins");
	static struct plugin_list l;
	char err[PLUGIN_ERRORS_MAX], prog[512], want[4096];
	const char *sh = "active = yes\ntype = always\nformat = string\npath = ";
	char text[1024];

	if (geteuid() != 0)
		SKIP("plugin files must be owned by root: run as root");
	snprintf(prog, sizeof(prog), "%s/plugin.sh", dir);
	put(dir, "plugin.sh", "#!/bin/sh\ncat >/dev/null\n", 0750);
	snprintf(text, sizeof(text), "%s%s\n", sh, prog);
	put(dir, "b-good.conf", text, 0640);
	put(dir, "a-sock.conf", debian_af_unix, 0644);
	put(dir, "c-off.conf", "active = no\npath = /nowhere\n", 0640);
	put(dir, "d-bad.conf", "active = yes\nformat = xml\n", 0640);
	put(dir, "e-writable.conf", text, 0664);
	put(dir, "f-missing.conf", "active = yes\npath = /nonexistent/plugin\n", 0640);
	snprintf(text, sizeof(text), "%s%s/notexec\n", sh, dir);
	put(dir, "notexec", "#!/bin/sh\n", 0640);
	put(dir, "g-notexec.conf", text, 0640);
	put(dir, "h-sock-again.conf", debian_af_unix, 0644);
	put(dir, "b-good.conf.dpkg-old", "bogus\n", 0640); /* a backup: skipped silently */
	put(dir, ".hidden.conf", "bogus\n", 0640);
	put(dir, "a b.conf", "active = no\n", 0640);

	CHECK_EQ(plugins_conf_load(dir, &l, err, sizeof(err)), 2);
	CHECK_STR(l.p[0].name, "a-sock");
	CHECK_EQ(l.p[0].kind, PLUGIN_AF_UNIX);
	CHECK_STR(l.p[1].name, "b-good");
	CHECK_STR(l.p[1].path, prog);
	/* c-off, and notexec: its one line "#!/bin/sh" is a comment. */
	CHECK_EQ(l.inactive, 2);
	/* plugin.sh and notexec are files of the directory too, as auditd
	 * reads them. */
	CHECK_EQ(l.files, 11);
	CHECK_EQ(l.skipped, 7);
	{
		static const char *const lines[] = {
			"/a b.conf: the name may hold only letters, digits and _.+:@- (it names "
			"the plugin in needle's metrics); skipped",
			"/d-bad.conf:2: format: 'xml' is not 'string' or 'binary'",
			"/e-writable.conf: is writable by group or others; skipped (a plugin runs "
			"as root)",
			"/f-missing.conf:2: path: /nonexistent/plugin: No such file or directory",
			"/g-notexec.conf:4: path: DIR/notexec is not executable",
			"/h-sock-again.conf: socket /var/run/audispd_events is already "
			"DIR/a-sock.conf's",
			"/plugin.sh:2: expected 'key = value', got 'cat >/dev/null'",
		};
		size_t len = 0;

		for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
			const char *p = lines[i], *d;

			len += (size_t)snprintf(want + len, sizeof(want) - len, "%s%s", i ? "\n" : "",
						dir);
			while ((d = strstr(p, "DIR"))) {
				len += (size_t)snprintf(want + len, sizeof(want) - len, "%.*s%s",
							(int)(d - p), p, dir);
				p = d + 3;
			}
			len += (size_t)snprintf(want + len, sizeof(want) - len, "%s", p);
		}
	}
	CHECK_STR(err, want);
}

TEST(missing_directory)
{
	static struct plugin_list l;
	char err[PLUGIN_ERRORS_MAX];

	CHECK_EQ(plugins_conf_load("/nonexistent/plugins.d", &l, err, sizeof(err)), -ENOENT);
	CHECK_STR(err, "/nonexistent/plugins.d: cannot read plugin_dir: No such file or directory");
	CHECK_EQ(l.n, 0);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(debian_files_parse), CASE(errors_at_their_line),
				  CASE(errors_of_an_active_plugin), CASE(directory_as_auditd_reads_it),
				  CASE(missing_directory)));
}
