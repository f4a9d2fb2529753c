"""Step-up: sensitive operations need a second factor proven within security.step_up_ttl.

Each sensitive operation is first called in a session whose factor is older than the setting
and must get 403 MFARequired with the methods the user can prove. After a StepUp with TOTP,
a passkey (softauthn) or an emailed code (smtp.py) the same call succeeds.
"""

import harness
from test_email import EmailTestCase
from test_passkeys import PasskeyTestCase, webauthn_config

STEP_UP_TTL_S = 900            # default security.step_up_ttl
LOCKOUT_THRESHOLD = 5          # default security.lockout_threshold
BOB_PASSWORD = "bob password 12345"
OWNER_NEW_PASSWORD = "owner new password 12345"
RESEND_S = 60                  # default mail.resend_interval: seconds between two code mails


class StepUpMixin:
    """Checks shared by the classes below; ttl is the step_up_ttl the server runs with."""

    ttl = STEP_UP_TTL_S

    def go_stale(self):
        """Move the clock just past the step-up window of every session."""
        self.server.advance(self.ttl + 1)

    def assertMFARequired(self, r, methods, what):
        self.assertError(r, 403, "MFARequired", what)
        self.assertEqual(sorted(r.json.get("Methods", [])), sorted(methods),
                         "%s: Methods in %r" % (what, r.json))
        self.assertTrue(r.json.get("message"), "%s: no message in %r" % (what, r.json))

    def check_sensitive(self, token, action, body, step_up, methods, what=None):
        """Call action stale (refused), step up, call again; return the successful body."""
        what = what or action
        self.go_stale()
        self.assertMFARequired(self.post(action, body, token=token), methods,
                               "%s with a stale factor" % what)
        step_up()
        return self.assertOK(self.post(action, body, token=token), "%s after StepUp" % what)


