/* report: diagnostics and findings as compiler-style text, JSON, SARIF 2.1.0, GitHub, GitLab */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

static const char *const format_names[] = {
	[MF_FMT_TEXT] = "text",     [MF_FMT_JSON] = "json",     [MF_FMT_SARIF] = "sarif",
	[MF_FMT_GITHUB] = "github", [MF_FMT_GITLAB] = "gitlab",
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

void mf_report_totals(const mf_ctx *c, mf_totals *t)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < c->ndiags; i++) {
		const mf_diag *d = &c->diags[i];
		if (repeats(c, i))
			continue;
		if (d->waived)
			t->waived++;
		else if (d->sev == MF_SEV_ERROR)
			t->errors++;
		else if (d->sev == MF_SEV_WARNING)
			t->warnings++;
		else
			t->infos++;
	}
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

/* ---- security ------------------------------------------------------------------------ */

/* The rules about security, as code scanning ranks them: a CVSS-like score
 * (9.0 and up critical, 7.0 high, 4.0 medium, below low) and the weakness
 * (CWE) a finding is.  A unit test holds every id to rules.def. */
const mf_security_rule mf_security_rules[] = {
	{"privileged", "9.0", 250},
	{"host-namespaces", "8.8", 653},
	{"host-path", "8.2", 668},
	{"secret-token", "8.0", 798},
	{"secret-literal", "7.5", 798},
	{"url-credentials", "7.5", 798},
	{"capabilities-added", "7.5", 250},
	{"privilege-escalation", "7.0", 269},
	{"run-as-root-user", "7.0", 250},
	{"proc-mount", "6.5", 668},
	{"sysctls-unsafe", "6.5", 250},
	{"seccomp-unconfined", "6.5", 693},
	{"apparmor", "6.5", 693},
	{"selinux", "6.5", 693},
	{"run-as-non-root", "6.0", 250},
	{"host-probes", "5.5", 918},
	{"volume-types", "5.0", 668},
	{"host-ports", "5.0", 668},
	{"host-port-public", "5.0", 668},
	{"seccomp-required", "5.0", 693},
	{"capabilities-drop-all", "5.0", 250},
	{"image-registry", "5.0", 829},
	{"automount-token", "4.0", 522},
	{"read-only-root-fs", "4.0", 732},
	{"image-digest", "4.0", 494},
	{"image-latest", "3.0", 1357},
};
const size_t mf_security_nrules = MF_NELEM(mf_security_rules);

const mf_security_rule *mf_security_of(const char *rule)
{
	for (size_t i = 0; rule && i < mf_security_nrules; i++)
		if (!strcmp(mf_security_rules[i].rule, rule))
			return &mf_security_rules[i];
	return NULL;
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

/* A security rule's tags and score, for code scanning's ranking. */
static json_t *sarif_rule_properties(const char *id)
{
	const mf_security_rule *sec = mf_security_of(id);
	char cwe[48];

	if (!sec)
		return NULL;
	snprintf(cwe, sizeof cwe, "external/cwe/cwe-%u", sec->cwe);
	return json_pack("{s:[s, s], s:s, s:s}", "tags", "security", cwe, "security-severity",
			 sec->severity, "precision", "high");
}

static json_t *sarif_rule(const char *id, const char *summary, const char *help, mf_severity sev)
{
	json_t *r = json_pack("{s:s, s:{s:s}, s:{s:s}}", "id", id, "shortDescription", "text",
			      summary, "defaultConfiguration", "level", sarif_level(sev)),
	       *props = sarif_rule_properties(id);

	if (r && help) {
		json_object_set_new(r, "fullDescription", json_pack("{s:s}", "text", help));
		json_object_set_new(r, "help", json_pack("{s:s}", "text", help));
	}
	if (r && props)
		json_object_set_new(r, "properties", props);
	return r;
}

/* A pack rule carries its own text; a compiler diagnostic's comes from
 * diagnostics.def, so code scanning shows the same help as `explain`. */
static json_t *sarif_other_rule(const mf_ctx *c, const mf_diag *d, const char *code)
{
	const mf_rule *k = mf_diagnostic_find(code);
	const char *summary = d->rule_summary ? d->rule_summary : k ? k->summary : NULL;
	const char *help = d->rule_help ? d->rule_help : k ? k->help : NULL;

	if (!summary)
		summary = mf_printf(c->a, "manifold diagnostic '%s'", code);
	return sarif_rule(code, summary, help, d->sev);
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
		json_array_append_new(rules, sarif_other_rule(c, &c->diags[i], code));
	}
	*ids = v;
	*nids = n;
	return rules;
}

