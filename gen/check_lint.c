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

/* ---- values as the Kubernetes decoder reads them -------------------------------- */

/* go-yaml v2 (kubectl's YAML 1.1) reads these as booleans; YAML 1.2 as strings */
static const char *const yaml11_true[] = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON"};
static const char *const yaml11_false[] = {"n", "N", "no", "No", "NO", "off", "Off", "OFF"};

/* Fields the API types as booleans: there lint reads the value as kubectl does. */
static const char *const bool_fields[] = {
	"allowPrivilegeEscalation",
	"automountServiceAccountToken",
	"enableServiceLinks",
	"hostIPC",
	"hostNetwork",
	"hostPID",
	"hostUsers",
	"immutable",
	"optional",
	"paused",
	"privileged",
	"publishNotReadyAddresses",
	"readOnly",
	"readOnlyRootFilesystem",
	"runAsNonRoot",
	"setHostnameAsFQDN",
	"shareProcessNamespace",
	"stdin",
	"stdinOnce",
	"suspend",
	"tty",
};

/* Maps and lists whose values the API types as strings. */
static const char *const string_maps[] = {"labels",     "annotations", "data",
					  "stringData", "matchLabels", "nodeSelector"};
static const char *const string_lists[] = {"command", "args"};

static bool octal_text(const char *s)
{
	return s[0] == '0' && s[1] && strspn(s + 1, "01234567") == strlen(s + 1);
}

/* A plain scalar YAML 1.1 reads otherwise gets MF_YAML11; in a boolean
 * field a yes/no word becomes the boolean, an octal the number, as kubectl
 * reads them.  `strings`: the API types the value as a string. */
static bool decode_scalar(mf_node *v, const char *key, bool strings)
{
	bool t;

	if ((v->flags & (MF_QUOTED | MF_SHARED | MF_FROZEN)) || !mf_is_scalar(v))
		return false;
	/* the YAML 1.1 words are y, n, on, off, yes and no in three cases: a
	 * string of more than three bytes or of another first letter is none */
	if (v->kind == MF_STR && (!strchr("yYnNoO", v->str[0]) || strlen(v->str) > 3))
		return false;
	if (v->kind == MF_INT && octal_text(v->str)) {
		v->v.i = strtoll(v->str, NULL, 8);
		v->flags |= MF_YAML11;
		return true;
	}
	if (v->kind != MF_STR) /* the words below are strings to YAML 1.2 */
		return false;
	t = MF_IN_LIST(v->str, yaml11_true);
	if (!t && !MF_IN_LIST(v->str, yaml11_false))
		return false;
	if (key && MF_IN_LIST(key, bool_fields)) {
		v->kind = MF_BOOL;
		v->v.b = t;
	} else if (!strings) {
		return false;
	}
	v->flags |= MF_YAML11;
	return true;
}

/* Returns whether anything under n was marked; a list or mapping that holds
 * a marked value is marked too, so the report walks only down to them.
 * `env`: n is an item of an env list (its `value` is a string). */
static bool decode(mf_node *n, const char *key, bool strings, bool env)
{
	bool any = false;

	if (!n || (n->flags & (MF_SHARED | MF_FROZEN)))
		return false;
	for (size_t i = 0; n->kind == MF_SEQ && i < n->n; i++)
		if (n->items[i] && n->items[i]->kind == MF_MAP)
			any |= decode(n->items[i], NULL, false, !strcmp(key ? key : "", "env"));
		else if (n->items[i])
			any |= decode_scalar(n->items[i], NULL,
					     key && MF_IN_LIST(key, string_lists));
	for (size_t i = 0; n->kind == MF_MAP && i < n->n; i++) {
		mf_pair *p = &n->pairs[i];
		if (p->val && mf_is_scalar(p->val))
			any |= decode_scalar(p->val, p->key,
					     strings || (env && !strcmp(p->key, "value")));
		else if (p->val)
			any |= decode(p->val, p->key, MF_IN_LIST(p->key, string_maps), false);
	}
	if (any)
		n->flags |= MF_YAML11;
	return any;
}

