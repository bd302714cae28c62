/* render: the HTTP exposure of ports (expose.ingress) as Ingresses or Gateway API HTTPRoutes */
#include <stdint.h>
#include <string.h>
#include "render_ingress.h"

/* An expose.ingress is one entry or a list of them; an entry names hosts
 * (`host`, `hosts`, else the instance's default host) and paths (`paths`,
 * else its own `path`, `pathType`, `rewrite`).  Each (host, path) is one
 * mf_ing_path.  Ingresses are grouped at the end, over every instance of the
 * environment; HTTPRoutes belong to their instance and are made with it.
 *
 * Why a Gateway is chosen per environment (docs/kubernetes.md): the hosts and
 * paths are the application's words, the API that carries them is the
 * cluster's (a platform team owns the Gateway and its listeners' TLS), so the
 * same description gives Ingresses on one cluster and HTTPRoutes on another. */

#define GW_API "gateway.networking.k8s.io/v1"
#define NGINX "nginx.ingress.kubernetes.io/"
#define MAX_RULES 16 /* the HTTPRoute CRD's maxItems for spec.rules */
#define NONE SIZE_MAX

typedef struct mf_ing_path {
	const mf_instance *in;
	const char *ns, *tenant, *service, *port;
	long long number;
	const char *host;    /* NULL: every host */
	mf_node *hosts;      /* the entry's hosts (HTTPRoute hostnames), NULL: none */
	bool lead;           /* the entry's first host: an HTTPRoute rule is made of these */
	const char *path;    /* as written ("/" by default) */
	const char *type;    /* Prefix, Exact or ImplementationSpecific */
	const char *rewrite; /* NULL: none */
	const char *cls, *tls;
	const mf_node *cls_node;
	const mf_node *ann;  /* the entry's annotations, or NULL */
	const mf_node *gw;   /* the Gateway it attaches to; NULL: an Ingress */
	const char *gw_key;  /* the Gateway as text, for grouping and clashes */
	const char *ann_key; /* the annotations as text, for grouping */
	mf_pos pos, path_pos, host_pos, type_pos, rewrite_pos;
	size_t next; /* the next path of its group */
} mf_ing_path;

typedef struct mf_ing_group {
	const char *key;
	const char *target; /* nginx rewrite-target, NULL: no rewrite */
	size_t head, tail, n;
} mf_ing_group;

/* One entry being collected: what its paths share. */
typedef struct entry {
	const mf_ing_port *p;
	const mf_node *node;
	const mf_node *gw;
	mf_node *hosts;
	const char *ann_key;
} entry;

static void error_once(mf_ing *g, mf_pos pos, const char *code, const char *msg)
{
	if (g->diag.error)
		g->diag.error(g->diag.ctx, pos, code, msg);
}

static void warn_once(mf_ing *g, mf_pos pos, const char *code, const char *msg)
{
	if (g->diag.warn)
		g->diag.warn(g->diag.ctx, pos, code, msg);
}

/* ---- the Gateway ------------------------------------------------------------ */

/* The entry's `gateway`, else the environment's, else its profile's. */
static const mf_node *gateway_of(const mf_env *e, const mf_node *entry_node)
{
	const mf_node *gw = mf_get(entry_node, "gateway");

	if (!gw && e)
		gw = mf_get(e->node, "gateway");
	if (!gw && e)
		gw = mf_get(e->profile, "gateway");
	return gw && gw->kind != MF_NULL ? gw : NULL;
}

static const char *gw_name(const mf_node *gw)
{
	return gw && gw->kind == MF_STR ? gw->str : mf_get_str(gw, "name");
}

static const mf_node *first_entry(const mf_node *spec)
{
	return spec && spec->kind == MF_SEQ ? (spec->n ? spec->items[0] : NULL) : spec;
}

const char *mf_ing_class(const mf_node *spec)
{
	return mf_get_str(first_entry(spec), "className");
}

