/* emit: the deterministic YAML writer every emitter shares (block style, kustomize layout) */
#include "yamlw.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libyaml refuses implicit keys longer than 1024 characters; quotes and
 * escapes count, so stay clear of it */
enum { MAX_KEY_BYTES = 1000 };

/* ---- buffer ------------------------------------------------------------------ */

void mf_buf_init(mf_buf *b)
{
	memset(b, 0, sizeof *b);
}

void mf_buf_release(mf_buf *b)
{
	free(b->data);
	mf_buf_init(b);
}

static bool reserve(mf_buf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (extra >= SIZE_MAX - b->len) {
		b->oom = true;
		return false;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	char *p = realloc(b->data, ncap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->data = p;
	b->cap = ncap;
	return true;
}

void mf_buf_add(mf_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	if (n)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void mf_buf_puts(mf_buf *b, const char *s)
{
	if (s)
		mf_buf_add(b, s, strlen(s));
}

void mf_buf_printf(mf_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void pad(mf_buf *b, int n)
{
	static const char spaces[] = "                                ";
	for (; n > 0; n -= (int)sizeof spaces - 1)
		mf_buf_add(b, spaces, n < (int)sizeof spaces - 1 ? (size_t)n : sizeof spaces - 1);
}

/* ---- characters ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (its code point in *cp), or 0:
 * overlong forms, surrogates and values past U+10FFFF are invalid. */
static size_t u8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	unsigned char c = s[0];
	size_t len = c < 0x80             ? 1
		     : (c & 0xE0) == 0xC0 ? 2
		     : (c & 0xF0) == 0xE0 ? 3
		     : (c & 0xF8) == 0xF0 ? 4
					  : 0;
	if (!len || len > n)
		return 0;
	uint32_t v = len == 1 ? c : c & (0x7Fu >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3Fu);
	}
	if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

/* Outside YAML's printable set, or a line break / BOM to a YAML 1.1 reader
 * (NEL, LS, PS): never written raw.  Tab and newline are included too. */
static bool needs_escape(uint32_t cp)
{
	if (cp < 0x80)
		return cp < 0x20 || cp == 0x7F;
	if (cp < 0xA0 || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF)
		return true;
	return cp == 0xFFFE || cp == 0xFFFF;
}

/* What a string holds, from one pass over it. */
typedef struct scan {
	bool valid; /* UTF-8 */
	bool newline;
	bool tab;
	bool other; /* any other character that must be escaped */
} scan;

static scan scan_str(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	scan r = {.valid = true};
	uint32_t cp;
	for (size_t i = 0, len; i < n; i += len) {
		if (!(len = u8_decode(s + i, n - i, &cp))) {
			r.valid = false;
			return r;
		}
		if (cp == '\n')
			r.newline = true;
		else if (cp == '\t')
			r.tab = true;
		else if (needs_escape(cp))
			r.other = true;
	}
	return r;
}

/* ---- plain scalars ------------------------------------------------------------------ */

/* a plain scalar may not start with these (YAML indicators, plus '\'' '"') */
static const char start_indicators[] = "-?:,[]{}#&*!|>'\"%@`";

/* resolved as null, bool, infinity or NaN by some reader, in any case */
static const char *const keywords[] = {
	"null", "true", "false", "yes",  "no",  "on",  "off",
	"y",    "n",    ".inf",  ".nan", "inf", "nan", "infinity",
};

/* every character of any YAML 1.1/1.2 or Go number form */
static const char number_chars[] = "0123456789abcdefABCDEF_.:xXoObBpP+-";

/* ASCII-only: strncasecmp follows the locale */
static bool ascii_ieq(const char *s, const char *word, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
		if (c != word[i])
			return false;
	}
	return word[n] == '\0';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Would any reader resolve s to something other than a string?  Errs on
 * the side of "yes": a needless quote is harmless, a missing one is not.
 * Numbers: anything starting with a digit, '.' or 'e' (after a sign) made
 * only of number characters (ints, floats, 0x/0o/0b, 017, 1_000, 1e3, e3,
 * 12:30, 1.2.3, 0x1p-2); timestamps: anything starting "dddd-". */
static bool resolves_non_string(const char *s, size_t n)
{
	if ((n == 1 && (s[0] == '~' || s[0] == '=')) || (n >= 2 && s[0] == '<' && s[1] == '<'))
		return true; /* null, YAML 1.1 value and merge keys */
	if (n >= 5 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) &&
	    s[4] == '-')
		return true;
	if (s[0] == '+' || s[0] == '-') {
		s++;
		n--;
	}
	for (size_t i = 0; i < MF_NELEM(keywords); i++)
		if (ascii_ieq(s, keywords[i], n))
			return true;
	/* npm yaml's 1.1 floats take "e3" and "E+7" */
	bool exp_only = n > 1 && (s[0] == 'e' || s[0] == 'E') &&
			(is_digit(s[1]) || s[1] == '+' || s[1] == '-');
	if (n == 0 || !(is_digit(s[0]) || s[0] == '.' || exp_only))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!memchr(number_chars, s[i], sizeof number_chars - 1))
			return false;
	return true;
}

/* ": " starts a value, " #" a comment; a final ':' reads as a key */
static bool plain_body_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ':' && (i + 1 == n || s[i + 1] == ' '))
			return false;
		if (s[i] == '#' && i > 0 && s[i - 1] == ' ')
			return false;
	}
	return true;
}

