/* render: named networks for Compose, and their members for Kubernetes */
#include <string.h>

#include "render.h"

/* `default` is Compose's own network: a service may list it without a declaration. */
static bool declared(const mf_system *s, const char *name)
{
	return !strcmp(name, "default") || mf_get(mf_get(s->doc, "networks"), name);
}

/* An undeclared network is an error at its line: Compose refuses the file. */
static int check_name(mf_ctx *c, const mf_system *s, const mf_instance *in, const char *name,
		      mf_pos pos)
{
	mf_diag *d;

	if (!name || declared(s, name))
		return 0;
	d = mf_diag_add(c, MF_SEV_ERROR, pos, "unknown-network",
			"'%s' joins network '%s', which the description does not declare under "
			"'networks'",
			in->service, name);
	mf_diag_suggest_key(c, d, name, mf_get(s->doc, "networks"));
	return -1;
}

static mf_node *aliases_of(mf_tb *tb, const mf_node *v)
{
	const mf_node *al = mf_get(v, "aliases");
	mf_node *m, *seq;

	if (!al || al->kind != MF_SEQ || !al->n)
		return mf_tb_null(tb, v ? v->pos : MF_NOPOS);
	m = mf_tb_map(tb, al->pos);
	seq = mf_tb_child_seq(tb, m, "aliases", al->pos);
	for (size_t k = 0; k < al->n; k++)
		mf_tb_push(tb, seq, mf_tb_str(tb, mf_str(al->items[k]), al->items[k]->pos));
	return m;
}

/* services.*.networks as Compose writes it: a list stays a list, a map keeps
 * its aliases.  NULL when the service names none (the default network). */
mf_node *mf_compose_service_networks(mf_ctx *c, mf_tb *tb, const mf_system *s,
				     const mf_instance *in, int *rc)
{
	const mf_node *nets = mf_get(in->spec, "networks");
	mf_node *out;

	if (!nets || (nets->kind != MF_SEQ && nets->kind != MF_MAP) || !nets->n)
		return NULL;
	out = nets->kind == MF_SEQ ? mf_tb_seq(tb, nets->pos) : mf_tb_map(tb, nets->pos);
	for (size_t k = 0; k < nets->n; k++) {
		bool seq = nets->kind == MF_SEQ;
		const char *name = seq ? mf_str(nets->items[k]) : nets->pairs[k].key;
		mf_pos pos = seq ? nets->items[k]->pos : nets->pairs[k].pos;
		if (check_name(c, s, in, name, pos) < 0)
			*rc = -1;
		if (seq)
			mf_tb_push(tb, out, mf_tb_str(tb, name, pos));
		else
			mf_tb_put(tb, out, name, aliases_of(tb, nets->pairs[k].val));
	}
	return out;
}

/* The top-level `networks:` of compose.yaml: the declared networks with the
 * keys Compose reads (internal, external, name); NULL when none is declared. */
mf_node *mf_compose_networks(mf_tb *tb, const mf_system *s)
{
	static const char *const flags[] = {"internal", "external"};
	const mf_node *nets = mf_get(s->doc, "networks");
	mf_node *out;

	if (!nets || nets->kind != MF_MAP || !nets->n)
		return NULL;
	out = mf_tb_map(tb, nets->pos);
	for (size_t k = 0; k < nets->n; k++) {
		const mf_node *v = nets->pairs[k].val;
		mf_node *m = mf_tb_map(tb, nets->pairs[k].pos);
		for (size_t f = 0; f < MF_NELEM(flags); f++)
			if (mf_get_bool(v, flags[f], false))
				mf_tb_put_bool(tb, m, flags[f], true, mf_get(v, flags[f])->pos);
		if (mf_get_str(v, "name"))
			mf_tb_put_str(tb, m, "name", mf_get_str(v, "name"), mf_get(v, "name")->pos);
		mf_tb_put(tb, out, nets->pairs[k].key, m);
	}
	mf_map_sort(out);
	return out;
}

