/* render: Kubernetes objects of one environment (or the base view), as an engineer writes them */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render.h"
#include "render_ingress.h"

/* Every node built here carries the position of the description line that
 * caused it, so checks on rendered objects report at that line.  Building
 * never stops half-way on OOM: the tree builder (model.h) records it and
 * mf_render_k8s() reports it once. */

#define NODE_POOL_LABEL "manifold.dev/node-pool"
#define DEFAULT_PVC_SIZE "1Gi"

typedef struct rk {
	mf_ctx *c;
	mf_tb tb; /* every tree and side array; tb.failed is reported once, at the end */
	const mf_system *s;
	const mf_env *e;
	mf_objects *out;
	int rc;
	mf_hash accounts; /* service accounts already emitted, as "ns/name" */
	/* the run's diagnostics by position, code and text (diag_key), hashed
	 * up to diags[nhashed]: what error_once and warn_once said already */
	mf_hash said;
	size_t nhashed;
	/* ingress paths (render_ingress.c), Ingresses made at the end */
	mf_ing ing;
	/* config maps in use, as (namespace, config) */
	struct cfguse *cfgs;
	size_t ncfgs, capcfgs;
} rk;

typedef struct cfguse {
	const char *ns;
	const char *tenant;
	const char *config;
	mf_pos pos;
} cfguse;

/* One port of the instance being rendered, in description order. */
typedef struct rport {
	const char *name;  /* as described */
	const char *cname; /* container port name: IANA_SVC_NAME, at most 15 characters */
	long long number;
	long long svc_number; /* servicePort, else number */
	const char *protocol; /* NULL for TCP */
	bool in_service;
	int host;            /* hostPort (daemons only), 0 for none */
	const char *host_ip; /* hostIP with a hostPort, NULL: every interface */
	const mf_node *node;
	mf_pos pos;
} rport;

/* One instance being rendered. */
typedef struct ri {
	rk *r;
	const mf_instance *in;
	const mf_node *spec;
	mf_pos pos;
	rport *ports;
	size_t nports;
	const char *sa;       /* service account name */
	const char *svc_name; /* the StatefulSet's governing Service */
} ri;

/* ---- building blocks ------------------------------------------------------ */

/* A scalar as a string node (Kubernetes wants strings for env values,
 * labels, annotations and config data); the text as written. */
static mf_node *str_of(rk *r, const mf_node *n)
{
	if (!n || !mf_is_scalar(n) || n->kind == MF_NULL)
		return NULL;
	if (n->kind == MF_STR)
		return mf_tb_copy(&r->tb, n);
	return mf_tb_str(&r->tb, n->str, n->pos);
}

/* An error reported once per position and text: the same description
 * lines are rendered for every environment and every tenant's instance
 * (each environment once per run: mf_k8s_objects).  The base view
 * reports nothing: it also holds services no Kubernetes environment runs,
 * and what is wrong with the others shows in the environments' renders. */
static const char *diag_key(rk *r, mf_pos pos, const char *code, const char *msg)
{
	return mf_tb_printf(&r->tb, "%u:%u:%u\n%s\n%s", pos.file, pos.line, pos.col, code, msg);
}

/* Whether the run holds this diagnostic already.  Diagnostics are only
 * appended, so each is hashed once, the first time this render asks. */
static bool reported(rk *r, mf_pos pos, const char *code, const char *msg)
{
	if (r->nhashed > r->c->ndiags) /* not appended: start again */
		r->said = (mf_hash){0}, r->nhashed = 0;
	for (; r->nhashed < r->c->ndiags; r->nhashed++) {
		const mf_diag *d = &r->c->diags[r->nhashed];
		const char *k = diag_key(r, d->pos, d->code, d->msg);
		mf_tb_hash_put(&r->tb, &r->said, k, (void *)k);
	}
	return mf_hash_get_str(&r->said, diag_key(r, pos, code, msg)) != NULL;
}

static void error_once(rk *r, mf_pos pos, const char *code, const char *msg)
{
	if (r->e->is_base)
		return;
	r->rc = -1; /* reported before or now, the render failed */
	if (!reported(r, pos, code, msg))
		mf_error(r->c, pos, code, "%s", msg);
}

/* What Kubernetes cannot carry, said once for every environment that drops it. */
static void warn_once(rk *r, mf_pos pos, const char *code, const char *msg)
{
	if (!r->e->is_base && msg && !reported(r, pos, code, msg))
		mf_warning(r->c, pos, code, "%s", msg);
}

static bool streq(const char *x, const char *y)
{
	return x && y && !strcmp(x, y);
}

/* ---- label values ---------------------------------------------------------- */

static bool alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* FNV-1a: a stable short suffix when a name has to be shortened. */
static unsigned long fnv(const char *s)
{
	unsigned long h = 2166136261u;

	for (; *s; s++)
		h = ((h ^ (unsigned char)*s) * 16777619u) & 0xffffffffu;
	return h;
}

/* A label value: at most 63 characters of [A-Za-z0-9._-], alphanumeric at
 * both ends.  Other characters become '_'; a long value keeps a prefix and a
 * hash of the whole.  NULL when nothing usable is left. */
static const char *label_value(rk *r, const char *s)
{
	char buf[64];
	size_t n = 0, len = s ? strlen(s) : 0;

	if (!len)
		return NULL;
	if (len > 63) {
		snprintf(buf, sizeof buf, "%.54s-%08lx", s, fnv(s));
		len = strlen(buf);
	} else {
		memcpy(buf, s, len + 1);
	}
	for (size_t i = 0; i < len; i++)
		if (!alnum(buf[i]) && buf[i] != '.' && buf[i] != '-' && buf[i] != '_')
			buf[i] = '_';
	while (n < len && !alnum(buf[n]))
		n++;
	while (len > n && !alnum(buf[len - 1]))
		len--;
	return len > n ? mf_tb_printf(&r->tb, "%.*s", (int)(len - n), buf + n) : NULL;
}

/* ---- labels and metadata -------------------------------------------------- */

static const char *part_of(const rk *r)
{
	const char *p = mf_get_str(mf_get(mf_get(r->s->doc, "system"), "labels"),
				   "app.kubernetes.io/part-of");

	return p ? p : r->s->name;
}

/* Selector labels: the only two a selector ever holds; no overlay changes
 * them.  The instance is tenant-qualified (service-tenant). */
static mf_node *selector_of(rk *r, const mf_instance *in, mf_pos pos)
{
	mf_node *m = mf_tb_map(&r->tb, pos);

	if (!m)
		return NULL;
	mf_tb_put_str(&r->tb, m, "app.kubernetes.io/name", label_value(r, in->service), pos);
	mf_tb_put_str(&r->tb, m, "app.kubernetes.io/instance", label_value(r, in->id),
		      pos);
	return m;
}

static mf_node *selector(ri *i)
{
	return selector_of(i->r, i->in, i->pos);
}

/* User labels after the recommended ones; a user label never replaces a
 * selector label or the manager. */
static void add_user_labels(rk *r, mf_node *m, const mf_node *user)
{
	for (size_t k = 0; user && k < user->n; k++) {
		const mf_pair *p = &user->pairs[k];
		if (!mf_own_label(p->key))
			mf_tb_put(&r->tb, m, p->key, str_of(r, p->val));
	}
}

static const mf_node *env_labels(const rk *r)
{
	return mf_get(r->e->node, "labels");
}

static const mf_node *system_labels(const rk *r)
{
	return mf_get(mf_get(r->s->doc, "system"), "labels");
}

/* Labels of objects that belong to no one service (config maps, ingresses,
 * namespace policies). */
static mf_node *common_labels(rk *r, mf_pos pos)
{
	mf_node *m = mf_tb_map(&r->tb, pos);

	if (!m)
		return NULL;
	mf_tb_put_str(&r->tb, m, "app.kubernetes.io/part-of", part_of(r), pos);
	mf_tb_put_str(&r->tb, m, "app.kubernetes.io/managed-by", "manifold", pos);
	add_user_labels(r, m, system_labels(r));
	add_user_labels(r, m, env_labels(r));
	return m;
}

static mf_node *instance_labels(ri *i)
{
	rk *r = i->r;
	mf_node *m = selector(i);

	if (!m)
		return NULL;
	mf_tb_put_str(&r->tb, m, "app.kubernetes.io/part-of", part_of(r), i->pos);
	mf_tb_put_str(&r->tb, m, "app.kubernetes.io/managed-by", "manifold", i->pos);
	mf_tb_put_str(&r->tb, m, "app.kubernetes.io/version", label_value(r, r->s->version),
		      i->pos);
	add_user_labels(r, m, system_labels(r));
	add_user_labels(r, m, env_labels(r));
	if (i->in->tenant)
		add_user_labels(r, m, mf_get(i->in->tenant->node, "labels"));
	add_user_labels(r, m, mf_get(i->spec, "labels"));
	mf_k8s_network_labels(&r->tb, i->in, m, i->pos);
	return m;
}

static void add_annotations(rk *r, mf_node *meta, const mf_node *src, mf_pos pos)
{
	mf_node *ann;

	if (!src || !src->n)
		return;
	if (!(ann = mf_tb_child(&r->tb, meta, "annotations", pos)))
		return;
	for (size_t k = 0; k < src->n; k++)
		mf_tb_put(&r->tb, ann, src->pairs[k].key, str_of(r, src->pairs[k].val));
}

/* {apiVersion, kind, metadata: {name, namespace, labels, annotations}} */
static mf_node *object(rk *r, const char *api, const char *kind, const char *name, const char *ns,
		       mf_node *labels, mf_pos pos)
{
	mf_node *doc = mf_tb_map(&r->tb, pos), *meta;

	if (!doc)
		return NULL;
	mf_tb_put_str(&r->tb, doc, "apiVersion", api, pos);
	mf_tb_put_str(&r->tb, doc, "kind", kind, pos);
	if (!(meta = mf_tb_child(&r->tb, doc, "metadata", pos)))
		return doc;
	mf_tb_put_str(&r->tb, meta, "name", name, pos);
	mf_tb_put_str(&r->tb, meta, "namespace", ns, pos);
	mf_tb_put(&r->tb, meta, "labels", labels);
	add_annotations(r, meta, mf_get(mf_get(r->s->doc, "system"), "annotations"), pos);
	add_annotations(r, meta, mf_get(r->e->node, "annotations"), pos);
	return doc;
}

static void emit(rk *r, mf_node *doc, const char *group, const mf_instance *in, const char *tenant,
		 mf_pos pos)
{
	mf_object o = {0};

	if (!mf_tb_check(&r->tb, doc))
		return;
	o.api_version = mf_get_str(doc, "apiVersion");
	o.kind = mf_get_str(doc, "kind");
	o.name = mf_str(mf_path(doc, "metadata.name"));
	o.ns = mf_str(mf_path(doc, "metadata.namespace"));
	o.doc = doc;
	o.inst = in;
	o.tenant = tenant;
	o.group = group;
	o.pos = pos;
	if (mf_objects_add(r->c, r->out, &o) < 0)
		r->rc = -1;
}

static mf_node *inst_object(ri *i, const char *api, const char *kind, const char *name)
{
	return object(i->r, api, kind, name, i->in->ns, instance_labels(i), i->pos);
}

static void inst_emit(ri *i, mf_node *doc)
{
	emit(i->r, doc, i->in->service, i->in, mf_inst_part(i->in), i->pos);
}

/* ---- ports ------------------------------------------------------------------- */

/* IANA_SVC_NAME: 1-15 of [a-z0-9-], a letter somewhere, no '-' at either
 * end or twice in a row (what containerPort names must be). */
static bool iana_ok(const char *s)
{
	size_t n = strlen(s);
	bool letter = false;

	if (n == 0 || n > 15 || s[0] == '-' || s[n - 1] == '-' || strstr(s, "--"))
		return false;
	for (size_t k = 0; k < n; k++) {
		if (s[k] >= 'a' && s[k] <= 'z')
			letter = true;
		else if (!(s[k] >= '0' && s[k] <= '9') && s[k] != '-')
			return false;
	}
	return letter;
}

static const char *short_port_name(rk *r, const char *name)
{
	char buf[16];
	size_t n = 0;

	for (const char *p = name; *p && n < 15; p++)
		if (*p != '-' || (n > 0 && buf[n - 1] != '-'))
			buf[n++] = *p;
	while (n && buf[n - 1] == '-')
		n--;
	buf[n] = '\0';
	return mf_tb_printf(&r->tb, "%s", buf);
}

static bool cname_taken(const ri *i, size_t upto, const char *name)
{
	for (size_t k = 0; k < upto; k++)
		if (streq(i->ports[k].cname, name))
			return true;
	return false;
}

/* Names longer than 15 characters are shortened (and the Service's
 * targetPort and the probes follow); a clash falls back to the number. */
static const char *container_port_name(ri *i, size_t k)
{
	rk *r = i->r;
	const char *name = i->ports[k].name;

	if (!iana_ok(name))
		name = short_port_name(r, name);
	if (!name || !iana_ok(name) || cname_taken(i, k, name))
		name = mf_tb_printf(&r->tb, "port-%lld", i->ports[k].number);
	if (name && cname_taken(i, k, name))
		name = mf_tb_printf(&r->tb, "p%zu-%lld", k, i->ports[k].number);
	return name;
}

static bool host_network(const ri *i)
{
	return i->in->host_network;
}

/* services.*.ports, in description order */
static void init_ports(ri *i)
{
	const mf_instance *in = i->in;

	i->nports = in->nports;
	i->ports = mf_tb_alloc(&i->r->tb, (i->nports + 1) * sizeof *i->ports);
	if (!i->ports) {
		i->nports = 0;
		return;
	}
	for (size_t k = 0; k < i->nports; k++) {
		const mf_port *p = &in->ports[k];
		rport *o = &i->ports[k];
		o->name = p->name;
		o->node = p->node;
		o->pos = p->pos;
		o->number = p->number;
		o->svc_number = p->service_port;
		o->protocol = strcmp(p->protocol, "TCP") ? p->protocol : NULL;
		o->in_service = p->in_service;
		/* only a daemon binds host ports: one pod per node */
		if (in->kind == MF_W_DAEMON && p->host) {
			o->host = in->host_network ? (int)o->number : p->host;
			o->host_ip = p->host_ip;
		}
		o->cname = container_port_name(i, k);
	}
}

