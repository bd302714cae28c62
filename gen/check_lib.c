/* check: what every rule reads and writes: findings, positions, pod specs, object lookups, patterns
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check_impl.h"

/* The rule files, the packs (policy.c), the Compose adapter and lint use
 * only what is here and never the engine (check.c), which uses them all:
 * so no two files of the stage depend on each other. */

/* ---- small helpers -------------------------------------------------------- */

bool mf_is_true(const mf_node *n)
{
	return n && n->kind == MF_BOOL && n->v.b;
}

bool mf_is_false(const mf_node *n)
{
	return n && n->kind == MF_BOOL && !n->v.b;
}

const char *mf_object_text(mf_ctx *c, const mf_object *o)
{
	if (!o)
		return NULL;
	if (o->ns)
		return mf_printf(c->a, "%s/%s/%s", o->kind, o->ns, o->name);
	return mf_printf(c->a, "%s/%s", o->kind, o->name);
}

static bool has_pos(const mf_node *n)
{
	return n && n->pos.file;
}

mf_pos mf_chk_at(const mf_chk *k, const mf_node *n)
{
	const mf_instance *in = k->in ? k->in : k->obj ? k->obj->inst : NULL;

	if (has_pos(n))
		return n->pos;
	if (k->pod && has_pos(k->pod->spec))
		return k->pod->spec->pos;
	if (k->obj && has_pos(k->obj->doc))
		return k->obj->doc->pos;
	if (k->obj && k->obj->pos.file)
		return k->obj->pos;
	if (in && in->pos.file)
		return in->pos;
	return k->e ? k->e->pos : MF_NOPOS;
}

const char *mf_chk_name(const mf_chk *k)
{
	const mf_instance *in = k->in ? k->in : k->obj ? k->obj->inst : NULL;

	if (in) /* a Kubernetes object's: its name, as lint reads it (services.*.names) */
		return k->obj ? in->name : in->service;
	return k->obj && k->obj->name ? k->obj->name : "?";
}

const char *mf_chk_who(const mf_chk *k, const mf_ctr *ct)
{
	const char *name = mf_chk_name(k);

	if (ct && ct->name && strcmp(ct->name, name))
		return mf_printf(k->c->a, "container '%s' of '%s'", ct->name, name);
	return mf_printf(k->c->a, "'%s'", name);
}

/* ---- findings ---------------------------------------------------------------- */

static void remember(mf_chk *k, size_t diag)
{
	const mf_instance *in = k->in ? k->in : k->obj ? k->obj->inst : NULL;
	mf_seen *s = mf_grow(k->c->a, k->seen, k->nseen, &k->capseen, sizeof *s);

	if (!s)
		return;
	k->seen = s;
	s = &k->seen[k->nseen++];
	s->diag = diag;
	s->env = k->e;
	s->in = in;
	s->tenant = k->tenant ? k->tenant : in ? mf_inst_part(in) : NULL;
}

static mf_diag *record(mf_chk *k, const char *code, mf_severity sev, mf_pos pos, const char *path,
		       const char *msg)
{
	const mf_instance *in = k->in ? k->in : k->obj ? k->obj->inst : NULL;
	mf_diag *d = mf_diag_add(k->c, sev, pos, code, "%s", msg);

	if (!d)
		return NULL;
	d->env = k->e && !k->e->is_base ? k->e->name : NULL;
	if (k->object)
		d->object = k->object;
	else if (k->obj)
		d->object = mf_object_text(k->c, k->obj);
	else if (in)
		d->object = in->tenant ? mf_printf(k->c->a, "%s/%s", in->service, in->tenant->name)
				       : in->service;
	d->path = path ? mf_strdup(k->c->a, path) : NULL;
	remember(k, k->c->ndiags - 1);
	return &k->c->diags[k->c->ndiags - 1];
}

mf_diag *mf_finding(mf_chk *k, mf_rule_id r, mf_pos pos, const char *path, const char *fmt, ...)
{
	va_list ap;
	char *buf;

	if ((unsigned)r >= MF_RULE_COUNT || !k->on[r])
		return NULL;
	va_start(ap, fmt);
	buf = mf_vprintf(k->c->a, fmt, ap);
	va_end(ap);
	return buf ? record(k, mf_rules[r].id, k->sev[r], pos, path, buf) : NULL;
}