const char *mf_ing_gateway_ns(const mf_env *e, const mf_node *spec, bool *gateway)
{
	const mf_node *gw = spec ? gateway_of(e, first_entry(spec)) : NULL;

	*gateway = gw != NULL;
	return mf_get_str(gw, "namespace");
}

/* What an HTTPRoute cannot carry of an Ingress entry: said at its line.
 * The class is not among them: it picks a controller, as the Gateway does. */
static void gateway_losses(mf_ing *g, const mf_node *node)
{
	static const struct {
		const char *key, *why;
	} lost[] = {
		{"annotations", "they are the ingress controller's; put the Gateway's own "
				"settings on the Gateway or a policy object"},
		{"tls", "TLS ends at the Gateway's listener (its certificateRefs)"},
	};

	for (size_t k = 0; k < MF_NELEM(lost); k++) {
		const mf_node *v = mf_get(node, lost[k].key);
		if (v)
			warn_once(g, v->pos, "gateway-no-equivalent",
				  mf_tb_printf(g->tb, "an HTTPRoute has no '%s': %s", lost[k].key,
					       lost[k].why));
	}
}

/* ---- hosts ------------------------------------------------------------------ */

/* A DNS-1123 subdomain, optionally under a leading "*." wildcard. */
static bool host_ok(const char *h)
{
	size_t len = 0, n = strlen(h);

	if (!strncmp(h, "*.", 2))
		h += 2, n -= 2;
	if (n == 0 || n > 253)
		return false;
	for (size_t k = 0; k <= n; k++, len++) {
		char ch = h[k];
		if (ch == '.' || ch == '\0') {
			if (len == 0 || len > 63 || h[k - 1] == '-')
				return false;
			len = (size_t)-1;
		} else if (len == 0 && ch == '-') {
			return false;
		} else if (!(ch >= 'a' && ch <= 'z') && !(ch >= '0' && ch <= '9') && ch != '-') {
			return false;
		}
	}
	return true;
}

/* A host as written, with `{tenant}` replaced by the instance's tenant. */
static const char *host_text(mf_ing *g, const entry *en, const mf_node *h)
{
	const char *s = mf_str(h), *at = s ? strstr(s, "{tenant}") : NULL;
	const mf_instance *in = en->p->in;

	if (!at)
		return s;
	if (!in->tenant) {
		error_once(
			g, h->pos, "ingress-host",
			mf_tb_printf(
				g->tb,
				"host '%s' names '{tenant}', but '%s' is shared: it has no tenant",
				s, in->service));
		return NULL;
	}
	return mf_tb_printf(g->tb, "%.*s%s%s", (int)(at - s), s, in->tenant->name,
			    at + strlen("{tenant}"));
}

static void add_host(mf_ing *g, entry *en, const mf_node *h)
{
	const char *s = host_text(g, en, h);

	if (!s)
		return;
	if (!host_ok(s)) {
		error_once(
			g, h->pos, "ingress-host",
			mf_tb_printf(g->tb,
				     "host '%s' is not a DNS name (lowercase letters, digits, '-' "
				     "and '.', an optional leading '*.')",
				     s));
		return;
	}
	if (!en->hosts)
		en->hosts = mf_tb_seq(g->tb, h->pos);
	mf_tb_push(g->tb, en->hosts, mf_tb_str(g->tb, s, h->pos));
}

/* The entry's hosts: `hosts`, `host`, else the default (NULL: every host). */
static void entry_hosts(mf_ing *g, entry *en)
{
	const mf_node *hs = mf_get(en->node, "hosts"), *h = mf_get(en->node, "host");

	for (size_t k = 0; hs && hs->kind == MF_SEQ && k < hs->n; k++)
		add_host(g, en, hs->items[k]);
	if (h)
		add_host(g, en, h);
	if (!hs && !h && en->p->default_host)
		en->hosts = mf_tb_seq(g->tb, en->node->pos),
		mf_tb_push(g->tb, en->hosts, mf_tb_str(g->tb, en->p->default_host, en->node->pos));
}

