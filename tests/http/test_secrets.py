"""Secrets kept out of the log and the database, storage settings and the master key."""

import base64
import os
import re
import stat
import subprocess
import unittest

import harness
from harness import STEP, totp

ALICE_PASSWORD = "alice first password"
ALICE_NEW_PASSWORD = "alice second password"
WRONG_PASSWORD = "alice mistyped password"
BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")


def sqlite(db_path, sql):
    out = subprocess.run([harness.SQLITE3, db_path, sql], capture_output=True, text=True,
                         timeout=30, check=True)
    return out.stdout


class SecretsTest(harness.MfadTestCase):
    """Searches of the log and database left by one full flow run in setUpClass."""

    @classmethod
    def setUpClass(cls):
        cls.shared_server = harness.start_server(cls.addClassCleanup)
        cls.flow = {}
        runner = cls("run_flow")
        runner.server = cls.shared_server
        runner.run_flow()
        cls.shared_server.stop()

    def setUp(self):
        self.server = self.shared_server

    def run_flow(self):
        """Run logons, enrolment, binding and a password change, keeping every secret used."""
        flow = self.flow
        self.owner_token = self.logon_owner()
        flow["tokens"] = [self.owner_token]
        flow["passwords"] = [harness.OWNER_PASSWORD, ALICE_PASSWORD, ALICE_NEW_PASSWORD,
                             WRONG_PASSWORD]
        flow["codes"] = []

        self.create_user("alice", ALICE_PASSWORD, mfa_bind_required=True)
        self.create_user("bob", ALICE_PASSWORD)
        self.assertError(self.login("alice@example", WRONG_PASSWORD), 401,
                         "InvalidCredentials", "wrong password")
        bind_token = self.assertOK(self.login("alice@example", ALICE_PASSWORD),
                                   "Login")["SessionToken"]
        flow["tokens"].append(bind_token)

        device = self.create_device(bind_token)
        secret = device["Base32StringSeed"]
        flow["secret"] = secret
        self.server.align_step()
        code1, code2 = self.bind_codes(secret)
        flow["codes"] += [code1, code2]
        r = self.post("BindMFADevice", {"SerialNumber": device["SerialNumber"],
                                        "AuthenticationCode1": code1,
                                        "AuthenticationCode2": code2}, token=bind_token)
        flow["tokens"].append(self.assertOK(r, "BindMFADevice")["SessionToken"])

        self.server.align_step()
        challenge = self.challenge("alice@example", ALICE_PASSWORD)
        flow["challenge"] = challenge
        wrong = self.wrong_code(secret)
        self.assertError(self.login_mfa(challenge, wrong), 401, "InvalidMFACode", "wrong code")
        code3 = totp(secret, self.server.now())
        flow["codes"] += [wrong, code3]
        body = self.assertOK(self.login_mfa(challenge, code3), "LoginMFA")
        token = body["SessionToken"]
        flow["tokens"].append(token)
        self.assertError(self.login_mfa(self.challenge("alice@example", ALICE_PASSWORD), code3),
                         401, "MFACodeReused", "replayed code")

        r = self.post("ChangePassword", {"OldPassword": ALICE_PASSWORD,
                                         "NewPassword": ALICE_NEW_PASSWORD}, token=token)
        flow["tokens"].append(self.assertOK(r, "ChangePassword")["SessionToken"])
        self.assertOK(self.post("Logout", {}, token=flow["tokens"][-1]), "Logout")

    # ---- log ----

    def test_log_has_no_secrets(self):
        log = self.server.log_text()
        self.assertIn("event=logon_success", log, "the log should record the flow")
        secret = self.flow["secret"]
        for name, value in (("base32 seed", secret), ("lower-case seed", secret.lower()),
                            ("unpadded seed", secret.rstrip("=")),
                            ("challenge", self.flow["challenge"])):
            self.assertNotIn(value, log, "the log contains the %s" % name)
        for i, password in enumerate(self.flow["passwords"]):
            self.assertNotIn(password, log, "the log contains password %d" % i)
        for i, token in enumerate(self.flow["tokens"]):
            self.assertNotIn(token, log, "the log contains session token %d" % i)

    def test_log_has_no_codes(self):
        log = self.server.log_text()
        for code in self.flow["codes"]:
            for m in re.finditer(r"(?<![0-9])%s(?![0-9])" % code, log):
                line_start = log.rfind("\n", 0, m.start()) + 1
                before = log[line_start:m.start()]
                # Durations in microseconds can match a code by chance.
                if before.endswith(" us="):
                    continue
                line_end = log.find("\n", m.end())
                self.fail("the log contains TOTP code %s: %r" % (code, log[line_start:line_end]))

    # ---- database ----

    def dump(self):
        return sqlite(self.server.db_path, ".dump")

    def raw_files(self):
        data = b""
        for name in sorted(os.listdir(self.server.data_dir)):
            if name.startswith("mfad.db"):
                with open(os.path.join(self.server.data_dir, name), "rb") as f:
                    data += f.read()
        return data

    def test_database_has_no_seed(self):
        secret = self.flow["secret"]
        raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
        dump = self.dump()
        for name, value in (("base32 seed", secret.rstrip("=")),
                            ("lower-case seed", secret.rstrip("=").lower()),
                            ("hex seed", raw.hex()), ("upper-case hex seed", raw.hex().upper())):
            self.assertNotIn(value, dump, "the database dump contains the %s" % name)
        self.assertNotIn(raw, self.raw_files(), "the database files contain the raw seed")

    def test_database_has_no_tokens(self):
        dump = self.dump()
        files = self.raw_files()
        for i, token in enumerate(self.flow["tokens"]):
            self.assertNotIn(token, dump, "the database dump contains session token %d" % i)
            self.assertNotIn(token.encode(), files, "the database files contain token %d" % i)
        self.assertNotIn(self.flow["challenge"], dump, "the database dump has the challenge")

    def test_database_has_no_passwords(self):
        files = self.raw_files()
        for i, password in enumerate(self.flow["passwords"]):
            self.assertNotIn(password.encode(), files, "the database files contain password %d"
                             % i)

    def test_password_hash_argon2id(self):
        rows = sqlite(self.server.db_path, "SELECT password_hash FROM login_profiles").split()
        self.assertEqual(len(rows), 3, "owner, alice and bob have login profiles: %r" % rows)
        for h in rows:
            self.assertTrue(h.startswith("$argon2id$v=19$m="), "stored hash %r" % h[:30])
        self.assertEqual(len(set(rows)), len(rows),
                         "equal passwords must give different hashes (a salt each)")

    def test_journal_mode_wal(self):
        mode = sqlite(self.server.db_path, "PRAGMA journal_mode").strip()
        self.assertEqual(mode, "wal", "journal_mode of the database file")

    def test_session_tokens_random(self):
        tokens = self.flow["tokens"]
        self.assertEqual(len(set(tokens)), len(tokens), "every logon needs a new token")
        for token in tokens:
            self.assertGreaterEqual(len(token), 43, "token %r is shorter than 256 bits" % token)
            self.assertRegex(token, BASE64URL, "tokens are base64url")

    # ---- files ----

    def test_key_file_private(self):
        mode = stat.S_IMODE(os.stat(self.server.key_path).st_mode)
        self.assertEqual(mode, 0o600, "master.key has mode %o" % mode)

    def test_data_dir_private(self):
        mode = stat.S_IMODE(os.stat(self.server.data_dir).st_mode)
        self.assertEqual(mode & 0o077, 0, "the data folder has mode %o" % mode)
        mode = stat.S_IMODE(os.stat(self.server.db_path).st_mode)
        self.assertEqual(mode & 0o077, 0, "mfad.db has mode %o" % mode)


class MasterKeyTest(harness.MfadTestCase):

    def test_missing_key_refuses_start(self):
        self.create_user("alice", ALICE_PASSWORD)
        self.server.stop()
        os.remove(self.server.key_path)
        status = self.server.start(expect_failure=True)
        self.assertIsNotNone(status, "mfad started without its master key")
        self.assertNotEqual(status, 0, "mfad exit status without its master key")
        self.assertIn("key file", self.server.log_text(), "the log should name the key file")
        self.assertFalse(os.path.exists(self.server.key_path),
                         "mfad must not make a new key for a database with accounts")

    def test_restart_keeps_device_usable(self):
        secret = self.enrol_user("alice", ALICE_PASSWORD)
        self.server.stop()
        self.server.start()
        self.server.align_step(STEP // 2)
        self.assertOK(self.login_mfa(self.challenge("alice@example", ALICE_PASSWORD),
                                     self.server.code(secret)),
                      "LoginMFA after a restart, with the stored key")


if __name__ == "__main__":
    unittest.main()
