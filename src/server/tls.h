/* SPDX-License-Identifier: MIT */
/* The certificate and private key mfad serves HTTPS with (http.tls_cert, http.tls_key). */
#ifndef MFAD_TLS_H
#define MFAD_TLS_H

#include <stddef.h>

#include "server/config.h"

#define TLS_FILE_MAX (256 * 1024) /* bytes of a PEM file: a long chain fits many times */

/* TLS 1.2 and 1.3 only, in GnuTLS priority syntax. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* PEM text of the certificate chain and of its key, NUL-terminated. */
struct tls_files {
	char *cert;
	char *key;      /* secret: wiped when freed */
	size_t key_size;
};

/*
 * Read cfg's certificate and key and check them: both files readable, the
 * key not readable or writable by group or others (mode 0600 or
 * stricter), not encrypted, and the public half of the first certificate.
 * Returns 0, or -1 with a sentence in err.
 */
int tls_load(const struct mfad_config *cfg, struct tls_files *ret, char *err, size_t err_size);

/* Wipe and free what tls_load read. Accepts an empty struct. */
void tls_files_clear(struct tls_files *f);

#endif
