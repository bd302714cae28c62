/* check: unit tests of policy packs: loading, extends, pssVersion, switches, declarative rules,
 * their scopes and findings, and the rule ids a pack set knows */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_impl.h"
#include "support.h"

#define HEAD "manifold: 1\nsystem: {name: demo}\n"

static mf_ctx C;
static mf_system S;
static const char *DIR_;

/* Each test's folder is made inside one folder per test case, which the runner's own process
 * makes and removes (an unchecked fixture): a failing check ends the test's process at once,
 * without its teardown, and a crash or a timeout too. */
static char ROOT[64];

static void make_root(void)
{
	snprintf(ROOT, sizeof ROOT, "/tmp/mf-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(ROOT));
}

static void remove_root(void)
{
	mf_test_dir_remove(ROOT);
}

static void setup(void)
{
	static char dir[96];

	mf_ctx_init(&C);
	C.today = "2026-06-01";
	memset(&S, 0, sizeof S);
	snprintf(dir, sizeof dir, "%s/t-XXXXXX", ROOT);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	DIR_ = dir;
}

static void teardown(void)
{
	mf_test_dir_remove(DIR_);
	mf_ctx_release(&C);
}

/* A new context for another run in the same test (the files stay). */
static void fresh(void)
{
	mf_ctx_release(&C);
	mf_ctx_init(&C);
	C.today = "2026-06-01";
	memset(&S, 0, sizeof S);
}

static const char *put(const char *rel, const char *text)
{
	return mf_test_write(C.a, DIR_, rel, text);
}

static const char *at(const char *rel)
{
	return mf_printf(C.a, "%s/%s", DIR_, rel);
}

/* Load DIR/REL holding yaml (it must load and resolve), render it and run mf_check. */
static int check_at(const char *rel, const char *yaml)
{
	mf_input in;

	if (mf_load(&C, put(rel, yaml), &in) < 0 || mf_resolve(&C, &in, NULL, 0, &S) < 0) {
		mf_diag_print_all(&C, stderr, false);
		ck_abort_msg("description does not resolve");
	}
	return mf_check(&C, mf_test_render(&C, &S), NULL);
}

static int check(const char *yaml)
{
	return check_at("system.yaml", yaml);
}

/* mf_lint over one file with these packs (none: baseline). */
static int lint(const char *file, const char *const *packs, size_t npacks)
{
	const char *paths[] = {file};

	return mf_lint(&C, paths, 1, packs, npacks);
}

/* Findings with this code, in this environment (NULL: in any). */
static size_t count(const char *code, const char *env)
{
	size_t n = 0;

	for (size_t i = 0; i < C.ndiags; i++)
		n += C.diags[i].code && !strcmp(C.diags[i].code, code) &&
		     (!env || (C.diags[i].env && !strcmp(C.diags[i].env, env)));
	return n;
}

/* The one finding with this code in env (NULL: any); the test fails unless there is one. */
static const mf_diag *one(const char *code, const char *env)
{
	ck_assert_msg(count(code, env) == 1, "%zu findings '%s' in '%s' (of %zu)", count(code, env),
		      code, env ? env : "*", C.ndiags);
	for (size_t i = 0; i < C.ndiags; i++)
		if (C.diags[i].code && !strcmp(C.diags[i].code, code) &&
		    (!env || (C.diags[i].env && !strcmp(C.diags[i].env, env))))
			return &C.diags[i];
	return NULL;
}

/* The first diagnostic with this code whose message holds text; the test fails without one. */
static const mf_diag *saying(const char *code, const char *text)
{
	for (size_t i = 0; i < C.ndiags; i++)
		if (C.diags[i].code && !strcmp(C.diags[i].code, code) &&
		    strstr(C.diags[i].msg, text))
			return &C.diags[i];
	ck_abort_msg("no diagnostic '%s' saying '%s'", code, text);
	return NULL;
}

/* The messages of the findings with this code, in report order, one a line. */
static const char *messages(const char *code)
{
	const char *out = "";

	for (size_t i = 0; i < C.ndiags; i++)
		if (C.diags[i].code && !strcmp(C.diags[i].code, code))
			out = mf_printf(C.a, "%s%s\n", out, C.diags[i].msg);
	return out;
}

/* a service that passes every core rule */
#define SERVICE                                                 \
	"    image: example/api:1.0.0\n"                        \
	"    ports:\n      http: 8080\n"                        \
	"    resources:\n"                                      \
	"      requests: {cpu: 100m, memory: 128Mi}\n"          \
	"      limits: {cpu: 500m, memory: 256Mi}\n"            \
	"    probes:\n"                                         \
	"      readiness: {http: {path: /ready, port: http}}\n" \
	"      liveness: {tcp: {port: http}}\n"

/* ---- loading --------------------------------------------------------------------------------- */

/* A pod that breaks a baseline rule (privileged) and a restricted one (runs as root). */
#define ROOT_POD                                                            \
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\n" \
	"spec:\n  containers:\n    - name: c\n      image: demo/c:1\n"      \
	"      securityContext: {privileged: true}\n"

START_TEST(builtin_pack_by_name)
{
	static const char *const baseline[] = {"baseline"}, *const restricted[] = {"restricted"};
	const char *pod = put("pod.yaml", ROOT_POD);

	ck_assert_int_eq(lint(pod, baseline, 1), 0);
	ck_assert_int_eq(one("privileged", NULL)->sev, MF_SEV_ERROR);
	mf_ck_pos(&C, one("privileged", NULL)->pos, "pod.yaml", 8, 37);
	ck_assert_uint_eq(count("run-as-non-root", NULL), 0);
	/* restricted extends baseline: both levels run */
	fresh();
	ck_assert_int_eq(lint(at("pod.yaml"), restricted, 1), 0);
	ck_assert_uint_eq(count("privileged", NULL), 1);
	ck_assert_uint_eq(count("run-as-non-root", NULL), 1);
	ck_assert_uint_eq(count("seccomp-required", NULL), 1);
	/* no pack named: lint applies baseline */
	fresh();
	ck_assert_int_eq(lint(at("pod.yaml"), NULL, 0), 0);
	ck_assert_uint_eq(count("privileged", NULL), 1);
	ck_assert_uint_eq(count("run-as-non-root", NULL), 0);
}
END_TEST

/* baseline's own declarative rule, run by lint with its default pack. */
START_TEST(builtin_declarative_rule)
{
	const mf_diag *d;

	put("objs.yaml",
	    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n"
	    "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: shop}\n"
	    "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
	ck_assert_int_eq(lint(at("objs.yaml"), NULL, 0), 0);
	d = one("default-namespace", NULL);
	ck_assert_int_eq(d->sev, MF_SEV_WARNING);
	ck_assert_str_eq(d->msg, "ConfigMap 'a' is in the 'default' namespace");
	ck_assert_str_eq(d->object, "ConfigMap/default/a");
	ck_assert_str_eq(d->path, "metadata.namespace");
	mf_ck_pos(&C, d->pos, "objs.yaml", 3, 32);
}
END_TEST

/* A pack is a path relative to the file that names it; so is a path in its `extends`. */
START_TEST(pack_file_relative_to_naming_file)
{
	static const char rule[] = "rules:\n  - id: %s\n    severity: warning\n    message: m\n"
				   "    on: service\n    assert: [{field: image, equals: zzz}]\n";

	put("app/packs/team.yaml", mf_printf(C.a, "pack: team\nextends: [../shared/base.yaml]\n%s",
					     mf_printf(C.a, rule, "team")));
	put("app/shared/base.yaml", mf_printf(C.a, "pack: base\n%s", mf_printf(C.a, rule, "base")));
	/* where the paths lead from the other file, or with '..' dropped */
	put("packs/team.yaml",
	    mf_printf(C.a, "pack: team\n%s", mf_printf(C.a, rule, "wrong-team")));
	put("shared/base.yaml",
	    mf_printf(C.a, "pack: base\n%s", mf_printf(C.a, rule, "wrong-base")));
	put("app/packs/shared/base.yaml",
	    mf_printf(C.a, "pack: base\n%s", mf_printf(C.a, rule, "wrong-base")));
	ck_assert_int_eq(check_at("app/system.yaml",
				  HEAD "services:\n  api:\n" SERVICE "environments:\n  test:\n"
				       "    targets: [kustomize]\n"
				       "    policies: [packs/team.yaml]\n"),
			 0);
	ck_assert_uint_eq(count("team", "test"), 1);
	ck_assert_uint_eq(count("base", "test"), 1);
	ck_assert_uint_eq(count("wrong-team", NULL) + count("wrong-base", NULL), 0);
}
END_TEST

/* A pack file that is not there: an input error at the name. */
START_TEST(pack_file_missing)
{
	const mf_diag *d;

	ck_assert_int_eq(check(HEAD "policies: [nope.yaml]\nservices:\n  api:\n" SERVICE
				    "environments:\n  test: {targets: [kustomize]}\n"),
			 -1);
	d = mf_test_diag(&C, "input-io");
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->sev, MF_SEV_ERROR);
	ck_assert_ptr_nonnull(strstr(d->msg, "nope.yaml"));
	mf_ck_pos(&C, d->pos, "system.yaml", 3, 12);
}
END_TEST

/* Each pack switches hard-coded-ip to one severity; which one wins shows the order they apply. */
#define SEV_PACK(name, sev, ext) \
	put(name ".yaml",        \
	    "pack: " name "\n" ext "enable: [{rule: hard-coded-ip, severity: " sev "}]\n")

#define IP_SYSTEM(envs) \
	HEAD "services:\n  api:\n" SERVICE "    env: {UPSTREAM: 10.0.0.7}\nenvironments:\n" envs

START_TEST(extends_order)
{
	SEV_PACK("err", "error", "");
	SEV_PACK("inf", "info", "");
	put("plain.yaml", "pack: plain\nextends: [err.yaml, inf.yaml]\n");
	put("flipped.yaml", "pack: flipped\nextends: [inf.yaml, err.yaml]\n");
	SEV_PACK("over", "info", "extends: [err.yaml]\n");
	put("top.yaml", "pack: top\nextends: [err.yaml]\n");
	ck_assert_int_eq(
		check(IP_SYSTEM("  e1: {targets: [kustomize], policies: [plain.yaml]}\n"
				"  e2: {targets: [kustomize], policies: [flipped.yaml]}\n"
				"  e3: {targets: [kustomize], policies: [over.yaml]}\n"
				"  e4: {targets: [kustomize], policies: [inf.yaml, top.yaml]}\n"
				"  e5: {targets: [kustomize], policies: [top.yaml, inf.yaml]}\n")),
		0);
	/* the extended packs in their order */
	ck_assert_int_eq(one("hard-coded-ip", "e1")->sev, MF_SEV_INFO);
	ck_assert_int_eq(one("hard-coded-ip", "e2")->sev, MF_SEV_ERROR);
	/* a pack applies after the packs it extends */
	ck_assert_int_eq(one("hard-coded-ip", "e3")->sev, MF_SEV_INFO);
	/* extended packs come just before the pack that names them */
	ck_assert_int_eq(one("hard-coded-ip", "e4")->sev, MF_SEV_ERROR);
	ck_assert_int_eq(one("hard-coded-ip", "e5")->sev, MF_SEV_INFO);
}
END_TEST

/* A pack named again (or extended again) does not apply a second time. */
START_TEST(each_pack_applies_once)
{
	SEV_PACK("err", "error", "");
	SEV_PACK("inf", "info", "");
	put("top.yaml", "pack: top\nextends: [err.yaml]\n");
	put("sub/other.yaml", "pack: other\nextends: [../err.yaml]\n");
	ck_assert_int_eq(
		check(IP_SYSTEM(
			"  e1: {targets: [kustomize], policies: [err.yaml, inf.yaml, top.yaml]}\n"
			"  e2: {targets: [kustomize], policies: [err.yaml, inf.yaml, ./err.yaml]}\n"
			"  e3: {targets: [kustomize], policies: [inf.yaml, top.yaml, sub/other.yaml]}\n")),
		0);
	ck_assert_int_eq(one("hard-coded-ip", "e1")->sev, MF_SEV_INFO);
	ck_assert_int_eq(one("hard-coded-ip", "e2")->sev, MF_SEV_INFO);
	ck_assert_int_eq(one("hard-coded-ip", "e3")->sev, MF_SEV_ERROR);
}
END_TEST

/* A declarative rule of a pack reached three ways reports each subject once. */
START_TEST(declarative_rule_runs_once)
{
	put("base.yaml",
	    "pack: base\nrules:\n  - id: base-rule\n    severity: warning\n"
	    "    message: m\n    on: service\n    assert: [{field: image, equals: zzz}]\n");
	put("a.yaml", "pack: a\nextends: [base.yaml]\n");
	put("b.yaml", "pack: b\nextends: [./base.yaml]\n");
	ck_assert_int_eq(check(HEAD "policies: [a.yaml, base.yaml]\nservices:\n  api:\n" SERVICE
				    "environments:\n  test:\n    targets: [kustomize]\n"
				    "    policies: [b.yaml, ./a.yaml]\n"),
			 0);
	ck_assert_uint_eq(count("base-rule", "test"), 1);
}
END_TEST

START_TEST(extends_cycle)
{
	const mf_diag *d;

	put("a.yaml", "pack: a\nextends: [b.yaml]\n");
	put("b.yaml", "pack: b\ndescription: the second\nextends: [baseline, a.yaml]\n");
	ck_assert_int_eq(check(HEAD "policies: [a.yaml]\nservices:\n  api:\n" SERVICE
				    "environments:\n  one: {targets: [kustomize]}\n"
				    "  two: {targets: [kustomize]}\n"),
			 -1);
	d = one("policy-extends", NULL);
	ck_assert_int_eq(d->sev, MF_SEV_ERROR);
	ck_assert_str_eq(d->msg, "policy pack 'a.yaml' extends itself (a cycle of 'extends')");
	mf_ck_pos(&C, d->pos, "b.yaml", 3, 21);
}
END_TEST

START_TEST(extends_itself)
{
	put("self.yaml", "pack: self\nextends: [./self.yaml]\n");
	ck_assert_int_eq(check(HEAD "policies: [self.yaml]\nservices:\n  api:\n" SERVICE
				    "environments:\n  one: {targets: [kustomize]}\n"),
			 -1);
	ck_assert_str_eq(one("policy-extends", NULL)->msg,
			 "policy pack './self.yaml' extends itself (a cycle of 'extends')");
	mf_ck_pos(&C, one("policy-extends", NULL)->pos, "self.yaml", 2, 11);
}
END_TEST

/* An unknown built-in name lists the built-in packs and guesses, where it is named. */
START_TEST(unknown_builtin_pack)
{
	const mf_diag *d;

	put("mine.yaml", "pack: mine\nextends:\n  - productoin\n");
	ck_assert_int_eq(check(HEAD "policies: [restrictd]\nservices:\n  api:\n" SERVICE
				    "environments:\n  test:\n    targets: [kustomize]\n"
				    "    policies: [mine.yaml]\n"),
			 -1);
	ck_assert_uint_eq(mf_test_ndiags(&C, "policy-unknown"), 2);
	d = saying("policy-unknown", "'restrictd'");
	ck_assert_str_eq(d->msg, "no built-in policy pack 'restrictd' (built in: baseline, "
				 "example-custom, production, restricted)");
	ck_assert_str_eq(d->note, "did you mean 'restricted'?");
	mf_ck_pos(&C, d->pos, "system.yaml", 3, 12);
	d = saying("policy-unknown", "'productoin'");
	ck_assert_str_eq(d->note, "did you mean 'production'?");
	mf_ck_pos(&C, d->pos, "mine.yaml", 3, 5);
}
END_TEST

/* ---- pssVersion ------------------------------------------------------------------------------ */

/* net.ipv4.tcp_rmem is a safe sysctl from Pod Security v1.32. */
START_TEST(pss_version)
{
	static const struct {
		const char *packs[2];
		const char *msg; /* NULL: no finding */
	} cases[] = {
		{{"baseline", NULL}, NULL},
		{{"v131.yaml", NULL}, "(the packs ask for v1.31)"},
		{{"v19.yaml", NULL}, "(the packs ask for v1.9)"},
		{{"v132.yaml", NULL}, NULL},
		{{"v199.yaml", NULL}, NULL},          /* newer than manifold: the newest */
		{{"v131.yaml", "latest.yaml"}, NULL}, /* a later pack's setting wins */
		{{"latest.yaml", "v131.yaml"}, "(the packs ask for v1.31)"},
		{{"v131.yaml", "unset.yaml"}, "(the packs ask for v1.31)"}, /* unset keeps it */
	};

	put("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n"
			"  securityContext: {sysctls: [{name: net.ipv4.tcp_rmem, value: '4096'}]}\n"
			"  containers: [{name: c, image: demo/c:1}]\n");
	put("v131.yaml", "pack: v131\nextends: [baseline]\npssVersion: v1.31\n");
	put("v19.yaml", "pack: v19\nextends: [baseline]\npssVersion: v1.9\n");
	put("v132.yaml", "pack: v132\nextends: [baseline]\npssVersion: v1.32\n");
	put("v199.yaml", "pack: v199\nextends: [baseline]\npssVersion: v1.99\n");
	put("latest.yaml", "pack: latest\npssVersion: latest\n");
	put("unset.yaml", "pack: unset\nlevel: baseline\n");
	for (size_t i = 0; i < MF_NELEM(cases); i++) {
		const char *packs[2];
		size_t n = 0;
		fresh();
		for (; n < 2 && cases[i].packs[n]; n++)
			packs[n] = strchr(cases[i].packs[n], '.') ? at(cases[i].packs[n])
								  : cases[i].packs[n];
		ck_assert_int_eq(lint(at("pod.yaml"), packs, n), 0);
		ck_assert_msg(count("sysctls-unsafe", NULL) == (cases[i].msg != NULL), "case %zu",
			      i);
		if (cases[i].msg)
			ck_assert_msg(strstr(one("sysctls-unsafe", NULL)->msg, cases[i].msg),
				      "case %zu: %s", i, one("sysctls-unsafe", NULL)->msg);
	}
}
END_TEST

START_TEST(pss_version_form)
{
	const char *packs[1];
	const mf_diag *d;

	packs[0] = put("bad.yaml", "pack: bad\npssVersion: \"1.30\"\n");
	ck_assert_int_eq(lint(put("pod.yaml", ROOT_POD), packs, 1), -1);
	d = mf_test_diag(&C, "schema");
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->msg, "pssVersion is 'v1.N' (for example 'v1.30') or 'latest'");
	mf_ck_pos(&C, d->pos, "bad.yaml", 2, 14); /* the quoted text */
}
END_TEST

