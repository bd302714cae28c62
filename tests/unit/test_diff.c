/* emit: unit tests for the line diff: minimal against a brute-force LCS, edits that rebuild b, exact unified text */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "support.h"

/* ---- helpers ---------------------------------------------------------------------------- */

/* Lines from letters: "abc" is "a\nb\nc\n". */
static char *lines_of(const char *letters)
{
	size_t n = strlen(letters);
	char *s = malloc(2 * n + 1);

	for (size_t i = 0; i < n; i++)
		s[2 * i] = letters[i], s[2 * i + 1] = '\n';
	s[2 * n] = 0;
	return s;
}

/* The length of a longest common subsequence, by the textbook table. */
static size_t lcs(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b), *t = calloc((na + 1) * (nb + 1), sizeof *t), r;

	for (size_t i = 1; i <= na; i++)
		for (size_t j = 1; j <= nb; j++) {
			size_t up = t[(i - 1) * (nb + 1) + j], left = t[i * (nb + 1) + j - 1];
			t[i * (nb + 1) + j] = a[i - 1] == b[j - 1] ? t[(i - 1) * (nb + 1) + j - 1] + 1
					      : up > left		  ? up
									  : left;
		}
	r = t[na * (nb + 1) + nb];
	free(t);
	return r;
}

/* The kept lines of a and of b are the same sequence, and as long as an LCS
 * (when `minimal`). */
static void check_script(const char *a, const char *b, bool minimal)
{
	char *ta = lines_of(a), *tb = lines_of(b), *ka = calloc(strlen(a) + 1, 1),
	     *kb = calloc(strlen(b) + 1, 1);
	size_t na = 0, nb = 0;
	mf_diff d;

	ck_assert_int_eq(mf_diff_compute(ta, strlen(ta), tb, strlen(tb), &d), 0);
	ck_assert_uint_eq(d.na, strlen(a));
	ck_assert_uint_eq(d.nb, strlen(b));
	for (size_t i = 0; i < d.na; i++)
		if (!d.del[i])
			ka[na++] = a[i];
	for (size_t j = 0; j < d.nb; j++)
		if (!d.ins[j])
			kb[nb++] = b[j];
	ck_assert_msg(!strcmp(ka, kb), "kept '%s' vs '%s' for '%s' -> '%s'", ka, kb, a, b);
	if (minimal)
		ck_assert_msg(na == lcs(a, b), "'%s' -> '%s': kept %zu, LCS %zu", a, b, na,
			      lcs(a, b));
	mf_diff_release(&d);
	free(ta), free(tb), free(ka), free(kb);
}

static char *unified(const char *a, const char *b, const char *from, const char *to, size_t ctx)
{
	mf_buf out;

	mf_buf_init(&out);
	ck_assert_int_eq(mf_diff_unified(&out, a, strlen(a), b, strlen(b), from, to, ctx, false),
			 0);
	if (!out.data)
		return strdup("");
	return out.data;
}

static void expect_unified(const char *a, const char *b, size_t ctx, const char *want)
{
	char *got = unified(a, b, "f", "f", ctx);

	ck_assert_str_eq(got, want);
	free(got);
}

/* ---- the edit script ---------------------------------------------------------------------- */

START_TEST(script_small_cases)
{
	static const char *const pairs[][2] = {
		{"", ""},	    {"", "abc"},	 {"abc", ""},	     {"abc", "abc"},
		{"abcabba", "cbabac"}, {"abc", "xyz"},	 {"a", "b"},	     {"ab", "ba"},
		{"aaaa", "aa"},	 {"abcdef", "abxdef"}, {"xabc", "abcx"},     {"abab", "baba"},
		{"kitten", "sitting"}, {"abcd", "dcba"},	 {"aabbcc", "abcabc"},
	};

	for (size_t i = 0; i < MF_NELEM(pairs); i++)
		check_script(pairs[i][0], pairs[i][1], true);
}
END_TEST

/* Random texts over small alphabets (many equal lines, the hard case for a
 * diff), against the textbook LCS. */
