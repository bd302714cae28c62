/* render: monitoring.grafana as Grafana provisioning: Compose files, Kubernetes ConfigMaps */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "render.h"

/* Compose: what is written beside the Compose file, and mounted from there */
#define DS_DIR "grafana/datasources"
#define PROV_DIR "grafana/providers"
#define JSON_DIR "grafana/dashboards"
#define VOL_DS MF_GRAFANA_VOL_DS
#define VOL_PROV MF_GRAFANA_VOL_PROV
#define VOL_JSON MF_GRAFANA_VOL_JSON

static const mf_node *section(const mf_system *s, const char *key)
{
	const mf_node *n = mf_get(mf_path(s->doc, "monitoring.grafana"), key);

	return n && n->kind == MF_MAP && n->n ? n : NULL;
}

static const char *grafana_service(const mf_system *s)
{
	return mf_str(mf_path(s->doc, "monitoring.grafana.service"));
}

/* {apiVersion: 1, datasources: [{name, then its fields as written}]} */
static mf_node *datasources_doc(mf_tb *tb, const mf_node *ds)
{
	mf_node *doc = mf_tb_map(tb, ds->pos), *list;

	mf_tb_put_int(tb, doc, "apiVersion", 1, ds->pos);
	list = mf_tb_child_seq(tb, doc, "datasources", ds->pos);
	for (size_t k = 0; k < ds->n; k++) {
		const mf_node *v = ds->pairs[k].val;
		mf_node *m = mf_tb_map(tb, ds->pairs[k].pos);
		mf_tb_put_str(tb, m, "name", ds->pairs[k].key, ds->pairs[k].pos);
		for (size_t f = 0; v && v->kind == MF_MAP && f < v->n; f++)
			mf_tb_put(tb, m, v->pairs[f].key, mf_tb_copy(tb, v->pairs[f].val));
		mf_tb_push(tb, list, m);
	}
	return doc;
}

/* One file provider per dashboard, each reading its own folder of the JSON
 * mount: a dashboard's `folder` is its provider's. */
static mf_node *providers_doc(mf_tb *tb, const mf_node *dash)
{
	mf_node *doc = mf_tb_map(tb, dash->pos), *list;

	mf_tb_put_int(tb, doc, "apiVersion", 1, dash->pos);
	list = mf_tb_child_seq(tb, doc, "providers", dash->pos);
	for (size_t k = 0; k < dash->n; k++) {
		const mf_pair *d = &dash->pairs[k];
		mf_node *m = mf_tb_map(tb, d->pos);
		mf_tb_put_str(tb, m, "name", d->key, d->pos);
		mf_tb_put(tb, m, "folder", mf_tb_copy(tb, mf_get(d->val, "folder")));
		mf_tb_put_str(tb, m, "type", "file", d->pos);
		mf_tb_put_str(tb, mf_tb_child(tb, m, "options", d->pos), "path",
			      mf_tb_printf(tb, "%s/%s", MF_GRAFANA_DASHBOARDS, d->key), d->pos);
		mf_tb_push(tb, list, m);
	}
	return doc;
}

/* ---- Kubernetes ----------------------------------------------------------------- */

/* A ConfigMap's data holds text: the datasources file as JSON, which is
 * YAML too (Grafana reads *.yaml there); jansson writes it, linearly. */
static json_t *json_of(const mf_node *n)
{
	json_t *j;

	switch (n ? n->kind : MF_NULL) {
	case MF_BOOL:
		return json_boolean(n->v.b);
	case MF_INT:
		return json_integer(n->v.i); /* the value the loader read */
	case MF_FLOAT:
		return json_real(n->v.f);
	case MF_STR:
		return json_string(mf_str(n));
	case MF_SEQ:
		j = json_array();
		for (size_t k = 0; j && k < n->n; k++)
			json_array_append_new(j, json_of(n->items[k]));
		return j;
	case MF_MAP:
		j = json_object();
		for (size_t k = 0; j && k < n->n; k++)
			json_object_set_new(j, n->pairs[k].key, json_of(n->pairs[k].val));
		return j;
	default:
		return json_null();
	}
}

static mf_node *text_of(mf_tb *tb, const mf_node *doc)
{
	json_t *j = json_of(doc);
	char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	mf_node *n = text ? mf_tb_str(tb, mf_tb_printf(tb, "%s\n", text), doc->pos) : NULL;

	if (n)
		n->flags |= MF_BLOCK;
	free(text);
	json_decref(j);
	return mf_tb_check(tb, n);
}