/* The highest level of the packs applies: restricted allows no added capability but
 * NET_BIND_SERVICE, baseline allows CHOWN. */
START_TEST(level_highest_wins)
{
	static const struct {
		const char *packs[2];
		bool finding;
	} cases[] = {
		{{"baseline", NULL}, false},        {{"restricted", NULL}, true},
		{{"restricted", "low.yaml"}, true}, {{"low.yaml", "restricted"}, true},
		{{"high.yaml", NULL}, true},        {{"low.yaml", NULL}, false},
	};

	put("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n"
			"  containers:\n    - name: c\n      image: demo/c:1\n"
			"      securityContext: {capabilities: {add: [CHOWN]}}\n");
	put("low.yaml", "pack: low\nlevel: baseline\nenable: [capabilities-added]\n");
	put("high.yaml", "pack: high\nlevel: restricted\nenable: [capabilities-added]\n");
	for (size_t i = 0; i < MF_NELEM(cases); i++) {
		const char *packs[2];
		size_t n = 0;
		fresh();
		for (; n < 2 && cases[i].packs[n]; n++)
			packs[n] = strchr(cases[i].packs[n], '.') ? at(cases[i].packs[n])
								  : cases[i].packs[n];
		ck_assert_int_eq(lint(at("pod.yaml"), packs, n), 0);
		ck_assert_msg(count("capabilities-added", NULL) == cases[i].finding, "case %zu", i);
	}
}
END_TEST