/* Lines and columns as the description has them; the region ends after
 * the token the caret underlines. */
static json_t *sarif_region(const mf_ctx *c, mf_pos pos)
{
	uint32_t end = mf_token_end(c, pos);

	if (!pos.col)
		return json_pack("{s:i}", "startLine", (int)pos.line);
	if (!end)
		return json_pack("{s:i, s:i}", "startLine", (int)pos.line, "startColumn",
				 (int)pos.col);
	return json_pack("{s:i, s:i, s:i, s:i}", "startLine", (int)pos.line, "startColumn",
			 (int)pos.col, "endLine", (int)pos.line, "endColumn", (int)end);
}

static json_t *sarif_location(const mf_ctx *c, mf_pos pos)
{
	const char *file = file_of(c, pos);
	json_t *phys;

	if (!file)
		return NULL;
	phys = json_pack("{s:{s:s}}", "artifactLocation", "uri", uri_of(c, file));
	if (phys && pos.line)
		json_object_set_new(phys, "region", sarif_region(c, pos));
	return json_pack("{s:o}", "physicalLocation", phys);
}

static json_t *logical(const char *object)
{
	return json_pack("[{s:s, s:s}]", "fullyQualifiedName", object, "kind", "resource");
}

/* Each environment (or tenant) the finding was made in: the same place in
 * the description, the object it was found on there. */
static void sarif_related(const mf_ctx *c, const mf_diag *d, size_t n, json_t *r, json_t *props)
{
	json_t *related = json_array(), *envs = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *loc;
		if (!d[i].env)
			continue;
		loc = sarif_location(c, d[i].pos);
		json_array_append_new(envs, json_string(d[i].env));
		if (!loc)
			loc = json_object();
		json_object_set_new(loc, "id", json_integer((json_int_t)json_array_size(related)));
		json_object_set_new(
			loc, "message",
			json_pack("{s:s}", "text",
				  d[i].object ? mf_printf(c->a, "environment '%s': %s", d[i].env,
							  d[i].object)
					      : mf_printf(c->a, "environment '%s'", d[i].env)));
		if (d[i].object)
			json_object_set_new(loc, "logicalLocations", logical(d[i].object));
		json_array_append_new(related, loc);
	}
	if (json_array_size(related))
		json_object_set_new(r, "relatedLocations", related);
	else
		json_decref(related);
	if (json_array_size(envs))
		json_object_set_new(props, "environments", envs);
	else
		json_decref(envs);
}

static void sarif_suppression(const mf_ctx *c, const mf_diag *d, json_t *r)
{
	json_t *s = json_pack("{s:s, s:s}", "kind", "inSource", "status", "accepted"), *loc;

	if (d->waiver_reason)
		json_object_set_new(s, "justification", json_string(d->waiver_reason));
	if ((loc = sarif_location(c, d->waiver_pos)) != NULL)
		json_object_set_new(s, "location", loc);
	json_object_set_new(r, "suppressions", json_pack("[o]", s));
}

/* One result for a finding and its repeats d[0..n) (other environments). */
static json_t *sarif_result(const mf_ctx *c, const mf_diag *d, size_t n, const char **ids,
			    size_t nids)
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
			json_object_set_new(loc, "logicalLocations", logical(d->object));
		json_object_set_new(r, "locations", json_pack("[o]", loc));
	}
	sarif_related(c, d, n, r, props);
	if (d->object)
		json_object_set_new(props, "object", json_string(d->object));
	if (d->path)
		json_object_set_new(props, "path", json_string(d->path));
	json_object_set_new(r, "properties", props);
	if (d->waived)
		sarif_suppression(c, d, r);
	return r;
}

static int report_sarif(const mf_ctx *c, FILE *fp)
{
	const char **ids = NULL;
	size_t nids = 0;
	json_t *rules = sarif_rules(c, &ids, &nids), *results = json_array();

	for (size_t i = 0, j; ids && results && i < c->ndiags; i = j) {
		for (j = i + 1; j < c->ndiags && repeats(c, j); j++)
			;
		json_array_append_new(results, sarif_result(c, &c->diags[i], j - i, ids, nids));
	}
	return dump(json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:s, s:o}}, s:s, s:o}]}",
			      "$schema", "https://json.schemastore.org/sarif-2.1.0.json", "version",
			      "2.1.0", "runs", "tool", "driver", "name", "manifold", "version",
			      MF_VERSION, "semanticVersion", MF_VERSION, "informationUri",
			      "https://github.com/manifold-dev/manifold", "rules", rules,
			      "columnKind", "unicodeCodePoints", "results", results),
		    fp);
}

