/* SPDX-License-Identifier: MIT */
/* Virtual MFA device creation, binding and code checks. */
#include "server/audit.h"
#include "server/vmfa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mfa/base32.h>
#include <mfa/err.h>
#include <mfa/otpauth.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/notify.h"
#include "server/outbox.h"
#include "server/principal.h"
#include "server/qr.h"

#define VMFA_AAD_LEN 16

/* Additional data that ties a sealed secret to its user's row. */
static void
vmfa_aad(int64_t user_id, uint8_t aad[VMFA_AAD_LEN])
{
	uint64_t v = (uint64_t)user_id;

	memcpy(aad, "mfad-vmfa", 8);
	for (int i = 0; i < 8; i++)
		aad[8 + i] = (uint8_t)(v >> (56 - 8 * i));
}

void
vmfa_new_clear(struct vmfa_new *n)
{
	mfa_free_secret_str(n->uri);
	mfa_free_secret(n->png, n->png_len);
	mfa_free_secret_str(n->svg);
	mfa_memzero(n, sizeof(*n));
}

static int
vmfa_render(const struct app *app, const struct store_account *acct, const struct store_user *user,
    const uint8_t *secret, struct vmfa_new *n)
{
	char account_label[STORE_NAME_MAX + STORE_ALIAS_MAX + 2];
	mfa_otpauth_t key = { 0 };

	principal_format(user, acct, account_label, sizeof(account_label));
	key.issuer = app->cfg.issuer;
	key.account = account_label;
	key.secret = secret;
	key.secret_len = MFA_OTP_SECRET_LEN;
	key.alg = MFA_OTP_SHA1;
	key.digits = 6;
	key.period = MFA_TOTP_PERIOD_DEFAULT;

	if (mfa_base32_encode(secret, MFA_OTP_SECRET_LEN, n->secret_b32, sizeof(n->secret_b32)) != 0 ||
	    mfa_otpauth_format(&key, &n->uri) != 0 ||
	    qr_png(n->uri, &n->png, &n->png_len) != 0 || qr_svg(n->uri, &n->svg) != 0)
		return SRV_ERR_INTERNAL;
	return SRV_OK;
}

int
vmfa_create(struct app *app, const struct store_account *acct, const struct store_user *user,
    struct vmfa_new *ret, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct store_mfa_device dev;
	uint8_t secret[MFA_OTP_SECRET_LEN];
	uint8_t aad[VMFA_AAD_LEN];
	struct vmfa_new n;
	int r = SRV_ERR_INTERNAL;

	(void)st;
	memset(&n, 0, sizeof(n));
	memset(&dev, 0, sizeof(dev));
	if (db == NULL || mfa_otp_secret_generate(secret) != MFA_OK)
		goto out;

	dev.user_id = user->id;
	snprintf(dev.serial, sizeof(dev.serial), "acs:ram::%s:mfa/%s-%lld", acct->alias,
	    user->is_owner ? "owner" : user->name, (long long)user->id);
	dev.algorithm = MFA_OTP_SHA1;
	dev.digits = 6;
	dev.period = MFA_TOTP_PERIOD_DEFAULT;
	dev.last_step = -1;
	dev.created = clock_now();
	vmfa_aad(user->id, aad);
	if (seal_encrypt(app->seal, aad, sizeof(aad), secret, sizeof(secret), dev.secret_enc,
	    sizeof(dev.secret_enc), &dev.secret_enc_len) != 0)
		goto out;
	if (vmfa_render(app, acct, user, secret, &n) != SRV_OK)
		goto out;

	r = db->ops->mfa_device_create(db, &dev);
	if (r == STORE_CONFLICT) {
		r = SRV_ERR_DEVICE_EXISTS;
		goto out;
	}
	if (r != STORE_OK) {
		r = SRV_ERR_INTERNAL;
		goto out;
	}
	memcpy(n.serial, dev.serial, sizeof(n.serial));
	*ret = n;
	memset(&n, 0, sizeof(n));
	r = SRV_OK;
out:
	vmfa_new_clear(&n);
	mfa_memzero(secret, sizeof(secret));
	return r;
}

