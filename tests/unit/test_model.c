/* model: unit tests for the arena, builders, lookups, merge, equality and sorting */
#include <check.h>
#include <signal.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "support.h"

static mf_arena *A;

static void setup(void)
{
	A = mf_test_arena();
}

static void teardown(void)
{
	mf_arena_free(A);
	A = NULL;
}

static mf_pos P(uint32_t file, uint32_t line, uint32_t col)
{
	return (mf_pos){file, line, col};
}

static bool pos_eq(mf_pos x, mf_pos y)
{
	return x.file == y.file && x.line == y.line && x.col == y.col;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* ---- arena ----------------------------------------------------------------------------- */

START_TEST(arena_alignment_and_zeroing)
{
	for (size_t i = 0; i < 5000; i++) {
		size_t size = (i * 7919) % 300;  /* includes 0 */
		unsigned char *p = mf_alloc(A, size);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % 16, 0);
		ck_assert(all_zero(p, size));
		memset(p, 0xAB, size);  /* the next allocation must not overlap */
	}
}
END_TEST

START_TEST(arena_big_requests)
{
	unsigned char *small = mf_alloc(A, 10);
	unsigned char *big = mf_alloc(A, 1 << 20);
	unsigned char *small2 = mf_alloc(A, 10);
	ck_assert_ptr_nonnull(small);
	ck_assert_ptr_nonnull(big);
	ck_assert_ptr_nonnull(small2);
	ck_assert_uint_eq((uintptr_t)big % 16, 0);
	ck_assert(all_zero(big, 1 << 20));
	memset(big, 1, 1 << 20);
	/* the big block lives apart: the current chunk keeps serving small ones */
	ck_assert(small2 > small && small2 - small < 64);
	ck_assert_ptr_null(mf_alloc(A, SIZE_MAX));
	ck_assert_ptr_null(mf_alloc(NULL, 8));
	void *z1 = mf_alloc(A, 0), *z2 = mf_alloc(A, 0);
	ck_assert_ptr_nonnull(z1);
	ck_assert_ptr_ne(z1, z2);
}
END_TEST

START_TEST(arena_strings)
{
	ck_assert_str_eq(mf_strdup(A, "hello"), "hello");
	ck_assert_str_eq(mf_strndup(A, "hello", 3), "hel");
	ck_assert_str_eq(mf_strndup(A, "hi", 10), "hi");
	ck_assert_ptr_null(mf_strdup(A, NULL));
	ck_assert_str_eq(mf_printf(A, "%s-%d", "a", 42), "a-42");
	char *big = mf_printf(A, "%100000d", 7);
	ck_assert_uint_eq(strlen(big), 100000);
	ck_assert_int_eq(big[99999], '7');
}
END_TEST

/* ---- builders ---------------------------------------------------------------------------- */

START_TEST(scalars_have_canonical_text)
{
	mf_node *n = mf_new_int(A, 42, P(1, 2, 3));
	ck_assert_int_eq(n->kind, MF_INT);
	ck_assert_str_eq(n->str, "42");
	ck_assert_uint_eq(n->len, 2);
	ck_assert_int_eq(n->v.i, 42);
	ck_assert(pos_eq(n->pos, P(1, 2, 3)));
	ck_assert_str_eq(mf_new_int(A, -9223372036854775807LL - 1, MF_NOPOS)->str, "-9223372036854775808");
	ck_assert_str_eq(mf_new_bool(A, true, MF_NOPOS)->str, "true");
	ck_assert_str_eq(mf_new_bool(A, false, MF_NOPOS)->str, "false");
	ck_assert(!mf_new_bool(A, false, MF_NOPOS)->v.b);
	n = mf_new_str(A, "abc", MF_NOPOS);
	ck_assert_int_eq(n->kind, MF_STR);
	ck_assert_uint_eq(n->len, 3);
	n = mf_new_strn(A, "abcdef", 2, MF_NOPOS);
	ck_assert_str_eq(n->str, "ab");
	ck_assert_uint_eq(n->len, 2);
	ck_assert_int_eq(mf_new_str(A, NULL, MF_NOPOS)->kind, MF_NULL);
	char buf[8] = "stack";
	n = mf_new_str(A, buf, MF_NOPOS);
	buf[0] = 'X';
	ck_assert_str_eq(n->str, "stack");
}
END_TEST

static const struct {
	double f;
	const char *text;
} float_texts[] = {
	{0.5, "0.5"}, {2.0, "2.0"}, {0.0, "0.0"}, {-0.0, "-0.0"}, {0.1, "0.1"}, {100.0, "100.0"},
	{-1.25, "-1.25"}, {123456.789, "123456.789"}, {1e15, "1000000000000000.0"},
	{1e16, "1.0e+16"}, {1e20, "1.0e+20"}, {1.5e300, "1.5e+300"}, {0.0001, "0.0001"},
	{1e-5, "1.0e-05"}, {2.5e-10, "2.5e-10"}, {1.7976931348623157e308, "1.7976931348623157e+308"},
	{5e-324, "5.0e-324"}, {1.0 / 3, "0.3333333333333333"},
	{INFINITY, ".inf"}, {-INFINITY, "-.inf"}, {NAN, ".nan"},
};

START_TEST(float_text)
{
	for (size_t i = 0; i < sizeof float_texts / sizeof *float_texts; i++) {
		mf_node *n = mf_new_float(A, float_texts[i].f, MF_NOPOS);
		ck_assert_msg(strcmp(n->str, float_texts[i].text) == 0, "%.17g: got %s want %s",
			      float_texts[i].f, n->str, float_texts[i].text);
		ck_assert_uint_eq(n->len, strlen(n->str));
	}
}
END_TEST

/* the text reads back as the same double and never looks like an int */
START_TEST(float_text_round_trips)
{
	uint64_t x = 88172645463325252ULL;
	char buf[32];
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		double f;
		memcpy(&f, &x, sizeof f);
		if (isnan(f) || isinf(f))
			continue;
		mf_fmt_float(buf, sizeof buf, f);
		ck_assert_msg(strtod(buf, NULL) == f, "%s", buf);
		ck_assert_ptr_nonnull(strchr(buf, '.'));
	}
	mf_fmt_float(buf, 4, 123.5);
	ck_assert_str_eq(buf, "123");  /* truncated, still terminated */
}
END_TEST

