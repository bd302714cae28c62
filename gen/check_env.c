/* check: rules over resolved instances: capacity, host ports, storage, replicas, dependencies */
#include <stdlib.h>
#include <string.h>
#include "check_impl.h"
#include "depgraph.h"

/* ---- capacity ------------------------------------------------------------------- */

enum { D_CPU_REQ, D_MEM_REQ, D_GPU, D_PODS, D_STORAGE, D_CPU_LIM, D_MEM_LIM, ND };

static const struct dim {
	const char *side;  /* "requests" / "limits" / NULL */
	const char *unit;  /* after the number: "cpu", "memory", ... */
	const char *quota; /* field of a quota/capacity */
	bool limits;       /* a sum of limits */
} dims[ND] = {
	[D_CPU_REQ] = {"requests", "cpu", "cpu", false},
	[D_MEM_REQ] = {"requests", "memory", "memory", false},
	[D_GPU] = {"requests", "gpu", "gpu", false},
	[D_PODS] = {NULL, "pods", "pods", false},
	[D_STORAGE] = {"requests", "storage", "storage", false},
	[D_CPU_LIM] = {"limits", "cpu", "limits.cpu", true},
	[D_MEM_LIM] = {"limits", "memory", "limits.memory", true},
};

static const char *amount(mf_chk *k, size_t d, long long v)
{
	if (d == D_CPU_REQ || d == D_CPU_LIM)
		return mf_fmt_cores(k, v);
	if (d == D_MEM_REQ || d == D_MEM_LIM || d == D_STORAGE)
		return mf_fmt_bytes(k, v);
	return mf_printf(k->c->a, "%lld", v);
}

static long long quantity(size_t d, const mf_node *n)
{
	if (d == D_CPU_REQ || d == D_CPU_LIM)
		return mf_cpu_millis(n);
	if (d == D_MEM_REQ || d == D_MEM_LIM || d == D_STORAGE)
		return mf_mem_bytes(n);
	return n && n->kind == MF_INT ? n->v.i : -1;
}

/* Per pod: requests default to limits, as Kubernetes defaults them. */
static void per_pod(const mf_instance *in, long long out[ND])
{
	const mf_node *res = mf_get(in->spec, "resources"), *req = mf_get(res, "requests"),
		      *lim = mf_get(res, "limits");
	long long v;

	memset(out, 0, ND * sizeof *out);
	out[D_CPU_REQ] = (v = mf_cpu_millis(mf_get(req, "cpu"))) >= 0   ? v
			 : (v = mf_cpu_millis(mf_get(lim, "cpu"))) >= 0 ? v
									: 0;
	out[D_MEM_REQ] = (v = mf_mem_bytes(mf_get(req, "memory"))) >= 0   ? v
			 : (v = mf_mem_bytes(mf_get(lim, "memory"))) >= 0 ? v
									  : 0;
	out[D_CPU_LIM] = (v = mf_cpu_millis(mf_get(lim, "cpu"))) >= 0 ? v : 0;
	out[D_MEM_LIM] = (v = mf_mem_bytes(mf_get(lim, "memory"))) >= 0 ? v : 0;
	out[D_GPU] = mf_get_int(req, "gpu", 0) > mf_get_int(lim, "gpu", 0)
			     ? mf_get_int(req, "gpu", 0)
			     : mf_get_int(lim, "gpu", 0);
	out[D_PODS] = 1;
	for (size_t i = 0; i < in->nvols; i++)
		if (in->vols[i].kind == MF_V_STORAGE &&
		    (!in->vols[i].shared || in->vols[i].claim_owner) && /* a claim counts once */
		    (v = mf_mem_bytes(mf_get(in->vols[i].node, "size"))) > 0)
			out[D_STORAGE] += v;
}

/* A scope whose instances are summed: a machine, the environment, a tenant. */
typedef struct pool {
	const char *what;   /* "machine 'pc2'" */
	const char *object; /* "machine/pc2", for reports */
	const char *verb;   /* "over capacity" / "over its quota" */
	const mf_node *limits[ND];
	long long usable[ND];   /* -1: no limit on this dimension */
	const char *detail[ND]; /* "(16 cores, 20% reserved)" */
	bool quota;             /* limits sums are hard (ResourceQuota) */
	bool whole_env;         /* the environment itself: its name is in `what` */
	const char *tenant;
} pool;

typedef struct share {
	const mf_instance *in;
	long long pods, each;
} share;

static int cmp_share(const void *x, const void *y)
{
	const share *a = x, *b = y;
	long long ta = a->pods * a->each, tb = b->pods * b->each;
	int r = (tb > ta) - (tb < ta);

	return r ? r : strcmp(a->in->compose_name, b->in->compose_name);
}

