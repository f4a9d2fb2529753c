"""Security notifications: one mail per security event to the user's verified address.

A real SMTP server on 127.0.0.1 (smtp.py) receives what mfad's outbox sends. Each test waits
for the notice it expects, then waits a little longer to see that no second copy follows. It
also scans every notice for the secrets the test has seen: passwords, TOTP seeds and codes,
emailed codes, session tokens and logon challenges.
"""

import email
import email.policy
import re
import time

import harness
import smtp
import softauthn
from test_passkeys import webauthn_config

PASSWORD = "notify user password 1"
NEW_PASSWORD = "notify user password 2"
OWNER_SET_PASSWORD = "set by the owner 1"
ADDRESS = "alice@mail.example.org"
OTHER_ADDRESS = "alice.new@mail.example.org"
MAIL_TIMEOUT_S = 20       # seconds to wait for a queued mail to arrive
QUIET_S = 1.5             # seconds without a further mail that show there is no duplicate
FAILURES_THRESHOLD = 3    # NOTIFY_FAILURES_THRESHOLD in src/server/notify.h
CODE = re.compile(r"code is ([0-9]{6})\.")


class Mail:
    """One received message: recipients, subject and text body."""

    def __init__(self, rcpt_tos, data):
        msg = email.message_from_bytes(data, policy=email.policy.default)
        self.rcpt_tos = [r.lower() for r in rcpt_tos]
        self.subject = str(msg["Subject"])
        self.text = msg.get_body(preferencelist=("plain",)).get_content()
        self.raw = data.decode("utf-8", "replace")
        m = CODE.search(self.text)
        self.code = m.group(1) if m else None

    def __repr__(self):
        return "Mail(to=%r, subject=%r)" % (self.rcpt_tos, self.subject)


def notify_config():
    """INI settings: passkeys on this port, mail to the test server, room for many codes."""
    config = webauthn_config()
    config["security"] = {"lockout_threshold": 10}
    return config


