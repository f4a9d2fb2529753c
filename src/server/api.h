/* SPDX-License-Identifier: MIT */
/*
 * The JSON API: routes "/api/v1/<Action>" to thin handlers over the flows,
 * checks the session and what its user may do. Knows nothing of HTTP
 * servers, so tests and other front ends can call it directly.
 */
#ifndef MFAD_API_H
#define MFAD_API_H

#include <stddef.h>

#include "server/app.h"

#define API_PREFIX "/api/v1/"
/* The session cookie's base name; over HTTPS it is sent as "__Host-mfad_session" (cookie.h). */
#define API_COOKIE_NAME "mfad_session"
#define API_REMEMBER_COOKIE_NAME "mfad_remember" /* the remembered-browser cookie */
#define API_SET_COOKIE_MAX 256

/* What the API wants sent back. */
struct api_response {
	int status;                  /* HTTP status */
	char *body;                  /* malloc'd JSON; may hold a token: wipe when freeing */
	char set_cookie[API_SET_COOKIE_MAX]; /* a Set-Cookie value, or empty */
	/* A second Set-Cookie value, for the remembered-browser cookie, or empty. */
	char set_cookie_remember[API_SET_COOKIE_MAX];
	int retry_after;             /* seconds, 0 for no Retry-After header */
	const char *action;          /* the action's name for the log, or NULL */
	long long user_id;           /* the session's user for the log, 0 for none */
};

/* One request, as the HTTP layer hands it over. */
struct api_request {
	const char *method;
	const char *path;
	const char *body;
	size_t body_len;
	int body_is_json;            /* Content-Type is application/json */
	int too_large;               /* the body was over the limit and dropped */
	const char *token;           /* from the cookie or a bearer header, or NULL */
	int token_from_cookie;       /* 1: token came from the cookie, so POSTs need csrf_token */
	const char *csrf_token;      /* the X-CSRF-Token header, or NULL */
	const char *origin;          /* the Origin header, or NULL */
	const char *host;            /* the Host header, or NULL */
	const char *src;             /* client address (see http.trusted_proxies) */
	const char *user_agent;      /* the User-Agent header, or NULL; for the audit log */
	/* A trusted proxy sent an X-Forwarded-For that is not a list of addresses: reject. */
	int bad_forwarded_for;
	int token_is_bearer;         /* token came from "Authorization: Bearer" */
	const char *remember;        /* the remembered-browser cookie, or NULL */
};

/* Handle req and fill resp. Always produces a response. */
void api_handle(struct app *app, const struct api_request *req, struct api_response *resp);

/* Wipe and free resp->body. */
void api_response_clear(struct api_response *resp);

#endif
