/* check: the rule engine: rule table, gates, switches per environment, waivers, the driver */
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

const mf_rule mf_diagnostics[] = {
#define DIAG(id, sev, summary, help) {id, sev, summary, help},
#include "diagnostics.def"
#undef DIAG
};
const size_t mf_ndiagnostics = MF_NELEM(mf_diagnostics);

const mf_rule *mf_diagnostic_find(const char *id)
{
	for (size_t i = 0; id && i < mf_ndiagnostics; i++)
		if (!strcmp(mf_diagnostics[i].id, id))
			return &mf_diagnostics[i];
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
	{mf_lint_rules, &mf_lint_nrules},     {mf_flow_rules, &mf_flow_nrules},
	{mf_ref_rules, &mf_ref_nrules},       {mf_rbac_rules, &mf_rbac_nrules},
	{mf_target_rules, &mf_target_nrules},
};

/* A rule no table names is found in check alongside another one (capacity-tight
 * and capacity-overcommit with capacity-exceeded, the waiver rules by the driver). */
unsigned mf_rule_where(mf_rule_id r)
{
	unsigned both = MF_RUN_CHECK | MF_RUN_LINT, runs = 0;
	bool shared = true;

	for (size_t t = 0; t < MF_NELEM(tables); t++)
		for (size_t i = 0; i < *tables[t].n; i++) {
			if (tables[t].v[i].rule != r)
				continue;
			runs |= tables[t].v[i].runs & both;
			shared = shared && (tables[t].v[i].runs & both) == both;
		}
	if (!runs)
		return MF_WHERE_CHECK;
	return (runs & MF_RUN_CHECK ? MF_WHERE_CHECK : 0u) |
	       (runs & MF_RUN_LINT ? MF_WHERE_LINT : 0u) | (shared ? MF_WHERE_SHARED : 0u);
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
 * specs by check_compose.c), which is what they run. */
static void check_env(mf_chk *k, const mf_env *e, int *rc)
{
	const mf_pack **packs = NULL;
	size_t n = 0;
	mf_objects adapted = {0};
	bool k8s = e->is_base || (e->targets & (MF_T_KUSTOMIZE | MF_T_HELM));
	const mf_render_env *re = mf_rendered_env(k->rd, e);

	k->e = e;
	if (mf_packset_load(k->packs, e->policies, e->policy_pos, e->npolicies, &packs, &n) < 0)
		*rc = -1;
	configure(k, e->require, packs, n);
	k->compose = re ? re->compose : NULL;
	k->velero = re ? &re->velero : NULL;
	k->objs = &adapted;
	if (k8s && re)
		k->objs = &re->k8s;
	else if (k->compose)
		mf_compose_objects(k, k->compose, e, &adapted);
	mf_chk_run(k, packs, n);
	k->objs = NULL;
	k->compose = NULL;
	k->velero = NULL;
	k->e = NULL;
}

/* ---- what profiles give ------------------------------------------------------------- */

typedef struct fileset {
	uint32_t v[32];
	size_t n;
} fileset;

static void files_of(const mf_node *n, fileset *fs)
{
	size_t i = 0;

	if (!n)
		return;
	while (i < fs->n && fs->v[i] != n->pos.file)
		i++;
	if (i == fs->n && n->pos.file && fs->n < MF_NELEM(fs->v))
		fs->v[fs->n++] = n->pos.file;
	for (size_t k = 0; n->kind == MF_MAP && k < n->n; k++)
		files_of(n->pairs[k].val, fs);
	for (size_t k = 0; n->kind == MF_SEQ && k < n->n; k++)
		files_of(n->items[k], fs);
}

static bool in_set(const fileset *fs, uint32_t file)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i] == file)
			return true;
	return false;
}

/* "a.b: v" for every value of spec a profile's file set */
static void given(mf_chk *k, const mf_node *n, const char *path, const fileset *fs, char **out)
{
	for (size_t i = 0; n && n->kind == MF_MAP && i < n->n; i++) {
		const mf_pair *p = &n->pairs[i];
		const char *sub = *path ? mf_printf(k->c->a, "%s.%s", path, p->key) : p->key;
		if (p->val && p->val->kind == MF_MAP)
			given(k, p->val, sub, fs, out);
		else if (p->val && in_set(fs, p->val->pos.file))
			*out = mf_printf(k->c->a, "%s%s%s%s%s", *out, **out ? ", " : "", sub,
					 mf_str(p->val) ? ": " : "", mf_or(mf_str(p->val), ""));
	}
}

/* --explain-defaults: what a profile added to each instance, so nothing it
 * sets is a surprise (an info note, not a finding). */
