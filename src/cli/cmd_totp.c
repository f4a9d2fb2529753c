/* SPDX-License-Identifier: MIT */
/* "mfactl totp": print the code or URI an authenticator app would hold. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mfa/base32.h>
#include <mfa/err.h>
#include <mfa/otp.h>
#include <mfa/otpauth.h>

#include "cli/cli.h"

struct totp_opts {
	const char *secret;
	const char *account;
	const char *issuer;
	long long time;   /* Unix seconds */
	unsigned digits;
	unsigned period;  /* seconds */
	mfa_otp_alg_t alg;
};

static int
totp_number(const char *opt, const char *value, long long min, long long max, long long *ret)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "mfactl: %s must be an integer from %lld to %lld\n", opt, min, max);
		return -1;
	}
	*ret = v;
	return 0;
}

static int
totp_option(struct totp_opts *o, const char *opt, const char *value)
{
	long long v;

	if (strcmp(opt, "--secret") == 0)
		o->secret = value;
	else if (strcmp(opt, "--account") == 0)
		o->account = value;
	else if (strcmp(opt, "--issuer") == 0)
		o->issuer = value;
	else if (strcmp(opt, "--time") == 0) {
		if (totp_number(opt, value, -(1LL << 62), 1LL << 62, &o->time) != 0)
			return -1;
	} else if (strcmp(opt, "--digits") == 0) {
		if (totp_number(opt, value, MFA_OTP_DIGITS_MIN, MFA_OTP_DIGITS_MAX, &v) != 0)
			return -1;
		o->digits = (unsigned)v;
	} else if (strcmp(opt, "--period") == 0) {
		if (totp_number(opt, value, 1, 86400, &v) != 0)
			return -1;
		o->period = (unsigned)v;
	} else if (strcmp(opt, "--algorithm") == 0) {
		if (mfa_otp_alg_parse(value, &o->alg) != MFA_OK) {
			fprintf(stderr, "mfactl: --algorithm must be SHA1, SHA256 or SHA512\n");
			return -1;
		}
	} else {
		fprintf(stderr, "mfactl: unknown option %s for totp\n", opt);
		return -1;
	}
	return 0;
}

static int
totp_parse(int argc, char **argv, struct totp_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->time = (long long)time(NULL);
	o->digits = 6;
	o->period = MFA_TOTP_PERIOD_DEFAULT;
	o->alg = MFA_OTP_SHA1;

	for (int i = 2; i < argc; i += 2) {
		if (i + 1 >= argc) {
			fprintf(stderr, "mfactl: %s needs a value\n", argv[i]);
			return -1;
		}
		if (totp_option(o, argv[i], argv[i + 1]) != 0)
			return -1;
	}
	if (o->secret == NULL) {
		fprintf(stderr, "mfactl: --secret BASE32 is required\n");
		return -1;
	}
	return 0;
}

static int
totp_decode_secret(const char *b32, uint8_t *key, size_t size, size_t *ret_len)
{
	size_t bad = 0;
	int r = mfa_base32_decode(b32, strlen(b32), key, size, ret_len, &bad);

	if (r == MFA_ERR_BAD_ENCODING) {
		fprintf(stderr, "mfactl: --secret is not valid base32: bad character or length at "
		    "position %zu\n", bad);
		return -1;
	}
	if (r != MFA_OK || *ret_len == 0) {
		fprintf(stderr, "mfactl: --secret must decode to 1 to %d bytes\n", MFA_OTP_KEY_MAX);
		return -1;
	}
	return 0;
}

static int
totp_code(const struct totp_opts *o)
{
	uint8_t key[MFA_OTP_KEY_MAX];
	char code[MFA_OTP_CODE_SIZE];
	mfa_ctx_t *ctx = NULL;
	mfa_otp_t *otp = NULL;
	size_t len = 0;
	int r = CLI_FAILED;

	if (totp_decode_secret(o->secret, key, sizeof(key), &len) != 0) {
		r = CLI_USAGE;
		goto out;
	}
	if (mfa_ctx_new(&ctx) != MFA_OK || mfa_otp_new(ctx, o->alg, key, len, o->digits,
	    &otp) != MFA_OK) {
		fprintf(stderr, "mfactl: cannot set up HMAC (OpenSSL)\n");
		goto out;
	}
	if (mfa_totp_generate(otp, (int64_t)o->time, o->period, code) != MFA_OK) {
		fprintf(stderr, "mfactl: --time must not be before 1970-01-01T00:00:00Z\n");
		r = CLI_USAGE;
		goto out;
	}
	printf("%s\n", code);
	r = CLI_OK;
out:
	mfa_otp_free(&otp);
	mfa_ctx_free(&ctx);
	mfa_memzero(key, sizeof(key));
	mfa_memzero(code, sizeof(code));
	return r;
}

static int
totp_uri(const struct totp_opts *o)
{
	uint8_t key[MFA_OTP_KEY_MAX];
	mfa_otpauth_t k = { 0 };
	char *uri = NULL;
	size_t len = 0;
	int r;

	if (o->account == NULL) {
		fprintf(stderr, "mfactl: --account NAME is required\n");
		return CLI_USAGE;
	}
	if (totp_decode_secret(o->secret, key, sizeof(key), &len) != 0)
		return CLI_USAGE;
	k.issuer = o->issuer;
	k.account = o->account;
	k.secret = key;
	k.secret_len = len;
	k.alg = o->alg;
	k.digits = o->digits;
	k.period = o->period;
	r = mfa_otpauth_format(&k, &uri);
	mfa_memzero(key, sizeof(key));
	if (r != MFA_OK) {
		fprintf(stderr, "mfactl: cannot format the URI: %s\n", mfa_strerror(r));
		return CLI_FAILED;
	}
	printf("%s\n", uri);
	mfa_free_secret_str(uri);
	return CLI_OK;
}

int
cmd_totp(int argc, char **argv)
{
	struct totp_opts o;

	if (argc < 2 || (strcmp(argv[1], "code") != 0 && strcmp(argv[1], "uri") != 0)) {
		fprintf(stderr, "mfactl: usage: mfactl totp code|uri --secret BASE32 ...\n");
		return CLI_USAGE;
	}
	if (totp_parse(argc, argv, &o) != 0)
		return CLI_USAGE;
	return strcmp(argv[1], "code") == 0 ? totp_code(&o) : totp_uri(&o);
}
