/* SPDX-License-Identifier: MIT */
/* libmicrohttpd glue: body limits, headers, cookies and one log line per request. */
#include "server/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <mfa/common.h>

#include "common/log.h"
#include "server/api.h"

#define HTTP_CONNECTION_TIMEOUT 30     /* seconds a silent connection is kept */
#define HTTP_CONNECTION_LIMIT 1024     /* connections at once */
/* Connections at once from one address, so one client cannot take all of them. */
#define HTTP_PER_IP_LIMIT 64
#define HTTP_PER_CONNECTION_MEMORY (64 * 1024) /* bytes of headers and buffers per connection */

struct http_server {
	struct app *app;
	struct MHD_Daemon *daemon;
};

/* One request's state across libmicrohttpd's calls. */
struct http_req {
	char *body;
	size_t len;
	size_t cap;
	int too_large;
	struct timespec start;
};

static void
http_req_free(struct http_req *rq)
{
	if (rq == NULL)
		return;
	mfa_free_secret(rq->body, rq->cap);
	free(rq);
}

static int
http_append(struct http_req *rq, const char *data, size_t n, size_t limit)
{
	char *grown;
	size_t cap;

	if (rq->too_large || rq->len + n > limit) {
		rq->too_large = 1;
		return 0;
	}
	if (rq->len + n > rq->cap) {
		cap = rq->cap == 0 ? 1024 : rq->cap;
		while (cap < rq->len + n)
			cap *= 2;
		if (cap > limit)
			cap = limit;
		/* Copy instead of realloc so the old buffer, which may hold a password, is wiped. */
		grown = malloc(cap);
		if (grown == NULL)
			return -1;
		if (rq->len > 0)
			memcpy(grown, rq->body, rq->len);
		mfa_free_secret(rq->body, rq->cap);
		rq->body = grown;
		rq->cap = cap;
	}
	memcpy(rq->body + rq->len, data, n);
	rq->len += n;
	return 0;
}

static void
http_client_addr(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

	snprintf(out, size, "unknown");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
		    (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
		    (socklen_t)size);
}

/* The session token: a bearer header wins over the cookie. */
static const char *
http_token(struct MHD_Connection *conn, int *ret_bearer)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);

	*ret_bearer = auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0;
	if (*ret_bearer)
		return auth + 7;
	return MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, API_COOKIE_NAME);
}

