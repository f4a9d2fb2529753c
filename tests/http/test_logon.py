"""Logon: TOTP window and single use, binding rules, challenges, lockout, scopes, expiry."""

import statistics
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import harness
from harness import STEP, totp

PASSWORD = "bob password 01"
BOB = "bob@example"
LOCK_THRESHOLD = 5      # default security.lockout_threshold
LOCK_FIRST_S = 30       # default security.lockout_base_delay
SESSION_IDLE_S = 3600   # default security.session_idle
SESSION_TTL_S = 6 * 3600


class CodeWindowTest(harness.MfadTestCase):
    """Codes one step either side of the server's time pass, and codes two steps away fail."""

    def setUp(self):
        super().setUp()
        self.secret = self.enrol_user("bob", PASSWORD)
        # Step away from the step used at binding, so the step before now is unused.
        self.server.advance(3 * STEP)

    def test_request_log_names_the_user(self):
        challenge = self.challenge(BOB, PASSWORD)
        body = self.assertOK(self.login_mfa(challenge, self.server.code(self.secret)), "LoginMFA")
        user_id = body["User"]["UserId"]
        log = self.server.log_text()
        for path in ("/api/v1/Login ", "/api/v1/LoginMFA "):
            lines = [line for line in log.splitlines()
                     if "event=request" in line and "path=" + path in line]
            self.assertTrue(lines, "no request line for %s" % path)
            self.assertIn("user_id=%s" % user_id, lines[-1], path)

    def test_replayed_code_rejected(self):
        code = self.server.code(self.secret)
        self.assertOK(self.login_mfa(self.challenge(BOB, PASSWORD), code), "first use")
        r = self.login_mfa(self.challenge(BOB, PASSWORD), code)
        self.assertError(r, 401, "MFACodeReused", "the same code on a new challenge")

    def test_code_one_step_old_accepted(self):
        r = self.login_mfa(self.challenge(BOB, PASSWORD), self.server.code(self.secret, -STEP))
        self.assertOK(r, "code for now-30 s")

    def test_code_one_step_ahead_accepted(self):
        r = self.login_mfa(self.challenge(BOB, PASSWORD), self.server.code(self.secret, STEP))
        self.assertOK(r, "code for now+30 s")

    def test_code_two_steps_old_rejected(self):
        code = self.server.code(self.secret, -2 * STEP)
        r = self.login_mfa(self.challenge(BOB, PASSWORD), code)
        self.assertError(r, 401, "InvalidMFACode", "code for now-60 s")

    def test_code_two_steps_ahead_rejected(self):
        code = self.server.code(self.secret, 2 * STEP)
        r = self.login_mfa(self.challenge(BOB, PASSWORD), code)
        self.assertError(r, 401, "InvalidMFACode", "code for now+60 s")

    def test_code_before_last_used_rejected(self):
        self.assertOK(self.login_mfa(self.challenge(BOB, PASSWORD),
                                     self.server.code(self.secret, STEP)), "code for now+30 s")
        r = self.login_mfa(self.challenge(BOB, PASSWORD), self.server.code(self.secret))
        self.assertError(r, 401, "MFACodeReused",
                         "code for now, older than the step used last")

    def test_client_time_field_ignored(self):
        old = self.server.now() - 10 * STEP
        r = self.post("LoginMFA", {"Challenge": self.challenge(BOB, PASSWORD), "Method": "totp",
                                   "Code": totp(self.secret, old), "Time": old})
        self.assertError(r, 401, "InvalidMFACode", "old code with a matching client Time")
        r = self.post("LoginMFA", {"Challenge": self.challenge(BOB, PASSWORD), "Method": "totp",
                                   "Code": self.server.code(self.secret), "Time": old})
        self.assertOK(r, "current code with an old client Time")

    def test_wrong_codes_spend_challenge(self):
        challenge = self.challenge(BOB, PASSWORD)
        wrong = self.wrong_code(self.secret)
        for attempt in range(1, 5):
            r = self.login_mfa(challenge, wrong)
            self.assertError(r, 401, "InvalidMFACode", "wrong code %d of 5" % attempt)
            self.assertIn(str(5 - attempt), r.json.get("message", ""),
                          "the message should say how many tries are left: %r" % (r.json,))
        r = self.login_mfa(challenge, wrong)
        self.assertEqual(r.status, 401, "fifth wrong code: %r" % (r,))
        r = self.login_mfa(challenge, self.server.code(self.secret))
        self.assertError(r, 401, "InvalidChallenge", "right code on a spent challenge")

    def test_unknown_challenge_rejected(self):
        r = self.login_mfa("A" * 43, self.server.code(self.secret))
        self.assertError(r, 401, "InvalidChallenge", "made-up challenge")

    def test_challenge_expires(self):
        challenge = self.challenge(BOB, PASSWORD)
        self.server.advance(301)
        r = self.login_mfa(challenge, self.server.code(self.secret))
        self.assertError(r, 401, "InvalidChallenge", "challenge after 5 minutes")


