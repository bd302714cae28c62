/* model: regular expressions (PCRE2) and the one list of patterns that tell a secret */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "pattern.h"

/* ---- regular expressions ---------------------------------------------------------- */

void *mf_re_compile(const char *pattern, bool caseless, char *err, size_t errlen)
{
	int code;
	PCRE2_SIZE off;
	uint32_t opts = PCRE2_UTF | (caseless ? PCRE2_CASELESS : 0);
	pcre2_code *re =
		pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &code, &off, NULL);

	if (!re && err) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(code, msg, sizeof msg);
		snprintf(err, errlen, "%s at offset %zu", (const char *)msg, (size_t)off);
	}
	/* machine code where this libpcre2 has a JIT; the interpreter otherwise */
	if (re)
		pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

void mf_re_free(void *re)
{
	pcre2_code_free(re);
}

/* One match context (the limits) and one match data for the process, made
 * on first use and kept: making them per call was most of what a match
 * cost (lint matches every label and env var).  One ovector pair holds the
 * whole match, all a caller reads; pcre2_match returns 0 when a pattern's
 * groups do not fit, and that is a match too. */
static pcre2_match_context *match_ctx;
static pcre2_match_data *match_md;

static bool match_ready(void)
{
	if (!match_ctx && (match_ctx = pcre2_match_context_create(NULL)) != NULL) {
		pcre2_set_match_limit(match_ctx, 1000000);
		pcre2_set_depth_limit(match_ctx, 10000);
	}
	if (!match_md)
		match_md = pcre2_match_data_create(1, NULL);
	return match_ctx && match_md;
}

/* Limits keep a hostile pattern from a custom pack from running away.  A
 * JIT run out of its stack is tried again by the interpreter, whose depth
 * limit is the one that decides, as without a JIT. */
bool mf_re_find(const void *re, const char *s, size_t from, size_t *so, size_t *eo)
{
	size_t len;
	int rc;

	if (!re || !s || !match_ready())
		return false;
	len = strlen(s);
	rc = pcre2_match(re, (PCRE2_SPTR)s, len, from, 0, match_md, match_ctx);
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rc = pcre2_match(re, (PCRE2_SPTR)s, len, from, PCRE2_NO_JIT, match_md, match_ctx);
	if (rc < 0)
		return false;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(match_md);
	*so = ov[0];
	*eo = ov[1];
	return true;
}

/* ---- what a secret looks like ----------------------------------------------------- */

const char mf_secret_name_re[] =
	"(?:^|[_.-])(?:PASSWORD|PASSWD|PASS|PWD|SECRET|TOKEN|API[_-]?KEY|ACCESS[_-]?KEY|"
	"PRIVATE[_-]?KEY|SECRET[_-]?KEY|CLIENT[_-]?SECRET|CREDENTIALS?|AUTH[_-]?KEY|"
	"ENCRYPTION[_-]?KEY|SALT)(?:$|[_.-])|ENCRYPTION[_-]?KEY$|[_.-]AUTH$|"
	"^PGPASSWORD$"; /* libpq's, no separator */

const char mf_secret_key_re[] = "(?:^|[_.-])KEY(?:$|[_.-])";

const char mf_url_password_re[] = "\\b[A-Za-z][A-Za-z0-9+.-]*://[^/\\s:@]*:[^/\\s@]+@[^\\s/]";

/* user:password@registry/repo: an image reference with credentials (a
 * digest, app:1.0@sha256:..., has no registry and '/' after the '@') */
const char mf_image_password_re[] =
	"(?<![^\\s\"'=\\[,{])[A-Za-z0-9._-]+:[^/@\\s:\"']+@[A-Za-z0-9.-]+(?::[0-9]+)?/";

const mf_token_shape mf_token_shapes[] = {
	{"an AWS access key", "\\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\\b"},
	{"a GitHub token",
	 "\\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\\b"},
	{"an OpenAI API key", "\\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"},
	{"a Slack token", "\\bxox[abposr]-[A-Za-z0-9-]{10,}"},
	{"a Google API key", "\\bAIza[0-9A-Za-z_-]{35}\\b"},
	{"a Stripe live key", "\\b[rs]k_live_[0-9A-Za-z]{16,}\\b"},
	{"a private key", "-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"},
};
const size_t mf_ntoken_shapes = sizeof mf_token_shapes / sizeof mf_token_shapes[0];

