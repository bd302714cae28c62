/* diag: the source table, diagnostics (capped, sorted) and their compiler-style printing */
#include "diag.h"
#include "pattern.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { DEFAULT_MAX_ERRORS = 50 };

/* ---- context and sources ------------------------------------------------------------- */

void mf_ctx_init(mf_ctx *c)
{
	memset(c, 0, sizeof *c);
	c->a = c->keep = mf_arena_new();
	mf_arena_set_budget(c->keep, &c->budget);
	c->sources = mf_alloc(c->keep, 8 * sizeof *c->sources);
	if (!c->sources)
		return; /* every later call sees the missing arena or table and fails softly */
	c->capsources = 8;
	c->sources[0] = (mf_source){.path = "", .text = "", .len = 0};
	c->nsources = 1;
}

void mf_ctx_release(mf_ctx *c)
{
	if (!c)
		return;
	if (c->a != c->keep)
		mf_arena_free(c->a);
	mf_arena_free(c->keep);
	memset(c, 0, sizeof *c);
}

/* The start of every line, so that showing the line of each of many
 * diagnostics is a lookup, not a scan from the top of the file. */
static size_t *line_starts(mf_ctx *c, const char *text, size_t len, size_t *n)
{
	size_t count = len > 0, at = 0;
	size_t *v;

	for (const char *p = text; p && (p = memchr(p, '\n', len - (size_t)(p - text))) != NULL;)
		count += (size_t)(++p - text) < len;
	if (!(v = mf_alloc(c->keep, (count + 1) * sizeof *v)))
		return NULL;
	if (len)
		v[at++] = 0;
	for (const char *p = text; p && (p = memchr(p, '\n', len - (size_t)(p - text))) != NULL;)
		if ((size_t)(++p - text) < len)
			v[at++] = (size_t)(p - text);
	*n = at;
	return v;
}

uint32_t mf_source_add(mf_ctx *c, const char *path, const char *text, size_t len)
{
	if (!c || !c->sources || c->nsources >= UINT32_MAX)
		return 0;
	c->budget.input += text ? len : 0; /* first: the budget grows with the input */
	mf_source *s = mf_grow(c->keep, c->sources, c->nsources, &c->capsources, sizeof *s);
	char *copy = mf_alloc(c->keep, len + 1);
	const char *p = mf_strdup(c->keep, path ? path : "");
	size_t nlines = 0, *lines;
	if (!s || !copy || !p)
		return 0;
	if (!text)
		len = 0;
	if (len)
		memcpy(copy, text, len);
	if (!(lines = line_starts(c, copy, len, &nlines)))
		return 0;
	c->sources = s;
	s[c->nsources] =
		(mf_source){.path = p, .text = copy, .len = len, .lines = lines, .nlines = nlines};
	return (uint32_t)c->nsources++;
}

const mf_source *mf_source_get(const mf_ctx *c, uint32_t file)
{
	if (!c || file == 0 || file >= c->nsources)
		return NULL;
	return &c->sources[file];
}

/* ---- recording ------------------------------------------------------------------------- */

static size_t max_errors(const mf_ctx *c)
{
	return c->max_errors ? c->max_errors : DEFAULT_MAX_ERRORS;
}

/* Errors past the cap are not stored, but the caller still gets a record
 * to fill in (mf_diag_add's result is only NULL on OOM). */
static mf_diag *dropped(mf_ctx *c, mf_severity sev, mf_pos pos)
{
	c->truncated = true;
	mf_diag *d = mf_alloc(c->keep, sizeof *d);
	if (d) {
		d->sev = sev;
		d->pos = pos;
		d->msg = "";
	}
	return d;
}

