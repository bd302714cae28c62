/* load: a reader of our own for the block-style YAML kustomize and manifold write */
#include <string.h>
#include "load.h"

/* libfyaml's scanner is most of what `manifold lint` costs (docs/performance.md).
 * This reads a strict subset only: block mappings and sequences by indentation
 * (compact `- key: v` too), one-line plain, single- and double-quoted scalars,
 * literal block scalars, `---`, comments, and `{}`/`[]` empty.  Anything else,
 * and anything libfyaml or the builder in yaml.c would report (a duplicate key,
 * a merge key, an integer out of range, a limit), makes it give up having
 * reported nothing: libfyaml then reads the text from the start, so every
 * diagnostic, and every edge case, stays libfyaml's.  Where it takes the text
 * its tree is the one libfyaml's events build: same kinds, text, flags and
 * positions (tests/unit/test_yaml_fast.c compares them on every file). */

#define END (-1L)    /* no more lines */
#define MARKER (-2L) /* a `---` line: the next document */

typedef struct fast {
	mf_arena *a;
	uint32_t file;
	const char *p, *end; /* the cursor; the text ends at end */
	const char *bol;     /* where the cursor's line begins */
	uint32_t line;
	unsigned depth;
	bool bad; /* outside the subset: libfyaml reads it */
	char *buf;
	size_t cap; /* decoded text (escapes, block scalars), malloc'd */
} fast;

/* Byte classes for the scanning loops.  The text ends in a NUL
 * (mf_source_add) and holds none before (plain_text), so NUL is its end. */
enum { C_STOP = 1, C_IND = 2, C_KEYIND = 4 };
#define IND_(c) [c] = C_IND | C_KEYIND
static const unsigned char cls[256] = {
	['\0'] = C_STOP, ['\n'] = C_STOP,  [' '] = C_STOP, [':'] = C_STOP | C_IND | C_KEYIND,
	IND_(','),       IND_('['),        IND_(']'),      IND_('{'),
	IND_('}'),       IND_('#'),        IND_('&'),      IND_('*'),
	IND_('!'),       IND_('|'),        IND_('>'),      IND_('%'),
	IND_('@'),       IND_('`'),        IND_('?'),      ['\''] = C_IND,
	['"'] = C_IND,   ['-'] = C_KEYIND,
};
#undef IND_

/* The first byte at or after p that may end a plain scalar or key: a line
 * break, the end, a space or a colon. */
static const char *plain_stop(const char *p)
{
	while (!(cls[(unsigned char)*p] & C_STOP))
		p++;
	return p;
}

/* Give up: the text is libfyaml's.  Returns END so that callers unwind. */
static long no(fast *f)
{
	f->bad = true;
	return END;
}

static bool at_eol(const fast *f, const char *p)
{
	return p >= f->end || *p == '\n';
}

static bool blank_at(const fast *f, const char *p)
{
	return at_eol(f, p) || *p == ' ';
}

/* Column of p on the cursor's line: libfyaml counts characters, not bytes. */
static uint32_t col_of(const fast *f, const char *p)
{
	uint32_t col = 1;

	for (const char *q = f->bol; q < p; q++)
		col += ((unsigned char)*q & 0xC0) != 0x80;
	return col;
}

static mf_pos pos_at(const fast *f, const char *p)
{
	return (mf_pos){f->file, f->line, col_of(f, p)};
}

/* ---- lines ---------------------------------------------------------------- */

/* From the beginning of a line (f->bol == f->p): past blank and comment
 * lines to the next line with content, the cursor at its first character.
 * Returns its indentation, END, or MARKER on a `---` line. */
static long content_line(fast *f)
{
	for (;;) {
		const char *p = f->p;
		if (p >= f->end)
			return END;
		while (p < f->end && *p == ' ')
			p++;
		if (!at_eol(f, p) && *p != '#') {
			f->p = p;
			if (p == f->bol && f->end - p >= 3 &&
			    (!memcmp(p, "---", 3) || !memcmp(p, "...", 3)) && blank_at(f, p + 3))
				return *p == '-' ? MARKER : no(f);
			return (long)(p - f->bol);
		}
		p = memchr(p, '\n', (size_t)(f->end - p));
		if (!p) {
			f->p = f->end;
			return END;
		}
		f->p = f->bol = p + 1;
		f->line++;
	}
}

/* After a node's text: spaces, maybe a comment, the end of the line; then
 * the next line with content (content_line). */
