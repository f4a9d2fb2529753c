/* SPDX-License-Identifier: MIT */
/* Step-up: a fresh second factor before sensitive actions. */
#include "server/stepup.h"

#include <string.h>

#include <mfa/common.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/audit.h"
#include "server/lockout.h"
#include "server/notify.h"
#include "server/outbox.h"
#include "server/passkey.h"
#include "server/principal.h"
#include "server/settings.h"
#include "server/vmfa.h"

/* The user's second factors and the lockout key of their principal. */
struct stepup_user {
	char key[STORE_PRINCIPAL_MAX + 1];
	struct store_mfa_device dev;
	int dev_bound;
	int64_t passkeys;
	int has_email;
	struct store_security_email email;
	char principal[STORE_PRINCIPAL_MAX + 1];
	struct store_account_settings set;
};

/* The second factors the user has and the account accepts for a step-up, as FACTOR_* bits. */
static int
stepup_methods(const struct stepup_user *su)
{
	return settings_step_up_methods(&su->set, (su->dev_bound ? FACTOR_TOTP : 0) |
	    (su->passkeys > 0 ? FACTOR_PASSKEY : 0) | (su->has_email ? FACTOR_EMAIL : 0));
}

/* Reject an email code for a step-up when the account's settings forbid it. */
static int
stepup_check_email_allowed(const struct stepup_user *su, struct srv_status *st)
{
	if (su->set.allow_email_step_up)
		return SRV_OK;
	return srv_fail(st, SRV_ERR_FORBIDDEN, "The account's security preference "
	    "MFAPreference.AllowEmailForStepUp is false: use a virtual MFA device or a passkey.");
}

/* Whether session proved one of the factors in accepted within ttl seconds before now. */
static int
stepup_fresh(const struct store_session *session, int accepted, int64_t now, int64_t ttl)
{
	if ((accepted & FACTOR_PASSKEY) && session->passkey_at > 0 &&
	    now - session->passkey_at < ttl)
		return 1;
	if ((accepted & FACTOR_TOTP) && session->totp_at > 0 && now - session->totp_at < ttl)
		return 1;
	return (accepted & FACTOR_EMAIL) && session->email_at > 0 && now - session->email_at < ttl;
}

static int
stepup_load(struct store *db, const struct store_user *user, struct stepup_user *su)
{
	struct store_account acct;
	int r;

	memset(su, 0, sizeof(*su));
	r = db->ops->mfa_device_get_by_user(db, user->id, &su->dev);
	if (r == STORE_ERROR)
		return SRV_ERR_INTERNAL;
	su->dev_bound = r == STORE_OK && su->dev.bound;
	r = db->ops->security_email_get(db, user->id, &su->email);
	if (r == STORE_ERROR)
		return SRV_ERR_INTERNAL;
	su->has_email = r == STORE_OK;
	if (db->ops->passkey_count_by_user(db, user->id, &su->passkeys) != STORE_OK ||
	    db->ops->account_get(db, user->account_id, &acct) != STORE_OK ||
	    settings_load(db, acct.id, &su->set) != STORE_OK)
		return SRV_ERR_INTERNAL;
	principal_format(user, &acct, su->principal, sizeof(su->principal));
	principal_key(su->principal, su->key);
	return SRV_OK;
}

int
stepup_require(struct app *app, const struct store_session *session,
    const struct store_user *user, int kind, int *ret_methods, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct stepup_user su;
	int64_t now = clock_now();
	int accepted;
	int methods;

	if (db == NULL || stepup_load(db, user, &su) != SRV_OK)
		return SRV_ERR_INTERNAL;
	methods = stepup_methods(&su);
	mfa_memzero(&su, sizeof(su));
	/* Adding a factor needs the strongest one the user has, or one stronger still. */
	accepted = kind == STEPUP_BINDING ? settings_at_least(settings_strongest(methods)) :
	    methods;
	*ret_methods = methods & accepted;
	if (methods == 0) {
		/* Without a factor to prove, a first binding is free and the rest needs a fresh password. */
		if (kind == STEPUP_BINDING)
			return SRV_OK;
		if ((session->factors & FACTOR_PASSWORD) && now - session->created < app->cfg.step_up_ttl)
			return SRV_OK;
		return srv_fail(st, SRV_ERR_MFA_REQUIRED, "This operation needs a password proven in "
		    "the last %lld seconds and the user has no second factor: log on again.",
		    (long long)app->cfg.step_up_ttl);
	}
	if (stepup_fresh(session, accepted, now, app->cfg.step_up_ttl))
		return SRV_OK;
	if (kind == STEPUP_BINDING)
		return srv_fail(st, SRV_ERR_MFA_REQUIRED, "Adding a factor needs the user's strongest "
		    "second factor proven in the last %lld seconds: call StepUp with one of Methods.",
		    (long long)app->cfg.step_up_ttl);
	return srv_fail(st, SRV_ERR_MFA_REQUIRED, "This operation needs a second factor proven in "
	    "the last %lld seconds: call StepUp with one of Methods.", (long long)app->cfg.step_up_ttl);
}

