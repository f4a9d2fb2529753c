/* SPDX-License-Identifier: MIT */
/* "mfactl passkey": verify a WebAuthn registration or assertion response as mfad would. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include <mfa/cose.h>
#include <mfa/err.h>
#include <mfa/webauthn.h>

#include "cli/cli.h"

/*
 * Bytes of one file read by these commands: a response in JSON, a PEM trust
 * anchor or a COSE key. The largest response, an attestationObject of
 * MFA_WEBAUTHN_ATTESTATION_MAX bytes, takes about 88 KiB in base64url.
 */
#define PASSKEY_FILE_MAX (256 * 1024)
#define PASSKEY_ORIGINS_MAX 8
#define PASSKEY_ANCHORS_MAX 16
#define PASSKEY_ALGS_MAX 8
#define PASSKEY_EXTENSIONS_MAX 16
#define PASSKEY_STEPS_MAX 6
#define PASSKEY_NOTE_MAX 256

/* Returned in place of a libmfa code when an option's file cannot be read; never an MFA_ERR_* value. */
#define PASSKEY_SETUP_FAILED 1

struct passkey_opts {
	bool registration;          /* verify-registration, else verify-assertion */
	const char *rp_id;
	const char *origins[PASSKEY_ORIGINS_MAX];
	size_t origins_count;
	const char *challenge;      /* base64url */
	const char *anchors[PASSKEY_ANCHORS_MAX]; /* PEM file names */
	size_t anchors_count;
	int algs[PASSKEY_ALGS_MAX];
	size_t algs_count;
	const char *extensions[PASSKEY_EXTENSIONS_MAX];
	size_t extensions_count;
	int attestation;            /* mfa_webauthn_attestation_policy_t, or -1 when not given */
	int64_t time;               /* Unix seconds for certificate validity, 0 for now */
	bool require_uv;
	const char *public_key;     /* base64url COSE key, or a file holding one */
	bool have_sign_count;
	uint32_t sign_count;
	bool backup_eligible;
	bool json;
	const char *file;           /* the response, "-" for standard input */
};

/* The members of a PublicKeyCredential.toJSON() object, decoded from base64url. */
struct passkey_response {
	json_t *root;
	uint8_t *raw_id;
	size_t raw_id_len;
	uint8_t *client_data;
	size_t client_data_len;
	uint8_t *attestation;       /* registration only */
	size_t attestation_len;
	uint8_t *auth_data;         /* assertion only */
	size_t auth_data_len;
	uint8_t *sig;               /* assertion only */
	size_t sig_len;
	uint8_t *user_handle;       /* assertion only, optional */
	size_t user_handle_len;
};

/* Step results and the values to print. */
struct passkey_report {
	struct {
		const char *name;
		int code;
		char note[PASSKEY_NOTE_MAX];
	} steps[PASSKEY_STEPS_MAX];
	size_t steps_count;
	char detail[PASSKEY_NOTE_MAX];   /* why the failed step failed, beyond its code */
	json_t *result;                  /* output members, in print order */
};

static const struct {
	int alg;
	const char *name;
} passkey_algs[] = {
	{ MFA_COSE_ES256, "ES256" },
	{ MFA_COSE_EDDSA, "EdDSA" },
	{ MFA_COSE_ES384, "ES384" },
	{ MFA_COSE_ES512, "ES512" },
	{ MFA_COSE_PS256, "PS256" },
	{ MFA_COSE_RS256, "RS256" },
};

#define PASSKEY_ALGS_COUNT (sizeof(passkey_algs) / sizeof(passkey_algs[0]))

static const char *
passkey_alg_name(int alg)
{
	for (size_t i = 0; i < PASSKEY_ALGS_COUNT; i++)
		if (passkey_algs[i].alg == alg)
			return passkey_algs[i].name;
	return "unknown";
}

static const char *
passkey_attestation_type_name(mfa_webauthn_attestation_type_t type)
{
	switch (type) {
	case MFA_WEBAUTHN_ATTESTATION_TYPE_NONE:
		return "none";
	case MFA_WEBAUTHN_ATTESTATION_TYPE_SELF:
		return "self";
	case MFA_WEBAUTHN_ATTESTATION_TYPE_BASIC:
		return "basic";
	case MFA_WEBAUTHN_ATTESTATION_TYPE_ATTCA:
		return "attca";
	case MFA_WEBAUTHN_ATTESTATION_TYPE_ANONCA:
		return "anonca";
	}
	return "unknown";
}

/* ---- reading input ---- */

/*
 * Read path ("-" for standard input) into a new NUL-terminated buffer of at
 * most PASSKEY_FILE_MAX bytes. Prints why on failure. Returns 0 or -1.
 */
