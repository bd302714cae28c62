/* render: Velero Schedules for the stateful storage, one per namespace and backup settings */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "cron.h"
#include "render.h"

/* Grouping: one Schedule per namespace (the environment's, or a tenant's
 * when tenants have state) and per distinct settings (schedule, ttl,
 * storage location, snapshot locations, snapshotVolumes, fsBackup,
 * skipImmediately).  Hooks do not split a group: each service's hooks are
 * a hook resource of their own, selected by the service's label, so they
 * only ever run in that service's pods. */

#define VELERO_API "velero.io/v1"
#define NAME_LABEL "app.kubernetes.io/name"
#define PART_OF_LABEL "app.kubernetes.io/part-of"
#define NAME_MAX_LEN 63 /* Velero copies the name into a label of every Backup */

/* One instance's backup settings: its own over the environment's merged
 * defaults (system < profile < environment). */
typedef struct bset {
	const mf_node *own; /* the service's `backup` (true or settings) */
	const mf_node *schedule, *ttl, *location, *vsl, *snapshot, *fs, *skip;
} bset;

typedef struct bgroup {
	const char *ns;
	const mf_tenant *tenant; /* whose namespace ns is, NULL for the environment's */
	bset set;
	const char *key; /* ns and settings as text: equal keys share a Schedule */
	const char *name;
	mf_pos pos;
} bgroup;

typedef struct vctx {
	mf_ctx *c;
	const mf_system *s;
	const mf_env *e;
	bgroup *g; /* e->ninst slots at most */
	size_t ng;
	size_t *of; /* group index of each instance, or SIZE_MAX */
	mf_tb tb;   /* every tree and name; tb.failed is reported once, at the end */
} vctx;

static const mf_node *pick(const mf_node *own, const mf_node *dflt, const char *key)
{
	const mf_node *v = own && own->kind == MF_MAP ? mf_get(own, key) : NULL;

	return v && v->kind != MF_NULL ? v : mf_get(dflt, key);
}

/* storage.*.backup defaults to true once the service has a backup */
static bool keeps_storage(const mf_instance *in)
{
	for (size_t i = 0; i < in->nvols; i++)
		if (in->vols[i].kind == MF_V_STORAGE &&
		    mf_get_bool(in->vols[i].node, "backup", true))
			return true;
	return false;
}

/* Invalid schedules and ttls were reported by mf_velero_validate(); here
 * they only keep the instance out. */
static bool settings_of(const mf_env *e, const mf_instance *in, bset *b)
{
	long long ns;

	b->own = mf_get(in->spec, "backup");
	if (!mf_backup_asked(b->own) || !keeps_storage(in))
		return false;
	b->schedule = pick(b->own, e->backup, "schedule");
	b->ttl = pick(b->own, e->backup, "ttl");
	b->location = pick(b->own, e->backup, "storageLocation");
	b->vsl = pick(b->own, e->backup, "volumeSnapshotLocations");
	b->snapshot = pick(b->own, e->backup, "snapshotVolumes");
	b->fs = pick(b->own, e->backup, "fsBackup");
	b->skip = pick(b->own, e->backup, "skipImmediately");
	if (!mf_str(b->schedule) || mf_cron_check(mf_str(b->schedule), NULL, 0) < 0)
		return false;
	return !b->ttl || (mf_go_duration_parse(mf_str(b->ttl), &ns, NULL, 0) == 0 && ns > 0);
}

static const char *flag_text(const mf_node *n)
{
	return !n || n->kind != MF_BOOL ? "-" : n->v.b ? "true" : "false";
}

static const char *group_key(mf_tb *tb, const char *ns, const bset *b)
{
	const char *vsl = "", *ttl;

	for (size_t i = 0; vsl && b->vsl && b->vsl->kind == MF_SEQ && i < b->vsl->n; i++)
		vsl = mf_tb_printf(tb, "%s%s,", vsl, mf_or(mf_str(b->vsl->items[i]), ""));
	ttl = b->ttl ? mf_go_duration_of(tb->a, b->ttl) : "-";
	tb->failed |= !ttl; /* settings_of() checked the ttl: out of memory */
	if (!vsl || !ttl)
		return NULL;
	return mf_tb_printf(tb, "%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s", ns, mf_str(b->schedule), ttl,
			    mf_or(mf_str(b->location), "-"), vsl, flag_text(b->snapshot),
			    flag_text(b->fs), flag_text(b->skip));
}

static bool same(const char *x, const char *y)
{
	return x && y ? !strcmp(x, y) : x == y;
}

