/* diag: sources, positioned diagnostics and findings shared by every stage */
#ifndef MF_DIAG_H
#define MF_DIAG_H

#include <stdio.h>
#include "model.h"

typedef enum mf_severity {
	MF_SEV_INFO,
	MF_SEV_WARNING,
	MF_SEV_ERROR,
} mf_severity;

/* One input file kept alive for the whole run, so diagnostics can show the
 * line.  text is NUL-terminated (load refuses files holding NUL bytes). */
typedef struct mf_source {
	const char *path; /* as given / as shown in diagnostics */
	const char *text;
	size_t len;
	const size_t *lines; /* where each line starts (lines[0] = 0), built once */
	size_t nlines;       /* lines that start before the end of text */
} mf_source;

/* A diagnostic or a policy finding: the same record, so one report stage
 * prints both.  Strings are arena-owned. */
typedef struct mf_diag {
	mf_severity sev;
	mf_pos pos;
	const char *code; /* rule or error id, e.g. "yaml-syntax", "image-latest" */
	const char *msg;
	const char *note;   /* optional extra line ("did you mean ...", the cycle) */
	const char *env;    /* optional: environment the finding concerns */
	const char *object; /* optional: "Deployment/ns/name" or "service/tenant" */
	const char *path;   /* optional: field path in the rendered object */
	bool mask_token;    /* the token at pos is a secret: the excerpt hides it */
	bool mask_rest;     /* and what follows it on the line (a refused secret's data) */
	const char *rule_summary, *rule_help; /* a policy pack's rule: SARIF's rules[] entry */
	bool waived;
	const char *waiver_reason;
	mf_pos waiver_pos;
	size_t folded; /* findings folded into this one per rule and line (check.c), else 0 */
} mf_diag;

typedef struct mf_ctx {
	mf_arena *a;        /* where stages allocate: keep, or a stage's scratch arena */
	mf_arena *keep;     /* the run's: sources and diagnostics live here */
	mf_source *sources; /* sources[0] is a dummy so that pos.file == 0 means none */
	size_t nsources, capsources;
	mf_diag *diags;
	size_t ndiags, capdiags;
	size_t nerrors;    /* diags with sev == ERROR and !waived */
	size_t max_errors; /* input errors kept before "too many errors" (0 = 50) */
	bool truncated;    /* the cap was hit */
	const char *today; /* YYYY-MM-DD for waiver expiry; set by main (MANIFOLD_TODAY or clock) */
	/* the files a description names (load.c): the real path of its folder, which
	 * they stay in, and how many files and bytes they have come to (a budget) */
	const char *input_root;
	size_t input_files, input_bytes;
	mf_budget budget; /* the memory its arenas may use (model.h) */
} mf_ctx;

void mf_ctx_init(mf_ctx *c);
void mf_ctx_release(mf_ctx *c); /* frees the arena and everything in it */

/* Register a file's text (copied into the arena); returns its index (>0) or 0 on OOM. */
uint32_t mf_source_add(mf_ctx *c, const char *path, const char *text, size_t len);
const mf_source *mf_source_get(const mf_ctx *c, uint32_t file);

/* Append a diagnostic; return -1 so callers can `return mf_error(...)`.
 * Messages are lowercase, no final full stop, names in single quotes. */
int mf_error(mf_ctx *c, mf_pos pos, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void mf_warning(mf_ctx *c, mf_pos pos, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Full form: returns the stored record so callers can fill env/object/path/note. */
mf_diag *mf_diag_add(mf_ctx *c, mf_severity sev, mf_pos pos, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void mf_diag_note(mf_ctx *c, mf_diag *d, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A stage whose working memory dies with it (check, each emitter) runs with
 * c->a on a scratch arena: mf_scratch_end copies what its diagnostics point
 * into there to c->keep and frees it.  Nothing else the stage allocated may
 * outlive it.  Begin returns -1 on OOM (c->a is then left as it was). */
typedef struct mf_scratch {
	mf_arena *outer;
} mf_scratch;
int mf_scratch_begin(mf_ctx *c, mf_scratch *s);
int mf_scratch_end(mf_ctx *c, mf_scratch *s);

/* After the memory budget refused a chunk: the "out of memory" errors that
 * caused become one 'memory-limit' error at what was being built (else the
 * description's first line).  Lifts the limit, so that the report can be
 * made.  Returns whether the budget was hit. */
bool mf_budget_report(mf_ctx *c);

/* Sort diagnostics by file, line, col, code (stable) so output is deterministic. */
void mf_diag_sort(mf_ctx *c);

/* Compiler-style text: "file:line:col: error: msg [code]", the source line and
 * a caret; colour when `color`.  Returns 0, or -1 when the stream failed. */
int mf_diag_print(const mf_ctx *c, const mf_diag *d, FILE *fp, bool color);

/* The column just past the token at pos (what the caret underlines: a
 * quoted scalar, or a word up to a blank, a key's ':' or a flow indicator),
 * in code points like pos.col; 0 when pos has no line and column. */
uint32_t mf_token_end(const mf_ctx *c, mf_pos pos);

/* Text from the input with control characters as \xNN, C1 ones as \u00NN
 * (see diag.c); the _lines form keeps newlines and tabs (help texts). */
void mf_put_escaped(const char *s, FILE *fp);
void mf_put_escaped_lines(const char *s, FILE *fp);
/* 2 when s starts with a C1 control character (U+0080..U+009F) in UTF-8, else 0. */
size_t mf_c1_len(const char *s);

/* Print every diagnostic in order, then, when the error cap was hit,
 * "manifold: error: too many errors (only the first N shown)".  Flushes fp;
 * returns 0, or -1 when the stream failed. */
int mf_diag_print_all(const mf_ctx *c, FILE *fp, bool color);

/* Levenshtein-close candidate among `names` (n of them), or NULL. */
const char *mf_did_you_mean(const char *word, const char *const *names, size_t n);
/* Note "did you mean 'X'?" on d when one of names (or of map's keys) is
 * close to word; nothing when none is, or d or word is NULL. */
void mf_diag_suggest(mf_ctx *c, mf_diag *d, const char *word, const char *const *names, size_t n);
void mf_diag_suggest_key(mf_ctx *c, mf_diag *d, const char *word, const mf_node *map);

#endif
