/* emit: the output set, and writing it atomically with an ownership manifest */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "emit.h"

/* OUT/.manifold/manifest lists every file manifold wrote, with a hash of
 * its bytes: a rebuild prunes owned files no longer produced, refuses to
 * overwrite files it does not own or that were edited by hand (unless
 * --force), and --check reports drift without writing. */
#define MANIFEST ".manifold/manifest"
#define MANIFEST_HEAD "# manifold: files this tool owns in this directory (do not edit)\n"

void mf_output_init(mf_output *o)
{
	memset(o, 0, sizeof *o);
}

void mf_output_release(mf_output *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->files[i].data);
	free(o->files);
	memset(o, 0, sizeof *o);
}

/* Relative, '/'-separated, no empty, "." or ".." segment, nothing hidden
 * at the top that could shadow our own .manifold directory. */
static bool safe_path(const char *p)
{
	const char *seg = p;

	if (!*p || *p == '/' || !strncmp(p, ".manifold", 9) || strchr(p, '\\'))
		return false;
	while (*seg) {
		size_t n = strcspn(seg, "/");
		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		seg += n;
		if (*seg == '/' && !*++seg)
			return false;
	}
	return true;
}

int mf_output_add(mf_ctx *c, mf_output *o, const char *path, mf_buf *buf)
{
	mf_outfile *grown;
	char *data, *copy;

	if (buf->oom)
		return mf_error(c, MF_NOPOS, "internal", "out of memory building '%s'", path);
	if (!safe_path(path))
		return mf_error(c, MF_NOPOS, "output-path",
				"refusing output path '%s': it would leave the output directory",
				path);
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		if (!(grown = realloc(o->files, cap * sizeof *grown)))
			return mf_error(c, MF_NOPOS, "internal", "out of memory");
		o->files = grown;
		o->cap = cap;
	}
	data = buf->data ? buf->data : calloc(1, 1);
	if (!data || !(copy = mf_strdup(c->a, path))) {
		if (data != buf->data)
			free(data);
		return mf_error(c, MF_NOPOS, "internal", "out of memory");
	}
	o->files[o->n++] = (mf_outfile){copy, data, buf->len};
	mf_buf_init(buf);
	return 0;
}

int mf_output_add_objects(mf_ctx *c, mf_output *o, const char *path, const mf_object *const *objs,
			  size_t n)
{
	mf_buf b;

	mf_buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		if (i)
			mf_buf_puts(&b, "---\n");
		if (mf_yaml_write(&b, objs[i]->doc) < 0)
			b.oom = true;
	}
	if (mf_output_add(c, o, path, &b) < 0) {
		mf_buf_release(&b);
		return -1;
	}
	return 0;
}

static int cmp_outfile(const void *x, const void *y)
{
	return strcmp(((const mf_outfile *)x)->path, ((const mf_outfile *)y)->path);
}

void mf_output_sort(mf_output *o)
{
	if (o->n > 1)
		qsort(o->files, o->n, sizeof *o->files, cmp_outfile);
}

/* ---- hashing and the manifest ------------------------------------------- */

/* FNV-1a, 64 bits: enough to notice a hand edit; not a security boundary. */
static unsigned long long fnv1a(const char *p, size_t n)
{
	unsigned long long h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

typedef struct owned {
	char *path;
	unsigned long long hash;
	bool kept; /* still produced by this run */
} owned;

typedef struct manifest {
	owned *v;
	size_t n, cap;
} manifest;

static void manifest_release(manifest *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
}

static int manifest_push(manifest *m, const char *path, unsigned long long hash)
{
	owned *grown;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		if (!(grown = realloc(m->v, cap * sizeof *grown)))
			return -1;
		m->v = grown;
		m->cap = cap;
	}
	m->v[m->n].path = strdup(path);
	m->v[m->n].hash = hash;
	m->v[m->n].kept = false;
	return m->v[m->n++].path ? 0 : -1;
}

static char *join(const char *dir, const char *path)
{
	size_t n = strlen(dir) + strlen(path) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", dir, path);
	return p;
}