mf_diag *mf_finding_custom(mf_chk *k, const char *id, mf_severity sev, mf_pos pos, const char *path,
			   const char *msg)
{
	return record(k, id, sev, pos, path, msg);
}

/* ---- pod specs ------------------------------------------------------------------ */

static const struct {
	const char *kind;
	const char *spec, *meta;
	bool long_running;
} pod_paths[] = {
	{"Pod", "spec", "metadata", true},
	{"Deployment", "spec.template.spec", "spec.template.metadata", true},
	{"StatefulSet", "spec.template.spec", "spec.template.metadata", true},
	{"DaemonSet", "spec.template.spec", "spec.template.metadata", true},
	{"ReplicaSet", "spec.template.spec", "spec.template.metadata", true},
	{"ReplicationController", "spec.template.spec", "spec.template.metadata", true},
	{"DeploymentConfig", "spec.template.spec", "spec.template.metadata", true}, /* OpenShift */
	{"Job", "spec.template.spec", "spec.template.metadata", false},
	{"CronJob", "spec.jobTemplate.spec.template.spec",
	 "spec.jobTemplate.spec.template.metadata", false},
};

static long long replicas_of(const mf_object *o)
{
	const mf_node *r = mf_path(o->doc, "spec.replicas");

	if (!strcmp(o->kind, "DaemonSet"))
		return -1;
	if (o->inst)
		return o->inst->replicas;
	if (r && r->kind == MF_INT)
		return r->v.i;
	return 1;
}

/* A Compose service adapted by check_compose.c: {spec: PodSpec, replicas?},
 * its path in the Compose file kept in `group`. */
static bool compose_pod(const mf_object *o, mf_pod *p)
{
	const mf_node *r = mf_get(o->doc, "replicas");

	p->spec = mf_get(o->doc, "spec");
	p->base = o->group ? o->group : "services";
	p->meta_base = p->base;
	p->obj = o;
	p->compose = true;
	p->long_running =
		o->inst ? mf_long_running(o->inst->kind) : !mf_is_true(mf_get(o->doc, "once"));
	p->replicas = o->inst ? o->inst->replicas : r && r->kind == MF_INT ? r->v.i : 1;
	return p->spec != NULL;
}

/* The labels of a workload's pods, read from its template even when the
 * pod spec is missing (containers-missing reports that; what selects the
 * pods still matches them). */
static const mf_node *pod_labels(const mf_object *o)
{
	for (size_t i = 0; o && o->kind && i < MF_NELEM(pod_paths); i++)
		if (!strcmp(o->kind, pod_paths[i].kind))
			return mf_get(mf_path(o->doc, pod_paths[i].meta), "labels");
	return NULL;
}

bool mf_kind_is(const mf_object *o, const char *kind)
{
	return o->kind && !strcmp(o->kind, kind);
}

bool mf_pod_of(const mf_object *o, mf_pod *p)
{
	memset(p, 0, sizeof *p);
	if (o && o->kind && !strcmp(o->kind, "compose"))
		return compose_pod(o, p);
	for (size_t i = 0; o && o->kind && i < MF_NELEM(pod_paths); i++) {
		if (strcmp(o->kind, pod_paths[i].kind))
			continue;
		p->spec = mf_path(o->doc, pod_paths[i].spec);
		if (!p->spec || p->spec->kind != MF_MAP)
			return false;
		p->meta = mf_path(o->doc, pod_paths[i].meta);
		p->base = pod_paths[i].spec;
		p->meta_base = pod_paths[i].meta;
		p->obj = o;
		p->long_running = pod_paths[i].long_running;
		p->replicas = replicas_of(o);
		return true;
	}
	return false;
}

/* "BASE.LIST[I]", as mf_printf would make it, without printf: made for
 * every container of every rule that reads containers. */
static const char *item_path(mf_arena *a, const char *base, const char *list, size_t i)
{
	char num[24];
	size_t nd = 0, b = strlen(base), l = strlen(list);
	char *s;

	do
		num[sizeof num - 1 - nd++] = (char)('0' + i % 10);
	while ((i /= 10) != 0);
	if (!(s = mf_alloc(a, b + l + nd + 4)))
		return NULL;
	memcpy(s, base, b);
	s[b] = '.';
	memcpy(s + b + 1, list, l);
	s[b + 1 + l] = '[';
	memcpy(s + b + 2 + l, num + sizeof num - nd, nd);
	s[b + 2 + l + nd] = ']';
	return s;
}

