/* resolve: variables: ${NAME} references checked once, resolved per environment */
#include <stdlib.h>
#include <string.h>
#include "pattern.h"
#include "resolve.h"

/* docs/language.md#variables: `variables:` declares non-secret settings
 * (a default, values per environment); `${NAME}` and `${NAME:-fallback}` in
 * the fields below refer to them; `$${` is a literal `${`.  Kubernetes and
 * Helm get the environment's value; Compose keeps the reference (with the
 * environment's value as its default) and reads .env.ENV for the value. */

/* What an environment's variables are, and which scalars of its instances
 * held references (so Compose can write them back as references). */
struct mf_vars {
	mf_hash uses;                          /* mf_pos -> use */
	mf_hash reported;                      /* mf_pos -> itself: an error once per environment */
	const char **names, **values, **whats; /* declared order; value NULL: none here */
	size_t n;
};

typedef struct use {
	const char *value;   /* what the scalar resolved to */
	const char *compose; /* how Compose writes it: references kept, other '$' doubled */
} use;

/* One reference in a string: s[at, end) is "${NAME[:-fallback]}". */
typedef struct ref {
	size_t at, end;
	const char *name;
	size_t nlen;
	const char *fb; /* the fallback, or NULL */
	size_t fblen;
} ref;

typedef enum slot_kind { S_TEXT, S_PORT } slot_kind;

typedef struct vctx {
	mf_ctx *c;
	const mf_node *decls; /* doc's variables */
	const mf_env *e;      /* NULL: checking the description as written */
	struct mf_vars *v;
	bool found; /* some reference seen */
	int rc;
} vctx;

static bool name_char(char ch, bool first)
{
	return ch == '_' || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	       (!first && ch >= '0' && ch <= '9');
}

/* The next reference in s from *i: 1 and *out set, 0 at the end, -1 for a
 * '${' that is not one of the forms we read (out->at is where).  "$${" is a
 * literal "${" and is skipped. */
static int next_ref(const char *s, size_t *i, ref *out)
{
	for (size_t k = *i; s[k]; k++) {
		if (s[k] == '$' && s[k + 1] == '$' && s[k + 2] == '{') {
			k += 2;
			continue;
		}
		if (s[k] != '$' || s[k + 1] != '{')
			continue;
		size_t p = k + 2, q;
		*out = (ref){.at = k, .name = s + p};
		while (name_char(s[p], p == k + 2))
			p++;
		out->nlen = p - (k + 2);
		if (s[p] == ':' && s[p + 1] == '-')
			p++;
		if (out->nlen && s[p] == '-') {
			q = strcspn(s + p + 1, "}");
			out->fb = s + p + 1;
			out->fblen = q;
			p += 1 + q;
		}
		if (!out->nlen || s[p] != '}')
			return -1;
		out->end = p + 1;
		*i = p + 1;
		return 1;
	}
	return 0;
}

/* The position of byte `at` of a scalar, on its line when it is one line. */
static mf_pos pos_at(const mf_node *n, size_t at)
{
	mf_pos p = n->pos;

	if (p.line && !memchr(n->str, '\n', at))
		p.col += (uint32_t)at + ((n->flags & MF_QUOTED) ? 1u : 0u);
	return p;
}

/* Without the variables' state every reference is reported. */
static bool first_time(vctx *x, mf_pos pos)
{
	return !x->v || mf_hash_first_pos(x->c->a, &x->v->reported, pos);
}

/* ---- checking a reference as written --------------------------------------- */

static void unknown_variable(vctx *x, const mf_node *n, const ref *f)
{
	char *name = mf_strndup(x->c->a, f->name, f->nlen);
	mf_diag *d = mf_diag_add(x->c, MF_SEV_ERROR, pos_at(n, f->at), "unknown-variable",
				 "unknown variable '%s'", name ? name : "?");

	x->rc = -1;
	mf_diag_suggest_key(x->c, d, name, x->decls);
	if (d && name && !d->note)
		mf_diag_note(x->c, d,
			     "declare it under 'variables', or write '$${%s}' for a literal "
			     "'${%s}' (a shell's variable)",
			     name, name);
}

static void check_text(vctx *x, const mf_node *n)
{
	size_t i = 0;
	ref f;
	int k;

	while ((k = next_ref(n->str, &i, &f)) != 0) {
		x->found = true;
		if (k < 0) {
			mf_error(
				x->c, pos_at(n, f.at), "variable-syntax",
				"a reference is '${NAME}' or '${NAME:-fallback}'; "
				"write '$${' for a literal '${'");
			x->rc = -1;
			return;
		}
		char *name = mf_strndup(x->c->a, f.name, f.nlen);
		if (name && !mf_get(x->decls, name))
			unknown_variable(x, n, &f);
	}
}

