/* fuzz: libFuzzer harness over the reader of .manifold/manifest (output.c) */
#include "emit.h"
#include "fuzz_common.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	return 0;
}

/* Any bytes: the manifest on disk may hold anything, NUL bytes included. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mf_ctx c;

	mf_ctx_init(&c);
	if (mf_manifest_read(&c, "out/.manifold/manifest", (const char *)data, size) < 0)
		fuzz_must_have_errors(&c);
	fuzz_report_all(&c, devnull, 0);
	mf_ctx_release(&c);
	return 0;
}
