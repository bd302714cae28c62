/* emit: unit tests for the Kustomize tree: layout, the diff/patch generator, YAML validity, determinism */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

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
	mf_test_emit(&C, &S, &O, yaml, mf_emit_kustomize);
}

/* An output file's documents, as a sequence. */
static const mf_node *docs(const char *path)
{
	return mf_test_parse(&C, &O, path, true);
}

static const mf_node *doc(const char *path)
{
	const mf_node *d = docs(path);

	ck_assert_uint_eq(d->n, 1);
	return d->items[0];
}

static bool seq_has_str(const mf_node *seq, const char *s)
{
	for (size_t i = 0; seq && i < seq->n; i++)
		if (mf_str(seq->items[i]) && !strcmp(mf_str(seq->items[i]), s))
			return true;
	return false;
}

#define SYS_HEAD \
	"manifold: 1\n" \
	"system: {name: t, version: \"1.0\", images: {own: [web]}}\n"

/* web: three env vars, two volumes, two ports; prod changes what each test needs */
#define WEB \
	"services:\n" \
	"  web:\n" \
	"    image: web:1.0\n" \
	"    replicas: 2\n" \
	"    ports: {http: 80, admin: 81}\n" \
	"    env: {A: \"1\", B: \"2\", C: \"3\"}\n" \
	"    volumes:\n" \
	"      tmp: {mount: /tmp, emptyDir: {}}\n" \
	"      cache: {mount: /cache, emptyDir: {}}\n"

static const char *with_prod(const char *override)
{
	static char buf[4096];

	snprintf(buf, sizeof buf, SYS_HEAD WEB "environments:\n  prod:\n    targets: [kustomize]\n    namespace: web-prod\n%s",
		 override);
	return buf;
}

#define PATCH "kubernetes/overlays/prod/shared/patches/deployment-web.yaml"
#define KUST "kubernetes/overlays/prod/shared/kustomization.yaml"

static const char *const deprecated[] = {"bases:", "commonLabels:", "patchesStrategicMerge:", "patchesJson6902:",
					 "vars:", "imageTags:"};

/* Every file but SECRETS.md is YAML libyaml reads without error;
 * kustomizations use no deprecated field. */
static void check_all_files(void)
{
	for (size_t i = 0; i < O.n; i++) {
		if (!strstr(O.files[i].path, ".md"))
			mf_test_libyaml(&O.files[i]);
		if (strstr(O.files[i].path, "kustomization.yaml"))
			for (size_t d = 0; d < sizeof deprecated / sizeof deprecated[0]; d++)
				ck_assert_msg(!strstr(O.files[i].data, deprecated[d]), "%s uses %s", O.files[i].path,
					      deprecated[d]);
	}
}

/* ---- layout ----------------------------------------------------------------------- */

START_TEST(layout_and_kustomizations)
{
	emit(with_prod(""));
	const mf_node *top = doc("kubernetes/overlays/prod/kustomization.yaml"), *k = doc(KUST);

	ck_assert_str_eq(mf_get_str(doc("kubernetes/base/kustomization.yaml"), "apiVersion"),
			 "kustomize.config.k8s.io/v1beta1");
	ck_assert_str_eq(mf_get_str(top, "kind"), "Kustomization");
	ck_assert(seq_has_str(mf_get(top, "resources"), "namespaces.yaml"));
	ck_assert(seq_has_str(mf_get(top, "resources"), "shared"));
	ck_assert_ptr_null(mf_get(top, "namespace"));
	ck_assert_str_eq(mf_get_str(k, "namespace"), "web-prod");
	ck_assert(seq_has_str(mf_get(k, "resources"), "../../../base"));
	/* nothing differs: no patches at all */
	ck_assert_ptr_null(mf_get(k, "patches"));
	ck_assert_ptr_null(mf_test_file(&O, PATCH));
	/* base objects carry no namespace; the Namespace lives in the overlay */
	ck_assert(!mf_test_contains(&O, "kubernetes/base/web.yaml", "namespace:"));
	ck_assert_str_eq(mf_str(mf_path(doc("kubernetes/overlays/prod/namespaces.yaml"), "metadata.name")), "web-prod");
	check_all_files();
}
END_TEST

