/* SPDX-License-Identifier: MIT */
/* Backend-neutral store entry points: open by URL, close, transactions, input checks. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "store/store.h"
#include "store/store_sqlite.h"

#define STORE_SQLITE_PREFIX "sqlite:"

/* Whether url starts with "scheme://", the form of a backend other than SQLite. */
static int
store_url_has_scheme(const char *url, size_t *ret_scheme_len)
{
	size_t i = 0;

	if (!isalpha((unsigned char)url[0]))
		return 0;
	while (isalnum((unsigned char)url[i]) || url[i] == '+' || url[i] == '-' || url[i] == '.')
		i++;
	if (strncmp(url + i, "://", 3) != 0)
		return 0;
	*ret_scheme_len = i;
	return 1;
}

int
store_open(const char *url, const struct store_options *opt, struct store **ret)
{
	const char *path = url;
	size_t scheme_len;

	if (url == NULL || ret == NULL) {
		log_error("event=db_error op=open err=\"missing store URL\"");
		return STORE_ERROR;
	}
	if (strncmp(url, STORE_SQLITE_PREFIX, strlen(STORE_SQLITE_PREFIX)) == 0) {
		path = url + strlen(STORE_SQLITE_PREFIX);
	} else if (store_url_has_scheme(url, &scheme_len)) {
		/* Log only the scheme: the rest of such a URL may hold a password. */
		log_error("event=db_error op=open scheme=%.*s "
		    "err=\"unsupported store URL; use sqlite:PATH or a file path\"",
		    (int)scheme_len, url);
		return STORE_ERROR;
	}
	if (path[0] == '\0') {
		log_error("event=db_error op=open err=\"store URL has an empty path\"");
		return STORE_ERROR;
	}
	return store_sqlite_open(path, opt, ret);
}

void
store_close(struct store **st)
{
	if (st == NULL || *st == NULL)
		return;
	(*st)->ops->close(*st);
	*st = NULL;
}

int
store_schema_latest(void)
{
	return store_sqlite_schema_latest();
}

int
store_tx(struct store *st, int (*fn)(struct store *st, void *arg), void *arg)
{
	int r;

	if (store_begin(st) != STORE_OK)
		return STORE_ERROR;

	r = fn(st, arg);
	if (r != STORE_OK) {
		(void)store_rollback(st);
		return r;
	}

	if (store_commit(st) != STORE_OK) {
		(void)store_rollback(st);
		return STORE_ERROR;
	}
	return STORE_OK;
}

/* Log an invalid value that op was given, and return STORE_ERROR. */
static int
store_invalid(const char *op, const char *err)
{
	log_error("event=db_error op=%s err=\"%s\"", op, err);
	return STORE_ERROR;
}

int
store_passkey_name_check(const char *name, const char *op)
{
	size_t chars = 0;
	size_t len;

	if (name == NULL)
		return store_invalid(op, "missing passkey name");
	len = strnlen(name, STORE_PASSKEY_NAME_MAX + 1);
	if (len == 0)
		return store_invalid(op, "empty passkey name");
	if (len > STORE_PASSKEY_NAME_MAX)
		return store_invalid(op, "passkey name longer than its field");

	/*
	 * Count as SQLite's length() does, so this check and the schema's CHECK
	 * agree: a byte of 0xc0 or more takes the continuation bytes (10xxxxxx)
	 * after it, and any other byte is one character. For valid UTF-8 this
	 * is the number of code points.
	 */
	for (size_t i = 0; i < len; chars++) {
		if ((unsigned char)name[i++] < 0xc0)
			continue;
		while (i < len && ((unsigned char)name[i] & 0xc0) == 0x80)
			i++;
	}
	if (chars > STORE_PASSKEY_NAME_CHARS)
		return store_invalid(op, "passkey name has too many characters");
	return STORE_OK;
}

int
store_passkey_check(const struct store_passkey *pk, const char *op)
{
	if (pk->credential_id_len == 0 || pk->credential_id_len > STORE_CREDENTIAL_ID_MAX)
		return store_invalid(op, "credential ID length out of range");
	if (pk->public_key_len == 0 || pk->public_key_len > STORE_COSE_KEY_MAX)
		return store_invalid(op, "public key length out of range");
	if (pk->sign_count < 0 || pk->sign_count > UINT32_MAX)
		return store_invalid(op, "signature counter out of range");
	if (pk->backup_state != 0 && pk->backup_eligible == 0)
		return store_invalid(op, "BS flag set without the BE flag");
	if (memchr(pk->transports, '\0', sizeof(pk->transports)) == NULL)
		return store_invalid(op, "transports longer than its field");
	if (memchr(pk->fmt, '\0', sizeof(pk->fmt)) == NULL)
		return store_invalid(op, "attestation format longer than its field");
	return store_passkey_name_check(pk->name, op);
}

int
store_webauthn_challenge_check(const struct store_webauthn_challenge *c, const char *op)
{
	if (c->kind < WEBAUTHN_CEREMONY_REGISTRATION || c->kind > WEBAUTHN_CEREMONY_PASSWORDLESS)
		return store_invalid(op, "unknown WebAuthn ceremony");
	if (c->user_verification < WEBAUTHN_UV_DISCOURAGED ||
	    c->user_verification > WEBAUTHN_UV_REQUIRED)
		return store_invalid(op, "unknown userVerification value");
	if (c->user_id < 0 || c->account_id < 0)
		return store_invalid(op, "negative id");
	if (c->kind != WEBAUTHN_CEREMONY_PASSWORDLESS && c->user_id == 0)
		return store_invalid(op, "ceremony needs a user");
	if (c->kind == WEBAUTHN_CEREMONY_REGISTRATION && !c->has_session_hash)
		return store_invalid(op, "registration needs a session hash");
	if (c->kind == WEBAUTHN_CEREMONY_SECOND_FACTOR && !c->has_mfa_challenge_hash)
		return store_invalid(op, "second factor needs a logon challenge hash");
	return STORE_OK;
}

