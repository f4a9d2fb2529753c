/* SPDX-License-Identifier: MIT */
/* Cookie names and attributes, the same for every cookie mfad sets. */
#include "server/cookie.h"

#include <stdio.h>

int
cookie_secure(const struct mfad_config *cfg)
{
	return config_browser_https(cfg);
}

int
cookie_name(const struct mfad_config *cfg, const char *base, char *out, size_t size)
{
	int n = snprintf(out, size, "%s%s", cookie_secure(cfg) ? COOKIE_HOST_PREFIX : "", base);

	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

int
cookie_format(const struct mfad_config *cfg, const char *base, const char *value,
    int64_t max_age, char *out, size_t size)
{
	char name[COOKIE_NAME_MAX];
	int n;

	if (cookie_name(cfg, base, name, sizeof(name)) != 0)
		return -1;
	/* SameSite=Strict: a cross-site request never carries the cookie, not even a top-level GET. */
	n = snprintf(out, size, "%s=%s; Path=/;%s HttpOnly; SameSite=Strict; Max-Age=%lld", name,
	    value, cookie_secure(cfg) ? " Secure;" : "", (long long)max_age);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}
