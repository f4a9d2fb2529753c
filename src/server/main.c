/* SPDX-License-Identifier: MIT */
/* mfad: the identity and MFA server. */
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/account.h"
#include "server/app.h"
#include "server/config.h"
#include "server/http.h"
#include "server/outbox.h"

static volatile sig_atomic_t mfad_stop;

static void
mfad_on_signal(int sig)
{
	(void)sig;
	mfad_stop = 1;
}

static void
mfad_usage(FILE *out)
{
	fprintf(out,
	    "usage: mfad [options]\n"
	    "  -c, --config FILE     read settings from an INI file (see docs/configuration.md)\n"
	    "  -l, --listen ADDR:PORT  listen address (default 127.0.0.1:8080)\n"
	    "  -d, --data-dir DIR    folder of the database and master key (default ./mfad-data)\n"
	    "      --database URL    database, sqlite:PATH (default DATA_DIR/mfad.db)\n"
	    "      --key-file FILE   master key file (default DATA_DIR/master.key)\n"
	    "      --threads N       HTTP worker threads (default 8)\n"
	    "      --log-level L     error, warn, info or debug (default info)\n"
	    "      --test-clock      allow tests to move the clock (never in production)\n"
	    "  -h, --help            show this help\n");
}

enum {
	OPT_DATABASE = 256,
	OPT_KEY_FILE,
	OPT_THREADS,
	OPT_LOG_LEVEL,
	OPT_TEST_CLOCK,
};

static const struct option mfad_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "listen", required_argument, NULL, 'l' },
	{ "data-dir", required_argument, NULL, 'd' },
	{ "database", required_argument, NULL, OPT_DATABASE },
	{ "key-file", required_argument, NULL, OPT_KEY_FILE },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "test-clock", no_argument, NULL, OPT_TEST_CLOCK },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Map a flag to its setting; returns 0, or -1 with a sentence in err. */
static int
mfad_flag(struct mfad_config *cfg, int opt, const char *arg, char *err, size_t err_size)
{
	switch (opt) {
	case 'l':
		return config_set(cfg, "server", "listen", arg, err, err_size);
	case 'd':
		return config_set(cfg, "storage", "data_dir", arg, err, err_size);
	case OPT_DATABASE:
		return config_set(cfg, "storage", "database", arg, err, err_size);
	case OPT_KEY_FILE:
		return config_set(cfg, "security", "key_file", arg, err, err_size);
	case OPT_THREADS:
		return config_set(cfg, "server", "threads", arg, err, err_size);
	case OPT_LOG_LEVEL:
		return config_set(cfg, "log", "level", arg, err, err_size);
	case OPT_TEST_CLOCK:
		cfg->test_clock = 1;
		return 0;
	default:
		snprintf(err, err_size, "unknown option");
		return -1;
	}
}

/* Read the config file first, so flags given anywhere on the line override it. */
static int
mfad_configure(int argc, char **argv, struct mfad_config *cfg)
{
	char err[512];
	int opt;

	config_defaults(cfg);
	for (int i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) {
			if (config_load_file(cfg, argv[i + 1], err, sizeof(err)) != 0) {
				fprintf(stderr, "mfad: %s\n", err);
				return -1;
			}
		}
	}
	while ((opt = getopt_long(argc, argv, "c:l:d:h", mfad_options, NULL)) != -1) {
		if (opt == 'c')
			continue;
		if (opt == 'h') {
			mfad_usage(stdout);
			exit(0);
		}
		if (opt == '?') {
			mfad_usage(stderr);
			return -1;
		}
		if (mfad_flag(cfg, opt, optarg, err, sizeof(err)) != 0) {
			fprintf(stderr, "mfad: %s\n", err);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mfad: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (config_finish(cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "mfad: %s\n", err);
		return -1;
	}
	return 0;
}

static void
mfad_wait(struct app *app)
{
	struct store *st;
	int64_t last_purge = 0;

	while (!mfad_stop) {
		struct timespec ts = { 0, 200 * 1000000L };

		nanosleep(&ts, NULL);
		/* Expired sessions and challenges are ignored on read; this only frees space. */
		/* Often enough that a flood of challenges does not pile up for long. */
		if (clock_now() - last_purge >= 60) {
			last_purge = clock_now();
			st = app_store(app);
			if (st != NULL && st->ops->purge_expired(st, last_purge) == STORE_ERROR)
				log_warn("event=purge_failed");
			if (st != NULL && app->cfg.audit_retention_days > 0 &&
			    st->ops->audit_purge(st, last_purge -
			    (int64_t)app->cfg.audit_retention_days * 86400) == STORE_ERROR)
				log_warn("event=audit_purge_failed");
		}
	}
}

int
main(int argc, char **argv)
{
	/* Static: the settings, copied into app too, are too large for one stack frame. */
	static struct mfad_config cfg;
	static struct app app;
	struct http_server *srv = NULL;
	struct sigaction sa;
	char err[512];

	/*
	 * glibc gives each thread that allocates its own arena, whose freed
	 * memory stays resident; two arenas keep an idle server small.
	 */
	mallopt(M_ARENA_MAX, 2);

	if (mfad_configure(argc, argv, &cfg) != 0)
		return 2;
	log_init(stderr, (enum log_level)cfg.log_level);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = mfad_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (app_init(&app, &cfg, err, sizeof(err)) != 0) {
		log_error("event=start_failed reason=\"%s\"", err);
		app_shutdown(&app);
		return 1;
	}
	if (cfg.test_clock)
		log_warn("event=test_clock_enabled msg=\"the clock can be moved over HTTP: tests only\"");
	/* Before the HTTP threads, so libcurl's global setup runs while mfad has one thread. */
	if (outbox_start(&app, err, sizeof(err)) != 0) {
		log_error("event=start_failed reason=\"%s\"", err);
		app_shutdown(&app);
		return 1;
	}
	if (http_start(&app, &srv, err, sizeof(err)) != 0) {
		log_error("event=start_failed reason=\"%s\"", err);
		app_shutdown(&app);
		return 1;
	}
	log_info("event=started listen=%s:%u database=%s threads=%u pid=%ld", cfg.listen_addr,
	    cfg.listen_port, cfg.database, cfg.threads, (long)getpid());

	mfad_wait(&app);

	log_info("event=stopping");
	http_stop(&srv);
	app_shutdown(&app);
	log_info("event=stopped");
	return 0;
}
