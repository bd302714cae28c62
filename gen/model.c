/* model: the arena, the positioned node tree, its builders, lookups, merge and compare */
#include "model.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* make asan: a node array kept for reuse is poisoned, so a pointer into a
 * node's old array that is used after the node grew fails the tests. */
#if defined(__SANITIZE_ADDRESS__) || defined(__has_feature)
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define KEPT(p, n) ASAN_POISON_MEMORY_REGION((char *)(p) + sizeof(void *), (n) - sizeof(void *))
#define REUSED(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#endif
#endif
#ifndef KEPT
#define KEPT(p, n) ((void)(p), (void)(n))
#define REUSED(p, n) ((void)(p), (void)(n))
#endif

/* ---- arena ------------------------------------------------------------------ */

enum {
	CHUNK_SIZE = 64 * 1024,
	BIG_ALLOC = CHUNK_SIZE / 4, /* larger requests get a chunk of their own */
	ALIGNMENT = 16,
};

typedef struct mf_chunk {
	struct mf_chunk *next;
	size_t used, cap;
	unsigned char data[];
} mf_chunk;

struct mf_arena {
	mf_chunk *head; /* small allocations bump from here; big chunks sit behind it */
	size_t fail_in; /* mf_arena_fail_once(): allocations until one fails, 0 = none */
	mf_hash keys;   /* map keys, kept once each (intern_key) */
	/* Arrays of map pairs and sequence items left behind by grow_node,
	 * by size: free[k] holds blocks of 2^k bytes, linked through their
	 * first word.  Only node arrays are reused: nothing keeps a pointer into
	 * a node's old array once the node has a new one. */
	void *free[48];
	mf_budget *budget; /* shared with the run's other arenas, or NULL: no limit */
};

static bool charge(mf_budget *b, size_t bytes);
static void uncharge_bytes(mf_budget *b, size_t bytes);
static void uncharge(mf_budget *b, const mf_chunk *c);
static void move_charges(mf_arena *a, mf_arena *b);

mf_arena *mf_arena_new(void)
{
	return calloc(1, sizeof(mf_arena));
}

void mf_arena_free(mf_arena *a)
{
	if (!a)
		return;
	for (mf_chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		uncharge(a->budget, c);
		free(c);
	}
	free(a);
}

/* calloc'd, so every allocation is zeroed: memory is never reused.  Within
 * the arena's budget, if it has one. */
static mf_chunk *chunk_new(mf_arena *a, size_t cap)
{
	mf_chunk *c;

	if (!charge(a->budget, sizeof(mf_chunk) + cap))
		return NULL;
	if (!(c = calloc(1, sizeof(mf_chunk) + cap))) {
		uncharge_bytes(a->budget, sizeof(mf_chunk) + cap);
		return NULL;
	}
	c->cap = cap;
	return c;
}

/* aligns on the real address: malloc's alignment and the header size vary */
static void *bump(mf_chunk *c, size_t size)
{
	uintptr_t base = (uintptr_t)c->data;
	size_t off = ((base + c->used + ALIGNMENT - 1) & ~(uintptr_t)(ALIGNMENT - 1)) - base;
	if (off > c->cap || size > c->cap - off)
		return NULL;
	c->used = off + size;
	return c->data + off;
}

static void *big_alloc(mf_arena *a, size_t size)
{
	mf_chunk *c = chunk_new(a, size + ALIGNMENT - 1);
	if (!c)
		return NULL;
	/* behind the head, so the head's free space stays in use */
	if (a->head) {
		c->next = a->head->next;
		a->head->next = c;
	} else {
		a->head = c;
	}
	return bump(c, size);
}

size_t mf_arena_fail_once(mf_arena *a, size_t n)
{
	size_t left = a->fail_in;

	a->fail_in = n == SIZE_MAX ? 0 : n + 1;
	return left;
}

void mf_arena_adopt(mf_arena *a, mf_arena *b)
{
	mf_chunk *last = b ? b->head : NULL;

	if (!last) {
		free(b);
		return;
	}
	move_charges(a, b);
	while (last->next)
		last = last->next;
	/* behind a's head, like a big chunk, so a keeps bumping where it was */
	if (a->head) {
		last->next = a->head->next;
		a->head->next = b->head;
	} else {
		a->head = b->head;
	}
	free(b); /* its key table lives in the chunks a now has */
}

static int cmp_span(const void *x, const void *y)
{
	uintptr_t a = ((const mf_span *)x)->lo, b = ((const mf_span *)y)->lo;

	return (a > b) - (a < b);
}

mf_span *mf_arena_spans(const mf_arena *a, size_t *n)
{
	size_t k = 0;
	mf_span *v;

	*n = 0;
	for (const mf_chunk *c = a ? a->head : NULL; c; c = c->next)
		k++;
	if (!(v = malloc((k + 1) * sizeof *v)))
		return NULL;
	for (const mf_chunk *c = a ? a->head : NULL; c; c = c->next)
		v[(*n)++] = (mf_span){(uintptr_t)c->data, (uintptr_t)c->data + c->cap};
	mf_qsort(v, *n, sizeof *v, cmp_span);
	return v;
}

bool mf_spans_have(const mf_span *v, size_t n, const void *p)
{
	uintptr_t q = (uintptr_t)p;
	size_t lo = 0, hi = n;

	/* the last span starting at or before q is the only one that can hold it */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].lo <= q)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && q < v[lo - 1].hi;
}

