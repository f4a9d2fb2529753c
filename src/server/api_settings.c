/* SPDX-License-Identifier: MIT */
/*
 * GetSecurityPreference and SetSecurityPreference, and the checks of the
 * settings that limit what users other than the owner may change.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "server/account.h"
#include "server/api_internal.h"
#include "server/json.h"
#include "server/netlogon.h"
#include "server/settings.h"

/* The settings as the API shows them: the stored row and the account's own switches. */
struct api_settings_view {
	struct store_account_settings s;
	int passkey_logon;
	int save_mfa_ticket;
};

enum api_setting_type {
	API_SETTING_BOOL,
	API_SETTING_INT,
	API_SETTING_MFA_OPERATION,  /* "independent" (0) or "mandatory" (1) */
};

/*
 * One field of SetSecurityPreference's body and of the SecurityPreference
 * object. New settings add a row here and, when stored, a column.
 */
struct api_setting {
	const char *group;   /* the SecurityPreference member that contains the field */
	const char *name;    /* the field's name in both */
	int type;            /* enum api_setting_type */
	size_t offset;       /* of its int in struct api_settings_view */
	int min;             /* API_SETTING_INT: allowed range */
	int max;
};

#define API_SETTING_OFF(f) offsetof(struct api_settings_view, f)

static const struct api_setting api_settings[] = {
	{ "LoginProfilePreference", "AllowUserToLoginWithPasskey", API_SETTING_BOOL,
	    API_SETTING_OFF(passkey_logon), 0, 1 },
	{ "LoginProfilePreference", "MFAOperationForLogin", API_SETTING_MFA_OPERATION,
	    API_SETTING_OFF(s.mfa_mandatory), 0, 1 },
	{ "LoginProfilePreference", "AllowUserToChangePassword", API_SETTING_BOOL,
	    API_SETTING_OFF(s.allow_change_password), 0, 1 },
	{ "LoginProfilePreference", "LoginSessionDuration", API_SETTING_INT,
	    API_SETTING_OFF(s.session_hours), STORE_SESSION_HOURS_MIN, STORE_SESSION_HOURS_MAX },
	{ "LoginProfilePreference", "LoginSessionIdleTimeout", API_SETTING_INT,
	    API_SETTING_OFF(s.idle_minutes), STORE_IDLE_MINUTES_MIN, STORE_IDLE_MINUTES_MAX },
	{ "MFAPreference", "AllowUserToManageMFADevices", API_SETTING_BOOL,
	    API_SETTING_OFF(s.allow_manage_mfa), 0, 1 },
	{ "MFAPreference", "AllowUserToManagePasskeys", API_SETTING_BOOL,
	    API_SETTING_OFF(s.allow_manage_passkeys), 0, 1 },
	{ "MFAPreference", "AllowUserToManageSecurityEmail", API_SETTING_BOOL,
	    API_SETTING_OFF(s.allow_manage_email), 0, 1 },
	{ "MFAPreference", "AllowEmailForLogon", API_SETTING_BOOL,
	    API_SETTING_OFF(s.allow_email_logon), 0, 1 },
	{ "MFAPreference", "AllowEmailForStepUp", API_SETTING_BOOL,
	    API_SETTING_OFF(s.allow_email_step_up), 0, 1 },
	{ "MFAPreference", "EnableSaveMFATicket", API_SETTING_BOOL,
	    API_SETTING_OFF(save_mfa_ticket), 0, 1 },
};

/* The logon allow-list is text, not an int, so it sits outside the table (netlogon.c). */
#define API_NETWORKS_GROUP "LoginProfilePreference"
#define API_NETWORKS_NAME "LoginNetworkMasks"

#define API_SETTINGS_COUNT (sizeof(api_settings) / sizeof(api_settings[0]))

static int *
api_setting_field(struct api_settings_view *v, const struct api_setting *f)
{
	return (int *)((char *)v + f->offset);
}

