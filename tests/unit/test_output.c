/* output: unit tests of the manifest reader (mf_manifest_read, the fuzzer's entry point too) */
#include <check.h>
#include <string.h>

#include "emit.h"
#include "support.h"

static mf_ctx C;

static void setup(void)
{
	mf_ctx_init(&C);
}

static void teardown(void)
{
	mf_ctx_release(&C);
}

static int read_text(const char *text, size_t len)
{
	return mf_manifest_read(&C, "out/.manifold/manifest", text, len);
}

/* Comments, blank lines and CRLF are allowed; a pair listed twice counts once. */
START_TEST(manifest_pairs)
{
	static const char text[] = "# manifold manifest\n"
				   "0123456789abcdef compose/dev/compose.yaml\r\n"
				   "\n"
				   "FEDCBA9876543210 kubernetes/base/kustomization.yaml\n"
				   "0123456789abcdef compose/dev/compose.yaml\n";

	ck_assert_int_eq(read_text(text, sizeof text - 1), 2);
	ck_assert_uint_eq(C.ndiags, 0);
	ck_assert_int_eq(read_text("", 0), 0);
}
END_TEST

/* Every malformed line is an error at its line and column, none skipped. */
START_TEST(manifest_malformed_lines)
{
	static const char text[] = "0123456789abcdef ok.yaml\n"
				   "0123456789abcdeZ bad-hash.yaml\n"
				   "0123456789abcdef\n"
				   "0123456789abcdef ../escape.yaml\n"
				   "0123456789abcdef /absolute\n";
	const mf_diag *d;

	ck_assert_int_eq(read_text(text, sizeof text - 1), -1);
	ck_assert_uint_eq(mf_test_ndiags(&C, "manifest-invalid"), 4);
	d = mf_test_diag(&C, "manifest-invalid");
	mf_ck_pos(&C, d->pos, "out/.manifold/manifest", 2, 1);
	ck_assert_str_eq(d->msg, "expected a 16-digit hexadecimal hash");
}
END_TEST

/* A NUL byte ends no line early: it is an error where it is. */
START_TEST(manifest_nul_byte)
{
	static const char text[] = "0123456789abcdef a\0b.yaml\n";

	ck_assert_int_eq(read_text(text, sizeof text - 1), -1);
	mf_ck_pos(&C, mf_test_diag(&C, "manifest-invalid")->pos, "out/.manifold/manifest", 1,
		  19);
}
END_TEST

/* fuzz_manifest's heap-buffer-overflow: the splitter read 17 bytes of a lone
 * CR at the end that the checker had taken for a blank line, and kept the CR
 * of a last line with no newline in its path.  Both walk the same lines now. */
START_TEST(manifest_last_line_cr)
{
	static const char pair[] = "0123456789abcdef a.yaml\n0123456789abcdef a.yaml\r";

	ck_assert_int_eq(read_text("\r", 1), 0);
	ck_assert_int_eq(read_text("0123456789abcdef a.yaml\n\r", 25), 1);
	ck_assert_int_eq(read_text(pair, sizeof pair - 1), 1);
	ck_assert_uint_eq(C.ndiags, 0);
}
END_TEST

static Suite *output_suite(void)
{
	Suite *s = suite_create("output");
	TCase *t = tcase_create("manifest");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, manifest_pairs);
	tcase_add_test(t, manifest_malformed_lines);
	tcase_add_test(t, manifest_nul_byte);
	tcase_add_test(t, manifest_last_line_cr);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return mf_test_run(output_suite());
}
