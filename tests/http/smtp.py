"""An SMTP server for tests: aiosmtpd (Debian's python3-aiosmtpd) in a thread on 127.0.0.1.

It keeps every message it accepts, can be stopped and started again on the same port, can
reply to RCPT or DATA with a chosen 4yz or 5yz code, and can require AUTH with one user and
password. It listens on 127.0.0.1 only and relays nothing.
"""

import email
import email.policy
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from harness import HOST, free_port

READY_TIMEOUT = 10  # seconds to wait for the server thread to accept connections


class Received:
    """One accepted message: envelope sender, recipients, raw bytes and the parsed message."""

    def __init__(self, mail_from, rcpt_tos, data, login):
        self.mail_from = mail_from
        self.rcpt_tos = list(rcpt_tos)
        self.data = data
        self.login = login  # the AUTH user name, or None
        self.message = email.message_from_bytes(data, policy=email.policy.default)

    @property
    def message_id(self):
        return self.message["Message-ID"]

    @property
    def subject(self):
        return str(self.message["Subject"])

    def text(self):
        """The decoded body."""
        return self.message.get_content()


class _Handler:
    """aiosmtpd hooks: count attempts, reply as set by fail_with, keep accepted messages."""

    def __init__(self, owner):
        self.owner = owner

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.owner._attempt("rcpt")
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self.owner._attempt("data")
        if reply is not None:
            return reply
        login = session.auth_data.login.decode() if session.auth_data is not None else None
        self.owner._accept(Received(envelope.mail_from, envelope.rcpt_tos, envelope.content,
                                    login))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A test SMTP server on 127.0.0.1. Create it, then start(); stop() and start() again."""

    def __init__(self, port=None, user=None, password=None):
        """user and password, when given, make AUTH required (without TLS, tests only)."""
        self.port = port if port is not None else free_port()
        self.user = user
        self.password = password
        self._lock = threading.Lock()
        self._messages = []
        self._attempts = {"rcpt": 0, "data": 0}
        self._replies = {}
        self._auth_failures = 0
        self._controller = None

    @property
    def url(self):
        return "smtp://%s:%d" % (HOST, self.port)

    def start(self):
        kwargs = {}
        if self.user is not None:
            kwargs = {"authenticator": self._authenticate, "auth_required": True,
                      "auth_require_tls": False}
        self._controller = Controller(_Handler(self), hostname=HOST, port=self.port,
                                      ready_timeout=READY_TIMEOUT, server_hostname="smtp.test",
                                      **kwargs)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def running(self):
        return self._controller is not None

    def fail_with(self, reply, stage="rcpt"):
        """Reply to every RCPT (stage "rcpt") or DATA ("data") with reply, such as "450 ..."."""
        with self._lock:
            self._replies[stage] = reply

    def accept_all(self):
        with self._lock:
            self._replies = {}

    def attempts(self, stage="rcpt"):
        """How many RCPT or DATA commands arrived, accepted or not."""
        with self._lock:
            return self._attempts[stage]

    @property
    def auth_failures(self):
        with self._lock:
            return self._auth_failures

    def messages(self):
        with self._lock:
            return list(self._messages)

    def wait_for(self, count, timeout):
        """Wait until count messages arrived; return them all, or raise AssertionError."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.messages()
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError("expected %d message(s) within %d s, got %d"
                             % (count, timeout, len(self.messages())))

    # ---- hooks, called on the server thread ----

    def _attempt(self, stage):
        with self._lock:
            self._attempts[stage] += 1
            return self._replies.get(stage)

    def _accept(self, received):
        with self._lock:
            self._messages.append(received)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == self.user.encode()
              and auth_data.password == self.password.encode())
        if not ok:
            with self._lock:
                self._auth_failures += 1
        if not ok:
            return AuthResult(success=False, handled=False)  # aiosmtpd then sends 535
        return AuthResult(success=True, auth_data=auth_data)