static void place(vctx *v, size_t i, const bset *b)
{
	const mf_instance *in = &v->e->inst[i];
	const char *key = group_key(&v->tb, in->ns, b);
	size_t k = 0;

	if (!key)
		return;
	while (k < v->ng && strcmp(v->g[k].key, key))
		k++;
	if (k == v->ng) {
		bgroup *g = &v->g[v->ng++];
		g->ns = in->ns;
		g->tenant = same(in->ns, v->e->ns) ? NULL : in->tenant;
		g->set = *b;
		g->key = key;
		g->pos = mf_get_pair(in->spec, "backup")->pos;
	}
	v->of[i] = k;
}

/* ---- names ------------------------------------------------------------------ */

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

static const struct {
	const char *descriptor, *word;
} descriptor_words[] = {
	{"@yearly", "yearly"}, {"@annually", "yearly"}, {"@monthly", "monthly"},
	{"@weekly", "weekly"}, {"@daily", "daily"},     {"@midnight", "daily"},
	{"@hourly", "hourly"},
};

/* Field shapes, 'n' a single value, '*' every value: "nn***" is daily. */
static const struct {
	const char *shape, *word;
} shape_words[] = {
	{"n****", "hourly"},  {"nn***", "daily"},  {"nn**n", "weekly"},
	{"nnn**", "monthly"}, {"nnnn*", "yearly"},
};

static const char *shape_word(const char *s)
{
	char shape[6] = "";

	for (size_t k = 0; *s && k < 5; k++) {
		size_t n;
		while (*s == ' ' || *s == '\t')
			s++;
		n = strcspn(s, " \t");
		if (n == 1 && (*s == '*' || *s == '?'))
			shape[k] = '*';
		else
			shape[k] = all_digits(s, n) || (k == 4 && n == 3) ? 'n' : 'x';
		s += n;
	}
	for (size_t i = 0; i < MF_NELEM(shape_words); i++)
		if (!strcmp(shape, shape_words[i].shape))
			return shape_words[i].word;
	return "backup";
}

/* "daily", "weekly"... from the schedule, "backup" when it is irregular */
static const char *schedule_word(mf_tb *tb, const char *expr)
{
	const char *zone, *s = mf_cron_split_tz(tb->a, expr, &zone);

	for (size_t i = 0; i < MF_NELEM(descriptor_words); i++)
		if (!strcmp(s, descriptor_words[i].descriptor))
			return descriptor_words[i].word;
	return *s == '@' ? "backup" : shape_word(s);
}

static unsigned long fnv24(const char *s)
{
	unsigned long h = 2166136261ul;

	for (; *s; s++)
		h = ((h ^ (unsigned char)*s) * 16777619ul) & 0xfffffffful;
	return h & 0xfffffful;
}

/* DNS-1123 and at most 63 characters: a longer name keeps its start and
 * gets a hash of the whole, so names stay unique and stable. */
static const char *fit_name(mf_tb *tb, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n <= NAME_MAX_LEN)
		return name;
	n = NAME_MAX_LEN - 7;
	while (n && name[n - 1] == '-')
		n--;
	return mf_tb_printf(tb, "%.*s-%06lx", (int)n, name, fnv24(name));
}

/* <system>-<env>[-<tenant>|-system]-<word>; groups that would share a name get a
 * hash of their settings, so adding one never renames the others. */
static void name_groups(vctx *v)
{
	mf_tb *tb = &v->tb;
	const char **base = mf_tb_alloc(tb, (v->ng + 1) * sizeof *base);

	if (!base)
		return;
	for (size_t i = 0; i < v->ng; i++) {
		const bgroup *g = &v->g[i];
		const char *owner = g->tenant                      ? g->tenant->name
				    : same(g->ns, v->e->ns)        ? NULL
				    : same(g->ns, v->e->system_ns) ? MF_SYSTEM_PART
								   : g->ns;
		base[i] = mf_tb_printf(tb, "%s-%s%s%s-%s", v->s->name, v->e->name, owner ? "-" : "",
				       owner ? owner : "",
				       schedule_word(tb, mf_str(g->set.schedule)));
	}
	for (size_t i = 0; i < v->ng && !tb->failed; i++) {
		size_t same = 0;
		for (size_t k = 0; k < v->ng; k++)
			same += !strcmp(base[i], base[k]);
		v->g[i].name = fit_name(
			tb, same > 1 ? mf_tb_printf(tb, "%s-%06lx", base[i], fnv24(v->g[i].key))
				     : base[i]);
	}
}

/* ---- the Schedule object ------------------------------------------------ */

