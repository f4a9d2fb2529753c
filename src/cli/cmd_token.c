/* SPDX-License-Identifier: MIT */
/* "mfactl token": API tokens, created, listed and revoked on the database directly. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mfa/common.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "server/access_token.h"

static void
cmd_token_usage(void)
{
	fprintf(stderr, "mfactl: usage: mfactl token create PRINCIPAL [--description TEXT] "
	    "[--days N]\n"
	    "       mfactl token list PRINCIPAL\n"
	    "       mfactl token revoke PRINCIPAL TOKEN_ID\n");
}

/* Parse a decimal number from 1 to max. Returns 0 for invalid text. */
static long long
cmd_token_number(const char *text, long long max)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < 1 || v > max)
		return 0;
	return v;
}

static void
cmd_token_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL) {
		snprintf(buf, size, "never");
		return;
	}
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
cmd_token_create(struct cli *cli, int argc, char **argv)
{
	struct srv_status st = { "", 0 };
	struct store_access_token t;
	struct store_account acct;
	struct store_user user;
	char text[ACCESS_TOKEN_TEXT_SIZE];
	char expires[32];
	const char *description = "";
	long long days = ACCESS_TOKEN_DAYS_DEFAULT;
	int r;

	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--description") == 0 && i + 1 < argc) {
			description = argv[++i];
		} else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc) {
			days = cmd_token_number(argv[++i], ACCESS_TOKEN_DAYS_MAX);
			if (days == 0) {
				fprintf(stderr, "mfactl: --days must be 1 to %d\n",
				    ACCESS_TOKEN_DAYS_MAX);
				return CLI_USAGE;
			}
		} else {
			cmd_token_usage();
			return CLI_USAGE;
		}
	}
	if (cli_find_user(cli, argv[2], &acct, &user) != 0)
		return CLI_FAILED;
	r = access_token_create(&cli->app, &user, description, (int)days, text, &t, &st);
	if (r != SRV_OK)
		return cli_report(r, &st);
	cmd_token_time(t.expires, expires, sizeof(expires));
	/* The only time the token is shown: the store keeps its hash alone. */
	printf("%s\n", text);
	fprintf(stderr, "token %lld for %s expires %s. It is not shown again.\n",
	    (long long)t.id, argv[2], expires);
	mfa_memzero(text, sizeof(text));
	return CLI_OK;
}

static int
cmd_token_row(void *arg, const struct store_access_token *t)
{
	char created[32];
	char expires[32];
	char used[32];

	(void)arg;
	cmd_token_time(t->created, created, sizeof(created));
	cmd_token_time(t->expires, expires, sizeof(expires));
	cmd_token_time(t->last_used, used, sizeof(used));
	printf("%lld\tcreated %s\texpires %s\tlast used %s\t%s\n", (long long)t->id, created,
	    expires, used, t->description);
	return 0;
}

static int
cmd_token_list(struct cli *cli, const char *principal)
{
	struct store_account acct;
	struct store_user user;
	struct store *db;

	if (cli_find_user(cli, principal, &acct, &user) != 0)
		return CLI_FAILED;
	db = app_store(&cli->app);
	if (db == NULL || db->ops->access_token_list_by_user(db, user.id, clock_now(),
	    cmd_token_row, NULL) != STORE_OK) {
		fprintf(stderr, "mfactl: listing the API tokens failed\n");
		return CLI_FAILED;
	}
	return CLI_OK;
}

static int
cmd_token_revoke(struct cli *cli, const char *principal, const char *id_text)
{
	struct srv_status st = { "", 0 };
	struct store_account acct;
	struct store_user user;
	long long id = cmd_token_number(id_text, INT64_MAX);
	int r;

	if (id == 0) {
		fprintf(stderr, "mfactl: '%s' is not a token id: use the number token list "
		    "prints\n", id_text);
		return CLI_USAGE;
	}
	if (cli_find_user(cli, principal, &acct, &user) != 0)
		return CLI_FAILED;
	r = access_token_delete(&cli->app, &user, id, &st);
	if (r == SRV_OK)
		printf("token %lld of %s deleted\n", id, principal);
	return cli_report(r, &st);
}

int
cmd_token(struct cli *cli, int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "create") == 0)
		return cmd_token_create(cli, argc, argv);
	if (argc == 3 && strcmp(argv[1], "list") == 0)
		return cmd_token_list(cli, argv[2]);
	if (argc == 4 && strcmp(argv[1], "revoke") == 0)
		return cmd_token_revoke(cli, argv[2], argv[3]);
	cmd_token_usage();
	return CLI_USAGE;
}
