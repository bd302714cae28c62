/* import: Compose files to a system description: read, interpolate, merge, carry */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "import.h"
#include "load.h"
#include "pattern.h"

/* The one secret literal secrets move to, and what its keys are called. */
#define SECRET "imported"
/* a description's names: definitions/name in schemas/system.schema.json */
#define DESC_NAME_MAX 40

typedef struct imp {
	mf_ctx *c;
	mf_tb tb;
	const mf_import_opts *o;
	const char *dir;       /* the first file's folder, absolute: Compose's project folder */
	const char *out_dir;   /* where the description goes, absolute */
	mf_node *env;          /* `.env`: name -> value (positioned at its line) */
	mf_node *names;        /* Compose service name -> description name */
	mf_node *jobs;         /* Compose services something waits to complete */
	mf_node *volumes;      /* the merged top-level `volumes` */
	mf_node *vol_owner;    /* Compose volume name -> the service whose storage it is */
	mf_node *secret_keys;  /* key of secret 'imported' -> value */
	mf_node *secret_where; /* key -> "service (file:line), ..." */
	mf_node *file_secrets; /* Compose secret name -> {name, key, dir, used}, or why not */
	mf_node *configs;      /* Compose config name -> {name, key, file | data, used}, or why */
	mf_node *verbatim;     /* "file:line:col" of each Compose value carried as it is */
	const char *project;   /* Compose project name */
	bool no_probe;         /* a service has no healthcheck */
	size_t keys, carried;
	int failed;
	mf_node *vol_mounts; /* Compose volume name -> [{storage, ro}]: its mounts */
	mf_node *net_names;  /* Compose network name -> description name */
	mf_hash raw;         /* "file:line:col" -> the Compose string with references */
	mf_node *raw_seq;    /* those strings, in the order read */
	mf_hash raw_done;    /* "file:line:col" -> carried as references, or a reason */
	mf_hash restored;    /* description nodes holding references (not escaped) */
	mf_node *vars;       /* variable name -> its .env value, or null */
	mf_node *var_fb;     /* variable name -> its references' one fallback, or null */
} imp;

/* One Compose service while it is carried. */
typedef struct svc {
	const char *cname;   /* its Compose name */
	const char *name;    /* its description name */
	const mf_node *in;   /* the merged Compose service */
	mf_node *out;        /* the description's service */
	mf_node *used;       /* names of its storage and volumes, for unique keys */
	mf_node *port_names; /* names of its ports */
	bool probe;
} svc;

static mf_node *service_networks(imp *m, const mf_node *n); /* networks, at the end */
static void note_raw(imp *m, const mf_node *n);             /* variables, at the end */
static void carry_refs(imp *m, svc *s);
static bool restore_ref(imp *m, mf_node *n, const char *strip);
static void env_passed(imp *m, svc *s, const char *name, mf_pos pos);
static mf_node *variables_of(imp *m);
static void tell_raw(imp *m, const mf_node *doc);
static bool restored(imp *m, const mf_node *n);
static void name_networks(imp *m, const mf_node *nets);
static mf_node *networks_of(imp *m, const mf_node *nets);

/* ---- small helpers --------------------------------------------------------------------- */

static void warn_at(imp *m, mf_pos pos, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void warn_at(imp *m, mf_pos pos, const char *code, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = mf_vprintf(m->c->a, fmt, ap);
	va_end(ap);
	if (msg)
		mf_warning(m->c, pos, code, "%s", msg);
}

static int fail_at(imp *m, mf_pos pos, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail_at(imp *m, mf_pos pos, const char *code, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = mf_vprintf(m->c->a, fmt, ap);
	va_end(ap);
	m->failed = -1;
	return mf_error(m->c, pos, code, "%s", msg ? msg : "out of memory");
}

static const char *text_of(const mf_node *n)
{
	return n && mf_is_scalar(n) && n->kind != MF_NULL ? n->str : NULL;
}

/* A mapping's value as Compose sets it (environment, labels, sysctls): a
 * plain 24.10 or 0022 is a number to its reader, which sets "24.1" and "18"
 * (import_scalar.c); quoted, interpolated or list-form values are text.  A
 * value that changes so is carried as Compose runs it, with a warning. */
static const char *pos_key(imp *m, mf_pos pos);
static void mark_at(imp *m, mf_pos pos); /* carried as it is, below */

static const char *compose_text(imp *m, const mf_node *n)
{
	const char *s = text_of(n), *as;
	char go[MF_COMPOSE_PLAIN_MAX];

	if (!s || (n->flags & MF_QUOTED) || mf_hash_get_str(&m->raw, pos_key(m, n->pos)) ||
	    !(as = mf_compose_plain(s, go)) || !strcmp(go, s))
		return s;
	warn_at(m, n->pos, "import-value",
		"Compose reads '%s' as a %s and sets '%s': carried as '%s' (quote it in the "
		"Compose file if '%s' is meant)",
		s, as, go, go, s);
	return mf_tb_printf(&m->tb, "%s", go);
}

/* A Compose boolean: YAML's, or the strings interpolation leaves. */
static bool truthy_text(const mf_node *n, bool *v)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "1"};
	static const char *const no[] = {"false", "False", "FALSE", "no", "0", ""};
	const char *s = text_of(n);

	if (n && n->kind == MF_BOOL)
		*v = n->v.b;
	else if (s && (MF_IN_LIST(s, yes) || MF_IN_LIST(s, no)))
		*v = MF_IN_LIST(s, yes);
	else
		return false;
	return true;
}

/* A lowercase DNS label of at most `max` characters made from s: letters
 * lowered, anything else '-', no doubled or edge '-', a letter first. */
static const char *label_of(imp *m, const char *s, size_t max)
{
	char *out = mf_tb_alloc(&m->tb, strlen(s) + 3);
	size_t n = 0;

	if (!out)
		return "x";
	for (; *s; s++) {
		char ch = (char)tolower((unsigned char)*s);
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
		if (ok && n == 0 && !(ch >= 'a' && ch <= 'z')) {
			out[n++] = 'x';
			out[n++] = '-';
		}
		if (ok)
			out[n++] = ch;
		else if (n && out[n - 1] != '-')
			out[n++] = '-';
	}
	n = n > max ? max : n;
	while (n && out[n - 1] == '-')
		n--;
	out[n] = 0;
	return n ? out : "x";
}

/* `base`, or `base-2`, `base-3`... the first that `used` does not hold yet. */
static const char *unique(imp *m, mf_node *used, const char *base)
{
	const char *name = base;

	for (int i = 2; mf_get(used, name); i++)
		name = mf_tb_printf(&m->tb, "%s-%d", base, i);
	mf_tb_put_bool(&m->tb, used, name, true, MF_NOPOS);
	return name ? name : base;
}

/* ---- paths ----------------------------------------------------------------------------- */

/* `path` made absolute against `dir` and tidied: no ".", "..", or doubled '/'. */
static char *abs_path(imp *m, const char *dir, const char *path)
{
	const char *full = path[0] == '/' ? path : mf_tb_printf(&m->tb, "%s/%s", dir, path);
	char *out = mf_tb_alloc(&m->tb, full ? strlen(full) + 2 : 2);
	size_t n = 0;

	if (!full || !out)
		return NULL;
	for (const char *q = full; *q;) {
		size_t len = strcspn(q, "/");
		if (len == 2 && q[0] == '.' && q[1] == '.') {
			while (n && out[n - 1] != '/')
				n--;
			n -= n > 0;
		} else if (len && !(len == 1 && q[0] == '.')) {
			out[n++] = '/';
			memcpy(out + n, q, len);
			n += len;
		}
		q += len + (q[len] == '/');
	}
	if (!n)
		out[n++] = '/';
	out[n] = 0;
	return out;
}

/* The way from folder `from` to `to` (both absolute and tidy). */
static const char *rel_path(imp *m, const char *from, const char *to)
{
	size_t common = 0, i;
	const char *out = "";

	for (i = 0; from[i] && from[i] == to[i]; i++)
		if (from[i] == '/')
			common = i;
	if (!from[i] && (to[i] == '/' || !to[i]))
		common = i;
	if (!strcmp(from, "/"))
		common = 0;
	for (const char *q = from + common; *q; q++)
		if (*q == '/')
			out = mf_tb_printf(&m->tb, "%s../", out);
	out = mf_tb_printf(&m->tb, "%s%s", out, to[common] == '/' ? to + common + 1 : to + common);
	return !out || !*out ? "." : out;
}

/* A path relative to the Compose project as the description must say it. */
static const char *project_path(imp *m, const char *path)
{
	char *full;

	if (path[0] == '/')
		return path;
	full = abs_path(m, m->dir, path);
	return full ? rel_path(m, m->out_dir, full) : path;
}

static const char *folder_of(imp *m, const char *path)
{
	char cwd[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const char *dir = !slash          ? "."
			  : slash == path ? "/"
					  : mf_tb_printf(&m->tb, "%.*s", (int)(slash - path), path);

	if (dir && dir[0] != '/' && getcwd(cwd, sizeof cwd))
		return abs_path(m, cwd, dir);
	return dir ? abs_path(m, "/", dir) : "/";
}

/* ---- .env -------------------------------------------------------------------------------- */

static const char *interpolate(imp *m, const char *s, mf_pos pos);

/* One `.env` value: 'single' (literal), "double" (escapes, interpolated), or
 * bare up to a " #" comment (interpolated). */
static const char *env_value(imp *m, const char *v, size_t len, mf_pos pos)
{
	mf_buf b;
	const char *out;

	while (len && (v[len - 1] == ' ' || v[len - 1] == '\t' || v[len - 1] == '\r'))
		len--;
	if (len >= 2 && v[0] == '\'' && memchr(v + 1, '\'', len - 1))
		return mf_tb_strn(&m->tb, v + 1,
				  (size_t)((char *)memchr(v + 1, '\'', len - 1) - v - 1), pos)
			->str;
	mf_buf_init(&b);
	if (len >= 1 && v[0] == '"') {
		for (size_t i = 1; i < len && v[i] != '"'; i++) {
			char ch = v[i];
			if (ch == '\\' && i + 1 < len)
				ch = v[++i] == 'n' ? '\n' : v[i] == 't' ? '\t' : v[i];
			mf_buf_add(&b, &ch, 1);
		}
	} else {
		const char *hash = NULL;
		for (size_t i = 1; i < len && !hash; i++)
			if (v[i] == '#' && (v[i - 1] == ' ' || v[i - 1] == '\t'))
				hash = v + i;
		len = hash ? (size_t)(hash - v) : len;
		while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		mf_buf_add(&b, v, len);
	}
	/* interpolate() may return its argument: an arena copy outlives the buffer */
	out = b.oom ? NULL : mf_tb_str(&m->tb, b.data ? b.data : "", pos)->str;
	mf_buf_release(&b);
	return out ? interpolate(m, out, pos) : NULL;
}

/* `NAME=value` lines of a `.env` or `env_file` into `into` (later lines win);
 * blank lines, comments and a leading `export` are skipped. */
static void read_env_text(imp *m, uint32_t file, mf_node *into)
{
	const mf_source *src = mf_source_get(m->c, file);
	const char *p = src ? src->text : "";
	uint32_t line = 0;

	for (const char *end; *p; p = *end ? end + 1 : end) {
		size_t len, name;
		end = p + strcspn(p, "\n");
		line++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p > 7 && !strncmp(p, "export ", 7))
			p += 7;
		len = (size_t)(end - p);
		name = strspn(p,
			      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");
		if (!len || *p == '#' || name == 0 || name >= len || p[name] != '=') {
			if (len && *p != '#' && *p != '\r')
				warn_at(m, (mf_pos){file, line, 1}, "import-env",
					"this line is not 'NAME=value': it is ignored");
			continue;
		}
		mf_pos pos = {file, line, 1};
		const char *v = env_value(m, p + name + 1, len - name - 1, pos);
		mf_tb_put(&m->tb, into, mf_tb_strn(&m->tb, p, name, pos)->str,
			  mf_tb_str(&m->tb, v ? v : "", pos));
	}
}

/* `.env` of the project folder, when there is one (Compose reads it; the
 * shell's environment is not read: an import does not depend on who runs it). */
static void read_dotenv(imp *m)
{
	const char *path = mf_tb_printf(&m->tb, "%s/.env", m->dir);
	uint32_t file;

	m->env = mf_tb_map(&m->tb, MF_NOPOS);
	if (!path || access(path, R_OK) != 0)
		return;
	file = mf_read_source(m->c, path, MF_NOPOS);
	if (!file) {
		m->failed = -1;
		return;
	}
	read_env_text(m, file, m->env);
}

/* ---- interpolation ------------------------------------------------------------------------ */

/* The end of the `${...}` starting at s[0] == '$' (the index of its '}'), or 0. */
static size_t brace_end(const char *s)
{
	int depth = 0;

	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '$' && s[i + 1] == '{')
			depth++, i++;
		else if (s[i] == '}' && --depth == 0)
			return i;
	}
	return 0;
}

typedef struct expr {
	const char *name;
	const char *op;  /* "", ":-", "-", ":?", "?", ":+", "+" */
	const char *arg; /* the text after op */
} expr;

