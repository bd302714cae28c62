/* resolve: unit tests of precedence, templates, tenants, environments, typed instance facts,
 * references and the target list */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define HEAD "manifold: 1\nsystem: {name: demo, version: \"1.0.0\"}\n"

static mf_ctx C;
static mf_system S;
static const char *DIR_;

static void setup(void)
{
	mf_ctx_init(&C);
	memset(&S, 0, sizeof S);
	DIR_ = mf_test_dir();
}

static void teardown(void)
{
	mf_test_dir_remove(DIR_);
	mf_ctx_release(&C);
}

static const char *put(const char *rel, const char *text)
{
	return mf_test_write(C.a, DIR_, rel, text);
}

/* Load DIR/system.yaml holding yaml and resolve it; the load must succeed. */
static int resolve_only(const char *yaml, const char *const *only, size_t nonly)
{
	mf_input in;

	if (mf_load(&C, put("system.yaml", yaml), &in) < 0) {
		mf_diag_print_all(&C, stderr, false);
		ck_abort_msg("description does not load");
	}
	return mf_resolve(&C, &in, only, nonly, &S);
}

static void resolve_ok(const char *yaml)
{
	if (resolve_only(yaml, NULL, 0) < 0 || C.nerrors)
		mf_diag_print_all(&C, stderr, false);
	ck_assert_uint_eq(C.nerrors, 0);
}

static void resolve_fails(const char *yaml)
{
	ck_assert_int_eq(resolve_only(yaml, NULL, 0), -1);
	ck_assert_uint_gt(C.nerrors, 0);
}

static const mf_env *env(const char *name)
{
	const mf_env *e = mf_test_env(&S, name);

	ck_assert_msg(e != NULL, "no environment %s", name);
	return e;
}

static const mf_instance *inst(const char *envname, const char *service, const char *tenant)
{
	const mf_instance *in = mf_find_instance(env(envname), service, tenant);

	ck_assert_msg(in != NULL, "no instance %s/%s in %s", service, tenant ? tenant : "-",
		      envname);
	return in;
}

/* The position is in `file` and the text written there is `want`, whole. */
static void ck_written_at(mf_pos pos, const char *file, const char *want)
{
	const mf_source *src = mf_source_get(&C, pos.file);
	const char *at = mf_test_text_at(&C, pos);
	size_t len = strlen(want);

	ck_assert_msg(src && strlen(src->path) >= strlen(file) &&
			      !strcmp(src->path + strlen(src->path) - strlen(file), file),
		      "'%s' is in %s, not in %s", want, src ? src->path : "(none)", file);
	ck_assert_msg(at && !strncmp(at, want, len) && strchr(",}]\n :\"", at[len]),
		      "at %u:%u is not '%s'", pos.line, pos.col, want);
}

static void ck_written(const mf_node *n, const char *file, const char *want)
{
	ck_assert_msg(n != NULL, "no node for '%s'", want);
	ck_written_at(n->pos, file, want);
}

/* The one diagnostic with this code. */
static const mf_diag *only(const char *code)
{
	ck_assert_msg(mf_test_ndiags(&C, code) == 1, "%zu diagnostics '%s' (of %zu)",
		      mf_test_ndiags(&C, code), code, C.ndiags);
	return mf_test_diag(&C, code);
}

/* The diagnostic whose message is msg; the test fails without one. */
static const mf_diag *with_msg(const char *msg)
{
	for (size_t i = 0; i < C.ndiags; i++)
		if (!strcmp(C.diags[i].msg, msg))
			return &C.diags[i];
	ck_abort_msg("no diagnostic '%s'", msg);
	return NULL;
}

/* The diagnostic with this message is at `text` in system.yaml, with this note (or any when
 * note is NULL). */
static void ck_diag_at(const char *msg, const char *text, const char *note)
{
	const mf_diag *d = with_msg(msg);

	ck_written_at(d->pos, "system.yaml", text);
	if (note)
		ck_assert_pstr_eq(d->note, note);
}

/* ---- precedence ------------------------------------------------------------------------ */

/* Each level of precedence sets the variables Lk..L8 to "LEVEL.Lj"; so Lk shows which level
 * won for k, and each value must keep the line of the level that set it. */
static const char *const level_names[] = {
	"profile", "system",   "envdefaults", "template",
	"service", "override", "tenantenv",   "tenant",
};
#define NLEVELS MF_NELEM(level_names)

static const char *levels(unsigned from, const char *indent)
{
	const char *out = "";

	for (unsigned j = from; j <= NLEVELS; j++)
		out = mf_printf(C.a, "%s%sL%u: %s.L%u\n", out, indent, j, level_names[from - 1], j);
	return out;
}

static void precedence_files(void)
{
	put("prof.yaml", mf_printf(C.a,
				   "profile: prof\ntargets: [kustomize]\ndefaults:\n"
				   "  workingDir: /profile\n  env:\n%s",
				   levels(1, "    ")));
	resolve_ok(mf_printf(
		C.a,
		HEAD "defaults:\n  workingDir: /system\n  env:\n%s"
		     "templates:\n  base:\n    workingDir: /template\n    env:\n%s"
		     "services:\n"
		     "  api: {extends: base, image: demo/api}\n"
		     "  web:\n    extends: base\n    image: demo/web\n    scope: tenant\n"
		     "    workingDir: /service\n    env:\n%s"
		     "environments:\n"
		     "  prod:\n    profile: prof.yaml\n"
		     "    defaults:\n      workingDir: /envdefaults\n      env:\n%s"
		     "    services:\n      web:\n        workingDir: /override\n"
		     "        env:\n%s"
		     "  qa:\n    targets: [compose]\n"
		     "tenants:\n  acme:\n    env:\n%s"
		     "    services:\n      web:\n        workingDir: /tenant\n"
		     "        env:\n%s",
		levels(2, "    "), levels(4, "      "), levels(5, "      "), levels(3, "        "),
		levels(6, "          "), levels(7, "      "), levels(8, "          ")));
}

/* won[j-1]: the level (1-based) that sets Lj, 0 for none. */
static void ck_levels(const mf_instance *in, const unsigned won[NLEVELS])
{
	const mf_node *vars = mf_get(in->spec, "env");

	for (unsigned j = 1; j <= NLEVELS; j++) {
		const mf_node *v = mf_get(vars, mf_printf(C.a, "L%u", j));
		if (!won[j - 1]) {
			ck_assert_msg(v == NULL, "L%u is set in %s", j, in->env->name);
			continue;
		}
		ck_written(v, won[j - 1] == 1 ? "prof.yaml" : "system.yaml",
			   mf_printf(C.a, "%s.L%u", level_names[won[j - 1] - 1], j));
	}
}

START_TEST(precedence_all_levels)
{
	static const unsigned all[NLEVELS] = {1, 2, 3, 4, 5, 6, 7, 8};

	precedence_files();
	ck_levels(inst("prod", "web", "acme"), all);
	ck_assert_str_eq(mf_get_str(inst("prod", "web", "acme")->spec, "workingDir"), "/tenant");
}
END_TEST

