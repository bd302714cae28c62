/* render: the Compose document of one environment and what sits beside it */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render.h"

/* docs/compose.md explains every rule below; the short version:
 *  - the file follows the Compose Specification (docker-compose 1.29, end of
 *    life since 2023, is not a target): a top-level `name` (the project),
 *    `depends_on.required: false` for an optional dependency, published
 *    ports in short syntax bound to 127.0.0.1, config volumes as bind
 *    mounts of generated files;
 *  - a required dependency is never switched off by a profile: the
 *    dependent's profiles are added to it (or its profiles dropped);
 *  - description text is literal: every '$' is written '$$'. */

#define LOOPBACK "127.0.0.1"

typedef struct dep {
	size_t to;        /* index into e->inst */
	const char *cond; /* healthy, started, completed (description words) */
	bool required;
	mf_pos pos;
} dep;

typedef struct info {
	const char **prof; /* sorted profile names; none: always started */
	size_t nprof;
	dep *deps;
	size_t ndeps;
	bool health; /* gets a healthcheck */
} info;

typedef struct rc {
	mf_ctx *c;
	const mf_system *s;
	const mf_env *e;
	const mf_render_opts *o;
	info *info;
	mf_node *doc, *services, *volumes, *secrets;
	mf_node *vars;   /* side: VAR -> {what, users} */
	mf_node *sfiles; /* side: secret file path -> {what, users} */
	mf_node *files;  /* side: generated file path -> text */
	mf_hash users;   /* "ENTRY\nUSER": a user a side entry lists already; "scheduling\nPOS" */
	mf_tb tb;        /* everything built; tb.failed is reported once, at the end */
	int rc;
} rc;

/* ---- small helpers ------------------------------------------------------ */

/* Every finding names the environment it was rendered for. */
__attribute__((format(printf, 5, 6))) static mf_diag *diag(rc *r, mf_severity sev, mf_pos pos,
							   const char *code, const char *fmt, ...)
{
	va_list ap;
	mf_diag *d;
	char *msg;

	va_start(ap, fmt);
	msg = mf_vprintf(r->c->a, fmt, ap);
	va_end(ap);
	r->tb.failed |= !msg;
	if (sev == MF_SEV_ERROR)
		r->rc = -1;
	if ((d = mf_diag_add(r->c, sev, pos, code, "%s", msg ? msg : fmt)) != NULL)
		d->env = r->e->name;
	r->tb.failed |= !d; /* NULL only when out of memory */
	return d;
}

/* Description text is literal in Compose too: '$' would start interpolation. */
static mf_node *lit(rc *r, const char *s, mf_pos pos)
{
	size_t n = 0, len;
	char *out, *q;

	if (!s)
		return NULL;
	if ((out = (char *)mf_vars_compose(&r->tb, r->e, pos, s)) != NULL)
		return mf_tb_str(&r->tb, out, pos); /* variables stay Compose's */
	for (const char *p = s; *p; p++)
		n += *p == '$';
	if (!n)
		return mf_tb_str(&r->tb, s, pos);
	len = strlen(s);
	if (!(out = mf_tb_alloc(&r->tb, len + n + 1)))
		return NULL;
	for (q = out; *s; s++) {
		if (*s == '$')
			*q++ = '$';
		*q++ = *s;
	}
	return mf_tb_str(&r->tb, out, pos);
}

static mf_pos pos_of(const mf_node *n, mf_pos dflt)
{
	return n ? n->pos : dflt;
}

/* Single-quoted for /bin/sh: ' becomes '\''. */
static const char *shq(rc *r, const char *s)
{
	const char *out = s ? "'" : NULL;

	for (const char *p = s; out && *p; p++)
		out = *p == '\'' ? mf_tb_printf(&r->tb, "%s'\\''", out)
				 : mf_tb_printf(&r->tb, "%s%c", out, *p);
	return out ? mf_tb_printf(&r->tb, "%s'", out) : NULL;
}

/* ---- paths ---------------------------------------------------------------- */

/* A path as written, without "./" segments and doubled slashes. */
static const char *tidy(rc *r, const char *path)
{
	char *out = mf_tb_alloc(&r->tb, strlen(path) + 1), *q = out;

	for (const char *p = path; out && *p;) {
		size_t n = strcspn(p, "/");
		if (n && !(n == 1 && *p == '.')) {
			if (q != out || path[0] == '/')
				*q++ = '/';
			memcpy(q, p, n);
			q += n;
		}
		p += n + (p[n] == '/');
	}
	if (out)
		*q = 0;
	return out && *out ? out : path[0] == '/' ? "/" : ".";
}

/* A relative path written in the description (relative to its file), as
 * seen from OUT/compose/<env>/compose.yaml.  An output folder (or a
 * description) outside the working directory would make the Compose file
 * name this machine's own folders: an error. */
static const char *from_source(rc *r, const char *path, mf_pos pos)
{
	const char *root = r->o->source_root;

	if (!path || path[0] == '/' || path[0] == '~')
		return path ? tidy(r, path) : NULL;
	path = tidy(r, path);
	if (!root || !strcmp(root, "."))
		return strncmp(path, "..", 2) && strcmp(path, ".")
			       ? mf_tb_printf(&r->tb, "./%s", path)
			       : path; /* "./x": a relative path, never a volume's name */
	if (r->o->root_outside) {
		diag(r, MF_SEV_ERROR, pos, "compose-path",
		     "'%s' is relative to the description, which the Compose file would reach "
		     "through this machine's folders ('%s'): build with the description and the "
		     "output folder (-o) inside the working directory, or make the path absolute",
		     path, root);
		return path;
	}
	return strcmp(path, ".") ? mf_tb_printf(&r->tb, "%s/%s", tidy(r, root), path)
				 : tidy(r, root);
}

/* ---- quantities and durations -------------------------------------------- */

/* Millicores as decimal CPUs, exactly: 500 -> "0.5", 2000 -> "2". */
static const char *cpus_text(rc *r, long long m)
{
	char buf[48];
	size_t n;

	if (m % 1000 == 0)
		return mf_tb_printf(&r->tb, "%lld", m / 1000);
	snprintf(buf, sizeof buf, "%lld.%03lld", m / 1000, m % 1000);
	n = strlen(buf);
	while (buf[n - 1] == '0')
		buf[--n] = '\0';
	return mf_tb_printf(&r->tb, "%s", buf);
}

/* Bytes in the largest of Compose's 1024-based units that divides them:
 * 2Gi -> "2g", 1.5Gi -> "1536m", 512M -> "500000k", 1G -> "1000000000b". */
static const char *bytes_text(rc *r, long long b)
{
	static const struct {
		char unit;
		long long size;
	} units[] = {{'g', 1LL << 30}, {'m', 1LL << 20}, {'k', 1LL << 10}};

	for (size_t i = 0; b > 0 && i < MF_NELEM(units); i++)
		if (b % units[i].size == 0)
			return mf_tb_printf(&r->tb, "%lld%c", b / units[i].size, units[i].unit);
	return mf_tb_printf(&r->tb, "%lldb", b);
}