void *mf_alloc(mf_arena *a, size_t size)
{
	if (!a || size > SIZE_MAX - sizeof(mf_chunk) - ALIGNMENT)
		return NULL;
	if (a->fail_in && --a->fail_in == 0)
		return NULL;
	if (size == 0)
		size = 1; /* distinct pointers, like malloc */
	if (size > BIG_ALLOC)
		return big_alloc(a, size);
	void *p = a->head ? bump(a->head, size) : NULL;
	if (p)
		return p;
	mf_chunk *c = chunk_new(a, CHUNK_SIZE);
	if (!c)
		return NULL;
	c->next = a->head;
	a->head = c;
	return bump(c, size);
}

char *mf_strndup(mf_arena *a, const char *s, size_t n)
{
	if (!s)
		return NULL;
	const char *nul = memchr(s, '\0', n);
	if (nul)
		n = (size_t)(nul - s);
	char *d = mf_alloc(a, n + 1);
	if (d)
		memcpy(d, s, n); /* zeroed: already terminated */
	return d;
}

char *mf_strdup(mf_arena *a, const char *s)
{
	return s ? mf_strndup(a, s, strlen(s)) : NULL;
}

/* Most texts made here are paths and names under a hundred bytes: printed
 * once into a buffer on the stack, not measured first and printed again
 * (the checks make one for every container of every rule: a tenth of lint). */
char *mf_vprintf(mf_arena *a, const char *fmt, va_list ap)
{
	char small[256];
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof small, fmt, ap2);
	va_end(ap2);
	char *s = n >= 0 ? mf_alloc(a, (size_t)n + 1) : NULL;
	if (s && (size_t)n < sizeof small)
		memcpy(s, small, (size_t)n);
	else if (s)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *mf_printf(mf_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = mf_vprintf(a, fmt, ap);
	va_end(ap);
	return s;
}

/* ---- floats ------------------------------------------------------------------- */

/* Shortest decimal digits of f >= 0 that read back exactly; returns the
 * decimal exponent.  Digits are taken from "%.*e" whatever the locale's
 * decimal point is (strtod reads back in the same locale). */
