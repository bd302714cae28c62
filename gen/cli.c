/* main: parsing, help and completion scripts, all made from the command and option tables */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "diag.h"

const mf_cli_cmd *mf_cli_find(const mf_cli *cli, const char *name)
{
	for (size_t i = 0; name && i < cli->ncmds; i++)
		if (!strcmp(cli->cmds[i].name, name))
			return &cli->cmds[i];
	return NULL;
}

const mf_cli_opt *mf_cli_opt_of(const mf_cli *cli, int id)
{
	for (size_t i = 0; i < cli->nopts; i++)
		if (cli->opts[i].id == id)
			return &cli->opts[i];
	return NULL;
}

int mf_cli_usage_error(const mf_cli *cli, const mf_cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s%s%s: ", cli->prog, cmd ? " " : "", cmd ? cmd->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "\nTry '%s %s --help'.\n", cli->prog, cmd->name);
	else
		fprintf(stderr, "\nTry '%s help'.\n", cli->prog);
	return 2;
}

/* ---- parsing ------------------------------------------------------------ */

/* The command's option with this long name (len bytes) or short name. */
static const mf_cli_opt *cmd_opt(const mf_cli *cli, const mf_cli_cmd *cmd, const char *name,
				 size_t len, char short_name)
{
	for (const int *id = cmd->opts; *id; id++) {
		const mf_cli_opt *o = mf_cli_opt_of(cli, *id);
		if (o && (name ? strlen(o->name) == len && !strncmp(o->name, name, len)
			       : o->short_name == short_name))
			return o;
	}
	return NULL;
}

/* Why an option is unknown: another command's, or a misspelling. */
static int unknown_option(const mf_cli *cli, const mf_cli_cmd *cmd, const char *word, size_t len)
{
	const char *names[64], *best;
	char text[64];
	size_t n = 0;

	snprintf(text, sizeof text, "%.*s", (int)len, word);
	for (const int *id = cmd->opts; *id && n < MF_NELEM(names); id++)
		names[n++] = mf_cli_opt_of(cli, *id)->name;
	best = mf_did_you_mean(text, names, n);
	for (size_t i = 0; !best && i < cli->nopts; i++)
		if (!strcmp(cli->opts[i].name, text))
			return mf_cli_usage_error(cli, cmd, "'--%s' is not an option of '%s'", text,
						  cmd->name);
	if (best)
		return mf_cli_usage_error(cli, cmd, "unknown option '--%.*s': did you mean '--%s'?",
					  (int)len, word, best);
	return mf_cli_usage_error(cli, cmd, "unknown option '--%.*s'", (int)len, word);
}

typedef struct parser {
	const mf_cli *cli;
	const mf_cli_cmd *cmd;
	int argc, i;
	char **argv;
	mf_cli_on_opt on_opt;
	void *arg;
} parser;

/* The option's value: after '=' (or the short name), else the next word. */
static int take(parser *p, const mf_cli_opt *o, const char *inline_value, const char *shown)
{
	if (o->name && !strcmp(o->name, "help")) {
		mf_cli_help(p->cli, p->cmd, stdout);
		return -1;
	}
	if (!o->arg) {
		if (inline_value)
			return mf_cli_usage_error(p->cli, p->cmd, "option '%s' takes no value",
						  shown);
		return p->on_opt(p->arg, o, NULL);
	}
	if (!inline_value) {
		if (p->i + 1 >= p->argc)
			return mf_cli_usage_error(p->cli, p->cmd, "option '%s' needs a value (%s)",
						  shown, o->arg);
		inline_value = p->argv[++p->i];
	}
	return p->on_opt(p->arg, o, inline_value);
}

static int long_option(parser *p, const char *word)
{
	const char *name = word + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const mf_cli_opt *o = cmd_opt(p->cli, p->cmd, name, len, 0);
	char shown[80];

	if (!o)
		return unknown_option(p->cli, p->cmd, name, len);
	snprintf(shown, sizeof shown, "--%s", o->name);
	return take(p, o, eq ? eq + 1 : NULL, shown);
}

/* "-qv" are two flags; "-oDIR" is -o with DIR. */
static int short_options(parser *p, const char *word)
{
	for (const char *s = word + 1; *s; s++) {
		const mf_cli_opt *o = cmd_opt(p->cli, p->cmd, NULL, 0, *s);
		char shown[3] = {'-', *s, 0};
		int rc;
		if (!o)
			return mf_cli_usage_error(p->cli, p->cmd, "unknown option '-%c'", *s);
		if (o->arg)
			return take(p, o, s[1] ? s + 1 : NULL, shown);
		if ((rc = take(p, o, NULL, shown)) != 0)
			return rc;
	}
	return 0;
}

