/* check: rules across rendered objects (Services, ingresses, budgets, autoscalers, start-up) */
#include <stdlib.h>
#include <string.h>
#include "check_impl.h"

/* ---- objects ---------------------------------------------------------------------- */

/* Whether a container of the workloads has a port of that name and
 * protocol (how Kubernetes resolves a named targetPort); *udp is set when
 * the name exists for another protocol only. */
static bool any_names(const mf_object *const *ws, size_t n, const char *name, const char *proto,
		      bool *other)
{
	*other = false;
	for (size_t i = 0; i < n; i++) {
		mf_pod p;
		const mf_node *cs = mf_pod_of(ws[i], &p) ? mf_get(p.spec, "containers") : NULL;
		for (size_t j = 0; cs && cs->kind == MF_SEQ && j < cs->n; j++) {
			const mf_node *ports = mf_get(cs->items[j], "ports");
			for (size_t q = 0; ports && ports->kind == MF_SEQ && q < ports->n; q++) {
				const char *pn = mf_get_str(ports->items[q], "name"),
					   *pp = mf_or(mf_get_str(ports->items[q], "protocol"),
						       "TCP");
				if (!pn || strcmp(pn, name))
					continue;
				if (!strcmp(pp, proto))
					return true;
				*other = true;
			}
		}
	}
	return false;
}

/* A numeric targetPort needs no declaration: Kubernetes sends traffic to
 * it whether a container lists it or not.  A name must resolve. */
static void service_ports(mf_chk *k, const mf_object *o)
{
	const mf_object *ws[64];
	size_t nw = mf_select(k, o, mf_path(o->doc, "spec.selector"), ws, 64);
	const mf_node *ports = mf_path(o->doc, "spec.ports");

	for (size_t i = 0; nw && ports && ports->kind == MF_SEQ && i < ports->n; i++) {
		const mf_node *t = mf_get(ports->items[i], "targetPort");
		const char *proto = mf_or(mf_get_str(ports->items[i], "protocol"), "TCP");
		bool other;
		if (!t || t->kind != MF_STR || any_names(ws, nw, t->str, proto, &other))
			continue;
		k->obj = o;
		k->in = o->inst;
		if (other)
			mf_finding(
				k, MF_RULE_PORT_UNDECLARED, mf_chk_at(k, t),
				mf_printf(k->c->a, "spec.ports[%zu].targetPort", i),
				"Service '%s' targets port '%s' over %s, which the containers of "
				"'%s' declare for another protocol only",
				o->name, t->str, proto, ws[0]->name);
		else
			mf_finding(k, MF_RULE_PORT_UNDECLARED, mf_chk_at(k, t),
				   mf_printf(k->c->a, "spec.ports[%zu].targetPort", i),
				   "Service '%s' targets port '%s', which no container of '%s' "
				   "declares",
				   o->name, t->str, ws[0]->name);
	}
}

static bool service_has_port(const mf_object *svc, const mf_node *ref)
{
	const mf_node *ports = mf_path(svc->doc, "spec.ports");

	for (size_t i = 0; ports && ports->kind == MF_SEQ && i < ports->n; i++) {
		const mf_node *p = ports->items[i];
		if (ref->kind == MF_INT && (mf_get_int(p, "port", -1) == ref->v.i ||
					    mf_get_int(p, "targetPort", -1) == ref->v.i))
			return true;
		if (ref->kind == MF_STR &&
		    ((mf_get_str(p, "name") && !strcmp(mf_get_str(p, "name"), ref->str)) ||
		     (mf_get_str(p, "targetPort") &&
		      !strcmp(mf_get_str(p, "targetPort"), ref->str))))
			return true;
	}
	return false;
}

/* One backend: under port-undeclared a port the Service lacks, under
 * ingress-target-missing a Service that is not there (k->rule says which). */
static void backend_port(mf_chk *k, const mf_object *o, const mf_node *svc, const mf_node *port,
			 const char *path, const char *port_path)
{
	const char *name = mf_str(svc);
	const mf_object *s = name ? mf_find_object(k, "Service", name, o) : NULL;

	k->obj = o;
	k->in = o->inst;
	if (!name)
		return;
	if (!s && k->rule == MF_RULE_INGRESS_TARGET_MISSING)
		mf_finding(k, MF_RULE_INGRESS_TARGET_MISSING, mf_chk_at(k, svc), path,
			   "%s '%s' routes to Service '%s', which does not exist", o->kind, o->name,
			   name);
	else if (s && port && k->rule == MF_RULE_PORT_UNDECLARED && !service_has_port(s, port))
		mf_finding(
			k, MF_RULE_PORT_UNDECLARED, mf_chk_at(k, port), port_path,
			"%s '%s' routes to port %s%s%s of Service '%s', which does not declare it",
			o->kind, o->name, port->kind == MF_STR ? "'" : "", mf_str(port),
			port->kind == MF_STR ? "'" : "", name);
}

