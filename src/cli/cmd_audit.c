/* SPDX-License-Identifier: MIT */
/* "mfactl audit": list or export an account's audit log, on the database directly. */
#define _GNU_SOURCE /* strptime and timegm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "server/account.h"
#include "server/audit.h"
#include "server/users.h"

#define CLI_AUDIT_LIST_DEFAULT 100 /* records "audit list" prints without --limit */
#define CLI_AUDIT_LIMIT_MAX 1000000

struct cli_audit_opts {
	struct store_audit_filter f;
	long long limit;  /* records to print, 0: all */
	int json;         /* 1: JSON lines, as export writes them */
};

struct cli_audit_state {
	struct app *app;
	int json;
	long long left;   /* records still to print, -1: no limit */
	int64_t last_id;
	int failed;
};

/*
 * Parse a time: Unix seconds, or UTC as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ.
 * Returns 0, or -1 when text matches none of these forms.
 */
static int
cli_audit_time(const char *text, int64_t *ret)
{
	struct tm tm;
	const char *end;
	char *num_end = NULL;
	long long v;

	if (text[0] >= '0' && text[0] <= '9' && strchr(text, '-') == NULL) {
		v = strtoll(text, &num_end, 10);
		if (*num_end != '\0' || v <= 0)
			return -1;
		*ret = (int64_t)v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0') {
		memset(&tm, 0, sizeof(tm));
		end = strptime(text, "%Y-%m-%d", &tm);
	}
	if (end == NULL || *end != '\0')
		return -1;
	*ret = (int64_t)timegm(&tm);
	return *ret > 0 ? 0 : -1;
}

static int
cli_audit_usage(void)
{
	fprintf(stderr, "mfactl: usage: mfactl audit list ALIAS [--user NAME] [--event EVENT] "
	    "[--since TIME] [--until TIME] [--limit N]\n"
	    "       mfactl audit export ALIAS [--user NAME] [--event EVENT] [--since TIME] "
	    "[--until TIME]\n"
	    "TIME is Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)\n");
	return CLI_USAGE;
}

/* Parse the options after ALIAS; user names are resolved later, once the account is known. */
static int
cli_audit_parse(int argc, char **argv, int is_list, struct cli_audit_opts *o,
    const char **ret_user)
{
	char *end = NULL;

	for (int i = 3; i < argc; i++) {
		const char *opt = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (val == NULL)
			return -1;
		i++;
		if (strcmp(opt, "--user") == 0) {
			*ret_user = val;
		} else if (strcmp(opt, "--event") == 0) {
			o->f.event = val;
		} else if (strcmp(opt, "--since") == 0) {
			if (cli_audit_time(val, &o->f.since) != 0)
				return -1;
		} else if (strcmp(opt, "--until") == 0) {
			if (cli_audit_time(val, &o->f.until) != 0)
				return -1;
		} else if (is_list && strcmp(opt, "--limit") == 0) {
			o->limit = strtoll(val, &end, 10);
			if (*end != '\0' || o->limit < 1 || o->limit > CLI_AUDIT_LIMIT_MAX)
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

/* The name of user id for the list, "-" for none, or "#ID" for a deleted user. */
static const char *
cli_audit_user_name(struct app *app, int64_t id, char *buf, size_t size)
{
	struct store *db = app_store(app);
	struct store_user u;

	if (id == 0)
		return "-";
	if (db != NULL && db->ops->user_get(db, id, &u) == STORE_OK)
		snprintf(buf, size, "%s", u.is_owner ? "(owner)" : u.name);
	else
		snprintf(buf, size, "#%lld", (long long)id);
	return buf;
}

static int
cli_audit_print(void *arg, const struct store_audit_event *e)
{
	struct cli_audit_state *s = arg;
	char user[STORE_NAME_MAX + 24];
	char actor[STORE_NAME_MAX + 24];
	char when[32] = "-";
	time_t tt = (time_t)e->time;
	struct tm tm;
	void *(*jmalloc)(size_t);
	void (*jfree)(void *);
	json_t *j;
	char *line;

	s->last_id = e->id;
	if (s->left == 0)
		return 1;
	if (s->left > 0)
		s->left--;
	if (s->json) {
		j = audit_event_json(e);
		line = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (line == NULL) {
			s->failed = 1;
			return 1;
		}
		printf("%s\n", line);
		/* json_dumps allocates with jansson's allocator, which mfad replaces. */
		json_get_alloc_funcs(&jmalloc, &jfree);
		jfree(line);
		return 0;
	}
	if (gmtime_r(&tt, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s %-6lld %-24s %-7s user=%s actor=%s src=%s ua=%s %s\n", when, (long long)e->id,
	    e->event, e->outcome, cli_audit_user_name(s->app, e->user_id, user, sizeof(user)),
	    cli_audit_user_name(s->app, e->actor_id, actor, sizeof(actor)),
	    e->src[0] != '\0' ? e->src : "-", e->user_agent[0] != '\0' ? e->user_agent : "-",
	    e->detail);
	return 0;
}

/* Resolve --user: an empty name is the owner, as in the principal "ALIAS". */
static int
cli_audit_user(struct cli *cli, int64_t account_id, const char *name, int64_t *ret_id,
    struct srv_status *st)
{
	struct store *db = app_store(&cli->app);
	struct store_user u;
	int r;

	if (name[0] == '\0') {
		if (db == NULL || db->ops->user_get_owner(db, account_id, &u) != STORE_OK)
			return SRV_ERR_INTERNAL;
		*ret_id = u.id;
		return SRV_OK;
	}
	r = users_get(&cli->app, account_id, name, &u, st);
	if (r == SRV_OK)
		*ret_id = u.id;
	return r;
}

int
cmd_audit(struct cli *cli, int argc, char **argv)
{
	struct srv_status st = { "", 0 };
	struct cli_audit_opts o;
	struct cli_audit_state s;
	struct store_account acct;
	const char *user = NULL;
	int is_list = argc >= 2 && strcmp(argv[1], "list") == 0;
	int truncated = 1;
	int r;

	memset(&o, 0, sizeof(o));
	if (argc < 3 || (!is_list && strcmp(argv[1], "export") != 0) ||
	    cli_audit_parse(argc, argv, is_list, &o, &user) != 0)
		return cli_audit_usage();
	if (is_list && o.limit == 0)
		o.limit = CLI_AUDIT_LIST_DEFAULT;
	if (cli_open_app(cli, 0) != 0)
		return CLI_FAILED;

	r = account_find(&cli->app, argv[2], &acct, &st);
	if (r == SRV_OK && user != NULL)
		r = cli_audit_user(cli, acct.id, user, &o.f.user_id, &st);
	o.f.account_id = acct.id;
	memset(&s, 0, sizeof(s));
	s.app = &cli->app;
	s.json = !is_list;
	s.left = is_list ? o.limit : -1;
	while (r == SRV_OK && truncated && s.left != 0 && !s.failed)
		r = audit_list(&cli->app, &o.f, s.last_id, AUDIT_LIST_MAX, cli_audit_print, &s,
		    &truncated, &st);
	if (r == SRV_OK && s.failed)
		r = srv_fail(&st, SRV_ERR_INTERNAL, "cannot format a record as JSON");
	if (r != SRV_OK) {
		fprintf(stderr, "mfactl: %s\n", st.message[0] != '\0' ? st.message :
		    srv_err_default_message(r));
		return CLI_FAILED;
	}
	return CLI_OK;
}
