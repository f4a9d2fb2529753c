/* SPDX-License-Identifier: MIT */
/* Password and second-factor logon steps. */
#include "server/logon.h"

#include <string.h>
#include <time.h>

#include <mfa/common.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/audit.h"
#include "server/email.h"
#include "server/lockout.h"
#include "server/netlogon.h"
#include "server/notify.h"
#include "server/outbox.h"
#include "server/passkey.h"
#include "server/ratelimit.h"
#include "server/principal.h"
#include "server/pwpolicy_store.h"
#include "server/remember.h"
#include "server/settings.h"
#include "server/vmfa.h"

static int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Sleep until a failed password step has taken at least the time of a hash
 * and a half, so a locked or malformed principal, which skips the hash,
 * gets its response no sooner than a wrong password.
 */
static void
logon_pad(const struct app *app, int64_t start_ms)
{
	int64_t floor_ms = pwhash_typical_ms(app->pw) * 3 / 2 + 20;
	int64_t left = start_ms + floor_ms - monotonic_ms();
	struct timespec ts;

	if (left <= 0)
		return;
	ts.tv_sec = (time_t)(left / 1000);
	ts.tv_nsec = (long)(left % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
}

/*
 * The scope a user has earned once every factor due is proven. The profile's
 * MFABindRequired, or MFAOperationForLogin "mandatory" in the account's
 * settings, sends a user without a device or passkey to bind one first.
 */
static int
logon_next_scope(const struct store_login_profile *lp, const struct store_account_settings *set,
    int device_bound)
{
	if ((lp->mfa_bind_required || set->mfa_mandatory) && !device_bound)
		return SESSION_SCOPE_BIND_MFA;
	if (lp->reset_required)
		return SESSION_SCOPE_CHANGE_PASSWORD;
	return SESSION_SCOPE_FULL;
}

static int
logon_status_of_scope(int scope)
{
	switch (scope) {
	case SESSION_SCOPE_BIND_MFA:
		return LOGON_BIND_REQUIRED;
	case SESSION_SCOPE_CHANGE_PASSWORD:
		return LOGON_RESET_REQUIRED;
	default:
		return LOGON_OK;
	}
}

struct logon_user {
	char key[STORE_PRINCIPAL_MAX + 1];
	struct store_account acct;
	struct store_user user;
	struct store_login_profile lp;
	struct store_mfa_device dev;
	int has_user;   /* account, user and login profile found */
	int dev_bound;
	int64_t passkeys;
	int has_email;  /* a verified security email address */
	struct store_security_email email;
	int hard_expired; /* the password is past MaxPasswordAge and HardExpiry refuses it */
	struct store_account_settings set; /* of acct */
};

/*
 * Apply the account's MaxPasswordAge to lu's loaded profile. A password
 * past it needs a change: reset_required is set in memory only, so the
 * logon ends in a change-password session, or, under HardExpiry,
 * hard_expired refuses the logon.
 */
static int
logon_check_expiry(struct store *db, struct logon_user *lu, int64_t now)
{
	struct pwpolicy p;

	if (pwpolicy_load(db, lu->acct.id, &p) != STORE_OK)
		return STORE_ERROR;
	if (pwpolicy_password_expired(&p, lu->user.is_owner, lu->lp.password_changed, now,
	    &lu->hard_expired))
		lu->lp.reset_required = 1;
	return STORE_OK;
}

/* The second factors the user can prove, as FACTOR_* bits. */
static int
logon_methods(const struct logon_user *lu)
{
	return settings_logon_methods(&lu->set, (lu->dev_bound ? FACTOR_TOTP : 0) |
	    (lu->passkeys > 0 ? FACTOR_PASSKEY : 0) | (lu->has_email ? FACTOR_EMAIL : 0));
}

/* Return whether the user has a bound virtual MFA device or a passkey (email is no MFA device). */
static int
logon_has_device(const struct logon_user *lu)
{
	return lu->dev_bound || lu->passkeys > 0;
}

/* Reject an email code for a logon when the account's settings forbid it. */
static int
logon_check_email_allowed(const struct logon_user *lu, struct srv_status *st)
{
	if (lu->set.allow_email_logon)
		return SRV_OK;
	return srv_fail(st, SRV_ERR_FORBIDDEN, "The account's security preference "
	    "MFAPreference.AllowEmailForLogon is false: use a virtual MFA device or a passkey.");
}

/*
 * Load the account's settings, the bound device, the passkey count and the
 * security email of lu->user.
 */
static int
logon_load_factors(struct store *db, struct logon_user *lu)
{
	int r;

	if (settings_load(db, lu->user.account_id, &lu->set) != STORE_OK)
		return STORE_ERROR;
	r = db->ops->mfa_device_get_by_user(db, lu->user.id, &lu->dev);
	if (r == STORE_ERROR)
		return STORE_ERROR;
	lu->dev_bound = r == STORE_OK && lu->dev.bound;
	r = db->ops->security_email_get(db, lu->user.id, &lu->email);
	if (r == STORE_ERROR)
		return STORE_ERROR;
	lu->has_email = r == STORE_OK;
	return db->ops->passkey_count_by_user(db, lu->user.id, &lu->passkeys);
}

/* Load what the password step needs; a miss leaves has_user 0. */
static int
logon_load(struct store *db, const char *principal, struct logon_user *lu)
{
	char name[STORE_NAME_MAX + 1];
	char alias[STORE_ALIAS_MAX + 1];
	int r;

	if (principal_parse(principal, name, alias) != 0)
		return STORE_OK;
	r = db->ops->account_get_by_alias(db, alias, &lu->acct);
	if (r == STORE_OK)
		r = name[0] == '\0' ? db->ops->user_get_owner(db, lu->acct.id, &lu->user) :
		    db->ops->user_get_by_name(db, lu->acct.id, name, &lu->user);
	if (r == STORE_OK)
		r = db->ops->login_profile_get(db, lu->user.id, &lu->lp);
	if (r == STORE_NOT_FOUND)
		return STORE_OK;
	if (r != STORE_OK)
		return STORE_ERROR;
	lu->has_user = 1;
	if (logon_check_expiry(db, lu, clock_now()) != STORE_OK)
		return STORE_ERROR;
	return logon_load_factors(db, lu);
}

/*
 * Record a logon event of lu in the audit log, in the caller's transaction
 * when there is one. A success names the user as the actor; a failure
 * names none, because the client proved nothing.
 */
static int
logon_audit(const struct app *app, struct store *db, const struct logon_user *lu,
    const char *event, const char *outcome, const char *detail)
{
	struct audit_event ev = { event, outcome, lu->acct.id, lu->user.id, 0, detail };

	if (strcmp(outcome, AUDIT_SUCCESS) == 0) /* not secret */
		ev.actor_id = lu->user.id;
	return audit_record(app, db, &ev);
}

struct password_ok_tx {
	const struct app *app;
	struct logon_user *lu;
	struct logon_result *res;
	const struct lockout_ticket *ticket;
	const char *verified_hash;   /* the hash the password was checked against */
	const char *new_hash;        /* "" or the normalized password's hash to store instead */
	int64_t now;
	int changed;                 /* the profile or user changed during the hash */
	const char *remember;        /* the remembered-browser cookie, or NULL */
};

/*
 * Check that the password just verified is still the user's: a reset, a
 * deleted profile or a deleted user while it was hashed ends the logon.
 */
static int
logon_password_still_valid(struct store *db, struct password_ok_tx *tx)
{
	struct store_login_profile lp;
	size_t n = strlen(tx->verified_hash);
	int r;

	r = db->ops->login_profile_get(db, tx->lu->user.id, &lp);
	if (r == STORE_OK && (strlen(lp.password_hash) != n ||
	    mfa_memcmp_ct(lp.password_hash, tx->verified_hash, n) != 0))
		r = STORE_NOT_FOUND;
	/* A hash of the password as typed, from before NFKC, gives way to one of the NFKC form. */
	if (r == STORE_OK && tx->new_hash[0] != '\0') {
		memcpy(lp.password_hash, tx->new_hash, strlen(tx->new_hash) + 1);
		r = db->ops->login_profile_update(db, &lp);
	}
	mfa_memzero(&lp, sizeof(lp));
	if (r == STORE_NOT_FOUND)
		tx->changed = 1;
	return r;
}

/*
 * Finish a logon whose second factor a remembered browser replaces.
 * The session gets FACTOR_REMEMBERED and no mfa_at, so it never counts as
 * a step-up.
 */
static int
logon_remembered_fn(struct store *db, struct password_ok_tx *tx, int64_t browser_id)
{
	struct store_session s;
	char detail[64];
	int scope;

	scope = logon_next_scope(&tx->lu->lp, &tx->lu->set, logon_has_device(tx->lu));
	/* proven is 0: a remembered browser proves no factor now, so it never counts for step-up. */
	if (session_create(tx->app, db, tx->lu->user.id, scope, FACTOR_PASSWORD | FACTOR_REMEMBERED,
	    tx->now, 0, NULL, tx->res->token, &s) != SRV_OK)
		return STORE_ERROR;
	tx->res->status = logon_status_of_scope(scope);
	tx->res->expires = s.expires;
	tx->res->scope = scope;
	tx->res->factors = s.factors;
	if (logon_audit(tx->app, db, tx->lu, "logon_success", AUDIT_SUCCESS, audit_detail(detail,
	    sizeof(detail), "factors=password,remembered browser_id=%lld",
	    (long long)browser_id)) != STORE_OK)
		return STORE_ERROR;
	return lockout_clear(db, tx->lu->key);
}

static int
logon_password_ok_fn(struct store *db, void *arg)
{
	struct password_ok_tx *tx = arg;
	struct store_challenge c;
	struct store_session s;
	int64_t browser_id = 0;
	int scope;
	int r;

	r = logon_password_still_valid(db, tx);
	if (r != STORE_OK)
		return r;
	/* The account's setting is checked again here, so turning it off works at once. */
	if (logon_methods(tx->lu) != 0 && tx->remember != NULL && tx->lu->acct.save_mfa_ticket) {
		r = remember_check(db, tx->remember, tx->lu->user.id, tx->now, &browser_id);
		if (r == STORE_OK)
			return logon_remembered_fn(db, tx, browser_id);
		if (r != STORE_NOT_FOUND)
			return STORE_ERROR;
	}
	if (logon_methods(tx->lu) != 0) {
		/* The password was right: it is no failure, but the logon is not done yet. */
		if (lockout_undo(tx->app, db, tx->lu->key, tx->ticket) != STORE_OK)
			return STORE_ERROR;
		memset(&c, 0, sizeof(c));
		if (token_generate(tx->res->token) != 0 || token_hash(tx->res->token, c.id_hash) != 0)
			return STORE_ERROR;
		c.user_id = tx->lu->user.id;
		c.kind = CHALLENGE_MFA;
		c.created = tx->now;
		c.expires = tx->now + tx->app->cfg.challenge_ttl;
		tx->res->status = LOGON_MFA_REQUIRED;
		tx->res->expires = c.expires;
		tx->res->methods = logon_methods(tx->lu);
		r = db->ops->challenge_create(db, &c);
		if (r == STORE_OK)
			r = logon_audit(tx->app, db, tx->lu, "logon_password_ok", AUDIT_SUCCESS,
			    "step=password");
		return r;
	}

	scope = logon_next_scope(&tx->lu->lp, &tx->lu->set, 0);
	if (session_create(tx->app, db, tx->lu->user.id, scope, FACTOR_PASSWORD, tx->now, 0, NULL,
	    tx->res->token, &s) != SRV_OK)
		return STORE_ERROR;
	tx->res->status = logon_status_of_scope(scope);
	tx->res->expires = s.expires;
	tx->res->scope = scope;
	tx->res->factors = s.factors;
	if (notify_logon_success(tx->app, db, tx->lu->acct.id, tx->lu->user.id) != STORE_OK ||
	    logon_audit(tx->app, db, tx->lu, "logon_success", AUDIT_SUCCESS,
	    "factors=password") != STORE_OK)
		return STORE_ERROR;
	return lockout_clear(db, tx->lu->key);
}

/* Take back an admitted attempt that was never checked, and return r. */
static int
logon_unadmit(const struct app *app, struct store *db, const struct logon_user *lu,
    const struct lockout_ticket *ticket, int r)
{
	if (store_begin(db) != STORE_OK || lockout_undo(app, db, lu->key, ticket) != STORE_OK ||
	    store_commit(db) != STORE_OK) {
		(void)store_rollback(db);
		return SRV_ERR_INTERNAL;
	}
	return r;
}

/* Log a failed password step and return its error no sooner than a wrong password would. */
static int
logon_fail_password(struct app *app, const struct logon_user *lu, const char *reason,
    const char *src, int64_t start)
{
	char quoted[LOG_QUOTE_MAX];
	char detail[64];

	log_info("event=logon_failure step=password principal=%s src=%s reason=%s",
	    lu->key[0] != '\0' ? log_quote(lu->key, quoted, sizeof(quoted)) : "invalid", src, reason);
	/* A failed logon writes nothing else: the record is its own statement. */
	(void)logon_audit(app, app_store(app), lu, "logon_failure", AUDIT_FAILURE,
	    audit_detail(detail, sizeof(detail), "step=password reason=%s", reason));
	logon_pad(app, start);
	return SRV_ERR_INVALID_CREDENTIALS;
}

/* Record a lock that the failure counted by ticket started. */
static void
logon_audit_lockout(const struct app *app, struct store *db, const struct logon_user *lu,
    const struct lockout_ticket *ticket, const char *step)
{
	char detail[64];
	int threshold;

	if (!ticket->admitted || lockout_threshold(app, db, lu->key, &threshold) != STORE_OK ||
	    ticket->failures < threshold)
		return;
	(void)logon_audit(app, db, lu, "lockout", AUDIT_FAILURE, audit_detail(detail,
	    sizeof(detail), "step=%s failures=%d", step, ticket->failures));
}

/*
 * Refuse a right password that HardExpiry has expired. The password was
 * right, so its admission is taken back and counts as no failure.
 */
static int
logon_password_expired(struct app *app, struct store *db, const struct logon_user *lu,
    const struct lockout_ticket *ticket, const char *src, struct srv_status *st)
{
	char quoted[LOG_QUOTE_MAX];

	if (logon_unadmit(app, db, lu, ticket, SRV_OK) != SRV_OK)
		return SRV_ERR_INTERNAL;
	(void)logon_audit(app, db, lu, "logon_failure", AUDIT_FAILURE,
	    "step=password reason=password_expired");
	log_info("event=logon_failure step=password user_id=%lld principal=%s src=%s "
	    "reason=password_expired", (long long)lu->user.id,
	    log_quote(lu->key, quoted, sizeof(quoted)), src);
	return srv_fail(st, SRV_ERR_PASSWORD_EXPIRED, "The password has expired: ask the account "
	    "owner to set a new one.");
}

int
logon_password(struct app *app, const char *principal, const char *password, size_t len,
    const char *remember, const char *src, struct logon_result *res, struct srv_status *st)
{
	struct store *db = app_store(app);
	int64_t start = monotonic_ms();
	struct lockout_ticket ticket;
	struct password_ok_tx tx;
	struct logon_user lu;
	char quoted[LOG_QUOTE_MAX];
	char name[STORE_NAME_MAX + 1];
	char alias[STORE_ALIAS_MAX + 1];
	char new_hash[STORE_PW_HASH_MAX + 1];
	int64_t locked;
	int r;

	memset(&lu, 0, sizeof(lu));
	memset(res, 0, sizeof(*res));
	if (db == NULL)
		return SRV_ERR_INTERNAL;

	/* A malformed principal could be a password typed in the wrong field: never log it. */
	if (principal_parse(principal, name, alias) != 0) {
		(void)pwhash_verify(app->pw, NULL, password, len);
		return logon_fail_password(app, &lu, "malformed_principal", src, start);
	}
	principal_key(principal, lu.key);

	/* Before the lockout counts anything, so clients outside the list cannot lock the user. */
	r = netlogon_check_principal(app, db, principal, src, st);
	if (r != SRV_OK) {
		logon_pad(app, start);
		return r;
	}

	/* Counted before the hash, so parallel guesses cannot outrun the lock. */
	if (lockout_admit(app, db, lu.key, clock_now(), &ticket, &locked) != STORE_OK)
		return SRV_ERR_INTERNAL;
	if (locked > 0) {
		/* Loaded only so the audit record names the account and user. */
		(void)logon_load(db, principal, &lu);
		mfa_memzero(lu.lp.password_hash, sizeof(lu.lp.password_hash));
		return logon_fail_password(app, &lu, "locked", src, start);
	}

	if (logon_load(db, principal, &lu) != STORE_OK)
		return SRV_ERR_INTERNAL;
	r = pwpolicy_verify(app->pw, lu.has_user ? lu.lp.password_hash : NULL, password, len,
	    new_hash);
	if (r != SRV_OK) {
		mfa_memzero(lu.lp.password_hash, sizeof(lu.lp.password_hash));
		if (r == SRV_ERR_BUSY || r == SRV_ERR_INTERNAL)
			return logon_unadmit(app, db, &lu, &ticket, r);
		logon_audit_lockout(app, db, &lu, &ticket, "password");
		return logon_fail_password(app, &lu, lu.has_user ? "wrong_password" : "unknown_user",
		    src, start);
	}
	if (lu.hard_expired) {
		r = logon_password_expired(app, db, &lu, &ticket, src, st);
		goto out;
	}

	tx = (struct password_ok_tx){ app, &lu, res, &ticket, lu.lp.password_hash, new_hash,
		clock_now(), 0, remember };
	r = store_tx(db, logon_password_ok_fn, &tx);
	outbox_wake(app);
	mfa_memzero(lu.lp.password_hash, sizeof(lu.lp.password_hash));
	mfa_memzero(new_hash, sizeof(new_hash));
	if (tx.changed)
		return logon_fail_password(app, &lu, "password_changed", src, start);
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	res->user = lu.user;
	log_info("event=%s user_id=%lld principal=%s src=%s",
	    res->status == LOGON_MFA_REQUIRED ? "logon_password_ok" : "logon_success",
	    (long long)lu.user.id, log_quote(lu.key, quoted, sizeof(quoted)), src);
	return SRV_OK;
out:
	mfa_memzero(lu.lp.password_hash, sizeof(lu.lp.password_hash));
	mfa_memzero(new_hash, sizeof(new_hash));
	return r;
}

/* Load the challenge's user, account, profile and bound device. */
static int
logon_load_challenge(struct store *db, const uint8_t *hash, int64_t now, struct logon_user *lu,
    struct store_challenge *c)
{
	int r;

	r = db->ops->challenge_get(db, hash, c);
	if (r == STORE_OK && (c->expires <= now || c->kind != CHALLENGE_MFA))
		r = STORE_NOT_FOUND;
	if (r == STORE_OK)
		r = db->ops->user_get(db, c->user_id, &lu->user);
	if (r == STORE_OK)
		r = db->ops->account_get(db, lu->user.account_id, &lu->acct);
	if (r == STORE_OK)
		r = db->ops->login_profile_get(db, lu->user.id, &lu->lp);
	if (r == STORE_OK)
		r = logon_load_factors(db, lu);
	if (r == STORE_OK && logon_methods(lu) == 0)
		r = STORE_NOT_FOUND;
	if (r == STORE_OK)
		r = logon_check_expiry(db, lu, now);
	/* A password that hard-expired after the challenge was made ends the logon; Login reports why. */
	if (r == STORE_OK && lu->hard_expired)
		r = STORE_NOT_FOUND;
	if (r != STORE_OK)
		return r;
	mfa_memzero(lu->lp.password_hash, sizeof(lu->lp.password_hash));
	principal_format(&lu->user, &lu->acct, lu->key, sizeof(lu->key));
	principal_key(lu->key, lu->key);
	return STORE_OK;
}

/*
 * Load the challenge of hash for a second-factor step from src, and check
 * the account's logon allow-list. Returns SRV_OK, SRV_ERR_INVALID_CHALLENGE,
 * SRV_ERR_LOGIN_NETWORK_DENIED or SRV_ERR_INTERNAL.
 */
static int
logon_open_challenge(struct app *app, struct store *db, const uint8_t *hash, int64_t now,
    const char *src, struct logon_user *lu, struct store_challenge *c, struct srv_status *st)
{
	int r = logon_load_challenge(db, hash, now, lu, c);

	if (r == STORE_NOT_FOUND)
		return SRV_ERR_INVALID_CHALLENGE;
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	return netlogon_check(app, db, lu->acct.id, lu->user.id, src, st);
}

/* Return SRV_ERR_LOCKED with Retry-After and a message giving the seconds left. */
static int
logon_locked(int64_t seconds, struct srv_status *st)
{
	st->retry_after = (int)seconds;
	return srv_fail(st, SRV_ERR_LOCKED,
	    "Too many failed attempts: logon is locked for %lld seconds.", (long long)seconds);
}

/* Reject a locked principal with the time left. */
static int
logon_check_lock(struct store *db, const struct logon_user *lu, int64_t now,
    struct srv_status *st)
{
	int64_t locked = 0;

	if (lockout_remaining(db, lu->key, now, &locked) != STORE_OK)
		return SRV_ERR_INTERNAL;
	return locked > 0 ? logon_locked(locked, st) : SRV_OK;
}

/* The outcome of a second-factor transaction. */
enum factor_outcome {
	FACTOR_OUTCOME_OK = 0,
	FACTOR_OUTCOME_LOCKED,    /* the principal is locked: nothing was checked */
	FACTOR_OUTCOME_SPENT,     /* the logon challenge is gone, expired or used up */
	FACTOR_OUTCOME_FAILED,    /* a wrong proof, counted */
	FACTOR_OUTCOME_REPLAY,    /* a right proof used before (time step or counter), counted */
};

/*
 * One second-factor attempt, judged in one write transaction. The lock, the
 * challenge's attempts, the single use of the proof and the failure count
 * are read and written together, so parallel requests cannot run more
 * attempts than allowed or use one proof twice.
 */
struct factor_tx {
	const struct app *app;
	const uint8_t *hash;          /* the logon challenge */
	struct logon_user *lu;
	struct logon_result *res;
	int factor;                   /* FACTOR_TOTP or FACTOR_PASSKEY */
	int proven;                   /* the check outside the transaction passed */
	uint64_t step;                /* TOTP: the time step that matched */
	const struct passkey_assertion *pa;
	int64_t now;
	int outcome;                  /* enum factor_outcome */
	int attempts;
	int64_t locked;
	int64_t email_code_id;        /* email: the code to spend */
};

/* Use up the proof: the TOTP time step or the passkey's counter. */
static int
logon_factor_spend(struct store *db, struct factor_tx *tx)
{
	const struct store_passkey *pk;

	if (tx->factor == FACTOR_TOTP)
		return db->ops->mfa_device_use_step(db, tx->lu->dev.id, (int64_t)tx->step);
	if (tx->factor == FACTOR_EMAIL) {
		int r = db->ops->email_code_delete(db, tx->email_code_id);

		return r == STORE_NOT_FOUND ? STORE_CONFLICT : r;
	}
	pk = &tx->pa->pk;
	return db->ops->passkey_use(db, pk->id, pk->sign_count, tx->pa->new_count,
	    tx->pa->backup_state, tx->now);
}

static int
logon_factor_success(struct store *db, struct factor_tx *tx)
{
	struct store_session s;
	int scope;
	int r;

	r = db->ops->challenge_delete(db, tx->hash);
	if (r != STORE_OK)
		return STORE_ERROR; /* it was read in this transaction */
	/* Email is no MFA device: a profile that requires one still gets a bind-mfa session. */
	scope = logon_next_scope(&tx->lu->lp, &tx->lu->set, tx->factor != FACTOR_EMAIL ||
	    logon_has_device(tx->lu));
	if (session_create(tx->app, db, tx->lu->user.id, scope, FACTOR_PASSWORD | tx->factor |
	    (tx->pa != NULL && tx->pa->user_verified ? FACTOR_USER_VERIFIED : 0), tx->now,
	    tx->factor, NULL, tx->res->token, &s) != SRV_OK)
		return STORE_ERROR;
	tx->res->status = logon_status_of_scope(scope);
	tx->res->expires = s.expires;
	tx->res->scope = scope;
	tx->res->factors = s.factors;
	tx->outcome = FACTOR_OUTCOME_OK;
	return lockout_clear(db, tx->lu->key);
}

static int
logon_factor_fn(struct store *db, void *arg)
{
	struct factor_tx *tx = arg;
	struct store_challenge c;
	int r;

	if (lockout_remaining(db, tx->lu->key, tx->now, &tx->locked) != STORE_OK)
		return STORE_ERROR;
	if (tx->locked > 0) {
		tx->outcome = FACTOR_OUTCOME_LOCKED;
		return STORE_OK;
	}
	r = db->ops->challenge_get(db, tx->hash, &c);
	if (r == STORE_ERROR)
		return r;
	if (r == STORE_NOT_FOUND || c.expires <= tx->now ||
	    c.attempts >= (int)tx->app->cfg.mfa_max_attempts) {
		tx->outcome = FACTOR_OUTCOME_SPENT;
		return STORE_OK;
	}

	if (tx->proven) {
		r = logon_factor_spend(db, tx);
		if (r == STORE_OK)
			return logon_factor_success(db, tx);
		if (r != STORE_CONFLICT)
			return STORE_ERROR;
	}
	tx->outcome = tx->proven ? FACTOR_OUTCOME_REPLAY : FACTOR_OUTCOME_FAILED;
	r = db->ops->challenge_add_attempt(db, tx->hash, &tx->attempts);
	if (r == STORE_OK && tx->attempts >= (int)tx->app->cfg.mfa_max_attempts)
		r = db->ops->challenge_delete(db, tx->hash);
	if (r != STORE_OK)
		return STORE_ERROR;
	return lockout_record_failure(tx->app, db, tx->lu->key, tx->now, &tx->locked);
}

/* Run logon_factor_fn and record its outcome, and a lock it started, in its transaction. */
static int
logon_factor_audited_fn(struct store *db, void *arg)
{
	static const char *const reasons[] = { "ok", "locked", "spent", "wrong_proof", "replay" };
	struct factor_tx *tx = arg;
	const char *method = tx->factor == FACTOR_TOTP ? "totp" :
	    tx->factor == FACTOR_EMAIL ? "email" : "passkey";
	char detail[96];
	int failed;
	int r;

	r = logon_factor_fn(db, arg);
	if (r != STORE_OK)
		return r;
	failed = tx->outcome == FACTOR_OUTCOME_FAILED || tx->outcome == FACTOR_OUTCOME_REPLAY;
	if (tx->outcome == FACTOR_OUTCOME_OK) {
		if (notify_logon_success(tx->app, db, tx->lu->acct.id, tx->lu->user.id) != STORE_OK)
			return STORE_ERROR;
		return logon_audit(tx->app, db, tx->lu, "logon_success", AUDIT_SUCCESS,
		    audit_detail(detail, sizeof(detail), "factors=password,%s", method));
	}
	r = logon_audit(tx->app, db, tx->lu, "logon_failure", AUDIT_FAILURE, audit_detail(detail,
	    sizeof(detail), "step=mfa method=%s reason=%s", method, reasons[tx->outcome]));
	/* A reused TOTP code may mean the code was seen by someone else: its own event. */
	if (r == STORE_OK && tx->outcome == FACTOR_OUTCOME_REPLAY && tx->factor == FACTOR_TOTP)
		r = logon_audit(tx->app, db, tx->lu, "totp_replay", AUDIT_FAILURE, "method=totp");
	if (r == STORE_OK && tx->outcome == FACTOR_OUTCOME_REPLAY && tx->factor == FACTOR_TOTP)
		r = notify_user(tx->app, db, tx->lu->user.id, NOTIFY_TOTP_REPLAY);
	if (r == STORE_OK && failed && tx->locked > 0)
		r = logon_audit(tx->app, db, tx->lu, "lockout", AUDIT_FAILURE, audit_detail(detail,
		    sizeof(detail), "step=mfa method=%s locked_s=%lld", method,
		    (long long)tx->locked));
	return r;
}

/*
 * Run the transaction and map its outcome to a result code. failure is the
 * error of a failed proof: SRV_ERR_INVALID_MFA_CODE, or the passkey's, whose
 * message is already in st.
 */
static int
logon_factor_finish(struct app *app, struct store *db, struct factor_tx *tx, int failure,
    const char *src, struct srv_status *st)
{
	static const char *const names[] = { "ok", "locked", "spent", "failed", "replay" };
	const char *method = tx->factor == FACTOR_TOTP ? "totp" :
	    tx->factor == FACTOR_EMAIL ? "email" : "passkey";
	char detail[SRV_MESSAGE_MAX];
	char quoted[LOG_QUOTE_MAX];
	int left;

	if (store_tx(db, logon_factor_audited_fn, tx) != STORE_OK)
		return SRV_ERR_INTERNAL;
	outbox_wake(app);
	if (tx->outcome == FACTOR_OUTCOME_OK)
		log_info("event=logon_success step=mfa method=%s user_id=%lld principal=%s src=%s "
		    "factors=password,%s", method, (long long)tx->lu->user.id,
		    log_quote(tx->lu->key, quoted, sizeof(quoted)), src, method);
	else
		log_info("event=logon_failure step=mfa method=%s user_id=%lld principal=%s src=%s "
		    "outcome=%s attempts=%d locked_s=%lld", method, (long long)tx->lu->user.id,
		    log_quote(tx->lu->key, quoted, sizeof(quoted)), src, names[tx->outcome],
		    tx->attempts, (long long)tx->locked);

	left = (int)app->cfg.mfa_max_attempts - tx->attempts;
	switch (tx->outcome) {
	case FACTOR_OUTCOME_OK:
		tx->res->user = tx->lu->user;
		return SRV_OK;
	case FACTOR_OUTCOME_LOCKED:
		return logon_locked(tx->locked, st);
	case FACTOR_OUTCOME_SPENT:
		return SRV_ERR_INVALID_CHALLENGE;
	default:
		break;
	}
	if (left <= 0)
		return srv_fail(st, SRV_ERR_INVALID_CHALLENGE,
		    "Too many failed attempts for this logon: log on again.");
	if (tx->outcome == FACTOR_OUTCOME_REPLAY && tx->factor == FACTOR_TOTP) {
		log_warn("event=totp_replay user_id=%lld principal=%s src=%s",
		    (long long)tx->lu->user.id, quoted, src);
		return srv_fail(st, SRV_ERR_MFA_CODE_REUSED,
		    "This code was already used: wait for the next code (%d tries left).", left);
	}
	if (tx->outcome == FACTOR_OUTCOME_REPLAY && tx->factor == FACTOR_EMAIL)
		return srv_fail(st, SRV_ERR_INVALID_CHALLENGE,
		    "This code was already used: request a new one with SendLoginEmailCode.");
	if (tx->outcome == FACTOR_OUTCOME_REPLAY)
		return srv_fail(st, SRV_ERR_PASSKEY_LOGON_FAILED,
		    "This passkey response was already used: %d tries left.", left);
	if (failure == SRV_ERR_INVALID_MFA_CODE)
		return srv_fail(st, failure, "The code is incorrect: %d tries left.", left);
	snprintf(detail, sizeof(detail), "%s",
	    st->message[0] != '\0' ? st->message : srv_err_default_message(failure));
	return srv_fail(st, failure, "%s %d tries left.", detail, left);
}

/* ---- Email codes ---- */

int
logon_email_start(struct app *app, const char *challenge, const char *src, int64_t *ret_expires,
    char hint[EMAIL_HINT_MAX + 1], struct srv_status *st)
{
	struct store *db = app_store(app);
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	char principal[STORE_NAME_MAX + STORE_ALIAS_MAX + 2];
	struct store_challenge c;
	struct logon_user lu;
	int64_t now = clock_now();
	int r;

	memset(&lu, 0, sizeof(lu));
	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (token_hash(challenge, hash) != 0)
		return SRV_ERR_INVALID_CHALLENGE;
	r = logon_open_challenge(app, db, hash, now, src, &lu, &c, st);
	if (r != SRV_OK)
		return r;
	r = logon_check_lock(db, &lu, now, st);
	if (r != SRV_OK)
		return r;
	/* Codes go only to an attached address, which its code has verified. */
	if (!lu.has_email)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The user has no verified security email address: use another method.");
	r = logon_check_email_allowed(&lu, st);
	if (r != SRV_OK)
		return r;

	principal_format(&lu.user, &lu.acct, principal, sizeof(principal));
	r = email_send_logon_code(app, &lu.email, principal, hash, c.expires, src, ret_expires, st);
	if (r == SRV_OK)
		email_hint(lu.email.address, hint);
	return r;
}

static int
logon_mfa_email(struct app *app, struct store *db, const char *challenge, const char *code,
    const char *src, struct logon_result *res, struct srv_status *st)
{
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	struct store_challenge c;
	struct factor_tx tx;
	struct logon_user lu;
	int64_t now = clock_now();
	int64_t code_id = 0;
	int left = 0;
	int r;

	memset(&lu, 0, sizeof(lu));
	if (token_hash(challenge, hash) != 0)
		return SRV_ERR_INVALID_CHALLENGE;
	r = logon_open_challenge(app, db, hash, now, src, &lu, &c, st);
	if (r != SRV_OK)
		return r;
	if (!lu.has_email)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The user has no verified security email address: use another method.");
	r = logon_check_email_allowed(&lu, st);
	if (r != SRV_OK)
		return r;

	/* The code's own tries are counted here; the logon's in the transaction below. */
	r = email_check_logon_code(app, lu.user.id, hash, code, &code_id, &left, st);
	if (r != SRV_OK && r != SRV_ERR_INVALID_MFA_CODE)
		return r;
	tx = (struct factor_tx){ app, hash, &lu, res, FACTOR_EMAIL, r == SRV_OK, 0, NULL, now, 0,
		0, 0, code_id };
	r = logon_factor_finish(app, db, &tx, SRV_ERR_INVALID_MFA_CODE, src, st);
	if (r == SRV_ERR_INVALID_MFA_CODE && left == 0)
		r = srv_fail(st, SRV_ERR_INVALID_CHALLENGE, "The code is incorrect and was used up by "
		    "too many wrong tries: request a new one with SendLoginEmailCode.");
	return r;
}

int
logon_mfa(struct app *app, const char *challenge, const char *method, const char *code,
    const char *src, struct logon_result *res, struct srv_status *st)
{
	struct store *db = app_store(app);
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	struct store_challenge c;
	struct factor_tx tx;
	struct logon_user lu;
	int64_t now = clock_now();
	uint64_t step = 0;
	int r;

	memset(&lu, 0, sizeof(lu));
	memset(res, 0, sizeof(*res));
	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (strcmp(method, "email") == 0) /* not secret */
		return logon_mfa_email(app, db, challenge, code, src, res, st);
	if (strcmp(method, "totp") != 0) /* not secret */
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "Method must be \"totp\", \"passkey\" or \"email\".");
	if (token_hash(challenge, hash) != 0)
		return SRV_ERR_INVALID_CHALLENGE;
	r = logon_open_challenge(app, db, hash, now, src, &lu, &c, st);
	if (r != SRV_OK)
		return r;
	if (!lu.dev_bound)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The user has no bound virtual MFA device: use another method.");

	/* The code is checked outside; whether its step is still unused is decided inside. */
	r = vmfa_check(app, &lu.dev, code, now, &step);
	if (r != SRV_OK && r != SRV_ERR_INVALID_MFA_CODE)
		return r;
	tx = (struct factor_tx){ app, hash, &lu, res, FACTOR_TOTP, r == SRV_OK, step, NULL, now,
		0, 0, 0, 0 };
	return logon_factor_finish(app, db, &tx, SRV_ERR_INVALID_MFA_CODE, src, st);
}

