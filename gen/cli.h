/* main: the command line's tables (commands, options) and what is made from them */
#ifndef MF_CLI_H
#define MF_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* What an argument is, for the completion scripts. */
typedef enum mf_cli_arg {
	MF_CLI_NONE,    /* nothing to complete */
	MF_CLI_FILE,    /* a file name */
	MF_CLI_DIR,     /* a directory name */
	MF_CLI_WORDS,   /* one of `values` */
	MF_CLI_COMMAND, /* a command's name */
	MF_CLI_RULE,    /* a rule's id */
} mf_cli_arg;

/* One option.  Several commands may share one (they list its id); two
 * options may share a name when no command has both (--format). */
typedef struct mf_cli_opt {
	int id;             /* > 0 */
	char short_name;    /* 0: none */
	const char *name;   /* the long name, without "--" */
	const char *arg;    /* the argument's name in help ("DIR"); NULL: a flag */
	mf_cli_arg kind;    /* what the argument is */
	const char *values; /* MF_CLI_WORDS: the words, space-separated */
	const char *dflt;   /* the default, shown in the help; NULL: none to show */
	bool many;          /* may be given more than once */
	const char *help;   /* one line */
} mf_cli_opt;

/* One command: its synopsis, one line of help, its options (ids, ending
 * with 0) and its operands. */
typedef struct mf_cli_cmd {
	const char *name;
	const char *operands; /* synopsis of the operands: "SYSTEM", "FILE|DIR|-..." */
	const char *summary;  /* one line */
	const char *exits;    /* its exit codes, one line */
	const int *opts;
	size_t min_operands, max_operands;
	mf_cli_arg operand_kind;
	const char *operand_values; /* MF_CLI_WORDS: the words */
} mf_cli_cmd;

typedef struct mf_cli {
	const char *prog; /* "manifold" */
	const mf_cli_opt *opts;
	size_t nopts;
	const mf_cli_cmd *cmds;
	size_t ncmds;
} mf_cli;

const mf_cli_cmd *mf_cli_find(const mf_cli *cli, const char *name);
const mf_cli_opt *mf_cli_opt_of(const mf_cli *cli, int id);

/* "manifold CMD: MESSAGE" and "Try 'manifold CMD --help'." on stderr;
 * returns 2 (the usage exit code).  `cmd` NULL: the program itself. */
int mf_cli_usage_error(const mf_cli *cli, const mf_cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parse argv[1..argc) (argv[0] is the command's name) with the command's
 * options: "--name VALUE", "--name=VALUE", "-x VALUE", "-xVALUE", "--" (the
 * rest are operands) and "-" (an operand).  Each option goes to on_opt,
 * which returns 0 or a usage error's exit code; operands are collected in
 * operands[] (at most max_list).  Returns 0; -1 after printing the help
 * (--help: exit 0); or 2 after a usage error, with a did-you-mean for an
 * unknown option. */
typedef int (*mf_cli_on_opt)(void *arg, const mf_cli_opt *opt, const char *value);
int mf_cli_parse(const mf_cli *cli, const mf_cli_cmd *cmd, int argc, char **argv,
		 mf_cli_on_opt on_opt, void *arg, const char **operands, size_t max_list,
		 size_t *noperands);

/* A value that must be one of the option's words, else a usage error with
 * a did-you-mean that lists them: the index of the word, or -1. */
int mf_cli_word(const mf_cli *cli, const mf_cli_cmd *cmd, const mf_cli_opt *opt, const char *v);

/* `manifold CMD --help`: synopsis, summary, one line per option, exit codes. */
void mf_cli_help(const mf_cli *cli, const mf_cli_cmd *cmd, FILE *fp);
/* `manifold help`: every command with its summary. */
void mf_cli_overview(const mf_cli *cli, FILE *fp);
/* Completion scripts made from the tables: "bash" or "zsh"; -1 for another
 * shell.  `rules` (n of them) complete `explain`. */
int mf_cli_completion(const mf_cli *cli, const char *shell, const char *const *rules, size_t n,
		      FILE *fp);

/* Whether to colour a stream: `when` is "always", "never" or "auto" (a
 * terminal whose TERM is not "dumb", and NO_COLOR unset or empty, as
 * no-color.org asks). */
bool mf_cli_color(const char *when, FILE *fp);

#endif
