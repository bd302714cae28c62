/* schema: unit tests of the JSON Schema engine's behaviour and exact messages */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonschema.h"
#include "support.h"

#define MAXGOT 16

/* Errors as the callback saw them (its strings die with the callback). */
typedef struct got {
	size_t n;
	char ptr[MAXGOT][128], kw[MAXGOT][32], msg[MAXGOT][256], prop[MAXGOT][64];
	int has_prop[MAXGOT];
	const json_t *sch[MAXGOT];
} got;

static void on_error(void *user, const mf_schema_error *e)
{
	got *g = user;
	size_t i = g->n++;
	if (i >= MAXGOT)
		return;
	snprintf(g->ptr[i], sizeof g->ptr[i], "%s", e->pointer);
	snprintf(g->kw[i], sizeof g->kw[i], "%s", e->keyword);
	snprintf(g->msg[i], sizeof g->msg[i], "%s", e->message);
	snprintf(g->prop[i], sizeof g->prop[i], "%s", e->property ? e->property : "");
	g->has_prop[i] = e->property != NULL;
	g->sch[i] = e->schema;
}

/* JSON written with ' for " (and ` for a literal ') to keep the C readable. */
static json_t *J(const char *text)
{
	char *s = strdup(text);
	ck_assert_ptr_nonnull(s);
	for (char *p = s; *p; p++)
		*p = *p == '\'' ? '"' : *p == '`' ? '\'' : *p;
	json_error_t jerr;
	json_t *j = json_loads(s, JSON_DECODE_ANY, &jerr);
	ck_assert_msg(j != NULL, "bad test JSON %s: %s", s, jerr.text);
	free(s);
	return j;
}

static mf_schema *compile(const char *schema)
{
	char err[512];
	json_t *j = J(schema);
	mf_schema *s = mf_schema_new(j, err, sizeof err);
	json_decref(j);
	ck_assert_msg(s != NULL, "schema %s rejected: %s", schema, err);
	return s;
}

/* Validates inst against schema; errors land in *g. */
static size_t run(const char *schema, const char *inst, got *g)
{
	mf_schema *s = compile(schema);
	json_t *i = J(inst);
	memset(g, 0, sizeof *g);
	size_t n = mf_schema_validate(s, i, on_error, g);
	ck_assert_uint_eq(n, g->n);
	ck_assert_uint_eq(mf_schema_validate(s, i, NULL, NULL), n);
	json_decref(i);
	mf_schema_free(s);
	return n;
}

static void one(const char *schema, const char *inst, const char *ptr, const char *kw, const char *msg)
{
	got g;
	size_t n = run(schema, inst, &g);
	ck_assert_msg(n == 1, "%s on %s: %zu errors, first '%s'", schema, inst, n, n ? g.msg[0] : "");
	ck_assert_str_eq(g.ptr[0], ptr);
	ck_assert_str_eq(g.kw[0], kw);
	ck_assert_str_eq(g.msg[0], msg);
}

static void valid(const char *schema, const char *inst)
{
	got g;
	size_t n = run(schema, inst, &g);
	ck_assert_msg(n == 0, "%s on %s: unexpected error '%s' at '%s'", schema, inst, g.msg[0], g.ptr[0]);
}

static void invalid(const char *schema, const char *inst)
{
	got g;
	ck_assert_msg(run(schema, inst, &g) > 0, "%s on %s: no error", schema, inst);
}

static void rejected(const char *schema, const char *expect)
{
	char err[512];
	json_t *j = J(schema);
	mf_schema *s = mf_schema_new(j, err, sizeof err);
	json_decref(j);
	mf_schema_free(s);
	ck_assert_msg(s == NULL, "schema %s accepted", schema);
	ck_assert_str_eq(err, expect);
}

START_TEST(test_type_messages)
{
	one("{'type':'object'}", "'x'", "", "type", "expected a mapping, got a string");
	one("{'type':['string','array']}", "5", "", "type", "expected a string or a list, got an integer");
	one("{'type':['string','integer','null']}", "{}", "", "type",
	    "expected a string, an integer or null, got a mapping");
	one("{'type':'integer'}", "1.5", "", "type", "expected an integer, got a float");
	one("{'type':'number'}", "true", "", "type", "expected a number, got a boolean");
	one("{'type':'null'}", "[]", "", "type", "expected null, got a list");
	valid("{'type':'integer'}", "1.0");
	valid("{'type':'integer'}", "1e308");
	valid("{'type':['number','string']}", "7");
	/* after a type mismatch the other keywords stay quiet */
	one("{'type':'string','enum':['a'],'minLength':3}", "5", "", "type", "expected a string, got an integer");
}
END_TEST

