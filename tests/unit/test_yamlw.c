/* emit: unit tests for the YAML writer: exact layout, every quoting class, libyaml round trips */
#include <check.h>
#include <locale.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yamlw.h"
#include "support.h"

static mf_arena *A;

static void setup(void)
{
	A = mf_test_arena();
}

static void teardown(void)
{
	mf_arena_free(A);
	A = NULL;
}

/* ---- tree builders ---------------------------------------------------------------------- */

static mf_node *S(const char *s)
{
	return mf_new_str(A, s, MF_NOPOS);
}

static mf_node *SF(const char *s, unsigned flags)
{
	mf_node *n = S(s);
	n->flags = flags;
	return n;
}

static mf_node *I(long long i)
{
	return mf_new_int(A, i, MF_NOPOS);
}

/* M("k", v, "k2", v2, NULL) */
static mf_node *M(const char *k, ...)
{
	mf_node *m = mf_new_map(A, MF_NOPOS);
	va_list ap;
	va_start(ap, k);
	for (; k; k = va_arg(ap, const char *))
		ck_assert_int_eq(mf_map_add(A, m, k, MF_NOPOS, va_arg(ap, mf_node *)), 0);
	va_end(ap);
	return m;
}

/* L(a, b, NULL) */
static mf_node *L(mf_node *first, ...)
{
	mf_node *s = mf_new_seq(A, MF_NOPOS);
	va_list ap;
	va_start(ap, first);
	for (mf_node *n = first; n; n = va_arg(ap, mf_node *))
		ck_assert_int_eq(mf_seq_push(A, s, n), 0);
	va_end(ap);
	return s;
}

/* the document mf_yaml_write makes of n; the caller frees it */
static char *emit(const mf_node *n)
{
	mf_buf b;
	mf_buf_init(&b);
	ck_assert_int_eq(mf_yaml_write(&b, n), 0);
	ck_assert_ptr_nonnull(b.data);
	ck_assert_uint_eq(strlen(b.data), b.len);
	return b.data;
}

#define ck_yaml(node, want)                     \
	do {                                    \
		char *got_ = emit(node);        \
		ck_assert_str_eq(got_, (want)); \
		free(got_);                     \
	} while (0)

/* ---- layout ---------------------------------------------------------------------------- */

START_TEST(kustomize_layout)
{
	mf_node *container = M("name", S("api"), "image", S("nginx:1.25"),
			       "ports", L(M("containerPort", I(80), "protocol", S("TCP"), NULL), NULL),
			       "args", L(S("--port=80"), S("8080"), NULL), "env", L(NULL), NULL);
	mf_node *doc = M("apiVersion", S("apps/v1"), "kind", S("Deployment"),
			 "metadata", M("name", S("api"), "labels", M("app", S("api"), NULL), NULL),
			 "spec", M("replicas", I(2), "template", M("spec", M("containers", L(container, NULL),
									    "volumes", M(NULL), NULL), NULL), NULL),
			 NULL);
	ck_yaml(doc,
		"apiVersion: apps/v1\n"
		"kind: Deployment\n"
		"metadata:\n"
		"  name: api\n"
		"  labels:\n"
		"    app: api\n"
		"spec:\n"
		"  replicas: 2\n"
		"  template:\n"
		"    spec:\n"
		"      containers:\n"
		"      - name: api\n"
		"        image: nginx:1.25\n"
		"        ports:\n"
		"        - containerPort: 80\n"
		"          protocol: TCP\n"
		"        args:\n"
		"        - \"--port=80\"\n"
		"        - \"8080\"\n"
		"        env: []\n"
		"      volumes: {}\n");
}
END_TEST

START_TEST(nested_sequences)
{
	ck_yaml(L(L(S("a"), S("b"), NULL), L(M("k", S("v"), "k2", L(I(1), NULL), NULL), NULL), L(NULL), M(NULL), NULL),
		"- - a\n"
		"  - b\n"
		"- - k: v\n"
		"    k2:\n"
		"    - 1\n"
		"- []\n"
		"- {}\n");
	ck_yaml(M("a", L(L(L(S("deep"), NULL), NULL), NULL), NULL), "a:\n- - - deep\n");
	ck_yaml(M("m", M("n", M(NULL), NULL), NULL), "m:\n  \"n\": {}\n");  /* "n" is a YAML 1.1 bool */
}
END_TEST