static int
http_is_json(struct MHD_Connection *conn)
{
	const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen("application/json");

	return type != NULL && strncasecmp(type, "application/json", n) == 0 &&
	    (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

static void
http_free_body(void *body)
{
	mfa_free_secret_str(body);
}

static enum MHD_Result
http_send(struct MHD_Connection *conn, struct api_response *resp)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char retry[16];
	char *body = resp->body;

	resp->body = NULL;
	r = MHD_create_response_from_buffer_with_free_callback(strlen(body), body, http_free_body);
	if (r == NULL) {
		mfa_free_secret_str(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (resp->set_cookie[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, resp->set_cookie);
	if (resp->set_cookie_remember[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, resp->set_cookie_remember);
	if (resp->retry_after > 0) {
		snprintf(retry, sizeof(retry), "%d", resp->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
	}
	ret = MHD_queue_response(conn, (unsigned int)resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

static void
http_log(const char *method, const char *url, const struct api_response *resp, const char *src,
    const struct timespec *start)
{
	struct timespec now;
	char path[LOG_QUOTE_MAX];
	char verb[16];
	long long us;

	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (long long)(now.tv_sec - start->tv_sec) * 1000000 + (now.tv_nsec - start->tv_nsec) / 1000;
	/* The path of an unknown action is the client's text: quote it, cut short. */
	if (resp->action == NULL)
		log_quote(url, path, 64);
	else
		snprintf(path, sizeof(path), "/api/v1/%s", resp->action);
	/* So is the method: quoted, it cannot add a key or a line to the log. */
	log_info("event=request method=%s path=%s status=%d us=%lld src=%s user_id=%lld",
	    log_quote(method, verb, sizeof(verb)), path, resp->status, us, src, resp->user_id);
}

static enum MHD_Result
http_health(struct MHD_Connection *conn)
{
	static const char body[] = "{\"Status\":\"ok\"}";
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)(uintptr_t)body,
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* A 413 sent before the body is read, when Content-Length is already too large. */
static enum MHD_Result
http_reject_early(struct http_server *srv, struct MHD_Connection *conn, const char *method,
    const char *url, const struct timespec *start)
{
	struct api_request areq = { method, url, NULL, 0, 1, 1, NULL, "", NULL, 0, NULL };
	struct api_response resp;
	char src[INET6_ADDRSTRLEN];
	enum MHD_Result ret;

	http_client_addr(conn, src, sizeof(src));
	areq.src = src;
	api_handle(srv->app, &areq, &resp);
	http_log(method, url, &resp, src, start);
	ret = http_send(conn, &resp);
	api_response_clear(&resp);
	return ret;
}

static int
http_declared_too_large(struct MHD_Connection *conn, size_t limit)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end = NULL;
	unsigned long long n;

	if (cl == NULL)
		return 0;
	n = strtoull(cl, &end, 10);
	return end != cl && n > limit;
}

static enum MHD_Result
http_dispatch(struct http_server *srv, struct MHD_Connection *conn, const char *method,
    const char *url, struct http_req *rq)
{
	struct api_request areq;
	struct api_response resp;
	char src[INET6_ADDRSTRLEN];
	enum MHD_Result ret;

	http_client_addr(conn, src, sizeof(src));
	areq.method = method;
	areq.path = url;
	areq.body = rq->body;
	areq.body_len = rq->too_large ? 0 : rq->len;
	areq.body_is_json = http_is_json(conn);
	areq.too_large = rq->too_large;
	areq.token = http_token(conn, &areq.token_is_bearer);
	areq.remember = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND,
	    API_REMEMBER_COOKIE_NAME);
	areq.src = src;
	areq.user_agent = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_USER_AGENT);

	api_handle(srv->app, &areq, &resp);
	http_log(method, url, &resp, src, &rq->start);
	ret = http_send(conn, &resp);
	api_response_clear(&resp);
	return ret;
}

static enum MHD_Result
http_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct http_req *rq = *con_cls;

	(void)version;
	if (rq == NULL) {
		rq = calloc(1, sizeof(*rq));
		if (rq == NULL)
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &rq->start);
		*con_cls = rq;
		if (strcmp(url, "/healthz") == 0 && strcmp(method, "GET") == 0)
			return http_health(conn);
		if (http_declared_too_large(conn, srv->app->cfg.max_body))
			return http_reject_early(srv, conn, method, url, &rq->start);
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		/* Past the limit the rest is read and dropped, then answered with 413. */
		if (http_append(rq, upload_data, *upload_data_size, srv->app->cfg.max_body) != 0)
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	return http_dispatch(srv, conn, method, url, rq);
}

static void
http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	http_req_free(*con_cls);
	*con_cls = NULL;
}

static void
http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	char quoted[LOG_QUOTE_MAX];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_warn("event=http_library_message msg=%s", log_quote(msg, quoted, sizeof(quoted)));
}

static int
http_listen_addr(const struct mfad_config *cfg, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, cfg->listen_addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)cfg->listen_port);
		return 0;
	}
	if (inet_pton(AF_INET6, cfg->listen_addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)cfg->listen_port);
		return 0;
	}
	return -1;
}

int
http_start(struct app *app, struct http_server **ret, char *err, size_t err_size)
{
	struct sockaddr_storage ss;
	struct http_server *srv;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;

	if (http_listen_addr(&app->cfg, &ss) != 0) {
		snprintf(err, err_size, "server.listen: %s is not an IP address", app->cfg.listen_addr);
		return -1;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	srv->app = app;
	srv->daemon = MHD_start_daemon(flags, (uint16_t)app->cfg.listen_port, NULL, NULL,
	    http_access, srv,
	    MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, srv,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)app->cfg.threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_CONNECTION_TIMEOUT,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_CONNECTION_LIMIT,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)HTTP_PER_IP_LIMIT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_PER_CONNECTION_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, http_completed, srv,
	    MHD_OPTION_END);
	if (srv->daemon == NULL) {
		snprintf(err, err_size, "cannot listen on %s port %u (in use, or not allowed)",
		    app->cfg.listen_addr, app->cfg.listen_port);
		free(srv);
		return -1;
	}
	*ret = srv;
	return 0;
}

void
http_stop(struct http_server **srv)
{
	if (srv == NULL || *srv == NULL)
		return;
	MHD_stop_daemon((*srv)->daemon);
	free(*srv);
	*srv = NULL;
}