/* A duration (int seconds, or "1m30s", "500ms") in milliseconds; -1 if invalid. */
static long long dur_ms(const mf_node *n)
{
	static const struct {
		const char *unit;
		long long ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
	const char *s = mf_str(n);
	long long total = 0;

	if (n && n->kind == MF_INT)
		return n->v.i * 1000;
	while (s && *s) {
		char *end;
		long long v = strtoll(s, &end, 10);
		size_t i = 0;
		while (i < MF_NELEM(units) && strncmp(end, units[i].unit, strlen(units[i].unit)))
			i++;
		if (end == s || i == MF_NELEM(units))
			return -1;
		total += v * units[i].ms;
		s = end + strlen(units[i].unit);
	}
	return s ? total : -1;
}

static const char *dur_text(rc *r, long long ms)
{
	return ms % 1000 ? mf_tb_printf(&r->tb, "%lldms", ms)
			 : mf_tb_printf(&r->tb, "%llds", ms / 1000);
}

/* ---- profiles and dependencies ------------------------------------------- */

static bool prof_has(const info *f, const char *p)
{
	for (size_t i = 0; i < f->nprof; i++)
		if (!strcmp(f->prof[i], p))
			return true;
	return false;
}

static void prof_add(rc *r, info *f, const char *p)
{
	const char **grown;
	size_t at = 0;

	if (prof_has(f, p))
		return;
	if (!(grown = mf_tb_alloc(&r->tb, (f->nprof + 1) * sizeof *grown)))
		return;
	while (at < f->nprof && strcmp(f->prof[at], p) < 0)
		at++;
	for (size_t i = 0; i < f->nprof; i++)
		grown[i < at ? i : i + 1] = f->prof[i];
	grown[at] = p;
	f->prof = grown;
	f->nprof++;
}

/* services.*.profiles, the tenant's name; a cronjob never starts on a bare
 * `up` (Compose has no scheduler), so it gets "cronjobs" when it has none. */
static void own_profiles(rc *r, size_t i)
{
	const mf_instance *in = &r->e->inst[i];
	const mf_node *ps = mf_get(in->spec, "profiles");
	info *f = &r->info[i];

	if (in->tenant)
		prof_add(r, f, in->tenant->name);
	for (size_t k = 0; ps && k < ps->n; k++)
		if (mf_str(ps->items[k]))
			prof_add(r, f, mf_str(ps->items[k]));
	if (in->kind == MF_W_CRONJOB && !f->nprof)
		prof_add(r, f, "cronjobs");
}

/* True when some set of enabled profiles starts `d` but not `t`. */
static bool switchable(const info *d, const info *t)
{
	if (!t->nprof)
		return false;
	if (!d->nprof)
		return true;
	for (size_t i = 0; i < d->nprof; i++)
		if (!prof_has(t, d->prof[i]))
			return true;
	return false;
}

/* A required dependency starts whenever its dependent does: to a fixpoint,
 * since dependencies chain. */
static void propagate(rc *r)
{
	bool changed = true;

	while (changed && !r->tb.failed) {
		changed = false;
		for (size_t i = 0; i < r->e->ninst; i++) {
			info *d = &r->info[i];
			for (size_t k = 0; k < d->ndeps; k++) {
				info *t = &r->info[d->deps[k].to];
				if (!d->deps[k].required || !switchable(d, t))
					continue;
				changed = true;
				if (!d->nprof)
					t->nprof = 0;
				for (size_t p = 0; p < d->nprof; p++)
					prof_add(r, t, d->prof[p]);
			}
		}
	}
}

static const mf_node *probe_of(const mf_node *spec)
{
	const mf_node *p = mf_get(spec, "probes");

	if (mf_get(p, "readiness"))
		return mf_get(p, "readiness");
	return mf_get(p, "liveness") ? mf_get(p, "liveness") : mf_get(p, "startup");
}

/* services.*.dependsOn: "healthy" | {condition, required}; a dependency on a
 * per-tenant service is the same tenant's instance (mf_ref_target). */
static void collect_deps(rc *r, size_t i)
{
	const mf_instance *in = &r->e->inst[i];
	const mf_node *deps = mf_get(in->spec, "dependsOn");
	info *f = &r->info[i];

	if (!deps || !(f->deps = mf_tb_alloc(&r->tb, (deps->n + 1) * sizeof *f->deps)))
		return;
	for (size_t k = 0; k < deps->n; k++) {
		const mf_node *v = deps->pairs[k].val;
		const mf_instance *t = mf_ref_target(in, deps->pairs[k].key);
		dep *d = &f->deps[f->ndeps];
		if (!t || t == in)
			continue;
		d->to = (size_t)(t - r->e->inst);
		d->cond = v && v->kind == MF_STR ? mf_str(v) : mf_get_str(v, "condition");
		d->required = v && v->kind == MF_MAP ? mf_get_bool(v, "required", true) : true;
		d->pos = deps->pairs[k].pos;
		f->ndeps++;
	}
}

static const struct {
	const char *word, *compose;
} conditions[] = {
	{"healthy", "service_healthy"},
	{"started", "service_started"},
	{"completed", "service_completed_successfully"},
};

/* Without a condition: a job is waited for to finish, a service with a
 * probe to be healthy, anything else to have started. */
static const char *condition_of(rc *r, const mf_instance *from, const dep *d)
{
	const mf_instance *t = &r->e->inst[d->to];
	const char *w = d->cond;

	if (!w)
		w = t->kind == MF_W_JOB     ? "completed"
		    : r->info[d->to].health ? "healthy"
					    : "started";
	/* the depends-on-unhealthy rule reports this; Compose can only wait for a start */
	if (!strcmp(w, "healthy") && !r->info[d->to].health)
		w = "started";
	for (size_t i = 0; i < MF_NELEM(conditions); i++)
		if (!strcmp(conditions[i].word, w))
			return conditions[i].compose;
	return "service_started";
}

/* A dependency on another machine's file: Compose cannot wait for it.
 * Once per line, as a template's dependsOn is one edit. */
static void remote_depends(rc *r, const mf_instance *in, const mf_instance *t, mf_pos pos)
{
	const char *at = mf_tb_printf(&r->tb, "machine-depends\n%u:%u:%u", (unsigned)pos.file,
				      (unsigned)pos.line, (unsigned)pos.col);

	if (at && mf_tb_hash_put(&r->tb, &r->users, at, (void *)at) == at)
		diag(r, MF_SEV_WARNING, pos, "compose-machine-depends",
		     "'%s' on machine '%s' depends on '%s' on machine '%s': Compose cannot wait "
		     "across machines, so it is left out of 'depends_on' (start '%s' first)",
		     in->compose_name, mf_or(in->machine, "(none)"), t->compose_name,
		     mf_or(t->machine, "(none)"), t->machine ? t->machine : "compose.yaml");
}

/* Long form, sorted; an optional dependency says `required: false`, so a
 * profile may leave it off and the dependent still starts. */
static void put_depends(rc *r, size_t i, mf_node *svc)
{
	const mf_instance *in = &r->e->inst[i];
	const info *f = &r->info[i];
	mf_node *deps = NULL;

	for (size_t k = 0; k < f->ndeps; k++) {
		const dep *d = &f->deps[k];
		const mf_instance *t = &r->e->inst[d->to];
		mf_node *one;
		if (!mf_compose_same_host(in, t)) {
			remote_depends(r, in, t, d->pos);
			continue;
		}
		if (!deps)
			deps = mf_tb_child(&r->tb, svc, "depends_on", d->pos);
		one = mf_tb_map(&r->tb, d->pos);
		mf_tb_put(&r->tb, one, "condition",
			  mf_tb_str(&r->tb, condition_of(r, in, d), d->pos));
		if (!d->required)
			mf_tb_put_bool(&r->tb, one, "required", false, d->pos);
		mf_tb_put(&r->tb, deps, t->compose_name, one);
	}
	mf_map_sort(deps);
}

/* ---- healthchecks --------------------------------------------------------- */

/* probes.*.{http,tcp,grpc}.port: a name or number; absent: the first port. */
static long long probe_port(const mf_instance *in, const mf_node *port)
{
	const mf_node *ports = mf_get(in->spec, "ports"), *p;

	if (port && port->kind == MF_INT)
		return port->v.i;
	p = port                ? mf_port_of(in->spec, port, NULL)
	    : ports && ports->n ? ports->pairs[0].val
				: NULL;
	return p ? mf_port_number(p) : -1;
}

/* curl, else wget: whichever the image has (docs/compose.md). */
static const char *http_test(rc *r, const mf_instance *in, const mf_node *http)
{
	const mf_node *hdrs = mf_get(http, "headers");
	const char *scheme = mf_get_str(http, "scheme");
	bool tls = scheme && !strcmp(scheme, "HTTPS");
	const char *url, *curl = "curl -fsS", *wget = "wget -q";
	long long port = probe_port(in, mf_get(http, "port"));

	if (port < 0)
		return NULL;
	url = shq(r, mf_tb_printf(&r->tb, "%s://" LOOPBACK ":%lld%s", tls ? "https" : "http", port,
				  mf_get_str(http, "path")));
	if (tls) {
		curl = "curl -fsSk";
		wget = "wget -q --no-check-certificate";
	}
	for (size_t i = 0; hdrs && i < hdrs->n; i++) {
		const char *h = mf_tb_printf(&r->tb, "%s: %s", hdrs->pairs[i].key,
					     mf_str(hdrs->pairs[i].val));
		curl = mf_tb_printf(&r->tb, "%s -H %s", curl, shq(r, h));
		wget = mf_tb_printf(&r->tb, "%s --header=%s", wget, shq(r, h));
	}
	return mf_tb_printf(&r->tb, "%s %s >/dev/null || %s -O /dev/null %s || exit 1", curl, url,
			    wget, url);
}

/* nc -z, else bash's /dev/tcp. */
static const char *tcp_test(rc *r, const mf_instance *in, const mf_node *tcp)
{
	long long port = probe_port(in, mf_get(tcp, "port"));

	if (port < 0)
		return NULL;
	return mf_tb_printf(&r->tb,
			    "nc -z " LOOPBACK " %lld || bash -c ': >/dev/tcp/" LOOPBACK
			    "/%lld' || exit 1",
			    port, port);
}

static const char *grpc_test(rc *r, const mf_instance *in, const mf_node *grpc)
{
	long long port = probe_port(in, mf_get(grpc, "port"));
	const char *svc = mf_get_str(grpc, "service");

	if (port < 0)
		return NULL;
	return mf_tb_printf(&r->tb, "grpc_health_probe -addr=" LOOPBACK ":%lld%s%s", port,
			    svc ? " -service=" : "", svc ? shq(r, svc) : "");
}

/* A command: a list runs as is ("CMD" first unless it names its form), a
 * string by the shell. */
static mf_node *test_of_command(rc *r, const mf_node *cmd)
{
	static const char *const forms[] = {"CMD", "CMD-SHELL", "NONE"};
	mf_node *t = mf_tb_seq(&r->tb, cmd->pos);
	const char *script;
	mf_node *argv = mf_command_argv(&r->tb, cmd, &script);
	bool named = false;

	if (script) {
		mf_tb_push(&r->tb, t, mf_tb_str(&r->tb, "CMD-SHELL", cmd->pos));
		mf_tb_push(&r->tb, t, lit(r, script, cmd->pos));
		return t;
	}
	for (size_t i = 0; cmd->kind == MF_SEQ && cmd->n && mf_str(cmd->items[0]) && i < 3; i++)
		named |= !strcmp(mf_str(cmd->items[0]), forms[i]);
	if (!named)
		mf_tb_push(&r->tb, t, mf_tb_str(&r->tb, "CMD", cmd->pos));
	for (size_t i = 0; argv && i < argv->n; i++)
		mf_tb_push(&r->tb, t, lit(r, mf_str(argv->items[i]), argv->items[i]->pos));
	return t;
}

static mf_node *test_of_probe(rc *r, const mf_instance *in, const mf_node *probe)
{
	static const struct {
		const char *key;
		const char *(*fn)(rc *, const mf_instance *, const mf_node *);
	} kinds[] = {{"http", http_test}, {"tcp", tcp_test}, {"grpc", grpc_test}};
	mf_node *t;

	if (mf_get(probe, "exec"))
		return test_of_command(r, mf_get(probe, "exec"));
	for (size_t i = 0; i < MF_NELEM(kinds); i++) {
		const mf_node *k = mf_get(probe, kinds[i].key);
		const char *cmd = k ? kinds[i].fn(r, in, k) : NULL;
		if (!k)
			continue;
		if (!cmd) {
			diag(r, MF_SEV_ERROR, k->pos, "compose-probe-port",
			     "the probe of '%s' names no port it has: set 'port' or "
			     "'probes.compose'",
			     in->compose_name);
			return NULL;
		}
		t = mf_tb_seq(&r->tb, k->pos);
		mf_tb_push(&r->tb, t, mf_tb_str(&r->tb, "CMD-SHELL", k->pos));
		mf_tb_push(&r->tb, t, lit(r, cmd, k->pos));
		return t;
	}
	return NULL;
}

static long long probe_ms(const mf_node *probe, const char *key, long long dflt)
{
	long long ms = dur_ms(mf_get(probe, key));

	return ms < 0 ? dflt : ms;
}

/* start_period: the probe's initial delay, or the whole time a startup
 * probe allows (initialDelay + period * failureThreshold), whichever is longer. */
static long long start_ms(const mf_node *probes, const mf_node *probe)
{
	const mf_node *st = mf_get(probes, "startup");
	long long ms = probe_ms(probe, "initialDelay", 0), sm;

	if (!st)
		return ms;
	sm = probe_ms(st, "initialDelay", 0) +
	     probe_ms(st, "period", 10000) * mf_get_int(st, "failureThreshold", 3);
	return sm > ms ? sm : ms;
}

/* Kubernetes defaults where the probe says nothing: 10s, 1s, 3 failures. */
static void put_health(rc *r, const mf_instance *in, mf_node *svc)
{
	const mf_node *probes = mf_get(in->spec, "probes"), *probe = probe_of(in->spec);
	const mf_node *over = mf_get(probes, "compose");
	mf_pos at = over ? over->pos : pos_of(probe, in->pos);
	mf_node *hc, *test;
	long long sp;

	/* probes.image: the image's HEALTHCHECK applies, as with no healthcheck key */
	if (!mf_long_running(in->kind) || (!probe && !over) || in->image_health)
		return;
	if (!(test = over ? test_of_command(r, over) : test_of_probe(r, in, probe)))
		return;
	hc = mf_tb_child(&r->tb, svc, "healthcheck", at);
	mf_tb_put(&r->tb, hc, "test", test);
	/* a Compose test and no probe: its timing is Docker's, unstated */
	if (!probe)
		return;
	mf_tb_put(&r->tb, hc, "interval",
		  mf_tb_str(&r->tb, dur_text(r, probe_ms(probe, "period", 10000)),
			    pos_of(mf_get(probe, "period"), at)));
	mf_tb_put(&r->tb, hc, "timeout",
		  mf_tb_str(&r->tb, dur_text(r, probe_ms(probe, "timeout", 1000)),
			    pos_of(mf_get(probe, "timeout"), at)));
	mf_tb_put(&r->tb, hc, "retries",
		  mf_tb_int(&r->tb, mf_get_int(probe, "failureThreshold", 3),
			    pos_of(mf_get(probe, "failureThreshold"), at)));
	if ((sp = start_ms(probes, probe)) > 0)
		mf_tb_put(&r->tb, hc, "start_period",
			  mf_tb_str(&r->tb, dur_text(r, sp),
				    pos_of(mf_get(probe, "initialDelay"), at)));
}

/* ---- image, ports, deploy, restart ---------------------------------------- */

static const struct {
	const char *k8s, *compose;
} pull_policies[] = {
	{"Always", "always"},
	{"IfNotPresent", "if_not_present"},
	{"Never", "never"},
};

/* The image; a tag given as {tag: "${TAG}"} keeps its reference. */
static mf_node *image_text(rc *r, const mf_instance *in, const mf_image *im)
{
	const mf_node *tag = mf_path(in->spec, "image.tag");
	const char *t = tag && im->tag ? mf_vars_compose(&r->tb, r->e, tag->pos, im->tag) : NULL;
	const mf_node *repo = t ? lit(r, im->repo, im->pos) : NULL;

	if (!repo)
		return lit(r, im->ref, im->pos);
	return mf_tb_str(&r->tb,
			 mf_tb_printf(&r->tb, "%s:%s%s%s", repo->str, t, im->digest ? "@" : "",
				      mf_or(im->digest, "")),
			 im->pos);
}

/* the instance's image; with `build` too, Compose builds it under that
 * name (pull_policy: build) instead of pulling it. */
static void put_image(rc *r, const mf_instance *in, mf_node *svc)
{
	mf_image im = in->image;
	const mf_node *build = mf_get(in->spec, "build");
	const char *pp = mf_get_str(mf_get(in->spec, "image"), "pullPolicy");

	if (!im.ref && !build) {
		diag(r, MF_SEV_ERROR, in->pos, "compose-image",
		     "'%s' has neither 'image' nor 'build'", in->compose_name);
		return;
	}
	if (im.ref)
		mf_tb_put(&r->tb, svc, "image", image_text(r, in, &im));
	if (build) {
		mf_node *b = mf_tb_child(&r->tb, svc, "build", build->pos);
		const mf_node *ctx = mf_get(build, "context");
		mf_tb_put(&r->tb, b, "context",
			  ctx ? lit(r, from_source(r, mf_str(ctx), ctx->pos), ctx->pos)
			      : mf_tb_str(&r->tb, from_source(r, ".", build->pos), build->pos));
		for (size_t i = 0; i < build->n; i++)
			if (strcmp(build->pairs[i].key, "context"))
				mf_tb_put(&r->tb, b, build->pairs[i].key,
					  lit(r, mf_str(build->pairs[i].val),
					      build->pairs[i].val->pos));
		if (im.ref)
			mf_tb_put(&r->tb, svc, "pull_policy",
				  mf_tb_str(&r->tb, "build", build->pos));
		return;
	}
	for (size_t i = 0; pp && i < MF_NELEM(pull_policies); i++)
		if (!strcmp(pp, pull_policies[i].k8s))
			mf_tb_put(&r->tb, svc, "pull_policy",
				  mf_tb_str(&r->tb, pull_policies[i].compose,
					    mf_path(in->spec, "image.pullPolicy")->pos));
}

static bool host_network(const mf_instance *in)
{
	return in->host_network;
}

static const char *proto_of(const mf_port *port)
{
	static const struct {
		const char *k8s, *compose;
	} protos[] = {{"TCP", "tcp"}, {"UDP", "udp"}, {"SCTP", "sctp"}};

	for (size_t i = 0; i < MF_NELEM(protos); i++)
		if (!strcmp(port->protocol, protos[i].k8s))
			return protos[i].compose;
	return "tcp";
}

/* dclint wants published ports in numeric order */
static int cmp_published(const void *x, const void *y)
{
	int a = (*(const mf_port *const *)x)->published,
	    b = (*(const mf_port *const *)y)->published;

	return (a > b) - (a < b);
}

/* A port number, or the variable reference it was written with. */
static const char *port_text(rc *r, const mf_node *n, long long number)
{
	const char *t = n ? mf_vars_compose(&r->tb, r->e, n->pos, n->str) : NULL;
	char num[24];

	snprintf(num, sizeof num, "%lld", number);
	return t && n->str && !strcmp(n->str, num) ? t : mf_tb_printf(&r->tb, "%s", num);
}

/* "[IP:]HOST:PORT/proto": on every interface unless ports.*.hostIP names
 * one (as Docker does); an IPv6 address in brackets. */
static mf_node *published(rc *r, const mf_port *p)
{
	const char *ip = p->host_ip;
	bool v6 = ip && strchr(ip, ':');

	return mf_tb_str(
		&r->tb,
		mf_tb_printf(&r->tb, "%s%s%s%s%s:%s/%s", v6 ? "[" : "", mf_or(ip, ""),
			     v6 ? "]" : "", ip ? ":" : "", port_text(r, p->host_node, p->published),
			     port_text(r,
				       p->node && p->node->kind == MF_MAP ? mf_get(p->node, "port")
									  : p->node,
				       p->number),
			     proto_of(p)),
		pos_of(p->host_node, p->pos));
}

/* ports.<name>.host, after `auto` allocation.  On the host network the
 * container port is the host port.  Two services on one host port are the
 * check stage's rule host-port-conflict. */
static bool put_ports(rc *r, const mf_instance *in, mf_node *svc)
{
	const mf_port **v = mf_tb_alloc(&r->tb, (in->nports + 1) * sizeof *v);
	size_t n = 0;
	mf_node *out;

	for (size_t k = 0; v && k < in->nports; k++)
		if (in->ports[k].published > 0)
			v[n++] = &in->ports[k];
	if (!n || in->host_network || !v)
		return n > 0;
	mf_stable_sort(v, n, sizeof *v, cmp_published);
	out = mf_tb_child_seq(&r->tb, svc, "ports", pos_of(v[0]->host_node, v[0]->pos));
	for (size_t k = 0; k < n; k++)
		mf_tb_push(&r->tb, out, published(r, v[k]));
	return true;
}

/* Compose's cpus are decimal cores, memory 1024-based sizes. */
static void put_resource_set(rc *r, mf_node *deploy, const char *key, const mf_node *set)
{
	long long cpu = mf_cpu_millis(mf_get(set, "cpu")),
		  mem = mf_mem_bytes(mf_get(set, "memory"));
	mf_node *out, *n;

	if (cpu <= 0 && mem <= 0)
		return;
	out = mf_tb_child(&r->tb, mf_tb_child(&r->tb, deploy, "resources", set->pos), key,
			  set->pos);
	if (cpu > 0 &&
	    (n = mf_tb_str(&r->tb, cpus_text(r, cpu), mf_get(set, "cpu")->pos)) != NULL) {
		n->flags |= MF_QUOTED;
		mf_tb_put(&r->tb, out, "cpus", n);
	}
	if (mem > 0)
		mf_tb_put(&r->tb, out, "memory",
			  mf_tb_str(&r->tb, bytes_text(r, mem), mf_get(set, "memory")->pos));
}

/* resources.limits.gpu (else requests.gpu) when it asks for one or more */
static const mf_node *gpu_count(const mf_instance *in)
{
	const mf_node *res = mf_get(in->spec, "resources");
	const mf_node *g = mf_path(res, "limits.gpu") ? mf_path(res, "limits.gpu")
						      : mf_path(res, "requests.gpu");

	return g && g->kind == MF_INT && g->v.i > 0 ? g : NULL;
}

/* The vendor of resources.gpuResource (default nvidia.com/gpu): "nvidia". */
static const char *gpu_vendor(rc *r, const mf_instance *in)
{
	const char *kind =
		mf_or(mf_str(mf_path(in->spec, "resources.gpuResource")), "nvidia.com/gpu");

	return mf_tb_printf(&r->tb, "%.*s", (int)strcspn(kind, "./"), kind);
}

/* An NVIDIA GPU: a device reservation, which Docker hands to its nvidia
 * driver; the only vendor Docker has a device-request driver for. */
static void put_gpu(rc *r, const mf_instance *in, mf_node *deploy)
{
	const mf_node *g = gpu_count(in);
	mf_node *dev, *caps;

	if (!g || !mf_streq(gpu_vendor(r, in), "nvidia"))
		return;
	dev = mf_tb_map(&r->tb, g->pos);
	mf_tb_put(&r->tb, dev, "driver", mf_tb_str(&r->tb, "nvidia", g->pos));
	mf_tb_put(&r->tb, dev, "count", mf_tb_int(&r->tb, g->v.i, g->pos));
	caps = mf_tb_child_seq(&r->tb, dev, "capabilities", g->pos);
	mf_tb_push(&r->tb, caps, mf_tb_str(&r->tb, "gpu", g->pos));
	mf_tb_push(&r->tb,
		   mf_tb_child_seq(&r->tb,
				   mf_tb_child(&r->tb,
					       mf_tb_child(&r->tb, deploy, "resources", g->pos),
					       "reservations", g->pos),
				   "devices", g->pos),
		   dev);
}

/* s is in seq, or seq holds "s:..." (a device mapped to a path of its own) */
static bool seq_has(const mf_node *seq, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; seq && seq->kind == MF_SEQ && i < seq->n; i++) {
		const char *x = mf_str(seq->items[i]);
		if (x && !strncmp(x, s, n) && (!x[n] || x[n] == ':'))
			return true;
	}
	return false;
}

