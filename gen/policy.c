/* check: policy packs (built in and custom): switches for built-in rules, declarative rules */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "check_impl.h"
#include "embedded.h"
#include "load.h"

/* ---- the compiled form ------------------------------------------------------------- */

/* One step of a field path: a key, an index, or every item ("*", "[*]"). */
typedef struct seg {
	enum { SEG_KEY, SEG_INDEX, SEG_ALL } kind;
	const char *key;
	size_t index;
} seg;

typedef enum op {
	OP_EXISTS,
	OP_ABSENT,
	OP_EQUALS,
	OP_IN,
	OP_MATCHES,
	OP_NOT_MATCHES,
	OP_MIN_CPU,
	OP_MAX_CPU,
	OP_MIN_MEMORY,
	OP_MAX_MEMORY,
} op;

static const char *const op_names[] = {
	[OP_EXISTS] = "exists",        [OP_ABSENT] = "absent",
	[OP_EQUALS] = "equals",        [OP_IN] = "in",
	[OP_MATCHES] = "matches",      [OP_NOT_MATCHES] = "notMatches",
	[OP_MIN_CPU] = "minCpu",       [OP_MAX_CPU] = "maxCpu",
	[OP_MIN_MEMORY] = "minMemory", [OP_MAX_MEMORY] = "maxMemory",
};

typedef struct cond {
	const char *field;
	seg *segs;
	size_t nsegs;
	op op;
	const mf_node *arg;
	void *re;
	long long q;
} cond;

typedef enum reads { ON_OBJECT, ON_SERVICE, ON_COMPOSE } reads;

typedef struct prule {
	const char *id;
	mf_severity sev;
	const char *message;
	const char *summary, *help, *pack; /* for explain and SARIF's rules[] */
	reads on;
	const mf_node *envs, *kinds, *tenants, *services;
	unsigned targets;
	cond *when, *assert;
	size_t nwhen, nassert;
} prule;

typedef struct enable {
	mf_rule_id rule;
	bool has_sev;
	mf_severity sev;
} enable;

struct mf_pack {
	const char *name;
	mf_level level;
	int pss; /* pssVersion: the release 1.N, INT_MAX for latest, -1 when unset */
	const mf_pack **extends;
	size_t nextends;
	enable *enable;
	size_t nenable;
	mf_rule_id *disable;
	size_t ndisable;
	prule *rules;
	size_t nrules;
};

typedef struct cached {
	const char *key;
	mf_pack *pack; /* NULL when it failed to load */
	bool loading;  /* its `extends` are being loaded: naming it again is a cycle */
} cached;

struct mf_packset {
	mf_ctx *c;
	cached *v;
	size_t n, cap;
	void **res; /* compiled patterns, freed with the set */
	size_t nres, capres;
};

/* ---- the set ------------------------------------------------------------------------ */

mf_packset *mf_packset_new(mf_ctx *c)
{
	mf_packset *ps = calloc(1, sizeof *ps);

	if (ps)
		ps->c = c;
	return ps;
}

void mf_packset_free(mf_packset *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->nres; i++)
		mf_re_free(ps->res[i]);
	free(ps->res);
	free(ps->v);
	free(ps);
}

static bool keep_re(mf_packset *ps, void *re)
{
	if (ps->nres == ps->capres) {
		size_t ncap = ps->capres ? ps->capres * 2 : 16;
		void **grown = realloc(ps->res, ncap * sizeof *grown);
		if (!grown)
			return false;
		ps->res = grown;
		ps->capres = ncap;
	}
	ps->res[ps->nres++] = re;
	return true;
}

static const mf_severity *severity_of(const char *s)
{
	static const struct {
		const char *name;
		mf_severity sev;
	} sevs[] = {{"error", MF_SEV_ERROR}, {"warning", MF_SEV_WARNING}, {"info", MF_SEV_INFO}};

	for (size_t i = 0; s && i < MF_NELEM(sevs); i++)
		if (!strcmp(s, sevs[i].name))
			return &sevs[i].sev;
	return NULL;
}

/* ---- compiling a pack ----------------------------------------------------------------- */

typedef struct build {
	mf_packset *ps;
	mf_ctx *c;
	int rc;
} build;

static int fail(build *b, mf_pos pos, const char *code, const char *msg)
{
	mf_error(b->c, pos, code, "%s", msg);
	b->rc = -1;
	return -1;
}

