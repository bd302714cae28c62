/* check: unit tests of the rule table, findings, waivers, packs, capacity, ports, dependencies and lint */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "report.h"
#include "support.h"

static mf_ctx C;
static mf_system S;
static char dir[] = "/tmp/mf-test-check-XXXXXX";
static bool have_dir;

static void setup(void)
{
	mf_ctx_init(&C);
	C.today = "2026-06-01";
	memset(&S, 0, sizeof S);
	if (!have_dir)
		have_dir = mkdtemp(dir) != NULL;
	ck_assert(have_dir);
}

/* Each test runs in a process of its own: it removes the folder it made. */
static char written[16][512];
static size_t nwritten;

static void teardown(void)
{
	mf_ctx_release(&C);
	for (size_t i = 0; i < nwritten; i++)
		unlink(written[i]);
	if (have_dir)
		rmdir(dir);
}

/* Write name in the test directory; returns its path (static buffer per call site is enough). */
static const char *write_file(const char *name, const char *text)
{
	static char path[8][512];
	static int at;
	char *p = path[at++ % 8];
	FILE *fp;

	snprintf(p, 512, "%s/%s", dir, name);
	if (nwritten < 16)
		snprintf(written[nwritten++], sizeof written[0], "%s", p);
	fp = fopen(p, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	return p;
}

/* Load, resolve and check a description; returns mf_check's result. */
static int check_text(const char *text)
{
	const char *path = write_file("system.yaml", text);
	const mf_node *doc = mf_load_system(&C, path);
	mf_check_opts o = {0};

	ck_assert_msg(doc != NULL, "description does not load");
	ck_assert_int_eq(mf_resolve_doc(&C, doc, &S), 0);
	return mf_check(&C, mf_test_render(&C, &S), &o);
}

static size_t count(const char *code)
{
	size_t n = 0;

	for (size_t i = 0; i < C.ndiags; i++)
		n += C.diags[i].code && !strcmp(C.diags[i].code, code);
	return n;
}

static const mf_diag *first(const char *code)
{
	for (size_t i = 0; i < C.ndiags; i++)
		if (C.diags[i].code && !strcmp(C.diags[i].code, code))
			return &C.diags[i];
	return NULL;
}

static char *text_report(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(mf_report(&C, fp, MF_FMT_TEXT, false), 0);
	fclose(fp);
	return buf;
}

/* a service that passes every core rule, in parts that tests replace */
#define IMAGE "    image: example/api:1.0.0\n"
#define PORTS "    ports:\n      http: 8080\n"
#define RESOURCES                                                      \
	"    resources:\n"                                                 \
	"      requests: {cpu: 100m, memory: 128Mi}\n"                     \
	"      limits: {cpu: 500m, memory: 256Mi}\n"
#define PROBES                                                         \
	"    probes:\n"                                                    \
	"      readiness: {http: {path: /ready, port: http}}\n"            \
	"      liveness: {tcp: {port: http}}\n"
#define SERVICE IMAGE PORTS RESOURCES PROBES

#define HEAD "manifold: 1\nsystem: {name: demo}\n"
#define ENV "environments:\n  test:\n    targets: [kustomize]\n"

/* ---- the rule table ----------------------------------------------------------- */

START_TEST(rule_table)
{
	for (size_t i = 0; i < MF_RULE_COUNT; i++) {
		const mf_rule *r = &mf_rules[i];
		ck_assert_ptr_nonnull(r->id);
		ck_assert_uint_eq(strspn(r->id, "abcdefghijklmnopqrstuvwxyz0123456789-"), strlen(r->id));
		ck_assert_ptr_nonnull(r->summary);
		ck_assert(r->help && strlen(r->help) > 20);
		ck_assert_ptr_eq(mf_rule_find(r->id), r);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(mf_rules[j].id, r->id);
	}
	ck_assert_ptr_null(mf_rule_find("no-such-rule"));
	ck_assert_ptr_null(mf_rule_find(NULL));
	ck_assert_int_eq(mf_rule_find("capabilities-added")->sev, MF_SEV_ERROR);
	ck_assert_int_eq(mf_rule_find("startup-waves")->sev, MF_SEV_INFO);
}
END_TEST

/* tests/lint compares check and lint on the "check+lint" rules: the table says which. */
START_TEST(where_rules_run)
{
	const unsigned both = MF_WHERE_CHECK | MF_WHERE_LINT;

	for (size_t i = 0; i < MF_RULE_COUNT; i++) {
		unsigned w = mf_rule_where((mf_rule_id)i);
		ck_assert_msg(w & MF_WHERE_CHECK, "%s does not run in check", mf_rules[i].id);
		ck_assert_msg(!(w & MF_WHERE_SHARED) || (w & both) == both, "%s", mf_rules[i].id);
	}
	ck_assert_uint_eq(mf_rule_where(MF_RULE_PRIVILEGED), both | MF_WHERE_SHARED);
	ck_assert_uint_eq(mf_rule_where(MF_RULE_PORT_UNDECLARED), both | MF_WHERE_SHARED);
	ck_assert_uint_eq(mf_rule_where(MF_RULE_CAPACITY_EXCEEDED), both);
	ck_assert_uint_eq(mf_rule_where(MF_RULE_DEPENDS_ON_UNHEALTHY), both);
	ck_assert_uint_eq(mf_rule_where(MF_RULE_IMAGE_DIGEST), MF_WHERE_CHECK);
	ck_assert_uint_eq(mf_rule_where(MF_RULE_CAPACITY_TIGHT), MF_WHERE_CHECK);
	ck_assert_uint_eq(mf_rule_where(MF_RULE_WAIVER_UNUSED), MF_WHERE_CHECK);
}
END_TEST

/* ---- findings ------------------------------------------------------------------- */

START_TEST(clean_system_has_no_findings)
{
	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" SERVICE ENV), 0);
	ck_assert_uint_eq(C.ndiags, 0);
}
END_TEST

START_TEST(finding_fields)
{
	const mf_diag *d;

	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" SERVICE "    env: {DB_PASSWORD: hunter2}\n" ENV), 0);
	d = first("secret-literal");
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->sev, MF_SEV_ERROR);
	ck_assert_str_eq(d->msg, "'api' sets 'DB_PASSWORD' to a literal value");
	ck_assert_str_eq(d->env, "test");
	ck_assert_str_eq(d->object, "Deployment/demo-test/api");
	ck_assert_str_eq(d->path, "spec.template.spec.containers[0].env[0].value");
	ck_assert_uint_eq(d->pos.line, 14);
	ck_assert_uint_eq(d->pos.col, 24);
	ck_assert(!d->waived);
}
END_TEST

