/* resolve: the names of generated objects (services.*.names) and per-instance container names */
#include <string.h>

#include "resolve.h"

#include "model.h"

/* What a name template may say: {service}, {tenant}, {environment}. */
static const char *const holes[] = {"service", "tenant", "environment"};

/* Where a target needs a name of a kind: its rule, for the message. */
typedef enum name_rule { RULE_K8S, RULE_COMPOSE, RULE_CONTAINER, RULE_HOST } name_rule;

/* Kubernetes Service names are RFC 1035 labels (the workload shares it). */
static bool dns1035(const char *s)
{
	size_t n = strlen(s);

	return n && n <= 63 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n &&
	       s[0] >= 'a' && s[0] <= 'z' && s[n - 1] != '-';
}

static bool dns1123_label(const char *s)
{
	size_t n = strlen(s);

	return n && n <= 63 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n &&
	       s[0] != '-' && s[n - 1] != '-';
}

/* Compose's service names (compose-spec: ^[a-zA-Z0-9._-]+$) and Docker's
 * container names ([a-zA-Z0-9][a-zA-Z0-9_.-]*). */
static bool docker_name(const char *s, bool first_alnum)
{
	size_t n = strlen(s);
	static const char *const alnum =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

	return n && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
			    n &&
	       (!first_alnum || strchr(alnum, s[0]));
}

static const char *hole_value(const mf_instance *in, size_t k)
{
	return k == 0 ? in->service : k == 1 ? (in->tenant ? in->tenant->name : NULL) : in->env->name;
}

static void hole_error(mf_ctx *c, mf_hash *seen, const mf_instance *in, const mf_node *n,
		       const char *word, size_t k)
{
	mf_diag *d;

	if (!mf_hash_first_pos(c->a, seen, n->pos))
		return;
	if (k < MF_NELEM(holes)) {
		mf_error(c, n->pos, "name-template",
			 "'{tenant}' in name '%s' of '%s', which has one instance (it is not "
			 "'scope: tenant'), so there is no tenant to put in",
			 mf_str(n), in->service);
		return;
	}
	d = mf_diag_add(c, MF_SEV_ERROR, n->pos, "name-template",
			"'{%s}' in name '%s' of '%s' is no part of a name: a name template says "
			"'{service}', '{tenant}' and '{environment}'",
			word, mf_str(n), in->service);
	if (d)
		mf_diag_suggest(c, d, word, holes, MF_NELEM(holes));
}

/* The text of template n for in; NULL after an error (reported once per line). */
static const char *expand(mf_ctx *c, mf_hash *seen, const mf_instance *in, const mf_node *n)
{
	const char *p = mf_str(n), *v;
	char *out = "";

	while (p && *p) {
		size_t lit = strcspn(p, "{"), len, k;
		out = mf_printf(c->a, "%s%.*s", out, (int)lit, p);
		if (!*(p += lit))
			break;
		len = strcspn(p + 1, "}");
		char *word = mf_printf(c->a, "%.*s", (int)len, p + 1);
		k = mf_str_index(word, holes, MF_NELEM(holes));
		if (!out || !word || p[1 + len] != '}' || k == MF_NELEM(holes) ||
		    !(v = hole_value(in, k))) {
			hole_error(c, seen, in, n, word ? word : "", k);
			return NULL;
		}
		out = mf_printf(c->a, "%s%s", out, v);
		p += len + 2;
	}
	return out;
}

static const char *const rule_text[] = {
	[RULE_K8S] = "no Kubernetes Service or workload name (a DNS-1035 label: lowercase letters, "
		     "digits and '-', starting with a letter, at most 63)",
	[RULE_COMPOSE] = "no Compose service name (letters, digits, '.', '_' and '-')",
	[RULE_CONTAINER] = "no Docker container name (letters, digits, '.', '_' and '-', starting "
			   "with a letter or digit)",
	[RULE_HOST] = "no pod hostname Kubernetes accepts (a DNS label: lowercase letters, "
		      "digits and '-', at most 63)",
};

static bool rule_ok(name_rule rule, const char *s)
{
	switch (rule) {
	case RULE_K8S: return dns1035(s);
	case RULE_COMPOSE: return docker_name(s, false);
	case RULE_CONTAINER: return docker_name(s, true);
	case RULE_HOST: return dns1123_label(s);
	}
	return false;
}

static const char *who(mf_ctx *c, const mf_instance *in)
{
	return in->tenant ? mf_printf(c->a, "'%s' for tenant '%s'", in->service, in->tenant->name)
			  : mf_printf(c->a, "'%s'", in->service);
}

