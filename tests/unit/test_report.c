/* report: unit tests of the text, JSON, SARIF, GitHub and GitLab formats */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "support.h"

static mf_ctx C;
static uint32_t F;

static void setup(void)
{
	static const char text[] = "services:\n  api:\n    image: nginx:latest\n";

	mf_ctx_init(&C);
	F = mf_source_add(&C, "dir with space/system.yaml", text, strlen(text));
	ck_assert_uint_gt(F, 0);
}

static void teardown(void)
{
	mf_ctx_release(&C);
}

static mf_diag *add(mf_severity sev, uint32_t line, uint32_t col, const char *code, const char *msg)
{
	mf_diag *d = mf_diag_add(&C, sev, (mf_pos){line ? F : 0, line, col}, code, "%s", msg);

	ck_assert_ptr_nonnull(d);
	return d;
}

static char *render(mf_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(mf_report(&C, fp, fmt, false), 0);
	fclose(fp);
	return buf;
}

static json_t *render_json(mf_format fmt)
{
	char *out = render(fmt);
	json_error_t err;
	json_t *j = json_loads(out, 0, &err);

	ck_assert_msg(j != NULL, "not JSON: %s", err.text);
	free(out);
	return j;
}

START_TEST(format_names)
{
	ck_assert_int_eq(mf_format_parse("text"), MF_FMT_TEXT);
	ck_assert_int_eq(mf_format_parse("json"), MF_FMT_JSON);
	ck_assert_int_eq(mf_format_parse("sarif"), MF_FMT_SARIF);
	ck_assert_int_eq(mf_format_parse("github"), MF_FMT_GITHUB);
	ck_assert_int_eq(mf_format_parse("gitlab"), MF_FMT_GITLAB);
	ck_assert_int_eq(mf_format_parse("xml"), -1);
	ck_assert_int_eq(mf_format_parse(NULL), -1);
}
END_TEST

START_TEST(text_folds_repeats)
{
	mf_diag *d = add(MF_SEV_WARNING, 3, 12, "image-latest", "'api' uses image 'nginx:latest' with the 'latest' tag");
	char *out;

	d->env = "staging";
	d = add(MF_SEV_WARNING, 3, 12, "image-latest", "'api' uses image 'nginx:latest' with the 'latest' tag");
	d->env = "production";
	out = render(MF_FMT_TEXT);
	ck_assert_str_eq(out, "dir with space/system.yaml:3:12: warning: 'api' uses image 'nginx:latest' with the 'latest' tag [image-latest]\n"
			      "    3 |     image: nginx:latest\n"
			      "      |            ^~~~~~~~~~~~\n");
	free(out);
}
END_TEST

START_TEST(text_waived_and_truncated)
{
	mf_diag *d = add(MF_SEV_ERROR, 2, 3, "privileged", "'api' runs privileged");
	char *out;

	d->waived = true;
	d->waiver_reason = "needs the GPU driver";
	C.truncated = true;
	out = render(MF_FMT_TEXT);
	ck_assert_str_eq(out, "dir with space/system.yaml:2:3: error: 'api' runs privileged [privileged] (waived: needs the GPU driver)\n"
			      "    2 |   api:\n"
			      "      |   ^~~\n"
			      "manifold: error: too many errors (only the first 50 shown)\n");
	free(out);
}
END_TEST

