/* emit: Kustomize base, tenant components and overlays (diffs of rendered objects) */
#include <string.h>
#include "emit.h"

/* Layout (docs/kubernetes.md):
 *   kubernetes/base/                 shared services, no namespace, one file per service
 *   kubernetes/components/TENANT/    a tenant's instances (Kustomize Component), no namespace
 *   kubernetes/components/system/    the services of the system namespace, likewise
 *   kubernetes/overlays/ENV/         namespaces.yaml + one kustomization per namespace:
 *     shared/                        namespace: ENV's; base + patches, images, replicas
 *     tenants/TENANT/                namespace: the tenant's; its component + patches
 *     system/                        namespace: ENV's system one; its component + patches
 * Every namespace gets its own `namespace:` transformer, so shared services
 * and tenant instances each land in theirs.  Overlays hold only what differs
 * from the base: strategic-merge patches computed by diffing the rendered
 * environment against the rendered base, `images:` and `replicas:` entries,
 * objects only the environment has, and `$patch: delete` for the others. */

#define ROOT "kubernetes"

typedef struct kz {
	mf_ctx *c;
	mf_tb tb; /* everything built; tb.failed is reported once (kustomize_rc) */
	const mf_system *s;
	const mf_rendered *rd;
	mf_output *o;
	int rc;
} kz;

/* One namespace's worth of objects: the shared one, a tenant's or the system one. */
typedef struct scope {
	const char *tenant; /* NULL: shared services; MF_SYSTEM_PART: the system namespace */
	const char *dir;    /* output directory of the overlay part */
	const char *ns;
	bool system; /* system/ beside shared/, not under tenants/ */
} scope;

/* An images: entry, as Kustomize's image transformer applies it. */
typedef struct imgent {
	const char *name;     /* the base image's name (repository) */
	const char *new_name; /* NULL: same */
	const char *new_tag;
	const char *digest;
	bool bad; /* some container would not end as wanted: patch instead */
} imgent;

typedef struct imgset {
	imgent *v;
	size_t n, cap;
} imgset;

/* ---- small helpers ------------------------------------------------------------ */

static const char *lower(kz *k, const char *s)
{
	char *out = mf_tb_printf(&k->tb, "%s", s ? s : "");

	for (char *p = out; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return out;
}

/* A shallow copy of a map with `key` replaced by `val` (dropped when val
 * is NULL); children are shared, the emitter only reads them. */
static mf_node *with(kz *k, const mf_node *m, const char *key, mf_node *val)
{
	mf_node *c = mf_tb_map(&k->tb, m->pos);

	for (size_t i = 0; c && i < m->n; i++) {
		mf_node *v = strcmp(m->pairs[i].key, key) ? m->pairs[i].val : val;
		if (v && mf_map_add(k->tb.a, c, m->pairs[i].key, m->pairs[i].pos, v) < 0)
			k->tb.failed = true;
	}
	return c;
}

/* The object without metadata.namespace: bases and components are
 * namespace-free, each overlay part sets its namespace. */
static mf_object bare(kz *k, const mf_object *o)
{
	mf_object b = *o;
	mf_node *meta = mf_get(o->doc, "metadata");
	mf_node *doc = meta ? with(k, o->doc, "metadata", with(k, meta, "namespace", NULL)) : NULL;

	b.doc = doc ? doc : o->doc;
	b.ns = NULL;
	return b;
}

static bool is_namespace(const mf_object *o)
{
	return mf_streq(o->kind, "Namespace");
}

/* Base and environment objects are the same object when kind, name and
 * tenant agree.  They are found through an index sorted on that key (ties
 * in list order), so pairing them stays O(n log n). */
typedef struct byname {
	const mf_object **v;
	size_t n;
} byname;

static int cmp_key(const mf_object *x, const mf_object *y)
{
	int r = mf_strcmp_null(x->kind, y->kind);

	if (!r)
		r = mf_strcmp_null(x->name, y->name);
	return r ? r : mf_strcmp_null(x->tenant, y->tenant);
}

static int cmp_byname(const void *x, const void *y)
{
	return cmp_key(*(const mf_object *const *)x, *(const mf_object *const *)y);
}

/* The objects of lists[0..n) but namespaces, by key. */
static byname index_objects(kz *k, const mf_objects *lists, size_t n)
{
	size_t total = 0;
	byname b = {NULL, 0};

	for (size_t i = 0; i < n; i++)
		total += lists[i].n;
	if (!(b.v = mf_tb_alloc(&k->tb, (total + 1) * sizeof *b.v)))
		return b;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < lists[i].n; j++)
			if (!is_namespace(&lists[i].v[j]))
				b.v[b.n++] = &lists[i].v[j];
	mf_stable_sort(b.v, b.n, sizeof *b.v, cmp_byname);
	return b;
}

