/* SPDX-License-Identifier: MIT */
/* mfad settings: defaults, the INI file and command-line flags. */
#ifndef MFAD_CONFIG_H
#define MFAD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "server/netpolicy.h"
#include "store/store.h"

#define CONFIG_PATH_MAX 1024
#define CONFIG_ALGS_MAX 8          /* COSE algorithms libmfa verifies */

/* The attestation a passkey registration requests (WebAuthn "attestation"). */
enum config_attestation {
	CONFIG_ATTESTATION_NONE = 0,
	CONFIG_ATTESTATION_INDIRECT = 1,
	CONFIG_ATTESTATION_DIRECT = 2,
	CONFIG_ATTESTATION_ENTERPRISE = 3,
};

/* Whether mail to an smtp:// server must be encrypted with STARTTLS. */
enum config_starttls {
	CONFIG_STARTTLS_NONE = 0,     /* plain SMTP, for a relay on the same host */
	CONFIG_STARTTLS_REQUIRED = 1, /* fail the attempt when STARTTLS cannot be used */
};

/* The names of enum config_attestation values, as WebAuthn spells them. */
const char *config_attestation_name(int conveyance);

struct mfad_config {
	/* [server] */
	char listen_addr[64];    /* IPv4 or IPv6 literal */
	unsigned listen_port;
	unsigned threads;        /* HTTP worker threads */
	size_t max_body;         /* bytes of a request body */
	int test_clock;          /* 1: allow POST /api/v1/_test/SetClock (flag only) */
	/* Reverse proxies whose X-Forwarded-For gives the client address; empty: none. */
	struct netpolicy_list trusted_proxies;

	/* [http] */
	char tls_cert[CONFIG_PATH_MAX];  /* PEM certificate chain; empty: plain HTTP */
	char tls_key[CONFIG_PATH_MAX];   /* PEM private key of tls_cert, mode 0600 or stricter */
	int tls_proxy;                   /* 1: a proxy in front terminates TLS for browsers */

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
	int64_t step_up_ttl;             /* seconds a proven second factor allows sensitive actions */
	int64_t pending_device_ttl;      /* seconds a created, unbound device can be bound */
	unsigned totp_window;            /* steps accepted either side of now */
	unsigned mfa_max_attempts;       /* wrong codes that spend a challenge */
	unsigned lockout_threshold;      /* consecutive failures before the first lock */
	int64_t lockout_base_delay;      /* seconds of the first lock, doubled per failure */
	int64_t lockout_max_delay;       /* seconds the lock grows to at most */
	unsigned hash_concurrency;       /* Argon2id hashes running at once */
	int64_t hash_wait_ms;            /* wait for a hashing slot before ServiceBusy */

	/* [webauthn] */
	char rp_id[256];                 /* a registrable domain, such as "example.com" */
	char rp_name[128];
	char origins[1024];              /* comma-separated, exact; empty: http://localhost:PORT */
	int passkey_uv;                  /* enum store_webauthn_uv, for second-factor use */
	int attestation_conveyance;      /* enum config_attestation */
	int attestation_trust;           /* mfa_webauthn_attestation_policy_t */
	char trust_anchors[CONFIG_PATH_MAX]; /* PEM file of attestation roots */
	int passkey_algs[CONFIG_ALGS_MAX]; /* COSE algorithms offered, in order of preference */
	size_t passkey_algs_count;
	unsigned max_passkeys;           /* per user */

	/* [mail] */
	char mail_smtp_url[CONFIG_PATH_MAX]; /* smtp:// or smtps:// URL; empty: write to mail_maildir */
	int mail_starttls;               /* enum config_starttls, for smtp:// */
	char mail_credentials_file[CONFIG_PATH_MAX]; /* "user=" and "password=" lines, mode 0600 */
	char mail_ca_file[CONFIG_PATH_MAX]; /* PEM CA certificates for TLS; empty: the system's */
	char mail_from[STORE_EMAIL_MAX + 1]; /* sender address of every mail */
	char mail_maildir[CONFIG_PATH_MAX]; /* empty: DATA_DIR/mail */
	int64_t mail_timeout;            /* seconds one SMTP delivery may take */
	int64_t email_code_ttl;          /* seconds an email code lives */
	unsigned email_code_max_attempts; /* wrong codes that spend an email code */
	int64_t email_resend_interval;   /* seconds between two code mails to one user */
	unsigned email_daily_limit;      /* code mails to one user in 24 hours */
	unsigned email_users_per_address; /* users of an account that may share an address */

	/* [audit] */
	unsigned audit_retention_days;   /* days audit records are kept; 0: forever */

	/* [log] */
	int log_level;                   /* enum log_level */
};

/*
 * 1 when browsers reach mfad over HTTPS: mfad serves TLS itself
 * (http.tls_cert), or a proxy in front of it does (http.tls_proxy).
 */
int config_browser_https(const struct mfad_config *cfg);

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
