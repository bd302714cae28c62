/* load: input files to positioned node trees, checked against the embedded schemas */
#ifndef MF_LOAD_H
#define MF_LOAD_H

#include "diag.h"

/* Limits on hostile input; every one is reported as a positioned error. */
#define MF_MAX_FILE_BYTES (16u << 20)
#define MF_MAX_SCALAR_BYTES (1u << 20)
#define MF_MAX_DEPTH 48u
#define MF_MAX_ALIAS_NODES 200000u
#define MF_MAX_INCLUDE_DEPTH 8u

/* Read a file (or "-" for stdin), refuse oversize files, NUL bytes and invalid
 * UTF-8 with a positioned error, and register it as a source.  Returns the
 * source index, or 0 after adding a diagnostic. */
uint32_t mf_read_source(mf_ctx *c, const char *path, mf_pos from);

/* Length of the UTF-8 sequence at s (RFC 3629: no overlongs, surrogates or
 * code points above U+10FFFF), or 0 when it is invalid. */
size_t mf_utf8_len(const unsigned char *s, size_t left);

/* Parse a registered source holding exactly one YAML document.  Anchors,
 * aliases (with an expansion budget) and merge keys are resolved, duplicate
 * keys and tags other than the core ones refused.  Returns the root (arena-
 * owned), or NULL after adding diagnostics.  With `multi`, a stream of
 * documents is accepted and returned as an MF_SEQ of roots (for lint). */
mf_node *mf_yaml_parse(mf_ctx *c, uint32_t file, bool multi);

/* Validate a tree against an embedded schema: "system", "profile" or
 * "policy".  Each violation becomes an error at the offending node, unknown
 * keys get a "did you mean".  Returns 0 when valid, -1 otherwise. */
int mf_validate(mf_ctx *c, const mf_node *doc, const char *schema);

/* The JSON text of an embedded schema, or NULL. */
const char *mf_schema_text(const char *schema, size_t *len);

/* Load a system description: read, parse, follow `include`, validate.
 * Returns the whole description as one tree, or NULL (diagnostics added). */
mf_node *mf_load_system(mf_ctx *c, const char *path);

/* Load and validate a profile: a built-in name or a path relative to the
 * directory of the file at `from`. */
mf_node *mf_load_profile(mf_ctx *c, const char *name, mf_pos from);

/* Levenshtein-close candidate among `names` (n of them), or NULL. */
const char *mf_did_you_mean(const char *word, const char *const *names, size_t n);

#endif
