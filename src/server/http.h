/* SPDX-License-Identifier: MIT */
/* The HTTP server (libmicrohttpd) in front of the JSON API. */
#ifndef MFAD_HTTP_H
#define MFAD_HTTP_H

#include <microhttpd.h>

#include "server/app.h"

struct http_server;

/* Whether a response may be kept in a cache. */
enum http_cache {
	HTTP_CACHE_NO_STORE = 0, /* API responses, signed-in pages: Cache-Control no-store */
	HTTP_CACHE_CALLER = 1,   /* static assets: the caller sets its own Cache-Control, if any */
};

/*
 * Add the security headers every response carries (Content-Security-Policy,
 * X-Content-Type-Options, X-Frame-Options, Referrer-Policy, and
 * Strict-Transport-Security over HTTPS), queue r with status and release
 * r. Send every response through here.
 */
enum MHD_Result http_queue(struct MHD_Connection *conn, unsigned int status,
    struct MHD_Response *r, enum http_cache cache);

/*
 * Listen on the configured address and serve with the configured number
 * of threads, over HTTPS when http.tls_cert is set (after checking the
 * certificate and key, see tls.h). Returns 0, or -1 with a sentence in err.
 */
int http_start(struct app *app, struct http_server **ret, char *err, size_t err_size);

/* Stop serving, wait for the worker threads, and free *srv. Accepts NULL. */
void http_stop(struct http_server **srv);

#endif