START_TEST(test_enum_const_messages)
{
	one("{'enum':['a','b','c']}", "'foo'", "", "enum", "'foo' is not one of 'a', 'b', 'c'");
	one("{'enum':[1,true,null,'x']}", "2", "", "enum", "2 is not one of 1, true, null, 'x'");
	one("{'enum':['true','false']}", "true", "", "enum", "true is not one of 'true', 'false'");
	one("{'enum':['a','b','c','d','e','f','g','h','i','j','k','l']}", "'z'", "", "enum",
	    "'z' is not one of 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' and 4 more");
	one("{'enum':['only']}", "'x'", "", "enum", "must be 'only'");
	one("{'enum':['a','b']}", "{'k':1}", "", "enum", "must be one of 'a', 'b'");
	one("{'enum':['a','b']}", "'x\\ny'", "", "enum", "'x\\ny' is not one of 'a', 'b'");
	one("{'const':'x'}", "'y'", "", "const", "must be 'x'");
	one("{'const':1.5}", "1", "", "const", "must be 1.5");
	one("{'const':{'a':[1,2]}}", "{}", "", "const", "must be {\"a\":[1,2]}");
	one("{'const':'abc'}", "'0123456789012345678901234567890123456789012345678901234567890123456789'", "",
	    "const", "must be 'abc'");
	got g;
	run("{'enum':['a','b']}", "'0123456789012345678901234567890123456789012345678901234567890123456789'", &g);
	ck_assert_str_eq(g.msg[0], "'012345678901234567890123456789012345...123456789' is not one of 'a', 'b'");
}
END_TEST

START_TEST(test_json_equality)
{
	valid("{'const':{'a':[1,2.0],'b':null}}", "{'b':null,'a':[1.0,2]}");
	valid("{'enum':[{'a':1,'b':2}]}", "{'b':2,'a':1.0}");
	invalid("{'enum':[1]}", "true");
	invalid("{'enum':[0]}", "false");
	invalid("{'enum':[[false]]}", "[0]");
	invalid("{'const':{'a':1}}", "{'a':1,'b':2}");
	valid("{'enum':[9007199254740993]}", "9007199254740993");
	invalid("{'enum':[9007199254740993]}", "9007199254740992");
}
END_TEST

START_TEST(test_required)
{
	got g;
	ck_assert_uint_eq(run("{'type':'object','required':['image','name']}", "{'name':'x'}", &g), 1);
	ck_assert_str_eq(g.msg[0], "missing required key 'image'");
	ck_assert_str_eq(g.kw[0], "required");
	ck_assert_str_eq(g.prop[0], "image");
	ck_assert_str_eq(g.ptr[0], "");
	one("{'properties':{'services':{'additionalProperties':{'required':['image']}}}}",
	    "{'services':{'api':{}}}", "/services/api", "required", "missing required key 'image'");
}
END_TEST

START_TEST(test_additional_properties)
{
	mf_schema *s = compile("{'properties':{'image':{'type':'string'}},'additionalProperties':false}");
	json_t *i = J("{'image':'x','imgae':'y'}");
	got g = {0};
	ck_assert_uint_eq(mf_schema_validate(s, i, on_error, &g), 1);
	ck_assert_str_eq(g.ptr[0], "/imgae");
	ck_assert_str_eq(g.kw[0], "additionalProperties");
	ck_assert_str_eq(g.prop[0], "imgae");
	ck_assert_str_eq(g.msg[0], "unknown key 'imgae'");
	/* the holder, so a caller can offer "did you mean 'image'" */
	ck_assert_ptr_eq(g.sch[0], mf_schema_lookup(s, "#"));
	ck_assert_ptr_nonnull(json_object_get(json_object_get(g.sch[0], "properties"), "image"));
	json_decref(i);
	mf_schema_free(s);
	one("{'additionalProperties':{'type':'integer'}}", "{'a':'x'}", "/a", "type",
	    "expected an integer, got a string");
	one("{'patternProperties':{'^x-':{}},'additionalProperties':false}", "{'x-a':1,'b':2}", "/b",
	    "additionalProperties", "unknown key 'b'");
	invalid("{'patternProperties':{'^x-':{'type':'string'}}}", "{'x-a':1}");
}
END_TEST

START_TEST(test_pattern)
{
	one("{'pattern':'^[a-z]+$'}", "'Foo_Bar'", "", "pattern", "'Foo_Bar' does not match the pattern '^[a-z]+$'");
	valid("{'pattern':'a+'}", "'xxaayy'");
	invalid("{'pattern':'^[a-z]+$'}", "'abc\\n'");          /* '$' is end of string only, as in ECMA-262 */
	valid("{'pattern':'^.$'}", "'\\u00e9'");                 /* UTF-8 aware */
	valid("{'pattern':'^\\\\u00e9$'}", "'\\u00e9'");         /* ECMA \\uXXXX escape */
	invalid("{'pattern':'^\\\\d$'}", "'\\u0661'");           /* \\d is ASCII, as in ECMA-262 */
	valid("{'pattern':'^\\\\d$'}", "'7'");
	rejected("{'properties':{'a':{'pattern':'('}}}",
	         "#/properties/a/pattern: invalid regular expression '(': missing closing parenthesis at offset 1");
	rejected("{'patternProperties':{'[':{}}}",
	         "#/patternProperties/[: invalid regular expression '[': missing terminating ] for character class at offset 1");
	/* catastrophic backtracking ends in an error, not a hang */
	got g;
	ck_assert_uint_eq(run("{'pattern':'^(a|a)*$'}", "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'", &g), 1);
	ck_assert_str_eq(g.kw[0], "pattern");
}
END_TEST

