/* SPDX-License-Identifier: MIT */
/* Principals ("name@alias" or "alias"), user names, aliases and display names. */
#ifndef MFAD_PRINCIPAL_H
#define MFAD_PRINCIPAL_H

#include <stddef.h>

#include "store/store.h"

#define ALIAS_MIN 3
#define DISPLAY_NAME_MAX_CHARS 128

/*
 * Split principal into name and alias at its last '@'. A principal without
 * '@' names the account owner and leaves name empty. Returns 0, or -1 when
 * either part is not a valid name or alias.
 */
int principal_parse(const char *principal, char name[STORE_NAME_MAX + 1],
    char alias[STORE_ALIAS_MAX + 1]);

/*
 * The key of the failure counter for principal: the text lower-cased and cut
 * to STORE_PRINCIPAL_MAX bytes, so case variants share one counter and a
 * name that does not exist yet has one too.
 */
void principal_key(const char *principal, char out[STORE_PRINCIPAL_MAX + 1]);

/* 1 when name has 1 to 64 of A-Z a-z 0-9 . _ - (Alibaba Cloud RAM's rule). */
int user_name_valid(const char *name);

/* 1 when alias has 3 to 63 of a-z 0-9 -, not starting or ending with '-'. */
int alias_valid(const char *alias);

/* 1 when s is 1 to 128 UTF-8 characters with no control character. */
int display_name_valid(const char *s);

/* Format "name@alias" (or "alias" for the owner) into out. */
void principal_format(const struct store_user *user, const struct store_account *acct,
    char *out, size_t size);

#endif
