/* SPDX-License-Identifier: MIT */
/*
 * The HTTP floor: libmicrohttpd answering every request with a fixed
 * 100-byte JSON body, with the daemon flags and thread pool mfad uses
 * (internal polling thread, epoll, THREADS workers).
 *
 * usage: bench_mhd PORT THREADS   (stops on SIGTERM or SIGINT)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>

#include <microhttpd.h>

#include "bench_util.h"

/* 100 bytes: about the size of mfad's LoginMFA answer without the token. */
static const char body[] =
    "{\"Status\":\"OK\",\"SessionToken\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
    "\"Expires\":17000000}";
_Static_assert(sizeof(body) - 1 == 100, "the body is 100 bytes");

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **state)
{
	struct MHD_Response *resp;
	enum MHD_Result r;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload;
	/* Read the whole body first, as a JSON API does. */
	if (*state == NULL) {
		*state = (void *)1;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0;
		return MHD_YES;
	}
	resp = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)(uintptr_t)body,
	    MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	r = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return r;
}

int
main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	struct sockaddr_in sa;
	long port, threads;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_mhd PORT THREADS\n");
		return 2;
	}
	port = strtol(argv[1], NULL, 10);
	threads = strtol(argv[2], NULL, 10);
	if (port < 1 || port > 65535 || threads < 1 || threads > 256)
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
	    (uint16_t)port, NULL, NULL, answer, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads, MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "bench_mhd: cannot listen on 127.0.0.1:%ld\n", port);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	MHD_stop_daemon(d);
	return 0;
}