/* ---- switches -------------------------------------------------------------------------------- */

/* read-only-root-fs runs only when a pack (or `require`) switches it on. */
START_TEST(enable_switches_on)
{
	put("on.yaml", "pack: on\nenable: [read-only-root-fs]\n");
	put("hi.yaml", "pack: hi\nenable:\n  - {rule: read-only-root-fs, severity: error}\n");
	put("lo.yaml", "pack: lo\nenable:\n  - rule: resources-missing\n    severity: info\n");
	ck_assert_int_eq(check(HEAD "services:\n  api:\n" SERVICE
				    "  bare:\n    image: demo/bare:1\n"
				    "environments:\n"
				    "  none: {targets: [kustomize]}\n"
				    "  on: {targets: [kustomize], policies: [on.yaml]}\n"
				    "  hi: {targets: [kustomize], policies: [hi.yaml]}\n"
				    "  hion: {targets: [kustomize], policies: [hi.yaml, on.yaml]}\n"
				    "  lo: {targets: [kustomize], policies: [lo.yaml]}\n"),
			 0);
	ck_assert_uint_eq(count("read-only-root-fs", "none"), 0);
	ck_assert_uint_eq(count("read-only-root-fs", "on"), 2);
	ck_assert_uint_eq(count("read-only-root-fs", "hi"), 2);
	ck_assert_uint_eq(count("read-only-root-fs", "hion"), 2);
	/* enabling again without a severity (hion) keeps the one set before */
	for (size_t i = 0; i < C.ndiags; i++)
		if (C.diags[i].code && !strcmp(C.diags[i].code, "read-only-root-fs"))
			ck_assert_int_eq(C.diags[i].sev, !strcmp(C.diags[i].env, "on")
								 ? MF_SEV_WARNING
								 : MF_SEV_ERROR);
	/* a rule that runs anyway changes severity only */
	ck_assert_int_eq(one("resources-missing", "none")->sev, MF_SEV_WARNING);
	ck_assert_int_eq(one("resources-missing", "lo")->sev, MF_SEV_INFO);
}
END_TEST

START_TEST(disable_and_enable_again)
{
	put("off.yaml", "pack: off\ndisable: [hard-coded-ip, startup-waves]\n");
	put("back.yaml", "pack: back\nenable: [hard-coded-ip]\n");
	put("after.yaml", "pack: after\nextends: [off.yaml]\nenable: [startup-waves]\n");
	ck_assert_int_eq(check(HEAD
			       "services:\n  api:\n" SERVICE "    env: {UPSTREAM: 10.0.0.7}\n"
			       "  db:\n" SERVICE "    dependsOn: {api: started}\n"
			       "environments:\n"
			       "  none: {targets: [kustomize]}\n"
			       "  off: {targets: [kustomize], policies: [off.yaml]}\n"
			       "  back: {targets: [kustomize], policies: [off.yaml, back.yaml]}\n"
			       "  undone: {targets: [kustomize], policies: [back.yaml, off.yaml]}\n"
			       "  after: {targets: [kustomize], policies: [after.yaml]}\n"),
			 0);
	ck_assert_uint_eq(count("hard-coded-ip", "none"), 1);
	ck_assert_uint_eq(count("hard-coded-ip", "off"), 0);
	ck_assert_int_eq(one("hard-coded-ip", "back")->sev, MF_SEV_WARNING);
	ck_assert_uint_eq(count("hard-coded-ip", "undone"), 0);
	ck_assert_uint_eq(count("hard-coded-ip", "after"), 0);
	ck_assert_uint_eq(count("startup-waves", "none"), 1);
	ck_assert_uint_eq(count("startup-waves", "off"), 0);
	ck_assert_uint_eq(count("startup-waves", "after"), 1);
}
END_TEST

/* Unknown rule ids in enable (either form) and disable: errors at the id, with a guess. */
START_TEST(unknown_rule_ids)
{
	static const struct {
		unsigned line, col;
		const char *msg, *note;
	} want[] = {
		{3, 5, "unknown built-in rule 'host-pats'", "did you mean 'host-path'?"},
		{4, 12, "unknown built-in rule 'privilegd'", "did you mean 'privileged'?"},
		{5, 5, "unknown built-in rule 'zzzzzzzzzzzz'", NULL},
		{6, 11, "unknown built-in rule 'image-latst'", "did you mean 'image-latest'?"},
	};
	const char *packs[2] = {"baseline"};
	size_t k = 0;

	packs[1] = put("bad.yaml", "pack: bad\nenable:\n  - host-pats\n"
				   "  - {rule: privilegd, severity: error}\n  - zzzzzzzzzzzz\n"
				   "disable: [image-latst, privileged]\n");
	ck_assert_int_eq(lint(put("pod.yaml", ROOT_POD), packs, 2), -1);
	ck_assert_uint_eq(mf_test_ndiags(&C, "policy-rule"), MF_NELEM(want));
	for (size_t i = 0; i < C.ndiags; i++) {
		const mf_diag *d = &C.diags[i];
		if (!d->code || strcmp(d->code, "policy-rule"))
			continue;
		ck_assert_int_eq(d->sev, MF_SEV_ERROR);
		mf_ck_pos(&C, d->pos, "bad.yaml", want[k].line, want[k].col);
		ck_assert_str_eq(d->msg, want[k].msg);
		if (want[k].note)
			ck_assert_str_eq(d->note, want[k].note);
		else
			ck_assert_ptr_null(d->note);
		k++;
	}
	/* a pack that does not load applies nothing: privileged stays on */
	ck_assert_uint_eq(count("privileged", NULL), 1);
}
END_TEST

