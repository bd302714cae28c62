/* resolve: unit tests for the Kubernetes renderer (labels, env, probes, scaling, policies, determinism) */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static mf_ctx C;
static mf_system S;

static void setup(void)
{
	mf_test_ctx(&C);
}

static void teardown(void)
{
	mf_ctx_release(&C);
}

static void load(const char *yaml)
{
	mf_test_resolve(&C, &S, yaml);
}

static const mf_env *env_named(const char *name)
{
	return mf_test_env(&S, name);
}

static mf_objects render(const char *env)
{
	mf_objects o = {0};
	const mf_env *e = env_named(env);

	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(mf_render_k8s(&C, &S, e, &o), 0);
	return o;
}

static const mf_object *find(const mf_objects *o, const char *kind, const char *ns, const char *name)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->v[i].kind, kind) && !strcmp(o->v[i].name, name) &&
		    (!ns || (o->v[i].ns && !strcmp(o->v[i].ns, ns))))
			return &o->v[i];
	return NULL;
}

static const mf_node *at(const mf_object *obj, const char *path)
{
	ck_assert_ptr_nonnull(obj);
	return mf_path(obj->doc, path);
}

static const char *str_at(const mf_object *obj, const char *path)
{
	return mf_str(at(obj, path));
}

/* the env entry NAME of the first container */
static const mf_node *env_var(const mf_object *obj, const char *name)
{
	const mf_node *env = at(obj, "spec.template.spec.containers.0.env");

	for (size_t i = 0; env && i < env->n; i++)
		if (!strcmp(mf_get_str(env->items[i], "name"), name))
			return env->items[i];
	return NULL;
}

static const char *APP =
	"manifold: 1\n"
	"system: {name: shop, version: \"2.1.0\", domain: shop.example}\n"
	"secrets:\n"
	"  db: {keys: [password]}\n"
	"configs:\n"
	"  settings: {data: {MODE: fast, RETRIES: 3}}\n"
	"services:\n"
	"  api:\n"
	"    image: registry.example/shop/api:1.4.2\n"
	"    replicas: 2\n"
	"    labels: {team: checkout, app.kubernetes.io/name: hijack}\n"
	"    ports:\n"
	"      http: {port: 8080, expose: {ingress: {host: shop.example, path: /api}}}\n"
	"      administration-console: {port: 9000, service: false}\n"
	"      metrics: {port: 9100, metrics: {path: /metrics, interval: 1m}}\n"
	"      rpc: 9500\n"
	"    env:\n"
	"      PORT: 8080\n"
	"      DEBUG: false\n"
	"      RATIO: 1.50\n"
	"      DB_PASSWORD: {secret: db, key: password}\n"
	"      MODE: {config: settings, key: MODE, optional: true}\n"
	"      POD: {field: metadata.name}\n"
	"      CACHE: {service: cache, port: redis}\n"
	"      CACHE_URL: {service: cache, port: redis, format: \"redis://{host}:{port}/0?ns={namespace}\"}\n"
	"    envFrom: [{secret: db, prefix: DB_}, {config: settings}]\n"
	"    probes:\n"
	"      liveness: {http: {path: /healthz, port: http}, period: 1m30s, terminationGracePeriod: 20}\n"
	"      readiness: {tcp: {port: 9000}, initialDelay: 5}\n"
	"      startup: {grpc: {port: rpc}, failureThreshold: 30}\n"
	"    autoscaling: {min: 2, max: 6, cpu: 75, behavior: {scaleDown: {stabilizationWindow: 5m}}}\n"
	"    resources: {requests: {cpu: 0.25, memory: 256Mi}, limits: {cpu: 1, memory: 1Gi, gpu: 1}}\n"
	"    security:\n"
	"      runAsNonRoot: true\n"
	"      runAsUser: 1000\n"
	"      fsGroup: 2000\n"
	"      seccompProfile: RuntimeDefault\n"
	"      appArmorProfile: runtime/default\n"
	"      sysctls: {net.core.somaxconn: 1024}\n"
	"      readOnlyRootFilesystem: true\n"
	"      allowPrivilegeEscalation: false\n"
	"      capabilities: {drop: [ALL]}\n"
	"    dependsOn: {cache: healthy}\n"
	"  cache:\n"
	"    kind: stateful\n"
	"    image: redis:7\n"
	"    ports: {redis: 6379}\n"
	"    storage: {data: {mount: /data, size: 2Gi}}\n"
	"  agent:\n"
	"    kind: daemon\n"
	"    image: agent:1\n"
	"    command: {shell: exec agent --verbose}\n"
	"    ports: {stats: {port: 7000, host: 17000}}\n"
	"    security: {privileged: true, allowPrivilegeEscalation: false, hostPID: true}\n"
	"  chat:\n"
	"    scope: tenant\n"
	"    image: chat:1\n"
	"    ports: {http: {port: 80, expose: {route: {tls: edge}}}}\n"
	"    env:\n"
	"      API: {service: api, port: http, format: \"http://{host}:{port}\"}\n"
	"  nightly:\n"
	"    kind: cronjob\n"
	"    image: tools:1\n"
	"    schedule: \"CRON_TZ=Europe/Paris 0 3 * * *\"\n"
	"    job: {backoffLimit: 2, concurrencyPolicy: Forbid, ttlAfterFinished: 1h}\n"
	"tenants:\n"
	"  acme: {namespace: acme, host: acme.shop.example, labels: {customer: acme}, quota: {cpu: 2, memory: 4Gi, limits: {cpu: 4}}}\n"
	"  globex: {labels: {customer: globex}}\n"
	"environments:\n"
	"  production:\n"
	"    profile: production\n"
	"    targets: [kustomize]\n"
	"    namespace: shop\n"
	"    services:\n"
	"      chat: {replicas: 3}\n";

