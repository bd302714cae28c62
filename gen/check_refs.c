/* check: references between objects: selectors that match nothing, names of objects that are not
 * there */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check_impl.h"

/* Every rule here relates objects through the indexes of check_lib.c
 * (mf_select, mf_select_meta, mf_find_object): a lookup per reference,
 * so the rules stay O(n log n) in the objects. */

enum { CANDIDATES = 256 }; /* objects a selector's matchLabels may match before we stop looking */

static void subject(mf_chk *k, const mf_object *o)
{
	k->obj = o;
	k->in = o ? o->inst : NULL;
}

/* ---- label selectors -------------------------------------------------------------- */

static bool in_values(const mf_node *values, const char *v)
{
	for (size_t i = 0; v && values && values->kind == MF_SEQ && i < values->n; i++)
		if (mf_str(values->items[i]) && !strcmp(mf_str(values->items[i]), v))
			return true;
	return false;
}

static bool op_in(const mf_node *values, const char *have)
{
	return in_values(values, have);
}

static bool op_not_in(const mf_node *values, const char *have)
{
	return !in_values(values, have);
}

static bool op_exists(const mf_node *values, const char *have)
{
	(void)values;
	return have != NULL;
}

static bool op_does_not_exist(const mf_node *values, const char *have)
{
	(void)values;
	return have == NULL;
}

static const struct {
	const char *name;
	bool (*holds)(const mf_node *values, const char *have);
} operators[] = {
	{"In", op_in},
	{"NotIn", op_not_in},
	{"Exists", op_exists},
	{"DoesNotExist", op_does_not_exist},
};

/* matchExpressions; an unknown operator matches nothing */
static bool expressions_hold(const mf_node *exprs, const mf_node *labels)
{
	for (size_t i = 0; exprs && exprs->kind == MF_SEQ && i < exprs->n; i++) {
		const mf_node *e = exprs->items[i];
		const char *key = mf_get_str(e, "key"), *op = mf_or(mf_get_str(e, "operator"), "");
		const char *have = key ? mf_str(mf_get(labels, key)) : NULL;
		size_t o = 0;
		while (o < MF_NELEM(operators) && strcmp(operators[o].name, op))
			o++;
		if (o == MF_NELEM(operators) || !operators[o].holds(mf_get(e, "values"), have))
			return false;
	}
	return true;
}

static bool map_holds(const mf_node *sel, const mf_node *labels)
{
	for (size_t i = 0; sel && sel->kind == MF_MAP && i < sel->n; i++) {
		const char *want = mf_str(sel->pairs[i].val),
			   *have = mf_str(mf_get(labels, sel->pairs[i].key));
		if (!want || !have || strcmp(want, have))
			return false;
	}
	return true;
}

/* A LabelSelector ({matchLabels, matchExpressions}) against a label map. */
static bool selector_holds(const mf_node *sel, const mf_node *labels)
{
	return map_holds(mf_get(sel, "matchLabels"), labels) &&
	       expressions_hold(mf_get(sel, "matchExpressions"), labels);
}

static bool empty_selector(const mf_node *sel)
{
	const mf_node *ml = mf_get(sel, "matchLabels"), *me = mf_get(sel, "matchExpressions");

	return (!ml || ml->kind != MF_MAP || !ml->n) && (!me || me->kind != MF_SEQ || !me->n);
}

typedef enum { SEL_NONE, SEL_SOME, SEL_UNKNOWN } sel_result;

/* Whether a LabelSelector matches some workload's pods in near's namespace
 * (kind NULL) or some object of `kind` in namespace ns by its labels.
 * Candidates come from the index by matchLabels; a selector of
 * expressions only cannot be looked up and is SEL_UNKNOWN. */
