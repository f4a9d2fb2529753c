/* SPDX-License-Identifier: MIT */
/* Settings from defaults, an INI file (inih) and flags. */
#include "server/config.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "server/mail.h"
#include "server/netpolicy.h"

/* ES256 first: every authenticator supports it. */
static const int config_default_algs[] = { -7, -8, -35, -36, -37, -257 };

void
config_defaults(struct mfad_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->listen_addr, sizeof(cfg->listen_addr), "127.0.0.1");
	cfg->listen_port = 8080;
	cfg->threads = 8;
	cfg->max_body = 64 * 1024;
	snprintf(cfg->data_dir, sizeof(cfg->data_dir), "mfad-data");
	cfg->synchronous_full = 1;
	snprintf(cfg->issuer, sizeof(cfg->issuer), "mfad");
	cfg->session_ttl = 6 * 3600;
	cfg->session_idle = 3600;
	cfg->challenge_ttl = 300;
	cfg->step_up_ttl = 900;
	cfg->pending_device_ttl = 900;
	cfg->totp_window = 1;
	cfg->mfa_max_attempts = 5;
	cfg->lockout_threshold = 5;
	cfg->lockout_base_delay = 30;
	cfg->lockout_max_delay = 3600;
	cfg->hash_concurrency = 2;
	cfg->hash_wait_ms = 10000;
	snprintf(cfg->rp_id, sizeof(cfg->rp_id), "localhost");
	snprintf(cfg->rp_name, sizeof(cfg->rp_name), "mfad");
	cfg->passkey_uv = 1; /* preferred */
	cfg->max_passkeys = 10;
	memcpy(cfg->passkey_algs, config_default_algs, sizeof(config_default_algs));
	cfg->passkey_algs_count = sizeof(config_default_algs) / sizeof(config_default_algs[0]);
	cfg->mail_starttls = CONFIG_STARTTLS_REQUIRED;
	snprintf(cfg->mail_from, sizeof(cfg->mail_from), "mfad@localhost");
	cfg->mail_timeout = 30;
	cfg->email_code_ttl = 600;
	cfg->email_code_max_attempts = 5;
	cfg->email_resend_interval = 60;
	cfg->email_daily_limit = 10;
	cfg->email_users_per_address = 5;
	cfg->audit_retention_days = 365;
	cfg->log_level = LOG_LEVEL_INFO;
}


static int
parse_int(const char *value, long long min, long long max, long long *ret)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < min || v > max)
		return -1;
	*ret = v;
	return 0;
}

static int
set_string(char *dst, size_t size, const char *value)
{
	size_t n = strlen(value);

	if (n >= size)
		return -1;
	memcpy(dst, value, n + 1);
	return 0;
}

/* Split "ADDR:PORT", "[V6]:PORT" or "ADDR" (keeping the port). */
static int
set_listen(struct mfad_config *cfg, const char *value)
{
	char addr[sizeof(cfg->listen_addr)];
	const char *port = NULL;
	long long p;
	size_t n;

	if (value[0] == '[') {
		const char *close = strchr(value, ']');
		if (close == NULL)
			return -1;
		n = (size_t)(close - value - 1);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			return -1;
		value++;
	} else {
		const char *colon = strrchr(value, ':');
		if (colon != NULL && strchr(value, ':') != colon)
			return -1; /* an IPv6 literal needs brackets */
		n = colon != NULL ? (size_t)(colon - value) : strlen(value);
		if (colon != NULL)
			port = colon + 1;
	}
	if (n == 0 || n >= sizeof(addr))
		return -1;
	memcpy(addr, value, n);
	addr[n] = '\0';
	if (port != NULL) {
		if (parse_int(port, 0, 65535, &p) != 0)
			return -1;
		cfg->listen_port = (unsigned)p;
	}
	memcpy(cfg->listen_addr, addr, n + 1);
	return 0;
}

static const char *const config_attestation_names[] = { "none", "indirect", "direct",
	"enterprise" };