/* Report each value decode() marked; `path` is where n is. */
static void yaml11_walk(mf_chk *k, const mf_node *n, const char *key, const char *path)
{
	if (!n || !(n->flags & MF_YAML11))
		return;
	if (n->kind == MF_INT)
		mf_finding(k, MF_RULE_YAML11_VALUE, mf_chk_at(k, n), path,
			   "'%s' is octal to kubectl (YAML 1.1: %lld) and decimal to YAML 1.2 "
			   "tools: write %lld",
			   n->str, n->v.i, n->v.i);
	else if (n->kind == MF_BOOL)
		mf_finding(k, MF_RULE_YAML11_VALUE, mf_chk_at(k, n), path,
			   "'%s: %s' is a boolean to kubectl (YAML 1.1) and a string to YAML 1.2 "
			   "tools: read as %s, write %s",
			   key ? key : "?", n->str, n->v.b ? "true" : "false",
			   n->v.b ? "true" : "false");
	else if (n->kind == MF_STR)
		mf_finding(
			k, MF_RULE_YAML11_VALUE, mf_chk_at(k, n), path,
			"'%s' is a boolean to kubectl (YAML 1.1), which the API refuses where it "
			"wants a string: quote it",
			n->str);
	for (size_t i = 0; n->kind == MF_MAP && i < n->n; i++)
		if (n->pairs[i].val && (n->pairs[i].val->flags & MF_YAML11))
			yaml11_walk(k, n->pairs[i].val, n->pairs[i].key,
				    mf_printf(k->c->a, "%s%s%s", path, *path ? "." : "",
					      n->pairs[i].key));
	for (size_t i = 0; n->kind == MF_SEQ && i < n->n; i++)
		if (n->items[i] && (n->items[i]->flags & MF_YAML11))
			yaml11_walk(k, n->items[i], key, mf_printf(k->c->a, "%s[%zu]", path, i));
}

static void yaml11_values(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		k->obj = &k->objs->v[i];
		yaml11_walk(k, k->obj->doc, NULL, "");
	}
	k->obj = NULL;
}

/* ---- malformed objects ------------------------------------------------------------ */

typedef enum { F_MAP, F_SEQ, F_PORT, F_PORT0, F_INT32, F_PORT_OR_NAME } ftype;

typedef struct field_rule {
	const char *field;
	ftype type;
} field_rule;

static const field_rule object_fields[] = {{"metadata", F_MAP}, {"spec", F_MAP}};
static const field_rule meta_fields[] = {{"labels", F_MAP}, {"annotations", F_MAP}};
static const field_rule workload_fields[] = {
	{"replicas", F_INT32}, {"template", F_MAP}, {"selector", F_MAP}, {"jobTemplate", F_MAP}};
static const field_rule pod_fields[] = {
	{"containers", F_SEQ},      {"initContainers", F_SEQ}, {"ephemeralContainers", F_SEQ},
	{"volumes", F_SEQ},         {"tolerations", F_SEQ},    {"imagePullSecrets", F_SEQ},
	{"securityContext", F_MAP}, {"nodeSelector", F_MAP},
};
static const field_rule ctr_fields[] = {
	{"ports", F_SEQ},   {"env", F_SEQ},  {"envFrom", F_SEQ},   {"volumeMounts", F_SEQ},
	{"command", F_SEQ}, {"args", F_SEQ}, {"resources", F_MAP}, {"securityContext", F_MAP},
};
static const field_rule ctr_port_fields[] = {{"containerPort", F_PORT}, {"hostPort", F_PORT0}};
static const field_rule svc_port_fields[] = {
	{"port", F_PORT}, {"nodePort", F_PORT0}, {"targetPort", F_PORT_OR_NAME}};

static const char *kind_word(const mf_node *n)
{
	static const char *const words[] = {
		[MF_NULL] = "null",      [MF_BOOL] = "a boolean", [MF_INT] = "a number",
		[MF_FLOAT] = "a number", [MF_STR] = "a string",   [MF_SEQ] = "a list",
		[MF_MAP] = "a mapping",
	};

	return (size_t)n->kind < MF_NELEM(words) && words[n->kind] ? words[n->kind] : "a value";
}

/* Where a field is, made into text only for a finding: most objects are
 * well-formed, and a path per field and item was most of this rule's cost.
 * A root holds `text`; below it a field ("a.b") or an item of a list
 * ("a.list[i]"). */
typedef struct lpath {
	const struct lpath *up;
	const char *text, *field;
	size_t i;
	bool item;
} lpath;

static const char *lpath_text(mf_chk *k, const lpath *p)
{
	const char *up;

	if (!p->up)
		return p->text;
	if (!(up = lpath_text(k, p->up)))
		return NULL;
	if (p->item)
		return mf_printf(k->c->a, "%s.%s[%zu]", up, p->field, p->i);
	return mf_printf(k->c->a, "%s%s%s", up, *up ? "." : "", p->field);
}

