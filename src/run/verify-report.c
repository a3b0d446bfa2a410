// SPDX-License-Identifier: MIT
/*
 * The report of a data-path check: the guest's result lines parsed, the
 * host's own findings added, printed as a table or JSON. The guest's
 * output is untrusted input that crossed a possibly broken machine: every
 * line is bounded, every field checked, and what does not parse is a
 * failure of its own (PROTOCOL), never a pass. Formats: src/common/abi.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>

#include "verify-host.h"
#include "../common/json.h"

#define LINE_MAX_LEN	(32 * 1024)	/* a 4 KiB path escaped, and more */
#define RESULTS_MAX	100000		/* kept; past it only counted */
#define PROTOCOL_MAX	20		/* garbled lines named one by one */
#define DETAIL_MAX	256
#define METHOD_MAX	32
#define PATH_COLUMN_MAX	48

static const char begin_line[] = VERIFY_BEGIN;

void verify_report_init(struct verify_report *r)
{
	memset(r, 0, sizeof(*r));
	r->guest_failures = -1;
}

void verify_report_free(struct verify_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->r[i].path);
		free(r->r[i].method);
		free(r->r[i].detail);
	}
	free(r->r);
	buf_free(&r->partial);
	strv_free(&r->expect);
	free(r->expect_bytes);
	free(r->expect_sweepdir);
	memset(r, 0, sizeof(*r));
}

