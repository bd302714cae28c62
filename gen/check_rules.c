/* check: rules over pod specs: resources, probes, images, secrets, addresses, ports, spread */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "check_impl.h"

/* ---- resources ---------------------------------------------------------------- */

/* containers[].resources.{requests,limits}.{cpu,memory} */
static void resources_missing(mf_chk *k)
{
	static const char *const fields[] = {"requests.cpu", "requests.memory", "limits.cpu",
					     "limits.memory"};
	static const char *const names[] = {"cpu request", "memory request", "cpu limit",
					    "memory limit"};
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; i < n; i++) {
		const mf_node *res = mf_get(cs[i].node, "resources");
		const char *missing = NULL, *last = NULL;
		size_t nmissing = 0;
		for (size_t f = 0; f < MF_NELEM(fields); f++) {
			if (mf_path(res, fields[f]))
				continue;
			if (last)
				missing = !missing ? last
						   : mf_printf(k->c->a, "%s, %s", missing, last);
			last = names[f];
			nmissing++;
		}
		missing = !missing ? last : mf_printf(k->c->a, "%s or %s", missing, last);
		if (nmissing == MF_NELEM(fields))
			missing = "cpu and memory requests or limits";
		if (nmissing)
			mf_finding(k, MF_RULE_RESOURCES_MISSING,
				   mf_chk_at(k, res ? res : cs[i].node),
				   mf_printf(k->c->a, "%s.resources", cs[i].path), "%s sets no %s",
				   mf_chk_who(k, &cs[i]), missing);
	}
}

static void limit_below(mf_chk *k, const mf_ctr *ct, const char *what,
			long long (*parse)(const mf_node *))
{
	const mf_node *res = mf_get(ct->node, "resources");
	const mf_node *req = mf_get(mf_get(res, "requests"), what),
		      *lim = mf_get(mf_get(res, "limits"), what);
	long long rq = parse(req), lm = parse(lim);

	if (rq < 0 || lm < 0 || lm >= rq)
		return;
	mf_finding(k, MF_RULE_LIMITS_BELOW_REQUESTS, mf_chk_at(k, lim),
		   mf_printf(k->c->a, "%s.resources.limits.%s", ct->path, what),
		   "%s limits %s to %s, below its request of %s", mf_chk_who(k, ct), what,
		   mf_str(lim), mf_str(req));
}

static void limits_below_requests(mf_chk *k)
{
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; i < n; i++) {
		limit_below(k, &cs[i], "cpu", mf_cpu_millis);
		limit_below(k, &cs[i], "memory", mf_mem_bytes);
		limit_below(k, &cs[i], "ephemeral-storage", mf_mem_bytes);
	}
}

/* ---- probes --------------------------------------------------------------------- */

static const char *const probe_kinds[] = {"livenessProbe", "readinessProbe", "startupProbe"};
static const char *const probe_words[] = {"liveness", "readiness", "startup"};

/* containers[].readinessProbe / livenessProbe of long-running workloads:
 * readiness is what gates traffic and Compose's start-up order, so it is
 * the one required; a liveness probe is reported only when both lack */
static void probe_missing(mf_chk *k)
{
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);

	/* probes.image: Compose keeps the image's HEALTHCHECK; Kubernetes has none,
	 * which k8s-no-equivalent says at the key */
	if (!k->pod->long_running ||
	    (k->pod->obj && k->pod->obj->inst && k->pod->obj->inst->image_health))
		return;
	for (size_t i = 0; i < n; i++) {
		bool live = mf_get(cs[i].node, "livenessProbe") != NULL,
		     ready = mf_get(cs[i].node, "readinessProbe") != NULL;
		const char *path = mf_printf(k->c->a, "%s.readinessProbe", cs[i].path);
		if (cs[i].init || ready)
			continue;
		if (k->pod->compose)
			mf_finding(k, MF_RULE_PROBE_MISSING, mf_chk_at(k, cs[i].node), path,
				   "%s has no healthcheck", mf_chk_who(k, &cs[i]));
		else
			mf_finding(k, MF_RULE_PROBE_MISSING, mf_chk_at(k, cs[i].node), path,
				   "%s has no %s probe", mf_chk_who(k, &cs[i]),
				   live ? "readiness" : "liveness or readiness");
	}
}

static const mf_node *probe_action(const mf_node *probe)
{
	static const char *const actions[] = {"httpGet", "tcpSocket", "exec", "grpc"};

	for (size_t i = 0; i < MF_NELEM(actions); i++)
		if (mf_get(probe, actions[i]))
			return mf_get(probe, actions[i]);
	return NULL;
}

static void probe_identical(mf_chk *k)
{
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; i < n && !k->pod->compose; i++) {
		const mf_node *live = mf_get(cs[i].node, "livenessProbe"),
			      *ready = mf_get(cs[i].node, "readinessProbe");
		const mf_node *la = probe_action(live), *ra = probe_action(ready);
		if (la && ra && mf_equal(la, ra) && mf_equal(live, ready))
			mf_finding(k, MF_RULE_PROBE_IDENTICAL, mf_chk_at(k, live),
				   mf_printf(k->c->a, "%s.livenessProbe", cs[i].path),
				   "%s uses the same probe for liveness and readiness",
				   mf_chk_who(k, &cs[i]));
		else if (la && ra && mf_equal(la, ra))
			mf_finding(k, MF_RULE_PROBE_IDENTICAL, mf_chk_at(k, la),
				   mf_printf(k->c->a, "%s.livenessProbe", cs[i].path),
				   "%s checks the same thing for liveness and readiness",
				   mf_chk_who(k, &cs[i]));
	}
}

