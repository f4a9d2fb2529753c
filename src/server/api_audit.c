/* SPDX-License-Identifier: MIT */
/* Thin handler of ListAuditEvents: the audit log of the owner's account. */
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "server/api_internal.h"
#include "server/audit.h"
#include "server/json.h"
#include "server/users.h"

static int
api_audit_row(void *arg, const struct store_audit_event *e)
{
	return json_array_append_new(arg, audit_event_json(e)) == 0 ? 0 : 1;
}

/* Parse Marker, the EventId of the last record of the previous page. */
static int
api_audit_marker(const char *marker, int64_t *ret, struct srv_status *st)
{
	char *end = NULL;
	long long v;

	*ret = 0;
	if (marker == NULL)
		return SRV_OK;
	v = strtoll(marker, &end, 10);
	if (marker[0] < '0' || marker[0] > '9' || *end != '\0' || v < 0 || v == LLONG_MAX)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "Marker must be the Marker of the previous page.");
	*ret = (int64_t)v;
	return SRV_OK;
}

/* Check Event: a name of [a-z0-9_], as docs/audit.md lists them. */
static int
api_audit_event_name(const char *event, struct srv_status *st)
{
	size_t n = 0;

	if (event == NULL)
		return SRV_OK;
	for (; event[n] != '\0'; n++) {
		char ch = event[n];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
			break;
	}
	if (n == 0 || event[n] != '\0' || n > STORE_AUDIT_EVENT_MAX)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "Event must be an event name such as logon_failure (see docs/audit.md).");
	return SRV_OK;
}

/* Read the filters of the request into f, and the page's start and size. */
static int
api_audit_request(struct api_ctx *c, struct store_audit_filter *f, int64_t *ret_after,
    long long *ret_max)
{
	struct store_user u;
	const char *name;
	const char *marker;
	long long since;
	long long until;
	int r;

	memset(f, 0, sizeof(*f));
	f->account_id = c->acct.id;
	if ((r = jreq_string(c->body, "UserName", 0, &name, NULL, &c->st)) != SRV_OK ||
	    (r = jreq_string(c->body, "Event", 0, &f->event, NULL, &c->st)) != SRV_OK ||
	    (r = jreq_int(c->body, "StartTime", 0, 0, INT64_MAX, &since, &c->st)) != SRV_OK ||
	    (r = jreq_int(c->body, "EndTime", 0, 0, INT64_MAX, &until, &c->st)) != SRV_OK ||
	    (r = jreq_string(c->body, "Marker", 0, &marker, NULL, &c->st)) != SRV_OK ||
	    (r = jreq_int(c->body, "MaxItems", AUDIT_LIST_DEFAULT, 1, AUDIT_LIST_MAX, ret_max,
	    &c->st)) != SRV_OK ||
	    (r = api_audit_event_name(f->event, &c->st)) != SRV_OK ||
	    (r = api_audit_marker(marker, ret_after, &c->st)) != SRV_OK)
		return r;
	if (name != NULL && name[0] == '\0') {
		/* An empty name is the owner, who alone may call this action. */
		f->user_id = c->user.id;
	} else if (name != NULL) {
		r = users_get(c->app, c->acct.id, name, &u, &c->st);
		if (r != SRV_OK)
			return r;
		f->user_id = u.id;
	}
	f->since = since;
	f->until = until;
	return SRV_OK;
}

int
api_list_audit_events(struct api_ctx *c)
{
	struct store_audit_filter f;
	json_t *events = json_array();
	int64_t after = 0;
	long long max;
	int truncated = 0;
	size_t n;
	int r;

	if (events == NULL)
		return SRV_ERR_INTERNAL;
	r = api_audit_request(c, &f, &after, &max);
	if (r == SRV_OK)
		r = audit_list(c->app, &f, after, (int)max, api_audit_row, events, &truncated,
		    &c->st);
	if (r != SRV_OK) {
		json_decref(events);
		return r;
	}
	n = json_array_size(events);
	c->out = json_pack("{s:o, s:b}", "AuditEvents", events, "IsTruncated", truncated);
	if (c->out != NULL && truncated && n > 0)
		json_object_set(c->out, "Marker",
		    json_object_get(json_array_get(events, n - 1), "EventId"));
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}