static mf_node *str_seq(mf_tb *tb, const char *const *items, size_t n, mf_pos pos)
{
	mf_node *seq = mf_tb_seq(tb, pos);

	for (size_t i = 0; i < n; i++)
		mf_tb_push(tb, seq, mf_tb_str(tb, items[i], pos));
	return seq;
}

/* user labels may be numbers or booleans; label values are strings */
static void add_labels(mf_tb *tb, mf_node *dst, const mf_node *labels)
{
	for (size_t i = 0; labels && labels->kind == MF_MAP && i < labels->n; i++) {
		const mf_pair *p = &labels->pairs[i];
		if (mf_str(p->val) && !mf_own_label(p->key))
			mf_tb_put(tb, dst, p->key, mf_tb_str(tb, mf_str(p->val), p->val->pos));
	}
}

/* app.kubernetes.io/part-of as the Kubernetes renderer writes it */
static const char *part_of(const mf_system *s)
{
	const char *p = mf_str(mf_get(mf_path(s->doc, "system.labels"), PART_OF_LABEL));

	return p ? p : s->name;
}

/* The Schedule's labels, also written as spec.template.metadata.labels:
 * Backups then take those instead of the Schedule's, so a tracking label a
 * GitOps tool puts on the Schedule never reaches them.  Velero sets
 * velero.io/schedule-name itself. */
static mf_node *schedule_labels(vctx *v)
{
	mf_tb *tb = &v->tb;
	mf_node *l = mf_tb_map(tb, MF_NOPOS);

	mf_tb_put_str(tb, l, PART_OF_LABEL, part_of(v->s), MF_NOPOS);
	mf_tb_put_str(tb, l, "app.kubernetes.io/component", "backup", MF_NOPOS);
	mf_tb_put_str(tb, l, "app.kubernetes.io/managed-by", "manifold", MF_NOPOS);
	add_labels(tb, l, mf_path(v->s->doc, "system.labels"));
	add_labels(tb, l, mf_get(v->e->node, "labels"));
	return l;
}

/* Velero copies a Schedule's annotations onto its Backups: these keep
 * Argo CD from pruning a Backup (or the Schedule) and from counting them
 * as out of sync. */
static mf_node *schedule_annotations(mf_tb *tb)
{
	mf_node *m = mf_tb_map(tb, MF_NOPOS);

	mf_tb_put_str(tb, m, "argocd.argoproj.io/compare-options", "IgnoreExtraneous", MF_NOPOS);
	mf_tb_put_str(tb, m, "argocd.argoproj.io/sync-options", "Prune=false", MF_NOPOS);
	return m;
}

/* the services of a group, each once, in description order of instances */
static size_t group_services(const vctx *v, size_t k, const char **names, mf_pos *pos)
{
	size_t n = 0;

	for (size_t i = 0; i < v->e->ninst; i++) {
		const mf_instance *in = &v->e->inst[i];
		if (v->of[i] != k || (n && !strcmp(names[n - 1], in->service)))
			continue;
		pos[n] = in->pos;
		names[n++] = in->service;
	}
	return n;
}

/* labelSelector: the workloads, pods and volume claims of the group's
 * services, by the labels the Kubernetes renderer puts on them: the
 * system's part-of and each service's name (not the instance label: Helm
 * sets that one to the release name). */
static mf_node *selector(vctx *v, size_t k)
{
	mf_tb *tb = &v->tb;
	const char **names = mf_tb_alloc(tb, (v->e->ninst + 1) * sizeof *names);
	mf_pos *pos = mf_tb_alloc(tb, (v->e->ninst + 1) * sizeof *pos);
	mf_node *sel = mf_tb_map(tb, v->g[k].pos), *ex = mf_tb_map(tb, v->g[k].pos);
	mf_node *values = mf_tb_seq(tb, v->g[k].pos);
	size_t n;

	if (!names || !pos || !ex || !values)
		return NULL;
	n = group_services(v, k, names, pos);
	mf_tb_put_str(tb, mf_tb_child(tb, sel, "matchLabels", v->g[k].pos), PART_OF_LABEL,
		      part_of(v->s), MF_NOPOS);
	for (size_t i = 0; i < n; i++)
		mf_tb_push(tb, values, mf_tb_str(tb, names[i], pos[i]));
	mf_tb_put_str(tb, ex, "key", NAME_LABEL, MF_NOPOS);
	mf_tb_put_str(tb, ex, "operator", "In", MF_NOPOS);
	mf_tb_put(tb, ex, "values", values);
	mf_tb_push(tb, mf_tb_child_seq(tb, sel, "matchExpressions", v->g[k].pos), ex);
	return sel;
}