/* "largest: 'a' 3 x 2 cpu, 'b' 1 x 4 cpu" */
static void contributors(mf_chk *k, mf_diag *d, size_t dim, share *sh, size_t n)
{
	const char *note = "largest:";
	size_t shown = 0;

	mf_qsort(sh, n, sizeof *sh, cmp_share);
	for (size_t i = 0; i < n && shown < 4; i++) {
		if (!sh[i].each)
			continue;
		note = mf_printf(k->c->a, "%s%s '%s' %lld x %s%s", note, shown ? "," : "",
				 sh[i].in->compose_name, sh[i].pods, amount(k, dim, sh[i].each),
				 dim == D_CPU_REQ || dim == D_CPU_LIM ? " cpu"
				 : dim == D_GPU                       ? " gpu"
								      : "");
		shown++;
	}
	if (d && shown)
		mf_diag_note(k->c, d, "%s", note);
}

static long long pods_of(const mf_chk *k, const mf_instance *in, bool per_machine)
{
	const mf_node *m = mf_get(k->s->doc, "machines");

	if (in->kind == MF_W_DAEMON)
		return per_machine || !m || !m->n ? 1 : (long long)m->n;
	return in->max_replicas;
}

static void judge(mf_chk *k, const pool *p, size_t d, long long total, share *sh, size_t nsh)
{
	long long cap = p->usable[d];
	const char *side = dims[d].side ? mf_printf(k->c->a, "%s ", dims[d].side) : "";
	const char *env =
		k->e->is_base || p->whole_env ? "" : mf_printf(k->c->a, " in '%s'", k->e->name);
	mf_pos at = mf_chk_at(k, p->limits[d]);
	mf_diag *dg = NULL;

	if (cap < 0 || !total)
		return;
	if (total > cap && (!dims[d].limits || p->quota))
		dg = mf_finding(k, MF_RULE_CAPACITY_EXCEEDED, at, NULL,
				"%s is %s%s: %s%s %s of %s%s", p->what, p->verb, env, side,
				amount(k, d, total), dims[d].unit, amount(k, d, cap),
				p->detail[d] ? p->detail[d] : "");
	else if (total > cap)
		dg = mf_finding(k, MF_RULE_CAPACITY_OVERCOMMIT, at, NULL,
				"%s is overcommitted%s: %s%s %s of %s%s", p->what, env, side,
				amount(k, d, total), dims[d].unit, amount(k, d, cap),
				p->detail[d] ? p->detail[d] : "");
	else if (!dims[d].limits && d != D_PODS && total * 10 >= cap * 9)
		dg = mf_finding(k, MF_RULE_CAPACITY_TIGHT, at, NULL,
				"%s is near capacity%s: %s%s %s of %s%s (%lld%%)", p->what, env,
				side, amount(k, d, total), dims[d].unit, amount(k, d, cap),
				p->detail[d] ? p->detail[d] : "", total * 100 / cap);
	if (dg)
		contributors(k, dg, d, sh, nsh);
}

/* Sum the instances `member` accepts and judge every dimension. */
static void sum_pool(mf_chk *k, const pool *p, bool (*member)(const mf_instance *, const void *),
		     const void *arg, bool per_machine)
{
	const mf_env *e = k->e;
	share *sh = mf_alloc(k->c->a, (e->ninst + 1) * sizeof *sh);
	long long total[ND] = {0}, each[ND];
	size_t n = 0;

	if (!sh)
		return;
	for (size_t i = 0; i < e->ninst; i++) {
		const mf_instance *in = &e->inst[i];
		if (!member(in, arg))
			continue;
		per_pod(in, each);
		sh[n++] = (share){in, pods_of(k, in, per_machine), 0};
		for (size_t d = 0; d < ND; d++)
			total[d] += each[d] * sh[n - 1].pods;
	}
	k->in = NULL;
	k->tenant = p->tenant;
	k->object = p->object;
	for (size_t d = 0; d < ND; d++) {
		for (size_t i = 0; i < n; i++) {
			per_pod(sh[i].in, each);
			sh[i].each = each[d];
		}
		judge(k, p, d, total[d], sh, n);
	}
	k->tenant = NULL;
	k->object = NULL;
}

static bool on_machine(const mf_instance *in, const void *name)
{
	return in->machine ? !strcmp(in->machine, name) : in->kind == MF_W_DAEMON;
}

static void machine_pool(mf_chk *k, const char *name, const mf_node *m)
{
	long long reserve = mf_get_int(m, "reserve", 0), cpu = mf_cpu_millis(mf_get(m, "cpu")),
		  mem = mf_mem_bytes(mf_get(m, "memory"));
	const char *rs = reserve ? mf_printf(k->c->a, ", %lld%% reserved", reserve) : "";
	pool p = {.what = mf_printf(k->c->a, "machine '%s'", name),
		  .verb = "over capacity",
		  .object = mf_printf(k->c->a, "machine/%s", name)};

	for (size_t d = 0; d < ND; d++)
		p.usable[d] = -1;
	p.limits[D_CPU_REQ] = p.limits[D_CPU_LIM] = mf_get(m, "cpu");
	p.limits[D_MEM_REQ] = p.limits[D_MEM_LIM] = mf_get(m, "memory");
	p.limits[D_GPU] = mf_get(m, "gpu");
	if (cpu >= 0) {
		p.usable[D_CPU_REQ] = p.usable[D_CPU_LIM] = cpu * (100 - reserve) / 100;
		p.detail[D_CPU_REQ] = p.detail[D_CPU_LIM] =
			reserve ? mf_printf(k->c->a, " usable (%s cores%s)", mf_fmt_cores(k, cpu),
					    rs)
				: NULL;
	}
	if (mem >= 0) {
		p.usable[D_MEM_REQ] = p.usable[D_MEM_LIM] = mem * (100 - reserve) / 100;
		p.detail[D_MEM_REQ] = p.detail[D_MEM_LIM] =
			reserve ? mf_printf(k->c->a, " usable (%s%s)", mf_fmt_bytes(k, mem), rs)
				: NULL;
	}
	p.usable[D_GPU] = mf_get_int(m, "gpu", 0);
	if (mf_get_str(m, "gpuModel"))
		p.detail[D_GPU] = mf_printf(k->c->a, " (%s)", mf_get_str(m, "gpuModel"));
	sum_pool(k, &p, on_machine, name, true);
}