static void push_once(rc *r, mf_node *svc, const char *key, const char *s, mf_pos pos)
{
	mf_node *seq = mf_tb_child_seq(&r->tb, svc, key, pos);

	if (!seq_has(seq, s))
		mf_tb_push(&r->tb, seq, mf_tb_str(&r->tb, s, pos));
}

/* An AMD GPU: Docker has no device-request driver for it; ROCm's way is the
 * devices /dev/kfd and /dev/dri and the group video, which give the
 * container every AMD GPU of the host, so a count is a warning.  Another
 * vendor has neither: a warning, nothing written.  After the settings,
 * whose 'devices' it extends. */
static void put_gpu_devices(rc *r, const mf_instance *in, mf_node *svc)
{
	const mf_node *g = gpu_count(in), *kind = mf_path(in->spec, "resources.gpuResource");
	const char *vendor = gpu_vendor(r, in);

	if (!g || mf_streq(vendor, "nvidia"))
		return;
	if (!mf_streq(vendor, "amd")) {
		diag(r, MF_SEV_WARNING, kind ? kind->pos : g->pos, "compose-gpu",
		     "Docker has no device request for '%s': no GPU is given in Compose; list "
		     "the GPU's device files under 'devices'",
		     mf_or(mf_str(kind), "?"));
		return;
	}
	push_once(r, svc, "devices", "/dev/kfd", g->pos);
	push_once(r, svc, "devices", "/dev/dri", g->pos);
	push_once(r, svc, "group_add", "video", g->pos);
	diag(r, MF_SEV_WARNING, g->pos, "compose-gpu",
	     "%lld AMD GPU%s asked for: Compose gives /dev/kfd and /dev/dri, every AMD GPU of "
	     "the host (set HIP_VISIBLE_DEVICES to choose)",
	     g->v.i, g->v.i == 1 ? " is" : "s are");
}

