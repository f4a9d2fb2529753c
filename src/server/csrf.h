/* SPDX-License-Identifier: MIT */
/*
 * Cross-site request forgery defences. A CSRF token is HMAC-SHA256, under
 * a key derived from the master key, of the session's token hash: it is
 * fixed for the session's life, differs between sessions, and cannot be
 * made without the master key. Browsers' POSTs authenticated by the session
 * cookie must echo it in X-CSRF-Token. The Origin check stops a foreign
 * page from posting a logon (login CSRF) before any session exists.
 */
#ifndef MFAD_CSRF_H
#define MFAD_CSRF_H

#include <stdint.h>

#include "server/app.h"

#define CSRF_HEADER "X-CSRF-Token"
#define CSRF_TOKEN_LEN 43 /* base64url of 32 bytes, no padding */
#define CSRF_TOKEN_SIZE (CSRF_TOKEN_LEN + 1)

/* Write the CSRF token of the session whose token hashes to hash. Returns 0 or -1. */
int csrf_token(const struct app *app, const uint8_t hash[STORE_TOKEN_HASH_LEN],
    char out[CSRF_TOKEN_SIZE]);

/*
 * Check given (the X-CSRF-Token header, or NULL) against the session's
 * token in constant time. Returns 1 when it matches, else 0.
 */
int csrf_check(const struct app *app, const uint8_t hash[STORE_TOKEN_HASH_LEN],
    const char *given);

/*
 * Whether a request whose Origin header is origin may change state: 1 when
 * origin is NULL (no header), equals one of webauthn.origins, or equals
 * this server's own origin from the Host header (https:// when browsers
 * use HTTPS, see config_browser_https(), and http:// otherwise). Scheme
 * and host compare without regard to case.
 */
int csrf_origin_allowed(const struct mfad_config *cfg, const char *origin, const char *host);

#endif
