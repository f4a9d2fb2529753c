/* SPDX-License-Identifier: MIT */
/* libmicrohttpd glue: body limits, headers, cookies, TLS and one log line per request. */
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
#include "server/cookie.h"
#include "server/csrf.h"
#include "server/tls.h"
#include "server/web.h"
#include "server/netpolicy.h"

#define HTTP_CONNECTION_TIMEOUT 30     /* seconds a silent connection is kept */
#define HTTP_CONNECTION_LIMIT 1024     /* connections at once */
/* Connections at once from one address, so one client cannot take all of them. */
#define HTTP_PER_IP_LIMIT 64
#define HTTP_PER_CONNECTION_MEMORY (64 * 1024) /* bytes of headers and buffers per connection */
/* Bytes of all X-Forwarded-For lines of one request; the connection memory caps them anyway. */
#define HTTP_FORWARDED_MAX (8 * 1024)

/* The console loads scripts, styles and images from mfad only, and no page may frame it. */
#define HTTP_CSP "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
/* One year, in seconds: browsers then refuse plain HTTP to this host for that long. */
#define HTTP_HSTS "max-age=31536000"
#define HTTP_TLS_OPTIONS 4 /* certificate, key, priorities and the end marker */

struct http_server {
	struct app *app;
	struct MHD_Daemon *daemon;
	struct tls_files tls;        /* empty without TLS; libmicrohttpd reads it at start */
	char cookie[COOKIE_NAME_MAX]; /* the session cookie's name on the wire */
	char remember_cookie[COOKIE_NAME_MAX]; /* the remembered-browser cookie's name */
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
http_socket_addr(struct MHD_Connection *conn, char *out, size_t size)
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

/* Every X-Forwarded-For field line of a request, joined in order with commas. */
struct http_forwarded {
	char text[HTTP_FORWARDED_MAX];
	size_t len;
	int overflow;
};

static enum MHD_Result
http_forwarded_line(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct http_forwarded *f = cls;
	size_t n;

	(void)kind;
	if (key == NULL || value == NULL || strcasecmp(key, "X-Forwarded-For") != 0)
		return MHD_YES;
	n = strlen(value);
	if (f->len + n + 2 > sizeof(f->text)) {
		f->overflow = 1;
		return MHD_NO;
	}
	if (f->len > 0)
		f->text[f->len++] = ',';
	memcpy(f->text + f->len, value, n + 1);
	f->len += n;
	return MHD_YES;
}

/*
 * Find the client address once per request: the socket's peer, or, when the
 * peer is one of http.trusted_proxies, the last address in X-Forwarded-For
 * that is not a trusted proxy (netpolicy_client_addr). Returns 0, or -1 when
 * a trusted proxy sent a header that cannot be believed. out then contains the
 * socket's address, for the log.
 */
static int
http_client_addr(const struct app *app, struct MHD_Connection *conn, char *out, size_t size)
{
	char sock[INET6_ADDRSTRLEN];
	struct http_forwarded f;
	struct netpolicy_addr addr;

	http_socket_addr(conn, sock, sizeof(sock));
	snprintf(out, size, "%s", sock);
	/* A socket address that does not parse ("unknown") is no trusted proxy. */
	if (netpolicy_addr_parse(sock, &addr) != 0 ||
	    !netpolicy_list_contains(&app->cfg.trusted_proxies, &addr))
		return 0;
	memset(&f, 0, sizeof(f));
	MHD_get_connection_values(conn, MHD_HEADER_KIND, http_forwarded_line, &f);
	if (f.overflow)
		return -1;
	if (netpolicy_client_addr(sock, f.text, &app->cfg.trusted_proxies, out, size) != 0) {
		snprintf(out, size, "%s", sock);
		return -1;
	}
	return 0;
}

/*
 * The session token: a bearer header wins over the cookie. Only a token
 * from the cookie needs the CSRF header, because a browser adds cookies to
 * cross-site requests on its own but never an Authorization header.
 */
static void
http_token(const struct http_server *srv, struct MHD_Connection *conn, struct api_request *areq)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);

	areq->token_from_cookie = 0;
	if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0) {
		areq->token = auth + 7;
		return;
	}
	areq->token = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, srv->cookie);
	areq->token_from_cookie = areq->token != NULL;
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

static int
http_is_tls(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);

	return ci != NULL && ci->tls_session != NULL;
}

