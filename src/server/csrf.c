/* SPDX-License-Identifier: MIT */
/* CSRF tokens bound to sessions, and the Origin check on POSTs. */
#include "server/csrf.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <mfa/common.h>
#include <mfa/err.h>
#include <mfa/webauthn.h>


#define CSRF_KEY_LABEL "mfad csrf token"
#define CSRF_MAC_LEN 32 /* bytes of HMAC-SHA256 */

int
csrf_token(const struct app *app, const uint8_t hash[STORE_TOKEN_HASH_LEN],
    char out[CSRF_TOKEN_SIZE])
{
	uint8_t key[SEAL_KEY_LEN];
	uint8_t mac[CSRF_MAC_LEN];
	size_t len = 0;
	int r = -1;

	if (seal_derive(app->seal, CSRF_KEY_LABEL, key) != 0)
		goto out;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, sizeof(key), hash,
	    STORE_TOKEN_HASH_LEN, mac, sizeof(mac), &len) == NULL || len != sizeof(mac))
		goto out;

	if (mfa_base64url_encode(mac, sizeof(mac), 0, out, CSRF_TOKEN_SIZE) != MFA_OK)
		goto out;
	r = 0;
out:
	mfa_memzero(key, sizeof(key));
	mfa_memzero(mac, sizeof(mac));
	return r;
}

int
csrf_check(const struct app *app, const uint8_t hash[STORE_TOKEN_HASH_LEN], const char *given)
{
	char expected[CSRF_TOKEN_SIZE];
	int ok = 0;

	/* The length is public (always 43), so checking it first leaks nothing. */
	if (given == NULL || strlen(given) != CSRF_TOKEN_LEN)
		return 0;
	if (csrf_token(app, hash, expected) != 0)
		return 0;

	ok = mfa_memcmp_ct(expected, given, CSRF_TOKEN_LEN) == 0;
	mfa_memzero(expected, sizeof(expected));
	return ok;
}

/* Whether origin equals one of the comma- or space-separated entries of list. */
static int
csrf_origin_listed(const char *list, const char *origin)
{
	size_t len = strlen(origin);
	const char *p = list;

	while (*p != '\0') {
		size_t n;

		p += strspn(p, ", ");
		n = strcspn(p, ", ");
		if (n > 0 && n == len && strncasecmp(p, origin, n) == 0)
			return 1;
		p += n;
	}
	return 0;
}

/* Whether origin is SCHEME://HOST for this server's scheme and the Host header. */
static int
csrf_origin_is_host(const struct mfad_config *cfg, const char *origin, const char *host)
{
	const char *scheme = config_browser_https(cfg) ? "https://" : "http://";
	size_t n = strlen(scheme);

	if (host == NULL || host[0] == '\0')
		return 0;
	return strncasecmp(origin, scheme, n) == 0 && strcasecmp(origin + n, host) == 0;
}

int
csrf_origin_allowed(const struct mfad_config *cfg, const char *origin, const char *host)
{
	if (origin == NULL)
		return 1;
	/* "null" (a sandboxed frame, a file: page) and any other value must match exactly. */
	return csrf_origin_listed(cfg->origins, origin) || csrf_origin_is_host(cfg, origin, host);
}
