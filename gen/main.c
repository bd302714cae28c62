/* main: the command line; the only place that picks an exit code */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cron.h"
#include "emit.h"
#include "load.h"
#include "report.h"

#ifndef MF_VERSION
#define MF_VERSION "0.1.0"
#endif

enum {
	EXIT_OK = 0,
	EXIT_FINDINGS = 1, /* policy findings at the failing severity */
	EXIT_INPUT = 2,    /* invalid input or usage */
	EXIT_INTERNAL = 3, /* I/O or internal error */
};

#define MAX_LIST 64

typedef struct opts {
	const char *system;
	const char *out;
	const char *envs[MAX_LIST];
	size_t nenvs;
	const char *targets[MAX_LIST];
	size_t ntargets;
	mf_format format;
	mf_severity fail_on;
	bool check_only;
	bool force;
	bool explain_defaults;
	const char *paths[MAX_LIST];
	size_t npaths;
	const char *packs[MAX_LIST];
	size_t npacks;
} opts;

typedef struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
	const char *summary;
} command;

static bool use_color(FILE *fp)
{
	const char *term = getenv("TERM");

	return !getenv("NO_COLOR") && isatty(fileno(fp)) && term && strcmp(term, "dumb");
}

__attribute__((format(printf, 2, 3))) static int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "manifold %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'manifold %s --help'.\n", cmd);
	return EXIT_INPUT;
}

/* Today's date for waiver expiry: MANIFOLD_TODAY pins it for tests. */
static void set_today(mf_ctx *c)
{
	static char buf[16];
	const char *pinned = getenv("MANIFOLD_TODAY");
	time_t now = time(NULL);
	struct tm tm;

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
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "manifold: error: writing to standard output failed\n");
		return EXIT_INTERNAL;
	}
	return rc;
}

/* ---- option parsing ----------------------------------------------------- */

enum { OPT_FORMAT = 256, OPT_FAIL_ON, OPT_CHECK, OPT_FORCE, OPT_POLICY, OPT_EXPLAIN_DEFAULTS };

static const struct option long_opts[] = {
	{"output", required_argument, NULL, 'o'},
	{"env", required_argument, NULL, 'e'},
	{"target", required_argument, NULL, 't'},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"fail-on", required_argument, NULL, OPT_FAIL_ON},
	{"check", no_argument, NULL, OPT_CHECK},
	{"force", no_argument, NULL, OPT_FORCE},
	{"policy", required_argument, NULL, OPT_POLICY},
	{"explain-defaults", no_argument, NULL, OPT_EXPLAIN_DEFAULTS},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int add_list(const char **list, size_t *n, const char *v, const char *cmd)
{
	if (*n >= MAX_LIST)
		return usage_error(cmd, "too many values ('%s')", v);
	list[(*n)++] = v;
	return 0;
}

static int parse_fail_on(opts *o, const char *v, const char *cmd)
{
	if (!strcmp(v, "error"))
		o->fail_on = MF_SEV_ERROR;
	else if (!strcmp(v, "warning"))
		o->fail_on = MF_SEV_WARNING;
	else
		return usage_error(cmd, "--fail-on takes 'error' or 'warning', not '%s'", v);
	return 0;
}

static int parse_one(opts *o, int ch, const char *cmd)
{
	int f;

	switch (ch) {
	case 'o':
		o->out = optarg;
		return *optarg ? 0 : usage_error(cmd, "%s", "-o needs a directory name");
	case 'e':
		return add_list(o->envs, &o->nenvs, optarg, cmd);
	case 't':
		return add_list(o->targets, &o->ntargets, optarg, cmd);
	case OPT_FORMAT:
		if ((f = mf_format_parse(optarg)) < 0)
			return usage_error(cmd, "unknown format '%s' (text, json, sarif, github)",
					   optarg);
		o->format = (mf_format)f;
		return 0;
	case OPT_FAIL_ON:
		return parse_fail_on(o, optarg, cmd);
	case OPT_CHECK:
		o->check_only = true;
		return 0;
	case OPT_FORCE:
		o->force = true;
		return 0;
	case OPT_EXPLAIN_DEFAULTS:
		o->explain_defaults = true;
		return 0;
	case OPT_POLICY:
		return add_list(o->packs, &o->npacks, optarg, cmd);
	default:
		return usage_error(cmd, "%s", "invalid option");
	}
}