__attribute__((format(printf, 5, 0))) static mf_diag *
vadd(mf_ctx *c, mf_severity sev, mf_pos pos, const char *code, const char *fmt, va_list ap)
{
	if (!c || !c->keep)
		return NULL;
	if (sev == MF_SEV_ERROR && c->nerrors >= max_errors(c))
		return dropped(c, sev, pos);
	char *msg = mf_vprintf(c->keep, fmt, ap);
	mf_mask_tokens(msg); /* a name quoted from the input may be a token */
	char *cd = code ? mf_strdup(c->keep, code) : NULL;
	mf_diag *all = mf_grow(c->keep, c->diags, c->ndiags, &c->capdiags, sizeof *all);
	if (!msg || (code && !cd) || !all)
		return NULL;
	c->diags = all;
	mf_diag *d = &all[c->ndiags++];
	*d = (mf_diag){.sev = sev, .pos = pos, .code = cd, .msg = msg};
	if (sev == MF_SEV_ERROR)
		c->nerrors++;
	return d;
}

/* The returned record stays valid until the next add (the array may move). */
mf_diag *mf_diag_add(mf_ctx *c, mf_severity sev, mf_pos pos, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mf_diag *d = vadd(c, sev, pos, code, fmt, ap);
	va_end(ap);
	return d;
}

int mf_error(mf_ctx *c, mf_pos pos, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vadd(c, MF_SEV_ERROR, pos, code, fmt, ap);
	va_end(ap);
	return -1;
}

void mf_warning(mf_ctx *c, mf_pos pos, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vadd(c, MF_SEV_WARNING, pos, code, fmt, ap);
	va_end(ap);
}

void mf_diag_note(mf_ctx *c, mf_diag *d, const char *fmt, ...)
{
	if (!c || !c->keep || !d)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *note = mf_vprintf(c->keep, fmt, ap);
	va_end(ap);
	mf_mask_tokens(note);
	if (note)
		d->note = note;
}

/* ---- scratch arenas ------------------------------------------------------------------- */

int mf_scratch_begin(mf_ctx *c, mf_scratch *s)
{
	mf_arena *a = mf_arena_new();

	s->outer = c->a;
	if (!a)
		return mf_error(c, MF_NOPOS, "internal", "out of memory");
	mf_arena_set_budget(a, mf_arena_budget(c->keep));
	c->a = a;
	return 0;
}

/* A string the stage built in its scratch arena is copied; one it
 * borrowed from the description or a table stays as it is. */
static bool keep_str(mf_ctx *c, const mf_span *v, size_t n, const char **p)
{
	if (!*p || !mf_spans_have(v, n, *p))
		return true;
	return (*p = mf_strdup(c->keep, *p)) != NULL;
}

static bool keep_diag(mf_ctx *c, const mf_span *v, size_t n, mf_diag *d)
{
	const char **f[] = {&d->code, &d->msg,          &d->note,      &d->env,          &d->object,
			    &d->path, &d->rule_summary, &d->rule_help, &d->waiver_reason};
	bool ok = true;

	for (size_t i = 0; i < MF_NELEM(f); i++)
		ok &= keep_str(c, v, n, f[i]);
	return ok;
}

int mf_scratch_end(mf_ctx *c, mf_scratch *s)
{
	mf_arena *a = c->a;
	size_t n;
	mf_span *v;
	bool ok = true;

	if (a == s->outer)
		return 0; /* begin failed */
	v = mf_arena_spans(a, &n);
	ok = v != NULL;
	for (size_t i = 0; ok && i < c->ndiags; i++)
		ok = keep_diag(c, v, n, &c->diags[i]);
	free(v);
	c->a = s->outer;
	if (ok) {
		mf_arena_free(a);
		return 0;
	}
	mf_arena_adopt(c->keep, a); /* some diagnostic still points into it */
	return mf_error(c, MF_NOPOS, "internal", "out of memory");
}

/* ---- sorting --------------------------------------------------------------------------- */

static int cmp_u32(uint32_t x, uint32_t y)
{
	return (x > y) - (x < y);
}

static int diag_cmp(const void *xp, const void *yp)
{
	const mf_diag *x = xp, *y = yp;
	int r = cmp_u32(x->pos.file, y->pos.file);
	if (!r)
		r = cmp_u32(x->pos.line, y->pos.line);
	if (!r)
		r = cmp_u32(x->pos.col, y->pos.col);
	if (!r)
		r = strcmp(x->code ? x->code : "", y->code ? y->code : "");
	return r;
}