/* Templates beat every environment default; without a service line, the template's. */
START_TEST(precedence_shared_instance)
{
	static const unsigned api[NLEVELS] = {1, 2, 3, 4, 4, 4, 4, 4};

	precedence_files();
	ck_levels(inst("prod", "api", NULL), api);
	ck_assert_str_eq(mf_get_str(inst("prod", "api", NULL)->spec, "workingDir"), "/template");
	ck_written(mf_get(inst("prod", "api", NULL)->spec, "workingDir"), "system.yaml",
		   "/template");
}
END_TEST

/* An environment without profile, defaults or override falls back level by level; the
 * base view has no profile and no environment at all. */
START_TEST(precedence_fallbacks)
{
	static const unsigned qa[NLEVELS] = {0, 2, 2, 4, 5, 5, 7, 8};

	precedence_files();
	ck_levels(inst("qa", "web", "acme"), qa);
	ck_levels(inst("base", "web", "acme"), qa);
	ck_assert_ptr_null(env("base")->profile);
	ck_assert_str_eq(env("prod")->profile_name, "prof.yaml");
	ck_assert_str_eq(mf_get_str(env("prod")->profile, "profile"), "prof");
}
END_TEST

/* ---- templates ------------------------------------------------------------------------- */

START_TEST(extends_chain_and_list)
{
	const mf_instance *s;

	resolve_ok(HEAD
		   "templates:\n"
		   "  ta: {extends: tb, env: {X: from-ta, Y: from-ta}}\n"
		   "  tb: {env: {X: from-tb, Y: from-tb, Z: from-tb, W: from-tb}, workingDir: /b}\n"
		   "  tc: {env: {Y: from-tc}}\n"
		   "  td: {env: {Z: from-td}}\n"
		   "services:\n"
		   "  s:\n"
		   "    extends: [ta, tc]\n"
		   "    image: demo/s\n"
		   "    env: {W: from-s}\n"
		   "environments:\n"
		   "  dev: {targets: [compose], services: {s: {extends: td}}}\n"
		   "  prod: {targets: [kustomize]}\n");
	s = inst("prod", "s", NULL);
	ck_written(mf_path(s->spec, "env.X"), "system.yaml", "from-ta");
	ck_written(mf_path(s->spec, "env.Y"), "system.yaml", "from-tc");
	ck_written(mf_path(s->spec, "env.Z"), "system.yaml", "from-tb");
	ck_written(mf_path(s->spec, "env.W"), "system.yaml", "from-s");
	ck_written(mf_get(s->spec, "workingDir"), "system.yaml", "/b");
	ck_assert_ptr_null(mf_get(s->spec, "extends"));
	/* an environment's override may extend templates too */
	s = inst("dev", "s", NULL);
	ck_written(mf_path(s->spec, "env.Z"), "system.yaml", "from-td");
	ck_written(mf_path(s->spec, "env.X"), "system.yaml", "from-ta");
	ck_assert_ptr_null(mf_get(s->spec, "extends"));
}
END_TEST

START_TEST(extends_cycle)
{
	const mf_diag *d;

	resolve_fails(HEAD "templates:\n"
			   "  ta: {extends: tb}\n"
			   "  tb: {extends: ta}\n"
			   "services:\n"
			   "  s: {extends: ta, image: demo/s}\n"
			   "environments: {dev: {targets: [compose]}}\n");
	d = mf_test_diag(&C, "extends-cycle");
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->pos.line == 4 || d->pos.line == 5, true);
	ck_assert_ptr_nonnull(strstr(d->msg, "templates extend each other in a cycle through '"));
}
END_TEST

START_TEST(extends_self)
{
	resolve_fails(HEAD "templates:\n"
			   "  tt: {extends: tt}\n"
			   "services:\n"
			   "  s: {extends: tt, image: demo/s}\n"
			   "environments: {dev: {targets: [compose]}}\n");
	ck_assert_ptr_nonnull(mf_test_diag(&C, "extends-cycle"));
	ck_assert_uint_eq(mf_test_diag(&C, "extends-cycle")->pos.line, 4);
	ck_assert_str_eq(mf_test_diag(&C, "extends-cycle")->msg,
			 "templates extend each other in a cycle through 'tt'");
}
END_TEST

START_TEST(extends_unknown)
{
	const mf_diag *d;

	resolve_fails(HEAD "templates:\n  base: {replicas: 2}\n"
			   "services:\n"
			   "  s: {extends: [base, bsae], image: demo/s}\n"
			   "environments: {dev: {targets: [compose]}}\n");
	d = only("unknown-template");
	mf_ck_pos(&C, d->pos, "system.yaml", 6, 23);
	ck_assert_str_eq(d->msg, "unknown template 'bsae'");
	ck_assert_str_eq(d->note, "did you mean 'base'?");
}
END_TEST

/* ---- environments and tenants ---------------------------------------------------------- */

#define TENANTS                                     \
	"services:\n"                               \
	"  api: {image: demo/api}\n"                \
	"  web: {image: demo/web, scope: tenant}\n" \
	"tenants:\n"                                \
	"  zeta: {namespace: z-ns}\n"               \
	"  acme: {environments: [prod]}\n"          \
	"  beta: {}\n"

START_TEST(tenant_instances)
{
	const mf_env *prod;

	resolve_ok(HEAD TENANTS "environments:\n"
				"  prod: {targets: [kustomize], namespace: shop}\n"
				"  dev: {targets: [compose], tenants: [beta]}\n");
	prod = env("prod");
	ck_assert_str_eq(prod->ns, "shop");
	ck_assert_uint_eq(prod->ntenants, 3);
	ck_assert_str_eq(prod->tenants[0].name, "acme");
	ck_assert_str_eq(prod->tenants[1].name, "beta");
	ck_assert_str_eq(prod->tenants[2].name, "zeta");
	ck_assert_uint_eq(prod->ninst, 4);
	/* sorted by (service, tenant), shared first */
	ck_assert_ptr_null(prod->inst[0].tenant);
	ck_assert_str_eq(prod->inst[0].service, "api");
	ck_assert_str_eq(prod->inst[0].ns, "shop");
	ck_assert_str_eq(prod->inst[1].tenant->name, "acme");
	ck_assert_str_eq(prod->inst[2].tenant->name, "beta");
	ck_assert_str_eq(prod->inst[3].tenant->name, "zeta");
	ck_assert_str_eq(inst("prod", "web", "acme")->name, "web");
	ck_assert_str_eq(inst("prod", "web", "acme")->compose_name, "web-acme");
	ck_assert_str_eq(inst("prod", "web", "acme")->ns, "shop-acme");
	ck_assert_str_eq(inst("prod", "web", "zeta")->ns, "z-ns");
	ck_assert_str_eq(inst("prod", "api", NULL)->compose_name, "api");
	ck_assert_ptr_null(mf_find_instance(prod, "web", NULL));
	ck_assert_ptr_null(mf_find_instance(prod, "api", "acme"));
	/* dev lists its tenants; acme is not in dev anyway */
	ck_assert_uint_eq(env("dev")->ntenants, 1);
	ck_assert_uint_eq(env("dev")->ninst, 2);
	ck_assert_str_eq(inst("dev", "web", "beta")->ns, "demo-dev-beta");
	ck_assert_ptr_null(mf_find_instance(env("dev"), "web", "zeta"));
}
END_TEST