class TotpStepUpTest(StepUpMixin, harness.MfadTestCase):
    """The owner has a TOTP device and steps up with it."""

    # A pending device must outlive a stale step-up and the StepUp after it.
    config = {"security": {"pending_device_ttl": 3 * STEP_UP_TTL_S}}

    def setUp(self):
        super().setUp()
        device = self.create_device(self.owner_token)
        self.bind_device(self.owner_token, device)
        self.secret = device["Base32StringSeed"]
        self.server.align_step()
        self.token = self.logon_mfa_user(self.server.alias, self.server.owner_password,
                                         self.secret)

    def totp_step_up(self):
        self.step_up(self.token, self.secret)

    def test_fresh_logon_needs_no_step_up(self):
        r = self.post("CreateUser", {"UserName": "bob"}, token=self.token)
        self.assertOK(r, "CreateUser")
        r = self.post("CreateLoginProfile", {"UserName": "bob", "Password": BOB_PASSWORD},
                      token=self.token)
        self.assertOK(r, "CreateLoginProfile right after LoginMFA")

    def test_owner_operations(self):
        self.assertOK(self.post("CreateUser", {"UserName": "bob"}, token=self.token),
                      "CreateUser")
        table = (
            ("CreateLoginProfile", {"UserName": "bob", "Password": BOB_PASSWORD}),
            ("UpdateLoginProfile", {"UserName": "bob", "PasswordResetRequired": True}),
            ("UnlockUser", {"UserName": "bob"}),
            ("ResetUserMFA", {"UserName": "bob"}),
            ("DeleteLoginProfile", {"UserName": "bob"}),
            ("SetSecurityPreference", {"AllowUserToLoginWithPasskey": False}),
            ("SetPasswordPolicy", {"PasswordReusePrevention": 3}),
            ("DeleteUser", {"UserName": "bob"}),
        )
        for action, body in table:
            with self.subTest(action=action):
                self.check_sensitive(self.token, action, body, self.totp_step_up, ["totp"])

    def test_access_token_operations(self):
        created = self.check_sensitive(self.token, "CreateAccessToken",
                                       {"Description": "backup script"}, self.totp_step_up,
                                       ["totp"])
        created = created["AccessToken"]
        self.check_sensitive(self.token, "DeleteAccessToken", {"TokenId": created["TokenId"]},
                             self.totp_step_up, ["totp"])

    def test_device_operations(self):
        self.assertOK(self.post("CreateUser", {"UserName": "bob"}, token=self.token),
                      "CreateUser")
        device = self.check_sensitive(self.token, "CreateVirtualMFADevice", {"UserName": "bob"},
                                      self.totp_step_up, ["totp"])["VirtualMFADevice"]
        self.go_stale()
        code1, code2 = self.bind_codes(device["Base32StringSeed"])
        body = {"UserName": "bob", "SerialNumber": device["SerialNumber"],
                "AuthenticationCode1": code1, "AuthenticationCode2": code2}
        self.assertMFARequired(self.post("BindMFADevice", body, token=self.token), ["totp"],
                               "BindMFADevice with a stale factor")
        self.totp_step_up()
        code1, code2 = self.bind_codes(device["Base32StringSeed"])
        body.update(AuthenticationCode1=code1, AuthenticationCode2=code2)
        self.assertOK(self.post("BindMFADevice", body, token=self.token), "BindMFADevice")
        self.check_sensitive(self.token, "UnbindMFADevice", {"UserName": "bob"},
                             self.totp_step_up, ["totp"])

    def test_change_password(self):
        body = {"OldPassword": self.server.owner_password, "NewPassword": OWNER_NEW_PASSWORD}
        result = self.check_sensitive(self.token, "ChangePassword", body, self.totp_step_up,
                                      ["totp"])
        self.assertEqual(result.get("Status"), "OK", "ChangePassword: %r" % (result,))

    def test_step_up_expires_after_setting(self):
        self.go_stale()
        self.totp_step_up()
        self.server.advance(self.ttl - 40)   # align_step may have used up to 32 s
        r = self.post("SetSecurityPreference", {}, token=self.token)
        self.assertOK(r, "SetSecurityPreference within step_up_ttl")
        self.server.advance(41)
        r = self.post("SetSecurityPreference", {}, token=self.token)
        self.assertMFARequired(r, ["totp"], "SetSecurityPreference past step_up_ttl")

    def test_step_up_reports_factor(self):
        self.go_stale()
        self.totp_step_up()
        body = self.assertOK(self.post("WhoAmI", {}, token=self.token), "WhoAmI")
        self.assertIn("totp", body["Factors"], "WhoAmI after StepUp: %r" % (body,))

    def test_replayed_logon_code_refused(self):
        self.server.align_step()
        code = self.server.code(self.secret)
        challenge = self.challenge(self.server.alias, self.server.owner_password)
        body = self.assertOK(self.login_mfa(challenge, code), "LoginMFA")
        token = body["SessionToken"]
        r = self.post("StepUp", {"Method": "totp", "Code": code}, token=token)
        self.assertError(r, 401, "MFACodeReused", "StepUp with the code of the logon")

    def test_replayed_step_up_code_refused(self):
        self.go_stale()
        self.server.align_step()
        code = self.server.code(self.secret)
        self.assertOK(self.post("StepUp", {"Method": "totp", "Code": code}, token=self.token),
                      "first StepUp")
        r = self.post("StepUp", {"Method": "totp", "Code": code}, token=self.token)
        self.assertError(r, 401, "MFACodeReused", "StepUp with the same code again")

    def test_wrong_code_counted(self):
        self.go_stale()
        wrong = self.wrong_code(self.secret)
        for i in range(LOCKOUT_THRESHOLD):
            r = self.post("StepUp", {"Method": "totp", "Code": wrong}, token=self.token)
            self.assertError(r, 401, "InvalidMFACode", "wrong StepUp code %d" % (i + 1))
        # No align_step here: moving the clock 30 s would outlast the first lock.
        r = self.post("StepUp", {"Method": "totp", "Code": self.server.code(self.secret)},
                      token=self.token)
        self.assertError(r, 429, "LogonLocked", "right StepUp code after the threshold")
        self.assertGreater(int(r.headers.get("Retry-After", "0")), 0, "Retry-After: %r" % (r,))
        r = self.login(self.server.alias, self.server.owner_password)
        self.assertError(r, 401, "InvalidCredentials", "Login while step-up locked it")
        r = self.post("SetSecurityPreference", {}, token=self.token)
        self.assertMFARequired(r, ["totp"], "SetSecurityPreference after failed step-ups")

    def test_unknown_method_rejected(self):
        r = self.post("StepUp", {"Method": "sms", "Code": "123456"}, token=self.token)
        self.assertError(r, 400, "InvalidParameter", "StepUp with Method sms")

    def test_step_up_needs_session(self):
        r = self.post("StepUp", {"Method": "totp", "Code": "123456"})
        self.assertError(r, 401, "NotAuthenticated", "StepUp without a session")