static mf_node *container_ports(ri *i)
{
	rk *r = i->r;
	mf_node *seq = mf_tb_seq(&r->tb, i->pos);

	for (size_t k = 0; seq && k < i->nports; k++) {
		const rport *p = &i->ports[k];
		mf_node *m = mf_tb_map(&r->tb, p->pos);
		if (!m)
			break;
		mf_tb_put_str(&r->tb, m, "name", p->cname, p->pos);
		mf_tb_put_int(&r->tb, m, "containerPort", p->number, p->pos);
		mf_tb_put_str(&r->tb, m, "protocol", p->protocol, p->pos);
		if (p->host)
			mf_tb_put_int(&r->tb, m, "hostPort", p->host, p->pos);
		if (p->host)
			mf_tb_put_str(&r->tb, m, "hostIP", p->host_ip, p->pos);
		mf_tb_push(&r->tb, seq, m);
	}
	return seq;
}

static const rport *port_by_ref(const ri *i, const mf_node *ref)
{
	const char *s = mf_str(ref);
	char *end;
	long long num;

	if (!ref)
		return i->nports ? &i->ports[0] : NULL;
	for (size_t k = 0; ref->kind == MF_STR && k < i->nports; k++)
		if (streq(i->ports[k].name, s))
			return &i->ports[k];
	num = ref->kind == MF_INT ? ref->v.i : s ? strtoll(s, &end, 10) : -1;
	if (ref->kind != MF_INT && (!s || *end))
		return NULL;
	for (size_t k = 0; k < i->nports; k++)
		if (i->ports[k].number == num)
			return &i->ports[k];
	return NULL;
}

/* ---- container fields -------------------------------------------------------- */

/* command/args: the argv the description means (mf_command_argv) */
static mf_node *command_of(rk *r, const mf_node *cmd)
{
	return mf_command_argv(&r->tb, cmd, NULL);
}

/* {secret|config, key, optional} -> secretKeyRef / configMapKeyRef */
static mf_node *key_ref(rk *r, const mf_node *ref, const char *name, mf_pos pos)
{
	mf_node *m = mf_tb_map(&r->tb, pos);

	if (!m)
		return NULL;
	mf_tb_put_str(&r->tb, m, "name", name, pos);
	mf_tb_put(&r->tb, m, "key", str_of(r, mf_get(ref, "key")));
	if (mf_get(ref, "optional"))
		mf_tb_put_bool(&r->tb, m, "optional", mf_get_bool(ref, "optional", false),
			       mf_get(ref, "optional")->pos);
	return m;
}

static mf_node *env_value_from(ri *i, const mf_node *v)
{
	rk *r = i->r;
	mf_node *from = mf_tb_map(&r->tb, v->pos), *f;
	const char *s;

	if (!from)
		return NULL;
	if ((s = mf_get_str(v, "secret")) != NULL) {
		mf_tb_put(&r->tb, from, "secretKeyRef", key_ref(r, v, s, v->pos));
	} else if ((s = mf_get_str(v, "config")) != NULL) {
		mf_tb_put(&r->tb, from, "configMapKeyRef", key_ref(r, v, s, v->pos));
	} else if ((s = mf_get_str(v, "field")) != NULL &&
		   (f = mf_tb_child(&r->tb, from, "fieldRef", v->pos))) {
		mf_tb_put_str(&r->tb, f, "fieldPath", s, mf_get(v, "field")->pos);
	}
	return from;
}

/* services.*.env.NAME: literal, secret, config, field or service reference */
static mf_node *env_var(ri *i, const mf_pair *p)
{
	rk *r = i->r;
	const mf_node *v = p->val;
	mf_node *m = mf_tb_map(&r->tb, v ? v->pos : p->pos);
	const char *ref;

	if (!m || !v || v->kind == MF_NULL)
		return NULL;
	mf_tb_put_str(&r->tb, m, "name", p->key, p->pos);
	if (mf_is_scalar(v)) {
		mf_tb_put(&r->tb, m, "value", str_of(r, v));
	} else if (mf_get(v, "service")) {
		ref = mf_ref_value(r->c, i->in, v, MF_T_KUSTOMIZE);
		if (!ref)
			error_once(r, v->pos, "unknown-reference",
				   mf_tb_printf(&r->tb,
						"'%s' of '%s' refers to service '%s', which has no "
						"instance here",
						p->key, i->in->service, mf_get_str(v, "service")));
		mf_tb_put_str(&r->tb, m, "value", ref ? ref : "", v->pos);
	} else {
		mf_tb_put(&r->tb, m, "valueFrom", env_value_from(i, v));
	}
	return m;
}

static mf_node *env_list(ri *i)
{
	const mf_node *env = mf_get(i->spec, "env");
	mf_node *seq = mf_tb_seq(&i->r->tb, env ? env->pos : i->pos);

	for (size_t k = 0; seq && env && env->kind == MF_MAP && k < env->n; k++) {
		mf_node *var = env_var(i, &env->pairs[k]);
		if (var)
			mf_tb_push(&i->r->tb, seq, var);
	}
	return seq;
}

/* The ConfigMap of env file k of an instance: NAME-env, NAME-env-2... */
static const char *env_file_map(ri *i, size_t k)
{
	return k ? mf_tb_printf(&i->r->tb, "%s-env-%zu", i->in->name, k + 1)
		 : mf_tb_printf(&i->r->tb, "%s-env", i->in->name);
}

/* services.*.envFile: a configMapRef per file that was read (a missing
 * optional one has no data), before envFrom: in Compose env_file loses to
 * `environment`, which holds what envFrom names. */
static void env_file_refs(ri *i, mf_node *seq)
{
	const mf_node *list = mf_get(i->spec, "envFile");

	for (size_t k = 0; seq && list && list->kind == MF_SEQ && k < list->n; k++) {
		const mf_node *e = list->items[k];
		mf_node *m, *ref;
		if (!mf_get(e, "data"))
			continue;
		m = mf_tb_map(&i->r->tb, e->pos);
		ref = mf_tb_child(&i->r->tb, m, "configMapRef", e->pos);
		mf_tb_put_str(&i->r->tb, ref, "name", env_file_map(i, k), e->pos);
		mf_tb_push(&i->r->tb, seq, m);
	}
}

/* The ConfigMaps of an instance's env files, in its namespace. */
static void env_file_configmaps(ri *i)
{
	rk *r = i->r;
	const mf_node *list = mf_get(i->spec, "envFile");

	for (size_t k = 0; list && list->kind == MF_SEQ && k < list->n; k++) {
		const mf_node *e = list->items[k], *data = mf_get(e, "data");
		mf_node *doc, *out;
		if (!data)
			continue;
		doc = object(r, "v1", "ConfigMap", env_file_map(i, k), i->in->ns,
			     common_labels(r, e->pos), e->pos);
		if (doc && (out = mf_tb_child(&r->tb, doc, "data", data->pos)))
			for (size_t n = 0; n < data->n; n++)
				mf_tb_put(&r->tb, out, data->pairs[n].key,
					  str_of(r, data->pairs[n].val));
		emit(r, doc, "configs", NULL, mf_inst_part(i->in), e->pos);
	}
}

/* services.*.envFrom: [{secret|config, prefix}] */
static mf_node *env_from(ri *i)
{
	rk *r = i->r;
	const mf_node *list = mf_get(i->spec, "envFrom");
	mf_node *seq = mf_tb_seq(&r->tb, list ? list->pos : i->pos);

	env_file_refs(i, seq);
	for (size_t k = 0; seq && list && list->kind == MF_SEQ && k < list->n; k++) {
		const mf_node *e = list->items[k];
		const char *sec = mf_get_str(e, "secret"), *cfg = mf_get_str(e, "config");
		mf_node *m = mf_tb_map(&r->tb, e->pos), *ref;
		if (!m ||
		    !(ref = mf_tb_child(&r->tb, m, sec ? "secretRef" : "configMapRef", e->pos)))
			break;
		mf_tb_put_str(&r->tb, ref, "name", sec ? sec : cfg, e->pos);
		mf_tb_put(&r->tb, m, "prefix", str_of(r, mf_get(e, "prefix")));
		mf_tb_push(&r->tb, seq, m);
	}
	return seq;
}

/* CPU in a canonical form ("2", "500m") so equal requests diff as equal */
static mf_node *cpu_quantity(rk *r, const mf_node *v)
{
	long long m = mf_cpu_millis(v);

	if (m < 0)
		return str_of(r, v);
	if (m % 1000 == 0)
		return mf_tb_str(&r->tb, mf_tb_printf(&r->tb, "%lld", m / 1000), v->pos);
	return mf_tb_str(&r->tb, mf_tb_printf(&r->tb, "%lldm", m), v->pos);
}

static mf_node *resource_set(ri *i, const mf_node *set)
{
	rk *r = i->r;
	mf_node *m = mf_tb_map(&r->tb, set ? set->pos : i->pos);

	if (!m || !set)
		return m;
	if (mf_get(set, "cpu"))
		mf_tb_put(&r->tb, m, "cpu", cpu_quantity(r, mf_get(set, "cpu")));
	mf_tb_put(&r->tb, m, "memory", str_of(r, mf_get(set, "memory")));
	mf_tb_put(&r->tb, m, "ephemeral-storage", str_of(r, mf_get(set, "ephemeralStorage")));
	return m;
}

/* services.*.resources; GPUs are an extended resource, so limits only */
static mf_node *resources(ri *i)
{
	rk *r = i->r;
	const mf_node *res = mf_get(i->spec, "resources");
	const mf_node *rq = mf_get(res, "requests"), *lm = mf_get(res, "limits");
	long long gpu = mf_get_int(lm, "gpu", 0);
	const char *gres = mf_get_str(res, "gpuResource");
	mf_node *m = mf_tb_map(&r->tb, res ? res->pos : i->pos), *lim;

	if (!m || !res)
		return m;
	if (mf_get_int(rq, "gpu", 0) > gpu)
		gpu = mf_get_int(rq, "gpu", 0);
	mf_tb_put_nonempty(&r->tb, m, "requests", resource_set(i, rq));
	lim = resource_set(i, lm);
	if (lim && gpu > 0)
		mf_tb_put_int(&r->tb, lim, gres ? gres : "nvidia.com/gpu", gpu,
			      (mf_get(lm, "gpu") ? mf_get(lm, "gpu") : res)->pos);
	mf_tb_put_nonempty(&r->tb, m, "limits", lim);
	return m;
}

/* ---- probes ------------------------------------------------------------------ */

/* A probe's port: the container port's name when it is one of ours
 * (numbers for gRPC, which takes no names), else the number as written. */
static mf_node *probe_port(ri *i, const mf_node *ref, bool numeric, mf_pos pos)
{
	rk *r = i->r;
	const rport *p = port_by_ref(i, ref);

	if (p && numeric)
		return mf_tb_int(&r->tb, p->number, ref ? ref->pos : pos);
	if (p && ref && ref->kind == MF_INT)
		return mf_tb_int(&r->tb, ref->v.i, ref->pos);
	if (p)
		return mf_tb_str(&r->tb, p->cname, ref ? ref->pos : pos);
	if (ref && ref->kind == MF_INT)
		return mf_tb_int(&r->tb, ref->v.i, ref->pos);
	if (ref)
		error_once(r, ref->pos, "unknown-port",
			   mf_tb_printf(&r->tb, "probe port '%s' is not a port of '%s'",
					mf_str(ref), i->in->service));
	else
		error_once(r, pos, "unknown-port",
			   mf_tb_printf(&r->tb, "the probe names no port and '%s' has none",
					i->in->service));
	return NULL;
}

/* {KEY: value} as [{name: KEY, value: "value"}] (sysctls, HTTP headers) */
static mf_node *name_values(rk *r, const mf_node *map)
{
	mf_node *seq = mf_tb_seq(&r->tb, map->pos);

	for (size_t k = 0; seq && k < map->n; k++) {
		mf_node *m = mf_tb_map(&r->tb, map->pairs[k].pos);
		if (!m)
			break;
		mf_tb_put_str(&r->tb, m, "name", map->pairs[k].key, map->pairs[k].pos);
		mf_tb_put(&r->tb, m, "value", str_of(r, map->pairs[k].val));
		mf_tb_push(&r->tb, seq, m);
	}
	return seq;
}

static mf_node *http_get(ri *i, const mf_node *h)
{
	rk *r = i->r;
	const mf_node *hdrs = mf_get(h, "headers");
	mf_node *m = mf_tb_map(&r->tb, h->pos);

	if (!m)
		return NULL;
	mf_tb_put(&r->tb, m, "path", str_of(r, mf_get(h, "path")));
	mf_tb_put(&r->tb, m, "port", probe_port(i, mf_get(h, "port"), false, h->pos));
	mf_tb_put(&r->tb, m, "scheme", str_of(r, mf_get(h, "scheme")));
	if (hdrs && hdrs->n)
		mf_tb_put(&r->tb, m, "httpHeaders", name_values(r, hdrs));
	return m;
}

static mf_node *probe_action(ri *i, const mf_node *p, mf_node *m)
{
	rk *r = i->r;
	const mf_node *h;
	mf_node *a;

	if ((h = mf_get(p, "http")) != NULL) {
		mf_tb_put(&r->tb, m, "httpGet", http_get(i, h));
	} else if ((h = mf_get(p, "tcp")) != NULL &&
		   (a = mf_tb_child(&r->tb, m, "tcpSocket", h->pos))) {
		mf_tb_put(&r->tb, a, "port", probe_port(i, mf_get(h, "port"), false, h->pos));
	} else if ((h = mf_get(p, "grpc")) != NULL &&
		   (a = mf_tb_child(&r->tb, m, "grpc", h->pos))) {
		mf_tb_put(&r->tb, a, "port", probe_port(i, mf_get(h, "port"), true, h->pos));
		mf_tb_put(&r->tb, a, "service", str_of(r, mf_get(h, "service")));
	} else if ((h = mf_get(p, "exec")) != NULL &&
		   (a = mf_tb_child(&r->tb, m, "exec", h->pos))) {
		mf_tb_put(&r->tb, a, "command", command_of(r, h));
	}
	return m;
}

static void put_seconds(rk *r, mf_node *m, const char *key, const mf_node *d)
{
	long long s = mf_seconds(d);

	if (d && s >= 0)
		mf_tb_put_int(&r->tb, m, key, s, d->pos);
}

