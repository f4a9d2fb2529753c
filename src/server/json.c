/* SPDX-License-Identifier: MIT */
/* JSON request field access. */
#include "server/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mfa/common.h>

int
jreq_parse(const char *body, size_t len, json_t **ret, struct srv_status *st)
{
	json_error_t jerr;
	json_t *v;

	if (len == 0) {
		*ret = json_object();
		return *ret != NULL ? SRV_OK : SRV_ERR_INTERNAL;
	}
	/* jansson's error text may quote the body, which can hold a password: never send it. */
	v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL && json_error_code(&jerr) == json_error_numeric_overflow)
		return srv_fail(st, SRV_ERR_MALFORMED_JSON, "The request body has a number too large "
		    "to read (line %d, column %d).", jerr.line, jerr.column);
	if (v == NULL && json_error_code(&jerr) == json_error_duplicate_key)
		return srv_fail(st, SRV_ERR_MALFORMED_JSON, "The request body names a field twice "
		    "(line %d, column %d).", jerr.line, jerr.column);
	if (v == NULL)
		return srv_fail(st, SRV_ERR_MALFORMED_JSON,
		    "The request body is not valid JSON (line %d, column %d).", jerr.line,
		    jerr.column);
	if (!json_is_object(v)) {
		json_decref(v);
		return srv_fail(st, SRV_ERR_MALFORMED_JSON, "The request body must be a JSON object.");
	}
	*ret = v;
	return SRV_OK;
}

int
jreq_string(json_t *obj, const char *key, int required, const char **ret, size_t *ret_len,
    struct srv_status *st)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t n;

	*ret = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return srv_fail(st, SRV_ERR_MISSING_PARAMETER, "%s is required.", key);
		return SRV_OK;
	}
	if (!json_is_string(v))
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "%s must be a string.", key);
	s = json_string_value(v);
	n = json_string_length(v);
	if (strlen(s) != n)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "%s must not contain a NUL character.",
		    key);
	*ret = s;
	if (ret_len != NULL)
		*ret_len = n;
	return SRV_OK;
}

int
jreq_bool(json_t *obj, const char *key, int *ret, struct srv_status *st)
{
	json_t *v = json_object_get(obj, key);

	*ret = -1;
	if (v == NULL || json_is_null(v))
		return SRV_OK;
	if (!json_is_boolean(v))
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "%s must be true or false.", key);
	*ret = json_is_true(v);
	return SRV_OK;
}

int
jreq_int(json_t *obj, const char *key, long long def, long long min, long long max,
    long long *ret, struct srv_status *st)
{
	json_t *v = json_object_get(obj, key);
	long long n;

	if (v == NULL || json_is_null(v)) {
		*ret = def;
		return SRV_OK;
	}
	if (!json_is_integer(v))
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "%s must be an integer.", key);
	n = (long long)json_integer_value(v);
	if (n < min || n > max)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "%s must be from %lld to %lld.", key,
		    min, max);
	*ret = n;
	return SRV_OK;
}

/*
 * jansson's free() gets no size, so each block carries its size in a
 * 16-byte header (keeping malloc's alignment) for the wipe on free.
 */
#define JREQ_HEADER 16

static void *
jreq_malloc(size_t n)
{
	unsigned char *p;

	if (n > SIZE_MAX - JREQ_HEADER)
		return NULL;
	p = malloc(n + JREQ_HEADER);
	if (p == NULL)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + JREQ_HEADER;
}

static void
jreq_free(void *ptr)
{
	unsigned char *p = ptr;
	size_t n;

	if (p == NULL)
		return;
	p -= JREQ_HEADER;
	memcpy(&n, p, sizeof(n));
	mfa_free_secret(p, n + JREQ_HEADER);
}

void
jreq_use_wiping_allocator(void)
{
	json_set_alloc_funcs(jreq_malloc, jreq_free);
}