/* Read a whole regular file without following a symlink; NULL if absent. */
static char *read_file(const char *path, size_t *len, bool *exists)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	ssize_t got = 0;

	*exists = fd >= 0 || errno != ENOENT;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (buf = malloc((size_t)st.st_size + 1)))
		got = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (buf && got != (ssize_t)st.st_size) {
		free(buf);
		return NULL;
	}
	if (buf) {
		buf[got] = '\0';
		*len = (size_t)got;
	}
	return buf;
}

static int cmp_owned(const void *x, const void *y)
{
	return strcmp(((const owned *)x)->path, ((const owned *)y)->path);
}

static int manifest_load(const char *dir, manifest *m)
{
	char *path = join(dir, MANIFEST), *text, *line, *next;
	size_t len = 0;
	bool exists;

	text = path ? read_file(path, &len, &exists) : NULL;
	free(path);
	for (line = text; line && *line; line = next) {
		unsigned long long h;
		char name[4096];
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (*line != '#' && sscanf(line, "%16llx %4095[^\n]", &h, name) == 2 &&
		    safe_path(name) && manifest_push(m, name, h) < 0) {
			free(text);
			return -1;
		}
	}
	free(text);
	if (m->n > 1)
		qsort(m->v, m->n, sizeof *m->v, cmp_owned);
	return 0;
}

static owned *manifest_find(manifest *m, const char *path)
{
	owned key = {(char *)path, 0, false};

	return m->n ? bsearch(&key, m->v, m->n, sizeof *m->v, cmp_owned) : NULL;
}

/* ---- planning: what each file needs, before anything is touched ---------- */

typedef enum action { KEEP, CREATE, UPDATE } action;

typedef struct plan {
	action *act;
	size_t changes; /* files to create or update, stale files to prune */
	int conflicts;  /* files we may not overwrite or remove */
} plan;

