/* SPDX-License-Identifier: MIT */
/*
 * plugins.c: the plugins' processes (plugins.h draws their life).
 *
 * A program is started with posix_spawn(): standard input one end of a
 * socketpair (auditd's choice: some plugins peek at it with recvfrom),
 * standard output and error needle's own (the journal, under systemd),
 * every other descriptor closed, signals unblocked and at their defaults
 * (needle blocks some and ignores SIGPIPE), an empty environment (auditd
 * execs with none), and a process group of its own, so that a Ctrl-C on
 * needle's terminal does not kill a plugin before its input ends. Only
 * the pids started here are waited for: the kernel session's child has
 * its own waitpid.
 */
#include "plugins.h"
#include "caps.h"
#include "plugins-conf.h"
#include "say.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A kind of drop is warned at most this often per plugin (seconds). */
#define WARN_EVERY 10
/* At stop: the time plugins get to exit at the end of their input, then
 * after SIGTERM, before SIGKILL (milliseconds). */
#define EXIT_GRACE_MS 1000
#define TERM_GRACE_MS 2000

struct plugin_run {
	pid_t pid;               /* 0: not running */
	unsigned restarts;
	uint64_t started_tick;   /* pl->ticks at its last start */
	unsigned quick_ends;     /* runs that ended by the first tick after their start */
	char last_end[96];       /* how the last run ended (exit_text) */
	bool given_up;
	bool listening;          /* af_unix: its socket is bound */
	uint64_t broken_seen;    /* dispatch_broken() when last looked at */
	uint64_t warned[DISPATCH_DROP_COUNT];
	uint64_t warned_at;      /* tick of the last warning, 0: never */
};

struct plugins {
	struct dispatch *d;
	uint64_t ticks;
	uint64_t queue_bytes;    /* for the warnings */
	struct plugin_run run[PLUGINS_MAX];
	struct plugin_list list;
};

static const char *const format_names[] = { [PLUGIN_STRING] = "string",
					    [PLUGIN_BINARY] = "binary" };

struct plugins *plugins_load(const struct conf *conf)
{
	static char err[PLUGIN_ERRORS_MAX];
	struct plugins *pl;
	int n;

	if (!conf->plugin_dir[0])
		return NULL;
	pl = calloc(1, sizeof(*pl));
	if (!pl) {
		say("plugins: out of memory; no plugin is started");
		return NULL;
	}
	pl->queue_bytes = conf->plugin_queue_size;
	n = plugins_conf_load(conf->plugin_dir, &pl->list, err, sizeof(err));
	if (n < 0 && n != -ENOENT)
		say_lines("plugins: ", err);
	else if (err[0])
		say_lines("plugins: skipped: ", err);
	if (n <= 0) {
		if (n == 0 || n == -ENOENT)
			say("plugins: none active in %s (%u files, %u inactive, %u skipped)",
			    conf->plugin_dir, pl->list.files, pl->list.inactive, pl->list.skipped);
		free(pl);
		return NULL;
	}
	say("plugins: %d active in %s (%u files, %u inactive, %u skipped); %s records",
	    n, conf->plugin_dir, pl->list.files, pl->list.inactive, pl->list.skipped,
	    conf->output_enriched ? "ENRICHED" : "RAW");
	return pl;
}

void plugins_fill(const struct plugins *pl, const struct conf *conf,
		  struct dispatch_settings *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->queue_bytes = conf->plugin_queue_size;
	/* auditd sends its plugins what it logs: with log_format = ENRICHED,
	 * the ENRICHED lines. */
	ret->enriched = conf->output_enriched;
	if (!pl)
		return;
	ret->n = pl->list.n;
	for (unsigned i = 0; i < pl->list.n; i++) {
		const struct plugin_conf *c = &pl->list.p[i];

		_Static_assert(sizeof(ret->plugin[i].name) >= PLUGIN_NAME_MAX, "a plugin's name fits");
		snprintf(ret->plugin[i].name, sizeof(ret->plugin[i].name), "%s", c->name);
		ret->plugin[i].format = c->format == PLUGIN_BINARY ? DISPATCH_BINARY : DISPATCH_STRING;
		ret->plugin[i].af_unix = c->kind == PLUGIN_AF_UNIX;
	}
}

/* Starts program i with its socket; 0 or -errno (nothing left behind). */
static int spawn(struct plugins *pl, unsigned i)
{
	const struct plugin_conf *c = &pl->list.p[i];
	char *argv[PLUGIN_MAX_ARGS + 2], *envp[] = { NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int sv[2], r;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	argv[0] = (char *)c->path;
	for (unsigned k = 0; k < c->nargs; k++)
		argv[k + 1] = (char *)c->args[k];
	argv[c->nargs + 1] = NULL;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], STDIN_FILENO);
	posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					      POSIX_SPAWN_SETPGROUP);
	r = posix_spawn(&pid, c->path, &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	close(sv[1]);
	if (r) {
		close(sv[0]);
		return -r;
	}
	pl->run[i].pid = pid;
	pl->run[i].started_tick = pl->ticks;
	pl->run[i].broken_seen = dispatch_broken(pl->d, i);
	dispatch_attach(pl->d, i, sv[0]);
	return 0;
}

