/* tests/workflow: an LD_PRELOAD library that fails or kills a build at an
 * exact rename or unlink, to test what a failure or a kill -9 leaves once
 * files have started moving into place.
 *   MF_FAIL_RENAME=NAME  the first rename whose destination's last segment
 *                        is NAME fails with EIO (later ones succeed)
 *   MF_KILL_RENAME=N     SIGKILL just before the Nth rename
 *   MF_KILL_UNLINK=N     SIGKILL just before the Nth unlink
 *   MF_COUNT=FILE        at exit, write "RENAMES UNLINKS" to FILE
 * rename/renameat and unlink/unlinkat count together.  Built by
 * tests/workflow/run with the system compiler; never linked into manifold. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long renames, unlinks;

static void maybe_kill(const char *var, long count)
{
	const char *at = getenv(var);

	if (at && atol(at) == count)
		raise(SIGKILL);
}

static int fail_rename(const char *to)
{
	static int done;
	const char *name = getenv("MF_FAIL_RENAME"), *slash = strrchr(to, '/');

	maybe_kill("MF_KILL_RENAME", ++renames);
	if (done || !name || strcmp(slash ? slash + 1 : to, name))
		return 0;
	done = 1;
	errno = EIO;
	return 1;
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("MF_COUNT");
	FILE *fp = path ? fopen(path, "w") : NULL;

	if (fp) {
		fprintf(fp, "%ld %ld\n", renames, unlinks);
		fclose(fp);
	}
}

int rename(const char *from, const char *to)
{
	int (*real)(const char *, const char *) =
		(int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");

	return fail_rename(to) ? -1 : real(from, to);
}

int renameat(int fromdir, const char *from, int todir, const char *to)
{
	int (*real)(int, const char *, int, const char *) =
		(int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT, "renameat");

	return fail_rename(to) ? -1 : real(fromdir, from, todir, to);
}

int unlink(const char *path)
{
	int (*real)(const char *) = (int (*)(const char *))dlsym(RTLD_NEXT, "unlink");

	maybe_kill("MF_KILL_UNLINK", ++unlinks);
	return real(path);
}

int unlinkat(int dir, const char *path, int flags)
{
	int (*real)(int, const char *, int) =
		(int (*)(int, const char *, int))dlsym(RTLD_NEXT, "unlinkat");

	maybe_kill("MF_KILL_UNLINK", ++unlinks);
	return real(dir, path, flags);
}