static void probe_timeout(mf_chk *k)
{
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; i < n; i++)
		for (size_t p = 0; p < MF_NELEM(probe_kinds); p++) {
			const mf_node *probe = mf_get(cs[i].node, probe_kinds[p]);
			const mf_node *t = mf_get(probe, "timeoutSeconds"),
				      *per = mf_get(probe, "periodSeconds");
			long long tv = t && t->kind == MF_INT ? t->v.i : 1,
				  pv = per && per->kind == MF_INT ? per->v.i : 10;
			if (!probe || (!t && !per) || tv < pv)
				continue;
			mf_finding(k, MF_RULE_PROBE_TIMEOUT, mf_chk_at(k, t ? t : per),
				   mf_printf(k->c->a, "%s.%s.timeoutSeconds", cs[i].path,
					     probe_kinds[p]),
				   "%s %s %s times out after %llds, not below its period of %llds",
				   mf_chk_who(k, &cs[i]), probe_words[p],
				   k->pod->compose ? "healthcheck" : "probe", tv, pv);
		}
}

/* slowStart: true (the description) or livenessProbe.initialDelaySeconds >= 60 */
static void startup_probe_missing(mf_chk *k)
{
	const mf_instance *in = k->pod->obj ? k->pod->obj->inst : NULL;
	const mf_node *slow = in ? mf_get(in->spec, "slowStart") : NULL;
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);

	if (!k->pod->long_running || k->pod->compose)
		return;
	for (size_t i = 0; i < n; i++) {
		const mf_node *delay = mf_path(cs[i].node, "livenessProbe.initialDelaySeconds");
		const char *path = mf_printf(k->c->a, "%s.startupProbe", cs[i].path);
		if (cs[i].init || mf_get(cs[i].node, "startupProbe"))
			continue;
		if (mf_is_true(slow))
			mf_finding(k, MF_RULE_STARTUP_PROBE_MISSING, mf_chk_at(k, slow), path,
				   "%s starts slowly ('slowStart') but has no startup probe",
				   mf_chk_who(k, &cs[i]));
		else if (delay && delay->kind == MF_INT && delay->v.i >= 60)
			mf_finding(k, MF_RULE_STARTUP_PROBE_MISSING, mf_chk_at(k, delay), path,
				   "%s delays its liveness probe by %llds but has no startup probe",
				   mf_chk_who(k, &cs[i]), delay->v.i);
	}
}

/* ---- images --------------------------------------------------------------------- */

static void each_image(mf_chk *k, void (*fn)(mf_chk *, const mf_ctr *, const mf_node *, mf_image))
{
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; i < n; i++) {
		const mf_node *img = mf_get(cs[i].node, "image");
		if (mf_str(img) && *mf_str(img))
			fn(k, &cs[i], img, mf_image_split(k->c, mf_str(img)));
	}
}

static void latest_one(mf_chk *k, const mf_ctr *ct, const mf_node *img, mf_image r)
{
	const char *path = mf_printf(k->c->a, "%s.image", ct->path);

	if (r.digest)
		return;
	if (!r.tag) {
		mf_diag *d = mf_finding(k, MF_RULE_IMAGE_LATEST, mf_chk_at(k, img), path,
					"%s uses image '%s' with no tag, which means 'latest'",
					mf_chk_who(k, ct), mf_str(img));
		/* a description: the system's own images could take its version */
		if (d && k->s)
			mf_diag_note(k->c, d,
				     "if it is one of the system's own images, list '%s' in "
				     "'system.images.own' and it takes the version '%s'",
				     r.repo, k->s->version);
	} else if (!strcmp(r.tag, "latest"))
		mf_finding(k, MF_RULE_IMAGE_LATEST, mf_chk_at(k, img), path,
			   "%s uses image '%s' with the 'latest' tag", mf_chk_who(k, ct),
			   mf_str(img));
}

static void image_latest(mf_chk *k)
{
	each_image(k, latest_one);
}

static void digest_one(mf_chk *k, const mf_ctr *ct, const mf_node *img, mf_image r)
{
	if (!r.digest)
		mf_finding(k, MF_RULE_IMAGE_DIGEST, mf_chk_at(k, img),
			   mf_printf(k->c->a, "%s.image", ct->path),
			   "%s uses image '%s' without a digest", mf_chk_who(k, ct), mf_str(img));
}

static void image_digest(mf_chk *k)
{
	if (k->e && mf_truthy(mf_get(k->e->require, "digest")))
		each_image(k, digest_one);
}

/* "postgres" is docker.io/library/postgres; a first part with a dot, a
 * colon or "localhost" is a registry */
static const char *full_name(mf_chk *k, const char *name)
{
	if (mf_image_has_registry(name))
		return name;
	return mf_printf(k->c->a, "docker.io/%s%s", strchr(name, '/') ? "" : "library/", name);
}

static void registry_one(mf_chk *k, const mf_ctr *ct, const mf_node *img, mf_image r)
{
	const mf_node *allowed = mf_get(k->e->require, "registries");
	const char *full = full_name(k, r.repo), *list = NULL;
	mf_diag *d;

	for (size_t i = 0; allowed && allowed->kind == MF_SEQ && i < allowed->n; i++) {
		const char *a = mf_str(allowed->items[i]);
		size_t len = a ? strlen(a) : 0;
		while (len && a[len - 1] == '/')
			len--;
		if (a && !strncmp(full, a, len) && (full[len] == '/' || !full[len]))
			return;
		list = !a     ? list
		       : list ? mf_printf(k->c->a, "%s, '%s'", list, a)
			      : mf_printf(k->c->a, "'%s'", a);
	}
	d = mf_finding(k, MF_RULE_IMAGE_REGISTRY, mf_chk_at(k, img),
		       mf_printf(k->c->a, "%s.image", ct->path),
		       "%s pulls image '%s' from a registry that is not allowed", mf_chk_who(k, ct),
		       mf_str(img));
	if (d)
		mf_diag_note(k->c, d, "allowed registries in '%s': %s", k->e->name,
			     list ? list : "none");
}

static void image_registry(mf_chk *k)
{
	if (k->e && mf_get(k->e->require, "registries"))
		each_image(k, registry_one);
}

/* ---- secrets and addresses ------------------------------------------------------- */

enum {
	RE_URL_CRED,
	RE_IPV4,
	RE_IMAGE_CRED,
	RE_TOKEN0, /* RE_TOKEN0 + i: mf_token_shapes[i] */
};

