/* resolve/emit: unit tests for Velero Schedules: selection, grouping, names, hooks, Argo CD safety, validation */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cron.h"
#include "support.h"

static mf_ctx C;
static mf_system S;
static char dir[64], path[96];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/mf-velero-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/in.yaml", dir);
	mf_ctx_init(&C);
	memset(&S, 0, sizeof S);
}

static void teardown(void)
{
	mf_ctx_release(&C);
	unlink(path);
	rmdir(dir);
}

/* load, resolve and validate a description; 0 or -1 as the CLI's front end */
static int build(const char *yaml)
{
	FILE *fp = fopen(path, "w");
	const mf_node *doc;

	ck_assert_ptr_nonnull(fp);
	fputs(yaml, fp);
	fclose(fp);
	doc = mf_load_system(&C, path);
	if (!doc || mf_resolve_doc(&C, doc, &S) < 0)
		return -1;
	return mf_velero_validate(&C, &S);
}

static void build_ok(const char *yaml)
{
	int rc = build(yaml);

	for (size_t i = 0; rc && i < C.ndiags; i++)
		fprintf(stderr, "%u:%u: %s [%s]\n", C.diags[i].pos.line, C.diags[i].pos.col, C.diags[i].msg,
			C.diags[i].code);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(C.nerrors, 0);
}

static const mf_env *env(const char *name)
{
	const mf_env *e = mf_test_env(&S, name);

	ck_assert_msg(e != NULL, "no environment '%s'", name);
	return e;
}

static mf_objects render(const char *name)
{
	mf_objects o = {NULL, 0, 0};

	ck_assert_int_eq(mf_render_velero(&C, &S, env(name), &o), 0);
	mf_objects_sort(&o);
	return o;
}

static const char *str_at(const mf_node *doc, const char *p)
{
	const char *s = mf_str(mf_path(doc, p));

	ck_assert_msg(s != NULL, "no scalar at '%s'", p);
	return s;
}

/* the file text mf_emit_velero() writes for path, or NULL */
static char *emitted(mf_output *o, const char *p)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->files[i].path, p))
			return o->files[i].data;
	return NULL;
}

#define HEAD "manifold: 1\nsystem:\n  name: shop\n"

#define DB                                                                                                    \
	"  db:\n    kind: stateful\n    image: postgres:16.2\n    storage:\n      data: {mount: /data, size: 1Gi}\n"

static const char *const octo =
	HEAD "services:\n" DB "    backup: true\n"
	"  cache:\n    kind: stateful\n    image: redis:7.2\n    storage:\n      data: {mount: /data}\n"
	"    backup: true\n"
	"  web:\n    image: web:1.0\n"
	"environments:\n"
	"  prod:\n    profile: production\n    targets: [kustomize, velero]\n    namespace: shop-prod\n"
	"    backup:\n      ttl: 720h\n      volumeSnapshotLocations: [default]\n"
	"  dev:\n    profile: development\n    targets: [compose]\n";

static const char *const octo_schedule =
	"apiVersion: velero.io/v1\n"
	"kind: Schedule\n"
	"metadata:\n"
	"  name: shop-prod-daily\n"
	"  namespace: velero\n"
	"  labels:\n"
	"    app.kubernetes.io/part-of: shop\n"
	"    app.kubernetes.io/component: backup\n"
	"    app.kubernetes.io/managed-by: manifold\n"
	"  annotations:\n"
	"    argocd.argoproj.io/compare-options: IgnoreExtraneous\n"
	"    argocd.argoproj.io/sync-options: Prune=false\n"
	"spec:\n"
	"  schedule: 0 2 * * *\n"
	"  useOwnerReferencesInBackup: false\n"
	"  template:\n"
	"    metadata:\n"
	"      labels:\n"
	"        app.kubernetes.io/part-of: shop\n"
	"        app.kubernetes.io/component: backup\n"
	"        app.kubernetes.io/managed-by: manifold\n"
	"    includedNamespaces:\n"
	"    - shop-prod\n"
	"    labelSelector:\n"
	"      matchLabels:\n"
	"        app.kubernetes.io/part-of: shop\n"
	"      matchExpressions:\n"
	"      - key: app.kubernetes.io/name\n"
	"        operator: In\n"
	"        values:\n"
	"        - cache\n"
	"        - db\n"
	"    snapshotVolumes: true\n"
	"    storageLocation: default\n"
	"    volumeSnapshotLocations:\n"
	"    - default\n"
	"    ttl: 720h0m0s\n";