static sel_result selects(mf_chk *k, const mf_object *near, const char *kind, const char *ns,
			  const mf_node *sel)
{
	const mf_object *ws[CANDIDATES];
	const mf_node *ml = mf_get(sel, "matchLabels"), *me = mf_get(sel, "matchExpressions");
	size_t n, max;

	if (!ml || ml->kind != MF_MAP || !ml->n)
		return SEL_UNKNOWN;
	/* without expressions the first match answers */
	max = me && me->kind == MF_SEQ && me->n ? CANDIDATES : 1;
	n = kind ? mf_select_meta(k, kind, ns, ml, ws, max) : mf_select(k, near, ml, ws, max);
	if (max == 1)
		return n ? SEL_SOME : SEL_NONE;
	for (size_t i = 0; i < n; i++) {
		mf_pod p;
		const mf_node *labels = kind ? mf_path(ws[i]->doc, "metadata.labels")
					: mf_pod_of(ws[i], &p) ? mf_get(p.meta, "labels")
							       : NULL;
		if (expressions_hold(me, labels))
			return SEL_SOME;
	}
	return n == CANDIDATES ? SEL_UNKNOWN : SEL_NONE;
}

/* "app=web, tier=db" for messages */
/* "k=v, k2=v2" in one pass over the labels (reprinting the text per label
 * would grow with the square of their number). */
static const char *selector_text(mf_chk *k, const mf_node *sel)
{
	const mf_node *ml = mf_get(sel, "matchLabels");
	size_t len = 1, at = 0;
	char *out;

	if (!ml && sel && sel->kind == MF_MAP && !mf_get(sel, "matchExpressions"))
		ml = sel;
	if (!ml || ml->kind != MF_MAP || !ml->n)
		return "expressions";
	for (size_t i = 0; i < ml->n; i++)
		len += strlen(ml->pairs[i].key) + strlen(mf_or(mf_str(ml->pairs[i].val), "")) + 3;
	if (!(out = mf_alloc(k->c->a, len)))
		return "expressions"; /* out of memory (the budget) */
	for (size_t i = 0; i < ml->n; i++)
		at += (size_t)snprintf(out + at, len - at, "%s%s=%s", i ? ", " : "",
				       ml->pairs[i].key, mf_or(mf_str(ml->pairs[i].val), ""));
	return out;
}

/* ---- workloads select their own pods ---------------------------------------------------- */

/* spec.selector against spec.template.metadata.labels: apps/v1 requires the
 * selector; ReplicationControllers and Jobs default it from the labels. */
static void selector_one(mf_chk *k, const mf_object *o)
{
	static const char *const required[] = {"Deployment", "StatefulSet", "DaemonSet",
					       "ReplicaSet"};
	const mf_node *sel = mf_path(o->doc, "spec.selector"),
		      *labels = mf_path(o->doc, "spec.template.metadata.labels");
	bool rc = mf_kind_is(o, "ReplicationController") || mf_kind_is(o, "DeploymentConfig");

	if (!o->kind || (!MF_IN_LIST(o->kind, required) && !rc && !mf_kind_is(o, "Job")))
		return;
	subject(k, o);
	if (!sel && MF_IN_LIST(o->kind, required) && o->api_version &&
	    !strcmp(o->api_version, "apps/v1"))
		mf_finding(k, MF_RULE_SELECTOR_MISMATCH, mf_chk_at(k, mf_get(o->doc, "spec")),
			   "spec.selector", "%s '%s' has no selector (apps/v1 requires one)",
			   o->kind, o->name);
	else if (sel && !(rc ? map_holds(sel, labels) : selector_holds(sel, labels)))
		mf_finding(k, MF_RULE_SELECTOR_MISMATCH, mf_chk_at(k, sel), "spec.selector",
			   "the selector of %s '%s' (%s) does not match its pod template's labels",
			   o->kind, o->name, selector_text(k, sel));
}

static void selector_mismatch(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++)
		selector_one(k, &k->objs->v[i]);
	subject(k, NULL);
}

/* ---- selectors that match nothing ----------------------------------------------------- */

/* spec.selector of Services other than ExternalName; none means endpoints by hand */
static void service_selects_nothing(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i], *ws[1];
		if (!mf_kind_is(o, "Service"))
			continue;
		const mf_node *sel = mf_path(o->doc, "spec.selector");
		const char *type = mf_str(mf_path(o->doc, "spec.type"));
		if (!sel || sel->kind != MF_MAP || !sel->n ||
		    (type && !strcmp(type, "ExternalName")) || mf_select(k, o, sel, ws, 1))
			continue;
		subject(k, o);
		mf_finding(k, MF_RULE_SERVICE_SELECTS_NOTHING, mf_chk_at(k, sel), "spec.selector",
			   "Service '%s' selects no pod (%s)", o->name, selector_text(k, sel));
	}
	subject(k, NULL);
}

