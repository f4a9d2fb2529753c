/* SPDX-License-Identifier: MIT */
/* Trust anchors for attestation certificates and chain checks against them. */
#include <limits.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include "webauthn_internal.h"

MFA_API int
mfa_webauthn_trust_new(mfa_webauthn_trust_t **ret_trust)
{
	mfa_webauthn_trust_t *trust = NULL;
	int r = MFA_ERR_INTERNAL;

	if (ret_trust == NULL) {
		r = MFA_ERR_INVALID_ARGUMENT;
		goto out;
	}

	trust = calloc(1, sizeof(*trust));
	if (trust == NULL) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	trust->store = X509_STORE_new();
	if (trust->store == NULL)
		goto out;

	/*
	 * Any added certificate is an anchor, self-signed or not, because a
	 * vendor may publish an intermediate CA as its attestation root.
	 */
	if (X509_STORE_set_flags(trust->store, X509_V_FLAG_PARTIAL_CHAIN) != 1)
		goto out;

	*ret_trust = trust;
	trust = NULL;
	r = MFA_OK;
out:
	mfa_webauthn_trust_free(&trust);
	return r;
}

MFA_API void
mfa_webauthn_trust_free(mfa_webauthn_trust_t **trust)
{
	if (trust == NULL || *trust == NULL)
		return;

	X509_STORE_free((*trust)->store);
	free(*trust);
	*trust = NULL;
}

/* Read every PEM certificate of bio into certs; the end of the text is the only error allowed. */
static int
trust_read_pem(BIO *bio, STACK_OF(X509) *certs)
{
	X509 *cert;
	unsigned long err;

	for (;;) {
		cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (cert == NULL)
			break;
		if (sk_X509_push(certs, cert) <= 0) {
			X509_free(cert);
			return MFA_ERR_NOMEM;
		}
	}

	err = ERR_peek_last_error();
	ERR_clear_error();
	if (sk_X509_num(certs) == 0 || ERR_GET_REASON(err) != PEM_R_NO_START_LINE)
		return MFA_ERR_BAD_ENCODING;

	return MFA_OK;
}

MFA_API int
mfa_webauthn_trust_add_pem(mfa_webauthn_trust_t *trust, const char *pem, size_t len)
{
	STACK_OF(X509) *certs = NULL;
	BIO *bio = NULL;
	int r = MFA_ERR_NOMEM;

	if (trust == NULL || pem == NULL || len == 0 || len > INT_MAX) {
		r = MFA_ERR_INVALID_ARGUMENT;
		goto out;
	}

	bio = BIO_new_mem_buf(pem, (int)len);
	certs = sk_X509_new_null();
	if (bio == NULL || certs == NULL)
		goto out;

	/* Read all first, so that a bad certificate adds none of them. */
	ERR_clear_error();
	r = trust_read_pem(bio, certs);
	if (r != MFA_OK)
		goto out;

	r = MFA_ERR_NOMEM;
	for (int i = 0; i < sk_X509_num(certs); i++) {
		if (X509_STORE_add_cert(trust->store, sk_X509_value(certs, i)) != 1)
			goto out;
	}

	r = MFA_OK;
out:
	ERR_clear_error();
	sk_X509_pop_free(certs, X509_free);
	BIO_free(bio);
	return r;
}

int
webauthn_trust_check_chain(const mfa_webauthn_trust_t *trust, STACK_OF(X509) *x5c,
    int64_t time, bool *ret_trusted)
{
	STACK_OF(X509) *untrusted = NULL;
	X509_STORE_CTX *ctx = NULL;
	int r = MFA_ERR_NOMEM;

	/* The certificates after the leaf are borrowed from x5c. */
	untrusted = sk_X509_new_null();
	ctx = X509_STORE_CTX_new();
	if (untrusted == NULL || ctx == NULL)
		goto out;
	for (int i = 1; i < sk_X509_num(x5c); i++) {
		if (sk_X509_push(untrusted, sk_X509_value(x5c, i)) <= 0)
			goto out;
	}

	r = MFA_ERR_INTERNAL;
	if (X509_STORE_CTX_init(ctx, trust->store, sk_X509_value(x5c, 0), untrusted) != 1)
		goto out;
	if (time != 0)
		X509_STORE_CTX_set_time(ctx, 0, (time_t)time);

	*ret_trusted = X509_verify_cert(ctx) == 1;
	r = MFA_OK;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	return r;
}
