"""Security email: attaching an address, logon with an emailed code, code and send limits.

Codes are read from the messages that a real SMTP server on 127.0.0.1 (smtp.py) receives
from mfad's outbox.
"""

import email
import email.policy
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import harness
import smtp

PASSWORD = "alice password 1"
ADDRESS = "a.lice+mfa@Mail.Example.ORG"     # as typed
NORMALIZED = "a.lice+mfa@mail.example.org"  # domain lower-cased
LOCAL_PART = "a.lice+mfa"
CODE_TTL_S = 600                  # default mail.code_ttl
RESEND_S = 60                     # default mail.resend_interval
DAILY_LIMIT = 10                  # default mail.daily_limit
USERS_PER_ADDRESS = 5             # default mail.users_per_address
CODE_MAX_ATTEMPTS = 5             # default mail.code_max_attempts
MAIL_TIMEOUT_S = 20               # seconds to wait for a queued mail to arrive
PARALLEL = 12                     # requests sent at once in the race tests
CODE = re.compile(r"code is ([0-9]{6})\.")
NOTICE_PREFIX = "Security notice for "   # the first words of a security notice


class Mail:
    """One received message: recipients, subject, text body and the code in it."""

    def __init__(self, rcpt_tos, data):
        msg = email.message_from_bytes(data, policy=email.policy.default)
        self.rcpt_tos = [r.lower() for r in rcpt_tos]
        self.to = str(msg["To"])
        self.subject = str(msg["Subject"])
        self.text = msg.get_body(preferencelist=("plain",)).get_content()
        m = CODE.search(self.text)
        self.code = m.group(1) if m else None

    def __repr__(self):
        return "Mail(to=%r, subject=%r)" % (self.rcpt_tos, self.subject)


class EmailTestCase(harness.MfadTestCase):
    """A test with its own SMTP server on 127.0.0.1 and an mfad that sends to it."""

    security = {}        # extra [security] settings
    mail_settings = {}   # extra [mail] settings
    other_config = {}    # further INI sections, such as [webauthn]
    smtp_running = True  # start the SMTP server before mfad

    def setUp(self):
        self.smtp = smtp.SmtpServer()
        self.addCleanup(self.smtp.stop)
        if self.smtp_running:
            self.smtp.start()
        else:
            self.reserved.bind((harness.HOST, self.smtp.port))
        # The test server speaks plain SMTP on loopback, so STARTTLS is off.
        mail = {"smtp_url": "smtp://127.0.0.1:%d" % self.smtp.port, "starttls": "none",
                "from": "mfad@example.net"}
        mail.update(self.mail_settings)
        self.config = dict(self.other_config, mail=mail)
        if self.security:
            self.config["security"] = dict(self.security)
        self.seen = 0       # messages already handed out by next_mail
        self.codes = []     # every code mailed, for the log scan
        super().setUp()

    # ---- mail ----

    def mails(self):
        """Return the code mails received. Security notices, which test_notify checks, are left
        out, so the counts here are of code mails only."""
        mails = [Mail(m.rcpt_tos, m.data) for m in self.smtp.messages()]
        return [m for m in mails if not m.text.startswith(NOTICE_PREFIX)]

    def next_mail(self, to, what):
        """Wait for the next message, check that it went to `to` alone, and return it."""
        deadline = time.monotonic() + MAIL_TIMEOUT_S
        while time.monotonic() < deadline:
            mails = self.mails()
            if len(mails) > self.seen:
                mail = mails[self.seen]
                self.seen += 1
                self.assertEqual(mail.rcpt_tos, [to.lower()], "%s: recipients" % what)
                self.assertIsNotNone(mail.code, "%s: no code in %r" % (what, mail.text))
                self.codes.append(mail.code)
                return mail
            time.sleep(0.05)
        self.fail("%s: no mail arrived within %d s (log: %s)" % (
            what, MAIL_TIMEOUT_S, self.server.log_text()[-2000:]))

    def assertNoNewMail(self, what, wait=1.0):
        """Check that no message beyond those handed out arrives within `wait` seconds."""
        time.sleep(wait)
        mails = self.mails()
        self.assertEqual(len(mails), self.seen, "%s: unexpected mail %r" % (
            what, mails[self.seen:]))

    # ---- set-up ----

    def user_session(self, name, password=PASSWORD, **profile):
        """Create a user with a login profile and return its full session token."""
        self.create_user(name, password, **profile)
        body = self.assertOK(self.login(self.principal(name), password), "Login %s" % name)
        self.assertEqual(body.get("Status"), "OK", "Login %s: %r" % (name, body))
        return body["SessionToken"]

    def request_code(self, token, address=ADDRESS):
        return self.post("SetVerificationInfo", {"Email": address}, token=token)

    def attach(self, token, address=ADDRESS, what="attach"):
        """Attach address for the session's user: send, read the code, verify."""
        self.assertOK(self.request_code(token, address), "%s: SetVerificationInfo" % what)
        mail = self.next_mail(address, "%s: verification mail" % what)
        r = self.post("VerifyVerificationInfo", {"Code": mail.code}, token=token)
        return self.assertOK(r, "%s: VerifyVerificationInfo" % what)

    def email_challenge(self, name, password=PASSWORD):
        """Pass the password step of a user with an address and return the challenge."""
        body = self.assertOK(self.login(self.principal(name), password), "Login %s" % name)
        self.assertEqual(body.get("Status"), "MFARequired", "Login %s: %r" % (name, body))
        self.assertIn("email", body["Methods"], "Login %s: %r" % (name, body))
        return body["Challenge"]

    def send_login_code(self, challenge):
        return self.post("SendLoginEmailCode", {"Challenge": challenge})

    def login_email(self, challenge, code):
        return self.post("LoginMFA", {"Challenge": challenge, "Method": "email", "Code": code})

    def wrong(self, code):
        """A well-formed code other than code."""
        return "%06d" % ((int(code) + 1) % 1000000)