/* ---- paths -------------------------------------------------------------------- */

static bool nginx_class(const char *cls)
{
	return cls && !strcmp(cls, "nginx");
}

/* A rewrite only ingress-nginx's annotations or an HTTPRoute filter can say;
 * left out, the application would get the path unrewritten. */
static void check_rewrite(mf_ing *g, const mf_ing_path *x)
{
	if (!x->rewrite)
		return;
	if (!strcmp(x->type, "ImplementationSpecific"))
		error_once(
			g, x->rewrite_pos, "ingress-rewrite",
			mf_tb_printf(g->tb,
				     "path '%s' has pathType 'ImplementationSpecific': a rewrite "
				     "needs a 'Prefix' or 'Exact' path",
				     x->path));
	else if (!x->gw && !nginx_class(x->cls))
		error_once(g, x->rewrite_pos, "ingress-rewrite",
			   mf_tb_printf(
				   g->tb,
				   "ingress class '%s' has no rewrite manifold can write, and "
				   "'%s' would reach '%s' unrewritten: use className 'nginx', a "
				   "gateway, or the controller's own annotation without 'rewrite'",
				   mf_or(x->cls, "(the cluster's default)"), x->path, x->service));
}

static const char *clash_key(mf_ing *g, const mf_ing_path *x)
{
	return mf_tb_printf(g->tb, "%s\n%s\n%s\n%s", x->gw ? x->gw_key : mf_or(x->cls, ""),
			    mf_or(x->host, "*"), x->path, x->type);
}

/* Two paths claiming one host and path: the controller sends it to one. */
static void check_clash(mf_ing *g, size_t at)
{
	const mf_ing_path *x = &g->v[at], *y;
	const char *key = clash_key(g, x);
	void *had = mf_tb_hash_put(g->tb, &g->claims, key, (void *)(uintptr_t)(at + 1));

	if (!had || (uintptr_t)had == at + 1)
		return;
	y = &g->v[(uintptr_t)had - 1];
	if (y->in == x->in)
		error_once(g, x->path_pos, "ingress-clash",
			   mf_tb_printf(g->tb, "'%s' exposes host '%s' path '%s' twice", x->service,
					mf_or(x->host, "*"), x->path));
	else if (mf_streq(y->in->service, x->in->service))
		error_once(
			g, x->host_pos, "ingress-clash",
			mf_tb_printf(g->tb,
				     "every tenant's instance of '%s' claims host '%s' path '%s' "
				     "(tenants '%s' and '%s'): put '{tenant}' in the host",
				     x->in->service, mf_or(x->host, "*"), x->path,
				     mf_or(y->tenant, ""), mf_or(x->tenant, "")));
	else
		error_once(g, x->path_pos, "ingress-clash",
			   mf_tb_printf(g->tb,
					"host '%s' path '%s' of '%s' is routed to '%s' already: a "
					"controller sends it to one of them",
					mf_or(x->host, "*"), x->path, x->service, y->service));
}

