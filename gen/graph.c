/* report: services, dependencies, start-up waves, tenants and machines as Mermaid or DOT */
#include <string.h>
#include "depgraph.h"
#include "graph.h"

/* Arrows point from a dependency to the service that waits for it, so the
 * waves read left to right in start-up order. */

#define MAX_NAMED 6 /* tenants named in a label before "and N more" */

typedef struct gw {
	mf_ctx *c;
	const mf_system *s;
	const mf_env *e;
	const mf_depgraph *g;
	bool dot;
	FILE *fp;
} gw;

/* "s_api_gateway": names are DNS labels, so '-' to '_' is one to one, and
 * the prefix keeps Mermaid's words (end, graph) out of the ids. */
static void put_id(const gw *w, size_t u)
{
	if (w->dot) {
		fprintf(w->fp, "\"%s\"", w->g->names[u]);
		return;
	}
	fputs("s_", w->fp);
	for (const char *p = w->g->names[u]; *p; p++)
		fputc(*p == '-' ? '_' : *p, w->fp);
}

/* The tenants with a copy of service u: its instances are adjacent. */
static const char *tenants_of(const gw *w, size_t u)
{
	const mf_instance *in = w->g->first[u], *end = w->e->inst + w->e->ninst;
	const char *list = NULL;
	size_t n = 0;

	for (; in < end && !strcmp(in->service, w->g->names[u]); in++) {
		if (!in->tenant)
			continue;
		if (n++ < MAX_NAMED)
			list = list ? mf_printf(w->c->a, "%s, %s", list, in->tenant->name)
				    : in->tenant->name;
	}
	if (n > MAX_NAMED)
		list = mf_printf(w->c->a, "%s and %zu more", list, n - MAX_NAMED);
	return list;
}

static void put_node(const gw *w, size_t u, const char *indent)
{
	const mf_instance *in = w->g->first[u];
	const char *br = w->dot ? "\\n" : "<br/>", *tenants = tenants_of(w, u);

	fputs(indent, w->fp);
	put_id(w, u);
	fprintf(w->fp, "%s\"%s", w->dot ? " [label=" : "[", w->g->names[u]);
	if (in->kind != MF_W_DEPLOYMENT)
		fprintf(w->fp, "%s%s", br, mf_workload_name(in->kind));
	if (in->machine)
		fprintf(w->fp, "%smachine: %s", br, in->machine);
	if (tenants)
		fprintf(w->fp, "%sper tenant: %s", br, tenants);
	fputs(w->dot ? "\"];\n" : "\"]\n", w->fp);
}

/* One wave (0: the services waiting on a cycle) as a subgraph. */
static void put_wave(const gw *w, size_t wave)
{
	bool any = false;

	for (size_t u = 0; u < w->g->n; u++) {
		if (w->g->wave[u] != wave)
			continue;
		if (!any && wave)
			fprintf(w->fp,
				w->dot ? "\tsubgraph cluster_wave_%zu {\n\t\tlabel=\"wave %zu\";\n"
				       : "  subgraph wave_%zu[\"wave %zu\"]\n",
				wave, wave);
		else if (!any)
			fputs(w->dot ? "\tsubgraph cluster_cycle {\n\t\tlabel=\"waiting on a "
				       "dependency cycle\";\n"
				     : "  subgraph cycle[\"waiting on a dependency cycle\"]\n",
			      w->fp);
		any = true;
		put_node(w, u, w->dot ? "\t\t" : "    ");
	}
	if (any)
		fputs(w->dot ? "\t}\n" : "  end\n", w->fp);
}

static void put_edge(const gw *w, const mf_dep_edge *d)
{
	const char *label = d->cond && !d->required ? mf_printf(w->c->a, "%s, optional", d->cond)
			    : d->cond               ? d->cond
			    : !d->required          ? "optional"
						    : NULL;

	fputs(w->dot ? "\t" : "  ", w->fp);
	put_id(w, d->to);
	if (w->dot) {
		fputs(" -> ", w->fp);
		put_id(w, d->from);
		if (label || !d->required)
			fprintf(w->fp, " [%s%s%s%s]", label ? "label=\"" : "", label ? label : "",
				label ? "\"" : "", d->required ? "" : ", style=dashed");
		fputs(";\n", w->fp);
		return;
	}
	fprintf(w->fp, " %s%s%s%s ", d->required ? "-->" : "-.->", label ? "|" : "",
		label ? label : "", label ? "|" : "");
	put_id(w, d->from);
	fputc('\n', w->fp);
}

/* "machine mainpc: cpu 16, memory 64Gi, gpu 2, address mainpc.lan" */
static void put_machine(const gw *w, const char *lead, const mf_pair *m)
{
	static const char *const keys[] = {"cpu", "memory", "gpu", "address"};
	bool first = true;

	fprintf(w->fp, "%s machine %s", lead, m->key);
	for (size_t k = 0; k < MF_NELEM(keys); k++) {
		const char *v = mf_str(mf_get(m->val, keys[k]));
		if (!v)
			continue;
		fprintf(w->fp, "%s %s ", first ? ":" : ",", keys[k]);
		mf_put_escaped(v, w->fp);
		first = false;
	}
	fputc('\n', w->fp);
}

/* Comment lines: what is drawn, the tenants and the machines. */
static void put_header(const gw *w)
{
	const char *lead = w->dot ? "//" : "%%";
	const mf_node *machines = mf_get(w->s->doc, "machines");
	size_t blocked = 0;

	if (w->e->is_base)
		fprintf(w->fp, "%s manifold graph of '%s', as written (no environment)", lead,
			w->s->name);
	else
		fprintf(w->fp, "%s manifold graph of '%s', environment '%s'", lead, w->s->name,
			w->e->name);
	for (size_t u = 0; u < w->g->n; u++)
		blocked += !w->g->wave[u];
	fprintf(w->fp, ": %zu service%s in %zu start-up wave%s", w->g->n, w->g->n == 1 ? "" : "s",
		w->g->waves, w->g->waves == 1 ? "" : "s");
	if (blocked)
		fprintf(w->fp, " (%zu wait on a dependency cycle)", blocked);
	fputc('\n', w->fp);
	fprintf(w->fp, "%s an arrow points from a dependency to the service that waits for it\n",
		lead);
	for (size_t i = 0; i < w->e->ntenants; i++)
		fprintf(w->fp, "%s tenant %s: namespace %s\n", lead, w->e->tenants[i].name,
			w->e->tenants[i].ns);
	for (size_t i = 0; machines && i < machines->n; i++)
		put_machine(w, lead, &machines->pairs[i]);
}

int mf_graph_write(mf_ctx *c, const mf_system *s, const mf_env *e, mf_graph_format f, FILE *fp)
{
	mf_depgraph g;
	gw w = {c, s, e, &g, f == MF_GRAPH_DOT, fp};

	if (mf_depgraph_build(c, e, &g) < 0)
		return mf_error(c, MF_NOPOS, "internal", "out of memory");
	put_header(&w);
	if (w.dot)
		fprintf(fp, "digraph \"%s\" {\n\trankdir=LR;\n\tnode [shape=box];\n", s->name);
	else
		fputs("flowchart LR\n", fp);
	for (size_t wave = 1; wave <= g.waves; wave++)
		put_wave(&w, wave);
	put_wave(&w, 0);
	for (size_t i = 0; i < g.ne; i++)
		put_edge(&w, &g.e[i]);
	if (w.dot)
		fputs("}\n", fp);
	return fflush(fp) != 0 || ferror(fp) ? -1 : 0;
}