/* ---- resolving a reference in one environment -------------------------------- */

/* The declared value in e: environments.E, else default (a scalar
 * declaration is its default).  The base (environment-independent) view
 * takes the default, else the first environment's value. */
static const mf_node *declared(const mf_node *decl, const mf_env *e)
{
	const mf_node *envs = mf_get(decl, "environments"), *v;

	if (decl && decl->kind != MF_MAP)
		return decl;
	v = e && !e->is_base ? mf_get(envs, e->name) : NULL;
	if (!v)
		v = mf_get(decl, "default");
	if (!v && e && e->is_base && envs && envs->n)
		v = envs->pairs[0].val;
	return v;
}

typedef struct outbuf {
	char *s;
	size_t n, cap;
	bool failed;
} outbuf;

static void put(outbuf *b, const char *s, size_t n)
{
	char *g;

	if (b->failed)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		if (!(g = realloc(b->s, cap))) {
			b->failed = true;
			return;
		}
		b->s = g;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = 0;
}

/* Literal text s[from, to): the value gets "$${" as "${"; Compose gets
 * every '$' doubled, where "$${" stays as it is (it is Compose's too). */
static void put_literal(outbuf *val, outbuf *cmp, const char *s, size_t from, size_t to)
{
	for (size_t k = from; k < to; k++) {
		if (s[k] == '$' && s[k + 1] == '$' && s[k + 2] == '{' && k + 2 < to) {
			put(val, "${", 2);
			put(cmp, "$${", 3);
			k += 2;
			continue;
		}
		put(val, s + k, 1);
		put(cmp, s[k] == '$' ? "$$" : s + k, s[k] == '$' ? 2 : 1);
	}
}

/* The value of one reference in x->e; NULL (reported once) when it has none. */
static const char *ref_value(vctx *x, const mf_node *n, const ref *f)
{
	char *name = mf_strndup(x->c->a, f->name, f->nlen);
	const mf_node *v = declared(mf_get(x->decls, name), x->e);

	if (v && mf_str(v))
		return mf_str(v);
	if (f->fb)
		return mf_strndup(x->c->a, f->fb, f->fblen);
	if (x->e->is_base)
		return "";
	if (first_time(x, pos_at(n, f->at))) {
		mf_error(x->c, pos_at(n, f->at), "variable-unset",
			 "variable '%s' has no value in environment '%s': give it a 'default', "
			 "a value under 'environments.%s' or a fallback ('${%s:-VALUE}')",
			 name, x->e->name, x->e->name, name);
	}
	x->rc = -1;
	return NULL;
}

/* The scalar with its references replaced, and its Compose text recorded. */
static bool resolve_text(vctx *x, const mf_node *n, use *u)
{
	outbuf val = {0}, cmp = {0};
	size_t i = 0, last = 0;
	ref f;
	bool ok = true;

	while (next_ref(n->str, &i, &f) > 0) {
		const char *v = ref_value(x, n, &f);
		put_literal(&val, &cmp, n->str, last, f.at);
		last = f.end;
		ok &= v != NULL;
		v = v ? v : "";
		put(&val, v, strlen(v));
		put(&cmp, "${", 2);
		put(&cmp, f.name, f.nlen);
		put(&cmp, ":-", 2);
		for (const char *p = v; *p; p++)
			put(&cmp, *p == '$' ? "$$" : p, *p == '$' ? 2 : 1);
		put(&cmp, "}", 1);
	}
	put_literal(&val, &cmp, n->str, last, strlen(n->str));
	put(&val, "", 0);
	put(&cmp, "", 0);
	u->value = val.failed ? NULL : mf_strdup(x->c->a, val.s);
	u->compose = cmp.failed ? NULL : mf_strdup(x->c->a, cmp.s);
	free(val.s);
	free(cmp.s);
	return ok && u->value && u->compose;
}

static mf_node *as_port(vctx *x, const mf_node *n, const char *text)
{
	char *end;
	long v = strtol(text, &end, 10);
	size_t i = 0;
	ref f = {0};

	if (*text >= '0' && *text <= '9' && !*end && v >= 1 && v <= 65535)
		return mf_new_int(x->c->a, v, n->pos);
	next_ref(n->str, &i, &f);
	if (x->e->is_base)
		return NULL; /* every environment reports it */
	if (first_time(x, n->pos))
		mf_error(x->c, pos_at(n, f.at), "variable-port",
			 "'%s' is '%s' in environment '%s': a port is a number from 1 to 65535",
			 n->str, text, x->e->name);
	x->rc = -1;
	return NULL;
}