/* ---- labels and selectors ------------------------------------------------------ */

static bool only_selector_keys(const mf_node *sel)
{
	return sel && sel->n == 2 && mf_get(sel, "app.kubernetes.io/name") && mf_get(sel, "app.kubernetes.io/instance");
}

static bool subset(const mf_node *small, const mf_node *big)
{
	for (size_t i = 0; small && i < small->n; i++)
		if (!mf_equal(small->pairs[i].val, mf_get(big, small->pairs[i].key)))
			return false;
	return small != NULL;
}

START_TEST(selectors_hold_only_name_and_instance)
{
	load(APP);
	mf_objects o = render("production");
	size_t workloads = 0;

	for (size_t i = 0; i < o.n; i++) {
		const mf_object *obj = &o.v[i];
		const mf_node *sel = mf_path(obj->doc, "spec.selector.matchLabels");
		if (!strcmp(obj->kind, "Service"))
			sel = mf_path(obj->doc, "spec.selector");
		if (!strcmp(obj->kind, "Deployment") || !strcmp(obj->kind, "StatefulSet") || !strcmp(obj->kind, "DaemonSet")) {
			workloads++;
			ck_assert(only_selector_keys(sel));
			ck_assert(subset(sel, at(obj, "spec.template.metadata.labels")));
			ck_assert(subset(sel, at(obj, "metadata.labels")));
		}
		if (sel)
			ck_assert_msg(only_selector_keys(sel), "%s/%s selects on more than name and instance", obj->kind,
				      obj->name);
	}
	ck_assert_uint_eq(workloads, 5); /* api, cache, agent, chat x2 */
}
END_TEST

START_TEST(recommended_labels)
{
	load(APP);
	mf_objects o = render("production");
	const mf_object *api = find(&o, "Deployment", "shop", "api");
	const mf_object *chat = find(&o, "Deployment", "acme", "chat");
	const mf_object *gchat = find(&o, "Deployment", "shop-globex", "chat");

	/* a user label never replaces a selector label */
	ck_assert_str_eq(mf_get_str(at(api, "metadata.labels"), "app.kubernetes.io/name"), "api");
	ck_assert_str_eq(mf_get_str(at(api, "metadata.labels"), "app.kubernetes.io/managed-by"), "manifold");
	ck_assert_str_eq(mf_get_str(at(api, "metadata.labels"), "app.kubernetes.io/part-of"), "shop");
	ck_assert_str_eq(mf_get_str(at(api, "metadata.labels"), "app.kubernetes.io/version"), "2.1.0");
	ck_assert_str_eq(mf_get_str(at(api, "metadata.labels"), "team"), "checkout");
	/* tenant instances: tenant-qualified instance, tenant labels, tenant namespace */
	ck_assert_ptr_nonnull(chat);
	ck_assert_ptr_nonnull(gchat);
	ck_assert_str_eq(mf_get_str(at(chat, "spec.selector.matchLabels"), "app.kubernetes.io/instance"), "chat-acme");
	ck_assert_str_eq(mf_get_str(at(chat, "metadata.labels"), "customer"), "acme");
	ck_assert_str_eq(chat->tenant, "acme");
	/* namespaces: the environment's and one per tenant, with tenant labels */
	ck_assert_ptr_nonnull(find(&o, "Namespace", NULL, "shop"));
	ck_assert_str_eq(mf_get_str(at(find(&o, "Namespace", NULL, "acme"), "metadata.labels"), "customer"), "acme");
	ck_assert_str_eq(mf_get_str(at(find(&o, "Namespace", NULL, "shop-globex"), "metadata.labels"),
				    "app.kubernetes.io/part-of"), "shop");
	ck_assert_ptr_null(at(find(&o, "Namespace", NULL, "shop"), "metadata.namespace"));
}
END_TEST

