/* SPDX-License-Identifier: MIT */
/* Fuzz target: the record parser, both inputs, and the value decoders it
 * feeds. Built for libFuzzer by `make fuzz`, and as a plain program (see
 * driver.c) that the unit suite runs over the seeds and past crashes. */
#include "interpret.h"
#include "outbuf.h"
#include "record.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct audit_field fields[64];
	struct audit_record rec;
	struct outbuf out = { 0 };
	const char *text = (const char *)data;

	decode_record_line(text, size, fields, 64, &rec);
	for (unsigned i = 0; i < rec.nfields; i++) {
		interp_field_value(&rec.fields[i], &out);
		outbuf_json_string(&out, rec.fields[i].value, rec.fields[i].value_len);
	}
	decode_record_kernel(1300, text, size, fields, 64, &rec);
	if (size >= 2) {
		struct sockaddr_info sa;

		if (interp_sockaddr(data, size, (int)(size % 3) - 1, &sa)) {
			out.len = 0;
			interp_sockaddr_json(&out, &sa);
		}
	}
	interp_resolve_path("/tmp/x", 6, text, size, &out);
	outbuf_free(&out);
	return 0;
}