/* Whether s may hold one of mf_token_shapes: all of them as one alternation,
 * one run where a value no shape matches (nearly every value) took one per
 * shape; a match anywhere is one of some shape, so false means none. */
bool mf_token_shape_any(const char *s)
{
	static void *any;
	static bool tried;
	size_t so, eo;

	if (!tried) {
		char buf[1024];
		size_t n = 0;
		for (size_t i = 0; i < mf_ntoken_shapes && n < sizeof buf; i++)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "%s(?:%s)", i ? "|" : "",
					      mf_token_shapes[i].re);
		any = n < sizeof buf ? mf_re_compile(buf, false, NULL, 0) : NULL;
		tried = true;
	}
	return !any || mf_re_find(any, s, 0, &so, &eo);
}

/* ---- masking source excerpts -------------------------------------------------------- */

/* The patterns, compiled once per process and kept (a few, small). */
enum { P_NAME, P_URL, P_KEY, P_IMAGE, P_TOKEN0, P_MAX = P_TOKEN0 + 16 };
static void *compiled[P_MAX];

static const void *pattern(size_t i)
{
	if (i >= P_TOKEN0 + mf_ntoken_shapes || i >= P_MAX)
		return NULL;
	if (!compiled[i])
		compiled[i] = i == P_NAME    ? mf_re_compile(mf_secret_name_re, true, NULL, 0)
			      : i == P_URL   ? mf_re_compile(mf_url_password_re, false, NULL, 0)
			      : i == P_KEY   ? mf_re_compile(mf_secret_key_re, true, NULL, 0)
			      : i == P_IMAGE ? mf_re_compile(mf_image_password_re, false, NULL, 0)
					     : mf_re_compile(mf_token_shapes[i - P_TOKEN0].re,
							     false, NULL, 0);
	return compiled[i];
}

/* Names that hold where a secret is, or something about it, not the secret. */
static const char *const not_secret[] = {
	"_FILE",   "_PATH",     "_DIR",        "_NAME",   "_ID",      "_TTL",
	"_EXPIRY", "_EXPIRES",  "_EXPIRATION", "_LENGTH", "_TIMEOUT", "_ENABLED",
	"_HEADER", "_TYPE",     "_ALGORITHM",  "_FORMAT", "_SIZE",    "_VERSION",
	"_PREFIX", "_ENDPOINT", "_HOST",       "_PORT",   "_USER",    "_USERNAME",
	"_MODE",   "_POLICY",   "_URL",        "_REF",    "_USERS",   "_STDIN"};

/* Every name mf_secret_name_re matches holds one of these words, caselessly
 * (API_KEY and ENCRYPTION_KEY hold "key", PGPASSWORD "pass"), and most names
 * (labels, env vars) hold none: one pass over the name rules them out
 * before the pattern runs.  A new word in the pattern goes here too
 * (test_pattern names one secret per alternative). */
static const char *const name_words[] = {"pass", "pwd",        "secret", "token",
					 "key",  "credential", "salt",   "auth"};

/* Whether name holds one of words[0..n) (lowercase letters) caselessly: a
 * byte or 0x20 is the lowercase letter only when the byte is that letter in
 * either case, so no locale and no call; a mask of the words' first letters
 * rules out most bytes with one test. */
static bool holds_word(const char *name, const char *const *words, size_t n)
{
	uint32_t first = 0;

	for (size_t i = 0; i < n; i++)
		first |= 1u << (words[i][0] - 'a');
	for (const char *p = name; *p; p++) {
		unsigned lc = (unsigned char)(*p | 0x20) - 'a';
		if (lc >= 26 || !(first & (1u << lc)))
			continue;
		for (size_t i = 0; i < n; i++) {
			const char *w = words[i];
			size_t j = 0;
			while (w[j] && (char)(p[j] | 0x20) == w[j])
				j++;
			if (!w[j])
				return true;
		}
	}
	return false;
}

