/* render: the rendered-object list every renderer fills, and its order */
#include <stdlib.h>
#include <string.h>
#include "render.h"

/* The order objects are listed in a file: what others refer to comes first
 * (namespaces, accounts, config, services), then workloads, then what
 * points at workloads.  Unknown kinds go last, by name. */
static const char *const kind_order[] = {
	"Namespace",
	"ResourceQuota",
	"LimitRange",
	"ServiceAccount",
	"ConfigMap",
	"PersistentVolumeClaim",
	"Service",
	"Deployment",
	"StatefulSet",
	"DaemonSet",
	"Job",
	"CronJob",
	"HorizontalPodAutoscaler",
	"PodDisruptionBudget",
	"NetworkPolicy",
	"Ingress",
	"Route",
	"ServiceMonitor",
	"Schedule",
	"Backup",
};

#define NKINDS MF_NELEM(kind_order)

static size_t kind_rank(const char *kind)
{
	return mf_str_index(kind, kind_order, NKINDS);
}

/* The array lives in the arena: growing abandons the old block, which the
 * arena frees with everything else, so an mf_objects needs no release. */
int mf_objects_add(mf_ctx *c, mf_objects *o, const mf_object *obj)
{
	mf_object *v = mf_grow(c->a, o->v, o->n, &o->cap, sizeof *v);

	if (!v)
		return mf_error(c, obj->pos, "internal", "out of memory");
	o->v = v;
	o->v[o->n++] = *obj;
	return 0;
}

static int cmp_object(const void *x, const void *y)
{
	const mf_object *a = x, *b = y;
	size_t ra = kind_rank(a->kind), rb = kind_rank(b->kind);
	int r = mf_strcmp_null(a->group, b->group);

	if (r)
		return r;
	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (ra == NKINDS && (r = mf_strcmp_null(a->kind, b->kind)) != 0)
		return r;
	if ((r = mf_strcmp_null(a->ns, b->ns)) != 0)
		return r;
	return mf_strcmp_null(a->name, b->name);
}

/* An object with its kind's rank, found once rather than in every
 * comparison (a search of kind_order each time, twice per comparison). */
typedef struct ranked {
	size_t rank;
	const mf_object *o;
} ranked;

static int cmp_ranked(const void *x, const void *y)
{
	const ranked *p = x, *q = y;
	const mf_object *a = p->o, *b = q->o;
	int r = mf_strcmp_null(a->group, b->group);

	if (r)
		return r;
	if (p->rank != q->rank)
		return p->rank < q->rank ? -1 : 1;
	if (p->rank == NKINDS && (r = mf_strcmp_null(a->kind, b->kind)) != 0)
		return r;
	if ((r = mf_strcmp_null(a->ns, b->ns)) != 0)
		return r;
	return mf_strcmp_null(a->name, b->name);
}

/* The same order as cmp_object; without the scratch arrays, cmp_object. */
void mf_objects_sort(mf_objects *o)
{
	ranked *v = o->n > 1 ? malloc(o->n * sizeof *v) : NULL;
	mf_object *out = v ? malloc(o->n * sizeof *out) : NULL;

	if (!out) {
		free(v);
		mf_stable_sort(o->v, o->n, sizeof *o->v, cmp_object);
		return;
	}
	for (size_t i = 0; i < o->n; i++)
		v[i] = (ranked){kind_rank(o->v[i].kind), &o->v[i]};
	mf_stable_sort(v, o->n, sizeof *v, cmp_ranked);
	for (size_t i = 0; i < o->n; i++)
		out[i] = *v[i].o;
	memcpy(o->v, out, o->n * sizeof *out);
	free(out);
	free(v);
}

bool mf_own_label(const char *key)
{
	static const char *const keys[] = {"app.kubernetes.io/name", "app.kubernetes.io/instance",
					   "app.kubernetes.io/managed-by",
					   "app.kubernetes.io/version"};

	return MF_IN_LIST(key, keys);
}

/* ---- the stage -------------------------------------------------------------------- */

static bool wants_k8s(const mf_env *e)
{
	return e->is_base || (e->targets & (MF_T_KUSTOMIZE | MF_T_HELM));
}