/* networking.k8s.io/v1 {service: {name, port: {number|name}}}, or the
 * v1beta1 form {serviceName, servicePort} */
static void backend(mf_chk *k, const mf_object *o, const mf_node *b, const char *path)
{
	const mf_node *svc = mf_get(b, "service"), *port = mf_get(svc, "port");

	if (svc)
		backend_port(k, o, mf_get(svc, "name"),
			     mf_get(port, "number") ? mf_get(port, "number") : mf_get(port, "name"),
			     mf_printf(k->c->a, "%s.service.name", path),
			     mf_printf(k->c->a, "%s.service.port", path));
	else if (mf_get(b, "serviceName"))
		backend_port(k, o, mf_get(b, "serviceName"), mf_get(b, "servicePort"),
			     mf_printf(k->c->a, "%s.serviceName", path),
			     mf_printf(k->c->a, "%s.servicePort", path));
}

/* Ingress spec.rules[].http.paths[].backend, spec.defaultBackend (v1beta1:
 * spec.backend); Route spec.to + spec.port */
static void ingress_ports(mf_chk *k, const mf_object *o)
{
	const mf_node *rules = mf_path(o->doc, "spec.rules");

	if (mf_kind_is(o, "Route")) {
		backend_port(k, o, mf_path(o->doc, "spec.to.name"),
			     mf_path(o->doc, "spec.port.targetPort"), "spec.to.name",
			     "spec.port.targetPort");
		return;
	}
	backend(k, o, mf_path(o->doc, "spec.defaultBackend"), "spec.defaultBackend");
	backend(k, o, mf_path(o->doc, "spec.backend"), "spec.backend");
	for (size_t i = 0; rules && rules->kind == MF_SEQ && i < rules->n; i++) {
		const mf_node *paths = mf_path(rules->items[i], "http.paths");
		for (size_t j = 0; paths && paths->kind == MF_SEQ && j < paths->n; j++)
			backend(k, o, mf_get(paths->items[j], "backend"),
				mf_printf(k->c->a, "spec.rules[%zu].http.paths[%zu].backend", i,
					  j));
	}
}

static void object_ports(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		if (mf_kind_is(o, "Service"))
			service_ports(k, o);
		else if (mf_kind_is(o, "Ingress") || mf_kind_is(o, "Route"))
			ingress_ports(k, o);
	}
}

static void ingress_targets(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++)
		if (mf_kind_is(&k->objs->v[i], "Ingress") || mf_kind_is(&k->objs->v[i], "Route"))
			ingress_ports(k, &k->objs->v[i]);
	k->obj = NULL;
	k->in = NULL;
}

/* The container port a Service port sends to, -1 when unknown. */
static long long target_number(mf_chk *k, const mf_object *svc, const mf_node *port)
{
	const mf_node *t = mf_get(port, "targetPort");
	const mf_object *ws[8];
	size_t nw;

	if (!t || t->kind == MF_INT)
		return t ? t->v.i : mf_get_int(port, "port", -1);
	nw = mf_select(k, svc, mf_path(svc->doc, "spec.selector"), ws, 8);
	for (size_t i = 0; i < nw; i++) {
		mf_pod p;
		const mf_node *cs = mf_pod_of(ws[i], &p) ? mf_get(p.spec, "containers") : NULL;
		for (size_t c = 0; cs && cs->kind == MF_SEQ && c < cs->n; c++) {
			const mf_node *ports = mf_get(cs->items[c], "ports");
			for (size_t j = 0; ports && ports->kind == MF_SEQ && j < ports->n; j++)
				if (mf_get_str(ports->items[j], "name") &&
				    !strcmp(mf_get_str(ports->items[j], "name"), t->str))
					return mf_get_int(ports->items[j], "containerPort", -1);
		}
	}
	return -1;
}

