/* SPDX-License-Identifier: MIT */
/*
 * container: which container a process runs in, from its cgroup paths
 * (/proc/PID/cgroup, v1 and v2). The kernel has no container id of its
 * own; runtimes name the cgroups they create, and those names are what
 * is parsed here:
 *
 *   docker      /docker/ID, docker-ID.scope
 *   containerd  cri-containerd-ID.scope, /containerd/ID
 *   cri-o       crio-ID.scope, crio-conmon-ID.scope, /crio/ID
 *   podman      libpod-ID.scope, libpod-conmon-ID.scope, /libpod_parent/libpod-ID
 *   kubernetes  /kubepods/.../podUID/ID (runtime not named in the path),
 *               kubepods-...-podUID.slice (the pod uid, '_' for '-')
 *
 * ID is 64 hex digits (docker, containerd, cri-o, podman all use them).
 */
#ifndef NEEDLE_CONTAINER_H
#define NEEDLE_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>

struct container_info {
	char runtime[16]; /* "docker", "containerd", "cri-o", "podman", "kubernetes"; "" none */
	char id[65];      /* the container id, "" when none */
	char pod[37];     /* the Kubernetes pod uid (with '-'), "" when none */
};

/* Parses the text of /proc/PID/cgroup; true when a container was found. */
bool container_parse_cgroup(const char *text, size_t len, struct container_info *ret);

#endif
