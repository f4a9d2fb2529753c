"""Admin recovery: ResetUserMFA, mfactl user reset-mfa, and sessions ended by a forced reset.

The user's factors are made with oathtool codes, the software authenticator and a real SMTP
server (smtp.py), so the reset is checked against factors that really worked before it.
"""

import subprocess

import harness
from test_notify import ADDRESS, PASSWORD, NotifyTestCase

STEP_UP_TTL_S = 900    # default security.step_up_ttl
RESET_SUBJECT = "Your MFA was reset by an administrator"


class RecoveryTestCase(NotifyTestCase):

    def full_user(self):
        """Give alice an address, a passkey and a bound device; return her two sessions."""
        password_token = self.user_with_email()
        mfa_token = self.email_logon()
        self.register_passkey(mfa_token)
        self.notice(ADDRESS, "A passkey was added to your account", "passkey added")
        seed = self.bind_for("alice")
        self.notice(ADDRESS, "An MFA device was added to your account", "device bound")
        self.assertNoNewMail("set-up")
        return password_token, mfa_token, seed

    def reset(self, name="alice", token=None):
        return self.post("ResetUserMFA", {"UserName": name}, token=token or self.owner_token)

    def assertEnded(self, token, what):
        self.assertError(self.post("WhoAmI", {}, token=token), 401, "NotAuthenticated", what)

    def owner_id(self):
        body = self.assertOK(self.post("WhoAmI", {}, token=self.owner_token), "WhoAmI owner")
        return body["User"]["UserId"]

    def audit_records(self, event):
        body = self.assertOK(self.post("ListAuditEvents", {"Event": event, "MaxItems": 1000},
                                       token=self.owner_token), "ListAuditEvents")
        self.assertFalse(body["IsTruncated"])
        return body["AuditEvents"]