static void push_path(mf_ing *g, const entry *en, const mf_node *pn, const mf_node *host, bool lead)
{
	const mf_node *path = mf_get(pn, "path"), *type = mf_get(pn, "pathType"),
		      *rw = mf_get(pn, "rewrite"), *tls = mf_get(en->node, "tls");
	mf_ing_path *grown = mf_tb_grow(g->tb, g->v, g->n, &g->cap, sizeof *grown), *x;

	if (!grown)
		return;
	g->v = grown;
	x = memset(&g->v[g->n], 0, sizeof *x);
	x->in = en->p->in;
	x->ns = x->in->ns;
	x->tenant = mf_inst_part(x->in);
	x->service = x->in->name;
	x->port = en->p->port;
	x->number = en->p->number;
	x->host = mf_str(host);
	x->hosts = en->hosts;
	x->lead = lead;
	x->path = path ? mf_str(path) : "/";
	x->type = type ? mf_str(type) : "Prefix";
	x->rewrite = mf_str(rw);
	x->cls_node = mf_get(en->node, "className");
	x->cls = mf_str(x->cls_node);
	x->tls = tls && tls->kind == MF_STR ? tls->str
		 : tls && tls->kind == MF_BOOL && tls->v.b
			 ? mf_tb_printf(g->tb, "%s-tls", x->service)
			 : NULL;
	x->ann = mf_get(en->node, "annotations");
	x->ann_key = en->ann_key;
	x->gw = en->gw;
	x->pos = en->node->pos;
	x->path_pos = path ? path->pos : pn->pos;
	x->host_pos = host ? host->pos : en->node->pos;
	x->type_pos = type ? type->pos : x->path_pos;
	x->rewrite_pos = rw ? rw->pos : pn->pos;
	x->next = NONE;
	if (x->gw)
		x->gw_key = mf_tb_printf(
			g->tb, "%s/%s/%s", mf_or(mf_get_str(x->gw, "namespace"), ""),
			mf_or(gw_name(x->gw), ""), mf_or(mf_get_str(x->gw, "sectionName"), ""));
	if (lead)
		check_rewrite(g, x);
	g->n++;
	check_clash(g, g->n - 1);
}

/* Every host of the entry with this path (one with no host: every host). */
static void entry_path(mf_ing *g, const entry *en, const mf_node *pn)
{
	if (!en->hosts) {
		push_path(g, en, pn, NULL, true);
		return;
	}
	for (size_t k = 0; k < en->hosts->n; k++)
		push_path(g, en, pn, en->hosts->items[k], k == 0);
}

/* Annotations as text, in key order: entries that say the same share an Ingress. */
static const char *ann_key(mf_ing *g, const mf_node *a)
{
	mf_node *c = a && a->kind == MF_MAP && a->n ? mf_tb_copy(g->tb, a) : NULL;
	const char *k = "";

	if (!c)
		return k;
	mf_map_sort(c);
	for (size_t n = 0; n < c->n; n++)
		k = mf_tb_printf(g->tb, "%s%s=%s\n", k, c->pairs[n].key,
				 mf_or(mf_str(c->pairs[n].val), ""));
	return k;
}

static void collect_entry(mf_ing *g, const mf_ing_port *p, const mf_node *node)
{
	entry en = {p, node, gateway_of(g->e, node), NULL, NULL};
	const mf_node *paths = mf_get(node, "paths");

	if (!node || node->kind != MF_MAP)
		return;
	en.ann_key = ann_key(g, mf_get(node, "annotations"));
	if (en.gw)
		gateway_losses(g, node);
	if (paths && paths->kind == MF_SEQ && mf_get(node, "path"))
		error_once(g, mf_get(node, "path")->pos, "ingress-paths",
			   "an entry gives 'path' or 'paths', not both");
	entry_hosts(g, &en);
	if (paths && paths->kind == MF_SEQ)
		for (size_t k = 0; k < paths->n; k++)
			entry_path(g, &en, paths->items[k]);
	else
		entry_path(g, &en, node);
}

void mf_ing_collect(mf_ing *g, const mf_ing_port *p)
{
	if (!p->spec)
		return;
	if (p->spec->kind != MF_SEQ) {
		collect_entry(g, p, p->spec);
		return;
	}
	for (size_t k = 0; k < p->spec->n; k++)
		collect_entry(g, p, p->spec->items[k]);
}

/* ---- groups -------------------------------------------------------------------- */

/* Append path `at` to the group of key, made when new or when the last one
 * holds max paths already; the hash holds each key's open group. */
