/* check: what the description asks for that a target it builds cannot carry */
#include <string.h>
#include "check_impl.h"

static bool k8s_env(const mf_env *e)
{
	return e->targets & (MF_T_KUSTOMIZE | MF_T_HELM);
}

/* The first tenant's instance speaks for the service: one finding per line. */
static bool first_of_service(const mf_env *e, size_t i)
{
	return i == 0 || strcmp(e->inst[i - 1].service, e->inst[i].service);
}

/* extraHosts entries that name Docker's host-gateway */
static void host_gateway(mf_chk *k, const mf_instance *in)
{
	const mf_node *h = mf_get(in->spec, "extraHosts");

	for (size_t i = 0; h && h->kind == MF_MAP && i < h->n; i++)
		if (mf_streq(mf_str(h->pairs[i].val), "host-gateway"))
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

	if (!in->image_health || !mf_long_running(in->kind) || mf_get(p, "readiness") ||
	    mf_get(p, "liveness"))
		return;
	mf_finding(k, MF_RULE_K8S_NO_EQUIVALENT, at ? at->pos : in->pos, NULL,
		   "'%s' has no probe in '%s': Kubernetes does not run the image's HEALTHCHECK, "
		   "so a container that hangs keeps its traffic; add a readiness probe",
		   in->service, k->e->name);
}

/* settings.def entries Kubernetes has no field for */
static void k8s_no_equivalent(mf_chk *k)
{
	const mf_env *e = k->e;
	const mf_pair *p;

	for (size_t i = 0; k8s_env(e) && i < e->ninst; i++) {
		const mf_instance *in = &e->inst[i];
		if (!first_of_service(e, i))
			continue;
		k->in = in;
		for (size_t s = 0; s < mf_nsettings; s++)
			if (mf_settings[s].place == MF_K8S_NONE &&
			    (p = mf_get_pair(in->spec, mf_settings[s].key)) &&
			    p->val->kind != MF_NULL)
				mf_finding(k, MF_RULE_K8S_NO_EQUIVALENT, p->pos, NULL,
					   "'%s' of '%s' is not written in '%s': %s",
					   mf_settings[s].key, in->service, e->name,
					   mf_settings[s].lost);
		host_gateway(k, in);
		image_health(k, in);
	}
	k->in = NULL;
}

const mf_rule_impl mf_target_rules[] = {
	{MF_RULE_K8S_NO_EQUIVALENT, MF_SC_ENV, MF_RUN_CHECK, k8s_no_equivalent},
};
const size_t mf_target_nrules = MF_NELEM(mf_target_rules);