/* Printable ASCII, at most DETAIL_MAX bytes, whatever came in. */
static char *clean_detail(const char *s)
{
	size_t n = strlen(s);
	char *d;

	if (n > DETAIL_MAX)
		n = DETAIL_MAX;
	d = xstrndup(s, n);
	for (char *p = d; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
	return d;
}

/* Counted always, kept up to RESULTS_MAX unless forced: a flood of lines
 * costs memory only up to there, and a failure past it still fails. */
static void add(struct verify_report *r, bool force, enum verify_kind kind,
		enum verify_class cls, bool host, const char *path,
		const char *method, uint64_t offset, uint64_t bytes,
		const char *detail)
{
	struct verify_result *res;

	if (kind == VERIFY_FAIL) {
		r->failures++;
		r->classes[cls]++;
	} else if (kind == VERIFY_OK) {
		r->passed++;
	}
	if (r->n >= RESULTS_MAX && !force) {
		r->dropped++;
		return;
	}
	if (r->n == r->alloc) {
		r->alloc = r->alloc ? 2 * r->alloc : 64;
		r->r = xrealloc(r->r, r->alloc * sizeof(*r->r));
	}
	res = &r->r[r->n++];
	*res = (struct verify_result){
		.kind = kind, .cls = cls, .host = host,
		.path = xstrdup(path), .method = xstrdup(method),
		.offset = offset, .bytes = bytes,
		.detail = detail ? clean_detail(detail) : NULL,
	};
}

void verify_report_add(struct verify_report *r, enum verify_kind kind,
		       enum verify_class cls, const char *path,
		       const char *method, uint64_t offset, uint64_t bytes,
		       const char *detail)
{
	add(r, kind == VERIFY_FAIL, kind, cls, true, path, method, offset,
	    bytes, detail);
}

static void protocol(struct verify_report *r, const char *fmt, ...)
	PRINTF(2, 3);

static void protocol(struct verify_report *r, const char *fmt, ...)
{
	char d[DETAIL_MAX];
	va_list ap;

	if (r->classes[VERIFY_PROTOCOL] >= PROTOCOL_MAX) {
		r->failures++;		/* counted, not named */
		r->classes[VERIFY_PROTOCOL]++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(d, sizeof(d), fmt, ap);
	va_end(ap);
	add(r, true, VERIFY_FAIL, VERIFY_PROTOCOL, true, "", "output", r->line,
	    0, d);
}

static bool num_field(char **p, uint64_t *out)
{
	char *w = verify_word(p);

	return w && !verify_parse_u64(w, 10, out);
}

static bool method_field(char **p, char **out)
{
	char *w = verify_word(p);
	size_t n = w ? strlen(w) : 0;

	if (!n || n > METHOD_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((w[i] >= 'a' && w[i] <= 'z') ||
		      (w[i] >= '0' && w[i] <= '9') || w[i] == ':' ||
		      w[i] == '-' || w[i] == '_'))
			return false;
	*out = w;
	return true;
}

/* One line inside begin..end, NUL-terminated and writable; false when it
 * does not parse. */
static bool parse(struct verify_report *r, char *p)
{
	char *kind = verify_word(&p), *path, *method, *cls;
	uint64_t a;
	int c;

	if (!kind)
		return false;
	if (!strcmp(kind, "ok")) {
		if (!verify_path_word(&p, &path) || !method_field(&p, &method) ||
		    !num_field(&p, &a) || p)
			return false;
		add(r, false, VERIFY_OK, 0, false, path, method, 0, a, NULL);
	} else if (!strcmp(kind, "skip")) {
		if (!verify_path_word(&p, &path) || !method_field(&p, &method))
			return false;
		add(r, false, VERIFY_SKIP, 0, false, path, method, 0, 0,
		    p ? p : "");
	} else if (!strcmp(kind, "fail")) {
		if (!(cls = verify_word(&p)) || (c = verify_class_parse(cls)) < 0 ||
		    !verify_path_word(&p, &path) || !num_field(&p, &a) ||
		    !method_field(&p, &method))
			return false;
		r->guest_fails++;
		add(r, false, VERIFY_FAIL, (enum verify_class)c, false, path,
		    method, a, 0, p ? p : "");
	} else if (!strcmp(kind, "wrote")) {
		if (!verify_path_word(&p, &path) || !num_field(&p, &a) || p)
			return false;
		add(r, false, VERIFY_WROTE, 0, false, path, "write", 0, a, NULL);
	} else if (!strcmp(kind, "verify")) {
		char *what = verify_word(&p);

		if (!what || strcmp(what, "end") || !num_field(&p, &a) || p ||
		    a > LONG_MAX)
			return false;
		r->state = VERIFY_ENDED;
		r->guest_failures = (long)a;
		if (a != r->guest_fails)
			protocol(r, "the guest counted %" PRIu64 " failures but "
				 "sent %u", a, r->guest_fails);
	} else {
		return false;
	}
	return true;
}

void verify_report_line(struct verify_report *r, const char *line, size_t len)
{
	char *copy;

	if (len && line[len - 1] == '\r')
		len--;
	/* A console may put a message in front of the begin line. */
	if (r->state == VERIFY_BEFORE && len > sizeof(begin_line) &&
	    !memcmp(line + len - sizeof(begin_line), begin_line,
		    sizeof(begin_line) - 1)) {
		line += len - sizeof(begin_line);
		len = sizeof(begin_line);
	}
	if (len >= sizeof(begin_line) - 1 &&
	    !memcmp(line, begin_line, sizeof(begin_line) - 1)) {
		bool v1 = len == sizeof(begin_line) &&
			  line[len - 1] == '0' + VERIFY_VERSION;

		if (r->state == VERIFY_ENDED)
			return;		/* another run: not this report's */
		if (r->state == VERIFY_INSIDE)
			protocol(r, "line %lu: begins again: the guest "
				 "started over", r->line);
		else if (!v1)
			protocol(r, "the guest speaks another version of the "
				 "result lines (tinyrd-init not this "
				 "tinyrd's)");
		r->state = v1 ? VERIFY_INSIDE : r->state;
		return;
	}
	if (r->state != VERIFY_INSIDE)
		return;		/* the console's chatter around the results */
	r->line++;
	if (len > LINE_MAX_LEN) {
		protocol(r, "line %lu: longer than %d bytes", r->line,
			 LINE_MAX_LEN);
		return;
	}
	if (memchr(line, '\0', len)) {
		protocol(r, "line %lu: a NUL byte", r->line);
		return;
	}
	copy = xstrndup(line, len);
	if (!parse(r, copy))
		protocol(r, "line %lu does not parse: %.*s%s", r->line,
			 (int)(len < 80 ? len : 80), line, len > 80 ? "..." : "");
	free(copy);
}

void verify_report_feed(struct verify_report *r, const char *data, size_t len)
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;
		size_t step = nl ? n + 1 : n;

		if (r->overlong) {
			/* The rest of a line already reported too long. */
			r->overlong = !nl;
		} else if (r->partial.len + n > LINE_MAX_LEN) {
			if (r->state == VERIFY_INSIDE) {
				r->line++;
				protocol(r, "line %lu: longer than %d bytes",
					 r->line, LINE_MAX_LEN);
			}
			buf_reset(&r->partial);
			r->overlong = !nl;
		} else if (!nl) {
			buf_add(&r->partial, data, n);
		} else if (r->partial.len) {
			buf_add(&r->partial, data, n);
			verify_report_line(r, r->partial.p, r->partial.len);
			buf_reset(&r->partial);
		} else {
			verify_report_line(r, data, n);
		}
		data += step;
		len -= step;
	}
}