static int render_env(mf_ctx *c, const mf_system *s, const mf_render_opts *o, mf_render_env *r)
{
	const mf_env *e = r->env;
	int rc = 0;

	if (wants_k8s(e)) {
		r->has_k8s = true;
		rc |= mf_render_k8s(c, s, e, &r->k8s) | mf_render_secrets(c, s, e, &r->k8s);
	}
	if (!e->is_base && (e->targets & MF_T_COMPOSE) &&
	    !(r->compose = mf_render_compose(c, s, e, o, &r->compose_side)))
		rc = -1;
	if (mf_check_placement(c, e) < 0)
		rc = -1;
	if (r->compose && e->compose_split &&
	    !(r->per_machine = mf_compose_machine_files(c, e, r->compose)))
		rc = -1;
	if (!e->is_base && (e->targets & MF_T_VELERO)) {
		rc |= mf_render_velero(c, s, e, &r->velero);
		mf_objects_sort(&r->velero);
	}
	return rc < 0 ? -1 : 0;
}

/* The base view is rendered only when something reads it: a Kubernetes
 * environment (the Kustomize base, Helm's defaults) or no environment at
 * all (check then checks the description as written). */
static bool base_needed(const mf_system *s)
{
	for (size_t i = 0; i < s->nenvs; i++)
		if (wants_k8s(&s->envs[i]))
			return true;
	return s->nenvs == 0;
}

/* ---- one system namespace, several environments ------------------------------- */

/* The node of y where it first differs from x (y itself for a scalar, a
 * kind or a count): the line to point at. */
static const mf_node *first_diff(const mf_node *x, const mf_node *y)
{
	if (!x || !y || x->kind != y->kind || x->n != y->n)
		return y;
	for (size_t i = 0; y->kind == MF_MAP && i < y->n; i++) {
		const mf_node *xv = mf_get(x, y->pairs[i].key);
		if (!xv || !mf_equal(xv, y->pairs[i].val))
			return xv ? first_diff(xv, y->pairs[i].val) : y->pairs[i].val;
	}
	for (size_t i = 0; y->kind == MF_SEQ && i < y->n; i++)
		if (!mf_equal(x->items[i], y->items[i]))
			return first_diff(x->items[i], y->items[i]);
	return y;
}

typedef struct sysobj {
	const mf_object *o;
	const mf_env *e;
} sysobj;

static void system_differs(mf_ctx *c, mf_hash *said, const sysobj *was, const mf_object *o,
			   const mf_env *e)
{
	const mf_node *at = first_diff(was->o->doc, o->doc);
	mf_pos pos = at && at->pos.file ? at->pos : o->pos;
	mf_diag *d;

	if (!mf_hash_first_pos(c->a, said, pos))
		return;
	d = mf_diag_add(c, MF_SEV_ERROR, pos, "system-namespace-shared",
			"'%s' and '%s' share the system namespace '%s', but their %s '%s' "
			"differs: applying one would replace the other's",
			was->e->name, e->name, e->system_ns, o->kind, o->name);

	if (d)
		mf_diag_note(
			c, d,
			"make the environments agree on it, or give each its own "
			"'systemNamespace' (the default, <namespace>-system, is per environment)");
}

/* One environment's default deny in a shared system namespace would cut off
 * the clients of another that has no NetworkPolicies. */
static int policies_differ(mf_ctx *c, mf_hash *seen, const mf_env *e)
{
	const char *key = mf_printf(c->a, "%s\n", e->system_ns);
	const mf_env *was = key ? mf_hash_get_str(seen, key) : NULL;

	if (key && !was)
		mf_hash_put_str(c->a, seen, key, (void *)e);
	if (!was || was->network_policy == e->network_policy)
		return 0;
	mf_error(c, e->system_pos, "system-namespace-shared",
		 "'%s' and '%s' share the system namespace '%s', but only '%s' has "
		 "NetworkPolicies: its default deny there would cut off the other's clients",
		 was->name, e->name, e->system_ns, was->network_policy ? was->name : e->name);
	return -1;
}

/* A system namespace that is another environment's own or a tenant's there:
 * the system services would land among that environment's. */