/* The first indexed object (in list order) that is the same as `like`. */
static const mf_object *find_object(const byname *b, const mf_object *like)
{
	size_t lo = 0, hi = b->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cmp_key(b->v[mid], like) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->n && !cmp_key(b->v[lo], like) ? b->v[lo] : NULL;
}

static const char *file_of(kz *k, const char *group)
{
	if (mf_streq(group, "kustomization"))
		return "kustomization-objects.yaml";
	return mf_tb_printf(&k->tb, "%s.yaml", group ? group : "objects");
}

/* ---- writing ------------------------------------------------------------------ */

/* Paths are made with the builder: NULL is a failure it recorded. */
static void write_doc(kz *k, const char *path, const mf_node *doc)
{
	mf_buf b;

	if (!path)
		return;
	mf_buf_init(&b);
	if (mf_yaml_write(&b, doc) < 0)
		b.oom = true;
	if (mf_output_add(k->c, k->o, path, &b) < 0) {
		mf_buf_release(&b);
		k->rc = -1;
	}
}

static void write_objects(kz *k, const char *path, const mf_object *const *objs, size_t n)
{
	if (path && mf_output_add_objects(k->c, k->o, path, objs, n) < 0)
		k->rc = -1;
}

static mf_node *kustomization(kz *k, bool component)
{
	mf_node *m = mf_tb_map(&k->tb, MF_NOPOS);

	if (!m)
		return NULL;
	mf_tb_put_str(&k->tb, m, "apiVersion",
		      component ? "kustomize.config.k8s.io/v1alpha1"
				: "kustomize.config.k8s.io/v1beta1",
		      MF_NOPOS);
	mf_tb_put_str(&k->tb, m, "kind", component ? "Component" : "Kustomization", MF_NOPOS);
	return m;
}

/* Objects (already sorted by group) written one file per group under dir;
 * each file is added to `resources`. */
static void write_groups(kz *k, const char *dir, const mf_object *const *objs, size_t n,
			 mf_node *resources)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;
		const char *file = file_of(k, objs[i]->group);
		while (j < n && mf_streq(objs[j]->group, objs[i]->group))
			j++;
		write_objects(k, mf_tb_printf(&k->tb, "%s/%s", dir, file), objs + i, j - i);
		mf_tb_push(&k->tb, resources, mf_tb_str(&k->tb, file, MF_NOPOS));
		i = j;
	}
}

/* ---- images: entries instead of patches where Kustomize's transformer fits ---- */

typedef struct imgref {
	const char *name, *tag, *digest;
} imgref;

static imgref parse_image(kz *k, const char *ref)
{
	mf_image im = mf_image_split(k->c, ref);

	return (imgref){im.repo, im.tag, im.digest};
}

/* What the transformer makes of `from`: a digest replaces tag and digest
 * (keeping newTag), a newTag alone replaces both too. */
static const char *apply_entry(kz *k, const imgent *e, const char *from)
{
	imgref f = parse_image(k, from);
	const char *name = e->new_name ? e->new_name : f.name;

	if (e->digest)
		return mf_tb_printf(&k->tb, "%s%s%s@%s", name, e->new_tag ? ":" : "",
				    e->new_tag ? e->new_tag : "", e->digest);
	if (e->new_tag)
		return mf_tb_printf(&k->tb, "%s:%s", name, e->new_tag);
	return mf_tb_printf(&k->tb, "%s%s", name, from + strlen(f.name));
}

static imgent *entry_for(imgset *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (mf_streq(set->v[i].name, name))
			return &set->v[i];
	return NULL;
}

/* The entry that turns `from` into `to`; bad when none can (a tag cannot be
 * taken away). */
static void add_entry(kz *k, imgset *set, const char *from, const char *to)
{
	imgref f = parse_image(k, from), t = parse_image(k, to);
	imgent *grown;

	if (entry_for(set, f.name) ||
	    !(grown = mf_tb_grow(&k->tb, set->v, set->n, &set->cap, sizeof *grown)))
		return;
	set->v = grown;
	/* a same tag is left out unless a digest comes or goes */
	set->v[set->n++] = (imgent){f.name, mf_streq(f.name, t.name) ? NULL : t.name,
				    mf_streq(f.tag, t.tag) && !f.digest && !t.digest ? NULL : t.tag,
				    t.digest, !t.tag && !t.digest && (f.tag || f.digest)};
}

static void check_entry(kz *k, imgset *set, const char *from, const char *to)
{
	imgent *e = entry_for(set, parse_image(k, from).name);

	if (e && !e->bad && !mf_streq(apply_entry(k, e, from), to))
		e->bad = true;
}

