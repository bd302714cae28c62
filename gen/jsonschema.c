/* schema: JSON Schema (draft-07 subset) validation on jansson + PCRE2 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup, strndup even when built without the project's flags */
#endif
#define PCRE2_CODE_UNIT_WIDTH 8

#include "jsonschema.h"

#include <ctype.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Subschema applications nested at once (children, $ref hops, combinators):
 * bounds the C stack whatever the schema does. */
#define MAX_FRAMES 1024
/* Enum values listed in a message before "and N more". */
#define ENUM_SHOWN 8
/* Quoted strings longer than this (code points) are elided in the middle. */
#define QUOTE_MAX 48
/* Bound on the work one pattern match may do (catastrophic backtracking). */
#define MATCH_LIMIT 1000000
#define HEAP_LIMIT_KIB 65536
/* ECMA-262 is the dialect schemas are written in: '$' only at the very end,
 * \uXXXX escapes; no PCRE2_UCP, so \d and \w stay ASCII as in ECMA. */
#define RE_FLAGS (PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_BSUX)

/* ------------------------------------------------------------------ strings */

typedef struct strbuf {
	char *s;
	size_t n, cap;
	bool oom;
} strbuf;

static bool sb_grow(strbuf *b, size_t extra)
{
	if (b->oom ||
	    extra >= SIZE_MAX / 2 - b->n) { /* the bound also keeps gcc's overflow checker calm */
		b->oom = true;
		return false;
	}
	if (b->n + extra + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->n + extra + 1)
		cap *= 2;
	char *p = realloc(b->s, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->s = p;
	b->cap = cap;
	return true;
}

static void sb_addn(strbuf *b, const char *s, size_t n)
{
	if (!sb_grow(b, n))
		return;
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void sb_add(strbuf *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
}

static const char *sb_str(const strbuf *b)
{
	return b->s ? b->s : "";
}

static void sb_trunc(strbuf *b, size_t n)
{
	if (b->s && n <= b->n) {
		b->n = n;
		b->s[n] = '\0';
	}
}

/* Hands the text over; NULL when memory ran out while building it. */
static char *sb_take(strbuf *b)
{
	char *s = b->oom ? NULL : b->s ? b->s : strdup("");
	if (b->oom)
		free(b->s);
	*b = (strbuf){0};
	return s;
}

/* JSON pointer escaping: '~' -> "~0", '/' -> "~1". */
static void sb_escaped_key(strbuf *b, const char *key)
{
	for (const char *p = key; *p; p++) {
		if (*p == '~')
			sb_add(b, "~0");
		else if (*p == '/')
			sb_add(b, "~1");
		else
			sb_addn(b, p, 1);
	}
}

/* ------------------------------------------------------- pointer-keyed map */

/* Keys are (node, optional string): a subschema, or a patternProperties
 * object plus one of its keys.  Open addressing, never shrinks. */
typedef struct pm_entry {
	const void *p;
	const char *k;
	void *v;
} pm_entry;

typedef struct ptrmap {
	pm_entry *e;
	size_t n, cap;
} ptrmap;

static size_t pm_hash(const void *p, const char *k)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15u;
	for (; k && *k; k++)
		h = (h ^ (unsigned char)*k) * 0x100000001B3u;
	return (size_t)(h ^ (h >> 29));
}

static bool pm_same(const pm_entry *e, const void *p, const char *k)
{
	return e->p == p && (e->k == k || (e->k && k && strcmp(e->k, k) == 0));
}

static pm_entry *pm_slot(const ptrmap *m, const void *p, const char *k)
{
	size_t i = pm_hash(p, k) & (m->cap - 1);
	while (m->e[i].p && !pm_same(&m->e[i], p, k))
		i = (i + 1) & (m->cap - 1);
	return &m->e[i];
}

static void *pm_get(const ptrmap *m, const void *p, const char *k)
{
	return m->cap ? pm_slot(m, p, k)->v : NULL;
}

static bool pm_rehash(ptrmap *m)
{
	size_t ocap = m->cap, cap = ocap ? ocap * 2 : 16;
	pm_entry *old = m->e, *e = calloc(cap, sizeof *e);
	if (!e)
		return false;
	m->e = e;
	m->cap = cap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].p)
			*pm_slot(m, old[i].p, old[i].k) = old[i];
	free(old);
	return true;
}

static bool pm_put(ptrmap *m, const void *p, const char *k, void *v)
{
	if ((m->n + 1) * 2 > m->cap && !pm_rehash(m))
		return false;
	pm_entry *e = pm_slot(m, p, k);
	if (!e->p)
		m->n++;
	*e = (pm_entry){p, k, v};
	return true;
}

static void pm_free(ptrmap *m)
{
	free(m->e);
	*m = (ptrmap){0};
}

/* ---------------------------------------------------------- URI references */

typedef struct span {
	const char *s;
	size_t n;
	bool set;
} span;

typedef struct uri {
	span scheme, auth, path, query, frag;
} uri_parts;

static size_t scheme_len(const char *s)
{
	if (!isalpha((unsigned char)s[0]))
		return 0;
	size_t i = 1;
	while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
		i++;
	return s[i] == ':' ? i : 0;
}

/* RFC 3986 section 3 split; spans point into s. */
static void uri_parse(const char *s, uri_parts *u)
{
	*u = (uri_parts){0};
	size_t n = scheme_len(s);
	if (n) {
		u->scheme = (span){s, n, true};
		s += n + 1;
	}
	if (s[0] == '/' && s[1] == '/') {
		n = strcspn(s + 2, "/?#");
		u->auth = (span){s + 2, n, true};
		s += 2 + n;
	}
	n = strcspn(s, "?#");
	u->path = (span){s, n, true};
	s += n;
	if (*s == '?') {
		n = strcspn(s + 1, "#");
		u->query = (span){s + 1, n, true};
		s += 1 + n;
	}
	if (*s == '#')
		u->frag = (span){s + 1, strlen(s + 1), true};
}

static void drop_last_segment(strbuf *out, size_t start)
{
	size_t i = out->n;
	while (i > start && out->s[i - 1] != '/')
		i--;
	if (i > start)
		i--;
	sb_trunc(out, i);
}

/* RFC 3986 5.2.4; `in` is a scratch copy the algorithm may overwrite. */
static void remove_dots(strbuf *out, char *in)
{
	size_t start = out->n;
	char *p = in;
	while (*p) {
		if (!strncmp(p, "../", 3))
			p += 3;
		else if (!strncmp(p, "./", 2) || !strncmp(p, "/./", 3))
			p += 2;
		else if (!strcmp(p, "/.")) {
			p[1] = '/';
			p += 1;
		} else if (!strncmp(p, "/../", 4)) {
			p += 3;
			drop_last_segment(out, start);
		} else if (!strcmp(p, "/..")) {
			p[2] = '/';
			p += 2;
			drop_last_segment(out, start);
		} else if (!strcmp(p, ".") || !strcmp(p, ".."))
			break;
		else {
			size_t k = (*p == '/') + strcspn(p + (*p == '/'), "/");
			sb_addn(out, p, k);
			p += k;
		}
	}
}

static void put_path(strbuf *o, const span *prefix, const span *path)
{
	char *tmp = malloc((prefix ? prefix->n : 0) + path->n + 1);
	if (!tmp) {
		o->oom = true;
		return;
	}
	size_t n = prefix ? prefix->n : 0;
	if (n)
		memcpy(tmp, prefix->s, n);
	memcpy(tmp + n, path->s, path->n);
	tmp[n + path->n] = '\0';
	remove_dots(o, tmp);
	free(tmp);
}

static void put_query(strbuf *o, const span *q)
{
	if (q->set) {
		sb_add(o, "?");
		sb_addn(o, q->s, q->n);
	}
}

/* Path and query of the target when the reference has neither scheme nor authority. */
static void merge_target(strbuf *o, const uri_parts *b, const uri_parts *r)
{
	if (!r->path.n) {
		sb_addn(o, b->path.s, b->path.n);
		put_query(o, r->query.set ? &r->query : &b->query);
		return;
	}
	span dir = {"/", 1, true};
	if (r->path.s[0] == '/')
		put_path(o, NULL, &r->path);
	else if (b->auth.set && !b->path.n)
		put_path(o, &dir, &r->path);
	else {
		dir = b->path;
		while (dir.n && dir.s[dir.n - 1] != '/')
			dir.n--;
		put_path(o, &dir, &r->path);
	}
	put_query(o, &r->query);
}