/* The base view: every tenant as written, in the system's namespace. */
START_TEST(tenant_base_view)
{
	resolve_ok(HEAD TENANTS "environments:\n  dev: {targets: [compose], tenants: [beta]}\n"
				"  prod: {targets: [kustomize]}\n");
	ck_assert(env("base")->is_base);
	ck_assert_str_eq(env("base")->ns, "demo");
	ck_assert_uint_eq(env("base")->ntenants, 3);
	ck_assert_str_eq(inst("base", "web", "acme")->ns, "demo-acme");
	ck_assert_str_eq(inst("base", "web", "zeta")->ns, "z-ns");
	ck_assert_uint_eq(env("base")->targets, 0);
}
END_TEST

/* References from a tenant's instance go to the same tenant's instance first. */
START_TEST(tenant_ref_target)
{
	const mf_instance *w;

	resolve_ok(HEAD TENANTS "environments:\n  prod: {targets: [kustomize]}\n");
	w = inst("prod", "web", "beta");
	ck_assert_ptr_eq(mf_ref_target(w, "web"), w);
	ck_assert_ptr_eq(mf_ref_target(w, "api"), inst("prod", "api", NULL));
	ck_assert_ptr_null(mf_ref_target(inst("prod", "api", NULL), "web"));
	ck_assert_ptr_null(mf_ref_target(w, "nothing"));
}
END_TEST

START_TEST(tenant_unknown_in_env)
{
	const mf_diag *d;

	resolve_fails(HEAD TENANTS "environments:\n  dev: {targets: [compose], tenants: [bta]}\n"
				   "  prod: {targets: [kustomize]}\n");
	d = only("unknown-reference");
	ck_assert_str_eq(d->msg, "unknown tenant 'bta'");
	ck_assert_str_eq(d->note, "did you mean 'beta'?");
	mf_ck_pos(&C, d->pos, "system.yaml", 11, 39);
}
END_TEST

START_TEST(tenant_override_of_shared)
{
	const mf_diag *d;

	resolve_fails(HEAD "services:\n  api: {image: demo/api}\n"
			   "tenants:\n  acme:\n    services:\n      api: {replicas: 2}\n"
			   "environments:\n  dev: {targets: [compose]}\n");
	d = only("tenant-shared-override");
	mf_ck_pos(&C, d->pos, "system.yaml", 8, 7);
	ck_assert_str_eq(d->msg, "tenant 'acme' overrides 'api', which is shared: only "
				 "'scope: tenant' services have per-tenant instances");
}
END_TEST

#define ENVS                                                 \
	"services:\n  api: {image: demo/api}\n"              \
	"  late: {image: demo/late, environments: [prod]}\n" \
	"environments:\n"                                    \
	"  staging: {targets: [helm]}\n"                     \
	"  prod: {targets: [kustomize, velero]}\n"           \
	"  dev: {targets: [compose]}\n"

START_TEST(envs_sorted_with_targets)
{
	resolve_ok(HEAD ENVS);
	ck_assert_uint_eq(S.nenvs, 3);
	ck_assert_str_eq(S.envs[0].name, "dev");
	ck_assert_str_eq(S.envs[1].name, "prod");
	ck_assert_str_eq(S.envs[2].name, "staging");
	ck_assert_uint_eq(env("prod")->targets, MF_T_KUSTOMIZE | MF_T_VELERO);
	ck_assert_uint_eq(env("dev")->targets, MF_T_COMPOSE);
	ck_assert_str_eq(env("dev")->ns, "demo-dev");
	/* a service limited to some environments: not in the others, always in the base */
	ck_assert_ptr_nonnull(mf_find_instance(env("prod"), "late", NULL));
	ck_assert_ptr_null(mf_find_instance(env("dev"), "late", NULL));
	ck_assert_ptr_nonnull(mf_find_instance(env("base"), "late", NULL));
}
END_TEST

START_TEST(envs_selected)
{
	static const char *const want[] = {"staging", "dev"};

	ck_assert_int_eq(resolve_only(HEAD ENVS, want, 2), 0);
	ck_assert_uint_eq(S.nenvs, 2);
	ck_assert_str_eq(S.envs[0].name, "dev");
	ck_assert_str_eq(S.envs[1].name, "staging");
	ck_assert_ptr_null(mf_test_env(&S, "prod"));
	ck_assert_uint_eq(env("base")->ninst, 2);
}
END_TEST

START_TEST(envs_unknown_selected)
{
	static const char *const want[] = {"prdo", "dev", "qwertyuiop"};
	const mf_diag *d;

	ck_assert_int_eq(resolve_only(HEAD ENVS, want, 3), -1);
	ck_assert_uint_eq(mf_test_ndiags(&C, "unknown-environment"), 2);
	d = with_msg("no environment 'prdo' in the description");
	ck_assert_uint_eq(d->pos.file, 0);
	ck_assert_str_eq(d->note, "did you mean 'prod'?");
	d = with_msg("no environment 'qwertyuiop' in the description");
	ck_assert_ptr_null(d->note);
}
END_TEST

START_TEST(envs_need_targets)
{
	const mf_diag *d;

	resolve_fails(HEAD "services:\n  api: {image: demo/api}\n"
			   "environments:\n  dev: {}\n  qa: {profile: development}\n");
	d = only("environment-targets");
	mf_ck_pos(&C, d->pos, "system.yaml", 6, 3);
	ck_assert_str_eq(d->msg, "environment 'dev' has no targets: set 'targets' or a profile "
				 "that has them");
	ck_assert_uint_eq(env("qa")->targets, MF_T_COMPOSE);
}
END_TEST

/* ---- replicas ---------------------------------------------------------------------------- */