class NoFactorTest(StepUpMixin, harness.MfadTestCase):
    """Users without a second factor: a fresh password session, and the first binding."""

    def test_fresh_password_session_allowed(self):
        r = self.post("CreateUser", {"UserName": "bob"}, token=self.owner_token)
        self.assertOK(r, "CreateUser")
        r = self.post("CreateLoginProfile", {"UserName": "bob", "Password": BOB_PASSWORD},
                      token=self.owner_token)
        self.assertOK(r, "CreateLoginProfile in a fresh password session")

    def test_old_password_session_refused(self):
        self.assertOK(self.post("CreateUser", {"UserName": "bob"}, token=self.owner_token),
                      "CreateUser")
        self.go_stale()
        r = self.post("CreateLoginProfile", {"UserName": "bob", "Password": BOB_PASSWORD},
                      token=self.owner_token)
        self.assertMFARequired(r, [], "CreateLoginProfile in an old password session")
        r = self.post("StepUp", {"Method": "totp", "Code": "123456"}, token=self.owner_token)
        self.assertError(r, 400, "InvalidParameter", "StepUp without a device")

    def test_first_binding_allowed_in_old_session(self):
        self.go_stale()
        device = self.create_device(self.owner_token)
        self.bind_device(self.owner_token, device)
        # Binding proved the device in this session, which counts as a step-up.
        r = self.post("SetSecurityPreference", {}, token=self.owner_token)
        self.assertOK(r, "SetSecurityPreference right after binding")
        self.go_stale()
        r = self.post("CreateVirtualMFADevice", {}, token=self.owner_token)
        self.assertMFARequired(r, ["totp"], "CreateVirtualMFADevice with a factor")

    def test_restricted_session_binds_first_factor(self):
        self.create_user("carol", BOB_PASSWORD, mfa_bind_required=True)
        body = self.assertOK(self.login(self.principal("carol"), BOB_PASSWORD), "Login carol")
        self.assertEqual(body.get("Status"), "BindMFARequired", "Login carol: %r" % (body,))
        token = body["SessionToken"]
        self.server.advance(120)
        device = self.create_device(token)
        body = self.bind_device(token, device)
        self.assertEqual(body.get("Status"), "OK", "BindMFADevice in bind-mfa: %r" % (body,))


class RestrictedSessionStepUpTest(StepUpMixin, harness.MfadTestCase):
    """A change-password session may step up, because it may outlive a short step_up_ttl."""

    ttl = 120                      # below the 900 s a restricted session lives
    config = {"security": {"step_up_ttl": ttl}}

    def test_change_password_session_steps_up(self):
        secret = self.enrol_user("erin", BOB_PASSWORD, password_reset_required=True)
        challenge = self.challenge(self.principal("erin"), BOB_PASSWORD)
        body = self.assertOK(self.login_mfa(challenge, self.server.code(secret)), "LoginMFA")
        self.assertEqual(body.get("Status"), "PasswordResetRequired", "LoginMFA: %r" % (body,))
        token = body["SessionToken"]
        change = {"OldPassword": BOB_PASSWORD, "NewPassword": OWNER_NEW_PASSWORD}
        result = self.check_sensitive(token, "ChangePassword", change,
                                      lambda: self.step_up(token, secret), ["totp"])
        self.assertEqual(result.get("Status"), "OK", "ChangePassword: %r" % (result,))


