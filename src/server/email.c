/* SPDX-License-Identifier: MIT */
/* Security email addresses and the one-time codes mailed to them. */
#include "server/audit.h"
#include "server/email.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include <mfa/common.h>
#include <mfa/err.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/notify.h"
#include "server/outbox.h"
#include "server/seal.h"

#define EMAIL_KEY_LABEL "mfad email code"
#define EMAIL_SUBJECT_MAX 128   /* bytes of a code mail's subject */
#define EMAIL_TEXT_MAX 1024     /* bytes of a code mail's body */
/*
 * The largest multiple of 10^6 that fits in 32 bits. Random values at or
 * above it are drawn again, so each of the 10^6 codes is equally likely.
 */
#define EMAIL_CODE_DRAW_LIMIT 4294000000u

/* ---- Addresses ---- */

static int
email_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int
email_alnum(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static char
email_lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* 1 when the n bytes at s are a dot-atom (RFC 5322): atext runs joined by single dots. */
static int
email_local_valid(const char *s, size_t n)
{
	if (n == 0 || n > EMAIL_LOCAL_MAX || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.' && s[i + 1] == '.')
			return 0;
		if (s[i] != '.' && !email_alnum((unsigned char)s[i]) &&
		    strchr("!#$%&'*+/=?^_`{|}~-", s[i]) == NULL)
			return 0;
	}
	return 1;
}

/*
 * 1 when the n bytes at s are a host name of two or more labels of letters,
 * digits and '-' (not at either end of a label). The top-level label must
 * not be all digits, which leaves out IP addresses.
 */
static int
email_domain_valid(const char *s, size_t n)
{
	size_t len = 0;
	int labels = 0;
	int letter = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (len == 0 || len > EMAIL_LABEL_MAX || s[i - 1] == '-' || s[i - len] == '-')
				return 0;
			labels++;
			len = 0;
			letter = 0;
			continue;
		}
		if (!email_alnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
		if (!(s[i] >= '0' && s[i] <= '9'))
			letter = 1;
		len++;
		if (i + 1 == n && !letter)
			return 0;
	}
	return labels >= 2;
}

int
email_normalize(const char *text, char address[STORE_EMAIL_MAX + 1],
    char key[STORE_EMAIL_MAX + 1], struct srv_status *st)
{
	const char *start = text;
	const char *end;
	const char *at;
	size_t local;
	size_t n;

	while (email_space((unsigned char)*start))
		start++;
	end = start + strlen(start);
	while (end > start && email_space((unsigned char)end[-1]))
		end--;
	n = (size_t)(end - start);
	if (n == 0)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "Email is empty: give an address such as name@example.com.");
	if (n > STORE_EMAIL_MAX)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "Email has %zu bytes: an address has at most %d.", n, STORE_EMAIL_MAX);
	at = memchr(start, '@', n);
	if (at == NULL)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "Email has no '@': give an address such as name@example.com.");
	local = (size_t)(at - start);
	if (!email_local_valid(start, local))
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The part of Email before '@' must have 1 to %d letters, digits or "
		    "!#$%%&'*+/=?^_`{|}~- characters, joined by single dots.", EMAIL_LOCAL_MAX);
	if (!email_domain_valid(at + 1, n - local - 1))
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The domain of Email must be a host name such as example.com: labels of "
		    "letters, digits and '-' joined by dots.");

	memcpy(address, start, n);
	address[n] = '\0';
	for (size_t i = local + 1; i < n; i++)
		address[i] = email_lower(address[i]);
	for (size_t i = 0; i <= n; i++)
		key[i] = email_lower(address[i]);
	return SRV_OK;
}

void
email_hint(const char *address, char hint[EMAIL_HINT_MAX + 1])
{
	const char *at = strchr(address, '@');

	if (at == NULL || at == address)
		snprintf(hint, EMAIL_HINT_MAX + 1, "***");
	else
		snprintf(hint, EMAIL_HINT_MAX + 1, "%c***%s", address[0], at);
}

/* The domain of a normalized address, for logs, which never show the whole address. */
static const char *
email_domain(const char *address, char *buf, size_t size)
{
	const char *at = strchr(address, '@');

	return log_quote(at != NULL ? at + 1 : "", buf, size);
}

static const char *
email_purpose_name(int purpose)
{
	switch (purpose) {
	case EMAIL_CODE_VERIFY:
		return "verify";
	case EMAIL_CODE_LOGON:
		return "logon";
	default:
		return "step_up";
	}
}

