/* SPDX-License-Identifier: MIT */
/* The web console's static files, served from the table that the build embeds. */
#include "server/web.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "common/log.h"
#include "server/http.h"
#include "server/web_assets.h"

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
}

/* One line per request, as the API's requests get, with the file's path from the table. */
static void
web_log(struct MHD_Connection *conn, const char *method, const char *path, unsigned int status)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
	char src[INET6_ADDRSTRLEN] = "unknown";
	char verb[16];

	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, src,
		    sizeof(src));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, src,
		    sizeof(src));
	log_info("event=request method=%s path=%s status=%u src=%s",
	    log_quote(method, verb, sizeof(verb)), path, status, src);
}

static enum MHD_Result
web_queue(struct MHD_Connection *conn, const char *method, const struct web_asset *a,
    unsigned int status, struct MHD_Response *r)
{
	web_log(conn, method, a->path, status);
	if (r == NULL)
		return MHD_NO;
	/* http_queue adds the security headers every response carries, the CSP among them. */
	return http_queue(conn, status, r, HTTP_CACHE_CALLER);
}

int
web_serve(struct MHD_Connection *conn, const char *method, const char *url,
    enum MHD_Result *ret)
{
	const struct web_asset *a = web_find(url);
	const char *inm;
	struct MHD_Response *r;

	/* Other methods go on to the API, which returns 404 UnknownAction outside /api/v1/. */
	if (a == NULL || (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0))
		return 0;

	inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (inm != NULL && web_etag_matches(inm, a->etag)) {
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (r != NULL)
			web_add_headers(r, a);
		*ret = web_queue(conn, method, a, MHD_HTTP_NOT_MODIFIED, r);
		return 1;
	}

	/* The table is static and read-only, so libmicrohttpd may send it without a copy. */
	r = MHD_create_response_from_buffer(a->size, (void *)(uintptr_t)a->data,
	    MHD_RESPMEM_PERSISTENT);
	if (r != NULL)
		web_add_headers(r, a);
	*ret = web_queue(conn, method, a, MHD_HTTP_OK, r);
	return 1;
}