/* RFC 3986 5.2.2; malloc'd, NULL on allocation failure. */
static char *uri_resolve(const char *base, const char *ref)
{
	uri_parts b, r;
	uri_parse(base, &b);
	uri_parse(ref, &r);
	const uri_parts *top = r.scheme.set ? &r : &b;
	strbuf o = {0};
	if (top->scheme.set) {
		sb_addn(&o, top->scheme.s, top->scheme.n);
		sb_add(&o, ":");
	}
	top = r.scheme.set || r.auth.set ? &r : &b;
	if (top->auth.set) {
		sb_add(&o, "//");
		sb_addn(&o, top->auth.s, top->auth.n);
	}
	if (r.scheme.set || r.auth.set) {
		put_path(&o, NULL, &r.path);
		put_query(&o, &r.query);
	} else
		merge_target(&o, &b, &r);
	if (r.frag.set) {
		sb_add(&o, "#");
		sb_addn(&o, r.frag.s, r.frag.n);
	}
	return sb_take(&o);
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* URI fragments carry JSON pointers %-encoded ("#/percent%25field"). */
static char *pct_decode(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	if (!out)
		return NULL;
	for (; *s; s++) {
		int hi = s[0] == '%' ? hexval((unsigned char)s[1]) : -1;
		int lo = hi >= 0 ? hexval((unsigned char)s[2]) : -1;
		if (lo >= 0) {
			*o++ = (char)(hi * 16 + lo);
			s += 2;
		} else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* ------------------------------------------------------------- JSON values */

enum {
	T_NULL = 1,
	T_BOOL = 2,
	T_INT = 4, /* integers, and reals with no fractional part */
	T_NUM = 8, /* reals with a fractional part */
	T_STR = 16,
	T_ARR = 32,
	T_OBJ = 64,
	T_NUMS = T_INT | T_NUM,
	T_ANY = 127,
};

static bool integral(double d)
{
	double ip;
	return isfinite(d) && modf(d, &ip) == 0.0;
}

static bool strict_ints(const mf_schema *s);

/* With strict integers (a YAML instance, where 8080.0 is a float and
 * 8080 an integer), a real is never an integer. */
static unsigned type_bit(const mf_schema *s, const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return T_OBJ;
	case JSON_ARRAY:
		return T_ARR;
	case JSON_STRING:
		return T_STR;
	case JSON_INTEGER:
		return T_INT;
	case JSON_REAL:
		return !strict_ints(s) && integral(json_real_value(j)) ? T_INT : T_NUM;
	case JSON_TRUE:
	case JSON_FALSE:
		return T_BOOL;
	default:
		return T_NULL;
	}
}

/* We talk YAML to users: objects are mappings, arrays lists. */
static const struct tname {
	const char *name;
	unsigned mask;
	const char *noun;
} TYPES[] = {
	{"string", T_STR, "a string"},  {"integer", T_INT, "an integer"},
	{"number", T_NUMS, "a number"}, {"boolean", T_BOOL, "a boolean"},
	{"array", T_ARR, "a list"},     {"object", T_OBJ, "a mapping"},
	{"null", T_NULL, "null"},
};
#define NTYPES (sizeof TYPES / sizeof TYPES[0])

static const struct tname *type_named(const char *name)
{
	for (size_t i = 0; name && i < NTYPES; i++)
		if (!strcmp(TYPES[i].name, name))
			return &TYPES[i];
	return NULL;
}

static const char *inst_noun(unsigned bit)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (TYPES[i].mask == bit)
			return TYPES[i].noun;
	return "a float";
}

static unsigned type_mask(const json_t *ty)
{
	const struct tname *t = type_named(json_string_value(ty));
	unsigned m = t ? t->mask : 0;
	size_t i;
	const json_t *e;
	json_array_foreach(ty, i, e)
	{
		t = type_named(json_string_value(e));
		m |= t ? t->mask : 0;
	}
	return m;
}

/* Exact comparison of an integer with a double, even beyond 2^53. */
static int cmp_int_real(json_int_t i, double d)
{
	if (d >= 9223372036854775808.0)
		return -1;
	if (d < -9223372036854775808.0)
		return 1;
	double ip, frac = modf(d, &ip);
	json_int_t t = (json_int_t)ip;
	if (i != t)
		return i < t ? -1 : 1;
	return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

static int cmp_num(const json_t *a, const json_t *b)
{
	if (json_is_integer(a) && json_is_integer(b)) {
		json_int_t x = json_integer_value(a), y = json_integer_value(b);
		return (x > y) - (x < y);
	}
	if (json_is_integer(a))
		return cmp_int_real(json_integer_value(a), json_real_value(b));
	if (json_is_integer(b))
		return -cmp_int_real(json_integer_value(b), json_real_value(a));
	double x = json_real_value(a), y = json_real_value(b);
	return (x > y) - (x < y);
}

static bool jequal(const json_t *a, const json_t *b, int depth);

static bool obj_equal(const json_t *a, const json_t *b, int depth)
{
	const char *k;
	const json_t *v;
	if (json_object_size(a) != json_object_size(b))
		return false;
	json_object_foreach((json_t *)a, k, v)
	{
		const json_t *w = json_object_get(b, k);
		if (!w || !jequal(v, w, depth + 1))
			return false;
	}
	return true;
}

/* JSON equality: 1 == 1.0, key order irrelevant (jansson's json_equal is
 * neither).  Past any sane depth only identity counts, to bound the stack. */
static bool jequal(const json_t *a, const json_t *b, int depth)
{
	if (a == b)
		return true;
	if (json_is_number(a) && json_is_number(b))
		return cmp_num(a, b) == 0;
	if (json_typeof(a) != json_typeof(b) || depth > 4096)
		return false;
	if (json_is_string(a))
		return json_string_length(a) == json_string_length(b) &&
		       !memcmp(json_string_value(a), json_string_value(b), json_string_length(a));
	if (json_is_object(a))
		return obj_equal(a, b, depth);
	if (!json_is_array(a) || json_array_size(a) != json_array_size(b))
		return !json_is_array(a);
	for (size_t i = 0; i < json_array_size(a); i++)
		if (!jequal(json_array_get(a, i), json_array_get(b, i), depth + 1))
			return false;
	return true;
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001B3u;
	return h;
}

/* Consistent with jequal: equal values hash alike (numbers by double value,
 * members summed so key order does not matter). */
static uint64_t jhash(const json_t *j, int depth)
{
	uint64_t h = 0xCBF29CE484222325u ^ (uint64_t)json_typeof(j);
	if (json_is_number(j)) {
		double d = json_number_value(j) + 0.0;
		return hash_bytes(0xCBF29CE484222325u, &d, sizeof d);
	}
	if (json_is_string(j))
		return hash_bytes(h, json_string_value(j), json_string_length(j));
	if (depth > 32)
		return h;
	if (json_is_array(j))
		for (size_t i = 0; i < json_array_size(j); i++)
			h = (h ^ jhash(json_array_get(j, i), depth + 1)) * 0x100000001B3u;
	const char *k;
	const json_t *v;
	if (json_is_object(j))
		json_object_foreach((json_t *)j, k, v) h +=
			hash_bytes(jhash(v, depth + 1), k, strlen(k)) * 0x9E3779B97F4A7C15u;
	return h;
}

static size_t utf8_len(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

/* Byte offset of code point number k. */
static size_t utf8_offset(const char *s, size_t n, size_t k)
{
	size_t i = 0;
	for (size_t c = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && c++ == k)
			break;
	}
	return i;
}

/* --------------------------------------------------------- message values */

static const char *fmt_real(double d, char *buf, size_t size)
{
	for (int p = 15; p <= 17; p++) {
		snprintf(buf, size, "%.*g", p, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return buf;
}

static const char *num_text(const json_t *v, char *buf, size_t size)
{
	if (json_is_integer(v))
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		fmt_real(json_number_value(v), buf, size);
	return buf;
}

/* Control characters would break a one-line diagnostic. */
static void put_escaped(strbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\n')
			sb_add(b, "\\n");
		else if (ch == '\t')
			sb_add(b, "\\t");
		else if (ch < 0x20 || ch == 0x7f)
			sb_printf(b, "\\x%02x", ch);
		else
			sb_addn(b, s + i, 1);
	}
}

static void quote(strbuf *b, const char *s, size_t n)
{
	size_t cps = utf8_len(s, n);
	sb_add(b, "'");
	if (cps <= QUOTE_MAX)
		put_escaped(b, s, n);
	else {
		size_t head = utf8_offset(s, n, QUOTE_MAX - 12), tail = utf8_offset(s, n, cps - 9);
		put_escaped(b, s, head);
		sb_add(b, "...");
		put_escaped(b, s + tail, n - tail);
	}
	sb_add(b, "'");
}

static void render_json(strbuf *b, const json_t *v)
{
	char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
	if (!d) {
		b->oom = true;
		return;
	}
	size_t n = strlen(d);
	sb_addn(b, d, n > 60 ? 57 : n);
	if (n > 60)
		sb_add(b, "...");
	free(d);
}

/* Strings in single quotes, other scalars as YAML prints them (so 'true'
 * and true stay distinct), lists and mappings as compact JSON. */
static void render(strbuf *b, const json_t *v)
{
	char num[40];
	switch (json_typeof(v)) {
	case JSON_STRING:
		quote(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		sb_add(b, num_text(v, num, sizeof num));
		break;
	case JSON_TRUE:
		sb_add(b, "true");
		break;
	case JSON_FALSE:
		sb_add(b, "false");
		break;
	case JSON_NULL:
		sb_add(b, "null");
		break;
	default:
		render_json(b, v);
	}
}

static void list_values(strbuf *b, const json_t *vals)
{
	size_t n = json_array_size(vals);
	for (size_t i = 0; i < n && i < ENUM_SHOWN; i++) {
		if (i)
			sb_add(b, ", ");
		render(b, json_array_get(vals, i));
	}
	if (n > ENUM_SHOWN)
		sb_printf(b, " and %zu more", n - ENUM_SHOWN);
}

static void enum_message(strbuf *b, const json_t *vals, const json_t *inst)
{
	size_t n = json_array_size(vals);
	if (!n) {
		sb_add(b, "no value is allowed here");
		return;
	}
	if (n == 1) {
		sb_add(b, "must be ");
		render(b, json_array_get(vals, 0));
		return;
	}
	if (json_is_object(inst) || json_is_array(inst))
		sb_add(b, "must be one of ");
	else {
		render(b, inst);
		sb_add(b, " is not one of ");
	}
	list_values(b, vals);
}

/* "a", "a or b", "a, b or c" */
static void join(strbuf *b, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_add(b, i + 1 == n ? " or " : ", ");
		sb_add(b, words[i]);
	}
}

typedef struct nouns {
	const char *w[NTYPES + 1];
	size_t n;
} nouns;

static void add_noun(nouns *ns, const char *w)
{
	for (size_t i = 0; i < ns->n; i++)
		if (ns->w[i] == w)
			return;
	if (ns->n < NTYPES + 1)
		ns->w[ns->n++] = w;
}

/* In the order the schema lists them, keeping those the filter allows. */
static void type_nouns(const json_t *ty, unsigned filter, nouns *ns)
{
	const struct tname *t = type_named(json_string_value(ty));
	if (t && (t->mask & filter))
		add_noun(ns, t->noun);
	size_t i;
	const json_t *e;
	json_array_foreach(ty, i, e)
	{
		t = type_named(json_string_value(e));
		if (t && (t->mask & filter))
			add_noun(ns, t->noun);
	}
}

static void mask_nouns(unsigned m, nouns *ns)
{
	for (size_t i = 0; i < NTYPES; i++) {
		unsigned tm = TYPES[i].mask;
		if (tm == T_INT    ? (m & T_NUMS) == T_INT
		    : tm == T_NUMS ? (m & T_NUM) != 0
				   : (m & tm) != 0)
			add_noun(ns, TYPES[i].noun);
	}
}

/* ------------------------------------------------------- compiled schemas */

typedef struct idref {
	char *uri;  /* absolute URI of a resource ($id) or anchor ("...#name") */
	char *base; /* base URI in effect at node */
	const json_t *node;
} idref;

struct mf_schema {
	json_t *root;
	char *base; /* of the root document; "" without $id */
	idref *ids;
	size_t nids, capids;
	ptrmap refs;       /* $ref holder -> resolved target */
	ptrmap pats;       /* "pattern" string, or (patternProperties, key) -> pcre2_code */
	ptrmap kwidx;      /* subschema -> 1 + index into kwmasks */
	uint64_t *kwmasks; /* bit i: the subschema holds KW[i] (saves probing each keyword) */
	size_t nmasks, capmasks;
	json_t **docs; /* documents the loader supplied */
	size_t ndocs, capdocs;
	bool strict_ints; /* mf_schema_strict_integers */
};

void mf_schema_strict_integers(mf_schema *s, bool on)
{
	if (s)
		s->strict_ints = on;
}

static bool strict_ints(const mf_schema *s)
{
	return s && s->strict_ints;
}

static int add_id(mf_schema *s, const char *uri, size_t urilen, const char *base, size_t baselen,
		  const json_t *node)
{
	if (s->nids == s->capids) {
		size_t cap = s->capids ? s->capids * 2 : 8;
		idref *p = realloc(s->ids, cap * sizeof *p);
		if (!p)
			return -1;
		s->ids = p;
		s->capids = cap;
	}
	idref r = {strndup(uri, urilen), strndup(base, baselen), node};
	if (!r.uri || !r.base) {
		free(r.uri);
		free(r.base);
		return -1;
	}
	s->ids[s->nids++] = r;
	return 0;
}

static const idref *find_id(const mf_schema *s, const char *uri)
{
	for (size_t i = 0; i < s->nids; i++)
		if (!strcmp(s->ids[i].uri, uri))
			return &s->ids[i];
	return NULL;
}

static const json_t *pointer_step(const json_t *node, const char *seg)
{
	if (json_is_object(node))
		return json_object_get(node, seg);
	if (!json_is_array(node) || !isdigit((unsigned char)seg[0]) || (seg[0] == '0' && seg[1]))
		return NULL;
	char *end;
	unsigned long long i = strtoull(seg, &end, 10);
	return *end || i >= json_array_size(node) ? NULL : json_array_get(node, (size_t)i);
}

/* A subschema's $id met on the way moves the base URI, as for $ref targets. */
static void pointer_base(char **base, const json_t *node)
{
	const char *id = json_string_value(json_object_get(node, "$id"));
	if (!base || !*base || !id || id[0] == '#' || json_object_get(node, "$ref"))
		return;
	char *nb = uri_resolve(*base, id);
	if (!nb)
		return;
	nb[strcspn(nb, "#")] = '\0';
	free(*base);
	*base = nb;
}

/* RFC 6901 with ~0 / ~1; `base` (may be NULL) follows $id along the way. */
static const json_t *pointer_get(const json_t *node, const char *p, char **base)
{
	strbuf seg = {0};
	while (node && *p == '/') {
		sb_trunc(&seg, 0);
		for (p++; *p && *p != '/'; p++) {
			if (*p == '~' && (p[1] == '0' || p[1] == '1'))
				sb_add(&seg, *++p == '0' ? "~" : "/");
			else if (*p == '~')
				node = NULL;
			else
				sb_addn(&seg, p, 1);
		}
		node = seg.oom || !node ? NULL : pointer_step(node, sb_str(&seg));
		pointer_base(base, node);
	}
	free(seg.s);
	return *p ? NULL : node;
}

/* Fragment of a resolved reference: empty, a JSON pointer, or NULL. */
static int follow_fragment(const idref *r, const char *frag, const json_t **out, char **tbase)
{
	char *b = tbase ? strdup(r->base) : NULL, *dec = frag ? pct_decode(frag) : NULL;
	if ((tbase && !b) || (frag && !dec)) {
		free(b);
		free(dec);
		return -1;
	}
	*out = dec ? pointer_get(r->node, dec, tbase ? &b : NULL) : r->node;
	free(dec);
	if (tbase)
		*tbase = b;
	return *out ? 0 : 1;
}

/* What `ref` (relative to `base`) names: 0 found, 1 not found, -1 out of
 * memory.  *tbase (optional, malloc'd) gets the base URI at the target. */
static int resolve(const mf_schema *s, const char *base, const char *ref, const json_t **out,
		   char **tbase)
{
	*out = NULL;
	if (tbase)
		*tbase = NULL;
	char *abs = uri_resolve(base, ref);
	if (!abs)
		return -1;
	char *hash = strchr(abs, '#');
	const idref *r;
	int rc = 1;
	if (hash && hash[1] && hash[1] != '/')
		r = find_id(s, abs); /* plain-name fragment: an anchor */
	else {
		if (hash)
			*hash = '\0';
		r = find_id(s, abs);
	}
	if (r)
		rc = follow_fragment(r, hash && hash[1] == '/' ? hash + 1 : NULL, out, tbase);
	if (rc && tbase) {
		free(*tbase);
		*tbase = NULL;
	}
	free(abs);
	return rc;
}

/* ------------------------------------------------------- compile context */

typedef struct work {
	const json_t *node;
	char *base, *loc;
} work;

typedef struct cctx {
	mf_schema *s;
	char *err;
	size_t errlen;
	int pass; /* 1: register $id; 2: check keywords, compile, resolve */
	bool failed;
	ptrmap seen[2]; /* nodes walked, per pass */
	mf_schema_loader_fn load;
	void *user;
	strbuf loc; /* "#/properties/x" for messages */
	pcre2_compile_context *cc;
	work *wl; /* $ref targets outside the lexical walk */
	size_t nwl, capwl;
	work *refs; /* every $ref holder in walk order, with its location */
	size_t nrefs, caprefs;
} cctx;

static int cerr(cctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cerr(cctx *c, const char *fmt, ...)
{
	if (c->failed)
		return -1;
	c->failed = true;
	if (!c->err || !c->errlen)
		return -1;
	const char *loc = sb_str(&c->loc);
	int n = 0;
	if (c->loc.n > 160) /* a location that long would crowd out the message */
		n = snprintf(c->err, c->errlen, "%.60s...%s: ", loc, loc + c->loc.n - 80);
	else if (c->loc.n)
		n = snprintf(c->err, c->errlen, "%s: ", loc);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int oom(cctx *c)
{
	return cerr(c, "out of memory");
}

/* Shape problems are reported by the second pass only. */
static int shape_err(cctx *c, const char *what)
{
	return c->pass == 1 ? 0 : cerr(c, "expected %s", what);
}

static size_t loc_key(cctx *c, const char *key)
{
	size_t mark = c->loc.n;
	sb_add(&c->loc, "/");
	sb_escaped_key(&c->loc, key);
	return mark;
}

static size_t loc_index(cctx *c, size_t i)
{
	size_t mark = c->loc.n;
	sb_printf(&c->loc, "/%zu", i);
	return mark;
}

static int add_pattern(cctx *c, const json_t *owner, const char *key, const char *pat, size_t len)
{
	if (pm_get(&c->s->pats, owner, key))
		return 0;
	int ec;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, len, RE_FLAGS, &ec, &off, c->cc);
	if (!re) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(ec, msg, sizeof msg);
		return cerr(c, "invalid regular expression '%s': %s at offset %zu", pat,
			    (const char *)msg, (size_t)off);
	}
	if (!pm_put(&c->s->pats, owner, key, re)) {
		pcre2_code_free(re);
		return oom(c);
	}
	return 0;
}

/* Appends {node, base, loc} to a work list, copying the strings. */
static int add_work(cctx *c, work **v, size_t *n, size_t *cap, const json_t *node, const char *base,
		    const char *loc)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		work *p = realloc(*v, ncap * sizeof *p);
		if (!p)
			return oom(c);
		*v = p;
		*cap = ncap;
	}
	work w = {node, strdup(base), strdup(loc)};
	if (!w.base || !w.loc) {
		free(w.base);
		free(w.loc);
		return oom(c);
	}
	(*v)[(*n)++] = w;
	return 0;
}

static int push_work(cctx *c, const json_t *node, const char *base, const char *uri)
{
	if (!json_is_object(node) || pm_get(&c->seen[1], node, NULL))
		return 0;
	strbuf loc = {0};
	sb_add(&loc, uri);
	if (!strchr(uri, '#'))
		sb_add(&loc, "#");
	int rc = loc.oom ? oom(c)
			 : add_work(c, &c->wl, &c->nwl, &c->capwl, node, base, sb_str(&loc));
	free(loc.s);
	return rc;
}

static void free_work(work *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].base);
		free(v[i].loc);
	}
	free(v);
}

