/* load: reading files, includes, profiles and schema validation with positions */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "embedded.h"
#include "jsonschema.h"
#include "load.h"

/* ---- reading ------------------------------------------------------------- */

/* Length of the UTF-8 sequence at s (0 when invalid), per RFC 3629:
 * no overlongs, no surrogates, nothing above U+10FFFF. */
size_t mf_utf8_len(const unsigned char *s, size_t left)
{
	size_t n = s[0] < 0x80                    ? 1
		   : s[0] >= 0xC2 && s[0] <= 0xDF ? 2
		   : (s[0] & 0xF0) == 0xE0        ? 3
		   : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4
						  : 0;

	if (!n || n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if (n == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0)))
		return 0;
	if (n == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90)))
		return 0;
	return n;
}

/* Whether s[0..len) holds no NUL and only valid UTF-8: one tight pass over
 * the ASCII most inputs are, without the positions only an error needs. */
bool mf_text_clean(const unsigned char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if (s[i] && s[i] < 0x80)
			i++;
		else if (!s[i] || !(n = mf_utf8_len(s + i, len - i)))
			return false;
		else
			i += n;
	}
	return true;
}

/* Checked before parsing so the error carries our position, whatever the
 * parser would do with the bytes. */
static int check_text(mf_ctx *c, uint32_t file, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	mf_pos pos = {file, 1, 1};
	size_t i = 0, n;

	if (mf_text_clean(s, len))
		return 0;
	while (i < len) {
		if (s[i] == 0)
			return mf_error(c, pos, "input-nul", "the file holds a NUL byte");
		n = mf_utf8_len(s + i, len - i);
		if (!n)
			return mf_error(c, pos, "input-utf8", "invalid UTF-8 (byte 0x%02x)", s[i]);
		if (s[i] == '\n') {
			pos.line++;
			pos.col = 0;
		}
		pos.col++;
		i += n;
	}
	return 0;
}

static char *slurp(FILE *fp, size_t *len, bool *toolarge, size_t max)
{
	size_t cap = 8192, n = 0, got;
	char *buf = malloc(cap + 1), *grown;

	while (buf && (got = fread(buf + n, 1, cap - n, fp)) > 0) {
		n += got;
		if (n > max) {
			*toolarge = true;
			break;
		}
		if (n == cap && !(grown = realloc(buf, 2 * cap + 1))) {
			free(buf);
			return NULL;
		}
		if (n == cap) {
			buf = grown;
			cap *= 2;
		}
	}
	if (buf && ferror(fp)) {
		free(buf);
		return NULL;
	}
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}

/* What a file that is not a regular one is, for the message. */
static const char *file_kind(mode_t mode)
{
	static const struct {
		mode_t type;
		const char *what;
	} kinds[] = {
		{S_IFDIR, "a folder"},           {S_IFIFO, "a FIFO"},
		{S_IFCHR, "a character device"}, {S_IFBLK, "a block device"},
		{S_IFSOCK, "a socket"},
	};

	for (size_t i = 0; i < MF_NELEM(kinds); i++)
		if ((mode & S_IFMT) == kinds[i].type)
			return kinds[i].what;
	return "not a regular file";
}

/* Open path for reading.  With `regular`, anything but a regular file is
 * refused before a byte is read: it is opened with O_NONBLOCK (so a FIFO
 * nobody writes to cannot hang the build) and looked at with fstat. */
static FILE *open_input(mf_ctx *c, const char *path, const char *shown, mf_pos from, bool regular)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | (regular ? O_NONBLOCK : 0)), err;
	struct stat st;
	FILE *fp = NULL;

	if (fd < 0 || fstat(fd, &st) < 0) {
		err = errno;
		mf_error(c, from, "input-io", "cannot read '%s': %s", shown, strerror(err));
	} else if (S_ISDIR(st.st_mode) || (regular && !S_ISREG(st.st_mode))) {
		mf_error(c, from, "input-type", "'%s' is %s, not a regular file", shown,
			 file_kind(st.st_mode));
	} else if ((regular && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) ||
		   !(fp = fdopen(fd, "rb"))) {
		err = errno;
		mf_error(c, from, "input-io", "cannot read '%s': %s", shown, strerror(err));
	}
	if (!fp && fd >= 0)
		close(fd);
	return fp;
}

/* Read an open file of at most max bytes to its end and register it as `shown`. */
static uint32_t read_open_max(mf_ctx *c, FILE *fp, const char *shown, mf_pos from, size_t max)
{
	bool toolarge = false;
	size_t len = 0;
	char *text = slurp(fp, &len, &toolarge, max);
	uint32_t file;

	if (fp != stdin)
		fclose(fp);
	if (!text) {
		mf_error(c, from, "input-io", "cannot read '%s'", shown);
		return 0;
	}
	if (toolarge) {
		free(text);
		mf_error(c, from, "input-limit", "'%s' is larger than %zu bytes", shown, max);
		return 0;
	}
	file = mf_source_add(c, shown, text, len);
	free(text);
	if (file && check_text(c, file, mf_source_get(c, file)->text, len) < 0)
		return 0;
	return file;
}

