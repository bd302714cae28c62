/* fuzz: a standalone driver where clang's libFuzzer is missing: each seed once, then mutations */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_SEEDS = 4096, MAX_LEN = 65536 };

static uint8_t *seeds[MAX_SEEDS];
static size_t lens[MAX_SEEDS], nseeds;

static void add_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = fp ? malloc(MAX_LEN) : NULL;
	size_t n = buf ? fread(buf, 1, MAX_LEN, fp) : 0;

	if (fp)
		fclose(fp);
	if (!buf || nseeds == MAX_SEEDS) {
		free(buf);
		return;
	}
	seeds[nseeds] = buf;
	lens[nseeds++] = n;
}

static void add_path(const char *path, int depth)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char sub[4096];

	if (stat(path, &st) < 0 || depth > 6)
		return;
	if (S_ISREG(st.st_mode)) {
		add_file(path);
		return;
	}
	if (!S_ISDIR(st.st_mode) || !(d = opendir(path)))
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' &&
		    snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) < (int)sizeof sub)
			add_path(sub, depth + 1);
	closedir(d);
}

/* A few byte changes, inserts and cuts. */
static size_t mutate(uint8_t *buf, size_t n)
{
	for (int k = rand() % 4 + 1; k > 0; k--) {
		size_t at = n ? (size_t)rand() % n : 0;
		switch (rand() % 3) {
		case 0:
			if (n)
				buf[at] = (uint8_t)"\n :-[]{},'\"&*!|>#0aZ"[rand() % 21];
			break;
		case 1:
			if (n < MAX_LEN) {
				memmove(buf + at + 1, buf + at, n - at);
				buf[at] = (uint8_t)(rand() % 128);
				n++;
			}
			break;
		default:
			n = at;
			break;
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	double seconds = 60;
	unsigned long long runs = 0;
	uint8_t *buf = malloc(MAX_LEN + 1);
	time_t end;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "-max_total_time=", 16))
			seconds = atof(argv[i] + 16);
		else if (argv[i][0] != '-')
			add_path(argv[i], 0);
	for (size_t i = 0; i < nseeds; i++, runs++)
		LLVMFuzzerTestOneInput(seeds[i], lens[i]);
	srand(1);
	for (end = time(NULL) + (time_t)seconds; nseeds && buf && time(NULL) < end; runs++) {
		size_t i = (size_t)rand() % nseeds, n = lens[i];
		memcpy(buf, seeds[i], n);
		LLVMFuzzerTestOneInput(buf, mutate(buf, n));
	}
	printf("driver: %llu runs over %zu seeds, no crash\n", runs, nseeds);
	free(buf);
	for (size_t i = 0; i < nseeds; i++)
		free(seeds[i]);
	return 0;
}
