/* emit: unit tests for the Helm chart: layout, Chart.yaml, values keys, per-environment differences, schema */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <yaml.h>

#include "embedded.h"
#include "support.h"

static mf_ctx C;
static mf_system S;
static mf_output O;

static void setup(void)
{
	mf_test_ctx(&C);
	mf_output_init(&O);
}

static void teardown(void)
{
	mf_output_release(&O);
	mf_ctx_release(&C);
}

static void emit(const char *yaml)
{
	mf_test_emit(&C, &S, &O, yaml, mf_emit_helm);
}

static const mf_node *doc(const char *path)
{
	return mf_test_parse(&C, &O, path, false);
}

/* Every YAML file parses with libyaml (templates and the Markdown files are not YAML). */
static void check_yaml_files(void)
{
	for (size_t i = 0; i < O.n; i++)
		if (!strstr(O.files[i].path, "/templates/") && !strstr(O.files[i].path, ".helmignore") &&
		    !strstr(O.files[i].path, ".md"))
			mf_test_libyaml(&O.files[i]);
}

#define CH "helm/shop/"

static const char *const SHOP =
	"manifold: 1\n"
	"system: {name: shop, version: \"2.1.0\", description: a shop}\n"
	"services:\n"
	"  coder-arm:\n"
	"    image: coder:1\n"
	"    replicas: 2\n"
	"    ports: {http: 8080}\n"
	"    env: {MODE: fast}\n"
	"  db:\n"
	"    kind: stateful\n"
	"    image: postgres:16\n"
	"    ports: {pg: 5432}\n"
	"    storage: {data: {mount: /var/lib/postgresql/data, size: 5Gi}}\n"
	"  debug: {image: debug:1, environments: [dev]}\n"
	"  chat:\n"
	"    scope: tenant\n"
	"    image: chat:1\n"
	"    ports: {http: 80}\n"
	"tenants:\n"
	"  acme-corp: {namespace: acme}\n"
	"environments:\n"
	"  dev: {targets: [kustomize, helm], namespace: shop-dev}\n"
	"  prod:\n"
	"    targets: [kustomize, helm]\n"
	"    namespace: shop-prod\n"
	"    services:\n"
	"      coder-arm: {replicas: 4}\n";

/* ---- layout ------------------------------------------------------------------------ */

START_TEST(no_helm_environment_no_chart)
{
	emit("manifold: 1\nsystem: {name: x}\nservices: {a: {image: a:1}}\n"
	     "environments: {prod: {targets: [kustomize]}}\n");
	for (size_t i = 0; i < O.n; i++)
		ck_assert_msg(strncmp(O.files[i].path, "helm/", 5), "unexpected %s", O.files[i].path);
}
END_TEST

START_TEST(layout)
{
	static const char *const want[] = {"Chart.yaml", "values.yaml", "values-dev.yaml", "values-prod.yaml",
					   "values.schema.json", ".helmignore", "templates/_helpers.tpl",
					   "templates/deployment.yaml", "templates/statefulset.yaml",
					   "templates/service.yaml", "templates/namespace.yaml"};

	emit(SHOP);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_assert_msg(mf_test_file(&O, mf_printf(C.a, CH "%s", want[i])) != NULL, "no %s", want[i]);
	/* one template per kind in use, and only those */
	ck_assert_ptr_null(mf_test_file(&O, CH "templates/cronjob.yaml"));
	ck_assert_ptr_null(mf_test_file(&O, CH "templates/route.yaml"));
	/* templates name their helpers after the chart */
	ck_assert(mf_test_contains(&O, CH "templates/_helpers.tpl", "define \"shop.labels\""));
	ck_assert(!mf_test_contains(&O, CH "templates/deployment.yaml", "@CHART@"));
	/* and range over the values but the reserved keys, given once in emit_helm.c */
	ck_assert(mf_test_contains(&O, CH "templates/deployment.yaml",
				   "omit .Values \"global\" \"namespace\" \"tenants\" \"configMaps\" "
				   "\"ingresses\" \"secrets\" \"prometheusRules\" \"tests\" "
				   "\"extraObjects\" }}"));
	ck_assert(!mf_test_contains(&O, CH "templates/service.yaml", "@RESERVED@"));
	check_yaml_files();
}
END_TEST