START_TEST(json_findings_and_summary)
{
	mf_diag *d = add(MF_SEV_ERROR, 3, 12, "secret-literal", "'api' sets 'X' to a literal value");
	json_t *j, *f;

	d->env = "production";
	d->object = "Deployment/ns/api";
	d->path = "spec.template.spec.containers[0].env[0].value";
	d->note = "declare a secret";
	d = add(MF_SEV_WARNING, 0, 0, "input-io", "cannot read 'x'");
	d = add(MF_SEV_INFO, 2, 3, "startup-waves", "two waves");
	d = add(MF_SEV_ERROR, 2, 3, "privileged", "'api' runs privileged");
	d->waived = true;
	d->waiver_reason = "driver";
	d->waiver_pos = (mf_pos){F, 1, 1};
	j = render_json(MF_FMT_JSON);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "version")), 1);
	f = json_array_get(json_object_get(j, "findings"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(f, "rule")), "secret-literal");
	ck_assert_str_eq(json_string_value(json_object_get(f, "severity")), "error");
	ck_assert_str_eq(json_string_value(json_object_get(f, "file")), "dir with space/system.yaml");
	ck_assert_int_eq(json_integer_value(json_object_get(f, "line")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(f, "column")), 12);
	ck_assert_str_eq(json_string_value(json_object_get(f, "env")), "production");
	ck_assert_str_eq(json_string_value(json_object_get(f, "object")), "Deployment/ns/api");
	ck_assert_str_eq(json_string_value(json_object_get(f, "note")), "declare a secret");
	ck_assert(json_is_false(json_object_get(f, "waived")));
	ck_assert(json_is_null(json_object_get(f, "waiver")));
	f = json_array_get(json_object_get(j, "findings"), 1);
	ck_assert(json_is_null(json_object_get(f, "file")));
	ck_assert(json_is_null(json_object_get(f, "line")));
	f = json_array_get(json_object_get(j, "findings"), 3);
	ck_assert(json_is_true(json_object_get(f, "waived")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(f, "waiver"), "reason")), "driver");
	f = json_object_get(j, "summary");
	ck_assert_int_eq(json_integer_value(json_object_get(f, "errors")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(f, "warnings")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(f, "infos")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(f, "waived")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(f, "total")), 4);
	json_decref(j);
}
END_TEST

START_TEST(sarif_log)
{
	mf_diag *d = add(MF_SEV_WARNING, 3, 12, "image-latest", "'api' uses image 'nginx:latest'");
	json_t *j, *run, *rules, *res;

	d->object = "Deployment/ns/api";
	d->env = "production";
	d = add(MF_SEV_ERROR, 2, 3, "team-label", "no team");
	d->waived = true;
	d->waiver_reason = "legacy";
	d->waiver_pos = (mf_pos){F, 1, 1};
	add(MF_SEV_INFO, 0, 0, "startup-waves", "two waves");
	j = render_json(MF_FMT_SARIF);
	ck_assert_str_eq(json_string_value(json_object_get(j, "version")), "2.1.0");
	run = json_array_get(json_object_get(j, "runs"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "version")),
			 MF_VERSION);
	ck_assert_str_eq(json_string_value(json_object_get(run, "columnKind")), "unicodeCodePoints");
	rules = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
	ck_assert_uint_eq(json_array_size(rules), MF_RULE_COUNT + 1);
	for (size_t i = 0; i < MF_RULE_COUNT; i++)
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rules, i), "id")), mf_rules[i].id);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rules, MF_RULE_COUNT), "id")), "team-label");
	res = json_array_get(json_object_get(run, "results"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(res, "ruleId")), "image-latest");
	ck_assert_str_eq(json_string_value(json_object_get(res, "level")), "warning");
	ck_assert_int_eq(json_integer_value(json_object_get(res, "ruleIndex")), MF_RULE_IMAGE_LATEST);
	{
		json_t *loc = json_array_get(json_object_get(res, "locations"), 0);
		json_t *phys = json_object_get(loc, "physicalLocation");
		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(phys, "artifactLocation"), "uri")),
				 "dir%20with%20space/system.yaml");
		ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(phys, "region"), "startLine")), 3);
		/* the region ends after the token the caret underlines: "nginx:latest" */
		ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(phys, "region"), "endColumn")), 24);
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(loc, "logicalLocations"), 0),
								   "fullyQualifiedName")),
				 "Deployment/ns/api");
		ck_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(res, "properties"), "environments"), 0)),
				 "production");
	}
	res = json_array_get(json_object_get(run, "results"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(res, "suppressions"), 0), "justification")),
			 "legacy");
	res = json_array_get(json_object_get(run, "results"), 2);
	ck_assert_str_eq(json_string_value(json_object_get(res, "level")), "note");
	ck_assert_ptr_null(json_object_get(res, "locations"));
	json_decref(j);
}
END_TEST

