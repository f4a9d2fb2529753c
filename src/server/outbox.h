/* SPDX-License-Identifier: MIT */
/*
 * The mail outbox: flows queue mails in their own transaction, and one
 * sender thread of mfad delivers them over SMTP (libcurl) or into a
 * maildir folder, retrying temporary failures. Delivery is at least once.
 */
#ifndef MFAD_OUTBOX_H
#define MFAD_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "server/errors.h"
#include "store/store.h"

struct app;

#define OUTBOX_POLL_S 2            /* seconds between looks for mail queued by other processes */
#define OUTBOX_RETRY_FIRST_S 5     /* seconds before the first retry; doubled per attempt */
#define OUTBOX_RETRY_MAX_S 900     /* seconds between retries at most */
#define OUTBOX_GIVE_UP_S 86400     /* seconds after queueing when retries stop */
/* Seconds a claimed message stays with its sender beyond mail.timeout_s, for the maildir too. */
#define OUTBOX_CLAIM_MARGIN_S 30
#define OUTBOX_CREDENTIALS_MAX 4096 /* bytes of the SMTP credentials file */

/* The outcome of one delivery attempt. */
enum outbox_result {
	OUTBOX_DELIVERED = 0,
	OUTBOX_TEMPORARY = 1, /* try again later: 4xx, no connection, a time-out */
	OUTBOX_PERMANENT = 2, /* the server rejected the message for good: 5xx */
	OUTBOX_ABORTED = 3,   /* mfad is stopping; the message stays due */
};

/*
 * Format a mail from mail.from to to and add it to the outbox through db,
 * inside the caller's open transaction, so it commits or rolls back with
 * the change it reports. The stored message is sealed with the master key, because
 * it may contain a code. Call outbox_wake() after the commit. Returns
 * SRV_OK, SRV_ERR_INVALID_PARAMETER for an address, subject or text that
 * mail_format() rejects, or SRV_ERR_INTERNAL, with a sentence in st.
 */
int outbox_queue(const struct app *app, struct store *db, const char *to,
    const char *subject, const char *text, struct srv_status *st);

/*
 * As outbox_queue, for a mail that is useless after expires (Unix
 * seconds, such as a code's expiry): the sender gives it up then.
 * expires 0 means no expiry.
 */
int outbox_queue_until(const struct app *app, struct store *db, const char *to,
    const char *subject, const char *text, int64_t expires, struct srv_status *st);

/* Make the sender look at the outbox now. Does nothing when no sender runs (mfactl). */
void outbox_wake(const struct app *app);

/*
 * Start the sender thread: read the SMTP credentials file, or create the
 * maildir folders when mail.smtp_url is empty. Messages still queued from
 * an earlier run are sent first. Returns 0, or -1 with a sentence in err.
 */
int outbox_start(struct app *app, char *err, size_t err_size);

/* Stop the sender, aborting a transfer in progress, and wait for it. Accepts a stopped app. */
void outbox_stop(struct app *app);

/*
 * Classify a libcurl result (a CURLcode) and the last SMTP reply code
 * (CURLINFO_RESPONSE_CODE, 0 when none was read).
 */
enum outbox_result outbox_smtp_result(int curl_code, long reply_code);

/* Seconds to wait after the attempts-th failed attempt (1 or more). */
int64_t outbox_retry_delay(int attempts);

#endif
