"""Per-account security settings (GetSecurityPreference, SetSecurityPreference) and factor strength.

Each setting is checked for its effect and its refusal: users other than the owner are limited,
the owner never is, and a session bound to a forced step (bind-mfa, change-password) may still
finish it. Session lifetimes are checked with the test clock. The email tests read codes from
the SMTP test server (smtp.py), and the passkey tests use the software authenticator.
"""

import harness
import softauthn
from test_email import EmailTestCase
from test_passkeys import webauthn_config

BOB_PASSWORD = "bob password 12345"
NEW_PASSWORD = "bob new password 123"
OWNER_NEW_PASSWORD = "owner new password 12345"
SESSION_IDLE_S = 3600          # default security.session_idle
STEP_UP_TTL_S = 900            # default security.step_up_ttl
RESEND_S = 60                  # default mail.resend_interval: seconds between two code mails

DEFAULTS = {
    "LoginProfilePreference": {
        "AllowUserToLoginWithPasskey": True,
        "MFAOperationForLogin": "independent",
        "AllowUserToChangePassword": True,
        "LoginSessionDuration": 6,
        "LoginSessionIdleTimeout": SESSION_IDLE_S // 60,
        "LoginNetworkMasks": "",
    },
    "MFAPreference": {
        "AllowUserToManageMFADevices": True,
        "AllowUserToManagePasskeys": True,
        "AllowUserToManageSecurityEmail": True,
        "AllowEmailForLogon": True,
        "AllowEmailForStepUp": True,
        "EnableSaveMFATicket": False,
    },
}


class SettingsMixin:
    """Shortcuts for the tests below. Settings are changed with the owner's session."""

    def preference(self, token=None):
        r = self.post("GetSecurityPreference", {}, token=token or self.owner_token)
        return self.assertOK(r, "GetSecurityPreference")["SecurityPreference"]

    def set_preference(self, relogon=False, **fields):
        """Change fields as the owner, logging the owner on again first when relogon is true."""
        if relogon:
            self.owner_token = self.logon_owner()
        r = self.post("SetSecurityPreference", fields, token=self.owner_token)
        return self.assertOK(r, "SetSecurityPreference %r" % (fields,))["SecurityPreference"]

    def user_login(self, name, password=BOB_PASSWORD):
        return self.assertOK(self.login(self.principal(name), password), "Login %s" % name)

    def user_token(self, name, password=BOB_PASSWORD):
        """Log a user with no second factor on and return the full session token."""
        body = self.user_login(name, password)
        self.assertEqual(body.get("Status"), "OK", "Login %s: %r" % (name, body))
        return body["SessionToken"]

    def assertForbidden(self, r, setting, what):
        self.assertError(r, 403, "Forbidden", what)
        self.assertIn(setting, r.json.get("message", ""), "%s: message %r" % (what, r.json))

    def assertMFARequired(self, r, methods, what):
        self.assertError(r, 403, "MFARequired", what)
        self.assertEqual(sorted(r.json.get("Methods", [])), sorted(methods),
                         "%s: Methods in %r" % (what, r.json))


