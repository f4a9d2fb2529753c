/* SPDX-License-Identifier: MIT */
/* Passkey registration, management and assertion checks over libmfa's WebAuthn verifier. */
#include "server/audit.h"
#include "server/passkey.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mfa/common.h>
#include <mfa/cose.h>
#include <mfa/err.h>
#include <mfa/webauthn.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/notify.h"
#include "server/outbox.h"
#include "server/passkey_cred.h"
#include "server/seal.h"

#define PASSKEY_ORIGINS_MAX 16       /* allowed origins in webauthn.origins */
#define PASSKEY_TRUST_FILE_MAX (1024 * 1024) /* bytes of the trust anchors PEM file */

struct passkey_rp {
	char origin_buf[sizeof(((struct mfad_config *)0)->origins)];
	const char *origins[PASSKEY_ORIGINS_MAX];
	size_t origins_count;
	mfa_webauthn_trust_t *trust;
	EVP_MAC *hmac;                    /* fetched once */
	uint8_t handle_key[SEAL_KEY_LEN];
};

/* ---- Relying party ---- */

static int
rp_split_origins(struct passkey_rp *rp, const char *list, char *err, size_t err_size)
{
	char *save = NULL;

	snprintf(rp->origin_buf, sizeof(rp->origin_buf), "%s", list);
	for (char *tok = strtok_r(rp->origin_buf, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		if (rp->origins_count == PASSKEY_ORIGINS_MAX) {
			snprintf(err, err_size, "webauthn.origins lists more than %d origins",
			    PASSKEY_ORIGINS_MAX);
			return -1;
		}
		if (strncmp(tok, "https://", 8) != 0 && strncmp(tok, "http://", 7) != 0) { /* not secret */
			snprintf(err, err_size, "webauthn.origins: '%s' is not an http(s) origin", tok);
			return -1;
		}
		rp->origins[rp->origins_count++] = tok;
	}
	if (rp->origins_count == 0) {
		snprintf(err, err_size, "webauthn.origins is empty");
		return -1;
	}
	return 0;
}

static int
rp_load_trust(struct passkey_rp *rp, const char *path, char *err, size_t err_size)
{
	char *pem = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int r = -1;

	if (path[0] == '\0')
		return 0;
	f = fopen(path, "rb");
	pem = malloc(PASSKEY_TRUST_FILE_MAX);
	if (f == NULL || pem == NULL) {
		snprintf(err, err_size, "cannot read webauthn.trust_anchors %s: %s", path,
		    f == NULL ? strerror(errno) : "out of memory");
		goto out;
	}
	len = fread(pem, 1, PASSKEY_TRUST_FILE_MAX, f);
	if (ferror(f) || len == PASSKEY_TRUST_FILE_MAX) {
		snprintf(err, err_size, "cannot read webauthn.trust_anchors %s (or over 1 MiB)", path);
		goto out;
	}
	if (mfa_webauthn_trust_new(&rp->trust) != MFA_OK ||
	    mfa_webauthn_trust_add_pem(rp->trust, pem, len) != MFA_OK) {
		snprintf(err, err_size, "webauthn.trust_anchors %s holds no readable certificate",
		    path);
		goto out;
	}
	r = 0;
out:
	if (f != NULL)
		fclose(f);
	free(pem);
	return r;
}

int
passkey_rp_new(const struct mfad_config *cfg, const struct seal *seal, struct passkey_rp **ret,
    char *err, size_t err_size)
{
	struct passkey_rp *rp = calloc(1, sizeof(*rp));

	if (rp == NULL) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	if (rp_split_origins(rp, cfg->origins, err, err_size) != 0 ||
	    rp_load_trust(rp, cfg->trust_anchors, err, err_size) != 0)
		goto fail;
	rp->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (rp->hmac == NULL || seal_derive(seal, "mfad passkey user handle", rp->handle_key) != 0) {
		snprintf(err, err_size, "cannot set up HMAC for passkey user handles");
		goto fail;
	}
	*ret = rp;
	return 0;
fail:
	passkey_rp_free(&rp);
	return -1;
}

void
passkey_rp_free(struct passkey_rp **rp)
{
	if (rp == NULL || *rp == NULL)
		return;
	mfa_webauthn_trust_free(&(*rp)->trust);
	EVP_MAC_free((*rp)->hmac);
	mfa_memzero((*rp)->handle_key, sizeof((*rp)->handle_key));
	free(*rp);
	*rp = NULL;
}

int
passkey_user_handle(const struct passkey_rp *rp, int64_t user_id,
    uint8_t out[PASSKEY_USER_HANDLE_LEN])
{
	static char digest[] = "SHA256"; /* OSSL_PARAM takes a non-const pointer */
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(rp->hmac);
	uint8_t msg[8];
	size_t len = 0;
	int r = -1;

	for (int i = 0; i < 8; i++)
		msg[i] = (uint8_t)((uint64_t)user_id >> (56 - 8 * i));
	if (ctx != NULL && EVP_MAC_init(ctx, rp->handle_key, sizeof(rp->handle_key), params) == 1 &&
	    EVP_MAC_update(ctx, msg, sizeof(msg)) == 1 &&
	    EVP_MAC_final(ctx, out, &len, PASSKEY_USER_HANDLE_LEN) == 1 &&
	    len == PASSKEY_USER_HANDLE_LEN)
		r = 0;
	EVP_MAC_CTX_free(ctx);
	return r;
}

/* ---- Helpers ---- */

static const char *
passkey_alg_name(int alg)
{
	switch (alg) {
	case MFA_COSE_ES256:
		return "ES256";
	case MFA_COSE_EDDSA:
		return "EdDSA";
	case MFA_COSE_ES384:
		return "ES384";
	case MFA_COSE_ES512:
		return "ES512";
	case MFA_COSE_PS256:
		return "PS256";
	case MFA_COSE_RS256:
		return "RS256";
	default:
		return "unknown";
	}
}

/* "usb,internal" as a JSON array of strings. */
static json_t *
passkey_transports_json(const char *list)
{
	json_t *a = json_array();
	const char *p = list;

	while (a != NULL && *p != '\0') {
		size_t n = strcspn(p, ",");

		json_array_append_new(a, json_stringn(p, n));
		p += n;
		if (*p == ',')
			p++;
	}
	return a;
}

json_t *
passkey_json(const struct store_passkey *pk)
{
	char id[24];
	char aaguid[37];
	const uint8_t *g = pk->aaguid;

	snprintf(id, sizeof(id), "%lld", (long long)pk->id);
	snprintf(aaguid, sizeof(aaguid),
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[0], g[1], g[2],
	    g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:o, s:b, s:b, s:I, s:I}", "PasskeyId", id,
	    "Name", pk->name, "CredentialId", passkey_b64_json(pk->credential_id,
	    pk->credential_id_len), "Algorithm", passkey_alg_name(pk->algorithm), "AAGUID", aaguid,
	    "Transports", passkey_transports_json(pk->transports), "BackupEligible",
	    pk->backup_eligible, "BackupState", pk->backup_state, "CreateDate",
	    (json_int_t)pk->created, "LastUsedDate", (json_int_t)pk->last_used);
}