/* ------------------------------------------------------- keyword checks */

typedef int (*cfn)(cctx *c, const json_t *sch, const json_t *v, const char *base);

static int walk(cctx *c, const json_t *node, const char *base, size_t depth);

/* Keeps a document from the loader and registers the $ids inside it (a
 * first-pass walk of its own; the second pass reaches it through $ref). */
static int adopt_document(cctx *c, json_t *doc, const char *uri)
{
	mf_schema *s = c->s;
	if (s->ndocs == s->capdocs) {
		size_t cap = s->capdocs ? s->capdocs * 2 : 4;
		json_t **p = realloc(s->docs, cap * sizeof *p);
		if (!p) {
			json_decref(doc);
			return oom(c);
		}
		s->docs = p;
		s->capdocs = cap;
	}
	s->docs[s->ndocs++] = doc;
	if (add_id(s, uri, strlen(uri), uri, strlen(uri), doc) < 0)
		return oom(c);
	strbuf saved = c->loc;
	c->loc = (strbuf){0};
	sb_printf(&c->loc, "%s#", uri);
	c->pass = 1;
	int rc = walk(c, doc, uri, 0);
	c->pass = 2;
	free(c->loc.s);
	c->loc = saved;
	return rc;
}

/* A reference into a document we do not hold: 0 when the loader supplied
 * it, 1 when nobody knows it, -1 on error. */
static int fetch_document(cctx *c, const char *abs)
{
	char *uri = strndup(abs, strcspn(abs, "#"));
	if (!uri)
		return oom(c);
	json_t *doc = c->load && !find_id(c->s, uri) ? c->load(c->user, uri) : NULL;
	int rc = doc ? adopt_document(c, doc, uri) : 1;
	free(uri);
	return rc;
}

static int ck_ref(cctx *c, const json_t *sch, const json_t *v, const char *base)
{
	const char *ref = json_string_value(v);
	if (!ref)
		return cerr(c, "expected a URI reference string");
	const json_t *t = NULL;
	char *tbase = NULL, *abs = uri_resolve(base, ref);
	int rc = abs ? resolve(c->s, base, ref, &t, &tbase) : -1;
	if (rc == 1 && (rc = fetch_document(c, abs)) == 0)
		rc = resolve(c->s, base, ref, &t, &tbase);
	if (rc == 1 && ref[0] != '#' && !c->load)
		rc = cerr(c,
			  "cannot resolve '%s' (only references within the schema document are "
			  "supported)",
			  ref);
	else if (rc == 1)
		rc = cerr(c, "cannot resolve '%s'", ref);
	else if (rc < 0 || !pm_put(&c->s->refs, sch, NULL, (void *)t))
		rc = oom(c);
	else if ((rc = add_work(c, &c->refs, &c->nrefs, &c->caprefs, sch, "", sb_str(&c->loc))) ==
		 0)
		rc = push_work(c, t, tbase, abs);
	free(tbase);
	free(abs);
	return rc;
}

