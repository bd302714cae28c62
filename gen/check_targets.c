/* check: what the description asks for that a target it builds cannot carry */
#include <string.h>
#include "check_impl.h"

static bool k8s_env(const mf_env *e)
{
	return e->targets & (MF_T_KUSTOMIZE | MF_T_HELM);
}

/* Tenants' instances of a service whose node n (NULL: none) comes from the
 * same line as the one before's (prev, NULL for the first): one finding per
 * line, while a tenant's own override still gets its own. */
static bool said_before(const mf_node *prev, const mf_node *n)
{
	return prev && n && mf_pos_eq(prev->pos, n->pos);
}

/* The instance before i when it is another tenant's instance of the same service. */
static const mf_instance *prev_of(const mf_env *e, const mf_instance *in)
{
	return in > e->inst && !strcmp(in[-1].service, in->service) ? &in[-1] : NULL;
}

/* extraHosts entries that name Docker's host-gateway */
static void host_gateway(mf_chk *k, const mf_instance *in)
{
	const mf_node *h = mf_get(in->spec, "extraHosts");
	const mf_instance *prev = prev_of(k->e, in);

	for (size_t i = 0; h && h->kind == MF_MAP && i < h->n; i++)
		if (mf_streq(mf_str(h->pairs[i].val), "host-gateway") &&
		    !said_before(
			    mf_get(mf_get(prev ? prev->spec : NULL, "extraHosts"), h->pairs[i].key),
			    h->pairs[i].val))
			mf_finding(k, MF_RULE_K8S_NO_EQUIVALENT, h->pairs[i].val->pos, NULL,
				   "'%s' of '%s' in '%s' is 'host-gateway', Docker's host, which "
				   "Kubernetes has no address for: the host alias is left out",
				   h->pairs[i].key, in->service, k->e->name);
}

/* probes.image and no probe Kubernetes runs: the image's HEALTHCHECK is Docker's */
static void image_health(mf_chk *k, const mf_instance *in)
{
	const mf_node *p = mf_get(in->spec, "probes");
	const mf_pair *at = mf_get_pair(p, "image");
	const mf_instance *prev = prev_of(k->e, in);

	if (!in->image_health || !mf_long_running(in->kind) || mf_get(p, "readiness") ||
	    mf_get(p, "liveness") ||
	    said_before(prev ? mf_path(prev->spec, "probes.image") : NULL, at ? at->val : NULL))
		return;
	mf_finding(k, MF_RULE_K8S_NO_EQUIVALENT, at ? at->pos : in->pos, NULL,
		   "'%s' has no probe in '%s': Kubernetes does not run the image's HEALTHCHECK, "
		   "so a container that hangs keeps its traffic; add a readiness probe",
		   in->service, k->e->name);
}

/* services.*.networks.NAME.aliases: Kubernetes names a pod by its Service
 * alone (an alias Service would resolve in the whole namespace, not on one
 * network), so an alias is no name there: said at the alias, once per line. */
static void network_aliases(mf_chk *k, const mf_instance *in)
{
	const mf_node *nets = mf_get(in->spec, "networks"), *al;
	const mf_instance *prev = prev_of(k->e, in);
	const mf_node *pnets = prev ? mf_get(prev->spec, "networks") : NULL;

	for (size_t i = 0; nets && nets->kind == MF_MAP && i < nets->n; i++) {
		al = mf_get(nets->pairs[i].val, "aliases");
		for (size_t a = 0; al && al->kind == MF_SEQ && a < al->n; a++)
			if (!said_before(mf_get(mf_get(pnets, nets->pairs[i].key), "aliases"), al))
				mf_finding(k, MF_RULE_K8S_NO_EQUIVALENT, al->items[a]->pos, NULL,
					   "alias '%s' of '%s' on network '%s' is no name in '%s': "
					   "Kubernetes resolves it as '%s' alone",
					   mf_str(al->items[a]), in->service, nets->pairs[i].key,
					   k->e->name, in->name);
	}
}

/* settings.def entries Kubernetes has no field for */
static void k8s_no_equivalent(mf_chk *k)
{
	const mf_env *e = k->e;
	const mf_pair *p;

	for (size_t i = 0; k8s_env(e) && i < e->ninst; i++) {
		const mf_instance *in = &e->inst[i], *prev = prev_of(e, in);
		k->in = in;
		for (size_t s = 0; s < mf_nsettings; s++)
			if (mf_settings[s].place == MF_K8S_NONE &&
			    (p = mf_get_pair(in->spec, mf_settings[s].key)) &&
			    p->val->kind != MF_NULL &&
			    !said_before(prev ? mf_get(prev->spec, mf_settings[s].key) : NULL,
					 p->val))
				mf_finding(k, MF_RULE_K8S_NO_EQUIVALENT, p->pos, NULL,
					   "'%s' of '%s' is not written in '%s': %s",
					   mf_settings[s].key, in->service, e->name,
					   mf_settings[s].lost);
		host_gateway(k, in);
		image_health(k, in);
		network_aliases(k, in);
	}
	k->in = NULL;
}

const mf_rule_impl mf_target_rules[] = {
	{MF_RULE_K8S_NO_EQUIVALENT, MF_SC_ENV, MF_RUN_CHECK, k8s_no_equivalent},
};
const size_t mf_target_nrules = MF_NELEM(mf_target_rules);
