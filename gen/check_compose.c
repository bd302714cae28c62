/* check: Compose services as pod specs, so the pod rules judge Compose files too */
#include <stdlib.h>
#include <string.h>
#include "check_impl.h"

/* Check runs it on the rendered Compose file of a Compose-only environment,
 * lint on hand-written Compose files: each service's settings land in the
 * pod and container fields the rules read. */

typedef struct adapt {
	mf_tb *tb; /* the run's: a failure is reported by mf_compose_objects() */
	const mf_node *svc;
	mf_node *pod, *ctr, *sec, *podsec;
	size_t nvols;
} adapt;

static mf_node *sec(adapt *a)
{
	if (!a->sec)
		a->sec = mf_tb_child(a->tb, a->ctr, "securityContext", a->ctr->pos);
	return a->sec;
}

static mf_node *podsec(adapt *a)
{
	if (!a->podsec)
		a->podsec = mf_tb_child(a->tb, a->pod, "securityContext", a->pod->pos);
	return a->podsec;
}

/* environment: {K: V} or ["K=V", "K"] */
static void adapt_env(adapt *a)
{
	const mf_node *env = mf_get(a->svc, "environment");
	mf_node *out = env ? mf_tb_child_seq(a->tb, a->ctr, "env", env->pos) : NULL;

	for (size_t i = 0; out && env->kind == MF_MAP && i < env->n; i++) {
		mf_node *e = mf_tb_map(a->tb, env->pairs[i].pos);
		mf_tb_put_str(a->tb, e, "name", env->pairs[i].key, env->pairs[i].pos);
		if (env->pairs[i].val && env->pairs[i].val->kind != MF_NULL)
			mf_tb_put(a->tb, e, "value", (mf_node *)env->pairs[i].val);
		mf_tb_push(a->tb, out, e);
	}
	for (size_t i = 0; out && env->kind == MF_SEQ && i < env->n; i++) {
		const char *s = mf_str(env->items[i]), *eq = s ? strchr(s, '=') : NULL;
		mf_node *e = mf_tb_map(a->tb, env->items[i]->pos);
		if (!s)
			continue;
		mf_tb_put(a->tb, e, "name",
			  mf_tb_strn(a->tb, s, eq ? (size_t)(eq - s) : strlen(s),
				     env->items[i]->pos));
		if (eq)
			mf_tb_put(a->tb, e, "value", mf_tb_str(a->tb, eq + 1, env->items[i]->pos));
		mf_tb_push(a->tb, out, e);
	}
}

/* Compose text as the container sees it: a variable reference the
 * renderer wrote ("${TAG:-1.4}", its fallback the environment's value) is
 * that value, "$$" is "$" (so a port or an image tag parses). */
static const char *as_resolved(mf_tb *tb, const char *s)
{
	char *out = s && strchr(s, '$') ? mf_tb_alloc(tb, strlen(s) + 1) : NULL, *q = out;

	if (!out)
		return s;
	while (*s) {
		const char *fb = !strncmp(s, "${", 2) ? strstr(s, ":-") : NULL,
			   *end = fb ? strchr(s, '}') : NULL;
		if (fb && end && fb < end) {
			for (s = fb + 2; *s && *s != '}'; s++)
				*q++ = *s == '$' && s[1] == '$' ? *s++ : *s;
			s += *s == '}';
			continue;
		}
		*q++ = *s == '$' && s[1] == '$' ? *s++ : *s;
		s++;
	}
	*q = 0;
	return out;
}

