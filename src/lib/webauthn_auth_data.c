/* SPDX-License-Identifier: MIT */
/* Authenticator data (WebAuthn L3 6.1) split into its fields, with exact lengths and no trailing bytes. */
#include <string.h>

#include "webauthn_internal.h"

#define AUTH_DATA_FIXED_LEN 37   /* rpIdHash (32), flags (1), signCount (4) */
#define CRED_ID_LEN_BYTES 2      /* big-endian credentialIdLength */
#define CBOR_MAP_HEAD_MASK 0xe0u /* major type bits of a CBOR head */
#define CBOR_MAP_HEAD 0xa0u      /* major type 5, map */

/* Cursor over the bytes still to read. */
struct auth_data_reader {
	const uint8_t *data;
	size_t len;
	size_t pos;
};

/* Borrow n bytes at the cursor and move past them. */
static const uint8_t *
reader_take(struct auth_data_reader *rd, size_t n)
{
	const uint8_t *p;

	if (rd->len - rd->pos < n)
		return NULL;
	p = rd->data + rd->pos;
	rd->pos += n;
	return p;
}

/* Borrow the one CBOR item at the cursor, found by scanning its exact length. */
static int
reader_take_cbor(struct auth_data_reader *rd, const uint8_t **ret, size_t *ret_len)
{
	size_t item_len = 0;
	int r;

	if (rd->pos == rd->len)
		return MFA_ERR_MALFORMED_AUTH_DATA;
	r = cborutil_scan(rd->data + rd->pos, rd->len - rd->pos, &item_len);
	if (r != MFA_OK)
		return r;

	*ret = reader_take(rd, item_len);
	*ret_len = item_len;
	return MFA_OK;
}

/* Read attestedCredentialData: AAGUID, credential ID and COSE key. */
static int
auth_data_attested(struct auth_data_reader *rd, mfa_webauthn_auth_data_t *ad)
{
	const uint8_t *len_bytes;
	int r;

	ad->aaguid = reader_take(rd, MFA_WEBAUTHN_AAGUID_LEN);
	len_bytes = reader_take(rd, CRED_ID_LEN_BYTES);
	if (ad->aaguid == NULL || len_bytes == NULL)
		return MFA_ERR_MALFORMED_AUTH_DATA;

	ad->cred_id_len = (size_t)len_bytes[0] << 8 | len_bytes[1];
	if (ad->cred_id_len > MFA_WEBAUTHN_CRED_ID_MAX)
		return MFA_ERR_WEBAUTHN_CREDENTIAL_ID;
	ad->cred_id = reader_take(rd, ad->cred_id_len);
	if (ad->cred_id == NULL)
		return MFA_ERR_MALFORMED_AUTH_DATA;

	r = reader_take_cbor(rd, &ad->cose_key, &ad->cose_key_len);
	if (r != MFA_OK)
		return r;
	if (ad->cose_key_len > MFA_COSE_KEY_MAX)
		return MFA_ERR_TOO_LARGE;

	return MFA_OK;
}

MFA_API int
mfa_webauthn_auth_data_parse(const uint8_t *data, size_t len, mfa_webauthn_auth_data_t *ret)
{
	struct auth_data_reader rd = { data, len, 0 };
	mfa_webauthn_auth_data_t ad;
	const uint8_t *fixed;
	int r;

	if (data == NULL || ret == NULL)
		return MFA_ERR_INVALID_ARGUMENT;
	if (len > MFA_WEBAUTHN_AUTH_DATA_MAX)
		return MFA_ERR_TOO_LARGE;
	memset(&ad, 0, sizeof(ad));

	fixed = reader_take(&rd, AUTH_DATA_FIXED_LEN);
	if (fixed == NULL)
		return MFA_ERR_MALFORMED_AUTH_DATA;
	ad.rp_id_hash = fixed;
	ad.flags = fixed[32];
	ad.sign_count = (uint32_t)fixed[33] << 24 | (uint32_t)fixed[34] << 16 |
	    (uint32_t)fixed[35] << 8 | fixed[36];

	if (ad.flags & MFA_WEBAUTHN_FLAG_AT) {
		r = auth_data_attested(&rd, &ad);
		if (r != MFA_OK)
			return r;
	}

	if (ad.flags & MFA_WEBAUTHN_FLAG_ED) {
		if (rd.pos == rd.len || (data[rd.pos] & CBOR_MAP_HEAD_MASK) != CBOR_MAP_HEAD)
			return MFA_ERR_MALFORMED_AUTH_DATA;
		r = reader_take_cbor(&rd, &ad.extensions, &ad.extensions_len);
		if (r != MFA_OK)
			return r;
	}

	/* Also catches attested data or extensions sent without their flag. */
	if (rd.pos != rd.len)
		return MFA_ERR_MALFORMED_AUTH_DATA;

	if ((ad.flags & MFA_WEBAUTHN_FLAG_BS) && !(ad.flags & MFA_WEBAUTHN_FLAG_BE))
		return MFA_ERR_WEBAUTHN_BACKUP_STATE;

	*ret = ad;
	return MFA_OK;
}