static size_t group_of(mf_ing *g, mf_hash *h, const char *key, size_t at, size_t max)
{
	size_t *slot = mf_hash_get_str(h, key);
	mf_ing_group *grown, *gr;

	if (slot && g->g[*slot].n < max) {
		gr = &g->g[*slot];
		g->v[gr->tail].next = at;
		gr->tail = at;
		gr->n++;
		return *slot;
	}
	if (!slot && (slot = mf_tb_alloc(g->tb, sizeof *slot)))
		mf_tb_hash_put(g->tb, h, key, slot);
	if (!slot || !(grown = mf_tb_grow(g->tb, g->g, g->ng, &g->capg, sizeof *grown)))
		return NONE;
	g->g = grown;
	*slot = g->ng;
	g->g[g->ng] = (mf_ing_group){key, NULL, at, at, 1};
	return g->ng++;
}

/* name, or name-2, name-3...: the first not taken by an object of this kind in ns */
static const char *unique_name(mf_ing *g, const char *kind, const char *ns, const char *name)
{
	for (size_t n = 1;; n++) {
		const char *s = n == 1 ? name : mf_tb_printf(g->tb, "%s-%zu", name, n);
		const char *key = mf_tb_printf(g->tb, "%s\n%s\n%s", kind, mf_or(ns, ""), s);
		if (!s || !key || !mf_hash_get_str(&g->names, key)) {
			mf_tb_hash_put(g->tb, &g->names, key, (void *)key);
			return s;
		}
	}
}

/* ---- Ingresses ------------------------------------------------------------------ */

/* An Ingress is named after its host: "api.example.com" is a valid name. */
static const char *ingress_name(mf_ing *g, const mf_ing_path *x)
{
	char *s;

	if (!x->host)
		return x->service;
	if (!strncmp(x->host, "*.", 2))
		s = mf_tb_printf(g->tb, "wildcard%s", x->host + 1);
	else
		s = mf_tb_printf(g->tb, "%s", x->host);
	for (char *p = s; p && *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') && *p != '.' &&
		    *p != '-')
			*p = '-';
	return s;
}

/* The path as a regular expression, its metacharacters escaped. */
static char *regex_of(mf_ing *g, const char *path, size_t n)
{
	char *out = mf_tb_alloc(g->tb, 2 * n + 1), *o = out;

	for (size_t k = 0; out && k < n; k++) {
		if (strchr(".+*?()[]{}|^$\\", path[k]))
			*o++ = '\\';
		*o++ = path[k];
	}
	if (o)
		*o = '\0';
	return out;
}

/* ingress-nginx's rewrite: a regex path whose groups the rewrite-target
 * reuses (the rest of the path after the prefix).  target NULL: the path. */
static const char *nginx_path(mf_ing *g, const mf_ing_path *x, const char **target)
{
	size_t n = strlen(x->path), rn = strlen(x->rewrite);
	bool root = !strcmp(x->rewrite, "/");

	while (n > 1 && x->path[n - 1] == '/')
		n--;
	while (rn > 1 && x->rewrite[rn - 1] == '/')
		rn--;
	if (!strcmp(x->type, "Exact")) {
		*target = x->rewrite;
		return mf_tb_printf(g->tb, "%s$", regex_of(g, x->path, strlen(x->path)));
	}
	if (n == 1) {
		*target = root ? "/$1" : mf_tb_printf(g->tb, "%.*s/$1", (int)rn, x->rewrite);
		return "/(.*)";
	}
	*target = root ? "/$2" : mf_tb_printf(g->tb, "%.*s$1$2", (int)rn, x->rewrite);
	return mf_tb_printf(g->tb, "%s(/|$)(.*)", regex_of(g, x->path, n));
}

static const char *rewrite_target(mf_ing *g, const mf_ing_path *x)
{
	const char *target = NULL;

	if (x->rewrite && nginx_class(x->cls))
		nginx_path(g, x, &target);
	return target;
}

