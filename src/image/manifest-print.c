// SPDX-License-Identifier: MIT
/* The manifest as text: tinyrd build --print, one line per entry. */
#include <stdio.h>

#include "manifest.h"

void manifest_escape(struct buf *out, const char *data, size_t size,
		     bool field)
{
	for (size_t i = 0; i < size; i++) {
		unsigned char c = (unsigned char)data[i];

		if (c == '\\')
			buf_adds(out, "\\\\");
		else if (c == '\n')
			buf_adds(out, "\\n");
		else if (c == '\t')
			buf_adds(out, "\\t");
		else if (c == '\0')
			buf_adds(out, "\\0");
		else if (c < 0x20 || c >= 0x7f || (field && c == '$') ||
			 (c == ' ' && (field || i == 0 || i + 1 == size)))
			buf_printf(out, "\\x%02x", c);
		else
			buf_addc(out, (char)c);
	}
}

/* A whitespace-separated field of a recipe line. */
static void field(struct buf *b, const char *s)
{
	buf_addc(b, ' ');
	manifest_escape(b, s, strlen(s), true);
}

static void attrs(struct buf *b, const struct entry *e)
{
	buf_printf(b, " %04o %u %u", e->mode, e->uid, e->gid);
}

void manifest_print(struct manifest *m, FILE *out)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < m->n; i++) {
		const struct entry *e = m->v[i];

		buf_reset(&b);
		if (e->print_as) {
			fprintf(out, "%s\n", e->print_as);
			continue;
		}
		if (e->type == ENTRY_FILE && e->data) {
			buf_adds(&b, "text");
			field(&b, e->path);
			attrs(&b, e);
			buf_addc(&b, ' ');
			manifest_escape(&b, e->data, e->size, false);
			fprintf(out, "%s\n", b.p);
			continue;
		}
		if (e->link_head != e)
			continue;	/* printed with the head */
		buf_adds(&b, manifest_type_name(e->type));
		field(&b, e->path);
		if (e->type == ENTRY_FILE)
			field(&b, e->source);
		else if (e->type == ENTRY_SLINK)
			field(&b, e->target);
		attrs(&b, e);
		if (e->type == ENTRY_NOD)
			buf_printf(&b, " %c %u %u", e->devtype, e->major,
				   e->minor);
		for (const struct entry *l = e->link_next; l; l = l->link_next)
			field(&b, l->path);
		fprintf(out, "%s\n", b.p);
	}
	buf_free(&b);
}