static void put_count(rk *r, mf_node *m, const char *key, const mf_node *n)
{
	if (n && n->kind == MF_INT)
		mf_tb_put_int(&r->tb, m, key, n->v.i, n->pos);
}

/* services.*.probes.{liveness,readiness,startup} */
static mf_node *probe(ri *i, const mf_node *p, bool grace)
{
	rk *r = i->r;
	mf_node *m;

	if (!p || p->kind != MF_MAP || !(m = mf_tb_map(&r->tb, p->pos)))
		return NULL;
	probe_action(i, p, m);
	put_seconds(r, m, "initialDelaySeconds", mf_get(p, "initialDelay"));
	put_seconds(r, m, "periodSeconds", mf_get(p, "period"));
	put_seconds(r, m, "timeoutSeconds", mf_get(p, "timeout"));
	put_count(r, m, "successThreshold", mf_get(p, "successThreshold"));
	put_count(r, m, "failureThreshold", mf_get(p, "failureThreshold"));
	if (grace)
		put_seconds(r, m, "terminationGracePeriodSeconds",
			    mf_get(p, "terminationGracePeriod"));
	return m;
}

/* ---- security ---------------------------------------------------------------- */

static bool adds_sys_admin(const mf_node *sec)
{
	const mf_node *add = mf_path(sec, "capabilities.add");

	for (size_t k = 0; add && add->kind == MF_SEQ && k < add->n; k++)
		if (streq(mf_str(add->items[k]), "SYS_ADMIN") ||
		    streq(mf_str(add->items[k]), "CAP_SYS_ADMIN"))
			return true;
	return false;
}

static mf_node *capabilities(rk *r, const mf_node *caps)
{
	mf_node *m = mf_tb_map(&r->tb, caps->pos);
	static const char *const lists[] = {"add", "drop"};

	for (size_t k = 0; m && k < 2; k++) {
		const mf_node *l = mf_get(caps, lists[k]);
		if (l && l->kind == MF_SEQ && l->n)
			mf_tb_put(&r->tb, m, lists[k], command_of(r, l));
	}
	return m;
}

/* The container half of services.*.security.  allowPrivilegeEscalation:
 * false is left out where the API server refuses it (privileged, or
 * CAP_SYS_ADMIN added). */
static mf_node *container_security(ri *i)
{
	rk *r = i->r;
	const mf_node *sec = mf_get(i->spec, "security"), *v;
	mf_node *m = mf_tb_map(&r->tb, sec ? sec->pos : i->pos);
	bool privileged = mf_get_bool(sec, "privileged", false);

	if (!m || !sec)
		return m;
	if ((v = mf_get(sec, "allowPrivilegeEscalation")) && v->kind == MF_BOOL &&
	    (v->v.b || (!privileged && !adds_sys_admin(sec))))
		mf_tb_put_bool(&r->tb, m, "allowPrivilegeEscalation", v->v.b, v->pos);
	if ((v = mf_get(sec, "privileged")) && v->kind == MF_BOOL)
		mf_tb_put_bool(&r->tb, m, "privileged", v->v.b, v->pos);
	if ((v = mf_get(sec, "capabilities")) && v->kind == MF_MAP)
		mf_tb_put_nonempty(&r->tb, m, "capabilities", capabilities(r, v));
	if ((v = mf_get(sec, "readOnlyRootFilesystem")) && v->kind == MF_BOOL)
		mf_tb_put_bool(&r->tb, m, "readOnlyRootFilesystem", v->v.b, v->pos);
	mf_tb_put(&r->tb, m, "procMount", str_of(r, mf_get(sec, "procMount")));
	return m;
}

/* appArmorProfile: "runtime/default", "unconfined" or "localhost/NAME" */
static mf_node *apparmor(rk *r, const mf_node *v)
{
	const char *s = mf_str(v);
	mf_node *m = mf_tb_map(&r->tb, v->pos);

	if (!m || !s)
		return m;
	if (!strncmp(s, "localhost/", 10)) {
		mf_tb_put_str(&r->tb, m, "type", "Localhost", v->pos);
		mf_tb_put_str(&r->tb, m, "localhostProfile", s + 10, v->pos);
	} else {
		mf_tb_put_str(&r->tb, m, "type",
			      streq(s, "unconfined") ? "Unconfined" : "RuntimeDefault", v->pos);
	}
	return m;
}

static mf_node *seccomp(rk *r, const mf_node *sec)
{
	const mf_node *t = mf_get(sec, "seccompProfile");
	mf_node *m = mf_tb_map(&r->tb, t->pos);

	if (!m)
		return NULL;
	mf_tb_put(&r->tb, m, "type", str_of(r, t));
	if (streq(mf_str(t), "Localhost"))
		mf_tb_put(&r->tb, m, "localhostProfile",
			  str_of(r, mf_get(sec, "seccompLocalhostProfile")));
	return m;
}

/* The pod half of services.*.security. */
static mf_node *pod_security(ri *i)
{
	rk *r = i->r;
	static const char *const direct[] = {"runAsNonRoot", "runAsUser", "runAsGroup", "fsGroup"};
	const mf_node *sec = mf_get(i->spec, "security"), *v;
	mf_node *m = mf_tb_map(&r->tb, sec ? sec->pos : i->pos);

	if (!m || !sec)
		return m;
	for (size_t k = 0; k < MF_NELEM(direct); k++)
		if ((v = mf_get(sec, direct[k])) && mf_is_scalar(v) && v->kind != MF_NULL)
			mf_tb_put(&r->tb, m, direct[k], mf_tb_copy(&r->tb, v));
	if (mf_get(sec, "seccompProfile"))
		mf_tb_put(&r->tb, m, "seccompProfile", seccomp(r, sec));
	if ((v = mf_get(sec, "seLinuxOptions")) && v->kind == MF_MAP && v->n)
		mf_tb_put(&r->tb, m, "seLinuxOptions", mf_tb_copy(&r->tb, v));
	if ((v = mf_get(sec, "appArmorProfile")) != NULL)
		mf_tb_put(&r->tb, m, "appArmorProfile", apparmor(r, v));
	if ((v = mf_get(sec, "sysctls")) && v->kind == MF_MAP && v->n)
		mf_tb_put(&r->tb, m, "sysctls", name_values(r, v));
	return m;
}

/* ---- volumes ----------------------------------------------------------------- */

static bool stateful(const ri *i)
{
	return i->in->kind == MF_W_STATEFUL;
}

static const char *pvc_name(ri *i, const char *vol)
{
	for (size_t k = 0; k < i->in->nvols; k++)
		if (i->in->vols[k].own_name && !strcmp(i->in->vols[k].name, vol))
			return i->in->vols[k].own_name;
	return mf_tb_printf(&i->r->tb, "%s-%s", i->in->name, vol);
}

/* A claim template is one claim per pod: a volume with a name of its own (or
 * one that exists) is one claim, mounted by name. */
static bool templated(const ri *i, const mf_volume *v)
{
	return stateful(i) && !v->own_name && !v->external;
}

static void add_mount(ri *i, mf_node *mounts, const char *name, const mf_node *v)
{
	rk *r = i->r;
	mf_node *m = mf_tb_map(&r->tb, v->pos);
	const mf_node *ro = mf_get(v, "readOnly");

	if (!m)
		return;
	mf_tb_put_str(&r->tb, m, "name", name, v->pos);
	mf_tb_put(&r->tb, m, "mountPath", str_of(r, mf_get(v, "mount")));
	if (ro && ro->kind == MF_BOOL && ro->v.b)
		mf_tb_put_bool(&r->tb, m, "readOnly", true, ro->pos);
	mf_tb_put(&r->tb, m, "subPath", str_of(r, mf_get(v, "subPath")));
	mf_tb_push(&r->tb, mounts, m);
}

static mf_node *empty_dir(rk *r, const mf_node *ed)
{
	mf_node *m = mf_tb_map(&r->tb, ed->pos);
	const char *medium = mf_get_str(ed, "medium");

	if (!m)
		return NULL;
	if (medium && *medium)
		mf_tb_put_str(&r->tb, m, "medium", medium, mf_get(ed, "medium")->pos);
	mf_tb_put(&r->tb, m, "sizeLimit", str_of(r, mf_get(ed, "sizeLimit")));
	return m;
}

/* services.*.volumes.NAME; `bind` is Compose's alone, so NULL */
static mf_node *volume_source(ri *i, const mf_volume *vol)
{
	static const struct {
		const char *key, *field;
	} src_of[] = {
		[MF_V_CONFIG] = {"configMap", "name"},
		[MF_V_SECRET] = {"secret", "secretName"},
		[MF_V_HOST_PATH] = {"hostPath", "path"},
	};
	rk *r = i->r;
	const mf_node *v = vol->node, *x = vol->source_node;
	mf_node *m, *src;

	if (vol->kind == MF_V_BIND || vol->kind == MF_V_STORAGE || !(m = mf_tb_map(&r->tb, v->pos)))
		return NULL;
	mf_tb_put_str(&r->tb, m, "name", vol->name, v->pos);
	if (vol->kind == MF_V_EMPTY_DIR) {
		mf_tb_put(&r->tb, m, "emptyDir", empty_dir(r, x));
		return m;
	}
	if (x && (src = mf_tb_child(&r->tb, m, src_of[vol->kind].key, x->pos)))
		mf_tb_put(&r->tb, src, src_of[vol->kind].field, str_of(r, x));
	return m;
}

/* Volumes and mounts of the pod: described volumes, then storage (claim
 * templates of a StatefulSet, claims of anything else). */
static void pod_volumes(ri *i, mf_node *vols, mf_node *mounts)
{
	rk *r = i->r;
	const mf_instance *in = i->in;
	mf_node *m, *src;

	for (size_t k = 0; k < in->nvols; k++) {
		const mf_volume *vol = &in->vols[k];
		mf_node *v = vol->kind != MF_V_STORAGE ? volume_source(i, vol) : NULL;
		if (vol->kind == MF_V_BIND)
			warn_once(
				r, vol->source_node->pos, "k8s-bind",
				mf_tb_printf(&r->tb,
					     "'%s' of '%s' is a bind mount, which Kubernetes does "
					     "not have: its containers start without it; carry a "
					     "file with 'configs.NAME.files'",
					     vol->source, in->service));
		if (vol->kind == MF_V_HOST_PATH && vol->selinux)
			warn_once(r, vol->selinux->pos, "k8s-selinux",
				  mf_tb_printf(
					  &r->tb,
					  "Kubernetes does not relabel hostPath '%s' of '%s' for "
					  "SELinux as Compose does ('%s'): label the node's folder "
					  "or set the pod's seLinuxOptions",
					  vol->source, in->service, mf_str(vol->selinux)));
		if (v) {
			mf_tb_push(&r->tb, vols, v);
			add_mount(i, mounts, vol->name, vol->node);
		}
	}
	for (size_t k = 0; k < in->nvols; k++) {
		const mf_volume *vol = &in->vols[k];
		if (vol->kind != MF_V_STORAGE)
			continue;
		add_mount(i, mounts, vol->name, vol->node);
		if (templated(i, vol) || !(m = mf_tb_map(&r->tb, vol->node->pos)))
			continue;
		mf_tb_put_str(&r->tb, m, "name", vol->name, vol->key_pos);
		if ((src = mf_tb_child(&r->tb, m, "persistentVolumeClaim", vol->node->pos)))
			mf_tb_put_str(&r->tb, src, "claimName", pvc_name(i, vol->name),
				      vol->node->pos);
		mf_tb_push(&r->tb, vols, m);
	}
}

/* spec of a claim (template): storage.NAME {size, class, access} */
static mf_node *claim_spec(ri *i, const mf_node *v)
{
	rk *r = i->r;
	mf_node *m = mf_tb_map(&r->tb, v->pos), *modes, *req;
	const mf_node *access = mf_get(v, "access"), *size = mf_get(v, "size");

	if (!m || !(modes = mf_tb_child_seq(&r->tb, m, "accessModes", v->pos)))
		return m;
	mf_tb_push(&r->tb, modes,
		   access ? str_of(r, access) : mf_tb_str(&r->tb, "ReadWriteOnce", v->pos));
	mf_tb_put(&r->tb, m, "storageClassName", str_of(r, mf_get(v, "class")));
	if ((req = mf_tb_child(&r->tb, mf_tb_child(&r->tb, m, "resources", v->pos), "requests",
			       v->pos)))
		mf_tb_put(&r->tb, req, "storage",
			  size ? str_of(r, size) : mf_tb_str(&r->tb, DEFAULT_PVC_SIZE, v->pos));
	return m;
}

/* storage.NAME.backup: false keeps the claim, and its volume's snapshot,
 * out of every Velero backup (the label Velero honours on a claim). */
#define VELERO_EXCLUDE "velero.io/exclude-from-backup"

static void exclude_label(rk *r, mf_node *meta, const mf_node *vol)
{
	const mf_node *b = mf_get(vol, "backup");

	if (b && b->kind == MF_BOOL && !b->v.b)
		mf_tb_put_str(&r->tb, mf_tb_child(&r->tb, meta, "labels", b->pos), VELERO_EXCLUDE,
			      "true", b->pos);
}

/* the same for Velero's file-system backup: the pod's opt-out annotation */
static void exclude_annotation(ri *i, mf_node *ann)
{
	const char *list = NULL;

	for (size_t k = 0; k < i->in->nvols; k++) {
		const mf_volume *v = &i->in->vols[k];
		const mf_node *b = mf_get(v->node, "backup");
		if (v->kind == MF_V_STORAGE && b && b->kind == MF_BOOL && !b->v.b)
			list = list ? mf_tb_printf(&i->r->tb, "%s,%s", list, v->name) : v->name;
	}
	mf_tb_put_str(&i->r->tb, ann, "backup.velero.io/backup-volumes-excludes", list, i->pos);
}

static mf_node *claim_templates(ri *i)
{
	rk *r = i->r;
	const mf_node *st = mf_get(i->spec, "storage");
	mf_node *seq = mf_tb_seq(&r->tb, st ? st->pos : i->pos), *t, *meta;

	for (size_t k = 0; seq && k < i->in->nvols; k++) {
		const mf_volume *v = &i->in->vols[k];
		if (v->kind != MF_V_STORAGE || !templated(i, v))
			continue;
		if (!(t = mf_tb_map(&r->tb, v->node->pos)) ||
		    !(meta = mf_tb_child(&r->tb, t, "metadata", t->pos)))
			break;
		mf_tb_put_str(&r->tb, meta, "name", v->name, v->key_pos);
		exclude_label(r, meta, v->node);
		mf_tb_put(&r->tb, t, "spec", claim_spec(i, v->node));
		mf_tb_push(&r->tb, seq, t);
	}
	return seq;
}

