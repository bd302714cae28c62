/* diag: unit tests pinning the exact diagnostic text, the error cap and the sort */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "support.h"

static mf_ctx C;

static void setup(void)
{
	mf_ctx_init(&C);
	ck_assert_ptr_nonnull(C.a);
}

static void teardown(void)
{
	mf_ctx_release(&C);
}

static mf_pos P(uint32_t file, uint32_t line, uint32_t col)
{
	return (mf_pos){file, line, col};
}

static uint32_t add_src(const char *path, const char *text)
{
	uint32_t f = mf_source_add(&C, path, text, strlen(text));
	ck_assert_uint_gt(f, 0);
	return f;
}

/* what mf_diag_print writes for d; the caller frees it */
static char *render(const mf_diag *d, bool color)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(mf_diag_print(&C, d, fp, color), 0);
	fclose(fp);
	return buf;
}

static char *render_all(bool color)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(mf_diag_print_all(&C, fp, color), 0);
	fclose(fp);
	return buf;
}

#define ck_render(d, color, want)                  \
	do {                                        \
		char *got_ = render((d), (color));  \
		ck_assert_str_eq(got_, (want));     \
		free(got_);                         \
	} while (0)

/* 41 filler lines, then the line the example in the docs points at */
static uint32_t system_yaml(void)
{
	char text[1024];
	size_t n = 0;
	for (int i = 1; i < 42; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "# filler\n");
	snprintf(text + n, sizeof text - n, "    imgae: nginx\n  replicas: 3\n");
	return add_src("system.yaml", text);
}

START_TEST(sources)
{
	ck_assert_uint_eq(C.nsources, 1);  /* the dummy */
	ck_assert_ptr_null(mf_source_get(&C, 0));
	char text[] = "a: 1\n";
	uint32_t f = mf_source_add(&C, "x.yaml", text, 5);
	ck_assert_uint_eq(f, 1);
	text[0] = 'Z';  /* the table keeps its own copy */
	ck_assert_str_eq(mf_source_get(&C, f)->text, "a: 1\n");
	ck_assert_str_eq(mf_source_get(&C, f)->path, "x.yaml");
	ck_assert_uint_eq(mf_source_get(&C, f)->len, 5);
	ck_assert_ptr_null(mf_source_get(&C, 2));
	ck_assert_uint_eq(mf_source_get(&C, mf_source_add(&C, "null", NULL, 5))->len, 0);
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq(mf_source_add(&C, "many", "", 0), (uint32_t)i + 3);
	ck_assert_str_eq(mf_source_get(&C, f)->text, "a: 1\n");
}
END_TEST

/* Each source gets its line starts once (so the text report of many
 * diagnostics is linear): a line past the end has no excerpt. */
START_TEST(source_line_table)
{
	const mf_source *s = mf_source_get(&C, add_src("l.yaml", "a\nbb\r\n\nccc"));
	mf_diag *d;

	ck_assert_uint_eq(s->nlines, 4);
	ck_assert_uint_eq(s->lines[0], 0);
	ck_assert_uint_eq(s->lines[1], 2);
	ck_assert_uint_eq(s->lines[2], 6);
	ck_assert_uint_eq(s->lines[3], 7);
	ck_assert_uint_eq(mf_source_get(&C, add_src("e.yaml", "x\n"))->nlines, 1);
	ck_assert_uint_eq(mf_source_get(&C, add_src("z.yaml", ""))->nlines, 0);
	d = mf_diag_add(&C, MF_SEV_ERROR, P(1, 4, 2), "x", "m");
	ck_render(d, false, "l.yaml:4:2: error: m [x]\n    4 | ccc\n      |  ^~\n");
	d = mf_diag_add(&C, MF_SEV_ERROR, P(1, 2, 1), "x", "m");
	ck_render(d, false, "l.yaml:2:1: error: m [x]\n    2 | bb\n      | ^~\n");
	d = mf_diag_add(&C, MF_SEV_ERROR, P(1, 5, 1), "x", "m");
	ck_render(d, false, "l.yaml:5:1: error: m [x]\n");
	ck_assert_uint_eq(mf_token_end(&C, P(1, 4, 1)), 4);
	ck_assert_uint_eq(mf_token_end(&C, P(1, 5, 1)), 0);
}
END_TEST

