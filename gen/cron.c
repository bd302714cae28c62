/* resolve: cron schedules and Go durations as Velero and Kubernetes read them, validated */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cron.h"

static int fail(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (why && cap) {
		va_start(ap, fmt);
		vsnprintf(why, cap, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* ---- cron fields (robfig/cron v3 ParseStandard) ------------------------- */

typedef struct cron_field {
	const char *name;
	unsigned min, max;
	const char *const *names; /* names of min, min+1, ... (3 letters), or NULL */
	const char *hint;         /* what else a value may be */
} cron_field;

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
					  "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const cron_field cron_fields[5] = {
	{"minute", 0, 59, NULL, ""},
	{"hour", 0, 23, NULL, ""},
	{"day-of-month", 1, 31, NULL, ""},
	{"month", 1, 12, month_names, " or a month name (JAN-DEC)"},
	{"day-of-week", 0, 6, day_names, " or a day name (SUN-SAT)"},
};

static const char *const cron_descriptors[] = {"@yearly", "@annually", "@monthly", "@weekly",
					       "@daily",  "@midnight", "@hourly"};

static int name_value(const cron_field *f, const char *s, size_t n, unsigned *out)
{
	for (unsigned i = 0; f->names && n == 3 && f->names[i]; i++)
		if (lower(s[0]) == f->names[i][0] && lower(s[1]) == f->names[i][1] &&
		    lower(s[2]) == f->names[i][2]) {
			*out = f->min + i;
			return 0;
		}
	return -1;
}

/* one value of a range: a number within the field's bounds or a name */
static int cron_value(const cron_field *f, const char *s, size_t n, unsigned *out, char *why,
		      size_t cap)
{
	unsigned v = 0;
	size_t i = 0;

	if (!n)
		return fail(why, cap, "a value is missing in the %s field", f->name);
	if (name_value(f, s, n, out) == 0)
		return 0;
	for (; i < n && is_digit(s[i]); i++)
		v = v > 1000 ? v : v * 10 + (unsigned)(s[i] - '0');
	if (i < n)
		return fail(why, cap, "'%.*s' in the %s field is not a number%s", (int)n, s,
			    f->name, f->hint);
	if (v < f->min || v > f->max)
		return fail(why, cap, "%s %.*s is out of range %u-%u", f->name, (int)n, s, f->min,
			    f->max);
	*out = v;
	return 0;
}

static int cron_step(const cron_field *f, const char *s, size_t n, char *why, size_t cap)
{
	unsigned v = 0;
	size_t i = 0;

	for (; i < n && is_digit(s[i]); i++)
		v = v > 1000 ? v : v * 10 + (unsigned)(s[i] - '0');
	if (!n || i < n || v == 0)
		return fail(why, cap, "the step '/%.*s' in the %s field must be a positive number",
			    (int)n, s, f->name);
	/* robfig accepts any step; one past the field's range fires once, which
	 * is a value written as a step by mistake (*\/60 for "hourly") */
	if (v > f->max - f->min)
		return fail(why, cap,
			    "the step '/%.*s' in the %s field is larger than its range %u-%u: it "
			    "would run once (write the value)",
			    (int)n, s, f->name, f->min, f->max);
	return 0;
}

/* item = ("*" | "?" | value ["-" value]) ["/" step]; "N/step" runs to the field's maximum */
static int cron_item(const cron_field *f, const char *s, size_t n, char *why, size_t cap)
{
	const char *slash = memchr(s, '/', n);
	size_t rn = slash ? (size_t)(slash - s) : n;
	const char *dash = memchr(s, '-', rn);
	unsigned lo, hi;

	if (slash && memchr(slash + 1, '/', n - rn - 1))
		return fail(why, cap, "too many '/' in '%.*s'", (int)n, s);
	if (slash && cron_step(f, slash + 1, n - rn - 1, why, cap) < 0)
		return -1;
	if (rn == 1 && (s[0] == '*' || s[0] == '?'))
		return 0;
	if (s[0] == '*' || s[0] == '?')
		return fail(why, cap, "'%c' cannot start a range in '%.*s'", s[0], (int)n, s);
	if (dash && memchr(dash + 1, '-', rn - (size_t)(dash - s) - 1))
		return fail(why, cap, "too many '-' in '%.*s'", (int)n, s);
	if (cron_value(f, s, dash ? (size_t)(dash - s) : rn, &lo, why, cap) < 0)
		return -1;
	if (!dash)
		return 0;
	if (cron_value(f, dash + 1, rn - (size_t)(dash - s) - 1, &hi, why, cap) < 0)
		return -1;
	if (lo > hi)
		return fail(why, cap, "the range '%.*s' in the %s field runs backwards", (int)rn, s,
			    f->name);
	return 0;
}

/* field = item {"," item} */
static int cron_field_check(const cron_field *f, const char *s, size_t n, char *why, size_t cap)
{
	const char *end = s + n;

	for (;;) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		size_t len = comma ? (size_t)(comma - s) : (size_t)(end - s);
		if (!len)
			return fail(why, cap, "empty list item in the %s field", f->name);
		if (cron_item(f, s, len, why, cap) < 0)
			return -1;
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

/* ---- time zone prefix ---------------------------------------------------- */

static const char *tz_value(const char *expr)
{
	if (!strncmp(expr, "CRON_TZ=", 8))
		return expr + 8;
	if (!strncmp(expr, "TZ=", 3))
		return expr + 3;
	return NULL;
}

static bool is_letter(char ch)
{
	return lower(ch) >= 'a' && lower(ch) <= 'z';
}

static bool is_upper(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 'A' || p[i] > 'Z')
			return false;
	return true;
}

/* The tz database's names with digits: GMT0, GMT+N and GMT-N (N 0-14, the
 * Etc zones) and the POSIX-style EST5EDT, CST6CDT, MST7MDT, PST8PDT. */
static bool legacy_zone(const char *p, size_t n)
{
	if (n == 4 && !strncmp(p, "GMT0", 4))
		return true;
	if ((n == 5 || n == 6) && !strncmp(p, "GMT", 3) && (p[3] == '+' || p[3] == '-') &&
	    is_digit(p[4]) && (n == 5 || is_digit(p[5])))
		return (p[4] - '0') * (n == 6 ? 10 : 1) + (n == 6 ? p[5] - '0' : 0) <= 14;
	return n == 7 && is_upper(p, 3) && is_digit(p[3]) && is_upper(p + 4, 3);
}

/* One part of a zone name as the tz database spells them (its theory.html):
 * 1 to 14 ASCII letters, '-' and '_', starting with a letter; digits and
 * '+' only in the legacy names. */
static bool zone_part(const char *p, size_t n)
{
	bool digits = false;

	if (!n || n > 14 || !is_letter(p[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (is_digit(p[i]) || p[i] == '+')
			digits = true;
		else if (!is_letter(p[i]) && p[i] != '-' && p[i] != '_')
			return false;
	}
	return !digits || legacy_zone(p, n);
}

/* IANA names: "UTC", "Europe/Paris", "America/Port-au-Prince", "Etc/GMT+5";
 * spelling only (docs/velero.md): the build machine's zone database does
 * not decide. */
static int check_zone(const char *z, size_t n, char *why, size_t cap)
{
	if (!n)
		return fail(why, cap, "the time zone is missing after '='");
	if (n == 5 && !strncmp(z, "Local", 5))
		return fail(
			why, cap,
			"time zone 'Local' is whatever the server uses: name an IANA zone such as "
			"'UTC' or 'Europe/Paris'");
	for (size_t i = 0, part; i <= n; i += part + 1) {
		const char *slash = memchr(z + i, '/', n - i);
		part = slash ? (size_t)(slash - z) - i : n - i;
		if (!zone_part(z + i, part))
			return fail(why, cap,
				    "'%.*s' is not an IANA time zone name such as 'UTC' or "
				    "'Europe/Paris'",
				    (int)n, z);
	}
	return 0;
}

const char *mf_cron_split_tz(mf_arena *a, const char *expr, const char **zone)
{
	const char *z = expr ? tz_value(expr) : NULL;
	const char *sp = z ? strchr(z, ' ') : NULL;

	*zone = NULL;
	if (!sp)
		return expr;
	*zone = mf_strndup(a, z, (size_t)(sp - z));
	while (is_space(*sp))
		sp++;
	return sp;
}

/* ---- whole expressions --------------------------------------------------- */

static int check_descriptor(const char *s, char *why, size_t cap)
{
	long long every;
	char inner[128];

	if (MF_IN_LIST(s, cron_descriptors))
		return 0;
	if (strncmp(s, "@every ", 7))
		return fail(why, cap,
			    "unknown descriptor '%s' (use @yearly, @annually, @monthly, @weekly, "
			    "@daily, "
			    "@midnight, @hourly or '@every <duration>')",
			    s);
	if (mf_go_duration_parse(s + 7, &every, inner, sizeof inner) < 0)
		return fail(why, cap, "'%s' is not a duration: %s", s + 7, inner);
	if (every <= 0)
		return fail(why, cap, "the interval of '@every' must be positive");
	return 0;
}

static int cron_fields_check(const char *s, char *why, size_t cap)
{
	const char *start[6];
	size_t len[6], n = 0;

	while (*s) {
		while (is_space(*s))
			s++;
		if (!*s)
			break;
		if (n < 6) {
			start[n] = s;
			len[n] = strcspn(s, " \t\n\r\v\f");
		}
		n++;
		s += strcspn(s, " \t\n\r\v\f");
	}
	if (n != 5)
		return fail(why, cap,
			    "expected 5 fields (minute hour day-of-month month day-of-week), found "
			    "%zu%s",
			    n, n == 6 ? ": seconds are not supported" : "");
	for (size_t i = 0; i < 5; i++)
		if (cron_field_check(&cron_fields[i], start[i], len[i], why, cap) < 0)
			return -1;
	return 0;
}

int mf_cron_check(const char *expr, char *why, size_t cap)
{
	const char *z = expr ? tz_value(expr) : NULL;

	if (!expr || !*expr)
		return fail(why, cap, "the schedule is empty");
	if (z) {
		const char *sp = strchr(z, ' ');
		if (!sp)
			return fail(why, cap,
				    "the time zone must be followed by a space and the schedule");
		if (check_zone(z, (size_t)(sp - z), why, cap) < 0)
			return -1;
		expr = sp;
		while (is_space(*expr))
			expr++;
		if (!*expr)
			return fail(why, cap, "the schedule is missing after the time zone");
	}
	if (*expr == '@')
		return check_descriptor(expr, why, cap);
	return cron_fields_check(expr, why, cap);
}

/* ---- Go durations (time.ParseDuration and Duration.String) -------------- */

#define GO_LIMIT (1ull << 63)

typedef struct go_unit {
	const char *name;
	unsigned long long ns;
} go_unit;

static const go_unit go_units[] = {
	{"ns", 1ull},       {"us", 1000ull},      {"\xc2\xb5s", 1000ull}, {"\xce\xbcs", 1000ull},
	{"ms", 1000000ull}, {"s", 1000000000ull}, {"m", 60000000000ull},  {"h", 3600000000000ull},
};

static const go_unit *go_unit_find(const char *s, size_t n)
{
	for (size_t i = 0; i < MF_NELEM(go_units); i++)
		if (strlen(go_units[i].name) == n && !memcmp(go_units[i].name, s, n))
			return &go_units[i];
	return NULL;
}

/* digits after the point; like Go, digits past what fits are dropped */
static const char *go_fraction(const char *s, unsigned long long *f, double *scale)
{
	bool overflow = false;

	for (; is_digit(*s); s++) {
		unsigned long long y;
		if (overflow || *f > (GO_LIMIT - 1) / 10) {
			overflow = true;
			continue;
		}
		y = *f * 10 + (unsigned long long)(*s - '0');
		if (y > GO_LIMIT) {
			overflow = true;
			continue;
		}
		*f = y;
		*scale *= 10;
	}
	return s;
}

static int go_unit_error(const char *u, size_t n, char *why, size_t cap)
{
	if (!n)
		return fail(why, cap, "a unit is missing (use h, m, s, ms, us or ns)");
	if (n == 1 && strchr("dwy", *u))
		return fail(why, cap,
			    "unknown unit '%.*s' (Go durations stop at hours: 30 days is '720h')",
			    (int)n, u);
	return fail(why, cap, "unknown unit '%.*s' (use h, m, s, ms, us or ns)", (int)n, u);
}

/* digits before the point; an overflow is an error, as in Go */
static const char *go_integer(const char *s, unsigned long long *v, bool *overflow)
{
	for (; is_digit(*s); s++) {
		if (*v > GO_LIMIT / 10 || *v * 10 + (unsigned long long)(*s - '0') > GO_LIMIT)
			*overflow = true;
		else
			*v = *v * 10 + (unsigned long long)(*s - '0');
	}
	return s;
}

/* one component: [0-9]*(\.[0-9]*)? unit */
static int go_component(const char **sp, unsigned long long *out, char *why, size_t cap)
{
	const char *start = *sp, *s, *frac;
	unsigned long long v = 0, f = 0;
	double scale = 1;
	const go_unit *unit;
	bool overflow = false, pre, post = false;
	size_t n;

	if (*start != '.' && !is_digit(*start))
		return fail(why, cap, "expected a number at '%s'", start);
	s = go_integer(start, &v, &overflow);
	pre = s != start;
	if (*s == '.') {
		frac = ++s;
		s = go_fraction(s, &f, &scale);
		post = s != frac;
	}
	if (!pre && !post)
		return fail(why, cap, "expected a number at '%s'", start);
	n = strcspn(s, ".0123456789");
	if (!(unit = go_unit_find(s, n)))
		return go_unit_error(s, n, why, cap);
	if (overflow || v > GO_LIMIT / unit->ns)
		return fail(why, cap, "the duration is too long");
	v *= unit->ns;
	if (f > 0 && (v += (unsigned long long)((double)f * ((double)unit->ns / scale))) > GO_LIMIT)
		return fail(why, cap, "the duration is too long");
	*out = v;
	*sp = s + n;
	return 0;
}

int mf_go_duration_parse(const char *text, long long *nanos, char *why, size_t cap)
{
	const char *s = text ? text : "";
	unsigned long long d = 0, v = 0;
	bool neg = false;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!strcmp(s, "0")) {
		*nanos = 0;
		return 0;
	}
	if (!*s)
		return fail(why, cap, "the duration is empty");
	while (*s) {
		if (go_component(&s, &v, why, cap) < 0)
			return -1;
		if (v > GO_LIMIT - d)
			return fail(why, cap, "the duration is too long");
		d += v;
	}
	if (!neg && d > GO_LIMIT - 1)
		return fail(why, cap, "the duration is too long");
	*nanos = !neg ? (long long)d : d == GO_LIMIT ? LLONG_MIN : -(long long)d;
	return 0;
}

/* write v's decimal digits so that they end just before buf[w]; returns the new start */
static size_t fmt_int(char *buf, size_t w, unsigned long long v)
{
	do {
		buf[--w] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return w;
}

/* the prec lowest digits of *v as a fraction without trailing zeros (nothing when 0) */
static size_t fmt_frac(char *buf, size_t w, unsigned long long *v, int prec)
{
	bool print = false;

	for (int i = 0; i < prec; i++) {
		unsigned digit = (unsigned)(*v % 10);
		print = print || digit != 0;
		if (print)
			buf[--w] = (char)('0' + digit);
		*v /= 10;
	}
	if (print)
		buf[--w] = '.';
	return w;
}

/* below one second: "0s", "500ns", "1.5µs", "300ms" */
static size_t fmt_small(char *buf, size_t w, unsigned long long u)
{
	int prec = 0;

	buf[--w] = 's';
	if (u == 0) {
		buf[--w] = '0';
		return w;
	}
	if (u < 1000ull) {
		buf[--w] = 'n';
	} else if (u < 1000000ull) {
		prec = 3;
		w -= 2;
		memcpy(buf + w, "\xc2\xb5", 2);
	} else {
		prec = 6;
		buf[--w] = 'm';
	}
	w = fmt_frac(buf, w, &u, prec);
	return fmt_int(buf, w, u);
}

char *mf_go_duration_fmt(long long nanos, char *buf, size_t cap)
{
	char tmp[MF_GO_DURATION_MAX + 8];
	size_t w = sizeof tmp - 1;
	unsigned long long u =
		nanos < 0 ? 0ull - (unsigned long long)nanos : (unsigned long long)nanos;

	tmp[w] = '\0';
	if (u < 1000000000ull) {
		w = fmt_small(tmp, w, u);
	} else {
		tmp[--w] = 's';
		w = fmt_frac(tmp, w, &u, 9);
		w = fmt_int(tmp, w, u % 60);
		/* hours are the largest unit: days differ in length */
		if ((u /= 60) > 0) {
			tmp[--w] = 'm';
			w = fmt_int(tmp, w, u % 60);
			if ((u /= 60) > 0) {
				tmp[--w] = 'h';
				w = fmt_int(tmp, w, u);
			}
		}
	}
	if (nanos < 0)
		tmp[--w] = '-';
	if (cap)
		snprintf(buf, cap, "%s", tmp + w);
	return buf;
}

const char *mf_go_duration_of(mf_arena *a, const mf_node *n)
{
	char buf[MF_GO_DURATION_MAX];
	long long ns;

	if (!n)
		return NULL;
	if (n->kind == MF_INT) {
		if (n->v.i < 0 || n->v.i > LLONG_MAX / 1000000000ll)
			return NULL;
		ns = n->v.i * 1000000000ll;
	} else if (n->kind != MF_STR || mf_go_duration_parse(n->str, &ns, NULL, 0) < 0) {
		return NULL;
	}
	return mf_strdup(a, mf_go_duration_fmt(ns, buf, sizeof buf));
}

/* ---- validation of the description -------------------------------------- */

/* The same node reaches many environments and instances: report it once. */
static bool reported(const mf_ctx *c, mf_pos pos, const char *code)
{
	for (size_t i = 0; i < c->ndiags; i++) {
		const mf_diag *d = &c->diags[i];
		if (mf_pos_eq(d->pos, pos) && d->code && !strcmp(d->code, code))
			return true;
	}
	return false;
}

static int report_once(mf_ctx *c, const mf_node *n, const char *code, const char *what,
		       const char *why)
{
	if (reported(c, n->pos, code))
		return -1;
	return mf_error(c, n->pos, code, "invalid %s '%s': %s", what, mf_or(mf_str(n), ""), why);
}

/* backup.schedule, backup defaults' schedule, a cronjob's schedule */
static int check_schedule(mf_ctx *c, const mf_node *n)
{
	char why[256];

	if (!n || n->kind == MF_NULL)
		return 0;
	if (n->kind != MF_STR)
		snprintf(why, sizeof why, "a schedule is a string such as '0 2 * * *'");
	else if (mf_cron_check(n->str, why, sizeof why) == 0)
		return 0;
	return report_once(c, n, "invalid-schedule", "schedule", why);
}

/* backup.ttl: a positive Go duration */
static int check_ttl(mf_ctx *c, const mf_node *n)
{
	char why[256];
	long long ns;

	if (!n || n->kind == MF_NULL)
		return 0;
	if (n->kind != MF_STR)
		snprintf(why, sizeof why, "a ttl is a Go duration such as '720h'");
	else if (mf_go_duration_parse(n->str, &ns, why, sizeof why) == 0) {
		if (ns > 0)
			return 0;
		snprintf(why, sizeof why, "a retention must be longer than zero");
	}
	return report_once(c, n, "invalid-ttl", "ttl", why);
}

/* a service's backup (bool or settings) or backup defaults */
static int check_backup(mf_ctx *c, const mf_node *b)
{
	int rc = 0;

	if (!b || b->kind != MF_MAP)
		return 0;
	rc |= check_schedule(c, mf_get(b, "schedule"));
	rc |= check_ttl(c, mf_get(b, "ttl"));
	return rc;
}

/* serviceFields: the backup and the cronjob schedule */
static int check_service(mf_ctx *c, const mf_node *f)
{
	int rc = check_backup(c, mf_get(f, "backup"));

	return check_schedule(c, mf_get(f, "schedule")) | rc;
}

static int check_services(mf_ctx *c, const mf_node *m)
{
	int rc = 0;

	for (size_t i = 0; m && m->kind == MF_MAP && i < m->n; i++)
		rc |= check_service(c, m->pairs[i].val);
	return rc;
}

/* Every place of the description that may hold one, used or overridden. */
static int check_doc(mf_ctx *c, const mf_node *doc)
{
	const mf_node *envs = mf_get(doc, "environments"), *tenants = mf_get(doc, "tenants");
	int rc = 0;

	rc |= check_backup(c, mf_get(doc, "backup"));
	rc |= check_service(c, mf_get(doc, "defaults"));
	rc |= check_services(c, mf_get(doc, "templates"));
	rc |= check_services(c, mf_get(doc, "services"));
	for (size_t i = 0; envs && envs->kind == MF_MAP && i < envs->n; i++) {
		const mf_node *e = envs->pairs[i].val;
		rc |= check_backup(c, mf_get(e, "backup"));
		rc |= check_service(c, mf_get(e, "defaults"));
		rc |= check_services(c, mf_get(e, "services"));
	}
	for (size_t i = 0; tenants && tenants->kind == MF_MAP && i < tenants->n; i++)
		rc |= check_services(c, mf_get(tenants->pairs[i].val, "services"));
	return rc;
}

/* In a Velero environment, a backup that no schedule ever runs is an error. */
static int check_scheduled(mf_ctx *c, const mf_env *e, const mf_instance *in)
{
	const mf_pair *p = mf_get_pair(in->spec, "backup");
	mf_diag *d;

	if (!(e->targets & MF_T_VELERO) || !p || !mf_backup_asked(p->val) ||
	    mf_get(p->val, "schedule") || mf_get(e->backup, "schedule") ||
	    reported(c, p->pos, "backup-no-schedule"))
		return 0;
	d = mf_diag_add(c, MF_SEV_ERROR, p->pos, "backup-no-schedule",
			"service '%s' has a backup but no schedule in environment '%s'",
			in->service, e->name);
	if (d)
		mf_diag_note(
			c, d,
			"set 'schedule' in the service's backup, or in the backup settings of the "
			"environment, its profile or the system");
	return -1;
}

/* services.*.job.{concurrencyPolicy,startingDeadline} of a service that is
 * not a cron job: no target has a place for them */
static void cron_only(mf_ctx *c, const mf_instance *in)
{
	static const char *const keys[] = {"concurrencyPolicy", "startingDeadline"};
	const mf_node *job = mf_get(in->spec, "job");

	for (size_t i = 0; in->kind != MF_W_CRONJOB && job && i < MF_NELEM(keys); i++) {
		const mf_pair *p = mf_get_pair(job, keys[i]);
		if (p && !reported(c, p->pos, "cron-only"))
			mf_warning(c, p->pos, "cron-only",
				   "'job.%s' applies to cron jobs only: '%s' is a %s, so it is "
				   "ignored",
				   keys[i], in->service, mf_workload_name(in->kind));
	}
}

static int check_instance(mf_ctx *c, const mf_env *e, const mf_instance *in)
{
	int rc = check_service(c, in->spec);

	cron_only(c, in);

	if (in->kind == MF_W_CRONJOB && !mf_get(in->spec, "schedule") &&
	    !reported(c, in->pos, "missing-schedule"))
		rc = mf_error(c, in->pos, "missing-schedule", "cronjob '%s' has no 'schedule'",
			      in->service);
	return check_scheduled(c, e, in) | rc;
}

static int check_env(mf_ctx *c, const mf_env *e)
{
	int rc = 0;

	rc |= check_backup(c, mf_get(e->profile, "backup"));
	rc |= check_service(c, mf_get(e->profile, "defaults"));
	rc |= check_backup(c, e->backup);
	for (size_t i = 0; i < e->ninst; i++)
		rc |= check_instance(c, e, &e->inst[i]);
	return rc;
}

int mf_velero_validate(mf_ctx *c, const mf_system *s)
{
	int rc = check_doc(c, s->doc);

	rc |= check_env(c, &s->base);
	for (size_t i = 0; i < s->nenvs; i++)
		rc |= check_env(c, &s->envs[i]);
	return rc ? -1 : 0;
}