/* One finding made in two environments is one result, the environments
 * its related locations; a third copy elsewhere is a result of its own. */
START_TEST(sarif_one_result_per_finding)
{
	static const char *const envs[] = {"production", "staging"};
	json_t *j, *res, *rel;

	for (size_t i = 0; i < 2; i++) {
		mf_diag *d = add(MF_SEV_ERROR, 2, 3, "privileged", "'api' runs privileged");
		d->env = envs[i];
		d->object = i ? "Deployment/shop-staging/api" : "Deployment/shop/api";
	}
	add(MF_SEV_ERROR, 3, 5, "privileged", "'api' runs privileged");
	mf_diag_sort(&C);
	j = render_json(MF_FMT_SARIF);
	res = json_object_get(json_array_get(json_object_get(j, "runs"), 0), "results");
	ck_assert_uint_eq(json_array_size(res), 2);
	rel = json_object_get(json_array_get(res, 0), "relatedLocations");
	ck_assert_uint_eq(json_array_size(rel), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(rel, 1), "id")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(rel, 1), "message"), "text")),
			 "environment 'staging': Deployment/shop-staging/api");
	ck_assert_str_eq(json_string_value(json_array_get(
				 json_object_get(json_object_get(json_array_get(res, 0), "properties"), "environments"), 1)),
			 "staging");
	ck_assert_ptr_null(json_object_get(json_array_get(res, 1), "relatedLocations"));
	json_decref(j);
}
END_TEST

/* Security rules carry code scanning's tags and score; other rules none. */
START_TEST(sarif_security_rules)
{
	json_t *j = render_json(MF_FMT_SARIF), *rules, *props;

	rules = json_object_get(json_object_get(json_object_get(json_array_get(json_object_get(j, "runs"), 0), "tool"),
						"driver"),
				"rules");
	props = json_object_get(json_array_get(rules, MF_RULE_PRIVILEGED), "properties");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(props, "tags"), 0)), "security");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(props, "tags"), 1)), "external/cwe/cwe-250");
	ck_assert_str_eq(json_string_value(json_object_get(props, "security-severity")), "9.0");
	ck_assert_ptr_null(json_object_get(json_array_get(rules, MF_RULE_STARTUP_WAVES), "properties"));
	json_decref(j);
}
END_TEST

/* The table names rules that exist, once each, with a score in range. */
START_TEST(security_table_is_rules_def)
{
	for (size_t i = 0; i < mf_security_nrules; i++) {
		char *end;
		double v = strtod(mf_security_rules[i].severity, &end);
		ck_assert_msg(mf_rule_find(mf_security_rules[i].rule) != NULL, "'%s' is not a rule",
			      mf_security_rules[i].rule);
		ck_assert_msg(*end == 0 && v > 0 && v <= 10.0, "score '%s'", mf_security_rules[i].severity);
		ck_assert_uint_gt(mf_security_rules[i].cwe, 0);
		for (size_t k = 0; k < i; k++)
			ck_assert_str_ne(mf_security_rules[k].rule, mf_security_rules[i].rule);
	}
	ck_assert_ptr_nonnull(mf_security_of("host-path"));
	ck_assert_ptr_null(mf_security_of("startup-waves"));
}
END_TEST