/* PersistentVolumeClaims for storage of anything but a StatefulSet */
/* PersistentVolumeClaims of the storage no claim template holds; a volume
 * that exists already (external) gets none. */
static void claims(ri *i)
{
	for (size_t k = 0; k < i->in->nvols; k++) {
		const mf_volume *v = &i->in->vols[k];
		mf_node *doc;
		if (v->kind != MF_V_STORAGE || templated(i, v) || v->external ||
		    (v->shared && !v->claim_owner)) /* a declared volume's: once, by its owner */
			continue;
		doc = inst_object(i, "v1", "PersistentVolumeClaim", pvc_name(i, v->name));
		if (doc)
			exclude_label(i->r, mf_get(doc, "metadata"), v->node);
		if (doc)
			mf_tb_put(&i->r->tb, doc, "spec", claim_spec(i, v->node));
		inst_emit(i, doc);
	}
}

/* ---- placement and availability -------------------------------------------- */

static void put_labels(rk *r, mf_node *dst, const mf_node *src)
{
	for (size_t k = 0; src && src->kind == MF_MAP && k < src->n; k++)
		mf_tb_put(&r->tb, dst, src->pairs[k].key, str_of(r, src->pairs[k].val));
}

/* placement: the machine's nodeSelector (else its host name), the node
 * pool's label, then placement.nodeSelector */
static mf_node *node_selector(ri *i)
{
	rk *r = i->r;
	const mf_node *pl = mf_get(i->spec, "placement"), *pool = mf_get(pl, "nodePool");
	mf_node *m = mf_tb_map(&r->tb, pl ? pl->pos : i->pos);

	if (!m || !pl)
		return m;
	if (i->in->machine) {
		const mf_node *mach = mf_system_section(r->s, "machines", i->in->machine);
		const mf_node *ns = mf_get(mach, "nodeSelector");
		if (ns && ns->n)
			put_labels(r, m, ns);
		else
			mf_tb_put_str(&r->tb, m, "kubernetes.io/hostname", i->in->machine,
				      mf_get(pl, "machine")->pos);
	}
	if (pool)
		mf_tb_put(&r->tb, m, NODE_POOL_LABEL, str_of(r, pool));
	put_labels(r, m, mf_get(pl, "nodeSelector"));
	return m;
}

static const char *topology_key(const char *what)
{
	return streq(what, "zone") ? "topology.kubernetes.io/zone" : "kubernetes.io/hostname";
}

static mf_node *label_selector(ri *i)
{
	mf_node *m = mf_tb_map(&i->r->tb, i->pos);

	if (m)
		mf_tb_put(&i->r->tb, m, "matchLabels", selector(i));
	return m;
}

/* availability.spread: one constraint; a zone is a hard rule, a host a
 * soft one (antiAffinity: required is the hard per-host rule) */
static mf_node *spread(ri *i)
{
	rk *r = i->r;
	const mf_node *v = mf_path(i->spec, "availability.spread");
	mf_node *seq, *m;

	if (!v || streq(mf_str(v), "none") || !(seq = mf_tb_seq(&r->tb, v->pos)) ||
	    !(m = mf_tb_map(&r->tb, v->pos)))
		return NULL;
	mf_tb_put_int(&r->tb, m, "maxSkew", 1, v->pos);
	mf_tb_put_str(&r->tb, m, "topologyKey", topology_key(mf_str(v)), v->pos);
	mf_tb_put_str(&r->tb, m, "whenUnsatisfiable",
		      streq(mf_str(v), "zone") ? "DoNotSchedule" : "ScheduleAnyway", v->pos);
	mf_tb_put(&r->tb, m, "labelSelector", label_selector(i));
	mf_tb_push(&r->tb, seq, m);
	return seq;
}

/* availability.antiAffinity: preferred or required, per host */
static mf_node *affinity(ri *i)
{
	rk *r = i->r;
	const mf_node *v = mf_path(i->spec, "availability.antiAffinity");
	bool req = streq(mf_str(v), "required");
	mf_node *m, *anti, *terms, *term, *t;

	if (!v || streq(mf_str(v), "none") || !(m = mf_tb_map(&r->tb, v->pos)) ||
	    !(anti = mf_tb_child(&r->tb, m, "podAntiAffinity", v->pos)))
		return NULL;
	terms = mf_tb_child_seq(&r->tb, anti,
				req ? "requiredDuringSchedulingIgnoredDuringExecution"
				    : "preferredDuringSchedulingIgnoredDuringExecution",
				v->pos);
	if (!terms || !(term = mf_tb_map(&r->tb, v->pos)))
		return m;
	t = term;
	if (!req) {
		mf_tb_put_int(&r->tb, term, "weight", 100, v->pos);
		t = mf_tb_child(&r->tb, term, "podAffinityTerm", v->pos);
	}
	if (t) {
		mf_tb_put(&r->tb, t, "labelSelector", label_selector(i));
		mf_tb_put_str(&r->tb, t, "topologyKey", "kubernetes.io/hostname", v->pos);
	}
	mf_tb_push(&r->tb, terms, term);
	return m;
}

/* ---- pods -------------------------------------------------------------------- */

static bool metrics_on(const mf_node *port)
{
	const mf_node *m = mf_get(port, "metrics");

	return m && (m->kind == MF_MAP || (m->kind == MF_BOOL && m->v.b));
}

static bool automount(const ri *i)
{
	const mf_node *v = mf_path(i->spec, "serviceAccount.automountToken");

	if (!v || v->kind != MF_BOOL)
		v = mf_path(i->spec, "security.automountServiceAccountToken");
	return v && v->kind == MF_BOOL && v->v.b;
}

static mf_node *image_of(ri *i, mf_node *m)
{
	rk *r = i->r;
	mf_image im = i->in->image;
	const mf_node *pull = mf_path(i->spec, "image.pullPolicy");

	if (!im.ref)
		error_once(r, i->pos, "missing-image",
			   mf_tb_printf(&r->tb, "service '%s' has no image", i->in->service));
	mf_tb_put_str(&r->tb, m, "image", im.ref ? im.ref : "", im.pos);
	mf_tb_put(&r->tb, m, "imagePullPolicy", str_of(r, pull));
	return m;
}

/* ---- container settings (settings.def), shm, extra hosts --------------------- */

/* The settings Kubernetes has at `place`, as written. */
static void put_settings(ri *i, mf_node *m, mf_k8s_place place)
{
	const mf_node *v;

	for (size_t k = 0; k < mf_nsettings; k++)
		if (mf_settings[k].place == place && (v = mf_get(i->spec, mf_settings[k].key)) &&
		    v->kind != MF_NULL)
			mf_tb_put(&i->r->tb, m, mf_settings[k].k8s, mf_tb_copy(&i->r->tb, v));
}

#define SHM_VOLUME "dshm"

/* shmSize: a memory-backed emptyDir at /dev/shm of that size, as Compose's
 * shm_size (its pages count against the container's memory limit). */
static void shm_volume(ri *i, mf_node *vols, mf_node *mounts)
{
	rk *r = i->r;
	const mf_node *shm = mf_get(i->spec, "shmSize");
	mf_node *v, *ed, *mt;

	if (!shm || shm->kind == MF_NULL)
		return;
	for (size_t k = 0; k < i->in->nvols; k++)
		if (streq(i->in->vols[k].name, SHM_VOLUME) ||
		    streq(i->in->vols[k].mount, "/dev/shm")) {
			error_once(
				r, shm->pos, "shm-volume",
				mf_tb_printf(&r->tb,
					     "'%s' sets 'shmSize' and has a volume '%s' at '%s': "
					     "Kubernetes gives /dev/shm as the volume '" SHM_VOLUME
					     "'; drop one of them",
					     i->in->service, i->in->vols[k].name,
					     i->in->vols[k].mount));
			return;
		}
	if (!(v = mf_tb_map(&r->tb, shm->pos)) || !(mt = mf_tb_map(&r->tb, shm->pos)))
		return;
	mf_tb_put_str(&r->tb, v, "name", SHM_VOLUME, shm->pos);
	ed = mf_tb_child(&r->tb, v, "emptyDir", shm->pos);
	mf_tb_put_str(&r->tb, ed, "medium", "Memory", shm->pos);
	mf_tb_put(&r->tb, ed, "sizeLimit", str_of(r, shm));
	mf_tb_push(&r->tb, vols, v);
	mf_tb_put_str(&r->tb, mt, "name", SHM_VOLUME, shm->pos);
	mf_tb_put_str(&r->tb, mt, "mountPath", "/dev/shm", shm->pos);
	mf_tb_push(&r->tb, mounts, mt);
}

typedef struct alias {
	const char *ip, *host;
	mf_pos pos;
} alias;

static int cmp_alias(const void *x, const void *y)
{
	return strcmp(((const alias *)x)->ip, ((const alias *)y)->ip);
}

/* extraHosts as hostAliases: one entry per address (sorted), its host names in
 * the description's order.  host-gateway is Docker's: k8s-no-equivalent. */
static mf_node *host_aliases(ri *i)
{
	rk *r = i->r;
	const mf_node *h = mf_get(i->spec, "extraHosts");
	mf_node *out, *cur = NULL;
	alias *v;
	size_t n = 0;

	if (!h || h->kind != MF_MAP || !h->n || !(v = mf_tb_alloc(&r->tb, h->n * sizeof *v)) ||
	    !(out = mf_tb_seq(&r->tb, h->pos)))
		return NULL;
	for (size_t k = 0; k < h->n; k++)
		if (mf_str(h->pairs[k].val) && !streq(mf_str(h->pairs[k].val), "host-gateway"))
			v[n++] = (alias){mf_str(h->pairs[k].val), h->pairs[k].key, h->pairs[k].pos};
	mf_stable_sort(v, n, sizeof *v, cmp_alias);
	for (size_t k = 0; k < n; k++) {
		if (!k || strcmp(v[k].ip, v[k - 1].ip)) {
			cur = mf_tb_map(&r->tb, v[k].pos);
			mf_tb_put_str(&r->tb, cur, "ip", v[k].ip, v[k].pos);
			mf_tb_push(&r->tb, out, cur);
		}
		mf_tb_push(&r->tb, mf_tb_child_seq(&r->tb, cur, "hostnames", v[k].pos),
			   mf_tb_str(&r->tb, v[k].host, v[k].pos));
	}
	return out;
}

static mf_node *container(ri *i, mf_node *mounts)
{
	rk *r = i->r;
	const mf_node *pr = mf_get(i->spec, "probes");
	mf_node *m = mf_tb_map(&r->tb, i->pos);

	if (!m)
		return NULL;
	mf_tb_put_str(&r->tb, m, "name", i->in->name, i->pos);
	image_of(i, m);
	mf_tb_put(&r->tb, m, "command", command_of(r, mf_get(i->spec, "command")));
	mf_tb_put(&r->tb, m, "args", command_of(r, mf_get(i->spec, "args")));
	mf_tb_put(&r->tb, m, "workingDir", str_of(r, mf_get(i->spec, "workingDir")));
	mf_tb_put_nonempty(&r->tb, m, "ports", container_ports(i));
	mf_tb_put_nonempty(&r->tb, m, "env", env_list(i));
	mf_tb_put_nonempty(&r->tb, m, "envFrom", env_from(i));
	mf_tb_put_nonempty(&r->tb, m, "resources", resources(i));
	mf_tb_put(&r->tb, m, "livenessProbe", probe(i, mf_get(pr, "liveness"), true));
	mf_tb_put(&r->tb, m, "readinessProbe", probe(i, mf_get(pr, "readiness"), false));
	mf_tb_put(&r->tb, m, "startupProbe", probe(i, mf_get(pr, "startup"), true));
	mf_tb_put_nonempty(&r->tb, m, "securityContext", container_security(i));
	mf_tb_put_nonempty(&r->tb, m, "volumeMounts", mounts);
	put_settings(i, m, MF_K8S_CONTAINER);
	return m;
}

static const char *restart_policy(const ri *i)
{
	if (mf_long_running(i->in->kind))
		return NULL;
	return streq(mf_get_str(i->spec, "restart"), "never") ? "Never" : "OnFailure";
}

static void host_namespaces(ri *i, mf_node *spec)
{
	static const char *const keys[] = {"hostNetwork", "hostPID", "hostIPC"};
	const mf_node *sec = mf_get(i->spec, "security"), *v;

	for (size_t k = 0; k < 3; k++)
		if ((v = mf_get(sec, keys[k])) && v->kind == MF_BOOL && v->v.b)
			mf_tb_put_bool(&i->r->tb, spec, keys[k], true, v->pos);
	if (host_network(i))
		mf_tb_put_str(&i->r->tb, spec, "dnsPolicy", "ClusterFirstWithHostNet",
			      mf_path(sec, "hostNetwork")->pos);
}

static bool spreads(const ri *i)
{
	return i->in->kind == MF_W_DEPLOYMENT || i->in->kind == MF_W_STATEFUL;
}