void mf_diag_sort(mf_ctx *c)
{
	if (c)
		mf_stable_sort(c->diags, c->ndiags, sizeof *c->diags, diag_cmp);
}

/* ---- printing -------------------------------------------------------------------------- */

#define BOLD "\033[1m"
#define GREEN "\033[1;32m"
#define RESET "\033[0m"

static const struct {
	const char *word, *color;
} severities[] = {
	[MF_SEV_INFO] = {"info", "\033[1;36m"},
	[MF_SEV_WARNING] = {"warning", "\033[1;35m"},
	[MF_SEV_ERROR] = {"error", "\033[1;31m"},
};

/* a UTF-8 code point starts at every byte that is not a continuation byte */
static bool cp_start(unsigned char ch)
{
	return (ch & 0xC0) != 0x80;
}

/* the line'th line (1-based) without its "\n" or "\r\n"; false past the end */
static bool find_line(const mf_source *s, uint32_t line, const char **start, size_t *len)
{
	if (line == 0 || line > s->nlines || !s->lines)
		return false;
	const char *p = s->text + s->lines[line - 1], *end = s->text + s->len;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
	if (n && p[n - 1] == '\r')
		n--;
	*start = p;
	*len = n;
	return true;
}

/* The length of the C1 control character (U+0080..U+009F, UTF-8 C2 80..C2 9F:
 * U+009B is a CSI to many terminals) at s, or 0. */
size_t mf_c1_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	return u[0] == 0xC2 && u[1] >= 0x80 && u[1] <= 0x9F ? 2 : 0;
}

static void put_escaped(const char *s, FILE *fp, bool lines)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (mf_c1_len(s))
			fprintf(fp, "\\u%04x", (unsigned char)*++s);
		else if ((ch < 0x20 || ch == 0x7F) && !(lines && (ch == '\n' || ch == '\t')))
			fprintf(fp, "\\x%02x", ch);
		else
			fputc(*s, fp);
	}
}

/* Text from the input as a terminal should see it: a control character
 * (ESC could rewrite the screen or fake a diagnostic) as \xNN, a C1 one
 * as \u00NN. */
void mf_put_escaped(const char *s, FILE *fp)
{
	put_escaped(s ? s : "", fp, false);
}

void mf_put_escaped_lines(const char *s, FILE *fp)
{
	put_escaped(s ? s : "", fp, true);
}

/* "PATH:LINE:COL: SEVERITY: MSG [CODE] (waived: REASON)" */
static void print_header(const mf_source *src, const mf_diag *d, FILE *fp, bool color)
{
	size_t sev = (size_t)d->sev < MF_NELEM(severities) ? (size_t)d->sev : MF_SEV_ERROR;
	fputs(color ? BOLD : "", fp);
	if (!src) {
		fputs("manifold:", fp);
	} else {
		mf_put_escaped(src->path, fp); /* a file name is input too */
		if (d->pos.line && d->pos.col)
			fprintf(fp, ":%u:%u", (unsigned)d->pos.line, (unsigned)d->pos.col);
		else if (d->pos.line)
			fprintf(fp, ":%u", (unsigned)d->pos.line);
		fputc(':', fp);
	}
	fprintf(fp, "%s %s%s%s: ", color ? RESET : "", color ? severities[sev].color : "",
		severities[sev].word, color ? RESET : "");
	mf_put_escaped(d->msg ? d->msg : "", fp);
	if (d->code)
		fprintf(fp, " [%s]", d->code);
	if (d->waived && d->waiver_reason) {
		fputs(" (waived: ", fp);
		mf_put_escaped(d->waiver_reason, fp);
		fputc(')', fp);
	} else if (d->waived)
		fputs(" (waived)", fp);
	fputc('\n', fp);
}

/* Code points in the token at p: a quoted scalar up to its closing quote;
 * otherwise up to a blank, a key's ':' (one followed by a blank or the end)
 * or a flow indicator; at least 1 so the caret always shows. */