/* Outcome of a step-up transaction. */
enum stepup_outcome {
	STEPUP_OK = 0,
	STEPUP_LOCKED,   /* the principal is locked: nothing was checked */
	STEPUP_FAILED,   /* a wrong proof, counted */
	STEPUP_REPLAY,   /* a right proof used before, counted */
};

/* One step-up attempt, judged in one write transaction. */
struct stepup_tx {
	const struct app *app;
	const struct store_session *session;
	struct stepup_user *su;
	int factor;                           /* FACTOR_TOTP, FACTOR_PASSKEY or FACTOR_EMAIL */
	int proven;                           /* the proof checked out before the transaction */
	uint64_t step;                        /* TOTP: the matched time step */
	const struct passkey_assertion *pa;   /* passkey: the verified assertion */
	int64_t email_code_id;                /* email: the code to spend */
	int64_t now;
	int outcome;                          /* enum stepup_outcome */
	int64_t locked;                       /* seconds of a lock in force */
};

/* Spend the proof once: STORE_CONFLICT when it was used before. */
static int
stepup_spend(struct store *db, const struct stepup_tx *tx)
{
	const struct store_passkey *pk;
	int r;

	if (tx->factor == FACTOR_TOTP)
		return db->ops->mfa_device_use_step(db, tx->su->dev.id, (int64_t)tx->step);
	if (tx->factor == FACTOR_EMAIL) {
		r = db->ops->email_code_delete(db, tx->email_code_id);
		return r == STORE_NOT_FOUND ? STORE_CONFLICT : r;
	}
	pk = &tx->pa->pk;
	return db->ops->passkey_use(db, pk->id, pk->sign_count, tx->pa->new_count,
	    tx->pa->backup_state, tx->now);
}

static const char *stepup_method_name(int factor);

/* Record the attempt's outcome in the audit log, in the step-up's transaction. */
static int
stepup_audit(struct store *db, const struct stepup_tx *tx)
{
	static const char *const reasons[] = { "", "locked", "wrong_proof", "replay" };
	char detail[64];

	audit_detail(detail, sizeof(detail), "method=%s%s%s", stepup_method_name(tx->factor),
	    tx->outcome == STEPUP_OK ? "" : " reason=", reasons[tx->outcome]);
	return audit_record(tx->app, db, &(struct audit_event){ "step_up",
	    tx->outcome == STEPUP_OK ? AUDIT_SUCCESS : AUDIT_FAILURE, tx->su->set.account_id,
	    tx->session->user_id, 0, detail });
}

static int
stepup_fn(struct store *db, void *arg)
{
	struct stepup_tx *tx = arg;
	int factors = tx->factor;
	int r;

	if (lockout_remaining(db, tx->su->key, tx->now, &tx->locked) != STORE_OK)
		return STORE_ERROR;
	if (tx->locked > 0) {
		tx->outcome = STEPUP_LOCKED;
		return stepup_audit(db, tx);
	}
	if (tx->proven) {
		r = stepup_spend(db, tx);
		if (r != STORE_OK && r != STORE_CONFLICT)
			return STORE_ERROR;
		if (r == STORE_OK) {
			if (tx->pa != NULL && tx->pa->user_verified)
				factors |= FACTOR_USER_VERIFIED;
			r = db->ops->session_set_mfa(db, tx->session->token_hash, factors, tx->now);
			if (r != STORE_OK)
				return STORE_ERROR;
			tx->outcome = STEPUP_OK;
			if (stepup_audit(db, tx) != STORE_OK)
				return STORE_ERROR;
			return lockout_clear(db, tx->su->key);
		}
	}
	tx->outcome = tx->proven ? STEPUP_REPLAY : STEPUP_FAILED;
	if (stepup_audit(db, tx) != STORE_OK)
		return STORE_ERROR;
	if (tx->outcome == STEPUP_REPLAY && tx->factor == FACTOR_TOTP &&
	    notify_user(tx->app, db, tx->session->user_id, NOTIFY_TOTP_REPLAY) != STORE_OK)
		return STORE_ERROR;
	return lockout_record_failure(tx->app, db, tx->su->key, tx->now, &tx->locked);
}

