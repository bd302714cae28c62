/* check: access control: what Roles and ClusterRoles allow, and what bindings bind */
#include <string.h>
#include "check_impl.h"

/* The findings are on the role rule that grants the access (where it is
 * fixed), or on the binding's roleRef; Kubernetes' own roles (which a
 * manifest may copy) are left alone.  A description renders no roles
 * (so in check these find nothing); they are meant for lint. */

static bool is_role(const mf_object *o)
{
	return mf_kind_is(o, "Role") || mf_kind_is(o, "ClusterRole");
}

static bool is_binding(const mf_object *o)
{
	return mf_kind_is(o, "RoleBinding") || mf_kind_is(o, "ClusterRoleBinding");
}

/* The roles every cluster has: the user-facing ClusterRoles, and system:*
 * (ClusterRoles, and the Roles controllers keep in kube-system). */
static bool builtin_role(const char *name)
{
	static const char *const names[] = {"cluster-admin", "admin", "edit", "view"};

	return name && (MF_IN_LIST(name, names) || !strncmp(name, "system:", 7));
}

/* Roles every cluster has: the ClusterRoles above, and the Roles of
 * kube-system that API servers and controllers bind to (an aggregated API
 * server binds extension-apiserver-authentication-reader). */
static bool builtin_ref(const char *kind, const char *name, const char *ns)
{
	if (!strcmp(kind, "ClusterRole"))
		return builtin_role(name);
	return ns && !strcmp(ns, "kube-system") &&
	       (!strncmp(name, "system:", 7) ||
		!strcmp(name, "extension-apiserver-authentication-reader"));
}

/* Whether a list of a rule holds one of the words ('*' matches every word). */
static const mf_node *has_any(const mf_node *seq, const char *const *words, size_t n)
{
	for (size_t i = 0; seq && seq->kind == MF_SEQ && i < seq->n; i++) {
		const char *s = mf_str(seq->items[i]);
		if (s && (!strcmp(s, "*") || mf_str_index(s, words, n) < n))
			return seq->items[i];
	}
	return NULL;
}

static bool has_star(const mf_node *seq)
{
	return has_any(seq, NULL, 0) != NULL;
}

/* ---- what a role allows -------------------------------------------------------------- */

typedef struct access {
	mf_rule_id rule;
	const char *const *groups, *const *resources, *const *verbs;
	size_t ngroups, nresources, nverbs;
	const char *what; /* "exec into pods" */
	bool named_ok;    /* resourceNames limit the rule enough */
} access;

static const char *const core[] = {"", "apps", "batch", "extensions"};
static const char *const exec_res[] = {"pods/exec", "pods/attach", "pods/*"};
static const char *const exec_verbs[] = {"create", "get"};
static const char *const secret_res[] = {"secrets"};
static const char *const read_verbs[] = {"get", "list", "watch"};
static const char *const pod_res[] = {"pods",       "deployments", "statefulsets",
				      "daemonsets", "replicasets", "replicationcontrollers",
				      "jobs",       "cronjobs"};
static const char *const create_verbs[] = {"create"};

static const access accesses[] = {
	{MF_RULE_RBAC_EXEC, core, exec_res, exec_verbs, 1, MF_NELEM(exec_res), MF_NELEM(exec_verbs),
	 "run commands in pods (pods/exec, pods/attach)", false},
	{MF_RULE_RBAC_SECRETS, core, secret_res, read_verbs, 1, MF_NELEM(secret_res),
	 MF_NELEM(read_verbs), "read secrets", true},
	{MF_RULE_RBAC_CREATE_PODS, core, pod_res, create_verbs, MF_NELEM(core), MF_NELEM(pod_res),
	 MF_NELEM(create_verbs), "create pods", false},
};

/* A rule's apiGroups (none: the core group), resources and verbs. */
static bool rule_allows(const mf_node *r, const access *a)
{
	const mf_node *groups = mf_get(r, "apiGroups"), *names = mf_get(r, "resourceNames");

	if (a->named_ok && names && names->kind == MF_SEQ && names->n)
		return false;
	if (groups && !has_any(groups, a->groups, a->ngroups))
		return false;
	return has_any(mf_get(r, "resources"), a->resources, a->nresources) &&
	       has_any(mf_get(r, "verbs"), a->verbs, a->nverbs);
}

static void role_access(mf_chk *k, const mf_object *o, const access *a)
{
	const mf_node *rules = mf_get(o->doc, "rules");

	for (size_t i = 0; rules && rules->kind == MF_SEQ && i < rules->n; i++)
		if (rule_allows(rules->items[i], a)) {
			mf_finding(k, a->rule, mf_chk_at(k, mf_get(rules->items[i], "resources")),
				   mf_printf(k->c->a, "rules[%zu]", i), "%s '%s' may %s", o->kind,
				   o->name, a->what);
			return;
		}
}