static uint32_t read_open(mf_ctx *c, FILE *fp, const char *shown, mf_pos from)
{
	return read_open_max(c, fp, shown, from, MF_MAX_FILE_BYTES);
}

uint32_t mf_read_source(mf_ctx *c, const char *path, mf_pos from)
{
	bool stdin_ = !strcmp(path, "-");
	FILE *fp = stdin_ ? stdin : open_input(c, path, path, from, false);

	return fp ? read_open(c, fp, stdin_ ? "<stdin>" : path, from) : 0;
}

/* ---- embedded files and schemas ---------------------------------------- */

const char *mf_schema_text(const char *schema, size_t *len)
{
	char path[64];

	if (snprintf(path, sizeof path, "schemas/%s.schema.json", schema) >= (int)sizeof path)
		return NULL;
	return mf_embedded_find(path, len);
}

static json_t *schema_json(const char *name)
{
	size_t len;
	const char *text = mf_schema_text(name, &len);

	return text ? json_loadb(text, len, 0, NULL) : NULL;
}

/* Profile and policy schemas point into system.schema.json (so editors
 * follow them); our engine resolves one document, so graft the system
 * definitions in and make those references local. */
static void localise_refs(json_t *j)
{
	static const char prefix[] = "system.schema.json#";
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_array(j)) {
		json_array_foreach(j, i, v) localise_refs(v);
		return;
	}
	json_object_foreach(j, key, v)
	{
		if (!strcmp(key, "$ref") && json_is_string(v) &&
		    !strncmp(json_string_value(v), prefix, sizeof prefix - 1))
			json_string_set(v, json_string_value(v) + sizeof prefix - 2);
		else
			localise_refs(v);
	}
}

static json_t *schema_document(const char *name)
{
	json_t *doc = schema_json(name), *sys, *defs;

	if (!doc || !strcmp(name, "system"))
		return doc;
	sys = schema_json("system");
	defs = json_object_get(doc, "definitions");
	if (!defs) {
		defs = json_object();
		json_object_set_new(doc, "definitions", defs);
	}
	if (sys)
		json_object_update_missing(defs, json_object_get(sys, "definitions"));
	json_decref(sys);
	localise_refs(doc);
	return doc;
}

/* ---- node tree to JSON --------------------------------------------------- */

static json_t *to_json(const mf_node *n, unsigned depth)
{
	json_t *j;

	if (!n || depth > MF_MAX_DEPTH + 2)
		return json_null();
	switch (n->kind) {
	case MF_BOOL:
		return json_boolean(n->v.b);
	case MF_INT:
		return json_integer(n->v.i);
	case MF_FLOAT:
		/* JSON has no NaN or infinity: the schema sees the text (".inf") */
		return isfinite(n->v.f) ? json_real(n->v.f) : json_stringn(n->str, n->len);
	case MF_STR:
		return json_stringn(n->str, n->len);
	case MF_SEQ:
		j = json_array();
		for (size_t i = 0; j && i < n->n; i++)
			json_array_append_new(j, to_json(n->items[i], depth + 1));
		return j;
	case MF_MAP:
		j = json_object();
		for (size_t i = 0; j && i < n->n; i++)
			json_object_set_new(j, n->pairs[i].key,
					    to_json(n->pairs[i].val, depth + 1));
		return j;
	default:
		return json_null();
	}
}

/* ---- schema errors back to positions ------------------------------------ */

typedef struct vctx {
	mf_ctx *c;
	const mf_node *doc;
} vctx;

/* Decode one JSON-pointer segment (~1 is '/', ~0 is '~') into buf. */
static const char *segment(const char *p, char *buf, size_t cap, const char **next)
{
	size_t n = 0;

	while (*p && *p != '/' && n + 1 < cap) {
		if (p[0] == '~' && (p[1] == '0' || p[1] == '1')) {
			buf[n++] = p[1] == '0' ? '~' : '/';
			p += 2;
		} else {
			buf[n++] = *p++;
		}
	}
	buf[n] = '\0';
	*next = p;
	return buf;
}

/* Walk the pointer: the node it names, and the position of the key that
 * led there (errors about a whole mapping read best at its key). */
static const mf_node *walk(const mf_node *n, const char *ptr, mf_pos *keypos, const char **lastkey)
{
	char buf[512];
	const char *next;

	while (n && *ptr == '/') {
		const char *seg = segment(ptr + 1, buf, sizeof buf, &next);
		const mf_pair *pr;

		ptr = next;
		if (n->kind == MF_SEQ) {
			size_t i = (size_t)strtoul(seg, NULL, 10);
			n = i < n->n ? n->items[i] : NULL;
			/* an item is placed where it starts, not at its list's key */
			if (n && n->pos.file)
				*keypos = n->pos;
			continue;
		}
		pr = mf_get_pair(n, seg);
		if (!pr)
			return NULL;
		*keypos = pr->pos;
		*lastkey = pr->key;
		n = pr->val;
	}
	return n;
}

