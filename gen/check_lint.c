/* check: manifold lint, the front end: reads hand-written Kubernetes and Compose YAML, runs the
 * rules */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "check_impl.h"
#include "load.h"

/* ---- host ports of hand-written manifests ------------------------------------------ */

/* Compose services share one host; DaemonSets run on every node; other
 * pods only clash when pinned to the same node. */
static const char *node_of(const mf_pod *p)
{
	const char *node = mf_get_str(p->spec, "nodeName");

	if (p->compose)
		return "";
	if (!strcmp(p->obj->kind, "DaemonSet"))
		return "*";
	if (node)
		return node;
	return mf_get_str(mf_get(p->spec, "nodeSelector"), "kubernetes.io/hostname");
}

/* The host ports of one pod's containers (out == NULL: count only). */
static size_t pod_ports(mf_chk *k, const mf_pod *p, const char *host, mf_hostport *out, size_t n)
{
	bool hostnet = mf_is_true(mf_get(p->spec, "hostNetwork"));
	size_t nc;
	mf_ctr *cs = mf_pod_containers(k, p, &nc);

	for (size_t c = 0; c < nc; c++) {
		const mf_node *ports = mf_get(cs[c].node, "ports");
		for (size_t j = 0; ports && ports->kind == MF_SEQ && j < ports->n; j++) {
			const mf_node *hp =
				mf_get(ports->items[j], hostnet ? "containerPort" : "hostPort");
			const char *proto = mf_get_str(ports->items[j], "protocol");
			if (!hp || hp->kind != MF_INT || hp->v.i <= 0)
				continue;
			if (out)
				out[n] = (mf_hostport){
					.port = hp->v.i,
					.proto = proto ? proto : "TCP",
					.host = host,
					.ip = mf_get_str(ports->items[j], "hostIP"),
					.who = p->obj->name,
					.at = hp,
					.owner = p->obj,
					.obj = p->obj,
					.profiles =
						p->compose ? mf_get(p->obj->doc, "profiles") : NULL,
					.order = n};
			n++;
		}
	}
	return n;
}

static size_t lint_ports(mf_chk *k, mf_hostport *out)
{
	size_t n = 0;

	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		mf_pod p;
		const char *host;
		if (!mf_pod_of(&k->objs->v[i], &p) || !(host = node_of(&p)))
			continue;
		k->pod = &p;
		n = pod_ports(k, &p, host, out, n);
	}
	k->pod = NULL;
	return n;
}

static void lint_host_ports(mf_chk *k)
{
	size_t cap = lint_ports(k, NULL);
	mf_hostport *v = mf_alloc(k->c->a, (cap + 1) * sizeof *v);

	if (!v)
		mf_error(k->c, MF_NOPOS, "internal", "out of memory");
	else
		mf_host_port_clashes(k, v, lint_ports(k, v));
}

const mf_rule_impl mf_lint_rules[] = {
	{MF_RULE_HOST_PORT_CONFLICT, MF_SC_OBJECTS, MF_RUN_LINT, lint_host_ports},
};
const size_t mf_lint_nrules = MF_NELEM(mf_lint_rules);

/* ---- manifold lint ------------------------------------------------------------------ */

typedef struct lint {
	mf_chk *k;
	mf_objects objs;
	const mf_node **composes;
	size_t ncompose, capcompose;
	int rc;
} lint;

static void add_k8s(lint *l, const mf_node *doc)
{
	const mf_node *meta = mf_get(doc, "metadata"), *items = mf_get(doc, "items");
	mf_object o = {0};

	if (mf_get_str(doc, "kind") && !strcmp(mf_get_str(doc, "kind"), "List")) {
		for (size_t i = 0; items && items->kind == MF_SEQ && i < items->n; i++)
			if (items->items[i]->kind == MF_MAP)
				add_k8s(l, items->items[i]);
		return;
	}
	o.api_version = mf_get_str(doc, "apiVersion");
	o.kind = mf_get_str(doc, "kind");
	o.name = mf_or(mf_get_str(meta, "name"), "?");
	o.ns = mf_get_str(meta, "namespace");
	o.doc = (mf_node *)doc;
	o.pos = doc->pos;
	if (o.kind && mf_objects_add(l->k->c, &l->objs, &o) < 0)
		l->rc = -1;
}

static void add_compose(lint *l, const mf_node *doc)
{
	const mf_node **grown =
		mf_grow(l->k->c->a, l->composes, l->ncompose, &l->capcompose, sizeof *grown);

	if (!grown) {
		l->rc = mf_error(l->k->c, doc->pos, "internal", "out of memory");
		return;
	}
	l->composes = grown;
	l->composes[l->ncompose++] = doc;
}