/* ---- env references ------------------------------------------------------------- */

START_TEST(env_values_and_references)
{
	load(APP);
	mf_objects o = render("production");
	const mf_object *api = find(&o, "Deployment", "shop", "api");
	const mf_node *v;

	/* literals are always strings */
	ck_assert_int_eq(mf_get(env_var(api, "PORT"), "value")->kind, MF_STR);
	ck_assert_str_eq(mf_get_str(env_var(api, "PORT"), "value"), "8080");
	ck_assert_str_eq(mf_get_str(env_var(api, "DEBUG"), "value"), "false");
	ck_assert_str_eq(mf_get_str(env_var(api, "RATIO"), "value"), "1.50");
	v = env_var(api, "DB_PASSWORD");
	ck_assert_str_eq(mf_str(mf_path(v, "valueFrom.secretKeyRef.name")), "db");
	ck_assert_str_eq(mf_str(mf_path(v, "valueFrom.secretKeyRef.key")), "password");
	ck_assert_ptr_null(mf_get(v, "value"));
	v = env_var(api, "MODE");
	ck_assert_str_eq(mf_str(mf_path(v, "valueFrom.configMapKeyRef.name")), "settings");
	ck_assert(mf_path(v, "valueFrom.configMapKeyRef.optional")->v.b);
	ck_assert_str_eq(mf_str(mf_path(env_var(api, "POD"), "valueFrom.fieldRef.fieldPath")), "metadata.name");
	/* service references: short names in the namespace, DNS names across */
	ck_assert_str_eq(mf_get_str(env_var(api, "CACHE"), "value"), "cache:6379");
	ck_assert_str_eq(mf_get_str(env_var(api, "CACHE_URL"), "value"), "redis://cache:6379/0?ns=shop");
	ck_assert_str_eq(mf_get_str(env_var(find(&o, "Deployment", "acme", "chat"), "API"), "value"),
			 "http://api.shop.svc.cluster.local:8080");
	/* envFrom keeps the prefix */
	v = at(api, "spec.template.spec.containers.0.envFrom");
	ck_assert_uint_eq(v->n, 2);
	ck_assert_str_eq(mf_str(mf_path(v, "0.secretRef.name")), "db");
	ck_assert_str_eq(mf_str(mf_path(v, "0.prefix")), "DB_");
	ck_assert_str_eq(mf_str(mf_path(v, "1.configMapRef.name")), "settings");
	/* the config map exists where it is read, with string data; no Secret is ever rendered */
	v = at(find(&o, "ConfigMap", "shop", "settings"), "data.RETRIES");
	ck_assert_int_eq(v->kind, MF_STR);
	ck_assert_str_eq(v->str, "3");
	for (size_t i = 0; i < o.n; i++)
		ck_assert_str_ne(o.v[i].kind, "Secret");
}
END_TEST

START_TEST(env_positions_point_at_the_description)
{
	load(APP);
	mf_objects o = render("production");
	const mf_node *v = env_var(find(&o, "Deployment", "shop", "api"), "PORT");

	ck_assert_uint_eq(mf_get(v, "value")->pos.line, 18);
	ck_assert_uint_ne(find(&o, "Deployment", "shop", "api")->pos.line, 0);
}
END_TEST

/* ---- probes and ports ------------------------------------------------------------- */

