/* SPDX-License-Identifier: MIT */
/* QR codes (libqrencode) as PNG (libpng) and SVG, for otpauth:// URIs. */
#ifndef MFAD_QR_H
#define MFAD_QR_H

#include <stddef.h>
#include <stdint.h>

#define QR_SCALE 6  /* pixels per module in the PNG */
#define QR_MARGIN 4 /* modules of quiet zone, as ISO/IEC 18004 asks */

/*
 * Encode text (which may hold a secret) at error correction level M and
 * store a malloc'd PNG in *ret_png. Free with mfa_free_secret(png, len).
 * Returns 0 or -1.
 */
int qr_png(const char *text, uint8_t **ret_png, size_t *ret_len);

/* The same as a malloc'd SVG document; free with mfa_free_secret_str(). */
int qr_svg(const char *text, char **ret_svg);

#endif