static void lint_file(lint *l, const char *path)
{
	uint32_t file = mf_read_source(l->k->c, path, MF_NOPOS);
	const mf_node *docs = file ? mf_yaml_parse(l->k->c, file, true) : NULL;

	if (!docs) {
		l->rc = -1;
		return;
	}
	for (size_t i = 0; docs->kind == MF_SEQ && i < docs->n; i++) {
		const mf_node *d = docs->items[i];
		if (!d || d->kind != MF_MAP)
			continue;
		if (mf_get(d, "kind") && mf_get(d, "apiVersion"))
			add_k8s(l, d);
		else if (mf_get(d, "services") && mf_get(d, "services")->kind == MF_MAP)
			add_compose(l, d);
	}
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static bool yaml_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && ((n > 5 && !strcmp(name + n - 5, ".yaml")) ||
				  (n > 4 && !strcmp(name + n - 4, ".yml")));
}

static void lint_path(lint *l, const char *path, unsigned depth);

/* A Kustomize directory: the files and directories its `resources` name
 * (patches are fragments, not objects); false when there is none. */
static bool lint_kustomization(lint *l, const char *path, unsigned depth)
{
	static const char *const names[] = {"kustomization.yaml", "kustomization.yml",
					    "Kustomization"};
	const mf_node *doc = NULL, *res;
	struct stat st;

	for (size_t i = 0; i < MF_NELEM(names) && !doc; i++) {
		const char *k = mf_printf(l->k->c->a, "%s/%s", path, names[i]);
		uint32_t file = k && !stat(k, &st) ? mf_read_source(l->k->c, k, MF_NOPOS) : 0;
		if (file && !(doc = mf_yaml_parse(l->k->c, file, false)))
			l->rc = -1;
		if (file && !doc)
			return true;
	}
	if (!doc)
		return false;
	res = mf_get(doc, "resources");
	for (size_t i = 0; res && res->kind == MF_SEQ && i < res->n; i++) {
		const char *r = mf_str(res->items[i]);
		if (r && !strstr(r, "://") && r[0] != '/')
			lint_path(l, mf_printf(l->k->c->a, "%s/%s", path, r), depth + 1);
	}
	return true;
}

/* A directory: a Kustomization's resources, else its *.yaml and *.yml
 * files in name order, recursively. */
static void lint_path(lint *l, const char *path, unsigned depth)
{
	struct stat st;
	DIR *dir;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (strcmp(path, "-") && !stat(path, &st) && S_ISDIR(st.st_mode) && depth < 16 &&
	    lint_kustomization(l, path, depth))
		return;
	if (strcmp(path, "-") && !stat(path, &st) && S_ISDIR(st.st_mode) && depth < 16 &&
	    (dir = opendir(path))) {
		while ((de = readdir(dir)) != NULL) {
			char *full;
			if (de->d_name[0] == '.')
				continue;
			full = mf_printf(l->k->c->a, "%s/%s", path, de->d_name);
			if (!full ||
			    (stat(full, &st) || (!S_ISDIR(st.st_mode) && !yaml_name(de->d_name))))
				continue;
			if (n == cap) {
				char **grown =
					realloc(names, (cap = cap ? cap * 2 : 16) * sizeof *grown);
				if (!grown)
					break;
				names = grown;
			}
			names[n++] = full;
		}
		closedir(dir);
		if (n)
			qsort(names, n, sizeof *names, cmp_str);
		for (size_t i = 0; i < n; i++)
			lint_path(l, names[i], depth + 1);
		free(names);
		return;
	}
	lint_file(l, path);
}

int mf_lint(mf_ctx *c, const char *const *paths, size_t npaths, const char *const *names,
	    size_t nnames)
{
	static const char *const base[] = {"baseline"};
	mf_chk k = {.c = c, .lint = true, .packs = mf_packset_new(c)};
	lint l = {.k = &k};
	const mf_pack **packs = NULL;
	mf_pos *nopos = mf_alloc(c->a, (nnames + 1) * sizeof *nopos);
	size_t np = 0, saved = c->max_errors;

	if (!k.packs || !nopos)
		return mf_error(c, MF_NOPOS, "internal", "out of memory");
	if (!nnames) {
		names = base;
		nnames = 1;
	}
	if (mf_packset_load(k.packs, names, nopos, nnames, &packs, &np) < 0)
		l.rc = -1;
	for (size_t i = 0; i < npaths; i++)
		lint_path(&l, paths[i], 0);
	c->max_errors = SIZE_MAX;
	mf_chk_configure(&k, NULL, packs, np);
	k.objs = &l.objs;
	mf_chk_run(&k, packs, np);
	for (size_t i = 0; i < l.ncompose; i++) {
		mf_objects objs = {0};
		if (mf_compose_objects(&k, l.composes[i], NULL, &objs) < 0)
			l.rc = -1;
		k.objs = &objs;
		k.compose = l.composes[i];
		mf_chk_run(&k, packs, np);
	}
	c->max_errors = saved;
	mf_chk_release(&k);
	mf_chk_sort(c);
	return l.rc;
}
