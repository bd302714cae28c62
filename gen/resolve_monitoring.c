/* resolve: what `monitoring:` names (alert services, Prometheus, Grafana), checked once */
#include <string.h>
#include "resolve.h"

/* A service the monitoring section names must be one of the description's;
 * said once here, with did-you-mean, before any environment renders. */
static int known_service(mf_ctx *c, const mf_node *doc, const mf_node *name, const char *what)
{
	const mf_node *services = mf_get(doc, "services");
	mf_diag *d;

	if (!name || !mf_str(name) || mf_get(services, mf_str(name)))
		return 0;
	d = mf_diag_add(c, MF_SEV_ERROR, name->pos, "unknown-reference",
			"%s names unknown service '%s'", what, mf_str(name));
	mf_diag_suggest_key(c, d, mf_str(name), services);
	return -1;
}

/* expr or builtin, not both; builtin needs the service it is about; the
 * severity is a key of its own, not a label. */
static int alert_shape(mf_ctx *c, const mf_pair *a)
{
	const mf_node *expr = mf_get(a->val, "expr"), *bi = mf_get(a->val, "builtin");
	const mf_pair *sev = mf_get_pair(mf_get(a->val, "labels"), "severity");

	if (expr && bi)
		return mf_error(c, bi->pos, "alert-expr",
				"alert '%s' gives both 'expr' and 'builtin': say one", a->key);
	if (!expr && !bi)
		return mf_error(c, a->pos, "alert-expr",
				"alert '%s' needs an 'expr' (PromQL) or a 'builtin' such as 'down'",
				a->key);
	if (bi && !mf_get(a->val, "service"))
		return mf_error(c, bi->pos, "alert-expr",
				"alert '%s' is 'builtin: %s', which needs the 'service' it watches",
				a->key, mf_or(mf_str(bi), "?"));
	if (sev)
		return mf_error(c, sev->pos, "alert-expr",
				"alert '%s' sets label 'severity': use the alert's 'severity' key",
				a->key);
	return 0;
}

int mf_monitoring_check(mf_ctx *c, const mf_node *doc)
{
	const mf_node *mon = mf_get(doc, "monitoring"), *alerts = mf_get(mon, "alerts");
	int rc = 0;

	if (known_service(c, doc, mf_path(mon, "prometheus.service"), "'monitoring.prometheus'") < 0)
		rc = -1;
	if (known_service(c, doc, mf_path(mon, "grafana.service"), "'monitoring.grafana'") < 0)
		rc = -1;
	for (size_t k = 0; alerts && alerts->kind == MF_MAP && k < alerts->n; k++) {
		const mf_pair *a = &alerts->pairs[k];
		const char *what = mf_printf(c->a, "alert '%s'", a->key);
		if (!a->val || a->val->kind != MF_MAP)
			continue;
		if (alert_shape(c, a) < 0 ||
		    known_service(c, doc, mf_get(a->val, "service"), what) < 0)
			rc = -1;
	}
	return rc;
}