/* spec.selector; policy/v1 selects nothing without one, every pod with {} */
static void pdb_selects_nothing(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		if (!mf_kind_is(o, "PodDisruptionBudget"))
			continue;
		const mf_node *sel = mf_path(o->doc, "spec.selector");
		subject(k, o);
		if (!sel || sel->kind == MF_NULL)
			mf_finding(k, MF_RULE_PDB_SELECTS_NOTHING,
				   mf_chk_at(k, mf_get(o->doc, "spec")), "spec.selector",
				   "disruption budget '%s' has no selector, so it selects no pod",
				   o->name);
		else if (!empty_selector(sel) && selects(k, o, NULL, o->ns, sel) == SEL_NONE)
			mf_finding(k, MF_RULE_PDB_SELECTS_NOTHING, mf_chk_at(k, sel),
				   "spec.selector", "disruption budget '%s' selects no pod (%s)",
				   o->name, selector_text(k, sel));
	}
	subject(k, NULL);
}

/* peers of spec.ingress[].from and spec.egress[].to with a podSelector and
 * no namespaceSelector (which reaches into other namespaces) */
static void peers_select(mf_chk *k, const mf_object *o, const char *dir, const char *side)
{
	const mf_node *rules = mf_path(o->doc, mf_printf(k->c->a, "spec.%s", dir));

	for (size_t r = 0; rules && rules->kind == MF_SEQ && r < rules->n; r++) {
		const mf_node *peers = mf_get(rules->items[r], side);
		for (size_t p = 0; peers && peers->kind == MF_SEQ && p < peers->n; p++) {
			const mf_node *sel = mf_get(peers->items[p], "podSelector");
			if (!sel || mf_get(peers->items[p], "namespaceSelector") ||
			    empty_selector(sel) || selects(k, o, NULL, o->ns, sel) != SEL_NONE)
				continue;
			mf_finding(k, MF_RULE_NETWORKPOLICY_SELECTS_NOTHING, mf_chk_at(k, sel),
				   mf_printf(k->c->a, "spec.%s[%zu].%s[%zu].podSelector", dir, r,
					     side, p),
				   "network policy '%s' %s pods that do not exist (%s)", o->name,
				   !strcmp(dir, "ingress") ? "admits traffic from"
							   : "allows traffic to",
				   selector_text(k, sel));
		}
	}
}

static void networkpolicy_selects_nothing(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		if (!mf_kind_is(o, "NetworkPolicy"))
			continue;
		const mf_node *sel = mf_path(o->doc, "spec.podSelector");
		subject(k, o);
		if (sel && !empty_selector(sel) && selects(k, o, NULL, o->ns, sel) == SEL_NONE)
			mf_finding(k, MF_RULE_NETWORKPOLICY_SELECTS_NOTHING, mf_chk_at(k, sel),
				   "spec.podSelector", "network policy '%s' selects no pod (%s)",
				   o->name, selector_text(k, sel));
		peers_select(k, o, "ingress", "from");
		peers_select(k, o, "egress", "to");
	}
	subject(k, NULL);
}

/* spec.selector over the Services of the namespaces it watches:
 * namespaceSelector.matchNames, or its own; `any: true` is not looked up */
static void monitor_one(mf_chk *k, const mf_object *o)
{
	const mf_node *sel = mf_path(o->doc, "spec.selector"),
		      *nss = mf_path(o->doc, "spec.namespaceSelector");
	const mf_node *names = mf_get(nss, "matchNames");
	bool some = false;

	if (!sel || empty_selector(sel) || mf_is_true(mf_get(nss, "any")))
		return;
	if (names && names->kind == MF_SEQ && names->n) {
		for (size_t i = 0; i < names->n && !some; i++) {
			sel_result r = selects(k, o, "Service", mf_str(names->items[i]), sel);
			if (r == SEL_UNKNOWN)
				return;
			some = r == SEL_SOME;
		}
	} else {
		sel_result r = selects(k, o, "Service", o->ns, sel);
		if (r == SEL_UNKNOWN)
			return;
		some = r == SEL_SOME;
	}
	if (some)
		return;
	subject(k, o);
	mf_finding(k, MF_RULE_SERVICEMONITOR_SELECTS_NOTHING, mf_chk_at(k, sel), "spec.selector",
		   "ServiceMonitor '%s' selects no Service (%s)", o->name, selector_text(k, sel));
}

