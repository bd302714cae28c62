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

/* Container settings that targets carry key for key (settings.def). */
typedef enum mf_k8s_place {
	MF_K8S_NONE,      /* Kubernetes has no such field */
	MF_K8S_CONTAINER, /* a field of the container */
	MF_K8S_POD,       /* a field of the pod spec */
} mf_k8s_place;

typedef struct mf_setting {
	const char *key;     /* services.*.KEY */
	const char *compose; /* the Compose service's key */
	mf_k8s_place place;
	const char *k8s;  /* the Kubernetes field, NULL for none */
	const char *lost; /* MF_K8S_NONE: what Kubernetes does instead */
} mf_setting;

extern const mf_setting mf_settings[];
extern const size_t mf_nsettings;

/* ---- the render stage ------------------------------------------------------------ */

/* What one environment renders to, for every target family it asks for. */
typedef struct mf_render_env {
	const mf_env *env;
	bool has_k8s;          /* Kubernetes objects were rendered (a Kustomize/Helm env, base) */
	mf_objects k8s;        /* sorted (mf_objects_sort) */
	mf_node *compose;      /* the Compose document, NULL when none or it failed */
	mf_node *compose_side; /* what sits beside compose.yaml (see mf_render_compose_side) */
	mf_node *per_machine;  /* compose.machines: files: FILE -> {machine?, document} */
	mf_objects velero;     /* Velero Schedules, sorted */
} mf_render_env;

/* The render stage's product: every environment's objects, rendered once
 * and read by check and emit, neither of which changes them (mf_copy()
 * what you would change). */
typedef struct mf_rendered {
	const mf_system *sys;
	mf_render_env base;  /* the environment-independent view (Kustomize base) */
	mf_render_env *envs; /* parallel to sys->envs */
	size_t nenvs;
} mf_rendered;

typedef struct mf_render_opts {
	/* The path from OUT/compose/<env>/ to the description's directory, so
	 * relative paths written in the description (build contexts, binds,
	 * secret files) still point at the same files from the Compose file.
	 * NULL keeps them as written. */
	const char *source_root;
	/* The output folder or the description lies outside the working
	 * directory: source_root would name this machine's folders. */
	bool root_outside;
} mf_render_opts;

/* Render every environment of s for the targets it names (and the base
 * view when an environment has a Kubernetes target, or there is no
 * environment).  Returns 0, or -1 after diagnostics; what rendered is in
 * *out either way.  Everything is arena-owned. */
int mf_render(mf_ctx *c, const mf_system *s, const mf_render_opts *o, mf_rendered *out);
/* Freeze every object rendered (see mf_freeze). */
void mf_rendered_freeze(const mf_rendered *r);
/* The rendering of one of r->sys's environments (or of its base). */
const mf_render_env *mf_rendered_env(const mf_rendered *r, const mf_env *e);

/* ---- the renderers ---------------------------------------------------------------- */

/* Every Kubernetes object of an environment (or of s->base): namespaces,
 * workloads, services, accounts, config maps, HPAs, PDBs, network policies,
 * quotas, ingresses, routes, service monitors.  Never a Secret with data. */
int mf_render_k8s(mf_ctx *c, const mf_system *s, const mf_env *e, mf_objects *out);
/* The Compose document of an environment: {name, services, volumes, secrets,
 * configs?, networks?}; NULL after diagnostics.  *side gets what sits beside
 * compose.yaml: {project, profiles: [..], variables: {VAR: {what, users:
 * [..]}}, secret-files: {path: {what, users: [..]}}, files: {path: text}}
 * for .env.example and the generated config files (NULL on failure). */
mf_node *mf_render_compose(mf_ctx *c, const mf_system *s, const mf_env *e, const mf_render_opts *o,
			   mf_node **side);
/* Named networks for Compose (render_net.c): a service's `networks:` (NULL
 * when it names none; an undeclared one sets *rc to -1 with an error) and
 * the file's top-level `networks:` (NULL when none is declared). */
mf_node *mf_compose_service_networks(mf_ctx *c, mf_tb *tb, const mf_system *s,
				     const mf_instance *in, int *rc);
mf_node *mf_compose_networks(mf_tb *tb, const mf_system *s);
/* A storage's mount of a declared volume (render_volumes.c): the service's
 * volume entry, pushed to mounts, and the volume's top-level definition in
 * volumes, once.  Returns 0, or -1 after an error (its name is taken). */
int mf_compose_shared_mount(mf_ctx *c, mf_tb *tb, mf_node *volumes, const mf_volume *v,
			    mf_node *target, mf_node *mounts);
/* A flow of `in` to a service on none of its networks: an error (-1). */
int mf_compose_check_reach(mf_ctx *c, const mf_instance *in);
/* Networks in Kubernetes (render_net.c): members carry the label
 * MF_NET_LABEL_PREFIX NAME: "true"; an instance only on internal networks
 * is confined (its egress: their members and DNS). */
