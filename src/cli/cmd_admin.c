/* SPDX-License-Identifier: MIT */
/* mfactl's administration commands, run on the database directly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <mfa/common.h>

#include "cli/cli.h"
#include "server/account.h"
#include "server/audit.h"
#include "server/principal.h"
#include "server/pwpolicy.h"
#include "server/recovery.h"
#include "server/users.h"
#include "server/vmfa.h"

/*
 * Room for the longest password the policy accepts plus one byte, so longer
 * input reaches the policy's length check instead of being cut silently.
 */
#define CLI_PASSWORD_BUF (PWPOLICY_BYTES_MAX + 2)

int
cli_report(int r, const struct srv_status *st)
{
	if (r == SRV_OK)
		return CLI_OK;
	fprintf(stderr, "mfactl: %s (%s)\n", st->message[0] != '\0' ? st->message :
	    srv_err_default_message(r), srv_err_name(r));
	return CLI_FAILED;
}

static int
cli_read_line(FILE *in, char *buf, size_t size, size_t *ret_len)
{
	size_t n;

	if (fgets(buf, (int)size, in) == NULL)
		return -1;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	*ret_len = n;
	return 0;
}

/* Ask on the terminal with echo off. */
static int
cli_prompt(const char *prompt, char *buf, size_t size, size_t *ret_len)
{
	struct termios old;
	struct termios quiet;
	int r;

	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	fputs(prompt, stderr);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	r = cli_read_line(stdin, buf, size, ret_len);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return r;
}

/* Read a new password from stdin, or twice from the terminal. */
static int
cli_read_password(int from_stdin, char *buf, size_t size, size_t *ret_len)
{
	char again[CLI_PASSWORD_BUF];
	size_t len2 = 0;
	int r = -1;

	if (from_stdin) {
		if (cli_read_line(stdin, buf, size, ret_len) != 0) {
			fprintf(stderr, "mfactl: no password on standard input\n");
			return -1;
		}
		return 0;
	}
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "mfactl: standard input is not a terminal: use --password-stdin\n");
		return -1;
	}
	if (cli_prompt("New password: ", buf, size, ret_len) != 0 ||
	    cli_prompt("Repeat it: ", again, sizeof(again), &len2) != 0)
		goto out;
	if (len2 != *ret_len || mfa_memcmp_ct(buf, again, len2) != 0) {
		fprintf(stderr, "mfactl: the passwords differ\n");
		goto out;
	}
	r = 0;
out:
	mfa_memzero(again, sizeof(again));
	return r;
}

int
cli_find_user(struct cli *cli, const char *principal, struct store_account *acct,
    struct store_user *user)
{
	char name[STORE_NAME_MAX + 1];
	char alias[STORE_ALIAS_MAX + 1];
	struct srv_status st = { "", 0 };
	struct store *db;
	int r;

	if (principal_parse(principal, name, alias) != 0) {
		fprintf(stderr, "mfactl: '%s' is not a principal: use NAME@ALIAS, or ALIAS for the "
		    "account owner\n", principal);
		return -1;
	}
	if (cli_open_app(cli, 0) != 0)
		return -1;
	r = account_find(&cli->app, alias, acct, &st);
	if (r == SRV_OK && name[0] != '\0')
		r = users_get(&cli->app, acct->id, name, user, &st);
	if (r == SRV_OK && name[0] == '\0') {
		db = app_store(&cli->app);
		r = db != NULL && db->ops->user_get_owner(db, acct->id, user) == STORE_OK ? SRV_OK :
		    SRV_ERR_INTERNAL;
	}
	if (r != SRV_OK) {
		cli_report(r, &st);
		return -1;
	}
	return 0;
}

static int
cli_has_flag(int argc, char **argv, int from, const char *flag)
{
	for (int i = from; i < argc; i++)
		if (strcmp(argv[i], flag) == 0)
			return 1;
	return 0;
}

static const char *
cli_flag_value(int argc, char **argv, int from, const char *flag)
{
	for (int i = from; i + 1 < argc; i++)
		if (strcmp(argv[i], flag) == 0)
			return argv[i + 1];
	return NULL;
}

/* Reject options other than the listed ones, so a typo is not ignored. */
static int
cli_check_flags(int argc, char **argv, int from, const char *const *with_value,
    const char *const *bare)
{
	for (int i = from; i < argc; i++) {
		int known = 0;

		for (const char *const *f = with_value; *f != NULL; f++) {
			if (strcmp(argv[i], *f) == 0) {
				if (i + 1 >= argc) {
					fprintf(stderr, "mfactl: %s needs a value\n", argv[i]);
					return -1;
				}
				i++;
				known = 1;
				break;
			}
		}
		for (const char *const *f = bare; !known && *f != NULL; f++)
			known = strcmp(argv[i], *f) == 0;
		if (!known) {
			fprintf(stderr, "mfactl: unexpected argument '%s' (see mfactl --help)\n", argv[i]);
			return -1;
		}
	}
	return 0;
}

