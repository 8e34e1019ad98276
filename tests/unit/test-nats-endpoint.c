/* SPDX-License-Identifier: MIT */
/*
 * pipeline/nats-endpoint: the servers, credentials and TLS that needle run
 * and needle gather both connect with, without a server: what is taken,
 * and every refusal naming the setting as each caller's users write it
 * (needle.conf's key, needle gather's option) with its file, in libnats'
 * words without its source position; nothing returned on failure.
 */
#include "harness.h"
#include "nats-endpoint.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct nats_endpoint_names conf_names = {
	.urls = "nats_url", .creds = "nats_creds", .user = "nats_user", .token = "nats_token",
	.tls_ca = "nats_tls_ca", .tls_cert = "nats_tls_cert", .tls_key = "nats_tls_key",
};
static const struct nats_endpoint_names gather_names = {
	.urls = "--nats", .creds = "--creds", .user = "--user", .token = "--token",
	.tls_ca = "--tls-ca", .tls_cert = "--tls-cert", .tls_key = "--tls-key",
};

/* A file that is no PEM: libnats refuses it as a CA, a certificate, a key. */
static const char *junk_file(const char *name)
{
	static char path[3][300];
	static unsigned next;
	char *p = path[next++ % 3];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", harness_tempdir("nats-endpoint"), name);
	f = fopen(p, "w");
	CHECK(f != NULL);
	fputs("not a certificate\n", f);
	fclose(f);
	return p;
}

/* e refused: -EINVAL, err begins with want, then libnats' reason (not
 * its "(opts.c:NN): "), *ret untouched. */
static void expect_refused(const struct nats_endpoint *e, const struct nats_endpoint_names *n,
			   const char *want)
{
	natsOptions *opts = (natsOptions *)&opts; /* a value that must stay */
	char err[512] = "";

	CHECK_EQ(nats_endpoint_options(e, n, &opts, err, sizeof(err)), -EINVAL);
	CHECK(opts == (natsOptions *)&opts);
	NOTE("%s", err);
	if (strncmp(err, want, strlen(want)) != 0)
		FAIL("said '%s', not '%s...'", err, want);
}

static void expect_taken(const struct nats_endpoint *e)
{
	natsOptions *opts = NULL;
	char err[512] = "";

	if (nats_endpoint_options(e, &conf_names, &opts, err, sizeof(err)) != 0)
		FAIL("refused: %s", err);
	CHECK(opts != NULL);
	natsOptions_Destroy(opts);
}

TEST(servers_credentials_and_tls_url_taken)
{
	expect_taken(&(struct nats_endpoint){ .urls = "nats://127.0.0.1:4222" });
	expect_taken(&(struct nats_endpoint){
		.urls = " nats://a.example:4222 ,\ttls://[::1]:4443, nats://b.example",
		.user = "u", .password = "p" });
	expect_taken(&(struct nats_endpoint){ .urls = "tls://127.0.0.1:4443", .token = "t" });
	/* "" is left out, as NULL is. */
	expect_taken(&(struct nats_endpoint){ .urls = "nats://127.0.0.1:4222", .creds = "",
					      .user = "", .token = "", .tls_ca = "",
					      .tls_cert = "", .tls_key = "" });
}

TEST(servers_refused_by_name)
{
	char many[40 * 24] = "";
	size_t len = 0;

	expect_refused(&(struct nats_endpoint){ .urls = " , " }, &conf_names,
		       "nats_url: no server in ' , '");
	expect_refused(&(struct nats_endpoint){ .urls = "" }, &gather_names,
		       "--nats: no server in ''");
	for (unsigned i = 0; i <= NATS_ENDPOINT_SERVERS; i++)
		len += (size_t)snprintf(many + len, sizeof(many) - len, "%snats://h%u:4222",
					i ? "," : "", i);
	expect_refused(&(struct nats_endpoint){ .urls = many }, &gather_names,
		       "--nats: more than 32 servers in 'nats://h0:4222,");
}

TEST(tls_files_refused_by_name_and_file)
{
	const char *ca = junk_file("ca.pem"), *cert = junk_file("cert.pem"),
		   *key = junk_file("key.pem");
	char want[1024];

	snprintf(want, sizeof(want), "nats_tls_ca %s: ", ca);
	expect_refused(&(struct nats_endpoint){ .urls = "tls://127.0.0.1:4443", .tls_ca = ca },
		       &conf_names, want);
	snprintf(want, sizeof(want), "--tls-ca %s: ", ca);
	expect_refused(&(struct nats_endpoint){ .urls = "tls://127.0.0.1:4443", .tls_ca = ca },
		       &gather_names, want);
	snprintf(want, sizeof(want), "nats_tls_cert %s, nats_tls_key %s: ", cert, key);
	expect_refused(&(struct nats_endpoint){ .urls = "nats://127.0.0.1:4222", .tls_cert = cert,
						.tls_key = key },
		       &conf_names, want);
	snprintf(want, sizeof(want), "--tls-cert %s, --tls-key (none): ", cert);
	expect_refused(&(struct nats_endpoint){ .urls = "nats://127.0.0.1:4222", .tls_cert = cert },
		       &gather_names, want);
}

/* The reason after the setting is libnats' sentence, without the
 * "(file.c:NN): " its error stack starts with. */
TEST(reason_without_libnats_source_position)
{
	const char *ca = junk_file("ca.pem");
	natsOptions *opts = NULL;
	char err[512], want[400];

	CHECK_EQ(nats_endpoint_options(&(struct nats_endpoint){ .urls = "tls://127.0.0.1:1",
								  .tls_ca = ca },
				       &conf_names, &opts, err, sizeof(err)),
		 -EINVAL);
	snprintf(want, sizeof(want), "nats_tls_ca %s: ", ca);
	NOTE("%s", err);
	CHECK(strncmp(err, want, strlen(want)) == 0);
	CHECK(err[strlen(want)] != '(' && err[strlen(want)] != '\0');
	CHECK(strstr(err, ".c:") == NULL);
	CHECK(nats_last_error(NATS_SSL_ERROR)[0] != '(');
}

static void close_library(void)
{
	/* libnats' threads and globals, for the leak checker. */
	nats_CloseAndWait(2000);
}

int main(int argc, char **argv)
{
	int r = harness_main(argc, argv,
			     CASES(CASE(servers_credentials_and_tls_url_taken),
				   CASE(servers_refused_by_name),
				   CASE(tls_files_refused_by_name_and_file),
				   CASE(reason_without_libnats_source_position)));

	close_library();
	return r;
}
