"""An SMTP server for tests: aiosmtpd (Debian's python3-aiosmtpd) in a thread on 127.0.0.1.

It keeps every message it accepts and can be stopped and started again on the same port. It
can reply to RCPT or DATA with a chosen 4yz or 5yz code, and require AUTH with one user and
password. It can offer STARTTLS or speak TLS from the start (smtps), with a certificate that
make_certificates() signs with a test CA. It listens on 127.0.0.1 only and relays nothing.
"""

import asyncio
import datetime
import email
import email.policy
import ipaddress
import os
import socket
import ssl
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from harness import HOST, free_port

READY_TIMEOUT = 10  # seconds to wait for the server thread to accept connections


def make_certificates(folder, name="Test CA"):
    """Write a test CA (ca.pem) and a server certificate for 127.0.0.1 (server.pem, server.key)
    into folder, and return their paths. Needs python3-cryptography."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))

    paths = {name: os.path.join(folder, name) for name in ("ca.pem", "server.pem", "server.key")}
    with open(paths["ca.pem"], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths["server.pem"], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["server.key"], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return paths


class Received:
    """One accepted message: envelope sender, recipients, raw bytes and the parsed message."""

    def __init__(self, mail_from, rcpt_tos, data, login, tls):
        self.mail_from = mail_from
        self.rcpt_tos = list(rcpt_tos)
        self.data = data
        self.login = login  # the AUTH user name, or None
        self.tls = tls      # whether the message came over TLS
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
        stall = self.owner._stall_seconds()
        if stall > 0:
            await asyncio.sleep(stall)
            if server.transport is None or server.transport.is_closing():
                return "421 4.4.2 Client went away"  # the client is gone: keep nothing
        login = session.auth_data.login.decode() if session.auth_data is not None else None
        tls = session.ssl is not None or self.owner.tls == "implicit"
        self.owner._accept(Received(envelope.mail_from, envelope.rcpt_tos, envelope.content,
                                    login, tls))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A test SMTP server on 127.0.0.1. Create it, then start(); stop() and start() again."""

    def __init__(self, port=None, user=None, password=None, tls=None, certificates=None,
                 hold_port=False):
        """user and password, when given, make AUTH required (without TLS, tests only).

        tls is None (plain SMTP), "starttls" (offered, not required) or "implicit" (smtps),
        with certificates as make_certificates() returns them. hold_port keeps the port bound
        (without listening) while the server is down, so connections to it are refused and no
        other process of a parallel test takes it.
        """
        self.port = port if port is not None else free_port()
        self.user = user
        self.password = password
        self.tls = tls
        self.certificates = certificates
        self._lock = threading.Lock()
        self._messages = []
        self._attempts = {"rcpt": 0, "data": 0}
        self._replies = {}
        self._stall = 0
        self._auth_failures = 0
        self._controller = None
        self._holder = None
        self.hold_port = hold_port
        if hold_port:
            self._hold()

    @property
    def url(self):
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        return "%s://%s:%d" % (scheme, HOST, self.port)

    def _hold(self):
        holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind((HOST, self.port))
        self._holder = holder

    def start(self):
        if self._holder is not None:
            self._holder.close()
            self._holder = None
        kwargs = {}
        if self.user is not None:
            kwargs = {"authenticator": self._authenticate, "auth_required": True,
                      "auth_require_tls": False}
        if self.tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.certificates["server.pem"],
                                    self.certificates["server.key"])
            kwargs["ssl_context" if self.tls == "implicit" else "tls_context"] = context
        self._controller = Controller(_Handler(self), hostname=HOST, port=self.port,
                                      ready_timeout=READY_TIMEOUT, server_hostname="smtp.test",
                                      **kwargs)
        self._controller.start()

    def stop(self):
        """Stop the server; with hold_port, hold the port again until the next start."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
            if self.hold_port:
                self._hold()

    def close(self):
        """Stop the server and release the port."""
        self.stop()
        if self._holder is not None:
            self._holder.close()
            self._holder = None

    def running(self):
        return self._controller is not None

    def fail_with(self, reply, stage="rcpt"):
        """Reply to every RCPT (stage "rcpt") or DATA ("data") with reply, such as "450 ..."."""
        with self._lock:
            self._replies[stage] = reply

    def accept_all(self):
        with self._lock:
            self._replies = {}
            self._stall = 0

    def stall_data(self, seconds):
        """Wait seconds after the data before replying; keep nothing if the client left."""
        with self._lock:
            self._stall = seconds

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

    def _stall_seconds(self):
        with self._lock:
            return self._stall

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
