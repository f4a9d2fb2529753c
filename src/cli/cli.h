/* SPDX-License-Identifier: MIT */
/* Shared parts of mfactl's commands. */
#ifndef MFACTL_CLI_H
#define MFACTL_CLI_H

#include "server/app.h"
#include "server/config.h"
#include "server/errors.h"

/* Exit codes. */
enum {
	CLI_OK = 0,
	CLI_FAILED = 1, /* the operation failed */
	CLI_USAGE = 2,  /* the command line is wrong */
};

/* Global options, parsed before the command. */
struct cli {
	struct mfad_config cfg;
	int have_app;
	struct app app;
};

/*
 * Open the database and keys of cli->cfg; only with create may they be made
 * (by init), so a mistyped -d never leaves an empty database and a new key.
 * Returns 0, or -1 after printing why.
 */
int cli_open_app(struct cli *cli, int create);

/* Print st's message for an error r to stderr. Returns CLI_OK for SRV_OK, else CLI_FAILED. */
int cli_report(int r, const struct srv_status *st);

/*
 * Open the app and find the user of a principal ("name@alias", or "alias"
 * for the owner). Returns 0, or -1 after printing why.
 */
int cli_find_user(struct cli *cli, const char *principal, struct store_account *acct,
    struct store_user *user);

/* "mfactl token ...": create, list and revoke API tokens. */
int cmd_token(struct cli *cli, int argc, char **argv);

/* "mfactl totp ...": code and uri. */
int cmd_totp(int argc, char **argv);

/* "mfactl passkey ...": verify-registration and verify-assertion. */
int cmd_passkey(int argc, char **argv);

/* Admin commands: init, user, password, mfa. */
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_user(struct cli *cli, int argc, char **argv);
int cmd_password(struct cli *cli, int argc, char **argv);
int cmd_mfa(struct cli *cli, int argc, char **argv);

/* "mfactl mail ...": test and status. */
int cmd_mail(struct cli *cli, int argc, char **argv);

/* "mfactl audit ...": list and export. */
int cmd_audit(struct cli *cli, int argc, char **argv);

#endif