/*
 * Check that the session may change or remove the security email, because
 * a person who controls the address receives the logon codes.
 */
static int
email_check_sensitive(const struct store_session *session, struct srv_status *st)
{
	if (session->scope != SESSION_SCOPE_FULL)
		return srv_fail(st, SRV_ERR_SESSION_RESTRICTED,
		    "Changing the security email needs a full session.");
	/* The API has already required a fresh second factor (see stepup.h). */
	return SRV_OK;
}

/* ---- Codes ---- */

/* Fill text with EMAIL_CODE_DIGITS random digits. Returns 0 or -1. */
static int
email_code_generate(char text[EMAIL_CODE_DIGITS + 1])
{
	uint8_t b[4];
	uint32_t v;
	int r = -1;

	do {
		if (mfa_random_bytes(b, sizeof(b)) != MFA_OK)
			goto out;
		v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	} while (v >= EMAIL_CODE_DRAW_LIMIT);
	snprintf(text, EMAIL_CODE_DIGITS + 1, "%06u", (unsigned)(v % 1000000u));
	v = 0;
	r = 0;
out:
	mfa_memzero(b, sizeof(b));
	return r;
}

/* 1 when code is exactly EMAIL_CODE_DIGITS ASCII digits. */
static int
email_code_well_formed(const char *code)
{
	size_t i;

	for (i = 0; i < EMAIL_CODE_DIGITS; i++) {
		if (code[i] < '0' || code[i] > '9')
			return 0;
	}
	return code[i] == '\0';
}

/*
 * HMAC-SHA256 of the user id, the purpose and the code under a key derived
 * from the master key. A stored hash thus matches only that user's code for
 * that purpose, and the database alone does not give the code away.
 */
static int
email_code_hash(const struct app *app, int64_t user_id, int purpose, const char *code,
    uint8_t out[STORE_TOKEN_HASH_LEN])
{
	uint8_t key[SEAL_KEY_LEN];
	uint8_t msg[8 + 1 + EMAIL_CODE_DIGITS];
	size_t len = 0;
	int r = -1;

	for (int i = 0; i < 8; i++)
		msg[i] = (uint8_t)((uint64_t)user_id >> (56 - 8 * i));
	msg[8] = (uint8_t)purpose;
	memcpy(msg + 9, code, EMAIL_CODE_DIGITS);
	if (seal_derive(app->seal, EMAIL_KEY_LABEL, key) == 0 &&
	    EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, sizeof(key), msg, sizeof(msg), out,
	    STORE_TOKEN_HASH_LEN, &len) != NULL && len == STORE_TOKEN_HASH_LEN)
		r = 0;
	mfa_memzero(key, sizeof(key));
	mfa_memzero(msg, sizeof(msg));
	return r;
}

/* 1 when code matches c, 0 when not, -1 on failure. */
static int
email_code_matches(const struct app *app, const struct store_email_code *c, const char *code)
{
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	int r;

	if (!email_code_well_formed(code))
		return 0;
	if (email_code_hash(app, c->user_id, c->purpose, code, hash) != 0)
		return -1;
	r = mfa_memcmp_ct(hash, c->code_hash, sizeof(hash)) == 0;
	mfa_memzero(hash, sizeof(hash));
	return r;
}

/* The outcome of one code entered against the user's live code. */
struct email_try {
	struct store_email_code code; /* the live code, when there is one */
	int result;   /* SRV_OK, SRV_ERR_INVALID_MFA_CODE or SRV_ERR_INVALID_CHALLENGE */
	int attempts; /* wrong tries on the code, this one included */
	int left;     /* tries left on the code after a wrong one */
	int used_up;  /* this wrong try spent the code */
};

/*
 * Check text against the user's live code for purpose, counting a wrong one
 * and spending the code at email_code_max_attempts. challenge_hash, when
 * not NULL, must be the hash the code was bound to: a logon challenge's or
 * a session's. Run it in a write transaction so parallel guesses are
 * counted one after another.
 */
