/* emit: the Helm chart, its values extracted from each helm environment's rendered objects */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "emit.h"
#include "embedded.h"

/* Layout (docs/helm.md):
 *   helm/SYSTEM/Chart.yaml, .helmignore, values.schema.json
 *   helm/SYSTEM/values.yaml          the environment-independent view (s->base)
 *   helm/SYSTEM/values-ENV.yaml      only what ENV changes (Helm merges it over values.yaml)
 *   helm/SYSTEM/templates/           _helpers.tpl and one template per kind in use
 *   helm/SYSTEM/values.d/            a chart too large for one values file: the
 *                                    service instances' values (write_split)
 * The values are not a second rendering of the description: they are taken
 * apart from the very objects mf_render_k8s() gives for each environment
 * (the ones the Kustomize overlays build to), and the templates (the files
 * under templates/helm/templates/) put those pieces back together.  So a chart
 * rendered with values-ENV.yaml yields the objects of the ENV overlay, object
 * for object. */

#define ROOT "helm"
/* Helm loads no chart holding a file larger than this (its chart loader's
 * MaxDecompressedFileSize): values.yaml crosses it at about 2,400 services, and
 * then the values are split into values.d/ (write_all_values). */
#define HELM_MAX_FILE ((size_t)5 << 20)

typedef struct keytab keytab;
typedef struct hm hm;

/* Top-level values keys that are not service instances (the templates'
 * @RESERVED@), and what values.schema.json and README.md say of each: a
 * definition of values.schema.definitions.json, or a section keyed by the
 * entries of a keytab of the chart, each by that definition. */
typedef struct topkey {
	const char *key;
	const char *def;                      /* NULL: an array of objects */
	const keytab *(*section)(const hm *); /* NULL: the key is the definition itself */
	const char *what;
} topkey;

static const keytab *tenants_of(const hm *h);
static const keytab *configs_of(const hm *h);
static const keytab *ings_of(const hm *h);
static const keytab *secrets_of(const hm *h);
static const keytab *rules_of(const hm *h);

static const topkey reserved[] = {
	{"global", "global", NULL, "shared with subcharts: namespace, name prefix, labels"},
	{"namespace", "namespace", NULL, "the shared namespace's own objects"},
	{"tenants", "tenant", tenants_of, "the tenants, by key: their namespaces"},
	{"configMaps", "configMap", configs_of, "the ConfigMaps, by key"},
	{"ingresses", "ingress", ings_of, "the Ingresses, by key (one per host and namespace)"},
	{"secrets", "secretObject", secrets_of,
	 "ExternalSecrets or SealedSecret placeholders, by key (the profile's secrets:)"},
	{"prometheusRules", "prometheusRule", rules_of,
	 "PrometheusRules (monitoring.alerts), by key: one per namespace with alerts"},
	{"tests", "tests", NULL, "helm test: the readiness of each service"},
	{"extraObjects", NULL, NULL, "objects of kinds the chart has no template for, whole"},
};
#define NRESERVED MF_NELEM(reserved)

/* One name given a values key: lowerCamelCase, or a fallback on clashes. */
typedef struct keyent {
	const char *id;   /* what is named: "service/tenant", a tenant, a config... */
	const char *pref; /* the lowerCamelCase key it would like */
	const char *alt;  /* the name its fallback key is made of */
	const char *key;
} keyent;

struct keytab {
	keyent *v;
	size_t n, cap;
	mf_hash ids;  /* id -> id, while names are collected */
	mf_hash byid; /* id -> its keyent, once key_finish sorted them */
};

struct hm {
	mf_ctx *c;
	mf_arena *a; /* c->a, for write_templates: the rest builds through tb */
	mf_tb tb;    /* tb.failed is reported once (chart_rc) */
	const mf_system *s;
	const mf_rendered *rd;
	mf_output *o;
	int rc;
	const char *chart;
	const char *version_label; /* what _helpers.tpl makes of .Chart.AppVersion */
	keytab inst, tenants, configs, ings, secrets, rules;
	mf_node *kinds; /* {Kind: true} for every kind some values file renders */
	mf_pos at;      /* what a file too large for Helm is reported at */
	bool split;     /* service instances' values in values.d/ (write_all_values) */
};

static const keytab *tenants_of(const hm *h)
{
	return &h->tenants;
}

static const keytab *configs_of(const hm *h)
{
	return &h->configs;
}

static const keytab *ings_of(const hm *h)
{
	return &h->ings;
}

static const keytab *secrets_of(const hm *h)
{
	return &h->secrets;
}

static const keytab *rules_of(const hm *h)
{
	return &h->rules;
}

/* The objects that make a Secret (render_secrets.c): values' `secrets`. */
static bool secret_object(const mf_object *o)
{
	return mf_streq(o->kind, "ExternalSecret") || mf_streq(o->kind, "SealedSecret");
}

/* The objects of one instance, in rendering order. */
typedef struct objslice {
	const mf_object **v;
	size_t n;
} objslice;

/* One environment (or the base view) and the values taken from it. */
typedef struct view {
	const mf_env *e;
	const mf_objects *objs; /* shared: read-only */
	mf_hash of_inst;        /* instance (the pointer's bytes) -> its objslice */
	mf_node *global;        /* {namespace, labels, annotations} */
	mf_node *v;
} view;

/* ---- small helpers -------------------------------------------------------------- */

/* Nodes of rendered objects are linked into the values, never changed or
 * copied: the values only read them. */

/* A shallow copy of a map without `key`; NULL when nothing is left. */
static mf_node *without(hm *h, const mf_node *m, const char *key)
{
	mf_node *out = NULL;

	for (size_t i = 0; m && m->kind == MF_MAP && i < m->n; i++)
		if (strcmp(m->pairs[i].key, key) && (out || (out = mf_tb_map(&h->tb, MF_NOPOS))))
			mf_tb_put(&h->tb, out, m->pairs[i].key, m->pairs[i].val);
	return out;
}

/* lo's pairs, then hi's over them */
static mf_node *overlay(hm *h, const mf_node *lo, const mf_node *hi)
{
	mf_node *out = mf_tb_map(&h->tb, MF_NOPOS);

	for (size_t i = 0; lo && i < lo->n; i++)
		mf_tb_put(&h->tb, out, lo->pairs[i].key, lo->pairs[i].val);
	for (size_t i = 0; hi && i < hi->n; i++)
		mf_tb_put(&h->tb, out, hi->pairs[i].key, hi->pairs[i].val);
	return out;
}

/* The pairs of `have` that `dflt` lacks or gives another value: what a
 * template, which starts from dflt, must be told.  NULL when none. */
static mf_node *extra(hm *h, const mf_node *have, const mf_node *dflt)
{
	mf_node *out = NULL;

	for (size_t i = 0; have && have->kind == MF_MAP && i < have->n; i++) {
		const mf_node *d = mf_get(dflt, have->pairs[i].key);
		if ((!d || !mf_equal(d, have->pairs[i].val)) &&
		    (out || (out = mf_tb_map(&h->tb, MF_NOPOS))))
			mf_tb_put(&h->tb, out, have->pairs[i].key, have->pairs[i].val);
	}
	return out;
}

/* ---- values keys ---------------------------------------------------------------- */

/* "coder-arm" -> "coderArm", "api.example.com" -> "apiExampleCom" */
static const char *camel(hm *h, const char *name)
{
	char *out = mf_tb_alloc(&h->tb, strlen(name) + 1), *p = out;
	bool up = false;

	if (!out)
		return "";
	for (const char *q = name; *q; q++) {
		if (*q == '-' || *q == '.' || *q == '/') {
			up = p != out;
			continue;
		}
		*p++ = up && *q >= 'a' && *q <= 'z' ? (char)(*q - 'a' + 'A') : *q;
		up = false;
	}
	*p = '\0';
	return out;
}

static bool is_reserved(const char *key)
{
	for (size_t i = 0; i < NRESERVED; i++)
		if (mf_streq(reserved[i].key, key))
			return true;
	return false;
}

static void key_add(hm *h, keytab *t, const char *id, const char *name, const char *alt)
{
	keyent *grown;

	if (!id || mf_hash_get_str(&t->ids, id))
		return;
	if (!(id = mf_tb_printf(&h->tb, "%s", id)) ||
	    !mf_tb_hash_put(&h->tb, &t->ids, id, (void *)id) ||
	    !(grown = mf_tb_grow(&h->tb, t->v, t->n, &t->cap, sizeof *grown)))
		return; /* out of memory, recorded */
	t->v = grown;
	t->v[t->n++] = (keyent){id, camel(h, name), alt, NULL};
}

static int cmp_keyent(const void *x, const void *y)
{
	return strcmp(((const keyent *)x)->id, ((const keyent *)y)->id);
}

/* A key given already (taken: key -> key) or reserved. */
static bool key_taken(const mf_hash *taken, const char *key, bool top)
{
	return mf_hash_get_str(taken, key) || (top && is_reserved(key));
}

/* The fallback: the name with '_' for what is not a letter or digit, and
 * a '_' after a reserved word ("global_"). */