/* One field's type and range; false when it is malformed (reported).
 * `in`: where the mapping that holds the field is. */
static bool field_ok(mf_chk *k, const mf_node *v, const field_rule *r, const lpath *in)
{
	static const char *const want[] = {[F_MAP] = "a mapping", [F_SEQ] = "a list"};
	long long lo = r->type == F_PORT ? 1 : 0, hi = r->type == F_INT32 ? 2147483647LL : 65535;
	const lpath at = {in, NULL, r->field, 0, false};

	if (r->type == F_MAP || r->type == F_SEQ) {
		if (v->kind == (r->type == F_MAP ? MF_MAP : MF_SEQ))
			return true;
		mf_finding(k, MF_RULE_OBJECT_MALFORMED, mf_chk_at(k, v), lpath_text(k, &at),
			   "'%s' must be %s, not %s", r->field, want[r->type], kind_word(v));
		return false;
	}
	if (r->type == F_PORT_OR_NAME && v->kind == MF_STR)
		return true;
	if (v->kind != MF_INT) {
		mf_finding(k, MF_RULE_OBJECT_MALFORMED, mf_chk_at(k, v), lpath_text(k, &at),
			   "'%s' must be an integer, not %s", r->field, kind_word(v));
		return false;
	}
	if (r->type == F_PORT_OR_NAME)
		lo = 1;
	if (v->v.i >= lo && v->v.i <= hi)
		return true;
	mf_finding(k, MF_RULE_OBJECT_MALFORMED, mf_chk_at(k, v), lpath_text(k, &at),
		   "'%s' %lld is out of range %lld-%lld", r->field, v->v.i, lo, hi);
	return false;
}

/* The fields of map that a table types; false when one is malformed. */
static bool fields_in(mf_chk *k, const mf_node *map, const field_rule *rules, size_t n,
		      const lpath *base)
{
	bool ok = true;

	for (size_t i = 0; map && map->kind == MF_MAP && i < n; i++) {
		const mf_node *v = mf_get(map, rules[i].field);
		if (v && v->kind != MF_NULL)
			ok &= field_ok(k, v, &rules[i], base);
	}
	return ok;
}

static bool fields_ok(mf_chk *k, const mf_node *map, const field_rule *rules, size_t n,
		      const char *base)
{
	const lpath root = {NULL, base, NULL, 0, false};

	if (!base)
		return false; /* a path ran out of memory (the budget): the run fails already */
	return fields_in(k, map, rules, n, &root);
}

/* Every item of map.field (a list) is a mapping with these fields. */
static void items_in(mf_chk *k, const mf_node *map, const char *field, const field_rule *rules,
		     size_t n, const lpath *base)
{
	const mf_node *seq = mf_get(map, field);

	for (size_t i = 0; seq && seq->kind == MF_SEQ && i < seq->n; i++) {
		const lpath at = {base, NULL, field, i, true};
		if (seq->items[i]->kind != MF_MAP)
			mf_finding(k, MF_RULE_OBJECT_MALFORMED, mf_chk_at(k, seq->items[i]),
				   lpath_text(k, &at), "an item of '%s' must be a mapping, not %s",
				   field, kind_word(seq->items[i]));
		else if (rules)
			fields_in(k, seq->items[i], rules, n, &at);
	}
}

static void items_ok(mf_chk *k, const mf_node *map, const char *field, const field_rule *rules,
		     size_t n, const char *base)
{
	const lpath root = {NULL, base, NULL, 0, false};

	if (base)
		items_in(k, map, field, rules, n, &root);
}

static void pod_ok(mf_chk *k, const mf_object *o)
{
	static const char *const lists[] = {"containers", "initContainers", "ephemeralContainers"};
	mf_pod p;

	if (!mf_pod_of(o, &p) || !fields_ok(k, p.spec, pod_fields, MF_NELEM(pod_fields), p.base))
		return;
	const lpath root = {NULL, p.base, NULL, 0, false};
	for (size_t l = 0; l < MF_NELEM(lists); l++) {
		const mf_node *cs = mf_get(p.spec, lists[l]);
		items_in(k, p.spec, lists[l], NULL, 0, &root);
		for (size_t i = 0; cs && cs->kind == MF_SEQ && i < cs->n; i++) {
			const lpath at = {&root, NULL, lists[l], i, true};
			if (fields_in(k, cs->items[i], ctr_fields, MF_NELEM(ctr_fields), &at))
				items_in(k, cs->items[i], "ports", ctr_port_fields,
					 MF_NELEM(ctr_port_fields), &at);
		}
	}
}

