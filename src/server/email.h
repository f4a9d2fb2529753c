/* SPDX-License-Identifier: MIT */
/*
 * The security email address of a user and the one-time codes mailed to it:
 * attaching an address after its code is confirmed, removing it, and the
 * codes of a logon's second factor and of a step-up. Email is the weakest second factor mfad
 * offers: anyone who reads the mailbox has the code, and it does not resist
 * phishing.
 */
#ifndef MFAD_EMAIL_H
#define MFAD_EMAIL_H

#include <stdint.h>

#include "server/app.h"
#include "server/errors.h"
#include "store/store.h"

#define EMAIL_CODE_DIGITS 6
#define EMAIL_LOCAL_MAX 64          /* bytes of the part before '@' (RFC 5321) */
#define EMAIL_LABEL_MAX 63          /* bytes of one domain label (RFC 1035) */
#define EMAIL_DAY 86400             /* seconds of the window of email_daily_limit */
/* Bytes of a masked address such as "a***@example.com". */
#define EMAIL_HINT_MAX (STORE_EMAIL_MAX + 4)

/*
 * Check the form of an address and normalize it: surrounding white space
 * trimmed and the domain lower-cased into address, and the whole address
 * lower-cased into key, which is what comparisons use. Accepts a dot-atom
 * local part of 1 to 64 bytes and a domain of at least two labels of ASCII
 * letters, digits and '-', so quoted local parts, IP literals and
 * internationalized addresses are rejected. Returns SRV_OK, or
 * SRV_ERR_INVALID_PARAMETER with the reason in st.
 */
int email_normalize(const char *text, char address[STORE_EMAIL_MAX + 1],
    char key[STORE_EMAIL_MAX + 1], struct srv_status *st);

/* Write "a***@example.com" for address into hint. */
void email_hint(const char *address, char hint[EMAIL_HINT_MAX + 1]);

/* A pending address and the expiry of its code, from SetVerificationInfo. */
struct email_pending {
	char address[STORE_EMAIL_MAX + 1];
	int64_t expires;             /* when the code stops working, Unix seconds */
};

/*
 * Mail a verification code to text, the address user wants attached. The
 * address the user has now stays attached until the code is confirmed.
 * principal names the user in the message. Returns SRV_OK,
 * SRV_ERR_INVALID_PARAMETER, SRV_ERR_SESSION_RESTRICTED,
 * SRV_ERR_EMAIL_USERS_LIMIT, SRV_ERR_EMAIL_THROTTLED (retry_after in st) or
 * SRV_ERR_INTERNAL.
 */
int email_set(struct app *app, const struct store_session *session,
    const struct store_user *user, const char *principal, const char *text, const char *src,
    struct email_pending *ret, struct srv_status *st);

/*
 * Attach the pending address when code is its verification code. A wrong
 * code counts against the code, which is spent after
 * email_code_max_attempts wrong ones. Returns SRV_OK,
 * SRV_ERR_INVALID_MFA_CODE, SRV_ERR_INVALID_CHALLENGE (no live code),
 * SRV_ERR_EMAIL_USERS_LIMIT or SRV_ERR_INTERNAL.
 */
int email_verify(struct app *app, const struct store_user *user, const char *code,
    const char *src, struct store_security_email *ret, struct srv_status *st);

/* The user's attached address and the one waiting for its code. */
struct email_info {
	int has_email;
	struct store_security_email email;
	int has_pending;
	char pending[STORE_EMAIL_MAX + 1];
	int64_t pending_expires;
};

int email_info_get(struct app *app, const struct store_user *user, struct email_info *ret);

/*
 * Remove user's address and cancel its pending codes, for the session of
 * actor (the user, or the owner recovering a user). Returns SRV_OK,
 * SRV_ERR_SESSION_RESTRICTED, SRV_ERR_EMAIL_NOT_FOUND or SRV_ERR_INTERNAL.
 */
int email_remove(struct app *app, const struct store_session *session,
    const struct store_user *user, int64_t actor_id, const char *src, struct srv_status *st);

/*
 * Mail a logon code to e, the user's attached address, for the logon
 * challenge whose hash is challenge_hash and which expires at
 * challenge_expires. The old logon code of the user is spent. *ret_expires
 * gets when the code stops working. Returns SRV_OK, SRV_ERR_EMAIL_THROTTLED
 * or SRV_ERR_INTERNAL.
 */
int email_send_logon_code(struct app *app, const struct store_security_email *e,
    const char *principal, const uint8_t challenge_hash[STORE_TOKEN_HASH_LEN],
    int64_t challenge_expires, const char *src, int64_t *ret_expires, struct srv_status *st);

/*
 * Check code against the user's live logon code for the challenge whose
 * hash is challenge_hash. A wrong code is counted against the code at once,
 * in one transaction with the check, so parallel guesses cannot pass the
 * limit. On SRV_OK *ret_code_id is the code to spend (email_code_delete) in
 * the transaction that makes the session. Returns SRV_OK,
 * SRV_ERR_INVALID_MFA_CODE (with *ret_left tries left on this code; 0 when
 * this try spent it), SRV_ERR_INVALID_CHALLENGE (no live code for this
 * challenge, with a message in st) or SRV_ERR_INTERNAL.
 */
int email_check_logon_code(struct app *app, int64_t user_id,
    const uint8_t challenge_hash[STORE_TOKEN_HASH_LEN], const char *code, int64_t *ret_code_id,
    int *ret_left, struct srv_status *st);

/*
 * Mail a step-up code for session to e, the user's attached address,
 * spending the user's old step-up code. The code works only in this session
 * and never outlives it. As email_send_logon_code.
 */
int email_send_step_up_code(struct app *app, const struct store_security_email *e,
    const char *principal, const struct store_session *session, const char *src,
    int64_t *ret_expires, struct srv_status *st);

/*
 * Check code against the user's live step-up code for session. As
 * email_check_logon_code.
 */
int email_check_step_up_code(struct app *app, const struct store_session *session,
    int64_t user_id, const char *code, int64_t *ret_code_id, int *ret_left,
    struct srv_status *st);

#endif