START_TEST(script_random_is_minimal)
{
	unsigned seed = 12345;
	char a[80], b[80];

	for (int round = 0; round < 3000; round++) {
		size_t na, nb;
		int alphabet = 2 + round % 5;
		seed = seed * 1103515245u + 12345u;
		na = (seed >> 16) % 40;
		seed = seed * 1103515245u + 12345u;
		nb = (seed >> 16) % 40;
		for (size_t i = 0; i < na; i++)
			seed = seed * 1103515245u + 12345u,
			a[i] = (char)('a' + (seed >> 16) % (unsigned)alphabet);
		for (size_t j = 0; j < nb; j++)
			seed = seed * 1103515245u + 12345u,
			b[j] = (char)('a' + (seed >> 16) % (unsigned)alphabet);
		a[na] = b[nb] = 0;
		check_script(a, b, true);
	}
}
END_TEST

/* A long text with scattered edits: the script is exactly those edits. */
START_TEST(script_long_text_few_edits)
{
	size_t n = 20000, len = 0;
	char *a = malloc(n * 16), *b = malloc(n * 16), *p;
	mf_diff d;
	size_t del = 0, ins = 0;

	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(a + len, "line %zu\n", i);
	memcpy(b, a, len + 1);
	p = strstr(b, "line 5000\n");
	memcpy(p, "LINE", 4);
	p = strstr(b, "line 15000\n");
	memcpy(p, "LINE", 4);
	ck_assert_int_eq(mf_diff_compute(a, len, b, len, &d), 0);
	for (size_t i = 0; i < d.na; i++)
		del += d.del[i];
	for (size_t j = 0; j < d.nb; j++)
		ins += d.ins[j];
	ck_assert_uint_eq(del, 2);
	ck_assert_uint_eq(ins, 2);
	ck_assert(d.del[5000] && d.ins[15000]);
	mf_diff_release(&d);
	free(a), free(b);
}
END_TEST

/* Two unrelated long texts pass the cut-off: the script is still a valid
 * one (every line of a deleted, every line of b inserted). */
START_TEST(script_unrelated_texts_past_the_cut_off)
{
	size_t n = 30000, la = 0, lb = 0;
	char *a = malloc(n * 16), *b = malloc(n * 16);
	mf_diff d;

	for (size_t i = 0; i < n; i++) {
		la += (size_t)sprintf(a + la, "a%zu\n", i);
		lb += (size_t)sprintf(b + lb, "b%zu\n", i);
	}
	ck_assert_int_eq(mf_diff_compute(a, la, b, lb, &d), 0);
	for (size_t i = 0; i < d.na; i++)
		ck_assert(d.del[i]);
	for (size_t j = 0; j < d.nb; j++)
		ck_assert(d.ins[j]);
	mf_diff_release(&d);
	free(a), free(b);
}
END_TEST

/* Interleaved texts past the cut-off: what is kept is still common to both. */
START_TEST(script_past_the_cut_off_stays_valid)
{
	size_t n = 24000, la = 0, lb = 0, kept = 0;
	char *a = malloc(n * 16), *b = malloc(n * 16);
	const char **ka = malloc(n * sizeof *ka), **kb = malloc(n * sizeof *kb);
	size_t nka = 0, nkb = 0;
	mf_diff d;

	for (size_t i = 0; i < n; i++) {
		la += (size_t)sprintf(a + la, "%s%zu\n", i % 3 ? "x" : "c", i % 3 ? i : i / 3);
		lb += (size_t)sprintf(b + lb, "%s%zu\n", i % 2 ? "y" : "c", i % 2 ? i : i / 2);
	}
	ck_assert_int_eq(mf_diff_compute(a, la, b, lb, &d), 0);
	for (size_t i = 0; i < d.na; i++)
		if (!d.del[i])
			ka[nka++] = d.la[i];
	for (size_t j = 0; j < d.nb; j++)
		if (!d.ins[j])
			kb[nkb++] = d.lb[j];
	ck_assert_uint_eq(nka, nkb);
	for (size_t k = 0; k < nka; k++, kept++)
		ck_assert(!strncmp(ka[k], kb[k], (size_t)(strchr(ka[k], '\n') - ka[k] + 1)));
	ck_assert_uint_gt(kept, 0);
	mf_diff_release(&d);
	free(a), free(b), free(ka), free(kb);
}
END_TEST