/* Limits of a capacity or quota mapping: cpu, memory, gpu, pods, storage, limits.* */
static void quota_limits(pool *p, const mf_node *q)
{
	for (size_t d = 0; d < ND; d++) {
		p->limits[d] = mf_path(q, dims[d].quota);
		p->usable[d] = p->limits[d] ? quantity(d, p->limits[d]) : -1;
	}
	/* without a limits section, plain cpu/memory bound the limits too (overcommit) */
	if (!mf_get(q, "limits")) {
		p->limits[D_CPU_LIM] = p->limits[D_CPU_REQ];
		p->usable[D_CPU_LIM] = p->usable[D_CPU_REQ];
		p->limits[D_MEM_LIM] = p->limits[D_MEM_REQ];
		p->usable[D_MEM_LIM] = p->usable[D_MEM_REQ];
	}
}

static bool anywhere(const mf_instance *in, const void *arg)
{
	return true;
}

static bool of_tenant(const mf_instance *in, const void *t)
{
	return in->tenant == t;
}

static void capacity(mf_chk *k)
{
	const mf_node *machines = mf_get(k->s->doc, "machines");
	pool p = {.verb = "over capacity", .whole_env = true};

	for (size_t i = 0; machines && machines->kind == MF_MAP && i < machines->n; i++)
		machine_pool(k, machines->pairs[i].key, machines->pairs[i].val);
	if (k->e->capacity) {
		p.what = mf_printf(k->c->a, "environment '%s'", k->e->name);
		p.object = mf_printf(k->c->a, "environment/%s", k->e->name);
		quota_limits(&p, k->e->capacity);
		sum_pool(k, &p, anywhere, NULL, false);
	}
	for (size_t t = 0; t < k->e->ntenants; t++) {
		const mf_node *q = mf_get(k->e->tenants[t].node, "quota");
		pool tp = {
			.verb = "over its quota", .quota = true, .tenant = k->e->tenants[t].name};
		if (!q)
			continue;
		tp.what = mf_printf(k->c->a, "tenant '%s'", k->e->tenants[t].name);
		tp.object = mf_printf(k->c->a, "tenant/%s", k->e->tenants[t].name);
		quota_limits(&tp, q);
		if (!mf_get(q, "limits"))
			tp.usable[D_CPU_LIM] = tp.usable[D_MEM_LIM] = -1;
		sum_pool(k, &tp, of_tenant, &k->e->tenants[t], false);
	}
}

/* ---- host ports -------------------------------------------------------------------- */

static int cmp_hostport(const void *x, const void *y)
{
	const mf_hostport *a = x, *b = y;
	int r = (a->port > b->port) - (a->port < b->port);

	if (!r)
		r = strcmp(a->proto, b->proto);
	return r ? r : (a->order > b->order) - (a->order < b->order);
}

/* Compose services that both name profiles, and none in common, belong to
 * alternatives (a CPU and a GPU variant) that are not started together. */
static bool exclusive(const mf_hostport *a, const mf_hostport *b)
{
	const mf_node *x = a->profiles, *y = b->profiles;

	if (!x || !y || x->kind != MF_SEQ || y->kind != MF_SEQ || !x->n || !y->n)
		return false;
	for (size_t i = 0; i < x->n; i++)
		for (size_t j = 0; j < y->n; j++)
			if (mf_str(x->items[i]) && mf_str(y->items[j]) &&
			    !strcmp(mf_str(x->items[i]), mf_str(y->items[j])))
				return false;
	return true;
}

/* One host (or every node), and interfaces that overlap: every interface
 * overlaps with any one. */
static bool same_host(const mf_hostport *a, const mf_hostport *b)
{
	return (!strcmp(a->host, "*") || !strcmp(b->host, "*") || !strcmp(a->host, b->host)) &&
	       (!a->ip || !b->ip || !strcmp(a->ip, b->ip)) && !exclusive(a, b);
}