static int shortest_digits(double f, char *dig, int *ndig)
{
	char tmp[48];
	for (int prec = 0; prec < 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	const char *p = tmp;
	int n = 0;
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			dig[n++] = *p;
	while (n > 1 && dig[n - 1] == '0')
		n--;
	*ndig = n;
	return *p == 'e' ? atoi(p + 1) : 0;
}

static size_t fmt_positional(char *out, const char *dig, int nd, int e)
{
	size_t o = 0;
	if (e < 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (int i = 0; i < -e - 1; i++)
			out[o++] = '0';
		for (int i = 0; i < nd; i++)
			out[o++] = dig[i];
		return o;
	}
	for (int i = 0; i <= e; i++)
		out[o++] = i < nd ? dig[i] : '0';
	out[o++] = '.';
	if (nd <= e + 1)
		out[o++] = '0';
	for (int i = e + 1; i < nd; i++)
		out[o++] = dig[i];
	return o;
}

/* "1.0e+20": YAML 1.1 wants a '.' and a signed exponent to call it a float */
static size_t fmt_scientific(char *out, const char *dig, int nd, int e)
{
	size_t o = 0;
	out[o++] = dig[0];
	out[o++] = '.';
	if (nd == 1)
		out[o++] = '0';
	for (int i = 1; i < nd; i++)
		out[o++] = dig[i];
	o += (size_t)snprintf(out + o, 8, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
	return o;
}

char *mf_fmt_float(char *buf, size_t size, double f)
{
	char out[48], dig[24];
	size_t o = 0;
	int nd;
	if (isnan(f) || isinf(f)) {
		const char *special = isnan(f) ? ".nan" : f < 0 ? "-.inf" : ".inf";
		o = strlen(special);
		memcpy(out, special, o);
	} else {
		int e = shortest_digits(fabs(f), dig, &nd);
		if (signbit(f))
			out[o++] = '-';
		if (e >= -4 && e < 16)
			o += fmt_positional(out + o, dig, nd, e);
		else
			o += fmt_scientific(out + o, dig, nd, e);
	}
	out[o] = '\0';
	if (size)
		snprintf(buf, size, "%s", out);
	return buf;
}

/* ---- constructors ------------------------------------------------------------- */

mf_node *mf_new(mf_arena *a, mf_kind kind, mf_pos pos)
{
	mf_node *n = mf_alloc(a, sizeof *n);
	if (a && a->budget && pos.file)
		a->budget->last = pos;
	if (n) {
		n->kind = kind;
		n->pos = pos;
	}
	return n;
}

/* a NULL string builds a null node, so mf_get_str()'s "missing" carries over */
mf_node *mf_new_strn(mf_arena *a, const char *s, size_t n, mf_pos pos)
{
	if (!s)
		return mf_new(a, MF_NULL, pos);
	mf_node *node = mf_new(a, MF_STR, pos);
	char *copy = mf_strndup(a, s, n);
	if (!node || !copy)
		return NULL;
	node->str = copy;
	node->len = strlen(copy);
	return node;
}

mf_node *mf_new_str(mf_arena *a, const char *s, mf_pos pos)
{
	return mf_new_strn(a, s, s ? strlen(s) : 0, pos);
}

static mf_node *new_scalar(mf_arena *a, mf_kind kind, const char *text, mf_pos pos)
{
	mf_node *n = mf_new(a, kind, pos);
	if (!n || !text)
		return NULL;
	n->str = text;
	n->len = strlen(text);
	return n;
}

mf_node *mf_new_int(mf_arena *a, long long i, mf_pos pos)
{
	mf_node *n = new_scalar(a, MF_INT, mf_printf(a, "%lld", i), pos);
	if (n)
		n->v.i = i;
	return n;
}

mf_node *mf_new_float(mf_arena *a, double f, mf_pos pos)
{
	char buf[48];
	mf_node *n = new_scalar(a, MF_FLOAT, mf_strdup(a, mf_fmt_float(buf, sizeof buf, f)), pos);
	if (n)
		n->v.f = f;
	return n;
}

mf_node *mf_new_bool(mf_arena *a, bool b, mf_pos pos)
{
	mf_node *n = new_scalar(a, MF_BOOL, b ? "true" : "false", pos);
	if (n)
		n->v.b = b;
	return n;
}

mf_node *mf_new_map(mf_arena *a, mf_pos pos)
{
	return mf_new(a, MF_MAP, pos);
}

mf_node *mf_new_seq(mf_arena *a, mf_pos pos)
{
	return mf_new(a, MF_SEQ, pos);
}

/* ---- sequences and maps ----------------------------------------------------------- */

/* Doubling into a fresh block leaves the old one to the arena, which frees
 * it with everything else: arena arrays need no release. */
void *mf_grow(mf_arena *a, void *old, size_t n, size_t *cap, size_t elem)
{
	if (n < *cap)
		return old;
	size_t ncap = *cap ? *cap * 2 : 4;
	while (ncap <= n)
		ncap *= 2;
	if (ncap > SIZE_MAX / elem)
		return NULL;
	void *p = mf_alloc(a, ncap * elem);
	if (!p)
		return NULL;
	if (n)
		memcpy(p, old, n * elem);
	*cap = ncap;
	return p;
}

/* mf_grow for a node's own array (items or pairs): a block the node grows
 * out of is kept for the next node that needs one of its size, and a node
 * that needs one takes it from there first.  Half of the pair arrays of a
 * run were blocks left behind by doubling. */
static unsigned size_class(size_t bytes)
{
	unsigned k = 0;

	while (k < MF_NELEM(((mf_arena *)0)->free) && ((size_t)1 << k) < bytes)
		k++;
	return ((size_t)1 << k) == bytes ? k : UINT_MAX;
}

static void *grow_node(mf_arena *a, void *old, size_t n, size_t *cap, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 4;
	unsigned k = n < *cap || ncap > SIZE_MAX / elem ? UINT_MAX : size_class(ncap * elem);
	unsigned oldk = *cap ? size_class(*cap * elem) : UINT_MAX;
	void *p;

	if (k == UINT_MAX || !a || !a->free[k] || (a->fail_in && a->fail_in == 1))
		p = mf_grow(a, old, n, cap, elem);
	else {
		p = a->free[k];
		a->free[k] = *(void **)p;
		REUSED(p, ncap * elem);
		memset(p, 0, ncap * elem);
		if (n)
			memcpy(p, old, n * elem);
		*cap = ncap;
	}
	if (p && p != old && old && oldk != UINT_MAX && a) {
		*(void **)old = a->free[oldk];
		a->free[oldk] = old;
		KEPT(old, (size_t)1 << oldk);
	}
	return p;
}

/* ---- frozen trees ------------------------------------------------------------------ */

#ifdef MF_FREEZE
static void writable(const mf_node *n)
{
	if (n && (n->flags & MF_FROZEN)) {
		fprintf(stderr,
			"manifold: internal error: a later stage changes a node of line %u\n",
			n->pos.line);
		abort();
	}
}

void mf_freeze(const mf_node *n)
{
	mf_node *w = (mf_node *)n; /* the flag is bookkeeping, not the node's value */

	if (!w || (w->flags & MF_FROZEN))
		return;
	w->flags |= MF_FROZEN;
	for (size_t i = 0; w->kind == MF_SEQ && i < w->n; i++)
		mf_freeze(w->items[i]);
	for (size_t i = 0; w->kind == MF_MAP && i < w->n; i++)
		mf_freeze(w->pairs[i].val);
}
#else
static void writable(const mf_node *n)
{
	(void)n;
}

void mf_freeze(const mf_node *n)
{
	(void)n;
}
#endif

int mf_seq_push(mf_arena *a, mf_node *seq, mf_node *item)
{
	if (!seq || seq->kind != MF_SEQ || !item)
		return -1;
	writable(seq);
	mf_node **items = grow_node(a, seq->items, seq->n, &seq->cap, sizeof *items);
	if (!items)
		return -1;
	seq->items = items;
	items[seq->n++] = item;
	return 0;
}

/* Maps of more than INDEX_MIN pairs (a thousand services, a chart's values)
 * carry an open-addressing hash of their keys, so lookups and mf_map_set stay
 * constant-time; smaller maps are scanned.  Slots hold pair index + 1 and the
 * first pair of a key wins, as a scan would find it.  Deleting or sorting
 * drops the index; the next add rebuilds it. */
#define INDEX_MIN 16

struct mf_index {
	size_t cap; /* a power of two, at least twice the pairs */
	size_t *slot;
};

/* FNV-1a, for map keys and mf_hash keys alike */
static size_t key_hash(const void *key, size_t len)
{
	const unsigned char *k = key;
	size_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ k[i]) * 1099511628211ULL;
	return h;
}

/* The first byte first: most keys a lookup passes differ there, and most
 * maps are small enough to be scanned (the hot path of every stage). */
static bool key_is(const mf_pair *p, const char *key, size_t klen)
{
	return (klen == 0 || p->key[0] == key[0]) && strncmp(p->key, key, klen) == 0 &&
	       p->key[klen] == '\0';
}

static void index_put(mf_node *map, size_t i)
{
	struct mf_index *x = map->index;
	const char *k = map->pairs[i].key;
	size_t len = strlen(k), h = key_hash(k, len) & (x->cap - 1);

	for (; x->slot[h]; h = (h + 1) & (x->cap - 1))
		if (key_is(&map->pairs[x->slot[h] - 1], k, len))
			return;
	x->slot[h] = i + 1;
}

static void index_build(mf_arena *a, mf_node *map)
{
	struct mf_index *x = mf_alloc(a, sizeof *x);
	size_t cap = 64;

	while (cap < 2 * map->cap)
		cap *= 2;
	map->index = NULL;
	if (!x || !(x->slot = mf_alloc(a, cap * sizeof *x->slot)))
		return;
	x->cap = cap;
	map->index = x;
	for (size_t i = 0; i < map->n; i++)
		index_put(map, i);
}

/* A map key in the arena: every map of a run holds the same few hundred
 * keys over and over, so each text is kept once (keys are never changed). */
static const char *intern_key(mf_arena *a, const char *key)
{
	const char *k = mf_hash_get_str(&a->keys, key), *copy;

	if (k)
		return k;
	if (!(copy = mf_strdup(a, key)))
		return NULL;
	return mf_hash_put_str(a, &a->keys, copy, (void *)copy);
}

int mf_map_add(mf_arena *a, mf_node *map, const char *key, mf_pos kpos, mf_node *val)
{
	if (!map || map->kind != MF_MAP || !key || !val)
		return -1;
	writable(map);
	const char *k = intern_key(a, key); /* callers may pass stack buffers */
	if (!k)
		return -1; /* before mf_grow: a grown block must be kept once cap says so */
	mf_pair *pairs = grow_node(a, map->pairs, map->n, &map->cap, sizeof *pairs);
	if (!pairs)
		return -1;
	map->pairs = pairs;
	pairs[map->n++] = (mf_pair){.key = k, .pos = kpos, .val = val};
	if (map->n > INDEX_MIN && (!map->index || 2 * map->n > map->index->cap))
		index_build(a, map);
	else if (map->index)
		index_put(map, map->n - 1);
	return 0;
}

static mf_pair *find_pair(const mf_node *map, const char *key, size_t klen)
{
	if (!map || map->kind != MF_MAP || !key)
		return NULL;
	if (map->index) {
		const struct mf_index *x = map->index;
		for (size_t h = key_hash(key, klen) & (x->cap - 1); x->slot[h];
		     h = (h + 1) & (x->cap - 1))
			if (key_is(&map->pairs[x->slot[h] - 1], key, klen))
				return &map->pairs[x->slot[h] - 1];
		return NULL;
	}
	for (size_t i = 0; i < map->n; i++)
		if (key_is(&map->pairs[i], key, klen))
			return &map->pairs[i];
	return NULL;
}

int mf_map_set(mf_arena *a, mf_node *map, const char *key, mf_node *val)
{
	if (!key || !val)
		return -1;
	mf_pair *p = find_pair(map, key, strlen(key));
	if (!p)
		return mf_map_add(a, map, key, val->pos, val);
	writable(map);
	p->val = val;
	return 0;
}

/* removes every pair with that key (there can be several: mf_map_add does not check) */
bool mf_map_del(mf_node *map, const char *key)
{
	if (!map || map->kind != MF_MAP || !key)
		return false;
	writable(map);
	size_t j = 0;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->pairs[i].key, key) != 0)
			map->pairs[j++] = map->pairs[i];
	bool found = j != map->n;
	map->n = j;
	if (found)
		map->index = NULL;
	return found;
}