static int
email_code_try(const struct app *app, struct store *db, int64_t user_id, int purpose,
    const uint8_t *challenge_hash, const char *text, int64_t now, struct email_try *t)
{
	int max = (int)app->cfg.email_code_max_attempts;
	struct store_email_code *c = &t->code;
	int attempts = 0;
	int r;

	memset(t, 0, sizeof(*t));
	t->result = SRV_ERR_INVALID_CHALLENGE;
	r = db->ops->email_code_get(db, user_id, purpose, c);
	if (r == STORE_NOT_FOUND)
		return STORE_OK;
	if (r != STORE_OK)
		return STORE_ERROR;
	if (c->expires <= now || c->attempts >= max)
		return STORE_OK;
	if (challenge_hash != NULL && (!c->has_logon_hash ||
	    mfa_memcmp_ct(c->logon_hash, challenge_hash, STORE_TOKEN_HASH_LEN) != 0))
		return STORE_OK;

	r = email_code_matches(app, c, text);
	if (r < 0)
		return STORE_ERROR;
	if (r == 1) {
		t->result = SRV_OK;
		return STORE_OK;
	}
	if (db->ops->email_code_add_attempt(db, c->id, &attempts) != STORE_OK)
		return STORE_ERROR;
	if (attempts >= max && db->ops->email_code_delete(db, c->id) == STORE_ERROR)
		return STORE_ERROR;
	t->attempts = attempts;
	t->left = max - attempts > 0 ? max - attempts : 0;
	t->used_up = t->left == 0;
	t->result = t->used_up ? SRV_ERR_INVALID_CHALLENGE : SRV_ERR_INVALID_MFA_CODE;
	return STORE_OK;
}

/* Spend the user's code for purpose, if there is one. */
static int
email_code_cancel(struct store *db, int64_t user_id, int purpose, int *ret_found)
{
	struct store_email_code c;
	int r = db->ops->email_code_get(db, user_id, purpose, &c);

	if (r == STORE_OK)
		r = db->ops->email_code_delete(db, c.id);
	mfa_memzero(&c, sizeof(c));
	if (r == STORE_ERROR)
		return STORE_ERROR;
	if (ret_found != NULL)
		*ret_found = r == STORE_OK;
	return STORE_OK;
}

/* ---- Sending ---- */

struct email_send_tx {
	struct app *app;
	struct store_email_code *code;  /* everything but the id */
	const char *code_text;
	const char *principal;
	int64_t account_id;             /* to check the users of the address, or 0 */
	int64_t now;
	int rejected;                   /* SRV_* error when a limit rejected the mail */
	struct srv_status *st;
};

static int64_t
email_clamp(int64_t wait, int64_t max)
{
	if (wait < 1)
		return 1;
	return wait < max ? wait : max;
}

/* Reject the mail as throttled, with a Retry-After of wait seconds; st has the message. */
static int
email_throttled(struct email_send_tx *tx, int64_t wait)
{
	tx->st->retry_after = (int)wait;
	tx->rejected = SRV_ERR_EMAIL_THROTTLED;
	return STORE_CONFLICT;
}

/*
 * Reject a code mail sent sooner than email_resend_interval after the
 * user's last one, or past the daily limits. A user gets email_daily_limit
 * mails a day. An address gets that times email_users_per_address
 * verification mails, so each of the users sharing it can still attach it. The daily Retry-After
 * counts from the last mail, not the oldest, so it is an upper bound.
 */
static int
email_throttle(struct email_send_tx *tx, struct store *db)
{
	const struct mfad_config *cfg = &tx->app->cfg;
	int64_t interval = (int64_t)cfg->email_resend_interval;
	int64_t daily = (int64_t)cfg->email_daily_limit;
	int64_t per_address = daily * (int64_t)cfg->email_users_per_address;
	int64_t since = tx->now - EMAIL_DAY;
	int64_t count = 0;
	int64_t last = 0;
	int64_t wait;

	if (db->ops->email_send_stats(db, tx->code->user_id, since, &count, &last) != STORE_OK)
		return STORE_ERROR;
	if (count > 0 && tx->now - last < interval) {
		wait = email_clamp(last + interval - tx->now, interval);
		srv_fail(tx->st, SRV_ERR_EMAIL_THROTTLED, "A new code can be sent %lld seconds after "
		    "the last one: retry in %lld seconds.", (long long)interval, (long long)wait);
		return email_throttled(tx, wait);
	}
	if (count >= daily) {
		wait = email_clamp(last + EMAIL_DAY - tx->now, EMAIL_DAY);
		srv_fail(tx->st, SRV_ERR_EMAIL_THROTTLED, "At most %lld codes a day are sent to one "
		    "user: retry in %lld seconds.", (long long)daily, (long long)wait);
		return email_throttled(tx, wait);
	}

	/*
	 * Logon and step-up codes go only to the user's own verified address and
	 * are bounded per user above. Counting them per address would let anyone
	 * who requests verification mails to that address, from any account,
	 * block the owner's logon codes for a day.
	 */
	if (tx->code->purpose != EMAIL_CODE_VERIFY)
		return STORE_OK;
	/*
	 * TODO: send records are deleted with their user, so an owner who deletes
	 * and recreates users resets this count; keep them by address instead.
	 */
	if (db->ops->email_send_stats_by_address(db, tx->code->address_key, since, &count,
	    &last) != STORE_OK)
		return STORE_ERROR;
	if (count >= per_address) {
		wait = email_clamp(last + EMAIL_DAY - tx->now, EMAIL_DAY);
		srv_fail(tx->st, SRV_ERR_EMAIL_THROTTLED, "At most %lld codes a day are sent to one "
		    "address: retry in %lld seconds.", (long long)per_address, (long long)wait);
		return email_throttled(tx, wait);
	}
	return STORE_OK;
}