static void service_duplicates(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		if (!mf_kind_is(o, "Service"))
			continue;
		const mf_node *ports = mf_path(o->doc, "spec.ports");
		k->obj = o;
		k->in = o->inst;
		for (size_t a = 0; ports && ports->kind == MF_SEQ && a < ports->n; a++)
			for (size_t b = 0; b < a && b < 64; b++) {
				const mf_node *x = ports->items[a], *y = ports->items[b];
				const char *px = mf_get_str(x, "protocol"),
					   *py = mf_get_str(y, "protocol");
				/* two container ports of one number are reported on the pod */
				bool mirror = !k->lint && target_number(k, o, x) >= 0 &&
					      target_number(k, o, x) == target_number(k, o, y);
				if (!mirror &&
				    mf_get_int(x, "port", -1) == mf_get_int(y, "port", -2) &&
				    !strcmp(px ? px : "TCP", py ? py : "TCP")) {
					mf_finding(k, MF_RULE_PORT_DUPLICATE, mf_chk_at(k, x),
						   mf_printf(k->c->a, "spec.ports[%zu].port", a),
						   "Service '%s' declares port %lld twice", o->name,
						   mf_get_int(x, "port", -1));
					break;
				}
			}
	}
}

/* ---- availability ----------------------------------------------------------------- */

/* int, or "N%" of total rounded up (as the disruption controller does) */
static long long scaled(const mf_node *v, long long total)
{
	const char *s = mf_str(v);

	if (v && v->kind == MF_INT)
		return v->v.i;
	if (s && s[strlen(s) - 1] == '%')
		return (atoll(s) * total + 99) / 100;
	return -1;
}

static void pdb_blocks_all(mf_chk *k, const mf_object *pdb, const mf_node *v, const char *path)
{
	k->obj = pdb;
	k->in = pdb->inst;
	mf_finding(k, MF_RULE_PDB_BLOCKS_EVICTION, mf_chk_at(k, v), path,
		   "disruption budget '%s' sets %s to %s, so no pod it selects can be evicted",
		   pdb->name, strrchr(path, '.') + 1, mf_str(v));
}

static void pdb_one(mf_chk *k, const mf_object *pdb)
{
	const mf_object *ws[8];
	size_t nw = mf_select(k, pdb, mf_path(pdb->doc, "spec.selector.matchLabels"), ws, 8);
	const mf_node *minav = mf_path(pdb->doc, "spec.minAvailable"),
		      *maxun = mf_path(pdb->doc, "spec.maxUnavailable");
	const mf_object *hpa = nw ? mf_hpa_of(k, ws[0]) : NULL;
	long long pods = 0, allowed;
	mf_pod p;

	/* "maxUnavailable: 0" and "minAvailable: 100%" block whatever they select */
	if (!minav && maxun && scaled(maxun, 1) == 0) {
		pdb_blocks_all(k, pdb, maxun, "spec.maxUnavailable");
		return;
	}
	if (minav && mf_str(minav) && !strcmp(mf_str(minav), "100%")) {
		pdb_blocks_all(k, pdb, minav, "spec.minAvailable");
		return;
	}
	if (!nw || !strcmp(ws[0]->kind, "DaemonSet") || !mf_pod_of(ws[0], &p))
		return;
	pods = hpa ? mf_get_int(mf_get(hpa->doc, "spec"), "minReplicas", 1) : p.replicas;
	allowed = minav ? pods - scaled(minav, pods) : maxun ? scaled(maxun, pods) : 1;
	if (allowed > 0 || pods < 0)
		return;
	k->obj = pdb;
	k->in = pdb->inst;
	if (minav)
		mf_finding(
			k, MF_RULE_PDB_BLOCKS_EVICTION, mf_chk_at(k, minav), "spec.minAvailable",
			"disruption budget of '%s' keeps %s of %lld pod%s%s available, so no pod "
			"can be evicted",
			ws[0]->name, mf_str(minav), pods, pods == 1 ? "" : "s",
			hpa ? " (the autoscaler's minimum)" : "");
	else
		mf_finding(k, MF_RULE_PDB_BLOCKS_EVICTION, mf_chk_at(k, maxun),
			   "spec.maxUnavailable",
			   "disruption budget of '%s' allows %s unavailable pods, so no pod can be "
			   "evicted",
			   ws[0]->name, mf_str(maxun));
}

static void pdb_blocks_eviction(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++)
		if (mf_kind_is(&k->objs->v[i], "PodDisruptionBudget"))
			pdb_one(k, &k->objs->v[i]);
}

