"""Regression tests for attacks found by review: shared database files, parallel guessing,
locked password changes, restricted sessions, stale logons, connection hogging, log forging
and error messages that echo the request."""

import os
import socket
import subprocess
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import harness
from harness import HOST, MFACTL_BIN

PASSWORD = "bob password 01"
NEW_PASSWORD = "bob password 02"
BOB = "bob@example"
LOCK_THRESHOLD = 5      # default security.lockout_threshold
PER_IP_LIMIT = 64       # connections mfad accepts at once from one address


def log_count(server, needle):
    """Return how many lines of the server's log contain needle."""
    return sum(1 for line in server.log_text().splitlines() if needle in line)


class SharedDatabaseTest(harness.MfadTestCase):
    """mfactl may open the database while mfad runs: mfad's writes must survive."""

    def test_mfactl_keeps_wal_and_writes(self):
        owner = self.logon_owner()
        # Several requests, so several worker threads open their own database handles.
        for i in range(8):
            self.assertOK(self.post("WhoAmI", token=owner), "WhoAmI %d" % i)
        wal = self.server.db_path + "-wal"
        self.assertTrue(os.path.exists(wal), "mfad runs in WAL mode")

        out = subprocess.run([MFACTL_BIN, "--data-dir", self.server.data_dir, "user", "list",
                              "example"], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, "mfactl user list: %s" % out.stderr)
        self.assertTrue(os.path.exists(wal), "mfactl must not delete the WAL file of a running mfad")

        self.assertOK(self.post("CreateUser", {"UserName": "carol"}, token=owner), "CreateUser")
        self.server.proc.kill()
        self.server.proc.wait()
        self.server.proc = None
        self.server.start()
        owner = self.logon_owner()
        self.assertOK(self.post("GetUser", {"UserName": "carol"}, token=owner),
                      "a user created after mfactl ran survives a crash")


class MfactlMissingDatabaseTest(unittest.TestCase):
    """mfactl creates a database and key only for init, never for a mistyped folder."""

    def test_no_database_created(self):
        missing = os.path.join(os.environ.get("TMPDIR", "/tmp"), "mfad-missing-%d" % os.getpid())
        out = subprocess.run([MFACTL_BIN, "--data-dir", missing, "user", "list", "example"],
                             capture_output=True, text=True, timeout=60)
        self.assertNotEqual(out.returncode, 0, "user list without a database must fail")
        self.assertIn("no database", out.stderr)
        self.assertFalse(os.path.exists(missing), "mfactl must not create %s" % missing)


class ParallelGuessTest(harness.MfadTestCase):
    """Parallel requests cannot check more guesses than the lockout allows."""

    def test_parallel_passwords_bounded(self):
        self.create_user("bob", PASSWORD)
        with ThreadPoolExecutor(max_workers=20) as pool:
            statuses = list(pool.map(lambda i: self.login(BOB, "wrong %d" % i).status,
                                     range(20)))
        self.assertEqual(statuses, [401] * 20, "every wrong password is refused")
        checked = log_count(self.server, "reason=wrong_password")
        self.assertLessEqual(checked, LOCK_THRESHOLD,
                             "at most %d of 20 parallel guesses may be checked, %d were"
                             % (LOCK_THRESHOLD, checked))
        r = self.login(BOB, PASSWORD)
        self.assertError(r, 401, "InvalidCredentials", "the right password while locked")

    def test_parallel_right_passwords_leave_no_lock(self):
        self.enrol_user("bob", PASSWORD)
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda i: self.login(BOB, PASSWORD), range(8)))
        body = self.assertOK(self.login(BOB, PASSWORD), "Login after a burst of right passwords")
        self.assertEqual(body.get("Status"), "MFARequired", "Login: %r" % (body,))

    def test_parallel_codes_bounded(self):
        secret = self.enrol_user("bob", PASSWORD)
        challenge = self.challenge(BOB, PASSWORD)
        right = self.server.code(secret)
        wrong = ["%06d" % ((int(right) + 1 + i) % 1000000) for i in range(10)]
        with ThreadPoolExecutor(max_workers=10) as pool:
            list(pool.map(lambda code: self.login_mfa(challenge, code), wrong))
        checked = sum(1 for line in self.server.log_text().splitlines()
                      if "event=logon_failure step=mfa" in line
                      and "outcome=locked" not in line and "outcome=spent" not in line)
        self.assertLessEqual(checked, LOCK_THRESHOLD,
                             "at most %d of 10 parallel codes may be checked, %d were"
                             % (LOCK_THRESHOLD, checked))