class PreferenceTest(SettingsMixin, harness.MfadTestCase):
    """Reading, changing and checking the settings."""

    def test_defaults(self):
        self.assertEqual(self.preference(), DEFAULTS)

    def test_set_all_fields(self):
        fields = {"AllowUserToLoginWithPasskey": False, "MFAOperationForLogin": "mandatory",
                  "AllowUserToChangePassword": False, "LoginSessionDuration": 12,
                  "LoginSessionIdleTimeout": 30, "AllowUserToManageMFADevices": False,
                  "AllowUserToManagePasskeys": False, "AllowUserToManageSecurityEmail": False,
                  "AllowEmailForLogon": False, "AllowEmailForStepUp": False,
                  "LoginNetworkMasks": "127.0.0.0/8", "EnableSaveMFATicket": True}
        answer = self.set_preference(**fields)
        got = self.preference()
        self.assertEqual(answer, got, "SetSecurityPreference returns what Get returns")
        flat = dict(got["LoginProfilePreference"], **got["MFAPreference"])
        self.assertEqual(flat, dict(fields, LoginNetworkMasks="127.0.0.0/8"))

    def test_unnamed_fields_kept(self):
        self.set_preference(LoginSessionDuration=3)
        self.set_preference(AllowEmailForLogon=False)
        got = self.preference()
        self.assertEqual(got["LoginProfilePreference"]["LoginSessionDuration"], 3)
        self.assertIs(got["MFAPreference"]["AllowEmailForLogon"], False)
        self.assertIs(got["MFAPreference"]["AllowEmailForStepUp"], True)

    def test_range_checks(self):
        table = (
            ("LoginSessionDuration", 0),
            ("LoginSessionDuration", 25),
            ("LoginSessionDuration", "6"),
            ("LoginSessionDuration", 1.5),
            ("LoginSessionIdleTimeout", 4),
            ("LoginSessionIdleTimeout", 1441),
            ("LoginSessionIdleTimeout", -5),
            ("MFAOperationForLogin", "always"),
            ("MFAOperationForLogin", True),
            ("AllowUserToChangePassword", "no"),
            ("AllowUserToManageMFADevices", 0),
            ("AllowEmailForLogon", "false"),
            ("AllowEmailForStepUp", 1),
            ("AllowUserToLoginWithPasskey", "true"),
        )
        for field, value in table:
            with self.subTest(field=field, value=value):
                # A valid field in the same request must not be stored either.
                body = {field: value, "AllowUserToManagePasskeys": False}
                r = self.post("SetSecurityPreference", body, token=self.owner_token)
                self.assertError(r, 400, "InvalidParameter", "%s=%r" % (field, value))
                self.assertIn(field, r.json["message"], "message names the field")
                self.assertEqual(self.preference(), DEFAULTS, "nothing changed")

    def test_nested_groups_rejected(self):
        for group, field, value in (("LoginProfilePreference", "MFAOperationForLogin", "mandatory"),
                                    ("MFAPreference", "AllowEmailForLogon", False)):
            with self.subTest(group=group):
                body = {group: {field: value}}
                r = self.post("SetSecurityPreference", body, token=self.owner_token)
                self.assertError(r, 400, "InvalidParameter", "a nested %s" % group)
                self.assertIn(group, r.json["message"], "message names the group")
                self.assertIn("top level", r.json["message"], "message says where fields go")
                self.assertEqual(self.preference(), DEFAULTS, "nothing changed")

    def test_range_limits_accepted(self):
        for hours, minutes in ((1, 5), (24, 1440)):
            got = self.set_preference(LoginSessionDuration=hours,
                                      LoginSessionIdleTimeout=minutes)
            self.assertEqual(got["LoginProfilePreference"]["LoginSessionDuration"], hours)
            self.assertEqual(got["LoginProfilePreference"]["LoginSessionIdleTimeout"], minutes)

    def test_owner_only(self):
        self.create_user("bob", BOB_PASSWORD)
        bob = self.user_token("bob")
        r = self.post("GetSecurityPreference", {}, token=bob)
        self.assertError(r, 403, "Forbidden", "GetSecurityPreference by a user")
        r = self.post("SetSecurityPreference", {"AllowEmailForLogon": False}, token=bob)
        self.assertError(r, 403, "Forbidden", "SetSecurityPreference by a user")
        self.assertEqual(self.preference(), DEFAULTS)

    def test_change_needs_step_up(self):
        self.server.advance(STEP_UP_TTL_S + 1)
        r = self.post("SetSecurityPreference", {"AllowEmailForLogon": False},
                      token=self.owner_token)
        self.assertMFARequired(r, [], "SetSecurityPreference in an old password session")
        self.assertEqual(self.preference(), DEFAULTS)

    def test_change_audited(self):
        self.set_preference(AllowEmailForStepUp=False, LoginSessionDuration=8,
                            MFAOperationForLogin="mandatory")
        # The same values again change nothing, so they add no record.
        self.set_preference(AllowEmailForStepUp=False)
        r = self.post("ListAuditEvents", {"Event": "security_preference"},
                      token=self.owner_token)
        events = self.assertOK(r, "ListAuditEvents")["AuditEvents"]
        self.assertEqual(len(events), 1, "one record per change: %r" % (events,))
        detail = events[0]["Detail"]
        for part in ("MFAOperationForLogin=mandatory", "LoginSessionDuration=8",
                     "AllowEmailForStepUp=false"):
            self.assertIn(part, detail)
        self.assertNotIn("AllowEmailForLogon", detail, "unchanged fields are not listed")


