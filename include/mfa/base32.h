/* SPDX-License-Identifier: MIT */
/* base32 (RFC 4648 section 6) as authenticator apps use it. */
#ifndef MFA_BASE32_H
#define MFA_BASE32_H

#include <mfa/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MFA_BASE32_INPUT_MAX 4096 /* characters accepted by mfa_base32_decode */

/* Return the length of the unpadded encoding of n bytes, without the NUL. */
MFA_API size_t mfa_base32_encoded_len(size_t n);

/*
 * Encode n bytes as upper-case base32 without '=' padding, as otpauth://
 * URIs carry it, and NUL-terminate. out_size must be at least
 * mfa_base32_encoded_len(n) + 1. Returns MFA_OK, MFA_ERR_INVALID_ARGUMENT or
 * MFA_ERR_BUFFER_TOO_SMALL.
 */
MFA_API int mfa_base32_encode(const uint8_t *in, size_t n, char *out, size_t out_size);

/*
 * Decode in_len characters of base32. Accepts lower case, spaces (ignored)
 * and missing or complete '=' padding at the end. Any other character,
 * padding followed by data, or a length that no byte string encodes to
 * returns MFA_ERR_BAD_ENCODING and stores the 0-based offset of the first
 * bad character in *ret_bad_pos (when not NULL). Writes at most out_size
 * bytes and stores the decoded length in *ret_len. Returns MFA_OK,
 * MFA_ERR_BAD_ENCODING, MFA_ERR_TOO_LARGE (over MFA_BASE32_INPUT_MAX),
 * MFA_ERR_BUFFER_TOO_SMALL or MFA_ERR_INVALID_ARGUMENT.
 */
MFA_API int mfa_base32_decode(const char *in, size_t in_len, uint8_t *out, size_t out_size,
    size_t *ret_len, size_t *ret_bad_pos);

#ifdef __cplusplus
}
#endif

#endif