static const char *TENANTS =
	SYS_HEAD
	"services:\n"
	"  api: {image: api:1, ports: {http: 8080}}\n"
	"  chat:\n"
	"    scope: tenant\n"
	"    image: chat:1\n"
	"    ports: {http: 80}\n"
	"    env: {API: {service: api, port: http}}\n"
	"  debug: {image: debug:1, environments: [dev]}\n"
	"tenants:\n"
	"  acme: {namespace: acme, quota: {cpu: 2}}\n"
	"  globex: {}\n"
	"  initech: {environments: [dev]}\n"
	"environments:\n"
	"  dev: {targets: [compose]}\n"
	"  prod: {profile: production, targets: [kustomize], namespace: shop}\n";

START_TEST(tenants_are_components)
{
	emit(TENANTS);
	const mf_node *comp = doc("kubernetes/components/acme/kustomization.yaml");
	const mf_node *t = doc("kubernetes/overlays/prod/tenants/acme/kustomization.yaml");
	const mf_node *g = doc("kubernetes/overlays/prod/tenants/globex/kustomization.yaml");

	ck_assert_str_eq(mf_get_str(comp, "apiVersion"), "kustomize.config.k8s.io/v1alpha1");
	ck_assert_str_eq(mf_get_str(comp, "kind"), "Component");
	ck_assert_str_eq(mf_get_str(t, "namespace"), "acme");
	ck_assert_str_eq(mf_get_str(g, "namespace"), "shop-globex");
	ck_assert(seq_has_str(mf_get(t, "components"), "../../../../components/acme"));
	ck_assert(seq_has_str(mf_get(doc("kubernetes/overlays/prod/kustomization.yaml"), "resources"), "tenants/globex"));
	/* a tenant no Kubernetes environment has gets no component */
	ck_assert_ptr_null(mf_test_file(&O, "kubernetes/components/initech/kustomization.yaml"));
	/* the cross-namespace reference is patched to the environment's DNS name */
	ck_assert(mf_test_contains(&O, "kubernetes/overlays/prod/tenants/acme/patches/deployment-chat.yaml",
			   "api.shop.svc.cluster.local:8080"));
	/* a service only development runs is no part of the base */
	ck_assert_ptr_null(mf_test_file(&O, "kubernetes/base/debug.yaml"));
	ck_assert(!seq_has_str(mf_get(doc("kubernetes/base/kustomization.yaml"), "resources"), "debug.yaml"));
	check_all_files();
}
END_TEST

START_TEST(no_kustomize_environment_no_files)
{
	emit(SYS_HEAD WEB "environments: {dev: {targets: [compose]}}\n");
	ck_assert_uint_eq(O.n, 0);
}
END_TEST

/* ---- the diff ------------------------------------------------------------------------ */

static const mf_node *patched_env(void)
{
	return mf_path(doc(PATCH), "spec.template.spec.containers.0.env");
}

START_TEST(diff_changed_env_var_lists_keys_up_to_it)
{
	emit(with_prod("    services: {web: {env: {B: \"9\"}}}\n"));
	const mf_node *env = patched_env();

	/* A by name (kept in place), B changed, C untouched and left out */
	ck_assert_uint_eq(env->n, 2);
	ck_assert_str_eq(mf_get_str(env->items[0], "name"), "A");
	ck_assert_uint_eq(env->items[0]->n, 1);
	ck_assert_str_eq(mf_get_str(env->items[1], "name"), "B");
	ck_assert_str_eq(mf_get_str(env->items[1], "value"), "9");
	/* nothing else of the object is in the patch */
	ck_assert_ptr_null(mf_path(doc(PATCH), "spec.selector"));
	ck_assert_ptr_null(mf_path(doc(PATCH), "spec.template.spec.containers.0.image"));
	ck_assert_str_eq(mf_str(mf_path(doc(PATCH), "metadata.name")), "web");
	ck_assert_ptr_null(mf_path(doc(PATCH), "metadata.namespace"));
	ck_assert_str_eq(mf_str(mf_path(doc(KUST), "patches.0.path")), "patches/deployment-web.yaml");
}
END_TEST

START_TEST(diff_added_env_var_keeps_order)
{
	emit(with_prod("    services: {web: {env: {D: \"4\"}}}\n"));
	const mf_node *env = patched_env();

	ck_assert_uint_eq(env->n, 4);
	ck_assert_str_eq(mf_get_str(env->items[3], "name"), "D");
	ck_assert_str_eq(mf_get_str(env->items[3], "value"), "4");
	ck_assert_uint_eq(env->items[2]->n, 1);
}
END_TEST

