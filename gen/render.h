/* render: the objects each target family renders, built once, shared by check and emit */
#ifndef MF_RENDER_H
#define MF_RENDER_H

#include "resolve.h"

/* A rendered object: a Kubernetes object, a Velero Schedule, or one Compose
 * service.  Every node of `doc` carries the position of the description line
 * that caused it (MF_NOPOS for pure boilerplate), so checks on rendered
 * objects report at the description. */
typedef struct mf_object {
	const char *api_version;
	const char *kind;
	const char *name;
	const char *ns;          /* NULL for cluster-scoped objects */
	mf_node *doc;            /* the whole object (apiVersion, kind, metadata, ...) */
	const mf_instance *inst; /* the instance it came from, or NULL */
	const char *tenant;      /* tenant name or NULL */
	const char *group;       /* file grouping hint: service name, "namespaces", "tenant-x" */
	mf_pos pos;              /* where in the description it comes from */
} mf_object;

typedef struct mf_objects {
	mf_object *v;
	size_t n, cap;
} mf_objects;

int mf_objects_add(mf_ctx *c, mf_objects *o, const mf_object *obj);
/* Whether a label key is one manifold sets itself (app.kubernetes.io/name,
 * instance, managed-by, version): a user label never replaces those. */
bool mf_own_label(const char *key);
/* sort by (group, kind order, namespace, name) for deterministic files */
void mf_objects_sort(mf_objects *o);

/* Every Kubernetes object of an environment (or of s->base): namespaces,
 * workloads, services, accounts, config maps, HPAs, PDBs, network policies,
 * quotas, ingresses, routes, service monitors.  Never a Secret with data. */
int mf_render_k8s(mf_ctx *c, const mf_system *s, const mf_env *e, mf_objects *out);
/* The same objects, rendered once per run (on first use) and shared by
 * checks and emitters: read-only, mf_copy() what you would change.  *out
 * is never NULL.  Returns the render's result: 0, or -1 after diagnostics
 * (the objects rendered before the error are there either way). */
int mf_k8s_objects(mf_ctx *c, const mf_system *s, const mf_env *e, const mf_objects **out);

/* The Compose document of an environment: {name, services, volumes, secrets,
 * configs?, networks?}; NULL after diagnostics.  Not kept like the
 * Kubernetes objects: checks read it as written, the emitter after main
 * sets s->source_root (paths then differ), so each renders its own. */
mf_node *mf_render_compose(mf_ctx *c, const mf_system *s, const mf_env *e);
/* The same, plus what sits beside compose.yaml (render_compose.c): *side
 * gets {project, profiles: [..], variables: {VAR: {what, users: [..]}},
 * secret-files: {path: {what, users: [..]}}, files: {path: text}} for
 * .env.example and the generated config files (arena-owned; NULL on failure). */
mf_node *mf_render_compose_side(mf_ctx *c, const mf_system *s, const mf_env *e, mf_node **side);

/* Velero Schedules for the environment's stateful storage (and tenants). */
int mf_render_velero(mf_ctx *c, const mf_system *s, const mf_env *e, mf_objects *out);

#endif