/* ---- GitLab Code Quality --------------------------------------------------------------- */

/* GitLab's scale; a security rule scored high (7.0 and up) ranks one step higher. */
static const char *gitlab_severity(const mf_diag *d)
{
	const mf_security_rule *r = mf_security_of(d->code);
	bool sec = r && strtod(r->severity, NULL) >= 7.0;

	return d->sev == MF_SEV_ERROR     ? (sec ? "critical" : "major")
	       : d->sev == MF_SEV_WARNING ? (sec ? "major" : "minor")
					  : "info";
}

/* What tells one finding from another across runs: its rule, file, place
 * and message (FNV-1a, twice, as 32 hex digits).  A finding folded per rule
 * and line says "(and N more)" after its first subject's message: both
 * change when an instance is added, so its key is the fold's own (rule,
 * place, environment, severity), one finding per key by construction. */
static const char *gitlab_fingerprint(const mf_ctx *c, const mf_diag *d, const char *file)
{
	const char *key =
		d->folded ? mf_printf(c->a, "%s\n%s\n%u\n%u\nfolded\n%s\n%d",
				      d->code ? d->code : "", file, (unsigned)d->pos.line,
				      (unsigned)d->pos.col, d->env ? d->env : "", (int)d->sev)
			  : mf_printf(c->a, "%s\n%s\n%u\n%u\n%s", d->code ? d->code : "", file,
				      (unsigned)d->pos.line, (unsigned)d->pos.col,
				      d->msg ? d->msg : "");
	unsigned long long h[2] = {1469598103934665603ULL, 7809847782465536322ULL};

	for (const char *p = key; p && *p; p++)
		for (int k = 0; k < 2; k++)
			h[k] = (h[k] ^ (unsigned char)*p) * 1099511628211ULL;
	return mf_printf(c->a, "%016llx%016llx", h[0], h[1]);
}

/* A diagnostic without a place (an unknown --env) is put on line 1 of the
 * first file read, which GitLab requires to have. */
static json_t *gitlab_issue(const mf_ctx *c, const mf_diag *d, size_t n)
{
	const char *file = file_of(c, d->pos), *envs = "";
	uint32_t line = d->pos.line ? d->pos.line : 1;
	const mf_security_rule *sec = mf_security_of(d->code);

	if (!file)
		file = c->nsources > 1 ? c->sources[1].path : "manifold";
	for (size_t i = 0; i < n; i++)
		if (d[i].env)
			envs = mf_printf(c->a, "%s%s%s", envs, *envs ? ", " : "", d[i].env);
	json_t *issue =
		json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s], s:{s:s, s:{s:i}}}", "type", "issue",
			  "check_name", d->code ? d->code : "manifold", "description",
			  *envs ? mf_printf(c->a, "%s (%s)", d->msg, envs) : d->msg, "fingerprint",
			  gitlab_fingerprint(c, d, file), "severity", gitlab_severity(d),
			  "categories", sec ? "Security" : "Bug Risk", "location", "path", file,
			  "lines", "begin", (int)line);

	if (issue && d->note)
		json_object_set_new(issue, "content", json_pack("{s:s}", "body", d->note));
	return issue;
}

/* Waived findings are left out: GitLab has no way to mark one accepted. */
static int report_gitlab(const mf_ctx *c, FILE *fp)
{
	json_t *issues = json_array();

	for (size_t i = 0, j; issues && i < c->ndiags; i = j) {
		for (j = i + 1; j < c->ndiags && repeats(c, j); j++)
			;
		if (!c->diags[i].waived)
			json_array_append_new(issues, gitlab_issue(c, &c->diags[i], j - i));
	}
	return dump(issues, fp);
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
		else if (mf_c1_len(s)) /* U+009B is a CSI to many terminals */
			fprintf(fp, "\\u%04x", (unsigned char)*++s);
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
	case MF_FMT_GITLAB:
		return report_gitlab(c, fp);
	case MF_FMT_TEXT:
	default:
		return report_text(c, fp, color);
	}
}