/* ---- Passkeys ---- */

int
logon_passkey_start(struct app *app, const char *challenge, const char *src,
    json_t **ret_options, struct srv_status *st)
{
	struct store *db = app_store(app);
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	struct store_challenge c;
	struct logon_user lu;
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (challenge == NULL) {
		if (!ratelimit_take(app->open_challenges, src, monotonic_ms())) {
			st->retry_after = 1;
			return SRV_ERR_THROTTLED;
		}
		return passkey_assertion_start(app, 0, NULL, ret_options, st);
	}

	memset(&lu, 0, sizeof(lu));
	if (token_hash(challenge, hash) != 0)
		return SRV_ERR_INVALID_CHALLENGE;
	r = logon_load_challenge(db, hash, clock_now(), &lu, &c);
	if (r == STORE_NOT_FOUND)
		return SRV_ERR_INVALID_CHALLENGE;
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	r = netlogon_check(app, db, lu.acct.id, lu.user.id, src, st);
	if (r != SRV_OK)
		return r;
	if (lu.passkeys == 0)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The user has no passkey: use another method.");
	return passkey_assertion_start(app, lu.user.id, hash, ret_options, st);
}

struct passwordless_tx {
	const struct app *app;
	struct logon_user *lu;
	const struct passkey_assertion *pa;
	struct logon_result *res;
	int64_t now;
	int64_t locked;   /* seconds left of a lock found in the transaction */
	int replay;       /* the counter moved meanwhile: a parallel use of one assertion */
};

