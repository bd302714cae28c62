/* report: diagnostics and findings as compiler-style text, JSON, SARIF 2.1.0, GitHub */
#include <jansson.h>
#include <string.h>
#include "report.h"

static const char *const format_names[] = {
	[MF_FMT_TEXT] = "text",
	[MF_FMT_JSON] = "json",
	[MF_FMT_SARIF] = "sarif",
	[MF_FMT_GITHUB] = "github",
};

int mf_format_parse(const char *name)
{
	size_t i = mf_str_index(name, format_names, MF_NELEM(format_names));

	return i < MF_NELEM(format_names) ? (int)i : -1;
}

static const char *sev_word(mf_severity s)
{
	return s == MF_SEV_ERROR ? "error" : s == MF_SEV_WARNING ? "warning" : "info";
}

/* The same finding in several environments (or tenants) prints once in
 * the human formats: diagnostics are sorted, so the copies are adjacent. */
static bool repeats(const mf_ctx *c, size_t i)
{
	const mf_diag *a, *b;

	if (i == 0)
		return false;
	a = &c->diags[i - 1];
	b = &c->diags[i];
	return a->sev == b->sev && mf_pos_eq(a->pos, b->pos) && mf_streq(a->code, b->code) &&
	       mf_streq(a->msg, b->msg) && mf_streq(a->note, b->note) && a->waived == b->waived;
}

/* ---- text ------------------------------------------------------------------------ */

static int report_text(const mf_ctx *c, FILE *fp, bool color)
{
	for (size_t i = 0; i < c->ndiags; i++)
		if (!repeats(c, i) && mf_diag_print(c, &c->diags[i], fp, color) < 0)
			return -1;
	if (c->truncated)
		fprintf(fp, "%smanifold:%s %serror%s: too many errors (only the first %zu shown)\n",
			color ? "\033[1m" : "", color ? "\033[0m" : "", color ? "\033[1;31m" : "",
			color ? "\033[0m" : "", c->max_errors ? c->max_errors : 50);
	return fflush(fp) != 0 || ferror(fp) ? -1 : 0;
}

/* ---- JSON ------------------------------------------------------------------------- */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *int_or_null(uint32_t v)
{
	return v ? json_integer(v) : json_null();
}

static const char *file_of(const mf_ctx *c, mf_pos pos)
{
	const mf_source *s = mf_source_get(c, pos.file);

	return s ? s->path : NULL;
}

static json_t *json_waiver(const mf_ctx *c, const mf_diag *d)
{
	if (!d->waived)
		return json_null();
	return json_pack("{s:o, s:o, s:o, s:o}", "reason", str_or_null(d->waiver_reason), "file",
			 str_or_null(file_of(c, d->waiver_pos)), "line",
			 int_or_null(d->waiver_pos.line), "column", int_or_null(d->waiver_pos.col));
}

static json_t *json_finding(const mf_ctx *c, const mf_diag *d)
{
	return json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o}", "rule",
			 str_or_null(d->code), "severity", sev_word(d->sev), "message",
			 str_or_null(d->msg), "note", str_or_null(d->note), "file",
			 str_or_null(file_of(c, d->pos)), "line", int_or_null(d->pos.line),
			 "column", int_or_null(d->pos.col), "env", str_or_null(d->env), "object",
			 str_or_null(d->object), "path", str_or_null(d->path), "waived",
			 (int)d->waived, "waiver", json_waiver(c, d));
}

static json_t *json_summary(const mf_ctx *c)
{
	size_t n[3] = {0}, waived = 0;

	for (size_t i = 0; i < c->ndiags; i++) {
		if (c->diags[i].waived)
			waived++;
		else if ((unsigned)c->diags[i].sev < 3)
			n[c->diags[i].sev]++;
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:b}", "errors", (json_int_t)n[MF_SEV_ERROR],
			 "warnings", (json_int_t)n[MF_SEV_WARNING], "infos",
			 (json_int_t)n[MF_SEV_INFO], "waived", (json_int_t)waived, "total",
			 (json_int_t)c->ndiags, "truncated", (int)c->truncated);
}

static int dump(json_t *root, FILE *fp)
{
	int rc = root && json_dumpf(root, fp, JSON_INDENT(2)) == 0 ? 0 : -1;

	json_decref(root);
	if (rc == 0)
		fputc('\n', fp);
	return rc < 0 || fflush(fp) != 0 || ferror(fp) ? -1 : 0;
}