START_TEST(same_finding_in_two_environments_prints_once)
{
	char *out;

	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" SERVICE "    env: {UPSTREAM: 10.0.0.7}\n"
					 "environments:\n  a: {targets: [kustomize]}\n  b: {targets: [kustomize]}\n"),
			 0);
	ck_assert_uint_eq(count("hard-coded-ip"), 2);
	out = text_report();
	ck_assert_ptr_nonnull(strstr(out, "[hard-coded-ip]"));
	ck_assert_ptr_null(strstr(strstr(out, "[hard-coded-ip]") + 1, "[hard-coded-ip]"));
	free(out);
}
END_TEST

/* Two environments with as many objects: each is checked on its own
 * (the lookups of the first must not answer for the second). */
START_TEST(each_environment_looks_up_its_own_objects)
{
	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" SERVICE "    replicas: 2\n"
					 "    availability:\n      disruptionBudget: {minAvailable: 2}\n"
					 "environments:\n  a: {targets: [kustomize]}\n  b: {targets: [kustomize]}\n"),
			 0);
	ck_assert_uint_eq(count("pdb-blocks-eviction"), 2);
}
END_TEST

START_TEST(secret_names_that_are_not_secrets)
{
	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" SERVICE
					 "    env:\n      DB_PASSWORD_FILE: /run/secrets/db\n      TOKEN_TTL: \"3600\"\n"
					 "      MAX_TOKENS: \"512\"\n      AUTH_ENABLED: \"true\"\n      DB_PASSWORD: \"$${DB_PASSWORD}\"\n" ENV),
			 0);
	ck_assert_uint_eq(count("secret-literal"), 0);
}
END_TEST