/* Record the passkey's use and make the session in one transaction, unless locked. */
static int
logon_passwordless_fn(struct store *db, void *arg)
{
	struct passwordless_tx *tx = arg;
	const struct store_passkey *pk = &tx->pa->pk;
	struct store_session s;
	int scope;
	int r;

	if (lockout_remaining(db, tx->lu->key, tx->now, &tx->locked) != STORE_OK)
		return STORE_ERROR;
	if (tx->locked > 0)
		return logon_audit(tx->app, db, tx->lu, "logon_failure", AUDIT_FAILURE,
		    "step=passkey method=passkey reason=locked");
	r = db->ops->passkey_use(db, pk->id, pk->sign_count, tx->pa->new_count,
	    tx->pa->backup_state, tx->now);
	if (r == STORE_CONFLICT)
		tx->replay = 1;
	if (r != STORE_OK)
		return r;

	scope = logon_next_scope(&tx->lu->lp, &tx->lu->set, 1);
	if (session_create(tx->app, db, tx->lu->user.id, scope,
	    FACTOR_PASSKEY | FACTOR_USER_VERIFIED, tx->now, FACTOR_PASSKEY, NULL, tx->res->token,
	    &s) != SRV_OK)
		return STORE_ERROR;
	tx->res->status = logon_status_of_scope(scope);
	tx->res->expires = s.expires;
	tx->res->scope = scope;
	tx->res->factors = s.factors;
	if (notify_logon_success(tx->app, db, tx->lu->acct.id, tx->lu->user.id) != STORE_OK ||
	    logon_audit(tx->app, db, tx->lu, "logon_success", AUDIT_SUCCESS,
	    "factors=passkey") != STORE_OK)
		return STORE_ERROR;
	return lockout_clear(db, tx->lu->key);
}

