/* SPDX-License-Identifier: MIT */
/* Table from mfad result codes to HTTP statuses, names and messages. */
#include "server/errors.h"

#include <stdio.h>

struct srv_err_entry {
	int status;
	const char *name;
	const char *message;
};

static const struct srv_err_entry srv_err_table[SRV_ERR_COUNT_] = {
	[SRV_OK] = { 200, "OK", "Success." },
	[SRV_ERR_INTERNAL] = { 500, "InternalError", "The server failed; its log has the details." },
	[SRV_ERR_MALFORMED_JSON] = { 400, "MalformedJSON", "The request body is not a JSON object." },
	[SRV_ERR_MISSING_PARAMETER] = { 400, "MissingParameter", "A required parameter is missing." },
	[SRV_ERR_INVALID_PARAMETER] = { 400, "InvalidParameter", "A parameter is invalid." },
	[SRV_ERR_NOT_AUTHENTICATED] = { 401, "NotAuthenticated",
	    "No valid session: log on first." },
	[SRV_ERR_INVALID_CREDENTIALS] = { 401, "InvalidCredentials",
	    "The principal or password is incorrect." },
	[SRV_ERR_INVALID_CHALLENGE] = { 401, "InvalidChallenge",
	    "The logon challenge is unknown, expired or used up: log on again." },
	[SRV_ERR_INVALID_MFA_CODE] = { 401, "InvalidMFACode", "The MFA code is incorrect." },
	[SRV_ERR_MFA_CODE_REUSED] = { 401, "MFACodeReused",
	    "This MFA code was already used: wait for the next code." },
	[SRV_ERR_FORBIDDEN] = { 403, "Forbidden", "The session's user may not do this." },
	[SRV_ERR_SESSION_RESTRICTED] = { 403, "SessionRestricted",
	    "This session may only finish a required logon step." },
	[SRV_ERR_UNKNOWN_ACTION] = { 404, "UnknownAction", "No such operation." },
	[SRV_ERR_USER_NOT_FOUND] = { 404, "EntityNotExist.User", "The user does not exist." },
	[SRV_ERR_PROFILE_NOT_FOUND] = { 404, "EntityNotExist.LoginProfile",
	    "The user has no login profile." },
	[SRV_ERR_DEVICE_NOT_FOUND] = { 404, "EntityNotExist.VirtualMFADevice",
	    "The user has no virtual MFA device." },
	[SRV_ERR_METHOD_NOT_ALLOWED] = { 405, "MethodNotAllowed", "Use POST." },
	[SRV_ERR_USER_EXISTS] = { 409, "EntityAlreadyExists.User", "The user already exists." },
	[SRV_ERR_PROFILE_EXISTS] = { 409, "EntityAlreadyExists.LoginProfile",
	    "The user already has a login profile." },
	[SRV_ERR_DEVICE_EXISTS] = { 409, "EntityAlreadyExists.VirtualMFADevice",
	    "The user already has a bound virtual MFA device: unbind it first." },
	[SRV_ERR_ACCOUNT_EXISTS] = { 409, "EntityAlreadyExists.Account",
	    "The account alias is taken." },
	[SRV_ERR_TOO_LARGE] = { 413, "RequestTooLarge", "The request body is too large." },
	[SRV_ERR_UNSUPPORTED_MEDIA_TYPE] = { 415, "UnsupportedMediaType",
	    "Send the body with Content-Type: application/json." },
	[SRV_ERR_LOCKED] = { 429, "LogonLocked",
	    "Too many failed attempts: logon is locked for a while." },
	[SRV_ERR_BUSY] = { 503, "ServiceBusy", "The server is busy: retry later." },
	[SRV_ERR_PASSKEY_REJECTED] = { 400, "InvalidPasskey",
	    "The passkey registration failed verification." },
	[SRV_ERR_PASSKEY_LOGON_FAILED] = { 401, "InvalidPasskey",
	    "The passkey could not be verified." },
	[SRV_ERR_SESSION_NOT_FOUND] = { 404, "EntityNotExist.Session",
	    "The user has no live session with this SessionId." },
	[SRV_ERR_ACCESS_TOKEN_NOT_FOUND] = { 404, "EntityNotExist.AccessToken",
	    "The user has no API token with this TokenId." },
	[SRV_ERR_BROWSER_NOT_FOUND] = { 404, "EntityNotExist.RememberedBrowser",
	    "The user has no remembered browser with this Id." },
	[SRV_ERR_ACCESS_TOKEN_DENIED] = { 403, "AccessTokenNotAllowed",
	    "An API token may not call this operation: log on with a password and second factor." },
	[SRV_ERR_PASSKEY_NOT_FOUND] = { 404, "EntityNotExist.Passkey",
	    "The user has no such passkey." },
	[SRV_ERR_PASSKEY_EXISTS] = { 409, "EntityAlreadyExists.Passkey",
	    "This credential is already registered." },
	[SRV_ERR_PASSKEY_NAME_EXISTS] = { 409, "EntityAlreadyExists.PasskeyName",
	    "The user already has a passkey of that name." },
	[SRV_ERR_PASSKEY_LIMIT] = { 409, "LimitExceeded.Passkey",
	    "The user has the most passkeys allowed." },
	[SRV_ERR_PASSKEY_LOGON_DISABLED] = { 403, "PasskeyLogonDisabled",
	    "The account does not allow logon with a passkey alone." },
	[SRV_ERR_THROTTLED] = { 429, "Throttling",
	    "Too many requests from this address: retry in a few seconds." },
	[SRV_ERR_EMAIL_NOT_FOUND] = { 404, "EntityNotExist.VerificationInfo",
	    "The user has no security email address." },
	[SRV_ERR_EMAIL_USERS_LIMIT] = { 409, "LimitExceeded.EmailUsers",
	    "The address is attached to the most users allowed." },
	[SRV_ERR_EMAIL_THROTTLED] = { 429, "Throttling.EmailCode",
	    "Too many email codes were requested: retry later." },
	[SRV_ERR_MFA_REQUIRED] = { 403, "MFARequired",
	    "This operation needs a second factor proven recently: call StepUp first." },
	[SRV_ERR_CSRF_TOKEN_INVALID] = { 403, "CsrfTokenInvalid",
	    "The X-CSRF-Token header is missing or does not match this session: send the "
	    "CsrfToken from Login or WhoAmI." },
	[SRV_ERR_ORIGIN_NOT_ALLOWED] = { 403, "OriginNotAllowed",
	    "The request comes from a page of another origin: post from mfad's own pages, or "
	    "add the origin to webauthn.origins." },
	[SRV_ERR_LOGIN_NETWORK_DENIED] = { 403, "LoginNetworkDenied",
	    "Logon from this network address is not allowed for this account." },
	[SRV_ERR_BAD_FORWARDED_FOR] = { 400, "InvalidForwardedFor",
	    "The X-Forwarded-For header from a trusted proxy contains an entry that is not an "
	    "address." },
	[SRV_ERR_PASSWORD_EXPIRED] = { 403, "PasswordExpired",
	    "The password has expired: ask the account owner to set a new one." },
};

static const struct srv_err_entry *
srv_err_entry(int code)
{
	if (code < 0 || code >= SRV_ERR_COUNT_ || srv_err_table[code].name == NULL)
		return &srv_err_table[SRV_ERR_INTERNAL];
	return &srv_err_table[code];
}

int
srv_err_http_status(int code)
{
	return srv_err_entry(code)->status;
}

const char *
srv_err_name(int code)
{
	return srv_err_entry(code)->name;
}

const char *
srv_err_default_message(int code)
{
	return srv_err_entry(code)->message;
}

int
srv_fail(struct srv_status *st, int code, const char *fmt, ...)
{
	va_list ap;

	if (st == NULL)
		return code;
	va_start(ap, fmt);
	vsnprintf(st->message, sizeof(st->message), fmt, ap);
	va_end(ap);
	return code;
}
