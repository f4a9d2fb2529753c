/* SPDX-License-Identifier: MIT */
/* RFC 5322 formatting of mfad's plain-text mails. */
#include "server/mail.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAIL_QP_LINE_MAX 76      /* characters of a quoted-printable line (RFC 2045) */
#define MAIL_WORD_INPUT_MAX 45   /* subject bytes per encoded word: 60 base64 chars, 75 in all */

/* A growing byte buffer that wipes what it held, because mails may contain a code. */
struct mail_buf {
	char *data;
	size_t len;
	size_t cap;
	int failed; /* an append ran out of memory or over the limit */
};

static void
mail_buf_free(struct mail_buf *b)
{
	if (b->data != NULL) {
		sodium_memzero(b->data, b->cap);
		free(b->data);
	}
	memset(b, 0, sizeof(*b));
}

static void
mail_buf_add(struct mail_buf *b, const char *s, size_t n)
{
	char *grown;
	size_t cap;

	if (b->failed)
		return;
	if (n > STORE_OUTBOX_DATA_MAX || b->len + n > STORE_OUTBOX_DATA_MAX) {
		b->failed = 1;
		return;
	}
	if (b->len + n > b->cap) {
		cap = b->cap == 0 ? 1024 : b->cap;
		while (cap < b->len + n)
			cap *= 2;
		/* Not realloc: it could leave a copy of the old bytes unwiped. */
		grown = malloc(cap);
		if (grown == NULL) {
			b->failed = 1;
			return;
		}
		if (b->len > 0)
			memcpy(grown, b->data, b->len);
		if (b->data != NULL) {
			sodium_memzero(b->data, b->cap);
			free(b->data);
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

static void
mail_buf_str(struct mail_buf *b, const char *s)
{
	mail_buf_add(b, s, strlen(s));
}

static void
mail_buf_printf(struct mail_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
mail_buf_printf(struct mail_buf *b, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		b->failed = 1;
		return;
	}
	mail_buf_add(b, line, (size_t)n);
}

/*
 * The length of the UTF-8 sequence at s (at most n bytes), or 0 when it is
 * invalid: overlong forms, surrogates and code points above U+10FFFF are.
 */
static size_t
mail_utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Whether s is valid UTF-8 whose only control characters are those allowed ("\t", "\r\n"...). */
static int
mail_text_valid(const char *s, size_t n, const char *allowed_controls)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	size_t len;

	while (i < n) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			if (strchr(allowed_controls, p[i]) == NULL)
				return 0;
			i++;
			continue;
		}
		len = mail_utf8_len(p + i, n - i);
		if (len == 0)
			return 0;
		i += len;
	}
	return 1;
}

int
mail_address_check(const char *address, char *err, size_t err_size)
{
	const char *at;
	size_t n;

	if (address == NULL || address[0] == '\0') {
		snprintf(err, err_size, "missing email address");
		return -1;
	}
	n = strnlen(address, STORE_EMAIL_MAX + 1);
	if (n > STORE_EMAIL_MAX) {
		snprintf(err, err_size, "email address longer than %d bytes", STORE_EMAIL_MAX);
		return -1;
	}
	if (!mail_text_valid(address, n, "") || strpbrk(address, " ()<>[],;:\\\"") != NULL) {
		snprintf(err, err_size, "email address contains a space, a control character, "
		    "invalid UTF-8 or one of ()<>[],;:\\\"");
		return -1;
	}
	at = strrchr(address, '@');
	if (at == NULL || at == address || at[1] == '\0' || strchr(address, '@') != at) {
		snprintf(err, err_size, "email address is not of the form local@domain");
		return -1;
	}
	return 0;
}

const char *
mail_address_domain(const char *address)
{
	const char *at = strrchr(address, '@');

	return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

/* Write date as RFC 5322 date-time in UTC, without locale-dependent names. */
static int
mail_date(int64_t date, char *out, size_t size)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)date;
	struct tm tm;
	int n;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 ||
	    tm.tm_mon > 11)
		return -1;
	n = snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/*
 * Add "Subject: ..." with its CRLF. Printable ASCII goes as it is. Any
 * other subject becomes RFC 2047 "B" encoded words of whole UTF-8
 * characters, one per folded line, each at most 75 characters long.
 */
static void
mail_add_subject(struct mail_buf *b, const char *subject)
{
	const unsigned char *p = (const unsigned char *)subject;
	size_t n = strlen(subject);
	char word[sodium_base64_ENCODED_LEN(MAIL_WORD_INPUT_MAX, sodium_base64_VARIANT_ORIGINAL)];
	size_t start = 0;
	int ascii = 1;

	for (size_t i = 0; i < n; i++)
		if (p[i] >= 0x7f)
			ascii = 0;
	/* "=?" in plain text would read as the start of an encoded word. */
	if (ascii && strstr(subject, "=?") == NULL) {
		mail_buf_printf(b, "Subject: %s\r\n", subject);
		return;
	}

	mail_buf_str(b, "Subject:");
	while (start < n) {
		size_t end = start;

		while (end < n) {
			size_t len = mail_utf8_len(p + end, n - end);

			if (len == 0 || end + len - start > MAIL_WORD_INPUT_MAX)
				break;
			end += len;
		}
		if (end == start) {
			b->failed = 1; /* invalid UTF-8: mail_format checked it before */
			return;
		}
		sodium_bin2base64(word, sizeof(word), p + start, end - start,
		    sodium_base64_VARIANT_ORIGINAL);
		mail_buf_printf(b, "%s=?UTF-8?B?%s?=", start == 0 ? " " : "\r\n ", word);
		start = end;
	}
	mail_buf_str(b, "\r\n");
}