static const char *const config_uv_names[] = { "discouraged", "preferred", "required" };
static const char *const config_trust_names[] = { "none", "optional", "required" };

const char *
config_attestation_name(int conveyance)
{
	if (conveyance < 0 || conveyance > CONFIG_ATTESTATION_ENTERPRISE)
		return "none";
	return config_attestation_names[conveyance];
}

static const char *const config_bool_names[] = { "false", "true" };

/* Store in *ret the index of value in names, or return -1. */
static int
parse_choice(const char *value, const char *const *names, int count, int *ret)
{
	for (int i = 0; i < count; i++) {
		if (strcmp(value, names[i]) == 0) {
			*ret = i;
			return 0;
		}
	}
	return -1;
}

/* The COSE algorithms libmfa can verify. */
static int
alg_known(long long alg)
{
	return alg == -7 || alg == -8 || alg == -35 || alg == -36 || alg == -37 || alg == -257;
}

/* "-7,-8,-257": known algorithms, none twice, at most CONFIG_ALGS_MAX. */
static int
set_algs(struct mfad_config *cfg, const char *value)
{
	char buf[128];
	char *save = NULL;
	size_t n = 0;
	long long v;

	if (set_string(buf, sizeof(buf), value) != 0)
		return -1;
	for (char *tok = strtok_r(buf, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
		if (parse_int(tok, -65536, 65536, &v) != 0 || !alg_known(v) || n == CONFIG_ALGS_MAX)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (cfg->passkey_algs[i] == (int)v)
				return -1;
		cfg->passkey_algs[n++] = (int)v;
	}
	if (n == 0)
		return -1;
	cfg->passkey_algs_count = n;
	return 0;
}

static int
set_webauthn_key(struct mfad_config *cfg, const char *key, const char *value)
{
	long long v;

	if (strcmp(key, "rp_id") == 0)
		return value[0] == '\0' ? -1 : set_string(cfg->rp_id, sizeof(cfg->rp_id), value);
	if (strcmp(key, "rp_name") == 0)
		return value[0] == '\0' ? -1 : set_string(cfg->rp_name, sizeof(cfg->rp_name), value);
	if (strcmp(key, "origins") == 0)
		return set_string(cfg->origins, sizeof(cfg->origins), value);
	if (strcmp(key, "user_verification") == 0)
		return parse_choice(value, config_uv_names, 3, &cfg->passkey_uv);
	if (strcmp(key, "attestation") == 0)
		return parse_choice(value, config_attestation_names, 4, &cfg->attestation_conveyance);
	if (strcmp(key, "attestation_trust") == 0)
		return parse_choice(value, config_trust_names, 3, &cfg->attestation_trust);
	if (strcmp(key, "trust_anchors") == 0)
		return set_string(cfg->trust_anchors, sizeof(cfg->trust_anchors), value);
	if (strcmp(key, "algorithms") == 0)
		return set_algs(cfg, value);
	if (strcmp(key, "max_passkeys") == 0) {
		if (parse_int(value, 1, 100, &v) != 0)
			return -1;
		cfg->max_passkeys = (unsigned)v;
		return 0;
	}
	return 1;
}

static const char *const config_starttls_names[] = { "none", "required" };

static int
set_mail_key(struct mfad_config *cfg, const char *key, const char *value)
{
	if (strcmp(key, "smtp_url") == 0)
		return set_string(cfg->mail_smtp_url, sizeof(cfg->mail_smtp_url), value);
	if (strcmp(key, "starttls") == 0)
		return parse_choice(value, config_starttls_names, 2, &cfg->mail_starttls);
	if (strcmp(key, "credentials_file") == 0)
		return set_string(cfg->mail_credentials_file, sizeof(cfg->mail_credentials_file),
		    value);
	if (strcmp(key, "from") == 0) {
		/* ASCII only: the domain also ends every Message-ID, which must be ASCII. */
		for (const char *p = value; *p != '\0'; p++)
			if ((unsigned char)*p >= 0x80)
				return -1;
		if (mail_address_check(value, NULL, 0) != 0)
			return -1;
		return set_string(cfg->mail_from, sizeof(cfg->mail_from), value);
	}
	if (strcmp(key, "maildir") == 0)
		return set_string(cfg->mail_maildir, sizeof(cfg->mail_maildir), value);
	if (strcmp(key, "ca_file") == 0)
		return set_string(cfg->mail_ca_file, sizeof(cfg->mail_ca_file), value);
	return 1;
}

/*
 * Check mail.smtp_url: smtp:// or smtps://, a host, and no user or
 * password, which belong in mail.credentials_file so they never reach a
 * log line or the process list.
 */
static int
config_check_smtp_url(const char *url, char *err, size_t err_size)
{
	const char *authority;
	size_t host_len;

	if (strncasecmp(url, "smtp://", 7) == 0) {
		authority = url + 7;
	} else if (strncasecmp(url, "smtps://", 8) == 0) {
		authority = url + 8;
	} else {
		snprintf(err, err_size, "mail.smtp_url must start with smtp:// or smtps://");
		return -1;
	}
	host_len = strcspn(authority, "/?#");
	if (host_len == 0) {
		snprintf(err, err_size, "mail.smtp_url has no host");
		return -1;
	}
	if (memchr(authority, '@', host_len) != NULL) {
		snprintf(err, err_size, "mail.smtp_url must not contain a user or password: "
		    "put them in mail.credentials_file");
		return -1;
	}
	for (const char *p = url; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
			snprintf(err, err_size, "mail.smtp_url contains a space or control character");
			return -1;
		}
	}
	return 0;
}