START_TEST(emits_one_schedule_per_env)
{
	mf_output o;

	build_ok(octo);
	mf_output_init(&o);
	ck_assert_int_eq(mf_emit_velero(&C, mf_test_render(&C, &S), &o), 0);
	mf_output_sort(&o);
	ck_assert_uint_eq(o.n, 2);
	ck_assert_str_eq(emitted(&o, "velero/prod/kustomization.yaml"),
			 "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
			 "- shop-prod-daily.yaml\n");
	ck_assert_str_eq(emitted(&o, "velero/prod/shop-prod-daily.yaml"), octo_schedule);
	ck_assert_ptr_null(strstr(emitted(&o, "velero/prod/shop-prod-daily.yaml"), "Restic"));
	mf_output_release(&o);
}
END_TEST

/* checks on rendered objects report at the description's lines */
START_TEST(positions_point_at_the_description)
{
	mf_objects o;
	const mf_node *doc;

	build_ok(octo);
	o = render("prod");
	ck_assert_uint_eq(o.n, 1);
	doc = o.v[0].doc;
	ck_assert_uint_eq(mf_path(doc, "spec.template.ttl")->pos.line, 25);       /* env backup ttl */
	ck_assert_uint_eq(mf_path(doc, "spec.template.volumeSnapshotLocations")->pos.line, 26);
	ck_assert_uint_eq(mf_path(doc, "spec.schedule")->pos.file, 2);          /* the production profile */
	ck_assert_uint_eq(o.v[0].pos.line, 16);  /* cache (the first service by name): its backup: true */
	ck_assert_str_eq(o.v[0].inst->service, "cache");
	ck_assert_str_eq(o.v[0].ns, "velero");
	ck_assert_str_eq(o.v[0].kind, "Schedule");
	ck_assert_str_eq(o.v[0].api_version, "velero.io/v1");
}
END_TEST

START_TEST(no_output_without_the_target)
{
	mf_output o;

	build_ok(HEAD "services:\n" DB "    backup: true\n"
		      "environments:\n  stage:\n    profile: staging\n    namespace: shop-stage\n"
		      "    backup: {schedule: '@daily'}\n");
	mf_output_init(&o);
	ck_assert_int_eq(mf_emit_velero(&C, mf_test_render(&C, &S), &o), 0);
	ck_assert_uint_eq(o.n, 0);
	mf_output_release(&o);
}
END_TEST

START_TEST(what_is_kept)
{
	mf_objects o;
	const mf_node *values;

	build_ok(HEAD "services:\n" DB "    backup: true\n"
		      "  off:\n    kind: stateful\n    image: x:1\n    storage: {d: {mount: /d}}\n    backup: false\n"
		      "  disabled:\n    kind: stateful\n    image: x:1\n    storage: {d: {mount: /d}}\n"
		      "    backup: {enabled: false, ttl: 1h}\n"
		      "  silent:\n    kind: stateful\n    image: x:1\n    storage: {d: {mount: /d}}\n"
		      "  scratch:\n    kind: stateful\n    image: x:1\n    storage: {d: {mount: /d, backup: false}}\n"
		      "    backup: true\n"
		      "  stateless:\n    image: x:1\n    backup: true\n"
		      "  mixed:\n    image: x:1\n    storage: {a: {mount: /a, backup: false}, b: {mount: /b}}\n"
		      "    backup: true\n"
		      "environments:\n  prod:\n    profile: production\n    namespace: shop-prod\n");
	o = render("prod");
	ck_assert_uint_eq(o.n, 1);
	values = mf_path(o.v[0].doc, "spec.template.labelSelector.matchExpressions.0.values");
	ck_assert_uint_eq(values->n, 2);
	ck_assert_str_eq(mf_str(values->items[0]), "db");
	ck_assert_str_eq(mf_str(values->items[1]), "mixed");
}
END_TEST