int
store_email_address_check(const char *address, const char *op)
{
	size_t len;

	if (address == NULL)
		return store_invalid(op, "missing email address");
	len = strnlen(address, STORE_EMAIL_MAX + 1);
	if (len == 0)
		return store_invalid(op, "empty email address");
	if (len > STORE_EMAIL_MAX)
		return store_invalid(op, "email address longer than its field");
	/* A CR or LF here could add a header to a mail; no valid address has one. */
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)address[i] < 0x20 || address[i] == 0x7f)
			return store_invalid(op, "email address contains a control character");
	}
	return STORE_OK;
}

int
store_security_email_check(const struct store_security_email *e, const char *op)
{
	if (e->user_id <= 0 || e->account_id <= 0)
		return store_invalid(op, "security email needs a user and an account");
	if (store_email_address_check(e->address, op) != STORE_OK)
		return STORE_ERROR;
	return store_email_address_check(e->address_key, op);
}

int
store_email_code_check(const struct store_email_code *c, const char *op)
{
	if (c->purpose < EMAIL_CODE_VERIFY || c->purpose > EMAIL_CODE_STEP_UP)
		return store_invalid(op, "unknown email code purpose");
	if (c->user_id <= 0)
		return store_invalid(op, "email code needs a user");
	if (c->attempts < 0)
		return store_invalid(op, "negative attempts");
	if (c->purpose == EMAIL_CODE_LOGON && !c->has_logon_hash)
		return store_invalid(op, "logon code needs a logon challenge hash");
	if (store_email_address_check(c->address, op) != STORE_OK)
		return STORE_ERROR;
	return store_email_address_check(c->address_key, op);
}

int
store_outbox_message_check(const struct store_outbox_message *msg, const char *op)
{
	size_t len;

	if (store_email_address_check(msg->recipient, op) != STORE_OK)
		return STORE_ERROR;
	len = strnlen(msg->message_id, sizeof(msg->message_id));
	if (len == 0 || len == sizeof(msg->message_id))
		return store_invalid(op, "Message-ID empty or longer than its field");
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)msg->message_id[i];

		if (ch <= 0x20 || ch >= 0x7f || ch == '<' || ch == '>')
			return store_invalid(op, "Message-ID contains a character outside printable ASCII");
	}
	if (msg->data == NULL || msg->data_len == 0 || msg->data_len > STORE_OUTBOX_DATA_MAX)
		return store_invalid(op, "outbox message data empty or too long");
	if (msg->expires < 0)
		return store_invalid(op, "negative expiry");
	return STORE_OK;
}

/* Check a text field: a NUL within size bytes and no control byte. */
static int
store_audit_text_check(const char *field, size_t size, int allow_empty, const char *op,
    const char *err)
{
	size_t len = strnlen(field, size);

	if (len == size || (len == 0 && !allow_empty))
		return store_invalid(op, err);
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)field[i] < 0x20 || field[i] == 0x7f)
			return store_invalid(op, err);
	}
	return STORE_OK;
}

int
store_audit_event_check(const struct store_audit_event *e, const char *op)
{
	size_t len;

	if (e->time <= 0)
		return store_invalid(op, "audit record needs a time");
	if (e->account_id < 0 || e->user_id < 0 || e->actor_id < 0)
		return store_invalid(op, "negative id");
	len = strnlen(e->event, sizeof(e->event));
	if (len == 0 || len == sizeof(e->event))
		return store_invalid(op, "audit event name empty or longer than its field");
	for (size_t i = 0; i < len; i++) {
		char ch = e->event[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
			return store_invalid(op, "audit event name has a character outside [a-z0-9_]");
	}
	if (strcmp(e->outcome, "success") != 0 && strcmp(e->outcome, "failure") != 0)
		return store_invalid(op, "audit outcome is neither success nor failure");
	if (store_audit_text_check(e->src, sizeof(e->src), 1, op,
	    "audit source address too long or has a control character") != STORE_OK ||
	    store_audit_text_check(e->user_agent, sizeof(e->user_agent), 1, op,
	    "audit user agent too long or has a control character") != STORE_OK ||
	    store_audit_text_check(e->detail, sizeof(e->detail), 1, op,
	    "audit detail too long or has a control character") != STORE_OK)
		return STORE_ERROR;
	return STORE_OK;
}

void
store_outbox_message_clear(struct store_outbox_message *msg)
{
	if (msg == NULL || msg->data == NULL)
		return;
	/* The data may contain a one-time code. */
	explicit_bzero(msg->data, msg->data_len);
	free(msg->data);
	msg->data = NULL;
	msg->data_len = 0;
}

void
store_account_settings_default(int64_t account_id, struct store_account_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->account_id = account_id;
	s->allow_change_password = 1;
	s->session_hours = STORE_SESSION_HOURS_DEFAULT;
	s->allow_manage_mfa = 1;
	s->allow_manage_passkeys = 1;
	s->allow_manage_email = 1;
	s->allow_email_logon = 1;
	s->allow_email_step_up = 1;
}
