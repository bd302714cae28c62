/* model: out of memory in the renderers, emitters and the Compose adapter, one allocation at a time */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "check_impl.h"
#include "support.h"

/* Each stage runs with its first allocation failing, then its second, and
 * so on until it runs through: every failure must end the stage with one
 * "internal" error (the tree builder's sticky rule), and none may crash
 * (make asan runs this too).  The description has no {service: ...} env
 * references: resolve formats those (mf_ref_value) outside any builder. */

static mf_ctx C;
static mf_system S;
static const mf_rendered *RD;

static const char *const SYS =
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
	"    labels: {team: checkout}\n"
	"    ports:\n"
	"      http: {port: 8080, expose: {ingress: {host: shop.example, path: /api}}}\n"
	"      metrics: {port: 9100, metrics: {path: /metrics, interval: 1m}}\n"
	"    env:\n"
	"      PORT: 8080\n"
	"      PRICE: \"$5\"\n"
	"      DB_PASSWORD: {secret: db, key: password}\n"
	"      MODE: {config: settings, key: MODE}\n"
	"      POD: {field: metadata.name}\n"
	"    envFrom: [{config: settings}]\n"
	"    volumes:\n"
	"      conf: {config: settings, mount: /etc/shop}\n"
	"      scratch: {emptyDir: {sizeLimit: 64Mi}, mount: /tmp}\n"
	"    probes:\n"
	"      liveness: {http: {path: /healthz, port: http}, period: 1m30s}\n"
	"      readiness: {tcp: {port: 8080}, initialDelay: 5}\n"
	"    autoscaling: {min: 2, max: 6, cpu: 75}\n"
	"    resources: {requests: {cpu: 0.25, memory: 256Mi}, limits: {cpu: 1, memory: 1Gi}}\n"
	"    security: {runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true,\n"
	"               allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n"
	"    dependsOn: {cache: healthy}\n"
	"  cache:\n"
	"    kind: stateful\n"
	"    image: redis:7\n"
	"    ports: {redis: 6379}\n"
	"    storage: {data: {mount: /data, size: 2Gi}}\n"
	"    backup:\n"
	"      ttl: 720h\n"
	"      hooks: {pre: [{container: cache, command: [redis-cli, save]}], post: [{command: sync}]}\n"
	"  agent:\n"
	"    kind: daemon\n"
	"    image: agent:1\n"
	"    command: exec agent --verbose\n"
	"    ports: {stats: {port: 7000, host: 17000}}\n"
	"  chat:\n"
	"    scope: tenant\n"
	"    image: chat:1\n"
	"    ports: {http: {port: 80, expose: {route: {tls: edge}}}}\n"
	"  nightly:\n"
	"    kind: cronjob\n"
	"    image: tools:1\n"
	"    schedule: \"0 3 * * *\"\n"
	"tenants:\n"
	"  acme: {namespace: acme, labels: {customer: acme}, quota: {cpu: 2, memory: 4Gi}}\n"
	"environments:\n"
	"  production:\n"
	"    profile: production\n"
	"    targets: [kustomize, helm, velero]\n"
	"    namespace: shop\n"
	"    services:\n"
	"      chat: {replicas: 3}\n"
	"  development:\n"
	"    profile: development\n"
	"    targets: [compose]\n";

static void setup(void)
{
	mf_test_ctx(&C);
	mf_test_resolve(&C, &S, SYS);
	RD = mf_test_render(&C, &S);
}

static void teardown(void)
{
	mf_ctx_release(&C);
}

typedef int (*stage)(const mf_env *e);

static int k8s(const mf_env *e)
{
	mf_objects o = {0};

	return mf_render_k8s(&C, &S, e, &o);
}

static int compose(const mf_env *e)
{
	mf_node *side;

	return mf_render_compose(&C, &S, e, NULL, &side) && side ? 0 : -1;
}

static int velero(const mf_env *e)
{
	mf_objects o = {0};

	return mf_render_velero(&C, &S, e, &o);
}

static int adapter(const mf_env *e)
{
	mf_chk k = {.c = &C};
	mf_objects o = {0};

	return mf_compose_objects(&k, mf_rendered_env(RD, e)->compose, e, &o);
}

static int emit(mf_emit_fn fn)
{
	mf_output o;
	int rc;

	mf_output_init(&o);
	rc = fn(&C, RD, &o);
	mf_output_release(&o);
	return rc;
}

static int helm(const mf_env *e)
{
	return emit(mf_emit_helm);
}

static int kustomize(const mf_env *e)
{
	return emit(mf_emit_kustomize);
}

static int emit_velero(const mf_env *e)
{
	return emit(mf_emit_velero);
}

/* The stage's internal errors (the diagnostics are dropped again). */
static size_t run(stage fn, const mf_env *e, int *rc)
{
	size_t nd = C.ndiags, ne = C.nerrors, internal = 0;

	*rc = fn(e);
	for (size_t i = nd; i < C.ndiags; i++)
		internal += !strcmp(C.diags[i].code, "internal");
	C.ndiags = nd;
	C.nerrors = ne;
	return internal;
}

/* `exact`: every failure is reported.  Without it (the emitters, which
 * parse image references through resolve's mf_image_split, outside any
 * builder) a failure may go unnoticed, but is never reported twice. */
static void fail_each(const char *what, stage fn, const char *env, bool exact)
{
	const mf_env *e = env ? mf_test_env(&S, env) : NULL;
	size_t n, internal;
	int rc;

	ck_assert(!env || e);
	for (n = 0;; n++) {
		mf_arena_fail_once(C.a, n);
		internal = run(fn, e, &rc);
		if (mf_arena_fail_once(C.a, SIZE_MAX) != 0)
			break; /* ran through: no allocation n */
		ck_assert_msg(internal <= 1, "%s: allocation %zu: %zu internal errors", what, n,
			      internal);
		if (exact)
			ck_assert_msg(rc < 0 && internal == 1, "%s: allocation %zu failed unreported",
				      what, n);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(internal, 0);
	ck_assert_msg(n >= 10, "%s: only %zu allocations", what, n);
}

START_TEST(render_k8s_reports_every_failure)
{
	fail_each("k8s", k8s, "production", true);
	fail_each("k8s base", k8s, "base", true);
}
END_TEST

START_TEST(render_compose_reports_every_failure)
{
	fail_each("compose", compose, "development", true);
}
END_TEST

START_TEST(render_velero_reports_every_failure)
{
	fail_each("velero", velero, "production", true);
}
END_TEST

START_TEST(compose_adapter_reports_every_failure)
{
	fail_each("adapter", adapter, "development", true);
}
END_TEST

START_TEST(emitters_report_once)
{
	fail_each("helm", helm, NULL, false);
	fail_each("kustomize", kustomize, NULL, false);
	fail_each("velero", emit_velero, NULL, true);
}
END_TEST

static Suite *oom_suite(void)
{
	Suite *s = suite_create("oom");
	TCase *t = tcase_create("one allocation fails");

	tcase_set_timeout(t, 600); /* quadratic in allocations by design; valgrind too */
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, render_k8s_reports_every_failure);
	tcase_add_test(t, render_compose_reports_every_failure);
	tcase_add_test(t, render_velero_reports_every_failure);
	tcase_add_test(t, compose_adapter_reports_every_failure);
	tcase_add_test(t, emitters_report_once);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return mf_test_run(oom_suite());
}