static long line_end(fast *f)
{
	const char *p = f->p;

	while (p < f->end && *p == ' ')
		p++;
	if (p < f->end && *p == '#' && p > f->p)
		p = memchr(p, '\n', (size_t)(f->end - p));
	else if (!at_eol(f, p))
		return no(f);
	if (!p || p >= f->end) {
		f->p = f->end;
		return END;
	}
	f->p = f->bol = p + 1;
	f->line++;
	return content_line(f);
}

/* ---- scalars -------------------------------------------------------------- */

static bool reserve(fast *f, size_t n)
{
	char *grown;

	if (n <= f->cap)
		return true;
	if (!(grown = realloc(f->buf, n * 2)))
		return false;
	f->buf = grown;
	f->cap = n * 2;
	return true;
}

static mf_node *text_node(fast *f, const char *s, size_t n, mf_pos pos, unsigned flags)
{
	mf_node *v;

	if (n > MF_MAX_SCALAR_BYTES) /* no NUL: plain_text, put_utf8 */
		return (no(f), NULL);
	if (!(v = mf_new_strn(f->a, s, n, pos)))
		return (no(f), NULL);
	v->flags = flags;
	if (!(flags & MF_QUOTED) && !mf_yaml_resolve_plain(v))
		return (no(f), NULL);
	return v;
}