static void servicemonitor_selects_nothing(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++)
		if (mf_kind_is(&k->objs->v[i], "ServiceMonitor"))
			monitor_one(k, &k->objs->v[i]);
	subject(k, NULL);
}

/* ---- workloads no policy selects ----------------------------------------------------- */

typedef struct ns_ent {
	const char *ns;
} ns_ent;

static int cmp_ns(const void *x, const void *y)
{
	const ns_ent *a = x, *b = y;

	return strcmp(a->ns ? a->ns : "", b->ns ? b->ns : "");
}

/* A policy isolates its pods' ingress unless its policyTypes leave Ingress
 * out (no policyTypes means Ingress, and Egress when it has egress rules). */
static bool isolates_ingress(const mf_object *o)
{
	const mf_node *types = mf_path(o->doc, "spec.policyTypes");

	if (!types || types->kind != MF_SEQ)
		return true;
	for (size_t i = 0; i < types->n; i++)
		if (mf_str(types->items[i]) && !strcmp(mf_str(types->items[i]), "Ingress"))
			return true;
	return false;
}

typedef struct sel_ent {
	const char *key; /* namespace and selector as text: equal selectors are looked up once */
	const mf_object *policy;
} sel_ent;

static int cmp_sel(const void *x, const void *y)
{
	return strcmp(((const sel_ent *)x)->key, ((const sel_ent *)y)->key);
}

/* Namespace and matchLabels as text; a selector with expressions is its
 * own (expressions are not compared). */
static const char *selector_key(mf_chk *k, const mf_object *o, const mf_node *sel)
{
	const mf_node *me = mf_get(sel, "matchExpressions");

	if (me && me->kind == MF_SEQ && me->n)
		return mf_printf(k->c->a, "%s\n%s\n#%zu", mf_or(o->ns, ""), selector_text(k, sel),
				 (size_t)(o - k->objs->v));
	return mf_printf(k->c->a, "%s\n%s", mf_or(o->ns, ""), selector_text(k, sel));
}

/* Marks every workload one policy selects. */
static void mark_selected(mf_chk *k, const mf_object *o, bool *marks, const mf_object **ws)
{
	const mf_node *sel = mf_path(o->doc, "spec.podSelector");
	const mf_node *ml = mf_get(sel, "matchLabels");
	size_t n = ml ? mf_select(k, o, ml, ws, k->objs->n) : 0;

	for (size_t j = 0; j < n; j++) {
		mf_pod p;
		if (mf_pod_of(ws[j], &p) &&
		    expressions_hold(mf_get(sel, "matchExpressions"), mf_get(p.meta, "labels")))
			marks[ws[j] - k->objs->v] = true;
	}
}

/* Marks every workload a policy selects: one index lookup per distinct
 * selector, and namespaces whose policy selects every pod ({}) in a
 * sorted list. */
static bool *isolated(mf_chk *k, ns_ent *all, size_t *nall)
{
	size_t n = k->objs->n, nsel = 0;
	bool *marks = mf_alloc(k->c->a, (n + 1) * sizeof *marks);
	const mf_object **ws = mf_alloc(k->c->a, (n + 1) * sizeof *ws);
	sel_ent *sels = mf_alloc(k->c->a, (n + 1) * sizeof *sels);

	for (size_t i = 0; marks && ws && sels && i < n; i++) {
		const mf_object *o = &k->objs->v[i];
		const mf_node *sel = mf_path(o->doc, "spec.podSelector");
		if (!mf_kind_is(o, "NetworkPolicy") || !sel || !isolates_ingress(o))
			continue;
		if (empty_selector(sel))
			all[(*nall)++] = (ns_ent){o->ns};
		else
			sels[nsel++] = (sel_ent){selector_key(k, o, sel), o};
	}
	if (!marks || !ws || !sels)
		return NULL;
	mf_qsort(sels, nsel, sizeof *sels, cmp_sel);
	for (size_t i = 0; i < nsel; i++)
		if (!i || strcmp(sels[i].key, sels[i - 1].key))
			mark_selected(k, sels[i].policy, marks, ws);
	mf_qsort(all, *nall, sizeof *all, cmp_ns);
	return marks;
}

