/* emit: the output set, and writing it atomically with an ownership manifest */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "emit.h"

/* OUT/.manifold/manifest lists every file manifold wrote, with a hash of
 * its bytes: a rebuild prunes owned files no longer produced, refuses to
 * overwrite files it does not own or that were edited by hand (unless
 * --force), and --check reports drift without writing.  Everything else in
 * OUT/.manifold belongs to one build at a time: `lock` (flock), `journal`
 * (the intent of a build that is moving files into place), `manifest.tmp`,
 * `journal.tmp` and `staging.<pid>/`.  docs/gitops.md describes the protocol. */
#define META ".manifold"
#define MANIFEST "manifest"
#define JOURNAL "journal"
#define LOCK "lock"
#define MANIFEST_HEAD "# manifold: files this tool owns in this directory (do not edit)\n"
#define JOURNAL_HEAD                                                                        \
	"# manifold: a build into this directory did not finish; the next build completes " \
	"it (do not edit)\n"
#define MAX_DEPTH 32 /* path segments: deeper output paths are refused */
#define MAX_PATH (PATH_MAX - 1)
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

enum { FAILED = -1, REFUSED = -2 }; /* mf_output_write: I/O error, refused (nothing written) */

void mf_output_init(mf_output *o)
{
	memset(o, 0, sizeof *o);
}

void mf_output_release(mf_output *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free((char *)o->files[i].path);
		free(o->files[i].data);
	}
	free(o->files);
	memset(o, 0, sizeof *o);
}

/* Relative, '/'-separated, no empty, "." or ".." segment, no control
 * character, nothing at the top that could shadow our own .manifold
 * directory.  Length-delimited: manifest lines are checked in place. */
static bool safe_path(const char *p, size_t n)
{
	size_t i = 0, j;

	if (!n || p[n - 1] == '/' || (n >= 9 && !memcmp(p, META, 9)))
		return false;
	for (; i < n; i = j + 1) {
		for (j = i; j < n && p[j] != '/'; j++)
			if ((unsigned char)p[j] < 0x20 || p[j] == 0x7f || p[j] == '\\')
				return false;
		if (j == i || (j - i == 1 && p[i] == '.') ||
		    (j - i == 2 && p[i] == '.' && p[i + 1] == '.'))
			return false;
	}
	return true;
}

/* What a file system takes: NAME_MAX per segment, PATH_MAX in all, and a
 * depth the directory walk below keeps open.  False, saying why, if not. */
static bool fits(const char *p, size_t n, char *why, size_t size)
{
	size_t depth = 1, seg = 0;

	if (n > MAX_PATH) {
		snprintf(why, size, "is longer than %d bytes", MAX_PATH);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '/' && ++seg <= NAME_MAX)
			continue;
		if (p[i] != '/') {
			snprintf(why, size, "has a name longer than %d bytes", NAME_MAX);
			return false;
		}
		seg = 0;
		if (++depth > MAX_DEPTH) {
			snprintf(why, size, "is nested deeper than %d levels", MAX_DEPTH);
			return false;
		}
	}
	return true;
}

int mf_output_add(mf_ctx *c, mf_output *o, const char *path, mf_buf *buf)
{
	mf_outfile *grown;
	char *data, *copy, why[64];

	if (buf->oom)
		return mf_error(c, MF_NOPOS, "internal", "out of memory building '%s'", path);
	if (!safe_path(path, strlen(path)))
		return mf_error(c, MF_NOPOS, "output-path",
				"refusing output path '%s': it would leave the output directory",
				path);
	if (!fits(path, strlen(path), why, sizeof why))
		return mf_error(c, MF_NOPOS, "output-path", "output path '%s' %s", path, why);
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		if (!(grown = realloc(o->files, cap * sizeof *grown)))
			return mf_error(c, MF_NOPOS, "internal", "out of memory");
		o->files = grown;
		o->cap = cap;
	}
	data = buf->data ? buf->data : calloc(1, 1);
	/* malloc'd like the data: an emitter's arena is gone before the write */
	if (!data || !(copy = strdup(path))) {
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
		mf_qsort(o->files, o->n, sizeof *o->files, cmp_outfile);
}

/* ---- messages ------------------------------------------------------------- */

/* The messages name one path; kept as formats so each reads naturally.
 * `always`: the error that stops the build (why it exits 2 or 3) is kept
 * past the error cap, which a system's policy findings may have used up. */
__attribute__((format(printf, 4, 0))) static mf_diag *
vdiag(mf_ctx *c, const char *code, bool always, const char *fmt, va_list ap)
{
	char msg[4400];
	size_t cap = c->max_errors;
	mf_diag *d;

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (always)
		c->max_errors = SIZE_MAX;
	d = mf_diag_add(c, MF_SEV_ERROR, MF_NOPOS, code, "%s", msg);
	c->max_errors = cap;
	return d;
}

__attribute__((format(printf, 2, 3))) static void drift(mf_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(c, "drift", false, fmt, ap);
	va_end(ap);
}

/* A refusal that stops the build before anything is written: exit 2. */
__attribute__((format(printf, 3, 4))) static int refuse(mf_ctx *c, const char *note,
							const char *fmt, ...)
{
	va_list ap;
	mf_diag *d;

	va_start(ap, fmt);
	d = vdiag(c, "output-path", true, fmt, ap);
	va_end(ap);
	if (d && note)
		mf_diag_note(c, d, "%s", note);
	return REFUSED;
}

