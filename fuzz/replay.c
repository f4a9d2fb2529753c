/* SPDX-License-Identifier: MIT */
/* Run a fuzz harness over saved inputs without libFuzzer, so any compiler can replay a corpus. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_INPUT_MAX (16 * 1024 * 1024) /* bytes per input file, to catch a wrong path */
#define REPLAY_PATH_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Read path into a buffer of exactly its size, so that AddressSanitizer
 * catches a harness that reads past the input, and run the harness on it.
 */
static int
replay_file(const char *path)
{
	FILE *fp = NULL;
	uint8_t *data = NULL;
	long size;
	int r = -1;

	fp = fopen(path, "rb");
	if (fp == NULL) {
		fprintf(stderr, "replay: failed to open %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: failed to get the size of %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (size > REPLAY_INPUT_MAX) {
		fprintf(stderr, "replay: %s is over %d bytes\n", path, REPLAY_INPUT_MAX);
		goto out;
	}

	/* Allocate at least one byte, because malloc(0) may return NULL and the harness expects a pointer. */
	data = malloc(size > 0 ? (size_t)size : 1);
	if (data == NULL) {
		fprintf(stderr, "replay: out of memory for %s\n", path);
		goto out;
	}
	if (size > 0 && fread(data, 1, (size_t)size, fp) != (size_t)size) {
		fprintf(stderr, "replay: failed to read %s\n", path);
		goto out;
	}

	LLVMFuzzerTestOneInput(data, (size_t)size);
	r = 0;
out:
	free(data);
	if (fp != NULL)
		fclose(fp);
	return r;
}

/* Replay dir/name if it is a regular file. Returns 1 when replayed, 0 when skipped, -1 on error. */
static int
replay_entry(const char *dir, const char *name)
{
	char path[REPLAY_PATH_MAX];
	struct stat st;

	if (name[0] == '.')
		return 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
		fprintf(stderr, "replay: path too long: %s/%s\n", dir, name);
		return -1;
	}
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;

	return replay_file(path) == 0 ? 1 : -1;
}

/* Replay every file of dir in name order. Returns the count or -1. */
static int
replay_dir(const char *dir)
{
	struct dirent **entries = NULL;
	int n, count = 0;

	n = scandir(dir, &entries, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: failed to list %s: %s\n", dir, strerror(errno));
		return -1;
	}

	for (int i = 0; i < n; i++) {
		int r = count >= 0 ? replay_entry(dir, entries[i]->d_name) : 0;

		count = r < 0 ? -1 : count + r;
		free(entries[i]);
	}
	free(entries);

	return count;
}

int
main(int argc, char **argv)
{
	int total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
		return 2;
	}

	for (int i = 1; i < argc; i++) {
		struct stat st;
		int n;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		n = S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : (replay_file(argv[i]) == 0 ? 1 : -1);
		if (n < 0)
			return 1;
		if (n == 0) {
			fprintf(stderr, "replay: %s contains no input files\n", argv[i]);
			return 1;
		}
		total += n;
	}

	printf("replayed %d inputs\n", total);
	return 0;
}
