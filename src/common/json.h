/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_JSON_H
#define TINYRD_JSON_H

#include <stdio.h>

/* str as a JSON string on out, quoted: UTF-8 as it is, control bytes and
 * bytes that are not valid UTF-8 escaped as \u00XX, so that the output
 * is always valid JSON. */
void json_str(FILE *out, const char *str);

#endif
