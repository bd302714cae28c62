/* resolve: top-level volumes that several services mount (services.*.storage.*.volume) */
#include <string.h>

#include "resolve.h"

/* A declared volume is one set of data.  Its mounts are grouped into claims:
 * one per Kubernetes namespace of an environment (a claim lives in one),
 * which for a volume of `scope: tenant` (the default) is one per tenant.
 * The claim's access mode follows from who mounts it: several workloads, or
 * one with several replicas, need ReadWriteMany, which the storage class
 * must offer (the profile's `storage.shared` says which classes do). */

#define RWO "ReadWriteOnce"
#define RWOP "ReadWriteOncePod"
#define ROX "ReadOnlyMany"
#define RWX "ReadWriteMany"

/* What the declaration says and a mount may not (it belongs to the data). */
static const char *const decl_keys[] = {"size", "class", "access", "backup", "name", "external"};
/* What of the declaration is no setting of a mount. */
static const char *const not_settings[] = {"description", "scope", "name", "external", "volume"};

typedef struct vmount {
	mf_instance *in;
	mf_volume *v;
	mf_pos at; /* its `volume:` */
} vmount;

/* One claim: a declared volume in one namespace of one environment. */
typedef struct vclaim {
	const char *volume, *ns;
	const mf_node *decl;
	const mf_instance *first, *second, *last; /* workloads mounting it */
	size_t nwork;
	long long max_replicas;
	const vmount *writer; /* a mount that is not readOnly */
	const vmount *owner;  /* carries the claim: a mount with a backup first */
	const char *access;
} vclaim;

typedef struct vctx {
	mf_ctx *c;
	const mf_node *vols; /* the top-level volumes: */
	mf_hash said;        /* positions reported */
	mf_hash used;        /* volumes some service mounts */
	int rc;
} vctx;

static bool once(vctx *x, mf_pos pos)
{
	return mf_hash_first_pos(x->c->a, &x->said, pos);
}

static mf_pos decl_pos(const vctx *x, const char *name)
{
	const mf_pair *p = mf_get_pair(x->vols, name);

	return p ? p->pos : MF_NOPOS;
}

static bool scope_shared(const mf_node *decl)
{
	return mf_streq(mf_get_str(decl, "scope"), "shared");
}

static bool k8s_env(const mf_env *e)
{
	return !e->is_base && (e->targets & (MF_T_KUSTOMIZE | MF_T_HELM));
}

/* A mount names a declared volume and sets nothing the volume owns. */
static bool valid_mount(vctx *x, const mf_instance *in, const mf_volume *v, mf_pos at)
{
	bool ok = true;

	if (!mf_get(x->vols, v->shared)) {
		mf_diag *d = once(x, at) ? mf_diag_add(x->c, MF_SEV_ERROR, at, "unknown-volume",
						       "storage '%s' of '%s' mounts volume '%s', "
						       "which the description does not declare "
						       "under 'volumes'",
						       v->name, in->service, v->shared)
					 : NULL;
		mf_diag_suggest_key(x->c, d, v->shared, x->vols);
		x->rc = -1;
		return false;
	}
	mf_hash_put_str(x->c->a, &x->used, v->shared, (void *)v->shared);
	for (size_t k = 0; k < MF_NELEM(decl_keys); k++) {
		const mf_pair *p = mf_get_pair(v->node, decl_keys[k]);
		if (!p || !once(x, p->pos))
			continue;
		mf_error(x->c, p->pos, "volume-mount",
			 "storage '%s' of '%s' mounts volume '%s', whose '%s' the volume says: "
			 "a mount sets only 'mount', 'readOnly' and 'subPath'",
			 v->name, in->service, v->shared, decl_keys[k]);
		x->rc = -1;
		ok = false;
	}
	return ok;
}

static size_t collect(vctx *x, mf_env *e, vmount **out)
{
	size_t n = 0, cap = 0;
	vmount *m = NULL, *grown;

	for (size_t i = 0; i < e->ninst; i++)
		for (size_t k = 0; k < e->inst[i].nvols; k++) {
			mf_volume *v = &e->inst[i].vols[k];
			mf_pos at;
			if (v->kind != MF_V_STORAGE || !v->shared)
				continue;
			at = mf_get(v->node, "volume")->pos;
			if (!valid_mount(x, &e->inst[i], v, at) ||
			    !(grown = mf_grow(x->c->a, m, n, &cap, sizeof *m)))
				continue;
			m = grown;
			m[n++] = (vmount){&e->inst[i], v, at};
		}
	*out = m;
	return n;
}