static bool parse_expr(imp *m, const char *s, size_t n, expr *e)
{
	static const char *const ops[] = {":-", ":?", ":+", "-", "?", "+"};
	size_t name = 0;
	const char *rest;

	if (n && (isalpha((unsigned char)s[0]) || s[0] == '_'))
		name = 1 +
		       strspn(s + 1,
			      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
	if (!name || name > n)
		return false;
	e->name = mf_tb_strn(&m->tb, s, name, MF_NOPOS)->str;
	rest = s + name;
	e->op = "";
	e->arg = "";
	if (rest == s + n)
		return true;
	for (size_t i = 0; i < MF_NELEM(ops); i++)
		if (!strncmp(rest, ops[i], strlen(ops[i]))) {
			e->op = ops[i];
			e->arg = mf_tb_strn(&m->tb, rest + strlen(ops[i]),
					    n - name - strlen(ops[i]), MF_NOPOS)
					 ->str;
			return true;
		}
	return false;
}

/* The value of one parsed `${...}`, or NULL after an error. */
static const char *eval_expr(imp *m, const expr *e, mf_pos pos)
{
	const mf_node *v = mf_get(m->env, e->name);
	bool set = v != NULL, full = v && v->len > 0, colon = e->op[0] == ':';
	char op = e->op[colon];
	bool have = colon ? full : set;

	if (op == '?' && !have) {
		fail_at(m, pos, "import-variable", "'%s' is %s: %s", e->name,
			set ? "empty" : "not set", *e->arg ? e->arg : "Compose requires it");
		return NULL;
	}
	if (op == '+')
		return have ? interpolate(m, e->arg, pos) : "";
	if (op == '-' && !have)
		return interpolate(m, e->arg, pos);
	return v ? v->str : "";
}

/* One `$...` at s[0] (not `$$`): its value in *v and the bytes it takes, or
 * 0 for a lone '$', which stays (m->failed after an error). */
static size_t expand_one(imp *m, const char *s, mf_pos pos, const char **v)
{
	size_t end, name;
	expr e;

	if (s[1] == '{') {
		end = brace_end(s);
		if (!end || !parse_expr(m, s + 2, end - 2, &e)) {
			fail_at(m, pos, "import-interpolation",
				"'%s' is not a Compose variable: '${NAME}', '${NAME:-default}' or '$$' "
				"for a '$'",
				s);
			return 1;
		}
		*v = eval_expr(m, &e, pos);
		return end + 1;
	}
	if (!isalpha((unsigned char)s[1]) && s[1] != '_')
		return 0;
	name = strspn(s + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
	e.name = mf_tb_strn(&m->tb, s + 1, name, pos)->str;
	e.op = e.arg = "";
	*v = eval_expr(m, &e, pos);
	return 1 + name;
}

/* Compose's interpolation of one value: `$$` is `$`, `$NAME`, `${NAME}` and
 * the `:-`, `-`, `:?`, `?`, `:+`, `+` forms read `.env`.  NULL after an error. */
static const char *interpolate(imp *m, const char *s, mf_pos pos)
{
	mf_buf b;
	const char *out;

	if (!strchr(s, '$'))
		return s;
	mf_buf_init(&b);
	for (size_t i = 0, n; s[i] && !m->failed; i += n) {
		const char *v = NULL;
		n = s[i] != '$' ? 0 : s[i + 1] == '$' ? 2 : expand_one(m, s + i, pos, &v);
		if (n == 0)
			mf_buf_add(&b, s + i, n = 1); /* text, or a lone '$' */
		else if (n == 2 && s[i + 1] == '$')
			mf_buf_add(&b, "$", 1);
		else
			mf_buf_puts(&b, v ? v : "");
	}
	out = m->failed || b.oom ? NULL : mf_tb_str(&m->tb, b.data ? b.data : "", pos)->str;
	mf_buf_release(&b);
	return out;
}

/* A copy of a Compose tree with every string value interpolated (keys are
 * not, as in Compose; `x-` blocks are not: they mean nothing by themselves). */
static mf_node *interp_tree(imp *m, const mf_node *n)
{
	mf_node *out;

	if (!n || m->failed)
		return NULL;
	if (n->kind == MF_STR) {
		const char *v = interpolate(m, n->str, n->pos);
		if (v && v != n->str)
			note_raw(m, n);
		out = v ? mf_tb_str(&m->tb, v, n->pos) : NULL;
		if (out)
			out->flags = n->flags & MF_QUOTED;
		return out;
	}
	if (n->kind != MF_SEQ && n->kind != MF_MAP)
		return mf_tb_copy(&m->tb, n);
	out = n->kind == MF_MAP ? mf_tb_map(&m->tb, n->pos) : mf_tb_seq(&m->tb, n->pos);
	for (size_t i = 0; out && i < n->n; i++) {
		if (n->kind == MF_SEQ) {
			mf_tb_push(&m->tb, out, interp_tree(m, n->items[i]));
			continue;
		}
		const mf_pair *p = &n->pairs[i];
		mf_node *v = strncmp(p->key, "x-", 2) ? interp_tree(m, p->val)
						      : mf_tb_copy(&m->tb, p->val);
		if (v && mf_map_add(m->tb.a, out, p->key, p->pos, v) < 0)
			m->tb.failed = true;
	}
	return out;
}

/* ---- normalising and merging (Compose's rules for several -f files) ----------------------- */

/* services.*.environment, labels: the list form ("K=V", "K") as a map. */
static mf_node *as_map(imp *m, mf_node *n)
{
	mf_node *map;

	if (!n || n->kind != MF_SEQ)
		return n;
	map = mf_tb_map(&m->tb, n->pos);
	for (size_t i = 0; map && i < n->n; i++) {
		const char *s = text_of(n->items[i]), *eq = s ? strchr(s, '=') : NULL;
		mf_pos pos = n->items[i]->pos;
		if (!s) {
			fail_at(m, pos, "import-compose",
				"an entry here is 'NAME=value' or 'NAME'");
			continue;
		}
		mf_node *v = eq ? mf_tb_str(&m->tb, eq + 1, pos) : mf_tb_null(&m->tb, pos);
		/* "K=1.10" is text to Compose: the value is no YAML scalar of its own */
		if (v && eq)
			v->flags |= MF_QUOTED;
		mf_tb_put(&m->tb, map, eq ? mf_tb_strn(&m->tb, s, (size_t)(eq - s), pos)->str : s,
			  v);
	}
	return map;
}

/* services.*.depends_on: the list form is `condition: service_started`. */
static mf_node *deps_map(imp *m, mf_node *n)
{
	mf_node *map;

	if (!n || n->kind != MF_SEQ)
		return n;
	map = mf_tb_map(&m->tb, n->pos);
	for (size_t i = 0; map && i < n->n; i++) {
		const char *s = text_of(n->items[i]);
		mf_node *dep = mf_tb_map(&m->tb, n->items[i]->pos);
		mf_tb_put_str(&m->tb, dep, "condition", "service_started", n->items[i]->pos);
		if (s)
			mf_tb_put(&m->tb, map, s, dep);
	}
	return map;
}

static void normalise_service(imp *m, mf_node *s)
{
	static const char *const maps[] = {"environment", "labels", "sysctls", "annotations"};

	for (size_t i = 0; s && s->kind == MF_MAP && i < s->n; i++) {
		mf_pair *p = &s->pairs[i];
		if (MF_IN_LIST(p->key, maps))
			p->val = as_map(m, p->val);
		else if (!strcmp(p->key, "depends_on"))
			p->val = deps_map(m, p->val);
	}
}

/* Where a mount or device entry mounts (what -f files merge on). */
static const char *target_of(imp *m, const mf_node *item)
{
	const char *s = text_of(item), *a, *b;

	if (item && item->kind == MF_MAP)
		return mf_get_str(item, "target");
	if (!s)
		return NULL;
	a = strchr(s, ':');
	b = a ? strchr(a + 1, ':') : NULL;
	if (!a)
		return s;
	return mf_tb_strn(&m->tb, a + 1, b ? (size_t)(b - a - 1) : strlen(a + 1), MF_NOPOS)->str;
}

static mf_node *merge_node(imp *m, const mf_node *base, const mf_node *over);

/* volumes, devices: an entry replaces the base's entry with its target. */
static mf_node *merge_by_target(imp *m, const mf_node *base, const mf_node *over)
{
	mf_node *out = mf_tb_copy(&m->tb, base);

	for (size_t i = 0; out && i < over->n; i++) {
		const char *t = target_of(m, over->items[i]);
		size_t j = 0;
		while (j < out->n && !mf_streq(t, target_of(m, out->items[j])))
			j++;
		if (t && j < out->n)
			out->items[j] = over->items[i];
		else
			mf_tb_push(&m->tb, out, over->items[i]);
	}
	return out;
}

/* Sequences are appended (ports, expose) or appended without repeats. */
static mf_node *append(imp *m, const mf_node *base, const mf_node *over, bool repeats)
{
	mf_node *out = mf_tb_copy(&m->tb, base);

	for (size_t i = 0; out && i < over->n; i++) {
		bool seen = false;
		for (size_t j = 0; !repeats && !seen && j < base->n; j++)
			seen = mf_equal(base->items[j], over->items[i]);
		if (!seen)
			mf_tb_push(&m->tb, out, over->items[i]);
	}
	return out;
}

/* One key of a service in a later file over the same key in an earlier one. */
static mf_node *merge_key(imp *m, const char *key, const mf_node *base, const mf_node *over)
{
	static const char *const replaced[] = {"command", "entrypoint", "test"};
	static const char *const by_target[] = {"volumes", "devices"};
	static const char *const appended[] = {"ports", "expose"};

	if (!base || !over || MF_IN_LIST(key, replaced) || base->kind != over->kind)
		return mf_tb_copy(&m->tb, over);
	if (over->kind == MF_SEQ && MF_IN_LIST(key, by_target))
		return merge_by_target(m, base, over);
	if (over->kind == MF_SEQ)
		return append(m, base, over, MF_IN_LIST(key, appended));
	return merge_node(m, base, over);
}

/* Maps merge key by key (environment, labels, sysctls and depends_on by name,
 * a healthcheck's `test` is replaced); scalars are replaced. */
static mf_node *merge_node(imp *m, const mf_node *base, const mf_node *over)
{
	mf_node *out;

	if (!base || !over || base->kind != MF_MAP || over->kind != MF_MAP)
		return mf_tb_copy(&m->tb, over ? over : base);
	out = mf_tb_copy(&m->tb, base);
	for (size_t i = 0; out && i < over->n; i++) {
		const mf_pair *p = &over->pairs[i];
		mf_node *v = merge_key(m, p->key, mf_get(out, p->key), p->val);
		const mf_pair *had = mf_get_pair(out, p->key);
		if (had)
			mf_tb_put(&m->tb, out, p->key, v);
		else if (v && mf_map_add(m->tb.a, out, p->key, p->pos, v) < 0)
			m->tb.failed = true;
	}
	return out;
}

/* Read, parse and interpolate one Compose file; NULL after errors. */
static mf_node *read_compose(imp *m, const char *path)
{
	uint32_t file = mf_read_source(m->c, path, MF_NOPOS);
	mf_node *doc = file ? mf_yaml_parse(m->c, file, false) : NULL, *svcs;

	if (!doc)
		return NULL;
	if (doc->kind != MF_MAP) {
		fail_at(m, doc->pos, "import-compose", "a Compose file is a map ('services: ...')");
		return NULL;
	}
	doc = interp_tree(m, doc);
	svcs = mf_get(doc, "services");
	if (svcs && svcs->kind != MF_MAP)
		fail_at(m, svcs->pos, "import-compose", "'services' is a map of services by name");
	for (size_t i = 0; svcs && svcs->kind == MF_MAP && i < svcs->n; i++) {
		if (svcs->pairs[i].val->kind != MF_MAP && strncmp(svcs->pairs[i].key, "x-", 2))
			fail_at(m, svcs->pairs[i].pos, "import-compose",
				"service '%s' is not a map of settings", svcs->pairs[i].key);
		normalise_service(m, svcs->pairs[i].val);
	}
	return m->failed ? NULL : doc;
}

/* ---- values ---------------------------------------------------------------------------------- */

static bool digits(const char *s)
{
	return s && *s && strspn(s, "0123456789") == strlen(s);
}

/* A count or an id small enough for every reader (nine digits at most). */
static bool count_of(const char *s)
{
	return digits(s) && strlen(s) <= 9;
}

/* A Compose byte value ("2g", "512m", "1gb", 1048576) as a description
 * quantity in powers of 1024 (Compose's units are binary: 2g is 2Gi), or NULL. */
static const char *memory_of(imp *m, const mf_node *n)
{
	static const char *const units[] = {"", "Ki", "Mi", "Gi", "Ti"};
	const char *s = text_of(n);
	char *end;
	double v = s ? strtod(s, &end) : 0;
	int shift = 0;
	unsigned long long bytes;

	if (!s || end == s || !isfinite(v) || v < 0 || v > 1e15)
		return NULL;
	switch (tolower((unsigned char)*end)) {
	case 'k':
		shift = 1;
		break;
	case 'm':
		shift = 2;
		break;
	case 'g':
		shift = 3;
		break;
	case 't':
		shift = 4;
		break;
	case 'b':
	case 0:
		break;
	default:
		return NULL;
	}
	if (*end && end[1] && !(tolower((unsigned char)end[1]) == 'b' && !end[2]) &&
	    !(tolower((unsigned char)*end) == 'b' && !end[1]))
		return NULL;
	for (int i = 0; i < shift; i++)
		v *= 1024;
	bytes = (unsigned long long)v;
	for (shift = 4; shift > 0 && bytes % (1ull << (10 * shift)); shift--)
		;
	return mf_tb_printf(&m->tb, "%llu%s", bytes >> (10 * shift), units[shift]);
}

/* A Go duration ("1m30s", "1.5s", "500ms") as a description duration, or NULL. */
static const char *duration_of(imp *m, const mf_node *n)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {{"ms", 1},      {"us", 0.001}, {"ns", 1e-6},
		     {"h", 3600000}, {"m", 60000},  {"s", 1000}};
	const char *s = text_of(n);
	double total = 0;

	if (!s || !*s)
		return NULL;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		size_t i = 0;
		if (end == s || *s == '-' || *s == '+' || !isfinite(v) || v > 1e9)
			return NULL;
		while (i < MF_NELEM(units) && strncmp(end, units[i].unit, strlen(units[i].unit)))
			i++;
		if (i == MF_NELEM(units) && !*end && n->kind == MF_INT)
			i = MF_NELEM(units) - 1; /* a bare number: seconds */
		else if (i == MF_NELEM(units))
			return NULL;
		total += v * units[i].ms;
		s = *end ? end + strlen(units[i].unit) : end;
	}
	long long ms = (long long)(total + 0.5);
	return ms % 1000 ? mf_tb_printf(&m->tb, "%lldms", ms)
			 : mf_tb_printf(&m->tb, "%llds", ms / 1000);
}

/* A CPU count ("0.5", 2) as the description writes one, or NULL. */
static const char *cpu_of(imp *m, const mf_node *n)
{
	const char *s = text_of(n);
	char *end;
	double v = s ? strtod(s, &end) : -1;

	if (!s || end == s || *end || !isfinite(v) || v < 0 || v > 1e9)
		return NULL;
	long long milli = (long long)(v * 1000 + 0.5);
	return milli % 1000 ? mf_tb_printf(&m->tb, "%lldm", milli)
			    : mf_tb_printf(&m->tb, "%lld", milli / 1000);
}

/* ---- secrets --------------------------------------------------------------------------------- */

static bool url_password(imp *m, const char *v)
{
	static void *re;
	char err[128];
	size_t so, eo;

	if (!re)
		re = mf_re_compile(mf_url_password_re, false, err, sizeof err);
	return re && v && mf_re_find(re, v, 0, &so, &eo);
}

/* A literal secret becomes a key of secret 'imported' named after the
 * variable (Compose then reads the same variable name from .env); the value
 * goes to the listing, never into the description. */
static mf_node *secret_ref(imp *m, svc *s, const char *name, const char *value, mf_pos pos)
{
	const char *key = name;
	const mf_source *src = mf_source_get(m->c, pos.file);
	const char *where;
	mf_node *ref;

	for (int i = 2;
	     mf_get(m->secret_keys, key) && !mf_streq(mf_get_str(m->secret_keys, key), value); i++)
		key = mf_tb_printf(&m->tb, "%s_%d", name, i);
	where = mf_tb_printf(&m->tb, "%s%s%s (%s:%u)", mf_or(mf_get_str(m->secret_where, key), ""),
			     mf_get(m->secret_where, key) ? ", " : "", s->name,
			     src ? src->path : "?", pos.line);
	mf_tb_put_str(&m->tb, m->secret_keys, key, value, pos);
	mf_tb_put_str(&m->tb, m->secret_where, key, where, pos);
	mf_diag_add(m->c, MF_SEV_INFO, pos, "import-secret",
		    "'%s' holds a literal secret: it is key '%s' of secret '" SECRET
		    "' now, its value is in the listing beside the description",
		    name, key);
	ref = mf_tb_map(&m->tb, pos);
	mf_tb_put_str(&m->tb, ref, "secret", SECRET, pos);
	mf_tb_put_str(&m->tb, ref, "key", key, pos);
	return ref;
}

static bool env_name(const char *s)
{
	/* Kubernetes' rule for env names, which the description follows */
	return s && *s && !isdigit((unsigned char)*s) &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
		       strlen(s);
}

/* One environment variable of a service: a literal, or a secret reference. */
static void put_env(imp *m, svc *s, const char *name, const char *value, mf_pos pos)
{
	mf_node *env = mf_tb_child(&m->tb, s->out, "env", pos);

	if (!env_name(name)) {
		warn_at(m, pos, "import-key",
			"'%s' is not carried: a variable name in a description is letters, digits, "
			"'_', '.' and '-', not starting with a digit",
			name);
		return;
	}
	if (*value && (mf_secret_value(name, value) || url_password(m, value)))
		mf_tb_put(&m->tb, env, name, secret_ref(m, s, name, value, pos));
	else
		mf_tb_put(&m->tb, env, name, mf_tb_str(&m->tb, value, pos));
}

/* ---- services.*: one carry function per key ------------------------------------------------ */

typedef void (*carry_fn)(imp *m, svc *s, const mf_pair *p);

static void not_carried(imp *m, mf_pos pos, const char *key, const char *why)
{
	warn_at(m, pos, "import-key", "'%s' is not carried: %s", key, why);
}

/* services.*.image */
static void carry_image(imp *m, svc *s, const mf_pair *p)
{
	const char *v = text_of(p->val);

	if (!v || !*v || strpbrk(v, " \t\n"))
		not_carried(m, p->pos, "image", "it is not 'repository[:tag][@digest]'");
	else {
		mf_tb_put_str(&m->tb, s->out, "image", v, p->val->pos);
		/* as it is: a reference the schema refuses (a control character) is
		 * the Compose file's error at the value */
		mark_at(m, p->val->pos);
	}
}

/* services.*.build: a folder, or {context, dockerfile, target} */
static void carry_build(imp *m, svc *s, const mf_pair *p)
{
	static const char *const keys[] = {"context", "dockerfile", "target"};
	mf_node *b = mf_tb_map(&m->tb, p->pos);
	const char *ctx = text_of(p->val);

	if (p->val->kind == MF_MAP)
		ctx = mf_or(mf_get_str(p->val, "context"), ".");
	mf_tb_put_str(&m->tb, b, "context", project_path(m, ctx ? ctx : "."), p->pos);
	for (size_t i = 0; p->val->kind == MF_MAP && i < p->val->n; i++) {
		const mf_pair *q = &p->val->pairs[i];
		if (!MF_IN_LIST(q->key, keys) || !text_of(q->val))
			not_carried(m, q->pos, mf_tb_printf(&m->tb, "build.%s", q->key),
				    "a description's build has only 'context', 'dockerfile' and "
				    "'target'");
		else if (strcmp(q->key, "context"))
			mf_tb_put_str(&m->tb, b, q->key, text_of(q->val), q->val->pos);
	}
	mf_tb_put(&m->tb, s->out, "build", b);
}

/* A Compose command as the description's command: a list stays a list, a
 * string stays a string (both split it into words, without a shell). */
static mf_node *command_of(imp *m, const mf_node *n, const char *key)
{
	mf_node *seq;

	if (n->kind == MF_MAP)
		fail_at(m, n->pos, "import-compose", "'%s' is a string or a list of strings", key);
	if (n->kind != MF_SEQ)
		return text_of(n) ? mf_tb_str(&m->tb, text_of(n), n->pos) : NULL;
	seq = mf_tb_seq(&m->tb, n->pos);
	for (size_t i = 0; i < n->n; i++) {
		const mf_node *it = n->items[i];
		/* Compose's schema takes strings only: 5 or 1.50 unquoted is refused */
		if (it->kind != MF_STR)
			fail_at(m, it->pos, "import-compose",
				"an item of '%s' is a string to Compose, which refuses %s: quote it",
				key,
				it->kind == MF_MAP || it->kind == MF_SEQ ? "a collection"
				: it->kind == MF_NULL                    ? "null"
									 : "a number or boolean");
		else
			mf_tb_push(&m->tb, seq, mf_tb_str(&m->tb, it->str, it->pos));
	}
	return seq;
}

