/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("needle %s\n", NEEDLE_VERSION);
		return 0;
	}
	printf("needle %s\n", NEEDLE_VERSION);
	fprintf(stderr, "needle: the collector is not built yet: 'needle run' arrives with the "
			"collector issue; nothing was changed in the kernel.\n");
	return 1;
}