static const char *const tenants =
	HEAD "services:\n" DB "    backup: true\n"
	"  files:\n    kind: stateful\n    scope: tenant\n    image: minio:1\n    storage: {data: {mount: /data}}\n"
	"    backup: {fsBackup: true, skipImmediately: true}\n"
	"  app:\n    scope: tenant\n    image: app:1\n"
	"tenants:\n  acme:\n    namespace: acme-shop\n  globex: {}\n  initech: {}\n"
	"environments:\n  prod:\n    profile: production\n    targets: [velero]\n    namespace: shop-prod\n"
	"    tenants: [acme, globex]\n"
	"    backup:\n      namespace: backup-system\n      schedule: CRON_TZ=Europe/Paris 30 1 * * *\n";

START_TEST(one_schedule_per_tenant_namespace)
{
	mf_objects o;

	build_ok(tenants);
	o = render("prod");
	ck_assert_uint_eq(o.n, 3);
	ck_assert_str_eq(o.v[0].name, "shop-prod-acme-daily");
	ck_assert_str_eq(o.v[1].name, "shop-prod-daily");
	ck_assert_str_eq(o.v[2].name, "shop-prod-globex-daily");
	ck_assert_str_eq(o.v[0].tenant, "acme");
	ck_assert_ptr_null(o.v[1].tenant);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_str_eq(o.v[i].ns, "backup-system");
		ck_assert_str_eq(str_at(o.v[i].doc, "metadata.namespace"), "backup-system");
		ck_assert_str_eq(str_at(o.v[i].doc, "spec.schedule"), "CRON_TZ=Europe/Paris 30 1 * * *");
	}
	ck_assert_str_eq(str_at(o.v[0].doc, "spec.template.includedNamespaces.0"), "acme-shop");
	ck_assert_str_eq(str_at(o.v[2].doc, "spec.template.includedNamespaces.0"), "shop-prod-globex");
	ck_assert_str_eq(str_at(o.v[0].doc, "spec.template.labelSelector.matchExpressions.0.values.0"), "files");
	ck_assert_str_eq(str_at(o.v[0].doc, "spec.template.defaultVolumesToFsBackup"), "true");
	ck_assert_str_eq(str_at(o.v[0].doc, "spec.skipImmediately"), "true");
	ck_assert_ptr_null(mf_path(o.v[1].doc, "spec.skipImmediately"));
	ck_assert_ptr_null(mf_path(o.v[1].doc, "spec.template.defaultVolumesToFsBackup"));
}
END_TEST

static const char *const groups =
	HEAD "services:\n" DB "    backup: {ttl: 720h}\n"
	"  logs:\n    kind: stateful\n    image: x:1\n    storage: {d: {mount: /d}}\n    backup: {ttl: 72h}\n"
	"  audit:\n    kind: stateful\n    image: x:1\n    storage: {d: {mount: /d}}\n"
	"    backup: {ttl: 2160h, storageLocation: archive}\n"
	"  metrics:\n    kind: stateful\n    image: x:1\n    storage: {d: {mount: /d}}\n"
	"    backup: {schedule: '0 * * * *'}\n"
	"  queue:\n    kind: stateful\n    image: x:1\n    storage: {d: {mount: /d}}\n"
	"    backup: {schedule: '*/30 9-17 * * MON-FRI'}\n"
	"  weekly:\n    kind: stateful\n    image: x:1\n    storage: {d: {mount: /d}}\n"
	"    backup: {schedule: '@weekly', ttl: 720h0m0s}\n"
	"environments:\n  prod:\n    profile: production\n    targets: [velero]\n    namespace: shop-prod\n";

START_TEST(grouped_by_settings)
{
	mf_objects o;
	const char *daily[3];
	size_t nd = 0;

	build_ok(groups);
	o = render("prod");
	ck_assert_uint_eq(o.n, 6);
	ck_assert_str_eq(o.v[0].name, "shop-prod-backup");
	ck_assert_str_eq(str_at(o.v[0].doc, "spec.schedule"), "*/30 9-17 * * MON-FRI");
	ck_assert_str_eq(o.v[4].name, "shop-prod-hourly");
	ck_assert_str_eq(o.v[5].name, "shop-prod-weekly");
	/* db (720h, the profile's 720h0m0s: the same) and metrics share nothing
	 * but ttl; audit, db and logs share the name "daily" and get a hash */
	for (size_t i = 1; i < 4; i++) {
		ck_assert(!strncmp(o.v[i].name, "shop-prod-daily-", 16));
		ck_assert_uint_eq(strlen(o.v[i].name), 22);
		daily[nd++] = o.v[i].name;
	}
	ck_assert_str_ne(daily[0], daily[1]);
	ck_assert_str_ne(daily[1], daily[2]);
	for (size_t i = 0; i < o.n; i++)
		ck_assert_uint_eq(mf_path(o.v[i].doc, "spec.template.labelSelector.matchExpressions.0.values")->n, 1);
}
END_TEST