static int operand_count(const parser *p, const char **operands, size_t n)
{
	const mf_cli_cmd *cmd = p->cmd;
	size_t word = strcspn(cmd->operands, " .");

	if (n < cmd->min_operands)
		return mf_cli_usage_error(p->cli, cmd, "missing %.*s", (int)word,
					  cmd->operands[0] == '[' ? cmd->operands + 1
								  : cmd->operands);
	if (n > cmd->max_operands)
		return mf_cli_usage_error(p->cli, cmd, "unexpected argument '%s'",
					  operands[cmd->max_operands]);
	return 0;
}

int mf_cli_parse(const mf_cli *cli, const mf_cli_cmd *cmd, int argc, char **argv,
		 mf_cli_on_opt on_opt, void *arg, const char **operands, size_t max_list,
		 size_t *noperands)
{
	parser p = {cli, cmd, argc, 1, argv, on_opt, arg};
	bool rest = false;
	int rc = 0;

	*noperands = 0;
	for (; rc == 0 && p.i < argc; p.i++) {
		const char *w = argv[p.i];
		if (rest || w[0] != '-' || !w[1]) {
			if (*noperands >= max_list || *noperands > cmd->max_operands)
				return operand_count(&p, operands, cmd->max_operands + 1);
			operands[(*noperands)++] = w;
		} else if (!strcmp(w, "--")) {
			rest = true;
		} else {
			rc = w[1] == '-' ? long_option(&p, w) : short_options(&p, w);
		}
	}
	return rc ? rc : operand_count(&p, operands, *noperands);
}

int mf_cli_word(const mf_cli *cli, const mf_cli_cmd *cmd, const mf_cli_opt *opt, const char *v)
{
	const char *words[32], *best;
	char store[512], list[512] = "";
	size_t n = 0, len, used = 0;

	for (const char *s = opt->values; s && *s && n < MF_NELEM(words); s += len) {
		s += strspn(s, " ");
		if (!(len = strcspn(s, " ")) || used + len + 1 > sizeof store)
			break;
		if (strlen(v) == len && !strncmp(s, v, len))
			return (int)n;
		memcpy(store + used, s, len);
		store[used + len] = 0;
		words[n] = store + used;
		used += len + 1;
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", n ? ", " : "",
			 words[n]);
		n++;
	}
	best = mf_did_you_mean(v, words, n);
	if (best)
		mf_cli_usage_error(cli, cmd, "unknown --%s '%s': did you mean '%s'? (one of %s)",
				   opt->name, v, best, list);
	else
		mf_cli_usage_error(cli, cmd, "unknown --%s '%s' (one of %s)", opt->name, v, list);
	return -1;
}

/* ---- help ---------------------------------------------------------------- */

/* "  -o, --output DIR" */
static int opt_column(const mf_cli_opt *o, char *buf, size_t size)
{
	return snprintf(buf, size, "  %c%c%s--%s%s%s", o->short_name ? '-' : ' ',
			o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
			o->arg ? " " : "", o->arg ? o->arg : "");
}

static void opt_line(const mf_cli_opt *o, int width, FILE *fp)
{
	char col[128];
	int n = opt_column(o, col, sizeof col);
	bool words = o->kind == MF_CLI_WORDS && o->values;

	fprintf(fp, "%s%*s%s", col, n < width ? width - n : 1, "", o->help);
	if (words || o->dflt)
		fputs(" (", fp);
	for (const char *s = words ? o->values + strspn(o->values, " ") : ""; *s; s++)
		fputc(*s == ' ' ? '|' : *s, fp);
	if (o->dflt)
		fprintf(fp, "%sdefault: %s", words ? "; " : "", o->dflt);
	if (words || o->dflt)
		fputc(')', fp);
	fputs(o->many ? "; repeatable\n" : "\n", fp);
}

void mf_cli_help(const mf_cli *cli, const mf_cli_cmd *cmd, FILE *fp)
{
	char col[128];
	int width = 0;

	fprintf(fp, "usage: %s %s%s%s%s\n\n%s\n", cli->prog, cmd->name, *cmd->operands ? " " : "",
		cmd->operands, cmd->opts[0] ? " [OPTION]..." : "", cmd->summary);
	for (const int *id = cmd->opts; *id; id++) {
		int n = opt_column(mf_cli_opt_of(cli, *id), col, sizeof col) + 2;
		width = n > width && n <= 30 ? n : width;
	}
	if (cmd->opts[0])
		fputs("\noptions:\n", fp);
	for (const int *id = cmd->opts; *id; id++)
		opt_line(mf_cli_opt_of(cli, *id), width, fp);
	fprintf(fp, "\nexit status: %s\n", cmd->exits);
}