START_TEST(addresses)
{
	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" SERVICE
					 "    env:\n      A: 0.0.0.0:80\n      B: 127.0.0.1\n      C: 10.0.0.0/8\n      D: v1.2.3.4\n"
					 "      E: \"192.168.1.1, 192.168.1.2\"\n" ENV),
			 0);
	ck_assert_uint_eq(count("hard-coded-ip"), 1);
	ck_assert_str_eq(first("hard-coded-ip")->msg, "'api' hard-codes IP address '192.168.1.1' and 1 more in 'E'");
}
END_TEST

/* ---- waivers ------------------------------------------------------------------------- */

#define LATEST "    image: example/api:latest\n" PORTS RESOURCES PROBES

START_TEST(waiver_marks_and_uncounts)
{
	const mf_diag *d;

	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" SERVICE "    env: {DB_PASSWORD: x1}\n"
					 "    waivers:\n      - {rule: secret-literal, reason: test fixture only, expires: \"2026-12-31\"}\n" ENV),
			 0);
	d = first("secret-literal");
	ck_assert_ptr_nonnull(d);
	ck_assert(d->waived);
	ck_assert_str_eq(d->waiver_reason, "test fixture only");
	ck_assert_uint_eq(d->waiver_pos.line, 16);
	ck_assert_uint_eq(C.nerrors, 0);
	ck_assert_uint_eq(count("waiver-unused"), 0);
}
END_TEST

START_TEST(waiver_expired_still_reports)
{
	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" SERVICE "    env: {DB_PASSWORD: x1}\n"
					 "    waivers:\n      - {rule: secret-literal, reason: test fixture only, expires: \"2026-05-31\"}\n" ENV),
			 0);
	ck_assert(!first("secret-literal")->waived);
	ck_assert_str_eq(first("waiver-expired")->msg, "waiver for 'secret-literal' expired on 2026-05-31");
}
END_TEST

START_TEST(waiver_expires_today_is_valid)
{
	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" SERVICE "    env: {DB_PASSWORD: x1}\n"
					 "    waivers:\n      - {rule: secret-literal, reason: test fixture only, expires: \"2026-06-01\"}\n" ENV),
			 0);
	ck_assert(first("secret-literal")->waived);
	ck_assert_uint_eq(count("waiver-expired"), 0);
}
END_TEST

START_TEST(waiver_scoped_to_other_environment)
{
	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" SERVICE "    env: {DB_PASSWORD: x1}\n"
					 "    waivers:\n      - {rule: secret-literal, reason: staging only, expires: \"2027-01-01\","
					 " environments: [staging]}\n" ENV
					 "  staging:\n    targets: [compose]\n"),
			 0);
	for (size_t i = 0; i < C.ndiags; i++)
		if (!strcmp(C.diags[i].code, "secret-literal"))
			ck_assert_msg(C.diags[i].waived == !strcmp(C.diags[i].env, "staging"),
				      "waived in '%s'", C.diags[i].env);
	ck_assert_uint_eq(count("secret-literal"), 2);
	ck_assert_uint_eq(count("waiver-unused"), 0);
}
END_TEST

START_TEST(waiver_unknown_and_unused)
{
	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" SERVICE
					 "    waivers:\n      - {rule: privileged, reason: nothing to waive, expires: \"2027-01-01\"}\n"
					 "      - {rule: host-pats, reason: misspelt, expires: \"2027-01-01\"}\n" ENV),
			 0);
	ck_assert_str_eq(first("waiver-unused")->msg, "waiver for 'privileged' matches no finding");
	ck_assert_str_eq(first("waiver-unknown-rule")->note, "did you mean 'host-path'?");
}
END_TEST

START_TEST(tenant_waiver)
{
	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" SERVICE "    scope: tenant\n    replicas: 4\n"
					 "tenants:\n  acme:\n    quota: {cpu: 200m}\n"
					 "    waivers: [{rule: capacity-exceeded, reason: burst week, expires: \"2027-01-01\"}]\n" ENV),
			 0);
	ck_assert(first("capacity-exceeded")->waived);
	ck_assert_str_eq(first("capacity-exceeded")->msg, "tenant 'acme' is over its quota in 'test': requests 0.4 cpu of 0.2");
}
END_TEST

/* ---- packs ------------------------------------------------------------------------------ */