static mf_node *ingress_path(mf_ing *g, const mf_ing_path *x, bool rewrite)
{
	mf_node *m = mf_tb_map(g->tb, x->pos), *svc, *port;
	const char *target = NULL;

	if (!m)
		return NULL;
	mf_tb_put_str(g->tb, m, "path", rewrite ? nginx_path(g, x, &target) : x->path, x->path_pos);
	mf_tb_put_str(g->tb, m, "pathType", rewrite ? "ImplementationSpecific" : x->type,
		      x->type_pos);
	if ((svc = mf_tb_child(g->tb, mf_tb_child(g->tb, m, "backend", x->pos), "service",
			       x->pos))) {
		mf_tb_put_str(g->tb, svc, "name", x->service, x->pos);
		if ((port = mf_tb_child(g->tb, svc, "port", x->pos)))
			mf_tb_put_str(g->tb, port, "name", x->port, x->pos);
	}
	return m;
}

static void ingress_tls(mf_ing *g, mf_node *spec, const mf_ing_path *x)
{
	mf_node *tls, *m, *hosts;

	if (!x->tls || !(tls = mf_tb_child_seq(g->tb, spec, "tls", x->pos)))
		return;
	for (size_t k = 0; k < tls->n; k++) /* a host's secrets: a handful */
		if (mf_streq(mf_get_str(tls->items[k], "secretName"), x->tls))
			return;
	if (!(m = mf_tb_map(g->tb, x->pos)))
		return;
	if (x->host && (hosts = mf_tb_child_seq(g->tb, m, "hosts", x->pos)))
		mf_tb_push(g->tb, hosts, mf_tb_str(g->tb, x->host, x->pos));
	mf_tb_put_str(g->tb, m, "secretName", x->tls, x->pos);
	mf_tb_push(g->tb, tls, m);
}

/* A scalar as a string node, written as the user wrote it (quotes kept). */
static mf_node *text_of(mf_ing *g, const mf_node *n)
{
	if (!n || !mf_is_scalar(n) || n->kind == MF_NULL)
		return NULL;
	return n->kind == MF_STR ? mf_tb_copy(g->tb, n) : mf_tb_str(g->tb, n->str, n->pos);
}

/* The entry's annotations (and nginx's rewrite ones) where the system's and
 * the environment's own do not say otherwise already. */
static void ingress_annotations(mf_ing *g, mf_node *doc, const mf_ing_group *gr,
				const mf_ing_path *x)
{
	const mf_node *a = x->ann;
	mf_node *ann = NULL;

	if (gr->target || (a && a->kind == MF_MAP && a->n))
		ann = mf_tb_child(g->tb, mf_get(doc, "metadata"), "annotations", x->pos);
	if (gr->target && !mf_get(ann, NGINX "rewrite-target")) {
		mf_tb_put_str(g->tb, ann, NGINX "rewrite-target", gr->target, x->rewrite_pos);
		mf_tb_put_str(g->tb, ann, NGINX "use-regex", "true", x->rewrite_pos);
	}
	for (size_t n = 0; a && a->kind == MF_MAP && n < a->n; n++)
		if (!mf_get(ann, a->pairs[n].key))
			mf_tb_put(g->tb, ann, a->pairs[n].key, text_of(g, a->pairs[n].val));
}

/* The host's name for the first of its Ingresses (what a single Ingress per
 * host was always called), <host>-<service> for the others, <host>-rewrite
 * for nginx rewrites; -2, -3... when taken. */
static const char *group_name(mf_ing *g, const mf_ing_group *gr, const mf_ing_path *x)
{
	const char *base = ingress_name(g, x);
	const char *key = mf_tb_printf(g->tb, "Ingress\n%s\n%s", mf_or(x->ns, ""), base);

	if (gr->target)
		return unique_name(g, "Ingress", x->ns, mf_tb_printf(g->tb, "%s-rewrite", base));
	if (x->host && key && mf_hash_get_str(&g->names, key))
		return unique_name(g, "Ingress", x->ns,
				   mf_tb_printf(g->tb, "%s-%s", base, x->service));
	return unique_name(g, "Ingress", x->ns, base);
}

