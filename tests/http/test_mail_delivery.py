"""Mail delivery by a real mfad: the outbox, its sender thread, SMTP and the maildir.

Mail is queued with "mfactl mail test" and received by the aiosmtpd server of smtp.py on
127.0.0.1. Retry delays are the outbox's own (5 s, then doubling), so some tests wait a few
seconds for a retry.
"""

import email
import email.policy
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
import unittest

from harness import MFACTL_BIN, SQLITE3, MfadServer
from smtp import SmtpServer, make_certificates

DELIVERY_TIMEOUT = 20   # seconds for a mail to arrive: a poll, plus a retry of 5 or 10 s
LOG_TIMEOUT = 20        # seconds for an expected log line
SETTLE = 3              # seconds to wait to see that nothing more arrives
FROM = "mfad@mail.test"
TO = "alice@example.com"
TEST_TEXT = "This is a test message from mfad"  # part of the body "mfactl mail test" sends


class MailTestCase(unittest.TestCase):
    """A test with an mfad (not started) and an SMTP server (not started) of its own."""

    def make_smtp(self, **kwargs):
        smtp = SmtpServer(hold_port=True, **kwargs)
        self.addCleanup(smtp.close)
        return smtp

    def make_mfad(self, mail=None):
        """An mfad with an account, whose [mail] settings are mail (none: the maildir)."""
        settings = {"from": FROM, "timeout_s": 10}
        settings.update(mail or {})
        server = MfadServer(test_clock=False, config={"mail": settings})
        self.addCleanup(server.cleanup)
        server.write_config()
        server.init_account()
        return server

    def smtp_mfad(self, smtp, **mail):
        return self.make_mfad(dict({"smtp_url": smtp.url, "starttls": "none"}, **mail))

    def mfactl(self, server, *args):
        cmd = [MFACTL_BIN, "-c", server.config_path, "--data-dir", server.data_dir] + list(args)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60)

    def queue(self, server, to=TO, subject=None):
        args = ["mail", "test", "--to", to]
        if subject is not None:
            args += ["--subject", subject]
        out = self.mfactl(server, *args)
        self.assertEqual(out.returncode, 0, "mfactl mail test: %s %s" % (out.stdout, out.stderr))
        return out

    def status(self, server):
        out = self.mfactl(server, "mail", "status")
        self.assertEqual(out.returncode, 0, "mfactl mail status: %s" % out.stderr)
        return out.stdout

    def assertCounts(self, server, queued, sent, failed):
        text = self.status(server)
        for name, want in (("queued", queued), ("sent", sent), ("failed", failed)):
            self.assertIn("%s: %d\n" % (name, want), text, "mfactl mail status:\n" + text)

    def outbox_rows(self, server, sql):
        out = subprocess.run([SQLITE3, server.db_path, sql], capture_output=True, text=True,
                             timeout=30, check=True)
        return out.stdout

    def wait_log(self, server, pattern, timeout=LOG_TIMEOUT, count=1):
        """Wait until pattern (a regex) matches count lines of mfad's log; return the matches."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.findall(pattern, server.log_text())
            if len(found) >= count:
                return found
            time.sleep(0.1)
        self.fail("log has no %d line(s) matching %r within %d s; log:\n%s"
                  % (count, pattern, timeout, server.log_text()[-3000:]))

    def assertNoSecretsLogged(self, server):
        log = server.log_text()
        self.assertNotIn(TEST_TEXT, log, "a message body was logged")
        self.assertNotIn(TO, log, "a whole recipient address was logged")


class TestSmtpDelivery(MailTestCase):

    def test_delivers_over_smtp(self):
        smtp = self.make_smtp()
        smtp.start()
        server = self.smtp_mfad(smtp)
        server.start()
        self.queue(server, subject="Grüße von mfad")

        got = smtp.wait_for(1, DELIVERY_TIMEOUT)
        self.assertEqual(len(got), 1)
        mail = got[0]
        self.assertEqual(mail.mail_from, FROM)
        self.assertEqual(mail.rcpt_tos, [TO])
        self.assertEqual(mail.subject, "Grüße von mfad")
        self.assertEqual(mail.message["From"], FROM)
        self.assertEqual(mail.message["To"], TO)
        self.assertRegex(mail.message_id, r"^<[0-9a-f]{32}@mail\.test>$")
        self.assertIn(TEST_TEXT, mail.text())
        self.assertNotIn(b"\n", mail.data.replace(b"\r\n", b""), "a bare LF in the message")

        self.wait_log(server, r'event=mail_sent id=1 to_domain="example\.com" attempts=1')
        self.assertCounts(server, queued=0, sent=1, failed=0)
        self.assertNoSecretsLogged(server)

    def test_down_server_keeps_mail_queued(self):
        smtp = self.make_smtp()
        server = self.smtp_mfad(smtp)
        server.start()
        self.queue(server)

        self.wait_log(server, r'event=mail_retry id=1 to_domain="example\.com" attempts=1 '
                              r'retry_in=5 error="[^"]*(?i:connect)')
        self.assertCounts(server, queued=1, sent=0, failed=0)
        self.assertIn("last error", self.status(server))

        smtp.start()
        got = smtp.wait_for(1, DELIVERY_TIMEOUT)
        self.wait_log(server, r"event=mail_sent id=1 .*attempts=2")
        time.sleep(SETTLE)
        self.assertEqual(len(smtp.messages()), 1, "the mail arrived more than once")
        self.assertIn(TEST_TEXT, got[0].text())
        self.assertCounts(server, queued=0, sent=1, failed=0)

    def test_4xx_is_retried(self):
        smtp = self.make_smtp()
        smtp.fail_with("450 4.2.1 Mailbox busy, try again later")
        smtp.start()
        server = self.smtp_mfad(smtp)
        server.start()
        self.queue(server)

        self.wait_log(server, r"event=mail_retry id=1 .*attempts=1 retry_in=5 "
                              r'error="[^"]*SMTP reply 450')
        self.assertEqual(smtp.attempts("rcpt"), 1)
        self.assertCounts(server, queued=1, sent=0, failed=0)

        smtp.accept_all()
        smtp.wait_for(1, DELIVERY_TIMEOUT)
        self.wait_log(server, r"event=mail_sent id=1 .*attempts=2")
        time.sleep(SETTLE)
        self.assertEqual(len(smtp.messages()), 1)
        self.assertCounts(server, queued=0, sent=1, failed=0)

    def test_4xx_at_data_is_retried(self):
        smtp = self.make_smtp()
        smtp.fail_with("451 4.3.0 Local error in processing", stage="data")
        smtp.start()
        server = self.smtp_mfad(smtp)
        server.start()
        self.queue(server)

        self.wait_log(server, r'event=mail_retry id=1 .*attempts=1 .*error="[^"]*451')
        smtp.accept_all()
        smtp.wait_for(1, DELIVERY_TIMEOUT)
        time.sleep(SETTLE)
        self.assertEqual(len(smtp.messages()), 1)

    def test_timeout_is_retried(self):
        smtp = self.make_smtp()
        smtp.stall_data(8)
        smtp.start()
        server = self.smtp_mfad(smtp, timeout_s=2)
        server.start()
        self.queue(server)

        self.wait_log(server, r'event=mail_retry id=1 .*attempts=1 .*error="[^"]*curl 28')
        smtp.accept_all()
        smtp.wait_for(1, DELIVERY_TIMEOUT)
        self.wait_log(server, r"event=mail_sent id=1 .*attempts=2")
        # The stalled first transfer ends after 8 s and must not count as a delivery.
        time.sleep(8)
        self.assertEqual(len(smtp.messages()), 1)

    def test_5xx_fails_and_logs(self):
        smtp = self.make_smtp()
        smtp.fail_with("550 5.1.1 No such user here")
        smtp.start()
        server = self.smtp_mfad(smtp)
        server.start()
        self.queue(server)

        self.wait_log(server, r'event=mail_failed id=1 to_domain="example\.com" attempts=1 '
                              r'error="[^"]*SMTP reply 550')
        # Permanent: no further attempt, even after the first retry delay.
        time.sleep(6)
        self.assertEqual(smtp.attempts("rcpt"), 1)
        self.assertEqual(smtp.messages(), [])
        self.assertCounts(server, queued=0, sent=0, failed=1)
        status = self.status(server)
        self.assertIn("message 1 to %s" % TO, status)
        self.assertRegex(status, r"last error +.*550")
        # A failed message keeps no data: it may have held a code.
        self.assertEqual(self.outbox_rows(server, "SELECT length(data) FROM outbox").strip(),
                         "0")
        self.assertNoSecretsLogged(server)

    def test_5xx_at_data_fails(self):
        smtp = self.make_smtp()
        smtp.fail_with("554 5.6.0 Message rejected", stage="data")
        smtp.start()
        server = self.smtp_mfad(smtp)
        server.start()
        self.queue(server)

        self.wait_log(server, r'event=mail_failed id=1 .*error="[^"]*554')
        self.assertEqual(smtp.messages(), [])
        self.assertCounts(server, queued=0, sent=0, failed=1)

    def test_queued_mail_is_sealed(self):
        smtp = self.make_smtp()
        server = self.smtp_mfad(smtp)
        server.start()
        self.queue(server)
        self.wait_log(server, r"event=mail_retry id=1 ")
        dump = subprocess.run([SQLITE3, server.db_path, ".dump"], capture_output=True,
                              timeout=30, check=True).stdout
        self.assertIn(b"INSERT INTO outbox", dump)
        self.assertNotIn(TEST_TEXT.encode(), dump, "a queued body is readable in the database")
        self.assertNotIn(TEST_TEXT.encode().hex().encode(), dump.lower())


class TestCrashAndRestart(MailTestCase):

    def test_sigkill_before_delivery_delivers_once(self):
        smtp = self.make_smtp()
        server = self.smtp_mfad(smtp)
        server.start()
        self.queue(server)
        # Queued and tried once while the SMTP server was down.
        self.wait_log(server, r"event=mail_retry id=1 ")
        server.proc.kill()
        server.proc.wait()
        server.stop()

        smtp.start()
        server.start()
        got = smtp.wait_for(1, DELIVERY_TIMEOUT)
        self.wait_log(server, r"event=mail_sent id=1 ")
        time.sleep(SETTLE)
        self.assertEqual(len(smtp.messages()), 1, "the mail arrived more than once")
        self.assertIn(TEST_TEXT, got[0].text())
        self.assertCounts(server, queued=0, sent=1, failed=0)

    def test_mail_queued_while_stopped_is_sent_at_start(self):
        smtp = self.make_smtp()
        smtp.start()
        server = self.smtp_mfad(smtp)
        self.queue(server, subject="first")
        self.queue(server, subject="second")
        server.start()
        got = smtp.wait_for(2, DELIVERY_TIMEOUT)
        self.assertEqual(sorted(m.subject for m in got), ["first", "second"])
        self.assertNotEqual(got[0].message_id, got[1].message_id)

        # A restart sends nothing again.
        server.stop()
        server.start()
        time.sleep(SETTLE)
        self.assertEqual(len(smtp.messages()), 2)

    def test_stop_during_retries_keeps_mail(self):
        smtp = self.make_smtp()
        server = self.smtp_mfad(smtp)
        server.start()
        self.queue(server)
        self.wait_log(server, r"event=mail_retry id=1 ")
        self.assertEqual(server.stop(), 0)
        self.assertIn("event=mail_sender_stopped", server.log_text())

        smtp.start()
        server.start()
        smtp.wait_for(1, DELIVERY_TIMEOUT)
        time.sleep(SETTLE)
        self.assertEqual(len(smtp.messages()), 1)


    def test_stop_during_transfer_sends_at_next_start(self):
        smtp = self.make_smtp()
        smtp.stall_data(30)
        smtp.start()
        server = self.smtp_mfad(smtp, timeout_s=60)
        server.start()
        self.queue(server)
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        while smtp.attempts("data") == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(smtp.attempts("data"), 1, "the transfer did not start")

        # SIGTERM in the middle of the transfer: mfad aborts it and stops at once.
        started = time.monotonic()
        self.assertEqual(server.stop(), 0)
        self.assertLess(time.monotonic() - started, 5)
        self.assertNotIn("event=mail_retry", server.log_text())

        # The aborted transfer gave the message back: the next start sends it without
        # waiting for the claim of 60 + 30 s to end.
        smtp.accept_all()
        server.start()
        smtp.wait_for(1, DELIVERY_TIMEOUT)
        self.wait_log(server, r"event=mail_sent id=1 .*attempts=1")
        time.sleep(SETTLE)
        self.assertEqual(len(smtp.messages()), 1)


class TestSmtpSettings(MailTestCase):

    def credentials(self, server, text, mode=0o600):
        path = os.path.join(server.tmp, "smtp.credentials")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def test_auth_with_credentials_file(self):
        password = "s3cret pass=word"
        smtp = self.make_smtp(user="mailer", password=password)
        smtp.start()
        server = self.smtp_mfad(smtp)
        server.config["mail"]["credentials_file"] = self.credentials(
            server, "# SMTP login of mfad\nuser=mailer\npassword=%s\n" % password)
        server.start()
        self.wait_log(server, r"event=mail_sender_started mode=smtp .*auth=yes")
        self.queue(server)
        got = smtp.wait_for(1, DELIVERY_TIMEOUT)
        self.assertEqual(got[0].login, "mailer")
        self.assertEqual(smtp.auth_failures, 0)
        self.assertNotIn(password, server.log_text())

    def test_wrong_password_is_retried(self):
        smtp = self.make_smtp(user="mailer", password="right")
        smtp.start()
        server = self.smtp_mfad(smtp)
        server.config["mail"]["credentials_file"] = self.credentials(
            server, "user=mailer\npassword=wrong\n")
        server.start()
        self.queue(server)
        self.wait_log(server, r'event=mail_retry id=1 .*error="[^"]*535')
        self.assertEqual(smtp.messages(), [])
        self.assertNotIn("password=wrong", server.log_text())
        self.assertCounts(server, queued=1, sent=0, failed=0)

    def test_credentials_file_readable_by_others_refused(self):
        smtp = self.make_smtp()
        server = self.smtp_mfad(smtp)
        server.config["mail"]["credentials_file"] = self.credentials(
            server, "user=mailer\npassword=secret-1\n", mode=0o644)
        self.assertEqual(server.start(expect_failure=True), 1)
        self.assertIn("chmod 600", server.log_text())
        self.assertNotIn("secret-1", server.log_text())

    def test_password_in_url_refused(self):
        server = self.make_mfad({"smtp_url": "smtp://mailer:secret-2@127.0.0.1:25"})
        self.assertEqual(server.start(expect_failure=True), 2)
        self.assertIn("mail.credentials_file", server.log_text())
        self.assertNotIn("secret-2", server.log_text())

    def test_starttls_required_but_missing(self):
        smtp = self.make_smtp()
        smtp.start()
        server = self.smtp_mfad(smtp, starttls="required")
        server.start()
        self.queue(server)
        # The test server offers no STARTTLS: the mail waits instead of going in clear.
        self.wait_log(server, r'event=mail_retry id=1 .*error="[^"]*(?i:starttls|ssl|tls)')
        self.assertEqual(smtp.messages(), [])
        self.assertEqual(smtp.attempts("rcpt"), 0)
        self.assertCounts(server, queued=1, sent=0, failed=0)


class TestTls(MailTestCase):
    """TLS to the SMTP server, with a test CA given to mfad as mail.ca_file."""

    def setUp(self):
        try:
            import cryptography  # noqa: F401 (make_certificates needs it)
        except ImportError:
            self.skipTest("needs python3-cryptography")
        self.folder = tempfile.mkdtemp(prefix="mfad-smtp-tls-")
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)
        self.certificates = make_certificates(self.folder)

    def test_starttls_required_delivers_over_tls(self):
        smtp = self.make_smtp(tls="starttls", certificates=self.certificates)
        smtp.start()
        server = self.smtp_mfad(smtp, starttls="required", ca_file=self.certificates["ca.pem"])
        server.start()
        self.queue(server)
        got = smtp.wait_for(1, DELIVERY_TIMEOUT)
        self.assertTrue(got[0].tls, "the mail was not sent over TLS")
        self.assertIn(TEST_TEXT, got[0].text())

    def test_smtps_delivers(self):
        smtp = self.make_smtp(tls="implicit", certificates=self.certificates)
        smtp.start()
        self.assertTrue(smtp.url.startswith("smtps://"))
        server = self.smtp_mfad(smtp, ca_file=self.certificates["ca.pem"])
        server.start()
        self.queue(server)
        got = smtp.wait_for(1, DELIVERY_TIMEOUT)
        self.assertTrue(got[0].tls)

    def test_untrusted_certificate_is_retried(self):
        other = make_certificates(tempfile.mkdtemp(dir=self.folder), name="Other CA")
        smtp = self.make_smtp(tls="starttls", certificates=self.certificates)
        smtp.start()
        server = self.smtp_mfad(smtp, starttls="required", ca_file=other["ca.pem"])
        server.start()
        # The certificate is not signed by the CA mfad trusts: no mail, in clear or not.
        # aiosmtpd logs the failed handshake, which is expected here.
        with self.assertLogs("mail.log", level="ERROR"):
            self.queue(server)
            self.wait_log(server, r'event=mail_retry id=1 .*error="[^"]*curl 60')
        self.assertEqual(smtp.messages(), [])
        self.assertEqual(smtp.attempts("rcpt"), 0)

    def test_missing_ca_file_stops_start(self):
        smtp = self.make_smtp()
        server = self.smtp_mfad(smtp, ca_file=os.path.join(self.folder, "missing.pem"))
        self.assertEqual(server.start(expect_failure=True), 1)
        self.assertIn("mail.ca_file", server.log_text())


class TestMaildir(MailTestCase):

    def maildir_files(self, server, sub):
        path = os.path.join(server.data_dir, "mail", sub)
        return sorted(os.path.join(path, name) for name in os.listdir(path))

    def test_maildir_gets_one_file_per_message(self):
        server = self.make_mfad()
        server.start()
        self.wait_log(server, r"event=mail_sender_started mode=maildir")
        self.queue(server, subject="one")
        self.queue(server, to="bob@example.org", subject="two")
        self.wait_log(server, r"event=mail_sent ", count=2)

        files = self.maildir_files(server, "new")
        self.assertEqual(len(files), 2, files)
        self.assertEqual(self.maildir_files(server, "tmp"), [])
        self.assertEqual(self.maildir_files(server, "cur"), [])
        subjects = {}
        for path in files:
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            with open(path, "rb") as f:
                data = f.read()
            self.assertNotIn(b"\r\n", data, "maildir files use LF line endings")
            msg = email.message_from_bytes(data, policy=email.policy.default)
            subjects[str(msg["Subject"])] = msg
        self.assertEqual(sorted(subjects), ["one", "two"])
        self.assertEqual(subjects["two"]["To"], "bob@example.org")
        self.assertIn(TEST_TEXT, subjects["one"].get_content())
        self.assertCounts(server, queued=0, sent=2, failed=0)

        # A restart writes nothing again.
        server.stop()
        server.start()
        time.sleep(SETTLE)
        self.assertEqual(len(self.maildir_files(server, "new")), 2)

    def test_maildir_folders_are_private(self):
        server = self.make_mfad()
        server.start()
        self.wait_log(server, r"event=mail_sender_started mode=maildir")
        for sub in ("", "tmp", "new", "cur"):
            mode = stat.S_IMODE(os.stat(os.path.join(server.data_dir, "mail", sub)).st_mode)
            self.assertEqual(mode, 0o700, sub)


class TestMfactlMail(MailTestCase):

    def test_invalid_address_refused(self):
        server = self.make_mfad()
        for bad in ("not-an-address", "a@b.example\r\nBcc: c@d.example", "Alice <a@b.example>"):
            out = self.mfactl(server, "mail", "test", "--to", bad)
            self.assertEqual(out.returncode, 1, bad)
            self.assertIn("recipient", out.stderr)
        self.assertCounts(server, queued=0, sent=0, failed=0)

    def test_usage_errors(self):
        server = self.make_mfad()
        self.assertEqual(self.mfactl(server, "mail", "test").returncode, 2)
        self.assertEqual(self.mfactl(server, "mail", "status", "--limit", "0").returncode, 2)
        self.assertEqual(self.mfactl(server, "mail", "send").returncode, 2)


if __name__ == "__main__":
    unittest.main()
