/* model: regular expressions (PCRE2) and the one list of patterns that tell a secret */
#ifndef MF_PATTERN_H
#define MF_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

/* Compile (PCRE2, UTF); NULL and a message in err on a bad pattern.  The
 * caller frees what it compiled with mf_re_free. */
void *mf_re_compile(const char *pattern, bool caseless, char *err, size_t errlen);
void mf_re_free(void *re);
/* First match in s from offset `from`: true and [*so, *eo) set.  Limits keep
 * a hostile pattern from running away. */
bool mf_re_find(const void *re, const char *s, size_t from, size_t *so, size_t *eo);

/* What the secret rules (check) and the masking of source excerpts (diag)
 * both look for: names that hold a secret (compare caselessly), a password
 * in a URL, and the shapes of well-known tokens. */
extern const char mf_secret_name_re[];
extern const char mf_url_password_re[];
extern const char mf_image_password_re[]; /* user:password@registry/repo */
/* Whether a key or variable name holds a secret (DB_PASSWORD, API_KEY) and
 * not where one is or something about it (PASSWORD_FILE, TOKEN_TTL). */
bool mf_secret_name(const char *name);
/* Whether a name and its value hold a secret: a secret name, or a KEY
 * (SIGNING_KEY, APP_KEY) whose value looks generated (long hex or base64). */
bool mf_secret_value(const char *name, const char *value);
extern const char mf_secret_key_re[];
/* Whether a command-line flag ("--requirepass", "--db-password", len bytes
 * from flag) takes a secret: a secret name, or a server's own spelling. */
bool mf_secret_flag(const char *flag, size_t len);
typedef struct mf_token_shape {
	const char *what; /* "an AWS access key" */
	const char *re;
} mf_token_shape;
extern const mf_token_shape mf_token_shapes[];
extern const size_t mf_ntoken_shapes;
/* False when s holds none of the token shapes: a test before matching each. */
bool mf_token_shape_any(const char *s);

/* A line of source text as a log may show it: the value of a key whose name
 * holds a secret, a URL's password and anything shaped like a known token
 * replaced by as many '*', so columns (and the caret under them) stay where
 * they were.  Returns a malloc'd copy (NUL-terminated, *outlen bytes: the
 * text may hold NUL bytes) the caller frees, or NULL when out of memory. */
char *mf_mask_secrets(const char *text, size_t len, size_t *outlen);
/* A message in place: a URL's password and anything shaped like a known
 * token as '*' (a key from the input, quoted in a message, may be one). */
void mf_mask_tokens(char *s);

#endif
