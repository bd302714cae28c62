/* emit: output files for every target, held in memory until written atomically */
#ifndef MF_EMIT_H
#define MF_EMIT_H

#include "render.h"
#include "yamlw.h"

typedef struct mf_outfile {
	const char *path; /* relative to the output directory, '/'-separated; malloc-owned */
	char *data;       /* malloc-owned */
	size_t len;
} mf_outfile;

typedef struct mf_output {
	mf_outfile *files;
	size_t n, cap;
} mf_output;

void mf_output_init(mf_output *o);
void mf_output_release(mf_output *o);
/* Add a file, taking ownership of buf's data (buf is reset).  The path must
 * be relative, without "..", "." or empty segments; a bad path is an error
 * (an internal one: names are validated earlier). */
int mf_output_add(mf_ctx *c, mf_output *o, const char *path, mf_buf *buf);
/* Serialize objects as one multi-document YAML file. */
int mf_output_add_objects(mf_ctx *c, mf_output *o, const char *path, const mf_object *const *objs,
			  size_t n);
void mf_output_sort(mf_output *o);

/* One function per target (targets.def); each reads the rendered system
 * and adds files, changing nothing it is given. */
typedef int (*mf_emit_fn)(mf_ctx *c, const mf_rendered *r, mf_output *o);
int mf_emit_kustomize(mf_ctx *c, const mf_rendered *r, mf_output *o);
int mf_emit_helm(mf_ctx *c, const mf_rendered *r, mf_output *o);
int mf_emit_compose(mf_ctx *c, const mf_rendered *r, mf_output *o);
int mf_emit_velero(mf_ctx *c, const mf_rendered *r, mf_output *o);
/* SECRETS.md at `path`: per environment of envs, the Secrets its objects read
 * (mf_secret_needs), their keys, and what makes them (emit_secrets.c).  A NULL
 * path (the caller's allocation failed) returns -1 without a diagnostic. */
int mf_emit_secrets_md(mf_ctx *c, const mf_rendered *r, const mf_env *const *envs, size_t n,
		       const char *path, mf_output *o);

/* Writing: files go to a staging folder and are renamed into place, only
 * after every emitter succeeded, under a lock on OUT/.manifold/lock and a
 * journal that lets the next build finish an interrupted one; see output.c
 * and docs/gitops.md for ownership, drift and the protocol.  The set must
 * be sorted (mf_output_sort); a path produced twice is refused.  Returns 0,
 * -2 when refused with nothing written (conflicts, symlinks, a malformed
 * manifest: exit 2) or -1 on an I/O error or a held lock (exit 3);
 * *ndrift counts the differences under MF_WRITE_CHECK. */
enum {
	MF_WRITE_CHECK = 1u << 0, /* compare only: report drift, write nothing */
	MF_WRITE_FORCE = 1u << 1, /* overwrite hand-edited owned files */
	MF_WRITE_DIFF = 1u << 2,  /* with CHECK: the caller shows what on_change shows (no
				     drift diagnostic for a missing, changed or stale file) */
};
/* The manifest reader alone (the fuzzer's entry point): `text` checked and
 * split as .manifold/manifest is, each malformed line a positioned error in
 * a source named `name`.  Returns how many (path, hash) pairs it lists, or
 * -1 after diagnostics. */
int mf_manifest_read(mf_ctx *c, const char *name, const char *text, size_t len);
int mf_output_write(mf_ctx *c, const mf_output *o, const char *dir, unsigned flags, size_t *ndrift);

/* What a build does (under MF_WRITE_CHECK: would do) to one file. */
typedef enum mf_change {
	MF_CHANGE_KEEP,   /* the bytes on disk are the ones produced */
	MF_CHANGE_CREATE, /* missing */
	MF_CHANGE_UPDATE, /* other bytes, or not a regular file (old is then NULL) */
	MF_CHANGE_PRUNE,  /* owned, no longer produced (now is NULL) */
} mf_change;

/* Called for each file while the write is planned, before anything is
 * written (and also when the write is then refused): the produced files in
 * path order, then the pruned ones.  `old` is what is on disk (NULL: none
 * or not a regular file), `now` what this run produces; both are only valid
 * during the call. */
typedef void (*mf_change_fn)(void *arg, mf_change what, const char *path, const char *old,
			     size_t oldlen, const char *now, size_t nowlen);
/* mf_output_write, telling on_change (may be NULL) about each file. */
int mf_output_write_cb(mf_ctx *c, const mf_output *o, const char *dir, unsigned flags,
		       size_t *ndrift, mf_change_fn on_change, void *arg);

#endif