static const char *fallback(hm *h, const char *name, bool top)
{
	char *f = mf_tb_printf(&h->tb, "%s", name);

	for (char *p = f; p && *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			*p = '_';
	return top && is_reserved(f) ? mf_tb_printf(&h->tb, "%s_", f) : f;
}

/* Two names with one lowerCamelCase form (a-1 and a1), or a service named
 * like a reserved key, fall back (a_1, a1, global_): only the one name
 * without separators keeps a '_'-free key, so fallbacks do not clash; a
 * counter settles anything left.  Entries are sorted by id first, so keys
 * never depend on the order names were met in. */
static void key_finish(hm *h, keytab *t, bool top)
{
	mf_hash wanted = {0}, taken = {0}; /* pref -> how many want it; key -> key */
	size_t *count = mf_tb_alloc(&h->tb, (t->n + 1) * sizeof *count), *c;

	if (t->n > 1)
		mf_stable_sort(t->v, t->n, sizeof *t->v, cmp_keyent);
	for (size_t i = 0; count && i < t->n; i++)
		if ((c = mf_tb_hash_put(&h->tb, &wanted, t->v[i].pref, &count[i])))
			(*c)++;
	for (size_t i = 0; i < t->n; i++) {
		keyent *e = &t->v[i];
		c = mf_hash_get_str(&wanted, e->pref);
		e->key = e->pref;
		if ((c && *c > 1) || (top && is_reserved(e->pref)))
			e->key = fallback(h, e->alt, top);
		for (int n = 2; key_taken(&taken, e->key, top); n++)
			e->key = mf_tb_printf(&h->tb, "%s_%d", fallback(h, e->alt, top), n);
		mf_tb_hash_put(&h->tb, &taken, e->key, (void *)e->key);
		mf_tb_hash_put(&h->tb, &t->byid, e->id, e);
	}
}

static const char *key_of(const keytab *t, const char *id)
{
	const keyent *e = mf_hash_get_str(&t->byid, id);

	return e ? e->key : NULL;
}

static const char *inst_id(hm *h, const mf_instance *in)
{
	return mf_tb_printf(&h->tb, "%s/%s", in->service, in->tenant ? in->tenant->name : "");
}

static const char *ing_id(hm *h, const mf_object *o)
{
	return mf_tb_printf(&h->tb, "%s/%s", o->tenant ? o->tenant : "", o->name);
}

/* An instance's values key: its Kubernetes name where `names` gives one (the
 * name a runbook says), else service or service-tenant. */
static const char *values_name(const mf_instance *in)
{
	return mf_path(in->spec, "names.kubernetes") ? in->name : in->id;
}

/* Every name of the base view and the helm environments, before any value. */
static void collect_keys(hm *h, const view *w)
{
	for (size_t i = 0; i < w->e->ninst; i++)
		key_add(h, &h->inst, inst_id(h, &w->e->inst[i]), values_name(&w->e->inst[i]),
			values_name(&w->e->inst[i]));
	for (size_t i = 0; i < w->e->nspaces; i++) /* the tenants', then the system namespace */
		key_add(h, &h->tenants, w->e->tenants[i].name, w->e->tenants[i].name,
			w->e->tenants[i].name);
	for (size_t i = 0; i < w->objs->n; i++) {
		const mf_object *o = &w->objs->v[i];
		if (!o->inst && mf_streq(o->kind, "ConfigMap"))
			key_add(h, &h->configs, o->name, o->name, o->name);
		else if (!o->inst && mf_streq(o->kind, "Ingress"))
			key_add(h, &h->ings, ing_id(h, o), o->name,
				o->tenant ? mf_tb_printf(&h->tb, "%s-%s", o->tenant, o->name)
					  : o->name);
		else if (!o->inst && secret_object(o))
			key_add(h, &h->secrets, ing_id(h, o),
				o->tenant ? mf_tb_printf(&h->tb, "%s-%s", o->tenant, o->name)
					  : o->name,
				o->tenant ? mf_tb_printf(&h->tb, "%s-%s", o->tenant, o->name)
					  : o->name);
		else if (!o->inst && mf_streq(o->kind, "PrometheusRule"))
			key_add(h, &h->rules, ing_id(h, o), mf_or(o->tenant, "shared"),
				mf_or(o->tenant, "shared"));
		if (secret_object(o))
			mf_tb_put_bool(&h->tb, h->kinds, "secrets", true, MF_NOPOS);
		mf_tb_put_bool(&h->tb, h->kinds, o->kind, true, MF_NOPOS);
	}
}

/* ---- labels the templates give by themselves ------------------------------------ */

static mf_node *base_labels(hm *h)
{
	mf_node *m = mf_tb_map(&h->tb, MF_NOPOS);

	mf_tb_put_str(&h->tb, m, "app.kubernetes.io/part-of", h->chart, MF_NOPOS);
	mf_tb_put_str(&h->tb, m, "app.kubernetes.io/managed-by", "manifold", MF_NOPOS);
	return m;
}

/* "@CHART@.commonLabels" without extras */
static mf_node *common_labels(hm *h, const view *w)
{
	return overlay(h, base_labels(h), mf_get(w->global, "labels"));
}

/* ---- a service instance --------------------------------------------------------- */

typedef struct ix {
	hm *h;
	const view *w;
	const mf_instance *in;
	mf_node *m; /* the instance's values */
} ix;

/* "@CHART@.labels" without the instance's own labels */
static mf_node *instance_labels(ix *x)
{
	hm *h = x->h;
	mf_node *own = mf_tb_map(&h->tb, MF_NOPOS);
	const char *inst = mf_get_str(x->m, "instance");

	mf_tb_put_str(&h->tb, own, "app.kubernetes.io/name", x->in->service, MF_NOPOS);
	mf_tb_put_str(&h->tb, own, "app.kubernetes.io/instance", inst ? inst : x->in->name,
		      MF_NOPOS);
	mf_tb_put_str(&h->tb, own, "app.kubernetes.io/version", h->version_label, MF_NOPOS);
	return overlay(h, common_labels(h, x->w), own);
}

/* The objects of instance `in` (one not rendered here has none). */
static objslice *slice_of(const view *w, const mf_instance *const *in)
{
	return mf_hash_get(&w->of_inst, in, sizeof *in);
}

static objslice objects_of(const view *w, const mf_instance *in)
{
	const objslice *sl = slice_of(w, &in);

	return sl ? *sl : (objslice){NULL, 0};
}

/* Every instance's objects, so that taking one instance's values does not
 * scan the objects of all: counted, then placed, in rendering order.  The
 * keys are the objects' own inst fields, which live as long as the view. */
static void index_objects(hm *h, view *w)
{
	size_t n = w->objs->n, nsl = 0, at = 0;
	objslice *sl = mf_tb_alloc(&h->tb, (n + 1) * sizeof *sl), *x;
	const mf_object **all = mf_tb_alloc(&h->tb, (n + 1) * sizeof *all);

	for (size_t i = 0; sl && all && i < n; i++) {
		const mf_object *o = &w->objs->v[i];
		if (!o->inst)
			continue;
		if (!(x = mf_hash_put(h->a, &w->of_inst, &o->inst, sizeof o->inst, &sl[nsl]))) {
			h->tb.failed = true; /* and no instance has objects */
			w->of_inst = (mf_hash){0};
			return;
		}
		nsl += x == &sl[nsl];
		x->n++;
	}
	for (size_t k = 0; k < nsl; at += sl[k].n, sl[k++].n = 0)
		sl[k].v = all + at;
	for (size_t i = 0; sl && all && i < n; i++)
		if ((x = slice_of(w, &w->objs->v[i].inst)))
			x->v[x->n++] = &w->objs->v[i];
}

static const mf_node *workload_of(const view *w, const mf_instance *in)
{
	static const char *const kinds[] = {"Deployment", "StatefulSet", "DaemonSet", "Job",
					    "CronJob"};
	objslice sl = objects_of(w, in);

	for (size_t i = 0; i < sl.n; i++)
		for (size_t k = 0; k < MF_NELEM(kinds); k++)
			if (mf_streq(sl.v[i]->kind, kinds[k]))
				return sl.v[i]->doc;
	return NULL;
}

/* image: {repository, tag?, digest?} */
static void take_image(hm *h, mf_node *m, const char *ref)
{
	mf_image im = mf_image_split(h->c, ref);

	mf_tb_put_str(&h->tb, m, "repository", im.repo, MF_NOPOS);
	mf_tb_put_str(&h->tb, m, "tag", im.tag, MF_NOPOS);
	mf_tb_put_str(&h->tb, m, "digest", im.digest, MF_NOPOS);
}

/* Container and pod fields the templates write under the same name or
 * another one; anything else goes to extraContainer / extraPodSpec. */
typedef struct keymap {
	const char *k8s, *values;
} keymap;

static const keymap container_keys[] = {
	{"command", "command"},
	{"args", "args"},
	{"workingDir", "workingDir"},
	{"ports", "ports"},
	{"env", "env"},
	{"envFrom", "envFrom"},
	{"resources", "resources"},
	{"livenessProbe", "livenessProbe"},
	{"readinessProbe", "readinessProbe"},
	{"startupProbe", "startupProbe"},
	{"securityContext", "securityContext"},
	{"volumeMounts", "volumeMounts"},
	{"tty", "tty"},
	{"stdin", "stdin"},
};

static const keymap pod_keys[] = {
	{"hostNetwork", "hostNetwork"},
	{"hostPID", "hostPID"},
	{"hostIPC", "hostIPC"},
	{"dnsPolicy", "dnsPolicy"},
	{"hostname", "hostname"},
	{"shareProcessNamespace", "shareProcessNamespace"},
	{"hostAliases", "hostAliases"},
	{"securityContext", "podSecurityContext"},
	{"terminationGracePeriodSeconds", "terminationGracePeriodSeconds"},
	{"restartPolicy", "restartPolicy"},
	{"nodeSelector", "nodeSelector"},
	{"tolerations", "tolerations"},
	{"affinity", "affinity"},
	{"topologySpreadConstraints", "topologySpreadConstraints"},
	{"volumes", "volumes"},
};

static const char *renamed(const keymap *t, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].k8s, key))
			return t[i].values;
	return NULL;
}

static void take_container(ix *x, const mf_node *ct)
{
	hm *h = x->h;
	mf_node *more = NULL;

	for (size_t i = 0; ct && ct->kind == MF_MAP && i < ct->n; i++) {
		const mf_pair *p = &ct->pairs[i];
		const char *to = renamed(container_keys, MF_NELEM(container_keys), p->key);
		if (!strcmp(p->key, "name") && mf_streq(mf_str(p->val), x->in->name))
			continue;
		if (!strcmp(p->key, "image") && mf_str(p->val))
			take_image(h, mf_tb_child(&h->tb, x->m, "image", MF_NOPOS), mf_str(p->val));
		else if (!strcmp(p->key, "imagePullPolicy"))
			mf_tb_put(&h->tb, mf_tb_child(&h->tb, x->m, "image", MF_NOPOS),
				  "pullPolicy", p->val);
		else if (to)
			mf_tb_put(&h->tb, x->m, to, p->val);
		else if (more || (more = mf_tb_map(&h->tb, MF_NOPOS)))
			mf_tb_put(&h->tb, more, p->key, p->val);
	}
	mf_tb_put(&h->tb, x->m, "extraContainer", more);
}

static void take_pod_field(ix *x, const mf_pair *p, mf_node **more)
{
	hm *h = x->h;
	mf_node *sa = mf_tb_child(&h->tb, x->m, "serviceAccount", MF_NOPOS);
	const char *to = renamed(pod_keys, MF_NELEM(pod_keys), p->key);

	if (!strcmp(p->key, "serviceAccountName")) {
		if (!mf_streq(mf_str(p->val), x->in->name))
			mf_tb_put(&h->tb, sa, "name", p->val);
	} else if (!strcmp(p->key, "automountServiceAccountToken")) {
		mf_tb_put(&h->tb, sa, "automountToken", p->val);
	} else if (!strcmp(p->key, "containers")) {
		if (p->val->kind != MF_SEQ || p->val->n != 1)
			h->rc = mf_error(h->c, x->in->pos, "internal",
					 "the Helm chart writes one container per pod, not %zu",
					 p->val->n);
		else
			take_container(x, p->val->items[0]);
	} else if (to) {
		mf_tb_put(&h->tb, x->m, to, p->val);
	} else if (*more || (*more = mf_tb_map(&h->tb, MF_NOPOS))) {
		mf_tb_put(&h->tb, *more, p->key, p->val);
	}
}

static void shared_waits(ix *x, mf_node *more); /* at the end */

/* spec.template of a workload */
static void take_pod(ix *x, const mf_node *tmpl)
{
	const mf_node *spec = mf_get(tmpl, "spec");
	mf_node *more = NULL;

	mf_tb_put(&x->h->tb, x->m, "podAnnotations", mf_path(tmpl, "metadata.annotations"));
	for (size_t i = 0; spec && spec->kind == MF_MAP && i < spec->n; i++)
		take_pod_field(x, &spec->pairs[i], &more);
	shared_waits(x, more);
	mf_tb_put(&x->h->tb, x->m, "extraPodSpec", more);
}

/* a claim's spec as a persistence entry {name, accessModes, storageClassName, size} */
static mf_node *claim(hm *h, const char *name, const mf_node *spec)
{
	mf_node *m = mf_tb_map(&h->tb, MF_NOPOS);

	mf_tb_put_str(&h->tb, m, "name", name, MF_NOPOS);
	mf_tb_put(&h->tb, m, "accessModes", mf_get(spec, "accessModes"));
	mf_tb_put(&h->tb, m, "storageClassName", mf_get(spec, "storageClassName"));
	mf_tb_put(&h->tb, m, "size", mf_path(spec, "resources.requests.storage"));
	return m;
}