static void
passkey_sha256(const uint8_t *data, size_t n, uint8_t out[STORE_TOKEN_HASH_LEN])
{
	unsigned len = 0;

	(void)EVP_Digest(data, n, out, &len, EVP_sha256(), NULL);
}

static const char *const passkey_uv_names[] = { "discouraged", "preferred", "required" };

/* Make a challenge, store it as c describes, and return its bytes. */
static int
passkey_issue_challenge(struct store *db, struct store_webauthn_challenge *c,
    uint8_t challenge[PASSKEY_CHALLENGE_LEN])
{
	int64_t now = clock_now();

	if (mfa_random_bytes(challenge, PASSKEY_CHALLENGE_LEN) != MFA_OK)
		return SRV_ERR_INTERNAL;
	passkey_sha256(challenge, PASSKEY_CHALLENGE_LEN, c->challenge_hash);
	c->created = now;
	c->expires = now + PASSKEY_CHALLENGE_TTL;
	if (db->ops->webauthn_challenge_create(db, c) != STORE_OK)
		return SRV_ERR_INTERNAL;
	return SRV_OK;
}

/* Append {"type": "public-key", "id": ..., "transports": [...]} for each passkey. */
static int
passkey_descriptor_row(void *arg, const struct store_passkey *pk)
{
	json_t *d = json_pack("{s:s, s:o, s:o}", "type", "public-key", "id",
	    passkey_b64_json(pk->credential_id, pk->credential_id_len), "transports",
	    passkey_transports_json(pk->transports));

	return d != NULL && json_array_append_new(arg, d) == 0 ? 0 : 1;
}

/* ---- Registration ---- */