/*
 * Reject an address that email_users_per_address other users of the
 * account have attached already.
 */
static int
email_check_users(const struct app *app, struct store *db, int64_t account_id,
    const char *address_key, int64_t user_id, int *ret_rejected, struct srv_status *st)
{
	int64_t limit = (int64_t)app->cfg.email_users_per_address;
	int64_t count = 0;

	if (db->ops->security_email_count_by_address(db, account_id, address_key, user_id,
	    &count) != STORE_OK)
		return STORE_ERROR;
	if (count < limit)
		return STORE_OK;
	*ret_rejected = srv_fail(st, SRV_ERR_EMAIL_USERS_LIMIT,
	    "This address is attached to %lld users of the account already, the limit "
	    "(setting mail.users_per_address is %lld): use another address.", (long long)count,
	    (long long)limit);
	return STORE_CONFLICT;
}

/* Write the subject and body of a code mail. The body contains the code: wipe it after use. */
static void
email_compose(const struct email_send_tx *tx, char subject[EMAIL_SUBJECT_MAX],
    char text[EMAIL_TEXT_MAX])
{
	long long minutes = (long long)((tx->code->expires - tx->now + 59) / 60);

	if (tx->code->purpose == EMAIL_CODE_VERIFY) {
		snprintf(subject, EMAIL_SUBJECT_MAX, "Confirm your security email address");
		snprintf(text, EMAIL_TEXT_MAX,
		    "Your verification code is %s.\n\n"
		    "Enter it to attach this address as the security email of %s. The code is\n"
		    "valid for %lld minutes and works once.\n\n"
		    "If you did not ask for this, ignore this message: the address is not\n"
		    "attached until the code is entered.\n", tx->code_text, tx->principal, minutes);
		return;
	}
	if (tx->code->purpose == EMAIL_CODE_STEP_UP) {
		snprintf(subject, EMAIL_SUBJECT_MAX, "Your verification code");
		snprintf(text, EMAIL_TEXT_MAX,
		    "Your verification code is %s.\n\n"
		    "It confirms a sensitive change (password, MFA or security settings) in a\n"
		    "session of %s. The code is valid for %lld minutes and works once.\n\n"
		    "If you are not making such a change, someone else is logged on as you:\n"
		    "change your password.\n", tx->code_text, tx->principal, minutes);
		return;
	}
	snprintf(subject, EMAIL_SUBJECT_MAX, "Your logon code");
	snprintf(text, EMAIL_TEXT_MAX,
	    "Your logon code is %s.\n\n"
	    "It finishes a logon of %s that was started with the correct password.\n"
	    "The code is valid for %lld minutes and works once. Never give it to anyone.\n\n"
	    "If you are not logging on, someone else knows your password: change it.\n",
	    tx->code_text, tx->principal, minutes);
}