START_TEST(probes)
{
	load(APP);
	mf_objects o = render("production");
	const mf_object *api = find(&o, "Deployment", "shop", "api");
	const mf_node *c = at(api, "spec.template.spec.containers.0");

	ck_assert_str_eq(mf_str(mf_path(c, "livenessProbe.httpGet.path")), "/healthz");
	ck_assert_str_eq(mf_str(mf_path(c, "livenessProbe.httpGet.port")), "http");
	ck_assert_int_eq(mf_path(c, "livenessProbe.periodSeconds")->v.i, 90);
	ck_assert_int_eq(mf_path(c, "livenessProbe.terminationGracePeriodSeconds")->v.i, 20);
	ck_assert_int_eq(mf_path(c, "readinessProbe.tcpSocket.port")->v.i, 9000);
	ck_assert_int_eq(mf_path(c, "readinessProbe.initialDelaySeconds")->v.i, 5);
	/* gRPC takes numbers only */
	ck_assert_int_eq(mf_path(c, "startupProbe.grpc.port")->kind, MF_INT);
	ck_assert_int_eq(mf_path(c, "startupProbe.grpc.port")->v.i, 9500);
	ck_assert_int_eq(mf_path(c, "startupProbe.failureThreshold")->v.i, 30);
}
END_TEST

/* a misspelt name is resolve's (unknown-port with did-you-mean); a number as a
 * string that no port has is the render's to refuse */
START_TEST(exec_probe_and_unknown_port)
{
	load("manifold: 1\nsystem: {name: s}\nservices:\n"
	     "  w:\n    image: w:1\n    ports: {http: 80}\n"
	     "    probes:\n      liveness: {exec: \"test -f /tmp/ok\"}\n"
	     "      readiness: {http: {path: /, port: \"81\"}}\n"
	     "environments: {prod: {targets: [kustomize]}}\n");
	mf_objects o = {0};
	const mf_node *cmd;

	ck_assert_int_eq(mf_render_k8s(&C, &S, env_named("prod"), &o), -1);
	ck_assert_uint_eq(C.nerrors, 1);
	ck_assert_str_eq(C.diags[0].code, "unknown-port");
	ck_assert_uint_eq(C.diags[0].pos.line, 9);
	cmd = at(find(&o, "Deployment", NULL, "w"), "spec.template.spec.containers.0.livenessProbe.exec.command");
	/* split into words: no shell */
	ck_assert_uint_eq(cmd->n, 3);
	ck_assert_str_eq(mf_str(cmd->items[0]), "test");
	ck_assert_str_eq(mf_str(cmd->items[2]), "/tmp/ok");
	/* rendering again fails again but reports nothing new */
	memset(&o, 0, sizeof o);
	ck_assert_int_eq(mf_render_k8s(&C, &S, env_named("prod"), &o), -1);
	ck_assert_uint_eq(C.nerrors, 1);
}
END_TEST

START_TEST(long_port_names_are_shortened)
{
	load(APP);
	mf_objects o = render("production");
	const mf_node *ports = at(find(&o, "Deployment", "shop", "api"), "spec.template.spec.containers.0.ports");
	const mf_node *svc = at(find(&o, "Service", "shop", "api"), "spec.ports");

	ck_assert_uint_eq(ports->n, 4);
	ck_assert_str_eq(mf_str(mf_path(ports, "1.name")), "administration");
	ck_assert_uint_le(strlen(mf_str(mf_path(ports, "1.name"))), 15);
	/* service: false ports stay out of the Service; targetPort names a container port */
	ck_assert_uint_eq(svc->n, 3);
	for (size_t i = 0; i < svc->n; i++) {
		ck_assert_str_ne(mf_str(mf_path(svc->items[i], "name")), "administration-console");
		ck_assert_str_eq(mf_str(mf_path(svc->items[i], "targetPort")), mf_str(mf_path(svc->items[i], "name")));
	}
}
END_TEST

/* ---- scaling, workloads -------------------------------------------------------------- */