static mf_node *pod_spec(ri *i)
{
	rk *r = i->r;
	mf_node *m = mf_tb_map(&r->tb, i->pos), *vols = mf_tb_seq(&r->tb, i->pos),
		*mounts = mf_tb_seq(&r->tb, i->pos), *cs;
	const mf_node *grace = mf_get(i->spec, "terminationGracePeriod");

	if (!m || !vols || !mounts)
		return m;
	pod_volumes(i, vols, mounts);
	shm_volume(i, vols, mounts);
	mf_k8s_grafana_volumes(&r->tb, r->s, i->in, vols, mounts);
	mf_tb_put_str(&r->tb, m, "serviceAccountName", i->sa, i->pos);
	mf_tb_put_bool(&r->tb, m, "automountServiceAccountToken", automount(i), i->pos);
	host_namespaces(i, m);
	mf_tb_put_nonempty(&r->tb, m, "securityContext", pod_security(i));
	put_seconds(r, m, "terminationGracePeriodSeconds", grace);
	mf_tb_put_str(&r->tb, m, "restartPolicy", restart_policy(i), i->pos);
	put_settings(i, m, MF_K8S_POD);
	mf_tb_put_nonempty(&r->tb, m, "hostAliases", host_aliases(i));
	mf_tb_put_nonempty(&r->tb, m, "nodeSelector", node_selector(i));
	if (mf_path(i->spec, "placement.tolerations"))
		mf_tb_put(&r->tb, m, "tolerations",
			  mf_tb_copy(&r->tb, mf_path(i->spec, "placement.tolerations")));
	if (spreads(i)) {
		mf_tb_put(&r->tb, m, "affinity", affinity(i));
		mf_tb_put(&r->tb, m, "topologySpreadConstraints", spread(i));
	}
	if ((cs = mf_tb_child_seq(&r->tb, m, "containers", i->pos)))
		mf_tb_push(&r->tb, cs, container(i, mounts));
	mf_tb_put_nonempty(&r->tb, m, "volumes", vols);
	return m;
}

/* prometheus.io annotations for the first port with `metrics` */
static void scrape_annotations(ri *i, mf_node *ann)
{
	rk *r = i->r;

	for (size_t k = 0; k < i->nports; k++) {
		const rport *p = &i->ports[k];
		const mf_node *path = mf_path(p->node, "metrics.path");
		if (!metrics_on(p->node))
			continue;
		mf_tb_put_str(&r->tb, ann, "prometheus.io/scrape", "true", p->pos);
		mf_tb_put_str(&r->tb, ann, "prometheus.io/port",
			      mf_tb_printf(&r->tb, "%lld", p->number), p->pos);
		mf_tb_put(&r->tb, ann, "prometheus.io/path", str_of(r, path));
		return;
	}
}

static mf_node *pod_template(ri *i)
{
	rk *r = i->r;
	const mf_node *user = mf_get(i->spec, "annotations");
	mf_node *t = mf_tb_map(&r->tb, i->pos), *meta, *ann;

	if (!t || !(meta = mf_tb_child(&r->tb, t, "metadata", i->pos)))
		return t;
	mf_tb_put(&r->tb, meta, "labels", instance_labels(i));
	if ((ann = mf_tb_map(&r->tb, i->pos))) {
		put_labels(r, ann, user);
		scrape_annotations(i, ann);
		exclude_annotation(i, ann);
		mf_tb_put_nonempty(&r->tb, meta, "annotations", ann);
	}
	mf_tb_put(&r->tb, t, "spec", pod_spec(i));
	return t;
}

/* ---- workloads --------------------------------------------------------------- */

static bool autoscaled(const ri *i)
{
	const mf_node *h = mf_get(i->spec, "autoscaling");

	return h && mf_get_bool(h, "enabled", true) &&
	       (i->in->kind == MF_W_DEPLOYMENT || i->in->kind == MF_W_STATEFUL);
}

static bool has_storage(const ri *i)
{
	const mf_node *st = mf_get(i->spec, "storage");

	return st && st->kind == MF_MAP && st->n;
}

/* strategy.{maxSurge,maxUnavailable,partition} that apply to this kind */
static mf_node *rolling(ri *i, const mf_node *st, bool surge, bool partition)
{
	rk *r = i->r;
	mf_node *m = mf_tb_map(&r->tb, st ? st->pos : i->pos);
	const mf_node *v;

	if (!m || !st)
		return m;
	if (surge && (v = mf_get(st, "maxSurge")))
		mf_tb_put(&r->tb, m, "maxSurge", mf_tb_copy(&r->tb, v));
	if (!partition && (v = mf_get(st, "maxUnavailable")))
		mf_tb_put(&r->tb, m, "maxUnavailable", mf_tb_copy(&r->tb, v));
	if (partition && (v = mf_get(st, "partition")))
		mf_tb_put(&r->tb, m, "partition", mf_tb_copy(&r->tb, v));
	return m;
}

/* strategy.type: rolling, recreate or ondelete, as each kind spells it;
 * a Deployment with a claim recreates (a ReadWriteOnce volume cannot be
 * held by the old and the new pod at once). */
static mf_node *strategy(ri *i)
{
	rk *r = i->r;
	const mf_node *st = mf_get(i->spec, "strategy");
	const char *type = mf_get_str(st, "type");
	bool deploy = i->in->kind == MF_W_DEPLOYMENT;
	mf_pos pos = st ? st->pos : i->pos;
	mf_node *m, *ru;

	if (!type && deploy && has_storage(i))
		type = "recreate";
	if (!type && !st)
		return NULL;
	if (!(m = mf_tb_map(&r->tb, pos)))
		return NULL;
	if (streq(type, "recreate") && deploy) {
		mf_tb_put_str(&r->tb, m, "type", "Recreate", pos);
	} else if (streq(type, "ondelete") && !deploy) {
		mf_tb_put_str(&r->tb, m, "type", "OnDelete", pos);
	} else {
		mf_tb_put_str(&r->tb, m, "type", "RollingUpdate", pos);
		ru = rolling(i, st, i->in->kind != MF_W_STATEFUL, stateful(i));
		mf_tb_put_nonempty(&r->tb, m, "rollingUpdate", ru);
	}
	return m;
}

static mf_node *workload_doc(ri *i, const char *api, const char *kind)
{
	mf_node *doc = inst_object(i, api, kind, i->in->name);

	if (doc)
		add_annotations(i->r, mf_get(doc, "metadata"), mf_get(i->spec, "annotations"),
				i->pos);
	return doc;
}

static mf_node *long_running(ri *i, const char *kind, const char *strategy_key)
{
	rk *r = i->r;
	mf_node *doc = workload_doc(i, "apps/v1", kind), *spec, *sel;

	if (!doc || !(spec = mf_tb_child(&r->tb, doc, "spec", i->pos)))
		return doc;
	if (i->svc_name)
		mf_tb_put_str(&r->tb, spec, "serviceName", i->svc_name, i->pos);
	if (i->in->kind != MF_W_DAEMON && !autoscaled(i))
		mf_tb_put_int(&r->tb, spec, "replicas", i->in->replicas, i->in->replicas_pos);
	if ((sel = mf_tb_child(&r->tb, spec, "selector", i->pos)))
		mf_tb_put(&r->tb, sel, "matchLabels", selector(i));
	mf_tb_put(&r->tb, spec, strategy_key, strategy(i));
	mf_tb_put(&r->tb, spec, "template", pod_template(i));
	if (stateful(i))
		mf_tb_put_nonempty(&r->tb, spec, "volumeClaimTemplates", claim_templates(i));
	return doc;
}

/* services.*.job */
static mf_node *job_spec(ri *i)
{
	rk *r = i->r;
	const mf_node *j = mf_get(i->spec, "job");
	mf_node *m = mf_tb_map(&r->tb, j ? j->pos : i->pos);

	if (!m)
		return NULL;
	put_count(r, m, "backoffLimit", mf_get(j, "backoffLimit"));
	put_count(r, m, "completions", mf_get(j, "completions"));
	put_count(r, m, "parallelism", mf_get(j, "parallelism"));
	put_seconds(r, m, "activeDeadlineSeconds", mf_get(j, "activeDeadline"));
	put_seconds(r, m, "ttlSecondsAfterFinished", mf_get(j, "ttlAfterFinished"));
	mf_tb_put(&r->tb, m, "template", pod_template(i));
	return m;
}

/* "CRON_TZ=Europe/Paris 0 2 * * *": the zone goes to spec.timeZone, which
 * is where the API server wants it */
static void cron_schedule(ri *i, mf_node *spec)
{
	rk *r = i->r;
	const mf_node *sn = mf_get(i->spec, "schedule");
	const char *s = mf_str(sn), *sp;

	if (!s) {
		error_once(r, i->pos, "missing-schedule",
			   mf_tb_printf(&r->tb, "cronjob '%s' has no 'schedule'", i->in->service));
		mf_tb_put_str(&r->tb, spec, "schedule", "", i->pos);
		return;
	}
	if ((!strncmp(s, "CRON_TZ=", 8) || !strncmp(s, "TZ=", 3)) && (sp = strchr(s, ' '))) {
		const char *tz = strchr(s, '=') + 1;
		while (*sp == ' ')
			sp++;
		mf_tb_put_str(&r->tb, spec, "schedule", sp, sn->pos);
		mf_tb_put(&r->tb, spec, "timeZone",
			  mf_tb_strn(&r->tb, tz, (size_t)(strchr(tz, ' ') - tz), sn->pos));
		return;
	}
	mf_tb_put(&r->tb, spec, "schedule", str_of(r, sn));
}

static mf_node *cronjob(ri *i)
{
	rk *r = i->r;
	mf_node *doc = workload_doc(i, "batch/v1", "CronJob"), *spec, *jt;

	if (!doc || !(spec = mf_tb_child(&r->tb, doc, "spec", i->pos)))
		return doc;
	cron_schedule(i, spec);
	mf_tb_put(&r->tb, spec, "concurrencyPolicy",
		  str_of(r, mf_path(i->spec, "job.concurrencyPolicy")));
	put_seconds(r, spec, "startingDeadlineSeconds", mf_path(i->spec, "job.startingDeadline"));
	if ((jt = mf_tb_child(&r->tb, spec, "jobTemplate", i->pos)))
		mf_tb_put(&r->tb, jt, "spec", job_spec(i));
	return doc;
}

static void workload(ri *i)
{
	mf_node *doc = NULL;

	switch (i->in->kind) {
	case MF_W_DEPLOYMENT:
		doc = long_running(i, "Deployment", "strategy");
		break;
	case MF_W_STATEFUL:
		doc = long_running(i, "StatefulSet", "updateStrategy");
		break;
	case MF_W_DAEMON:
		doc = long_running(i, "DaemonSet", "updateStrategy");
		break;
	case MF_W_JOB:
		if ((doc = workload_doc(i, "batch/v1", "Job")))
			mf_tb_put(&i->r->tb, doc, "spec", job_spec(i));
		break;
	case MF_W_CRONJOB:
		doc = cronjob(i);
		break;
	}
	inst_emit(i, doc);
}

/* ---- accounts and services --------------------------------------------------- */

static bool account_seen(rk *r, const char *key)
{
	/* NULL: out of memory, recorded */
	return !key || mf_tb_hash_put(&r->tb, &r->accounts, key, (void *)key) != key;
}

/* One ServiceAccount per service (or per serviceAccount.name); no token is
 * mounted unless the description asks for it. */
static void service_account(ri *i)
{
	rk *r = i->r;
	const char *name = mf_path(i->spec, "serviceAccount.name")
				   ? mf_str(mf_path(i->spec, "serviceAccount.name"))
				   : i->in->name;
	mf_node *doc;

	i->sa = name;
	if (account_seen(r, mf_tb_printf(&r->tb, "%s/%s", i->in->ns, name)))
		return;
	if ((doc = inst_object(i, "v1", "ServiceAccount", name)))
		mf_tb_put_bool(&r->tb, doc, "automountServiceAccountToken", automount(i), i->pos);
	inst_emit(i, doc);
}

static mf_node *service_ports(ri *i)
{
	rk *r = i->r;
	mf_node *seq = mf_tb_seq(&r->tb, i->pos);

	for (size_t k = 0; seq && k < i->nports; k++) {
		const rport *p = &i->ports[k];
		mf_node *m;
		if (!p->in_service || !(m = mf_tb_map(&r->tb, p->pos)))
			continue;
		mf_tb_put_str(&r->tb, m, "name", p->name, p->pos);
		mf_tb_put_int(&r->tb, m, "port", p->svc_number, p->pos);
		mf_tb_put_str(&r->tb, m, "targetPort", p->cname, p->pos);
		mf_tb_put_str(&r->tb, m, "protocol", p->protocol, p->pos);
		mf_tb_put(&r->tb, m, "appProtocol", str_of(r, mf_get(p->node, "appProtocol")));
		mf_tb_push(&r->tb, seq, m);
	}
	return seq;
}

static void service_doc(ri *i, const char *name, const char *type, bool headless, bool governing,
			mf_pos pos)
{
	rk *r = i->r;
	mf_node *doc = inst_object(i, "v1", "Service", name), *spec;

	if (doc && (spec = mf_tb_child(&r->tb, doc, "spec", pos))) {
		if (headless) {
			mf_tb_put_str(&r->tb, spec, "clusterIP", "None", pos);
		} else {
			mf_tb_put_str(&r->tb, spec, "type", type, pos);
		}
		/* peers of a StatefulSet find each other before they are ready;
		 * clients of the service must not */
		if (governing)
			mf_tb_put_bool(&r->tb, spec, "publishNotReadyAddresses", true, pos);
		mf_tb_put(&r->tb, spec, "selector", selector(i));
		mf_tb_put_nonempty(&r->tb, spec, "ports", service_ports(i));
	}
	inst_emit(i, doc);
}

static size_t service_port_count(const ri *i)
{
	size_t n = 0;

	for (size_t k = 0; k < i->nports; k++)
		n += i->ports[k].in_service;
	return n;
}

/* The service's Service (headless for a StatefulSet unless a type is
 * asked for, and then a governing <name>-headless as well). */
static void services(ri *i)
{
	const mf_node *t = mf_path(i->spec, "service.type");
	const char *type = mf_str(t);
	bool headless = streq(type, "Headless") || (stateful(i) && !type);
	mf_pos pos = t ? t->pos : i->pos;

	if (!mf_long_running(i->in->kind) || (!service_port_count(i) && !stateful(i)))
		return;
	service_doc(i, i->in->name, type ? type : "ClusterIP", headless, false, pos);
	if (!stateful(i))
		return;
	i->svc_name = i->in->name;
	if (!headless) {
		i->svc_name = mf_tb_printf(&i->r->tb, "%s-headless", i->in->name);
		service_doc(i, i->svc_name, NULL, true, true, pos);
	}
}

/* ---- scaling, disruption, monitoring --------------------------------------- */