class ChangePasswordSettingTest(SettingsMixin, harness.MfadTestCase):
    """AllowUserToChangePassword."""

    def test_user_refused(self):
        self.create_user("bob", BOB_PASSWORD)
        bob = self.user_token("bob")
        self.set_preference(AllowUserToChangePassword=False)
        body = {"OldPassword": BOB_PASSWORD, "NewPassword": NEW_PASSWORD}
        r = self.post("ChangePassword", body, token=bob)
        self.assertForbidden(r, "AllowUserToChangePassword", "ChangePassword by bob")
        self.user_token("bob")  # the old password still works

        self.set_preference(AllowUserToChangePassword=True)
        body = self.assertOK(self.post("ChangePassword", body, token=bob), "ChangePassword")
        self.assertEqual(body.get("Status"), "OK")

    def test_owner_not_limited(self):
        self.set_preference(AllowUserToChangePassword=False)
        body = {"OldPassword": self.server.owner_password, "NewPassword": OWNER_NEW_PASSWORD}
        self.assertOK(self.post("ChangePassword", body, token=self.owner_token),
                      "owner ChangePassword")

    def test_forced_reset_allowed(self):
        self.create_user("carol", BOB_PASSWORD, password_reset_required=True)
        self.set_preference(AllowUserToChangePassword=False)
        body = self.user_login("carol")
        self.assertEqual(body.get("Status"), "PasswordResetRequired", "Login carol: %r" % (body,))
        change = {"OldPassword": BOB_PASSWORD, "NewPassword": NEW_PASSWORD}
        body = self.assertOK(self.post("ChangePassword", change, token=body["SessionToken"]),
                             "ChangePassword in a change-password session")
        self.assertEqual(body.get("Status"), "OK")


class ManageMFASettingTest(SettingsMixin, harness.MfadTestCase):
    """AllowUserToManageMFADevices."""

    def test_user_refused_owner_allowed(self):
        self.create_user("bob", BOB_PASSWORD)
        bob = self.user_token("bob")
        self.set_preference(AllowUserToManageMFADevices=False)
        r = self.post("CreateVirtualMFADevice", {}, token=bob)
        self.assertForbidden(r, "AllowUserToManageMFADevices", "CreateVirtualMFADevice by bob")
        body = {"SerialNumber": "x", "AuthenticationCode1": "123456",
                "AuthenticationCode2": "654321"}
        r = self.post("BindMFADevice", body, token=bob)
        self.assertForbidden(r, "AllowUserToManageMFADevices", "BindMFADevice by bob")

        # The owner acting on bob is not limited.
        device = self.create_device(self.owner_token, "bob")
        self.bind_device(self.owner_token, device, "bob")
        self.server.align_step()
        self.logon_mfa_user(self.principal("bob"), BOB_PASSWORD, device["Base32StringSeed"])

    def test_owner_binds_own(self):
        self.set_preference(AllowUserToManageMFADevices=False)
        device = self.create_device(self.owner_token)
        self.bind_device(self.owner_token, device)

    def test_forced_binding_allowed(self):
        self.create_user("carol", BOB_PASSWORD, mfa_bind_required=True)
        self.set_preference(AllowUserToManageMFADevices=False)
        body = self.user_login("carol")
        self.assertEqual(body.get("Status"), "BindMFARequired", "Login carol: %r" % (body,))
        token = body["SessionToken"]
        body = self.bind_device(token, self.create_device(token))
        self.assertEqual(body.get("Status"), "OK", "BindMFADevice in bind-mfa: %r" % (body,))
        # The full session that follows is limited again.
        r = self.post("CreateVirtualMFADevice", {}, token=body["SessionToken"])
        self.assertForbidden(r, "AllowUserToManageMFADevices", "CreateVirtualMFADevice after")


