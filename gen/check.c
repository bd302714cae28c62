/* check: the rule engine: rule table, switches per environment, findings, waivers and the driver */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check_impl.h"

const mf_rule mf_rules[MF_RULE_COUNT] = {
#define RULE(e, id, sev, gate, summary, help) [MF_RULE_##e] = {id, sev, summary, help},
#include "rules.def"
#undef RULE
};

const mf_rule *mf_rule_find(const char *id)
{
	for (size_t i = 0; id && i < MF_RULE_COUNT; i++)
		if (!strcmp(mf_rules[i].id, id))
			return &mf_rules[i];
	return NULL;
}

/* Each rule's gate (rules.def): whether it runs without a pack asking for
 * it ("core"), and whether a field of the environment's `require` switches
 * it on (and raises it to an error when `raise`). */
static const struct gate {
	bool core;
	const char *require;
	bool raise;
} gates[MF_RULE_COUNT] = {
#define CORE                      \
	{                         \
		true, NULL, false \
	}
#define PACK                       \
	{                          \
		false, NULL, false \
	}
#define REQUIRE(field)              \
	{                           \
		false, field, false \
	}
#define REQUIRE_RAISE(field)       \
	{                          \
		false, field, true \
	}
#define CORE_REQUIRE_RAISE(field) \
	{                         \
		true, field, true \
	}
#define RULE(e, id, sev, gate, summary, help) [MF_RULE_##e] = gate,
#include "rules.def"
#undef RULE
#undef CORE
#undef PACK
#undef REQUIRE
#undef REQUIRE_RAISE
#undef CORE_REQUIRE_RAISE
};

static const struct {
	const mf_rule_impl *v;
	const size_t *n;
} tables[] = {
	{mf_pss_rules, &mf_pss_nrules},       {mf_core_rules, &mf_core_nrules},
	{mf_object_rules, &mf_object_nrules}, {mf_env_rules, &mf_env_nrules},
	{mf_lint_rules, &mf_lint_nrules},
};

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

	if (in)
		return in->service;
	return k->obj && k->obj->name ? k->obj->name : "?";
}

const char *mf_chk_who(const mf_chk *k, const mf_ctr *ct)
{
	const char *name = mf_chk_name(k);

	if (ct && ct->name && strcmp(ct->name, name))
		return mf_printf(k->c->a, "container '%s' of '%s'", ct->name, name);
	return mf_printf(k->c->a, "'%s'", name);
}

/* ---- regular expressions --------------------------------------------------- */

void *mf_re_compile(const char *pattern, bool caseless, char *err, size_t errlen)
{
	int code;
	PCRE2_SIZE off;
	uint32_t opts = PCRE2_UTF | (caseless ? PCRE2_CASELESS : 0);
	pcre2_code *re =
		pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &code, &off, NULL);

	if (!re && err) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(code, msg, sizeof msg);
		snprintf(err, errlen, "%s at offset %zu", (const char *)msg, (size_t)off);
	}
	return re;
}

void mf_re_free(void *re)
{
	pcre2_code_free(re);
}

/* Limits keep a hostile pattern from a custom pack from running away. */
bool mf_re_find(const void *re, const char *s, size_t from, size_t *so, size_t *eo)
{
	pcre2_match_data *md;
	pcre2_match_context *mc;
	bool hit = false;
	int rc;

	if (!re || !s)
		return false;
	md = pcre2_match_data_create_from_pattern(re, NULL);
	mc = pcre2_match_context_create(NULL);
	if (md && mc) {
		pcre2_set_match_limit(mc, 1000000);
		pcre2_set_depth_limit(mc, 10000);
		rc = pcre2_match(re, (PCRE2_SPTR)s, strlen(s), from, 0, md, mc);
		if (rc > 0) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
			*so = ov[0];
			*eo = ov[1];
			hit = true;
		}
	}
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
	return hit;
}

/* ---- findings ---------------------------------------------------------------- */