static const struct {
	const char *re;
	bool caseless;
} builtin_re[] = {
	[RE_URL_CRED] = {mf_url_password_re, false},
	[RE_IMAGE_CRED] = {mf_image_password_re, false},
	[RE_IPV4] =
		{"(?<![0-9A-Za-z.])(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}"
		 "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?![0-9A-Za-z]|\\.[0-9]|/[0-9])",
		 false},
};

static const void *re_get(mf_chk *k, size_t i)
{
	if ((size_t)i >= MF_NRE)
		return NULL;
	if (!k->re[i]) {
		if (i >= RE_TOKEN0)
			k->re[i] = mf_re_compile(mf_token_shapes[i - RE_TOKEN0].re, false, NULL, 0);
		else
			k->re[i] = mf_re_compile(builtin_re[i].re, builtin_re[i].caseless, NULL, 0);
	}
	return k->re[i];
}

/* The default of a Compose or shell reference written as the whole value,
 * "${NAME:-DEFAULT}" or "${NAME-DEFAULT}": [*from, *to) in s, false when
 * there is none (or it is empty). */
static bool ref_default(const char *s, size_t *from, size_t *to)
{
	size_t i = 2, depth = 1;

	if (s[0] != '$' || s[1] != '{')
		return false;
	while (s[i] && (s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
		i++;
	if (s[i] == ':')
		i++;
	if (s[i] != '-')
		return false;
	*from = ++i;
	for (; s[i] && depth; i++)
		depth += s[i] == '{' ? 1 : s[i] == '}' ? -1 : 0;
	*to = i - 1;
	return !depth && *to > *from;
}

/* A literal that is a reference, a flag or a number is not a secret; a
 * reference's literal default is (stacks ship "${DB_PASSWORD:-changeme}"). */
static bool literal_text(mf_chk *k, const char *s)
{
	static const char *const flags[] = {"true", "false", "yes",  "no",      "on",
					    "off",  "none",  "null", "changeme"};
	size_t from, to;

	if (!s || !*s)
		return false;
	if (ref_default(s, &from, &to))
		return literal_text(k, mf_strndup(k->c->a, s + from, to - from));
	if ((s[0] == '$' && (s[1] == '{' || s[1] == '(')) || (s[0] == '{' && s[1] == '{'))
		return false;
	if (strspn(s, "0123456789") == strlen(s))
		return false;
	for (size_t i = 0; i < MF_NELEM(flags) - 1; i++)
		if (!strcasecmp(s, flags[i]))
			return false;
	return true;
}

static bool literal_secret(mf_chk *k, const mf_node *v)
{
	return v && v->kind == MF_STR && literal_text(k, v->str);
}

/* user:password@ (the user may be empty: redis://:pw@host) with a password
 * that is not a placeholder, or is one with a literal default */
static bool real_password(mf_chk *k, const char *s, size_t so, size_t eo)
{
	const char *scheme = strstr(s + so, "://"), *colon, *at;
	size_t from, to;

	if (!scheme || (size_t)(scheme - s) >= eo)
		return false;
	colon = memchr(scheme + 3, ':', eo - (size_t)(scheme + 3 - s));
	at = colon ? memchr(colon, '@', eo - (size_t)(colon - s)) : NULL;
	if (!colon || !at || at == colon + 1)
		return false;
	if (colon[1] == '$') {
		const char *pw = mf_strndup(k->c->a, colon + 1, (size_t)(at - colon - 1));
		return pw && ref_default(pw, &from, &to) && literal_text(k, pw);
	}
	return !strchr("<{*%", colon[1]);
}

static bool exempt_ip(const char *s, size_t so)
{
	return !strncmp(s + so, "127.", 4) || !strncmp(s + so, "0.0.0.0", 7) ||
	       !strncmp(s + so, "255.", 4);
}

/* The excerpt under a finding does not show the secret it is about. */
static void hide(mf_diag *d)
{
	if (d)
		d->mask_token = true;
}

/* The text scanners: `what` names the value in messages ("'DATABASE_URL'",
 * "its command"); none repeats a secret in its message. */
/* What a value gives the rule, worked out before any text of the finding
 * is built: most values find nothing, and labels and env vars are many. */
typedef struct {
	size_t shape;      /* secret-token: which token shape */
	const char *first; /* hard-coded-ip: the first address */
	size_t nips;       /* hard-coded-ip: how many */
} value_hit;

static bool value_finds(mf_chk *k, mf_rule_id r, const mf_node *v, value_hit *h)
{
	const char *s = mf_str(v);
	size_t so, eo, from = 0;

	*h = (value_hit){0};
	if (!s || v->kind != MF_STR)
		return false;
	/* tests that rule out most values before their patterns run: every
	 * match of RE_URL_CRED holds "://", of RE_IPV4 a digit and a dot */
	if (r == MF_RULE_SECRET_TOKEN) {
		for (size_t i = 0; mf_token_shape_any(s) && i < mf_ntoken_shapes; i++)
			if (mf_re_find(re_get(k, RE_TOKEN0 + i), s, 0, &so, &eo)) {
				h->shape = i;
				return true;
			}
	} else if (r == MF_RULE_URL_CREDENTIALS) {
		for (; strstr(s, "://") && mf_re_find(re_get(k, RE_URL_CRED), s, from, &so, &eo);
		     from = eo)
			if (real_password(k, s, so, eo))
				return true;
	} else if (r == MF_RULE_HARD_CODED_IP && !(v->flags & MF_BYREF)) {
		for (; strchr(s, '.') && strpbrk(s, "0123456789") &&
		       mf_re_find(re_get(k, RE_IPV4), s, from, &so, &eo);
		     from = eo)
			if (!exempt_ip(s, so) && !h->nips++)
				h->first = mf_strndup(k->c->a, s + so, eo - so);
		return h->nips > 0;
	}
	return false;
}

static void value_report(mf_chk *k, mf_rule_id r, const mf_node *v, const value_hit *h,
			 const char *what, const char *path)
{
	if (r == MF_RULE_SECRET_TOKEN)
		hide(mf_finding(k, r, mf_chk_at(k, v), path, "%s holds what looks like %s in %s",
				mf_chk_who(k, NULL), mf_token_shapes[h->shape].what, what));
	else if (r == MF_RULE_URL_CREDENTIALS)
		mf_finding(k, r, mf_chk_at(k, v), path, "%s embeds a password in a URL in %s",
			   mf_chk_who(k, NULL), what);
	else if (h->nips == 1)
		mf_finding(k, r, mf_chk_at(k, v), path, "%s hard-codes IP address '%s' in %s",
			   mf_chk_who(k, NULL), h->first, what);
	else
		mf_finding(k, r, mf_chk_at(k, v), path,
			   "%s hard-codes IP address '%s' and %zu more in %s", mf_chk_who(k, NULL),
			   h->first, h->nips - 1, what);
}

static void scan_value(mf_chk *k, mf_rule_id r, const mf_node *v, const char *what,
		       const char *path)
{
	value_hit h;

	if (value_finds(k, r, v, &h))
		value_report(k, r, v, &h, what, path);
}

/* A value under a name (an env var, a label, a ConfigMap key): secret-literal
 * reads the name, the other rules the value. */
static bool named_finds(mf_chk *k, mf_rule_id r, const char *name, const mf_node *v,
			value_hit *h)
{
	if (r != MF_RULE_SECRET_LITERAL)
		return value_finds(k, r, v, h);
	return name && mf_secret_value(name, mf_str(v)) && literal_secret(k, v);
}

static void named_report(mf_chk *k, mf_rule_id r, const mf_node *v, const value_hit *h,
			 const char *what, const char *path)
{
	if (r != MF_RULE_SECRET_LITERAL)
		value_report(k, r, v, h, what, path);
	else
		hide(mf_finding(k, r, mf_chk_at(k, v), path, "%s sets %s to a literal %s",
				mf_chk_who(k, NULL), what,
				v->str[0] == '$' ? "default value" : "value"));
}

/* A word of a command line as the shell reads it: quotes around it go,
 * and "$VAR" or "$(cat /run/secrets/x)" is a reference, not a literal. */
static bool literal_arg(mf_chk *k, const char *w)
{
	size_t n = strlen(w);

	while (n && (w[n - 1] == '"' || w[n - 1] == '\''))
		n--;
	while (n && (*w == '"' || *w == '\''))
		w++, n--;
	return n && *w != '$' && literal_text(k, mf_strndup(k->c->a, w, n));
}

/* The literal a word of a command line gives a secret, or NULL: the value
 * of "--flag value" or "--flag=value" when the flag takes one, or of
 * "NAME=value" when NAME holds one (PGPASSWORD=... before a command, in
 * `sh -c`).  *want says the next word is a flag's value. */
static const char *word_secret(mf_chk *k, const char *w, size_t n, bool *want)
{
	size_t eq = strcspn(w, "=");
	const char *val = NULL, *name;

	if (*want && n && w[0] != '-')
		val = mf_strndup(k->c->a, w, n);
	else if (n > 2 && w[0] == '-' && eq < n && mf_secret_flag(w, eq))
		val = mf_strndup(k->c->a, w + eq + 1, n - eq - 1);
	else if (w[0] != '-' && eq < n && eq && (name = mf_strndup(k->c->a, w, eq)) &&
		 mf_secret_name(name))
		val = mf_strndup(k->c->a, w + eq + 1, n - eq - 1);
	*want = n > 2 && w[0] == '-' && eq >= n && mf_secret_flag(w, n);
	return val && literal_arg(k, val) ? val : NULL;
}

/* The words of an argv (a word may be a shell line: `sh -c "redis-server
 * --requirepass x"`): one finding at the first literal secret. */
static void scan_words(mf_chk *k, const mf_node *seq, const char *path, const char *what)
{
	bool want = false;

	for (size_t i = 0; seq && seq->kind == MF_SEQ && i < seq->n; i++) {
		const char *s = mf_str(seq->items[i]);
		for (const char *w = s; w && *w;) {
			size_t n = strcspn(w, " \t");
			if (word_secret(k, w, n, &want)) {
				/* the excerpt masks flag and NAME= values itself (pattern.c) */
				mf_finding(k, MF_RULE_SECRET_LITERAL, mf_chk_at(k, seq->items[i]),
					   mf_printf(k->c->a, "%s[%zu]", path, i),
					   "%s passes a literal secret in %s", mf_chk_who(k, NULL),
					   what);
				return;
			}
			w += n;
			w += strspn(w, " \t");
		}
	}
}

/* A command (an argv at path) for the running rule: its words, or each
 * argument as a value. */
static void scan_argv(mf_chk *k, const mf_node *seq, const char *path, const char *what)
{
	if (k->rule == MF_RULE_SECRET_LITERAL) {
		scan_words(k, seq, path, what);
		return;
	}
	for (size_t i = 0; seq && seq->kind == MF_SEQ && i < seq->n; i++)
		scan_value(k, k->rule, seq->items[i], what, mf_printf(k->c->a, "%s[%zu]", path, i));
}

/* Labels and annotations (path: "metadata"): a name that holds a secret
 * with a literal value, a token, a URL with a password.  Addresses in
 * them are no finding: load balancers take theirs from annotations. */
static void scan_meta(mf_chk *k, const mf_node *meta, const char *path)
{
	static const char *const fields[] = {"labels", "annotations"};

	if (k->rule == MF_RULE_HARD_CODED_IP)
		return;
	for (size_t f = 0; f < MF_NELEM(fields); f++) {
		const mf_node *m = mf_get(meta, fields[f]);
		for (size_t i = 0; m && m->kind == MF_MAP && i < m->n; i++) {
			const mf_pair *p = &m->pairs[i];
			value_hit h;
			if (named_finds(k, k->rule, p->key, p->val, &h))
				named_report(k, k->rule, p->val, &h,
					     mf_printf(k->c->a, "%s '%s'",
						       f ? "annotation" : "label", p->key),
					     mf_printf(k->c->a, "%s.%s[\"%s\"]", path, fields[f],
						       p->key));
		}
	}
}

/* user:password@registry/repo in an image reference */
static void scan_image(mf_chk *k, const mf_ctr *ct)
{
	const mf_node *img = mf_get(ct->node, "image");
	const char *s = mf_str(img);
	size_t so, eo;

	if (!s || img->kind != MF_STR || !mf_re_find(re_get(k, RE_IMAGE_CRED), s, 0, &so, &eo))
		return;
	/* the excerpt masks the password itself (pattern.c) */
	mf_finding(k, MF_RULE_URL_CREDENTIALS, mf_chk_at(k, img),
		   mf_printf(k->c->a, "%s.image", ct->path),
		   "%s pulls its image with a password in the reference", mf_chk_who(k, ct));
}

/* The commands a container runs besides its own: exec probes (a Compose
 * healthcheck among them) and lifecycle hooks. */
static void scan_execs(mf_chk *k, const mf_ctr *ct)
{
	static const char *const where[] = {"livenessProbe", "readinessProbe", "startupProbe",
					    "lifecycle.postStart", "lifecycle.preStop"};
	static const char *const what[] = {"its liveness probe", "its readiness probe",
					   "its startup probe", "its postStart hook",
					   "its preStop hook"};

	for (size_t i = 0; i < MF_NELEM(where); i++) {
		const mf_node *cmd = mf_path(mf_path(ct->node, where[i]), "exec.command");
		if (cmd)
			scan_argv(k, cmd,
				  mf_printf(k->c->a, "%s.%s.exec.command", ct->path, where[i]),
				  k->pod->compose && i == 1 ? "its healthcheck" : what[i]);
	}
}

/* containers[].env[].value, command, args, image, exec probes and hooks;
 * the pod template's labels and annotations (every scanning rule) */
static void scan_pod(mf_chk *k)
{
	mf_rule_id r = k->rule;
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; i < n; i++) {
		const mf_node *env = mf_get(cs[i].node, "env");
		for (size_t j = 0; env && env->kind == MF_SEQ && j < env->n; j++) {
			const char *name = mf_get_str(env->items[j], "name");
			const mf_node *v = mf_get(env->items[j], "value");
			value_hit h;
			if (v && named_finds(k, r, name, v, &h))
				named_report(k, r, v, &h, mf_printf(k->c->a, "'%s'", name ? name : "?"),
					     mf_printf(k->c->a, "%s.env[%zu].value", cs[i].path, j));
		}
		scan_argv(k, mf_get(cs[i].node, "command"),
			  mf_printf(k->c->a, "%s.command", cs[i].path), "its command");
		scan_argv(k, mf_get(cs[i].node, "args"), mf_printf(k->c->a, "%s.args", cs[i].path),
			  "its arguments");
		scan_execs(k, &cs[i]);
		if (r == MF_RULE_URL_CREDENTIALS)
			scan_image(k, &cs[i]);
	}
	/* a bare Pod's metadata is its object's: scan_objects reads that */
	if (k->pod->meta && (!k->pod->obj || k->pod->meta != mf_get(k->pod->obj->doc, "metadata")))
		scan_meta(k, k->pod->meta, k->pod->meta_base);
}

/* Velero's backup hooks: spec.template.hooks.resources[].{pre,post}[].exec.command */
static void scan_hooks(mf_chk *k, const mf_object *o)
{
	static const char *const phases[] = {"pre", "post"};
	const mf_node *res = mf_path(o->doc, "spec.template.hooks.resources");

	for (size_t i = 0; res && res->kind == MF_SEQ && i < res->n; i++)
		for (size_t p = 0; p < MF_NELEM(phases); p++) {
			const mf_node *hooks = mf_get(res->items[i], phases[p]);
			for (size_t j = 0; hooks && hooks->kind == MF_SEQ && j < hooks->n; j++)
				scan_argv(k, mf_path(hooks->items[j], "exec.command"),
					  mf_printf(k->c->a,
						    "spec.template.hooks.resources[%zu].%s[%zu]."
						    "exec.command",
						    i, phases[p], j),
					  "a backup hook's command");
		}
}

/* Every object's labels and annotations, ConfigMap data (configs.*.data)
 * and Velero hooks, for every scanning rule */
static void scan_objects(mf_chk *k)
{
	mf_rule_id r = k->rule;

	for (size_t i = 0; k->velero && i < k->velero->n; i++) {
		k->obj = &k->velero->v[i];
		k->in = k->obj->inst;
		scan_hooks(k, k->obj);
	}

	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		const mf_node *data = mf_get(o->doc, "data");
		k->obj = o;
		k->in = o->inst;
		scan_meta(k, mf_get(o->doc, "metadata"), "metadata");
		if (mf_kind_is(o, "Schedule"))
			scan_hooks(k, o);
		if (!mf_kind_is(o, "ConfigMap") || !data || data->kind != MF_MAP)
			continue;
		for (size_t j = 0; j < data->n; j++) {
			const mf_pair *p = &data->pairs[j];
			value_hit h;
			if (named_finds(k, r, p->key, p->val, &h))
				named_report(k, r, p->val, &h, mf_printf(k->c->a, "key '%s'", p->key),
					     mf_printf(k->c->a, "data[\"%s\"]", p->key));
		}
	}
}