bool mf_yaml_plain_safe(const char *s, size_t n)
{
	if (!s || n == 0 || s[0] == ' ' || s[n - 1] == ' ' || memchr(s, '\0', n))
		return false;
	if (strchr(start_indicators, s[0]) || (n >= 3 && memcmp(s, "...", 3) == 0))
		return false;
	scan sc = scan_str(s, n);
	if (!sc.valid || sc.newline || sc.tab || sc.other)
		return false;
	return plain_body_ok(s, n) && !resolves_non_string(s, n);
}

/* ---- quoted and literal scalars ----------------------------------------------------- */

static void put_escaped(mf_buf *b, uint32_t cp)
{
	static const char short_esc[][2] = {
		{'"', '"'},  {'\\', '\\'}, {'\n', 'n'}, {'\t', 't'},
		{'\r', 'r'}, {'\b', 'b'},  {'\f', 'f'},
	};
	for (size_t i = 0; i < MF_NELEM(short_esc); i++)
		if ((uint32_t)(unsigned char)short_esc[i][0] == cp) {
			char e[2] = {'\\', short_esc[i][1]};
			mf_buf_add(b, e, 2);
			return;
		}
	mf_buf_printf(b, "\\u%04X", (unsigned)cp); /* JSON and YAML both read \uXXXX */
}

/* Double-quoted with escapes valid in both JSON and YAML.  Invalid UTF-8
 * becomes U+FFFD (YAML callers reject it before getting here). */
static void put_quoted(mf_buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t cp;
	mf_buf_add(b, "\"", 1);
	for (size_t i = 0, len; i < n; i += len) {
		if (!(len = u8_decode(s + i, n - i, &cp))) {
			mf_buf_puts(b, "\\uFFFD");
			len = 1;
		} else if (cp == '"' || cp == '\\' || needs_escape(cp)) {
			put_escaped(b, cp);
		} else {
			mf_buf_add(b, str + i, len);
		}
	}
	mf_buf_add(b, "\"", 1);
}

void mf_buf_json_str(mf_buf *b, const char *s)
{
	put_quoted(b, s ? s : "", s ? strlen(s) : 0);
}

/* Lines that a literal block keeps exactly: no trailing blanks, a first
 * non-empty line that does not start with a blank (the reader takes the
 * indentation from it), and at least one non-empty line. */
static bool literal_lines_ok(const char *s, size_t n)
{
	bool seen_text = false;
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (s + i)) : n - i;
		if (len && (s[i + len - 1] == ' ' || s[i + len - 1] == '\t'))
			return false;
		if (len && !seen_text && (s[i] == ' ' || s[i] == '\t'))
			return false;
		seen_text |= len > 0;
		i += len + 1;
	}
	return seen_text;
}

/* Tabs only when the input was a block already: a tab is legal after the
 * indentation, but a block nobody asked for should not carry one.  A
 * string quoted in the input stays quoted unless it was also a block. */
static bool use_literal(const char *s, size_t n, unsigned flags, scan sc)
{
	if (!sc.newline || sc.other || (sc.tab && !(flags & MF_BLOCK)))
		return false;
	if ((flags & MF_QUOTED) && !(flags & MF_BLOCK))
		return false;
	return literal_lines_ok(s, n);
}

/* |- no final newline, | exactly one, |+ more (kept as empty lines) */
static void put_literal(mf_buf *b, const char *s, size_t n, int indent)
{
	size_t trailing = 0;
	while (trailing < n && s[n - 1 - trailing] == '\n')
		trailing++;
	mf_buf_puts(b, trailing == 0 ? "|-\n" : trailing == 1 ? "|\n" : "|+\n");
	size_t body = n - trailing;
	for (size_t i = 0; i < body;) {
		const char *nl = memchr(s + i, '\n', body - i);
		size_t len = nl ? (size_t)(nl - (s + i)) : body - i;
		if (len)
			pad(b, indent);
		mf_buf_add(b, s + i, len);
		mf_buf_add(b, "\n", 1);
		i += len + 1;
	}
	for (size_t i = 1; i < trailing; i++)
		mf_buf_add(b, "\n", 1);
}

/* a string value plus its line end; indent is a literal block's content indent */
static int put_string(mf_buf *b, const char *s, unsigned flags, int indent)
{
	size_t n = strlen(s);
	scan sc = scan_str(s, n);
	if (!sc.valid)
		return -1;
	if (use_literal(s, n, flags, sc)) {
		put_literal(b, s, n, indent);
		return 0;
	}
	if (!(flags & MF_QUOTED) && mf_yaml_plain_safe(s, n))
		mf_buf_add(b, s, n);
	else
		put_quoted(b, s, n);
	mf_buf_add(b, "\n", 1);
	return 0;
}