/* The builtin af_unix: a socket at its path, with its mode, that the
 * dispatcher's writer accepts readers on. As auditd, a file left at the
 * path is replaced, but only a socket: anything else is refused. */
static int listen_af_unix(struct plugins *pl, unsigned i)
{
	const struct plugin_conf *c = &pl->list.p[i];
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	if (lstat(c->socket_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		unlink(c->socket_path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", c->socket_path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    chmod(c->socket_path, c->socket_mode) < 0 || listen(fd, 5) < 0) {
		r = -errno;
		close(fd);
		unlink(c->socket_path);
		return r;
	}
	pl->run[i].listening = true;
	dispatch_listen(pl->d, i, fd);
	return 0;
}

static void give_up(struct plugins *pl, unsigned i)
{
	pl->run[i].given_up = true;
	dispatch_give_up(pl->d, i);
}

void plugins_start(struct plugins *pl, struct dispatch *d)
{
	if (!pl)
		return;
	pl->d = d;
	for (unsigned i = 0; i < pl->list.n; i++) {
		const struct plugin_conf *c = &pl->list.p[i];
		int r;

		if (c->kind == PLUGIN_AF_UNIX) {
			r = listen_af_unix(pl, i);
			if (r == 0)
				say("plugin %s: af_unix socket %s (mode %04o, %s format): a reader "
				    "connects, one at a time",
				    c->name, c->socket_path, c->socket_mode, format_names[c->format]);
			else
				say("plugin %s: cannot make the socket %s: %s; continuing without it",
				    c->name, c->socket_path,
				    r == -EEXIST ? "a file that is not a socket is there" : strerror(-r));
		} else {
			r = spawn(pl, i);
			if (r == 0)
				say("plugin %s: started %s (pid %d, %s format)", c->name, c->path,
				    (int)pl->run[i].pid, format_names[c->format]);
			else
				say("plugin %s: cannot run %s: %s; continuing without it", c->name,
				    c->path, strerror(-r));
		}
		if (r < 0)
			give_up(pl, i);
	}
}

/* How a process ended, for the log. */
static void exit_text(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "ended (status %#x)", status);
}

/* The plugin given up: how it ended, and when every run ended at once
 * while needle runs confined (needle.service), that it shares the
 * confinement: the usual reason a plugin that works under auditd.service
 * (barely confined) cannot start under needle's unit. */
static void say_given_up(struct plugins *pl, unsigned i, unsigned max_restarts)
{
	const struct plugin_conf *c = &pl->list.p[i];
	const struct plugin_run *run = &pl->run[i];
	unsigned runs = run->restarts + 1;
	char ended[160], sandbox[256] = "";

	if (run->quick_ends == runs) {
		snprintf(ended, sizeof(ended),
			 "each of its %u runs ended within a second of its start, the last one %s",
			 runs, run->last_end);
		caps_describe_sandbox(sandbox, sizeof(sandbox));
	} else {
		snprintf(ended, sizeof(ended), "its last run %s", run->last_end);
	}
	say("plugin %s: started again %u times, max_restarts is %u: given up; its records "
	    "are dropped from now on (needle's logs have them); %s%s%s%s",
	    c->name, run->restarts, max_restarts, ended,
	    sandbox[0] ? ". It runs confined as needle is (needle.service confines it): " : "",
	    sandbox,
	    sandbox[0] ? "; a plugin that needs more (to write elsewhere, other capabilities) "
			 "needs it granted to needle: a drop-in for needle.service (needle(8), "
			 "PLUGINS)"
		       : "");
}

/* auditd's rule: a plugin is started again at most max_restarts times. */
static void restart(struct plugins *pl, unsigned i, unsigned max_restarts)
{
	const struct plugin_conf *c = &pl->list.p[i];
	struct plugin_run *run = &pl->run[i];
	int r;

	if (run->restarts >= max_restarts) {
		say_given_up(pl, i, max_restarts);
		give_up(pl, i);
		return;
	}
	run->restarts++;
	r = spawn(pl, i);
	if (r < 0) {
		say("plugin %s: cannot run %s again: %s; continuing without it", c->name, c->path,
		    strerror(-r));
		give_up(pl, i);
		return;
	}
	say("plugin %s: started again (%u of max_restarts %u), pid %d", c->name, run->restarts,
	    max_restarts, (int)run->pid);
}

/* Records a plugin did not get, at most every WARN_EVERY seconds each. A
 * plugin given up was said once; an af_unix socket without a reader
 * drops what nobody asked for, as auditd does, without a word. */
static void warn_drops(struct plugins *pl, unsigned i)
{
	static const char *const why[DISPATCH_DROP_COUNT] = {
		[DISPATCH_DROP_FULL] = "its queue was full: it reads too slowly (raise "
				       "plugin_queue_size, or see what holds the plugin up)",
		[DISPATCH_DROP_DOWN] = "it was not running (restarting)",
		[DISPATCH_DROP_STOP] = "still queued at stop",
		[DISPATCH_DROP_ERROR] = "not formatted: out of memory",
	};
	struct plugin_run *run = &pl->run[i];
	struct dispatch_stats st;
	char text[512];
	size_t len = 0;

	if (run->warned_at && pl->ticks - run->warned_at < WARN_EVERY)
		return;
	dispatch_get_stats(pl->d, i, &st);
	for (unsigned k = 0; k < DISPATCH_DROP_COUNT; k++) {
		uint64_t n = st.dropped[k] - run->warned[k];

		run->warned[k] = st.dropped[k];
		if (!n || (k == DISPATCH_DROP_DOWN &&
			   (run->given_up || pl->list.p[i].kind == PLUGIN_AF_UNIX)))
			continue;
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%" PRIu64 " records: %s",
					len ? "; " : "", n, why[k]);
		if (len >= sizeof(text))
			break;
	}
	if (!len)
		return;
	run->warned_at = pl->ticks;
	say("warning: plugin %s did not get %s. needle's logs have these events; the plugin "
	    "misses them (queue %" PRIu64 " bytes)",
	    st.name, text, pl->queue_bytes);
}

