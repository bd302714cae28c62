/* render: the rendered-object list every renderer fills, and its order */
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

void mf_objects_sort(mf_objects *o)
{
	mf_stable_sort(o->v, o->n, sizeof *o->v, cmp_object);
}

bool mf_own_label(const char *key)
{
	static const char *const keys[] = {"app.kubernetes.io/name", "app.kubernetes.io/instance",
					   "app.kubernetes.io/managed-by",
					   "app.kubernetes.io/version"};

	return MF_IN_LIST(key, keys);
}

/* ---- rendered once per run ------------------------------------------------ */

typedef struct rendered {
	bool done;
	int rc;
	mf_objects objs;
} rendered;

struct mf_render_cache {
	rendered *k8s; /* s->envs in order, then s->base */
	size_t n;
};

mf_render_cache *mf_render_cache_new(mf_ctx *c, size_t nenvs)
{
	mf_render_cache *rc = mf_alloc(c->a, sizeof *rc);

	if (!rc || !(rc->k8s = mf_alloc(c->a, (nenvs + 1) * sizeof *rc->k8s)))
		return NULL;
	rc->n = nenvs + 1;
	return rc;
}

/* The environment's slot, or NULL for one the cache was not made for. */
static rendered *slot(const mf_system *s, const mf_env *e)
{
	size_t i = 0;

	if (!s->cache || s->cache->n != s->nenvs + 1)
		return NULL;
	while (i < s->nenvs && e != &s->envs[i])
		i++;
	return i < s->nenvs || e == &s->base ? &s->cache->k8s[i] : NULL;
}

int mf_k8s_objects(mf_ctx *c, const mf_system *s, const mf_env *e, const mf_objects **out)
{
	static const mf_objects none;
	rendered *r = slot(s, e);

	*out = &none;
	if (!r && !(r = mf_alloc(c->a, sizeof *r))) /* not kept: rendered at every call */
		return mf_error(c, e->pos, "internal", "out of memory");
	if (!r->done) {
		r->rc = mf_render_k8s(c, s, e, &r->objs);
		r->done = true;
	}
	*out = &r->objs;
	return r->rc;
}
