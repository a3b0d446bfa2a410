// SPDX-License-Identifier: MIT
/*
 * What tinyrd inspect shows: the segments of an initrd (an uncompressed early cpio, a
 * compressed main archive, appended per-run segments), their entries, and
 * the init configuration they add up to (later segments win, as when the
 * kernel unpacks them); and which file each command name runs there
 * (commands.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "build.h"
#include "commands.h"
#include "compress.h"
#include "cpio.h"
#include "../common/abi.h"
#include "../common/json.h"
#include "../common/target.h"

struct inspect {
	const char *name;
	bool list, json;
	bool again;			/* read before: warn of nothing */
	bool commands;			/* gather cmds */
	struct commands cmds;
	unsigned long nentries;		/* --json: entries printed */
	int seg;			/* the segment being read */
	struct buf segs;		/* --json: the segments' objects */
	bool have_init;
	char init_kind[64];
	struct buf conf[3];	/* modules, argv, env */
	bool have_conf[3];
};

static const char *const conf_paths[3] = {
	TINYRD_CONF_MODULES, TINYRD_CONF_ARGV, TINYRD_CONF_ENV,
};

static void mode_string(unsigned mode, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";
	char t = '?';

	if (S_ISREG(mode)) t = '-';
	else if (S_ISDIR(mode)) t = 'd';
	else if (S_ISLNK(mode)) t = 'l';
	else if (S_ISCHR(mode)) t = 'c';
	else if (S_ISBLK(mode)) t = 'b';
	else if (S_ISFIFO(mode)) t = 'p';
	else if (S_ISSOCK(mode)) t = 's';
	out[0] = t;
	for (int i = 0; i < 9; i++)
		out[1 + i] = mode & (0400u >> i) ? rwx[i] : '-';
	if (mode & S_ISUID) out[3] = out[3] == 'x' ? 's' : 'S';
	if (mode & S_ISGID) out[6] = out[6] == 'x' ? 's' : 'S';
	if (mode & S_ISVTX) out[9] = out[9] == 'x' ? 't' : 'T';
	out[10] = '\0';
}

static const char *strip_slash(const char *p)
{
	while (*p == '/')
		p++;
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	return strcmp(p, ".") ? p : "";
}

/* Names come from the image: print control bytes and backslashes
 * escaped, so no name can forge a line or reach the terminal. */