class AttachTest(EmailTestCase):

    def test_attach_after_code(self):
        token = self.user_session("alice")
        body = self.assertOK(self.request_code(token, "  " + ADDRESS + "\t"),
                             "SetVerificationInfo")
        self.assertEqual(body["PendingEmail"], NORMALIZED, "trimmed, domain lower-cased")
        self.assertGreater(body["CodeExpires"], self.server.now())
        self.assertLessEqual(body["CodeExpires"], self.server.now() + CODE_TTL_S)

        info = self.assertOK(self.post("GetVerificationInfo", {}, token=token), "Get pending")
        self.assertIsNone(info["Email"], "nothing is attached before the code: %r" % info)
        self.assertFalse(info["Verified"])
        self.assertEqual(info["PendingEmail"], NORMALIZED)

        mail = self.next_mail(NORMALIZED, "verification mail")
        self.assertIn("10 minutes", mail.text, "the mail says how long the code is valid")
        self.assertNotIn(PASSWORD, mail.text, "the mail must not contain the password")

        r = self.post("VerifyVerificationInfo", {"Code": self.wrong(mail.code)}, token=token)
        self.assertError(r, 401, "InvalidMFACode", "wrong verification code")
        self.assertIn("4 tries left", r.json["message"])

        body = self.assertOK(self.post("VerifyVerificationInfo", {"Code": mail.code},
                                       token=token), "VerifyVerificationInfo")
        self.assertEqual(body["Email"], NORMALIZED)
        self.assertTrue(body["Verified"])
        info = self.assertOK(self.post("GetVerificationInfo", {}, token=token), "Get attached")
        self.assertEqual(info["Email"], NORMALIZED)
        self.assertTrue(info["Verified"])
        self.assertIsNone(info["PendingEmail"])

    def test_verified_code_single_use(self):
        token = self.user_session("alice")
        self.assertOK(self.request_code(token), "SetVerificationInfo")
        code = self.next_mail(ADDRESS, "verification mail").code
        self.assertOK(self.post("VerifyVerificationInfo", {"Code": code}, token=token), "first")
        r = self.post("VerifyVerificationInfo", {"Code": code}, token=token)
        self.assertError(r, 401, "InvalidChallenge", "the same verification code again")

    def test_malformed_address_rejected(self):
        token = self.user_session("alice")
        for address in ("", "   ", "alice", "alice@", "@example.com", "alice@example",
                        "alice@@example.com", "al ice@example.com", ".alice@example.com",
                        "al..ice@example.com", "alice@-example.com", "alice@example-.com",
                        "alice@exa_mple.com", "alice@127.0.0.1", "alice@[127.0.0.1]",
                        "\"al ice\"@example.com", "alice@example.com\r\nBcc: x@example.com",
                        "x" * 65 + "@example.com", "a@" + "b" * 250 + ".com",
                        "alice@exämple.com"):
            r = self.request_code(token, address)
            self.assertError(r, 400, "InvalidParameter", "address %r" % address)
        self.assertNoNewMail("malformed addresses")

    def test_case_variant_is_same_address(self):
        token = self.user_session("alice")
        self.attach(token)
        r = self.request_code(token, ADDRESS.upper())
        self.assertError(r, 400, "InvalidParameter", "the attached address in upper case")

    def test_restricted_session_rejected(self):
        self.create_user("bob", PASSWORD, mfa_bind_required=True)
        body = self.assertOK(self.login(self.principal("bob"), PASSWORD), "Login bob")
        self.assertEqual(body["Scope"], "bind-mfa")
        r = self.request_code(body["SessionToken"])
        self.assertError(r, 403, "SessionRestricted", "SetVerificationInfo in a bind-mfa session")
        self.assertNoNewMail("restricted session")

    def test_expired_code_rejected(self):
        token = self.user_session("alice")
        self.assertOK(self.request_code(token), "SetVerificationInfo")
        code = self.next_mail(ADDRESS, "verification mail").code
        self.server.advance(CODE_TTL_S + 1)
        r = self.post("VerifyVerificationInfo", {"Code": code}, token=token)
        self.assertError(r, 401, "InvalidChallenge", "code after 10 minutes")

    def test_sixth_wrong_try_rejected(self):
        token = self.user_session("alice")
        self.assertOK(self.request_code(token), "SetVerificationInfo")
        code = self.next_mail(ADDRESS, "verification mail").code
        for i in range(1, CODE_MAX_ATTEMPTS):
            r = self.post("VerifyVerificationInfo", {"Code": self.wrong(code)}, token=token)
            self.assertError(r, 401, "InvalidMFACode", "wrong code %d" % i)
        r = self.post("VerifyVerificationInfo", {"Code": self.wrong(code)}, token=token)
        self.assertError(r, 401, "InvalidChallenge", "wrong code %d spends it" % CODE_MAX_ATTEMPTS)
        r = self.post("VerifyVerificationInfo", {"Code": code}, token=token)
        self.assertError(r, 401, "InvalidChallenge", "the right code after the code was spent")
        info = self.assertOK(self.post("GetVerificationInfo", {}, token=token), "Get")
        self.assertIsNone(info["Email"])
        self.assertIsNone(info["PendingEmail"])

    def test_parallel_guesses_limited(self):
        token = self.user_session("alice")
        self.assertOK(self.request_code(token), "SetVerificationInfo")
        code = self.next_mail(ADDRESS, "verification mail").code
        guesses = ["%06d" % ((int(code) + i) % 1000000) for i in range(1, PARALLEL + 1)]
        with ThreadPoolExecutor(PARALLEL) as pool:
            replies = list(pool.map(lambda guess: self.post(
                "VerifyVerificationInfo", {"Code": guess}, token=token), guesses))
        codes = sorted(r.json["code"] for r in replies)
        self.assertEqual(codes.count("InvalidMFACode"), CODE_MAX_ATTEMPTS - 1,
                         "wrong codes judged before the code was spent: %r" % codes)
        self.assertEqual(codes.count("InvalidChallenge"), PARALLEL - CODE_MAX_ATTEMPTS + 1,
                         "guesses after the code was spent: %r" % codes)
        r = self.post("VerifyVerificationInfo", {"Code": code}, token=token)
        self.assertError(r, 401, "InvalidChallenge", "the right code after the parallel guesses")

    def test_new_code_spends_old(self):
        token = self.user_session("alice")
        self.assertOK(self.request_code(token), "first SetVerificationInfo")
        old = self.next_mail(ADDRESS, "first mail").code
        self.server.advance(RESEND_S + 1)
        self.assertOK(self.request_code(token), "second SetVerificationInfo")
        new = self.next_mail(ADDRESS, "second mail").code
        if old != new:
            r = self.post("VerifyVerificationInfo", {"Code": old}, token=token)
            self.assertError(r, 401, "InvalidMFACode", "the replaced code")
        self.assertOK(self.post("VerifyVerificationInfo", {"Code": new}, token=token), "new")

    def test_change_keeps_old_until_verified(self):
        token = self.user_session("alice")
        self.attach(token)
        self.server.advance(RESEND_S + 1)
        self.assertOK(self.request_code(token, "new@example.org"), "change address")
        self.next_mail("new@example.org", "mail to the new address")
        info = self.assertOK(self.post("GetVerificationInfo", {}, token=token), "Get")
        self.assertEqual(info["Email"], NORMALIZED, "the old address stays until confirmed")
        self.assertEqual(info["PendingEmail"], "new@example.org")

    def test_delete_own_and_by_owner(self):
        token = self.user_session("alice")
        self.attach(token)
        r = self.post("DeleteVerificationInfo", {"UserName": "alice"}, token=self.owner_token)
        self.assertOK(r, "owner deletes alice's address")
        info = self.assertOK(self.post("GetVerificationInfo", {"UserName": "alice"},
                                       token=self.owner_token), "owner gets alice's")
        self.assertIsNone(info["Email"])
        body = self.assertOK(self.login(self.principal("alice"), PASSWORD), "Login")
        self.assertEqual(body["Status"], "OK", "no email factor after removal: %r" % body)
        r = self.post("DeleteVerificationInfo", {}, token=token)
        self.assertError(r, 404, "EntityNotExist.VerificationInfo", "delete with none")

    def test_other_user_cannot_read(self):
        token = self.user_session("alice")
        self.user_session("bob")
        r = self.post("GetVerificationInfo", {"UserName": "bob"}, token=token)
        self.assertError(r, 403, "Forbidden", "alice reads bob's address")
        r = self.post("DeleteVerificationInfo", {"UserName": "bob"}, token=token)
        self.assertError(r, 403, "Forbidden", "alice deletes bob's address")


