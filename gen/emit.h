/* emit: output files for every target, held in memory until written atomically */
#ifndef MF_EMIT_H
#define MF_EMIT_H

#include "render.h"
#include "yamlw.h"

typedef struct mf_outfile {
	const char *path; /* relative to the output directory, '/'-separated */
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
};
int mf_output_write(mf_ctx *c, const mf_output *o, const char *dir, unsigned flags, size_t *ndrift);

#endif