class PasskeyStepUpTest(StepUpMixin, PasskeyTestCase):
    """The owner has a passkey and steps up with it."""

    ttl = 120                      # below the 300 s of a WebAuthn challenge
    config = webauthn_config()
    config["security"] = dict(config["security"], step_up_ttl=ttl)

    def setUp(self):
        super().setUp()
        self.token = self.owner_token
        self.passkey, _ = self.register(self.token, name="first")

    def passkey_step_up(self, token=None):
        token = token or self.token
        r = self.post("StartStepUpPasskey", {}, token=token)
        options = self.assertOK(r, "StartStepUpPasskey")["Options"]
        assertion = self.auth.get(options)
        r = self.post("StepUp", {"Method": "passkey", "Credential": assertion}, token=token)
        return self.assertOK(r, "StepUp passkey")

    def test_passkey_operations(self):
        self.go_stale()
        self.assertMFARequired(self.post("StartPasskeyRegistration", {}, token=self.token),
                               ["passkey"], "StartPasskeyRegistration with a stale factor")
        self.passkey_step_up()
        options = self.start_registration(self.token)
        response, _ = self.auth.create(options, honor_exclude=False)
        self.go_stale()
        r = self.finish_registration(self.token, response, "second")
        self.assertMFARequired(r, ["passkey"], "FinishPasskeyRegistration with a stale factor")
        self.passkey_step_up()
        second = self.assertOK(self.finish_registration(self.token, response, "second"),
                               "FinishPasskeyRegistration")["Passkey"]
        self.check_sensitive(self.token, "UpdatePasskey",
                             {"PasskeyId": second["PasskeyId"], "NewName": "renamed"},
                             self.passkey_step_up, ["passkey"])
        self.check_sensitive(self.token, "DeletePasskey", {"PasskeyId": second["PasskeyId"]},
                             self.passkey_step_up, ["passkey"])

    def test_passkey_step_up_records_factor(self):
        self.go_stale()
        self.passkey_step_up()
        body = self.whoami(self.token)
        self.assertIn("passkey", body["Factors"], "WhoAmI after StepUp: %r" % (body,))

    def test_challenge_of_other_session_refused(self):
        other = self.password_session_owner()
        r = self.post("StartStepUpPasskey", {}, token=other)
        options = self.assertOK(r, "StartStepUpPasskey in the other session")["Options"]
        assertion = self.auth.get(options)
        r = self.post("StepUp", {"Method": "passkey", "Credential": assertion}, token=self.token)
        self.assertError(r, 401, "InvalidChallenge", "StepUp with another session's challenge")

    def test_logon_challenge_refused(self):
        self.create_user("dave", BOB_PASSWORD)
        dave = self.password_session("dave", BOB_PASSWORD)
        self.register(dave, name="dave key")
        challenge = self.logon_challenge("dave", BOB_PASSWORD)
        assertion = self.auth.get(self.start_login(challenge))
        r = self.post("StepUp", {"Method": "passkey", "Credential": assertion}, token=dave)
        self.assertError(r, 401, "InvalidChallenge", "StepUp with a logon's WebAuthn challenge")

    def test_replayed_assertion_refused(self):
        self.go_stale()
        r = self.post("StartStepUpPasskey", {}, token=self.token)
        options = self.assertOK(r, "StartStepUpPasskey")["Options"]
        assertion = self.auth.get(options)
        body = {"Method": "passkey", "Credential": assertion}
        self.assertOK(self.post("StepUp", body, token=self.token), "first StepUp")
        r = self.post("StepUp", body, token=self.token)
        self.assertError(r, 401, "InvalidChallenge", "StepUp with the same assertion again")

    def test_bad_signature_counted(self):
        self.go_stale()
        r = self.post("StartStepUpPasskey", {}, token=self.token)
        options = self.assertOK(r, "StartStepUpPasskey")["Options"]
        assertion = self.auth.get(options, bad_signature=True)
        r = self.post("StepUp", {"Method": "passkey", "Credential": assertion}, token=self.token)
        self.assertError(r, 401, "InvalidPasskey", "StepUp with a bad signature")
        self.assertIn("event=step_up_failure method=passkey", self.server.log_text())

    def password_session_owner(self):
        """Log the owner on again with password and passkey: a second full session."""
        r = self.login(self.server.alias, self.server.owner_password)
        challenge = self.assertOK(r, "owner Login")["Challenge"]
        assertion = self.auth.get(self.start_login(challenge))
        return self.assertSession(self.login_mfa_passkey(challenge, assertion), "owner LoginMFA")


