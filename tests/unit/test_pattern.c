/* tests: the patterns that tell a secret, and masking source excerpts (pattern.c) */
#include <check.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"
#include "support.h"

/* The masked form of a line, as a static string for assertions. */
static const char *masked(const char *line)
{
	static char buf[512];
	size_t n;
	char *m = mf_mask_secrets(line, strlen(line), &n);

	ck_assert_ptr_nonnull(m);
	ck_assert_uint_lt(n, sizeof buf);
	memcpy(buf, m, n + 1);
	free(m);
	return buf;
}

START_TEST(names_that_hold_secrets)
{
	ck_assert(mf_secret_name("DB_PASSWORD"));
	ck_assert(mf_secret_name("api-key"));
	ck_assert(mf_secret_name("GITHUB_TOKEN"));
	ck_assert(!mf_secret_name("PASSWORD_FILE"));
	ck_assert(!mf_secret_name("TOKEN_TTL"));
	ck_assert(!mf_secret_name("PASSPORT"));
	ck_assert(!mf_secret_name(""));
}
END_TEST

/* One name per alternative of mf_secret_name_re, in both cases: the words
 * that rule names out before the pattern runs (pattern.c) miss none. */
START_TEST(every_alternative_survives_the_prefilter)
{
	static const char *const names[] = {
		"DB_PASSWORD", "X_PASSWD",     "pass",         "A.PWD",        "SECRET",
		"t-token",     "API_KEY",      "APIKEY",       "ACCESS-KEY",   "PRIVATE_KEY",
		"SECRET_KEY",  "client-secret", "CREDENTIAL",  "credentials",  "AUTH_KEY",
		"x_salt",      "ENCRYPTIONKEY", "MY_ENCRYPTION_KEY", "X-AUTH", "PGPASSWORD"};
	char lower[64];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t n = strlen(names[i]);
		for (size_t j = 0; j <= n; j++)
			lower[j] = (char)tolower((unsigned char)names[i][j]);
		ck_assert_msg(mf_secret_name(names[i]), "%s", names[i]);
		ck_assert_msg(mf_secret_name(lower), "%s", lower);
	}
	ck_assert(mf_secret_value("SIGNING_KEY", "0123456789abcdef0123456789abcdef"));
	ck_assert(!mf_secret_value("SIGNING", "0123456789abcdef0123456789abcdef"));
}
END_TEST

START_TEST(values_of_secret_names)
{
	ck_assert_str_eq(masked("      DB_PASSWORD: hunter2   # literal"),
			 "      DB_PASSWORD: *******   # literal");
	ck_assert_str_eq(masked("  API_KEY: \"abc def\""), "  API_KEY: \"*******\"");
	ck_assert_str_eq(masked("env: {TOKEN: t0k3n, PORT: 80}"), "env: {TOKEN: *****, PORT: 80}");
	ck_assert_str_eq(masked("- POSTGRES_PASSWORD=s3cret"), "- POSTGRES_PASSWORD=******");
	ck_assert_str_eq(masked("args: [--password=abc, -v]"), "args: [--password=***, -v]");
	/* references, names of secrets and what is not a secret stay */
	ck_assert_str_eq(masked("DB_PASSWORD: {secret: db, key: password}"),
			 "DB_PASSWORD: {secret: db, key: password}");
	ck_assert_str_eq(masked("PASSWORD_FILE: /run/secrets/db"), "PASSWORD_FILE: /run/secrets/db");
	ck_assert_str_eq(masked("image: postgres:16"), "image: postgres:16");
}
END_TEST

START_TEST(urls_and_tokens)
{
	ck_assert_str_eq(masked("URL: postgres://app:s3cret@db:5432/app"),
			 "URL: postgres://app:******@db:5432/app");
	ck_assert_str_eq(masked("x: ghp_A1b2C3d4E5A1b2C3d4E5A1b2C3d4E5A1b2C3d4E5 y"),
			 "x: ******************************************** y");
	ck_assert_str_eq(masked("k: AKIAABCDEFGHIJKLMNOP"), "k: ********************");
}
END_TEST

/* One '*' per code point, so columns stay; a NUL byte does not end the line. */
START_TEST(columns_and_bytes)
{
	size_t n;
	char *m = mf_mask_secrets("PASSWORD: \xc3\xa9t\xc3\xa9\0x", 17, &n);

	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(n, 15);
	ck_assert(!memcmp(m, "PASSWORD: *****", 16));
	free(m);
	m = mf_mask_secrets("name: \0 PASSWORD: x", 19, &n);
	ck_assert_uint_eq(n, 19);
	ck_assert(!memcmp(m, "name: \0 PASSWORD: *", 19));
	free(m);
}
END_TEST

static Suite *pattern_suite(void)
{
	Suite *s = suite_create("pattern");
	TCase *t = tcase_create("secrets");

	tcase_add_test(t, names_that_hold_secrets);
	tcase_add_test(t, every_alternative_survives_the_prefilter);
	tcase_add_test(t, values_of_secret_names);
	tcase_add_test(t, urls_and_tokens);
	tcase_add_test(t, columns_and_bytes);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return mf_test_run(pattern_suite());
}
