/* SPDX-License-Identifier: MIT */
/*
 * procinfo's namespaces and ids inside a user namespace, on real processes:
 * a child of this test unshares namespaces (unshare(2), root only: the case
 * skips when the kernel says EPERM) and reports what it sees of itself,
 * /proc/self/ns/ and getuid/getgid inside; procinfo_read of that child,
 * from outside, must agree, and so must procsnap_read (the connector
 * thread's reader, the same parts in another order). The text parsers are
 * tested on their own.
 */
#include "harness.h"
#include "procinfo.h"
#include "procsnap.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const names[PROCINFO_NS_COUNT] = { "pid", "mnt", "net",   "user",
						       "uts", "ipc", "cgroup" };

TEST(gid_maps)
{
	uint32_t inside = 0;

	/* unshare --map-root-user as nobody: setgroups deny, then "0 GID 1". */
	CHECK(procinfo_map_uid("         0      65534          1\n", 65534, &inside));
	CHECK_EQ(inside, 0);
	/* a subordinate range (podman's /etc/subgid), the caller's gid first */
	CHECK(procinfo_map_uid("0 1000 1\n1 165536 65536\n", 165536 + 99, &inside));
	CHECK_EQ(inside, 100);
	CHECK(!procinfo_map_uid("0 1000 1\n1 165536 65536\n", 165536 + 65536, &inside));
	CHECK(!procinfo_map_uid("0 1000", 1000, &inside)); /* cut short */
	CHECK_EQ(inside, 100);                              /* untouched on failure */
}

TEST(ids_from_status)
{
	/* Real, effective, saved, filesystem: the real one is the first. */
	const char *status = "Name:\tfake\\nGid:\\t7\nUmask:\t0022\nState:\tS (sleeping)\n"
			     "Uid:\t1000\t0\t0\t0\nGid:\t1001\t5\t5\t5\nFDSize:\t64\n";
	uint32_t uid = 1, gid = 1;

	CHECK(procinfo_parse_ids(status, &uid, &gid));
	CHECK_EQ(uid, 1000);
	CHECK_EQ(gid, 1001);
	uid = gid = 1;
	CHECK(!procinfo_parse_ids("Name:\tx\nUid:\t42\t42\t42\t42\n", &uid, &gid));
	CHECK_EQ(uid, 42);
	CHECK_EQ(gid, 1); /* missing: left as it was */
	CHECK(!procinfo_parse_ids("Name:\tx\nUid:\t-1\nGid:\tz\n", &uid, &gid));
	CHECK_EQ(uid, 42);
	CHECK_EQ(gid, 1);
}

/* A child in its own namespaces. It reports the errno of unshare (0 when
 * done), its namespace inodes, waits for one byte on go (time for the
 * parent to write its maps), reports getuid and getgid, and lives until go
 * is closed. */
struct ns_child {
	pid_t pid;
	int report, go;
	int unshare_errno;
	uint64_t ino[PROCINFO_NS_COUNT];
	uint32_t ids[2];
};

static _Noreturn void ns_child_main(int flags, int report, int go)
{
	uint64_t ino[PROCINFO_NS_COUNT] = { 0 };
	int err = unshare(flags) == 0 ? 0 : errno;
	uint32_t ids[2];
	char c;

	if (write(report, &err, sizeof(err)) != sizeof(err) || err)
		_exit(1);
	for (int i = 0; i < PROCINFO_NS_COUNT; i++) {
		char path[64];
		struct stat st;

		snprintf(path, sizeof(path), "/proc/self/ns/%s", names[i]);
		ino[i] = stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
	}
	if (write(report, ino, sizeof(ino)) != sizeof(ino) || read(go, &c, 1) != 1)
		_exit(1);
	ids[0] = (uint32_t)getuid();
	ids[1] = (uint32_t)getgid();
	if (write(report, ids, sizeof(ids)) != sizeof(ids))
		_exit(1);
	_exit(read(go, &c, 1) < 0);
}

static void ns_child_end(void *arg)
{
	struct ns_child *c = arg;

	if (c->go >= 0)
		close(c->go);
	if (c->report >= 0)
		close(c->report);
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
}

/* Starts the child; false (the case skips) when unshare said EPERM. */
static bool ns_child_start(struct ns_child *c, int flags)
{
	int report[2], go[2];

	CHECK(pipe2(report, O_CLOEXEC) == 0 && pipe2(go, O_CLOEXEC) == 0);
	c->pid = fork();
	CHECK(c->pid >= 0);
	if (c->pid == 0) {
		close(report[0]);
		close(go[1]);
		ns_child_main(flags, report[1], go[0]);
	}
	close(report[1]);
	close(go[0]);
	c->report = report[0];
	c->go = go[1];
	harness_defer(ns_child_end, c);
	CHECK(read(c->report, &c->unshare_errno, sizeof(int)) == sizeof(int));
	/* EPERM: not allowed here; EINVAL: a user namespace needs a process
	 * with one thread, and under ThreadSanitizer this one has its own */
	if (c->unshare_errno == EPERM || c->unshare_errno == EINVAL)
		return false;
	CHECK_EQ(c->unshare_errno, 0);
	CHECK(read(c->report, c->ino, sizeof(c->ino)) == sizeof(c->ino));
	return true;
}

/* Lets the child read its ids, and reads them. */
static void ns_child_ids(struct ns_child *c)
{
	CHECK(write(c->go, "g", 1) == 1);
	CHECK(read(c->report, c->ids, sizeof(c->ids)) == sizeof(c->ids));
}