class BindTest(harness.MfadTestCase):
    """BindMFADevice needs two consecutive, current codes in order."""

    def setUp(self):
        super().setUp()
        self.create_user("bob", PASSWORD)
        self.device = self.create_device(self.owner_token, "bob")
        self.secret = self.device["Base32StringSeed"]
        self.server.align_step()

    def bind(self, code1, code2):
        return self.post("BindMFADevice", {"UserName": "bob",
                                           "SerialNumber": self.device["SerialNumber"],
                                           "AuthenticationCode1": code1,
                                           "AuthenticationCode2": code2},
                         token=self.owner_token)

    def assertPending(self, what):
        info = self.assertOK(self.post("GetUserMFAInfo", {"UserName": "bob"},
                                       token=self.owner_token), "GetUserMFAInfo")
        self.assertEqual(info["MFADevice"].get("Status"), "pending",
                         "%s must leave the device pending: %r" % (what, info))

    def test_bind_rejects_equal_codes(self):
        code = self.server.code(self.secret)
        self.assertError(self.bind(code, code), 400, "InvalidParameter", "two equal codes")
        self.assertPending("two equal codes")

    def test_bind_rejects_non_consecutive_codes(self):
        r = self.bind(self.server.code(self.secret, -2 * STEP), self.server.code(self.secret))
        self.assertError(r, 400, "InvalidParameter", "codes of step-2 and step")
        self.assertPending("codes of step-2 and step")

    def test_bind_rejects_reversed_codes(self):
        r = self.bind(self.server.code(self.secret), self.server.code(self.secret, -STEP))
        self.assertError(r, 400, "InvalidParameter", "codes of step and step-1")
        self.assertPending("codes of step and step-1")

    def test_bind_rejects_stale_codes(self):
        r = self.bind(self.server.code(self.secret, -3 * STEP),
                      self.server.code(self.secret, -2 * STEP))
        self.assertError(r, 400, "InvalidParameter", "codes of step-3 and step-2")
        self.assertPending("codes of step-3 and step-2")

    def test_bind_rejects_malformed_code(self):
        r = self.bind("12345", self.server.code(self.secret))
        self.assertError(r, 400, "InvalidParameter", "a 5-digit code")
        self.assertPending("a 5-digit code")

    def test_bind_rejects_wrong_serial(self):
        r = self.post("BindMFADevice", {"UserName": "bob",
                                        "SerialNumber": "acs:ram::example:mfa/other",
                                        "AuthenticationCode1": self.server.code(self.secret,
                                                                                -STEP),
                                        "AuthenticationCode2": self.server.code(self.secret)},
                      token=self.owner_token)
        self.assertError(r, 404, "EntityNotExist.VirtualMFADevice", "another serial number")
        self.assertPending("another serial number")

    def test_bound_device_not_replaced(self):
        self.assertOK(self.bind(self.server.code(self.secret, -STEP),
                                self.server.code(self.secret)), "bind")
        r = self.post("CreateVirtualMFADevice", {"UserName": "bob"}, token=self.owner_token)
        self.assertError(r, 409, "EntityAlreadyExists.VirtualMFADevice",
                         "CreateVirtualMFADevice over a bound device")