int
logon_mfa_passkey(struct app *app, const char *challenge, json_t *credential, const char *src,
    struct logon_result *res, struct srv_status *st)
{
	struct store *db = app_store(app);
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	struct passkey_assertion pa;
	struct store_challenge c;
	struct factor_tx tx;
	struct logon_user lu;
	int64_t now = clock_now();
	int r;

	memset(&lu, 0, sizeof(lu));
	memset(res, 0, sizeof(*res));
	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (token_hash(challenge, hash) != 0)
		return SRV_ERR_INVALID_CHALLENGE;
	r = logon_open_challenge(app, db, hash, now, src, &lu, &c, st);
	if (r != SRV_OK)
		return r;

	r = passkey_assertion_verify(app, credential, lu.user.id, hash, &pa, src, st);
	/*
	 * A spent or unknown WebAuthn challenge checked no credential, so it is
	 * not a guess. Counting it would let copies of one assertion, sent in
	 * parallel, use up the logon challenge before the first copy commits.
	 */
	if (r == SRV_ERR_INTERNAL || r == SRV_ERR_INVALID_CHALLENGE)
		return r;
	tx = (struct factor_tx){ app, hash, &lu, res, FACTOR_PASSKEY, r == SRV_OK, 0, &pa, now, 0,
		0, 0, 0 };
	return logon_factor_finish(app, db, &tx, r, src, st);
}