__attribute__((format(printf, 2, 3))) static int io_error(mf_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(c, "output-io", true, fmt, ap);
	va_end(ap);
	return FAILED;
}

/* ---- hashing and reading ------------------------------------------------- */

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

typedef enum kind { ABSENT, REGULAR, SPECIAL, DIRECTORY } kind;

/* What is at `name` in directory `dir`: a regular file is read whole.  A
 * symlink is SPECIAL and never followed; O_NONBLOCK keeps a FIFO from
 * blocking the open.  `data` is malloc-owned (NULL unless REGULAR). */
typedef struct ondisk {
	kind kind;
	char *data;
	size_t len;
} ondisk;

static ondisk read_at(int dir, const char *name)
{
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	ondisk d = {fd < 0 && errno == ENOENT ? ABSENT : SPECIAL, NULL, 0};
	struct stat st;
	ssize_t got = 0;

	if (fd < 0)
		return d;
	if (fstat(fd, &st) != 0)
		st.st_mode = 0;
	if (S_ISDIR(st.st_mode))
		d.kind = DIRECTORY;
	else if (S_ISREG(st.st_mode) && (d.data = malloc((size_t)st.st_size + 1)))
		while (d.len < (size_t)st.st_size &&
		       ((got = read(fd, d.data + d.len, (size_t)st.st_size - d.len)) > 0 ||
			(got < 0 && errno == EINTR)))
			d.len += got > 0 ? (size_t)got : 0;
	close(fd);
	if (d.data && (got < 0 || d.len != (size_t)st.st_size)) {
		free(d.data);
		d.data = NULL;
	}
	if (d.data) {
		d.data[d.len] = '\0';
		d.kind = REGULAR;
	}
	return d;
}