class LockoutTest(harness.MfadTestCase):
    """Consecutive failures lock a principal; its answers match a wrong password's."""

    def setUp(self):
        super().setUp()
        self.create_user("bob", PASSWORD)

    def fail(self, principal=BOB, times=1):
        for i in range(times):
            r = self.login(principal, "wrong password %d" % i)
            self.assertError(r, 401, "InvalidCredentials", "wrong password for %s" % principal)
        return r

    def test_lockout_refuses_right_password(self):
        self.fail(times=LOCK_THRESHOLD)
        r = self.login(BOB, PASSWORD)
        self.assertError(r, 401, "InvalidCredentials", "right password while locked")
        self.assertIsNone(r.headers.get("Set-Cookie"), "no cookie while locked")

    def test_lockout_ends_after_delay(self):
        self.fail(times=LOCK_THRESHOLD)
        self.server.advance(LOCK_FIRST_S - 5)
        self.assertError(self.login(BOB, PASSWORD), 401, "InvalidCredentials",
                         "right password 25 s into a 30 s lock")
        self.server.advance(6)
        body = self.assertOK(self.login(BOB, PASSWORD), "right password after the lock")
        self.assertEqual(body.get("Status"), "OK", "after the lock: %r" % (body,))

    def test_refused_attempts_not_counted(self):
        self.fail(times=LOCK_THRESHOLD)
        for _ in range(3):
            self.login(BOB, "wrong during the lock")
        self.server.advance(LOCK_FIRST_S + 1)
        self.assertOK(self.login(BOB, PASSWORD),
                      "right password once the first lock ends, after refused attempts")

    def test_lock_doubles_after_next_failure(self):
        self.fail(times=LOCK_THRESHOLD)
        self.server.advance(LOCK_FIRST_S + 1)
        self.fail()
        self.server.advance(2 * LOCK_FIRST_S - 5)
        self.assertError(self.login(BOB, PASSWORD), 401, "InvalidCredentials",
                         "right password 55 s into the second, 60 s lock")
        self.server.advance(6)
        self.assertOK(self.login(BOB, PASSWORD), "right password after the second lock")

    def test_locked_answer_matches_wrong_password(self):
        wrong = self.fail()
        unknown = self.login("nobody@example", PASSWORD)
        malformed = self.login("not a principal", PASSWORD)
        self.fail(times=LOCK_THRESHOLD - 1)
        locked = self.login(BOB, PASSWORD)
        for name, r in (("unknown user", unknown), ("malformed principal", malformed),
                        ("locked principal", locked)):
            self.assertEqual(r.status, wrong.status, "%s vs wrong password: status" % name)
            self.assertEqual(r.raw, wrong.raw, "%s vs wrong password: body" % name)
            self.assertEqual(r.headers.get("Retry-After"), wrong.headers.get("Retry-After"),
                             "%s vs wrong password: Retry-After" % name)

    def test_locked_answer_not_faster(self):
        self.create_user("carol", PASSWORD)
        self.fail(times=LOCK_THRESHOLD)
        times = {"wrong password": [], "locked principal": [], "unknown user": []}
        # Interleaved rounds see the same machine load; carol stays under the threshold.
        for i in range(LOCK_THRESHOLD - 1):
            for name, principal, password in (
                    ("wrong password", "carol@example", "wrong password %d" % i),
                    ("locked principal", BOB, PASSWORD),
                    ("unknown user", "nobody%d@example" % i, PASSWORD)):
                start = time.monotonic()
                self.login(principal, password)
                times[name].append(time.monotonic() - start)
        wrong = statistics.median(times["wrong password"])
        # Loose bounds: this catches a missing hash or pad, not small timing leaks.
        for name in ("locked principal", "unknown user"):
            self.assertGreater(statistics.median(times[name]), wrong / 2,
                               "a %s answers much faster than a wrong password: %r"
                               % (name, times))

    def test_success_resets_failure_count(self):
        for round_ in range(3):
            self.fail(times=LOCK_THRESHOLD - 1)
            self.assertOK(self.login(BOB, PASSWORD),
                          "right password after %d failures, round %d" % (LOCK_THRESHOLD - 1,
                                                                         round_ + 1))

    def test_case_variants_share_counter(self):
        self.create_user("Test-User", PASSWORD)
        for principal in ("Test-User@example", "test-user@example", "TEST-USER@EXAMPLE",
                          "test-user@Example", "tEST-uSER@example"):
            self.fail(principal)
        r = self.login("test-user@example", PASSWORD)
        self.assertError(r, 401, "InvalidCredentials",
                         "right password after 5 failures spread over case variants")

    def test_unknown_user_failures_counted(self):
        self.fail("carol@example", times=LOCK_THRESHOLD)
        self.create_user("carol", PASSWORD)
        self.assertError(self.login("carol@example", PASSWORD), 401, "InvalidCredentials",
                         "a user created after its name was locked")

    def test_owner_lockout(self):
        self.fail("example", times=LOCK_THRESHOLD)
        self.assertError(self.login("example", harness.OWNER_PASSWORD), 401,
                         "InvalidCredentials", "owner's right password while locked")