static const mf_node *pod_spec_of(const mf_node *doc)
{
	if (mf_streq(mf_get_str(doc, "kind"), "CronJob"))
		return mf_path(doc, "spec.jobTemplate.spec.template.spec");
	return mf_path(doc, "spec.template.spec");
}

static const mf_node *named(const mf_node *list, const char *name)
{
	for (size_t i = 0; list && list->kind == MF_SEQ && i < list->n; i++)
		if (mf_streq(mf_get_str(list->items[i], "name"), name))
			return list->items[i];
	return NULL;
}

/* One pairing of a scope: base and environment object (either may be
 * missing). */
typedef struct pairing {
	const mf_object *b, *e;
} pairing;

/* Every container of the environment is a use of its image: a changed one
 * proposes an entry (pass 0), and every use must come out right (pass 1),
 * including containers the base does not have, which the transformer
 * rewrites as well. */
static void scan_images(kz *k, imgset *set, const pairing *p, size_t n, int pass)
{
	static const char *const lists[] = {"containers", "initContainers"};

	for (size_t i = 0; i < n; i++) {
		const mf_node *es = p[i].e ? pod_spec_of(p[i].e->doc) : NULL;
		const mf_node *bs = p[i].b ? pod_spec_of(p[i].b->doc) : NULL;
		for (size_t l = 0; es && l < 2; l++) {
			const mf_node *cs = mf_get(es, lists[l]);
			for (size_t c = 0; cs && cs->kind == MF_SEQ && c < cs->n; c++) {
				const char *to = mf_get_str(cs->items[c], "image");
				const char *from =
					mf_get_str(named(mf_get(bs, lists[l]),
							 mf_get_str(cs->items[c], "name")),
						   "image");
				if (!to)
					continue;
				if (pass == 0 && from && strcmp(from, to))
					add_entry(k, set, from, to);
				else if (pass == 1)
					check_entry(k, set, from ? from : to, to);
			}
		}
	}
}

static bool image_handled(kz *k, const imgset *set, const mf_node *b, const mf_node *e)
{
	const char *from = mf_str(b), *to = mf_str(e);
	imgent *ent;

	if (!from || !to)
		return false;
	ent = entry_for((imgset *)set, parse_image(k, from).name);
	return ent && !ent->bad && mf_streq(apply_entry(k, ent, from), to);
}

static mf_node *images_field(kz *k, const imgset *set)
{
	mf_node *seq = mf_tb_seq(&k->tb, MF_NOPOS);

	for (size_t i = 0; seq && i < set->n; i++) {
		const imgent *e = &set->v[i];
		mf_node *m;
		if (e->bad || !(m = mf_tb_map(&k->tb, MF_NOPOS)))
			continue;
		mf_tb_put_str(&k->tb, m, "name", e->name, MF_NOPOS);
		if (e->new_name)
			mf_tb_put_str(&k->tb, m, "newName", e->new_name, MF_NOPOS);
		if (e->new_tag)
			mf_tb_put_str(&k->tb, m, "newTag", e->new_tag, MF_NOPOS);
		if (e->digest)
			mf_tb_put_str(&k->tb, m, "digest", e->digest, MF_NOPOS);
		mf_tb_push(&k->tb, seq, m);
	}
	return seq;
}

/* ---- the diff: strategic-merge patches holding only what differs -------------- */

typedef struct dctx {
	kz *k;
	const imgset *imgs;
	bool builtin;       /* a kind whose list merge keys Kustomize knows */
	bool skip_replicas; /* the replica count goes to `replicas:` */
} dctx;

/* Lists Kustomize merges by key (built-in kinds only): patches name the
 * items that change.  Lists merged by a composite key are replaced whole
 * ($patch: replace), every other list is replaced by the patch's. */
static const struct {
	const char *suffix, *key;
} keyed_lists[] = {
	{"spec.containers", "name"},
	{"spec.initContainers", "name"},
	{"containers.*.env", "name"},
	{"initContainers.*.env", "name"},
	{"containers.*.volumeMounts", "mountPath"},
	{"initContainers.*.volumeMounts", "mountPath"},
	{"spec.volumes", "name"},
	{"spec.imagePullSecrets", "name"},
	{"containers.*.ports", NULL},
	{"initContainers.*.ports", NULL},
	{"spec.topologySpreadConstraints", NULL},
	{"spec.ports", NULL},
};

enum { PLAIN, KEYED, REPLACED };

static bool ends_with(const char *path, const char *suffix)
{
	size_t n = strlen(path), m = strlen(suffix);

	return n >= m && !strcmp(path + n - m, suffix) && (n == m || path[n - m - 1] == '.');
}