static size_t property_names(const json_t *schema, const char **names, size_t cap)
{
	const json_t *props = json_object_get(schema, "properties");
	const char *key;
	json_t *v;
	size_t n = 0;

	json_object_foreach((json_t *)props, key, v)
	{
		if (n < cap && key[0] != '$')
			names[n++] = key;
	}
	return n;
}

/* Whether a schema error at this pointer is about what may be a secret's
 * value: anything under secrets.NAME but the fields that name and describe. */
static bool secret_value_at(const char *pointer)
{
	static const char *const named[] = {"keys", "type", "external", "compose", "description"};
	const char *field = !strncmp(pointer, "/secrets/", 9) ? strchr(pointer + 9, '/') : NULL;
	size_t fl;

	if (!field)
		return !strncmp(pointer, "/secrets/", 9);
	fl = strcspn(++field, "/");
	for (size_t i = 0; i < MF_NELEM(named); i++)
		if (strlen(named[i]) == fl && !strncmp(field, named[i], fl))
			return false;
	return true;
}

static void suggest_value(mf_ctx *c, mf_diag *d, const mf_node *n, const json_t *schema);

static void on_schema_error(void *user, const mf_schema_error *e)
{
	vctx *v = user;
	mf_pos keypos = v->doc->pos;
	const char *lastkey = NULL;
	const mf_node *n = walk(v->doc, e->pointer, &keypos, &lastkey);
	bool unknown = !strcmp(e->keyword, "additionalProperties") && e->property;
	bool at_key =
		unknown || !strcmp(e->keyword, "propertyNames") || !strcmp(e->keyword, "required");
	mf_pos pos = at_key || !n                             ? keypos
		     : n->kind == MF_MAP || n->kind == MF_SEQ ? keypos
							      : n->pos;
	mf_diag *d;
	const char *names[128];

	if (pos.file == 0)
		pos = v->doc->pos;
	d = mf_diag_add(v->c, MF_SEV_ERROR, pos, "schema", "%s", e->message);
	/* a value refused under secrets (the description holds names and keys
	 * only) may be the secret itself: the excerpt does not show it */
	if (d && secret_value_at(e->pointer) && n) {
		d->mask_token = pos.line == n->pos.line && pos.col == n->pos.col;
		d->mask_rest = true;
	}
	if (d && !strcmp(e->keyword, "enum"))
		suggest_value(v->c, d, n, e->schema);
	if (!d || !unknown)
		return;
	mf_diag_suggest(v->c, d, e->property, names, property_names(e->schema, names, 128));
}

int mf_validate(mf_ctx *c, const mf_node *doc, const char *schema)
{
	char err[256];
	json_t *sj = schema_document(schema), *inst;
	mf_schema *s;
	vctx v = {c, doc};
	size_t nerr;

	if (!sj)
		return mf_error(c, MF_NOPOS, "internal", "schema '%s' is not built in", schema);
	s = mf_schema_new(sj, err, sizeof err);
	json_decref(sj);
	if (!s)
		return mf_error(c, MF_NOPOS, "internal", "schema '%s': %s", schema, err);
	/* YAML says 8080.0 is a float: every later stage reads integers typed */
	mf_schema_strict_integers(s, true);
	inst = to_json(doc, 0);
	nerr = inst ? mf_schema_validate(s, inst, on_schema_error, &v) : 1;
	json_decref(inst);
	mf_schema_free(s);
	return nerr ? -1 : 0;
}

/* ---- includes ----------------------------------------------------------- */

/* Sections an included file may add to; anything else in it is an error. */
static const char *const include_sections[] = {
	"templates", "services", "secrets", "configs", "machines", "tenants", "environments",
};
#define NSECTIONS MF_NELEM(include_sections)

/* A path as seen from the folder of the file that names it; leading "./"
 * are dropped so that diagnostics show "dir/x.yaml", not "./dir/./x.yaml". */
static char *relative_to(mf_ctx *c, uint32_t file, const char *path)
{
	const mf_source *src = mf_source_get(c, file);
	const char *dir = src ? src->path : "", *slash = strrchr(dir, '/');
	size_t dl = slash ? (size_t)(slash - dir) : 0;

	while (path[0] == '.' && path[1] == '/' && path[2])
		path += 2;
	while (dl >= 2 && !strncmp(dir, "./", 2))
		dir += 2, dl -= 2;
	if (path[0] == '/' || !slash || (dl == 1 && dir[0] == '.'))
		return mf_strdup(c->a, path);
	return mf_printf(c->a, "%.*s/%s", (int)dl, dir, path);
}

/* The real path of the folder of path, arena-owned, or NULL. */
static const char *real_folder(mf_ctx *c, const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	const char *dir = !slash          ? "."
			  : slash == path ? "/"
					  : mf_strndup(c->a, path, (size_t)(slash - path));
	char *real = dir ? realpath(dir, NULL) : NULL;
	const char *kept = real ? mf_strdup(c->a, real) : NULL;

	free(real);
	return kept;
}