/* ---- ports in a pod -------------------------------------------------------------- */

typedef struct port_ent {
	long long number;
	const char *proto;
	const char *name;
	const mf_node *node;
	const char *path;
	const char *ctr;
	size_t order;
} port_ent;

static int cmp_port_num(const void *x, const void *y)
{
	const port_ent *a = x, *b = y;
	int r = (a->number > b->number) - (a->number < b->number);

	if (!r)
		r = strcmp(a->proto, b->proto);
	return r ? r : (a->order > b->order) - (a->order < b->order);
}

static int cmp_port_name(const void *x, const void *y)
{
	const port_ent *a = x, *b = y;
	int r = strcmp(a->name ? a->name : "", b->name ? b->name : "");

	return r ? r : (a->order > b->order) - (a->order < b->order);
}

static port_ent *pod_ports(mf_chk *k, size_t *n)
{
	size_t nc, total = 0, at = 0;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &nc);
	port_ent *v;

	for (size_t i = 0; i < nc; i++) {
		const mf_node *ports = mf_get(cs[i].node, "ports");
		total += ports && ports->kind == MF_SEQ ? ports->n : 0;
	}
	v = mf_alloc(k->c->a, (total + 1) * sizeof *v);
	for (size_t i = 0; v && i < nc; i++) {
		const mf_node *ports = mf_get(cs[i].node, "ports");
		for (size_t j = 0; ports && ports->kind == MF_SEQ && j < ports->n; j++) {
			const mf_node *p = ports->items[j];
			const char *proto = mf_get_str(p, "protocol");
			v[at] = (port_ent){mf_get_int(p, "containerPort", -1),
					   proto ? proto : "TCP",
					   mf_get_str(p, "name"),
					   p,
					   mf_printf(k->c->a, "%s.ports[%zu]", cs[i].path, j),
					   cs[i].name,
					   at};
			at++;
		}
	}
	*n = v ? at : 0;
	return v;
}

