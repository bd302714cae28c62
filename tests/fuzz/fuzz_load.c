/* fuzz: libFuzzer harness over the load and resolve stages (parse, validate, resolve, render) */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "cron.h"
#include "fuzz_common.h"
#include "load.h"

/* Where a description names a profile by relative path, resolve looks next
 * to the description: a directory that does not exist keeps the fuzzer from
 * reading the repository's files (absolute paths still reach the disk). */
#define FUZZ_PATH "fuzz-nonexistent/system.yaml"

static FILE *devnull;

static void front_end(mf_ctx *c, const mf_node *doc)
{
	mf_system s;
	mf_input in;

	memset(&s, 0, sizeof s);
	if (!doc) {
		fuzz_must_have_errors(c);
		return;
	}
	if (doc->kind != MF_MAP || mf_validate(c, doc, "system") < 0) {
		if (doc->kind == MF_MAP)
			fuzz_must_have_errors(c);
		return;
	}
	if (mf_load_profiles(c, doc, &in) < 0 || mf_resolve(c, &in, NULL, 0, &s) < 0 ||
	    mf_velero_validate(c, &s) < 0)
		fuzz_must_have_errors(c);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fuzz_null_stdio();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mf_ctx c;
	uint32_t file;

	if (!fuzz_acceptable(data, size))
		return -1;  /* keep refused inputs out of the corpus */
	mf_ctx_init(&c);
	c.today = "2026-01-01";
	file = mf_source_add(&c, FUZZ_PATH, (const char *)data, size);
	if (file)
		front_end(&c, mf_yaml_parse(&c, file, false));
	/* printing walks every position back into the source: carets included */
	if (devnull) {
		mf_diag_sort(&c);
		mf_diag_print_all(&c, devnull, true);
	}
	mf_ctx_release(&c);
	return 0;
}
