/* SPDX-License-Identifier: MIT */
/* Security notifications, queued through the outbox in the caller's transaction. */
#include "server/notify.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mfa/common.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/audit.h"
#include "server/outbox.h"
#include "server/principal.h"

#define NOTIFY_TEXT_MAX 2048 /* bytes of a notice body */

/* The wording of one notice. None of it may contain a secret. */
struct notify_text {
	const char *name;    /* for the log */
	const char *subject;
	const char *what;    /* what happened, as a sentence */
	const char *advice;  /* what to do if it was not the user */
};

/* Advice for the changes that someone who took over the account could make. */
#define NOTIFY_ADVICE_TAKEOVER \
	"someone else may have access to your account. Change your password at once,\n" \
	"check your MFA devices, passkeys and security email, and ask the account\n" \
	"owner to reset your MFA if you cannot log on."

static const struct notify_text notify_texts[NOTIFY_EVENT_COUNT] = {
	[NOTIFY_PASSWORD_CHANGED] = { "password_changed", "Your password was changed",
	    "The password of your account was changed.", NOTIFY_ADVICE_TAKEOVER },
	[NOTIFY_PASSWORD_SET] = { "password_set", "Your password was set by an administrator",
	    "The account owner set a new password for your account.",
	    "ask the account owner why, and change your password." },
	[NOTIFY_TOTP_BOUND] = { "totp_bound", "An MFA device was added to your account",
	    "A virtual MFA device (authenticator app) was bound to your account.",
	    NOTIFY_ADVICE_TAKEOVER },
	[NOTIFY_TOTP_UNBOUND] = { "totp_unbound", "An MFA device was removed from your account",
	    "The virtual MFA device (authenticator app) of your account was removed.",
	    NOTIFY_ADVICE_TAKEOVER },
	[NOTIFY_PASSKEY_ADDED] = { "passkey_added", "A passkey was added to your account",
	    "A passkey was registered for your account.", NOTIFY_ADVICE_TAKEOVER },
	[NOTIFY_PASSKEY_DELETED] = { "passkey_deleted", "A passkey was removed from your account",
	    "A passkey of your account was deleted.", NOTIFY_ADVICE_TAKEOVER },
	[NOTIFY_EMAIL_ADDED] = { "email_added", "This is now your security email address",
	    "This address was verified and is now the security email address of your\n"
	    "account. Logon and verification codes will be sent here.",
	    NOTIFY_ADVICE_TAKEOVER },
	[NOTIFY_EMAIL_REPLACED] = { "email_replaced", "Your security email address was changed",
	    "Another address was verified as the security email address of your\n"
	    "account. This address no longer receives its codes or notices.",
	    NOTIFY_ADVICE_TAKEOVER },
	[NOTIFY_EMAIL_REMOVED] = { "email_removed", "Your security email address was removed",
	    "This address was removed as the security email address of your account.\n"
	    "It no longer receives its codes or notices.", NOTIFY_ADVICE_TAKEOVER },
	[NOTIFY_TOTP_REPLAY] = { "totp_replay", "An MFA code of yours was used twice",
	    "An MFA code from your authenticator app was entered again after it had\n"
	    "already been used, and was refused. Someone may have seen the code and\n"
	    "knows your password.",
	    "change your password at once. If it was you, wait for the next code\n"
	    "before you try again." },
	[NOTIFY_PASSKEY_COUNTER] = { "passkey_counter", "One of your passkeys may have been copied",
	    "A logon with one of your passkeys was refused because the passkey's\n"
	    "signature counter did not increase. This can mean the passkey was copied.",
	    "delete that passkey, register a new one and change your password. If the\n"
	    "passkey is yours and was not copied, it may have a faulty counter: replace\n"
	    "it all the same." },
	/* The sentence of this one is written with the count. */
	[NOTIFY_LOGON_AFTER_FAILURES] = { "logon_after_failures",
	    "A logon to your account followed failed attempts", NULL, NOTIFY_ADVICE_TAKEOVER },
	[NOTIFY_ADMIN_RESET] = { "admin_reset", "Your MFA was reset by an administrator",
	    "The account owner removed all MFA devices, passkeys and the security email\n"
	    "address of your account and ended its sessions. You must set up a second\n"
	    "factor at your next logon. This address no longer receives codes or notices.",
	    "ask the account owner why, and change your password after you log on." },
};

/* Write now as "2026-12-05 00:20:11 UTC". */
static void
notify_time(int64_t now, char *out, size_t size)
{
	time_t t = (time_t)now;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, size, "%lld (Unix time)", (long long)now);
}

