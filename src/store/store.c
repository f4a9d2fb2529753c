/* SPDX-License-Identifier: MIT */
/* Backend-neutral store entry points: open by URL, close, transactions. */
#include <ctype.h>
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