int mf_map_set_str(mf_arena *a, mf_node *map, const char *key, const char *s, mf_pos pos)
{
	return mf_map_set(a, map, key, mf_new_str(a, s, pos));
}

int mf_map_set_int(mf_arena *a, mf_node *map, const char *key, long long i, mf_pos pos)
{
	return mf_map_set(a, map, key, mf_new_int(a, i, pos));
}

int mf_map_set_bool(mf_arena *a, mf_node *map, const char *key, bool b, mf_pos pos)
{
	return mf_map_set(a, map, key, mf_new_bool(a, b, pos));
}

/* An existing child of another kind is replaced: the caller is building
 * that key as a collection, and NULL must keep meaning OOM. */
static mf_node *child_of_kind(mf_arena *a, mf_node *map, const char *key, mf_pos pos, mf_kind kind)
{
	if (!map || map->kind != MF_MAP || !key)
		return NULL;
	mf_node *old = mf_get(map, key);
	if (old && old->kind == kind)
		return old;
	mf_node *n = mf_new(a, kind, pos);
	if (!n)
		return NULL;
	mf_pair *p = find_pair(map, key, strlen(key));
	if (p) {
		p->val = n;
		return n;
	}
	return mf_map_add(a, map, key, pos, n) == 0 ? n : NULL;
}

mf_node *mf_map_child(mf_arena *a, mf_node *map, const char *key, mf_pos pos)
{
	return child_of_kind(a, map, key, pos, MF_MAP);
}

mf_node *mf_map_child_seq(mf_arena *a, mf_node *map, const char *key, mf_pos pos)
{
	return child_of_kind(a, map, key, pos, MF_SEQ);
}

/* ---- the tree builder ------------------------------------------------------------- */

mf_node *mf_tb_check(mf_tb *b, mf_node *n)
{
	b->failed |= !n;
	return n;
}

mf_node *mf_tb_map(mf_tb *b, mf_pos pos)
{
	return mf_tb_check(b, mf_new(b->a, MF_MAP, pos));
}

mf_node *mf_tb_seq(mf_tb *b, mf_pos pos)
{
	return mf_tb_check(b, mf_new(b->a, MF_SEQ, pos));
}

mf_node *mf_tb_null(mf_tb *b, mf_pos pos)
{
	return mf_tb_check(b, mf_new(b->a, MF_NULL, pos));
}

mf_node *mf_tb_str(mf_tb *b, const char *s, mf_pos pos)
{
	return s ? mf_tb_check(b, mf_new_str(b->a, s, pos)) : NULL;
}