mf_ctr *mf_pod_containers(mf_chk *k, const mf_pod *p, size_t *n)
{
	static const char *const lists[] = {"containers", "initContainers", "ephemeralContainers"};
	size_t total = 0, at = 0;
	mf_ctr *out;

	for (size_t l = 0; l < 3; l++) {
		const mf_node *seq = mf_get(p->spec, lists[l]);
		total += seq && seq->kind == MF_SEQ ? seq->n : 0;
	}
	out = mf_alloc(k->c->a, (total + 1) * sizeof *out);
	for (size_t l = 0; out && l < 3; l++) {
		const mf_node *seq = mf_get(p->spec, lists[l]);
		for (size_t i = 0; seq && seq->kind == MF_SEQ && i < seq->n; i++) {
			if (seq->items[i]->kind != MF_MAP)
				continue;
			out[at].node = seq->items[i];
			out[at].name = mf_get_str(seq->items[i], "name");
			out[at].path = p->compose ? p->base : item_path(k->c->a, p->base, lists[l], i);
			out[at++].init = l > 0;
		}
	}
	*n = out ? at : 0;
	return out;
}

const mf_node *mf_sec_field(mf_chk *k, const mf_pod *p, const mf_ctr *ct, const char *field,
			    const char **path)
{
	const mf_node *v = ct ? mf_get(mf_get(ct->node, "securityContext"), field) : NULL;

	if (v && v->kind != MF_NULL) {
		*path = mf_printf(k->c->a, "%s.securityContext.%s", ct->path, field);
		return v;
	}
	v = mf_get(mf_get(p->spec, "securityContext"), field);
	if (v && v->kind != MF_NULL) {
		*path = mf_printf(k->c->a, "%s.securityContext.%s", p->base, field);
		return v;
	}
	*path = ct ? mf_printf(k->c->a, "%s.securityContext.%s", ct->path, field)
		   : mf_printf(k->c->a, "%s.securityContext.%s", p->base, field);
	return NULL;
}

bool mf_ctr_declares(const mf_node *ctr, const mf_node *ref)
{
	const mf_node *ports = mf_get(ctr, "ports");

	for (size_t i = 0; ports && ports->kind == MF_SEQ && i < ports->n; i++) {
		if (ref->kind == MF_INT &&
		    mf_get_int(ports->items[i], "containerPort", -1) == ref->v.i)
			return true;
		if (ref->kind == MF_STR && mf_get_str(ports->items[i], "name") &&
		    !strcmp(mf_get_str(ports->items[i], "name"), ref->str))
			return true;
	}
	return false;
}

/* ---- object index ------------------------------------------------------------------- */

/* One (namespace, label key, value) of a workload's pods, one (namespace,
 * kind, name) of every object, one (namespace, target kind, target name)
 * of every autoscaler: three sorted arrays searched by bisection. */
typedef struct entry {
	const char *a, *b, *c;
	size_t obj;
} entry;

struct mf_index {
	const mf_objects *objs;
	const mf_object *v; /* with nobjs, tells a list refilled in place (lint's, compose's) */
	size_t nobjs;
	entry *labels, *names, *hpas, *meta; /* meta: every object's metadata.labels */
	size_t nlabels, nnames, nhpas, nmeta;
};

/* Namespaces and label keys are mostly the same text (interned keys, one
 * namespace string): the same pointer needs no strcmp. */
static int cmp_str0(const char *x, const char *y)
{
	return x == y ? 0 : strcmp(x ? x : "", y ? y : "");
}

static int cmp_entry(const void *x, const void *y)
{
	const entry *p = x, *q = y;
	int r = cmp_str0(p->a, q->a);

	if (!r)
		r = cmp_str0(p->b, q->b);
	if (!r)
		r = cmp_str0(p->c, q->c);
	return r ? r : (p->obj > q->obj) - (p->obj < q->obj);
}

