/* emit: line diffs (Myers' O(ND) algorithm, linear-space refinement) and unified diff text */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "diff.h"

/* E. W. Myers, "An O(ND) Difference Algorithm and Its Variations",
 * Algorithmica 1 (1986): the middle snake of a shortest edit script is
 * found by searching forward from the start and backward from the end at
 * once, in O(N+M) space; the two halves either side of it are solved the
 * same way. */

#define TOO_EXPENSIVE 4096 /* search rounds before a good split is taken instead */

/* ---- lines as numbers ---------------------------------------------------- */

static size_t count_lines(const char *s, size_t n)
{
	size_t lines = 0;

	for (const char *p = s, *end = s + n; p < end; lines++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	return lines;
}

static const char **split(const char *s, size_t n, size_t lines)
{
	const char **v = malloc((lines + 1) * sizeof *v);
	const char *p = s, *end = s + n;

	for (size_t i = 0; v && i < lines; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		v[i] = p;
		p = nl ? nl + 1 : end;
	}
	if (v)
		v[lines] = end;
	return v;
}

static uint64_t hash_line(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h;
}

/* Equal lines get equal numbers: one open-addressing table over both texts. */
typedef struct interner {
	const char **start; /* per slot: a line with this slot's text, or NULL */
	size_t *len, *id, mask, next;
} interner;

static size_t intern(interner *t, const char *p, size_t n)
{
	size_t slot = (size_t)hash_line(p, n) & t->mask;

	while (t->start[slot] && (t->len[slot] != n || memcmp(t->start[slot], p, n)))
		slot = (slot + 1) & t->mask;
	if (!t->start[slot]) {
		t->start[slot] = p;
		t->len[slot] = n;
		t->id[slot] = t->next++;
	}
	return t->id[slot];
}

static int number_lines(const mf_diff *d, size_t *ia, size_t *ib)
{
	interner t = {0};
	size_t slots = 16;

	while (slots < 2 * (d->na + d->nb))
		slots *= 2;
	t.mask = slots - 1;
	t.start = calloc(slots, sizeof *t.start);
	t.len = malloc(slots * sizeof *t.len);
	t.id = malloc(slots * sizeof *t.id);
	for (size_t i = 0; t.start && t.len && t.id && i < d->na; i++)
		ia[i] = intern(&t, d->la[i], (size_t)(d->la[i + 1] - d->la[i]));
	for (size_t j = 0; t.start && t.len && t.id && j < d->nb; j++)
		ib[j] = intern(&t, d->lb[j], (size_t)(d->lb[j + 1] - d->lb[j]));
	free(t.len);
	free(t.id);
	free(t.start);
	return t.start && t.len && t.id ? 0 : -1;
}

/* ---- the middle snake ---------------------------------------------------- */

typedef struct search {
	const size_t *a, *b;
	long *fd, *bd; /* furthest x reached on each diagonal k = x - y, forward and backward */
	bool *del, *ins;
} search;

typedef struct box {
	long x0, x1, y0, y1; /* a[x0, x1) against b[y0, y1) */
} box;

/* One more round forward: true when it meets the backward search. */
static bool forward(search *s, const box *r, long *lo, long *hi, long blo, long bhi, bool odd,
		    long *mx, long *my)
{
	long *fd = s->fd, dmin = r->x0 - r->y1, dmax = r->x1 - r->y0;

	if (*lo > dmin)
		fd[--*lo - 1] = -1;
	else
		++*lo;
	if (*hi < dmax)
		fd[++*hi + 1] = -1;
	else
		--*hi;
	for (long k = *hi; k >= *lo; k -= 2) {
		long x = fd[k - 1] >= fd[k + 1] ? fd[k - 1] + 1 : fd[k + 1], y = x - k;
		while (x < r->x1 && y < r->y1 && s->a[x] == s->b[y])
			x++, y++;
		fd[k] = x;
		if (odd && blo <= k && k <= bhi && s->bd[k] <= x) {
			*mx = x, *my = y;
			return true;
		}
	}
	return false;
}

/* One more round backward: true when it meets the forward search. */
static bool backward(search *s, const box *r, long *lo, long *hi, long flo, long fhi, bool odd,
		     long *mx, long *my)
{
	long *bd = s->bd, dmin = r->x0 - r->y1, dmax = r->x1 - r->y0;

	if (*lo > dmin)
		bd[--*lo - 1] = LONG_MAX;
	else
		++*lo;
	if (*hi < dmax)
		bd[++*hi + 1] = LONG_MAX;
	else
		--*hi;
	for (long k = *hi; k >= *lo; k -= 2) {
		long x = bd[k - 1] < bd[k + 1] ? bd[k - 1] : bd[k + 1] - 1, y = x - k;
		while (x > r->x0 && y > r->y0 && s->a[x - 1] == s->b[y - 1])
			x--, y--;
		bd[k] = x;
		if (!odd && flo <= k && k <= fhi && x <= s->fd[k]) {
			*mx = x, *my = y;
			return true;
		}
	}
	return false;
}

/* After too many rounds: the point either search reached furthest. */
static void best_point(const search *s, const box *r, long flo, long fhi, long blo, long bhi,
		       long *mx, long *my)
{
	long fbest = -1, fx = r->x0, bbest = LONG_MAX, bx = r->x1;

	for (long k = fhi; k >= flo; k -= 2) {
		long x = s->fd[k] < r->x1 ? s->fd[k] : r->x1, y = x - k;
		if (y > r->y1)
			x = r->y1 + k, y = r->y1;
		if (x + y > fbest)
			fbest = x + y, fx = x;
	}
	for (long k = bhi; k >= blo; k -= 2) {
		long x = s->bd[k] > r->x0 ? s->bd[k] : r->x0, y = x - k;
		if (y < r->y0)
			x = r->y0 + k, y = r->y0;
		if (x + y < bbest)
			bbest = x + y, bx = x;
	}
	if (fbest - (r->x0 + r->y0) >= (r->x1 + r->y1) - bbest)
		*mx = fx, *my = fbest - fx;
	else
		*mx = bx, *my = bbest - bx;
}

static void middle_snake(search *s, const box *r, long *mx, long *my)
{
	long fmid = r->x0 - r->y0, bmid = r->x1 - r->y1;
	long flo = fmid, fhi = fmid, blo = bmid, bhi = bmid;
	bool odd = (fmid - bmid) & 1;

	s->fd[fmid] = r->x0;
	s->bd[bmid] = r->x1;
	for (long round = 1;; round++) {
		if (forward(s, r, &flo, &fhi, blo, bhi, odd, mx, my) ||
		    backward(s, r, &blo, &bhi, flo, fhi, odd, mx, my))
			return;
		if (round >= TOO_EXPENSIVE) {
			best_point(s, r, flo, fhi, blo, bhi, mx, my);
			return;
		}
	}
}

static void mark_all(search *s, const box *r)
{
	for (long y = r->y0; y < r->y1; y++)
		s->ins[y] = true;
	for (long x = r->x0; x < r->x1; x++)
		s->del[x] = true;
}

/* Strip what both ends share, then split at the middle snake.  The halves
 * of a shortest script are strictly shorter, so the recursion ends; its
 * depth grows with log D. */
static void compare(search *s, box r)
{
	long mx, my;

	while (r.x0 < r.x1 && r.y0 < r.y1 && s->a[r.x0] == s->b[r.y0])
		r.x0++, r.y0++;
	while (r.x0 < r.x1 && r.y0 < r.y1 && s->a[r.x1 - 1] == s->b[r.y1 - 1])
		r.x1--, r.y1--;
	if (r.x0 == r.x1 || r.y0 == r.y1) {
		mark_all(s, &r);
		return;
	}
	middle_snake(s, &r, &mx, &my);
	if ((mx == r.x0 && my == r.y0) || (mx == r.x1 && my == r.y1)) {
		mark_all(s, &r); /* no progress (only possible past the cut-off) */
		return;
	}
	compare(s, (box){r.x0, mx, r.y0, my});
	compare(s, (box){mx, r.x1, my, r.y1});
}

void mf_diff_release(mf_diff *d)
{
	free(d->la);
	free(d->lb);
	free(d->del);
	free(d->ins);
	memset(d, 0, sizeof *d);
}

static int run_search(mf_diff *d)
{
	size_t diagonals = d->na + d->nb + 3;
	size_t *ia = malloc((d->na + 1) * sizeof *ia), *ib = malloc((d->nb + 1) * sizeof *ib);
	long *fd = malloc(diagonals * sizeof *fd), *bd = malloc(diagonals * sizeof *bd);
	int rc = ia && ib && fd && bd ? number_lines(d, ia, ib) : -1;

	if (rc == 0) {
		/* diagonal k is at index k + nb + 1: k runs from -nb - 1 to na + 1 */
		search s = {ia, ib, fd + d->nb + 1, bd + d->nb + 1, d->del, d->ins};
		compare(&s, (box){0, (long)d->na, 0, (long)d->nb});
	}
	free(ia);
	free(ib);
	free(fd);
	free(bd);
	return rc;
}

int mf_diff_compute(const char *a, size_t alen, const char *b, size_t blen, mf_diff *d)
{
	memset(d, 0, sizeof *d);
	d->na = count_lines(a, alen);
	d->nb = count_lines(b, blen);
	d->la = split(a, alen, d->na);
	d->lb = split(b, blen, d->nb);
	d->del = calloc(d->na + 1, sizeof *d->del);
	d->ins = calloc(d->nb + 1, sizeof *d->ins);
	if (!d->la || !d->lb || !d->del || !d->ins || d->na > LONG_MAX / 4 ||
	    d->nb > LONG_MAX / 4 || run_search(d) < 0) {
		mf_diff_release(d);
		return -1;
	}
	return 0;
}

/* ---- unified output ------------------------------------------------------ */

/* One run of deleted lines a[i0, i1) and inserted lines b[j0, j1). */
typedef struct change {
	size_t i0, i1, j0, j1;
} change;

/* The changes in order; *n of them.  Unmarked lines pair up in order. */
static change *changes_of(const mf_diff *d, size_t *n)
{
	change *v = malloc((d->na + d->nb + 1) * sizeof *v);
	size_t i = 0, j = 0;

	*n = 0;
	while (v && (i < d->na || j < d->nb)) {
		size_t i0 = i, j0 = j;
		if (i < d->na && j < d->nb && !d->del[i] && !d->ins[j]) {
			i++, j++;
			continue;
		}
		while (i < d->na && d->del[i])
			i++;
		while (j < d->nb && d->ins[j])
			j++;
		if (i == i0 && j == j0) /* marks that do not pair up: never from compare() */
			break;
		v[(*n)++] = (change){i0, i, j0, j};
	}
	return v;
}

typedef struct painter {
	mf_buf *out;
	bool color;
} painter;

static void put_line(painter *p, char mark, const char *s, const char *end)
{
	static const char *const colors[] = {"\033[31m", "\033[32m"};
	const char *c = mark == '-' ? colors[0] : mark == '+' ? colors[1] : NULL;
	bool nl = end > s && end[-1] == '\n';

	if (p->color && c)
		mf_buf_puts(p->out, c);
	mf_buf_add(p->out, &mark, 1);
	mf_buf_add(p->out, s, (size_t)(end - s) - nl);
	if (p->color && c)
		mf_buf_puts(p->out, "\033[0m");
	mf_buf_puts(p->out, nl ? "\n" : "\n\\ No newline at end of file\n");
}

/* "-l,n": the first line and the count; an empty range names the line
 * before it, and a count of one is left out, as diff -u writes them. */
static void put_range(mf_buf *b, char sign, size_t start, size_t count)
{
	if (count == 1)
		mf_buf_printf(b, "%c%zu", sign, start + 1);
	else
		mf_buf_printf(b, "%c%zu,%zu", sign, count ? start + 1 : start, count);
}

static void put_hunk(painter *p, const mf_diff *d, const change *c, size_t n, size_t context)
{
	size_t a0 = c[0].i0 > context ? c[0].i0 - context : 0;
	size_t b0 = c[0].j0 - (c[0].i0 - a0);
	size_t a1 = c[n - 1].i1 + context < d->na ? c[n - 1].i1 + context : d->na;
	size_t b1 = c[n - 1].j1 + (a1 - c[n - 1].i1), i = a0;

	mf_buf_puts(p->out, p->color ? "\033[36m@@ " : "@@ ");
	put_range(p->out, '-', a0, a1 - a0);
	mf_buf_puts(p->out, " ");
	put_range(p->out, '+', b0, b1 - b0);
	mf_buf_puts(p->out, p->color ? " @@\033[0m\n" : " @@\n");
	for (size_t k = 0; k < n; k++) {
		for (; i < c[k].i0; i++)
			put_line(p, ' ', d->la[i], d->la[i + 1]);
		for (; i < c[k].i1; i++)
			put_line(p, '-', d->la[i], d->la[i + 1]);
		for (size_t j = c[k].j0; j < c[k].j1; j++)
			put_line(p, '+', d->lb[j], d->lb[j + 1]);
	}
	for (; i < a1; i++)
		put_line(p, ' ', d->la[i], d->la[i + 1]);
}

static void put_header(painter *p, const char *from, const char *to)
{
	const char *bold = p->color ? "\033[1m" : "", *reset = p->color ? "\033[0m" : "";

	mf_buf_printf(p->out, "%s--- %s%s%s\n", bold, from ? "a/" : "", from ? from : "/dev/null",
		      reset);
	mf_buf_printf(p->out, "%s+++ %s%s%s\n", bold, to ? "b/" : "", to ? to : "/dev/null", reset);
}

int mf_diff_unified(mf_buf *out, const char *a, size_t alen, const char *b, size_t blen,
		    const char *from, const char *to, size_t context, bool color)
{
	painter p = {out, color};
	mf_diff d;
	change *c;
	size_t n, k = 0;

	if (mf_diff_compute(a, alen, b, blen, &d) < 0)
		return -1;
	if (!(c = changes_of(&d, &n))) {
		mf_diff_release(&d);
		return -1;
	}
	if (n || !from != !to)
		put_header(&p, from, to);
	while (k < n) {
		size_t m = k + 1;
		/* changes closer than two contexts share a hunk */
		while (m < n && c[m].i0 - c[m - 1].i1 <= 2 * context)
			m++;
		put_hunk(&p, &d, c + k, m - k, context);
		k = m;
	}
	free(c);
	mf_diff_release(&d);
	return out->oom ? -1 : 0;
}