static int report_json(const mf_ctx *c, FILE *fp)
{
	json_t *findings = json_array();

	for (size_t i = 0; findings && i < c->ndiags; i++)
		json_array_append_new(findings, json_finding(c, &c->diags[i]));
	return dump(json_pack("{s:i, s:o, s:o}", "version", 1, "findings", findings, "summary",
			      json_summary(c)),
		    fp);
}

/* ---- SARIF ------------------------------------------------------------------------- */

static const char *sarif_level(mf_severity s)
{
	return s == MF_SEV_ERROR ? "error" : s == MF_SEV_WARNING ? "warning" : "note";
}

/* A URI reference for a path: relative stays relative, absolute becomes
 * file://; anything outside RFC 3986's unreserved set and '/' is escaped. */
static char *uri_of(const mf_ctx *c, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *out = mf_alloc(c->a, 3 * n + 8), *o = out;

	if (!out)
		return NULL;
	if (path[0] == '/') {
		memcpy(o, "file://", 7);
		o += 7;
	}
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = 0;
	return out;
}

static json_t *sarif_rule(const char *id, const char *summary, const char *help, mf_severity sev)
{
	json_t *r = json_pack("{s:s, s:{s:s}, s:{s:s}}", "id", id, "shortDescription", "text",
			      summary, "defaultConfiguration", "level", sarif_level(sev));

	if (r && help) {
		json_object_set_new(r, "fullDescription", json_pack("{s:s}", "text", help));
		json_object_set_new(r, "help", json_pack("{s:s}", "text", help));
	}
	return r;
}

/* Built-in rules first (rules.def order), then any other code seen (pack
 * rules, input diagnostics) in order of first appearance. */
static json_t *sarif_rules(const mf_ctx *c, const char ***ids, size_t *nids)
{
	json_t *rules = json_array();
	const char **v = mf_alloc(c->a, (MF_RULE_COUNT + c->ndiags + 1) * sizeof *v);
	size_t n = 0;

	for (size_t i = 0; v && i < MF_RULE_COUNT; i++) {
		v[n++] = mf_rules[i].id;
		json_array_append_new(rules, sarif_rule(mf_rules[i].id, mf_rules[i].summary,
							mf_rules[i].help, mf_rules[i].sev));
	}
	for (size_t i = 0; v && i < c->ndiags; i++) {
		const char *code = c->diags[i].code ? c->diags[i].code : "manifold";
		bool seen = false;
		for (size_t j = MF_RULE_COUNT; j < n && !seen; j++)
			seen = !strcmp(v[j], code);
		if (seen || mf_rule_find(code))
			continue;
		v[n++] = code;
		json_array_append_new(
			rules, sarif_rule(code, mf_printf(c->a, "manifold diagnostic '%s'", code),
					  NULL, c->diags[i].sev));
	}
	*ids = v;
	*nids = n;
	return rules;
}

static json_t *sarif_location(const mf_ctx *c, mf_pos pos)
{
	const char *file = file_of(c, pos);
	json_t *phys;

	if (!file)
		return NULL;
	phys = json_pack("{s:{s:s}}", "artifactLocation", "uri", uri_of(c, file));
	if (phys && pos.line)
		json_object_set_new(phys, "region",
				    pos.col ? json_pack("{s:i, s:i}", "startLine", (int)pos.line,
							"startColumn", (int)pos.col)
					    : json_pack("{s:i}", "startLine", (int)pos.line));
	return json_pack("{s:o}", "physicalLocation", phys);
}