static size_t token_width(const char *p, const char *end)
{
	size_t w = 0;
	const char *q = p;

	if (p < end && (*p == '"' || *p == '\'')) {
		for (q = p + 1; q < end && *q != *p;
		     q += (*q == '\\' && *p == '"' && q + 1 < end) ? 2 : 1)
			;
		end = q < end ? q + 1 : end;
		for (q = p; q < end; q++)
			w += cp_start((unsigned char)*q);
		return w;
	}
	for (; q < end && *q != ' ' && *q != '\t'; q++) {
		if (*q == ':' && (q + 1 == end || q[1] == ' ' || q[1] == '\t'))
			break;
		if (q > p && (*q == ',' || *q == ']' || *q == '}'))
			break;
		w += cp_start((unsigned char)*q);
	}
	return w ? w : 1;
}

/* Padding to the column: a tab stays a tab so the caret lines up in a
 * terminal.  A column past the end of the line stops just after it. */
static const char *print_padding(const char *p, const char *end, uint32_t col, FILE *fp)
{
	for (uint32_t c = 1; c < col && p < end; c++) {
		fputc(*p == '\t' ? '\t' : ' ', fp);
		p++;
		while (p < end && !cp_start((unsigned char)*p))
			p++;
	}
	return p;
}

/* Source text as the terminal should see it: bytes that are not valid
 * UTF-8, and control characters other than tab, print as '?'. */
static void put_text(const char *p, const char *end, FILE *fp)
{
	while (p < end) {
		const unsigned char *u = (const unsigned char *)p;
		size_t n = *u < 0x80             ? 1
			   : (*u & 0xE0) == 0xC0 ? 2
			   : (*u & 0xF0) == 0xE0 ? 3
			   : (*u & 0xF8) == 0xF0 ? 4
						 : 0;
		bool ok = n > 0 && (size_t)(end - p) >= n && *u >= 0x20 - (*u == '\t' ? 0x20 : 0) &&
			  *u != 0x7F && !(n == 2 && mf_c1_len(p));
		for (size_t i = 1; ok && i < n; i++)
			ok = (u[i] & 0xC0) == 0x80;
		if (ok)
			fwrite(p, 1, n, fp);
		else
			fputc('?', fp);
		p += ok || (n == 2 && mf_c1_len(p)) ? n : 1; /* one '?' a code point */
	}
}

/* Long lines (minified flow YAML, huge scalars) are shown as a window of
 * about WINDOW code points around the caret, so a diagnostic stays readable. */
#define WINDOW 100
#define LEAD 40
#define MAX_TILDES 40

static const char *skip_cps(const char *p, const char *end, size_t n)
{
	for (size_t i = 0; i < n && p < end; i++) {
		p++;
		while (p < end && !cp_start((unsigned char)*p))
			p++;
	}
	return p;
}

/* The token at the caret of a diagnostic that says its value must not be
 * shown (a refused secret), as '*' (one per code point); with `rest`, all
 * that follows it on the line too (a flow mapping of secret data). */
static void hide_token(char *line, size_t *len_io, uint32_t col, bool token, bool rest)
{
	size_t len = *len_io;
	char *p = (char *)skip_cps(line, line + len, col ? col - 1 : 0), *q = p;
	size_t w = token_width(p, line + len);

	if (!token) { /* the token (a key and its ':') stays, what follows goes */
		p = q = (char *)skip_cps(p, line + len, w);
		p = q += q < line + len && *q == ':';
	}
	for (size_t i = 0; (rest || i < w) && q < line + len; i++) {
		bool blank = *q == ' ' || *q == '\t';
		*p++ = blank && !token ? *q : '*';
		q++;
		while (q < line + len && !cp_start((unsigned char)*q))
			q++;
	}
	memmove(p, q, (size_t)(line + len - q) + 1);
	*len_io -= (size_t)(q - p);
}