START_TEST(seq_push_grows)
{
	mf_node *s = mf_new_seq(A, MF_NOPOS);
	for (long long i = 0; i < 1000; i++)
		ck_assert_int_eq(mf_seq_push(A, s, mf_new_int(A, i, MF_NOPOS)), 0);
	ck_assert_uint_eq(s->n, 1000);
	for (size_t i = 0; i < 1000; i++)
		ck_assert_int_eq(s->items[i]->v.i, (long long)i);
	ck_assert_int_eq(mf_seq_push(A, s, NULL), -1);
	ck_assert_int_eq(mf_seq_push(A, mf_new_map(A, MF_NOPOS), s), -1);
	ck_assert_int_eq(mf_seq_push(A, NULL, s), -1);
}
END_TEST

START_TEST(map_add_set_del)
{
	mf_node *m = mf_new_map(A, MF_NOPOS);
	char key[16];
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof key, "k%d", i);
		ck_assert_int_eq(mf_map_add(A, m, key, P(1, (uint32_t)i + 1, 1), mf_new_int(A, i, MF_NOPOS)), 0);
	}
	ck_assert_str_eq(m->pairs[7].key, "k7");  /* the key was copied */
	ck_assert_int_eq(mf_map_set_int(A, m, "k5", 555, P(2, 1, 1)), 0);
	ck_assert_uint_eq(m->n, 100);
	ck_assert_int_eq(m->pairs[5].val->v.i, 555);
	ck_assert(pos_eq(m->pairs[5].pos, P(1, 6, 1)));  /* replacing keeps the key's place */
	ck_assert_int_eq(mf_map_set_str(A, m, "new", "v", P(3, 4, 5)), 0);
	ck_assert_str_eq(m->pairs[100].key, "new");
	ck_assert(pos_eq(m->pairs[100].pos, P(3, 4, 5)));
	ck_assert_int_eq(mf_map_set_bool(A, m, "flag", true, MF_NOPOS), 0);
	ck_assert(mf_get_bool(m, "flag", false));
	ck_assert(mf_map_del(m, "k0"));
	ck_assert(!mf_map_del(m, "k0"));
	ck_assert_str_eq(m->pairs[0].key, "k1");
	ck_assert_uint_eq(m->n, 101);
	ck_assert_int_eq(mf_map_add(A, m, "k1", MF_NOPOS, mf_new_int(A, 1, MF_NOPOS)), 0);
	ck_assert(mf_map_del(m, "k1"));  /* duplicates go together */
	ck_assert_ptr_null(mf_get(m, "k1"));
	ck_assert_int_eq(mf_map_add(A, m, "x", MF_NOPOS, NULL), -1);
	ck_assert_int_eq(mf_map_add(A, NULL, "x", MF_NOPOS, m), -1);
	ck_assert_int_eq(mf_map_set(A, mf_new_seq(A, MF_NOPOS), "x", m), -1);
}
END_TEST

START_TEST(map_child)
{
	mf_node *root = mf_new_map(A, MF_NOPOS);
	mf_node *meta = mf_map_child(A, root, "metadata", P(1, 1, 1));
	ck_assert_ptr_nonnull(meta);
	ck_assert_ptr_eq(mf_map_child(A, root, "metadata", MF_NOPOS), meta);
	mf_node *labels = mf_map_child(A, meta, "labels", MF_NOPOS);
	mf_map_set_str(A, labels, "app", "api", MF_NOPOS);
	ck_assert_str_eq(mf_get_str(mf_path(root, "metadata.labels"), "app"), "api");
	mf_node *ports = mf_map_child_seq(A, root, "ports", MF_NOPOS);
	ck_assert_int_eq(ports->kind, MF_SEQ);
	ck_assert_ptr_eq(mf_map_child_seq(A, root, "ports", MF_NOPOS), ports);
	/* another kind under the key is replaced, in place */
	mf_map_set_str(A, root, "spec", "oops", MF_NOPOS);
	mf_node *spec = mf_map_child(A, root, "spec", MF_NOPOS);
	ck_assert_int_eq(spec->kind, MF_MAP);
	ck_assert_uint_eq(root->n, 3);
	ck_assert_str_eq(root->pairs[2].key, "spec");
	ck_assert_ptr_null(mf_map_child(A, NULL, "x", MF_NOPOS));
}
END_TEST

/* ---- lookups ------------------------------------------------------------------------------ */

static mf_node *sample(void)
{
	/* {name: api, replicas: 3, debug: false, ports: [{port: 80}, {port: 443}], resources: {limits: {cpu: 500m}}} */
	mf_node *m = mf_new_map(A, P(1, 1, 1));
	mf_map_set_str(A, m, "name", "api", P(1, 1, 7));
	mf_map_set_int(A, m, "replicas", 3, P(1, 2, 11));
	mf_map_set_bool(A, m, "debug", false, P(1, 3, 8));
	mf_node *ports = mf_map_child_seq(A, m, "ports", P(1, 4, 1));
	for (int i = 0; i < 2; i++) {
		mf_node *p = mf_new_map(A, P(1, 5 + (uint32_t)i, 5));
		mf_map_set_int(A, p, "port", i ? 443 : 80, P(1, 5 + (uint32_t)i, 11));
		mf_seq_push(A, ports, p);
	}
	mf_node *lim = mf_map_child(A, mf_map_child(A, m, "resources", P(1, 7, 1)), "limits", P(1, 8, 3));
	mf_map_set_str(A, lim, "cpu", "500m", P(1, 9, 10));
	return m;
}

/* ---- the tree builder -------------------------------------------------------------------- */

START_TEST(arena_fail_once)
{
	ck_assert_uint_eq(mf_arena_fail_once(A, 2), 0);  /* nothing was armed */
	ck_assert_ptr_nonnull(mf_alloc(A, 8));
	ck_assert_ptr_nonnull(mf_alloc(A, 8));
	ck_assert_ptr_null(mf_alloc(A, 8));
	ck_assert_ptr_nonnull(mf_alloc(A, 8));  /* once only */
	ck_assert_uint_eq(mf_arena_fail_once(A, 5), 0);  /* it happened */
	ck_assert_ptr_nonnull(mf_alloc(A, 1 << 20));  /* big blocks count too */
	ck_assert_uint_eq(mf_arena_fail_once(A, SIZE_MAX), 5);  /* 5 to go: disarmed */
	for (int i = 0; i < 10; i++)
		ck_assert_ptr_nonnull(mf_alloc(A, 8));
}
END_TEST

/* A key that cannot be copied adds nothing and leaves the map as it was:
 * later adds still land in a block of the size the map believes it has. */