#define MF_NET_LABEL_PREFIX "network.manifold.dev/"
bool mf_net_internal(const mf_system *s, const char *name);
const mf_node *mf_net_list(const mf_instance *in);
const char *mf_net_at(const mf_node *nets, size_t i);
bool mf_net_member(const mf_instance *in, const char *name);
bool mf_net_confined(const mf_system *s, const mf_instance *in);
void mf_k8s_network_labels(mf_tb *tb, const mf_instance *in, mf_node *labels, mf_pos pos);
const char *mf_net_label(mf_tb *tb, const char *name);

/* The Secrets the objects read, per namespace: a list, sorted by namespace and
 * name, of {namespace, tenant?, name, type, declared (under secrets: of the
 * description), description?, keys: [..], users: ["Kind/name", ..]}.  Names and
 * keys only: a Secret's values are never known.  NULL after a diagnostic. */
mf_node *mf_secret_needs(mf_ctx *c, const mf_system *s, const mf_objects *objs);
/* What the environment's profile asks for (`secrets:`): one ExternalSecret or
 * SealedSecret placeholder per declared Secret and namespace in `out`, added to it. */
int mf_render_secrets(mf_ctx *c, const mf_system *s, const mf_env *e, mf_objects *out);

/* What the environment's `startupOrder` makes of dependsOn (render_startup.c):
 * sync-wave annotations or init containers, added to the objects of `out`
 * (mf_render_k8s's, before they are sorted).  Returns 0, or -1 on OOM. */
int mf_render_startup(mf_ctx *c, mf_tb *tb, const mf_env *e, mf_objects *out);

/* Several machines (render_machines.c).  Whether two instances run from one
 * Compose file (always, unless the environment writes one per machine). */
bool mf_compose_same_host(const mf_instance *a, const mf_instance *b);
/* A reference from `from` to `to` on another machine: the format with the
 * machine's address and the published host port; NULL after an error. */
const char *mf_compose_remote_ref(mf_ctx *c, const mf_system *s, const mf_instance *from,
				  const mf_instance *to, const mf_node *ref);
/* The environment's Compose document split by machine: compose.MACHINE.yaml
 * per machine, compose.yaml for services on none, each with the volumes,
 * secrets and networks its services use.  NULL after a diagnostic. */
mf_node *mf_compose_machine_files(mf_ctx *c, const mf_env *e, const mf_node *doc);
/* Replicas a machine pin cannot spread (required anti-affinity): errors, -1. */
int mf_check_placement(mf_ctx *c, const mf_env *e);

/* An object of monitoring: (render_alerts.c): apiVersion, kind, metadata
 * with the labels of every object of no one service and `labels` after them,
 * the system's and environment's annotations. */
mf_node *mf_monitoring_object(mf_tb *tb, const mf_system *s, const mf_env *e, const char *api,
			      const char *kind, const char *name, const char *ns,
			      const mf_node *labels, mf_pos pos);
/* monitoring.grafana (render_grafana.c).  Kubernetes: the datasources
 * ConfigMap and one per dashboard (labelled for a sidecar) in the Grafana
 * service's namespace, or the environment's when it runs none, and a
 * providers ConfigMap where it runs; 0, or -1 on OOM.  The Grafana pod's
 * volumes and mounts of them.  Compose: the provisioning files under
 * grafana/ beside the Compose file, bind-mounted read-only into the service. */
int mf_render_grafana(mf_ctx *c, mf_tb *tb, const mf_system *s, const mf_env *e, mf_objects *out);
void mf_k8s_grafana_volumes(mf_tb *tb, const mf_system *s, const mf_instance *in, mf_node *vols,
			    mf_node *mounts);
void mf_compose_grafana(mf_tb *tb, const mf_system *s, const mf_env *e, mf_node *services,
			mf_node *files);
/* monitoring.alerts (render_alerts.c): a PrometheusRule per namespace with
 * alerts, added to `out`; and for Compose the rules file MF_ALERTS_FILE in
 * `files` (the side's generated files), bind-mounted read-only into
 * monitoring.prometheus.service at its `rules` path.  0, or -1 on OOM. */
#define MF_ALERTS_FILE "prometheus/alerts.yaml"
int mf_render_alerts(mf_ctx *c, mf_tb *tb, const mf_system *s, const mf_env *e, mf_objects *out);
void mf_compose_alerts(mf_tb *tb, const mf_system *s, const mf_env *e, mf_node *services,
		       mf_node *files);

/* Velero Schedules for the environment's stateful storage (and tenants). */
int mf_render_velero(mf_ctx *c, const mf_system *s, const mf_env *e, mf_objects *out);

#endif
