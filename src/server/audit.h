/* SPDX-License-Identifier: MIT */
/*
 * The audit log: one database record per security event of an account
 * (logons, lockouts, factor and profile changes, admin actions). Flows
 * call audit_record where they log the event. A record never contains a
 * secret: no password, code, token, challenge, seed, key or full email
 * address.
 */
#ifndef MFAD_AUDIT_H
#define MFAD_AUDIT_H

#include <stdint.h>

#include <jansson.h>

#include "server/app.h"
#include "server/errors.h"

#define AUDIT_SUCCESS "success"
#define AUDIT_FAILURE "failure"
#define AUDIT_SRC_LOCAL "local" /* the source of changes made with mfactl */
#define AUDIT_LIST_DEFAULT 100  /* records of one page when MaxItems is missing */
#define AUDIT_LIST_MAX 1000     /* MaxItems of one ListAuditEvents page */

/* An event as a flow reports it. The request context fills in the source and user agent. */
struct audit_event {
	const char *event;    /* a name from docs/audit.md, such as "logon_success" */
	const char *outcome;  /* AUDIT_SUCCESS or AUDIT_FAILURE */
	int64_t account_id;   /* 0: none */
	int64_t user_id;      /* the subject, 0: none */
	/* The user who acted. 0: the request's session user, or none for an anonymous client. */
	int64_t actor_id;
	const char *detail;   /* key=value words or NULL; cut to STORE_AUDIT_DETAIL_MAX bytes */
};

/*
 * Set the calling thread's request context: the client address and the
 * User-Agent (NULL for none), which is stored quoted and cut to
 * STORE_AUDIT_UA_MAX bytes. A thread serves one request at a time, so the
 * flows need not carry both through every call. The strings are copied.
 */
void audit_context_begin(const char *src, const char *user_agent);

/* Set the context's actor: the user of the session that made the request. */
void audit_context_actor(int64_t actor_id);

/*
 * The calling thread's client address and quoted User-Agent, as records
 * store them: printable ASCII, empty when not set. Valid until the context
 * changes.
 */
const char *audit_context_src(void);
const char *audit_context_user_agent(void);

/*
 * Copy the calling thread's client address and quoted User-Agent, empty
 * outside a request, for records that keep where they were made.
 */
void audit_context_copy(char src[STORE_AUDIT_SRC_MAX + 1],
    char user_agent[STORE_AUDIT_UA_MAX + 1]);

/* Clear the calling thread's context. */
void audit_context_end(void);

/*
 * Append ev, with the current time and the thread's context, to the audit
 * log through db. Inside a transaction the record commits with it. Logs a
 * failure and returns STORE_OK or STORE_ERROR, so a transaction that must
 * not commit without its record can roll back.
 */
int audit_record(const struct app *app, struct store *db, const struct audit_event *ev);

/*
 * Call cb for at most max_items (1 to AUDIT_LIST_MAX) records that match f
 * with an id above after_id, oldest first. *ret_truncated is 1 when more
 * follow. Returns SRV_OK, or an SRV_ERR_* code with st filled.
 */
int audit_list(struct app *app, const struct store_audit_filter *f, int64_t after_id,
    int max_items, store_audit_cb cb, void *arg, int *ret_truncated, struct srv_status *st);

/* The API form of a record, or NULL when out of memory. */
json_t *audit_event_json(const struct store_audit_event *e);

/*
 * Write "key=value" words into buf: fmt as printf. Used for the detail
 * text, which is cut to fit.
 */
const char *audit_detail(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