mf_node *mf_tb_strn(mf_tb *b, const char *s, size_t n, mf_pos pos)
{
	return s ? mf_tb_check(b, mf_new_strn(b->a, s, n, pos)) : NULL;
}

mf_node *mf_tb_int(mf_tb *b, long long i, mf_pos pos)
{
	return mf_tb_check(b, mf_new_int(b->a, i, pos));
}

mf_node *mf_tb_bool(mf_tb *b, bool v, mf_pos pos)
{
	return mf_tb_check(b, mf_new_bool(b->a, v, pos));
}

mf_node *mf_tb_copy(mf_tb *b, const mf_node *n)
{
	return n ? mf_tb_check(b, mf_copy(b->a, n)) : NULL;
}

char *mf_tb_printf(mf_tb *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = mf_vprintf(b->a, fmt, ap);
	va_end(ap);
	b->failed |= !s;
	return s;
}

void *mf_tb_alloc(mf_tb *b, size_t size)
{
	void *p = mf_alloc(b->a, size);

	b->failed |= !p;
	return p;
}

void *mf_tb_grow(mf_tb *b, void *old, size_t n, size_t *cap, size_t elem)
{
	void *p = mf_grow(b->a, old, n, cap, elem);

	b->failed |= !p;
	return p;
}

void mf_tb_put(mf_tb *b, mf_node *map, const char *key, mf_node *v)
{
	if (map && v && mf_map_set(b->a, map, key, v) < 0)
		b->failed = true;
}

void mf_tb_put_str(mf_tb *b, mf_node *map, const char *key, const char *s, mf_pos pos)
{
	if (map && s)
		mf_tb_put(b, map, key, mf_tb_str(b, s, pos));
}

void mf_tb_put_int(mf_tb *b, mf_node *map, const char *key, long long i, mf_pos pos)
{
	if (map)
		mf_tb_put(b, map, key, mf_tb_int(b, i, pos));
}

void mf_tb_put_bool(mf_tb *b, mf_node *map, const char *key, bool v, mf_pos pos)
{
	if (map)
		mf_tb_put(b, map, key, mf_tb_bool(b, v, pos));
}

void mf_tb_put_nonempty(mf_tb *b, mf_node *map, const char *key, mf_node *v)
{
	if (v && v->n)
		mf_tb_put(b, map, key, v);
}

void mf_tb_push(mf_tb *b, mf_node *seq, mf_node *item)
{
	if (seq && item && mf_seq_push(b->a, seq, item) < 0)
		b->failed = true;
}

mf_node *mf_tb_child(mf_tb *b, mf_node *map, const char *key, mf_pos pos)
{
	return map ? mf_tb_check(b, mf_map_child(b->a, map, key, pos)) : NULL;
}

mf_node *mf_tb_child_seq(mf_tb *b, mf_node *map, const char *key, mf_pos pos)
{
	return map ? mf_tb_check(b, mf_map_child_seq(b->a, map, key, pos)) : NULL;
}

/* ---- lookups ------------------------------------------------------------------------ */

const mf_pair *mf_get_pair(const mf_node *map, const char *key)
{
	return key ? find_pair(map, key, strlen(key)) : NULL;
}

mf_node *mf_get(const mf_node *map, const char *key)
{
	const mf_pair *p = mf_get_pair(map, key);
	return p ? p->val : NULL;
}

/* "ports.0": a segment indexes a sequence only when it is all digits */
static mf_node *path_step(const mf_node *n, const char *seg, size_t len)
{
	if (n->kind == MF_MAP) {
		mf_pair *p = find_pair(n, seg, len);
		return p ? p->val : NULL;
	}
	if (n->kind != MF_SEQ || len == 0 || len > 18)
		return NULL;
	size_t idx = 0;
	for (size_t i = 0; i < len; i++) {
		if (seg[i] < '0' || seg[i] > '9')
			return NULL;
		idx = idx * 10 + (size_t)(seg[i] - '0');
	}
	return idx < n->n ? n->items[idx] : NULL;
}

mf_node *mf_path(const mf_node *n, const char *dotted)
{
	if (!n || !dotted)
		return NULL;
	if (!*dotted)
		return (mf_node *)n;
	const char *seg = dotted;
	for (;;) {
		const char *dot = strchr(seg, '.');
		size_t len = dot ? (size_t)(dot - seg) : strlen(seg);
		n = path_step(n, seg, len);
		if (!n || !dot)
			return (mf_node *)n;
		seg = dot + 1;
	}
}

bool mf_is_scalar(const mf_node *n)
{
	return n && n->kind != MF_SEQ && n->kind != MF_MAP;
}

const char *mf_str(const mf_node *n)
{
	return mf_is_scalar(n) && n->kind != MF_NULL ? n->str : NULL;
}

const char *mf_get_str(const mf_node *map, const char *key)
{
	return mf_str(mf_get(map, key));
}

bool mf_get_bool(const mf_node *map, const char *key, bool dflt)
{
	const mf_node *n = mf_get(map, key);
	return n && n->kind == MF_BOOL ? n->v.b : dflt;
}

long long mf_get_int(const mf_node *map, const char *key, long long dflt)
{
	const mf_node *n = mf_get(map, key);
	return n && n->kind == MF_INT ? n->v.i : dflt;
}

bool mf_truthy(const mf_node *n)
{
	if (!n)
		return false;
	switch (n->kind) {
	case MF_BOOL:
		return n->v.b;
	case MF_INT:
		return n->v.i != 0;
	case MF_FLOAT:
		return n->v.f != 0;
	case MF_STR:
		return n->str && n->str[0];
	case MF_SEQ:
	case MF_MAP:
		return n->n > 0;
	case MF_NULL:
		break;
	}
	return false;
}

/* ---- trees -------------------------------------------------------------------------- */

