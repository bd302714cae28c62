/* render: start-up order in Kubernetes (startupOrder): Argo CD sync waves, or init containers */
#include <string.h>
#include "depgraph.h"
#include "render.h"

/* dependsOn has no Kubernetes field.  An environment's `startupOrder` picks
 * how its objects carry it (docs/kubernetes.md#start-up-order):
 *   sync-waves       every object of a service is annotated with its start-up
 *                    wave (depgraph.h); Argo CD applies a wave once the one
 *                    before is healthy, so a Job of wave 1 has completed
 *   init-containers  each workload waits, in an init container per
 *                    dependency, for the dependency's Service to accept TCP
 *                    connections: a Service forwards to ready pods only
 * The objects rendered are changed in place, before anything reads them. */

#define SYNC_WAVE "argocd.argoproj.io/sync-wave"
/* sh, nc -z and sleep; pinned by digest (the image-latest and digest rules) */
#define WAIT_IMAGE                                                                          \
	"busybox:1.36.1@sha256:73aaf090f3d85aa34ee199857f03fa3a95c8ede2ffd4cc2cdb5b94e566b11662"

typedef enum su_mode { SU_NONE, SU_WAVES, SU_INIT } su_mode;

static const struct {
	const char *word;
	su_mode mode;
} modes[] = {
	{"none", SU_NONE},
	{"sync-waves", SU_WAVES},
	{"init-containers", SU_INIT},
};

typedef struct su {
	mf_ctx *c;
	mf_tb *tb;
	const mf_env *e;
	mf_objects *out;
	mf_depgraph g;
	const char *image;
	mf_pos image_pos;
	mf_hash services; /* "ns/name" -> the Service object's doc */
	mf_hash said;     /* diagnostics of the run, as diag_key() */
} su;

/* The environment's word beats its profile's; the base view has neither. */
static const mf_node *setting(const mf_env *e)
{
	const mf_node *v = mf_get(e->node, "startupOrder");

	return v ? v : mf_get(e->profile, "startupOrder");
}

static su_mode mode_of(const mf_node *v)
{
	const char *w = v && v->kind == MF_MAP ? mf_get_str(v, "mode") : mf_str(v);

	for (size_t i = 0; w && i < MF_NELEM(modes); i++)
		if (!strcmp(modes[i].word, w))
			return modes[i].mode;
	return SU_NONE; /* the schema admits no other word */
}

/* ---- sync waves -------------------------------------------------------------- */

static void annotate(su *u, mf_node *doc, size_t wave, mf_pos pos)
{
	mf_node *meta = mf_get(doc, "metadata"), *ann;

	if (meta && (ann = mf_tb_child(u->tb, meta, "annotations", pos)))
		mf_tb_put_str(u->tb, ann, SYNC_WAVE, mf_tb_printf(u->tb, "%zu", wave), pos);
}

/* A service's objects go in its wave; an Ingress, which routes to several
 * and whose health waits on the controller's load balancer, in the last.
 * What belongs to the namespace (the Namespace, quotas, ConfigMaps, the
 * default-deny policy) keeps Argo CD's default wave 0: before every service. */
static void sync_waves(su *u)
{
	for (size_t k = 0; k < u->out->n; k++) {
		const mf_object *o = &u->out->v[k];
		size_t w = 0, n;
		if (o->inst && (n = mf_depgraph_node(&u->g, o->inst->service)) != (size_t)-1)
			w = u->g.wave[n];
		else if (!o->inst && mf_streq(o->kind, "Ingress"))
			w = u->g.waves;
		if (w)
			annotate(u, o->doc, w, o->pos);
	}
}

/* ---- init containers ----------------------------------------------------------- */

static const char *diag_key(su *u, mf_pos pos, const char *code)
{
	return mf_tb_printf(u->tb, "%u:%u:%u:%s", pos.file, pos.line, pos.col, code);
}

/* Once per line and id over the run's environments (each renders alone). */
static void warn_once(su *u, mf_pos pos, const char *code, const char *msg, const char *note)
{
	mf_diag *d;

	if (mf_hash_get_str(&u->said, diag_key(u, pos, code)))
		return;
	if ((d = mf_diag_add(u->c, MF_SEV_WARNING, pos, code, "%s", msg)) && note)
		mf_diag_note(u->c, d, "%s", note);
}