START_TEST(replicas_per_env_and_hpa)
{
	const mf_instance *in;

	resolve_ok(
		HEAD
		"services:\n"
		"  r1: {image: x/r, replicas: {prod: 3, default: 2}}\n"
		"  r2: {image: x/r, replicas: {prod: 4}}\n"
		"  r3: {image: x/r, replicas: 5, kind: daemon}\n"
		"  r4: {image: x/r, replicas: 3, kind: job}\n"
		"  r5: {image: x/r, replicas: 2, autoscaling: {min: 3, max: 6}}\n"
		"  r6: {image: x/r, replicas: 2, autoscaling: {max: 6}}\n"
		"  r7: {image: x/r, replicas: 2, autoscaling: {enabled: false, min: 3, max: 6}}\n"
		"  r8: {image: x/r, kind: daemon, autoscaling: {min: 3, max: 6}}\n"
		"  r9: {image: x/r, kind: stateful, replicas: {dev: 0, default: 7}}\n"
		"environments:\n  dev: {targets: [compose]}\n  prod: {targets: [kustomize]}\n");
	in = inst("prod", "r1", NULL);
	ck_assert_int_eq(in->replicas, 3);
	ck_assert_int_eq(in->max_replicas, 3);
	mf_ck_pos(&C, in->replicas_pos, "system.yaml", 4, 37);
	in = inst("dev", "r1", NULL);
	ck_assert_int_eq(in->replicas, 2);
	mf_ck_pos(&C, in->replicas_pos, "system.yaml", 4, 49);
	in = inst("dev", "r2", NULL);
	ck_assert_int_eq(in->replicas, 1);
	ck_assert(mf_pos_eq(in->replicas_pos, in->pos));
	ck_assert_int_eq(inst("prod", "r2", NULL)->replicas, 4);
	ck_assert_int_eq(inst("prod", "r3", NULL)->replicas, 1);
	ck_assert_int_eq(inst("prod", "r3", NULL)->max_replicas, 1);
	ck_assert_int_eq(inst("prod", "r4", NULL)->replicas, 1);
	in = inst("prod", "r5", NULL);
	ck_assert_int_eq(in->replicas, 3);
	ck_assert_int_eq(in->max_replicas, 6);
	mf_ck_pos(&C, in->replicas_pos, "system.yaml", 8, 52);
	in = inst("prod", "r6", NULL);
	ck_assert_int_eq(in->replicas, 2);
	ck_assert_int_eq(in->max_replicas, 6);
	ck_assert(mf_pos_eq(in->replicas_pos, mf_get(in->spec, "autoscaling")->pos));
	ck_assert_int_eq(inst("prod", "r7", NULL)->replicas, 2);
	ck_assert_int_eq(inst("prod", "r7", NULL)->max_replicas, 2);
	ck_assert_int_eq(inst("prod", "r8", NULL)->replicas, 1);
	ck_assert_int_eq(inst("prod", "r8", NULL)->max_replicas, 1);
	ck_assert_int_eq(inst("dev", "r9", NULL)->replicas, 0);
	ck_assert_int_eq(inst("prod", "r9", NULL)->replicas, 7);
	ck_assert_int_eq(inst("prod", "r9", NULL)->kind, MF_W_STATEFUL);
}
END_TEST

/* ---- ports --------------------------------------------------------------------------------- */

#define PORTS                                                                                  \
	"machines:\n"                                                                          \
	"  m1: {cpu: 4, memory: 8Gi, ports: {from: 31000, to: 31005}}\n"                       \
	"  m2: {cpu: 4, memory: 8Gi, ports: {from: 31000, to: 31005}}\n"                       \
	"services:\n"                                                                          \
	"  a:\n"                                                                               \
	"    image: demo/a\n"                                                                  \
	"    ports:\n"                                                                         \
	"      http: {port: 8080, host: auto}\n"                                               \
	"      dns: {port: 53, protocol: UDP, service: false}\n"                               \
	"      admin: {port: 9000, servicePort: 80}\n"                                         \
	"  b: {image: demo/b, ports: {web: {port: 80, host: 30000}}}\n"                        \
	"  h:\n"                                                                               \
	"    image: demo/h\n"                                                                  \
	"    security: {hostNetwork: true}\n"                                                  \
	"    ports: {p: 7000, q: {port: 7001, host: 30002}}\n"                                 \
	"  x: {image: demo/x, placement: {machine: m1}, ports: {p: {port: 80, host: auto}}}\n" \
	"  y: {image: demo/y, placement: {machine: m2}, ports: {p: {port: 80, host: auto}}}\n" \
	"environments:\n"                                                                      \
	"  dev: {targets: [compose], hostPorts: {from: 30000, to: 30005}}\n"                   \
	"  k8s: {targets: [kustomize], hostPorts: {from: 30000, to: 30005}}\n"

START_TEST(ports_typed)
{
	const mf_instance *a;
	const mf_port *p;

	resolve_ok(HEAD PORTS);
	a = inst("dev", "a", NULL);
	ck_assert_uint_eq(a->nports, 3);
	ck_assert(!a->host_network);
	p = &a->ports[0];
	ck_assert_str_eq(p->name, "http");
	ck_assert_int_eq(p->number, 8080);
	ck_assert_int_eq(p->service_port, 8080);
	ck_assert_str_eq(p->protocol, "TCP");
	ck_assert(p->in_service);
	ck_assert_ptr_nonnull(p->host_node);
	ck_written(p->host_node, "system.yaml", "auto");
	ck_assert_ptr_eq(p->node, mf_path(a->spec, "ports.http"));
	p = &a->ports[1];
	ck_assert_str_eq(p->name, "dns");
	ck_assert_str_eq(p->protocol, "UDP");
	ck_assert(!p->in_service);
	ck_assert_int_eq(p->host, 0);
	ck_assert_int_eq(p->published, 0);
	ck_assert_ptr_null(p->host_node);
	p = &a->ports[2];
	ck_assert_int_eq(p->number, 9000);
	ck_assert_int_eq(p->service_port, 80);
	/* a bare number */
	p = &inst("dev", "h", NULL)->ports[0];
	ck_assert_int_eq(p->number, 7000);
	ck_assert_int_eq(p->service_port, 7000);
	ck_assert_str_eq(p->protocol, "TCP");
	ck_assert(p->in_service);
	ck_written(p->node, "system.yaml", "7000");
}
END_TEST

/* Explicit host ports are taken first, so `auto` never takes one: 'a' comes before 'b'
 * but gets the port after b's. */
START_TEST(ports_explicit_first)
{
	resolve_ok(HEAD PORTS);
	ck_assert_int_eq(inst("dev", "b", NULL)->ports[0].host, 30000);
	ck_assert_int_eq(inst("dev", "b", NULL)->ports[0].published, 30000);
	ck_assert_int_eq(inst("dev", "a", NULL)->ports[0].host, 30001);
	ck_assert_int_eq(inst("dev", "a", NULL)->ports[0].published, 30001);
	ck_assert_int_eq(inst("k8s", "a", NULL)->ports[0].host, 30001);
	/* 30002 is h's: auto allocation goes on after it */
	ck_assert_int_eq(inst("dev", "h", NULL)->ports[1].host, 30002);
}
END_TEST

/* On the host network a port occupies its container port, with or without `host`. */
START_TEST(ports_host_network)
{
	const mf_instance *h;

	resolve_ok(HEAD PORTS);
	h = inst("dev", "h", NULL);
	ck_assert(h->host_network);
	ck_assert_int_eq(h->ports[0].host, 0);
	ck_assert_int_eq(h->ports[0].published, 7000);
	ck_assert_int_eq(h->ports[1].host, 30002);
	ck_assert_int_eq(h->ports[1].published, 7001);
	ck_assert(!inst("dev", "b", NULL)->host_network);
}
END_TEST

