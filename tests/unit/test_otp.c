/* SPDX-License-Identifier: MIT */
/* HOTP and TOTP against the RFC 4226 and RFC 6238 test vectors, windows and argument checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mfa/mfa.h>

/* ASCII seeds of RFC 6238 Appendix B, one per hash: 20, 32 and 64 bytes. */
#define SEED_SHA1 "12345678901234567890"
#define SEED_SHA256 "12345678901234567890123456789012"
#define SEED_SHA512 "1234567890123456789012345678901234567890123456789012345678901234"

/*
 * Two TOTP steps with the same 6-digit SHA-1 code, found by a search with
 * Python's hmac module and checked with oathtool 2.6.7:
 * `oathtool -c 100 -w 1 6d6661642d636f6c6c6973696f6e2d30303434353035`
 * prints 621105 twice.
 */
#define COLLISION_KEY "mfad-collision-0044505"
#define COLLISION_CODE "621105"
#define COLLISION_STEP_FIRST 100
#define COLLISION_STEP_SECOND 101

struct fixture {
	mfa_ctx_t *ctx;
};

static int
setup(void **state)
{
	static struct fixture f;

	if (mfa_ctx_new(&f.ctx) != MFA_OK)
		return -1;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	mfa_ctx_free(&f->ctx);
	assert_null(f->ctx);
	return 0;
}

static mfa_otp_t *
otp_new(void **state, mfa_otp_alg_t alg, const char *key, unsigned digits)
{
	struct fixture *f = *state;
	mfa_otp_t *otp = NULL;

	assert_int_equal(mfa_otp_new(f->ctx, alg, (const uint8_t *)key, strlen(key), digits, &otp),
	    MFA_OK);
	assert_non_null(otp);
	return otp;
}

/* RFC 4226 Appendix D: HOTP-SHA1, 6 digits, counters 0 to 9. */
static void
hotp_rfc4226_vectors(void **state)
{
	static const char *const expected[] = {
		"755224", "287082", "359152", "969429", "338314",
		"254676", "287922", "162583", "399871", "520489",
	};
	mfa_otp_t *otp = otp_new(state, MFA_OTP_SHA1, SEED_SHA1, 6);
	char code[MFA_OTP_CODE_SIZE];

	for (uint64_t c = 0; c < sizeof(expected) / sizeof(expected[0]); c++) {
		assert_int_equal(mfa_hotp_generate(otp, c, code), MFA_OK);
		assert_string_equal(code, expected[c]);
	}

	mfa_otp_free(&otp);
	assert_null(otp);
}

struct totp_vector {
	int64_t time;
	const char *sha1;
	const char *sha256;
	const char *sha512;
};

/* RFC 6238 Appendix B: 8 digits, 30-second steps, T0 = 0. */
static const struct totp_vector rfc6238[] = {
	{ 59, "94287082", "46119246", "90693936" },
	{ 1111111109, "07081804", "68084774", "25091201" },
	{ 1111111111, "14050471", "67062674", "99943326" },
	{ 1234567890, "89005924", "91819424", "93441116" },
	{ 2000000000, "69279037", "90698825", "38618901" },
	{ INT64_C(20000000000), "65353130", "77737706", "47863826" },
};

static void
check_totp_vectors(void **state, mfa_otp_alg_t alg, const char *seed, size_t field)
{
	mfa_otp_t *otp = otp_new(state, alg, seed, 8);
	char code[MFA_OTP_CODE_SIZE];

	for (size_t i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
		const char *expected = *(const char *const *)((const char *)&rfc6238[i] + field);
		uint64_t step = 0;

		assert_int_equal(mfa_totp_generate(otp, rfc6238[i].time, 30, code), MFA_OK);
		assert_string_equal(code, expected);

		assert_int_equal(mfa_totp_verify(otp, expected, rfc6238[i].time, 30, 0, &step),
		    MFA_OK);
		assert_int_equal(step, (uint64_t)rfc6238[i].time / 30);
	}

	mfa_otp_free(&otp);
}

static void
totp_rfc6238_sha1(void **state)
{
	check_totp_vectors(state, MFA_OTP_SHA1, SEED_SHA1, offsetof(struct totp_vector, sha1));
}