class ChangePasswordLockTest(harness.MfadTestCase):
    """ChangePassword guesses count toward the lockout and stop while it is locked."""

    def test_locked_change_password_refused(self):
        self.create_user("bob", PASSWORD)
        token = self.assertOK(self.login(BOB, PASSWORD), "Login")["SessionToken"]
        for i in range(LOCK_THRESHOLD):
            r = self.post("ChangePassword", {"OldPassword": "wrong %d" % i,
                                             "NewPassword": NEW_PASSWORD}, token=token)
            self.assertError(r, 401, "InvalidCredentials", "wrong OldPassword %d" % i)
        r = self.post("ChangePassword", {"OldPassword": PASSWORD, "NewPassword": NEW_PASSWORD},
                      token=token)
        self.assertError(r, 429, "LogonLocked", "the right OldPassword while locked")
        self.assertIsNotNone(r.headers.get("Retry-After"), "Retry-After: %r" % (r,))


class RestrictedOwnerTest(harness.MfadTestCase):
    """A bind-mfa session acts only for its own user, the owner's included."""

    def test_owner_bind_session_cannot_bind_other(self):
        self.create_user("bob", PASSWORD)
        out = subprocess.run([MFACTL_BIN, "--data-dir", self.server.data_dir, "password", "set",
                              "example", "--password-stdin", "--mfa-bind-required"],
                             input=self.server.owner_password + "\n", capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 0, "mfactl password set: %s" % out.stderr)
        body = self.assertOK(self.post("Login", {"Principal": "example",
                                                 "Password": self.server.owner_password}),
                             "owner Login")
        self.assertEqual(body.get("Scope"), "bind-mfa", "owner Login: %r" % (body,))
        restricted = body["SessionToken"]
        r = self.post("CreateVirtualMFADevice", {"UserName": "bob"}, token=restricted)
        self.assertError(r, 403, "SessionRestricted", "a device for bob from a bind-mfa session")
        r = self.post("BindMFADevice", {"UserName": "bob", "SerialNumber": "x",
                                        "AuthenticationCode1": "000000",
                                        "AuthenticationCode2": "000001"}, token=restricted)
        self.assertError(r, 403, "SessionRestricted", "binding bob from a bind-mfa session")


class StaleLogonTest(harness.MfadTestCase):
    """A new password ends logons the old one started."""

    def test_challenge_dies_with_reset(self):
        secret = self.enrol_user("bob", PASSWORD)
        challenge = self.challenge(BOB, PASSWORD)
        owner = self.logon_owner()
        self.assertOK(self.post("UpdateLoginProfile", {"UserName": "bob",
                                                       "Password": NEW_PASSWORD}, token=owner),
                      "owner resets bob's password")
        r = self.login_mfa(challenge, self.server.code(secret))
        self.assertError(r, 401, "InvalidChallenge", "a challenge of the old password")

    def test_login_during_reset_refused(self):
        self.create_user("bob", PASSWORD)
        owner = self.logon_owner()
        results = {}

        def reset():
            results["reset"] = self.post("UpdateLoginProfile",
                                         {"UserName": "bob", "Password": NEW_PASSWORD},
                                         token=owner).status

        thread = threading.Thread(target=reset)
        thread.start()
        time.sleep(0.03)  # the reset is hashing; the logon loads the old profile now
        r = self.login(BOB, PASSWORD)
        thread.join()
        self.assertEqual(results.get("reset"), 200, "the reset succeeds")
        if r.status == 200:
            # The logon finished before the reset wrote: its session must be gone now.
            whoami = self.post("WhoAmI", token=r.json["SessionToken"])
            self.assertEqual(whoami.status, 401, "a session of the old password after the reset")
        else:
            self.assertError(r, 401, "InvalidCredentials", "Login with the old password")


