/* render: unit tests for the Secrets an environment reads and the objects a profile asks for */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static mf_ctx C;
static mf_system S;
static mf_output O;
static const char *DIR_;

static void setup(void)
{
	mf_ctx_init(&C);
	C.today = "2026-01-01";
	memset(&S, 0, sizeof S);
	mf_output_init(&O);
	DIR_ = mf_test_dir();
}

static void teardown(void)
{
	mf_test_dir_remove(DIR_);
	mf_output_release(&O);
	mf_ctx_release(&C);
}

static const char *const SYSTEM =
	"manifold: 1\n"
	"system: {name: shop}\n"
	"secrets:\n"
	"  db: {keys: [user, password, unused], description: the database}\n"
	"  token: {keys: [t]}\n"
	"  cert: {type: kubernetes.io/tls, keys: [tls.crt, tls.key]}\n"
	"services:\n"
	"  api:\n"
	"    image: api:1\n"
	"    ports:\n"
	"      http:\n"
	"        port: 8080\n"
	"        expose: {ingress: {host: a.example, tls: cert}}\n"
	"    env:\n"
	"      U: {secret: db, key: user}\n"
	"      P: {secret: db, key: password}\n"
	"    volumes: {tok: {secret: token, mount: /t}}\n"
	"  web:\n"
	"    scope: tenant\n"
	"    image: web:1\n"
	"    envFrom: [{secret: db}]\n"
	"tenants: {acme: {}}\n"
	"environments:\n"
	"  plain: {targets: [kustomize, helm], namespace: shop}\n"
	"  eso: {targets: [kustomize, helm], namespace: shop-eso, profile: ./eso.yaml}\n"
	"  sealed: {targets: [kustomize], namespace: shop-sealed, profile: ./sealed.yaml}\n";

static const mf_rendered *load(const char *eso)
{
	mf_input in;

	mf_test_write(C.a, DIR_, "eso.yaml", eso);
	mf_test_write(C.a, DIR_, "sealed.yaml",
		      "profile: sealed\ntargets: [kustomize]\nsecrets: {sealedSecrets: true}\n");
	if (mf_load(&C, mf_test_write(C.a, DIR_, "system.yaml", SYSTEM), &in) < 0 ||
	    mf_resolve(&C, &in, NULL, 0, &S) < 0) {
		mf_diag_print_all(&C, stderr, false);
		ck_abort_msg("does not load");
	}
	return mf_test_render(&C, &S);
}

static const char *const ESO = "profile: eso\ntargets: [kustomize, helm]\n"
			       "secrets: {externalSecrets: {store: vault, kind: ClusterSecretStore, "
			       "keyPrefix: prod/}}\n";

static const mf_node *need(const mf_node *needs, const char *ns, const char *name)
{
	for (size_t i = 0; needs && i < needs->n; i++)
		if (mf_streq(mf_get_str(needs->items[i], "namespace"), ns) &&
		    mf_streq(mf_get_str(needs->items[i], "name"), name))
			return needs->items[i];
	return NULL;
}

static const mf_object *object(const mf_objects *objs, const char *kind, const char *ns,
			       const char *name)
{
	for (size_t i = 0; i < objs->n; i++)
		if (mf_streq(objs->v[i].kind, kind) && mf_streq(objs->v[i].ns, ns) &&
		    mf_streq(objs->v[i].name, name))
			return &objs->v[i];
	return NULL;
}

static size_t count(const mf_objects *objs, const char *kind)
{
	size_t n = 0;

	for (size_t i = 0; i < objs->n; i++)
		n += mf_streq(objs->v[i].kind, kind);
	return n;
}

/* Which Secrets and keys each namespace reads, and by whom. */
START_TEST(needs_per_namespace)
{
	const mf_rendered *rd = load(ESO);
	const mf_objects *objs = &mf_rendered_env(rd, mf_test_env(&S, "plain"))->k8s;
	const mf_node *needs = mf_secret_needs(&C, &S, objs), *n;

	ck_assert_ptr_nonnull(needs);
	/* keys read, in the description's order; `unused` is not read by api */
	n = need(needs, "shop", "db");
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(mf_get(n, "keys")->n, 2);
	ck_assert_str_eq(mf_str(mf_path(n, "keys.0")), "user");
	ck_assert_str_eq(mf_str(mf_path(n, "keys.1")), "password");
	ck_assert_str_eq(mf_str(mf_path(n, "users.0")), "Deployment/api");
	ck_assert_str_eq(mf_get_str(n, "description"), "the database");
	/* envFrom reads every declared key, in the tenant's namespace */
	n = need(needs, "shop-acme", "db");
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(mf_get(n, "keys")->n, 3);
	ck_assert_str_eq(mf_get_str(n, "tenant"), "acme");
	/* a secret volume, an Ingress TLS secret */
	ck_assert_str_eq(mf_str(mf_path(need(needs, "shop", "token"), "keys.0")), "t");
	n = need(needs, "shop", "cert");
	ck_assert_str_eq(mf_get_str(n, "type"), "kubernetes.io/tls");
	ck_assert_str_eq(mf_str(mf_path(n, "users.0")), "Ingress/a.example");
	/* sorted by namespace, then name */
	ck_assert_str_eq(mf_get_str(needs->items[0], "namespace"), "shop");
	ck_assert_str_eq(mf_get_str(needs->items[0], "name"), "cert");
	/* an environment whose profile asks nothing gets no object */
	ck_assert_uint_eq(count(objs, "ExternalSecret") + count(objs, "SealedSecret"), 0);
}
END_TEST

