/* load: the fast YAML reader against libfyaml's, node for node, on every file and mutations */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support.h"
#include "yaml_same.h"

typedef struct tally {
	size_t files, taken, fallbacks, differ;
} tally;

/* Whether the two readers agree on text (as one stream and as one document):
 * the fast one takes it and builds libfyaml's tree, or leaves it. */
static bool agree(tally *t, const char *name, const char *text, size_t len, bool quiet)
{
	char why[512] = "";
	bool ok = true;

	for (int multi = 1; multi >= 0 && ok; multi--) {
		mf_ctx c;
		mf_ctx_init(&c);
		uint32_t f = mf_source_add(&c, name, text, len);
		mf_node *fast = mf_yaml_fast(&c, f, multi), *full;
		size_t before = c.ndiags;
		if (fast && before)
			snprintf(why, sizeof why, "the fast path reported something"), ok = false;
		full = fast ? mf_yaml_parse_full(&c, f, multi) : NULL;
		if (fast && !full)
			snprintf(why, sizeof why, "taken, but libfyaml refuses it"), ok = false;
		else if (fast && ok)
			ok = mf_test_yaml_same(fast, full, why, sizeof why);
		t->taken += multi && fast;
		t->fallbacks += multi && !fast;
		mf_ctx_release(&c);
	}
	t->files++;
	if (!ok) {
		t->differ++;
		if (!quiet || t->differ <= 5)
			fprintf(stderr, "yaml_fast: %s: %s\n", name, why);
	}
	return ok;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && n < (32L << 20) &&
	    fseek(fp, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)n, fp);
		buf[*len] = '\0';
	}
	fclose(fp);
	return buf;
}

static bool yaml_file(const char *name, bool all)
{
	size_t n = strlen(name);

	return all || (n > 5 && !strcmp(name + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(name + n - 4, ".yml"));
}

/* Every YAML file under dir (every file when `all`: a build's output);
 * symbolic links and node_modules are not followed. */
static void walk(tally *t, const char *dir, bool all, char ***seeds, size_t *nseeds)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;
		size_t len = 0;
		char *text;
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "node_modules"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (lstat(path, &st) || S_ISLNK(st.st_mode))
			continue;
		if (S_ISDIR(st.st_mode)) {
			walk(t, path, all, seeds, nseeds);
			continue;
		}
		if (!S_ISREG(st.st_mode) || !yaml_file(e->d_name, all) || !(text = slurp(path, &len)))
			continue;
		agree(t, path, text, len, false);
		if (seeds && len < 6000 && (*seeds = realloc(*seeds, (*nseeds + 1) * sizeof **seeds)))
			(*seeds)[(*nseeds)++] = text;
		else
			free(text);
	}
	if (d)
		closedir(d);
}

static char **Seeds;
static size_t NSeeds;

START_TEST(every_file)
{
	tally t = {0};
	const char *extra = getenv("MF_YAML_FAST_DIRS"); /* more, ':'-separated: a build's out/ */

	walk(&t, "tests", false, &Seeds, &NSeeds);
	walk(&t, "examples", false, &Seeds, &NSeeds);
	char *list = extra ? strdup(extra) : NULL, *save = NULL;
	for (char *dir = list ? strtok_r(list, ":", &save) : NULL; dir;
	     dir = strtok_r(NULL, ":", &save))
		walk(&t, dir, true, NULL, NULL);
	free(list);
	fprintf(stderr, "yaml_fast: %zu files, %zu taken, %zu left to libfyaml, %zu differ\n",
		t.files, t.taken, t.fallbacks, t.differ);
	ck_assert_uint_gt(t.files, 500);
	ck_assert_uint_gt(t.taken, t.files / 2); /* a fast path that takes nothing proves nothing */
	ck_assert_uint_eq(t.differ, 0);
}
END_TEST

/* xorshift: the same mutations on every run */
static unsigned long long Rng = 0x9E3779B97F4A7C15ull;

static size_t rnd(size_t n)
{
	Rng ^= Rng << 13;
	Rng ^= Rng >> 7;
	Rng ^= Rng << 17;
	return n ? (size_t)(Rng % n) : 0;
}

/* One edit of what YAML is made of: a byte removed, one of its indicators
 * put in, a line doubled, an indentation changed. */
static size_t mutate(char *buf, size_t len, size_t cap)
{
	static const char bytes[] = " -:#'\"|>\n{}[]&*!%?\\,.~0x\t\r+";
	size_t at = rnd(len + 1), n;

	switch (rnd(4)) {
	case 0:
		if (!len)
			return len;
		memmove(buf + at - (at == len), buf + at + 1 - (at == len), len - at - (at != len));
		return len - 1;
	case 1:
		if (len + 1 >= cap)
			return len;
		memmove(buf + at + 1, buf + at, len - at);
		buf[at] = bytes[rnd(sizeof bytes - 1)];
		return len + 1;
	case 2:
		while (at > 0 && buf[at - 1] != '\n')
			at--;
		for (n = at; n < len && buf[n] != '\n';)
			n++;
		n = n - at + (n < len);
		if (len + n >= cap)
			return len;
		memmove(buf + at + n, buf + at, len - at);
		return len + n;
	default:
		while (at > 0 && buf[at - 1] != '\n')
			at--;
		if (len + 2 >= cap)
			return len;
		memmove(buf + at + 2, buf + at, len - at);
		memcpy(buf + at, "  ", 2);
		return len + 2;
	}
}