static const mf_rule *known_rule(build *b, const mf_node *id)
{
	const mf_rule *r = mf_rule_find(mf_str(id));
	const char *names[MF_RULE_COUNT], *best;
	mf_diag *d;

	if (r || !id)
		return r;
	for (size_t i = 0; i < MF_RULE_COUNT; i++)
		names[i] = mf_rules[i].id;
	best = mf_did_you_mean(mf_str(id), names, MF_RULE_COUNT);
	d = mf_diag_add(b->c, MF_SEV_ERROR, id->pos, "policy-rule", "unknown built-in rule '%s'",
			mf_str(id));
	if (d && best)
		mf_diag_note(b->c, d, "did you mean '%s'?", best);
	b->rc = -1;
	return NULL;
}

/* enable: [id | {rule, severity}], disable: [id] */
static void compile_switches(build *b, const mf_node *doc, mf_pack *p)
{
	const mf_node *en = mf_get(doc, "enable"), *dis = mf_get(doc, "disable");

	p->enable = mf_alloc(b->c->a, ((en ? en->n : 0) + 1) * sizeof *p->enable);
	p->disable = mf_alloc(b->c->a, ((dis ? dis->n : 0) + 1) * sizeof *p->disable);
	for (size_t i = 0; p->enable && en && i < en->n; i++) {
		const mf_node *it = en->items[i],
			      *id = it->kind == MF_MAP ? mf_get(it, "rule") : it;
		const mf_rule *r = known_rule(b, id);
		const mf_severity *sev = severity_of(mf_get_str(it, "severity"));
		if (r)
			p->enable[p->nenable++] = (enable){(mf_rule_id)(r - mf_rules), sev != NULL,
							   sev ? *sev : r->sev};
	}
	for (size_t i = 0; p->disable && dis && i < dis->n; i++) {
		const mf_rule *r = known_rule(b, dis->items[i]);
		if (r)
			p->disable[p->ndisable++] = (mf_rule_id)(r - mf_rules);
	}
}

/* a.b[*].c, metadata.labels["app.kubernetes.io/name"], ports.*.host */
/* One bracket segment at *p ("[3]", "[*]", '["a.b"]'); false when malformed. */
static bool bracket(build *b, const char **pp, seg *s)
{
	const char *p = *pp, *q;
	char *end;

	if (p[1] == '*' && p[2] == ']') {
		*s = (seg){SEG_ALL, NULL, 0};
		*pp = p + 3;
	} else if (p[1] >= '0' && p[1] <= '9') {
		*s = (seg){SEG_INDEX, NULL, (size_t)strtoull(p + 1, &end, 10)};
		if (*end != ']')
			return false;
		*pp = end + 1;
	} else if (p[1] == '"' && (q = strchr(p + 2, '"')) != NULL && q[1] == ']') {
		*s = (seg){SEG_KEY, mf_strndup(b->c->a, p + 2, (size_t)(q - p - 2)), 0};
		*pp = q + 2;
	} else {
		return false;
	}
	return true;
}

/* keys separated by '.', with '[N]', '[*]' and '["key"]' after any segment:
 * a key starts the path or follows a '.', and a '.' is followed by a key */
static int parse_path(build *b, const mf_node *at, cond *c)
{
	const char *p = c->field;
	bool dot = false;

	c->nsegs = 0;
	c->segs = mf_alloc(b->c->a, (strlen(p) + 1) * sizeof *c->segs);
	while (c->segs && *p) {
		seg *s = &c->segs[c->nsegs];
		if (*p == '.') {
			if (dot || !c->nsegs)
				break;
			dot = true, p++;
		} else if (*p == '[') {
			if (dot || !bracket(b, &p, s))
				break;
			c->nsegs++;
		} else if (*p != ']' && (dot || !c->nsegs)) {
			size_t n = strcspn(p, ".[]");
			*s = n == 1 && *p == '*' ? (seg){SEG_ALL, NULL, 0}
						 : (seg){SEG_KEY, mf_strndup(b->c->a, p, n), 0};
			c->nsegs++, p += n, dot = false;
		} else {
			break;
		}
	}
	if (dot)
		p = "."; /* a path that ends with '.': not consumed */
	if (c->segs && !*p && c->nsegs)
		return 0;
	return fail(b, at->pos, "policy-field",
		    mf_printf(b->c->a,
			      "invalid field path '%s' (keys separated by '.', '[N]', '[*]' or "
			      "'[\"key\"]')",
			      c->field));
}

