/* schema: the official JSON-Schema-Test-Suite (draft-07) run against the engine */
#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jsonschema.h"
#include "support.h"

/* Debian package json-schema-test-suite; JSTS_DIR overrides (either the
 * draft7 directory itself or the suite's root). */
#define JSTS_DEFAULT "/usr/share/json-schema-test-suite/tests/draft7"
/* The suite's remote documents live under this URI, served from remotes/. */
#define REMOTE_BASE "http://localhost:1234/"

/* Keyword files we support, all run.  The two optional files are run too:
 * they test behaviour we promise (1.0 is an integer; huge numbers compare
 * sanely).  jansson cannot hold integers beyond 64 bits, so bignum.json is
 * read with JSON_DECODE_INT_AS_REAL, as any caller of ours would have to. */
static const struct {
	const char *name;
	size_t flags;
} files[] = {
	{"additionalItems.json", 0}, {"additionalProperties.json", 0}, {"allOf.json", 0},
	{"anyOf.json", 0}, {"boolean_schema.json", 0}, {"const.json", 0},
	{"contains.json", 0}, {"default.json", 0}, {"definitions.json", 0},
	{"dependencies.json", 0}, {"enum.json", 0}, {"exclusiveMaximum.json", 0},
	{"exclusiveMinimum.json", 0}, {"if-then-else.json", 0}, {"items.json", 0},
	{"maxItems.json", 0}, {"maxLength.json", 0}, {"maxProperties.json", 0},
	{"maximum.json", 0}, {"minItems.json", 0}, {"minLength.json", 0},
	{"minProperties.json", 0}, {"minimum.json", 0}, {"multipleOf.json", 0},
	{"not.json", 0}, {"oneOf.json", 0}, {"pattern.json", 0},
	{"patternProperties.json", 0}, {"properties.json", 0}, {"propertyNames.json", 0},
	{"ref.json", 0}, {"refRemote.json", 0}, {"required.json", 0}, {"type.json", 0},
	{"uniqueItems.json", 0},
	{"optional/zeroTerminatedFloats.json", 0},
	{"optional/bignum.json", JSON_DECODE_INT_AS_REAL},
};
#define NFILES (sizeof files / sizeof files[0])

/* Files not run, and why. */
static const struct {
	const char *name, *why;
} not_run[] = {
	{"optional/ecmascript-regex.json", "tests format \"regex\"; format is an annotation here, not asserted"},
	{"optional/content.json", "contentMediaType/contentEncoding are annotations here, not asserted"},
	{"optional/format/*.json", "format is an annotation here, not asserted"},
};

/* Known failures, kept honest: an entry whose case passes, or that matches
 * no case, fails the run. */
static const struct {
	const char *file, *group, *test, *why;
} skips[] = {
	/* The schema is {"$ref": "http://json-schema.org/draft-07/schema#"}: the
	 * draft-07 meta-schema, fetched over the network.  The package does not
	 * ship it (only remotes/ for refRemote.json, which we serve), and we
	 * fetch nothing from the network. */
	{"ref.json", "remote ref, containing refs itself", "remote ref valid", "needs the remote draft-07 meta-schema"},
	{"ref.json", "remote ref, containing refs itself", "remote ref invalid", "needs the remote draft-07 meta-schema"},
	{"definitions.json", "valid definition", "valid definition schema", "needs the remote draft-07 meta-schema"},
	{"definitions.json", "invalid definition", "invalid definition schema", "needs the remote draft-07 meta-schema"},
};
#define NSKIPS (sizeof skips / sizeof skips[0])

typedef struct result {
	bool loaded;
	size_t total, passed, skipped, unexpected, skip_passed;
	char first[512];   /* first unexpected failure, for the assertion message */
} result;

static result results[NFILES];
static size_t skip_hits[NSKIPS];
static char suite_dir[1024], remotes_dir[1024];

static size_t skip_index(const char *file, const char *group, const char *test)
{
	for (size_t i = 0; i < NSKIPS; i++)
		if (!strcmp(skips[i].file, file) && !strcmp(skips[i].group, group) && !strcmp(skips[i].test, test))
			return i;
	return NSKIPS;
}

static void find_suite_dir(void)
{
	const char *env = getenv("JSTS_DIR");
	const char *dir = env && *env ? env : JSTS_DEFAULT;
	struct stat st;
	char sub[1024];
	snprintf(sub, sizeof sub, "%s/tests/draft7", dir);
	bool root = stat(sub, &st) == 0 && S_ISDIR(st.st_mode);
	snprintf(suite_dir, sizeof suite_dir, "%s", root ? sub : dir);
	snprintf(remotes_dir, sizeof remotes_dir, "%s%s/remotes", dir, root ? "" : "/../..");
}

