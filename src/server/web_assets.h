/* SPDX-License-Identifier: MIT */
/* The console's static files, embedded at build time by cmake/embed_web.cmake. */
#ifndef MFAD_WEB_ASSETS_H
#define MFAD_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
	const char *path;            /* "/index.html": the request path that serves it */
	const char *content_type;
	const char *etag;            /* quoted: the first 128 bits of the file's SHA-256, in hex */
	const unsigned char *data;
	size_t size;                 /* bytes */
};

extern const struct web_asset web_assets[];
extern const size_t web_asset_count;

#endif