static int copy_children(mf_arena *a, mf_node *c, const mf_node *n)
{
	if (n->kind == MF_SEQ && n->n) {
		if (!(c->items = mf_alloc(a, n->n * sizeof *c->items)))
			return -1;
		for (size_t i = 0; i < n->n; i++)
			if (!(c->items[i] = mf_copy(a, n->items[i])))
				return -1;
	} else if (n->kind == MF_MAP && n->n) {
		if (!(c->pairs = mf_alloc(a, n->n * sizeof *c->pairs)))
			return -1;
		for (size_t i = 0; i < n->n; i++) {
			c->pairs[i].pos = n->pairs[i].pos;
			c->pairs[i].key = intern_key(a, n->pairs[i].key);
			c->pairs[i].val = mf_copy(a, n->pairs[i].val);
			if (!c->pairs[i].key || !c->pairs[i].val)
				return -1;
		}
	} else {
		return 0;
	}
	c->n = c->cap = n->n;
	return 0;
}

/* Strings are copied too, so the copy may outlive the source's arena.  The
 * copy is nobody's alias, so MF_SHARED is dropped. */
mf_node *mf_copy(mf_arena *a, const mf_node *n)
{
	if (!n)
		return NULL;
	mf_node *c = mf_alloc(a, sizeof *c);
	if (!c)
		return NULL;
	*c = *n;
	c->flags &= ~(unsigned)(MF_SHARED | MF_FROZEN);
	c->items = NULL;
	c->pairs = NULL;
	c->index = NULL; /* an index belongs to one pairs array */
	c->n = c->cap = 0;
	if (n->str) {
		if (!(c->str = mf_strdup(a, n->str)))
			return NULL;
		c->len = strlen(c->str);
	}
	if (copy_children(a, c, n) != 0)
		return NULL;
	if (c->kind == MF_MAP && c->n > INDEX_MIN)
		index_build(a, c);
	return c;
}

static int merge_into(mf_arena *a, mf_node *dst, const mf_node *over);

/* the value `over` gives a key of dst (p, or a new key when p is NULL) */
static int merge_pair(mf_arena *a, mf_node *dst, mf_pair *p, const mf_pair *o)
{
	if (p && p->val && p->val->kind == MF_MAP && o->val->kind == MF_MAP)
		return merge_into(a, p->val, o->val); /* key keeps base's position */
	mf_node *v;
	if (o->val->kind == MF_MAP) {
		/* a new map still goes through merge, so nulls inside it vanish */
		v = mf_new_map(a, o->val->pos);
		if (!v || merge_into(a, v, o->val) != 0)
			return -1;
	} else if (!(v = mf_copy(a, o->val))) {
		return -1;
	}
	if (!p)
		return mf_map_add(a, dst, o->key, o->pos, v);
	p->val = v;
	p->pos = o->pos; /* this file set the value */
	return 0;
}

/* dst is a fresh copy, so it is safe to change in place */
static int merge_into(mf_arena *a, mf_node *dst, const mf_node *over)
{
	for (size_t i = 0; i < over->n; i++) {
		const mf_pair *o = &over->pairs[i];
		if (!o->val || o->val->kind == MF_NULL) {
			mf_map_del(dst, o->key);
			continue;
		}
		if (merge_pair(a, dst, find_pair(dst, o->key, strlen(o->key)), o) != 0)
			return -1;
	}
	return 0;
}

/* A missing or null `over` (an empty override file) leaves base as it is. */
mf_node *mf_merge(mf_arena *a, const mf_node *base, const mf_node *over)
{
	if (!over || over->kind == MF_NULL)
		return mf_copy(a, base);
	if (over->kind != MF_MAP)
		return mf_copy(a, over);
	mf_node *dst = base && base->kind == MF_MAP ? mf_copy(a, base) : mf_new_map(a, over->pos);
	if (!dst || merge_into(a, dst, over) != 0)
		return NULL;
	return dst;
}

static bool map_equal(const mf_node *x, const mf_node *y)
{
	for (size_t i = 0; i < x->n; i++) {
		const mf_pair *p = &x->pairs[i];
		const mf_pair *q = find_pair(y, p->key, strlen(p->key));
		if (!q || !mf_equal(p->val, q->val))
			return false;
	}
	return true;
}

/* scalars compare by value when typed (0x10 == 16), strings by text */
bool mf_equal(const mf_node *x, const mf_node *y)
{
	if (!x || !y)
		return x == y;
	if (x->kind != y->kind)
		return false;
	switch (x->kind) {
	case MF_NULL:
		return true;
	case MF_BOOL:
		return x->v.b == y->v.b;
	case MF_INT:
		return x->v.i == y->v.i;
	case MF_FLOAT:
		return x->v.f == y->v.f || (isnan(x->v.f) && isnan(y->v.f));
	case MF_STR:
		return x->str && y->str ? strcmp(x->str, y->str) == 0 : x->str == y->str;
	case MF_MAP:
		return x->n == y->n && map_equal(x, y);
	case MF_SEQ:
		break;
	}
	if (x->n != y->n)
		return false;
	for (size_t i = 0; i < x->n; i++)
		if (!mf_equal(x->items[i], y->items[i]))
			return false;
	return true;
}

void mf_stamp(mf_node *n, mf_pos pos)
{
	if (!n)
		return;
	writable(n);
	if (n->pos.file == 0)
		n->pos = pos;
	if (n->kind == MF_SEQ)
		for (size_t i = 0; i < n->n; i++)
			mf_stamp(n->items[i], pos);
	if (n->kind == MF_MAP)
		for (size_t i = 0; i < n->n; i++) {
			if (n->pairs[i].pos.file == 0)
				n->pairs[i].pos = pos;
			mf_stamp(n->pairs[i].val, pos);
		}
}