/* A declarative rule may not take a built-in id, nor one its pack already has. */
START_TEST(declarative_ids)
{
	const char *packs[1];

	packs[0] = put("ids.yaml", "pack: ids\nrules:\n"
				   "  - id: privileged\n    severity: error\n    message: m\n"
				   "    assert: [{field: kind, exists: true}]\n"
				   "  - id: mine\n    severity: error\n    message: m\n"
				   "    assert: [{field: kind, exists: true}]\n"
				   "  - id: mine\n    severity: error\n    message: m\n"
				   "    assert: [{field: kind, exists: true}]\n");
	ck_assert_int_eq(lint(put("pod.yaml", ROOT_POD), packs, 1), -1);
	ck_assert_uint_eq(mf_test_ndiags(&C, "policy-rule"), 2);
	ck_assert_str_eq(C.diags[0].msg, "rule 'privileged' is a built-in rule: enable it instead");
	mf_ck_pos(&C, C.diags[0].pos, "ids.yaml", 3, 9);
	ck_assert_str_eq(C.diags[1].msg, "rule 'mine' is defined twice in pack 'ids'");
	mf_ck_pos(&C, C.diags[1].pos, "ids.yaml", 11, 9);
}
END_TEST

/* ---- field paths ----------------------------------------------------------------------------- */

#define DEPLOYMENT                                    \
	"apiVersion: apps/v1\n"                       \
	"kind: Deployment\n"                          \
	"metadata:\n"                                 \
	"  name: web\n"                               \
	"  namespace: shop\n"                         \
	"  labels:\n"                                 \
	"    app.kubernetes.io/name: web\n"           \
	"    team: core\n"                            \
	"spec:\n"                                     \
	"  template:\n"                               \
	"    spec:\n"                                 \
	"      containers:\n"                         \
	"        - name: a\n"                         \
	"          image: registry.example.com/a:1\n" \
	"        - name: b\n"                         \
	"          image: docker.io/b:1\n"

/* A pack of rules "ID: FIELD TEST" over Deployments, each reporting "{path}={value}". */
static const char *path_pack(const char *const (*rules)[3], size_t n)
{
	const char *text = "pack: paths\nrules:\n";

	for (size_t i = 0; i < n; i++)
		text = mf_printf(
			C.a,
			"%s  - id: %s\n    severity: warning\n    message: \"{path}={value}\"\n"
			"    scope: {kinds: [Deployment]}\n"
			"    assert: [{field: '%s', %s}]\n",
			text, rules[i][0], rules[i][1], rules[i][2]);
	return put("paths.yaml", text);
}

START_TEST(field_paths)
{
	static const char *const rules[][3] = {
		{"dot", "metadata.labels.team", "equals: ops"},
		{"index", "spec.template.spec.containers[1].image", "matches: '^registry'"},
		{"index0", "spec.template.spec.containers[0].image", "matches: '^registry'"},
		{"all", "spec.template.spec.containers[*].image", "matches: '^registry'"},
		{"star", "spec.template.spec.containers.*.name", "in: [a]"},
		{"key", "metadata.labels[\"app.kubernetes.io/name\"]", "equals: api"},
		{"map", "metadata.labels.*", "equals: core"},
		{"range", "spec.template.spec.containers[5].name", "exists: true"},
		{"scalar", "metadata.name.first", "exists: true"},
	};
	const char *packs[1];

	packs[0] = path_pack(rules, MF_NELEM(rules));
	ck_assert_int_eq(lint(put("deploy.yaml", DEPLOYMENT), packs, 1), 0);
	ck_assert_str_eq(messages("dot"), "metadata.labels.team=core\n");
	mf_ck_pos(&C, one("dot", NULL)->pos, "deploy.yaml", 8, 11);
	ck_assert_str_eq(messages("index"),
			 "spec.template.spec.containers[1].image=docker.io/b:1\n");
	mf_ck_pos(&C, one("index", NULL)->pos, "deploy.yaml", 16, 18);
	ck_assert_uint_eq(count("index0", NULL), 0);
	ck_assert_str_eq(messages("all"), "spec.template.spec.containers[1].image=docker.io/b:1\n");
	ck_assert_str_eq(one("all", NULL)->path, "spec.template.spec.containers[1].image");
	ck_assert_str_eq(messages("star"), "spec.template.spec.containers[1].name=b\n");
	ck_assert_str_eq(messages("key"), "metadata.labels[\"app.kubernetes.io/name\"]=web\n");
	mf_ck_pos(&C, one("key", NULL)->pos, "deploy.yaml", 7, 29);
	ck_assert_str_eq(messages("map"), "metadata.labels[\"app.kubernetes.io/name\"]=web\n");
	/* a missing field is reported where the path stopped: its first missing step */
	ck_assert_str_eq(messages("range"), "spec.template.spec.containers[5]=nothing\n");
	mf_ck_pos(&C, one("range", NULL)->pos, "deploy.yaml", 13, 9);
	ck_assert_str_eq(messages("scalar"), "metadata.name.first=nothing\n");
	mf_ck_pos(&C, one("scalar", NULL)->pos, "deploy.yaml", 4, 9);
}
END_TEST

START_TEST(bad_field_paths)
{
	static const char *const bad[] = {".a", "a[", "a[x]", "a[\"k\"", "a]", "[1", "a[1]]"};
	const char *text = "pack: bad\nrules:\n  - id: r\n    severity: warning\n    message: m\n"
			   "    assert:\n";
	const char *packs[1];
	size_t k = 0;

	for (size_t i = 0; i < MF_NELEM(bad); i++)
		text = mf_printf(C.a, "%s      - {field: '%s', exists: true}\n", text, bad[i]);
	packs[0] = put("bad.yaml", text);
	ck_assert_int_eq(lint(put("deploy.yaml", DEPLOYMENT), packs, 1), -1);
	ck_assert_uint_eq(mf_test_ndiags(&C, "policy-field"), MF_NELEM(bad));
	for (size_t i = 0; i < C.ndiags; i++) {
		if (!C.diags[i].code || strcmp(C.diags[i].code, "policy-field"))
			continue;
		ck_assert_str_eq(C.diags[i].msg,
				 mf_printf(C.a,
					   "invalid field path '%s' (keys separated by '.', '[N]', "
					   "'[*]' or '[\"key\"]')",
					   bad[k]));
		mf_ck_pos(&C, C.diags[i].pos, "bad.yaml", 7 + k, 18);
		k++;
	}
	ck_assert_uint_eq(count("r", NULL), 0);
}
END_TEST

/* Was a bug: an empty key in a field path (a doubled or trailing '.') or a key glued to an
 * index was taken as if the path were well formed ("spec..name" reads spec.name) instead of being
 * an invalid path: the rule reads another field than the one written, without a diagnostic. */
START_TEST(bug_empty_path_keys)
{
	static const char *const bad[] = {"spec..name", "spec.name.", "metadata[0]name"};
	const char *text = "pack: bad\nrules:\n  - id: r\n    severity: warning\n    message: m\n"
			   "    assert:\n";
	const char *packs[1];

	for (size_t i = 0; i < MF_NELEM(bad); i++)
		text = mf_printf(C.a, "%s      - {field: '%s', exists: true}\n", text, bad[i]);
	packs[0] = put("bad.yaml", text);
	ck_assert_int_eq(lint(put("deploy.yaml", DEPLOYMENT), packs, 1), -1);
	ck_assert_uint_eq(mf_test_ndiags(&C, "policy-field"), MF_NELEM(bad));
}
END_TEST