/* What the Kubernetes objects of one environment are made with. */
typedef struct gk {
	mf_ctx *c;
	mf_tb *tb;
	const mf_system *s;
	const mf_env *e;
	mf_objects *out;
	const char *ns;   /* the Grafana service's, or the environment's */
	const char *part; /* its namespace's part of the output (mf_inst_part), or NULL */
} gk;

static mf_object *config_map(gk *g, const char *name, const mf_node *labels, const char *key,
			     mf_node *text, mf_pos pos)
{
	mf_object o = {.api_version = "v1",
		       .kind = "ConfigMap",
		       .name = name,
		       .ns = g->ns,
		       .tenant = g->part,
		       .group = "grafana-provisioning",
		       .pos = pos};

	o.doc = mf_monitoring_object(g->tb, g->s, g->e, "v1", "ConfigMap", name, g->ns, labels,
				     pos);
	mf_tb_put(g->tb, mf_tb_child(g->tb, o.doc, "data", pos), key, text);
	if (!mf_tb_check(g->tb, o.doc) || g->tb->failed || mf_objects_add(g->c, g->out, &o) < 0)
		return NULL;
	return &g->out->v[g->out->n - 1];
}

static mf_node *one_label(mf_tb *tb, const char *key, mf_pos pos)
{
	mf_node *m = mf_tb_map(tb, pos);

	mf_tb_put_str(tb, m, key, "1", pos);
	return m;
}

/* a dashboard's ConfigMap: its JSON as written; its folder in the
 * annotation the Grafana chart's sidecar reads (folderAnnotation) */
static int dashboard_map(gk *g, const mf_pair *d)
{
	const mf_node *folder = mf_get(d->val, "folder");
	mf_object *o = config_map(g, mf_tb_printf(g->tb, "%s-dashboard-%s", g->s->name, d->key),
				  one_label(g->tb, "grafana_dashboard", d->pos),
				  mf_tb_printf(g->tb, "%s.json", d->key),
				  mf_tb_copy(g->tb, mf_get(d->val, "json")), d->pos);

	if (!o)
		return -1;
	if (folder)
		mf_tb_put(
			g->tb,
			mf_tb_child(g->tb, mf_get(o->doc, "metadata"), "annotations", folder->pos),
			"grafana_folder", mf_tb_copy(g->tb, folder));
	return g->tb->failed ? -1 : 0;
}

int mf_render_grafana(mf_ctx *c, mf_tb *tb, const mf_system *s, const mf_env *e, mf_objects *out)
{
	const mf_node *ds = section(s, "datasources"), *dash = section(s, "dashboards");
	const char *svc = grafana_service(s), *file = mf_tb_printf(tb, "%s.yaml", s->name);
	const mf_instance *in = svc ? mf_find_instance(e, svc, NULL) : NULL;
	gk g = {c, tb, s, e, out, in ? in->ns : e->ns, in ? mf_inst_part(in) : NULL};

	if (ds && !config_map(&g, mf_tb_printf(tb, "%s-grafana-datasources", s->name),
			      one_label(tb, "grafana_datasource", ds->pos), file,
			      text_of(tb, datasources_doc(tb, ds)), ds->pos))
		return -1;
	for (size_t k = 0; dash && k < dash->n; k++)
		if (dashboard_map(&g, &dash->pairs[k]) < 0)
			return -1;
	if (dash && in &&
	    !config_map(&g, mf_tb_printf(tb, "%s-grafana-providers", s->name), NULL, file,
			text_of(tb, providers_doc(tb, dash)), dash->pos))
		return -1;
	return 0;
}

static void mount(mf_tb *tb, mf_node *mounts, const char *vol, const char *path, mf_pos pos)
{
	mf_node *m = mf_tb_map(tb, pos);

	mf_tb_put_str(tb, m, "name", vol, pos);
	mf_tb_put_str(tb, m, "mountPath", path, pos);
	mf_tb_put_bool(tb, m, "readOnly", true, pos);
	mf_tb_push(tb, mounts, m);
}

static void cm_volume(mf_tb *tb, mf_node *vols, const char *vol, const char *cm, mf_pos pos)
{
	mf_node *v = mf_tb_map(tb, pos);

	mf_tb_put_str(tb, v, "name", vol, pos);
	mf_tb_put_str(tb, mf_tb_child(tb, v, "configMap", pos), "name", cm, pos);
	mf_tb_push(tb, vols, v);
}

/* every dashboard's ConfigMap in one volume: NAME/NAME.json, the folder its
 * provider reads */