static int
passkey_read_file(const char *path, char **ret, size_t *ret_len)
{
	FILE *fp = NULL;
	char *buf = NULL;
	size_t len;
	int r = -1;

	fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (fp == NULL) {
		fprintf(stderr, "mfactl: failed to open %s: %s\n", path, strerror(errno));
		goto out;
	}
	/* One byte more than the limit, to tell a file at the limit from a longer one. */
	buf = malloc(PASSKEY_FILE_MAX + 2);
	if (buf == NULL) {
		fprintf(stderr, "mfactl: out of memory\n");
		goto out;
	}
	len = fread(buf, 1, PASSKEY_FILE_MAX + 1, fp);
	if (ferror(fp)) {
		fprintf(stderr, "mfactl: failed to read %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (len > PASSKEY_FILE_MAX) {
		fprintf(stderr, "mfactl: %s is over %d bytes\n", path, PASSKEY_FILE_MAX);
		goto out;
	}
	buf[len] = '\0';

	*ret = buf;
	*ret_len = len;
	buf = NULL;
	r = 0;
out:
	free(buf);
	if (fp != NULL && fp != stdin)
		fclose(fp);
	return r;
}

/* Decode base64url text into a new buffer. Returns MFA_OK or libmfa's code. */
static int
passkey_b64url_decode(const char *text, size_t text_len, uint8_t **ret, size_t *ret_len)
{
	/* Every 4 characters give 3 bytes, and a final 2 or 3 characters give 1 or 2 more. */
	size_t size = text_len / 4 * 3 + 3;
	uint8_t *buf;
	int r;

	buf = malloc(size);
	if (buf == NULL)
		return MFA_ERR_NOMEM;
	r = mfa_base64url_decode(text, text_len, buf, size, ret_len);
	if (r != MFA_OK) {
		free(buf);
		return r;
	}
	*ret = buf;
	return MFA_OK;
}

/* Encode n bytes as unpadded base64url into a new string, or return NULL. */
static char *
passkey_b64url_encode(const uint8_t *in, size_t n)
{
	size_t size = mfa_base64url_encoded_len(n, 0) + 1;
	char *text = malloc(size);

	if (text != NULL && mfa_base64url_encode(in, n, 0, text, size) != MFA_OK) {
		free(text);
		text = NULL;
	}
	return text;
}

/* ---- the report ---- */

static void passkey_vnote(char *note, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void
passkey_vnote(char *note, const char *fmt, va_list ap)
{
	vsnprintf(note, PASSKEY_NOTE_MAX, fmt, ap);
}

/* Record that step name returned code, with an optional note (fmt may be NULL). Returns code. */
static int passkey_step(struct passkey_report *rep, const char *name, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
passkey_step(struct passkey_report *rep, const char *name, int code, const char *fmt, ...)
{
	va_list ap;

	if (rep->steps_count >= PASSKEY_STEPS_MAX)
		return code;
	rep->steps[rep->steps_count].name = name;
	rep->steps[rep->steps_count].code = code;
	rep->steps[rep->steps_count].note[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		passkey_vnote(rep->steps[rep->steps_count].note, fmt, ap);
		va_end(ap);
	}
	rep->steps_count++;
	return code;
}

static void passkey_detail(struct passkey_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
passkey_detail(struct passkey_report *rep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	passkey_vnote(rep->detail, fmt, ap);
	va_end(ap);
}

/* Return the code of the first failed step, or MFA_OK. */
static int
passkey_failed_code(const struct passkey_report *rep)
{
	for (size_t i = 0; i < rep->steps_count; i++)
		if (rep->steps[i].code != MFA_OK)
			return rep->steps[i].code;
	return MFA_OK;
}

/* Add a base64url member to the result, or JSON null when the bytes are absent. */
static void
passkey_result_b64url(struct passkey_report *rep, const char *key, const uint8_t *in, size_t n)
{
	char *text = in != NULL ? passkey_b64url_encode(in, n) : NULL;

	json_object_set_new(rep->result, key, text != NULL ? json_string(text) : json_null());
	free(text);
}

/* Add flags as a number and as a list of the WebAuthn flag names. */
static void
passkey_result_flags(struct passkey_report *rep, uint8_t flags)
{
	static const struct {
		uint8_t bit;
		const char *name;
	} names[] = {
		{ MFA_WEBAUTHN_FLAG_UP, "UP" }, { MFA_WEBAUTHN_FLAG_UV, "UV" },
		{ MFA_WEBAUTHN_FLAG_BE, "BE" }, { MFA_WEBAUTHN_FLAG_BS, "BS" },
		{ MFA_WEBAUTHN_FLAG_AT, "AT" }, { MFA_WEBAUTHN_FLAG_ED, "ED" },
	};
	json_t *list = json_array();

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((flags & names[i].bit) != 0)
			json_array_append_new(list, json_string(names[i].name));
	json_object_set_new(rep->result, "flags", json_integer(flags));
	json_object_set_new(rep->result, "flag_names", list);
}

static void
passkey_print_value(const json_t *v)
{
	size_t i;
	const json_t *item;

	if (json_is_string(v))
		fputs(json_string_value(v), stdout);
	else if (json_is_integer(v))
		printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_boolean(v))
		fputs(json_is_true(v) ? "yes" : "no", stdout);
	else if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			if (i > 0)
				fputc(' ', stdout);
			passkey_print_value(item);
		}
	} else
		fputs("-", stdout);
}

/* Print one line per step, then the result members as "key: value" lines. */
static void
passkey_print_text(const struct passkey_report *rep)
{
	const char *key;
	json_t *v;
	int code = passkey_failed_code(rep);

	for (size_t i = 0; i < rep->steps_count; i++) {
		int c = rep->steps[i].code;

		printf("%-22s %s", rep->steps[i].name, c == MFA_OK ? "ok" : "FAILED");
		if (c != MFA_OK)
			printf(" %s: %s", mfa_strerror_name(c), mfa_strerror(c));
		if (rep->steps[i].note[0] != '\0')
			printf(" (%s)", rep->steps[i].note);
		fputc('\n', stdout);
	}
	if (code != MFA_OK && rep->detail[0] != '\0')
		printf("%s\n", rep->detail);
	if (code != MFA_OK)
		return;

	json_object_foreach(rep->result, key, v) {
		printf("%s: ", key);
		passkey_print_value(v);
		fputc('\n', stdout);
	}
}

/* Print the whole report as one JSON object. */
static void
passkey_print_json(const struct passkey_report *rep, const char *ceremony)
{
	json_t *root = json_object();
	json_t *steps = json_array();
	int code = passkey_failed_code(rep);
	char *text;

	for (size_t i = 0; i < rep->steps_count; i++) {
		json_t *s = json_object();

		json_object_set_new(s, "step", json_string(rep->steps[i].name));
		json_object_set_new(s, "result", json_string(mfa_strerror_name(rep->steps[i].code)));
		if (rep->steps[i].note[0] != '\0')
			json_object_set_new(s, "note", json_string(rep->steps[i].note));
		json_array_append_new(steps, s);
	}
	json_object_set_new(root, "ceremony", json_string(ceremony));
	json_object_set_new(root, "verified", json_boolean(code == MFA_OK));
	json_object_set_new(root, "steps", steps);
	json_object_set_new(root, "failed_step",
	    code == MFA_OK ? json_null() : json_string(mfa_strerror_name(code)));
	if (code != MFA_OK) {
		json_object_set_new(root, "error", json_string(mfa_strerror(code)));
		if (rep->detail[0] != '\0')
			json_object_set_new(root, "detail", json_string(rep->detail));
	} else
		json_object_update(root, rep->result);

	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text != NULL)
		printf("%s\n", text);
	free(text);
	json_decref(root);
}

