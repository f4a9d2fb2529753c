"""HTTP tests of the password policy: GetPasswordPolicy and SetPasswordPolicy, the rules a new
password must pass in CreateLoginProfile, UpdateLoginProfile, ChangePassword and mfactl, NFKC
normalization, reuse, maximum age, and the MaxLoginAttemps lock with UnlockUser.
"""

import subprocess

import harness
from harness import MFACTL_BIN

DAY = 86400
LOCK_SECONDS = 3600             # the lock after MaxLoginAttemps wrong passwords
STRONG = "vivid otter canyon lantern 47"
BOB_PASSWORD = "maple rocket drift 58"
DAVE_PASSWORD = "quiet harbor violet 93"
EIGHT = "Xq7#vR2m"              # 8 characters that zxcvbn rates hard enough
FOURTEEN = "Xq7#vR2mK9$wL4"
FIFTEEN = "Xq7#vR2mK9$wL4p"

DEFAULTS = {
    "MinimumPasswordLength": 8, "RequireLowercaseCharacters": False,
    "RequireUppercaseCharacters": False, "RequireNumbers": False, "RequireSymbols": False,
    "MaxPasswordAge": 0, "HardExpiry": False, "PasswordReusePrevention": 0,
    "MaxLoginAttemps": 0, "PasswordNotContainUserName": False,
}


class PolicyTestCase(harness.MfadTestCase):
    """Shortcuts for setting the policy and passwords."""

    def set_policy(self, what="SetPasswordPolicy", **fields):
        r = self.post("SetPasswordPolicy", fields, token=self.owner_token)
        return self.assertOK(r, what)["PasswordPolicy"]

    def get_policy(self):
        r = self.post("GetPasswordPolicy", {}, token=self.owner_token)
        return self.assertOK(r, "GetPasswordPolicy")["PasswordPolicy"]

    def assertRejected(self, r, fragment, what):
        """Check that r is a 400 whose message names the rule by fragment."""
        self.assertError(r, 400, "InvalidParameter", what)
        self.assertIn(fragment, r.json.get("message", ""), "%s: message %r" % (what, r.json))

    def audit_events(self, event):
        r = self.post("ListAuditEvents", {"Event": event}, token=self.owner_token)
        return self.assertOK(r, "ListAuditEvents %s" % event)["AuditEvents"]

    def relogon_owner(self):
        self.owner_token = self.logon_owner()