static int ck_type(cctx *c, const json_t *sch, const json_t *v, const char *base)
{
	if (json_is_string(v) && !type_named(json_string_value(v)))
		return cerr(c, "unknown type '%s'", json_string_value(v));
	if (json_is_string(v))
		return 0;
	if (!json_is_array(v) || !json_array_size(v))
		return cerr(c, "expected a type name or a non-empty list of type names");
	size_t i;
	const json_t *e;
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e))
			return cerr(c, "expected a type name or a non-empty list of type names");
		if (!type_named(json_string_value(e)))
			return cerr(c, "unknown type '%s'", json_string_value(e));
	}
	return 0;
}

static int ck_array(cctx *c, const json_t *sch, const json_t *v, const char *base)
{
	return json_is_array(v) ? 0 : cerr(c, "expected a list");
}

static int ck_strings(cctx *c, const json_t *sch, const json_t *v, const char *base)
{
	size_t i;
	const json_t *e;
	if (!json_is_array(v))
		return cerr(c, "expected a list of strings");
	json_array_foreach(v, i,
			   e) if (!json_is_string(e)) return cerr(c, "expected a list of strings");
	return 0;
}

static int ck_count(cctx *c, const json_t *sch, const json_t *v, const char *base)
{
	if (!json_is_number(v) || !integral(json_number_value(v)) || json_number_value(v) < 0)
		return cerr(c, "expected a non-negative integer");
	return 0;
}

static int ck_number(cctx *c, const json_t *sch, const json_t *v, const char *base)
{
	return json_is_number(v) ? 0 : cerr(c, "expected a number");
}

static int ck_positive(cctx *c, const json_t *sch, const json_t *v, const char *base)
{
	return json_is_number(v) && json_number_value(v) > 0
		       ? 0
		       : cerr(c, "expected a number greater than 0");
}

static int ck_bool(cctx *c, const json_t *sch, const json_t *v, const char *base)
{
	return json_is_boolean(v) ? 0 : cerr(c, "expected true or false");
}

static int ck_string(cctx *c, const json_t *sch, const json_t *v, const char *base)
{
	return json_is_string(v) ? 0 : cerr(c, "expected a string");
}

static int ck_pattern(cctx *c, const json_t *sch, const json_t *v, const char *base)
{
	if (!json_is_string(v))
		return cerr(c, "expected a regular expression string");
	return add_pattern(c, v, NULL, json_string_value(v), json_string_length(v));
}