/* ---- the response file ---- */

static void
passkey_response_clear(struct passkey_response *resp)
{
	json_decref(resp->root);
	free(resp->raw_id);
	free(resp->client_data);
	free(resp->attestation);
	free(resp->auth_data);
	free(resp->sig);
	free(resp->user_handle);
	memset(resp, 0, sizeof(*resp));
}

/*
 * Decode the base64url string member key of obj (named where in notes).
 * A missing or null optional member leaves *ret NULL. Returns MFA_OK,
 * MFA_ERR_MALFORMED_JSON, MFA_ERR_BAD_ENCODING or MFA_ERR_NOMEM.
 */
static int
passkey_member(json_t *obj, const char *where, const char *key, bool required, uint8_t **ret,
    size_t *ret_len, char *note)
{
	json_t *v = json_object_get(obj, key);
	int r;

	if (!required && (v == NULL || json_is_null(v)))
		return MFA_OK;
	if (!json_is_string(v)) {
		snprintf(note, PASSKEY_NOTE_MAX, "%s%s is %s", where, key,
		    v == NULL ? "missing" : "not a string");
		return MFA_ERR_MALFORMED_JSON;
	}
	r = passkey_b64url_decode(json_string_value(v), json_string_length(v), ret, ret_len);
	if (r == MFA_ERR_BAD_ENCODING || r == MFA_ERR_BUFFER_TOO_SMALL) {
		snprintf(note, PASSKEY_NOTE_MAX, "%s%s is not base64url", where, key);
		return MFA_ERR_BAD_ENCODING;
	}
	return r;
}

/* Check type and id, and decode rawId. */
static int
passkey_parse_credential(struct passkey_response *resp, char *note)
{
	json_t *type = json_object_get(resp->root, "type");
	uint8_t *id = NULL;
	size_t id_len = 0;
	int r;

	if (!json_is_string(type) || strcmp(json_string_value(type), "public-key") != 0) {
		snprintf(note, PASSKEY_NOTE_MAX, "type is not \"public-key\"");
		return MFA_ERR_MALFORMED_JSON;
	}
	r = passkey_member(resp->root, "", "rawId", true, &resp->raw_id, &resp->raw_id_len, note);
	if (r != MFA_OK)
		return r;
	r = passkey_member(resp->root, "", "id", true, &id, &id_len, note);
	if (r != MFA_OK)
		return r;

	/* WebAuthn sets id to base64url(rawId); a client that sends two IDs is broken. */
	if (id_len != resp->raw_id_len || memcmp(id, resp->raw_id, id_len) != 0) {
		snprintf(note, PASSKEY_NOTE_MAX, "id is not the base64url of rawId");
		r = MFA_ERR_WEBAUTHN_CREDENTIAL_ID;
	}
	free(id);
	return r;
}

/* Decode the members of response that the ceremony uses. */
static int
passkey_parse_members(struct passkey_response *resp, bool registration, char *note)
{
	json_t *obj = json_object_get(resp->root, "response");
	int r;

	if (!json_is_object(obj)) {
		snprintf(note, PASSKEY_NOTE_MAX, "response is %s",
		    obj == NULL ? "missing" : "not an object");
		return MFA_ERR_MALFORMED_JSON;
	}
	r = passkey_member(obj, "response.", "clientDataJSON", true, &resp->client_data,
	    &resp->client_data_len, note);
	if (r != MFA_OK)
		return r;
	if (registration)
		return passkey_member(obj, "response.", "attestationObject", true,
		    &resp->attestation, &resp->attestation_len, note);

	r = passkey_member(obj, "response.", "authenticatorData", true, &resp->auth_data,
	    &resp->auth_data_len, note);
	if (r == MFA_OK)
		r = passkey_member(obj, "response.", "signature", true, &resp->sig,
		    &resp->sig_len, note);
	if (r == MFA_OK)
		r = passkey_member(obj, "response.", "userHandle", false, &resp->user_handle,
		    &resp->user_handle_len, note);
	return r;
}