static int compile_cond(build *b, const mf_node *n, cond *c)
{
	char err[256];

	c->field = mf_get_str(n, "field");
	if (!c->field || parse_path(b, mf_get(n, "field"), c) < 0)
		return -1;
	for (size_t i = 0; i < MF_NELEM(op_names); i++)
		if ((c->arg = mf_get(n, op_names[i])) != NULL) {
			c->op = (op)i;
			break;
		}
	if (!c->arg)
		return fail(b, n->pos, "policy-condition", "a condition needs one test");
	if (c->op == OP_MATCHES || c->op == OP_NOT_MATCHES) {
		if (!(c->re = mf_re_compile(mf_or(mf_str(c->arg), ""), false, err, sizeof err)))
			return fail(b, c->arg->pos, "policy-pattern",
				    mf_printf(b->c->a, "invalid pattern: %s", err));
		keep_re(b->ps, c->re);
	}
	if (c->op == OP_MIN_CPU || c->op == OP_MAX_CPU)
		c->q = mf_cpu_millis(c->arg);
	if (c->op == OP_MIN_MEMORY || c->op == OP_MAX_MEMORY)
		c->q = mf_mem_bytes(c->arg);
	if ((c->op >= OP_MIN_CPU) && c->q < 0)
		return fail(b, c->arg->pos, "policy-condition",
			    mf_printf(b->c->a, "invalid quantity '%s'", mf_str(c->arg)));
	return 0;
}

static cond *compile_conds(build *b, const mf_node *seq, size_t *n)
{
	cond *v = mf_alloc(b->c->a, ((seq ? seq->n : 0) + 1) * sizeof *v);

	*n = 0;
	for (size_t i = 0; v && seq && i < seq->n; i++)
		if (compile_cond(b, seq->items[i], &v[*n]) == 0)
			(*n)++;
	return v;
}

static const char *const placeholders[] = {"{service}",   "{env}",   "{tenant}", "{value}",
					   "{path}",      "{field}", "{kind}",   "{name}",
					   "{namespace}", "{rule}"};

static void check_message(build *b, const mf_node *msg)
{
	const char *s = mf_str(msg);

	for (const char *p = s ? strchr(s, '{') : NULL; p; p = strchr(p + 1, '{')) {
		bool ok = false;
		for (size_t i = 0; i < MF_NELEM(placeholders); i++)
			ok |= !strncmp(p, placeholders[i], strlen(placeholders[i]));
		if (!ok)
			fail(b, msg->pos, "policy-message",
			     mf_printf(
				     b->c->a,
				     "unknown placeholder '%.*s' (use {service}, {env}, {tenant}, "
				     "{value}, {path}, "
				     "{field}, {kind}, {name}, {namespace} or {rule})",
				     (int)(strchr(p, '}') ? (size_t)(strchr(p, '}') - p + 1)
							  : strlen(p)),
				     p));
	}
}

static void compile_rule(build *b, const mf_node *n, prule *r)
{
	const mf_node *scope = mf_get(n, "scope"), *id = mf_get(n, "id");
	const char *on = mf_get_str(n, "on");
	const mf_severity *sev = severity_of(mf_get_str(n, "severity"));

	r->id = mf_str(id);
	r->sev = sev ? *sev : MF_SEV_WARNING;
	r->message = mf_get_str(n, "message");
	r->summary = mf_get_str(n, "summary");
	r->help = mf_get_str(n, "help");
	r->on = on && !strcmp(on, "service")   ? ON_SERVICE
		: on && !strcmp(on, "compose") ? ON_COMPOSE
					       : ON_OBJECT;
	r->envs = mf_get(scope, "environments");
	r->kinds = mf_get(scope, "kinds");
	r->tenants = mf_get(scope, "tenants");
	r->services = mf_get(scope, "services");
	r->targets = mf_target_bits(mf_get(scope, "targets"));
	if (mf_rule_find(r->id))
		fail(b, id->pos, "policy-rule",
		     mf_printf(b->c->a, "rule '%s' is a built-in rule: enable it instead", r->id));
	check_message(b, mf_get(n, "message"));
	r->when = compile_conds(b, mf_get(n, "when"), &r->nwhen);
	r->assert = compile_conds(b, mf_get(n, "assert"), &r->nassert);
}

static mf_pack *load_pack(mf_packset *ps, const char *name, mf_pos from);

