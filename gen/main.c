/* main: the command line; the only place that picks an exit code */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "cron.h"
#include "diff.h"
#include "emit.h"
#include "embedded.h"
#include "graph.h"
#include "import.h"
#include "load.h"
#include "report.h"

enum {
	EXIT_OK = 0,
	EXIT_FINDINGS = 1, /* policy findings at the failing severity */
	EXIT_INPUT = 2,    /* invalid input or usage: nothing written */
	EXIT_INTERNAL = 3, /* I/O or internal error */
	EXIT_DRIFT = 4,    /* build --check, diff: the output is not what a build writes */
};

#define MAX_LIST 64
#define FAIL_NEVER 3 /* --fail-on none: above every severity */

/* ---- the options and the commands: help, parsing and completion come from these ---- */

enum {
	O_OUTPUT = 1,
	O_ENV,
	O_ONE_ENV,
	O_TARGET,
	O_CHECK,
	O_FORCE,
	O_FAIL_ON,
	O_FORMAT,
	O_GRAPH_FORMAT,
	O_EXPLAIN_DEFAULTS,
	O_NO_FOLD,
	O_POLICY,
	O_QUIET,
	O_VERBOSE,
	O_COLOR,
	O_CONTEXT,
	O_INIT_OUTPUT,
	O_NAME,
	O_FROM,
	O_FILE,
	O_REPLACE,
	O_IMPORT_NAME,
	O_HELP,
};

#define TARGET(e, name) " " #name
static const char target_words[] = ""
#include "targets.def"
	;
#undef TARGET

static const mf_cli_opt options[] = {
	{O_OUTPUT, 'o', "output", "DIR", MF_CLI_DIR, NULL, "out", false, "the output directory"},
	{O_ENV, 'e', "env", "NAME", MF_CLI_NONE, NULL, "every one", true, "only this environment"},
	{O_ONE_ENV, 'e', "env", "NAME", MF_CLI_NONE, NULL, "the description before any environment",
	 false, "this environment"},
	{O_TARGET, 't', "target", "NAME", MF_CLI_WORDS, target_words, "every target", true,
	 "only this target's files"},
	{O_CHECK, 0, "check", NULL, MF_CLI_NONE, NULL, NULL, false,
	 "write nothing; exit 4 when the output is not what a build writes"},
	{O_FORCE, 0, "force", NULL, MF_CLI_NONE, NULL, NULL, false,
	 "overwrite and prune files edited by hand or not manifold's"},
	{O_FAIL_ON, 0, "fail-on", "LEVEL", MF_CLI_WORDS, "error warning none", "error", false,
	 "exit 1 on findings at LEVEL or above"},
	{O_FORMAT, 0, "format", "FORMAT", MF_CLI_WORDS, "text json sarif github gitlab", "text",
	 false, "report format"},
	{O_GRAPH_FORMAT, 0, "format", "FORMAT", MF_CLI_WORDS, "mermaid dot", "mermaid", false,
	 "graph language"},
	{O_EXPLAIN_DEFAULTS, 0, "explain-defaults", NULL, MF_CLI_NONE, NULL, NULL, false,
	 "note per instance what its profile gave it"},
	{O_NO_FOLD, 0, "no-fold", NULL, MF_CLI_NONE, NULL, NULL, false,
	 "one finding per instance, not one per rule and line"},
	{O_POLICY, 0, "policy", "PACK", MF_CLI_FILE, NULL, "baseline", true,
	 "a policy pack: a built-in name or a file"},
	{O_QUIET, 'q', "quiet", NULL, MF_CLI_NONE, NULL, NULL, false,
	 "print errors only: no warnings, notes or summary"},
	{O_VERBOSE, 'v', "verbose", NULL, MF_CLI_NONE, NULL, NULL, false,
	 "also list every file and what happens to it"},
	{O_COLOR, 0, "color", "WHEN", MF_CLI_WORDS, "auto always never", "auto", false,
	 "when to colour the text; auto: on a terminal, unless NO_COLOR is set"},
	{O_CONTEXT, 'U', "unified", "N", MF_CLI_NONE, NULL, "3", false,
	 "lines of context around each change"},
	{O_INIT_OUTPUT, 'o', "output", "FILE", MF_CLI_FILE, NULL, "system.yaml", false,
	 "write the description to FILE ('-': standard output)"},
	{O_NAME, 0, "name", "NAME", MF_CLI_NONE, NULL, "my-system", false, "the system's name"},
	{O_FROM, 0, "from", "COMPOSE", MF_CLI_FILE, NULL, NULL, false,
	 "start from a Compose file: what 'manifold import' makes of it"},
	{O_FILE, 'f', "file", "COMPOSE", MF_CLI_FILE, NULL, NULL, true,
	 "another Compose file merged over the ones before it (an override)"},
	{O_IMPORT_NAME, 0, "name", "NAME", MF_CLI_NONE, NULL, "the Compose project's", false,
	 "the system's name"},
	{O_REPLACE, 0, "force", NULL, MF_CLI_NONE, NULL, NULL, false,
	 "replace FILE (and its secrets listing) when it exists"},
	{O_HELP, 'h', "help", NULL, MF_CLI_NONE, NULL, NULL, false, "show this help"},
};

#define OPTS(...) ((const int[]){__VA_ARGS__, O_HELP, 0})
#define NO_OPTS ((const int[]){O_HELP, 0})
#define EXIT_BUILD                                                                         \
	"0 done, 1 findings at the --fail-on severity, 2 invalid input or usage (nothing " \
	"written), 3 I/O error, 4 drift (--check)"
#define EXIT_REPORT                                                                       \
	"0 clean, 1 findings at the --fail-on severity, 2 invalid input or usage, 3 I/O " \
	"error"
#define EXIT_SIMPLE "0 done, 2 invalid input or usage, 3 I/O error"

enum { C_BUILD, C_DIFF, C_CHECK, C_LINT, C_GRAPH, C_INIT, C_IMPORT, C_RULES, C_EXPLAIN, C_SCHEMA };