/* deploy.replicas only when it is more than one container and Compose can
 * run them: not with a published host port, not for a stateful service
 * (each replica would share one volume). */
static void put_replicas(rc *r, const mf_instance *in, mf_node *deploy, bool published)
{
	const char *why = published ? "it publishes a host port" : NULL;

	if (in->replicas <= 1)
		return;
	if (!why && in->kind == MF_W_STATEFUL && mf_get(in->spec, "storage"))
		why = "its replicas would share one volume";
	if (why) {
		diag(r, MF_SEV_WARNING, in->replicas_pos, "compose-replicas",
		     "'%s' asks for %lld replicas but Compose runs one container: %s",
		     in->compose_name, in->replicas, why);
		return;
	}
	mf_tb_put(&r->tb, deploy, "replicas", mf_tb_int(&r->tb, in->replicas, in->replicas_pos));
}

/* resources.{requests,limits}.ephemeralStorage: Compose has no such limit */
static void no_ephemeral(rc *r, const mf_instance *in, const mf_node *res)
{
	static const char *const sets[] = {"requests", "limits"};

	for (size_t i = 0; i < MF_NELEM(sets); i++) {
		const mf_node *n = mf_get(mf_get(res, sets[i]), "ephemeralStorage");
		if (n)
			diag(r, MF_SEV_WARNING, n->pos, "compose-ephemeral-storage",
			     "'%s' %s %s of ephemeral storage, which Compose cannot say: it is "
			     "not written",
			     in->compose_name, i ? "is limited to" : "requests",
			     mf_or(mf_str(n), "?"));
	}
}

/* autoscaling, strategy, availability, placement: Compose runs one host with
 * no scheduler, so they are not written.  Said where the user wrote them;
 * a profile's defaults (production's spread) are the profile's business. */
static void no_scheduler(rc *r, const mf_instance *in)
{
	static const char *const keys[] = {"autoscaling", "strategy", "availability", "placement"};
	const mf_node *dflt = mf_get(r->e->profile, "defaults");

	for (size_t i = 0; i < MF_NELEM(keys); i++) {
		const mf_node *n = mf_get(in->spec, keys[i]), *p = mf_get(dflt, keys[i]);
		const char *at;
		if (!n || (p && mf_pos_eq(p->pos, n->pos)))
			continue;
		/* one file per machine honours a placement that names only the machine */
		if (r->e->compose_split && !strcmp(keys[i], "placement") && in->machine &&
		    n->n == 1)
			continue;
		/* once per line: a template's instances share it, one edit answers all */
		at = mf_tb_printf(&r->tb, "scheduling\n%u:%u:%u", (unsigned)n->pos.file,
				  (unsigned)n->pos.line, (unsigned)n->pos.col);
		if (at && mf_tb_hash_put(&r->tb, &r->users, at, (void *)at) == at)
			diag(r, MF_SEV_WARNING, n->pos, "compose-scheduling",
			     "'%s' of '%s' is not written: Compose runs one host with no scheduler",
			     keys[i], in->compose_name);
	}
}

static void put_deploy(rc *r, const mf_instance *in, mf_node *svc, bool published)
{
	const mf_node *res = mf_get(in->spec, "resources");
	mf_node *deploy = mf_tb_map(&r->tb, in->pos);

	no_ephemeral(r, in, res);
	no_scheduler(r, in);
	put_replicas(r, in, deploy, published);
	if (mf_get(res, "limits"))
		put_resource_set(r, deploy, "limits", mf_get(res, "limits"));
	if (mf_get(res, "requests"))
		put_resource_set(r, deploy, "reservations", mf_get(res, "requests"));
	put_gpu(r, in, deploy);
	if (deploy && deploy->n)
		mf_tb_put(&r->tb, svc, "deploy", deploy);
}

/* A job never restarts after it succeeded: "no", or on-failure, bounded by
 * job.backoffLimit when it is set. */
static const char *job_restart(rc *r, const char *policy, const mf_node *backoff)
{
	long long limit = backoff && backoff->kind == MF_INT ? backoff->v.i : -1;

	if (!strcmp(policy, "no") || limit == 0)
		return "no";
	if (limit > 0)
		return mf_tb_printf(&r->tb, "on-failure:%lld", limit);
	return strcmp(policy, "on-failure") ? "no" : "on-failure";
}

/* restart: long-running services default to unless-stopped. */
static void put_restart(rc *r, const mf_instance *in, mf_node *svc)
{
	static const struct {
		const char *word, *compose;
	} policies[] = {
		{"always", "always"},
		{"on-failure", "on-failure"},
		{"never", "no"},
		{"unless-stopped", "unless-stopped"},
	};
	const mf_node *n = mf_get(in->spec, "restart");
	const char *w = mf_str(n), *out = "unless-stopped";

	for (size_t i = 0; w && i < MF_NELEM(policies); i++)
		if (!strcmp(w, policies[i].word))
			out = policies[i].compose;
	if (!mf_long_running(in->kind))
		out = job_restart(r, out, mf_path(in->spec, "job.backoffLimit"));
	mf_tb_put(&r->tb, svc, "restart", mf_tb_str(&r->tb, out, pos_of(n, in->pos)));
}

/* ---- secrets -------------------------------------------------------------- */

/* PREFIX + KEY as an environment variable name: upper case, other
 * characters '_' (secrets.<name>.compose.environment, default NAME_). */
