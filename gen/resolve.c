/* resolve: profiles, environments, templates and tenants to concrete service instances */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "load.h"
#include "resolve.h"

/* Precedence of a service's fields, lowest first:
 *   profile.defaults < system.defaults < environment.defaults
 *   < templates (extends, in order) < the service
 *   < environment.services[name] < tenant.env / tenant.services[name]
 * Everything service-specific beats everything generic; an environment's
 * own words beat the system's. */

const char *const mf_target_names[MF_NTARGETS] = {
#define TARGET(e, name) [MF_TI_##e] = #name,
#include "targets.def"
#undef TARGET
};
static const char *const workload_names[] = {"deployment", "stateful", "daemon", "job", "cronjob"};

const char *mf_workload_name(mf_workload w)
{
	return (size_t)w < MF_NELEM(workload_names) ? workload_names[w] : "deployment";
}

bool mf_long_running(mf_workload w)
{
	return w != MF_W_JOB && w != MF_W_CRONJOB;
}

static mf_workload workload_of(const mf_node *spec)
{
	size_t i = mf_str_index(mf_get_str(spec, "kind"), workload_names, MF_NELEM(workload_names));

	return i < MF_NELEM(workload_names) ? (mf_workload)i : MF_W_DEPLOYMENT;
}

const mf_node *mf_system_section(const mf_system *s, const char *section, const char *name)
{
	return mf_get(mf_get(s->doc, section), name);
}

typedef struct rctx {
	mf_ctx *c;
	const mf_node *doc;
	mf_system *s;
	int rc;
	/* description lines an environment's check already reported: every
	 * environment resolves the same lines, each is reported once */
	mf_hash reported;  /* mf_pos -> itself */
	bool *config_read; /* parallel to doc's configs: some layer of some service reads it */
} rctx;

/* True the first time a position is seen (a warning per instance of a
 * thousand services is a thousand: hashed, not scanned). */
static bool first_report(rctx *r, mf_pos pos)
{
	return mf_hash_first_pos(r->c->a, &r->reported, pos);
}

/* ---- merging service fields -------------------------------------------------------- */

/* Keys that exclude each other: a probe has one action, a volume one
 * source, an env value one kind of reference.  When a later layer picks
 * one (an override's `exec` over a template's `http`), what the others own
 * is dropped from the earlier layer before the merge, or the merged probe
 * would hold both and each target would pick a different one. */
typedef struct alt {
	const char *head;        /* the key that picks it */
	const char *const *owns; /* the keys it owns, NULL-terminated */
} alt;

static const char *const own_http[] = {"http", NULL}, *const own_tcp[] = {"tcp", NULL},
			 *const own_grpc[] = {"grpc", NULL}, *const own_exec[] = {"exec", NULL};
static const alt probe_alts[] = {
	{"http", own_http}, {"tcp", own_tcp}, {"grpc", own_grpc}, {"exec", own_exec}};
static const char *const own_cfg[] = {"config", NULL}, *const own_sec[] = {"secret", NULL},
			 *const own_empty[] = {"emptyDir", NULL},
			 *const own_host[] = {"hostPath", NULL}, *const own_bind[] = {"bind", NULL};
static const alt volume_alts[] = {{"config", own_cfg},
				  {"secret", own_sec},
				  {"emptyDir", own_empty},
				  {"hostPath", own_host},
				  {"bind", own_bind}};
static const char *const own_esec[] = {"secret", "key", "optional", "file", NULL},
			 *const own_ecfg[] = {"config", "key", "optional", NULL},
			 *const own_esvc[] = {"service", "port", "format", NULL},
			 *const own_efield[] = {"field", NULL};
static const alt env_alts[] = {
	{"secret", own_esec}, {"config", own_ecfg}, {"service", own_esvc}, {"field", own_efield}};

static const struct exclusive {
	const char *section; /* services.*.SECTION.*: maps whose keys exclude each other */
	const alt *alts;
	size_t nalts;
} exclusives[] = {
	{"probes", probe_alts, MF_NELEM(probe_alts)},
	{"volumes", volume_alts, MF_NELEM(volume_alts)},
	{"env", env_alts, MF_NELEM(env_alts)},
};

static bool owns(const alt *a, const char *key)
{
	for (size_t i = 0; a->owns[i]; i++)
		if (!strcmp(a->owns[i], key))
			return true;
	return false;
}

static const alt *picked(const struct exclusive *ex, const mf_node *entry)
{
	for (size_t i = 0; i < ex->nalts; i++)
		if (mf_get(entry, ex->alts[i].head))
			return &ex->alts[i];
	return NULL;
}

/* A key of `entry` another alternative than `chosen` owns. */
static bool foreign(const struct exclusive *ex, const alt *chosen, const char *key)
{
	for (size_t i = 0; i < ex->nalts; i++)
		if (&ex->alts[i] != chosen && owns(&ex->alts[i], key) && !owns(chosen, key))
			return true;
	return false;
}

/* A shallow copy of map with `key` replaced by val (NULL: dropped). */
static mf_node *with(rctx *r, const mf_node *map, const char *key, mf_node *val)
{
	mf_node *out = mf_new_map(r->c->a, map->pos);

	for (size_t i = 0; out && i < map->n; i++) {
		const mf_pair *p = &map->pairs[i];
		mf_node *v = strcmp(p->key, key) ? p->val : val;
		if (v && mf_map_add(r->c->a, out, p->key, p->pos, v) < 0)
			return NULL;
	}
	return out;
}

/* base's entry without what another alternative than over's owns */
static mf_node *pruned_entry(rctx *r, const struct exclusive *ex, const mf_node *b,
			     const mf_node *o)
{
	const alt *chosen = o && o->kind == MF_MAP ? picked(ex, o) : NULL;
	bool any = false;
	mf_node *out;

	for (size_t i = 0; chosen && b && b->kind == MF_MAP && i < b->n; i++)
		any |= foreign(ex, chosen, b->pairs[i].key);
	if (!any || !(out = mf_new_map(r->c->a, b->pos)))
		return (mf_node *)b;
	for (size_t i = 0; i < b->n; i++)
		if (!foreign(ex, chosen, b->pairs[i].key))
			mf_map_add(r->c->a, out, b->pairs[i].key, b->pairs[i].pos, b->pairs[i].val);
	return out;
}

static const mf_node *prune_exclusive(rctx *r, const mf_node *base, const mf_node *over)
{
	for (size_t x = 0; x < MF_NELEM(exclusives) && base && base->kind == MF_MAP; x++) {
		const struct exclusive *ex = &exclusives[x];
		const mf_node *bs = mf_get(base, ex->section), *os = mf_get(over, ex->section);
		for (size_t i = 0;
		     bs && bs->kind == MF_MAP && os && os->kind == MF_MAP && i < os->n; i++) {
			const mf_node *b = mf_get(bs, os->pairs[i].key);
			mf_node *nb = pruned_entry(r, ex, b, os->pairs[i].val);
			if (nb == b)
				continue;
			/* nothing left: the later layer's entry is taken as it is */
			bs = with(r, bs, os->pairs[i].key, nb && nb->n ? nb : NULL);
			base = bs ? with(r, base, ex->section, (mf_node *)bs) : base;
		}
	}
	return base;
}

/* Sections whose entries a later layer removes with null (the schema's
 * "removed"): an env var, a dependency, a port, a probe, a flow, a volume. */
static const char *const removable[] = {"env",        "dependsOn", "ports",  "probes",
					"connectsTo", "volumes",   "storage"};

/* A null that found nothing to remove in `base` stays in `merged`, so a
 * lower layer merged later (the defaults under a service and its
 * templates) still loses the entry; what is left at the end removed
 * nothing (removed_nothing). */
static void keep_removals(rctx *r, mf_node *merged, const mf_node *base, const mf_node *over)
{
	for (size_t k = 0; merged && k < MF_NELEM(removable); k++) {
		const mf_node *os = mf_get(over, removable[k]), *bs = mf_get(base, removable[k]);
		mf_node *ms = NULL;
		for (size_t i = 0; os && os->kind == MF_MAP && i < os->n; i++) {
			const mf_pair *p = &os->pairs[i];
			if (!p->val || p->val->kind != MF_NULL ||
			    (mf_get(bs, p->key) && mf_get(bs, p->key)->kind != MF_NULL))
				continue;
			if (!ms && !(ms = mf_map_child(r->c->a, merged, removable[k], os->pos)))
				return;
			mf_map_add(r->c->a, ms, p->key, p->pos, p->val);
		}
	}
}

/* The merge of two layers of service fields (see mf_merge). */
static const mf_node *merge_fields(rctx *r, const mf_node *base, const mf_node *over)
{
	mf_node *m = mf_merge_shared(r->c->a, over ? prune_exclusive(r, base, over) : base, over);

	if (over && over->kind == MF_MAP)
		keep_removals(r, m, base, over);
	return m;
}

/* The entries of a section that are there (not nulls), for did-you-mean. */
static const char **present(rctx *r, const mf_node *sec, size_t *n)
{
	const char **v = mf_alloc(r->c->a, (sec->n + 1) * sizeof *v);

	*n = 0;
	for (size_t i = 0; v && i < sec->n; i++)
		if (sec->pairs[i].val->kind != MF_NULL)
			v[(*n)++] = sec->pairs[i].key;
	return v;
}

/* A null left in a merged service removed what no lower layer sets: a
 * misspelt name, or an entry that moved. */
static void removed_nothing(rctx *r, const mf_instance *in)
{
	for (size_t k = 0; k < MF_NELEM(removable); k++) {
		const mf_node *sec = mf_get(in->spec, removable[k]);
		const char **names = NULL;
		size_t n = 0;
		for (size_t i = 0; sec && sec->kind == MF_MAP && i < sec->n; i++) {
			const mf_pair *p = &sec->pairs[i];
			mf_diag *d;
			if (p->val->kind != MF_NULL || !first_report(r, p->pos))
				continue;
			r->rc = -1;
			d = mf_diag_add(
				r->c, MF_SEV_ERROR, p->pos, "remove-missing",
				"null removes '%s' from '%s' of '%s', which no lower layer sets",
				p->key, removable[k], in->service);
			if (!names)
				names = present(r, sec, &n);
			mf_diag_suggest(r->c, d, p->key, names, names ? n : 0);
		}
	}
}

/* ---- templates ---------------------------------------------------------- */

static const mf_node *expand(rctx *r, const mf_node *fields, unsigned depth);

static const mf_node *apply_template(rctx *r, const mf_node *acc, const mf_node *name,
				     unsigned depth)
{
	const mf_node *tpls = mf_get(r->doc, "templates");
	const mf_node *t = mf_get(tpls, mf_str(name));

	if (!t) {
		mf_diag *d = mf_diag_add(r->c, MF_SEV_ERROR, name->pos, "unknown-template",
					 "unknown template '%s'", mf_str(name));
		mf_diag_suggest_key(r->c, d, mf_str(name), tpls);
		r->rc = -1;
		return acc;
	}
	if (depth > 16) {
		mf_error(r->c, name->pos, "extends-cycle",
			 "templates extend each other in a cycle through '%s'", mf_str(name));
		r->rc = -1;
		return acc;
	}
	return merge_fields(r, acc, expand(r, t, depth + 1));
}

/* A fields mapping with its `extends` chain merged underneath it. */
static const mf_node *expand(rctx *r, const mf_node *fields, unsigned depth)
{
	const mf_node *ext = mf_get(fields, "extends");
	const mf_node *acc = NULL;
	mf_node *own;

	if (!ext)
		return fields;
	if (ext->kind == MF_SEQ) {
		for (size_t i = 0; i < ext->n && r->rc == 0; i++)
			acc = apply_template(r, acc, ext->items[i], depth);
	} else {
		acc = apply_template(r, acc, ext, depth);
	}
	own = with(r, fields, "extends", NULL); /* shallow: layers are never changed */
	return acc ? merge_fields(r, acc, own) : own;
}