static const char *
stepup_method_name(int factor)
{
	if (factor == FACTOR_TOTP)
		return "totp";
	if (factor == FACTOR_EMAIL)
		return "email";
	return "passkey";
}

/*
 * Run the transaction, log its outcome and return the matching result.
 * failure is the error of a failed proof: SRV_ERR_INVALID_MFA_CODE, or the
 * passkey's error, whose message is already in st.
 */
static int
stepup_finish(struct app *app, struct stepup_tx *tx, int failure, const char *src,
    struct srv_status *st)
{
	static const char *const names[] = { "ok", "locked", "failed", "replay" };
	const char *method = stepup_method_name(tx->factor);
	char quoted[LOG_QUOTE_MAX];

	if (store_tx(app_store(app), stepup_fn, tx) != STORE_OK)
		return SRV_ERR_INTERNAL;
	outbox_wake(app);
	log_quote(tx->su->key, quoted, sizeof(quoted));
	if (tx->outcome == STEPUP_OK) {
		log_info("event=step_up_success method=%s user_id=%lld principal=%s src=%s", method,
		    (long long)tx->session->user_id, quoted, src);
		return SRV_OK;
	}
	log_info("event=step_up_failure method=%s user_id=%lld principal=%s src=%s outcome=%s "
	    "locked_s=%lld", method, (long long)tx->session->user_id, quoted, src,
	    names[tx->outcome], (long long)tx->locked);
	if (tx->outcome == STEPUP_LOCKED) {
		st->retry_after = (int)tx->locked;
		return srv_fail(st, SRV_ERR_LOCKED,
		    "Too many failed attempts: step-up is locked for %lld seconds.",
		    (long long)tx->locked);
	}
	if (tx->outcome == STEPUP_REPLAY && tx->factor == FACTOR_TOTP) {
		log_warn("event=totp_replay user_id=%lld principal=%s src=%s step=up",
		    (long long)tx->session->user_id, quoted, src);
		return srv_fail(st, SRV_ERR_MFA_CODE_REUSED,
		    "This code was already used: wait for the next code.");
	}
	if (tx->outcome == STEPUP_REPLAY && tx->factor == FACTOR_EMAIL)
		return srv_fail(st, SRV_ERR_INVALID_CHALLENGE,
		    "This code was already used: request a new one with SendStepUpEmailCode.");
	if (tx->outcome == STEPUP_REPLAY)
		return srv_fail(st, SRV_ERR_PASSKEY_LOGON_FAILED,
		    "This passkey response was already used.");
	if (failure == SRV_ERR_INVALID_MFA_CODE && st->message[0] == '\0')
		return srv_fail(st, failure, "The code is incorrect.");
	return failure;
}

/* Reject a locked principal with the time left, before mailing or checking anything. */
static int
stepup_check_lock(struct store *db, const struct stepup_user *su, struct srv_status *st)
{
	int64_t locked = 0;

	if (lockout_remaining(db, su->key, clock_now(), &locked) != STORE_OK)
		return SRV_ERR_INTERNAL;
	if (locked <= 0)
		return SRV_OK;
	st->retry_after = (int)locked;
	return srv_fail(st, SRV_ERR_LOCKED,
	    "Too many failed attempts: step-up is locked for %lld seconds.", (long long)locked);
}

static int
stepup_totp(struct app *app, const struct store_session *session, struct stepup_user *su,
    const char *code, const char *src, struct srv_status *st)
{
	struct stepup_tx tx;
	int64_t now = clock_now();
	uint64_t step = 0;
	int r;

	if (!su->dev_bound)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The user has no bound virtual MFA device: use another method.");
	/* The code is checked here, and the transaction decides whether its step is still unused. */
	r = vmfa_check(app, &su->dev, code, now, &step);
	if (r != SRV_OK && r != SRV_ERR_INVALID_MFA_CODE)
		return r;
	tx = (struct stepup_tx){ app, session, su, FACTOR_TOTP, r == SRV_OK, step, NULL, 0, now,
		0, 0 };
	return stepup_finish(app, &tx, SRV_ERR_INVALID_MFA_CODE, src, st);
}