class NotifyTestCase(harness.MfadTestCase):
    """A test with its own SMTP server and an mfad that sends to it."""

    copy_init = True

    def setUp(self):
        self.smtp = smtp.SmtpServer()
        self.addCleanup(self.smtp.stop)
        self.smtp.start()
        self.config = notify_config()
        self.config["mail"] = {"smtp_url": "smtp://127.0.0.1:%d" % self.smtp.port,
                               "starttls": "none", "from": "mfad@example.net",
                               "resend_interval": 0, "daily_limit": 1000}
        self.seen = 0        # messages already handed out
        self.secrets = [PASSWORD, NEW_PASSWORD, OWNER_SET_PASSWORD,
                        harness.OWNER_PASSWORD]
        super().setUp()
        self.secrets.append(self.owner_token)
        self.auth = softauthn.SoftAuthenticator(self.server.origin)

    # ---- mail ----

    def mails(self):
        return [Mail(m.rcpt_tos, m.data) for m in self.smtp.messages()]

    def next_mail(self, what):
        deadline = time.monotonic() + MAIL_TIMEOUT_S
        while time.monotonic() < deadline:
            mails = self.mails()
            if len(mails) > self.seen:
                self.seen += 1
                return mails[self.seen - 1]
            time.sleep(0.05)
        self.fail("%s: no mail arrived within %d s (log: %s)" % (
            what, MAIL_TIMEOUT_S, self.server.log_text()[-2000:]))

    def code_mail(self, to, what):
        """Take the next mail, a code mail to `to`, and return its code."""
        mail = self.next_mail(what)
        self.assertEqual(mail.rcpt_tos, [to.lower()], "%s: recipients" % what)
        self.assertIsNotNone(mail.code, "%s: no code in %r" % (what, mail.text))
        self.secrets.append(mail.code)
        return mail.code

    def notice(self, to, subject, what):
        """Take the next mail, check it is the notice `subject` to `to` alone, and scan it."""
        mail = self.next_mail(what)
        self.assertEqual(mail.rcpt_tos, [to.lower()], "%s: recipients of %r" % (what, mail))
        self.assertEqual(mail.subject, subject, "%s: subject" % what)
        self.assertIsNone(mail.code, "%s: the notice has a code: %r" % (what, mail.text))
        self.assertIn("When: ", mail.text, "%s: the notice says when" % what)
        self.assertIn("From address: 127.0.0.1", mail.text, "%s: the source address" % what)
        self.assertIn("User agent: ", mail.text, "%s: the user agent" % what)
        self.assertIn("If it was not you", mail.text, "%s: what to do" % what)
        self.assertNotIn("http://", mail.text, "%s: the notice has a link" % what)
        self.assertNotIn("https://", mail.text, "%s: the notice has a link" % what)
        self.assertNoSecret(mail, what)
        return mail

    def assertNoSecret(self, mail, what):
        for secret in self.secrets:
            self.assertNotIn(secret, mail.raw, "%s: a secret is in %r" % (what, mail))

    def assertNoNewMail(self, what, wait=QUIET_S):
        """Check that no message beyond those handed out arrives within `wait` seconds."""
        time.sleep(wait)
        mails = self.mails()
        self.assertEqual(len(mails), self.seen, "%s: unexpected mail %r" % (
            what, mails[self.seen:]))

    def assertAllScanned(self):
        """Scan every message received, codes mails included, for passwords and tokens."""
        for mail in self.mails():
            for secret in [s for s in self.secrets if not re.fullmatch(r"[0-9]{6}", s)]:
                self.assertNotIn(secret, mail.raw, "a secret is in %r" % (mail,))

    # ---- set-up ----

    def user_with_email(self, name="alice", address=ADDRESS):
        """Create a user, attach and verify address; take the code mail and the notice."""
        self.create_user(name, PASSWORD)
        body = self.assertOK(self.login(self.principal(name), PASSWORD), "Login %s" % name)
        token = body["SessionToken"]
        self.secrets.append(token)
        self.assertOK(self.post("SetVerificationInfo", {"Email": address}, token=token),
                      "SetVerificationInfo")
        code = self.code_mail(address, "verification mail")
        self.assertOK(self.post("VerifyVerificationInfo", {"Code": code}, token=token),
                      "VerifyVerificationInfo")
        self.notice(address, "This is now your security email address", "address attached")
        self.assertNoNewMail("address attached")
        return token

    def email_logon(self, name="alice", address=ADDRESS, password=PASSWORD):
        """Log on with the password and an emailed code; return the session token."""
        challenge = self.challenge(self.principal(name), password)
        self.secrets.append(challenge)
        self.assertOK(self.post("SendLoginEmailCode", {"Challenge": challenge}),
                      "SendLoginEmailCode")
        code = self.code_mail(address, "logon code mail")
        body = self.assertOK(self.post("LoginMFA", {"Challenge": challenge, "Method": "email",
                                                    "Code": code}), "LoginMFA email")
        self.assertEqual(body["Status"], "OK", "LoginMFA email: %r" % (body,))
        self.secrets.append(body["SessionToken"])
        return body["SessionToken"]

    def bind_for(self, name):
        """Bind a device for name as the owner; return its seed."""
        device = self.create_device(self.owner_token, name)
        self.secrets.append(device["Base32StringSeed"])
        self.server.align_step()
        code1, code2 = self.bind_codes(device["Base32StringSeed"])
        self.secrets += [code1, code2]
        self.assertOK(self.post("BindMFADevice", {
            "UserName": name, "SerialNumber": device["SerialNumber"],
            "AuthenticationCode1": code1, "AuthenticationCode2": code2},
            token=self.owner_token), "BindMFADevice")
        return device["Base32StringSeed"]

    def register_passkey(self, token):
        options = self.assertOK(self.post("StartPasskeyRegistration", {}, token=token),
                                "StartPasskeyRegistration")["Options"]
        response, credential = self.auth.create(options, honor_exclude=False)
        body = self.assertOK(self.post("FinishPasskeyRegistration", {"Credential": response},
                                       token=token), "FinishPasskeyRegistration")
        return body["Passkey"], credential