static void count_mount(vclaim *cl, const vmount *m)
{
	const mf_instance *in = m->in;

	if (!m->v->read_only && !cl->writer)
		cl->writer = m;
	if (!cl->owner || (!mf_backup_asked(mf_get(cl->owner->in->spec, "backup")) &&
			   mf_backup_asked(mf_get(in->spec, "backup"))))
		cl->owner = m;
	if (cl->last == in)
		return;
	cl->last = in;
	if (cl->nwork++ == 0)
		cl->first = in;
	else if (cl->nwork == 2)
		cl->second = in;
	if (in->max_replicas > cl->max_replicas)
		cl->max_replicas = in->max_replicas;
}

/* The mounts of an environment grouped into claims (volume, namespace). */
static size_t group_claims(vctx *x, vmount *m, size_t n, vclaim **out, size_t *of)
{
	mf_hash h = {0};
	vclaim *cl = mf_alloc(x->c->a, (n + 1) * sizeof *cl);
	size_t ncl = 0;

	for (size_t i = 0; cl && i < n; i++) {
		const char *key = mf_printf(x->c->a, "%s\n%s", m[i].v->shared, m[i].in->ns);
		size_t *slot = key ? mf_hash_get_str(&h, key) : NULL;
		if (!key)
			break;
		if (!slot && (slot = mf_alloc(x->c->a, sizeof *slot))) {
			*slot = ncl;
			cl[ncl++] = (vclaim){.volume = m[i].v->shared,
					     .ns = m[i].in->ns,
					     .decl = mf_get(x->vols, m[i].v->shared)};
			mf_hash_put_str(x->c->a, &h, key, slot);
		}
		if (!slot)
			break;
		of[i] = *slot;
		count_mount(&cl[*slot], &m[i]);
	}
	*out = cl;
	return cl ? ncl : 0;
}

/* "'a'", "'a' and 'b'", "'a', 'b' and others", "'a' with up to 3 replicas" */
static const char *mounters(vctx *x, const vclaim *cl)
{
	if (cl->nwork == 1 && cl->max_replicas <= 1)
		return mf_printf(x->c->a, "'%s' alone", cl->first->compose_name);
	if (cl->nwork == 1)
		return mf_printf(x->c->a, "'%s' with up to %lld replicas", cl->first->compose_name,
				 cl->max_replicas);
	return mf_printf(x->c->a, "'%s' and '%s'%s", cl->first->compose_name,
			 cl->second->compose_name, cl->nwork > 2 ? " and others" : "");
}

/* storage.shared of the environment, else of its profile: true, false, or
 * the classes that offer ReadWriteMany (`default`: the cluster's default) */
static const mf_node *shared_classes(const mf_env *e)
{
	const mf_node *own = mf_path(e->node, "storage.shared");

	return own ? own : mf_path(e->profile, "storage.shared");
}

static bool class_shares(const mf_node *list, const char *cls)
{
	if (list && list->kind == MF_BOOL)
		return list->v.b;
	for (size_t k = 0; list && list->kind == MF_SEQ && k < list->n; k++)
		if (mf_streq(mf_str(list->items[k]), cls ? cls : "default"))
			return true;
	return false;
}

static const char *class_list(vctx *x, const mf_node *list)
{
	const char *s = NULL;

	for (size_t k = 0; list && list->kind == MF_SEQ && k < list->n; k++)
		s = mf_printf(x->c->a, "%s%s'%s'", s ? s : "", s ? ", " : "",
			      mf_or(mf_str(list->items[k]), "?"));
	return s ? s : "no class";
}

