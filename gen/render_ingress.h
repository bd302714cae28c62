/* render: the HTTP exposure of ports (expose.ingress) as Ingresses or Gateway API HTTPRoutes */
#ifndef MF_RENDER_INGRESS_H
#define MF_RENDER_INGRESS_H

#include "render.h"

/* What the Kubernetes renderer (render_k8s.c) lends this one: how objects
 * are made (labels, annotations, namespace) and handed on, and how a
 * diagnostic is said once per run (the base view says none). */
typedef struct mf_ing_sink {
	void *ctx;
	mf_node *(*object)(void *ctx, const char *api, const char *kind, const char *name,
			   const char *ns, mf_pos pos);
	void (*emit)(void *ctx, mf_node *doc, const char *tenant, mf_pos pos);
} mf_ing_sink;

typedef struct mf_ing_diag {
	void *ctx;
	void (*error)(void *ctx, mf_pos pos, const char *code, const char *msg);
	void (*warn)(void *ctx, mf_pos pos, const char *code, const char *msg);
} mf_ing_diag;

/* One exposed port of an instance. */
typedef struct mf_ing_port {
	const mf_instance *in;
	const char *port;         /* the Service port's name */
	long long number;         /* the Service port's number (HTTPRoute backends) */
	const char *default_host; /* the tenant's host or <instance>.<domain>; NULL: none */
	const mf_node *spec;      /* expose.ingress: one entry or a list of them */
} mf_ing_port;

/* The paths of one environment's render, collected port by port. */
typedef struct mf_ing {
	mf_tb *tb;
	const mf_env *e;
	mf_ing_diag diag;
	struct mf_ing_path *v;
	size_t n, cap;
	size_t inst_from; /* the first path of the instance being collected */
	mf_hash claims;   /* "api\nhost\npath\ntype" -> the path that claimed it first */
	mf_hash groups;   /* an Ingress's grouping key -> its group (Ingress paths) */
	mf_hash names;    /* "ns\nname" of every object named so far */
	struct mf_ing_group *g;
	size_t ng, capg;
} mf_ing;

/* Collect the paths of one exposed port (checked: hosts, rewrites, clashes). */
void mf_ing_collect(mf_ing *g, const mf_ing_port *p);
/* The HTTPRoutes of the instance collected since the last call (its own objects). */
void mf_ing_routes(mf_ing *g, const mf_ing_sink *s);
/* Every Ingress, once every instance is collected. */
void mf_ing_finish(mf_ing *g, const mf_ing_sink *s);
/* The ingress class of an expose.ingress (its first entry's), NULL when none. */
const char *mf_ing_class(const mf_node *spec);
/* The namespace of the Gateway a port's expose.ingress attaches to in e, or
 * NULL when it renders as an Ingress (or the Gateway's namespace is the route's). */
const char *mf_ing_gateway_ns(const mf_env *e, const mf_node *spec, bool *gateway);

#endif
