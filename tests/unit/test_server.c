/* SPDX-License-Identifier: MIT */
/* Unit tests of mfad's building blocks that need no HTTP server. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "server/access_token.h"
#include "server/config.h"
#include "server/errors.h"
#include "server/netpolicy.h"
#include "server/password.h"
#include "server/principal.h"
#include "server/seal.h"
#include "server/session.h"
#include "server/settings.h"

static void
tmp_path(char *out, size_t size, const char *name)
{
	const char *dir = getenv("MFA_TEST_TMPDIR");

	snprintf(out, size, "%s/%s.%ld", dir != NULL ? dir : "/tmp", name, (long)getpid());
}

static void
principal_user_and_owner(void **state)
{
	char name[STORE_NAME_MAX + 1];
	char alias[STORE_ALIAS_MAX + 1];

	(void)state;
	assert_int_equal(principal_parse("alice@example", name, alias), 0);
	assert_string_equal(name, "alice");
	assert_string_equal(alias, "example");

	assert_int_equal(principal_parse("Example", name, alias), 0);
	assert_string_equal(name, "");
	assert_string_equal(alias, "example");

	/* The last '@' splits, and a name may not contain one. */
	assert_int_equal(principal_parse("a@b@example", name, alias), -1);
}

static void
principal_rejects_malformed(void **state)
{
	static const char *const bad[] = { "", "@example", "alice@", "alice@ex", "alice@-example",
		"alice@example-", "al ice@example", "alice@exa_mple", "alice@\xc3\xa9xample",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example" };
	char name[STORE_NAME_MAX + 1];
	char alias[STORE_ALIAS_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (principal_parse(bad[i], name, alias) != -1)
			fail_msg("principal \"%s\" was accepted", bad[i]);
	}
}

static void
principal_key_folds_case(void **state)
{
	char a[STORE_PRINCIPAL_MAX + 1];
	char b[STORE_PRINCIPAL_MAX + 1];

	(void)state;
	principal_key("Test-User@Example", a);
	principal_key("test-user@example", b);
	assert_string_equal(a, b);
}

static void
display_name_limits(void **state)
{
	char long_name[STORE_DISPLAY_NAME_MAX + 2];

	(void)state;
	assert_true(display_name_valid("Alice B"));
	assert_true(display_name_valid("\xe5\xbc\xa0\xe4\xb8\x89")); /* two CJK characters */
	assert_false(display_name_valid(""));
	assert_false(display_name_valid("tab\there"));
	assert_false(display_name_valid("bad \xff byte"));
	memset(long_name, 'a', 129);
	long_name[129] = '\0';
	assert_false(display_name_valid(long_name));
	long_name[128] = '\0';
	assert_true(display_name_valid(long_name));
}

static void
password_rules(void **state)
{
	struct srv_status st;
	char big[PASSWORD_MAX_BYTES + 2];

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(password_check_new("1234567", 7, &st), SRV_ERR_INVALID_PARAMETER);
	assert_non_null(strstr(st.message, "shorter than 8"));
	assert_int_equal(password_check_new("12345678", 8, &st), SRV_OK);
	/* Eight code points of two bytes each count as eight characters. */
	assert_int_equal(password_check_new("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
	    14, &st), SRV_ERR_INVALID_PARAMETER);
	assert_int_equal(password_check_new(
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 16, &st), SRV_OK);
	assert_int_equal(password_check_new("abcd\x01" "efgh", 9, &st), SRV_ERR_INVALID_PARAMETER);
	assert_int_equal(password_check_new("abcdefg\xc3", 8, &st), SRV_ERR_INVALID_PARAMETER);
	assert_int_equal(password_check_new("abcd\xed\xa0\x80xyz", 10, &st),
	    SRV_ERR_INVALID_PARAMETER); /* a UTF-16 surrogate */
	memset(big, 'x', sizeof(big));
	assert_int_equal(password_check_new(big, PASSWORD_MAX_BYTES, &st), SRV_OK);
	assert_int_equal(password_check_new(big, PASSWORD_MAX_BYTES + 1, &st),
	    SRV_ERR_INVALID_PARAMETER);
}

static void
password_hash_and_verify(void **state)
{
	struct pwhash *pw = NULL;
	char hash1[STORE_PW_HASH_MAX + 1];
	char hash2[STORE_PW_HASH_MAX + 1];

	(void)state;
	assert_int_equal(pwhash_init(2, 1000, &pw), 0);
	assert_int_equal(pwhash_hash(pw, "correct horse", 13, hash1), SRV_OK);
	assert_int_equal(pwhash_hash(pw, "correct horse", 13, hash2), SRV_OK);
	assert_int_equal(strncmp(hash1, "$argon2id$v=19$m=65536,t=2", 26), 0);
	assert_string_not_equal(hash1, hash2); /* a fresh salt per hash */
	assert_int_equal(pwhash_verify(pw, hash1, "correct horse", 13), SRV_OK);
	assert_int_equal(pwhash_verify(pw, hash1, "Correct horse", 13), SRV_ERR_INVALID_CREDENTIALS);
	assert_int_equal(pwhash_verify(pw, hash1, "correct horse!", 14), SRV_ERR_INVALID_CREDENTIALS);
	/* An unknown user is checked against the dummy hash and always fails. */
	assert_int_equal(pwhash_verify(pw, NULL, "correct horse", 13), SRV_ERR_INVALID_CREDENTIALS);
	pwhash_free(&pw);
	assert_null(pw);
}

static void
seal_round_trip_and_tamper(void **state)
{
	static const uint8_t secret[20] = "12345678901234567890";
	static const uint8_t aad[] = "user-1";
	static const uint8_t other_aad[] = "user-2";
	struct seal *s = NULL;
	uint8_t sealed[64];
	uint8_t opened[64];
	char path[512];
	char err[256];
	struct stat sb;
	size_t n = 0;
	size_t m = 0;

	(void)state;
	tmp_path(path, sizeof(path), "seal.key");
	unlink(path);
	assert_int_equal(seal_load(path, 1, &s, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	assert_int_equal(seal_encrypt(s, aad, sizeof(aad), secret, sizeof(secret), sealed,
	    sizeof(sealed), &n), 0);
	assert_int_equal(n, sizeof(secret) + SEAL_OVERHEAD);
	assert_null(memmem(sealed, n, secret, sizeof(secret)));
	assert_int_equal(seal_decrypt(s, aad, sizeof(aad), sealed, n, opened, sizeof(opened), &m), 0);
	assert_memory_equal(opened, secret, sizeof(secret));

	/* Another row's additional data, a changed byte or a cut value do not open. */
	assert_int_equal(seal_decrypt(s, other_aad, sizeof(other_aad), sealed, n, opened,
	    sizeof(opened), &m), -1);
	sealed[n - 1] ^= 1;
	assert_int_equal(seal_decrypt(s, aad, sizeof(aad), sealed, n, opened, sizeof(opened), &m), -1);
	sealed[n - 1] ^= 1;
	assert_int_equal(seal_decrypt(s, aad, sizeof(aad), sealed, n - 1, opened, sizeof(opened), &m),
	    -1);
	seal_free(&s);
	unlink(path);
}

static void
seal_rejects_bad_key_files(void **state)
{
	struct seal *s = NULL;
	char path[512];
	char err[256];
	FILE *f;

	(void)state;
	tmp_path(path, sizeof(path), "bad.key");
	unlink(path);
	assert_int_equal(seal_load(path, 0, &s, err, sizeof(err)), -1); /* missing, no create */
	assert_non_null(strstr(err, "cannot open"));

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n", f);
	fclose(f);
	chmod(path, 0644);
	assert_int_equal(seal_load(path, 0, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "readable by others"));

	chmod(path, 0600);
	assert_int_equal(seal_load(path, 0, &s, err, sizeof(err)), 0);
	seal_free(&s);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("not hex\n", f);
	fclose(f);
	assert_int_equal(seal_load(path, 0, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "64 hex digits"));
	unlink(path);
}

static void
token_format_and_hash(void **state)
{
	char a[TOKEN_TEXT_SIZE];
	char b[TOKEN_TEXT_SIZE];
	uint8_t hash[STORE_TOKEN_HASH_LEN];

	(void)state;
	assert_int_equal(token_generate(a), 0);
	assert_int_equal(token_generate(b), 0);
	assert_int_equal(strlen(a), TOKEN_TEXT_LEN);
	assert_string_not_equal(a, b);
	assert_int_equal(token_hash(a, hash), 0);
	assert_int_equal(token_hash("short", hash), -1);
	a[5] = '=';
	assert_int_equal(token_hash(a, hash), -1);
	assert_int_equal(token_hash(NULL, hash), -1);
}

static void
config_trusted_proxies(void **state)
{
	struct mfad_config cfg;
	struct netpolicy_addr a;
	char err[256];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(cfg.trusted_proxies.count, 0);

	assert_int_equal(config_set(&cfg, "http", "trusted_proxies", "127.0.0.1, 10.0.0.0/8 ::1",
	    err, sizeof(err)), 0);
	assert_int_equal(cfg.trusted_proxies.count, 3);
	assert_int_equal(netpolicy_addr_parse("10.2.3.4", &a), 0);
	assert_int_equal(netpolicy_list_contains(&cfg.trusted_proxies, &a), 1);

	/* A bad entry is named, and the list in force stays as it was. */
	assert_int_equal(config_set(&cfg, "http", "trusted_proxies", "10.0.0.1/8", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "http.trusted_proxies"));
	assert_non_null(strstr(err, "10.0.0.1/8"));
	assert_int_equal(cfg.trusted_proxies.count, 3);

	assert_int_equal(config_set(&cfg, "http", "trusted_proxies", "", err, sizeof(err)), 0);
	assert_int_equal(cfg.trusted_proxies.count, 0);
}

static void
config_values_and_errors(void **state)
{
	struct mfad_config cfg;
	char err[256];

	(void)state;
	config_defaults(&cfg);
	assert_string_equal(cfg.listen_addr, "127.0.0.1");
	assert_int_equal(cfg.listen_port, 8080);
	assert_int_equal(cfg.max_body, 65536);

	assert_int_equal(config_set(&cfg, "server", "listen", "[::1]:9000", err, sizeof(err)), 0);
	assert_string_equal(cfg.listen_addr, "::1");
	assert_int_equal(cfg.listen_port, 9000);
	assert_int_equal(config_set(&cfg, "server", "listen", "::1:9000", err, sizeof(err)), -1);
	assert_int_equal(config_set(&cfg, "server", "listen", "127.0.0.1:70000", err, sizeof(err)),
	    -1);

	assert_int_equal(config_set(&cfg, "security", "totp_window", "11", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "from 0 to 10"));
	assert_int_equal(config_set(&cfg, "security", "nope", "1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown setting security.nope"));
	assert_int_equal(config_set(&cfg, "storage", "synchronous", "NORMAL", err, sizeof(err)), 0);
	assert_int_equal(cfg.synchronous_full, 0);

	assert_int_equal(config_set(&cfg, "security", "session_idle", "90000", err, sizeof(err)), 0);
	assert_int_equal(config_finish(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "session_idle"));
}

/* Apply one [webauthn] setting to fresh defaults and return config_finish()'s result. */
static int
webauthn_finish_with(const char *key, const char *value, const char *key2, const char *value2)
{
	struct mfad_config cfg;
	char err[256];

	config_defaults(&cfg);
	assert_int_equal(config_set(&cfg, "webauthn", key, value, err, sizeof(err)), 0);
	if (key2 != NULL)
		assert_int_equal(config_set(&cfg, "webauthn", key2, value2, err, sizeof(err)), 0);
	return config_finish(&cfg, err, sizeof(err));
}

static void
config_webauthn_checks(void **state)
{
	(void)state;
	assert_int_equal(webauthn_finish_with("rp_id", "localhost", NULL, NULL), 0);
	assert_int_equal(webauthn_finish_with("rp_id", "example.com", "origins",
	    "https://id.example.com, https://example.com:8443"), 0);

	assert_int_equal(webauthn_finish_with("rp_id", "https://example.com", NULL, NULL), -1);
	assert_int_equal(webauthn_finish_with("rp_id", "example.com:443", NULL, NULL), -1);
	assert_int_equal(webauthn_finish_with("rp_id", "Example.COM", NULL, NULL), -1);
	assert_int_equal(webauthn_finish_with("rp_id", "example.com", "origins",
	    "https://id.example.com/"), -1);
	assert_int_equal(webauthn_finish_with("rp_id", "example.com", "origins",
	    "https://id.example.com/login"), -1);
	assert_int_equal(webauthn_finish_with("rp_id", "example.com", "origins",
	    "https://*.example.com"), -1);
	assert_int_equal(webauthn_finish_with("rp_id", "example.com", "origins",
	    "https://user@id.example.com"), -1);
	assert_int_equal(webauthn_finish_with("rp_id", "example.com", "origins",
	    "https://badexample.com"), -1);
	assert_int_equal(webauthn_finish_with("rp_id", "example.com", "origins",
	    "http://id.example.com"), -1);
	assert_int_equal(webauthn_finish_with("attestation_trust", "required", "trust_anchors",
	    "/dev/null"), -1);
}

static void
config_file_reports_line(void **state)
{
	struct mfad_config cfg;
	char path[512];
	char err[512];
	FILE *f;

	(void)state;
	tmp_path(path, sizeof(path), "mfad.ini");
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[server]\nthreads = 4\n\n[security]\nlockout_threshold = zero\n", f);
	fclose(f);
	config_defaults(&cfg);
	assert_int_equal(config_load_file(&cfg, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 5"));
	assert_non_null(strstr(err, "security.lockout_threshold"));
	assert_int_equal(cfg.threads, 4);
	unlink(path);
}

static void
log_quote_escapes(void **state)
{
	char buf[LOG_QUOTE_MAX];

	(void)state;
	assert_string_equal(log_quote("alice", buf, sizeof(buf)), "\"alice\"");
	assert_string_equal(log_quote("a\"b\\c", buf, sizeof(buf)), "\"a\\\"b\\\\c\"");
	/* A newline cannot start a forged log line. */
	assert_string_equal(log_quote("x\nlevel=error", buf, sizeof(buf)), "\"x\\x0alevel=error\"");
	assert_string_equal(log_quote("abcdefgh", buf, 8), "\"ab\"");
	assert_string_equal(log_quote(NULL, buf, sizeof(buf)), "\"\"");
}

static void
errors_table_complete(void **state)
{
	(void)state;
	for (int code = 0; code < SRV_ERR_COUNT_; code++) {
		if (code != SRV_ERR_INTERNAL && strcmp(srv_err_name(code), "InternalError") == 0)
			fail_msg("result code %d has no entry in the error table", code);
		assert_true(srv_err_http_status(code) >= 200 && srv_err_http_status(code) < 600);
		assert_true(strlen(srv_err_default_message(code)) > 0);
	}
	assert_int_equal(srv_err_http_status(SRV_ERR_TOO_LARGE), 413);
	assert_int_equal(srv_err_http_status(-7), 500);
}

/* API tokens have the prefix and exactly 43 more characters; session tokens never match. */
static void
access_token_form(void **state)
{
	char session[TOKEN_TEXT_SIZE];
	char text[ACCESS_TOKEN_TEXT_SIZE + 1];

	(void)state;
	assert_int_equal(token_generate(session), 0);
	assert_false(access_token_is(session));
	snprintf(text, sizeof(text), "mfat_%s", session);
	assert_true(access_token_is(text));
	text[ACCESS_TOKEN_TEXT_SIZE - 2] = '\0';
	assert_false(access_token_is(text));
	memcpy(session, "mfat_", 5); /* a session token that happens to start like an API token */
	assert_false(access_token_is(session));
	assert_false(access_token_is("mfat_"));
	assert_false(access_token_is(NULL));
}

/* Public session ids: 32 lower-case hex digits, different each time. */
static void
session_public_id_form(void **state)
{
	char a[STORE_SESSION_ID_LEN + 1];
	char b[STORE_SESSION_ID_LEN + 1];

	(void)state;
	assert_int_equal(session_public_id(a), 0);
	assert_int_equal(session_public_id(b), 0);
	assert_int_equal(strlen(a), STORE_SESSION_ID_LEN);
	assert_int_equal(strspn(a, "0123456789abcdef"), STORE_SESSION_ID_LEN);
	assert_string_not_equal(a, b);
}

/* The lower of an account's setting and the server's limit wins, in seconds. */
static void
settings_session_limits(void **state)
{
	struct store_account_settings set;
	struct app app;

	(void)state;
	memset(&app, 0, sizeof(app));
	app.cfg.session_ttl = 6 * 3600;
	app.cfg.session_idle = 3600;
	store_account_settings_default(1, &set);
	assert_int_equal(settings_session_ttl(&app, &set), 6 * 3600);
	assert_int_equal(settings_session_idle(&app, &set), 3600);

	set.session_hours = 1;
	set.idle_minutes = 5;
	assert_int_equal(settings_session_ttl(&app, &set), 3600);
	assert_int_equal(settings_session_idle(&app, &set), 300);

	set.session_hours = 24;
	set.idle_minutes = 1440;
	assert_int_equal(settings_session_ttl(&app, &set), 6 * 3600);
	assert_int_equal(settings_session_idle(&app, &set), 3600);
}

static void
settings_factor_strength(void **state)
{
	struct store_account_settings set;
	int all = FACTOR_TOTP | FACTOR_PASSKEY | FACTOR_EMAIL;

	(void)state;
	assert_int_equal(settings_strongest(all), FACTOR_PASSKEY);
	assert_int_equal(settings_strongest(FACTOR_TOTP | FACTOR_EMAIL), FACTOR_TOTP);
	assert_int_equal(settings_strongest(FACTOR_EMAIL), FACTOR_EMAIL);
	assert_int_equal(settings_strongest(0), 0);
	assert_int_equal(settings_at_least(FACTOR_PASSKEY), FACTOR_PASSKEY);
	assert_int_equal(settings_at_least(FACTOR_TOTP), FACTOR_TOTP | FACTOR_PASSKEY);
	assert_int_equal(settings_at_least(FACTOR_EMAIL), all);

	store_account_settings_default(1, &set);
	assert_int_equal(settings_logon_methods(&set, all), all);
	assert_int_equal(settings_step_up_methods(&set, all), all);
	set.allow_email_logon = 0;
	assert_int_equal(settings_logon_methods(&set, all), FACTOR_TOTP | FACTOR_PASSKEY);
	assert_int_equal(settings_step_up_methods(&set, all), all);
	set.allow_email_step_up = 0;
	assert_int_equal(settings_step_up_methods(&set, FACTOR_EMAIL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_webauthn_checks),
		cmocka_unit_test(principal_user_and_owner),
		cmocka_unit_test(principal_rejects_malformed),
		cmocka_unit_test(principal_key_folds_case),
		cmocka_unit_test(display_name_limits),
		cmocka_unit_test(password_rules),
		cmocka_unit_test(password_hash_and_verify),
		cmocka_unit_test(seal_round_trip_and_tamper),
		cmocka_unit_test(seal_rejects_bad_key_files),
		cmocka_unit_test(token_format_and_hash),
		cmocka_unit_test(access_token_form),
		cmocka_unit_test(session_public_id_form),
		cmocka_unit_test(config_values_and_errors),
		cmocka_unit_test(config_trusted_proxies),
		cmocka_unit_test(config_file_reports_line),
		cmocka_unit_test(log_quote_escapes),
		cmocka_unit_test(errors_table_complete),
		cmocka_unit_test(settings_session_limits),
		cmocka_unit_test(settings_factor_strength),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