static void check_class(vctx *x, const mf_env *e, const vclaim *cl)
{
	const mf_node *cls = mf_get(cl->decl, "class"), *list = shared_classes(e);
	mf_pos at = cls ? cls->pos : decl_pos(x, cl->volume);
	mf_diag *d;

	if (class_shares(list, mf_str(cls)) || !once(x, at))
		return;
	d = mf_diag_add(x->c, MF_SEV_ERROR, at, "volume-class-shared",
			"volume '%s' is mounted by %s in '%s', so its claim needs %s, which %s "
			"does not offer: %s lists %s under 'storage.shared'",
			cl->volume, mounters(x, cl), e->name, cl->access,
			cls ? mf_printf(x->c->a, "storage class '%s'", mf_str(cls))
			    : "the cluster's default storage class",
			mf_path(e->node, "storage.shared")
				? mf_printf(x->c->a, "environment '%s'", e->name)
			: e->profile_name ? mf_printf(x->c->a, "profile '%s'", e->profile_name)
					  : "its profile",
			class_list(x, list));
	mf_diag_note(x->c, d, "%s",
		     "give the volume a 'class' that can share (NFS, CephFS, EFS, Azure Files...) "
		     "and list it under the profile's or environment's 'storage.shared', or mount "
		     "it from one workload with one replica");
	x->rc = -1;
}

/* The claim's access mode: as the volume says, else ReadWriteMany when
 * several pods mount it; a mode that refuses its mounts is an error. */
static void choose_access(vctx *x, const mf_env *e, vclaim *cl)
{
	const mf_node *acc = mf_get(cl->decl, "access");
	bool many = cl->nwork > 1 || cl->max_replicas > 1;
	const char *a = mf_str(acc);

	cl->access = a ? a : many ? RWX : RWO;
	if (!k8s_env(e) || mf_get_bool(cl->decl, "external", false))
		return;
	if (a && many && (!strcmp(a, RWO) || !strcmp(a, RWOP)) && once(x, acc->pos)) {
		mf_error(x->c, acc->pos, "volume-access",
			 "volume '%s' is mounted by %s in '%s', but '%s' lets one %s mount it: say "
			 "'%s' or leave 'access' out",
			 cl->volume, mounters(x, cl), e->name, a, strcmp(a, RWO) ? "pod" : "node",
			 RWX);
		x->rc = -1;
	} else if (a && !strcmp(a, ROX) && cl->writer && once(x, acc->pos)) {
		mf_error(x->c, acc->pos, "volume-access",
			 "volume '%s' is '%s', but '%s' mounts it writable in '%s': say "
			 "'readOnly: true' there or choose another access",
			 cl->volume, ROX, cl->writer->in->compose_name, e->name);
		x->rc = -1;
	}
	if (!strcmp(cl->access, RWX) || (!strcmp(cl->access, ROX) && many))
		check_class(x, e, cl);
}

/* A volume of one copy per tenant mounted by a service of one instance:
 * which tenant's copy it would see is not said. */
static void check_scope(vctx *x, const vmount *m, size_t n)
{
	mf_hash tenant_mount = {0};

	for (size_t i = 0; i < n; i++)
		if (m[i].in->tenant)
			mf_hash_put_str(x->c->a, &tenant_mount, m[i].v->shared, (void *)&m[i]);
	for (size_t i = 0; i < n; i++) {
		const vmount *t = mf_hash_get_str(&tenant_mount, m[i].v->shared);
		if (m[i].in->tenant || !t || scope_shared(mf_get(x->vols, m[i].v->shared)) ||
		    !once(x, m[i].at))
			continue;
		mf_error(x->c, m[i].at, "volume-scope",
			 "'%s' has one instance, but volume '%s' has one copy per tenant, "
			 "since '%s' (scope: tenant) mounts it: say 'scope: shared' on the "
			 "volume for one copy every tenant shares",
			 m[i].in->service, m[i].v->shared, t->in->service);
		x->rc = -1;
	}
}

/* A volume every tenant shares, in a Kubernetes environment whose tenants
 * have namespaces of their own: a claim lives in one, so each gets one. */