/* extends: [PACK...], loaded first; mf_packset_load puts them before the pack */
static void compile_extends(build *b, const mf_node *doc, mf_pack *p)
{
	const mf_node *ext = mf_get(doc, "extends");

	p->extends = mf_alloc(b->c->a, ((ext ? ext->n : 0) + 1) * sizeof *p->extends);
	for (size_t i = 0; p->extends && ext && i < ext->n; i++) {
		const mf_pack *base =
			mf_str(ext->items[i])
				? load_pack(b->ps, mf_str(ext->items[i]), ext->items[i]->pos)
				: NULL;
		if (base)
			p->extends[p->nextends++] = base;
		else
			b->rc = -1;
	}
}

/* pssVersion: "v1.N" or "latest" (the schema checked the form) */
static int pss_version(const char *v)
{
	if (!v)
		return -1;
	return strcmp(v, "latest") ? (int)strtol(v + 3, NULL, 10) : INT_MAX;
}

static mf_pack *compile_pack(build *b, const mf_node *doc)
{
	mf_pack *p = mf_alloc(b->c->a, sizeof *p);
	const mf_node *rules = mf_get(doc, "rules");
	const char *level = mf_get_str(doc, "level");

	if (!p)
		return NULL;
	p->name = mf_get_str(doc, "pack");
	p->level = !level                         ? MF_LEVEL_NONE
		   : !strcmp(level, "restricted") ? MF_LEVEL_RESTRICTED
						  : MF_LEVEL_BASELINE;
	p->pss = pss_version(mf_get_str(doc, "pssVersion"));
	compile_extends(b, doc, p);
	compile_switches(b, doc, p);
	p->rules = mf_alloc(b->c->a, ((rules ? rules->n : 0) + 1) * sizeof *p->rules);
	for (size_t i = 0; p->rules && rules && i < rules->n; i++) {
		compile_rule(b, rules->items[i], &p->rules[p->nrules]);
		p->rules[p->nrules++].pack = p->name;
	}
	for (size_t i = 0; p->rules && i < p->nrules; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p->rules[i].id, p->rules[j].id))
				fail(b, mf_get(rules->items[i], "id")->pos, "policy-rule",
				     mf_printf(b->c->a, "rule '%s' is defined twice in pack '%s'",
					       p->rules[i].id, p->name));
	return p;
}

/* ---- loading ------------------------------------------------------------------------------ */

/* The cache entry of a pack already named, or -1. */
static long cached_index(mf_packset *ps, const char *key)
{
	for (size_t i = 0; i < ps->n; i++)
		if (!strcmp(ps->v[i].key, key))
			return (long)i;
	return -1;
}

/* A new cache entry, marked as loading; -1 when out of memory. */
static long cache_add(mf_packset *ps, const char *key)
{
	if (ps->n == ps->cap) {
		size_t ncap = ps->cap ? ps->cap * 2 : 8;
		cached *grown = realloc(ps->v, ncap * sizeof *grown);
		if (!grown)
			return -1;
		ps->v = grown;
		ps->cap = ncap;
	}
	ps->v[ps->n] = (cached){key, NULL, true};
	return (long)ps->n++;
}

static mf_pack *load_pack(mf_packset *ps, const char *name, mf_pos from)
{
	build b = {ps, ps->c, 0};
	const char *key = mf_named_key(ps->c, &mf_policy_kind, name, from);
	long slot = key ? cached_index(ps, key) : -1;
	const mf_node *doc;
	mf_pack *p;

	if (slot >= 0 && ps->v[slot].loading)
		mf_error(ps->c, from, "policy-extends",
			 "policy pack '%s' extends itself (a cycle of 'extends')", name);
	if (slot >= 0)
		return ps->v[slot].loading ? NULL : ps->v[slot].pack;
	if (!key || (slot = cache_add(ps, key)) < 0)
		return (mf_error(ps->c, from, "internal", "out of memory"), NULL);
	doc = mf_load_named(ps->c, &mf_policy_kind, name, from, NULL);
	p = doc ? compile_pack(&b, doc) : NULL;
	ps->v[slot].pack = b.rc < 0 ? NULL : p;
	ps->v[slot].loading = false;
	return ps->v[slot].pack;
}

/* p after the packs it extends, each pack once: "restricted" is baseline, then restricted. */
static void add_closure(const mf_pack **v, size_t *n, const mf_pack *p)
{
	for (size_t i = 0; i < *n; i++)
		if (v[i] == p)
			return;
	for (size_t i = 0; i < p->nextends; i++)
		add_closure(v, n, p->extends[i]);
	v[(*n)++] = p;
}