/* `when` with [*] holds only when it holds for every item; an empty list holds. */
START_TEST(when_every_item)
{
	static const char *const rules[][3] = {
		{"w-every", "spec.template.spec.containers[*].name", "matches: '^[ab]$'"},
		{"w-one", "spec.template.spec.containers[*].name", "matches: '^a$'"},
		{"w-missing", "spec.template.spec.volumes[*].name", "exists: true"},
		{"w-empty", "spec.template.spec.initContainers[*].name", "exists: true"},
		{"w-absent", "spec.paused", "absent: true"},
		{"w-false", "spec.paused", "exists: true"},
	};
	const char *text = "pack: when\nrules:\n";
	const char *packs[1];

	for (size_t i = 0; i < MF_NELEM(rules); i++)
		text = mf_printf(C.a,
				 "%s  - id: %s\n    severity: warning\n    message: \"{path}\"\n"
				 "    when: [{field: '%s', %s}]\n"
				 "    assert: [{field: kind, equals: Pod}]\n",
				 text, rules[i][0], rules[i][1], rules[i][2]);
	packs[0] = put("when.yaml", text);
	ck_assert_int_eq(
		lint(put("deploy.yaml", DEPLOYMENT "      initContainers: []\n"), packs, 1), 0);
	ck_assert_str_eq(messages("w-every"), "kind\n");
	ck_assert_uint_eq(count("w-one", NULL), 0);
	ck_assert_uint_eq(count("w-missing", NULL), 0);
	ck_assert_uint_eq(count("w-empty", NULL), 1);
	ck_assert_uint_eq(count("w-absent", NULL), 1);
	ck_assert_uint_eq(count("w-false", NULL), 0);
}
END_TEST

/* ---- conditions ------------------------------------------------------------------------------ */

#define WIDGET                                   \
	"apiVersion: example.com/v1\n"           \
	"kind: Widget\n"                         \
	"metadata: {name: w, namespace: shop}\n" \
	"spec:\n"                                \
	"  name: alpha\n"                        \
	"  count: 3\n"                           \
	"  ratio: 1.0\n"                         \
	"  enabled: true\n"                      \
	"  empty: null\n"                        \
	"  cpu: 500m\n"                          \
	"  cores: 2\n"                           \
	"  memory: 256Mi\n"                      \
	"  bytes: 1024\n"                        \
	"  junk: lots\n"

/* Every test the pack schema allows, on present, missing and malformed values.
 * `fires`: the condition fails, so the rule reports the widget once. */
static const struct {
	const char *cond;
	bool fires;
} conditions[] = {
	{"{field: spec.name, exists: true}", false},
	{"{field: spec.nope, exists: true}", true},
	{"{field: spec.empty, exists: true}", true},
	{"{field: spec.name, exists: false}", true},
	{"{field: spec.nope, exists: false}", false},
	{"{field: spec.nope, absent: true}", false},
	{"{field: spec.empty, absent: true}", false},
	{"{field: spec.name, absent: true}", true},
	{"{field: spec.name, absent: false}", false},
	{"{field: spec.nope, absent: false}", true},
	{"{field: spec.name, equals: alpha}", false},
	{"{field: spec.name, equals: Alpha}", true},
	{"{field: spec.name, equals: alph}", true},
	{"{field: spec.count, equals: 3}", false},
	{"{field: spec.count, equals: 3.0}", false},
	{"{field: spec.count, equals: 4}", true},
	{"{field: spec.ratio, equals: 1}", false},
	{"{field: spec.enabled, equals: true}", false},
	{"{field: spec.enabled, equals: false}", true},
	{"{field: spec.nope, equals: alpha}", true},
	{"{field: spec.name, in: [beta, alpha]}", false},
	{"{field: spec.name, in: [beta, gamma]}", true},
	{"{field: spec.count, in: [1, 3.0]}", false},
	{"{field: spec.enabled, in: [false]}", true},
	{"{field: spec.nope, in: [alpha]}", true},
	{"{field: spec.name, matches: '^al'}", false},
	{"{field: spec.name, matches: 'ph'}", false},
	{"{field: spec.name, matches: '^AL'}", true},
	{"{field: spec.name, matches: '^be'}", true},
	{"{field: spec.count, matches: '^3$'}", false},
	{"{field: spec.nope, matches: '.*'}", true},
	{"{field: spec.name, notMatches: '^be'}", false},
	{"{field: spec.name, notMatches: 'ph'}", true},
	{"{field: spec.nope, notMatches: '.*'}", false},
	{"{field: spec.cpu, minCpu: 500m}", false},
	{"{field: spec.cpu, minCpu: 501m}", true},
	{"{field: spec.cpu, minCpu: '0.5'}", false},
	{"{field: spec.cpu, maxCpu: 500m}", false},
	{"{field: spec.cpu, maxCpu: 499m}", true},
	{"{field: spec.cores, minCpu: 2}", false},
	{"{field: spec.cores, maxCpu: 1.5}", true},
	{"{field: spec.cores, maxCpu: 2000m}", false},
	{"{field: spec.nope, minCpu: 1}", false},
	{"{field: spec.junk, maxCpu: 1}", true},
	{"{field: spec.memory, minMemory: 256Mi}", false},
	{"{field: spec.memory, minMemory: 257Mi}", true},
	{"{field: spec.memory, minMemory: 268435456}", false},
	{"{field: spec.memory, minMemory: 268435457}", true},
	{"{field: spec.memory, maxMemory: 256Mi}", false},
	{"{field: spec.memory, maxMemory: 255Mi}", true},
	{"{field: spec.memory, maxMemory: 268M}", true},
	{"{field: spec.memory, maxMemory: 269M}", false},
	{"{field: spec.bytes, minMemory: 1Ki}", false},
	{"{field: spec.bytes, maxMemory: 1023}", true},
	{"{field: spec.nope, maxMemory: 1Mi}", false},
	{"{field: spec.junk, minMemory: 1Mi}", true},
};

/* The finding of the rule testing cond (the test fails unless there is one). */
static const mf_diag *of_condition(const char *cond)
{
	for (size_t i = 0; i < MF_NELEM(conditions); i++)
		if (!strcmp(conditions[i].cond, cond))
			return one(mf_printf(C.a, "c%zu", i), NULL);
	ck_abort_msg("no condition %s", cond);
	return NULL;
}

START_TEST(condition_tests)
{
	const char *text = "pack: conds\nrules:\n";
	const char *packs[1];

	for (size_t i = 0; i < MF_NELEM(conditions); i++)
		text = mf_printf(C.a,
				 "%s  - id: c%zu\n    severity: warning\n    message: \"{value}\"\n"
				 "    scope: {kinds: [Widget]}\n    assert: [%s]\n",
				 text, i, conditions[i].cond);
	packs[0] = put("conds.yaml", text);
	ck_assert_int_eq(lint(put("widget.yaml", WIDGET), packs, 1), 0);
	for (size_t i = 0; i < MF_NELEM(conditions); i++)
		ck_assert_msg(count(mf_printf(C.a, "c%zu", i), NULL) == conditions[i].fires,
			      "%s: %zu findings", conditions[i].cond,
			      count(mf_printf(C.a, "c%zu", i), NULL));
	/* the failing value; a missing one is "nothing" */
	ck_assert_str_eq(of_condition("{field: spec.nope, exists: true}")->msg, "nothing");
	ck_assert_str_eq(of_condition("{field: spec.count, equals: 4}")->msg, "3");
	ck_assert_str_eq(of_condition("{field: spec.junk, maxCpu: 1}")->msg, "lots");
	mf_ck_pos(&C, of_condition("{field: spec.junk, maxCpu: 1}")->pos, "widget.yaml", 14, 9);
}
END_TEST

/* Each condition of `assert` that fails is a finding of its own. */
START_TEST(assert_each_condition)
{
	const char *packs[1];

	packs[0] = put("two.yaml", "pack: two\nrules:\n  - id: two\n    severity: info\n"
				   "    message: \"{field}\"\n    scope: {kinds: [Widget]}\n"
				   "    assert:\n      - {field: spec.name, equals: beta}\n"
				   "      - {field: spec.count, equals: 3}\n"
				   "      - {field: spec.cores, maxCpu: 1}\n");
	ck_assert_int_eq(lint(put("widget.yaml", WIDGET), packs, 1), 0);
	ck_assert_str_eq(messages("two"), "spec.name\nspec.cores\n");
	for (size_t i = 0; i < C.ndiags; i++)
		if (!strcmp(C.diags[i].code, "two"))
			ck_assert_int_eq(C.diags[i].sev, MF_SEV_INFO);
}
END_TEST

