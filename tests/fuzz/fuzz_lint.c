/* fuzz: libFuzzer harness over `manifold lint`: hand-written Kubernetes and Compose YAML */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "fuzz_common.h"

static FILE *devnull;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	/* lint reads files: each input is written to this process's own one */
	snprintf(path, sizeof path, "/tmp/manifold-fuzz-lint-%ld.yaml", (long)getpid());
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *paths[] = {path};
	FILE *fp;
	mf_ctx c;

	if (!fuzz_acceptable(data, size) || !(fp = fopen(path, "wb")))
		return -1;
	if (fwrite(data, 1, size, fp) != size) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	mf_ctx_init(&c);
	c.today = "2026-01-01";
	if (mf_lint(&c, paths, 1, NULL, 0) < 0)
		fuzz_must_have_errors(&c);
	fuzz_report_all(&c, devnull, 0);
	mf_ctx_release(&c);
	return 0;
}