static void ingress(mf_ing *g, const mf_ing_sink *s, const mf_ing_group *gr)
{
	const mf_ing_path *x0 = &g->v[gr->head];
	mf_node *doc = s->object(s->ctx, "networking.k8s.io/v1", "Ingress", group_name(g, gr, x0),
				 x0->ns, x0->pos);
	mf_node *spec, *rule, *paths;

	if (!doc || !(spec = mf_tb_child(g->tb, doc, "spec", x0->pos)) ||
	    !(rule = mf_tb_map(g->tb, x0->pos)))
		return;
	ingress_annotations(g, doc, gr, x0);
	mf_tb_put(g->tb, spec, "ingressClassName", text_of(g, x0->cls_node));
	mf_tb_put_str(g->tb, rule, "host", x0->host, x0->host_pos);
	paths = mf_tb_child_seq(g->tb, mf_tb_child(g->tb, rule, "http", x0->pos), "paths", x0->pos);
	for (size_t k = gr->head; k != NONE; k = g->v[k].next) {
		ingress_tls(g, spec, &g->v[k]);
		mf_tb_push(g->tb, paths, ingress_path(g, &g->v[k], gr->target != NULL));
	}
	mf_tb_push(g->tb, mf_tb_child_seq(g->tb, spec, "rules", x0->pos), rule);
	s->emit(s->ctx, doc, x0->tenant, x0->pos);
}

/* One Ingress per namespace, host, class and annotations (nginx applies its
 * annotations to a whole Ingress), and one per rewrite-target beside it. */
void mf_ing_finish(mf_ing *g, const mf_ing_sink *s)
{
	size_t first = g->ng;

	for (size_t k = 0; k < g->n; k++) {
		const mf_ing_path *x = &g->v[k];
		const char *target = x->gw ? NULL : rewrite_target(g, x);
		size_t at;
		if (x->gw)
			continue;
		at = group_of(g, &g->groups,
			      mf_tb_printf(g->tb, "%s\n%s\n%s\n%s\n%s", mf_or(x->ns, ""),
					   mf_or(x->host, ""), mf_or(x->cls, ""), x->ann_key,
					   mf_or(target, "")),
			      k, SIZE_MAX);
		if (at != NONE)
			g->g[at].target = target;
	}
	for (size_t k = first; k < g->ng; k++)
		ingress(g, s, &g->g[k]);
}

/* ---- HTTPRoutes ----------------------------------------------------------------- */

static mf_node *parent_ref(mf_ing *g, const mf_node *gw)
{
	mf_node *m = mf_tb_map(g->tb, gw->pos);
	static const char *const keys[] = {"namespace", "sectionName"};

	mf_tb_put_str(g->tb, m, "name", gw_name(gw), gw->pos);
	for (size_t k = 0; gw->kind == MF_MAP && k < MF_NELEM(keys); k++)
		if (mf_get(gw, keys[k]))
			mf_tb_put(g->tb, m, keys[k], mf_tb_copy(g->tb, mf_get(gw, keys[k])));
	return m;
}

/* {path: {type, value}}: a path match; ImplementationSpecific has no HTTPRoute form. */
static mf_node *path_match(mf_ing *g, const mf_ing_path *x)
{
	mf_node *m = mf_tb_map(g->tb, x->path_pos), *p = mf_tb_child(g->tb, m, "path", x->path_pos);
	bool exact = !strcmp(x->type, "Exact");

	if (!strcmp(x->type, "ImplementationSpecific"))
		warn_once(g, x->type_pos, "gateway-no-equivalent",
			  mf_tb_printf(g->tb,
				       "an HTTPRoute has no 'ImplementationSpecific' path: '%s' is "
				       "matched as a 'PathPrefix'",
				       x->path));
	mf_tb_put_str(g->tb, p, "type", exact ? "Exact" : "PathPrefix", x->type_pos);
	mf_tb_put_str(g->tb, p, "value", x->path, x->path_pos);
	return m;
}