static const command *find_command(const char *name);

static int parse(int argc, char **argv, opts *o, size_t min_paths, size_t max_paths)
{
	const char *cmd = argv[0];
	int ch, rc;

	memset(o, 0, sizeof *o);
	o->out = "out";
	o->fail_on = MF_SEV_ERROR;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:e:t:h", long_opts, NULL)) != -1) {
		if (ch == 'h') {
			printf("usage: %s\n\n%s\n", find_command(cmd)->usage,
			       find_command(cmd)->summary);
			return -1;
		}
		if (ch == '?')
			return usage_error(cmd, "unknown or incomplete option '%s'",
					   argv[optind - 1]);
		if ((rc = parse_one(o, ch, cmd)) != 0)
			return rc;
	}
	for (; optind < argc; optind++)
		if ((rc = add_list(o->paths, &o->npaths, argv[optind], cmd)) != 0)
			return rc;
	if (o->npaths < min_paths)
		return usage_error(cmd, "%s",
				   min_paths == 1 && max_paths == 1 ? "missing SYSTEM file"
								    : "missing PATH");
	if (o->npaths > max_paths)
		return usage_error(cmd, "unexpected argument '%s'", o->paths[max_paths]);
	o->system = o->npaths ? o->paths[0] : NULL;
	return 0;
}

/* ---- the pipeline ------------------------------------------------------- */

/* One emitter per target, in targets.def order. */
static const mf_emit_fn emitters[MF_NTARGETS] = {
#define TARGET(e, name) [MF_TI_##e] = mf_emit_##name,
#include "targets.def"
#undef TARGET
};

static const char *target_list(mf_ctx *c)
{
	const char *list = mf_target_names[0];

	for (size_t i = 1; i < MF_NTARGETS; i++)
		list = mf_printf(c->a, "%s, %s", list, mf_target_names[i]);
	return list;
}

static int target_mask(mf_ctx *c, const opts *o, unsigned *mask)
{
	*mask = o->ntargets ? 0 : ~0u;
	for (size_t i = 0; i < o->ntargets; i++) {
		unsigned bit = mf_target_bit(o->targets[i]);
		if (!bit)
			return usage_error("build", "unknown target '%s' (%s)", o->targets[i],
					   target_list(c));
		*mask |= bit;
	}
	return 0;
}

/* What the stages make of one description, each product passed on explicitly:
 * load -> resolve -> render -> {check, emit} -> report. */
typedef struct run {
	mf_system sys;
	mf_rendered rd;
	bool render_failed; /* diagnostics explain it; nothing may be written */
} run;

/* Load, resolve and render: -1 means the input is invalid (exit 2). */
static int front_end(mf_ctx *c, const opts *o, const mf_render_opts *ro, run *r)
{
	mf_input in;

	if (mf_load(c, o->system, &in) < 0)
		return -1;
	mf_input_freeze(&in);
	if (mf_resolve(c, &in, o->envs, o->nenvs, &r->sys) < 0 ||
	    mf_velero_validate(c, &r->sys) < 0)
		return -1;
	mf_system_freeze(&r->sys);
	/* a failed render is still checked: its findings help explain it */
	r->render_failed = mf_render(c, &r->sys, ro, &r->rd) < 0;
	mf_rendered_freeze(&r->rd);
	return 0;
}

/* Check: -1 means a policy pack is invalid (exit 2). */
static int run_check_stage(mf_ctx *c, const opts *o, const run *r)
{
	mf_check_opts co = {o->envs, o->nenvs, o->explain_defaults};

	return mf_check(c, &r->rd, &co) < 0 || r->render_failed ? -1 : 0;
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

	for (size_t i = 0; i < MF_NTARGETS; i++)
		if ((mask & (1u << i)) && emitters[i](c, rd, out) < 0)
			rc = -1;
	mf_output_sort(out);
	return rc;
}

