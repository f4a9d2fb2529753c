/* SPDX-License-Identifier: MIT */
/* Typed access to fields of a JSON request body, with errors that name the field. */
#ifndef MFAD_JSON_H
#define MFAD_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "server/errors.h"

/*
 * Parse len bytes as a JSON object (empty input is {}). Duplicate keys are
 * rejected. Returns SRV_OK or SRV_ERR_MALFORMED_JSON with the parser's
 * reason and position in st.
 */
int jreq_parse(const char *body, size_t len, json_t **ret, struct srv_status *st);

/*
 * Get string field key. Missing: SRV_ERR_MISSING_PARAMETER when required,
 * else SRV_OK with *ret NULL. Not a string, or holding a NUL byte:
 * SRV_ERR_INVALID_PARAMETER. *ret_len (when not NULL) gets its length.
 */
int jreq_string(json_t *obj, const char *key, int required, const char **ret, size_t *ret_len,
    struct srv_status *st);

/* Get boolean field key into *ret, or -1 when it is missing. */
int jreq_bool(json_t *obj, const char *key, int *ret, struct srv_status *st);

/* Get integer field key in [min, max], or def when it is missing. */
int jreq_int(json_t *obj, const char *key, long long def, long long min, long long max,
    long long *ret, struct srv_status *st);

/*
 * Make jansson wipe every block it frees, so request bodies (passwords,
 * codes) and responses (tokens, seeds) leave no copy in freed memory. Call
 * once, before any JSON value exists.
 */
void jreq_use_wiping_allocator(void);

#endif