/* "[[ip:]host:]container[/proto]" (a range keeps its first port) */
static void short_port(adapt *a, mf_node *out, const mf_node *item)
{
	const char *s = as_resolved(a->tb, mf_str(item)), *slash, *last, *prev = NULL;
	mf_node *p = mf_tb_map(a->tb, item->pos);
	char *proto;

	if (!s)
		return;
	slash = strchr(s, '/');
	last = strrchr(s, ':');
	for (const char *q = s; last && q < last; q++)
		if (*q == ':')
			prev = q;
	mf_tb_put_int(a->tb, p, "containerPort", strtoll(last ? last + 1 : s, NULL, 10), item->pos);
	if (last)
		mf_tb_put_int(a->tb, p, "hostPort", strtoll(prev ? prev + 1 : s, NULL, 10),
			      item->pos);
	if (slash) {
		proto = mf_tb_printf(a->tb, "%s", slash + 1);
		for (char *c = proto; c && *c; c++)
			*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
		mf_tb_put_str(a->tb, p, "protocol", proto, item->pos);
	}
	mf_tb_push(a->tb, out, p);
}

static void adapt_ports(adapt *a)
{
	const mf_node *ports = mf_get(a->svc, "ports");
	mf_node *out = ports ? mf_tb_child_seq(a->tb, a->ctr, "ports", ports->pos) : NULL;

	for (size_t i = 0; out && ports->kind == MF_SEQ && i < ports->n; i++) {
		const mf_node *it = ports->items[i];
		mf_node *p;
		if (it->kind != MF_MAP) {
			short_port(a, out, it);
			continue;
		}
		p = mf_tb_map(a->tb, it->pos);
		mf_tb_put_int(a->tb, p, "containerPort",
			      strtoll(mf_or(mf_get_str(it, "target"), "0"), NULL, 10), it->pos);
		if (mf_get_str(it, "published"))
			mf_tb_put_int(a->tb, p, "hostPort",
				      strtoll(mf_get_str(it, "published"), NULL, 10), it->pos);
		mf_tb_push(a->tb, out, p);
	}
}

/* healthcheck -> readinessProbe (the probe rules know it is Compose's) */
static void adapt_health(adapt *a)
{
	const mf_node *hc = mf_get(a->svc, "healthcheck"), *test = mf_get(hc, "test");
	mf_node *probe, *exec;
	long long s;

	if (!test || mf_is_true(mf_get(hc, "disable")))
		return;
	if (test->kind == MF_SEQ && test->n && mf_str(test->items[0]) &&
	    !strcmp(mf_str(test->items[0]), "NONE"))
		return;
	probe = mf_tb_child(a->tb, a->ctr, "readinessProbe", hc->pos);
	exec = mf_tb_child(a->tb, probe, "exec", test->pos);
	mf_tb_put(a->tb, exec, "command", (mf_node *)test);
	if ((s = mf_seconds(mf_get(hc, "interval"))) >= 0)
		mf_tb_put_int(a->tb, probe, "periodSeconds", s, mf_get(hc, "interval")->pos);
	if ((s = mf_seconds(mf_get(hc, "timeout"))) >= 0)
		mf_tb_put_int(a->tb, probe, "timeoutSeconds", s, mf_get(hc, "timeout")->pos);
}

static void adapt_resources(adapt *a)
{
	static const struct {
		const char *from, *to;
	} map[] = {{"deploy.resources.limits.cpus", "limits.cpu"},
		   {"deploy.resources.limits.memory", "limits.memory"},
		   {"deploy.resources.reservations.cpus", "requests.cpu"},
		   {"deploy.resources.reservations.memory", "requests.memory"},
		   {"cpus", "limits.cpu"},
		   {"mem_limit", "limits.memory"},
		   {"mem_reservation", "requests.memory"}};
	mf_node *res = NULL;

	for (size_t i = 0; i < MF_NELEM(map); i++) {
		const mf_node *v = mf_path(a->svc, map[i].from);
		const char *dot = strchr(map[i].to, '.');
		if (!v)
			continue;
		if (!res)
			res = mf_tb_child(a->tb, a->ctr, "resources", v->pos);
		mf_tb_put(
			a->tb,
			mf_tb_child(a->tb, res,
				    mf_tb_printf(a->tb, "%.*s", (int)(dot - map[i].to), map[i].to),
				    v->pos),
			dot + 1, (mf_node *)v);
	}
}