/* A machine's range beats the environment's; Compose runs on one host (one pool), a
 * Kubernetes environment has a pool per machine; the base view allocates only where a
 * machine gives a range, and says nothing where none does. */
START_TEST(ports_pools_per_machine)
{
	resolve_ok(HEAD PORTS);
	ck_assert_int_eq(inst("dev", "x", NULL)->ports[0].host, 31000);
	ck_assert_int_eq(inst("dev", "y", NULL)->ports[0].host, 31001);
	ck_assert_int_eq(inst("k8s", "x", NULL)->ports[0].host, 31000);
	ck_assert_int_eq(inst("k8s", "y", NULL)->ports[0].host, 31000);
	ck_assert_int_eq(inst("base", "y", NULL)->ports[0].host, 31000);
	ck_assert_int_eq(inst("base", "a", NULL)->ports[0].host, 0);
	ck_assert_int_eq(inst("base", "a", NULL)->ports[0].published, 0);
	ck_assert_str_eq(inst("k8s", "x", NULL)->machine, "m1");
}
END_TEST

START_TEST(ports_range_errors)
{
	const mf_diag *d;

	resolve_fails(HEAD "services:\n"
			   "  a: {image: demo/a, ports: {p: {port: 80, host: auto}}}\n"
			   "  b: {image: demo/b, ports: {p: {port: 81, host: auto}}}\n"
			   "  c: {image: demo/c, ports: {p: {port: 82, host: auto}}}\n"
			   "environments:\n"
			   "  dev: {targets: [compose], hostPorts: {from: 30000, to: 30001}}\n"
			   "  bare: {targets: [compose]}\n");
	ck_assert_uint_eq(mf_test_ndiags(&C, "port-range"), 4);
	d = with_msg("no free host port left in 30000-30001 for 'c' in environment 'dev'");
	mf_ck_pos(&C, d->pos, "system.yaml", 6, 50);
	d = with_msg("'host: auto' needs a port range: set 'hostPorts' on environment 'bare' or "
		     "'ports' on the machine");
	mf_ck_pos(&C, d->pos, "system.yaml", 4, 50);
	ck_assert_int_eq(inst("dev", "a", NULL)->ports[0].host, 30000);
	ck_assert_int_eq(inst("dev", "b", NULL)->ports[0].host, 30001);
	ck_assert_int_eq(inst("dev", "c", NULL)->ports[0].host, 0);
}
END_TEST

/* Was a bug: a port on the host network occupies its container port on the host (ports_host_network:
 * `published` is 7000), but env_ports() marks only `host:` values as used, so `auto` hands the
 * same port to another service.  Through the CLI, check then reports host-port-conflict at
 * the host-network service's port, which the user wrote, for a clash the allocator made. */
START_TEST(ports_auto_avoids_host_network)
{
	resolve_ok(HEAD "services:\n"
			"  a: {image: demo/a, ports: {http: {port: 8080, host: auto}}}\n"
			"  h: {image: demo/h, security: {hostNetwork: true}, ports: {p: 30000}}\n"
			"environments:\n"
			"  dev: {targets: [compose], hostPorts: {from: 30000, to: 30005}}\n");
	ck_assert_int_eq(inst("dev", "h", NULL)->ports[0].published, 30000);
	ck_assert_int_eq(inst("dev", "a", NULL)->ports[0].host, 30001);
}
END_TEST

/* ---- images ------------------------------------------------------------------------------ */

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

#define HEAD_OWN                                                                   \
	"manifold: 1\n"                                                            \
	"system: {name: demo, version: 1.0.0, images: {own: [demo/, localhost:5000/x]}}\n"

#define IMAGES                                                                  \
	"services:\n"                                                           \
	"  plain: {image: demo/plain}\n"                                        \
	"  tagged: {image: \"demo/t:1.0\"}\n"                                   \
	"  hub: {image: redis}\n"                                               \
	"  ghcr: {image: \"ghcr.io/o/x:2\"}\n"                                  \
	"  local: {image: \"localhost:5000/x\"}\n"                              \
	"  pinned: {image: \"demo/d@" DIGEST "\"}\n"                            \
	"  mapped: {image: {registry: quay.io, repository: o/m, tag: \"3\"}}\n" \
	"  none: {build: {context: .}}\n"

static void ck_image(const char *e, const char *svc, const char *repo, const char *tag,
		     const char *ref)
{
	const mf_image *im = &inst(e, svc, NULL)->image;

	ck_assert_pstr_eq(im->repo, repo);
	ck_assert_pstr_eq(im->tag, tag);
	ck_assert_pstr_eq(im->ref, ref);
}

/* Only the system's own images (demo/ and localhost:5000/x here) take the
 * version, the environment's tag and registry; others go through the mirror. */
START_TEST(images_with_env_tag_and_registry)
{
	resolve_ok(HEAD_OWN IMAGES
		   "environments:\n"
		   "  dev: {targets: [compose]}\n"
		   "  prod: {targets: [kustomize], images: {registry: reg.io, tag: \"9.9\","
		   " mirror: mirror.io}}\n");
	ck_image("dev", "plain", "demo/plain", "1.0.0", "demo/plain:1.0.0");
	ck_assert(inst("dev", "plain", NULL)->image.own);
	ck_image("prod", "plain", "reg.io/demo/plain", "9.9", "reg.io/demo/plain:9.9");
	ck_image("dev", "tagged", "demo/t", "1.0", "demo/t:1.0");
	ck_image("prod", "tagged", "reg.io/demo/t", "1.0", "reg.io/demo/t:1.0");
	ck_image("dev", "hub", "redis", NULL, "redis");
	ck_assert(!inst("dev", "hub", NULL)->image.own);
	ck_image("prod", "hub", "mirror.io/redis", NULL, "mirror.io/redis");
	ck_image("prod", "ghcr", "ghcr.io/o/x", "2", "ghcr.io/o/x:2");
	ck_image("prod", "local", "localhost:5000/x", "9.9", "localhost:5000/x:9.9");
	ck_image("dev", "local", "localhost:5000/x", "1.0.0", "localhost:5000/x:1.0.0");
	ck_image("dev", "pinned", "demo/d", NULL, "demo/d@" DIGEST);
	ck_assert_str_eq(inst("dev", "pinned", NULL)->image.digest, DIGEST);
	ck_image("prod", "pinned", "reg.io/demo/d", NULL, "reg.io/demo/d@" DIGEST);
	ck_image("prod", "mapped", "quay.io/o/m", "3", "quay.io/o/m:3");
	/* a quoted scalar's position is that of its text, inside the quotes */
	ck_written(mf_get(inst("dev", "tagged", NULL)->spec, "image"), "system.yaml", "demo/t:1.0");
	ck_assert(mf_pos_eq(inst("dev", "tagged", NULL)->image.pos,
			    mf_get(inst("dev", "tagged", NULL)->spec, "image")->pos));
	ck_assert_ptr_null(inst("dev", "none", NULL)->image.ref);
	ck_assert(mf_pos_eq(inst("dev", "none", NULL)->image.pos, inst("dev", "none", NULL)->pos));
}
END_TEST