/* ---- quantities --------------------------------------------------------- */

/* Quantities far past any machine (4 EiB, 10^12 cores, 68 years) are out
 * of range: -1, as for text that is no quantity, so no caller computes
 * with a NaN, an infinity or an overflowed integer. */
#define MAX_BYTES 4611686018427387904.0 /* 2^62 */
#define MAX_MILLIS 1e15
#define MAX_MS 2147483647000LL

/* v * mult rounded, or -1 when not finite, negative or above max */
static long long scaled(double v, double mult, double max)
{
	double x = v * mult;

	if (!isfinite(x) || x < 0 || x > max)
		return -1;
	return (long long)(x + 0.5);
}

long long mf_cpu_millis(const mf_node *n)
{
	const char *s = mf_str(n);
	char *end;
	double v;

	if (!n || !s)
		return -1;
	if (n->kind == MF_INT)
		return n->v.i < 0 || n->v.i > (long long)(MAX_MILLIS / 1000) ? -1 : n->v.i * 1000;
	if (n->kind == MF_FLOAT)
		return scaled(n->v.f, 1000, MAX_MILLIS);
	v = strtod(s, &end);
	if (end == s)
		return -1;
	if (*end == 'm' && !end[1])
		return scaled(v, 1, MAX_MILLIS);
	return *end ? -1 : scaled(v, 1000, MAX_MILLIS);
}

long long mf_mem_bytes(const mf_node *n)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {{"Ki", 1024.0},
		     {"Mi", 1048576.0},
		     {"Gi", 1073741824.0},
		     {"Ti", 1099511627776.0},
		     {"Pi", 1125899906842624.0},
		     {"k", 1e3},
		     {"K", 1e3},
		     {"M", 1e6},
		     {"G", 1e9},
		     {"T", 1e12},
		     {"P", 1e15},
		     {"", 1.0}};
	const char *s = mf_str(n);
	char *end;
	double v;

	if (!s)
		return -1;
	if (n->kind == MF_INT)
		return n->v.i < 0 || (double)n->v.i > MAX_BYTES ? -1 : n->v.i;
	if (n->kind == MF_FLOAT)
		return scaled(n->v.f, 1, MAX_BYTES);
	v = strtod(s, &end);
	if (end == s)
		return -1;
	for (size_t i = 0; i < MF_NELEM(units); i++)
		if (!strcmp(end, units[i].suffix))
			return scaled(v, units[i].mult, MAX_BYTES);
	return -1;
}

/* "1h30m", "90s", "250ms" or a number of seconds; the sum may not pass
 * MAX_MS (int32 seconds, what Kubernetes' probe and grace fields hold). */