/* The value of f in v as JSON. An unset idle timeout shows the server's, in whole minutes. */
static json_t *
api_setting_json(const struct app *app, struct api_settings_view *v, const struct api_setting *f)
{
	int value = *api_setting_field(v, f);

	if (f->type == API_SETTING_BOOL)
		return json_boolean(value);
	if (f->type == API_SETTING_MFA_OPERATION)
		return json_string(value ? "mandatory" : "independent");
	if (f->offset == API_SETTING_OFF(s.idle_minutes) && value == 0)
		return json_integer((app->cfg.session_idle + 59) / 60);
	return json_integer(value);
}

static int
api_security_preference(struct api_ctx *c, struct api_settings_view *v)
{
	char networks[STORE_NETWORKS_MAX + 1];
	json_t *pref = json_object();
	json_t *group;

	if (pref == NULL)
		return SRV_ERR_INTERNAL;
	if (netlogon_get(c->app, c->acct.id, networks) != SRV_OK ||
	    json_object_set_new(pref, API_NETWORKS_GROUP,
	    json_pack("{s:s}", API_NETWORKS_NAME, networks)) != 0)
		goto fail;
	for (size_t i = 0; i < API_SETTINGS_COUNT; i++) {
		group = json_object_get(pref, api_settings[i].group);
		if (group == NULL) {
			group = json_object();
			if (json_object_set_new(pref, api_settings[i].group, group) != 0)
				goto fail;
		}
		if (json_object_set_new(group, api_settings[i].name,
		    api_setting_json(c->app, v, &api_settings[i])) != 0)
			goto fail;
	}
	c->out = json_pack("{s:o}", "SecurityPreference", pref);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
fail:
	json_decref(pref);
	return SRV_ERR_INTERNAL;
}

static void
api_settings_view_load(const struct api_ctx *c, struct api_settings_view *v)
{
	memset(v, 0, sizeof(*v));
	v->s = c->settings;
	v->passkey_logon = c->acct.passkey_logon;
	v->save_mfa_ticket = c->acct.save_mfa_ticket;
}

int
api_get_security_preference(struct api_ctx *c)
{
	struct api_settings_view v;

	api_settings_view_load(c, &v);
	return api_security_preference(c, &v);
}

/* Read f from the body into *ret, which is -1 when the body does not contain f. */
static int
api_setting_read(struct api_ctx *c, const struct api_setting *f, int *ret)
{
	const char *text;
	long long n;
	int r;

	*ret = -1;
	if (json_object_get(c->body, f->name) == NULL)
		return SRV_OK;
	if (f->type == API_SETTING_BOOL)
		return jreq_bool(c->body, f->name, ret, &c->st);
	if (f->type == API_SETTING_INT) {
		r = jreq_int(c->body, f->name, -1, f->min, f->max, &n, &c->st);
		if (r == SRV_OK)
			*ret = (int)n;
		return r;
	}
	r = jreq_string(c->body, f->name, 0, &text, NULL, &c->st);
	if (r != SRV_OK || text == NULL)
		return r;
	if (strcmp(text, "independent") == 0) /* not secret */
		*ret = 0;
	else if (strcmp(text, "mandatory") == 0) /* not secret */
		*ret = 1;
	else
		return srv_fail(&c->st, SRV_ERR_INVALID_PARAMETER,
		    "%s must be \"independent\" or \"mandatory\".", f->name);
	return SRV_OK;
}

/* Append "name=value" of a changed f to detail, which has room for SETTINGS_DETAIL_MAX bytes. */
static void
api_setting_detail(char *detail, const struct api_setting *f, int value)
{
	size_t len = strlen(detail);
	const char *text;
	char number[16];

	if (f->type == API_SETTING_BOOL)
		text = value ? "true" : "false";
	else if (f->type == API_SETTING_MFA_OPERATION)
		text = value ? "mandatory" : "independent";
	else {
		snprintf(number, sizeof(number), "%d", value);
		text = number;
	}
	snprintf(detail + len, SETTINGS_DETAIL_MAX + 1 - len, "%s%s=%s", len > 0 ? " " : "",
	    f->name, text);
}

