/* SPDX-License-Identifier: MIT */
/*
 * WebAuthn credentials in the JSON form of PublicKeyCredential.toJSON():
 * the byte fields decoded from base64url, with the structure checked.
 */
#ifndef MFAD_PASSKEY_CRED_H
#define MFAD_PASSKEY_CRED_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "server/errors.h"
#include "store/store.h"

/* Bytes of a userHandle accepted; WebAuthn allows at most 64. */
#define PASSKEY_USER_HANDLE_MAX 64

/*
 * One credential response. Byte buffers are heap copies owned by the
 * struct; passkey_cred_free() releases them.
 */
struct passkey_cred {
	uint8_t raw_id[STORE_CREDENTIAL_ID_MAX + 1]; /* one byte more, to see a too long ID */
	size_t raw_id_len;
	uint8_t *client_data;
	size_t client_data_len;
	uint8_t *attestation;      /* registration only */
	size_t attestation_len;
	uint8_t *auth_data;        /* assertion only */
	size_t auth_data_len;
	uint8_t *signature;        /* assertion only */
	size_t signature_len;
	uint8_t user_handle[PASSKEY_USER_HANDLE_MAX];
	size_t user_handle_len;
	int has_user_handle;
	char transports[STORE_TRANSPORTS_MAX + 1]; /* comma-separated known names */
};

/*
 * Read a registration (attestation) response. Checks that type is
 * "public-key", id equals base64url(rawId) and the response fields are
 * base64url; unknown transports are dropped. Returns SRV_OK,
 * SRV_ERR_MISSING_PARAMETER or SRV_ERR_INVALID_PARAMETER (naming the field
 * in st), or SRV_ERR_INTERNAL.
 */
int passkey_cred_parse_registration(json_t *cred, struct passkey_cred *ret, struct srv_status *st);

/* Read an assertion response, as passkey_cred_parse_registration() does. */
int passkey_cred_parse_assertion(json_t *cred, struct passkey_cred *ret, struct srv_status *st);

/* Free the buffers of c and clear it. */
void passkey_cred_free(struct passkey_cred *c);

/*
 * Encode n bytes as base64url without padding into a new JSON string.
 * Returns NULL when out of memory.
 */
json_t *passkey_b64_json(const uint8_t *data, size_t n);

#endif