/* Every workload some budget selects: one selector lookup per budget. */
static bool *budgeted(mf_chk *k)
{
	bool *marks = mf_alloc(k->c->a, (k->objs->n + 1) * sizeof *marks);

	for (size_t i = 0; marks && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i], *ws[64];
		size_t nw;
		if (!mf_kind_is(o, "PodDisruptionBudget"))
			continue;
		nw = mf_select(k, o, mf_path(o->doc, "spec.selector.matchLabels"), ws, 64);
		for (size_t j = 0; j < nw; j++)
			marks[ws[j] - k->objs->v] = true;
	}
	return marks;
}

static void pdb_missing(mf_chk *k)
{
	bool *marks = k->objs ? budgeted(k) : NULL;

	for (size_t i = 0; marks && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		mf_pod p;
		long long n;
		if ((!mf_kind_is(o, "Deployment") && !mf_kind_is(o, "StatefulSet")) ||
		    !mf_pod_of(o, &p))
			continue;
		n = mf_most_replicas(k, o, &p);
		if (n <= 1 || marks[i])
			continue;
		k->obj = o;
		k->in = o->inst;
		mf_finding(k, MF_RULE_PDB_MISSING, mf_chk_at(k, mf_path(o->doc, "spec.replicas")),
			   "spec", "'%s' runs up to %lld replicas with no disruption budget",
			   mf_chk_name(k), n);
	}
}

static void hpa_range(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		if (!mf_kind_is(o, "HorizontalPodAutoscaler"))
			continue;
		const mf_node *min = mf_path(o->doc, "spec.minReplicas"),
			      *max = mf_path(o->doc, "spec.maxReplicas");
		if (!max || max->kind != MF_INT)
			continue;
		if ((min && min->kind == MF_INT ? min->v.i : 1) <= max->v.i)
			continue;
		k->obj = o;
		k->in = o->inst;
		mf_finding(k, MF_RULE_HPA_RANGE, mf_chk_at(k, min), "spec.minReplicas",
			   "autoscaler of '%s' has minimum %s above its maximum %lld",
			   mf_chk_name(k), mf_str(min), max->v.i);
	}
}

static void hpa_fixed(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		if (!mf_kind_is(o, "HorizontalPodAutoscaler"))
			continue;
		const mf_node *min = mf_path(o->doc, "spec.minReplicas"),
			      *max = mf_path(o->doc, "spec.maxReplicas");
		if (!max || max->kind != MF_INT ||
		    (min && min->kind == MF_INT ? min->v.i : 1) != max->v.i)
			continue;
		k->obj = o;
		k->in = o->inst;
		mf_finding(k, MF_RULE_HPA_FIXED, mf_chk_at(k, max), "spec.maxReplicas",
			   "autoscaler of '%s' has minimum and maximum %lld, so it never scales",
			   mf_chk_name(k), max->v.i);
	}
	k->obj = NULL;
	k->in = NULL;
}

/* ---- object hygiene ------------------------------------------------------------------ */

static const char *const workload_kinds[] = {"Pod",       "Deployment", "StatefulSet",
					     "DaemonSet", "ReplicaSet", "ReplicationController",
					     "Job",       "CronJob",    "DeploymentConfig"};

/* A spec, pod template or containers list that is there but is not a
 * mapping or list (hand-written YAML): not a missing pod. */
static bool malformed_pod(const mf_object *o)
{
	static const char *const maps[] = {"spec", "spec.template", "spec.template.spec",
					   "spec.jobTemplate", "spec.jobTemplate.spec.template"};
	mf_pod p;
	const mf_node *n;

	for (size_t i = 0; i < MF_NELEM(maps); i++)
		if ((n = mf_path(o->doc, maps[i])) != NULL && n->kind != MF_MAP)
			return true;
	n = mf_pod_of(o, &p) ? mf_get(p.spec, "containers") : NULL;
	return n && n->kind != MF_SEQ && n->kind != MF_NULL;
}