class UsersPerAddressTest(EmailTestCase):

    def test_sixth_user_rejected(self):
        tokens = [self.user_session("user%d" % i) for i in range(1, USERS_PER_ADDRESS + 2)]
        for i, token in enumerate(tokens[:USERS_PER_ADDRESS], 1):
            self.attach(token, "shared@example.com", "user%d" % i)
        r = self.request_code(tokens[-1], "Shared@Example.com")
        self.assertError(r, 409, "LimitExceeded.EmailUsers", "sixth user on one address")
        self.assertIn(str(USERS_PER_ADDRESS), r.json["message"], "the message names the limit")
        self.assertNoNewMail("sixth user")

    def test_removed_address_frees_place(self):
        tokens = [self.user_session("user%d" % i) for i in range(1, USERS_PER_ADDRESS + 3)]
        for i, token in enumerate(tokens[:USERS_PER_ADDRESS], 1):
            self.attach(token, "shared@example.com", "user%d" % i)
        self.assertOK(self.post("DeleteVerificationInfo", {}, token=tokens[0]), "user1 removes")
        self.attach(tokens[-2], "shared@example.com", "user6 after the removal")
        self.assertOK(self.post("DeleteUser", {"UserName": "user2"}, token=self.owner_token),
                      "owner deletes user2")
        self.attach(tokens[-1], "shared@example.com", "user7 after the deletion")

    def test_limit_checked_again_at_verify(self):
        tokens = [self.user_session("user%d" % i) for i in range(1, USERS_PER_ADDRESS + 2)]
        for i, token in enumerate(tokens[:USERS_PER_ADDRESS - 1], 1):
            self.attach(token, "shared@example.com", "user%d" % i)
        # Users 5 and 6 both get a code while only 4 users have the address.
        self.assertOK(self.request_code(tokens[-2], "shared@example.com"), "user5 Set")
        code5 = self.next_mail("shared@example.com", "user5 mail").code
        self.assertOK(self.request_code(tokens[-1], "shared@example.com"), "user6 Set")
        code6 = self.next_mail("shared@example.com", "user6 mail").code
        self.assertOK(self.post("VerifyVerificationInfo", {"Code": code5}, token=tokens[-2]),
                      "user5 verifies")
        r = self.post("VerifyVerificationInfo", {"Code": code6}, token=tokens[-1])
        self.assertError(r, 409, "LimitExceeded.EmailUsers", "user6 verifies after user5")