/* Without a version or an environment tag, an untagged image stays untagged. */
START_TEST(images_untagged)
{
	resolve_ok("manifold: 1\nsystem: {name: demo}\n"
		   "services:\n  plain: {image: demo/plain}\n"
		   "environments:\n  dev: {targets: [compose]}\n");
	ck_image("dev", "plain", "demo/plain", NULL, "demo/plain");
	ck_assert_str_eq(S.version, "0.1.0");
}
END_TEST

/* ---- volumes ----------------------------------------------------------------------------- */

/* Flows: dependsOn, env references and connectsTo, one per target and
 * port, an all-ports flow covering port flows; flows_in by client. */
#define FLOWS                                                                   \
	"services:\n"                                                           \
	"  db: {image: demo/db, ports: {pg: 5432, admin: 8080}}\n"              \
	"  cache: {image: demo/cache, ports: {client: 6379, gossip: 7000},\n"   \
	"          connectsTo: {cache: {ports: [gossip]}}}\n"                   \
	"  web: {image: demo/web, scope: tenant, dependsOn: {db: started},\n"   \
	"        env: {DB: {service: db, port: pg}, C: {service: cache}},\n"    \
	"        connectsTo: {db: {ports: [pg]}, cache: {ports: [7000]},\n"     \
	"                     web: {}}}\n"                                      \
	"tenants:\n  acme: {}\n  beta: {}\n"                                    \
	"environments:\n  prod: {targets: [kustomize]}\n"

START_TEST(flows_deduplicated)
{
	const mf_instance *w, *db, *cache;

	resolve_ok(HEAD FLOWS);
	w = inst("prod", "web", "acme");
	db = inst("prod", "db", NULL);
	cache = inst("prod", "cache", NULL);
	/* cache (all ports, from env), db (all ports: dependsOn covers pg), itself */
	ck_assert_uint_eq(w->nflows, 3);
	ck_assert_ptr_eq(w->flows[0].to < w->flows[1].to ? w->flows[0].to : w->flows[1].to,
			 cache < db ? cache : db);
	for (size_t k = 0; k < w->nflows; k++)
		ck_assert_ptr_null(w->flows[k].port);
	ck_assert_ptr_eq(w->flows[2].to, w);
	ck_assert_int_eq(w->flows[2].why, MF_F_CONNECTS);
	/* the cache's own members reach its gossip port only */
	ck_assert_uint_eq(cache->nflows, 1);
	ck_assert_ptr_eq(cache->flows[0].port, &cache->ports[1]);
	/* db is reached by both tenants' web, in instance order */
	ck_assert_uint_eq(db->nflows_in, 2);
	ck_assert_ptr_eq(db->flows_in[0]->from, w);
	ck_assert_ptr_eq(db->flows_in[1]->from, inst("prod", "web", "beta"));
	ck_assert_uint_eq(cache->nflows_in, 3);
	ck_assert_int_eq(db->flows_in[0]->why, MF_F_DEPENDS);
}
END_TEST

START_TEST(flows_unknown_port)
{
	const mf_diag *d;

	resolve_fails(HEAD "services:\n  db: {image: demo/db, ports: {pg: 5432}}\n"
			   "  web: {image: demo/web, connectsTo: {db: {ports: [gp]}}}\n"
			   "environments:\n  prod: {targets: [kustomize]}\n");
	d = only("unknown-reference");
	ck_assert_str_eq(d->msg, "'db' has no port 'gp'");
	ck_assert_str_eq(d->note, "did you mean 'pg'?");
	mf_ck_pos(&C, d->pos, "system.yaml", 5, 52);
}
END_TEST

START_TEST(volumes_kinds_and_order)
{
	static const struct {
		const char *name;
		mf_vol_kind kind;
		const char *mount, *source;
		bool ro;
	} want[] = {
		{"data", MF_V_STORAGE, "/data", NULL, false},
		{"logs", MF_V_STORAGE, "/logs", NULL, false},
		{"conf", MF_V_CONFIG, "/etc/app", "app", true},
		{"tmp", MF_V_EMPTY_DIR, "/tmp", NULL, false},
		{"sec", MF_V_SECRET, "/tls", "tls", false},
		{"sock", MF_V_HOST_PATH, "/var/run/x.sock", "/var/run/x.sock", false},
		{"src", MF_V_BIND, "/src", "./src", false},
	};
	const mf_instance *v;

	resolve_ok(HEAD "configs: {app: {data: {a: \"1\"}}}\n"
			"secrets: {tls: {keys: [crt]}}\n"
			"services:\n"
			"  v:\n"
			"    image: demo/v\n"
			"    volumes:\n"
			"      conf: {mount: /etc/app, config: app, readOnly: true}\n"
			"      tmp: {mount: /tmp, emptyDir: {medium: Memory}}\n"
			"      sec: {mount: /tls, secret: tls}\n"
			"      sock: {mount: /var/run/x.sock, hostPath: /var/run/x.sock}\n"
			"      src: {mount: /src, bind: ./src}\n"
			"    storage:\n"
			"      data: {mount: /data, size: 1Gi}\n"
			"      logs: {mount: /logs, size: 1Gi}\n"
			"environments:\n  dev: {targets: [compose]}\n");
	v = inst("dev", "v", NULL);
	ck_assert_uint_eq(v->nvols, MF_NELEM(want));
	for (size_t i = 0; i < MF_NELEM(want); i++) {
		const mf_volume *vol = &v->vols[i];
		ck_assert_str_eq(vol->name, want[i].name);
		ck_assert_int_eq(vol->kind, want[i].kind);
		ck_assert_str_eq(vol->mount, want[i].mount);
		ck_assert_pstr_eq(vol->source, want[i].source);
		ck_assert_int_eq(vol->read_only, want[i].ro);
		ck_written_at(vol->key_pos, "system.yaml", want[i].name);
	}
	ck_assert_ptr_null(v->vols[0].source_node);
	ck_assert_str_eq(mf_get_str(v->vols[3].source_node, "medium"), "Memory");
	ck_written(v->vols[2].source_node, "system.yaml", "app");
	ck_assert_ptr_eq(v->vols[4].node, mf_path(v->spec, "volumes.sec"));
}
END_TEST

/* ---- references -------------------------------------------------------------------------- */

