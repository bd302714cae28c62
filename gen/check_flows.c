/* check: network flows the NetworkPolicies of an environment cut off, and egress limits no
 * output enforces */
#include "check_impl.h"

#include <stdlib.h>
#include <string.h>

static bool exposed(const mf_port *p)
{
	return mf_path(p->node, "expose.ingress") || mf_path(p->node, "expose.route") ||
	       mf_truthy(mf_get(p->node, "metrics"));
}

/* A port some policy admits: a pod client of it (or of all Service
 * ports), an exposure, or a daemon's published host port. */
static bool admitted(const mf_instance *in, const mf_port *p)
{
	if (exposed(p) || (in->kind == MF_W_DAEMON && p->host))
		return true;
	for (size_t k = 0; k < in->nflows_in; k++) {
		const mf_flow *f = in->flows_in[k];
		if (!f->from->host_network && (f->port ? f->port == p : p->in_service))
			return true;
	}
	return false;
}

static void unreachable_ports(mf_chk *k, const mf_instance *in)
{
	for (size_t p = 0; p < in->nports; p++) {
		const mf_port *pt = &in->ports[p];
		if (admitted(in, pt))
			continue;
		mf_finding(k, MF_RULE_NETWORK_UNREACHABLE, mf_chk_at(k, pt->node), NULL,
			   "no NetworkPolicy in '%s' admits traffic to port '%s' of '%s': no "
			   "service depends on it, refers to it in 'env' or lists it under "
			   "'connectsTo'",
			   k->e->name, pt->name, in->compose_name);
	}
}

/* flows to or from the host network: a policy cannot select those pods */
static void host_network_flows(mf_chk *k, const mf_instance *in)
{
	for (size_t f = 0; f < in->nflows_in; f++) {
		const mf_flow *fl = in->flows_in[f];
		if (fl->from->host_network && !in->host_network)
			mf_finding(k, MF_RULE_NETWORK_UNREACHABLE, fl->pos, NULL,
				   "'%s' runs on the host network, so no NetworkPolicy in '%s' can "
				   "admit its traffic to '%s'",
				   fl->from->compose_name, k->e->name, in->compose_name);
	}
	for (size_t f = 0; in->egress && !in->host_network && f < in->nflows; f++) {
		const mf_flow *fl = &in->flows[f];
		if (fl->to->host_network)
			mf_finding(k, MF_RULE_NETWORK_UNREACHABLE, fl->pos, NULL,
				   "'%s' runs on the host network, so the egress policy of '%s' "
				   "in '%s' cannot admit traffic to it",
				   fl->to->compose_name, in->compose_name, k->e->name);
	}
}

/* ---- services named by literal host --------------------------------------------- */

static bool host_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_' || ch == '.';
}

static bool has_port(const mf_instance *to, long long n)
{
	for (size_t k = 0; k < to->nports; k++)
		if (to->ports[k].number == n || to->ports[k].service_port == n)
			return true;
	return false;
}

static bool flows_to(const mf_instance *from, const mf_instance *to)
{
	for (size_t k = 0; k < from->nflows; k++)
		if (from->flows[k].to == to)
			return true;
	return false;
}

/* The instance a host names: a service (same tenant first), alone or as
 * "svc.NS", "svc.NS.svc" or "svc.NS.svc.cluster.local" for its namespace. */
static const mf_instance *host_target(const mf_instance *in, const char *h, size_t n)
{
	char buf[256];
	const char *dot = memchr(h, '.', n);
	size_t first = dot ? (size_t)(dot - h) : n;
	const mf_instance *to;

	if (first == 0 || first >= sizeof buf)
		return NULL;
	memcpy(buf, h, first);
	buf[first] = '\0';
	if (!(to = mf_ref_target(in, buf)) || !dot)
		return to;
	h += first + 1, n -= first + 1;
	if (n < strlen(to->ns) || strncmp(h, to->ns, strlen(to->ns)))
		return NULL;
	h += strlen(to->ns), n -= strlen(to->ns);
	return n == 0 || (n == 4 && !strncmp(h, ".svc", 4)) ||
			       (n == 18 && !strncmp(h, ".svc.cluster.local", 18))
		       ? to
		       : NULL;
}

