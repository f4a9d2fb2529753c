/* SPDX-License-Identifier: MIT */
/* The web console: serves the static files of web/, embedded in mfad at build time. */
#ifndef MFAD_WEB_H
#define MFAD_WEB_H

#include <microhttpd.h>

/*
 * Serve a GET or HEAD of url when it names a console file ("/" is index.html), with 304 when
 * If-None-Match carries the file's ETag, and return 1 with the queued result in *ret.
 * Returns 0 for any other method or path, which the caller hands to the API. The lookup
 * compares the path with a fixed table, so no request reaches the file system.
 */
int web_serve(struct MHD_Connection *conn, const char *method, const char *url,
    enum MHD_Result *ret);

#endif