static void put_safe(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static const char *type_name(unsigned mode)
{
	return S_ISREG(mode) ? "file" : S_ISDIR(mode) ? "dir" :
	       S_ISLNK(mode) ? "symlink" : S_ISCHR(mode) ? "char" :
	       S_ISBLK(mode) ? "block" : S_ISFIFO(mode) ? "fifo" :
	       S_ISSOCK(mode) ? "socket" : "unknown";
}

/* One entry as a JSON object (--json). */
static void json_entry(struct inspect *s, const char *path,
		       const struct cpio_item *it)
{
	char *abs = xasprintf("/%s", path);

	printf("%s{\"segment\":%d,\"path\":", s->nentries++ ? "," : "", s->seg);
	json_str(stdout, abs);
	printf(",\"type\":\"%s\",\"mode\":\"%04o\",\"uid\":%u,\"gid\":%u",
	       type_name(it->mode), it->mode & 07777, it->uid, it->gid);
	if (S_ISCHR(it->mode) || S_ISBLK(it->mode))
		printf(",\"major\":%u,\"minor\":%u", it->rdevmajor,
		       it->rdevminor);
	else
		printf(",\"size\":%llu", it->size);
	if (it->symlink) {
		printf(",\"target\":");
		json_str(stdout, it->symlink);
	}
	putchar('}');
	free(abs);
}

static int on_item(void *ctx, const struct cpio_item *it)
{
	struct inspect *s = ctx;
	const char *path = strip_slash(it->path);
	char mode[11];

	if (s->json) {
		if (s->list)
			json_entry(s, path, it);
	} else if (s->list) {
		mode_string(it->mode, mode);
		if (S_ISCHR(it->mode) || S_ISBLK(it->mode))
			printf("%s %u/%u %5u,%4u /", mode, it->uid, it->gid,
			       it->rdevmajor, it->rdevminor);
		else
			printf("%s %u/%u %10llu /", mode, it->uid, it->gid,
			       it->size);
		put_safe(path);
		if (it->symlink) {
			fputs(" -> ", stdout);
			put_safe(it->symlink);
		}
		putchar('\n');
	}
	if (!strcmp(path, "init")) {
		const struct target *t = NULL;
		const char *ours = NULL;
		size_t n = 0;

		s->have_init = true;
		const unsigned char *d = it->data;

		if (it->datalen >= 20 && !memcmp(d, "\177ELF", 4))
			t = target_of_elf((unsigned)(d[18] | d[19] << 8));
		if (t)
			ours = build_init_blob(t, &n);
		if (S_ISLNK(it->mode))
			snprintf(s->init_kind, sizeof(s->init_kind), "symlink");
		else if (ours && it->datalen == n && !memcmp(it->data, ours, n))
			snprintf(s->init_kind, sizeof(s->init_kind),
				 "tinyrd-init (this version)");
		else if (it->datalen >= 4 && !memcmp(it->data, "\177ELF", 4) &&
			 memmem(it->data, it->datalen, "tinyrd-init: ", 13))
			snprintf(s->init_kind, sizeof(s->init_kind),
				 "tinyrd-init (another version)");
		else if (it->datalen >= 4 && !memcmp(it->data, "\177ELF", 4))
			snprintf(s->init_kind, sizeof(s->init_kind), "ELF");
		else if (it->datalen >= 2 && !memcmp(it->data, "#!", 2))
			snprintf(s->init_kind, sizeof(s->init_kind), "script");
		else
			snprintf(s->init_kind, sizeof(s->init_kind), "file");
	}
	for (int i = 0; i < 3; i++) {
		if (strcmp(path, conf_paths[i] + 1))
			continue;
		buf_reset(&s->conf[i]);
		buf_reserve(&s->conf[i], 0);
		if (it->partial && !s->again)
			warn("%s: /%s is larger than inspect reads", s->name, path);
		else if (it->data)
			buf_add(&s->conf[i], it->data, it->datalen);
		s->have_conf[i] = true;
	}
	if (s->commands)
		commands_add(&s->cmds, s->seg, it);
	return 0;
}

static bool whole(void *ctx, const struct cpio_item *it)
{
	return ((struct inspect *)ctx)->commands && commands_whole(it);
}

/* The command's PATH: the last PATH= of the init's environment, as
 * tinyrd-init sets it, else its default. */
static const char *command_path(const struct inspect *s)
{
	const char *p = s->conf[2].p, *end;
	const char *path = TINYRD_DEFAULT_PATH;

	/* No environment in the image: no buffer either (p NULL). */
	if (!s->have_conf[2])
		return path;
	end = p + s->conf[2].len;
	for (; p < end; p += strlen(p) + 1)
		if (!strncmp(p, "PATH=", 5))
			path = p + 5;
	return path;
}

static size_t safe_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		n += c < 0x20 || c == 0x7f || c == '\\' ? 4 : 1;
	}
	return n;
}

static void show_commands(struct inspect *s)
{
	const struct commands *c = &s->cmds;
	size_t width = 0;

	printf("# PATH=");
	put_safe(command_path(s));
	putchar('\n');
	for (size_t i = 0; i < c->n; i++)
		if (safe_len(c->v[i].name) > width)
			width = safe_len(c->v[i].name);
	for (size_t i = 0; i < c->n; i++) {
		const struct command *cmd = &c->v[i];

		put_safe(cmd->name);
		printf("%*s", (int)(width + 2 - safe_len(cmd->name)), "");
		if (cmd->kind == COMMAND_SHELL_APPLET)
			fputs("applet of ", stdout);
		put_safe(cmd->file);
		if (cmd->kind == COMMAND_APPLET)
			fputs(" (applet)", stdout);
		else if (cmd->kind == COMMAND_NO_APPLET)
			fputs(" (no such applet: it fails)", stdout);
		putchar('\n');
	}
}