class MandatoryMFATest(SettingsMixin, harness.MfadTestCase):
    """MFAOperationForLogin "mandatory" sends every user without a factor to bind one."""

    def test_user_without_factor_must_bind(self):
        self.create_user("bob", BOB_PASSWORD)
        self.user_token("bob")
        self.set_preference(MFAOperationForLogin="mandatory")
        body = self.user_login("bob")
        self.assertEqual(body.get("Status"), "BindMFARequired", "Login bob: %r" % (body,))
        self.assertEqual(body.get("Scope"), "bind-mfa")
        token = body["SessionToken"]
        r = self.post("GetUserMFAInfo", {}, token=token)
        self.assertError(r, 403, "SessionRestricted", "GetUserMFAInfo before binding")
        body = self.bind_device(token, self.create_device(token))
        self.assertEqual(body.get("Status"), "OK", "BindMFADevice: %r" % (body,))
        self.assertOK(self.post("GetUserMFAInfo", {}, token=body["SessionToken"]),
                      "GetUserMFAInfo after binding")

    def test_owner_must_bind(self):
        self.set_preference(MFAOperationForLogin="mandatory")
        body = self.assertOK(self.login(self.server.alias, self.server.owner_password),
                             "owner Login")
        self.assertEqual(body.get("Status"), "BindMFARequired", "owner Login: %r" % (body,))
        r = self.post("ListUsers", {}, token=body["SessionToken"])
        self.assertError(r, 403, "SessionRestricted", "ListUsers before binding")

    def test_user_with_factor_unchanged(self):
        secret = self.enrol_user("dave", BOB_PASSWORD)
        self.set_preference(MFAOperationForLogin="mandatory")
        self.logon_mfa_user(self.principal("dave"), BOB_PASSWORD, secret)

    def test_independent_again(self):
        self.create_user("bob", BOB_PASSWORD)
        self.set_preference(MFAOperationForLogin="mandatory")
        self.set_preference(MFAOperationForLogin="independent")
        self.user_token("bob")


class SessionLifetimeTest(SettingsMixin, harness.MfadTestCase):
    """LoginSessionDuration and LoginSessionIdleTimeout, with the server's values as defaults."""

    def whoami(self, token):
        return self.post("WhoAmI", {}, token=token)

    def test_duration(self):
        self.create_user("bob", BOB_PASSWORD)
        old = self.user_login("bob")
        self.set_preference(LoginSessionDuration=1)
        body = self.user_login("bob")
        now = self.server.now()
        self.assertLessEqual(abs(body["SessionExpires"] - (now + 3600)), 2, repr(body))
        # A session made before the change keeps its 6 hours.
        self.assertGreater(old["SessionExpires"], now + 5 * 3600, repr(old))
        # Requests every 30 minutes keep the session from going idle.
        for token in (body["SessionToken"], old["SessionToken"]):
            self.server.advance(900)
            self.assertOK(self.whoami(token), "WhoAmI after 15 minutes")
        self.server.advance(1780)
        self.assertOK(self.whoami(body["SessionToken"]), "WhoAmI just before one hour")
        self.assertOK(self.whoami(old["SessionToken"]), "WhoAmI of the older session")
        self.server.advance(30)
        self.assertError(self.whoami(body["SessionToken"]), 401, "NotAuthenticated",
                         "WhoAmI after one hour")
        self.assertOK(self.whoami(old["SessionToken"]), "the older session")

    def test_idle_timeout(self):
        self.create_user("bob", BOB_PASSWORD)
        self.set_preference(LoginSessionIdleTimeout=5)
        token = self.user_token("bob")
        self.server.advance(290)
        self.assertOK(self.whoami(token), "WhoAmI after 290 s")
        self.server.advance(290)
        self.assertOK(self.whoami(token), "WhoAmI 290 s after the last request")
        self.server.advance(301)
        self.assertError(self.whoami(token), 401, "NotAuthenticated", "WhoAmI after 301 s idle")