bool mf_secret_name(const char *name)
{
	size_t so, eo, len = name ? strlen(name) : 0;

	if (!len || !holds_word(name, name_words, sizeof name_words / sizeof name_words[0]) ||
	    !mf_re_find(pattern(P_NAME), name, 0, &so, &eo))
		return false;
	for (size_t i = 0; i < sizeof not_secret / sizeof not_secret[0]; i++) {
		size_t sl = strlen(not_secret[i]);
		if (len >= sl && !strcasecmp(name + len - sl, not_secret[i]))
			return false;
	}
	return true;
}

/* A generated key: 32 or more hex digits, or 32 or more base64 (or
 * base64url) characters with letters and digits ("base64:" may lead). */
static bool keyish(const char *v)
{
	size_t n, letters = 0, digits = 0;

	if (!strncmp(v, "base64:", 7))
		v += 7;
	n = strspn(v, "0123456789abcdefABCDEF");
	if (n >= 32 && !v[n])
		return true;
	n = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-=");
	if (n < 32 || v[n])
		return false;
	for (size_t i = 0; i < n; i++) {
		letters += (v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z');
		digits += v[i] >= '0' && v[i] <= '9';
	}
	return letters && digits && v[0] != '/';
}

bool mf_secret_value(const char *name, const char *value)
{
	static const char *const key_word[] = {"key"}; /* in every mf_secret_key_re match */
	size_t so, eo;

	if (mf_secret_name(name))
		return true;
	return name && value && holds_word(name, key_word, 1) &&
	       mf_re_find(pattern(P_KEY), name, 0, &so, &eo) && keyish(value);
}

bool mf_secret_flag(const char *flag, size_t len)
{
	static const char *const own[] = {"requirepass", "masterauth", "pass", "passwd"};
	char name[64];

	while (len && *flag == '-')
		flag++, len--;
	if (!len || len >= sizeof name)
		return false;
	memcpy(name, flag, len);
	name[len] = 0;
	for (char *c = name; *c; c++)
		*c = *c == '-' ? '_' : *c;
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		if (!strcmp(name, own[i]))
			return true;
	return mf_secret_name(name);
}

static bool name_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '.' || ch == '-';
}

/* The value after a separator at s[i] ("KEY: v", "KEY=v"): [*from, *to).
 * References ({secret: ...}), aliases and block scalars are not values. */
static bool value_after(const char *s, size_t len, size_t i, bool flow, size_t *from, size_t *to)
{
	size_t v = i + 1, e;

	while (v < len && (s[v] == ' ' || s[v] == '\t'))
		v++;
	if (v >= len || strchr("{[&*|>", s[v]))
		return false;
	if (s[v] == '"' || s[v] == '\'') {
		for (e = v + 1; e < len && s[e] != s[v]; e++)
			;
		*from = v + 1;
		*to = e;
		return e > v + 1;
	}
	/* KEY=value (an argument, a .env line) ends at a blank or a flow indicator */
	if (s[i] == '=')
		flow = true;
	for (e = v; e < len && !(flow && strchr(",}] \t\"'", s[e])) &&
		    !(s[e] == '#' && e > v && s[e - 1] == ' ');
	     e++)
		;
	while (e > v && (s[e - 1] == ' ' || s[e - 1] == '\t'))
		e--;
	*from = v;
	*to = e;
	return e > v;
}

/* The name ending just before s[i] (quotes allowed), copied into name. */
static bool name_before(const char *s, size_t i, bool *flow, char *name, size_t cap)
{
	size_t e = i, b;

	if (e && (s[e - 1] == '"' || s[e - 1] == '\''))
		e--;
	for (b = e; b > 0 && name_char(s[b - 1]); b--)
		;
	if (b == e || e - b >= cap)
		return false;
	for (size_t k = b; k > 0; k--) {
		char ch = s[k - 1];
		if (ch == '{' || ch == ',') {
			*flow = true;
			break;
		}
		if (ch != ' ' && ch != '"' && ch != '\'' && ch != '\t')
			break;
	}
	memcpy(name, s + b, e - b);
	name[e - b] = 0;
	/* `secret: db` names a secret of the description, it is not one */
	return strcmp(name, "secret") != 0;
}

static void mark(bool *hide, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		hide[i] = true;
}