/* The URLRewrite filter: the matched prefix (or the whole Exact path) replaced. */
static mf_node *rewrite_filter(mf_ing *g, const mf_ing_path *x)
{
	mf_node *f = mf_tb_map(g->tb, x->rewrite_pos), *path;
	bool exact = !strcmp(x->type, "Exact");

	mf_tb_put_str(g->tb, f, "type", "URLRewrite", x->rewrite_pos);
	path = mf_tb_child(g->tb, mf_tb_child(g->tb, f, "urlRewrite", x->rewrite_pos), "path",
			   x->rewrite_pos);
	mf_tb_put_str(g->tb, path, "type", exact ? "ReplaceFullPath" : "ReplacePrefixMatch",
		      x->rewrite_pos);
	mf_tb_put_str(g->tb, path, exact ? "replaceFullPath" : "replacePrefixMatch", x->rewrite,
		      x->rewrite_pos);
	return f;
}

static mf_node *route_rule(mf_ing *g, const mf_ing_path *x)
{
	mf_node *m = mf_tb_map(g->tb, x->pos), *ref = mf_tb_map(g->tb, x->pos);

	mf_tb_push(g->tb, mf_tb_child_seq(g->tb, m, "matches", x->pos), path_match(g, x));
	if (x->rewrite)
		mf_tb_push(g->tb, mf_tb_child_seq(g->tb, m, "filters", x->pos),
			   rewrite_filter(g, x));
	mf_tb_put_str(g->tb, ref, "name", x->service, x->pos);
	mf_tb_put_int(g->tb, ref, "port", x->number, x->pos);
	mf_tb_push(g->tb, mf_tb_child_seq(g->tb, m, "backendRefs", x->pos), ref);
	return m;
}

static void httproute(mf_ing *g, const mf_ing_sink *s, const mf_ing_group *gr, bool alone)
{
	const mf_ing_path *x0 = &g->v[gr->head];
	const char *name = unique_name(g, "HTTPRoute", x0->ns,
				       alone ? x0->service
					     : mf_tb_printf(g->tb, "%s-%s", x0->service, x0->port));
	mf_node *doc = s->object(s->ctx, GW_API, "HTTPRoute", name, x0->ns, x0->pos), *spec;

	if (!doc || !(spec = mf_tb_child(g->tb, doc, "spec", x0->pos)))
		return;
	mf_tb_push(g->tb, mf_tb_child_seq(g->tb, spec, "parentRefs", x0->pos),
		   parent_ref(g, x0->gw));
	mf_tb_put(g->tb, spec, "hostnames", x0->hosts);
	for (size_t k = gr->head; k != NONE; k = g->v[k].next)
		mf_tb_push(g->tb, mf_tb_child_seq(g->tb, spec, "rules", x0->pos),
			   route_rule(g, &g->v[k]));
	s->emit(s->ctx, doc, x0->tenant, x0->pos);
}

static const char *route_key(mf_ing *g, const mf_ing_path *x)
{
	const char *k = x->gw_key;

	for (size_t n = 0; x->hosts && n < x->hosts->n; n++)
		k = mf_tb_printf(g->tb, "%s\n%s", k, mf_str(x->hosts->items[n]));
	return k;
}

/* One HTTPRoute per Gateway and host list of the instance (its paths'
 * rules, at most MAX_RULES each): <instance> when it needs one, else
 * <instance>-<port> after the port of its first path (-2, -3... when taken). */
void mf_ing_routes(mf_ing *g, const mf_ing_sink *s)
{
	mf_hash local = {0};
	size_t first = g->ng;

	for (size_t k = g->inst_from; k < g->n; k++)
		if (g->v[k].gw && g->v[k].lead)
			group_of(g, &local, route_key(g, &g->v[k]), k, MAX_RULES);
	for (size_t k = first; k < g->ng; k++)
		httproute(g, s, &g->g[k], g->ng - first == 1);
	g->ng = first;
	g->inst_from = g->n;
}
