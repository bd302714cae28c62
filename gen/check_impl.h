/* check: what the engine, the rule files and the packs share; no other stage includes it */
#ifndef MF_CHECK_IMPL_H
#define MF_CHECK_IMPL_H

#include "check.h"
#include "pattern.h"

/* The Pod Security Standard level an environment's packs enforce. */
typedef enum mf_level {
	MF_LEVEL_NONE,
	MF_LEVEL_BASELINE,
	MF_LEVEL_RESTRICTED,
} mf_level;

/* A pod spec as the pod rules see it: rendered from the description,
 * hand-written (lint), or adapted from a Compose service. */
typedef struct mf_pod {
	const mf_node *spec;   /* the PodSpec */
	const mf_node *meta;   /* the pod template's metadata, or NULL */
	const char *base;      /* path of spec in its object: "spec.template.spec" */
	const char *meta_base; /* path of meta: "spec.template.metadata" */
	const mf_object *obj;  /* the object that holds it */
	long long replicas;    /* pods the workload runs at most, -1 when unknown */
	bool long_running;     /* not a Job or CronJob */
	bool compose;          /* adapted from a Compose service: probes are its healthcheck */
} mf_pod;

/* One container of a pod. */
typedef struct mf_ctr {
	const mf_node *node;
	const char *name;
	const char *path; /* "spec.template.spec.containers[0]" */
	bool init;        /* an init or ephemeral container: no probes expected */
} mf_ctr;

/* Where a rule runs: once per pod spec, once over all objects of an
 * environment, once per environment (resolved instances), once over a
 * Compose document, or once per run (machines). */
typedef enum mf_scope {
	MF_SC_POD,
	MF_SC_OBJECTS,
	MF_SC_ENV,
	MF_SC_COMPOSE,
	MF_SC_SYSTEM,
} mf_scope;

enum {
	MF_RUN_CHECK = 1u << 0, /* on a description (manifold check) */
	MF_RUN_LINT = 1u << 1,  /* on hand-written manifests (manifold lint) */
};

typedef struct mf_chk mf_chk;

/* One implementation of a rule; a rule may have one per scope. */
typedef struct mf_rule_impl {
	mf_rule_id rule;
	mf_scope scope;
	unsigned runs; /* MF_RUN_* */
	void (*run)(mf_chk *k);
} mf_rule_impl;

/* Tables of the rule files. */
extern const mf_rule_impl mf_pss_rules[];
extern const size_t mf_pss_nrules;
extern const mf_rule_impl mf_core_rules[];
extern const size_t mf_core_nrules;
extern const mf_rule_impl mf_env_rules[];
extern const size_t mf_env_nrules;
extern const mf_rule_impl mf_object_rules[];
extern const size_t mf_object_nrules;
extern const mf_rule_impl mf_lint_rules[];
extern const size_t mf_lint_nrules;
extern const mf_rule_impl mf_flow_rules[];
extern const size_t mf_flow_nrules;
extern const mf_rule_impl mf_ref_rules[];
extern const size_t mf_ref_nrules;
extern const mf_rule_impl mf_rbac_rules[];
extern const size_t mf_rbac_nrules;

typedef struct mf_pack mf_pack;
typedef struct mf_packset mf_packset;
typedef struct mf_index mf_index;

/* What a finding concerns, kept beside c->diags so waivers can find it. */
typedef struct mf_seen {
	size_t diag;
	const mf_env *env;
	const mf_instance *in;
	const char *tenant;
} mf_seen;

enum { MF_NRE = 16 }; /* built-in regular expressions, compiled once per run */

struct mf_chk {
	mf_ctx *c;
	const mf_system *s;       /* NULL when linting */
	const mf_rendered *rd;    /* NULL when linting */
	const mf_env *e;          /* NULL when linting and for system-wide rules */
	const mf_objects *objs;   /* Kubernetes objects (rendered or hand-written) */
	const mf_node *compose;   /* a Compose document, or NULL */
	const mf_objects *velero; /* Velero Schedules (check only): their hooks run commands */
	bool lint;
	mf_level level;
	int pss; /* the Pod Security Standards release 1.N the pod rules follow; INT_MAX newest */
	bool on[MF_RULE_COUNT];
	mf_severity sev[MF_RULE_COUNT];
	mf_rule_id rule; /* the built-in rule running: one function may serve several */
	/* the subject of the findings being reported */
	const mf_pod *pod;
	const mf_object *obj;
	const mf_instance *in;
	const char *tenant; /* tenant-level findings (quotas) */
	const char *object; /* overrides the object text built from obj/in */
	/* one record per finding, for waivers */
	mf_seen *seen;
	size_t nseen, capseen;
	mf_packset *packs;
	void *re[MF_NRE]; /* pcre2_code *, freed by the engine */
	mf_index *index;  /* lookups over objs, rebuilt when objs changes */
};

/* ---- findings (check_lib.c) ------------------------------------------------- */

/* Report a built-in rule's finding about the current subject, at the
 * rule's (pack-adjusted) severity; NULL when the rule is off.  The message
 * is compiler style: lowercase, no full stop, names in single quotes. */