/* Load the passkey owner's account, profile and principal for a passwordless logon. */
static int
logon_load_owner(struct store *db, int64_t user_id, struct logon_user *lu)
{
	int r = db->ops->user_get(db, user_id, &lu->user);

	if (r == STORE_OK)
		r = db->ops->account_get(db, lu->user.account_id, &lu->acct);
	if (r == STORE_OK)
		r = db->ops->login_profile_get(db, lu->user.id, &lu->lp);
	if (r == STORE_OK)
		r = settings_load(db, lu->acct.id, &lu->set);
	if (r == STORE_OK)
		r = logon_check_expiry(db, lu, clock_now());
	if (r != STORE_OK)
		return r;
	mfa_memzero(lu->lp.password_hash, sizeof(lu->lp.password_hash));
	principal_format(&lu->user, &lu->acct, lu->key, sizeof(lu->key));
	principal_key(lu->key, lu->key);
	return STORE_OK;
}

int
logon_passkey(struct app *app, json_t *credential, const char *src, struct logon_result *res,
    struct srv_status *st)
{
	struct store *db = app_store(app);
	struct passkey_assertion pa;
	struct passwordless_tx tx;
	struct logon_user lu;
	char quoted[LOG_QUOTE_MAX];
	int64_t now = clock_now();
	int r;