START_TEST(hpa_implies_no_replicas)
{
	load(APP);
	mf_objects o = render("production");
	const mf_object *hpa = find(&o, "HorizontalPodAutoscaler", "shop", "api");

	ck_assert_ptr_null(at(find(&o, "Deployment", "shop", "api"), "spec.replicas"));
	ck_assert_ptr_nonnull(hpa);
	ck_assert_str_eq(hpa->api_version, "autoscaling/v2");
	ck_assert_int_eq(at(hpa, "spec.minReplicas")->v.i, 2);
	ck_assert_int_eq(at(hpa, "spec.maxReplicas")->v.i, 6);
	ck_assert_str_eq(str_at(hpa, "spec.scaleTargetRef.kind"), "Deployment");
	ck_assert_int_eq(at(hpa, "spec.metrics.0.resource.target.averageUtilization")->v.i, 75);
	ck_assert_int_eq(at(hpa, "spec.behavior.scaleDown.stabilizationWindowSeconds")->v.i, 300);
	/* without autoscaling the count is written, and no HPA exists */
	ck_assert_int_eq(at(find(&o, "Deployment", "acme", "chat"), "spec.replicas")->v.i, 3);
	ck_assert_ptr_null(find(&o, "HorizontalPodAutoscaler", "acme", "chat"));
	/* two pods or more get a disruption budget */
	ck_assert_ptr_nonnull(find(&o, "PodDisruptionBudget", "shop", "api"));
	ck_assert_ptr_nonnull(find(&o, "PodDisruptionBudget", "acme", "chat"));
}
END_TEST

START_TEST(stateful_daemon_cronjob)
{
	load(APP);
	mf_objects o = render("production");
	const mf_object *sts = find(&o, "StatefulSet", "shop", "cache"), *ds = find(&o, "DaemonSet", "shop", "agent");
	const mf_object *cj = find(&o, "CronJob", "shop", "nightly");
	const mf_node *sc;

	ck_assert_str_eq(str_at(find(&o, "Service", "shop", "cache"), "spec.clusterIP"), "None");
	ck_assert_str_eq(str_at(sts, "spec.serviceName"), "cache");
	ck_assert_str_eq(str_at(sts, "spec.volumeClaimTemplates.0.metadata.name"), "data");
	ck_assert_str_eq(str_at(sts, "spec.volumeClaimTemplates.0.spec.resources.requests.storage"), "2Gi");
	ck_assert_str_eq(str_at(sts, "spec.template.spec.containers.0.volumeMounts.0.mountPath"), "/data");
	/* daemons publish host ports; privileged drops allowPrivilegeEscalation: false */
	ck_assert_int_eq(at(ds, "spec.template.spec.containers.0.ports.0.hostPort")->v.i, 17000);
	ck_assert(at(ds, "spec.template.spec.hostPID")->v.b);
	sc = at(ds, "spec.template.spec.containers.0.securityContext");
	ck_assert(mf_get(sc, "privileged")->v.b);
	ck_assert_ptr_null(mf_get(sc, "allowPrivilegeEscalation"));
	ck_assert_str_eq(str_at(ds, "spec.template.spec.containers.0.command.0"), "/bin/sh");
	ck_assert_str_eq(str_at(ds, "spec.template.spec.containers.0.command.2"), "exec agent --verbose");
	/* cron zone goes to timeZone */
	ck_assert_str_eq(str_at(cj, "spec.schedule"), "0 3 * * *");
	ck_assert_str_eq(str_at(cj, "spec.timeZone"), "Europe/Paris");
	ck_assert_str_eq(str_at(cj, "spec.concurrencyPolicy"), "Forbid");
	ck_assert_int_eq(at(cj, "spec.jobTemplate.spec.ttlSecondsAfterFinished")->v.i, 3600);
	ck_assert_str_eq(str_at(cj, "spec.jobTemplate.spec.template.spec.restartPolicy"), "OnFailure");
	ck_assert_ptr_null(find(&o, "Service", "shop", "nightly"));
}
END_TEST