static void networkpolicy_missing(mf_chk *k)
{
	ns_ent *all = k->objs ? mf_alloc(k->c->a, (k->objs->n + 1) * sizeof *all) : NULL;
	size_t nall = 0;
	bool *marks = all ? isolated(k, all, &nall) : NULL;

	for (size_t i = 0; marks && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		ns_ent key = {o->ns};
		mf_pod p;
		if (!mf_pod_of(o, &p) || p.compose || marks[i] ||
		    bsearch(&key, all, nall, sizeof *all, cmp_ns))
			continue;
		subject(k, o);
		mf_finding(k, MF_RULE_NETWORKPOLICY_MISSING,
			   mf_chk_at(k, mf_get(o->doc, "metadata")), "metadata",
			   "no network policy controls traffic to the pods of %s '%s'", o->kind,
			   o->name);
	}
	subject(k, NULL);
}

/* ---- names of objects -------------------------------------------------------------- */

/* spec.scaleTargetRef.{kind,name} */
static void hpa_target_missing(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		if (!mf_kind_is(o, "HorizontalPodAutoscaler"))
			continue;
		const mf_node *ref = mf_path(o->doc, "spec.scaleTargetRef");
		const char *kind = mf_get_str(ref, "kind"), *name = mf_get_str(ref, "name");
		if (!kind || !name || mf_find_object(k, kind, name, o))
			continue;
		subject(k, o);
		mf_finding(k, MF_RULE_HPA_TARGET_MISSING, mf_chk_at(k, mf_get(ref, "name")),
			   "spec.scaleTargetRef.name",
			   "autoscaler '%s' scales %s '%s', which does not exist", o->name, kind,
			   name);
	}
	subject(k, NULL);
}

/* spec.serviceName of StatefulSets: a headless Service among the objects */
static void statefulset_service_missing(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i], *svc;
		if (!mf_kind_is(o, "StatefulSet"))
			continue;
		const mf_node *name = mf_path(o->doc, "spec.serviceName");
		const char *ip;
		if (!mf_str(name) || !*mf_str(name))
			continue;
		subject(k, o);
		svc = mf_find_object(k, "Service", mf_str(name), o);
		ip = svc ? mf_str(mf_path(svc->doc, "spec.clusterIP")) : NULL;
		if (!svc)
			mf_finding(k, MF_RULE_STATEFULSET_SERVICE_MISSING, mf_chk_at(k, name),
				   "spec.serviceName",
				   "StatefulSet '%s' names Service '%s', which does not exist",
				   o->name, mf_str(name));
		else if (!ip || strcmp(ip, "None"))
			mf_finding(k, MF_RULE_STATEFULSET_SERVICE_MISSING, mf_chk_at(k, name),
				   "spec.serviceName",
				   "StatefulSet '%s' names Service '%s', which is not headless "
				   "(clusterIP: None)",
				   o->name, mf_str(name));
		else if (!map_holds(mf_path(svc->doc, "spec.selector"),
				    mf_path(o->doc, "spec.template.metadata.labels")))
			mf_finding(
				k, MF_RULE_STATEFULSET_SERVICE_MISSING, mf_chk_at(k, name),
				"spec.serviceName",
				"StatefulSet '%s' names Service '%s', which does not select its pods",
				o->name, mf_str(name));
	}
	subject(k, NULL);
}

/* Deployments and StatefulSets an autoscaler scales, with spec.replicas */
static void hpa_replicas_conflict(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		if (!mf_kind_is(o, "Deployment") && !mf_kind_is(o, "StatefulSet"))
			continue;
		const mf_node *rep = mf_path(o->doc, "spec.replicas");
		if (!rep || !mf_hpa_of(k, o))
			continue;
		subject(k, o);
		mf_finding(k, MF_RULE_HPA_REPLICAS_CONFLICT, mf_chk_at(k, rep), "spec.replicas",
			   "%s '%s' sets replicas, which its autoscaler also sets", o->kind,
			   o->name);
	}
	subject(k, NULL);
}