static json_t *sarif_result(const mf_ctx *c, const mf_diag *d, const char **ids, size_t nids)
{
	const char *code = d->code ? d->code : "manifold";
	const char *text = d->note ? mf_printf(c->a, "%s\nnote: %s", d->msg, d->note) : d->msg;
	json_t *r = json_pack("{s:s, s:s, s:{s:s}}", "ruleId", code, "level", sarif_level(d->sev),
			      "message", "text", text ? text : ""),
	       *loc = sarif_location(c, d->pos), *props = json_object();

	for (size_t i = 0; i < nids; i++)
		if (!strcmp(ids[i], code))
			json_object_set_new(r, "ruleIndex", json_integer((json_int_t)i));
	if (loc) {
		if (d->object)
			json_object_set_new(loc, "logicalLocations",
					    json_pack("[{s:s, s:s}]", "fullyQualifiedName",
						      d->object, "kind", "resource"));
		json_object_set_new(r, "locations", json_pack("[o]", loc));
	}
	if (d->env)
		json_object_set_new(props, "environment", json_string(d->env));
	if (d->object)
		json_object_set_new(props, "object", json_string(d->object));
	if (d->path)
		json_object_set_new(props, "path", json_string(d->path));
	json_object_set_new(r, "properties", props);
	if (d->waived) {
		json_t *s = json_pack("{s:s, s:s}", "kind", "inSource", "status", "accepted");
		if (d->waiver_reason)
			json_object_set_new(s, "justification", json_string(d->waiver_reason));
		if ((loc = sarif_location(c, d->waiver_pos)) != NULL)
			json_object_set_new(s, "location", loc);
		json_object_set_new(r, "suppressions", json_pack("[o]", s));
	}
	return r;
}

static int report_sarif(const mf_ctx *c, FILE *fp)
{
	const char **ids = NULL;
	size_t nids = 0;
	json_t *rules = sarif_rules(c, &ids, &nids), *results = json_array();

	for (size_t i = 0; ids && results && i < c->ndiags; i++)
		json_array_append_new(results, sarif_result(c, &c->diags[i], ids, nids));
	return dump(json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:o}}, s:o}]}", "$schema",
			      "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0",
			      "runs", "tool", "driver", "name", "manifold", "informationUri",
			      "https://github.com/manifold-dev/manifold", "rules", rules, "results",
			      results),
		    fp);
}

/* ---- GitHub workflow commands -------------------------------------------------------- */

/* Data escapes %, CR and LF; property values also ':' and ','. */
static void gh_escape(FILE *fp, const char *s, bool property)
{
	for (; s && *s; s++) {
		if (*s == '%')
			fputs("%25", fp);
		else if (*s == '\r')
			fputs("%0D", fp);
		else if (*s == '\n')
			fputs("%0A", fp);
		else if (property && *s == ':')
			fputs("%3A", fp);
		else if (property && *s == ',')
			fputs("%2C", fp);
		else if ((unsigned char)*s < 0x20 || *s == 0x7F)
			fprintf(fp, "\\x%02x",
				(unsigned char)*s); /* ESC would reach the log as is */
		else
			fputc(*s, fp);
	}
}

static void gh_one(const mf_ctx *c, const mf_diag *d, FILE *fp)
{
	const char *file = file_of(c, d->pos);
	const char *cmd = d->waived || d->sev == MF_SEV_INFO ? "notice"
			  : d->sev == MF_SEV_ERROR           ? "error"
							     : "warning";

	fprintf(fp, "::%s ", cmd);
	if (file) {
		fputs("file=", fp);
		gh_escape(fp, file, true);
		if (d->pos.line)
			fprintf(fp, ",line=%u", (unsigned)d->pos.line);
		if (d->pos.line && d->pos.col)
			fprintf(fp, ",col=%u", (unsigned)d->pos.col);
		fputc(',', fp);
	}
	fputs("title=", fp);
	gh_escape(fp, d->code ? d->code : "manifold", true);
	fputs("::", fp);
	gh_escape(fp, d->msg, false);
	if (d->waived) {
		fputs(" (waived: ", fp);
		gh_escape(fp, d->waiver_reason ? d->waiver_reason : "", false);
		fputc(')', fp);
	}
	if (d->note) {
		fputs("%0Anote: ", fp);
		gh_escape(fp, d->note, false);
	}
	fputc('\n', fp);
}

static int report_github(const mf_ctx *c, FILE *fp)
{
	for (size_t i = 0; i < c->ndiags; i++)
		if (!repeats(c, i))
			gh_one(c, &c->diags[i], fp);
	return fflush(fp) != 0 || ferror(fp) ? -1 : 0;
}

int mf_report(const mf_ctx *c, FILE *fp, mf_format fmt, bool color)
{
	if (!c || !fp)
		return -1;
	switch (fmt) {
	case MF_FMT_JSON:
		return report_json(c, fp);
	case MF_FMT_SARIF:
		return report_sarif(c, fp);
	case MF_FMT_GITHUB:
		return report_github(c, fp);
	case MF_FMT_TEXT:
	default:
		return report_text(c, fp, color);
	}
}