/* Check the limits, replace the code and queue its mail, in one transaction. */
static int
email_send_fn(struct store *db, void *arg)
{
	struct email_send_tx *tx = arg;
	char subject[EMAIL_SUBJECT_MAX];
	char text[EMAIL_TEXT_MAX];
	int r;

	r = email_throttle(tx, db);
	if (r == STORE_OK && tx->account_id != 0)
		r = email_check_users(tx->app, db, tx->account_id, tx->code->address_key,
		    tx->code->user_id, &tx->rejected, tx->st);
	if (r != STORE_OK)
		return r;

	r = db->ops->email_code_replace(db, tx->code);
	if (r != STORE_OK)
		return STORE_ERROR;
	email_compose(tx, subject, text);
	/* The mail is given up when its code expires: a late code is no use. */
	r = outbox_queue_until(tx->app, db, tx->code->address, subject, text, tx->code->expires,
	    tx->st);
	mfa_memzero(text, sizeof(text));
	if (r != SRV_OK)
		return STORE_ERROR;
	return db->ops->email_send_record_to(db, tx->code->user_id, tx->code->address_key,
	    tx->now);
}

/*
 * Make a code for tx->code (user, purpose, address and expiry set), store
 * its hash and queue its mail, then wake the sender.
 */
static int
email_send(struct email_send_tx *tx, const char *src)
{
	struct store *db = app_store(tx->app);
	char code_text[EMAIL_CODE_DIGITS + 1];
	char domain[LOG_QUOTE_MAX];
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (email_code_generate(code_text) != 0 || email_code_hash(tx->app, tx->code->user_id,
	    tx->code->purpose, code_text, tx->code->code_hash) != 0) {
		r = SRV_ERR_INTERNAL;
		goto out;
	}
	tx->code_text = code_text;
	tx->rejected = SRV_OK;
	r = store_tx(db, email_send_fn, tx);
	tx->code_text = NULL;
	email_domain(tx->code->address, domain, sizeof(domain));
	if (tx->rejected != SRV_OK) {
		log_info("event=email_code_rejected user_id=%lld purpose=%s domain=%s src=%s "
		    "reason=%s retry_after_s=%d", (long long)tx->code->user_id,
		    email_purpose_name(tx->code->purpose), domain, src, srv_err_name(tx->rejected),
		    tx->st->retry_after);
		r = tx->rejected;
		goto out;
	}
	if (r != STORE_OK) {
		r = SRV_ERR_INTERNAL;
		goto out;
	}
	outbox_wake(tx->app);
	log_info("event=email_code_sent user_id=%lld purpose=%s domain=%s src=%s code_id=%lld "
	    "expires=%lld", (long long)tx->code->user_id, email_purpose_name(tx->code->purpose),
	    domain, src, (long long)tx->code->id, (long long)tx->code->expires);
	r = SRV_OK;
out:
	mfa_memzero(code_text, sizeof(code_text));
	mfa_memzero(tx->code->code_hash, sizeof(tx->code->code_hash));
	return r;
}

/* ---- SetVerificationInfo and VerifyVerificationInfo ---- */

int
email_set(struct app *app, const struct store_session *session,
    const struct store_user *user, const char *principal, const char *text, const char *src,
    struct email_pending *ret, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct store_security_email cur;
	struct store_email_code code;
	struct email_send_tx tx;
	int64_t now = clock_now();
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	memset(&code, 0, sizeof(code));
	r = email_normalize(text, code.address, code.address_key, st);
	if (r != SRV_OK)
		return r;

	r = db->ops->security_email_get(db, user->id, &cur);
	if (r == STORE_ERROR)
		return SRV_ERR_INTERNAL;
	if (r == STORE_OK) {
		if (strcmp(cur.address_key, code.address_key) == 0) /* not secret */
			return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
			    "This address is attached and verified already.");
		r = email_check_sensitive(session, st);
		if (r != SRV_OK)
			return r;
	}

	code.user_id = user->id;
	code.purpose = EMAIL_CODE_VERIFY;
	code.created = now;
	code.expires = now + (int64_t)app->cfg.email_code_ttl;
	tx = (struct email_send_tx){ app, &code, NULL, principal, user->account_id, now, SRV_OK,
		st };
	r = email_send(&tx, src);
	if (r != SRV_OK)
		return r;
	memcpy(ret->address, code.address, sizeof(ret->address));
	ret->expires = code.expires;
	return SRV_OK;
}

/* Record an address attached or removed: only its domain, never the whole address. */
static int
email_audit(const struct app *app, struct store *db, int64_t account_id, int64_t user_id,
    const char *event, const char *address)
{
	char domain[LOG_QUOTE_MAX];
	char detail[LOG_QUOTE_MAX + 8];
	struct audit_event ev = { event, AUDIT_SUCCESS, account_id, user_id, 0, detail };

	audit_detail(detail, sizeof(detail), "domain=%s",
	    address[0] != '\0' ? email_domain(address, domain, sizeof(domain)) : "none");
	return audit_record(app, db, &ev);
}