class ResendLimitTest(EmailTestCase):

    def test_resend_interval_and_daily_limit(self):
        token = self.user_session("alice")
        self.assertOK(self.request_code(token), "code 1")
        self.next_mail(ADDRESS, "mail 1")
        r = self.request_code(token)
        self.assertError(r, 429, "Throttling.EmailCode", "second code at once")
        retry = int(r.headers["Retry-After"])
        self.assertTrue(1 <= retry <= RESEND_S, "Retry-After %d within the interval" % retry)
        self.server.advance(RESEND_S - 5)
        self.assertError(self.request_code(token), 429, "Throttling.EmailCode", "after 55 s")

        self.server.advance(6)
        for i in range(2, DAILY_LIMIT + 1):
            self.assertOK(self.request_code(token), "code %d" % i)
            self.next_mail(ADDRESS, "mail %d" % i)
            self.server.advance(RESEND_S + 1)
        r = self.request_code(token)
        self.assertError(r, 429, "Throttling.EmailCode", "code %d in a day" % (DAILY_LIMIT + 1))
        self.assertGreater(int(r.headers["Retry-After"]), RESEND_S, "wait for the day")
        self.assertNoNewMail("over the daily limit")

        self.server.advance(86400)
        # The session has idled out meanwhile.
        token = self.assertOK(self.login(self.principal("alice"), PASSWORD),
                              "Login the next day")["SessionToken"]
        self.assertOK(self.request_code(token), "a code the next day")
        self.next_mail(ADDRESS, "mail the next day")

    def test_logon_codes_share_interval(self):
        token = self.user_session("alice")
        self.attach(token)
        challenge = self.email_challenge("alice")
        r = self.send_login_code(challenge)
        self.assertError(r, 429, "Throttling.EmailCode", "logon code right after the verify code")
        self.assertIn("Retry-After", r.headers)
        self.server.advance(RESEND_S + 1)
        challenge = self.email_challenge("alice")
        self.assertOK(self.send_login_code(challenge), "logon code after the interval")
        self.next_mail(ADDRESS, "logon mail")
        self.assertError(self.send_login_code(challenge), 429, "Throttling.EmailCode",
                         "second logon code at once")