static void json_commands(struct inspect *s)
{
	const struct commands *c = &s->cmds;

	printf(",\"commands\":{\"path\":");
	json_str(stdout, command_path(s));
	printf(",\"names\":[");
	for (size_t i = 0; i < c->n; i++) {
		printf("%s{\"name\":", i ? "," : "");
		json_str(stdout, c->v[i].name);
		printf(",\"file\":");
		json_str(stdout, c->v[i].file);
		printf(",\"kind\":\"%s\"}", commands_kind_name(c->v[i].kind));
	}
	printf("]}");
}

/* A NUL-separated list as a JSON array. */
static void json_list(const struct buf *b)
{
	const char *p = b->p, *end = p + b->len;
	bool first = true;

	putchar('[');
	for (; p && p < end; p += strlen(p) + 1) {
		printf("%s", first ? "" : ",");
		json_str(stdout, p);
		first = false;
	}
	putchar(']');
}

/* The configuration as the rest of the JSON object. */
static void json_config(struct inspect *s)
{
	printf("],\"segments\":[%s],\"init\":", s->segs.p ? s->segs.p : "");
	if (s->have_init)
		json_str(stdout, s->init_kind);
	else
		printf("null");
	printf(",\"modules\":");
	if (s->have_conf[0]) {
		char *save = NULL;
		bool first = true;

		putchar('[');
		for (char *l = strtok_r(s->conf[0].p, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			printf("%s", first ? "" : ",");
			json_str(stdout, l);
			first = false;
		}
		putchar(']');
	} else {
		printf("null");
	}
	for (int i = 1; i < 3; i++) {
		printf(",\"%s\":", i == 1 ? "command" : "environment");
		if (s->have_conf[i])
			json_list(&s->conf[i]);
		else
			printf("null");
	}
	if (s->commands)
		json_commands(s);
	printf("}\n");
}

/* Quote one argument for display, as a shell would need it. */
static void show_arg(const char *a)
{
	if (*a && !a[strcspn(a, " \t\n'\"\\$`*?[]#~|&;<>(){}!")]) {
		fputs(a, stdout);
		return;
	}
	putchar('\'');
	for (; *a; a++) {
		if (*a == '\'')
			fputs("'\\''", stdout);
		else if ((unsigned char)*a < 0x20 && *a != '\n' && *a != '\t')
			printf("'$'\\x%02x''", (unsigned char)*a);
		else
			putchar(*a);
	}
	putchar('\'');
}

static void show_config(struct inspect *s)
{
	printf("init: %s\n", s->have_init ? s->init_kind : "none (the kernel "
	       "tries /sbin/init, /etc/init, /bin/init, /bin/sh)");
	if (s->have_conf[0]) {
		char *save = NULL;

		printf("modules (load order):\n");
		for (char *l = strtok_r(s->conf[0].p, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			fputs("  ", stdout);
			put_safe(l);
			putchar('\n');
		}
	}
	for (int i = 1; i < 3; i++) {
		const char *p = s->conf[i].p, *end;

		if (!s->have_conf[i])
			continue;	/* and p is NULL */
		end = p + s->conf[i].len;
		printf("%s:", i == 1 ? "command" : "environment");
		for (; p < end; p += strlen(p) + 1) {
			putchar(' ');
			show_arg(p);
		}
		putchar('\n');
	}
}

/* Each segment of the initrd img (read from name) and its entries. */
static int inspect_buf(const char *name, const struct buf *img,
		       struct inspect *s)
{
	size_t off = 0;
	int seg = 0, r = 0;

	while (off < img->len) {
		const char *p = img->p + off;
		enum compression c;
		struct cpio_stats st;
		size_t n;

		/* The kernel skips zero padding between segments. */
		if (!*p) {
			off++;
			continue;
		}
		c = compress_detect(p, img->len - off);
		if (c == COMP_UNKNOWN) {
			if (!seg) {
				r = error("%s: not a cpio initrd (no cpio or "
					  "compressed data at its start)", name);
				break;
			}
			if (!s->again)
				warn("%s: %zu bytes of unrecognised data at "
				     "offset %zu ignored", name, img->len - off,
				     off);
			break;
		}
		n = c == COMP_NONE ? cpio_newc_length(p, img->len - off)
				   : compress_stream_length(c, p, img->len - off);
		if (!n) {
			r = error("%s: corrupt or truncated %s%s at offset %zu",
				  name, c == COMP_NONE ? "cpio archive"
				  : compress_name(c), c == COMP_NONE ? "" : " data",
				  off);
			break;
		}
		seg++;
		s->seg = seg;
		if (s->list && !s->json)
			printf("# segment %d at offset %zu: %s\n", seg, off,
			       compress_name(c));
		r = cpio_read_whole(p, n, on_item, whole, s, name, &st);
		if (r)
			break;
		if (!st.entries) {
			r = error("%s: not a cpio initrd (%s data holds no cpio "
				  "archive)", name, compress_name(c));
			break;
		}
		if (s->json)
			buf_printf(&s->segs, "%s{\"offset\":%zu,\"compression\":"
				   "\"%s\",\"entries\":%lu,\"bytes\":%llu,"
				   "\"stored\":%zu}", seg > 1 ? "," : "", off,
				   compress_name(c), st.entries, st.bytes, n);
		else if (s->list)
			printf("# %lu entries, %llu bytes uncompressed, %zu "
			       "bytes stored\n", st.entries, st.bytes, n);
		off += n;
	}
	if (!r && !seg)
		r = error("%s: not a cpio initrd (empty)", name);
	return r;
}

static int read_image(const char *name, struct buf *img)
{
	int r = read_file(name, img);

	return r ? error_errno(r, "%s", name) : 0;
}

int inspect_image(const char *name, unsigned flags)
{
	bool json = flags & INSPECT_JSON, commands = flags & INSPECT_COMMANDS;
	struct inspect s = {
		.name = name, .json = json, .commands = commands,
		.list = (flags & INSPECT_LIST) && (json || !commands),
	};
	struct buf img = { 0 };
	int r = read_image(name, &img);

	/* JSON is printed as the image is read: a first reading makes sure
	 * that no error comes half way through the object. */
	if (!r && json) {
		struct inspect check = { .name = name };

		s.again = true;
		r = inspect_buf(name, &img, &check);
		for (int i = 0; i < 3; i++)
			buf_free(&check.conf[i]);
		if (!r) {
			printf("{\"image\":");
			json_str(stdout, name);
			printf(",\"entries\":[");
		}
	}
	if (!r)
		r = inspect_buf(name, &img, &s);
	buf_free(&img);
	if (!r && commands)
		commands_resolve(&s.cmds, command_path(&s));
	if (!r && json)
		json_config(&s);
	else if (!r && commands)
		show_commands(&s);
	else if (!r)
		show_config(&s);
	commands_free(&s.cmds);
	for (int i = 0; i < 3; i++)
		buf_free(&s.conf[i]);
	buf_free(&s.segs);
	if (!r && fflush(stdout) == EOF)
		r = error_errno(errno, "stdout");
	return r;
}

int inspect_modules(const char *name, const struct buf *img,
		    struct buf *out, bool *found)
{
	struct inspect s = { .name = name };
	int r = inspect_buf(name, img, &s);

	*found = !r && s.have_conf[0];
	if (*found)
		buf_add(out, s.conf[0].p ? s.conf[0].p : "", s.conf[0].len);
	for (int i = 0; i < 3; i++)
		buf_free(&s.conf[i]);
	buf_free(&s.segs);
	return r;
}