/* a workload kind with no pod spec, or a pod spec with no containers */
static void containers_missing(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		mf_pod p;
		const mf_node *cs;
		if (!o->kind || !MF_IN_LIST(o->kind, workload_kinds))
			continue;
		k->obj = o;
		k->in = o->inst;
		if (malformed_pod(o))
			continue; /* object-malformed says what is wrong with it */
		if (!mf_pod_of(o, &p))
			mf_finding(k, MF_RULE_CONTAINERS_MISSING,
				   mf_chk_at(k, mf_get(o->doc, "spec")), "spec",
				   "%s '%s' has no pod spec", o->kind, o->name);
		else if (!(cs = mf_get(p.spec, "containers")) || cs->kind != MF_SEQ || !cs->n)
			mf_finding(k, MF_RULE_CONTAINERS_MISSING, mf_chk_at(k, cs ? cs : p.spec),
				   mf_printf(k->c->a, "%s.containers", p.base),
				   "%s '%s' has no containers", o->kind, o->name);
	}
	k->obj = NULL;
	k->in = NULL;
}

/* API versions Kubernetes deprecated and removed: the release 1.N of each
 * (deprecated 0: no announced date; removed 0: still served). */
static const struct api {
	const char *version, *kind;
	int deprecated, removed;
	const char *use;
} apis[] = {
	{"extensions/v1beta1", "Deployment", 9, 16, "apps/v1"},
	{"extensions/v1beta1", "DaemonSet", 9, 16, "apps/v1"},
	{"extensions/v1beta1", "ReplicaSet", 9, 16, "apps/v1"},
	{"extensions/v1beta1", "NetworkPolicy", 9, 16, "networking.k8s.io/v1"},
	{"extensions/v1beta1", "PodSecurityPolicy", 10, 16, "policy/v1beta1"},
	{"extensions/v1beta1", "Ingress", 14, 22, "networking.k8s.io/v1"},
	{"apps/v1beta1", "*", 9, 16, "apps/v1"},
	{"apps/v1beta2", "*", 9, 16, "apps/v1"},
	{"networking.k8s.io/v1beta1", "*", 19, 22, "networking.k8s.io/v1"},
	{"rbac.authorization.k8s.io/v1alpha1", "*", 17, 22, "rbac.authorization.k8s.io/v1"},
	{"rbac.authorization.k8s.io/v1beta1", "*", 17, 22, "rbac.authorization.k8s.io/v1"},
	{"admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration", 16, 22,
	 "admissionregistration.k8s.io/v1"},
	{"admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", 16, 22,
	 "admissionregistration.k8s.io/v1"},
	{"apiextensions.k8s.io/v1beta1", "*", 16, 22, "apiextensions.k8s.io/v1"},
	{"apiregistration.k8s.io/v1beta1", "*", 19, 22, "apiregistration.k8s.io/v1"},
	{"authentication.k8s.io/v1beta1", "*", 19, 22, "authentication.k8s.io/v1"},
	{"authorization.k8s.io/v1beta1", "*", 19, 22, "authorization.k8s.io/v1"},
	{"certificates.k8s.io/v1beta1", "*", 19, 22, "certificates.k8s.io/v1"},
	{"coordination.k8s.io/v1beta1", "*", 19, 22, "coordination.k8s.io/v1"},
	{"scheduling.k8s.io/v1beta1", "*", 14, 22, "scheduling.k8s.io/v1"},
	{"storage.k8s.io/v1beta1", "CSIStorageCapacity", 24, 27, "storage.k8s.io/v1"},
	{"storage.k8s.io/v1beta1", "*", 19, 22, "storage.k8s.io/v1"},
	{"batch/v1beta1", "*", 21, 25, "batch/v1"},
	{"batch/v2alpha1", "*", 21, 25, "batch/v1"},
	{"discovery.k8s.io/v1beta1", "*", 21, 25, "discovery.k8s.io/v1"},
	{"events.k8s.io/v1beta1", "*", 19, 25, "events.k8s.io/v1"},
	{"autoscaling/v2beta1", "*", 22, 25, "autoscaling/v2"},
	{"autoscaling/v2beta2", "*", 23, 26, "autoscaling/v2"},
	{"policy/v1beta1", "PodSecurityPolicy", 21, 25, NULL},
	{"policy/v1beta1", "*", 21, 25, "policy/v1"},
	{"node.k8s.io/v1beta1", "*", 19, 25, "node.k8s.io/v1"},
	{"flowcontrol.apiserver.k8s.io/v1beta1", "*", 23, 26, "flowcontrol.apiserver.k8s.io/v1"},
	{"flowcontrol.apiserver.k8s.io/v1beta2", "*", 26, 29, "flowcontrol.apiserver.k8s.io/v1"},
	{"flowcontrol.apiserver.k8s.io/v1beta3", "*", 29, 32, "flowcontrol.apiserver.k8s.io/v1"},
	{"v1", "Endpoints", 33, 0, "discovery.k8s.io/v1 EndpointSlice"},
};

