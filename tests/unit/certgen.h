/* SPDX-License-Identifier: MIT */
/* Test helpers: keys, X.509 certificates, DER, COSE keys and attStmt maps made with OpenSSL and libcbor. */
#ifndef MFA_TESTS_CERTGEN_H
#define MFA_TESTS_CERTGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cbor.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/*
 * Every helper fails the running cmocka test on an OpenSSL or libcbor error,
 * so callers need no error paths.
 */

/* A new EC key on group ("P-256", "P-384") or a new RSA key of bits. */
EVP_PKEY *certgen_key_ec(const char *group);
EVP_PKEY *certgen_key_rsa(unsigned bits);

/*
 * Start a certificate for the public half of key: version (X509_VERSION_3
 * and so on), a random serial, valid from a day ago for a year. cn sets the
 * subject commonName; NULL leaves the subject empty.
 */
X509 *certgen_new(EVP_PKEY *key, long version, const char *cn);

/* Add an extension from OpenSSL config text ("critical,CA:FALSE"), with issuer for key IDs. */
void certgen_add_ext_conf(X509 *cert, X509 *issuer, int nid, const char *value);

/* Add an extension with a raw DER value under a dotted oid. */
void certgen_add_ext_der(X509 *cert, const char *oid, bool critical, const uint8_t *der,
    size_t len);

/*
 * Add a subjectAltName with one directoryName holding the TPM manufacturer,
 * model and version attributes (2.23.133.2.1, .2, .3). NULL leaves one out.
 */
void certgen_add_tpm_san(X509 *cert, const char *manufacturer, const char *model,
    const char *version);

/* Set the issuer and sign cert with issuer_key (SHA-256); issuer NULL makes it self-signed. */
void certgen_sign(X509 *cert, X509 *issuer, EVP_PKEY *issuer_key);

/* A self-signed CA certificate (basicConstraints CA:TRUE) for key. */
X509 *certgen_ca(EVP_PKEY *key, const char *cn);

/* The DER encoding of cert in a new buffer for free(). */
uint8_t *certgen_cert_der(X509 *cert, size_t *ret_len);

/* Sign msg with key: ECDSA (DER) or RSA PKCS#1 v1.5 over md ("SHA256"). New buffer for free(). */
uint8_t *certgen_sign_data(EVP_PKEY *key, const char *md, const uint8_t *msg, size_t msg_len,
    size_t *ret_len);

/* Digest of a || b with md into out (EVP_MAX_MD_SIZE bytes); returns the length. */
size_t certgen_digest(const char *md, const uint8_t *a, size_t a_len, const uint8_t *b,
    size_t b_len, uint8_t *out);

/* Big-endian bytes of an EC point (0x04 || X || Y) or of an RSA modulus, in a new buffer. */
uint8_t *certgen_ec_point(EVP_PKEY *key, size_t *ret_len);
uint8_t *certgen_rsa_modulus(EVP_PKEY *key, size_t *ret_len);

/* A byte buffer of fixed size, enough for the extensions and TPM structures the tests make. */
#define CERTGEN_BUF_MAX 2048
struct certgen_buf {
	uint8_t buf[CERTGEN_BUF_MAX];
	size_t len;
};

/* Append one element: class (0 universal, 2 context), constructed, tag number and content. */
void certgen_der_put(struct certgen_buf *out, unsigned cls, bool constructed, uint32_t tag,
    const uint8_t *content, size_t len);

/* Append raw bytes, or a big-endian 16-bit value. */
void certgen_buf_put(struct certgen_buf *out, const uint8_t *p, size_t len);
void certgen_buf_u16(struct certgen_buf *out, uint16_t value);

/*
 * Write a TPMT_PUBLIC (TPM 2.0 Part 2) for the public half of key: RSA with
 * a NULL scheme and the given exponent field (0 means 65537), or ECC P-256
 * or P-384 with an ECDSA SHA-256 scheme. name_alg is a TPM_ALG_ID.
 */
void certgen_tpm_pub_area(struct certgen_buf *out, EVP_PKEY *key, uint16_t name_alg,
    uint32_t exponent);

/*
 * Write a TPMS_ATTEST of type TPM_ST_ATTEST_CERTIFY with extraData and the
 * Name name_alg || H(pub_area), hashed with md ("SHA256"). The magic is at
 * offset 0 and the type at offset 4, for tests that change them.
 */
void certgen_tpm_cert_info(struct certgen_buf *out, const uint8_t *extra_data, size_t extra_len,
    uint16_t name_alg, const char *md, const uint8_t *pub_area, size_t pub_area_len);

/*
 * The CBOR COSE_Key of the public half of key with alg (-7, -35, -257):
 * EC2 for EC keys, RSA for RSA keys. New buffer for free().
 */
uint8_t *certgen_cose_key(EVP_PKEY *key, int alg, size_t *ret_len);

/*
 * Registration authenticator data for RP ID "example.com": flags UP, UV and
 * AT, sign count 0, aaguid (16 bytes), a 16-byte credential ID and the COSE
 * key. New buffer for free().
 */
uint8_t *certgen_auth_data(const uint8_t *aaguid, const uint8_t *cose, size_t cose_len,
    size_t *ret_len);

/* A new empty definite map with room for n pairs, and setters that add one pair each. */
cbor_item_t *certgen_map_new(size_t n);
void certgen_map_bytes(cbor_item_t *map, const char *key, const uint8_t *p, size_t len);
void certgen_map_text(cbor_item_t *map, const char *key, const char *value);
void certgen_map_int(cbor_item_t *map, const char *key, int64_t value);

/* Add "x5c": an array of the DER of n certificates. */
void certgen_map_x5c(cbor_item_t *map, X509 *const *certs, size_t n);

#endif