/* Whether byte c may stand for itself in quoted-printable. */
static int
mail_qp_literal(unsigned char c)
{
	return (c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t';
}

/*
 * Add one line of text (without its line ending) in quoted-printable, with
 * soft line breaks so no line passes MAIL_QP_LINE_MAX characters. A
 * leading "." or "From " and trailing white space are encoded, so SMTP,
 * mbox files and relays cannot change the line.
 */
static void
mail_add_qp_line(struct mail_buf *b, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		char enc[3] = { '=', hex[s[i] >> 4], hex[s[i] & 0x0f] };
		int literal = mail_qp_literal(s[i]);
		size_t width;

		if (i == 0 && (s[0] == '.' || (n >= 5 && memcmp(s, "From ", 5) == 0)))
			literal = 0;
		if (i == n - 1 && (s[i] == ' ' || s[i] == '\t'))
			literal = 0;
		width = literal ? 1 : 3;
		/* Keep one column for the "=" of a soft break, unless this ends the line. */
		if (col + width > MAIL_QP_LINE_MAX - (i == n - 1 ? 0 : 1)) {
			mail_buf_str(b, "=\r\n");
			col = 0;
		}
		if (literal)
			mail_buf_add(b, (const char *)&s[i], 1);
		else
			mail_buf_add(b, enc, sizeof(enc));
		col += width;
	}
	mail_buf_str(b, "\r\n");
}

/* Add text as quoted-printable lines, taking LF, CRLF or a lone CR as a line end. */
static void
mail_add_body(struct mail_buf *b, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t start = 0;
	size_t i = 0;

	for (;;) {
		if (p[i] == '\0' || p[i] == '\n' || p[i] == '\r') {
			if (p[i] != '\0' || i > start)
				mail_add_qp_line(b, p + start, i - start);
			if (p[i] == '\0')
				break;
			if (p[i] == '\r' && p[i + 1] == '\n')
				i++;
			start = ++i;
			continue;
		}
		i++;
	}
}

/* Make "hex@domain" from MAIL_ID_RANDOM_LEN random bytes. */
static int
mail_make_id(const char *domain, char *out, size_t size)
{
	uint8_t random[MAIL_ID_RANDOM_LEN];
	char hex[2 * MAIL_ID_RANDOM_LEN + 1];
	int n;

	randombytes_buf(random, sizeof(random));
	sodium_bin2hex(hex, sizeof(hex), random, sizeof(random));
	n = snprintf(out, size, "%s@%s", hex, domain);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Check what mail_format is given. Returns 0, or -1 with a sentence in err. */
static int
mail_check_input(const char *from, const char *to, const char *subject, const char *text,
    char *err, size_t err_size)
{
	char detail[160];
	size_t n;

	if (mail_address_check(from, detail, sizeof(detail)) != 0) {
		snprintf(err, err_size, "invalid sender address: %s", detail);
		return -1;
	}
	if (mail_address_check(to, detail, sizeof(detail)) != 0) {
		snprintf(err, err_size, "invalid recipient address: %s", detail);
		return -1;
	}
	n = subject != NULL ? strnlen(subject, MAIL_SUBJECT_MAX + 1) : 0;
	if (n == 0 || n > MAIL_SUBJECT_MAX || !mail_text_valid(subject, n, "")) {
		snprintf(err, err_size, "subject must be 1 to %d bytes of UTF-8 without control "
		    "characters", MAIL_SUBJECT_MAX);
		return -1;
	}
	n = text != NULL ? strnlen(text, MAIL_TEXT_MAX + 1) : MAIL_TEXT_MAX + 1;
	if (n > MAIL_TEXT_MAX || !mail_text_valid(text, n, "\t\r\n")) {
		snprintf(err, err_size, "text must be at most %d bytes of UTF-8 whose only control "
		    "characters are tabs and line endings", MAIL_TEXT_MAX);
		return -1;
	}
	return 0;
}

int
mail_format(const char *from, const char *to, const char *subject, const char *text,
    int64_t date, struct mail_message *ret, char *err, size_t err_size)
{
	struct mail_buf b = { 0 };
	char message_id[STORE_MESSAGE_ID_MAX + 1];
	char when[64];
	int r = -1;

	if (mail_check_input(from, to, subject, text, err, err_size) != 0)
		goto out;
	if (mail_date(date, when, sizeof(when)) != 0) {
		snprintf(err, err_size, "date out of range");
		goto out;
	}
	if (mail_make_id(mail_address_domain(from), message_id, sizeof(message_id)) != 0) {
		snprintf(err, err_size, "sender domain too long for a Message-ID");
		goto out;
	}

	mail_buf_printf(&b, "Date: %s\r\n", when);
	mail_buf_printf(&b, "From: %s\r\n", from);
	mail_buf_printf(&b, "To: %s\r\n", to);
	mail_buf_printf(&b, "Message-ID: <%s>\r\n", message_id);
	mail_add_subject(&b, subject);
	mail_buf_str(&b, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    /* RFC 3834: marks the mail as automatic, so auto-responders do not reply. */
	    "Auto-Submitted: auto-generated\r\n"
	    "\r\n");
	mail_add_body(&b, text);
	if (b.failed) {
		snprintf(err, err_size, "message longer than %d bytes or out of memory",
		    STORE_OUTBOX_DATA_MAX);
		goto out;
	}

	memset(ret, 0, sizeof(*ret));
	ret->data = b.data;
	ret->len = b.len;
	memcpy(ret->message_id, message_id, sizeof(message_id));
	b.data = NULL; /* transferred */
	r = 0;
out:
	mail_buf_free(&b);
	return r;
}

void
mail_message_clear(struct mail_message *msg)
{
	if (msg == NULL || msg->data == NULL)
		return;
	sodium_memzero(msg->data, msg->len);
	free(msg->data);
	msg->data = NULL;
	msg->len = 0;
}