static json_t *
passkey_creation_options(const struct app *app, const struct store_user *user,
    const struct store_account *acct, const uint8_t *handle, const uint8_t *challenge,
    json_t *exclude)
{
	const struct mfad_config *cfg = &app->cfg;
	char name[STORE_NAME_MAX + STORE_ALIAS_MAX + 2];
	json_t *params = json_array();

	for (size_t i = 0; params != NULL && i < cfg->passkey_algs_count; i++)
		json_array_append_new(params, json_pack("{s:s, s:i}", "type", "public-key", "alg",
		    cfg->passkey_algs[i]));
	if (user->is_owner)
		snprintf(name, sizeof(name), "%s", acct->alias);
	else
		snprintf(name, sizeof(name), "%s@%s", user->name, acct->alias);
	return json_pack("{s:{s:s, s:s}, s:{s:o, s:s, s:s}, s:o, s:o, s:i, s:o, "
	    "s:{s:s, s:b, s:s}, s:s}",
	    "rp", "id", cfg->rp_id, "name", cfg->rp_name,
	    "user", "id", passkey_b64_json(handle, PASSKEY_USER_HANDLE_LEN), "name", name,
	    "displayName", user->display_name,
	    "challenge", passkey_b64_json(challenge, PASSKEY_CHALLENGE_LEN),
	    "pubKeyCredParams", params, "timeout", PASSKEY_CHALLENGE_TTL * 1000,
	    "excludeCredentials", exclude,
	    "authenticatorSelection", "residentKey", "preferred", "requireResidentKey", 0,
	    "userVerification", passkey_uv_names[cfg->passkey_uv],
	    "attestation", config_attestation_name(cfg->attestation_conveyance));
}

int
passkey_registration_start(struct app *app, const struct store_session *session,
    const struct store_user *user, const struct store_account *acct, json_t **ret_options,
    struct srv_status *st)
{
	struct store *db = app_store(app);
	struct store_webauthn_challenge c;
	uint8_t challenge[PASSKEY_CHALLENGE_LEN];
	uint8_t handle[PASSKEY_USER_HANDLE_LEN];
	json_t *exclude = json_array();
	int64_t count = 0;
	int r;

	if (db == NULL || exclude == NULL ||
	    db->ops->passkey_count_by_user(db, user->id, &count) != STORE_OK ||
	    passkey_user_handle(app->rp, user->id, handle) != 0) {
		json_decref(exclude);
		return SRV_ERR_INTERNAL;
	}
	if (count >= (int64_t)app->cfg.max_passkeys) {
		json_decref(exclude);
		return srv_fail(st, SRV_ERR_PASSKEY_LIMIT, "A user may have at most %u passkeys.",
		    app->cfg.max_passkeys);
	}
	if (db->ops->passkey_list_by_user(db, user->id, passkey_descriptor_row, exclude) !=
	    STORE_OK) {
		json_decref(exclude);
		return SRV_ERR_INTERNAL;
	}

	memset(&c, 0, sizeof(c));
	c.kind = WEBAUTHN_CEREMONY_REGISTRATION;
	c.user_id = user->id;
	c.account_id = user->account_id;
	c.has_session_hash = 1;
	memcpy(c.session_hash, session->token_hash, sizeof(c.session_hash));
	c.user_verification = app->cfg.passkey_uv;
	r = passkey_issue_challenge(db, &c, challenge);
	if (r != SRV_OK) {
		json_decref(exclude);
		return r;
	}
	*ret_options = passkey_creation_options(app, user, acct, handle, challenge, exclude);
	return *ret_options != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

/*
 * Map a libmfa verification result to the API: bad input and failed steps
 * name the step for the client, internal failures stay in the log.
 */
static int
passkey_verify_error(int mfa_r, int code, const char *what, struct srv_status *st)
{
	if (mfa_r == MFA_ERR_NOMEM || mfa_r == MFA_ERR_INTERNAL ||
	    mfa_r == MFA_ERR_INVALID_ARGUMENT) {
		log_error("event=passkey_error what=%s error=%s", what, mfa_strerror_name(mfa_r));
		return SRV_ERR_INTERNAL;
	}
	/* Malformed input is a bad request in both ceremonies, whatever step it reached. */
	if (mfa_r == MFA_ERR_MALFORMED_CBOR || mfa_r == MFA_ERR_MALFORMED_JSON ||
	    mfa_r == MFA_ERR_MALFORMED_AUTH_DATA || mfa_r == MFA_ERR_MALFORMED_ATTESTATION ||
	    mfa_r == MFA_ERR_TOO_LARGE)
		code = SRV_ERR_PASSKEY_REJECTED;
	return srv_fail(st, code, "The passkey %s failed: %s (%s).", what, mfa_strerror(mfa_r),
	    mfa_strerror_name(mfa_r));
}

static int
passkey_stale_challenge(struct srv_status *st)
{
	return srv_fail(st, SRV_ERR_INVALID_CHALLENGE, "The passkey challenge is unknown, expired, "
	    "already used or was issued for another ceremony: start the passkey step again.");
}

/*
 * Find the challenge named in clientDataJSON, take it from the store (so it
 * is spent whatever follows) and check that it was issued for kind and is
 * still valid. Copies the challenge bytes to challenge.
 */
static int
passkey_take_challenge(struct store *db, const struct passkey_cred *cred, int kind,
    struct store_webauthn_challenge *c, uint8_t challenge[PASSKEY_CHALLENGE_LEN],
    struct srv_status *st)
{
	mfa_webauthn_client_data_t *cd = NULL;
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	const uint8_t *bytes;
	size_t len = 0;
	int r;