START_TEST(test_lengths_count_code_points)
{
	valid("{'maxLength':3}", "'\\u00e9\\u00e9\\u00e9'");
	one("{'maxLength':3}", "'\\u00e9\\u00e9\\u00e9\\u00e9'", "", "maxLength", "must have at most 3 characters");
	valid("{'maxLength':1}", "'\\ud83d\\udca9'");
	one("{'minLength':1}", "''", "", "minLength", "must have at least 1 character");
	one("{'minLength':2.0}", "'a'", "", "minLength", "must have at least 2 characters");
	one("{'minItems':1}", "[]", "", "minItems", "must have at least 1 item");
	one("{'maxItems':2}", "[1,2,3]", "", "maxItems", "must have at most 2 items");
	one("{'minProperties':1}", "{}", "", "minProperties", "must have at least 1 key");
	one("{'maxProperties':1}", "{'a':1,'b':2}", "", "maxProperties", "must have at most 1 key");
}
END_TEST

START_TEST(test_numbers)
{
	one("{'minimum':1}", "0", "", "minimum", "must be at least 1");
	one("{'maximum':65535}", "70000", "", "maximum", "must be at most 65535");
	one("{'exclusiveMinimum':0}", "0", "", "exclusiveMinimum", "must be greater than 0");
	one("{'exclusiveMaximum':1.5}", "1.5", "", "exclusiveMaximum", "must be less than 1.5");
	one("{'multipleOf':5}", "7", "", "multipleOf", "must be a multiple of 5");
	one("{'multipleOf':0.1}", "0.35", "", "multipleOf", "must be a multiple of 0.1");
	valid("{'multipleOf':0.1}", "0.3");
	valid("{'multipleOf':0.01}", "0.07");
	valid("{'multipleOf':1.1}", "7.7");
	valid("{'multipleOf':0.0001}", "0.0075");
	invalid("{'multipleOf':0.0001}", "0.00751");
	valid("{'multipleOf':1e-8}", "12391239123");
	invalid("{'type':'integer','multipleOf':0.123456789}", "1e308");
	valid("{'multipleOf':2}", "-9223372036854775808");
	/* exact beyond 2^53, including integer against real */
	invalid("{'maximum':9007199254740992}", "9007199254740993");
	invalid("{'maximum':9007199254740992.0}", "9007199254740993");
	valid("{'minimum':-1}", "-1.0");
	valid("{'maximum':1e300}", "9223372036854775807");
	valid("{'minimum':5}", "'not a number'");
}
END_TEST

START_TEST(test_x_error)
{
	const char *dns = "{'type':'string','pattern':'^[a-z0-9-]+$','maxLength':10,"
	                  "'x-error':'service names must be DNS labels (lowercase letters, digits and `-`)'}";
	const char *msg = "service names must be DNS labels (lowercase letters, digits and '-')";
	one(dns, "'Foo_Bar'", "", "pattern", msg);
	one(dns, "'Foo_Bar_is_far_too_long'", "", "maxLength", msg);   /* said once, not per keyword */
	one(dns, "5", "", "type", msg);
	one("{'anyOf':[{'type':'string'},{'type':'integer'}],'x-error':'a port is a number or a name'}", "[]", "",
	    "anyOf", "a port is a number or a name");
	got g;
	ck_assert_uint_eq(run("{'additionalProperties':false,'x-error':'no keys here'}", "{'k':1}", &g), 1);
	ck_assert_str_eq(g.msg[0], "no keys here");
	ck_assert_str_eq(g.prop[0], "k");
	/* a child's x-error is its own: the parent's messages stay */
	ck_assert_uint_eq(run("{'properties':{'a':{'type':'string','x-error':'A!'}},'required':['b']}", "{'a':1}", &g), 2);
	ck_assert_str_eq(g.msg[0], "missing required key 'b'");
	ck_assert_str_eq(g.msg[1], "A!");
	ck_assert_str_eq(g.ptr[1], "/a");
	one("{'definitions':{'n':{'type':'string','minLength':1}},"
	    "'properties':{'name':{'$ref':'#/definitions/n','x-error':'name must be a non-empty string'}}}",
	    "{'name':''}", "/name", "$ref", "name must be a non-empty string");
	one("{'allOf':[{'minimum':1},{'maximum':2}],'x-error':'between 1 and 2'}", "5", "", "allOf", "between 1 and 2");
}
END_TEST

START_TEST(test_anyof_one_branch_for_the_type)
{
	const char *img = "{'anyOf':[{'type':'string'},{'type':'object','required':['image'],"
	                  "'properties':{'image':{'type':'string'}}}]}";
	one(img, "{}", "", "required", "missing required key 'image'");
	one(img, "{'image':5}", "/image", "type", "expected a string, got an integer");
	one(img, "5", "", "anyOf", "expected a string or a mapping, got an integer");
	const char *refs = "{'definitions':{'short':{'type':'string'},'long':{'type':'object','required':['port']}},"
	                   "'anyOf':[{'$ref':'#/definitions/short'},{'$ref':'#/definitions/long'}]}";
	one(refs, "{}", "", "required", "missing required key 'port'");
	one(refs, "true", "", "anyOf", "expected a string or a mapping, got a boolean");
	one("{'anyOf':[{'type':'integer'},{'type':'string'}]}", "1.5", "", "anyOf",
	    "expected an integer or a string, got a float");
	one("{'anyOf':[{'type':['integer','string']},{'type':['string','null']}]}", "[]", "", "anyOf",
	    "expected an integer, a string or null, got a list");
	one("{'anyOf':[{'const':'a'},{'enum':['b','c']},{'type':'integer'}]}", "'x'", "", "anyOf",
	    "'x' is not one of 'a', 'b', 'c'");
	one("{'anyOf':[{'const':'a'},{'type':'integer'}]}", "'x'", "", "const", "must be 'a'");
	/* several branches take mappings: the closest one speaks */
	one("{'anyOf':[{'type':'object','required':['a','b']},{'type':'object','required':['c']}]}", "{}", "",
	    "required", "missing required key 'c'");
}
END_TEST