/* storage.*.backup: false, which the claim says with Velero's label */
static mf_node *exclusion(hm *h, mf_node *entry, const mf_node *meta)
{
	if (mf_streq(mf_str(mf_get(mf_get(meta, "labels"), "velero.io/exclude-from-backup")),
		     "true"))
		mf_tb_put_bool(&h->tb, entry, "excludeFromBackup", true, MF_NOPOS);
	return entry;
}

static void take_claim_templates(ix *x, const mf_node *list)
{
	mf_node *seq = mf_tb_child_seq(&x->h->tb, x->m, "persistence", MF_NOPOS);

	for (size_t i = 0; list && list->kind == MF_SEQ && i < list->n; i++)
		mf_tb_push(&x->h->tb, seq,
			   exclusion(x->h,
				     claim(x->h, mf_str(mf_path(list->items[i], "metadata.name")),
					   mf_get(list->items[i], "spec")),
				     mf_get(list->items[i], "metadata")));
}

static void take_workload(ix *x, const mf_object *o)
{
	hm *h = x->h;
	const mf_node *spec = mf_get(o->doc, "spec"), *tmpl = mf_get(spec, "template");
	const mf_node *ann = mf_path(o->doc, "metadata.annotations");

	mf_tb_put(&h->tb, x->m, "annotations", extra(h, ann, mf_get(x->w->global, "annotations")));
	mf_tb_put(&h->tb, x->m, "replicaCount", mf_get(spec, "replicas"));
	if (mf_streq(o->kind, "Deployment")) {
		mf_tb_put(&h->tb, x->m, "strategy", mf_get(spec, "strategy"));
	} else if (mf_streq(o->kind, "StatefulSet") || mf_streq(o->kind, "DaemonSet")) {
		mf_tb_put(&h->tb, x->m, "updateStrategy", mf_get(spec, "updateStrategy"));
		if (mf_get(spec, "volumeClaimTemplates"))
			take_claim_templates(x, mf_get(spec, "volumeClaimTemplates"));
	} else if (mf_streq(o->kind, "Job")) {
		mf_tb_put(&h->tb, x->m, "job", without(h, spec, "template"));
	} else {
		const mf_node *js = mf_path(spec, "jobTemplate.spec");
		mf_tb_put(&h->tb, x->m, "cronJob", without(h, spec, "jobTemplate"));
		mf_tb_put(&h->tb, x->m, "job", without(h, js, "template"));
		tmpl = mf_get(js, "template");
	}
	take_pod(x, tmpl);
}

static void take_account(ix *x, const mf_object *o)
{
	mf_node *sa = mf_tb_child(&x->h->tb, x->m, "serviceAccount", MF_NOPOS);

	mf_tb_put_bool(&x->h->tb, sa, "create", true, MF_NOPOS);
	if (!mf_streq(o->name, x->in->name))
		mf_tb_put_str(&x->h->tb, sa, "name", o->name, MF_NOPOS);
	mf_tb_put(&x->h->tb, sa, "automountToken", mf_get(o->doc, "automountServiceAccountToken"));
}

/* storage of workloads other than StatefulSets: claims named NAME-VOLUME;
 * any other claim (a declared volume's, a storage's own name) keeps its
 * name as claimName, for a StatefulSet too (it is no claim template) */
static void take_claim(ix *x, const mf_object *o)
{
	size_t n = strlen(x->in->name);
	bool derived = !strncmp(o->name, x->in->name, n) && o->name[n] == '-' &&
		       x->in->kind != MF_W_STATEFUL;
	mf_node *m = claim(x->h, derived ? o->name + n + 1 : o->name, mf_get(o->doc, "spec"));

	if (!derived)
		mf_tb_put_str(&x->h->tb, m, "claimName", o->name, MF_NOPOS);
	exclusion(x->h, m, mf_get(o->doc, "metadata"));
	mf_tb_push(&x->h->tb, mf_tb_child_seq(&x->h->tb, x->m, "persistence", MF_NOPOS), m);
}

/* the service's Service, or the governing NAME-headless one of a StatefulSet */
static void take_service(ix *x, const mf_object *o)
{
	hm *h = x->h;
	mf_node *svc = mf_tb_child(&h->tb, x->m, "service", MF_NOPOS);
	const mf_node *spec = mf_get(o->doc, "spec");

	if (!mf_streq(o->name, x->in->name)) {
		mf_tb_put_bool(&h->tb, svc, "headlessService", true, MF_NOPOS);
		return;
	}
	mf_tb_put_bool(&h->tb, svc, "enabled", true, MF_NOPOS);
	mf_tb_put(&h->tb, svc, "type", mf_get(spec, "type"));
	mf_tb_put(&h->tb, svc, "clusterIP", mf_get(spec, "clusterIP"));
	mf_tb_put(&h->tb, svc, "ports", mf_get(spec, "ports"));
}

static void take_hpa(ix *x, const mf_object *o)
{
	hm *h = x->h;
	mf_node *as = mf_tb_child(&h->tb, x->m, "autoscaling", MF_NOPOS);
	const mf_node *spec = mf_get(o->doc, "spec"), *metrics = mf_get(spec, "metrics");

	mf_tb_put_bool(&h->tb, as, "enabled", true, MF_NOPOS);
	mf_tb_put(&h->tb, as, "minReplicas", mf_get(spec, "minReplicas"));
	mf_tb_put(&h->tb, as, "maxReplicas", mf_get(spec, "maxReplicas"));
	for (size_t i = 0; metrics && metrics->kind == MF_SEQ && i < metrics->n; i++) {
		const char *res = mf_str(mf_path(metrics->items[i], "resource.name"));
		mf_tb_put(&h->tb, as,
			  mf_streq(res, "memory") ? "targetMemoryUtilizationPercentage"
						  : "targetCPUUtilizationPercentage",
			  mf_path(metrics->items[i], "resource.target.averageUtilization"));
	}
	mf_tb_put(&h->tb, as, "behavior", mf_get(spec, "behavior"));
	if (!mf_get(x->m, "replicaCount"))
		mf_tb_put(&h->tb, x->m, "replicaCount", mf_get(spec, "minReplicas"));
}

static void take_pdb(ix *x, const mf_object *o)
{
	mf_node *pdb = mf_tb_child(&x->h->tb, x->m, "podDisruptionBudget", MF_NOPOS);

	mf_tb_put_bool(&x->h->tb, pdb, "enabled", true, MF_NOPOS);
	mf_tb_put(&x->h->tb, pdb, "minAvailable", mf_path(o->doc, "spec.minAvailable"));
	mf_tb_put(&x->h->tb, pdb, "maxUnavailable", mf_path(o->doc, "spec.maxUnavailable"));
}

static void take_monitor(ix *x, const mf_object *o)
{
	mf_node *sm = mf_tb_child(&x->h->tb, x->m, "serviceMonitor", MF_NOPOS);

	mf_tb_put_bool(&x->h->tb, sm, "enabled", true, MF_NOPOS);
	mf_tb_put(&x->h->tb, sm, "endpoints", mf_path(o->doc, "spec.endpoints"));
}

static void take_policy(ix *x, const mf_object *o)
{
	mf_node *np = mf_tb_child(&x->h->tb, x->m, "networkPolicy", MF_NOPOS);

	mf_tb_put_bool(&x->h->tb, np, "enabled", true, MF_NOPOS);
	if (!mf_streq(o->name, x->in->name)) /* NAME-ENV in a shared system namespace */
		mf_tb_put_str(&x->h->tb, np, "name", o->name, MF_NOPOS);
	mf_tb_put(&x->h->tb, np, "policyTypes", mf_path(o->doc, "spec.policyTypes"));
	mf_tb_put(&x->h->tb, np, "ingress", mf_path(o->doc, "spec.ingress"));
	mf_tb_put(&x->h->tb, np, "egress", mf_path(o->doc, "spec.egress"));
}

static void take_route(ix *x, const mf_object *o)
{
	hm *h = x->h;
	const mf_node *spec = mf_get(o->doc, "spec");
	mf_node *m = mf_tb_map(&h->tb, MF_NOPOS);

	if (!mf_streq(o->name, x->in->name))
		mf_tb_put_str(&h->tb, m, "name", o->name, MF_NOPOS);
	mf_tb_put(&h->tb, m, "host", mf_get(spec, "host"));
	mf_tb_put(&h->tb, m, "path", mf_get(spec, "path"));
	mf_tb_put(&h->tb, m, "port", mf_path(spec, "port.targetPort"));
	mf_tb_put(&h->tb, m, "tls", mf_get(spec, "tls"));
	mf_tb_push(&h->tb, mf_tb_child_seq(&h->tb, x->m, "routes", MF_NOPOS), m);
}

static void take_httproute(ix *x, const mf_object *o);

static const struct {
	const char *kind;
	void (*take)(ix *, const mf_object *);
} takers[] = {
	{"ServiceAccount", take_account},
	{"PersistentVolumeClaim", take_claim},
	{"Service", take_service},
	{"Deployment", take_workload},
	{"StatefulSet", take_workload},
	{"DaemonSet", take_workload},
	{"Job", take_workload},
	{"CronJob", take_workload},
	{"HorizontalPodAutoscaler", take_hpa},
	{"PodDisruptionBudget", take_pdb},
	{"ServiceMonitor", take_monitor},
	{"NetworkPolicy", take_policy},
	{"Route", take_route},
	{"HTTPRoute", take_httproute},
};

/* A kind the chart has no template for is kept whole, so the chart still
 * renders every object of the environment. */
static void extra_object(hm *h, const view *w, const mf_object *o)
{
	mf_tb_push(&h->tb, mf_tb_child_seq(&h->tb, w->v, "extraObjects", MF_NOPOS), o->doc);
	mf_tb_put_bool(&h->tb, h->kinds, "extraObjects", true, MF_NOPOS);
}

static void take_object(ix *x, const mf_object *o)
{
	for (size_t i = 0; i < MF_NELEM(takers); i++)
		if (mf_streq(takers[i].kind, o->kind)) {
			takers[i].take(x, o);
			return;
		}
	extra_object(x->h, x->w, o);
}

/* The order of an instance's keys in values files: who it is, the
 * container, the pod, the workload, then its other objects. */
static const char *const inst_order[] = {
	"enabled",
	"name",
	"appName",
	"instance",
	"tenant",
	"workload",
	"labels",
	"annotations",
	"syncWave",
	"replicaCount",
	"image",
	"command",
	"args",
	"workingDir",
	"ports",
	"env",
	"envFrom",
	"resources",
	"livenessProbe",
	"readinessProbe",
	"startupProbe",
	"securityContext",
	"volumeMounts",
	"tty",
	"stdin",
	"extraContainer",
	"podAnnotations",
	"podSecurityContext",
	"hostNetwork",
	"hostPID",
	"hostIPC",
	"dnsPolicy",
	"hostname",
	"shareProcessNamespace",
	"hostAliases",
	"terminationGracePeriodSeconds",
	"restartPolicy",
	"nodeSelector",
	"tolerations",
	"affinity",
	"topologySpreadConstraints",
	"volumes",
	"extraPodSpec",
	"strategy",
	"updateStrategy",
	"persistence",
	"cronJob",
	"job",
	"serviceAccount",
	"service",
	"autoscaling",
	"podDisruptionBudget",
	"serviceMonitor",
	"networkPolicy",
	"routes",
	"httpRoutes",
};