class ResetUserMFATest(RecoveryTestCase):

    def test_reset_removes_factors_and_sessions(self):
        password_token, mfa_token, seed = self.full_user()
        body = self.assertOK(self.reset(), "ResetUserMFA")
        self.assertEqual(body["UserName"], "alice")
        self.assertTrue(body["VirtualMFADeviceRemoved"], "device: %r" % body)
        self.assertEqual(body["PasskeysRemoved"], 1, "passkeys: %r" % body)
        self.assertTrue(body["SecurityEmailRemoved"], "address: %r" % body)
        self.assertTrue(body["MFABindRequired"], "flag: %r" % body)

        # The old address gets exactly one notice.
        self.notice(ADDRESS, RESET_SUBJECT, "reset notice")
        self.assertNoNewMail("reset")

        self.assertEnded(password_token, "the password session after the reset")
        self.assertEnded(mfa_token, "the MFA session after the reset")
        r = self.post("GetUserMFAInfo", {"UserName": "alice"}, token=self.owner_token)
        self.assertError(r, 404, "EntityNotExist.VirtualMFADevice", "device after the reset")
        r = self.post("ListPasskeys", {"UserName": "alice"}, token=self.owner_token)
        self.assertEqual(self.assertOK(r, "ListPasskeys")["Passkeys"], [])
        profile = self.assertOK(self.post("GetLoginProfile", {"UserName": "alice"},
                                          token=self.owner_token), "GetLoginProfile")
        self.assertTrue(profile["LoginProfile"]["MFABindRequired"])

        # The next logon may only bind a factor: no code is asked for, none is possible.
        body = self.assertOK(self.login(self.principal("alice"), PASSWORD), "Login after reset")
        self.assertEqual(body["Status"], "BindMFARequired", "Login after reset: %r" % body)
        self.assertEqual(body["Scope"], "bind-mfa")
        token = body["SessionToken"]
        self.secrets.append(token)
        r = self.post("GetVerificationInfo", {}, token=token)
        self.assertError(r, 403, "SessionRestricted", "another action before binding")
        device = self.create_device(token)
        self.secrets.append(device["Base32StringSeed"])
        self.assertNotEqual(device["Base32StringSeed"], seed, "a new seed")
        self.assertAllScanned()

    def test_reset_deletes_api_tokens(self):
        _, mfa_token, _ = self.full_user()
        r = self.post("CreateAccessToken", {"Description": "alice's script"}, token=mfa_token)
        token = self.assertOK(r, "CreateAccessToken")["AccessToken"]["Token"]
        self.assertOK(self.post("WhoAmI", {}, token=token), "the token before the reset")
        body = self.assertOK(self.reset(), "ResetUserMFA")
        self.assertEqual(body["AccessTokensRemoved"], 1, "tokens: %r" % body)
        self.assertEnded(token, "the API token after the reset")

    def test_reset_is_audited(self):
        self.full_user()
        self.assertOK(self.reset(), "ResetUserMFA")
        records = self.audit_records("admin_reset_mfa")
        self.assertEqual(len(records), 1, "one record: %r" % records)
        self.assertEqual(records[0]["ActorId"], self.owner_id(), "the owner acted")
        self.assertEqual(records[0]["Outcome"], "success")
        self.assertEqual(records[0]["SourceAddress"], harness.HOST)
        self.assertIn("passkeys=1", records[0]["Detail"])
        self.assertIn("email=1", records[0]["Detail"])

    def test_user_without_factors(self):
        self.create_user("bob", PASSWORD)
        body = self.assertOK(self.reset("bob"), "ResetUserMFA bob")
        self.assertFalse(body["VirtualMFADeviceRemoved"])
        self.assertEqual(body["PasskeysRemoved"], 0)
        self.assertFalse(body["SecurityEmailRemoved"])
        self.assertNoNewMail("a reset with no address to tell")

    def test_only_owner(self):
        token = self.user_with_email()
        self.create_user("bob", PASSWORD)
        r = self.reset("bob", token=token)
        self.assertError(r, 403, "Forbidden", "ResetUserMFA by a user")
        self.assertOK(self.post("WhoAmI", {}, token=token), "the caller's session still works")

    def test_needs_step_up(self):
        self.create_user("bob", PASSWORD)
        self.server.advance(STEP_UP_TTL_S + 1)
        r = self.reset("bob")
        self.assertError(r, 403, "MFARequired", "ResetUserMFA with a stale owner logon")

    def test_unknown_and_missing_user(self):
        self.assertError(self.reset("nobody"), 404, "EntityNotExist.User", "an unknown user")
        r = self.post("ResetUserMFA", {}, token=self.owner_token)
        self.assertError(r, 400, "MissingParameter", "no UserName")

    def test_mfactl_reset(self):
        password_token, mfa_token, _ = self.full_user()
        r = self.post("CreateAccessToken", {"Description": "alice's script"}, token=mfa_token)
        api_token = self.assertOK(r, "CreateAccessToken")["AccessToken"]["Token"]
        out = subprocess.run([harness.MFACTL_BIN, "--data-dir", self.server.data_dir, "-c",
                              self.server.config_path, "user", "reset-mfa",
                              self.principal("alice")],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, "mfactl: %s %s" % (out.stdout, out.stderr))
        self.assertIn("reset", out.stdout)
        self.assertIn("1 API tokens deleted", out.stdout)
        for secret in self.secrets:
            self.assertNotIn(secret, out.stdout + out.stderr, "mfactl output has a secret")
        self.assertEnded(password_token, "a session after mfactl user reset-mfa")
        self.assertEnded(mfa_token, "an MFA session after mfactl user reset-mfa")
        self.assertEnded(api_token, "the API token after mfactl user reset-mfa")
        mail = self.next_mail("mfactl reset notice")
        self.assertEqual(mail.rcpt_tos, [ADDRESS])
        self.assertEqual(mail.subject, RESET_SUBJECT)
        self.assertIn("mfactl", mail.text, "the notice says the change was made on the server")
        self.assertNoSecret(mail, "mfactl reset notice")


class ForcedPasswordResetTest(RecoveryTestCase):

    def test_reset_required_ends_sessions(self):
        self.create_user("bob", PASSWORD)
        token = self.assertOK(self.login(self.principal("bob"), PASSWORD),
                              "Login bob")["SessionToken"]
        r = self.post("UpdateLoginProfile", {"UserName": "bob", "PasswordResetRequired": True},
                      token=self.owner_token)
        self.assertOK(r, "UpdateLoginProfile PasswordResetRequired")
        self.assertEnded(token, "bob's session after a forced reset")
        body = self.assertOK(self.login(self.principal("bob"), PASSWORD), "Login bob again")
        self.assertEqual(body["Status"], "PasswordResetRequired")

    def test_other_flags_keep_sessions(self):
        self.create_user("bob", PASSWORD)
        token = self.assertOK(self.login(self.principal("bob"), PASSWORD),
                              "Login bob")["SessionToken"]
        r = self.post("UpdateLoginProfile", {"UserName": "bob", "PasswordResetRequired": False,
                                             "MFABindRequired": True}, token=self.owner_token)
        self.assertOK(r, "UpdateLoginProfile without a reset")
        self.assertOK(self.post("WhoAmI", {}, token=token), "bob's session is kept")
