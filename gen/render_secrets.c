/* render: the Secrets an environment's objects read, and ExternalSecrets or SealedSecret
 * placeholders */
#include <string.h>
#include "render.h"

/* manifold never holds a secret's value.  What it knows is which Secrets
 * (and keys) the rendered objects read, in which namespace: mf_secret_needs()
 * reads them off the objects, the emitters list them (SECRETS.md), and when
 * the environment's profile asks (`secrets:`), mf_render_secrets() adds one
 * object per declared Secret and namespace that makes it: an ExternalSecret of
 * the External Secrets Operator (external-secrets.io/v1) reading each key from
 * the profile's store, or a SealedSecret whose encryptedData holds one empty
 * placeholder per key, to be replaced by `kubeseal` output. */

#define ESO_API "external-secrets.io/v1"
#define SEALED_API "bitnami.com/v1alpha1"
#define PLACEHOLDER "manifold.dev/placeholder"

typedef struct sx {
	mf_ctx *c;
	mf_tb tb;
	const mf_system *s;
	mf_node *byid; /* "NAMESPACE/NAME" -> need (below) */
	mf_node *list; /* the needs, in the order met */
} sx;

/* A need: {namespace, tenant?, name, type, declared, description?, keys: {KEY: true},
 * all: bool (every declared key), users: {"Kind/name": true}} while scanning. */
static mf_node *need_of(sx *x, const mf_object *o, const char *name, const char *type)
{
	const char *ns = o->ns ? o->ns : "";
	const char *id = mf_tb_printf(&x->tb, "%s/%s", ns, name);
	const mf_node *decl = mf_system_section(x->s, "secrets", name);
	mf_node *n = mf_get(x->byid, id ? id : "");

	if (n || !id)
		return n;
	n = mf_tb_map(&x->tb, decl ? decl->pos : o->pos);
	mf_tb_put_str(&x->tb, n, "namespace", ns, MF_NOPOS);
	mf_tb_put_str(&x->tb, n, "tenant", o->tenant, MF_NOPOS);
	mf_tb_put_str(&x->tb, n, "name", name, MF_NOPOS);
	mf_tb_put_str(&x->tb, n, "type", mf_get_str(decl, "type") ? mf_get_str(decl, "type") : type,
		      MF_NOPOS);
	mf_tb_put_bool(&x->tb, n, "declared", decl != NULL, MF_NOPOS);
	mf_tb_put_str(&x->tb, n, "description", mf_get_str(decl, "description"), MF_NOPOS);
	mf_tb_child(&x->tb, n, "keys", MF_NOPOS);
	mf_tb_child(&x->tb, n, "users", MF_NOPOS);
	mf_tb_put(&x->tb, x->byid, id, n);
	mf_tb_push(&x->tb, x->list, n);
	return n;
}

/* Object o reads key `key` of Secret `name` (key NULL: all of its keys). */
static void reads(sx *x, const mf_object *o, const char *name, const char *key, const char *type)
{
	mf_node *n;

	if (!name || !*name || !(n = need_of(x, o, name, type)))
		return;
	if (key)
		mf_tb_put_bool(&x->tb, mf_get(n, "keys"), key, true, MF_NOPOS);
	else
		mf_tb_put_bool(&x->tb, n, "all", true, MF_NOPOS);
	mf_tb_put_bool(&x->tb, mf_get(n, "users"), mf_tb_printf(&x->tb, "%s/%s", o->kind, o->name),
		       true, MF_NOPOS);
}

static void scan(sx *x, const mf_object *o, const mf_node *n);

/* volumes[].secret and projected sources' secret: {secretName|name, items?} */
static void volume_secret(sx *x, const mf_object *o, const mf_node *v)
{
	const char *name =
		mf_get_str(v, "secretName") ? mf_get_str(v, "secretName") : mf_get_str(v, "name");
	const mf_node *items = mf_get(v, "items");

	if (!items || items->kind != MF_SEQ || !items->n)
		reads(x, o, name, NULL, "Opaque");
	for (size_t i = 0; items && items->kind == MF_SEQ && i < items->n; i++)
		reads(x, o, name, mf_get_str(items->items[i], "key"), "Opaque");
}

