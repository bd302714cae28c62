/* load: YAML text to the positioned node tree, through libfyaml's event parser */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <libfyaml.h>
#include "load.h"

/* Events, not libfyaml's document builder: we need our own depth limit,
 * an alias expansion budget, duplicate-key errors with both positions and
 * merge keys, none of which the builder reports the way we want. */

typedef struct frame {
	mf_node *node;
	const char *key; /* pending key while inside a mapping */
	mf_pos kpos;
	bool has_key;
} frame;

typedef struct anchor {
	const char *name;
	mf_node *node;
	size_t weight; /* nodes the anchored tree stands for, aliases expanded */
} anchor;

typedef struct builder {
	mf_ctx *c;
	uint32_t file;
	frame stack[MF_MAX_DEPTH + 2];
	unsigned depth;
	anchor *anchors;
	size_t nanchors, capanchors;
	size_t expanded; /* nodes reached through aliases so far */
	mf_node *docs;   /* MF_SEQ of document roots */
	bool failed;
} builder;

static mf_pos mark_pos(const builder *b, const struct fy_mark *m)
{
	mf_pos p = {b->file, 1, 1};

	if (m) {
		p.line = (uint32_t)m->line + 1;
		p.col = (uint32_t)m->column + 1;
	}
	return p;
}

static mf_pos event_pos(const builder *b, struct fy_event *e)
{
	return mark_pos(b, fy_event_start_mark(e));
}

/* ---- scalars: YAML 1.2 core schema resolution of plain scalars ---------- */

static bool is_null_text(const char *s)
{
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static int bool_text(const char *s)
{
	static const char *const yes[] = {"true", "True", "TRUE"};
	static const char *const no[] = {"false", "False", "FALSE"};

	for (size_t i = 0; i < 3; i++) {
		if (!strcmp(s, yes[i]))
			return 1;
		if (!strcmp(s, no[i]))
			return 0;
	}
	return -1;
}

static bool int_text(const char *s, long long *out, bool *overflow)
{
	char *end;
	int base = 10;
	const char *p = s;

	if (!strncmp(s, "0x", 2) && s[2]) {
		base = 16;
		p = s + 2;
	} else if (!strncmp(s, "0o", 2) && s[2]) {
		base = 8;
		p = s + 2;
	}
	if (base == 10 && (*p == '-' || *p == '+'))
		p++;
	if (!*p || strspn(p, base == 16 ? "0123456789abcdefABCDEF" : "0123456789") != strlen(p))
		return false;
	if (base == 8 && strspn(p, "01234567") != strlen(p))
		return false;
	errno = 0;
	*out = strtoll(base == 10 ? s : p, &end, base);
	*overflow = errno == ERANGE;
	return true;
}

bool mf_yaml_float_text(const char *s, double *out)
{
	static const char *const inf[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"};
	size_t digits = 0;
	const char *p = s;

	for (size_t i = 0; i < 6; i++)
		if (!strcmp(s, inf[i]) || !strcmp(s + (*s == '-'), inf[i] + (inf[i][0] == '+')))
			return (*out = *s == '-' ? -INFINITY : INFINITY), true;
	if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))
		return (*out = NAN), true;
	if (*p == '-' || *p == '+')
		p++;
	digits = strspn(p, "0123456789");
	p += digits;
	if (*p == '.') {
		size_t frac = strspn(p + 1, "0123456789");
		digits += frac;
		p += 1 + frac;
	}
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		p += (*p == '-' || *p == '+');
		if (!strspn(p, "0123456789"))
			return false;
		p += strspn(p, "0123456789");
	}
	if (*p)
		return false;
	*out = strtod(s, NULL);
	return true;
}

/* Types a plain scalar by the core schema; false when it is an integer out
 * of range (typed MF_INT all the same), which the caller reports. */