/* The first entry not below (a, b, c). */
static size_t lower(const entry *v, size_t n, const char *a, const char *b, const char *c)
{
	entry key = {a, b, c, 0};
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cmp_entry(&v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool same3(const entry *e, const char *a, const char *b, const char *c)
{
	return !cmp_str0(e->a, a) && !cmp_str0(e->b, b) && !cmp_str0(e->c, c);
}

static void index_object(mf_index *x, size_t i)
{
	const mf_object *o = &x->objs->v[i];
	const mf_node *ref = mf_path(o->doc, "spec.scaleTargetRef"), *labels;

	x->names[x->nnames++] = (entry){o->ns, o->kind, o->name, i};
	if (o->kind && !strcmp(o->kind, "HorizontalPodAutoscaler"))
		x->hpas[x->nhpas++] =
			(entry){o->ns, mf_get_str(ref, "kind"), mf_get_str(ref, "name"), i};
	labels = pod_labels(o);
	for (size_t j = 0; labels && labels->kind == MF_MAP && j < labels->n; j++)
		if (mf_str(labels->pairs[j].val))
			x->labels[x->nlabels++] = (entry){o->ns, labels->pairs[j].key,
							  mf_str(labels->pairs[j].val), i};
	labels = mf_path(o->doc, "metadata.labels");
	for (size_t j = 0; labels && labels->kind == MF_MAP && j < labels->n; j++)
		if (mf_str(labels->pairs[j].val))
			x->meta[x->nmeta++] = (entry){o->ns, labels->pairs[j].key,
						      mf_str(labels->pairs[j].val), i};
}

static mf_index *index_of(mf_chk *k)
{
	mf_index *x = k->index;
	size_t n = k->objs ? k->objs->n : 0, nlabels = 0, nmeta = 0;

	if (x && x->objs == k->objs && x->v == (k->objs ? k->objs->v : NULL) && x->nobjs == n)
		return x;
	if (!(x = k->index = mf_alloc(k->c->a, sizeof *x)))
		return NULL;
	x->objs = k->objs;
	x->v = k->objs ? k->objs->v : NULL;
	x->nobjs = n;
	for (size_t i = 0; i < n; i++) {
		const mf_node *l = pod_labels(&k->objs->v[i]);
		nlabels += l && l->kind == MF_MAP ? l->n : 0;
		l = mf_path(k->objs->v[i].doc, "metadata.labels");
		nmeta += l && l->kind == MF_MAP ? l->n : 0;
	}
	x->labels = mf_alloc(k->c->a, (nlabels + 1) * sizeof *x->labels);
	x->names = mf_alloc(k->c->a, (n + 1) * sizeof *x->names);
	x->hpas = mf_alloc(k->c->a, (n + 1) * sizeof *x->hpas);
	x->meta = mf_alloc(k->c->a, (nmeta + 1) * sizeof *x->meta);
	if (!x->labels || !x->names || !x->hpas || !x->meta)
		return k->index = NULL;
	for (size_t i = 0; i < n; i++)
		index_object(x, i);
	mf_qsort(x->labels, x->nlabels, sizeof *x->labels, cmp_entry);
	mf_qsort(x->names, x->nnames, sizeof *x->names, cmp_entry);
	mf_qsort(x->hpas, x->nhpas, sizeof *x->hpas, cmp_entry);
	mf_qsort(x->meta, x->nmeta, sizeof *x->meta, cmp_entry);
	return x;
}

static bool labels_match(const mf_node *sel, const mf_node *labels)
{
	for (size_t i = 0; i < sel->n; i++) {
		const char *want = mf_str(sel->pairs[i].val),
			   *have = mf_str(mf_get(labels, sel->pairs[i].key));
		if (!want || !have || strcmp(want, have))
			return false;
	}
	return true;
}

/* The first entry above (a, b, c): one past the entries of that triple. */
static size_t upper(const entry *v, size_t n, const char *a, const char *b, const char *c)
{
	entry key = {a, b, c, SIZE_MAX};
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cmp_entry(&v[mid], &key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The entries of the selector's rarest label, [*from, *to): a label many
 * objects share (tier: web) is not the one to scan.  False when some
 * label is not a string (nothing matches). */
static bool rarest(const entry *v, size_t n, const char *ns, const mf_node *sel, size_t *from,
		   size_t *to)
{
	*from = *to = 0;
	for (size_t i = 0; i < sel->n; i++) {
		const char *val = mf_str(sel->pairs[i].val);
		size_t lo, hi;
		if (!val)
			return false;
		lo = lower(v, n, ns, sel->pairs[i].key, val);
		hi = upper(v, n, ns, sel->pairs[i].key, val);
		if (!i || hi - lo < *to - *from)
			*from = lo, *to = hi;
	}
	return true;
}

/* Candidates carry the selector's rarest label; the rest is checked. */
size_t mf_select(mf_chk *k, const mf_object *near, const mf_node *sel, const mf_object **out,
		 size_t max)
{
	mf_index *x = index_of(k);
	size_t n = 0, from, to;

	if (!x || !sel || sel->kind != MF_MAP || !sel->n ||
	    !rarest(x->labels, x->nlabels, near->ns, sel, &from, &to))
		return 0;
	for (size_t i = from; i < to && n < max; i++) {
		const mf_object *o = &x->objs->v[x->labels[i].obj];
		if (labels_match(sel, pod_labels(o)))
			out[n++] = o;
	}
	return n;
}

size_t mf_select_meta(mf_chk *k, const char *kind, const char *ns, const mf_node *sel,
		      const mf_object **out, size_t max)
{
	mf_index *x = index_of(k);
	size_t n = 0, from, to;

	if (!x || !sel || sel->kind != MF_MAP || !sel->n ||
	    !rarest(x->meta, x->nmeta, ns, sel, &from, &to))
		return 0;
	for (size_t i = from; i < to && n < max; i++) {
		const mf_object *o = &x->objs->v[x->meta[i].obj];
		if (o->kind && !strcmp(o->kind, kind) &&
		    labels_match(sel, mf_path(o->doc, "metadata.labels")))
			out[n++] = o;
	}
	return n;
}

const mf_object *mf_find_object(mf_chk *k, const char *kind, const char *name,
				const mf_object *near)
{
	mf_index *x = index_of(k);
	size_t i = x && kind && name ? lower(x->names, x->nnames, near->ns, kind, name) : 0;

	if (!x || !kind || !name || i >= x->nnames || !same3(&x->names[i], near->ns, kind, name))
		return NULL;
	return &x->objs->v[x->names[i].obj];
}

const mf_object *mf_hpa_of(mf_chk *k, const mf_object *o)
{
	mf_index *x = index_of(k);
	size_t i = x ? lower(x->hpas, x->nhpas, o->ns, o->kind, o->name) : 0;

	if (!x || !o->kind || !o->name || i >= x->nhpas ||
	    !same3(&x->hpas[i], o->ns, o->kind, o->name))
		return NULL;
	return &x->objs->v[x->hpas[i].obj];
}

long long mf_most_replicas(mf_chk *k, const mf_object *o, const mf_pod *p)
{
	const mf_object *hpa = mf_hpa_of(k, o);

	if (o->inst)
		return o->inst->max_replicas;
	return hpa ? mf_get_int(mf_get(hpa->doc, "spec"), "maxReplicas", p->replicas) : p->replicas;
}

/* ---- quantities as text -------------------------------------------------------- */

const char *mf_fmt_cores(mf_chk *k, long long millis)
{
	char *s = mf_printf(k->c->a, "%lld.%03lld", millis / 1000, millis % 1000);
	size_t n = s ? strlen(s) : 0;

	while (n && s[n - 1] == '0')
		s[--n] = 0;
	if (n && s[n - 1] == '.')
		s[--n] = 0;
	return s;
}

/* bytes as Gi (two decimals at most), or Mi below 1Gi */
const char *mf_fmt_bytes(mf_chk *k, long long b)
{
	long long gi = 1024LL * 1024 * 1024, mi = 1024LL * 1024;
	char *s;
	size_t n;

	if (b < gi)
		return mf_printf(k->c->a, "%lldMi", (b + mi / 2) / mi);
	s = mf_printf(k->c->a, "%.2f", (double)b / (double)gi);
	n = s ? strlen(s) : 0;
	while (n && s[n - 1] == '0')
		s[--n] = 0;
	if (n && s[n - 1] == '.')
		s[--n] = 0;
	return mf_printf(k->c->a, "%sGi", s ? s : "?");
}
