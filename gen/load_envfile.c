/* load: services' env files (envFile) read and parsed, each line positioned */
#include <string.h>
#include <sys/stat.h>
#include "load.h"

/* An env file is what Compose's env_file reads: KEY=VALUE lines, '#'
 * comments and blank lines, an optional 'export ', a value in single
 * quotes (literal) or double quotes (\n, \", \\), or bare (a ' #' starts
 * a comment).  Kubernetes gets its lines in a ConfigMap (render_k8s.c). */

static mf_pos line_pos(uint32_t file, uint32_t line, uint32_t col)
{
	return (mf_pos){file, line, col};
}

/* The value after '=': v[0, n) as written, unquoted. */
static char *unquote(mf_ctx *c, const char *v, size_t n)
{
	char *out, *q;

	const char *close;

	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	if (n && (*v == '\'' || *v == '"')) {
		/* up to the closing quote (an escaped one inside double quotes skipped) */
		for (close = v + 1; close < v + n && *close != *v; close++)
			close += *v == '"' && *close == '\\' && close + 1 < v + n;
		if (close < v + n)
			n = (size_t)(close - v) + 1;
	}
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
		n--;
	if (n >= 2 && v[0] == '\'' && v[n - 1] == '\'')
		return mf_strndup(c->a, v + 1, n - 2);
	if (!(n >= 2 && v[0] == '"' && v[n - 1] == '"')) {
		for (size_t k = 1; k < n; k++)
			if (v[k] == '#' && (v[k - 1] == ' ' || v[k - 1] == '\t'))
				n = k;
		while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		return mf_strndup(c->a, v, n);
	}
	if (!(out = mf_alloc(c->a, n)))
		return NULL;
	q = out;
	for (size_t k = 1; k + 1 < n; k++) {
		if (v[k] == '\\' && k + 2 < n && strchr("n\"\\", v[k + 1]))
			k++, *q++ = v[k] == 'n' ? '\n' : v[k];
		else
			*q++ = v[k];
	}
	*q = 0;
	return out;
}

/* One line; 0 (blank, comment, or added), -1 after an error. */
static int parse_line(mf_ctx *c, mf_node *data, const char *s, size_t n, mf_pos pos,
		      const char *shown)
{
	size_t k = 0, key, eq;
	char *name, *value;
	mf_node *v;

	while (k < n && (s[k] == ' ' || s[k] == '\t'))
		k++;
	if (k == n || s[k] == '#' || s[k] == '\r')
		return 0;
	if (n - k > 7 && !strncmp(s + k, "export ", 7))
		k += 7;
	key = k;
	for (eq = k; eq < n && s[eq] != '='; eq++)
		;
	pos.col = (uint32_t)key + 1;
	if (eq == n || eq == key)
		return mf_error(c, pos, "env-file-syntax",
				"a line of env file '%s' is 'NAME=VALUE' (or a '#' comment)",
				shown);
	if (!(name = mf_strndup(c->a, s + key, eq - key)) ||
	    !(value = unquote(c, s + eq + 1, n - eq - 1)) || !(v = mf_new_str(c->a, value, pos)))
		return mf_error(c, pos, "internal", "out of memory");
	/* a secret-looking value: the secret-literal rule reports the ConfigMap
	 * key at this line */
	return mf_map_set(c->a, data, name, v) < 0 ? mf_error(c, pos, "internal", "out of memory")
						   : 0;
}

static int parse(mf_ctx *c, mf_node *entry, uint32_t file, const char *shown, mf_pos at)
{
	const mf_source *src = mf_source_get(c, file);
	mf_node *data = mf_new_map(c->a, at);
	int rc = 0;
	uint32_t line = 1;

	if (!src || !data || mf_map_set(c->a, entry, "data", data) < 0)
		return mf_error(c, at, "internal", "out of memory");
	for (size_t i = 0; i < src->len; line++) {
		const char *s = src->text + i, *nl = memchr(s, '\n', src->len - i);
		size_t n = nl ? (size_t)(nl - s) : src->len - i;
		if (parse_line(c, data, s, n, line_pos(file, line, 1), shown) < 0)
			rc = -1;
		i += n + 1;
	}
	return rc;
}

/* One entry: a path, or {path, required}; made a map so it can hold data. */
static int env_file(mf_ctx *c, mf_node **slot)
{
	mf_node *e = *slot, *path = e->kind == MF_MAP ? mf_get(e, "path") : e;
	bool required = e->kind != MF_MAP || mf_get_bool(e, "required", true);
	const char *shown;
	struct stat st;
	uint32_t file;

	if (!path || !mf_str(path))
		return 0;
	if (e->kind != MF_MAP) {
		if (!(e = mf_new_map(c->a, path->pos)) || mf_map_set(c->a, e, "path", path) < 0)
			return mf_error(c, path->pos, "internal", "out of memory");
		*slot = e;
	}
	shown = mf_load_relative(c, path->pos.file, mf_str(path));
	if (shown && stat(shown, &st) != 0 && path[0].str[0] != '/') {
		if (required)
			return mf_error(c, path->pos, "env-file-missing",
					"env file '%s' does not exist (with 'required: false' a "
					"missing one is skipped)",
					shown);
		mf_warning(c, path->pos, "env-file-optional",
			   "env file '%s' does not exist: Compose skips it, and Kubernetes gets no "
			   "ConfigMap for it",
			   shown);
		return 0;
	}
	file = mf_read_named_file(c, mf_str(path), path->pos, NULL);
	return file ? parse(c, e, file, shown ? shown : mf_str(path), path->pos) : -1;
}

static int fields(mf_ctx *c, mf_node *f)
{
	mf_node *list = mf_get(f, "envFile");
	int rc = 0;

	for (size_t i = 0; list && list->kind == MF_SEQ && i < list->n; i++)
		if (list->items[i] && env_file(c, &list->items[i]) < 0)
			rc = -1;
	return rc;
}

static int map_of_fields(mf_ctx *c, mf_node *map)
{
	int rc = 0;

	for (size_t i = 0; map && map->kind == MF_MAP && i < map->n; i++)
		if (fields(c, map->pairs[i].val) < 0)
			rc = -1;
	return rc;
}

int mf_load_env_files(mf_ctx *c, mf_node *doc)
{
	mf_node *envs = mf_get(doc, "environments"), *tenants = mf_get(doc, "tenants");
	int rc = fields(c, mf_get(doc, "defaults")) | map_of_fields(c, mf_get(doc, "templates")) |
		 map_of_fields(c, mf_get(doc, "services"));

	for (size_t i = 0; envs && envs->kind == MF_MAP && i < envs->n; i++)
		rc |= fields(c, mf_get(envs->pairs[i].val, "defaults")) |
		      map_of_fields(c, mf_get(envs->pairs[i].val, "services"));
	for (size_t i = 0; tenants && tenants->kind == MF_MAP && i < tenants->n; i++)
		rc |= map_of_fields(c, mf_get(tenants->pairs[i].val, "services"));
	return rc < 0 ? -1 : 0;
}
