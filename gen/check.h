/* check: policy rules over the resolved system and its rendered objects */
#ifndef MF_CHECK_H
#define MF_CHECK_H

#include "render.h"

/* Rule ids, severities and help come from rules.def (an X-macro list):
 *   RULE(ENUM_SUFFIX, "rule-id", SEVERITY, GATE, "summary", "help")
 * expanded into this enum, the rule table, `manifold rules`, `manifold
 * explain` and SARIF's rules[]. */
typedef enum mf_rule_id {
#define RULE(e, id, sev, gate, summary, help) MF_RULE_##e,
#include "rules.def"
#undef RULE
	MF_RULE_COUNT
} mf_rule_id;

typedef struct mf_rule {
	const char *id;
	mf_severity sev;
	const char *summary;
	const char *help;
} mf_rule;

extern const mf_rule mf_rules[MF_RULE_COUNT];
const mf_rule *mf_rule_find(const char *id);

/* The compiler's own diagnostic ids (diagnostics.def): what `manifold
 * explain` says about an id that is no rule. */
extern const mf_rule mf_diagnostics[];
extern const size_t mf_ndiagnostics;
const mf_rule *mf_diagnostic_find(const char *id);

/* Where a rule runs: in `manifold check`, in `manifold lint`, and, when in
 * both, whether one implementation judges the pods and objects in both, so
 * that lint over the objects check rendered finds what check found.  Rules
 * that also run on the description in check (machines, resolved ports, the
 * Compose dependency graph) have their own version in lint. */
enum {
	MF_WHERE_CHECK = 1u << 0,
	MF_WHERE_LINT = 1u << 1,
	MF_WHERE_SHARED = 1u << 2,
};
unsigned mf_rule_where(mf_rule_id r);

/* A declarative rule of a policy pack, as `manifold explain` shows it. */
typedef struct mf_pack_rule {
	const char *id, *pack, *summary, *help, *message;
	mf_severity sev;
} mf_pack_rule;

/* Look a rule id up in the named packs (names or paths, as --policy takes
 * them) and in every built-in pack; 1 found (*out set), 0 not found, -1
 * when a pack does not load (diagnostics added). */
int mf_pack_rule_find(mf_ctx *c, const char *id, const char *const *packs, size_t npacks,
		      mf_pack_rule *out);

typedef struct mf_check_opts {
	const char *const *envs; /* restrict to these environments (NULL: all) */
	size_t nenvs;
	bool explain_defaults; /* an info note per instance: what its profile gave it */
	bool no_fold;          /* keep each instance's finding, not one per rule and line */
} mf_check_opts;

/* Run every built-in rule and every policy pack the environments name over
 * the resolved system and the objects rendered for it (r->sys); findings
 * are added to c->diags (waived ones marked, not dropped).  Returns 0, or
 * -1 when a policy pack is invalid input (diagnostics added: exit 2). */
int mf_check(mf_ctx *c, const mf_rendered *r, const mf_check_opts *o);

/* Lint hand-written manifests: Kubernetes YAML streams and Compose files,
 * with the named policy packs (none: "baseline"). */
int mf_lint(mf_ctx *c, const char *const *paths, size_t npaths, const char *const *packs,
	    size_t npacks);

#endif