class ConnectionLimitTest(harness.MfadTestCase):
    """One address cannot hold every connection of the server."""

    def test_per_address_limit(self):
        connections = []
        try:
            for _ in range(PER_IP_LIMIT + 36):
                s = socket.create_connection((HOST, self.server.port), timeout=10)
                try:
                    s.sendall(b"POST /api/v1/Login HTTP/1.1\r\nHost: x\r\n")
                except (ConnectionResetError, BrokenPipeError):
                    pass
                connections.append(s)
            time.sleep(0.5)
            open_count = 0
            for s in connections:
                s.setblocking(False)
                try:
                    open_count += 0 if s.recv(1) == b"" else 1
                except BlockingIOError:
                    open_count += 1  # still waiting for the rest of its request
                except ConnectionResetError:
                    pass
            self.assertLessEqual(open_count, PER_IP_LIMIT,
                                 "one address may hold at most %d connections, held %d"
                                 % (PER_IP_LIMIT, open_count))

            other = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            other.settimeout(10)
            other.bind(("127.0.0.2", 0))
            other.connect((HOST, self.server.port))
            other.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            self.assertTrue(other.recv(100).startswith(b"HTTP/1.1 200"),
                            "another address is still served")
            other.close()
        finally:
            for s in connections:
                s.close()


class OpenChallengeTest(harness.MfadTestCase):
    """Anyone may start a passwordless logon, but one address cannot fill the database."""

    def test_passwordless_start_throttled(self):
        statuses = [self.post("StartPasskeyLogin", {}).status for _ in range(40)]
        self.assertEqual(statuses[0], 200, "the first start is served")
        self.assertIn(429, statuses, "40 starts at once from one address must be throttled")
        r = self.post("StartPasskeyLogin", {})
        if r.status == 429:
            self.assertError(r, 429, "Throttling", "a start over the limit")
            self.assertIsNotNone(r.headers.get("Retry-After"), "Retry-After: %r" % (r,))

    def test_totp_session_not_user_verified(self):
        secret = self.enrol_user("bob", PASSWORD)
        r = self.login_mfa(self.challenge(BOB, PASSWORD), self.server.code(secret))
        token = self.assertOK(r, "LoginMFA")["SessionToken"]
        me = self.assertOK(self.post("WhoAmI", token=token), "WhoAmI")
        self.assertFalse(me["UserVerified"], "a code verifies no user: %r" % (me,))


class EchoTest(harness.MfadTestCase):
    """Responses and the log never repeat client text that could hide a secret or forge a line."""

    def test_malformed_json_not_echoed(self):
        r = self.post("Login", raw_body=b'{"Principal": "example", "Password": "Sup3rSecret\\q"}')
        self.assertError(r, 400, "MalformedJSON", "a body with a bad escape")
        self.assertNotIn("Sup3rSecret", r.raw.decode("utf-8", "replace"),
                         "the answer must not quote the body")

    def test_method_quoted_in_log(self):
        status, _ = self.server.raw_request(
            b"P\x0bsrc=1\x1b /api/v1/Login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        time.sleep(0.2)
        for line in self.server.log_text().splitlines():
            self.assertNotIn("\x0b", line, "a raw control character in the log")
            self.assertNotIn("\x1b", line, "a raw escape in the log")

    def test_owner_password_set_logged(self):
        self.create_user("bob", PASSWORD)
        self.assertGreaterEqual(log_count(self.server, "event=password_set"), 1,
                                "CreateLoginProfile logs the password set by the owner")


if __name__ == "__main__":
    unittest.main()
