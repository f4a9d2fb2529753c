/* SPDX-License-Identifier: MIT */
/* The logon allow-list of an account, checked at every logon step. */
#include "server/netlogon.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "server/audit.h"
#include "server/netpolicy.h"
#include "server/principal.h"

int
netlogon_check(const struct app *app, struct store *db, int64_t account_id, int64_t user_id,
    const char *src, struct srv_status *st)
{
	char text[STORE_NETWORKS_MAX + 1];
	struct srv_status parse_st = { "", 0 };
	struct netpolicy_list list;
	char quoted[LOG_QUOTE_MAX];
	int r;

	r = db->ops->account_get_login_networks(db, account_id, text);
	if (r == STORE_NOT_FOUND)
		return SRV_OK;
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	if (text[0] == '\0')
		return SRV_OK;
	/* The stored text was written by netpolicy_list_format, so it parses. */
	if (netpolicy_list_parse(text, &list, &parse_st) != SRV_OK) {
		log_error("event=netlogon_error account_id=%lld err=\"stored list does not parse\"",
		    (long long)account_id);
		return SRV_ERR_INTERNAL;
	}
	if (netpolicy_allowed(&list, src))
		return SRV_OK;

	log_info("event=logon_network_denied account_id=%lld user_id=%lld src=%s",
	    (long long)account_id, (long long)user_id, log_quote(src, quoted, sizeof(quoted)));
	(void)audit_record(app, db, &(struct audit_event){ "logon_network_denied", AUDIT_FAILURE,
	    account_id, user_id, 0, NULL });
	return srv_fail(st, SRV_ERR_LOGIN_NETWORK_DENIED, "Logon from %s is not allowed: the "
	    "account accepts logons only from the networks its owner listed.", src);
}

int
netlogon_check_principal(const struct app *app, struct store *db, const char *principal,
    const char *src, struct srv_status *st)
{
	char name[STORE_NAME_MAX + 1];
	char alias[STORE_ALIAS_MAX + 1];
	struct store_account acct;
	struct store_user user;
	int r;

	if (principal_parse(principal, name, alias) != 0)
		return SRV_OK;
	r = db->ops->account_get_by_alias(db, alias, &acct);
	if (r == STORE_NOT_FOUND)
		return SRV_OK;
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	/* The user only names the audit record: a missing one is rejected the same way. */
	r = name[0] == '\0' ? db->ops->user_get_owner(db, acct.id, &user) :
	    db->ops->user_get_by_name(db, acct.id, name, &user);
	if (r == STORE_ERROR)
		return SRV_ERR_INTERNAL;
	return netlogon_check(app, db, acct.id, r == STORE_OK ? user.id : 0, src, st);
}

int
netlogon_set(struct app *app, const struct store_account *acct, const char *text,
    const char *src, struct srv_status *st)
{
	struct store *db = app_store(app);
	char canonical[STORE_NETWORKS_MAX + 1];
	char copy[STORE_NETWORKS_MAX + 1];
	char detail[64];
	struct netpolicy_list list;
	size_t n = strlen(text);
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (n > STORE_NETWORKS_MAX)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "LoginNetworkMasks has %zu bytes: at "
		    "most %d are allowed.", n, STORE_NETWORKS_MAX);
	/* netpolicy takes commas and white space; the API also allows ";". */
	memcpy(copy, text, n + 1);
	for (size_t i = 0; i < n; i++) {
		if (copy[i] == ';')
			copy[i] = ',';
	}
	r = netpolicy_list_parse(copy, &list, st);
	if (r != SRV_OK)
		return r;
	/* An owner who shut out the address in use could not log on to undo it. */
	if (list.count > 0 && !netpolicy_allowed(&list, src))
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "LoginNetworkMasks must contain the "
		    "address of this request, %s, or its owner could not log on again.", src);
	if (netpolicy_list_format(&list, canonical, sizeof(canonical)) != 0)
		return SRV_ERR_INTERNAL;

	r = db->ops->account_set_login_networks(db, acct->id, canonical);
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	log_info("event=security_preference account_id=%lld login_network_ranges=%zu src=%s",
	    (long long)acct->id, list.count, src);
	(void)audit_record(app, db, &(struct audit_event){ "security_preference", AUDIT_SUCCESS,
	    acct->id, 0, 0, audit_detail(detail, sizeof(detail), "LoginNetworkMasks=%zu_ranges",
	    list.count) });
	return SRV_OK;
}

int
netlogon_get(struct app *app, int64_t account_id, char out[STORE_NETWORKS_MAX + 1])
{
	struct store *db = app_store(app);

	if (db == NULL || db->ops->account_get_login_networks(db, account_id, out) != STORE_OK)
		return SRV_ERR_INTERNAL;
	return SRV_OK;
}
