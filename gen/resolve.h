/* resolve: profiles, environments, templates and tenants to concrete service instances */
#ifndef MF_RESOLVE_H
#define MF_RESOLVE_H

#include "diag.h"

/* Output targets (targets.def), as bits so an environment can name several. */
enum {
#define TARGET(e, name) MF_TI_##e,
#include "targets.def"
#undef TARGET
	MF_NTARGETS
};

typedef enum mf_target {
#define TARGET(e, name) MF_T_##e = 1u << MF_TI_##e,
#include "targets.def"
#undef TARGET
} mf_target;

/* The target names, indexed like the bits: mf_target_names[MF_TI_HELM]. */
extern const char *const mf_target_names[MF_NTARGETS];
/* The bit of a target name, or 0 when there is no such target. */
unsigned mf_target_bit(const char *name);

typedef enum mf_workload {
	MF_W_DEPLOYMENT,
	MF_W_STATEFUL,
	MF_W_DAEMON,
	MF_W_JOB,
	MF_W_CRONJOB,
} mf_workload;

typedef struct mf_env mf_env;
typedef struct mf_tenant mf_tenant;

/* An image reference split: repository (with registry), tag and digest
 * (either may be NULL) and the full reference to write. */
typedef struct mf_image {
	const char *repo;
	const char *tag;
	const char *digest;
	const char *ref;
	mf_pos pos;
	bool own; /* one of the system's own images (system.images.own) */
} mf_image;

/* One port of an instance (services.*.ports.*), worked out once. */
typedef struct mf_port {
	const char *name;       /* its key in the description */
	long long number;       /* the container's port */
	long long service_port; /* the Service's port: servicePort, else number */
	const char *protocol;   /* "TCP", "UDP" or "SCTP" */
	bool in_service;        /* part of the Kubernetes Service (service: false leaves it out) */
	int host;               /* host: after `auto` allocation; 0 when not given */
	const char *host_ip;    /* hostIP: the interface it is published on; NULL: every one */
	int published;          /* the host port it occupies: host, or the container port on the
				   host network; 0 when it occupies none */
	const mf_node *node;    /* the port entry */
	const mf_node *host_node; /* its `host`, or NULL */
	mf_pos pos;
} mf_port;

/* What backs a volume of an instance: storage.NAME is a persistent claim;
 * volumes.NAME names exactly one of the sources after it. */
typedef enum mf_vol_kind {
	MF_V_STORAGE,
	MF_V_CONFIG,
	MF_V_SECRET,
	MF_V_EMPTY_DIR,
	MF_V_HOST_PATH,
	MF_V_BIND,
} mf_vol_kind;

/* One volume of an instance: storage first, then volumes, each in the
 * description's order. */
typedef struct mf_volume {
	const char *name; /* its key under storage: or volumes: */
	mf_vol_kind kind;
	const char *mount;          /* where the container sees it */
	const char *source;         /* the config, the secret, the host path or the bind source */
	const mf_node *source_node; /* the key that names it (emptyDir: its settings) */
	bool read_only;
	/* volumes.*.selinux: "shared" (z) or "private" (Z), or NULL */
	const mf_node *selinux;
	const char *own_name; /* storage.*.name: the volume's name as it is (NULL: derived) */
	bool external;        /* storage.*.external: it exists; nothing creates it */
	const mf_node *node;  /* the entry */
	mf_pos key_pos;       /* of its key */
	/* storage.*.volume: a mount of the top-level volume of that name
	 * (resolve_volumes.c); node is then the volume's settings under the
	 * mount's own (mount, readOnly, subPath) with the access mode chosen */
	const char *shared;         /* the volume's name; NULL: storage of its own */
	const mf_node *decl;        /* volumes.NAME */
	const char *compose_volume; /* the Compose volume: NAME, or NAME-TENANT per tenant */
	bool claim_owner;           /* the first mount of its claim (namespace) in the
				       environment: the claim is written and counted with it */
	bool claim_kept;            /* another mount's backup keeps its claim (or the volume says
				       backup: false): this one needs no backup of its own */
} mf_volume;

/* Why one instance reaches another: what in its description says so. */
typedef enum mf_flow_why {
	MF_F_DEPENDS,  /* dependsOn */
	MF_F_ENV,      /* an env or envFrom service reference */
	MF_F_CONNECTS, /* connectsTo: a flow nothing else names */
} mf_flow_why;