static void clash(mf_chk *k, const mf_hostport *second, const mf_hostport *first)
{
	const mf_source *src = mf_source_get(k->c, first->at ? first->at->pos.file : 0);
	bool named = second->host_kind && *second->host && strcmp(second->host, "*");
	mf_diag *d;

	k->in = second->in;
	k->obj = second->obj;
	d = mf_finding(k, MF_RULE_HOST_PORT_CONFLICT, mf_chk_at(k, second->at), NULL,
		       "'%s' publishes host port %lld/%s, which '%s' already uses%s", second->who,
		       second->port, second->proto, first->who,
		       named ? mf_printf(k->c->a, " on %s '%s'", second->host_kind, second->host)
			     : "");
	if (d && src)
		mf_diag_note(k->c, d, "'%s' publishes it at %s:%u:%u", first->who, src->path,
			     (unsigned)first->at->pos.line, (unsigned)first->at->pos.col);
	k->in = NULL;
	k->obj = NULL;
}

/* Sorted by port, each use is compared with the earlier uses of the same
 * port only: linear in the ports but for ports shared many times. */
void mf_host_port_clashes(mf_chk *k, mf_hostport *v, size_t n)
{
	mf_qsort(v, n, sizeof *v, cmp_hostport);
	for (size_t i = 1, g = 0; i < n; i++) {
		if (v[i].port != v[g].port || strcmp(v[i].proto, v[g].proto)) {
			g = i;
			continue;
		}
		for (size_t j = g; j < i; j++)
			if (v[j].owner != v[i].owner && same_host(&v[i], &v[j])) {
				clash(k, &v[i], &v[j]);
				break;
			}
	}
}

/* Where an instance's host ports are bound, or NULL when the scheduler
 * keeps them apart (unpinned Kubernetes pods). */
static const char *host_key(const mf_chk *k, const mf_instance *in)
{
	if (k->e->targets & MF_T_COMPOSE) /* one host, or one file per machine */
		return k->e->compose_split && in->machine ? in->machine : "";
	if (in->machine)
		return in->machine;
	return in->kind == MF_W_DAEMON ? "*" : NULL;
}

/* In Kubernetes only daemons and pods on the host network occupy host
 * ports; in Compose every published port does. */
static size_t collect_ports(mf_chk *k, mf_hostport *out)
{
	size_t n = 0;

	for (size_t i = 0; i < k->e->ninst; i++) {
		const mf_instance *in = &k->e->inst[i];
		const char *host = host_key(k, in);
		if (!host || (!(k->e->targets & MF_T_COMPOSE) && in->kind != MF_W_DAEMON &&
			      !in->host_network))
			continue;
		for (size_t p = 0; p < in->nports; p++) {
			const mf_port *pt = &in->ports[p];
			if (pt->published <= 0)
				continue;
			out[n] = (mf_hostport){.port = pt->published,
					       .proto = pt->protocol,
					       .host = host,
					       .host_kind = "machine",
					       .ip = pt->host_ip,
					       .who = in->compose_name,
					       .at = pt->host_node ? pt->host_node : pt->node,
					       .owner = in,
					       .in = in,
					       .order = n};
			n++;
		}
	}
	return n;
}

static void host_port_conflict(mf_chk *k)
{
	size_t total = 0;
	mf_hostport *v;

	for (size_t i = 0; i < k->e->ninst; i++)
		total += k->e->inst[i].nports;
	if (!(v = mf_alloc(k->c->a, (total + 1) * sizeof *v)))
		return;
	mf_host_port_clashes(k, v, collect_ports(k, v));
}

static const mf_node *port_range(const mf_chk *k, const mf_instance *in, const char **owner)
{
	const mf_node *m = in->machine ? mf_get(mf_get(k->s->doc, "machines"), in->machine) : NULL;
	const mf_node *r = mf_get(m, "ports");

	if (r) {
		*owner = mf_printf(k->c->a, "machine '%s'", in->machine);
		return r;
	}
	*owner = mf_printf(k->c->a, "environment '%s'", k->e->name);
	r = mf_get(k->e->node, "hostPorts");
	return r ? r : mf_get(k->e->profile, "hostPorts");
}

/* a store's published port with no hostIP: on every interface of the host */
static void host_port_public(mf_chk *k)
{
	bool compose = k->e->targets & MF_T_COMPOSE;

	for (size_t i = 0; i < k->e->ninst; i++) {
		const mf_instance *in = &k->e->inst[i];
		if (!in->single_writer || in->host_network || (!compose && in->kind != MF_W_DAEMON))
			continue;
		k->in = in;
		for (size_t p = 0; p < in->nports; p++) {
			const mf_port *pt = &in->ports[p];
			if (pt->published <= 0 || pt->host_ip)
				continue;
			mf_finding(
				k, MF_RULE_HOST_PORT_PUBLIC,
				mf_chk_at(k, pt->host_node ? pt->host_node : pt->node), NULL,
				"'%s' keeps data and publishes port %d on every interface of the host",
				in->compose_name, pt->published);
		}
	}
	k->in = NULL;
}

/* services.*.ports.*.host as a fixed number outside the range */
static void host_port_range(mf_chk *k)
{
	for (size_t i = 0; i < k->e->ninst; i++) {
		const mf_instance *in = &k->e->inst[i];
		const mf_node *ports = mf_get(in->spec, "ports");
		const char *owner;
		const mf_node *r = port_range(k, in, &owner);
		long long from = mf_get_int(r, "from", 0), to = mf_get_int(r, "to", -1);
		for (size_t p = 0; r && ports && p < ports->n; p++) {
			const mf_node *h = mf_get(ports->pairs[p].val, "host");
			if (!h || h->kind != MF_INT || (h->v.i >= from && h->v.i <= to))
				continue;
			k->in = in;
			mf_finding(
				k, MF_RULE_HOST_PORT_RANGE, mf_chk_at(k, h), NULL,
				"'%s' publishes fixed host port %lld, outside the range %lld-%lld "
				"of %s",
				in->compose_name, h->v.i, from, to, owner);
		}
	}
	k->in = NULL;
}