START_TEST(print_example)
{
	uint32_t f = system_yaml();
	mf_diag *d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 42, 5), "schema", "unknown key '%s'", "imgae");
	mf_diag_note(&C, d, "did you mean '%s'?", "image");
	ck_render(d, false,
		  "system.yaml:42:5: error: unknown key 'imgae' [schema]\n"
		  "   42 |     imgae: nginx\n"
		  "      |     ^~~~~\n"
		  "note: did you mean 'image'?\n");
}
END_TEST

START_TEST(print_color)
{
	uint32_t f = system_yaml();
	mf_diag *d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 42, 5), "schema", "unknown key 'imgae'");
	ck_render(d, true,
		  "\033[1msystem.yaml:42:5:\033[0m \033[1;31merror\033[0m: unknown key 'imgae' [schema]\n"
		  "   42 |     imgae: nginx\n"
		  "      |     \033[1;32m^~~~~\033[0m\n");
	d = mf_diag_add(&C, MF_SEV_WARNING, MF_NOPOS, "w", "m");
	ck_render(d, true, "\033[1mmanifold:\033[0m \033[1;35mwarning\033[0m: m [w]\n");
	d = mf_diag_add(&C, MF_SEV_INFO, MF_NOPOS, "i", "m");
	ck_render(d, true, "\033[1mmanifold:\033[0m \033[1;36minfo\033[0m: m [i]\n");
}
END_TEST

START_TEST(print_forms)
{
	uint32_t f = add_src("app.yaml", "name: api\nimage: nginx:1.25\nurl: http://x:80/y\nspec:\n");
	mf_diag *d = mf_diag_add(&C, MF_SEV_WARNING, P(f, 2, 8), "image-pin", "image '%s' is not pinned", "nginx:1.25");
	ck_render(d, false,
		  "app.yaml:2:8: warning: image 'nginx:1.25' is not pinned [image-pin]\n"
		  "    2 | image: nginx:1.25\n"
		  "      |        ^~~~~~~~~~\n");
	d = mf_diag_add(&C, MF_SEV_INFO, P(f, 3, 6), "url", "u");
	ck_render(d, false, "app.yaml:3:6: info: u [url]\n    3 | url: http://x:80/y\n      |      ^~~~~~~~~~~~~\n");
	d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 4, 1), "k", "key at end of line");
	ck_render(d, false, "app.yaml:4:1: error: key at end of line [k]\n    4 | spec:\n      | ^~~~\n");
	/* on a blank, past the end of the line, no column, no line, line past the file */
	d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 1, 6), "k", "m");
	ck_render(d, false, "app.yaml:1:6: error: m [k]\n    1 | name: api\n      |      ^\n");
	d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 1, 10), "k", "m");
	ck_render(d, false, "app.yaml:1:10: error: m [k]\n    1 | name: api\n      |          ^\n");
	d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 1, 4000000000u), "k", "m");
	ck_render(d, false, "app.yaml:1:4000000000: error: m [k]\n    1 | name: api\n      |          ^\n");
	d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 1, 0), "k", "m");
	ck_render(d, false, "app.yaml:1: error: m [k]\n    1 | name: api\n");
	d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 0, 0), "k", "m");
	ck_render(d, false, "app.yaml: error: m [k]\n");
	d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 5, 1), "k", "m");
	ck_render(d, false, "app.yaml:5:1: error: m [k]\n");
	d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 99, 1), "k", "m");
	ck_render(d, false, "app.yaml:99:1: error: m [k]\n");
}
END_TEST