void mf_cli_overview(const mf_cli *cli, FILE *fp)
{
	fprintf(fp, "usage: %s COMMAND [ARG]...\n\ncommands:\n", cli->prog);
	for (size_t i = 0; i < cli->ncmds; i++)
		fprintf(fp, "  %-11s %s\n", cli->cmds[i].name, cli->cmds[i].summary);
	fprintf(fp,
		"\n'%s COMMAND --help' (or '%s help COMMAND') lists a command's options;\n"
		"'man %s' has the whole reference.\n",
		cli->prog, cli->prog, cli->prog);
}

bool mf_cli_color(const char *when, FILE *fp)
{
	const char *term = getenv("TERM"), *no = getenv("NO_COLOR");

	if (when && !strcmp(when, "always"))
		return true;
	if (when && !strcmp(when, "never"))
		return false;
	return !(no && *no) && isatty(fileno(fp)) && term && strcmp(term, "dumb") != 0;
}

/* ---- completion scripts --------------------------------------------------- */

/* The words an argument of this kind completes to (NULL: files or nothing). */
static void put_words(const mf_cli *cli, mf_cli_arg kind, const char *values,
		      const char *const *rules, size_t n, FILE *fp)
{
	if (kind == MF_CLI_WORDS)
		fputs(values + strspn(values, " "), fp);
	for (size_t i = 0; kind == MF_CLI_COMMAND && i < cli->ncmds; i++)
		fprintf(fp, "%s%s", i ? " " : "", cli->cmds[i].name);
	for (size_t i = 0; kind == MF_CLI_RULE && i < n; i++)
		fprintf(fp, "%s%s", i ? " " : "", rules[i]);
}

static bool has_words(mf_cli_arg kind)
{
	return kind == MF_CLI_WORDS || kind == MF_CLI_COMMAND || kind == MF_CLI_RULE;
}

/* bash: COMPREPLY for the word after an option, or for an operand. */
static void bash_reply(const mf_cli *cli, mf_cli_arg kind, const char *values,
		       const char *const *rules, size_t n, FILE *fp)
{
	if (kind == MF_CLI_FILE)
		fputs("COMPREPLY=($(compgen -f -- \"$cur\"))", fp);
	else if (kind == MF_CLI_DIR)
		fputs("COMPREPLY=($(compgen -d -- \"$cur\"))", fp);
	else if (has_words(kind)) {
		fputs("COMPREPLY=($(compgen -W '", fp);
		put_words(cli, kind, values, rules, n, fp);
		fputs("' -- \"$cur\"))", fp);
	} else {
		fputs(":", fp);
	}
}

static void bash_command(const mf_cli *cli, const mf_cli_cmd *cmd, const char *const *rules,
			 size_t n, FILE *fp)
{
	fprintf(fp, "\t%s)\n\t\tcase $prev in\n", cmd->name);
	for (const int *id = cmd->opts; *id; id++) {
		const mf_cli_opt *o = mf_cli_opt_of(cli, *id);
		if (!o->arg)
			continue;
		fputs("\t\t", fp);
		if (o->short_name)
			fprintf(fp, "-%c|", o->short_name);
		fprintf(fp, "--%s) ", o->name);
		bash_reply(cli, o->kind, o->values, rules, n, fp);
		fputs("; return 0 ;;\n", fp);
	}
	fputs("\t\tesac\n\t\tif [[ $cur == -* ]]; then\n\t\t\tCOMPREPLY=($(compgen -W '", fp);
	for (const int *id = cmd->opts; *id; id++) {
		const mf_cli_opt *o = mf_cli_opt_of(cli, *id);
		if (o->short_name)
			fprintf(fp, "-%c ", o->short_name);
		fprintf(fp, "--%s%s", o->name, id[1] ? " " : "");
	}
	fputs("' -- \"$cur\"))\n\t\telse\n\t\t\t", fp);
	bash_reply(cli, cmd->max_operands ? cmd->operand_kind : MF_CLI_NONE, cmd->operand_values,
		   rules, n, fp);
	fputs("\n\t\tfi\n\t\t;;\n", fp);
}

static void bash_script(const mf_cli *cli, const char *const *rules, size_t n, FILE *fp)
{
	fprintf(fp,
		"# bash completion for %s; generated by '%s completion bash' from its option "
		"tables\n"
		"_%s()\n{\n"
		"\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
		"\t# bash splits --opt=value at '='\n"
		"\tif [ \"$cur\" = = ]; then prev=${COMP_WORDS[COMP_CWORD-1]}; cur=; fi\n"
		"\tif [ \"$prev\" = = ] && [ \"$COMP_CWORD\" -gt 2 ]; then "
		"prev=${COMP_WORDS[COMP_CWORD-2]}; fi\n"
		"\tCOMPREPLY=()\n"
		"\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n\t\t",
		cli->prog, cli->prog, cli->prog);
	bash_reply(cli, MF_CLI_COMMAND, NULL, rules, n, fp);
	fputs("\n\t\treturn 0\n\tfi\n\tcase ${COMP_WORDS[1]} in\n", fp);
	for (size_t i = 0; i < cli->ncmds; i++)
		bash_command(cli, &cli->cmds[i], rules, n, fp);
	fprintf(fp, "\tesac\n\treturn 0\n}\ncomplete -o filenames -o bashdefault -F _%s %s\n",
		cli->prog, cli->prog);
}