/* Whether the words of a command pass a secret ("--requirepass x",
 * "--password=x"), as the secret-literal rule reads them. */
static bool secret_in_words(const char *s, bool *want_)
{
	bool want = *want_;

	for (const char *w = s; w && *w;) {
		size_t n = strcspn(w, " \t\n"), eq = strcspn(w, "=");
		if (want && n && w[0] != '-' && w[0] != '$')
			return true;
		if (n > 2 && w[0] == '-' && eq < n && mf_secret_flag(w, eq) && eq + 1 < n)
			return true;
		want = n > 2 && w[0] == '-' && eq >= n && mf_secret_flag(w, n);
		w += n;
		w += strspn(w, " \t\n");
	}
	*want_ = want;
	return false;
}

/* A date `days` after YYYY-MM-DD, or NULL. */
static const char *date_after(imp *m, const char *today, int days)
{
	struct tm tm = {0};
	char buf[16];
	time_t t;

	if (!today || sscanf(today, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return NULL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_mday += days;
	tm.tm_hour = 12;
	t = timegm(&tm);
	if (t == (time_t)-1 || !gmtime_r(&t, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%d", &tm))
		return NULL;
	return mf_tb_printf(&m->tb, "%s", buf);
}

/* A secret on a command line stays there (a description cannot interpolate
 * it): warned about, and waived for 90 days so the import checks clean. */
static void command_secret(imp *m, svc *s, const mf_node *cmd, const char *key)
{
	bool found = false, want = false; /* the flag's value may be the next item */
	mf_node *w;

	for (size_t i = 0; cmd->kind == MF_SEQ && i < cmd->n; i++)
		found |= secret_in_words(text_of(cmd->items[i]), &want);
	found |= cmd->kind != MF_SEQ && secret_in_words(text_of(cmd), &want);
	if (!found || mf_get(s->used, " waived"))
		return;
	warn_at(m, cmd->pos, "import-secret",
		"the '%s' of '%s' passes a literal secret: it stays in the description, with a "
		"'secret-literal' waiver for 90 days",
		key, s->cname);
	mf_tb_put_bool(&m->tb, s->used, " waived", true, cmd->pos);
	w = mf_tb_map(&m->tb, cmd->pos);
	mf_tb_put_str(&m->tb, w, "rule", "secret-literal", cmd->pos);
	mf_tb_put_str(&m->tb, w, "reason",
		      "imported from Compose: the command line holds a secret; read it from a "
		      "secret instead",
		      cmd->pos);
	mf_tb_put_str(&m->tb, w, "expires", mf_or(date_after(m, m->c->today, 90), "2099-12-31"),
		      cmd->pos);
	mf_tb_push(&m->tb, mf_tb_child_seq(&m->tb, s->out, "waivers", cmd->pos), w);
}

/* services.*.command is the description's args (Kubernetes' args) */
static void carry_command(imp *m, svc *s, const mf_pair *p)
{
	mf_tb_put(&m->tb, s->out, "args", command_of(m, p->val, p->key));
	command_secret(m, s, p->val, "command");
}

/* services.*.entrypoint is the description's command */
static void carry_entrypoint(imp *m, svc *s, const mf_pair *p)
{
	mf_tb_put(&m->tb, s->out, "command", command_of(m, p->val, p->key));
	command_secret(m, s, p->val, "entrypoint");
}

/* services.*.environment (a map by now) */
static void carry_environment(imp *m, svc *s, const mf_pair *p)
{
	for (size_t i = 0; p->val->kind == MF_MAP && i < p->val->n; i++) {
		const mf_pair *q = &p->val->pairs[i];
		const mf_node *dflt = mf_get(m->env, q->key);
		if (q->val->kind == MF_MAP || q->val->kind == MF_SEQ) {
			fail_at(m, q->val->pos, "import-compose",
				"'%s' is a string, a number, a boolean or null in Compose", q->key);
		} else if (q->val->kind != MF_NULL) {
			put_env(m, s, q->key, mf_or(compose_text(m, q->val), ""), q->val->pos);
		} else if (dflt) {
			put_env(m, s, q->key, dflt->str, q->pos);
			env_passed(m, s, q->key, q->pos);
		} else {
			not_carried(m, q->pos, q->key,
				    "it takes its value from the shell, and .env does not set it");
		}
	}
}

/* An env file the description can name (envFile): inside its folder, and
 * holding no secret (Kubernetes would put it in a ConfigMap; copied, its
 * secrets move to secret 'imported').  vars NULL: the file is missing. */
static bool env_file_carried(imp *m, svc *s, const mf_node *item, const char *path, bool required,
			     const mf_node *vars)
{
	const char *rel = project_path(m, path);
	mf_node *list, *e;

	if (!rel || rel[0] == '/' || !strncmp(rel, "../", 3))
		return false;
	for (size_t i = 0; vars && i < vars->n; i++)
		if (mf_secret_value(vars->pairs[i].key, mf_or(mf_str(vars->pairs[i].val), "")) ||
		    url_password(m, mf_or(mf_str(vars->pairs[i].val), "")))
			return false;
	list = mf_tb_child_seq(&m->tb, s->out, "envFile", item->pos);
	e = required ? mf_tb_str(&m->tb, rel, item->pos) : mf_tb_map(&m->tb, item->pos);
	if (!required) {
		mf_tb_put_str(&m->tb, e, "path", rel, item->pos);
		mf_tb_put_bool(&m->tb, e, "required", false, item->pos);
	}
	mf_tb_push(&m->tb, list, e);
	return true;
}

/* One env_file entry: its variables, where the service's environment does
 * not set them (Compose's order). */
static void env_file_one(imp *m, svc *s, const mf_node *item)
{
	const char *path = item->kind == MF_MAP ? mf_get_str(item, "path") : text_of(item);
	bool required = true, quiet;
	const char *full = path ? abs_path(m, m->dir, path) : NULL;
	mf_node *vars = mf_tb_map(&m->tb, item->pos);
	const mf_node *env = mf_get(s->in, "environment");
	uint32_t file;

	if (item->kind == MF_MAP && truthy_text(mf_get(item, "required"), &quiet))
		required = quiet;
	if (!full || (!required && access(full, R_OK) != 0)) {
		if (full)
			env_file_carried(m, s, item, path, false, NULL);
		return;
	}
	if (!(file = mf_read_source(m->c, full, item->pos))) {
		m->failed = -1;
		return;
	}
	read_env_text(m, file, vars);
	if (env_file_carried(m, s, item, path, required, vars))
		return;
	for (size_t i = 0; vars && i < vars->n; i++)
		if (!mf_get(env, vars->pairs[i].key))
			put_env(m, s, vars->pairs[i].key, vars->pairs[i].val->str,
				vars->pairs[i].val->pos);
	warn_at(m, item->pos, "import-env-file",
		"'%s' is copied into the description: later edits of it do not reach the service",
		path);
}

/* services.*.env_file: a path, or a list of paths or {path, required} */
static void carry_env_file(imp *m, svc *s, const mf_pair *p)
{
	if (p->val->kind != MF_SEQ) {
		env_file_one(m, s, p->val);
		return;
	}
	for (size_t i = 0; i < p->val->n; i++)
		env_file_one(m, s, p->val->items[i]);
}

/* services.*.restart */
static void carry_restart(imp *m, svc *s, const mf_pair *p)
{
	static const char *const compose[] = {"no", "always", "unless-stopped", "on-failure"};
	static const char *const ours[] = {"never", "always", "unless-stopped", "on-failure"};
	const char *v = text_of(p->val);
	size_t i = mf_str_index(v, compose, MF_NELEM(compose));

	if (mf_get(mf_get(s->in, "deploy"), "restart_policy"))
		return; /* carry_restart_policy says what runs */
	if (v && !strncmp(v, "on-failure:", 11)) {
		i = 3;
		warn_at(m, p->val->pos, "import-value",
			"'%s' is carried as 'on-failure': a description's restart has no count", v);
	}
	if (p->val->kind == MF_BOOL && !p->val->v.b)
		i = 0;
	if (i < MF_NELEM(compose))
		mf_tb_put_str(&m->tb, s->out, "restart", ours[i], p->val->pos);
	else
		not_carried(m, p->pos, "restart",
			    "it is not no, always, unless-stopped or on-failure");
}

/* services.*.profiles */
static void carry_profiles(imp *m, svc *s, const mf_pair *p)
{
	mf_node *seq = mf_tb_seq(&m->tb, p->pos);

	for (size_t i = 0; p->val->kind == MF_SEQ && i < p->val->n; i++) {
		const char *v = text_of(p->val->items[i]);
		const char *l = v ? label_of(m, v, DESC_NAME_MAX) : NULL;
		if (l && strcmp(l, v))
			warn_at(m, p->val->items[i]->pos, "import-rename",
				"profile '%s' is renamed '%s': a profile's name is a DNS label", v,
				l);
		if (l)
			mf_tb_push(&m->tb, seq, mf_tb_str(&m->tb, l, p->val->items[i]->pos));
	}
	mf_tb_put_nonempty(&m->tb, s->out, "profiles", seq);
}

/* ---- ports ------------------------------------------------------------------------------- */

typedef struct port {
	const char *ip, *host, *target, *proto, *name, *app;
	mf_pos pos;
	const char *rip, *rhost, *rtarget; /* as written, with Compose references */
} port;

static void raw_port(imp *m, const mf_node *n, port *pt); /* variables, at the end */
static void port_refs(imp *m, const port *pt, mf_node *spec);

/* "[IP:][HOST:]PORT[/PROTO]" (IPv6 in brackets), or a number. */
static bool short_port(imp *m, const mf_node *n, port *pt)
{
	const char *s = text_of(n);
	char *t = s ? mf_strdup(m->tb.a, s) : NULL, *slash, *last, *ipend;

	if (!t)
		return false;
	if ((slash = strrchr(t, '/')) != NULL) {
		pt->proto = slash + 1;
		*slash = 0;
	}
	last = strrchr(t, ':');
	pt->target = last ? last + 1 : t;
	if (!last)
		return true;
	*last = 0;
	ipend = t[0] == '[' ? strchr(t, ']') : strrchr(t, ':');
	if (t[0] == '[' && ipend) {
		pt->ip = mf_strndup(m->tb.a, t + 1, (size_t)(ipend - t - 1));
		pt->host = ipend[1] == ':' ? ipend + 2 : "";
	} else if (ipend) {
		*ipend = 0;
		pt->ip = t;
		pt->host = ipend + 1;
	} else {
		pt->host = t;
	}
	return true;
}

static void long_port(const mf_node *n, port *pt)
{
	pt->target = text_of(mf_get(n, "target"));
	pt->host = text_of(mf_get(n, "published"));
	pt->ip = text_of(mf_get(n, "host_ip"));
	pt->proto = text_of(mf_get(n, "protocol"));
	pt->name = text_of(mf_get(n, "name"));
	pt->app = text_of(mf_get(n, "app_protocol"));
}

/* The description's port of this number and protocol, or NULL. */
static mf_node *find_port(const mf_node *ports, long long number, const char *proto)
{
	for (size_t i = 0; ports && i < ports->n; i++) {
		const mf_node *v = ports->pairs[i].val;
		if (mf_get_int(v, "port", 0) == number &&
		    mf_streq(mf_or(mf_get_str(v, "protocol"), "TCP"), proto))
			return ports->pairs[i].val;
	}
	return NULL;
}

static const char *proto_of(const char *p)
{
	return !p || !strcasecmp(p, "tcp") ? "TCP" : !strcasecmp(p, "udp") ? "UDP" : "SCTP";
}

/* An address a port may be published on: IPv4 dotted, or IPv6 (the
 * description's schema says the same). */
/* An address Docker publishes on: inet_pton's IPv4 (four decimal parts) or IPv6. */
static bool ip_like(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(strchr(s, ':') ? AF_INET6 : AF_INET, s, buf) == 1;
}

static bool port_number(const char *s)
{
	return digits(s) && strlen(s) <= 5 && atoll(s) >= 1 && atoll(s) <= 65535;
}

/* What a description's port can say: the schema's limits. */
static bool port_ok(const port *pt, bool host, long long number)
{
	if (number < 1 || number > 65535 || (host && !port_number(pt->host)))
		return false;
	if (host && pt->ip && *pt->ip && !ip_like(pt->ip))
		return false;
	return !pt->proto || !strcasecmp(pt->proto, "tcp") || !strcasecmp(pt->proto, "udp") ||
	       !strcasecmp(pt->proto, "sctp");
}

/* One port of a service: a container port, maybe published. */
static void put_port(imp *m, svc *s, const port *pt, bool publish)
{
	mf_node *ports = mf_tb_child(&m->tb, s->out, "ports", pt->pos), *spec, *had;
	const char *proto = proto_of(pt->proto);
	long long number = port_number(pt->target) ? atoll(pt->target) : 0;
	bool host = publish && pt->host && *pt->host;

	if (!port_ok(pt, host, number)) {
		not_carried(m, pt->pos, "ports",
			    "a description's port is one number (no range), published on one "
			    "number and an IP address, over tcp, udp or sctp");
		return;
	}
	had = find_port(ports, number, proto);
	if (had && (!host || !mf_get(had, "host"))) {
		spec = had; /* `expose` and `ports` name it twice */
	} else {
		const char *base = pt->name
					   ? label_of(m, pt->name, 15)
					   : mf_tb_printf(&m->tb, "%s%lld",
							  strcmp(proto, "TCP") ? "u" : "p", number);
		spec = mf_tb_map(&m->tb, pt->pos);
		mf_tb_put(&m->tb, ports, unique(m, s->port_names, base), spec);
		mf_tb_put_int(&m->tb, spec, "port", number, pt->pos);
		if (strcmp(proto, "TCP"))
			mf_tb_put_str(&m->tb, spec, "protocol", proto, pt->pos);
	}
	if (pt->app)
		mf_tb_put_str(&m->tb, spec, "appProtocol", pt->app, pt->pos);
	if (publish && !host)
		warn_at(m, pt->pos, "import-value",
			"port %lld is published on a port the host picks: the description does not "
			"publish it",
			number);
	if (!host)
		return;
	mf_tb_put_int(&m->tb, spec, "host", atoll(pt->host), pt->pos);
	if (pt->ip && *pt->ip && strcmp(pt->ip, "0.0.0.0") && strcmp(pt->ip, "::"))
		mf_tb_put_str(&m->tb, spec, "hostIP", pt->ip, pt->pos);
	port_refs(m, pt, spec);
}

/* services.*.ports */
static void carry_ports(imp *m, svc *s, const mf_pair *p)
{
	for (size_t i = 0; p->val->kind == MF_SEQ && i < p->val->n; i++) {
		const mf_node *n = p->val->items[i];
		port pt = {.pos = n->pos};
		if (n->kind == MF_MAP)
			long_port(n, &pt);
		else if (!short_port(m, n, &pt))
			continue;
		if (n->kind == MF_MAP && mf_get(n, "mode") &&
		    strcmp(mf_get_str(n, "mode"), "ingress"))
			not_carried(m, mf_get(n, "mode")->pos, "ports.mode", "Swarm's port modes");
		raw_port(m, n, &pt);
		put_port(m, s, &pt, true);
	}
}

/* services.*.expose: ports reachable on the project network only */
static void carry_expose(imp *m, svc *s, const mf_pair *p)
{
	for (size_t i = 0; p->val->kind == MF_SEQ && i < p->val->n; i++) {
		port pt = {.pos = p->val->items[i]->pos};
		if (short_port(m, p->val->items[i], &pt))
			put_port(m, s, &pt, false);
	}
}

/* ---- depends_on, healthcheck --------------------------------------------------------------- */

/* services.*.depends_on (a map by now) */
static void carry_depends_on(imp *m, svc *s, const mf_pair *p)
{
	static const char *const compose[] = {"service_healthy", "service_started",
					      "service_completed_successfully"};
	static const char *const ours[] = {"healthy", "started", "completed"};
	mf_node *deps = mf_tb_map(&m->tb, p->pos);

	for (size_t i = 0; p->val->kind == MF_MAP && i < p->val->n; i++) {
		const mf_pair *q = &p->val->pairs[i];
		const char *to = mf_get_str(m->names, q->key);
		const char *cond = mf_or(mf_get_str(q->val, "condition"), "service_started");
		size_t c = mf_str_index(cond, compose, MF_NELEM(compose));
		bool required = true;
		mf_node *dep;
		if (!to) {
			fail_at(m, q->pos, "import-compose",
				"'%s' depends on '%s', which is not a service", s->cname, q->key);
			continue;
		}
		if (c == MF_NELEM(compose)) {
			not_carried(m, mf_get(q->val, "condition")->pos, "condition",
				    "it is not a Compose condition");
			c = 1;
		}
		truthy_text(mf_get(q->val, "required"), &required);
		if (mf_get(q->val, "restart"))
			not_carried(
				m, mf_get_pair(q->val, "restart")->pos, "depends_on.*.restart",
				"a description cannot restart a service when its dependency does");
		dep = required ? mf_tb_str(&m->tb, ours[c], q->pos) : mf_tb_map(&m->tb, q->pos);
		if (!required) {
			mf_tb_put_str(&m->tb, dep, "condition", ours[c], q->pos);
			mf_tb_put_bool(&m->tb, dep, "required", false, q->pos);
		}
		mf_tb_put(&m->tb, deps, to, dep);
	}
	mf_tb_put_nonempty(&m->tb, s->out, "dependsOn", deps);
}

/* healthcheck.test as a probe's exec: CMD is the argv, CMD-SHELL and a string
 * run in a shell; NULL for NONE. */
static mf_node *health_exec(imp *m, const mf_node *t)
{
	mf_node *sh = mf_tb_map(&m->tb, t->pos), *seq;
	const char *first = t->kind == MF_SEQ && t->n ? text_of(t->items[0]) : NULL;

	if (t->kind != MF_SEQ) {
		mf_tb_put_str(&m->tb, sh, "shell", mf_or(text_of(t), ""), t->pos);
		return sh;
	}
	if (mf_streq(first, "NONE") || !t->n)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		if (t->items[i]->kind != MF_STR)
			fail_at(m, t->items[i]->pos, "import-compose",
				"an item of 'healthcheck.test' is a string to Compose: quote it");
	if (mf_streq(first, "CMD-SHELL")) {
		if (t->n > 2)
			not_carried(m, t->items[2]->pos, "healthcheck.test",
				    "'CMD-SHELL' takes one shell command: the items after it are "
				    "not part of it");
		mf_tb_put_str(&m->tb, sh, "shell", t->n > 1 ? mf_or(text_of(t->items[1]), "") : "",
			      t->pos);
		return sh;
	}
	seq = mf_tb_seq(&m->tb, t->pos);
	for (size_t i = mf_streq(first, "CMD"); i < t->n; i++)
		mf_tb_push(&m->tb, seq,
			   mf_tb_str(&m->tb, mf_or(text_of(t->items[i]), ""), t->items[i]->pos));
	return seq;
}

/* One timing of a healthcheck, or Docker's default where it says none: the
 * description's probes default to Kubernetes' timings, Compose's to Docker's. */
static void health_time(imp *m, mf_node *probe, const mf_node *hc, const char *key,
			const char *ours, const char *dflt)
{
	const mf_node *v = mf_get(hc, key);
	const char *d = v ? duration_of(m, v) : dflt;

	if (v && !d)
		not_carried(m, v->pos, key, "it is not a duration");
	else if (d)
		mf_tb_put_str(&m->tb, probe, ours, d, v ? v->pos : hc->pos);
}

/* services.*.healthcheck: the readiness probe (Compose's healthcheck is made from it) */
static void carry_healthcheck(imp *m, svc *s, const mf_pair *p)
{
	const mf_node *hc = p->val, *test = mf_get(hc, "test"), *retries = mf_get(hc, "retries");
	bool off = false;
	mf_node *probe, *exec;

	truthy_text(mf_get(hc, "disable"), &off);
	if (off || (test && !(exec = health_exec(m, test)))) {
		/* Compose's own way to turn the image's healthcheck off; Kubernetes has
		 * none to turn off */
		mf_node *none = mf_tb_seq(&m->tb, p->pos);
		mf_tb_push(&m->tb, none, mf_tb_str(&m->tb, "NONE", p->pos));
		mf_tb_put(&m->tb, mf_tb_child(&m->tb, s->out, "probes", p->pos), "compose", none);
		return;
	}
	if (!test)
		return; /* the image's own healthcheck, as Compose keeps it */
	probe = mf_tb_child(&m->tb, mf_tb_child(&m->tb, s->out, "probes", p->pos), "readiness",
			    p->pos);
	mf_tb_put(&m->tb, probe, "exec", exec);
	health_time(m, probe, hc, "interval", "period", "30s");
	health_time(m, probe, hc, "timeout", "timeout", "30s");
	health_time(m, probe, hc, "start_period", "initialDelay", NULL);
	if (retries && count_of(text_of(retries)) && atoll(retries->str) > 0)
		mf_tb_put_int(&m->tb, probe, "failureThreshold", atoll(retries->str), retries->pos);
	else
		mf_tb_put_int(&m->tb, probe, "failureThreshold", 3, hc->pos);
	if (mf_get(hc, "start_interval"))
		not_carried(m, mf_get_pair(hc, "start_interval")->pos, "healthcheck.start_interval",
			    "a description's probes have no start interval");
	s->probe = true;
}

/* ---- volumes ------------------------------------------------------------------------------- */

typedef struct mount {
	const char *type; /* volume, bind, tmpfs */
	const char *src, *dst;
	bool ro;
	const char *size;    /* tmpfs */
	const char *selinux; /* bind: z "shared", Z "private" (volumes.*.selinux) */
	mf_pos pos;
} mount;

static bool path_like(const char *s)
{
	return s[0] == '.' || s[0] == '/' || s[0] == '~' || strchr(s, '/');
}

/* "SRC:DST[:MODE]" or "DST"; modes other than ro and rw are warned about. */
static void short_mount(imp *m, const mf_node *n, mount *mt)
{
	char *t = mf_strdup(m->tb.a, n->str), *a = t ? strchr(t, ':') : NULL, *b;

	if (!a) {
		mt->dst = t;
		mt->type = "anonymous";
		return;
	}
	*a = 0;
	b = strchr(a + 1, ':');
	if (b)
		*b = 0;
	mt->src = t;
	mt->dst = a + 1;
	mt->type = path_like(t) ? "bind" : "volume";
	for (char *o = b ? b + 1 : NULL, *end; o && *o; o = *end ? end + 1 : end) {
		end = o + strcspn(o, ",");
		if (!strncmp(o, "ro", 2) && end - o == 2)
			mt->ro = true;
		else if (end - o == 1 && (*o == 'z' || *o == 'Z') && !strcmp(mt->type, "bind"))
			mt->selinux = *o == 'z' ? "shared" : "private";
		else if (!(end - o == 2 && !strncmp(o, "rw", 2)))
			not_carried(m, n->pos, mf_tb_printf(&m->tb, "%.*s", (int)(end - o), o),
				    "a description's mount is read-only or not, and a bind mount "
				    "relabelled for SELinux (z or Z) or not");
	}
}

static void long_mount(imp *m, const mf_node *n, mount *mt)
{
	static const char *const keys[] = {"type",      "source", "target",
					   "read_only", "tmpfs",  "bind"};
	const mf_node *tmpfs = mf_get(n, "tmpfs"), *bind = mf_get(n, "bind");
	const char *label = mf_get_str(bind, "selinux");

	mt->type = mf_or(mf_get_str(n, "type"), "volume");
	mt->src = mf_get_str(n, "source");
	mt->dst = mf_get_str(n, "target");
	truthy_text(mf_get(n, "read_only"), &mt->ro);
	mt->size = memory_of(m, mf_get(tmpfs, "size"));
	if (!mt->src && !strcmp(mt->type, "volume"))
		mt->type = "anonymous";
	for (size_t i = 0; i < n->n; i++)
		if (!MF_IN_LIST(n->pairs[i].key, keys))
			not_carried(m, n->pairs[i].pos,
				    mf_tb_printf(&m->tb, "volumes.%s", n->pairs[i].key),
				    "a description's mount has a source, a target and read-only");
	if (mf_streq(label, "z") || mf_streq(label, "Z"))
		mt->selinux = *label == 'z' ? "shared" : "private";
	for (size_t i = 0; bind && bind->kind == MF_MAP && i < bind->n; i++)
		if (strcmp(bind->pairs[i].key, "selinux") || !mt->selinux)
			not_carried(m, bind->pairs[i].pos,
				    mf_tb_printf(&m->tb, "bind.%s", bind->pairs[i].key),
				    "a description's bind mount is read-only or not, and "
				    "relabelled for SELinux (z or Z) or not");
	for (size_t i = 0; tmpfs && tmpfs->kind == MF_MAP && i < tmpfs->n; i++)
		if (strcmp(tmpfs->pairs[i].key, "size"))
			not_carried(m, tmpfs->pairs[i].pos,
				    mf_tb_printf(&m->tb, "tmpfs.%s", tmpfs->pairs[i].key),
				    "a description's memory folder has a size only");
}

/* The volume key of a mount: its target's last part, unique in the service. */
static const char *mount_key(imp *m, svc *s, const char *dst)
{
	const char *slash = strrchr(dst, '/');

	return unique(m, s->used, label_of(m, slash && slash[1] ? slash + 1 : dst, 30));
}

static void note_mount(imp *m, const mount *mt, mf_node *st);

/* A named volume: the storage of the first service that mounts it, under
 * the name Docker gave it (`PROJECT_VOLUME`), so existing data is found. */
static void put_storage(imp *m, svc *s, const mount *mt)
{
	const mf_node *decl = mf_get(m->volumes, mt->src);
	bool external = false;
	const char *owner = mf_get_str(m->vol_owner, mt->src), *name;
	mf_node *st;

	if (!mf_get_pair(m->volumes, mt->src)) {
		fail_at(m, mt->pos, "import-compose", "volume '%s' is not declared under 'volumes'",
			mt->src);
		return;
	}
	/* a volume several services mount: each one's storage takes the same Docker
	 * name (check's volume-shared says where the data is shared) */
	if (!owner)
		mf_tb_put_str(&m->tb, m->vol_owner, mt->src, s->name, mt->pos);
	truthy_text(mf_get(decl, "external"), &external);
	name = mf_get_str(decl, "name");
	name = name       ? name
	       : external ? mt->src
			  : mf_tb_printf(&m->tb, "%s_%s", m->project, mt->src);
	st = mf_tb_map(&m->tb, mt->pos);
	mf_tb_put_str(&m->tb, st, "mount", mt->dst, mt->pos);
	mf_tb_put_str(&m->tb, st, "name", name, mt->pos);
	if (external)
		mf_tb_put_bool(&m->tb, st, "external", true, mt->pos);
	mf_tb_put(&m->tb, mf_tb_child(&m->tb, s->out, "storage", mt->pos),
		  unique(m, s->used, label_of(m, mt->src, 30)), st);
	note_mount(m, mt, st);
}

static void put_mount(imp *m, svc *s, const mount *mt)
{
	mf_node *v;

	if (!mt->dst || mt->dst[0] != '/') {
		not_carried(m, mt->pos, "volumes", "the target is not an absolute path");
		return;
	}
	if (!strcmp(mt->type, "volume")) {
		put_storage(m, s, mt);
		return;
	}
	if (strcmp(mt->type, "bind") && strcmp(mt->type, "tmpfs")) {
		not_carried(m, mt->pos, mf_tb_printf(&m->tb, "%s volume", mt->type),
			    "a description has no volume without a name (an emptyDir is a tmpfs)");
		return;
	}
	if (mt->src && mt->src[0] == '~') {
		not_carried(m, mt->pos, mt->src, "a path under '~' is the user's home folder");
		return;
	}
	v = mf_tb_map(&m->tb, mt->pos);
	if (!strcmp(mt->type, "bind")) {
		mf_tb_put_str(&m->tb, v, "bind", project_path(m, mf_or(mt->src, ".")), mt->pos);
		if (mt->selinux)
			mf_tb_put_str(&m->tb, v, "selinux", mt->selinux, mt->pos);
	} else {
		mf_node *e = mf_tb_child(&m->tb, v, "emptyDir", mt->pos);
		mf_tb_put_str(&m->tb, e, "medium", "Memory", mt->pos);
		if (mt->size)
			mf_tb_put_str(&m->tb, e, "sizeLimit", mt->size, mt->pos);
	}
	mf_tb_put_str(&m->tb, v, "mount", mt->dst, mt->pos);
	if (mt->ro)
		mf_tb_put_bool(&m->tb, v, "readOnly", true, mt->pos);
	mf_tb_put(&m->tb, mf_tb_child(&m->tb, s->out, "volumes", mt->pos), mount_key(m, s, mt->dst),
		  v);
}

/* services.*.volumes */
static void carry_volumes(imp *m, svc *s, const mf_pair *p)
{
	for (size_t i = 0; p->val->kind == MF_SEQ && i < p->val->n; i++) {
		const mf_node *n = p->val->items[i];
		mount mt = {.pos = n->pos};
		if (n->kind == MF_MAP)
			long_mount(m, n, &mt);
		else if (text_of(n))
			short_mount(m, n, &mt);
		else
			continue;
		put_mount(m, s, &mt);
	}
}

/* services.*.tmpfs: "PATH[:size=N,...]" or a list of them */
static void carry_tmpfs(imp *m, svc *s, const mf_pair *p)
{
	size_t n = p->val->kind == MF_SEQ ? p->val->n : 1;

	for (size_t i = 0; i < n; i++) {
		const mf_node *it = p->val->kind == MF_SEQ ? p->val->items[i] : p->val;
		const char *v = text_of(it), *colon = v ? strchr(v, ':') : NULL;
		mount mt = {.type = "tmpfs", .pos = it->pos};
		if (!v)
			continue;
		mt.dst = colon ? mf_strndup(m->tb.a, v, (size_t)(colon - v)) : v;
		for (const char *o = colon ? colon + 1 : NULL, *end; o && *o;
		     o = *end ? end + 1 : end) {
			end = o + strcspn(o, ",");
			if (!strncmp(o, "size=", 5))
				mt.size = memory_of(m, mf_tb_strn(&m->tb, o + 5,
								  (size_t)(end - o - 5), it->pos));
			else
				not_carried(m, it->pos,
					    mf_tb_printf(&m->tb, "%.*s", (int)(end - o), o),
					    "a description's memory folder has a size only");
		}
		put_mount(m, s, &mt);
	}
}

/* ---- deploy, security ------------------------------------------------------------------------ */

/* deploy.resources.reservations.devices: NVIDIA GPUs by count */
static void put_gpus(imp *m, mf_node *limits, const mf_node *devs)
{
	long long gpus = 0;

	for (size_t i = 0; devs && devs->kind == MF_SEQ && i < devs->n; i++) {
		const mf_node *d = devs->items[i];
		const char *count = mf_get_str(d, "count");
		const char *driver = mf_or(mf_get_str(d, "driver"), "nvidia");
		if (!count_of(count) || strcmp(driver, "nvidia") || mf_get(d, "device_ids")) {
			not_carried(
				m, d->pos, "devices",
				"a description reserves a number of NVIDIA GPUs ('count: N'), not "
				"'all', device ids or other drivers");
			continue;
		}
		gpus += atoll(count);
	}
	if (gpus)
		mf_tb_put_int(&m->tb, limits, "gpu", gpus, devs->pos);
}

/* deploy.resources.limits / reservations as resources.limits / requests */
static void put_resources(imp *m, svc *s, const mf_node *in, const char *ours)
{
	mf_node *r = mf_tb_child(&m->tb, mf_tb_child(&m->tb, s->out, "resources", in->pos), ours,
				 in->pos);

	for (size_t i = 0; in->kind == MF_MAP && i < in->n; i++) {
		const mf_pair *q = &in->pairs[i];
		const char *v = !strcmp(q->key, "cpus")     ? cpu_of(m, q->val)
				: !strcmp(q->key, "memory") ? memory_of(m, q->val)
							    : NULL;
		if (v)
			mf_tb_put_str(&m->tb, r, !strcmp(q->key, "cpus") ? "cpu" : "memory", v,
				      q->val->pos);
		else if (!strcmp(q->key, "devices"))
			put_gpus(m,
				 mf_tb_child(&m->tb, mf_get(s->out, "resources"), "limits", q->pos),
				 q->val);
		else
			not_carried(m, q->pos, q->key,
				    "a description's resources are cpu, memory and gpu");
	}
}

/* Nothing carried into a map made on the way: leave it out. */
static void drop_empty(mf_node *map, const char *key)
{
	const mf_node *v = mf_get(map, key);

	if (v && v->kind == MF_MAP && v->n == 0)
		mf_map_del(map, key);
}

/* services.*.deploy.restart_policy: docker compose runs its condition in
 * place of `restart` (pkg/compose/create.go, getRestartPolicy), so it wins;
 * a count, delay or window has no counterpart. */
static void carry_restart_policy(imp *m, svc *s, const mf_pair *q)
{
	static const char *const compose[] = {"none",   "no",         "any",
					      "always", "on-failure", "unless-stopped"};
	static const char *const ours[] = {"never",  "never",      "always",
					   "always", "on-failure", "unless-stopped"};
	const mf_node *cond = mf_get(q->val, "condition");
	size_t i = mf_str_index(text_of(cond), compose, MF_NELEM(compose));

	for (size_t k = 0; q->val->kind == MF_MAP && k < q->val->n; k++)
		if (strcmp(q->val->pairs[k].key, "condition"))
			not_carried(m, q->val->pairs[k].pos,
				    mf_tb_printf(&m->tb, "restart_policy.%s", q->val->pairs[k].key),
				    "a description's restart has a condition only");
	if (!cond) {
		/* an empty condition is Docker's "no" */
		warn_at(m, q->pos, "import-value",
			"'restart_policy' has no condition: docker compose then restarts nothing, "
			"whatever 'restart' says (carried as 'never')");
		i = 0;
	} else if (i >= MF_NELEM(compose)) {
		fail_at(m, cond->pos, "import-compose",
			"a restart condition is none, any, on-failure or unless-stopped");
		return;
	} else if (mf_get(s->in, "restart"))
		warn_at(m, mf_get_pair(s->in, "restart")->pos, "import-value",
			"'restart' is not what runs: docker compose takes "
			"'deploy.restart_policy' in its place (carried as '%s')",
			ours[i]);
	mf_map_del(s->out, "restart");
	mf_tb_put_str(&m->tb, s->out, "restart", ours[i], cond ? cond->pos : q->pos);
}

/* services.*.deploy: replicas, resources and the restart policy */
static void carry_deploy(imp *m, svc *s, const mf_pair *p)
{
	for (size_t i = 0; p->val->kind == MF_MAP && i < p->val->n; i++) {
		const mf_pair *q = &p->val->pairs[i];
		if (!strcmp(q->key, "replicas") && count_of(text_of(q->val)))
			mf_tb_put_int(&m->tb, s->out, "replicas", atoll(q->val->str), q->val->pos);
		else if (!strcmp(q->key, "restart_policy") && q->val->kind == MF_MAP)
			carry_restart_policy(m, s, q);
		else if (!strcmp(q->key, "resources") && q->val->kind == MF_MAP)
			for (size_t j = 0; j < q->val->n; j++) {
				const mf_pair *r = &q->val->pairs[j];
				if (!strcmp(r->key, "limits") || !strcmp(r->key, "reservations"))
					put_resources(m, s, r->val,
						      !strcmp(r->key, "limits") ? "limits"
										: "requests");
				else
					not_carried(m, r->pos, r->key, "Swarm's resources");
			}
		else
			not_carried(
				m, q->pos, mf_tb_printf(&m->tb, "deploy.%s", q->key),
				"a description says replicas and resources, not Swarm's settings");
	}
	drop_empty(mf_get(s->out, "resources"), "limits");
	drop_empty(mf_get(s->out, "resources"), "requests");
	drop_empty(s->out, "resources");
}

static mf_node *security(imp *m, svc *s, mf_pos pos)
{
	return mf_tb_child(&m->tb, s->out, "security", pos);
}

/* services.*.user: "UID[:GID]" */
static void carry_user(imp *m, svc *s, const mf_pair *p)
{
	const char *v = text_of(p->val), *colon = v ? strchr(v, ':') : NULL;
	const char *uid = colon ? mf_strndup(m->tb.a, v, (size_t)(colon - v)) : v;

	if (!count_of(uid) || (colon && !count_of(colon + 1))) {
		not_carried(m, p->pos, "user", "a description's user is a number ('UID[:GID]')");
		return;
	}
	mf_tb_put_int(&m->tb, security(m, s, p->pos), "runAsUser", atoll(uid), p->val->pos);
	if (colon)
		mf_tb_put_int(&m->tb, security(m, s, p->pos), "runAsGroup", atoll(colon + 1),
			      p->val->pos);
}

/* read_only, privileged: a boolean of the security settings */
static void put_flag(imp *m, svc *s, const mf_pair *p, const char *ours)
{
	bool v;

	if (truthy_text(p->val, &v))
		mf_tb_put_bool(&m->tb, security(m, s, p->pos), ours, v, p->val->pos);
	else
		not_carried(m, p->pos, p->key, "it is not true or false");
}

static void carry_read_only(imp *m, svc *s, const mf_pair *p)
{
	put_flag(m, s, p, "readOnlyRootFilesystem");
}

static void carry_privileged(imp *m, svc *s, const mf_pair *p)
{
	put_flag(m, s, p, "privileged");
}

/* cap_add, cap_drop */
static void carry_caps(imp *m, svc *s, const mf_pair *p)
{
	mf_node *caps = mf_tb_child(&m->tb, security(m, s, p->pos), "capabilities", p->pos);
	mf_node *seq = mf_tb_seq(&m->tb, p->pos);

	for (size_t i = 0; p->val->kind == MF_SEQ && i < p->val->n; i++) {
		const mf_node *it = p->val->items[i];
		char *cap = text_of(it) ? mf_strdup(m->tb.a, it->str) : NULL;
		for (char *c = cap; c && *c; c++)
			*c = (char)toupper((unsigned char)*c); /* Docker reads them in any case */
		if (cap && *cap && strspn(cap, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == strlen(cap))
			mf_tb_push(&m->tb, seq, mf_tb_str(&m->tb, cap, it->pos));
		else
			not_carried(m, it->pos, mf_or(text_of(it), p->key),
				    "it is not a capability");
	}
	mf_tb_put(&m->tb, caps, !strcmp(p->key, "cap_add") ? "add" : "drop", seq);
}

/* security_opt: no-new-privileges, seccomp and apparmor unconfined */
static void carry_security_opt(imp *m, svc *s, const mf_pair *p)
{
	for (size_t i = 0; p->val->kind == MF_SEQ && i < p->val->n; i++) {
		const char *v = mf_or(text_of(p->val->items[i]), "");
		mf_pos pos = p->val->items[i]->pos;
		if (!strcmp(v, "no-new-privileges") || !strcmp(v, "no-new-privileges:true") ||
		    !strcmp(v, "no-new-privileges=true"))
			mf_tb_put_bool(&m->tb, security(m, s, pos), "allowPrivilegeEscalation",
				       false, pos);
		else if (!strcmp(v, "seccomp:unconfined") || !strcmp(v, "seccomp=unconfined"))
			mf_tb_put_str(&m->tb, security(m, s, pos), "seccompProfile", "Unconfined",
				      pos);
		else if (!strcmp(v, "apparmor:unconfined") || !strcmp(v, "apparmor=unconfined"))
			mf_tb_put_str(&m->tb, security(m, s, pos), "appArmorProfile", "unconfined",
				      pos);
		else
			not_carried(m, pos, v,
				    "a description says no-new-privileges, and seccomp or "
				    "apparmor unconfined");
	}
}

/* network_mode, pid, ipc: "host" */
static void carry_host_mode(imp *m, svc *s, const mf_pair *p)
{
	const char *ours = !strcmp(p->key, "network_mode") ? "hostNetwork"
			   : !strcmp(p->key, "pid")        ? "hostPID"
							   : "hostIPC";

	if (mf_streq(text_of(p->val), "host"))
		mf_tb_put_bool(&m->tb, security(m, s, p->pos), ours, true, p->val->pos);
	else
		not_carried(m, p->pos, p->key, "a description shares the host's only ('host')");
}

/* services.*.networks: the list or the map with aliases (the
 * helpers at the end of this file); only `default` says nothing. */
static void carry_networks(imp *m, svc *s, const mf_pair *p)
{
	const mf_node *n = p->val;
	bool only_default =
		n->n == 1 && ((n->kind == MF_SEQ && mf_streq(text_of(n->items[0]), "default")) ||
			      (n->kind == MF_MAP && !strcmp(n->pairs[0].key, "default") &&
			       !mf_truthy(n->pairs[0].val)));

	if (!only_default)
		mf_tb_put(&m->tb, s->out, "networks", service_networks(m, n));
}

static const char *pos_key(imp *m, mf_pos pos)
{
	return mf_printf(m->tb.a, "%u:%u:%u", pos.file, pos.line, pos.col);
}

/* A Compose value at pos carried as it is: a schema error there is the
 * Compose file's (refused_verbatim). */
static void mark_at(imp *m, mf_pos pos)
{
	if (m->verbatim)
		mf_tb_put_bool(&m->tb, m->verbatim, pos_key(m, pos), true, pos);
}

/* A Compose collection carried as it is (put_same): every key and value in
 * it is the user's (the YAML reader bounds the depth). */
static void mark_verbatim(imp *m, const mf_node *n)
{
	mark_at(m, n->pos);
	for (size_t i = 0; n->kind == MF_MAP && i < n->n; i++) {
		mark_at(m, n->pairs[i].pos);
		mark_verbatim(m, n->pairs[i].val);
	}
	for (size_t i = 0; n->kind == MF_SEQ && i < n->n; i++)
		mark_verbatim(m, n->items[i]);
}

/* After the description failed its schema (diagnostics from `from` on):
 * true when every error is at a Compose value carried as it is (put_text,
 * put_same) which the description's schema refuses (a container name with
 * a form feed): the input's fault, said at the value, not a bug of the import. */
static bool refused_verbatim(imp *m, size_t from)
{
	size_t errors = 0;

	for (size_t i = from; i < m->c->ndiags; i++) {
		mf_diag *d = &m->c->diags[i];
		const char *key = d->sev == MF_SEV_ERROR ? pos_key(m, d->pos) : NULL;
		if (d->sev != MF_SEV_ERROR)
			continue;
		if (!key || !d->pos.file || !mf_get(m->verbatim, key))
			return false;
		errors++;
	}
	for (size_t i = from; errors && i < m->c->ndiags; i++)
		if (m->c->diags[i].sev == MF_SEV_ERROR && !m->c->diags[i].note)
			mf_diag_note(m->c, &m->c->diags[i],
				     "'manifold import' carries this value as it is, and a "
				     "description cannot hold it: correct it in the Compose file");
	return errors > 0 || m->c->truncated;
}

/* ---- container settings (gen/settings.def on the description side) ---------------------- */

/* A Compose scalar that a description key takes as it is. */
static void put_text(imp *m, svc *s, const mf_pair *p, const char *ours)
{
	const char *v = text_of(p->val);

	if (!v || !*v)
		not_carried(m, p->pos, p->key, "it is not a single value");
	else {
		mf_tb_put_str(&m->tb, s->out, ours, v, p->val->pos);
		mark_at(m, p->val->pos);
	}
}

static void put_bool(imp *m, svc *s, const mf_pair *p, const char *ours)
{
	bool v;

	if (truthy_text(p->val, &v))
		mf_tb_put_bool(&m->tb, s->out, ours, v, p->val->pos);
	else
		not_carried(m, p->pos, p->key, "it is not true or false");
}

/* A Compose collection a description key holds in the same shape. */
static void put_same(imp *m, svc *s, const mf_pair *p, const char *ours, mf_kind kind)
{
	if (p->val->kind != kind)
		not_carried(m, p->pos, p->key,
			    kind == MF_MAP ? "it is not a map" : "it is not a list");
	else {
		mf_tb_put(&m->tb, s->out, ours, mf_copy(m->tb.a, p->val));
		mark_verbatim(m, p->val);
	}
}

#define AS(fn, how, ours)                                \
	static void fn(imp *m, svc *s, const mf_pair *p) \
	{                                                \
		how(m, s, p, ours);                      \
	}
#define AS_SAME(fn, ours, kind)                          \
	static void fn(imp *m, svc *s, const mf_pair *p) \
	{                                                \
		put_same(m, s, p, ours, kind);           \
	}
AS(carry_container_name, put_text, "containerName")
AS(carry_hostname, put_text, "hostname")
AS(carry_working_dir, put_text, "workingDir")
AS(carry_stop_signal, put_text, "stopSignal")
AS(carry_stop_grace, put_text, "terminationGracePeriod")
AS(carry_init, put_bool, "init")
AS(carry_tty, put_bool, "tty")
AS(carry_stdin_open, put_bool, "stdinOpen")
AS_SAME(carry_devices, "devices", MF_SEQ)
AS_SAME(carry_logging, "logging", MF_MAP)
#undef AS
#undef AS_SAME

/* A ulimit as a number: interpolation leaves "65536" a string; -1 is unlimited. */
static mf_node *limit_of(imp *m, const mf_node *n)
{
	const char *v = text_of(n);

	if (!v || !(count_of(v) || !strcmp(v, "-1")))
		return NULL;
	return mf_tb_int(&m->tb, atoll(v), n->pos);
}

/* services.*.ulimits: NAME: N, or NAME: {soft: N, hard: N} */
static void carry_ulimits(imp *m, svc *s, const mf_pair *p)
{
	mf_node *out = mf_tb_map(&m->tb, p->pos);

	for (size_t i = 0; p->val->kind == MF_MAP && i < p->val->n; i++) {
		const mf_pair *q = &p->val->pairs[i];
		mf_node *one = q->val->kind == MF_MAP ? NULL : limit_of(m, q->val);
		mf_node *soft = limit_of(m, mf_get(q->val, "soft")),
			*hard = limit_of(m, mf_get(q->val, "hard"));
		if (!one && soft && hard && q->val->n == 2) {
			one = mf_tb_map(&m->tb, q->pos);
			mf_tb_put(&m->tb, one, "soft", soft);
			mf_tb_put(&m->tb, one, "hard", hard);
		}
		if (!one) {
			not_carried(m, q->pos, mf_tb_printf(&m->tb, "ulimits.%s", q->key),
				    "it is not a number or {soft, hard}");
			continue;
		}
		mf_tb_put(&m->tb, out, q->key, one);
		/* the name as written: one Docker does not know is the file's error,
		 * said at the name, or at the value for a number */
		mark_at(m, q->pos);
		mark_at(m, one->pos);
	}
	if (p->val->kind != MF_MAP)
		not_carried(m, p->pos, p->key, "it is not a map");
	mf_tb_put_nonempty(&m->tb, s->out, "ulimits", out);
}

/* services.*.shm_size: Compose's binary units, as deploy's memory */
static void carry_shm_size(imp *m, svc *s, const mf_pair *p)
{
	const char *v = memory_of(m, p->val);

	if (!v)
		not_carried(m, p->pos, p->key, "it is not a size such as '2gb'");
	else
		mf_tb_put_str(&m->tb, s->out, "shmSize", v, p->val->pos);
}

/* labels, sysctls: normalise_service made the "K=V" list form a map already */
static mf_node *pairs_of(imp *m, const mf_pair *p)
{
	mf_node *out = mf_tb_map(&m->tb, p->pos);

	for (size_t i = 0; p->val->kind == MF_MAP && i < p->val->n; i++) {
		const mf_pair *q = &p->val->pairs[i];
		const char *v = compose_text(m, q->val);
		/* null is Compose's empty value; a list or map Compose refuses */
		if (q->val->kind == MF_MAP || q->val->kind == MF_SEQ)
			fail_at(m, q->val->pos, "import-compose",
				"'%s' is a string, a number, a boolean or null in Compose", q->key);
		else
			mf_tb_put_str(&m->tb, out, q->key, v ? v : "", q->pos);
	}
	if (p->val->kind != MF_MAP)
		not_carried(m, p->pos, p->key, "it is not a map or a list of 'KEY=VALUE'");
	return out;
}

/* Labels are carried as they are, so a key the description refuses is the
 * Compose file's (refused_verbatim), not the import's. */
static void carry_labels(imp *m, svc *s, const mf_pair *p)
{
	mf_tb_put_nonempty(&m->tb, s->out, "labels", pairs_of(m, p));
	mark_verbatim(m, p->val);
}

static void carry_sysctls(imp *m, svc *s, const mf_pair *p)
{
	mf_tb_put_nonempty(&m->tb, security(m, s, p->pos), "sysctls", pairs_of(m, p));
}

/* services.*.extra_hosts: "HOST:ADDRESS" (or "HOST=ADDRESS") items, or a map */
static void carry_extra_hosts(imp *m, svc *s, const mf_pair *p)
{
	mf_node *out = mf_tb_map(&m->tb, p->pos);

	/* hosts and addresses as written: one a description refuses is the file's */
	for (size_t i = 0; p->val->kind == MF_MAP && i < p->val->n; i++) {
		mf_pos at = p->val->pairs[i].pos;
		mf_tb_put_str(&m->tb, out, p->val->pairs[i].key,
			      mf_or(text_of(p->val->pairs[i].val), ""), at);
		mark_at(m, at);
	}
	for (size_t i = 0; p->val->kind == MF_SEQ && i < p->val->n; i++) {
		const char *item = text_of(p->val->items[i]);
		size_t k = item ? strcspn(item, ":=") : 0;
		mf_pos at = p->val->items[i]->pos;
		if (!item || !item[k]) {
			not_carried(m, at, p->key, "an item is not 'HOST:ADDRESS'");
			continue;
		}
		mf_tb_put_str(&m->tb, out, mf_strndup(m->tb.a, item, k), item + k + 1, at);
		mark_at(m, at);
	}
	mf_tb_put_nonempty(&m->tb, s->out, "extraHosts", out);
}

/* ---- secrets: Compose's secret files ------------------------------------------------------ */

/* A file's name as a secret's key: Kubernetes' rule (schema definitions/dataKey). */
static bool data_key(const char *k)
{
	size_t n = strlen(k);

	return n && n <= 253 && strcmp(k, ".") && strncmp(k, "..", 2) &&
	       strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") == n;
}

/* A top-level secret or config in decls: NULL after a warning saying why
 * not (kept as its value, for the services that mount it), else its
 * description name (unique in used) and its one key. */
static mf_node *declared(imp *m, mf_node *decls, mf_node *used, const mf_pair *p,
			 const char *section, const char *why, const char *key)
{
	mf_node *one;

	if (why) {
		not_carried(m, p->pos, mf_tb_printf(&m->tb, "%s.%s", section, p->key), why);
		mf_tb_put(&m->tb, decls, p->key, mf_tb_str(&m->tb, why, p->pos));
		return NULL;
	}
	one = mf_tb_map(&m->tb, p->pos);
	mf_tb_put_str(&m->tb, one, "name", unique(m, used, label_of(m, p->key, DESC_NAME_MAX)),
		      p->pos);
	mf_tb_put_str(&m->tb, one, "key", key, p->pos);
	return one;
}

/* One top-level Compose secret: a file becomes a description secret whose
 * one key is the file's name, read from its folder (language.md,
 * secrets.*.compose.file); Swarm's external and environment secrets warn. */
static void name_secret(imp *m, mf_node *used, const mf_pair *p)
{
	const char *file = text_of(mf_get(p->val, "file")), *slash, *key, *why = NULL;
	mf_node *one;

	slash = file ? strrchr(file, '/') : NULL;
	key = slash ? slash + 1 : file;
	if (!file)
		why = mf_get(p->val, "environment")
			      ? "a description mounts a secret from a file, not from a variable"
			      : "it is no file (an external secret is Swarm's)";
	else if (!data_key(key))
		why = "the file's name is not a secret key (letters, digits, '-', '_' and '.')";
	if (!(one = declared(m, m->file_secrets, used, p, "secrets", why, key)))
		return;
	mf_tb_put_str(&m->tb, one, "dir",
		      project_path(m, !slash          ? "."
				      : slash == file ? "/"
						      : mf_tb_printf(&m->tb, "%.*s",
								     (int)(slash - file), file)),
		      p->pos);
	mf_tb_put(&m->tb, m->file_secrets, p->key, one);
}

static void name_secrets(imp *m, const mf_node *secrets)
{
	mf_node *used = mf_tb_map(&m->tb, MF_NOPOS);

	mf_tb_put_bool(&m->tb, used, SECRET, true, MF_NOPOS);
	for (size_t i = 0; secrets && secrets->kind == MF_MAP && i < secrets->n; i++)
		name_secret(m, used, &secrets->pairs[i]);
}

/* A file a service mounts from a top-level declaration: a secret's or a
 * config's, as its volume says it (the one key at the target). */
typedef struct mounted {
	const char *what;  /* "secret", "config": the Compose key and the volume's */
	const char *under; /* where a name target is: /run/secrets/ (configs: /) */
} mounted;

static const mounted as_secret = {"secret", "/run/secrets/"}, as_config = {"config", "/"};

/* services.*.secrets or configs item: a volume of the declaration's one key at
 * the target (UNDER + the source, a name under UNDER, or a path) */
static void carry_mounted(imp *m, svc *s, const mf_node *it, const mounted *k, mf_node *decls)
{
	const char *source = text_of(it) ? text_of(it) : text_of(mf_get(it, "source"));
	const char *target = text_of(mf_get(it, "target"));
	const mf_node *decl = source ? mf_get(decls, source) : NULL;
	mf_node *v;

	for (size_t i = 0; it->kind == MF_MAP && i < it->n; i++)
		if (strcmp(it->pairs[i].key, "source") && strcmp(it->pairs[i].key, "target"))
			not_carried(m, it->pairs[i].pos,
				    mf_tb_printf(&m->tb, "%ss.%s", k->what, it->pairs[i].key),
				    mf_tb_printf(&m->tb,
						 "a description's %s file has Kubernetes' owner "
						 "and mode",
						 k->what));
	if (!decl || decl->kind == MF_STR) { /* a string: why its declaration is not carried */
		if (decl)
			not_carried(m, it->pos, source, decl->str);
		else
			fail_at(m, it->pos, "import-compose", "%s '%s' is not declared under '%ss'",
				k->what, mf_or(source, "~"), k->what);
		return;
	}
	mf_tb_put_bool(&m->tb, (mf_node *)decl, "used", true, it->pos);
	v = mf_tb_map(&m->tb, it->pos);
	mf_tb_put_str(&m->tb, v, k->what, mf_get_str(decl, "name"), it->pos);
	mf_tb_put_str(&m->tb, v, "subPath", mf_get_str(decl, "key"), it->pos);
	mf_tb_put_str(&m->tb, v, "mount",
		      target && target[0] == '/'
			      ? target
			      : mf_tb_printf(&m->tb, "%s%s", k->under, target ? target : source),
		      it->pos);
	mf_tb_put(&m->tb, mf_tb_child(&m->tb, s->out, "volumes", it->pos),
		  unique(m, s->used, label_of(m, source, 30)), v);
}

static void carry_all_mounted(imp *m, svc *s, const mf_pair *p, const mounted *k, mf_node *decls)
{
	for (size_t i = 0; p->val->kind == MF_SEQ && i < p->val->n; i++)
		carry_mounted(m, s, p->val->items[i], k, decls);
	if (p->val->kind != MF_SEQ)
		not_carried(m, p->pos, p->key, "it is not a list");
}

static void carry_secrets(imp *m, svc *s, const mf_pair *p)
{
	carry_all_mounted(m, s, p, &as_secret, m->file_secrets);
}

static void carry_configs(imp *m, svc *s, const mf_pair *p)
{
	carry_all_mounted(m, s, p, &as_config, m->configs);
}

/* The file secrets some service attaches, as the description declares them. */
static void put_file_secrets(imp *m, mf_node *secrets)
{
	for (size_t i = 0; i < m->file_secrets->n; i++) {
		const mf_node *d = m->file_secrets->pairs[i].val;
		mf_node *sec;
		if (d->kind != MF_MAP || !mf_get(d, "used"))
			continue;
		sec = mf_tb_child(&m->tb, secrets, mf_get_str(d, "name"), d->pos);
		mf_tb_push(&m->tb, mf_tb_child_seq(&m->tb, sec, "keys", d->pos),
			   mf_tb_str(&m->tb, mf_get_str(d, "key"), d->pos));
		mf_tb_put_str(&m->tb, mf_tb_child(&m->tb, sec, "compose", d->pos), "file",
			      mf_get_str(d, "dir"), d->pos);
	}
}

/* ---- configs: Compose's config files ------------------------------------------------------- */

/* One top-level Compose config: a file inside the description's folder
 * becomes a description config of one key (the file's name) read from it
 * (configs.*.files); inline `content` one of data; the rest warns. */
static void name_config(imp *m, mf_node *used, const mf_pair *p)
{
	const char *file = text_of(mf_get(p->val, "file")),
		   *rel = file ? project_path(m, file) : NULL;
	const char *content = text_of(mf_get(p->val, "content")), *slash, *key, *why = NULL;
	mf_node *one;

	slash = file ? strrchr(file, '/') : NULL;
	key = file ? (slash ? slash + 1 : file) : data_key(p->key) ? p->key : "content";
	if (!file && !content)
		why = "it is no file and no content (a variable's or an external config)";
	else if (file && (!rel || rel[0] == '/' || !strncmp(rel, "../", 3)))
		why = "a description reads config files inside its own folder";
	else if (!data_key(key))
		why = "the file's name is not a config key (letters, digits, '-', '_' and '.')";
	if (!(one = declared(m, m->configs, used, p, "configs", why, key)))
		return;
	mf_tb_put_str(&m->tb, one, file ? "file" : "data", file ? rel : content, p->pos);
	mf_tb_put(&m->tb, m->configs, p->key, one);
}

static void name_configs(imp *m, const mf_node *configs)
{
	mf_node *used = mf_tb_map(&m->tb, MF_NOPOS);

	for (size_t i = 0; configs && configs->kind == MF_MAP && i < configs->n; i++)
		name_config(m, used, &configs->pairs[i]);
}

/* The configs some service mounts, as the description declares them. */
static mf_node *configs_of(imp *m)
{
	mf_node *out = mf_tb_map(&m->tb, MF_NOPOS);

	for (size_t i = 0; i < m->configs->n; i++) {
		const mf_node *d = m->configs->pairs[i].val;
		const char *file = mf_get_str(d, "file");
		if (d->kind != MF_MAP || !mf_get(d, "used"))
			continue;
		mf_tb_put_str(&m->tb,
			      mf_tb_child(&m->tb,
					  mf_tb_child(&m->tb, out, mf_get_str(d, "name"), d->pos),
					  file ? "files" : "data", d->pos),
			      mf_get_str(d, "key"), file ? file : mf_get_str(d, "data"), d->pos);
	}
	return out->n ? out : NULL;
}

/* ---- the key table ----------------------------------------------------------------------- */

#define NOT_YET "a description cannot say it yet"

/* Every Compose service key manifold knows: how it is carried, or why not.
 * A key not here is not carried either; both get an `import-key` warning. */
static const struct key_rule {
	const char *key;
	carry_fn carry;
	const char *why; /* when carry is NULL */
} service_keys[] = {
	{"image", carry_image, NULL},
	{"build", carry_build, NULL},
	{"command", carry_command, NULL},
	{"entrypoint", carry_entrypoint, NULL},
	{"environment", carry_environment, NULL},
	{"env_file", carry_env_file, NULL},
	{"ports", carry_ports, NULL},
	{"expose", carry_expose, NULL},
	{"depends_on", carry_depends_on, NULL},
	{"healthcheck", carry_healthcheck, NULL},
	{"volumes", carry_volumes, NULL},
	{"tmpfs", carry_tmpfs, NULL},
	{"restart", carry_restart, NULL},
	{"deploy", carry_deploy, NULL},
	{"profiles", carry_profiles, NULL},
	{"user", carry_user, NULL},
	{"read_only", carry_read_only, NULL},
	{"privileged", carry_privileged, NULL},
	{"cap_add", carry_caps, NULL},
	{"cap_drop", carry_caps, NULL},
	{"security_opt", carry_security_opt, NULL},
	{"network_mode", carry_host_mode, NULL},
	{"pid", carry_host_mode, NULL},
	{"ipc", carry_host_mode, NULL},
	{"networks", carry_networks, NULL},
	/* container settings the language is gaining (issue 13) */
	{"container_name", carry_container_name, NULL},
	{"hostname", carry_hostname, NULL},
	{"devices", carry_devices, NULL},
	{"ulimits", carry_ulimits, NULL},
	{"shm_size", carry_shm_size, NULL},
	{"tty", carry_tty, NULL},
	{"stdin_open", carry_stdin_open, NULL},
	{"stop_grace_period", carry_stop_grace, NULL},
	{"stop_signal", carry_stop_signal, NULL},
	{"sysctls", carry_sysctls, NULL},
	{"init", carry_init, NULL},
	{"working_dir", carry_working_dir, NULL},
	{"labels", carry_labels, NULL},
	{"logging", carry_logging, NULL},
	{"extra_hosts", carry_extra_hosts, NULL},
	{"dns", NULL, NOT_YET},
	{"dns_search", NULL, NOT_YET},
	{"dns_opt", NULL, NOT_YET},
	{"secrets", carry_secrets, NULL},
	{"configs", carry_configs, NULL},
	{"pull_policy", NULL, NOT_YET " (in the image's long form only)"},
	{"attach", NULL, "it is how 'docker compose up' shows logs, not what the service does"},
	{"platform", NULL, NOT_YET},
	{"extends", NULL, "an import does not follow 'extends'"},
	{"links", NULL, "legacy links: services reach each other by name"},
	{"external_links", NULL, "legacy links: services reach each other by name"},
	{"volumes_from", NULL, "a description mounts volumes by name"},
	{"mem_limit", NULL, "the old form of 'deploy.resources.limits.memory'"},
	{"mem_reservation", NULL, "the old form of 'deploy.resources.reservations.memory'"},
	{"cpus", NULL, "the old form of 'deploy.resources.limits.cpus'"},
	{"cpu_shares", NULL, NOT_YET},
	{"group_add", NULL, NOT_YET},
	{"domainname", NULL, NOT_YET},
	{"mac_address", NULL, NOT_YET},
	{"runtime", NULL, NOT_YET},
	{"scale", NULL, "the old form of 'deploy.replicas'"},
	{"annotations", NULL, NOT_YET},
	{"userns_mode", NULL, NOT_YET},
	{"cgroup", NULL, NOT_YET},
	{"oom_score_adj", NULL, NOT_YET},
	{"develop", NULL, "Compose Watch is a development loop, not the service"},
};

static const struct key_rule *key_rule_of(const char *key)
{
	for (size_t i = 0; i < MF_NELEM(service_keys); i++)
		if (!strcmp(service_keys[i].key, key))
			return &service_keys[i];
	return NULL;
}

/* ---- services ------------------------------------------------------------------------------ */

/* Description names for every Compose service (DNS labels, renamed with a
 * warning) and which services something waits to complete (jobs). */
static void name_services(imp *m, const mf_node *svcs)
{
	mf_node *used = mf_tb_map(&m->tb, MF_NOPOS);

	m->names = mf_tb_map(&m->tb, MF_NOPOS);
	m->jobs = mf_tb_map(&m->tb, MF_NOPOS);
	for (size_t i = 0; i < svcs->n; i++) {
		const mf_pair *p = &svcs->pairs[i];
		const char *name = unique(m, used, label_of(m, p->key, DESC_NAME_MAX));
		mf_tb_put_str(&m->tb, m->names, p->key, name, p->pos);
		if (strcmp(name, p->key))
			warn_at(m, p->pos, "import-rename",
				"service '%s' is renamed '%s': a service's name is a DNS label (other "
				"services that call it by its old name need their settings changed)",
				p->key, name);
		const mf_node *deps = mf_get(p->val, "depends_on");
		for (size_t j = 0; deps && deps->kind == MF_MAP && j < deps->n; j++)
			if (mf_streq(mf_get_str(deps->pairs[j].val, "condition"),
				     "service_completed_successfully"))
				mf_tb_put_bool(&m->tb, m->jobs, deps->pairs[j].key, true, MF_NOPOS);
	}
}

/* The service with `kind` as its first key, where a reader looks for it. */
static mf_node *kind_first(imp *m, mf_node *svc_out, const char *kind)
{
	mf_node *out = mf_tb_map(&m->tb, svc_out->pos);

	mf_tb_put_str(&m->tb, out, "kind", kind, svc_out->pos);
	for (size_t i = 0; out && i < svc_out->n; i++)
		if (mf_map_add(m->tb.a, out, svc_out->pairs[i].key, svc_out->pairs[i].pos,
			       svc_out->pairs[i].val) < 0)
			m->tb.failed = true;
	return out;
}

/* One Compose service as a description service. */
/* A '${' Compose meant literally ('$${' there) is literal in the
 * description's interpolated fields only as '$${' (docs/language.md#variables). */
static void escape_ref(imp *m, mf_node *n)
{
	mf_buf b;
	size_t k = 0;

	if (!n || n->kind != MF_STR || !strstr(n->str, "${") || restored(m, n))
		return;
	mf_buf_init(&b);
	for (const char *q; (q = strstr(n->str + k, "${")) != NULL; k = (size_t)(q - n->str) + 1) {
		mf_buf_add(&b, n->str + k, (size_t)(q - n->str) - k);
		mf_buf_add(&b, "$$", 2); /* the '$' at q, doubled */
	}
	mf_buf_puts(&b, n->str + k);
	if (!b.oom && b.data) {
		n->str = mf_tb_str(&m->tb, b.data, n->pos)->str;
		n->len = strlen(n->str);
	}
	mf_buf_release(&b);
}

static void escape_command(imp *m, mf_node *cmd)
{
	for (size_t i = 0; cmd && cmd->kind == MF_SEQ && i < cmd->n; i++)
		escape_ref(m, cmd->items[i]);
	escape_ref(m, cmd && cmd->kind == MF_MAP ? mf_get(cmd, "shell") : cmd);
}

static void escape_refs(imp *m, mf_node *out)
{
	mf_node *env = mf_get(out, "env"), *im = mf_get(out, "image");

	escape_ref(m, im && im->kind == MF_MAP ? mf_get(im, "tag") : im);
	for (size_t i = 0; env && env->kind == MF_MAP && i < env->n; i++)
		escape_ref(m, env->pairs[i].val);
	escape_command(m, mf_get(out, "command"));
	escape_command(m, mf_get(out, "args"));
}

static mf_node *carry_service(imp *m, const mf_pair *p)
{
	svc s = {p->key,
		 mf_get_str(m->names, p->key),
		 p->val,
		 mf_tb_map(&m->tb, p->pos),
		 mf_tb_map(&m->tb, p->pos),
		 mf_tb_map(&m->tb, p->pos),
		 false};
	bool job = mf_get(m->jobs, p->key) != NULL;

	if (job)
		mf_tb_put_str(&m->tb, s.out, "kind", "job", p->pos);
	for (size_t i = 0; i < p->val->n; i++) {
		const mf_pair *q = &p->val->pairs[i];
		const struct key_rule *r = key_rule_of(q->key);
		if (!strncmp(q->key, "x-", 2))
			continue;
		m->keys++;
		if (r && r->carry) {
			m->carried++;
			r->carry(m, &s, q);
		} else {
			not_carried(m, q->pos, q->key,
				    r ? r->why : "manifold does not know this key");
		}
	}
	if (!mf_get(s.out, "image") && !mf_get(s.out, "build"))
		fail_at(m, p->pos, "import-compose", "service '%s' has neither 'image' nor 'build'",
			p->key);
	if (mf_get(s.out, "storage") && !job)
		s.out = kind_first(m, s.out, "stateful");
	if (!mf_get(s.out, "restart") && !job)
		mf_tb_put_str(&m->tb, s.out, "restart", "never", p->pos); /* Compose's default */
	m->no_probe |= !s.probe && !job;
	carry_refs(m, &s);
	escape_refs(m, s.out);
	return s.out;
}

/* ---- the top level ------------------------------------------------------------------------- */

/* Compose's project name: `name:`, COMPOSE_PROJECT_NAME in .env, else the
 * project folder's name, lowered, with what Compose refuses taken out. */
static const char *project_name(imp *m, const mf_node *doc)
{
	const char *name = mf_get_str(doc, "name");
	const char *base = strrchr(m->dir, '/');
	char *out;
	size_t n = 0;

	if (!name)
		name = mf_get_str(m->env, "COMPOSE_PROJECT_NAME");
	if (!name)
		name = base && base[1] ? base + 1 : "default";
	out = mf_tb_alloc(&m->tb, strlen(name) + 1);
	for (; out && *name; name++) {
		char ch = (char)tolower((unsigned char)*name);
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    (n && (ch == '-' || ch == '_')))
			out[n++] = ch;
	}
	if (out)
		out[n] = 0;
	return out && n ? out : "default";
}

/* volumes.<name>: what a storage can say (name, external, the local driver) */
static void check_volume(imp *m, const mf_pair *p)
{
	static const char *const carried[] = {"name", "external"};

	if (!mf_get(m->vol_owner, p->key))
		not_carried(m, p->pos, p->key, "no service mounts this volume");
	for (size_t i = 0; p->val && p->val->kind == MF_MAP && i < p->val->n; i++) {
		const mf_pair *q = &p->val->pairs[i];
		if (MF_IN_LIST(q->key, carried) ||
		    (!strcmp(q->key, "driver") && mf_streq(text_of(q->val), "local")))
			continue;
		not_carried(m, q->pos, mf_tb_printf(&m->tb, "volumes.%s", q->key),
			    "a description's storage is Docker's local volume");
	}
}

/* The top-level keys other than services and volumes. */
static void check_top(imp *m, const mf_node *doc)
{
	static const char *const quiet[] = {"services", "volumes", "name"};

	for (size_t i = 0; i < doc->n; i++) {
		const mf_pair *p = &doc->pairs[i];
		if (MF_IN_LIST(p->key, quiet) || !strncmp(p->key, "x-", 2))
			continue;
		if (!strcmp(p->key, "version"))
			mf_diag_add(m->c, MF_SEV_INFO, p->pos, "import-key",
				    "'version' is left out: it is obsolete and means nothing");
		else if ((!strcmp(p->key, "networks") || !strcmp(p->key, "secrets") ||
			  !strcmp(p->key, "configs")) &&
			 p->val->kind == MF_MAP)
			continue; /* networks_of(), name_secrets(), name_configs() */
		else
			not_carried(m, p->pos, p->key,
				    !strcmp(p->key, "include")
					    ? "an import does not follow 'include'"
					    : "manifold does not know this key");
	}
	for (size_t i = 0; m->volumes && m->volumes->kind == MF_MAP && i < m->volumes->n; i++)
		check_volume(m, &m->volumes->pairs[i]);
}

/* .env lines Compose reads for itself. */
static void check_dotenv(imp *m)
{
	const mf_pair *p = mf_get_pair(m->env, "COMPOSE_PROFILES");

	if (p)
		not_carried(m, p->pos, "COMPOSE_PROFILES",
			    "a description has no default profiles: start them with '--profile'");
}

static mf_node *secrets_of(imp *m)
{
	mf_node *secrets = mf_tb_map(&m->tb, MF_NOPOS), *sec, *keys, *compose;

	put_file_secrets(m, secrets);
	if (!m->secret_keys->n)
		return secrets->n ? secrets : NULL;
	sec = mf_tb_child(&m->tb, secrets, SECRET, MF_NOPOS);
	keys = mf_tb_child_seq(&m->tb, sec, "keys", MF_NOPOS);
	for (size_t i = 0; i < m->secret_keys->n; i++)
		mf_tb_push(&m->tb, keys, mf_tb_str(&m->tb, m->secret_keys->pairs[i].key, MF_NOPOS));
	compose = mf_tb_child(&m->tb, sec, "compose", MF_NOPOS);
	/* no prefix: Compose reads each key from the variable the Compose file used */
	mf_tb_put_str(&m->tb, compose, "environment", "", MF_NOPOS);
	return secrets;
}

static mf_node *environments_of(imp *m)
{
	mf_node *envs = mf_tb_map(&m->tb, MF_NOPOS);
	mf_node *dev = mf_tb_child(&m->tb, envs, "development", MF_NOPOS);

	mf_tb_put_str(&m->tb, dev, "profile", "development", MF_NOPOS);
	mf_tb_put_str(&m->tb, mf_tb_child(&m->tb, dev, "compose", MF_NOPOS), "project", m->project,
		      MF_NOPOS);
	/* the Compose file's services without a healthcheck keep running without one */
	if (m->no_probe)
		mf_tb_put_bool(&m->tb, mf_tb_child(&m->tb, dev, "require", MF_NOPOS), "probes",
			       false, MF_NOPOS);
	return envs;
}

/* ---- the whole import ------------------------------------------------------------------------ */

/* A description needs one service; 'x-' keys are Compose extensions, not services. */
static bool any_service(const mf_node *svcs)
{
	for (size_t i = 0; svcs && svcs->kind == MF_MAP && i < svcs->n; i++)
		if (strncmp(svcs->pairs[i].key, "x-", 2))
			return true;
	return false;
}

/* Every file read, interpolated and merged over the ones before it. */
static mf_node *read_all(imp *m)
{
	mf_node *doc = NULL;

	for (size_t i = 0; i < m->o->nfiles; i++) {
		mf_node *one = read_compose(m, m->o->files[i]);
		if (!one)
			return NULL;
		doc = doc ? merge_node(m, doc, one) : one;
	}
	if (doc && !mf_get(doc, "services")) {
		fail_at(m, doc->pos, "import-compose", "no 'services' in the Compose file%s",
			m->o->nfiles > 1 ? "s" : "");
		return NULL;
	}
	if (doc && !any_service(mf_get(doc, "services"))) {
		fail_at(m, mf_get(doc, "services")->pos, "import-compose",
			"no service under 'services' (keys beginning with 'x-' are extensions)");
		return NULL;
	}
	return doc;
}

static mf_node *shared_volumes(imp *m);

static mf_node *description(imp *m, const mf_node *doc)
{
	const mf_node *svcs = mf_get(doc, "services");
	mf_node *out = mf_tb_map(&m->tb, MF_NOPOS), *sys, *services = mf_tb_map(&m->tb, MF_NOPOS);

	m->project = project_name(m, doc);
	m->volumes = mf_get(doc, "volumes");
	name_services(m, svcs);
	name_networks(m, mf_get(doc, "networks"));
	name_secrets(m, mf_get(doc, "secrets"));
	name_configs(m, mf_get(doc, "configs"));
	for (size_t i = 0; i < svcs->n; i++)
		if (strncmp(svcs->pairs[i].key, "x-", 2))
			mf_tb_put(&m->tb, services, mf_get_str(m->names, svcs->pairs[i].key),
				  carry_service(m, &svcs->pairs[i]));
	check_top(m, doc);
	check_dotenv(m);
	tell_raw(m, doc);
	mf_tb_put_int(&m->tb, out, "manifold", 1, MF_NOPOS);
	sys = mf_tb_child(&m->tb, out, "system", MF_NOPOS);
	mf_tb_put_str(&m->tb, sys, "name",
		      m->o->name ? m->o->name : label_of(m, m->project, DESC_NAME_MAX), MF_NOPOS);
	mf_tb_put_str(&m->tb, sys, "description",
		      mf_tb_printf(&m->tb, "imported from the Compose project '%s'", m->project),
		      MF_NOPOS);
	mf_tb_put(&m->tb, out, "variables", variables_of(m));
	mf_tb_put(&m->tb, out, "secrets", secrets_of(m));
	mf_tb_put(&m->tb, out, "configs", configs_of(m));
	mf_tb_put(&m->tb, out, "volumes", shared_volumes(m));
	mf_tb_put(&m->tb, out, "networks", networks_of(m, mf_get(doc, "networks")));
	mf_tb_put(&m->tb, out, "services", services);
	mf_tb_put(&m->tb, out, "environments", environments_of(m));
	return out;
}

/* A value as a `.env` line holds it: bare when safe, else single-quoted. */
static void env_line(mf_buf *b, const char *name, const char *v)
{
	bool bare =
		strspn(v,
		       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./:@+,=") ==
		strlen(v);

	if (bare || strchr(v, '\''))
		mf_buf_printf(b, "%s=%s%s%s\n", name, bare ? "" : "\"", v, bare ? "" : "\"");
	else
		mf_buf_printf(b, "%s='%s'\n", name, v);
}

static void listing(imp *m, mf_imported *r)
{
	if (!m->secret_keys->n)
		return;
	mf_buf_puts(&r->secrets,
		    "# The literal secrets of the Compose files, moved out of the description\n"
		    "# by 'manifold import': they are the keys of secret '" SECRET "'.\n"
		    "# Copy these lines into the .env beside the generated compose.yaml,\n"
		    "# and keep this file out of version control.\n");
	for (size_t i = 0; i < m->secret_keys->n; i++) {
		const mf_pair *p = &m->secret_keys->pairs[i];
		mf_buf_printf(&r->secrets, "\n# %s\n", mf_get_str(m->secret_where, p->key));
		env_line(&r->secrets, p->key, p->val->str);
	}
}

static void header(imp *m, mf_buf *b)
{
	mf_buf_puts(b, "# A system description imported by 'manifold import' from:\n");
	for (size_t i = 0; i < m->o->nfiles; i++)
		mf_buf_printf(b, "#   %s\n", m->o->files[i]);
	mf_buf_puts(b, "# Every Compose key it could not carry was a warning at its line.\n"
		       "#   manifold check FILE      validate it and run the policy rules\n"
		       "#   manifold build FILE      write out/compose/development/ (and more)\n");
}

static int finish_import(imp *m, const mf_node *desc, mf_imported *r)
{
	if (m->tb.failed)
		return mf_error(m->c, MF_NOPOS, "internal", "out of memory");
	size_t before = m->c->ndiags;
	if (mf_validate(m->c, desc, "system") < 0)
		return refused_verbatim(m, before)
			       ? -1
			       : mf_error(m->c, MF_NOPOS, "internal",
					  "the imported description is not valid: a bug of "
					  "'manifold import'");
	header(m, &r->text);
	if (getenv("MF_DEBUG_IMPORT")) {
		for (size_t i = 0; i < desc->n; i++) {
			mf_buf b;
			mf_buf_init(&b);
			fprintf(stderr, "DBG %s -> %d\n", desc->pairs[i].key,
				mf_yaml_write(&b, desc->pairs[i].val));
		}
	}
	if (mf_yaml_write(&r->text, desc) < 0 || r->text.oom)
		return mf_error(m->c, MF_NOPOS, "internal", "cannot write the description");
	listing(m, r);
	r->keys = m->keys;
	r->carried = m->carried;
	return 0;
}

void mf_imported_init(mf_imported *r)
{
	memset(r, 0, sizeof *r);
	mf_buf_init(&r->text);
	mf_buf_init(&r->secrets);
}

void mf_imported_release(mf_imported *r)
{
	mf_buf_release(&r->text);
	mf_buf_release(&r->secrets);
}

int mf_import(mf_ctx *c, const mf_import_opts *o, mf_imported *out)
{
	imp m = {.c = c, .tb = {.a = c->a}, .o = o};
	char cwd[PATH_MAX];
	mf_node *doc, *desc;

	if (!o->nfiles)
		return mf_error(c, MF_NOPOS, "import-compose", "no Compose file to import");
	m.raw_seq = mf_tb_seq(&m.tb, MF_NOPOS);
	m.vars = mf_tb_map(&m.tb, MF_NOPOS);
	m.var_fb = mf_tb_map(&m.tb, MF_NOPOS);
	m.verbatim = mf_tb_map(&m.tb, MF_NOPOS);
	m.vol_owner = mf_tb_map(&m.tb, MF_NOPOS);
	m.vol_mounts = mf_tb_map(&m.tb, MF_NOPOS);
	m.secret_keys = mf_tb_map(&m.tb, MF_NOPOS);
	m.secret_where = mf_tb_map(&m.tb, MF_NOPOS);
	m.file_secrets = mf_tb_map(&m.tb, MF_NOPOS);
	m.configs = mf_tb_map(&m.tb, MF_NOPOS);
	m.dir = folder_of(&m, o->files[0]);
	m.out_dir = o->out_dir && getcwd(cwd, sizeof cwd) ? abs_path(&m, cwd, o->out_dir)
		    : getcwd(cwd, sizeof cwd)             ? abs_path(&m, cwd, ".")
							  : "/";
	read_dotenv(&m);
	doc = m.failed ? NULL : read_all(&m);
	if (!doc)
		return -1;
	desc = description(&m, doc);
	if (m.failed || c->nerrors)
		return -1;
	out->services = mf_get(doc, "services")->n;
	if (finish_import(&m, desc, out) < 0) {
		mf_imported_release(out);
		mf_imported_init(out);
		return -1;
	}
	return 0;
}

/* ---- volumes several services mount ------------------------------------------- */

/* Each mount of a named volume, so that one several services mount becomes a
 * declared volume (shared_volumes) rather than storage of one name each. */
static void note_mount(imp *m, const mount *mt, mf_node *st)
{
	mf_node *list = mf_tb_child_seq(&m->tb, m->vol_mounts, mt->src, mt->pos);
	mf_node *e = mf_tb_map(&m->tb, mt->pos);

	mf_tb_put(&m->tb, e, "storage", st);
	mf_tb_put_bool(&m->tb, e, "ro", mt->ro, mt->pos);
	mf_tb_push(&m->tb, list, e);
}

/* The top-level `volumes:` of the description: a Compose volume mounted more
 * than once is declared with its Docker name, and each mount names it
 * (keeping :ro, which storage of its own cannot say); NULL when none is. */
static mf_node *shared_volumes(imp *m)
{
	mf_node *out = mf_tb_map(&m->tb, MF_NOPOS), *used = mf_tb_map(&m->tb, MF_NOPOS);

	for (size_t i = 0; m->vol_mounts && i < m->vol_mounts->n; i++) {
		const mf_node *list = m->vol_mounts->pairs[i].val;
		const mf_node *first = mf_get(list->items[0], "storage");
		const char *key;
		mf_node *decl;
		if (list->n < 2 || !(decl = mf_tb_map(&m->tb, first->pos)))
			continue;
		key = unique(m, used, label_of(m, m->vol_mounts->pairs[i].key, DESC_NAME_MAX));
		mf_tb_put(&m->tb, decl, "name", mf_get(first, "name"));
		mf_tb_put(&m->tb, decl, "external", mf_get(first, "external"));
		mf_tb_put(&m->tb, out, key, decl);
		for (size_t k = 0; k < list->n; k++) {
			mf_node *st = mf_get(list->items[k], "storage");
			mf_map_del(st, "name");
			mf_map_del(st, "external");
			mf_tb_put_str(&m->tb, st, "volume", key, st->pos);
			if (mf_get_bool(list->items[k], "ro", false))
				mf_tb_put_bool(&m->tb, st, "readOnly", true, st->pos);
		}
	}
	return out && out->n ? out : NULL;
}

/* ---- networks ---------------------------------------------------------------------------- */

/* A network's description name: a DNS label, like a service's; `default`
 * stays Compose's own. */
static void name_networks(imp *m, const mf_node *nets)
{
	mf_node *used = mf_tb_map(&m->tb, MF_NOPOS);

	m->net_names = mf_tb_map(&m->tb, MF_NOPOS);
	mf_tb_put_str(&m->tb, m->net_names, "default", "default", MF_NOPOS);
	mf_tb_put_bool(&m->tb, used, "default", true, MF_NOPOS);
	for (size_t i = 0; nets && nets->kind == MF_MAP && i < nets->n; i++) {
		const mf_pair *p = &nets->pairs[i];
		const char *name = strcmp(p->key, "default")
					   ? unique(m, used, label_of(m, p->key, DESC_NAME_MAX))
					   : "default";
		mf_tb_put_str(&m->tb, m->net_names, p->key, name, p->pos);
		if (strcmp(name, p->key))
			warn_at(m, p->pos, "import-rename",
				"network '%s' is renamed '%s': a network's name is a DNS label "
				"(its Docker name stays as it was)",
				p->key, name);
	}
}

/* NULL for a network the Compose file does not declare (Compose refuses it). */
static const char *net_name(imp *m, const char *compose)
{
	return mf_get_str(m->net_names, compose);
}

/* A service's network by its Compose name: undeclared is the file's error. */
static const char *joined_net(imp *m, const char *compose, mf_pos pos)
{
	const char *n = net_name(m, compose);

	if (!n)
		fail_at(m, pos, "import-compose", "network '%s' is not declared under 'networks'",
			compose);
	return n;
}

/* aliases: those that are DNS labels (a description's names are) */
static mf_node *aliases_in(imp *m, const mf_node *v, mf_pos pos)
{
	mf_node *out = mf_tb_map(&m->tb, pos), *seq = NULL;

	for (size_t i = 0; v && v->kind == MF_MAP && i < v->n; i++) {
		const mf_pair *q = &v->pairs[i];
		if (strcmp(q->key, "aliases") || q->val->kind != MF_SEQ) {
			not_carried(m, q->pos, mf_tb_printf(&m->tb, "networks.*.%s", q->key),
				    "a description says a service's aliases on a network only");
			continue;
		}
		for (size_t k = 0; k < q->val->n; k++) {
			const char *a = text_of(q->val->items[k]);
			if (!a || strcmp(label_of(m, a, DESC_NAME_MAX), a))
				not_carried(
					m, q->val->items[k]->pos,
					mf_tb_printf(&m->tb, "aliases: %s", a ? a : "~"),
					"an alias is a DNS label of at most 40 characters in a description");
			else if (seq || (seq = mf_tb_child_seq(&m->tb, out, "aliases", q->pos)))
				mf_tb_push(&m->tb, seq,
					   mf_tb_str(&m->tb, a, q->val->items[k]->pos));
		}
	}
	return out;
}

/* services.*.networks: a list stays a list; a map keeps the aliases ({}
 * where none: a null would delete the key when files merge). */
static mf_node *service_networks(imp *m, const mf_node *n)
{
	mf_node *out;

	if (n->kind == MF_SEQ) {
		out = mf_tb_seq(&m->tb, n->pos);
		for (size_t i = 0; i < n->n; i++) {
			const char *v = text_of(n->items[i]);
			if ((v = v ? joined_net(m, v, n->items[i]->pos) : NULL))
				mf_tb_push(&m->tb, out, mf_tb_str(&m->tb, v, n->items[i]->pos));
		}
		return out;
	}
	out = mf_tb_map(&m->tb, n->pos);
	for (size_t i = 0; n->kind == MF_MAP && i < n->n; i++) {
		const char *v = joined_net(m, n->pairs[i].key, n->pairs[i].pos);
		if (v)
			mf_tb_put(&m->tb, out, v, aliases_in(m, n->pairs[i].val, n->pairs[i].pos));
	}
	return out;
}

/* One top-level network: internal, external and name; Docker's bridge
 * driver goes without saying; its other settings are warnings at their
 * lines.  A renamed network keeps its Docker name. */
static mf_node *network_of(imp *m, const mf_pair *p, const char *name)
{
	mf_node *out = mf_tb_map(&m->tb, p->pos);
	bool b;

	for (size_t i = 0; p->val && p->val->kind == MF_MAP && i < p->val->n; i++) {
		const mf_pair *q = &p->val->pairs[i];
		if ((!strcmp(q->key, "internal") || !strcmp(q->key, "external")) &&
		    truthy_text(q->val, &b)) {
			if (b)
				mf_tb_put_bool(&m->tb, out, q->key, true, q->val->pos);
		} else if (!strcmp(q->key, "name") && text_of(q->val))
			mf_tb_put_str(&m->tb, out, "name", text_of(q->val), q->val->pos);
		else if (!strcmp(q->key, "driver") && mf_streq(text_of(q->val), "bridge"))
			continue;
		else
			not_carried(m, q->pos, mf_tb_printf(&m->tb, "networks.%s", q->key),
				    "a description's network is Docker's bridge with its defaults");
	}
	if (strcmp(name, p->key) && !mf_get(out, "name"))
		mf_tb_put_str(&m->tb, out, "name",
			      mf_get(out, "external")
				      ? p->key
				      : mf_tb_printf(&m->tb, "%s_%s", m->project, p->key),
			      p->pos);
	return out;
}

/* The top-level `networks`; `default` is Compose's own and not declared. */
static mf_node *networks_of(imp *m, const mf_node *nets)
{
	mf_node *out = mf_tb_map(&m->tb, MF_NOPOS);

	for (size_t i = 0; nets && nets->kind == MF_MAP && i < nets->n; i++) {
		const mf_pair *p = &nets->pairs[i];
		if (!strcmp(p->key, "default")) {
			for (size_t k = 0; p->val && p->val->kind == MF_MAP && k < p->val->n; k++)
				not_carried(m, p->val->pairs[k].pos,
					    mf_tb_printf(&m->tb, "networks.default.%s",
							 p->val->pairs[k].key),
					    "a description's 'default' network is Compose's own");
			continue;
		}
		mf_tb_put(&m->tb, out, net_name(m, p->key), network_of(m, p, net_name(m, p->key)));
	}
	return out->n ? out : NULL;
}

/* ---- variables: Compose's references carried as the description's ------------------------ */

/* Where a description reads `${NAME}` (docs/language.md#variables); anywhere
 * else a reference is replaced by its value, with a warning at its line. */
#define REF_FIELDS "image, env, command, args and ports"

/* A Compose string with a reference, kept by position for carry_refs. */
static void note_raw(imp *m, const mf_node *n)
{
	const char *s = n->str;
	bool ref = false;

	for (size_t i = 0; s[i] && !ref; i++) {
		if (s[i] == '$' && s[i + 1] == '$')
			i++;
		else if (s[i] == '$')
			ref = s[i + 1] == '{' || s[i + 1] == '_' ||
			      isalpha((unsigned char)s[i + 1]);
	}
	if (!ref || mf_hash_get_str(&m->raw, pos_key(m, n->pos)))
		return;
	mf_tb_hash_put(&m->tb, &m->raw, pos_key(m, n->pos), (void *)n);
	mf_tb_push(&m->tb, m->raw_seq, (mf_node *)n);
}

/* Description nodes that hold references: escape_ref leaves them as they are. */
static void mark_restored(imp *m, const mf_node *n)
{
	mf_tb_hash_put(&m->tb, &m->restored, mf_tb_printf(&m->tb, "%p", (const void *)n),
		       (void *)n);
}

static bool restored(imp *m, const mf_node *n)
{
	return mf_hash_get_str(&m->restored, mf_tb_printf(&m->tb, "%p", (const void *)n));
}

static void raw_said(imp *m, mf_pos pos, const char *why)
{
	mf_tb_hash_put(&m->tb, &m->raw_done, pos_key(m, pos), (void *)why);
}

/* Whether every reference to a variable .env does not set has one fallback
 * (then it is the variable's default); NULL: .env sets it. */
static void same_fallback(imp *m, const char *name, const char *fb)
{
	const mf_node *had = mf_get(m->var_fb, name);

	if (!fb)
		return;
	if (!mf_get_pair(m->var_fb, name))
		mf_tb_put_str(&m->tb, m->var_fb, name, fb, MF_NOPOS);
	else if (had && had->kind == MF_STR && strcmp(had->str, fb))
		mf_tb_put(&m->tb, m->var_fb, name, mf_tb_null(&m->tb, MF_NOPOS));
}

/* One parsed reference in the description's form, into b; why on a form it
 * cannot hold.  The variable is declared with its .env value, if any. */
static bool ref_one(imp *m, mf_buf *b, const expr *e, const char **why)
{
	const mf_node *v = mf_get(m->env, e->name);
	bool full = v && v->len > 0, fb = !strcmp(e->op, ":-") || !strcmp(e->op, "-");

	if (e->op[0] == '+' || !strcmp(e->op, ":+"))
		*why = "a description has no '${NAME:+value}'";
	else if (fb && strpbrk(e->arg, "$}"))
		*why = "a description's fallback holds no reference";
	else if (!strcmp(e->op, "-") && v && !full)
		*why = "it is set and empty in .env, which '${NAME-x}' keeps and ':-' does not";
	else if (mf_secret_name(e->name) || (full && mf_secret_value(e->name, v->str)))
		*why = "it looks like a secret, and variables are written in plain text";
	else
		*why = NULL;
	if (*why)
		return false;
	mf_buf_printf(b, "${%s%s%s}", e->name, fb || !full ? ":-" : "", fb ? e->arg : "");
	same_fallback(m, e->name, full ? NULL : fb ? e->arg : "");
	if (!mf_get(m->vars, e->name))
		mf_tb_put(&m->tb, m->vars, e->name,
			  full ? mf_tb_str(&m->tb, v->str, v->pos) : mf_tb_null(&m->tb, MF_NOPOS));
	return true;
}

/* A Compose string as a description's interpolated field holds it: `$$`
 * before '{' stays `$${`, else is '$'; `$NAME` is `${NAME}`; `${NAME?err}`
 * is `${NAME}` (.env sets it, or the import failed).  NULL and *why when
 * some reference cannot be said there. */
static const char *ref_text(imp *m, const char *s, const char **why)
{
	mf_buf b;
	const char *out = NULL;
	bool ok = true;

	mf_buf_init(&b);
	for (size_t i = 0; s[i] && ok; i++) {
		expr e = {.op = "", .arg = ""};
		size_t end = 0, n = 0;
		if (s[i] == '$' && s[i + 1] == '$') {
			mf_buf_puts(&b, s[i + 2] == '{' ? "$$" : "$");
			i++;
			continue;
		}
		if (s[i] == '$' && s[i + 1] == '{' && (end = brace_end(s + i)) > 0)
			ok = parse_expr(m, s + i + 2, end - 2, &e) && ref_one(m, &b, &e, why);
		else if (s[i] == '$' && (s[i + 1] == '_' || isalpha((unsigned char)s[i + 1]))) {
			n = strspn(s + i + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					      "0123456789_");
			e.name = mf_tb_strn(&m->tb, s + i + 1, n, MF_NOPOS)->str;
			ok = ref_one(m, &b, &e, why);
		} else
			mf_buf_add(&b, s + i, 1);
		i += end ? end : n;
	}
	if (ok && !b.oom)
		out = mf_tb_str(&m->tb, b.data ? b.data : "", MF_NOPOS)->str;
	mf_buf_release(&b);
	return out;
}

/* A carried string back to the references it was written with, when it
 * holds the value they give (strip: the "NAME=" of a list-form entry). */
static bool restore_ref(imp *m, mf_node *n, const char *strip)
{
	const mf_node *raw =
		n && n->kind == MF_STR ? mf_hash_get_str(&m->raw, pos_key(m, n->pos)) : NULL;
	const char *s = raw ? raw->str : NULL, *t, *why = REF_FIELDS " only";
	size_t k = strip ? strlen(strip) : 0;

	if (!s)
		return false;
	if (k && !strncmp(s, strip, k) && s[k] == '=')
		s += k + 1;
	if (!mf_streq(interpolate(m, s, n->pos), n->str))
		return false; /* the value was changed on the way: it stays a value */
	if (!(t = ref_text(m, s, &why))) {
		raw_said(m, n->pos, why);
		return false;
	}
	n->str = t;
	n->len = strlen(t);
	mark_restored(m, n);
	raw_said(m, n->pos, "");
	return true;
}

static void restore_command(imp *m, mf_node *cmd)
{
	for (size_t i = 0; cmd && cmd->kind == MF_SEQ && i < cmd->n; i++)
		restore_ref(m, cmd->items[i], NULL);
	if (cmd && cmd->kind == MF_STR)
		restore_ref(m, cmd, NULL);
}

/* The fields of a carried service a description interpolates. */
static void carry_refs(imp *m, svc *s)
{
	mf_node *env = mf_get(s->out, "env");

	restore_ref(m, mf_get(s->out, "image"), NULL);
	for (size_t i = 0; env && env->kind == MF_MAP && i < env->n; i++) {
		const mf_pair *p = &env->pairs[i];
		if (p->val->kind == MF_MAP) /* a secret stays a secret reference */
			raw_said(m, p->val->pos, "");
		else
			restore_ref(m, p->val, p->key);
	}
	restore_command(m, mf_get(s->out, "command"));
	restore_command(m, mf_get(s->out, "args"));
}

/* `environment: [NAME]` that .env sets: the variable itself, `${NAME}`. */
static void env_passed(imp *m, svc *s, const char *name, mf_pos pos)
{
	mf_node *v = mf_get(mf_get(s->out, "env"), name);
	const char *why = NULL, *t;

	if (!v || v->kind != MF_STR)
		return; /* a secret reference, or a name a description cannot hold */
	if (!(t = ref_text(m, mf_tb_printf(&m->tb, "${%s}", name), &why))) {
		warn_at(m, pos, "import-variable",
			"'%s' is passed through from .env: the description holds its value, as %s",
			name, why);
		return;
	}
	v->str = t;
	v->len = strlen(t);
	mark_restored(m, v);
}

/* The parts of a port as written: "[IP:][HOST:]PORT" or the long form's. */
static void raw_port(imp *m, const mf_node *n, port *pt)
{
	const mf_node *raw = mf_hash_get_str(&m->raw, pos_key(m, n->pos)), *h, *t;
	port rp = {0};

	if (n->kind == MF_MAP) {
		h = mf_get(n, "published");
		t = mf_get(n, "target");
		raw = h ? mf_hash_get_str(&m->raw, pos_key(m, h->pos)) : NULL;
		pt->rhost = raw ? raw->str : NULL;
		raw = t ? mf_hash_get_str(&m->raw, pos_key(m, t->pos)) : NULL;
		pt->rtarget = raw ? raw->str : NULL;
		return;
	}
	if (raw && short_port(m, raw, &rp)) {
		if (rp.ip && strchr(rp.ip, '$'))
			raw_said(m, n->pos, "a description's host IP holds no reference");
		pt->rip = rp.ip;
		pt->rhost = rp.host;
		pt->rtarget = rp.target;
	}
}

/* One part of a port with references, as the description's string. */
static bool port_ref(imp *m, mf_node *spec, const char *key, const char *raw, const char *val,
		     mf_pos pos, const char **why)
{
	const char *t;

	if (!raw || !strchr(raw, '$'))
		return true;
	if (!mf_streq(interpolate(m, raw, pos), val) || !(t = ref_text(m, raw, why)))
		return false;
	mf_tb_put_str(&m->tb, spec, key, t, pos);
	mark_restored(m, mf_get(spec, key));
	return true;
}

static void port_refs(imp *m, const port *pt, mf_node *spec)
{
	const char *why = REF_FIELDS " (a port's number and host port) only";
	bool ok = !(pt->rip && strchr(pt->rip, '$'));

	if (!pt->rhost && !pt->rtarget)
		return;
	ok = ok && port_ref(m, spec, "host", pt->rhost, pt->host, pt->pos, &why);
	ok = ok && port_ref(m, spec, "port", pt->rtarget, pt->target, pt->pos, &why);
	raw_said(m, pt->pos, ok ? "" : why);
}

/* The positions of the merged project's strings: a reference a later -f
 * file overrides is in no Compose output either, and is not reported. */
static void alive(imp *m, mf_hash *h, const mf_node *n)
{
	if (n && n->kind == MF_STR)
		mf_tb_hash_put(&m->tb, h, pos_key(m, n->pos), (void *)n);
	for (size_t i = 0; n && n->kind == MF_SEQ && i < n->n; i++)
		alive(m, h, n->items[i]);
	for (size_t i = 0; n && n->kind == MF_MAP && i < n->n; i++)
		if (strncmp(n->pairs[i].key, "x-", 2))
			alive(m, h, n->pairs[i].val);
}

/* What is not carried as a reference, at its Compose line. */
static void tell_raw(imp *m, const mf_node *doc)
{
	mf_hash live = {0};

	alive(m, &live, doc);
	for (size_t i = 0; i < m->raw_seq->n; i++) {
		const mf_node *n = m->raw_seq->items[i];
		const char *why = mf_hash_get_str(&m->raw_done, pos_key(m, n->pos));
		if ((why && !*why) || !mf_hash_get_str(&live, pos_key(m, n->pos)))
			continue;
		warn_at(m, n->pos, "import-variable", "'%s' is written with its value: %s", n->str,
			why ? why : "a description reads variables in " REF_FIELDS " only");
	}
}

/* The top-level `variables:`: each one's .env value, or none (then every
 * reference has its fallback). */
static mf_node *variables_of(imp *m)
{
	mf_node *out = mf_tb_map(&m->tb, MF_NOPOS);

	for (size_t i = 0; i < m->vars->n; i++) {
		const mf_pair *p = &m->vars->pairs[i];
		const char *fb = mf_get_str(m->var_fb, p->key);
		mf_node *d = mf_tb_map(&m->tb, p->val->pos);
		if (p->val->kind == MF_STR) {
			mf_tb_put_str(&m->tb, d, "default", p->val->str, p->val->pos);
			mf_tb_put_str(&m->tb, d, "description", "from .env", MF_NOPOS);
		} else if (fb) {
			mf_tb_put_str(&m->tb, d, "default", fb, MF_NOPOS);
			mf_tb_put_str(&m->tb, d, "description",
				      "not set in .env: the fallback of its references", MF_NOPOS);
		} else {
			mf_tb_put_str(&m->tb, d, "description",
				      "not set in .env: each reference has its fallback", MF_NOPOS);
		}
		mf_tb_put(&m->tb, out, p->key, d);
	}
	return out->n ? out : NULL;
}