/* A name the target refuses, at the template's line (once). */
static int check_rule(mf_ctx *c, mf_hash *seen, const mf_instance *in, const mf_node *n,
		      const char *name, name_rule rule, const char *target)
{
	if (rule_ok(rule, name) || !mf_hash_first_pos(c->a, seen, n->pos))
		return rule_ok(rule, name) ? 0 : -1;
#define NAME_ARGS \
	"name '%s' of %s is %s, and '%s' runs on %s in '%s'", name, who(c, in), rule_text[rule], \
		in->service, target, in->env->name
	if (rule == RULE_HOST)
		return mf_error(c, n->pos, "hostname", NAME_ARGS);
	return mf_error(c, n->pos, "object-name", NAME_ARGS);
#undef NAME_ARGS
}

/* containerName and hostname with a template: the instance's own text, at
 * the line that wrote it (a scalar of the spec replaced, never the tree). */
static mf_node *expand_setting(mf_ctx *c, mf_hash *seen, mf_instance *in, mf_node *spec,
			       const char *key, int *rc)
{
	const mf_node *n = mf_get(spec, key);
	const char *s;
	mf_node *out, *v;

	if (!mf_str(n) || !strchr(mf_str(n), '{'))
		return spec;
	if (!(s = expand(c, seen, in, n))) {
		*rc = -1;
		return spec;
	}
	if (!(out = mf_new_map(c->a, spec->pos)) || !(v = mf_new_str(c->a, s, n->pos)))
		return spec;
	for (size_t i = 0; i < spec->n; i++)
		if (mf_map_add(c->a, out, spec->pairs[i].key, spec->pairs[i].pos,
			       strcmp(spec->pairs[i].key, key) ? spec->pairs[i].val : v) < 0)
			return spec;
	return out;
}

static void check_settings(mf_ctx *c, mf_hash *seen, const mf_instance *in, int *rc)
{
	const mf_node *cn = mf_get(in->spec, "containerName"), *hn = mf_get(in->spec, "hostname");
	bool k8s = in->env->targets & (MF_T_KUSTOMIZE | MF_T_HELM);

	if (in->env->is_base)
		return;
	if (mf_str(cn) && (in->env->targets & MF_T_COMPOSE) &&
	    check_rule(c, seen, in, cn, mf_str(cn), RULE_CONTAINER, "Compose") < 0)
		*rc = -1;
	if (mf_str(hn) && k8s && check_rule(c, seen, in, hn, mf_str(hn), RULE_HOST, "Kubernetes") < 0)
		*rc = -1;
}

int mf_names_apply(mf_ctx *c, mf_hash *seen, mf_instance *in)
{
	const mf_node *names = mf_get(in->spec, "names");
	const mf_node *k = mf_get(names, "kubernetes"), *cp = mf_get(names, "compose");
	mf_node *spec = (mf_node *)in->spec;
	bool tmpl = false;
	int rc = 0;
	const char *s;

	for (size_t i = 0; i < 2; i++) {
		const char *key = i ? "hostname" : "containerName";
		tmpl |= mf_str(mf_get(spec, key)) && strchr(mf_str(mf_get(spec, key)), '{');
		spec = expand_setting(c, seen, in, spec, key, &rc);
	}
	in->spec = spec;
	if (tmpl)
		check_settings(c, seen, in, &rc);
	if (mf_str(k) && (s = expand(c, seen, in, k)) != NULL)
		in->name = s;
	else if (mf_str(k))
		rc = -1;
	if (mf_str(cp) && (s = expand(c, seen, in, cp)) != NULL)
		in->compose_name = s;
	else if (mf_str(cp))
		rc = -1;
	if (in->env->is_base)
		return rc;
	if (mf_str(k) && (in->env->targets & (MF_T_KUSTOMIZE | MF_T_HELM)) &&
	    check_rule(c, seen, in, k, in->name, RULE_K8S, "Kubernetes") < 0)
		rc = -1;
	if (mf_str(cp) && (in->env->targets & MF_T_COMPOSE) &&
	    check_rule(c, seen, in, cp, in->compose_name, RULE_COMPOSE, "Compose") < 0)
		rc = -1;
	return rc;
}

/* ---- two instances, one name ------------------------------------------------ */

/* What names one thing in an environment: the text, and where it was said
 * (the template's line, else the service's key). */
typedef struct named {
	const mf_instance *in;
	mf_pos at;
} named;

static mf_pos said_at(const mf_instance *in, const char *path)
{
	const mf_node *n = mf_path(in->spec, path);

	return n ? n->pos : in->pos;
}