/* ---- sorting ------------------------------------------------------------------------ */

static void swap_bytes(unsigned char *x, unsigned char *y, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		unsigned char t = x[i];
		x[i] = y[i];
		y[i] = t;
	}
}

/* only when the scratch buffer cannot be had: still stable, never fails */
static void insertion_sort(unsigned char *b, size_t n, size_t size,
			   int (*cmp)(const void *, const void *))
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cmp(b + (j - 1) * size, b + j * size) > 0; j--)
			swap_bytes(b + (j - 1) * size, b + j * size, size);
}

/* sorts b[0..n) using tmp; on a tie the left run wins, which keeps it stable */
static void merge_sort(unsigned char *b, unsigned char *tmp, size_t n, size_t size,
		       int (*cmp)(const void *, const void *))
{
	if (n < 2)
		return;
	size_t h = n / 2, i = 0, j = h, k = 0;
	merge_sort(b, tmp, h, size, cmp);
	merge_sort(b + h * size, tmp, n - h, size, cmp);
	if (cmp(b + (h - 1) * size, b + h * size) <= 0)
		return; /* already in order (most lists arrive so): nothing to merge */
	while (i < h || j < n) {
		bool left = j == n || (i < h && cmp(b + i * size, b + j * size) <= 0);
		size_t from = left ? i++ : j++;
		memcpy(tmp + k++ * size, b + from * size, size);
	}
	memcpy(b, tmp, n * size);
}

void mf_stable_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n < 2 || size == 0)
		return;
	unsigned char *tmp = n <= SIZE_MAX / size ? malloc(n * size) : NULL;
	if (!tmp) {
		insertion_sort(base, n, size, cmp);
		return;
	}
	merge_sort(base, tmp, n, size, cmp);
	free(tmp);
}

static int pair_cmp(const void *x, const void *y)
{
	return strcmp(((const mf_pair *)x)->key, ((const mf_pair *)y)->key);
}

void mf_map_sort(mf_node *map)
{
	if (map && map->kind == MF_MAP) {
		writable(map);
		mf_stable_sort(map->pairs, map->n, sizeof *map->pairs, pair_cmp);
		map->index = NULL;
	}
}

/* ---- hash tables ------------------------------------------------------------- */

struct mf_hash_slot {
	const void *key; /* NULL: an empty slot */
	size_t len, hash;
	void *val;
};

static struct mf_hash_slot *hash_find(const mf_hash *h, const void *key, size_t len, size_t hash)
{
	struct mf_hash_slot *s;

