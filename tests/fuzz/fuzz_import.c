/* fuzz: libFuzzer harness over the Compose import (read, interpolate, merge, carry, validate) */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "import.h"
#include "load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input is one Compose file in a folder of its own (no .env, no env_file
 * reaches the repository's files: relative paths stay in the folder). */
static const char *input_file(const uint8_t *data, size_t size)
{
	static char dir[] = "/tmp/mf-fuzz-import-XXXXXX", path[64];
	static int made;
	FILE *fp;

	if (!made && !mkdtemp(dir))
		return NULL;
	made = 1;
	snprintf(path, sizeof path, "%s/compose.yaml", dir);
	fp = fopen(path, "wb");
	if (!fp)
		return NULL;
	fwrite(data, 1, size, fp);
	fclose(fp);
	return path;
}

/* Whatever the input, an import fails with a diagnostic that says why, or
 * returns a description its own schema accepts (mf_import validates it: an
 * "internal" error is a bug of the import). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = size <= MF_MAX_FILE_BYTES ? input_file(data, size) : NULL;
	mf_import_opts o = {&path, 1, "/tmp", NULL};
	mf_imported r;
	mf_ctx c;
	int rc;

	if (!path)
		return 0;
	mf_ctx_init(&c);
	c.today = "2026-11-22";
	mf_imported_init(&r);
	rc = mf_import(&c, &o, &r);
	if (rc < 0 && c.nerrors == 0 && !c.truncated)
		__builtin_trap();
	for (size_t i = 0; i < c.ndiags; i++)
		if (!strcmp(c.diags[i].code, "internal"))
			__builtin_trap();
	mf_imported_release(&r);
	mf_ctx_release(&c);
	return 0;
}