static mf_node *hpa_metric(rk *r, const char *res, const mf_node *v, long long dflt, mf_pos pos)
{
	mf_node *m = mf_tb_map(&r->tb, v ? v->pos : pos), *rs, *t;

	if (!m)
		return NULL;
	mf_tb_put_str(&r->tb, m, "type", "Resource", m->pos);
	if (!(rs = mf_tb_child(&r->tb, m, "resource", m->pos)))
		return m;
	mf_tb_put_str(&r->tb, rs, "name", res, m->pos);
	if ((t = mf_tb_child(&r->tb, rs, "target", m->pos))) {
		mf_tb_put_str(&r->tb, t, "type", "Utilization", m->pos);
		mf_tb_put_int(&r->tb, t, "averageUtilization", v ? v->v.i : dflt, m->pos);
	}
	return m;
}

/* autoscaling.behavior.scale{Up,Down} */
static mf_node *hpa_rules(rk *r, const mf_node *rules)
{
	const mf_node *pol = mf_get(rules, "policies");
	mf_node *m = mf_tb_map(&r->tb, rules->pos), *seq;

	if (!m)
		return NULL;
	put_seconds(r, m, "stabilizationWindowSeconds", mf_get(rules, "stabilizationWindow"));
	mf_tb_put(&r->tb, m, "selectPolicy", str_of(r, mf_get(rules, "selectPolicy")));
	if (pol && pol->kind == MF_SEQ && pol->n &&
	    (seq = mf_tb_child_seq(&r->tb, m, "policies", pol->pos))) {
		for (size_t k = 0; k < pol->n; k++) {
			mf_node *p = mf_tb_map(&r->tb, pol->items[k]->pos);
			if (!p)
				break;
			mf_tb_put(&r->tb, p, "type", str_of(r, mf_get(pol->items[k], "type")));
			put_count(r, p, "value", mf_get(pol->items[k], "value"));
			put_seconds(r, p, "periodSeconds", mf_get(pol->items[k], "period"));
			mf_tb_push(&r->tb, seq, p);
		}
	}
	return m;
}

static mf_node *hpa_behavior(rk *r, const mf_node *b)
{
	mf_node *m = mf_tb_map(&r->tb, b->pos);

	if (m && mf_get(b, "scaleUp"))
		mf_tb_put(&r->tb, m, "scaleUp", hpa_rules(r, mf_get(b, "scaleUp")));
	if (m && mf_get(b, "scaleDown"))
		mf_tb_put(&r->tb, m, "scaleDown", hpa_rules(r, mf_get(b, "scaleDown")));
	return m;
}

/* autoscaling: an autoscaling/v2 HPA; the workload then has no replicas */
static void hpa(ri *i)
{
	rk *r = i->r;
	const mf_node *h = mf_get(i->spec, "autoscaling"), *cpu = mf_get(h, "cpu"),
		      *mem = mf_get(h, "memory");
	mf_node *doc, *spec, *ref, *metrics;

	if (!autoscaled(i) ||
	    !(doc = inst_object(i, "autoscaling/v2", "HorizontalPodAutoscaler", i->in->name)))
		return;
	if ((spec = mf_tb_child(&r->tb, doc, "spec", h->pos)) &&
	    (ref = mf_tb_child(&r->tb, spec, "scaleTargetRef", h->pos))) {
		mf_tb_put_str(&r->tb, ref, "apiVersion", "apps/v1", h->pos);
		mf_tb_put_str(&r->tb, ref, "kind", stateful(i) ? "StatefulSet" : "Deployment",
			      h->pos);
		mf_tb_put_str(&r->tb, ref, "name", i->in->name, h->pos);
		mf_tb_put_int(&r->tb, spec, "minReplicas", i->in->replicas, i->in->replicas_pos);
		mf_tb_put_int(&r->tb, spec, "maxReplicas", i->in->max_replicas,
			      (mf_get(h, "max") ? mf_get(h, "max") : h)->pos);
		if ((metrics = mf_tb_child_seq(&r->tb, spec, "metrics", h->pos))) {
			if (cpu || !mem)
				mf_tb_push(&r->tb, metrics, hpa_metric(r, "cpu", cpu, 80, h->pos));
			if (mem)
				mf_tb_push(&r->tb, metrics,
					   hpa_metric(r, "memory", mem, 80, h->pos));
		}
		if (mf_get(h, "behavior"))
			mf_tb_put(&r->tb, spec, "behavior", hpa_behavior(r, mf_get(h, "behavior")));
	}
	inst_emit(i, doc);
}

/* availability.disruptionBudget, else maxUnavailable 1 once there are two
 * pods to keep one of */
static void pdb(ri *i)
{
	rk *r = i->r;
	const mf_node *db = mf_path(i->spec, "availability.disruptionBudget"), *v;
	mf_pos pos = db ? db->pos : i->in->replicas_pos;
	mf_node *doc, *spec, *sel;

	if (!spreads(i) || (!db && i->in->replicas < 2))
		return;
	if (!(doc = inst_object(i, "policy/v1", "PodDisruptionBudget", i->in->name)))
		return;
	if ((spec = mf_tb_child(&r->tb, doc, "spec", pos))) {
		if ((v = mf_get(db, "minAvailable")))
			mf_tb_put(&r->tb, spec, "minAvailable", mf_tb_copy(&r->tb, v));
		else if ((v = mf_get(db, "maxUnavailable")))
			mf_tb_put(&r->tb, spec, "maxUnavailable", mf_tb_copy(&r->tb, v));
		else
			mf_tb_put_int(&r->tb, spec, "maxUnavailable", 1, pos);
		if ((sel = mf_tb_child(&r->tb, spec, "selector", pos)))
			mf_tb_put(&r->tb, sel, "matchLabels", selector(i));
	}
	inst_emit(i, doc);
}

/* ports.*.metrics on Service ports: one ServiceMonitor per service */
static void service_monitor(ri *i)
{
	rk *r = i->r;
	mf_node *eps = mf_tb_seq(&r->tb, i->pos), *doc, *spec, *sel;

	for (size_t k = 0; eps && k < i->nports; k++) {
		const rport *p = &i->ports[k];
		const mf_node *iv = mf_path(p->node, "metrics.interval");
		mf_node *ep;
		if (!metrics_on(p->node) || !p->in_service ||
		    !(ep = mf_tb_map(&r->tb, mf_get(p->node, "metrics")->pos)))
			continue;
		mf_tb_put_str(&r->tb, ep, "port", p->name, p->pos);
		mf_tb_put(&r->tb, ep, "path", str_of(r, mf_path(p->node, "metrics.path")));
		if (iv && mf_seconds(iv) > 0)
			mf_tb_put_str(&r->tb, ep, "interval",
				      mf_tb_printf(&r->tb, "%llds", mf_seconds(iv)), iv->pos);
		mf_tb_push(&r->tb, eps, ep);
	}
	if (!eps || !eps->n || !mf_long_running(i->in->kind))
		return;
	if (!(doc = inst_object(i, "monitoring.coreos.com/v1", "ServiceMonitor", i->in->name)))
		return;
	if ((spec = mf_tb_child(&r->tb, doc, "spec", i->pos)) &&
	    (sel = mf_tb_child(&r->tb, spec, "selector", i->pos))) {
		mf_tb_put(&r->tb, sel, "matchLabels", selector(i));
		mf_tb_put(&r->tb, spec, "endpoints", eps);
	}
	inst_emit(i, doc);
}

/* ---- exposure: routes and ingress paths ------------------------------------ */

static const char *domain(const rk *r)
{
	const char *d = mf_get_str(r->e->node, "domain");

	return d ? d : mf_get_str(mf_get(r->s->doc, "system"), "domain");
}

/* a tenant's host, else <instance>.<domain> */
static const char *default_host(ri *i)
{
	const char *h = i->in->tenant ? mf_get_str(i->in->tenant->node, "host") : NULL;
	const char *d = domain(i->r);

	if (h)
		return h;
	return d ? mf_tb_printf(&i->r->tb, "%s.%s", i->in->id, d) : NULL;
}

static void route(ri *i, const rport *p, const mf_node *rt, const char *name)
{
	rk *r = i->r;
	const mf_node *host = mf_get(rt, "host");
	const char *tls = mf_get_str(rt, "tls");
	mf_node *doc = inst_object(i, "route.openshift.io/v1", "Route", name), *spec, *m;

	if (!doc || !(spec = mf_tb_child(&r->tb, doc, "spec", rt->pos)))
		return;
	mf_tb_put_str(&r->tb, spec, "host", host ? mf_str(host) : default_host(i),
		      host ? host->pos : rt->pos);
	mf_tb_put(&r->tb, spec, "path", str_of(r, mf_get(rt, "path")));
	if ((m = mf_tb_child(&r->tb, spec, "to", rt->pos))) {
		mf_tb_put_str(&r->tb, m, "kind", "Service", rt->pos);
		mf_tb_put_str(&r->tb, m, "name", i->in->name, rt->pos);
		mf_tb_put_int(&r->tb, m, "weight", 100, rt->pos);
	}
	if ((m = mf_tb_child(&r->tb, spec, "port", rt->pos)))
		mf_tb_put_str(&r->tb, m, "targetPort", p->name, p->pos);
	if (tls && strcmp(tls, "none") &&
	    (m = mf_tb_child(&r->tb, spec, "tls", mf_get(rt, "tls")->pos))) {
		mf_tb_put_str(&r->tb, m, "termination", tls, m->pos);
		mf_tb_put_str(&r->tb, m, "insecureEdgeTerminationPolicy", "Redirect", m->pos);
	}
	mf_tb_put_str(&r->tb, spec, "wildcardPolicy", "None", rt->pos);
	inst_emit(i, doc);
}

/* What render_ingress.c builds with: an HTTPRoute is its instance's object,
 * an Ingress the namespace's (file ingress.yaml). */
static mf_node *route_object(void *ctx, const char *api, const char *kind, const char *name,
			     const char *ns, mf_pos pos)
{
	(void)ns, (void)pos;
	return inst_object(ctx, api, kind, name);
}

static void route_emit(void *ctx, mf_node *doc, const char *tenant, mf_pos pos)
{
	(void)tenant, (void)pos;
	inst_emit(ctx, doc);
}

static mf_node *ingress_object(void *ctx, const char *api, const char *kind, const char *name,
			       const char *ns, mf_pos pos)
{
	return object(ctx, api, kind, name, ns, common_labels(ctx, pos), pos);
}

static void ingress_emit(void *ctx, mf_node *doc, const char *tenant, mf_pos pos)
{
	emit(ctx, doc, "ingress", NULL, tenant, pos);
}

static void ingress_error(void *ctx, mf_pos pos, const char *code, const char *msg)
{
	error_once(ctx, pos, code, msg);
}

static void ingress_warn(void *ctx, mf_pos pos, const char *code, const char *msg)
{
	warn_once(ctx, pos, code, msg);
}

static void collect_ingress(ri *i, const rport *p, const mf_node *ing)
{
	mf_ing_port ip = {i->in, p->name, p->svc_number, default_host(i), ing};

	mf_ing_collect(&i->r->ing, &ip);
}

static size_t route_count(const ri *i)
{
	size_t n = 0;

	for (size_t k = 0; k < i->nports; k++)
		n += mf_path(i->ports[k].node, "expose.route") != NULL;
	return n;
}

/* ports.*.expose: routes now, ingress paths for the end */
static void exposures(ri *i)
{
	rk *r = i->r;
	size_t nroutes = route_count(i);

	for (size_t k = 0; k < i->nports && mf_long_running(i->in->kind); k++) {
		const rport *p = &i->ports[k];
		const mf_node *ex = mf_get(p->node, "expose"), *rt = mf_get(ex, "route"),
			      *ing = mf_get(ex, "ingress");
		if (!rt && !ing)
			continue;
		if (!p->in_service) {
			error_once(r, ex->pos, "expose-no-service",
				   mf_tb_printf(
					   &r->tb,
					   "port '%s' of '%s' is exposed but has 'service: false'",
					   p->name, i->in->service));
			continue;
		}
		if (rt)
			route(i, p, rt,
			      nroutes > 1 ? mf_tb_printf(&r->tb, "%s-%s", i->in->name, p->name)
					  : i->in->name);
		if (ing)
			collect_ingress(i, p, ing);
	}
	mf_ing_routes(&r->ing, &(mf_ing_sink){i, route_object, route_emit});
}

/* ---- config maps ------------------------------------------------------------- */

static void use_config(ri *i, const char *cfg, mf_pos pos)
{
	rk *r = i->r;
	cfguse *grown;

	if (!cfg)
		return;
	for (size_t k = 0; k < r->ncfgs; k++)
		if (streq(r->cfgs[k].ns, i->in->ns) && streq(r->cfgs[k].config, cfg))
			return;
	if (!(grown = mf_tb_grow(&r->tb, r->cfgs, r->ncfgs, &r->capcfgs, sizeof *grown)))
		return;
	r->cfgs = grown;
	r->cfgs[r->ncfgs++] = (cfguse){i->in->ns, mf_inst_part(i->in), cfg, pos};
}

/* configs an instance reads: env, envFrom and volumes */
static void instance_configs(ri *i)
{
	const mf_node *env = mf_get(i->spec, "env"), *from = mf_get(i->spec, "envFrom");
	const mf_node *vols = mf_get(i->spec, "volumes");

	for (size_t k = 0; env && env->kind == MF_MAP && k < env->n; k++)
		if (env->pairs[k].val && env->pairs[k].val->kind == MF_MAP)
			use_config(i, mf_get_str(env->pairs[k].val, "config"),
				   env->pairs[k].val->pos);
	for (size_t k = 0; from && from->kind == MF_SEQ && k < from->n; k++)
		use_config(i, mf_get_str(from->items[k], "config"), from->items[k]->pos);
	for (size_t k = 0; vols && vols->kind == MF_MAP && k < vols->n; k++)
		use_config(i, mf_get_str(vols->pairs[k].val, "config"), vols->pairs[k].val->pos);
}

/* configs.NAME, in every namespace that reads it */
static void config_maps(rk *r)
{
	for (size_t k = 0; k < r->ncfgs; k++) {
		const cfguse *u = &r->cfgs[k];
		const mf_node *cfg = mf_system_section(r->s, "configs", u->config),
			      *data = mf_get(cfg, "data");
		mf_node *doc, *out;
		if (!cfg)
			continue;
		doc = object(r, "v1", "ConfigMap", u->config, u->ns, common_labels(r, cfg->pos),
			     cfg->pos);
		if (doc && data && data->kind == MF_MAP &&
		    (out = mf_tb_child(&r->tb, doc, "data", data->pos)))
			for (size_t n = 0; n < data->n; n++)
				mf_tb_put(&r->tb, out, data->pairs[n].key,
					  str_of(r, data->pairs[n].val));
		emit(r, doc, "configs", NULL, u->tenant, cfg->pos);
	}
}