class MFALockoutTest(harness.MfadTestCase):
    """Wrong and empty codes count toward the same lock as wrong passwords."""

    def setUp(self):
        super().setUp()
        self.secret = self.enrol_user("bob", PASSWORD)

    def test_wrong_codes_lock_principal(self):
        wrong = self.wrong_code(self.secret)
        first = self.challenge(BOB, PASSWORD)
        for _ in range(LOCK_THRESHOLD - 1):
            self.assertError(self.login_mfa(first, wrong), 401, "InvalidMFACode", "wrong code")
        second = self.challenge(BOB, PASSWORD)
        self.assertError(self.login_mfa(second, wrong), 401, "InvalidMFACode",
                         "fifth wrong code, on a second challenge")

        r = self.login_mfa(second, self.server.code(self.secret))
        self.assertError(r, 429, "LogonLocked", "right code while locked")
        retry = r.headers.get("Retry-After")
        self.assertIsNotNone(retry, "LogonLocked needs Retry-After")
        self.assertTrue(0 < int(retry) <= LOCK_FIRST_S, "Retry-After: %r" % retry)
        self.assertError(self.login(BOB, PASSWORD), 401, "InvalidCredentials",
                         "right password while locked by wrong codes")

        self.server.advance(LOCK_FIRST_S + 1)
        self.assertOK(self.login_mfa(self.challenge(BOB, PASSWORD),
                                     self.server.code(self.secret)), "logon after the lock")

    def test_empty_codes_counted(self):
        for _ in range(LOCK_THRESHOLD):
            r = self.login_mfa(self.challenge(BOB, PASSWORD), "")
            self.assertEqual(r.status, 401, "empty code: %r" % (r,))
        self.assertError(self.login(BOB, PASSWORD), 401, "InvalidCredentials",
                         "right password after 5 empty codes")

    def test_parallel_logons_one_code(self):
        # One challenge per request: the code's time step is what must be spent only once.
        # Fewer password steps in flight than the lockout threshold: each is counted until
        # its hash proves it right.
        with ThreadPoolExecutor(max_workers=LOCK_THRESHOLD - 1) as pool:
            challenges = list(pool.map(lambda _: self.challenge(BOB, PASSWORD), range(50)))
        self.server.align_step(1)
        code = self.server.code(self.secret)
        barrier = threading.Barrier(50)

        def attempt(challenge):
            barrier.wait(timeout=30)
            return self.login_mfa(challenge, code)

        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(attempt, challenges))
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses.count(200), 1,
                         "one code in 50 parallel logons must succeed once: %r" % statuses)
        self.assertFalse([s for s in statuses if s not in (200, 401, 429)],
                         "the other logons must get 401 or 429: %r" % statuses)