int
api_set_security_preference(struct api_ctx *c)
{
	struct api_settings_view v;
	char detail[SETTINGS_DETAIL_MAX + 1] = "";
	int values[API_SETTINGS_COUNT];
	const char *networks = NULL;
	int *field;
	int r;

	/*
	 * The groups of the GetSecurityPreference response are not read, so a body copied from it
	 * would change nothing while looking accepted.
	 */
	for (size_t i = 0; i < API_SETTINGS_COUNT; i++)
		if (json_object_get(c->body, api_settings[i].group) != NULL)
			return srv_fail(&c->st, SRV_ERR_INVALID_PARAMETER,
			    "%s is not a field of SetSecurityPreference: send its fields, such as "
			    "%s, at the top level of the body.", api_settings[i].group,
			    api_settings[i].name);

	/* Every field is checked before any is stored, so a bad one changes nothing. */
	for (size_t i = 0; i < API_SETTINGS_COUNT; i++)
		if ((r = api_setting_read(c, &api_settings[i], &values[i])) != SRV_OK)
			return r;
	r = jreq_string(c->body, API_NETWORKS_NAME, 0, &networks, NULL, &c->st);
	if (r != SRV_OK)
		return r;
	/* netlogon_set checks the whole list (and the caller's own address) before it stores it. */
	if (networks != NULL &&
	    (r = netlogon_set(c->app, &c->acct, networks, c->req->src, &c->st)) != SRV_OK)
		return r;
	api_settings_view_load(c, &v);
	for (size_t i = 0; i < API_SETTINGS_COUNT; i++) {
		field = api_setting_field(&v, &api_settings[i]);
		if (values[i] < 0 || values[i] == *field)
			continue;
		*field = values[i];
		api_setting_detail(detail, &api_settings[i], values[i]);
	}
	if (detail[0] != '\0') {
		r = settings_update(c->app, &c->acct, &v.s, v.passkey_logon, detail, c->req->src);
		if (r != SRV_OK)
			return r;
		c->settings = v.s;
	}
	/* Turning it off also forgets every remembered browser of the account. */
	if (v.save_mfa_ticket != c->acct.save_mfa_ticket &&
	    (r = account_set_save_mfa_ticket(c->app, &c->acct, v.save_mfa_ticket, c->req->src)) !=
	    SRV_OK)
		return r;
	return api_security_preference(c, &v);
}

static int
api_setting_forbidden(struct api_ctx *c, const char *setting, const char *what)
{
	return srv_fail(&c->st, SRV_ERR_FORBIDDEN, "The account's security preference %s is false: "
	    "only the account owner may %s.", setting, what);
}

int
api_settings_permit(struct api_ctx *c, int flags)
{
	const struct store_account_settings *s = &c->settings;
	int scope = c->session.scope;

	/* The owner is never limited, acting for themselves or for a user. */
	if (c->user.is_owner)
		return SRV_OK;
	/* A reset forces the change, so the setting cannot block it. */
	if ((flags & API_SELF_PASSWORD) && !s->allow_change_password &&
	    scope != SESSION_SCOPE_CHANGE_PASSWORD)
		return api_setting_forbidden(c, "LoginProfilePreference.AllowUserToChangePassword",
		    "change this user's password");
	/* A bind-mfa session must bind a factor, or the user could never log on. */
	if ((flags & API_SELF_MFA) && !s->allow_manage_mfa && scope != SESSION_SCOPE_BIND_MFA)
		return api_setting_forbidden(c, "MFAPreference.AllowUserToManageMFADevices",
		    "create or bind this user's virtual MFA device");
	if ((flags & API_SELF_PASSKEYS) && !s->allow_manage_passkeys &&
	    scope != SESSION_SCOPE_BIND_MFA)
		return api_setting_forbidden(c, "MFAPreference.AllowUserToManagePasskeys",
		    "register, rename or delete this user's passkeys");
	if ((flags & API_SELF_EMAIL) && !s->allow_manage_email)
		return api_setting_forbidden(c, "MFAPreference.AllowUserToManageSecurityEmail",
		    "set, verify or delete this user's security email address");
	return SRV_OK;
}