int
cmd_init(struct cli *cli, int argc, char **argv)
{
	static const char *const with_value[] = { "--alias", NULL };
	static const char *const bare[] = { "--password-stdin", NULL };
	struct srv_status st = { "", 0 };
	char password[CLI_PASSWORD_BUF];
	const char *alias;
	size_t len = 0;
	int r = CLI_FAILED;

	if (cli_check_flags(argc, argv, 1, with_value, bare) != 0)
		return CLI_USAGE;
	alias = cli_flag_value(argc, argv, 1, "--alias");
	if (alias == NULL) {
		fprintf(stderr, "mfactl: init needs --alias ALIAS\n");
		return CLI_USAGE;
	}
	if (cli_read_password(cli_has_flag(argc, argv, 1, "--password-stdin"), password,
	    sizeof(password), &len) != 0)
		goto out;
	if (cli_open_app(cli, 1) != 0)
		goto out;
	r = cli_report(account_init(&cli->app, alias, password, len, NULL, &st), &st);
	if (r == CLI_OK)
		printf("account %s created; its owner logs on as \"%s\"\n", alias, alias);
out:
	mfa_memzero(password, sizeof(password));
	return r;
}

/* Prints rows and remembers the last name, where the next page starts. */
static int
cli_print_user(void *arg, const struct store_user *u)
{
	char *last = arg;

	printf("%-24s %-32s %lld\n", u->name, u->display_name, (long long)u->created);
	memcpy(last, u->name, strlen(u->name) + 1);
	return 0;
}

static int
cmd_user_add(struct cli *cli, int argc, char **argv)
{
	static const char *const with_value[] = { "--display-name", NULL };
	static const char *const bare[] = { NULL };
	char name[STORE_NAME_MAX + 1];
	char alias[STORE_ALIAS_MAX + 1];
	struct srv_status st = { "", 0 };
	struct store_account acct;
	int r;

	if (argc < 3 || cli_check_flags(argc, argv, 3, with_value, bare) != 0)
		return CLI_USAGE;
	if (principal_parse(argv[2], name, alias) != 0 || name[0] == '\0') {
		fprintf(stderr, "mfactl: '%s' is not NAME@ALIAS\n", argv[2]);
		return CLI_USAGE;
	}
	if (cli_open_app(cli, 0) != 0)
		return CLI_FAILED;
	r = account_find(&cli->app, alias, &acct, &st);
	if (r == SRV_OK)
		r = users_create(&cli->app, acct.id, name, cli_flag_value(argc, argv, 3,
		    "--display-name"), NULL, &st);
	if (r == SRV_OK)
		printf("user %s@%s created\n", name, alias);
	return cli_report(r, &st);
}

static int
cmd_user_list(struct cli *cli, int argc, char **argv)
{
	struct srv_status st = { "", 0 };
	struct store_account acct;
	char marker[STORE_NAME_MAX + 1] = "";
	int truncated = 1;
	int r;

	if (argc != 3) {
		fprintf(stderr, "mfactl: usage: mfactl user list ALIAS\n");
		return CLI_USAGE;
	}
	if (cli_open_app(cli, 0) != 0)
		return CLI_FAILED;
	r = account_find(&cli->app, argv[2], &acct, &st);
	if (r == SRV_OK)
		printf("%-24s %-32s %s\n", "NAME", "DISPLAY NAME", "CREATED");
	while (r == SRV_OK && truncated) {
		char after[STORE_NAME_MAX + 1];

		memcpy(after, marker, sizeof(after));
		r = users_list(&cli->app, acct.id, after, USERS_LIST_MAX, cli_print_user, marker,
		    &truncated, &st);
	}
	return cli_report(r, &st);
}

static int
cmd_user_delete(struct cli *cli, int argc, char **argv)
{
	struct srv_status st = { "", 0 };
	struct store_account acct;
	struct store_user user;
	int r;

	if (argc != 3) {
		fprintf(stderr, "mfactl: usage: mfactl user delete NAME@ALIAS\n");
		return CLI_USAGE;
	}
	if (cli_find_user(cli, argv[2], &acct, &user) != 0)
		return CLI_FAILED;
	if (user.is_owner) {
		fprintf(stderr, "mfactl: the account owner cannot be deleted\n");
		return CLI_FAILED;
	}
	r = users_delete(&cli->app, acct.id, user.name, &st);
	if (r == SRV_OK)
		printf("user %s deleted\n", argv[2]);
	return cli_report(r, &st);
}