struct int_key {
	const char *section;
	const char *key;
	size_t offset;
	int is_unsigned; /* 1: unsigned field, 0: int64_t field */
	long long min;
	long long max;
};

#define CFG_OFF(f) offsetof(struct mfad_config, f)

static const struct int_key int_keys[] = {
	{ "server", "threads", CFG_OFF(threads), 1, 1, 256 },
	{ "security", "session_ttl", CFG_OFF(session_ttl), 0, 60, 7 * 24 * 3600 },
	{ "security", "session_idle", CFG_OFF(session_idle), 0, 60, 7 * 24 * 3600 },
	{ "security", "challenge_ttl", CFG_OFF(challenge_ttl), 0, 30, 3600 },
	{ "security", "step_up_ttl", CFG_OFF(step_up_ttl), 0, 60, 24 * 3600 },
	{ "security", "pending_device_ttl", CFG_OFF(pending_device_ttl), 0, 60, 24 * 3600 },
	{ "security", "totp_window", CFG_OFF(totp_window), 1, 0, 10 },
	{ "security", "mfa_max_attempts", CFG_OFF(mfa_max_attempts), 1, 1, 100 },
	{ "security", "lockout_threshold", CFG_OFF(lockout_threshold), 1, 1, 100 },
	{ "security", "lockout_base_delay", CFG_OFF(lockout_base_delay), 0, 1, 86400 },
	{ "security", "lockout_max_delay", CFG_OFF(lockout_max_delay), 0, 1, 7 * 86400 },
	{ "security", "hash_concurrency", CFG_OFF(hash_concurrency), 1, 1, 64 },
	{ "security", "hash_wait_ms", CFG_OFF(hash_wait_ms), 0, 0, 600000 },
	{ "mail", "timeout_s", CFG_OFF(mail_timeout), 0, 1, 600 },
	/* 600 s: a code mailed to a user lives 10 minutes at most. */
	{ "mail", "code_ttl", CFG_OFF(email_code_ttl), 0, 60, 600 },
	{ "mail", "code_max_attempts", CFG_OFF(email_code_max_attempts), 1, 1, 10 },
	{ "mail", "resend_interval", CFG_OFF(email_resend_interval), 0, 0, 3600 },
	{ "mail", "daily_limit", CFG_OFF(email_daily_limit), 1, 1, 1000 },
	{ "mail", "users_per_address", CFG_OFF(email_users_per_address), 1, 1, 100 },
	/* 36500 days: a century, far past any retention rule, and no overflow in seconds. */
	{ "audit", "retention_days", CFG_OFF(audit_retention_days), 1, 0, 36500 },
};