/* What a web server on localhost:1234 would serve: the suite's remotes/. */
static json_t *load_remote(void *user, const char *uri)
{
	char path[2048];
	size_t n = strlen(REMOTE_BASE);
	(void)user;
	if (strncmp(uri, REMOTE_BASE, n) || strstr(uri, ".."))
		return NULL;
	snprintf(path, sizeof path, "%s/%s", remotes_dir, uri + n);
	return json_load_file(path, 0, NULL);
}

static void run_case(result *r, const char *file, const char *group, const mf_schema *s, const char *cerr,
                     const json_t *t)
{
	const char *desc = json_string_value(json_object_get(t, "description"));
	bool want = json_is_true(json_object_get(t, "valid"));
	bool ok = s && (mf_schema_validate(s, json_object_get(t, "data"), NULL, NULL) == 0) == want;
	size_t k = skip_index(file, group, desc ? desc : "");
	r->total++;
	r->passed += ok;
	if (k < NSKIPS) {
		skip_hits[k]++;
		r->skipped += !ok;
		r->skip_passed += ok;
		return;
	}
	if (ok)
		return;
	r->unexpected++;
	fprintf(stderr, "  FAIL %s: %s / %s (expected %s)%s%s\n", file, group, desc, want ? "valid" : "invalid",
	        s ? "" : ": schema rejected: ", s ? "" : cerr);
	if (!r->first[0])
		snprintf(r->first, sizeof r->first, "%s / %s", group, desc);
}

static void run_group(result *r, const char *file, const json_t *g)
{
	char err[512];
	const char *group = json_string_value(json_object_get(g, "description"));
	mf_schema *s = mf_schema_new_ex(json_object_get(g, "schema"), load_remote, NULL, err, sizeof err);
	size_t i;
	const json_t *t;
	json_array_foreach(json_object_get(g, "tests"), i, t)
		run_case(r, file, group ? group : "", s, err, t);
	mf_schema_free(s);
}

static void run_file(size_t idx)
{
	char path[2048];
	json_error_t jerr;
	result *r = &results[idx];
	snprintf(path, sizeof path, "%s/%s", suite_dir, files[idx].name);
	json_t *doc = json_load_file(path, files[idx].flags, &jerr);
	if (!json_is_array(doc)) {
		fprintf(stderr, "  cannot read %s: %s\n", path, jerr.text);
		snprintf(r->first, sizeof r->first, "cannot read it (set JSTS_DIR?): %s", jerr.text);
		json_decref(doc);
		return;
	}
	r->loaded = true;
	size_t i;
	const json_t *g;
	json_array_foreach(doc, i, g)
		run_group(r, files[idx].name, g);
	json_decref(doc);
}

static void run_suite(void)
{
	size_t total = 0, passed = 0, nfiles = 0;
	find_suite_dir();
	printf("JSON-Schema-Test-Suite draft7 from %s\n", suite_dir);
	for (size_t i = 0; i < NFILES; i++) {
		run_file(i);
		const result *r = &results[i];
		total += r->total;
		passed += r->passed;
		nfiles += r->loaded;
		printf("  %-36s %3zu/%-3zu%s\n", files[i].name, r->passed, r->total,
		       !r->loaded ? "  NOT LOADED" : r->skipped ? "  (known failures skipped)" : "");
	}
	for (size_t i = 0; i < sizeof not_run / sizeof not_run[0]; i++)
		printf("  %-36s not run: %s\n", not_run[i].name, not_run[i].why);
	printf("JSON-Schema-Test-Suite draft7: %zu/%zu cases pass (%zu keyword files)\n", passed, total, nfiles);
	fflush(stdout);
}

START_TEST(test_suite_file)
{
	const result *r = &results[_i];
	ck_assert_msg(r->loaded, "%s: %s", files[_i].name, r->first);
	ck_assert_msg(r->unexpected == 0, "%s: %zu case(s) fail, first: %s", files[_i].name, r->unexpected, r->first);
	ck_assert_msg(r->skip_passed == 0, "%s: a case in the skip table now passes: remove its entry",
	              files[_i].name);
}
END_TEST

START_TEST(test_skip_table_current)
{
	for (size_t i = 0; i < NSKIPS; i++)
		ck_assert_msg(skip_hits[i] == 1, "skip entry %s / %s / %s matched %zu cases", skips[i].file,
		              skips[i].group, skips[i].test, skip_hits[i]);
}
END_TEST

int main(void)
{
	run_suite();
	Suite *s = suite_create("jsonschema-suite");
	TCase *tc = tcase_create("draft7");
	tcase_add_loop_test(tc, test_suite_file, 0, (int)NFILES);
	tcase_add_test(tc, test_skip_table_current);
	suite_add_tcase(s, tc);
	return mf_test_run(s);
}
