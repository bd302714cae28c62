/* resolve: unit tests for cron schedules (robfig/cron v3 as Velero and Kubernetes use it) and Go durations */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cron.h"
#include "support.h"

/* Expressions robfig/cron v3 ParseStandard accepts (checked against it). */
static const char *const good_cron[] = {
	"0 2 * * *",
	"*/15 * * * *",
	"0 0 1 1 *",
	"59 23 31 12 6",
	"0 2 * * MON-FRI",
	"0 2 * * mon,wed,FRI",
	"0 2 * JAN-jun *",
	"0 2 1-31/2 * *",
	"5/10 * * * *",
	"0 2 ? * *",
	"? ? ? ? ?",
	"0,15,30,45 0-23/2 * * *",
	"007 2 * * *",
	"0\t2 *  *   *",
	" 0 2 * * * ",
	"CRON_TZ=Europe/Paris 0 2 * * *",
	"TZ=UTC 0 2 * * *",
	"CRON_TZ=America/Argentina/Buenos_Aires 30 1 * * SUN",
	"CRON_TZ=Etc/GMT+5 0 2 * * *",
	"CRON_TZ=America/Port-au-Prince   0 2 * * *",
	"*/59 * * * *",
	"0 */23 * * *",
	"0 0 */30 * *",
	"0 0 1 */11 *",
	"0 0 * * */6",
	"CRON_TZ=EST5EDT 0 2 * * *",
	"CRON_TZ=Etc/GMT-14 0 2 * * *",
	"CRON_TZ=GMT0 0 2 * * *",
	"CRON_TZ=America/Argentina/ComodRivadavia 0 2 * * *",
	"@yearly",
	"@annually",
	"@monthly",
	"@weekly",
	"@daily",
	"@midnight",
	"@hourly",
	"@every 1h30m",
	"@every 90s",
	"CRON_TZ=UTC @daily",
};

/* Each bad expression and the reason given for it. */
static const struct {
	const char *expr, *why;
} bad_cron[] = {
	{"", "the schedule is empty"},
	{"0 25 * * *", "hour 25 is out of range 0-23"},
	{"60 2 * * *", "minute 60 is out of range 0-59"},
	{"0 2 0 * *", "day-of-month 0 is out of range 1-31"},
	{"0 2 32 * *", "day-of-month 32 is out of range 1-31"},
	{"0 2 * 13 *", "month 13 is out of range 1-12"},
	{"0 2 * * 7", "day-of-week 7 is out of range 0-6"},
	{"0 2 * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 4"},
	{"0 0 2 * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 6: seconds are not supported"},
	{"0 2 * JAN-Foo *", "'Foo' in the month field is not a number or a month name (JAN-DEC)"},
	{"0 2 * * MONDAY", "'MONDAY' in the day-of-week field is not a number or a day name (SUN-SAT)"},
	{"0 MON * * *", "'MON' in the hour field is not a number"},
	{"*/0 * * * *", "the step '/0' in the minute field must be a positive number"},
	{"0 2 1-5/x * *", "the step '/x' in the day-of-month field must be a positive number"},
	{"5-1 * * * *", "the range '5-1' in the minute field runs backwards"},
	{"0,,5 * * * *", "empty list item in the minute field"},
	{"0, * * * *", "empty list item in the minute field"},
	{"*-5 * * * *", "'*' cannot start a range in '*-5'"},
	{"1/2/3 * * * *", "too many '/' in '1/2/3'"},
	{"1--2 * * * *", "too many '-' in '1--2'"},
	{"1- * * * *", "a value is missing in the minute field"},
	{"+5 * * * *", "'+5' in the minute field is not a number"},
	{"L * * * *", "'L' in the minute field is not a number"},
	{"@nightly", "unknown descriptor '@nightly' (use @yearly, @annually, @monthly, @weekly, @daily, @midnight, "
		     "@hourly or '@every <duration>')"},
	{"@Daily", "unknown descriptor '@Daily' (use @yearly, @annually, @monthly, @weekly, @daily, @midnight, "
		   "@hourly or '@every <duration>')"},
	{"@every 1d", "'1d' is not a duration: unknown unit 'd' (Go durations stop at hours: 30 days is '720h')"},
	{"@every 0s", "the interval of '@every' must be positive"},
	{"CRON_TZ=Europe/Paris", "the time zone must be followed by a space and the schedule"},
	{"CRON_TZ= 0 2 * * *", "the time zone is missing after '='"},
	{"CRON_TZ=Local 0 2 * * *",
	 "time zone 'Local' is whatever the server uses: name an IANA zone such as 'UTC' or 'Europe/Paris'"},
	{"TZ=../etc/passwd 0 2 * * *", "'../etc/passwd' is not an IANA time zone name such as 'UTC' or 'Europe/Paris'"},
	{"CRON_TZ=Europe/ 0 2 * * *", "'Europe/' is not an IANA time zone name such as 'UTC' or 'Europe/Paris'"},
	{"CRON_TZ=UTC  ", "the schedule is missing after the time zone"},
	{"*/60 * * * *", "the step '/60' in the minute field is larger than its range 0-59: it would run "
			 "once (write the value)"},
	{"0 1/24 * * *", "the step '/24' in the hour field is larger than its range 0-23: it would run "
			 "once (write the value)"},
	{"0 0 * * */7", "the step '/7' in the day-of-week field is larger than its range 0-6: it would run "
			"once (write the value)"},
	{"*/99999999999999999999 * * * *", "the step '/99999999999999999999' in the minute field is larger "
					   "than its range 0-59: it would run once (write the value)"},
	{"CRON_TZ=Europe/Paris5 0 2 * * *", "'Europe/Paris5' is not an IANA time zone name such as 'UTC' or "
					    "'Europe/Paris'"},
	{"CRON_TZ=Europe/Abcdefghijklmnop 0 2 * * *", "'Europe/Abcdefghijklmnop' is not an IANA time zone "
						      "name such as 'UTC' or 'Europe/Paris'"},
	{"CRON_TZ=Europe//Paris 0 2 * * *", "'Europe//Paris' is not an IANA time zone name such as 'UTC' "
					    "or 'Europe/Paris'"},
	{"CRON_TZ=GMT+15 0 2 * * *", "'GMT+15' is not an IANA time zone name such as 'UTC' or "
				     "'Europe/Paris'"},
	{"CRON_TZ=Etc/GMT+ 0 2 * * *", "'Etc/GMT+' is not an IANA time zone name such as 'UTC' or "
				       "'Europe/Paris'"},
};

