/* SPDX-License-Identifier: MIT */
/* The audit log: records of security events, written with the request's source. */
#include "server/audit.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"

struct audit_context {
	char src[STORE_AUDIT_SRC_MAX + 1];
	char user_agent[STORE_AUDIT_UA_MAX + 1];
	int64_t actor_id;
};

static _Thread_local struct audit_context audit_ctx;

/*
 * Replace each byte outside printable ASCII with '?'. A cut can split a
 * UTF-8 sequence, and the API's JSON output accepts only valid UTF-8, so
 * records keep ASCII only.
 */
static void
audit_printable(char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
	}
}

void
audit_context_begin(const char *src, const char *user_agent)
{
	memset(&audit_ctx, 0, sizeof(audit_ctx));
	snprintf(audit_ctx.src, sizeof(audit_ctx.src), "%s", src != NULL ? src : "");
	/* Quoted as in the log, so a client cannot put a control byte into the record. */
	if (user_agent != NULL)
		log_quote(user_agent, audit_ctx.user_agent, sizeof(audit_ctx.user_agent));
	audit_printable(audit_ctx.src);
	audit_printable(audit_ctx.user_agent);
}

void
audit_context_actor(int64_t actor_id)
{
	audit_ctx.actor_id = actor_id;
}

const char *
audit_context_src(void)
{
	return audit_ctx.src;
}

const char *
audit_context_user_agent(void)
{
	return audit_ctx.user_agent;
}

void
audit_context_copy(char src[STORE_AUDIT_SRC_MAX + 1], char user_agent[STORE_AUDIT_UA_MAX + 1])
{
	memcpy(src, audit_ctx.src, sizeof(audit_ctx.src));
	memcpy(user_agent, audit_ctx.user_agent, sizeof(audit_ctx.user_agent));
}

void
audit_context_end(void)
{
	memset(&audit_ctx, 0, sizeof(audit_ctx));
}

int
audit_record(const struct app *app, struct store *db, const struct audit_event *ev)
{
	struct store_audit_event e;
	int r;

	(void)app;
	memset(&e, 0, sizeof(e));
	e.time = clock_now();
	e.account_id = ev->account_id;
	e.user_id = ev->user_id;
	e.actor_id = ev->actor_id != 0 ? ev->actor_id : audit_ctx.actor_id;
	memcpy(e.src, audit_ctx.src, sizeof(e.src));
	memcpy(e.user_agent, audit_ctx.user_agent, sizeof(e.user_agent));
	snprintf(e.event, sizeof(e.event), "%s", ev->event);
	snprintf(e.outcome, sizeof(e.outcome), "%s", ev->outcome);
	snprintf(e.detail, sizeof(e.detail), "%s", ev->detail != NULL ? ev->detail : "");
	audit_printable(e.detail);

	r = db != NULL ? db->ops->audit_append(db, &e) : STORE_ERROR;
	if (r != STORE_OK) {
		log_error("event=audit_failed audit_event=%s user_id=%lld", e.event,
		    (long long)e.user_id);
		return STORE_ERROR;
	}
	return STORE_OK;
}

struct audit_list_state {
	store_audit_cb cb;
	void *arg;
	int left;        /* rows still to pass to cb */
	int truncated;
};

static int
audit_list_row(void *arg, const struct store_audit_event *e)
{
	struct audit_list_state *ls = arg;

	if (ls->left == 0) {
		ls->truncated = 1;
		return 1;
	}
	ls->left--;
	return ls->cb(ls->arg, e);
}

int
audit_list(struct app *app, const struct store_audit_filter *f, int64_t after_id,
    int max_items, store_audit_cb cb, void *arg, int *ret_truncated, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct audit_list_state ls = { cb, arg, max_items, 0 };

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (max_items < 1 || max_items > AUDIT_LIST_MAX)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "MaxItems must be from 1 to %d.",
		    AUDIT_LIST_MAX);
	/* One row more than the page shows whether another page follows. */
	if (db->ops->audit_list(db, f, after_id, max_items + 1, audit_list_row, &ls) != STORE_OK)
		return SRV_ERR_INTERNAL;
	*ret_truncated = ls.truncated;
	return SRV_OK;
}

/* An id as the API writes ids: a decimal string, or null for none. */
static json_t *
audit_id_json(int64_t id)
{
	char text[24];

	if (id == 0)
		return json_null();
	snprintf(text, sizeof(text), "%lld", (long long)id);
	return json_string(text);
}

json_t *
audit_event_json(const struct store_audit_event *e)
{
	return json_pack("{s:o, s:I, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:s}",
	    "EventId", audit_id_json(e->id), "Time", (json_int_t)e->time,
	    "AccountId", audit_id_json(e->account_id), "UserId", audit_id_json(e->user_id),
	    "ActorId", audit_id_json(e->actor_id), "SourceAddress", e->src,
	    "UserAgent", e->user_agent, "Event", e->event, "Outcome", e->outcome,
	    "Detail", e->detail);
}

const char *
audit_detail(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return buf;
}
