/* render: monitoring.alerts as PrometheusRules (one per namespace) and as a Compose rules file */
#include <string.h>
#include "render.h"

/* One rule file/object's worth of rules: a namespace in Kubernetes, the
 * whole project in Compose. */
typedef struct nsrules {
	const char *ns, *tenant;
	mf_node *rules;
	mf_pos pos;
} nsrules;

static const mf_node *alerts_of(const mf_system *s)
{
	const mf_node *a = mf_path(s->doc, "monitoring.alerts");

	return a && a->kind == MF_MAP ? a : NULL;
}

/* An alert with `environments:` is only in those; the base view (Kustomize
 * base) has only the alerts every environment has. */
static bool alert_in_env(const mf_node *alert, const mf_env *e)
{
	const mf_node *envs = mf_get(alert, "environments");

	if (!envs || envs->kind != MF_SEQ)
		return true;
	for (size_t k = 0; !e->is_base && k < envs->n; k++)
		if (mf_streq(mf_str(envs->items[k]), e->name))
			return true;
	return false;
}

/* `for` as Prometheus reads it: a duration string; whole seconds say "Ns". */
static mf_node *for_of(mf_tb *tb, const mf_node *v)
{
	if (!v)
		return NULL;
	if (v->kind == MF_INT)
		return mf_tb_str(tb, mf_tb_printf(tb, "%ss", mf_str(v)), v->pos);
	return mf_tb_copy(tb, v);
}

static void put_strings(mf_tb *tb, mf_node *m, const char *key, const mf_node *src)
{
	mf_node *out;

	if (!src || src->kind != MF_MAP || !src->n || !(out = mf_tb_child(tb, m, key, src->pos)))
		return;
	for (size_t k = 0; k < src->n; k++)
		mf_tb_put_str(tb, out, src->pairs[k].key, mf_or(mf_str(src->pairs[k].val), ""),
			      src->pairs[k].val->pos);
}

/* builtin: down: the target Prometheus scrapes for the instance answers
 * no more.  The prometheus-operator names the job after the Service (and
 * adds its namespace); a Compose scrape job is named after the service. */
static const char *down_expr(mf_tb *tb, const mf_instance *in, bool k8s)
{
	if (k8s)
		return mf_tb_printf(tb, "up{job=\"%s\", namespace=\"%s\"} == 0", in->name, in->ns);
	return mf_tb_printf(tb, "up{job=\"%s\"} == 0", in->compose_name);
}

/* {alert, expr, for, labels: {severity, ...}, annotations} */
static mf_node *rule_of(mf_tb *tb, const mf_pair *a, const mf_instance *in, bool k8s)
{
	const mf_node *v = a->val, *expr = mf_get(v, "expr"), *sev = mf_get(v, "severity");
	mf_node *m = mf_tb_map(tb, v->pos), *labels;

	mf_tb_put_str(tb, m, "alert", a->key, a->pos);
	if (expr)
		mf_tb_put(tb, m, "expr", mf_tb_copy(tb, expr));
	else if (in)
		mf_tb_put_str(tb, m, "expr", down_expr(tb, in, k8s), mf_get(v, "builtin")->pos);
	mf_tb_put(tb, m, "for", for_of(tb, mf_get(v, "for")));
	if ((labels = mf_tb_child(tb, m, "labels", v->pos)) && sev)
		mf_tb_put(tb, labels, "severity", mf_tb_copy(tb, sev));
	for (size_t k = 0; mf_get(v, "labels") && k < mf_get(v, "labels")->n; k++) {
		const mf_pair *p = &mf_get(v, "labels")->pairs[k];
		mf_tb_put_str(tb, labels, p->key, mf_or(mf_str(p->val), ""), p->val->pos);
	}
	put_strings(tb, m, "annotations", mf_get(v, "annotations"));
	return m;
}

/* Where alerts go: each namespace's rules, in order of first use. */
typedef struct ra {
	mf_tb *tb;
	const mf_env *e;
	mf_hash by_ns; /* ns -> nsrules */
	mf_hash first; /* service -> its first instance in e->inst (sorted by service) */
	nsrules **v;
	size_t n, cap;
} ra;