int mf_packset_load(mf_packset *ps, const char *const *names, const mf_pos *pos, size_t n,
		    const mf_pack ***out, size_t *nout)
{
	const mf_pack **named = mf_alloc(ps->c->a, (n + 1) * sizeof *named), **v;
	int rc = 0;

	*out = NULL;
	*nout = 0;
	for (size_t i = 0; named && i < n; i++)
		if (!(named[i] = load_pack(ps, names[i], pos[i])))
			rc = -1;
	/* every pack of the closure is in the cache, each once */
	v = named ? mf_alloc(ps->c->a, (ps->n + 1) * sizeof *v) : NULL;
	for (size_t i = 0; v && i < n; i++)
		if (named[i])
			add_closure(v, nout, named[i]);
	*out = v;
	return v ? rc : -1;
}

bool mf_packset_knows(const mf_packset *ps, const char *id)
{
	for (size_t i = 0; ps && i < ps->n; i++)
		for (size_t j = 0; ps->v[i].pack && j < ps->v[i].pack->nrules; j++)
			if (!strcmp(ps->v[i].pack->rules[j].id, id))
				return true;
	return false;
}

size_t mf_packset_ids(const mf_packset *ps, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; ps && i < ps->n; i++)
		for (size_t j = 0; ps->v[i].pack && j < ps->v[i].pack->nrules && n < max; j++)
			out[n++] = ps->v[i].pack->rules[j].id;
	return n;
}

void mf_pack_configure(const mf_pack *p, mf_chk *k)
{
	if (p->level > k->level)
		k->level = p->level;
	if (p->pss >= 0)
		k->pss = p->pss;
	for (size_t i = 0; i < p->nenable; i++) {
		k->on[p->enable[i].rule] = true;
		if (p->enable[i].has_sev)
			k->sev[p->enable[i].rule] = p->enable[i].sev;
	}
	for (size_t i = 0; i < p->ndisable; i++)
		k->on[p->disable[i]] = false;
}

/* ---- evaluating --------------------------------------------------------------------------- */

/* One place a field path leads to: the node (NULL when missing) and the
 * deepest node on the way, for the position of a missing field. */
typedef struct hit {
	const mf_node *n;
	const mf_node *near;
	const char *path;
} hit;

typedef struct hits {
	hit *v;
	size_t n, cap;
	mf_ctx *c;
} hits;

static void add_hit(hits *h, const mf_node *n, const mf_node *near, const char *path)
{
	hit *grown = mf_grow(h->c->a, h->v, h->n, &h->cap, sizeof *grown);

	if (!grown)
		return;
	h->v = grown;
	h->v[h->n++] = (hit){n, near, path};
}

static const char *join(mf_ctx *c, const char *path, const seg *s, const char *key, size_t index)
{
	if (s->kind == SEG_INDEX || (s->kind == SEG_ALL && !key))
		return mf_printf(c->a, "%s[%zu]", path, index);
	if (strchr(key, '.') || strchr(key, '/'))
		return mf_printf(c->a, "%s[\"%s\"]", path, key);
	return *path ? mf_printf(c->a, "%s.%s", path, key) : key;
}

static void expand(hits *h, const cond *c, size_t i, const mf_node *n, const mf_node *near,
		   const char *path)
{
	const seg *s = &c->segs[i];

	if (i == c->nsegs) {
		add_hit(h, n, near, path);
		return;
	}
	if (!n || n->kind == MF_NULL) {
		add_hit(h, NULL, near, path);
		return;
	}
	if (s->kind == SEG_KEY)
		expand(h, c, i + 1, mf_get(n, s->key), n, join(h->c, path, s, s->key, 0));
	else if (s->kind == SEG_INDEX)
		expand(h, c, i + 1,
		       n->kind == MF_SEQ && s->index < n->n ? n->items[s->index] : NULL, n,
		       join(h->c, path, s, NULL, s->index));
	else if (n->kind == MF_SEQ)
		for (size_t j = 0; j < n->n; j++)
			expand(h, c, i + 1, n->items[j], n, join(h->c, path, s, NULL, j));
	else if (n->kind == MF_MAP)
		for (size_t j = 0; j < n->n; j++)
			expand(h, c, i + 1, n->pairs[j].val, n,
			       join(h->c, path, s, n->pairs[j].key, 0));
	else
		add_hit(h, NULL, n, path);
}