START_TEST(map_add_failure_leaves_map_whole)
{
	mf_node *m = mf_new_map(A, MF_NOPOS);
	char key[16];

	for (int i = 0; i < 4; i++) {
		snprintf(key, sizeof key, "k%d", i);
		ck_assert_int_eq(mf_map_set_int(A, m, key, i, MF_NOPOS), 0);
	}
	mf_node *v = mf_new_int(A, 99, MF_NOPOS);
	mf_arena_fail_once(A, 0); /* the key's copy */
	ck_assert_int_eq(mf_map_add(A, m, "lost", MF_NOPOS, v), -1);
	ck_assert_uint_eq(m->n, 4);
	for (int i = 4; i < 40; i++) {
		snprintf(key, sizeof key, "k%d", i);
		ck_assert_int_eq(mf_map_set_int(A, m, key, i, MF_NOPOS), 0);
	}
	ck_assert_ptr_null(mf_get(m, "lost"));
	for (int i = 0; i < 40; i++) {
		snprintf(key, sizeof key, "k%d", i);
		ck_assert_int_eq(mf_get_int(m, key, -1), i);
		ck_assert_str_eq(m->pairs[i].key, key);
	}
}
END_TEST

/* Every builder call once: {kind: Pod, metadata: {name, labels: {app}},
 * spec: {replicas, debug, ports: [{port}], copied}, tags: [a], note: "n-7"} */
static mf_node *tb_sample(mf_tb *b, const mf_node *src)
{
	mf_node *doc = mf_tb_map(b, P(1, 1, 1)), *meta, *spec, *tags, *port;

	mf_tb_put_str(b, doc, "kind", "Pod", P(1, 1, 7));
	meta = mf_tb_child(b, doc, "metadata", P(1, 2, 1));
	mf_tb_put(b, meta, "name", mf_tb_strn(b, "apixyz", 3, P(1, 3, 9)));
	mf_tb_put_str(b, mf_tb_child(b, meta, "labels", P(1, 4, 3)), "app", "api", P(1, 5, 10));
	spec = mf_tb_child(b, doc, "spec", P(1, 6, 1));
	mf_tb_put_int(b, spec, "replicas", 3, P(1, 7, 13));
	mf_tb_put_bool(b, spec, "debug", false, P(1, 8, 10));
	port = mf_tb_map(b, P(1, 10, 5));
	mf_tb_put(b, port, "port", mf_tb_int(b, 80, P(1, 10, 11)));
	mf_tb_push(b, mf_tb_child_seq(b, spec, "ports", P(1, 9, 3)), port);
	mf_tb_put(b, spec, "copied", mf_tb_copy(b, src));
	mf_tb_put_nonempty(b, spec, "empty", mf_tb_seq(b, P(1, 11, 3)));
	tags = mf_tb_seq(b, P(1, 12, 1));
	mf_tb_push(b, tags, mf_tb_str(b, "a", P(1, 12, 9)));
	mf_tb_put_nonempty(b, doc, "tags", tags);
	mf_tb_put_str(b, doc, "note", mf_tb_printf(b, "n-%d", 7), P(1, 13, 7));
	mf_tb_put(b, doc, "none", mf_tb_null(b, P(1, 14, 7)));
	return doc;
}

START_TEST(tb_builds_a_tree)
{
	mf_tb b = {.a = A};
	mf_node *src = sample(), *doc = tb_sample(&b, src);
	long *grown = NULL;
	size_t cap = 0;

	ck_assert(!b.failed);
	ck_assert_str_eq(mf_get_str(doc, "kind"), "Pod");
	ck_assert(pos_eq(mf_get(doc, "kind")->pos, P(1, 1, 7)));
	ck_assert_str_eq(mf_str(mf_path(doc, "metadata.name")), "api");
	ck_assert_str_eq(mf_str(mf_path(doc, "metadata.labels.app")), "api");
	ck_assert_int_eq(mf_path(doc, "spec.replicas")->v.i, 3);
	ck_assert_int_eq(mf_path(doc, "spec.debug")->kind, MF_BOOL);
	ck_assert_int_eq(mf_path(doc, "spec.ports.0.port")->v.i, 80);
	ck_assert(pos_eq(mf_path(doc, "spec.ports")->pos, P(1, 9, 3)));
	ck_assert(mf_equal(mf_path(doc, "spec.copied"), src));
	ck_assert_ptr_ne(mf_path(doc, "spec.copied"), src);  /* copied, not linked */
	ck_assert_ptr_null(mf_path(doc, "spec.empty"));      /* no "empty: []" */
	ck_assert_str_eq(mf_str(mf_path(doc, "tags.0")), "a");
	ck_assert_str_eq(mf_get_str(doc, "note"), "n-7");
	ck_assert_int_eq(mf_get(doc, "none")->kind, MF_NULL);
	/* put replaces; child finds the child it made */
	mf_tb_put_int(&b, doc, "kind", 1, MF_NOPOS);
	ck_assert_int_eq(mf_get(doc, "kind")->kind, MF_INT);
	ck_assert_ptr_eq(mf_tb_child(&b, doc, "metadata", MF_NOPOS), mf_get(doc, "metadata"));
	ck_assert_uint_eq(doc->n, 6);
	/* side arrays */
	for (long i = 0; i < 100; i++) {
		grown = mf_tb_grow(&b, grown, (size_t)i, &cap, sizeof *grown);
		ck_assert_ptr_nonnull(grown);
		grown[i] = i;
	}
	ck_assert_int_eq(grown[99], 99);
	ck_assert_ptr_nonnull(mf_tb_alloc(&b, 64));
	ck_assert(!b.failed);
}
END_TEST

/* A NULL value is an optional field left out: nothing put, nothing failed. */
START_TEST(tb_null_value_is_nothing)
{
	mf_tb b = {.a = A};
	mf_node *m = mf_tb_map(&b, MF_NOPOS), *seq = mf_tb_seq(&b, MF_NOPOS);

	ck_assert_ptr_null(mf_tb_str(&b, NULL, MF_NOPOS));
	ck_assert_ptr_null(mf_tb_strn(&b, NULL, 3, MF_NOPOS));
	ck_assert_ptr_null(mf_tb_copy(&b, NULL));
	mf_tb_put(&b, m, "k", NULL);
	mf_tb_put_str(&b, m, "k", NULL, MF_NOPOS);
	mf_tb_put_nonempty(&b, m, "k", NULL);
	mf_tb_push(&b, seq, NULL);
	ck_assert_uint_eq(m->n, 0);
	ck_assert_uint_eq(seq->n, 0);
	ck_assert(!b.failed);
}
END_TEST

/* A NULL parent is a failure already recorded where it was made: the
 * calls below do nothing and record nothing more. */