static int
set_int_key(struct mfad_config *cfg, const struct int_key *k, const char *value)
{
	long long v;

	if (parse_int(value, k->min, k->max, &v) != 0)
		return -1;
	if (k->is_unsigned)
		*(unsigned *)(void *)((char *)cfg + k->offset) = (unsigned)v;
	else
		*(int64_t *)(void *)((char *)cfg + k->offset) = (int64_t)v;
	return 0;
}

static int
set_other_key(struct mfad_config *cfg, const char *section, const char *key, const char *value)
{
	long long v;
	enum log_level level;

	if (strcmp(section, "server") == 0 && strcmp(key, "listen") == 0)
		return set_listen(cfg, value);
	if (strcmp(section, "server") == 0 && strcmp(key, "max_body") == 0) {
		if (parse_int(value, 1024, 16 * 1024 * 1024, &v) != 0)
			return -1;
		cfg->max_body = (size_t)v;
		return 0;
	}
	if (strcmp(section, "http") == 0 && strcmp(key, "tls_cert") == 0)
		return set_string(cfg->tls_cert, sizeof(cfg->tls_cert), value);
	if (strcmp(section, "http") == 0 && strcmp(key, "tls_key") == 0)
		return set_string(cfg->tls_key, sizeof(cfg->tls_key), value);
	if (strcmp(section, "http") == 0 && strcmp(key, "tls_proxy") == 0)
		return parse_choice(value, config_bool_names, 2, &cfg->tls_proxy);
	if (strcmp(section, "storage") == 0 && strcmp(key, "data_dir") == 0)
		return set_string(cfg->data_dir, sizeof(cfg->data_dir), value);
	if (strcmp(section, "storage") == 0 && strcmp(key, "database") == 0)
		return set_string(cfg->database, sizeof(cfg->database), value);
	if (strcmp(section, "storage") == 0 && strcmp(key, "synchronous") == 0) {
		if (strcasecmp(value, "full") == 0)
			cfg->synchronous_full = 1;
		else if (strcasecmp(value, "normal") == 0)
			cfg->synchronous_full = 0;
		else
			return -1;
		return 0;
	}
	if (strcmp(section, "security") == 0 && strcmp(key, "key_file") == 0)
		return set_string(cfg->key_file, sizeof(cfg->key_file), value);
	if (strcmp(section, "security") == 0 && strcmp(key, "issuer") == 0)
		return value[0] == '\0' ? -1 : set_string(cfg->issuer, sizeof(cfg->issuer), value);
	if (strcmp(section, "webauthn") == 0)
		return set_webauthn_key(cfg, key, value);
	if (strcmp(section, "mail") == 0)
		return set_mail_key(cfg, key, value);
	if (strcmp(section, "log") == 0 && strcmp(key, "level") == 0) {
		if (log_level_parse(value, &level) != 0)
			return -1;
		cfg->log_level = (int)level;
		return 0;
	}
	return 1; /* unknown key */
}

/* Parse the reverse proxies whose X-Forwarded-For mfad believes, naming a bad entry in err. */
static int
set_trusted_proxies(struct mfad_config *cfg, const char *value, char *err, size_t err_size)
{
	struct srv_status st = { "", 0 };

	if (netpolicy_list_parse(value, &cfg->trusted_proxies, &st) == SRV_OK)
		return 0;
	snprintf(err, err_size, "invalid value for http.trusted_proxies: %s", st.message);
	return -1;
}