struct email_verify_tx {
	const struct app *app;
	const struct store_user *user;
	const char *code;
	int64_t now;
	struct email_try t;
	int rejected;                   /* SRV_* error when the user limit rejected it */
	struct store_security_email e;  /* the attached address */
	struct srv_status *st;
};

/* Check the code, spend it and attach its address, in one transaction. */
static int
email_verify_fn(struct store *db, void *arg)
{
	struct email_verify_tx *tx = arg;
	struct store_email_code *c = &tx->t.code;
	struct store_security_email old;
	int had_old;
	int r;

	r = email_code_try(tx->app, db, tx->user->id, EMAIL_CODE_VERIFY, NULL, tx->code, tx->now,
	    &tx->t);
	if (r != STORE_OK || tx->t.result != SRV_OK)
		return r;

	r = db->ops->email_code_delete(db, c->id);
	if (r == STORE_NOT_FOUND) {
		tx->t.result = SRV_ERR_INVALID_CHALLENGE;
		return STORE_CONFLICT;
	}
	if (r != STORE_OK)
		return STORE_ERROR;
	r = email_check_users(tx->app, db, tx->user->account_id, c->address_key, tx->user->id,
	    &tx->rejected, tx->st);
	if (r != STORE_OK)
		return r;

	/* The address being replaced is notified too, since its owner may not be the one acting. */
	r = db->ops->security_email_get(db, tx->user->id, &old);
	if (r == STORE_ERROR)
		return r;
	had_old = r == STORE_OK && strcmp(old.address_key, c->address_key) != 0; /* not secret */

	memset(&tx->e, 0, sizeof(tx->e));
	tx->e.user_id = tx->user->id;
	tx->e.account_id = tx->user->account_id;
	memcpy(tx->e.address, c->address, sizeof(tx->e.address));
	memcpy(tx->e.address_key, c->address_key, sizeof(tx->e.address_key));
	tx->e.created = tx->e.verified_at = tx->now;
	if (db->ops->security_email_put(db, &tx->e) != STORE_OK ||
	    email_audit(tx->app, db, tx->user->account_id, tx->user->id, "email_attach",
	    tx->e.address) != STORE_OK ||
	    notify_send(tx->app, db, tx->user->id, tx->e.address, NOTIFY_EMAIL_ADDED, 0) != STORE_OK)
		return STORE_ERROR;
	if (had_old && notify_send(tx->app, db, tx->user->id, old.address, NOTIFY_EMAIL_REPLACED,
	    0) != STORE_OK)
		return STORE_ERROR;
	/* A live logon code went to the address being replaced. */
	return email_code_cancel(db, tx->user->id, EMAIL_CODE_LOGON, NULL);
}

static int
email_verify_failed(const struct email_verify_tx *tx, const char *src, struct srv_status *st)
{
	int r = tx->rejected != SRV_OK ? tx->rejected : tx->t.result;

	log_info("event=email_verify_failure user_id=%lld src=%s reason=%s attempts=%d",
	    (long long)tx->user->id, src, srv_err_name(r), tx->t.attempts);
	if (r == SRV_ERR_INVALID_MFA_CODE)
		return srv_fail(st, r, "The code is incorrect: %d tries left.", tx->t.left);
	if (tx->t.used_up)
		return srv_fail(st, r, "The code is incorrect and was used up by %d wrong tries: "
		    "call SetVerificationInfo for a new code.", tx->t.attempts);
	if (r == SRV_ERR_INVALID_CHALLENGE)
		return srv_fail(st, r, "No verification code is pending, or it expired or was "
		    "used: call SetVerificationInfo for a new code.");
	return r;
}

int
email_verify(struct app *app, const struct store_user *user, const char *code,
    const char *src, struct store_security_email *ret, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct email_verify_tx tx;
	char domain[LOG_QUOTE_MAX];
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	memset(&tx, 0, sizeof(tx));
	tx.app = app;
	tx.user = user;
	tx.code = code;
	tx.now = clock_now();
	tx.st = st;
	r = store_tx(db, email_verify_fn, &tx);
	outbox_wake(app);
	if (r == STORE_ERROR) {
		r = SRV_ERR_INTERNAL;
		goto out;
	}
	if (tx.rejected != SRV_OK || tx.t.result != SRV_OK) {
		r = email_verify_failed(&tx, src, st);
		goto out;
	}
	if (r != STORE_OK) {
		/* The user was deleted meanwhile. */
		r = SRV_ERR_INTERNAL;
		goto out;
	}
	*ret = tx.e;
	log_info("event=email_verified user_id=%lld domain=%s src=%s", (long long)user->id,
	    email_domain(tx.e.address, domain, sizeof(domain)), src);
	r = SRV_OK;
out:
	mfa_memzero(&tx.t, sizeof(tx.t));
	return r;
}