long long mf_seconds(const mf_node *n)
{
	static const struct {
		const char *unit;
		long long ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
	const char *s = mf_str(n);
	long long total = 0;

	if (!s)
		return -1;
	if (n->kind == MF_INT)
		return n->v.i < 0 || n->v.i > MAX_MS / 1000 ? -1 : n->v.i;
	while (*s) {
		char *end;
		size_t k = 0;
		long long v = strtoll(s, &end, 10);
		if (end == s || v < 0 || *s == '-' || *s == '+')
			return -1;
		while (k < MF_NELEM(units) && strncmp(end, units[k].unit, strlen(units[k].unit)))
			k++;
		if (k == MF_NELEM(units) || v > (MAX_MS - total) / units[k].ms)
			return -1;
		total += v * units[k].ms;
		s = end + strlen(units[k].unit);
	}
	return (total + 999) / 1000;
}

static const struct {
	const char *key;
	mf_qty kind;
} quantity_keys[] = {
	{"cpu", MF_Q_CPU},
	{"memory", MF_Q_MEMORY},
	{"size", MF_Q_MEMORY},
	{"sizeLimit", MF_Q_MEMORY},
	{"ephemeralStorage", MF_Q_MEMORY},
	{"storage", MF_Q_MEMORY},
	{"shmSize", MF_Q_MEMORY},
	{"initialDelay", MF_Q_DURATION},
	{"period", MF_Q_DURATION},
	{"timeout", MF_Q_DURATION},
	{"interval", MF_Q_DURATION},
	{"terminationGracePeriod", MF_Q_DURATION},
	{"activeDeadline", MF_Q_DURATION},
	{"ttlAfterFinished", MF_Q_DURATION},
	{"stabilizationWindow", MF_Q_DURATION},
	{"replicas", MF_Q_COUNT},
	{"min", MF_Q_COUNT},
	{"max", MF_Q_COUNT},
	{"failureThreshold", MF_Q_COUNT},
	{"successThreshold", MF_Q_COUNT},
	{"backoffLimit", MF_Q_COUNT},
	{"parallelism", MF_Q_COUNT},
	{"completions", MF_Q_COUNT},
};

mf_qty mf_quantity_of(const char *key)
{
	for (size_t i = 0; key && i < MF_NELEM(quantity_keys); i++)
		if (!strcmp(key, quantity_keys[i].key))
			return quantity_keys[i].kind;
	return MF_Q_NONE;
}

bool mf_free_text(const char *key)
{
	static const char *const keys[] = {
		"env",     "labels",  "annotations", "configs",      "secrets",
		"command", "args",    "description", "environments", "waivers",
		"include", "ulimits", "logging",     "extraHosts"};

	return MF_IN_LIST(key, keys);
}

/* ---- ports and images --------------------------------------------------- */

long long mf_port_number(const mf_node *port)
{
	if (port && port->kind == MF_INT)
		return port->v.i;
	return mf_get_int(port, "port", -1);
}

const mf_node *mf_port_of(const mf_node *spec, const mf_node *ref, const char **name_out)
{
	const mf_node *ports = mf_get(spec, "ports");

	if (!ports || !ref)
		return NULL;
	for (size_t i = 0; i < ports->n; i++) {
		const mf_pair *p = &ports->pairs[i];
		bool hit = ref->kind == MF_INT ? mf_port_number(p->val) == ref->v.i
					       : !strcmp(p->key, mf_str(ref));
		if (hit) {
			if (name_out)
				*name_out = p->key;
			return p->val;
		}
	}
	return NULL;
}

bool mf_image_has_registry(const char *repo)
{
	const char *slash = strchr(repo, '/');

	if (!slash)
		return false;
	return memchr(repo, '.', (size_t)(slash - repo)) ||
	       memchr(repo, ':', (size_t)(slash - repo)) || !strncmp(repo, "localhost/", 10);
}

static const char *last_of(const char *s, char ch, size_t n)
{
	while (n-- > 0)
		if (s[n] == ch)
			return s + n;
	return NULL;
}

/* [registry/]repository[:tag][@digest]: the tag's colon is the last one
 * after the last slash (a registry may have a :port). */
static void split_image(mf_ctx *c, const char *ref, mf_image *im)
{
	const char *at = strchr(ref, '@');
	size_t end = at ? (size_t)(at - ref) : strlen(ref);
	const char *slash = last_of(ref, '/', end);
	const char *from = slash ? slash : ref;
	const char *colon = last_of(from, ':', end - (size_t)(from - ref));

	im->digest = at ? mf_strdup(c->a, at + 1) : NULL;
	if (colon) {
		im->repo = mf_strndup(c->a, ref, (size_t)(colon - ref));
		im->tag = mf_strndup(c->a, colon + 1, end - (size_t)(colon + 1 - ref));
	} else {
		im->repo = mf_strndup(c->a, ref, end);
		im->tag = NULL;
	}
}

mf_image mf_image_split(mf_ctx *c, const char *ref)
{
	mf_image im = {0};

	split_image(c, ref, &im);
	return im;
}

static void image_from_map(mf_ctx *c, const mf_node *n, mf_image *im)
{
	const char *reg = mf_get_str(n, "registry");
	const mf_node *tag = mf_get(n, "tag");

	im->repo = reg ? mf_printf(c->a, "%s/%s", reg, mf_get_str(n, "repository"))
		       : mf_get_str(n, "repository");
	im->tag = tag ? mf_str(tag) : NULL;
	im->digest = mf_get_str(n, "digest");
}

/* Untagged images take the environment's tag, then the system version; an
 * image with neither stays untagged so the image rules can say so. */
/* system.images.own: "acme/" owns acme/api; "acme/api" owns only itself. */
static bool own_repo(const mf_node *own, const char *repo)
{
	for (size_t i = 0; own && own->kind == MF_SEQ && i < own->n; i++) {
		const char *p = mf_str(own->items[i]);
		size_t n = p ? strlen(p) : 0;
		if (n && !strncmp(repo, p, n) && (!repo[n] || p[n - 1] == '/' || repo[n] == '/'))
			return true;
	}
	return false;
}

/* Only the system's own images take the environment's tag (else the
 * system's version) and registry; another project's image is pulled as
 * written, through the mirror when the environment names one, and an
 * untagged one stays untagged for the image rules to see. */
static mf_image image_of(mf_ctx *c, const mf_system *s, const mf_instance *in)
{
	const mf_node *n = mf_get(in->spec, "image");
	const mf_env *e = in->env;
	mf_image im = {NULL, NULL, NULL, NULL, n ? n->pos : in->pos, false};
	const char *reg;

	if (!n)
		return im;
	if (n->kind == MF_MAP)
		image_from_map(c, n, &im);
	else
		split_image(c, mf_str(n), &im);
	im.own = own_repo(s->own_images, n->kind == MF_MAP ? mf_get_str(n, "repository") : im.repo);
	if (!im.tag && !im.digest && im.own)
		im.tag = e->image_tag;
	reg = im.own ? e->image_registry : e->image_mirror;
	if (reg && !mf_image_has_registry(im.repo))
		im.repo = mf_printf(c->a, "%s/%s", reg, im.repo);
	im.ref = mf_printf(c->a, "%s%s%s%s%s", im.repo, im.tag ? ":" : "", im.tag ? im.tag : "",
			   im.digest ? "@" : "", im.digest ? im.digest : "");
	return im;
}

/* ---- commands ---------------------------------------------------------------------- */

/* One word of a command string, split as Compose splits `command:` (POSIX
 * quoting, no expansion): *p moves past it.  0 at the end, -1 on a quote
 * left open, else the word's length in out (which has room for it). */
static long next_word(const char **p, char *out)
{
	const char *s = *p;
	long n = 0;
	char q = 0;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (!*s)
		return (*p = s), 0;
	for (; *s && (q || !(*s == ' ' || *s == '\t' || *s == '\n')); s++) {
		if (!q && (*s == '\'' || *s == '"'))
			q = *s;
		else if (q && *s == q)
			q = 0;
		else if (*s == '\\' && q != '\'' && s[1] && (!q || strchr("\"\\$`", s[1])))
			out[n++] = *++s;
		else
			out[n++] = *s;
	}
	*p = s;
	return q ? -1 : n ? n : -2; /* -2: only quotes, an empty word */
}

mf_node *mf_command_argv(mf_tb *tb, const mf_node *cmd, const char **script)
{
	const mf_node *sh = mf_get(cmd, "shell");
	mf_node *seq;
	char *word;
	const char *p;
	long n;

	if (script)
		*script = sh ? mf_str(sh) : NULL;
	if (!cmd || !(seq = mf_tb_seq(tb, cmd->pos)))
		return NULL;
	if (sh) {
		mf_tb_push(tb, seq, mf_tb_str(tb, "/bin/sh", sh->pos));
		mf_tb_push(tb, seq, mf_tb_str(tb, "-c", sh->pos));
		mf_tb_push(tb, seq, mf_tb_str(tb, mf_or(mf_str(sh), ""), sh->pos));
		return seq;
	}
	for (size_t i = 0; cmd->kind == MF_SEQ && i < cmd->n; i++)
		mf_tb_push(tb, seq,
			   mf_tb_str(tb, mf_or(mf_str(cmd->items[i]), ""), cmd->items[i]->pos));
	if (cmd->kind == MF_SEQ || !(p = mf_str(cmd)) || !(word = mf_tb_alloc(tb, strlen(p) + 1)))
		return seq;
	while ((n = next_word(&p, word)) != 0 && n != -1)
		mf_tb_push(tb, seq, mf_tb_strn(tb, word, n < 0 ? 0 : (size_t)n, cmd->pos));
	return seq;
}

/* What a shell would do with a command split into words: run it as the
 * author probably meant it only through {shell: ...}. */
static const char *shell_syntax(const char *s)
{
	static const char *const ops[] = {"&&", "||", "|", ";", ">", "<", "$", "`", "*"};
	char q = 0;

	for (; s && *s; s++) {
		if (*s == '\\' && q != '\'' && s[1]) {
			s++;
			continue;
		}
		if (!q && (*s == '\'' || *s == '"'))
			q = *s;
		else if (q && *s == q)
			q = 0;
		for (size_t i = 0; q != '\'' && i < MF_NELEM(ops); i++)
			if (!strncmp(s, ops[i], strlen(ops[i])) && (!q || *s == '$' || *s == '`'))
				return ops[i];
	}
	return NULL;
}

static void check_command(rctx *r, const mf_node *cmd)
{
	const char *s = cmd && cmd->kind == MF_STR ? mf_str(cmd) : NULL, *p = s, *op;
	char *word = s ? mf_alloc(r->c->a, strlen(s) + 1) : NULL;
	long n;

	if (!word)
		return;
	while ((n = next_word(&p, word)) != 0)
		if (n == -1) {
			mf_error(r->c, cmd->pos, "command-quote",
				 "a quote is left open in this command (it is split into words "
				 "as Compose splits 'command:')");
			r->rc = -1;
			return;
		}
	if ((op = shell_syntax(s)) != NULL)
		mf_warning(
			r->c, cmd->pos, "command-shell",
			"'%s' reaches the program as an argument: the command is split into "
			"words and run without a shell; write {shell: ...} to run it with /bin/sh",
			op);
}

/* command, args, probes.*.exec and probes.compose of one layer of fields */
static void check_commands(rctx *r, const mf_node *f)
{
	static const char *const paths[] = {"command",
					    "args",
					    "probes.readiness.exec",
					    "probes.liveness.exec",
					    "probes.startup.exec",
					    "probes.compose"};

	static const char *const hooks[] = {"backup.hooks.pre", "backup.hooks.post"};

	for (size_t i = 0; i < MF_NELEM(paths); i++)
		check_command(r, mf_path(f, paths[i]));
	for (size_t i = 0; i < MF_NELEM(hooks); i++) {
		const mf_node *list = mf_path(f, hooks[i]);
		for (size_t k = 0; list && list->kind == MF_SEQ && k < list->n; k++)
			check_command(r, mf_get(list->items[k], "command"));
	}
}

/* ---- references --------------------------------------------------------- */

const mf_instance *mf_find_instance(const mf_env *e, const char *service, const char *tenant)
{
	size_t lo = 0, hi = e ? e->ninst : 0;

	/* instances are sorted by (service, tenant) with shared first */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = strcmp(e->inst[mid].service, service);
		if (!r) {
			const char *t = e->inst[mid].tenant ? e->inst[mid].tenant->name : NULL;
			r = !t ? (tenant ? -1 : 0) : !tenant ? 1 : strcmp(t, tenant);
		}
		if (!r)
			return &e->inst[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *mf_inst_part(const mf_instance *in)
{
	return in->tenant ? in->tenant->name : in->system ? MF_SYSTEM_PART : NULL;
}

const mf_instance *mf_ref_target(const mf_instance *from, const char *service)
{
	const mf_instance *t = NULL;

	if (from->tenant)
		t = mf_find_instance(from->env, service, from->tenant->name);
	return t ? t : mf_find_instance(from->env, service, NULL);
}

static void append(mf_ctx *c, char **out, const char *s, size_t n)
{
	*out = mf_printf(c->a, "%s%.*s", *out, (int)n, s);
}

static const char *ref_host(mf_ctx *c, const mf_instance *from, const mf_instance *to, mf_target t)
{
	if (t & MF_T_COMPOSE)
		return to->compose_name;
	if (!strcmp(from->ns, to->ns))
		return to->name;
	return mf_printf(c->a, "%s.%s.svc.cluster.local", to->name, to->ns);
}

/* The port a client dials: the container port in Compose (containers talk
 * directly), the Service port in Kubernetes. */
static long long ref_port(const mf_instance *to, const mf_node *ref, mf_target t)
{
	const mf_node *pname = mf_get(ref, "port"), *ports = mf_get(to->spec, "ports"), *p;

	p = pname               ? mf_port_of(to->spec, pname, NULL)
	    : ports && ports->n ? ports->pairs[0].val
				: NULL;
	if (!p)
		return -1;
	if (!(t & MF_T_COMPOSE) && mf_get(p, "servicePort"))
		return mf_get_int(p, "servicePort", -1);
	return mf_port_number(p);
}

const char *mf_ref_value(mf_ctx *c, const mf_instance *from, const mf_node *ref, mf_target t)
{
	const mf_instance *to = mf_ref_target(from, mf_get_str(ref, "service"));
	long long port;

	if (!to)
		return NULL;
	port = ref_port(to, ref, t);
	if (mf_get(ref, "port") && port <= 0)
		return NULL; /* a port it does not have: reported by the reference checks */
	return mf_ref_format(c, ref, ref_host(c, from, to, t), port, to->ns);
}

/* An IPv6 literal (a machine's address) before ":port" is written in
 * brackets, as URLs and host:port pairs need (RFC 3986); alone it stays bare. */
static bool bracketed(const char *host, const char *after)
{
	return strchr(host, ':') && *host != '[' && *after == ':';
}

const char *mf_ref_format(mf_ctx *c, const mf_node *ref, const char *host, long long port,
			  const char *ns)
{
	const char *fmt = mf_get_str(ref, "format"), *p;
	char *out = "";

	if (!fmt)
		fmt = mf_get(ref, "port") ? "{host}:{port}" : "{host}";
	for (p = fmt; *p;) {
		size_t lit = strcspn(p, "{");
		append(c, &out, p, lit);
		p += lit;
		if (!*p)
			break;
		if (!strncmp(p, "{host}", 6) && bracketed(host, p + 6))
			out = mf_printf(c->a, "%s[%s]", out, host), p += 6;
		else if (!strncmp(p, "{host}", 6))
			append(c, &out, host, strlen(host)), p += 6;
		else if (!strncmp(p, "{port}", 6) && port <= 0)
			return NULL;
		else if (!strncmp(p, "{port}", 6))
			out = mf_printf(c->a, "%s%lld", out, port), p += 6;
		else if (!strncmp(p, "{namespace}", 11))
			append(c, &out, ns, strlen(ns)), p += 11;
		else
			append(c, &out, p, 1), p++;
	}
	return out;
}

/* ---- reference checks, once per written node ------------------------------ */

static void unknown(rctx *r, const mf_node *at, const char *section, const char *what,
		    const char *name)
{
	mf_diag *d = mf_diag_add(r->c, MF_SEV_ERROR, at->pos, "unknown-reference",
				 "unknown %s '%s'", what, name);

	mf_diag_suggest_key(r->c, d, name, mf_get(r->doc, section));
	r->rc = -1;
}

static const mf_node *need(rctx *r, const mf_node *at, const char *section, const char *what)
{
	const mf_node *v = mf_get(mf_get(r->doc, section), mf_str(at));

	if (!v && at)
		unknown(r, at, section, what, mf_str(at));
	return v;
}

static bool seq_has(const mf_node *seq, const char *s)
{
	for (size_t i = 0; seq && i < seq->n; i++)
		if (mf_str(seq->items[i]) && !strcmp(mf_str(seq->items[i]), s))
			return true;
	return false;
}

static void mark_read(rctx *r, const char *config)
{
	const mf_node *cfgs = mf_get(r->doc, "configs");
	const mf_pair *p = mf_get_pair(cfgs, config);

	if (p && r->config_read)
		r->config_read[p - cfgs->pairs] = true;
}

/* A config no service reads is written out for nothing, and often a
 * misspelt reference's target. */
static void configs_unread(rctx *r)
{
	const mf_node *cfgs = mf_get(r->doc, "configs");

	for (size_t i = 0; r->config_read && cfgs && i < cfgs->n; i++)
		if (!r->config_read[i])
			mf_warning(r->c, cfgs->pairs[i].pos, "config-unused",
				   "no service reads config '%s'", cfgs->pairs[i].key);
}

static void check_ref(rctx *r, const mf_node *ref)
{
	const mf_node *target, *key = mf_get(ref, "key");

	if ((target = mf_get(ref, "secret")) && (target = need(r, target, "secrets", "secret")) &&
	    key && !seq_has(mf_get(target, "keys"), mf_str(key))) {
		mf_error(r->c, key->pos, "unknown-reference", "secret '%s' has no key '%s'",
			 mf_get_str(ref, "secret"), mf_str(key));
		r->rc = -1;
	}
	if ((target = mf_get(ref, "config")) && (target = need(r, target, "configs", "config")))
		mark_read(r, mf_get_str(ref, "config"));
	if ((target = mf_get(ref, "config")) &&
	    (target = mf_system_section(r->s, "configs", mf_str(target))) && key &&
	    !mf_get(mf_get(target, "data"), mf_str(key))) {
		mf_error(r->c, key->pos, "unknown-reference", "config '%s' has no key '%s'",
			 mf_get_str(ref, "config"), mf_str(key));
		r->rc = -1;
	}
	if ((target = mf_get(ref, "service")))
		need(r, target, "services", "service");
}

static void need_key(rctx *r, const mf_pair *p, const char *section, const char *what)
{
	mf_node key = {.kind = MF_STR, .pos = p->pos, .str = p->key};

	need(r, &key, section, what);
}

/* Lists and maps that name environments: a misspelt name would silently
 * leave a service, a waiver or a replica count out of that environment. */
static void check_env_names(rctx *r, const mf_node *f)
{
	const mf_node *rep = mf_get(f, "replicas"), *envs = mf_get(f, "environments"),
		      *w = mf_get(f, "waivers");

	for (size_t i = 0; rep && rep->kind == MF_MAP && i < rep->n; i++)
		if (strcmp(rep->pairs[i].key, "default"))
			need_key(r, &rep->pairs[i], "environments", "environment");
	for (size_t i = 0; envs && envs->kind == MF_SEQ && i < envs->n; i++)
		need(r, envs->items[i], "environments", "environment");
	for (size_t i = 0; w && w->kind == MF_SEQ && i < w->n; i++)
		check_env_names(r, w->items[i]);
}

static void check_fields(rctx *r, const mf_node *f)
{
	const mf_node *env = mf_get(f, "env"), *from = mf_get(f, "envFrom"),
		      *deps = mf_get(f, "dependsOn"), *con = mf_get(f, "connectsTo");
	const mf_node *vols = mf_get(f, "volumes"), *m = mf_path(f, "placement.machine");

	for (size_t i = 0; env && i < env->n; i++)
		if (env->pairs[i].val && env->pairs[i].val->kind == MF_MAP)
			check_ref(r, env->pairs[i].val);
	for (size_t i = 0; from && i < from->n; i++)
		check_ref(r, from->items[i]);
	for (size_t i = 0; deps && i < deps->n; i++)
		need_key(r, &deps->pairs[i], "services", "service");
	for (size_t i = 0; con && con->kind == MF_MAP && i < con->n; i++)
		need_key(r, &con->pairs[i], "services", "service");
	for (size_t i = 0; vols && i < vols->n; i++)
		check_ref(r, vols->pairs[i].val);
	if (m)
		need(r, m, "machines", "machine");
	check_env_names(r, f);
	check_commands(r, f);
	if (mf_vars_check_fields(r->c, r->doc, f) < 0)
		r->rc = -1;
}

static void check_map_of_fields(rctx *r, const mf_node *map, bool services_must_exist)
{
	for (size_t i = 0; map && i < map->n; i++) {
		if (services_must_exist)
			need_key(r, &map->pairs[i], "services", "service");
		check_fields(r, map->pairs[i].val);
	}
}

/* ---- quantities in range --------------------------------------------------------- */

static bool in_range(mf_qty q, const mf_node *v)
{
	switch (q) {
	case MF_Q_CPU:
		return mf_cpu_millis(v) >= 0;
	case MF_Q_MEMORY:
		return mf_mem_bytes(v) >= 0;
	case MF_Q_DURATION:
		return mf_seconds(v) >= 0;
	case MF_Q_COUNT:
		return v->kind != MF_INT || (v->v.i >= 0 && v->v.i <= 2147483647);
	case MF_Q_NONE:
		break;
	}
	return true;
}

/* Every quantity the schema let through must also be one the targets can
 * hold: NaN, infinities and numbers past int64 or int32 are refused here,
 * where the line is known, not written out or skipped by the checks. */
static void check_quantities(rctx *r, const mf_node *n, mf_qty q, unsigned depth)
{
	static const char *const words[] = {"", "cpu", "memory", "duration", "count"};

	if (!n || depth > MF_MAX_DEPTH)
		return;
	if (n->kind == MF_MAP) {
		for (size_t i = 0; i < n->n; i++) {
			mf_qty k = mf_quantity_of(n->pairs[i].key);
			/* replicas: {default: 1, production: 3} holds counts */
			if (!mf_free_text(n->pairs[i].key))
				check_quantities(r, n->pairs[i].val,
						 k                 ? k
						 : q == MF_Q_COUNT ? q
								   : MF_Q_NONE,
						 depth + 1);
		}
	} else if (n->kind == MF_SEQ) {
		for (size_t i = 0; i < n->n; i++)
			check_quantities(r, n->items[i], MF_Q_NONE, depth + 1);
	} else if (q && mf_is_scalar(n) && n->kind != MF_BOOL && !in_range(q, n)) {
		mf_error(r->c, n->pos, "quantity-range",
			 "%s '%s' is out of the range a target can hold", words[q],
			 mf_or(mf_str(n), "?"));
		r->rc = -1;
	}
}

static void check_all_refs(rctx *r, const mf_profile *profiles, size_t nprofiles)
{
	const mf_node *envs = mf_get(r->doc, "environments"), *tenants = mf_get(r->doc, "tenants");
	const mf_node *cfgs = mf_get(r->doc, "configs");

	r->config_read = mf_alloc(r->c->a, ((cfgs ? cfgs->n : 0) + 1) * sizeof *r->config_read);

	check_fields(r, mf_get(r->doc, "defaults"));
	check_map_of_fields(r, mf_get(r->doc, "templates"), false);
	check_map_of_fields(r, mf_get(r->doc, "services"), false);
	for (size_t i = 0; envs && i < envs->n; i++) {
		check_fields(r, mf_get(envs->pairs[i].val, "defaults"));
		check_map_of_fields(r, mf_get(envs->pairs[i].val, "services"), true);
	}
	for (size_t i = 0; tenants && i < tenants->n; i++) {
		mf_node envwrap = {.kind = MF_MAP};
		mf_pair p = {"env", MF_NOPOS, mf_get(tenants->pairs[i].val, "env")};
		envwrap.pairs = &p;
		envwrap.n = p.val ? 1 : 0;
		check_fields(r, &envwrap);
		check_env_names(r, tenants->pairs[i].val);
		check_map_of_fields(r, mf_get(tenants->pairs[i].val, "services"), true);
	}
	for (size_t i = 0; i < nprofiles; i++)
		check_fields(r, mf_get(profiles[i].doc, "defaults"));
	check_quantities(r, r->doc, MF_Q_NONE, 0);
	configs_unread(r);
}

/* ---- environments ------------------------------------------------------- */

bool mf_backup_asked(const mf_node *b)
{
	if (!b)
		return false;
	if (b->kind == MF_BOOL)
		return b->v.b;
	return b->kind == MF_MAP && mf_get_bool(b, "enabled", true);
}

unsigned mf_target_bit(const char *name)
{
	size_t k = mf_str_index(name, mf_target_names, MF_NTARGETS);

	return k < MF_NTARGETS ? 1u << k : 0;
}

unsigned mf_target_bits(const mf_node *seq)
{
	unsigned t = 0;

	for (size_t i = 0; seq && i < seq->n; i++)
		t |= mf_target_bit(mf_str(seq->items[i]));
	return t;
}

static void add_policy(rctx *r, mf_env *e, const mf_node *name)
{
	for (size_t i = 0; i < e->npolicies; i++)
		if (!strcmp(e->policies[i], mf_str(name)))
			return;
	e->policies[e->npolicies] = mf_str(name);
	e->policy_pos[e->npolicies++] = name->pos;
}

static void env_policies(rctx *r, mf_env *e)
{
	const mf_node *lists[3] = {mf_get(e->profile, "policies"), mf_get(r->doc, "policies"),
				   mf_get(e->node, "policies")};
	size_t cap = 0;

	for (int k = 0; k < 3; k++)
		cap += lists[k] ? lists[k]->n : 0;
	e->policies = mf_alloc(r->c->a, (cap + 1) * sizeof *e->policies);
	e->policy_pos = mf_alloc(r->c->a, (cap + 1) * sizeof *e->policy_pos);
	for (int k = 0; k < 3 && e->policies && e->policy_pos; k++)
		for (size_t i = 0; lists[k] && i < lists[k]->n; i++)
			add_policy(r, e, lists[k]->items[i]);
}

static const mf_node *pick(const mf_node *a, const mf_node *b)
{
	return a ? a : b;
}

/* environments.*.images.{tag,registry} concern the system's own images only */
static void images_unused(rctx *r, const mf_node *imgs)
{
	static const char *const keys[] = {"tag", "registry"};

	for (size_t i = 0; i < MF_NELEM(keys); i++) {
		const mf_node *v = mf_get(imgs, keys[i]);
		if (v && first_report(r, v->pos))
			mf_warning(r->c, v->pos, "images-own",
				   "'images.%s' applies to the system's own images, and "
				   "'system.images.own' names none",
				   keys[i]);
	}
}

static void startup_order_unused(rctx *r, const mf_env *e); /* at the end */
static void compose_unused(rctx *r, const mf_env *e);       /* at the end */

static void env_settings(rctx *r, mf_env *e)
{
	const mf_node *n = e->node, *p = e->profile, *imgs = mf_get(n, "images");
	const mf_node *np = pick(mf_get(n, "networkPolicy"), mf_get(p, "networkPolicy"));

	e->targets = mf_target_bits(pick(mf_get(n, "targets"), mf_get(p, "targets")));
	if (!e->is_base)
		e->ns = mf_get_str(n, "namespace");
	if (!e->ns)
		e->ns = mf_printf(r->c->a, "%s-%s", r->s->name, e->name);
	e->system_ns = mf_get_str(n, "systemNamespace");
	e->system_named = e->system_ns != NULL;
	e->system_pos = mf_get(n, "systemNamespace") ? mf_get(n, "systemNamespace")->pos : e->pos;
	if (!e->system_ns)
		e->system_ns = mf_printf(r->c->a, "%s-system", e->ns);
	e->require = mf_merge(r->c->a, mf_get(p, "require"), mf_get(n, "require"));
	/* the system's own words beat a generic profile, as for defaults */
	e->backup =
		mf_merge(r->c->a, mf_merge(r->c->a, mf_get(p, "backup"), mf_get(r->doc, "backup")),
			 mf_get(n, "backup"));
	e->capacity = pick(mf_get(n, "capacity"), mf_get(p, "capacity"));
	e->network_policy = np && np->kind == MF_BOOL && np->v.b;
	e->image_tag = mf_get_str(imgs, "tag");
	if (!e->image_tag)
		e->image_tag = mf_get_str(mf_get(r->doc, "system"), "version");
	e->image_registry = mf_get_str(imgs, "registry");
	e->image_mirror = mf_get_str(imgs, "mirror");
	e->compose_split = mf_str(mf_path(n, "compose.machines")) &&
			   !strcmp(mf_str(mf_path(n, "compose.machines")), "files");
	if (!r->s->own_images)
		images_unused(r, imgs);
	env_policies(r, e);
	startup_order_unused(r, e);
	compose_unused(r, e);
	if (!e->targets && !e->is_base) {
		mf_error(
			r->c, e->pos, "environment-targets",
			"environment '%s' has no targets: set 'targets' or a profile that has them",
			e->name);
		r->rc = -1;
	}
}

/* ---- tenants ------------------------------------------------------------ */

static bool tenant_in_env(const mf_node *tenant, const mf_env *e)
{
	const mf_node *envs = mf_get(tenant, "environments");

	return e->is_base || !envs || seq_has(envs, e->name);
}

static int cmp_tenant(const void *x, const void *y)
{
	return strcmp(((const mf_tenant *)x)->name, ((const mf_tenant *)y)->name);
}

static void env_tenants(rctx *r, mf_env *e)
{
	const mf_node *all = mf_get(r->doc, "tenants"),
		      *only = e->node ? mf_get(e->node, "tenants") : NULL;

	for (size_t i = 0; only && i < only->n; i++)
		need(r, only->items[i], "tenants", "tenant");
	/* one more: the system namespace's entry (env_system) */
	e->tenants = mf_alloc(r->c->a, ((all ? all->n : 0) + 1) * sizeof *e->tenants);
	for (size_t i = 0; all && e->tenants && i < all->n; i++) {
		const mf_pair *t = &all->pairs[i];
		mf_tenant *out;
		if (only ? !seq_has(only, t->key) : !tenant_in_env(t->val, e))
			continue;
		out = &e->tenants[e->ntenants++];
		out->name = t->key;
		out->pos = t->pos;
		out->node = t->val;
		out->ns = mf_get_str(t->val, "namespace");
		if (!out->ns)
			out->ns = mf_printf(r->c->a, "%s-%s", e->ns, t->key);
	}
	if (e->ntenants > 1)
		mf_qsort(e->tenants, e->ntenants, sizeof *e->tenants, cmp_tenant);
}

/* ---- instances ---------------------------------------------------------- */

/* replicas: a count, or counts per environment with an optional default */
static void replicas_of(mf_instance *in, const mf_env *e)
{
	const mf_node *rep = mf_get(in->spec, "replicas"), *v = rep;
	const mf_node *hpa = mf_get(in->spec, "autoscaling");

	if (rep && rep->kind == MF_MAP)
		v = pick(mf_get(rep, e->name), mf_get(rep, "default"));
	in->replicas = v && v->kind == MF_INT ? v->v.i : 1;
	in->replicas_pos = v ? v->pos : in->pos;
	if (in->kind == MF_W_DAEMON || in->kind == MF_W_JOB || in->kind == MF_W_CRONJOB)
		in->replicas = 1;
	in->max_replicas = in->replicas;
	if (hpa && mf_get_bool(hpa, "enabled", true) && in->kind != MF_W_DAEMON &&
	    mf_long_running(in->kind)) {
		in->replicas = mf_get_int(hpa, "min", in->replicas);
		in->max_replicas = mf_get_int(hpa, "max", in->replicas);
		in->replicas_pos = mf_get(hpa, "min") ? mf_get(hpa, "min")->pos : hpa->pos;
	}
}

static bool service_in_env(const mf_node *spec, const mf_env *e)
{
	const mf_node *envs = mf_get(spec, "environments");

	return e->is_base || !envs || seq_has(envs, e->name);
}

/* Tenant env vars are wrapped as {env: ...} so one merge applies them. */
static const mf_node *tenant_spec(rctx *r, const mf_node *spec, const mf_tenant *t,
				  const char *service)
{
	const mf_node *tenv = mf_get(t->node, "env");
	const mf_node *over = expand(r, mf_get(mf_get(t->node, "services"), service), 0);

	if (tenv) {
		mf_node *wrap = mf_new_map(r->c->a, tenv->pos);
		mf_map_add(r->c->a, wrap, "env", t->pos, (mf_node *)tenv);
		spec = merge_fields(r, spec, wrap);
	}
	return over ? merge_fields(r, spec, over) : spec;
}

static mf_instance *new_instance(rctx *r, mf_env *e, size_t *cap)
{
	mf_instance *grown = mf_grow(r->c->a, e->inst, e->ninst, cap, sizeof *grown);

	if (!grown)
		return NULL;
	e->inst = grown;
	memset(&e->inst[e->ninst], 0, sizeof e->inst[0]);
	return &e->inst[e->ninst++];
}

static bool store_image(const mf_node *spec);
static void check_probe_ports(rctx *r, const mf_instance *in);

/* A store: it keeps data (storage, a stateful kind, or the image of a store
 * that runs as one server, such as an in-memory Redis queue) and does not
 * say that its copies replicate it (availability.replicated). */
static bool single_writer(const mf_node *spec)
{
	const mf_node *st = mf_get(spec, "storage"),
		      *rep = mf_path(spec, "availability.replicated");
	const char *kind = mf_get_str(spec, "kind");

	if (rep && rep->kind == MF_BOOL)
		return !rep->v.b;
	return (st && st->kind == MF_MAP && st->n) || (kind && !strcmp(kind, "stateful")) ||
	       store_image(spec);
}

/* A long-running service Compose can health-check: a probe, probes.compose,
 * or probes.image (the image's own HEALTHCHECK). */
static bool has_health(const mf_instance *in)
{
	const mf_node *p = mf_get(in->spec, "probes");

	return mf_long_running(in->kind) &&
	       (mf_get(p, "readiness") || mf_get(p, "liveness") || mf_get(p, "startup") ||
		mf_get(p, "compose") || in->image_health);
}

/* services.*.ports: everything but the allocated host ports (env_ports) */
static void instance_ports(rctx *r, mf_instance *in)
{
	const mf_node *ports = mf_get(in->spec, "ports");

	in->nports = ports && ports->kind == MF_MAP ? ports->n : 0;
	in->ports = mf_alloc(r->c->a, (in->nports + 1) * sizeof *in->ports);
	if (!in->ports) {
		in->nports = 0;
		return;
	}
	for (size_t k = 0; k < in->nports; k++) {
		mf_port *o = &in->ports[k];
		const mf_node *v = ports->pairs[k].val;
		o->name = ports->pairs[k].key;
		o->node = v;
		o->pos = v ? v->pos : ports->pairs[k].pos;
		o->number = mf_port_number(v);
		o->service_port = mf_get_int(v, "servicePort", o->number);
		o->protocol = mf_or(mf_get_str(v, "protocol"), "TCP");
		o->in_service = mf_get_bool(v, "service", true);
		o->host_node = mf_get(v, "host");
		o->host_ip = mf_get_str(v, "hostIP");
		o->published = in->host_network ? (int)o->number : 0;
	}
}

/* The keys that name a volume's source, in the order they are looked for. */
static const struct {
	const char *key;
	mf_vol_kind kind;
} vol_sources[] = {
	{"bind", MF_V_BIND},          {"config", MF_V_CONFIG},      {"secret", MF_V_SECRET},
	{"emptyDir", MF_V_EMPTY_DIR}, {"hostPath", MF_V_HOST_PATH},
};

static void add_volume(mf_instance *in, const mf_pair *p, bool storage)
{
	mf_volume *v = &in->vols[in->nvols++];

	v->name = p->key;
	v->key_pos = p->pos;
	v->node = p->val;
	v->mount = mf_get_str(p->val, "mount");
	v->read_only = mf_get_bool(p->val, "readOnly", false);
	v->selinux = mf_get(p->val, "selinux");
	v->own_name = mf_get_str(p->val, "name");
	v->external = mf_get_bool(p->val, "external", false);
	v->kind = MF_V_STORAGE;
	v->shared = storage ? mf_get_str(p->val, "volume") : NULL;
	for (size_t k = 0; !storage && k < MF_NELEM(vol_sources); k++)
		if ((v->source_node = mf_get(p->val, vol_sources[k].key)) != NULL) {
			v->kind = vol_sources[k].kind;
			v->source = mf_str(v->source_node);
			break;
		}
}

static bool dns_label(const char *s)
{
	size_t n = strlen(s);

	return n && n <= 63 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n &&
	       s[0] != '-' && s[n - 1] != '-';
}

/* A Kubernetes label value: at most 63 of [-A-Za-z0-9_.], alphanumeric at
 * both ends, or empty. */
static bool label_value(const char *s)
{
	size_t n = strlen(s);
	static const char *const an =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

	return !n || (n <= 63 &&
		      strspn(s, "-_.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"0123456789") == n &&
		      strchr(an, s[0]) && strchr(an, s[n - 1]));
}

/* services.*.labels label Kubernetes objects too: free text (a reverse
 * proxy's rule) would make the API server refuse them. */
static void check_labels(rctx *r, const mf_instance *in)
{
	const mf_node *l = mf_get(in->spec, "labels");

	for (size_t i = 0; l && l->kind == MF_MAP && i < l->n; i++) {
		const mf_node *v = l->pairs[i].val;
		if (!mf_str(v) || label_value(mf_str(v)) || !first_report(r, v->pos))
			continue;
		r->rc = mf_error(
			r->c, v->pos, "label-value",
			"label '%s' of '%s' is no Kubernetes label value (at most 63 "
			"letters, digits, '-', '_' and '.'), and '%s' runs on Kubernetes in "
			"'%s': put free text under 'annotations', which Compose writes as "
			"labels too",
			l->pairs[i].key, in->service, in->service, in->env->name);
	}
}

/* containerName is one container's name: not several tenants' or replicas'
 * (Compose refuses to scale it); hostname is a pod's in Kubernetes, where it
 * must be a DNS label. */
static void check_names(rctx *r, const mf_instance *in)
{
	const mf_node *cn = mf_get(in->spec, "containerName"), *hn = mf_get(in->spec, "hostname");
	bool k8s = in->env->targets & (MF_T_KUSTOMIZE | MF_T_HELM),
	     compose = in->env->targets & MF_T_COMPOSE;

	if (mf_str(cn) && in->tenant && !strstr(mf_str(cn), "{tenant}") &&
	    first_report(r, cn->pos))
		r->rc = mf_error(r->c, cn->pos, "container-name",
				 "'%s' has one instance per tenant, so container name '%s' would "
				 "name several containers: say '{tenant}' in it for one per tenant",
				 in->service, mf_str(cn));
	else if (mf_str(cn) && compose && in->max_replicas > 1 && first_report(r, cn->pos))
		r->rc = mf_error(
			r->c, cn->pos, "container-name",
			"'%s' runs %lld replicas in '%s', but container name '%s' names one "
			"container: Compose cannot scale it",
			in->service, in->max_replicas, in->env->name, mf_str(cn));
	if (k8s)
		check_labels(r, in);
	if (mf_str(hn) && k8s && !strchr(mf_str(hn), '{') && !dns_label(mf_str(hn)) &&
	    first_report(r, hn->pos))
		r->rc = mf_error(
			r->c, hn->pos, "hostname",
			"hostname '%s' of '%s' is no pod hostname Kubernetes accepts (a DNS "
			"label: lowercase letters, digits and '-', at most 63), and '%s' runs "
			"on Kubernetes in '%s'",
			mf_str(hn), in->service, in->service, in->env->name);
}

/* storage.*.name is the volume's own name: every tenant would share it, and
 * a claim's name must be a DNS label where Kubernetes runs it. */
static void check_volume_name(rctx *r, const mf_instance *in, const mf_volume *v)
{
	const mf_node *n = mf_get(v->node, "name");
	bool k8s = in->env->targets & (MF_T_KUSTOMIZE | MF_T_HELM);

	if (!v->own_name || (!in->tenant && (!k8s || dns_label(v->own_name))) ||
	    !first_report(r, n->pos))
		return;
	if (in->tenant) {
		mf_error(r->c, n->pos, "volume-name",
			 "'%s' has one instance per tenant, so a named volume '%s' would be shared "
			 "by every tenant",
			 in->service, v->own_name);
		r->rc = -1;
	} else {
		mf_error(r->c, n->pos, "volume-name",
			 "volume name '%s' is no claim name Kubernetes accepts (lowercase letters, "
			 "digits and '-', at most 63), and '%s' runs on Kubernetes in '%s'",
			 v->own_name, in->service, in->env->name);
		r->rc = -1;
	}
}

/* volumes.*.selinux relabels a host folder: on anything else it means nothing */
static void check_selinux(rctx *r, const mf_volume *v)
{
	if (!v->selinux || v->kind == MF_V_BIND || v->kind == MF_V_HOST_PATH ||
	    !first_report(r, v->selinux->pos))
		return;
	mf_error(r->c, v->selinux->pos, "volume-selinux",
		 "'selinux' relabels a host folder, and volume '%s' is none (only 'bind' and "
		 "'hostPath' are)",
		 v->name);
	r->rc = -1;
}

/* services.*.storage and services.*.volumes */
static void instance_volumes(rctx *r, mf_instance *in)
{
	const mf_node *st = mf_get(in->spec, "storage"), *vs = mf_get(in->spec, "volumes");
	size_t nst = st && st->kind == MF_MAP ? st->n : 0,
	       nvs = vs && vs->kind == MF_MAP ? vs->n : 0;

	in->vols = mf_alloc(r->c->a, (nst + nvs + 1) * sizeof *in->vols);
	for (size_t k = 0; in->vols && k < nst; k++)
		add_volume(in, &st->pairs[k], true);
	for (size_t k = 0; in->vols && k < nvs; k++)
		add_volume(in, &vs->pairs[k], false);
	for (size_t k = 0; in->vols && !in->env->is_base && k < in->nvols; k++) {
		check_volume_name(r, in, &in->vols[k]);
		check_selinux(r, &in->vols[k]);
	}
}

/* ---- storage that shares a name ------------------------------------------ */

/* Two storage entries with one `name` are one Docker volume (Compose shares
 * it) and one claim name (Kubernetes gets the object twice, or both mount
 * one claim).  The language cannot yet say that a volume is shared, so it
 * is never silent: an error where Kubernetes would get two claims of one
 * name, a warning where the data is shared. */
typedef struct named_vol {
	const mf_instance *in;
	const mf_volume *v;
	mf_pos at; /* its `name:` */
} named_vol;

typedef struct vol_clash {
	named_vol second, first;
	mf_severity sev;
} vol_clash;

static int cmp_named(const void *x, const void *y)
{
	const named_vol *a = x, *b = y;
	int c = strcmp(a->v->own_name, b->v->own_name);

	return c ? c : mf_pos_cmp(a->at, b->at);
}

/* the position of each clash, its most severe first */
static int cmp_clash(const void *x, const void *y)
{
	const vol_clash *a = x, *b = y;
	int c = mf_pos_cmp(a->second.at, b->second.at);

	return c ? c : (int)b->sev - (int)a->sev;
}

/* Named storage of an environment's instances (tenants' is an error of its own). */
static size_t named_vols(rctx *r, const mf_env *e, named_vol **out)
{
	size_t n = 0, cap = 0;
	named_vol *v = NULL, *grown;

	for (size_t i = 0; i < e->ninst; i++)
		for (size_t k = 0; !e->inst[i].tenant && k < e->inst[i].nvols; k++) {
			const mf_volume *vol = &e->inst[i].vols[k];
			if (vol->kind != MF_V_STORAGE || !vol->own_name)
				continue;
			if (!(grown = mf_grow(r->c->a, v, n, &cap, sizeof *v)))
				break;
			v = grown;
			v[n++] = (named_vol){&e->inst[i], vol, mf_get(vol->node, "name")->pos};
		}
	*out = v;
	return n;
}

static void add_clashes(rctx *r, const mf_env *e, vol_clash **cl, size_t *ncl, size_t *cap)
{
	named_vol *v;
	size_t n = named_vols(r, e, &v);
	bool k8s = e->targets & (MF_T_KUSTOMIZE | MF_T_HELM);

	if (n > 1)
		mf_stable_sort(v, n, sizeof *v, cmp_named);
	for (size_t i = 1, first = 0; i < n; i++) {
		vol_clash *grown;
		if (strcmp(v[i].v->own_name, v[first].v->own_name)) {
			first = i;
			continue;
		}
		if (!(grown = mf_grow(r->c->a, *cl, *ncl, cap, sizeof *grown)))
			return;
		*cl = grown;
		(*cl)[(*ncl)++] = (vol_clash){v[i], v[first],
					      k8s && !v[i].v->external && !v[first].v->external
						      ? MF_SEV_ERROR
						      : MF_SEV_WARNING};
	}
}

#define FIX_SHARED \
	"give each its own name, or declare one under 'volumes' that both mount with 'volume:'"

static void report_clash(rctx *r, const vol_clash *x)
{
	const mf_source *src = mf_source_get(r->c, x->first.at.file);
	bool same = mf_pos_eq(x->first.at, x->second.at);
	mf_diag *d = mf_diag_add(
		r->c, x->sev, x->second.at, "volume-shared",
		"storage '%s' of '%s' is named '%s' %s storage '%s' of '%s': both are one volume, %s",
		x->second.v->name, x->second.in->service, x->second.v->own_name,
		same ? "on the same line as" : "like", x->first.v->name, x->first.in->service,
		x->sev == MF_SEV_ERROR ? "and Kubernetes would get two claims of that name"
				       : "whose data they share");
	if (d && same)
		mf_diag_note(r->c, d, "%s",
			     "every service this line reaches shares it; " FIX_SHARED);
	else if (d)
		mf_diag_note(r->c, d, "'%s' names it at %s:%u:%u; " FIX_SHARED,
			     x->first.in->service, src ? src->path : "?", x->first.at.line,
			     x->first.at.col);
	if (x->sev == MF_SEV_ERROR)
		r->rc = -1;
}

/* ---- Compose projects that share a name ----------------------------------- */

/* Two Compose environments with one project name, run on one host, are one
 * project: the second `up` replaces the first's containers and both use the
 * same volumes.  environments.*.compose.project, else SYSTEM-ENV. */
typedef struct project {
	const char *name;
	const mf_env *e;
	mf_pos at; /* its `project:`, else the environment's key */
} project;

static int cmp_project(const void *x, const void *y)
{
	const project *a = x, *b = y;
	int c = strcmp(a->name, b->name);

	return c ? c : mf_pos_cmp(a->at, b->at);
}

static void shared_projects(rctx *r)
{
	project *v = mf_alloc(r->c->a, (r->s->nenvs + 1) * sizeof *v);
	size_t n = 0;

	for (size_t i = 0; v && i < r->s->nenvs; i++) {
		const mf_env *e = &r->s->envs[i];
		const mf_node *p = mf_path(e->node, "compose.project");
		if (!(e->targets & MF_T_COMPOSE))
			continue;
		v[n++] =
			(project){p && mf_str(p) ? mf_str(p)
						 : mf_printf(r->c->a, "%s-%s", r->s->name, e->name),
				  e, p ? p->pos : e->pos};
	}
	if (n > 1)
		mf_stable_sort(v, n, sizeof *v, cmp_project);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(v[i].name, v[i - 1].name))
			mf_warning(
				r->c, v[i].at, "compose-project-shared",
				"environments '%s' and '%s' are one Compose project '%s': on one "
				"host, each 'up' replaces the other's containers and both use the "
				"same volumes",
				v[i - 1].e->name, v[i].e->name, v[i].name);
}

/* After every environment: each `name:` once, at its most severe. */
static void shared_volume_names(rctx *r)
{
	vol_clash *cl = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < r->s->nenvs; i++)
		add_clashes(r, &r->s->envs[i], &cl, &n, &cap);
	if (!r->s->nenvs)
		add_clashes(r, &r->s->base, &cl, &n, &cap);
	if (n > 1)
		mf_stable_sort(cl, n, sizeof *cl, cmp_clash);
	for (size_t i = 0; i < n; i++)
		if (!i || !mf_pos_eq(cl[i].second.at, cl[i - 1].second.at))
			report_clash(r, &cl[i]);
}

/* Whether n is a `defaults` layer's value (the profile's, the system's, the
 * environment's): a default meant for services, not said of this one. */
static bool from_defaults(const rctx *r, const mf_env *e, const char *key, const mf_node *n)
{
	const mf_node *layers[] = {mf_get(e->profile, "defaults"), mf_get(r->doc, "defaults"),
				   mf_get(e->node, "defaults")};

	for (size_t i = 0; i < MF_NELEM(layers); i++) {
		const mf_node *d = mf_get(layers[i], key);
		if (d && mf_pos_eq(d->pos, n->pos))
			return true;
	}
	return false;
}

/* services.*.restart: always or unless-stopped on a job or cron job, which
 * no target honours: a job that succeeded must not run again */
static void job_restart(rctx *r, const mf_instance *in)
{
	static const char *const forever[] = {"always", "unless-stopped"};
	const mf_node *n = mf_get(in->spec, "restart");

	if (mf_long_running(in->kind) || !mf_str(n) || !MF_IN_LIST(mf_str(n), forever) ||
	    from_defaults(r, in->env, "restart", n) || !first_report(r, n->pos))
		return;
	mf_warning(r->c, n->pos, "restart-job",
		   "'restart: %s' does not apply to %s '%s', which must not run again once it "
		   "succeeded: Kubernetes restarts its pod on failure, Compose only with "
		   "'job.backoffLimit'",
		   mf_str(n), in->kind == MF_W_JOB ? "job" : "cron job", in->service);
}

static void fill_instance(rctx *r, mf_env *e, mf_instance *in, const mf_pair *svc,
			  const mf_tenant *t)
{
	in->spec = mf_vars_apply(r->c, r->doc, e, in->spec, &r->rc);
	in->service = svc->key;
	in->tenant = t;
	in->name = svc->key;
	in->compose_name = t ? mf_printf(r->c->a, "%s-%s", svc->key, t->name) : svc->key;
	in->id = in->compose_name;
	in->system = !t && mf_streq(mf_get_str(in->spec, "namespace"), "system");
	in->ns = t ? t->ns : in->system ? e->system_ns : e->ns;
	in->kind = workload_of(in->spec);
	in->pos = svc->pos;
	in->env = e;
	in->machine = mf_get_str(mf_get(in->spec, "placement"), "machine");
	in->host_network = mf_truthy(mf_path(in->spec, "security.hostNetwork"));
	in->single_writer = single_writer(in->spec);
	in->image_health = mf_truthy(mf_path(in->spec, "probes.image"));
	in->health = has_health(in);
	in->image = image_of(r->c, r->s, in);
	replicas_of(in, e);
	removed_nothing(r, in);
	instance_ports(r, in);
	check_probe_ports(r, in);
	instance_volumes(r, in);
	job_restart(r, in);
	if (!e->is_base)
		check_names(r, in);
	if (mf_names_apply(r->c, &r->reported, in) < 0)
		r->rc = -1;
}

/* The defaults of an environment: profile < system < environment.  With
 * `for_store`, without the profile's replica count: a generic profile
 * never doubles a service that keeps data and does not replicate it. */
static const mf_node *env_defaults(rctx *r, const mf_env *e, bool for_store)
{
	const mf_node *p = mf_get(e->profile, "defaults"), *d;

	if (for_store && mf_get(p, "replicas"))
		p = with(r, p, "replicas", NULL);
	d = merge_fields(r, p, mf_get(r->doc, "defaults"));
	return merge_fields(r, d, mf_get(e->node, "defaults"));
}

/* `namespace: system` on a tenant-scoped service: its instances live in
 * their tenants' namespaces */
static void system_tenant(rctx *r, const mf_node *spec)
{
	const mf_node *n = mf_get(spec, "namespace");

	if (!mf_streq(mf_str(n), "system") || !first_report(r, n->pos))
		return;
	mf_error(r->c, n->pos, "system-namespace-tenant",
		 "'namespace: system' on a 'scope: tenant' service: its instances run in their "
		 "tenants' namespaces; only a shared service can be in the system namespace");
	r->rc = -1;
}

static void service_instances(rctx *r, mf_env *e, const mf_pair *svc, const mf_node *expanded,
			      const mf_node *const defaults[2], size_t *cap)
{
	const mf_node *over = expand(r, mf_get(mf_get(e->node, "services"), svc->key), 0);
	const mf_node *spec = merge_fields(r, merge_fields(r, defaults[0], expanded), over);
	const char *scope;
	mf_instance *in;

	if (single_writer(spec))
		spec = merge_fields(r, merge_fields(r, defaults[1], expanded), over);
	if (!service_in_env(spec, e))
		return;
	scope = mf_get_str(spec, "scope");
	if (mf_streq(scope, "tenant"))
		system_tenant(r, spec);
	if (!scope || strcmp(scope, "tenant")) {
		if ((in = new_instance(r, e, cap)) != NULL) {
			in->spec = spec;
			fill_instance(r, e, in, svc, NULL);
		}
		return;
	}
	for (size_t i = 0; i < e->ntenants; i++) {
		if ((in = new_instance(r, e, cap)) == NULL)
			return;
		in->spec = tenant_spec(r, spec, &e->tenants[i], svc->key);
		fill_instance(r, e, in, svc, &e->tenants[i]);
	}
}

static int cmp_svc_pair(const void *x, const void *y)
{
	return strcmp((*(const mf_pair *const *)x)->key, (*(const mf_pair *const *)y)->key);
}

/* Instances in (service, tenant) order: tenants are already sorted, so
 * visiting services by name is enough. */
static void env_instances(rctx *r, mf_env *e, const mf_node *const *expanded)
{
	const mf_node *svcs = mf_get(r->doc, "services");
	const mf_node *defaults[2] = {env_defaults(r, e, false), env_defaults(r, e, true)};
	const mf_pair **order;
	size_t cap = 0, n = svcs ? svcs->n : 0;

	order = mf_alloc(r->c->a, (n + 1) * sizeof *order);
	for (size_t i = 0; order && i < n; i++)
		order[i] = &svcs->pairs[i];
	if (!order)
		return;
	mf_qsort(order, n, sizeof *order, cmp_svc_pair);
	for (size_t i = 0; i < n; i++)
		service_instances(r, e, order[i], expanded[order[i] - svcs->pairs], defaults, &cap);
}

/* ---- host ports --------------------------------------------------------- */

/* One pool of host ports per machine ("" is the single host of a Compose
 * environment): a bitmap, so allocation stays linear in the number of ports. */
typedef struct pool {
	const char *machine;
	unsigned char used[65536 / 8];
} pool;

static pool *pool_for(rctx *r, pool **pools, size_t *n, const char *machine)
{
	pool *grown;

	machine = machine ? machine : "";
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*pools)[i].machine, machine))
			return &(*pools)[i];
	grown = realloc(*pools, (*n + 1) * sizeof **pools);
	if (!grown)
		return NULL;
	*pools = grown;
	memset(&grown[*n], 0, sizeof grown[0]);
	grown[*n].machine = machine;
	return &grown[(*n)++];
}

