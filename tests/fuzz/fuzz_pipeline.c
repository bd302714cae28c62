/* fuzz: libFuzzer harness over the whole pipeline in memory: load to render, check, emit, report */
#include <string.h>
#include "check.h"
#include "cron.h"
#include "emit.h"
#include "fuzz_common.h"

/* Relative profile paths resolve next to the description: a folder that
 * does not exist keeps the fuzzer from reading the repository's files. */
#define FUZZ_PATH "fuzz-nonexistent/system.yaml"

static FILE *devnull;

static const mf_emit_fn emitters[] = {
#define TARGET(e, name) mf_emit_##name,
#include "targets.def"
#undef TARGET
};

/* Render, check and emit every target into memory, as `manifold build`
 * would before writing (a failed render is still checked, as there). */
static void back_end(mf_ctx *c, const mf_system *s)
{
	mf_render_opts ro = {0};
	mf_rendered rd;
	mf_output out;
	bool failed;

	memset(&rd, 0, sizeof rd);
	failed = mf_render(c, s, &ro, &rd) < 0;
	if (failed)
		fuzz_must_have_errors(c);
	mf_rendered_freeze(&rd);
	if (mf_check(c, &rd, NULL) < 0)
		fuzz_must_have_errors(c);
	if (failed)
		return;
	mf_output_init(&out);
	for (size_t i = 0; i < sizeof emitters / sizeof emitters[0]; i++)
		if (emitters[i](c, &rd, &out) < 0)
			fuzz_must_have_errors(c);
	mf_output_sort(&out);
	mf_output_release(&out);
}

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
	if (mf_load_profiles(c, doc, &in) < 0) {
		fuzz_must_have_errors(c);
		return;
	}
	mf_input_freeze(&in); /* as main.c does: later stages never write their input */
	if (mf_resolve(c, &in, NULL, 0, &s) < 0 || mf_velero_validate(c, &s) < 0) {
		fuzz_must_have_errors(c);
		return;
	}
	mf_system_freeze(&s);
	back_end(c, &s);
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
		return -1; /* keep refused inputs out of the corpus */
	mf_ctx_init(&c);
	c.today = "2026-01-01";
	file = mf_source_add(&c, FUZZ_PATH, (const char *)data, size);
	if (file)
		front_end(&c, mf_yaml_parse(&c, file, false));
	mf_diag_sort(&c);
	fuzz_report_all(&c, devnull, 1);
	mf_ctx_release(&c);
	return 0;
}