void plugins_tick(struct plugins *pl, unsigned max_restarts)
{
	if (!pl)
		return;
	pl->ticks++;
	for (unsigned i = 0; i < pl->list.n; i++) {
		struct plugin_run *run = &pl->run[i];
		uint64_t broken;
		char how[sizeof(run->last_end)];
		int status;

		if (run->pid > 0 && waitpid(run->pid, &status, WNOHANG) == run->pid) {
			exit_text(status, how, sizeof(how));
			say("plugin %s: %s (pid %d) %s", pl->list.p[i].name, pl->list.p[i].path,
			    (int)run->pid, how);
			snprintf(run->last_end, sizeof(run->last_end), "%s", how);
			run->quick_ends += pl->ticks - run->started_tick <= 1;
			run->pid = 0;
			restart(pl, i, max_restarts);
		} else if (run->pid > 0 &&
			   (broken = dispatch_broken(pl->d, i)) > run->broken_seen) {
			/* Running but no longer reading its input: ended, and
			 * started again when it has gone. */
			run->broken_seen = broken;
			say("plugin %s: pid %d closed its input; stopping it (SIGTERM) to start it "
			    "again",
			    pl->list.p[i].name, (int)run->pid);
			kill(run->pid, SIGTERM);
		}
		warn_drops(pl, i);
	}
}

void plugins_hup(struct plugins *pl)
{
	if (!pl)
		return;
	for (unsigned i = 0; i < pl->list.n; i++)
		if (pl->run[i].pid > 0)
			kill(pl->run[i].pid, SIGHUP);
}

/* Waits up to ms for the running plugins to exit; reaps those that did.
 * Returns how many still run. */
static unsigned reap_for(struct plugins *pl, unsigned ms)
{
	for (unsigned waited = 0;; waited += 10) {
		struct timespec nap = { 0, 10000000 };
		unsigned running = 0;

		for (unsigned i = 0; i < pl->list.n; i++) {
			struct plugin_run *run = &pl->run[i];
			int status;

			if (run->pid > 0 && waitpid(run->pid, &status, WNOHANG) == run->pid)
				run->pid = 0;
			running += run->pid > 0;
		}
		if (!running || waited >= ms)
			return running;
		nanosleep(&nap, NULL);
	}
}

static void signal_all(struct plugins *pl, int sig)
{
	for (unsigned i = 0; i < pl->list.n; i++)
		if (pl->run[i].pid > 0) {
			say("plugin %s: pid %d still runs at the end of its input: %s",
			    pl->list.p[i].name, (int)pl->run[i].pid, sig == SIGKILL ? "SIGKILL" : "SIGTERM");
			kill(pl->run[i].pid, sig);
		}
}

void plugins_stop(struct plugins *pl)
{
	if (!pl)
		return;
	/* Their input has ended (the dispatcher closed it): most exit now. */
	if (reap_for(pl, EXIT_GRACE_MS)) {
		signal_all(pl, SIGTERM);
		if (reap_for(pl, TERM_GRACE_MS)) {
			signal_all(pl, SIGKILL);
			reap_for(pl, 60000);
		}
	}
	for (unsigned i = 0; i < pl->list.n; i++) {
		const struct plugin_conf *c = &pl->list.p[i];
		struct dispatch_stats st;

		if (pl->run[i].listening)
			unlink(c->socket_path);
		if (!pl->d)
			continue;
		dispatch_get_stats(pl->d, i, &st);
		say("stopped: plugin %s got %" PRIu64 " records; did not get: %" PRIu64 " (queue full), "
		    "%" PRIu64 " (not running), %" PRIu64 " (at stop), %" PRIu64
		    " (out of memory); started again %u times%s",
		    c->name, st.records, st.dropped[DISPATCH_DROP_FULL],
		    st.dropped[DISPATCH_DROP_DOWN], st.dropped[DISPATCH_DROP_STOP],
		    st.dropped[DISPATCH_DROP_ERROR], pl->run[i].restarts,
		    pl->run[i].given_up ? ", given up" : "");
	}
	free(pl);
}