int
config_set(struct mfad_config *cfg, const char *section, const char *key, const char *value,
    char *err, size_t err_size)
{
	int r;

	for (size_t i = 0; i < sizeof(int_keys) / sizeof(int_keys[0]); i++) {
		if (strcmp(int_keys[i].section, section) != 0 || strcmp(int_keys[i].key, key) != 0)
			continue;
		if (set_int_key(cfg, &int_keys[i], value) == 0)
			return 0;
		snprintf(err, err_size, "invalid value for %s.%s: expected an integer from %lld to %lld",
		    section, key, int_keys[i].min, int_keys[i].max);
		return -1;
	}

	if (strcmp(section, "http") == 0 && strcmp(key, "trusted_proxies") == 0)
		return set_trusted_proxies(cfg, value, err, err_size);
	r = set_other_key(cfg, section, key, value);
	if (r == 0)
		return 0;
	if (r > 0)
		snprintf(err, err_size, "unknown setting %s.%s", section, key);
	else
		snprintf(err, err_size, "invalid value for %s.%s", section, key);
	return -1;
}

struct ini_state {
	struct mfad_config *cfg;
	char *err;
	size_t err_size;
	int failed;
};

static int
config_ini_line(void *user, const char *section, const char *name, const char *value)
{
	struct ini_state *s = user;

	if (s->failed)
		return 0;
	if (config_set(s->cfg, section, name, value, s->err, s->err_size) != 0) {
		s->failed = 1;
		return 0;
	}
	return 1;
}