START_TEST(cron_accepts)
{
	char why[256] = "";

	for (size_t i = 0; i < sizeof good_cron / sizeof good_cron[0]; i++)
		ck_assert_msg(mf_cron_check(good_cron[i], why, sizeof why) == 0, "'%s' refused: %s", good_cron[i], why);
}
END_TEST

START_TEST(cron_refuses_with_reason)
{
	for (size_t i = 0; i < sizeof bad_cron / sizeof bad_cron[0]; i++) {
		char why[256] = "";
		ck_assert_msg(mf_cron_check(bad_cron[i].expr, why, sizeof why) == -1, "'%s' accepted", bad_cron[i].expr);
		ck_assert_str_eq(why, bad_cron[i].why);
	}
}
END_TEST

START_TEST(cron_null_and_small_buffers)
{
	char why[8];

	ck_assert_int_eq(mf_cron_check(NULL, NULL, 0), -1);
	ck_assert_int_eq(mf_cron_check("0 25 * * *", NULL, 0), -1);
	ck_assert_int_eq(mf_cron_check("0 25 * * *", why, sizeof why), -1);
	ck_assert_uint_eq(strlen(why), sizeof why - 1);  /* truncated, terminated */
}
END_TEST

START_TEST(cron_split_tz)
{
	mf_arena *a = mf_arena_new();
	const char *zone = "x", *rest;

	rest = mf_cron_split_tz(a, "CRON_TZ=Europe/Paris 0 2 * * *", &zone);
	ck_assert_str_eq(rest, "0 2 * * *");
	ck_assert_str_eq(zone, "Europe/Paris");
	rest = mf_cron_split_tz(a, "TZ=UTC   @daily", &zone);
	ck_assert_str_eq(rest, "@daily");
	ck_assert_str_eq(zone, "UTC");
	rest = mf_cron_split_tz(a, "0 2 * * *", &zone);
	ck_assert_str_eq(rest, "0 2 * * *");
	ck_assert_ptr_null(zone);
	rest = mf_cron_split_tz(a, "CRON_TZ=UTC", &zone);  /* invalid: left alone */
	ck_assert_str_eq(rest, "CRON_TZ=UTC");
	ck_assert_ptr_null(zone);
	mf_arena_free(a);
}
END_TEST

/* Go's time.ParseDuration then Duration.String() (checked against Go). */
static const struct {
	const char *in, *out;
} durations[] = {
	{"720h", "720h0m0s"},
	{"720h0m0s", "720h0m0s"},
	{"1h30m", "1h30m0s"},
	{"90m", "1h30m0s"},
	{"90s", "1m30s"},
	{"1.5h", "1h30m0s"},
	{"1.5s", "1.5s"},
	{".5s", "500ms"},
	{"5.s", "5s"},
	{"300ms", "300ms"},
	{"1500us", "1.5ms"},
	{"1\xc2\xb5s", "1\xc2\xb5s"},
	{"1\xce\xbcs", "1\xc2\xb5s"},
	{"42ns", "42ns"},
	{"0", "0s"},
	{"-0", "0s"},
	{"+0", "0s"},
	{"0s", "0s"},
	{"-1h", "-1h0m0s"},
	{"+2m", "2m0s"},
	{"1h1m1s1ms1us1ns", "1h1m1.001001001s"},
	{"9223372036854775807ns", "2562047h47m16.854775807s"},
	{"-9223372036854775808ns", "-2562047h47m16.854775808s"},
	{"1.0000000000000000000001h", "1h0m0s"},
};