class PolicyActionsTest(PolicyTestCase):
    """GetPasswordPolicy and SetPasswordPolicy: defaults, ranges, owner only, audit."""

    def test_defaults(self):
        self.assertEqual(self.get_policy(), DEFAULTS)

    def test_set_and_get(self):
        expected = {
            "MinimumPasswordLength": 12, "RequireLowercaseCharacters": True,
            "RequireUppercaseCharacters": True, "RequireNumbers": True, "RequireSymbols": True,
            "MaxPasswordAge": 90, "HardExpiry": True, "PasswordReusePrevention": 5,
            "MaxLoginAttemps": 4, "PasswordNotContainUserName": True,
        }
        self.assertEqual(self.set_policy(**expected), expected)
        self.assertEqual(self.get_policy(), expected)

        # A missing field keeps its value.
        partial = self.set_policy(MinimumPasswordLength=10)
        self.assertEqual(partial, dict(expected, MinimumPasswordLength=10))

        events = self.audit_events("password_policy")
        self.assertEqual(len(events), 2, "one password_policy event per change: %r" % events)
        self.assertIn("min_length=12", events[0]["Detail"])
        self.assertIn("max_login_attempts=4", events[0]["Detail"])

    def test_both_attempt_spellings(self):
        self.assertEqual(self.set_policy(MaxLoginAttempts=6)["MaxLoginAttemps"], 6)
        self.assertEqual(self.set_policy(MaxLoginAttemps=7, MaxLoginAttempts=7)["MaxLoginAttemps"],
                         7)
        r = self.post("SetPasswordPolicy", {"MaxLoginAttemps": 3, "MaxLoginAttempts": 4},
                      token=self.owner_token)
        self.assertRejected(r, "MaxLoginAttemps and MaxLoginAttempts differ", "both spellings")

    def test_range_errors_name_field(self):
        cases = [
            ("MinimumPasswordLength", 7, "MinimumPasswordLength must be from 8 to 32"),
            ("MinimumPasswordLength", 33, "MinimumPasswordLength must be from 8 to 32"),
            ("MinimumPasswordLength", "8", "MinimumPasswordLength must be an integer"),
            ("MaxPasswordAge", -1, "MaxPasswordAge must be from 0 to 1095"),
            ("MaxPasswordAge", 1096, "MaxPasswordAge must be from 0 to 1095"),
            ("PasswordReusePrevention", 25, "PasswordReusePrevention must be from 0 to 24"),
            ("MaxLoginAttemps", 33, "MaxLoginAttemps must be from 0 to 32"),
            ("MaxLoginAttempts", -1, "MaxLoginAttempts must be from 0 to 32"),
            ("HardExpiry", "yes", "HardExpiry must be true or false"),
            ("RequireSymbols", 1, "RequireSymbols must be true or false"),
            ("RequireNumbers", "true", "RequireNumbers must be true or false"),
            ("PasswordNotContainUserName", 0, "PasswordNotContainUserName must be true or false"),
        ]
        for field, value, message in cases:
            with self.subTest(field=field, value=value):
                r = self.post("SetPasswordPolicy", {field: value}, token=self.owner_token)
                self.assertRejected(r, message, "%s = %r" % (field, value))
        self.assertEqual(self.get_policy(), DEFAULTS, "a rejected request changes nothing")
        self.assertEqual(self.audit_events("password_policy"), [])

    def test_owner_only(self):
        self.create_user("bob", BOB_PASSWORD)
        token = self.assertOK(self.login(self.principal("bob"), BOB_PASSWORD),
                              "Login bob")["SessionToken"]
        for action, body in (("GetPasswordPolicy", {}), ("SetPasswordPolicy", {"MaxPasswordAge": 1}),
                             ("UnlockUser", {"UserName": "bob"})):
            self.assertError(self.post(action, body, token=token), 403, "Forbidden",
                             "%s by a user" % action)
            self.assertError(self.post(action, body), 401, "NotAuthenticated",
                             "%s without a session" % action)