/* ---- namespaces and quotas --------------------------------------------------- */

static void namespace_obj(rk *r, const char *name, const mf_tenant *t, mf_pos pos)
{
	mf_node *labels = common_labels(r, pos);

	if (t && labels)
		put_labels(r, labels, mf_get(t->node, "labels"));
	emit(r, object(r, "v1", "Namespace", name, NULL, labels, pos), "namespaces", NULL,
	     t ? t->name : NULL, pos);
}

static const char *mem_text(rk *r, long long bytes)
{
	if (bytes % (1LL << 30) == 0)
		return mf_tb_printf(&r->tb, "%lldGi", bytes >> 30);
	if (bytes % (1LL << 20) == 0)
		return mf_tb_printf(&r->tb, "%lldMi", bytes >> 20);
	return mf_tb_printf(&r->tb, "%lld", bytes);
}

/* quota: requests (cpu, memory, gpu, storage), limits, pods */
static mf_node *quota_hard(rk *r, const mf_node *q)
{
	static const struct {
		const char *from, *to;
	} keys[] = {{"cpu", "requests.cpu"},
		    {"memory", "requests.memory"},
		    {"limits.cpu", "limits.cpu"},
		    {"limits.memory", "limits.memory"},
		    {"storage", "requests.storage"}};
	mf_node *m = mf_tb_map(&r->tb, q->pos);
	const mf_node *v;

	for (size_t k = 0; m && k < MF_NELEM(keys); k++) {
		if (!(v = mf_path(q, keys[k].from)))
			continue;
		mf_tb_put(&r->tb, m, keys[k].to,
			  strstr(keys[k].from, "cpu") ? cpu_quantity(r, v) : str_of(r, v));
	}
	if ((v = mf_get(q, "gpu")) && v->kind == MF_INT)
		mf_tb_put_int(&r->tb, m, "requests.nvidia.com/gpu", v->v.i, v->pos);
	if ((v = mf_get(q, "pods")) && v->kind == MF_INT)
		mf_tb_put_int(&r->tb, m, "pods", v->v.i, v->pos);
	return m;
}

/* The largest request of a container in the namespace, so a default limit
 * never falls below a request that was written without a limit. */
static long long max_request(const rk *r, const char *ns, const char *res, bool cpu)
{
	long long best = 0;

	for (size_t k = 0; k < r->e->ninst; k++) {
		const mf_node *v = mf_path(mf_path(r->e->inst[k].spec, "resources.requests"), res);
		long long n = cpu ? mf_cpu_millis(v) : mf_mem_bytes(v);
		if (v && streq(r->e->inst[k].ns, ns) && n > best)
			best = n;
	}
	return best;
}

/* Defaults for containers that state no resources, so the quota does not
 * refuse them: requests where the quota counts requests, limits where it
 * counts limits. */
static mf_node *limit_range_item(rk *r, const mf_node *q, const char *ns)
{
	mf_node *m = mf_tb_map(&r->tb, q->pos), *d;
	long long cpu = max_request(r, ns, "cpu", true), mem = max_request(r, ns, "memory", false);

	if (!m)
		return NULL;
	mf_tb_put_str(&r->tb, m, "type", "Container", q->pos);
	if (mf_get(q, "limits") && (d = mf_tb_child(&r->tb, m, "default", q->pos))) {
		if (mf_path(q, "limits.cpu"))
			mf_tb_put_str(&r->tb, d, "cpu",
				      mf_tb_printf(&r->tb, "%lldm", cpu > 500 ? cpu : 500), q->pos);
		if (mf_path(q, "limits.memory"))
			mf_tb_put_str(&r->tb, d, "memory",
				      mem_text(r, mem > (512LL << 20) ? mem : 512LL << 20), q->pos);
	}
	if ((mf_get(q, "cpu") || mf_get(q, "memory")) &&
	    (d = mf_tb_child(&r->tb, m, "defaultRequest", q->pos))) {
		if (mf_get(q, "cpu"))
			mf_tb_put_str(&r->tb, d, "cpu", "100m", q->pos);
		if (mf_get(q, "memory"))
			mf_tb_put_str(&r->tb, d, "memory", "128Mi", q->pos);
	}
	return m;
}

static void quota(rk *r, const mf_node *q, const char *ns, const char *tenant)
{
	mf_node *doc, *lr, *item;

	if (!q || q->kind != MF_MAP || !q->n)
		return;
	if ((doc = object(r, "v1", "ResourceQuota", "quota", ns, common_labels(r, q->pos), q->pos)))
		mf_tb_put(&r->tb, mf_tb_child(&r->tb, doc, "spec", q->pos), "hard",
			  quota_hard(r, q));
	emit(r, doc, "quota", NULL, tenant, q->pos);
	item = limit_range_item(r, q, ns);
	if (!item || item->n < 2)
		return;
	if ((lr = object(r, "v1", "LimitRange", "defaults", ns, common_labels(r, q->pos), q->pos)))
		mf_tb_push(&r->tb,
			   mf_tb_child_seq(&r->tb, mf_tb_child(&r->tb, lr, "spec", q->pos),
					   "limits", q->pos),
			   item);
	emit(r, lr, "quota", NULL, tenant, q->pos);
}

/* ---- network policies -------------------------------------------------------- */

static void default_deny(rk *r, const char *ns, const char *tenant, mf_pos pos)
{
	mf_node *doc = object(r, "networking.k8s.io/v1", "NetworkPolicy", "default-deny-ingress",
			      ns, common_labels(r, pos), pos);
	mf_node *spec;

	if (doc && (spec = mf_tb_child(&r->tb, doc, "spec", pos))) {
		mf_tb_child(&r->tb, spec, "podSelector", pos);
		mf_tb_push(&r->tb, mf_tb_child_seq(&r->tb, spec, "policyTypes", pos),
			   mf_tb_str(&r->tb, "Ingress", pos));
	}
	emit(r, doc, "network-policy", NULL, tenant, pos);
}

static mf_node *ns_selector(rk *r, const char *key, const char *value, mf_pos pos)
{
	mf_node *m = mf_tb_map(&r->tb, pos), *ml;

	if (m && (ml = mf_tb_child(&r->tb, mf_tb_child(&r->tb, m, "namespaceSelector", pos),
				   "matchLabels", pos)))
		mf_tb_put_str(&r->tb, ml, key, value, pos);
	return m;
}

/* A client pod: by its selector labels, and by namespace when it is in
 * another one. */
static mf_node *peer(rk *r, const mf_instance *d, const mf_instance *t, mf_pos pos)
{
	mf_node *m = streq(d->ns, t->ns)
			     ? mf_tb_map(&r->tb, pos)
			     : ns_selector(r, "kubernetes.io/metadata.name", d->ns, pos);

	if (m)
		mf_tb_put(&r->tb, mf_tb_child(&r->tb, m, "podSelector", pos), "matchLabels",
			  selector_of(r, d, pos));
	return m;
}

static mf_node *proto_port(rk *r, const char *protocol, long long number, mf_pos pos)
{
	mf_node *m = mf_tb_map(&r->tb, pos);

	mf_tb_put_str(&r->tb, m, "protocol", protocol ? protocol : "TCP", pos);
	mf_tb_put_int(&r->tb, m, "port", number, pos);
	return m;
}

static mf_node *port_entry(rk *r, const rport *p)
{
	return proto_port(r, p->protocol, p->number, p->pos);
}

static mf_node *flow_port(rk *r, const mf_port *p)
{
	return proto_port(r, p->protocol, p->number, p->pos);
}

static mf_node *ip_block(rk *r, const char *cidr, const mf_node *except, mf_pos pos)
{
	mf_node *m = mf_tb_map(&r->tb, pos), *b = mf_tb_child(&r->tb, m, "ipBlock", pos), *seq;

	mf_tb_put_str(&r->tb, b, "cidr", cidr, pos);
	if (except && except->n && (seq = mf_tb_child_seq(&r->tb, b, "except", pos)))
		for (size_t k = 0; k < except->n; k++)
			mf_tb_push(
				&r->tb, seq,
				mf_tb_str(&r->tb, mf_str(except->items[k]), except->items[k]->pos));
	return m;
}

/* the container ports of Service ports; want: NULL for all of them, else
 * the expose/metrics key a port must have */
static mf_node *policy_ports(ri *i, const char *want)
{
	rk *r = i->r;
	mf_node *seq = mf_tb_seq(&r->tb, i->pos);

	for (size_t k = 0; seq && k < i->nports; k++) {
		const rport *p = &i->ports[k];
		bool hit = want ? (streq(want, "metrics") ? metrics_on(p->node)
							  : mf_path(p->node, want) != NULL)
				: p->in_service;
		if (hit)
			mf_tb_push(&r->tb, seq, port_entry(r, p));
	}
	return seq;
}

static void add_rule(rk *r, mf_node *rules, mf_node *from, mf_node *ports, mf_pos pos)
{
	mf_node *m = mf_tb_map(&r->tb, pos);

	if (!m || !from || !from->n)
		return;
	mf_tb_put(&r->tb, m, "from", from);
	mf_tb_put_nonempty(&r->tb, m, "ports", ports);
	mf_tb_push(&r->tb, rules, m);
}

/* Namespace of the ingress controller serving a class (a guess by
 * convention: the controllers' documented install namespaces). */
static const char *controller_ns(const ri *i)
{
	static const struct {
		const char *cls, *ns;
	} ctl[] = {{"nginx", "ingress-nginx"},
		   {"traefik", "traefik"},
		   {"haproxy", "haproxy-controller"},
		   {"contour", "projectcontour"},
		   {"openshift-default", "openshift-ingress"}};

	for (size_t k = 0; k < i->nports; k++) {
		const mf_node *ing = mf_path(i->ports[k].node, "expose.ingress");
		bool gw;
		const char *gw_ns = mf_ing_gateway_ns(i->r->e, ing, &gw);
		if (gw) /* the Gateway's proxies: by convention in the Gateway's namespace */
			return mf_or(gw_ns, i->in->ns);
	}
	for (size_t k = 0; k < i->nports; k++) {
		const char *cls = mf_ing_class(mf_path(i->ports[k].node, "expose.ingress"));
		for (size_t n = 0; cls && n < MF_NELEM(ctl); n++)
			if (!strcmp(ctl[n].cls, cls))
				return ctl[n].ns;
	}
	return "ingress-nginx";
}

static mf_node *one(rk *r, mf_node *item, mf_pos pos)
{
	mf_node *seq = mf_tb_seq(&r->tb, pos);

	if (seq)
		mf_tb_push(&r->tb, seq, item);
	return seq;
}

/* Who else reaches ports with these keys: the ingress controller (value
 * NULL: its namespace, controller_ns()), the OpenShift router, Prometheus
 * (and the environment's own, scrapers()). */
static const struct {
	const char *want, *label, *value;
} namespace_peers[] = {
	{"expose.ingress", "kubernetes.io/metadata.name", NULL},
	{"expose.route", "policy-group.network.openshift.io/ingress", ""},
	{"metrics", "kubernetes.io/metadata.name", "monitoring"},
};

/* The flows that reach this service: one rule for the clients of all its
 * Service ports, one per port for clients of that port alone (resolve
 * leaves out a port flow its client's all-ports flow covers).  Host-network
 * clients are no pods a policy can select (check: network-unreachable). */
static void client_rules(ri *i, mf_node *rules)
{
	rk *r = i->r;
	mf_node *all = mf_tb_seq(&r->tb, i->pos), **per;

	if (!(per = mf_tb_alloc(&r->tb, (i->nports + 1) * sizeof *per)) || !all)
		return;
	for (size_t k = 0; k < i->in->nflows_in; k++) {
		const mf_flow *f = i->in->flows_in[k];
		size_t at = f->port ? (size_t)(f->port - i->in->ports) : 0;
		mf_node **into = f->port ? &per[at] : &all;
		if (f->from->host_network)
			continue;
		if (!*into)
			*into = mf_tb_seq(&r->tb, i->pos);
		mf_tb_push(&r->tb, *into, peer(r, f->from, i->in, i->pos));
	}
	add_rule(r, rules, all, policy_ports(i, NULL), i->pos);
	for (size_t k = 0; k < i->nports; k++)
		if (per[k])
			add_rule(r, rules, per[k], one(r, port_entry(r, &i->ports[k]), i->pos),
				 i->pos);
}

/* A daemon's host ports are published for clients anywhere. */
static void host_port_rule(ri *i, mf_node *rules)
{
	rk *r = i->r;
	mf_node *ports = mf_tb_seq(&r->tb, i->pos), *from = mf_tb_seq(&r->tb, i->pos);
	static const char *const anywhere[] = {"0.0.0.0/0", "::/0"};

	for (size_t k = 0; ports && k < i->nports; k++)
		if (i->ports[k].host)
			mf_tb_push(&r->tb, ports, port_entry(r, &i->ports[k]));
	if (!ports || !ports->n)
		return;
	for (size_t k = 0; from && k < MF_NELEM(anywhere); k++)
		mf_tb_push(&r->tb, from, ip_block(r, anywhere[k], NULL, i->pos));
	add_rule(r, rules, from, ports, i->pos);
}

/* Metrics ports admit the convention's Prometheus namespace and, where the
 * environment runs monitoring.prometheus.service itself (in the system
 * namespace, say), that service's pods. */
static mf_node *scrapers(ri *i, mf_node *from)
{
	const char *svc = mf_str(mf_path(i->r->s->doc, "monitoring.prometheus.service"));
	const mf_instance *p = svc ? mf_find_instance(i->r->e, svc, NULL) : NULL;

	if (p && p != i->in && !p->host_network)
		mf_tb_push(&i->r->tb, from, peer(i->r, p, i->in, i->pos));
	return from;
}

static void allow_rules(ri *i, mf_node *rules)
{
	rk *r = i->r;

	client_rules(i, rules);
	for (size_t k = 0; k < MF_NELEM(namespace_peers); k++) {
		mf_node *ports = policy_ports(i, namespace_peers[k].want), *from;
		const char *v = mf_or(namespace_peers[k].value, controller_ns(i));
		if (!ports || !ports->n)
			continue;
		from = one(r, ns_selector(r, namespace_peers[k].label, v, i->pos), i->pos);
		if (!strcmp(namespace_peers[k].want, "metrics"))
			from = scrapers(i, from);
		add_rule(r, rules, from, ports, i->pos);
	}
	host_port_rule(i, rules);
}