START_TEST(test_oneof)
{
	one("{'oneOf':[{'type':'integer'},{'minimum':0}]}", "5", "", "oneOf", "matches more than one of the allowed forms");
	one("{'oneOf':[{'type':'integer'},{'type':'string'}]}", "null", "", "oneOf",
	    "expected an integer or a string, got null");
	one("{'oneOf':[{'type':'string','maxLength':2},{'type':'integer'}]}", "'abc'", "", "maxLength",
	    "must have at most 2 characters");
	valid("{'oneOf':[{'type':'integer'},{'type':'string'}]}", "'s'");
}
END_TEST

START_TEST(test_not_messages)
{
	one("{'not':{'type':'string'}}", "'x'", "", "not", "must not be a string");
	one("{'not':{'const':'latest'}}", "'latest'", "", "not", "must not be 'latest'");
	one("{'not':{'enum':['a','b']}}", "'a'", "", "not", "must not be one of 'a', 'b'");
	one("{'not':{'required':['x']}}", "{'x':1}", "", "not", "key 'x' is not allowed here");
	one("{'not':{}}", "1", "", "not", "no value is allowed here");
	one("{'not':{'minimum':3}}", "5", "", "not", "must not match the excluded form");
	valid("{'not':{'type':'string'}}", "1");
}
END_TEST

START_TEST(test_if_then_else)
{
	const char *s = "{'if':{'properties':{'kind':{'const':'web'}}},"
	                "'then':{'required':['port']},'else':{'required':['command']}}";
	one(s, "{'kind':'web'}", "", "required", "missing required key 'port'");
	one(s, "{'kind':'job'}", "", "required", "missing required key 'command'");
	valid(s, "{'kind':'web','port':80}");
	valid("{'then':{'minimum':3}}", "1");
}
END_TEST

START_TEST(test_document_order)
{
	got g;
	const char *s = "{'type':'object','required':['z'],'additionalProperties':false,"
	                "'properties':{'a':{'type':'string'},'b':{'type':'integer'},"
	                "'c':{'properties':{'d':{'type':'string'}}},'z':{}}}";
	ck_assert_uint_eq(run(s, "{'c':{'d':1},'x':1,'a':2,'b':'s'}", &g), 5);
	const char *want[5][2] = {{"", "missing required key 'z'"}, {"/c/d", "expected a string, got an integer"},
	                          {"/x", "unknown key 'x'"}, {"/a", "expected a string, got an integer"},
	                          {"/b", "expected an integer, got a string"}};
	for (size_t i = 0; i < 5; i++) {
		ck_assert_str_eq(g.ptr[i], want[i][0]);
		ck_assert_str_eq(g.msg[i], want[i][1]);
	}
	/* combinators do not disturb the order */
	ck_assert_uint_eq(run("{'allOf':[{'properties':{'b':{'type':'string'}}},{'properties':{'a':{'type':'string'}}}]}",
	                      "{'a':1,'b':2}", &g), 2);
	ck_assert_str_eq(g.ptr[0], "/a");
	ck_assert_str_eq(g.ptr[1], "/b");
	/* the same complaint twice at one place is said once */
	ck_assert_uint_eq(run("{'allOf':[{'required':['a']},{'required':['a']}]}", "{}", &g), 1);
}
END_TEST

START_TEST(test_pointers)
{
	got g;
	ck_assert_uint_eq(run("{'additionalProperties':{'type':'string'}}", "{'a/b':1,'m~n':2}", &g), 2);
	ck_assert_str_eq(g.ptr[0], "/a~1b");
	ck_assert_str_eq(g.ptr[1], "/m~0n");
	one("{'items':{'type':'string'}}", "['x',1]", "/1", "type", "expected a string, got an integer");
	one("{'properties':{'services':{'additionalProperties':{'properties':{'ports':{'items':{'type':'integer'}}}}}}}",
	    "{'services':{'api':{'ports':['http']}}}", "/services/api/ports/0", "type",
	    "expected an integer, got a string");
}
END_TEST