static bool scalar_equal(const mf_node *x, const mf_node *y)
{
	if (!x || !y || !mf_is_scalar(x) || !mf_is_scalar(y))
		return false;
	if (x->kind == MF_BOOL && y->kind == MF_BOOL)
		return x->v.b == y->v.b;
	if ((x->kind == MF_INT || x->kind == MF_FLOAT) &&
	    (y->kind == MF_INT || y->kind == MF_FLOAT))
		return (x->kind == MF_INT ? (double)x->v.i : x->v.f) ==
		       (y->kind == MF_INT ? (double)y->v.i : y->v.f);
	return mf_str(x) && mf_str(y) && !strcmp(mf_str(x), mf_str(y));
}

static bool holds(const cond *c, const mf_node *n)
{
	size_t so, eo;
	long long v;
	bool present = n && n->kind != MF_NULL;

	switch (c->op) {
	case OP_EXISTS:
		return present == mf_truthy(c->arg);
	case OP_ABSENT:
		return present != mf_truthy(c->arg);
	case OP_EQUALS:
		return scalar_equal(n, c->arg);
	case OP_IN:
		for (size_t i = 0; c->arg->kind == MF_SEQ && i < c->arg->n; i++)
			if (scalar_equal(n, c->arg->items[i]))
				return true;
		return false;
	case OP_MATCHES:
		return present && mf_str(n) && mf_re_find(c->re, mf_str(n), 0, &so, &eo);
	case OP_NOT_MATCHES:
		return !(present && mf_str(n) && mf_re_find(c->re, mf_str(n), 0, &so, &eo));
	default:
		break;
	}
	if (!present)
		return true; /* a bound on a missing quantity: `exists` says whether it must be
				there */
	v = c->op == OP_MIN_CPU || c->op == OP_MAX_CPU ? mf_cpu_millis(n) : mf_mem_bytes(n);
	if (v < 0)
		return false;
	return c->op == OP_MIN_CPU || c->op == OP_MIN_MEMORY ? v >= c->q : v <= c->q;
}

/* What a declarative rule looks at: an object, an instance's spec or a
 * Compose service, with the words its message may use. */
typedef struct target {
	const mf_node *root;
	const mf_instance *in;
	const mf_object *obj;
	const char *kind, *name, *ns, *service, *tenant, *base;
	mf_pos pos;
} target;

static const char *placeholder(mf_chk *k, const target *t, const prule *r, const cond *c,
			       const hit *h, const char *p, size_t *len)
{
	const char *vals[MF_NELEM(placeholders)] = {
		t->service,
		k->e && !k->e->is_base ? k->e->name : "",
		t->tenant ? t->tenant : "",
		h && h->n ? mf_or(mf_str(h->n), "nothing") : "nothing",
		h ? h->path : "",
		c ? c->field : "",
		t->kind ? t->kind : "",
		t->name ? t->name : "",
		t->ns ? t->ns : "",
		r->id,
	};

	for (size_t i = 0; i < MF_NELEM(placeholders); i++) {
		*len = strlen(placeholders[i]);
		if (!strncmp(p, placeholders[i], *len))
			return vals[i] ? vals[i] : "";
	}
	*len = 1;
	return NULL;
}

/* An empty placeholder in quotes drops the phrase it ends: " in '{env}'"
 * in lint, which has no environment, says nothing rather than "in ''". */
static const char *drop_phrase(mf_chk *k, const char *out)
{
	size_t n = strlen(out);

	if (!n || out[n - 1] != '\'')
		return NULL;
	n--;
	while (n && out[n - 1] == ' ')
		n--;
	while (n && out[n - 1] != ' ')
		n--;
	while (n && out[n - 1] == ' ')
		n--;
	return mf_strndup(k->c->a, out, n);
}

static const char *expand_message(mf_chk *k, const target *t, const prule *r, const cond *c,
				  const hit *h)
{
	const char *m = r->message ? r->message : r->id, *out = "";

	while (*m) {
		size_t lit = strcspn(m, "{"), len;
		const char *v, *cut;
		out = mf_printf(k->c->a, "%s%.*s", out, (int)lit, m);
		m += lit;
		if (!*m)
			break;
		v = placeholder(k, t, r, c, h, m, &len);
		m += len;
		if (v && !*v && *m == '\'' && (cut = drop_phrase(k, out)) != NULL) {
			out = cut;
			m++;
			continue;
		}
		out = v ? mf_printf(k->c->a, "%s%s", out, v) : mf_printf(k->c->a, "%s{", out);
	}
	return out;
}