static const char *secret_var(rc *r, const char *secret, const char *key)
{
	const char *prefix = mf_get_str(
		mf_get(mf_system_section(r->s, "secrets", secret), "compose"), "environment");
	char *v = mf_tb_printf(&r->tb, "%s%s%s", prefix ? "" : secret, prefix ? prefix : "_", key);

	for (char *p = v; p && *p; p++) {
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
		else if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			*p = '_';
	}
	return v && *v >= '0' && *v <= '9' ? mf_tb_printf(&r->tb, "_%s", v) : v;
}

/* What .env.example lists: one entry per variable or file, with its users. */
static void note(rc *r, mf_node *side, const char *name, const char *what, const mf_instance *in,
		 mf_pos pos)
{
	mf_node *e = mf_get(side, name), *users;
	const char *user;

	if (!e) {
		e = mf_tb_map(&r->tb, pos);
		mf_tb_put(&r->tb, e, "what", mf_tb_str(&r->tb, what, pos));
		mf_tb_put(&r->tb, side, name, e);
	}
	users = mf_tb_child_seq(&r->tb, e, "users", pos);
	user = mf_tb_printf(&r->tb, "%p\n%s", (void *)e, in->compose_name);
	if (user && mf_tb_hash_put(&r->tb, &r->users, user, (void *)user) == user)
		mf_tb_push(&r->tb, users, mf_tb_str(&r->tb, in->compose_name, pos));
}

/* A file-based Compose secret "<secret>-<key>" read from DIR/KEY
 * (secrets.<name>.compose.file, default ./secrets/<name>). */
static const char *secret_source(rc *r, const mf_instance *in, const char *secret, const char *key,
				 mf_pos pos)
{
	const char *dir =
		mf_get_str(mf_get(mf_system_section(r->s, "secrets", secret), "compose"), "file");
	const char *name = mf_tb_printf(&r->tb, "%s-%s", secret, key), *path;
	size_t n;

	if (!dir)
		dir = mf_tb_printf(&r->tb, "./secrets/%s", secret);
	n = dir ? strlen(dir) : 0;
	while (n > 1 && dir[n - 1] == '/')
		n--;
	path = from_source(r, mf_tb_printf(&r->tb, "%.*s/%s", (int)n, dir, key), pos);
	if (!mf_get(r->secrets, name)) {
		mf_node *def = mf_tb_map(&r->tb, pos);
		mf_tb_put(&r->tb, def, "file", lit(r, path, pos));
		mf_tb_put(&r->tb, r->secrets, name, def);
	} else if (!mf_equal(mf_get(mf_get(r->secrets, name), "file"), lit(r, path, pos))) {
		diag(r, MF_SEV_ERROR, pos, "compose-secret-name",
		     "Compose secret name '%s' of key '%s' of secret '%s' is already taken by "
		     "another secret key",
		     name, key, secret);
	}
	note(r, r->sfiles, path, mf_tb_printf(&r->tb, "key '%s' of secret '%s'", key, secret), in,
	     pos);
	return name;
}

/* services.*.secrets: short form (/run/secrets/NAME) or {source, target}. */
static void attach(rc *r, mf_node *svc, const char *source, const char *target, mf_pos pos)
{
	mf_node *list = mf_tb_child_seq(&r->tb, svc, "secrets", pos),
		*item = mf_tb_str(&r->tb, source, pos);

	if (target) {
		item = mf_tb_map(&r->tb, pos);
		mf_tb_put(&r->tb, item, "source", mf_tb_str(&r->tb, source, pos));
		mf_tb_put(&r->tb, item, "target", lit(r, target, pos));
	}
	for (size_t i = 0; list && item && i < list->n; i++)
		if (mf_equal(list->items[i], item))
			return;
	mf_tb_push(&r->tb, list, item);
}

/* An env var from a secret key: ${VAR?...} from .env, or, for a secret
 * Compose reads from files only, VAR_FILE pointing at the mounted file: a
 * warning at the var unless it says `file: true` (the program reads that). */
static void secret_env(rc *r, const mf_instance *in, mf_node *svc, mf_node *env, const char *var,
		       const mf_node *ref)
{
	const char *secret = mf_get_str(ref, "secret"), *key = mf_get_str(ref, "key"), *x;
	const mf_node *comp = mf_get(mf_system_section(r->s, "secrets", secret), "compose");
	bool optional = mf_get_bool(ref, "optional", false);
	const char *what = mf_tb_printf(&r->tb, "key '%s' of secret '%s'%s", key, secret,
					optional ? " (optional)" : "");

	if (mf_get(comp, "file") && !mf_get(comp, "environment")) {
		const char *src = secret_source(r, in, secret, key, ref->pos);
		attach(r, svc, src, NULL, ref->pos);
		if (!mf_get_bool(ref, "file", false))
			diag(r, MF_SEV_WARNING, ref->pos, "compose-secret-file-env",
			     "'%s' is '%s_FILE' in Compose, the path of the file of %s: say "
			     "'file: true' if the program reads that, or give the secret "
			     "'compose.environment'",
			     var, var, what);
		mf_tb_put(
			&r->tb, env, mf_tb_printf(&r->tb, "%s_FILE", var),
			mf_tb_str(&r->tb, mf_tb_printf(&r->tb, "/run/secrets/%s", src), ref->pos));
		return;
	}
	x = secret_var(r, secret, key);
	mf_tb_put(&r->tb, env, var,
		  mf_tb_str(&r->tb,
			    optional ? mf_tb_printf(&r->tb, "${%s-}", x)
				     : mf_tb_printf(&r->tb, "${%s?%s: set it in .env}", x, what),
			    ref->pos));
	note(r, r->vars, x, what, in, ref->pos);
}

/* ---- volumes -------------------------------------------------------------- */

/* Compose's SELinux relabel option for volumes.*.selinux, or NULL. */
static const char *relabel(const mf_node *selinux)
{
	const char *v = mf_str(selinux);

	return !v ? NULL : !strcmp(v, "private") ? "Z" : "z";
}

/* "SRC:TARGET[:ro][,z]" (the short form creates a missing host directory);
 * the long form when a path holds ':'.  z/Z: volumes.*.selinux. */
static void bind(rc *r, mf_node *vols, const char *src, const char *target, bool ro,
		 const char *label, mf_pos pos)
{
	mf_node *m;

	if (!src || !target) /* a path that failed to allocate: recorded */
		return;
	if (!strchr(src, ':') && !strchr(target, ':')) {
		bool pathy = *src == '/' || *src == '.' || *src == '~';
		const char *opts = ro && label ? mf_tb_printf(&r->tb, ":ro,%s", label)
				   : ro        ? ":ro"
				   : label     ? mf_tb_printf(&r->tb, ":%s", label)
					       : "";
		mf_tb_push(
			&r->tb, vols,
			lit(r,
			    mf_tb_printf(&r->tb, "%s%s:%s%s", pathy ? "" : "./", src, target, opts),
			    pos));
		return;
	}
	m = mf_tb_map(&r->tb, pos);
	mf_tb_put(&r->tb, m, "type", mf_tb_str(&r->tb, "bind", pos));
	mf_tb_put(&r->tb, m, "source", lit(r, src, pos));
	mf_tb_put(&r->tb, m, "target", lit(r, target, pos));
	if (ro)
		mf_tb_put(&r->tb, m, "read_only", mf_tb_bool(&r->tb, true, pos));
	if (label)
		mf_tb_put_str(&r->tb, mf_tb_child(&r->tb, m, "bind", pos), "selinux", label, pos);
	mf_tb_push(&r->tb, vols, m);
}

/* A config volume is a bind mount of files written beside compose.yaml:
 * configs/<config>/<key> (read-only, as a ConfigMap volume is). */
static void config_volume(rc *r, mf_node *vols, const mf_node *v)
{
	const char *name = mf_get_str(v, "config"), *sub = mf_get_str(v, "subPath");
	const mf_node *data = mf_get(mf_system_section(r->s, "configs", name), "data");

	for (size_t i = 0; data && i < data->n; i++) {
		const char *path = mf_tb_printf(&r->tb, "configs/%s/%s", name, data->pairs[i].key);
		if (!mf_get(r->files, path))
			mf_tb_put(&r->tb, r->files, path,
				  mf_tb_str(&r->tb, mf_or(mf_str(data->pairs[i].val), ""),
					    data->pairs[i].val->pos));
	}
	bind(r, vols,
	     mf_tb_printf(&r->tb, "./configs/%s%s%s", name, sub ? "/" : "", sub ? sub : ""),
	     mf_get_str(v, "mount"), true, NULL, v->pos);
}

/* A secret volume: each key (or the subPath key) as a Compose secret file. */
static void secret_volume(rc *r, const mf_instance *in, mf_node *svc, const mf_node *v)
{
	const char *name = mf_get_str(v, "secret"), *sub = mf_get_str(v, "subPath"),
		   *mount = mf_get_str(v, "mount");
	const mf_node *keys = mf_get(mf_system_section(r->s, "secrets", name), "keys");

	for (size_t i = 0; keys && i < keys->n; i++) {
		const char *key = mf_str(keys->items[i]);
		if (!key || (sub && strcmp(sub, key)))
			continue;
		attach(r, svc, secret_source(r, in, name, key, v->pos),
		       sub ? mount : mf_tb_printf(&r->tb, "%s/%s", mount, key), v->pos);
	}
}

/* emptyDir: a tmpfs, the only Compose scratch space every user can write
 * (mode 1777, like an emptyDir's 0777). An anonymous volume would be disk,
 * but it starts root-owned 0755 (or takes the image's folder), so a non-root
 * service could not write it: an on-disk emptyDir is said to become memory. */
