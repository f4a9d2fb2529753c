/* SPDX-License-Identifier: MIT */
/* Unit tests of the browser defences: CSRF tokens, the Origin check and cookie attributes. */
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

#include "server/app.h"
#include "server/config.h"
#include "server/cookie.h"
#include "server/csrf.h"
#include "server/seal.h"

static void
tmp_path(char *out, size_t size, const char *name)
{
	const char *dir = getenv("MFA_TEST_TMPDIR");

	snprintf(out, size, "%s/%s.%ld", dir != NULL ? dir : "/tmp", name, (long)getpid());
}

/* Load a master key made of one repeated hex digit into app->seal. */
static void
load_key(struct app *app, const char *name, char digit)
{
	char path[512];
	char text[2 * SEAL_KEY_LEN + 2];
	char err[256];
	FILE *f;

	tmp_path(path, sizeof(path), name);
	unlink(path);
	memset(text, digit, 2 * SEAL_KEY_LEN);
	text[2 * SEAL_KEY_LEN] = '\n';
	text[2 * SEAL_KEY_LEN + 1] = '\0';
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
	assert_int_equal(seal_load(path, 0, &app->seal, err, sizeof(err)), 0);
	unlink(path);
}

static void
csrf_token_binding(void **state)
{
	/* Static: struct app contains the whole configuration, too large for one stack frame. */
	static struct app app;
	static struct app other_key;
	uint8_t hash_a[STORE_TOKEN_HASH_LEN];
	uint8_t hash_b[STORE_TOKEN_HASH_LEN];
	char a[CSRF_TOKEN_SIZE];
	char a_again[CSRF_TOKEN_SIZE];
	char b[CSRF_TOKEN_SIZE];
	char a_other_key[CSRF_TOKEN_SIZE];
	char changed[CSRF_TOKEN_SIZE];

	(void)state;
	memset(&app, 0, sizeof(app));
	memset(&other_key, 0, sizeof(other_key));
	load_key(&app, "csrf-a.key", '1');
	load_key(&other_key, "csrf-b.key", '2');
	memset(hash_a, 0xaa, sizeof(hash_a));
	memset(hash_b, 0xbb, sizeof(hash_b));

	assert_int_equal(csrf_token(&app, hash_a, a), 0);
	assert_int_equal(strlen(a), CSRF_TOKEN_LEN);
	assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
	    CSRF_TOKEN_LEN);
	assert_int_equal(csrf_token(&app, hash_a, a_again), 0);
	assert_string_equal(a, a_again);
	assert_int_equal(csrf_token(&app, hash_b, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(csrf_token(&other_key, hash_a, a_other_key), 0);
	assert_string_not_equal(a, a_other_key);

	assert_true(csrf_check(&app, hash_a, a));
	assert_false(csrf_check(&app, hash_b, a));
	assert_false(csrf_check(&app, hash_a, NULL));
	assert_false(csrf_check(&app, hash_a, ""));
	memcpy(changed, a, sizeof(changed));
	changed[CSRF_TOKEN_LEN - 1] = changed[CSRF_TOKEN_LEN - 1] == 'A' ? 'B' : 'A';
	assert_false(csrf_check(&app, hash_a, changed));
	changed[CSRF_TOKEN_LEN - 1] = '\0';
	memcpy(changed, a, CSRF_TOKEN_LEN - 1);
	assert_false(csrf_check(&app, hash_a, changed)); /* one character short */

	seal_free(&app.seal);
	seal_free(&other_key.seal);
}

static void
csrf_origin_rules(void **state)
{
	struct mfad_config cfg;

	(void)state;
	config_defaults(&cfg);
	snprintf(cfg.origins, sizeof(cfg.origins), "https://id.example.com, https://example.com:8443");

	assert_true(csrf_origin_allowed(&cfg, NULL, "id.example.com"));
	assert_true(csrf_origin_allowed(&cfg, "https://id.example.com", NULL));
	assert_true(csrf_origin_allowed(&cfg, "https://example.com:8443", NULL));
	assert_true(csrf_origin_allowed(&cfg, "HTTPS://ID.EXAMPLE.COM", NULL));
	assert_false(csrf_origin_allowed(&cfg, "https://id.example.co", NULL));
	assert_false(csrf_origin_allowed(&cfg, "https://id.example.com.evil.example", NULL));
	assert_false(csrf_origin_allowed(&cfg, "https://example.com", NULL));
	assert_false(csrf_origin_allowed(&cfg, "null", NULL));
	assert_false(csrf_origin_allowed(&cfg, "", NULL));

	/* Without TLS the Host header gives http://HOST; with a TLS proxy, https://HOST. */
	assert_true(csrf_origin_allowed(&cfg, "http://mfa.internal:8080", "mfa.internal:8080"));
	assert_false(csrf_origin_allowed(&cfg, "https://mfa.internal:8080", "mfa.internal:8080"));
	assert_false(csrf_origin_allowed(&cfg, "http://mfa.internal", "mfa.internal:8080"));
	assert_false(csrf_origin_allowed(&cfg, "http://", ""));
	cfg.tls_proxy = 1;
	assert_true(csrf_origin_allowed(&cfg, "https://mfa.internal:8080", "mfa.internal:8080"));
	assert_false(csrf_origin_allowed(&cfg, "http://mfa.internal:8080", "mfa.internal:8080"));
}

static void
cookie_attributes_by_scheme(void **state)
{
	struct mfad_config cfg;
	char out[256];
	char small[16];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(cookie_format(&cfg, "mfad_session", "abc", 60, out, sizeof(out)), 0);
	assert_string_equal(out, "mfad_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60");

	snprintf(cfg.tls_cert, sizeof(cfg.tls_cert), "/etc/mfad/cert.pem");
	assert_int_equal(cookie_format(&cfg, "mfad_session", "", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "__Host-mfad_session=; Path=/; Secure; HttpOnly; SameSite=Strict; "
	    "Max-Age=0");
	assert_int_equal(cookie_name(&cfg, "mfad_session", out, sizeof(out)), 0);
	assert_string_equal(out, "__Host-mfad_session");

	cfg.tls_cert[0] = '\0';
	cfg.tls_proxy = 1;
	assert_int_equal(cookie_name(&cfg, "mfad_session", out, sizeof(out)), 0);
	assert_string_equal(out, "__Host-mfad_session");

	assert_int_equal(cookie_format(&cfg, "mfad_session", "abc", 60, small, sizeof(small)), -1);
	assert_string_equal(small, "");
	assert_int_equal(cookie_name(&cfg, "mfad_session", small, 8), -1);
	assert_string_equal(small, "");
}

static void
config_tls_keys(void **state)
{
	struct mfad_config cfg;
	char err[256];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_set(&cfg, "http", "tls_cert", "/etc/mfad/cert.pem", err,
	    sizeof(err)), 0);
	assert_int_equal(config_finish(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "must be set together"));
	assert_int_equal(config_set(&cfg, "http", "tls_key", "/etc/mfad/key.pem", err,
	    sizeof(err)), 0);
	assert_int_equal(config_finish(&cfg, err, sizeof(err)), 0);
	assert_true(config_browser_https(&cfg));

	config_defaults(&cfg);
	assert_false(config_browser_https(&cfg));
	assert_int_equal(config_set(&cfg, "http", "tls_proxy", "yes", err, sizeof(err)), -1);
	assert_int_equal(config_set(&cfg, "http", "tls_proxy", "true", err, sizeof(err)), 0);
	assert_true(config_browser_https(&cfg));
	assert_int_equal(config_set(&cfg, "http", "tls_proxy", "false", err, sizeof(err)), 0);
	assert_false(config_browser_https(&cfg));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csrf_token_binding),
		cmocka_unit_test(csrf_origin_rules),
		cmocka_unit_test(cookie_attributes_by_scheme),
		cmocka_unit_test(config_tls_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