START_TEST(pack_changes_severity)
{
	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" LATEST ENV), 0);
	ck_assert_int_eq(first("image-latest")->sev, MF_SEV_WARNING);
}
END_TEST

START_TEST(production_pack_makes_latest_an_error)
{
	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" LATEST
					 "    security: {readOnlyRootFilesystem: true}\n" ENV "    policies: [production]\n"),
			 0);
	ck_assert_int_eq(first("image-latest")->sev, MF_SEV_ERROR);
}
END_TEST

START_TEST(custom_pack)
{
	const mf_diag *d;

	write_file("team.yaml", "pack: team\n"
				"disable: [image-latest]\n"
				"rules:\n"
				"  - id: team-label\n"
				"    severity: warning\n"
				"    message: \"{kind} '{name}' of '{service}' in '{env}' has no team label\"\n"
				"    scope: {kinds: [Deployment]}\n"
				"    assert: [{field: metadata.labels.team, exists: true}]\n"
				"  - id: memory-ceiling\n"
				"    severity: error\n"
				"    on: service\n"
				"    message: \"'{service}' asks for {value} at {path}\"\n"
				"    assert: [{field: resources.limits.memory, maxMemory: 128Mi}]\n");
	ck_assert_int_eq(check_text(HEAD "policies: [team.yaml]\nservices:\n  api:\n" LATEST ENV), 0);
	ck_assert_uint_eq(count("image-latest"), 0);
	d = first("team-label");
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->msg, "Deployment 'api' of 'api' in 'test' has no team label");
	ck_assert_str_eq(d->path, "metadata.labels.team");
	d = first("memory-ceiling");
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->sev, MF_SEV_ERROR);
	ck_assert_str_eq(d->msg, "'api' asks for 256Mi at resources.limits.memory");
	ck_assert_str_eq(d->path, "services.api.resources.limits.memory");
	ck_assert_uint_eq(d->pos.line, 11);
}
END_TEST

START_TEST(custom_pack_wildcards_and_patterns)
{
	write_file("img.yaml", "pack: img\n"
			       "rules:\n"
			       "  - id: company-registry\n"
			       "    severity: error\n"
			       "    message: \"'{service}' runs {value}\"\n"
			       "    scope: {kinds: [Deployment]}\n"
			       "    when: [{field: 'metadata.labels[\"app.kubernetes.io/name\"]', exists: true}]\n"
			       "    assert: [{field: \"spec.template.spec.containers[*].image\", matches: \"^registry\\\\.example\\\\.com/\"}]\n");
	if (check_text(HEAD "policies: [img.yaml]\nservices:\n  api:\n" SERVICE ENV) < 0)
		mf_report(&C, stderr, MF_FMT_TEXT, false);
	ck_assert_uint_eq(count("company-registry"), 1);
	ck_assert_str_eq(first("company-registry")->msg, "'api' runs example/api:1.0.0");
	ck_assert_str_eq(first("company-registry")->path, "spec.template.spec.containers[0].image");
}
END_TEST

START_TEST(waiver_for_pack_rule)
{
	write_file("lbl.yaml", "pack: lbl\nrules:\n  - id: team-label\n    severity: warning\n    message: no team\n"
			       "    scope: {kinds: [Deployment]}\n    assert: [{field: metadata.labels.team, exists: true}]\n");
	ck_assert_int_eq(check_text(HEAD "policies: [lbl.yaml]\nservices:\n  api:\n" SERVICE
					 "    waivers: [{rule: team-label, reason: legacy service, expires: \"2027-01-01\"}]\n" ENV),
			 0);
	ck_assert(first("team-label")->waived);
	ck_assert_uint_eq(count("waiver-unknown-rule"), 0);
}
END_TEST

START_TEST(bad_packs)
{
	write_file("bad.yaml", "pack: bad\n"
			       "enable: [host-pats]\n"
			       "rules:\n"
			       "  - id: privileged\n    severity: error\n    message: \"{nope}\"\n"
			       "    assert: [{field: spec, matches: \"([\"}]\n");
	ck_assert_int_eq(check_text(HEAD "policies: [bad.yaml, baseln]\nservices:\n  api:\n" SERVICE ENV), -1);
	ck_assert_str_eq(first("policy-rule")->msg, "unknown built-in rule 'host-pats'");
	ck_assert_ptr_nonnull(first("policy-pattern"));
	ck_assert_ptr_nonnull(first("policy-message"));
	ck_assert_str_eq(first("policy-unknown")->note, "did you mean 'baseline'?");
}
END_TEST