typedef struct mf_instance mf_instance;

/* A flow from one instance to a port of another (or of itself, between its
 * replicas), in one environment: the traffic NetworkPolicies must admit. */
typedef struct mf_flow {
	const mf_instance *from, *to;
	const mf_port *port; /* one of to->ports; NULL: every port of `to` */
	mf_flow_why why;
	mf_pos pos; /* the key or reference that asks for it */
} mf_flow;

/* One running copy of a service in one environment: the shared instance, or
 * one per tenant for `scope: tenant` services.  `spec` is the fully merged
 * service (profile defaults < system defaults < templates < service <
 * environment defaults < environment override < tenant env and override);
 * every node in it keeps the position of the line that set it.  The typed
 * fields below it are worked out from spec once, here, for every stage. */
struct mf_instance {
	const char *service;      /* the service's name in the description */
	const mf_tenant *tenant;  /* NULL for a shared instance */
	const char *name;         /* Kubernetes object name: the service name */
	const char *compose_name; /* Compose service name: service, or service-tenant */
	const char *ns; /* Kubernetes namespace (env's, the tenant's, or the system one) */
	bool system;    /* `namespace: system`: in the environment's system namespace */
	mf_workload kind;
	const mf_node *spec;    /* merged service fields, read-only */
	mf_pos pos;             /* the service's key in the description */
	long long replicas;     /* resolved count (1 for daemons/jobs), HPA min when autoscaled */
	long long max_replicas; /* HPA max, or replicas */
	mf_pos replicas_pos;
	const mf_env *env;
	mf_port *ports; /* in the description's order */
	size_t nports;
	mf_volume *vols;
	size_t nvols;
	bool host_network;   /* security.hostNetwork */
	bool single_writer;  /* keeps data (storage, kind stateful) that copies do not share:
				availability.replicated is not true */
	bool image_health;   /* probes.image: the image's own HEALTHCHECK is its health check */
	bool health;         /* long-running with a Compose health check: a probe,
				probes.compose or the image's (image_health) */
	mf_image image;      /* with the environment's tag and registry (ref NULL: no image) */
	const char *machine; /* placement.machine or NULL */
	/* `flows` the flows it opens, sorted by target and port, without
	 * duplicates or port flows an all-ports flow covers; `flows_in` the
	 * ones that reach it, by client in instance order. */
	mf_flow *flows;
	size_t nflows;
	const mf_flow **flows_in;
	size_t nflows_in;
	const mf_node *egress; /* services.*.egress: egress is limited; NULL: unlimited */
	/* service, or service-tenant: the instance's identity whatever `names`
	 * says (Kubernetes' instance label, default hosts, Helm values keys) */
	const char *id;
};

struct mf_tenant {
	const char *name;
	mf_pos pos;
	const mf_node *node; /* the tenant's description */
	const char *ns;      /* namespace in this environment: tenant.namespace or ENVNS-TENANT */
	bool system;         /* the environment's system namespace (mf_env.system), no tenant */
};

/* The system namespace's part name: what its objects carry where a tenant's
 * carry the tenant's name (Kustomize's system/, Helm's tenants.system). */
#define MF_SYSTEM_PART "system"

struct mf_env {
	const char *name;
	mf_pos pos;
	bool is_base;           /* the environment-independent view (Kustomize base) */
	const mf_node *node;    /* the environment as written (NULL for base) */
	const mf_node *profile; /* the profile document, NULL for base */
	const char *profile_name;
	const char *ns;          /* namespace of shared services */
	unsigned targets;        /* mf_target bits */
	const mf_node *require;  /* merged profile.require < env.require (may be NULL) */
	const mf_node *backup;   /* merged profile.backup < system.backup < env.backup */
	const mf_node *capacity; /* env.capacity or profile.capacity */
	bool network_policy;
	const char *image_tag;      /* tag of the system's own untagged images: env images.tag,
				       else system.version */
	const char *image_registry; /* env images.registry, prefixed to own images without one */
	const char *image_mirror;   /* env images.mirror, prefixed to other images without one */
	const char **policies;      /* pack names/paths: profile's, then system's, then env's */
	mf_pos *policy_pos;
	size_t npolicies;
	mf_tenant *tenants; /* tenants present in this environment, sorted by name */
	size_t ntenants;
	/* the system namespace: systemNamespace, else ENVNS-system; `system` is
	 * its entry, right after the tenants (tenants[ntenants]) when some
	 * instance is in it, else NULL; nspaces counts the tenants and it, the
	 * namespaces beside the shared one */
	const char *system_ns;
	mf_pos system_pos; /* systemNamespace, or the environment */
	bool system_named; /* systemNamespace given: other environments may share it */
	const mf_tenant *system;
	size_t nspaces;
	mf_instance *inst; /* sorted by (service, tenant); shared first */
	size_t ninst;
	const struct mf_vars *vars; /* its variables' values, the references resolved */
	bool compose_split;         /* compose.machines: files: one Compose file per machine */
};

