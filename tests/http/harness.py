"""Fixture and helpers for the HTTP tests: a real mfad on 127.0.0.1 with its own data folder.

Run the tests with Debian's /usr/bin/python3. The harness uses the standard library only, and
the passkey tests also need python3-cryptography and python3-cbor2. CTest sets MFAD_BIN and
MFACTL_BIN, and without them the binaries are taken from build/. Expected TOTP codes come from
oathtool, never from libmfa, so a bug in the code under test cannot hide itself.
"""

import atexit
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MFAD_BIN = os.environ.get("MFAD_BIN", os.path.join(ROOT, "build", "mfad"))
MFACTL_BIN = os.environ.get("MFACTL_BIN", os.path.join(ROOT, "build", "mfactl"))
OATHTOOL = shutil.which("oathtool") or "/usr/bin/oathtool"
SQLITE3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"

HOST = "127.0.0.1"
ALIAS = "example"
OWNER_PASSWORD = "owner password 1"
STEP = 30                  # seconds of a TOTP time step
START_TIMEOUT = 15         # seconds to wait for /healthz after starting mfad
STOP_TIMEOUT = 10          # seconds between SIGTERM and SIGKILL
REQUEST_TIMEOUT = 60       # seconds of one HTTP request

# Data folders made once by mfactl init, by (alias, owner password), for servers that copy one.
_init_templates = {}


def free_port():
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def totp(secret_b32, at=None):
    """Return oathtool's 6-digit TOTP code of secret_b32 at Unix time `at` (default: now)."""
    if at is None:
        at = int(time.time())
    # The key goes in on stdin ("-") so it never shows in a process list.
    out = subprocess.run(
        [OATHTOOL, "--totp", "--base32", "--now", "@%d" % int(at), "-"],
        input=secret_b32 + "\n", capture_output=True, text=True, check=True, timeout=10)
    return out.stdout.strip()


class Response:
    """One HTTP response: status, headers (http.client.HTTPMessage), raw body and its JSON."""

    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        try:
            self.json = json.loads(raw) if raw else None
        except ValueError:
            self.json = None

    def __iter__(self):
        return iter((self.status, self.headers, self.json))

    def __repr__(self):
        return "HTTP %d %r" % (self.status, self.raw[:300])