/*
 * Parse len bytes of a PublicKeyCredential in the JSON form of
 * PublicKeyCredential.toJSON(). Unknown members are ignored, as browsers
 * add some (publicKey, transports, clientExtensionResults). Writes why it
 * failed to note. Returns MFA_OK or a libmfa code for the step.
 */
static int
passkey_parse_response(const char *text, size_t len, bool registration,
    struct passkey_response *resp, char *note)
{
	json_error_t jerr;
	int r;

	resp->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (resp->root == NULL) {
		snprintf(note, PASSKEY_NOTE_MAX, "line %d: %s", jerr.line, jerr.text);
		return MFA_ERR_MALFORMED_JSON;
	}
	if (!json_is_object(resp->root)) {
		snprintf(note, PASSKEY_NOTE_MAX, "not a JSON object");
		return MFA_ERR_MALFORMED_JSON;
	}

	r = passkey_parse_credential(resp, note);
	if (r != MFA_OK)
		return r;
	return passkey_parse_members(resp, registration, note);
}

/* ---- verification ---- */

/* The checks of both ceremonies, built from the command line. */
struct passkey_ceremony {
	uint8_t challenge[MFA_WEBAUTHN_CHALLENGE_MAX];
	size_t challenge_len;
	mfa_webauthn_ceremony_t c;
};

static void
passkey_ceremony_init(const struct passkey_opts *o, struct passkey_ceremony *pc)
{
	/* The challenge was decoded into pc->challenge when the options were parsed. */
	pc->c.challenge = pc->challenge;
	pc->c.challenge_len = pc->challenge_len;
	pc->c.rp_id = o->rp_id;
	pc->c.origins = o->origins;
	pc->c.origins_count = o->origins_count;
	pc->c.require_user_verification = o->require_uv;
	pc->c.extensions = o->extensions;
	pc->c.extensions_count = o->extensions_count;
}

/*
 * Parse clientDataJSON for its step note and for explaining a later
 * failure; the verify call parses and checks it again. Returns MFA_OK or
 * the parse error.
 */
static int
passkey_client_data(struct passkey_report *rep, const struct passkey_response *resp,
    mfa_webauthn_client_data_t **ret_cd)
{
	mfa_webauthn_client_data_t *cd = NULL;
	int r;

	r = mfa_webauthn_client_data_parse(resp->client_data, resp->client_data_len, &cd);
	if (r != MFA_OK)
		return passkey_step(rep, "clientDataJSON", r, NULL);
	passkey_step(rep, "clientDataJSON", MFA_OK, "type %s, origin %s",
	    mfa_webauthn_client_data_type(cd), mfa_webauthn_client_data_origin(cd));
	*ret_cd = cd;
	return MFA_OK;
}

/* Explain a failure of the checks on clientDataJSON by its values and the expected ones. */
static void
passkey_explain_client_data(struct passkey_report *rep, int code, const struct passkey_opts *o,
    const mfa_webauthn_client_data_t *cd)
{
	const uint8_t *challenge;
	size_t challenge_len = 0;
	char *text;

	switch (code) {
	case MFA_ERR_WEBAUTHN_TYPE:
		passkey_detail(rep, "clientDataJSON type is \"%s\", expected \"%s\"",
		    mfa_webauthn_client_data_type(cd),
		    o->registration ? "webauthn.create" : "webauthn.get");
		break;
	case MFA_ERR_WEBAUTHN_CHALLENGE:
		challenge = mfa_webauthn_client_data_challenge(cd, &challenge_len);
		text = passkey_b64url_encode(challenge, challenge_len);
		passkey_detail(rep, "clientDataJSON challenge is %s, expected %s (--challenge)",
		    text != NULL ? text : "?", o->challenge);
		free(text);
		break;
	case MFA_ERR_WEBAUTHN_ORIGIN:
		passkey_detail(rep, "clientDataJSON origin is %s, expected %s%s (--origin)",
		    mfa_webauthn_client_data_origin(cd), o->origins[0],
		    o->origins_count > 1 ? " or another" : "");
		break;
	case MFA_ERR_WEBAUTHN_TOP_ORIGIN:
		passkey_detail(rep, "clientDataJSON topOrigin is %s",
		    mfa_webauthn_client_data_top_origin(cd) != NULL ?
		    mfa_webauthn_client_data_top_origin(cd) : "missing");
		break;
	default:
		break;
	}
}

/* Explain a failure of the checks on authenticator data and options. */
static void
passkey_explain(struct passkey_report *rep, int code, const struct passkey_opts *o,
    const mfa_webauthn_client_data_t *cd, const mfa_webauthn_auth_data_t *ad)
{
	switch (code) {
	case MFA_ERR_WEBAUTHN_RP_ID_HASH:
		passkey_detail(rep, "rpIdHash is not SHA-256 of \"%s\" (--rp-id): the credential "
		    "belongs to another RP ID", o->rp_id);
		break;
	case MFA_ERR_WEBAUTHN_USER_VERIFIED:
		passkey_detail(rep, "flag UV is not set but --user-verification is required");
		break;
	case MFA_ERR_WEBAUTHN_SIGN_COUNT:
		if (ad != NULL)
			passkey_detail(rep, "sign count is %u, stored %u (--sign-count): the "
			    "authenticator may be cloned", ad->sign_count, o->sign_count);
		break;
	case MFA_ERR_WEBAUTHN_BACKUP_ELIGIBILITY_CHANGED:
		if (ad != NULL)
			passkey_detail(rep, "flag BE is %d, stored %d (--backup-eligible)",
			    (ad->flags & MFA_WEBAUTHN_FLAG_BE) != 0, o->backup_eligible);
		break;
	case MFA_ERR_WEBAUTHN_ALGORITHM:
		passkey_detail(rep, "the credential's algorithm is not one of --alg");
		break;
	case MFA_ERR_WEBAUTHN_ATTESTATION_TRUST:
		passkey_detail(rep, "the attestation does not chain to a --trust-anchor");
		break;
	default:
		if (cd != NULL)
			passkey_explain_client_data(rep, code, o, cd);
		break;
	}
}