/* spec.serviceAccountName (or the deprecated spec.serviceAccount) */
static void service_account_missing(mf_chk *k)
{
	const mf_node *sa = mf_get(k->pod->spec, "serviceAccountName");
	const char *name;

	if (!sa)
		sa = mf_get(k->pod->spec, "serviceAccount");
	name = mf_str(sa);
	if (k->pod->compose || !name || !*name || !strcmp(name, "default") ||
	    mf_find_object(k, "ServiceAccount", name, k->pod->obj))
		return;
	mf_finding(k, MF_RULE_SERVICE_ACCOUNT_MISSING, mf_chk_at(k, sa),
		   mf_printf(k->c->a, "%s.serviceAccountName", k->pod->base),
		   "'%s' runs as service account '%s', which does not exist", mf_chk_name(k), name);
}

/* Whether a ConfigMap or Secret holds the key (data, binaryData, stringData). */
static bool has_key(const mf_object *o, const char *key)
{
	static const char *const maps[] = {"data", "binaryData", "stringData"};

	for (size_t i = 0; i < MF_NELEM(maps); i++)
		if (mf_get_pair(mf_get(o->doc, maps[i]), key))
			return true;
	return false;
}

static void env_ref(mf_chk *k, const mf_ctr *ct, size_t j, const char *ref, const char *kind)
{
	const mf_node *env = mf_get(ct->node, "env");
	const mf_node *r = mf_path(env->items[j], mf_printf(k->c->a, "valueFrom.%s", ref));
	const char *name = mf_get_str(r, "name"), *key = mf_get_str(r, "key");
	const mf_object *o = name ? mf_find_object(k, kind, name, k->pod->obj) : NULL;

	if (!o || !key || mf_is_true(mf_get(r, "optional")) || has_key(o, key))
		return;
	mf_finding(k, MF_RULE_ENV_REF_MISSING, mf_chk_at(k, mf_get(r, "key")),
		   mf_printf(k->c->a, "%s.env[%zu].valueFrom.%s.key", ct->path, j, ref),
		   "%s reads key '%s' of %s '%s' into '%s', but '%s' has no such key",
		   mf_chk_who(k, ct), key, kind, name,
		   mf_or(mf_get_str(env->items[j], "name"), "?"), name);
}

/* containers[].env[].valueFrom.{configMapKeyRef,secretKeyRef} */
static void env_ref_missing(mf_chk *k)
{
	size_t n;
	mf_ctr *cs = k->pod->compose ? NULL : mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; cs && i < n; i++) {
		const mf_node *env = mf_get(cs[i].node, "env");
		for (size_t j = 0; env && env->kind == MF_SEQ && j < env->n; j++) {
			env_ref(k, &cs[i], j, "configMapKeyRef", "ConfigMap");
			env_ref(k, &cs[i], j, "secretKeyRef", "Secret");
		}
	}
}

const mf_rule_impl mf_ref_rules[] = {
	{MF_RULE_SELECTOR_MISMATCH, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, selector_mismatch},
	{MF_RULE_SERVICE_SELECTS_NOTHING, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT,
	 service_selects_nothing},
	{MF_RULE_STATEFULSET_SERVICE_MISSING, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT,
	 statefulset_service_missing},
	{MF_RULE_HPA_REPLICAS_CONFLICT, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT,
	 hpa_replicas_conflict},
	{MF_RULE_NETWORKPOLICY_MISSING, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT,
	 networkpolicy_missing},
	{MF_RULE_HPA_TARGET_MISSING, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, hpa_target_missing},
	{MF_RULE_PDB_SELECTS_NOTHING, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT,
	 pdb_selects_nothing},
	{MF_RULE_NETWORKPOLICY_SELECTS_NOTHING, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT,
	 networkpolicy_selects_nothing},
	{MF_RULE_SERVICEMONITOR_SELECTS_NOTHING, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT,
	 servicemonitor_selects_nothing},
	{MF_RULE_SERVICE_ACCOUNT_MISSING, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT,
	 service_account_missing},
	{MF_RULE_ENV_REF_MISSING, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, env_ref_missing},
};
const size_t mf_ref_nrules = MF_NELEM(mf_ref_rules);