static void subst(vctx *x, mf_node **slot, slot_kind k)
{
	const mf_node *n = *slot;
	use *u;
	mf_node *out;

	if (!n || n->kind != MF_STR || !strchr(n->str, '$'))
		return;
	if (!(u = mf_alloc(x->c->a, sizeof *u)) || !resolve_text(x, n, u))
		return;
	if (!strcmp(u->value, n->str) && !strstr(n->str, "$${"))
		return; /* no reference: a literal '$' */
	out = k == S_PORT ? as_port(x, n, u->value) : mf_new_str(x->c->a, u->value, n->pos);
	if (!out)
		return;
	out->flags = (unsigned)(n->flags & (MF_QUOTED | MF_BLOCK));
	if (k == S_PORT)
		out->str = u->value;
	*slot = out;
	mf_hash_put(x->c->a, &x->v->uses, &out->pos, sizeof out->pos, u);
}

/* ---- where references are read ------------------------------------------------ */

typedef void visit_fn(vctx *x, mf_node **slot, slot_kind k);

static mf_node **slot_of(mf_node *map, const char *key)
{
	for (size_t i = 0; map && map->kind == MF_MAP && i < map->n; i++)
		if (!strcmp(map->pairs[i].key, key))
			return &map->pairs[i].val;
	return NULL;
}

static void visit_key(vctx *x, mf_node *map, const char *key, slot_kind k, visit_fn *fn)
{
	mf_node **s = slot_of(map, key);

	if (s && *s)
		fn(x, s, k);
}

/* A command or args: every item of a list, a string, {shell: TEXT}. */
static void visit_command(vctx *x, mf_node **slot, visit_fn *fn)
{
	mf_node *n = slot ? *slot : NULL;

	if (!n)
		return;
	if (n->kind == MF_SEQ)
		for (size_t i = 0; i < n->n; i++)
			fn(x, &n->items[i], S_TEXT);
	else if (n->kind == MF_MAP)
		visit_key(x, n, "shell", S_TEXT, fn);
	else
		fn(x, slot, S_TEXT);
}

/* The fields of a service (or template, defaults, override) that read
 * variables: image (or its tag), env values, command, args, ports' port and host. */
static void walk(vctx *x, mf_node *f, visit_fn *fn)
{
	mf_node **im = slot_of(f, "image"), **env = slot_of(f, "env"),
		**ports = slot_of(f, "ports");

	if (im && *im && (*im)->kind == MF_MAP) {
		visit_key(x, *im, "tag", S_TEXT, fn);
	} else if (im && *im) {
		fn(x, im, S_TEXT);
	}
	for (size_t i = 0; env && *env && (*env)->kind == MF_MAP && i < (*env)->n; i++)
		if ((*env)->pairs[i].val)
			fn(x, &(*env)->pairs[i].val, S_TEXT);
	visit_command(x, slot_of(f, "command"), fn);
	visit_command(x, slot_of(f, "args"), fn);
	for (size_t i = 0; ports && *ports && (*ports)->kind == MF_MAP && i < (*ports)->n; i++) {
		mf_node **p = &(*ports)->pairs[i].val;
		if (*p && (*p)->kind == MF_MAP) {
			visit_key(x, *p, "port", S_PORT, fn);
			visit_key(x, *p, "host", S_PORT, fn);
		} else if (*p) {
			fn(x, p, S_PORT);
		}
	}
}

static void check_slot(vctx *x, mf_node **slot, slot_kind k)
{
	(void)k;
	if ((*slot)->kind == MF_STR && strchr((*slot)->str, '$'))
		check_text(x, *slot);
}

static void find_slot(vctx *x, mf_node **slot, slot_kind k)
{
	size_t i = 0;
	ref f;

	(void)k;
	if ((*slot)->kind == MF_STR &&
	    (next_ref((*slot)->str, &i, &f) != 0 || strstr((*slot)->str, "$${")))
		x->found = true;
}

/* ---- the stage's entry points (resolve.h) ------------------------------------- */

int mf_vars_check_fields(mf_ctx *c, const mf_node *doc, const mf_node *fields)
{
	vctx x = {.c = c, .decls = mf_get(doc, "variables")};

	/* reading only: check_slot never writes through the slots */
	walk(&x, (mf_node *)fields, check_slot);
	return x.rc;
}

static const char *what_of(const mf_node *decl)
{
	return decl && decl->kind == MF_MAP ? mf_get_str(decl, "description") : NULL;
}