static void list_of_names(sx *x, const mf_object *o, const mf_node *v, const char *key,
			  const char *field, const char *type)
{
	for (size_t i = 0; v && v->kind == MF_SEQ && i < v->n; i++)
		reads(x, o, mf_get_str(v->items[i], field), key, type);
}

static void ingress_tls(sx *x, const mf_object *o, const mf_node *tls)
{
	for (size_t i = 0; tls && tls->kind == MF_SEQ && i < tls->n; i++) {
		const char *name = mf_get_str(tls->items[i], "secretName");
		reads(x, o, name, "tls.crt", "kubernetes.io/tls");
		reads(x, o, name, "tls.key", "kubernetes.io/tls");
	}
}

/* One pair of a map: a reference, or something to look inside. */
static void scan_pair(sx *x, const mf_object *o, const mf_pair *p)
{
	if (!strcmp(p->key, "secretKeyRef"))
		reads(x, o, mf_get_str(p->val, "name"), mf_get_str(p->val, "key"), "Opaque");
	else if (!strcmp(p->key, "secretRef"))
		reads(x, o, mf_get_str(p->val, "name"), NULL, "Opaque");
	else if (!strcmp(p->key, "secret") && p->val && p->val->kind == MF_MAP)
		volume_secret(x, o, p->val);
	else if (!strcmp(p->key, "imagePullSecrets"))
		list_of_names(x, o, p->val, ".dockerconfigjson", "name",
			      "kubernetes.io/dockerconfigjson");
	else if (!strcmp(p->key, "tls") && mf_streq(o->kind, "Ingress"))
		ingress_tls(x, o, p->val);
	else
		scan(x, o, p->val);
}

static void scan(sx *x, const mf_object *o, const mf_node *n)
{
	if (n && n->kind == MF_MAP)
		for (size_t i = 0; i < n->n; i++)
			scan_pair(x, o, &n->pairs[i]);
	else if (n && n->kind == MF_SEQ)
		for (size_t i = 0; i < n->n; i++)
			scan(x, o, n->items[i]);
}

/* keys: the declared keys asked for (all of them for `all`) in the
 * description's order, then any other key read, in the order met. */
static mf_node *key_list(sx *x, const mf_node *need)
{
	const mf_node *decl =
		mf_get(mf_system_section(x->s, "secrets", mf_get_str(need, "name")), "keys");
	const mf_node *have = mf_get(need, "keys");
	bool all = mf_get_bool(need, "all", false);
	mf_node *out = mf_tb_seq(&x->tb, MF_NOPOS), *done = mf_tb_map(&x->tb, MF_NOPOS);

	for (size_t i = 0; decl && decl->kind == MF_SEQ && i < decl->n; i++) {
		const char *k = mf_str(decl->items[i]);
		if (k && (all || mf_get(have, k)) && !mf_get(done, k)) {
			mf_tb_push(&x->tb, out, mf_tb_str(&x->tb, k, MF_NOPOS));
			mf_tb_put_bool(&x->tb, done, k, true, MF_NOPOS);
		}
	}
	for (size_t i = 0; have && i < have->n; i++)
		if (!mf_get(done, have->pairs[i].key))
			mf_tb_push(&x->tb, out, mf_tb_str(&x->tb, have->pairs[i].key, MF_NOPOS));
	return out;
}

static mf_node *key_seq(sx *x, const mf_node *m)
{
	mf_node *out = mf_tb_seq(&x->tb, MF_NOPOS);

	for (size_t i = 0; m && i < m->n; i++)
		mf_tb_push(&x->tb, out, mf_tb_str(&x->tb, m->pairs[i].key, MF_NOPOS));
	return out;
}

static int cmp_need(const void *a, const void *b)
{
	const mf_node *x = *(mf_node *const *)a, *y = *(mf_node *const *)b;
	int r = mf_strcmp_null(mf_get_str(x, "namespace"), mf_get_str(y, "namespace"));

	return r ? r : mf_strcmp_null(mf_get_str(x, "name"), mf_get_str(y, "name"));
}