/* The i-th network of a service's `networks:` (list or map), or NULL. */
static const char *net_at(const mf_node *nets, size_t i)
{
	return nets->kind == MF_SEQ ? mf_str(nets->items[i]) : nets->pairs[i].key;
}

/* Whether a service is on network `name`: one with no `networks:` is on
 * `default` alone, as Compose puts it. */
static bool on_network(const mf_instance *in, const char *name)
{
	const mf_node *nets = mf_get(in->spec, "networks");

	if (!nets || (nets->kind != MF_SEQ && nets->kind != MF_MAP) || !nets->n)
		return !strcmp(name, "default");
	for (size_t k = 0; k < nets->n; k++)
		if (mf_streq(net_at(nets, k), name))
			return true;
	return false;
}

static bool share_network(const mf_instance *a, const mf_instance *b)
{
	const mf_node *nets = mf_get(a->spec, "networks");

	if (!nets || (nets->kind != MF_SEQ && nets->kind != MF_MAP) || !nets->n)
		return on_network(b, "default");
	for (size_t k = 0; k < nets->n; k++)
		if (net_at(nets, k) && on_network(b, net_at(nets, k)))
			return true;
	return false;
}

/* A flow between services on no common network: Compose's DNS does not
 * resolve the name, so the connection fails; an error at the flow's line.
 * Host-network services are on no Compose network. */
int mf_compose_check_reach(mf_ctx *c, const mf_instance *in)
{
	int rc = 0;

	for (size_t k = 0; !in->host_network && k < in->nflows; k++) {
		const mf_flow *f = &in->flows[k];
		/* a flow to another machine's file goes through its published port */
		if (f->to == in || f->to->host_network || share_network(in, f->to) ||
		    !mf_compose_same_host(in, f->to))
			continue;
		mf_diag_add(c, MF_SEV_ERROR, f->pos, "network-disjoint",
			    "'%s' reaches '%s', but they share no network in Compose, so its name "
			    "does not resolve there: add a network both join",
			    in->compose_name, f->to->compose_name);
		rc = -1;
	}
	return rc;
}

/* ---- Kubernetes: membership labels and the confinement of internal networks ---- */

/* A declared network's `internal: true`; `default` is never internal. */
bool mf_net_internal(const mf_system *s, const char *name)
{
	return name && mf_get_bool(mf_get(mf_get(s->doc, "networks"), name), "internal", false);
}

/* The networks an instance lists (list or map), NULL when it lists none. */
const mf_node *mf_net_list(const mf_instance *in)
{
	const mf_node *nets = mf_get(in->spec, "networks");

	return nets && (nets->kind == MF_SEQ || nets->kind == MF_MAP) && nets->n ? nets : NULL;
}

const char *mf_net_at(const mf_node *nets, size_t i)
{
	return net_at(nets, i);
}

bool mf_net_member(const mf_instance *in, const char *name)
{
	return !in->host_network && on_network(in, name);
}

/* Only on internal networks: Compose gives it no way out of them, so its
 * Kubernetes egress is the members of those networks and DNS.  A service on
 * no listed network is on `default`, which leaves. */
bool mf_net_confined(const mf_system *s, const mf_instance *in)
{
	const mf_node *nets = mf_net_list(in);

	if (!nets || in->host_network)
		return false;
	for (size_t k = 0; k < nets->n; k++)
		if (!mf_net_internal(s, net_at(nets, k)))
			return false;
	return true;
}

/* network.manifold.dev/NAME: "true" for every network the instance lists
 * (`default` too when listed), so policies select members by label. */
void mf_k8s_network_labels(mf_tb *tb, const mf_instance *in, mf_node *labels, mf_pos pos)
{
	const mf_node *nets = mf_net_list(in);

	for (size_t k = 0; labels && nets && k < nets->n; k++)
		if (net_at(nets, k))
			mf_tb_put_str(tb, labels, mf_net_label(tb, net_at(nets, k)), "true", pos);
}

const char *mf_net_label(mf_tb *tb, const char *name)
{
	return mf_printf(tb->a, MF_NET_LABEL_PREFIX "%s", name);
}