static size_t inst_rank(const char *key)
{
	return mf_str_index(key, inst_order, MF_NELEM(inst_order));
}

static int cmp_inst_pair(const void *x, const void *y)
{
	size_t a = inst_rank(((const mf_pair *)x)->key), b = inst_rank(((const mf_pair *)y)->key);

	return a < b ? -1 : a > b;
}

/* Blocks every instance has, so templates can read `.x.enabled` safely. */
static void instance_blocks(ix *x)
{
	static const char *const blocks[] = {"service", "autoscaling", "podDisruptionBudget",
					     "serviceMonitor", "networkPolicy"};
	hm *h = x->h;
	mf_node *sa = mf_tb_child(&h->tb, x->m, "serviceAccount", MF_NOPOS);

	mf_tb_put_bool(&h->tb, sa, "create", false, MF_NOPOS);
	mf_tb_put_bool(&h->tb, sa, "automountToken", false, MF_NOPOS);
	for (size_t i = 0; i < MF_NELEM(blocks); i++)
		mf_tb_put_bool(&h->tb, mf_tb_child(&h->tb, x->m, blocks[i], MF_NOPOS), "enabled",
			       false, MF_NOPOS);
}

static void take_sync_wave(ix *x);

static mf_node *instance_values(hm *h, const view *w, const mf_instance *in)
{
	ix x = {h, w, in, mf_tb_map(&h->tb, MF_NOPOS)};
	const mf_node *wl = workload_of(w, in);
	const char *inst;

	mf_tb_put_bool(&h->tb, x.m, "enabled", true, MF_NOPOS);
	mf_tb_put_str(&h->tb, x.m, "name", in->name, MF_NOPOS);
	if (!mf_streq(in->service, in->name)) /* services.*.names: the label keeps the service */
		mf_tb_put_str(&h->tb, x.m, "appName", in->service, MF_NOPOS);
	inst = mf_get_str(mf_path(wl, "metadata.labels"), "app.kubernetes.io/instance");
	if (inst && !mf_streq(inst, in->name))
		mf_tb_put_str(&h->tb, x.m, "instance", inst, MF_NOPOS);
	if (mf_inst_part(in))
		mf_tb_put_str(&h->tb, x.m, "tenant", key_of(&h->tenants, mf_inst_part(in)),
			      MF_NOPOS);
	mf_tb_put_str(&h->tb, x.m, "workload", mf_get_str(wl, "kind"), MF_NOPOS);
	mf_tb_put(&h->tb, x.m, "labels",
		  extra(h, mf_path(wl, "metadata.labels"), instance_labels(&x)));
	instance_blocks(&x);
	for (objslice sl = objects_of(w, in); sl.n; sl.v++, sl.n--)
		take_object(&x, *sl.v);
	take_sync_wave(&x);
	if (x.m && x.m->n > 1) {
		mf_stable_sort(x.m->pairs, x.m->n, sizeof *x.m->pairs, cmp_inst_pair);
		x.m->index = NULL; /* the key index follows pair order */
	}
	return x.m;
}

/* ---- namespaces, config maps, ingresses ------------------------------------------ */

/* the `namespace` block, or tenants.KEY */
static mf_node *scope_of(hm *h, view *w, const char *tenant)
{
	if (!tenant)
		return mf_get(w->v, "namespace");
	return mf_get(mf_get(w->v, "tenants"), key_of(&h->tenants, tenant));
}

/* Labels beyond the chart's own and annotations beyond the global ones:
 * what a sidecar selects (monitoring.grafana's grafana_dashboard). */
static void config_meta(hm *h, view *w, const mf_object *o, mf_node *cm)
{
	mf_node *labels = extra(h, mf_path(o->doc, "metadata.labels"), mf_get(w->global, "labels"));
	mf_node *ann = extra(h, mf_path(o->doc, "metadata.annotations"),
			     mf_get(w->global, "annotations"));

	mf_map_del(labels, "app.kubernetes.io/part-of");    /* the chart's commonLabels say */
	mf_map_del(labels, "app.kubernetes.io/managed-by"); /* these two */
	mf_tb_put(&h->tb, cm, "labels", labels && labels->n ? labels : NULL);
	mf_tb_put(&h->tb, cm, "annotations", ann && ann->n ? ann : NULL);
}

static void take_config(hm *h, view *w, const mf_object *o)
{
	const char *key = key_of(&h->configs, o->name);
	mf_node *cms = mf_get(w->v, "configMaps"), *cm = mf_get(cms, key);

	if (!cm && (cm = mf_tb_child(&h->tb, cms, key, MF_NOPOS))) {
		mf_tb_put_bool(&h->tb, cm, "enabled", true, MF_NOPOS);
		mf_tb_put_str(&h->tb, cm, "name", o->name, MF_NOPOS);
		mf_tb_put_bool(&h->tb, cm, "shared", false, MF_NOPOS);
		mf_tb_put(&h->tb, cm, "data", mf_get(o->doc, "data"));
		config_meta(h, w, o, cm);
	}
	if (!o->tenant)
		mf_tb_put_bool(&h->tb, cm, "shared", true, MF_NOPOS);
	else
		mf_tb_push(&h->tb, mf_tb_child_seq(&h->tb, cm, "tenants", MF_NOPOS),
			   mf_tb_str(&h->tb, key_of(&h->tenants, o->tenant), MF_NOPOS));
}

static void take_ingress(hm *h, view *w, const mf_object *o)
{
	const mf_node *spec = mf_get(o->doc, "spec");
	mf_node *ing = mf_tb_child(&h->tb, mf_get(w->v, "ingresses"),
				   key_of(&h->ings, ing_id(h, o)), MF_NOPOS);

	mf_tb_put_bool(&h->tb, ing, "enabled", true, MF_NOPOS);
	mf_tb_put_str(&h->tb, ing, "name", o->name, MF_NOPOS);
	if (o->tenant)
		mf_tb_put_str(&h->tb, ing, "tenant", key_of(&h->tenants, o->tenant), MF_NOPOS);
	mf_tb_put(&h->tb, ing, "annotations",
		  extra(h, mf_path(o->doc, "metadata.annotations"),
			mf_get(w->global, "annotations")));
	mf_tb_put(&h->tb, ing, "className", mf_get(spec, "ingressClassName"));
	mf_tb_put(&h->tb, ing, "tls", mf_get(spec, "tls"));
	mf_tb_put(&h->tb, ing, "rules", mf_get(spec, "rules"));
}

/* An ExternalSecret or SealedSecret: what the template cannot say itself. */
static void take_secret(hm *h, view *w, const mf_object *o)
{
	mf_node *sec = mf_tb_child(&h->tb, mf_get(w->v, "secrets"),
				   key_of(&h->secrets, ing_id(h, o)), MF_NOPOS);

	mf_tb_put_bool(&h->tb, sec, "enabled", true, MF_NOPOS);
	mf_tb_put_str(&h->tb, sec, "name", o->name, MF_NOPOS);
	if (o->tenant)
		mf_tb_put_str(&h->tb, sec, "tenant", key_of(&h->tenants, o->tenant), MF_NOPOS);
	mf_tb_put_str(&h->tb, sec, "apiVersion", o->api_version, MF_NOPOS);
	mf_tb_put_str(&h->tb, sec, "kind", o->kind, MF_NOPOS);
	mf_tb_put(&h->tb, sec, "annotations",
		  extra(h, mf_path(o->doc, "metadata.annotations"),
			mf_get(w->global, "annotations")));
	mf_tb_put(&h->tb, sec, "spec", mf_get(o->doc, "spec"));
}

static void take_scope_policy(hm *h, mf_node *sc, const mf_object *o); /* at the end */
static void take_rule(hm *h, view *w, const mf_object *o);          /* at the end */

static void take_shared(hm *h, view *w, const mf_object *o)
{
	mf_node *sc = scope_of(h, w, o->tenant);

	if (mf_streq(o->kind, "Namespace"))
		mf_tb_put(&h->tb, sc, "labels",
			  extra(h, mf_path(o->doc, "metadata.labels"), common_labels(h, w)));
	else if (mf_streq(o->kind, "ResourceQuota"))
		mf_tb_put(&h->tb, sc, "quota", mf_path(o->doc, "spec.hard"));
	else if (mf_streq(o->kind, "LimitRange"))
		mf_tb_put(&h->tb, sc, "limitRange", mf_path(o->doc, "spec.limits"));
	else if (mf_streq(o->kind, "NetworkPolicy") && mf_streq(o->name, "default-deny-ingress"))
		mf_tb_put_bool(&h->tb, sc, "defaultDenyIngress", true, MF_NOPOS);
	else if (mf_streq(o->kind, "NetworkPolicy"))
		take_scope_policy(h, sc, o);
	else if (mf_streq(o->kind, "ConfigMap"))
		take_config(h, w, o);
	else if (mf_streq(o->kind, "Ingress"))
		take_ingress(h, w, o);
	else if (secret_object(o))
		take_secret(h, w, o);
	else if (mf_streq(o->kind, "PrometheusRule"))
		take_rule(h, w, o);
	else
		extra_object(h, w, o);
}

/* global: the shared namespace (empty: the release's, in every values file,
 * so `helm -n` decides), the name prefix (off: the names of the overlays),
 * and the labels and annotations of every object, read off the namespace */
static mf_node *global_of(hm *h, const view *w)
{
	mf_node *g = mf_tb_map(&h->tb, MF_NOPOS);
	const mf_node *ns = NULL;

	for (size_t i = 0; i < w->objs->n && !ns; i++)
		if (mf_streq(w->objs->v[i].kind, "Namespace") && !w->objs->v[i].tenant)
			ns = w->objs->v[i].doc;
	mf_tb_put_str(&h->tb, g, "namespace", "", MF_NOPOS);
	mf_tb_put_bool(&h->tb, g, "releasePrefix", false, MF_NOPOS);
	mf_tb_put(&h->tb, g, "labels",
		  overlay(h, NULL, extra(h, mf_path(ns, "metadata.labels"), base_labels(h))));
	mf_tb_put(&h->tb, g, "annotations", overlay(h, NULL, mf_path(ns, "metadata.annotations")));
	return g;
}

/* helm test Pods run curl from this image (tests.image). */
#define TEST_IMAGE "docker.io/curlimages/curl:8.11.1"

