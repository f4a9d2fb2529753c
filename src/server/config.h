/* SPDX-License-Identifier: MIT */
/* mfad settings: defaults, the INI file and command-line flags. */
#ifndef MFAD_CONFIG_H
#define MFAD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_PATH_MAX 1024

struct mfad_config {
	/* [server] */
	char listen_addr[64];    /* IPv4 or IPv6 literal */
	unsigned listen_port;
	unsigned threads;        /* HTTP worker threads */
	size_t max_body;         /* bytes of a request body */
	int test_clock;          /* 1: allow POST /api/v1/_test/SetClock (flag only) */

	/* [storage] */
	char data_dir[CONFIG_PATH_MAX];
	char database[CONFIG_PATH_MAX];  /* "sqlite:PATH"; empty: DATA_DIR/mfad.db */
	int synchronous_full;            /* SQLite synchronous=FULL (1) or NORMAL (0) */

	/* [security] */
	char key_file[CONFIG_PATH_MAX];  /* empty: DATA_DIR/master.key */
	char issuer[128];                /* shown by authenticator apps */
	int64_t session_ttl;             /* seconds a session lives at most */
	int64_t session_idle;            /* seconds without a request that end a session */
	int64_t challenge_ttl;           /* seconds to send the second factor */
	int64_t pending_device_ttl;      /* seconds a created, unbound device can be bound */
	unsigned totp_window;            /* steps accepted either side of now */
	unsigned mfa_max_attempts;       /* wrong codes that spend a challenge */
	unsigned lockout_threshold;      /* consecutive failures before the first lock */
	int64_t lockout_base_delay;      /* seconds of the first lock, doubled per failure */
	int64_t lockout_max_delay;       /* seconds the lock grows to at most */
	unsigned hash_concurrency;       /* Argon2id hashes running at once */
	int64_t hash_wait_ms;            /* wait for a hashing slot before ServiceBusy */

	/* [log] */
	int log_level;                   /* enum log_level */
};

/* Fill cfg with the defaults. */
void config_defaults(struct mfad_config *cfg);

/*
 * Read an INI file over the current values. Unknown sections or keys and
 * invalid values are errors: on failure, writes a sentence naming the line
 * to err and returns -1.
 */
int config_load_file(struct mfad_config *cfg, const char *path, char *err, size_t err_size);

/*
 * Set one key ("server.listen", "security.session_ttl", ...) from text, as
 * flags and the INI file do. Returns 0, or -1 with a sentence in err.
 */
int config_set(struct mfad_config *cfg, const char *section, const char *key,
    const char *value, char *err, size_t err_size);

/*
 * Fill the paths that default to DATA_DIR and check that values fit
 * together. Returns 0, or -1 with a sentence in err.
 */
int config_finish(struct mfad_config *cfg, char *err, size_t err_size);

#endif