/* Load every --trust-anchor file into a new set of trust anchors. Prints why on failure. */
static int
passkey_load_trust(const struct passkey_opts *o, mfa_webauthn_trust_t **ret_trust)
{
	mfa_webauthn_trust_t *trust = NULL;
	char *pem = NULL;
	size_t len = 0;
	int code;
	int r = -1;

	code = mfa_webauthn_trust_new(&trust);
	if (code != MFA_OK) {
		fprintf(stderr, "mfactl: failed to create the trust anchors: %s\n", mfa_strerror(code));
		goto out;
	}
	for (size_t i = 0; i < o->anchors_count; i++) {
		if (passkey_read_file(o->anchors[i], &pem, &len) != 0)
			goto out;
		code = mfa_webauthn_trust_add_pem(trust, pem, len);
		free(pem);
		pem = NULL;
		if (code != MFA_OK) {
			fprintf(stderr, "mfactl: --trust-anchor %s: %s\n", o->anchors[i],
			    mfa_strerror(code));
			goto out;
		}
	}

	*ret_trust = trust;
	trust = NULL;
	r = 0;
out:
	free(pem);
	mfa_webauthn_trust_free(&trust);
	return r;
}

static void
passkey_registration_result(struct passkey_report *rep, const mfa_webauthn_credential_t *cred)
{
	const uint8_t *g = cred->aaguid;
	char aaguid[40];

	snprintf(aaguid, sizeof(aaguid),
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7],
	    g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);

	json_object_set_new(rep->result, "format", json_string(cred->fmt));
	json_object_set_new(rep->result, "attestation_type",
	    json_string(passkey_attestation_type_name(cred->attestation_type)));
	json_object_set_new(rep->result, "attestation_trusted",
	    json_boolean(cred->attestation_trusted));
	json_object_set_new(rep->result, "algorithm", json_integer(cred->alg));
	json_object_set_new(rep->result, "algorithm_name", json_string(passkey_alg_name(cred->alg)));
	json_object_set_new(rep->result, "aaguid", json_string(aaguid));
	passkey_result_flags(rep, cred->flags);
	json_object_set_new(rep->result, "sign_count", json_integer(cred->sign_count));
	passkey_result_b64url(rep, "credential_id", cred->cred_id, cred->cred_id_len);
	passkey_result_b64url(rep, "public_key", cred->cose_key, cred->cose_key_len);
}

/*
 * Verify the registration response in text and fill rep. Returns 0 when
 * rep is ready to print (verified or not), -1 after printing why the
 * options could not be used.
 */
static int
passkey_registration(const struct passkey_opts *o, const struct passkey_ceremony *pc,
    const char *text, size_t len, struct passkey_report *rep)
{
	struct passkey_response resp = { 0 };
	mfa_webauthn_registration_options_t ro = { 0 };
	mfa_webauthn_client_data_t *cd = NULL;
	mfa_webauthn_trust_t *trust = NULL;
	mfa_webauthn_credential_t cred;
	char note[PASSKEY_NOTE_MAX] = "";
	int code;
	int r = -1;

	if (o->anchors_count > 0 && passkey_load_trust(o, &trust) != 0)
		goto out;
	r = 0;

	code = passkey_parse_response(text, len, true, &resp, note);
	if (passkey_step(rep, "response", code, "%s", note) != MFA_OK)
		goto out;
	if (passkey_client_data(rep, &resp, &cd) != MFA_OK)
		goto out;

	ro.ceremony = pc->c;
	ro.algs = o->algs;
	ro.algs_count = o->algs_count;
	ro.attestation = (mfa_webauthn_attestation_policy_t)o->attestation;
	ro.trust = trust;
	ro.raw_id = resp.raw_id;
	ro.raw_id_len = resp.raw_id_len;
	ro.time = o->time;
	code = mfa_webauthn_registration_verify(&ro, resp.client_data, resp.client_data_len,
	    resp.attestation, resp.attestation_len, &cred);
	if (passkey_step(rep, "verify registration", code, NULL) != MFA_OK) {
		passkey_explain(rep, code, o, cd, NULL);
		goto out;
	}
	passkey_registration_result(rep, &cred);
out:
	mfa_webauthn_client_data_free(&cd);
	mfa_webauthn_trust_free(&trust);
	passkey_response_clear(&resp);
	return r;
}

/* Strip ASCII whitespace from both ends of text in place and return its new length. */
static size_t
passkey_trim(char *text, size_t len)
{
	size_t start = 0;

	while (len > 0 && strchr(" \t\r\n", text[len - 1]) != NULL)
		len--;
	while (start < len && strchr(" \t\r\n", text[start]) != NULL)
		start++;
	memmove(text, text + start, len - start);
	text[len - start] = '\0';
	return len - start;
}

/*
 * Get the bytes of --public-key: the base64url text itself, or the
 * contents of the file it names, as base64url text or as raw CBOR.
 */