START_TEST(print_no_position)
{
	mf_diag *d = mf_diag_add(&C, MF_SEV_ERROR, MF_NOPOS, "io", "cannot read '%s'", "x.yaml");
	ck_render(d, false, "manifold: error: cannot read 'x.yaml' [io]\n");
	d = mf_diag_add(&C, MF_SEV_ERROR, P(77, 1, 1), "io", "bad file index");
	ck_render(d, false, "manifold: error: bad file index [io]\n");
	d = mf_diag_add(&C, MF_SEV_WARNING, MF_NOPOS, NULL, "no code");
	mf_diag_note(&C, d, "see %s", "docs");
	ck_render(d, false, "manifold: warning: no code\nnote: see docs\n");
}
END_TEST

START_TEST(print_waived)
{
	uint32_t f = add_src("p.yaml", "image: nginx:latest\n");
	mf_diag *d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 1, 8), "image-latest", "image uses ':latest'");
	d->waived = true;
	d->waiver_reason = "legacy, until 2025-06-30";
	ck_render(d, false,
		  "p.yaml:1:8: error: image uses ':latest' [image-latest] (waived: legacy, until 2025-06-30)\n"
		  "    1 | image: nginx:latest\n"
		  "      |        ^~~~~~~~~~~~\n");
	d->waiver_reason = NULL;
	ck_render(d, false,
		  "p.yaml:1:8: error: image uses ':latest' [image-latest] (waived)\n"
		  "    1 | image: nginx:latest\n"
		  "      |        ^~~~~~~~~~~~\n");
}
END_TEST

/* tabs before the column stay tabs, so the caret lines up under any tab width */
START_TEST(print_tabs)
{
	uint32_t f = add_src("t.yaml", "a:\n\tkey: v\n \t x\tyy\n");
	mf_diag *d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 2, 2), "tab", "tab indentation");
	ck_render(d, false, "t.yaml:2:2: error: tab indentation [tab]\n    2 | \tkey: v\n      | \t^~~\n");
	d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 3, 6), "tab", "m");
	ck_render(d, false, "t.yaml:3:6: error: m [tab]\n    3 |  \t x\tyy\n      |  \t  \t^~\n");
	d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 2, 1), "tab", "m");
	ck_render(d, false, "t.yaml:2:1: error: m [tab]\n    2 | \tkey: v\n      | ^\n");
}
END_TEST

/* columns count code points; the caret pads one space per code point */
START_TEST(print_utf8)
{
	uint32_t f = add_src("u.yaml", "  name: héllo wörld\n  日本: 値\n");
	mf_diag *d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 1, 15), "u", "m");
	ck_render(d, false, "u.yaml:1:15: error: m [u]\n    1 |   name: héllo wörld\n      |               ^~~~~\n");
	d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 2, 3), "u", "m");
	ck_render(d, false, "u.yaml:2:3: error: m [u]\n    2 |   日本: 値\n      |   ^~\n");
	d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 2, 7), "u", "m");
	ck_render(d, false, "u.yaml:2:7: error: m [u]\n    2 |   日本: 値\n      |       ^\n");
}
END_TEST

START_TEST(print_crlf_and_wide_line_numbers)
{
	uint32_t f = add_src("w.yaml", "a: 1\r\nbb: 2\r\n");
	mf_diag *d = mf_diag_add(&C, MF_SEV_ERROR, P(f, 2, 1), "k", "m");
	ck_render(d, false, "w.yaml:2:1: error: m [k]\n    2 | bb: 2\n      | ^~\n");

	size_t n = 123456;
	char *text = malloc(2 * n + 16);
	for (size_t i = 0; i < n - 1; i++)
		memcpy(text + 2 * i, "x\n", 2);
	memcpy(text + 2 * (n - 1), "key: v\n", sizeof "key: v\n");
	uint32_t g = mf_source_add(&C, "big.yaml", text, strlen(text));
	free(text);
	d = mf_diag_add(&C, MF_SEV_ERROR, P(g, 123456, 6), "k", "m");
	ck_render(d, false, "big.yaml:123456:6: error: m [k]\n123456 | key: v\n       |      ^\n");
}
END_TEST