static void tmpfs_volume(rc *r, mf_node *vols, const mf_node *v)
{
	mf_node *m = mf_tb_map(&r->tb, v->pos);
	const mf_node *ed = mf_get(v, "emptyDir");
	long long size = mf_mem_bytes(mf_get(ed, "sizeLimit"));
	const char *medium = mf_get_str(ed, "medium");

	if (!medium || strcmp(medium, "Memory"))
		diag(r, MF_SEV_WARNING, ed ? ed->pos : v->pos, "compose-emptydir-memory",
		     "the emptyDir at '%s' is on disk in Kubernetes but a memory tmpfs in "
		     "Compose, counted against the memory limit; say 'medium: Memory' if "
		     "that is meant",
		     mf_or(mf_get_str(v, "mount"), "?"));

	mf_tb_put(&r->tb, m, "type", mf_tb_str(&r->tb, "tmpfs", v->pos));
	mf_tb_put(&r->tb, m, "target", lit(r, mf_get_str(v, "mount"), v->pos));
	if (size > 0)
		mf_tb_put(&r->tb, mf_tb_child(&r->tb, m, "tmpfs", v->pos), "size",
			  mf_tb_int(&r->tb, size, v->pos));
	mf_tb_push(&r->tb, vols, m);
}

/* storage.<name>: a named volume per instance, <compose name>-<name>, so
 * every tenant keeps its own state. */
static void storage_volume(rc *r, const mf_instance *in, mf_node *vols, const mf_volume *v)
{
	const char *name;
	mf_node *m, *def;

	if (v->shared) { /* a declared volume: render_volumes.c */
		if (v->decl && mf_compose_shared_mount(r->c, &r->tb, r->volumes, v,
						       lit(r, v->mount, v->key_pos), vols) < 0)
			r->rc = -1;
		return;
	}
	name = mf_tb_printf(&r->tb, "%s-%s", in->compose_name, v->name);
	m = mf_tb_map(&r->tb, v->key_pos);
	def = mf_tb_map(&r->tb, v->key_pos);
	if (mf_get(r->volumes, name))
		diag(r, MF_SEV_ERROR, v->key_pos, "compose-volume-name",
		     "volume name '%s' of '%s' is already taken", name, in->compose_name);
	/* storage.*.name: the Docker volume as it is named, not prefixed */
	mf_tb_put(&r->tb, def, "name", lit(r, v->own_name, v->key_pos));
	if (v->external)
		mf_tb_put_bool(&r->tb, def, "external", true, v->key_pos);
	mf_tb_put(&r->tb, r->volumes, name, def);
	mf_tb_put(&r->tb, m, "type", mf_tb_str(&r->tb, "volume", v->key_pos));
	mf_tb_put(&r->tb, m, "source", mf_tb_str(&r->tb, name, v->key_pos));
	mf_tb_put(&r->tb, m, "target", lit(r, v->mount, v->key_pos));
	mf_tb_push(&r->tb, vols, m);
}

static void put_volume(rc *r, const mf_instance *in, mf_node *svc, mf_node *vols,
		       const mf_volume *v)
{
	switch (v->kind) {
	case MF_V_STORAGE:
		storage_volume(r, in, vols, v);
		break;
	case MF_V_BIND:
		bind(r, vols, from_source(r, v->source, v->source_node->pos), v->mount,
		     v->read_only, relabel(v->selinux), v->source_node->pos);
		break;
	case MF_V_HOST_PATH:
		bind(r, vols, v->source, v->mount, v->read_only, relabel(v->selinux),
		     v->source_node->pos);
		break;
	case MF_V_CONFIG:
		config_volume(r, vols, v->node);
		break;
	case MF_V_SECRET:
		secret_volume(r, in, svc, v->node);
		break;
	case MF_V_EMPTY_DIR:
		tmpfs_volume(r, vols, v->node);
		break;
	}
}

static void put_volumes(rc *r, const mf_instance *in, mf_node *svc)
{
	mf_node *vols = mf_tb_seq(&r->tb, in->pos);

	for (size_t i = 0; i < in->nvols; i++)
		put_volume(r, in, svc, vols, &in->vols[i]);
	if (vols && vols->n)
		mf_tb_put(&r->tb, svc, "volumes", vols);
}

/* ---- environment ---------------------------------------------------------- */

/* The names Kubernetes takes for env vars ([-._a-zA-Z][-._a-zA-Z0-9]*, its
 * envFrom keys too), so both targets get the same variables. */
static bool env_name_ok(const char *s)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}

enum field_kind { F_NAME, F_NAMESPACE, F_ACCOUNT, F_NONE };

static const struct {
	const char *field;
	enum field_kind kind;
} fields[] = {
	{"metadata.name", F_NAME},
	{"metadata.namespace", F_NAMESPACE},
	{"status.podIP", F_NAME}, /* the service name resolves to the container */
	{"spec.serviceAccountName", F_ACCOUNT},
	{"spec.nodeName", F_NONE},
	{"status.hostIP", F_NONE},
};

/* {field: ...}: what the pod would see, where Compose has an equivalent. */
static const char *field_value(rc *r, const mf_instance *in, const char *var, const mf_node *ref)
{
	const char *f = mf_get_str(ref, "field"), *acct;
	size_t i = 0;

	while (i < MF_NELEM(fields) && strcmp(fields[i].field, f))
		i++;
	switch (i < MF_NELEM(fields) ? fields[i].kind : F_NONE) {
	case F_NAME:
		return in->compose_name;
	case F_NAMESPACE:
		return in->ns;
	case F_ACCOUNT:
		acct = mf_path(in->spec, "serviceAccount.name")
			       ? mf_str(mf_path(in->spec, "serviceAccount.name"))
			       : NULL;
		return acct ? acct : "default";
	case F_NONE:
		break;
	}
	diag(r, MF_SEV_WARNING, ref->pos, "compose-env-field",
	     "'%s' of '%s' reads '%s', which has no Compose equivalent: it is left out", var,
	     in->compose_name, f);
	return NULL;
}

static mf_node *config_value(rc *r, const char *config, const char *key, mf_pos pos)
{
	const mf_node *v = mf_get(mf_get(mf_system_section(r->s, "configs", config), "data"), key);

	return v && mf_str(v) ? lit(r, mf_str(v), pos) : NULL;
}

/* {service, port, format}: the Compose service name, or on another
 * machine that machine's address and published port. */
static const char *service_ref(rc *r, const mf_instance *in, const mf_node *ref)
{
	const mf_instance *to = mf_ref_target(in, mf_get_str(ref, "service"));
	const char *v;

	if (!to || mf_compose_same_host(in, to))
		return mf_ref_value(r->c, in, ref, MF_T_COMPOSE);
	if (!(v = mf_compose_remote_ref(r->c, r->s, in, to, ref)))
		r->rc = -1;
	return v;
}

/* services.*.env: literals, {secret,key}, {config,key}, {service,...}, {field}. */
static void env_value(rc *r, const mf_instance *in, mf_node *svc, mf_node *env, const char *var,
		      const mf_node *v)
{
	mf_node *out = NULL;

	if (mf_is_scalar(v) && v->kind != MF_NULL)
		out = lit(r, mf_str(v), v->pos);
	else if (mf_get(v, "secret"))
		secret_env(r, in, svc, env, var, v);
	else if (mf_get(v, "config"))
		out = config_value(r, mf_get_str(v, "config"), mf_get_str(v, "key"), v->pos);
	else if (mf_get(v, "service") && (out = lit(r, service_ref(r, in, v), v->pos)) != NULL)
		out->flags |= MF_BYREF; /* an address the reference chose is no hard-coded one */
	else if (mf_get(v, "field"))
		out = lit(r, field_value(r, in, var, v), v->pos);
	if (out)
		mf_tb_put(&r->tb, env, var, out);
}

/* services.*.envFrom: every key of a config or secret, prefixed. */
static void env_from(rc *r, const mf_instance *in, mf_node *svc, mf_node *env, const mf_node *from)
{
	const char *prefix = mf_get_str(from, "prefix"), *name = mf_get_str(from, "config");
	const mf_node *data =
		name ? mf_get(mf_system_section(r->s, "configs", name), "data") : NULL;
	const mf_node *keys =
		mf_get(mf_system_section(r->s, "secrets", mf_get_str(from, "secret")), "keys");

	for (size_t i = 0; data && i < data->n; i++) {
		const char *var =
			mf_tb_printf(&r->tb, "%s%s", prefix ? prefix : "", data->pairs[i].key);
		if (env_name_ok(var))
			env_value(r, in, svc, env, var, data->pairs[i].val);
	}
	for (size_t i = 0; !name && keys && i < keys->n; i++) {
		const char *var =
			mf_tb_printf(&r->tb, "%s%s", prefix ? prefix : "", mf_str(keys->items[i]));
		mf_node *ref = mf_tb_map(&r->tb, from->pos);
		mf_tb_put(&r->tb, ref, "secret", mf_get(from, "secret"));
		mf_tb_put(&r->tb, ref, "key", keys->items[i]);
		if (mf_get(from, "file"))
			mf_tb_put(&r->tb, ref, "file", mf_get(from, "file"));
		if (env_name_ok(var))
			secret_env(r, in, svc, env, var, ref);
	}
}

/* services.*.envFile: Compose's env_file, the long form (the Compose
 * Specification's {path, required}) for a file that may be missing. */
static void put_env_file(rc *r, const mf_instance *in, mf_node *svc)
{
	const mf_node *list = mf_get(in->spec, "envFile");
	mf_node *out = list && list->kind == MF_SEQ && list->n
			       ? mf_tb_child_seq(&r->tb, svc, "env_file", list->pos)
			       : NULL;

	for (size_t i = 0; out && i < list->n; i++) {
		const mf_node *path = mf_get(list->items[i], "path");
		mf_node *p =
			path ? lit(r, from_source(r, mf_str(path), path->pos), path->pos) : NULL;
		mf_node *m;
		if (mf_get_bool(list->items[i], "required", true)) {
			mf_tb_push(&r->tb, out, p);
			continue;
		}
		m = mf_tb_map(&r->tb, list->items[i]->pos);
		mf_tb_put(&r->tb, m, "path", p);
		mf_tb_put_bool(&r->tb, m, "required", false, list->items[i]->pos);
		mf_tb_push(&r->tb, out, m);
	}
}