/* What a Kubernetes client reaches instead of the host port, for k8s_host_port. */
static const char *k8s_instead(mf_chk *k, const mf_instance *in, const mf_port *pt)
{
	if (!mf_long_running(in->kind))
		return "a job has no Service";
	if (!pt->in_service)
		return "'service: false' leaves it out of the Service too";
	return mf_printf(k->c->a, "it gets Service '%s' port %lld, inside the cluster", in->name,
			 pt->service_port);
}

/* Whether the description says how clients outside the cluster reach the
 * port in Kubernetes: an ingress or route on it, or a Service of a type
 * that the nodes or a load balancer publish. */
static bool k8s_reached(const mf_instance *in, const mf_port *pt)
{
	static const char *const outside[] = {"LoadBalancer", "NodePort"};
	const char *type = mf_str(mf_path(in->spec, "service.type"));

	if (mf_get(pt->node, "expose"))
		return true;
	return pt->in_service && type && MF_IN_LIST(type, outside);
}

/* services.*.ports.*.host of a workload that is not a daemon: only a
 * daemon's pods bind host ports in Kubernetes (render_k8s.c); where the
 * port is exposed otherwise, the host port is Compose's way in, and
 * Kubernetes has the one the description gives it */
static void k8s_host_port(mf_chk *k)
{
	if (!(k->e->targets & (MF_T_KUSTOMIZE | MF_T_HELM)) && !k->e->is_base)
		return;
	for (size_t i = 0; i < k->e->ninst; i++) {
		const mf_instance *in = &k->e->inst[i];
		if (in->kind == MF_W_DAEMON || in->host_network)
			continue;
		k->in = in;
		for (size_t p = 0; p < in->nports; p++) {
			const mf_port *pt = &in->ports[p];
			if (!pt->host || k8s_reached(in, pt))
				continue;
			mf_finding(k, MF_RULE_K8S_HOST_PORT, mf_chk_at(k, pt->host_node), NULL,
				   "'%s' publishes host port %d, which Kubernetes binds only for a "
				   "daemon: %s",
				   in->service, pt->host, k8s_instead(k, in, pt));
		}
	}
	k->in = NULL;
}

/* ---- storage and replicas ------------------------------------------------------------- */

/* services.*.storage of a Deployment with several replicas */
static void storage_shared_rwo(mf_chk *k)
{
	if (!(k->e->targets & (MF_T_KUSTOMIZE | MF_T_HELM)) && !k->e->is_base)
		return;
	for (size_t i = 0; i < k->e->ninst; i++) {
		const mf_instance *in = &k->e->inst[i];
		if (in->kind != MF_W_DEPLOYMENT || in->max_replicas <= 1)
			continue;
		k->in = in;
		for (size_t s = 0; s < in->nvols; s++) {
			const mf_volume *v = &in->vols[s];
			const char *access = mf_get_str(v->node, "access");
			if (v->kind != MF_V_STORAGE || (access && strcmp(access, "ReadWriteOnce") &&
							strcmp(access, "ReadWriteOncePod")))
				continue;
			mf_finding(k, MF_RULE_STORAGE_SHARED_RWO, mf_chk_at(k, v->node), NULL,
				   "'%s' runs up to %lld replicas over ReadWriteOnce volume '%s'",
				   in->service, in->max_replicas, v->name);
		}
	}
	k->in = NULL;
}

static void replicas_min(mf_chk *k)
{
	const mf_node *minn = mf_get(k->e->require, "minReplicas");
	long long min = minn && minn->kind == MF_INT ? minn->v.i : 0;
	bool auto_;

	for (size_t i = 0; min > 1 && i < k->e->ninst; i++) {
		const mf_instance *in = &k->e->inst[i];
		if (!mf_long_running(in->kind) || in->kind == MF_W_DAEMON || in->replicas <= 0 ||
		    in->replicas >= min || in->single_writer)
			continue;
		k->in = in;
		auto_ = in->max_replicas != in->replicas;
		mf_finding(k, MF_RULE_REPLICAS_MIN,
			   in->replicas_pos.file ? in->replicas_pos : in->pos, NULL,
			   "'%s' %s %lld replica%s in '%s', which requires at least %lld",
			   in->service, auto_ ? "scales down to" : "runs", in->replicas,
			   in->replicas == 1 ? "" : "s", k->e->name, min);
	}
	k->in = NULL;
}

/* ---- dependencies ----------------------------------------------------------------------- */

/* The first unplaced dependency of u by name (edges are sorted by it). */
static size_t next_unplaced(const mf_depgraph *g, size_t u, size_t *edge_out)
{
	for (size_t i = g->out[u]; i < g->out[u + 1]; i++)
		if (!g->wave[g->e[i].to]) {
			*edge_out = i;
			return g->e[i].to;
		}
	return (size_t)-1;
}

