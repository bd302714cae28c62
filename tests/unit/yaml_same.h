/* tests: two parsed YAML trees compared field by field (the fast reader against libfyaml's) */
#ifndef MF_TEST_YAML_SAME_H
#define MF_TEST_YAML_SAME_H

#include <stdio.h>
#include <string.h>

#include "load.h"

/* The first difference between two trees, written into why; true when none.
 * Every field a later stage reads: kind, flags, position, text, value, the
 * keys and their positions, in order. */
static inline bool mf_test_yaml_same(const mf_node *x, const mf_node *y, char *why, size_t size)
{
	if (!x || !y) {
		snprintf(why, size, "%s node missing", x ? "libfyaml's" : "the fast");
		return x == y;
	}
	if (x->kind != y->kind || x->flags != y->flags || !mf_pos_eq(x->pos, y->pos) ||
	    x->n != y->n || !mf_streq(x->str, y->str) || x->len != y->len) {
		snprintf(why, size, "at %u:%u (libfyaml %u:%u): kind %d/%d flags %u/%u n %zu/%zu "
			 "text [%s]/[%s]", x->pos.line, x->pos.col, y->pos.line, y->pos.col,
			 x->kind, y->kind, x->flags, y->flags, x->n, y->n, mf_or(x->str, ""),
			 mf_or(y->str, ""));
		return false;
	}
	if ((x->kind == MF_BOOL && x->v.b != y->v.b) || (x->kind == MF_INT && x->v.i != y->v.i) ||
	    (x->kind == MF_FLOAT && memcmp(&x->v.f, &y->v.f, sizeof x->v.f))) {
		snprintf(why, size, "at %u:%u: value of [%s]", x->pos.line, x->pos.col, x->str);
		return false;
	}
	for (size_t i = 0; i < x->n; i++) {
		if (x->kind == MF_SEQ) {
			if (!mf_test_yaml_same(x->items[i], y->items[i], why, size))
				return false;
			continue;
		}
		const mf_pair *p = &x->pairs[i], *q = &y->pairs[i];
		if (strcmp(p->key, q->key) || !mf_pos_eq(p->pos, q->pos)) {
			snprintf(why, size, "key [%s] at %u:%u, libfyaml [%s] at %u:%u", p->key,
				 p->pos.line, p->pos.col, q->key, q->pos.line, q->pos.col);
			return false;
		}
		if (!mf_test_yaml_same(p->val, q->val, why, size))
			return false;
	}
	return true;
}

#endif
