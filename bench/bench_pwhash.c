/* SPDX-License-Identifier: MIT */
/*
 * The hashing limit of mfad's password step: THREADS threads each running
 * crypto_pwhash_str with OPSLIMIT_INTERACTIVE and MEMLIMIT_INTERACTIVE, as
 * src/server/password.c does, in a loop for SECONDS. Prints one JSON line
 * with hashes per second over all threads.
 *
 * usage: bench_pwhash THREADS SECONDS
 */
#include <pthread.h>
#include <stdatomic.h>

#include <sodium.h>

#include "bench_util.h"

#define THREADS_MAX 64

static double deadline_ns;
static atomic_long done_count;

static void *
hash_loop(void *arg)
{
	char out[crypto_pwhash_STRBYTES];
	static const char pw[] = "bench password 1";

	(void)arg;
	while (bench_now_ns() < deadline_ns) {
		if (crypto_pwhash_str(out, pw, sizeof(pw) - 1, crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
			fprintf(stderr, "bench_pwhash: out of memory\n");
			exit(1);
		}
		atomic_fetch_add(&done_count, 1);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t th[THREADS_MAX];
	long threads;
	double start;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_pwhash THREADS SECONDS\n");
		return 2;
	}
	threads = strtol(argv[1], NULL, 10);
	if (threads < 1 || threads > THREADS_MAX || sodium_init() < 0)
		return 2;
	start = bench_now_ns();
	deadline_ns = start + strtod(argv[2], NULL) * 1e9;
	for (long i = 0; i < threads; i++)
		if (pthread_create(&th[i], NULL, hash_loop, NULL) != 0)
			return 1;
	for (long i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	/* Hashes that started before the deadline finish after it: divide by the real time. */
	printf("{\"rate\": %.6g, \"hashes\": %ld}\n",
	    (double)atomic_load(&done_count) / ((bench_now_ns() - start) / 1e9),
	    atomic_load(&done_count));
	return 0;
}
