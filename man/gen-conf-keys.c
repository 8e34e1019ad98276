/* SPDX-License-Identifier: MIT */
/*
 * gen-conf-keys: needle.conf(5)'s source, written at build time from the
 * page's template and the table of keys (daemon/conf.h). The template's
 * line "%KEYS%" becomes one entry per key (conf_doc_write_man); every
 * other line is copied as it is. Not installed.
 *
 *   usage: gen-conf-keys TEMPLATE > needle.conf.5.scd
 */
#include "conf-doc.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	char line[4096];
	unsigned marks = 0;
	FILE *in;

	if (argc != 2) {
		fputs("usage: gen-conf-keys TEMPLATE\n", stderr);
		return 2;
	}
	in = fopen(argv[1], "r");
	if (!in) {
		perror(argv[1]);
		return 1;
	}
	while (fgets(line, sizeof(line), in)) {
		if (strcmp(line, "%KEYS%\n") == 0) {
			marks++;
			if (conf_doc_write_man(stdout) < 0)
				break;
		} else {
			fputs(line, stdout);
		}
	}
	fclose(in);
	if (marks != 1) {
		fprintf(stderr, "%s: %u lines %%KEYS%%, want 1\n", argv[1], marks);
		return 1;
	}
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
