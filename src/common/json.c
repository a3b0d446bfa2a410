// SPDX-License-Identifier: MIT
/* JSON strings for --json (json.h). */
#include <stdint.h>

#include "json.h"

/* A JSON string of bytes: UTF-8 as is, a byte that is not part of valid
 * UTF-8 as the code point of the same value, so that the output is
 * always valid JSON. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 :
		   s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : 0;
	uint32_t cp;

	if (!n || (n == 3 && s[0] > 0xef))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	cp = n == 2 ? (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f) :
	     n == 3 ? (uint32_t)(s[0] & 0x0f) << 12 |
		      (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f) :
		      (uint32_t)(s[0] & 0x07) << 18 |
		      (uint32_t)(s[1] & 0x3f) << 12 |
		      (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
	/* Overlong forms, surrogates, past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void json_str(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', out);
	while (*s) {
		size_t n;

		if (*s == '"' || *s == '\\') {
			fprintf(out, "\\%c", *s++);
		} else if (*s >= 0x20 && *s < 0x7f) {
			fputc(*s++, out);
		} else if (*s >= 0x80 && (n = utf8_len(s))) {
			fwrite(s, 1, n, out);
			s += n;
		} else {
			fprintf(out, "\\u%04x", *s++);
		}
	}
	fputc('"', out);
}