/* Whether real (a real path) is root or lies under it. */
static bool under(const char *real, const char *root)
{
	size_t rl = strlen(root);

	if (rl && root[rl - 1] == '/')
		rl--;
	return !strncmp(real, root, rl) && (real[rl] == '/' || real[rl] == '\0');
}

/* The real path of the nearest folder above path that exists, when the
 * components below it hold no "..": where a missing path would be. */
static const char *existing_ancestor(mf_ctx *c, const char *path)
{
	char *dir = mf_strdup(c->a, path), *slash, *real;
	const char *kept = NULL;

	while (dir && !kept && (slash = strrchr(dir, '/')) != NULL) {
		if (!strcmp(slash, "/..") || !strcmp(slash, "/."))
			return NULL;
		*slash = '\0';
		if ((real = realpath(*dir ? dir : "/", NULL)) != NULL)
			kept = mf_strdup(c->a, real);
		free(real);
	}
	return kept;
}

static const char *outside(mf_ctx *c, mf_pos from, const char *shown)
{
	mf_error(c, from, "input-outside",
		 "'%s' leads outside the description's folder (symbolic links followed)", shown);
	return NULL;
}

/* The real path of a file a file names, once it is known to stay inside
 * the description's folder: an include or config file that could be
 * anywhere would let a description print (in a diagnostic) or publish (in a
 * ConfigMap) /proc/self/environ or ~/.aws/credentials.  *shown gets the
 * path as diagnostics show it.  NULL after an error at `from`. */
static const char *resolve_named(mf_ctx *c, const char *path, mf_pos from, const char **shown)
{
	const mf_source *src = mf_source_get(c, from.file);
	const char *root = c->input_root ? c->input_root : real_folder(c, src ? src->path : NULL);
	char *real;
	const char *kept;
	int err;

	*shown = path;
	if (path[0] == '/') {
		mf_error(c, from, "input-outside",
			 "'%s' is an absolute path: files a description names are relative to it",
			 path);
		return NULL;
	}
	if (!(*shown = relative_to(c, from.file, path)))
		return NULL;
	if (!root) {
		mf_error(c, from, "input-io", "cannot resolve the folder of the description");
		return NULL;
	}
	if (!(real = realpath(*shown, NULL))) {
		err = errno;
		/* a missing file outside is refused as outside, whether it exists or not */
		kept = existing_ancestor(c, *shown);
		if (kept && !under(kept, root))
			return outside(c, from, *shown);
		mf_error(c, from, "input-io", "cannot read '%s': %s", *shown, strerror(err));
		return NULL;
	}
	kept = mf_strdup(c->a, real);
	free(real);
	return kept && !under(kept, root) ? outside(c, from, *shown) : kept;
}

/* Read a resolved file, within the budget all named files share. */
static uint32_t read_resolved(mf_ctx *c, const char *real, const char *shown, mf_pos from)
{
	FILE *fp;
	uint32_t file;
	const mf_source *src;

	if (c->input_files >= MF_MAX_INPUT_FILES) {
		mf_error(c, from, "input-limit",
			 "the description names more than %u files (includes, config files, "
			 "profiles)",
			 MF_MAX_INPUT_FILES);
		return 0;
	}
	if (!(fp = open_input(c, real, shown, from, true)))
		return 0;
	c->input_files++;
	file = read_open(c, fp, shown, from);
	src = mf_source_get(c, file);
	if (src && (c->input_bytes += src->len) > MF_MAX_INPUT_BYTES) {
		mf_error(c, from, "input-limit",
			 "the files the description names come to more than %u bytes",
			 MF_MAX_INPUT_BYTES);
		return 0;
	}
	return file;
}

uint32_t mf_read_named_file(mf_ctx *c, const char *path, mf_pos from, const char **real)
{
	const char *shown, *resolved;

	if (!path)
		return 0;
	if (!from.file)
		return mf_read_source(c, path, from);
	resolved = resolve_named(c, path, from, &shown);
	if (real)
		*real = resolved;
	return resolved ? read_resolved(c, resolved, shown, from) : 0;
}

static int add_section(mf_ctx *c, mf_node *doc, const mf_pair *sec)
{
	mf_node *dst = mf_get(doc, sec->key);

	if (!sec->val || sec->val->kind != MF_MAP)
		return mf_error(c, sec->pos, "schema", "'%s' must be a mapping", sec->key);
	if (!dst) {
		dst = mf_new_map(c->a, sec->pos);
		if (!dst || mf_map_add(c->a, doc, sec->key, sec->pos, dst) < 0)
			return -1;
	}
	int rc = 0;

	for (size_t i = 0; i < sec->val->n; i++) {
		const mf_pair *p = &sec->val->pairs[i], *prev = mf_get_pair(dst, p->key);
		if (prev) {
			rc = -1;
			const mf_source *s = mf_source_get(c, prev->pos.file);
			mf_diag *d =
				mf_diag_add(c, MF_SEV_ERROR, p->pos, "include-duplicate",
					    "'%s' is already defined in '%s'", p->key, sec->key);
			if (d && s)
				mf_diag_note(c, d, "first defined at %s:%u:%u", s->path,
					     prev->pos.line, prev->pos.col);
			continue;
		}
		if (mf_map_add(c->a, dst, p->key, p->pos, p->val) < 0)
			return -1;
	}
	return rc;
}