/* ---- GetVerificationInfo and DeleteVerificationInfo ---- */

int
email_info_get(struct app *app, const struct store_user *user, struct email_info *ret)
{
	struct store *db = app_store(app);
	struct store_email_code c;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (db == NULL)
		return SRV_ERR_INTERNAL;
	r = db->ops->security_email_get(db, user->id, &ret->email);
	if (r == STORE_ERROR)
		return SRV_ERR_INTERNAL;
	ret->has_email = r == STORE_OK;

	r = db->ops->email_code_get(db, user->id, EMAIL_CODE_VERIFY, &c);
	if (r == STORE_ERROR)
		return SRV_ERR_INTERNAL;
	if (r == STORE_OK && c.expires > clock_now() &&
	    c.attempts < (int)app->cfg.email_code_max_attempts) {
		ret->has_pending = 1;
		memcpy(ret->pending, c.address, sizeof(ret->pending));
		ret->pending_expires = c.expires;
	}
	mfa_memzero(&c, sizeof(c));
	return SRV_OK;
}

struct email_remove_tx {
	int64_t user_id;
	int removed;     /* an attached address was removed */
	int cancelled;   /* a pending address was dropped */
	const struct app *app;
	int64_t account_id;
};

static int
email_remove_fn(struct store *db, void *arg)
{
	struct email_remove_tx *tx = arg;
	struct store_security_email e;
	int r;

	memset(&e, 0, sizeof(e));
	if (db->ops->security_email_get(db, tx->user_id, &e) == STORE_ERROR)
		return STORE_ERROR;
	r = db->ops->security_email_delete(db, tx->user_id);
	if (r == STORE_ERROR)
		return r;
	tx->removed = r == STORE_OK;
	if (tx->removed && (email_audit(tx->app, db, tx->account_id, tx->user_id, "email_remove",
	    e.address) != STORE_OK || notify_send(tx->app, db, tx->user_id, e.address,
	    NOTIFY_EMAIL_REMOVED, 0) != STORE_OK))
		return STORE_ERROR;
	if (email_code_cancel(db, tx->user_id, EMAIL_CODE_VERIFY, &tx->cancelled) != STORE_OK ||
	    email_code_cancel(db, tx->user_id, EMAIL_CODE_LOGON, NULL) != STORE_OK ||
	    email_code_cancel(db, tx->user_id, EMAIL_CODE_STEP_UP, NULL) != STORE_OK)
		return STORE_ERROR;
	return STORE_OK;
}

int
email_remove(struct app *app, const struct store_session *session,
    const struct store_user *user, int64_t actor_id, const char *src, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct email_remove_tx tx = { user->id, 0, 0, app, user->account_id };
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	r = email_check_sensitive(session, st);
	if (r != SRV_OK)
		return r;
	if (store_tx(db, email_remove_fn, &tx) != STORE_OK)
		return SRV_ERR_INTERNAL;
	outbox_wake(app);
	if (!tx.removed && !tx.cancelled)
		return srv_fail(st, SRV_ERR_EMAIL_NOT_FOUND,
		    "The user has no security email address, attached or pending.");
	log_info("event=email_removed user_id=%lld by_user_id=%lld attached=%d pending=%d src=%s",
	    (long long)user->id, (long long)actor_id, tx.removed, tx.cancelled, src);
	return SRV_OK;
}

/* ---- Logon ---- */

/*
 * Mail a code for purpose to e, bound to bind_hash (a logon challenge or a
 * session) and living no longer than limit.
 */