static const struct api *api_of(const mf_object *o)
{
	for (size_t i = 0; o->api_version && o->kind && i < MF_NELEM(apis); i++)
		if (!strcmp(apis[i].version, o->api_version) &&
		    (!strcmp(apis[i].kind, "*") || !strcmp(apis[i].kind, o->kind)))
			return &apis[i];
	return NULL;
}

/* k->pss is the release the packs target (pssVersion; newest by default) */
static void api_versions(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		const struct api *a = api_of(o);
		const mf_node *at = mf_get(o->doc, "apiVersion");
		const char *use = a && a->use ? mf_printf(k->c->a, "use %s", a->use)
					      : "Kubernetes has no replacement";
		k->obj = o;
		k->in = o->inst;
		if (!a || k->pss < a->deprecated)
			continue;
		if (a->removed && k->pss >= a->removed && k->rule == MF_RULE_API_REMOVED)
			mf_finding(k, MF_RULE_API_REMOVED, mf_chk_at(k, at), "apiVersion",
				   "%s '%s' uses %s, which Kubernetes 1.%d removed (%s)", o->kind,
				   o->name, o->api_version, a->removed, use);
		else if ((!a->removed || k->pss < a->removed) && k->rule == MF_RULE_API_DEPRECATED)
			mf_finding(k, MF_RULE_API_DEPRECATED, mf_chk_at(k, at), "apiVersion",
				   "%s '%s' uses %s, deprecated since Kubernetes 1.%d%s (%s)",
				   o->kind, o->name, o->api_version, a->deprecated,
				   a->removed
					   ? mf_printf(k->c->a, " and removed in 1.%d", a->removed)
					   : "",
				   use);
	}
	k->obj = NULL;
	k->in = NULL;
}

/* Jobs that Helm deletes itself (hook-delete-policy) are cleaned up anyway. */
static void job_ttl_missing(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		if (!mf_kind_is(o, "Job"))
			continue;
		const mf_node *spec = mf_get(o->doc, "spec");
		if (!spec || mf_get(spec, "ttlSecondsAfterFinished") ||
		    mf_get(mf_path(o->doc, "metadata.annotations"), "helm.sh/hook-delete-policy"))
			continue;
		k->obj = o;
		k->in = o->inst;
		mf_finding(
			k, MF_RULE_JOB_TTL_MISSING, mf_chk_at(k, spec),
			"spec.ttlSecondsAfterFinished",
			"Job '%s' sets no ttlSecondsAfterFinished, so it stays after it finishes",
			o->name);
	}
	k->obj = NULL;
	k->in = NULL;
}

static void cronjob_deadline_missing(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		if (!mf_kind_is(o, "CronJob"))
			continue;
		const mf_node *spec = mf_get(o->doc, "spec");
		if (!spec || mf_get(spec, "startingDeadlineSeconds"))
			continue;
		k->obj = o;
		k->in = o->inst;
		mf_finding(k, MF_RULE_CRONJOB_DEADLINE_MISSING,
			   mf_chk_at(k, mf_get(spec, "schedule")), "spec.startingDeadlineSeconds",
			   "CronJob '%s' sets no startingDeadlineSeconds", o->name);
	}
	k->obj = NULL;
	k->in = NULL;
}

/* the pod template of a Job, or of a CronJob's jobTemplate */
static void job_restart_policy(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		mf_pod p;
		const mf_node *rp;
		const char *v;
		if ((!mf_kind_is(o, "Job") && !mf_kind_is(o, "CronJob")) || !mf_pod_of(o, &p))
			continue;
		rp = mf_get(p.spec, "restartPolicy");
		v = mf_str(rp);
		if (v && (!strcmp(v, "Never") || !strcmp(v, "OnFailure")))
			continue;
		k->obj = o;
		k->in = o->inst;
		mf_finding(k, MF_RULE_JOB_RESTART_POLICY, mf_chk_at(k, rp ? rp : p.spec),
			   mf_printf(k->c->a, "%s.restartPolicy", p.base),
			   "%s '%s' has restartPolicy %s; a Job's pods need Never or OnFailure",
			   o->kind, o->name, v ? v : "unset (Always)");
	}
	k->obj = NULL;
	k->in = NULL;
}