static int ck_patprops(cctx *c, const json_t *sch, const json_t *v, const char *base)
{
	const char *k;
	const json_t *e;
	if (!json_is_object(v))
		return cerr(c, "expected a mapping of schemas");
	json_object_foreach((json_t *)v, k, e)
	{
		size_t mark = loc_key(c, k);
		int rc = add_pattern(c, v, k, k, strlen(k));
		sb_trunc(&c->loc, mark);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int ck_deps(cctx *c, const json_t *sch, const json_t *v, const char *base)
{
	const char *k;
	const json_t *e;
	if (!json_is_object(v))
		return cerr(c, "expected a mapping");
	json_object_foreach((json_t *)v, k, e)
	{
		size_t mark = loc_key(c, k);
		int rc = json_is_array(e) ? ck_strings(c, sch, e, base) : 0;
		sb_trunc(&c->loc, mark);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------ validation context */

typedef struct verr {
	char *pointer, *message, *property;
	const char *keyword;
	const json_t *schema;
	size_t *path; /* instance position as indices (key order, item index): sort key */
	size_t npath, seq;
	bool custom; /* message came from x-error */
} verr;

typedef struct errlist {
	verr *v;
	size_t n, cap;
} errlist;

typedef struct seg {
	size_t plen;     /* pointer length before this segment */
	size_t index;    /* item index, or key position in the mapping */
	const char *key; /* NULL for list items */
} seg;

typedef struct frame {
	const json_t *sch, *inst;
} frame;

typedef struct vctx {
	const mf_schema *s;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	errlist *errs; /* where errors go: the result, or a branch being weighed */
	strbuf ptr;
	seg segs[MF_SCHEMA_MAX_DEPTH];
	size_t nseg;
	frame frames[MAX_FRAMES];
	size_t nframes, seq;
	bool quick; /* only validity matters: stop at the first error, record nothing */
	bool failed, oom;
} vctx;

static void validate(vctx *c, const json_t *sch, const json_t *inst);

static void verr_free(verr *e)
{
	free(e->pointer);
	free(e->message);
	free(e->property);
	free(e->path);
}

static void list_free(errlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		verr_free(&l->v[i]);
	free(l->v);
	*l = (errlist){0};
}

/* Takes ownership of *e; on failure frees it and flags the context. */
static void list_push(vctx *c, errlist *l, verr *e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		verr *p = realloc(l->v, cap * sizeof *p);
		if (!p) {
			verr_free(e);
			c->oom = true;
			return;
		}
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n++] = *e;
}

static const char *xerror(const json_t *holder)
{
	return json_is_object(holder) ? json_string_value(json_object_get(holder, "x-error"))
				      : NULL;
}

static bool stop(const vctx *c)
{
	return c->quick && c->failed;
}

static bool quick_fail(vctx *c)
{
	if (!c->quick)
		return false;
	c->failed = true;
	return true;
}

/* Records an error at the current instance position; takes msg (NULL: out of memory). */
static void add_error(vctx *c, const json_t *holder, const char *kw, const char *prop, char *msg,
		      bool use_x)
{
	c->failed = true;
	if (c->quick) {
		free(msg);
		return;
	}
	const char *x = use_x ? xerror(holder) : NULL;
	if (x) {
		free(msg);
		msg = strdup(x);
	}
	verr e = {.message = msg,
		  .keyword = kw,
		  .schema = holder,
		  .npath = c->nseg,
		  .seq = c->seq++,
		  .custom = x != NULL};
	e.pointer = strdup(sb_str(&c->ptr));
	e.property = prop ? strdup(prop) : NULL;
	e.path = malloc((c->nseg + 1) * sizeof *e.path);
	if (!msg || !e.pointer || (prop && !e.property) || !e.path) {
		verr_free(&e);
		c->oom = true;
		return;
	}
	for (size_t i = 0; i < c->nseg; i++)
		e.path[i] = c->segs[i].index;
	list_push(c, c->errs, &e);
}

static char *vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static char *vformat(const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	char *s = n < 0 ? NULL : malloc((size_t)n + 1);
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static void fail(vctx *c, const json_t *holder, const char *kw, const char *prop, const char *fmt,
		 ...) __attribute__((format(printf, 5, 6)));
static void fail(vctx *c, const json_t *holder, const char *kw, const char *prop, const char *fmt,
		 ...)
{
	if (quick_fail(c))
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = vformat(fmt, ap);
	va_end(ap);
	add_error(c, holder, kw, prop, msg, true);
}

/* For limits of the engine itself, which x-error must not hide. */
static void fail_plain(vctx *c, const json_t *holder, const char *kw, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void fail_plain(vctx *c, const json_t *holder, const char *kw, const char *fmt, ...)
{
	if (quick_fail(c))
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = vformat(fmt, ap);
	va_end(ap);
	add_error(c, holder, kw, NULL, msg, false);
}

static void fail_sb(vctx *c, const json_t *holder, const char *kw, const char *prop, strbuf *b,
		    bool use_x)
{
	add_error(c, holder, kw, prop, sb_take(b), use_x);
}

static void fail_x(vctx *c, const json_t *holder, const char *kw)
{
	if (!quick_fail(c))
		add_error(c, holder, kw, NULL, NULL, true);
}

static bool push_seg(vctx *c, const char *key, size_t index)
{
	if (c->nseg >= MF_SCHEMA_MAX_DEPTH) {
		fail_plain(c, NULL, "depth", "nested deeper than %d levels", MF_SCHEMA_MAX_DEPTH);
		return false;
	}
	c->segs[c->nseg++] = (seg){c->ptr.n, index, key};
	sb_add(&c->ptr, "/");
	if (key)
		sb_escaped_key(&c->ptr, key);
	else
		sb_printf(&c->ptr, "%zu", index);
	return true;
}

static void pop_seg(vctx *c)
{
	sb_trunc(&c->ptr, c->segs[--c->nseg].plen);
}

/* Validity only, nothing recorded. */
static bool passes(vctx *c, const json_t *sch, const json_t *inst)
{
	bool q = c->quick, f = c->failed;
	c->quick = true;
	c->failed = false;
	validate(c, sch, inst);
	bool ok = !c->failed;
	c->quick = q;
	c->failed = f;
	return ok;
}

static void collect(vctx *c, const json_t *sch, const json_t *inst, errlist *out)
{
	errlist *saved = c->errs;
	bool q = c->quick;
	c->errs = out;
	c->quick = false;
	validate(c, sch, inst);
	c->errs = saved;
	c->quick = q;
}

/* An applicator under x-error reports that one message instead of what went wrong inside. */
static void apply_sub(vctx *c, const json_t *holder, const char *kw, const json_t *sub,
		      const json_t *inst)
{
	if (c->quick || !xerror(holder))
		validate(c, sub, inst);
	else if (!passes(c, sub, inst))
		fail_x(c, holder, kw);
}

static const json_t *deref(const mf_schema *s, const json_t *sch)
{
	for (int hops = 0; hops < 64 && json_is_object(sch) && json_object_get(sch, "$ref");
	     hops++) {
		const json_t *t = pm_get(&s->refs, sch, NULL);
		if (!t)
			break;
		sch = t;
	}
	return sch;
}

/* ------------------------------------------------------ keyword validators */

/* Returns false to skip the rest of the subschema (after a type mismatch
 * the other keywords would only add noise). */
typedef bool (*vfn)(vctx *c, const json_t *sch, const json_t *v, const json_t *inst);

static bool v_type(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	if (type_mask(v) & type_bit(c->s, inst))
		return true;
	if (quick_fail(c))
		return false;
	nouns ns = {0};
	type_nouns(v, T_ANY, &ns);
	strbuf b = {0};
	sb_add(&b, "expected ");
	join(&b, ns.w, ns.n);
	sb_printf(&b, ", got %s", inst_noun(type_bit(c->s, inst)));
	fail_sb(c, sch, "type", NULL, &b, true);
	return false;
}

static bool v_const(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	if (jequal(v, inst, 0) || quick_fail(c))
		return true;
	strbuf b = {0};
	sb_add(&b, "must be ");
	render(&b, v);
	fail_sb(c, sch, "const", NULL, &b, true);
	return true;
}

static bool v_enum(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	size_t i;
	const json_t *e;
	json_array_foreach(v, i, e) if (jequal(e, inst, 0)) return true;
	if (quick_fail(c))
		return true;
	strbuf b = {0};
	enum_message(&b, v, inst);
	fail_sb(c, sch, "enum", NULL, &b, true);
	return true;
}

static size_t count_value(const json_t *v)
{
	double d = json_number_value(v);
	return d >= 18446744073709551615.0 ? SIZE_MAX : (size_t)d;
}

static bool count_limit(vctx *c, const json_t *sch, const char *kw, size_t have, const json_t *v,
			bool min, const char *unit)
{
	size_t lim = count_value(v);
	if (min ? have >= lim : have <= lim)
		return true;
	fail(c, sch, kw, NULL, "must have at %s %zu %s%s", min ? "least" : "most", lim, unit,
	     lim == 1 ? "" : "s");
	return true;
}

static size_t str_len(const json_t *s)
{
	return utf8_len(json_string_value(s), json_string_length(s));
}

static bool v_minlength(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	return count_limit(c, sch, "minLength", str_len(inst), v, true, "character");
}

static bool v_maxlength(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	return count_limit(c, sch, "maxLength", str_len(inst), v, false, "character");
}

static bool v_minitems(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	return count_limit(c, sch, "minItems", json_array_size(inst), v, true, "item");
}

static bool v_maxitems(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	return count_limit(c, sch, "maxItems", json_array_size(inst), v, false, "item");
}

static bool v_minprops(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	return count_limit(c, sch, "minProperties", json_object_size(inst), v, true, "key");
}

static bool v_maxprops(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	return count_limit(c, sch, "maxProperties", json_object_size(inst), v, false, "key");
}

static bool num_limit(vctx *c, const json_t *sch, const json_t *v, const json_t *inst, int which)
{
	static const struct {
		const char *kw, *words;
		int bad1, bad2; /* cmp(instance, limit) results that fail */
	} L[] = {
		{"minimum", "at least", -1, -1},
		{"maximum", "at most", 1, 1},
		{"exclusiveMinimum", "greater than", -1, 0},
		{"exclusiveMaximum", "less than", 1, 0},
	};
	int r = cmp_num(inst, v);
	if (r != L[which].bad1 && r != L[which].bad2)
		return true;
	char num[40];
	fail(c, sch, L[which].kw, NULL, "must be %s %s", L[which].words,
	     num_text(v, num, sizeof num));
	return true;
}

static bool v_minimum(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	return num_limit(c, sch, v, inst, 0);
}

static bool v_maximum(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	return num_limit(c, sch, v, inst, 1);
}

static bool v_exclmin(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	return num_limit(c, sch, v, inst, 2);
}

static bool v_exclmax(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	return num_limit(c, sch, v, inst, 3);
}

static bool fits_int(double d)
{
	return d > -9223372036854775808.0 && d < 9223372036854775808.0;
}

/* Integers are checked exactly.  Otherwise the quotient of two doubles that
 * approximate decimal literals (0.0075 / 0.0001 = 75.00000000000001) counts
 * as whole within a relative 1e-12, far above the rounding error and far
 * below any difference a schema author means. */
static bool multiple_of(const json_t *inst, const json_t *div)
{
	double x = json_number_value(inst), y = json_number_value(div), ip;
	if (integral(y) && !integral(x))
		return false;
	if (integral(x) && integral(y) && fits_int(x) && fits_int(y)) {
		json_int_t a = json_is_integer(inst) ? json_integer_value(inst) : (json_int_t)x;
		json_int_t d = json_is_integer(div) ? json_integer_value(div) : (json_int_t)y;
		return d == 1 || a % d == 0;
	}
	double q = x / y;
	if (!isfinite(q))
		return false;
	double f = fabs(modf(q, &ip)), mag = fabs(q) > 1 ? fabs(q) : 1;
	if (f > 0.5)
		f = 1 - f;
	return f <= 1e-12 * mag;
}

static bool v_multipleof(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	char num[40];
	if (!multiple_of(inst, v))
		fail(c, sch, "multipleOf", NULL, "must be a multiple of %s",
		     num_text(v, num, sizeof num));
	return true;
}

/* 1 match, 0 no match, < 0 PCRE2 error (match limit, bad UTF-8). */
static int re_match(vctx *c, const pcre2_code *re, const char *s, size_t n)
{
	if (!re)
		return PCRE2_ERROR_NULL;
	int rc = pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, c->md, c->mc);
	if (rc >= 0)
		return 1;
	return rc == PCRE2_ERROR_NOMATCH ? 0 : rc;
}

static void re_error(strbuf *b, int rc)
{
	PCRE2_UCHAR msg[160];
	pcre2_get_error_message(rc, msg, sizeof msg);
	sb_printf(b, ": %s", (const char *)msg);
}

static bool v_pattern(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	int rc = re_match(c, pm_get(&c->s->pats, v, NULL), json_string_value(inst),
			  json_string_length(inst));
	if (rc > 0 || quick_fail(c))
		return true;
	strbuf b = {0};
	if (rc == 0) {
		render(&b, inst);
		sb_add(&b, " does not match the pattern ");
		render(&b, v);
	} else {
		sb_add(&b, "cannot check the pattern ");
		render(&b, v);
		re_error(&b, rc);
	}
	fail_sb(c, sch, "pattern", NULL, &b, rc == 0);
	return true;
}

static bool v_required(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	size_t i;
	const json_t *k;
	json_array_foreach(v, i, k)
	{
		const char *name = json_string_value(k);
		if (!json_object_get(inst, name))
			fail(c, sch, "required", name, "missing required key '%s'", name);
	}
	return true;
}

static bool v_deps(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	const char *key;
	const json_t *dep;
	json_object_foreach((json_t *)v, key, dep)
	{
		if (stop(c))
			break;
		if (!json_object_get(inst, key))
			continue;
		if (!json_is_array(dep)) {
			apply_sub(c, sch, "dependencies", dep, inst);
			continue;
		}
		size_t i;
		const json_t *k;
		json_array_foreach(dep, i, k)
		{
			const char *need = json_string_value(k);
			if (!json_object_get(inst, need))
				fail(c, sch, "dependencies", need,
				     "missing key '%s' (required when '%s' is present)", need, key);
		}
	}
	return true;
}

/* Keys matched by patternProperties; reports whether any pattern matched. */
static bool pattern_members(vctx *c, const json_t *sch, const json_t *pp, const char *key,
			    const json_t *val)
{
	bool matched = false;
	const char *pat;
	const json_t *sub;
	json_object_foreach((json_t *)pp, pat, sub)
	{
		int rc = re_match(c, pm_get(&c->s->pats, pp, pat), key, strlen(key));
		if (rc < 0) {
			strbuf b = {0};
			sb_printf(&b, "cannot match the key against the pattern '%s'", pat);
			re_error(&b, rc);
			fail_sb(c, sch, "patternProperties", NULL, &b, false);
		}
		if (rc <= 0)
			continue;
		matched = true;
		validate(c, sub, val);
	}
	return matched;
}

typedef struct members {
	const json_t *props, *pp, *ap;
} members;

static void member(vctx *c, const json_t *sch, const members *m, const char *key, const json_t *val)
{
	const json_t *ps = m->props ? json_object_get(m->props, key) : NULL;
	bool matched = ps != NULL;
	if (ps)
		validate(c, ps, val);
	if (m->pp && !stop(c))
		matched |= pattern_members(c, sch, m->pp, key, val);
	if (matched || !m->ap)
		return;
	if (json_is_false(m->ap))
		fail(c, sch, "additionalProperties", key, "unknown key '%s'", key);
	else
		validate(c, m->ap, val);
}

/* properties, patternProperties and additionalProperties together, in the
 * instance's key order so errors come out in document order. */
static bool v_members(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	(void)v;
	members m = {json_object_get(sch, "properties"), json_object_get(sch, "patternProperties"),
		     json_object_get(sch, "additionalProperties")};
	size_t idx = 0;
	const char *key;
	const json_t *val;
	json_object_foreach((json_t *)inst, key, val)
	{
		if (stop(c))
			break;
		if (push_seg(c, key, idx++)) {
			member(c, sch, &m, key, val);
			pop_seg(c);
		}
	}
	return true;
}

/* "key 'Foo_Bar' does not match ..." rather than a bare value message. */
static void rename_key_error(vctx *c, verr *e, const char *key)
{
	e->keyword = "propertyNames";
	free(e->property);
	e->property = strdup(key);
	if (!e->property)
		c->oom = true;
	if (e->custom || !strncmp(e->message, "key '", 5))
		return;
	strbuf q = {0}, b = {0};
	quote(&q, key, strlen(key));
	size_t n = q.n;
	if (!q.oom && !strncmp(e->message, q.s, n) && e->message[n] == ' ')
		sb_printf(&b, "key %s", e->message);
	else
		sb_printf(&b, "key %s: %s", sb_str(&q), e->message);
	free(q.s);
	char *m = sb_take(&b);
	if (m) {
		free(e->message);
		e->message = m;
	} else
		c->oom = true;
}

static void check_name(vctx *c, const json_t *v, const char *key, const json_t *ks)
{
	if (c->quick) {
		validate(c, v, ks);
		return;
	}
	errlist tmp = {0};
	collect(c, v, ks, &tmp);
	for (size_t i = 0; i < tmp.n; i++) {
		rename_key_error(c, &tmp.v[i], key);
		list_push(c, c->errs, &tmp.v[i]);
	}
	free(tmp.v);
}

static bool v_propnames(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	(void)sch;
	size_t idx = 0;
	const char *key;
	const json_t *val;
	json_object_foreach((json_t *)inst, key, val)
	{
		(void)val;
		if (stop(c))
			break;
		json_t *ks = json_stringn_nocheck(key, strlen(key));
		if (!ks)
			c->oom = c->failed = true;
		else if (push_seg(c, key, idx)) {
			check_name(c, v, key, ks);
			pop_seg(c);
		}
		idx++;
		json_decref(ks);
	}
	return true;
}

static void each_item(vctx *c, const json_t *sub, const json_t *inst, size_t from)
{
	for (size_t i = from; i < json_array_size(inst) && !stop(c); i++) {
		if (push_seg(c, NULL, i)) {
			validate(c, sub, json_array_get(inst, i));
			pop_seg(c);
		}
	}
}

/* items and additionalItems together. */
static bool v_items(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	(void)v;
	const json_t *items = json_object_get(sch, "items"),
		     *more = json_object_get(sch, "additionalItems");
	size_t n = json_array_size(inst), tn = json_array_size(items);
	if (!items || !n)
		return true;
	if (json_is_false(items)) {
		fail(c, sch, "items", NULL, "must be an empty list");
		return true;
	}
	if (!json_is_array(items)) {
		each_item(c, items, inst, 0);
		return true;
	}
	for (size_t i = 0; i < tn && i < n && !stop(c); i++) {
		if (push_seg(c, NULL, i)) {
			validate(c, json_array_get(items, i), json_array_get(inst, i));
			pop_seg(c);
		}
	}
	if (n <= tn || !more)
		return true;
	if (json_is_false(more))
		fail(c, sch, "additionalItems", NULL, "must have at most %zu item%s", tn,
		     tn == 1 ? "" : "s");
	else
		each_item(c, more, inst, tn);
	return true;
}

static void contains_message(strbuf *b, const mf_schema *s, const json_t *v)
{
	const json_t *d = deref(s, v), *k;
	if (json_is_object(d) && (k = json_object_get(d, "const"))) {
		sb_add(b, "must contain ");
		render(b, k);
	} else if (json_is_object(d) && (k = json_object_get(d, "enum")) && json_array_size(k)) {
		sb_add(b, "must contain ");
		if (json_array_size(k) > 1)
			sb_add(b, "one of ");
		list_values(b, k);
	} else if (json_is_object(d) && (k = json_object_get(d, "type"))) {
		nouns ns = {0};
		type_nouns(k, T_ANY, &ns);
		sb_add(b, "must contain ");
		join(b, ns.w, ns.n);
	} else
		sb_add(b, "must contain at least one matching item");
}

static bool v_contains(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	for (size_t i = 0; i < json_array_size(inst); i++) {
		bool ok = false;
		if (push_seg(c, NULL, i)) {
			ok = passes(c, v, json_array_get(inst, i));
			pop_seg(c);
		}
		if (ok)
			return true;
	}
	if (quick_fail(c))
		return true;
	strbuf b = {0};
	contains_message(&b, c->s, v);
	fail_sb(c, sch, "contains", NULL, &b, true);
	return true;
}

typedef struct hitem {
	uint64_t h;
	size_t i;
} hitem;

static int cmp_hitem(const void *a, const void *b)
{
	const hitem *x = a, *y = b;
	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* dup[j] = the first earlier item equal to item j, or SIZE_MAX.  Sorting by
 * hash keeps long lists from costing n^2 comparisons. */
static size_t *find_duplicates(const json_t *arr)
{
	size_t n = json_array_size(arr);
	hitem *h = malloc(n * sizeof *h);
	size_t *dup = malloc(n * sizeof *dup);
	if (!h || !dup) {
		free(h);
		free(dup);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		h[i] = (hitem){jhash(json_array_get(arr, i), 0), i};
		dup[i] = SIZE_MAX;
	}
	qsort(h, n, sizeof *h, cmp_hitem);
	for (size_t a = 0, j = 0; j < n; j++) {
		if (h[j].h != h[a].h)
			a = j;
		for (size_t k = a; k < j && dup[h[j].i] == SIZE_MAX; k++)
			if (dup[h[k].i] == SIZE_MAX &&
			    jequal(json_array_get(arr, h[k].i), json_array_get(arr, h[j].i), 0))
				dup[h[j].i] = h[k].i;
	}
	free(h);
	return dup;
}

static bool v_unique(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	size_t n = json_array_size(inst);
	if (!json_is_true(v) || n < 2)
		return true;
	size_t *dup = find_duplicates(inst);
	if (!dup) {
		c->oom = c->failed = true;
		return true;
	}
	for (size_t j = 0; j < n && !stop(c); j++) {
		if (dup[j] != SIZE_MAX && push_seg(c, NULL, j)) {
			fail(c, sch, "uniqueItems", NULL,
			     "duplicate of an earlier item (index %zu)", dup[j]);
			pop_seg(c);
		}
	}
	free(dup);
	return true;
}

static bool v_allof(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	size_t i;
	const json_t *b;
	json_array_foreach(v, i, b)
	{
		if (stop(c))
			break;
		apply_sub(c, sch, "allOf", b, inst);
	}
	return true;
}

/* Instance types a subschema can possibly accept, judged from type, const,
 * enum and combinators at its top (through $ref). */
static unsigned accept_mask(const mf_schema *s, const json_t *sch, int depth);

static unsigned branches_mask(const mf_schema *s, const json_t *v, int depth, bool all)
{
	unsigned m = all ? T_ANY : 0;
	size_t i;
	const json_t *b;
	json_array_foreach(v, i, b)
	{
		if (all)
			m &= accept_mask(s, b, depth + 1);
		else
			m |= accept_mask(s, b, depth + 1);
	}
	return m;
}

static unsigned accept_mask(const mf_schema *s, const json_t *sch, int depth)
{
	sch = deref(s, sch);
	if (json_is_boolean(sch))
		return json_is_true(sch) ? T_ANY : 0;
	if (!json_is_object(sch) || depth > 8)
		return T_ANY;
	unsigned m = T_ANY, e = 0;
	const json_t *v;
	size_t i;
	if ((v = json_object_get(sch, "type")))
		m &= type_mask(v);
	if ((v = json_object_get(sch, "const")))
		m &= type_bit(s, v);
	if ((v = json_object_get(sch, "enum"))) {
		const json_t *x;
		json_array_foreach(v, i, x) e |= type_bit(s, x);
		m &= e;
	}
	if ((v = json_object_get(sch, "allOf")))
		m &= branches_mask(s, v, depth, true);
	if ((v = json_object_get(sch, "anyOf")))
		m &= branches_mask(s, v, depth, false);
	if ((v = json_object_get(sch, "oneOf")))
		m &= branches_mask(s, v, depth, false);
	return m;
}

static void branch_nouns(const mf_schema *s, const json_t *b, nouns *ns)
{
	const json_t *d = deref(s, b);
	unsigned m = accept_mask(s, d, 0);
	const json_t *ty = json_is_object(d) ? json_object_get(d, "type") : NULL;
	if (ty)
		type_nouns(ty, m, ns);
	else
		mask_nouns(m, ns);
}

/* No branch takes this type of value: say which types would do. */
static void expected_forms(vctx *c, const json_t *sch, const char *kw, const json_t *v,
			   const json_t *inst)
{
	nouns ns = {0};
	size_t i;
	const json_t *b;
	json_array_foreach(v, i, b) branch_nouns(c->s, b, &ns);
	if (!ns.n) {
		fail(c, sch, kw, NULL, "does not match any of the allowed forms");
		return;
	}
	strbuf m = {0};
	sb_add(&m, "expected ");
	join(&m, ns.w, ns.n);
	sb_printf(&m, ", got %s", inst_noun(type_bit(c->s, inst)));
	fail_sb(c, sch, kw, NULL, &m, true);
}

/* Branches that each failed on one const/enum at this very value read best
 * as one list: "'c' is not one of 'a', 'b'". */
static bool merge_values(vctx *c, const json_t *sch, const char *kw, const errlist *lists,
			 size_t nb, const json_t *inst)
{
	json_t *vals = json_array();
	bool ok = vals != NULL;
	for (size_t i = 0; ok && i < nb; i++) {
		const verr *e = lists[i].v;
		if (!lists[i].n)
			continue;
		ok = lists[i].n == 1 && !e->custom && e->npath == c->nseg &&
		     (!strcmp(e->keyword, "const") || !strcmp(e->keyword, "enum"));
		const json_t *x = ok ? json_object_get(e->schema, e->keyword) : NULL;
		if (x && json_is_array(x))
			ok = !json_array_extend(vals, (json_t *)x);
		else if (x)
			ok = !json_array_append(vals, (json_t *)x);
	}
	if (ok && json_array_size(vals) > 1) {
		strbuf b = {0};
		enum_message(&b, vals, inst);
		fail_sb(c, sch, kw, NULL, &b, true);
	} else
		ok = false;
	json_decref(vals);
	return ok;
}

/* Several branches take this type of value: report the one that came
 * closest (fewest errors, first on a tie). */
static void best_branch(vctx *c, const json_t *sch, const char *kw, const json_t *v,
			const json_t *inst)
{
	size_t nb = json_array_size(v), best = SIZE_MAX;
	errlist *lists = calloc(nb, sizeof *lists);
	if (!lists) {
		c->oom = c->failed = true;
		return;
	}
	for (size_t i = 0; i < nb; i++) {
		if (!(accept_mask(c->s, json_array_get(v, i), 0) & type_bit(c->s, inst)))
			continue;
		collect(c, json_array_get(v, i), inst, &lists[i]);
		if (lists[i].n && (best == SIZE_MAX || lists[i].n < lists[best].n))
			best = i;
	}
	if (merge_values(c, sch, kw, lists, nb, inst))
		;
	else if (best == SIZE_MAX)
		fail(c, sch, kw, NULL, "does not match any of the allowed forms");
	else {
		for (size_t j = 0; j < lists[best].n; j++)
			list_push(c, c->errs, &lists[best].v[j]);
		lists[best].n = 0;
	}
	for (size_t i = 0; i < nb; i++)
		list_free(&lists[i]);
	free(lists);
}

/* anyOf/oneOf with no branch matching: rather than "did not match any
 * schema", report the one branch meant for this type of value as if it
 * were the schema, or the types that would have done. */
static void alternatives(vctx *c, const json_t *sch, const char *kw, const json_t *v,
			 const json_t *inst)
{
	if (quick_fail(c))
		return;
	if (xerror(sch)) {
		fail_x(c, sch, kw);
		return;
	}
	unsigned t = type_bit(c->s, inst);
	size_t n = 0, last = 0, i;
	const json_t *b;
	json_array_foreach(v, i, b)
	{
		if (accept_mask(c->s, b, 0) & t) {
			n++;
			last = i;
		}
	}
	size_t before = c->errs->n;
	if (n == 1)
		validate(c, json_array_get(v, last), inst);
	if (n == 1 && c->errs->n == before && !c->oom)
		fail(c, sch, kw, NULL, "does not match the allowed form");
	else if (n == 0)
		expected_forms(c, sch, kw, v, inst);
	else
		best_branch(c, sch, kw, v, inst);
}

static bool v_anyof(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	size_t i;
	const json_t *b;
	json_array_foreach(v, i, b) if (passes(c, b, inst)) return true;
	alternatives(c, sch, "anyOf", v, inst);
	return true;
}

static bool v_oneof(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	size_t i, n = 0;
	const json_t *b;
	json_array_foreach(v, i, b) if (passes(c, b, inst) && ++n > 1) break;
	if (n > 1)
		fail(c, sch, "oneOf", NULL, "matches more than one of the allowed forms");
	else if (n == 0)
		alternatives(c, sch, "oneOf", v, inst);
	return true;
}

static void not_message(strbuf *b, const mf_schema *s, const json_t *v)
{
	const json_t *d = deref(s, v), *k;
	bool obj = json_is_object(d);
	if (json_is_true(d) || (obj && !json_object_size(d)))
		sb_add(b, "no value is allowed here");
	else if (obj && (k = json_object_get(d, "type"))) {
		nouns ns = {0};
		type_nouns(k, T_ANY, &ns);
		sb_add(b, "must not be ");
		join(b, ns.w, ns.n);
	} else if (obj && ((k = json_object_get(d, "const")) || (k = json_object_get(d, "enum")))) {
		sb_add(b, json_is_array(k) && json_array_size(k) > 1 ? "must not be one of "
								     : "must not be ");
		if (json_is_array(k) && json_object_get(d, "enum"))
			list_values(b, k);
		else
			render(b, k);
	} else if (obj && (k = json_object_get(d, "required")) && json_array_size(k) == 1)
		sb_printf(b, "key '%s' is not allowed here",
			  json_string_value(json_array_get(k, 0)));
	else
		sb_add(b, "must not match the excluded form");
}

static bool v_not(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	if (!passes(c, v, inst) || quick_fail(c))
		return true;
	strbuf b = {0};
	not_message(&b, c->s, v);
	fail_sb(c, sch, "not", NULL, &b, true);
	return true;
}

static bool v_if(vctx *c, const json_t *sch, const json_t *v, const json_t *inst)
{
	const char *kw = passes(c, v, inst) ? "then" : "else";
	const json_t *next = json_object_get(sch, kw);
	if (next)
		apply_sub(c, sch, kw, next, inst);
	return true;
}

/* ---------------------------------------------------------- keyword table */

enum { SH_NONE, SH_ONE, SH_LIST, SH_ONE_OR_LIST, SH_MAP, SH_DEPS };
enum { G_MEMBERS = 1, G_ITEMS = 2 };

/* Every keyword we know.  Order is the order errors at one position come
 * out in; keywords not listed are ignored, as draft-07 asks. */
static const struct kwdef {
	const char *name;
	unsigned itypes; /* instance types it constrains */
	unsigned group;  /* keywords one function evaluates together */
	int shape;       /* where subschemas sit in its value */
	cfn check;
	vfn validate;
} KW[] = {
	{"$ref", 0, 0, SH_NONE, ck_ref, NULL},
	{"type", T_ANY, 0, SH_NONE, ck_type, v_type},
	{"const", T_ANY, 0, SH_NONE, NULL, v_const},
	{"enum", T_ANY, 0, SH_NONE, ck_array, v_enum},
	{"required", T_OBJ, 0, SH_NONE, ck_strings, v_required},
	{"dependencies", T_OBJ, 0, SH_DEPS, ck_deps, v_deps},
	{"minProperties", T_OBJ, 0, SH_NONE, ck_count, v_minprops},
	{"maxProperties", T_OBJ, 0, SH_NONE, ck_count, v_maxprops},
	{"propertyNames", T_OBJ, 0, SH_ONE, NULL, v_propnames},
	{"properties", T_OBJ, G_MEMBERS, SH_MAP, NULL, v_members},
	{"patternProperties", T_OBJ, G_MEMBERS, SH_MAP, ck_patprops, v_members},
	{"additionalProperties", T_OBJ, G_MEMBERS, SH_ONE, NULL, v_members},
	{"minItems", T_ARR, 0, SH_NONE, ck_count, v_minitems},
	{"maxItems", T_ARR, 0, SH_NONE, ck_count, v_maxitems},
	{"uniqueItems", T_ARR, 0, SH_NONE, ck_bool, v_unique},
	{"contains", T_ARR, 0, SH_ONE, NULL, v_contains},
	{"items", T_ARR, G_ITEMS, SH_ONE_OR_LIST, NULL, v_items},
	{"additionalItems", T_ARR, G_ITEMS, SH_ONE, NULL, v_items},
	{"minLength", T_STR, 0, SH_NONE, ck_count, v_minlength},
	{"maxLength", T_STR, 0, SH_NONE, ck_count, v_maxlength},
	{"pattern", T_STR, 0, SH_NONE, ck_pattern, v_pattern},
	{"format", 0, 0, SH_NONE, ck_string, NULL},
	{"minimum", T_NUMS, 0, SH_NONE, ck_number, v_minimum},
	{"maximum", T_NUMS, 0, SH_NONE, ck_number, v_maximum},
	{"exclusiveMinimum", T_NUMS, 0, SH_NONE, ck_number, v_exclmin},
	{"exclusiveMaximum", T_NUMS, 0, SH_NONE, ck_number, v_exclmax},
	{"multipleOf", T_NUMS, 0, SH_NONE, ck_positive, v_multipleof},
	{"allOf", T_ANY, 0, SH_LIST, NULL, v_allof},
	{"anyOf", T_ANY, 0, SH_LIST, NULL, v_anyof},
	{"oneOf", T_ANY, 0, SH_LIST, NULL, v_oneof},
	{"not", T_ANY, 0, SH_ONE, NULL, v_not},
	{"if", T_ANY, 0, SH_ONE, NULL, v_if},
	{"then", 0, 0, SH_ONE, NULL, NULL},
	{"else", 0, 0, SH_ONE, NULL, NULL},
	{"definitions", 0, 0, SH_MAP, NULL, NULL},
	{"$defs", 0, 0, SH_MAP, NULL, NULL},
	{"$id", 0, 0, SH_NONE, ck_string, NULL},
	{"$schema", 0, 0, SH_NONE, ck_string, NULL},
	{"x-error", 0, 0, SH_NONE, ck_string, NULL},
};
#define NKW (sizeof KW / sizeof KW[0])
_Static_assert(NKW <= 64, "keyword masks are 64 bits");

/* ------------------------------------------------------------- compiling */

static int walk_list(cctx *c, const json_t *v, const char *base, size_t depth, bool nonempty)
{
	if (!json_is_array(v) || (nonempty && !json_array_size(v)))
		return shape_err(c, nonempty ? "a non-empty list of schemas"
					     : "a schema or a list of schemas");
	size_t i;
	const json_t *e;
	json_array_foreach(v, i, e)
	{
		size_t mark = loc_index(c, i);
		int rc = walk(c, e, base, depth);
		sb_trunc(&c->loc, mark);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int walk_map(cctx *c, const json_t *v, const char *base, size_t depth, bool deps)
{
	const char *k;
	const json_t *e;
	if (!json_is_object(v))
		return shape_err(c, "a mapping of schemas");
	json_object_foreach((json_t *)v, k, e)
	{
		if (deps && json_is_array(e))
			continue;
		size_t mark = loc_key(c, k);
		int rc = walk(c, e, base, depth);
		sb_trunc(&c->loc, mark);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int walk_children(cctx *c, const json_t *node, const char *base, size_t depth)
{
	for (size_t i = 0; i < NKW; i++) {
		const json_t *v = KW[i].shape ? json_object_get(node, KW[i].name) : NULL;
		if (!v)
			continue;
		size_t mark = loc_key(c, KW[i].name);
		int rc, sh = KW[i].shape;
		if (sh == SH_LIST || (sh == SH_ONE_OR_LIST && json_is_array(v)))
			rc = walk_list(c, v, base, depth, sh == SH_LIST);
		else if (sh == SH_MAP || sh == SH_DEPS)
			rc = walk_map(c, v, base, depth, sh == SH_DEPS);
		else
			rc = walk(c, v, base, depth);
		sb_trunc(&c->loc, mark);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int save_mask(cctx *c, const json_t *node, uint64_t mask)
{
	mf_schema *s = c->s;
	if (s->nmasks == s->capmasks) {
		size_t cap = s->capmasks ? s->capmasks * 2 : 64;
		uint64_t *p = realloc(s->kwmasks, cap * sizeof *p);
		if (!p)
			return oom(c);
		s->kwmasks = p;
		s->capmasks = cap;
	}
	s->kwmasks[s->nmasks++] = mask;
	return pm_put(&s->kwidx, node, NULL, (void *)(uintptr_t)s->nmasks) ? 0 : oom(c);
}

static int check_keywords(cctx *c, const json_t *node, const char *base)
{
	uint64_t mask = 0;
	for (size_t i = 0; i < NKW; i++) {
		const json_t *v = json_object_get(node, KW[i].name);
		if (!v)
			continue;
		mask |= (uint64_t)1 << i;
		size_t mark = loc_key(c, KW[i].name);
		int rc = KW[i].check ? KW[i].check(c, node, v, base) : 0;
		sb_trunc(&c->loc, mark);
		if (rc < 0)
			return -1;
	}
	return save_mask(c, node, mask);
}

/* $id moves the base URI for everything below (draft-07 ignores it next to
 * $ref).  Pass 1 registers resources and "#name" anchors; *own gets the new
 * base, or stays NULL when the base does not change. */
static int scope_id(cctx *c, const json_t *node, const char *base, char **own)
{
	const char *id = json_string_value(json_object_get(node, "$id"));
	*own = NULL;
	if (!id || json_object_get(node, "$ref"))
		return 0;
	char *abs = uri_resolve(base, id);
	if (!abs)
		return oom(c);
	size_t doclen = strcspn(abs, "#");
	const char *nb = id[0] == '#' ? base : abs;
	size_t nblen = id[0] == '#' ? strlen(base) : doclen;
	int rc = 0;
	if (c->pass == 1 && abs[doclen] && abs[doclen + 1])
		rc = add_id(c->s, abs, strlen(abs), nb, nblen, node);
	if (c->pass == 1 && id[0] != '#' && rc == 0)
		rc = add_id(c->s, abs, doclen, abs, doclen, node);
	abs[doclen] = '\0';
	if (rc < 0 || id[0] == '#') {
		free(abs);
		return rc < 0 ? oom(c) : 0;
	}
	*own = abs;
	return 0;
}

static int walk(cctx *c, const json_t *node, const char *base, size_t depth)
{
	if (json_is_boolean(node))
		return 0;
	if (!json_is_object(node))
		return shape_err(c, "a schema (a mapping, true or false)");
	if (depth > MF_SCHEMA_MAX_DEPTH)
		return cerr(c, "schema nested deeper than %d levels", MF_SCHEMA_MAX_DEPTH);
	ptrmap *seen = &c->seen[c->pass - 1];
	if (pm_get(seen, node, NULL))
		return 0;
	if (!pm_put(seen, node, NULL, (void *)node))
		return oom(c);
	char *own;
	if (scope_id(c, node, base, &own) < 0)
		return -1;
	const char *b = own ? own : base;
	int rc = c->pass == 2 ? check_keywords(c, node, b) : 0;
	if (rc == 0)
		rc = walk_children(c, node, b, depth + 1);
	free(own);
	return rc;
}

/* $ref targets the lexical walk did not reach, walked without nesting so a
 * long chain of references costs no stack. */
static int drain(cctx *c)
{
	while (c->nwl) {
		work w = c->wl[--c->nwl];
		sb_trunc(&c->loc, 0);
		sb_add(&c->loc, w.loc);
		int rc = walk(c, w.node, w.base, 0);
		free(w.base);
		free(w.loc);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* References that lead only to references and back (`{"$ref": "#"}`) never
 * look at the value: reject them here rather than loop later. */
static int check_ref_cycles(cctx *c)
{
	const ptrmap *m = &c->s->refs;
	for (size_t i = 0; i < c->nrefs; i++) {
		const void *start = c->refs[i].node, *cur = pm_get(m, start, NULL);
		for (size_t steps = 0; cur && steps <= m->n; steps++) {
			if (cur == start) {
				sb_trunc(&c->loc, 0);
				sb_add(&c->loc, c->refs[i].loc);
				return cerr(c, "'%s' leads back here without validating anything",
					    json_string_value(json_object_get(start, "$ref")));
			}
			cur = pm_get(m, cur, NULL);
		}
	}
	return 0;
}

static char *root_base(const json_t *root)
{
	const char *id = json_string_value(json_object_get(root, "$id"));
	char *b = uri_resolve("", id && !json_object_get(root, "$ref") ? id : "");
	if (b)
		b[strcspn(b, "#")] = '\0';
	return b;
}

static int compile(cctx *c)
{
	mf_schema *s = c->s;
	c->cc = pcre2_compile_context_create(NULL);
	s->base = root_base(s->root);
	if (!c->cc || !s->base || add_id(s, "", 0, s->base, strlen(s->base), s->root) < 0)
		return oom(c);
#ifdef PCRE2_EXTRA_ALT_BSUX
	pcre2_set_compile_extra_options(c->cc, PCRE2_EXTRA_ALT_BSUX);
#endif
	sb_add(&c->loc, "#");
	c->pass = 1;
	if (walk(c, s->root, "", 0) < 0)
		return -1;
	c->pass = 2;
	if (walk(c, s->root, "", 0) < 0 || drain(c) < 0)
		return -1;
	return check_ref_cycles(c);
}

/* ------------------------------------------------------------- public API */

mf_schema *mf_schema_new(json_t *root, char *err, size_t errlen)
{
	return mf_schema_new_ex(root, NULL, NULL, err, errlen);
}

mf_schema *mf_schema_new_ex(json_t *root, mf_schema_loader_fn load, void *user, char *err,
			    size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	mf_schema *s = root ? calloc(1, sizeof *s) : NULL;
	if (!s) {
		if (err && errlen)
			snprintf(err, errlen, "%s", root ? "out of memory" : "no schema given");
		return NULL;
	}
	s->root = json_incref(root);
	cctx c = {.s = s, .err = err, .errlen = errlen, .load = load, .user = user};
	int rc = compile(&c);
	free_work(c.wl, c.nwl);
	free_work(c.refs, c.nrefs);
	free(c.loc.s);
	pm_free(&c.seen[0]);
	pm_free(&c.seen[1]);
	pcre2_compile_context_free(c.cc);
	if (rc < 0) {
		mf_schema_free(s);
		return NULL;
	}
	return s;
}

void mf_schema_free(mf_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->pats.cap; i++)
		if (s->pats.e[i].p)
			pcre2_code_free(s->pats.e[i].v);
	pm_free(&s->pats);
	pm_free(&s->refs);
	pm_free(&s->kwidx);
	free(s->kwmasks);
	for (size_t i = 0; i < s->nids; i++) {
		free(s->ids[i].uri);
		free(s->ids[i].base);
	}
	free(s->ids);
	free(s->base);
	for (size_t i = 0; i < s->ndocs; i++)
		json_decref(s->docs[i]);
	free(s->docs);
	json_decref(s->root);
	free(s);
}

const json_t *mf_schema_lookup(const mf_schema *s, const char *pointer)
{
	const json_t *t = NULL;
	if (!s || !pointer)
		return NULL;
	if (!*pointer || *pointer == '/')
		return pointer_get(s->root, pointer, NULL);
	return resolve(s, s->base, pointer, &t, NULL) == 0 ? t : NULL;
}

/* ------------------------------------------------------------ validating */

/* Same (subschema, value) pair already being applied further up: the
 * schema loops without moving into the value, and would forever. */
static bool enter(vctx *c, const json_t *sch, const json_t *inst)
{
	for (size_t i = c->nframes; i-- > 0 && c->frames[i].inst == inst;) {
		if (c->frames[i].sch == sch) {
			fail_plain(c, sch, "$ref",
				   "the schema refers back to itself without validating anything");
			return false;
		}
	}
	if (c->nframes == MAX_FRAMES) {
		fail_plain(c, sch, "depth", "schema applied more than %d levels deep", MAX_FRAMES);
		return false;
	}
	c->frames[c->nframes++] = (frame){sch, inst};
	return true;
}

static void fail_false(vctx *c)
{
	const seg *top = c->nseg ? &c->segs[c->nseg - 1] : NULL;
	if (!top)
		fail(c, json_false(), "false", NULL, "no value is allowed here");
	else if (top->key)
		fail(c, json_false(), "false", NULL, "key '%s' is not allowed", top->key);
	else
		fail(c, json_false(), "false", NULL, "item %zu is not allowed", top->index);
}

static uint64_t kw_mask(const mf_schema *s, const json_t *sch)
{
	uintptr_t i = (uintptr_t)pm_get(&s->kwidx, sch, NULL);
	return i ? s->kwmasks[i - 1] : ~(uint64_t)0;
}

static void apply_keywords(vctx *c, const json_t *sch, const json_t *inst, uint64_t mask)
{
	unsigned t = type_bit(c->s, inst), done = 0;
	for (size_t i = 0; i < NKW && !stop(c); i++) {
		const struct kwdef *k = &KW[i];
		if (!(mask >> i & 1) || !k->validate || !(k->itypes & t) || (k->group & done))
			continue;
		const json_t *v = json_object_get(sch, k->name);
		if (!v)
			continue;
		done |= k->group;
		if (!k->validate(c, sch, v, inst))
			return;
	}
}

static void validate(vctx *c, const json_t *sch, const json_t *inst)
{
	if (stop(c) || json_is_true(sch))
		return;
	if (!json_is_object(sch)) {
		fail_false(c);
		return;
	}
	if (!enter(c, sch, inst))
		return;
	uint64_t mask = kw_mask(c->s, sch);
	const json_t *t = mask & 1 ? pm_get(&c->s->refs, sch, NULL) : NULL; /* KW[0] is $ref */
	if (t)
		apply_sub(c, sch, "$ref", t, inst);
	else
		apply_keywords(c, sch, inst, mask);
	c->nframes--;
}

/* Document order: by position in the instance (a mapping before what is
 * inside it), then in the order found. */
static int cmp_err(const void *a, const void *b)
{
	const verr *x = a, *y = b;
	for (size_t i = 0; i < x->npath && i < y->npath; i++)
		if (x->path[i] != y->path[i])
			return x->path[i] < y->path[i] ? -1 : 1;
	if (x->npath != y->npath)
		return x->npath < y->npath ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static bool same_place(const verr *a, const verr *b)
{
	return a->npath == b->npath && !memcmp(a->path, b->path, a->npath * sizeof *a->path);
}

/* The same message twice at one place (x-error on several failing keywords,
 * branches of allOf requiring the same key) helps nobody. */
static bool repeated(const errlist *l, size_t i)
{
	for (size_t j = i; j-- > 0 && same_place(&l->v[j], &l->v[i]);)
		if (!strcmp(l->v[j].message, l->v[i].message))
			return true;
	return false;
}

static size_t report(const vctx *c, errlist *l, mf_schema_error_fn fn, void *user)
{
	size_t count = 0;
	if (l->n)
		qsort(l->v, l->n, sizeof *l->v, cmp_err);
	for (size_t i = 0; i < l->n; i++) {
		const verr *e = &l->v[i];
		if (repeated(l, i))
			continue;
		count++;
		mf_schema_error pub = {e->pointer, e->keyword, e->message, e->property, e->schema};
		if (fn)
			fn(user, &pub);
	}
	if (c->oom) {
		mf_schema_error pub = {"", "internal", "out of memory while validating", NULL,
				       NULL};
		count++;
		if (fn)
			fn(user, &pub);
	}
	return count;
}

static size_t internal_error(mf_schema_error_fn fn, void *user, const char *msg)
{
	mf_schema_error pub = {"", "internal", msg, NULL, NULL};
	if (fn)
		fn(user, &pub);
	return 1;
}

size_t mf_schema_validate(const mf_schema *s, const json_t *instance, mf_schema_error_fn fn,
			  void *user)
{
	if (!s || !instance)
		return internal_error(fn, user, "no schema or no value to validate");
	vctx *c = calloc(1, sizeof *c);
	if (c) {
		c->md = pcre2_match_data_create(1, NULL);
		c->mc = pcre2_match_context_create(NULL);
	}
	size_t n;
	if (!c || !c->md || !c->mc)
		n = internal_error(fn, user, "out of memory while validating");
	else {
		errlist all = {0};
		pcre2_set_match_limit(c->mc, MATCH_LIMIT);
		pcre2_set_heap_limit(c->mc, HEAP_LIMIT_KIB);
		c->s = s;
		c->errs = &all;
		validate(c, s->root, instance);
		c->oom |= c->ptr.oom;
		n = report(c, &all, fn, user);
		list_free(&all);
	}
	if (c) {
		pcre2_match_data_free(c->md);
		pcre2_match_context_free(c->mc);
		free(c->ptr.s);
	}
	free(c);
	return n;
}