static int
stepup_email(struct app *app, const struct store_session *session, struct stepup_user *su,
    const char *code, const char *src, struct srv_status *st)
{
	struct stepup_tx tx;
	int64_t code_id = 0;
	int left = 0;
	int r;

	if (!su->has_email)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The user has no verified security email address: use another method.");
	r = stepup_check_email_allowed(su, st);
	if (r != SRV_OK)
		return r;
	r = stepup_check_lock(app_store(app), su, st);
	if (r != SRV_OK)
		return r;
	/* The code's own tries are counted here, and the principal's failures in the transaction. */
	r = email_check_step_up_code(app, session, su->email.user_id, code, &code_id, &left, st);
	if (r != SRV_OK && r != SRV_ERR_INVALID_MFA_CODE)
		return r;
	tx = (struct stepup_tx){ app, session, su, FACTOR_EMAIL, r == SRV_OK, 0, NULL, code_id,
		clock_now(), 0, 0 };
	r = stepup_finish(app, &tx, SRV_ERR_INVALID_MFA_CODE, src, st);
	if (r == SRV_ERR_INVALID_MFA_CODE && left == 0)
		r = srv_fail(st, SRV_ERR_INVALID_CHALLENGE, "The code is incorrect and was used up by "
		    "too many wrong tries: request a new one with SendStepUpEmailCode.");
	return r;
}

int
stepup_code(struct app *app, const struct store_session *session,
    const struct store_user *user, const char *method, const char *code, const char *src,
    struct srv_status *st)
{
	struct store *db = app_store(app);
	struct stepup_user su;
	int r;

	if (db == NULL || stepup_load(db, user, &su) != SRV_OK)
		return SRV_ERR_INTERNAL;
	if (strcmp(method, "totp") == 0) /* not secret */
		r = stepup_totp(app, session, &su, code, src, st);
	else if (strcmp(method, "email") == 0) /* not secret */
		r = stepup_email(app, session, &su, code, src, st);
	else
		r = srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "Method must be \"totp\", \"passkey\" or \"email\".");
	mfa_memzero(&su, sizeof(su));
	return r;
}

int
stepup_email_start(struct app *app, const struct store_session *session,
    const struct store_user *user, const char *src, int64_t *ret_expires,
    char hint[EMAIL_HINT_MAX + 1], struct srv_status *st)
{
	struct store *db = app_store(app);
	struct stepup_user su;
	int r;

	if (db == NULL || stepup_load(db, user, &su) != SRV_OK)
		return SRV_ERR_INTERNAL;
	r = stepup_check_lock(db, &su, st);
	if (r != SRV_OK)
		goto out;
	/* Codes go only to an attached address, which its code has verified. */
	if (!su.has_email) {
		r = srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The user has no verified security email address: use another method.");
		goto out;
	}
	r = stepup_check_email_allowed(&su, st);
	if (r != SRV_OK)
		goto out;
	r = email_send_step_up_code(app, &su.email, su.principal, session, src, ret_expires, st);
	if (r == SRV_OK)
		email_hint(su.email.address, hint);
out:
	mfa_memzero(&su, sizeof(su));
	return r;
}

int
stepup_passkey_start(struct app *app, const struct store_session *session,
    const struct store_user *user, json_t **ret_options, struct srv_status *st)
{
	struct store *db = app_store(app);
	int64_t count = 0;

	if (db == NULL || db->ops->passkey_count_by_user(db, user->id, &count) != STORE_OK)
		return SRV_ERR_INTERNAL;
	if (count == 0)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The user has no passkey: use another method.");
	/* The session's token hash binds the challenge as a logon challenge's would. */
	return passkey_assertion_start(app, user->id, session->token_hash, ret_options, st);
}

int
stepup_passkey(struct app *app, const struct store_session *session,
    const struct store_user *user, json_t *credential, const char *src, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct passkey_assertion pa;
	struct stepup_user su;
	struct stepup_tx tx;
	int r;

	if (db == NULL || stepup_load(db, user, &su) != SRV_OK)
		return SRV_ERR_INTERNAL;
	r = stepup_check_lock(db, &su, st);
	if (r != SRV_OK)
		goto out;
	r = passkey_assertion_verify(app, credential, user->id, session->token_hash, &pa, src, st);
	/* A spent or unknown WebAuthn challenge checked no credential, so it is not a guess. */
	if (r == SRV_ERR_INTERNAL || r == SRV_ERR_INVALID_CHALLENGE)
		goto out;
	tx = (struct stepup_tx){ app, session, &su, FACTOR_PASSKEY, r == SRV_OK, 0, &pa, 0,
		clock_now(), 0, 0 };
	r = stepup_finish(app, &tx, r, src, st);
out:
	mfa_memzero(&su, sizeof(su));
	return r;
}

int
stepup_record(struct app *app, const struct store_session *session, int factor)
{
	struct store *db = app_store(app);

	if (db == NULL || db->ops->session_set_mfa(db, session->token_hash, factor,
	    clock_now()) == STORE_ERROR)
		return SRV_ERR_INTERNAL;
	return SRV_OK;
}