class FactorNoticeTest(NotifyTestCase):

    def test_email_change_notifies_both(self):
        self.user_with_email()
        token = self.email_logon()
        self.assertOK(self.post("SetVerificationInfo", {"Email": OTHER_ADDRESS}, token=token),
                      "SetVerificationInfo new address")
        code = self.code_mail(OTHER_ADDRESS, "verification mail to the new address")
        self.assertOK(self.post("VerifyVerificationInfo", {"Code": code}, token=token),
                      "VerifyVerificationInfo new address")
        got = {}
        for _ in range(2):
            mail = self.next_mail("address change notices")
            got[mail.rcpt_tos[0]] = mail
        self.assertEqual(sorted(got), sorted([ADDRESS, OTHER_ADDRESS]),
                         "one notice to each address")
        self.assertEqual(got[OTHER_ADDRESS].subject, "This is now your security email address")
        self.assertEqual(got[ADDRESS].subject, "Your security email address was changed")
        for mail in got.values():
            self.assertNoSecret(mail, "address change notice")
        self.assertNoNewMail("address change")

    def test_email_removed(self):
        self.user_with_email()
        token = self.email_logon()
        self.assertOK(self.post("DeleteVerificationInfo", {}, token=token),
                      "DeleteVerificationInfo")
        self.notice(ADDRESS, "Your security email address was removed", "address removed")
        self.assertNoNewMail("address removed")

    def test_totp_bind_and_unbind(self):
        self.user_with_email()
        self.bind_for("alice")
        self.notice(ADDRESS, "An MFA device was added to your account", "device bound")
        self.assertNoNewMail("device bound")
        self.assertOK(self.post("UnbindMFADevice", {"UserName": "alice"},
                                token=self.owner_token), "UnbindMFADevice")
        self.notice(ADDRESS, "An MFA device was removed from your account", "device unbound")
        self.assertNoNewMail("device unbound")
        self.assertAllScanned()

    def test_passkey_add_and_delete(self):
        self.user_with_email()
        token = self.email_logon()
        passkey, _ = self.register_passkey(token)
        self.notice(ADDRESS, "A passkey was added to your account", "passkey added")
        self.assertNoNewMail("passkey added")
        self.assertOK(self.post("DeletePasskey", {"PasskeyId": passkey["PasskeyId"]},
                                token=token), "DeletePasskey")
        self.notice(ADDRESS, "A passkey was removed from your account", "passkey deleted")
        self.assertNoNewMail("passkey deleted")

    def test_no_address_no_mail(self):
        self.create_user("bob", PASSWORD)
        self.bind_for("bob")
        self.assertOK(self.post("UnbindMFADevice", {"UserName": "bob"},
                                token=self.owner_token), "UnbindMFADevice")
        self.assertNoNewMail("a user without a verified address")


class PasswordNoticeTest(NotifyTestCase):

    def test_change_by_user(self):
        self.user_with_email()
        token = self.email_logon()
        body = self.assertOK(self.post("ChangePassword", {"OldPassword": PASSWORD,
                                                          "NewPassword": NEW_PASSWORD},
                                       token=token), "ChangePassword")
        self.secrets.append(body["SessionToken"])
        mail = self.notice(ADDRESS, "Your password was changed", "password changed")
        self.assertIn(self.principal("alice"), mail.text, "the notice names the user")
        self.assertNoNewMail("password changed")

    def test_set_by_owner(self):
        self.user_with_email()
        self.assertOK(self.post("UpdateLoginProfile", {"UserName": "alice",
                                                       "Password": OWNER_SET_PASSWORD},
                                token=self.owner_token), "UpdateLoginProfile")
        self.notice(ADDRESS, "Your password was set by an administrator", "password set")
        self.assertNoNewMail("password set")

    def test_flags_only_no_mail(self):
        self.user_with_email()
        self.assertOK(self.post("UpdateLoginProfile", {"UserName": "alice",
                                                       "MFABindRequired": True},
                                token=self.owner_token), "UpdateLoginProfile flags")
        self.assertNoNewMail("a profile change without a password")