static void add_rule(ra *x, const char *ns, const char *tenant, mf_node *rule, mf_pos pos)
{
	nsrules *b = mf_hash_get_str(&x->by_ns, ns), **grown;

	if (!b) {
		if (!(b = mf_tb_alloc(x->tb, sizeof *b)) ||
		    !(grown = mf_tb_grow(x->tb, x->v, x->n, &x->cap, sizeof *grown)))
			return;
		*b = (nsrules){ns, tenant, mf_tb_seq(x->tb, pos), pos};
		x->v = grown;
		x->v[x->n++] = b;
		mf_tb_hash_put(x->tb, &x->by_ns, ns, b);
	}
	mf_tb_push(x->tb, b->rules, rule);
}

static void index_instances(ra *x)
{
	for (size_t k = 0; k < x->e->ninst; k++) /* a put keeps what a key has */
		if (!mf_hash_get_str(&x->first, x->e->inst[k].service))
			mf_tb_hash_put(x->tb, &x->first, x->e->inst[k].service, &x->e->inst[k]);
}

/* An alert about a service: one rule per instance, in its namespace; none
 * where the environment does not run the service. */
static void service_alert(ra *x, const mf_pair *a, const char *svc, bool k8s)
{
	const mf_instance *in = mf_hash_get_str(&x->first, svc);
	const mf_instance *end = x->e->inst + x->e->ninst;

	for (; in && in < end && mf_streq(in->service, svc); in++)
		add_rule(x, k8s ? in->ns : "", mf_inst_part(in),
			 rule_of(x->tb, a, in, k8s), a->pos);
}

static void collect(ra *x, const mf_system *s, bool k8s)
{
	const mf_node *alerts = alerts_of(s);

	index_instances(x);
	for (size_t k = 0; alerts && k < alerts->n; k++) {
		const mf_pair *a = &alerts->pairs[k];
		const char *svc = mf_get_str(a->val, "service");
		if (!a->val || a->val->kind != MF_MAP || !alert_in_env(a->val, x->e))
			continue;
		if (svc)
			service_alert(x, a, svc, k8s);
		else
			add_rule(x, k8s ? x->e->ns : "", NULL, rule_of(x->tb, a, NULL, k8s), a->pos);
	}
}

/* groups: [{name: SYSTEM, rules}], the layout of a rules file and of a
 * PrometheusRule's spec alike */
static mf_node *groups_of(mf_tb *tb, const mf_system *s, const nsrules *b)
{
	mf_node *groups = mf_tb_seq(tb, b->pos), *g = mf_tb_map(tb, b->pos);

	mf_tb_put_str(tb, g, "name", s->name, b->pos);
	mf_tb_put(tb, g, "rules", b->rules);
	mf_tb_push(tb, groups, g);
	return groups;
}

/* part-of and managed-by as on every object of no one service, the
 * system's and environment's labels, then `extra` (monitoring.ruleLabels:
 * what the Prometheus's ruleSelector matches, e.g. kube-prometheus-stack's
 * release; grafana_dashboard for a sidecar) */
static mf_node *own_labels(mf_tb *tb, const mf_system *s, const mf_env *e, const mf_node *extra,
			   mf_pos pos)
{
	const mf_node *sys = mf_path(s->doc, "system.labels");
	const mf_node *sets[] = {sys, mf_get(e->node, "labels"), extra};
	mf_node *m = mf_tb_map(tb, pos);

	mf_tb_put_str(tb, m, "app.kubernetes.io/part-of",
		      mf_or(mf_get_str(sys, "app.kubernetes.io/part-of"), s->name), pos);
	mf_tb_put_str(tb, m, "app.kubernetes.io/managed-by", "manifold", pos);
	for (size_t i = 0; i < MF_NELEM(sets); i++)
		for (size_t k = 0; sets[i] && sets[i]->kind == MF_MAP && k < sets[i]->n; k++)
			if (!mf_own_label(sets[i]->pairs[k].key))
				mf_tb_put_str(tb, m, sets[i]->pairs[k].key,
					      mf_or(mf_str(sets[i]->pairs[k].val), ""),
					      sets[i]->pairs[k].val->pos);
	return m;
}