START_TEST(error_returns_minus_one)
{
	uint32_t f = add_src("e.yaml", "x\n");
	ck_assert_int_eq(mf_error(&C, P(f, 1, 1), "code", "n=%d", 3), -1);
	mf_warning(&C, P(f, 1, 1), "w", "careful");
	ck_assert_uint_eq(C.ndiags, 2);
	ck_assert_uint_eq(C.nerrors, 1);
	ck_assert_str_eq(C.diags[0].msg, "n=3");
	ck_assert_str_eq(C.diags[0].code, "code");
	ck_assert_int_eq(C.diags[1].sev, MF_SEV_WARNING);
	ck_assert_ptr_null(C.diags[1].note);
	ck_assert_ptr_null(C.diags[1].env);
	ck_assert(!C.diags[1].waived);
}
END_TEST

START_TEST(error_cap)
{
	C.max_errors = 3;
	for (int i = 0; i < 5; i++)
		mf_error(&C, MF_NOPOS, "e", "error %d", i);
	mf_warning(&C, MF_NOPOS, "w", "warnings are not capped");
	mf_diag *late = mf_diag_add(&C, MF_SEV_ERROR, MF_NOPOS, "e", "dropped");
	ck_assert_ptr_nonnull(late);  /* callers may still fill it in */
	late->object = "Deployment/ns/x";
	ck_assert(C.truncated);
	ck_assert_uint_eq(C.ndiags, 4);
	ck_assert_uint_eq(C.nerrors, 3);
	char *out = render_all(false);
	ck_assert_str_eq(out,
			 "manifold: error: error 0 [e]\n"
			 "manifold: error: error 1 [e]\n"
			 "manifold: error: error 2 [e]\n"
			 "manifold: warning: warnings are not capped [w]\n"
			 "manifold: error: too many errors (only the first 3 shown)\n");
	free(out);
	out = render_all(true);
	ck_assert_ptr_nonnull(strstr(out, "\033[1mmanifold:\033[0m \033[1;31merror\033[0m: too many errors (only the first 3 shown)\n"));
	free(out);
}
END_TEST

START_TEST(error_cap_default)
{
	for (int i = 0; i < 60; i++)
		mf_error(&C, MF_NOPOS, "e", "error %d", i);
	ck_assert_uint_eq(C.ndiags, 50);
	ck_assert(C.truncated);
	char *out = render_all(false);
	const char *tail = "manifold: error: too many errors (only the first 50 shown)\n";
	ck_assert_str_eq(out + strlen(out) - strlen(tail), tail);
	ck_assert_ptr_null(strstr(out, "error 50 "));
	free(out);
}
END_TEST

START_TEST(print_all_in_order)
{
	uint32_t f = add_src("a.yaml", "k: v\n");
	mf_error(&C, P(f, 1, 4), "x", "first");
	mf_warning(&C, MF_NOPOS, "y", "second");
	char *out = render_all(false);
	ck_assert_str_eq(out, "a.yaml:1:4: error: first [x]\n    1 | k: v\n      |    ^\nmanifold: warning: second [y]\n");
	free(out);
}
END_TEST

