/* report: diagnostics and findings as text, JSON, SARIF or GitHub annotations */
#ifndef MF_REPORT_H
#define MF_REPORT_H

#include <stdio.h>
#include "check.h"

typedef enum mf_format {
	MF_FMT_TEXT,
	MF_FMT_JSON,
	MF_FMT_SARIF,
	MF_FMT_GITHUB,
} mf_format;

/* Name to format; -1 when unknown. */
int mf_format_parse(const char *name);

/* Print every diagnostic of the run in the format; colour only for text and
 * only when `color`.  Returns 0, or -1 when writing failed. */
int mf_report(const mf_ctx *c, FILE *fp, mf_format fmt, bool color);

#endif