/* An instance of the service (instances are sorted by service): binary search. */
static const mf_instance *instance_of(const mf_env *e, const char *svc)
{
	size_t lo = 0, hi = e->ninst;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(e->inst[mid].service, svc);
		if (!cmp)
			return &e->inst[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool scraped(const mf_instance *in)
{
	for (size_t k = 0; k < in->nports; k++)
		if (mf_truthy(mf_get(in->ports[k].node, "metrics")))
			return true;
	return false;
}

/* builtin: down reads `up` of the service's scrape target: where no port of
 * it has `metrics`, nothing scrapes it and the rule can never fire.  Said
 * once, for the first environment (by name) where that is so. */
static void alerts_unscraped(mf_ctx *c, const mf_system *s)
{
	const mf_node *alerts = mf_path(s->doc, "monitoring.alerts");

	for (size_t k = 0; alerts && alerts->kind == MF_MAP && k < alerts->n; k++) {
		const mf_node *a = alerts->pairs[k].val, *bi = mf_get(a, "builtin");
		const char *svc = mf_get_str(a, "service");
		for (size_t e = 0; bi && svc && e < s->nenvs; e++) {
			const mf_instance *in = instance_of(&s->envs[e], svc);
			if (!in || scraped(in))
				continue;
			mf_warning(c, bi->pos, "alert-unscraped",
				   "alert '%s' is 'builtin: %s' of '%s', which has no port with "
				   "'metrics' in '%s': nothing scrapes it, so the rule never fires",
				   alerts->pairs[k].key, mf_or(mf_str(bi), "?"), svc, s->envs[e].name);
			break;
		}
	}
}

/* A volume of the Grafana service's own at (or inside) a path the
 * provisioning is mounted at would hide it or be hidden: an error at the
 * volume, not a silent double mount.  Said for the first environment that
 * runs it; a tenant's copy is refused (the ConfigMaps are in one namespace). */
static bool own_volume(const char *name)
{
	static const char *const own[] = {MF_GRAFANA_VOL_DS, MF_GRAFANA_VOL_PROV,
					  MF_GRAFANA_VOL_JSON};

	for (size_t k = 0; name && k < MF_NELEM(own); k++)
		if (!strcmp(name, own[k]))
			return true;
	return false;
}

static int grafana_mounts(mf_ctx *c, const mf_instance *in)
{
	static const char *const paths[] = {MF_GRAFANA_DATASOURCES, MF_GRAFANA_PROVIDERS,
					    MF_GRAFANA_DASHBOARDS};
	int rc = 0;

	if (in->tenant)
		return mf_error(c, in->pos, "grafana-mount",
				"'%s' is monitoring.grafana's service and is tenant-scoped: "
				"Grafana's provisioning is one per environment",
				in->service);
	for (size_t k = 0; k < in->nvols; k++) {
		if (own_volume(in->vols[k].name))
			rc = mf_error(
				c, in->vols[k].key_pos, "grafana-mount",
				"volume '%s' of '%s' has the name of a volume monitoring.grafana "
				"adds to its pod: rename it",
				in->vols[k].name, in->service);
		for (size_t p = 0; p < MF_NELEM(paths); p++) {
			size_t n = strlen(paths[p]);
			const char *m = in->vols[k].mount;
			if (!m || strncmp(m, paths[p], n) || (m[n] && m[n] != '/'))
				continue;
			const mf_node *at = mf_get(in->vols[k].node, "mount");
			rc = mf_error(
				c, at ? at->pos : in->vols[k].key_pos, "grafana-mount",
				"volume '%s' of '%s' is mounted at %s, where monitoring.grafana "
				"mounts its provisioning: drop one of them",
				in->vols[k].name, in->service, m);
		}
	}
	return rc;
}

/* Where Kubernetes runs no Grafana the ConfigMaps are still written, for a
 * sidecar (kube-prometheus-stack's) to collect: said once per environment. */
static int grafana_envs(mf_ctx *c, const mf_system *s, const mf_node *svc)
{
	bool checked = false;
	int rc = 0;

	for (size_t e = 0; e < s->nenvs; e++) {
		const mf_env *env = &s->envs[e];
		const mf_instance *in = instance_of(env, mf_str(svc));
		for (size_t k = 0; in && !checked && !rc && k < env->ninst; k++)
			if (mf_streq(env->inst[k].service, mf_str(svc)) &&
			    grafana_mounts(c, &env->inst[k]) < 0)
				rc = -1;
		checked = checked || in;
		if (!in && (env->targets & (MF_T_KUSTOMIZE | MF_T_HELM)))
			mf_diag_add(
				c, MF_SEV_INFO, svc->pos, "grafana-sidecar",
				"environment '%s' does not run '%s': its Grafana ConfigMaps are "
				"written for a sidecar to collect (labels grafana_datasource, "
				"grafana_dashboard)",
				env->name, mf_str(svc));
	}
	return rc;
}

int mf_monitoring_check_targets(mf_ctx *c, const mf_system *s)
{
	const mf_node *svc = mf_path(s->doc, "monitoring.grafana.service");

	alerts_unscraped(c, s);
	return svc && mf_str(svc) ? grafana_envs(c, s, svc) : 0;
}
