/* resolve: an environment's dependency graph (services, dependsOn) and its start-up waves */
#ifndef MF_DEPGRAPH_H
#define MF_DEPGRAPH_H

#include "resolve.h"

/* One dependency: service `from` waits for service `to` (node indexes). */
typedef struct mf_dep_edge {
	size_t from, to;
	const char *cond; /* "healthy", "started" or "completed" as written; NULL: the default */
	bool required;    /* false: `required: false` */
	mf_pos at;        /* the dependsOn key */
} mf_dep_edge;

/* The services of an environment, a service once whatever its tenants
 * (sorted by name), and their dependencies, sorted by (from, to), each pair
 * once: a service's dependencies are one slice.  A wave is one more than
 * the latest wave a service depends on; services on or behind a cycle are
 * in none (0).  Everything is arena-owned. */
typedef struct mf_depgraph {
	const char **names;
	const mf_instance **first; /* each service's first instance (shared, else a tenant's) */
	size_t n;
	mf_dep_edge *e;
	size_t ne;
	size_t *out;  /* e[out[u] .. out[u+1]) leave u */
	size_t *wave; /* per service: 1, 2, ...; 0 on or behind a cycle */
	size_t waves; /* the number of waves */
} mf_depgraph;

/* Build the graph and place the waves, in time linear in services and
 * dependencies.  Returns 0, or -1 when memory ran out. */
int mf_depgraph_build(mf_ctx *c, const mf_env *e, mf_depgraph *g);
/* A service's node, or (size_t)-1 when it is not in the graph. */
size_t mf_depgraph_node(const mf_depgraph *g, const char *name);

#endif