static int
passkey_key_bytes(const char *value, uint8_t **ret, size_t *ret_len)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	int r;

	if (stat(value, &st) != 0)
		return passkey_b64url_decode(value, strlen(value), ret, ret_len);

	if (passkey_read_file(value, &text, &len) != 0)
		return PASSKEY_SETUP_FAILED;
	len = passkey_trim(text, len);
	r = passkey_b64url_decode(text, len, ret, ret_len);
	if (r == MFA_ERR_BAD_ENCODING) {
		/* A COSE key in CBOR starts with a map header (0xa0 to 0xbf), never base64url. */
		*ret = (uint8_t *)text;
		*ret_len = len;
		return MFA_OK;
	}
	free(text);
	return r;
}

/* Parse --public-key as the "public key" step. Returns a libmfa code or PASSKEY_SETUP_FAILED. */
static int
passkey_public_key(const struct passkey_opts *o, struct passkey_report *rep, mfa_cose_key_t **ret)
{
	uint8_t *cbor = NULL;
	size_t len = 0;
	int code;

	code = passkey_key_bytes(o->public_key, &cbor, &len);
	if (code == PASSKEY_SETUP_FAILED)
		return code;
	if (code != MFA_OK)
		return passkey_step(rep, "public key", code, "--public-key is neither a file nor base64url");

	code = mfa_cose_key_parse(cbor, len, ret);
	free(cbor);
	if (code != MFA_OK)
		return passkey_step(rep, "public key", code, NULL);
	return passkey_step(rep, "public key", MFA_OK, "%s (%d)", passkey_alg_name(mfa_cose_key_alg(*ret)),
	    mfa_cose_key_alg(*ret));
}

/* Parse authenticatorData for its step note and for explaining a later failure. */
static int
passkey_auth_data(struct passkey_report *rep, const struct passkey_response *resp,
    mfa_webauthn_auth_data_t *ad)
{
	int code = mfa_webauthn_auth_data_parse(resp->auth_data, resp->auth_data_len, ad);

	if (code != MFA_OK)
		return passkey_step(rep, "authenticatorData", code, NULL);
	return passkey_step(rep, "authenticatorData", MFA_OK, "flags 0x%02x, sign count %u",
	    ad->flags, ad->sign_count);
}

static void
passkey_assertion_result(struct passkey_report *rep, const struct passkey_response *resp,
    const mfa_webauthn_assertion_result_t *res)
{
	passkey_result_flags(rep, res->flags);
	json_object_set_new(rep->result, "sign_count", json_integer(res->sign_count));
	passkey_result_b64url(rep, "credential_id", resp->raw_id, resp->raw_id_len);
	passkey_result_b64url(rep, "user_handle", resp->user_handle, resp->user_handle_len);
}

/* Verify the assertion response in text and fill rep. Returns as passkey_registration() does. */
static int
passkey_assertion(const struct passkey_opts *o, const struct passkey_ceremony *pc,
    const char *text, size_t len, struct passkey_report *rep)
{
	struct passkey_response resp = { 0 };
	mfa_webauthn_assertion_options_t ao = { 0 };
	mfa_webauthn_assertion_result_t res;
	mfa_webauthn_client_data_t *cd = NULL;
	mfa_webauthn_auth_data_t ad;
	mfa_cose_key_t *key = NULL;
	char note[PASSKEY_NOTE_MAX] = "";
	int code;
	int r = -1;

	code = passkey_public_key(o, rep, &key);
	if (code == PASSKEY_SETUP_FAILED)
		goto out;
	r = 0;
	if (code != MFA_OK)
		goto out;

	code = passkey_parse_response(text, len, false, &resp, note);
	if (passkey_step(rep, "response", code, "%s", note) != MFA_OK)
		goto out;
	if (passkey_client_data(rep, &resp, &cd) != MFA_OK)
		goto out;
	if (passkey_auth_data(rep, &resp, &ad) != MFA_OK)
		goto out;

	ao.ceremony = pc->c;
	ao.key = key;
	ao.stored_sign_count = o->sign_count;
	ao.stored_backup_eligible = o->backup_eligible;
	code = mfa_webauthn_assertion_verify(&ao, resp.client_data, resp.client_data_len,
	    resp.auth_data, resp.auth_data_len, resp.sig, resp.sig_len, &res);
	if (passkey_step(rep, "verify assertion", code, NULL) != MFA_OK) {
		passkey_explain(rep, code, o, cd, &ad);
		goto out;
	}
	passkey_assertion_result(rep, &resp, &res);
out:
	mfa_webauthn_client_data_free(&cd);
	mfa_cose_key_free(&key);
	passkey_response_clear(&resp);
	return r;
}

/* ---- the command line ---- */

static void
passkey_usage(FILE *out)
{
	fprintf(out,
	    "usage: mfactl passkey verify-registration --rp-id ID --origin ORIGIN --challenge B64URL\n"
	    "           [--attestation none|optional|required] [--trust-anchor PEM_FILE]...\n"
	    "           [--alg ALG]... [--time UNIX_SECONDS]\n"
	    "           [--user-verification required|preferred|discouraged]\n"
	    "           [--extension ID]... [--json] FILE\n"
	    "       mfactl passkey verify-assertion --rp-id ID --origin ORIGIN --challenge B64URL\n"
	    "           --public-key COSE_B64URL_OR_FILE --sign-count N [--backup-eligible 0|1]\n"
	    "           [--user-verification ...] [--extension ID]... [--json] FILE\n"
	    "\n"
	    "FILE (- for standard input) is a response as PublicKeyCredential.toJSON() returns it.\n"
	    "--origin and --extension may be repeated; --alg (ES256, EdDSA, ES384, ES512, PS256,\n"
	    "RS256 or a COSE number) lists the algorithms offered, all of them by default.\n"
	    "--time checks attestation certificates at that time instead of now.\n");
}