static char *escaped(const char *path)
{
	char *e = xmalloc(4 * strlen(path) + 2);

	if (!*path)
		strcpy(e, "-");
	else
		verify_escape(e, path);
	return e;
}

/* The data in a manifest's MAP field ("OFF+LEN,..." or "-"). */
static uint64_t map_bytes(const char *map)
{
	uint64_t sum = 0;

	for (const char *p = map; (p = strchr(p, '+')); p++)
		sum += strtoull(p + 1, NULL, 10);
	return sum;
}

/* One result the guest owes: key "PATH METHOD" (taken over). */
static void expect(struct verify_report *r, uint64_t bytes, char *key)
{
	if (r->expect.n % 64 == 0)
		r->expect_bytes = xrealloc(r->expect_bytes, (r->expect.n + 64) *
					   sizeof(*r->expect_bytes));
	r->expect_bytes[r->expect.n] = bytes;
	strv_push_owned(&r->expect, key);
}

/* The manifest is the host's own text: trusted, but still bounded. */
void verify_report_expect(struct verify_report *r, const char *manifest,
			  size_t len)
{
	char *text = xstrndup(manifest, len), *next = text, *line;
	unsigned long msize = 0;
	bool quick = false;
	struct strv sweep = { 0 };
	struct file { char *path; uint64_t size, data; } *files = NULL;
	size_t nfiles = 0;

	while ((line = next)) {
		char *p = line, *key, *w;
		struct file f;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		key = verify_word(&p);
		if (!key || !p)
			continue;
		if (!strcmp(key, "msize")) {
			parse_ulong(p, 10, &msize);
		} else if (!strcmp(key, "quick")) {
			quick = !strcmp(p, "1");
		} else if (!strcmp(key, "sweepdir")) {
			/* The last one counts, as in the guest's reader. */
			free(r->expect_sweepdir);
			r->expect_sweepdir = xstrdup(p);
		} else if (!strcmp(key, "sweep")) {
			while ((w = verify_word(&p)))
				strv_push(&sweep, w);
		} else if (!strcmp(key, "file") && (f.path = verify_word(&p))) {
			/* SIZE CRC BLOCKS MAP ... */
			w = verify_word(&p);
			f.size = w ? strtoull(w, NULL, 10) : 0;
			for (int i = 0; i < 3 && w; i++)
				w = verify_word(&p);
			f.data = w ? map_bytes(w) : 0;
			files = xrealloc(files, (nfiles + 1) * sizeof(*files));
			files[nfiles++] = f;
		}
	}
	for (size_t i = 0; i < nfiles; i++) {
		const char *f = files[i].path;
		uint64_t size = files[i].size;

		expect(r, size, xasprintf("%s stat", f));
		expect(r, size, xasprintf("%s blocks", f));
		expect(r, files[i].data, xasprintf("%s seek", f));
		if (!quick)
			expect(r, size, xasprintf("%s read:%u", f, VERIFY_PAGE));
		expect(r, size, xasprintf("%s read:%lu", f, msize));
		expect(r, size, xasprintf("%s pread", f));
		expect(r, size, xasprintf("%s mmap", f));
	}
	for (size_t i = 0; r->expect_sweepdir && i < sweep.n; i++)
		expect(r, strtoull(sweep.v[i], NULL, 10),
		       xasprintf("%s/" VERIFY_SWEEP_PREFIX "%s write",
				 r->expect_sweepdir, sweep.v[i]));
	free(files);
	strv_free(&sweep);
	free(text);
}

static bool *mark(struct hmap *h, const char *path, const char *method)
{
	char *key = xasprintf("%s %s", path, method);
	bool *seen = hmap_get(h, key);

	if (seen)
		*seen = true;
	free(key);
	return seen;
}