/* A condition has exactly one test (the pack schema says so). */
START_TEST(condition_needs_one_test)
{
	const char *packs[1];
	const mf_diag *d;

	packs[0] = put("two.yaml",
		       "pack: two\nrules:\n  - id: two\n    severity: info\n"
		       "    message: m\n"
		       "    assert:\n      - {field: spec.name, equals: beta, exists: true}\n");
	ck_assert_int_eq(lint(put("widget.yaml", WIDGET), packs, 1), -1);
	d = mf_test_diag(&C, "schema");
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->msg, "a condition has a 'field' and exactly one test: exists, absent, "
				 "equals, in, matches, notMatches, minCpu, maxCpu, minMemory or "
				 "maxMemory");
	ck_assert_str_eq(mf_source_get(&C, d->pos.file)->path, packs[0]);
}
END_TEST

/* Was a bug: a schema error about a mapping that is an item of a sequence was placed at the key
 * of the sequence ("assert:", two.yaml:6:5), not at the item; two items with the same fault
 * then become one diagnostic.  The same holds for the description (a waiver without
 * `expires`).  The place is chosen in jsonschema.c. */
START_TEST(bug_item_schema_error_position)
{
	const char *packs[1];

	packs[0] = put("two.yaml", "pack: two\nrules:\n  - id: two\n    severity: info\n"
				   "    message: m\n"
				   "    assert:\n      - {field: spec.name, equals: beta, exists: true}\n"
				   "      - {field: spec.name}\n");
	ck_assert_int_eq(lint(put("widget.yaml", WIDGET), packs, 1), -1);
	ck_assert_uint_eq(mf_test_ndiags(&C, "schema"), 2);
	mf_ck_pos(&C, C.diags[0].pos, "two.yaml", 7, 9);
	mf_ck_pos(&C, C.diags[1].pos, "two.yaml", 8, 9);
}
END_TEST

/* Was a bug: quantities beyond the range of a long long were undefined behaviour in
 * mf_cpu_millis and mf_mem_bytes (resolve.c: `n->v.i * 1000` overflows, a huge double is
 * cast to long long), both for a pack's bound, which the schema accepts, and for a value
 * the rule reads.  A -O2 build happens to give what is asserted here; `make asan` stops at
 * resolve.c:250 (signed overflow), :252 and :291 (a double out of range). */
START_TEST(bug_quantity_overflow)
{
	const char *packs[1];

	packs[0] = put("big.yaml", "pack: big\nrules:\n  - id: big\n    severity: warning\n"
				   "    message: m\n    scope: {kinds: [Widget]}\n    assert:\n"
				   "      - {field: spec.huge, maxCpu: 1}\n");
	ck_assert_int_eq(lint(put("widget.yaml", WIDGET "  huge: 9223372036854775807\n"), packs, 1),
			 0);
	ck_assert_uint_eq(count("big", NULL), 1);
	fresh();
	packs[0] = put("bounds.yaml", "pack: bounds\nrules:\n  - id: bounds\n    severity: warning\n"
				      "    message: m\n    scope: {kinds: [Widget]}\n    assert:\n"
				      "      - {field: spec.cpu, maxCpu: 9223372036854775807}\n"
				      "      - {field: spec.cpu, maxCpu: 1.0e300}\n"
				      "      - {field: spec.memory, maxMemory: 99999999999999999999Pi}\n");
	ck_assert_int_eq(lint(at("widget.yaml"), packs, 1), -1);
	ck_assert_uint_eq(mf_test_ndiags(&C, "policy-condition"), 3);
}
END_TEST

START_TEST(bad_pattern)
{
	const char *packs[1];
	size_t k = 0;

	packs[0] = put("re.yaml", "pack: re\nrules:\n  - id: re\n    severity: error\n"
				  "    message: m\n    assert:\n"
				  "      - {field: spec.name, matches: '^(ab'}\n"
				  "      - {field: spec.name, notMatches: 'a**'}\n"
				  "      - {field: spec.name, matches: '^a'}\n");
	ck_assert_int_eq(lint(put("widget.yaml", WIDGET), packs, 1), -1);
	ck_assert_uint_eq(mf_test_ndiags(&C, "policy-pattern"), 2);
	for (size_t i = 0; i < C.ndiags; i++) {
		if (!C.diags[i].code || strcmp(C.diags[i].code, "policy-pattern"))
			continue;
		ck_assert_int_eq(C.diags[i].sev, MF_SEV_ERROR);
		ck_assert_msg(!strncmp(C.diags[i].msg, "invalid pattern: ", 17), "%s",
			      C.diags[i].msg);
		ck_assert_uint_gt(strlen(C.diags[i].msg), 17);
		mf_ck_pos(&C, C.diags[i].pos, "re.yaml", 7 + k, k ? 41 : 38);
		k++;
	}
	ck_assert_uint_eq(count("re", NULL), 0);
}
END_TEST

/* ---- messages -------------------------------------------------------------------------------- */

#define TENANT_SYSTEM                           \
	HEAD "policies: [words.yaml]\n"         \
	     "services:\n"                      \
	     "  api:\n"                         \
	     "    image: example/api:1.0.0\n"   \
	     "  web:\n"                         \
	     "    image: demo/web:2\n"          \
	     "    scope: tenant\n"              \
	     "tenants:\n"                       \
	     "  acme: {}\n"                     \
	     "environments:\n"                  \
	     "  prod: {targets: [kustomize]}\n" \
	     "  dev: {targets: [compose]}\n"

#define EVERY_WORD \
	"{rule}|{service}|{env}|{tenant}|{kind}|{name}|{namespace}|{field}|{path}|{value}"

START_TEST(placeholders)
{
	put("words.yaml",
	    "pack: words\nrules:\n  - id: words\n    severity: info\n"
	    "    message: \"" EVERY_WORD "\"\n"
	    "    scope: {kinds: [Deployment]}\n"
	    "    assert: [{field: 'spec.template.spec.containers[*].image', equals: z}]\n"
	    "  - id: gone\n    severity: info\n"
	    "    message: \"'{service}' has {value} at {path}\"\n"
	    "    on: service\n"
	    "    scope: {environments: [prod]}\n"
	    "    assert: [{field: labels.team, exists: true}]\n"
	    "  - id: composed\n    severity: info\n"
	    "    message: \"" EVERY_WORD "\"\n"
	    "    on: compose\n"
	    "    assert: [{field: image, equals: z}]\n");
	ck_assert_int_eq(check(TENANT_SYSTEM), 0);
	ck_assert_str_eq(messages("words"),
			 "words|api|prod||Deployment|api|demo-prod|"
			 "spec.template.spec.containers[*].image|"
			 "spec.template.spec.containers[0].image|example/api:1.0.0\n"
			 "words|web|prod|acme|Deployment|web|demo-prod-acme|"
			 "spec.template.spec.containers[*].image|"
			 "spec.template.spec.containers[0].image|demo/web:2\n");
	ck_assert_str_eq(messages("gone"), "'api' has nothing at labels\n"
					   "'web' has nothing at labels\n");
	/* a Compose service: its name is the tenant's copy's, it has no namespace */
	ck_assert_str_eq(messages("composed"),
			 "composed|api|dev||compose|api||image|image|"
			 "example/api:1.0.0\n"
			 "composed|web|dev|acme|compose|web-acme||image|image|"
			 "demo/web:2\n");
}
END_TEST

START_TEST(unknown_placeholder)
{
	const char *packs[1];
	const mf_diag *d;

	packs[0] = put("msg.yaml", "pack: msg\nrules:\n  - id: msg\n    severity: info\n"
				   "    message: \"'{svc}' in {env}\"\n"
				   "    assert: [{field: kind, exists: true}]\n"
				   "  - id: cut\n    severity: info\n    message: \"at {value\"\n"
				   "    assert: [{field: kind, exists: true}]\n");
	ck_assert_int_eq(lint(put("widget.yaml", WIDGET), packs, 1), -1);
	ck_assert_uint_eq(mf_test_ndiags(&C, "policy-message"), 2);
	d = mf_test_diag(&C, "policy-message");
	ck_assert_int_eq(d->sev, MF_SEV_ERROR);
	ck_assert_str_eq(d->msg,
			 "unknown placeholder '{svc}' (use {service}, {env}, {tenant}, "
			 "{value}, {path}, {field}, {kind}, {name}, {namespace} or {rule})");
	mf_ck_pos(&C, d->pos, "msg.yaml", 5, 15);
	ck_assert_ptr_nonnull(strstr(C.diags[1].msg, "unknown placeholder '{value'"));
	mf_ck_pos(&C, C.diags[1].pos, "msg.yaml", 9, 15);
	ck_assert_uint_eq(count("msg", NULL), 0);
}
END_TEST

