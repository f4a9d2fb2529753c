/* SPDX-License-Identifier: MIT */
/* base32 (RFC 4648 section 6) encoding and lenient decoding of OTP secrets. */
#include <stdbool.h>
#include <stdint.h>

#include <mfa/base32.h>
#include <mfa/err.h>

#define BASE32_GROUP 8 /* characters that carry 5 whole bytes */

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* Result of checking the input before decoding it. */
struct base32_scan {
	size_t data;    /* alphabet characters, spaces and padding not counted */
	size_t bad_pos; /* offset of the first bad character, on failure */
};

MFA_API size_t
mfa_base32_encoded_len(size_t n)
{
	/* Characters for the 0 to 4 bytes after the last whole 5-byte group. */
	static const size_t tail[5] = { 0, 2, 4, 5, 7 };

	/* Saturate at SIZE_MAX, which no output buffer can hold with its NUL. */
	if (n / 5 > SIZE_MAX / BASE32_GROUP)
		return SIZE_MAX;

	return n / 5 * BASE32_GROUP + tail[n % 5];
}

MFA_API int
mfa_base32_encode(const uint8_t *in, size_t n, char *out, size_t out_size)
{
	uint32_t pending = 0; /* bits not yet written, at most 12 */
	unsigned pending_bits = 0;
	size_t j = 0;

	if (out == NULL || (in == NULL && n > 0))
		return MFA_ERR_INVALID_ARGUMENT;
	if (mfa_base32_encoded_len(n) >= out_size)
		return MFA_ERR_BUFFER_TOO_SMALL;

	for (size_t i = 0; i < n; i++) {
		pending = pending << 8 | in[i];
		pending_bits += 8;
		while (pending_bits >= 5) {
			pending_bits -= 5;
			out[j++] = base32_alphabet[(pending >> pending_bits) & 0x1fu];
		}
		pending &= (1u << pending_bits) - 1;
	}
	if (pending_bits > 0)
		out[j++] = base32_alphabet[(pending << (5 - pending_bits)) & 0x1fu];
	out[j] = '\0';

	return MFA_OK;
}

/* Return the 5-bit value of a base32 character of either case, or -1. */
static int
base32_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;

	return -1;
}

/*
 * Tell whether data characters can end a base32 string: a last group of
 * 1, 3 or 6 characters has a character that carries no whole byte.
 */
static bool
base32_len_is_possible(size_t data)
{
	size_t tail = data % BASE32_GROUP;

	return tail != 1 && tail != 3 && tail != 6;
}

/*
 * Check every character and the length, in input order, so that bad_pos
 * names the first offending character. On an impossible length that is the
 * last data character, the one that carries no whole byte.
 */
static int
base32_scan(const char *in, size_t in_len, struct base32_scan *scan)
{
	size_t data = 0, last_data_pos = 0;
	size_t pads = 0, pads_needed = 0, first_pad_pos = 0;

	for (size_t i = 0; i < in_len; i++) {
		char c = in[i];

		if (c == ' ')
			continue;

		if (c == '=') {
			if (pads == 0) {
				if (data > 0 && !base32_len_is_possible(data))
					goto bad_length;
				pads_needed = (BASE32_GROUP - data % BASE32_GROUP) % BASE32_GROUP;
				first_pad_pos = i;
			}
			if (++pads > pads_needed) {
				scan->bad_pos = i;
				return MFA_ERR_BAD_ENCODING;
			}
			continue;
		}

		if (pads > 0 || base32_value(c) < 0) {
			scan->bad_pos = i;
			return MFA_ERR_BAD_ENCODING;
		}
		data++;
		last_data_pos = i;
	}

	if (pads == 0 && !base32_len_is_possible(data))
		goto bad_length;

	/* Padding must be complete when present: "MY=" is neither form. */
	if (pads > 0 && pads < pads_needed) {
		scan->bad_pos = first_pad_pos;
		return MFA_ERR_BAD_ENCODING;
	}

	scan->data = data;
	return MFA_OK;

bad_length:
	scan->bad_pos = last_data_pos;
	return MFA_ERR_BAD_ENCODING;
}

MFA_API int
mfa_base32_decode(const char *in, size_t in_len, uint8_t *out, size_t out_size,
    size_t *ret_len, size_t *ret_bad_pos)
{
	struct base32_scan scan = { 0, 0 };
	uint32_t pending = 0; /* bits not yet stored, at most 12 */
	unsigned pending_bits = 0;
	size_t len, j = 0;
	int r;

	if ((in == NULL && in_len > 0) || (out == NULL && out_size > 0) || ret_len == NULL)
		return MFA_ERR_INVALID_ARGUMENT;
	if (in_len > MFA_BASE32_INPUT_MAX)
		return MFA_ERR_TOO_LARGE;

	r = base32_scan(in, in_len, &scan);
	if (r != MFA_OK) {
		if (ret_bad_pos != NULL)
			*ret_bad_pos = scan.bad_pos;
		return r;
	}

	len = scan.data * 5 / 8;
	if (len > out_size)
		return MFA_ERR_BUFFER_TOO_SMALL;

	/* Bits left over after the last byte are dropped, as most decoders do. */
	for (size_t i = 0; i < in_len && j < len; i++) {
		int value = base32_value(in[i]);

		if (value < 0)
			continue;
		pending = pending << 5 | (uint32_t)value;
		pending_bits += 5;
		if (pending_bits >= 8) {
			pending_bits -= 8;
			out[j++] = (uint8_t)(pending >> pending_bits);
			pending &= (1u << pending_bits) - 1;
		}
	}

	*ret_len = len;
	return MFA_OK;
}