START_TEST(external_secrets)
{
	const mf_rendered *rd = load(ESO);
	const mf_objects *objs = &mf_rendered_env(rd, mf_test_env(&S, "eso"))->k8s;
	const mf_object *o = object(objs, "ExternalSecret", "shop-eso", "db");
	const mf_node *spec;

	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(o->api_version, "external-secrets.io/v1");
	spec = mf_get(o->doc, "spec");
	ck_assert_str_eq(mf_str(mf_path(spec, "secretStoreRef.name")), "vault");
	ck_assert_str_eq(mf_str(mf_path(spec, "secretStoreRef.kind")), "ClusterSecretStore");
	ck_assert_str_eq(mf_str(mf_path(spec, "refreshInterval")), "1h");
	ck_assert_str_eq(mf_str(mf_path(spec, "target.name")), "db");
	ck_assert_str_eq(mf_str(mf_path(spec, "data.1.secretKey")), "password");
	ck_assert_str_eq(mf_str(mf_path(spec, "data.1.remoteRef.key")), "prod/db");
	ck_assert_str_eq(mf_str(mf_path(spec, "data.1.remoteRef.property")), "password");
	/* one per namespace that reads it; the TLS type reaches the Secret */
	ck_assert_ptr_nonnull(object(objs, "ExternalSecret", "shop-eso-acme", "db"));
	ck_assert_str_eq(mf_str(mf_path(object(objs, "ExternalSecret", "shop-eso", "cert")->doc,
					"spec.target.template.type")),
			 "kubernetes.io/tls");
	ck_assert_uint_eq(count(objs, "ExternalSecret"), 4);
	/* they carry the labels of the namespace's other objects */
	ck_assert_str_eq(
		mf_get_str(mf_path(o->doc, "metadata.labels"), "app.kubernetes.io/managed-by"),
		"manifold");
	/* the base view, with no profile, has none */
	ck_assert_uint_eq(count(&rd->base.k8s, "ExternalSecret"), 0);
}
END_TEST

/* Placeholders only: every value is empty, whatever the description holds. */
START_TEST(sealed_secrets_hold_no_value)
{
	const mf_rendered *rd = load(ESO);
	const mf_objects *objs = &mf_rendered_env(rd, mf_test_env(&S, "sealed"))->k8s;
	const mf_object *o = object(objs, "SealedSecret", "shop-sealed", "db");
	const mf_node *enc;

	ck_assert_ptr_nonnull(o);
	enc = mf_path(o->doc, "spec.encryptedData");
	ck_assert_uint_eq(enc->n, 2);
	for (size_t i = 0; i < enc->n; i++)
		ck_assert_str_eq(mf_str(enc->pairs[i].val), "");
	ck_assert_ptr_nonnull(
		mf_get_str(mf_path(o->doc, "metadata.annotations"), "manifold.dev/placeholder"));
	ck_assert_uint_eq(count(objs, "ExternalSecret"), 0);
}
END_TEST

/* A profile cannot ask for both, and the store is required. */
START_TEST(profile_schema)
{
	mf_input in;

	mf_test_write(C.a, DIR_, "eso.yaml",
		      "profile: eso\nsecrets: {externalSecrets: {store: v}, sealedSecrets: true}\n");
	mf_test_write(C.a, DIR_, "sealed.yaml", "profile: sealed\nsecrets: {externalSecrets: {}}\n");
	ck_assert_int_lt(mf_load(&C, mf_test_write(C.a, DIR_, "system.yaml", SYSTEM), &in), 0);
	ck_assert_ptr_nonnull(mf_test_diag(&C, "schema"));
	ck_assert_uint_ge(C.nerrors, 2);
}
END_TEST

/* SECRETS.md beside each overlay: the table, and commands when nothing makes them. */
START_TEST(secrets_md)
{
	const mf_rendered *rd = load(ESO);

	ck_assert_int_eq(mf_emit_kustomize(&C, rd, &O), 0);
	ck_assert(mf_test_contains(&O, "kubernetes/overlays/plain/SECRETS.md",
				   "| shop | `db` | Opaque | `user`, `password` | Deployment/api |"));
	ck_assert(mf_test_contains(&O, "kubernetes/overlays/plain/SECRETS.md",
				   "kubectl -n shop create secret generic db"));
	ck_assert(mf_test_contains(&O, "kubernetes/overlays/eso/SECRETS.md",
				   "from the ClusterSecretStore `vault`"));
	ck_assert(!mf_test_contains(&O, "kubernetes/overlays/eso/SECRETS.md", "kubectl -n"));
	ck_assert(mf_test_contains(&O, "kubernetes/overlays/eso/shared/secrets.yaml",
				   "kind: ExternalSecret"));
	mf_output_release(&O);
	mf_output_init(&O);
	ck_assert_int_eq(mf_emit_helm(&C, rd, &O), 0);
	ck_assert(mf_test_contains(&O, "helm/shop/SECRETS.md", "## Environment `eso`"));
	ck_assert(mf_test_contains(&O, "helm/shop/SECRETS.md", "## Environment `plain`"));
	ck_assert(mf_test_contains(&O, "helm/shop/templates/secrets.yaml", "kind: {{ $sec.kind }}"));
}
END_TEST

static Suite *secrets_suite(void)
{
	Suite *s = suite_create("render_secrets");
	TCase *t = tcase_create("secrets");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, needs_per_namespace);
	tcase_add_test(t, external_secrets);
	tcase_add_test(t, sealed_secrets_hold_no_value);
	tcase_add_test(t, profile_schema);
	tcase_add_test(t, secrets_md);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return mf_test_run(secrets_suite());
}
