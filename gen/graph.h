/* report: the dependency graph of one environment as Mermaid or DOT */
#ifndef MF_GRAPH_H
#define MF_GRAPH_H

#include <stdio.h>
#include "resolve.h"

typedef enum mf_graph_format {
	MF_GRAPH_MERMAID,
	MF_GRAPH_DOT,
} mf_graph_format;

/* Write the services of e (a service once, whatever its tenants), their
 * dependencies with their conditions, the start-up waves they fall into,
 * the tenants and the machines, in the format; deterministic.  Returns 0,
 * or -1 when writing failed or memory ran out. */
int mf_graph_write(mf_ctx *c, const mf_system *s, const mf_env *e, mf_graph_format f, FILE *fp);

#endif
