/* SPDX-License-Identifier: MIT */
/*
 * Security notifications: a plain-text mail to a user's verified security
 * email address when the password or a factor changes, a used TOTP code or
 * a passkey counter that went backwards is seen, or a logon succeeds after
 * many failures. Flows queue the mail through the outbox in the same
 * transaction as the change it reports, so a crash neither loses nor
 * doubles it. A notice never contains a code, token, seed, password or
 * link. It states what happened, when, from which address and user agent
 * (the audit context's), and what to do if it was not the user.
 */
#ifndef MFAD_NOTIFY_H
#define MFAD_NOTIFY_H

#include <stdint.h>

#include "server/app.h"

/* Failed logons since the last success from which a successful logon is notified. */
#define NOTIFY_FAILURES_THRESHOLD 3

enum notify_event {
	NOTIFY_PASSWORD_CHANGED = 0, /* by the user, with ChangePassword */
	NOTIFY_PASSWORD_SET,         /* by the account owner or mfactl */
	NOTIFY_TOTP_BOUND,
	NOTIFY_TOTP_UNBOUND,
	NOTIFY_PASSKEY_ADDED,
	NOTIFY_PASSKEY_DELETED,
	NOTIFY_EMAIL_ADDED,          /* sent to the address just verified */
	NOTIFY_EMAIL_REPLACED,       /* sent to the address it replaced */
	NOTIFY_EMAIL_REMOVED,        /* sent to the address removed */
	NOTIFY_TOTP_REPLAY,
	NOTIFY_PASSKEY_COUNTER,      /* the signature counter did not grow: a possible clone */
	NOTIFY_LOGON_AFTER_FAILURES,
	NOTIFY_ADMIN_RESET,          /* ResetUserMFA, sent to the address it removed */
	NOTIFY_EVENT_COUNT,
};

/*
 * Queue the notice of event for user_id through db, inside the caller's
 * open transaction. The mail goes to address, or when address is NULL to
 * the user's verified security email; without one nothing is sent.
 * failures is the count shown by NOTIFY_LOGON_AFTER_FAILURES and ignored
 * otherwise. Call outbox_wake() after the commit. Returns STORE_OK, or
 * STORE_ERROR so the caller rolls back the change it could not report.
 */
int notify_send(const struct app *app, struct store *db, int64_t user_id, const char *address,
    int event, int64_t failures);

/* notify_send to the user's verified address. */
int notify_user(const struct app *app, struct store *db, int64_t user_id, int event);

/*
 * Before a logon success of user_id is recorded, in its transaction: count
 * the logon failures recorded since the user's last success and send
 * NOTIFY_LOGON_AFTER_FAILURES when there are NOTIFY_FAILURES_THRESHOLD or
 * more. Returns STORE_OK or STORE_ERROR.
 */
int notify_logon_success(const struct app *app, struct store *db, int64_t account_id,
    int64_t user_id);

#endif