/* envFrom first, then env, which wins (as in Kubernetes). */
static void put_env(rc *r, const mf_instance *in, mf_node *svc)
{
	put_env_file(r, in, svc);
	const mf_node *from = mf_get(in->spec, "envFrom"), *vars = mf_get(in->spec, "env");
	mf_node *env = mf_tb_map(&r->tb, vars ? vars->pos : in->pos);

	for (size_t i = 0; from && i < from->n; i++)
		env_from(r, in, svc, env, from->items[i]);
	for (size_t i = 0; vars && i < vars->n; i++)
		env_value(r, in, svc, env, vars->pairs[i].key, vars->pairs[i].val);
	if (env && env->n)
		mf_tb_put(&r->tb, svc, "environment", env);
}

/* ---- command, security, the rest ------------------------------------------ */

/* The argv the description means (mf_command_argv), written as a list so
 * Compose does not split it again; '$' is literal. */
static mf_node *argv_of(rc *r, const mf_node *cmd)
{
	mf_node *out = mf_command_argv(&r->tb, cmd, NULL);

	for (size_t i = 0; out && i < out->n; i++)
		out->items[i] = lit(r, mf_str(out->items[i]), out->items[i]->pos);
	return out;
}

/* Kubernetes `command` replaces the image's ENTRYPOINT, `args` its CMD. */
static void put_command(rc *r, const mf_instance *in, mf_node *svc)
{
	const mf_node *cmd = mf_get(in->spec, "command"), *args = mf_get(in->spec, "args");
	const mf_node *wd = mf_get(in->spec, "workingDir"),
		      *grace = mf_get(in->spec, "terminationGracePeriod");

	if (cmd)
		mf_tb_put(&r->tb, svc, "entrypoint", argv_of(r, cmd));
	if (args)
		mf_tb_put(&r->tb, svc, "command", argv_of(r, args));
	if (wd)
		mf_tb_put(&r->tb, svc, "working_dir", lit(r, mf_str(wd), wd->pos));
	if (grace && dur_ms(grace) >= 0)
		mf_tb_put(&r->tb, svc, "stop_grace_period",
			  mf_tb_str(&r->tb, dur_text(r, dur_ms(grace)), grace->pos));
}

static void put_list(rc *r, mf_node *svc, const char *key, const mf_node *items)
{
	mf_node *out;

	if (!items || !items->n)
		return;
	out = mf_tb_child_seq(&r->tb, svc, key, items->pos);
	for (size_t i = 0; i < items->n; i++)
		mf_tb_push(&r->tb, out, lit(r, mf_str(items->items[i]), items->items[i]->pos));
}

/* security: user, read-only root, capabilities, privileged. */
static void put_identity(rc *r, const mf_node *sec, mf_node *svc)
{
	const mf_node *uid = mf_get(sec, "runAsUser"), *gid = mf_get(sec, "runAsGroup");
	mf_node *n;

	if (uid) {
		n = mf_tb_str(&r->tb,
			      gid ? mf_tb_printf(&r->tb, "%s:%s", mf_str(uid), mf_str(gid))
				  : mf_str(uid),
			      uid->pos);
		if (n)
			n->flags |= MF_QUOTED;
		mf_tb_put(&r->tb, svc, "user", n);
	}
	if (mf_get_bool(sec, "readOnlyRootFilesystem", false))
		mf_tb_put(&r->tb, svc, "read_only",
			  mf_tb_bool(&r->tb, true, mf_get(sec, "readOnlyRootFilesystem")->pos));
	if (mf_get_bool(sec, "privileged", false))
		mf_tb_put(&r->tb, svc, "privileged",
			  mf_tb_bool(&r->tb, true, mf_get(sec, "privileged")->pos));
	put_list(r, svc, "cap_add", mf_path(sec, "capabilities.add"));
	put_list(r, svc, "cap_drop", mf_path(sec, "capabilities.drop"));
}

/* map[key] = the literal value, the key at the description key's line (so a
 * finding about the key, such as sysctls-unsafe, is where Kubernetes has it) */
static void put_keyed(rc *r, mf_node *map, const mf_pair *p)
{
	mf_node *v = lit(r, mf_str(p->val), p->val->pos);

	if (map && v && mf_map_add(r->tb.a, map, p->key, p->pos, v) < 0)
		r->tb.failed = true;
}

static void put_opt(rc *r, mf_node *svc, const char *opt, mf_pos pos)
{
	mf_tb_push(&r->tb, mf_tb_child_seq(&r->tb, svc, "security_opt", pos),
		   mf_tb_str(&r->tb, opt, pos));
}

/* security: what the container may do and which namespaces it shares. */
static void put_isolation(rc *r, const mf_node *sec, mf_node *svc)
{
	const char *seccomp = mf_get_str(sec, "seccompProfile"),
		   *aa = mf_get_str(sec, "appArmorProfile");
	const mf_node *sysctls = mf_get(sec, "sysctls");

	if (mf_get(sec, "allowPrivilegeEscalation") &&
	    !mf_get_bool(sec, "allowPrivilegeEscalation", true))
		put_opt(r, svc, "no-new-privileges:true",
			mf_get(sec, "allowPrivilegeEscalation")->pos);
	if (seccomp && !strcmp(seccomp, "Unconfined"))
		put_opt(r, svc, "seccomp:unconfined", mf_get(sec, "seccompProfile")->pos);
	if (aa && strcmp(aa, "runtime/default"))
		put_opt(r, svc,
			mf_tb_printf(&r->tb, "apparmor:%s",
				     strncmp(aa, "localhost/", 10) ? aa : aa + 10),
			mf_get(sec, "appArmorProfile")->pos);
	if (mf_get_bool(sec, "hostNetwork", false))
		mf_tb_put(&r->tb, svc, "network_mode",
			  mf_tb_str(&r->tb, "host", mf_get(sec, "hostNetwork")->pos));
	if (mf_get_bool(sec, "hostPID", false))
		mf_tb_put(&r->tb, svc, "pid",
			  mf_tb_str(&r->tb, "host", mf_get(sec, "hostPID")->pos));
	if (mf_get_bool(sec, "hostIPC", false))
		mf_tb_put(&r->tb, svc, "ipc",
			  mf_tb_str(&r->tb, "host", mf_get(sec, "hostIPC")->pos));
	for (size_t i = 0; sysctls && i < sysctls->n; i++)
		put_keyed(r, mf_tb_child(&r->tb, svc, "sysctls", sysctls->pos), &sysctls->pairs[i]);
}

static void put_labels_profiles(rc *r, size_t i, mf_node *svc)
{
	const mf_instance *in = &r->e->inst[i];
	const mf_node *labels = mf_get(in->spec, "labels");
	const info *f = &r->info[i];
	mf_node *ps;

	for (size_t k = 0; labels && k < labels->n; k++)
		mf_tb_put(&r->tb, mf_tb_child(&r->tb, svc, "labels", labels->pos),
			  labels->pairs[k].key,
			  lit(r, mf_str(labels->pairs[k].val), labels->pairs[k].val->pos));
	if (!f->nprof)
		return;
	ps = mf_tb_child_seq(&r->tb, svc, "profiles",
			     pos_of(mf_get(in->spec, "profiles"), in->pos));
	for (size_t k = 0; k < f->nprof; k++)
		mf_tb_push(&r->tb, ps,
			   mf_tb_str(&r->tb, f->prof[k],
				     pos_of(mf_get(in->spec, "profiles"), in->pos)));
}

/* ---- container settings (settings.def), shm, extra hosts ---------------------- */

/* A copy of description data with every string literal ('$' doubled). */
static mf_node *lit_copy(rc *r, const mf_node *n)
{
	mf_node *out;

	if (!n || n->kind == MF_STR)
		return n ? lit(r, n->str, n->pos) : NULL;
	if (n->kind != MF_SEQ && n->kind != MF_MAP)
		return mf_tb_copy(&r->tb, n);
	out = n->kind == MF_SEQ ? mf_tb_seq(&r->tb, n->pos) : mf_tb_map(&r->tb, n->pos);
	for (size_t i = 0; n->kind == MF_SEQ && i < n->n; i++)
		mf_tb_push(&r->tb, out, lit_copy(r, n->items[i]));
	for (size_t i = 0; n->kind == MF_MAP && i < n->n; i++)
		mf_tb_put(&r->tb, out, n->pairs[i].key, lit_copy(r, n->pairs[i].val));
	return out;
}

/* shmSize in Compose's units; extraHosts as a map, sorted by host name. */
static void put_shm_hosts(rc *r, const mf_instance *in, mf_node *svc)
{
	const mf_node *shm = mf_get(in->spec, "shmSize"), *hosts = mf_get(in->spec, "extraHosts");
	mf_node *out;

	if (shm && mf_mem_bytes(shm) > 0)
		mf_tb_put(&r->tb, svc, "shm_size",
			  mf_tb_str(&r->tb, bytes_text(r, mf_mem_bytes(shm)), shm->pos));
	if (!hosts || hosts->kind != MF_MAP || !hosts->n)
		return;
	out = mf_tb_child(&r->tb, svc, "extra_hosts", hosts->pos);
	for (size_t i = 0; i < hosts->n; i++)
		mf_tb_put(&r->tb, out, hosts->pairs[i].key, lit_copy(r, hosts->pairs[i].val));
	if (out)
		mf_map_sort(out);
}

