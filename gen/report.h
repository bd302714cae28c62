/* report: diagnostics and findings as text, JSON, SARIF, GitHub annotations or GitLab Code Quality */
#ifndef MF_REPORT_H
#define MF_REPORT_H

#include <stdio.h>
#include "check.h"

#ifndef MF_VERSION
#define MF_VERSION "0.1.0" /* the tool's version: `manifold version`, SARIF's driver */
#endif

typedef enum mf_format {
	MF_FMT_TEXT,
	MF_FMT_JSON,
	MF_FMT_SARIF,
	MF_FMT_GITHUB,
	MF_FMT_GITLAB, /* GitLab Code Quality (a JSON array of issues) */
} mf_format;

/* Name to format; -1 when unknown. */
int mf_format_parse(const char *name);

/* Print every diagnostic of the run in the format; colour only for text and
 * only when `color`.  Returns 0, or -1 when writing failed. */
int mf_report(const mf_ctx *c, FILE *fp, mf_format fmt, bool color);

/* The findings as the text format shows them (one finding repeated for
 * several environments counts once; the diagnostics must be sorted):
 * waived ones apart. */
typedef struct mf_totals {
	size_t errors, warnings, infos, waived;
} mf_totals;
void mf_report_totals(const mf_ctx *c, mf_totals *t);

/* The rules that are about security: their score for code scanning
 * (SARIF's security-severity, CVSS-like: 9.0+ critical, 7.0+ high, 4.0+
 * medium) and the CWE a finding is.  The others are not listed. */
typedef struct mf_security_rule {
	const char *rule;
	const char *severity;
	unsigned cwe;
} mf_security_rule;
extern const mf_security_rule mf_security_rules[];
extern const size_t mf_security_nrules;
const mf_security_rule *mf_security_of(const char *rule);

#endif