static int system_elsewhere(mf_ctx *c, const mf_rendered *r)
{
	mf_hash owner = {0}; /* shared and tenant namespaces -> their environment */
	int rc = 0;

	for (size_t i = 0; i < r->nenvs; i++) {
		const mf_env *e = r->envs[i].env;
		for (size_t t = 0; r->envs[i].has_k8s && t <= e->ntenants; t++)
			mf_hash_put_str(c->a, &owner, t ? e->tenants[t - 1].ns : e->ns, (void *)e);
	}
	for (size_t i = 0; i < r->nenvs; i++) {
		const mf_env *e = r->envs[i].env, *o;
		if (!e->system || !r->envs[i].has_k8s ||
		    !(o = mf_hash_get_str(&owner, e->system_ns)) || o == e)
			continue; /* the environment's own: resolve said so */
		mf_error(c, e->system_pos, "system-namespace-clash",
			 "the system namespace '%s' of '%s' is a namespace of '%s', whose services "
			 "run there: give it its own 'systemNamespace'",
			 e->system_ns, e->name, o->name);
		rc = -1;
	}
	return rc;
}

/* Environments naming one system namespace apply its objects to one
 * namespace: they must render them alike, or the later apply silently
 * replaces the earlier.  Objects one of them has alone are no clash. */
static int system_agree(mf_ctx *c, const mf_rendered *r)
{
	mf_hash seen = {0}, said = {0}; /* objects by namespace, kind and name; lines reported */
	int rc = 0;

	for (size_t i = 0; i < r->nenvs; i++) {
		const mf_env *e = r->envs[i].env;
		if (e->system && r->envs[i].has_k8s && policies_differ(c, &seen, e) < 0)
			rc = -1;
		for (size_t k = 0; e->system && k < r->envs[i].k8s.n; k++) {
			const mf_object *o = &r->envs[i].k8s.v[k];
			const char *key;
			sysobj *was, *x;
			if (!mf_streq(o->tenant, MF_SYSTEM_PART))
				continue;
			key = mf_printf(c->a, "%s\n%s\n%s", e->system_ns, o->kind, o->name);
			if ((was = mf_hash_get_str(&seen, key))) {
				if (!mf_equal(was->o->doc, o->doc)) {
					system_differs(c, &said, was, o, e);
					rc = -1;
				}
			} else if ((x = mf_alloc(c->a, sizeof *x))) {
				*x = (sysobj){o, e};
				mf_hash_put_str(c->a, &seen, key, x);
			}
		}
	}
	return rc;
}

int mf_render(mf_ctx *c, const mf_system *s, const mf_render_opts *o, mf_rendered *out)
{
	static const mf_render_opts none;
	int rc = 0;

	memset(out, 0, sizeof *out);
	out->sys = s;
	out->base.env = &s->base;
	out->envs = mf_alloc(c->a, (s->nenvs + 1) * sizeof *out->envs);
	if (!out->envs)
		return mf_error(c, MF_NOPOS, "internal", "out of memory");
	out->nenvs = s->nenvs;
	o = o ? o : &none;
	if (base_needed(s) && render_env(c, s, o, &out->base) < 0)
		rc = -1;
	for (size_t i = 0; i < s->nenvs; i++) {
		out->envs[i].env = &s->envs[i];
		if (render_env(c, s, o, &out->envs[i]) < 0)
			rc = -1;
	}
	if (system_elsewhere(c, out) < 0 || system_agree(c, out) < 0)
		rc = -1;
	return rc;
}

static void objects_freeze(const mf_objects *o)
{
	for (size_t i = 0; i < o->n; i++)
		mf_freeze(o->v[i].doc);
}

static void env_freeze(const mf_render_env *r)
{
	objects_freeze(&r->k8s);
	objects_freeze(&r->velero);
	mf_freeze(r->compose);
	mf_freeze(r->compose_side);
	mf_freeze(r->per_machine);
}

void mf_rendered_freeze(const mf_rendered *r)
{
	env_freeze(&r->base);
	for (size_t i = 0; i < r->nenvs; i++)
		env_freeze(&r->envs[i]);
}

const mf_render_env *mf_rendered_env(const mf_rendered *r, const mf_env *e)
{
	const mf_env *first = r->sys->envs;

	if (e == &r->sys->base)
		return &r->base;
	if (first && e >= first && e < first + r->nenvs)
		return &r->envs[e - first];
	return NULL;
}

const mf_setting mf_settings[] = {
#define SETTING(key, compose, place, k8s, lost) {key, compose, MF_K8S_##place, k8s, lost},
#include "settings.def"
#undef SETTING
};
const size_t mf_nsettings = MF_NELEM(mf_settings);