static void
totp_rfc6238_sha256(void **state)
{
	check_totp_vectors(state, MFA_OTP_SHA256, SEED_SHA256,
	    offsetof(struct totp_vector, sha256));
}

static void
totp_rfc6238_sha512(void **state)
{
	check_totp_vectors(state, MFA_OTP_SHA512, SEED_SHA512,
	    offsetof(struct totp_vector, sha512));
}

/*
 * HMAC hashes a key longer than the hash block (64 bytes for SHA-1 and
 * SHA-256, 128 for SHA-512) before use. Keys are the bytes 0, 1, 2 and so
 * on. The codes for 2009-02-13 23:31:30 UTC come from oathtool 2.6.7, as in
 * oathtool --totp=sha256 -d 8 --now "2009-02-13 23:31:30 UTC" HEXKEY.
 */
static void
totp_keys_around_block_size(void **state)
{
	static const struct {
		mfa_otp_alg_t alg;
		size_t key_len;
		const char *code;
	} cases[] = {
		{ MFA_OTP_SHA1, 65, "52986357" },
		{ MFA_OTP_SHA1, 100, "70026412" },
		{ MFA_OTP_SHA256, 100, "34203994" },
		{ MFA_OTP_SHA512, 128, "97699422" },
	};
	struct fixture *f = *state;
	uint8_t key[MFA_OTP_KEY_MAX];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mfa_otp_t *otp = NULL;
		char code[MFA_OTP_CODE_SIZE];
		uint64_t step = 0;

		assert_int_equal(mfa_otp_new(f->ctx, cases[i].alg, key, cases[i].key_len, 8, &otp),
		    MFA_OK);
		assert_int_equal(mfa_totp_generate(otp, 1234567890, 30, code), MFA_OK);
		assert_string_equal(code, cases[i].code);
		assert_int_equal(mfa_totp_verify(otp, cases[i].code, 1234567890, 30, 1, &step),
		    MFA_OK);
		assert_int_equal(step, 1234567890 / 30);
		mfa_otp_free(&otp);
	}
}

/* Fewer digits keep the low digits of the same value: RFC 6238's 94287082 gives 4287082 and 287082. */
static void
totp_fewer_digits_truncate(void **state)
{
	mfa_otp_t *otp7 = otp_new(state, MFA_OTP_SHA1, SEED_SHA1, 7);
	mfa_otp_t *otp6 = otp_new(state, MFA_OTP_SHA1, SEED_SHA1, 6);
	char code[MFA_OTP_CODE_SIZE];

	assert_int_equal(mfa_otp_digits(otp7), 7);
	assert_int_equal(mfa_otp_digits(otp6), 6);

	assert_int_equal(mfa_totp_generate(otp7, 59, 30, code), MFA_OK);
	assert_string_equal(code, "4287082");
	assert_int_equal(mfa_totp_generate(otp6, 59, 30, code), MFA_OK);
	assert_string_equal(code, "287082");

	/* 07081804 keeps its leading zero at 8 digits and becomes 7081804 at 7. */
	assert_int_equal(mfa_totp_generate(otp7, 1111111109, 30, code), MFA_OK);
	assert_string_equal(code, "7081804");

	mfa_otp_free(&otp7);
	mfa_otp_free(&otp6);
}

/*
 * With period 30 and now = 160 the step is 5, so the RFC 4226 HOTP values
 * for counters 3 to 7 are the codes of steps step-2 to step+2.
 */