	r = mfa_webauthn_client_data_parse(cred->client_data, cred->client_data_len, &cd);
	if (r == MFA_ERR_NOMEM)
		return SRV_ERR_INTERNAL;
	if (r != MFA_OK)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "Credential.response.clientDataJSON is invalid: %s.", mfa_strerror(r));
	bytes = mfa_webauthn_client_data_challenge(cd, &len);
	if (len != PASSKEY_CHALLENGE_LEN) {
		mfa_webauthn_client_data_free(&cd);
		return passkey_stale_challenge(st);
	}
	memcpy(challenge, bytes, PASSKEY_CHALLENGE_LEN);
	mfa_webauthn_client_data_free(&cd);

	passkey_sha256(challenge, PASSKEY_CHALLENGE_LEN, hash);
	r = db->ops->webauthn_challenge_take(db, hash, c);
	if (r == STORE_NOT_FOUND)
		return passkey_stale_challenge(st);
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	if (c->kind != kind || c->expires <= clock_now())
		return passkey_stale_challenge(st);
	return SRV_OK;
}

static void
passkey_ceremony(const struct app *app, const uint8_t *challenge, int require_uv,
    mfa_webauthn_ceremony_t *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->challenge = challenge;
	ret->challenge_len = PASSKEY_CHALLENGE_LEN;
	ret->rp_id = app->cfg.rp_id;
	ret->origins = app->rp->origins;
	ret->origins_count = app->rp->origins_count;
	ret->require_user_verification = require_uv != 0;
}

/* A name of 1 to STORE_PASSKEY_NAME_CHARS characters without control characters. */
static int
passkey_name_check(const char *name, struct srv_status *st)
{
	size_t chars = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
			    "Name must not hold control characters.");
		if ((*p & 0xc0) != 0x80)
			chars++;
	}
	if (chars == 0 || chars > STORE_PASSKEY_NAME_CHARS || strlen(name) > STORE_PASSKEY_NAME_MAX)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "Name must have 1 to %d characters.",
		    STORE_PASSKEY_NAME_CHARS);
	return SRV_OK;
}

struct passkey_clone_tx {
	const struct app *app;
	const struct store_passkey *pk;
};

struct passkey_create_tx {
	const struct app *app;
	struct store_passkey *pk;
	int named;          /* 1: the caller chose the name */
	int conflict;       /* enum store_passkey_conflict */
	int over_limit;
	int64_t account_id;  /* the user's account, for the audit record */
};

/* Record a passkey added or deleted, by the request's session user. */
static int
passkey_audit(const struct app *app, struct store *db, int64_t account_id, int64_t user_id,
    const char *event, int64_t passkey_id, const char *name)
{
	char quoted[LOG_QUOTE_MAX];
	char detail[LOG_QUOTE_MAX + 32];
	struct audit_event ev = { event, AUDIT_SUCCESS, account_id, user_id, 0, detail };

	audit_detail(detail, sizeof(detail), "passkey_id=%lld name=%s", (long long)passkey_id,
	    log_quote(name, quoted, sizeof(quoted)));
	return audit_record(app, db, &ev);
}

/* Count, name and insert in one transaction, so parallel registrations keep the limit. */
static int
passkey_create_fn(struct store *db, void *arg)
{
	struct passkey_create_tx *tx = arg;
	int64_t count = 0;
	int r;

	r = db->ops->passkey_count_by_user(db, tx->pk->user_id, &count);
	if (r != STORE_OK)
		return r;
	if (count >= (int64_t)tx->app->cfg.max_passkeys) {
		tx->over_limit = 1;
		return STORE_CONFLICT;
	}
	for (int64_t n = count + 1; n <= count + 1 + (int64_t)tx->app->cfg.max_passkeys; n++) {
		if (!tx->named)
			snprintf(tx->pk->name, sizeof(tx->pk->name), "Passkey %lld", (long long)n);
		r = db->ops->passkey_create(db, tx->pk, &tx->conflict);
		if (r == STORE_OK && passkey_audit(tx->app, db, tx->account_id, tx->pk->user_id,
		    "passkey_add", tx->pk->id, tx->pk->name) != STORE_OK)
			return STORE_ERROR;
		if (r == STORE_OK)
			return notify_user(tx->app, db, tx->pk->user_id, NOTIFY_PASSKEY_ADDED);
		if (r != STORE_CONFLICT || tx->named || tx->conflict != PASSKEY_CONFLICT_NAME)
			return r;
	}
	return STORE_CONFLICT;
}