static void check_split(vctx *x, const mf_env *e, const vclaim *cl, size_t ncl)
{
	mf_hash seen = {0};

	for (size_t i = 0; k8s_env(e) && i < ncl; i++) {
		const vclaim *first = mf_hash_put_str(x->c->a, &seen, cl[i].volume, (void *)&cl[i]);
		const mf_node *sc = mf_get(cl[i].decl, "scope");
		if (!first || first == &cl[i] || !scope_shared(cl[i].decl) || !once(x, sc->pos))
			continue;
		mf_warning(x->c, sc->pos, "volume-split",
			   "volume '%s' is shared by every tenant, but a Kubernetes claim lives in "
			   "one namespace: in '%s', namespaces '%s' and '%s' each get a claim "
			   "'%s' of their own, whose data the other does not see",
			   cl[i].volume, e->name, first->ns, cl[i].ns, first->volume);
	}
}

/* The mount's settings: the volume's under its own, with the access chosen. */
static void apply(vctx *x, const vmount *m, const vclaim *cl)
{
	mf_volume *v = m->v;
	mf_node *node = mf_merge(x->c->a, cl->decl, v->node);
	const mf_tenant *t = m->in->tenant;

	if (!node) {
		x->rc = mf_error(x->c, m->at, "internal", "out of memory");
		return;
	}
	for (size_t k = 0; k < MF_NELEM(not_settings); k++)
		mf_map_del(node, not_settings[k]);
	if (!mf_get(node, "access") &&
	    mf_map_set_str(x->c->a, node, "access", cl->access, decl_pos(x, cl->volume)) < 0)
		x->rc = mf_error(x->c, m->at, "internal", "out of memory");
	v->node = node;
	v->decl = cl->decl;
	v->own_name = mf_or(mf_get_str(cl->decl, "name"), v->shared);
	v->external = mf_get_bool(cl->decl, "external", false);
	v->compose_volume = t && !scope_shared(cl->decl)
				    ? mf_printf(x->c->a, "%s-%s", v->shared, t->name)
				    : v->shared;
	v->claim_owner = cl->owner == m;
	v->claim_kept = !mf_get_bool(cl->decl, "backup", true) ||
			mf_backup_asked(mf_get(cl->owner->in->spec, "backup"));
}

/* A volume of one copy per tenant with a name of its own: Docker has one
 * volume of that name, which every tenant would share. */
static void check_tenant_name(vctx *x, const vmount *m)
{
	const mf_node *name = mf_get(mf_get(x->vols, m->v->shared), "name");

	if (!name || !m->in->tenant || scope_shared(mf_get(x->vols, m->v->shared)) ||
	    !once(x, name->pos))
		return;
	mf_error(x->c, name->pos, "volume-name",
		 "volume '%s' has one copy per tenant, since '%s' (scope: tenant) mounts it, so "
		 "its name '%s' would name every tenant's copy: say 'scope: shared' or drop the "
		 "name",
		 m->v->shared, m->in->service, mf_str(name));
	x->rc = -1;
}

static void env_volumes(vctx *x, mf_env *e)
{
	vmount *m;
	vclaim *cl;
	size_t n = collect(x, e, &m), *of, ncl;

	if (!n || !(of = mf_alloc(x->c->a, n * sizeof *of)))
		return;
	ncl = group_claims(x, m, n, &cl, of);
	for (size_t i = 0; i < ncl; i++)
		choose_access(x, e, &cl[i]);
	check_scope(x, m, n);
	check_split(x, e, cl, ncl);
	for (size_t i = 0; i < n && ncl; i++) {
		check_tenant_name(x, &m[i]);
		apply(x, &m[i], &cl[of[i]]);
	}
}

int mf_resolve_volumes(mf_ctx *c, mf_system *s)
{
	vctx x = {.c = c, .vols = mf_get(s->doc, "volumes")};

	env_volumes(&x, &s->base);
	for (size_t i = 0; i < s->nenvs; i++)
		env_volumes(&x, &s->envs[i]);
	for (size_t k = 0; x.vols && x.vols->kind == MF_MAP && k < x.vols->n; k++)
		if (!mf_hash_get_str(&x.used, x.vols->pairs[k].key))
			mf_warning(c, x.vols->pairs[k].pos, "volume-unused",
				   "volume '%s' is declared, but no service mounts it (storage "
				   "'volume: %s')",
				   x.vols->pairs[k].key, x.vols->pairs[k].key);
	return x.rc;
}