class AddressFloodTest(EmailTestCase):
    """Verification mails others ask for cannot use up a user's logon codes."""

    mail_settings = {"resend_interval": "0", "daily_limit": "2", "users_per_address": "1"}

    def test_others_cannot_block_logon_codes(self):
        token = self.user_session("alice")
        self.attach(token)
        for name in ("eve", "mallory"):
            other = self.user_session(name)
            for _ in range(2):
                self.post("SetVerificationInfo", {"Email": ADDRESS.upper()}, token=other)
        r = self.send_login_code(self.email_challenge("alice"))
        self.assertOK(r, "alice's logon code after others flooded her address")


class LogonTest(EmailTestCase):

    # A long challenge lets a code expire before its challenge does; a high lockout
    # threshold lets the tests count wrong codes without locking the user.
    security = {"challenge_ttl": 1200, "lockout_threshold": 50}

    def setUp(self):
        super().setUp()
        self.alice_token = self.user_session("alice")
        self.attach(self.alice_token)
        self.server.advance(RESEND_S + 1)

    def logon_code(self, challenge):
        body = self.assertOK(self.send_login_code(challenge), "SendLoginEmailCode")
        self.assertEqual(body["Destination"], "a***@mail.example.org")
        return self.next_mail(ADDRESS, "logon mail").code

    def test_logon_with_email_code(self):
        challenge = self.email_challenge("alice")
        code = self.logon_code(challenge)
        body = self.assertOK(self.login_email(challenge, code), "LoginMFA email")
        self.assertEqual(body["Status"], "OK")
        self.assertEqual(body["Factors"], ["password", "email"])
        who = self.assertOK(self.post("WhoAmI", {}, token=body["SessionToken"]), "WhoAmI")
        self.assertIn("email", who["Factors"], "WhoAmI: %r" % who)

    def test_parallel_use_once(self):
        challenge = self.email_challenge("alice")
        code = self.logon_code(challenge)
        with ThreadPoolExecutor(PARALLEL) as pool:
            replies = list(pool.map(lambda _: self.login_email(challenge, code),
                                    range(PARALLEL)))
        statuses = sorted(r.status for r in replies)
        self.assertEqual(statuses.count(200), 1, "one code, one session: %r" % replies)
        self.assertEqual(statuses.count(401), PARALLEL - 1, "the other uses: %r" % replies)

    def test_reused_code_rejected(self):
        challenge = self.email_challenge("alice")
        code = self.logon_code(challenge)
        self.assertOK(self.login_email(challenge, code), "first use")
        r = self.login_email(self.email_challenge("alice"), code)
        self.assertError(r, 401, "InvalidChallenge", "the code on a new challenge")

    def test_code_without_request_rejected(self):
        r = self.login_email(self.email_challenge("alice"), "123456")
        self.assertError(r, 401, "InvalidChallenge", "no code was sent for this challenge")

    def test_expired_code_rejected(self):
        challenge = self.email_challenge("alice")
        code = self.logon_code(challenge)
        self.server.advance(CODE_TTL_S + 1)
        r = self.login_email(challenge, code)
        self.assertError(r, 401, "InvalidChallenge", "code after 10 minutes")

    def test_sixth_wrong_try_rejected(self):
        challenge = self.email_challenge("alice")
        code = self.logon_code(challenge)
        for i in range(1, CODE_MAX_ATTEMPTS):
            r = self.login_email(challenge, self.wrong(code))
            self.assertError(r, 401, "InvalidMFACode", "wrong code %d" % i)
        r = self.login_email(challenge, self.wrong(code))
        self.assertError(r, 401, "InvalidChallenge", "wrong code %d" % CODE_MAX_ATTEMPTS)
        r = self.login_email(challenge, code)
        self.assertError(r, 401, "InvalidChallenge", "the right code after five wrong ones")

    def test_malformed_code_counts(self):
        challenge = self.email_challenge("alice")
        code = self.logon_code(challenge)
        r = self.login_email(challenge, "12345")
        self.assertError(r, 401, "InvalidMFACode", "five digits")
        self.assertIn("4 tries left", r.json["message"])
        self.assertOK(self.login_email(challenge, code), "the right code afterwards")

    def test_other_users_code_rejected(self):
        bob_token = self.user_session("bob")
        self.attach(bob_token, "bob@example.org", "bob")
        self.server.advance(RESEND_S + 1)
        bob_challenge = self.email_challenge("bob")
        self.assertOK(self.send_login_code(bob_challenge), "bob's code")
        bob_code = self.next_mail("bob@example.org", "bob's logon mail").code
        alice_challenge = self.email_challenge("alice")
        alice_code = self.logon_code(alice_challenge)
        if bob_code == alice_code:
            self.skipTest("both codes are equal, a one in a million chance")
        r = self.login_email(alice_challenge, bob_code)
        self.assertError(r, 401, "InvalidMFACode", "bob's code for alice's challenge")
        r = self.login_email(bob_challenge, alice_code)
        self.assertError(r, 401, "InvalidMFACode", "alice's code for bob's challenge")
        self.assertOK(self.login_email(alice_challenge, alice_code), "alice's own code")

    def test_code_bound_to_its_challenge(self):
        first = self.email_challenge("alice")
        code = self.logon_code(first)
        second = self.email_challenge("alice")
        r = self.login_email(second, code)
        self.assertError(r, 401, "InvalidChallenge", "a code sent for another challenge")

    def test_code_only_to_verified_address(self):
        self.assertOK(self.request_code(self.alice_token, "pending@example.org"), "change")
        self.next_mail("pending@example.org", "verification mail to the new address")
        self.server.advance(RESEND_S + 1)
        challenge = self.email_challenge("alice")
        self.logon_code(challenge)  # next_mail checks the recipient: the verified address

        bob_token = self.user_session("bob")
        self.assertOK(self.request_code(bob_token, "bob@example.org"), "bob's pending address")
        self.next_mail("bob@example.org", "bob's verification mail")
        body = self.assertOK(self.login(self.principal("bob"), PASSWORD), "Login bob again")
        self.assertEqual(body["Status"], "OK", "a pending address is no factor: %r" % body)
        self.assertNoNewMail("no logon code to a pending address")

    def test_new_request_spends_old_code(self):
        challenge = self.email_challenge("alice")
        old = self.logon_code(challenge)
        self.server.advance(RESEND_S + 1)
        new = self.logon_code(challenge)
        if old != new:
            r = self.login_email(challenge, old)
            self.assertError(r, 401, "InvalidMFACode", "the replaced code")
        self.assertOK(self.login_email(challenge, new), "the new code")

    def test_no_address_method_rejected(self):
        self.user_session("bob")
        self.enrol_device("bob")
        body = self.assertOK(self.login(self.principal("bob"), PASSWORD), "Login bob")
        self.assertNotIn("email", body["Methods"])
        r = self.send_login_code(body["Challenge"])
        self.assertError(r, 400, "InvalidParameter", "SendLoginEmailCode without an address")

    def enrol_device(self, name):
        device = self.create_device(self.owner_token, name)
        self.bind_device(self.owner_token, device, name)