static const mf_cli_cmd commands[] = {
	[C_BUILD] = {"build", "SYSTEM",
		     "Compile SYSTEM into Kustomize, Helm, Compose and Velero files.", EXIT_BUILD,
		     OPTS(O_OUTPUT, O_ENV, O_TARGET, O_CHECK, O_FORCE, O_FAIL_ON, O_QUIET,
			  O_VERBOSE, O_COLOR),
		     1, 1, MF_CLI_FILE, NULL},
	[C_DIFF] = {"diff", "SYSTEM",
		    "Show, as a unified diff, what a build would change in the output.",
		    "0 no change, 4 a build would change files, 2 invalid input or usage, 3 "
		    "I/O error",
		    OPTS(O_OUTPUT, O_ENV, O_TARGET, O_CONTEXT, O_QUIET, O_COLOR), 1, 1, MF_CLI_FILE,
		    NULL},
	[C_CHECK] = {"check", "SYSTEM...",
		     "Validate descriptions and run the policy rules; write nothing.", EXIT_REPORT,
		     OPTS(O_ENV, O_FORMAT, O_FAIL_ON, O_EXPLAIN_DEFAULTS, O_NO_FOLD, O_COLOR), 1,
		     MAX_LIST, MF_CLI_FILE, NULL},
	[C_LINT] = {"lint", "FILE|DIR|-...",
		    "Run the policy rules over hand-written Kubernetes and Compose YAML.",
		    EXIT_REPORT, OPTS(O_POLICY, O_FORMAT, O_FAIL_ON, O_COLOR), 1, MAX_LIST,
		    MF_CLI_FILE, NULL},
	[C_GRAPH] = {"graph", "SYSTEM",
		     "Draw services, dependencies, start-up waves, tenants and machines.",
		     EXIT_SIMPLE, OPTS(O_ONE_ENV, O_GRAPH_FORMAT), 1, 1, MF_CLI_FILE, NULL},
	[C_INIT] = {"init", "",
		    "Write a minimal, commented description that builds and checks clean.",
		    EXIT_SIMPLE " (an existing FILE is never overwritten)",
		    OPTS(O_INIT_OUTPUT, O_NAME, O_FROM), 0, 0, MF_CLI_NONE, NULL},
	[C_IMPORT] =
		{"import", "COMPOSE",
		 "Write a description that says what Compose files say; warn at what it cannot.",
		 EXIT_SIMPLE " (nothing is written on 2)",
		 OPTS(O_FILE, O_INIT_OUTPUT, O_IMPORT_NAME, O_REPLACE, O_QUIET, O_COLOR), 1, 1,
		 MF_CLI_FILE, NULL},
	[C_RULES] = {"rules", "", "List the built-in rules.", EXIT_SIMPLE, NO_OPTS, 0, 0,
		     MF_CLI_NONE, NULL},
	[C_EXPLAIN] = {"explain", "RULE",
		       "Explain a rule (built in or a pack's) or a diagnostic's id.", EXIT_SIMPLE,
		       OPTS(O_POLICY), 1, 1, MF_CLI_RULE, NULL},
	[C_SCHEMA] = {"schema", "[system|profile|policy]",
		      "Print a JSON Schema of manifold's input formats.", EXIT_SIMPLE, NO_OPTS, 0,
		      1, MF_CLI_WORDS, "system profile policy"},
	{"completion", "bash|zsh", "Print a completion script for bash or zsh.", EXIT_SIMPLE,
	 NO_OPTS, 1, 1, MF_CLI_WORDS, "bash zsh"},
	{"version", "", "Print the version.", EXIT_SIMPLE, NO_OPTS, 0, 0, MF_CLI_NONE, NULL},
	{"help", "[COMMAND]", "Show the commands, or one command's options.", EXIT_SIMPLE, NO_OPTS,
	 0, 1, MF_CLI_COMMAND, NULL},
};

static const mf_cli cli = {"manifold", options, MF_NELEM(options), commands, MF_NELEM(commands)};

/* ---- options ------------------------------------------------------------------------ */

typedef struct opts {
	const mf_cli_cmd *cmd;
	const char *system;
	const char *out;
	const char *envs[MAX_LIST];
	size_t nenvs;
	const char *targets[MAX_LIST];
	size_t ntargets;
	mf_format format;
	int fail_on; /* an mf_severity, or FAIL_NEVER */
	bool check_only, force, explain_defaults, no_fold, quiet, verbose, diff;
	const char *color;
	mf_graph_format graph_format;
	size_t context;
	const char *name, *from;
	bool replace;
	const char *files[MAX_LIST]; /* import: the Compose files, the operand first */
	size_t nfiles;
	const char *paths[MAX_LIST];
	size_t npaths;
	const char *packs[MAX_LIST];
	size_t npacks;
} opts;

static int add_list(opts *o, const char **list, size_t *n, const char *v)
{
	if (*n >= MAX_LIST)
		return mf_cli_usage_error(&cli, o->cmd, "too many values ('%s')", v);
	list[(*n)++] = v;
	return 0;
}

static int word_option(opts *o, const mf_cli_opt *opt, const char *v)
{
	static const int fail_on[] = {MF_SEV_ERROR, MF_SEV_WARNING, FAIL_NEVER};
	int i = mf_cli_word(&cli, o->cmd, opt, v);

	if (i < 0)
		return EXIT_INPUT;
	if (opt->id == O_FAIL_ON)
		o->fail_on = fail_on[i];
	else if (opt->id == O_FORMAT)
		o->format = (mf_format)mf_format_parse(v);
	else if (opt->id == O_GRAPH_FORMAT)
		o->graph_format = (mf_graph_format)i;
	else if (opt->id == O_COLOR)
		o->color = v;
	else
		return add_list(o, o->targets, &o->ntargets, v);
	return 0;
}

static int number_option(opts *o, const char *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 0 || n > 100000)
		return mf_cli_usage_error(&cli, o->cmd, "-U takes a number of lines, not '%s'", v);
	o->context = (size_t)n;
	return 0;
}

static int on_opt(void *arg, const mf_cli_opt *opt, const char *v)
{
	opts *o = arg;

	switch (opt->id) {
	case O_OUTPUT:
	case O_INIT_OUTPUT:
		o->out = v;
		return *v ? 0 : mf_cli_usage_error(&cli, o->cmd, "-o needs a directory name");
	case O_ENV:
	case O_ONE_ENV:
		if (opt->id == O_ONE_ENV && o->nenvs)
			return mf_cli_usage_error(&cli, o->cmd, "one --env only");
		return add_list(o, o->envs, &o->nenvs, v);
	case O_POLICY:
		return add_list(o, o->packs, &o->npacks, v);
	case O_CONTEXT:
		return number_option(o, v);
	case O_NAME:
	case O_IMPORT_NAME:
		o->name = v;
		return 0;
	case O_FROM:
		o->from = v;
		return 0;
	case O_FILE:
		return add_list(o, o->files, &o->nfiles, v);
	default:
		break;
	}
	if (opt->kind == MF_CLI_WORDS)
		return word_option(o, opt, v);
	o->check_only |= opt->id == O_CHECK;
	o->force |= opt->id == O_FORCE;
	o->explain_defaults |= opt->id == O_EXPLAIN_DEFAULTS;
	o->no_fold |= opt->id == O_NO_FOLD;
	o->quiet |= opt->id == O_QUIET;
	o->verbose |= opt->id == O_VERBOSE;
	o->replace |= opt->id == O_REPLACE;
	return 0;
}

