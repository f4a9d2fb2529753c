/* SPDX-License-Identifier: MIT */
/* mfactl: administration and diagnostics for mfad. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/log.h"
#include "server/audit.h"

static void
mfactl_usage(FILE *out)
{
	fprintf(out,
	    "usage: mfactl [-c FILE] [-d DIR] COMMAND ...\n"
	    "\n"
	    "Global options (the same as mfad's, to find its database and master key):\n"
	    "  -c, --config FILE    read mfad's INI settings\n"
	    "  -d, --data-dir DIR   folder of the database and master key (default ./mfad-data)\n"
	    "\n"
	    "Administration (works on the database directly, with or without mfad running):\n"
	    "  init --alias ALIAS [--password-stdin]     create an account and its owner\n"
	    "  user add NAME@ALIAS [--display-name TEXT] create a user\n"
	    "  user list ALIAS                           list the users of an account\n"
	    "  user delete NAME@ALIAS                    delete a user and all it owns\n"
	    "  user reset-mfa NAME@ALIAS                 remove a user's factors, end its sessions\n"
	    "  user unlock PRINCIPAL                     clear logon failures and lift a lock\n"
	    "  password set PRINCIPAL [--password-stdin] [--reset-required]\n"
	    "               [--mfa-bind-required]        set a password (creates the login profile)\n"
	    "  mfa status PRINCIPAL                      show the virtual MFA device\n"
	    "  mfa unbind PRINCIPAL                      remove the virtual MFA device\n"
	    "  mail test --to ADDRESS [--subject TEXT]   queue a test mail for mfad to deliver\n"
	    "  mail status [--limit N]                   count queued, sent and failed mail, and\n"
	    "                                            show the last delivery errors\n"
	    "  audit list ALIAS [--user NAME] [--event EVENT] [--since TIME] [--until TIME]\n"
	    "             [--limit N]                    print the audit log, oldest first\n"
	    "                                            (default 100 records)\n"
	    "  audit export ALIAS [--user NAME] [--event EVENT] [--since TIME] [--until TIME]\n"
	    "                                            write the audit log as JSON lines\n"
	    "  (TIME: Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, in UTC)\n"
	    "  token create PRINCIPAL [--description TEXT] [--days N]\n"
	    "                                            create an API token, valid N days\n"
	    "                                            (1 to 365, default 90), printed once\n"
	    "  token list PRINCIPAL                      list the user's live API tokens\n"
	    "  token revoke PRINCIPAL TOKEN_ID           delete an API token\n"
	    "\n"
	    "Diagnostics (need no database):\n"
	    "  totp code --secret BASE32 [--time UNIX] [--digits N] [--algorithm SHA1|SHA256|SHA512]\n"
	    "            [--period SECONDS]              print the code an app shows\n"
	    "  totp uri --secret BASE32 --account NAME [--issuer TEXT] [--digits N]\n"
	    "           [--algorithm A] [--period S]     print the otpauth:// URI\n"
	    "  passkey verify-registration --rp-id ID --origin ORIGIN --challenge B64URL\n"
	    "          [--attestation none|optional|required] [--trust-anchor PEM]... [--json] FILE\n"
	    "                                            verify a WebAuthn registration response\n"
	    "  passkey verify-assertion --rp-id ID --origin ORIGIN --challenge B64URL\n"
	    "          --public-key COSE --sign-count N [--json] FILE\n"
	    "                                            verify a WebAuthn assertion response\n"
	    "  (mfactl passkey verify-registration --help lists every passkey option)\n"
	    "\n"
	    "Passwords are read from standard input with --password-stdin, or asked for on\n"
	    "the terminal; they are never taken from the command line.\n");
}

int
cli_open_app(struct cli *cli, int create)
{
	const char *path;
	char err[512];

	if (cli->have_app)
		return 0;
	if (config_finish(&cli->cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "mfactl: %s\n", err);
		return -1;
	}
	path = cli->cfg.database;
	if (strncmp(path, "sqlite:", 7) == 0)
		path += 7;
	if (!create && access(path, F_OK) != 0) {
		fprintf(stderr, "mfactl: no database at %s: run mfactl init first, or name the data "
		    "folder with -d DIR or the settings with -c FILE\n", path);
		return -1;
	}
	if (app_init(&cli->app, &cli->cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "mfactl: %s\n", err);
		app_shutdown(&cli->app);
		return -1;
	}
	cli->have_app = 1;
	/* Changes made here are the operator's: the audit log shows them as local. */
	audit_context_begin(AUDIT_SRC_LOCAL, "mfactl");
	return 0;
}

/* Parse global options; returns the index of the command, or -1. */
static int
mfactl_globals(struct cli *cli, int argc, char **argv)
{
	char err[512];
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *opt = argv[i];

		if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0) {
			mfactl_usage(stdout);
			exit(CLI_OK);
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "mfactl: %s needs a value\n", opt);
			return -1;
		}
		if (strcmp(opt, "-c") == 0 || strcmp(opt, "--config") == 0) {
			if (config_load_file(&cli->cfg, argv[++i], err, sizeof(err)) != 0) {
				fprintf(stderr, "mfactl: %s\n", err);
				return -1;
			}
		} else if (strcmp(opt, "-d") == 0 || strcmp(opt, "--data-dir") == 0) {
			if (config_set(&cli->cfg, "storage", "data_dir", argv[++i], err,
			    sizeof(err)) != 0) {
				fprintf(stderr, "mfactl: %s\n", err);
				return -1;
			}
		} else {
			fprintf(stderr, "mfactl: unknown option %s (see mfactl --help)\n", opt);
			return -1;
		}
	}
	return i;
}

int
main(int argc, char **argv)
{
	/* Static: the settings, copied into cli.app too, are too large for one stack frame. */
	static struct cli cli;
	const char *cmd;
	int i;
	int r;

	memset(&cli, 0, sizeof(cli));
	config_defaults(&cli.cfg);
	/* Only warnings and errors: mfactl prints its own results. */
	log_init(stderr, LOG_LEVEL_WARN);

	i = mfactl_globals(&cli, argc, argv);
	if (i < 0)
		return CLI_USAGE;
	if (i >= argc) {
		mfactl_usage(stderr);
		return CLI_USAGE;
	}
	cmd = argv[i];
	argc -= i;
	argv += i;

	if (strcmp(cmd, "totp") == 0)
		r = cmd_totp(argc, argv);
	else if (strcmp(cmd, "passkey") == 0)
		r = cmd_passkey(argc, argv);
	else if (strcmp(cmd, "init") == 0)
		r = cmd_init(&cli, argc, argv);
	else if (strcmp(cmd, "user") == 0)
		r = cmd_user(&cli, argc, argv);
	else if (strcmp(cmd, "password") == 0)
		r = cmd_password(&cli, argc, argv);
	else if (strcmp(cmd, "mfa") == 0)
		r = cmd_mfa(&cli, argc, argv);
	else if (strcmp(cmd, "mail") == 0)
		r = cmd_mail(&cli, argc, argv);
	else if (strcmp(cmd, "audit") == 0)
		r = cmd_audit(&cli, argc, argv);
	else if (strcmp(cmd, "token") == 0)
		r = cmd_token(&cli, argc, argv);
	else if (strcmp(cmd, "help") == 0) {
		mfactl_usage(stdout);
		r = CLI_OK;
	} else {
		fprintf(stderr, "mfactl: unknown command '%s' (see mfactl --help)\n", cmd);
		r = CLI_USAGE;
	}

	if (cli.have_app)
		app_shutdown(&cli.app);
	return r;
}