class RulesTest(PolicyTestCase):
    """Each rule rejects a password with a message naming it, in each action that sets one."""

    def setUp(self):
        super().setUp()
        self.bob_secret = self.enrol_user("bob", BOB_PASSWORD)
        self.bob_password = BOB_PASSWORD
        self.new_users = 0

    def create(self, password_for):
        """CreateLoginProfile for a new user that must bind a device (so 8 is the minimum)."""
        self.new_users += 1
        name = "new%d" % self.new_users
        self.assertOK(self.post("CreateUser", {"UserName": name}, token=self.owner_token),
                      "CreateUser %s" % name)
        return self.post("CreateLoginProfile", {"UserName": name, "MFABindRequired": True,
                                                "Password": password_for(name)},
                         token=self.owner_token)

    def update(self, password_for):
        r = self.post("UpdateLoginProfile", {"UserName": "bob", "Password": password_for("bob")},
                      token=self.owner_token)
        if r.status == 200:
            self.bob_password = password_for("bob")
        return r

    def change(self, password_for):
        self.server.align_step()  # a TOTP step not used by the last logon
        token = self.logon_mfa_user(self.principal("bob"), self.bob_password, self.bob_secret)
        r = self.post("ChangePassword", {"OldPassword": self.bob_password,
                                         "NewPassword": password_for("bob")}, token=token)
        if r.status == 200:
            self.bob_password = password_for("bob")
        return r

    def actions(self):
        return (("CreateLoginProfile", self.create), ("UpdateLoginProfile", self.update),
                ("ChangePassword", self.change))

    def check_rule(self, password_for, fragment):
        for name, action in self.actions():
            with self.subTest(action=name):
                self.assertRejected(action(password_for), fragment, name)

    def test_min_length(self):
        self.set_policy(MinimumPasswordLength=12)
        self.check_rule(lambda user: "Xq7#vR2mK9$", "at least 12 characters")
        for name, action in self.actions():
            self.assertOK(action(lambda user: "Xq7#vR2mK9$w" if name != "ChangePassword"
                                 else "Xq7#vR2mK9$z"), "%s with 12 characters" % name)

    def test_blocklist(self):
        self.check_rule(lambda user: "iloveyou", "is too common")
        self.check_rule(lambda user: "password2024!", "is too common")

    def test_character_classes(self):
        self.set_policy(RequireLowercaseCharacters=True, RequireUppercaseCharacters=True,
                        RequireNumbers=True, RequireSymbols=True)
        self.check_rule(lambda user: "VIVID OTTER CANYON 47!", "a lower-case letter")
        self.check_rule(lambda user: "vivid otter canyon 47!", "an upper-case letter")
        self.check_rule(lambda user: "Vivid otter canyon lantern!", "a digit")
        self.check_rule(lambda user: "Vivid otter canyon 47", "a symbol")
        for name, action in self.actions():
            self.assertOK(action(lambda user: "Vivid otter canyon 47!" if name != "ChangePassword"
                                 else "Vivid otter canyon 48!"), "%s with every class" % name)

    def test_user_name_inside(self):
        for name, action in self.actions():
            self.assertOK(action(lambda user: "vivid %s canyon 4%d" % (user, len(name))),
                          "%s: the name inside is allowed by default" % name)
        self.set_policy(PasswordNotContainUserName=True)
        self.check_rule(lambda user: "vivid %s canyon 59" % user.upper(),
                        "must not contain the user name")

    def test_reuse(self):
        self.set_policy(PasswordReusePrevention=2)
        first = self.bob_password
        for name, action in self.actions()[1:]:
            with self.subTest(action=name):
                self.assertRejected(action(lambda user: self.bob_password),
                                    "reused one of the last 2 passwords", "%s: the current" % name)
        self.assertOK(self.update(lambda user: STRONG), "UpdateLoginProfile to a new password")
        self.assertRejected(self.change(lambda user: first),
                            "reused one of the last 2 passwords", "ChangePassword: the previous")
        self.assertOK(self.change(lambda user: DAVE_PASSWORD), "ChangePassword to a third")
        # Now the last two are STRONG and DAVE_PASSWORD, so the first is allowed again.
        self.assertOK(self.update(lambda user: first), "UpdateLoginProfile to the first again")

        self.set_policy(PasswordReusePrevention=0)
        self.assertOK(self.update(lambda user: first), "the current password again without reuse")

    def test_history_bounded(self):
        for i in range(26):
            self.assertOK(self.update(lambda user: "%s %d" % (STRONG, i)),
                          "UpdateLoginProfile %d" % i)
        out = subprocess.run(["sqlite3", "-readonly", self.server.db_path,
                              "SELECT count(*) FROM password_history JOIN users"
                              " ON users.id = password_history.user_id WHERE users.name = 'bob'"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(int(out.stdout.strip()), 24, "the history keeps 24 hashes")

    def test_blocklist_top_entries(self):
        for password in ("password", "12345678", "123456789", "iloveyou", "sunshine",
                         "princess", "football", "baseball", "qwertyuiop", "1q2w3e4r",
                         "superman", "trustno1", "password1", "abc12345", "11111111"):
            with self.subTest(password=password):
                self.assertRejected(self.create(lambda user: password), "is too common",
                                    "CreateLoginProfile %r" % password)
        self.assertOK(self.create(lambda user: "correct horse battery staple"),
                      "a passphrase of common words")


class DefaultLengthTest(PolicyTestCase):
    """The defaults: 8 characters with a second factor, 15 for a password alone."""

    def test_eight_with_second_factor(self):
        self.create_user("bob", BOB_PASSWORD, mfa_bind_required=True)
        self.assertOK(self.post("UpdateLoginProfile", {"UserName": "bob", "Password": EIGHT},
                                token=self.owner_token), "8 characters with MFABindRequired")
        self.assertRejected(self.post("UpdateLoginProfile", {"UserName": "bob",
                                                             "Password": EIGHT[:7]},
                                      token=self.owner_token), "at least 8 characters", "7")

    def test_fifteen_for_password_alone(self):
        self.assertOK(self.post("CreateUser", {"UserName": "dave"}, token=self.owner_token),
                      "CreateUser")
        r = self.post("CreateLoginProfile", {"UserName": "dave", "Password": FOURTEEN},
                      token=self.owner_token)
        self.assertRejected(r, "at least 15 characters for a user without a second factor",
                            "14 characters alone")
        self.assertOK(self.post("CreateLoginProfile", {"UserName": "dave", "Password": FIFTEEN},
                                token=self.owner_token), "15 characters alone")
        token = self.assertOK(self.login(self.principal("dave"), FIFTEEN),
                              "Login dave")["SessionToken"]
        r = self.post("ChangePassword", {"OldPassword": FIFTEEN, "NewPassword": FOURTEEN},
                      token=token)
        self.assertRejected(r, "at least 15 characters", "ChangePassword to 14 alone")

    def test_bound_device_allows_eight(self):
        secret = self.enrol_user("bob", BOB_PASSWORD)
        token = self.logon_mfa_user(self.principal("bob"), BOB_PASSWORD, secret)
        self.assertOK(self.post("ChangePassword", {"OldPassword": BOB_PASSWORD,
                                                   "NewPassword": EIGHT}, token=token),
                      "ChangePassword to 8 with a bound device")


class NormalizationTest(PolicyTestCase):
    """Passwords are hashed in NFKC form, never truncated."""

    def test_composed_and_decomposed(self):
        composed = "caf\u00e9 lantern canyon 47"
        decomposed = "cafe\u0301 lantern canyon 47"
        self.create_user("dave", decomposed)
        self.assertOK(self.login(self.principal("dave"), composed), "Login composed")
        self.assertOK(self.login(self.principal("dave"), decomposed), "Login decomposed")
        self.assertError(self.login(self.principal("dave"), "cafe lantern canyon 47"), 401,
                         "InvalidCredentials", "Login without the accent")

    def test_full_width(self):
        self.create_user("dave", "\uff34\uff49\uff44\uff41\uff4c river \uff15\uff18 maple")
        self.assertOK(self.login(self.principal("dave"), "Tidal river 58 maple"),
                      "Login with the ASCII form")
        self.assertError(self.login(self.principal("dave"), "tidal river 58 maple"), 401,
                         "InvalidCredentials", "Login with another case")

    def test_no_truncation(self):
        password = ("vivid otter canyon lantern %d " * 8 % tuple(range(8))).strip()
        self.assertGreater(len(password), 200)
        self.create_user("dave", password)
        self.assertOK(self.login(self.principal("dave"), password), "Login with all of it")
        self.assertError(self.login(self.principal("dave"), password[:-1]), 401,
                         "InvalidCredentials", "Login without the last character")
        self.assertError(self.login(self.principal("dave"), password[:-1] + "8"), 401,
                         "InvalidCredentials", "Login with the last character changed")
        self.assertError(self.login(self.principal("dave"), password[:72]), 401,
                         "InvalidCredentials", "Login with the first 72 bytes")


class MaxAgeTest(PolicyTestCase):
    """MaxPasswordAge: a change-password session, or with HardExpiry a refusal."""

    def test_soft_expiry(self):
        self.create_user("dave", DAVE_PASSWORD)
        self.set_policy(MaxPasswordAge=30)
        self.server.advance(29 * DAY)
        body = self.assertOK(self.login(self.principal("dave"), DAVE_PASSWORD), "Login day 29")
        self.assertEqual(body["Status"], "OK", "day 29: %r" % body)

        self.server.advance(2 * DAY)
        body = self.assertOK(self.login(self.principal("dave"), DAVE_PASSWORD), "Login day 31")
        self.assertEqual(body["Status"], "PasswordResetRequired", "day 31: %r" % body)
        self.assertEqual(body["Scope"], "change-password")
        r = self.post("ChangePassword", {"OldPassword": DAVE_PASSWORD, "NewPassword": STRONG},
                      token=body["SessionToken"])
        self.assertEqual(self.assertOK(r, "ChangePassword")["Status"], "OK")
        body = self.assertOK(self.login(self.principal("dave"), STRONG), "Login after")
        self.assertEqual(body["Status"], "OK", "a new password starts a new age: %r" % body)

    def test_hard_expiry(self):
        self.create_user("dave", DAVE_PASSWORD)
        self.enrol_user("bob", BOB_PASSWORD)
        self.set_policy(MaxPasswordAge=30, HardExpiry=True)
        self.server.advance(31 * DAY)

        r = self.login(self.principal("dave"), DAVE_PASSWORD)
        self.assertError(r, 403, "PasswordExpired", "Login after HardExpiry")
        self.assertIn("ask the account owner", r.json["message"])
        self.assertError(self.login(self.principal("bob"), BOB_PASSWORD), 403,
                         "PasswordExpired", "Login with MFA after HardExpiry")
        self.assertError(self.login(self.principal("dave"), "wrong " + DAVE_PASSWORD), 401,
                         "InvalidCredentials", "a wrong password stays a wrong password")

        # The owner's password never hard-expires: the owner must change it instead.
        body = self.assertOK(self.login(self.server.alias, self.server.owner_password),
                             "owner Login")
        self.assertEqual(body["Status"], "PasswordResetRequired", "owner: %r" % body)
        r = self.post("ChangePassword", {"OldPassword": self.server.owner_password,
                                         "NewPassword": STRONG}, token=body["SessionToken"])
        self.owner_token = self.assertOK(r, "owner ChangePassword")["SessionToken"]
        self.assertOK(self.post("UpdateLoginProfile", {"UserName": "dave",
                                                       "Password": BOB_PASSWORD},
                                token=self.owner_token), "owner sets a new password")
        body = self.assertOK(self.login(self.principal("dave"), BOB_PASSWORD), "Login after")
        self.assertEqual(body["Status"], "OK")
        details = [e["Detail"] for e in self.audit_events("logon_failure")]
        self.assertIn("step=password reason=password_expired", details)


class LockoutTest(PolicyTestCase):
    """MaxLoginAttemps locks a user for an hour; UnlockUser lifts it."""

    def fail(self, principal, times):
        for i in range(times):
            self.assertError(self.login(principal, "wrong password %d" % i), 401,
                             "InvalidCredentials", "wrong password %d" % i)

    def test_below_server_threshold_without_policy(self):
        self.create_user("dave", DAVE_PASSWORD)
        self.fail(self.principal("dave"), 3)
        self.assertOK(self.login(self.principal("dave"), DAVE_PASSWORD),
                      "3 failures lock nobody without MaxLoginAttemps")

    def test_lock_holds_for_the_hour(self):
        self.create_user("dave", DAVE_PASSWORD)
        self.set_policy(MaxLoginAttemps=3)
        self.fail(self.principal("dave"), 3)
        self.assertError(self.login(self.principal("dave"), DAVE_PASSWORD), 401,
                         "InvalidCredentials", "the right password while locked")
        self.server.advance(LOCK_SECONDS - 60)
        self.assertError(self.login(self.principal("dave"), DAVE_PASSWORD), 401,
                         "InvalidCredentials", "the right password a minute before the end")
        self.server.advance(61)
        self.assertOK(self.login(self.principal("dave"), DAVE_PASSWORD), "after the hour")
        self.relogon_owner()  # the owner's session went idle during the hour
        events = self.audit_events("lockout")
        self.assertEqual(len(events), 1, "one lockout event: %r" % events)
        self.assertIn("failures=3", events[0]["Detail"])

    def test_locked_second_factor_gets_retry_after(self):
        secret = self.enrol_user("bob", BOB_PASSWORD)
        self.set_policy(MaxLoginAttemps=3)
        challenge = self.challenge(self.principal("bob"), BOB_PASSWORD)
        self.fail(self.principal("bob"), 3)
        r = self.login_mfa(challenge, self.server.code(secret))
        self.assertError(r, 429, "LogonLocked", "LoginMFA while locked")
        self.assertGreater(int(r.headers.get("Retry-After")), LOCK_SECONDS - 60)

    def test_unlock_user(self):
        self.create_user("dave", DAVE_PASSWORD)
        self.set_policy(MaxLoginAttemps=3)
        self.fail(self.principal("dave"), 3)
        self.assertError(self.post("UnlockUser", {}, token=self.owner_token), 400,
                         "MissingParameter", "UnlockUser without UserName")
        self.assertError(self.post("UnlockUser", {"UserName": "nobody"}, token=self.owner_token),
                         404, "EntityNotExist.User", "UnlockUser of an unknown user")
        self.assertOK(self.post("UnlockUser", {"UserName": "dave"}, token=self.owner_token),
                      "UnlockUser")
        self.assertOK(self.login(self.principal("dave"), DAVE_PASSWORD), "Login after unlock")
        self.assertEqual(len(self.audit_events("user_unlock")), 1)


class MfactlTest(PolicyTestCase):
    """mfactl password set checks the same rules; mfactl user unlock lifts a lock."""

    def mfactl(self, *args, stdin=None):
        return subprocess.run([MFACTL_BIN, "--data-dir", self.server.data_dir] + list(args),
                              input=stdin, capture_output=True, text=True, timeout=60)

    def test_password_set_rules(self):
        self.assertOK(self.post("CreateUser", {"UserName": "dave"}, token=self.owner_token),
                      "CreateUser")
        dave = self.principal("dave")
        out = self.mfactl("password", "set", dave, "--password-stdin", stdin=FOURTEEN + "\n")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("at least 15 characters", out.stderr)
        self.assertNotIn(FOURTEEN, out.stderr + out.stdout, "mfactl never echoes the password")

        out = self.mfactl("password", "set", dave, "--password-stdin", "--mfa-bind-required",
                          stdin="iloveyou\n")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("is too common", out.stderr)

        self.set_policy(RequireNumbers=True)
        out = self.mfactl("password", "set", dave, "--password-stdin",
                          stdin="vivid otter canyon lantern\n")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("must contain a digit", out.stderr)

        out = self.mfactl("password", "set", dave, "--password-stdin", stdin=STRONG + "\n")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.set_policy(PasswordReusePrevention=1)
        out = self.mfactl("password", "set", dave, "--password-stdin", stdin=STRONG + "\n")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("reused one of the last 1 passwords", out.stderr)
        self.assertOK(self.login(dave, STRONG), "Login with the password mfactl set")

    def test_password_set_long(self):
        """A password of 500 three-byte characters (1500 bytes) is taken whole."""
        password = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(500))
        self.assertOK(self.post("CreateUser", {"UserName": "dave"}, token=self.owner_token),
                      "CreateUser")
        out = self.mfactl("password", "set", self.principal("dave"), "--password-stdin",
                          stdin=password + "\n")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertOK(self.login(self.principal("dave"), password), "Login with all of it")
        self.assertError(self.login(self.principal("dave"), password[:-1]), 401,
                         "InvalidCredentials", "Login without the last character")

        too_long = password * 3   # 1500 characters, 4500 bytes
        out = self.mfactl("password", "set", self.principal("dave"), "--password-stdin",
                          stdin=too_long + "\n")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("at most 1024 characters", out.stderr)

    def test_user_unlock(self):
        self.create_user("dave", DAVE_PASSWORD)
        self.set_policy(MaxLoginAttemps=2)
        for i in range(2):
            self.login(self.principal("dave"), "wrong password %d" % i)
        self.assertError(self.login(self.principal("dave"), DAVE_PASSWORD), 401,
                         "InvalidCredentials", "locked")
        out = self.mfactl("user", "unlock", self.principal("dave"))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("cleared", out.stdout)
        self.assertOK(self.login(self.principal("dave"), DAVE_PASSWORD), "Login after unlock")
        out = self.mfactl("user", "unlock", self.principal("nobody"))
        self.assertNotEqual(out.returncode, 0, "unlocking an unknown user fails")


if __name__ == "__main__":
    import unittest
    unittest.main()