static bool opt_is(const char *s, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(s, name, n) && (s[n] == ':' || s[n] == '=');
}

/* security_opt: no-new-privileges, seccomp, apparmor, label */
static void adapt_opts(adapt *a)
{
	const mf_node *opts = mf_get(a->svc, "security_opt");
	bool unconfined = false;

	for (size_t i = 0; opts && opts->kind == MF_SEQ && i < opts->n; i++) {
		const char *s = mf_str(opts->items[i]);
		mf_pos at = opts->items[i]->pos;
		if (!s)
			continue;
		if (!strcmp(s, "no-new-privileges") || !strcmp(s, "no-new-privileges:true") ||
		    !strcmp(s, "no-new-privileges=true"))
			mf_tb_put_bool(a->tb, sec(a), "allowPrivilegeEscalation", false, at);
		else if (opt_is(s, "seccomp") && !strcmp(s + 8, "unconfined"))
			unconfined = true,
			mf_tb_put_str(a->tb, mf_tb_child(a->tb, sec(a), "seccompProfile", at),
				      "type", "Unconfined", at);
		else if (opt_is(s, "apparmor") && !strcmp(s + 9, "unconfined"))
			mf_tb_put_str(a->tb, mf_tb_child(a->tb, sec(a), "appArmorProfile", at),
				      "type", "Unconfined", at);
		else if (opt_is(s, "label") && !strncmp(s + 6, "type:", 5))
			mf_tb_put_str(a->tb, mf_tb_child(a->tb, sec(a), "seLinuxOptions", at),
				      "type", s + 11, at);
		else if (opt_is(s, "label") &&
			 (!strncmp(s + 6, "user:", 5) || !strncmp(s + 6, "role:", 5)))
			mf_tb_put_str(a->tb, mf_tb_child(a->tb, sec(a), "seLinuxOptions", at),
				      s[6] == 'u' ? "user" : "role", s + 11, at);
	}
	/* Docker applies its default seccomp profile unless told not to */
	if (!unconfined)
		mf_tb_put_str(a->tb, mf_tb_child(a->tb, podsec(a), "seccompProfile", a->pod->pos),
			      "type", "RuntimeDefault", a->pod->pos);
}

static void adapt_user(adapt *a)
{
	const mf_node *u = mf_get(a->svc, "user");
	const char *s = mf_str(u);
	size_t n = s ? strcspn(s, ":") : 0;

	if (!s || !n)
		return;
	if ((n == 1 && s[0] == '0') || (n == 4 && !strncmp(s, "root", 4)))
		mf_tb_put_int(a->tb, sec(a), "runAsUser", 0, u->pos);
	else
		mf_tb_put_bool(a->tb, sec(a), "runAsNonRoot", true, u->pos);
}

static void adapt_security(adapt *a)
{
	static const struct {
		const char *compose, *k8s;
	} ns[] = {{"network_mode", "hostNetwork"}, {"pid", "hostPID"}, {"ipc", "hostIPC"}};
	const mf_node *v, *sysctls = mf_get(a->svc, "sysctls");

	if ((v = mf_get(a->svc, "privileged")) && mf_is_true(v))
		mf_tb_put(a->tb, sec(a), "privileged", (mf_node *)v);
	if ((v = mf_get(a->svc, "read_only")))
		mf_tb_put(a->tb, sec(a), "readOnlyRootFilesystem", (mf_node *)v);
	if ((v = mf_get(a->svc, "cap_add")))
		mf_tb_put(a->tb, mf_tb_child(a->tb, sec(a), "capabilities", v->pos), "add",
			  (mf_node *)v);
	if ((v = mf_get(a->svc, "cap_drop")))
		mf_tb_put(a->tb, mf_tb_child(a->tb, sec(a), "capabilities", v->pos), "drop",
			  (mf_node *)v);
	for (size_t i = 0; i < MF_NELEM(ns); i++)
		if ((v = mf_get(a->svc, ns[i].compose)) && mf_str(v) && !strcmp(mf_str(v), "host"))
			mf_tb_put_bool(a->tb, a->pod, ns[i].k8s, true, v->pos);
	adapt_user(a);
	adapt_opts(a);
	for (size_t i = 0; sysctls && sysctls->kind == MF_MAP && i < sysctls->n; i++) {
		mf_node *e = mf_tb_map(a->tb, sysctls->pairs[i].pos);
		mf_tb_put_str(a->tb, e, "name", sysctls->pairs[i].key, sysctls->pairs[i].pos);
		mf_tb_push(a->tb, mf_tb_child_seq(a->tb, podsec(a), "sysctls", sysctls->pos), e);
	}
}

