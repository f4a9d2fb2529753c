/* SPDX-License-Identifier: MIT */
/*
 * An account's password policy and the checks a new password must pass.
 *
 * The defaults follow NIST SP 800-63B. A password has at least 8 characters
 * when the user also has a second factor, and 15 when the password alone can
 * log the user on. There are no composition rules and no expiry, and a
 * blocklist rejects common passwords and the user's own names. An account
 * owner may turn on the classic rules (character classes, expiry, reuse), as
 * Alibaba Cloud RAM's SetPasswordPolicy allows.
 *
 * Lengths are counted in Unicode code points of the normalized password,
 * never in bytes, and a password is never truncated.
 */
#ifndef MFAD_PWPOLICY_H
#define MFAD_PWPOLICY_H

#include <stddef.h>
#include <stdint.h>

#include "server/errors.h"

struct pwhash;

#define PWPOLICY_MIN_LENGTH_LOW 8       /* range of min_length, code points */
#define PWPOLICY_MIN_LENGTH_HIGH 32
#define PWPOLICY_MIN_LENGTH_ALONE 15    /* the lowest min_length_password_alone */
#define PWPOLICY_MAX_LENGTH_LOW 64      /* range of max_length, code points */
#define PWPOLICY_MAX_LENGTH_HIGH 1024
#define PWPOLICY_MAX_AGE_DAYS_HIGH 1095 /* three years */
#define PWPOLICY_REUSE_HIGH 24          /* previous passwords remembered */
#define PWPOLICY_LOCKOUT_HIGH 32        /* failed logons before a lock */

/*
 * Largest password in bytes, before and after normalization: the most code
 * points allowed, at 4 bytes each. Longer input is rejected without work.
 */
#define PWPOLICY_BYTES_MAX (4 * PWPOLICY_MAX_LENGTH_HIGH)

/*
 * Passwords that zxcvbn estimates at fewer bits than this are rejected as
 * too easy to guess. 20 bits is about a million guesses, the upper bound of
 * score 1 ("very guessable") in the dropbox/zxcvbn README.
 */
#define PWPOLICY_MIN_ENTROPY_BITS 20.0

/* Character classes for required_classes; combine with |. */
#define PWPOLICY_CLASS_LOWER 0x1u  /* a lower-case letter (Unicode Ll) */
#define PWPOLICY_CLASS_UPPER 0x2u  /* an upper- or title-case letter (Lu, Lt) */
#define PWPOLICY_CLASS_DIGIT 0x4u  /* a decimal digit (Nd) */
#define PWPOLICY_CLASS_SYMBOL 0x8u /* punctuation or a symbol (P, S), not a space */
#define PWPOLICY_CLASS_ALL 0xfu

struct pwpolicy {
	unsigned min_length;                /* code points, 8 to 32 */
	unsigned min_length_password_alone; /* code points, 15 to 64, for a user without
					       a second factor */
	unsigned max_length;                /* code points, 64 to 1024 */
	unsigned required_classes;          /* PWPOLICY_CLASS_* bits, 0 for none */
	unsigned max_age_days;              /* 0 to 1095, 0: passwords never expire */
	unsigned reuse_prevention;          /* 0 to 24 previous passwords rejected again */
	unsigned lockout_attempts;          /* 0 to 32 wrong passwords before a one-hour lock,
					       0: off */
	int must_not_contain_username;      /* 1: reject a password containing the user name */
	int hard_expiry;                    /* 1: an expired password no longer logs on */
};

/*
 * Fill p with the defaults: 8 characters, 15 for a password alone, at most
 * 1024, no classes, no expiry, no reuse check, no one-hour lock (the
 * server's lockout_threshold and its growing delays still apply), and a
 * password may contain the user name (the blocklist still rejects the name
 * as the whole password, as NIST SP 800-63B requires).
 */
void pwpolicy_init(struct pwpolicy *p);

/*
 * Check that every field of p is in its range. Returns SRV_OK, or
 * SRV_ERR_INVALID_PARAMETER with a message in st naming the field.
 */
int pwpolicy_validate(const struct pwpolicy *p, struct srv_status *st);

/*
 * Normalize a password of len bytes to Unicode NFKC (GNU libunistring) and
 * return it in *ret as a NUL-terminated string of *ret_len bytes, which the
 * caller frees with mfa_free_secret_str(). Hash and verify this form, never
 * the input: a composed "é" and an "e" followed by U+0301, or a full-width
 * "Ａ" and "A", then give the same hash.
 *
 * Returns SRV_ERR_INVALID_PARAMETER with a reason in st for invalid UTF-8, an
 * empty password and one of white space only. The same goes for a control
 * character (U+0000 to U+001F, U+007F, U+0080 to U+009F), a line or paragraph
 * separator (U+2028, U+2029), and more than 1024 code points before or after
 * normalization. Returns SRV_ERR_INTERNAL when out of memory. Every copy this
 * function makes is wiped.
 *
 * NOTE: libunistring's own scratch buffers are not wiped; they hold the
 * password only while a long run of combining marks is reordered. Code
 * points unassigned in libunistring's Unicode version pass through unchanged,
 * so a later Unicode version could normalize them differently.
 *
 * NOTE: passwords set before this normalization existed were hashed as
 * typed. For those, logon must also try the bytes as typed, and an attempt
 * this function rejects can only match such an old hash.
 */
int pwpolicy_normalize(const char *password, size_t len, char **ret, size_t *ret_len,
    struct srv_status *st);

/*
 * Check a normalized new password of len bytes against policy p, the user's
 * name and the account alias (either may be NULL). password_alone is 1 when
 * the user can log on with the password and no second factor, which raises
 * the minimum to min_length_password_alone.
 *
 * Returns SRV_OK, or SRV_ERR_INVALID_PARAMETER with a message in st naming
 * the rule that failed: length, character classes, the user name inside the
 * password, or the blocklist. Returns SRV_ERR_INTERNAL when p is out of
 * range or memory runs out.
 *
 * The blocklist is libzxcvbn's dictionaries (the 10,000 most common
 * passwords, English words, names, keyboard patterns) plus the user name,
 * the alias and "mfad". It rejects a password that is one such word as a
 * whole, also with letters replaced by look-alike digits or symbols, or with
 * up to 5 ASCII digits or symbols added at the end. It also rejects a
 * password that zxcvbn rates under PWPOLICY_MIN_ENTROPY_BITS. A common word
 * inside a longer password is allowed, because the comparison is on the
 * whole password.
 */
int pwpolicy_check(const struct pwpolicy *p, const char *normalized, size_t len,
    const char *user_name, const char *account_alias, int password_alone, struct srv_status *st);

/*
 * Check a normalized new password against the n previous Argon2id hashes in
 * old_hashes (NULL entries are skipped). Each hash takes one verification,
 * tens of milliseconds and 64 MiB, so pass at most reuse_prevention hashes.
 * Returns 1 when the password matches one of them, 0 when it matches none,
 * and -1 when a verification could not run (SRV_ERR_BUSY): treat -1 as a
 * failure, never as "not reused".
 */
int pwpolicy_reused(const char *normalized, size_t len, const char *const *old_hashes, size_t n,
    struct pwhash *pw);

/*
 * Return 1 when a password changed at password_changed has expired at now
 * (both Unix times in seconds) under p's max_age_days, else 0. It never
 * expires when max_age_days is 0 or password_changed is later than now.
 */
int pwpolicy_expired(const struct pwpolicy *p, int64_t password_changed, int64_t now);

#endif