static bool port_used(const pool *p, long long port)
{
	return p->used[port / 8] & (1u << (port % 8));
}

static void port_take(pool *p, long long port)
{
	p->used[port / 8] |= (unsigned char)(1u << (port % 8));
}

static void set_host(mf_instance *in, size_t k, int port)
{
	in->ports[k].host = port;
	if (!in->host_network)
		in->ports[k].published = port;
}

static const mf_node *range_for(rctx *r, const mf_env *e, const mf_instance *in)
{
	const mf_node *m = in->machine ? mf_get(mf_get(r->doc, "machines"), in->machine) : NULL;

	return pick(mf_get(m, "ports"),
		    pick(mf_get(e->node, "hostPorts"), mf_get(e->profile, "hostPorts")));
}

static void allocate(rctx *r, const mf_env *e, mf_instance *in, size_t k, const mf_node *host,
		     pool *p)
{
	const mf_node *range = range_for(r, e, in);
	long long from = mf_get_int(range, "from", 0), to = mf_get_int(range, "to", -1);

	if (!range) {
		if (!e->is_base) {
			mf_error(r->c, host->pos, "port-range",
				 "'host: auto' needs a port range: set 'hostPorts' on environment "
				 "'%s' or 'ports' on the machine",
				 e->name);
			r->rc = -1;
		}
		return;
	}
	while (from <= to && port_used(p, from))
		from++;
	if (from > to) {
		mf_error(r->c, host->pos, "port-range",
			 "no free host port left in %lld-%lld for '%s' in environment '%s'",
			 mf_get_int(range, "from", 0), to, in->compose_name, e->name);
		r->rc = -1;
		return;
	}
	port_take(p, from);
	set_host(in, k, (int)from);
}