START_TEST(pack_schema_error)
{
	write_file("schema.yaml", "pack: schema\nrules:\n  - id: x\n    severity: fatal\n    message: m\n    assert: []\n");
	ck_assert_int_eq(check_text(HEAD "policies: [schema.yaml]\nservices:\n  api:\n" SERVICE ENV), -1);
	ck_assert_uint_gt(C.nerrors, 0);
}
END_TEST

/* ---- security levels ------------------------------------------------------------------------ */

START_TEST(capabilities_by_level)
{
	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" SERVICE "    security: {capabilities: {add: [CHOWN]}}\n"
					 ENV "    policies: [baseline]\n"),
			 0);
	ck_assert_uint_eq(count("capabilities-added"), 0);
}
END_TEST

START_TEST(capabilities_restricted)
{
	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" SERVICE
					 "    security: {capabilities: {add: [CHOWN, NET_BIND_SERVICE]}}\n" ENV
					 "    policies: [baseline, restricted]\n"),
			 0);
	ck_assert_uint_eq(count("capabilities-added"), 1);
	ck_assert_str_eq(first("capabilities-added")->msg,
			 "'api' adds capability 'CHOWN' (restricted allows only 'NET_BIND_SERVICE')");
}
END_TEST

START_TEST(capabilities_on_host_network)
{
	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" SERVICE
					 "    security: {hostNetwork: true, capabilities: {add: [NET_BIND_SERVICE]}}\n" ENV
					 "    policies: [baseline]\n"),
			 0);
	ck_assert_str_eq(first("capabilities-added")->msg, "'api' adds capability 'NET_BIND_SERVICE' on the host network");
	ck_assert_uint_eq(count("host-namespaces"), 1);
}
END_TEST

/* ---- capacity, ports, dependencies --------------------------------------------------------- */

START_TEST(machine_capacity_message)
{
	const mf_diag *d;

	ck_assert_int_eq(check_text(HEAD "machines:\n  pc2: {cpu: 16, memory: 32Gi, reserve: 20}\n"
					 "services:\n  api:\n" IMAGE PORTS PROBES "    placement: {machine: pc2}\n"
					 "    resources: {requests: {cpu: 3700m, memory: 1Gi}, limits: {cpu: 4, memory: 1Gi}}\n"
					 "    autoscaling: {min: 2, max: 5}\n" ENV),
			 0);
	d = first("capacity-exceeded");
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->msg, "machine 'pc2' is over capacity in 'test': requests 18.5 cpu of 12.8 usable (16 cores, 20% reserved)");
	ck_assert_str_eq(d->note, "largest: 'api' 5 x 3.7 cpu");
}
END_TEST

START_TEST(compose_host_port_clash)
{
	const mf_diag *d;

	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" IMAGE RESOURCES PROBES "    scope: tenant\n    ports: {http: {port: 8080, host: 8080}}\n"
					 "tenants:\n  a: {}\n  b: {}\n"
					 "environments:\n  test:\n    targets: [kustomize]\n"),
			 0);
	ck_assert_uint_eq(count("host-port-conflict"), 0);   /* Kubernetes: the scheduler keeps them apart */
	mf_ctx_release(&C);
	mf_ctx_init(&C);
	ck_assert_int_eq(check_text(HEAD "services:\n  api:\n" IMAGE RESOURCES PROBES "    kind: daemon\n    scope: tenant\n"
					 "    ports: {http: {port: 8080, host: 8080}}\n"
					 "tenants:\n  a: {}\n  b: {}\n"
					 "environments:\n  test:\n    targets: [kustomize]\n"),
			 0);
	d = first("host-port-conflict");
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->msg, "'api-b' publishes host port 8080/TCP, which 'api-a' already uses");
	ck_assert_ptr_nonnull(strstr(d->note, "'api-a' publishes it at "));
}
END_TEST