class ServerLimitsTest(SettingsMixin, harness.MfadTestCase):
    """security.session_ttl and session_idle win where they are lower than the settings."""

    config = {"security": {"session_ttl": 1800, "session_idle": 120}}

    def test_server_values_win(self):
        self.assertEqual(self.preference()["LoginProfilePreference"]["LoginSessionIdleTimeout"], 2,
                         "the default shows security.session_idle in minutes")
        self.set_preference(LoginSessionDuration=6, LoginSessionIdleTimeout=30)
        self.create_user("bob", BOB_PASSWORD)
        body = self.user_login("bob")
        self.assertLessEqual(abs(body["SessionExpires"] - (self.server.now() + 1800)), 2,
                             repr(body))
        self.server.advance(121)
        r = self.post("WhoAmI", {}, token=body["SessionToken"])
        self.assertError(r, 401, "NotAuthenticated", "WhoAmI after 121 s idle")


class EmailSettingsTest(SettingsMixin, EmailTestCase):
    """AllowUserToManageSecurityEmail, AllowEmailForLogon and AllowEmailForStepUp."""

    ttl = 300                      # below mail.code_ttl, so a code outlives the window
    security = {"step_up_ttl": ttl}

    def setUp(self):
        super().setUp()
        self.secret = self.enrol_user("bob", BOB_PASSWORD)
        self.bob = self.logon_mfa_user(self.principal("bob"), BOB_PASSWORD, self.secret)
        self.address = "bob@mail.example.org"
        self.attach(self.bob, self.address, "bob's address")

    def email_logon(self):
        """Log bob on with the password and an emailed code, and return the session token."""
        self.server.advance(RESEND_S)
        challenge = self.email_challenge("bob", BOB_PASSWORD)
        self.assertOK(self.send_login_code(challenge), "SendLoginEmailCode")
        code = self.next_mail(self.address, "logon code").code
        body = self.assertOK(self.login_email(challenge, code), "LoginMFA email")
        self.assertEqual(body.get("Status"), "OK", "LoginMFA email: %r" % (body,))
        return body["SessionToken"]

    def email_step_up(self, token):
        self.assertOK(self.post("SendStepUpEmailCode", {}, token=token), "SendStepUpEmailCode")
        code = self.next_mail(self.address, "step-up code").code
        r = self.post("StepUp", {"Method": "email", "Code": code}, token=token)
        self.assertOK(r, "StepUp email")

    def change_password(self, token, new=NEW_PASSWORD, old=BOB_PASSWORD):
        return self.post("ChangePassword", {"OldPassword": old, "NewPassword": new}, token=token)

    def test_manage_email_refused(self):
        self.set_preference(AllowUserToManageSecurityEmail=False)
        setting = "AllowUserToManageSecurityEmail"
        self.assertForbidden(self.request_code(self.bob, "new@mail.example.org"), setting,
                             "SetVerificationInfo by bob")
        r = self.post("VerifyVerificationInfo", {"Code": "123456"}, token=self.bob)
        self.assertForbidden(r, setting, "VerifyVerificationInfo by bob")
        r = self.post("DeleteVerificationInfo", {}, token=self.bob)
        self.assertForbidden(r, setting, "DeleteVerificationInfo by bob")
        self.assertNoNewMail("refused SetVerificationInfo", wait=0.5)
        # The owner acting on bob is not limited.
        r = self.post("DeleteVerificationInfo", {"UserName": "bob"}, token=self.owner_token)
        self.assertOK(r, "DeleteVerificationInfo by the owner")

    def test_email_logon_refused(self):
        self.set_preference(AllowEmailForLogon=False)
        body = self.user_login("bob")
        self.assertEqual(body.get("Methods"), ["totp"], "Login bob: %r" % (body,))
        challenge = body["Challenge"]
        self.assertForbidden(self.send_login_code(challenge), "AllowEmailForLogon",
                             "SendLoginEmailCode")
        self.assertForbidden(self.login_email(challenge, "123456"), "AllowEmailForLogon",
                             "LoginMFA with Method email")
        self.assertNoNewMail("refused SendLoginEmailCode", wait=0.5)
        # The same challenge still takes a TOTP code.
        self.server.align_step()
        body = self.assertOK(self.login_mfa(challenge, self.server.code(self.secret)),
                             "LoginMFA totp")
        self.assertEqual(body.get("Status"), "OK")

    def test_email_step_up_refused(self):
        self.set_preference(AllowEmailForStepUp=False)
        self.server.advance(self.ttl + 1)
        r = self.change_password(self.bob)
        self.assertMFARequired(r, ["totp"], "ChangePassword with a stale factor")
        self.assertForbidden(self.post("SendStepUpEmailCode", {}, token=self.bob),
                             "AllowEmailForStepUp", "SendStepUpEmailCode")
        r = self.post("StepUp", {"Method": "email", "Code": "123456"}, token=self.bob)
        self.assertForbidden(r, "AllowEmailForStepUp", "StepUp with Method email")
        self.assertNoNewMail("refused SendStepUpEmailCode", wait=0.5)

    def test_email_only_step_up_not_enough(self):
        # While the setting is true an email step-up allows a sensitive operation.
        self.server.advance(self.ttl + 1)
        self.email_step_up(self.bob)
        body = self.assertOK(self.change_password(self.bob),
                             "ChangePassword after an email step-up, email allowed")
        token = body["SessionToken"]
        # Under the strict setting the same proof is too little.
        self.server.advance(self.ttl + 1)
        self.email_step_up(token)
        self.set_preference(relogon=True, AllowEmailForStepUp=False)
        change = self.change_password(token, OWNER_NEW_PASSWORD, NEW_PASSWORD)
        self.assertMFARequired(change, ["totp"], "ChangePassword after an email-only step-up")
        self.step_up(token, self.secret)
        body = self.assertOK(self.change_password(token, OWNER_NEW_PASSWORD, NEW_PASSWORD),
                             "ChangePassword after a TOTP step-up")
        self.assertEqual(body.get("Status"), "OK")

    def test_email_only_password_needs_fifteen(self):
        # Without AllowEmailForLogon, an email-only user's password alone logs on.
        self.owner_token = self.logon_owner()
        r = self.post("UnbindMFADevice", {"UserName": "bob"}, token=self.owner_token)
        self.assertOK(r, "UnbindMFADevice bob")
        self.set_preference(AllowEmailForLogon=False)
        self.assertEqual(self.user_login("bob").get("Status"), "OK")
        r = self.post("UpdateLoginProfile", {"UserName": "bob", "Password": "Zq8!vR2#kPw"},
                      token=self.owner_token)
        self.assertError(r, 400, "InvalidParameter", "an 11-character password for bob")
        self.assertIn("without a second factor", r.json["message"])

    def test_remembered_email_logon_still_binds(self):
        # A browser remembered after an email code must not skip the forced binding.
        self.owner_token = self.logon_owner()
        r = self.post("UnbindMFADevice", {"UserName": "bob"}, token=self.owner_token)
        self.assertOK(r, "UnbindMFADevice bob")
        self.set_preference(MFAOperationForLogin="mandatory", EnableSaveMFATicket=True)
        self.server.advance(RESEND_S)
        challenge = self.email_challenge("bob", BOB_PASSWORD)
        self.assertOK(self.send_login_code(challenge), "SendLoginEmailCode")
        code = self.next_mail(self.address, "logon code").code
        r = self.post("LoginMFA", {"Challenge": challenge, "Method": "email", "Code": code,
                                   "RememberBrowser": True})
        self.assertEqual(self.assertOK(r, "LoginMFA email")["Status"], "BindMFARequired")
        cookies = [c.split(";", 1)[0] for c in r.headers.get_all("Set-Cookie") or []
                   if c.startswith("mfad_remember=")]
        self.assertEqual(len(cookies), 1, "no mfad_remember cookie after LoginMFA")
        r = self.post("Login", {"Principal": self.principal("bob"), "Password": BOB_PASSWORD},
                      headers={"Cookie": cookies[0]})
        body = self.assertOK(r, "Login bob with the remembered browser")
        self.assertEqual(body["Status"], "BindMFARequired")
        self.assertEqual(body["Scope"], "bind-mfa")

    def test_email_logon_not_enough(self):
        token = self.email_logon()
        self.set_preference(AllowEmailForStepUp=False)
        self.assertMFARequired(self.change_password(token), ["totp"],
                               "ChangePassword in a session that proved only email")