class SuspiciousUseTest(NotifyTestCase):

    def test_totp_replay_at_logon(self):
        self.user_with_email()
        seed = self.bind_for("alice")
        self.notice(ADDRESS, "An MFA device was added to your account", "device bound")
        self.server.align_step()
        code = self.server.code(seed)
        self.secrets.append(code)
        challenge = self.challenge(self.principal("alice"), PASSWORD)
        self.secrets.append(challenge)
        body = self.assertOK(self.login_mfa(challenge, code), "LoginMFA with a fresh code")
        self.secrets.append(body["SessionToken"])
        self.assertNoNewMail("a first use of the code")

        challenge = self.challenge(self.principal("alice"), PASSWORD)
        self.secrets.append(challenge)
        self.assertError(self.login_mfa(challenge, code), 401, "MFACodeReused", "code again")
        self.notice(ADDRESS, "An MFA code of yours was used twice", "code replayed")
        self.assertNoNewMail("code replayed")

    def test_totp_replay_at_step_up(self):
        self.user_with_email()
        seed = self.bind_for("alice")
        self.notice(ADDRESS, "An MFA device was added to your account", "device bound")
        self.server.align_step()
        code = self.server.code(seed)
        self.secrets.append(code)
        token = self.logon_mfa_user(self.principal("alice"), PASSWORD, seed)
        self.secrets.append(token)
        r = self.post("StepUp", {"Method": "totp", "Code": code}, token=token)
        self.assertError(r, 401, "MFACodeReused", "step-up with the logon's code")
        self.notice(ADDRESS, "An MFA code of yours was used twice", "step-up replay")
        self.assertNoNewMail("step-up replay")

    def test_passkey_counter_went_back(self):
        self.user_with_email()
        token = self.email_logon()
        self.register_passkey(token)
        self.notice(ADDRESS, "A passkey was added to your account", "passkey added")

        challenge = self.challenge(self.principal("alice"), PASSWORD)
        options = self.assertOK(self.post("StartPasskeyLogin", {"Challenge": challenge}),
                                "StartPasskeyLogin")["Options"]
        assertion = self.auth.get(options)
        body = self.assertOK(self.post("LoginMFA", {"Challenge": challenge, "Method": "passkey",
                                                    "Credential": assertion}), "passkey logon")
        self.secrets.append(body["SessionToken"])
        self.assertNoNewMail("a counter that grew")

        challenge = self.challenge(self.principal("alice"), PASSWORD)
        options = self.assertOK(self.post("StartPasskeyLogin", {"Challenge": challenge}),
                                "StartPasskeyLogin")["Options"]
        r = self.post("LoginMFA", {"Challenge": challenge, "Method": "passkey",
                                   "Credential": self.auth.get(options, sign_count=1)})
        self.assertError(r, 401, "InvalidPasskey", "the same counter again")
        self.notice(ADDRESS, "One of your passkeys may have been copied", "counter went back")
        self.assertNoNewMail("counter went back")

    def test_logon_after_failures(self):
        self.user_with_email()
        for _ in range(FAILURES_THRESHOLD - 1):
            self.assertError(self.login(self.principal("alice"), "wrong password 1"), 401,
                             "InvalidCredentials", "wrong password")
        self.email_logon()
        self.assertNoNewMail("a logon after %d failures" % (FAILURES_THRESHOLD - 1))

        for _ in range(FAILURES_THRESHOLD):
            self.assertError(self.login(self.principal("alice"), "wrong password 1"), 401,
                             "InvalidCredentials", "wrong password")
        self.email_logon()
        mail = self.notice(ADDRESS, "A logon to your account followed failed attempts",
                           "logon after failures")
        self.assertIn("after %d failed" % FAILURES_THRESHOLD, mail.text)
        self.assertNoNewMail("logon after failures")

        # The success started the count again.
        self.email_logon()
        self.assertNoNewMail("a logon right after a success")
        self.assertAllScanned()