/* Schema, a value it accepts and one it rejects: $ref forms from draft-07. */
static const char *const refcases[][3] = {
	{"{'tilda~field':{'type':'integer'},'slash/field':{'type':'integer'},'percent%field':{'type':'integer'},"
	 "'properties':{'t':{'$ref':'#/tilda~0field'},'s':{'$ref':'#/slash~1field'},'p':{'$ref':'#/percent%25field'}}}",
	 "{'t':1,'s':2,'p':3}", "{'p':'x'}"},
	{"{'$defs':{'a':{'type':'integer'}},'$ref':'#/$defs/a'}", "1", "'x'"},
	{"{'properties':{'foo\\'bar':{'$ref':'#/definitions/foo%22bar'}},'definitions':{'foo\\'bar':{'type':'number'}}}",
	 "{'foo\\'bar':1}", "{'foo\\'bar':'1'}"},
	{"{'allOf':[{'$ref':'#foo'}],'definitions':{'A':{'$id':'#foo','type':'integer'}}}", "1", "'a'"},
	{"{'allOf':[{'$ref':'http://localhost:1234/bar#foo'}],"
	 "'definitions':{'A':{'$id':'http://localhost:1234/bar#foo','type':'integer'}}}", "1", "'a'"},
	{"{'$id':'http://localhost:1234/root','allOf':[{'$ref':'http://localhost:1234/nested.json#foo'}],"
	 "'definitions':{'A':{'$id':'nested.json','definitions':{'B':{'$id':'#foo','type':'integer'}}}}}", "1", "'a'"},
	{"{'$id':'http://localhost:1234/sibling_id/base/','definitions':{"
	 "'foo':{'$id':'http://localhost:1234/sibling_id/foo.json','type':'string'},"
	 "'base_foo':{'$id':'foo.json','type':'number'}},"
	 "'allOf':[{'$id':'http://localhost:1234/sibling_id/','$ref':'foo.json'}]}", "1", "'a'"},
	{"{'$id':'http://example.com/a.json','definitions':{'x':{'$id':'http://example.com/b/c.json',"
	 "'not':{'definitions':{'y':{'$id':'d.json','type':'number'}}}}},"
	 "'allOf':[{'$ref':'http://example.com/b/d.json'}]}", "1", "'a'"},
	{"{'$id':'urn:uuid:deadbeef-1234-ffff-ffff-4321feebdaed','properties':{'foo':{'$ref':'#/definitions/bar'}},"
	 "'definitions':{'bar':{'type':'string'}}}", "{'foo':'x'}", "{'foo':1}"},
	{"{'definitions':{'':{'definitions':{'':{'type':'number'}}}},'allOf':[{'$ref':'#/definitions//definitions/'}]}",
	 "1", "'a'"},
	{"{'$id':'http://example.com/ref/absref.json','definitions':{"
	 "'a':{'$id':'http://example.com/ref/absref/foobar.json','type':'number'},"
	 "'b':{'$id':'http://example.com/absref/foobar.json','type':'string'}},"
	 "'allOf':[{'$ref':'/absref/foobar.json'}]}", "'a'", "1"},
	{"{'$id':'http://example.com/schema-relative-uri-defs1.json','properties':{'foo':{"
	 "'$id':'schema-relative-uri-defs2.json','definitions':{'inner':{'properties':{'bar':{'type':'string'}}}},"
	 "'allOf':[{'$ref':'#/definitions/inner'}]}},'allOf':[{'$ref':'schema-relative-uri-defs2.json'}]}",
	 "{'foo':{'bar':'a'},'bar':'a'}", "{'foo':{'bar':'a'},'bar':1}"},
	{"{'$id':'file:///folder/file.json','definitions':{'foo':{'type':'number'}},'allOf':[{'$ref':'#/definitions/foo'}]}",
	 "1", "'a'"},
	{"{'$id':'http://x.test/a/b/c.json','definitions':{'d':{'$id':'../d.json','type':'null'}},"
	 "'allOf':[{'$ref':'http://x.test/a/d.json'}]}", "null", "1"},
	{"{'definitions':{'a_string':{'type':'string'}},'enum':[{'$ref':'#/definitions/a_string'}]}",
	 "{'$ref':'#/definitions/a_string'}", "'a string'"},
	{"{'$ref':'http://example.com/ref/if','if':{'$id':'http://example.com/ref/if','type':'integer'}}", "12", "'foo'"},
	{"{'type':'object','properties':{'child':{'$ref':'#'}},'additionalProperties':false}",
	 "{'child':{'child':{'child':{}}}}", "{'child':{'child':{'x':1}}}"},
	{"{'definitions':{'a':{'$ref':'#/definitions/b'},'b':{'$ref':'#/definitions/c'},'c':{'type':'integer'}},"
	 "'$ref':'#/definitions/a'}", "5", "'a'"},
	{"{'$ref':'#/definitions/t','definitions':{'t':true}}", "'x'", NULL},
	{"{'$ref':'#/definitions/f','definitions':{'f':false}}", NULL, "'x'"},
};

START_TEST(test_ref_resolution)
{
	const char *const *c = refcases[_i];
	if (c[1])
		valid(c[0], c[1]);
	if (c[2])
		invalid(c[0], c[2]);
}
END_TEST

START_TEST(test_ref_errors)
{
	rejected("{'properties':{'a':{'$ref':'#/definitions/nope'}}}",
	         "#/properties/a/$ref: cannot resolve '#/definitions/nope'");
	rejected("{'$ref':'http://json-schema.org/draft-07/schema#'}",
	         "#/$ref: cannot resolve 'http://json-schema.org/draft-07/schema#' "
	         "(only references within the schema document are supported)");
	rejected("{'$ref':'#'}", "#/$ref: '#' leads back here without validating anything");
	rejected("{'definitions':{'a':{'$ref':'#/definitions/b'},'b':{'$ref':'#/definitions/a'}}}",
	         "#/definitions/a/$ref: '#/definitions/b' leads back here without validating anything");
	rejected("{'$ref':5}", "#/$ref: expected a URI reference string");
	/* loops through applicators are caught while validating, without hanging */
	one("{'allOf':[{'$ref':'#'}]}", "1", "", "$ref", "the schema refers back to itself without validating anything");
	got g;
	ck_assert_uint_ge(run("{'anyOf':[{'$ref':'#'},{'$ref':'#'}],'not':{'$ref':'#'}}", "[1]", &g), 1);
	ck_assert_uint_ge(run("{'oneOf':[{'$ref':'#/definitions/a'}],'definitions':{'a':{'anyOf':[{'$ref':'#'}]}}}",
	                      "{}", &g), 1);
}
END_TEST