/* ---- where declarative rules run ------------------------------------------------------------- */

#define SCOPE_RULE(id, on, scope, field)                                          \
	"  - id: " id "\n    severity: warning\n    message: m\n    on: " on "\n" \
	"    scope: {" scope "}\n    assert: [{field: " field ", equals: zzz}]\n"

/* clang-format off */
static const char scope_pack[] = "pack: scopes\nrules:\n"
	SCOPE_RULE("object", "object", "kinds: [Deployment]", "kind")
	SCOPE_RULE("object-all", "object", "", "kind")
	SCOPE_RULE("object-sts", "object", "kinds: [StatefulSet]", "kind")
	SCOPE_RULE("service", "service", "", "image")
	SCOPE_RULE("compose", "compose", "", "image")
	SCOPE_RULE("t-compose", "service", "targets: [compose]", "image")
	SCOPE_RULE("t-k8s", "service", "targets: [helm, kustomize]", "image")
	SCOPE_RULE("env", "service", "environments: [k8s]", "image")
	SCOPE_RULE("stateful", "service", "kinds: [stateful]", "image")
	SCOPE_RULE("deployment", "service", "kinds: [deployment]", "image")
	SCOPE_RULE("tenant", "service", "tenants: [acme]", "image")
	SCOPE_RULE("tenant-obj", "object", "tenants: [acme], kinds: [Deployment]", "kind")
	SCOPE_RULE("tenant-ns", "object", "tenants: [acme], kinds: [Namespace]", "kind")
	SCOPE_RULE("svc", "compose", "services: [api]", "image");
/* clang-format on */

#define SCOPE_SYSTEM                           \
	HEAD "policies: [scopes.yaml]\n"       \
	     "services:\n"                     \
	     "  api:\n"                        \
	     "    image: example/api:1.0.0\n"  \
	     "  db:\n"                         \
	     "    image: demo/db:1\n"          \
	     "    kind: stateful\n"            \
	     "  web:\n"                        \
	     "    image: demo/web:2\n"         \
	     "    scope: tenant\n"             \
	     "tenants:\n"                      \
	     "  acme: {}\n"                    \
	     "environments:\n"                 \
	     "  k8s: {targets: [kustomize]}\n" \
	     "  dev: {targets: [compose]}\n"

START_TEST(scopes_in_check)
{
	static const struct {
		const char *rule;
		size_t k8s, dev;
	} want[] = {
		{"object", 2, 0},    {"object-sts", 1, 0}, {"service", 3, 3},
		{"compose", 0, 3},   {"t-compose", 0, 3},  {"t-k8s", 3, 0},
		{"env", 3, 0},       {"stateful", 1, 1},   {"deployment", 2, 2},
		{"tenant", 1, 1},    {"tenant-obj", 1, 0}, {"svc", 0, 1},
		{"tenant-ns", 1, 0},
	};

	put("scopes.yaml", scope_pack);
	ck_assert_int_eq(check(SCOPE_SYSTEM), 0);
	for (size_t i = 0; i < MF_NELEM(want); i++) {
		ck_assert_msg(count(want[i].rule, "k8s") == want[i].k8s, "%s in k8s: %zu",
			      want[i].rule, count(want[i].rule, "k8s"));
		ck_assert_msg(count(want[i].rule, "dev") == want[i].dev, "%s in dev: %zu",
			      want[i].rule, count(want[i].rule, "dev"));
	}
	/* every rendered object: more than the workloads, and none of the Compose services */
	ck_assert_uint_gt(count("object-all", "k8s"), 3);
	ck_assert_uint_eq(count("object-all", "dev"), 0);
}
END_TEST

/* Lint has no description: service rules and rules scoped to environments or targets skip it;
 * object rules read Kubernetes objects, compose rules Compose services. */
START_TEST(scopes_in_lint)
{
	static const char *const none[] = {"service",    "t-compose",  "t-k8s",  "env",
					   "stateful",   "deployment", "tenant", "object-sts",
					   "tenant-obj", "tenant-ns"};
	const char *paths[2], *packs[1];

	packs[0] = put("scopes.yaml", scope_pack);
	paths[0] = put("deploy.yaml", DEPLOYMENT);
	paths[1] = put("compose.yaml", "services:\n  api: {image: demo/api:1}\n"
				       "  db: {image: demo/db:1}\n");
	ck_assert_int_eq(mf_lint(&C, paths, 2, packs, 1), 0);
	ck_assert_uint_eq(count("object", NULL), 1);
	ck_assert_uint_eq(count("object-all", NULL), 1);
	ck_assert_uint_eq(count("compose", NULL), 2);
	ck_assert_uint_eq(count("svc", NULL), 1);
	ck_assert_str_eq(one("svc", NULL)->object, "compose/api");
	ck_assert_str_eq(one("svc", NULL)->path, "services.api.image");
	mf_ck_pos(&C, one("svc", NULL)->pos, "compose.yaml", 2, 16);
	for (size_t i = 0; i < MF_NELEM(none); i++)
		ck_assert_msg(count(none[i], NULL) == 0, "%s runs in lint", none[i]);
}
END_TEST

/* ---- findings of pack rules ------------------------------------------------------------------ */

START_TEST(finding_fields)
{
	static const char pack[] =
		"pack: f\nrules:\n"
		"  - id: f-object\n    severity: error\n    message: \"{value}\"\n"
		"    scope: {kinds: [Deployment]}\n"
		"    assert: [{field: 'spec.template.spec.containers[0].image', equals: z}]\n"
		"  - id: f-service\n    severity: info\n    message: \"{value}\"\n    on: service\n"
		"    assert: [{field: image, equals: z}]\n"
		"  - id: f-compose\n    severity: warning\n    message: \"{value}\"\n    on: compose\n"
		"    assert: [{field: image, equals: z}]\n";
	const mf_diag *d;

	put("scopes.yaml", pack);
	ck_assert_int_eq(check(SCOPE_SYSTEM), 0);
	/* the tenant's copies of 'web', in both environments, are at its image line */
	for (size_t i = 0; i < C.ndiags; i++)
		if (C.diags[i].code && !strncmp(C.diags[i].code, "f-", 2) &&
		    strstr(C.diags[i].msg, "demo/web"))
			mf_ck_pos(&C, C.diags[i].pos, "system.yaml", 11, 12);
	for (size_t i = 0; i < C.ndiags; i++) {
		d = &C.diags[i];
		if (!d->code || strncmp(d->code, "f-", 2) || !strstr(d->msg, "example/api"))
			continue;
		mf_ck_pos(&C, d->pos, "system.yaml", 6, 12);
		ck_assert(!d->waived);
		if (!strcmp(d->code, "f-object")) {
			ck_assert_int_eq(d->sev, MF_SEV_ERROR);
			ck_assert_str_eq(d->env, "k8s");
			ck_assert_str_eq(d->object, "Deployment/demo-k8s/api");
			ck_assert_str_eq(d->path, "spec.template.spec.containers[0].image");
		} else if (!strcmp(d->code, "f-service")) {
			ck_assert_int_eq(d->sev, MF_SEV_INFO);
			ck_assert_str_eq(d->object, "api");
			ck_assert_str_eq(d->path, "services.api.image");
		} else {
			ck_assert_int_eq(d->sev, MF_SEV_WARNING);
			ck_assert_str_eq(d->env, "dev");
			ck_assert_str_eq(d->path, "services.api.image");
		}
	}
	ck_assert_uint_eq(count("f-object", "k8s"), 2);
	ck_assert_uint_eq(count("f-object", "dev"), 0);
	ck_assert_uint_eq(count("f-service", NULL), 6);
	ck_assert_uint_eq(count("f-compose", "dev"), 3);
	/* the tenant's copy names its tenant */
	for (size_t i = 0; i < C.ndiags; i++)
		if (C.diags[i].code && !strcmp(C.diags[i].code, "f-service") &&
		    strstr(C.diags[i].msg, "demo/web"))
			ck_assert_str_eq(C.diags[i].object, "web/acme");
}
END_TEST