class MfadServer:
    """An mfad process on a free port of 127.0.0.1, with an account made by mfactl init."""

    def __init__(self, alias=ALIAS, owner_password=OWNER_PASSWORD, test_clock=True, config=None,
                 copy_init=False, tls_ca=None):
        """config, when given, maps INI sections to {key: value} for mfad's -c file.

        The file is written again before each start attempt, with every "{port}" in a value
        replaced by the port of that attempt, so settings such as allowed origins can name it.
        With copy_init, init_account copies a data folder that mfactl init made once in this
        process, which saves its password hash on every server after the first. Such servers
        share the master key and the account's IDs. With tls_ca (a PEM file of the CA that
        signed the certificate in config's [http] tls_cert), requests go over HTTPS and the
        session cookie is named __Host-mfad_session.
        """
        self.copy_init = copy_init
        self.alias = alias
        self.owner_password = owner_password
        self.test_clock = test_clock
        self.config = config
        self.tls_ca = tls_ca
        self.cookie_name = "__Host-mfad_session" if tls_ca else "mfad_session"
        self.tmp = tempfile.mkdtemp(prefix="mfad-http-")
        self.config_path = os.path.join(self.tmp, "mfad.ini")
        self.data_dir = os.path.join(self.tmp, "data")
        self.db_path = os.path.join(self.data_dir, "mfad.db")
        self.key_path = os.path.join(self.data_dir, "master.key")
        self.log_path = os.path.join(self.tmp, "mfad.log")
        self.port = None
        self.proc = None
        self.log_file = None
        self.offset = 0

    # ---- process ----

    def init_account(self):
        """Create the account and its owner with mfactl init (the password goes on stdin)."""
        if self.copy_init:
            key = (self.alias, self.owner_password)
            # A folder removed meanwhile (a sweep of /tmp, say) is made again.
            if not os.path.isdir(_init_templates.get(key, "")):
                _init_templates[key] = make_init_template(self.alias, self.owner_password)
            shutil.copytree(_init_templates[key], self.data_dir)
            return
        run_init(self.data_dir, self.alias, self.owner_password)

    def start(self, expect_failure=False):
        """Start mfad and wait for /healthz, or with expect_failure return its exit status."""
        for _attempt in range(3):
            self.port = free_port()
            cmd = [MFAD_BIN, "--listen", "%s:%d" % (HOST, self.port), "--data-dir",
                   self.data_dir, "--log-level", "debug"]
            if self.test_clock:
                cmd.append("--test-clock")
            if self.config is not None:
                self.write_config()
                cmd += ["-c", self.config_path]
            self.log_file = open(self.log_path, "ab")
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log_file,
                                         stderr=self.log_file)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                status = self.proc.poll()
                if status is not None:
                    self.log_file.close()
                    self.proc = None
                    if expect_failure:
                        return status
                    if "cannot listen" in self.log_text():
                        break  # another process took the port meanwhile: try another
                    raise RuntimeError("mfad exited with status %d at start; log:\n%s"
                                       % (status, self.log_text()[-4000:]))
                if self.healthy():
                    # A new process starts at real time: put back the clock of the last one.
                    if self.test_clock and self.offset != 0:
                        self.set_clock(self.offset)
                    return None
                time.sleep(0.05)
            else:
                self.stop()
                raise RuntimeError("mfad did not respond to /healthz within %d s; log:\n%s"
                                   % (START_TIMEOUT, self.log_text()[-4000:]))
        raise RuntimeError("mfad found no free port in 3 attempts")

    def write_config(self):
        """Write the INI file for the port of this start attempt."""
        lines = []
        for section, settings in self.config.items():
            lines.append("[%s]" % section)
            for key, value in settings.items():
                lines.append("%s = %s" % (key, str(value).replace("{port}", str(self.port))))
            lines.append("")
        with open(self.config_path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))

    @property
    def origin(self):
        """The origin a browser on this server's port reports: http://localhost:PORT."""
        return "http://localhost:%d" % self.port

    def stop(self):
        """Stop mfad with SIGTERM, then SIGKILL after STOP_TIMEOUT; return its exit status."""
        status = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            status = self.proc.returncode
            self.proc = None
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None
        return status

    def cleanup(self):
        self.stop()
        if os.environ.get("MFAD_TEST_KEEP") != "1":
            shutil.rmtree(self.tmp, ignore_errors=True)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    # ---- HTTP ----

    def request(self, method, path, body=None, headers=None):
        """Send one request on a new connection and return a Response."""
        if self.tls_ca is not None:
            context = ssl.create_default_context(cafile=self.tls_ca)
            conn = http.client.HTTPSConnection(HOST, self.port, timeout=REQUEST_TIMEOUT,
                                               context=context)
        else:
            conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return Response(resp.status, resp.headers, resp.read())
        finally:
            conn.close()

    def raw_request(self, data):
        """Send raw bytes, read until the server closes the connection, return (status, bytes)."""
        with socket.create_connection((HOST, self.port), timeout=REQUEST_TIMEOUT) as s:
            try:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may respond and close before reading the whole body
            chunks = []
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
            except ConnectionResetError:
                pass
        response = b"".join(chunks)
        parts = response.split(b" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        return status, response

    def healthy(self):
        # Another process (an SMTP test server, for example) may have taken the port and reply
        # with something that is not HTTP. That means mfad is not up, not that the test failed.
        try:
            return self.request("GET", "/healthz").status == 200
        except (OSError, http.client.HTTPException):
            return False

    def post(self, action, body=None, token=None, cookie=None, raw_body=None,
             content_type="application/json", method="POST", csrf=None, headers=None):
        """POST /api/v1/ACTION with body as JSON (or raw_body as is); return a Response.

        token goes in a bearer header, cookie in the session cookie, csrf in X-CSRF-Token,
        and headers are added as given. The Response unpacks as (status, headers, json).
        """
        headers = dict(headers or {})
        if content_type is not None:
            headers["Content-Type"] = content_type
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        if cookie is not None:
            headers["Cookie"] = "%s=%s" % (self.cookie_name, cookie)
        if csrf is not None:
            headers["X-CSRF-Token"] = csrf
        if raw_body is not None:
            data = raw_body
        elif body is not None:
            data = json.dumps(body).encode()
        else:
            data = None
        return self.request(method, "/api/v1/" + action, body=data, headers=headers)

    # ---- clock ----

    def now(self):
        """Return the server's time: real time plus the test clock offset."""
        return int(time.time()) + self.offset

    def set_clock(self, offset):
        """Move the server's clock to real time + offset seconds."""
        r = self.post("_test/SetClock", {"Offset": offset})
        if r.status != 200:
            raise RuntimeError("SetClock failed: %r" % (r,))
        self.offset = offset
        return r.json["Now"]

    def advance(self, seconds):
        """Move the server's clock forward by seconds."""
        return self.set_clock(self.offset + seconds)

    def align_step(self, into=2):
        """Move the clock forward to `into` seconds after the start of the next TOTP step.

        A test then has about STEP - into seconds before the server's step changes, so
        the codes it computes stay in the step the server sees.
        """
        now = self.now()
        return self.advance(STEP - now % STEP + into)

    def code(self, secret, shift=0):
        """Return the code of secret for the server's time plus shift seconds."""
        return totp(secret, self.now() + shift)


class MfadTestCase(unittest.TestCase):
    """A test with its own mfad and data folder, started in setUp and stopped at cleanup."""

    test_clock = True
    config = None       # INI sections for mfad -c, as MfadServer takes them
    copy_init = False   # copy the data folder of one mfactl init, as MfadServer does
    tls_ca = None       # CA file for HTTPS, as MfadServer takes it

    def setUp(self):
        self.server = start_server(self.addCleanup, test_clock=self.test_clock,
                                   config=self.config, copy_init=self.copy_init,
                                   tls_ca=self.tls_ca)
        self.owner_token = self.logon_owner()

    # ---- shortcuts ----

    def post(self, *args, **kwargs):
        return self.server.post(*args, **kwargs)

    def assertError(self, r, status, code, what):
        """Check that r is the error (status, code); `what` names the request."""
        self.assertEqual(r.status, status, "%s: expected HTTP %d, got %r" % (what, status, r))
        self.assertIsNotNone(r.json, "%s: the error body is not JSON: %r" % (what, r))
        self.assertEqual(r.json.get("code"), code,
                         "%s: expected code %s, got %r" % (what, code, r.json))

    def assertOK(self, r, what):
        self.assertEqual(r.status, 200, "%s: expected HTTP 200, got %r" % (what, r))
        self.assertIsNotNone(r.json, "%s: the body is not JSON: %r" % (what, r))
        return r.json

    # ---- logon and set-up ----

    def logon_owner(self):
        r = self.post("Login", {"Principal": self.server.alias,
                                "Password": self.server.owner_password})
        body = self.assertOK(r, "owner Login")
        self.assertEqual(body.get("Status"), "OK", "owner Login: %r" % (body,))
        return body["SessionToken"]

    def principal(self, name):
        return "%s@%s" % (name, self.server.alias)

    def create_user(self, name, password, mfa_bind_required=False,
                    password_reset_required=False):
        r = self.post("CreateUser", {"UserName": name}, token=self.owner_token)
        self.assertOK(r, "CreateUser %s" % name)
        r = self.post("CreateLoginProfile", {
            "UserName": name, "Password": password,
            "MFABindRequired": mfa_bind_required,
            "PasswordResetRequired": password_reset_required}, token=self.owner_token)
        self.assertOK(r, "CreateLoginProfile %s" % name)

    def create_device(self, token, name=None):
        body = {} if name is None else {"UserName": name}
        r = self.post("CreateVirtualMFADevice", body, token=token)
        return self.assertOK(r, "CreateVirtualMFADevice")["VirtualMFADevice"]

    def bind_codes(self, secret):
        """Return two consecutive codes from oathtool: the previous step's and this step's."""
        now = self.server.now()
        return totp(secret, now - STEP), totp(secret, now)

    def bind_device(self, token, device, name=None):
        self.server.align_step()
        code1, code2 = self.bind_codes(device["Base32StringSeed"])
        body = {"SerialNumber": device["SerialNumber"], "AuthenticationCode1": code1,
                "AuthenticationCode2": code2}
        if name is not None:
            body["UserName"] = name
        r = self.post("BindMFADevice", body, token=token)
        return self.assertOK(r, "BindMFADevice")

    def enrol_user(self, name, password, **profile):
        """Create a user with a bound device; return its base32 secret.

        Binding uses the current step, so the clock then moves one step on, and the next
        code is from a step the server has not seen used.
        """
        self.create_user(name, password, **profile)
        device = self.create_device(self.owner_token, name)
        self.bind_device(self.owner_token, device, name)
        self.server.align_step()
        return device["Base32StringSeed"]

    def login(self, principal, password):
        return self.post("Login", {"Principal": principal, "Password": password})

    def login_mfa(self, challenge, code):
        return self.post("LoginMFA", {"Challenge": challenge, "Method": "totp", "Code": code})

    def challenge(self, principal, password):
        """Pass the password step and return the challenge for the code."""
        body = self.assertOK(self.login(principal, password), "Login %s" % principal)
        self.assertEqual(body.get("Status"), "MFARequired", "Login %s: %r" % (principal, body))
        return body["Challenge"]

    def logon_mfa_user(self, principal, password, secret, shift=0):
        """Log on with password and a code; return the session token."""
        challenge = self.challenge(principal, password)
        body = self.assertOK(self.login_mfa(challenge, self.server.code(secret, shift)),
                             "LoginMFA %s" % principal)
        self.assertEqual(body.get("Status"), "OK", "LoginMFA %s: %r" % (principal, body))
        return body["SessionToken"]

    def step_up(self, token, secret):
        """Prove the TOTP device of the session's user again with StepUp.

        The clock moves to the next step first, so the code is from a step not used yet.
        Sensitive operations then work in that session for security.step_up_ttl seconds.
        """
        self.server.align_step()
        r = self.post("StepUp", {"Method": "totp", "Code": self.server.code(secret)},
                      token=token)
        return self.assertOK(r, "StepUp")

    def wrong_code(self, secret):
        """Return a well-formed code that matches no step in the server's window."""
        near = {self.server.code(secret, shift) for shift in (-2 * STEP, -STEP, 0, STEP,
                                                               2 * STEP)}
        for candidate in ("000000", "111111", "222222", "333333", "444444", "555555"):
            if candidate not in near:
                return candidate
        raise AssertionError("no wrong code found")  # six collisions cannot happen


def run_init(data_dir, alias, owner_password):
    """Create an account and its owner in data_dir with mfactl init (password on stdin)."""
    cmd = [MFACTL_BIN, "--data-dir", data_dir, "init", "--alias", alias, "--password-stdin"]
    out = subprocess.run(cmd, input=owner_password + "\n", capture_output=True,
                         text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("mfactl init failed with exit status %d: %s %s"
                           % (out.returncode, out.stdout, out.stderr))


def make_init_template(alias, owner_password):
    """Run mfactl init once into a folder deleted at exit; return the data folder's path."""
    tmp = tempfile.mkdtemp(prefix="mfad-http-init-")
    if os.environ.get("MFAD_TEST_KEEP") != "1":
        atexit.register(shutil.rmtree, tmp, True)
    data_dir = os.path.join(tmp, "data")
    run_init(data_dir, alias, owner_password)
    return data_dir


def start_server(add_cleanup, test_clock=True, init=True, start=True, config=None,
                 copy_init=False, tls_ca=None):
    """Make a data folder, run mfactl init and start mfad.

    add_cleanup is a test's addCleanup or a class's addClassCleanup; it stops mfad and
    deletes the folder. config, copy_init and tls_ca are as MfadServer takes them.
    """
    server = MfadServer(test_clock=test_clock, config=config, copy_init=copy_init,
                        tls_ca=tls_ca)
    add_cleanup(server.cleanup)
    if init:
        server.init_account()
    if start:
        server.start()
    return server