static int merge_fragment(mf_ctx *c, mf_node *doc, const mf_node *frag)
{
	int rc = 0;

	for (size_t i = 0; i < frag->n; i++) {
		const mf_pair *p = &frag->pairs[i];
		size_t k = 0;
		while (k < NSECTIONS && strcmp(p->key, include_sections[k]))
			k++;
		if (k == NSECTIONS) {
			if (strcmp(p->key, "include")) {
				mf_diag *d =
					mf_diag_add(c, MF_SEV_ERROR, p->pos, "schema",
						    "unknown key '%s' in an included file", p->key);
				mf_diag_suggest(c, d, p->key, include_sections, NSECTIONS);
				rc = -1;
			}
			continue;
		}
		if (add_section(c, doc, p) < 0)
			rc = -1;
	}
	return rc;
}

/* The includes being read, from the description down: one that is already
 * among them includes itself, and would forever. */
typedef struct include_chain {
	const char *real[MF_MAX_INCLUDE_DEPTH + 1], *shown[MF_MAX_INCLUDE_DEPTH + 1];
	unsigned n;
} include_chain;

static int load_includes(mf_ctx *c, mf_node *doc, const mf_node *owner, include_chain *ch);

static int include_cycle(mf_ctx *c, const include_chain *ch, unsigned at, const char *shown,
			 mf_pos pos)
{
	const char *cycle = "";
	mf_diag *d =
		mf_diag_add(c, MF_SEV_ERROR, pos, "include-cycle",
			    "'%s' is already being included: the includes form a cycle", shown);

	for (unsigned i = at; i < ch->n && cycle; i++)
		cycle = mf_printf(c->a, "%s%s -> ", cycle, ch->shown[i]);
	if (cycle)
		mf_diag_note(c, d, "the cycle: %s%s", cycle, shown);
	return -1;
}

static int load_one_include(mf_ctx *c, mf_node *doc, const mf_node *item, include_chain *ch)
{
	const char *path = mf_str(item), *real, *shown;
	uint32_t file;
	mf_node *frag;
	int rc;

	if (!path || item->kind != MF_STR)
		return mf_error(c, item ? item->pos : MF_NOPOS, "schema",
				"an include is a relative path to a .yaml file");
	if (ch->n > MF_MAX_INCLUDE_DEPTH)
		return mf_error(c, item->pos, "include-depth", "includes nest deeper than %u files",
				MF_MAX_INCLUDE_DEPTH);
	if (!(real = resolve_named(c, path, item->pos, &shown)))
		return -1;
	for (unsigned i = 0; i < ch->n; i++)
		if (ch->real[i] && !strcmp(ch->real[i], real))
			return include_cycle(c, ch, i, shown, item->pos);
	file = read_resolved(c, real, shown, item->pos);
	frag = file ? mf_yaml_parse(c, file, false) : NULL;
	if (!frag)
		return -1;
	if (frag->kind != MF_MAP)
		return mf_error(c, frag->pos, "schema",
				"an included file must be a mapping of sections");
	if (merge_fragment(c, doc, frag) < 0)
		return -1;
	ch->real[ch->n] = real;
	ch->shown[ch->n++] = shown;
	rc = load_includes(c, doc, frag, ch);
	ch->n--;
	return rc;
}

static int load_includes(mf_ctx *c, mf_node *doc, const mf_node *owner, include_chain *ch)
{
	const mf_node *inc = mf_get(owner, "include");
	int rc = 0;

	if (!inc || inc->kind != MF_SEQ)
		return 0;
	for (size_t i = 0; i < inc->n; i++) {
		if (load_one_include(c, doc, inc->items[i], ch) == 0)
			continue;
		rc = -1;
		/* past the budget one error a level is enough: the fan-out stops */
		if (c->input_files >= MF_MAX_INPUT_FILES)
			break;
	}
	return rc;
}

/* The root is copied shallowly so included sections can be added without
 * touching nodes an anchor may share. */
static mf_node *own_root(mf_ctx *c, const mf_node *root)
{
	mf_node *doc = mf_new_map(c->a, root->pos);

	for (size_t i = 0; doc && i < root->n; i++) {
		const mf_pair *p = &root->pairs[i];
		mf_node *v = p->val;
		bool section = false;
		for (size_t k = 0; k < NSECTIONS; k++)
			section |= !strcmp(p->key, include_sections[k]);
		if (section && v && v->kind == MF_MAP) {
			v = mf_new_map(c->a, p->val->pos);
			for (size_t j = 0; v && j < p->val->n; j++)
				mf_map_add(c->a, v, p->val->pairs[j].key, p->val->pairs[j].pos,
					   p->val->pairs[j].val);
		}
		if (!v || mf_map_add(c->a, doc, p->key, p->pos, v) < 0)
			return NULL;
	}
	return doc;
}

