/* tests: what the unit test programs share (static inline: each test_*.c is a program of its own) */
#ifndef MF_TEST_SUPPORT_H
#define MF_TEST_SUPPORT_H

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
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

/* ---- input files in a temporary folder (load and resolve suites) ---------------------------- */

/* A fresh folder for a test's files ("/tmp/mf-test-XXXXXX"); mf_test_dir_remove() in the
 * teardown.  The path lives in a static buffer (one folder per test at a time). */
static inline const char *mf_test_dir(void)
{
	static char dir[64];

	snprintf(dir, sizeof dir, "/tmp/mf-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

/* Remove a folder and everything in it (the test folders hold files and folders only). */
static inline void mf_test_dir_remove(const char *dir)
{
	DIR *d = dir && *dir ? opendir(dir) : NULL;
	struct dirent *e;
	struct stat st;

	while (d && (e = readdir(d)) != NULL) {
		char *path;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		path = malloc(strlen(dir) + strlen(e->d_name) + 2);
		if (!path)
			break;
		sprintf(path, "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			mf_test_dir_remove(path);
		else
			unlink(path);
		free(path);
	}
	if (d) {
		closedir(d);
		rmdir(dir);
	}
}

/* Write len bytes (they may hold NUL) to DIR/REL, making REL's folders; returns the path
 * (arena-owned). */
static inline const char *mf_test_write_n(mf_arena *a, const char *dir, const char *rel,
					  const char *text, size_t len)
{
	char *path = mf_printf(a, "%s/%s", dir, rel);
	FILE *fp;

	for (char *s = path + strlen(dir) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		ck_assert(mkdir(path, 0700) == 0 || access(path, F_OK) == 0);
		*s = '/';
	}
	fp = fopen(path, "wb");
	ck_assert_msg(fp != NULL, "cannot write %s", path);
	ck_assert_uint_eq(fwrite(text, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
	return path;
}

static inline const char *mf_test_write(mf_arena *a, const char *dir, const char *rel,
					const char *text)
{
	return mf_test_write_n(a, dir, rel, text, strlen(text));
}

/* The first diagnostic with this code, or NULL; how many there are. */
static inline const mf_diag *mf_test_diag(const mf_ctx *c, const char *code)
{
	for (size_t i = 0; i < c->ndiags; i++)
		if (c->diags[i].code && !strcmp(c->diags[i].code, code))
			return &c->diags[i];
	return NULL;
}

static inline size_t mf_test_ndiags(const mf_ctx *c, const char *code)
{
	size_t n = 0;

	for (size_t i = 0; i < c->ndiags; i++)
		n += c->diags[i].code && !strcmp(c->diags[i].code, code);
	return n;
}

/* The source text at a position (its line and column), or NULL when it is none. */
static inline const char *mf_test_text_at(const mf_ctx *c, mf_pos pos)
{
	const mf_source *src = mf_source_get(c, pos.file);
	const char *s = src ? src->text : NULL;

	for (uint32_t line = 1; s && line < pos.line; line++) {
		const char *nl = strchr(s, '\n');
		s = nl ? nl + 1 : NULL;
	}
	return s && pos.col >= 1 && pos.col - 1 <= strcspn(s, "\n") ? s + pos.col - 1 : NULL;
}

/* The position is in the file whose path ends with file_, at line_:col_. */
#define mf_ck_pos(c, pos_, file_, line_, col_)                                                     \
	do {                                                                                       \
		const mf_source *ck_src_ = mf_source_get((c), (pos_).file);                        \
		size_t ck_n_ = ck_src_ ? strlen(ck_src_->path) : 0;                                \
		ck_assert_msg(ck_src_ &&ck_n_ >= strlen(file_) &&                                  \
				      !strcmp(ck_src_->path + ck_n_ - strlen(file_), (file_)),     \
			      "position in '%s', not in '%s'", ck_src_ ? ck_src_->path : "(none)", \
			      (file_));                                                            \
		ck_assert_uint_eq((pos_).line, (line_));                                           \
		ck_assert_uint_eq((pos_).col, (col_));                                             \
	} while (0)

#endif
