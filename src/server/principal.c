/* SPDX-License-Identifier: MIT */
/* Validation and parsing of principals and names. */
#include "server/principal.h"

#include <stdio.h>
#include <string.h>

int
user_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > STORE_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int
alias_valid(const char *alias)
{
	size_t n = strlen(alias);

	if (n < ALIAS_MIN || n > STORE_ALIAS_MAX || alias[0] == '-' || alias[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = alias[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return 1;
}

int
display_name_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0;

	if (strlen(s) > STORE_DISPLAY_NAME_MAX)
		return 0;
	while (*p != '\0') {
		size_t len = *p < 0x80 ? 1 : (*p >= 0xc2 && *p <= 0xdf) ? 2 :
		    (*p >= 0xe0 && *p <= 0xef) ? 3 : (*p >= 0xf0 && *p <= 0xf4) ? 4 : 0;
		if (len == 0 || *p < 0x20 || *p == 0x7f)
			return 0;
		for (size_t i = 1; i < len; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		p += len;
		chars++;
	}
	return chars >= 1 && chars <= DISPLAY_NAME_MAX_CHARS;
}

int
principal_parse(const char *principal, char name[STORE_NAME_MAX + 1],
    char alias[STORE_ALIAS_MAX + 1])
{
	const char *at = strrchr(principal, '@');
	size_t name_len = at != NULL ? (size_t)(at - principal) : 0;
	const char *alias_start = at != NULL ? at + 1 : principal;
	size_t alias_len = strlen(alias_start);

	if (name_len > STORE_NAME_MAX || alias_len > STORE_ALIAS_MAX)
		return -1;
	memcpy(name, principal, name_len);
	name[name_len] = '\0';
	for (size_t i = 0; i < alias_len; i++) {
		char c = alias_start[i];
		alias[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	alias[alias_len] = '\0';

	if (!alias_valid(alias) || (at != NULL && !user_name_valid(name)))
		return -1;
	return 0;
}

void
principal_key(const char *principal, char out[STORE_PRINCIPAL_MAX + 1])
{
	size_t i;

	for (i = 0; i < STORE_PRINCIPAL_MAX && principal[i] != '\0'; i++) {
		char c = principal[i];
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[i] = '\0';
}

void
principal_format(const struct store_user *user, const struct store_account *acct, char *out,
    size_t size)
{
	if (user->is_owner)
		snprintf(out, size, "%s", acct->alias);
	else
		snprintf(out, size, "%s@%s", user->name, acct->alias);
}