static void namespace_blocks(hm *h, view *w)
{
	mf_node *ns = mf_tb_child(&h->tb, w->v, "namespace", MF_NOPOS),
		*ts = mf_tb_child(&h->tb, w->v, "tenants", MF_NOPOS);

	mf_tb_put_bool(&h->tb, ns, "create", false, MF_NOPOS); /* helm --create-namespace */
	mf_tb_put_bool(&h->tb, ns, "defaultDenyIngress", false, MF_NOPOS);
	for (size_t i = 0; i < w->e->nspaces; i++) { /* tenants.system: the system namespace */
		const mf_tenant *t = &w->e->tenants[i];
		mf_node *tm = mf_tb_child(&h->tb, ts, key_of(&h->tenants, t->name), MF_NOPOS);
		mf_tb_put_bool(&h->tb, tm, "enabled", true, MF_NOPOS);
		mf_tb_put_str(&h->tb, tm, "name", t->name, MF_NOPOS);
		mf_tb_put_str(&h->tb, tm, "namespace", t->ns, MF_NOPOS);
		mf_tb_put_bool(&h->tb, tm, "defaultDenyIngress", false, MF_NOPOS);
	}
	mf_tb_child(&h->tb, w->v, "configMaps", MF_NOPOS);
	mf_tb_child(&h->tb, w->v, "ingresses", MF_NOPOS);
	mf_tb_child(&h->tb, w->v, "secrets", MF_NOPOS);
	mf_tb_child(&h->tb, w->v, "prometheusRules", MF_NOPOS);
	ts =  mf_tb_child(&h->tb, w->v, "tests", MF_NOPOS);
	mf_tb_put_bool(&h->tb, ts, "enabled", true, MF_NOPOS);
	mf_tb_put_str(&h->tb, ts, "image", TEST_IMAGE, MF_NOPOS);
}

/* The values of one environment (or of the base view): every object of
 * its rendering, taken apart. */
static void take_view(hm *h, view *w)
{
	w->v = mf_tb_map(&h->tb, MF_NOPOS);
	w->global = global_of(h, w);
	mf_tb_put(&h->tb, w->v, "global", w->global);
	namespace_blocks(h, w);
	for (size_t i = 0; i < w->objs->n; i++)
		if (!w->objs->v[i].inst)
			take_shared(h, w, &w->objs->v[i]);
	index_objects(h, w);
	for (size_t i = 0; i < w->e->ninst; i++)
		mf_tb_put(&h->tb, w->v, key_of(&h->inst, inst_id(h, &w->e->inst[i])),
			  instance_values(h, w, &w->e->inst[i]));
}

/* ---- defaults and per-environment differences ------------------------------------ */

static const char *const sections[] = {"tenants", "configMaps", "ingresses", "secrets",
				       "prometheusRules"};

static mf_node *disabled(hm *h, const mf_node *m)
{
	mf_node *out = overlay(h, m, NULL);

	mf_tb_put_bool(&h->tb, out, "enabled", false, MF_NOPOS);
	return out;
}

static const mf_node *section_of(const mf_node *v, const char *name)
{
	return name ? mf_get(v, name) : v;
}

static bool entry(const char *name, const char *key)
{
	return name || !is_reserved(key);
}

static bool in_some(const view *envs, size_t n, const char *name, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (mf_get(section_of(envs[i].v, name), key))
			return true;
	return false;
}

/* One section of values.yaml: the base view's entries some helm
 * environment has, then (disabled) those only environments have. */
static mf_node *default_section(hm *h, const mf_node *base, const view *envs, size_t n,
				const char *name)
{
	mf_node *out = mf_tb_map(&h->tb, MF_NOPOS);

	for (size_t i = 0; base && i < base->n; i++) {
		const mf_pair *p = &base->pairs[i];
		if (!entry(name, p->key) || in_some(envs, n, name, p->key))
			mf_tb_put(&h->tb, out, p->key, p->val);
	}
	for (size_t e = 0; e < n; e++) {
		const mf_node *sec = section_of(envs[e].v, name);
		for (size_t i = 0; sec && i < sec->n; i++)
			if (entry(name, sec->pairs[i].key) && !mf_get(out, sec->pairs[i].key))
				mf_tb_put(&h->tb, out, sec->pairs[i].key,
					  disabled(h, sec->pairs[i].val));
	}
	return out;
}

static mf_node *defaults_of(hm *h, const view *base, const view *envs, size_t n)
{
	mf_node *d = default_section(h, base->v, envs, n, NULL);

	for (size_t i = 0; i < MF_NELEM(sections); i++)
		mf_tb_put(&h->tb, d, sections[i],
			  default_section(h, mf_get(base->v, sections[i]), envs, n, sections[i]));
	return d;
}

/* What values.yaml has and the environment does not: disabled. */
static void fill_section(hm *h, mf_node *sec, const mf_node *dsec, const char *name)
{
	for (size_t i = 0; sec && dsec && i < dsec->n; i++)
		if (entry(name, dsec->pairs[i].key) && !mf_get(sec, dsec->pairs[i].key))
			mf_tb_put(&h->tb, sec, dsec->pairs[i].key, disabled(h, dsec->pairs[i].val));
}

static mf_node *vdiff(hm *h, const mf_node *d, const mf_node *e);

/* Helm merges maps key by key and replaces everything else; a null
 * deletes a default.  So the difference is what changed, recursively in
 * maps, and null for what went away. */
static mf_node *diff_map(hm *h, const mf_node *d, const mf_node *e)
{
	mf_node *out = NULL;

	for (size_t i = 0; i < e->n; i++) {
		const mf_node *dv = mf_get(d, e->pairs[i].key);
		mf_node *x = dv ? vdiff(h, dv, e->pairs[i].val) : e->pairs[i].val;
		if (x && (out || (out = mf_tb_map(&h->tb, MF_NOPOS))))
			mf_tb_put(&h->tb, out, e->pairs[i].key, x);
	}
	for (size_t i = 0; i < d->n; i++)
		if (!mf_get_pair(e, d->pairs[i].key) &&
		    (out || (out = mf_tb_map(&h->tb, MF_NOPOS))))
			mf_tb_put(&h->tb, out, d->pairs[i].key, mf_tb_null(&h->tb, MF_NOPOS));
	return out;
}

static bool is_off(const mf_node *m)
{
	const mf_node *v = mf_get(m, "enabled");

	return v && v->kind == MF_BOOL && !v->v.b;
}

static mf_node *vdiff(hm *h, const mf_node *d, const mf_node *e)
{
	mf_node *off;

	/* what a disabled block holds does not matter: say only that it is off */
	if (d->kind == MF_MAP && is_off(e)) {
		if (is_off(d) || !(off = mf_tb_map(&h->tb, MF_NOPOS)))
			return NULL;
		mf_tb_put_bool(&h->tb, off, "enabled", false, MF_NOPOS);
		return off;
	}
	if (d->kind == MF_MAP && e->kind == MF_MAP)
		return diff_map(h, d, e);
	return mf_equal(d, e) ? NULL : (mf_node *)e;
}

static mf_node *env_values(hm *h, view *w, const mf_node *dflt)
{
	mf_node *d;

	fill_section(h, w->v, dflt, NULL);
	for (size_t i = 0; i < MF_NELEM(sections); i++)
		fill_section(h, mf_get(w->v, sections[i]), mf_get(dflt, sections[i]), sections[i]);
	d = diff_map(h, dflt, w->v);
	return d ? d : mf_tb_map(&h->tb, MF_NOPOS);
}

/* ---- files ------------------------------------------------------------------------ */

static void add_file(hm *h, const char *name, mf_buf *b)
{
	const char *path = mf_tb_printf(&h->tb, ROOT "/%s/%s", h->chart, name);

	if (!path || !name) {
		h->tb.failed = true; /* name: write_templates() formats it without the builder */
		mf_buf_release(b);
		return;
	}
	if (b->len > HELM_MAX_FILE) {
		mf_diag *d = mf_diag_add(h->c, MF_SEV_ERROR, h->at, "helm-file-too-large",
					 "'%s' is %.1f MiB, and Helm loads no chart with a file "
					 "over 5 MiB",
					 path, (double)b->len / (1 << 20));
		if (d)
			d->note = "a system this large needs more than one chart: describe it as "
				  "several systems, or leave helm out of its environments' targets";
		mf_buf_release(b);
		h->rc = -1;
	} else if (mf_output_add(h->c, h->o, path, b) < 0) {
		mf_buf_release(b);
		h->rc = -1;
	}
}

static void write_values(hm *h, const char *name, const char *header, const mf_node *v)
{
	mf_buf b;

	mf_buf_init(&b);
	mf_buf_puts(&b, header);
	if (mf_yaml_write(&b, v) < 0)
		b.oom = true;
	add_file(h, name, &b);
}

