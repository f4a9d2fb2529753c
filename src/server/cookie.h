/* SPDX-License-Identifier: MIT */
/*
 * Names and Set-Cookie values of mfad's cookies. When browsers use HTTPS
 * (mfad's own TLS or a TLS proxy), a cookie is named "__Host-NAME" and
 * marked Secure, so browsers accept it only from a secure origin, for this
 * host alone (no Domain) and for Path=/.
 */
#ifndef MFAD_COOKIE_H
#define MFAD_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#include "server/config.h"

#define COOKIE_HOST_PREFIX "__Host-"
#define COOKIE_NAME_MAX 64 /* bytes of a cookie name with its prefix and NUL */

/* 1 when cookies are Secure with the __Host- prefix: see config_browser_https(). */
int cookie_secure(const struct mfad_config *cfg);

/*
 * Write the name a cookie has on the wire: base ("mfad_session") with the
 * __Host- prefix when cookie_secure(). Returns 0, or -1 when it does not fit.
 */
int cookie_name(const struct mfad_config *cfg, const char *base, char *out, size_t size);

/*
 * Write a Set-Cookie value for cookie base holding value, kept max_age
 * seconds (0 deletes it): Path=/, HttpOnly, SameSite=Strict, no Domain, and
 * Secure when cookie_secure(). value must be cookie-safe text such as base64url.
 * Returns 0, or -1 when it does not fit (out is then empty).
 */
int cookie_format(const struct mfad_config *cfg, const char *base, const char *value,
    int64_t max_age, char *out, size_t size);

#endif