/* 0, -1 after --help (exit 0), or an exit code. */
static int parse(int argc, char **argv, opts *o)
{
	memset(o, 0, sizeof *o);
	o->cmd = mf_cli_find(&cli, argv[0]);
	o->out = o->cmd == &commands[C_INIT] || o->cmd == &commands[C_IMPORT] ? "system.yaml"
									      : "out";
	o->fail_on = MF_SEV_ERROR;
	o->color = "auto";
	o->context = 3;
	int rc = mf_cli_parse(&cli, o->cmd, argc, argv, on_opt, o, o->paths, MAX_LIST, &o->npaths);
	o->system = o->npaths ? o->paths[0] : NULL;
	return rc;
}

/* ---- small things ------------------------------------------------------------------- */

/* Today's date for waiver expiry: MANIFOLD_TODAY pins it for tests. */
static size_t memory_limit; /* MANIFOLD_MEMORY_LIMIT, or 0 */
static bool memory_refused; /* a run went over its memory budget: exit 2 */

/* 3/4 of the machine's memory (0: unknown): the budget never goes past it. */
static size_t memory_ceiling(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);

	if (pages <= 0 || size <= 0 || (unsigned long)pages > SIZE_MAX / 4 * 3 / (size_t)size)
		return 0;
	return (size_t)pages / 4 * 3 * (size_t)size;
}

static void set_today(mf_ctx *c)
{
	static char buf[16];
	const char *pinned = getenv("MANIFOLD_TODAY");
	time_t now = time(NULL);
	struct tm tm;

	c->budget.fixed = memory_limit; /* every command's context starts here */
	c->budget.ceiling = memory_ceiling();
	if (pinned && strlen(pinned) == 10) {
		c->today = pinned;
		return;
	}
	gmtime_r(&now, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
	c->today = buf;
}

/* stdout is checked at the end: a full disk is an error, not silence. */
static int finish(int rc)
{
	if (memory_refused)
		rc = EXIT_INPUT;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "manifold: error: writing to standard output failed\n");
		return EXIT_INTERNAL;
	}
	return rc;
}

static bool failing(const mf_totals *t, int fail_on)
{
	return fail_on == MF_SEV_ERROR     ? t->errors > 0
	       : fail_on == MF_SEV_WARNING ? t->errors + t->warnings > 0
					   : false;
}

/* The diagnostics in a format; under --quiet only errors. */
static int print_diags(mf_ctx *c, FILE *fp, const opts *o)
{
	mf_ctx shown = *c;

	memory_refused |= mf_budget_report(c);
	mf_diag_sort(c);
	shown = *c;
	if (o->quiet) {
		shown.diags = mf_alloc(c->a, (c->ndiags + 1) * sizeof *shown.diags);
		shown.ndiags = 0;
		for (size_t i = 0; shown.diags && i < c->ndiags; i++)
			if (c->diags[i].sev == MF_SEV_ERROR && !c->diags[i].waived)
				shown.diags[shown.ndiags++] = c->diags[i];
		if (!shown.diags)
			shown = *c;
	}
	return mf_report(&shown, fp, o->format,
			 o->format == MF_FMT_TEXT && mf_cli_color(o->color, fp));
}

/* ---- the pipeline ------------------------------------------------------------------- */

/* One emitter per target, in targets.def order. */
static const mf_emit_fn emitters[MF_NTARGETS] = {
#define TARGET(e, name) [MF_TI_##e] = mf_emit_##name,
#include "targets.def"
#undef TARGET
};

/* The targets asked for (all by default).  Their names were checked when
 * parsed: a bad --target stops before anything is read. */
static unsigned target_mask(const opts *o)
{
	unsigned mask = o->ntargets ? 0 : ~0u;

	for (size_t i = 0; i < o->ntargets; i++)
		mask |= mf_target_bit(o->targets[i]);
	return mask;
}

/* What the stages make of one description, each product passed on explicitly:
 * load -> resolve -> render -> {check, emit} -> report. */
typedef struct run {
	mf_system sys;
	mf_rendered rd;
	bool render_failed; /* diagnostics explain it; nothing may be written */
} run;

/* "the environments are 'a', 'b'" for the note of an unknown --env. */
static const char *env_list(mf_ctx *c, const mf_node *envs, const char **names)
{
	const char *list = "";

	for (size_t i = 0; envs && i < envs->n; i++) {
		names[i] = envs->pairs[i].key;
		list = mf_printf(c->a, "%s%s'%s'", list, i ? ", " : "", names[i]);
	}
	return !envs || !envs->n ? "the description has no environments"
	       : envs->n == 1    ? mf_printf(c->a, "the only environment is %s", list)
				 : mf_printf(c->a, "the environments are %s", list);
}

/* --env names the description's environments: checked before resolving,
 * so that the note can list them. */
static int check_env_names(mf_ctx *c, const mf_input *in, const opts *o)
{
	const mf_node *envs = mf_get(in->doc, "environments");
	size_t n = envs ? envs->n : 0;
	const char **names = mf_alloc(c->a, (n + 1) * sizeof *names), *which = NULL;
	int rc = 0;

	for (size_t i = 0; names && i < o->nenvs; i++) {
		const char *best;
		mf_diag *d;
		if (mf_get(envs, o->envs[i]))
			continue;
		which = which ? which : env_list(c, envs, names);
		best = mf_did_you_mean(o->envs[i], names, n);
		rc = -1;
		d = mf_diag_add(c, MF_SEV_ERROR, MF_NOPOS, "unknown-environment",
				"no environment '%s' in the description", o->envs[i]);
		if (d && best)
			mf_diag_note(c, d, "did you mean '%s'? %s", best, which);
		else if (d)
			mf_diag_note(c, d, "%s", which);
	}
	return rc;
}