/* Write the body. The source and user agent are the audit context's printable ASCII. */
static void
notify_compose(int event, const char *principal, int64_t failures, char *text, size_t size)
{
	const struct notify_text *t = &notify_texts[event];
	const char *src = audit_context_src();
	const char *ua = audit_context_user_agent();
	char what[256];
	char when[64];

	notify_time(clock_now(), when, sizeof(when));
	if (event == NOTIFY_LOGON_AFTER_FAILURES)
		snprintf(what, sizeof(what), "Someone logged on to your account after %lld failed "
		    "logon attempts\nsince the last successful logon.", (long long)failures);
	else
		snprintf(what, sizeof(what), "%s", t->what);
	snprintf(text, size,
	    "Security notice for %s\n\n"
	    "%s\n\n"
	    "When: %s\n"
	    "From address: %s\n"
	    "User agent: %s\n\n"
	    "If this was you, you need not do anything.\n\n"
	    "If it was not you, %s\n\n"
	    "This message contains no link. mfad never asks for your password, codes\n"
	    "or recovery details by email.\n",
	    principal, what, when,
	    strcmp(src, AUDIT_SRC_LOCAL) == 0 ? "the server itself (mfactl)" :
	    src[0] != '\0' ? src : "unknown",
	    ua[0] != '\0' ? ua : "none", t->advice);
}

/* Find the recipient: the given address, or the user's verified one. *ret_found is 0 for none. */
static int
notify_recipient(struct store *db, int64_t user_id, const char *address, char *out, size_t size,
    int *ret_found)
{
	struct store_security_email e;
	int r;

	*ret_found = 0;
	if (address != NULL) {
		snprintf(out, size, "%s", address);
		*ret_found = out[0] != '\0';
		return STORE_OK;
	}
	r = db->ops->security_email_get(db, user_id, &e);
	if (r == STORE_NOT_FOUND)
		return STORE_OK;
	if (r != STORE_OK)
		return STORE_ERROR;
	snprintf(out, size, "%s", e.address);
	*ret_found = 1;
	return STORE_OK;
}

int
notify_send(const struct app *app, struct store *db, int64_t user_id, const char *address,
    int event, int64_t failures)
{
	char principal[STORE_PRINCIPAL_MAX + 1];
	char to[STORE_EMAIL_MAX + 1];
	char text[NOTIFY_TEXT_MAX];
	struct srv_status st = { "", 0 };
	struct store_account acct;
	struct store_user user;
	int found = 0;
	int r;

	if (event < 0 || event >= NOTIFY_EVENT_COUNT)
		return STORE_ERROR;
	if (notify_recipient(db, user_id, address, to, sizeof(to), &found) != STORE_OK)
		return STORE_ERROR;
	if (!found)
		return STORE_OK;
	if (db->ops->user_get(db, user_id, &user) != STORE_OK ||
	    db->ops->account_get(db, user.account_id, &acct) != STORE_OK)
		return STORE_ERROR;
	principal_format(&user, &acct, principal, sizeof(principal));

	notify_compose(event, principal, failures, text, sizeof(text));
	r = outbox_queue(app, db, to, notify_texts[event].subject, text, &st);
	if (r == SRV_ERR_INVALID_PARAMETER) {
		/* A stored address that mail_format rejects must not block the change itself. */
		log_error("event=notify_failed user_id=%lld notice=%s err=\"%s\"", (long long)user_id,
		    notify_texts[event].name, st.message);
		return STORE_OK;
	}
	if (r != SRV_OK)
		return STORE_ERROR;
	log_info("event=notify_queued user_id=%lld notice=%s", (long long)user_id,
	    notify_texts[event].name);
	return STORE_OK;
}

int
notify_user(const struct app *app, struct store *db, int64_t user_id, int event)
{
	return notify_send(app, db, user_id, NULL, event, 0);
}

int
notify_logon_success(const struct app *app, struct store *db, int64_t account_id,
    int64_t user_id)
{
	int64_t failures = 0;

	if (db->ops->audit_count_since(db, account_id, user_id, "logon_failure", "logon_success",
	    &failures) != STORE_OK)
		return STORE_ERROR;
	if (failures < NOTIFY_FAILURES_THRESHOLD)
		return STORE_OK;
	return notify_send(app, db, user_id, NULL, NOTIFY_LOGON_AFTER_FAILURES, failures);
}