/* ---- configs from files -------------------------------------------------------- */

/* configs.NAME.files: {KEY: path}: each file read now (relative to the file
 * that names it, with the limits of every input) and added to the config's
 * data at the path's line, so every target carries it: a ConfigMap key in
 * Kubernetes, a file beside compose.yaml in Compose. */
static int config_files(mf_ctx *c, mf_node *cfg)
{
	const mf_node *files = mf_get(cfg, "files");
	mf_node *data = mf_get(cfg, "data");
	int rc = 0;

	if (!files || files->kind != MF_MAP || !files->n)
		return 0;
	if (!data && (!(data = mf_new_map(c->a, files->pos)) ||
		      mf_map_add(c->a, cfg, "data", files->pos, data) < 0))
		return mf_error(c, files->pos, "internal", "out of memory");
	for (size_t i = 0; i < files->n; i++) {
		const mf_pair *p = &files->pairs[i];
		const mf_source *src;
		mf_node *text;
		uint32_t file;
		if (mf_get(data, p->key)) {
			rc = mf_error(c, p->pos, "config-key",
				      "'%s' is in both 'data' and 'files' of this config", p->key);
			continue;
		}
		file = mf_read_named_file(c, mf_str(p->val), p->val->pos, NULL);
		if (!file || !(src = mf_source_get(c, file))) {
			rc = -1;
			continue;
		}
		text = mf_new_strn(c->a, src->text, src->len, p->val->pos);
		if (!text || mf_map_add(c->a, data, p->key, p->pos, text) < 0)
			return mf_error(c, p->pos, "internal", "out of memory");
		text->flags |= MF_BLOCK; /* written as the file reads: a literal block */
	}
	return rc;
}

static int load_config_files(mf_ctx *c, mf_node *doc)
{
	mf_node *cfgs = mf_get(doc, "configs");
	int rc = 0;

	for (size_t i = 0; cfgs && cfgs->kind == MF_MAP && i < cfgs->n; i++)
		if (config_files(c, cfgs->pairs[i].val) < 0)
			rc = -1;
	return rc;
}

/* ---- Grafana dashboards -------------------------------------------------------- */

/* monitoring.grafana.dashboards.NAME.file: read now like a config's files and
 * parsed as JSON, so a broken dashboard is an error at its own line and column
 * here and not a Grafana log line after deployment.  The text is kept as
 * written (a `json` key added to the entry) for every target to carry. */
static int dashboard_file(mf_ctx *c, const char *name, mf_node *dash)
{
	const mf_node *file = mf_get(dash, "file");
	const mf_source *src;
	json_error_t err;
	json_t *j;
	mf_node *text;
	uint32_t id = file ? mf_read_named_file(c, mf_str(file), file->pos, NULL) : 0;

	if (!id || !(src = mf_source_get(c, id)))
		return file ? -1 : 0;
	if (!(j = json_loadb(src->text, src->len, 0, &err)))
		return mf_error(c,
				err.line > 0 ? (mf_pos){id, (uint32_t)err.line,
							(uint32_t)(err.column > 0 ? err.column : 1)}
					     : file->pos,
				"grafana-dashboard", "dashboard '%s' is not JSON: %s", name,
				err.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return mf_error(
			c, file->pos, "grafana-dashboard",
			"dashboard '%s' is JSON but not an object (a Grafana dashboard is one)",
			name);
	}
	json_decref(j);
	text = mf_new_strn(c->a, src->text, src->len, file->pos);
	if (!text || mf_map_add(c->a, dash, "json", file->pos, text) < 0)
		return mf_error(c, file->pos, "internal", "out of memory");
	text->flags |= MF_BLOCK;
	return 0;
}

static int load_dashboards(mf_ctx *c, mf_node *doc)
{
	mf_node *dash = mf_get(mf_get(mf_get(doc, "monitoring"), "grafana"), "dashboards");
	int rc = 0;

	for (size_t i = 0; dash && dash->kind == MF_MAP && i < dash->n; i++)
		if (dash->pairs[i].val && dash->pairs[i].val->kind == MF_MAP &&
		    dashboard_file(c, dash->pairs[i].key, dash->pairs[i].val) < 0)
			rc = -1;
	return rc;
}

/* Where the description's includes and files must stay: its folder (the
 * working folder for stdin), and the description as the chain's first link. */
static void start_chain(mf_ctx *c, const char *path, include_chain *ch)
{
	bool stdin_ = !strcmp(path, "-");
	char *real = stdin_ ? NULL : realpath(path, NULL);

	c->input_root = real_folder(c, stdin_ ? "./-" : path);
	ch->real[0] = real ? mf_strdup(c->a, real) : NULL;
	ch->shown[0] = stdin_ ? "<stdin>" : path;
	ch->n = 1;
	free(real);
}