static void json_volume(mf_tb *tb, const mf_system *s, const mf_node *dash, mf_node *vols)
{
	mf_node *v = mf_tb_map(tb, dash->pos), *srcs;

	mf_tb_put_str(tb, v, "name", VOL_JSON, dash->pos);
	srcs = mf_tb_child_seq(tb, mf_tb_child(tb, v, "projected", dash->pos), "sources",
			       dash->pos);
	for (size_t k = 0; k < dash->n; k++) {
		const mf_pair *d = &dash->pairs[k];
		mf_node *src = mf_tb_map(tb, d->pos),
			*cm = mf_tb_child(tb, src, "configMap", d->pos);
		mf_node *item = mf_tb_map(tb, d->pos);
		mf_tb_put_str(tb, cm, "name", mf_tb_printf(tb, "%s-dashboard-%s", s->name, d->key),
			      d->pos);
		mf_tb_put_str(tb, item, "key", mf_tb_printf(tb, "%s.json", d->key), d->pos);
		mf_tb_put_str(tb, item, "path", mf_tb_printf(tb, "%s/%s.json", d->key, d->key),
			      d->pos);
		mf_tb_push(tb, mf_tb_child_seq(tb, cm, "items", d->pos), item);
		mf_tb_push(tb, srcs, src);
	}
	mf_tb_push(tb, vols, v);
}

void mf_k8s_grafana_volumes(mf_tb *tb, const mf_system *s, const mf_instance *in, mf_node *vols,
			    mf_node *mounts)
{
	const mf_node *ds = section(s, "datasources"), *dash = section(s, "dashboards");

	if (in->tenant || !mf_streq(in->service, grafana_service(s)))
		return;
	if (ds) {
		cm_volume(tb, vols, VOL_DS, mf_tb_printf(tb, "%s-grafana-datasources", s->name),
			  ds->pos);
		mount(tb, mounts, VOL_DS, MF_GRAFANA_DATASOURCES, ds->pos);
	}
	if (dash) {
		cm_volume(tb, vols, VOL_PROV, mf_tb_printf(tb, "%s-grafana-providers", s->name),
			  dash->pos);
		mount(tb, mounts, VOL_PROV, MF_GRAFANA_PROVIDERS, dash->pos);
		json_volume(tb, s, dash, vols);
		mount(tb, mounts, VOL_JSON, MF_GRAFANA_DASHBOARDS, dash->pos);
	}
}

/* ---- Compose -------------------------------------------------------------------- */

static void bind(mf_tb *tb, mf_node *svc, const char *dir, const char *target, mf_pos pos)
{
	mf_node *vols = mf_get(svc, "volumes"), *m = mf_tb_map(tb, pos);

	if (!vols && !(vols = mf_tb_child_seq(tb, svc, "volumes", pos)))
		return;
	mf_tb_put_str(tb, m, "type", "bind", pos);
	mf_tb_put_str(tb, m, "source", mf_tb_printf(tb, "./%s", dir), pos);
	mf_tb_put_str(tb, m, "target", target, pos);
	mf_tb_put_bool(tb, m, "read_only", true, pos);
	mf_tb_push(tb, vols, m);
}

/* An environment that does not run the service gets nothing: Compose has
 * no sidecar to collect the files. */
void mf_compose_grafana(mf_tb *tb, const mf_system *s, const mf_env *e, mf_node *services,
			mf_node *files)
{
	const mf_node *ds = section(s, "datasources"), *dash = section(s, "dashboards");
	const char *svc = grafana_service(s);
	const mf_instance *in = svc ? mf_find_instance(e, svc, NULL) : NULL;
	mf_node *out = in ? mf_get(services, in->compose_name) : NULL;

	if (!out || !files)
		return;
	if (ds) {
		mf_tb_put(tb, files, mf_tb_printf(tb, "%s/%s.yaml", DS_DIR, s->name),
			  datasources_doc(tb, ds));
		bind(tb, out, DS_DIR, MF_GRAFANA_DATASOURCES, ds->pos);
	}
	if (!dash)
		return;
	mf_tb_put(tb, files, mf_tb_printf(tb, "%s/%s.yaml", PROV_DIR, s->name),
		  providers_doc(tb, dash));
	for (size_t k = 0; k < dash->n; k++)
		mf_tb_put(tb, files,
			  mf_tb_printf(tb, "%s/%s/%s.json", JSON_DIR, dash->pairs[k].key,
				       dash->pairs[k].key),
			  mf_tb_copy(tb, mf_get(dash->pairs[k].val, "json")));
	bind(tb, out, PROV_DIR, MF_GRAFANA_PROVIDERS, dash->pos);
	bind(tb, out, JSON_DIR, MF_GRAFANA_DASHBOARDS, dash->pos);
}