/* Text inside a single-quoted zsh word, and inside _arguments' [...]. */
static void zsh_text(const char *s, FILE *fp)
{
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", fp);
		else if (*s == '[' || *s == ']' || *s == ':' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else
			fputc(*s, fp);
}

static void zsh_action(const mf_cli *cli, mf_cli_arg kind, const char *values,
		       const char *const *rules, size_t n, FILE *fp)
{
	if (kind == MF_CLI_FILE)
		fputs("_files", fp);
	else if (kind == MF_CLI_DIR)
		fputs("_files -/", fp);
	else if (has_words(kind)) {
		fputc('(', fp);
		put_words(cli, kind, values, rules, n, fp);
		fputc(')', fp);
	} else {
		fputc(' ', fp);
	}
}

static void zsh_option(const mf_cli *cli, const mf_cli_opt *o, const char *const *rules, size_t n,
		       FILE *fp)
{
	fputs(" \\\n\t\t\t", fp);
	if (o->many)
		fputs("'*'", fp);
	else if (o->short_name)
		fprintf(fp, "'(-%c --%s)'", o->short_name, o->name);
	if (o->short_name)
		fprintf(fp, "{-%c%s,--%s%s}'", o->short_name, o->arg ? "+" : "", o->name,
			o->arg ? "=" : "");
	else
		fprintf(fp, "'--%s%s", o->name, o->arg ? "=" : "");
	fputc('[', fp);
	zsh_text(o->help, fp);
	fputc(']', fp);
	if (o->arg) {
		fprintf(fp, ":%s:", o->arg);
		zsh_action(cli, o->kind, o->values, rules, n, fp);
	}
	fputc('\'', fp);
}

static void zsh_command(const mf_cli *cli, const mf_cli_cmd *cmd, const char *const *rules,
			size_t n, FILE *fp)
{
	fprintf(fp, "\t(%s)\n\t\t_arguments -S", cmd->name);
	for (const int *id = cmd->opts; *id; id++)
		zsh_option(cli, mf_cli_opt_of(cli, *id), rules, n, fp);
	if (cmd->max_operands) {
		fprintf(fp, " \\\n\t\t\t'%s:%.*s:", cmd->max_operands > 1 ? "*" : "",
			(int)strcspn(cmd->operands + (cmd->operands[0] == '['), " .]"),
			cmd->operands + (cmd->operands[0] == '['));
		zsh_action(cli, cmd->operand_kind, cmd->operand_values, rules, n, fp);
		fputc('\'', fp);
	}
	fputs("\n\t\t;;\n", fp);
}

static void zsh_script(const mf_cli *cli, const char *const *rules, size_t n, FILE *fp)
{
	fprintf(fp,
		"#compdef %s\n"
		"# zsh completion for %s; generated by '%s completion zsh' from its option "
		"tables\n\n_%s() {\n\tlocal -a cmds\n\tcmds=(\n",
		cli->prog, cli->prog, cli->prog, cli->prog);
	for (size_t i = 0; i < cli->ncmds; i++) {
		fprintf(fp, "\t\t'%s:", cli->cmds[i].name);
		zsh_text(cli->cmds[i].summary, fp);
		fputs("'\n", fp);
	}
	fputs("\t)\n\tif (( CURRENT == 2 )); then\n"
	      "\t\t_describe -t commands 'manifold command' cmds\n\t\treturn\n\tfi\n"
	      "\tlocal cmd=$words[2]\n\tshift words\n\t(( CURRENT-- ))\n\tcase $cmd in\n",
	      fp);
	for (size_t i = 0; i < cli->ncmds; i++)
		zsh_command(cli, &cli->cmds[i], rules, n, fp);
	fprintf(fp, "\tesac\n}\n\n_%s \"$@\"\n", cli->prog);
}

int mf_cli_completion(const mf_cli *cli, const char *shell, const char *const *rules, size_t n,
		      FILE *fp)
{
	if (shell && !strcmp(shell, "bash"))
		bash_script(cli, rules, n, fp);
	else if (shell && !strcmp(shell, "zsh"))
		zsh_script(cli, rules, n, fp);
	else
		return -1;
	return 0;
}