/* ---- documents --------------------------------------------------------------------- */

static int put_scalar(mf_buf *b, const mf_node *n, int indent)
{
	char num[48];
	switch (n->kind) {
	case MF_NULL:
		mf_buf_puts(b, "null\n");
		return 0;
	case MF_BOOL:
		mf_buf_puts(b, n->v.b ? "true\n" : "false\n");
		return 0;
	case MF_INT:
		mf_buf_printf(b, "%lld\n", n->v.i);
		return 0;
	case MF_FLOAT:
		mf_buf_printf(b, "%s\n", mf_fmt_float(num, sizeof num, n->v.f));
		return 0;
	case MF_STR:
		return put_string(b, n->str ? n->str : "", n->flags, indent);
	case MF_SEQ:
	case MF_MAP:
		break;
	}
	return -1;
}

static int put_key(mf_buf *b, const char *key)
{
	if (!key)
		return -1;
	size_t n = strlen(key), start = b->len;
	if (!scan_str(key, n).valid)
		return -1;
	if (mf_yaml_plain_safe(key, n))
		mf_buf_add(b, key, n);
	else
		put_quoted(b, key, n);
	mf_buf_add(b, ":", 1);
	return b->len - start > MAX_KEY_BYTES ? -1 : 0;
}

static bool is_empty_coll(const mf_node *n)
{
	return (n->kind == MF_MAP || n->kind == MF_SEQ) && n->n == 0;
}

static int put_map(mf_buf *b, const mf_node *m, int indent, bool first_inline);
static int put_seq(mf_buf *b, const mf_node *s, int indent, bool first_inline);

/* after "key:"; the key sits at indent */
static int put_value(mf_buf *b, const mf_node *v, int indent)
{
	if (!v)
		return -1;
	if (is_empty_coll(v)) {
		mf_buf_puts(b, v->kind == MF_MAP ? " {}\n" : " []\n");
		return 0;
	}
	if (v->kind == MF_MAP || v->kind == MF_SEQ)
		mf_buf_add(b, "\n", 1);
	if (v->kind == MF_MAP)
		return put_map(b, v, indent + 2, false);
	if (v->kind == MF_SEQ)
		return put_seq(b, v, indent, false); /* items at the key's indent */
	mf_buf_add(b, " ", 1);
	return put_scalar(b, v, indent + 2);
}

/* after "- "; col is the column the item's content starts at */
static int put_item(mf_buf *b, const mf_node *v, int col)
{
	if (!v)
		return -1;
	if (is_empty_coll(v)) {
		mf_buf_puts(b, v->kind == MF_MAP ? "{}\n" : "[]\n");
		return 0;
	}
	if (v->kind == MF_MAP)
		return put_map(b, v, col, true);
	if (v->kind == MF_SEQ)
		return put_seq(b, v, col, true);
	return put_scalar(b, v, col);
}

/* first_inline: the first line already has its indent (after "- ") */
static int put_map(mf_buf *b, const mf_node *m, int indent, bool first_inline)
{
	for (size_t i = 0; i < m->n; i++) {
		if (i || !first_inline)
			pad(b, indent);
		if (put_key(b, m->pairs[i].key) != 0 || put_value(b, m->pairs[i].val, indent) != 0)
			return -1;
	}
	return 0;
}

static int put_seq(mf_buf *b, const mf_node *s, int indent, bool first_inline)
{
	for (size_t i = 0; i < s->n; i++) {
		if (i || !first_inline)
			pad(b, indent);
		mf_buf_add(b, "- ", 2);
		if (put_item(b, s->items[i], indent + 2) != 0)
			return -1;
	}
	return 0;
}

/* a top-level literal is indented too, so no content line can look like "---" */
static int put_doc(mf_buf *b, const mf_node *doc)
{
	if (!doc)
		return -1;
	if (is_empty_coll(doc))
		return put_item(b, doc, 0);
	if (doc->kind == MF_MAP)
		return put_map(b, doc, 0, false);
	if (doc->kind == MF_SEQ)
		return put_seq(b, doc, 0, false);
	return put_scalar(b, doc, 2);
}

/* on failure the buffer goes back to where it was */
static int finish(mf_buf *b, size_t mark, int rc)
{
	if (rc == 0 && !b->oom)
		return 0;
	if (b->data && mark <= b->len) {
		b->len = mark;
		b->data[mark] = '\0';
	}
	return -1;
}

int mf_yaml_write(mf_buf *b, const mf_node *doc)
{
	if (!b)
		return -1;
	size_t mark = b->len;
	return finish(b, mark, put_doc(b, doc));
}

int mf_yaml_write_stream(mf_buf *b, mf_node *const *docs, size_t n)
{
	if (!b || (n && !docs))
		return -1;
	size_t mark = b->len;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (i)
			mf_buf_puts(b, "---\n");
		rc = put_doc(b, docs[i]);
	}
	return finish(b, mark, rc);
}