START_TEST(refs_unknown)
{
	resolve_fails(HEAD "secrets:\n  db: {keys: [password]}\n"
			   "configs:\n  app: {data: {level: info}}\n"
			   "machines:\n  gpu1: {cpu: 8, memory: 64Gi}\n"
			   "services:\n"
			   "  api:\n"
			   "    image: demo/api\n"
			   "    env:\n"
			   "      A: {secret: dbb, key: password}\n"
			   "      B: {secret: db, key: pasword}\n"
			   "      C: {config: app, key: levl}\n"
			   "      D: {service: cahce}\n"
			   "    envFrom: [{config: appp}]\n"
			   "    dependsOn: {cachee: healthy}\n"
			   "    volumes: {s: {secret: dx, mount: /s}}\n"
			   "    placement: {machine: gpu}\n"
			   "  cache: {image: redis}\n"
			   "environments:\n"
			   "  dev:\n"
			   "    targets: [compose]\n"
			   "    services: {apii: {replicas: 2}}\n"
			   "tenants:\n  acme: {services: {cach: {}}}\n");
	ck_assert_uint_eq(mf_test_ndiags(&C, "unknown-reference"), 10);
	ck_diag_at("unknown secret 'dbb'", "dbb", "did you mean 'db'?");
	ck_diag_at("secret 'db' has no key 'pasword'", "pasword", NULL);
	ck_diag_at("config 'app' has no key 'levl'", "levl", NULL);
	ck_diag_at("unknown service 'cahce'", "cahce", "did you mean 'cache'?");
	ck_diag_at("unknown config 'appp'", "appp", "did you mean 'app'?");
	ck_diag_at("unknown service 'cachee'", "cachee", "did you mean 'cache'?");
	ck_diag_at("unknown secret 'dx'", "dx", NULL);
	ck_diag_at("unknown machine 'gpu'", "gpu", "did you mean 'gpu1'?");
	ck_diag_at("unknown service 'apii'", "apii", "did you mean 'api'?");
	ck_diag_at("unknown service 'cach'", "cach", "did you mean 'cache'?");
}
END_TEST

/* References a profile's defaults make are checked too, at the profile's line. */
START_TEST(refs_unknown_in_profile)
{
	const mf_diag *d;

	put("p.yaml",
	    "profile: p\ntargets: [compose]\ndefaults:\n  env: {X: {secret: nope, key: k}}\n");
	resolve_fails(HEAD "services:\n  api: {image: demo/api}\n"
			   "environments:\n  dev: {profile: p.yaml}\n");
	d = only("unknown-reference");
	ck_assert_str_eq(d->msg, "unknown secret 'nope'");
	mf_ck_pos(&C, d->pos, "p.yaml", 4, 21);
}
END_TEST

/* A reference that exists in the description but has no instance to point at. */
START_TEST(refs_missing_in_env)
{
	const mf_diag *d;

	resolve_fails(HEAD
		      "services:\n"
		      "  api: {image: demo/api, env: {W: {service: web}}}\n"
		      "  web: {image: demo/web, scope: tenant}\n"
		      "  late: {image: demo/late, environments: [prod]}\n"
		      "  user: {image: demo/user, dependsOn: {late: started}}\n"
		      "tenants: {acme: {}}\n"
		      "environments:\n  dev: {targets: [compose]}\n  prod: {targets: [helm]}\n");
	d = with_msg("shared service 'api' refers to 'web', which has one instance per tenant");
	mf_ck_pos(&C, d->pos, "system.yaml", 4, 35);
	d = with_msg("'user' refers to 'late', which does not exist in environment 'dev'");
	mf_ck_pos(&C, d->pos, "system.yaml", 7, 40);
	/* one per environment the reference fails in: dev and prod for api, dev for user */
	ck_assert_uint_eq(mf_test_ndiags(&C, "unknown-reference"), 3);
}
END_TEST

#define REFS                                                                                    \
	"services:\n"                                                                           \
	"  db:\n"                                                                               \
	"    image: demo/pg\n"                                                                  \
	"    ports: {pg: {port: 5432, servicePort: 15432}, admin: 8080}\n"                      \
	"  cart:\n"                                                                             \
	"    {image: demo/cart, scope: tenant, ports: {http: {port: 80, servicePort: 8080}}}\n" \
	"  api:\n"                                                                              \
	"    image: demo/api\n"                                                                 \
	"    env:\n"                                                                            \
	"      DB: {service: db, port: pg}\n"                                                   \
	"      DBH: {service: db}\n"                                                            \
	"      URL: {service: db, port: admin,\n"                                               \
	"            format: \"http://{host}:{port}/x?ns={namespace}\"}\n"                  \
	"      FIRST: {service: db, format: \"{host}:{port}\"}\n"                               \
	"  web:\n"                                                                              \
	"    image: demo/web\n"                                                                 \
	"    scope: tenant\n"                                                                   \
	"    env:\n"                                                                            \
	"      DB: {service: db, port: pg}\n"                                                   \
	"      CART: {service: cart, port: http}\n"                                             \
	"tenants: {acme: {}}\n"                                                                 \
	"environments:\n"                                                                       \
	"  dev: {targets: [compose]}\n"                                                         \
	"  prod: {targets: [kustomize]}\n"

static const char *ref(const char *e, const char *svc, const char *tenant, const char *var,
		       mf_target t)
{
	const mf_instance *from = inst(e, svc, tenant);

	return mf_ref_value(&C, from, mf_path(from->spec, mf_printf(C.a, "env.%s", var)), t);
}

/* Compose: the Compose service name and the container port. */
START_TEST(ref_value_compose)
{
	resolve_ok(HEAD REFS);
	ck_assert_str_eq(ref("dev", "api", NULL, "DB", MF_T_COMPOSE), "db:5432");
	ck_assert_str_eq(ref("dev", "api", NULL, "DBH", MF_T_COMPOSE), "db");
	ck_assert_str_eq(ref("dev", "api", NULL, "URL", MF_T_COMPOSE),
			 "http://db:8080/x?ns=demo-dev");
	ck_assert_str_eq(ref("dev", "api", NULL, "FIRST", MF_T_COMPOSE), "db:5432");
	ck_assert_str_eq(ref("dev", "web", "acme", "DB", MF_T_COMPOSE), "db:5432");
	ck_assert_str_eq(ref("dev", "web", "acme", "CART", MF_T_COMPOSE), "cart-acme:80");
}
END_TEST

/* Kubernetes: the Service port; the short name in the same namespace, the cluster name
 * from another one (a tenant's instance to a shared service). */
START_TEST(ref_value_kubernetes)
{
	resolve_ok(HEAD REFS);
	ck_assert_str_eq(ref("prod", "api", NULL, "DB", MF_T_KUSTOMIZE), "db:15432");
	ck_assert_str_eq(ref("prod", "api", NULL, "DBH", MF_T_KUSTOMIZE), "db");
	ck_assert_str_eq(ref("prod", "api", NULL, "URL", MF_T_KUSTOMIZE),
			 "http://db:8080/x?ns=demo-prod");
	ck_assert_str_eq(ref("prod", "api", NULL, "FIRST", MF_T_KUSTOMIZE), "db:15432");
	ck_assert_str_eq(ref("prod", "web", "acme", "DB", MF_T_KUSTOMIZE),
			 "db.demo-prod.svc.cluster.local:15432");
	ck_assert_str_eq(ref("prod", "web", "acme", "CART", MF_T_KUSTOMIZE), "cart:8080");
	ck_assert_str_eq(ref("prod", "web", "acme", "DB", MF_T_HELM),
			 "db.demo-prod.svc.cluster.local:15432");
}
END_TEST