static int list_kind(const dctx *d, const char *path, const char **key)
{
	for (size_t i = 0; d->builtin && i < MF_NELEM(keyed_lists); i++)
		if (ends_with(path, keyed_lists[i].suffix)) {
			*key = keyed_lists[i].key;
			return *key ? KEYED : REPLACED;
		}
	return PLAIN;
}

static const char *sub(dctx *d, const char *path, const char *key)
{
	const char *s = *path ? mf_tb_printf(&d->k->tb, "%s.%s", path, key) : key;

	return s ? s : ""; /* out of memory, recorded: the patch is never written */
}

static mf_node *diff(dctx *d, const mf_node *b, const mf_node *e, const char *path);

static bool skipped(const dctx *d, const char *path, const char *key, const mf_node *b,
		    const mf_node *e)
{
	if (d->skip_replicas && !strcmp(path, "spec") && !strcmp(key, "replicas"))
		return true;
	return !strcmp(key, "image") && b &&
	       (ends_with(path, "containers.*") || ends_with(path, "initContainers.*")) &&
	       image_handled(d->k, d->imgs, b, e);
}

static void add_pair(dctx *d, mf_node **out, const char *key, mf_node *v)
{
	if (!*out && !(*out = mf_tb_map(&d->k->tb, MF_NOPOS)))
		return;
	mf_tb_put(&d->k->tb, *out, key, v);
}

/* Maps merge key by key: what the environment changes or adds, and null
 * for what it drops. */
static mf_node *diff_map(dctx *d, const mf_node *b, const mf_node *e, const char *path)
{
	mf_node *out = NULL;

	for (size_t i = 0; i < e->n; i++) {
		const mf_pair *p = &e->pairs[i];
		const mf_node *bv = mf_get(b, p->key);
		mf_node *dv;
		if (skipped(d, path, p->key, bv, p->val))
			continue;
		dv = bv ? diff(d, bv, p->val, sub(d, path, p->key)) : p->val;
		if (dv)
			add_pair(d, &out, p->key, dv);
	}
	for (size_t i = 0; i < b->n; i++)
		if (!mf_get_pair(e, b->pairs[i].key) &&
		    !skipped(d, path, b->pairs[i].key, NULL, NULL))
			add_pair(d, &out, b->pairs[i].key, mf_tb_null(&d->k->tb, MF_NOPOS));
	return out;
}

static long index_of(const mf_node *list, const char *key, const char *val, size_t *count)
{
	long at = -1;

	*count = 0;
	for (size_t i = 0; i < list->n; i++)
		if (mf_streq(mf_get_str(list->items[i], key), val)) {
			if (at < 0)
				at = (long)i;
			(*count)++;
		}
	return at;
}

static mf_node *keyed_item(dctx *d, const char *key, const char *val, const mf_node *changes,
			   bool del)
{
	mf_node *m = mf_tb_map(&d->k->tb, MF_NOPOS);

	if (!m)
		return NULL;
	mf_tb_put_str(&d->k->tb, m, key, val, MF_NOPOS);
	for (size_t i = 0; changes && i < changes->n; i++)
		mf_tb_put(&d->k->tb, m, changes->pairs[i].key, changes->pairs[i].val);
	if (del)
		mf_tb_put_str(&d->k->tb, m, "$patch", "delete", MF_NOPOS);
	return m;
}

/* Where each environment item is in the base (-1: new); false when keys
 * are missing or repeated, which no merge can follow. */
static bool match_items(const mf_node *b, const mf_node *e, const char *key, long *bi)
{
	size_t ne, nb;

	for (size_t j = 0; j < b->n; j++)
		if (!mf_get_str(b->items[j], key))
			return false;
	for (size_t j = 0; j < e->n; j++) {
		const char *kv = mf_get_str(e->items[j], key);
		if (!kv)
			return false;
		index_of(e, key, kv, &ne);
		bi[j] = index_of(b, key, kv, &nb);
		if (ne > 1 || nb > 1)
			return false;
	}
	return true;
}

/* Kustomize puts a patch's items first, then the base's other items in base
 * order.  So the patch lists every item up to the last one that changed or
 * moved (unchanged ones by key alone), and the untouched tail stays in the
 * base: the result keeps the environment's order. */
