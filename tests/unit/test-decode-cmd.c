/* SPDX-License-Identifier: MIT */
/*
 * `needle decode` when memory runs out. The program is linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc: every allocation that
 * needle's own code makes (decode/, context/ and cli/; not libc's inside
 * getline or stdio) goes through the wrappers below, which can fail the
 * Nth one. The sweep fails each allocation of a decode run in turn, the
 * output buffer's growth among them, and checks what the command must do:
 * say "out of memory", exit non-zero, and leave on stdout only whole lines,
 * exactly the first lines of the run without a failure.
 */
#include "decode-cmd.h"
#include "harness.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static bool armed;
static unsigned long calls, fail_at;

/* True when this allocation is the one to fail. */
static bool fail_now(void)
{
	return armed && ++calls == fail_at;
}

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

static char dir[64];
static char input[96], out_path[96], err_path[96];

/* A log with events of several shapes; one EXECVE argument of 24 KiB makes
 * every buffer grow several times. */
static void write_input(void)
{
	FILE *f = fopen(input, "w");

	CHECK(f != NULL);
	for (int e = 1; e <= 6; e++) {
		fprintf(f,
			"type=SYSCALL msg=audit(1700000000.%03d:%d): arch=c000003e syscall=59 "
			"success=yes exit=0 items=1 ppid=1 pid=%d auid=1000 uid=0 gid=0 euid=0 "
			"suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"cat\" "
			"exe=\"/usr/bin/cat\" key=\"k\"\n",
			e, e, 100 + e);
		fprintf(f, "type=EXECVE msg=audit(1700000000.%03d:%d): argc=2 a0=\"cat\" a1=", e, e);
		for (int i = 0; i < (e == 3 ? 12288 : 8); i++)
			fputs("41", f);
		fputc('\n', f);
		fprintf(f, "type=PATH msg=audit(1700000000.%03d:%d): item=0 name=\"/etc/x\" "
			   "inode=1 nametype=NORMAL\n", e, e);
		fprintf(f, "type=PROCTITLE msg=audit(1700000000.%03d:%d): proctitle=636174\n", e, e);
		fprintf(f, "type=USER_LOGIN msg=audit(1700000000.%03d:%d): pid=1 uid=0 auid=1000 "
			   "ses=3 msg='op=login acct=\"root\" exe=\"/usr/sbin/sshd\" res=success'\n",
			e, 1000 + e);
	}
	CHECK(fclose(f) == 0);
}

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;

	CHECK(f != NULL);
	do {
		if (len + 4096 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = __real_realloc(buf, cap + 1);
			CHECK(buf != NULL);
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	*ret_len = len;
	return buf;
}

/* Runs `needle decode [-f format] --no-names INPUT` with stdout and stderr
 * in files; the allocation fail_at (0: none) fails. */
static int run_decode(const char *format, unsigned long fail)
{
	char *argv[] = { "decode", "-f", (char *)format, "--no-names", input, NULL };
	int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO), rc;

	CHECK(out >= 0 && err >= 0 && saved_out >= 0 && saved_err >= 0);
	fflush(stdout);
	fflush(stderr);
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	optind = 0; /* getopt starts over */
	calls = 0;
	fail_at = fail;
	armed = true;
	rc = decode_cmd_main(5, argv);
	armed = false;
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	close(out);
	close(err);
	return rc;
}

static void sweep(const char *format)
{
	size_t base_len, len, elen;
	char *base, *got, *err;
	unsigned long total, failures = 0, in_format = 0;

	CHECK_EQ(run_decode(format, 0), 0);
	total = calls;
	base = slurp(out_path, &base_len);
	CHECK(base_len > 0 && base[base_len - 1] == '\n');
	CHECK(total > 10); /* the sweep has allocations to fail */
	for (unsigned long n = 1; n <= total; n++) {
		int rc = run_decode(format, n);

		got = slurp(out_path, &len);
		err = slurp(err_path, &elen);
		if (rc == 0) {
			/* A failure nobody needed to see must change nothing. */
			if (len != base_len || memcmp(got, base, len) != 0)
				FAIL("-f %s, allocation %lu of %lu failed: exit 0 with other output "
				     "(%zu bytes, not %zu)", format, n, total, len, base_len);
		} else {
			failures++;
			if (!strstr(err, "out of memory"))
				FAIL("-f %s, allocation %lu failed: exit %d without saying so: %s",
				     format, n, rc, err);
			in_format += strstr(err, "formatting") != NULL;
			/* Only whole lines, the first ones of the full output. */
			if (len > base_len || memcmp(got, base, len) != 0 ||
			    (len && got[len - 1] != '\n') || (len < base_len && len && base[len - 1] != '\n'))
				FAIL("-f %s, allocation %lu failed: output is not whole lines of the "
				     "full output (%zu of %zu bytes)", format, n, len, base_len);
		}
		free(got);
		free(err);
	}
	free(base);
	NOTE("-f %s: %lu allocations failed one at a time: %lu runs stopped with out of "
	     "memory (%lu while formatting), the rest wrote the full output",
	     format, total, failures, in_format);
	CHECK(failures > 0);
	CHECK(in_format > 0);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s", harness_tempdir("decode-cmd"));
	snprintf(input, sizeof(input), "%s/in.log", dir);
	snprintf(out_path, sizeof(out_path), "%s/out", dir);
	snprintf(err_path, sizeof(err_path), "%s/err", dir);
	write_input();
}

TEST(out_of_memory_json)
{
	setup();
	sweep("json");
}

TEST(out_of_memory_summary)
{
	setup();
	sweep("summary");
}

TEST(out_of_memory_enriched)
{
	setup();
	sweep("enriched");
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(out_of_memory_json), CASE(out_of_memory_summary),
				  CASE(out_of_memory_enriched)));
}