mf_node *mf_load_system(mf_ctx *c, const char *path)
{
	uint32_t file = mf_read_source(c, path, MF_NOPOS);
	mf_node *root = file ? mf_yaml_parse(c, file, false) : NULL, *doc;
	include_chain ch;

	if (!root)
		return NULL;
	if (root->kind != MF_MAP) {
		mf_error(c, root->pos, "schema", "a system description is a mapping, not %s",
			 root->kind == MF_SEQ ? "a list" : "a scalar");
		return NULL;
	}
	start_chain(c, path, &ch);
	doc = own_root(c, root);
	if (!doc || load_includes(c, doc, root, &ch) < 0)
		return NULL;
	if (mf_validate(c, doc, "system") < 0 || load_config_files(c, doc) < 0 ||
	    load_dashboards(c, doc) < 0 || mf_load_env_files(c, doc) < 0)
		return NULL;
	return doc;
}

/* ---- documents named by the description: profiles, policy packs ------------ */

static bool plain_name(const char *s)
{
	return *s && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(s);
}

/* The built-in names of a kind: the embedded files under its folder. */
static size_t builtin_names(mf_ctx *c, const mf_doc_kind *k, const char **out, size_t max)
{
	size_t n = 0, dl = strlen(k->dir);

	for (size_t i = 0; i < mf_embedded_count && n < max; i++) {
		const char *p = mf_embedded_files[i].path, *dot = strrchr(p, '.');
		if (!strncmp(p, k->dir, dl) && p[dl] == '/' && dot && !strcmp(dot, ".yaml"))
			out[n++] = mf_strndup(c->a, p + dl + 1, (size_t)(dot - p - dl - 1));
	}
	return n;
}

static void unknown_builtin(mf_ctx *c, const mf_doc_kind *k, const char *name, mf_pos from)
{
	const char *names[64], *list = "";
	size_t n = builtin_names(c, k, names, MF_NELEM(names));
	mf_diag *d;

	for (size_t i = 0; i < n; i++)
		list = mf_printf(c->a, "%s%s%s", list, i ? ", " : "", names[i]);
	d = mf_diag_add(c, MF_SEV_ERROR, from, k->code, "no built-in %s '%s' (built in: %s)",
			k->what, name, list);
	mf_diag_suggest(c, d, name, names, n);
}

/* The source a name stands for: a built-in one, or a file relative to the
 * one that names it; *key gets what identifies it (for caching). */
static uint32_t named_source(mf_ctx *c, const mf_doc_kind *k, const char *name, mf_pos from,
			     const char **key)
{
	char *path;
	const char *text;
	size_t len;

	if (!plain_name(name)) {
		*key = name;
		return mf_read_named_file(c, name, from, key);
	}
	*key = path = mf_printf(c->a, "%s/%s.yaml", k->dir, name);
	if (path && (text = mf_embedded_find(path, &len)) != NULL)
		return mf_source_add(c, path, text, len);
	unknown_builtin(c, k, name, from);
	return 0;
}

const char *mf_named_key(mf_ctx *c, const mf_doc_kind *k, const char *name, mf_pos from)
{
	const char *rel;
	char *real;

	if (plain_name(name))
		return mf_printf(c->a, "%s/%s.yaml", k->dir, name);
	rel = relative_to(c, from.file, name);
	real = rel ? realpath(rel, NULL) : NULL;
	if (real) {
		rel = mf_strdup(c->a, real);
		free(real);
	}
	return rel;
}

const mf_node *mf_load_named(mf_ctx *c, const mf_doc_kind *k, const char *name, mf_pos from,
			     const char **key)
{
	const char *ignored;
	uint32_t file = named_source(c, k, name, from, key ? key : &ignored);
	mf_node *doc = file ? mf_yaml_parse(c, file, false) : NULL;

	if (!doc)
		return NULL;
	if (doc->kind != MF_MAP) {
		mf_error(c, doc->pos, "schema", "a %s is a mapping", k->what);
		return NULL;
	}
	return mf_validate(c, doc, k->schema) < 0 ? NULL : doc;
}

/* ---- profiles ----------------------------------------------------------- */

const mf_doc_kind mf_profile_kind = {"profile", "profiles", "profile", "profile-unknown"};
const mf_doc_kind mf_policy_kind = {"policy pack", "policies", "policy", "policy-unknown"};

/* A profile may extend another; the chain is merged base first. */
static const mf_node *profile_chain(mf_ctx *c, const char *name, mf_pos from, unsigned depth)
{
	const mf_node *p = mf_load_named(c, &mf_profile_kind, name, from, NULL), *ext, *base;

	if (!p || !(ext = mf_get(p, "extends")))
		return p;
	if (depth > 8) {
		mf_error(c, ext->pos, "extends-cycle",
			 "profiles extend each other in a cycle through '%s'", mf_str(ext));
		return NULL;
	}
	base = profile_chain(c, mf_str(ext), ext->pos, depth + 1);
	return base ? mf_merge(c->a, base, p) : NULL;
}

/* An environment's profile: `profile`, else one named like the
 * environment when there is a built-in one of that name. */