static char *nested(const char *open, const char *mid, const char *close, int depth)
{
	size_t n = strlen(open) * (size_t)depth + strlen(mid) + strlen(close) * (size_t)depth + 1;
	char *s = malloc(n);
	ck_assert_ptr_nonnull(s);
	s[0] = '\0';
	for (int i = 0; i < depth; i++)
		strcat(s, open);
	strcat(s, mid);
	for (int i = 0; i < depth; i++)
		strcat(s, close);
	return s;
}

START_TEST(test_depth_guards)
{
	char *deep = nested("[", "1", "]", 300);
	got g;
	ck_assert_uint_eq(run("{'items':{'$ref':'#'}}", deep, &g), 1);
	ck_assert_str_eq(g.kw[0], "depth");
	ck_assert_str_eq(g.msg[0], "nested deeper than 256 levels");
	valid("true", deep);
	valid("{'type':'array'}", deep);
	free(deep);
	deep = nested("{'a':", "1", "}", 300);
	ck_assert_uint_eq(run("{'additionalProperties':{'$ref':'#'}}", deep, &g), 1);
	ck_assert_str_eq(g.kw[0], "depth");
	free(deep);
	deep = nested("{'not':", "{}", "}", 300);
	char err[256];
	json_t *j = J(deep);
	mf_schema *s = mf_schema_new(j, err, sizeof err);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(err, "schema nested deeper than 256 levels"));
	json_decref(j);
	free(deep);
}
END_TEST

START_TEST(test_lookup)
{
	mf_schema *s = compile("{'$id':'http://m.test/root.json','definitions':{'service':{'type':'object'},"
	                       "'a/b':{'type':'string'},'anch':{'$id':'#svc','type':'null'}},'items':[{},{'const':1}]}");
	const json_t *svc = mf_schema_lookup(s, "#/definitions/service");
	ck_assert_ptr_nonnull(svc);
	ck_assert_str_eq(json_string_value(json_object_get(svc, "type")), "object");
	ck_assert_ptr_eq(mf_schema_lookup(s, "/definitions/service"), svc);
	ck_assert_ptr_eq(mf_schema_lookup(s, "http://m.test/root.json#/definitions/service"), svc);
	ck_assert_ptr_nonnull(mf_schema_lookup(s, "#/definitions/a~1b"));
	ck_assert_ptr_nonnull(mf_schema_lookup(s, "#/definitions/a%7E1b"));
	ck_assert_ptr_nonnull(mf_schema_lookup(s, "#/items/1/const"));
	ck_assert_ptr_null(mf_schema_lookup(s, "#/items/01"));
	ck_assert_ptr_null(mf_schema_lookup(s, "#/definitions/missing"));
	ck_assert_ptr_null(mf_schema_lookup(s, "/definitions/service/type/x"));
	ck_assert_str_eq(json_string_value(json_object_get(mf_schema_lookup(s, "#svc"), "type")), "null");
	ck_assert_ptr_eq(mf_schema_lookup(s, "#"), mf_schema_lookup(s, ""));
	ck_assert_ptr_null(mf_schema_lookup(s, NULL));
	ck_assert_ptr_null(mf_schema_lookup(NULL, "#"));
	mf_schema_free(s);
}
END_TEST

START_TEST(test_schema_field_is_holder)
{
	mf_schema *s = compile("{'definitions':{'svc':{'type':'object','required':['image']}},"
	                       "'additionalProperties':{'$ref':'#/definitions/svc'}}");
	json_t *i = J("{'api':{}}");
	got g = {0};
	ck_assert_uint_eq(mf_schema_validate(s, i, on_error, &g), 1);
	ck_assert_ptr_eq(g.sch[0], mf_schema_lookup(s, "#/definitions/svc"));
	ck_assert_str_eq(g.ptr[0], "/api");
	json_decref(i);
	mf_schema_free(s);
}
END_TEST

START_TEST(test_compile_errors)
{
	rejected("{'type':'strin'}", "#/type: unknown type 'strin'");
	rejected("{'type':[]}", "#/type: expected a type name or a non-empty list of type names");
	rejected("{'minLength':-1}", "#/minLength: expected a non-negative integer");
	rejected("{'maxItems':1.5}", "#/maxItems: expected a non-negative integer");
	rejected("{'properties':{'a':5}}", "#/properties/a: expected a schema (a mapping, true or false)");
	rejected("{'required':'a'}", "#/required: expected a list of strings");
	rejected("{'allOf':[]}", "#/allOf: expected a non-empty list of schemas");
	rejected("{'multipleOf':0}", "#/multipleOf: expected a number greater than 0");
	rejected("{'enum':'a'}", "#/enum: expected a list");
	rejected("{'x-error':5}", "#/x-error: expected a string");
	rejected("{'dependencies':{'a':[1]}}", "#/dependencies/a: expected a list of strings");
	rejected("{'items':[{'minimum':'x'}]}", "#/items/0/minimum: expected a number");
	rejected("5", "#: expected a schema (a mapping, true or false)");
	char err[64];
	ck_assert_ptr_null(mf_schema_new(NULL, err, sizeof err));
	ck_assert_str_eq(err, "no schema given");
	json_t *j = J("{'type':'x'}");
	ck_assert_ptr_null(mf_schema_new(j, NULL, 0));
	ck_assert_ptr_null(mf_schema_new(j, err, 8));   /* truncated, still terminated */
	ck_assert_uint_lt(strlen(err), 8);
	json_decref(j);
}
END_TEST