static void put_settings(rc *r, const mf_instance *in, mf_node *svc)
{
	const mf_node *ann = mf_get(in->spec, "annotations"), *v;

	for (size_t i = 0; i < mf_nsettings; i++)
		if ((v = mf_get(in->spec, mf_settings[i].key)) && v->kind != MF_NULL)
			mf_tb_put(&r->tb, svc, mf_settings[i].compose, lit_copy(r, v));
	put_shm_hosts(r, in, svc);
	/* annotations are free text: Compose labels (a `labels` key of the same name wins) */
	for (size_t k = 0; ann && ann->kind == MF_MAP && k < ann->n; k++)
		if (!mf_get(mf_get(in->spec, "labels"), ann->pairs[k].key))
			mf_tb_put(&r->tb, mf_tb_child(&r->tb, svc, "labels", ann->pos),
				  ann->pairs[k].key,
				  lit(r, mf_str(ann->pairs[k].val), ann->pairs[k].val->pos));
}

/* ---- one service, the document -------------------------------------------- */

/* dclint's service-keys-order; keys it does not name follow, sorted. */
static const char *const key_order[] = {
	"image",        "build",       "container_name", "depends_on",  "volumes",
	"volumes_from", "configs",     "secrets",        "environment", "env_file",
	"ports",        "networks",    "network_mode",   "extra_hosts", "command",
	"entrypoint",   "working_dir", "restart",        "healthcheck", "logging",
	"labels",       "user",        "isolation",
};
#define NKEYS MF_NELEM(key_order)

static size_t key_rank(const char *k)
{
	size_t i = 0;

	while (i < NKEYS && strcmp(key_order[i], k))
		i++;
	return i;
}

static int cmp_key(const void *x, const void *y)
{
	const mf_pair *a = x, *b = y;
	size_t ra = key_rank(a->key), rb = key_rank(b->key);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	return ra == NKEYS ? strcmp(a->key, b->key) : 0;
}

/* What the description asks for and Compose cannot do: said once per
 * environment, at the line that asked. */
/* runAsNonRoot is the kubelet's check that the image's user is not root;
 * Docker has none, so without a user id the container runs as whatever
 * user the image names, root included.  Once per line: a 'defaults' block
 * shared by every service is one edit. */
static void compose_non_root(rc *r, const mf_instance *in)
{
	const mf_node *sec = mf_get(in->spec, "security"), *v = mf_get(sec, "runAsNonRoot");
	const char *at;

	if (!v || v->kind != MF_BOOL || !v->v.b || mf_get(sec, "runAsUser"))
		return;
	at = mf_tb_printf(&r->tb, "non-root\n%u:%u:%u", (unsigned)v->pos.file,
			  (unsigned)v->pos.line, (unsigned)v->pos.col);
	if (at && mf_tb_hash_put(&r->tb, &r->users, at, (void *)at) == at)
		diag(r, MF_SEV_WARNING, v->pos, "compose-non-root",
		     "'%s' asks for runAsNonRoot, which Compose cannot check: with no "
		     "'runAsUser' (Compose 'user:') it runs in '%s' as the user its image names, "
		     "which may be root",
		     in->compose_name, r->e->name);
}

static void compose_cannot(rc *r, const mf_instance *in)
{
	compose_non_root(r, in);
	const mf_node *sched = mf_get(in->spec, "schedule"), *b = mf_get(in->spec, "backup");

	if (in->kind == MF_W_CRONJOB && sched)
		diag(r, MF_SEV_WARNING, sched->pos, "compose-schedule",
		     "'%s' runs in '%s' only when started ('docker compose run --rm %s'), not on "
		     "'%s': Compose has no scheduler",
		     in->compose_name, r->e->name, in->compose_name, mf_or(mf_str(sched), "?"));
	/* where the environment requires backups, Compose cannot give them */
	if (mf_backup_asked(b) && mf_truthy(mf_get(r->e->require, "backup")))
		diag(r, MF_SEV_WARNING, b->pos, "compose-backup",
		     "the data of '%s' is not backed up in '%s', which requires backups: Compose "
		     "has no backups",
		     in->compose_name, r->e->name);
}

static mf_node *render_service(rc *r, size_t i)
{
	const mf_instance *in = &r->e->inst[i];
	const mf_node *sec = mf_get(in->spec, "security");
	mf_node *svc = mf_tb_map(&r->tb, in->pos);

	if (!svc)
		return NULL;
	put_image(r, in, svc);
	put_depends(r, i, svc);
	put_volumes(r, in, svc);
	put_env(r, in, svc);
	put_deploy(r, in, svc, put_ports(r, in, svc) || host_network(in));
	put_command(r, in, svc);
	put_restart(r, in, svc);
	put_health(r, in, svc);
	put_labels_profiles(r, i, svc);
	put_identity(r, sec, svc);
	put_isolation(r, sec, svc);
	put_settings(r, in, svc);
	put_gpu_devices(r, in, svc);
	mf_tb_put(&r->tb, svc, "networks",
		  mf_compose_service_networks(r->c, &r->tb, r->s, in, &r->rc));
	compose_cannot(r, in);
	if (mf_compose_check_reach(r->c, in) < 0)
		r->rc = -1;
	mf_stable_sort(svc->pairs, svc->n, sizeof *svc->pairs, cmp_key);
	svc->index = NULL; /* the key index follows pair order */
	return svc;
}

/* Profiles and dependencies first: a service's profiles depend on who
 * needs it. */
static void render_services(rc *r)
{
	const mf_env *e = r->e;

	for (size_t i = 0; i < e->ninst; i++) {
		own_profiles(r, i);
		collect_deps(r, i);
		r->info[i].health = e->inst[i].health;
	}
	propagate(r);
	for (size_t i = 0; i < e->ninst && !r->tb.failed; i++) {
		if (mf_get(r->services, e->inst[i].compose_name))
			diag(r, MF_SEV_ERROR, e->inst[i].pos, "compose-service-name",
			     "two instances are named '%s' in Compose: rename the service or the "
			     "tenant",
			     e->inst[i].compose_name);
		mf_tb_put(&r->tb, r->services, e->inst[i].compose_name, render_service(r, i));
	}
	mf_map_sort(r->services);
}

static bool setup(rc *r)
{
	const mf_env *e = r->e;

	r->info = mf_tb_alloc(&r->tb, (e->ninst + 1) * sizeof *r->info);
	r->doc = mf_tb_map(&r->tb, e->pos);
	r->services = mf_tb_map(&r->tb, e->pos);
	r->volumes = mf_tb_map(&r->tb, e->pos);
	r->secrets = mf_tb_map(&r->tb, e->pos);
	r->vars = mf_tb_map(&r->tb, e->pos);
	r->sfiles = mf_tb_map(&r->tb, e->pos);
	r->files = mf_tb_map(&r->tb, e->pos);
	return !r->tb.failed;
}

/* Every profile any service has, sorted, for .env.example. */
static mf_node *all_profiles(rc *r)
{
	info all = {0};
	mf_node *out = mf_tb_seq(&r->tb, r->e->pos);

	for (size_t i = 0; i < r->e->ninst; i++)
		for (size_t k = 0; k < r->info[i].nprof; k++)
			prof_add(r, &all, r->info[i].prof[k]);
	for (size_t k = 0; k < all.nprof; k++)
		mf_tb_push(&r->tb, out, mf_tb_str(&r->tb, all.prof[k], r->e->pos));
	return out;
}

/* The project's name, environments.*.compose.project, else SYSTEM-ENV: one
 * value for the file's top-level `name` and .env's COMPOSE_PROJECT_NAME, so
 * the project (and its volumes) is the same with .env and without. */
static mf_node *project_name(rc *r)
{
	const mf_node *project = mf_path(r->e->node, "compose.project");

	if (project)
		return mf_tb_copy(&r->tb, project);
	return mf_tb_str(&r->tb, mf_tb_printf(&r->tb, "%s-%s", r->s->name, r->e->name), r->e->pos);
}

static mf_node *side_of(rc *r)
{
	mf_node *side = mf_tb_map(&r->tb, r->e->pos);

	mf_tb_put(&r->tb, side, "project", project_name(r));
	mf_tb_put(&r->tb, side, "profiles", all_profiles(r));
	mf_tb_put(&r->tb, side, "variables", r->vars);
	mf_tb_put(&r->tb, side, "secret-files", r->sfiles);
	mf_tb_put(&r->tb, side, "files", r->files);
	return side;
}

mf_node *mf_render_compose(mf_ctx *c, const mf_system *s, const mf_env *e, const mf_render_opts *o,
			   mf_node **side)
{
	static const mf_render_opts none;
	rc r = {.c = c, .s = s, .e = e, .o = o ? o : &none, .tb = {.a = c->a}};

	if (side)
		*side = NULL;
	if (!setup(&r))
		return mf_error(c, e->pos, "internal", "out of memory"), NULL;
	render_services(&r);
	mf_compose_alerts(&r.tb, s, e, r.services, r.files);
	mf_compose_grafana(&r.tb, s, e, r.services, r.files);
	mf_map_sort(r.volumes);
	mf_map_sort(r.secrets);
	/* the project's name: what `docker compose -p` would say (the Compose Specification) */
	mf_tb_put(&r.tb, r.doc, "name", project_name(&r));
	mf_tb_put(&r.tb, r.doc, "services", r.services);
	if (r.volumes->n)
		mf_tb_put(&r.tb, r.doc, "volumes", r.volumes);
	if (r.secrets->n)
		mf_tb_put(&r.tb, r.doc, "secrets", r.secrets);
	mf_tb_put(&r.tb, r.doc, "networks", mf_compose_networks(&r.tb, s));
	if (side)
		*side = side_of(&r);
	if (r.tb.failed)
		return mf_error(c, e->pos, "internal", "out of memory rendering Compose for '%s'",
				e->name),
		       NULL;
	return r.rc < 0 ? NULL : r.doc;
}