/* rules[].verbs and rules[].resources holding '*' */
static void role_wildcard(mf_chk *k, const mf_object *o)
{
	const mf_node *rules = mf_get(o->doc, "rules");

	for (size_t i = 0; rules && rules->kind == MF_SEQ && i < rules->n; i++) {
		static const char *const lists[] = {"verbs", "resources"};
		for (size_t l = 0; l < MF_NELEM(lists); l++) {
			const mf_node *star = has_any(mf_get(rules->items[i], lists[l]), NULL, 0);
			if (star)
				mf_finding(k, MF_RULE_RBAC_WILDCARD, mf_chk_at(k, star),
					   mf_printf(k->c->a, "rules[%zu].%s", i, lists[l]),
					   "%s '%s' grants every %s ('*')", o->kind, o->name,
					   l ? "resource" : "verb");
		}
	}
}

/* k->rule tells which of the role rules runs (one function serves them). */
static void roles(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		if (!is_role(o) || builtin_role(o->name))
			continue;
		k->obj = o;
		if (k->rule == MF_RULE_RBAC_WILDCARD)
			role_wildcard(k, o);
		for (size_t a = 0; a < MF_NELEM(accesses); a++)
			if (accesses[a].rule == k->rule)
				role_access(k, o, &accesses[a]);
	}
	k->obj = NULL;
}

/* ---- what a binding binds ------------------------------------------------------------ */

/* The role a binding's roleRef names: a ClusterRole (cluster-scoped), or a
 * Role in the binding's namespace; NULL when not among the objects. */
static const mf_object *bound_role(mf_chk *k, const mf_object *b, const char *kind,
				   const char *name)
{
	mf_object cluster = {.ns = NULL};

	return mf_find_object(k, kind, name, !strcmp(kind, "ClusterRole") ? &cluster : b);
}

/* '*' verbs, or every verb of the API by name */
static bool every_verb(const mf_node *verbs)
{
	static const char *const all[] = {"get",    "list",  "watch", "create",
					  "update", "patch", "delete"};
	size_t n = 0;

	if (has_star(verbs))
		return true;
	for (size_t i = 0; i < MF_NELEM(all); i++)
		n += has_any(verbs, &all[i], 1) != NULL;
	return n == MF_NELEM(all);
}

/* a rule of every verb on '*' resources of every API group: cluster-admin by another name */
static bool all_powerful(const mf_object *role)
{
	const mf_node *rules = role ? mf_get(role->doc, "rules") : NULL;

	for (size_t i = 0; rules && rules->kind == MF_SEQ && i < rules->n; i++)
		if (has_star(mf_get(rules->items[i], "apiGroups")) &&
		    has_star(mf_get(rules->items[i], "resources")) &&
		    every_verb(mf_get(rules->items[i], "verbs")))
			return true;
	return false;
}

static void binding_one(mf_chk *k, const mf_object *b)
{
	const mf_node *ref = mf_get(b->doc, "roleRef"), *at = mf_get(ref, "name");
	const char *kind = mf_get_str(ref, "kind"), *name = mf_str(at);
	const mf_object *role;

	if (!kind || !name || builtin_role(b->name))
		return;
	k->obj = b;
	role = bound_role(k, b, kind, name);
	if (k->rule == MF_RULE_RBAC_ROLE_MISSING && !role && !builtin_ref(kind, name, b->ns))
		mf_finding(k, MF_RULE_RBAC_ROLE_MISSING, mf_chk_at(k, at), "roleRef.name",
			   "%s '%s' binds %s '%s', which does not exist", b->kind, b->name, kind,
			   name);
	else if (k->rule == MF_RULE_RBAC_CLUSTER_ADMIN &&
		 ((!strcmp(kind, "ClusterRole") && !strcmp(name, "cluster-admin")) ||
		  all_powerful(role)))
		mf_finding(k, MF_RULE_RBAC_CLUSTER_ADMIN, mf_chk_at(k, at), "roleRef.name",
			   "%s '%s' binds %s '%s', which allows everything", b->kind, b->name, kind,
			   name);
}

static void bindings(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++)
		if (is_binding(&k->objs->v[i]))
			binding_one(k, &k->objs->v[i]);
	k->obj = NULL;
}

const mf_rule_impl mf_rbac_rules[] = {
	{MF_RULE_RBAC_WILDCARD, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, roles},
	{MF_RULE_RBAC_EXEC, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, roles},
	{MF_RULE_RBAC_SECRETS, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, roles},
	{MF_RULE_RBAC_CREATE_PODS, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, roles},
	{MF_RULE_RBAC_CLUSTER_ADMIN, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, bindings},
	{MF_RULE_RBAC_ROLE_MISSING, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, bindings},
};
const size_t mf_rbac_nrules = MF_NELEM(mf_rbac_rules);