/* Reported at the later of the two places, the note naming the earlier. */
static void clash(mf_ctx *c, mf_hash *seen, const named *x, const named *y, const char *what,
		  const char *name)
{
	const named *first = mf_pos_cmp(x->at, y->at) <= 0 ? x : y, *second = first == x ? y : x;
	const mf_source *src = mf_source_get(c, first->at.file);
	mf_diag *d;

	if (!mf_hash_first_pos(c->a, seen, second->at))
		return;
	d = mf_diag_add(c, MF_SEV_ERROR, second->at, "name-clash",
			"%s '%s' of %s in '%s' is also the name of %s: one would replace the other",
			what, name, who(c, second->in), second->in->env->name, who(c, first->in));
	if (d && mf_pos_eq(first->at, second->at))
		mf_diag_note(c, d, "%s", "both take it from this line: say '{tenant}' in it");
	else if (d)
		mf_diag_note(c, d, "'%s' is named at %s:%u:%u; give each its own name "
			     "(a template can say '{tenant}' or '{service}')",
			     first->in->service, src ? src->path : "?", first->at.line, first->at.col);
}

/* Default names that meet are the renderers' to report (compose-service-name). */
static bool renamed(const mf_instance *a, const mf_instance *b, const char *path)
{
	return mf_path(a->spec, path) || mf_path(b->spec, path);
}

/* Compose refuses two containers of one name only among the services it
 * starts: services in profiles that share none run together only when the
 * user enables both, and then Compose itself says so.  Tables: names of
 * services without profiles [0], name+profile [1], names in any profile [2]. */
static void container_clash(mf_ctx *c, mf_hash *seen, mf_hash t[3], const char *cn,
			    const named *x)
{
	const mf_node *ps = mf_get(x->in->spec, "profiles");
	const named *f;

	if (!ps || ps->kind != MF_SEQ || !ps->n) {
		if ((f = mf_hash_put_str(c->a, &t[0], cn, (void *)x)) != NULL && f != x)
			clash(c, seen, f, x, "container name", cn);
		else if ((f = mf_hash_get_str(&t[2], cn)) != NULL)
			clash(c, seen, f, x, "container name", cn);
		return;
	}
	if ((f = mf_hash_get_str(&t[0], cn)) != NULL) {
		clash(c, seen, f, x, "container name", cn);
		return;
	}
	mf_hash_put_str(c->a, &t[2], cn, (void *)x);
	for (size_t i = 0; i < ps->n; i++) {
		const char *pr = mf_str(ps->items[i]);
		const char *key = mf_printf(c->a, "%s\x1f%s", cn, pr ? pr : "");
		if (key && (f = mf_hash_put_str(c->a, &t[1], key, (void *)x)) != NULL && f != x) {
			clash(c, seen, f, x, "container name", cn);
			return;
		}
	}
}

/* One table per kind of name: Kubernetes names per namespace, Compose
 * service names and container names per project. */
static int env_clashes(mf_ctx *c, mf_hash *seen, const mf_env *e)
{
	mf_hash k8s = {0}, compose = {0}, containers[3] = {{0}};
	bool kube = e->targets & (MF_T_KUSTOMIZE | MF_T_HELM), dc = e->targets & MF_T_COMPOSE;
	size_t before = c->nerrors;

	for (size_t i = 0; i < e->ninst; i++) {
		const mf_instance *in = &e->inst[i];
		const char *cn = mf_get_str(in->spec, "containerName");
		const named *f;
		named *x = mf_alloc(c->a, 3 * sizeof *x);
		if (!x)
			return mf_error(c, in->pos, "internal", "out of memory");
		x[0] = (named){in, said_at(in, "names.kubernetes")};
		x[1] = (named){in, said_at(in, "names.compose")};
		x[2] = (named){in, said_at(in, "containerName")};
		if (kube && (f = mf_hash_put_str(c->a, &k8s,
						 mf_printf(c->a, "%s/%s", in->ns, in->name), &x[0])) &&
		    f != &x[0] && renamed(f->in, in, "names.kubernetes"))
			clash(c, seen, f, &x[0], "Kubernetes name", in->name);
		if (dc && (f = mf_hash_put_str(c->a, &compose, in->compose_name, &x[1])) &&
		    f != &x[1] && renamed(f->in, in, "names.compose"))
			clash(c, seen, f, &x[1], "Compose service name", in->compose_name);
		if (dc && cn)
			container_clash(c, seen, containers, cn, &x[2]);
	}
	return c->nerrors > before ? -1 : 0;
}

int mf_names_check(mf_ctx *c, mf_hash *seen, const mf_system *s)
{
	int rc = 0;

	for (size_t i = 0; i < s->nenvs; i++)
		if (env_clashes(c, seen, &s->envs[i]) < 0)
			rc = -1;
	return rc;
}