class EmailStepUpTest(StepUpMixin, EmailTestCase):
    """The owner has a security email address and steps up with a mailed code."""

    ttl = 300                      # below mail.code_ttl, so a code outlives the window
    security = {"step_up_ttl": ttl}

    def setUp(self):
        super().setUp()
        self.token = self.owner_token
        self.address = "owner@mail.example.org"
        self.attach(self.token, self.address, "owner's first address")

    def email_step_up(self):
        r = self.post("SendStepUpEmailCode", {}, token=self.token)
        body = self.assertOK(r, "SendStepUpEmailCode")
        self.assertIn("***", body.get("Destination", ""), "masked address: %r" % (body,))
        mail = self.next_mail(self.address, "step-up mail")
        self.assertIn("verification code", mail.subject.lower(), "subject: %r" % (mail,))
        r = self.post("StepUp", {"Method": "email", "Code": mail.code}, token=self.token)
        return self.assertOK(r, "StepUp email")

    def test_email_operations(self):
        new_address = "owner.new@mail.example.org"

        def step_up_then_wait():
            # SetVerificationInfo mails a code too, which must not come within RESEND_S.
            self.email_step_up()
            self.server.advance(RESEND_S + 1)

        self.check_sensitive(self.token, "SetVerificationInfo", {"Email": new_address},
                             step_up_then_wait, ["email"])
        code = self.next_mail(new_address, "verification of the new address").code
        self.check_sensitive(self.token, "VerifyVerificationInfo", {"Code": code},
                             self.email_step_up, ["email"])
        self.address = new_address
        self.check_sensitive(self.token, "DeleteVerificationInfo", {}, self.email_step_up,
                             ["email"])

    def test_email_step_up_records_factor(self):
        self.go_stale()
        self.email_step_up()
        body = self.assertOK(self.post("WhoAmI", {}, token=self.token), "WhoAmI")
        self.assertIn("email", body["Factors"], "WhoAmI after StepUp: %r" % (body,))

    def test_email_code_single_use(self):
        self.go_stale()
        self.assertOK(self.post("SendStepUpEmailCode", {}, token=self.token),
                      "SendStepUpEmailCode")
        code = self.next_mail(self.address, "step-up mail").code
        body = {"Method": "email", "Code": code}
        self.assertOK(self.post("StepUp", body, token=self.token), "first StepUp")
        r = self.post("StepUp", body, token=self.token)
        self.assertError(r, 401, "InvalidChallenge", "StepUp with the same email code")

    def test_email_code_bound_to_session(self):
        other = self.logon_owner_email()
        self.server.advance(RESEND_S + 1)
        self.assertOK(self.post("SendStepUpEmailCode", {}, token=other),
                      "SendStepUpEmailCode in another session")
        code = self.next_mail(self.address, "step-up mail of the other session").code
        r = self.post("StepUp", {"Method": "email", "Code": code}, token=self.token)
        self.assertError(r, 401, "InvalidChallenge", "StepUp with another session's code")

    def test_wrong_email_code_counted(self):
        self.go_stale()
        self.assertOK(self.post("SendStepUpEmailCode", {}, token=self.token),
                      "SendStepUpEmailCode")
        code = self.next_mail(self.address, "step-up mail").code
        wrong = "%06d" % ((int(code) + 1) % 1000000)
        r = self.post("StepUp", {"Method": "email", "Code": wrong}, token=self.token)
        self.assertError(r, 401, "InvalidMFACode", "StepUp with a wrong email code")
        self.assertIn("event=step_up_failure method=email", self.server.log_text())

    def logon_owner_email(self):
        """Log the owner on again with password and an emailed code: a second session."""
        r = self.login(self.server.alias, self.server.owner_password)
        challenge = self.assertOK(r, "owner Login")["Challenge"]
        self.server.advance(RESEND_S + 1)
        self.assertOK(self.post("SendLoginEmailCode", {"Challenge": challenge}),
                      "SendLoginEmailCode")
        code = self.next_mail(self.address, "logon mail").code
        r = self.post("LoginMFA", {"Challenge": challenge, "Method": "email", "Code": code})
        return self.assertOK(r, "owner LoginMFA email")["SessionToken"]


del PasskeyTestCase, EmailTestCase   # keep unittest from running the imported bases' tests