static void
totp_verify_window(void **state)
{
	mfa_otp_t *otp = otp_new(state, MFA_OTP_SHA1, SEED_SHA1, 6);
	const int64_t now = 160;
	uint64_t step = 99;

	assert_int_equal(mfa_totp_verify(otp, "338314", now, 30, 1, &step), MFA_OK);
	assert_int_equal(step, 4);
	assert_int_equal(mfa_totp_verify(otp, "254676", now, 30, 1, &step), MFA_OK);
	assert_int_equal(step, 5);
	assert_int_equal(mfa_totp_verify(otp, "287922", now, 30, 1, &step), MFA_OK);
	assert_int_equal(step, 6);

	step = 99;
	assert_int_equal(mfa_totp_verify(otp, "969429", now, 30, 1, &step), MFA_ERR_VERIFY_FAILED);
	assert_int_equal(mfa_totp_verify(otp, "162583", now, 30, 1, &step), MFA_ERR_VERIFY_FAILED);
	assert_int_equal(step, 99);

	assert_int_equal(mfa_totp_verify(otp, "969429", now, 30, 2, &step), MFA_OK);
	assert_int_equal(step, 3);
	assert_int_equal(mfa_totp_verify(otp, "162583", now, 30, 2, &step), MFA_OK);
	assert_int_equal(step, 7);

	/* Window 0 accepts only the current step. */
	assert_int_equal(mfa_totp_verify(otp, "254676", now, 30, 0, &step), MFA_OK);
	assert_int_equal(step, 5);
	assert_int_equal(mfa_totp_verify(otp, "338314", now, 30, 0, &step), MFA_ERR_VERIFY_FAILED);

	mfa_otp_free(&otp);
}

/* Near the epoch the window would reach negative steps, which are skipped. */
static void
totp_verify_window_at_epoch(void **state)
{
	mfa_otp_t *otp = otp_new(state, MFA_OTP_SHA1, SEED_SHA1, 6);
	uint64_t step = 99;

	assert_int_equal(mfa_totp_verify(otp, "755224", 0, 30, 3, &step), MFA_OK);
	assert_int_equal(step, 0);
	assert_int_equal(mfa_totp_verify(otp, "287082", 10, 30, 1, &step), MFA_OK);
	assert_int_equal(step, 1);
	assert_int_equal(mfa_totp_verify(otp, "969429", 10, 30, 10, &step), MFA_OK);
	assert_int_equal(step, 3);

	mfa_otp_free(&otp);
}

static void
totp_verify_returns_latest_step(void **state)
{
	mfa_otp_t *otp = otp_new(state, MFA_OTP_SHA1, COLLISION_KEY, 6);
	uint64_t step = 0;

	/* Both colliding steps are in the window, and the later one is returned. */
	assert_int_equal(mfa_totp_verify(otp, COLLISION_CODE, COLLISION_STEP_FIRST * 30, 30, 1,
	    &step), MFA_OK);
	assert_int_equal(step, COLLISION_STEP_SECOND);
	assert_int_equal(mfa_totp_verify(otp, COLLISION_CODE, COLLISION_STEP_SECOND * 30, 30, 1,
	    &step), MFA_OK);
	assert_int_equal(step, COLLISION_STEP_SECOND);

	/* Only the first colliding step is in the window. */
	assert_int_equal(mfa_totp_verify(otp, COLLISION_CODE, (COLLISION_STEP_FIRST - 1) * 30, 30,
	    1, &step), MFA_OK);
	assert_int_equal(step, COLLISION_STEP_FIRST);

	mfa_otp_free(&otp);
}

static void
totp_verify_malformed_codes(void **state)
{
	static const char *const bad[] = {
		"12345", "1234567", "12a456", "", " 55224", "755224 ", "-55224",
		"７55224", "75522\n", "+755224",
	};
	mfa_otp_t *otp = otp_new(state, MFA_OTP_SHA1, SEED_SHA1, 6);
	uint64_t step = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mfa_totp_verify(otp, bad[i], 0, 30, 1, &step),
		    MFA_ERR_VERIFY_FAILED);

	/* The right code with one digit more is still rejected. */
	assert_int_equal(mfa_totp_verify(otp, "7552240", 0, 30, 1, &step), MFA_ERR_VERIFY_FAILED);
	assert_int_equal(mfa_totp_verify(otp, "755224", 0, 30, 1, &step), MFA_OK);

	mfa_otp_free(&otp);
}

static void
totp_time_before_epoch(void **state)
{
	mfa_otp_t *otp = otp_new(state, MFA_OTP_SHA1, SEED_SHA1, 6);
	char code[MFA_OTP_CODE_SIZE];
	uint64_t step = 0;

	assert_int_equal(mfa_totp_step(-1, 30, &step), MFA_ERR_TIME_BEFORE_EPOCH);
	assert_int_equal(mfa_totp_step(INT64_MIN, 30, &step), MFA_ERR_TIME_BEFORE_EPOCH);
	assert_int_equal(mfa_totp_generate(otp, -1, 30, code), MFA_ERR_TIME_BEFORE_EPOCH);
	assert_int_equal(mfa_totp_verify(otp, "755224", -1, 30, 1, &step),
	    MFA_ERR_TIME_BEFORE_EPOCH);

	mfa_otp_free(&otp);
}