typedef struct mf_system {
	const mf_node *doc; /* the loaded description */
	const char *name;
	const char *version;       /* system.version or "0.1.0" */
	const mf_node *own_images; /* system.images.own: repositories of the system's own images */
	mf_env *envs;              /* sorted by name */
	size_t nenvs;
	mf_env base; /* no profile, no overrides, tenants as written */
} mf_system;

/* Resolve the loaded description.  `only`/`nonly` restrict to named
 * environments (unknown names are errors).  Returns 0, or -1 after adding
 * diagnostics for invalid references (unknown template, secret, config,
 * service, machine, tenant or environment; extends cycles; port clashes in
 * `auto` allocation...).  Everything is arena-owned. */
typedef struct mf_input mf_input; /* load.h: the description and its profiles */
int mf_resolve(mf_ctx *c, const mf_input *in, const char *const *only, size_t nonly,
	       mf_system *out);

/* Declared volumes (resolve_volumes.c, run by mf_resolve once every
 * environment has its instances): each storage.*.volume mount gets its
 * volume's settings, Compose name, claim and access mode; unknown, unused,
 * mixed-scope and unshareable volumes are diagnosed.  0, or -1 on error. */
int mf_resolve_volumes(mf_ctx *c, mf_system *s);

/* Freeze every tree the resolved system holds (see mf_freeze). */
void mf_system_freeze(const mf_system *s);

/* Lookups. */
const mf_instance *mf_find_instance(const mf_env *e, const char *service, const char *tenant);
const mf_node *mf_system_section(const mf_system *s, const char *section, const char *name);

/* A service reference ({service, port, format}) as seen from `from`, for one
 * target family (MF_T_COMPOSE, or MF_T_KUSTOMIZE for all of Kubernetes).
 * Returns the text (arena-owned), or NULL when it cannot be resolved. */
const char *mf_ref_value(mf_ctx *c, const mf_instance *from, const mf_node *ref, mf_target t);
/* A reference's format ({host}, {port}, {namespace}) filled in with host,
 * port (<= 0: none; NULL when the format needs one) and namespace. */
const char *mf_ref_format(mf_ctx *c, const mf_node *ref, const char *host, long long port,
			  const char *ns);
/* The part of the environment an instance's objects belong to, beside the
 * shared namespace: its tenant's name, MF_SYSTEM_PART, or NULL (shared). */
const char *mf_inst_part(const mf_instance *in);
/* The instance a reference from `from` points at (same tenant first). */
const mf_instance *mf_ref_target(const mf_instance *from, const char *service);

/* A command of the description (services.*.command, args, probes.*.exec,
 * probes.compose, backup hooks) as the argv to run: a list as written; a
 * string split into words as Compose splits `command:` (POSIX quotes and
 * backslashes, no expansion, no shell); {shell: TEXT} as /bin/sh -c TEXT.
 * *script (may be NULL) gets TEXT for the shell form, else NULL.  Arena
 * strings through tb; NULL for a NULL command or when tb failed. */
mf_node *mf_command_argv(mf_tb *tb, const mf_node *cmd, const char **script);

/* Helpers every later stage needs. */
unsigned mf_target_bits(const mf_node *names); /* ["kustomize", "helm", ...] as mf_target bits */
/* `backup: true`, or backup settings without `enabled: false`. */
bool mf_backup_asked(const mf_node *backup);
const char *mf_workload_name(mf_workload w); /* "deployment", "stateful", ... */
bool mf_long_running(mf_workload w);         /* not a job/cronjob */
/* What a key of the description holds, wherever it is: one table for the
 * range checks (resolve) and the unit rules (check). */