static void cycle_finding(mf_chk *k, const mf_depgraph *g, const size_t *path, size_t start,
			  size_t len, size_t closing)
{
	size_t u = path[start], others = len - start - 1;
	const char *note = g->names[u];
	mf_diag *d;

	for (size_t i = start + 1; i < len; i++)
		note = mf_printf(k->c->a, "%s -> %s", note, g->names[path[i]]);
	note = mf_printf(k->c->a, "%s -> %s", note, g->names[u]);
	k->in = g->first[u];
	if (!others)
		d = mf_finding(k, MF_RULE_DEPENDENCY_CYCLE, g->e[closing].at, NULL,
			       "'%s' depends on itself", g->names[u]);
	else
		d = mf_finding(k, MF_RULE_DEPENDENCY_CYCLE, g->e[closing].at, NULL,
			       "'%s' depends on itself through %zu other service%s", g->names[u],
			       others, others == 1 ? "" : "s");
	if (d)
		mf_diag_note(k->c, d, "%s", note);
	k->in = NULL;
}

/* Walk from u along unplaced services until one repeats: the walk's tail
 * from that service is a cycle.  Every service is walked over once. */
static void report_cycle(mf_chk *k, mf_depgraph *g, size_t u, unsigned char *state, size_t *path,
			 size_t *via)
{
	size_t len = 0, start = 0;

	while (state[u] == 0) {
		size_t e = 0, next = next_unplaced(g, u, &e);
		state[u] = 1;
		via[len] = e;
		path[len++] = u;
		if (next == (size_t)-1)
			break;
		u = next;
	}
	if (state[u] == 1 && len) {
		while (path[start] != u)
			start++;
		cycle_finding(k, g, path, start, len, via[start]);
	}
	for (size_t i = 0; i < len; i++)
		state[path[i]] = 2;
}

/* "a, b and 3 more": a wave's services, at most 12 named */
static const char *wave_list(mf_chk *k, const mf_depgraph *g, size_t w)
{
	const char *list = NULL;
	size_t n = 0;

	for (size_t u = 0; u < g->n; u++) {
		if (g->wave[u] != w)
			continue;
		if (n++ < 12)
			list = list ? mf_printf(k->c->a, "%s, %s", list, g->names[u]) : g->names[u];
	}
	return n > 12 ? mf_printf(k->c->a, "%s and %zu more", list, n - 12) : list;
}

/* The note names the first 12 waves; a longer chain is summarised. */
static void waves_note(mf_chk *k, const mf_depgraph *g, size_t waves)
{
	const char *note = "";
	size_t blocked = 0;
	mf_diag *d;

	for (size_t w = 1; w <= waves && w <= 12; w++)
		note = mf_printf(k->c->a, "%s%swave %zu: %s", note, w > 1 ? "; " : "", w,
				 wave_list(k, g, w));
	if (waves > 12)
		note = mf_printf(k->c->a, "%s; ... %zu more waves", note, waves - 12);
	for (size_t u = 0; u < g->n; u++)
		blocked += !g->wave[u];
	if (!waves)
		return;
	d = mf_finding(
		k, MF_RULE_STARTUP_WAVES, k->e->pos, NULL, "services of '%s' start in %zu wave%s%s",
		k->e->name, waves, waves == 1 ? "" : "s",
		blocked ? mf_printf(k->c->a, " (%zu wait on a dependency cycle)", blocked) : "");
	if (d)
		mf_diag_note(k->c, d, "%s", note);
}

static void dependencies(mf_chk *k)
{
	mf_depgraph g;
	size_t *path, *via;
	unsigned char *state;

	if (mf_depgraph_build(k->c, k->e, &g) < 0 || !g.ne)
		return;
	state = mf_alloc(k->c->a, g.n + 1);
	path = mf_alloc(k->c->a, (g.n + 1) * sizeof *path);
	via = mf_alloc(k->c->a, (g.n + 1) * sizeof *via);
	for (size_t u = 0; state && path && via && u < g.n; u++)
		if (!g.wave[u] && !state[u])
			report_cycle(k, &g, u, state, path, via);
	if (k->on[MF_RULE_STARTUP_WAVES] && !k->e->is_base)
		waves_note(k, &g, g.waves);
}

static void dependency_cycle(mf_chk *k)
{
	dependencies(k);
}

static void startup_waves(mf_chk *k)
{
	/* computed with the cycles (one pass over the graph) unless those are off */
	if (!k->on[MF_RULE_DEPENDENCY_CYCLE])
		dependencies(k);
}

/* ---- Compose start-up ----------------------------------------------------------------- */

/* What the Compose renderer turns into a healthcheck. */
/* services.*.dependsOn.*: healthy (or {condition: healthy}) on a service
 * without a health check, in an environment that renders Compose */