static void
passkey_from_credential(const mfa_webauthn_credential_t *cred, const struct passkey_cred *pc,
    int64_t user_id, struct store_passkey *pk)
{
	int64_t now = clock_now();

	memset(pk, 0, sizeof(*pk));
	pk->user_id = user_id;
	memcpy(pk->credential_id, cred->cred_id, cred->cred_id_len);
	pk->credential_id_len = cred->cred_id_len;
	memcpy(pk->public_key, cred->cose_key, cred->cose_key_len);
	pk->public_key_len = cred->cose_key_len;
	pk->algorithm = cred->alg;
	pk->sign_count = cred->sign_count;
	memcpy(pk->aaguid, cred->aaguid, sizeof(pk->aaguid));
	snprintf(pk->transports, sizeof(pk->transports), "%s", pc->transports);
	pk->backup_eligible = (cred->flags & MFA_WEBAUTHN_FLAG_BE) != 0;
	pk->backup_state = (cred->flags & MFA_WEBAUTHN_FLAG_BS) != 0;
	pk->user_verified = (cred->flags & MFA_WEBAUTHN_FLAG_UV) != 0;
	snprintf(pk->fmt, sizeof(pk->fmt), "%s", cred->fmt);
	pk->created = now;
	pk->last_used = 0;
}

/* Verify the response and fill *pk; the challenge was taken already. */
static int
passkey_registration_check(struct app *app, const struct passkey_cred *pc,
    const uint8_t *challenge, int uv, int64_t user_id, struct store_passkey *pk,
    struct srv_status *st)
{
	mfa_webauthn_registration_options_t opts;
	mfa_webauthn_credential_t *cred = calloc(1, sizeof(*cred));
	int r;

	if (cred == NULL)
		return SRV_ERR_INTERNAL;
	memset(&opts, 0, sizeof(opts));
	passkey_ceremony(app, challenge, uv == WEBAUTHN_UV_REQUIRED, &opts.ceremony);
	opts.algs = app->cfg.passkey_algs;
	opts.algs_count = app->cfg.passkey_algs_count;
	opts.attestation = (mfa_webauthn_attestation_policy_t)app->cfg.attestation_trust;
	opts.trust = app->rp->trust;
	opts.raw_id = pc->raw_id;
	opts.raw_id_len = pc->raw_id_len;

	r = mfa_webauthn_registration_verify(&opts, pc->client_data, pc->client_data_len,
	    pc->attestation, pc->attestation_len, cred);
	if (r == MFA_OK)
		passkey_from_credential(cred, pc, user_id, pk);
	else
		r = passkey_verify_error(r, SRV_ERR_PASSKEY_REJECTED, "registration", st);
	free(cred);
	return r;
}

static int
passkey_create_error(const struct passkey_create_tx *tx, int store_r, struct srv_status *st)
{
	if (tx->over_limit)
		return srv_fail(st, SRV_ERR_PASSKEY_LIMIT, "A user may have at most %u passkeys.",
		    tx->app->cfg.max_passkeys);
	if (store_r == STORE_CONFLICT && tx->conflict == PASSKEY_CONFLICT_CREDENTIAL_ID)
		return SRV_ERR_PASSKEY_EXISTS;
	if (store_r == STORE_CONFLICT && tx->conflict == PASSKEY_CONFLICT_NAME)
		return SRV_ERR_PASSKEY_NAME_EXISTS;
	return SRV_ERR_INTERNAL;
}