/* Was a bug: a pack's `on: compose` rule named the object of a Compose service of a description
 * after the service ("api", "web/acme") where the built-in rules, and the same rule in
 * manifold lint, say "compose/api", "compose/web-acme" (the path is services.web-acme.image
 * in both).  policy.c apply() sets k->object only when the Compose service has no instance. */
START_TEST(bug_compose_rule_object)
{
	size_t seen = 0;

	put("scopes.yaml", "pack: f\nrules:\n"
			   "  - id: f-compose\n    severity: warning\n    message: m\n    on: compose\n"
			   "    assert: [{field: image, equals: z}]\n");
	ck_assert_int_eq(check(SCOPE_SYSTEM), 0);
	for (size_t i = 0; i < C.ndiags; i++) {
		const mf_diag *d = &C.diags[i];
		if (!d->env || strcmp(d->env, "dev") || !d->path ||
		    strncmp(d->path, "services.web-acme.", 18) ||
		    (strcmp(d->code, "f-compose") && strcmp(d->code, "resources-missing")))
			continue;
		ck_assert_msg(!strcmp(d->object, "compose/web-acme"), "[%s] names '%s'", d->code,
			      d->object);
		seen++;
	}
	ck_assert_uint_eq(seen, 2);
}
END_TEST

/* ---- the rule ids a pack set knows --------------------------------------------------------- */

#define LABEL_PACK                                                                             \
	"pack: lbl\nrules:\n  - id: team-label\n    severity: warning\n    message: no team\n" \
	"    scope: {kinds: [Deployment]}\n"                                                   \
	"    assert: [{field: metadata.labels.team, exists: true}]\n"

/* Waivers may name a pack's rule, also one a pack reaches through `extends` or one loaded for
 * another environment; a misspelt one is guessed among the pack rules too. */
START_TEST(waivers_know_pack_rules)
{
	const mf_diag *d;

	put("lbl.yaml", LABEL_PACK);
	put("top.yaml", "pack: top\nextends: [lbl.yaml]\n");
	ck_assert_int_eq(
		check(HEAD
		      "services:\n  api:\n" SERVICE "    waivers:\n"
		      "      - {rule: team-label, reason: legacy, expires: \"2027-01-01\"}\n"
		      "      - {rule: team-labl, reason: typo, expires: \"2027-01-01\"}\n"
		      "      - {rule: default-namespace, reason: not ours, expires: \"2027-01-01\"}\n"
		      "environments:\n"
		      "  a: {targets: [kustomize], policies: [top.yaml]}\n"
		      "  b: {targets: [kustomize], policies: [baseline]}\n"),
		0);
	ck_assert(one("team-label", "a")->waived);
	d = one("waiver-unknown-rule", NULL);
	ck_assert_str_eq(d->msg, "waiver names unknown rule 'team-labl'");
	ck_assert_str_eq(d->note, "did you mean 'team-label'?");
	mf_ck_pos(&C, d->pos, "system.yaml", 16, 16);
	/* default-namespace (baseline's, loaded for b) is known: unused, not unknown */
	ck_assert_ptr_nonnull(strstr(messages("waiver-unused"), "'default-namespace'"));
}
END_TEST

START_TEST(packset_knows_and_ids)
{
	static const char *const restricted[] = {"restricted", "baseline"};
	static const char *const production[] = {"production", "production"};
	const char *ids[8], *bad[1];
	mf_pos pos[2] = {MF_NOPOS, MF_NOPOS};
	mf_packset *ps = mf_packset_new(&C);
	const mf_pack **out;
	size_t n;

	ck_assert_ptr_nonnull(ps);
	ck_assert(!mf_packset_knows(NULL, "default-namespace"));
	ck_assert_uint_eq(mf_packset_ids(NULL, ids, 8), 0);
	ck_assert(!mf_packset_knows(ps, "default-namespace"));
	ck_assert_uint_eq(mf_packset_ids(ps, ids, 8), 0);
	/* restricted brings baseline; naming baseline again adds nothing */
	ck_assert_int_eq(mf_packset_load(ps, restricted, pos, 2, &out, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert(mf_packset_knows(ps, "default-namespace"));
	ck_assert(!mf_packset_knows(ps, "privileged")); /* built in, not a pack's */
	ck_assert(!mf_packset_knows(ps, "ingress-tls"));
	ck_assert_uint_eq(mf_packset_ids(ps, ids, 8), 1);
	ck_assert_str_eq(ids[0], "default-namespace");
	ck_assert_int_eq(mf_packset_load(ps, production, pos, 2, &out, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(mf_packset_knows(ps, "ingress-tls"));
	ck_assert(mf_packset_knows(ps, "storage-class"));
	ck_assert_uint_eq(mf_packset_ids(ps, ids, 8), 4);
	ck_assert_str_eq(ids[1], "ingress-tls");
	ck_assert_str_eq(ids[2], "route-tls");
	ck_assert_str_eq(ids[3], "storage-class");
	ck_assert_uint_eq(mf_packset_ids(ps, ids, 2), 2);
	ck_assert_uint_eq(C.ndiags, 0);
	/* a pack that does not load teaches no rule */
	bad[0] = put("bad.yaml", "pack: bad\nenable: [nope]\nrules:\n  - id: bad-rule\n"
				 "    severity: info\n    message: m\n"
				 "    assert: [{field: kind, exists: true}]\n");
	ck_assert_int_eq(mf_packset_load(ps, bad, pos, 1, &out, &n), -1);
	ck_assert_uint_eq(n, 0);
	ck_assert(!mf_packset_knows(ps, "bad-rule"));
	ck_assert_uint_eq(mf_packset_ids(ps, ids, 8), 4);
	mf_packset_free(ps);
}
END_TEST

static TCase *tcase(Suite *s, const char *name)
{
	TCase *t = tcase_create(name);

	tcase_add_unchecked_fixture(t, make_root, remove_root);
	tcase_add_checked_fixture(t, setup, teardown);
	suite_add_tcase(s, t);
	return t;
}

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *t = tcase(s, "loading");

	tcase_add_test(t, builtin_pack_by_name);
	tcase_add_test(t, builtin_declarative_rule);
	tcase_add_test(t, pack_file_relative_to_naming_file);
	tcase_add_test(t, pack_file_missing);
	tcase_add_test(t, extends_order);
	tcase_add_test(t, each_pack_applies_once);
	tcase_add_test(t, declarative_rule_runs_once);
	tcase_add_test(t, extends_cycle);
	tcase_add_test(t, extends_itself);
	tcase_add_test(t, unknown_builtin_pack);
	t = tcase(s, "pss");
	tcase_add_test(t, pss_version);
	tcase_add_test(t, pss_version_form);
	tcase_add_test(t, level_highest_wins);
	t = tcase(s, "switches");
	tcase_add_test(t, enable_switches_on);
	tcase_add_test(t, disable_and_enable_again);
	tcase_add_test(t, unknown_rule_ids);
	tcase_add_test(t, declarative_ids);
	t = tcase(s, "paths");
	tcase_add_test(t, field_paths);
	tcase_add_test(t, bad_field_paths);
	tcase_add_test(t, when_every_item);
	t = tcase(s, "conditions");
	tcase_add_test(t, condition_tests);
	tcase_add_test(t, assert_each_condition);
	tcase_add_test(t, condition_needs_one_test);
	tcase_add_test(t, bad_pattern);
	tcase_add_test(t, bug_quantity_overflow);
	tcase_add_test(t, bug_empty_path_keys);
	tcase_add_test(t, bug_compose_rule_object);
	tcase_add_test(t, bug_item_schema_error_position);
	t = tcase(s, "messages");
	tcase_add_test(t, placeholders);
	tcase_add_test(t, unknown_placeholder);
	t = tcase(s, "scopes");
	tcase_add_test(t, scopes_in_check);
	tcase_add_test(t, scopes_in_lint);
	tcase_add_test(t, finding_fields);
	t = tcase(s, "ids");
	tcase_add_test(t, waivers_know_pack_rules);
	tcase_add_test(t, packset_knows_and_ids);
	return s;
}

int main(void)
{
	return mf_test_run(policy_suite());
}