START_TEST(security_context_split)
{
	load(APP);
	mf_objects o = render("production");
	const mf_object *api = find(&o, "Deployment", "shop", "api");
	const mf_node *pod = at(api, "spec.template.spec.securityContext");
	const mf_node *ctr = at(api, "spec.template.spec.containers.0.securityContext");
	static const char *const pod_keys[] = {"runAsNonRoot", "runAsUser", "fsGroup", "seccompProfile", "appArmorProfile",
					       "sysctls"};
	static const char *const ctr_keys[] = {"readOnlyRootFilesystem", "allowPrivilegeEscalation", "capabilities"};

	for (size_t i = 0; i < 6; i++) {
		ck_assert_ptr_nonnull(mf_get(pod, pod_keys[i]));
		ck_assert_ptr_null(mf_get(ctr, pod_keys[i]));
	}
	for (size_t i = 0; i < 3; i++) {
		ck_assert_ptr_nonnull(mf_get(ctr, ctr_keys[i]));
		ck_assert_ptr_null(mf_get(pod, ctr_keys[i]));
	}
	ck_assert_str_eq(mf_str(mf_path(pod, "seccompProfile.type")), "RuntimeDefault");
	ck_assert_str_eq(mf_str(mf_path(pod, "appArmorProfile.type")), "RuntimeDefault");
	ck_assert_str_eq(mf_str(mf_path(pod, "sysctls.0.value")), "1024");
	ck_assert_str_eq(str_at(api, "spec.template.spec.containers.0.resources.requests.cpu"), "250m");
	ck_assert_str_eq(str_at(api, "spec.template.spec.containers.0.resources.limits.cpu"), "1");
	ck_assert_int_eq(mf_get(at(api, "spec.template.spec.containers.0.resources.limits"), "nvidia.com/gpu")->v.i, 1);
	ck_assert(!at(api, "spec.template.spec.automountServiceAccountToken")->v.b);
	ck_assert(!at(find(&o, "ServiceAccount", "shop", "api"), "automountServiceAccountToken")->v.b);
}
END_TEST

/* ---- exposure, monitoring, policies --------------------------------------------------- */

START_TEST(ingress_route_monitor)
{
	load(APP);
	mf_objects o = render("production");
	const mf_object *ing = find(&o, "Ingress", "shop", "shop.example");
	const mf_object *rt = find(&o, "Route", "acme", "chat"), *grt = find(&o, "Route", "shop-globex", "chat");
	const mf_object *sm = find(&o, "ServiceMonitor", "shop", "api");

	ck_assert_str_eq(str_at(ing, "spec.rules.0.host"), "shop.example");
	ck_assert_str_eq(str_at(ing, "spec.rules.0.http.paths.0.path"), "/api");
	ck_assert_str_eq(str_at(ing, "spec.rules.0.http.paths.0.pathType"), "Prefix");
	ck_assert_str_eq(str_at(ing, "spec.rules.0.http.paths.0.backend.service.port.name"), "http");
	/* the tenant's host for its instance, <instance>.<domain> otherwise */
	ck_assert_str_eq(str_at(rt, "spec.host"), "acme.shop.example");
	ck_assert_str_eq(str_at(grt, "spec.host"), "chat-globex.shop.example");
	ck_assert_str_eq(str_at(rt, "spec.tls.termination"), "edge");
	ck_assert_str_eq(str_at(sm, "spec.endpoints.0.port"), "metrics");
	ck_assert_str_eq(str_at(sm, "spec.endpoints.0.interval"), "60s");
	ck_assert_str_eq(mf_get_str(at(find(&o, "Deployment", "shop", "api"), "spec.template.metadata.annotations"),
				    "prometheus.io/port"), "9100");
}
END_TEST

static bool peer_in(const mf_node *from, const char *ns, const char *instance)
{
	for (size_t i = 0; from && i < from->n; i++) {
		const mf_node *ml = mf_path(from->items[i], "namespaceSelector.matchLabels");
		const char *pns = ml ? mf_get_str(ml, "kubernetes.io/metadata.name") : NULL;
		if ((ns ? pns && !strcmp(pns, ns) : !pns) &&
		    !strcmp(mf_get_str(mf_path(from->items[i], "podSelector.matchLabels"), "app.kubernetes.io/instance"),
			    instance))
			return true;
	}
	return false;
}

START_TEST(network_policies)
{
	load(APP);
	mf_objects o = render("production");
	const mf_object *api = find(&o, "NetworkPolicy", "shop", "api"), *cache = find(&o, "NetworkPolicy", "shop", "cache");

	ck_assert_ptr_nonnull(find(&o, "NetworkPolicy", "shop", "default-deny-ingress"));
	ck_assert_ptr_nonnull(find(&o, "NetworkPolicy", "acme", "default-deny-ingress"));
	ck_assert_ptr_nonnull(find(&o, "NetworkPolicy", "shop-globex", "default-deny-ingress"));
	/* the api is reached by both tenants' chat, from their namespaces */
	ck_assert(peer_in(at(api, "spec.ingress.0.from"), "acme", "chat-acme"));
	ck_assert(peer_in(at(api, "spec.ingress.0.from"), "shop-globex", "chat-globex"));
	/* the cache by the api, in its own namespace */
	ck_assert(peer_in(at(cache, "spec.ingress.0.from"), NULL, "api"));
	ck_assert_int_eq(at(cache, "spec.ingress.0.ports.0.port")->v.i, 6379);
	/* no allow policy for host-namespace-free daemons without clients and ports */
	ck_assert_ptr_null(find(&o, "NetworkPolicy", "shop", "nightly"));
	/* the base view has no network policy at all */
	mf_objects b = render("base");
	for (size_t i = 0; i < b.n; i++)
		ck_assert_str_ne(b.v[i].kind, "NetworkPolicy");
}
END_TEST

