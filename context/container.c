/* SPDX-License-Identifier: MIT */
#include "container.h"

#include <string.h>

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* A run of exactly 64 hex digits at p (not longer), ending within end. */
static bool id_at(const char *p, const char *end)
{
	if (end - p < 64)
		return false;
	for (int i = 0; i < 64; i++)
		if (!is_hex(p[i]))
			return false;
	return p + 64 == end || !is_hex(p[64]);
}

/* Finds prefix followed by a 64-hex id in [p, end); copies the id. */
static bool find_id(const char *p, const char *end, const char *prefix, char id[65])
{
	size_t n = strlen(prefix);

	for (const char *q = p; q + n + 64 <= end; q++) {
		if (memcmp(q, prefix, n) == 0 && id_at(q + n, end)) {
			memcpy(id, q + n, 64);
			id[64] = '\0';
			return true;
		}
	}
	return false;
}

/* "pod" then a uid: 36 characters of hex and '-' (cgroupfs) or '_'
 * (systemd slices). */
static bool find_pod(const char *p, const char *end, char pod[37])
{
	for (const char *q = p; q + 3 + 36 <= end; q++) {
		int i;

		if (memcmp(q, "pod", 3) != 0)
			continue;
		for (i = 0; i < 36; i++) {
			char c = q[3 + i];
			bool dash = i == 8 || i == 13 || i == 18 || i == 23;

			if (dash ? (c != '-' && c != '_') : !is_hex(c))
				break;
			pod[i] = dash ? '-' : c;
		}
		if (i == 36) {
			pod[36] = '\0';
			return true;
		}
	}
	return false;
}

static const struct {
	const char *prefix, *runtime;
} runtimes[] = {
	{ "/docker/", "docker" },
	{ "docker-", "docker" },
	{ "cri-containerd-", "containerd" },
	{ "/containerd/", "containerd" },
	{ "crio-conmon-", "cri-o" },
	{ "crio-", "cri-o" },
	{ "/crio/", "cri-o" },
	{ "libpod-conmon-", "podman" },
	{ "libpod-", "podman" },
};

/* One cgroup path; true when it named a container or a pod. */
static bool parse_path(const char *p, const char *end, struct container_info *ret)
{
	for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++)
		if (find_id(p, end, runtimes[i].prefix, ret->id)) {
			strcpy(ret->runtime, runtimes[i].runtime);
			break;
		}
	if (memmem(p, (size_t)(end - p), "kubepods", 8)) {
		find_pod(p, end, ret->pod);
		/* cgroupfs: /kubepods/<qos>/pod<uid>/<id>, no runtime named. */
		if (!ret->id[0] && find_id(p, end, "/", ret->id))
			strcpy(ret->runtime, "kubernetes");
	}
	return ret->id[0] || ret->pod[0];
}

bool container_parse_cgroup(const char *text, size_t len, struct container_info *ret)
{
	const char *p = text, *end = text + len;

	memset(ret, 0, sizeof(*ret));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *line_end = nl ? nl : end;
		/* hierarchy-id:controllers:path */
		const char *c1 = memchr(p, ':', (size_t)(line_end - p));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(line_end - c1 - 1)) : NULL;

		if (c2 && parse_path(c2 + 1, line_end, ret))
			return true;
		p = line_end + 1;
	}
	return false;
}