/* Source lines are shown as a CI log would: secrets masked (pattern.h). */
static void print_source(const mf_source *src, const mf_diag *d, FILE *fp, bool color)
{
	const char *line, *from, *to, *end;
	size_t len, w;
	mf_pos pos = d->pos;
	uint32_t col = pos.col;
	char *masked;

	if (!find_line(src, pos.line, &line, &len))
		return;
	if ((masked = mf_mask_secrets(line, len, &len)) == NULL) {
		fputs("      | (source line not shown: out of memory)\n", fp);
		return;
	}
	if ((d->mask_token || d->mask_rest) && col)
		hide_token(masked, &len, col, d->mask_token, d->mask_rest);
	line = masked;
	end = line + len;
	from = col > LEAD + 1 && len > WINDOW ? skip_cps(line, end, col - 1 - LEAD) : line;
	to = skip_cps(from, end, WINDOW);
	if (from != line)
		col -= (uint32_t)LEAD > col ? 0 : col - 1 - LEAD;
	int width = fprintf(fp, "%5u", (unsigned)pos.line);
	fputs(" | ", fp);
	fputs(from != line ? "..." : "", fp);
	put_text(from, to, fp);
	fputs(to != end ? "...\n" : "\n", fp);
	if (!pos.col) {
		free(masked);
		return;
	}
	fprintf(fp, "%*s | %s", width > 0 ? width : 5, "", from != line ? "   " : "");
	const char *p = print_padding(from, to, col, fp);
	/* a quoted scalar's position is its text: underline it to the closing quote */
	if (p > from && (p[-1] == '"' || p[-1] == '\'') && p < to && *p != p[-1]) {
		w = token_width(p - 1, to);
		w = w > 2 ? w - 2 : 1;
	} else {
		w = token_width(p, to);
	}
	fputs(color ? GREEN "^" : "^", fp);
	for (size_t i = 1; i < w && i < MAX_TILDES; i++)
		fputc('~', fp);
	fputs(color ? RESET "\n" : "\n", fp);
	free(masked);
}

uint32_t mf_token_end(const mf_ctx *c, mf_pos pos)
{
	const mf_source *src = mf_source_get(c, pos.file);
	const char *line;
	size_t len;

	if (!src || !pos.line || !pos.col || !find_line(src, pos.line, &line, &len))
		return 0;
	return pos.col + (uint32_t)token_width(skip_cps(line, line + len, pos.col - 1), line + len);
}

int mf_diag_print(const mf_ctx *c, const mf_diag *d, FILE *fp, bool color)
{
	if (!d || !fp)
		return -1;
	const mf_source *src = mf_source_get(c, d->pos.file);
	print_header(src, d, fp, color);
	if (src && d->pos.line)
		print_source(src, d, fp, color);
	if (d->note) {
		fputs("note: ", fp);
		mf_put_escaped(d->note, fp);
		fputc('\n', fp);
	}
	return ferror(fp) ? -1 : 0;
}

int mf_diag_print_all(const mf_ctx *c, FILE *fp, bool color)
{
	if (!c || !fp)
		return -1;
	for (size_t i = 0; i < c->ndiags; i++)
		if (mf_diag_print(c, &c->diags[i], fp, color) != 0)
			return -1;
	if (c->truncated)
		fprintf(fp, "%smanifold:%s %serror%s: too many errors (only the first %zu shown)\n",
			color ? BOLD : "", color ? RESET : "",
			color ? severities[MF_SEV_ERROR].color : "", color ? RESET : "",
			max_errors(c));
	return fflush(fp) != 0 || ferror(fp) ? -1 : 0;
}

/* ---- did you mean ------------------------------------------------------- */

static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64], prev, tmp;

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev + (a[i - 1] != b[j - 1]);
			size_t del = row[j] + 1, ins = row[j - 1] + 1;
			tmp = row[j];
			row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			prev = tmp;
		}
	}
	return row[lb];
}

