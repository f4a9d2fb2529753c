/* SPDX-License-Identifier: MIT */
/*
 * Encryption of secrets at rest (TOTP seeds) with AES-256-GCM under a
 * master key kept in a file outside the database.
 */
#ifndef MFAD_SEAL_H
#define MFAD_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define SEAL_KEY_LEN 32
#define SEAL_NONCE_LEN 12
#define SEAL_TAG_LEN 16
#define SEAL_VERSION 1
/* Bytes a sealed value adds to its plaintext: version, nonce and tag. */
#define SEAL_OVERHEAD (1 + SEAL_NONCE_LEN + SEAL_TAG_LEN)

/* A loaded master key; safe to share between threads. */
struct seal;

/*
 * Load the master key from path: 64 hex digits and an optional newline.
 * When the file is missing and create is 1, writes a new random key with
 * mode 0600 first. Returns 0, or -1 with a sentence in err.
 */
int seal_load(const char *path, int create, struct seal **ret, char *err, size_t err_size);

/* Wipe and free *s and set it to NULL. Accepts NULL. */
void seal_free(struct seal **s);

/*
 * Encrypt n bytes of plain into out (n + SEAL_OVERHEAD bytes), binding aad
 * (for example the owning row's id) so a sealed value copied to another row
 * does not open. Returns 0 or -1.
 */
int seal_encrypt(const struct seal *s, const uint8_t *aad, size_t aad_len, const uint8_t *plain,
    size_t n, uint8_t *out, size_t out_size, size_t *ret_len);

/*
 * Decrypt what seal_encrypt wrote. Returns 0, or -1 when the value was
 * changed, sealed under another key or with other aad.
 */
int seal_decrypt(const struct seal *s, const uint8_t *aad, size_t aad_len, const uint8_t *in,
    size_t n, uint8_t *out, size_t out_size, size_t *ret_len);

/*
 * Derive a key for another purpose (label names it, such as
 * "mfad passkey user handle") from the master key. Returns 0 or -1.
 */
int seal_derive(const struct seal *s, const char *label, uint8_t out[SEAL_KEY_LEN]);

#endif