START_TEST(quota_and_limits)
{
	load(APP);
	mf_objects o = render("production");
	const mf_object *q = find(&o, "ResourceQuota", "acme", "quota"), *lr = find(&o, "LimitRange", "acme", "defaults");

	ck_assert_str_eq(mf_get_str(at(q, "spec.hard"), "requests.cpu"), "2");
	ck_assert_str_eq(mf_get_str(at(q, "spec.hard"), "requests.memory"), "4Gi");
	ck_assert_str_eq(mf_get_str(at(q, "spec.hard"), "limits.cpu"), "4");
	ck_assert_str_eq(str_at(lr, "spec.limits.0.type"), "Container");
	ck_assert_ptr_nonnull(at(lr, "spec.limits.0.default.cpu"));
	ck_assert_ptr_nonnull(at(lr, "spec.limits.0.defaultRequest.memory"));
	ck_assert_ptr_null(find(&o, "ResourceQuota", "shop-globex", "quota"));
}
END_TEST

/* ---- determinism ------------------------------------------------------------------------ */

static char *render_text(const char *yaml, const char *env)
{
	mf_buf b;
	char *out;

	mf_ctx_release(&C);
	setup();
	load(yaml);
	mf_objects o = render(env);
	mf_buf_init(&b);
	for (size_t i = 0; i < o.n; i++) {
		mf_buf_printf(&b, "--- %s %s\n", o.v[i].kind, o.v[i].group);
		ck_assert_int_eq(mf_yaml_write(&b, o.v[i].doc), 0);
	}
	out = strdup(b.data);
	mf_buf_release(&b);
	return out;
}

START_TEST(render_twice_same_bytes)
{
	char *one = render_text(APP, "production"), *two = render_text(APP, "production");

	ck_assert_str_eq(one, two);
	free(one);
	free(two);
	one = render_text(APP, "base");
	two = render_text(APP, "base");
	ck_assert_str_eq(one, two);
	free(one);
	free(two);
}
END_TEST

/* The render stage renders each environment once; check and emit share it. */
START_TEST(render_stage_renders_each_env_once)
{
	mf_rendered rd;
	const mf_render_env *prod;
	mf_objects fresh = {0};

	load(APP);
	ck_assert_int_eq(mf_render(&C, &S, NULL, &rd), 0);
	prod = mf_rendered_env(&rd, env_named("production"));
	ck_assert_ptr_nonnull(prod);
	ck_assert(prod->has_k8s);
	ck_assert_ptr_eq(mf_rendered_env(&rd, &S.base), &rd.base);
	ck_assert(rd.base.has_k8s);
	ck_assert_int_eq(mf_render_k8s(&C, &S, env_named("production"), &fresh), 0);
	ck_assert_uint_eq(fresh.n, prod->k8s.n);
	for (size_t i = 0; i < fresh.n; i++)
		ck_assert(mf_equal(fresh.v[i].doc, prod->k8s.v[i].doc));
}
END_TEST

START_TEST(render_stage_keeps_what_rendered_on_failure)
{
	mf_rendered rd;

	load("manifold: 1\nsystem: {name: s}\nservices:\n"
	     "  w:\n    image: w:1\n    ports: {http: 80}\n"
	     "    probes:\n      readiness: {http: {path: /, port: \"81\"}}\n"
	     "environments: {prod: {targets: [kustomize]}}\n");
	ck_assert_int_eq(mf_render(&C, &S, NULL, &rd), -1);
	ck_assert_ptr_nonnull(find(&mf_rendered_env(&rd, env_named("prod"))->k8s, "Deployment", NULL, "w"));
	ck_assert_uint_eq(C.ndiags, 1);
}
END_TEST