	for (size_t i = hash & (h->cap - 1);; i = (i + 1) & (h->cap - 1)) {
		s = &h->slot[i];
		if (!s->key || (s->hash == hash && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
	}
}

/* Twice the slots, at most half full; the old ones are left to the arena. */
static int hash_grow(mf_arena *a, mf_hash *h)
{
	mf_hash bigger = {h->n, h->cap ? 2 * h->cap : 16, NULL};

	if (!(bigger.slot = mf_alloc(a, bigger.cap * sizeof *bigger.slot)))
		return -1;
	for (size_t i = 0; i < h->cap; i++)
		if (h->slot[i].key)
			*hash_find(&bigger, h->slot[i].key, h->slot[i].len, h->slot[i].hash) =
				h->slot[i];
	*h = bigger;
	return 0;
}

void *mf_hash_get(const mf_hash *h, const void *key, size_t len)
{
	if (!h || !h->n || !key)
		return NULL;
	return hash_find(h, key, len, key_hash(key, len))->val;
}

void *mf_hash_put(mf_arena *a, mf_hash *h, const void *key, size_t len, void *val)
{
	struct mf_hash_slot *s;
	size_t hash = key_hash(key, len);

	if (!h || !key || !val || (2 * (h->n + 1) > h->cap && hash_grow(a, h) != 0))
		return NULL;
	s = hash_find(h, key, len, hash);
	if (s->key)
		return s->val;
	*s = (struct mf_hash_slot){key, len, hash, val};
	h->n++;
	return val;
}

void *mf_hash_get_str(const mf_hash *h, const char *key)
{
	return key ? mf_hash_get(h, key, strlen(key)) : NULL;
}

void *mf_hash_put_str(mf_arena *a, mf_hash *h, const char *key, void *val)
{
	return key ? mf_hash_put(a, h, key, strlen(key), val) : NULL;
}

bool mf_hash_first_pos(mf_arena *a, mf_hash *h, mf_pos pos)
{
	mf_pos *key;

	if (mf_hash_get(h, &pos, sizeof pos))
		return false;
	if ((key = mf_alloc(a, sizeof *key))) {
		*key = pos;
		mf_hash_put(a, h, key, sizeof *key, key);
	}
	return true;
}

void *mf_tb_hash_put(mf_tb *b, mf_hash *h, const char *key, void *val)
{
	void *v = key ? mf_hash_put_str(b->a, h, key, val) : NULL;

	if (key && !v)
		b->failed = true;
	return v;
}

/* ---- small helpers ------------------------------------------------------------- */

bool mf_streq(const char *x, const char *y)
{
	return x == y || (x && y && !strcmp(x, y));
}

int mf_strcmp_null(const char *x, const char *y)
{
	return x == y ? 0 : !x ? -1 : !y ? 1 : strcmp(x, y);
}

bool mf_pos_eq(mf_pos x, mf_pos y)
{
	return x.file == y.file && x.line == y.line && x.col == y.col;
}

int mf_pos_cmp(mf_pos a, mf_pos b)
{
	if (a.file != b.file)
		return a.file < b.file ? -1 : 1;
	if (a.line != b.line)
		return a.line < b.line ? -1 : 1;
	return a.col == b.col ? 0 : a.col < b.col ? -1 : 1;
}

const char *mf_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

size_t mf_str_index(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(s, list[i]))
			return i;
	return n;
}

/* ---- memory budget ------------------------------------------------------------ */

size_t mf_budget_limit(const mf_budget *b)
{
	size_t k = MF_MEMORY_PER_BYTE, limit;

	if (b->fixed)
		return b->fixed;
	limit = b->input > MF_MEMORY_FLOOR / k ? (b->input > SIZE_MAX / k ? SIZE_MAX : b->input * k)
					       : MF_MEMORY_FLOOR;
	return b->ceiling && limit > b->ceiling ? b->ceiling : limit;
}

void mf_arena_set_budget(mf_arena *a, mf_budget *b)
{
	if (a)
		a->budget = b;
}

mf_budget *mf_arena_budget(const mf_arena *a)
{
	return a ? a->budget : NULL;
}

/* Counts a chunk's bytes before it is allocated.  The first chunk past the
 * limit marks the budget as hit and is granted from a reserve of a quarter
 * of the limit, so that the stage under way finishes and the run stops at
 * the next stage (stages stop short on NULL, but not all unwind cleanly
 * from every allocation); false past the reserve too. */
static bool charge(mf_budget *b, size_t bytes)
{
	size_t limit;

	if (!b)
		return true;
	limit = mf_budget_limit(b);
	if (b->hit || b->used > limit || bytes > limit - b->used) {
		b->hit = true;
		limit += limit / 4 < SIZE_MAX - limit ? limit / 4 : SIZE_MAX - limit;
	}
	if (b->used > limit || bytes > limit - b->used)
		return false;
	b->used += bytes;
	if (b->used > b->peak)
		b->peak = b->used;
	return true;
}

/* Gives back what charge() counted: a chunk freed, or one whose calloc failed. */
static void uncharge_bytes(mf_budget *b, size_t bytes)
{
	if (b)
		b->used -= bytes < b->used ? bytes : b->used;
}

static void uncharge(mf_budget *b, const mf_chunk *c)
{
	uncharge_bytes(b, sizeof(mf_chunk) + c->cap);
}

/* mf_arena_adopt: b's chunks count against a's budget from now on. */
static void move_charges(mf_arena *a, mf_arena *b)
{
	if (a->budget == b->budget)
		return;
	for (const mf_chunk *c = b->head; c; c = c->next) {
		uncharge(b->budget, c);
		if (a->budget && (a->budget->used += sizeof(mf_chunk) + c->cap) > a->budget->peak)
			a->budget->peak = a->budget->used;
	}
}

/* ---- merge with shared subtrees (resolve) --------------------------------------------- */

static mf_node *shared_pairs(mf_arena *a, mf_node *dst, const mf_node *base, const mf_node *over);

/* over's map rebuilt without its nulls (mf_merge of a map new to base):
 * its maps are new nodes, its scalars and sequences are over's own. */
static mf_node *fresh_map(mf_arena *a, const mf_node *over)
{
	mf_node *dst = mf_new_map(a, over->pos);

	return dst ? shared_pairs(a, dst, NULL, over) : NULL;
}

static mf_node *shared_value(mf_arena *a, const mf_node *base, const mf_node *over)
{
	if (base && base->kind == MF_MAP && over->kind == MF_MAP) {
		mf_node *dst = mf_alloc(a, sizeof *dst);
		if (!dst)
			return NULL;
		*dst = *base; /* the merged map keeps base's position, as in mf_merge */
		dst->flags &= ~(unsigned)(MF_SHARED | MF_FROZEN);
		dst->pairs = NULL;
		dst->index = NULL;
		dst->n = dst->cap = 0;
		return shared_pairs(a, dst, base, over);
	}
	return over->kind == MF_MAP ? fresh_map(a, over) : (mf_node *)over;
}

static bool gone(const mf_pair *p)
{
	return !p->val || p->val->kind == MF_NULL;
}

/* dst's pairs in mf_merge's order: base's (replaced in place, nulls of over
 * deleting), then over's keys new to base.  One exact array, no doubling. */
static mf_node *shared_pairs(mf_arena *a, mf_node *dst, const mf_node *base, const mf_node *over)
{
	size_t nb = base ? base->n : 0, n = 0;
	mf_pair *out = mf_alloc(a, (nb + over->n + 1) * sizeof *out);

	for (size_t i = 0; out && i < nb; i++) {
		const mf_pair *b = &base->pairs[i];
		const mf_pair *o = find_pair(over, b->key, strlen(b->key));
		if (!o) {
			out[n++] = *b;
			continue;
		}
		if (gone(o))
			continue;
		bool both = b->val && b->val->kind == MF_MAP && o->val->kind == MF_MAP;
		out[n] = (mf_pair){b->key, both ? b->pos : o->pos, shared_value(a, b->val, o->val)};
		if (!out[n++].val)
			return NULL;
	}
	for (size_t i = 0; out && i < over->n; i++) {
		const mf_pair *o = &over->pairs[i];
		if (gone(o) || find_pair(base, o->key, strlen(o->key)))
			continue;
		out[n] = (mf_pair){o->key, o->pos, shared_value(a, NULL, o->val)};
		if (!out[n++].val)
			return NULL;
	}
	if (!out)
		return NULL;
	dst->pairs = out;
	dst->n = dst->cap = n;
	if (n > INDEX_MIN)
		index_build(a, dst);
	return dst;
}

mf_node *mf_merge_shared(mf_arena *a, const mf_node *base, const mf_node *over)
{
	if (!over || over->kind == MF_NULL)
		return (mf_node *)base; /* nothing to change: base itself */
	if (over->kind != MF_MAP)
		return (mf_node *)over;
	return shared_value(a, base && base->kind == MF_MAP ? base : NULL, over);
}