/* The namespaces the child sees as its own that are not the host's: the
 * bits procinfo_read must give. */
static unsigned expected_ns(const struct procinfo_host *host, const struct ns_child *c)
{
	unsigned ns = 0;

	for (int i = 0; i < PROCINFO_NS_COUNT; i++)
		if (c->ino[i] && host->ns_ino[i] && c->ino[i] != host->ns_ino[i])
			ns |= 1u << i;
	return ns;
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	CHECK(fd >= 0);
	CHECK_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* As root, a child in a user namespace (and extra, more flags) whose
 * parent writes its uid_map and gid_map; false (the case skips) where
 * that is refused. */
static bool mapped_child_start(struct ns_child *c, int extra, const char *uid_map,
			       const char *gid_map)
{
	char path[64];

	if (getuid() != 0 || getgid() != 0)
		SKIP("needs uid and gid 0 (the maps map them)");
	if (!ns_child_start(c, CLONE_NEWUSER | extra))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)c->pid);
	write_file(path, uid_map);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)c->pid);
	write_file(path, gid_map);
	ns_child_ids(c);
	return true;
}

/* procinfo_read of the child: its namespaces as it sees them itself, and
 * procsnap_read finds the same. */
static void read_child(const struct procinfo_host *host, const struct ns_child *c,
		       struct procinfo *info)
{
	struct procinfo snap;

	CHECK_EQ(procinfo_read(host, (uint32_t)c->pid, info), 0);
	NOTE("child %d: ns 0x%x, its own view 0x%x", (int)c->pid, info->ns, expected_ns(host, c));
	CHECK_EQ(info->ns, expected_ns(host, c));
	CHECK_EQ(procsnap_read(host, (uint32_t)c->pid, &snap, &(unsigned){ 0 }), 0);
	CHECK_EQ(snap.ns, info->ns);
	CHECK_EQ(snap.uid, info->uid);
	CHECK_EQ(snap.gid, info->gid);
	CHECK_EQ(snap.has_ns_uid, info->has_ns_uid);
	CHECK_EQ(snap.ns_uid, info->ns_uid);
	CHECK_EQ(snap.has_ns_gid, info->has_ns_gid);
	CHECK_EQ(snap.ns_gid, info->ns_gid);
	CHECK_STR(snap.exe, info->exe);
}

TEST(uts_ipc_cgroup_namespaces)
{
	static struct ns_child c = { .report = -1, .go = -1 };
	struct procinfo_host host;
	struct procinfo info;

	procinfo_host_init(&host);
	if (!ns_child_start(&c, CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP))
		SKIP("unshare(uts, ipc, cgroup): EPERM (not root, or not allowed here)");
	ns_child_ids(&c);
	read_child(&host, &c, &info);
	CHECK_EQ(info.ns & (NS_UTS | NS_IPC | NS_CGROUP), NS_UTS | NS_IPC | NS_CGROUP);
	CHECK(!(info.ns & NS_USER));
	CHECK(!info.has_ns_uid && !info.has_ns_gid);
	CHECK_EQ(info.uid, c.ids[0]);
	CHECK_EQ(info.gid, c.ids[1]);
}

/* Root makes a user namespace and its parent maps its own uid 0 to 1000
 * inside and gid 0 to 2000: the child's getuid/getgid say 1000 and 2000,
 * and procinfo_read must find them in uid_map and gid_map. */
TEST(user_namespace_uid_and_gid)
{
	static struct ns_child c = { .report = -1, .go = -1 };
	struct procinfo_host host;
	struct procinfo info;

	procinfo_host_init(&host);
	if (!mapped_child_start(&c, CLONE_NEWUTS, "1000 0 1\n", "2000 0 1\n"))
		SKIP("unshare(user, uts) refused: EPERM (not allowed here) or EINVAL (a sanitizer's thread)");
	CHECK_EQ(c.ids[0], 1000);
	CHECK_EQ(c.ids[1], 2000);
	read_child(&host, &c, &info);
	CHECK_EQ(info.ns & (NS_USER | NS_UTS), NS_USER | NS_UTS);
	CHECK_EQ(info.uid, 0);
	CHECK_EQ(info.gid, 0);
	CHECK(info.has_ns_uid);
	CHECK_EQ(info.ns_uid, c.ids[0]);
	CHECK(info.has_ns_gid);
	CHECK_EQ(info.ns_gid, c.ids[1]);
}

/* gid mapped to itself: the user namespace is there, the gid the same. */
TEST(user_namespace_gid_unchanged)
{
	static struct ns_child c = { .report = -1, .go = -1 };
	struct procinfo_host host;
	struct procinfo info;

	procinfo_host_init(&host);
	if (!mapped_child_start(&c, 0, "0 0 1\n1 100000 1000\n", "0 0 1\n"))
		SKIP("unshare(user) refused: EPERM (not allowed here) or EINVAL (a sanitizer's thread)");
	read_child(&host, &c, &info);
	CHECK(info.ns & NS_USER);
	CHECK(!info.has_ns_uid);
	CHECK(!info.has_ns_gid);
	CHECK_EQ(info.gid, c.ids[1]);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(gid_maps), CASE(ids_from_status),
				  CASE(uts_ipc_cgroup_namespaces), CASE(user_namespace_uid_and_gid),
				  CASE(user_namespace_gid_unchanged)));
}
