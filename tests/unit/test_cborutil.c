/* SPDX-License-Identifier: MIT */
/* The bounded CBOR scanner and loader: exact lengths, definite lengths, depth and item limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "softauthn.h"
#include "webauthn_internal.h"

static int
scan(const uint8_t *data, size_t len, size_t *ret_len)
{
	return cborutil_scan(data, len, ret_len);
}

static void
cborutil_scan_exact_length(void **state)
{
	/* {1: h'0102', "a": [true, -1]} followed by a byte that is not part of it. */
	static const uint8_t item[] = {
		0xa2, 0x01, 0x42, 0x01, 0x02, 0x61, 'a', 0x82, 0xf5, 0x20, 0xff,
	};
	size_t len = 0;

	(void)state;
	assert_int_equal(scan(item, sizeof(item), &len), MFA_OK);
	assert_int_equal(len, sizeof(item) - 1);
	for (size_t n = 0; n < sizeof(item) - 1; n++)
		assert_int_equal(scan(item, n, &len), MFA_ERR_MALFORMED_CBOR);
}

static void
cborutil_scan_rejects_indefinite_and_reserved(void **state)
{
	static const uint8_t cases[][4] = {
		{ 0x5f, 0x41, 0x00, 0xff }, /* indefinite byte string */
		{ 0x9f, 0x01, 0xff, 0x00 }, /* indefinite array */
		{ 0xbf, 0x01, 0x02, 0xff }, /* indefinite map */
		{ 0x1c, 0x00, 0x00, 0x00 }, /* reserved additional information 28 */
		{ 0xff, 0x00, 0x00, 0x00 }, /* lone break */
		{ 0x5b, 0xff, 0xff, 0xff }, /* 8-byte length cut short */
		{ 0xf8, 0x15, 0x00, 0x00 }, /* true in the two-byte simple value form */
	};
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (scan(cases[i], sizeof(cases[i]), &len) != MFA_ERR_MALFORMED_CBOR)
			fail_msg("case %zu was accepted", i);
	}
}

static void
cborutil_scan_huge_lengths(void **state)
{
	/* A byte string and an array announcing 2^64 - 1 entries. */
	static const uint8_t bytes[] = { 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };
	static const uint8_t array[] = { 0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };
	size_t len;

	(void)state;
	assert_int_equal(scan(bytes, sizeof(bytes), &len), MFA_ERR_MALFORMED_CBOR);
	assert_int_equal(scan(array, sizeof(array), &len), MFA_ERR_MALFORMED_CBOR);
}

static void
cborutil_scan_depth_limit(void **state)
{
	uint8_t nested[CBOR_DEPTH_MAX + 2];
	size_t len = 0;

	(void)state;
	/* CBOR_DEPTH_MAX arrays around one integer are accepted; one more array is not. */
	memset(nested, 0x81, sizeof(nested));
	nested[CBOR_DEPTH_MAX] = 0x00;
	assert_int_equal(scan(nested, CBOR_DEPTH_MAX + 1, &len), MFA_OK);
	assert_int_equal(len, CBOR_DEPTH_MAX + 1);
	nested[CBOR_DEPTH_MAX] = 0x81;
	nested[CBOR_DEPTH_MAX + 1] = 0x00;
	assert_int_equal(scan(nested, sizeof(nested), &len), MFA_ERR_MALFORMED_CBOR);
}

static void
cborutil_scan_item_limit(void **state)
{
	softauthn_buf_t b = { 0 };
	size_t len = 0;

	(void)state;
	/* The array itself counts, so CBOR_ITEMS_MAX - 1 entries fit. */
	softauthn_cbor_array(&b, CBOR_ITEMS_MAX - 1);
	for (size_t i = 0; i < CBOR_ITEMS_MAX - 1; i++)
		softauthn_cbor_int(&b, 0);
	assert_int_equal(scan(b.data, b.len, &len), MFA_OK);
	softauthn_buf_free(&b);

	softauthn_cbor_array(&b, CBOR_ITEMS_MAX);
	for (size_t i = 0; i < CBOR_ITEMS_MAX; i++)
		softauthn_cbor_int(&b, 0);
	assert_int_equal(scan(b.data, b.len, &len), MFA_ERR_MALFORMED_CBOR);
	softauthn_buf_free(&b);
}