static void index_run(su *u)
{
	for (size_t i = 0; i < u->c->ndiags; i++) {
		const char *k = diag_key(u, u->c->diags[i].pos, u->c->diags[i].code);
		mf_tb_hash_put(u->tb, &u->said, k, (void *)k);
	}
	for (size_t k = 0; k < u->out->n; k++) {
		const mf_object *o = &u->out->v[k];
		if (mf_streq(o->kind, "Service"))
			mf_tb_hash_put(u->tb, &u->services,
				       mf_tb_printf(u->tb, "%s/%s", mf_or(o->ns, ""), o->name),
				       o->doc);
	}
}

static mf_node *str_seq(su *u, const char *const *v, size_t n, mf_pos pos)
{
	mf_node *s = mf_tb_seq(u->tb, pos);

	for (size_t i = 0; i < n; i++)
		mf_tb_push(u->tb, s, mf_tb_str(u->tb, v[i], pos));
	return s;
}

/* What the restricted Pod Security Standard and the packs ask of a container. */
static mf_node *wait_security(su *u, mf_pos pos)
{
	static const char *const drop[] = {"ALL"};
	mf_node *m = mf_tb_map(u->tb, pos);

	mf_tb_put_bool(u->tb, m, "runAsNonRoot", true, pos);
	mf_tb_put_int(u->tb, m, "runAsUser", 65534, pos);
	mf_tb_put_int(u->tb, m, "runAsGroup", 65534, pos);
	mf_tb_put_bool(u->tb, m, "allowPrivilegeEscalation", false, pos);
	mf_tb_put_bool(u->tb, m, "readOnlyRootFilesystem", true, pos);
	mf_tb_put(u->tb, mf_tb_child(u->tb, m, "capabilities", pos), "drop",
		  str_seq(u, drop, 1, pos));
	mf_tb_put_str(u->tb, mf_tb_child(u->tb, m, "seccompProfile", pos), "type",
		      "RuntimeDefault", pos);
	return m;
}

static mf_node *wait_resources(su *u, mf_pos pos)
{
	mf_node *m = mf_tb_map(u->tb, pos), *req = mf_tb_child(u->tb, m, "requests", pos),
		*lim = mf_tb_child(u->tb, m, "limits", pos);

	mf_tb_put_str(u->tb, req, "cpu", "10m", pos);
	mf_tb_put_str(u->tb, req, "memory", "16Mi", pos);
	mf_tb_put_str(u->tb, lim, "cpu", "100m", pos);
	mf_tb_put_str(u->tb, lim, "memory", "32Mi", pos);
	return m;
}

/* A DNS-1123 label: "wait-" and the dependency, cut at 63 without a final '-'. */
static const char *wait_name(su *u, const char *dep)
{
	char *s = mf_tb_printf(u->tb, "wait-%s", dep);
	size_t n = s ? strlen(s) : 0;

	if (n > 63)
		n = 63;
	while (n && s[n - 1] == '-')
		n--;
	if (s)
		s[n] = '\0';
	return s;
}

static mf_node *wait_container(su *u, const char *dep, const char *host, const char *port,
			       mf_pos pos)
{
	mf_node *m = mf_tb_map(u->tb, pos);
	const char *script =
		mf_tb_printf(u->tb,
			     "until nc -z -w 2 %s %s; do echo 'waiting for %s:%s'; sleep 2; done",
			     host, port, host, port);
	const char *const cmd[] = {"sh", "-c", script};

	mf_tb_put_str(u->tb, m, "name", wait_name(u, dep), pos);
	mf_tb_put_str(u->tb, m, "image", u->image, u->image_pos);
	mf_tb_put(u->tb, m, "command", str_seq(u, cmd, 3, pos));
	mf_tb_put(u->tb, m, "resources", wait_resources(u, pos));
	mf_tb_put(u->tb, m, "securityContext", wait_security(u, pos));
	return m;
}

/* A Job's completion shows in the API only: an init container, which has
 * no access to it, cannot wait for it. */
static void job_warning(su *u, const mf_instance *in, const mf_instance *t, mf_pos pos)
{
	warn_once(u, pos, "startup-wait-job",
		  mf_tb_printf(u->tb,
			       "'%s' cannot wait in Kubernetes for job '%s' to complete: an init "
			       "container does not see a Job without access to the Kubernetes API",
			       in->service, t->service),
		  "'startupOrder: sync-waves' waits for it (Argo CD applies the next wave once "
		  "the Job has completed); so does a Helm pre-install hook");
}

