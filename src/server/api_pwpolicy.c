/* SPDX-License-Identifier: MIT */
/* GetPasswordPolicy and SetPasswordPolicy (after Alibaba Cloud RAM's actions), and UnlockUser. */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/api_internal.h"
#include "server/audit.h"
#include "server/json.h"
#include "server/pwpolicy_store.h"
#include "server/users.h"

static json_t *
api_pwpolicy_json(const struct pwpolicy *p)
{
	return json_pack("{s:{s:I, s:b, s:b, s:b, s:b, s:I, s:b, s:I, s:I, s:b}}", "PasswordPolicy",
	    "MinimumPasswordLength", (json_int_t)p->min_length,
	    "RequireLowercaseCharacters", (p->required_classes & PWPOLICY_CLASS_LOWER) != 0,
	    "RequireUppercaseCharacters", (p->required_classes & PWPOLICY_CLASS_UPPER) != 0,
	    "RequireNumbers", (p->required_classes & PWPOLICY_CLASS_DIGIT) != 0,
	    "RequireSymbols", (p->required_classes & PWPOLICY_CLASS_SYMBOL) != 0,
	    "MaxPasswordAge", (json_int_t)p->max_age_days,
	    "HardExpiry", p->hard_expiry != 0,
	    "PasswordReusePrevention", (json_int_t)p->reuse_prevention,
	    "MaxLoginAttemps", (json_int_t)p->lockout_attempts,
	    "PasswordNotContainUserName", p->must_not_contain_username != 0);
}

