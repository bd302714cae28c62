/* model: the positioned node tree and arena every stage shares (the earliest stage) */
#ifndef MF_MODEL_H
#define MF_MODEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* One arena per run: every node, string and array below lives in it and
 * mf_arena_free() releases all of it at once.  Nothing here is freed alone. */
typedef struct mf_arena mf_arena;

mf_arena *mf_arena_new(void);
void mf_arena_free(mf_arena *a);
void *mf_alloc(mf_arena *a, size_t size); /* zeroed; aborts never: NULL on OOM */
/* For tests of out-of-memory paths: the allocation after the next n fails,
 * once, and the ones after it succeed again (SIZE_MAX: none fails).
 * Returns what the previous call still had to count: 0 when its failure
 * happened (or none was asked for). */
size_t mf_arena_fail_once(mf_arena *a, size_t n);
/* Where a's memory lies, chunk by chunk, sorted: so that what a stage run on
 * a scratch arena reported can be told from what it borrowed (see
 * mf_scratch_end).  Malloc'd (free it); NULL and *n = 0 on OOM. */
typedef struct mf_span {
	uintptr_t lo, hi; /* integers: pointers into unrelated blocks do not compare */
} mf_span;
/* Hands all of b's memory to a (b is gone): nothing moves, nothing can fail. */
void mf_arena_adopt(mf_arena *a, mf_arena *b);
mf_span *mf_arena_spans(const mf_arena *a, size_t *n);
bool mf_spans_have(const mf_span *v, size_t n, const void *p);
/* Room for one more element of an arena array of n elements of `elem`
 * bytes: `old` while n < *cap, else a block twice as large holding the n
 * elements (the old one is left to the arena) and *cap updated.  NULL on
 * OOM, with old and *cap untouched. */