/* a hook's command: the argv the description means (mf_command_argv) */
static mf_node *hook_command(mf_tb *tb, const mf_node *cmd)
{
	return cmd ? mf_command_argv(tb, cmd, NULL) : mf_tb_seq(tb, MF_NOPOS);
}

/* backup.hooks.pre/post[]: {container, command, onError, timeout} */
static mf_node *hook_exec(mf_tb *tb, const mf_node *h)
{
	mf_node *item = mf_tb_map(tb, h->pos), *exec = mf_tb_child(tb, item, "exec", h->pos);
	const mf_node *container = mf_get(h, "container"), *on = mf_get(h, "onError"),
		      *t = mf_get(h, "timeout");
	const char *timeout = mf_go_duration_of(tb->a, t);

	if (mf_str(container))
		mf_tb_put_str(tb, exec, "container", mf_str(container), container->pos);
	mf_tb_put(tb, exec, "command", hook_command(tb, mf_get(h, "command")));
	if (mf_str(on))
		mf_tb_put_str(tb, exec, "onError", mf_str(on), on->pos);
	if (timeout)
		mf_tb_put_str(tb, exec, "timeout", timeout, t->pos);
	return item;
}

/* One hook resource per service: its pods only, in the group's namespace. */
static mf_node *hook_resource(mf_tb *tb, const mf_system *s, const bgroup *g, const mf_instance *in,
			      const mf_node *hooks)
{
	static const char *const phases[] = {"pre", "post"};
	const char *pods = "pods";
	mf_node *res = mf_tb_map(tb, hooks->pos), *sel;

	mf_tb_put_str(tb, res, "name", in->service, in->pos);
	mf_tb_put(tb, res, "includedNamespaces", str_seq(tb, &g->ns, 1, g->pos));
	mf_tb_put(tb, res, "includedResources", str_seq(tb, &pods, 1, hooks->pos));
	sel = mf_tb_child(tb, mf_tb_child(tb, res, "labelSelector", hooks->pos), "matchLabels",
			  hooks->pos);
	mf_tb_put_str(tb, sel, PART_OF_LABEL, part_of(s), MF_NOPOS);
	mf_tb_put_str(tb, sel, NAME_LABEL, in->service, in->pos);
	for (size_t p = 0; p < 2; p++) {
		const mf_node *list = mf_get(hooks, phases[p]);
		mf_node *seq;
		if (!list || list->kind != MF_SEQ || !list->n)
			continue;
		seq = mf_tb_child_seq(tb, res, phases[p], list->pos);
		for (size_t i = 0; i < list->n; i++)
			mf_tb_push(tb, seq, hook_exec(tb, list->items[i]));
	}
	return res;
}

static bool has_hooks(const mf_node *hooks)
{
	const mf_node *pre = mf_get(hooks, "pre"), *post = mf_get(hooks, "post");

	return (pre && pre->kind == MF_SEQ && pre->n) || (post && post->kind == MF_SEQ && post->n);
}

/* template.hooks, or NULL when no service of the group has hooks */
static mf_node *group_hooks(vctx *v, size_t k)
{
	mf_tb *tb = &v->tb;
	mf_node *hooks = mf_tb_map(tb, v->g[k].pos), *res = NULL;
	const char *last = NULL;

	for (size_t i = 0; i < v->e->ninst; i++) {
		const mf_instance *in = &v->e->inst[i];
		const mf_node *h = mf_get(mf_get(in->spec, "backup"), "hooks");
		if (v->of[i] != k || !has_hooks(h) || (last && !strcmp(last, in->service)))
			continue;
		if (!res)
			res = mf_tb_child_seq(tb, hooks, "resources", h->pos);
		mf_tb_push(tb, res, hook_resource(tb, v->s, &v->g[k], in, h));
		last = in->service;
	}
	return res ? hooks : NULL;
}

static void set_flag(mf_tb *tb, mf_node *map, const char *key, const mf_node *flag)
{
	if (flag && flag->kind == MF_BOOL)
		mf_tb_put_bool(tb, map, key, flag->v.b, flag->pos);
}