/* Open dev's secret into a generator. */
static int
vmfa_open(struct app *app, const struct store_mfa_device *dev, mfa_otp_t **ret)
{
	uint8_t secret[MFA_OTP_KEY_MAX];
	uint8_t aad[VMFA_AAD_LEN];
	size_t len = 0;
	int r = SRV_ERR_INTERNAL;

	vmfa_aad(dev->user_id, aad);
	if (seal_decrypt(app->seal, aad, sizeof(aad), dev->secret_enc, dev->secret_enc_len, secret,
	    sizeof(secret), &len) != 0) {
		log_error("event=seed_unreadable user_id=%lld reason=\"wrong master key or changed row\"",
		    (long long)dev->user_id);
		goto out;
	}
	if (mfa_otp_new(app->mfa, (mfa_otp_alg_t)dev->algorithm, secret, len,
	    (unsigned)dev->digits, ret) != MFA_OK)
		goto out;
	r = SRV_OK;
out:
	mfa_memzero(secret, sizeof(secret));
	return r;
}

int
vmfa_check(struct app *app, const struct store_mfa_device *dev, const char *code, int64_t now,
    uint64_t *ret_step)
{
	mfa_otp_t *otp = NULL;
	int r;

	r = vmfa_open(app, dev, &otp);
	if (r != SRV_OK)
		return r;
	r = mfa_totp_verify(otp, code, now, (unsigned)dev->period, app->cfg.totp_window, ret_step);
	mfa_otp_free(&otp);
	if (r == MFA_OK)
		return SRV_OK;
	return r == MFA_ERR_VERIFY_FAILED ? SRV_ERR_INVALID_MFA_CODE : SRV_ERR_INTERNAL;
}

static int
vmfa_code_form(const char *code, const char *field, struct srv_status *st)
{
	size_t n = strlen(code);

	if (n != 6 || strspn(code, "0123456789") != n)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "%s must be 6 digits.", field);
	return SRV_OK;
}

/* Find the steps of two consecutive codes; returns the step of code2. */
static int
vmfa_match_pair(struct app *app, const struct store_mfa_device *dev, const char *code1,
    const char *code2, int64_t now, uint64_t *ret_step2, struct srv_status *st)
{
	mfa_otp_t *otp = NULL;
	uint64_t step2 = 0;
	uint64_t step1 = 0;
	int64_t t1;
	int r;

	r = vmfa_open(app, dev, &otp);
	if (r != SRV_OK)
		return r;
	r = mfa_totp_verify(otp, code2, now, (unsigned)dev->period, app->cfg.totp_window, &step2);
	if (r != MFA_OK || step2 == 0) {
		r = srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "AuthenticationCode2 does not match the current code of the device: check "
		    "the phone's clock and send two consecutive codes.");
		goto out;
	}
	/* code1 must be the code of exactly the step before code2's. */
	t1 = (int64_t)(step2 - 1) * dev->period;
	r = mfa_totp_verify(otp, code1, t1, (unsigned)dev->period, 0, &step1);
	if (r != MFA_OK) {
		r = srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "AuthenticationCode1 is not the code just before AuthenticationCode2: send "
		    "two consecutive codes, the older one first.");
		goto out;
	}
	*ret_step2 = step2;
	r = SRV_OK;
out:
	mfa_otp_free(&otp);
	return r;
}

/* Record a bind or unbind of user's device, by the request's session user. */
static int
vmfa_audit(struct app *app, struct store *db, const struct store_user *user, const char *event,
    const char *outcome, const char *serial, const char *reason)
{
	char quoted[LOG_QUOTE_MAX];
	char detail[LOG_QUOTE_MAX + 32];
	struct audit_event ev = { event, outcome, user->account_id, user->id, 0, detail };

	audit_detail(detail, sizeof(detail), "serial=%s%s%s",
	    log_quote(serial, quoted, sizeof(quoted)), reason != NULL ? " reason=" : "",
	    reason != NULL ? reason : "");
	return audit_record(app, db, &ev);
}

/* A bind or an unbind, with its audit record and notice, in one transaction. */
struct vmfa_change_tx {
	struct app *app;
	const struct store_user *user;
	const struct store_mfa_device *dev;
	int bind;        /* 1: bind at step, 0: delete */
	int64_t step;
	int64_t now;
};