START_TEST(diff_removed_item_is_deleted)
{
	emit(with_prod("    services: {web: {volumes: {cache: {mount: /cache, bind: ./cache}}}}\n"));
	const mf_node *spec = mf_path(doc(PATCH), "spec.template.spec");
	const mf_node *vols = mf_get(spec, "volumes"), *mounts = mf_path(spec, "containers.0.volumeMounts");

	ck_assert_uint_eq(vols->n, 1);
	ck_assert_str_eq(mf_get_str(vols->items[0], "name"), "cache");
	ck_assert_str_eq(mf_get_str(vols->items[0], "$patch"), "delete");
	ck_assert_uint_eq(mounts->n, 1);
	ck_assert_str_eq(mf_get_str(mounts->items[0], "mountPath"), "/cache");
	ck_assert_str_eq(mf_get_str(mounts->items[0], "$patch"), "delete");
}
END_TEST

START_TEST(diff_replicas_and_images_are_fields)
{
	emit(with_prod("    services: {web: {replicas: 5, image: \"web:2.0\"}}\n"));
	const mf_node *k = doc(KUST);

	ck_assert_str_eq(mf_str(mf_path(k, "replicas.0.name")), "web");
	ck_assert_int_eq(mf_path(k, "replicas.0.count")->v.i, 5);
	ck_assert_str_eq(mf_str(mf_path(k, "images.0.name")), "web");
	ck_assert_str_eq(mf_str(mf_path(k, "images.0.newTag")), "2.0");
	ck_assert_ptr_null(mf_path(k, "images.0.newName"));
	/* both went to fields: the PDB is the same, so no patch at all */
	ck_assert_ptr_null(mf_test_file(&O, PATCH));
}
END_TEST

START_TEST(diff_image_shared_by_two_services_is_patched)
{
	emit(SYS_HEAD
	     "services:\n"
	     "  a: {image: \"tool:1\"}\n"
	     "  b: {image: \"tool:1\"}\n"
	     "environments:\n  prod:\n    targets: [kustomize]\n    services: {a: {image: \"tool:2\"}}\n");
	const char *pa = "kubernetes/overlays/prod/shared/patches/deployment-a.yaml";

	/* an images: entry would retag b as well */
	ck_assert_ptr_null(mf_get(doc(KUST), "images"));
	ck_assert_str_eq(mf_str(mf_path(doc(pa), "spec.template.spec.containers.0.image")), "tool:2");
	ck_assert_ptr_null(mf_test_file(&O, "kubernetes/overlays/prod/shared/patches/deployment-b.yaml"));
}
END_TEST