static void objects_malformed(mf_chk *k)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		const mf_node *spec = mf_get(o->doc, "spec");
		if (mf_kind_is(o, "compose"))
			continue; /* an adapted Compose service: its own rules read it */
		k->obj = o;
		if (!fields_ok(k, o->doc, object_fields, MF_NELEM(object_fields), "") ||
		    !fields_ok(k, mf_get(o->doc, "metadata"), meta_fields, MF_NELEM(meta_fields),
			       "metadata"))
			continue;
		fields_ok(k, spec, workload_fields, MF_NELEM(workload_fields), "spec");
		if (mf_kind_is(o, "Service"))
			items_ok(k, spec, "ports", svc_port_fields, MF_NELEM(svc_port_fields),
				 "spec");
		else
			pod_ok(k, o);
	}
	k->obj = NULL;
}

const mf_rule_impl mf_lint_rules[] = {
	{MF_RULE_HOST_PORT_CONFLICT, MF_SC_OBJECTS, MF_RUN_LINT, lint_host_ports},
	/* in check they judge the rendered objects, which should never trip them */
	{MF_RULE_YAML11_VALUE, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, yaml11_values},
	{MF_RULE_OBJECT_MALFORMED, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, objects_malformed},
};
const size_t mf_lint_nrules = MF_NELEM(mf_lint_rules);

/* ---- manifold lint ------------------------------------------------------------------ */

typedef struct lint {
	mf_chk *k;
	mf_objects objs;
	const mf_node **composes;
	size_t ncompose, capcompose;
	int rc;
	/* the real paths of the kustomizations being read, from the outermost
	 * (one that lists one of them lists itself), and of all read so far
	 * (a base two overlays list is read once) */
	const char *chain[17];
	const char **seen;
	size_t nseen, capseen;
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
	uint32_t file = mf_read_stream(l->k->c, path, MF_NOPOS);
	const mf_node *docs = file ? mf_yaml_parse(l->k->c, file, true) : NULL;

	if (!docs) {
		l->rc = -1;
		return;
	}
	for (size_t i = 0; docs->kind == MF_SEQ && i < docs->n; i++) {
		const mf_node *d = docs->items[i];
		if (!d || d->kind != MF_MAP)
			continue;
		if (mf_get(d, "kind") && mf_get(d, "apiVersion")) {
			decode((mf_node *)d, NULL, false, false); /* before any rule reads it */
			add_k8s(l, d);
		} else if (mf_get(d, "services") && mf_get(d, "services")->kind == MF_MAP)
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
/* The real path of the folder of a kustomization not read before (kept in
 * l->seen), or NULL: a base that two overlays list is read once. */
static const char *kustomization_once(lint *l, const char *path)
{
	char *real = realpath(path, NULL);
	const char *kept = real ? mf_strdup(l->k->c->a, real) : NULL, **grown;

	free(real);
	for (size_t i = 0; kept && i < l->nseen; i++)
		if (!strcmp(l->seen[i], kept))
			return NULL;
	grown = kept ? mf_grow(l->k->c->a, l->seen, l->nseen, &l->capseen, sizeof *grown) : NULL;
	if (!grown)
		return kept;
	l->seen = grown;
	l->seen[l->nseen++] = kept;
	return kept;
}

/* Whether the folder `path` is one of the kustomizations being read. */
static bool in_chain(lint *l, const char *path, unsigned depth)
{
	char *real = realpath(path, NULL);
	bool found = false;

	for (unsigned i = 0; real && i <= depth && i < MF_NELEM(l->chain); i++)
		found |= l->chain[i] && !strcmp(l->chain[i], real);
	free(real);
	return found;
}

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
	if (!(l->chain[depth] = kustomization_once(l, path)))
		return true;
	res = mf_get(doc, "resources");
	for (size_t i = 0; res && res->kind == MF_SEQ && i < res->n; i++) {
		const char *r = mf_str(res->items[i]), *sub;
		if (!r || strstr(r, "://") || r[0] == '/')
			continue;
		sub = mf_printf(l->k->c->a, "%s/%s", path, r);
		if (!in_chain(l, sub, depth))
			lint_path(l, sub, depth + 1);
		else
			l->rc = mf_error(l->k->c, res->items[i]->pos, "kustomization-cycle",
					 "'%s' names a kustomization already being read (a cycle)",
					 r);
	}
	l->chain[depth] = NULL;
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
			mf_qsort(names, n, sizeof *names, cmp_str);
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