static int
email_send_bound_code(struct app *app, const struct store_security_email *e,
    const char *principal, int purpose, const uint8_t bind_hash[STORE_TOKEN_HASH_LEN],
    int64_t limit, const char *src, int64_t *ret_expires, struct srv_status *st)
{
	struct store_email_code code;
	struct email_send_tx tx;
	int64_t now = clock_now();
	int r;

	memset(&code, 0, sizeof(code));
	code.user_id = e->user_id;
	code.purpose = purpose;
	memcpy(code.address, e->address, sizeof(code.address));
	memcpy(code.address_key, e->address_key, sizeof(code.address_key));
	code.created = now;
	code.expires = now + (int64_t)app->cfg.email_code_ttl;
	if (code.expires > limit)
		code.expires = limit;
	code.has_logon_hash = 1;
	memcpy(code.logon_hash, bind_hash, sizeof(code.logon_hash));

	tx = (struct email_send_tx){ app, &code, NULL, principal, 0, now, SRV_OK, st };
	r = email_send(&tx, src);
	if (r == SRV_OK)
		*ret_expires = code.expires;
	mfa_memzero(&code, sizeof(code));
	return r;
}

int
email_send_logon_code(struct app *app, const struct store_security_email *e,
    const char *principal, const uint8_t challenge_hash[STORE_TOKEN_HASH_LEN],
    int64_t challenge_expires, const char *src, int64_t *ret_expires, struct srv_status *st)
{
	/* The code is no use once its logon challenge has expired. */
	return email_send_bound_code(app, e, principal, EMAIL_CODE_LOGON, challenge_hash,
	    challenge_expires, src, ret_expires, st);
}

int
email_send_step_up_code(struct app *app, const struct store_security_email *e,
    const char *principal, const struct store_session *session, const char *src,
    int64_t *ret_expires, struct srv_status *st)
{
	return email_send_bound_code(app, e, principal, EMAIL_CODE_STEP_UP, session->token_hash,
	    session->expires, src, ret_expires, st);
}

struct email_check_tx {
	const struct app *app;
	int64_t user_id;
	int purpose;
	const uint8_t *bind_hash;
	const char *code;
	int64_t now;
	struct email_try t;
};

static int
email_check_fn(struct store *db, void *arg)
{
	struct email_check_tx *tx = arg;

	return email_code_try(tx->app, db, tx->user_id, tx->purpose, tx->bind_hash, tx->code,
	    tx->now, &tx->t);
}

/* Check code against the user's live code for purpose, bound to bind_hash. */
static int
email_check_bound_code(struct app *app, int64_t user_id, int purpose,
    const uint8_t bind_hash[STORE_TOKEN_HASH_LEN], const char *code, int64_t *ret_code_id,
    int *ret_left)
{
	struct store *db = app_store(app);
	struct email_check_tx tx;
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	memset(&tx, 0, sizeof(tx));
	tx.app = app;
	tx.user_id = user_id;
	tx.purpose = purpose;
	tx.bind_hash = bind_hash;
	tx.code = code;
	tx.now = clock_now();
	if (store_tx(db, email_check_fn, &tx) != STORE_OK) {
		r = SRV_ERR_INTERNAL;
		goto out;
	}
	r = tx.t.used_up ? SRV_ERR_INVALID_MFA_CODE : tx.t.result;
	*ret_left = tx.t.left;
	if (r == SRV_OK)
		*ret_code_id = tx.t.code.id;
out:
	mfa_memzero(&tx.t, sizeof(tx.t));
	return r;
}

int
email_check_logon_code(struct app *app, int64_t user_id,
    const uint8_t challenge_hash[STORE_TOKEN_HASH_LEN], const char *code, int64_t *ret_code_id,
    int *ret_left, struct srv_status *st)
{
	int r = email_check_bound_code(app, user_id, EMAIL_CODE_LOGON, challenge_hash, code,
	    ret_code_id, ret_left);

	if (r == SRV_ERR_INVALID_CHALLENGE)
		r = srv_fail(st, r, "No email code is live for this logon: it expired, was used, or "
		    "was never sent. Request one with SendLoginEmailCode.");
	return r;
}

int
email_check_step_up_code(struct app *app, const struct store_session *session,
    int64_t user_id, const char *code, int64_t *ret_code_id, int *ret_left,
    struct srv_status *st)
{
	int r = email_check_bound_code(app, user_id, EMAIL_CODE_STEP_UP, session->token_hash, code,
	    ret_code_id, ret_left);

	if (r == SRV_ERR_INVALID_CHALLENGE)
		r = srv_fail(st, r, "No email code is live for this session: it expired, was used, "
		    "or was never sent. Request one with SendStepUpEmailCode.");
	return r;
}