/* Sorting puts equal numbers (and names) next to each other; the later
 * declaration is reported, with the first in the note. */
static void port_duplicate(mf_chk *k)
{
	size_t n;
	port_ent *v = pod_ports(k, &n);

	mf_qsort(v, n, sizeof *v, cmp_port_num);
	for (size_t i = 1; i < n; i++)
		if (v[i].number >= 0 && v[i].number == v[i - 1].number &&
		    !strcmp(v[i].proto, v[i - 1].proto))
			mf_finding(k, MF_RULE_PORT_DUPLICATE, mf_chk_at(k, v[i].node),
				   mf_printf(k->c->a, "%s.containerPort", v[i].path),
				   "%s declares port %lld/%s twice", mf_chk_who(k, NULL),
				   v[i].number, v[i].proto);
	mf_qsort(v, n, sizeof *v, cmp_port_name);
	for (size_t i = 1; i < n; i++)
		if (v[i].name && v[i - 1].name && !strcmp(v[i].name, v[i - 1].name))
			mf_finding(k, MF_RULE_PORT_DUPLICATE, mf_chk_at(k, v[i].node),
				   mf_printf(k->c->a, "%s.name", v[i].path),
				   "%s declares port name '%s' twice", mf_chk_who(k, NULL),
				   v[i].name);
}