class ScopeTest(harness.MfadTestCase):
    """Sessions restricted to binding a device or changing the password."""

    RESTRICTED_CALLS = (("GetUser", {"UserName": "bob"}), ("GetUserMFAInfo", {}),
                        ("ListUsers", {}), ("CreateUser", {"UserName": "eve"}),
                        ("ChangePassword", {"OldPassword": PASSWORD,
                                            "NewPassword": "new password 2"}))

    def test_bind_required_session_restricted(self):
        self.create_user("bob", PASSWORD, mfa_bind_required=True)
        r = self.login(BOB, PASSWORD)
        body = self.assertOK(r, "Login of a user that must bind a device")
        self.assertEqual(body.get("Status"), "BindMFARequired", "Login: %r" % (body,))
        self.assertEqual(body.get("Scope"), "bind-mfa", "Login: %r" % (body,))
        token = body["SessionToken"]

        for action, request in self.RESTRICTED_CALLS:
            self.assertError(self.post(action, request, token=token), 403, "SessionRestricted",
                             "%s in a bind-mfa session" % action)
        who = self.assertOK(self.post("WhoAmI", token=token), "WhoAmI in a bind-mfa session")
        self.assertEqual(who.get("Scope"), "bind-mfa", "WhoAmI: %r" % (who,))

        device = self.create_device(token)
        bound = self.bind_device(token, device)
        self.assertEqual(bound.get("Status"), "OK", "BindMFADevice: %r" % (bound,))
        self.assertEqual(bound.get("Scope"), "full", "BindMFADevice: %r" % (bound,))
        self.assertIsNotNone(bound.get("SessionToken"), "BindMFADevice: %r" % (bound,))
        full = bound["SessionToken"]
        self.assertNotEqual(full, token, "binding must issue a new token")

        self.assertError(self.post("WhoAmI", token=token), 401, "NotAuthenticated",
                         "the bind-mfa token after binding")
        self.assertOK(self.post("GetUser", {"UserName": "bob"}, token=full),
                      "GetUser with the full session")
        who = self.assertOK(self.post("WhoAmI", token=full), "WhoAmI after binding")
        self.assertEqual(who.get("Factors"), ["password", "totp"], "WhoAmI: %r" % (who,))

        self.server.align_step()
        body = self.assertOK(self.login(BOB, PASSWORD), "Login after binding")
        self.assertEqual(body.get("Status"), "MFARequired", "Login after binding: %r" % (body,))

    def test_bind_required_session_may_logout(self):
        self.create_user("bob", PASSWORD, mfa_bind_required=True)
        token = self.assertOK(self.login(BOB, PASSWORD), "Login")["SessionToken"]
        self.assertOK(self.post("Logout", {}, token=token), "Logout in a bind-mfa session")
        self.assertError(self.post("WhoAmI", token=token), 401, "NotAuthenticated",
                         "bind-mfa token after Logout")

    def test_password_reset_flow(self):
        self.create_user("bob", PASSWORD, password_reset_required=True)
        body = self.assertOK(self.login(BOB, PASSWORD), "Login of a user that must reset")
        self.assertEqual(body.get("Status"), "PasswordResetRequired", "Login: %r" % (body,))
        self.assertEqual(body.get("Scope"), "change-password", "Login: %r" % (body,))
        token = body["SessionToken"]

        for action, request in self.RESTRICTED_CALLS[:-1] + (("CreateVirtualMFADevice", {}),):
            self.assertError(self.post(action, request, token=token), 403, "SessionRestricted",
                             "%s in a change-password session" % action)
        r = self.post("ChangePassword", {"OldPassword": "wrong password",
                                         "NewPassword": "amber lantern drift 2"}, token=token)
        self.assertError(r, 401, "InvalidCredentials", "ChangePassword with a wrong old one")
        r = self.post("ChangePassword", {"OldPassword": PASSWORD, "NewPassword": "short12"},
                      token=token)
        self.assertError(r, 400, "InvalidParameter", "ChangePassword to 7 characters")

        r = self.post("ChangePassword", {"OldPassword": PASSWORD,
                                         "NewPassword": "amber lantern drift 2"}, token=token)
        body = self.assertOK(r, "ChangePassword")
        self.assertEqual(body.get("Status"), "OK", "ChangePassword: %r" % (body,))
        self.assertEqual(body.get("Scope"), "full", "ChangePassword: %r" % (body,))
        new_token = body["SessionToken"]
        self.assertNotEqual(new_token, token, "ChangePassword must issue a new token")

        self.assertError(self.post("WhoAmI", token=token), 401, "NotAuthenticated",
                         "the old token after ChangePassword")
        self.assertOK(self.post("GetUser", {"UserName": "bob"}, token=new_token),
                      "GetUser with the new session")
        self.assertError(self.login(BOB, PASSWORD), 401, "InvalidCredentials",
                         "Login with the old password")
        body = self.assertOK(self.login(BOB, "amber lantern drift 2"), "Login with the new password")
        self.assertEqual(body.get("Status"), "OK", "Login with the new password: %r" % (body,))

    def test_password_reset_after_mfa(self):
        secret = self.enrol_user("bob", PASSWORD, password_reset_required=True)
        challenge = self.challenge(BOB, PASSWORD)
        body = self.assertOK(self.login_mfa(challenge, self.server.code(secret)), "LoginMFA")
        self.assertEqual(body.get("Status"), "PasswordResetRequired",
                         "a reset stays due after the code: %r" % (body,))
        self.assertEqual(body.get("Scope"), "change-password", "LoginMFA: %r" % (body,))

    def test_pending_device_ignored_at_logon(self):
        self.create_user("bob", PASSWORD)
        self.create_device(self.owner_token, "bob")
        body = self.assertOK(self.login(BOB, PASSWORD), "Login with a pending device")
        self.assertEqual(body.get("Status"), "OK",
                         "a pending device must not be required: %r" % (body,))
        self.assertNotIn("Challenge", body, "no challenge for a pending device")
        self.assertEqual(body.get("Factors"), ["password"], "Login: %r" % (body,))

    def test_pending_device_not_enough_when_bind_required(self):
        self.create_user("bob", PASSWORD, mfa_bind_required=True)
        self.create_device(self.owner_token, "bob")
        body = self.assertOK(self.login(BOB, PASSWORD), "Login with a pending device")
        self.assertEqual(body.get("Status"), "BindMFARequired",
                         "a pending device does not count as bound: %r" % (body,))

    def test_delete_user_ends_sessions(self):
        self.create_user("bob", PASSWORD)
        token = self.assertOK(self.login(BOB, PASSWORD), "Login")["SessionToken"]
        self.assertOK(self.post("DeleteUser", {"UserName": "bob"}, token=self.owner_token),
                      "DeleteUser")
        self.assertError(self.post("WhoAmI", token=token), 401, "NotAuthenticated",
                         "a deleted user's session")


