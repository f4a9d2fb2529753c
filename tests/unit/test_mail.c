/* SPDX-License-Identifier: MIT */
/* Tests of mail formatting (server/mail.c) and of the outbox's retry rules. */
#define _GNU_SOURCE /* memmem */
#include <curl/curl.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/log.h"
#include "server/config.h"
#include "server/mail.h"
#include "server/outbox.h"

#define T_DATE 1700000000 /* Tue, 14 Nov 2023 22:13:20 +0000 */

/* Format a message and return it as a NUL-terminated string to free. */
static char *
t_format(const char *from, const char *to, const char *subject, const char *text)
{
	struct mail_message m;
	char err[256] = "";
	char *s;

	assert_int_equal(mail_format(from, to, subject, text, T_DATE, &m, err, sizeof(err)), 0);
	s = malloc(m.len + 1);
	assert_non_null(s);
	memcpy(s, m.data, m.len);
	s[m.len] = '\0';
	mail_message_clear(&m);
	return s;
}

/* Expect mail_format to fail with a message containing want. */
static void
t_format_fails(const char *from, const char *to, const char *subject, const char *text,
    const char *want)
{
	struct mail_message m = { 0 };
	char err[256] = "";

	assert_int_equal(mail_format(from, to, subject, text, T_DATE, &m, err, sizeof(err)), -1);
	assert_null(m.data);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" does not contain \"%s\"", err, want);
}

/* The header block: everything before the first empty line, NUL-terminated in place. */
static char *
t_split_body(char *msg)
{
	char *sep = strstr(msg, "\r\n\r\n");

	assert_non_null(sep);
	sep[2] = '\0';
	return sep + 4;
}

/* Every LF is part of CRLF, and every CR is followed by LF. */
static void
t_assert_crlf(const char *s)
{
	for (size_t i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\n')
			assert_true(i > 0 && s[i - 1] == '\r');
		if (s[i] == '\r')
			assert_int_equal(s[i + 1], '\n');
	}
}