/* The container port named `name`, preferring one of protocol `proto`. */
static const mf_node *named_port(const mf_node *ctr, const char *name, const char *proto,
				 bool *other_proto)
{
	const mf_node *ports = mf_get(ctr, "ports");

	*other_proto = false;
	for (size_t i = 0; ports && ports->kind == MF_SEQ && i < ports->n; i++) {
		const char *n = mf_get_str(ports->items[i], "name"),
			   *p = mf_or(mf_get_str(ports->items[i], "protocol"), "TCP");
		if (!n || strcmp(n, name))
			continue;
		if (!strcmp(p, proto))
			return ports->items[i];
		*other_proto = true;
	}
	return NULL;
}

/* containers[].*Probe.{httpGet,tcpSocket,grpc}.port: a number needs no
 * declaration (Kubernetes connects to it as given), a name must be a TCP
 * port of the container, since every probe connects over TCP */
static void probe_port(mf_chk *k, const mf_ctr *ct, size_t p, const char *action,
		       const mf_node *port)
{
	bool udp;
	const char *path;

	if (!port || port->kind != MF_STR || named_port(ct->node, port->str, "TCP", &udp))
		return;
	path = mf_printf(k->c->a, "%s.%s.%s.port", ct->path, probe_kinds[p], action);
	if (udp)
		mf_finding(k, MF_RULE_PORT_UNDECLARED, mf_chk_at(k, port), path,
			   "%s %s probe targets port '%s', which the container declares for "
			   "UDP only (probes connect over TCP)",
			   mf_chk_who(k, ct), probe_words[p], port->str);
	else
		mf_finding(k, MF_RULE_PORT_UNDECLARED, mf_chk_at(k, port), path,
			   "%s %s probe targets port '%s', which the container does not declare",
			   mf_chk_who(k, ct), probe_words[p], port->str);
}

static void probe_ports(mf_chk *k)
{
	static const char *const actions[] = {"httpGet", "tcpSocket", "grpc"};
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; i < n && !k->pod->compose; i++)
		for (size_t p = 0; p < MF_NELEM(probe_kinds); p++)
			for (size_t a = 0; a < MF_NELEM(actions); a++)
				probe_port(k, &cs[i], p, actions[a],
					   mf_get(mf_get(mf_get(cs[i].node, probe_kinds[p]),
							 actions[a]),
						  "port"));
}

/* Whether a term's labelSelector selects the workload's own pods (the
 * matchLabels; expressions are taken to match): a term without one, or
 * one for other pods, keeps these replicas together. */
static bool selects_own(const mf_node *sel, const mf_node *labels)
{
	const mf_node *ml = mf_get(sel, "matchLabels");

	if (!sel || sel->kind != MF_MAP)
		return false;
	for (size_t i = 0; ml && ml->kind == MF_MAP && i < ml->n; i++)
		if (!mf_str(ml->pairs[i].val) || !mf_str(mf_get(labels, ml->pairs[i].key)) ||
		    strcmp(mf_str(ml->pairs[i].val), mf_str(mf_get(labels, ml->pairs[i].key))))
			return false;
	return true;
}

static bool any_term(const mf_node *seq, const char *via, const mf_node *labels)
{
	for (size_t i = 0; seq && seq->kind == MF_SEQ && i < seq->n; i++) {
		const mf_node *t = via ? mf_get(seq->items[i], via) : seq->items[i];
		if (selects_own(mf_get(t, "labelSelector"), labels))
			return true;
	}
	return false;
}

/* An anti-affinity term or a spread constraint over the workload's own
 * pods: `podAntiAffinity: {}`, `topologySpreadConstraints: []` and terms
 * that select other pods ask for nothing. */
static bool spreads(const mf_node *spec, const mf_node *labels)
{
	const mf_node *anti = mf_path(spec, "affinity.podAntiAffinity");

	return any_term(mf_get(spec, "topologySpreadConstraints"), NULL, labels) ||
	       any_term(mf_get(anti, "requiredDuringSchedulingIgnoredDuringExecution"), NULL,
			labels) ||
	       any_term(mf_get(anti, "preferredDuringSchedulingIgnoredDuringExecution"),
			"podAffinityTerm", labels);
}