class LockoutTest(EmailTestCase):

    security = {"lockout_threshold": 3}

    def test_wrong_codes_lock_principal(self):
        token = self.user_session("alice")
        self.attach(token)
        self.server.advance(RESEND_S + 1)
        challenge = self.email_challenge("alice")
        self.assertOK(self.send_login_code(challenge), "SendLoginEmailCode")
        code = self.next_mail(ADDRESS, "logon mail").code
        for i in range(1, 3):
            r = self.login_email(challenge, self.wrong(code))
            self.assertError(r, 401, "InvalidMFACode", "wrong code %d" % i)
        r = self.login_email(challenge, self.wrong(code))
        self.assertError(r, 401, "InvalidMFACode", "wrong code 3 locks")
        r = self.login_email(challenge, code)
        self.assertError(r, 429, "LogonLocked", "the right code while locked")
        self.assertIn("Retry-After", r.headers)


class LogTest(EmailTestCase):

    def test_log_has_no_code_or_address(self):
        token = self.user_session("alice")
        self.attach(token)
        self.server.advance(RESEND_S + 1)
        challenge = self.email_challenge("alice")
        self.assertOK(self.send_login_code(challenge), "SendLoginEmailCode")
        code = self.next_mail(ADDRESS, "logon mail").code
        self.assertError(self.login_email(challenge, self.wrong(code)), 401, "InvalidMFACode",
                         "wrong code")
        self.assertOK(self.login_email(challenge, code), "LoginMFA email")
        self.assertOK(self.post("DeleteVerificationInfo", {}, token=token), "delete")

        log = self.server.log_text()
        for event in ("email_code_sent", "email_verified", "email_removed",
                      "logon_failure step=mfa method=email", "factors=password,email"):
            self.assertIn(event, log, "the log should record %s" % event)
        self.assertIn("mail.example.org", log, "the log may name the domain")
        self.assertNotIn(LOCAL_PART, log, "the log contains the address")
        self.assertNotIn(LOCAL_PART.replace("+", "%2B"), log, "the log contains the address")
        for code in self.codes + [self.wrong(c) for c in self.codes]:
            for m in re.finditer(r"(?<![0-9])%s(?![0-9])" % code, log):
                line_start = log.rfind("\n", 0, m.start()) + 1
                before = log[line_start:m.start()]
                # Durations in microseconds can match a code by chance.
                if before.endswith(" us="):
                    continue
                line_end = log.find("\n", m.end())
                self.fail("the log contains code %s: %r" % (code, log[line_start:line_end]))


class SmtpDownTest(EmailTestCase):

    smtp_running = False

    def setUp(self):
        # Hold the SMTP port, bound but not listening, so connections to it are refused
        # and no mfad of a test running in parallel takes it before the server starts.
        self.reserved = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(self.reserved.close)
        super().setUp()

    def test_code_arrives_once_smtp_is_up(self):
        token = self.user_session("alice")
        body = self.assertOK(self.request_code(token), "SetVerificationInfo, SMTP down")
        self.assertEqual(body["PendingEmail"], NORMALIZED)
        self.reserved.close()
        self.smtp.start()
        mail = self.next_mail(ADDRESS, "mail after SMTP came up")
        self.assertOK(self.post("VerifyVerificationInfo", {"Code": mail.code}, token=token),
                      "verify with the late code")
        self.assertNoNewMail("the mail arrives once")


if __name__ == "__main__":
    import unittest
    unittest.main()