static void service_nodeport(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		if (!mf_kind_is(o, "Service"))
			continue;
		const mf_node *type = mf_path(o->doc, "spec.type");
		if (!mf_str(type) || strcmp(mf_str(type), "NodePort"))
			continue;
		k->obj = o;
		k->in = o->inst;
		mf_finding(k, MF_RULE_SERVICE_NODEPORT, mf_chk_at(k, type), "spec.type",
			   "Service '%s' is of type NodePort: its ports open on every node",
			   o->name);
	}
	k->obj = NULL;
	k->in = NULL;
}

/* ---- Compose ------------------------------------------------------------------------ */

static bool has_healthcheck(const mf_node *svc)
{
	const mf_node *hc = mf_get(svc, "healthcheck"), *test = mf_get(hc, "test");

	if (!hc || mf_is_true(mf_get(hc, "disable")))
		return false;
	if (test && test->kind == MF_SEQ && test->n && mf_str(test->items[0]) &&
	    !strcmp(mf_str(test->items[0]), "NONE"))
		return false;
	return test != NULL;
}

static const mf_instance *compose_instance(const mf_chk *k, const char *name)
{
	for (size_t i = 0; k->e && i < k->e->ninst; i++)
		if (!strcmp(k->e->inst[i].compose_name, name))
			return &k->e->inst[i];
	return NULL;
}

/* services.*.depends_on.*.condition: service_healthy */
static void depends_on_unhealthy(mf_chk *k)
{
	const mf_node *svcs = mf_get(k->compose, "services");

	for (size_t i = 0; svcs && svcs->kind == MF_MAP && i < svcs->n; i++) {
		const mf_node *deps = mf_get(svcs->pairs[i].val, "depends_on");
		k->in = compose_instance(k, svcs->pairs[i].key);
		k->object = mf_printf(k->c->a, "compose/%s", svcs->pairs[i].key);
		for (size_t j = 0; deps && deps->kind == MF_MAP && j < deps->n; j++) {
			const mf_node *cond = mf_get(deps->pairs[j].val, "condition");
			const mf_node *dep = mf_get(svcs, deps->pairs[j].key);
			const mf_instance *di = compose_instance(k, deps->pairs[j].key);
			/* probes.image: the image's HEALTHCHECK, which the file cannot show */
			if (!mf_str(cond) || strcmp(mf_str(cond), "service_healthy") || !dep ||
			    has_healthcheck(dep) || (di && di->image_health))
				continue;
			mf_finding(k, MF_RULE_DEPENDS_ON_UNHEALTHY, mf_chk_at(k, cond),
				   mf_printf(k->c->a, "services.%s.depends_on.%s.condition",
					     svcs->pairs[i].key, deps->pairs[j].key),
				   "'%s' waits for '%s' to be healthy, but '%s' has no healthcheck",
				   svcs->pairs[i].key, deps->pairs[j].key, deps->pairs[j].key);
		}
	}
	k->object = NULL;
	k->in = NULL;
}

/* ---- namespace quotas (hand-written manifests) ---------------------------------------- */

static const struct qdim {
	const char *hard, *alt;  /* spec.hard keys */
	const char *side, *what; /* container resources.<side>.<what> */
	bool cpu;
} qdims[] = {
	{"requests.cpu", "cpu", "requests", "cpu", true},
	{"requests.memory", "memory", "requests", "memory", false},
	{"limits.cpu", NULL, "limits", "cpu", true},
	{"limits.memory", NULL, "limits", "memory", false},
};

/* One pod's sum over its containers; requests default to limits. */
static long long pod_amount(const mf_pod *p, const struct qdim *q)
{
	const mf_node *cs = mf_get(p->spec, "containers");
	long long sum = 0, v;

	for (size_t i = 0; cs && cs->kind == MF_SEQ && i < cs->n; i++) {
		const mf_node *res = mf_get(cs->items[i], "resources");
		const mf_node *n = mf_get(mf_get(res, q->side), q->what);
		if (!n && !strcmp(q->side, "requests"))
			n = mf_get(mf_get(res, "limits"), q->what);
		v = q->cpu ? mf_cpu_millis(n) : mf_mem_bytes(n);
		sum += v > 0 ? v : 0;
	}
	return sum;
}

/* What the pods of one namespace ask for, in each of qdims. */
typedef struct nstotal {
	long long v[MF_NELEM(qdims)];
} nstotal;