START_TEST(test_unique_items)
{
	got g;
	ck_assert_uint_eq(run("{'uniqueItems':true}", "[1,2,1.0,'a',{'x':1,'y':2},{'y':2,'x':1.0}]", &g), 2);
	ck_assert_str_eq(g.ptr[0], "/2");
	ck_assert_str_eq(g.msg[0], "duplicate of an earlier item (index 0)");
	ck_assert_str_eq(g.ptr[1], "/5");
	ck_assert_str_eq(g.msg[1], "duplicate of an earlier item (index 4)");
	valid("{'uniqueItems':true}", "[1,true,0,false,null,[],{}]");
	valid("{'uniqueItems':false}", "[1,1]");
	/* long lists stay fast: hashing, not n^2 comparisons */
	json_t *arr = json_array();
	for (int i = 0; i < 20000; i++)
		json_array_append_new(arr, json_pack("{si}", "n", i));
	mf_schema *s = compile("{'uniqueItems':true}");
	ck_assert_uint_eq(mf_schema_validate(s, arr, NULL, NULL), 0);
	json_array_append_new(arr, json_pack("{sf}", "n", 7.0));
	memset(&g, 0, sizeof g);
	ck_assert_uint_eq(mf_schema_validate(s, arr, on_error, &g), 1);
	ck_assert_str_eq(g.ptr[0], "/20000");
	ck_assert_str_eq(g.msg[0], "duplicate of an earlier item (index 7)");
	mf_schema_free(s);
	json_decref(arr);
}
END_TEST

START_TEST(test_property_names)
{
	got g;
	ck_assert_uint_eq(run("{'propertyNames':{'pattern':'^[a-z]+$'}}", "{'ok':1,'Bad_Key':2}", &g), 1);
	ck_assert_str_eq(g.ptr[0], "/Bad_Key");
	ck_assert_str_eq(g.kw[0], "propertyNames");
	ck_assert_str_eq(g.prop[0], "Bad_Key");
	ck_assert_str_eq(g.msg[0], "key 'Bad_Key' does not match the pattern '^[a-z]+$'");
	one("{'propertyNames':{'maxLength':3}}", "{'long':1}", "/long", "propertyNames",
	    "key 'long': must have at most 3 characters");
	one("{'propertyNames':{'pattern':'^[a-z]+$','x-error':'service names are lowercase'}}", "{'A':1}", "/A",
	    "propertyNames", "service names are lowercase");
	one("{'propertyNames':false}", "{'a':1}", "/a", "propertyNames", "key 'a' is not allowed");
	valid("{'propertyNames':false}", "{}");
}
END_TEST

START_TEST(test_dependencies)
{
	got g;
	ck_assert_uint_eq(run("{'dependencies':{'tls':['cert','key']}}", "{'tls':true,'cert':'x'}", &g), 1);
	ck_assert_str_eq(g.msg[0], "missing key 'key' (required when 'tls' is present)");
	ck_assert_str_eq(g.kw[0], "dependencies");
	ck_assert_str_eq(g.prop[0], "key");
	one("{'dependencies':{'a':{'required':['b']}}}", "{'a':1}", "", "required", "missing required key 'b'");
	valid("{'dependencies':{'a':['b']}}", "{'b':1}");
}
END_TEST

START_TEST(test_items_and_contains)
{
	one("{'items':[{'type':'string'}],'additionalItems':false}", "['a','b']", "", "additionalItems",
	    "must have at most 1 item");
	one("{'items':[{},{}],'additionalItems':{'type':'integer'}}", "[1,2,'c']", "/2", "type",
	    "expected an integer, got a string");
	one("{'items':false}", "[1]", "", "items", "must be an empty list");
	one("{'items':[true,false]}", "[1,2]", "/1", "false", "item 1 is not allowed");
	valid("{'additionalItems':false}", "[1,2]");
	one("{'contains':{'const':'x'}}", "['a']", "", "contains", "must contain 'x'");
	one("{'contains':{'type':'integer'}}", "[]", "", "contains", "must contain an integer");
	one("{'contains':{'enum':['a','b']}}", "['c']", "", "contains", "must contain one of 'a', 'b'");
	one("{'contains':{'minimum':5}}", "[1]", "", "contains", "must contain at least one matching item");
}
END_TEST

START_TEST(test_boolean_schemas)
{
	one("false", "1", "", "false", "no value is allowed here");
	one("{'properties':{'foo':false}}", "{'foo':1}", "/foo", "false", "key 'foo' is not allowed");
	valid("true", "{'anything':[1,2]}");
	valid("{}", "null");
}
END_TEST

START_TEST(test_annotations_ignored)
{
	valid("{'format':'email','title':'t','description':'d','default':1,'examples':[1],'$comment':'c',"
	      "'$schema':'http://json-schema.org/draft-07/schema#','x-whatever':{'type':'string'}}", "'not an email'");
	rejected("{'format':5}", "#/format: expected a string");
}
END_TEST