START_TEST(diff_registry_and_digest)
{
	emit(with_prod("    images: {registry: reg.example}\n"
		       "    services:\n"
		       "      web: {image: \"web:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}\n"));
	const mf_node *img = mf_path(doc(KUST), "images.0");

	ck_assert_str_eq(mf_get_str(img, "name"), "web");
	ck_assert_str_eq(mf_get_str(img, "newName"), "reg.example/web");
	ck_assert_str_eq(mf_get_str(img, "newTag"), "1.0");
	ck_assert_str_eq(mf_get_str(img, "digest"),
			 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
}
END_TEST

START_TEST(diff_hpa_only_in_environment)
{
	emit(with_prod("    services: {web: {autoscaling: {min: 2, max: 4}}}\n"));
	const mf_node *k = doc(KUST), *d = doc(PATCH);

	/* the HPA is an overlay resource, and the workload loses its count */
	ck_assert(seq_has_str(mf_get(k, "resources"), "web.yaml"));
	ck_assert_str_eq(mf_str(mf_path(docs("kubernetes/overlays/prod/shared/web.yaml"), "0.kind")),
			 "HorizontalPodAutoscaler");
	ck_assert_int_eq(mf_path(d, "spec.replicas")->kind, MF_NULL);
	ck_assert_ptr_null(mf_get(k, "replicas"));
}
END_TEST

START_TEST(diff_object_only_in_base_is_deleted)
{
	emit(SYS_HEAD
	     "services:\n"
	     "  web: {image: web:1, ports: {http: 80}}\n"
	     "  extra: {image: extra:1, environments: [stage]}\n"
	     "environments:\n"
	     "  prod: {targets: [kustomize]}\n"
	     "  stage: {targets: [kustomize]}\n");
	const mf_node *d = doc("kubernetes/overlays/prod/shared/patches/deployment-extra.yaml");

	ck_assert_str_eq(mf_get_str(d, "$patch"), "delete");
	ck_assert_str_eq(mf_get_str(d, "kind"), "Deployment");
	ck_assert_ptr_nonnull(mf_test_file(&O, "kubernetes/overlays/prod/shared/patches/serviceaccount-extra.yaml"));
	ck_assert_ptr_null(mf_test_file(&O, "kubernetes/overlays/stage/shared/patches/deployment-extra.yaml"));
	ck_assert_ptr_nonnull(mf_test_file(&O, "kubernetes/base/extra.yaml"));
}
END_TEST

START_TEST(diff_port_list_is_replaced)
{
	emit(with_prod("    services: {web: {ports: {admin: {port: 81, service: false}}}}\n"));
	const mf_node *ports = mf_path(doc("kubernetes/overlays/prod/shared/patches/service-web.yaml"), "spec.ports");

	/* Service ports merge on (port, protocol): the list is replaced whole */
	ck_assert_uint_eq(ports->n, 2);
	ck_assert_str_eq(mf_get_str(ports->items[0], "$patch"), "replace");
	ck_assert_int_eq(mf_get(ports->items[1], "port")->v.i, 80);
	/* the container keeps both ports: no change, no patch of the Deployment */
	ck_assert_ptr_null(mf_test_file(&O, PATCH));
}
END_TEST

/* ---- determinism -------------------------------------------------------------------- */

START_TEST(emit_twice_same_bytes)
{
	mf_output first;
	mf_ctx first_ctx;

	emit(TENANTS);
	first = O;
	first_ctx = C;  /* keeps the first run's paths alive */
	setup();
	emit(TENANTS);
	ck_assert_uint_eq(first.n, O.n);
	for (size_t i = 0; i < O.n; i++) {
		ck_assert_str_eq(first.files[i].path, O.files[i].path);
		ck_assert_uint_eq(first.files[i].len, O.files[i].len);
		ck_assert(!memcmp(first.files[i].data, O.files[i].data, O.files[i].len));
	}
	mf_output_release(&first);
	mf_ctx_release(&first_ctx);
}
END_TEST

/* Every example's tree, read back by libyaml (run from the repository root). */
START_TEST(examples_reparse)
{
	DIR *d = opendir("examples");
	struct dirent *ent;
	size_t n = 0;

	if (!d)
		return;
	while ((ent = readdir(d)) != NULL) {
		char path[512];
		const mf_node *doc;
		if (ent->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "examples/%s/system.yaml", ent->d_name);
		if (!(doc = mf_load_system(&C, path)))
			continue;
		ck_assert_msg(mf_resolve_doc(&C, doc, &S) == 0, "%s does not resolve", path);
		ck_assert_msg(mf_emit_kustomize(&C, mf_test_render(&C, &S), &O) == 0, "%s does not emit", path);
		check_all_files();
		mf_output_release(&O);
		mf_output_init(&O);
		n++;
	}
	closedir(d);
	ck_assert_uint_gt(n, 0);
}
END_TEST

static Suite *kustomize_suite(void)
{
	Suite *s = suite_create("emit_kustomize");
	TCase *t = tcase_create("tree");

	tcase_set_timeout(t, 120);  /* every example, under valgrind too (make leakcheck) */
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, layout_and_kustomizations);
	tcase_add_test(t, tenants_are_components);
	tcase_add_test(t, no_kustomize_environment_no_files);
	tcase_add_test(t, emit_twice_same_bytes);
	tcase_add_test(t, examples_reparse);
	suite_add_tcase(s, t);
	t = tcase_create("diff");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, diff_changed_env_var_lists_keys_up_to_it);
	tcase_add_test(t, diff_added_env_var_keeps_order);
	tcase_add_test(t, diff_removed_item_is_deleted);
	tcase_add_test(t, diff_replicas_and_images_are_fields);
	tcase_add_test(t, diff_image_shared_by_two_services_is_patched);
	tcase_add_test(t, diff_registry_and_digest);
	tcase_add_test(t, diff_hpa_only_in_environment);
	tcase_add_test(t, diff_object_only_in_base_is_deleted);
	tcase_add_test(t, diff_port_list_is_replaced);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return mf_test_run(kustomize_suite());
}