static void depends_on_unhealthy(mf_chk *k)
{
	if (!(k->e->targets & MF_T_COMPOSE))
		return;
	for (size_t i = 0; i < k->e->ninst; i++) {
		const mf_instance *in = &k->e->inst[i], *to;
		const mf_node *deps = mf_get(in->spec, "dependsOn");
		k->in = in;
		for (size_t d = 0; deps && deps->kind == MF_MAP && d < deps->n; d++) {
			const mf_node *v = deps->pairs[d].val;
			const char *cond =
				v && v->kind == MF_STR ? mf_str(v) : mf_get_str(v, "condition");
			if (!cond || strcmp(cond, "healthy") ||
			    !(to = mf_ref_target(in, deps->pairs[d].key)) || to->health)
				continue;
			mf_finding(
				k, MF_RULE_DEPENDS_ON_UNHEALTHY, deps->pairs[d].pos, NULL,
				"'%s' waits for '%s' to be healthy, but '%s' has no health check",
				in->compose_name, to->compose_name, to->compose_name);
		}
	}
	k->in = NULL;
}

/* ---- backups --------------------------------------------------------------------------- */

/* services.*.storage where require.backup and no services.*.backup */
static bool claim_kept(const mf_instance *in, size_t s)
{
	return s < in->nvols && in->vols[s].claim_kept; /* storage comes first in vols */
}

/* The storage that needs a backup of its own, as "'a', 'b' and 'c'" (NULL:
 * none), and the first one's index: a declared volume another mount's
 * backup keeps needs none here. */
static const char *unkept_storage(mf_chk *k, const mf_instance *in, const mf_node *st,
				  size_t *first)
{
	const char *names = NULL;
	size_t n = 0, j = 0;

	for (size_t s = 0; s < st->n; s++)
		if (!claim_kept(in, s) && !n++)
			*first = s;
	for (size_t s = 0; s < st->n; s++) {
		if (claim_kept(in, s))
			continue;
		names = ++j == 1 ? mf_printf(k->c->a, "'%s'", st->pairs[s].key)
				 : mf_printf(k->c->a, "%s%s'%s'", names, j == n ? " and " : ", ",
					     st->pairs[s].key);
	}
	return names;
}

static void backup_missing(mf_chk *k)
{
	if (!mf_truthy(mf_get(k->e->require, "backup")))
		return;
	for (size_t i = 0; i < k->e->ninst; i++) {
		const mf_instance *in = &k->e->inst[i];
		const mf_node *st = mf_get(in->spec, "storage"), *b = mf_get(in->spec, "backup");
		const char *names;
		size_t first = 0;
		if (!st || st->kind != MF_MAP || !st->n || mf_backup_asked(b) ||
		    !(names = unkept_storage(k, in, st, &first)))
			continue;
		k->in = in;
		mf_finding(k, MF_RULE_BACKUP_MISSING, mf_chk_at(k, b ? b : st->pairs[first].val),
			   NULL,
			   "'%s' keeps data in %s without a backup in '%s', which requires backups",
			   in->service, names, k->e->name);
	}
	k->in = NULL;
}

/* ---- machines ------------------------------------------------------------------------- */

typedef struct range {
	long long from, to;
	const char *machine;
	const mf_node *node;
} range;

static int cmp_range(const void *x, const void *y)
{
	const range *a = x, *b = y;
	int r = (a->from > b->from) - (a->from < b->from);

	return r ? r : strcmp(a->machine, b->machine);
}

/* machines.*.ports: sorted by start, a range overlaps if it starts before
 * the furthest end seen so far */
static void port_range_overlap(mf_chk *k)
{
	const mf_node *m = mf_get(k->s->doc, "machines");
	range *v = mf_alloc(k->c->a, ((m ? m->n : 0) + 1) * sizeof *v);
	size_t n = 0, far = 0;

	for (size_t i = 0; v && m && m->kind == MF_MAP && i < m->n; i++) {
		const mf_node *r = mf_get(m->pairs[i].val, "ports");
		if (r)
			v[n++] = (range){mf_get_int(r, "from", 0), mf_get_int(r, "to", -1),
					 m->pairs[i].key, r};
	}
	if (!v || n < 2)
		return;
	mf_qsort(v, n, sizeof *v, cmp_range);
	for (size_t i = 1; i < n; i++) {
		if (v[i].from <= v[far].to)
			mf_finding(
				k, MF_RULE_PORT_RANGE_OVERLAP, mf_chk_at(k, v[i].node), NULL,
				"host-port range %lld-%lld of machine '%s' overlaps %lld-%lld of "
				"machine '%s'",
				v[i].from, v[i].to, v[i].machine, v[far].from, v[far].to,
				v[far].machine);
		if (v[i].to > v[far].to)
			far = i;
	}
}

/* A store's copies are independent databases unless it replicates. */
/* The first declared volume a service writes when every storage it has is
 * one (its copies then share the data, and may still not write it at once):
 * NULL when it has storage of its own or is a StatefulSet. */
static const char *declared_only(const mf_instance *in)
{
	const char *first = NULL;

	for (size_t k = 0; in->kind != MF_W_STATEFUL && k < in->nvols; k++) {
		const mf_volume *v = &in->vols[k];
		if (v->kind == MF_V_STORAGE && !v->decl)
			return NULL;
		if (v->kind == MF_V_STORAGE && !v->read_only && !first)
			first = v->shared;
	}
	return first;
}

