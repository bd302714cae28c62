/* resolve: the rendered-object list every renderer fills and every emitter reads */
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

#define NKINDS (sizeof kind_order / sizeof kind_order[0])

static size_t kind_rank(const char *kind)
{
	for (size_t i = 0; kind && i < NKINDS; i++)
		if (!strcmp(kind_order[i], kind))
			return i;
	return NKINDS;
}

/* The array lives in the arena: growing abandons the old block, which the
 * arena frees with everything else, so an mf_objects needs no release. */
int mf_objects_add(mf_ctx *c, mf_objects *o, const mf_object *obj)
{
	if (o->n == o->cap) {
		size_t ncap = o->cap ? o->cap * 2 : 16;
		mf_object *v = mf_alloc(c->a, ncap * sizeof *v);
		if (!v)
			return mf_error(c, obj->pos, "internal", "out of memory");
		if (o->n)
			memcpy(v, o->v, o->n * sizeof *v);
		o->v = v;
		o->cap = ncap;
	}
	o->v[o->n++] = *obj;
	return 0;
}

static int strcmp_null(const char *x, const char *y)
{
	if (!x || !y)
		return x ? 1 : y ? -1 : 0;
	return strcmp(x, y);
}

static int cmp_object(const void *x, const void *y)
{
	const mf_object *a = x, *b = y;
	size_t ra = kind_rank(a->kind), rb = kind_rank(b->kind);
	int r = strcmp_null(a->group, b->group);

	if (r)
		return r;
	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (ra == NKINDS && (r = strcmp_null(a->kind, b->kind)) != 0)
		return r;
	if ((r = strcmp_null(a->ns, b->ns)) != 0)
		return r;
	return strcmp_null(a->name, b->name);
}

void mf_objects_sort(mf_objects *o)
{
	mf_stable_sort(o->v, o->n, sizeof *o->v, cmp_object);
}
