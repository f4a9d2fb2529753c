/* SPDX-License-Identifier: MIT */
/*
 * WebAuthn assertion verification: libmfa's mfa_webauthn_assertion_verify
 * (parse authenticator data and clientDataJSON, check them, verify) with a
 * parsed COSE key kept, against OpenSSL's signature check alone with a
 * cached EVP_PKEY over the same signed bytes. ES256, EdDSA and RS256.
 *
 * bench_webauthn            runs libmfa and raw OpenSSL alternately in rounds.
 * bench_webauthn --serve F  writes an ES256 assertion to F as JSON for
 *                           bench/node/swa.mjs, then reads iteration counts from
 *                           stdin and prints libmfa's ns/op for each, so that
 *                           bench.py can alternate it with SimpleWebAuthn.
 */
#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

#include <mfa/cose.h>
#include <mfa/err.h>
#include <mfa/webauthn.h>

#include "bench_util.h"
#include "softauthn.h"

#define RP_ID "localhost"
#define ORIGIN "http://localhost:8080"

static const uint8_t challenge[32] = "bench-challenge-0123456789abcdef";
static const char *const origins[] = { ORIGIN };

struct fixture {
	int alg;
	const char *name;
	softauthn_key_t *key;
	softauthn_buf_t cose;
	mfa_cose_key_t *cose_key;
	softauthn_assert_out_t as;
	uint8_t *signed_msg;      /* authData || SHA-256(clientDataJSON) */
	size_t signed_len;
	EVP_MD_CTX *md_ctx;
	mfa_webauthn_assertion_options_t opts;
};

static void
fixture_init(struct fixture *f, int alg, const char *name)
{
	softauthn_assert_t a;
	uint8_t cd_hash[SOFTAUTHN_HASH_LEN];

	memset(f, 0, sizeof(*f));
	f->alg = alg;
	f->name = name;
	f->key = softauthn_key_new(alg);
	softauthn_key_cose(f->key, NULL, &f->cose);
	if (mfa_cose_key_parse(f->cose.data, f->cose.len, &f->cose_key) != MFA_OK) {
		fprintf(stderr, "bench_webauthn: COSE key of alg %d not parsed\n", alg);
		exit(1);
	}
	softauthn_assert_init(&a, f->key, RP_ID, ORIGIN, challenge, sizeof(challenge));
	softauthn_assert_build(&a, &f->as);

	f->signed_len = f->as.auth_data.len + sizeof(cd_hash);
	f->signed_msg = malloc(f->signed_len);
	f->md_ctx = EVP_MD_CTX_new();
	if (f->signed_msg == NULL || f->md_ctx == NULL)
		exit(1);
	softauthn_sha256(f->as.client_data_json.data, f->as.client_data_json.len, cd_hash);
	memcpy(f->signed_msg, f->as.auth_data.data, f->as.auth_data.len);
	memcpy(f->signed_msg + f->as.auth_data.len, cd_hash, sizeof(cd_hash));

	f->opts.ceremony.challenge = challenge;
	f->opts.ceremony.challenge_len = sizeof(challenge);
	f->opts.ceremony.rp_id = RP_ID;
	f->opts.ceremony.origins = origins;
	f->opts.ceremony.origins_count = 1;
	f->opts.key = f->cose_key;
	f->opts.stored_sign_count = 0;
}

static void
fixture_free(struct fixture *f)
{
	EVP_MD_CTX_free(f->md_ctx);
	free(f->signed_msg);
	softauthn_assert_out_free(&f->as);
	mfa_cose_key_free(&f->cose_key);
	softauthn_buf_free(&f->cose);
	softauthn_key_free(f->key);
}

static int
verify_libmfa(struct fixture *f)
{
	mfa_webauthn_assertion_result_t res;

	return mfa_webauthn_assertion_verify(&f->opts, f->as.client_data_json.data,
	    f->as.client_data_json.len, f->as.auth_data.data, f->as.auth_data.len,
	    f->as.sig.data, f->as.sig.len, &res);
}

