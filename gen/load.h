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
/* what all the files a description names (includes, config files, profiles,
 * policy packs) may come to, together: a tree of includes that fans out ends */
#define MF_MAX_INPUT_FILES 4096u
#define MF_MAX_INPUT_BYTES (128u << 20)

/* Read a file (or "-" for stdin), refuse oversize files, NUL bytes and invalid
 * UTF-8 with a positioned error, and register it as a source.  Returns the
 * source index, or 0 after adding a diagnostic.  For files the user names
 * (the command line): any kind of file is read. */
uint32_t mf_read_source(mf_ctx *c, const char *path, mf_pos from);

/* A stream of YAML documents lint reads (a `kubectl kustomize` of a large system):
 * up to MF_MAX_STREAM_BYTES, each document up to MF_MAX_FILE_BYTES (an error at
 * the first line of the first one larger); otherwise as mf_read_source. */
#define MF_MAX_STREAM_BYTES (1024u << 20)
uint32_t mf_read_stream(mf_ctx *c, const char *path, mf_pos from);

/* Read a file that a file names (from.file != 0): it must be a relative
 * path that stays, symbolic links resolved, inside c->input_root (or the
 * folder of the file naming it when that is unset), be a regular file
 * (a FIFO or device is refused before anything is read from it) and fit
 * the budget of MF_MAX_INPUT_FILES and MF_MAX_INPUT_BYTES.  With from.file
 * == 0 it is mf_read_source.  *real (may be NULL) gets the real path. */
uint32_t mf_read_named_file(mf_ctx *c, const char *path, mf_pos from, const char **real);
/* A path as seen from the folder of the file `file` (arena-owned). */
char *mf_load_relative(mf_ctx *c, uint32_t file, const char *path);
/* services.*.envFile (and templates', defaults', overrides'): each file read
 * and parsed now (load_envfile.c), its KEY=VALUE lines added to the entry as
 * `data` at their own lines; -1 after errors (a required file missing). */
int mf_load_env_files(mf_ctx *c, mf_node *doc);

/* Length of the UTF-8 sequence at s (RFC 3629: no overlongs, surrogates or
 * code points above U+10FFFF), or 0 when it is invalid. */
size_t mf_utf8_len(const unsigned char *s, size_t left);
/* Whether s[0..len) holds no NUL and only valid UTF-8. */
bool mf_text_clean(const unsigned char *s, size_t len);

/* Parse a registered source holding exactly one YAML document.  Anchors,
 * aliases (with an expansion budget) and merge keys are resolved, duplicate
 * keys and tags other than the core ones refused.  Returns the root (arena-
 * owned), or NULL after adding diagnostics.  With `multi`, a stream of
 * documents is accepted and returned as an MF_SEQ of roots (for lint). */
mf_node *mf_yaml_parse(mf_ctx *c, uint32_t file, bool multi);

/* The two readers mf_yaml_parse tries, for tests that compare them.
 * mf_yaml_fast reads the block-style subset kustomize and manifold write
 * (yaml_fast.c) and returns the MF_SEQ of document roots, or NULL, having
 * reported nothing, for any text outside it; mf_yaml_parse_full is
 * libfyaml's reading (the MF_SEQ of roots, or NULL after diagnostics).  For
 * the text the fast path takes, the two trees are the same node for node,
 * positions included. */
mf_node *mf_yaml_fast(mf_ctx *c, uint32_t file, bool multi);
mf_node *mf_yaml_parse_full(mf_ctx *c, uint32_t file, bool multi);
/* Types a plain scalar by the YAML 1.2 core schema (null, bool, int,
 * float, else the string it is); false when it is an integer out of range. */
bool mf_yaml_resolve_plain(mf_node *n);
/* YAML's float: [-+]?(.D+|D+(.D*)?)([eE][-+]?D+), or .inf/.nan; *out its value. */
bool mf_yaml_float_text(const char *s, double *out);

/* Validate a tree against an embedded schema: "system", "profile" or
 * "policy".  Each violation becomes an error at the offending node, unknown
 * keys get a "did you mean".  Returns 0 when valid, -1 otherwise. */
int mf_validate(mf_ctx *c, const mf_node *doc, const char *schema);

/* The JSON text of an embedded schema, or NULL. */
const char *mf_schema_text(const char *schema, size_t *len);

/* Load a system description: read, parse, follow `include`, validate.
 * Returns the whole description as one tree, or NULL (diagnostics added). */
mf_node *mf_load_system(mf_ctx *c, const char *path);

/* A kind of document the description names: a built-in one (an embedded
 * file DIR/NAME.yaml) or a path relative to the file that names it. */
typedef struct mf_doc_kind {
	const char *what;   /* in messages: "profile", "policy pack" */
	const char *dir;    /* the embedded folder: "profiles", "policies" */
	const char *schema; /* what validates it: "profile", "policy" */
	const char *code;   /* the error code of an unknown built-in name */
} mf_doc_kind;

extern const mf_doc_kind mf_profile_kind, mf_policy_kind;

/* What identifies a named document, without reading it: "DIR/NAME.yaml"
 * for a built-in one, else the file's real path (so "./a.yaml" and
 * "x/../a.yaml" are one document and an `extends` cycle can end). */
const char *mf_named_key(mf_ctx *c, const mf_doc_kind *k, const char *name, mf_pos from);

/* Load, parse and validate one named document; *key (may be NULL) gets what
 * identifies it: "DIR/NAME.yaml" or the resolved path.  NULL after
 * diagnostics (an unknown built-in name lists the built-in ones). */
const mf_node *mf_load_named(mf_ctx *c, const mf_doc_kind *k, const char *name, mf_pos from,
			     const char **key);

/* A profile an environment names, its `extends` chain merged base first. */
typedef struct mf_profile {
	const char *name; /* as written: a built-in name or a path */
	mf_pos pos;       /* where it is named */
	const mf_node *doc;
} mf_profile;

/* The load stage's product: the description (includes merged) and every
 * profile its environments name, each loaded once. */
typedef struct mf_input {
	const mf_node *doc;
	mf_profile *profiles;
	size_t nprofiles;
	/* parallel to doc's `environments`: each one's profile, or NULL for none */
	const mf_profile **env_profiles;
} mf_input;

/* Load the profiles the environments of an already loaded description name. */
int mf_load_profiles(mf_ctx *c, const mf_node *doc, mf_input *out);
/* Freeze every tree of the input (see mf_freeze). */
void mf_input_freeze(const mf_input *in);
/* mf_load_system, then mf_load_profiles.  Returns 0, or -1 after diagnostics. */
int mf_load(mf_ctx *c, const char *path, mf_input *out);

#endif
