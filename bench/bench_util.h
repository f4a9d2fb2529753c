/* SPDX-License-Identifier: MIT */
/*
 * Timing helpers shared by the micro-benchmarks: a monotonic clock, medians
 * over rounds, and one JSON result line per side for bench/bench.py.
 */
#ifndef MFA_BENCH_UTIL_H
#define MFA_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_ROUNDS_MAX 1000

/* Nanoseconds of CLOCK_MONOTONIC. */
static inline double
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sort n samples in place and return the value at fraction q (0 to 1), nearest rank. */
static inline double
bench_quantile(double *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), bench_cmp_double);
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i];
}

/*
 * Print one side's samples (per-round values in unit) as a JSON line:
 * median, minimum and maximum over the rounds.
 */
static inline void
bench_report(const char *bench, const char *side, const char *unit, double *v, size_t n)
{
	double med = bench_quantile(v, n, 0.5);

	printf("{\"bench\": \"%s\", \"side\": \"%s\", \"unit\": \"%s\", \"median\": %.6g, "
	    "\"min\": %.6g, \"max\": %.6g, \"rounds\": %zu}\n", bench, side, unit, med, v[0],
	    v[n - 1], n);
	fflush(stdout);
}

/* Read a positive count from the environment, or return def. */
static inline long
bench_env_long(const char *name, long def)
{
	const char *s = getenv(name);
	char *end = NULL;
	long v;

	if (s == NULL || *s == '\0')
		return def;
	v = strtol(s, &end, 10);
	return (end != NULL && *end == '\0' && v > 0) ? v : def;
}

#endif