static bool all_hold(mf_chk *k, const cond *conds, size_t n, const mf_node *root)
{
	for (size_t i = 0; i < n; i++) {
		hits h = {.c = k->c};
		expand(&h, &conds[i], 0, root, root, "");
		for (size_t j = 0; j < h.n; j++)
			if (!holds(&conds[i], h.v[j].n))
				return false;
	}
	return true;
}

static bool listed(const mf_node *seq, const char *s)
{
	if (!seq)
		return true;
	for (size_t i = 0; s && seq->kind == MF_SEQ && i < seq->n; i++)
		if (mf_str(seq->items[i]) && !strcmp(mf_str(seq->items[i]), s))
			return true;
	return false;
}

static bool in_scope(const mf_chk *k, const prule *r, const target *t)
{
	if (r->envs && (!k->e || k->e->is_base || !listed(r->envs, k->e->name)))
		return false;
	if (r->targets && (!k->e || !(k->e->targets & r->targets)))
		return false;
	return listed(r->kinds, t->kind) && listed(r->tenants, t->tenant) &&
	       listed(r->services, t->service);
}

/* SARIF's rules[] describes a pack rule from its findings. */
static void describe(mf_diag *d, const prule *r)
{
	if (!d)
		return;
	d->rule_summary = r->summary ? r->summary : r->id;
	d->rule_help = r->help;
}

static void apply(mf_chk *k, const prule *r, const target *t)
{
	if (!in_scope(k, r, t) || !all_hold(k, r->when, r->nwhen, t->root))
		return;
	k->in = t->in;
	k->obj = t->obj;
	/* a Compose service is named as the built-in rules name it, instance or not */
	k->object = t->obj                        ? NULL
		    : !strcmp(t->kind, "compose") ? mf_printf(k->c->a, "compose/%s", t->name)
						  : NULL;
	for (size_t i = 0; i < r->nassert; i++) {
		hits h = {.c = k->c};
		expand(&h, &r->assert[i], 0, t->root, t->root, "");
		for (size_t j = 0; j < h.n; j++) {
			const hit *x = &h.v[j];
			const char *path =
				*t->base ? (*x->path ? mf_printf(k->c->a, "%s.%s", t->base, x->path)
						     : t->base)
					 : x->path;
			if (holds(&r->assert[i], x->n))
				continue;
			describe(mf_finding_custom(k, r->id, r->sev,
						   x->n && x->n->pos.file         ? x->n->pos
						   : x->near && x->near->pos.file ? x->near->pos
										  : t->pos,
						   path, expand_message(k, t, r, &r->assert[i], x)),
				 r);
		}
	}
	k->in = NULL;
	k->obj = NULL;
	k->object = NULL;
}

/* What {service} names for an object: its instance's service, else the
 * Service an Ingress or Route sends to, else the app label, else its name. */
static const char *object_service(const mf_object *o)
{
	static const char *const paths[] = {"spec.defaultBackend.service.name",
					    "spec.backend.serviceName", "spec.to.name"};
	const mf_node *rules = mf_path(o->doc, "spec.rules"), *labels;
	const char *s;

	if (o->inst)
		return o->inst->service;
	for (size_t i = 0; rules && rules->kind == MF_SEQ && i < rules->n; i++) {
		const mf_node *paths_ = mf_path(rules->items[i], "http.paths");
		for (size_t j = 0; paths_ && paths_->kind == MF_SEQ && j < paths_->n; j++)
			if ((s = mf_str(mf_path(paths_->items[j], "backend.service.name"))) ||
			    (s = mf_str(mf_path(paths_->items[j], "backend.serviceName"))))
				return s;
	}
	for (size_t i = 0; i < MF_NELEM(paths); i++)
		if ((s = mf_str(mf_path(o->doc, paths[i]))) != NULL)
			return s;
	labels = mf_path(o->doc, "metadata.labels");
	if ((s = mf_get_str(labels, "app.kubernetes.io/name")) || (s = mf_get_str(labels, "app")))
		return s;
	return o->name;
}

