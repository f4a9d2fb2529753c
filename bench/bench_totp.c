/* SPDX-License-Identifier: MIT */
/*
 * TOTP verification: libmfa against liboath's oath_totp_validate and
 * against three bare HMAC-SHA1 computations with OpenSSL's EVP_MAC and the
 * key set once. Window 1, so each verification tries 3 time steps. The
 * sides run alternately, round after round, and each round times a batch
 * of calls, so that load from other processes hits every side alike.
 */
#include <stdint.h>

#include <liboath/oath.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <mfa/err.h>
#include <mfa/otp.h>

#include "bench_util.h"

#define TOTP_NOW 1700000000  /* Unix seconds; any fixed time works */
#define TOTP_WINDOW 1        /* steps either side, as mfad's default totp_window */

static const uint8_t key[MFA_OTP_SECRET_LEN] = "12345678901234567890";

struct raw_hmac {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
};

static int
raw_hmac_init(struct raw_hmac *h)
{
	static char digest[] = "SHA1";
	OSSL_PARAM params[2];

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	h->mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (h->mac == NULL)
		return -1;
	h->ctx = EVP_MAC_CTX_new(h->mac);
	if (h->ctx == NULL || EVP_MAC_init(h->ctx, key, sizeof(key), params) != 1)
		return -1;
	return 0;
}

/* Three HMAC-SHA1 over 8-byte counters, as a window of 1 needs: the floor for libmfa. */
static int
raw_hmac_three(struct raw_hmac *h, uint64_t step)
{
	uint8_t msg[8], out[EVP_MAX_MD_SIZE];
	size_t len = 0;

	for (uint64_t s = step - 1; s <= step + 1; s++) {
		for (int i = 0; i < 8; i++)
			msg[i] = (uint8_t)(s >> (56 - 8 * i));
		if (EVP_MAC_init(h->ctx, NULL, 0, NULL) != 1 ||
		    EVP_MAC_update(h->ctx, msg, sizeof(msg)) != 1 ||
		    EVP_MAC_final(h->ctx, out, &len, sizeof(out)) != 1)
			return -1;
	}
	return out[0] == 0xff && out[1] == 0xff ? 1 : 0; /* keep the result alive */
}

enum side { SIDE_LIBMFA, SIDE_LIBOATH, SIDE_RAW, SIDE_COUNT };

/* Time iters verifications of code on one side; return nanoseconds per call. */
static double
time_side(enum side side, mfa_otp_t *otp, struct raw_hmac *raw, const char *code, long iters,
    int expect_match)
{
	uint64_t step = 0, step0 = TOTP_NOW / 30;
	volatile int sink = 0;
	double t0 = bench_now_ns();

	for (long i = 0; i < iters; i++) {
		int r;

		switch (side) {
		case SIDE_LIBMFA:
			r = mfa_totp_verify(otp, code, TOTP_NOW, 30, TOTP_WINDOW, &step);
			if ((r == MFA_OK) != expect_match) {
				fprintf(stderr, "bench_totp: libmfa returned %d\n", r);
				exit(1);
			}
			break;
		case SIDE_LIBOATH:
			r = oath_totp_validate((const char *)key, sizeof(key), TOTP_NOW, 30, 0,
			    TOTP_WINDOW, code);
			if ((r >= 0) != expect_match) {
				fprintf(stderr, "bench_totp: liboath returned %d\n", r);
				exit(1);
			}
			break;
		default:
			r = raw_hmac_three(raw, step0);
			break;
		}
		sink += r;
	}
	(void)sink;
	return (bench_now_ns() - t0) / (double)iters;
}

static void
run_case(const char *bench, mfa_otp_t *otp, struct raw_hmac *raw, const char *code,
    int expect_match, long rounds, long iters)
{
	static double samples[SIDE_COUNT][BENCH_ROUNDS_MAX];
	static const char *const names[SIDE_COUNT] = { "libmfa", "liboath", "raw-hmac-x3" };
	int sides = expect_match ? 2 : SIDE_COUNT; /* the HMAC floor only for the 3-step case */

	/* One untimed round warms caches and OpenSSL's lazy initialisation. */
	for (int s = 0; s < sides; s++)
		(void)time_side((enum side)s, otp, raw, code, iters / 10 + 1, expect_match);
	for (long r = 0; r < rounds; r++)
		for (int s = 0; s < sides; s++)
			samples[s][r] = time_side((enum side)s, otp, raw, code, iters, expect_match);
	for (int s = 0; s < sides; s++)
		bench_report(bench, names[s], "ns/op", samples[s], (size_t)rounds);
}

int
main(void)
{
	long rounds = bench_env_long("BENCH_ROUNDS", 15);
	long iters = bench_env_long("BENCH_ITERS", 20000);
	char good[MFA_OTP_CODE_SIZE], near[3][MFA_OTP_CODE_SIZE], bad[MFA_OTP_CODE_SIZE];
	mfa_ctx_t *ctx = NULL;
	mfa_otp_t *otp = NULL;
	struct raw_hmac raw;

	if (rounds > BENCH_ROUNDS_MAX)
		rounds = BENCH_ROUNDS_MAX;
	if (oath_init() != OATH_OK || raw_hmac_init(&raw) != 0 || mfa_ctx_new(&ctx) != MFA_OK ||
	    mfa_otp_new(ctx, MFA_OTP_SHA1, key, sizeof(key), 6, &otp) != MFA_OK) {
		fprintf(stderr, "bench_totp: set-up failed\n");
		return 1;
	}
	for (int i = 0; i < 3; i++)
		if (mfa_totp_generate(otp, TOTP_NOW + (i - 1) * 30, 30, near[i]) != MFA_OK)
			return 1;
	memcpy(good, near[1], sizeof(good));
	/* A code that matches none of the 3 steps, so every side computes all of them. */
	memcpy(bad, "000000", 7);
	for (char c = '0'; c <= '9'; c++) {
		memset(bad, c, 6);
		if (strcmp(bad, near[0]) != 0 && strcmp(bad, near[1]) != 0 &&
		    strcmp(bad, near[2]) != 0)
			break;
	}

	run_case("totp_nomatch", otp, &raw, bad, 0, rounds, iters);
	run_case("totp_match", otp, &raw, good, 1, rounds, iters);

	mfa_otp_free(&otp);
	mfa_ctx_free(&ctx);
	EVP_MAC_CTX_free(raw.ctx);
	EVP_MAC_free(raw.mac);
	oath_done();
	return 0;
}