static void spread_missing(mf_chk *k)
{
	const mf_object *o = k->pod->obj;
	long long n;

	if (k->pod->compose || !o ||
	    (strcmp(o->kind, "Deployment") && strcmp(o->kind, "StatefulSet")))
		return;
	n = mf_most_replicas(k, o, k->pod);
	if (n <= 1 || spreads(k->pod->spec, mf_get(k->pod->meta, "labels")))
		return;
	mf_finding(k, MF_RULE_SPREAD_MISSING, mf_chk_at(k, mf_path(o->doc, "spec.replicas")),
		   mf_printf(k->c->a, "%s.affinity", k->pod->base),
		   "'%s' runs up to %lld replicas with no anti-affinity or topology spread",
		   mf_chk_name(k), n);
}

/* ---- hygiene of pod specs -------------------------------------------------------- */

typedef struct env_ent {
	const char *name;
	size_t index;
} env_ent;

static int cmp_env(const void *x, const void *y)
{
	const env_ent *a = x, *b = y;
	int r = strcmp(a->name, b->name);

	return r ? r : (a->index > b->index) - (a->index < b->index);
}

/* containers[].env[].name: sorted, so a later duplicate sits after its first */
static void env_one(mf_chk *k, const mf_ctr *ct)
{
	const mf_node *env = mf_get(ct->node, "env");
	env_ent *v =
		env && env->kind == MF_SEQ ? mf_alloc(k->c->a, (env->n + 1) * sizeof *v) : NULL;
	size_t n = 0;

	for (size_t i = 0; v && i < env->n; i++)
		if (mf_get_str(env->items[i], "name"))
			v[n++] = (env_ent){mf_get_str(env->items[i], "name"), i};
	if (v)
		mf_qsort(v, n, sizeof *v, cmp_env);
	for (size_t i = 1; v && i < n; i++) {
		mf_diag *d;
		if (strcmp(v[i].name, v[i - 1].name))
			continue;
		d = mf_finding(k, MF_RULE_ENV_DUPLICATE,
			       mf_chk_at(k, mf_get(env->items[v[i].index], "name")),
			       mf_printf(k->c->a, "%s.env[%zu].name", ct->path, v[i].index),
			       "%s sets '%s' twice; the last one wins", mf_chk_who(k, ct),
			       v[i].name);
		if (d && mf_get(env->items[v[i - 1].index], "name")->pos.file)
			mf_diag_note(k->c, d, "first set at line %u",
				     mf_get(env->items[v[i - 1].index], "name")->pos.line);
	}
}

static void env_duplicate(mf_chk *k)
{
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; i < n; i++)
		env_one(k, &cs[i]);
}

/* The entry of a capability list that names cap (or ALL), or NULL. */
static const char *caps_list(const mf_node *seq, const char *cap)
{
	for (size_t i = 0; seq && seq->kind == MF_SEQ && i < seq->n; i++) {
		const char *s = mf_str(seq->items[i]);
		/* Compose folds case and drops CAP_; the checks of the adapted pod see both */
		if (s && !strncasecmp(s, "CAP_", 4))
			s += 4;
		if (s && (!strcasecmp(s, cap) || !strcasecmp(s, "ALL")))
			return s;
	}
	return NULL;
}

/* Why the container cannot bind a port below 1024, or NULL when it can. */
static const char *no_bind(mf_chk *k, const mf_ctr *ct)
{
	const mf_node *caps = mf_path(ct->node, "securityContext.capabilities");
	const mf_node *sysctls = mf_path(k->pod->spec, "securityContext.sysctls");
	const char *path, *dropped;
	const mf_node *user = mf_sec_field(k, k->pod, ct, "runAsUser", &path),
		      *nonroot = mf_sec_field(k, k->pod, ct, "runAsNonRoot", &path);

	for (size_t i = 0; sysctls && sysctls->kind == MF_SEQ && i < sysctls->n; i++)
		if (mf_get_str(sysctls->items[i], "name") &&
		    !strcmp(mf_get_str(sysctls->items[i], "name"),
			    "net.ipv4.ip_unprivileged_port_start"))
			return NULL;
	if (caps_list(mf_get(caps, "add"), "NET_BIND_SERVICE"))
		return NULL;
	if ((dropped = caps_list(mf_get(caps, "drop"), "NET_BIND_SERVICE")) != NULL)
		return strcasecmp(dropped, "ALL") ? "drops NET_BIND_SERVICE"
						  : "drops ALL capabilities without adding "
						    "NET_BIND_SERVICE back";
	if ((user && user->kind == MF_INT && user->v.i != 0) || mf_is_true(nonroot))
		return "runs as a non-root user without NET_BIND_SERVICE";
	return NULL;
}

/* containers[].ports[].containerPort below 1024 (the host's, on the host network) */
static void port_privileged(mf_chk *k)
{
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);
	const char *os = mf_str(mf_path(k->pod->spec, "os.name"));

	/* Docker lowers ip_unprivileged_port_start to 0 in every container */
	if (k->pod->compose || (os && !strcmp(os, "windows")))
		return;
	for (size_t i = 0; i < n; i++) {
		const mf_node *ports = mf_get(cs[i].node, "ports");
		const char *why = ports ? no_bind(k, &cs[i]) : NULL;
		for (size_t j = 0; why && ports->kind == MF_SEQ && j < ports->n; j++) {
			const mf_node *p = mf_get(ports->items[j], "containerPort");
			if (!p || p->kind != MF_INT || p->v.i <= 0 || p->v.i >= 1024)
				continue;
			mf_finding(k, MF_RULE_PORT_PRIVILEGED, mf_chk_at(k, p),
				   mf_printf(k->c->a, "%s.ports[%zu].containerPort", cs[i].path, j),
				   "%s listens on privileged port %lld but %s",
				   mf_chk_who(k, &cs[i]), p->v.i, why);
		}
	}
}