static void add_volume(adapt *a, const char *type, const char *key, const char *value, mf_pos at)
{
	mf_node *v = mf_tb_map(a->tb, at);

	mf_tb_put_str(a->tb, v, "name", mf_tb_printf(a->tb, "volume-%zu", a->nvols++), at);
	mf_tb_put_str(a->tb, mf_tb_child(a->tb, v, type, at), key, value, at);
	mf_tb_push(a->tb, mf_tb_child_seq(a->tb, a->pod, "volumes", at), v);
}

/* volumes: absolute host paths are hostPath volumes, named volumes claims;
 * relative binds (the project's own files) are left out */
static void adapt_volumes(adapt *a)
{
	const mf_node *vols = mf_get(a->svc, "volumes");

	for (size_t i = 0; vols && vols->kind == MF_SEQ && i < vols->n; i++) {
		const mf_node *it = vols->items[i];
		const char *src = it->kind == MF_MAP ? mf_get_str(it, "source") : mf_str(it),
			   *colon;
		char *s;
		if (!src)
			continue;
		colon = it->kind == MF_MAP ? NULL : strchr(src, ':');
		s = colon ? mf_tb_printf(a->tb, "%.*s", (int)((size_t)(colon - src)), src)
			  : mf_tb_printf(a->tb, "%s", src);
		if (!s || (!colon && it->kind != MF_MAP))
			continue;
		if (s[0] == '/')
			add_volume(a, "hostPath", "path", s, it->pos);
		else if (s[0] != '.' && s[0] != '~')
			add_volume(a, "persistentVolumeClaim", "claimName", s, it->pos);
	}
}

static void adapt_command(adapt *a, const char *from, const char *to)
{
	const mf_node *v = mf_get(a->svc, from);

	if (!v)
		return;
	if (v->kind == MF_SEQ) {
		mf_tb_put(a->tb, a->ctr, to, (mf_node *)v);
		return;
	}
	/* a string is split into words, as Compose splits it */
	if (v->kind == MF_STR)
		mf_tb_put(a->tb, a->ctr, to, mf_command_argv(a->tb, v, NULL));
}

/* Compose has no runAsNonRoot: what the description asks for stands (the
 * checks judge the description, and Compose cannot say it). */
static void adapt_intent(adapt *a, const mf_instance *in)
{
	const mf_node *v = in ? mf_path(in->spec, "security.runAsNonRoot") : NULL;

	if (mf_is_true(v) && !mf_get(sec(a), "runAsNonRoot") && !mf_get(sec(a), "runAsUser"))
		mf_tb_put(a->tb, sec(a), "runAsNonRoot", (mf_node *)v);
}

