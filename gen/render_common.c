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