START_TEST(sort_is_stable)
{
	uint32_t a = add_src("a.yaml", ""), b = add_src("b.yaml", "");
	struct {
		mf_pos pos;
		const char *code, *msg;
	} in[] = {
		{P(b, 1, 1), "x", "b1"}, {P(a, 3, 1), "x", "a3"}, {P(a, 1, 5), "z", "a1-5z"},
		{P(a, 1, 5), "y", "a1-5y #1"}, {MF_NOPOS, "n", "nopos"}, {P(a, 1, 5), "y", "a1-5y #2"},
		{P(a, 1, 2), "y", "a1-2"}, {P(a, 1, 5), "y", "a1-5y #3"}, {P(a, 10, 1), "x", "a10"},
		{P(a, 2, 1), NULL, "a2 no code"}, {P(a, 2, 1), "a", "a2 a"},
	};
	const char *want[] = {"nopos", "a1-2", "a1-5y #1", "a1-5y #2", "a1-5y #3", "a1-5z",
			      "a2 no code", "a2 a", "a3", "a10", "b1"};
	for (size_t i = 0; i < sizeof in / sizeof *in; i++)
		mf_diag_add(&C, i % 2 ? MF_SEV_WARNING : MF_SEV_ERROR, in[i].pos, in[i].code, "%s", in[i].msg);
	mf_diag_sort(&C);
	ck_assert_uint_eq(C.ndiags, sizeof want / sizeof *want);
	for (size_t i = 0; i < C.ndiags; i++)
		ck_assert_str_eq(C.diags[i].msg, want[i]);
}
END_TEST

START_TEST(sort_many)
{
	for (int i = 0; i < 2000; i++)
		mf_diag_add(&C, MF_SEV_WARNING, P(1, (uint32_t)(i * 7919 % 13), 1), "c", "%d", i);
	mf_diag_sort(&C);
	for (size_t i = 1; i < C.ndiags; i++) {
		const mf_diag *x = &C.diags[i - 1], *y = &C.diags[i];
		ck_assert_uint_le(x->pos.line, y->pos.line);
		if (x->pos.line == y->pos.line)
			ck_assert_int_lt(atoi(x->msg), atoi(y->msg));
	}
}
END_TEST

/* a failed stream is reported, not ignored */
START_TEST(write_errors)
{
	mf_diag *d = mf_diag_add(&C, MF_SEV_ERROR, MF_NOPOS, "e", "m");
	FILE *ro = fopen("/dev/null", "r");
	ck_assert_ptr_nonnull(ro);
	ck_assert_int_eq(mf_diag_print(&C, d, ro, false), -1);
	ck_assert_int_eq(mf_diag_print_all(&C, ro, false), -1);
	fclose(ro);
	FILE *full = fopen("/dev/full", "w");
	if (full) {
		ck_assert_int_eq(mf_diag_print_all(&C, full, false), -1);
		fclose(full);
	}
}
END_TEST

START_TEST(release_and_reuse)
{
	mf_error(&C, MF_NOPOS, "e", "m");
	mf_ctx_release(&C);
	ck_assert_ptr_null(C.a);
	ck_assert_uint_eq(C.ndiags, 0);
	mf_ctx_release(&C);  /* twice is harmless */
	mf_ctx_init(&C);
	ck_assert_int_eq(mf_error(&C, MF_NOPOS, "e", "again"), -1);
	ck_assert_uint_eq(C.ndiags, 1);
}
END_TEST

static Suite *diag_suite(void)
{
	Suite *s = suite_create("diag");
	TCase *t = tcase_create("print");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, sources);
	tcase_add_test(t, source_line_table);
	tcase_add_test(t, print_example);
	tcase_add_test(t, print_color);
	tcase_add_test(t, print_forms);
	tcase_add_test(t, print_no_position);
	tcase_add_test(t, print_waived);
	tcase_add_test(t, print_tabs);
	tcase_add_test(t, print_utf8);
	tcase_add_test(t, print_crlf_and_wide_line_numbers);
	tcase_add_test(t, print_all_in_order);
	tcase_add_test(t, write_errors);
	suite_add_tcase(s, t);
	t = tcase_create("record");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, error_returns_minus_one);
	tcase_add_test(t, error_cap);
	tcase_add_test(t, error_cap_default);
	tcase_add_test(t, sort_is_stable);
	tcase_add_test(t, sort_many);
	tcase_add_test(t, release_and_reuse);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return mf_test_run(diag_suite());
}