static void port_ssh(mf_chk *k)
{
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; i < n; i++) {
		const mf_node *ports = mf_get(cs[i].node, "ports");
		for (size_t j = 0; ports && ports->kind == MF_SEQ && j < ports->n; j++) {
			const mf_node *p = mf_get(ports->items[j], "containerPort");
			if (p && p->kind == MF_INT && p->v.i == 22)
				mf_finding(k, MF_RULE_PORT_SSH, mf_chk_at(k, p),
					   mf_printf(k->c->a, "%s.ports[%zu].containerPort",
						     cs[i].path, j),
					   "%s exposes port 22 (SSH)", mf_chk_who(k, &cs[i]));
		}
	}
}

static void pull_one(mf_chk *k, const mf_ctr *ct, const mf_node *img, mf_image r)
{
	const mf_node *policy = mf_get(ct->node, "imagePullPolicy");
	const char *p = mf_str(policy);

	if (r.digest || (r.tag && strcmp(r.tag, "latest")) || !p || !strcmp(p, "Always"))
		return;
	mf_finding(k, MF_RULE_IMAGE_PULL_POLICY, mf_chk_at(k, policy),
		   mf_printf(k->c->a, "%s.imagePullPolicy", ct->path),
		   "%s pulls the mutable image '%s' with imagePullPolicy %s, so nodes keep "
		   "whatever they pulled first",
		   mf_chk_who(k, ct), mf_str(img), p);
}

static void image_pull_policy(mf_chk *k)
{
	if (!k->pod->compose)
		each_image(k, pull_one);
}

static void ephemeral_storage_missing(mf_chk *k)
{
	size_t n;
	mf_ctr *cs = k->pod->compose ? NULL : mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; cs && i < n; i++) {
		const mf_node *res = mf_get(cs[i].node, "resources");
		bool req = mf_path(res, "requests.ephemeral-storage") != NULL,
		     lim = mf_path(res, "limits.ephemeral-storage") != NULL;
		if (req && lim)
			continue;
		mf_finding(k, MF_RULE_EPHEMERAL_STORAGE_MISSING,
			   mf_chk_at(k, res ? res : cs[i].node),
			   mf_printf(k->c->a, "%s.resources", cs[i].path),
			   "%s sets no ephemeral-storage %s", mf_chk_who(k, &cs[i]),
			   req   ? "limit"
			   : lim ? "request"
				 : "request or limit");
	}
}

/* spec.serviceAccountName unset or "default", with the token mounted */
static void service_account_default(mf_chk *k)
{
	const mf_node *spec = k->pod->spec;
	const char *sa = mf_get_str(spec, "serviceAccountName");

	if (!sa)
		sa = mf_get_str(spec, "serviceAccount");
	if (k->pod->compose || (sa && *sa && strcmp(sa, "default")) ||
	    mf_is_false(mf_get(spec, "automountServiceAccountToken")))
		return;
	mf_finding(k, MF_RULE_SERVICE_ACCOUNT_DEFAULT,
		   mf_chk_at(k, mf_get(spec, sa ? "serviceAccountName" : "containers")),
		   mf_printf(k->c->a, "%s.serviceAccountName", k->pod->base),
		   "'%s' runs as the namespace's default service account", mf_chk_name(k));
}

static void service_account_deprecated(mf_chk *k)
{
	const mf_node *sa = mf_get(k->pod->spec, "serviceAccount");

	if (!k->pod->compose && sa && mf_str(sa))
		mf_finding(k, MF_RULE_SERVICE_ACCOUNT_DEPRECATED, mf_chk_at(k, sa),
			   mf_printf(k->c->a, "%s.serviceAccount", k->pod->base),
			   "'%s' sets the deprecated 'serviceAccount'; use 'serviceAccountName'",
			   mf_chk_name(k));
}

const mf_rule_impl mf_core_rules[] = {
	{MF_RULE_RESOURCES_MISSING, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, resources_missing},
	{MF_RULE_LIMITS_BELOW_REQUESTS, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT,
	 limits_below_requests},
	{MF_RULE_PROBE_MISSING, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, probe_missing},
	{MF_RULE_PROBE_IDENTICAL, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, probe_identical},
	{MF_RULE_PROBE_TIMEOUT, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, probe_timeout},
	{MF_RULE_STARTUP_PROBE_MISSING, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT,
	 startup_probe_missing},
	{MF_RULE_IMAGE_LATEST, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, image_latest},
	{MF_RULE_IMAGE_DIGEST, MF_SC_POD, MF_RUN_CHECK, image_digest},
	{MF_RULE_IMAGE_REGISTRY, MF_SC_POD, MF_RUN_CHECK, image_registry},
	{MF_RULE_SECRET_LITERAL, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, scan_pod},
	{MF_RULE_SECRET_TOKEN, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, scan_pod},
	{MF_RULE_URL_CREDENTIALS, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, scan_pod},
	{MF_RULE_HARD_CODED_IP, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, scan_pod},
	{MF_RULE_SECRET_LITERAL, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, scan_objects},
	{MF_RULE_SECRET_TOKEN, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, scan_objects},
	{MF_RULE_URL_CREDENTIALS, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, scan_objects},
	{MF_RULE_HARD_CODED_IP, MF_SC_OBJECTS, MF_RUN_CHECK | MF_RUN_LINT, scan_objects},
	{MF_RULE_PORT_DUPLICATE, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, port_duplicate},
	{MF_RULE_PORT_UNDECLARED, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, probe_ports},
	{MF_RULE_SPREAD_MISSING, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, spread_missing},
	{MF_RULE_ENV_DUPLICATE, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, env_duplicate},
	{MF_RULE_PORT_PRIVILEGED, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, port_privileged},
	{MF_RULE_PORT_SSH, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, port_ssh},
	{MF_RULE_IMAGE_PULL_POLICY, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, image_pull_policy},
	{MF_RULE_EPHEMERAL_STORAGE_MISSING, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT,
	 ephemeral_storage_missing},
	{MF_RULE_SERVICE_ACCOUNT_DEFAULT, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT,
	 service_account_default},
	{MF_RULE_SERVICE_ACCOUNT_DEPRECATED, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT,
	 service_account_deprecated},
};
const size_t mf_core_nrules = MF_NELEM(mf_core_rules);
