/* SPDX-License-Identifier: MIT */
/*
 * Writes benchmark users straight into a stopped mfad's SQLite database,
 * because creating them through the API costs an Argon2id hash each. Each
 * user "benchN" gets a login profile with one Argon2id hash of
 * BENCH_PASSWORD, made once by crypto_pwhash_str with mfad's parameters and
 * shared by all. Each also gets a bound virtual MFA device whose seed is
 * sealed with the data folder's master key, as src/server/vmfa.c seals it. With --challenges R,
 * each user also gets R logon challenges (what a passed password step
 * stores), and the tokens with the TOTP code for round r's time go to
 * OUT.r, one "token code" line per challenge.
 *
 * usage: bench_prep DATA_DIR ALIAS FIRST COUNT [--challenges R T0 SPACING OUT]
 *   FIRST, COUNT  users benchFIRST to bench(FIRST+COUNT-1)
 *   T0, SPACING   Unix seconds of round 0's codes and seconds between rounds
 */
#include <stdint.h>

#include <sodium.h>
#include <sqlite3.h>

#include <mfa/err.h>
#include <mfa/otp.h>

#include "server/seal.h"
#include "server/session.h"
#include "bench_util.h"

#define BENCH_PASSWORD "bench password 1"
#define CHALLENGE_LIFE 100000000 /* seconds: the rounds may move the server clock far */
#define ROUNDS_MAX 64

struct prep {
	sqlite3 *db;
	struct seal *seal;
	mfa_ctx_t *mfa;
	int64_t account_id;
	const char *alias;
	char pw_hash[crypto_pwhash_STRBYTES];
	sqlite3_stmt *user, *profile, *device, *challenge;
	long rounds;
	int64_t t0, spacing;
	FILE *out[ROUNDS_MAX];
};

static int
fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "bench_prep: %s: %s\n", what, sqlite3_errmsg(db));
	return -1;
}

static int
step_done(struct prep *p, sqlite3_stmt *st, const char *what)
{
	int r = sqlite3_step(st);

	sqlite3_reset(st);
	return r == SQLITE_DONE ? 0 : fail(p->db, what);
}

/* The seed of user index i: 20 bytes that bench.py can recompute. */
static void
bench_seed(long i, uint8_t seed[MFA_OTP_SECRET_LEN])
{
	char text[32];

	/* 11 + 9 characters: exactly MFA_OTP_SECRET_LEN bytes for i below 10^9. */
	snprintf(text, sizeof(text), "bench-seed-%09ld", i);
	memcpy(seed, text, MFA_OTP_SECRET_LEN);
}