START_TEST(tb_null_parent_is_recorded_already)
{
	mf_tb b = {.a = A};
	mf_node *v = mf_tb_str(&b, "v", MF_NOPOS);

	mf_tb_put(&b, NULL, "k", v);
	mf_tb_put_str(&b, NULL, "k", "s", MF_NOPOS);
	mf_tb_put_int(&b, NULL, "k", 1, MF_NOPOS);
	mf_tb_put_bool(&b, NULL, "k", true, MF_NOPOS);
	mf_tb_put_nonempty(&b, NULL, "k", mf_tb_seq(&b, MF_NOPOS));
	mf_tb_push(&b, NULL, v);
	ck_assert_ptr_null(mf_tb_child(&b, NULL, "k", MF_NOPOS));
	ck_assert_ptr_null(mf_tb_child_seq(&b, NULL, "k", MF_NOPOS));
	ck_assert(!b.failed);
	/* so the one failure that made the parent NULL is what is reported */
	mf_arena_fail_once(A, 0);
	ck_assert_ptr_null(mf_tb_child(&b, mf_tb_map(&b, MF_NOPOS), "k", MF_NOPOS));
	ck_assert(b.failed);
}
END_TEST

/* A failure stays recorded: later calls succeed, the flag stays set. */
START_TEST(tb_failure_is_sticky)
{
	mf_tb b = {.a = A};
	mf_node *m;

	mf_arena_fail_once(A, 0);
	ck_assert_ptr_null(mf_tb_map(&b, MF_NOPOS));
	ck_assert(b.failed);
	m = mf_tb_map(&b, MF_NOPOS);
	ck_assert_ptr_nonnull(m);
	mf_tb_put_str(&b, m, "k", "v", MF_NOPOS);
	ck_assert_str_eq(mf_get_str(m, "k"), "v");
	ck_assert(b.failed);
	ck_assert_ptr_eq(mf_tb_check(&b, m), m);
	ck_assert(b.failed);
	b.failed = false;
	ck_assert_ptr_null(mf_tb_check(&b, NULL));
	ck_assert(b.failed);
}
END_TEST

/* Whichever allocation fails, the builder records it: the sample tree is
 * either whole with no failure, or `failed` is set. */
START_TEST(tb_every_failure_is_recorded)
{
	mf_tb ref = {.a = A};
	mf_node *src = sample(), *want = tb_sample(&ref, src);
	size_t fired = 0;

	ck_assert(!ref.failed);
	for (size_t n = 0;; n++) {
		mf_tb b = {.a = A};
		mf_node *got;
		mf_arena_fail_once(A, n);
		got = tb_sample(&b, src);
		if (mf_arena_fail_once(A, SIZE_MAX) == 0) {
			ck_assert_msg(b.failed, "allocation %zu failed unrecorded", n);
			fired++;
			continue;
		}
		ck_assert(!b.failed);
		ck_assert(mf_equal(got, want));
		break;
	}
	ck_assert_uint_gt(fired, 30);
}
END_TEST

START_TEST(lookups)
{
	mf_node *m = sample();
	ck_assert_str_eq(mf_get_str(m, "name"), "api");
	ck_assert_int_eq(mf_get_int(m, "replicas", 1), 3);
	ck_assert_int_eq(mf_get_int(m, "name", 7), 7);
	ck_assert_int_eq(mf_get_int(m, "missing", 7), 7);
	ck_assert(!mf_get_bool(m, "debug", true));
	ck_assert(mf_get_bool(m, "replicas", true));
	ck_assert_ptr_null(mf_get(NULL, "x"));
	ck_assert_ptr_null(mf_get(m, NULL));
	ck_assert_ptr_null(mf_get(mf_get(m, "name"), "x"));
	ck_assert(pos_eq(mf_get_pair(m, "replicas")->pos, P(1, 2, 11)));
	ck_assert_ptr_null(mf_get_pair(NULL, "x"));
	ck_assert_str_eq(mf_get_str(NULL, "x") ? "bad" : "null", "null");
	ck_assert_str_eq(mf_str(mf_get(m, "replicas")), "3");
	ck_assert_ptr_null(mf_str(mf_get(m, "ports")));
	ck_assert_ptr_null(mf_str(mf_new(A, MF_NULL, MF_NOPOS)));
	ck_assert(mf_is_scalar(mf_get(m, "debug")));
	ck_assert(!mf_is_scalar(m));
	ck_assert(!mf_is_scalar(NULL));
}
END_TEST

/* mf_hash: first value wins, byte keys with their length, growth keeps every
 * entry, a failed allocation leaves the table as it was. */
START_TEST(hash_table)
{
	mf_hash h = {0};
	int one = 1, two = 2;
	char keys[5000][8];
	mf_pos at = P(1, 2, 3), same = P(1, 2, 3);

	ck_assert_ptr_null(mf_hash_get_str(&h, "a"));
	ck_assert_ptr_eq(mf_hash_put_str(A, &h, "a", &one), &one);
	ck_assert_ptr_eq(mf_hash_put_str(A, &h, "a", &two), &one);
	ck_assert_ptr_eq(mf_hash_get_str(&h, "a"), &one);
	ck_assert_ptr_null(mf_hash_get(&h, "ab", 2));
	ck_assert_ptr_eq(mf_hash_put(A, &h, "ab", 1, &two), &one); /* "a" */
	ck_assert_ptr_eq(mf_hash_put(A, &h, "", 0, &two), &two);
	ck_assert_ptr_eq(mf_hash_put(A, &h, &at, sizeof at, &two), &two);
	ck_assert_ptr_eq(mf_hash_get(&h, &same, sizeof same), &two);
	ck_assert_ptr_null(mf_hash_put_str(A, &h, NULL, &one));
	ck_assert_ptr_null(mf_hash_put_str(A, &h, "b", NULL));
	for (int i = 0; i < 5000; i++) {
		snprintf(keys[i], sizeof keys[i], "k%d", i);
		ck_assert_ptr_eq(mf_hash_put_str(A, &h, keys[i], keys[i]), keys[i]);
	}
	ck_assert_uint_eq(h.n, 5003);
	for (int i = 0; i < 5000; i++)
		ck_assert_ptr_eq(mf_hash_get_str(&h, keys[i]), keys[i]);
	while (2 * (h.n + 1) <= h.cap) /* up to the put that must grow the table */
		ck_assert_ptr_nonnull(mf_hash_put_str(A, &h, mf_printf(A, "x%zu", h.n), &one));
	const char *last = mf_printf(A, "x%zu", h.n);
	size_t n = h.n, cap = h.cap;
	mf_arena_fail_once(A, 0);
	ck_assert_ptr_null(mf_hash_put_str(A, &h, last, &one));
	ck_assert_uint_eq(h.n, n);
	ck_assert_uint_eq(h.cap, cap);
	ck_assert_ptr_eq(mf_hash_get_str(&h, "k4999"), keys[4999]);
	ck_assert_ptr_eq(mf_hash_put_str(A, &h, last, &two), &two);
}
END_TEST