START_TEST(objects_sorted_by_group_and_kind)
{
	load(APP);
	mf_objects o = render("production");

	for (size_t i = 1; i < o.n; i++)
		ck_assert_int_le(strcmp(o.v[i - 1].group, o.v[i].group), 0);
	ck_assert_str_eq(find(&o, "ServiceAccount", "shop", "api")->group, "api");
	/* within a group, accounts and services come before the workload */
	for (size_t i = 0; i < o.n; i++)
		if (!strcmp(o.v[i].kind, "Deployment") && !strcmp(o.v[i].group, "api"))
			ck_assert(i > 0 && !strcmp(o.v[i - 1].kind, "Service"));
}
END_TEST

static const mf_instance *inst_named(const mf_env *e, const char *service)
{
	for (size_t i = 0; i < e->ninst; i++)
		if (!strcmp(e->inst[i].service, service))
			return &e->inst[i];
	ck_abort_msg("no instance '%s'", service);
	return NULL;
}

/* An internal network confines its members that join no network that leaves:
 * labels on members, one egress policy network-NAME, nothing for 'outer'. */
START_TEST(internal_networks)
{
	static const char *yaml =
		"manifold: 1\n"
		"system: {name: nets}\n"
		"networks: {inner: {internal: true}, outer: {}}\n"
		"services:\n"
		"  a: {image: a:1, ports: {http: 80}, networks: [inner]}\n"
		"  b: {image: b:1, ports: {http: 80}, networks: [inner, default]}\n"
		"  c: {image: c:1, ports: {http: 80}, networks: [outer]}\n"
		"  d: {image: d:1, ports: {http: 80}}\n"
		"environments: {stage: {profile: staging, targets: [kustomize]}}\n";
	const mf_env *e;
	const mf_object *np, *dep;
	mf_objects o;

	load(yaml);
	e = env_named("stage");
	ck_assert(mf_net_internal(&S, "inner"));
	ck_assert(!mf_net_internal(&S, "outer") && !mf_net_internal(&S, "default"));
	ck_assert(mf_net_confined(&S, inst_named(e, "a")));
	ck_assert(!mf_net_confined(&S, inst_named(e, "b")));
	ck_assert(!mf_net_confined(&S, inst_named(e, "c")));
	ck_assert(!mf_net_confined(&S, inst_named(e, "d")));
	o = render("stage");
	np = find(&o, "NetworkPolicy", NULL, "network-inner");
	ck_assert_str_eq(mf_get_str(at(np, "spec.podSelector.matchLabels"),
				    "network.manifold.dev/inner"),
			 "true");
	ck_assert_str_eq(str_at(np, "spec.podSelector.matchExpressions.0.key"),
			 "network.manifold.dev/default");
	ck_assert_str_eq(str_at(np, "spec.policyTypes.0"), "Egress");
	ck_assert_ptr_nonnull(at(np, "spec.egress.1.ports"));
	ck_assert_ptr_null(find(&o, "NetworkPolicy", NULL, "network-outer"));
	dep = find(&o, "Deployment", NULL, "a");
	ck_assert_str_eq(mf_get_str(at(dep, "spec.template.metadata.labels"),
				    "network.manifold.dev/inner"),
			 "true");
	dep = find(&o, "Deployment", NULL, "d");
	ck_assert_ptr_null(mf_get(at(dep, "spec.template.metadata.labels"),
				  "network.manifold.dev/default"));
}
END_TEST

static Suite *render_suite(void)
{
	Suite *s = suite_create("render_k8s");
	TCase *t = tcase_create("objects");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, selectors_hold_only_name_and_instance);
	tcase_add_test(t, recommended_labels);
	tcase_add_test(t, env_values_and_references);
	tcase_add_test(t, env_positions_point_at_the_description);
	tcase_add_test(t, probes);
	tcase_add_test(t, exec_probe_and_unknown_port);
	tcase_add_test(t, long_port_names_are_shortened);
	tcase_add_test(t, hpa_implies_no_replicas);
	tcase_add_test(t, stateful_daemon_cronjob);
	tcase_add_test(t, security_context_split);
	tcase_add_test(t, ingress_route_monitor);
	tcase_add_test(t, network_policies);
	tcase_add_test(t, quota_and_limits);
	tcase_add_test(t, render_twice_same_bytes);
	tcase_add_test(t, render_stage_renders_each_env_once);
	tcase_add_test(t, render_stage_keeps_what_rendered_on_failure);
	tcase_add_test(t, objects_sorted_by_group_and_kind);
	tcase_add_test(t, internal_networks);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return mf_test_run(render_suite());
}