int
api_get_password_policy(struct api_ctx *c)
{
	struct pwpolicy p;

	if (pwpolicy_load(app_store(c->app), c->acct.id, &p) != STORE_OK)
		return SRV_ERR_INTERNAL;
	c->out = api_pwpolicy_json(&p);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

/* Set or clear bit in *classes from the boolean field key, when it is present. */
static int
api_pwpolicy_class(struct api_ctx *c, const char *key, unsigned bit, unsigned *classes)
{
	int on;
	int r = jreq_bool(c->body, key, &on, &c->st);

	if (r != SRV_OK)
		return r;
	if (on == 1)
		*classes |= bit;
	else if (on == 0)
		*classes &= ~bit;
	return SRV_OK;
}

/* Set *flag from the boolean field key, when it is present. */
static int
api_pwpolicy_flag(struct api_ctx *c, const char *key, int *flag)
{
	int on;
	int r = jreq_bool(c->body, key, &on, &c->st);

	if (r == SRV_OK && on >= 0)
		*flag = on;
	return r;
}

/* Set *value from the integer field key in [min, max], when it is present. */
static int
api_pwpolicy_number(struct api_ctx *c, const char *key, long long min, long long max,
    unsigned *value)
{
	long long n;
	int r = jreq_int(c->body, key, -1, min, max, &n, &c->st);

	if (r == SRV_OK && n >= 0)
		*value = (unsigned)n;
	return r;
}

/*
 * MaxLoginAttemps is RAM's spelling, and MaxLoginAttempts is accepted too.
 * A request that sends both must give one value.
 */
static int
api_pwpolicy_attempts(struct api_ctx *c, unsigned *value)
{
	unsigned ram_spelling = (unsigned)-1;
	unsigned plain_spelling = (unsigned)-1;
	int r;

	r = api_pwpolicy_number(c, "MaxLoginAttemps", 0, PWPOLICY_LOCKOUT_HIGH, &ram_spelling);
	if (r == SRV_OK)
		r = api_pwpolicy_number(c, "MaxLoginAttempts", 0, PWPOLICY_LOCKOUT_HIGH,
		    &plain_spelling);
	if (r != SRV_OK)
		return r;
	if (ram_spelling != (unsigned)-1 && plain_spelling != (unsigned)-1 &&
	    ram_spelling != plain_spelling)
		return srv_fail(&c->st, SRV_ERR_INVALID_PARAMETER,
		    "MaxLoginAttemps and MaxLoginAttempts differ: send one of them.");
	if (ram_spelling != (unsigned)-1)
		*value = ram_spelling;
	else if (plain_spelling != (unsigned)-1)
		*value = plain_spelling;
	return SRV_OK;
}

/* Apply the request's fields to p. A missing field keeps its value. */
static int
api_pwpolicy_read(struct api_ctx *c, struct pwpolicy *p)
{
	int r;

	if ((r = api_pwpolicy_number(c, "MinimumPasswordLength", PWPOLICY_MIN_LENGTH_LOW,
	    PWPOLICY_MIN_LENGTH_HIGH, &p->min_length)) != SRV_OK ||
	    (r = api_pwpolicy_class(c, "RequireLowercaseCharacters", PWPOLICY_CLASS_LOWER,
	    &p->required_classes)) != SRV_OK ||
	    (r = api_pwpolicy_class(c, "RequireUppercaseCharacters", PWPOLICY_CLASS_UPPER,
	    &p->required_classes)) != SRV_OK ||
	    (r = api_pwpolicy_class(c, "RequireNumbers", PWPOLICY_CLASS_DIGIT,
	    &p->required_classes)) != SRV_OK ||
	    (r = api_pwpolicy_class(c, "RequireSymbols", PWPOLICY_CLASS_SYMBOL,
	    &p->required_classes)) != SRV_OK ||
	    (r = api_pwpolicy_number(c, "MaxPasswordAge", 0, PWPOLICY_MAX_AGE_DAYS_HIGH,
	    &p->max_age_days)) != SRV_OK ||
	    (r = api_pwpolicy_flag(c, "HardExpiry", &p->hard_expiry)) != SRV_OK ||
	    (r = api_pwpolicy_number(c, "PasswordReusePrevention", 0, PWPOLICY_REUSE_HIGH,
	    &p->reuse_prevention)) != SRV_OK ||
	    (r = api_pwpolicy_attempts(c, &p->lockout_attempts)) != SRV_OK ||
	    (r = api_pwpolicy_flag(c, "PasswordNotContainUserName",
	    &p->must_not_contain_username)) != SRV_OK)
		return r;
	return pwpolicy_validate(p, &c->st);
}

struct api_pwpolicy_tx {
	const struct app *app;
	int64_t account_id;
	const struct pwpolicy *p;
	int64_t now;
};

static int
api_pwpolicy_save_fn(struct store *db, void *arg)
{
	struct api_pwpolicy_tx *tx = arg;
	const struct pwpolicy *p = tx->p;
	char detail[160];

	if (pwpolicy_save(db, tx->account_id, p, tx->now) != STORE_OK)
		return STORE_ERROR;
	return audit_record(tx->app, db, &(struct audit_event){ "password_policy", AUDIT_SUCCESS,
	    tx->account_id, 0, 0, audit_detail(detail, sizeof(detail), "min_length=%u classes=%u "
	    "max_age_days=%u hard_expiry=%d reuse_prevention=%u max_login_attempts=%u "
	    "not_contain_user_name=%d", p->min_length, p->required_classes, p->max_age_days,
	    p->hard_expiry, p->reuse_prevention, p->lockout_attempts,
	    p->must_not_contain_username) });
}

int
api_set_password_policy(struct api_ctx *c)
{
	struct store *db = app_store(c->app);
	struct api_pwpolicy_tx tx;
	struct pwpolicy p;
	int r;

	if (pwpolicy_load(db, c->acct.id, &p) != STORE_OK)
		return SRV_ERR_INTERNAL;
	r = api_pwpolicy_read(c, &p);
	if (r != SRV_OK)
		return r;
	tx = (struct api_pwpolicy_tx){ c->app, c->acct.id, &p, clock_now() };
	if (store_tx(db, api_pwpolicy_save_fn, &tx) != STORE_OK)
		return SRV_ERR_INTERNAL;
	log_info("event=password_policy_set account_id=%lld", (long long)c->acct.id);
	c->out = api_pwpolicy_json(&p);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

int
api_unlock_user(struct api_ctx *c)
{
	struct store_user u;
	int r;

	if ((r = api_target_user(c, 0, &u)) != SRV_OK ||
	    (r = users_unlock(c->app, &c->acct, &u, &c->st)) != SRV_OK)
		return r;
	c->out = json_object();
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}
