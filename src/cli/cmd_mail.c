/* SPDX-License-Identifier: MIT */
/* "mfactl mail": queue a test mail and show the outbox, on the database directly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "server/mail.h"
#include "server/outbox.h"

#define CLI_MAIL_LIST_DEFAULT 10 /* failed and retried messages that "mail status" lists */
#define CLI_MAIL_LIST_MAX 1000

static const char cli_mail_test_text[] =
    "This is a test message from mfad, sent with \"mfactl mail test\".\n"
    "It shows that mfad can deliver mail to this address. No action is needed.\n";

/* Print a Unix time as UTC, or "-" for 0. */
static void
cli_print_time(const char *label, int64_t t)
{
	char text[32] = "-";
	time_t tt = (time_t)t;
	struct tm tm;

	if (t != 0 && gmtime_r(&tt, &tm) != NULL)
		strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("  %-13s %s\n", label, text);
}

static int
cmd_mail_test(struct cli *cli, int argc, char **argv)
{
	struct srv_status st = { "", 0 };
	const char *subject = "mfad test message";
	const char *to = NULL;
	struct store *db;
	int r;

	for (int i = 2; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--to") == 0) {
			to = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--subject") == 0) {
			subject = argv[++i];
		} else {
			fprintf(stderr, "mfactl: unexpected argument '%s'\n", argv[i]);
			return CLI_USAGE;
		}
	}
	if (to == NULL) {
		fprintf(stderr, "mfactl: usage: mfactl mail test --to ADDRESS [--subject TEXT]\n");
		return CLI_USAGE;
	}
	if (cli_open_app(cli, 0) != 0)
		return CLI_FAILED;
	db = app_store(&cli->app);
	if (db == NULL || store_begin(db) != STORE_OK) {
		fprintf(stderr, "mfactl: cannot open a transaction on the database\n");
		return CLI_FAILED;
	}
	r = outbox_queue(&cli->app, db, to, subject, cli_mail_test_text, &st);
	if (r == SRV_OK && store_commit(db) != STORE_OK)
		r = srv_fail(&st, SRV_ERR_INTERNAL, "cannot commit the queued mail");
	if (r != SRV_OK) {
		(void)store_rollback(db);
		fprintf(stderr, "mfactl: %s\n", st.message[0] != '\0' ? st.message :
		    srv_err_default_message(r));
		return CLI_FAILED;
	}
	printf("test mail to %s queued; a running mfad delivers it within %d seconds "
	    "(see \"mfactl mail status\")\n", to, OUTBOX_POLL_S);
	return CLI_OK;
}

static int
cli_print_message(void *arg, const struct store_outbox_message *m)
{
	(void)arg;
	printf("message %lld to %s\n", (long long)m->id, m->recipient);
	cli_print_time("queued", m->created);
	printf("  %-13s %d\n", "attempts", m->attempts);
	if (m->state == OUTBOX_QUEUED)
		cli_print_time("next attempt", m->next_attempt);
	printf("  %-13s %s\n", "last error", m->last_error[0] != '\0' ? m->last_error : "-");
	return 0;
}

static int
cmd_mail_status(struct cli *cli, int argc, char **argv)
{
	static const char *const names[] = { "queued", "sent", "failed" };
	int64_t counts[3] = { 0, 0, 0 };
	long limit = CLI_MAIL_LIST_DEFAULT;
	struct store *db;
	char *end = NULL;

	if (argc == 4 && strcmp(argv[2], "--limit") == 0) {
		limit = strtol(argv[3], &end, 10);
		if (end == argv[3] || *end != '\0' || limit < 1 || limit > CLI_MAIL_LIST_MAX) {
			fprintf(stderr, "mfactl: --limit takes a number from 1 to %d\n",
			    CLI_MAIL_LIST_MAX);
			return CLI_USAGE;
		}
	} else if (argc != 2) {
		fprintf(stderr, "mfactl: usage: mfactl mail status [--limit N]\n");
		return CLI_USAGE;
	}
	if (cli_open_app(cli, 0) != 0)
		return CLI_FAILED;
	db = app_store(&cli->app);
	for (int s = 0; s < 3; s++) {
		if (db == NULL || db->ops->outbox_count(db, s, &counts[s]) != STORE_OK) {
			fprintf(stderr, "mfactl: cannot read the outbox\n");
			return CLI_FAILED;
		}
	}
	if (cli->cfg.mail_smtp_url[0] != '\0')
		printf("delivery: SMTP to %s\n", cli->cfg.mail_smtp_url);
	else
		printf("delivery: maildir %s\n", cli->cfg.mail_maildir);
	for (int s = 0; s < 3; s++)
		printf("%s: %lld\n", names[s], (long long)counts[s]);

	printf("\nqueued after a failed attempt (newest first):\n");
	/* Queued messages without an attempt are only waiting for their first one. */
	if (db->ops->outbox_list(db, OUTBOX_QUEUED, 1, (int)limit, cli_print_message, NULL) !=
	    STORE_OK)
		return CLI_FAILED;
	printf("\nfailed (newest first, kept %d days):\n", STORE_OUTBOX_KEEP / 86400);
	if (db->ops->outbox_list(db, OUTBOX_FAILED, 0, (int)limit, cli_print_message, NULL) !=
	    STORE_OK)
		return CLI_FAILED;
	return CLI_OK;
}

int
cmd_mail(struct cli *cli, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "test") == 0)
		return cmd_mail_test(cli, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "status") == 0)
		return cmd_mail_status(cli, argc, argv);
	fprintf(stderr, "mfactl: usage: mfactl mail test|status ...\n");
	return CLI_USAGE;
}