/* The UTF-8 of code point u into f->buf at n; 0 for one YAML would refuse. */
static size_t put_utf8(char *o, unsigned long u)
{
	if (!u || (u >= 0xD800 && u <= 0xDFFF) || u > 0x10FFFF)
		return 0;
	if (u < 0x80)
		return (o[0] = (char)u), 1;
	if (u < 0x800)
		return (o[0] = (char)(0xC0 | u >> 6)), (o[1] = (char)(0x80 | (u & 0x3F))), 2;
	if (u < 0x10000) {
		o[0] = (char)(0xE0 | u >> 12);
		o[1] = (char)(0x80 | ((u >> 6) & 0x3F));
		o[2] = (char)(0x80 | (u & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | u >> 18);
	o[1] = (char)(0x80 | ((u >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((u >> 6) & 0x3F));
	o[3] = (char)(0x80 | (u & 0x3F));
	return 4;
}

/* \xNN, \uNNNN, \UNNNNNNNN at p (after the backslash): bytes written, or 0. */
static size_t hex_escape(const char *p, const char *end, char *o)
{
	size_t digits = *p == 'x' ? 2 : *p == 'u' ? 4 : 8;
	unsigned long u = 0;

	if (end - p <= (long)digits)
		return 0;
	for (size_t i = 1; i <= digits; i++) {
		int c = (unsigned char)p[i], d = c >= '0' && c <= '9'   ? c - '0'
						 : c >= 'a' && c <= 'f' ? c - 'a' + 10
						 : c >= 'A' && c <= 'F' ? c - 'A' + 10
									: -1;
		if (d < 0)
			return 0;
		u = u * 16 + (unsigned long)d;
	}
	return put_utf8(o, u);
}

/* The escapes of one character; the rest (\N, \L, \_ ...) are libfyaml's. */
static char simple_escape(char c)
{
	static const char from[] = "\"\\/ntrbfaev", to[] = "\"\\/\n\t\r\b\f\a\x1b\v";
	const char *at = c ? strchr(from, c) : NULL;

	return at ? to[at - from] : 0;
}

/* A double-quoted scalar on one line, s .. q the text between the quotes.
 * No escape writes more bytes than it takes, so q - s bytes hold it. */
static const char *dq_text(fast *f, const char *s, const char *q, size_t *n)
{
	size_t o = 0, used;

	if (!memchr(s, '\\', (size_t)(q - s)))
		return (*n = (size_t)(q - s)), s;
	if (!reserve(f, (size_t)(q - s) + 4))
		return NULL;
	for (const char *p = s; p < q;) {
		char e;
		if (*p != '\\') {
			f->buf[o++] = *p++;
			continue;
		}
		if ((e = simple_escape(p[1])) != 0) {
			f->buf[o++] = e;
			p += 2;
		} else if ((p[1] == 'x' || p[1] == 'u' || p[1] == 'U') &&
			   (used = hex_escape(p + 1, q, f->buf + o)) > 0) {
			size_t step = p[1] == 'x' ? 4 : p[1] == 'u' ? 6 : 10;
			o += used;
			p += step;
		} else {
			return NULL;
		}
	}
	return (*n = o), f->buf;
}

/* The closing quote of a double-quoted scalar at f->p, on its line, or NULL. */
static const char *dq_close(const fast *f)
{
	for (const char *p = f->p + 1; !at_eol(f, p); p++) {
		if (*p == '\\' && !at_eol(f, p + 1))
			p++;
		else if (*p == '"')
			return p;
	}
	return NULL;
}

static mf_node *double_quoted(fast *f)
{
	const char *q = dq_close(f), *text;
	mf_pos pos = pos_at(f, f->p + 1); /* libfyaml's mark is past the quote */
	size_t n;
	mf_node *v;

	if (!q || !(text = dq_text(f, f->p + 1, q, &n)))
		return (no(f), NULL);
	v = text_node(f, text, n, pos, MF_QUOTED);
	f->p = q + 1;
	return v;
}

/* 'it''s'.  Two escaped quotes in a row are libfyaml's to read: 0.7.12
 * reads 'x''''y' as x''' (the y lost; found by fuzz_yaml). */
static mf_node *single_quoted(fast *f)
{
	mf_pos pos = pos_at(f, f->p + 1);
	const char *p = f->p + 1, *escaped = NULL;
	size_t o = 0;

	for (;; p++) {
		if (at_eol(f, p) || !reserve(f, o + 1))
			return (no(f), NULL);
		if (*p == '\'' && p[1] != '\'')
			break;
		if (*p == '\'' && escaped == p)
			return (no(f), NULL);
		f->buf[o++] = *p;
		if (*p == '\'')
			escaped = ++p + 1; /* where a second escape in a row would start */
	}
	f->p = p + 1;
	return text_node(f, f->buf, o, pos, MF_QUOTED);
}

/* A plain scalar to the end of its line (or a comment), which must be all
 * of it: a `: ` in it would be a mapping where none may be. */
static mf_node *plain(fast *f)
{
	const char *s = f->p, *p = s, *e;
	mf_pos pos = pos_at(f, s);

	if ((cls[(unsigned char)*s] & C_IND) || (*s == '-' && blank_at(f, s + 1)) ||
	    (f->end - s >= 3 && (!memcmp(s, "---", 3) || !memcmp(s, "...", 3))))
		return (no(f), NULL);
	for (;; p++) {
		p = plain_stop(p);
		if (at_eol(f, p) || (*p == ' ' && p[1] == '#'))
			break;
		if (*p == ':' && blank_at(f, p + 1))
			return (no(f), NULL);
	}
	for (e = p; e > s && e[-1] == ' ';)
		e--;
	f->p = p;
	return text_node(f, s, (size_t)(e - s), pos, 0);
}

/* ---- literal block scalars ------------------------------------------------- */

/* `|`, `|-` or `|+` at f->p and the rest of its line: the chomping ('-',
 * '+' or 0 for clip); -1 for any other header, or one that ends the text. */
static int block_header(fast *f, char *chomp)
{
	const char *p = f->p + 1, *q;

	*chomp = 0;
	if (p < f->end && (*p == '-' || *p == '+'))
		*chomp = *p++;
	for (q = p; q < f->end && *q == ' ';)
		q++;
	if (q < f->end && *q == '#' && q > p)
		q = memchr(q, '\n', (size_t)(f->end - q));
	else if (!at_eol(f, q))
		return -1;
	if (!q || q >= f->end)
		return -1;
	f->p = f->bol = q + 1;
	f->line++;
	return 0;
}

/* Spaces at the line beginning at p; *blank when nothing else is on it. */
static size_t indent_at(const fast *f, const char *p, bool *blank)
{
	const char *q = p;

	while (q < f->end && *q == ' ')
		q++;
	*blank = at_eol(f, q);
	return (size_t)(q - p);
}

/* One line of block content into f->buf at *o; false at the end of the text
 * without a line break (libfyaml's reading of that is its own). */
static bool block_line(fast *f, size_t m, size_t *o, size_t breaks)
{
	const char *s = f->p + m, *nl = memchr(s, '\n', (size_t)(f->end - s));

	if (!nl || !reserve(f, *o + breaks + (size_t)(nl - s) + 2))
		return false;
	memset(f->buf + *o, '\n', breaks);
	*o += breaks;
	memcpy(f->buf + *o, s, (size_t)(nl - s));
	*o += (size_t)(nl - s);
	f->p = f->bol = nl + 1;
	f->line++;
	return true;
}

/* The content lines, indented m or more, and empty lines (as empty as can
 * be: a line of spaces only is libfyaml's to read).  Leaves the cursor at
 * the first line after them; false when the text is not ours. */
static bool block_body(fast *f, size_t m, size_t *o, size_t *trailing)
{
	bool blank;
	size_t breaks = 0, k;

	*o = 0;
	while (f->p < f->end) {
		if (*f->p == '\n') {
			breaks++;
			f->p = f->bol = f->p + 1;
			f->line++;
			continue;
		}
		k = indent_at(f, f->p, &blank);
		if (blank)
			return false;
		if (k < m)
			break;
		if (!block_line(f, m, o, *o ? breaks + 1 : breaks))
			return false;
		breaks = 0;
	}
	*trailing = breaks;
	return true;
}

/* A literal block scalar in a collection indented ind: its content must be
 * indented more, start at once, and hold no line of spaces only. */
static long block_scalar(fast *f, long ind, mf_node **out)
{
	char chomp;
	bool blank;
	size_t m, o, trailing;
	const char *q;
	mf_pos pos;

	if (block_header(f, &chomp) < 0)
		return no(f);
	pos = (mf_pos){f->file, f->line, 1};
	for (q = f->p; q < f->end && *q == '\n';) /* empty lines before the first */
		q++;
	m = indent_at(f, q, &blank);
	if (blank || (long)m <= ind || !block_body(f, m, &o, &trailing))
		return no(f);
	if (chomp != '-' && !reserve(f, o + trailing + 1))
		return no(f);
	if (chomp != '-')
		f->buf[o++] = '\n';
	if (chomp == '+') {
		memset(f->buf + o, '\n', trailing);
		o += trailing;
	}
	if (!(*out = text_node(f, f->buf, o, pos, MF_QUOTED | MF_BLOCK)))
		return END;
	return content_line(f);
}

/* ---- collections ------------------------------------------------------------ */

static long block_node(fast *f, long ind, mf_node **out);

/* A value written on the line of its key or dash, owned by a collection
 * indented ind: a scalar, `{}`, `[]`; then the next line with content. */
static long inline_value(fast *f, long ind, mf_node **out)
{
	char c = *f->p;

	if (c == '|')
		return block_scalar(f, ind, out);
	if ((c == '{' || c == '[') && f->end - f->p >= 2 && f->p[1] == (c == '{' ? '}' : ']')) {
		*out = c == '{' ? mf_new_map(f->a, pos_at(f, f->p))
				: mf_new_seq(f->a, pos_at(f, f->p));
		f->p += 2;
	} else {
		*out = c == '"' ? double_quoted(f) : c == '\'' ? single_quoted(f) : plain(f);
	}
	if (!*out)
		return no(f);
	return line_end(f);
}

/* After `key:` or `-` with nothing more on the line: the value is on the lines
 * below, indented more (or a sequence at the key's own indentation), or
 * there is none, a null (libfyaml gives it no position: line 1, column 1). */
static long value_below(fast *f, long ind, bool in_map, mf_node **out)
{
	long next = line_end(f);

	if (f->bad)
		return END;
	if (next > ind)
		return block_node(f, next, out);
	if (in_map && next == ind && *f->p == '-' && blank_at(f, f->p + 1))
		return block_node(f, next, out);
	if (!in_map)
		return no(f); /* `-` alone: libfyaml reads what follows its own way */
	*out = text_node(f, "", 0, (mf_pos){f->file, 1, 1}, 0);
	return *out ? next : END;
}

/* A value after `key:` or `- `, with the cursor past the indicator. */
static long value(fast *f, long ind, bool in_map, mf_node **out)
{
	const char *p = f->p;

	while (p < f->end && *p == ' ')
		p++;
	if (at_eol(f, p) || (*p == '#' && p > f->p))
		return value_below(f, ind, in_map, out);
	if (p == f->p)
		return no(f);
	f->p = p;
	return inline_value(f, ind, out);
}

/* The `:` that ends a plain key at s, or NULL when s starts no plain key. */
static const char *plain_key_end(const fast *f, const char *s)
{
	const char *p = s;

	if (cls[(unsigned char)*s] & C_KEYIND)
		return NULL;
	for (;; p++) {
		p = plain_stop(p);
		if (at_eol(f, p) || (*p == ' ' && p[1] == '#'))
			return NULL;
		if (*p == ':' && blank_at(f, p + 1))
			return p[-1] == ' ' ? NULL : p;
	}
}

/* A mapping key at the cursor, with its `:`: the text (NUL-terminated, in
 * kbuf or the arena), its position; false when there is none. */
static bool key_at(fast *f, char *kbuf, size_t size, const char **key, mf_pos *pos)
{
	const char *s = f->p, *p;
	mf_node *q;

	if (*s == '"' || *s == '\'') {
		if (!(q = *s == '"' ? double_quoted(f) : single_quoted(f)) || f->p >= f->end ||
		    *f->p != ':' || !blank_at(f, f->p + 1))
			return (f->p = s), false;
		*key = q->str;
		*pos = q->pos;
		f->p++;
		return true;
	}
	if (!(p = plain_key_end(f, s)) || (size_t)(p - s) >= size)
		return false;
	*pos = pos_at(f, s);
	memcpy(kbuf, s, (size_t)(p - s));
	kbuf[p - s] = '\0';
	*key = kbuf;
	f->p = p + 1;
	return true;
}

/* What the builder in yaml.c would refuse or treat specially of a key:
 * a duplicate (small maps; large ones are checked at their end), `<<`, an
 * integer out of range. */
static bool key_ok(const mf_node *m, const char *key)
{
	mf_node k = {.kind = MF_STR, .str = key};

	if (!strcmp(key, "<<") || !mf_yaml_resolve_plain(&k))
		return false;
	for (size_t i = 0; m->n < 64 && i < m->n; i++)
		if (!strcmp(m->pairs[i].key, key))
			return false;
	return true;
}

static int cmp_key(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static bool big_map_ok(fast *f, const mf_node *m)
{
	const char **v;
	bool ok = true;

	if (m->n <= 64)
		return true;
	if (!(v = malloc(m->n * sizeof *v)))
		return false;
	for (size_t i = 0; i < m->n; i++)
		v[i] = m->pairs[i].key;
	mf_qsort(v, m->n, sizeof *v, cmp_key);
	for (size_t i = 1; ok && i < m->n; i++)
		ok = strcmp(v[i], v[i - 1]) != 0;
	free(v);
	return ok;
}

/* A block mapping whose keys are indented ind, the cursor at its first key. */
static long block_map(fast *f, long ind, mf_node **out)
{
	char kbuf[256];
	const char *key;
	mf_pos kpos;
	mf_node *m = mf_new_map(f->a, pos_at(f, f->p)), *v = NULL;
	long next = ind;

	if (!m || ++f->depth > MF_MAX_DEPTH - 2)
		return no(f);
	while (next == ind) {
		if (!key_at(f, kbuf, sizeof kbuf, &key, &kpos) || !key_ok(m, key))
			return no(f);
		next = value(f, ind, true, &v);
		if (f->bad || mf_map_add(f->a, m, key, kpos, v) < 0)
			return no(f);
	}
	f->depth--;
	if (next > ind || !big_map_ok(f, m))
		return no(f);
	*out = m;
	return next;
}

static bool dash_at(const fast *f)
{
	return f->p < f->end && *f->p == '-' && blank_at(f, f->p + 1);
}

/* A block sequence whose dashes are indented ind, the cursor at the first. */
static long block_seq(fast *f, long ind, mf_node **out)
{
	mf_node *s = mf_new_seq(f->a, pos_at(f, f->p)), *v = NULL;
	long next = ind;

	if (!s || ++f->depth > MF_MAX_DEPTH - 2)
		return no(f);
	while (next == ind && dash_at(f)) {
		const char *p = ++f->p;
		while (p < f->end && *p == ' ')
			p++;
		if (p > f->p && !at_eol(f, p) && *p != '#') {
			f->p = p; /* a block scalar's content is indented past the dash */
			next = *p == '|' ? inline_value(f, ind, &v)
					 : block_node(f, (long)(p - f->bol), &v);
		} else {
			next = value(f, ind, false, &v);
		}
		if (f->bad || mf_seq_push(f->a, s, v) < 0)
			return no(f);
	}
	f->depth--;
	if (next > ind)
		return no(f);
	*out = s;
	return next;
}

/* Whether the cursor is at a mapping key (nothing is consumed). */
static bool is_key(fast *f)
{
	char kbuf[256];
	const char *key, *p = f->p;
	mf_pos pos;
	bool yes;

	if (*p != '"' && *p != '\'')
		return plain_key_end(f, p) != NULL;
	yes = key_at(f, kbuf, sizeof kbuf, &key, &pos);
	f->p = p;
	return yes;
}

/* The node at the cursor, whose first character is in column ind + 1. */
static long block_node(fast *f, long ind, mf_node **out)
{
	if (dash_at(f))
		return block_seq(f, ind, out);
	if (is_key(f))
		return block_map(f, ind, out);
	return inline_value(f, ind, out);
}

/* ---- documents ---------------------------------------------------------------- */

/* Bytes libfyaml reads its own way or refuses: controls (tabs, CR, NUL),
 * DEL, invalid UTF-8, a BOM, C1 controls (NEL), U+2028/9, U+FFFE/F. */
static bool plain_text(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k;
		while (i < n && ((unsigned char)(s[i] - 0x20) < 0x5F || s[i] == '\n'))
			i++; /* printable ASCII and line breaks, most of any text */
		if (i >= n)
			break;
		if (s[i] < 0x80 || !(k = mf_utf8_len(s + i, n - i)))
			return false;
		if ((s[i] == 0xC2 && s[i + 1] < 0xA0) ||
		    (s[i] == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] & 0xFE) == 0xA8) ||
		    (s[i] == 0xEF && s[i + 1] == 0xBB && s[i + 2] == 0xBF) ||
		    (s[i] == 0xEF && s[i + 1] == 0xBF && s[i + 2] >= 0xBE))
			return false;
		i += k;
	}
	return true;
}

/* One document's root at the cursor (a line with content at indentation
 * ind); the next line after it must be another document's or none. */
static long document(fast *f, long ind, mf_node *docs)
{
	mf_node *root = NULL;
	long next;

	if (ind < 0) {
		root = text_node(f, "", 0, (mf_pos){f->file, 1, 1}, 0);
		next = ind;
	} else if (dash_at(f) || is_key(f)) {
		next = block_node(f, ind, &root);
	} else {
		return no(f); /* a scalar document: rare, and libfyaml's */
	}
	if (f->bad || !root || mf_seq_push(f->a, docs, root) < 0)
		return no(f);
	return next >= 0 ? no(f) : next;
}

static void stream(fast *f, mf_node *docs, bool multi)
{
	long next = content_line(f);

	if (next >= 0)
		next = document(f, next, docs);
	while (!f->bad && next == MARKER) {
		f->p += 3;
		next = line_end(f);
		if (!f->bad)
			next = document(f, next, docs);
		if (!multi && docs->n > 1)
			no(f);
	}
}

/* Texts under this many bytes are read into the run's arena itself: an
 * arena of their own would cost each a fresh 64 KiB chunk (model.c), zeroed,
 * a tenth of lint's time over a folder of a thousand small files. */
#define OWN_ARENA_BYTES (64u << 10)

/* Given up: as if never tried, for libfyaml's reading and the budget's
 * account of it (what was passed, where, the most used), but for what a
 * small text's nodes took of the run's arena (no more than its tree). */
static void give_up(fast *f, mf_arena *run, mf_budget *b, const mf_budget *before)
{
	if (f->a != run)
		mf_arena_free(f->a);
	if (b && f->a != run)
		*b = *before;
	else if (b)
		b->last = before->last; /* a diagnostic of the limit points where libfyaml was */
}

mf_node *mf_yaml_fast(mf_ctx *c, uint32_t file, bool multi)
{
	const mf_source *src = mf_source_get(c, file);
	fast f = {.file = file, .line = 1};
	mf_budget *b = mf_arena_budget(c->a), before = b ? *b : (mf_budget){0};
	mf_node *docs;

	/* a last line without its break: libfyaml's ends of text are its own */
	if (!src || (src->len && src->text[src->len - 1] != '\n') ||
	    !plain_text((const unsigned char *)src->text, src->len))
		return NULL;
	f.a = src->len < OWN_ARENA_BYTES ? c->a : mf_arena_new();
	if (!f.a)
		return NULL;
	if (f.a != c->a)
		mf_arena_set_budget(f.a, b);
	f.p = f.bol = src->text;
	f.end = src->text + src->len;
	if ((docs = mf_new_seq(f.a, (mf_pos){file, 1, 1})) != NULL)
		stream(&f, docs, multi);
	free(f.buf);
	if (!docs || f.bad) {
		give_up(&f, c->a, b, &before);
		return NULL;
	}
	if (f.a != c->a)
		mf_arena_adopt(c->a, f.a);
	return docs;
}