/* Write a whole file; `sync` when it must survive a crash (the journal). */
static int write_at(int dir, const char *name, const char *data, size_t len, int flags, bool sync)
{
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | flags, 0644);
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
	if (sync && fsync(fd) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static const char *leaf(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* ---- walking the output tree without following a symlink ----------------- */

/* A cursor over the directories of the output tree.  Each path's parents
 * are opened one segment at a time from the output directory with
 * O_NOFOLLOW, so no symlink is followed and nothing outside OUT is reached
 * (a planted `OUT/x -> ../victim` is refused, not entered).  Paths come
 * sorted, so each directory is opened once per walk, not once per file. */
typedef struct walker {
	int root;
	const char *path;      /* the path walked last: its directories are open */
	size_t depth;          /* levels open */
	int fd[MAX_DEPTH];     /* -1: missing or not a directory (err) */
	int err[MAX_DEPTH];    /* errno of that level's open */
	size_t end[MAX_DEPTH]; /* level i's name ends at path[end[i]] (its '/') */
	bool emptied[MAX_DEPTH];
	bool create; /* make missing directories */
	bool prune;  /* remove directories left empty when leaving them */
} walker;

static void walk_init(walker *w, int root, bool create, bool prune)
{
	memset(w, 0, sizeof *w);
	w->root = root;
	w->create = create;
	w->prune = prune;
}

static int parent_fd(const walker *w, size_t level)
{
	return level ? w->fd[level - 1] : w->root;
}

static void segment(char *name, const char *path, const walker *w, size_t level)
{
	size_t start = level ? w->end[level - 1] + 1 : 0;

	memcpy(name, path + start, w->end[level] - start);
	name[w->end[level] - start] = '\0';
}

static void walk_pop(walker *w)
{
	size_t i = --w->depth;
	char name[NAME_MAX + 1];

	if (w->fd[i] < 0)
		return;
	close(w->fd[i]);
	if (!w->prune || !w->emptied[i])
		return;
	segment(name, w->path, w, i);
	if (unlinkat(parent_fd(w, i), name, AT_REMOVEDIR) == 0 && i > 0)
		w->emptied[i - 1] = true;
}

static void walk_push(walker *w, const char *path, size_t end)
{
	size_t i = w->depth++;
	int parent = parent_fd(w, i);
	char name[NAME_MAX + 1];

	w->end[i] = end;
	w->emptied[i] = false;
	w->fd[i] = -1;
	w->err[i] = i ? w->err[i - 1] : ENOENT;
	if (parent < 0)
		return;
	segment(name, path, w, i);
	w->fd[i] = openat(parent, name, DIR_FLAGS);
	if (w->fd[i] < 0 && errno == ENOENT && w->create && mkdirat(parent, name, 0755) == 0)
		w->fd[i] = openat(parent, name, DIR_FLAGS);
	w->err[i] = errno;
}

/* The directory holding `path`'s last segment (the walker keeps it open),
 * or -1 with errno: ENOENT when a directory on the way is missing, another
 * error when one is a symlink or not a directory.  `path` must stay valid
 * until the next call. */
static int walk(walker *w, const char *path)
{
	size_t keep = 0;
	const char *slash;

	while (keep < w->depth && !strncmp(path, w->path, w->end[keep] + 1))
		keep++;
	while (w->depth > keep)
		walk_pop(w);
	slash = strchr(path + (keep ? w->end[keep - 1] + 1 : 0), '/');
	for (; slash && w->depth < MAX_DEPTH; slash = strchr(slash + 1, '/'))
		walk_push(w, path, (size_t)(slash - path));
	w->path = path;
	if (slash) { /* deeper than fits() lets any path be */
		errno = ENAMETOOLONG;
		return -1;
	}
	if (w->depth && w->fd[w->depth - 1] < 0)
		errno = w->err[w->depth - 1];
	else if (!w->depth && w->root < 0)
		errno = ENOENT;
	return w->depth ? w->fd[w->depth - 1] : w->root;
}

static void walk_end(walker *w)
{
	while (w->depth)
		walk_pop(w);
}

/* ---- the manifest and the journal ---------------------------------------- */

/* One owned (path, hash) pair.  A path may be listed twice, by the manifest
 * and by the journal of a build that did not finish: the file is then ours
 * if it holds either. */
typedef struct owned {
	const char *path; /* into the text it was read from */
	unsigned long long hash;
	bool journal; /* listed by the journal only */
	bool kept;    /* produced by this run */
	bool present; /* not produced, and on disk: pruned */
} owned;

typedef struct manifest {
	owned *v;
	size_t n, cap;
	char *text[2];     /* the manifest's and the journal's bytes */
	bool same;         /* the manifest already holds what this run writes */
	bool journal;      /* a journal was found: a build did not finish */
	const char *shown; /* OUT/.manifold/, for messages */
} manifest;

static void manifest_release(manifest *m)
{
	free(m->v);
	free(m->text[0]);
	free(m->text[1]);
}

static int manifest_push(manifest *m, const char *path, unsigned long long hash, bool journal)
{
	owned *grown;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		if (!(grown = realloc(m->v, cap * sizeof *grown)))
			return -1;
		m->v = grown;
		m->cap = cap;
	}
	m->v[m->n++] = (owned){path, hash, journal, false, false};
	return 0;
}

static int hexval(char ch)
{
	return ch >= '0' && ch <= '9'   ? ch - '0'
	       : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
	       : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
					: -1;
}

/* The line at the start of `text` (len bytes left): *n is its length up to
 * the newline or the end; returns it without one trailing CR.  check_lines
 * and split_lines both walk with it, so they see the same lines. */
static size_t manifest_line(const char *text, size_t len, size_t *n)
{
	const char *nl = memchr(text, '\n', len);

	*n = nl ? (size_t)(nl - text) : len;
	return *n - (*n && text[*n - 1] == '\r');
}

/* "HHHHHHHHHHHHHHHH path" or a "#" comment: true when well formed; else
 * `why` says what is wrong and `col` where. */
static bool good_line(const char *line, size_t len, char *why, size_t size, uint32_t *col)
{
	char limit[64];
	const char *nul = memchr(line, '\0', len);

	*col = nul ? (uint32_t)(nul - line) + 1 : 1;
	if (nul || line[0] == '#') { /* a NUL byte would end the line early when split */
		snprintf(why, size, "%s", nul ? "the line holds a NUL byte" : "");
		return !nul;
	}
	for (size_t i = 0; i < 16; i++)
		if (i >= len || hexval(line[i]) < 0) {
			snprintf(why, size, "expected a 16-digit hexadecimal hash");
			return false;
		}
	*col = 17;
	if (len < 18 || line[16] != ' ') {
		snprintf(why, size, "expected one space and a path after the hash");
		return false;
	}
	*col = 18;
	if (!fits(line + 17, len - 17, limit, sizeof limit)) {
		snprintf(why, size, "the path %s", limit);
		return false;
	}
	if (!safe_path(line + 17, len - 17)) {
		snprintf(why, size, "the path is not a relative path inside the output directory");
		return false;
	}
	return true;
}

/* Strict: a line manifold did not write is reported at its position rather
 * than skipped (a skipped line would silently disown a file). */
static int check_lines(mf_ctx *c, const char *name, const char *text, size_t len)
{
	uint32_t file = 0, line = 1, col;
	char why[96];
	int rc = 0;

	for (size_t i = 0, n; i < len; i += n + 1, line++) {
		size_t bare = manifest_line(text + i, len - i, &n);
		if (bare == 0 || good_line(text + i, bare, why, sizeof why, &col))
			continue;
		if (!file && !(file = mf_source_add(c, name, text, len)))
			return mf_error(c, MF_NOPOS, "internal", "out of memory");
		mf_diag *d = mf_diag_add(c, MF_SEV_ERROR, (mf_pos){file, line, col},
					 "manifest-invalid", "%s", why);
		if (d)
			mf_diag_note(c, d,
				     "manifold writes this file: restore it from version control, "
				     "or delete it and rebuild with --force");
		rc = REFUSED;
	}
	return rc;
}

/* Split checked text into (path, hash) pairs, in place.  The lines are the
 * ones check_lines saw (manifest_line, by length: the text may hold anything)
 * and each is length-checked again, so no line is read past its end. */
static int split_lines(manifest *m, char *text, size_t len, bool journal)
{
	for (size_t i = 0, n; i < len; i += n + 1) {
		size_t bare = manifest_line(text + i, len - i, &n);
		char *line = text + i;
		unsigned long long h = 0;
		if (i + n < len)
			line[n] = '\0';
		line[bare] = '\0';
		if (bare < 18 || *line == '#' || memchr(line, '\0', bare))
			continue;
		for (int k = 0; k < 16; k++)
			h = h << 4 | (unsigned)(hexval(line[k]) & 15);
		if (manifest_push(m, line + 17, h, journal) < 0)
			return -1;
	}
	return 0;
}

static int cmp_owned(const void *x, const void *y)
{
	const owned *a = x, *b = y;
	int r = strcmp(a->path, b->path);

	return r ? r : a->hash < b->hash ? -1 : a->hash > b->hash;
}

/* Sorted by path then hash, each pair once; a pair the manifest lists is
 * not the journal's alone. */
static void manifest_sort(manifest *m)
{
	size_t out = 0;

	if (m->n > 1)
		mf_qsort(m->v, m->n, sizeof *m->v, cmp_owned);
	for (size_t i = 0; i < m->n; i++) {
		if (out && !cmp_owned(&m->v[out - 1], &m->v[i]))
			m->v[out - 1].journal &= m->v[i].journal;
		else
			m->v[out++] = m->v[i];
	}
	m->n = out;
}

/* Read .manifold/<name> (absent reads as empty): REFUSED when it is not a
 * regular file or not well formed.  `next` is what this run would write
 * as the manifest: m->same says whether it is there already. */
static int read_list(mf_ctx *c, int meta, manifest *m, int which, const mf_buf *next)
{
	const char *name = which ? JOURNAL : MANIFEST;
	ondisk d = meta < 0 ? (ondisk){ABSENT, NULL, 0} : read_at(meta, name);
	const char *shown = mf_printf(c->a, "%s%s", m->shown, name);
	int rc;

	if (d.kind == ABSENT)
		return 0;
	if (d.kind != REGULAR)
		return refuse(c, "remove it; manifold writes it", "'%s' is not a regular file",
			      shown);
	m->text[which] = d.data;
	m->journal |= which == 1;
	m->same |= which == 0 && next->data && d.len == next->len &&
		   !memcmp(d.data, next->data, d.len);
	if ((rc = check_lines(c, shown, d.data, d.len)) < 0)
		return rc;
	return split_lines(m, d.data, d.len, which == 1) < 0 ? FAILED : 0;
}

static int manifest_load(mf_ctx *c, int meta, manifest *m, const mf_buf *next)
{
	int rc = read_list(c, meta, m, 0, next);

	if (rc == 0)
		rc = read_list(c, meta, m, 1, next);
	if (rc == 0)
		manifest_sort(m);
	return rc == FAILED ? mf_error(c, MF_NOPOS, "internal", "out of memory") : rc;
}

int mf_manifest_read(mf_ctx *c, const char *name, const char *text, size_t len)
{
	manifest m = {0};
	char *copy = malloc(len + 1);
	int rc;

	if (!copy)
		return mf_error(c, MF_NOPOS, "internal", "out of memory");
	memcpy(copy, text, len);
	copy[len] = '\0';
	m.text[0] = copy;
	rc = check_lines(c, name, copy, len);
	if (rc == 0 && split_lines(&m, copy, len, false) < 0)
		rc = mf_error(c, MF_NOPOS, "internal", "out of memory");
	if (rc == 0)
		manifest_sort(&m);
	rc = rc == 0 ? (int)(m.n > INT_MAX ? INT_MAX : m.n) : -1;
	manifest_release(&m);
	return rc;
}

/* The first pair listing `path`, or NULL; *end is one past its last. */
static owned *manifest_find(manifest *m, const char *path, size_t *end)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(m->v[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (*end = lo; *end < m->n && !strcmp(m->v[*end].path, path); ++*end)
		;
	return *end > lo ? &m->v[lo] : NULL;
}

/* The file holds bytes manifold wrote there (under any pair listing it). */
static bool owned_bytes(const owned *v, size_t n, const ondisk *d)
{
	unsigned long long h = d->kind == REGULAR ? fnv1a(d->data, d->len) : 0;

	for (size_t i = 0; d->kind == REGULAR && i < n; i++)
		if (v[i].hash == h)
			return true;
	return false;
}

/* The lines both the manifest and the journal list: what this run writes. */
static void list_lines(mf_buf *b, const mf_output *o, const unsigned long long *hash)
{
	for (size_t i = 0; i < o->n; i++)
		mf_buf_printf(b, "%016llx %s\n", hash[i], o->files[i].path);
}

static void manifest_text(mf_buf *b, const mf_output *o, unsigned long long *hash)
{
	for (size_t i = 0; i < o->n; i++)
		hash[i] = fnv1a(o->files[i].data, o->files[i].len);
	mf_buf_puts(b, MANIFEST_HEAD);
	list_lines(b, o, hash);
}

/* ---- planning: what each file needs, before anything is touched ---------- */

typedef enum action { KEEP, CREATE, UPDATE } action;

typedef struct plan {
	action *act;              /* per output file */
	unsigned long long *hash; /* per output file: of the bytes this run writes */
	size_t changes;           /* files to create or update, stale files to prune */
	size_t staged;            /* files to create or update */
	int conflicts;            /* files we may not overwrite or remove */
	mf_change_fn on_change;   /* the caller's, or NULL */
	void *arg;
} plan;

/* `forcible`: --force would overwrite it; else nothing will. */
__attribute__((format(printf, 4, 5))) static void conflict(mf_ctx *c, plan *p, bool forcible,
							   const char *fmt, ...)
{
	va_list ap;
	mf_diag *d;

	va_start(ap, fmt);
	d = vdiag(c, "output-conflict", false, fmt, ap);
	va_end(ap);
	if (d)
		mf_diag_note(c, d, "%s",
			     forcible ? "nothing was written; rerun with --force to overwrite it"
				      : "nothing was written; --force does not change this");
	p->conflicts++;
}

static void judge_file(mf_ctx *c, const mf_outfile *f, const ondisk *d, const owned *own,
		       size_t nown, unsigned flags, plan *p, action act)
{
	if (flags & MF_WRITE_CHECK) {
		/* under DIFF the caller shows the file, unless it is not a regular one */
		if (act != KEEP &&
		    !((flags & MF_WRITE_DIFF) && d->kind != SPECIAL && d->kind != DIRECTORY))
			drift(c,
			      act == CREATE ? "'%s' is missing: run 'manifold build'"
					    : "'%s' differs from what the description produces",
			      f->path);
	} else if (d->kind == DIRECTORY) {
		conflict(c, p, false, "'%s' is a directory: manifold will not replace it", f->path);
	} else if (act == UPDATE && !(flags & MF_WRITE_FORCE)) {
		if (!own)
			conflict(c, p, true, "'%s' exists and was not written by manifold",
				 f->path);
		else if (!owned_bytes(own, nown, d))
			conflict(c, p, true, "'%s' was edited by hand since manifold wrote it",
				 f->path);
	}
}

static void plan_file(mf_ctx *c, walker *w, const mf_outfile *f, manifest *m, unsigned flags,
		      plan *p, size_t i)
{
	int dir = walk(w, f->path), err = errno;
	ondisk d = {ABSENT, NULL, 0};
	size_t end;
	owned *own = manifest_find(m, f->path, &end);

	for (owned *v = own; v && v < m->v + end; v++)
		v->kept = true;
	if (dir < 0 && err != ENOENT) {
		conflict(c, p, false,
			 "'%s' would be written through a symlink or a file that is not a "
			 "directory",
			 f->path);
		return;
	}
	if (dir >= 0)
		d = read_at(dir, leaf(f->path));
	p->act[i] = d.kind == ABSENT ? CREATE
		    : d.kind == REGULAR && d.len == f->len && !memcmp(d.data, f->data, d.len)
			    ? KEEP
			    : UPDATE;
	p->changes += p->act[i] != KEEP;
	p->staged += p->act[i] != KEEP;
	judge_file(c, f, &d, own, own ? (size_t)(m->v + end - own) : 0, flags, p, p->act[i]);
	if (p->on_change)
		p->on_change(p->arg,
			     p->act[i] == KEEP     ? MF_CHANGE_KEEP
			     : p->act[i] == CREATE ? MF_CHANGE_CREATE
						   : MF_CHANGE_UPDATE,
			     f->path, d.data, d.len, f->data, f->len);
	free(d.data);
}

/* An owned file this run no longer produces: pruned if it is still ours. */
static void plan_gone(mf_ctx *c, walker *w, owned *v, size_t n, unsigned flags, plan *p)
{
	int dir = walk(w, v->path);
	ondisk d;

	if (dir < 0) {
		if (errno != ENOENT)
			conflict(c, p, false,
				 "'%s' is listed in the manifest but a directory on its way is a "
				 "symlink or not a directory: refusing to remove it",
				 v->path);
		return;
	}
	if ((d = read_at(dir, leaf(v->path))).kind == ABSENT)
		return;
	p->changes++;
	v->present = true;
	if (p->on_change)
		p->on_change(p->arg, MF_CHANGE_PRUNE, v->path, d.data, d.len, NULL, 0);
	if ((flags & MF_WRITE_CHECK) && (!(flags & MF_WRITE_DIFF) || d.kind != REGULAR))
		drift(c, "'%s' is stale: the description no longer produces it", v->path);
	else if (d.kind == DIRECTORY)
		conflict(c, p, false, "'%s' is no longer produced and is now a directory", v->path);
	else if (!(flags & MF_WRITE_FORCE) && !owned_bytes(v, n, &d))
		conflict(c, p, true, "'%s' is no longer produced but was edited by hand", v->path);
	free(d.data);
}

static void plan_stale(mf_ctx *c, walker *w, manifest *m, unsigned flags, plan *p)
{
	for (size_t i = 0, j; i < m->n; i = j) {
		for (j = i + 1; j < m->n && !strcmp(m->v[i].path, m->v[j].path); j++)
			;
		if (!m->v[i].kept)
			plan_gone(c, w, &m->v[i], j - i, flags, p);
	}
}

/* ---- the output directory: opened once, locked, never left --------------- */

typedef struct outdir {
	const char *dir; /* as given, for messages */
	int fd;          /* OUT, or -1 when it does not exist (--check) */
	int meta;        /* OUT/.manifold, or -1 */
	int lock;        /* OUT/.manifold/lock, or -1 */
	bool check;      /* --check: create nothing, take the lock shared */
	bool made_meta;  /* this run made .manifold: removed again if nothing is written */
	bool locked;     /* this run holds the lock */
	bool wrote;      /* the tree or the manifest was touched */
} outdir;

/* mkdir -p of the directory the user named (symlinks on the way are theirs). */
static int mkdir_p(mf_ctx *c, const char *dir)
{
	char *copy = strdup(dir);
	int rc = 0;

	if (!copy)
		return mf_error(c, MF_NOPOS, "internal", "out of memory");
	for (char *p = copy; rc == 0; p++) {
		if (*p && (*p != '/' || p == copy))
			continue;
		char save = *p;
		*p = '\0';
		if (mkdir(copy, 0755) != 0 && errno != EEXIST)
			rc = io_error(c, "cannot create '%s': %s", copy, strerror(errno));
		*p = save;
		if (!save)
			break;
	}
	free(copy);
	return rc;
}

static int busy(mf_ctx *c, const outdir *od)
{
	return io_error(c,
			"another manifold build is writing '%s' (it holds '%s/" META "/" LOCK
			"'): nothing was done; run again when it has finished",
			od->dir, od->dir);
}

/* One build at a time per output directory: the kernel drops the lock
 * when its holder exits, even on kill -9, so a lock is never stale.  A
 * second build fails at once rather than waiting on an unknown holder. */
static int take_lock(mf_ctx *c, outdir *od)
{
	struct stat held, now;
	int flags = od->check ? O_RDONLY : O_RDWR | O_CREAT;

	od->lock = openat(od->meta, LOCK, flags | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (od->lock < 0)
		return od->check && errno == ENOENT
			       ? 0
			       : io_error(c, "cannot open '%s/" META "/" LOCK "': %s", od->dir,
					  strerror(errno));
	if (flock(od->lock, (od->check ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			return busy(c, od);
		mf_warning(c, MF_NOPOS, "output-io",
			   "cannot lock '%s/" META "/" LOCK "': %s; concurrent builds into '%s' "
			   "are not detected",
			   od->dir, strerror(errno), od->dir);
		return 0;
	}
	/* a refused first build removes .manifold again, lock included: a lock
	 * on the removed file would guard nothing */
	if (fstat(od->lock, &held) != 0 || fstatat(od->meta, LOCK, &now, AT_SYMLINK_NOFOLLOW) ||
	    held.st_ino != now.st_ino || held.st_dev != now.st_dev)
		return busy(c, od);
	od->locked = true;
	return 0;
}

/* OUT/.manifold must be a real directory of OUT: through a symlink the
 * manifest, the journal and the staging files would live elsewhere. */
static int open_meta(mf_ctx *c, outdir *od)
{
	od->meta = openat(od->fd, META, DIR_FLAGS);
	if (od->meta < 0 && errno == ENOENT) {
		if (od->check)
			return 0;
		if (mkdirat(od->fd, META, 0755) != 0 && errno != EEXIST)
			return io_error(c, "cannot create '%s/" META "': %s", od->dir,
					strerror(errno));
		od->made_meta = true;
		od->meta = openat(od->fd, META, DIR_FLAGS);
	}
	if (od->meta < 0 && (errno == ELOOP || errno == ENOTDIR || errno == EMLINK))
		return refuse(c, "manifold keeps its manifest there; replace it with a directory",
			      "'%s/" META "' is a symlink or not a directory: refusing to use it",
			      od->dir);
	if (od->meta < 0)
		return io_error(c, "cannot open '%s/" META "': %s", od->dir, strerror(errno));
	return take_lock(c, od);
}

static int open_out(mf_ctx *c, outdir *od)
{
	if (!od->check && mkdir_p(c, od->dir) < 0)
		return FAILED;
	od->fd = open(od->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (od->fd < 0)
		return od->check && errno == ENOENT
			       ? 0
			       : io_error(c, "cannot open '%s': %s", od->dir, strerror(errno));
	return open_meta(c, od);
}

static void close_out(outdir *od)
{
	if (od->made_meta && od->locked && !od->wrote) {
		unlinkat(od->meta, LOCK, 0);
		unlinkat(od->fd, META, AT_REMOVEDIR);
	}
	if (od->lock >= 0)
		close(od->lock);
	if (od->meta >= 0)
		close(od->meta);
	if (od->fd >= 0)
		close(od->fd);
}

/* A staging folder left by a build that was killed: its files only. */
static void remove_staging(int meta, const char *name)
{
	int fd = openat(meta, name, DIR_FLAGS);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		unlinkat(meta, name, 0);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	unlinkat(meta, name, AT_REMOVEDIR);
}

/* Under the lock, any staging folder or temporary file in .manifold is the
 * debris of a build that was killed. */
static void clean_meta(outdir *od)
{
	int fd = openat(od->meta, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (!strncmp(e->d_name, "staging.", 8))
			remove_staging(od->meta, e->d_name);
		else if (n > 4 && !strcmp(e->d_name + n - 4, ".tmp"))
			unlinkat(od->meta, e->d_name, 0);
	}
	closedir(d);
}

/* ---- writing ------------------------------------------------------------ */

/* Phase 1 writes every new or changed file under .manifold/staging.<pid>/,
 * then the new manifest (manifest.tmp) and the journal; nothing in the
 * tree has changed yet, and any failure leaves it exactly as it was.
 * Phase 2 renames the staged files into place, prunes, renames the
 * manifest into place and removes the journal.  The journal, on disk
 * before the first rename, lists the pairs this run may leave behind: a
 * build that is killed or fails in phase 2 leaves every file holding bytes
 * that the manifest or the journal names, and the next build (of this
 * description or of the previous one) takes them as its own. */
typedef struct stage {
	int fd;
	char name[32]; /* staging.<pid> */
} stage;

static int stage_files(mf_ctx *c, const outdir *od, stage *st, const mf_output *o, const plan *p)
{
	char num[32];

	snprintf(st->name, sizeof st->name, "staging.%ld", (long)getpid());
	if (!p->staged)
		return 0;
	if (mkdirat(od->meta, st->name, 0700) != 0 ||
	    (st->fd = openat(od->meta, st->name, DIR_FLAGS)) < 0)
		return io_error(c, "cannot create '%s/" META "/%s': %s", od->dir, st->name,
				strerror(errno));
	for (size_t i = 0; i < o->n; i++) {
		if (p->act[i] == KEEP)
			continue;
		snprintf(num, sizeof num, "%zu", i);
		if (write_at(st->fd, num, o->files[i].data, o->files[i].len, O_EXCL, false) != 0)
			return io_error(c, "cannot write '%s/" META "/%s/%s' (for '%s'): %s",
					od->dir, st->name, num, o->files[i].path, strerror(errno));
	}
	return 0;
}

/* Remove what is still staged: from `from` on (every file when phase 1
 * failed; none when all were placed). */
static void unstage(const outdir *od, stage *st, const mf_output *o, const plan *p, size_t from)
{
	char num[32];

	if (st->fd < 0)
		return;
	for (size_t i = from; i < o->n; i++) {
		if (p->act[i] == KEEP)
			continue;
		snprintf(num, sizeof num, "%zu", i);
		unlinkat(st->fd, num, 0);
	}
	close(st->fd);
	unlinkat(od->meta, st->name, AT_REMOVEDIR);
}

static int write_meta(mf_ctx *c, const outdir *od, const char *name, const mf_buf *b)
{
	if (b->oom)
		return mf_error(c, MF_NOPOS, "internal", "out of memory");
	if (write_at(od->meta, name, b->data, b->len, O_TRUNC, true) != 0)
		return io_error(c, "cannot write '%s/" META "/%s': %s", od->dir, name,
				strerror(errno));
	return 0;
}

/* The journal is the intent: on disk, durably, before the first rename. */
static int write_journal(mf_ctx *c, const outdir *od, const mf_buf *b)
{
	if (write_meta(c, od, JOURNAL ".tmp", b) < 0)
		return FAILED;
	if (renameat(od->meta, JOURNAL ".tmp", od->meta, JOURNAL) != 0 || fsync(od->meta) != 0)
		return io_error(c, "cannot write '%s/" META "/" JOURNAL "': %s", od->dir,
				strerror(errno));
	return 0;
}

/* Pairs of an earlier unfinished build stay in the journal until a build
 * finishes: files may still hold those bytes. */
static void journal_text(mf_buf *b, const mf_output *o, const plan *p, const manifest *m)
{
	mf_buf_puts(b, JOURNAL_HEAD);
	list_lines(b, o, p->hash);
	for (size_t i = 0; i < m->n; i++) {
		mf_outfile key = {m->v[i].path, NULL, 0};
		const mf_outfile *f =
			m->v[i].journal ? bsearch(&key, o->files, o->n, sizeof key, cmp_outfile)
					: NULL;
		if (m->v[i].journal && (!f || p->hash[f - o->files] != m->v[i].hash))
			mf_buf_printf(b, "%016llx %s\n", m->v[i].hash, m->v[i].path);
	}
}

__attribute__((format(printf, 2, 3))) static int partial(mf_ctx *c, const char *fmt, ...)
{
	va_list ap;
	mf_diag *d;

	va_start(ap, fmt);
	d = vdiag(c, "output-io", true, fmt, ap);
	va_end(ap);
	if (d)
		mf_diag_note(c, d,
			     "the output directory is partly updated: '" META "/" JOURNAL
			     "' lists what each file may hold, so the next 'manifold build' "
			     "completes the update (or undoes it, from the previous description)");
	return FAILED;
}

static int place_files(mf_ctx *c, const outdir *od, const stage *st, const mf_output *o,
		       const plan *p, size_t *placed)
{
	walker w;
	char num[32];
	int rc = 0;

	walk_init(&w, od->fd, true, false);
	for (*placed = 0; *placed < o->n; ++*placed) {
		size_t i = *placed;
		if (p->act[i] == KEEP)
			continue;
		snprintf(num, sizeof num, "%zu", i);
		int dir = walk(&w, o->files[i].path);
		if (dir < 0 || renameat(st->fd, num, dir, leaf(o->files[i].path)) != 0) {
			rc = partial(c, "cannot move '%s' into place in '%s': %s", o->files[i].path,
				     od->dir, strerror(errno));
			break;
		}
	}
	walk_end(&w);
	return rc;
}

/* Remove owned files no longer produced, and the directories they leave empty. */
static int prune(mf_ctx *c, const outdir *od, const manifest *m)
{
	walker w;
	int rc = 0;

	walk_init(&w, od->fd, false, true);
	for (size_t i = 0; i < m->n && rc == 0; i++) {
		if (!m->v[i].present)
			continue;
		int dir = walk(&w, m->v[i].path);
		if (dir >= 0 && unlinkat(dir, leaf(m->v[i].path), 0) == 0) {
			if (w.depth)
				w.emptied[w.depth - 1] = true;
		} else if (errno != ENOENT) {
			rc = partial(c, "cannot remove '%s' from '%s': %s", m->v[i].path, od->dir,
				     strerror(errno));
		}
	}
	walk_end(&w);
	return rc;
}

/* The manifest replaced last: from then on it alone is true.  `moved`:
 * files were moved before, so a failure leaves the journal to finish. */
static int finish(mf_ctx *c, outdir *od, bool moved)
{
	od->wrote = true;
	if (renameat(od->meta, MANIFEST ".tmp", od->meta, MANIFEST) != 0)
		return (moved ? partial : io_error)(
			c, "cannot write '%s/" META "/" MANIFEST "': %s", od->dir, strerror(errno));
	if (unlinkat(od->meta, JOURNAL, 0) != 0 && errno != ENOENT)
		return io_error(c, "cannot remove '%s/" META "/" JOURNAL "': %s", od->dir,
				strerror(errno));
	return 0;
}

static int move_into_place(mf_ctx *c, outdir *od, stage *st, const mf_output *o, const plan *p,
			   const manifest *m)
{
	size_t placed = 0;
	int rc;

	od->wrote = true;
	rc = place_files(c, od, st, o, p, &placed);
	if (rc == 0)
		rc = prune(c, od, m);
	if (rc == 0)
		rc = finish(c, od, true);
	if (rc < 0)
		unlinkat(od->meta, MANIFEST ".tmp", 0);
	unstage(od, st, o, p, placed);
	return rc;
}

static int commit(mf_ctx *c, outdir *od, const mf_output *o, const plan *p, const manifest *m,
		  const mf_buf *mtext)
{
	stage st = {-1, ""};
	mf_buf jtext;
	int rc;

	if (!p->changes) /* nothing moves: the manifest alone, if it changed */
		return m->same && !m->journal                          ? 0
		       : write_meta(c, od, MANIFEST ".tmp", mtext) < 0 ? FAILED
								       : finish(c, od, false);
	mf_buf_init(&jtext);
	journal_text(&jtext, o, p, m);
	rc = stage_files(c, od, &st, o, p);
	if (rc == 0)
		rc = write_meta(c, od, MANIFEST ".tmp", mtext);
	if (rc == 0)
		rc = write_journal(c, od, &jtext);
	mf_buf_release(&jtext);
	if (rc == 0)
		return move_into_place(c, od, &st, o, p, m);
	unstage(od, &st, o, p, 0);
	unlinkat(od->meta, MANIFEST ".tmp", 0);
	unlinkat(od->meta, JOURNAL ".tmp", 0);
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

static int run_plan(mf_ctx *c, const outdir *od, const mf_output *o, manifest *m, unsigned flags,
		    plan *p)
{
	walker w;

	walk_init(&w, od->fd, false, false);
	for (size_t i = 0; i < o->n; i++)
		plan_file(c, &w, &o->files[i], m, flags, p, i);
	plan_stale(c, &w, m, flags, p);
	walk_end(&w);
	if ((flags & MF_WRITE_CHECK) && m->journal) {
		drift(c,
		      "a build into '%s' did not finish ('%s/" META "/" JOURNAL "' is there): "
		      "run 'manifold build'",
		      od->dir, od->dir);
		p->changes++;
	}
	return p->conflicts ? REFUSED : 0;
}

int mf_output_write(mf_ctx *c, const mf_output *o, const char *dir, unsigned flags, size_t *ndrift)
{
	return mf_output_write_cb(c, o, dir, flags, ndrift, NULL, NULL);
}

int mf_output_write_cb(mf_ctx *c, const mf_output *o, const char *dir, unsigned flags,
		       size_t *ndrift, mf_change_fn on_change, void *arg)
{
	outdir od = {dir, -1, -1, -1, (flags & MF_WRITE_CHECK) != 0, false, false, false};
	manifest m = {.shown = mf_printf(c->a, "%s/" META "/", dir)};
	plan p = {.on_change = on_change, .arg = arg};
	mf_buf text;
	size_t cap;
	int rc;

	*ndrift = 0;
	if (!*dir)
		return refuse(c, NULL, "the output directory name is empty");
	if (check_unique(c, o) < 0)
		return FAILED;
	/* drift and conflicts get a cap of their own after the findings */
	cap = c->max_errors;
	c->max_errors = c->nerrors + (cap ? cap : 50);
	mf_buf_init(&text);
	p.act = calloc(o->n + 1, sizeof *p.act);
	p.hash = calloc(o->n + 1, sizeof *p.hash);
	if (p.hash && !od.check) /* --check writes no manifest: no hash needed */
		manifest_text(&text, o, p.hash);
	rc = !p.act || !p.hash || text.oom ? mf_error(c, MF_NOPOS, "internal", "out of memory")
					   : open_out(c, &od);
	if (rc == 0 && !od.check)
		clean_meta(&od);
	if (rc == 0)
		rc = manifest_load(c, od.meta, &m, &text);
	if (rc == 0)
		rc = run_plan(c, &od, o, &m, flags, &p);
	*ndrift = od.check ? p.changes : 0;
	if (rc == 0 && !od.check)
		rc = commit(c, &od, o, &p, &m, &text);
	close_out(&od);
	c->max_errors = cap;
	mf_buf_release(&text);
	manifest_release(&m);
	free(p.act);
	free(p.hash);
	return rc;
}