/* Also works for the account owner, who cannot be reset through the API. */
static int
cmd_user_reset_mfa(struct cli *cli, int argc, char **argv)
{
	struct srv_status st = { "", 0 };
	struct recovery_result res;
	struct store_account acct;
	struct store_user user;
	int r;

	if (argc != 3) {
		fprintf(stderr, "mfactl: usage: mfactl user reset-mfa NAME@ALIAS\n");
		return CLI_USAGE;
	}
	if (cli_find_user(cli, argv[2], &acct, &user) != 0)
		return CLI_FAILED;
	r = recovery_reset_mfa(&cli->app, &user, AUDIT_SRC_LOCAL, &res, &st);
	if (r == SRV_OK)
		printf("MFA of %s reset: %s virtual MFA device, %lld passkeys, %s security email "
		    "removed; %lld API tokens deleted; sessions ended; %s\n", argv[2],
		    res.totp_removed ? "1" : "no", (long long)res.passkeys_removed,
		    res.email_removed ? "the" : "no", (long long)res.tokens_removed,
		    res.bind_required ? "a factor must be bound at the next logon" :
		    "no login profile to flag");
	return cli_report(r, &st);
}

static int
cmd_user_unlock(struct cli *cli, int argc, char **argv)
{
	struct srv_status st = { "", 0 };
	struct store_account acct;
	struct store_user user;
	int r;

	if (argc != 3) {
		fprintf(stderr, "mfactl: usage: mfactl user unlock PRINCIPAL\n");
		return CLI_USAGE;
	}
	if (cli_find_user(cli, argv[2], &acct, &user) != 0)
		return CLI_FAILED;
	r = users_unlock(&cli->app, &acct, &user, &st);
	if (r == SRV_OK)
		printf("logon failures of %s cleared\n", argv[2]);
	return cli_report(r, &st);
}

int
cmd_user(struct cli *cli, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return cmd_user_add(cli, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return cmd_user_list(cli, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "delete") == 0)
		return cmd_user_delete(cli, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "reset-mfa") == 0)
		return cmd_user_reset_mfa(cli, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "unlock") == 0)
		return cmd_user_unlock(cli, argc, argv);
	fprintf(stderr, "mfactl: usage: mfactl user add|list|delete|reset-mfa|unlock ...\n");
	return CLI_USAGE;
}

int
cmd_password(struct cli *cli, int argc, char **argv)
{
	static const char *const with_value[] = { NULL };
	static const char *const bare[] = { "--password-stdin", "--reset-required",
		"--mfa-bind-required", NULL };
	struct srv_status st = { "", 0 };
	struct profile_change pc;
	struct store_account acct;
	struct store_user user;
	char password[CLI_PASSWORD_BUF];
	size_t len = 0;
	int r = CLI_FAILED;

	if (argc < 3 || strcmp(argv[1], "set") != 0 ||
	    cli_check_flags(argc, argv, 3, with_value, bare) != 0) {
		fprintf(stderr, "mfactl: usage: mfactl password set PRINCIPAL [--password-stdin] "
		    "[--reset-required] [--mfa-bind-required]\n");
		return CLI_USAGE;
	}
	if (cli_find_user(cli, argv[2], &acct, &user) != 0)
		return CLI_FAILED;
	if (cli_read_password(cli_has_flag(argc, argv, 3, "--password-stdin"), password,
	    sizeof(password), &len) != 0)
		goto out;

	pc.password = password;
	pc.password_len = len;
	pc.reset_required = cli_has_flag(argc, argv, 3, "--reset-required");
	pc.mfa_bind_required = cli_has_flag(argc, argv, 3, "--mfa-bind-required");
	r = profile_update(&cli->app, &user, &pc, NULL, &st);
	if (r == SRV_ERR_PROFILE_NOT_FOUND) {
		memset(&st, 0, sizeof(st));
		r = profile_create(&cli->app, &user, &pc, NULL, &st);
	}
	if (r == SRV_OK)
		printf("password of %s set\n", argv[2]);
	r = cli_report(r, &st);
out:
	mfa_memzero(password, sizeof(password));
	return r;
}

int
cmd_mfa(struct cli *cli, int argc, char **argv)
{
	char serial[STORE_SERIAL_MAX + 1];
	struct srv_status st = { "", 0 };
	struct store_mfa_device dev;
	struct store_account acct;
	struct store_user user;
	int r;

	if (argc != 3 || (strcmp(argv[1], "status") != 0 && strcmp(argv[1], "unbind") != 0)) {
		fprintf(stderr, "mfactl: usage: mfactl mfa status|unbind PRINCIPAL\n");
		return CLI_USAGE;
	}
	if (cli_find_user(cli, argv[2], &acct, &user) != 0)
		return CLI_FAILED;
	if (strcmp(argv[1], "unbind") == 0) {
		r = vmfa_unbind(&cli->app, &user, serial, "cli", &st);
		if (r == SRV_OK)
			printf("virtual MFA device %s removed from %s\n", serial, argv[2]);
		return cli_report(r, &st);
	}
	r = vmfa_get(&cli->app, &user, &dev);
	if (r == SRV_ERR_DEVICE_NOT_FOUND) {
		printf("%s: no virtual MFA device\n", argv[2]);
		return CLI_OK;
	}
	if (r == SRV_OK)
		printf("%s: virtual MFA device %s, %s\n", argv[2], dev.serial,
		    dev.bound ? "bound" : "pending (created, not bound)");
	return cli_report(r, &st);
}
