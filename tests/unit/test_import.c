/* import: unit tests for what Compose reads a plain scalar as (mf_compose_plain) */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "import.h"
#include "support.h"

/* Each plain scalar and what compose-go sets for it, as printed by a Go
 * program that decodes "v: S" into interface{} with go-yaml v3 (Debian's
 * 3.0.1, Go 1.19) and prints it with fmt.Sprint, as types/mapping.go does;
 * NULL where it stays the string as written (or is no scalar, like '-'). */
static const struct {
	const char *yaml, *go;
} plain[] = {
	{"24.10", "24.1"},
	{"1.0", "1"},
	{"1.50", "1.5"},
	{"0022", "18"},
	{"0o17", "15"},
	{"0x1F", "31"},
	{"0X1F", "31"},
	{"0b101", "5"},
	{"1_000", "1000"},
	{"1e3", "1000"},
	{"1e6", "1e+06"},
	{"123456.7", "123456.7"},
	{"1234567.0", "1.234567e+06"},
	{"0.0001", "0.0001"},
	{"0.00001", "1e-05"},
	{"-2.50", "-2.5"},
	{"08", "8"},
	{"True", "true"},
	{"TRUE", "true"},
	{"true", "true"},
	{"yes", NULL},
	{".inf", "+Inf"},
	{"-.Inf", "-Inf"},
	{".NaN", "NaN"},
	{"-0", "0"},
	{"-0.0", "-0"},
	{"3.14159", "3.14159"},
	{"0.1", "0.1"},
	{"100", "100"},
	{"abc", NULL},
	{"1.2.3", NULL},
	{"-", NULL},
	{".", NULL},
	{"+5", "5"},
	{"+0x1F", "31"},
	{"-0x1F", "-31"},
	{"9007199254740993", "9007199254740993"},
	{"1e21", "1e+21"},
	{"12345678901234567890", "12345678901234567890"},
	{"-9223372036854775808", "-9223372036854775808"},
	{"-9223372036854775809", "-9.223372036854776e+18"},
	{"18446744073709551616", "1.8446744073709552e+19"},
	{".5", "0.5"},
	{"5.", "5"},
	{"1_0.5", "10.5"},
	{"0777", "511"},
	{"0o777", "511"},
	{"00", "0"},
	{"007", "7"},
	{"1e-7", "1e-07"},
	{"6.02e23", "6.02e+23"},
	{"-1.5e-10", "-1.5e-10"},
	{"0.000123456789", "0.000123456789"},
	{"123456", "123456"},
	{"999999.9", "999999.9"},
	{"1e+06", "1e+06"},
	{"2001-12-14", "2001-12-14 00:00:00 +0000 UTC"},
	{"2024-01-31", "2024-01-31 00:00:00 +0000 UTC"},
	{"2024-1-5", "2024-01-05 00:00:00 +0000 UTC"},
	{"2024-02-29", "2024-02-29 00:00:00 +0000 UTC"},
	{"2023-02-29", NULL},
	{"2000-02-29", "2000-02-29 00:00:00 +0000 UTC"},
	{"1900-02-29", NULL},
	{"2024-13-01", NULL},
	{"2024-02-30", NULL},
	{"12024-01-01", NULL},
	{"2024-01-31x", NULL},
	{"2024-01-", NULL},
	{"2024-1-005", NULL},
};

START_TEST(test_plain_as_go_prints_it)
{
	char out[MF_COMPOSE_PLAIN_MAX];
	const char *s = plain[_i].yaml, *want = plain[_i].go;
	bool got = mf_compose_plain(s, out) != NULL;

	ck_assert_msg(got == (want != NULL), "'%s': %s", s, got ? out : "kept");
	if (want)
		ck_assert_str_eq(out, want);
}
END_TEST

/* 199 digits: past every integer, a float to Go (checked the same way) */
START_TEST(test_plain_long)
{
	char in[200], out[MF_COMPOSE_PLAIN_MAX];

	memset(in, '1', sizeof in - 1);
	in[sizeof in - 1] = '\0';
	ck_assert_str_eq(mf_compose_plain(in, out), "number");
	ck_assert_str_eq(out, "1.1111111111111111e+198");
}
END_TEST

static Suite *import_suite(void)
{
	Suite *s = suite_create("import");
	TCase *tc = tcase_create("compose-plain");

	tcase_add_loop_test(tc, test_plain_as_go_prints_it, 0,
			    (int)(sizeof plain / sizeof plain[0]));
	tcase_add_test(tc, test_plain_long);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mf_test_run(import_suite());
}