/* Explicit host ports first, so `auto` never takes a port someone named. */
static void env_ports(rctx *r, mf_env *e)
{
	pool *pools = NULL;
	size_t npools = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < e->ninst; i++) {
			mf_instance *in = &e->inst[i];
			/* one Compose file runs on one Docker host, whatever the placement,
			 * unless the environment writes one file per machine */
			pool *p = pool_for(r, &pools, &npools,
					   (e->targets & MF_T_COMPOSE) && !e->compose_split
						   ? NULL
						   : in->machine);
			if (!p)
				break;
			for (size_t k = 0; k < in->nports; k++) {
				const mf_node *host = in->ports[k].host_node;
				/* the host network occupies every container port */
				if (pass == 0 && in->host_network && in->ports[k].number > 0 &&
				    in->ports[k].number < 65536)
					port_take(p, in->ports[k].number);
				if (pass == 0 && host && host->kind == MF_INT) {
					set_host(in, k, (int)host->v.i);
					port_take(p, host->v.i);
				} else if (pass == 1 && host && host->kind == MF_STR) {
					allocate(r, e, in, k, host, p);
				}
			}
		}
	}
	free(pools);
}

/* ---- references that need an environment ------------------------------ */

static void ref_missing(rctx *r, const mf_instance *in, const mf_node *at, const char *target)
{
	const mf_instance *t = mf_find_instance(in->env, target, NULL);
	bool per_tenant = !t && in->env->ntenants &&
			  mf_find_instance(in->env, target, in->env->tenants[0].name);

	if (in->env->is_base)
		return;
	if (per_tenant)
		mf_error(r->c, at->pos, "unknown-reference",
			 "shared service '%s' refers to '%s', which has one instance per tenant",
			 in->service, target);
	else
		mf_error(r->c, at->pos, "unknown-reference",
			 "'%s' refers to '%s', which does not exist in environment '%s'",
			 in->service, target, in->env->name);
	r->rc = -1;
}