static int env_table(mf_ctx *c, const mf_node *decls, mf_env *e)
{
	struct mf_vars *v = mf_alloc(c->a, sizeof *v);
	size_t n = decls ? decls->n : 0;

	if (!v)
		return -1;
	v->names = mf_alloc(c->a, (n + 1) * sizeof *v->names);
	v->values = mf_alloc(c->a, (n + 1) * sizeof *v->values);
	v->whats = mf_alloc(c->a, (n + 1) * sizeof *v->whats);
	if (!v->names || !v->values || !v->whats)
		return -1;
	for (size_t i = 0; i < n; i++) {
		v->names[i] = decls->pairs[i].key;
		v->values[i] = mf_str(declared(decls->pairs[i].val, e));
		v->whats[i] = what_of(decls->pairs[i].val);
	}
	v->n = n;
	e->vars = v;
	return 0;
}

const mf_node *mf_vars_apply(mf_ctx *c, const mf_node *doc, mf_env *e, const mf_node *spec, int *rc)
{
	vctx x = {.c = c, .decls = mf_get(doc, "variables"), .e = e};
	mf_node *copy;

	if (!e->vars && env_table(c, x.decls, e) < 0) {
		*rc = mf_error(c, e->pos, "internal", "out of memory");
		return spec;
	}
	x.v = (struct mf_vars *)e->vars;
	walk(&x, (mf_node *)spec, find_slot); /* reading only */
	if (!x.found)
		return spec;
	if (!(copy = mf_copy(c->a, spec))) {
		*rc = mf_error(c, e->pos, "internal", "out of memory");
		return spec;
	}
	walk(&x, copy, subst);
	if (x.rc < 0)
		*rc = -1;
	return copy;
}

/* Declarations: no secret (variables are written in plain text to .env
 * files and manifests), values only for environments that exist. */
int mf_vars_check_decls(mf_ctx *c, const mf_node *doc)
{
	const mf_node *decls = mf_get(doc, "variables");
	int rc = 0;

	for (size_t i = 0; decls && i < decls->n; i++) {
		const mf_pair *p = &decls->pairs[i];
		const mf_node *envs = mf_get(p->val, "environments");
		const char *dv = mf_str(declared(p->val, NULL));
		if (mf_secret_name(p->key) || (dv && mf_secret_value(p->key, dv)))
			rc = mf_error(c, p->pos, "variable-secret",
				      "variable '%s' looks like a secret: variables are written in "
				      "plain text (.env files, manifests); declare it under "
				      "'secrets' and read it with {secret, key}",
				      p->key);
		for (size_t k = 0; envs && envs->kind == MF_MAP && k < envs->n; k++) {
			const mf_pair *q = &envs->pairs[k];
			mf_diag *d;
			if (mf_secret_value(p->key, mf_or(mf_str(q->val), "")))
				rc = mf_error(c, q->val->pos, "variable-secret",
					      "the value of variable '%s' looks like a secret: "
					      "declare it under 'secrets'",
					      p->key);
			if (mf_get(mf_get(doc, "environments"), q->key))
				continue;
			d = mf_diag_add(c, MF_SEV_ERROR, q->pos, "unknown-reference",
					"unknown environment '%s'", q->key);
			mf_diag_suggest_key(c, d, q->key, mf_get(doc, "environments"));
			rc = -1;
		}
	}
	return rc;
}

const char *mf_vars_compose(mf_tb *tb, const mf_env *e, mf_pos pos, const char *s)
{
	const use *u = e->vars ? mf_hash_get(&e->vars->uses, &pos, sizeof pos) : NULL;
	size_t ls, lv;
	char *pre;

	if (!u || !s)
		return NULL;
	ls = strlen(s);
	lv = strlen(u->value);
	if (ls < lv || strcmp(s + ls - lv, u->value))
		return NULL; /* not the scalar's text: something built from it */
	if (ls == lv)
		return u->compose;
	/* a prefix the environment added (an image's registry): literal */
	pre = mf_tb_alloc(tb, 2 * (ls - lv) + 1);
	for (size_t i = 0, k = 0; pre && i < ls - lv; i++) {
		pre[k++] = s[i];
		if (s[i] == '$')
			pre[k++] = '$';
		pre[k] = 0;
	}
	return pre ? mf_tb_printf(tb, "%s%s", pre, u->compose) : NULL;
}

size_t mf_vars_count(const mf_env *e)
{
	return e->vars ? e->vars->n : 0;
}

const char *mf_vars_at(const mf_env *e, size_t i, const char **value, const char **what)
{
	*value = e->vars->values[i];
	*what = e->vars->whats[i];
	return e->vars->names[i];
}