enum MHD_Result
http_queue(struct MHD_Connection *conn, unsigned int status, struct MHD_Response *r,
    enum http_cache cache)
{
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Security-Policy", HTTP_CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	if (cache == HTTP_CACHE_NO_STORE)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (http_is_tls(conn))
		MHD_add_response_header(r, MHD_HTTP_HEADER_STRICT_TRANSPORT_SECURITY, HTTP_HSTS);

	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
http_send(struct MHD_Connection *conn, struct api_response *resp)
{
	struct MHD_Response *r;
	char retry[16];
	char *body = resp->body;

	resp->body = NULL;
	r = MHD_create_response_from_buffer_with_free_callback(strlen(body), body, http_free_body);
	if (r == NULL) {
		mfa_free_secret_str(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (resp->set_cookie[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, resp->set_cookie);
	if (resp->set_cookie_remember[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, resp->set_cookie_remember);
	if (resp->retry_after > 0) {
		snprintf(retry, sizeof(retry), "%d", resp->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
	}
	return http_queue(conn, (unsigned int)resp->status, r, HTTP_CACHE_NO_STORE);
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

	r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)(uintptr_t)body,
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	return http_queue(conn, MHD_HTTP_OK, r, HTTP_CACHE_NO_STORE);
}

/* A 413 sent before the body is read, when Content-Length is already too large. */
static enum MHD_Result
http_reject_early(struct http_server *srv, struct MHD_Connection *conn, const char *method,
    const char *url, const struct timespec *start)
{
	struct api_request areq = { .method = method, .path = url, .body_is_json = 1,
	    .too_large = 1, .src = "" };
	struct api_response resp;
	char src[INET6_ADDRSTRLEN];
	enum MHD_Result ret;

	areq.bad_forwarded_for = http_client_addr(srv->app, conn, src, sizeof(src)) != 0;
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

	memset(&areq, 0, sizeof(areq));
	areq.bad_forwarded_for = http_client_addr(srv->app, conn, src, sizeof(src)) != 0;
	areq.method = method;
	areq.path = url;
	areq.body = rq->body;
	areq.body_len = rq->too_large ? 0 : rq->len;
	areq.body_is_json = http_is_json(conn);
	areq.too_large = rq->too_large;
	http_token(srv, conn, &areq);
	areq.csrf_token = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, CSRF_HEADER);
	areq.origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	areq.host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	areq.token_is_bearer = areq.token != NULL && !areq.token_from_cookie;
	areq.remember = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND,
	    srv->remember_cookie);
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
	enum MHD_Result served;

	(void)version;
	if (rq == NULL) {
		rq = calloc(1, sizeof(*rq));
		if (rq == NULL)
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &rq->start);
		*con_cls = rq;
		if (strcmp(url, "/healthz") == 0 && strcmp(method, "GET") == 0)
			return http_health(conn);
		if (web_serve(conn, method, url, &served))
			return served;
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

static void
http_server_free(struct http_server *srv)
{
	if (srv == NULL)
		return;
	tls_files_clear(&srv->tls);
	free(srv);
}

/* Read and check the certificate and key when TLS is configured. */
static int
http_prepare_tls(struct http_server *srv, unsigned int *flags, char *err, size_t err_size)
{
	if (srv->app->cfg.tls_cert[0] == '\0')
		return 0;
	if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		snprintf(err, err_size, "http.tls_cert is set but this libmicrohttpd has no TLS "
		    "support: install one built with GnuTLS, or terminate TLS in a proxy");
		return -1;
	}
	if (tls_load(&srv->app->cfg, &srv->tls, err, err_size) != 0)
		return -1;
	*flags |= MHD_USE_TLS;
	return 0;
}

/* The certificate, key and protocol versions for libmicrohttpd; an empty list without TLS. */
static void
http_tls_options(const struct http_server *srv, unsigned int flags,
    struct MHD_OptionItem opts[HTTP_TLS_OPTIONS])
{
	memset(opts, 0, HTTP_TLS_OPTIONS * sizeof(opts[0]));
	opts[0].option = MHD_OPTION_END;
	if (!(flags & MHD_USE_TLS))
		return;
	opts[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls.cert };
	opts[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls.key };
	opts[2] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
	    (void *)(uintptr_t)TLS_PRIORITIES };
	opts[3].option = MHD_OPTION_END;
}

int
http_start(struct app *app, struct http_server **ret, char *err, size_t err_size)
{
	struct sockaddr_storage ss;
	struct http_server *srv;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem tls_options[HTTP_TLS_OPTIONS];

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
	if (cookie_name(&app->cfg, API_COOKIE_NAME, srv->cookie, sizeof(srv->cookie)) != 0 ||
	    cookie_name(&app->cfg, API_REMEMBER_COOKIE_NAME, srv->remember_cookie,
	    sizeof(srv->remember_cookie)) != 0) {
		snprintf(err, err_size, "a cookie's name is too long");
		goto fail;
	}
	if (http_prepare_tls(srv, &flags, err, err_size) != 0)
		goto fail;
	http_tls_options(srv, flags, tls_options);

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
	    MHD_OPTION_ARRAY, tls_options,
	    MHD_OPTION_END);
	if (srv->daemon == NULL) {
		snprintf(err, err_size, "cannot listen on %s port %u (in use, or not allowed%s)",
		    app->cfg.listen_addr, app->cfg.listen_port,
		    (flags & MHD_USE_TLS) ? ", or GnuTLS rejected http.tls_cert or http.tls_key" : "");
		goto fail;
	}
	*ret = srv;
	return 0;
fail:
	http_server_free(srv);
	return -1;
}

void
http_stop(struct http_server **srv)
{
	if (srv == NULL || *srv == NULL)
		return;
	MHD_stop_daemon((*srv)->daemon);
	http_server_free(*srv);
	*srv = NULL;
}
