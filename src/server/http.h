/* SPDX-License-Identifier: MIT */
/* The HTTP server (libmicrohttpd) in front of the JSON API. */
#ifndef MFAD_HTTP_H
#define MFAD_HTTP_H

#include "server/app.h"

struct http_server;

/*
 * Listen on the configured address and serve with the configured number
 * of threads. Returns 0, or -1 with a sentence in err.
 */
int http_start(struct app *app, struct http_server **ret, char *err, size_t err_size);

/* Stop serving, wait for the worker threads, and free *srv. Accepts NULL. */
void http_stop(struct http_server **srv);

#endif
