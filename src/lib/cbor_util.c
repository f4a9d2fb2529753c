/* SPDX-License-Identifier: MIT */
/* Bounded CBOR loading on top of libcbor: exact item lengths, depth and item limits, map lookups. */
#include <string.h>

#include "webauthn_internal.h"

#define CBOR_MAJOR_UINT 0
#define CBOR_MAJOR_NEGINT 1
#define CBOR_MAJOR_BYTES 2
#define CBOR_MAJOR_TEXT 3
#define CBOR_MAJOR_ARRAY 4
#define CBOR_MAJOR_MAP 5
#define CBOR_MAJOR_TAG 6
#define CBOR_MAJOR_SIMPLE 7

/* Read one item head at *pos: major type and argument. Indefinite lengths are rejected. */
static int
scan_head(const uint8_t *data, size_t len, size_t *pos, unsigned *ret_major, uint64_t *ret_arg)
{
	unsigned ai;
	size_t extra;
	uint64_t arg = 0;

	if (*pos >= len)
		return MFA_ERR_MALFORMED_CBOR;
	*ret_major = data[*pos] >> 5;
	ai = data[*pos] & 0x1fu;
	(*pos)++;

	/* 24..27 announce a 1, 2, 4 or 8-byte argument; 28..31 are reserved or indefinite. */
	if (ai < 24) {
		*ret_arg = ai;
		return MFA_OK;
	}
	if (ai > 27)
		return MFA_ERR_MALFORMED_CBOR;

	extra = (size_t)1 << (ai - 24);
	if (len - *pos < extra)
		return MFA_ERR_MALFORMED_CBOR;
	for (size_t i = 0; i < extra; i++)
		arg = arg << 8 | data[*pos + i];
	*pos += extra;

	/* Simple values below 32 have a one-byte head, so the two-byte form is not well-formed. */
	if (*ret_major == CBOR_MAJOR_SIMPLE && ai == 24 && arg < 32)
		return MFA_ERR_MALFORMED_CBOR;

	*ret_arg = arg;
	return MFA_OK;
}

int
cborutil_scan(const uint8_t *data, size_t len, size_t *ret_len)
{
	uint64_t remaining[CBOR_DEPTH_MAX + 1]; /* items still to read at each level */
	size_t depth = 0, pos = 0, items = 0;
	unsigned major;
	uint64_t arg, children;

	remaining[0] = 1;
	for (;;) {
		if (remaining[depth] == 0) {
			if (depth == 0)
				break;
			depth--;
			continue;
		}
		remaining[depth]--;

		if (++items > CBOR_ITEMS_MAX)
			return MFA_ERR_MALFORMED_CBOR;
		if (scan_head(data, len, &pos, &major, &arg) != MFA_OK)
			return MFA_ERR_MALFORMED_CBOR;

		children = 0;
		switch (major) {
		case CBOR_MAJOR_BYTES:
		case CBOR_MAJOR_TEXT:
			if (arg > len - pos)
				return MFA_ERR_MALFORMED_CBOR;
			pos += (size_t)arg;
			break;
		case CBOR_MAJOR_ARRAY:
		case CBOR_MAJOR_MAP:
			/* A count over the item limit can never fit, which also rules out overflow. */
			if (arg > CBOR_ITEMS_MAX)
				return MFA_ERR_MALFORMED_CBOR;
			children = major == CBOR_MAJOR_MAP ? arg * 2 : arg;
			break;
		case CBOR_MAJOR_TAG:
			children = 1;
			break;
		default:
			break;
		}

		if (children > 0) {
			if (depth == CBOR_DEPTH_MAX)
				return MFA_ERR_MALFORMED_CBOR;
			remaining[++depth] = children;
		}
	}

	*ret_len = pos;
	return MFA_OK;
}

int
cborutil_load(const uint8_t *data, size_t len, cbor_item_t **ret_item)
{
	struct cbor_load_result res;
	cbor_item_t *item = NULL;
	size_t item_len = 0;
	int r;

	r = cborutil_scan(data, len, &item_len);
	if (r != MFA_OK)
		return r;
	if (item_len != len)
		return MFA_ERR_MALFORMED_CBOR;

	item = cbor_load(data, len, &res);
	if (item == NULL)
		return res.error.code == CBOR_ERR_MEMERROR ? MFA_ERR_NOMEM : MFA_ERR_MALFORMED_CBOR;
	if (res.read != len) {
		cbor_decref(&item);
		return MFA_ERR_MALFORMED_CBOR;
	}

	*ret_item = item;
	return MFA_OK;
}

bool
cborutil_get_int(const cbor_item_t *item, int64_t *ret)
{
	uint64_t v;

	if (!cbor_isa_uint(item) && !cbor_isa_negint(item))
		return false;

	v = cbor_get_int(item);
	if (v > INT64_MAX)
		return false;
	*ret = cbor_isa_uint(item) ? (int64_t)v : -1 - (int64_t)v;
	return true;
}

bool
cborutil_text_is(const cbor_item_t *key, const char *name)
{
	size_t n = strlen(name);

	return cbor_isa_string(key) && cbor_string_is_definite(key) &&
	    cbor_string_length(key) == n && memcmp(cbor_string_handle(key), name, n) == 0;
}

bool
cborutil_is_bytes(const cbor_item_t *item)
{
	return cbor_isa_bytestring(item) && cbor_bytestring_is_definite(item);
}

/* Return whether two map keys are the same integer or the same text. */
static bool
keys_equal(const cbor_item_t *a, const cbor_item_t *b)
{
	int64_t x, y;

	if (cborutil_get_int(a, &x))
		return cborutil_get_int(b, &y) && x == y;

	return cbor_isa_string(b) && cbor_string_length(a) == cbor_string_length(b) &&
	    memcmp(cbor_string_handle(a), cbor_string_handle(b), cbor_string_length(a)) == 0;
}

int
cborutil_map_check_keys(const cbor_item_t *map)
{
	struct cbor_pair *pairs;
	size_t n;
	int64_t v;

	if (!cbor_isa_map(map) || !cbor_map_is_definite(map))
		return MFA_ERR_MALFORMED_CBOR;
	n = cbor_map_size(map);
	pairs = cbor_map_handle(map);

	/* Maps are bounded by CBOR_ITEMS_MAX, so the quadratic check stays small. */
	for (size_t i = 0; i < n; i++) {
		if (!cborutil_get_int(pairs[i].key, &v) &&
		    !(cbor_isa_string(pairs[i].key) && cbor_string_is_definite(pairs[i].key)))
			return MFA_ERR_MALFORMED_CBOR;
		for (size_t j = 0; j < i; j++) {
			if (keys_equal(pairs[i].key, pairs[j].key))
				return MFA_ERR_MALFORMED_CBOR;
		}
	}

	return MFA_OK;
}

cbor_item_t *
cborutil_map_int(const cbor_item_t *map, int64_t label)
{
	struct cbor_pair *pairs = cbor_map_handle(map);
	int64_t v;

	for (size_t i = 0; i < cbor_map_size(map); i++) {
		if (cborutil_get_int(pairs[i].key, &v) && v == label)
			return pairs[i].value;
	}

	return NULL;
}

cbor_item_t *
cborutil_map_text(const cbor_item_t *map, const char *name)
{
	struct cbor_pair *pairs = cbor_map_handle(map);

	for (size_t i = 0; i < cbor_map_size(map); i++) {
		if (cborutil_text_is(pairs[i].key, name))
			return pairs[i].value;
	}

	return NULL;
}