class SessionExpiryTest(harness.MfadTestCase):
    """Sessions end after 1 h without requests and 6 h after logon."""

    def setUp(self):
        super().setUp()
        self.create_user("bob", PASSWORD)
        body = self.assertOK(self.login(BOB, PASSWORD), "Login")
        self.token = body["SessionToken"]
        self.start = self.server.now()
        self.assertAlmostEqual(body.get("SessionExpires"), self.start + SESSION_TTL_S,
                               delta=2, msg="SessionExpires: %r" % (body,))

    def whoami(self):
        return self.post("WhoAmI", token=self.token)

    def test_session_idle_timeout(self):
        self.server.advance(SESSION_IDLE_S - 60)
        self.assertOK(self.whoami(), "WhoAmI 59 minutes after logon")
        self.server.advance(SESSION_IDLE_S - 60)
        self.assertOK(self.whoami(), "WhoAmI 59 minutes after the last request")
        self.server.advance(SESSION_IDLE_S + 1)
        self.assertError(self.whoami(), 401, "NotAuthenticated", "WhoAmI after 1 h idle")

    def test_session_absolute_expiry(self):
        elapsed = 0
        while elapsed + 3000 < SESSION_TTL_S:
            self.server.advance(3000)
            elapsed += 3000
            self.assertOK(self.whoami(), "WhoAmI %d s after logon" % elapsed)
        self.server.advance(SESSION_TTL_S + 1 - elapsed)
        self.assertError(self.whoami(), 401, "NotAuthenticated",
                         "WhoAmI 6 h after logon, even with activity")


if __name__ == "__main__":
    unittest.main()