static void mark_names(const char *s, size_t len, bool *hide)
{
	char name[128], value[256];

	for (size_t i = 0; i < len; i++) {
		bool flow = false, yaml = s[i] == ':' && (i + 1 == len || s[i + 1] == ' ');
		size_t from, to;
		if (!(yaml || s[i] == '=') || !name_before(s, i, &flow, name, sizeof name) ||
		    !value_after(s, len, i, flow, &from, &to))
			continue;
		snprintf(value, sizeof value, "%.*s", (int)(to - from), s + from);
		if (mf_secret_value(name, value))
			mark(hide, from, to);
	}
}

/* "--requirepass VALUE", "--db-password=VALUE": the value, unless a reference */
static void mark_flags(const char *s, size_t len, bool *hide)
{
	static const char stop[] = " \t\"',]";

	for (size_t i = 0; i + 2 < len; i++) {
		size_t n, v, e;
		if (s[i] != '-' || s[i + 1] != '-' || (i && !strchr(" \t\"'[,=", s[i - 1])))
			continue;
		for (n = i + 2; n < len && (name_char(s[n]) && s[n] != '.'); n++)
			;
		if (!mf_secret_flag(s + i, n - i))
			continue;
		bool eq = n < len && s[n] == '=';
		v = eq ? n + 1 : n;
		while (!eq && v < len && strchr(stop, s[v]))
			v++;
		if (v < len && s[v] == '-' && !eq)
			continue;
		for (e = v; e < len && !strchr(stop, s[e]); e++)
			;
		if (e > v && s[v] != '$')
			mark(hide, v, e);
		i = n;
	}
}

/* scheme://user:PASSWORD@host, and whole tokens */
static void mark_shapes(const char *s, size_t len, bool *hide)
{
	size_t so, eo;

	for (size_t from = 0; from < len && mf_re_find(pattern(P_URL), s, from, &so, &eo);
	     from = eo) {
		const char *sep = strstr(s + so, "://"), *colon, *at;
		colon = sep ? memchr(sep + 3, ':', (size_t)(s + eo - sep - 3)) : NULL;
		at = colon ? memchr(colon, '@', (size_t)(s + eo - colon)) : NULL;
		if (at)
			mark(hide, (size_t)(colon + 1 - s), (size_t)(at - s));
	}
	for (size_t from = 0; from < len && mf_re_find(pattern(P_IMAGE), s, from, &so, &eo);
	     from = eo) {
		const char *colon = memchr(s + so, ':', eo - so), *at;
		at = colon ? memchr(colon, '@', (size_t)(s + eo - colon)) : NULL;
		if (at)
			mark(hide, (size_t)(colon + 1 - s), (size_t)(at - s));
	}
	for (size_t t = 0; t < mf_ntoken_shapes; t++)
		for (size_t from = 0;
		     from < len && mf_re_find(pattern(P_TOKEN0 + t), s, from, &so, &eo) && eo > so;
		     from = eo)
			mark(hide, so, eo);
}

/* The marked bytes of s[0..len) as one '*' per code point; returns the new length. */
static size_t squeeze(char *out, const char *s, size_t len, const bool *hide)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (!hide[i])
			out[n++] = s[i];
		else if (((unsigned char)s[i] & 0xC0) != 0x80)
			out[n++] = '*';
	out[n] = 0;
	return n;
}

void mf_mask_tokens(char *s)
{
	size_t len = s ? strlen(s) : 0;
	bool *hide = len ? calloc(len + 1, sizeof *hide) : NULL;

	if (!hide)
		return;
	mark_shapes(s, len, hide);
	squeeze(s, s, len, hide);
	free(hide);
}

/* One '*' per code point hidden, so columns count as before. */
char *mf_mask_secrets(const char *text, size_t len, size_t *outlen)
{
	char *s = malloc(len + 1), *out = malloc(len + 1);
	bool *hide = calloc(len + 1, sizeof *hide);

	if (!s || !out || !hide) {
		free(s);
		free(hide);
		free(out);
		return NULL;
	}
	memcpy(s, text, len);
	s[len] = 0;
	mark_names(s, len, hide);
	mark_flags(s, len, hide);
	mark_shapes(s, len, hide);
	*outlen = squeeze(out, s, len, hide);
	free(s);
	free(hide);
	return out;
}