static size_t count_at_least(const mf_ctx *c, mf_severity sev)
{
	size_t n = 0;

	for (size_t i = 0; i < c->ndiags; i++)
		n += !c->diags[i].waived && c->diags[i].sev >= sev;
	return n;
}

static int print_diags(mf_ctx *c, FILE *fp, mf_format fmt)
{
	mf_diag_sort(c);
	return mf_report(c, fp, fmt, fmt == MF_FMT_TEXT && use_color(fp));
}

/* ---- commands ----------------------------------------------------------- */

static int build_outputs(mf_ctx *c, const opts *o, const run *r, unsigned mask, size_t *ndrift)
{
	mf_output out;
	int rc;

	mf_output_init(&out);
	rc = emit_all(c, &r->rd, mask, &out) < 0 ? EXIT_INPUT : EXIT_OK;
	if (rc == EXIT_OK) {
		int w = mf_output_write(c, &out, o->out,
					(o->check_only ? MF_WRITE_CHECK : 0) |
						(o->force ? MF_WRITE_FORCE : 0),
					ndrift);
		/* a refused overwrite is the user's call (--force), not an I/O failure */
		rc = w == -2 ? EXIT_INPUT : w < 0 ? EXIT_INTERNAL : EXIT_OK;
	}
	mf_output_release(&out);
	return rc;
}

static int cmd_build(int argc, char **argv)
{
	opts o;
	mf_ctx c;
	run r;
	mf_render_opts ro;
	unsigned mask;
	size_t ndrift = 0;
	int rc = parse(argc, argv, &o, 1, 1);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	mf_ctx_init(&c);
	set_today(&c);
	if ((rc = target_mask(&c, &o, &mask)) != 0) {
		mf_ctx_release(&c);
		return rc;
	}
	ro.source_root = source_root(&c, &o);
	ro.root_outside = ro.source_root && root_outside(&c, &o, source_dir(&c, &o));
	if (front_end(&c, &o, &ro, &r) < 0 || run_check_stage(&c, &o, &r) < 0)
		rc = EXIT_INPUT;
	else
		rc = build_outputs(&c, &o, &r, mask, &ndrift);
	if (print_diags(&c, stderr, MF_FMT_TEXT) < 0 && rc == EXIT_OK)
		rc = EXIT_INTERNAL;
	if (rc == EXIT_OK && (ndrift || count_at_least(&c, o.fail_on)))
		rc = EXIT_FINDINGS;
	mf_ctx_release(&c);
	return finish(rc);
}

/* Several descriptions may be checked at once (pre-commit passes every
 * staged one); their findings share one report. */
static int cmd_check(int argc, char **argv)
{
	opts o;
	mf_ctx c;
	int rc = parse(argc, argv, &o, 1, MAX_LIST);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	mf_ctx_init(&c);
	set_today(&c);
	for (size_t i = 0; i < o.npaths; i++) {
		run r;
		o.system = o.paths[i];
		if (front_end(&c, &o, NULL, &r) < 0 || run_check_stage(&c, &o, &r) < 0)
			rc = EXIT_INPUT;
	}
	if (print_diags(&c, stdout, o.format) < 0)
		rc = EXIT_INTERNAL;
	if (rc == EXIT_OK && count_at_least(&c, o.fail_on))
		rc = EXIT_FINDINGS;
	mf_ctx_release(&c);
	return finish(rc);
}

static int cmd_lint(int argc, char **argv)
{
	opts o;
	mf_ctx c;
	int rc = parse(argc, argv, &o, 1, MAX_LIST);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	mf_ctx_init(&c);
	set_today(&c);
	rc = mf_lint(&c, o.paths, o.npaths, o.packs, o.npacks) < 0 ? EXIT_INPUT : EXIT_OK;
	if (print_diags(&c, stdout, o.format) < 0)
		rc = EXIT_INTERNAL;
	if (rc == EXIT_OK && count_at_least(&c, o.fail_on))
		rc = EXIT_FINDINGS;
	mf_ctx_release(&c);
	return finish(rc);
}