	memset(&lu, 0, sizeof(lu));
	memset(res, 0, sizeof(*res));
	if (db == NULL)
		return SRV_ERR_INTERNAL;
	r = passkey_assertion_verify(app, credential, 0, NULL, &pa, src, st);
	if (r != SRV_OK) {
		/* An unknown credential names no user, so only a known one's failure is recorded. */
		if (r != SRV_ERR_INTERNAL && pa.pk.user_id != 0 &&
		    logon_load_owner(db, pa.pk.user_id, &lu) == STORE_OK)
			(void)logon_audit(app, db, &lu, "logon_failure", AUDIT_FAILURE,
			    "step=passkey method=passkey reason=wrong_proof");
		return r;
	}

	/* No login profile means no console logon, with a password or without. */
	r = logon_load_owner(db, pa.pk.user_id, &lu);
	if (r == STORE_NOT_FOUND)
		return srv_fail(st, SRV_ERR_PASSKEY_LOGON_FAILED,
		    "The passkey's user may not log on to the console.");
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	if (!lu.acct.passkey_logon)
		return SRV_ERR_PASSKEY_LOGON_DISABLED;
	r = netlogon_check(app, db, lu.acct.id, lu.user.id, src, st);
	if (r != SRV_OK)
		return r;
	/*
	 * HardExpiry locks the user out until the owner sets a new password, with
	 * or without it; a passkey must not reopen the account. A soft expiry
	 * gives a change-password session, as at a password logon.
	 */
	if (lu.hard_expired) {
		(void)logon_audit(app, db, &lu, "logon_failure", AUDIT_FAILURE,
		    "step=passkey reason=password_expired");
		return srv_fail(st, SRV_ERR_PASSWORD_EXPIRED, "The password has expired: ask the "
		    "account owner to set a new one.");
	}