static void
totp_period_zero(void **state)
{
	mfa_otp_t *otp = otp_new(state, MFA_OTP_SHA1, SEED_SHA1, 6);
	char code[MFA_OTP_CODE_SIZE];
	uint64_t step = 0;

	assert_int_equal(mfa_totp_step(59, 0, &step), MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_totp_generate(otp, 59, 0, code), MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_totp_verify(otp, "755224", 59, 0, 1, &step),
	    MFA_ERR_INVALID_ARGUMENT);

	mfa_otp_free(&otp);
}

static void
totp_step_values(void **state)
{
	uint64_t step = 0;

	(void)state;

	assert_int_equal(mfa_totp_step(0, 30, &step), MFA_OK);
	assert_int_equal(step, 0);
	assert_int_equal(mfa_totp_step(29, 30, &step), MFA_OK);
	assert_int_equal(step, 0);
	assert_int_equal(mfa_totp_step(30, 30, &step), MFA_OK);
	assert_int_equal(step, 1);
	assert_int_equal(mfa_totp_step(INT64_C(20000000000), 30, &step), MFA_OK);
	assert_int_equal(step, UINT64_C(666666666));
	assert_int_equal(mfa_totp_step(INT64_MAX, 1, &step), MFA_OK);
	assert_int_equal(step, (uint64_t)INT64_MAX);
	assert_int_equal(mfa_totp_step(0, 30, NULL), MFA_ERR_INVALID_ARGUMENT);
}

/* The window's top step must not wrap at the largest time. */
static void
totp_verify_at_max_time(void **state)
{
	mfa_otp_t *otp = otp_new(state, MFA_OTP_SHA1, SEED_SHA1, 6);
	char code[MFA_OTP_CODE_SIZE];
	uint64_t step = 0;

	assert_int_equal(mfa_totp_generate(otp, INT64_MAX, 1, code), MFA_OK);
	assert_int_equal(mfa_totp_verify(otp, code, INT64_MAX, 1, MFA_TOTP_WINDOW_MAX, &step),
	    MFA_OK);
	assert_true(step >= (uint64_t)INT64_MAX);

	mfa_otp_free(&otp);
}

static void
totp_verify_window_limit(void **state)
{
	mfa_otp_t *otp = otp_new(state, MFA_OTP_SHA1, SEED_SHA1, 6);
	uint64_t step = 0;

	assert_int_equal(mfa_totp_verify(otp, "755224", 0, 30, MFA_TOTP_WINDOW_MAX, &step), MFA_OK);
	assert_int_equal(mfa_totp_verify(otp, "755224", 0, 30, MFA_TOTP_WINDOW_MAX + 1, &step),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_totp_verify(otp, NULL, 0, 30, 1, &step), MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_totp_verify(otp, "755224", 0, 30, 1, NULL), MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_totp_verify(NULL, "755224", 0, 30, 1, &step),
	    MFA_ERR_INVALID_ARGUMENT);

	mfa_otp_free(&otp);
}

static void
otp_new_rejects_bad_arguments(void **state)
{
	struct fixture *f = *state;
	const uint8_t key[MFA_OTP_KEY_MAX + 1] = { 1 };
	mfa_otp_t *otp = NULL;

	assert_int_equal(mfa_otp_new(f->ctx, MFA_OTP_SHA1, key, 20, 5, &otp),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_otp_new(f->ctx, MFA_OTP_SHA1, key, 20, 9, &otp),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_otp_new(f->ctx, MFA_OTP_SHA1, key, 0, 6, &otp),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_otp_new(f->ctx, MFA_OTP_SHA1, key, MFA_OTP_KEY_MAX + 1, 6, &otp),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_otp_new(f->ctx, MFA_OTP_SHA1, NULL, 20, 6, &otp),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_otp_new(NULL, MFA_OTP_SHA1, key, 20, 6, &otp),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_otp_new(f->ctx, MFA_OTP_SHA1, key, 20, 6, NULL),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_otp_new(f->ctx, (mfa_otp_alg_t)3, key, 20, 6, &otp),
	    MFA_ERR_UNSUPPORTED);
	assert_null(otp);

	/* The longest key is accepted. */
	assert_int_equal(mfa_otp_new(f->ctx, MFA_OTP_SHA512, key, MFA_OTP_KEY_MAX, 8, &otp),
	    MFA_OK);
	mfa_otp_free(&otp);
	assert_null(otp);
}

