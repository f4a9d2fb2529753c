/* SPDX-License-Identifier: MIT */
/* The web console's static files, served from the table that the build embeds. */
#include "server/web.h"

#include <stdint.h>
#include <string.h>

#include "server/web_assets.h"

/*
 * The pages load scripts and styles from mfad itself, draw the QR code from a data: URL and
 * call only mfad's API, so the policy allows nothing else: no inline script or style, no
 * frames, no other origin.
 */
#define WEB_CSP "default-src 'none'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; connect-src 'self'; form-action 'self'; " \
	"frame-ancestors 'none'; base-uri 'none'"

static const struct web_asset *
web_find(const char *url)
{
	if (strcmp(url, "/") == 0)
		url = "/index.html";
	for (size_t i = 0; i < web_asset_count; i++)
		if (strcmp(web_assets[i].path, url) == 0)
			return &web_assets[i];
	return NULL;
}

/* Whether an If-None-Match header lists etag, or is "*". */
static int
web_etag_matches(const char *header, const char *etag)
{
	size_t n = strlen(etag);
	const char *p = header;

	if (strcmp(header, "*") == 0)
		return 1;
	while ((p = strstr(p, etag)) != NULL) {
		if (p[n] == '\0' || p[n] == ',' || p[n] == ' ')
			return 1;
		p += n;
	}
	return 0;
}

static void
web_add_headers(struct MHD_Response *r, const struct web_asset *a)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a->content_type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, a->etag);
	/* Revalidate every time: a new mfad may serve new files under the same names. */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy", WEB_CSP);
}

static enum MHD_Result
web_queue(struct MHD_Connection *conn, unsigned int status, struct MHD_Response *r)
{
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
web_method_not_allowed(struct MHD_Connection *conn)
{
	static const char body[] = "Method not allowed: the console's files answer GET and HEAD.\n";
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)(uintptr_t)body,
	    MHD_RESPMEM_PERSISTENT);
	if (r != NULL) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	}
	return web_queue(conn, MHD_HTTP_METHOD_NOT_ALLOWED, r);
}

int
web_serve(struct MHD_Connection *conn, const char *method, const char *url,
    enum MHD_Result *ret)
{
	const struct web_asset *a = web_find(url);
	const char *inm;
	struct MHD_Response *r;

	if (a == NULL)
		return 0;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		*ret = web_method_not_allowed(conn);
		return 1;
	}

	inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (inm != NULL && web_etag_matches(inm, a->etag)) {
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (r != NULL)
			web_add_headers(r, a);
		*ret = web_queue(conn, MHD_HTTP_NOT_MODIFIED, r);
		return 1;
	}

	/* The table is static and read-only, so libmicrohttpd may send it without a copy. */
	r = MHD_create_response_from_buffer(a->size, (void *)(uintptr_t)a->data,
	    MHD_RESPMEM_PERSISTENT);
	if (r != NULL)
		web_add_headers(r, a);
	*ret = web_queue(conn, MHD_HTTP_OK, r);
	return 1;
}