	tx = (struct passwordless_tx){ app, &lu, &pa, res, now, 0, 0 };
	r = store_tx(db, logon_passwordless_fn, &tx);
	outbox_wake(app);
	if (r != STORE_OK) {
		if (!tx.replay)
			return SRV_ERR_INTERNAL;
		(void)logon_audit(app, db, &lu, "logon_failure", AUDIT_FAILURE,
		    "step=passkey method=passkey reason=replay");
		return SRV_ERR_PASSKEY_LOGON_FAILED;
	}
	if (tx.locked > 0)
		return logon_locked(tx.locked, st);
	res->user = lu.user;
	log_info("event=logon_success user_id=%lld principal=%s src=%s factors=passkey "
	    "passkey_id=%lld", (long long)lu.user.id, log_quote(lu.key, quoted, sizeof(quoted)), src,
	    (long long)pa.pk.id);
	return SRV_OK;
}

struct new_session_tx {
	const struct app *app;
	const struct store_session *old;
	int64_t user_id;
	int scope;
	int factors;
	int proven;                   /* second factors proven now (session_create) */
	int64_t now;
	const struct store_login_profile *lp; /* NULL: keep the stored profile */
	const char *clear_key;        /* a principal whose failures to forget, or NULL */
	struct logon_result *res;
	int64_t account_id;           /* for the audit record of a password change */
};