START_TEST(top_level_forms)
{
	ck_yaml(M(NULL), "{}\n");
	ck_yaml(L(NULL), "[]\n");
	ck_yaml(mf_new(A, MF_NULL, MF_NOPOS), "null\n");
	ck_yaml(S("plain"), "plain\n");
	ck_yaml(S("true"), "\"true\"\n");
	ck_yaml(S("a\nb\n"), "|\n  a\n  b\n");
	ck_yaml(L(S("x"), I(-3), NULL), "- x\n- -3\n");
}
END_TEST

/* numbers come from their values: the source text may be 0x1F or 1e3 */
START_TEST(typed_scalars)
{
	mf_node *hex = I(31);
	hex->str = "0x1F";
	mf_node *f = mf_new_float(A, 1000.0, MF_NOPOS);
	f->str = "1e3";
	ck_yaml(M("hex", hex, "f", f, "half", mf_new_float(A, 0.5, MF_NOPOS), "two", mf_new_float(A, 2.0, MF_NOPOS),
		  "big", mf_new_float(A, 1e20, MF_NOPOS), "inf", mf_new_float(A, -1.0 / 0.0, MF_NOPOS),
		  "t", mf_new_bool(A, true, MF_NOPOS), "f2", mf_new_bool(A, false, MF_NOPOS),
		  "n", mf_new(A, MF_NULL, MF_NOPOS), "neg", I(-9223372036854775807LL - 1), NULL),
		"hex: 31\nf: 1000.0\nhalf: 0.5\ntwo: 2.0\nbig: 1.0e+20\n\"inf\": -.inf\nt: true\nf2: false\n"
		"\"n\": null\nneg: -9223372036854775808\n");
}
END_TEST

START_TEST(float_text_ignores_locale)
{
	if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "fr_FR.UTF-8"))
		return;  /* no comma-decimal locale installed here */
	ck_yaml(M("half", mf_new_float(A, 0.5, MF_NOPOS), "x", mf_new_float(A, 1234.25, MF_NOPOS), NULL),
		"half: 0.5\nx: 1234.25\n");
	setlocale(LC_NUMERIC, "C");
}
END_TEST

/* ---- quoting ---------------------------------------------------------------------------- */

