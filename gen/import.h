/* import: Compose files to a system description (a front end beside load) */
#ifndef MF_IMPORT_H
#define MF_IMPORT_H

#include "diag.h"
#include "yamlw.h"

typedef struct mf_import_opts {
	const char *const *files; /* the Compose files, merged in order (at least one) */
	size_t nfiles;
	/* the folder the description will be written to: relative bind and build
	 * paths are rewritten relative to it (NULL: the working directory) */
	const char *out_dir;
	const char *name; /* the system's name; NULL: the Compose project's */
} mf_import_opts;

/* What an import makes: malloc-owned text the caller writes and releases
 * with mf_imported_release. */
typedef struct mf_imported {
	mf_buf text;    /* the description */
	mf_buf secrets; /* `.env` lines of the literal secrets moved to secret 'imported' */
	size_t services, keys, carried; /* Compose services, keys seen, keys carried */
} mf_imported;

/* Read the Compose files (and `.env` beside the first one), merge them as
 * Compose does, and build a description that says what they say: every key
 * it cannot carry is a positioned `import-key` warning, every change of
 * meaning another warning.  The description is validated against the system
 * schema before it is returned.  Returns 0, or -1 after errors (nothing in
 * out then). */
int mf_import(mf_ctx *c, const mf_import_opts *o, mf_imported *out);
void mf_imported_init(mf_imported *r);
void mf_imported_release(mf_imported *r);

/* What Compose sets for a plain (unquoted) YAML scalar in a mapping such as
 * environment: when its reader takes it for a "number", "boolean" or "date",
 * that word (static), with Go's printing of the value in out (24.10 -> "24.1",
 * 0022 -> "18"); NULL when it stays the text as written. */
#define MF_COMPOSE_PLAIN_MAX 64
const char *mf_compose_plain(const char *s, char out[MF_COMPOSE_PLAIN_MAX]);

#endif