static void
cborutil_load_and_lookup(void **state)
{
	softauthn_buf_t b = { 0 };
	cbor_item_t *map = NULL;
	int64_t v = 0;

	(void)state;
	softauthn_cbor_map(&b, 3);
	softauthn_cbor_int(&b, -3);
	softauthn_cbor_int(&b, INT64_MIN);
	softauthn_cbor_text(&b, "fmt");
	softauthn_cbor_text(&b, "none");
	softauthn_cbor_int(&b, 7);
	softauthn_cbor_bytes(&b, (const uint8_t *)"ab", 2);

	assert_int_equal(cborutil_load(b.data, b.len, &map), MFA_OK);
	assert_int_equal(cborutil_map_check_keys(map), MFA_OK);
	assert_true(cborutil_get_int(cborutil_map_int(map, -3), &v));
	assert_true(v == INT64_MIN);
	assert_true(cborutil_text_is(cborutil_map_text(map, "fmt"), "none"));
	assert_false(cborutil_text_is(cborutil_map_text(map, "fmt"), "non"));
	assert_true(cborutil_is_bytes(cborutil_map_int(map, 7)));
	assert_null(cborutil_map_int(map, 8));
	assert_null(cborutil_map_text(map, "fm"));
	cbor_decref(&map);

	/* Trailing bytes. */
	softauthn_buf_append(&b, "", 1);
	assert_int_equal(cborutil_load(b.data, b.len, &map), MFA_ERR_MALFORMED_CBOR);
	softauthn_buf_free(&b);
}

static void
cborutil_map_keys(void **state)
{
	softauthn_buf_t b = { 0 };
	cbor_item_t *map = NULL;

	(void)state;
	/* The same text key twice. */
	softauthn_cbor_map(&b, 2);
	softauthn_cbor_text(&b, "a");
	softauthn_cbor_int(&b, 1);
	softauthn_cbor_text(&b, "a");
	softauthn_cbor_int(&b, 2);
	assert_int_equal(cborutil_load(b.data, b.len, &map), MFA_OK);
	assert_int_equal(cborutil_map_check_keys(map), MFA_ERR_MALFORMED_CBOR);
	cbor_decref(&map);
	softauthn_buf_free(&b);

	/* A byte string key. */
	softauthn_cbor_map(&b, 1);
	softauthn_cbor_bytes(&b, (const uint8_t *)"a", 1);
	softauthn_cbor_int(&b, 1);
	assert_int_equal(cborutil_load(b.data, b.len, &map), MFA_OK);
	assert_int_equal(cborutil_map_check_keys(map), MFA_ERR_MALFORMED_CBOR);
	cbor_decref(&map);
	softauthn_buf_free(&b);

	/* 1 and "1" are different keys. */
	softauthn_cbor_map(&b, 2);
	softauthn_cbor_int(&b, 1);
	softauthn_cbor_int(&b, 1);
	softauthn_cbor_text(&b, "1");
	softauthn_cbor_int(&b, 1);
	assert_int_equal(cborutil_load(b.data, b.len, &map), MFA_OK);
	assert_int_equal(cborutil_map_check_keys(map), MFA_OK);
	cbor_decref(&map);
	softauthn_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cborutil_scan_exact_length),
		cmocka_unit_test(cborutil_scan_rejects_indefinite_and_reserved),
		cmocka_unit_test(cborutil_scan_huge_lengths),
		cmocka_unit_test(cborutil_scan_depth_limit),
		cmocka_unit_test(cborutil_scan_item_limit),
		cmocka_unit_test(cborutil_load_and_lookup),
		cmocka_unit_test(cborutil_map_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