/*
 * Is every expected result there, did each check what was sent, and was
 * nothing else answered? The table is made of the host's keys and only
 * looked up with the guest's, so that no output makes its probes long.
 * A failure to open a file stands for all its methods, one to make the
 * sweep directory for all sweep files. Complaints are collected first:
 * protocol() adds to the results being walked.
 */
static void check_expected(struct verify_report *r)
{
	struct hmap h = { 0 };
	bool *seen = xcalloc(r->expect.n + 1, sizeof(*seen)), *at;
	size_t dirlen = r->expect_sweepdir ? strlen(r->expect_sweepdir) : 0;
	struct strv complaints = { 0 };

	for (size_t i = 0; i < r->expect.n; i++)
		hmap_put(&h, r->expect.v[i], &seen[i]);
	for (size_t i = 0; i < r->n; i++) {
		const struct verify_result *res = &r->r[i];
		bool owed;
		char *path;

		if (res->host)
			continue;
		path = escaped(res->path);
		at = mark(&h, path, res->method);
		owed = at;
		if (at && (res->kind == VERIFY_OK || res->kind == VERIFY_WROTE) &&
		    res->bytes != r->expect_bytes[at - seen])
			strv_push_owned(&complaints, xasprintf(
				"%s %s checked %" PRIu64 " bytes, not the %" PRIu64
				" of the manifest sent", path, res->method,
				res->bytes, r->expect_bytes[at - seen]));
		if (res->kind == VERIFY_FAIL && !strcmp(res->method, "open"))
			for (size_t k = 0; k < r->expect.n; k++)
				if (str_starts(r->expect.v[k], path) &&
				    r->expect.v[k][strlen(path)] == ' ')
					seen[k] = owed = true;
		if (res->kind == VERIFY_FAIL && !strcmp(res->method, "write") &&
		    dirlen && !strcmp(path, r->expect_sweepdir))
			for (size_t k = 0; k < r->expect.n; k++)
				if (!strncmp(r->expect.v[k], path, dirlen) &&
				    r->expect.v[k][dirlen] == '/')
					seen[k] = owed = true;
		if (!owed)
			strv_push_owned(&complaints, xasprintf(
				"a result for %s %s, which the manifest sent does "
				"not ask for", path, res->method));
		free(path);
	}
	for (size_t i = 0; i < r->expect.n; i++)
		if (!seen[i])
			strv_push_owned(&complaints, xasprintf("no result for %s",
							       r->expect.v[i]));
	for (size_t i = 0; i < complaints.n; i++)
		protocol(r, "%s", complaints.v[i]);
	strv_free(&complaints);
	hmap_free(&h);
	free(seen);
}

void verify_report_finish(struct verify_report *r)
{
	if (r->partial.len && !r->overlong)
		verify_report_line(r, r->partial.p, r->partial.len);
	buf_reset(&r->partial);
	r->overlong = false;
	if (r->state == VERIFY_BEFORE)
		protocol(r, "no results: the guest printed no \"%sN\" line",
			 begin_line);
	else if (r->state == VERIFY_INSIDE)
		protocol(r, "no end line after %lu lines: the guest stopped "
			 "before it finished", r->line);
	if (r->dropped)
		protocol(r, "%u results past the first %d were counted but "
			 "not kept", r->dropped, RESULTS_MAX);
	else if (r->state == VERIFY_ENDED && r->expect.n)
		check_expected(r);
}

int verify_report_status(const struct verify_report *r)
{
	return r->failures || r->state != VERIFY_ENDED ? 1 : 0;
}

/* The table. */

static const char *const kind_names[] = {
	[VERIFY_OK] = "ok", [VERIFY_SKIP] = "skip",
	[VERIFY_FAIL] = "FAIL", [VERIFY_WROTE] = "wrote",
};

struct row {
	const char *cell[6];
	char *path;
	char num[24], what[40];
};

static void make_row(struct row *w, const struct verify_result *res)
{
	w->path = escaped(res->path);
	snprintf(w->num, sizeof(w->num), "%" PRIu64, res->offset);
	snprintf(w->what, sizeof(w->what), "%" PRIu64 " byte%s", res->bytes,
		 res->bytes == 1 ? "" : "s");
	w->cell[0] = kind_names[res->kind];
	w->cell[1] = res->kind == VERIFY_FAIL ? verify_class_name(res->cls) : "-";
	w->cell[2] = w->path;
	w->cell[3] = res->kind == VERIFY_FAIL ? w->num : "-";
	w->cell[4] = res->method;
	w->cell[5] = res->detail ? res->detail : w->what;
}