static mf_node *compose_pod(mf_tb *tb, const char *name, const mf_node *svc, const mf_instance *in)
{
	adapt a = {.tb = tb, .svc = svc};

	a.pod = mf_tb_map(tb, svc->pos);
	a.ctr = mf_tb_map(tb, svc->pos);
	if (!a.pod || !a.ctr)
		return NULL;
	mf_tb_push(tb, mf_tb_child_seq(tb, a.pod, "containers", svc->pos), a.ctr);
	/* the container is the service (a tenant's copy included) */
	mf_tb_put_str(tb, a.ctr, "name", in ? in->service : name, svc->pos);
	mf_tb_put(tb, a.ctr, "image",
		  mf_get_str(svc, "image") && strchr(mf_get_str(svc, "image"), '$')
			  ? mf_tb_str(tb, as_resolved(tb, mf_get_str(svc, "image")),
				      mf_get(svc, "image")->pos)
			  : (mf_node *)mf_get(svc, "image"));
	adapt_command(&a, "entrypoint", "command");
	adapt_command(&a, "command", "args");
	adapt_env(&a);
	adapt_ports(&a);
	adapt_health(&a);
	adapt_resources(&a);
	adapt_security(&a);
	adapt_volumes(&a);
	adapt_intent(&a, in);
	return a.pod;
}

/* labels: {K: V} or ["K=V"] -> metadata.labels, where the secret rules read them */
static void adapt_labels(mf_tb *tb, mf_node *doc, const mf_node *svc)
{
	const mf_node *labels = mf_get(svc, "labels");
	mf_node *out;

	if (labels && labels->kind == MF_MAP) {
		mf_tb_put(tb, mf_tb_child(tb, doc, "metadata", labels->pos), "labels",
			  (mf_node *)labels);
		return;
	}
	if (!labels || labels->kind != MF_SEQ)
		return;
	out = mf_tb_child(tb, mf_tb_child(tb, doc, "metadata", labels->pos), "labels", labels->pos);
	for (size_t i = 0; out && i < labels->n; i++) {
		const char *s = mf_str(labels->items[i]), *eq = s ? strchr(s, '=') : NULL;
		if (eq)
			mf_tb_put(tb, out, mf_tb_printf(tb, "%.*s", (int)(eq - s), s),
				  mf_tb_str(tb, eq + 1, labels->items[i]->pos));
	}
}

static const mf_instance *instance_named(const mf_env *e, const char *compose_name)
{
	for (size_t i = 0; e && i < e->ninst; i++)
		if (!strcmp(e->inst[i].compose_name, compose_name))
			return &e->inst[i];
	return NULL;
}

/* Objects stop at the first failed allocation: checks run on whole pods only. */
int mf_compose_objects(mf_chk *k, const mf_node *compose, const mf_env *e, mf_objects *out)
{
	const mf_node *svcs = mf_get(compose, "services");
	mf_tb tb = {.a = k->c->a};

	for (size_t i = 0; svcs && svcs->kind == MF_MAP && i < svcs->n && !tb.failed; i++) {
		const mf_pair *p = &svcs->pairs[i];
		const mf_node *svc = p->val;
		mf_node *doc = mf_tb_map(&tb, svc ? svc->pos : p->pos), *pod;
		mf_object o = {.kind = "compose", .name = p->key, .doc = doc, .pos = p->pos};
		o.inst = instance_named(e, p->key);
		if (!svc || svc->kind != MF_MAP || !(pod = compose_pod(&tb, p->key, svc, o.inst)))
			continue;
		mf_tb_put(&tb, doc, "spec", pod);
		adapt_labels(&tb, doc, svc);
		mf_tb_put(&tb, doc, "replicas", (mf_node *)mf_path(svc, "deploy.replicas"));
		mf_tb_put(&tb, doc, "profiles", (mf_node *)mf_get(svc, "profiles"));
		if (mf_get_str(svc, "restart") && !strcmp(mf_get_str(svc, "restart"), "no"))
			mf_tb_put_bool(&tb, doc, "once", true, svc->pos);
		o.group = mf_tb_printf(&tb, "services.%s", p->key);
		if (!tb.failed && mf_objects_add(k->c, out, &o) < 0)
			return -1;
	}
	if (tb.failed)
		return mf_error(k->c, compose->pos, "internal",
				"out of memory adapting Compose services");
	return 0;
}
