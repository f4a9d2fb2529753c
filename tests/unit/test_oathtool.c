/* SPDX-License-Identifier: MIT */
/* HOTP and TOTP codes compared with those of oathtool (OATH Toolkit), run at test time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include <mfa/mfa.h>

#define COMMAND_MAX 1024 /* bytes of one oathtool command line */

struct fixture {
	mfa_ctx_t *ctx;
};

/* Keys of several lengths, as hex so that oathtool and the test need no base32. */
static const char *const keys_hex[] = {
	"48656c6c6f21deadbeef",
	"3132333435363738393031323334353637383930",
	"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	 "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"),
	"ff",
};

static const int64_t times[] = {
	0, 59, 1111111109, 1767225600, 4102444800, INT64_C(20000000000),
};

static const unsigned periods[] = { 30, 60, 15 };

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
	return 0;
}

static size_t
hex_decode(const char *hex, uint8_t *out, size_t out_size)
{
	size_t n = strlen(hex) / 2;

	assert_true(n <= out_size);
	for (size_t i = 0; i < n; i++) {
		unsigned byte = 0;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
		out[i] = (uint8_t)byte;
	}
	return n;
}

/*
 * Run an oathtool command and store its one line of output. A missing
 * oathtool fails the test: the comparison is the point of this file.
 */
static void
run_oathtool(const char *args, char *out, size_t out_size)
{
	char command[COMMAND_MAX];
	FILE *fp;
	int status;
	size_t len;

	assert_true((size_t)snprintf(command, sizeof(command), "oathtool %s 2>&1", args) <
	    sizeof(command));

	fp = popen(command, "r");
	assert_non_null(fp);
	if (fgets(out, (int)out_size, fp) == NULL)
		out[0] = '\0';
	status = pclose(fp);
	if (status != 0 || out[0] == '\0')
		fail_msg("command failed (is oathtool installed?): %s: %s", command, out);

	len = strcspn(out, "\n");
	out[len] = '\0';
}

static mfa_otp_t *
otp_from_hex(void **state, mfa_otp_alg_t alg, const char *key_hex, unsigned digits)
{
	struct fixture *f = *state;
	uint8_t key[MFA_OTP_KEY_MAX];
	size_t key_len = hex_decode(key_hex, key, sizeof(key));
	mfa_otp_t *otp = NULL;

	assert_int_equal(mfa_otp_new(f->ctx, alg, key, key_len, digits, &otp), MFA_OK);
	return otp;
}

static void
hotp_matches_oathtool(void **state)
{
	static const uint64_t counters[] = { 0, 1, 9, 1000000, UINT64_C(4294967296) };

	for (size_t k = 0; k < sizeof(keys_hex) / sizeof(keys_hex[0]); k++) {
		for (unsigned digits = MFA_OTP_DIGITS_MIN; digits <= MFA_OTP_DIGITS_MAX; digits++) {
			mfa_otp_t *otp = otp_from_hex(state, MFA_OTP_SHA1, keys_hex[k], digits);

			for (size_t c = 0; c < sizeof(counters) / sizeof(counters[0]); c++) {
				char args[COMMAND_MAX], expected[64], code[MFA_OTP_CODE_SIZE];

				snprintf(args, sizeof(args), "--hotp -d %u -c %llu %s", digits,
				    (unsigned long long)counters[c], keys_hex[k]);
				run_oathtool(args, expected, sizeof(expected));

				assert_int_equal(mfa_hotp_generate(otp, counters[c], code), MFA_OK);
				assert_string_equal(code, expected);
			}
			mfa_otp_free(&otp);
		}
	}
}

static void
check_totp(void **state, mfa_otp_alg_t alg, const char *key_hex, unsigned digits,
    unsigned period, int64_t now)
{
	mfa_otp_t *otp = otp_from_hex(state, alg, key_hex, digits);
	char args[COMMAND_MAX], expected[64], code[MFA_OTP_CODE_SIZE];
	uint64_t step = 0;

	snprintf(args, sizeof(args), "--totp=%s -d %u -s %us --now @%lld %s",
	    mfa_otp_alg_name(alg), digits, period, (long long)now, key_hex);
	run_oathtool(args, expected, sizeof(expected));

	assert_int_equal(mfa_totp_generate(otp, now, period, code), MFA_OK);
	if (strcmp(code, expected) != 0)
		fail_msg("oathtool %s: expected %s, libmfa made %s", args, expected, code);

	assert_int_equal(mfa_totp_verify(otp, expected, now, period, 0, &step), MFA_OK);
	assert_int_equal(step, (uint64_t)now / period);

	mfa_otp_free(&otp);
}

static void
totp_matches_oathtool(void **state)
{
	static const mfa_otp_alg_t algs[] = { MFA_OTP_SHA1, MFA_OTP_SHA256, MFA_OTP_SHA512 };

	for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		for (size_t k = 0; k < sizeof(keys_hex) / sizeof(keys_hex[0]); k++) {
			for (size_t t = 0; t < sizeof(times) / sizeof(times[0]); t++) {
				unsigned digits = MFA_OTP_DIGITS_MIN + (unsigned)((k + t) % 3);
				unsigned period = periods[(a + t) % 3];

				check_totp(state, algs[a], keys_hex[k], digits, period, times[t]);
			}
		}
	}
}

/* oathtool's codes for the previous and next step pass with window 1, two steps away fail. */
static void
totp_window_matches_oathtool(void **state)
{
	static const struct {
		int64_t offset; /* seconds from now */
		int accepted;
	} cases[] = {
		{ -60, 0 }, { -30, 1 }, { 0, 1 }, { 30, 1 }, { 60, 0 },
	};
	const int64_t now = 1767225600; /* 2026-01-01T00:00:00Z, a step boundary */
	mfa_otp_t *otp = otp_from_hex(state, MFA_OTP_SHA256, keys_hex[2], 6);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char args[COMMAND_MAX], expected[64];
		uint64_t step = 0;
		int r;

		snprintf(args, sizeof(args), "--totp=SHA256 -d 6 --now @%lld %s",
		    (long long)(now + cases[i].offset), keys_hex[2]);
		run_oathtool(args, expected, sizeof(expected));

		r = mfa_totp_verify(otp, expected, now, 30, 1, &step);
		if (cases[i].accepted) {
			assert_int_equal(r, MFA_OK);
			assert_int_equal(step, (uint64_t)(now + cases[i].offset) / 30);
		} else {
			assert_int_equal(r, MFA_ERR_VERIFY_FAILED);
		}
	}

	mfa_otp_free(&otp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hotp_matches_oathtool),
		cmocka_unit_test(totp_matches_oathtool),
		cmocka_unit_test(totp_window_matches_oathtool),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