/* The init container waiting for one dependency, or NULL (with a warning
 * when the dependency has nothing to connect to). */
static mf_node *wait_for(su *u, const mf_instance *in, const mf_pair *p)
{
	const mf_node *val = p->val, *svc, *port;
	const char *cond = val && val->kind == MF_MAP ? mf_get_str(val, "condition") : mf_str(val);
	const mf_instance *t = val && val->kind != MF_NULL ? mf_ref_target(in, p->key) : NULL;

	if (!t || t == in)
		return NULL; /* not in this environment: nothing to wait for */
	if (!mf_long_running(t->kind) || mf_streq(cond, "completed")) {
		job_warning(u, in, t, p->pos);
		return NULL;
	}
	svc = mf_hash_get_str(&u->services,
			      mf_tb_printf(u->tb, "%s/%s", mf_or(t->ns, ""), t->name));
	port = mf_path(svc, "spec.ports.0.port");
	if (!mf_str(port)) {
		warn_once(u, p->pos, "startup-wait-port",
			  mf_tb_printf(u->tb,
				       "'%s' cannot wait in Kubernetes for '%s': it has no Service "
				       "port to connect to",
				       in->service, t->service),
			  "give it a port, or use 'startupOrder: sync-waves'");
		return NULL;
	}
	return wait_container(u, t->service,
			      mf_streq(t->ns, in->ns)
				      ? t->name
				      : mf_tb_printf(u->tb, "%s.%s", t->name, t->ns),
			      mf_str(port), p->pos);
}

static mf_node *pod_spec_of(const mf_object *o)
{
	const mf_node *spec = mf_get(o->doc, "spec");

	if (mf_streq(o->kind, "CronJob"))
		spec = mf_path(spec, "jobTemplate.spec");
	return mf_path(spec, "template.spec");
}

/* initContainers goes just before containers, where people write it. */
static void put_before_containers(su *u, mf_node *pod, mf_node *inits)
{
	size_t at = pod->n;

	mf_tb_put(u->tb, pod, "initContainers", inits);
	if (u->tb->failed || !pod->n || strcmp(pod->pairs[pod->n - 1].key, "initContainers"))
		return;
	for (size_t i = 0; i + 1 < pod->n; i++)
		if (!strcmp(pod->pairs[i].key, "containers"))
			at = i;
	if (at >= pod->n)
		return;
	mf_pair p = pod->pairs[pod->n - 1];
	memmove(&pod->pairs[at + 1], &pod->pairs[at], (pod->n - 1 - at) * sizeof p);
	pod->pairs[at] = p;
	pod->index = NULL; /* the key index follows pair order */
}

static void init_containers(su *u)
{
	for (size_t k = 0; k < u->out->n; k++) {
		const mf_object *o = &u->out->v[k];
		mf_node *pod = o->inst ? pod_spec_of(o) : NULL, *inits;
		const mf_node *deps = o->inst ? mf_get(o->inst->spec, "dependsOn") : NULL;
		if (!pod || !deps || deps->kind != MF_MAP || !(inits = mf_tb_seq(u->tb, o->pos)))
			continue;
		for (size_t d = 0; d < deps->n; d++)
			mf_tb_push(u->tb, inits, wait_for(u, o->inst, &deps->pairs[d]));
		if (inits->n)
			put_before_containers(u, pod, inits);
	}
}

int mf_render_startup(mf_ctx *c, mf_tb *tb, const mf_env *e, mf_objects *out)
{
	const mf_node *v = setting(e);
	su u = {.c = c, .tb = tb, .e = e, .out = out, .image = WAIT_IMAGE};
	su_mode mode = mode_of(v);

	if (mode == SU_NONE || e->is_base)
		return 0;
	if (mf_get_str(v, "image"))
		u.image = mf_get_str(v, "image"), u.image_pos = mf_get(v, "image")->pos;
	else
		u.image_pos = v->pos;
	if (mode == SU_WAVES) {
		if (mf_depgraph_build(c, e, &u.g) < 0)
			return -1;
		if (u.g.ne)
			sync_waves(&u);
		return 0;
	}
	index_run(&u);
	init_containers(&u);
	return 0;
}