/* End every session of the user and start one; for password changes and binding. */
static int
logon_new_session_fn(struct store *db, void *arg)
{
	struct new_session_tx *tx = arg;
	struct store_session s;
	int r;

	if (tx->lp != NULL && (r = db->ops->login_profile_update(db, tx->lp)) != STORE_OK)
		return r;
	if (tx->lp != NULL && (audit_record(tx->app, db, &(struct audit_event){ "password_change",
	    AUDIT_SUCCESS, tx->account_id, tx->user_id, tx->user_id, "by=self" }) != STORE_OK ||
	    notify_user(tx->app, db, tx->user_id, NOTIFY_PASSWORD_CHANGED) != STORE_OK))
		return STORE_ERROR;
	if (tx->lp != NULL && pwpolicy_remember(db, tx->user_id, tx->lp->password_hash,
	    tx->now) != STORE_OK)
		return STORE_ERROR;
	if (tx->clear_key != NULL && lockout_clear(db, tx->clear_key) != STORE_OK)
		return STORE_ERROR;
	/* A new password ends every other session and remembered browser of the user. */
	if (tx->lp != NULL) {
		r = session_revoke_user(tx->app, db, tx->account_id, tx->user_id, NULL,
		    "password_change", NULL);
		if (r == STORE_OK)
			r = remember_forget_user(tx->app, db, tx->account_id, tx->user_id,
			    "password_change", NULL);
	} else {
		r = db->ops->session_delete(db, tx->old->token_hash);
	}
	if (r == STORE_ERROR)
		return r;
	if (session_create(tx->app, db, tx->user_id, tx->scope, tx->factors, tx->now, tx->proven,
	    tx->old, tx->res->token, &s) != SRV_OK)
		return STORE_ERROR;
	tx->res->status = logon_status_of_scope(tx->scope);
	tx->res->expires = s.expires;
	tx->res->scope = tx->scope;
	tx->res->factors = tx->factors;
	return STORE_OK;
}

int
logon_change_password(struct app *app, const struct store_session *session,
    const struct store_user *user, const char *old_pw, size_t old_len, const char *new_pw,
    size_t new_len, const char *src, struct logon_result *res, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct store_login_profile lp;
	struct store_account acct;
	struct lockout_ticket ticket;
	struct logon_user lu;
	struct new_session_tx tx;
	struct pwpolicy_subject subject;
	char new_hash[STORE_PW_HASH_MAX + 1] = "";
	int64_t start = monotonic_ms();
	int64_t locked = 0;
	int r;

	memset(&lu, 0, sizeof(lu));
	memset(res, 0, sizeof(*res));
	if (db == NULL || db->ops->login_profile_get(db, user->id, &lp) != STORE_OK ||
	    db->ops->account_get(db, user->account_id, &acct) != STORE_OK)
		return SRV_ERR_INTERNAL;
	principal_format(user, &acct, lu.key, sizeof(lu.key));
	principal_key(lu.key, lu.key);
	lu.acct = acct;
	lu.user = *user;
	if (logon_load_factors(db, &lu) != STORE_OK) {
		r = SRV_ERR_INTERNAL;
		goto out;
	}
	/* The old password is a guess like any other: the lockout counts and stops it. */
	if (lockout_admit(app, db, lu.key, clock_now(), &ticket, &locked) != STORE_OK) {
		r = SRV_ERR_INTERNAL;
		goto out;
	}
	if (locked > 0) {
		st->retry_after = (int)locked;
		r = srv_fail(st, SRV_ERR_LOCKED,
		    "Too many failed attempts: password changes are locked for %lld seconds.",
		    (long long)locked);
		goto out;
	}
	r = pwpolicy_verify(app->pw, lp.password_hash, old_pw, old_len, NULL);
	if (r == SRV_ERR_INVALID_CREDENTIALS) {
		logon_audit_lockout(app, db, &lu, &ticket, "change_password");
		(void)logon_fail_password(app, &lu, "wrong_old_password", src, start);
		r = srv_fail(st, SRV_ERR_INVALID_CREDENTIALS, "OldPassword is incorrect.");
		goto out;
	}
	if (r == SRV_ERR_BUSY || r == SRV_ERR_INTERNAL)
		r = logon_unadmit(app, db, &lu, &ticket, r);
	if (r != SRV_OK)
		goto out;

	/* The old password was right, so a rejected new one counts as no failure. */
	subject = (struct pwpolicy_subject){ acct.id, acct.alias, user->id,
		user->is_owner ? NULL : user->name,
		logon_methods(&lu) == 0 && !lp.mfa_bind_required, lp.password_hash };
	r = pwpolicy_new_password(app, &subject, new_pw, new_len, new_hash, st);
	if (r != SRV_OK) {
		r = logon_unadmit(app, db, &lu, &ticket, r);
		goto out;
	}
	memcpy(lp.password_hash, new_hash, sizeof(lp.password_hash));
	lp.reset_required = 0;
	lp.password_changed = lp.updated = clock_now();

	tx = (struct new_session_tx){ app, session, user->id,
		logon_next_scope(&lp, &lu.set, logon_has_device(&lu)), session->factors, 0,
		clock_now(), &lp, lu.key, res, acct.id };
	r = store_tx(db, logon_new_session_fn, &tx) == STORE_OK ? SRV_OK : SRV_ERR_INTERNAL;
	outbox_wake(app);
	if (r == SRV_OK) {
		res->user = *user;
		log_info("event=password_changed user_id=%lld src=%s", (long long)user->id, src);
	}
out:
	mfa_memzero(&lp, sizeof(lp));
	mfa_memzero(new_hash, sizeof(new_hash));
	return r;
}

int
logon_after_bind(struct app *app, const struct store_session *session,
    const struct store_user *user, int factor, struct logon_result *res)
{
	struct store *db = app_store(app);
	struct store_account_settings set;
	struct store_login_profile lp;
	struct new_session_tx tx;
	int64_t now = clock_now();

	memset(res, 0, sizeof(*res));
	if (db == NULL || db->ops->login_profile_get(db, user->id, &lp) != STORE_OK ||
	    settings_load(db, user->account_id, &set) != STORE_OK)
		return SRV_ERR_INTERNAL;
	mfa_memzero(lp.password_hash, sizeof(lp.password_hash));
	tx = (struct new_session_tx){ app, session, user->id, logon_next_scope(&lp, &set, 1),
		session->factors | factor, factor, now, NULL, NULL, res, user->account_id };
	if (store_tx(db, logon_new_session_fn, &tx) != STORE_OK)
		return SRV_ERR_INTERNAL;
	res->user = *user;
	return SRV_OK;
}