void *mf_grow(mf_arena *a, void *old, size_t n, size_t *cap, size_t elem);
char *mf_strdup(mf_arena *a, const char *s);
char *mf_strndup(mf_arena *a, const char *s, size_t n);
char *mf_printf(mf_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *mf_vprintf(mf_arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* A place in an input file: file is an index into the run's source table
 * (see diag.h), line and col are 1-based; file == 0 means "no position". */
typedef struct mf_pos {
	uint32_t file;
	uint32_t line;
	uint32_t col;
} mf_pos;

static const mf_pos MF_NOPOS = {0, 0, 0};

/* The memory a run may use (docs/limits.md): every arena that shares a budget
 * (the run's and its stages' scratch arenas) counts its chunks' bytes in it,
 * and a chunk past the limit is refused as memory that ran out would be.
 * The limit is `fixed` when set, else the larger of MF_MEMORY_FLOOR and
 * MF_MEMORY_PER_BYTE times the bytes of the files read, and no more than
 * `ceiling` (a limit past the machine's memory would be an OOM kill). */
#define MF_MEMORY_FLOOR ((size_t)1 << 30)
#define MF_MEMORY_PER_BYTE ((size_t)4096)
typedef struct mf_budget {
	size_t fixed;      /* bytes, or 0: from the input */
	size_t ceiling;    /* at most this (3/4 of the machine's memory), or 0 */
	size_t input;      /* bytes of the files read (mf_source_add) */
	size_t used, peak; /* bytes of the arenas' chunks, now and at most */
	bool hit;          /* a chunk was refused */
	mf_pos last;       /* where the last node made came from: what was being built */
} mf_budget;
size_t mf_budget_limit(const mf_budget *b);
void mf_arena_set_budget(mf_arena *a, mf_budget *b); /* before a's first allocation */
mf_budget *mf_arena_budget(const mf_arena *a);

typedef enum mf_kind {
	MF_NULL,
	MF_BOOL,
	MF_INT,
	MF_FLOAT,
	MF_STR,
	MF_SEQ,
	MF_MAP,
} mf_kind;

/* Scalar flags: how a scalar was written (kept so output can keep a literal
 * block a block) and whether an emitter must force quotes. */
enum {
	MF_QUOTED = 1u << 0, /* was a quoted scalar in the input */
	MF_BLOCK = 1u << 1,  /* emit as a literal block scalar (|) when multi-line */
	MF_SHARED = 1u << 2, /* reached through an alias: never mutate in place */
	MF_FROZEN = 1u << 3, /* a finished stage's product (MF_FREEZE builds): never mutate */
	MF_YAML11 = 1u << 4, /* lint: YAML 1.1 reads it otherwise (a yes, an octal 0755) */
	MF_BYREF = 1u << 5,  /* render: a reference's value (a machine's address), not a literal */
};

typedef struct mf_node mf_node;

typedef struct mf_pair {
	const char *key;
	mf_pos pos; /* position of the key */
	mf_node *val;
} mf_pair;

/* A million nodes make a thousand services: kind and flags share a word
 * with nothing else so that a node takes 80 bytes of arena, not 96. */
struct mf_node {
	mf_kind kind : 8;
	unsigned flags : 8;
	mf_pos pos;
	const char *str; /* scalars: the text as written (canonical for BOOL/INT/FLOAT made here) */
	size_t len;      /* strlen(str); strings may not hold NUL (load refuses them) */
	union {
		bool b;
		long long i;
		double f;
	} v;
	size_t n, cap;          /* number of items / pairs */
	mf_node **items;        /* MF_SEQ */
	mf_pair *pairs;         /* MF_MAP, in input order */
	struct mf_index *index; /* MF_MAP: hash of keys once large (model.c); NULL = scan */
};

/* constructors: all nodes are arena-owned */
mf_node *mf_new(mf_arena *a, mf_kind kind, mf_pos pos);
mf_node *mf_new_str(mf_arena *a, const char *s, mf_pos pos);
mf_node *mf_new_strn(mf_arena *a, const char *s, size_t n, mf_pos pos);
mf_node *mf_new_int(mf_arena *a, long long i, mf_pos pos);
mf_node *mf_new_float(mf_arena *a, double f, mf_pos pos);
mf_node *mf_new_bool(mf_arena *a, bool b, mf_pos pos);
mf_node *mf_new_map(mf_arena *a, mf_pos pos);
mf_node *mf_new_seq(mf_arena *a, mf_pos pos);

/* sequences and maps; return 0, or -1 on OOM */
int mf_seq_push(mf_arena *a, mf_node *seq, mf_node *item);
int mf_map_add(mf_arena *a, mf_node *map, const char *key, mf_pos kpos,
	       mf_node *val);                                             /* no dup check */
int mf_map_set(mf_arena *a, mf_node *map, const char *key, mf_node *val); /* replace or append */
bool mf_map_del(mf_node *map, const char *key);
/* convenience setters that build the scalar; position taken from pos */
int mf_map_set_str(mf_arena *a, mf_node *map, const char *key, const char *s, mf_pos pos);
int mf_map_set_int(mf_arena *a, mf_node *map, const char *key, long long i, mf_pos pos);
int mf_map_set_bool(mf_arena *a, mf_node *map, const char *key, bool b, mf_pos pos);
/* get or create a child map (for building output trees) */
mf_node *mf_map_child(mf_arena *a, mf_node *map, const char *key, mf_pos pos);
mf_node *mf_map_child_seq(mf_arena *a, mf_node *map, const char *key, mf_pos pos);

/* The tree builder every renderer, emitter and adapter builds output with,
 * under one rule for out of memory.  A call whose allocation fails sets
 * `failed`, which stays set, and returns NULL.  Put and push take a NULL
 * value as "nothing to put" (an optional field) and a NULL parent as a
 * failure already recorded (or a parent the caller did not make), and do
 * nothing.  So a caller builds a whole tree without checking each step,
 * then tests `failed` once and reports one "internal" diagnostic.  What it
 * builds lives in the arena `a` and goes with it: the builder owns nothing
 * and needs no release.  Start one as (mf_tb){.a = arena}. */
typedef struct mf_tb {
	mf_arena *a;
	bool failed;
} mf_tb;

/* constructors; a NULL s or n is an absent field: NULL, nothing recorded */
mf_node *mf_tb_map(mf_tb *b, mf_pos pos);
mf_node *mf_tb_seq(mf_tb *b, mf_pos pos);
mf_node *mf_tb_null(mf_tb *b, mf_pos pos);
mf_node *mf_tb_str(mf_tb *b, const char *s, mf_pos pos);
mf_node *mf_tb_strn(mf_tb *b, const char *s, size_t n, mf_pos pos);
mf_node *mf_tb_int(mf_tb *b, long long i, mf_pos pos);
mf_node *mf_tb_bool(mf_tb *b, bool v, mf_pos pos);
mf_node *mf_tb_copy(mf_tb *b, const mf_node *n); /* deep (mf_copy) */
/* Text and side arrays (mf_printf, mf_alloc, mf_grow) under the same rule. */
char *mf_tb_printf(mf_tb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void *mf_tb_alloc(mf_tb *b, size_t size);
void *mf_tb_grow(mf_tb *b, void *old, size_t n, size_t *cap, size_t elem);
/* n, recording a failure when it is NULL: for a node another function built. */
mf_node *mf_tb_check(mf_tb *b, mf_node *n);

/* Set map[key] (replacing it), or append to seq.  The value is linked, not
 * copied: a shared subtree stays shared.  A put that cannot be done (a
 * NULL key, a parent of another kind) counts as a failure too. */
void mf_tb_put(mf_tb *b, mf_node *map, const char *key, mf_node *v);
void mf_tb_put_str(mf_tb *b, mf_node *map, const char *key, const char *s, mf_pos pos);
void mf_tb_put_int(mf_tb *b, mf_node *map, const char *key, long long i, mf_pos pos);
void mf_tb_put_bool(mf_tb *b, mf_node *map, const char *key, bool v, mf_pos pos);
/* only a collection that holds something (no "volumes: []") */
void mf_tb_put_nonempty(mf_tb *b, mf_node *map, const char *key, mf_node *v);
void mf_tb_push(mf_tb *b, mf_node *seq, mf_node *item);
/* map[key] as a map or sequence, made (or replacing another kind) when needed */
mf_node *mf_tb_child(mf_tb *b, mf_node *map, const char *key, mf_pos pos);
mf_node *mf_tb_child_seq(mf_tb *b, mf_node *map, const char *key, mf_pos pos);

/* lookups: NULL-safe on every argument */
mf_node *mf_get(const mf_node *map, const char *key);
const mf_pair *mf_get_pair(const mf_node *map, const char *key);
/* dotted path through maps ("resources.limits.cpu"); sequence indexes as numbers ("ports.0") */
mf_node *mf_path(const mf_node *n, const char *dotted);
const char *mf_str(const mf_node *n); /* scalar text or NULL for SEQ/MAP/NULL */
const char *mf_get_str(const mf_node *map, const char *key);
bool mf_get_bool(const mf_node *map, const char *key, bool dflt);
long long mf_get_int(const mf_node *map, const char *key, long long dflt);
bool mf_is_scalar(const mf_node *n);
bool mf_truthy(const mf_node *n); /* true, non-zero, non-empty */

/* trees */
mf_node *mf_copy(mf_arena *a, const mf_node *n); /* deep copy, positions kept */
/* Deep merge: maps are merged key by key, everything else in `over` replaces
 * `base`; a null in `over` deletes the key.  Returns a new tree (inputs are
 * untouched); every node keeps the position of the file that set it. */
mf_node *mf_merge(mf_arena *a, const mf_node *base, const mf_node *over);
/* The same merge, sharing what it does not change: a subtree of base that
 * over does not touch, and over's scalars and sequences, are the inputs'
 * own nodes; only the maps along over's maps are new (without a map in
 * over, the result is base or over itself).  Neither input may
 * be changed afterwards (resolve's layers are not), and both must live as
 * long as the result. */
mf_node *mf_merge_shared(mf_arena *a, const mf_node *base, const mf_node *over);
bool mf_equal(const mf_node *x, const mf_node *y); /* structural, positions ignored */
/* Give every node of a tree (that has no position) the position pos. */
void mf_stamp(mf_node *n, mf_pos pos);

/* stable sort of a map's pairs by key (byte order), for deterministic output */
void mf_map_sort(mf_node *map);

/* A stage's product is read-only for the stages after it.  Builds with
 * MF_FREEZE defined (make asan) mark every node of a finished tree frozen
 * and abort on a write to one through this API, so a later stage that
 * changes what it was given fails the test suite; other builds do nothing. */
void mf_freeze(const mf_node *n);

/* Canonical, locale-independent YAML text for a float: shortest text that
 * reads back to the same double, always with a '.' so YAML 1.1 and 1.2
 * parsers both resolve it as a float ("0.5", "2.0", "1.0e+20", ".inf",
 * "-.inf", ".nan").  Writes into buf (32 bytes is always enough) and
 * returns buf. */
char *mf_fmt_float(char *buf, size_t size, double f);

/* Small helpers every stage needs. */
#define MF_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* qsort that takes an empty array as NULL: an allocation refused by the
 * memory budget leaves NULL and no items, which qsort may not be given. */
static inline void mf_qsort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (v && n > 1)
		qsort(v, n, size, cmp);
}
bool mf_streq(const char *x, const char *y);      /* same text, or both NULL */
int mf_strcmp_null(const char *x, const char *y); /* strcmp with NULL first */
bool mf_pos_eq(mf_pos x, mf_pos y);
int mf_pos_cmp(mf_pos x, mf_pos y);                 /* by file, line, column */
const char *mf_or(const char *s, const char *dflt); /* s, or dflt when s is NULL */
/* The index of s in list[0..n), or n when it is not there (or s is NULL). */
size_t mf_str_index(const char *s, const char *const *list, size_t n);
#define MF_IN_LIST(s, list) (mf_str_index((s), (list), MF_NELEM(list)) < MF_NELEM(list))

/* A hash table from byte-string keys to values, for the sets and tables a
 * stage would otherwise scan once per item (names seen, positions reported,
 * a chart's values keys): the one hash every stage uses besides a map's own
 * key index.  Keys are not copied and must live as long as the table (arena
 * text and arrays do); values are never NULL.  The table lives in the arena
 * given to mf_hash_put and goes with it.  Start one as (mf_hash){0}. */
typedef struct mf_hash {
	size_t n, cap; /* entries; slots, a power of two (0 before the first put) */
	struct mf_hash_slot *slot;
} mf_hash;

/* The value stored under key[0..len), or NULL. */
void *mf_hash_get(const mf_hash *h, const void *key, size_t len);
/* Store val under key unless the key is there already.  Returns the value
 * now under key: val when it was added, the earlier value when not; NULL
 * when memory ran out (the table is left as it was). */
void *mf_hash_put(mf_arena *a, mf_hash *h, const void *key, size_t len, void *val);
/* The same for a NUL-terminated key (a NULL key: NULL). */
void *mf_hash_get_str(const mf_hash *h, const char *key);
void *mf_hash_put_str(mf_arena *a, mf_hash *h, const char *key, void *val);
/* True the first time pos is put in h (a set of positions): a diagnostic
 * that every instance of a template would repeat is said once. */
bool mf_hash_first_pos(mf_arena *a, mf_hash *h, mf_pos pos);
/* mf_hash_put_str in the builder's arena, under its rule: a failure is
 * recorded (a NULL key is nothing to put: NULL, nothing recorded). */
void *mf_tb_hash_put(mf_tb *b, mf_hash *h, const char *key, void *val);

/* Stable sort (merge sort; qsort is not stable).  Needs n*size bytes of
 * malloc'd scratch, falls back to an in-place insertion sort without it. */
void mf_stable_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

#endif