mf_node *mf_monitoring_object(mf_tb *tb, const mf_system *s, const mf_env *e, const char *api,
			      const char *kind, const char *name, const char *ns,
			      const mf_node *labels, mf_pos pos)
{
	const mf_node *ann[] = {mf_path(s->doc, "system.annotations"), mf_get(e->node, "annotations")};
	mf_node *doc = mf_tb_map(tb, pos), *meta, *an = NULL;

	mf_tb_put_str(tb, doc, "apiVersion", api, pos);
	mf_tb_put_str(tb, doc, "kind", kind, pos);
	meta = mf_tb_child(tb, doc, "metadata", pos);
	mf_tb_put_str(tb, meta, "name", name, pos);
	mf_tb_put_str(tb, meta, "namespace", ns, pos);
	mf_tb_put(tb, meta, "labels", own_labels(tb, s, e, labels, pos));
	for (size_t i = 0; i < MF_NELEM(ann); i++)
		for (size_t k = 0; ann[i] && ann[i]->kind == MF_MAP && k < ann[i]->n; k++)
			if (an || (an = mf_tb_child(tb, meta, "annotations", pos)))
				mf_tb_put_str(tb, an, ann[i]->pairs[k].key,
					      mf_or(mf_str(ann[i]->pairs[k].val), ""),
					      ann[i]->pairs[k].val->pos);
	return doc;
}

static mf_node *prometheus_rule(mf_tb *tb, const mf_system *s, const mf_env *e, const nsrules *b)
{
	mf_node *doc = mf_monitoring_object(tb, s, e, "monitoring.coreos.com/v1", "PrometheusRule",
					    mf_tb_printf(tb, "%s-alerts", s->name), b->ns,
					    mf_path(s->doc, "monitoring.ruleLabels"), b->pos);

	mf_tb_put(tb, mf_tb_child(tb, doc, "spec", b->pos), "groups", groups_of(tb, s, b));
	return doc;
}

int mf_render_alerts(mf_ctx *c, mf_tb *tb, const mf_system *s, const mf_env *e, mf_objects *out)
{
	ra x = {.tb = tb, .e = e};

	collect(&x, s, true);
	for (size_t k = 0; k < x.n; k++) {
		mf_object o = {.api_version = "monitoring.coreos.com/v1", .kind = "PrometheusRule",
			       .ns = x.v[k]->ns, .tenant = x.v[k]->tenant, .group = "alerts",
			       .pos = x.v[k]->pos};
		if (!(o.doc = mf_tb_check(tb, prometheus_rule(tb, s, e, x.v[k]))))
			return -1;
		o.name = mf_str(mf_path(o.doc, "metadata.name"));
		if (mf_objects_add(c, out, &o) < 0)
			return -1;
	}
	return 0;
}

/* The Compose Prometheus's bind mount of the rules file (read-only). */
static void mount_rules(mf_tb *tb, mf_node *svc, const char *file, const mf_node *target)
{
	mf_node *vols = mf_get(svc, "volumes"), *m = mf_tb_map(tb, target->pos);

	if (!vols && !(vols = mf_tb_child_seq(tb, svc, "volumes", target->pos)))
		return;
	mf_tb_put_str(tb, m, "type", "bind", target->pos);
	mf_tb_put_str(tb, m, "source", mf_tb_printf(tb, "./%s", file), target->pos);
	mf_tb_put(tb, m, "target", mf_tb_copy(tb, target));
	mf_tb_put_bool(tb, m, "read_only", true, target->pos);
	mf_tb_push(tb, vols, m);
}

void mf_compose_alerts(mf_tb *tb, const mf_system *s, const mf_env *e, mf_node *services,
		       mf_node *files)
{
	const mf_node *prom = mf_path(s->doc, "monitoring.prometheus");
	mf_node *doc, *svc = mf_get(services, mf_get_str(prom, "service"));
	ra x = {.tb = tb, .e = e};

	collect(&x, s, false);
	if (!x.n || !files || !(doc = mf_tb_map(tb, x.v[0]->pos)))
		return;
	mf_tb_put(tb, doc, "groups", groups_of(tb, s, x.v[0]));
	mf_tb_put(tb, files, MF_ALERTS_FILE, doc);
	if (svc && mf_get(prom, "rules"))
		mount_rules(tb, svc, MF_ALERTS_FILE, mf_get(prom, "rules"));
}