static const char *const ref_fields[] = {"{host}", "{port}", "{namespace}"};

/* {service, port, format}: the port must be one the service has, and the
 * format may only use the placeholders it can fill. */
static void check_ref_port(rctx *r, const mf_instance *in, const mf_node *ref)
{
	const mf_instance *to = mf_ref_target(in, mf_get_str(ref, "service"));
	const mf_node *pname = mf_get(ref, "port"), *fmt = mf_get(ref, "format");
	const mf_node *ports = to ? mf_get(to->spec, "ports") : NULL;
	const char *f = mf_str(fmt);

	if (!to || in->env->is_base) /* the environments report, with their overrides */
		return;
	if (pname && !mf_port_of(to->spec, pname, NULL) && first_report(r, pname->pos)) {
		mf_diag *d = mf_diag_add(r->c, MF_SEV_ERROR, pname->pos, "unknown-reference",
					 "'%s' has no port '%s'", to->service, mf_str(pname));
		mf_diag_suggest_key(r->c, d, mf_str(pname), ports);
		r->rc = -1;
	}
	for (const char *p = f ? strchr(f, '{') : NULL; p; p = strchr(p + 1, '{')) {
		size_t n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz") + 2, k = 0;
		while (k < MF_NELEM(ref_fields) && strncmp(p, ref_fields[k], strlen(ref_fields[k])))
			k++;
		if (p[n - 1] != '}')
			continue;
		if (k == MF_NELEM(ref_fields) && first_report(r, fmt->pos)) {
			mf_error(r->c, fmt->pos, "unknown-reference",
				 "unknown placeholder '%.*s' in a format (use {host}, {port}, "
				 "{namespace})",
				 (int)n, p);
			r->rc = -1;
		} else if (k == 1 && !pname && !(ports && ports->n) && first_report(r, fmt->pos)) {
			mf_error(r->c, fmt->pos, "unknown-reference",
				 "the format uses '{port}', but '%s' has no port", to->service);
			r->rc = -1;
		}
	}
}

