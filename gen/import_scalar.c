/* import: what Compose reads a plain YAML scalar as (numbers and booleans Go prints) */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "import.h"
#include "load.h"

/* Compose (compose-go) reads a file with go-yaml into Go values, and a
 * mapping's value (environment, labels, sysctls) that is not a string is
 * printed with Go's fmt (types/mapping.go, mappingValue).  go-yaml takes a
 * plain scalar for an integer when strconv.ParseInt(s, 0, 64) (or ParseUint)
 * reads it once every '_' is gone (0x, 0o, 0b, and a leading 0 for octal),
 * for a float when it matches YAML's float pattern, and true/True/TRUE and
 * false/False/FALSE for booleans.  So 24.10 runs as "24.1", 0022 as "18",
 * 1.0 as "1", 1e6 as "1e+06", 1_000 as "1000", True as "true". */

static const char *digits_of(int base)
{
	return base == 16  ? "0123456789abcdefABCDEF"
	       : base == 8 ? "01234567"
	       : base == 2 ? "01"
			   : "0123456789";
}

/* ParseInt/ParseUint with base 0: the value as Go prints it, or false. */
static bool go_int(const char *s, char *out, size_t n)
{
	bool neg = *s == '-';
	const char *p = s + (*s == '-' || *s == '+');
	int base = 10;
	unsigned long long v;

	if (p[0] == '0' && p[1]) {
		char k = (char)tolower((unsigned char)p[1]);
		base = k == 'x' ? 16 : k == 'o' ? 8 : k == 'b' ? 2 : 8;
		p += k == 'x' || k == 'o' || k == 'b' ? 2 : 1;
	}
	if (!*p || strspn(p, digits_of(base)) != strlen(p))
		return false;
	errno = 0;
	v = strtoull(p, NULL, base);
	/* ParseInt takes a sign, ParseUint only what is past int64 and unsigned */
	if (errno == ERANGE || (neg && v > (unsigned long long)LLONG_MAX + 1) ||
	    (*s == '+' && v > (unsigned long long)LLONG_MAX))
		return false;
	if (neg && v)
		snprintf(out, n, "-%llu", v);
	else
		snprintf(out, n, "%llu", v);
	return true;
}

/* The fewest significant digits that read back as f, and its decimal exponent. */
static size_t shortest(double f, char *digits, int *exp)
{
	char e[40];
	size_t nd = 0;

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(e, sizeof e, "%.*e", prec - 1, f);
		if (strtod(e, NULL) == f)
			break;
	}
	for (const char *q = e; *q && *q != 'e'; q++)
		if (isdigit((unsigned char)*q))
			digits[nd++] = *q;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	*exp = atoi(strchr(e, 'e') + 1);
	return nd;
}

/* Go's %v of a float64 (at most 24 bytes): %g with the shortest digits,
 * in %e form from 1e+06 up and below 1e-04. */
static void go_float(double f, char *out)
{
	char d[24];
	int exp;
	size_t nd, at = 0;

	if (f == 0) {
		snprintf(out, MF_COMPOSE_PLAIN_MAX, "%s", signbit(f) ? "-0" : "0");
		return;
	}
	nd = shortest(fabs(f), d, &exp);
	if (f < 0)
		out[at++] = '-';
	if (exp < -4 || exp >= 6) {
		snprintf(out + at, MF_COMPOSE_PLAIN_MAX - at, "%c%s%.*se%c%02d", d[0],
			 nd > 1 ? "." : "", (int)nd - 1, d + 1, exp < 0 ? '-' : '+', abs(exp));
		return;
	}
	if (exp < 0) {
		out[at++] = '0';
		out[at++] = '.';
		for (int i = -1; i > exp; i--)
			out[at++] = '0';
	}
	for (size_t i = 0; i < nd || (exp >= 0 && i <= (size_t)exp); i++) {
		if (exp >= 0 && i == (size_t)exp + 1)
			out[at++] = '.';
		out[at++] = i < nd ? d[i] : '0';
	}
	out[at] = '\0';
}

/* go-yaml takes a plain "2006-1-2" for a date (a timestamp), which Go
 * prints as "2006-01-02 00:00:00 +0000 UTC"; its forms with a time of day
 * are not handled here (docs/import.md). */
static bool go_date(const char *s, char *out)
{
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y, mo, d;
	int end = 0;

	if (strspn(s, "0123456789") != 4 || s[4] != '-' ||
	    sscanf(s, "%4u-%2u-%2u%n", &y, &mo, &d, &end) != 3 || s[end] ||
	    !isdigit((unsigned char)s[end - 1]) || mo < 1 || mo > 12 || d < 1 ||
	    (int)d > days[mo - 1] || (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
		return false;
	snprintf(out, MF_COMPOSE_PLAIN_MAX, "%04u-%02u-%02u 00:00:00 +0000 UTC", y, mo, d);
	return true;
}

/* go-yaml's words for booleans and the floats that are no digits */
static const struct {
	const char *yaml, *go;
} words[] = {
	{"true", "true"},   {"True", "true"},   {"TRUE", "true"},  {"false", "false"},
	{"False", "false"}, {"FALSE", "false"}, {".inf", "+Inf"},  {".Inf", "+Inf"},
	{".INF", "+Inf"},   {"+.inf", "+Inf"},  {"+.Inf", "+Inf"}, {"+.INF", "+Inf"},
	{"-.inf", "-Inf"},  {"-.Inf", "-Inf"},  {"-.INF", "-Inf"}, {".nan", "NaN"},
	{".NaN", "NaN"},    {".NAN", "NaN"},
};

const char *mf_compose_plain(const char *s, char out[MF_COMPOSE_PLAIN_MAX])
{
	char *plain;
	size_t k = 0;
	bool number;
	double f;

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (!strcmp(s, words[i].yaml))
			return snprintf(out, MF_COMPOSE_PLAIN_MAX, "%s", words[i].go),
			       i < 6 ? "boolean" : "number";
	if (go_date(s, out))
		return "date";
	if (!*s || !strchr("-+.0123456789", *s) || !(plain = malloc(strlen(s) + 1)))
		return NULL;
	for (; *s; s++)
		if (*s != '_')
			plain[k++] = *s;
	plain[k] = '\0';
	if (go_int(plain, out, MF_COMPOSE_PLAIN_MAX))
		number = true;
	/* with a digit: ".inf" spelt "._inf" is no word to go-yaml, so text */
	else if ((number = strpbrk(plain, "0123456789") && mf_yaml_float_text(plain, &f)))
		go_float(f, out);
	free(plain);
	return number ? "number" : NULL;
}