/* Append value to a list of at most max entries. */
static int
passkey_append(const char **list, size_t *count, size_t max, const char *opt, const char *value)
{
	if (*count >= max) {
		fprintf(stderr, "mfactl: %s may be given at most %zu times\n", opt, max);
		return -1;
	}
	list[(*count)++] = value;
	return 0;
}

static int
passkey_unsigned(const char *opt, const char *value, unsigned long long max,
    unsigned long long *ret)
{
	char *end = NULL;
	unsigned long long v;

	errno = 0;
	v = strtoull(value, &end, 10);
	if (value[0] < '0' || value[0] > '9' || errno != 0 || *end != '\0' || v > max) {
		fprintf(stderr, "mfactl: %s must be an integer from 0 to %llu\n", opt, max);
		return -1;
	}
	*ret = v;
	return 0;
}

static int
passkey_alg_option(struct passkey_opts *o, const char *value)
{
	char *end = NULL;
	long v;

	if (o->algs_count >= PASSKEY_ALGS_MAX) {
		fprintf(stderr, "mfactl: --alg may be given at most %d times\n", PASSKEY_ALGS_MAX);
		return -1;
	}
	for (size_t i = 0; i < PASSKEY_ALGS_COUNT; i++) {
		if (strcmp(value, passkey_algs[i].name) == 0) {
			o->algs[o->algs_count++] = passkey_algs[i].alg;
			return 0;
		}
	}
	/* Any COSE number is accepted, so that an unsupported one can be offered for testing. */
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < -65536 || v > 65535) {
		fprintf(stderr, "mfactl: --alg must be ES256, EdDSA, ES384, ES512, PS256, RS256 "
		    "or a COSE algorithm number, not '%s'\n", value);
		return -1;
	}
	o->algs[o->algs_count++] = (int)v;
	return 0;
}

static int
passkey_challenge_option(struct passkey_ceremony *pc, const char *value)
{
	int code = mfa_base64url_decode(value, strlen(value), pc->challenge,
	    sizeof(pc->challenge), &pc->challenge_len);

	if (code != MFA_OK || pc->challenge_len == 0) {
		fprintf(stderr, "mfactl: --challenge must be base64url of 1 to %d bytes\n",
		    MFA_WEBAUTHN_CHALLENGE_MAX);
		return -1;
	}
	return 0;
}

/* Options of both commands. Returns 1 when handled, 0 when not one of them, -1 on error. */
static int
passkey_common_option(struct passkey_opts *o, struct passkey_ceremony *pc, const char *opt,
    const char *value)
{
	if (strcmp(opt, "--rp-id") == 0)
		o->rp_id = value;
	else if (strcmp(opt, "--origin") == 0)
		return passkey_append(o->origins, &o->origins_count, PASSKEY_ORIGINS_MAX, opt,
		    value) == 0 ? 1 : -1;
	else if (strcmp(opt, "--extension") == 0)
		return passkey_append(o->extensions, &o->extensions_count, PASSKEY_EXTENSIONS_MAX,
		    opt, value) == 0 ? 1 : -1;
	else if (strcmp(opt, "--challenge") == 0) {
		o->challenge = value;
		return passkey_challenge_option(pc, value) == 0 ? 1 : -1;
	} else if (strcmp(opt, "--user-verification") == 0) {
		if (strcmp(value, "required") != 0 && strcmp(value, "preferred") != 0 &&
		    strcmp(value, "discouraged") != 0) {
			fprintf(stderr, "mfactl: --user-verification must be required, preferred "
			    "or discouraged\n");
			return -1;
		}
		/* Only "required" changes what the relying party checks. */
		o->require_uv = strcmp(value, "required") == 0;
	} else
		return 0;
	return 1;
}

static int
passkey_registration_option(struct passkey_opts *o, const char *opt, const char *value)
{
	unsigned long long v;

	if (strcmp(opt, "--trust-anchor") == 0)
		return passkey_append(o->anchors, &o->anchors_count, PASSKEY_ANCHORS_MAX, opt,
		    value) == 0 ? 1 : -1;
	if (strcmp(opt, "--alg") == 0)
		return passkey_alg_option(o, value) == 0 ? 1 : -1;
	if (strcmp(opt, "--time") == 0) {
		/* From 1, because libmfa takes 0 as the current time. */
		if (passkey_unsigned(opt, value, INT64_MAX, &v) != 0 || v == 0) {
			fprintf(stderr, "mfactl: --time must be Unix seconds after 1970-01-01T00:00:00Z\n");
			return -1;
		}
		o->time = (int64_t)v;
		return 1;
	}
	if (strcmp(opt, "--attestation") != 0)
		return 0;

	if (strcmp(value, "none") == 0)
		o->attestation = MFA_WEBAUTHN_ATTESTATION_NONE;
	else if (strcmp(value, "optional") == 0)
		o->attestation = MFA_WEBAUTHN_ATTESTATION_OPTIONAL;
	else if (strcmp(value, "required") == 0)
		o->attestation = MFA_WEBAUTHN_ATTESTATION_REQUIRED;
	else {
		fprintf(stderr, "mfactl: --attestation must be none, optional or required\n");
		return -1;
	}
	return 1;
}