class PasskeySettingsTest(SettingsMixin, EmailTestCase):
    """AllowUserToManagePasskeys, and adding a factor needs the user's strongest factor."""

    ttl = 300
    other_config = {"webauthn": webauthn_config()["webauthn"]}
    security = {"step_up_ttl": ttl, "lockout_threshold": 100}

    def setUp(self):
        super().setUp()
        self.auth = softauthn.SoftAuthenticator(self.server.origin)

    def register(self, token, name):
        r = self.post("StartPasskeyRegistration", {}, token=token)
        options = self.assertOK(r, "StartPasskeyRegistration")["Options"]
        response, _ = self.auth.create(options, honor_exclude=False)
        r = self.post("FinishPasskeyRegistration", {"Credential": response, "Name": name},
                      token=token)
        return self.assertOK(r, "FinishPasskeyRegistration")

    def test_manage_passkeys_refused(self):
        self.create_user("bob", BOB_PASSWORD)
        bob = self.user_token("bob")
        passkey = self.register(bob, "first")["Passkey"]
        self.set_preference(AllowUserToManagePasskeys=False)
        setting = "AllowUserToManagePasskeys"
        self.assertForbidden(self.post("StartPasskeyRegistration", {}, token=bob), setting,
                             "StartPasskeyRegistration by bob")
        self.assertForbidden(self.post("FinishPasskeyRegistration", {"Credential": {}},
                                       token=bob), setting, "FinishPasskeyRegistration by bob")
        body = {"PasskeyId": passkey["PasskeyId"], "NewName": "renamed"}
        self.assertForbidden(self.post("UpdatePasskey", body, token=bob), setting,
                             "UpdatePasskey by bob")
        body = {"PasskeyId": passkey["PasskeyId"]}
        self.assertForbidden(self.post("DeletePasskey", body, token=bob), setting,
                             "DeletePasskey by bob")
        body["UserName"] = "bob"
        self.assertOK(self.post("DeletePasskey", body, token=self.owner_token),
                      "DeletePasskey by the owner")

    def test_forced_passkey_binding_allowed(self):
        self.create_user("carol", BOB_PASSWORD, mfa_bind_required=True)
        self.set_preference(AllowUserToManagePasskeys=False)
        body = self.user_login("carol")
        self.assertEqual(body.get("Status"), "BindMFARequired", "Login carol: %r" % (body,))
        body = self.register(body["SessionToken"], "carol's key")
        self.assertEqual(body.get("Status"), "OK", "registration in bind-mfa: %r" % (body,))

    def test_totp_user_needs_totp_to_add_passkey(self):
        secret = self.enrol_user("bob", BOB_PASSWORD)
        bob = self.logon_mfa_user(self.principal("bob"), BOB_PASSWORD, secret)
        address = "bob@mail.example.org"
        self.attach(bob, address, "bob's address")

        # A session whose only proof is an email code.
        self.server.advance(RESEND_S)
        challenge = self.email_challenge("bob", BOB_PASSWORD)
        self.assertOK(self.send_login_code(challenge), "SendLoginEmailCode")
        code = self.next_mail(address, "logon code").code
        email_token = self.assertOK(self.login_email(challenge, code),
                                    "LoginMFA email")["SessionToken"]
        r = self.post("StartPasskeyRegistration", {}, token=email_token)
        self.assertMFARequired(r, ["totp"], "StartPasskeyRegistration after an email logon")

        # An email step-up is no better.
        self.server.advance(RESEND_S)
        self.assertOK(self.post("SendStepUpEmailCode", {}, token=email_token),
                      "SendStepUpEmailCode")
        code = self.next_mail(address, "step-up code").code
        r = self.post("StepUp", {"Method": "email", "Code": code}, token=email_token)
        self.assertOK(r, "StepUp email")
        r = self.post("StartPasskeyRegistration", {}, token=email_token)
        self.assertMFARequired(r, ["totp"], "StartPasskeyRegistration after an email step-up")
        # A plain sensitive operation takes the email step-up.
        r = self.post("DeleteVerificationInfo", {}, token=email_token)
        self.assertOK(r, "DeleteVerificationInfo after an email step-up")

        self.step_up(email_token, secret)
        self.register(email_token, "bob's key")
        self.assertIn("passkey", self.post("WhoAmI", {}, token=email_token).json["Factors"])

    def test_totp_user_password_session(self):
        self.create_user("bob", BOB_PASSWORD)
        bob = self.user_token("bob")
        # The owner binds bob's device after bob logged on with the password alone.
        device = self.create_device(self.owner_token, "bob")
        self.bind_device(self.owner_token, device, "bob")
        r = self.post("StartPasskeyRegistration", {}, token=bob)
        self.assertMFARequired(r, ["totp"], "StartPasskeyRegistration in a password session")
        self.step_up(bob, device["Base32StringSeed"])
        self.register(bob, "bob's key")

    def test_email_cannot_delete_passkey(self):
        # Deleting the strongest factor with a weaker one would let that one add a new factor.
        self.create_user("bob", BOB_PASSWORD)
        bob = self.user_token("bob")
        passkey = self.register(bob, "bob's key")["Passkey"]
        address = "bob@mail.example.org"
        self.attach(bob, address, "bob's address")
        self.server.advance(self.ttl + 60)
        challenge = self.email_challenge("bob", BOB_PASSWORD)
        self.assertOK(self.send_login_code(challenge), "SendLoginEmailCode")
        code = self.next_mail(address, "logon code").code
        bob = self.assertOK(self.login_email(challenge, code), "LoginMFA email")["SessionToken"]
        r = self.post("DeletePasskey", {"PasskeyId": passkey["PasskeyId"]}, token=bob)
        self.assertMFARequired(r, ["passkey"], "DeletePasskey after an email logon")
        r = self.post("ListPasskeys", {}, token=bob)
        self.assertEqual(len(self.assertOK(r, "ListPasskeys")["Passkeys"]), 1)

    def test_passkey_user_needs_passkey(self):
        secret = self.enrol_user("bob", BOB_PASSWORD)
        bob = self.logon_mfa_user(self.principal("bob"), BOB_PASSWORD, secret)
        self.register(bob, "bob's key")
        self.server.advance(self.ttl + 1)
        self.step_up(bob, secret)
        # A fresh TOTP proof is enough for other sensitive operations...
        r = self.post("ChangePassword", {"OldPassword": BOB_PASSWORD,
                                         "NewPassword": NEW_PASSWORD}, token=bob)
        bob = self.assertOK(r, "ChangePassword after a TOTP step-up")["SessionToken"]
        # ...but adding a factor now needs the passkey.
        r = self.post("SetVerificationInfo", {"Email": "bob@mail.example.org"}, token=bob)
        self.assertMFARequired(r, ["passkey"], "SetVerificationInfo after a TOTP step-up")
        r = self.post("StartStepUpPasskey", {}, token=bob)
        options = self.assertOK(r, "StartStepUpPasskey")["Options"]
        r = self.post("StepUp", {"Method": "passkey", "Credential": self.auth.get(options)},
                      token=bob)
        self.assertOK(r, "StepUp passkey")
        r = self.post("SetVerificationInfo", {"Email": "bob@mail.example.org"}, token=bob)
        self.assertOK(r, "SetVerificationInfo after a passkey step-up")