static void run_objects(mf_chk *k, const prule *r)
{
	for (size_t i = 0; k->objs && i < k->objs->n; i++) {
		const mf_object *o = &k->objs->v[i];
		target t = {o->doc,
			    o->inst,
			    o,
			    o->kind,
			    o->name,
			    o->ns,
			    object_service(o),
			    o->tenant                    ? o->tenant
			    : o->inst && o->inst->tenant ? o->inst->tenant->name
							 : NULL,
			    "",
			    o->pos};
		if (o->kind && strcmp(o->kind, "compose"))
			apply(k, r, &t);
	}
}

static void run_services(mf_chk *k, const prule *r)
{
	for (size_t i = 0; k->e && !k->lint && i < k->e->ninst; i++) {
		const mf_instance *in = &k->e->inst[i];
		target t = {in->spec,
			    in,
			    NULL,
			    mf_workload_name(in->kind),
			    in->name,
			    in->ns,
			    in->service,
			    in->tenant ? in->tenant->name : NULL,
			    mf_printf(k->c->a, "services.%s", in->service),
			    in->pos};
		apply(k, r, &t);
	}
}

static void compose_target(mf_chk *k, const prule *r, const mf_pair *svc, const mf_instance *in)
{
	target t = {svc->val,
		    in,
		    NULL,
		    "compose",
		    svc->key,
		    NULL,
		    in ? in->service : svc->key,
		    in && in->tenant ? in->tenant->name : NULL,
		    mf_printf(k->c->a, "services.%s", svc->key),
		    svc->pos};

	apply(k, r, &t);
}

/* A description's Compose services are found from its instances (a
 * lookup each), so the rule stays linear in the services. */
static void run_compose(mf_chk *k, const prule *r)
{
	const mf_node *svcs = mf_get(k->compose, "services");
	const mf_pair *p;

	for (size_t i = 0; k->e && i < k->e->ninst; i++)
		if ((p = mf_get_pair(svcs, k->e->inst[i].compose_name)) != NULL)
			compose_target(k, r, p, &k->e->inst[i]);
	for (size_t i = 0; !k->e && svcs && svcs->kind == MF_MAP && i < svcs->n; i++)
		compose_target(k, r, &svcs->pairs[i], NULL);
}

void mf_pack_run(const mf_pack *p, mf_chk *k)
{
	for (size_t i = 0; i < p->nrules; i++) {
		if (p->rules[i].on == ON_OBJECT)
			run_objects(k, &p->rules[i]);
		else if (p->rules[i].on == ON_SERVICE)
			run_services(k, &p->rules[i]);
		else if (k->compose)
			run_compose(k, &p->rules[i]);
	}
}

/* ---- explain ---------------------------------------------------------------------------- */

static bool find_in(const mf_pack *const *v, size_t n, const char *id, mf_pack_rule *out)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < v[i]->nrules; j++) {
			const prule *r = &v[i]->rules[j];
			if (strcmp(r->id, id))
				continue;
			*out = (mf_pack_rule){r->id,   r->pack,    mf_or(r->summary, ""),
					      r->help, r->message, r->sev};
			return true;
		}
	return false;
}

/* The named packs first (a team's pack may reuse an id a built-in pack
 * has), then every built-in pack (policies/NAME.yaml, embedded). */
int mf_pack_rule_find(mf_ctx *c, const char *id, const char *const *names, size_t n,
		      mf_pack_rule *out)
{
	mf_packset *ps = mf_packset_new(c);
	const char **all = mf_alloc(c->a, (n + mf_embedded_count + 1) * sizeof *all);
	mf_pos *pos = mf_alloc(c->a, (n + mf_embedded_count + 1) * sizeof *pos);
	const mf_pack **v;
	size_t nall = 0, nv;
	int rc;

	if (!ps || !all || !pos) {
		mf_packset_free(ps);
		return mf_error(c, MF_NOPOS, "internal", "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		all[nall++] = names[i];
	for (size_t i = 0; i < mf_embedded_count; i++) {
		const char *p = mf_embedded_files[i].path;
		size_t len = strlen(p);
		if (!strncmp(p, "policies/", 9) && len > 14 && !strcmp(p + len - 5, ".yaml"))
			all[nall++] = mf_strndup(c->a, p + 9, len - 14);
	}
	memset(pos, 0, (nall + 1) * sizeof *pos);
	rc = mf_packset_load(ps, all, pos, nall, &v, &nv);
	rc = rc < 0 ? -1 : find_in(v, nv, id, out) ? 1 : 0;
	mf_packset_free(ps);
	return rc;
}