/* spec.template: what each Backup of the Schedule holds */
static mf_node *template_of(vctx *v, size_t k)
{
	mf_tb *tb = &v->tb;
	const bgroup *g = &v->g[k];
	const bset *b = &g->set;
	mf_node *t = mf_tb_map(tb, g->pos), *hooks = group_hooks(v, k);

	mf_tb_put(tb, mf_tb_child(tb, t, "metadata", MF_NOPOS), "labels", schedule_labels(v));
	mf_tb_put(tb, t, "includedNamespaces",
		  str_seq(tb, &g->ns, 1, g->tenant ? g->tenant->pos : g->pos));
	mf_tb_put(tb, t, "labelSelector", selector(v, k));
	set_flag(tb, t, "snapshotVolumes", b->snapshot);
	set_flag(tb, t, "defaultVolumesToFsBackup", b->fs);
	if (mf_str(b->location))
		mf_tb_put_str(tb, t, "storageLocation", mf_str(b->location), b->location->pos);
	if (b->vsl && b->vsl->kind == MF_SEQ)
		mf_tb_put(tb, t, "volumeSnapshotLocations", mf_tb_copy(tb, b->vsl));
	if (b->ttl) {
		const char *ttl = mf_go_duration_of(tb->a, b->ttl);
		tb->failed |= !ttl; /* settings_of() checked it: out of memory */
		mf_tb_put_str(tb, t, "ttl", ttl, b->ttl->pos);
	}
	if (hooks)
		mf_tb_put(tb, t, "hooks", hooks);
	return t;
}

static const char *velero_ns(const mf_env *e)
{
	const char *ns = mf_get_str(e->backup, "namespace");

	return ns ? ns : "velero";
}

static mf_node *schedule_doc(vctx *v, size_t k)
{
	mf_tb *tb = &v->tb;
	const bgroup *g = &v->g[k];
	const mf_node *vns = mf_get(v->e->backup, "namespace");
	mf_node *doc = mf_tb_map(tb, g->pos), *meta, *spec;

	mf_tb_put_str(tb, doc, "apiVersion", VELERO_API, MF_NOPOS);
	mf_tb_put_str(tb, doc, "kind", "Schedule", MF_NOPOS);
	meta = mf_tb_child(tb, doc, "metadata", g->pos);
	mf_tb_put_str(tb, meta, "name", g->name, g->pos);
	mf_tb_put_str(tb, meta, "namespace", velero_ns(v->e), vns ? vns->pos : g->pos);
	mf_tb_put(tb, meta, "labels", schedule_labels(v));
	mf_tb_put(tb, meta, "annotations", schedule_annotations(tb));
	spec = mf_tb_child(tb, doc, "spec", g->pos);
	mf_tb_put_str(tb, spec, "schedule", mf_str(g->set.schedule), g->set.schedule->pos);
	set_flag(tb, spec, "skipImmediately", g->set.skip);
	/* owner references would make deleting (or pruning) the Schedule delete
	 * every Backup it made, and break syncing Backups into a new cluster */
	mf_tb_put_bool(tb, spec, "useOwnerReferencesInBackup", false, MF_NOPOS);
	mf_tb_put(tb, spec, "template", template_of(v, k));
	return mf_get(spec, "template") ? doc : NULL;
}

static int add_schedule(vctx *v, size_t k, mf_objects *out)
{
	const bgroup *g = &v->g[k];
	const mf_instance *first = NULL;
	mf_object obj;

	for (size_t i = 0; i < v->e->ninst && !first; i++)
		if (v->of[i] == k)
			first = &v->e->inst[i];
	obj = (mf_object){VELERO_API,
			  "Schedule",
			  g->name,
			  velero_ns(v->e),
			  schedule_doc(v, k),
			  first,
			  g->tenant ? g->tenant->name : NULL,
			  g->name,
			  g->pos};
	if (!mf_tb_check(&v->tb, obj.doc))
		return 0;
	return mf_objects_add(v->c, out, &obj);
}

int mf_render_velero(mf_ctx *c, const mf_system *s, const mf_env *e, mf_objects *out)
{
	vctx v = {.c = c, .s = s, .e = e, .tb = {.a = c->a}};
	bset b;

	if (e->is_base || !e->ninst)
		return 0;
	v.g = mf_tb_alloc(&v.tb, e->ninst * sizeof *v.g);
	v.of = mf_tb_alloc(&v.tb, e->ninst * sizeof *v.of);
	for (size_t i = 0; v.g && v.of && i < e->ninst; i++) {
		v.of[i] = SIZE_MAX;
		memset(&b, 0, sizeof b);
		if (e->inst[i].ns && settings_of(e, &e->inst[i], &b))
			place(&v, i, &b);
	}
	name_groups(&v);
	for (size_t k = 0; k < v.ng && !v.tb.failed; k++)
		if (add_schedule(&v, k, out) < 0)
			return -1;
	if (v.tb.failed)
		return mf_error(c, e->pos, "internal", "out of memory");
	return 0;
}
