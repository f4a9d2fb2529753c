/* SPDX-License-Identifier: MIT */
/*
 * Formatting of the plain-text mails mfad sends: RFC 5322 headers, a UTF-8
 * body in quoted-printable, CRLF line endings.
 */
#ifndef MFAD_MAIL_H
#define MFAD_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define MAIL_SUBJECT_MAX 256      /* bytes of a subject, before RFC 2047 encoding */
#define MAIL_TEXT_MAX (16 * 1024) /* bytes of a body, before quoted-printable encoding */
#define MAIL_ID_RANDOM_LEN 16     /* random bytes in a Message-ID's left part */

/* A formatted message. */
struct mail_message {
	char *data;    /* the whole message, CRLF line endings, not NUL-terminated */
	size_t len;
	char message_id[STORE_MESSAGE_ID_MAX + 1]; /* "hex@domain", without "<>" */
};

/*
 * Check an address for a From or To header and an SMTP envelope: 3 to
 * STORE_EMAIL_MAX bytes of the form local@domain, with no control
 * character, space, or one of the bytes ()<>[],;:\" that would need
 * quoting. UTF-8 is allowed (RFC 6532). Returns 0, or -1 with a sentence
 * in err.
 */
int mail_address_check(const char *address, char *err, size_t err_size);

/*
 * The domain of a checked address: the text after its last '@'. Returns
 * NULL when there is none.
 */
const char *mail_address_domain(const char *address);

/*
 * Format a message from from to to, dated date (Unix seconds, written in
 * UTC), with a new random Message-ID at from's domain. The subject must be
 * valid UTF-8 without control characters, so no header can be injected; a
 * non-ASCII subject is written as RFC 2047 encoded words. The text is
 * UTF-8 with LF or CRLF line endings and tabs as the only other control
 * characters. Returns 0 and fills ret, which the caller releases with
 * mail_message_clear(), or -1 with a sentence in err.
 */
int mail_format(const char *from, const char *to, const char *subject, const char *text,
    int64_t date, struct mail_message *ret, char *err, size_t err_size);

/* Wipe and free msg->data, which may contain a code. Accepts NULL. */
void mail_message_clear(struct mail_message *msg);

#endif