/* The final form of each need: keys and users as lists; sorted by namespace and name. */
static mf_node *finish(sx *x)
{
	for (size_t i = 0; x->list && i < x->list->n; i++) {
		mf_node *n = x->list->items[i];
		mf_tb_put(&x->tb, n, "keys", key_list(x, n));
		mf_tb_put(&x->tb, n, "users", key_seq(x, mf_get(n, "users")));
		mf_map_del(n, "all");
	}
	if (x->list && x->list->n > 1)
		mf_stable_sort(x->list->items, x->list->n, sizeof *x->list->items, cmp_need);
	return x->list;
}

mf_node *mf_secret_needs(mf_ctx *c, const mf_system *s, const mf_objects *objs)
{
	sx x = {.c = c, .tb = {.a = c->a}, .s = s};

	x.byid = mf_tb_map(&x.tb, MF_NOPOS);
	x.list = mf_tb_seq(&x.tb, MF_NOPOS);
	for (size_t i = 0; objs && i < objs->n; i++)
		if (!mf_streq(objs->v[i].api_version, ESO_API) &&
		    !mf_streq(objs->v[i].api_version, SEALED_API))
			scan(&x, &objs->v[i], objs->v[i].doc);
	if (!x.tb.failed)
		finish(&x);
	if (x.tb.failed) {
		mf_error(c, MF_NOPOS, "internal", "out of memory listing the Secrets");
		return NULL;
	}
	return x.list;
}

/* ---- the objects a profile's `secrets:` asks for ----------------------------------- */

typedef struct so {
	sx *x;
	const mf_env *e;
	const mf_node *cfg;  /* the profile's secrets: */
	const mf_node *meta; /* the shared Namespace's metadata: labels, annotations */
	mf_objects *out;
	int rc;
} so;

static mf_node *head(so *o, const char *api, const char *kind, const mf_node *need, mf_pos pos)
{
	mf_tb *tb = &o->x->tb;
	mf_node *doc = mf_tb_map(tb, pos), *meta;

	mf_tb_put_str(tb, doc, "apiVersion", api, pos);
	mf_tb_put_str(tb, doc, "kind", kind, pos);
	meta = mf_tb_child(tb, doc, "metadata", pos);
	mf_tb_put_str(tb, meta, "name", mf_get_str(need, "name"), pos);
	mf_tb_put_str(tb, meta, "namespace", mf_get_str(need, "namespace"), pos);
	mf_tb_put(tb, meta, "labels", mf_tb_copy(tb, mf_get(o->meta, "labels")));
	mf_tb_put(tb, meta, "annotations", mf_tb_copy(tb, mf_get(o->meta, "annotations")));
	return doc;
}

/* spec.target.template.type, when the Secret is not Opaque */
static void typed(so *o, mf_node *tmpl_parent, const mf_node *need, mf_pos pos)
{
	const char *type = mf_get_str(need, "type");

	if (type && strcmp(type, "Opaque"))
		mf_tb_put_str(&o->x->tb, mf_tb_child(&o->x->tb, tmpl_parent, "template", pos),
			      "type", type, pos);
}

static mf_node *external_secret(so *o, const mf_node *need, const mf_node *es, mf_pos pos)
{
	mf_tb *tb = &o->x->tb;
	mf_node *doc = head(o, ESO_API, "ExternalSecret", need, pos);
	mf_node *spec = mf_tb_child(tb, doc, "spec", pos), *store, *target, *data;
	const char *kind = mf_get_str(es, "kind"), *every = mf_get_str(es, "refreshInterval");
	const char *prefix = mf_get_str(es, "keyPrefix");
	const mf_node *keys = mf_get(need, "keys");

	mf_tb_put_str(tb, spec, "refreshInterval", every ? every : "1h", pos);
	store = mf_tb_child(tb, spec, "secretStoreRef", pos);
	mf_tb_put_str(tb, store, "name", mf_get_str(es, "store"), pos);
	mf_tb_put_str(tb, store, "kind", kind ? kind : "SecretStore", pos);
	target = mf_tb_child(tb, spec, "target", pos);
	mf_tb_put_str(tb, target, "name", mf_get_str(need, "name"), pos);
	mf_tb_put_str(tb, target, "creationPolicy", "Owner", pos);
	typed(o, target, need, pos);
	data = mf_tb_child_seq(tb, spec, "data", pos);
	for (size_t i = 0; keys && i < keys->n; i++) {
		mf_node *d = mf_tb_map(tb, pos), *ref;
		mf_tb_put_str(tb, d, "secretKey", mf_str(keys->items[i]), pos);
		ref = mf_tb_child(tb, d, "remoteRef", pos);
		mf_tb_put_str(
			tb, ref, "key",
			mf_tb_printf(tb, "%s%s", prefix ? prefix : "", mf_get_str(need, "name")),
			pos);
		mf_tb_put_str(tb, ref, "property", mf_str(keys->items[i]), pos);
		mf_tb_push(tb, data, d);
	}
	return doc;
}

