/* tests: what the unit test programs share (static inline: each test_*.c is a program of its own) */
#ifndef MF_TEST_SUPPORT_H
#define MF_TEST_SUPPORT_H

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "emit.h"
#include "load.h"

/* Run a suite; the program's exit status (0 when every test passed). */
static inline int mf_test_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/* A fresh arena for a fixture; mf_arena_free() in the teardown. */
static inline mf_arena *mf_test_arena(void)
{
	mf_arena *a = mf_arena_new();

	ck_assert_ptr_nonnull(a);
	return a;
}

/* A fresh context whose waivers see a fixed date. */
static inline void mf_test_ctx(mf_ctx *c)
{
	mf_ctx_init(c);
	c->today = "2026-01-01";
}

/* Load the profiles of a parsed description and resolve every environment. */
static inline int mf_resolve_doc(mf_ctx *c, const mf_node *doc, mf_system *s)
{
	mf_input in;

	if (mf_load_profiles(c, doc, &in) < 0)
		return -1;
	return mf_resolve(c, &in, NULL, 0, s);
}

/* Parse, validate and resolve a description held in a string; the test
 * fails, the diagnostics printed, when it does not resolve. */
static inline void mf_test_resolve(mf_ctx *c, mf_system *s, const char *yaml)
{
	uint32_t f = mf_source_add(c, "test.yaml", yaml, strlen(yaml));
	mf_node *doc;

	ck_assert_uint_ne(f, 0);
	doc = mf_yaml_parse(c, f, false);
	ck_assert_ptr_nonnull(doc);
	if (mf_validate(c, doc, "system") < 0 || mf_resolve_doc(c, doc, s) < 0) {
		mf_diag_print_all(c, stderr, false);
		ck_abort_msg("description does not resolve");
	}
}

/* Render a resolved system (one rendering per test program at a time);
 * the test fails, the diagnostics printed, when it does not render. */
static inline const mf_rendered *mf_test_render(mf_ctx *c, const mf_system *s)
{
	static mf_rendered rd;

	if (mf_render(c, s, NULL, &rd) < 0) {
		mf_diag_print_all(c, stderr, false);
		ck_abort_msg("description does not render");
	}
	return &rd;
}

/* Resolve and render, then one emitter into o (sorted). */
static inline void mf_test_emit(mf_ctx *c, mf_system *s, mf_output *o, const char *yaml, mf_emit_fn emit)
{
	mf_test_resolve(c, s, yaml);
	if (emit(c, mf_test_render(c, s), o) < 0) {
		mf_diag_print_all(c, stderr, false);
		ck_abort_msg("description does not emit");
	}
	mf_output_sort(o);
}

/* An environment by name ("base": the base view); NULL when there is none. */
static inline const mf_env *mf_test_env(const mf_system *s, const char *name)
{
	for (size_t i = 0; i < s->nenvs; i++)
		if (!strcmp(s->envs[i].name, name))
			return &s->envs[i];
	return name && !strcmp(name, "base") ? &s->base : NULL;
}

/* An output file by path, or NULL. */
static inline const mf_outfile *mf_test_file(const mf_output *o, const char *path)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->files[i].path, path))
			return &o->files[i];
	return NULL;
}

/* An output file read back with our own parser (JSON is YAML too);
 * `multi`: its documents as a sequence.  The test fails without the file. */
static inline const mf_node *mf_test_parse(mf_ctx *c, const mf_output *o, const char *path, bool multi)
{
	const mf_outfile *f = mf_test_file(o, path);
	mf_node *n;

	ck_assert_msg(f != NULL, "no file %s", path);
	n = mf_yaml_parse(c, mf_source_add(c, path, f->data, f->len), multi);
	ck_assert_ptr_nonnull(n);
	return n;
}

static inline bool mf_test_contains(const mf_output *o, const char *path, const char *text)
{
	const mf_outfile *f = mf_test_file(o, path);

	return f && strstr(f->data, text) != NULL;
}

/* An emitted file is read to its end by libyaml, the independent parser. */
static inline void mf_test_libyaml(const mf_outfile *f)
{
	yaml_parser_t p;
	yaml_event_t ev;
	bool done = false;

	ck_assert(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, (const unsigned char *)f->data, f->len);
	while (!done) {
		ck_assert_msg(yaml_parser_parse(&p, &ev), "%s: %s", f->path, p.problem);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
}

#endif
