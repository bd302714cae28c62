/* resolve: the dependency graph of an environment and its start-up waves (Kahn's algorithm) */
#include <string.h>
#include "depgraph.h"

static size_t node_of(const mf_depgraph *g, const char *name)
{
	size_t lo = 0, hi = g->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = strcmp(g->names[mid], name);
		if (!r)
			return mid;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (size_t)-1;
}

static int cmp_edge(const void *x, const void *y)
{
	const mf_dep_edge *a = x, *b = y;
	int r = (a->from > b->from) - (a->from < b->from);

	return r ? r : (a->to > b->to) - (a->to < b->to);
}

/* Instances are sorted by service: a service's copies are adjacent. */
static int nodes(mf_ctx *c, const mf_env *e, mf_depgraph *g, size_t *nedges)
{
	*nedges = 0;
	g->names = mf_alloc(c->a, (e->ninst + 1) * sizeof *g->names);
	g->first = mf_alloc(c->a, (e->ninst + 1) * sizeof *g->first);
	for (size_t i = 0; g->names && g->first && i < e->ninst; i++) {
		const mf_node *deps = mf_get(e->inst[i].spec, "dependsOn");
		*nedges += deps ? deps->n : 0;
		if (!g->n || strcmp(g->names[g->n - 1], e->inst[i].service))
			g->first[g->n] = &e->inst[i], g->names[g->n++] = e->inst[i].service;
	}
	return g->names && g->first ? 0 : -1;
}

static mf_dep_edge edge_of(size_t u, size_t v, const mf_pair *p)
{
	const mf_node *val = p->val;
	mf_dep_edge d = {u, v, NULL, true, p->pos};

	if (val && val->kind == MF_STR)
		d.cond = mf_str(val);
	else if (val && val->kind == MF_MAP)
		d.cond = mf_get_str(val, "condition"),
		d.required = mf_get_bool(val, "required", true);
	return d;
}

/* Tenants' copies of a service repeat its edges: sorting drops them (the
 * first copy's condition stays). */
static int edges(mf_ctx *c, const mf_env *e, mf_depgraph *g, size_t cap)
{
	size_t m = 0;

	if (!(g->e = mf_alloc(c->a, (cap + 1) * sizeof *g->e)) ||
	    !(g->out = mf_alloc(c->a, (g->n + 2) * sizeof *g->out)))
		return -1;
	for (size_t i = 0; i < e->ninst; i++) {
		const mf_node *deps = mf_get(e->inst[i].spec, "dependsOn");
		size_t u = node_of(g, e->inst[i].service);
		for (size_t d = 0; deps && d < deps->n; d++) {
			size_t v = node_of(g, deps->pairs[d].key);
			if (v != (size_t)-1)
				g->e[g->ne++] = edge_of(u, v, &deps->pairs[d]);
		}
	}
	mf_stable_sort(g->e, g->ne, sizeof *g->e, cmp_edge);
	for (size_t i = 0; i < g->ne; i++)
		if (!m || cmp_edge(&g->e[m - 1], &g->e[i]))
			g->e[m++] = g->e[i];
	g->ne = m;
	for (size_t i = 0, u = 0; u <= g->n; u++) {
		while (i < g->ne && g->e[i].from < u)
			i++;
		g->out[u] = i;
	}
	return 0;
}

/* Each edge is relaxed once, from the dependency to its dependents. */
static int waves(mf_ctx *c, mf_depgraph *g)
{
	size_t *pending = mf_alloc(c->a, (g->n + 1) * sizeof *pending);
	size_t *in = mf_alloc(c->a, (g->n + 2) * sizeof *in),
	       *by = mf_alloc(c->a, (g->ne + 1) * sizeof *by);
	size_t *queue = mf_alloc(c->a, (g->n + 1) * sizeof *queue), head = 0, tail = 0;

	if (!pending || !in || !by || !queue ||
	    !(g->wave = mf_alloc(c->a, (g->n + 1) * sizeof *g->wave)))
		return -1;
	for (size_t i = 0; i < g->ne; i++)
		pending[g->e[i].from]++, in[g->e[i].to + 1]++;
	for (size_t u = 0; u < g->n; u++)
		in[u + 1] += in[u];
	for (size_t i = 0, *fill = memcpy(queue, in, g->n * sizeof *in); i < g->ne; i++)
		by[fill[g->e[i].to]++] = g->e[i].from;
	for (size_t u = 0; u < g->n; u++)
		if (!pending[u])
			queue[tail++] = u, g->wave[u] = 1;
	while (head < tail) {
		size_t v = queue[head++];
		g->waves = g->wave[v] > g->waves ? g->wave[v] : g->waves;
		for (size_t i = in[v]; i < in[v + 1]; i++) {
			size_t u = by[i];
			if (g->wave[v] + 1 > g->wave[u])
				g->wave[u] = g->wave[v] + 1;
			if (!--pending[u])
				queue[tail++] = u;
		}
	}
	for (size_t u = 0; u < g->n; u++)
		if (pending[u])
			g->wave[u] = 0;
	return 0;
}

int mf_depgraph_build(mf_ctx *c, const mf_env *e, mf_depgraph *g)
{
	size_t cap;

	memset(g, 0, sizeof *g);
	if (nodes(c, e, g, &cap) < 0 || edges(c, e, g, cap) < 0 || waves(c, g) < 0)
		return -1;
	return 0;
}

size_t mf_depgraph_node(const mf_depgraph *g, const char *name)
{
	return node_of(g, name);
}