START_TEST(ref_value_unresolvable)
{
	mf_node *r;

	resolve_ok(HEAD REFS);
	r = mf_new_map(C.a, MF_NOPOS);
	mf_map_set_str(C.a, r, "service", "nothing", MF_NOPOS);
	ck_assert_ptr_null(mf_ref_value(&C, inst("dev", "api", NULL), r, MF_T_COMPOSE));
}
END_TEST

/* Was a bug: a reference that names a port the service does not have, or that asks for {port}
 * of a service with no ports, cannot be resolved, yet mf_ref_value returns text: the port
 * is silently dropped ("db") or "{port}" is written literally.  Nothing reports it (the
 * reference checks do not look at `port`), so `manifold build` writes CACHE_URL: cache for
 * {service: cache, port: nosuch}.  resolve.h says NULL when it cannot be resolved. */
START_TEST(ref_value_unknown_port)
{
	mf_node *r;

	resolve_ok(HEAD REFS);
	r = mf_new_map(C.a, MF_NOPOS);
	mf_map_set_str(C.a, r, "service", "db", MF_NOPOS);
	mf_map_set_str(C.a, r, "port", "nosuch", MF_NOPOS);
	ck_assert_ptr_null(mf_ref_value(&C, inst("dev", "api", NULL), r, MF_T_COMPOSE));
	r = mf_new_map(C.a, MF_NOPOS);
	mf_map_set_str(C.a, r, "service", "api", MF_NOPOS);
	mf_map_set_str(C.a, r, "format", "{host}:{port}", MF_NOPOS);
	ck_assert_ptr_null(mf_ref_value(&C, inst("dev", "db", NULL), r, MF_T_COMPOSE));
}
END_TEST

/* ---- targets ----------------------------------------------------------------------------- */

/* Every `targets` property of a schema (wherever it is) with an enum of names. */
static size_t schema_target_enums(const json_t *j, const json_t **out, size_t cap)
{
	const char *key;
	json_t *v;
	size_t i, n = 0;

	if (json_is_array(j)) {
		json_array_foreach(j, i, v) n += schema_target_enums(v, out + n, cap - n);
		return n;
	}
	json_object_foreach((json_t *)j, key, v)
	{
		const json_t *e = json_object_get(json_object_get(v, "items"), "enum");
		if (!strcmp(key, "targets") && e && n < cap)
			out[n++] = e;
		else
			n += schema_target_enums(v, out + n, cap - n);
	}
	return n;
}

static void ck_schema_targets(const char *schema)
{
	size_t len, n;
	const char *text = mf_schema_text(schema, &len);
	json_t *doc;
	const json_t *enums[8];

	ck_assert_ptr_nonnull(text);
	doc = json_loadb(text, len, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	n = schema_target_enums(doc, enums, MF_NELEM(enums));
	ck_assert_msg(n >= 1, "schema %s has no targets enum", schema);
	for (size_t k = 0; k < n; k++) {
		ck_assert_uint_eq(json_array_size(enums[k]), MF_NTARGETS);
		for (size_t i = 0; i < MF_NTARGETS; i++)
			ck_assert_str_eq(json_string_value(json_array_get(enums[k], i)),
					 mf_target_names[i]);
	}
	json_decref(doc);
}

START_TEST(targets_match_schemas)
{
	ck_schema_targets("system");
	ck_schema_targets("profile");
}
END_TEST

START_TEST(target_bits)
{
	ck_assert_uint_eq(MF_NTARGETS, 4);
	for (size_t i = 0; i < MF_NTARGETS; i++)
		ck_assert_uint_eq(mf_target_bit(mf_target_names[i]), 1u << i);
	ck_assert_uint_eq(mf_target_bit("kubernetes"), 0);
	ck_assert_uint_eq(mf_target_bit(NULL), 0);
	ck_assert_uint_eq(mf_target_bit("Helm"), 0);
	ck_assert_str_eq(mf_target_names[MF_TI_HELM], "helm");
	ck_assert_uint_eq(MF_T_COMPOSE, 1u << MF_TI_COMPOSE);
}
END_TEST

static TCase *tcase(Suite *s, const char *name)
{
	TCase *t = tcase_create(name);

	tcase_add_checked_fixture(t, setup, teardown);
	suite_add_tcase(s, t);
	return t;
}

static Suite *resolve_suite(void)
{
	Suite *s = suite_create("resolve");
	TCase *t = tcase(s, "precedence");

	tcase_add_test(t, precedence_all_levels);
	tcase_add_test(t, precedence_shared_instance);
	tcase_add_test(t, precedence_fallbacks);
	t = tcase(s, "templates");
	tcase_add_test(t, extends_chain_and_list);
	tcase_add_test(t, extends_cycle);
	tcase_add_test(t, extends_self);
	tcase_add_test(t, extends_unknown);
	t = tcase(s, "environments");
	tcase_add_test(t, tenant_instances);
	tcase_add_test(t, tenant_base_view);
	tcase_add_test(t, tenant_ref_target);
	tcase_add_test(t, tenant_unknown_in_env);
	tcase_add_test(t, tenant_override_of_shared);
	tcase_add_test(t, envs_sorted_with_targets);
	tcase_add_test(t, envs_selected);
	tcase_add_test(t, envs_unknown_selected);
	tcase_add_test(t, envs_need_targets);
	tcase_add_test(t, replicas_per_env_and_hpa);
	t = tcase(s, "facts");
	tcase_add_test(t, ports_typed);
	tcase_add_test(t, ports_explicit_first);
	tcase_add_test(t, ports_host_network);
	tcase_add_test(t, ports_pools_per_machine);
	tcase_add_test(t, ports_range_errors);
	tcase_add_test(t, ports_auto_avoids_host_network);
	tcase_add_test(t, images_with_env_tag_and_registry);
	tcase_add_test(t, images_untagged);
	tcase_add_test(t, volumes_kinds_and_order);
	tcase_add_test(t, flows_deduplicated);
	tcase_add_test(t, flows_unknown_port);
	t = tcase(s, "references");
	tcase_add_test(t, refs_unknown);
	tcase_add_test(t, refs_unknown_in_profile);
	tcase_add_test(t, refs_missing_in_env);
	tcase_add_test(t, ref_value_compose);
	tcase_add_test(t, ref_value_kubernetes);
	tcase_add_test(t, ref_value_unresolvable);
	tcase_add_test(t, ref_value_unknown_port);
	t = tcase(s, "targets");
	tcase_add_test(t, targets_match_schemas);
	tcase_add_test(t, target_bits);
	return s;
}

int main(void)
{
	return mf_test_run(resolve_suite());
}