static int cmd_schema(int argc, char **argv)
{
	static const char *const names[] = {"system", "profile", "policy"};
	opts o;
	size_t len;
	const char *text;
	int rc = parse(argc, argv, &o, 0, 1);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(o.npaths ? o.paths[0] : "system", names[i]))
			continue;
		text = mf_schema_text(names[i], &len);
		if (text)
			fwrite(text, 1, len, stdout);
		return finish(text ? EXIT_OK : EXIT_INTERNAL);
	}
	return usage_error("schema", "unknown schema '%s' (system, profile, policy)", o.paths[0]);
}

static int cmd_rules(int argc, char **argv)
{
	opts o;
	int rc = parse(argc, argv, &o, 0, 0);
	static const char *const sev[] = {"info", "warning", "error"};
	static const char *const where[] = {
		[MF_WHERE_CHECK] = "check",
		[MF_WHERE_LINT] = "lint",
		[MF_WHERE_CHECK | MF_WHERE_LINT] = "check/lint",
		[MF_WHERE_CHECK | MF_WHERE_LINT | MF_WHERE_SHARED] = "check+lint",
	};

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	for (size_t i = 0; i < MF_RULE_COUNT; i++) {
		unsigned w = mf_rule_where((mf_rule_id)i);
		printf("%-28s %-8s %-10s %s\n", mf_rules[i].id, sev[mf_rules[i].sev],
		       w < MF_NELEM(where) && where[w] ? where[w] : "?", mf_rules[i].summary);
	}
	return finish(EXIT_OK);
}

static int cmd_explain(int argc, char **argv)
{
	opts o;
	const mf_rule *r;
	int rc = parse(argc, argv, &o, 1, 1);
	static const char *const sev[] = {"info", "warning", "error"};

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	r = mf_rule_find(o.paths[0]);
	if (!r)
		return usage_error("explain", "unknown rule '%s' (see 'manifold rules')",
				   o.paths[0]);
	printf("%s (%s): %s\n\n%s\n", r->id, sev[r->sev], r->summary, r->help);
	return finish(EXIT_OK);
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("manifold %s\n", MF_VERSION);
	return finish(EXIT_OK);
}

static int cmd_help(int argc, char **argv);

static const command commands[] = {
	{"build", cmd_build,
	 "manifold build SYSTEM [-o DIR] [--env NAME]... [--target NAME]... [--check] [--force]",
	 "Compile SYSTEM into Kustomize, Helm, Compose and Velero files under DIR (default out/)."},
	{"check", cmd_check,
	 "manifold check SYSTEM... [--env NAME]... [--format text|json|sarif|github] [--fail-on "
	 "error|warning] [--explain-defaults]",
	 "Validate SYSTEM and run the policy rules; write nothing."},
	{"lint", cmd_lint,
	 "manifold lint FILE|DIR|-... [--policy PACK]... [--format FORMAT] [--fail-on "
	 "error|warning]",
	 "Run the policy rules over hand-written Kubernetes and Compose YAML."},
	{"rules", cmd_rules, "manifold rules", "List the built-in rules."},
	{"explain", cmd_explain, "manifold explain RULE", "Explain one rule."},
	{"schema", cmd_schema, "manifold schema [system|profile|policy]",
	 "Print a JSON Schema of manifold's input formats."},
	{"version", cmd_version, "manifold version", "Print the version."},
	{"help", cmd_help, "manifold help", "Show this help."},
};
#define NCOMMANDS MF_NELEM(commands)

static const command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("usage: manifold COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		printf("  %-9s %s\n", commands[i].name, commands[i].summary);
	printf("\nexit codes: 0 ok, 1 policy findings, 2 invalid input or usage, 3 I/O or internal "
	       "error\n");
	return finish(EXIT_OK);
}

int main(int argc, char **argv)
{
	const command *cmd;

	if (argc < 2) {
		fprintf(stderr, "usage: manifold COMMAND [ARGS]\nTry 'manifold help'.\n");
		return EXIT_INPUT;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return cmd_help(argc, argv);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(argc, argv);
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "manifold: unknown command '%s'\nTry 'manifold help'.\n", argv[1]);
		return EXIT_INPUT;
	}
	return cmd->run(argc - 1, argv + 1);
}