typedef enum mf_qty {
	MF_Q_NONE,
	MF_Q_CPU,      /* cores or millicores */
	MF_Q_MEMORY,   /* bytes with a unit */
	MF_Q_DURATION, /* seconds, or "1h30m" */
	MF_Q_COUNT,    /* an int32 count (replicas, thresholds) */
} mf_qty;
mf_qty mf_quantity_of(const char *key);
/* Subtrees of free text (env values, labels, commands) hold no quantity. */
bool mf_free_text(const char *key);

/* Parse quantities to a common unit: millicores and bytes; -1 when invalid
 * or out of range (NaN, infinite, past 4 EiB or 10^12 cores). */
long long mf_cpu_millis(const mf_node *n);
long long mf_mem_bytes(const mf_node *n);
/* Duration (int seconds or "1h30m") to seconds; -1 when invalid. */
long long mf_seconds(const mf_node *n);
/* The port entry of a service spec by name or number; NULL when absent. */
const mf_node *mf_port_of(const mf_node *spec, const mf_node *ref, const char **name_out);
/* Port number of a port entry (int or {port:...}). */
long long mf_port_number(const mf_node *port);

/* A reference as written, split (ref and pos left unset). */
mf_image mf_image_split(mf_ctx *c, const char *ref);
/* Whether a repository names its registry ("ghcr.io/x", "localhost:5000/x"):
 * a first part with a dot, a colon or "localhost"; else it is Docker Hub's. */
bool mf_image_has_registry(const char *repo);

/* Variables (resolve_vars.c, docs/language.md#variables).  Check the
 * references in a service's fields (or a template's, an override's) and the
 * declarations once; resolve an instance's spec in its environment (a copy
 * when it holds references; *rc = -1 after an error).  -1 after errors. */
int mf_vars_check_fields(mf_ctx *c, const mf_node *doc, const mf_node *fields);
int mf_vars_check_decls(mf_ctx *c, const mf_node *doc);
/* The services `monitoring:` names exist, and each alert says what it
 * evaluates (resolve_monitoring.c): 0, or -1 after errors. */
int mf_monitoring_check(mf_ctx *c, const mf_node *doc);
/* A warning for each `builtin: down` alert whose service nothing scrapes;
 * monitoring.grafana: an error for a volume of the Grafana service where the
 * provisioning goes (-1), an info per Kubernetes environment without it. */
#define MF_GRAFANA_DATASOURCES "/etc/grafana/provisioning/datasources"
#define MF_GRAFANA_PROVIDERS "/etc/grafana/provisioning/dashboards"
#define MF_GRAFANA_DASHBOARDS "/etc/grafana/dashboards" /* the dashboards' JSON */
/* the Grafana pod's volumes of them (Kubernetes), which no volume of its own may be named */
#define MF_GRAFANA_VOL_DS "grafana-provisioning-datasources"
#define MF_GRAFANA_VOL_PROV "grafana-provisioning-dashboards"
#define MF_GRAFANA_VOL_JSON "grafana-dashboards"
int mf_monitoring_check_targets(mf_ctx *c, const mf_system *s);
const mf_node *mf_vars_apply(mf_ctx *c, const mf_node *doc, mf_env *e, const mf_node *spec,
			     int *rc);
/* How Compose writes s, the text of the scalar at pos or that text with a
 * prefix, when the scalar held references: "${TAG:-1.4}" (its default the
 * environment's value), other '$' doubled.  NULL when it held none. */
const char *mf_vars_compose(mf_tb *tb, const mf_env *e, mf_pos pos, const char *s);
/* The declared variables, in order, with their value in e (NULL: none). */
size_t mf_vars_count(const mf_env *e);
const char *mf_vars_at(const mf_env *e, size_t i, const char **value, const char **what);
/* Names of generated objects (resolve_names.c, docs/language.md#names):
 * services.*.names templates put in an instance's name and Compose name, and
 * containerName/hostname templates in its spec; then, once every environment
 * has its instances, two instances of one name are a name-clash.  `seen`
 * holds the lines already reported.  0, or -1 after errors. */
int mf_names_apply(mf_ctx *c, mf_hash *seen, mf_instance *in);
int mf_names_check(mf_ctx *c, mf_hash *seen, const mf_system *s);
#endif