START_TEST(gitlab_code_quality)
{
	mf_diag *d = add(MF_SEV_ERROR, 3, 12, "privileged", "'api' runs privileged");
	json_t *j, *issue;
	const char *fp0;

	d->env = "production";
	d = add(MF_SEV_ERROR, 3, 12, "privileged", "'api' runs privileged");
	d->env = "staging";
	d = add(MF_SEV_WARNING, 2, 3, "probe-missing", "'api' has no probe");
	d->note = "add probes";
	d = add(MF_SEV_ERROR, 2, 3, "team-label", "no team");
	d->waived = true;
	add(MF_SEV_ERROR, 0, 0, "unknown-environment", "no environment 'prod'");
	mf_diag_sort(&C);
	j = render_json(MF_FMT_GITLAB);
	ck_assert(json_is_array(j));
	ck_assert_uint_eq(json_array_size(j), 3); /* repeats merged, the waived one left out */
	issue = json_array_get(j, 0);
	ck_assert_str_eq(json_string_value(json_object_get(issue, "check_name")), "unknown-environment");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(issue, "location"), "path")),
			 "dir with space/system.yaml");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(issue, "location"), "lines"), "begin")), 1);
	issue = json_array_get(j, 1);
	ck_assert_str_eq(json_string_value(json_object_get(issue, "severity")), "minor");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(issue, "content"), "body")), "add probes");
	fp0 = json_string_value(json_object_get(issue, "fingerprint"));
	issue = json_array_get(j, 2);
	ck_assert_str_eq(json_string_value(json_object_get(issue, "description")),
			 "'api' runs privileged (production, staging)");
	ck_assert_str_eq(json_string_value(json_object_get(issue, "severity")), "critical");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(issue, "categories"), 0)), "Security");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(issue, "location"), "lines"), "begin")), 3);
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(issue, "fingerprint"))), 32);
	ck_assert_str_ne(json_string_value(json_object_get(issue, "fingerprint")), fp0);
	json_decref(j);
}
END_TEST

/* What the summary line counts: each finding once, waived ones apart. */
START_TEST(totals_count_findings_once)
{
	mf_totals t;
	mf_diag *d = add(MF_SEV_ERROR, 3, 12, "privileged", "'api' runs privileged");

	d->env = "production";
	d = add(MF_SEV_ERROR, 3, 12, "privileged", "'api' runs privileged");
	d->env = "staging";
	add(MF_SEV_WARNING, 2, 3, "probe-missing", "'api' has no probe");
	add(MF_SEV_INFO, 2, 3, "startup-waves", "two waves");
	d = add(MF_SEV_ERROR, 1, 1, "team-label", "no team");
	d->waived = true;
	mf_diag_sort(&C);
	mf_report_totals(&C, &t);
	ck_assert_uint_eq(t.errors, 1);
	ck_assert_uint_eq(t.warnings, 1);
	ck_assert_uint_eq(t.infos, 1);
	ck_assert_uint_eq(t.waived, 1);
}
END_TEST

START_TEST(github_annotations)
{
	mf_diag *d = add(MF_SEV_ERROR, 3, 12, "url-credentials", "50% of 'a,b': x");
	char *out;

	d->note = "line one\nline two";
	add(MF_SEV_WARNING, 0, 0, "input-io", "cannot read 'x'");
	d = add(MF_SEV_ERROR, 2, 3, "privileged", "runs privileged");
	d->waived = true;
	d->waiver_reason = "driver";
	mf_diag_sort(&C);
	out = render(MF_FMT_GITHUB);
	ck_assert_str_eq(out, "::warning title=input-io::cannot read 'x'\n"
			      "::notice file=dir with space/system.yaml,line=2,col=3,title=privileged::runs privileged (waived: driver)\n"
			      "::error file=dir with space/system.yaml,line=3,col=12,title=url-credentials::50%25 of 'a,b': x%0Anote: line one%0Aline two\n");
	free(out);
}
END_TEST

START_TEST(write_failure)
{
	FILE *fp = fopen("/dev/full", "w");

	if (!fp)
		return;
	add(MF_SEV_ERROR, 3, 12, "privileged", "runs privileged");
	ck_assert_int_eq(mf_report(&C, fp, MF_FMT_JSON, false), -1);
	fclose(fp);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *t = tcase_create("formats");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, format_names);
	tcase_add_test(t, text_folds_repeats);
	tcase_add_test(t, text_waived_and_truncated);
	tcase_add_test(t, json_findings_and_summary);
	tcase_add_test(t, sarif_log);
	tcase_add_test(t, sarif_one_result_per_finding);
	tcase_add_test(t, sarif_security_rules);
	tcase_add_test(t, security_table_is_rules_def);
	tcase_add_test(t, gitlab_code_quality);
	tcase_add_test(t, totals_count_findings_once);
	tcase_add_test(t, github_annotations);
	tcase_add_test(t, write_failure);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return mf_test_run(report_suite());
}