static void replicas_single_writer(mf_chk *k)
{
	for (size_t i = 0; i < k->e->ninst; i++) {
		const mf_instance *in = &k->e->inst[i];
		if (!in->single_writer || in->max_replicas <= 1 || !mf_long_running(in->kind))
			continue;
		k->in = in;
		if (declared_only(in))
			mf_finding(k, MF_RULE_REPLICAS_SINGLE_WRITER,
				   in->replicas_pos.file ? in->replicas_pos : in->pos, NULL,
				   "'%s' runs up to %lld copies in '%s' that write volume '%s' "
				   "together, and it does not say they may "
				   "('availability.replicated: true')",
				   in->service, in->max_replicas, k->e->name, declared_only(in));
		else
			mf_finding(k, MF_RULE_REPLICAS_SINGLE_WRITER,
				   in->replicas_pos.file ? in->replicas_pos : in->pos, NULL,
				   "'%s' runs up to %lld copies in '%s' of data they do not share",
				   in->service, in->max_replicas, k->e->name);
	}
	k->in = NULL;
}

/* ---- memory units --------------------------------------------------------------------- */

/* Keys whose scalar is a memory quantity, wherever they are in the
 * description (resources, storage, emptyDir, capacity, quotas); the
 * subtrees of free text are skipped. */
static const char *const memory_keys[] = {"memory",           "size",    "sizeLimit",
					  "ephemeralStorage", "storage", "shmSize"};
static const char *const free_text[] = {"env",     "labels",  "annotations", "configs",
					"secrets", "command", "args",        "description"};

static void decimal_one(mf_chk *k, const mf_node *v)
{
	static const char *const decimal = "kMGTP";
	const char *s = mf_str(v);
	size_t n = s ? strlen(s) : 0;
	mf_diag *d;

	if (!n || v->kind != MF_STR || !strchr(decimal, s[n - 1]) || n < 2 ||
	    !(s[n - 2] >= '0' && s[n - 2] <= '9'))
		return;
	d = mf_finding(k, MF_RULE_MEMORY_DECIMAL, v->pos, NULL,
		       "memory '%s' is %lld bytes: '%c' is a decimal unit (10^%d)", s,
		       mf_mem_bytes(v), s[n - 1],
		       3 * (int)(strchr(decimal, s[n - 1]) - decimal + 1));
	if (d)
		mf_diag_note(k->c, d, "did you mean '%.*s%ci'?", (int)(n - 1), s,
			     s[n - 1] == 'k' ? 'K' : s[n - 1]);
}

static void decimal_walk(mf_chk *k, const mf_node *n, unsigned depth)
{
	for (size_t i = 0; n && n->kind == MF_MAP && depth < 16 && i < n->n; i++) {
		const mf_pair *p = &n->pairs[i];
		if (MF_IN_LIST(p->key, free_text))
			continue;
		if (MF_IN_LIST(p->key, memory_keys) && mf_is_scalar(p->val))
			decimal_one(k, p->val);
		else
			decimal_walk(k, p->val, depth + 1);
	}
}

static void memory_decimal(mf_chk *k)
{
	decimal_walk(k, k->s->doc, 0);
}

const mf_rule_impl mf_env_rules[] = {
	{MF_RULE_CAPACITY_EXCEEDED, MF_SC_ENV, MF_RUN_CHECK, capacity},
	{MF_RULE_HOST_PORT_CONFLICT, MF_SC_ENV, MF_RUN_CHECK, host_port_conflict},
	{MF_RULE_HOST_PORT_RANGE, MF_SC_ENV, MF_RUN_CHECK, host_port_range},
	{MF_RULE_HOST_PORT_PUBLIC, MF_SC_ENV, MF_RUN_CHECK, host_port_public},
	{MF_RULE_K8S_HOST_PORT, MF_SC_ENV, MF_RUN_CHECK, k8s_host_port},
	{MF_RULE_STORAGE_SHARED_RWO, MF_SC_ENV, MF_RUN_CHECK, storage_shared_rwo},
	{MF_RULE_REPLICAS_MIN, MF_SC_ENV, MF_RUN_CHECK, replicas_min},
	{MF_RULE_REPLICAS_SINGLE_WRITER, MF_SC_ENV, MF_RUN_CHECK, replicas_single_writer},
	{MF_RULE_DEPENDENCY_CYCLE, MF_SC_ENV, MF_RUN_CHECK, dependency_cycle},
	{MF_RULE_STARTUP_WAVES, MF_SC_ENV, MF_RUN_CHECK, startup_waves},
	{MF_RULE_BACKUP_MISSING, MF_SC_ENV, MF_RUN_CHECK, backup_missing},
	{MF_RULE_DEPENDS_ON_UNHEALTHY, MF_SC_ENV, MF_RUN_CHECK, depends_on_unhealthy},
	{MF_RULE_PORT_RANGE_OVERLAP, MF_SC_SYSTEM, MF_RUN_CHECK, port_range_overlap},
	{MF_RULE_MEMORY_DECIMAL, MF_SC_SYSTEM, MF_RUN_CHECK, memory_decimal},
};
const size_t mf_env_nrules = MF_NELEM(mf_env_rules);