/* Decode quoted-printable text, removing soft breaks and turning CRLF into LF. */
static void
t_qp_decode(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; in[i] != '\0' && o + 1 < size; i++) {
		unsigned int v;

		if (in[i] == '=' && in[i + 1] == '\r' && in[i + 2] == '\n') {
			i += 2;
		} else if (in[i] == '=') {
			assert_int_equal(sscanf(in + i + 1, "%2X", &v), 1);
			out[o++] = (char)v;
			i += 2;
		} else if (in[i] == '\r' && in[i + 1] == '\n') {
			out[o++] = '\n';
			i++;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
}

static void
test_format_headers(void **state)
{
	char *msg = t_format("mfad@example.org", "alice@example.com", "Your code", "Code: 123456\n");
	char *body;
	const char *id;

	(void)state;
	t_assert_crlf(msg);
	body = t_split_body(msg);
	assert_non_null(strstr(msg, "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"));
	assert_non_null(strstr(msg, "From: mfad@example.org\r\n"));
	assert_non_null(strstr(msg, "To: alice@example.com\r\n"));
	assert_non_null(strstr(msg, "Subject: Your code\r\n"));
	assert_non_null(strstr(msg, "MIME-Version: 1.0\r\n"));
	assert_non_null(strstr(msg, "Content-Type: text/plain; charset=UTF-8\r\n"));
	assert_non_null(strstr(msg, "Content-Transfer-Encoding: quoted-printable\r\n"));
	assert_non_null(strstr(msg, "Auto-Submitted: auto-generated\r\n"));

	/* Message-ID: 32 hex digits at the sender's domain. */
	id = strstr(msg, "Message-ID: <");
	assert_non_null(id);
	id += strlen("Message-ID: <");
	assert_int_equal(strspn(id, "0123456789abcdef"), 2 * MAIL_ID_RANDOM_LEN);
	assert_memory_equal(id + 2 * MAIL_ID_RANDOM_LEN, "@example.org>\r\n", 15);
	assert_string_equal(body, "Code: 123456\r\n");
	free(msg);
}

static void
test_format_message_id_random(void **state)
{
	struct mail_message a;
	struct mail_message b;
	char err[128];

	(void)state;
	assert_int_equal(mail_format("m@d.example", "t@d.example", "s", "t", T_DATE, &a, err,
	    sizeof(err)), 0);
	assert_int_equal(mail_format("m@d.example", "t@d.example", "s", "t", T_DATE, &b, err,
	    sizeof(err)), 0);
	assert_string_not_equal(a.message_id, b.message_id);
	assert_non_null(strstr(a.message_id, "@d.example"));
	assert_non_null(memmem(a.data, a.len, a.message_id, strlen(a.message_id)));
	mail_message_clear(&a);
	mail_message_clear(&b);
	assert_null(a.data);
}

static void
test_format_header_injection_rejected(void **state)
{
	(void)state;
	t_format_fails("m@d.example", "a@b.example", "Hi\r\nBcc: evil@x.example", "t", "subject");
	t_format_fails("m@d.example", "a@b.example", "Hi\nBcc: evil@x.example", "t", "subject");
	t_format_fails("m@d.example", "a@b.example", "Hi\rthere", "t", "subject");
	t_format_fails("m@d.example", "a@b.example\r\nBcc: evil@x.example", "s", "t", "recipient");
	t_format_fails("m@d.example", "a@b.example\n", "s", "t", "recipient");
	t_format_fails("m@d.example\r\nX: y", "a@b.example", "s", "t", "sender");
	t_format_fails("m@d.example", "Alice <a@b.example>", "s", "t", "recipient");
	t_format_fails("m@d.example", "a@b.example, c@d.example", "s", "t", "recipient");
	t_format_fails("m@d.example", "a b@c.example", "s", "t", "recipient");
	t_format_fails("m@d.example", "no-at-sign", "s", "t", "local@domain");
	t_format_fails("m@d.example", "two@at@signs", "s", "t", "local@domain");
	t_format_fails("m@d.example", "@b.example", "s", "t", "local@domain");
	t_format_fails("m@d.example", "a@", "s", "t", "local@domain");
	t_format_fails("m@d.example", "", "s", "t", "recipient");
	t_format_fails("m@d.example", "a@b.example", "", "t", "subject");
	t_format_fails("m@d.example", "a@b.example", "tab\there", "t", "subject");
}

static void
test_format_invalid_text_rejected(void **state)
{
	char *long_text = malloc(MAIL_TEXT_MAX + 2);

	(void)state;
	assert_non_null(long_text);
	memset(long_text, 'a', MAIL_TEXT_MAX + 1);
	long_text[MAIL_TEXT_MAX + 1] = '\0';
	t_format_fails("m@d.example", "a@b.example", "s", long_text, "text");
	long_text[MAIL_TEXT_MAX] = '\0';
	free(t_format("m@d.example", "a@b.example", "s", long_text));
	free(long_text);

	t_format_fails("m@d.example", "a@b.example", "s", "bell \x07", "text");
	t_format_fails("m@d.example", "a@b.example", "s", "bad \xc3\x28 UTF-8", "text");
	t_format_fails("m@d.example", "a@b.example", "s", "overlong \xc0\xaf", "text");
	t_format_fails("m@d.example", "a@b.example", "s", "surrogate \xed\xa0\x80", "text");
	t_format_fails("m@d.example", "a@b.example", "bad \xff", "t", "subject");
	t_format_fails("m@d.example", "a@b.example", "s", NULL, "text");
}

/* Decode one "=?UTF-8?B?...?=" word at *p, append it to out, and move *p past it. */
static void
t_decode_word(const char **p, char *out, size_t size)
{
	const char *start = *p;
	const char *end;
	unsigned char bin[128];
	size_t len = 0;

	assert_memory_equal(start, "=?UTF-8?B?", 10);
	end = strstr(start + 10, "?=");
	assert_non_null(end);
	assert_true(end + 2 - start <= 75);
	assert_int_equal(sodium_base642bin(bin, sizeof(bin), start + 10, (size_t)(end - start - 10),
	    NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	/* No word ends inside a UTF-8 character. */
	assert_true(len > 0);
	assert_true(bin[len - 1] < 0x80 || (bin[len - 1] & 0xc0) == 0x80);
	assert_true(strlen(out) + len < size);
	strncat(out, (const char *)bin, len);
	*p = end + 2;
}

/* Decode the Subject header of msg's header block. */
static void
t_decode_subject(const char *headers, char *out, size_t size)
{
	const char *p = strstr(headers, "Subject: ");

	assert_non_null(p);
	p += strlen("Subject: ");
	out[0] = '\0';
	for (;;) {
		t_decode_word(&p, out, size);
		if (strncmp(p, "\r\n ", 3) != 0)
			break;
		p += 3; /* folding between words */
	}
	assert_memory_equal(p, "\r\n", 2);
}

static void
test_format_subject_rfc2047(void **state)
{
	static const char subject[] = "Ihr Sicherheitscode für mfad – gültig 10 Minuten ✓";
	char long_subject[MAIL_SUBJECT_MAX + 1];
	char decoded[MAIL_SUBJECT_MAX + 1];
	char *msg;
	size_t n = 0;

	(void)state;
	msg = t_format("m@d.example", "a@b.example", subject, "t");
	t_split_body(msg);
	t_decode_subject(msg, decoded, sizeof(decoded));
	assert_string_equal(decoded, subject);
	free(msg);

	/* A long subject of 3-byte characters needs several words. */
	while (n + 3 <= MAIL_SUBJECT_MAX) {
		memcpy(long_subject + n, "\xe2\x82\xac", 3); /* the euro sign */
		n += 3;
	}
	long_subject[n] = '\0';
	msg = t_format("m@d.example", "a@b.example", long_subject, "t");
	t_assert_crlf(msg);
	t_split_body(msg);
	t_decode_subject(msg, decoded, sizeof(decoded));
	assert_string_equal(decoded, long_subject);
	free(msg);

	/* ASCII that looks like an encoded word is encoded, so readers show it as written. */
	msg = t_format("m@d.example", "a@b.example", "=?UTF-8?B?QQ==?=", "t");
	t_split_body(msg);
	t_decode_subject(msg, decoded, sizeof(decoded));
	assert_string_equal(decoded, "=?UTF-8?B?QQ==?=");
	free(msg);

	t_format_fails("m@d.example", "a@b.example", "caf\xc3", "t", "subject");
}

static void
test_format_body_quoted_printable(void **state)
{
	static const char text[] =
	    "Your code is 123456.\n"
	    "a=b costs 5 \xe2\x82\xac, café\r\n"
	    ".\n"
	    "From here on\n"
	    "trailing space \n"
	    "tab\tinside\n"
	    "lone CR\rends a line\n"
	    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234"
	    "56789 ends\n";
	static const char want[] =
	    "Your code is 123456.\n"
	    "a=b costs 5 \xe2\x82\xac, café\n"
	    ".\n"
	    "From here on\n"
	    "trailing space \n"
	    "tab\tinside\n"
	    "lone CR\n"
	    "ends a line\n"
	    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234"
	    "56789 ends\n";
	char decoded[1024];
	char *msg = t_format("m@d.example", "a@b.example", "s", text);
	char *body;
	char *line;

	(void)state;
	t_assert_crlf(msg);
	body = t_split_body(msg);
	assert_non_null(strstr(body, "a=3Db costs 5 =E2=82=AC, caf=C3=A9\r\n"));
	assert_non_null(strstr(body, "\r\n=2E\r\n"));
	assert_non_null(strstr(body, "\r\n=46rom here on\r\n"));
	assert_non_null(strstr(body, "trailing space=20\r\n"));
	assert_non_null(strstr(body, "tab\tinside\r\n"));

	/* Lines are at most 76 characters, and only ASCII. */
	for (line = body; *line != '\0';) {
		size_t len = strcspn(line, "\r");

		assert_true(len <= 76);
		for (size_t i = 0; i < len; i++)
			assert_true((unsigned char)line[i] < 0x80);
		line += len + 2;
	}
	t_qp_decode(body, decoded, sizeof(decoded));
	assert_string_equal(decoded, want);
	free(msg);
}

static void
test_address_check(void **state)
{
	char err[128];

	(void)state;
	assert_int_equal(mail_address_check("a@b.example", err, sizeof(err)), 0);
	assert_int_equal(mail_address_check("first.last+tag@sub.example.com", err, sizeof(err)), 0);
	assert_int_equal(mail_address_check("jörg@bücher.example", err, sizeof(err)), 0);
	assert_int_equal(mail_address_check("a\"b@c.example", err, sizeof(err)), -1);
	assert_int_equal(mail_address_check("a@b.example\x7f", err, sizeof(err)), -1);
	assert_int_equal(mail_address_check(NULL, err, sizeof(err)), -1);
	assert_string_equal(mail_address_domain("a@b.example"), "b.example");
	assert_null(mail_address_domain("a@"));
}

static void
test_smtp_result_classes(void **state)
{
	(void)state;
	assert_int_equal(outbox_smtp_result(CURLE_OK, 250), OUTBOX_DELIVERED);
	/* 5yz replies are permanent, whatever curl error carried them. */
	assert_int_equal(outbox_smtp_result(CURLE_SEND_ERROR, 550), OUTBOX_PERMANENT);
	assert_int_equal(outbox_smtp_result(CURLE_WEIRD_SERVER_REPLY, 554), OUTBOX_PERMANENT);
	assert_int_equal(outbox_smtp_result(CURLE_RECV_ERROR, 552), OUTBOX_PERMANENT);
	/* 4yz replies and transport failures are temporary. */
	assert_int_equal(outbox_smtp_result(CURLE_SEND_ERROR, 450), OUTBOX_TEMPORARY);
	assert_int_equal(outbox_smtp_result(CURLE_WEIRD_SERVER_REPLY, 421), OUTBOX_TEMPORARY);
	assert_int_equal(outbox_smtp_result(CURLE_COULDNT_CONNECT, 0), OUTBOX_TEMPORARY);
	assert_int_equal(outbox_smtp_result(CURLE_COULDNT_RESOLVE_HOST, 0), OUTBOX_TEMPORARY);
	assert_int_equal(outbox_smtp_result(CURLE_OPERATION_TIMEDOUT, 0), OUTBOX_TEMPORARY);
	assert_int_equal(outbox_smtp_result(CURLE_GOT_NOTHING, 0), OUTBOX_TEMPORARY);
	/* Settings of the relay or of mfad: kept for a retry after the fix. */
	assert_int_equal(outbox_smtp_result(CURLE_LOGIN_DENIED, 535), OUTBOX_TEMPORARY);
	assert_int_equal(outbox_smtp_result(CURLE_USE_SSL_FAILED, 502), OUTBOX_TEMPORARY);
	assert_int_equal(outbox_smtp_result(CURLE_PEER_FAILED_VERIFICATION, 0), OUTBOX_TEMPORARY);
	assert_int_equal(outbox_smtp_result(CURLE_ABORTED_BY_CALLBACK, 0), OUTBOX_ABORTED);
}

/* Set one [mail] key on defaults and return config_set's result. */
static int
t_mail_set(struct mfad_config *cfg, const char *key, const char *value)
{
	char err[256];

	config_defaults(cfg);
	return config_set(cfg, "mail", key, value, err, sizeof(err));
}

/* Run config_finish on cfg and expect it to fail with a message containing want. */
static void
t_finish_fails(struct mfad_config *cfg, const char *want)
{
	char err[256] = "";

	assert_int_equal(config_finish(cfg, err, sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" does not contain \"%s\"", err, want);
}

static void
test_mail_settings(void **state)
{
	static struct mfad_config cfg; /* static: too large for a test's stack frame */
	char err[256];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(cfg.mail_starttls, CONFIG_STARTTLS_REQUIRED);
	assert_string_equal(cfg.mail_from, "mfad@localhost");
	assert_int_equal(cfg.mail_timeout, 30);
	assert_int_equal(cfg.email_code_ttl, 600);
	assert_int_equal(cfg.email_code_max_attempts, 5);
	assert_int_equal(cfg.email_resend_interval, 60);
	assert_int_equal(cfg.email_daily_limit, 10);
	assert_int_equal(cfg.email_users_per_address, 5);
	assert_int_equal(config_set(&cfg, "storage", "data_dir", "/srv/mfad", err, sizeof(err)), 0);
	assert_int_equal(config_finish(&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.mail_maildir, "/srv/mfad/mail");

	assert_int_equal(t_mail_set(&cfg, "starttls", "none"), 0);
	assert_int_equal(cfg.mail_starttls, CONFIG_STARTTLS_NONE);
	assert_int_equal(t_mail_set(&cfg, "starttls", "optional"), -1);
	assert_int_equal(t_mail_set(&cfg, "from", "no-reply@example.com"), 0);
	assert_int_equal(t_mail_set(&cfg, "from", "Name <a@b.example>"), -1);
	assert_int_equal(t_mail_set(&cfg, "from", "m\xc3\xbc@b.example"), -1);
	assert_int_equal(t_mail_set(&cfg, "timeout_s", "0"), -1);
	assert_int_equal(t_mail_set(&cfg, "timeout_s", "601"), -1);
	/* 10 minutes at most for a code. */
	assert_int_equal(t_mail_set(&cfg, "code_ttl", "601"), -1);
	assert_int_equal(t_mail_set(&cfg, "code_ttl", "600"), 0);
	assert_int_equal(t_mail_set(&cfg, "unknown", "1"), -1);

	assert_int_equal(t_mail_set(&cfg, "smtp_url", "smtps://smtp.example.com:465"), 0);
	assert_int_equal(config_finish(&cfg, err, sizeof(err)), 0);
	assert_int_equal(t_mail_set(&cfg, "smtp_url", "SMTP://smtp.example.com/helo.example"), 0);
	assert_int_equal(config_finish(&cfg, err, sizeof(err)), 0);
	assert_int_equal(t_mail_set(&cfg, "smtp_url", "smtp://user:pass@smtp.example.com"), 0);
	t_finish_fails(&cfg, "mail.credentials_file");
	assert_int_equal(t_mail_set(&cfg, "smtp_url", "http://smtp.example.com"), 0);
	t_finish_fails(&cfg, "smtp://");
	assert_int_equal(t_mail_set(&cfg, "smtp_url", "smtp://"), 0);
	t_finish_fails(&cfg, "no host");
	assert_int_equal(t_mail_set(&cfg, "smtp_url", "smtp://a.example/ x"), 0);
	t_finish_fails(&cfg, "space");
}

static void
test_retry_delay_doubles_to_max(void **state)
{
	(void)state;
	assert_int_equal(outbox_retry_delay(1), 5);
	assert_int_equal(outbox_retry_delay(2), 10);
	assert_int_equal(outbox_retry_delay(3), 20);
	assert_int_equal(outbox_retry_delay(8), 640);
	assert_int_equal(outbox_retry_delay(9), OUTBOX_RETRY_MAX_S);
	assert_int_equal(outbox_retry_delay(1000), OUTBOX_RETRY_MAX_S);
	assert_int_equal(outbox_retry_delay(0), 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_headers),
		cmocka_unit_test(test_format_message_id_random),
		cmocka_unit_test(test_format_header_injection_rejected),
		cmocka_unit_test(test_format_invalid_text_rejected),
		cmocka_unit_test(test_format_subject_rfc2047),
		cmocka_unit_test(test_format_body_quoted_printable),
		cmocka_unit_test(test_address_check),
		cmocka_unit_test(test_smtp_result_classes),
		cmocka_unit_test(test_retry_delay_doubles_to_max),
		cmocka_unit_test(test_mail_settings),
	};

	if (sodium_init() < 0)
		return 1;
	log_init(NULL, LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
