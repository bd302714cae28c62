/* fuzz: what the harnesses share: which inputs are worth running, the promise every stage keeps */
#ifndef MF_FUZZ_COMMON_H
#define MF_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include "load.h"
#include "report.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The pipeline refuses what mf_utf8_len refuses before parsing (load.c),
 * so feeding such bytes on would test nothing real. */
static inline int fuzz_acceptable(const uint8_t *data, size_t size)
{
	size_t i = 0, n;

	if (size > MF_MAX_FILE_BYTES)
		return 0;
	while (i < size) {
		if (data[i] == 0 || !(n = mf_utf8_len(data + i, size - i)))
			return 0;
		i += n;
	}
	return 1;
}

/* Reports go to /dev/null, and stdin reads nothing: a profile path of
 * "/dev/stdin" must not hang the run.  NULL when either cannot be opened. */
static inline FILE *fuzz_null_stdio(void)
{
	if (!freopen("/dev/null", "r", stdin))
		return NULL;
	return fopen("/dev/null", "w");
}

/* Every stage promises a diagnostic with each failure: a silent failure
 * would make the CLI exit 2 without saying why. */
static inline void fuzz_must_have_errors(const mf_ctx *c)
{
	if (c->nerrors == 0 && !c->truncated)
		__builtin_trap();
}

/* Every report format walks every diagnostic back into its source; SARIF
 * (which lists every rule, a slow run) only when `sarif`. */
static inline void fuzz_report_all(const mf_ctx *c, FILE *out, int sarif)
{
	static const mf_format formats[] = {MF_FMT_TEXT, MF_FMT_JSON, MF_FMT_GITHUB, MF_FMT_GITLAB,
					    MF_FMT_SARIF};
	size_t n = sizeof formats / sizeof formats[0] - !sarif;

	for (size_t i = 0; out && c->ndiags && i < n; i++)
		mf_report(c, out, formats[i], i == 0);
}

#endif