/* The kind a template renders is declared in its file, and that line is not the chart's. */
START_TEST(kind_line_declared_and_dropped)
{
	const char *src = mf_embedded_find("templates/helm/templates/deployment.yaml", NULL);
	const char *helpers = mf_embedded_find("templates/helm/templates/_helpers.tpl", NULL), *body;
	const mf_outfile *out;

	ck_assert_ptr_nonnull(src);
	ck_assert_ptr_nonnull(helpers);
	ck_assert(!strncmp(src, "{{- /* manifold: kind=Deployment */ -}}\n", 40));
	ck_assert_ptr_null(strstr(helpers, "manifold: kind="));
	emit(SHOP);
	for (size_t i = 0; i < O.n; i++)
		ck_assert_msg(!strstr(O.files[i].data, "manifold: kind="), "%s", O.files[i].path);
	body = strchr(src, '\n') + 1; /* the chart's file starts where the template's second line does */
	out = mf_test_file(&O, CH "templates/deployment.yaml");
	ck_assert_ptr_nonnull(out);
	ck_assert(!strncmp(out->data, body, strcspn(body, "\n") + 1));
}
END_TEST

START_TEST(chart_yaml)
{
	const mf_node *c;

	emit(SHOP);
	c = doc(CH "Chart.yaml");
	ck_assert_str_eq(mf_get_str(c, "apiVersion"), "v2");
	ck_assert_str_eq(mf_get_str(c, "name"), "shop");
	ck_assert_str_eq(mf_get_str(c, "version"), "2.1.0");
	ck_assert_str_eq(mf_get_str(c, "appVersion"), "2.1.0");
	ck_assert_str_eq(mf_get_str(c, "type"), "application");
	ck_assert_str_eq(mf_get_str(c, "description"), "a shop");
}
END_TEST

/* Chart.yaml takes what Helm has of the description; nothing when not given. */
START_TEST(chart_yaml_fields)
{
	const mf_node *c;

	emit("manifold: 1\nsystem:\n  name: x\n  home: https://x.example\n"
	     "  sources: [https://git.example/x]\n  icon: https://x.example/i.svg\n"
	     "  keywords: [ai, llm]\n  maintainers: [{name: Ann, email: ann@x.example}]\n"
	     "services: {a: {image: a:1}}\nenvironments: {prod: {targets: [helm]}}\n");
	c = doc("helm/x/Chart.yaml");
	ck_assert_str_eq(mf_get_str(c, "home"), "https://x.example");
	ck_assert_str_eq(mf_get_str(c, "icon"), "https://x.example/i.svg");
	ck_assert_str_eq(mf_str(mf_path(c, "sources.0")), "https://git.example/x");
	ck_assert_str_eq(mf_str(mf_path(c, "keywords.1")), "llm");
	ck_assert_str_eq(mf_str(mf_path(c, "maintainers.0.email")), "ann@x.example");
	teardown();
	setup();
	emit(SHOP);
	c = doc(CH "Chart.yaml");
	ck_assert_ptr_null(mf_get(c, "home"));
	ck_assert_ptr_null(mf_get(c, "maintainers"));
}
END_TEST

/* Helm's own conventions: the labels Helm users expect, NOTES.txt, test hooks,
 * the Namespace only when asked, the name prefix off. */
START_TEST(helm_conventions)
{
	const mf_node *v;

	emit(SHOP);
	ck_assert(mf_test_contains(&O, CH "templates/_helpers.tpl",
				   "\"app.kubernetes.io/managed-by\" $root.Release.Service"));
	ck_assert(mf_test_contains(&O, CH "templates/_helpers.tpl", "\"helm.sh/chart\""));
	ck_assert(!mf_test_contains(&O, CH "templates/_helpers.tpl", "\"manifold\""));
	ck_assert(mf_test_contains(&O, CH "templates/NOTES.txt", "helm test {{ .Release.Name }}"));
	ck_assert(mf_test_contains(&O, CH "templates/tests/readiness.yaml",
				   "\"helm.sh/hook\" \"test\""));
	v = doc(CH "values.yaml");
	ck_assert(!mf_get_bool(mf_get(v, "namespace"), "create", true));
	ck_assert(!mf_get_bool(mf_get(v, "global"), "releasePrefix", true));
	ck_assert(mf_get_bool(mf_get(v, "tests"), "enabled", false));
	ck_assert_ptr_nonnull(mf_get_str(mf_get(v, "tests"), "image"));
	/* the tenant's Namespace stays while the tenant is on */
	ck_assert(mf_get_bool(mf_path(v, "tenants.acmeCorp"), "enabled", false));
}
END_TEST

START_TEST(chart_version_rules)
{
	emit("manifold: 1\nsystem: {name: x, version: \"2024.1\"}\nservices: {a: {image: a:1}}\n"
	     "environments: {prod: {targets: [helm]}}\n");
	/* not SemVer: the chart version falls back; appVersion stays */
	ck_assert_str_eq(mf_get_str(doc("helm/x/Chart.yaml"), "version"), "0.1.0");
	ck_assert_str_eq(mf_get_str(doc("helm/x/Chart.yaml"), "appVersion"), "2024.1");
	teardown();
	setup();
	emit("manifold: 1\nsystem: {name: x, version: \"2024.1\", chartVersion: 3.0.0-rc.1}\n"
	     "services: {a: {image: a:1}}\nenvironments: {prod: {targets: [helm]}}\n");
	ck_assert_str_eq(mf_get_str(doc("helm/x/Chart.yaml"), "version"), "3.0.0-rc.1");
}
END_TEST

