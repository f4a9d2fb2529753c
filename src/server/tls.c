/* SPDX-License-Identifier: MIT */
/* Loading and checking the HTTPS certificate and key before libmicrohttpd gets them. */
#include "server/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mfa/common.h>

/*
 * Read path into a NUL-terminated buffer. With is_key, refuse a file that
 * group or others may access. The file may be a symbolic link (certbot's
 * live/ folder contains links), so the mode checked is the target's.
 */
static int
tls_read_file(const char *setting, const char *path, int is_key, char **ret, size_t *ret_size,
    char *err, size_t err_size)
{
	struct stat sb;
	char *buf = NULL;
	size_t size = 0;
	ssize_t n;
	int fd;
	int r = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_size, "%s: cannot open %s: %s", setting, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, err_size, "%s: %s is not a regular file", setting, path);
		goto out;
	}
	if (is_key && (sb.st_mode & 077) != 0) {
		snprintf(err, err_size, "%s: %s has mode %04o, so other users may read the private "
		    "key: chmod 600 it", setting, path, (unsigned)(sb.st_mode & 07777));
		goto out;
	}
	if (sb.st_size <= 0 || sb.st_size > TLS_FILE_MAX) {
		snprintf(err, err_size, "%s: %s is empty or larger than %d bytes", setting, path,
		    TLS_FILE_MAX);
		goto out;
	}
	size = (size_t)sb.st_size + 1;
	buf = calloc(1, size);
	if (buf == NULL) {
		snprintf(err, err_size, "out of memory");
		goto out;
	}
	n = read(fd, buf, size - 1);
	if (n != (ssize_t)(size - 1)) {
		snprintf(err, err_size, "%s: cannot read %s: %s", setting, path,
		    n < 0 ? strerror(errno) : "the file changed while being read");
		goto out;
	}
	*ret = buf;
	*ret_size = size;
	buf = NULL;
	r = 0;
out:
	mfa_free_secret(buf, size);
	close(fd);
	return r;
}

/* OpenSSL's default would prompt on the terminal for an encrypted key: fail instead. */
static int
tls_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* Parse both PEM texts and check that the key belongs to the first certificate. */
static int
tls_check_pair(const struct mfad_config *cfg, const struct tls_files *f, char *err,
    size_t err_size)
{
	BIO *cert_bio = BIO_new_mem_buf(f->cert, -1);
	BIO *key_bio = BIO_new_mem_buf(f->key, -1);
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	int r = -1;

	if (cert_bio == NULL || key_bio == NULL) {
		snprintf(err, err_size, "out of memory");
		goto out;
	}
	cert = PEM_read_bio_X509(cert_bio, NULL, tls_no_passphrase, NULL);
	if (cert == NULL) {
		snprintf(err, err_size, "http.tls_cert: %s holds no PEM certificate", cfg->tls_cert);
		goto out;
	}
	key = PEM_read_bio_PrivateKey(key_bio, NULL, tls_no_passphrase, NULL);
	if (key == NULL) {
		snprintf(err, err_size, "http.tls_key: %s holds no PEM private key, or the key is "
		    "encrypted (mfad cannot ask for a passphrase)", cfg->tls_key);
		goto out;
	}
	if (X509_check_private_key(cert, key) != 1) {
		snprintf(err, err_size, "http.tls_key: %s is not the private key of the first "
		    "certificate in %s", cfg->tls_key, cfg->tls_cert);
		goto out;
	}
	r = 0;
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	BIO_free(key_bio);
	BIO_free(cert_bio);
	return r;
}

int
tls_load(const struct mfad_config *cfg, struct tls_files *ret, char *err, size_t err_size)
{
	struct tls_files f = { NULL, NULL, 0 };
	size_t cert_size = 0;
	int r = -1;

	if (tls_read_file("http.tls_cert", cfg->tls_cert, 0, &f.cert, &cert_size, err,
	    err_size) != 0 ||
	    tls_read_file("http.tls_key", cfg->tls_key, 1, &f.key, &f.key_size, err,
	    err_size) != 0)
		goto out;

	if (tls_check_pair(cfg, &f, err, err_size) != 0)
		goto out;
	*ret = f;
	memset(&f, 0, sizeof(f));
	r = 0;
out:
	tls_files_clear(&f);
	return r;
}

void
tls_files_clear(struct tls_files *f)
{
	free(f->cert);
	mfa_free_secret(f->key, f->key_size);
	memset(f, 0, sizeof(*f));
}