static const struct {
	const char *in, *out;  /* out: what follows "k: " */
} value_cases[] = {
	/* plain */
	{"nginx", "nginx"}, {"hello world", "hello world"}, {"1Gi", "1Gi"}, {"100m", "100m"},
	{"nginx:1.25", "nginx:1.25"}, {"a:b", "a:b"}, {"http://x:80/y", "http://x:80/y"}, {"a#b", "a#b"},
	{"it's", "it's"}, {"say \"hi\"", "say \"hi\""}, {"é", "é"}, {"日本語", "日本語"}, {"v1.2.3", "v1.2.3"},
	{".git", ".git"}, {"a,b", "a,b"}, {"a[0]", "a[0]"}, {"<html>", "<html>"}, {"x-y", "x-y"},
	{"0xZZ", "0xZZ"}, {"1.2.3-beta", "1.2.3-beta"}, {"deadbeef", "deadbeef"}, {"e", "e"}, {"eb", "eb"}, {"e3", "\"e3\""}, {"E+7", "\"E+7\""},
	{"True story", "True story"}, {"nullable", "nullable"}, {"~foo", "~foo"}, {"back\\slash", "back\\slash"},
	{"8080/TCP", "8080/TCP"}, {"a - b", "a - b"}, {"nbsp\xc2\xa0x", "nbsp\xc2\xa0x"},
	/* null, bool and friends, any case */
	{"", "\"\""}, {"null", "\"null\""}, {"Null", "\"Null\""}, {"NULL", "\"NULL\""}, {"nULL", "\"nULL\""},
	{"~", "\"~\""}, {"true", "\"true\""}, {"True", "\"True\""}, {"FALSE", "\"FALSE\""}, {"yes", "\"yes\""},
	{"No", "\"No\""}, {"on", "\"on\""}, {"Off", "\"Off\""}, {"y", "\"y\""}, {"N", "\"N\""},
	/* numbers of every form */
	{"0", "\"0\""}, {"42", "\"42\""}, {"-1", "\"-1\""}, {"+1", "\"+1\""}, {"0o17", "\"0o17\""},
	{"017", "\"017\""}, {"0x1F", "\"0x1F\""}, {"0b101", "\"0b101\""}, {"1_000", "\"1_000\""},
	{"1e3", "\"1e3\""}, {"1E-3", "\"1E-3\""}, {"1.5", "\"1.5\""}, {".5", "\".5\""}, {"5.", "\"5.\""},
	{".", "\".\""}, {".inf", "\".inf\""}, {"-.inf", "\"-.inf\""}, {"+.INF", "\"+.INF\""}, {".NaN", "\".NaN\""},
	{"inf", "\"inf\""}, {"NaN", "\"NaN\""}, {"-Infinity", "\"-Infinity\""}, {"12:30", "\"12:30\""},
	{"1:20:30", "\"1:20:30\""}, {"10.0.0.1", "\"10.0.0.1\""}, {"1.2.3", "\"1.2.3\""}, {"0x1p-2", "\"0x1p-2\""},
	/* timestamps, merge and value keys */
	{"2025-01-01", "\"2025-01-01\""}, {"2001-12-14t21:59:43.10-05:00", "\"2001-12-14t21:59:43.10-05:00\""},
	{"2001-12-14 21:59:43.10 -5", "\"2001-12-14 21:59:43.10 -5\""}, {"<<", "\"<<\""}, {"<<x", "\"<<x\""},
	{"=", "\"=\""},
	/* indicators and structure */
	{"-", "\"-\""}, {"--flag", "\"--flag\""}, {"- a", "\"- a\""}, {"?", "\"?\""}, {"?x", "\"?x\""},
	{":", "\":\""}, {":x", "\":x\""}, {"a: b", "\"a: b\""}, {"a:", "\"a:\""}, {"a #b", "\"a #b\""},
	{"#c", "\"#c\""}, {"&a", "\"&a\""}, {"*a", "\"*a\""}, {"!t", "\"!t\""}, {"|", "\"|\""}, {">", "\">\""},
	{"'q'", "\"'q'\""}, {"\"q\"", "\"\\\"q\\\"\""}, {"%d", "\"%d\""}, {"@x", "\"@x\""}, {"`x`", "\"`x`\""},
	{"[a]", "\"[a]\""}, {"{a}", "\"{a}\""}, {",", "\",\""}, {"...", "\"...\""}, {"...x", "\"...x\""},
	{"---", "\"---\""}, {" x", "\" x\""}, {"x ", "\"x \""}, {" \\ ", "\" \\\\ \""},
	/* escapes */
	{"a\tb", "\"a\\tb\""}, {"cr\rx", "\"cr\\rx\""}, {"\x01", "\"\\u0001\""}, {"\b\f", "\"\\b\\f\""},
	{"del\x7f", "\"del\\u007F\""}, {"nel\xc2\x85", "\"nel\\u0085\""}, {"c1\xc2\x80", "\"c1\\u0080\""},
	{"ls\xe2\x80\xa8", "\"ls\\u2028\""}, {"ps\xe2\x80\xa9", "\"ps\\u2029\""},
	{"bom\xef\xbb\xbf", "\"bom\\uFEFF\""}, {"\xef\xbf\xbe", "\"\\uFFFE\""}, {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
	/* multi-line: literal blocks when the lines survive one, else quoted */
	{"a\nb", "|-\n  a\n  b"}, {"a\nb\n", "|\n  a\n  b"}, {"a\n\n", "|+\n  a\n"}, {"a\n\n\n", "|+\n  a\n\n"},
	{"\nlead", "|-\n\n  lead"}, {"a\n\nb", "|-\n  a\n\n  b"}, {"a\n  indented", "|-\n  a\n    indented"},
	{"--- x\n# not a comment\n...", "|-\n  --- x\n  # not a comment\n  ..."},
	{"  \nfoo", "\"  \\nfoo\""}, {" lead\nx", "\" lead\\nx\""}, {"trail \nx", "\"trail \\nx\""},
	{"tab\tx\ny", "\"tab\\tx\\ny\""}, {"\n", "\"\\n\""}, {"\n\n", "\"\\n\\n\""}, {"cr\r\nx", "\"cr\\r\\nx\""},
};

START_TEST(value_quoting)
{
	for (size_t i = 0; i < sizeof value_cases / sizeof *value_cases; i++) {
		size_t size = strlen(value_cases[i].out) + 8;
		char *want = malloc(size);
		snprintf(want, size, "k: %s\n", value_cases[i].out);
		char *got = emit(M("k", S(value_cases[i].in), NULL));
		ck_assert_msg(strcmp(got, want) == 0, "case %zu: got [%s] want [%s]", i, got, want);
		free(got);
		free(want);
	}
}
END_TEST

START_TEST(scalar_flags)
{
	ck_yaml(M("k", SF("nginx", MF_QUOTED), NULL), "k: \"nginx\"\n");
	ck_yaml(M("k", SF("a\nb", MF_QUOTED), NULL), "k: \"a\\nb\"\n");
	ck_yaml(M("k", SF("a\nb", MF_QUOTED | MF_BLOCK), NULL), "k: |-\n  a\n  b\n");
	ck_yaml(M("k", SF("one line", MF_BLOCK), NULL), "k: one line\n");
	ck_yaml(M("k", SF("tab\tx\ny\n", MF_BLOCK), NULL), "k: |\n  tab\tx\n  y\n");
	ck_yaml(M("k", SF("x\n\ty", MF_BLOCK), NULL), "k: |-\n  x\n  \ty\n");
	ck_yaml(M("k", SF("\tfirst\nx", MF_BLOCK), NULL), "k: \"\\tfirst\\nx\"\n");
	ck_yaml(M("k", SF("on", MF_SHARED), NULL), "k: \"on\"\n");
}
END_TEST

START_TEST(literal_indentation)
{
	ck_yaml(M("items", L(M("script", S("echo a\necho b\n"), "name", S("x"), NULL), S("raw\ntext"), NULL),
		  "data", M("nginx.conf", S("server {\n  listen 80;\n}\n"), NULL), NULL),
		"items:\n"
		"- script: |\n"
		"    echo a\n"
		"    echo b\n"
		"  name: x\n"
		"- |-\n"
		"  raw\n"
		"  text\n"
		"data:\n"
		"  nginx.conf: |\n"
		"    server {\n"
		"      listen 80;\n"
		"    }\n");
}
END_TEST

START_TEST(key_quoting)
{
	ck_yaml(M("on", S("v"), "8080", S("v"), "a b", S("v"), "", S("v"), "a\nb", S("v"), "<<", S("v"),
		  "key:", S("v"), "app.kubernetes.io/name", S("v"), "- x", S("v"), NULL),
		"\"on\": v\n\"8080\": v\na b: v\n\"\": v\n\"a\\nb\": v\n\"<<\": v\n\"key:\": v\n"
		"app.kubernetes.io/name: v\n\"- x\": v\n");
}
END_TEST

START_TEST(stream)
{
	mf_node *docs[] = {M("a", I(1), NULL), L(S("x"), NULL), mf_new(A, MF_NULL, MF_NOPOS)};
	mf_buf b;
	mf_buf_init(&b);
	ck_assert_int_eq(mf_yaml_write_stream(&b, docs, 3), 0);
	ck_assert_str_eq(b.data, "a: 1\n---\n- x\n---\nnull\n");
	ck_assert_int_eq(mf_yaml_write_stream(&b, docs, 0), 0);
	ck_assert_uint_eq(b.len, strlen("a: 1\n---\n- x\n---\nnull\n"));
	mf_buf_release(&b);
}
END_TEST

/* a failed write leaves the buffer exactly as it was */
START_TEST(failures_roll_back)
{
	mf_buf b;
	mf_buf_init(&b);
	mf_buf_puts(&b, "keep\n");
	const char *bad[] = {"\xff", "a\xc0\xafz", "\xed\xa0\x80", "\xf4\x90\x80\x80", "trunc\xe2\x82"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		ck_assert_int_eq(mf_yaml_write(&b, M("ok", S("v"), "k", L(S(bad[i]), NULL), NULL)), -1);
		ck_assert_int_eq(mf_yaml_write(&b, M(bad[i], S("v"), NULL)), -1);
		ck_assert_str_eq(b.data, "keep\n");
	}
	char *longkey = malloc(2001);
	memset(longkey, 'k', 2000);
	longkey[2000] = '\0';
	ck_assert_int_eq(mf_yaml_write(&b, M("a", M(longkey, S("v"), NULL), NULL)), -1);
	longkey[900] = '\0';
	ck_assert_int_eq(mf_yaml_write(&b, M(longkey, S("v"), NULL)), 0);
	free(longkey);
	b.len = 5;
	b.data[5] = '\0';
	mf_node *holey = M("a", S("b"), NULL);
	holey->pairs[0].val = NULL;
	ck_assert_int_eq(mf_yaml_write(&b, holey), -1);
	ck_assert_int_eq(mf_yaml_write(&b, NULL), -1);
	mf_node *docs[] = {M("a", I(1), NULL), NULL};
	ck_assert_int_eq(mf_yaml_write_stream(&b, docs, 2), -1);
	ck_assert_str_eq(b.data, "keep\n");
	mf_buf_release(&b);
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(buffer)
{
	mf_buf b;
	mf_buf_init(&b);
	mf_buf_puts(&b, NULL);
	ck_assert_uint_eq(b.len, 0);
	mf_buf_add(&b, "abc", 2);
	mf_buf_printf(&b, "-%d-%s", 42, "x");
	ck_assert_str_eq(b.data, "ab-42-x");
	mf_buf_printf(&b, "%5000d", 1);
	ck_assert_uint_eq(b.len, 5007);
	ck_assert_uint_eq(strlen(b.data), 5007);
	ck_assert(!b.oom);
	mf_buf_release(&b);
}
END_TEST

START_TEST(json_strings)
{
	mf_buf b;
	mf_buf_init(&b);
	mf_buf_json_str(&b, "a\"b\\c\n\t\x01\x1f/é\xe2\x80\xa8\x7f");
	mf_buf_add(&b, " ", 1);
	mf_buf_json_str(&b, "bad\xff!");
	mf_buf_add(&b, " ", 1);
	mf_buf_json_str(&b, NULL);
	ck_assert_str_eq(b.data, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001F/é\\u2028\\u007F\" \"bad\\uFFFD!\" \"\"");
	mf_buf_release(&b);
}
END_TEST

START_TEST(deterministic)
{
	mf_node *doc = M("b", L(S("on"), S("x\ny"), I(1), NULL), "a", M("z", S(""), NULL), NULL);
	char *x = emit(doc), *y = emit(doc);
	ck_assert_str_eq(x, y);
	free(x);
	free(y);
}
END_TEST

/* ---- round trips through libyaml --------------------------------------------------------- */

/* The resolvers of the YAML 1.1 type repository and of the 1.2 core schema:
 * a plain scalar matching any of these would not read back as a string. */
static const char *const resolver_res[] = {
	"y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
	"~|null|Null|NULL|",
	"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+",
	"[-+]?([0-9][0-9_]*)?\\.[0-9.]*([eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*"
	"|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)",
	"[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
	"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?([Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9]"
	"(\\.[0-9]*)?(([ \t]*)Z|[-+][0-9][0-9]?(:[0-9][0-9])?)?",
	"<<|=",
	"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+",
	"[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.nan|\\.NaN|\\.NAN",
};
enum { NRES = sizeof resolver_res / sizeof *resolver_res };

typedef struct resolvers {
	regex_t re[NRES];
} resolvers;

static void resolvers_init(resolvers *r)
{
	for (size_t i = 0; i < NRES; i++) {
		size_t size = strlen(resolver_res[i]) + 8;
		char *full = malloc(size);
		snprintf(full, size, "^(%s)$", resolver_res[i]);
		ck_assert_int_eq(regcomp(&r->re[i], full, REG_EXTENDED | REG_NOSUB), 0);
		free(full);
	}
}

static void resolvers_free(resolvers *r)
{
	for (size_t i = 0; i < NRES; i++)
		regfree(&r->re[i]);
}

static bool resolves_non_string(const resolvers *r, const char *s)
{
	for (size_t i = 0; i < NRES; i++)
		if (regexec(&r->re[i], s, 0, NULL, 0) == 0)
			return true;
	return false;
}

typedef struct scalar {
	char *value;  /* malloc'd */
	size_t len;
	yaml_scalar_style_t style;
} scalar;

/* every scalar of the one-document stream in text, in order; false if libyaml rejects it */
static bool parse_scalars(const char *text, scalar *out, size_t max, size_t *n)
{
	yaml_parser_t p;
	yaml_event_t ev;
	bool ok = true, done = false;
	*n = 0;
	ck_assert(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	while (ok && !done) {
		if (!yaml_parser_parse(&p, &ev)) {
			ok = false;
			break;
		}
		if (ev.type == YAML_SCALAR_EVENT && *n < max) {
			scalar *s = &out[(*n)++];
			s->len = ev.data.scalar.length;
			s->value = malloc(s->len + 1);
			memcpy(s->value, ev.data.scalar.value, s->len);
			s->value[s->len] = '\0';
			s->style = ev.data.scalar.style;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return ok;
}

static void free_scalars(scalar *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].value);
}

/* s written as a value, as a key and deep in a sequence reads back the same,
 * and is plain only where no resolver would take it for something else */
static void check_round_trip(const resolvers *r, const char *s, unsigned flags)
{
	mf_node *v = SF(s, flags);
	mf_node *doc = M("k", v, s, S("v"), "list", L(M("a", L(v, NULL), "b", v, NULL), v, NULL), NULL);
	char *text = emit(doc);
	scalar sc[16];
	size_t n;
	ck_assert_msg(parse_scalars(text, sc, 16, &n), "libyaml rejects:\n%s", text);
	ck_assert_uint_eq(n, 10);
	static const size_t at[] = {1, 2, 6, 8, 9};  /* k: s, s: v, a: [s], b: s, - s */
	for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
		const scalar *got = &sc[at[i]];
		ck_assert_msg(got->len == strlen(s) && memcmp(got->value, s, got->len) == 0,
			      "scalar %zu of\n%s\nreads back as [%s]", at[i], text, got->value);
		ck_assert_msg(got->style != YAML_PLAIN_SCALAR_STYLE || !resolves_non_string(r, s),
			      "[%s] written plain but resolves to a non-string", s);
	}
	free_scalars(sc, n);
	free(text);
}

START_TEST(round_trip_table)
{
	resolvers r;
	resolvers_init(&r);
	for (size_t i = 0; i < sizeof value_cases / sizeof *value_cases; i++) {
		check_round_trip(&r, value_cases[i].in, 0);
		check_round_trip(&r, value_cases[i].in, MF_BLOCK);
		check_round_trip(&r, value_cases[i].in, MF_QUOTED);
	}
	resolvers_free(&r);
}
END_TEST

/* random strings over an alphabet of troublemakers */
START_TEST(round_trip_random)
{
	static const char *const alphabet[] = {
		"a", "Z", "0", "1", "7", ".", "-", "+", ":", " ", "#", "\n", "\t", "\"", "'", "\\", "e", "x", "_",
		"~", "[", "{", ",", "!", "&", "*", "|", ">", "%", "@", "`", "?", "y", "n", "o", "é", "\xe2\x80\xa8",
		"\xc2\x85", "\r", "\x7f", "\xef\xbb\xbf", "null", "true", "<<", "=", "...", "---",
	};
	enum { NA = sizeof alphabet / sizeof *alphabet };
	resolvers r;
	resolvers_init(&r);
	unsigned x = 2463534242u;
	char s[128];
	for (int iter = 0; iter < 4000; iter++) {
		size_t n = 0;
		s[0] = '\0';
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		int len = (int)(x % 7);
		for (int i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			n += (size_t)snprintf(s + n, sizeof s - n, "%s", alphabet[x % NA]);
		}
		check_round_trip(&r, s, iter % 3 == 0 ? MF_BLOCK : 0);
	}
	resolvers_free(&r);
}
END_TEST

/* the writer must not quote everything: ordinary strings stay plain */
START_TEST(plain_where_safe)
{
	const char *plain[] = {"nginx", "1Gi", "100m", "nginx:1.25", "hello world", "a:b", "é", "/var/lib", "ClusterIP"};
	for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
		ck_assert_msg(mf_yaml_plain_safe(plain[i], strlen(plain[i])), "%s", plain[i]);
	ck_assert(!mf_yaml_plain_safe("on", 2));
	ck_assert(!mf_yaml_plain_safe(NULL, 0));
	ck_assert(!mf_yaml_plain_safe("a\0b", 3));
	ck_assert(mf_yaml_plain_safe("ab", 2));
	ck_assert(!mf_yaml_plain_safe("yes", 3));
	ck_assert(mf_yaml_plain_safe("yesno", 5));
}
END_TEST

static Suite *yamlw_suite(void)
{
	Suite *s = suite_create("yamlw");
	TCase *t = tcase_create("layout");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, kustomize_layout);
	tcase_add_test(t, nested_sequences);
	tcase_add_test(t, top_level_forms);
	tcase_add_test(t, typed_scalars);
	tcase_add_test(t, float_text_ignores_locale);
	tcase_add_test(t, literal_indentation);
	tcase_add_test(t, stream);
	tcase_add_test(t, failures_roll_back);
	tcase_add_test(t, buffer);
	tcase_add_test(t, json_strings);
	tcase_add_test(t, deterministic);
	suite_add_tcase(s, t);
	t = tcase_create("quoting");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, value_quoting);
	tcase_add_test(t, scalar_flags);
	tcase_add_test(t, key_quoting);
	tcase_add_test(t, plain_where_safe);
	tcase_add_test(t, round_trip_table);
	tcase_add_test(t, round_trip_random);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return mf_test_run(yamlw_suite());
}