/* the hash comes from a group's own settings: adding a group renames none */
START_TEST(names_are_stable)
{
	mf_objects o;
	char before[3][64];

	build_ok(groups);
	o = render("prod");
	for (size_t i = 1; i < 4; i++)
		snprintf(before[i - 1], sizeof before[0], "%s", o.v[i].name);
	mf_ctx_release(&C);
	mf_ctx_init(&C);
	build_ok(HEAD "services:\n" DB "    backup: {ttl: 720h}\n"
		      "  logs:\n    kind: stateful\n    image: x:1\n    storage: {d: {mount: /d}}\n    backup: {ttl: 72h}\n"
		      "  audit:\n    kind: stateful\n    image: x:1\n    storage: {d: {mount: /d}}\n"
		      "    backup: {ttl: 2160h, storageLocation: archive}\n"
		      "  more:\n    kind: stateful\n    image: x:1\n    storage: {d: {mount: /d}}\n    backup: {ttl: 1h}\n"
		      "environments:\n  prod:\n    profile: production\n    targets: [velero]\n    namespace: shop-prod\n");
	o = render("prod");
	ck_assert_uint_eq(o.n, 4);
	for (size_t k = 0; k < 3; k++) {
		bool found = false;
		for (size_t i = 0; i < o.n; i++)
			found = found || !strcmp(o.v[i].name, before[k]);
		ck_assert_msg(found, "'%s' was renamed", before[k]);
	}
}
END_TEST