bool mf_yaml_resolve_plain(mf_node *n)
{
	long long i;
	bool overflow = false;
	int bv;

	/* most plain scalars are words: none of null, a boolean or a number
	 * starts otherwise, and the tests below cost a dozen strcmp each */
	static const bool may[256] = {
		['~'] = 1, ['n'] = 1, ['N'] = 1, ['t'] = 1, ['T'] = 1, ['f'] = 1, ['F'] = 1,
		['.'] = 1, ['+'] = 1, ['-'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1,
		['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['\0'] = 1,
	};

	if (!may[(unsigned char)*n->str])
		return true;
	if (is_null_text(n->str)) {
		n->kind = MF_NULL;
	} else if ((bv = bool_text(n->str)) >= 0) {
		n->kind = MF_BOOL;
		n->v.b = bv;
	} else if (int_text(n->str, &i, &overflow)) {
		n->kind = MF_INT;
		n->v.i = i;
	} else if (mf_yaml_float_text(n->str, &n->v.f)) {
		n->kind = MF_FLOAT;
	}
	return !overflow;
}

static void resolve_plain(builder *b, mf_node *n)
{
	if (mf_yaml_resolve_plain(n))
		return;
	mf_error(b->c, n->pos, "yaml-number", "integer '%s' is out of range", n->str);
	b->failed = true;
}

/* Only the core tags: anything else (!!python/object, !Ref...) names a type
 * of some other language or tool that we would silently misread. */
static int check_tag(builder *b, struct fy_token *tag, mf_pos pos, mf_kind *force)
{
	static const struct {
		const char *suffix;
		mf_kind kind;
	} core[] = {{"str", MF_STR},   {"int", MF_INT}, {"float", MF_FLOAT}, {"bool", MF_BOOL},
		    {"null", MF_NULL}, {"map", MF_MAP}, {"seq", MF_SEQ}};
	const char *handle, *suffix;

	*force = (mf_kind)-1;
	if (!tag)
		return 0;
	handle = fy_tag_token_handle0(tag);
	suffix = fy_tag_token_suffix0(tag);
	for (size_t i = 0; handle && suffix && !strcmp(handle, "!!") && i < MF_NELEM(core); i++)
		if (!strcmp(suffix, core[i].suffix))
			return (*force = core[i].kind), 0;
	b->failed = true;
	return mf_error(b->c, pos, "yaml-tag",
			"tag '%s%s' is not supported: manifold reads plain YAML data only",
			handle ? handle : "", suffix ? suffix : "");
}

static mf_node *scalar_node(builder *b, struct fy_event *e)
{
	struct fy_token *t = e->scalar.value;
	size_t len = 0;
	const char *text = fy_token_get_text(t, &len);
	mf_pos pos = event_pos(b, e);
	enum fy_scalar_style style = fy_token_scalar_style(t);
	mf_kind force;
	mf_node *n;

	if (len > MF_MAX_SCALAR_BYTES) {
		b->failed = true;
		mf_error(b->c, pos, "yaml-limit",
			 "scalar of %zu bytes is larger than the limit of %u bytes", len,
			 MF_MAX_SCALAR_BYTES);
		return NULL;
	}
	/* the source is clean UTF-8 (load checked it) and escapes decode to UTF-8,
	 * so a NUL comes from a "\0" escape and anything else is libfyaml handing
	 * back memory past the text */
	if (text && style == FYSS_DOUBLE_QUOTED && memchr(text, '\0', len)) {
		b->failed = true;
		mf_error(b->c, pos, "yaml-nul", "scalar holds a NUL character");
		return NULL;
	}
	if (text && !mf_text_clean((const unsigned char *)text, len)) {
		b->failed = true;
		mf_error(b->c, pos, "yaml-misread",
			 "libfyaml read this scalar as text the file does not hold: indent a block "
			 "scalar's lines more than its key");
		return NULL;
	}
	n = mf_new_strn(b->c->a, text ? text : "", len, pos);
	if (!n || check_tag(b, e->scalar.tag, pos, &force) < 0)
		return n;
	if (style == FYSS_PLAIN && force == (mf_kind)-1)
		resolve_plain(b, n);
	else if (style != FYSS_PLAIN)
		n->flags |= MF_QUOTED;
	if (style == FYSS_LITERAL)
		n->flags |= MF_BLOCK;
	if (force != (mf_kind)-1 && force != MF_STR)
		resolve_plain(b, n);
	return n;
}

/* ---- anchors and aliases ------------------------------------------------- */

static size_t tree_weight(const mf_node *n, size_t cap)
{
	size_t w = 1;

	for (size_t i = 0; n && i < n->n && w < cap; i++)
		w += tree_weight(n->kind == MF_SEQ ? n->items[i] : n->pairs[i].val, cap - w);
	return w;
}

static void add_anchor(builder *b, struct fy_token *tok, mf_node *n)
{
	anchor *grown;

	if (!tok || !n)
		return;
	if (!(grown = mf_grow(b->c->a, b->anchors, b->nanchors, &b->capanchors, sizeof *grown)))
		return;
	b->anchors = grown;
	b->anchors[b->nanchors].name = mf_strdup(b->c->a, fy_token_get_text0(tok));
	b->anchors[b->nanchors].node = n;
	b->anchors[b->nanchors].weight = 0; /* computed when the node is complete */
	b->nanchors++;
}

/* The latest anchor of that name wins, as YAML says. */
static anchor *find_anchor(builder *b, const char *name)
{
	for (size_t i = b->nanchors; i-- > 0;)
		if (!strcmp(b->anchors[i].name, name))
			return &b->anchors[i];
	return NULL;
}

static void mark_shared(mf_node *n)
{
	if (!n || (n->flags & MF_SHARED))
		return;
	n->flags |= MF_SHARED;
	for (size_t i = 0; i < n->n; i++)
		mark_shared(n->kind == MF_SEQ ? n->items[i] : n->pairs[i].val);
}

static mf_node *alias_node(builder *b, struct fy_event *e)
{
	const char *name = fy_token_get_text0(e->alias.anchor);
	anchor *an = name ? find_anchor(b, name) : NULL;
	mf_pos pos = event_pos(b, e);

	if (!an) {
		b->failed = true;
		mf_error(b->c, pos, "yaml-alias", "unknown anchor '%s'", name ? name : "");
		return NULL;
	}
	/* an anchor on a collection still being read: the alias would make the
	 * tree contain itself */
	for (unsigned i = 0; i < b->depth; i++) {
		if (b->stack[i].node != an->node)
			continue;
		b->failed = true;
		mf_error(b->c, pos, "yaml-alias", "alias '*%s' refers to a node that contains it",
			 name);
		return NULL;
	}
	if (!an->weight)
		an->weight = tree_weight(an->node, MF_MAX_ALIAS_NODES + 1);
	b->expanded += an->weight;
	if (b->expanded > MF_MAX_ALIAS_NODES) {
		b->failed = true;
		mf_error(b->c, pos, "yaml-alias",
			 "aliases expand to more than %u nodes: refusing what looks like an alias "
			 "bomb",
			 MF_MAX_ALIAS_NODES);
		return NULL;
	}
	mark_shared(an->node);
	return an->node;
}

/* ---- mappings: duplicate keys and merge keys ----------------------------- */

static const mf_pair *pair_named(const mf_node *map, const char *key, size_t upto)
{
	for (size_t i = 0; i < upto; i++)
		if (!strcmp(map->pairs[i].key, key))
			return &map->pairs[i];
	return NULL;
}

static int add_pair(builder *b, mf_node *map, const char *key, mf_pos kpos, mf_node *val)
{
	const mf_pair *prev = map->n < 64 ? pair_named(map, key, map->n) : NULL;

	if (prev) {
		mf_diag *d = mf_diag_add(b->c, MF_SEV_ERROR, kpos, "yaml-duplicate-key",
					 "duplicate key '%s'", key);
		if (d)
			mf_diag_note(b->c, d, "first defined at line %u", prev->pos.line);
		b->failed = true;
		return -1;
	}
	return mf_map_add(b->c->a, map, key, kpos, val);
}

static int cmp_pair_ptr(const void *x, const void *y)
{
	const mf_pair *const *p = x, *const *q = y;
	int r = strcmp((*p)->key, (*q)->key);

	if (r)
		return r;
	return (*p < *q) ? -1 : (*p > *q);
}

/* Large maps (a thousand services) are checked once, sorted, at their end,
 * so duplicate detection stays O(n log n). */
static void check_big_map(builder *b, mf_node *map)
{
	const mf_pair **v;

	if (map->n <= 64 || !(v = mf_alloc(b->c->a, map->n * sizeof *v)))
		return;
	for (size_t i = 0; i < map->n; i++)
		v[i] = &map->pairs[i];
	mf_qsort(v, map->n, sizeof *v, cmp_pair_ptr);
	for (size_t i = 1; i < map->n; i++) {
		if (strcmp(v[i]->key, v[i - 1]->key))
			continue;
		mf_diag *d = mf_diag_add(b->c, MF_SEV_ERROR, v[i]->pos, "yaml-duplicate-key",
					 "duplicate key '%s'", v[i]->key);
		if (d)
			mf_diag_note(b->c, d, "first defined at line %u", v[i - 1]->pos.line);
		b->failed = true;
	}
}

static int merge_from(builder *b, mf_node *dst, const mf_node *src, mf_pos pos)
{
	if (!src || src->kind != MF_MAP) {
		b->failed = true;
		return mf_error(b->c, pos, "yaml-merge",
				"a merge key '<<' takes a mapping or a list of mappings");
	}
	for (size_t i = 0; i < src->n; i++)
		if (!mf_get_pair(dst, src->pairs[i].key) &&
		    mf_map_add(b->c->a, dst, src->pairs[i].key, src->pairs[i].pos,
			       src->pairs[i].val) < 0)
			return -1;
	return 0;
}

/* `<<: *base` or `<<: [*a, *b]`: keys written in the mapping win, then the
 * merged mappings in order, as the YAML merge-key convention says. */
static void apply_merges(builder *b, mf_node *map)
{
	const mf_pair *m = mf_get_pair(map, "<<");
	mf_node *val;

	if (!m)
		return;
	val = m->val;
	if (!mf_map_del(map, "<<"))
		return;
	if (val && val->kind == MF_SEQ) {
		for (size_t i = 0; i < val->n; i++)
			if (merge_from(b, map, val->items[i],
				       val->items[i] ? val->items[i]->pos : m->pos) < 0)
				return;
	} else {
		merge_from(b, map, val, m->pos);
	}
}

/* ---- the event loop ------------------------------------------------------ */

static int attach(builder *b, mf_node *n, mf_pos pos)
{
	frame *f;

	if (!n)
		return -1;
	if (b->depth == 0)
		return mf_seq_push(b->c->a, b->docs, n);
	f = &b->stack[b->depth - 1];
	if (f->node->kind == MF_SEQ)
		return mf_seq_push(b->c->a, f->node, n);
	if (!f->has_key) {
		if (n->kind == MF_SEQ || n->kind == MF_MAP) {
			b->failed = true;
			return mf_error(b->c, pos, "yaml-key",
					"mapping keys must be plain strings, not collections");
		}
		if (n->kind == MF_NULL && !(n->flags & MF_QUOTED) && !*n->str) {
			b->failed = true;
			return mf_error(b->c, pos, "yaml-key", "empty mapping key");
		}
		f->key = n->str;
		f->kpos = pos;
		f->has_key = true;
		return 0;
	}
	f->has_key = false;
	return add_pair(b, f->node, f->key, f->kpos, n);
}

static int open_collection(builder *b, struct fy_event *e, mf_kind kind)
{
	mf_pos pos = event_pos(b, e);
	struct fy_token *tag = kind == MF_MAP ? e->mapping_start.tag : e->sequence_start.tag;
	struct fy_token *anc = kind == MF_MAP ? e->mapping_start.anchor : e->sequence_start.anchor;
	mf_kind force;
	mf_node *n;

	if (b->depth >= MF_MAX_DEPTH) {
		b->failed = true;
		return mf_error(b->c, pos, "yaml-limit", "nesting deeper than %u levels",
				MF_MAX_DEPTH);
	}
	if (check_tag(b, tag, pos, &force) < 0)
		return -1;
	n = kind == MF_MAP ? mf_new_map(b->c->a, pos) : mf_new_seq(b->c->a, pos);
	if (!n || attach(b, n, pos) < 0)
		return -1;
	add_anchor(b, anc, n);
	b->stack[b->depth].node = n;
	b->stack[b->depth].has_key = false;
	b->depth++;
	return 0;
}

static int close_collection(builder *b)
{
	mf_node *n;

	if (!b->depth)
		return -1;
	n = b->stack[--b->depth].node;
	if (n->kind == MF_MAP) {
		apply_merges(b, n);
		check_big_map(b, n);
	}
	return 0;
}

static int on_scalar(builder *b, struct fy_event *e)
{
	mf_node *n = scalar_node(b, e);

	if (!n)
		return -1;
	add_anchor(b, e->scalar.anchor, n);
	return attach(b, n, n->pos);
}

static int on_event(builder *b, struct fy_event *e, bool multi)
{
	switch (e->type) {
	case FYET_DOCUMENT_START:
		if (!multi && b->docs->n > 0) {
			b->failed = true;
			return mf_error(b->c, event_pos(b, e), "yaml-multi-document",
					"a second document in one file: "
					"a description is one YAML document");
		}
		return 0;
	case FYET_MAPPING_START:
		return open_collection(b, e, MF_MAP);
	case FYET_SEQUENCE_START:
		return open_collection(b, e, MF_SEQ);
	case FYET_MAPPING_END:
	case FYET_SEQUENCE_END:
		return close_collection(b);
	case FYET_SCALAR:
		return on_scalar(b, e);
	case FYET_ALIAS: {
		mf_node *n = alias_node(b, e);
		return n ? attach(b, n, event_pos(b, e)) : -1;
	}
	default:
		return 0;
	}
}

/* libfyaml reports syntax errors through a diag object: we keep its text
 * (never printed) and turn the first error into ours, at its position. */
typedef struct syntax {
	char msg[512];
	int line, col;
	bool seen;
} syntax;

/* The first s in the len bytes at buf, or NULL. */
static const char *find_in(const char *buf, size_t len, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(buf + i, s, n))
			return buf + i;
	return NULL;
}

/* buf holds len bytes and is not NUL-terminated: every scan is bounded. */
static void capture(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
	syntax *sx = user;
	const char *err = find_in(buf, len, ": error: "), *msg, *nl, *p;

	if (sx->seen || !err)
		return;
	/* "<input>:LINE:COL: error: MESSAGE\n..." */
	for (p = err - 1; p > buf && *p != ':'; p--)
		;
	sx->col = atoi(p + 1);
	while (p > buf && *--p != ':')
		;
	sx->line = atoi(p + 1);
	msg = err + 9;
	nl = memchr(msg, '\n', (size_t)(buf + len - msg));
	snprintf(sx->msg, sizeof sx->msg, "%.*s", (int)((nl ? nl : buf + len) - msg), msg);
	sx->seen = true;
}

static void syntax_error(builder *b, const syntax *sx)
{
	mf_pos pos = {b->file, 1, 1};

	if (sx->seen && sx->line > 0) {
		pos.line = (uint32_t)sx->line;
		pos.col = (uint32_t)(sx->col > 0 ? sx->col : 1);
	}
	mf_error(b->c, pos, "yaml-syntax", "%s", sx->seen ? sx->msg : "invalid YAML");
}

static struct fy_parser *make_parser(const mf_source *src, syntax *sx)
{
	struct fy_parse_cfg cfg;
	struct fy_diag_cfg dcfg;
	struct fy_parser *p;

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = capture;
	dcfg.user = sx;
	dcfg.colorize = false;
	dcfg.show_source = false;
	memset(&cfg, 0, sizeof cfg);
	cfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 | FYPCF_ALLOW_DUPLICATE_KEYS;
	cfg.diag = fy_diag_create(&dcfg);
	if (!cfg.diag)
		return NULL;
	/* collected, not displayed: libfyaml's display of an error's source line
	 * overruns its row buffer on long runs of tabs (fuzz_load, 0.7.12) */
	fy_diag_set_collect_errors(cfg.diag, true);
	p = fy_parser_create(&cfg);
	fy_diag_unref(cfg.diag);
	if (p && fy_parser_set_string(p, src->text, src->len) != 0) {
		fy_parser_destroy(p);
		return NULL;
	}
	return p;
}

/* The first error the parser's diag collected (make_parser), unless one was
 * captured from its text: "LINE:COL" 1-based and the message, as captured.
 * Then drops them all: only destroying a diag would, and the parser's
 * reference is not ours to destroy. */
static void take_collected(struct fy_parser *p, syntax *sx, bool want)
{
	struct fy_diag *diag = fy_parser_get_diag(p);
	void *it = NULL;
	struct fy_diag_error *e;

	while (want && !sx->seen && diag && (e = fy_diag_errors_iterate(diag, &it)) != NULL) {
		if (e->type != FYET_ERROR || !e->msg)
			continue;
		sx->line = e->line;
		sx->col = e->column;
		snprintf(sx->msg, sizeof sx->msg, "%s", e->msg);
		sx->seen = true;
	}
	if (diag) {
		fy_diag_reset_error(diag);
		fy_diag_unref(diag);
	}
}

static int run_events(builder *b, struct fy_parser *p, bool multi, syntax *sx)
{
	struct fy_event *e;
	int rc = 0;

	while ((e = fy_parser_parse(p)) != NULL) {
		if (rc == 0 && on_event(b, e, multi) < 0)
			rc = -1;
		fy_parser_event_free(p, e);
		if (rc < 0)
			break;
	}
	bool failed = rc == 0 && fy_parser_get_stream_error(p);

	take_collected(p, sx, failed);
	if (failed) {
		syntax_error(b, sx);
		rc = -1;
	}
	return rc;
}

/* The MF_SEQ of document roots libfyaml reads, or NULL after diagnostics. */
mf_node *mf_yaml_parse_full(mf_ctx *c, uint32_t file, bool multi)
{
	const mf_source *src = mf_source_get(c, file);
	builder b;
	syntax sx;
	struct fy_parser *p;
	int rc;

	if (!src)
		return NULL;
	memset(&b, 0, sizeof b);
	b.c = c;
	b.file = file;
	b.docs = mf_new_seq(c->a, (mf_pos){file, 1, 1});
	memset(&sx, 0, sizeof sx);
	p = b.docs ? make_parser(src, &sx) : NULL;
	if (!p) {
		mf_error(c, MF_NOPOS, "internal", "out of memory");
		return NULL;
	}
	rc = run_events(&b, p, multi, &sx);
	fy_parser_destroy(p);
	return rc < 0 || b.failed ? NULL : b.docs;
}

/* The fast path first (yaml_fast.c): what it does not take, it leaves to
 * libfyaml having said nothing, so every diagnostic is libfyaml's. */
mf_node *mf_yaml_parse(mf_ctx *c, uint32_t file, bool multi)
{
	mf_node *docs = mf_yaml_fast(c, file, multi);

	if (!docs && !(docs = mf_yaml_parse_full(c, file, multi)))
		return NULL;
	if (multi)
		return docs;
	if (docs->n == 0 || docs->items[0]->kind == MF_NULL) {
		mf_error(c, (mf_pos){file, 1, 1}, "yaml-empty", "the file holds no YAML document");
		return NULL;
	}
	return docs->items[0];
}
