/* SPDX-License-Identifier: MIT */
/* format's process hook: what it is told, what it writes, and that the
 * untrusted names it writes cannot break the line. */
#include "assemble.h"
#include "format.h"
#include "harness.h"

#include <libaudit.h>
#include <string.h>

struct fake {
	struct format_facts seen;
	unsigned calls;
	const char *exe;
	bool all_ns_gid_only; /* the second case's answer */
};

static bool fake_process(void *arg, const struct format_facts *f, struct format_process *ret)
{
	struct fake *fk = arg;

	fk->seen = *f;
	fk->calls++;
	ret->generation = fk->calls; /* a new answer each time */
	ret->known = false;
	ret->nancestors = 2;
	ret->ancestors[0] = (struct format_ancestor){ .pid = f->ppid, .known = true,
						      .exe = fk->exe, .argv0 = "sh" };
	ret->ancestors[1] = (struct format_ancestor){ .pid = 1, .known = false };
	ret->runtime = "docker";
	ret->container_id = "abc";
	ret->namespaces = 1 | 8 | 16 | 64;
	ret->has_container_uid = true;
	ret->host_uid = 100000;
	ret->container_uid = 0;
	ret->has_container_gid = true;
	ret->host_gid = 100005;
	ret->container_gid = 5;
	if (fk->all_ns_gid_only) {
		ret->namespaces = 0x7f;
		ret->has_container_uid = false;
	}
	return true;
}

static struct audit_event *execve_event(struct assembler *a)
{
	static const struct {
		unsigned type;
		const char *body;
	} recs[] = {
		{ AUDIT_SYSCALL, "arch=c000003e syscall=59 success=yes exit=0 ppid=41 pid=42 auid=1000 "
				 "uid=100000 euid=100000 comm=\"sleep\" exe=\"/usr/bin/sleep\" key=\"k\"" },
		{ AUDIT_EXECVE, "argc=2 a0=\"sleep\" a1=\"3\"" },
		{ AUDIT_EOE, "" },
	};
	struct audit_stamp st = { .sec = 100, .msec = 5, .serial = 7 };

	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		CHECK_EQ(assembler_add(a, recs[i].type, &st, NULL, 0, recs[i].body,
				       strlen(recs[i].body), 0),
			 0);
	return assembler_pop(a);
}

TEST(facts_and_context_in_json)
{
	struct assemble_config cfg = { 0 };
	struct assembler *a = assembler_new(&cfg);
	struct fake fk = { .exe = "/tmp/evil\n\"},{\"forged\":1" };
	struct format_ctx ctx = { .process = fake_process, .process_arg = &fk };
	struct outbuf out = { 0 };
	struct audit_event *ev = execve_event(a);
	const char *line;

	CHECK(ev != NULL);
	format_event_json(&ctx, ev, &out);
	format_event_json(&ctx, ev, &out); /* twice: the second reuses nothing stale */
	outbuf_putc(&out, '\0');
	line = out.data;
	CHECK_EQ(fk.calls, 2);
	CHECK_EQ(fk.seen.pid, 42);
	CHECK_EQ(fk.seen.ppid, 41);
	CHECK_EQ(fk.seen.sec, 100);
	CHECK_STR(fk.seen.syscall, "execve");
	CHECK(fk.seen.success);
	CHECK_STR(fk.seen.exe, "/usr/bin/sleep");
	CHECK_STR(fk.seen.argv0, "sleep");
	CHECK(strstr(line, "\"host_uid\":100000,\"container_uid\":0,"
			   "\"host_gid\":100005,\"container_gid\":5}") != NULL);
	CHECK(strstr(line, "\"process_known\":false,\"ancestors\":[{\"pid\":41,\"exe\":"
			   "\"/tmp/evil%0A\\\"},{\\\"forged\\\":1\",\"argv0\":\"sh\"},"
			   "{\"pid\":1,\"known\":false}]") != NULL);
	CHECK(strstr(line, "\"container\":{\"runtime\":\"docker\",\"id\":\"abc\"}") != NULL);
	CHECK(strstr(line, "\"namespaces\":[\"pid\",\"user\",\"uts\",\"cgroup\"]") != NULL);
	/* Two events, two lines: the hostile name broke none. */
	CHECK(strchr(line, '\n') != NULL && strchr(strchr(line, '\n') + 1, '\n') != NULL);
	CHECK(strchr(strchr(strchr(line, '\n') + 1, '\n') + 1, '\n') == NULL);
	assembler_done(a, ev);
	outbuf_free(&out);
	format_ctx_free(&ctx);
	assembler_free(a);
}

/* Each of the seven namespaces by name, in procinfo's bit order; a gid
 * mapped in a user namespace that maps the uid to itself comes alone. */
TEST(seven_namespaces_and_the_gid_alone)
{
	struct assemble_config cfg = { 0 };
	struct assembler *a = assembler_new(&cfg);
	struct fake fk = { .exe = "/bin/sh", .all_ns_gid_only = true };
	struct format_ctx ctx = { .process = fake_process, .process_arg = &fk };
	struct outbuf out = { 0 };
	struct audit_event *ev = execve_event(a);

	CHECK(ev != NULL);
	format_event_json(&ctx, ev, &out);
	outbuf_putc(&out, '\0');
	CHECK(strstr(out.data, "\"namespaces\":[\"pid\",\"mnt\",\"net\",\"user\",\"uts\",\"ipc\","
			       "\"cgroup\"]") != NULL);
	CHECK(strstr(out.data, "\"euid\":100000,\"host_gid\":100005,\"container_gid\":5}") != NULL);
	CHECK(strstr(out.data, "container_uid") == NULL);
	assembler_done(a, ev);
	outbuf_free(&out);
	format_ctx_free(&ctx);
	assembler_free(a);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(facts_and_context_in_json),
				  CASE(seven_namespaces_and_the_gid_alone)));
}
