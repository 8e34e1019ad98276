/* SPDX-License-Identifier: MIT */
/* The proc connector's cost in needle-bench live: see connector-cost.h. */
#include "connector-cost.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double connector_cost(double us_on, double us_off)
{
	if (!isfinite(us_on) || !isfinite(us_off) || us_on <= 0)
		return NAN;
	return (us_on - us_off) / us_on;
}

bool connector_mix_execve_only(const char *mix)
{
	unsigned long execve = 0;
	const char *p = mix;

	for (;;) {
		const char *eq = strchr(p, '='), *comma;
		unsigned long w;
		char *end;

		if (!eq)
			return false;
		if (eq[1] < '0' || eq[1] > '9')
			return false;
		w = strtoul(eq + 1, &end, 10);
		if (*end != ',' && *end != '\0')
			return false;
		if ((size_t)(eq - p) == 6 && strncmp(p, "execve", 6) == 0)
			execve += w;
		else if (w)
			return false;
		comma = *end == ',' ? end : NULL;
		if (!comma)
			break;
		p = comma + 1;
	}
	return execve > 0;
}