START_TEST(paths)
{
	mf_node *m = sample();
	ck_assert_str_eq(mf_str(mf_path(m, "resources.limits.cpu")), "500m");
	ck_assert_int_eq(mf_path(m, "ports.1.port")->v.i, 443);
	ck_assert_int_eq(mf_path(m, "ports.0.port")->v.i, 80);
	ck_assert_ptr_eq(mf_path(m, ""), m);
	ck_assert_ptr_null(mf_path(m, "ports.2.port"));
	ck_assert_ptr_null(mf_path(m, "ports.x"));
	ck_assert_ptr_null(mf_path(m, "ports.-1"));
	ck_assert_ptr_null(mf_path(m, "ports."));
	ck_assert_ptr_null(mf_path(m, "name.x"));
	ck_assert_ptr_null(mf_path(m, "resources.limit"));  /* prefixes do not match */
	ck_assert_ptr_null(mf_path(m, "resources.limitsx"));
	ck_assert_ptr_null(mf_path(NULL, "a"));
	ck_assert_ptr_null(mf_path(m, NULL));
	mf_node *odd = mf_new_map(A, MF_NOPOS);
	mf_map_set_str(A, odd, "0", "zero", MF_NOPOS);
	ck_assert_str_eq(mf_str(mf_path(odd, "0")), "zero");  /* digits are keys in a map */
}
END_TEST

START_TEST(truthy)
{
	ck_assert(!mf_truthy(NULL));
	ck_assert(!mf_truthy(mf_new(A, MF_NULL, MF_NOPOS)));
	ck_assert(mf_truthy(mf_new_bool(A, true, MF_NOPOS)));
	ck_assert(!mf_truthy(mf_new_bool(A, false, MF_NOPOS)));
	ck_assert(!mf_truthy(mf_new_int(A, 0, MF_NOPOS)));
	ck_assert(mf_truthy(mf_new_int(A, -1, MF_NOPOS)));
	ck_assert(!mf_truthy(mf_new_float(A, 0.0, MF_NOPOS)));
	ck_assert(mf_truthy(mf_new_float(A, 0.5, MF_NOPOS)));
	ck_assert(!mf_truthy(mf_new_str(A, "", MF_NOPOS)));
	ck_assert(mf_truthy(mf_new_str(A, "false", MF_NOPOS)));
	ck_assert(!mf_truthy(mf_new_seq(A, MF_NOPOS)));
	ck_assert(mf_truthy(sample()));
}
END_TEST

/* ---- trees ------------------------------------------------------------------------------- */

START_TEST(copy_is_deep)
{
	mf_node *m = sample();
	m->flags |= MF_SHARED;
	mf_node *c = mf_copy(A, m);
	ck_assert(mf_equal(m, c));
	ck_assert(!(c->flags & MF_SHARED));
	ck_assert(pos_eq(mf_path(c, "resources.limits.cpu")->pos, P(1, 9, 10)));
	ck_assert(pos_eq(mf_get_pair(c, "debug")->pos, P(1, 3, 8)));
	ck_assert_ptr_ne(mf_path(c, "ports.0"), mf_path(m, "ports.0"));
	ck_assert_ptr_ne(mf_get_str(c, "name"), mf_get_str(m, "name"));
	mf_map_set_int(A, mf_path(c, "ports.0"), "port", 8080, MF_NOPOS);
	ck_assert_int_eq(mf_path(m, "ports.0.port")->v.i, 80);
	ck_assert_ptr_null(mf_copy(A, NULL));
}
END_TEST

/* the copy outlives the arena the source was built in */
START_TEST(copy_across_arenas)
{
	mf_arena *other = mf_arena_new();
	mf_node *src = mf_new_map(A, MF_NOPOS);
	mf_map_set_str(A, src, "k", "v", MF_NOPOS);
	mf_node *c = mf_copy(other, src);
	teardown();
	ck_assert_str_eq(mf_get_str(c, "k"), "v");
	ck_assert_str_eq(c->pairs[0].key, "k");
	mf_arena_free(other);
	setup();
}
END_TEST

static mf_node *yaml_like(uint32_t file)
{
	/* base: {image: nginx, env: {A: "1", B: "2"}, args: [x, y], ports: {http: 80}, keep: k} */
	mf_node *m = mf_new_map(A, P(file, 1, 1));
	mf_map_set_str(A, m, "image", "nginx", P(file, 1, 8));
	mf_node *env = mf_map_child(A, m, "env", P(file, 2, 1));
	mf_map_set_str(A, env, "A", "1", P(file, 3, 6));
	mf_map_set_str(A, env, "B", "2", P(file, 4, 6));
	mf_node *args = mf_map_child_seq(A, m, "args", P(file, 5, 1));
	mf_seq_push(A, args, mf_new_str(A, "x", P(file, 6, 3)));
	mf_seq_push(A, args, mf_new_str(A, "y", P(file, 7, 3)));
	mf_map_set_int(A, mf_map_child(A, m, "ports", P(file, 8, 1)), "http", 80, P(file, 9, 9));
	mf_map_set_str(A, m, "keep", "k", P(file, 10, 7));
	return m;
}