int
passkey_registration_finish(struct app *app, const struct store_session *session,
    const struct store_user *user, const char *name, json_t *credential,
    struct store_passkey *ret, const char *src, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct store_webauthn_challenge c;
	struct passkey_create_tx tx;
	struct passkey_cred pc;
	uint8_t challenge[PASSKEY_CHALLENGE_LEN];
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (name != NULL && (r = passkey_name_check(name, st)) != SRV_OK)
		return r;
	r = passkey_cred_parse_registration(credential, &pc, st);
	if (r != SRV_OK)
		return r;

	r = passkey_take_challenge(db, &pc, WEBAUTHN_CEREMONY_REGISTRATION, &c, challenge, st);
	if (r == SRV_OK && (c.user_id != user->id || !c.has_session_hash ||
	    mfa_memcmp_ct(c.session_hash, session->token_hash, sizeof(c.session_hash)) != 0))
		r = passkey_stale_challenge(st);
	if (r == SRV_OK)
		r = passkey_registration_check(app, &pc, challenge, c.user_verification, user->id, ret,
		    st);
	if (r != SRV_OK) {
		log_info("event=passkey_register_failure user_id=%lld src=%s error=%s",
		    (long long)user->id, src, srv_err_name(r));
		goto out;
	}

	if (name != NULL)
		snprintf(ret->name, sizeof(ret->name), "%s", name);
	tx = (struct passkey_create_tx){ app, ret, name != NULL, PASSKEY_CONFLICT_NONE, 0,
		user->account_id };
	r = store_tx(db, passkey_create_fn, &tx);
	outbox_wake(app);
	r = r == STORE_OK ? SRV_OK : passkey_create_error(&tx, r, st);
	if (r == SRV_OK)
		log_info("event=passkey_registered user_id=%lld passkey_id=%lld alg=%s fmt=%s be=%d "
		    "src=%s", (long long)user->id, (long long)ret->id, passkey_alg_name(ret->algorithm),
		    ret->fmt, ret->backup_eligible, src);
out:
	passkey_cred_free(&pc);
	return r;
}

/* ---- Management ---- */

static int
passkey_list_row(void *arg, const struct store_passkey *pk)
{
	return json_array_append_new(arg, passkey_json(pk)) == 0 ? 0 : 1;
}

int
passkey_list(struct app *app, int64_t user_id, json_t **ret, struct srv_status *st)
{
	struct store *db = app_store(app);
	json_t *list = json_array();

	(void)st;
	if (db == NULL || list == NULL ||
	    db->ops->passkey_list_by_user(db, user_id, passkey_list_row, list) != STORE_OK) {
		json_decref(list);
		return SRV_ERR_INTERNAL;
	}
	*ret = list;
	return SRV_OK;
}

/* Parse a PasskeyId; anything else names no passkey. */
static int
passkey_parse_id(const char *text, int64_t *ret)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v <= 0)
		return SRV_ERR_PASSKEY_NOT_FOUND;
	*ret = v;
	return SRV_OK;
}

int
passkey_rename(struct app *app, int64_t user_id, const char *id_text, const char *name,
    struct store_passkey *ret, struct srv_status *st)
{
	struct store *db = app_store(app);
	int64_t id = 0;
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if ((r = passkey_name_check(name, st)) != SRV_OK ||
	    (r = passkey_parse_id(id_text, &id)) != SRV_OK)
		return r;
	r = db->ops->passkey_rename(db, id, user_id, name);
	if (r == STORE_NOT_FOUND)
		return SRV_ERR_PASSKEY_NOT_FOUND;
	if (r == STORE_CONFLICT)
		return SRV_ERR_PASSKEY_NAME_EXISTS;
	if (r != STORE_OK || db->ops->passkey_get(db, id, ret) != STORE_OK)
		return SRV_ERR_INTERNAL;
	return SRV_OK;
}

struct passkey_delete_tx {
	const struct app *app;
	int64_t user_id;
	int64_t id;
};

/* Delete the passkey with its audit record and notice, in one transaction. */
static int
passkey_delete_fn(struct store *db, void *arg)
{
	struct passkey_delete_tx *tx = arg;
	struct store_passkey pk;
	struct store_user u;
	int r;

	/* Read for the audit record; a passkey of another user is not found below. */
	memset(&pk, 0, sizeof(pk));
	if (db->ops->user_get(db, tx->user_id, &u) != STORE_OK)
		return STORE_ERROR;
	r = db->ops->passkey_get(db, tx->id, &pk);
	if (r == STORE_ERROR)
		return r;
	r = db->ops->passkey_delete(db, tx->id, tx->user_id);
	if (r != STORE_OK)
		return r;
	if (passkey_audit(tx->app, db, u.account_id, tx->user_id, "passkey_delete", tx->id,
	    pk.name) != STORE_OK)
		return STORE_ERROR;
	return notify_user(tx->app, db, tx->user_id, NOTIFY_PASSKEY_DELETED);
}

int
passkey_delete(struct app *app, int64_t user_id, const char *id_text, const char *src,
    struct srv_status *st)
{
	struct store *db = app_store(app);
	struct passkey_delete_tx tx = { app, user_id, 0 };
	int r;

	(void)st;
	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if ((r = passkey_parse_id(id_text, &tx.id)) != SRV_OK)
		return r;
	r = store_tx(db, passkey_delete_fn, &tx);
	outbox_wake(app);
	if (r == STORE_NOT_FOUND)
		return SRV_ERR_PASSKEY_NOT_FOUND;
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	log_info("event=passkey_deleted user_id=%lld passkey_id=%lld src=%s", (long long)user_id,
	    (long long)tx.id, src);
	return SRV_OK;
}

