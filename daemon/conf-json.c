/* SPDX-License-Identifier: MIT */
/*
 * conf-json.c: each key's value read back from the text conf_show_key
 * writes (the one form every key has), typed by its row. Sizes come back
 * through conf_parse_size, so "64M" is 67108864 here and never rounded.
 */
#include "conf-json.h"

#include <string.h>

static void put_value(const struct conf_key_info *k, const char *text, struct outbuf *out)
{
	uint64_t n;

	switch (k->type) {
	case CONF_BOOL:
		outbuf_puts(out, strcmp(text, "yes") == 0 ? "true" : "false");
		return;
	case CONF_SIZE:
		if (conf_parse_size(text, &n) == 0) {
			outbuf_put_u64(out, n);
			return;
		}
		break;
	case CONF_NUMBER:
	case CONF_KERNEL:
		/* Digits, or "keep" (a string) for a kernel setting. */
		if (text[0] >= '0' && text[0] <= '9') {
			outbuf_puts(out, text);
			return;
		}
		break;
	case CONF_LIST: {
		const char *p = text;

		outbuf_putc(out, '[');
		while (*p) {
			size_t len = strcspn(p, ",");

			if (p != text)
				outbuf_putc(out, ',');
			outbuf_json_string(out, p, len);
			p += len;
			if (*p == ',')
				p++;
		}
		outbuf_putc(out, ']');
		return;
	}
	case CONF_CHOICE:
	case CONF_TEXT:
		break;
	}
	outbuf_json_string(out, text, strlen(text));
}

void conf_format_json(const struct conf *conf, bool secrets, struct outbuf *out)
{
	outbuf_putc(out, '{');
	for (unsigned id = 0; id < CONF_KEY_COUNT; id++) {
		const struct conf_key_info *k = &conf_keys[id];
		char text[300];

		conf_show_key(conf, (enum conf_key)id, secrets, text, sizeof(text));
		if (id)
			outbuf_putc(out, ',');
		outbuf_json_key(out, k->name, strlen(k->name));
		put_value(k, text, out);
	}
	outbuf_puts(out, "}\n");
}