START_TEST(merge_maps_key_by_key)
{
	mf_node *base = yaml_like(1);
	mf_node *over = mf_new_map(A, P(2, 1, 1));
	mf_node *env = mf_map_child(A, over, "env", P(2, 1, 1));
	mf_map_set_str(A, env, "C", "3", P(2, 2, 6));
	mf_map_set_str(A, env, "A", "one", P(2, 3, 6));
	mf_node *args = mf_map_child_seq(A, over, "args", P(2, 4, 1));
	mf_seq_push(A, args, mf_new_str(A, "z", P(2, 5, 3)));
	mf_map_set_str(A, over, "image", "nginx:1.25", P(2, 6, 8));
	mf_map_set_str(A, over, "extra", "e", P(2, 7, 8));
	mf_node *base_before = mf_copy(A, base), *over_before = mf_copy(A, over);

	mf_node *r = mf_merge(A, base, over);
	ck_assert_ptr_nonnull(r);
	const char *order[] = {"image", "env", "args", "ports", "keep", "extra"};
	ck_assert_uint_eq(r->n, 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(r->pairs[i].key, order[i]);
	mf_node *renv = mf_get(r, "env");
	ck_assert_uint_eq(renv->n, 3);
	ck_assert_str_eq(renv->pairs[0].key, "A");
	ck_assert_str_eq(mf_str(renv->pairs[0].val), "one");
	ck_assert_str_eq(renv->pairs[2].key, "C");
	ck_assert_uint_eq(mf_get(r, "args")->n, 1);  /* sequences are replaced, not appended */
	ck_assert_str_eq(mf_str(mf_path(r, "args.0")), "z");
	ck_assert_str_eq(mf_get_str(r, "image"), "nginx:1.25");
	/* inputs untouched, result shares nothing with them */
	ck_assert(mf_equal(base, base_before));
	ck_assert(mf_equal(over, over_before));
	ck_assert_ptr_ne(mf_get(r, "ports"), mf_get(base, "ports"));
	ck_assert_ptr_ne(mf_get(r, "extra"), mf_get(over, "extra"));
}
END_TEST

START_TEST(merge_keeps_positions)
{
	mf_node *base = yaml_like(1);
	mf_node *over = mf_new_map(A, P(2, 1, 1));
	mf_map_set_str(A, mf_map_child(A, over, "env", P(2, 1, 1)), "A", "one", P(2, 3, 6));
	mf_map_set_str(A, over, "image", "httpd", P(2, 6, 8));
	mf_map_set_str(A, over, "extra", "e", P(2, 7, 8));
	mf_node *r = mf_merge(A, base, over);
	ck_assert(pos_eq(r->pos, P(1, 1, 1)));
	ck_assert(pos_eq(mf_get(r, "image")->pos, P(2, 6, 8)));     /* set by the override */
	ck_assert(pos_eq(mf_get_pair(r, "image")->pos, P(2, 6, 8)));
	ck_assert(pos_eq(mf_path(r, "env.A")->pos, P(2, 3, 6)));
	ck_assert(pos_eq(mf_path(r, "env.B")->pos, P(1, 4, 6)));     /* untouched: base */
	ck_assert(pos_eq(mf_get(r, "env")->pos, P(1, 2, 1)));        /* merged map: base */
	ck_assert(pos_eq(mf_get_pair(r, "env")->pos, P(1, 2, 1)));
	ck_assert(pos_eq(mf_get(r, "extra")->pos, P(2, 7, 8)));
	ck_assert(pos_eq(mf_path(r, "ports.http")->pos, P(1, 9, 9)));
}
END_TEST

START_TEST(merge_null_deletes)
{
	mf_node *base = yaml_like(1);
	mf_node *over = mf_new_map(A, P(2, 1, 1));
	mf_map_set(A, over, "keep", mf_new(A, MF_NULL, P(2, 1, 7)));
	mf_map_set(A, mf_map_child(A, over, "env", MF_NOPOS), "B", mf_new(A, MF_NULL, MF_NOPOS));
	mf_map_set(A, over, "absent", mf_new(A, MF_NULL, MF_NOPOS));
	/* a map new to base still drops its nulls; a sequence keeps them */
	mf_node *fresh = mf_map_child(A, over, "fresh", MF_NOPOS);
	mf_map_set(A, fresh, "gone", mf_new(A, MF_NULL, MF_NOPOS));
	mf_map_set_str(A, fresh, "here", "h", MF_NOPOS);
	mf_node *seq = mf_map_child_seq(A, over, "list", MF_NOPOS);
	mf_seq_push(A, seq, mf_new(A, MF_NULL, MF_NOPOS));
	mf_node *r = mf_merge(A, base, over);
	ck_assert_ptr_null(mf_get(r, "keep"));
	ck_assert_ptr_null(mf_get(r, "absent"));
	ck_assert_ptr_null(mf_path(r, "env.B"));
	ck_assert_str_eq(mf_str(mf_path(r, "env.A")), "1");
	ck_assert_uint_eq(mf_get(r, "fresh")->n, 1);
	ck_assert_str_eq(mf_str(mf_path(r, "fresh.here")), "h");
	ck_assert_int_eq(mf_path(r, "list.0")->kind, MF_NULL);
	ck_assert_ptr_nonnull(mf_get(base, "keep"));
}
END_TEST

START_TEST(merge_edge_cases)
{
	mf_node *base = yaml_like(1);
	ck_assert(mf_equal(mf_merge(A, base, NULL), base));
	ck_assert(mf_equal(mf_merge(A, base, mf_new(A, MF_NULL, MF_NOPOS)), base));
	mf_node *s = mf_new_str(A, "x", P(2, 1, 1));
	mf_node *r = mf_merge(A, base, s);
	ck_assert(mf_equal(r, s));
	ck_assert_ptr_ne(r, s);
	/* map over a scalar: the scalar is gone, the map is built from over */
	mf_node *over = mf_new_map(A, P(2, 1, 1));
	mf_map_set_str(A, over, "a", "b", P(2, 1, 4));
	mf_map_set(A, over, "n", mf_new(A, MF_NULL, MF_NOPOS));
	r = mf_merge(A, s, over);
	ck_assert_uint_eq(r->n, 1);
	ck_assert(pos_eq(r->pos, P(2, 1, 1)));
	r = mf_merge(A, NULL, over);
	ck_assert_uint_eq(r->n, 1);
	/* a scalar key in base replaced by a map in over */
	mf_node *o2 = mf_new_map(A, MF_NOPOS);
	mf_map_set_str(A, mf_map_child(A, o2, "image", P(3, 1, 1)), "repo", "r", P(3, 2, 3));
	r = mf_merge(A, base, o2);
	ck_assert_str_eq(mf_str(mf_path(r, "image.repo")), "r");
	ck_assert_str_eq(r->pairs[0].key, "image");
	ck_assert(pos_eq(r->pairs[0].pos, P(3, 1, 1)));
}
END_TEST

START_TEST(equality)
{
	mf_node *x = mf_new_map(A, P(1, 1, 1)), *y = mf_new_map(A, P(2, 2, 2));
	mf_map_set_str(A, x, "a", "1", MF_NOPOS);
	mf_map_set_int(A, x, "b", 2, MF_NOPOS);
	mf_map_set_int(A, y, "b", 2, P(9, 9, 9));
	mf_map_set_str(A, y, "a", "1", MF_NOPOS);
	ck_assert(mf_equal(x, y));  /* map order and positions do not matter */
	mf_map_set_str(A, y, "c", "3", MF_NOPOS);
	ck_assert(!mf_equal(x, y));
	mf_map_del(y, "c");
	mf_map_set_str(A, y, "b", "2", MF_NOPOS);
	ck_assert(!mf_equal(x, y));  /* int 2 vs string "2" */

	mf_node *s1 = mf_new_seq(A, MF_NOPOS), *s2 = mf_new_seq(A, MF_NOPOS);
	mf_seq_push(A, s1, mf_new_str(A, "a", MF_NOPOS));
	mf_seq_push(A, s1, mf_new_str(A, "b", MF_NOPOS));
	mf_seq_push(A, s2, mf_new_str(A, "b", MF_NOPOS));
	mf_seq_push(A, s2, mf_new_str(A, "a", MF_NOPOS));
	ck_assert(!mf_equal(s1, s2));  /* sequence order matters */
	ck_assert(mf_equal(s1, mf_copy(A, s1)));

	mf_node *hex = mf_new_int(A, 16, MF_NOPOS);
	hex->str = "0x10";  /* as a loader would keep it */
	ck_assert(mf_equal(hex, mf_new_int(A, 16, MF_NOPOS)));
	ck_assert(!mf_equal(mf_new_int(A, 1, MF_NOPOS), mf_new_float(A, 1.0, MF_NOPOS)));
	ck_assert(mf_equal(mf_new_float(A, NAN, MF_NOPOS), mf_new_float(A, NAN, MF_NOPOS)));
	ck_assert(mf_equal(mf_new(A, MF_NULL, MF_NOPOS), mf_new(A, MF_NULL, P(1, 1, 1))));
	ck_assert(!mf_equal(mf_new_bool(A, true, MF_NOPOS), mf_new_bool(A, false, MF_NOPOS)));
	ck_assert(mf_equal(NULL, NULL));
	ck_assert(!mf_equal(x, NULL));
}
END_TEST

START_TEST(stamp)
{
	mf_node *m = mf_new_map(A, MF_NOPOS);
	mf_map_set_str(A, m, "set", "v", P(1, 2, 3));
	mf_map_add(A, m, "unset", MF_NOPOS, mf_new_seq(A, MF_NOPOS));
	mf_seq_push(A, mf_get(m, "unset"), mf_new_int(A, 1, MF_NOPOS));
	mf_stamp(m, P(7, 1, 1));
	ck_assert(pos_eq(m->pos, P(7, 1, 1)));
	ck_assert(pos_eq(mf_get(m, "set")->pos, P(1, 2, 3)));
	ck_assert(pos_eq(mf_get_pair(m, "set")->pos, P(1, 2, 3)));
	ck_assert(pos_eq(mf_get_pair(m, "unset")->pos, P(7, 1, 1)));
	ck_assert(pos_eq(mf_path(m, "unset.0")->pos, P(7, 1, 1)));
	mf_stamp(NULL, P(1, 1, 1));
}
END_TEST

/* ---- sorting ---------------------------------------------------------------------------- */

START_TEST(map_sort_is_stable)
{
	mf_node *m = mf_new_map(A, MF_NOPOS);
	const char *keys[] = {"b", "a", "c", "a", "b", "A", "", "a"};
	for (int i = 0; i < 8; i++)
		mf_map_add(A, m, keys[i], MF_NOPOS, mf_new_int(A, i, MF_NOPOS));
	mf_map_sort(m);
	const char *want_keys[] = {"", "A", "a", "a", "a", "b", "b", "c"};
	const long long want_vals[] = {6, 5, 1, 3, 7, 0, 4, 2};
	for (int i = 0; i < 8; i++) {
		ck_assert_str_eq(m->pairs[i].key, want_keys[i]);
		ck_assert_int_eq(m->pairs[i].val->v.i, want_vals[i]);
	}
	mf_map_sort(NULL);
	mf_map_sort(mf_new_seq(A, MF_NOPOS));
}
END_TEST

typedef struct {
	int key, seq;
} rec;

static int rec_cmp(const void *x, const void *y)
{
	return ((const rec *)x)->key - ((const rec *)y)->key;
}

START_TEST(stable_sort_large)
{
	enum { N = 5000 };
	rec *r = malloc(N * sizeof *r);
	unsigned x = 12345;
	for (int i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		r[i] = (rec){(int)(x >> 16) % 37, i};
	}
	mf_stable_sort(r, N, sizeof *r, rec_cmp);
	for (int i = 1; i < N; i++) {
		ck_assert_int_le(r[i - 1].key, r[i].key);
		if (r[i - 1].key == r[i].key)
			ck_assert_int_lt(r[i - 1].seq, r[i].seq);
	}
	free(r);
	mf_stable_sort(NULL, 0, sizeof(rec), rec_cmp);
}
END_TEST

/* A frozen tree's copy is writable; the tree itself is not (MF_FREEZE). */
START_TEST(frozen_copy_is_writable)
{
	mf_node *m = mf_new_map(A, MF_NOPOS), *c;

	ck_assert_int_eq(mf_map_set_str(A, m, "k", "v", MF_NOPOS), 0);
	mf_freeze(m);
	c = mf_copy(A, m);
	ck_assert_int_eq(mf_map_set_str(A, c, "k", "w", MF_NOPOS), 0);
	ck_assert_str_eq(mf_get_str(m, "k"), "v");
	ck_assert_str_eq(mf_get_str(c, "k"), "w");
}
END_TEST

#ifdef MF_FREEZE
START_TEST(frozen_write_aborts)
{
	mf_node *m = mf_new_map(A, MF_NOPOS);

	mf_map_set_str(A, mf_map_child(A, m, "inner", MF_NOPOS), "k", "v", MF_NOPOS);
	mf_freeze(m);
	mf_map_del(mf_get(m, "inner"), "k"); /* aborts */
}
END_TEST
#endif

/* The limit: the floor for small inputs, 4096 bytes per input byte past
 * it, never above the ceiling; a fixed one wins. */
START_TEST(budget_limit)
{
	mf_budget b = {0};

	ck_assert_uint_eq(mf_budget_limit(&b), MF_MEMORY_FLOOR);
	b.input = 256 * 1024;
	ck_assert_uint_eq(mf_budget_limit(&b), MF_MEMORY_FLOOR);
	b.input++;
	ck_assert_uint_eq(mf_budget_limit(&b), MF_MEMORY_FLOOR + 4096);
	b.input = 16 * 1024 * 1024;
	ck_assert_uint_eq(mf_budget_limit(&b), (size_t)64 << 30);
	b.ceiling = (size_t)3 << 30;
	ck_assert_uint_eq(mf_budget_limit(&b), (size_t)3 << 30);
	b.fixed = 12345;
	ck_assert_uint_eq(mf_budget_limit(&b), 12345);
}
END_TEST

/* Arenas sharing a budget count their chunks in it; past the limit the
 * budget is hit and a reserve of a quarter lets the stage finish, then
 * allocations fail; freeing gives the bytes back. */
START_TEST(budget_refuses_past_the_limit)
{
	mf_budget b = {.fixed = 1 << 20};
	mf_arena *x = mf_arena_new(), *y = mf_arena_new();
	size_t got = 0;

	mf_arena_set_budget(x, &b);
	mf_arena_set_budget(y, &b);
	while (!b.hit && mf_alloc(got % 2 ? x : y, 1000))
		got++;
	ck_assert(b.hit);
	ck_assert_uint_ge(got * 1000, (1 << 20) - 3 * 65536);
	ck_assert_uint_le(b.used, (1 << 20) + 65536 + 64); /* the chunk that hit it: reserve */
	while (mf_alloc(x, 1000))
		got++;
	ck_assert_uint_le(b.used, (1 << 20) + (1 << 18));
	ck_assert_uint_gt(b.used, 1 << 20);
	ck_assert_ptr_null(mf_alloc(y, 100000));
	ck_assert_uint_eq(b.peak, b.used);
	mf_arena_free(x);
	mf_arena_free(y);
	ck_assert_uint_eq(b.used, 0);
}
END_TEST

/* The last node made before the limit is where the error points. */
START_TEST(budget_remembers_what_was_built)
{
	mf_budget b = {.fixed = 1};
	mf_arena *x = mf_arena_new();

	mf_arena_set_budget(x, &b);
	ck_assert_ptr_null(mf_new_str(x, "label", (mf_pos){1, 7, 3}));
	ck_assert(b.hit);
	ck_assert_uint_eq(b.last.line, 7);
	ck_assert_uint_eq(b.last.col, 3);
	mf_arena_free(x);
}
END_TEST

/* mf_merge_shared: mf_merge's tree (values, key order, every position), with
 * base's untouched subtrees and over's scalars shared, over's maps new. */
static bool same_tree(const mf_node *x, const mf_node *y)
{
	if (!x || !y || x->kind != y->kind || !pos_eq(x->pos, y->pos) || x->n != y->n)
		return x == y;
	for (size_t i = 0; x->kind == MF_MAP && i < x->n; i++)
		if (strcmp(x->pairs[i].key, y->pairs[i].key) ||
		    !pos_eq(x->pairs[i].pos, y->pairs[i].pos) ||
		    !same_tree(x->pairs[i].val, y->pairs[i].val))
			return false;
	for (size_t i = 0; x->kind == MF_SEQ && i < x->n; i++)
		if (!same_tree(x->items[i], y->items[i]))
			return false;
	return mf_equal(x, y);
}

START_TEST(merge_shared_is_merge)
{
	mf_node *base = yaml_like(1), *over = mf_new_map(A, P(2, 1, 1));
	mf_map_set_str(A, mf_map_child(A, over, "env", P(2, 1, 1)), "A", "one", P(2, 3, 6));
	mf_map_set(A, mf_get(over, "env"), "B", mf_new(A, MF_NULL, P(2, 4, 6)));
	mf_map_set_str(A, over, "image", "httpd", P(2, 6, 8));
	mf_map_set(A, over, "keep", mf_new(A, MF_NULL, P(2, 7, 7)));
	mf_node *fresh = mf_map_child(A, over, "fresh", P(2, 8, 1));
	mf_map_set(A, fresh, "gone", mf_new(A, MF_NULL, MF_NOPOS));
	mf_map_set_str(A, fresh, "here", "h", P(2, 9, 9));
	mf_map_set_str(A, mf_map_child(A, over, "args", P(2, 10, 1)), "k", "v", P(2, 11, 3));
	mf_node *base_before = mf_copy(A, base), *over_before = mf_copy(A, over);
	const mf_node *bases[] = {base, NULL, mf_new_str(A, "s", P(3, 1, 1))};

	for (size_t i = 0; i < MF_NELEM(bases); i++)
		ck_assert(same_tree(mf_merge_shared(A, bases[i], over), mf_merge(A, bases[i], over)));
	ck_assert_ptr_eq(mf_merge_shared(A, base, NULL), base);
	ck_assert_ptr_eq(mf_merge_shared(A, base, bases[2]), bases[2]);
	mf_node *r = mf_merge_shared(A, base, over);
	ck_assert_ptr_eq(mf_get(r, "ports"), mf_get(base, "ports")); /* untouched: shared */
	ck_assert_ptr_eq(mf_get(r, "image"), mf_get(over, "image"));
	ck_assert_ptr_ne(mf_get(r, "env"), mf_get(base, "env")); /* merged: a new map */
	ck_assert_ptr_ne(mf_get(r, "fresh"), fresh);
	ck_assert_uint_eq(mf_get(r, "fresh")->n, 1);
	ck_assert(same_tree(base, base_before) && same_tree(over, over_before));
}
END_TEST

static Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *t = tcase_create("arena");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, arena_alignment_and_zeroing);
	tcase_add_test(t, arena_big_requests);
	tcase_add_test(t, arena_strings);
	suite_add_tcase(s, t);
	t = tcase_create("builders");
	tcase_set_timeout(t, 120);  /* 20,000 float round trips, under valgrind too */
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, scalars_have_canonical_text);
	tcase_add_test(t, float_text);
	tcase_add_test(t, float_text_round_trips);
	tcase_add_test(t, seq_push_grows);
	tcase_add_test(t, map_add_set_del);
	tcase_add_test(t, map_child);
	suite_add_tcase(s, t);
	t = tcase_create("tree builder");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, arena_fail_once);
	tcase_add_test(t, map_add_failure_leaves_map_whole);
	tcase_add_test(t, tb_builds_a_tree);
	tcase_add_test(t, tb_null_value_is_nothing);
	tcase_add_test(t, tb_null_parent_is_recorded_already);
	tcase_add_test(t, tb_failure_is_sticky);
	tcase_add_test(t, tb_every_failure_is_recorded);
	suite_add_tcase(s, t);
	t = tcase_create("lookups");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, lookups);
	tcase_add_test(t, hash_table);
	tcase_add_test(t, paths);
	tcase_add_test(t, truthy);
	suite_add_tcase(s, t);
	t = tcase_create("trees");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, copy_is_deep);
	tcase_add_test(t, copy_across_arenas);
	tcase_add_test(t, merge_maps_key_by_key);
	tcase_add_test(t, merge_keeps_positions);
	tcase_add_test(t, merge_null_deletes);
	tcase_add_test(t, merge_edge_cases);
	tcase_add_test(t, merge_shared_is_merge);
	tcase_add_test(t, equality);
	tcase_add_test(t, stamp);
	tcase_add_test(t, map_sort_is_stable);
	tcase_add_test(t, stable_sort_large);
	tcase_add_test(t, frozen_copy_is_writable);
	tcase_add_test(t, budget_limit);
	tcase_add_test(t, budget_refuses_past_the_limit);
	tcase_add_test(t, budget_remembers_what_was_built);
#ifdef MF_FREEZE
	tcase_add_test_raise_signal(t, frozen_write_aborts, SIGABRT);
#endif
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return mf_test_run(model_suite());
}