static bool digits(const char *s, size_t n, bool lead_ok)
{
	if (!n || (!lead_ok && n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* SemVer 2: MAJOR.MINOR.PATCH, then -pre and +build of [0-9A-Za-z.-] */
static bool semver(const char *v)
{
	const char *p = v;

	for (int part = 0; part < 3; part++) {
		size_t n = strspn(p, "0123456789");
		if (!digits(p, n, false) || (part < 2 && p[n] != '.'))
			return false;
		p += n + (part < 2);
	}
	if (*p == '-' || *p == '+') {
		size_t n = strspn(
			p + 1, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-+");
		return n > 0 && !p[1 + n] && p[n] != '.' && !strstr(p, "..");
	}
	return !*p;
}

/* system.KEY copied to Chart.yaml when given (same name, same shape). */
static const char *const chart_fields[] = {"keywords", "home", "sources", "maintainers", "icon"};

static void write_chart(hm *h)
{
	const mf_node *sys = mf_get(h->s->doc, "system");
	const char *cv = mf_get_str(sys, "chartVersion"), *desc = mf_get_str(sys, "description");
	mf_node *m = mf_tb_map(&h->tb, MF_NOPOS);
	mf_buf b;

	mf_tb_put_str(&h->tb, m, "apiVersion", "v2", MF_NOPOS);
	mf_tb_put_str(&h->tb, m, "name", h->chart, MF_NOPOS);
	mf_tb_put_str(&h->tb, m, "description",
		      desc ? desc : mf_tb_printf(&h->tb, "%s, as described to manifold", h->chart),
		      MF_NOPOS);
	mf_tb_put_str(&h->tb, m, "type", "application", MF_NOPOS);
	if (!cv)
		cv = semver(h->s->version) ? h->s->version : "0.1.0";
	mf_tb_put_str(&h->tb, m, "version", cv, MF_NOPOS);
	mf_tb_put_str(&h->tb, m, "appVersion", h->s->version, MF_NOPOS);
	/* what Helm's Chart.yaml has of the description, as written there */
	for (size_t i = 0; i < MF_NELEM(chart_fields); i++)
		mf_tb_put(&h->tb, m, chart_fields[i], mf_get(sys, chart_fields[i]));
	if (!m)
		return; /* recorded */
	mf_buf_init(&b);
	mf_buf_puts(
		&b,
		"# Generated by manifold from the system description; edit the description, not "
		"this chart.\n");
	if (mf_yaml_write(&b, m) < 0)
		b.oom = true;
	add_file(h, "Chart.yaml", &b);
}

/* The chart's fixed files are the files under templates/helm/ (embedded at
 * build time), each written at its path there, "@CHART@" replaced by the
 * chart's name and "@RESERVED@" by the quoted reserved keys (templates
 * range over `omit .Values @RESERVED@`, the service instances).  A template whose first line is the
 * Go-template comment "manifold: kind=KIND" is written only when some values file has an object of
 * that kind; the line is manifold's and is left out of the chart. */
#define TPL_DIR "templates/helm/"
#define TPL_DEFS TPL_DIR "values.schema.definitions.json" /* part of values.schema.json */
#define KIND_OPEN "{{- /* manifold: kind="
#define KIND_CLOSE " */ -}}\n"

/* The text after the kind line, *kind that kind (NULL: none); NULL when the
 * line is malformed. */
static const char *tpl_kind(hm *h, const char *text, const char **kind)
{
	const char *k, *end;

	*kind = NULL;
	if (strncmp(text, KIND_OPEN, strlen(KIND_OPEN)))
		return text;
	k = text + strlen(KIND_OPEN);
	if (!(end = strstr(k, KIND_CLOSE)) || end == k || memchr(k, '\n', (size_t)(end - k)))
		return NULL;
	if (!(*kind = mf_tb_printf(&h->tb, "%.*s", (int)(end - k), k)))
		return NULL;
	return end + strlen(KIND_CLOSE);
}

typedef struct placeholder {
	const char *at, *with;
} placeholder;

/* The placeholder p starts with, or NULL. */
static const placeholder *placeholder_at(const placeholder *v, size_t n, const char *p)
{
	for (size_t i = 0; i < n; i++)
		if (!strncmp(p, v[i].at, strlen(v[i].at)))
			return &v[i];
	return NULL;
}

static void split_hook(hm *h, const mf_embedded *f, mf_buf *b);

static void write_fixed(hm *h, const mf_embedded *f, const placeholder *v, size_t n)
{
	const char *kind, *p = tpl_kind(h, f->data, &kind), *at;
	const placeholder *ph;
	mf_buf b;

	if (!p) {
		if (h->rc == 0 && !h->tb.failed)
			h->rc = mf_error(h->c, MF_NOPOS, "internal", "malformed kind line in '%s'",
					 f->path);
		return;
	}
	if (kind && !mf_get(h->kinds, kind))
		return;
	mf_buf_init(&b);
	if (h->split)
		split_hook(h, f, &b);
	while ((at = strchr(p, '@')) != NULL) {
		mf_buf_add(&b, p, (size_t)(at - p));
		ph = placeholder_at(v, n, at);
		mf_buf_puts(&b, ph ? ph->with : "@");
		p = at + (ph ? strlen(ph->at) : 1);
	}
	mf_buf_puts(&b, p);
	add_file(h, f->path + strlen(TPL_DIR), &b);
}

/* The reserved keys as arguments of `omit`: "global" "namespace" ... */
static const char *reserved_args(hm *h)
{
	mf_buf b;
	char *s;

	mf_buf_init(&b);
	for (size_t i = 0; i < NRESERVED; i++)
		mf_buf_printf(&b, "%s\"%s\"", i ? " " : "", reserved[i].key);
	s = b.oom ? NULL : mf_strdup(h->a, b.data ? b.data : "");
	mf_buf_release(&b);
	return s;
}

static void write_templates(hm *h)
{
	const placeholder v[] = {{"@CHART@", h->chart}, {"@RESERVED@", reserved_args(h)}};

	if (!v[1].with) {
		h->tb.failed = true;
		return;
	}
	for (size_t i = 0; i < mf_embedded_count; i++) {
		const mf_embedded *f = &mf_embedded_files[i];
		if (!strncmp(f->path, TPL_DIR, strlen(TPL_DIR)) && strcmp(f->path, TPL_DEFS))
			write_fixed(h, f, v, MF_NELEM(v));
	}
}

/* ---- values.schema.json ------------------------------------------------------------ */

/* "KEY": {"$ref": "#/definitions/DEF"} for each key (of `only` when given) */
static void schema_refs(mf_buf *b, const keytab *t, const mf_node *only, const char *def,
			const char *indent)
{
	bool first = true;

	for (size_t i = 0; i < t->n; i++) {
		if (only && !mf_get(only, t->v[i].key))
			continue;
		mf_buf_printf(b, "%s%s", first ? "" : ",\n", indent);
		mf_buf_json_str(b, t->v[i].key);
		mf_buf_printf(b, ": {\"$ref\": \"#/definitions/%s\"}", def);
		first = false;
	}
	mf_buf_puts(b, first ? "" : only ? ",\n" : "\n");
}

static void schema_section(mf_buf *b, const char *name, const keytab *t, const char *def, bool last)
{
	mf_buf_printf(b,
		      "    \"%s\": {\n      \"type\": \"object\",\n      \"additionalProperties\": "
		      "false,\n"
		      "      \"properties\": {%s",
		      name, t->n ? "\n" : "");
	schema_refs(b, t, NULL, def, "        ");
	mf_buf_printf(b, "%s}\n    }%s\n", t->n ? "      " : "", last ? "" : ",");
}

/* One reserved key: a section, a definition, or extraObjects' array. */
static void schema_top(const hm *h, mf_buf *b, const topkey *t, bool last)
{
	if (t->section) {
		schema_section(b, t->key, t->section(h), t->def, last);
		return;
	}
	mf_buf_printf(b, "    \"%s\": ", t->key);
	if (t->def)
		mf_buf_printf(b, "{\"$ref\": \"#/definitions/%s\"}", t->def);
	else
		mf_buf_puts(b, "{\"type\": \"array\", \"items\": {\"type\": \"object\"}}");
	mf_buf_puts(b, last ? "\n" : ",\n");
}

/* The instances and entries values.yaml has, each by its definition
 * (TPL_DEFS), and nothing else: an unknown key is an error. */
static void write_schema(hm *h, const mf_node *dflt)
{
	const char *defs = mf_embedded_find(TPL_DEFS, NULL);
	mf_buf b;

	if (!defs) {
		h->rc = mf_error(h->c, MF_NOPOS, "internal", "'%s' was not built in", TPL_DEFS);
		return;
	}
	mf_buf_init(&b);
	mf_buf_puts(
		&b,
		"{\n  \"$schema\": \"http://json-schema.org/draft-07/schema#\",\n  \"title\": ");
	mf_buf_json_str(&b, mf_tb_printf(&h->tb, "values of the %s chart", h->chart));
	mf_buf_puts(
		&b,
		",\n  \"type\": \"object\",\n  \"additionalProperties\": false,\n  \"properties\": "
		"{\n");
	schema_refs(&b, &h->inst, dflt, "service", "    ");
	for (size_t i = 0; i < NRESERVED; i++)
		schema_top(h, &b, &reserved[i], i + 1 == NRESERVED);
	mf_buf_puts(&b, "  },\n");
	mf_buf_puts(&b, defs);
	mf_buf_puts(&b, "}\n");
	add_file(h, "values.schema.json", &b);
}

/* ---- README.md: the values table, from values.schema.json's own data --------------- */

/* Text in a table cell: '|' would end it. */
static void cell(mf_buf *b, const char *text)
{
	for (const char *p = text ? text : ""; *p; p++)
		mf_buf_puts(b, *p == '|' ? "\\|" : (char[]){*p, '\0'});
}

/* What a property holds, for the table: a definition's name, an enum, a type. */
static void json_kind(mf_buf *b, const json_t *p)
{
	const char *ref = json_string_value(json_object_get(p, "$ref"));
	const json_t *t = json_object_get(p, "type"), *en = json_object_get(p, "enum"), *v;
	size_t i;

	if (ref && strrchr(ref, '/')) {
		mf_buf_printf(b, "_%s_", strrchr(ref, '/') + 1);
	} else if (en) {
		json_array_foreach(en, i, v)
		{
			mf_buf_printf(b, "%s`", i ? " \\| " : "");
			cell(b, json_string_value(v));
			mf_buf_puts(b, "`");
		}
	} else if (json_is_array(t)) {
		json_array_foreach(t, i, v)
			mf_buf_printf(b, "%s%s", i ? " or " : "", json_string_value(v));
	} else if (json_string_value(t)) {
		mf_buf_puts(b, json_string_value(t));
		if (!strcmp(json_string_value(t), "array") && json_object_get(p, "items")) {
			mf_buf_puts(b, " of ");
			json_kind(b, json_object_get(p, "items"));
		}
	} else {
		mf_buf_puts(b, "any");
	}
}

/* One row per property of a definition, and of the objects written inside it. */
static void readme_props(hm *h, mf_buf *b, const json_t *def, const char *prefix, int depth)
{
	const char *key;
	const json_t *p, *inner;

	json_object_foreach((json_t *)json_object_get(def, "properties"), key, p)
	{
		const char *what = json_string_value(json_object_get(p, "description"));
		mf_buf_printf(b, "| `%s%s` | ", prefix, key);
		json_kind(b, p);
		mf_buf_puts(b, " | ");
		cell(b, what);
		mf_buf_puts(b, " |\n");
		inner = json_object_get(p, "properties");
		if (inner && depth < 1)
			readme_props(h, b, p, mf_tb_printf(&h->tb, "%s%s.", prefix, key),
				     depth + 1);
	}
}

/* The definitions' own descriptions: what _quantity_ and the others mean. */
static void readme_defs(mf_buf *b, const json_t *defs)
{
	const char *key;
	const json_t *d;

	mf_buf_puts(b, "\n### Types\n\n| type | what |\n|---|---|\n");
	json_object_foreach((json_t *)defs, key, d)
	{
		const char *what = json_string_value(json_object_get(d, "description"));
		const char *pat = json_string_value(json_object_get(d, "pattern"));
		if (!what)
			continue;
		mf_buf_printf(b, "| _%s_ | ", key);
		cell(b, what);
		if (pat) {
			mf_buf_puts(b, " (pattern `");
			cell(b, pat);
			mf_buf_puts(b, "`)");
		}
		mf_buf_puts(b, " |\n");
	}
}

static void readme_install(hm *h, mf_buf *b, const view *envs, size_t n)
{
	const mf_node *sys = mf_get(h->s->doc, "system");
	const char *desc = mf_get_str(sys, "description");

	mf_buf_printf(b, "# %s\n\n", h->chart);
	if (desc)
		mf_buf_printf(b, "%s\n\n", desc);
	mf_buf_puts(b, "Generated by manifold from the system description: edit the description, "
		       "not this chart.\n\n## Installing\n\n| environment | namespace | command |\n"
		       "|---|---|---|\n");
	for (size_t i = 0; i < n; i++)
		mf_buf_printf(b,
			      "| %s | %s | `helm upgrade --install RELEASE . -n %s "
			      "--create-namespace -f values-%s.yaml` |\n",
			      envs[i].e->name, envs[i].e->ns, envs[i].e->ns, envs[i].e->name);
	mf_buf_puts(
		b, "\nThe objects land in the release namespace (`-n`); `global.namespace` "
		   "overrides it, `namespace.create=true` makes the chart own the Namespace object "
		   "and `global.releasePrefix=true` names every object `RELEASE-NAME`.  "
		   "`helm test RELEASE -n NAMESPACE` calls the readiness endpoint of each service "
		   "with an HTTP readiness probe.  The Secrets the services read are listed, per "
		   "environment, in [SECRETS.md](SECRETS.md).\n");
}

/* Top level: the reserved keys, then every service instance. */
static void readme_top(hm *h, mf_buf *b, const mf_node *dflt)
{
	mf_buf_puts(b, "\n## Values\n\n| key | type | what |\n|---|---|---|\n");
	for (size_t i = 0; i < NRESERVED; i++) {
		const topkey *t = &reserved[i];
		if (!t->def)
			mf_buf_printf(b, "| `%s` | array of object | %s |\n", t->key, t->what);
		else
			mf_buf_printf(b, "| `%s` | %s_%s_ | %s |\n", t->key,
				      t->section ? "map of " : "", t->def, t->what);
	}
	mf_buf_puts(b, "| `SERVICE` | _service_ | one service instance per key (below) |\n"
		       "\n### Service instances\n\n| key | name | workload | tenant |\n"
		       "|---|---|---|---|\n");
	for (size_t i = 0; i < h->inst.n; i++) {
		const mf_node *v = mf_get(dflt, h->inst.v[i].key);
		if (v)
			mf_buf_printf(b, "| `%s` | %s | %s | %s |\n", h->inst.v[i].key,
				      mf_get_str(v, "name"), mf_get_str(v, "workload"),
				      mf_get_str(v, "tenant") ? mf_get_str(v, "tenant") : "");
	}
}

/* The chart's README.md: how to install it, and every values key with its type
 * and meaning, read from values.schema.definitions.json (so the table and the
 * schema cannot differ). */
static void write_readme(hm *h, const char *defs, const view *envs, size_t n, const mf_node *dflt)
{
	const char *text = defs ? mf_tb_printf(&h->tb, "{%s}", defs) : NULL;
	json_error_t err;
	json_t *root = text ? json_loads(text, 0, &err) : NULL;
	const json_t *d = json_object_get(root, "definitions");
	mf_buf b;

	if (!d) {
		json_decref(root);
		if (text) /* else out of memory: recorded in the builder */
			h->rc = mf_error(h->c, MF_NOPOS, "internal", "'%s' is not JSON", TPL_DEFS);
		return;
	}
	mf_buf_init(&b);
	readme_install(h, &b, envs, n);
	readme_top(h, &b, dflt);
	for (size_t i = 0; i < NRESERVED; i++)
		if (reserved[i].def) {
			const char *at = reserved[i].section ? ".KEY." : ".";
			mf_buf_printf(&b, "\n### `%s%s`\n\n| key | type | what |\n|---|---|---|\n",
				      reserved[i].key, reserved[i].section ? ".KEY" : "");
			readme_props(h, &b, json_object_get(d, reserved[i].def),
				     mf_tb_printf(&h->tb, "%s%s", reserved[i].key, at), 0);
		}
	mf_buf_puts(&b, "\n### `SERVICE`\n\n| key | type | what |\n|---|---|---|\n");
	readme_props(h, &b, json_object_get(d, "service"), "SERVICE.", 0);
	readme_defs(&b, d);
	json_decref(root);
	add_file(h, "README.md", &b);
}

/* SECRETS.md: what each environment's namespaces need (its values file's -n). */
static void write_secrets(hm *h, const view *envs, size_t n)
{
	const mf_env **list = mf_tb_alloc(&h->tb, (n + 1) * sizeof *list);
	const char *path = mf_tb_printf(&h->tb, ROOT "/%s/SECRETS.md", h->chart);

	if (!list || !path)
		return; /* out of memory, recorded */
	for (size_t i = 0; i < n; i++)
		list[i] = envs[i].e;
	if (mf_emit_secrets_md(h->c, h->rd, list, n, path, h->o))
		h->rc = -1;
}

/* ---- the chart ------------------------------------------------------------------- */

static const char *values_header(hm *h, const mf_env *e)
{
	if (!e)
		return mf_tb_printf(
			&h->tb,
			"# Default values of the %s chart: the description as written, without "
			"any\n"
			"# environment's profile or overrides.  Each values-ENV.yaml holds only "
			"what ENV\n"
			"# changes; values.schema.json checks them all.  Service instances are "
			"keyed by\n"
			"# their name in lowerCamelCase (the real name is `name`), so\n"
			"#   helm template %s . -f values-ENV.yaml --set SERVICE.replicaCount=3\n"
			"# Generated by manifold: edit the description, not this file.\n",
			h->chart, h->chart);
	return mf_tb_printf(
		&h->tb,
		"# Environment '%s'%s%s: what it changes in values.yaml (null removes a default).\n"
		"#   helm upgrade --install %s . -n %s --create-namespace -f values-%s.yaml\n"
		"# Generated by manifold: edit the description, not this file.\n",
		e->name, e->profile_name ? ", profile " : "",
		e->profile_name ? e->profile_name : "", h->chart, e->ns, e->name);
}

/* An environment's "helm" in its targets (or the environment). */
static mf_pos helm_target_pos(const mf_env *e)
{
	const mf_node *t = mf_get(e->node, "targets");

	for (size_t i = 0; t && t->kind == MF_SEQ && i < t->n; i++)
		if (mf_streq(mf_str(t->items[i]), "helm"))
			return t->items[i]->pos;
	return e->pos;
}

static int render_views(hm *h, view *base, view *envs, size_t n)
{
	base->objs = &mf_rendered_env(h->rd, base->e)->k8s;
	collect_keys(h, base);
	for (size_t i = 0; i < n; i++) {
		envs[i].objs = &mf_rendered_env(h->rd, envs[i].e)->k8s;
		collect_keys(h, &envs[i]);
	}
	key_finish(h, &h->inst, true);
	key_finish(h, &h->tenants, false);
	key_finish(h, &h->configs, false);
	key_finish(h, &h->ings, false);
	key_finish(h, &h->secrets, false);
	key_finish(h, &h->rules, false);
	take_view(h, base);
	for (size_t i = 0; i < n; i++)
		take_view(h, &envs[i]);
	return h->rc;
}

static const char *version_label(hm *h)
{
	char *v = mf_tb_printf(&h->tb, "%s", h->s->version ? h->s->version : "");

	for (char *p = v; p && *p; p++)
		if (*p == '+')
			*p = '_';
	return v;
}

/* A failed allocation anywhere in the chart, reported once. */
static int chart_rc(hm *h)
{
	if (h->tb.failed)
		return mf_error(h->c, MF_NOPOS, "internal", "out of memory writing the Helm chart");
	return h->rc;
}

static void write_all_values(hm *h, view *envs, size_t n, const mf_node *dflt);

int mf_emit_helm(mf_ctx *c, const mf_rendered *rd, mf_output *o)
{
	const mf_system *s = rd->sys;
	hm h = {.c = c, .a = c->a, .tb = {.a = c->a}, .s = s, .rd = rd, .o = o, .chart = s->name};
	view base = {.e = &s->base}, *envs = mf_alloc(c->a, (s->nenvs + 1) * sizeof *envs);
	size_t n = 0;
	mf_node *dflt;

	if (!envs || !(h.kinds = mf_tb_map(&h.tb, MF_NOPOS)))
		return mf_error(c, MF_NOPOS, "internal", "out of memory");
	for (size_t i = 0; i < s->nenvs; i++)
		if (s->envs[i].targets & MF_T_HELM)
			envs[n++].e = &s->envs[i];
	if (n == 0)
		return 0;
	h.version_label = version_label(&h);
	h.at = mf_path(s->doc, "system.name") ? mf_path(s->doc, "system.name")->pos : MF_NOPOS;
	if (render_views(&h, &base, envs, n) < 0 || h.tb.failed)
		return chart_rc(&h);
	if (!(dflt = defaults_of(&h, &base, envs, n)))
		return chart_rc(&h);
	write_chart(&h);
	write_all_values(&h, envs, n, dflt);
	h.at = mf_path(s->doc, "system.name") ? mf_path(s->doc, "system.name")->pos : MF_NOPOS;
	write_schema(&h, dflt);
	write_readme(&h, mf_embedded_find(TPL_DEFS, NULL), envs, n, dflt);
	write_secrets(&h, envs, n);
	write_templates(&h);
	return chart_rc(&h);
}

/* A namespace's NetworkPolicy other than default-deny-ingress (a network's,
 * network-NAME): namespace.networkPolicies.NAME or tenants.KEY's, its spec
 * as rendered, which templates/helm/templates/networks.yaml writes back. */
static void take_scope_policy(hm *h, mf_node *sc, const mf_object *o)
{
	mf_node *np = mf_tb_child(&h->tb, mf_tb_child(&h->tb, sc, "networkPolicies", MF_NOPOS),
				  o->name, MF_NOPOS);

	mf_tb_put(&h->tb, np, "podSelector", mf_path(o->doc, "spec.podSelector"));
	mf_tb_put(&h->tb, np, "policyTypes", mf_path(o->doc, "spec.policyTypes"));
	mf_tb_put(&h->tb, np, "ingress", mf_path(o->doc, "spec.ingress"));
	mf_tb_put(&h->tb, np, "egress", mf_path(o->doc, "spec.egress"));
	mf_tb_put_bool(&h->tb, h->kinds, "networkPolicies", true, MF_NOPOS);
}

/* A Gateway API HTTPRoute of the instance (render_ingress.c): its rules
 * without the backend, which is always the instance's own Service (the
 * template names it, prefixed as the Service is), only its port. */
static mf_node *httproute_rule(hm *h, const mf_node *rule)
{
	mf_node *m = mf_tb_map(&h->tb, MF_NOPOS);

	mf_tb_put(&h->tb, m, "matches", mf_get(rule, "matches"));
	mf_tb_put(&h->tb, m, "filters", mf_get(rule, "filters"));
	mf_tb_put(&h->tb, m, "port", mf_path(rule, "backendRefs.0.port"));
	return m;
}

static void take_httproute(ix *x, const mf_object *o)
{
	hm *h = x->h;
	const mf_node *spec = mf_get(o->doc, "spec"), *rules = mf_get(spec, "rules");
	mf_node *m = mf_tb_map(&h->tb, MF_NOPOS),
		*rs = mf_tb_child_seq(&h->tb, m, "rules", MF_NOPOS);

	if (!mf_streq(o->name, x->in->name))
		mf_tb_put_str(&h->tb, m, "name", o->name, MF_NOPOS);
	mf_tb_put(&h->tb, m, "parentRefs", mf_get(spec, "parentRefs"));
	mf_tb_put(&h->tb, m, "hostnames", mf_get(spec, "hostnames"));
	for (size_t k = 0; rules && k < rules->n; k++)
		mf_tb_push(&h->tb, rs, httproute_rule(h, rules->items[k]));
	mf_tb_put(&h->tb, m, "rules", rs);
	mf_tb_push(&h->tb, mf_tb_child_seq(&h->tb, x->m, "httpRoutes", MF_NOPOS), m);
}

/* ---- values too large for one file: values.d/ (docs/helm.md, "Large charts") -------- */

/* What values.yaml and values-ENV.yaml keep of a service instance once its values
 * are split: what values.schema.json requires of one (name, workload,
 * image.repository) and enabled, so `--set KEY.image.tag=...` or `KEY.enabled=false`
 * still passes the schema, and an environment's changes of them stay in its own
 * values-ENV.yaml, above the files. */
static const char *const stub_keys[] = {"enabled", "name", "workload", "image"};

static bool stub_key(const char *key)
{
	for (size_t i = 0; i < MF_NELEM(stub_keys); i++)
		if (mf_streq(stub_keys[i], key))
			return true;
	return false;
}

/* A values file larger than this is split: Helm's limit, lowered by
 * MANIFOLD_HELM_SPLIT (bytes) so the tests split a small chart. */
static size_t split_at(void)
{
	const char *e = getenv("MANIFOLD_HELM_SPLIT");
	char *end;
	unsigned long long v;

	if (!e || !*e)
		return HELM_MAX_FILE;
	v = strtoull(e, &end, 10);
	return *end || v < 64 || v > HELM_MAX_FILE ? HELM_MAX_FILE : (size_t)v;
}

/* The values.d/ files of one values file, filled one instance at a time. */
typedef struct parts {
	const char *of; /* "values" or "values-ENV": the file they belong to */
	mf_node *files; /* its global.valuesFiles, in merge order */
	mf_buf b;       /* the part being filled */
	size_t n, max;  /* parts written; the size a part stays under (if it can) */
} parts;

static void part_flush(hm *h, parts *p)
{
	const char *name;

	if (!p->b.len)
		return;
	name = mf_tb_printf(&h->tb, "values.d/%s-%03zu.yaml", p->of, p->n++);
	mf_tb_push(&h->tb, p->files, mf_tb_str(&h->tb, name, MF_NOPOS));
	add_file(h, name, &p->b);
	mf_buf_init(&p->b);
}

/* {key: v} at the end of the part, a new part begun when it would pass p->max. */
static void part_add(hm *h, parts *p, const char *key, mf_node *v)
{
	mf_node *one = mf_tb_map(&h->tb, MF_NOPOS);
	mf_buf e;

	mf_tb_put(&h->tb, one, key, v);
	mf_buf_init(&e);
	if (!one || mf_yaml_write(&e, one) < 0 || e.oom) {
		h->tb.failed = true;
		mf_buf_release(&e);
		return;
	}
	if (p->b.len && p->b.len + e.len > p->max)
		part_flush(h, p);
	if (!p->b.len)
		mf_buf_printf(
			&p->b,
			"# Part %zu of the service instances of %s.yaml (global.valuesFiles):\n"
			"# templates/_valuesfiles.tpl merges it under the values Helm merged.\n"
			"# Generated by manifold: edit the description, not this file.\n",
			p->n, p->of);
	mf_buf_add(&p->b, e.data, e.len);
	mf_buf_release(&e);
}

/* v (values.yaml's map, or a values-ENV.yaml's) with each service instance cut to
 * its stub keys, the rest of it added to p; global first, with valuesFiles. */
static mf_node *split_values(hm *h, const mf_node *v, parts *p)
{
	mf_node *top = mf_tb_map(&h->tb, MF_NOPOS), *g = mf_tb_map(&h->tb, MF_NOPOS);
	const mf_node *vg = mf_get(v, "global");

	for (size_t i = 0; vg && vg->kind == MF_MAP && i < vg->n; i++)
		mf_tb_put(&h->tb, g, vg->pairs[i].key, vg->pairs[i].val);
	mf_tb_put(&h->tb, g, "valuesFiles", p->files);
	mf_tb_put(&h->tb, top, "global", g);
	for (size_t i = 0; v && i < v->n; i++) {
		const mf_pair *kv = &v->pairs[i];
		mf_node *stub, *rest;

		if (mf_streq(kv->key, "global"))
			continue;
		if (is_reserved(kv->key) || kv->val->kind != MF_MAP) {
			mf_tb_put(&h->tb, top, kv->key, kv->val);
			continue;
		}
		stub = mf_tb_map(&h->tb, kv->pos);
		rest = mf_tb_map(&h->tb, kv->pos);
		for (size_t j = 0; stub && rest && j < kv->val->n; j++)
			mf_tb_put(&h->tb, stub_key(kv->val->pairs[j].key) ? stub : rest,
				  kv->val->pairs[j].key, kv->val->pairs[j].val);
		if (stub && stub->n)
			mf_tb_put(&h->tb, top, kv->key, stub);
		if (rest && rest->n)
			part_add(h, p, kv->key, rest);
	}
	part_flush(h, p);
	return top;
}

static const char *split_header(hm *h, const mf_env *e)
{
	return mf_tb_printf(&h->tb,
			    "%s# Too large for one file Helm loads: of each service instance only "
			    "enabled, name,\n"
			    "# workload and image are here, the rest in global.valuesFiles "
			    "(values.d/).\n",
			    values_header(h, e));
}

/* Every values file cut by split_values(), values.yaml's parts first in each list. */
static void write_split(hm *h, view *envs, size_t n, const mf_node *dflt, mf_node **ev)
{
	parts base = {.of = "values", .files = mf_tb_seq(&h->tb, MF_NOPOS), .max = split_at() / 2};
	mf_node *top;

	h->split = true;
	mf_tb_put_bool(&h->tb, h->kinds, "valuesFiles", true, MF_NOPOS);
	mf_buf_init(&base.b);
	top = split_values(h, dflt, &base);
	write_values(h, "values.yaml", split_header(h, NULL), top);
	for (size_t i = 0; i < n; i++) {
		parts p = {.of = mf_tb_printf(&h->tb, "values-%s", envs[i].e->name),
			   .files = mf_tb_seq(&h->tb, MF_NOPOS),
			   .max = base.max};

		for (size_t j = 0; base.files && j < base.files->n; j++)
			mf_tb_push(&h->tb, p.files, base.files->items[j]);
		mf_buf_init(&p.b);
		h->at = helm_target_pos(envs[i].e);
		top = split_values(h, ev[i], &p);
		write_values(h, mf_tb_printf(&h->tb, "%s.yaml", p.of), split_header(h, envs[i].e),
			     top);
	}
}

/* values.yaml and each values-ENV.yaml, whole; or, when one of them would be larger
 * than split_at(), every one of them split (write_split). */
static void write_all_values(hm *h, view *envs, size_t n, const mf_node *dflt)
{
	mf_node **ev = mf_tb_alloc(&h->tb, (n + 1) * sizeof *ev);
	mf_buf *b = mf_tb_alloc(&h->tb, (n + 1) * sizeof *b);
	bool split = false;

	if (!ev || !b)
		return; /* recorded */
	for (size_t i = 0; i <= n; i++) {
		const mf_env *e = i ? envs[i - 1].e : NULL;

		ev[i] = i ? env_values(h, &envs[i - 1], dflt) : (mf_node *)dflt;
		mf_buf_init(&b[i]);
		mf_buf_puts(&b[i], values_header(h, e));
		if (mf_yaml_write(&b[i], ev[i]) < 0)
			b[i].oom = true;
		split = split || b[i].len > split_at();
	}
	for (size_t i = 0; i <= n; i++) {
		if (split) {
			mf_buf_release(&b[i]);
			continue;
		}
		h->at = i ? helm_target_pos(envs[i - 1].e) : h->at;
		add_file(h,
			 i ? mf_tb_printf(&h->tb, "values-%s.yaml", envs[i - 1].e->name)
			   : "values.yaml",
			 &b[i]);
	}
	if (split)
		write_split(h, envs, n, dflt, ev + 1);
}

/* In a split chart each template (not the _*.tpl helpers) first merges values.d/. */
static void split_hook(hm *h, const mf_embedded *f, mf_buf *b)
{
	const char *base = strrchr(f->path, '/');

	if (strncmp(f->path, TPL_DIR "templates/", strlen(TPL_DIR "templates/")) ||
	    (base && base[1] == '_'))
		return;
	mf_buf_printf(b, "{{- $_ := include \"%s.valuesFiles\" $ -}}\n", h->chart);
}

/* startupOrder: sync-waves gives every object of an instance the same
 * Argo CD wave (render_startup.c): the workload's becomes one syncWave
 * value, which the metadata helper puts on each object of the instance. */
static void take_sync_wave(ix *x)
{
	static const char key[] = "argocd.argoproj.io/sync-wave";
	hm *h = x->h;
	const mf_node *ann = mf_get(x->m, "annotations");
	mf_node *wave = mf_get(ann, key), *rest;

	if (!wave)
		return;
	mf_tb_put(&h->tb, x->m, "syncWave", wave);
	if ((rest = without(h, ann, key)))
		mf_tb_put(&h->tb, x->m, "annotations", rest);
	else
		mf_map_del(x->m, "annotations");
}

/* A text with every `from` replaced by `to` (arena copy; s itself when none). */
static const char *replace_all(hm *h, const char *s, const char *from, const char *to)
{
	mf_buf b;
	const char *q, *out = s;
	size_t k = 0, n = strlen(from);

	if (!strstr(s, from))
		return s;
	mf_buf_init(&b);
	for (; (q = strstr(s + k, from)) != NULL; k = (size_t)(q - s) + n) {
		mf_buf_add(&b, s + k, (size_t)(q - s) - k);
		mf_buf_puts(&b, to);
	}
	mf_buf_puts(&b, s + k);
	if (!b.oom && b.data)
		out = mf_tb_str(&h->tb, b.data, MF_NOPOS)->str;
	mf_buf_release(&b);
	return out;
}

/* startupOrder: init-containers: a tenant's (or a system) instance waits for a shared
 * service as NAME.NAMESPACE (render_startup.c).  In the chart the shared
 * namespace is global.namespace or the release's (`-n`), so the wait names
 * it through the namespace helper; the chart passes extraPodSpec through
 * `tpl` (templates/helm/templates/_helpers.tpl).  A copy: emit does not
 * change the objects it reads. */
static void shared_waits(ix *x, mf_node *more)
{
	hm *h = x->h;
	const char *ns = x->w->e->ns, *to;
	mf_node *init = mf_get(more, "initContainers");

	if (!init || init->kind != MF_SEQ || !mf_inst_part(x->in) || !ns)
		return;
	init = mf_tb_copy(&h->tb, init);
	mf_tb_put(&h->tb, more, "initContainers", init);
	to = mf_tb_printf(&h->tb, ".{{ include \"%s.namespace\" (list $ \"\") }}", h->chart);
	for (size_t i = 0; to && i < init->n; i++) {
		mf_node *cmd = mf_get(init->items[i], "command");
		const char *name = mf_get_str(init->items[i], "name");
		for (size_t k = 0; name && !strncmp(name, "wait-", 5) && cmd &&
				   cmd->kind == MF_SEQ && k < cmd->n; k++) {
			mf_node *w = cmd->items[k];
			if (w->kind != MF_STR)
				continue;
			w->str = replace_all(h, w->str, mf_tb_printf(&h->tb, ".%s ", ns),
					     mf_tb_printf(&h->tb, "%s ", to));
			w->str = replace_all(h, w->str, mf_tb_printf(&h->tb, ".%s:", ns),
					     mf_tb_printf(&h->tb, "%s:", to));
			w->len = strlen(w->str);
		}
	}
}

/* A PrometheusRule (render_alerts.c): its labels beyond the chart's own
 * (monitoring.ruleLabels) and its groups; the template names and places it. */
static void take_rule(hm *h, view *w, const mf_object *o)
{
	mf_node *pr = mf_tb_child(&h->tb, mf_get(w->v, "prometheusRules"),
				  key_of(&h->rules, ing_id(h, o)), MF_NOPOS);
	mf_node *labels = extra(h, mf_path(o->doc, "metadata.labels"), mf_get(w->global, "labels"));

	mf_map_del(labels, "app.kubernetes.io/part-of");    /* the chart's commonLabels say */
	mf_map_del(labels, "app.kubernetes.io/managed-by"); /* these two */
	mf_tb_put_bool(&h->tb, pr, "enabled", true, MF_NOPOS);
	mf_tb_put_str(&h->tb, pr, "name", o->name, MF_NOPOS);
	if (o->tenant)
		mf_tb_put_str(&h->tb, pr, "tenant", key_of(&h->tenants, o->tenant), MF_NOPOS);
	mf_tb_put(&h->tb, pr, "labels", labels && labels->n ? labels : NULL);
	mf_tb_put(&h->tb, pr, "annotations",
		  extra(h, mf_path(o->doc, "metadata.annotations"),
			mf_get(w->global, "annotations")));
	mf_tb_put(&h->tb, pr, "groups", mf_path(o->doc, "spec.groups"));
}