/* Every namespace's totals in one pass over the objects (a quota per
 * namespace must not cost a pass each): namespace -> nstotal. */
static mf_hash namespace_totals(mf_chk *k)
{
	mf_hash by_ns = {0};
	nstotal *t = mf_alloc(k->c->a, (k->objs->n + 1) * sizeof *t), *x;
	size_t nt = 0;

	for (size_t i = 0; t && i < k->objs->n; i++) {
		const mf_object *w = &k->objs->v[i];
		mf_pod p;
		if (!w->ns || !mf_pod_of(w, &p) || p.replicas <= 0 ||
		    !(x = mf_hash_put_str(k->c->a, &by_ns, w->ns, &t[nt])))
			continue;
		nt += x == &t[nt];
		for (size_t d = 0; d < MF_NELEM(qdims); d++)
			x->v[d] += mf_most_replicas(k, w, &p) * pod_amount(&p, &qdims[d]);
	}
	return by_ns;
}

static void quota_one(mf_chk *k, const mf_object *rq, const mf_hash *totals)
{
	const mf_node *hard = mf_path(rq->doc, "spec.hard");
	const nstotal *sum = mf_hash_get_str(totals, rq->ns);

	for (size_t d = 0; d < MF_NELEM(qdims); d++) {
		const mf_node *cap = mf_get(hard, qdims[d].hard);
		long long limit, total = sum ? sum->v[d] : 0;
		if (!cap && qdims[d].alt)
			cap = mf_get(hard, qdims[d].alt);
		limit = qdims[d].cpu ? mf_cpu_millis(cap) : mf_mem_bytes(cap);
		if (!cap || limit < 0 || total <= limit)
			continue;
		k->obj = rq;
		mf_finding(k, MF_RULE_CAPACITY_EXCEEDED, mf_chk_at(k, cap),
			   mf_printf(k->c->a, "spec.hard[\"%s\"]", qdims[d].hard),
			   "namespace '%s' is over its quota '%s': %s %s %s of %s", rq->ns,
			   rq->name, qdims[d].side,
			   qdims[d].cpu ? mf_fmt_cores(k, total) : mf_fmt_bytes(k, total),
			   qdims[d].what,
			   qdims[d].cpu ? mf_fmt_cores(k, limit) : mf_fmt_bytes(k, limit));
	}
	k->obj = NULL;
}

/* ResourceQuota objects against the pods of their namespace (lint: a
 * description's quotas are its tenants', checked on the instances). */
static void namespace_quotas(mf_chk *k)
{
	mf_hash totals = {0};
	bool summed = false;

	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		if (!mf_kind_is(&k->objs->v[i], "ResourceQuota"))
			continue;
		if (!summed)
			totals = namespace_totals(k), summed = true;
		quota_one(k, &k->objs->v[i], &totals);
	}
}

const mf_rule_impl mf_object_rules[] = {
	{MF_RULE_CAPACITY_EXCEEDED, MF_SC_OBJECTS, MF_RUN_LINT, namespace_quotas},
	{MF_RULE_PORT_DUPLICATE, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, service_duplicates},
	{MF_RULE_PORT_UNDECLARED, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, object_ports},
	{MF_RULE_INGRESS_TARGET_MISSING, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT,
	 ingress_targets},
	{MF_RULE_PDB_BLOCKS_EVICTION, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT,
	 pdb_blocks_eviction},
	{MF_RULE_PDB_MISSING, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, pdb_missing},
	{MF_RULE_HPA_RANGE, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, hpa_range},
	{MF_RULE_HPA_FIXED, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, hpa_fixed},
	{MF_RULE_CONTAINERS_MISSING, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, containers_missing},
	{MF_RULE_API_REMOVED, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, api_versions},
	{MF_RULE_API_DEPRECATED, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, api_versions},
	{MF_RULE_JOB_TTL_MISSING, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, job_ttl_missing},
	{MF_RULE_CRONJOB_DEADLINE_MISSING, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT,
	 cronjob_deadline_missing},
	{MF_RULE_JOB_RESTART_POLICY, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, job_restart_policy},
	{MF_RULE_SERVICE_NODEPORT, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, service_nodeport},
	{MF_RULE_DEPENDS_ON_UNHEALTHY, MF_SC_COMPOSE, MF_RUN_LINT, depends_on_unhealthy},
};
const size_t mf_object_nrules = MF_NELEM(mf_object_rules);