/* ---- values -------------------------------------------------------------------------- */

START_TEST(values_keys_and_layout)
{
	const mf_node *v, *svc;

	emit(SHOP);
	v = doc(CH "values.yaml");
	/* lowerCamelCase keys, the real name in `name` */
	svc = mf_get(v, "coderArm");
	ck_assert_ptr_nonnull(svc);
	ck_assert_str_eq(mf_get_str(svc, "name"), "coder-arm");
	ck_assert_str_eq(mf_get_str(svc, "workload"), "Deployment");
	ck_assert_int_eq(mf_get_int(svc, "replicaCount", -1), 2);
	ck_assert_str_eq(mf_str(mf_path(svc, "image.repository")), "coder");
	ck_assert_str_eq(mf_str(mf_path(svc, "image.tag")), "1");
	ck_assert_str_eq(mf_str(mf_path(svc, "env.0.name")), "MODE");
	/* the release namespace unless an environment says otherwise */
	ck_assert_str_eq(mf_str(mf_path(v, "global.namespace")), "");
	/* a tenant instance: its own key, the tenant by key */
	svc = mf_get(v, "chatAcmeCorp");
	ck_assert_ptr_nonnull(svc);
	ck_assert_str_eq(mf_get_str(svc, "name"), "chat");
	ck_assert_str_eq(mf_get_str(svc, "instance"), "chat-acme-corp");
	ck_assert_str_eq(mf_get_str(svc, "tenant"), "acmeCorp");
	ck_assert_str_eq(mf_str(mf_path(v, "tenants.acmeCorp.namespace")), "acme");
	/* a StatefulSet's storage */
	ck_assert_str_eq(mf_str(mf_path(mf_get(v, "db"), "persistence.0.size")), "5Gi");
	/* blocks templates read are always there */
	ck_assert(!mf_get_bool(mf_get(mf_get(v, "db"), "autoscaling"), "enabled", true));
}
END_TEST

START_TEST(env_values_hold_only_differences)
{
	const mf_node *prod, *dev;

	emit(SHOP);
	prod = doc(CH "values-prod.yaml");
	dev = doc(CH "values-dev.yaml");
	/* the release namespace decides (helm -n), in every values file */
	ck_assert_ptr_null(mf_path(prod, "global.namespace"));
	ck_assert_int_eq(mf_get_int(mf_get(prod, "coderArm"), "replicaCount", -1), 4);
	/* the same image, env and ports: not repeated */
	ck_assert_ptr_null(mf_path(prod, "coderArm.image"));
	ck_assert_ptr_null(mf_path(prod, "coderArm.env"));
	ck_assert_ptr_null(mf_get(prod, "db"));
	/* a service only dev runs: off in prod, and only that */
	ck_assert_uint_eq(mf_get(prod, "debug")->n, 1);
	ck_assert(!mf_get_bool(mf_get(prod, "debug"), "enabled", true));
	ck_assert_ptr_null(mf_get(dev, "debug"));
	ck_assert_ptr_null(mf_get(dev, "coderArm"));
}
END_TEST

START_TEST(null_removes_a_default)
{
	const mf_node *prod;

	/* the string form of the image drops the pull policy */
	emit("manifold: 1\nsystem: {name: x}\n"
	     "services: {a: {image: {repository: a, tag: \"1\", pullPolicy: Always}}}\n"
	     "environments: {prod: {targets: [helm], services: {a: {image: \"a:2\"}}}}\n");
	prod = doc("helm/x/values-prod.yaml");
	ck_assert_str_eq(mf_str(mf_path(prod, "a.image.tag")), "2");
	ck_assert_int_eq(mf_path(prod, "a.image.pullPolicy")->kind, MF_NULL);
	ck_assert_ptr_null(mf_path(prod, "a.image.repository"));
}
END_TEST

START_TEST(key_clashes_fall_back)
{
	const mf_node *v;

	emit("manifold: 1\nsystem: {name: x}\n"
	     "services: {a-1: {image: a:1}, a1: {image: a:1}, global: {image: g:1}, tenants: {image: t:1}}\n"
	     "environments: {prod: {targets: [helm]}}\n");
	v = doc("helm/x/values.yaml");
	ck_assert_str_eq(mf_get_str(mf_get(v, "a_1"), "name"), "a-1");
	ck_assert_str_eq(mf_get_str(mf_get(v, "a1"), "name"), "a1");
	/* a service named like a reserved key keeps away from it */
	ck_assert_str_eq(mf_get_str(mf_get(v, "global_"), "name"), "global");
	ck_assert_str_eq(mf_get_str(mf_get(v, "tenants_"), "name"), "tenants");
	ck_assert_ptr_nonnull(mf_path(v, "global.namespace"));
}
END_TEST