static void explain_defaults(mf_chk *k, const mf_env *e)
{
	fileset fs = {{0}, 0};

	files_of(e->profile, &fs);
	for (size_t i = 0; fs.n && i < e->ninst; i++) {
		const mf_instance *in = &e->inst[i];
		char *list = "";
		mf_diag *d;
		given(k, in->spec, "", &fs, &list);
		if (!*list || !(d = mf_diag_add(k->c, MF_SEV_INFO, in->pos, "profile-default",
						"'%s' takes from profile '%s': %s",
						in->compose_name, e->profile_name, list)))
			continue;
		d->env = e->name;
	}
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
	const char *names[MF_RULE_COUNT + 256];
	size_t n = 0;
	const mf_node *rule = mf_get(wv->node, "rule");
	mf_diag *d;

	for (size_t i = 0; i < MF_RULE_COUNT; i++)
		names[n++] = mf_rules[i].id;
	n += mf_packset_ids(k->packs, names + n, 256);
	d = mf_finding(k, MF_RULE_WAIVER_UNKNOWN_RULE, rule ? rule->pos : wv->node->pos, NULL,
		       "waiver names unknown rule '%s'", wv->rule);
	mf_diag_suggest(k->c, d, wv->rule, names, n);
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

/* ---- one finding per rule and line ------------------------------------------------ */

/* Instances made from one template share its lines, so a rule that fires
 * on a template line fires once per instance: 84 copies of one warning
 * that one edit fixes.  They become one finding at that line, naming the
 * others; the same text in every format, because it is one record. */
typedef struct member {
	mf_diag *d;
	const char *who; /* the subject: "service", "service/tenant" or the object */
	size_t index;    /* in c->diags */
} member;

static const char *subject_of(mf_chk *k, const mf_seen *s, const mf_diag *d)
{
	if (!s->in)
		return d->object;
	if (s->in->tenant)
		return mf_printf(k->c->a, "%s/%s", s->in->service, s->in->tenant->name);
	return s->in->service;
}

/* The key of a group (rule, position, environment, severity, waiver,
 * note), then the subject, so a group's members are adjacent and sorted. */
static int cmp_member(const void *x, const void *y)
{
	const member *a = x, *b = y;
	int r = strcmp(a->d->code, b->d->code);

	if (!r)
		r = mf_pos_cmp(a->d->pos, b->d->pos);
	if (!r)
		r = mf_strcmp_null(a->d->env, b->d->env);
	if (!r)
		r = (int)a->d->sev - (int)b->d->sev;
	if (!r)
		r = (int)a->d->waived - (int)b->d->waived;
	if (!r)
		r = mf_pos_cmp(a->d->waiver_pos, b->d->waiver_pos);
	if (!r)
		r = mf_strcmp_null(a->d->note, b->d->note);
	return r ? r : strcmp(a->who, b->who);
}

static bool same_group(const member *a, const member *b)
{
	member x = *a, y = *b;

	x.who = y.who = "";
	return cmp_member(&x, &y) == 0;
}

/* "'a', 'b', 'c'": the subjects of m[0..n) in one allocation */
static char *join_subjects(mf_chk *k, const member *m, size_t n)
{
	size_t len = 1, at = 0;
	char *s;

	for (size_t i = 0; i < n; i++)
		len += strlen(m[i].who) + 4;
	if (!(s = mf_alloc(k->c->a, len)))
		return NULL;
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(s + at, len - at, "%s'%s'", i ? ", " : "", m[i].who);
	return s;
}

/* Keep m[0] for the group m[0..n), mark the rest dropped.  A group where
 * one subject has two findings holds different problems: it stays as is. */
static void fold_group(mf_chk *k, member *m, size_t n, bool *drop)
{
	mf_diag *d = m[0].d;
	const char *list;

	for (size_t i = 1; i < n; i++)
		if (!strcmp(m[i - 1].who, m[i].who))
			return;
	if (!(list = join_subjects(k, m, n)))
		return;
	d->msg = mf_printf(k->c->a, "%s (and %zu more)", d->msg, n - 1);
	d->folded = n;
	d->note = mf_printf(k->c->a, "%s%s%zu findings from this line, for %s", mf_or(d->note, ""),
			    d->note ? "; " : "", n, list);
	for (size_t i = 1; i < n; i++) {
		drop[m[i].index] = true;
		if (m[i].d->sev == MF_SEV_ERROR && !m[i].d->waived && k->c->nerrors)
			k->c->nerrors--;
	}
}

static void drop_marked(mf_ctx *c, const bool *drop)
{
	size_t n = 0;

	for (size_t i = 0; i < c->ndiags; i++)
		if (!drop[i])
			c->diags[n++] = c->diags[i];
	c->ndiags = n;
}

/* After waivers (a waived and an unwaived finding never fold together);
 * k->seen no longer matches c->diags afterwards. */
static void fold_findings(mf_chk *k)
{
	member *m = mf_alloc(k->c->a, (k->nseen + 1) * sizeof *m);
	bool *drop = mf_alloc(k->c->a, k->c->ndiags + 1);
	size_t n = 0;

	if (!m || !drop)
		return;
	for (size_t i = 0; i < k->nseen; i++) {
		mf_diag *d = &k->c->diags[k->seen[i].diag];
		const char *who = subject_of(k, &k->seen[i], d);
		if (who && d->code && d->pos.file)
			m[n++] = (member){d, who, k->seen[i].diag};
	}
	mf_stable_sort(m, n, sizeof *m, cmp_member);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && same_group(&m[i], &m[j]); j++)
			;
		if (j - i > 1)
			fold_group(k, m + i, j - i, drop);
	}
	drop_marked(k->c, drop);
	k->nseen = 0;
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

int mf_check(mf_ctx *c, const mf_rendered *r, const mf_check_opts *o)
{
	const mf_system *s = r->sys;
	size_t saved = c->max_errors, nenvs = 0;
	const mf_env **envs = mf_alloc(c->a, (s->nenvs + 1) * sizeof *envs);
	mf_chk k = {.c = c, .s = s, .rd = r, .packs = mf_packset_new(c)};
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
	for (size_t i = 0; i < nenvs; i++) {
		check_env(&k, envs[i], &rc);
		if (o && o->explain_defaults)
			explain_defaults(&k, envs[i]);
	}
	configure(&k, NULL, NULL, 0);
	run_scope(&k, MF_SC_SYSTEM);
	apply_waivers(&k, envs, nenvs);
	if (!o || !o->no_fold)
		fold_findings(&k);
	mf_chk_release(&k);
	c->max_errors = saved;
	mf_chk_sort(c);
	return rc;
}