static const mf_node *profile_name(mf_ctx *c, const mf_pair *env)
{
	const mf_node *prof = mf_get(env->val, "profile");
	char path[128];

	if (prof)
		return prof;
	if (snprintf(path, sizeof path, "%s/%s.yaml", mf_profile_kind.dir, env->key) <
		    (int)sizeof path &&
	    plain_name(env->key) && mf_embedded_find(path, NULL))
		return mf_new_str(c->a, env->key, env->pos);
	return NULL;
}

static const mf_profile *profile_of(mf_ctx *c, mf_input *in, const mf_pair *env, int *rc)
{
	const mf_node *name = profile_name(c, env);
	mf_profile *p;

	if (!name)
		return NULL;
	for (size_t i = 0; i < in->nprofiles; i++)
		if (!strcmp(in->profiles[i].name, mf_str(name)))
			return &in->profiles[i];
	p = &in->profiles[in->nprofiles++];
	p->name = mf_str(name);
	p->pos = name->pos;
	if (!(p->doc = profile_chain(c, p->name, name->pos, 0)))
		*rc = -1;
	return p;
}

int mf_load_profiles(mf_ctx *c, const mf_node *doc, mf_input *out)
{
	const mf_node *envs = mf_get(doc, "environments");
	size_t n = envs && envs->kind == MF_MAP ? envs->n : 0;
	int rc = 0;

	memset(out, 0, sizeof *out);
	out->doc = doc;
	out->profiles = mf_alloc(c->a, (n + 1) * sizeof *out->profiles);
	out->env_profiles = mf_alloc(c->a, (n + 1) * sizeof *out->env_profiles);
	if (!out->profiles || !out->env_profiles)
		return mf_error(c, MF_NOPOS, "internal", "out of memory");
	for (size_t i = 0; i < n; i++)
		out->env_profiles[i] = profile_of(c, out, &envs->pairs[i], &rc);
	return rc;
}

int mf_load(mf_ctx *c, const char *path, mf_input *out)
{
	const mf_node *doc = mf_load_system(c, path);

	memset(out, 0, sizeof *out);
	return doc ? mf_load_profiles(c, doc, out) : -1;
}

void mf_input_freeze(const mf_input *in)
{
	mf_freeze(in->doc);
	for (size_t i = 0; i < in->nprofiles; i++)
		mf_freeze(in->profiles[i].doc);
}

/* A string outside an enum: "did you mean" the closest of its string values
 * ('sync-wave' for 'sync-waves'). */
static void suggest_value(mf_ctx *c, mf_diag *d, const mf_node *n, const json_t *schema)
{
	const json_t *vals = json_object_get(schema, "enum");
	const char *names[64];
	size_t k = 0;

	if (!n || n->kind != MF_STR || !json_is_array(vals))
		return;
	for (size_t i = 0; i < json_array_size(vals) && k < MF_NELEM(names); i++)
		if (json_is_string(json_array_get(vals, i)))
			names[k++] = json_string_value(json_array_get(vals, i));
	mf_diag_suggest(c, d, mf_str(n), names, k);
}

/* relative_to, for the other files of the stage (load_envfile.c) */
char *mf_load_relative(mf_ctx *c, uint32_t file, const char *path)
{
	return relative_to(c, file, path);
}

/* ---- streams lint reads ------------------------------------------------------ */

/* Whether the line at p starts a document: "---" alone or before a space or tab. */
static bool doc_start(const char *p, const char *end)
{
	return end - p >= 3 && !memcmp(p, "---", 3) &&
	       (end - p == 3 || p[3] == '\n' || p[3] == '\r' || p[3] == ' ' || p[3] == '\t');
}

/* The first document of the stream longer than MF_MAX_FILE_BYTES, refused at its
 * first line: a stream is bounded by its documents, not by its length. */
static int documents_fit(mf_ctx *c, uint32_t file, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *start = text, *nl;
	uint32_t line = 1, start_line = 1;

	for (;; p = nl + 1, line++) {
		bool last = !(nl = memchr(p, '\n', (size_t)(end - p)));
		if (last || doc_start(p, end)) {
			const char *to = last ? end : p;
			if ((size_t)(to - start) > MF_MAX_FILE_BYTES)
				return mf_error(
					c, (mf_pos){file, start_line, 1}, "input-limit",
					"this document of '%s' is %zu bytes, larger than %u",
					mf_source_get(c, file)->path, (size_t)(to - start),
					MF_MAX_FILE_BYTES);
			start = p;
			start_line = line;
		}
		if (last)
			return 0;
	}
}

uint32_t mf_read_stream(mf_ctx *c, const char *path, mf_pos from)
{
	bool stdin_ = !strcmp(path, "-");
	FILE *fp = stdin_ ? stdin : open_input(c, path, path, from, false);
	uint32_t file =
		fp ? read_open_max(c, fp, stdin_ ? "<stdin>" : path, from, MF_MAX_STREAM_BYTES) : 0;
	const mf_source *src = file ? mf_source_get(c, file) : NULL;

	if (src && documents_fit(c, file, src->text, src->len) < 0)
		return 0;
	return file;
}