START_TEST(test_reference_and_null_args)
{
	json_t *j = J("{'type':'string'}");
	mf_schema *s = mf_schema_new(j, NULL, 0);
	json_decref(j);   /* the schema keeps its own reference */
	json_t *i = json_integer(1);
	got g = {0};
	ck_assert_uint_eq(mf_schema_validate(s, i, on_error, &g), 1);
	ck_assert_uint_eq(mf_schema_validate(NULL, i, on_error, &g), 1);
	ck_assert_str_eq(g.kw[1], "internal");
	ck_assert_uint_eq(mf_schema_validate(s, NULL, NULL, NULL), 1);
	json_decref(i);
	mf_schema_free(s);
	mf_schema_free(NULL);
}
END_TEST

/* Stands in for the embedded schema table: URI -> document. */
static const char *const docs[][2] = {
	{"https://manifold.dev/schemas/system.schema.json",
	 "{'$id':'https://manifold.dev/schemas/system.schema.json','definitions':{"
	 "'name':{'type':'string','pattern':'^[a-z]+$','x-error':'names are lowercase letters'},"
	 "'port':{'$ref':'#/definitions/num'},'num':{'type':'integer'},'bad':{'type':'nope'}}}"},
};
static int loads;

static json_t *loader(void *user, const char *uri)
{
	ck_assert_ptr_eq(user, (void *)docs);
	loads++;
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
		if (!strcmp(docs[i][0], uri))
			return J(docs[i][1]);
	return NULL;
}

static mf_schema *compile_ex(const char *schema, char *err, size_t errlen)
{
	json_t *j = J(schema);
	mf_schema *s = mf_schema_new_ex(j, loader, (void *)docs, err, errlen);
	json_decref(j);
	return s;
}

START_TEST(test_loader_documents)
{
	char err[256];
	loads = 0;
	mf_schema *s = compile_ex("{'$id':'https://manifold.dev/schemas/profile.schema.json','properties':{"
	                          "'profile':{'$ref':'system.schema.json#/definitions/name'},"
	                          "'port':{'$ref':'system.schema.json#/definitions/port'}}}", err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(loads, 1);   /* once per document */
	json_t *i = J("{'profile':'Bad','port':'x'}");
	got g = {0};
	ck_assert_uint_eq(mf_schema_validate(s, i, on_error, &g), 2);
	ck_assert_str_eq(g.ptr[0], "/profile");
	ck_assert_str_eq(g.msg[0], "names are lowercase letters");
	ck_assert_ptr_eq(g.sch[0], mf_schema_lookup(s, "https://manifold.dev/schemas/system.schema.json#/definitions/name"));
	ck_assert_str_eq(g.msg[1], "expected an integer, got a string");
	json_decref(i);
	mf_schema_free(s);
	ck_assert_ptr_null(compile_ex("{'properties':{'x':{'$ref':'other.json#/a'}}}", err, sizeof err));
	ck_assert_str_eq(err, "#/properties/x/$ref: cannot resolve 'other.json#/a'");
	ck_assert_ptr_null(compile_ex("{'$ref':'https://manifold.dev/schemas/system.schema.json#/definitions/bad'}",
	                              err, sizeof err));
	ck_assert_str_eq(err, "https://manifold.dev/schemas/system.schema.json#/definitions/bad/type: unknown type 'nope'");
	ck_assert_ptr_null(compile_ex("{'$ref':'https://manifold.dev/schemas/system.schema.json#/definitions/none'}",
	                              err, sizeof err));
	ck_assert_str_eq(err, "#/$ref: cannot resolve 'https://manifold.dev/schemas/system.schema.json#/definitions/none'");
}
END_TEST

static Suite *jsonschema_suite(void)
{
	Suite *s = suite_create("jsonschema");
	TCase *tc = tcase_create("engine");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_type_messages);
	tcase_add_test(tc, test_enum_const_messages);
	tcase_add_test(tc, test_json_equality);
	tcase_add_test(tc, test_required);
	tcase_add_test(tc, test_additional_properties);
	tcase_add_test(tc, test_pattern);
	tcase_add_test(tc, test_lengths_count_code_points);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_x_error);
	tcase_add_test(tc, test_anyof_one_branch_for_the_type);
	tcase_add_test(tc, test_oneof);
	tcase_add_test(tc, test_not_messages);
	tcase_add_test(tc, test_if_then_else);
	tcase_add_test(tc, test_document_order);
	tcase_add_test(tc, test_pointers);
	tcase_add_loop_test(tc, test_ref_resolution, 0, (int)(sizeof refcases / sizeof refcases[0]));
	tcase_add_test(tc, test_ref_errors);
	tcase_add_test(tc, test_depth_guards);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_schema_field_is_holder);
	tcase_add_test(tc, test_compile_errors);
	tcase_add_test(tc, test_unique_items);
	tcase_add_test(tc, test_property_names);
	tcase_add_test(tc, test_dependencies);
	tcase_add_test(tc, test_items_and_contains);
	tcase_add_test(tc, test_boolean_schemas);
	tcase_add_test(tc, test_annotations_ignored);
	tcase_add_test(tc, test_reference_and_null_args);
	tcase_add_test(tc, test_loader_documents);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mf_test_run(jsonschema_suite());
}