START_TEST(script_last_line_without_newline_differs)
{
	mf_diff d;

	ck_assert_int_eq(mf_diff_compute("a\nb", 3, "a\nb\n", 4, &d), 0);
	ck_assert_uint_eq(d.na, 2);
	ck_assert_uint_eq(d.nb, 2);
	ck_assert(!d.del[0] && !d.ins[0] && d.del[1] && d.ins[1]);
	mf_diff_release(&d);
}
END_TEST

/* ---- unified text --------------------------------------------------------------------------- */

START_TEST(unified_equal_is_empty)
{
	expect_unified("a\nb\n", "a\nb\n", 3, "");
	expect_unified("", "", 3, "");
}
END_TEST

START_TEST(unified_one_change_with_context)
{
	expect_unified("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n", 3,
		       "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}
END_TEST

/* Changes further apart than two contexts get hunks of their own; closer
 * ones share one. */
START_TEST(unified_hunks_split_and_merge)
{
	const char *a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";

	expect_unified(a, "X\n2\n3\n4\n5\n6\n7\n8\n9\nY\n", 1,
		       "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-1\n+X\n 2\n@@ -9,2 +9,2 @@\n 9\n-10\n"
		       "+Y\n");
	expect_unified(a, "1\nX\n3\n4\nY\n6\n7\n8\n9\n10\n", 1,
		       "--- a/f\n+++ b/f\n@@ -1,6 +1,6 @@\n 1\n-2\n+X\n 3\n 4\n-5\n+Y\n 6\n");
}
END_TEST

START_TEST(unified_insert_and_delete_ranges)
{
	/* an empty range names the line before it, a count of one is left out */
	expect_unified("a\nb\n", "a\nx\nb\n", 0, "--- a/f\n+++ b/f\n@@ -1,0 +2 @@\n+x\n");
	expect_unified("a\nx\nb\n", "a\nb\n", 0, "--- a/f\n+++ b/f\n@@ -2 +1,0 @@\n-x\n");
	expect_unified("x\n", "", 0, "--- a/f\n+++ b/f\n@@ -1 +0,0 @@\n-x\n");
}
END_TEST

START_TEST(unified_new_and_removed_files)
{
	char *got = unified("", "a\nb\n", NULL, "out/x.yaml", 3);

	ck_assert_str_eq(got, "--- /dev/null\n+++ b/out/x.yaml\n@@ -0,0 +1,2 @@\n+a\n+b\n");
	free(got);
	got = unified("a\n", "", "out/x.yaml", NULL, 3);
	ck_assert_str_eq(got, "--- a/out/x.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n");
	free(got);
	/* a new empty file: the header says it is there */
	got = unified("", "", NULL, "out/empty", 3);
	ck_assert_str_eq(got, "--- /dev/null\n+++ b/out/empty\n");
	free(got);
}
END_TEST

START_TEST(unified_no_newline_at_end)
{
	expect_unified("a\nb", "a\nb\n", 3,
		       "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n"
		       "+b\n");
}
END_TEST

START_TEST(unified_color)
{
	mf_buf out;

	mf_buf_init(&out);
	ck_assert_int_eq(mf_diff_unified(&out, "a\n", 2, "b\n", 2, "f", "f", 3, true), 0);
	ck_assert_str_eq(out.data, "\033[1m--- a/f\033[0m\n\033[1m+++ b/f\033[0m\n"
				   "\033[36m@@ -1 +1 @@\033[0m\n\033[31m-a\033[0m\n\033[32m+b\033[0m\n");
	mf_buf_release(&out);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("diff");
	TCase *t = tcase_create("diff");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, script_small_cases);
	tcase_add_test(t, script_random_is_minimal);
	tcase_add_test(t, script_long_text_few_edits);
	tcase_add_test(t, script_unrelated_texts_past_the_cut_off);
	tcase_add_test(t, script_past_the_cut_off_stays_valid);
	tcase_add_test(t, script_last_line_without_newline_differs);
	tcase_add_test(t, unified_equal_is_empty);
	tcase_add_test(t, unified_one_change_with_context);
	tcase_add_test(t, unified_hunks_split_and_merge);
	tcase_add_test(t, unified_insert_and_delete_ranges);
	tcase_add_test(t, unified_new_and_removed_files);
	tcase_add_test(t, unified_no_newline_at_end);
	tcase_add_test(t, unified_color);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return mf_test_run(suite());
}
