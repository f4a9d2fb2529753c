/* SPDX-License-Identifier: MIT */
/*
 * The commit-rate floor for mfad's durable writes: one-row SQLite
 * transactions (BEGIN IMMEDIATE, INSERT, COMMIT) in WAL mode, as mfad opens
 * its database, with synchronous FULL or NORMAL, for a number of seconds.
 * Prints one JSON line: commits per second and commit latency p50 and p99
 * in milliseconds.
 *
 * usage: bench_sqlite DB full|normal SECONDS
 */
#include <stdint.h>

#include <sqlite3.h>

#include "bench_util.h"

#define LAT_MAX 2000000 /* latency samples kept; later commits are counted only */

static int
exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "bench_sqlite: %s: %s\n", sql, err != NULL ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static double lat[LAT_MAX];
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	double seconds, start, end;
	uint8_t blob[32] = { 0 };
	long n = 0;

	if (argc != 4 || (strcmp(argv[2], "full") != 0 && strcmp(argv[2], "normal") != 0)) {
		fprintf(stderr, "usage: bench_sqlite DB full|normal SECONDS\n");
		return 2;
	}
	seconds = strtod(argv[3], NULL);
	if (sqlite3_open(argv[1], &db) != SQLITE_OK ||
	    exec(db, "PRAGMA journal_mode = WAL") != 0 ||
	    exec(db, strcmp(argv[2], "full") == 0 ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL") != 0 ||
	    exec(db, "CREATE TABLE IF NOT EXISTS t (k BLOB PRIMARY KEY, v INTEGER NOT NULL) "
	    "WITHOUT ROWID") != 0 ||
	    sqlite3_prepare_v2(db, "INSERT INTO t (k, v) VALUES (?1, ?2)", -1, &ins, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "bench_sqlite: cannot open %s: %s\n", argv[1], sqlite3_errmsg(db));
		return 1;
	}

	start = bench_now_ns();
	end = start + seconds * 1e9;
	for (double t = start; t < end; n++) {
		double t1;

		/* A fresh 32-byte key per row, like a token hash. */
		memcpy(blob, &n, sizeof(n));
		memcpy(blob + 8, &start, sizeof(start));
		if (exec(db, "BEGIN IMMEDIATE") != 0)
			return 1;
		sqlite3_bind_blob(ins, 1, blob, sizeof(blob), SQLITE_STATIC);
		sqlite3_bind_int64(ins, 2, n);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			fprintf(stderr, "bench_sqlite: insert: %s\n", sqlite3_errmsg(db));
			return 1;
		}
		sqlite3_reset(ins);
		if (exec(db, "COMMIT") != 0)
			return 1;
		t1 = bench_now_ns();
		if (n < LAT_MAX)
			lat[n] = (t1 - t) / 1e6;
		t = t1;
	}
	{
		size_t k = n < LAT_MAX ? (size_t)n : LAT_MAX;
		double rate = (double)n / ((bench_now_ns() - start) / 1e9);
		double p99 = bench_quantile(lat, k, 0.99);
		double p50 = bench_quantile(lat, k, 0.5);

		printf("{\"rate\": %.6g, \"p50_ms\": %.4g, \"p99_ms\": %.4g, \"commits\": %ld}\n", rate,
		    p50, p99, n);
	}
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return 0;
}