/* ---- Assertions ---- */

int
passkey_assertion_start(struct app *app, int64_t user_id, const uint8_t *logon_hash,
    json_t **ret_options, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct store_webauthn_challenge c;
	uint8_t challenge[PASSKEY_CHALLENGE_LEN];
	json_t *allow = NULL;
	int r;

	(void)st;
	if (db == NULL)
		return SRV_ERR_INTERNAL;
	memset(&c, 0, sizeof(c));
	if (user_id != 0) {
		allow = json_array();
		if (allow == NULL ||
		    db->ops->passkey_list_by_user(db, user_id, passkey_descriptor_row, allow) !=
		    STORE_OK) {
			json_decref(allow);
			return SRV_ERR_INTERNAL;
		}
		c.kind = WEBAUTHN_CEREMONY_SECOND_FACTOR;
		c.user_id = user_id;
		c.has_mfa_challenge_hash = 1;
		memcpy(c.mfa_challenge_hash, logon_hash, sizeof(c.mfa_challenge_hash));
		c.user_verification = app->cfg.passkey_uv;
	} else {
		/* A passkey alone stands for both factors: the user must be verified. */
		c.kind = WEBAUTHN_CEREMONY_PASSWORDLESS;
		c.user_verification = WEBAUTHN_UV_REQUIRED;
	}
	r = passkey_issue_challenge(db, &c, challenge);
	if (r != SRV_OK) {
		json_decref(allow);
		return r;
	}
	*ret_options = json_pack("{s:o, s:s, s:i, s:s}", "challenge",
	    passkey_b64_json(challenge, PASSKEY_CHALLENGE_LEN), "rpId", app->cfg.rp_id, "timeout",
	    PASSKEY_CHALLENGE_TTL * 1000, "userVerification",
	    passkey_uv_names[c.user_verification]);
	if (*ret_options != NULL && allow != NULL)
		json_object_set_new(*ret_options, "allowCredentials", allow);
	else
		json_decref(allow);
	return *ret_options != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

/* Check that the challenge was issued for this logon (second factor) or for none. */
static int
passkey_challenge_fits(const struct store_webauthn_challenge *c, int64_t user_id,
    const uint8_t *logon_hash)
{
	if (user_id == 0)
		return c->kind == WEBAUTHN_CEREMONY_PASSWORDLESS;
	return c->kind == WEBAUTHN_CEREMONY_SECOND_FACTOR && c->user_id == user_id &&
	    c->has_mfa_challenge_hash &&
	    mfa_memcmp_ct(c->mfa_challenge_hash, logon_hash, STORE_TOKEN_HASH_LEN) == 0;
}

/*
 * Find the credential and check that it belongs to the expected user, or in
 * a passwordless logon that userHandle names its owner. Every miss returns
 * the same error, so a credential ID reveals nothing about other users.
 */
static int
passkey_find_owner(struct app *app, struct store *db, const struct passkey_cred *pc,
    int64_t user_id, struct store_passkey *pk, struct srv_status *st)
{
	uint8_t handle[PASSKEY_USER_HANDLE_LEN];
	int r;

	r = db->ops->passkey_get_by_credential(db, pc->raw_id, pc->raw_id_len, pk);
	if (r == STORE_ERROR)
		return SRV_ERR_INTERNAL;
	if (r == STORE_OK && user_id != 0 && pk->user_id != user_id)
		r = STORE_NOT_FOUND;
	if (r == STORE_OK && (pc->has_user_handle || user_id == 0)) {
		if (passkey_user_handle(app->rp, pk->user_id, handle) != 0)
			return SRV_ERR_INTERNAL;
		if (!pc->has_user_handle || pc->user_handle_len != sizeof(handle) ||
		    mfa_memcmp_ct(pc->user_handle, handle, sizeof(handle)) != 0)
			r = STORE_NOT_FOUND;
	}
	if (r != STORE_OK) {
		memset(pk, 0, sizeof(*pk)); /* so the failure is not logged against another's passkey */
		return srv_fail(st, SRV_ERR_PASSKEY_LOGON_FAILED,
		    "The passkey is not registered for this logon.");
	}
	return SRV_OK;
}

/* Record a possibly cloned passkey and tell its user, in one transaction. */
static int
passkey_clone_fn(struct store *db, void *arg)
{
	const struct passkey_clone_tx *tx = arg;
	char detail[64];
	struct store_user u;

	if (db->ops->user_get(db, tx->pk->user_id, &u) != STORE_OK)
		return STORE_ERROR;
	if (audit_record(tx->app, db, &(struct audit_event){ "passkey_clone_suspected",
	    AUDIT_FAILURE, u.account_id, u.id, 0, audit_detail(detail, sizeof(detail),
	    "passkey_id=%lld stored_count=%lld", (long long)tx->pk->id,
	    (long long)tx->pk->sign_count) }) != STORE_OK)
		return STORE_ERROR;
	return notify_user(tx->app, db, u.id, NOTIFY_PASSKEY_COUNTER);
}

/* The assertion is rejected whatever this returns, so a failure is only logged. */
static void
passkey_report_clone(struct app *app, const struct store_passkey *pk)
{
	struct passkey_clone_tx tx = { app, pk };
	struct store *db = app_store(app);

	if (db == NULL || store_tx(db, passkey_clone_fn, &tx) != STORE_OK)
		log_error("event=passkey_clone_report_failed passkey_id=%lld", (long long)pk->id);
	outbox_wake(app);
}

static int
passkey_assertion_check(struct app *app, const struct passkey_cred *pc, const uint8_t *challenge,
    int uv, struct passkey_assertion *ret, struct srv_status *st)
{
	mfa_webauthn_assertion_options_t opts;
	mfa_webauthn_assertion_result_t res;
	mfa_cose_key_t *key = NULL;
	int r;

	r = mfa_cose_key_parse(ret->pk.public_key, ret->pk.public_key_len, &key);
	if (r != MFA_OK) {
		log_error("event=passkey_error what=stored_key passkey_id=%lld error=%s",
		    (long long)ret->pk.id, mfa_strerror_name(r));
		return SRV_ERR_INTERNAL;
	}
	memset(&opts, 0, sizeof(opts));
	passkey_ceremony(app, challenge, uv == WEBAUTHN_UV_REQUIRED, &opts.ceremony);
	opts.key = key;
	opts.stored_sign_count = (uint32_t)ret->pk.sign_count;
	opts.stored_backup_eligible = ret->pk.backup_eligible != 0;

	r = mfa_webauthn_assertion_verify(&opts, pc->client_data, pc->client_data_len, pc->auth_data,
	    pc->auth_data_len, pc->signature, pc->signature_len, &res);
	mfa_cose_key_free(&key);
	if (r == MFA_ERR_WEBAUTHN_SIGN_COUNT) {
		log_warn("event=passkey_possible_clone user_id=%lld passkey_id=%lld stored_count=%lld",
		    (long long)ret->pk.user_id, (long long)ret->pk.id, (long long)ret->pk.sign_count);
		passkey_report_clone(app, &ret->pk);
	}
	if (r != MFA_OK)
		return passkey_verify_error(r, SRV_ERR_PASSKEY_LOGON_FAILED, "assertion", st);
	ret->new_count = res.sign_count;
	ret->backup_state = (res.flags & MFA_WEBAUTHN_FLAG_BS) != 0;
	ret->user_verified = (res.flags & MFA_WEBAUTHN_FLAG_UV) != 0;
	return SRV_OK;
}

int
passkey_assertion_verify(struct app *app, json_t *credential, int64_t user_id,
    const uint8_t *logon_hash, struct passkey_assertion *ret, const char *src,
    struct srv_status *st)
{
	struct store *db = app_store(app);
	struct store_webauthn_challenge c;
	struct passkey_cred pc;
	uint8_t challenge[PASSKEY_CHALLENGE_LEN];
	int kind = user_id != 0 ? WEBAUTHN_CEREMONY_SECOND_FACTOR : WEBAUTHN_CEREMONY_PASSWORDLESS;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (db == NULL)
		return SRV_ERR_INTERNAL;
	r = passkey_cred_parse_assertion(credential, &pc, st);
	if (r != SRV_OK)
		return r;

	r = passkey_take_challenge(db, &pc, kind, &c, challenge, st);
	if (r == SRV_OK && !passkey_challenge_fits(&c, user_id, logon_hash))
		r = passkey_stale_challenge(st);
	if (r == SRV_OK)
		r = passkey_find_owner(app, db, &pc, user_id, &ret->pk, st);
	if (r == SRV_OK)
		r = passkey_assertion_check(app, &pc, challenge, c.user_verification, ret, st);
	if (r != SRV_OK)
		log_info("event=passkey_assertion_failure user_id=%lld passkey_id=%lld src=%s error=%s",
		    (long long)(user_id != 0 ? user_id : ret->pk.user_id), (long long)ret->pk.id, src,
		    srv_err_name(r));
	passkey_cred_free(&pc);
	return r;
}