/* Load and resolve: -1 means the input is invalid (exit 2). */
static int load_resolve(mf_ctx *c, const opts *o, mf_system *sys)
{
	mf_input in;

	if (mf_load(c, o->system, &in) < 0)
		return -1;
	mf_input_freeze(&in);
	if (check_env_names(c, &in, o) < 0 || mf_resolve(c, &in, o->envs, o->nenvs, sys) < 0 ||
	    mf_velero_validate(c, sys) < 0)
		return -1;
	mf_system_freeze(sys);
	return 0;
}

/* Load, resolve and render: -1 means the input is invalid (exit 2). */
static int front_end(mf_ctx *c, const opts *o, const mf_render_opts *ro, run *r)
{
	if (load_resolve(c, o, &r->sys) < 0 || c->budget.hit)
		return -1;
	/* a failed render is still checked: its findings help explain it */
	r->render_failed = mf_render(c, &r->sys, ro, &r->rd) < 0;
	mf_rendered_freeze(&r->rd);
	return 0;
}

/* Check: -1 means a policy pack is invalid (exit 2). */
static int run_check_stage(mf_ctx *c, const opts *o, const run *r)
{
	mf_check_opts co = {o->envs, o->nenvs, o->explain_defaults, o->no_fold};
	mf_scratch s;
	int rc = c->budget.hit ? -1 : mf_scratch_begin(c, &s);

	if (rc < 0) /* over the memory budget, the render may have stopped anywhere */
		return -1;
	/* check's tables and scans die with it: only its findings stay */
	if (rc == 0 && mf_check(c, &r->rd, &co) < 0)
		rc = -1;
	if (mf_scratch_end(c, &s) < 0)
		rc = -1;
	return rc < 0 || r->render_failed ? -1 : 0;
}

/* Path components of an absolute, normalised path ("." and ".." folded). */
typedef struct parts {
	const char *v[256];
	size_t len[256];
	size_t n;
} parts;

static int split_path(mf_ctx *c, const char *path, parts *p)
{
	char cwd[4096];
	const char *full = path, *q;

	if (path[0] != '/') {
		if (!getcwd(cwd, sizeof cwd))
			return -1;
		full = mf_printf(c->a, "%s/%s", cwd, path);
	}
	p->n = 0;
	for (q = full; q && *q;) {
		size_t len = strcspn(q, "/");
		if (len == 2 && !strncmp(q, "..", 2))
			p->n -= p->n > 0;
		else if (len && !(len == 1 && *q == '.') && p->n < 256) {
			p->v[p->n] = q;
			p->len[p->n++] = len;
		}
		q += len + (q[len] == '/');
	}
	return full ? 0 : -1;
}

/* The relative path from directory `from` to directory `to`. */
static const char *relative(mf_ctx *c, const char *from, const char *to)
{
	parts f, t;
	size_t common = 0;
	char *out = "";

	if (split_path(c, from, &f) < 0 || split_path(c, to, &t) < 0)
		return NULL;
	while (common < f.n && common < t.n && f.len[common] == t.len[common] &&
	       !strncmp(f.v[common], t.v[common], f.len[common]))
		common++;
	for (size_t i = common; i < f.n; i++)
		out = mf_printf(c->a, "%s../", out);
	for (size_t i = common; i < t.n; i++)
		out = mf_printf(c->a, "%s%.*s%s", out, (int)t.len[i], t.v[i],
				i + 1 < t.n ? "/" : "");
	return *out ? out : ".";
}

/* Compose files live in OUT/compose/<env>/: the way back to the description. */
static const char *source_dir(mf_ctx *c, const opts *o)
{
	const char *slash = strrchr(o->system, '/');

	return !slash               ? "."
	       : slash == o->system ? "/"
				    : mf_strndup(c->a, o->system, (size_t)(slash - o->system));
}

static const char *source_root(mf_ctx *c, const opts *o)
{
	const char *dir = source_dir(c, o);

	if (!strcmp(o->system, "-"))
		return NULL;
	return relative(c, mf_printf(c->a, "%s/compose/env", o->out), dir);
}

/* A way back that would leave the working directory names this machine's
 * folders (../../../../home/ci/...): the render refuses relative paths then. */
static bool root_outside(mf_ctx *c, const opts *o, const char *dir)
{
	const char *out = relative(c, ".", o->out), *desc = relative(c, ".", dir);

	return !out || !desc || !strncmp(out, "..", 2) || !strncmp(desc, "..", 2);
}

/* Only the emitters of the targets asked for run (all by default); each
 * writes the environments that name its target. */
static int emit_all(mf_ctx *c, const mf_rendered *rd, unsigned mask, mf_output *out)
{
	int rc = 0;

	for (size_t i = 0; i < MF_NTARGETS; i++) {
		mf_scratch s;
		if (!(mask & (1u << i)))
			continue;
		/* an emitter's trees are gone once its files are bytes */
		if (mf_scratch_begin(c, &s) < 0 || emitters[i](c, rd, out) < 0)
			rc = -1;
		if (mf_scratch_end(c, &s) < 0)
			rc = -1;
	}
	mf_output_sort(out);
	return rc;
}

/* ---- build and diff ------------------------------------------------------------------- */

/* What the write did (or would do) to each file: counted, listed under
 * --verbose, shown as a diff by `diff`. */
typedef struct listed {
	mf_change what;
	const char *path;
} listed;

typedef struct changes {
	mf_ctx *c;
	const opts *o;
	size_t n[4]; /* per mf_change */
	listed *list;
	size_t len, cap;
	mf_buf diff;
	bool color;
} changes;

static void show_diff(changes *ch, mf_change what, const char *path, const char *old, size_t oldlen,
		      const char *now, size_t nowlen)
{
	const char *shown = mf_printf(ch->c->a, "%s/%s", ch->o->out, path);

	if (what == MF_CHANGE_UPDATE && !old)
		return; /* not a regular file: the drift diagnostic says so */
	if (!shown ||
	    mf_diff_unified(&ch->diff, old ? old : "", old ? oldlen : 0, now ? now : "",
			    now ? nowlen : 0, what == MF_CHANGE_CREATE ? NULL : shown,
			    what == MF_CHANGE_PRUNE ? NULL : shown, ch->o->context, ch->color) < 0)
		ch->diff.oom = true;
}