typedef struct named {
	const mf_instance *to[16];
	size_t n;
} named;

/* One target per text: the first mention is reported. */
static void mention(mf_chk *k, const mf_instance *in, const mf_instance *to, named *seen,
		    mf_pos pos, const char *where)
{
	size_t i = 0;

	if (!to || to == in || flows_to(in, to) || to->host_network)
		return;
	while (i < seen->n && seen->to[i] != to)
		i++;
	if (i < seen->n)
		return;
	if (seen->n < MF_NELEM(seen->to))
		seen->to[seen->n++] = to;
	mf_finding(k, MF_RULE_NETWORK_UNREACHABLE, pos, NULL,
		   "%s names '%s' by its host, but no NetworkPolicy in '%s' admits traffic "
		   "from '%s' to it: refer to it as {service: %s, ...} or list it under "
		   "'connectsTo'",
		   where, to->service, k->e->name, in->compose_name, to->service);
}

/* Hosts in a text: after "://" (past any user:password@), and before
 * ":PORT" where PORT is one of the service's ports. */
static void scan_hosts(mf_chk *k, const mf_instance *in, const char *t, mf_pos pos,
		       const char *where)
{
	named seen = {.n = 0};

	for (const char *c = strchr(t, ':'); c; c = strchr(c + 1, ':')) {
		const char *h = c, *e;
		const mf_instance *to;
		if (!strncmp(c, "://", 3)) {
			h = c + 3;
			e = h + strcspn(h, "/@ \t\n\"'");
			if (*e == '@')
				h = e + 1;
			for (e = h; host_char(*e); e++)
				;
			mention(k, in, host_target(in, h, (size_t)(e - h)), &seen, pos, where);
			continue;
		}
		while (h > t && host_char(h[-1]))
			h--;
		if (h == c || !(c[1] >= '0' && c[1] <= '9'))
			continue;
		to = host_target(in, h, (size_t)(c - h));
		if (to && has_port(to, strtoll(c + 1, NULL, 10)))
			mention(k, in, to, &seen, pos, where);
	}
}

/* The configs an instance reads, by name (env, envFrom, volumes). */
static void scan_config(mf_chk *k, const mf_instance *in, const char *name)
{
	const mf_node *data = mf_get(mf_system_section(k->s, "configs", name), "data");

	for (size_t i = 0; data && data->kind == MF_MAP && i < data->n; i++)
		if (mf_str(data->pairs[i].val))
			scan_hosts(
				k, in, mf_str(data->pairs[i].val), data->pairs[i].val->pos,
				mf_printf(k->c->a, "config '%s' ('%s')", name, data->pairs[i].key));
}

static void literal_hosts(mf_chk *k, const mf_instance *in)
{
	const mf_node *env = mf_get(in->spec, "env"), *from = mf_get(in->spec, "envFrom");

	for (size_t i = 0; env && env->kind == MF_MAP && i < env->n; i++) {
		const mf_node *v = env->pairs[i].val;
		if (mf_is_scalar(v) && mf_str(v))
			scan_hosts(k, in, mf_str(v), v->pos,
				   mf_printf(k->c->a, "'%s'", env->pairs[i].key));
		else if (mf_get_str(v, "config") && !mf_get(v, "key"))
			scan_config(k, in, mf_get_str(v, "config"));
	}
	for (size_t i = 0; from && from->kind == MF_SEQ && i < from->n; i++)
		if (mf_get_str(from->items[i], "config"))
			scan_config(k, in, mf_get_str(from->items[i], "config"));
	for (size_t i = 0; i < in->nvols; i++)
		if (in->vols[i].kind == MF_V_CONFIG)
			scan_config(k, in, in->vols[i].source);
}

static bool k8s_env(const mf_env *e)
{
	return e->targets & ~(unsigned)MF_T_COMPOSE;
}

static void network_unreachable(mf_chk *k)
{
	if (!k->e->network_policy || !k8s_env(k->e))
		return;
	for (size_t i = 0; i < k->e->ninst; i++) {
		const mf_instance *in = &k->e->inst[i];
		k->in = in;
		if (mf_long_running(in->kind) && !in->host_network)
			unreachable_ports(k, in);
		if (!in->host_network)
			literal_hosts(k, in);
		host_network_flows(k, in);
	}
	k->in = NULL;
}