static mf_node *sealed_secret(so *o, const mf_node *need, mf_pos pos)
{
	mf_tb *tb = &o->x->tb;
	mf_node *doc = head(o, SEALED_API, "SealedSecret", need, pos);
	mf_node *ann = mf_tb_child(tb, mf_get(doc, "metadata"), "annotations", pos);
	mf_node *spec = mf_tb_child(tb, doc, "spec", pos), *enc;
	const mf_node *keys = mf_get(need, "keys");

	mf_tb_put_str(tb, ann, PLACEHOLDER,
		      "each encryptedData value is empty: put there the output of kubeseal --raw "
		      "--namespace NAMESPACE --name NAME --from-file=FILE for this object's "
		      "namespace and name, FILE holding that key's value",
		      pos);
	enc = mf_tb_child(tb, spec, "encryptedData", pos);
	for (size_t i = 0; keys && i < keys->n; i++)
		mf_tb_put_str(tb, enc, mf_str(keys->items[i]), "", pos);
	typed(o, spec, need, pos);
	return doc;
}

static void add_object(so *o, const mf_node *need, mf_node *doc, mf_pos pos)
{
	mf_object obj = {
		.api_version = mf_get_str(doc, "apiVersion"),
		.kind = mf_get_str(doc, "kind"),
		.name = mf_get_str(need, "name"),
		.ns = mf_get_str(need, "namespace"),
		.doc = doc,
		.tenant = mf_get_str(need, "tenant"),
		.group = "secrets",
		.pos = pos,
	};

	if (doc && !o->x->tb.failed && mf_objects_add(o->x->c, o->out, &obj) < 0)
		o->rc = -1;
}

static const mf_node *shared_meta(const mf_objects *objs)
{
	for (size_t i = 0; i < objs->n; i++)
		if (mf_streq(objs->v[i].kind, "Namespace") && !objs->v[i].tenant)
			return mf_get(objs->v[i].doc, "metadata");
	return NULL;
}

int mf_render_secrets(mf_ctx *c, const mf_system *s, const mf_env *e, mf_objects *out)
{
	sx x = {.c = c, .tb = {.a = c->a}, .s = s};
	so o = {.x = &x, .e = e, .cfg = mf_get(e->profile, "secrets"), .out = out};
	const mf_node *es = mf_get(o.cfg, "externalSecrets"), *needs;
	bool sealed = mf_get_bool(o.cfg, "sealedSecrets", false);

	if (e->is_base || (!es && !sealed))
		return 0;
	if (!(needs = mf_secret_needs(c, s, out)))
		return -1;
	o.meta = shared_meta(out);
	for (size_t i = 0; i < needs->n; i++) {
		const mf_node *n = needs->items[i];
		const mf_node *decl = mf_system_section(s, "secrets", mf_get_str(n, "name"));
		if (!mf_get_bool(n, "declared", false) || !mf_get(n, "keys")->n)
			continue; /* made elsewhere (TLS by cert-manager, pull secrets) */
		add_object(&o, n,
			   es ? external_secret(&o, n, es, decl->pos)
			      : sealed_secret(&o, n, decl->pos),
			   decl->pos);
	}
	if (x.tb.failed)
		return mf_error(c, e->pos, "internal", "out of memory rendering Secret objects");
	mf_objects_sort(out);
	return o.rc;
}