static int
vmfa_change_fn(struct store *db, void *arg)
{
	struct vmfa_change_tx *tx = arg;
	int r;

	r = tx->bind ? db->ops->mfa_device_bind(db, tx->dev->id, tx->step, tx->now) :
	    db->ops->mfa_device_delete(db, tx->dev->id);
	if (r != STORE_OK)
		return r;
	if (vmfa_audit(tx->app, db, tx->user, tx->bind ? "mfa_bind" : "mfa_unbind", AUDIT_SUCCESS,
	    tx->dev->serial, NULL) != STORE_OK)
		return STORE_ERROR;
	return notify_user(tx->app, db, tx->user->id,
	    tx->bind ? NOTIFY_TOTP_BOUND : NOTIFY_TOTP_UNBOUND);
}

static int
vmfa_change(struct app *app, const struct store_user *user, const struct store_mfa_device *dev,
    int bind, int64_t step, int64_t now)
{
	struct vmfa_change_tx tx = { app, user, dev, bind, step, now };
	struct store *db = app_store(app);
	int r;

	if (db == NULL)
		return STORE_ERROR;
	r = store_tx(db, vmfa_change_fn, &tx);
	outbox_wake(app);
	return r;
}

int
vmfa_bind(struct app *app, const struct store_user *user, const char *serial, const char *code1,
    const char *code2, const char *src, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct store_mfa_device dev;
	int64_t now = clock_now();
	char quoted[LOG_QUOTE_MAX];
	uint64_t step2 = 0;
	int r;

	if ((r = vmfa_code_form(code1, "AuthenticationCode1", st)) != SRV_OK ||
	    (r = vmfa_code_form(code2, "AuthenticationCode2", st)) != SRV_OK)
		return r;
	if (strcmp(code1, code2) == 0) /* not secret-dependent: both come from the client */
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The two codes are equal: wait for the app to show the next code.");
	r = vmfa_get(app, user, &dev);
	if (r != SRV_OK)
		return r;
	if (strcmp(dev.serial, serial) != 0 || dev.bound) /* not secret */
		return srv_fail(st, SRV_ERR_DEVICE_NOT_FOUND,
		    "The user has no pending virtual MFA device with this serial number.");
	if (now - dev.created > app->cfg.pending_device_ttl)
		return srv_fail(st, SRV_ERR_DEVICE_NOT_FOUND,
		    "The pending virtual MFA device expired: create it again.");

	r = vmfa_match_pair(app, &dev, code1, code2, now, &step2, st);
	if (r != SRV_OK && r != SRV_ERR_INTERNAL)
		(void)vmfa_audit(app, db, user, "mfa_bind", AUDIT_FAILURE, dev.serial, "wrong_codes");
	if (r != SRV_OK)
		return r;
	r = vmfa_change(app, user, &dev, 1, (int64_t)step2, now);
	if (r == STORE_NOT_FOUND)
		return srv_fail(st, SRV_ERR_DEVICE_NOT_FOUND,
		    "The virtual MFA device was bound or replaced meanwhile.");
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	log_info("event=mfa_bound user_id=%lld user=%s serial=%s src=%s", (long long)user->id,
	    log_quote(user->name, quoted, sizeof(quoted)), dev.serial, src);
	return SRV_OK;
}

int
vmfa_unbind(struct app *app, const struct store_user *user, char serial_out[STORE_SERIAL_MAX + 1],
    const char *src, struct srv_status *st)
{
	struct store_mfa_device dev;
	char quoted[LOG_QUOTE_MAX];
	int r;

	(void)st;
	r = vmfa_get(app, user, &dev);
	if (r != SRV_OK)
		return r;
	r = vmfa_change(app, user, &dev, 0, 0, clock_now());
	if (r == STORE_NOT_FOUND)
		return SRV_ERR_DEVICE_NOT_FOUND;
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	memcpy(serial_out, dev.serial, sizeof(dev.serial));
	log_info("event=mfa_unbound user_id=%lld user=%s serial=%s src=%s", (long long)user->id,
	    log_quote(user->name, quoted, sizeof(quoted)), dev.serial, src);
	return SRV_OK;
}

int
vmfa_get(struct app *app, const struct store_user *user, struct store_mfa_device *ret)
{
	struct store *db = app_store(app);
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	r = db->ops->mfa_device_get_by_user(db, user->id, ret);
	if (r == STORE_NOT_FOUND)
		return SRV_ERR_DEVICE_NOT_FOUND;
	return r == STORE_OK ? SRV_OK : SRV_ERR_INTERNAL;
}