/* The floor: OpenSSL's one-shot verify with the cached key, SHA-256 where the alg has one. */
static int
verify_raw(struct fixture *f)
{
	const EVP_MD *md = f->alg == MFA_COSE_EDDSA ? NULL : EVP_sha256();

	if (EVP_MD_CTX_reset(f->md_ctx) != 1 ||
	    EVP_DigestVerifyInit(f->md_ctx, NULL, md, NULL, softauthn_key_pkey(f->key)) != 1)
		return -1;
	return EVP_DigestVerify(f->md_ctx, f->as.sig.data, f->as.sig.len, f->signed_msg,
	    f->signed_len) == 1 ? MFA_OK : -1;
}

static double
time_side(struct fixture *f, bool raw, long iters)
{
	double t0 = bench_now_ns();

	for (long i = 0; i < iters; i++) {
		int r = raw ? verify_raw(f) : verify_libmfa(f);

		if (r != MFA_OK) {
			fprintf(stderr, "bench_webauthn: %s %s verification failed: %d\n", f->name,
			    raw ? "raw" : "libmfa", r);
			exit(1);
		}
	}
	return (bench_now_ns() - t0) / (double)iters;
}

static void
run_alg(int alg, const char *name, long rounds, long iters)
{
	static double lib[BENCH_ROUNDS_MAX], raw[BENCH_ROUNDS_MAX];
	char bench[64];
	struct fixture f;

	fixture_init(&f, alg, name);
	(void)time_side(&f, false, iters / 10 + 1);
	(void)time_side(&f, true, iters / 10 + 1);
	for (long r = 0; r < rounds; r++) {
		lib[r] = time_side(&f, false, iters);
		raw[r] = time_side(&f, true, iters);
	}
	snprintf(bench, sizeof(bench), "webauthn_%s", name);
	bench_report(bench, "libmfa", "ns/op", lib, (size_t)rounds);
	bench_report(bench, "raw-openssl", "ns/op", raw, (size_t)rounds);
	fixture_free(&f);
}

static void
write_b64(FILE *out, const char *name, const uint8_t *data, size_t len, bool last)
{
	char text[4096];

	if (mfa_base64url_encode(data, len, 0, text, sizeof(text)) != MFA_OK)
		exit(1);
	fprintf(out, "  \"%s\": \"%s\"%s\n", name, text, last ? "" : ",");
}

/* Write the ES256 fixture for the Node side, then time batches that stdin asks for. */
static int
serve(const char *path)
{
	static const uint8_t cred_id[16] = "bench-credential";
	struct fixture f;
	char line[64];
	FILE *out;

	fixture_init(&f, MFA_COSE_ES256, "es256");
	out = fopen(path, "w");
	if (out == NULL) {
		perror(path);
		return 1;
	}
	fprintf(out, "{\n  \"rpId\": \"%s\",\n  \"origin\": \"%s\",\n", RP_ID, ORIGIN);
	write_b64(out, "credentialId", cred_id, sizeof(cred_id), false);
	write_b64(out, "challenge", challenge, sizeof(challenge), false);
	write_b64(out, "publicKey", f.cose.data, f.cose.len, false);
	write_b64(out, "clientDataJSON", f.as.client_data_json.data, f.as.client_data_json.len,
	    false);
	write_b64(out, "authenticatorData", f.as.auth_data.data, f.as.auth_data.len, false);
	write_b64(out, "signature", f.as.sig.data, f.as.sig.len, true);
	fprintf(out, "}\n");
	if (fclose(out) != 0)
		return 1;

	(void)time_side(&f, false, 500);
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		long iters = strtol(line, NULL, 10);

		if (iters <= 0)
			break;
		printf("%.6g\n", time_side(&f, false, iters));
		fflush(stdout);
	}
	fixture_free(&f);
	return 0;
}

int
main(int argc, char **argv)
{
	long rounds = bench_env_long("BENCH_ROUNDS", 15);
	long iters = bench_env_long("BENCH_ITERS", 2000);

	if (argc == 3 && strcmp(argv[1], "--serve") == 0)
		return serve(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: bench_webauthn [--serve FIXTURE.json]\n");
		return 2;
	}
	if (rounds > BENCH_ROUNDS_MAX)
		rounds = BENCH_ROUNDS_MAX;
	run_alg(MFA_COSE_ES256, "es256", rounds, iters);
	run_alg(MFA_COSE_EDDSA, "eddsa", rounds, iters);
	/* RSA verification is cheap (e = 65537), so it runs more calls per round. */
	run_alg(MFA_COSE_RS256, "rs256", rounds, iters * 2);
	return 0;
}
