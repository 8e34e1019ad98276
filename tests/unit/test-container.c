/* SPDX-License-Identifier: MIT */
#include "container.h"
#include "harness.h"

#include <string.h>

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define POD_US "1234abcd_5678_90ab_cdef_1234567890ab"
#define POD "1234abcd-5678-90ab-cdef-1234567890ab"

static bool parse(const char *text, struct container_info *ret)
{
	return container_parse_cgroup(text, strlen(text), ret);
}

TEST(docker_cgroupfs_v1)
{
	struct container_info c;

	CHECK(parse("12:pids:/docker/" ID "\n11:memory:/docker/" ID "\n0::/\n", &c));
	CHECK_STR(c.runtime, "docker");
	CHECK_STR(c.id, ID);
	CHECK_STR(c.pod, "");
}

TEST(docker_systemd_v2)
{
	struct container_info c;

	CHECK(parse("0::/system.slice/docker-" ID ".scope\n", &c));
	CHECK_STR(c.runtime, "docker");
	CHECK_STR(c.id, ID);
}

TEST(containerd_in_a_kubernetes_pod)
{
	struct container_info c;

	CHECK(parse("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_US
		    ".slice/cri-containerd-" ID ".scope\n",
		    &c));
	CHECK_STR(c.runtime, "containerd");
	CHECK_STR(c.id, ID);
	CHECK_STR(c.pod, POD);
}

TEST(crio_and_podman)
{
	struct container_info c;

	CHECK(parse("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_US
		    ".slice/crio-" ID ".scope\n",
		    &c));
	CHECK_STR(c.runtime, "cri-o");
	CHECK_STR(c.pod, POD);
	CHECK(parse("0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID
		    ".scope/container\n",
		    &c));
	CHECK_STR(c.runtime, "podman");
	CHECK_STR(c.id, ID);
}

TEST(kubernetes_cgroupfs_names_no_runtime)
{
	struct container_info c;

	CHECK(parse("4:cpu,cpuacct:/kubepods/besteffort/pod" POD "/" ID "\n", &c));
	CHECK_STR(c.runtime, "kubernetes");
	CHECK_STR(c.id, ID);
	CHECK_STR(c.pod, POD);
}

TEST(host_processes_and_near_misses)
{
	struct container_info c;

	CHECK(!parse("0::/user.slice/user-1000.slice/session-3.scope\n", &c));
	CHECK(!parse("0::/system.slice/docker.service\n", &c));
	CHECK(!parse("0::/docker/" ID "0\n", &c)); /* 65 digits: not an id */
	CHECK(!parse("0::/docker/0123\n", &c));
	CHECK(!parse("garbage without colons", &c));
	CHECK(!parse("", &c));
	CHECK_STR(c.runtime, "");
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(docker_cgroupfs_v1), CASE(docker_systemd_v2),
				  CASE(containerd_in_a_kubernetes_pod), CASE(crio_and_podman),
				  CASE(kubernetes_cgroupfs_names_no_runtime),
				  CASE(host_processes_and_near_misses)));
}