static void egress_unenforced(mf_chk *k)
{
	const mf_env *e = k->e;
	const char *why = (e->targets & MF_T_COMPOSE) ? "Compose has no per-service egress rules"
			  : !e->network_policy        ? "the environment writes no NetworkPolicies"
						      : NULL;
	const mf_pair *at;

	for (size_t i = 0; why && i < e->ninst; i++) {
		const mf_instance *in = &e->inst[i];
		if (!in->egress || (i > 0 && !strcmp(e->inst[i - 1].service, in->service)))
			continue;
		k->in = in;
		at = mf_get_pair(in->spec, "egress");
		mf_finding(k, MF_RULE_EGRESS_UNENFORCED, at ? at->pos : mf_chk_at(k, in->egress),
			   NULL, "egress of '%s' is not limited in '%s': %s", in->service, e->name,
			   why);
	}
	k->in = NULL;
}

/* ---- internal networks ----------------------------------------------------------- */

/* Whether `to` joins one of the networks `in` lists. */
static bool shares_listed(const mf_instance *in, const mf_instance *to)
{
	const mf_node *nets = mf_net_list(in);

	for (size_t k = 0; nets && k < nets->n; k++)
		if (mf_net_at(nets, k) && mf_net_member(to, mf_net_at(nets, k)))
			return true;
	return false;
}

/* A service only on internal networks reaches their members and DNS alone
 * (network-NAME policies): its flows to others are cut, unless its own
 * `egress` admits them.  Compose environments say so as network-disjoint. */
static void confined_flows(mf_chk *k)
{
	const mf_env *e = k->e;

	if (!k->s || !e->network_policy || !k8s_env(e) || (e->targets & MF_T_COMPOSE))
		return;
	for (size_t i = 0; i < e->ninst; i++) {
		const mf_instance *in = &e->inst[i];
		k->in = in;
		bool confined = !in->egress && mf_net_confined(k->s, in);
		for (size_t f = 0; confined && f < in->nflows; f++) {
			const mf_flow *fl = &in->flows[f];
			if (!shares_listed(in, fl->to))
				mf_finding(k, MF_RULE_NETWORK_UNREACHABLE, fl->pos, NULL,
					   "'%s' is on internal networks only, so no NetworkPolicy "
					   "in '%s' admits its traffic to '%s', which joins none "
					   "of them",
					   in->compose_name, e->name, fl->to->compose_name);
		}
	}
	k->in = NULL;
}

/* An internal network confines nothing where no NetworkPolicy is written. */
static void confined_unenforced(mf_chk *k)
{
	const mf_env *e = k->e;
	const mf_pair *at;

	for (size_t i = 0; k->s && !e->network_policy && k8s_env(e) && i < e->ninst; i++) {
		const mf_instance *in = &e->inst[i];
		if (!mf_net_confined(k->s, in) ||
		    (i > 0 && !strcmp(e->inst[i - 1].service, in->service)))
			continue;
		k->in = in;
		at = mf_get_pair(in->spec, "networks");
		mf_finding(k, MF_RULE_EGRESS_UNENFORCED, at ? at->pos : in->pos, NULL,
			   "'%s' is on internal networks only, but '%s' writes no "
			   "NetworkPolicies: its egress is not limited there",
			   in->service, e->name);
	}
	k->in = NULL;
}

const mf_rule_impl mf_flow_rules[] = {
	{MF_RULE_NETWORK_UNREACHABLE, MF_SC_ENV, MF_RUN_CHECK, network_unreachable},
	{MF_RULE_EGRESS_UNENFORCED, MF_SC_ENV, MF_RUN_CHECK, egress_unenforced},
	{MF_RULE_NETWORK_UNREACHABLE, MF_SC_ENV, MF_RUN_CHECK, confined_flows},
	{MF_RULE_EGRESS_UNENFORCED, MF_SC_ENV, MF_RUN_CHECK, confined_unenforced},
};
const size_t mf_flow_nrules = MF_NELEM(mf_flow_rules);