/* Store the challenges of one user and write their tokens and codes. */
static int
add_challenges(struct prep *p, int64_t user_id, const uint8_t seed[MFA_OTP_SECRET_LEN],
    int64_t now)
{
	mfa_otp_t *otp = NULL;
	int r = -1;

	if (mfa_otp_new(p->mfa, MFA_OTP_SHA1, seed, MFA_OTP_SECRET_LEN, 6, &otp) != MFA_OK)
		return -1;
	for (long k = 0; k < p->rounds; k++) {
		char token[TOKEN_TEXT_SIZE], code[MFA_OTP_CODE_SIZE];
		uint8_t hash[STORE_TOKEN_HASH_LEN];

		if (token_generate(token) != 0 || token_hash(token, hash) != 0 ||
		    mfa_totp_generate(otp, p->t0 + k * p->spacing, 30, code) != MFA_OK)
			goto out;
		sqlite3_bind_blob(p->challenge, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
		sqlite3_bind_int64(p->challenge, 2, user_id);
		sqlite3_bind_int64(p->challenge, 3, now);
		sqlite3_bind_int64(p->challenge, 4, now + CHALLENGE_LIFE);
		if (step_done(p, p->challenge, "insert challenge") != 0)
			goto out;
		fprintf(p->out[k], "%s %s\n", token, code);
	}
	r = 0;
out:
	mfa_otp_free(&otp);
	return r;
}

static int
add_user(struct prep *p, long i, int64_t now)
{
	char name[32], serial[128];
	uint8_t seed[MFA_OTP_SECRET_LEN], aad[16], sealed[MFA_OTP_SECRET_LEN + SEAL_OVERHEAD];
	size_t sealed_len = 0;
	int64_t id;

	snprintf(name, sizeof(name), "bench%ld", i);
	sqlite3_bind_int64(p->user, 1, p->account_id);
	sqlite3_bind_text(p->user, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(p->user, 3, now);
	if (step_done(p, p->user, "insert user") != 0)
		return -1;
	id = sqlite3_last_insert_rowid(p->db);

	sqlite3_bind_int64(p->profile, 1, id);
	sqlite3_bind_text(p->profile, 2, p->pw_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(p->profile, 3, now);
	if (step_done(p, p->profile, "insert login profile") != 0)
		return -1;

	/* The same additional data as vmfa_aad(): "mfad-vmf" and the big-endian user id. */
	memcpy(aad, "mfad-vmfa", 8);
	for (int k = 0; k < 8; k++)
		aad[8 + k] = (uint8_t)((uint64_t)id >> (56 - 8 * k));
	bench_seed(i, seed);
	if (seal_encrypt(p->seal, aad, sizeof(aad), seed, sizeof(seed), sealed, sizeof(sealed),
	    &sealed_len) != 0)
		return -1;
	snprintf(serial, sizeof(serial), "acs:ram::%s:mfa/%s-%lld", p->alias, name, (long long)id);
	sqlite3_bind_int64(p->device, 1, id);
	sqlite3_bind_text(p->device, 2, serial, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(p->device, 3, sealed, (int)sealed_len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(p->device, 4, now);
	if (step_done(p, p->device, "insert device") != 0)
		return -1;
	return p->rounds > 0 ? add_challenges(p, id, seed, now) : 0;
}

static int
prepare(struct prep *p)
{
	static const char *const sql[4] = {
		"INSERT INTO users (account_id, name, display_name, is_owner, created, updated) "
		"VALUES (?1, ?2, '', 0, ?3, ?3)",
		"INSERT INTO login_profiles (user_id, password_hash, reset_required, "
		"mfa_bind_required, password_changed, created, updated) VALUES (?1, ?2, 0, 0, ?3, ?3, ?3)",
		"INSERT INTO mfa_devices (user_id, serial, secret_enc, algorithm, digits, period, bound, "
		"last_step, created, bound_at) VALUES (?1, ?2, ?3, 0, 6, 30, 1, -1, ?4, ?4)",
		"INSERT INTO challenges (id_hash, user_id, kind, attempts, created, expires) "
		"VALUES (?1, ?2, 0, 0, ?3, ?4)",
	};
	sqlite3_stmt **st[4] = { &p->user, &p->profile, &p->device, &p->challenge };
	sqlite3_stmt *acct = NULL;

	for (int k = 0; k < 4; k++)
		if (sqlite3_prepare_v2(p->db, sql[k], -1, st[k], NULL) != SQLITE_OK)
			return fail(p->db, "prepare");
	if (sqlite3_prepare_v2(p->db, "SELECT id FROM accounts WHERE alias = ?1", -1, &acct,
	    NULL) != SQLITE_OK)
		return fail(p->db, "prepare");
	sqlite3_bind_text(acct, 1, p->alias, -1, SQLITE_STATIC);
	if (sqlite3_step(acct) != SQLITE_ROW) {
		sqlite3_finalize(acct);
		fprintf(stderr, "bench_prep: no account %s\n", p->alias);
		return -1;
	}
	p->account_id = sqlite3_column_int64(acct, 0);
	sqlite3_finalize(acct);
	return 0;
}

static int
open_outputs(struct prep *p, const char *base)
{
	for (long k = 0; k < p->rounds; k++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s.%ld", base, k);
		p->out[k] = fopen(path, "w");
		if (p->out[k] == NULL) {
			perror(path);
			return -1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct prep p;
	char path[4096], err[256];
	long first, count;
	int64_t now = (int64_t)time(NULL);
	int r = 1;

	memset(&p, 0, sizeof(p));
	if (argc != 5 && argc != 10) {
		fprintf(stderr, "usage: bench_prep DATA_DIR ALIAS FIRST COUNT "
		    "[--challenges ROUNDS T0 SPACING OUT]\n");
		return 2;
	}
	p.alias = argv[2];
	first = strtol(argv[3], NULL, 10);
	count = strtol(argv[4], NULL, 10);
	if (argc == 10) {
		p.rounds = strtol(argv[6], NULL, 10);
		p.t0 = strtoll(argv[7], NULL, 10);
		p.spacing = strtoll(argv[8], NULL, 10);
		if (strcmp(argv[5], "--challenges") != 0 || p.rounds < 1 || p.rounds > ROUNDS_MAX ||
		    open_outputs(&p, argv[9]) != 0)
			return 2;
	}
	if (sodium_init() < 0 || mfa_ctx_new(&p.mfa) != MFA_OK)
		return 1;
	snprintf(path, sizeof(path), "%s/master.key", argv[1]);
	if (seal_load(path, 0, &p.seal, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_prep: %s: %s\n", path, err);
		return 1;
	}
	if (crypto_pwhash_str(p.pw_hash, BENCH_PASSWORD, strlen(BENCH_PASSWORD),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/mfad.db", argv[1]);
	if (sqlite3_open_v2(path, &p.db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(p.db, "PRAGMA synchronous = OFF; BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    prepare(&p) != 0) {
		fail(p.db, path);
		goto out;
	}
	for (long i = first; i < first + count; i++)
		if (add_user(&p, i, now) != 0)
			goto out;
	if (sqlite3_exec(p.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fail(p.db, "commit");
		goto out;
	}
	r = 0;
out:
	for (long k = 0; k < p.rounds; k++)
		if (p.out[k] != NULL && fclose(p.out[k]) != 0)
			r = 1;
	sqlite3_finalize(p.user);
	sqlite3_finalize(p.profile);
	sqlite3_finalize(p.device);
	sqlite3_finalize(p.challenge);
	sqlite3_close(p.db);
	seal_free(&p.seal);
	mfa_ctx_free(&p.mfa);
	return r;
}