static bool dns_label(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

START_TEST(long_names_fit_a_label)
{
	mf_objects o;

	build_ok("manifold: 1\nsystem:\n  name: shop-system-with-a-long-name-for-tests\nservices:\n" DB
		 "    scope: tenant\n    backup: true\n"
		 "tenants:\n  a-tenant-with-a-long-name: {}\n"
		 "environments:\n  production-europe-west-primary:\n    profile: production\n    targets: [velero]\n"
		 "    namespace: prod\n    tenants: [a-tenant-with-a-long-name]\n");
	o = render("production-europe-west-primary");
	ck_assert_uint_eq(o.n, 1);
	ck_assert_uint_eq(strlen(o.v[0].name), 63);
	ck_assert_msg(dns_label(o.v[0].name), "'%s'", o.v[0].name);
	ck_assert(!strncmp(o.v[0].name, "shop-system-with-a-long-name-for-tests-production-europe-", 56));
	ck_assert_str_eq(str_at(o.v[0].doc, "metadata.name"), o.v[0].name);
}
END_TEST

static const char *const hooks =
	HEAD "services:\n" DB "    backup:\n      hooks:\n        pre:\n"
	"          - container: db\n            command: [pg_dump, -Fc, -f, /data/dump, 5]\n"
	"            onError: Fail\n            timeout: 10m\n"
	"          - command: sync\n        post:\n          - command: rm -f /data/dump\n            timeout: 90\n"
	"  cache:\n    kind: stateful\n    image: redis:7.2\n    storage: {data: {mount: /data}}\n    backup: true\n"
	"environments:\n  prod:\n    profile: production\n    targets: [velero]\n    namespace: shop-prod\n";

START_TEST(hooks_run_in_their_service_only)
{
	mf_objects o;
	const mf_node *res, *pre, *post;

	build_ok(hooks);
	o = render("prod");
	ck_assert_uint_eq(o.n, 1);  /* hooks do not split a group */
	res = mf_path(o.v[0].doc, "spec.template.hooks.resources");
	ck_assert_uint_eq(res->n, 1);
	res = res->items[0];
	ck_assert_str_eq(str_at(res, "name"), "db");
	ck_assert_str_eq(str_at(res, "includedNamespaces.0"), "shop-prod");
	ck_assert_str_eq(str_at(res, "includedResources.0"), "pods");
	ck_assert_str_eq(mf_get_str(mf_path(res, "labelSelector.matchLabels"), "app.kubernetes.io/name"), "db");
	ck_assert_str_eq(mf_get_str(mf_path(res, "labelSelector.matchLabels"), "app.kubernetes.io/part-of"), "shop");
	pre = mf_get(res, "pre");
	post = mf_get(res, "post");
	ck_assert_uint_eq(pre->n, 2);
	ck_assert_uint_eq(post->n, 1);
	ck_assert_str_eq(str_at(pre, "0.exec.container"), "db");
	ck_assert_uint_eq(mf_path(pre, "0.exec.command")->n, 5);
	ck_assert_int_eq(mf_path(pre, "0.exec.command.4")->kind, MF_STR);  /* a number becomes text */
	ck_assert_str_eq(str_at(pre, "0.exec.command.4"), "5");
	ck_assert_str_eq(str_at(pre, "0.exec.onError"), "Fail");
	ck_assert_str_eq(str_at(pre, "0.exec.timeout"), "10m0s");
	/* a string is split into words, as everywhere */
	ck_assert_uint_eq(mf_path(pre, "1.exec.command")->n, 1);
	ck_assert_str_eq(str_at(pre, "1.exec.command.0"), "sync");
	ck_assert_ptr_null(mf_path(pre, "1.exec.timeout"));
	ck_assert_ptr_null(mf_path(pre, "1.exec.container"));
	ck_assert_str_eq(str_at(post, "0.exec.timeout"), "1m30s");
}
END_TEST

START_TEST(ttl_and_timeouts_are_normalised)
{
	mf_objects o;

	build_ok(HEAD "services:\n" DB "    backup: {ttl: 1.5h}\n"
		      "environments:\n  prod:\n    profile: production\n    targets: [velero]\n    namespace: p\n");
	o = render("prod");
	ck_assert_str_eq(str_at(o.v[0].doc, "spec.template.ttl"), "1h30m0s");
}
END_TEST

/* ---- validation ------------------------------------------------------------------------- */

static const mf_diag *only_error(const char *code)
{
	const mf_diag *found = NULL;

	for (size_t i = 0; i < C.ndiags; i++) {
		if (C.diags[i].sev != MF_SEV_ERROR)
			continue;
		ck_assert_msg(!found, "more than one error: '%s' and '%s'", found ? found->msg : "", C.diags[i].msg);
		found = &C.diags[i];
	}
	ck_assert_msg(found != NULL, "no error");
	ck_assert_str_eq(found->code, code);
	return found;
}

START_TEST(bad_env_schedule)
{
	const mf_diag *d;

	ck_assert_int_eq(build(HEAD "services:\n" DB "    backup: true\n"
				    "environments:\n  prod:\n    profile: production\n    namespace: p\n"
				    "    backup:\n      schedule: 0 25 * * *\n"),
			 -1);
	d = only_error("invalid-schedule");
	ck_assert_uint_eq(d->pos.line, 16);
	ck_assert_uint_eq(d->pos.col, 17);
	ck_assert_str_eq(d->msg, "invalid schedule '0 25 * * *': hour 25 is out of range 0-23");
}
END_TEST

/* a bad value shared by every environment is reported once, at its line */
START_TEST(bad_system_schedule_reported_once)
{
	const mf_diag *d;

	ck_assert_int_eq(build(HEAD "backup:\n  schedule: '@nightly'\nservices:\n" DB "    backup: true\n"
				    "environments:\n  a:\n    profile: staging\n    namespace: a\n"
				    "  b:\n    profile: staging\n    namespace: b\n"),
			 -1);
	d = only_error("invalid-schedule");
	ck_assert_uint_eq(d->pos.line, 5);
}
END_TEST

/* an overridden bad value is still bad input */
START_TEST(bad_overridden_value)
{
	const mf_diag *d;

	ck_assert_int_eq(build(HEAD "backup:\n  ttl: 30d\nservices:\n" DB "    backup: true\n"
				    "environments:\n  prod:\n    profile: production\n    namespace: p\n"
				    "    backup: {ttl: 720h}\n"),
			 -1);
	d = only_error("invalid-ttl");
	ck_assert_uint_eq(d->pos.line, 5);
	ck_assert_str_eq(d->msg, "invalid ttl '30d': unknown unit 'd' (Go durations stop at hours: 30 days is '720h')");
}
END_TEST

START_TEST(bad_service_ttl)
{
	const mf_diag *d;

	ck_assert_int_eq(build(HEAD "services:\n" DB "    backup:\n      ttl: '0s'\n"
				    "environments:\n  dev:\n    profile: development\n"),
			 -1);
	d = only_error("invalid-ttl");
	ck_assert_uint_eq(d->pos.line, 11);
	ck_assert_str_eq(d->msg, "invalid ttl '0s': a retention must be longer than zero");
}
END_TEST

START_TEST(bad_tenant_override)
{
	const mf_diag *d;

	ck_assert_int_eq(build(HEAD "services:\n" DB "    scope: tenant\n    backup: true\n"
				    "tenants:\n  acme:\n    services:\n      db:\n        backup: {schedule: 'TZ=Local 0 2 * * *'}\n"
				    "environments:\n  dev:\n    profile: development\n    tenants: [acme]\n"),
			 -1);
	d = only_error("invalid-schedule");
	ck_assert_uint_eq(d->pos.line, 16);
}
END_TEST

START_TEST(cronjob_schedules)
{
	const mf_diag *d;

	ck_assert_int_eq(build(HEAD "services:\n  report:\n    kind: cronjob\n    image: r:1\n"
				    "    schedule: '0 6 * * MON-SUN'\n"
				    "environments:\n  dev:\n    profile: development\n"),
			 -1);
	d = only_error("invalid-schedule");
	ck_assert_uint_eq(d->pos.line, 8);
	ck_assert_str_eq(d->msg, "invalid schedule '0 6 * * MON-SUN': the range 'MON-SUN' in the day-of-week field "
				 "runs backwards");
}
END_TEST

START_TEST(cronjob_without_schedule)
{
	const mf_diag *d;

	ck_assert_int_eq(build(HEAD "services:\n  report:\n    kind: cronjob\n    image: r:1\n"
				    "environments:\n  dev:\n    profile: development\n  dev2:\n    profile: development\n"),
			 -1);
	d = only_error("missing-schedule");
	ck_assert_uint_eq(d->pos.line, 5);
	ck_assert_str_eq(d->msg, "cronjob 'report' has no 'schedule'");
}
END_TEST

START_TEST(backup_without_schedule)
{
	const mf_diag *d;

	ck_assert_int_eq(build(HEAD "services:\n" DB "    backup: {ttl: 1h}\n"
				    "environments:\n  stage:\n    profile: staging\n    targets: [velero]\n    namespace: s\n"),
			 -1);
	d = only_error("backup-no-schedule");
	ck_assert_uint_eq(d->pos.line, 10);
}
END_TEST

/* without the Velero target, a backup with no schedule is no error */
START_TEST(backup_without_schedule_elsewhere)
{
	build_ok(HEAD "services:\n" DB "    backup: true\n"
		      "environments:\n  stage:\n    profile: staging\n    namespace: s\n");
}
END_TEST

static Suite *velero_suite(void)
{
	Suite *s = suite_create("velero");
	TCase *t = tcase_create("render");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, emits_one_schedule_per_env);
	tcase_add_test(t, positions_point_at_the_description);
	tcase_add_test(t, no_output_without_the_target);
	tcase_add_test(t, what_is_kept);
	tcase_add_test(t, one_schedule_per_tenant_namespace);
	tcase_add_test(t, grouped_by_settings);
	tcase_add_test(t, names_are_stable);
	tcase_add_test(t, long_names_fit_a_label);
	tcase_add_test(t, hooks_run_in_their_service_only);
	tcase_add_test(t, ttl_and_timeouts_are_normalised);
	suite_add_tcase(s, t);
	t = tcase_create("validate");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, bad_env_schedule);
	tcase_add_test(t, bad_system_schedule_reported_once);
	tcase_add_test(t, bad_overridden_value);
	tcase_add_test(t, bad_service_ttl);
	tcase_add_test(t, bad_tenant_override);
	tcase_add_test(t, cronjob_schedules);
	tcase_add_test(t, cronjob_without_schedule);
	tcase_add_test(t, backup_without_schedule);
	tcase_add_test(t, backup_without_schedule_elsewhere);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return mf_test_run(velero_suite());
}