static mf_node *diff_keyed(dctx *d, const mf_node *b, const mf_node *e, const char *key,
			   const char *path, bool *dup)
{
	long *bi = mf_tb_alloc(&d->k->tb, (e->n + 1) * sizeof *bi), last = -1;
	mf_node **dv = mf_tb_alloc(&d->k->tb, (e->n + 1) * sizeof *dv), *out;
	const char *ipath = sub(d, path, "*");
	size_t cut = e->n, count;

	if (!bi || !dv || !(out = mf_tb_seq(&d->k->tb, MF_NOPOS)))
		return NULL;
	if (!match_items(b, e, key, bi)) {
		*dup = true;
		return NULL;
	}
	for (size_t j = 0; j < e->n; j++)
		dv[j] = bi[j] < 0 ? e->items[j] : diff_map(d, b->items[bi[j]], e->items[j], ipath);
	while (cut > 0 && bi[cut - 1] >= 0 && !dv[cut - 1] && (last < 0 || bi[cut - 1] < last))
		last = bi[--cut];
	for (size_t j = 0; j < cut; j++)
		mf_tb_push(
			&d->k->tb, out,
			bi[j] < 0 ? e->items[j]
				  : keyed_item(d, key, mf_get_str(e->items[j], key), dv[j], false));
	for (size_t j = 0; j < b->n; j++) {
		const char *kv = mf_get_str(b->items[j], key);
		if (index_of(e, key, kv, &count) < 0)
			mf_tb_push(&d->k->tb, out, keyed_item(d, key, kv, NULL, true));
	}
	return out->n ? out : NULL;
}

static mf_node *replaced(dctx *d, const mf_node *e)
{
	mf_node *seq = mf_tb_seq(&d->k->tb, MF_NOPOS), *dir = mf_tb_map(&d->k->tb, MF_NOPOS);

	if (!seq || !dir)
		return NULL;
	mf_tb_put_str(&d->k->tb, dir, "$patch", "replace", MF_NOPOS);
	mf_tb_push(&d->k->tb, seq, dir);
	for (size_t i = 0; i < e->n; i++)
		mf_tb_push(&d->k->tb, seq, e->items[i]);
	return seq;
}

static mf_node *diff_seq(dctx *d, const mf_node *b, const mf_node *e, const char *path)
{
	const char *key = NULL;
	bool dup = false;
	mf_node *out;

	int how = list_kind(d, path, &key);

	if (how == KEYED) {
		out = diff_keyed(d, b, e, key, path, &dup);
		if (!dup)
			return out;
		how = REPLACED; /* repeated or missing keys cannot be merged */
	}
	if (mf_equal(b, e))
		return NULL;
	return how == REPLACED ? replaced(d, e) : (mf_node *)e;
}

static mf_node *diff(dctx *d, const mf_node *b, const mf_node *e, const char *path)
{
	if (b->kind == MF_MAP && e->kind == MF_MAP)
		return diff_map(d, b, e, path);
	if (b->kind == MF_SEQ && e->kind == MF_SEQ)
		return diff_seq(d, b, e, path);
	return mf_equal(b, e) ? NULL : (mf_node *)e;
}

/* ---- patches ------------------------------------------------------------------- */

static bool builtin_kind(const char *kind)
{
	static const char *const kinds[] = {"Deployment", "StatefulSet", "DaemonSet",
					    "Job",        "CronJob",     "Service"};

	return MF_IN_LIST(kind, kinds);
}

static mf_node *patch_head(kz *k, const mf_object *o)
{
	mf_node *doc = mf_tb_map(&k->tb, MF_NOPOS), *meta;

	if (!doc)
		return NULL;
	mf_tb_put_str(&k->tb, doc, "apiVersion", o->api_version, MF_NOPOS);
	mf_tb_put_str(&k->tb, doc, "kind", o->kind, MF_NOPOS);
	if ((meta = mf_tb_child(&k->tb, doc, "metadata", MF_NOPOS)))
		mf_tb_put_str(&k->tb, meta, "name", o->name, MF_NOPOS);
	return doc;
}

/* A changed replica count is a `replicas:` entry, not a patch. */
static bool replica_entry(kz *k, const pairing *p, mf_node *replicas)
{
	const mf_node *bs = mf_path(p->b->doc, "spec.replicas"),
		      *es = mf_path(p->e->doc, "spec.replicas");
	mf_node *m;

	if (!mf_streq(p->e->kind, "Deployment") && !mf_streq(p->e->kind, "StatefulSet"))
		return false;
	if (!es || es->kind != MF_INT || (bs && mf_equal(bs, es)))
		return false;
	if ((m = mf_tb_map(&k->tb, MF_NOPOS))) {
		mf_tb_put_str(&k->tb, m, "name", p->e->name, MF_NOPOS);
		mf_tb_put(&k->tb, m, "count", mf_tb_int(&k->tb, es->v.i, MF_NOPOS));
		mf_tb_push(&k->tb, replicas, m);
	}
	return true;
}

/* The strategic-merge patch turning the base object into the
 * environment's, or NULL when they are the same. */