START_TEST(dependency_cycle_note)
{
	ck_assert_int_eq(check_text(HEAD "services:\n"
					 "  a:\n" SERVICE "    dependsOn: {b: started}\n"
					 "  b:\n" SERVICE "    dependsOn: {c: started}\n"
					 "  c:\n" SERVICE "    dependsOn: {a: started}\n"
					 "  d:\n" SERVICE "    dependsOn: {a: started}\n"
					 "  e:\n" SERVICE ENV),
			 0);
	ck_assert_uint_eq(count("dependency-cycle"), 1);
	ck_assert_str_eq(first("dependency-cycle")->note, "a -> b -> c -> a");
	ck_assert_str_eq(first("startup-waves")->msg, "services of 'test' start in 1 wave (4 wait on a dependency cycle)");
}
END_TEST

START_TEST(waves)
{
	ck_assert_int_eq(check_text(HEAD "services:\n"
					 "  db:\n" SERVICE
					 "  api:\n" SERVICE "    dependsOn: {db: healthy}\n"
					 "  web:\n" SERVICE "    dependsOn: {api: healthy, db: started}\n"
					 "  cache:\n" SERVICE ENV),
			 0);
	ck_assert_str_eq(first("startup-waves")->msg, "services of 'test' start in 3 waves");
	ck_assert_str_eq(first("startup-waves")->note, "wave 1: cache, db; wave 2: api; wave 3: web");
}
END_TEST

START_TEST(deterministic)
{
	static const char sys[] = HEAD "machines:\n  m: {cpu: 1, memory: 1Gi}\nservices:\n  api:\n" LATEST
				  "    placement: {machine: m}\n    replicas: 3\n    env: {A: 10.1.1.1, B: \"x://u:p@h\"}\n"
				  "  web:\n" SERVICE "    dependsOn: {api: healthy}\n" ENV;
	char *one, *two;

	ck_assert_int_eq(check_text(sys), 0);
	one = text_report();
	mf_ctx_release(&C);
	mf_ctx_init(&C);
	C.today = "2026-06-01";
	ck_assert_int_eq(check_text(sys), 0);
	two = text_report();
	ck_assert_str_eq(one, two);
	free(one);
	free(two);
}
END_TEST

/* ---- lint ---------------------------------------------------------------------------------- */

START_TEST(lint_kubernetes)
{
	const char *path = write_file("k8s.yaml",
				      "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: ops}\n"
				      "spec:\n  selector: {matchLabels: {app: agent}}\n  template:\n"
				      "    metadata: {labels: {app: agent}}\n    spec:\n      containers:\n"
				      "        - name: agent\n          image: agent:2.1\n"
				      "          securityContext: {privileged: true}\n"
				      "          ports: [{containerPort: 9100, hostPort: 9100}]\n"
				      "---\n"
				      "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: other, namespace: ops}\n"
				      "spec:\n  selector: {matchLabels: {app: other}}\n  template:\n"
				      "    metadata: {labels: {app: other}}\n    spec:\n      containers:\n"
				      "        - {name: other, image: other, ports: [{containerPort: 9100, hostPort: 9100}]}\n");
	const char *paths[] = {path};

	ck_assert_int_eq(mf_lint(&C, paths, 1, NULL, 0), 0);
	ck_assert_uint_eq(count("privileged"), 1);
	ck_assert_uint_eq(count("host-port-conflict"), 1);
	ck_assert_str_eq(first("image-latest")->msg, "'other' uses image 'other' with no tag, which means 'latest'");
	ck_assert_str_eq(first("privileged")->object, "DaemonSet/ops/agent");
	ck_assert_uint_eq(first("privileged")->pos.line, 12);
}
END_TEST

START_TEST(lint_compose)
{
	const char *path = write_file("compose.yaml",
				      "services:\n"
				      "  web:\n    image: web:1\n    ports: [\"8080:80\"]\n"
				      "    environment: [\"DB_URL=postgres://u:pw@db/x\", \"TOKEN=abc123\"]\n"
				      "    depends_on: {db: {condition: service_healthy}}\n"
				      "  db:\n    image: postgres:16\n    ports: [\"127.0.0.1:8080:5432\"]\n");
	const char *paths[] = {path};

	ck_assert_int_eq(mf_lint(&C, paths, 1, NULL, 0), 0);
	ck_assert_uint_eq(count("url-credentials"), 1);
	ck_assert_uint_eq(count("secret-literal"), 1);
	ck_assert_uint_eq(count("depends-on-unhealthy"), 1);
	ck_assert_uint_eq(count("host-port-conflict"), 1);
	ck_assert_uint_eq(count("probe-missing"), 2);
	ck_assert_str_eq(first("probe-missing")->msg, "'web' has no healthcheck");
}
END_TEST