/* The closest of n candidates, names[i] or pairs[i].key (one is NULL). */
static const char *closest(const char *word, const char *const *names, const mf_pair *pairs,
			   size_t n)
{
	size_t best = 99, limit = strlen(word) / 3 + 1;
	const char *pick = NULL;

	if (limit < 2)
		limit = 2;
	for (size_t i = 0; i < n; i++) {
		const char *name = names ? names[i] : pairs[i].key;
		size_t d = distance(word, name);
		if (d < best) {
			best = d;
			pick = name;
		}
	}
	return best <= limit ? pick : NULL;
}

const char *mf_did_you_mean(const char *word, const char *const *names, size_t n)
{
	return word && names ? closest(word, names, NULL, n) : NULL;
}

void mf_diag_suggest(mf_ctx *c, mf_diag *d, const char *word, const char *const *names, size_t n)
{
	const char *best = d ? mf_did_you_mean(word, names, n) : NULL;

	if (best)
		mf_diag_note(c, d, "did you mean '%s'?", best);
}

/* The keys of a map are the candidates: no copy, no cap on their number. */
void mf_diag_suggest_key(mf_ctx *c, mf_diag *d, const char *word, const mf_node *map)
{
	const char *best = NULL;

	if (d && word && map && map->kind == MF_MAP)
		best = closest(word, NULL, map->pairs, map->n);
	if (best)
		mf_diag_note(c, d, "did you mean '%s'?", best);
}

/* ---- memory budget -------------------------------------------------------------------- */

static bool out_of_memory(const mf_diag *d)
{
	return d->code && !strcmp(d->code, "internal") && !strcmp(d->msg, "out of memory");
}

/* Drops the "out of memory" errors; returns the index of the first (kept
 * for the one that replaces them), or SIZE_MAX when there was none. */
static size_t drop_out_of_memory(mf_ctx *c)
{
	size_t first = SIZE_MAX, out = 0;

	for (size_t i = 0; i < c->ndiags; i++) {
		if (!out_of_memory(&c->diags[i])) {
			c->diags[out++] = c->diags[i];
			continue;
		}
		if (first == SIZE_MAX) {
			first = out;
			c->diags[out++] = c->diags[i];
		} else if (c->diags[i].sev == MF_SEV_ERROR && !c->diags[i].waived) {
			c->nerrors--;
		}
	}
	c->ndiags = out;
	return first;
}

bool mf_budget_report(mf_ctx *c)
{
	mf_budget *b = &c->budget;
	size_t limit = mf_budget_limit(b), at;
	mf_pos pos = b->last.file ? b->last : c->nsources > 1 ? (mf_pos){1, 1, 1} : MF_NOPOS;
	const char *msg;
	mf_diag *d;
	bool was_fixed = b->fixed != 0;

	if (!b->hit || b->fixed == SIZE_MAX)
		return b->hit;
	b->fixed = SIZE_MAX; /* room for the report */
	msg = mf_printf(
		c->keep,
		"this needs more than %zu bytes of memory, the limit for %zu bytes of input", limit,
		b->input);
	at = drop_out_of_memory(c);
	if (at != SIZE_MAX && msg) {
		d = &c->diags[at];
		*d = (mf_diag){.sev = MF_SEV_ERROR, .pos = pos, .code = "memory-limit", .msg = msg};
	} else {
		size_t cap = c->max_errors;
		/* never lost to the error cap: it says why the run stopped */
		c->max_errors = SIZE_MAX;
		d = mf_diag_add(c, MF_SEV_ERROR, pos, "memory-limit", "%s", msg ? msg : "");
		c->max_errors = cap;
	}
	if (was_fixed)
		mf_diag_note(c, d, "the limit MANIFOLD_MEMORY_LIMIT sets");
	else if (limit == b->ceiling)
		mf_diag_note(c, d, "the limit is 3/4 of this machine's memory");
	else
		mf_diag_note(c, d,
			     "the limit is the larger of %zu bytes and %zu times the size of "
			     "the input; MANIFOLD_MEMORY_LIMIT=BYTES sets another",
			     MF_MEMORY_FLOOR, MF_MEMORY_PER_BYTE);
	return true;
}