static void on_change(void *arg, mf_change what, const char *path, const char *old, size_t oldlen,
		      const char *now, size_t nowlen)
{
	changes *ch = arg;
	listed *grown;

	ch->n[what]++;
	if (ch->o->diff && what != MF_CHANGE_KEEP)
		show_diff(ch, what, path, old, oldlen, now, nowlen);
	if (!ch->o->verbose)
		return;
	if (!(grown = mf_grow(ch->c->a, ch->list, ch->len, &ch->cap, sizeof *grown)))
		return;
	ch->list = grown;
	grown[ch->len++] = (listed){what, mf_strdup(ch->c->a, path)};
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* One line: what happened to the files, and the findings' totals. */
static void summary(const opts *o, const changes *ch, const mf_totals *t)
{
	size_t made = ch->n[MF_CHANGE_CREATE], changed = ch->n[MF_CHANGE_UPDATE],
	       kept = ch->n[MF_CHANGE_KEEP], gone = ch->n[MF_CHANGE_PRUNE];

	if (o->check_only)
		fprintf(stderr,
			"manifold: '%s': %zu %s (%zu missing, %zu changed), %zu stale, "
			"%zu unchanged",
			o->out, made + changed,
			plural(made + changed, "file differs", "files differ"), made, changed, gone,
			kept);
	else
		fprintf(stderr,
			"manifold: '%s': %zu %s written (%zu new, %zu changed), %zu "
			"unchanged, %zu pruned",
			o->out, made + changed, plural(made + changed, "file", "files"), made,
			changed, kept, gone);
	fprintf(stderr, "; %zu %s, %zu %s, %zu info", t->errors,
		plural(t->errors, "error", "errors"), t->warnings,
		plural(t->warnings, "warning", "warnings"), t->infos);
	if (t->waived)
		fprintf(stderr, " (%zu waived)", t->waived);
	fputc('\n', stderr);
}

static void verbose_list(const changes *ch)
{
	static const char *const check_words[] = {"unchanged", "missing", "differs", "stale"};
	static const char *const build_words[] = {"unchanged", "new", "changed", "pruned"};
	const char *const *words = ch->o->check_only ? check_words : build_words;

	for (size_t i = 0; i < ch->len; i++)
		fprintf(stderr, "  %-10s %s\n", words[ch->list[i].what], ch->list[i].path);
}

static int build_outputs(mf_ctx *c, const opts *o, const run *r, unsigned mask, size_t *ndrift,
			 changes *ch)
{
	unsigned flags = (o->check_only ? MF_WRITE_CHECK : 0) | (o->force ? MF_WRITE_FORCE : 0) |
			 (o->diff ? MF_WRITE_DIFF : 0);
	mf_output out;
	int rc;

	mf_output_init(&out);
	rc = emit_all(c, &r->rd, mask, &out) < 0 || c->budget.hit ? EXIT_INPUT : EXIT_OK;
	if (rc == EXIT_OK) {
		int w = mf_output_write_cb(c, &out, o->out, flags, ndrift, on_change, ch);
		/* a refused overwrite is the user's call (--force), not an I/O failure */
		rc = w == -2 ? EXIT_INPUT : w < 0 ? EXIT_INTERNAL : EXIT_OK;
	}
	mf_output_release(&out);
	return rc;
}

/* build, build --check and diff: one run, three ways of telling it. */
static int build_like(opts *o, unsigned mask)
{
	mf_ctx c;
	run r;
	mf_render_opts ro;
	mf_totals t = {0};
	size_t ndrift = 0;
	int rc;

	mf_ctx_init(&c);
	set_today(&c);
	changes ch = {.c = &c, .o = o, .color = mf_cli_color(o->color, stdout)};
	mf_buf_init(&ch.diff);
	ro.source_root = source_root(&c, o);
	ro.root_outside = ro.source_root && root_outside(&c, o, source_dir(&c, o));
	/* over the memory budget, a stage may have stopped short: nothing is written */
	if (front_end(&c, o, &ro, &r) < 0 || run_check_stage(&c, o, &r) < 0 || c.budget.hit) {
		rc = EXIT_INPUT;
	} else {
		mf_diag_sort(&c);
		mf_report_totals(&c, &t); /* the findings, before the output's own diagnostics */
		rc = build_outputs(&c, o, &r, mask, &ndrift, &ch);
	}
	if (rc == EXIT_OK && ch.diff.oom)
		rc = (mf_error(&c, MF_NOPOS, "internal", "out of memory"), EXIT_INTERNAL);
	/* the diff first, then what is said about it */
	if (rc == EXIT_OK && ch.diff.len &&
	    (fwrite(ch.diff.data, 1, ch.diff.len, stdout) != ch.diff.len || fflush(stdout) != 0))
		rc = EXIT_INTERNAL;
	mf_buf_release(&ch.diff);
	if (print_diags(&c, stderr, o) < 0 && rc == EXIT_OK)
		rc = EXIT_INTERNAL;
	if (rc == EXIT_OK && o->verbose)
		verbose_list(&ch);
	if (rc == EXIT_OK && !o->quiet)
		summary(o, &ch, &t);
	if (rc == EXIT_OK)
		rc = o->check_only && ndrift               ? EXIT_DRIFT
		     : !o->diff && failing(&t, o->fail_on) ? EXIT_FINDINGS
							   : EXIT_OK;
	mf_ctx_release(&c);
	return finish(rc);
}

static int cmd_build(opts *o)
{
	return build_like(o, target_mask(o));
}

/* diff: build --check, showing each difference as a diff on stdout. */
static int cmd_diff(opts *o)
{
	o->check_only = o->diff = true;
	return build_like(o, target_mask(o));
}

/* ---- check, lint, graph -------------------------------------------------------------- */

/* Several descriptions may be checked at once (pre-commit passes every
 * staged one); their findings share one report. */
static int cmd_check(opts *o)
{
	mf_ctx c;
	mf_totals t;
	int rc = EXIT_OK;

	mf_ctx_init(&c);
	set_today(&c);
	for (size_t i = 0; i < o->npaths; i++) {
		run r;
		o->system = o->paths[i];
		if (front_end(&c, o, NULL, &r) < 0 || run_check_stage(&c, o, &r) < 0)
			rc = EXIT_INPUT;
	}
	if (print_diags(&c, stdout, o) < 0)
		rc = EXIT_INTERNAL;
	mf_report_totals(&c, &t);
	if (rc == EXIT_OK && failing(&t, o->fail_on))
		rc = EXIT_FINDINGS;
	mf_ctx_release(&c);
	return finish(rc);
}

static int cmd_lint(opts *o)
{
	mf_ctx c;
	mf_totals t;
	int rc;

	mf_ctx_init(&c);
	set_today(&c);
	rc = mf_lint(&c, o->paths, o->npaths, o->packs, o->npacks) < 0 ? EXIT_INPUT : EXIT_OK;
	if (print_diags(&c, stdout, o) < 0)
		rc = EXIT_INTERNAL;
	mf_report_totals(&c, &t);
	if (rc == EXIT_OK && failing(&t, o->fail_on))
		rc = EXIT_FINDINGS;
	mf_ctx_release(&c);
	return finish(rc);
}

/* graph: the description as written, or one environment; no rule runs. */
static int cmd_graph(opts *o)
{
	mf_ctx c;
	mf_system sys;
	int rc = EXIT_OK;

	mf_ctx_init(&c);
	set_today(&c);
	if (load_resolve(&c, o, &sys) < 0)
		rc = EXIT_INPUT;
	else if (mf_graph_write(&c, &sys, o->nenvs ? &sys.envs[0] : &sys.base, o->graph_format,
				stdout) < 0)
		rc = EXIT_INTERNAL;
	if (rc != EXIT_OK && print_diags(&c, stderr, o) < 0)
		rc = EXIT_INTERNAL;
	mf_ctx_release(&c);
	return finish(rc);
}

/* ---- init ------------------------------------------------------------------------------ */

static bool dns_label(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 40 || s[0] < 'a' || s[0] > 'z' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* The embedded description with its name filled in. */
static int init_write(const char *text, const char *name, FILE *fp)
{
	const char *at;

	while ((at = strstr(text, "@NAME@")) != NULL) {
		fwrite(text, 1, (size_t)(at - text), fp);
		fputs(name, fp);
		text = at + 6;
	}
	fputs(text, fp);
	return fflush(fp) != 0 || ferror(fp) ? -1 : 0;
}

/* A new file only: "wx" refuses one that appeared since the check. */
static int init_file(const char *path, const char *text, const char *name)
{
	struct stat st;
	FILE *fp;
	int wrote, closed;

	if (lstat(path, &st) == 0) {
		fprintf(stderr, "manifold: error: '%s' exists: nothing was written\n", path);
		return EXIT_INPUT;
	}
	if (!(fp = fopen(path, "wx"))) {
		fprintf(stderr, "manifold: error: cannot create '%s': %s\n", path, strerror(errno));
		return EXIT_INTERNAL;
	}
	wrote = init_write(text, name, fp);
	closed = fclose(fp);
	if (wrote < 0 || closed != 0) {
		fprintf(stderr, "manifold: error: cannot write '%s'\n", path);
		return EXIT_INTERNAL;
	}
	fprintf(stderr, "manifold: wrote '%s': try 'manifold check %s' and 'manifold build %s'\n",
		path, path, path);
	return EXIT_OK;
}

static int import_to(opts *o, const char *const *files, size_t n, bool replace);

static int cmd_init(opts *o)
{
	const char *text = mf_embedded_find("templates/init/system.yaml", NULL);
	const char *name = o->name ? o->name : "my-system";

	if (o->name && !dns_label(name))
		return mf_cli_usage_error(&cli, o->cmd,
					  "'%s' is not a name: lowercase letters, digits and '-', "
					  "starting with a letter, at most 40",
					  name);
	if (o->from)
		return import_to(o, &o->from, 1, false);
	if (!dns_label(name))
		return mf_cli_usage_error(&cli, o->cmd,
					  "'%s' is not a name: lowercase letters, digits and '-', "
					  "starting with a letter, at most 40",
					  name);
	if (!text) {
		fprintf(stderr, "manifold: error: the init description is not built in\n");
		return EXIT_INTERNAL;
	}
	if (!strcmp(o->out, "-"))
		return finish(init_write(text, name, stdout) < 0 ? EXIT_INTERNAL : EXIT_OK);
	return init_file(o->out, text, name);
}

/* ---- import ---------------------------------------------------------------------------- */

/* A file written whole or not at all: a temporary beside it, then linked
 * into place (refused when one appeared since: never overwritten) or, with
 * `replace`, renamed over it.  `mode` before the umask. */
static int write_whole(const char *path, const mf_buf *b, bool replace, mode_t mode)
{
	size_t len = strlen(path) + 16, done = 0;
	char *tmp = malloc(len);
	mode_t mask = umask(0);
	int fd, rc = 0;

	umask(mask);
	if (!tmp)
		return -1;
	snprintf(tmp, len, "%s.tmp-XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0) {
		free(tmp);
		return -1;
	}
	while (done < b->len && rc == 0) {
		ssize_t w = write(fd, b->data + done, b->len - done);
		rc = w < 0 && errno != EINTR ? -1 : 0;
		done += w > 0 ? (size_t)w : 0;
	}
	if (rc == 0 && (fchmod(fd, mode & ~mask) != 0 || fsync(fd) != 0))
		rc = -1;
	rc = close(fd) != 0 ? -1 : rc;
	if (rc == 0)
		rc = replace ? rename(tmp, path) : link(tmp, path);
	if (rc != 0 || !replace)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* Where the secrets listing goes: system.yaml -> system.secrets.env. */
static char *listing_path(const char *out)
{
	size_t n = strlen(out), len = n + 16;
	char *p = malloc(len);

	if (n > 5 && (!strcmp(out + n - 5, ".yaml") || !strcmp(out + n - 4, ".yml")))
		n -= out[n - 4] == '.' ? 4 : 5;
	if (p)
		snprintf(p, len, "%.*s.secrets.env", (int)n, out);
	return p;
}

static const char *dir_of(mf_ctx *c, const char *path)
{
	const char *slash = strrchr(path, '/');

	return !slash ? "." : slash == path ? "/" : mf_strndup(c->a, path, (size_t)(slash - path));
}

/* The folder part of a path ("." for none), in a static buffer. */
static const char *dir_of_path(const char *path)
{
	static char buf[4096];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (!slash || n >= sizeof buf)
		return slash ? "/" : ".";
	memcpy(buf, path, n ? n : 1);
	buf[n ? n : 1] = 0;
	return buf;
}

/* Both files, or neither (nothing exists yet unless `replace`). */
static int write_import(const opts *o, const mf_imported *r, bool replace)
{
	char *list = listing_path(o->out);
	struct stat st;
	int rc = EXIT_OK;

	if (!list)
		return EXIT_INTERNAL;
	/* the description's own folder may be new (one level, as `build -o` makes its own) */
	if (stat(dir_of_path(o->out), &st) != 0 && mkdir(dir_of_path(o->out), 0777) != 0 &&
	    errno != EEXIST) {
		fprintf(stderr, "manifold: error: cannot make the folder of '%s': %s\n", o->out,
			strerror(errno));
		free(list);
		return EXIT_INTERNAL;
	}
	if (!replace && (lstat(o->out, &st) == 0 || (r->secrets.len && lstat(list, &st) == 0))) {
		fprintf(stderr,
			"manifold: error: '%s' exists: nothing was written (--force replaces it)\n",
			lstat(o->out, &st) == 0 ? o->out : list);
		rc = EXIT_INPUT;
	} else if ((r->secrets.len && write_whole(list, &r->secrets, replace, 0600) != 0) ||
		   write_whole(o->out, &r->text, replace, 0666) != 0) {
		fprintf(stderr, "manifold: error: cannot write '%s': %s\n", o->out,
			strerror(errno));
		rc = EXIT_INTERNAL;
	} else {
		fprintf(stderr, "manifold: wrote '%s'%s%s%s: try 'manifold check %s'\n", o->out,
			r->secrets.len ? " and its secrets in '" : "", r->secrets.len ? list : "",
			r->secrets.len ? "'" : "", o->out);
	}
	free(list);
	return rc;
}

static bool internal_error(const mf_ctx *c)
{
	for (size_t i = 0; i < c->ndiags; i++)
		if (!strcmp(c->diags[i].code, "internal"))
			return true;
	return false;
}

/* import, init --from: the diagnostics on stderr, the description to FILE. */
static int import_to(opts *o, const char *const *files, size_t n, bool replace)
{
	mf_import_opts io = {files, n, NULL, o->name};
	bool to_stdout = !strcmp(o->out, "-");
	mf_imported r;
	mf_ctx c;
	int rc;

	if (o->name && !dns_label(o->name))
		return mf_cli_usage_error(&cli, o->cmd,
					  "'%s' is not a name: lowercase letters, digits and '-', "
					  "starting with a letter, at most 40",
					  o->name);
	mf_ctx_init(&c);
	set_today(&c);
	mf_imported_init(&r);
	io.out_dir = to_stdout ? "." : dir_of(&c, o->out);
	rc = mf_import(&c, &io, &r) < 0 ? (internal_error(&c) ? EXIT_INTERNAL : EXIT_INPUT)
					: EXIT_OK;
	if (print_diags(&c, stderr, o) < 0)
		rc = EXIT_INTERNAL;
	if (rc == EXIT_OK && !o->quiet)
		fprintf(stderr, "manifold: %zu service%s, %zu of %zu Compose keys carried\n",
			r.services, r.services == 1 ? "" : "s", r.carried, r.keys);
	if (rc == EXIT_OK && to_stdout && r.secrets.len && !o->quiet)
		fprintf(stderr, "manifold: warning: the literal secrets' values are not written "
				"with '-o -': import to a file to get its .secrets.env listing\n");
	if (rc == EXIT_OK && to_stdout)
		rc = fwrite(r.text.data, 1, r.text.len, stdout) == r.text.len ? EXIT_OK
									      : EXIT_INTERNAL;
	else if (rc == EXIT_OK)
		rc = write_import(o, &r, replace);
	mf_imported_release(&r);
	mf_ctx_release(&c);
	return finish(rc);
}

static int cmd_import(opts *o)
{
	const char *files[MAX_LIST + 1];

	files[0] = o->paths[0];
	for (size_t i = 0; i < o->nfiles; i++)
		files[i + 1] = o->files[i];
	return import_to(o, files, o->nfiles + 1, o->replace);
}

/* ---- the small commands --------------------------------------------------------------- */

static int cmd_schema(opts *o)
{
	static const char *const names[] = {"system", "profile", "policy"};
	const char *want = o->npaths ? o->paths[0] : "system", *text;
	size_t len, i = mf_str_index(want, names, MF_NELEM(names));

	if (i == MF_NELEM(names)) {
		const char *best = mf_did_you_mean(want, names, MF_NELEM(names));
		return mf_cli_usage_error(
			&cli, o->cmd, "unknown schema '%s'%s%s%s (system, profile, policy)", want,
			best ? ": did you mean '" : "", best ? best : "", best ? "'?" : "");
	}
	text = mf_schema_text(names[i], &len);
	if (text)
		fwrite(text, 1, len, stdout);
	return finish(text ? EXIT_OK : EXIT_INTERNAL);
}

static const char *const severity_words[] = {"info", "warning", "error"};

static int cmd_rules(opts *o)
{
	static const char *const where[] = {
		[MF_WHERE_CHECK] = "check",
		[MF_WHERE_LINT] = "lint",
		[MF_WHERE_CHECK | MF_WHERE_LINT] = "check/lint",
		[MF_WHERE_CHECK | MF_WHERE_LINT | MF_WHERE_SHARED] = "check+lint",
	};

	(void)o;
	for (size_t i = 0; i < MF_RULE_COUNT; i++) {
		unsigned w = mf_rule_where((mf_rule_id)i);
		printf("%-28s %-8s %-10s %s\n", mf_rules[i].id, severity_words[mf_rules[i].sev],
		       w < MF_NELEM(where) && where[w] ? where[w] : "?", mf_rules[i].summary);
	}
	return finish(EXIT_OK);
}

/* A rule of a built-in pack or of a pack --policy names. */
static int explain_pack_rule(const opts *o)
{
	mf_ctx c;
	mf_pack_rule r;
	int rc;

	mf_ctx_init(&c);
	rc = mf_pack_rule_find(&c, o->paths[0], o->packs, o->npacks, &r);
	if (rc < 0) {
		rc = print_diags(&c, stderr, o) < 0 ? EXIT_INTERNAL : EXIT_INPUT;
	} else if (rc == 0) {
		rc = -1; /* no such rule: the caller says so */
	} else {
		/* a pack is input: its text reaches the terminal escaped */
		mf_put_escaped(r.id, stdout);
		printf(" (%s, policy pack '", severity_words[r.sev]);
		mf_put_escaped(r.pack, stdout);
		fputs("'): ", stdout);
		mf_put_escaped(r.summary, stdout);
		if (r.help) {
			fputs("\n\n", stdout);
			mf_put_escaped_lines(r.help, stdout);
		}
		if (r.message) {
			fputs("\n\nmessage: ", stdout);
			mf_put_escaped(r.message, stdout);
		}
		fputc('\n', stdout);
		rc = EXIT_OK;
	}
	mf_ctx_release(&c);
	return rc < 0 ? rc : finish(rc);
}

/* An id that is neither a rule, a compiler diagnostic nor a pack's rule:
 * the nearest of the first two. */
static int unknown_explain_id(const opts *o)
{
	const char **ids = malloc((MF_RULE_COUNT + mf_ndiagnostics) * sizeof *ids), *best;
	size_t n = 0;
	int rc;

	for (size_t i = 0; ids && i < MF_RULE_COUNT; i++)
		ids[n++] = mf_rules[i].id;
	for (size_t i = 0; ids && i < mf_ndiagnostics; i++)
		ids[n++] = mf_diagnostics[i].id;
	best = ids ? mf_did_you_mean(o->paths[0], ids, n) : NULL;
	rc = mf_cli_usage_error(&cli, o->cmd, "unknown rule '%s'%s%s%s (see 'manifold rules')",
				o->paths[0], best ? ": did you mean '" : "", best ? best : "",
				best ? "'?" : "");
	free(ids);
	return rc;
}

/* A rule of check, then a diagnostic of the compiler, then a pack's rule. */
static int cmd_explain(opts *o)
{
	const mf_rule *r = mf_rule_find(o->paths[0]), *d = mf_diagnostic_find(o->paths[0]);
	int rc = r || d ? 0 : explain_pack_rule(o);

	if (!r && !d && rc >= 0)
		return rc;
	if (!r && !d)
		return unknown_explain_id(o);
	if (r)
		printf("%s (%s): %s\n\n%s\n", r->id, severity_words[r->sev], r->summary, r->help);
	else
		printf("%s (%s, a diagnostic of the compiler): %s\n\n%s\n", d->id,
		       severity_words[d->sev], d->summary, d->help);
	return finish(EXIT_OK);
}

static int cmd_completion(opts *o)
{
	/* `explain` takes the compiler's ids as well as the rules' */
	size_t n = MF_RULE_COUNT + mf_ndiagnostics;
	const char **ids = malloc(n * sizeof *ids);
	int rc;

	if (!ids)
		return finish(EXIT_INTERNAL);
	for (size_t i = 0; i < MF_RULE_COUNT; i++)
		ids[i] = mf_rules[i].id;
	for (size_t i = 0; i < mf_ndiagnostics; i++)
		ids[MF_RULE_COUNT + i] = mf_diagnostics[i].id;
	rc = mf_cli_completion(&cli, o->paths[0], ids, n, stdout);
	free(ids);
	if (rc < 0)
		return mf_cli_usage_error(&cli, o->cmd, "no completion for '%s' (bash, zsh)",
					  o->paths[0]);
	return finish(EXIT_OK);
}

static int cmd_version(opts *o)
{
	(void)o;
	printf("manifold %s\n", MF_VERSION);
	return finish(EXIT_OK);
}

static int unknown_command(const char *name)
{
	const char *names[MF_NELEM(commands)], *best;

	for (size_t i = 0; i < MF_NELEM(commands); i++)
		names[i] = commands[i].name;
	best = mf_did_you_mean(name, names, MF_NELEM(commands));
	if (best)
		return mf_cli_usage_error(&cli, NULL, "unknown command '%s': did you mean '%s'?",
					  name, best);
	return mf_cli_usage_error(&cli, NULL, "unknown command '%s'", name);
}

static int cmd_help(opts *o)
{
	const mf_cli_cmd *cmd = o->npaths ? mf_cli_find(&cli, o->paths[0]) : NULL;

	if (o->npaths && !cmd)
		return unknown_command(o->paths[0]);
	if (cmd)
		mf_cli_help(&cli, cmd, stdout);
	else
		mf_cli_overview(&cli, stdout);
	return finish(EXIT_OK);
}

/* The run function of each command, in the table's order. */
static int (*const runs[])(opts *) = {
	cmd_build, cmd_diff,    cmd_check,  cmd_lint,       cmd_graph,   cmd_init, cmd_import,
	cmd_rules, cmd_explain, cmd_schema, cmd_completion, cmd_version, cmd_help,
};
_Static_assert(MF_NELEM(runs) == MF_NELEM(commands), "one run function per command");

/* MANIFOLD_MEMORY_LIMIT: bytes, or a number with Ki, Mi or Gi (docs/limits.md). */
static int read_memory_limit(void)
{
	static const struct {
		const char *suffix;
		int shift;
	} units[] = {{"", 0}, {"Ki", 10}, {"Mi", 20}, {"Gi", 30}};
	const char *text = getenv("MANIFOLD_MEMORY_LIMIT");
	char *end;
	unsigned long long n;

	if (!text || !*text)
		return 0;
	errno = 0;
	n = *text >= '0' && *text <= '9' ? strtoull(text, &end, 10) : 0;
	for (size_t i = 0; n && !errno && i < sizeof units / sizeof *units; i++)
		if (!strcmp(end, units[i].suffix) && n <= (SIZE_MAX >> units[i].shift)) {
			memory_limit = (size_t)n << units[i].shift;
			return 0;
		}
	fprintf(stderr,
		"manifold: error: MANIFOLD_MEMORY_LIMIT='%s' is not a number of bytes "
		"(a positive integer, optionally with Ki, Mi or Gi)\n",
		text);
	return -1;
}

int main(int argc, char **argv)
{
	const mf_cli_cmd *cmd;
	opts o;
	int rc;

	if (read_memory_limit() < 0)
		return EXIT_INPUT;
	if (argc < 2) {
		fprintf(stderr, "usage: manifold COMMAND [ARG]...\nTry 'manifold help'.\n");
		return EXIT_INPUT;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		mf_cli_overview(&cli, stdout);
		return finish(EXIT_OK);
	}
	if (!strcmp(argv[1], "--version"))
		argv[1] = "version";
	if (!(cmd = mf_cli_find(&cli, argv[1])))
		return unknown_command(argv[1]);
	if ((rc = parse(argc - 1, argv + 1, &o)) != 0)
		return rc < 0 ? finish(EXIT_OK) : rc;
	return runs[cmd - commands](&o);
}