/* dependsOn and connectsTo: keys that are services of this environment */
static void keys_present(rctx *r, const mf_instance *in, const mf_node *map)
{
	for (size_t k = 0; map && map->kind == MF_MAP && k < map->n; k++) {
		mf_node at = {.kind = MF_STR, .pos = map->pairs[k].pos};
		if (mf_get(mf_get(r->doc, "services"), map->pairs[k].key) &&
		    !mf_ref_target(in, map->pairs[k].key))
			ref_missing(r, in, &at, map->pairs[k].key);
	}
}

static void env_refs(rctx *r, const mf_env *e)
{
	for (size_t i = 0; i < e->ninst; i++) {
		const mf_instance *in = &e->inst[i];
		const mf_node *env = mf_get(in->spec, "env"), *deps = mf_get(in->spec, "dependsOn");

		if (i > 0 && !strcmp(e->inst[i - 1].service, in->service))
			continue;
		for (size_t k = 0; env && k < env->n; k++) {
			const char *svc = mf_get_str(env->pairs[k].val, "service");
			if (svc && mf_get(mf_get(r->doc, "services"), svc) &&
			    !mf_ref_target(in, svc))
				ref_missing(r, in, env->pairs[k].val, svc);
			else if (svc)
				check_ref_port(r, in, env->pairs[k].val);
		}
		keys_present(r, in, deps);
		keys_present(r, in, mf_get(in->spec, "connectsTo"));
	}
}

/* ---- flows ------------------------------------------------------------- */

typedef struct flowset {
	mf_flow *v;
	size_t n, cap;
} flowset;

static void add_flow(rctx *r, flowset *fs, const mf_instance *in, const char *service,
		     const mf_port *port, mf_flow_why why, mf_pos pos)
{
	const mf_instance *to = mf_ref_target(in, service);
	mf_flow *grown;

	/* a dependency on itself means nothing; connectsTo itself is its replicas' traffic */
	if (!to || (to == in && why != MF_F_CONNECTS))
		return;
	if (!(grown = mf_grow(r->c->a, fs->v, fs->n, &fs->cap, sizeof *grown)))
		return;
	fs->v = grown;
	fs->v[fs->n++] = (mf_flow){.from = in, .to = to, .port = port, .why = why, .pos = pos};
}

static const mf_port *port_named(const mf_instance *to, const mf_node *ref)
{
	for (size_t j = 0; j < to->nports; j++) {
		const mf_port *p = &to->ports[j];
		if (ref->kind == MF_INT ? p->number == ref->v.i
					: mf_str(ref) && !strcmp(p->name, mf_str(ref)))
			return p;
	}
	return NULL;
}

/* connectsTo.NAME.ports: each a port `NAME` has (by name or number) */
static void connect_ports(rctx *r, flowset *fs, const mf_instance *in, const mf_pair *c)
{
	const mf_instance *to = mf_ref_target(in, c->key);
	const mf_node *ports = mf_get(c->val, "ports");

	if (!to || !ports || ports->kind != MF_SEQ || !ports->n) {
		add_flow(r, fs, in, c->key, NULL, MF_F_CONNECTS, c->pos);
		return;
	}
	for (size_t k = 0; k < ports->n; k++) {
		const mf_node *pn = ports->items[k];
		const mf_port *p = port_named(to, pn);
		mf_diag *d;
		if (p) {
			add_flow(r, fs, in, c->key, p, MF_F_CONNECTS, pn->pos);
		} else if (!in->env->is_base && first_report(r, pn->pos)) {
			d = mf_diag_add(r->c, MF_SEV_ERROR, pn->pos, "unknown-reference",
					"'%s' has no port '%s'", to->service,
					pn->kind == MF_INT ? mf_printf(r->c->a, "%lld", pn->v.i)
							   : mf_str(pn));
			mf_diag_suggest_key(r->c, d, mf_str(pn), mf_get(to->spec, "ports"));
			r->rc = -1;
		}
	}
}

static int cmp_flow(const void *x, const void *y)
{
	const mf_flow *a = x, *b = y;
	size_t pa = a->port ? (size_t)(a->port - a->to->ports) + 1 : 0,
	       pb = b->port ? (size_t)(b->port - b->to->ports) + 1 : 0;

	if (a->to != b->to)
		return a->to < b->to ? -1 : 1;
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return a->why < b->why ? -1 : a->why > b->why;
}

/* Sorted by target and port, all-ports first: keep the first of each
 * target's all-ports flow, or each port's first flow. */
static void unique_flows(mf_instance *in)
{
	size_t n = 0;

	for (size_t k = 0; k < in->nflows; k++) {
		const mf_flow *f = &in->flows[k], *last = n ? &in->flows[n - 1] : NULL;
		if (last && last->to == f->to && (!last->port || last->port == f->port))
			continue;
		in->flows[n++] = *f;
	}
	in->nflows = n;
}

static void instance_flows(rctx *r, mf_instance *in)
{
	const mf_node *deps = mf_get(in->spec, "dependsOn"), *env = mf_get(in->spec, "env"),
		      *con = mf_get(in->spec, "connectsTo");
	flowset fs = {0};

	for (size_t k = 0; deps && deps->kind == MF_MAP && k < deps->n; k++)
		add_flow(r, &fs, in, deps->pairs[k].key, NULL, MF_F_DEPENDS, deps->pairs[k].pos);
	for (size_t k = 0; env && env->kind == MF_MAP && k < env->n; k++) {
		const mf_node *v = env->pairs[k].val, *svc = mf_get(v, "service");
		if (mf_str(svc))
			add_flow(r, &fs, in, mf_str(svc), NULL, MF_F_ENV, svc->pos);
	}
	for (size_t k = 0; con && con->kind == MF_MAP && k < con->n; k++)
		connect_ports(r, &fs, in, &con->pairs[k]);
	in->flows = fs.v;
	in->nflows = fs.n;
	if (in->nflows > 1)
		mf_qsort(in->flows, in->nflows, sizeof *in->flows, cmp_flow);
	unique_flows(in);
	in->egress = mf_get(in->spec, "egress");
}

/* Every instance's flows, then who reaches whom: counted first, so each
 * flows_in list is allocated once and the whole is linear. */
static void env_flows(rctx *r, mf_env *e)
{
	for (size_t i = 0; i < e->ninst; i++)
		instance_flows(r, &e->inst[i]);
	for (size_t i = 0; i < e->ninst; i++)
		for (size_t k = 0; k < e->inst[i].nflows; k++)
			e->inst[e->inst[i].flows[k].to - e->inst].nflows_in++;
	for (size_t i = 0; i < e->ninst; i++) {
		mf_instance *t = &e->inst[i];
		t->flows_in = mf_alloc(r->c->a, (t->nflows_in + 1) * sizeof *t->flows_in);
		t->nflows_in = 0;
	}
	for (size_t i = 0; i < e->ninst; i++)
		for (size_t k = 0; k < e->inst[i].nflows; k++) {
			const mf_flow *f = &e->inst[i].flows[k];
			mf_instance *t = &e->inst[f->to - e->inst];
			if (t->flows_in)
				t->flows_in[t->nflows_in++] = f;
		}
}

