/* SPDX-License-Identifier: MIT */
#include "boothold.h"
#include "harness.h"

TEST(audit_on_the_command_line)
{
	CHECK(!boothold_from_cmdline(""));
	CHECK(!boothold_from_cmdline("console=ttyS0 quiet"));
	CHECK(boothold_from_cmdline("ro audit=1 quiet"));
	CHECK(boothold_from_cmdline("audit=on"));
	CHECK(boothold_from_cmdline("audit=ON\n"));
	CHECK(!boothold_from_cmdline("audit=0"));
	CHECK(!boothold_from_cmdline("audit=off"));
	CHECK(!boothold_from_cmdline("audit=2")); /* the kernel takes it as off */
	CHECK(!boothold_from_cmdline("audit=1 audit=0")); /* the last one wins */
	CHECK(boothold_from_cmdline("audit=0 audit=1"));
	CHECK(!boothold_from_cmdline("audit_backlog_limit=8192"));
	CHECK(!boothold_from_cmdline("noaudit=1"));
	CHECK(!boothold_from_cmdline("quiet -- audit=1")); /* init's argument */
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv, CASES(CASE(audit_on_the_command_line)));
}
