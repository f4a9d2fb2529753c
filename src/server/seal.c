/* SPDX-License-Identifier: MIT */
/* AES-256-GCM sealing under a master key file. */
#include "server/seal.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mfa/common.h>

struct seal {
	uint8_t key[SEAL_KEY_LEN];
	EVP_CIPHER *cipher; /* fetched once */
};

#define SEAL_FILE_MAX 128 /* bytes read from the key file */

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
seal_parse_key(const char *text, size_t n, uint8_t key[SEAL_KEY_LEN])
{
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		n--;
	if (n != 2 * SEAL_KEY_LEN)
		return -1;
	for (size_t i = 0; i < SEAL_KEY_LEN; i++) {
		int hi = hex_value(text[2 * i]);
		int lo = hex_value(text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int
seal_create_file(const char *path, char *err, size_t err_size)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t key[SEAL_KEY_LEN];
	char text[2 * SEAL_KEY_LEN + 1];
	int fd = -1;
	int r = -1;

	if (mfa_random_bytes(key, sizeof(key)) != 0) {
		snprintf(err, err_size, "cannot generate a master key");
		goto out;
	}
	for (size_t i = 0; i < SEAL_KEY_LEN; i++) {
		text[2 * i] = hex[key[i] >> 4];
		text[2 * i + 1] = hex[key[i] & 0xf];
	}
	text[2 * SEAL_KEY_LEN] = '\n';

	/* O_EXCL: never overwrite a key that appeared meanwhile. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, err_size, "cannot create key file %s: %s", path, strerror(errno));
		goto out;
	}
	if (write(fd, text, sizeof(text)) != (ssize_t)sizeof(text) || fsync(fd) != 0) {
		snprintf(err, err_size, "cannot write key file %s: %s", path, strerror(errno));
		unlink(path);
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	mfa_memzero(key, sizeof(key));
	mfa_memzero(text, sizeof(text));
	return r;
}

static int
seal_read_file(const char *path, uint8_t key[SEAL_KEY_LEN], char *err, size_t err_size)
{
	char text[SEAL_FILE_MAX];
	struct stat sb;
	ssize_t n;
	int fd;
	int r = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, err_size, "cannot open key file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, err_size, "key file %s is not a regular file", path);
		goto out;
	}
	if ((sb.st_mode & 077) != 0) {
		snprintf(err, err_size, "key file %s is readable by others: chmod 600 it", path);
		goto out;
	}
	n = read(fd, text, sizeof(text));
	if (n < 0 || seal_parse_key(text, (size_t)n, key) != 0) {
		snprintf(err, err_size, "key file %s does not hold 64 hex digits", path);
		goto out;
	}
	r = 0;
out:
	close(fd);
	mfa_memzero(text, sizeof(text));
	return r;
}

int
seal_load(const char *path, int create, struct seal **ret, char *err, size_t err_size)
{
	struct seal *s = NULL;
	int r = -1;

	if (create && access(path, F_OK) != 0 && errno == ENOENT &&
	    seal_create_file(path, err, err_size) != 0)
		goto out;

	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, err_size, "out of memory");
		goto out;
	}
	if (seal_read_file(path, s->key, err, err_size) != 0)
		goto out;
	s->cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	if (s->cipher == NULL) {
		snprintf(err, err_size, "OpenSSL has no AES-256-GCM");
		goto out;
	}
	*ret = s;
	s = NULL;
	r = 0;
out:
	seal_free(&s);
	return r;
}

void
seal_free(struct seal **s)
{
	if (s == NULL || *s == NULL)
		return;
	EVP_CIPHER_free((*s)->cipher);
	mfa_free_secret(*s, sizeof(**s));
	*s = NULL;
}

int
seal_encrypt(const struct seal *s, const uint8_t *aad, size_t aad_len, const uint8_t *plain,
    size_t n, uint8_t *out, size_t out_size, size_t *ret_len)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *nonce = out + 1;
	uint8_t *body = out + 1 + SEAL_NONCE_LEN;
	int len;
	int r = -1;

	if (n > (size_t)INT32_MAX || aad_len > (size_t)INT32_MAX || out_size < n + SEAL_OVERHEAD)
		return -1;
	out[0] = SEAL_VERSION;
	if (mfa_random_bytes(nonce, SEAL_NONCE_LEN) != 0)
		goto out;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex2(ctx, s->cipher, s->key, nonce, NULL) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &len, aad, (int)aad_len) != 1 ||
	    EVP_EncryptUpdate(ctx, body, &len, plain, (int)n) != 1 ||
	    EVP_EncryptFinal_ex(ctx, body + len, &len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN, body + n) != 1)
		goto out;
	*ret_len = n + SEAL_OVERHEAD;
	r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

int
seal_decrypt(const struct seal *s, const uint8_t *aad, size_t aad_len, const uint8_t *in,
    size_t n, uint8_t *out, size_t out_size, size_t *ret_len)
{
	EVP_CIPHER_CTX *ctx = NULL;
	const uint8_t *nonce = in + 1;
	const uint8_t *body = in + 1 + SEAL_NONCE_LEN;
	size_t body_len;
	uint8_t tag[SEAL_TAG_LEN];
	int len;
	int r = -1;

	if (n < SEAL_OVERHEAD || in[0] != SEAL_VERSION || aad_len > (size_t)INT32_MAX)
		return -1;
	body_len = n - SEAL_OVERHEAD;
	if (out_size < body_len)
		return -1;
	memcpy(tag, body + body_len, SEAL_TAG_LEN);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex2(ctx, s->cipher, s->key, nonce, NULL) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &len, aad, (int)aad_len) != 1 ||
	    EVP_DecryptUpdate(ctx, out, &len, body, (int)body_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN, tag) != 1 ||
	    EVP_DecryptFinal_ex(ctx, out + len, &len) != 1) {
		mfa_memzero(out, body_len);
		goto out;
	}
	*ret_len = body_len;
	r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

int
seal_derive(const struct seal *s, const char *label, uint8_t out[SEAL_KEY_LEN])
{
	size_t len = 0;

	/* HMAC-SHA256 keyed with the master key: one-way, so a derived key never reveals it. */
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, s->key, sizeof(s->key),
	    (const unsigned char *)label, strlen(label), out, SEAL_KEY_LEN, &len) == NULL ||
	    len != SEAL_KEY_LEN)
		return -1;
	return 0;
}