static int
passkey_assertion_option(struct passkey_opts *o, const char *opt, const char *value)
{
	unsigned long long v;

	if (strcmp(opt, "--public-key") == 0) {
		o->public_key = value;
	} else if (strcmp(opt, "--sign-count") == 0) {
		if (passkey_unsigned(opt, value, UINT32_MAX, &v) != 0)
			return -1;
		o->sign_count = (uint32_t)v;
		o->have_sign_count = true;
	} else if (strcmp(opt, "--backup-eligible") == 0) {
		if (passkey_unsigned(opt, value, 1, &v) != 0)
			return -1;
		o->backup_eligible = v == 1;
	} else
		return 0;
	return 1;
}

/* Handle one option with a value. Returns 0 or -1 after printing why. */
static int
passkey_option(struct passkey_opts *o, struct passkey_ceremony *pc, const char *opt,
    const char *value)
{
	int r = passkey_common_option(o, pc, opt, value);

	if (r == 0)
		r = o->registration ? passkey_registration_option(o, opt, value) :
		    passkey_assertion_option(o, opt, value);
	if (r == 0)
		fprintf(stderr, "mfactl: unknown option %s for passkey %s\n", opt,
		    o->registration ? "verify-registration" : "verify-assertion");
	return r < 0 || r == 0 ? -1 : 0;
}

/* Check the required options and fill in defaults. Returns 0 or -1 after printing why. */
static int
passkey_finish_options(struct passkey_opts *o)
{
	if (o->rp_id == NULL || o->origins_count == 0 || o->challenge == NULL) {
		fprintf(stderr, "mfactl: --rp-id, --origin and --challenge are required\n");
		return -1;
	}
	if (o->file == NULL) {
		fprintf(stderr, "mfactl: give the response FILE, or - for standard input\n");
		return -1;
	}
	if (!o->registration && (o->public_key == NULL || !o->have_sign_count)) {
		fprintf(stderr, "mfactl: --public-key and --sign-count are required\n");
		return -1;
	}
	if (!o->registration)
		return 0;

	/* Trust anchors are only read when attestation trust is evaluated. */
	if (o->attestation < 0)
		o->attestation = o->anchors_count > 0 ? MFA_WEBAUTHN_ATTESTATION_OPTIONAL :
		    MFA_WEBAUTHN_ATTESTATION_NONE;
	if (o->attestation != MFA_WEBAUTHN_ATTESTATION_NONE && o->anchors_count == 0) {
		fprintf(stderr, "mfactl: --attestation optional or required needs --trust-anchor\n");
		return -1;
	}
	if (o->attestation == MFA_WEBAUTHN_ATTESTATION_NONE && o->anchors_count > 0) {
		fprintf(stderr, "mfactl: --trust-anchor has no effect with --attestation none\n");
		return -1;
	}
	for (size_t i = 0; o->algs_count == 0 && i < PASSKEY_ALGS_COUNT; i++)
		o->algs[i] = passkey_algs[i].alg;
	if (o->algs_count == 0)
		o->algs_count = PASSKEY_ALGS_COUNT;
	return 0;
}

/* Parse argv[2..]: options, --json and one FILE. Returns 0, 1 for --help, or -1. */
static int
passkey_parse(int argc, char **argv, struct passkey_opts *o, struct passkey_ceremony *pc)
{
	memset(o, 0, sizeof(*o));
	memset(pc, 0, sizeof(*pc));
	o->registration = strcmp(argv[1], "verify-registration") == 0;
	o->attestation = -1;

	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return 1;
		if (strcmp(arg, "--json") == 0) {
			o->json = true;
		} else if (strncmp(arg, "--", 2) != 0) {
			if (o->file != NULL) {
				fprintf(stderr, "mfactl: only one response FILE may be given\n");
				return -1;
			}
			o->file = arg;
		} else if (i + 1 >= argc) {
			fprintf(stderr, "mfactl: %s needs a value\n", arg);
			return -1;
		} else if (passkey_option(o, pc, arg, argv[++i]) != 0) {
			return -1;
		}
	}
	return passkey_finish_options(o);
}

int
cmd_passkey(int argc, char **argv)
{
	struct passkey_opts o;
	struct passkey_ceremony pc;
	struct passkey_report rep = { 0 };
	char *text = NULL;
	size_t len = 0;
	int r = CLI_USAGE;

	if (argc < 2 || (strcmp(argv[1], "verify-registration") != 0 &&
	    strcmp(argv[1], "verify-assertion") != 0)) {
		passkey_usage(stderr);
		return CLI_USAGE;
	}
	switch (passkey_parse(argc, argv, &o, &pc)) {
	case 0:
		break;
	case 1:
		passkey_usage(stdout);
		return CLI_OK;
	default:
		return CLI_USAGE;
	}
	passkey_ceremony_init(&o, &pc);

	r = CLI_FAILED;
	rep.result = json_object();
	if (rep.result == NULL || passkey_read_file(o.file, &text, &len) != 0)
		goto out;
	if ((o.registration ? passkey_registration(&o, &pc, text, len, &rep) :
	    passkey_assertion(&o, &pc, text, len, &rep)) != 0)
		goto out;

	if (o.json)
		passkey_print_json(&rep, o.registration ? "registration" : "assertion");
	else
		passkey_print_text(&rep);
	r = passkey_failed_code(&rep) == MFA_OK ? CLI_OK : CLI_FAILED;
out:
	json_decref(rep.result);
	free(text);
	return r;
}