static void print_table(const struct verify_report *r, FILE *out, bool all)
{
	static const char *const head[6] = {
		"RESULT", "CLASS", "PATH", "OFFSET", "METHOD", "DETAIL",
	};
	size_t width[6], nrows = 0;
	struct row *rows = xcalloc(r->n + 1, sizeof(*rows));
	unsigned skipped = 0;
	const char *sep = " (";

	for (int c = 0; c < 6; c++)
		width[c] = strlen(head[c]);
	for (size_t i = 0; i < r->n; i++) {
		struct row *w = &rows[nrows];

		skipped += r->r[i].kind == VERIFY_SKIP;
		if (!all && r->r[i].kind != VERIFY_FAIL)
			continue;
		make_row(w, &r->r[i]);
		for (int c = 0; c < 5; c++) {
			size_t n = strlen(w->cell[c]);

			if (c == 2 && n > PATH_COLUMN_MAX)
				n = PATH_COLUMN_MAX;	/* no wider for one */
			if (n > width[c])
				width[c] = n;
		}
		nrows++;
	}
	for (size_t i = 0; nrows && i <= nrows; i++) {
		const char *const *cell = i ? rows[i - 1].cell : head;

		for (int c = 0; c < 5; c++)
			fprintf(out, "%-*s  ", (int)width[c], cell[c]);
		fprintf(out, "%s\n", cell[5]);
	}
	fprintf(out, "verify: %u passed, %u failed", r->passed, r->failures);
	for (int c = 0; c < VERIFY_NCLASSES; c++) {
		if (!r->classes[c])
			continue;
		fprintf(out, "%s%s %u", sep, verify_class_name(c), r->classes[c]);
		sep = ", ";
	}
	fprintf(out, "%s", r->failures ? ")" : "");
	if (skipped)
		fprintf(out, ", %u skipped", skipped);
	fputc('\n', out);
	for (int c = 0; c < VERIFY_NCLASSES; c++)
		if (r->classes[c])
			fprintf(out, "%s: %s\n", verify_class_name(c),
				verify_class_hint(c));
	for (size_t i = 0; i < nrows; i++)
		free(rows[i].path);
	free(rows);
}

static void print_json(const struct verify_report *r, FILE *out)
{
	const char *sep = "";

	fprintf(out, "{\n  \"version\": %d,\n  \"passed\": %u,\n  \"failed\": %u,"
		"\n  \"classes\": {", VERIFY_VERSION, r->passed, r->failures);
	for (int c = 0; c < VERIFY_NCLASSES; c++) {
		if (!r->classes[c])
			continue;
		fprintf(out, "%s\"%s\": %u", sep, verify_class_name(c),
			r->classes[c]);
		sep = ", ";
	}
	fprintf(out, "},\n  \"results\": [");
	for (size_t i = 0; i < r->n; i++) {
		const struct verify_result *res = &r->r[i];

		fprintf(out, "%s\n    {\"result\": \"%s\", \"by\": \"%s\", "
			"\"path\": ", i ? "," : "",
			res->kind == VERIFY_FAIL ? "fail" : kind_names[res->kind],
			res->host ? "host" : "guest");
		json_str(out, res->path);
		fprintf(out, ", \"method\": ");
		json_str(out, res->method);
		if (res->kind == VERIFY_FAIL)
			fprintf(out, ", \"class\": \"%s\", \"offset\": %" PRIu64,
				verify_class_name(res->cls), res->offset);
		if (res->kind == VERIFY_OK || res->kind == VERIFY_WROTE)
			fprintf(out, ", \"bytes\": %" PRIu64, res->bytes);
		if (res->detail) {
			fprintf(out, ", \"detail\": ");
			json_str(out, res->detail);
		}
		if (res->kind == VERIFY_FAIL) {
			fprintf(out, ", \"hint\": ");
			json_str(out, verify_class_hint(res->cls));
		}
		fputc('}', out);
	}
	fprintf(out, "%s]\n}\n", r->n ? "\n  " : "");
}

void verify_report_print(const struct verify_report *r, FILE *out,
			 unsigned flags)
{
	if (flags & VERIFY_PRINT_JSON)
		print_json(r, out);
	else
		print_table(r, out, flags & VERIFY_PRINT_ALL);
}