mf_diag *mf_finding(mf_chk *k, mf_rule_id r, mf_pos pos, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* A declarative rule's finding (policy.c): id and severity from its pack. */
mf_diag *mf_finding_custom(mf_chk *k, const char *id, mf_severity sev, mf_pos pos, const char *path,
			   const char *msg);

/* The position to report for n: its own when it has one, else the
 * nearest subject's (container, pod, object, instance). */
mf_pos mf_chk_at(const mf_chk *k, const mf_node *n);
/* "'api'" or "container 'sidecar' of 'api'" for messages (arena-owned). */
const char *mf_chk_who(const mf_chk *k, const mf_ctr *ct);
/* The subject's name without quotes: the service, or the object's name. */
const char *mf_chk_name(const mf_chk *k);

/* ---- pod specs (check_lib.c) ------------------------------------------------- */

/* Whether o is an object of this kind (o->kind may be NULL in malformed input). */
bool mf_kind_is(const mf_object *o, const char *kind);
/* The pod spec inside a workload object, or NULL; sets p's paths. */
bool mf_pod_of(const mf_object *o, mf_pod *p);
/* Every container of a pod (containers, then init and ephemeral ones). */
mf_ctr *mf_pod_containers(mf_chk *k, const mf_pod *p, size_t *n);
/* The container's value of a securityContext field, falling back to the
 * pod's (fields both levels have); sets *path to where it was found. */
const mf_node *mf_sec_field(mf_chk *k, const mf_pod *p, const mf_ctr *ct, const char *field,
			    const char **path);

/* Whether a container declares a port (by number or name). */
bool mf_ctr_declares(const mf_node *ctr, const mf_node *ref);
/* The most pods a workload runs: its instance's, or its autoscaler's maximum. */
long long mf_most_replicas(mf_chk *k, const mf_object *o, const mf_pod *p);

/* ---- object lookups (check_lib.c): sorted indexes, so rules that relate
 * objects stay O(n log n) ---------------------------------------------------- */

/* Workloads in near's namespace whose pod labels match the selector (a
 * matchLabels map); up to max of them, in object order. */
size_t mf_select(mf_chk *k, const mf_object *near, const mf_node *selector, const mf_object **out,
		 size_t max);
/* Objects of that kind in namespace ns whose metadata.labels match the
 * selector (a matchLabels map), up to max of them: Services a
 * ServiceMonitor selects. */
size_t mf_select_meta(mf_chk *k, const char *kind, const char *ns, const mf_node *sel,
		      const mf_object **out, size_t max);
/* The object of that kind and name in near's namespace, or NULL. */
const mf_object *mf_find_object(mf_chk *k, const char *kind, const char *name,
				const mf_object *near);
/* The HorizontalPodAutoscaler that scales o, or NULL. */
const mf_object *mf_hpa_of(mf_chk *k, const mf_object *o);

/* A host port something occupies, for host-port-conflict (check_env.c). */
typedef struct mf_hostport {
	long long port;
	const char *proto;
	const char *host;        /* machine or node; "" the one Compose host; "*" every node */
	const char *host_kind;   /* "machine": messages name the host; NULL: they do not */
	const char *ip;          /* the interface, NULL for every one */
	const char *who;         /* the owner's name in messages */
	const mf_node *at;       /* where it is published */
	const void *owner;       /* an instance or an object: its own ports never clash */
	const mf_instance *in;   /* the finding's subject: an instance, */
	const mf_object *obj;    /* or an object */
	const mf_node *profiles; /* Compose profiles: services of disjoint ones never run together */
	size_t order;            /* keeps the input order among equal ports */
} mf_hostport;

/* Report every host port that two owners on one host share (sorts v). */
void mf_host_port_clashes(mf_chk *k, mf_hostport *v, size_t n);

/* Quantities for messages: millicores as cores ("18.5"), bytes as
 * "25.6Gi" (or "512Mi" below 1Gi); arena-owned (check_lib.c). */
const char *mf_fmt_cores(mf_chk *k, long long millis);
const char *mf_fmt_bytes(mf_chk *k, long long b);

/* Small node helpers. */
bool mf_is_true(const mf_node *n);
bool mf_is_false(const mf_node *n);
/* "Kind/namespace/name" (or "Kind/name") of an object, arena-owned. */
const char *mf_object_text(mf_ctx *c, const mf_object *o);

/* ---- the engine (check.c), for lint (check_lint.c) ------------------------- */

/* Switch rules on by default and by `require`, then apply the packs. */
void mf_chk_configure(mf_chk *k, const mf_node *require, const mf_pack *const *packs, size_t n);
/* Run every scope and the packs' declarative rules over what k holds. */
void mf_chk_run(mf_chk *k, const mf_pack *const *packs, size_t n);
/* Free the compiled patterns and the pack set. */
void mf_chk_release(mf_chk *k);
/* Sort c->diags by position, rule and message (a refinement of mf_diag_sort). */
void mf_chk_sort(mf_ctx *c);
/* Compose services as objects holding an adapted pod spec (check_compose.c);
 * `e` (may be NULL) maps them back to instances. */
int mf_compose_objects(mf_chk *k, const mf_node *compose, const mf_env *e, mf_objects *out);

/* ---- policy packs (policy.c) ---------------------------------------------- */

mf_packset *mf_packset_new(mf_ctx *c);
void mf_packset_free(mf_packset *ps); /* frees compiled patterns; the rest is in the arena */
/* Load (once) the packs named by one environment; *out gets them in order,
 * each after the packs it extends, each pack once.
 * Returns 0, or -1 after diagnostics (unknown pack, invalid pack, cycle). */
int mf_packset_load(mf_packset *ps, const char *const *names, const mf_pos *pos, size_t n,
		    const mf_pack ***out, size_t *nout);
/* Apply a pack's switches (level, enable, disable, severities) to k. */
void mf_pack_configure(const mf_pack *p, mf_chk *k);
/* Run a pack's declarative rules over k's environment (or lint input). */
void mf_pack_run(const mf_pack *p, mf_chk *k);
/* Whether a rule id is one of the declarative rules of a loaded pack. */
bool mf_packset_knows(const mf_packset *ps, const char *id);
/* Every declarative rule id of the loaded packs (for "did you mean"). */
size_t mf_packset_ids(const mf_packset *ps, const char **out, size_t max);

#endif