/* The messages name one path; kept as formats so each reads naturally. */
__attribute__((format(printf, 2, 3))) static void drift(mf_ctx *c, const char *fmt, ...)
{
	char msg[4200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	mf_diag_add(c, MF_SEV_ERROR, MF_NOPOS, "drift", "%s", msg);
}

__attribute__((format(printf, 3, 4))) static void conflict(mf_ctx *c, plan *p, const char *fmt, ...)
{
	char msg[4200];
	va_list ap;
	mf_diag *d;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	d = mf_diag_add(c, MF_SEV_ERROR, MF_NOPOS, "output-conflict", "%s", msg);

	if (d)
		mf_diag_note(c, d, "nothing was written; rerun with --force to overwrite it");
	p->conflicts++;
}

/* Every existing directory on the way must be a real directory: a symlink
 * would carry the write outside the output directory. */
static bool parents_safe(const char *dir, const char *rel)
{
	char *path = join(dir, rel), *slash;
	size_t base = strlen(dir) + 1;
	struct stat st;
	bool safe = path != NULL;

	for (slash = path ? strchr(path + base, '/') : NULL; slash && safe;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		safe = lstat(path, &st) != 0 ? errno == ENOENT : S_ISDIR(st.st_mode);
		*slash = '/';
	}
	free(path);
	return safe;
}

static void plan_file(mf_ctx *c, const char *dir, const mf_outfile *f, manifest *m, unsigned flags,
		      plan *p, action *act)
{
	if (!parents_safe(dir, f->path)) {
		*act = KEEP;
		conflict(
			c, p,
			"'%s' would be written through a symlink or a file that is not a directory",
			f->path);
		return;
	}
	char *path = join(dir, f->path);
	size_t len = 0;
	bool exists = false;
	char *old = path ? read_file(path, &len, &exists) : NULL;
	owned *own = manifest_find(m, f->path);

	*act = !exists                                                ? CREATE
	       : (old && len == f->len && !memcmp(old, f->data, len)) ? KEEP
								      : UPDATE;
	if (own)
		own->kept = true;
	if (*act != KEEP)
		p->changes++;
	if (flags & MF_WRITE_CHECK) {
		if (*act != KEEP)
			drift(c,
			      *act == CREATE ? "'%s' is missing: run 'manifold build'"
					     : "'%s' differs from what the description produces",
			      f->path);
	} else if (*act == UPDATE && !(flags & MF_WRITE_FORCE)) {
		if (!own)
			conflict(c, p, "'%s' exists and was not written by manifold", f->path);
		else if (!old || fnv1a(old, len) != own->hash)
			conflict(c, p, "'%s' was edited by hand since manifold wrote it", f->path);
	}
	free(old);
	free(path);
}

static void plan_stale(mf_ctx *c, const char *dir, manifest *m, unsigned flags, plan *p)
{
	for (size_t i = 0; i < m->n; i++) {
		char *path;
		size_t len = 0;
		bool exists = false;
		char *old;
		if (m->v[i].kept)
			continue;
		path = join(dir, m->v[i].path);
		old = path ? read_file(path, &len, &exists) : NULL;
		if (exists) {
			p->changes++;
			if (flags & MF_WRITE_CHECK)
				drift(c, "'%s' is stale: the description no longer produces it",
				      m->v[i].path);
			else if (!(flags & MF_WRITE_FORCE) &&
				 (!old || fnv1a(old, len) != m->v[i].hash))
				conflict(c, p, "'%s' is no longer produced but was edited by hand",
					 m->v[i].path);
		}
		free(old);
		free(path);
	}
}

/* ---- writing ------------------------------------------------------------ */

static int write_all(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	return close(fd);
}

/* mkdir -p below dir, refusing to walk through a symlink: output never
 * leaves the output directory. */
static int make_parents(mf_ctx *c, const char *dir, const char *rel)
{
	char *path = join(dir, rel), *slash;
	size_t base = strlen(dir) + 1;
	struct stat st;
	int rc = 0;

	for (slash = path ? strchr(path + base, '/') : NULL; slash && rc == 0;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (lstat(path, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				rc = mf_error(
					c, MF_NOPOS, "output-path",
					"'%s' is not a directory (a symlink?): refusing to write "
					"through it",
					path);
		} else if (mkdir(path, 0755) != 0) {
			rc = mf_error(c, MF_NOPOS, "output-io", "cannot create '%s': %s", path,
				      strerror(errno));
		}
		*slash = '/';
	}
	free(path);
	return path ? rc : -1;
}

static int mkdir_p(mf_ctx *c, const char *dir)
{
	char *copy = strdup(dir);
	int rc = 0;

	for (char *p = copy ? copy + 1 : NULL; p && rc == 0; p++) {
		if (*p != '/' && *p)
			continue;
		char save = *p;
		*p = '\0';
		if (mkdir(copy, 0755) != 0 && errno != EEXIST)
			rc = mf_error(c, MF_NOPOS, "output-io", "cannot create '%s': %s", copy,
				      strerror(errno));
		*p = save;
		if (!save)
			break;
	}
	free(copy);
	return copy ? rc : -1;
}

static char *staged_name(const char *stage, size_t i)
{
	char num[32];

	snprintf(num, sizeof num, "%zu", i);
	return join(stage, num);
}

/* Everything is written under .manifold/ first; only when every file is on
 * disk are they renamed into place, so a failed run leaves the old tree. */
static int stage_files(mf_ctx *c, const char *stage, const mf_output *o, const action *act)
{
	for (size_t i = 0; i < o->n; i++) {
		char *tmp;
		if (act[i] == KEEP)
			continue;
		tmp = staged_name(stage, i);
		if (!tmp || write_all(tmp, o->files[i].data, o->files[i].len) != 0) {
			mf_error(c, MF_NOPOS, "output-io", "cannot write '%s': %s",
				 tmp ? tmp : stage, strerror(errno));
			free(tmp);
			return -1;
		}
		free(tmp);
	}
	return 0;
}

static void unstage(const char *stage, const mf_output *o, const action *act)
{
	for (size_t i = 0; i < o->n; i++) {
		char *tmp = act[i] == KEEP ? NULL : staged_name(stage, i);
		if (tmp)
			unlink(tmp);
		free(tmp);
	}
	rmdir(stage);
}

static int place_files(mf_ctx *c, const char *dir, const char *stage, const mf_output *o,
		       const action *act)
{
	int rc = 0;

	for (size_t i = 0; i < o->n && rc == 0; i++) {
		char *tmp, *dst;
		if (act[i] == KEEP)
			continue;
		if ((rc = make_parents(c, dir, o->files[i].path)) != 0)
			break;
		tmp = staged_name(stage, i);
		dst = join(dir, o->files[i].path);
		if (!tmp || !dst || rename(tmp, dst) != 0)
			rc = mf_error(c, MF_NOPOS, "output-io", "cannot write '%s': %s",
				      dst ? dst : dir, strerror(errno));
		free(tmp);
		free(dst);
	}
	return rc;
}

/* Remove owned files no longer produced, and the directories they leave empty. */
static void prune(const char *dir, const manifest *m)
{
	for (size_t i = 0; i < m->n; i++) {
		char *path, *slash;
		if (m->v[i].kept || !(path = join(dir, m->v[i].path)))
			continue;
		unlink(path);
		while ((slash = strrchr(path, '/')) && (size_t)(slash - path) > strlen(dir)) {
			*slash = '\0';
			if (rmdir(path) != 0)
				break;
		}
		free(path);
	}
}

static int write_manifest(mf_ctx *c, const char *dir, const mf_output *o)
{
	mf_buf b;
	char *tmp = join(dir, MANIFEST ".tmp"), *dst = join(dir, MANIFEST);
	int rc = 0;

	mf_buf_init(&b);
	mf_buf_puts(&b, MANIFEST_HEAD);
	for (size_t i = 0; i < o->n; i++)
		mf_buf_printf(&b, "%016llx %s\n", fnv1a(o->files[i].data, o->files[i].len),
			      o->files[i].path);
	if (b.oom || !tmp || !dst || write_all(tmp, b.data, b.len) != 0 || rename(tmp, dst) != 0)
		rc = mf_error(c, MF_NOPOS, "output-io", "cannot write '%s/%s': %s", dir, MANIFEST,
			      strerror(errno));
	mf_buf_release(&b);
	free(tmp);
	free(dst);
	return rc;
}

static int commit(mf_ctx *c, const char *dir, const mf_output *o, const action *act,
		  const manifest *m)
{
	char *meta = join(dir, ".manifold"), *stage = NULL;
	char name[64];
	int rc = -1;

	snprintf(name, sizeof name, ".manifold/staging.%ld", (long)getpid());
	stage = join(dir, name);
	if (meta && stage && mkdir_p(c, dir) == 0 && (mkdir(meta, 0755) == 0 || errno == EEXIST) &&
	    mkdir(stage, 0700) == 0) {
		rc = stage_files(c, stage, o, act);
		if (rc == 0)
			rc = place_files(c, dir, stage, o, act);
		unstage(stage, o, act);
		if (rc == 0) {
			prune(dir, m);
			rc = write_manifest(c, dir, o);
		}
	} else if (meta && stage) {
		mf_error(c, MF_NOPOS, "output-io", "cannot create '%s': %s", stage,
			 strerror(errno));
	}
	free(meta);
	free(stage);
	return rc;
}

/* A path produced twice is an emitter bug; checked once on the sorted set
 * rather than on every add, which would be quadratic in the files. */
static int check_unique(mf_ctx *c, const mf_output *o)
{
	for (size_t i = 1; i < o->n; i++) {
		int r = strcmp(o->files[i - 1].path, o->files[i].path);
		if (r > 0)
			return mf_error(c, MF_NOPOS, "internal", "output files are not sorted");
		if (r == 0)
			return mf_error(c, MF_NOPOS, "internal", "output file '%s' produced twice",
					o->files[i].path);
	}
	return 0;
}

int mf_output_write(mf_ctx *c, const mf_output *o, const char *dir, unsigned flags, size_t *ndrift)
{
	manifest m = {0};
	plan p = {0};
	int rc = 0;

	if (check_unique(c, o) < 0)
		return -1;
	p.act = calloc(o->n + 1, sizeof *p.act);
	if (!p.act || manifest_load(dir, &m) < 0) {
		free(p.act);
		manifest_release(&m);
		return mf_error(c, MF_NOPOS, "internal", "out of memory");
	}
	for (size_t i = 0; i < o->n; i++)
		plan_file(c, dir, &o->files[i], &m, flags, &p, &p.act[i]);
	plan_stale(c, dir, &m, flags, &p);
	*ndrift = (flags & MF_WRITE_CHECK) ? p.changes : 0;
	if (p.conflicts)
		rc = -2;
	else if (!(flags & MF_WRITE_CHECK))
		rc = commit(c, dir, o, p.act, &m);
	free(p.act);
	manifest_release(&m);
	return rc;
}