/* ---- the whole system --------------------------------------------------- */

static void check_tenant_overrides(rctx *r, const mf_node *const *expanded)
{
	const mf_node *tenants = mf_get(r->doc, "tenants"), *svcs = mf_get(r->doc, "services");

	for (size_t i = 0; tenants && i < tenants->n; i++) {
		const mf_node *over = mf_get(tenants->pairs[i].val, "services");
		for (size_t k = 0; over && k < over->n; k++) {
			const mf_pair *sp = mf_get_pair(svcs, over->pairs[k].key);
			const mf_node *spec = sp ? mf_merge(r->c->a, mf_get(r->doc, "defaults"),
							    expanded[sp - svcs->pairs])
						 : NULL;
			const char *scope = mf_get_str(spec, "scope");
			if (!sp || (scope && !strcmp(scope, "tenant")))
				continue;
			mf_error(
				r->c, over->pairs[k].pos, "tenant-shared-override",
				"tenant '%s' overrides '%s', which is shared: only 'scope: tenant' "
				"services have per-tenant instances",
				tenants->pairs[i].key, over->pairs[k].key);
			r->rc = -1;
		}
	}
}

static bool wanted(const char *name, const char *const *only, size_t nonly)
{
	return nonly == 0 || mf_str_index(name, only, nonly) < nonly;
}

static void check_only(rctx *r, const char *const *only, size_t nonly)
{
	const mf_node *envs = mf_get(r->doc, "environments");

	for (size_t i = 0; i < nonly; i++) {
		mf_diag *d;
		if (mf_get(envs, only[i]))
			continue;
		/* a command-line name: no line of the description to point at */
		d = mf_diag_add(r->c, MF_SEV_ERROR, MF_NOPOS, "unknown-environment",
				"no environment '%s' in the description", only[i]);
		mf_diag_suggest_key(r->c, d, only[i], envs);
		r->rc = -1;
	}
}

static void system_clash(rctx *r, const mf_env *e, const char *what)
{
	mf_error(r->c, e->system_pos, "system-namespace-clash",
		 "the system namespace '%s' of '%s' is also %s: give it its own "
		 "'systemNamespace'",
		 e->system_ns, e->name, what);
	r->rc = -1;
}

/* The system namespace, when an instance is in it: an entry after the
 * tenants, in a namespace of its own. */
static void env_system(rctx *r, mf_env *e)
{
	bool used = false;
	mf_tenant *t;

	e->nspaces = e->ntenants;
	for (size_t i = 0; i < e->ninst && !used; i++)
		used = e->inst[i].system;
	if (!used || !e->tenants)
		return;
	t = &e->tenants[e->nspaces++];
	*t = (mf_tenant){MF_SYSTEM_PART, e->system_pos, NULL, e->system_ns, true};
	e->system = t;
	for (size_t i = 0; i < e->ntenants; i++) {
		/* the base has every tenant: one report for the name */
		if (e->is_base && !strcmp(e->tenants[i].name, MF_SYSTEM_PART)) {
			mf_error(r->c, e->tenants[i].pos, "system-namespace-clash",
				 "tenant '%s' has the name of the system namespace's part "
				 "(Kustomize's system/, Helm's tenants.system): rename the tenant",
				 MF_SYSTEM_PART);
			r->rc = -1;
		} else if (!e->is_base && !strcmp(e->tenants[i].ns, e->system_ns)) {
			system_clash(r, e,
				     mf_printf(r->c->a, "the namespace of tenant '%s'",
					       e->tenants[i].name));
		}
	}
	if (!e->is_base && !strcmp(e->system_ns, e->ns))
		system_clash(r, e, "the namespace of its shared services");
}

static void build_env(rctx *r, mf_env *e, const mf_node *const *expanded)
{
	env_settings(r, e);
	env_tenants(r, e);
	env_instances(r, e, expanded);
	env_system(r, e);
	env_ports(r, e);
	env_refs(r, e);
	env_flows(r, e);
}

static void select_envs(rctx *r, const mf_input *in, const char *const *only, size_t nonly)
{
	const mf_node *envs = mf_get(r->doc, "environments");
	mf_system *s = r->s;

	s->envs = mf_alloc(r->c->a, ((envs ? envs->n : 0) + 1) * sizeof *s->envs);
	for (size_t i = 0; s->envs && envs && i < envs->n; i++) {
		const mf_pair *p = &envs->pairs[i];
		const mf_profile *prof = in->env_profiles ? in->env_profiles[i] : NULL;
		mf_env *e;
		if (!wanted(p->key, only, nonly))
			continue;
		e = &s->envs[s->nenvs++];
		e->name = p->key;
		e->pos = p->pos;
		e->node = p->val;
		e->profile_name = prof ? prof->name : NULL;
		e->profile = prof ? prof->doc : NULL;
	}
}

static int cmp_env(const void *x, const void *y)
{
	return strcmp(((const mf_env *)x)->name, ((const mf_env *)y)->name);
}

static const mf_node **expand_services(rctx *r)
{
	const mf_node *svcs = mf_get(r->doc, "services");
	size_t n = svcs ? svcs->n : 0;
	const mf_node **out = mf_alloc(r->c->a, (n + 1) * sizeof *out);

	for (size_t i = 0; out && i < n; i++)
		out[i] = expand(r, svcs->pairs[i].val, 0);
	return out;
}

static void env_freeze(const mf_env *e)
{
	mf_freeze(e->require);
	mf_freeze(e->backup);
	mf_freeze(e->capacity);
	mf_freeze(e->profile);
	for (size_t i = 0; i < e->ninst; i++)
		mf_freeze(e->inst[i].spec);
}

void mf_system_freeze(const mf_system *s)
{
	mf_freeze(s->doc);
	env_freeze(&s->base);
	for (size_t i = 0; i < s->nenvs; i++)
		env_freeze(&s->envs[i]);
}

int mf_resolve(mf_ctx *c, const mf_input *in, const char *const *only, size_t nonly, mf_system *out)
{
	const mf_node *doc = in->doc, **expanded;
	rctx r = {.c = c, .doc = doc, .s = out};

	memset(out, 0, sizeof *out);
	out->doc = doc;
	out->name = mf_get_str(mf_get(doc, "system"), "name");
	out->version = mf_get_str(mf_get(doc, "system"), "version");
	out->own_images = mf_path(doc, "system.images.own");
	if (!out->version)
		out->version = "0.1.0";
	expanded = expand_services(&r);
	if (!expanded)
		return mf_error(c, MF_NOPOS, "internal", "out of memory");
	check_tenant_overrides(&r, expanded);
	check_only(&r, only, nonly);
	select_envs(&r, in, only, nonly);
	check_all_refs(&r, in->profiles, in->nprofiles);
	if (mf_vars_check_decls(c, doc) < 0)
		r.rc = -1;
	if (mf_monitoring_check(c, doc) < 0)
		r.rc = -1;
	if (r.rc < 0)
		return -1;
	out->base = (mf_env){.name = "base", .is_base = true, .pos = doc->pos, .ns = out->name};
	build_env(&r, &out->base, expanded);
	if (out->nenvs > 1)
		mf_qsort(out->envs, out->nenvs, sizeof *out->envs, cmp_env);
	for (size_t i = 0; i < out->nenvs; i++)
		build_env(&r, &out->envs[i], expanded);
	shared_volume_names(&r);
	shared_projects(&r);
	if (mf_names_check(c, &r.reported, out) < 0)
		r.rc = -1;
	if (mf_resolve_volumes(c, out) < 0)
		r.rc = -1;
	if (mf_monitoring_check_targets(c, out) < 0)
		r.rc = -1;
	return r.rc;
}

/* ---- stores by their image ----------------------------------------------------- */

/* Images of stores that run as one server unless configured as a cluster:
 * two copies behind one Service are two stores (jobs pushed to one queue
 * are popped from the other), even with no volume.  Matched on the last
 * part of the repository, so bitnami/postgresql-repmgr is not one. */
static const char *const store_images[] = {
	"clickhouse", "clickhouse-server", "dragonfly", "keydb",    "mariadb", "minio",
	"mongo",      "mongodb",           "mysql",     "postgres", "postgresql",
	"rabbitmq",   "redis",             "valkey",
};

static bool store_image(const mf_node *spec)
{
	const mf_node *n = mf_get(spec, "image");
	const char *ref = n && n->kind == MF_MAP ? mf_get_str(n, "repository") : mf_str(n);
	const char *name, *slash;
	size_t len;

	if (!ref)
		return false;
	len = strcspn(ref, "@");
	slash = last_of(ref, '/', len);
	name = slash ? slash + 1 : ref;
	len = strcspn(name, ":@");
	for (size_t i = 0; i < MF_NELEM(store_images); i++)
		if (strlen(store_images[i]) == len && !strncmp(name, store_images[i], len))
			return true;
	return false;
}

/* ---- probe ports ------------------------------------------------------------------- */

/* A probe's port by name must be one the service declares: the targets
 * would otherwise fail it (Kubernetes) or have no port to try (Compose).
 * Said here, once per line with did-you-mean, before either renders. */
static void check_probe_ports(rctx *r, const mf_instance *in)
{
	static const char *const probes[] = {"readiness", "liveness", "startup"};
	static const char *const actions[] = {"http", "tcp", "grpc"};
	const mf_node *all = mf_get(in->spec, "probes");
	mf_diag *d;

	if (in->env->is_base) /* the environments report, with their overrides */
		return;
	for (size_t i = 0; all && i < MF_NELEM(probes); i++)
		for (size_t k = 0; k < MF_NELEM(actions); k++) {
			const mf_node *port = mf_get(mf_get(mf_get(all, probes[i]), actions[k]),
						     "port");
			const char *name = port && port->kind == MF_STR ? mf_str(port) : NULL;
			/* a number ("8080" too) is the render's to match */
			if (!name || !name[strspn(name, "0123456789")] ||
			    mf_port_of(in->spec, port, NULL) || !first_report(r, port->pos))
				continue;
			d = mf_diag_add(r->c, MF_SEV_ERROR, port->pos, "unknown-port",
					"probe port '%s' is not a port of '%s'", name, in->service);
			mf_diag_suggest_key(r->c, d, name, mf_get(in->spec, "ports"));
			r->rc = -1;
		}
}

/* An environment's own startupOrder where it emits no Kubernetes says
 * nothing: Compose's depends_on (with its condition) already orders the
 * start, so a user expecting waves or init containers there is told. */
static void startup_order_unused(rctx *r, const mf_env *e)
{
	const mf_node *v = mf_get(e->node, "startupOrder");
	const char *mode = v && v->kind == MF_MAP ? mf_get_str(v, "mode") : mf_str(v);

	if (e->is_base || !v || !e->targets || (e->targets & (MF_T_KUSTOMIZE | MF_T_HELM)) ||
	    mf_streq(mode, "none") || !first_report(r, v->pos))
		return;
	mf_diag *d = mf_diag_add(r->c, MF_SEV_WARNING, v->pos, "startup-order-unused",
				 "'startupOrder' has no effect in environment '%s': it emits no "
				 "Kubernetes",
				 e->name);
	if (d)
		mf_diag_note(r->c, d,
			     "Compose starts services in 'dependsOn' order already "
			     "(depends_on with its condition)");
}

/* An environment's own `compose:` settings (project, machines: files) where
 * it emits no Compose change nothing; a user who expects one file per
 * machine there is told, once, at the settings. */
static void compose_unused(rctx *r, const mf_env *e)
{
	const mf_node *v = mf_get(e->node, "compose");
	mf_diag *d;

	if (e->is_base || !v || !e->targets || (e->targets & MF_T_COMPOSE) ||
	    !first_report(r, v->pos))
		return;
	d = mf_diag_add(r->c, MF_SEV_WARNING, v->pos, "compose-unused",
			"'compose' has no effect in environment '%s': it emits no Compose",
			e->name);
	if (d)
		mf_diag_note(r->c, d, "add 'compose' to its 'targets', or remove these settings");
}
