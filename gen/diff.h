/* emit: line diffs of two texts (Myers, linear space) and their unified form */
#ifndef MF_DIFF_H
#define MF_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include "yamlw.h"

/* Which lines of a and of b a shortest edit script deletes and inserts: the
 * lines not marked are a longest common subsequence of both.  A line is
 * its bytes with its '\n' (the last one may have none, and then differs
 * from the same text with one).  Lines are compared as numbers (equal text,
 * equal number), so each comparison is O(1).  Minimal unless the script is
 * longer than about 8,000 edits, where a good split is taken instead of the
 * best one (as GNU diff does), so the time stays O((N+M) * 8,000) at worst. */
typedef struct mf_diff {
	size_t na, nb;
	const char **la, **lb; /* line starts: la[na] is the end of a */
	bool *del, *ins;       /* del[i]: line i of a is deleted; ins[j]: line j of b inserted */
} mf_diff;

/* Returns 0, or -1 when out of memory (d is then empty). */
int mf_diff_compute(const char *a, size_t alen, const char *b, size_t blen, mf_diff *d);
void mf_diff_release(mf_diff *d);

/* Append the unified diff of a (`from`, NULL for none: /dev/null) and b
 * (`to`, NULL: /dev/null) with `context` lines around each change, as
 * `diff -u` and `git diff` write it (hunks "@@ -l,n +l,n @@", a "\ No
 * newline at end of file" line where a text ends without one); nothing
 * when the texts are equal.  `color`: ANSI colours for a terminal.
 * Returns 0, or -1 when out of memory. */
int mf_diff_unified(mf_buf *out, const char *a, size_t alen, const char *b, size_t blen,
		    const char *from, const char *to, size_t context, bool color);

#endif