START_TEST(lint_namespace_quota)
{
	const char *path = write_file("quota.yaml",
				      "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: team, namespace: a}\n"
				      "spec:\n  hard: {requests.cpu: \"1\", limits.memory: 1Gi}\n"
				      "---\n"
				      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: a}\n"
				      "spec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n"
				      "    metadata: {labels: {app: web}}\n    spec:\n      containers:\n"
				      "        - name: web\n          image: web:1.2\n"
				      "          resources: {requests: {cpu: 500m, memory: 256Mi}, limits: {cpu: 1, memory: 512Mi}}\n"
				      /* namespace b's quota counts b's pods only (sums are per namespace) */
				      "---\n"
				      "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: other, namespace: b}\n"
				      "spec:\n  hard: {requests.cpu: \"1\"}\n"
				      "---\n"
				      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: b}\n"
				      "spec:\n  replicas: 1\n  selector: {matchLabels: {app: api}}\n  template:\n"
				      "    metadata: {labels: {app: api}}\n    spec:\n      containers:\n"
				      "        - name: api\n          image: api:1.2\n"
				      "          resources: {requests: {cpu: 500m, memory: 256Mi}, limits: {cpu: 1, memory: 512Mi}}\n");
	const char *paths[] = {path};

	ck_assert_int_eq(mf_lint(&C, paths, 1, NULL, 0), 0);
	ck_assert_uint_eq(count("capacity-exceeded"), 2);
	ck_assert_str_eq(first("capacity-exceeded")->msg, "namespace 'a' is over its quota 'team': requests 1.5 cpu of 1");
}
END_TEST

START_TEST(lint_bad_file)
{
	const char *paths[] = {"/nonexistent/x.yaml"};

	ck_assert_int_eq(mf_lint(&C, paths, 1, NULL, 0), -1);
}
END_TEST

static Suite *check_suite(void)
{
	Suite *s = suite_create("check");
	TCase *t = tcase_create("rules");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, rule_table);
	tcase_add_test(t, where_rules_run);
	tcase_add_test(t, clean_system_has_no_findings);
	tcase_add_test(t, finding_fields);
	tcase_add_test(t, same_finding_in_two_environments_prints_once);
	tcase_add_test(t, each_environment_looks_up_its_own_objects);
	tcase_add_test(t, secret_names_that_are_not_secrets);
	tcase_add_test(t, addresses);
	tcase_add_test(t, capabilities_by_level);
	tcase_add_test(t, capabilities_restricted);
	tcase_add_test(t, capabilities_on_host_network);
	tcase_add_test(t, machine_capacity_message);
	tcase_add_test(t, compose_host_port_clash);
	tcase_add_test(t, dependency_cycle_note);
	tcase_add_test(t, waves);
	tcase_add_test(t, deterministic);
	suite_add_tcase(s, t);
	t = tcase_create("waivers");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, waiver_marks_and_uncounts);
	tcase_add_test(t, waiver_expired_still_reports);
	tcase_add_test(t, waiver_expires_today_is_valid);
	tcase_add_test(t, waiver_scoped_to_other_environment);
	tcase_add_test(t, waiver_unknown_and_unused);
	tcase_add_test(t, tenant_waiver);
	suite_add_tcase(s, t);
	t = tcase_create("packs");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, pack_changes_severity);
	tcase_add_test(t, production_pack_makes_latest_an_error);
	tcase_add_test(t, custom_pack);
	tcase_add_test(t, custom_pack_wildcards_and_patterns);
	tcase_add_test(t, waiver_for_pack_rule);
	tcase_add_test(t, bad_packs);
	tcase_add_test(t, pack_schema_error);
	suite_add_tcase(s, t);
	t = tcase_create("lint");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, lint_kubernetes);
	tcase_add_test(t, lint_compose);
	tcase_add_test(t, lint_namespace_quota);
	tcase_add_test(t, lint_bad_file);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return mf_test_run(check_suite());
}