/* egress.dns: the cluster's DNS, where kube-dns (and CoreDNS under its
 * label) answers in every conformant cluster */
static mf_node *dns_rule(rk *r, mf_pos pos)
{
	mf_node *to = ns_selector(r, "kubernetes.io/metadata.name", "kube-system", pos), *m;
	mf_node *ports = mf_tb_seq(&r->tb, pos);
	static const char *const protos[] = {"UDP", "TCP"};

	if (!to || !ports || !(m = mf_tb_map(&r->tb, pos)))
		return NULL;
	mf_tb_put_str(&r->tb,
		      mf_tb_child(&r->tb, mf_tb_child(&r->tb, to, "podSelector", pos),
				  "matchLabels", pos),
		      "k8s-app", "kube-dns", pos);
	for (size_t k = 0; k < MF_NELEM(protos); k++) {
		mf_node *pm = mf_tb_map(&r->tb, pos);
		mf_tb_put_str(&r->tb, pm, "protocol", protos[k], pos);
		mf_tb_put_int(&r->tb, pm, "port", 53, pos);
		mf_tb_push(&r->tb, ports, pm);
	}
	mf_tb_put(&r->tb, m, "to", one(r, to, pos));
	mf_tb_put(&r->tb, m, "ports", ports);
	return m;
}

/* egress.external[]: an address block and its ports */
static mf_node *external_rule(rk *r, const mf_node *x)
{
	mf_node *m = mf_tb_map(&r->tb, x->pos), *ports = mf_tb_seq(&r->tb, x->pos);
	const mf_node *list = mf_get(x, "ports");
	const char *proto = mf_get_str(x, "protocol");

	if (!m || !ports)
		return NULL;
	mf_tb_put(&r->tb, m, "to",
		  one(r, ip_block(r, mf_get_str(x, "cidr"), mf_get(x, "except"), x->pos), x->pos));
	for (size_t k = 0; list && k < list->n; k++) {
		mf_node *pm = mf_tb_map(&r->tb, list->items[k]->pos);
		mf_tb_put_str(&r->tb, pm, "protocol", proto ? proto : "TCP", list->items[k]->pos);
		mf_tb_put_int(&r->tb, pm, "port", list->items[k]->v.i, list->items[k]->pos);
		mf_tb_push(&r->tb, ports, pm);
	}
	mf_tb_put_nonempty(&r->tb, m, "ports", ports);
	return m;
}

/* The ports of a flow's target, as container ports (policies see the pod
 * after the Service's translation). */
static mf_node *flow_ports(rk *r, const mf_flow *f, mf_pos pos)
{
	mf_node *seq = mf_tb_seq(&r->tb, pos);

	for (size_t k = 0; seq && k < f->to->nports; k++) {
		const mf_port *p = &f->to->ports[k];
		if (f->port ? p == f->port : p->in_service)
			mf_tb_push(&r->tb, seq, flow_port(r, p));
	}
	return seq;
}

/* services.*.egress: where the service may connect; nothing else */
static mf_node *egress_rules(ri *i)
{
	rk *r = i->r;
	mf_node *rules = mf_tb_seq(&r->tb, i->pos), *m;
	const mf_node *ext = mf_get(i->in->egress, "external");

	if (!rules)
		return NULL;
	if (mf_get_bool(i->in->egress, "dns", true))
		mf_tb_push(&r->tb, rules, dns_rule(r, i->pos));
	for (size_t k = 0; k < i->in->nflows; k++) {
		const mf_flow *f = &i->in->flows[k];
		if (f->to->host_network || !(m = mf_tb_map(&r->tb, f->pos)))
			continue;
		mf_tb_put(&r->tb, m, "to", one(r, peer(r, f->to, i->in, f->pos), f->pos));
		mf_tb_put_nonempty(&r->tb, m, "ports", flow_ports(r, f, f->pos));
		mf_tb_push(&r->tb, rules, m);
	}
	for (size_t k = 0; ext && k < ext->n; k++)
		mf_tb_push(&r->tb, rules, external_rule(r, ext->items[k]));
	return rules;
}

/* A NetworkPolicy's name: in a system namespace the environment names, which
 * other environments may share, NAME-ENV, so that each environment's
 * policies add up there (policies only ever admit more) instead of
 * replacing one another's. */
static const char *policy_name(rk *r, const char *ns, const char *name)
{
	const mf_env *e = r->e;

	if (e->system_named && e->system && !e->is_base && streq(ns, e->system_ns))
		return mf_tb_printf(&r->tb, "%s-%s", name, e->name);
	return name;
}

/* What may reach this service under the namespace's default deny (its
 * clients, the ingress controller or router on exposed ports, Prometheus
 * on metrics ports, anyone on a daemon's host ports) and, with `egress`,
 * where it may connect.  Host-network pods are outside policies. */
static void allow_policy(ri *i)
{
	rk *r = i->r;
	bool serves = mf_long_running(i->in->kind);
	mf_node *rules = mf_tb_seq(&r->tb, i->pos), *egress = NULL, *doc, *spec, *types;

	if (!r->e->network_policy || host_network(i) || !rules)
		return;
	if (serves)
		allow_rules(i, rules);
	if (i->in->egress)
		egress = egress_rules(i);
	if ((!rules->n && !egress) ||
	    !(doc = inst_object(i, "networking.k8s.io/v1", "NetworkPolicy",
				policy_name(r, i->in->ns, i->in->name))) ||
	    !(spec = mf_tb_child(&r->tb, doc, "spec", i->pos)))
		return;
	mf_tb_put(&r->tb, mf_tb_child(&r->tb, spec, "podSelector", i->pos), "matchLabels",
		  selector(i));
	types = mf_tb_child_seq(&r->tb, spec, "policyTypes", i->pos);
	if (rules->n)
		mf_tb_push(&r->tb, types, mf_tb_str(&r->tb, "Ingress", i->pos));
	if (egress)
		mf_tb_push(&r->tb, types, mf_tb_str(&r->tb, "Egress", i->pos));
	mf_tb_put_nonempty(&r->tb, spec, "ingress", rules);
	mf_tb_put_nonempty(&r->tb, spec, "egress", egress);
	inst_emit(i, doc);
}

/* ---- the environment ------------------------------------------------------- */

static void namespaces(rk *r)
{
	const mf_env *e = r->e;

	namespace_obj(r, e->ns, NULL, e->pos);
	quota(r, e->capacity, e->ns, NULL);
	if (e->network_policy)
		default_deny(r, e->ns, NULL, e->pos);
	for (size_t k = 0; k < e->nspaces; k++) { /* the tenants', then the system one */
		const mf_tenant *t = &e->tenants[k];
		namespace_obj(r, t->ns, t, t->pos);
		quota(r, mf_get(t->node, "quota"), t->ns, t->name);
		if (e->network_policy)
			default_deny(r, t->ns, t->name, t->pos);
	}
}

static void render_instance(rk *r, const mf_instance *in)
{
	ri i = {r, in, in->spec, in->pos, NULL, 0, NULL, NULL};

	init_ports(&i);
	service_account(&i);
	services(&i);
	claims(&i);
	workload(&i);
	hpa(&i);
	pdb(&i);
	service_monitor(&i);
	exposures(&i);
	instance_configs(&i);
	env_file_configmaps(&i);
	allow_policy(&i);
}

static void network_policies(rk *r); /* networks, at the end of the file */

int mf_render_k8s(mf_ctx *c, const mf_system *s, const mf_env *e, mf_objects *out)
{
	rk r = {.c = c, .tb = {.a = c->a}, .s = s, .e = e, .out = out};

	r.ing = (mf_ing){.tb = &r.tb, .e = e, .diag = {&r, ingress_error, ingress_warn}};
	namespaces(&r);
	for (size_t k = 0; k < e->ninst; k++)
		render_instance(&r, &e->inst[k]);
	config_maps(&r);
	mf_ing_finish(&r.ing, &(mf_ing_sink){&r, ingress_object, ingress_emit});
	network_policies(&r);
	if (mf_render_startup(c, &r.tb, e, out) < 0)
		r.rc = -1;
	if (mf_render_alerts(c, &r.tb, s, e, out) < 0 || mf_render_grafana(c, &r.tb, s, e, out) < 0)
		r.rc = -1;
	if (r.tb.failed)
		return mf_error(c, e->pos, "internal",
				"out of memory rendering Kubernetes objects");
	mf_objects_sort(out);
	return r.rc;
}

/* ---- networks: the members of an internal network only on internal ones ---- */

/* Where a network has members: one per namespace, in instance order. */
typedef struct netns {
	const char *ns, *tenant;
	bool confined;  /* a member here is on internal networks only */
	mf_node *leave; /* {LABEL: true}: networks that leave, which members here join */
	mf_pos pos;
} netns;

/* The labels of the networks an instance lists that are not internal. */
static void leaving_networks(rk *r, const mf_instance *in, mf_node *into)
{
	const mf_node *nets = mf_net_list(in);

	for (size_t k = 0; into && nets && k < nets->n; k++)
		if (mf_net_at(nets, k) && !mf_net_internal(r->s, mf_net_at(nets, k)))
			mf_tb_put_bool(&r->tb, into, mf_net_label(&r->tb, mf_net_at(nets, k)), true,
				       in->pos);
}

static size_t net_namespaces(rk *r, const char *name, netns *v)
{
	mf_hash seen = {0};
	size_t n = 0;

	for (size_t k = 0; k < r->e->ninst; k++) {
		const mf_instance *in = &r->e->inst[k];
		netns *x;
		if (!mf_net_member(in, name))
			continue;
		if (!(x = mf_hash_get_str(&seen, in->ns))) {
			x = &v[n++];
			*x = (netns){in->ns, mf_inst_part(in), false, mf_tb_map(&r->tb, in->pos),
				     in->pos};
			mf_tb_hash_put(&r->tb, &seen, in->ns, x);
		}
		x->confined |= mf_net_confined(r->s, in);
		leaving_networks(r, in, x->leave);
	}
	return n;
}

static mf_node *label_match(rk *r, mf_node *sel, const char *label, mf_pos pos)
{
	mf_tb_put_str(&r->tb, mf_tb_child(&r->tb, sel, "matchLabels", pos), label, "true", pos);
	return sel;
}

/* The members of the network, as egress peers: in the policy's namespace
 * by label, in another by its name and label. */
static mf_node *member_peers(rk *r, const netns *v, size_t n, size_t own, const char *label)
{
	mf_node *to = mf_tb_seq(&r->tb, v[own].pos), *m;

	for (size_t k = 0; to && k < n; k++) {
		size_t at = k == 0 ? own : k <= own ? k - 1 : k; /* own namespace first */
		m = at == own ? mf_tb_map(&r->tb, v[own].pos)
			      : ns_selector(r, "kubernetes.io/metadata.name", v[at].ns, v[own].pos);
		if (m)
			label_match(r, mf_tb_child(&r->tb, m, "podSelector", v[own].pos), label,
				    v[own].pos);
		mf_tb_push(&r->tb, to, m);
	}
	return to;
}

/* Members of the network that join no network that leaves (those may go
 * out through the other network, as in Compose). */
static void confined_selector(rk *r, mf_node *sel, const netns *x, const char *label)
{
	mf_node *exprs;

	label_match(r, sel, label, x->pos);
	if (!x->leave || !x->leave->n ||
	    !(exprs = mf_tb_child_seq(&r->tb, sel, "matchExpressions", x->pos)))
		return;
	mf_map_sort(x->leave);
	for (size_t k = 0; k < x->leave->n; k++) {
		mf_node *e = mf_tb_map(&r->tb, x->pos);
		mf_tb_put_str(&r->tb, e, "key", x->leave->pairs[k].key, x->pos);
		mf_tb_put_str(&r->tb, e, "operator", "DoesNotExist", x->pos);
		mf_tb_push(&r->tb, exprs, e);
	}
}

/* network-NAME in one namespace: its confined members' egress is the
 * members of the network (any port: Compose lets members talk freely;
 * what they accept stays their own policies') and the cluster's DNS. */
static void net_policy(rk *r, const char *name, const netns *v, size_t n, size_t own)
{
	const char *label = mf_net_label(&r->tb, name);
	mf_pos pos = v[own].pos;
	mf_node *doc = object(r, "networking.k8s.io/v1", "NetworkPolicy",
			      policy_name(r, v[own].ns, mf_printf(r->tb.a, "network-%s", name)),
			      v[own].ns, common_labels(r, pos), pos);
	mf_node *spec = mf_tb_child(&r->tb, doc, "spec", pos), *egress, *rule;

	confined_selector(r, mf_tb_child(&r->tb, spec, "podSelector", pos), &v[own], label);
	mf_tb_push(&r->tb, mf_tb_child_seq(&r->tb, spec, "policyTypes", pos),
		   mf_tb_str(&r->tb, "Egress", pos));
	egress = mf_tb_child_seq(&r->tb, spec, "egress", pos);
	if ((rule = mf_tb_map(&r->tb, pos)))
		mf_tb_put(&r->tb, rule, "to", member_peers(r, v, n, own, label));
	mf_tb_push(&r->tb, egress, rule);
	mf_tb_push(&r->tb, egress, dns_rule(r, pos));
	emit(r, doc, "network-policy", NULL, v[own].tenant, pos);
}

/* One policy per internal network and namespace where it has confined
 * members, under the environment's NetworkPolicies (none without). */
static void network_policies(rk *r)
{
	const mf_node *nets = mf_get(r->s->doc, "networks");
	netns *v;

	if (!r->e->network_policy || !nets || nets->kind != MF_MAP || !r->e->ninst ||
	    !(v = mf_tb_alloc(&r->tb, r->e->ninst * sizeof *v)))
		return;
	for (size_t k = 0; k < nets->n; k++) {
		size_t n;
		if (!mf_net_internal(r->s, nets->pairs[k].key))
			continue;
		n = net_namespaces(r, nets->pairs[k].key, v);
		for (size_t i = 0; i < n; i++)
			if (v[i].confined)
				net_policy(r, nets->pairs[k].key, v, n, i);
	}
}
