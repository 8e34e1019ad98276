/* SPDX-License-Identifier: MIT */
/* Live-test load: one failing openat() per path given, so a rule with
 * exe=<this binary> and exit=-ENOENT sees exactly that many events. */
#include <fcntl.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	int failed = 0;

	for (int i = 1; i < argc; i++)
		failed += openat(AT_FDCWD, argv[i], O_RDONLY) < 0;
	return failed == argc - 1 ? 0 : 1;
}