static void
otp_free_accepts_null(void **state)
{
	mfa_otp_t *otp = NULL;
	mfa_ctx_t *ctx = NULL;

	(void)state;

	mfa_otp_free(NULL);
	mfa_otp_free(&otp);
	mfa_ctx_free(NULL);
	mfa_ctx_free(&ctx);
	assert_int_equal(mfa_otp_digits(NULL), 0);
	assert_int_equal(mfa_ctx_new(NULL), MFA_ERR_INVALID_ARGUMENT);
}

static void
otp_alg_names(void **state)
{
	static const struct {
		const char *name;
		mfa_otp_alg_t alg;
	} good[] = {
		{ "SHA1", MFA_OTP_SHA1 }, { "sha1", MFA_OTP_SHA1 }, { "SHA-1", MFA_OTP_SHA1 },
		{ "SHA256", MFA_OTP_SHA256 }, { "sha-256", MFA_OTP_SHA256 },
		{ "Sha512", MFA_OTP_SHA512 }, { "SHA-512", MFA_OTP_SHA512 },
	};
	static const char *const bad[] = {
		"", "SHA", "SHA-", "SHA--1", "SHA3", "SHA384", "MD5", "SHA1 ", "SHA_256", "1",
	};
	mfa_otp_alg_t alg = MFA_OTP_SHA1;

	(void)state;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(mfa_otp_alg_parse(good[i].name, &alg), MFA_OK);
		assert_int_equal(alg, good[i].alg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mfa_otp_alg_parse(bad[i], &alg), MFA_ERR_UNSUPPORTED);

	assert_string_equal(mfa_otp_alg_name(MFA_OTP_SHA1), "SHA1");
	assert_string_equal(mfa_otp_alg_name(MFA_OTP_SHA256), "SHA256");
	assert_string_equal(mfa_otp_alg_name(MFA_OTP_SHA512), "SHA512");
	assert_null(mfa_otp_alg_name((mfa_otp_alg_t)3));
	assert_null(mfa_otp_alg_name((mfa_otp_alg_t)-1));
}

static void
otp_secret_generate_random(void **state)
{
	uint8_t a[MFA_OTP_SECRET_LEN], b[MFA_OTP_SECRET_LEN];

	(void)state;

	assert_int_equal(mfa_otp_secret_generate(a), MFA_OK);
	assert_int_equal(mfa_otp_secret_generate(b), MFA_OK);
	assert_memory_not_equal(a, b, sizeof(a));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hotp_rfc4226_vectors),
		cmocka_unit_test(totp_rfc6238_sha1),
		cmocka_unit_test(totp_rfc6238_sha256),
		cmocka_unit_test(totp_rfc6238_sha512),
		cmocka_unit_test(totp_keys_around_block_size),
		cmocka_unit_test(totp_fewer_digits_truncate),
		cmocka_unit_test(totp_verify_window),
		cmocka_unit_test(totp_verify_window_at_epoch),
		cmocka_unit_test(totp_verify_returns_latest_step),
		cmocka_unit_test(totp_verify_malformed_codes),
		cmocka_unit_test(totp_time_before_epoch),
		cmocka_unit_test(totp_period_zero),
		cmocka_unit_test(totp_step_values),
		cmocka_unit_test(totp_verify_at_max_time),
		cmocka_unit_test(totp_verify_window_limit),
		cmocka_unit_test(otp_new_rejects_bad_arguments),
		cmocka_unit_test(otp_free_accepts_null),
		cmocka_unit_test(otp_alg_names),
		cmocka_unit_test(otp_secret_generate_random),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