int
config_load_file(struct mfad_config *cfg, const char *path, char *err, size_t err_size)
{
	struct ini_state s = { cfg, err, err_size, 0 };
	char detail[256];
	int line;

	err[0] = '\0';
	line = ini_parse(path, config_ini_line, &s);
	if (line == 0)
		return 0;
	if (line == -1) {
		snprintf(err, err_size, "cannot open config file %s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(detail, sizeof(detail), "%s", err[0] != '\0' ? err : "syntax error");
	snprintf(err, err_size, "%s line %d: %s", path, line, detail);
	return -1;
}

static int
join_path(char *dst, size_t size, const char *dir, const char *file)
{
	int n = snprintf(dst, size, "%s/%s", dir, file);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* A lower-case DNS name: letters, digits, '-' and inner dots, as WebAuthn RP IDs are. */
static int
config_dns_name_ok(const char *name, size_t n)
{
	if (n == 0 || n > 253 || name[0] == '.' || name[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return 0;
		if (c == '.' && name[i + 1] == '.')
			return 0;
	}
	return 1;
}

/*
 * Check one origin: "https://HOST" or "https://HOST:PORT" (http only for
 * localhost), with HOST the RP ID or a subdomain of it, and nothing after.
 */
static int
config_origin_ok(const char *origin, size_t n, const char *rp_id, char *err, size_t err_size)
{
	size_t rp_len = strlen(rp_id);
	const char *host;
	size_t host_len;
	int https = n > 8 && strncmp(origin, "https://", 8) == 0;

	if (!https && !(n > 7 && strncmp(origin, "http://", 7) == 0))
		goto bad;
	host = origin + (https ? 8 : 7);
	host_len = strcspn(host, ":");
	if (host + host_len > origin + n)
		host_len = (size_t)(origin + n - host);
	if (!config_dns_name_ok(host, host_len))
		goto bad;
	if (host + host_len < origin + n) {
		const char *port = host + host_len + 1;
		size_t port_len = (size_t)(origin + n - port);

		if (port_len == 0 || port_len > 5 || strspn(port, "0123456789") < port_len)
			goto bad;
	}
	if (!(host_len == rp_len && memcmp(host, rp_id, rp_len) == 0) &&
	    !(host_len > rp_len + 1 && host[host_len - rp_len - 1] == '.' &&
	    memcmp(host + host_len - rp_len, rp_id, rp_len) == 0)) {
		snprintf(err, err_size, "webauthn.origins: the host of '%.*s' is neither "
		    "webauthn.rp_id '%s' nor a subdomain of it", (int)n, origin, rp_id);
		return -1;
	}
	if (!https && !(host_len == 9 && memcmp(host, "localhost", 9) == 0)) {
		snprintf(err, err_size, "webauthn.origins: '%.*s': browsers allow passkeys over "
		    "http only on localhost; use https", (int)n, origin);
		return -1;
	}
	return 0;
bad:
	snprintf(err, err_size, "webauthn.origins: '%.*s' is not an origin such as "
	    "https://id.example.com or https://id.example.com:8443 (no path, no wildcard)", (int)n,
	    origin);
	return -1;
}

static int
config_check_webauthn(const struct mfad_config *cfg, char *err, size_t err_size)
{
	const char *p = cfg->origins;

	if (!config_dns_name_ok(cfg->rp_id, strlen(cfg->rp_id))) {
		snprintf(err, err_size, "webauthn.rp_id '%s' is not a lower-case domain name such as "
		    "example.com (no scheme, no port)", cfg->rp_id);
		return -1;
	}
	while (*p != '\0') {
		size_t n;

		p += strspn(p, ", ");
		n = strcspn(p, ", ");
		if (n > 0 && config_origin_ok(p, n, cfg->rp_id, err, err_size) != 0)
			return -1;
		p += n;
	}
	if (cfg->attestation_trust == 2 && cfg->attestation_conveyance == CONFIG_ATTESTATION_NONE) {
		snprintf(err, err_size, "webauthn.attestation_trust is required, so "
		    "webauthn.attestation must ask for one (direct or enterprise), not none");
		return -1;
	}
	return 0;
}

int
config_browser_https(const struct mfad_config *cfg)
{
	return cfg->tls_cert[0] != '\0' || cfg->tls_proxy;
}

int
config_finish(struct mfad_config *cfg, char *err, size_t err_size)
{
	if (cfg->database[0] == '\0' &&
	    join_path(cfg->database, sizeof(cfg->database), cfg->data_dir, "mfad.db") != 0) {
		snprintf(err, err_size, "storage.data_dir is too long");
		return -1;
	}
	if (cfg->key_file[0] == '\0' &&
	    join_path(cfg->key_file, sizeof(cfg->key_file), cfg->data_dir, "master.key") != 0) {
		snprintf(err, err_size, "storage.data_dir is too long");
		return -1;
	}
	if (cfg->lockout_max_delay < cfg->lockout_base_delay) {
		snprintf(err, err_size,
		    "security.lockout_max_delay is shorter than security.lockout_base_delay");
		return -1;
	}
	if ((cfg->tls_cert[0] == '\0') != (cfg->tls_key[0] == '\0')) {
		snprintf(err, err_size, "http.tls_cert and http.tls_key must be set together: set "
		    "both to serve HTTPS, or neither for plain HTTP");
		return -1;
	}
	if (cfg->session_idle > cfg->session_ttl) {
		snprintf(err, err_size, "security.session_idle is longer than security.session_ttl");
		return -1;
	}
	if (cfg->mail_maildir[0] == '\0' &&
	    join_path(cfg->mail_maildir, sizeof(cfg->mail_maildir), cfg->data_dir, "mail") != 0) {
		snprintf(err, err_size, "storage.data_dir is too long");
		return -1;
	}
	if (cfg->mail_smtp_url[0] != '\0' &&
	    config_check_smtp_url(cfg->mail_smtp_url, err, err_size) != 0)
		return -1;
	if (cfg->origins[0] == '\0')
		snprintf(cfg->origins, sizeof(cfg->origins), "http://localhost:%u", cfg->listen_port);
	if (config_check_webauthn(cfg, err, err_size) != 0)
		return -1;
	if (cfg->attestation_trust == 2 && cfg->trust_anchors[0] == '\0') {
		snprintf(err, err_size,
		    "webauthn.attestation_trust is required but webauthn.trust_anchors is not set");
		return -1;
	}
	return 0;
}