static const struct {
	const char *in, *why;
} bad_durations[] = {
	{"", "the duration is empty"},
	{"-", "the duration is empty"},
	{"10", "a unit is missing (use h, m, s, ms, us or ns)"},
	{"30d", "unknown unit 'd' (Go durations stop at hours: 30 days is '720h')"},
	{"1w", "unknown unit 'w' (Go durations stop at hours: 30 days is '720h')"},
	{"1H", "unknown unit 'H' (use h, m, s, ms, us or ns)"},
	{"1h 30m", "unknown unit 'h ' (use h, m, s, ms, us or ns)"},
	{"abc", "expected a number at 'abc'"},
	{".h", "expected a number at '.h'"},
	{"h", "expected a number at 'h'"},
	{"9223372036854775808ns", "the duration is too long"},
	{"2562048h", "the duration is too long"},
	{"99999999999999999999h", "the duration is too long"},
};

START_TEST(duration_round_trip)
{
	for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
		char why[128] = "", buf[MF_GO_DURATION_MAX];
		long long ns = 42;
		ck_assert_msg(mf_go_duration_parse(durations[i].in, &ns, why, sizeof why) == 0, "'%s': %s",
			      durations[i].in, why);
		ck_assert_str_eq(mf_go_duration_fmt(ns, buf, sizeof buf), durations[i].out);
	}
}
END_TEST

START_TEST(duration_refused)
{
	for (size_t i = 0; i < sizeof bad_durations / sizeof bad_durations[0]; i++) {
		char why[128] = "";
		long long ns;
		ck_assert_msg(mf_go_duration_parse(bad_durations[i].in, &ns, why, sizeof why) == -1, "'%s' accepted",
			      bad_durations[i].in);
		ck_assert_str_eq(why, bad_durations[i].why);
	}
}
END_TEST

START_TEST(duration_values)
{
	long long ns;
	char buf[MF_GO_DURATION_MAX];

	ck_assert_int_eq(mf_go_duration_parse("720h", &ns, NULL, 0), 0);
	ck_assert_int_eq(ns, 720LL * 3600 * 1000000000LL);
	ck_assert_int_eq(mf_go_duration_parse("-9223372036854775808ns", &ns, NULL, 0), 0);
	ck_assert(ns == LLONG_MIN);
	ck_assert_str_eq(mf_go_duration_fmt(LLONG_MAX, buf, sizeof buf), "2562047h47m16.854775807s");
	ck_assert_str_eq(mf_go_duration_fmt(1, buf, sizeof buf), "1ns");
	ck_assert_str_eq(mf_go_duration_fmt(-1500000, buf, sizeof buf), "-1.5ms");
	ck_assert_str_eq(mf_go_duration_fmt(3600LL * 1000000000LL, buf, 3), "1h");  /* truncated, terminated */
}
END_TEST

START_TEST(duration_of_nodes)
{
	mf_arena *a = mf_arena_new();

	ck_assert_str_eq(mf_go_duration_of(a, mf_new_int(a, 30, MF_NOPOS)), "30s");
	ck_assert_str_eq(mf_go_duration_of(a, mf_new_int(a, 5400, MF_NOPOS)), "1h30m0s");
	ck_assert_str_eq(mf_go_duration_of(a, mf_new_str(a, "5m", MF_NOPOS)), "5m0s");
	ck_assert_ptr_null(mf_go_duration_of(a, mf_new_str(a, "5 minutes", MF_NOPOS)));
	ck_assert_ptr_null(mf_go_duration_of(a, mf_new_int(a, -1, MF_NOPOS)));
	ck_assert_ptr_null(mf_go_duration_of(a, mf_new_bool(a, true, MF_NOPOS)));
	ck_assert_ptr_null(mf_go_duration_of(a, NULL));
	mf_arena_free(a);
}
END_TEST

static Suite *cron_suite(void)
{
	Suite *s = suite_create("cron");
	TCase *t = tcase_create("cron");

	tcase_add_test(t, cron_accepts);
	tcase_add_test(t, cron_refuses_with_reason);
	tcase_add_test(t, cron_null_and_small_buffers);
	tcase_add_test(t, cron_split_tz);
	suite_add_tcase(s, t);
	t = tcase_create("durations");
	tcase_add_test(t, duration_round_trip);
	tcase_add_test(t, duration_refused);
	tcase_add_test(t, duration_values);
	tcase_add_test(t, duration_of_nodes);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return mf_test_run(cron_suite());
}