static mf_node *patch_for(kz *k, const pairing *p, const imgset *imgs, mf_node *replicas)
{
	dctx d = {k, imgs, builtin_kind(p->e->kind), false};
	mf_node *dv, *doc, *meta;

	d.skip_replicas = replica_entry(k, p, replicas);
	if (!(dv = diff_map(&d, p->b->doc, p->e->doc, "")) || !(doc = patch_head(k, p->e)))
		return NULL;
	meta = mf_get(doc, "metadata");
	for (size_t i = 0; i < dv->n; i++) {
		const mf_pair *q = &dv->pairs[i];
		if (strcmp(q->key, "metadata"))
			mf_tb_put(&k->tb, doc, q->key, q->val);
		for (size_t j = 0;
		     !strcmp(q->key, "metadata") && q->val->kind == MF_MAP && j < q->val->n; j++)
			mf_tb_put(&k->tb, meta, q->val->pairs[j].key, q->val->pairs[j].val);
	}
	return doc;
}

static mf_node *delete_patch(kz *k, const mf_object *o)
{
	mf_node *doc = patch_head(k, o);

	if (doc)
		mf_tb_put_str(&k->tb, doc, "$patch", "delete", MF_NOPOS);
	return doc;
}

static void add_patch(kz *k, const char *dir, const mf_object *o, const mf_node *doc,
		      mf_node *patches)
{
	const char *file = mf_tb_printf(&k->tb, "patches/%s-%s.yaml", lower(k, o->kind), o->name);
	mf_node *m = mf_tb_map(&k->tb, MF_NOPOS);

	if (!doc || !m)
		return;
	write_doc(k, mf_tb_printf(&k->tb, "%s/%s", dir, file), doc);
	mf_tb_put_str(&k->tb, m, "path", file, MF_NOPOS);
	mf_tb_push(&k->tb, patches, m);
}

/* ---- the tree ------------------------------------------------------------------ */

typedef struct run {
	kz *k;
	mf_object *kb; /* bare base objects some Kustomize environment has */
	size_t nkb;
	byname kbi; /* kb by key */
} run;

static bool in_scope(const mf_object *o, const char *tenant)
{
	return !is_namespace(o) && mf_streq(o->tenant, tenant);
}

static bool has_component(const run *r, const char *tenant)
{
	for (size_t i = 0; tenant && i < r->nkb; i++)
		if (mf_streq(r->kb[i].tenant, tenant))
			return true;
	return false;
}

/* Pairs of base and environment objects of one scope, environment order
 * first, then what only the base has. */
static pairing *pair_up(run *r, const mf_object *eo, size_t neo, const char *tenant, size_t *n)
{
	pairing *p = mf_tb_alloc(&r->k->tb, (neo + r->nkb + 1) * sizeof *p);
	bool *paired = mf_tb_alloc(&r->k->tb, r->nkb + 1);
	size_t cnt = 0;

	if (!p || !paired)
		return NULL;
	for (size_t i = 0; i < neo; i++)
		if (in_scope(&eo[i], tenant)) {
			p[cnt] = (pairing){find_object(&r->kbi, &eo[i]), &eo[i]};
			if (p[cnt].b)
				paired[p[cnt].b - r->kb] = true;
			cnt++;
		}
	for (size_t j = 0; j < r->nkb; j++)
		if (in_scope(&r->kb[j], tenant) && !paired[j])
			p[cnt++] = (pairing){&r->kb[j], NULL};
	*n = cnt;
	return p;
}

/* Objects only the environment has, in one file per group. */
static void scope_resources(run *r, const char *dir, const pairing *p, size_t n, mf_node *resources)
{
	const mf_object **only = mf_tb_alloc(&r->k->tb, (n + 1) * sizeof *only);
	size_t cnt = 0;

	if (!only)
		return;
	for (size_t i = 0; i < n; i++)
		if (p[i].e && !p[i].b)
			only[cnt++] = p[i].e;
	write_groups(r->k, dir, only, cnt, resources);
}