/* What the fast path is for, each taken and read as libfyaml reads it. */
static const char *const Edges[] = {
	"a: 1\nb:\nc: |\n  x\n  y\nd: []\ne: {}\nf:\n- x\n- k: v\n  j: \"q\"\n- - 1\n  - 2\n",
	"a:\n  b: |\n\n    x\n      y\n\n    z\n\n\n  c: |-\n    q\n  d: |+\n    k\n\n\ne: 1\n",
	"- |\n  w\n- g: |\n    v\n  h: ok # c\n-   i\n-\n  j: 1\n",
	"a: 'it''s'\nb: \"t\\tab \\\"q\\\" \\u00e9\\x41\\U0001F600\\/\\\\\"\n'k y': \"v\"\n",
	"---\n---\n# c\na: b\n\n--- # x\n- 1\n- -2\n- 3.5\n- .inf\n- ~\n- null\n- true\n- 0x1F\n",
	"  a: 1\n  b: 2\n",
	"\"\": 1\n\"ä\": é\nü: - x\n",
	"a: b # c\n  # d\ne: f\n# g\n",
	"k:\n- a\n- b\nl:\n  - c\n",
	"a: |\n  x\n# c\nb: 1\n",
	"e: \"\\x80\\x1f\\e\\a\\v\\b\\f\\r\\n\\t\\uFFFD\\U0010FFFF\"\n\"k\\u00e9\": 'v'\n",
};

/* Where libfyaml reads valid YAML its own way or refuses it: left to it. */
static const char *const Leaves[] = {
	"s: 'x''''y'\n", /* libfyaml: x''' */
	"d: |\ne: 1\n",  /* libfyaml: the lines after are the block's */
	"-\n- - 1\n",     /* libfyaml: "did not find expected node content" */
	"a: 1",           /* no line break at the end */
};

START_TEST(edge_cases)
{
	tally t = {0};

	for (size_t i = 0; i < MF_NELEM(Edges); i++)
		ck_assert(agree(&t, "edge.yaml", Edges[i], strlen(Edges[i]), false));
	ck_assert_uint_eq(t.taken, MF_NELEM(Edges) - 1); /* all but the plain `- x` key */
	for (size_t i = 0; i < MF_NELEM(Leaves); i++)
		ck_assert(agree(&t, "leave.yaml", Leaves[i], strlen(Leaves[i]), false));
	ck_assert_uint_eq(t.taken, MF_NELEM(Edges) - 1);
}
END_TEST

START_TEST(mutations)
{
	enum { CAP = 16384 };
	const char *more = getenv("MF_YAML_FAST_ROUNDS"); /* a longer hunt, by hand */
	size_t rounds = more ? strtoul(more, NULL, 10) : 6000;
	tally t = {0};
	char *buf = malloc(CAP), name[64];

	if (!NSeeds)
		walk(&(tally){0}, "tests/golden", false, &Seeds, &NSeeds);
	ck_assert_uint_gt(NSeeds, 10);
	for (size_t i = 0; i < MF_NELEM(Edges) + MF_NELEM(Leaves); i++)
		if ((Seeds = realloc(Seeds, (NSeeds + 1) * sizeof *Seeds)) != NULL)
			Seeds[NSeeds++] = strdup(i < MF_NELEM(Edges) ? Edges[i]
							      : Leaves[i - MF_NELEM(Edges)]);
	for (size_t r = 0; r < rounds; r++) {
		const char *seed = Seeds[rnd(NSeeds)];
		size_t len = strlen(seed), edits = 1 + rnd(3);
		memcpy(buf, seed, len);
		for (size_t e = 0; e < edits; e++)
			len = mutate(buf, len, CAP);
		buf[len] = '\0';
		snprintf(name, sizeof name, "mutation-%zu.yaml", r);
		agree(&t, name, buf, len, true);
	}
	fprintf(stderr, "yaml_fast: %zu mutations, %zu taken, %zu left to libfyaml, %zu differ\n",
		t.files, t.taken, t.fallbacks, t.differ);
	ck_assert_uint_gt(t.taken, rounds / 10);
	ck_assert_uint_eq(t.differ, 0);
	free(buf);
}
END_TEST

/* What the comparison is for: these differ in one field each, and each is
 * caught (a comparison that sees nothing would pass everything). */
START_TEST(a_difference_is_seen)
{
	tally t = {0};
	const char *text = "a:\n  b: [x]\n";
	mf_ctx c;
	char why[256];
	mf_ctx_init(&c);
	uint32_t f = mf_source_add(&c, "t.yaml", "a:\n  b: 1\n  c: 'x'\n", 19);
	mf_node *x = mf_yaml_fast(&c, f, true), *y = mf_yaml_parse_full(&c, f, true);

	ck_assert_ptr_nonnull(x);
	ck_assert(mf_test_yaml_same(x, y, why, sizeof why));
	mf_node *c2 = mf_get(x->items[0], "a")->pairs[1].val;
	c2->pos.col++;
	ck_assert(!mf_test_yaml_same(x, y, why, sizeof why));
	c2->pos.col--;
	c2->flags = 0;
	ck_assert(!mf_test_yaml_same(x, y, why, sizeof why));
	c2->flags = MF_QUOTED;
	mf_get(x->items[0], "a")->pairs[0].pos.line = 7;
	ck_assert(!mf_test_yaml_same(x, y, why, sizeof why));
	mf_ctx_release(&c);
	ck_assert(agree(&t, "flow.yaml", text, strlen(text), true)); /* left to libfyaml */
	ck_assert_uint_eq(t.fallbacks, 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("yaml_fast");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, a_difference_is_seen);
	tcase_add_test(tc, edge_cases);
	tcase_add_test(tc, every_file);
	tcase_add_test(tc, mutations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mf_test_run(suite());
}