/* ---- values.schema.json ------------------------------------------------------------- */

START_TEST(schema_names_every_key)
{
	const mf_node *s, *props, *svc;

	emit(SHOP);
	s = doc(CH "values.schema.json");
	ck_assert_str_eq(mf_get_str(s, "$schema"), "http://json-schema.org/draft-07/schema#");
	ck_assert(!mf_get_bool(s, "additionalProperties", true));
	props = mf_get(s, "properties");
	ck_assert_ptr_nonnull(mf_get(props, "global"));
	ck_assert_str_eq(mf_str(mf_path(props, "coderArm.$ref")), "#/definitions/service");
	ck_assert_str_eq(mf_str(mf_path(props, "tenants.properties.acmeCorp.$ref")), "#/definitions/tenant");
	svc = mf_path(s, "definitions.service");
	ck_assert(!mf_get_bool(svc, "additionalProperties", true));
	ck_assert_str_eq(mf_str(mf_path(svc, "properties.replicaCount.type")), "integer");
	/* every key of values.yaml is declared */
	for (size_t i = 0; i < doc(CH "values.yaml")->n; i++)
		ck_assert_msg(mf_get(props, doc(CH "values.yaml")->pairs[i].key) != NULL, "undeclared %s",
			      doc(CH "values.yaml")->pairs[i].key);
}
END_TEST

/* README.md's values table is read off the schema's definitions: every property
 * of the service definition has its row, and every service instance its line. */
START_TEST(readme_follows_the_schema)
{
	const char *defs = mf_embedded_find("templates/helm/values.schema.definitions.json", NULL);
	json_t *root = json_loads(mf_printf(C.a, "{%s}", defs), 0, NULL);
	const json_t *props = json_object_get(json_object_get(json_object_get(root, "definitions"),
							      "service"),
					      "properties");
	const char *key;
	json_t *p;

	ck_assert_ptr_nonnull(props);
	emit(SHOP);
	json_object_foreach((json_t *)props, key, p)
	ck_assert_msg(mf_test_contains(&O, CH "README.md", mf_printf(C.a, "| `SERVICE.%s` |", key)),
		      "no row for %s", key);
	ck_assert(mf_test_contains(&O, CH "README.md", "| `global.releasePrefix` | boolean |"));
	ck_assert(mf_test_contains(&O, CH "README.md", "| `coderArm` | coder-arm | Deployment |"));
	ck_assert(mf_test_contains(&O, CH "README.md",
				   "| `chatAcmeCorp` | chat | Deployment | acmeCorp |"));
	ck_assert(mf_test_contains(&O, CH "README.md",
				   "-n shop-prod --create-namespace -f values-prod.yaml"));
	json_decref(root);
}
END_TEST

START_TEST(deterministic)
{
	mf_output first;

	emit(SHOP);
	first = O;
	mf_output_init(&O);
	mf_emit_helm(&C, mf_test_render(&C, &S), &O);
	mf_output_sort(&O);
	ck_assert_uint_eq(first.n, O.n);
	for (size_t i = 0; i < O.n; i++) {
		ck_assert_str_eq(first.files[i].path, O.files[i].path);
		ck_assert_uint_eq(first.files[i].len, O.files[i].len);
		ck_assert(!memcmp(first.files[i].data, O.files[i].data, O.files[i].len));
	}
	mf_output_release(&first);
}
END_TEST

static Suite *helm_suite(void)
{
	Suite *s = suite_create("emit_helm");
	TCase *t = tcase_create("chart");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, no_helm_environment_no_chart);
	tcase_add_test(t, layout);
	tcase_add_test(t, kind_line_declared_and_dropped);
	tcase_add_test(t, chart_yaml);
	tcase_add_test(t, chart_version_rules);
	tcase_add_test(t, chart_yaml_fields);
	tcase_add_test(t, helm_conventions);
	tcase_add_test(t, values_keys_and_layout);
	tcase_add_test(t, env_values_hold_only_differences);
	tcase_add_test(t, null_removes_a_default);
	tcase_add_test(t, key_clashes_fall_back);
	tcase_add_test(t, schema_names_every_key);
	tcase_add_test(t, readme_follows_the_schema);
	tcase_add_test(t, deterministic);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return mf_test_run(helm_suite());
}