static int cmp_item(const mf_node *x, const mf_node *y, const char *key)
{
	const char *a = mf_get_str(x, key), *b = mf_get_str(y, key);

	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_path(const void *x, const void *y)
{
	return cmp_item(*(mf_node *const *)x, *(mf_node *const *)y, "path");
}

static int cmp_name(const void *x, const void *y)
{
	return cmp_item(*(mf_node *const *)x, *(mf_node *const *)y, "name");
}

/* kustomization lists in name order, so a reader finds an entry at once */
static void sort_items(mf_node *seq, int (*cmp)(const void *, const void *))
{
	if (seq && seq->n > 1)
		mf_stable_sort(seq->items, seq->n, sizeof *seq->items, cmp);
}

static void scope_patches(run *r, const char *dir, const pairing *p, size_t n, const imgset *imgs,
			  mf_node *kust)
{
	kz *k = r->k;
	mf_node *patches = mf_tb_seq(&k->tb, MF_NOPOS), *replicas = mf_tb_seq(&k->tb, MF_NOPOS);

	for (size_t i = 0; patches && replicas && i < n; i++) {
		if (p[i].b && p[i].e)
			add_patch(k, dir, p[i].e, patch_for(k, &p[i], imgs, replicas), patches);
		else if (p[i].b)
			add_patch(k, dir, p[i].b, delete_patch(k, p[i].b), patches);
	}
	sort_items(patches, cmp_path);
	sort_items(replicas, cmp_name);
	if (patches && patches->n)
		mf_tb_put(&k->tb, kust, "patches", patches);
	if (imgs->n && (patches = images_field(k, imgs)) && patches->n) {
		sort_items(patches, cmp_name);
		mf_tb_put(&k->tb, kust, "images", patches);
	}
	if (replicas && replicas->n)
		mf_tb_put(&k->tb, kust, "replicas", replicas);
}

/* One namespace of an overlay: its kustomization sets the namespace, pulls
 * the base (shared) or the tenant's component, and adds what differs.
 * Returns false when the scope holds nothing at all. */
static bool overlay_scope(run *r, const mf_objects *eo, const scope *sc)
{
	kz *k = r->k;
	size_t n = 0;
	pairing *p = pair_up(r, eo->v, eo->n, sc->tenant, &n);
	imgset imgs = {NULL, 0, 0};
	mf_node *kust = kustomization(k, false), *res;
	bool comp = has_component(r, sc->tenant);

	if (!p || !kust || (sc->tenant && !comp && n == 0))
		return false;
	scan_images(k, &imgs, p, n, 0);
	scan_images(k, &imgs, p, n, 1);
	mf_tb_put_str(&k->tb, kust, "namespace", sc->ns, MF_NOPOS);
	if (!(res = mf_tb_child_seq(&k->tb, kust, "resources", MF_NOPOS)))
		return false;
	if (!sc->tenant)
		mf_tb_push(&k->tb, res, mf_tb_str(&k->tb, "../../../base", MF_NOPOS));
	scope_resources(r, sc->dir, p, n, res);
	if (!res->n)
		mf_map_del(kust, "resources");
	if (comp)
		mf_tb_push(
			&k->tb, mf_tb_child_seq(&k->tb, kust, "components", MF_NOPOS),
			mf_tb_str(&k->tb,
				  mf_tb_printf(&k->tb, "%s/components/%s",
					       sc->system ? "../../.." : "../../../..", sc->tenant),
				  MF_NOPOS));
	scope_patches(r, sc->dir, p, n, &imgs, kust);
	write_doc(k, mf_tb_printf(&k->tb, "%s/kustomization.yaml", sc->dir), kust);
	return true;
}

static void overlay(run *r, const mf_env *e, const mf_objects *eo)
{
	kz *k = r->k;
	const char *dir = mf_tb_printf(&k->tb, ROOT "/overlays/%s", e->name);
	const mf_object **nss = mf_tb_alloc(&k->tb, (eo->n + 1) * sizeof *nss);
	mf_node *kust = kustomization(k, false),
		*res = mf_tb_child_seq(&k->tb, kust, "resources", MF_NOPOS);
	size_t nns = 0;
	scope sc = {NULL, mf_tb_printf(&k->tb, "%s/shared", dir), e->ns, false};

	if (!dir || !nss || !res)
		return;
	for (size_t i = 0; i < eo->n; i++)
		if (is_namespace(&eo->v[i]))
			nss[nns++] = &eo->v[i];
	if (nns)
		write_objects(k, mf_tb_printf(&k->tb, "%s/namespaces.yaml", dir), nss, nns);
	if (nns)
		mf_tb_push(&k->tb, res, mf_tb_str(&k->tb, "namespaces.yaml", MF_NOPOS));
	if (overlay_scope(r, eo, &sc))
		mf_tb_push(&k->tb, res, mf_tb_str(&k->tb, "shared", MF_NOPOS));
	for (size_t t = 0; t < e->nspaces; t++) { /* the tenants', then the system one */
		const mf_tenant *tn = &e->tenants[t];
		const char *part =
			tn->system ? tn->name : mf_tb_printf(&k->tb, "tenants/%s", tn->name);
		scope ts = {tn->name, mf_tb_printf(&k->tb, "%s/%s", dir, part), tn->ns, tn->system};
		if (overlay_scope(r, eo, &ts))
			mf_tb_push(&k->tb, res, mf_tb_str(&k->tb, part, MF_NOPOS));
	}
	write_doc(k, mf_tb_printf(&k->tb, "%s/kustomization.yaml", dir), kust);
	if (mf_emit_secrets_md(k->c, k->rd, &e, 1, mf_tb_printf(&k->tb, "%s/SECRETS.md", dir),
			       k->o))
		k->rc = -1;
}

/* base/ (tenant NULL) or components/TENANT/ (components/system/) */
static void write_common(run *r, const char *dir, const char *tenant)
{
	kz *k = r->k;
	const mf_object **objs = mf_tb_alloc(&k->tb, (r->nkb + 1) * sizeof *objs);
	mf_node *kust = kustomization(k, tenant != NULL), *res;
	size_t n = 0;

	if (!objs || !kust || !(res = mf_tb_child_seq(&k->tb, kust, "resources", MF_NOPOS)))
		return;
	for (size_t i = 0; i < r->nkb; i++)
		if (mf_streq(r->kb[i].tenant, tenant))
			objs[n++] = &r->kb[i];
	write_groups(k, dir, objs, n, res);
	write_doc(k, mf_tb_printf(&k->tb, "%s/kustomization.yaml", dir), kust);
}

static mf_objects bare_all(kz *k, const mf_objects *in)
{
	mf_objects out = {mf_tb_alloc(&k->tb, (in->n + 1) * sizeof *out.v), 0, in->n + 1};

	if (!out.v)
		return out;
	for (size_t i = 0; i < in->n; i++)
		out.v[out.n++] = bare(k, &in->v[i]);
	return out;
}

/* The base holds what at least one Kustomize environment runs: a service
 * only development has is no part of it. */
static void collect_base(run *r, const mf_objects *base, const mf_objects *envs, size_t nenvs)
{
	kz *k = r->k;
	byname used = index_objects(k, envs, nenvs);
	mf_objects kb = {mf_tb_alloc(&k->tb, (base->n + 1) * sizeof *kb.v), 0, base->n + 1};

	r->kb = kb.v;
	r->nkb = 0;
	if (!r->kb || !used.v)
		return;
	for (size_t i = 0; i < base->n; i++)
		if (!is_namespace(&base->v[i]) && find_object(&used, &base->v[i]))
			r->kb[r->nkb++] = bare(k, &base->v[i]);
	kb.n = r->nkb;
	r->kbi = index_objects(k, &kb, 1);
}

static int take_objects(kz *k, const mf_env **envs, size_t n, const mf_objects **base,
			mf_objects *eo)
{
	*base = &k->rd->base.k8s;
	for (size_t i = 0; i < n; i++)
		eo[i] = bare_all(k, &mf_rendered_env(k->rd, envs[i])->k8s);
	return k->rc;
}

/* A failed allocation anywhere in the tree, reported once. */
static int kustomize_rc(kz *k)
{
	if (k->tb.failed)
		return mf_error(k->c, MF_NOPOS, "internal",
				"out of memory writing Kustomize output");
	return k->rc;
}

int mf_emit_kustomize(mf_ctx *c, const mf_rendered *rd, mf_output *o)
{
	const mf_system *s = rd->sys;
	kz k = {.c = c, .tb = {.a = c->a}, .s = s, .rd = rd, .o = o};
	run r = {.k = &k};
	const mf_env **envs = mf_alloc(c->a, (s->nenvs + 1) * sizeof *envs);
	const mf_objects *base;
	mf_objects *eo = mf_alloc(c->a, (s->nenvs + 1) * sizeof *eo);
	size_t n = 0;

	if (!envs || !eo)
		return mf_error(c, MF_NOPOS, "internal", "out of memory");
	for (size_t i = 0; i < s->nenvs; i++)
		if (s->envs[i].targets & MF_T_KUSTOMIZE)
			envs[n++] = &s->envs[i];
	if (n == 0)
		return 0;
	if (take_objects(&k, envs, n, &base, eo) < 0 || k.tb.failed)
		return kustomize_rc(&k);
	collect_base(&r, base, eo, n);
	write_common(&r, ROOT "/base", NULL);
	for (size_t t = 0; t < s->base.ntenants; t++)
		if (has_component(&r, s->base.tenants[t].name))
			write_common(
				&r,
				mf_tb_printf(&k.tb, ROOT "/components/%s", s->base.tenants[t].name),
				s->base.tenants[t].name);
	if (has_component(&r, MF_SYSTEM_PART))
		write_common(&r, ROOT "/components/" MF_SYSTEM_PART, MF_SYSTEM_PART);
	for (size_t i = 0; i < n; i++)
		overlay(&r, envs[i], &eo[i]);
	return kustomize_rc(&k);
}
