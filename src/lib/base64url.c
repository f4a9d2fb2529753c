/* SPDX-License-Identifier: MIT */
/* base64url (RFC 4648 section 5) encoding and strict decoding, as WebAuthn challenges and IDs use. */
#include <stdbool.h>
#include <stdint.h>

#include <mfa/err.h>
#include <mfa/webauthn.h>

#define B64_GROUP 4 /* characters that carry 3 whole bytes */

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

MFA_API size_t
mfa_base64url_encoded_len(size_t n, unsigned flags)
{
	/* Characters for the 0 to 2 bytes after the last whole 3-byte group. */
	static const size_t tail[3] = { 0, 2, 3 };

	/* Saturate at SIZE_MAX, which no output buffer can hold with its NUL. */
	if (n / 3 >= SIZE_MAX / B64_GROUP)
		return SIZE_MAX;

	if (flags & MFA_BASE64URL_PAD)
		return (n + 2) / 3 * B64_GROUP;

	return n / 3 * B64_GROUP + tail[n % 3];
}

MFA_API int
mfa_base64url_encode(const uint8_t *in, size_t n, unsigned flags, char *out, size_t out_size)
{
	size_t len, i, j = 0;
	uint32_t v;

	if (out == NULL || (in == NULL && n > 0) || (flags & ~MFA_BASE64URL_PAD) != 0)
		return MFA_ERR_INVALID_ARGUMENT;
	len = mfa_base64url_encoded_len(n, flags);
	if (len >= out_size)
		return MFA_ERR_BUFFER_TOO_SMALL;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[j++] = b64url_alphabet[v >> 18];
		out[j++] = b64url_alphabet[(v >> 12) & 0x3fu];
		out[j++] = b64url_alphabet[(v >> 6) & 0x3fu];
		out[j++] = b64url_alphabet[v & 0x3fu];
	}

	if (n - i > 0) {
		v = (uint32_t)in[i] << 16;
		if (n - i == 2)
			v |= (uint32_t)in[i + 1] << 8;
		out[j++] = b64url_alphabet[v >> 18];
		out[j++] = b64url_alphabet[(v >> 12) & 0x3fu];
		if (n - i == 2)
			out[j++] = b64url_alphabet[(v >> 6) & 0x3fu];
	}
	while (j < len)
		out[j++] = '=';
	out[j] = '\0';

	return MFA_OK;
}

/* Return the 6-bit value of a base64url character, or -1. */
static int
b64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;

	return -1;
}

/*
 * Find how many of in_len characters carry data: padding, when present,
 * must complete the last group of 4 and follow 2 or 3 data characters.
 */
static int
b64url_data_len(const char *in, size_t in_len, size_t *ret_data)
{
	size_t data = in_len;

	while (data > 0 && in[data - 1] == '=')
		data--;

	if (data < in_len) {
		if (in_len % B64_GROUP != 0 || in_len - data > 2)
			return MFA_ERR_BAD_ENCODING;
	}

	/* A last group of 1 character carries no whole byte. */
	if (data % B64_GROUP == 1)
		return MFA_ERR_BAD_ENCODING;

	*ret_data = data;
	return MFA_OK;
}

MFA_API int
mfa_base64url_decode(const char *in, size_t in_len, uint8_t *out, size_t out_size,
    size_t *ret_len)
{
	uint32_t pending = 0; /* bits not yet stored, at most 14 */
	unsigned pending_bits = 0;
	size_t data, len, j = 0;
	int r;

	if ((in == NULL && in_len > 0) || (out == NULL && out_size > 0) || ret_len == NULL)
		return MFA_ERR_INVALID_ARGUMENT;

	r = b64url_data_len(in, in_len, &data);
	if (r != MFA_OK)
		return r;
	for (size_t i = 0; i < data; i++) {
		if (b64url_value(in[i]) < 0)
			return MFA_ERR_BAD_ENCODING;
	}

	/* Unused bits of the last character must be zero, so each byte string has one encoding. */
	if (data % B64_GROUP != 0) {
		unsigned unused = data % B64_GROUP == 2 ? 0xfu : 0x3u;

		if (((unsigned)b64url_value(in[data - 1]) & unused) != 0)
			return MFA_ERR_BAD_ENCODING;
	}

	len = data / B64_GROUP * 3 + (data % B64_GROUP == 0 ? 0 : data % B64_GROUP - 1);
	if (len > out_size)
		return MFA_ERR_BUFFER_TOO_SMALL;

	for (size_t i = 0; i < data; i++) {
		pending = pending << 6 | (uint32_t)b64url_value(in[i]);
		pending_bits += 6;
		if (pending_bits >= 8) {
			pending_bits -= 8;
			out[j++] = (uint8_t)(pending >> pending_bits);
			pending &= (1u << pending_bits) - 1;
		}
	}

	*ret_len = len;
	return MFA_OK;
}