/* What a finding concerns, kept beside c->diags so waivers can find it. */
struct mf_seen {
	size_t diag;
	const mf_env *env;
	const mf_instance *in;
	const char *tenant;
};

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
	s->tenant = k->tenant ? k->tenant : in && in->tenant ? in->tenant->name : NULL;
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

/* A Compose service adapted by check_lint.c: {spec: PodSpec, replicas?},
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
			out[at].path =
				p->compose ? p->base
					   : mf_printf(k->c->a, "%s.%s[%zu]", p->base, lists[l], i);
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
	entry *labels, *names, *hpas;
	size_t nlabels, nnames, nhpas;
};

static int cmp_str0(const char *x, const char *y)
{
	return strcmp(x ? x : "", y ? y : "");
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
	mf_pod p;

	x->names[x->nnames++] = (entry){o->ns, o->kind, o->name, i};
	if (o->kind && !strcmp(o->kind, "HorizontalPodAutoscaler"))
		x->hpas[x->nhpas++] =
			(entry){o->ns, mf_get_str(ref, "kind"), mf_get_str(ref, "name"), i};
	labels = mf_pod_of(o, &p) ? mf_get(p.meta, "labels") : NULL;
	for (size_t j = 0; labels && labels->kind == MF_MAP && j < labels->n; j++)
		if (mf_str(labels->pairs[j].val))
			x->labels[x->nlabels++] = (entry){o->ns, labels->pairs[j].key,
							  mf_str(labels->pairs[j].val), i};
}

static mf_index *index_of(mf_chk *k)
{
	mf_index *x = k->index;
	size_t n = k->objs ? k->objs->n : 0, nlabels = 0;

	if (x && x->objs == k->objs && x->v == (k->objs ? k->objs->v : NULL) && x->nobjs == n)
		return x;
	if (!(x = k->index = mf_alloc(k->c->a, sizeof *x)))
		return NULL;
	x->objs = k->objs;
	x->v = k->objs ? k->objs->v : NULL;
	x->nobjs = n;
	for (size_t i = 0; i < n; i++) {
		mf_pod p;
		const mf_node *l = mf_pod_of(&k->objs->v[i], &p) ? mf_get(p.meta, "labels") : NULL;
		nlabels += l && l->kind == MF_MAP ? l->n : 0;
	}
	x->labels = mf_alloc(k->c->a, (nlabels + 1) * sizeof *x->labels);
	x->names = mf_alloc(k->c->a, (n + 1) * sizeof *x->names);
	x->hpas = mf_alloc(k->c->a, (n + 1) * sizeof *x->hpas);
	if (!x->labels || !x->names || !x->hpas)
		return k->index = NULL;
	for (size_t i = 0; i < n; i++)
		index_object(x, i);
	qsort(x->labels, x->nlabels, sizeof *x->labels, cmp_entry);
	qsort(x->names, x->nnames, sizeof *x->names, cmp_entry);
	qsort(x->hpas, x->nhpas, sizeof *x->hpas, cmp_entry);
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

/* Candidates share the selector's first label; the rest is checked. */
size_t mf_select(mf_chk *k, const mf_object *near, const mf_node *sel, const mf_object **out,
		 size_t max)
{
	mf_index *x = index_of(k);
	const char *key, *val;
	size_t n = 0;

	if (!x || !sel || sel->kind != MF_MAP || !sel->n || !(val = mf_str(sel->pairs[0].val)))
		return 0;
	key = sel->pairs[0].key;
	for (size_t i = lower(x->labels, x->nlabels, near->ns, key, val);
	     i < x->nlabels && same3(&x->labels[i], near->ns, key, val) && n < max; i++) {
		const mf_object *o = &x->objs->v[x->labels[i].obj];
		mf_pod p;
		if (mf_pod_of(o, &p) && labels_match(sel, mf_get(p.meta, "labels")))
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

/* ---- switching rules on and off -------------------------------------------------- */

static void configure(mf_chk *k, const mf_node *require, const mf_pack *const *packs, size_t n)
{
	for (size_t r = 0; r < MF_RULE_COUNT; r++) {
		k->on[r] = gates[r].core;
		k->sev[r] = mf_rules[r].sev;
	}
	k->level = MF_LEVEL_NONE;
	k->pss = INT_MAX;
	for (size_t i = 0; i < n; i++)
		mf_pack_configure(packs[i], k);
	for (size_t r = 0; r < MF_RULE_COUNT; r++) {
		if (!gates[r].require || !mf_truthy(mf_get(require, gates[r].require)))
			continue;
		k->on[r] = true;
		if (gates[r].raise)
			k->sev[r] = MF_SEV_ERROR;
	}
}

static void subject(mf_chk *k, const mf_object *o, const mf_instance *in, const mf_pod *p)
{
	k->obj = o;
	k->in = in;
	k->pod = p;
	k->tenant = NULL;
	k->object = NULL;
}

static void run_scope(mf_chk *k, mf_scope sc)
{
	unsigned mode = k->lint ? MF_RUN_LINT : MF_RUN_CHECK;

	for (size_t t = 0; t < MF_NELEM(tables); t++)
		for (size_t i = 0; i < *tables[t].n; i++) {
			const mf_rule_impl *impl = &tables[t].v[i];
			if (impl->scope == sc && (impl->runs & mode) && k->on[impl->rule]) {
				k->rule = impl->rule;
				impl->run(k);
			}
		}
}

static void run_pods(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		mf_pod p;
		if (!mf_pod_of(&k->objs->v[i], &p))
			continue;
		subject(k, &k->objs->v[i], k->objs->v[i].inst, &p);
		run_scope(k, MF_SC_POD);
	}
	subject(k, NULL, NULL, NULL);
}

void mf_chk_run(mf_chk *k, const mf_pack *const *packs, size_t n)
{
	run_pods(k);
	run_scope(k, MF_SC_OBJECTS);
	subject(k, NULL, NULL, NULL);
	if (!k->lint && k->e)
		run_scope(k, MF_SC_ENV);
	subject(k, NULL, NULL, NULL);
	if (k->compose)
		run_scope(k, MF_SC_COMPOSE);
	subject(k, NULL, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		mf_pack_run(packs[i], k);
	subject(k, NULL, NULL, NULL);
}

void mf_chk_configure(mf_chk *k, const mf_node *require, const mf_pack *const *packs, size_t n)
{
	configure(k, require, packs, n);
}

void mf_chk_release(mf_chk *k)
{
	for (size_t i = 0; i < MF_NRE; i++)
		mf_re_free(k->re[i]);
	mf_packset_free(k->packs);
}

/* Environments with a Kubernetes target are checked on the Kubernetes
 * objects; Compose-only ones on their Compose services (adapted to pod
 * specs by check_lint.c), which is what they run. */
static void check_env(mf_chk *k, const mf_env *e, int *rc)
{
	const mf_pack **packs = NULL;
	size_t n = 0;
	mf_objects adapted = {0};
	bool k8s = e->is_base || (e->targets & (MF_T_KUSTOMIZE | MF_T_HELM));

	k->e = e;
	if (mf_packset_load(k->packs, e->policies, e->policy_pos, e->npolicies, &packs, &n) < 0)
		*rc = -1;
	configure(k, e->require, packs, n);
	k->compose = e->targets & MF_T_COMPOSE ? mf_render_compose(k->c, k->s, e) : NULL;
	k->objs = &adapted;
	if (k8s)
		mf_k8s_objects(k->c, k->s, e, &k->objs);
	else if (k->compose)
		mf_compose_objects(k, k->compose, e, &adapted);
	mf_chk_run(k, packs, n);
	k->objs = NULL;
	k->compose = NULL;
	k->e = NULL;
}

/* ---- waivers --------------------------------------------------------------------- */

/* One waiver as written; instances share it when their spec came from the
 * same lines, so it is keyed by its position. */
typedef struct waiver {
	const mf_node *node;
	const char *rule;
	bool used;     /* matched a finding */
	bool in_scope; /* its owner exists in a checked environment it names */
	bool expired;
	bool reported;
} waiver;

typedef struct waivers {
	waiver *v;
	size_t n, cap;
} waivers;

static waiver *waiver_for(mf_chk *k, waivers *w, const mf_node *node)
{
	for (size_t i = 0; i < w->n; i++)
		if (mf_pos_eq(w->v[i].node->pos, node->pos))
			return &w->v[i];
	waiver *grown = mf_grow(k->c->a, w->v, w->n, &w->cap, sizeof *grown);

	if (!grown)
		return NULL;
	w->v = grown;
	w->v[w->n] = (waiver){.node = node, .rule = mf_get_str(node, "rule")};
	w->v[w->n].expired = k->c->today && mf_get_str(node, "expires") &&
			     strcmp(mf_get_str(node, "expires"), k->c->today) < 0;
	return &w->v[w->n++];
}

static bool names_env(const mf_node *w, const mf_env *e)
{
	const mf_node *envs = mf_get(w, "environments");

	if (!envs || !e || e->is_base)
		return true;
	for (size_t i = 0; i < envs->n; i++)
		if (mf_str(envs->items[i]) && !strcmp(mf_str(envs->items[i]), e->name))
			return true;
	return false;
}

/* Apply one list of waivers (a service's or a tenant's) to one finding. */
static void try_waive(mf_chk *k, waivers *w, const mf_node *list, const mf_env *e, mf_diag *d)
{
	for (size_t i = 0; list && list->kind == MF_SEQ && i < list->n; i++) {
		waiver *wv = waiver_for(k, w, list->items[i]);
		if (!wv || !wv->rule || !names_env(wv->node, e))
			continue;
		wv->in_scope = true;
		if (d->waived || strcmp(wv->rule, d->code) || wv->expired)
			continue;
		wv->used = true;
		d->waived = true;
		d->waiver_reason = mf_get_str(wv->node, "reason");
		d->waiver_pos = wv->node->pos;
		if (d->sev == MF_SEV_ERROR && k->c->nerrors)
			k->c->nerrors--;
	}
}

static const mf_node *tenant_waivers(const mf_chk *k, const char *tenant)
{
	return tenant ? mf_get(mf_get(mf_get(k->s->doc, "tenants"), tenant), "waivers") : NULL;
}

/* Mark every waiver whose owner exists where it applies, so one that
 * waives nothing can be told from one whose service is not checked. */
static void scope_waivers(mf_chk *k, waivers *w, const mf_env *e)
{
	for (size_t i = 0; i < e->ninst; i++) {
		const mf_node *list = mf_get(e->inst[i].spec, "waivers");
		for (size_t j = 0; list && list->kind == MF_SEQ && j < list->n; j++) {
			waiver *wv = waiver_for(k, w, list->items[j]);
			if (wv && names_env(wv->node, e))
				wv->in_scope = true;
		}
	}
	for (size_t t = 0; t < e->ntenants; t++) {
		const mf_node *list = mf_get(e->tenants[t].node, "waivers");
		for (size_t j = 0; list && list->kind == MF_SEQ && j < list->n; j++) {
			waiver *wv = waiver_for(k, w, list->items[j]);
			if (wv && names_env(wv->node, e))
				wv->in_scope = true;
		}
	}
}

static void unknown_rule(mf_chk *k, const waiver *wv)
{
	const char *names[MF_RULE_COUNT + 256], *best;
	size_t n = 0;
	const mf_node *rule = mf_get(wv->node, "rule");
	mf_diag *d;

	for (size_t i = 0; i < MF_RULE_COUNT; i++)
		names[n++] = mf_rules[i].id;
	n += mf_packset_ids(k->packs, names + n, 256);
	best = mf_did_you_mean(wv->rule, names, n);
	d = mf_finding(k, MF_RULE_WAIVER_UNKNOWN_RULE, rule ? rule->pos : wv->node->pos, NULL,
		       "waiver names unknown rule '%s'", wv->rule);
	if (d && best)
		mf_diag_note(k->c, d, "did you mean '%s'?", best);
}

static void waiver_verdicts(mf_chk *k, waivers *w)
{
	for (size_t i = 0; i < w->n; i++) {
		waiver *wv = &w->v[i];
		const mf_node *exp = mf_get(wv->node, "expires");
		if (!wv->rule)
			continue;
		if (!mf_rule_find(wv->rule) && !mf_packset_knows(k->packs, wv->rule))
			unknown_rule(k, wv);
		else if (wv->expired)
			mf_finding(k, MF_RULE_WAIVER_EXPIRED, exp ? exp->pos : wv->node->pos, NULL,
				   "waiver for '%s' expired on %s", wv->rule, mf_str(exp));
		else if (wv->in_scope && !wv->used)
			mf_finding(k, MF_RULE_WAIVER_UNUSED, wv->node->pos, NULL,
				   "waiver for '%s' matches no finding", wv->rule);
	}
}

static void apply_waivers(mf_chk *k, const mf_env *const *envs, size_t nenvs)
{
	waivers w = {0};
	size_t nseen = k->nseen;

	for (size_t i = 0; i < nenvs; i++)
		scope_waivers(k, &w, envs[i]);
	for (size_t i = 0; i < nseen; i++) {
		const mf_seen *s = &k->seen[i];
		mf_diag *d = &k->c->diags[s->diag];
		if (s->in)
			try_waive(k, &w, mf_get(s->in->spec, "waivers"), s->env, d);
		if (s->tenant)
			try_waive(k, &w, tenant_waivers(k, s->tenant), s->env, d);
	}
	subject(k, NULL, NULL, NULL);
	k->e = NULL;
	k->on[MF_RULE_WAIVER_EXPIRED] = k->on[MF_RULE_WAIVER_UNUSED] =
		k->on[MF_RULE_WAIVER_UNKNOWN_RULE] = true;
	waiver_verdicts(k, &w);
}

/* ---- the driver ---------------------------------------------------------------------- */

static bool wanted(const mf_check_opts *o, const char *name)
{
	return !o || !o->envs || !o->nenvs || mf_str_index(name, o->envs, o->nenvs) < o->nenvs;
}

/* Findings from different environments on one line stay next to each
 * other (same order mf_diag_sort keeps), so reports can fold them. */
static int cmp_diag(const void *x, const void *y)
{
	const mf_diag *a = x, *b = y;
	int r = (a->pos.file > b->pos.file) - (a->pos.file < b->pos.file);

	if (!r)
		r = (a->pos.line > b->pos.line) - (a->pos.line < b->pos.line);
	if (!r)
		r = (a->pos.col > b->pos.col) - (a->pos.col < b->pos.col);
	if (!r)
		r = strcmp(a->code ? a->code : "", b->code ? b->code : "");
	if (!r)
		r = strcmp(a->msg ? a->msg : "", b->msg ? b->msg : "");
	return r;
}

void mf_chk_sort(mf_ctx *c)
{
	mf_stable_sort(c->diags, c->ndiags, sizeof *c->diags, cmp_diag);
}

int mf_check(mf_ctx *c, const mf_system *s, const mf_check_opts *o)
{
	size_t saved = c->max_errors, nenvs = 0;
	const mf_env **envs = mf_alloc(c->a, (s->nenvs + 1) * sizeof *envs);
	mf_chk k = {.c = c, .s = s, .packs = mf_packset_new(c)};
	int rc = 0;

	if (!envs || !k.packs) {
		mf_packset_free(k.packs);
		return mf_error(c, MF_NOPOS, "internal", "out of memory");
	}
	/* findings are not input errors: none is dropped by the error cap */
	c->max_errors = SIZE_MAX;
	for (size_t i = 0; i < s->nenvs; i++)
		if (wanted(o, s->envs[i].name))
			envs[nenvs++] = &s->envs[i];
	if (!s->nenvs)
		envs[nenvs++] = &s->base;
	for (size_t i = 0; i < nenvs; i++)
		check_env(&k, envs[i], &rc);
	configure(&k, NULL, NULL, 0);
	run_scope(&k, MF_SC_SYSTEM);
	apply_waivers(&k, envs, nenvs);
	mf_chk_release(&k);
	c->max_errors = saved;
	mf_chk_sort(c);
	return rc;
}
