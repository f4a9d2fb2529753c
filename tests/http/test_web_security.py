"""Browser-facing safety: security headers, CSRF tokens, the Origin check, and HTTPS served by
mfad itself with a certificate made by openssl for each test class."""

import http.client
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import unittest
import warnings

import harness
from harness import HOST

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
FOREIGN_ORIGIN = "https://evil.example"
USER_PASSWORD = "carol password 1"


def openssl(*args):
    subprocess.run([OPENSSL, *args], check=True, capture_output=True, timeout=60)


def make_certificate(folder, name="server"):
    """Write a self-signed P-256 certificate for IP 127.0.0.1 and its key (mode 0600).

    Return (cert_path, key_path). The certificate is its own CA, so clients trust it by
    loading the same file.
    """
    cert = os.path.join(folder, name + ".pem")
    key = os.path.join(folder, name + ".key")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=mfad test",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost")
    os.chmod(key, 0o600)
    return cert, key


def tls_config(cert, key):
    """INI settings for HTTPS with cert and key, and an allowed origin on this port."""
    return {"http": {"tls_cert": cert, "tls_key": key},
            "webauthn": {"origins": "https://localhost:{port}"}}


def cookie_attributes(set_cookie):
    """Return (name, value, lower-case attributes) of one Set-Cookie value."""
    first, _, rest = set_cookie.partition(";")
    name, _, value = first.partition("=")
    return name.strip(), value.strip(), [a.strip().lower() for a in rest.split(";") if a.strip()]


class CertificateFolder:
    """A temporary folder with a test certificate, made once per test class."""

    @classmethod
    def make_certificates(cls):
        cls.cert_dir = tempfile.mkdtemp(prefix="mfad-tls-")
        cls.addClassCleanup(shutil.rmtree, cls.cert_dir, True)
        cls.cert, cls.key = make_certificate(cls.cert_dir)


class HeadersMixin:
    """Checks of the headers every response carries, for plain HTTP and HTTPS servers."""

    def assertSecurityHeaders(self, r, what, no_store=True):
        self.assertEqual(r.headers.get("Content-Security-Policy"), CSP, what)
        self.assertEqual(r.headers.get("X-Content-Type-Options"), "nosniff", what)
        self.assertEqual(r.headers.get("X-Frame-Options"), "DENY", what)
        self.assertEqual(r.headers.get("Referrer-Policy"), "no-referrer", what)
        if no_store:
            self.assertEqual(r.headers.get("Cache-Control"), "no-store", what)

    def check_every_kind_of_response(self, hsts):
        owner = self.owner_token
        responses = [
            ("API success", self.post("WhoAmI", token=owner)),
            ("API error", self.post("WhoAmI")),
            ("unknown action", self.post("NoSuchAction", {})),
            ("health check", self.server.request("GET", "/healthz")),
            ("wrong media type", self.post("Login", raw_body=b"x", content_type="text/plain")),
        ]
        for what, r in responses:
            self.assertSecurityHeaders(r, what)
            if hsts:
                self.assertEqual(r.headers.get("Strict-Transport-Security"), "max-age=31536000",
                                 what)
            else:
                self.assertIsNone(r.headers.get("Strict-Transport-Security"),
                                  "%s: HSTS only over HTTPS" % what)


class PlainHeadersTest(HeadersMixin, harness.MfadTestCase):
    """Without TLS the same headers are sent, except Strict-Transport-Security."""

    copy_init = True

    def test_headers_on_every_response(self):
        self.check_every_kind_of_response(hsts=False)

    def test_headers_on_early_413(self):
        # Sent before the body is read, so the client may still be writing: read it raw.
        request = (b"POST /api/v1/Login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json"
                   b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n{}"
                   % (HOST.encode(), 64 << 20))
        status, raw = self.server.raw_request(request)
        self.assertEqual(status, 413, "%r" % raw[:300])
        head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
        self.assertIn("content-security-policy: " + CSP.lower(), head)
        self.assertIn("x-frame-options: deny", head)
        self.assertIn("cache-control: no-store", head)

    def test_cookie_without_tls(self):
        r = self.post("Login", {"Principal": self.server.alias,
                                "Password": self.server.owner_password})
        name, _value, attributes = cookie_attributes(r.headers.get("Set-Cookie") or "")
        self.assertEqual(name, "mfad_session")
        self.assertNotIn("secure", attributes, "no Secure over plain HTTP")
        self.assertIn("httponly", attributes)


class CsrfMixin:
    """CSRF token and Origin checks; the server may speak HTTP or HTTPS."""

    def owner_cookie_logon(self, headers=None):
        """Log the owner on; return (session token, CSRF token) from the Login body."""
        r = self.post("Login", {"Principal": self.server.alias,
                                "Password": self.server.owner_password}, headers=headers)
        body = self.assertOK(r, "owner Login")
        self.assertIsInstance(body.get("CsrfToken"), str, "Login body: %r" % (body,))
        self.assertEqual(len(body["CsrfToken"]), 43, "base64url of 32 bytes")
        return body["SessionToken"], body["CsrfToken"]

    def test_cookie_post_needs_token(self):
        token, csrf = self.owner_cookie_logon()
        self.assertError(self.post("WhoAmI", cookie=token), 403, "CsrfTokenInvalid",
                         "cookie POST without X-CSRF-Token")
        self.assertError(self.post("CreateUser", {"UserName": "mallory"}, cookie=token), 403,
                         "CsrfTokenInvalid", "CreateUser by cookie without X-CSRF-Token")
        self.assertError(self.post("GetUser", {"UserName": "mallory"}, token=token), 404,
                         "EntityNotExist.User", "the refused CreateUser created nothing")
        self.assertOK(self.post("CreateUser", {"UserName": "alice"}, cookie=token, csrf=csrf),
                      "CreateUser by cookie with the CSRF token")

    def test_wrong_tokens_rejected(self):
        token, csrf = self.owner_cookie_logon()
        other_token, other_csrf = self.owner_cookie_logon()
        self.assertNotEqual(csrf, other_csrf, "each session has its own CSRF token")
        wrong = {
            "empty": "",
            "one character changed": csrf[:-1] + ("A" if csrf[-1] != "A" else "B"),
            "too short": csrf[:-1],
            "too long": csrf + "A",
            "another session's token": other_csrf,
            "the session token itself": token,
        }
        for what, value in wrong.items():
            self.assertError(self.post("WhoAmI", cookie=token, csrf=value), 403,
                             "CsrfTokenInvalid", what)
        self.assertError(self.post("Logout", {}, cookie=token, csrf=other_csrf), 403,
                         "CsrfTokenInvalid", "Logout with another session's token")
        self.assertOK(self.post("WhoAmI", cookie=token, csrf=csrf),
                      "the session survives refused requests")
        self.assertOK(self.post("WhoAmI", cookie=other_token, csrf=other_csrf),
                      "the other session works with its own token")

    def test_whoami_returns_same_token(self):
        token, csrf = self.owner_cookie_logon()
        r = self.server.request("GET", "/api/v1/WhoAmI",
                                headers={"Cookie": "%s=%s" % (self.server.cookie_name, token)})
        body = self.assertOK(r, "GET WhoAmI with the cookie needs no CSRF token")
        self.assertEqual(body.get("CsrfToken"), csrf, "WhoAmI returns the session's token")
        body = self.assertOK(self.post("WhoAmI", token=token), "WhoAmI by bearer")
        self.assertEqual(body.get("CsrfToken"), csrf)

    def test_bearer_exempt(self):
        token, _csrf = self.owner_cookie_logon()
        self.assertOK(self.post("CreateUser", {"UserName": "bob"}, token=token),
                      "bearer POST without X-CSRF-Token")
        self.assertOK(self.post("WhoAmI", token=token, cookie="x" * 43),
                      "the bearer header wins over a cookie, so no CSRF token is needed")

    def test_logout_needs_token(self):
        token, csrf = self.owner_cookie_logon()
        self.assertError(self.post("Logout", {}, cookie=token), 403, "CsrfTokenInvalid",
                         "Logout by cookie without X-CSRF-Token")
        self.assertOK(self.post("WhoAmI", token=token), "a refused Logout ends nothing")
        self.assertOK(self.post("Logout", {}, cookie=token, csrf=csrf), "Logout with the token")
        self.assertError(self.post("WhoAmI", token=token), 401, "NotAuthenticated",
                         "after Logout")

    def test_restricted_session_needs_token(self):
        r = self.post("CreateUser", {"UserName": "carol"}, token=self.owner_token)
        self.assertOK(r, "CreateUser carol")
        r = self.post("CreateLoginProfile", {"UserName": "carol", "Password": USER_PASSWORD,
                                             "MFABindRequired": True}, token=self.owner_token)
        self.assertOK(r, "CreateLoginProfile carol")
        body = self.assertOK(self.login(self.principal("carol"), USER_PASSWORD), "carol Login")
        self.assertEqual(body.get("Status"), "BindMFARequired", "%r" % (body,))
        self.assertIsInstance(body.get("CsrfToken"), str, "a restricted session has a token")
        self.assertError(self.post("CreateVirtualMFADevice", {}, cookie=body["SessionToken"]),
                         403, "CsrfTokenInvalid", "bind-mfa session by cookie without the token")
        self.assertOK(self.post("CreateVirtualMFADevice", {}, cookie=body["SessionToken"],
                                csrf=body["CsrfToken"]), "bind-mfa session with the token")

    def test_login_mfa_returns_token(self):
        secret = self.enrol_user("dave", USER_PASSWORD)
        challenge = self.challenge(self.principal("dave"), USER_PASSWORD)
        body = self.assertOK(self.login_mfa(challenge, self.server.code(secret)), "LoginMFA")
        self.assertOK(self.post("WhoAmI", cookie=body["SessionToken"], csrf=body["CsrfToken"]),
                      "the CsrfToken of LoginMFA works with its session")

    def test_foreign_origin_rejected(self):
        logon = {"Principal": self.server.alias, "Password": self.server.owner_password}
        for origin in (FOREIGN_ORIGIN, "null", self.own_origin() + ".evil.example",
                       self.other_scheme_origin()):
            r = self.post("Login", logon, headers={"Origin": origin})
            self.assertError(r, 403, "OriginNotAllowed", "Login from Origin %s" % origin)
            self.assertIsNone(r.headers.get("Set-Cookie"), "no cookie for a refused logon")
        self.assertError(self.post("WhoAmI", token=self.owner_token,
                                   headers={"Origin": FOREIGN_ORIGIN}), 403, "OriginNotAllowed",
                         "a bearer POST from a foreign page")

    def test_own_origins_allowed(self):
        for origin in (self.own_origin(), self.listed_origin()):
            _token, _csrf = self.owner_cookie_logon(headers={"Origin": origin})
        self.assertOK(self.post("WhoAmI", token=self.owner_token,
                                headers={"Origin": self.own_origin().upper()}),
                      "scheme and host compare without regard to case")


class PlainCsrfTest(CsrfMixin, harness.MfadTestCase):
    """CSRF checks of an mfad on plain HTTP, as behind a proxy that terminates TLS."""

    copy_init = True

    def own_origin(self):
        return "http://%s:%d" % (HOST, self.server.port)

    def other_scheme_origin(self):
        return "https://%s:%d" % (HOST, self.server.port)

    def listed_origin(self):
        return self.server.origin  # the default webauthn.origins: http://localhost:PORT


class TlsTest(CertificateFolder, HeadersMixin, CsrfMixin, harness.MfadTestCase):
    """mfad serving HTTPS itself with a certificate and key from the config."""

    copy_init = True

    @classmethod
    def setUpClass(cls):
        cls.make_certificates()
        cls.config = tls_config(cls.cert, cls.key)
        cls.tls_ca = cls.cert

    def own_origin(self):
        return "https://%s:%d" % (HOST, self.server.port)

    def other_scheme_origin(self):
        return "http://%s:%d" % (HOST, self.server.port)

    def listed_origin(self):
        return "https://localhost:%d" % self.server.port

    def test_headers_on_every_response(self):
        self.check_every_kind_of_response(hsts=True)

    def test_session_cookie_attributes(self):
        r = self.post("Login", {"Principal": self.server.alias,
                                "Password": self.server.owner_password})
        body = self.assertOK(r, "owner Login over HTTPS")
        name, value, attributes = cookie_attributes(r.headers.get("Set-Cookie") or "")
        self.assertEqual(name, "__Host-mfad_session")
        self.assertEqual(value, body["SessionToken"])
        for attribute in ("secure", "httponly", "samesite=strict", "path=/"):
            self.assertIn(attribute, attributes, "cookie attributes: %r" % attributes)
        self.assertFalse([a for a in attributes if a.startswith("domain")],
                         "__Host- cookies have no Domain: %r" % attributes)

        r = self.post("Logout", {}, cookie=value, csrf=body["CsrfToken"])
        self.assertOK(r, "Logout by cookie")
        name, value, attributes = cookie_attributes(r.headers.get("Set-Cookie") or "")
        self.assertEqual((name, value), ("__Host-mfad_session", ""), "Logout clears the cookie")
        self.assertIn("secure", attributes)
        self.assertIn("max-age=0", attributes)

    def test_revoke_own_session_cookie(self):
        token, csrf = self.owner_cookie_logon()
        r = self.post("ListSessions", {}, cookie=token, csrf=csrf)
        own = [s for s in self.assertOK(r, "ListSessions")["Sessions"] if s.get("Current")]
        self.assertEqual(len(own), 1, "one current session: %r" % (own,))
        r = self.post("RevokeSession", {"SessionId": own[0]["SessionId"]}, cookie=token,
                      csrf=csrf)
        self.assertOK(r, "RevokeSession of the caller's own session")
        name, value, attributes = cookie_attributes(r.headers.get("Set-Cookie") or "")
        self.assertEqual((name, value), ("__Host-mfad_session", ""),
                         "revoking the own session clears the __Host- cookie")
        self.assertIn("secure", attributes)
        self.assertIn("max-age=0", attributes)

    def test_remember_cookie_attributes(self):
        secret = self.enrol_user("alice", USER_PASSWORD)
        self.assertOK(self.post("SetSecurityPreference", {"EnableSaveMFATicket": True},
                                token=self.owner_token), "SetSecurityPreference")
        body = self.assertOK(self.login(self.principal("alice"), USER_PASSWORD), "Login alice")
        self.server.align_step()
        r = self.post("LoginMFA", {"Challenge": body["Challenge"], "Method": "totp",
                                   "Code": self.server.code(secret), "RememberBrowser": True})
        body = self.assertOK(r, "LoginMFA with RememberBrowser over HTTPS")
        self.assertTrue(body["BrowserRemembered"])
        remembered = [cookie_attributes(c) for c in r.headers.get_all("Set-Cookie") or []
                      if "remember" in c]
        self.assertEqual(len(remembered), 1, "one remembered-browser cookie")
        name, value, attributes = remembered[0]
        self.assertEqual(name, "__Host-mfad_remember")
        self.assertTrue(value)
        for attribute in ("secure", "httponly", "samesite=strict", "path=/"):
            self.assertIn(attribute, attributes, "cookie attributes: %r" % attributes)
        self.assertFalse([a for a in attributes if a.startswith("domain")],
                         "__Host- cookies have no Domain: %r" % attributes)

        logon = {"Principal": self.principal("alice"), "Password": USER_PASSWORD}
        r = self.post("Login", logon, headers={"Cookie": "mfad_remember=" + value})
        self.assertEqual(self.assertOK(r, "Login, unprefixed cookie")["Status"], "MFARequired",
                         "over HTTPS only the __Host- cookie skips the second factor")
        r = self.post("Login", logon, headers={"Cookie": "__Host-mfad_remember=" + value})
        self.assertEqual(self.assertOK(r, "Login, __Host- cookie")["Status"], "OK")

    def test_unprefixed_cookie_ignored(self):
        token, csrf = self.owner_cookie_logon()
        r = self.server.request("POST", "/api/v1/WhoAmI", headers={
            "Cookie": "mfad_session=" + token, "X-CSRF-Token": csrf})
        self.assertError(r, 401, "NotAuthenticated",
                         "over HTTPS only the __Host- cookie carries the session")

    def test_plain_http_rejected(self):
        conn = http.client.HTTPConnection(HOST, self.server.port, timeout=10)
        try:
            with self.assertRaises((OSError, http.client.HTTPException),
                                   msg="plain HTTP on the HTTPS port gets no HTTP response"):
                conn.request("POST", "/api/v1/WhoAmI", headers={
                    "Authorization": "Bearer " + self.owner_token})
                resp = conn.getresponse()
                resp.read()
                self.fail("plain HTTP was answered with %d" % resp.status)
        finally:
            conn.close()

    def test_tls_1_1_rejected(self):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        # Security level 0 lets this client offer TLS 1.1 at all, so only the server refuses.
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = ssl.TLSVersion.TLSv1_1
            context.maximum_version = ssl.TLSVersion.TLSv1_1
        with socket.create_connection((HOST, self.server.port), timeout=10) as raw:
            with self.assertRaises(ssl.SSLError, msg="a TLS 1.1 handshake must fail"):
                with context.wrap_socket(raw, server_hostname="localhost"):
                    pass

    def test_tls_1_2_and_1_3_accepted(self):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(self.cert)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        with socket.create_connection((HOST, self.server.port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                self.assertIn(tls.version(), ("TLSv1.2", "TLSv1.3"))
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        with socket.create_connection((HOST, self.server.port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                self.assertEqual(tls.version(), "TLSv1.2", "TLS 1.2 is still accepted")


class TlsProxyTest(harness.MfadTestCase):
    """Behind a proxy that terminates TLS (http.tls_proxy), cookies and origins are https."""

    copy_init = True
    config = {"http": {"tls_proxy": "true"}}

    def test_cookie_secure_behind_proxy(self):
        r = self.post("Login", {"Principal": self.server.alias,
                                "Password": self.server.owner_password})
        body = self.assertOK(r, "owner Login")
        name, value, attributes = cookie_attributes(r.headers.get("Set-Cookie") or "")
        self.assertEqual(name, "__Host-mfad_session")
        self.assertIn("secure", attributes, "cookie attributes: %r" % attributes)
        self.assertIsNone(r.headers.get("Strict-Transport-Security"),
                          "HSTS is the proxy's job: mfad itself speaks plain HTTP here")

        self.server.cookie_name = "__Host-mfad_session"
        self.assertOK(self.post("WhoAmI", cookie=value, csrf=body["CsrfToken"]),
                      "the __Host- cookie carries the session")

    def test_host_origin_is_https(self):
        https = "https://%s:%d" % (HOST, self.server.port)
        self.assertOK(self.post("WhoAmI", token=self.owner_token, headers={"Origin": https}),
                      "the proxy's https origin for the Host header")
        plain = "http://%s:%d" % (HOST, self.server.port)
        self.assertError(self.post("WhoAmI", token=self.owner_token, headers={"Origin": plain}),
                         403, "OriginNotAllowed", "http origin when browsers use https")


class TlsStartupTest(CertificateFolder, unittest.TestCase):
    """mfad refuses to start with a TLS key it cannot use safely."""

    @classmethod
    def setUpClass(cls):
        cls.make_certificates()
        cls.other_cert, cls.other_key = make_certificate(cls.cert_dir, "other")

    def start_failure(self, http_settings):
        """Start mfad with [http] http_settings; return (exit status, log text)."""
        server = harness.MfadServer(config={"http": http_settings}, copy_init=True,
                                    tls_ca=self.cert)
        self.addCleanup(server.cleanup)
        server.init_account()
        status = server.start(expect_failure=True)
        return status, server.log_text()

    def test_good_pair_starts(self):
        server = harness.MfadServer(config={"http": {"tls_cert": self.cert,
                                                     "tls_key": self.key}},
                                    copy_init=True, tls_ca=self.cert)
        self.addCleanup(server.cleanup)
        server.init_account()
        self.assertIsNone(server.start(), "a matching certificate and key start mfad")

    def test_missing_key(self):
        missing = os.path.join(self.cert_dir, "missing.key")
        status, log = self.start_failure({"tls_cert": self.cert, "tls_key": missing})
        self.assertEqual(status, 1)
        self.assertIn("http.tls_key: cannot open", log)

    def test_unreadable_key(self):
        if os.geteuid() == 0:
            self.skipTest("root reads files of any mode")
        unreadable = os.path.join(self.cert_dir, "unreadable.key")
        shutil.copyfile(self.key, unreadable)
        os.chmod(unreadable, 0o000)
        status, log = self.start_failure({"tls_cert": self.cert, "tls_key": unreadable})
        self.assertEqual(status, 1)
        self.assertIn("http.tls_key: cannot open", log)

    def test_key_is_directory(self):
        status, log = self.start_failure({"tls_cert": self.cert, "tls_key": self.cert_dir})
        self.assertEqual(status, 1)
        self.assertIn("is not a regular file", log)

    def test_key_readable_by_others(self):
        for mode in (0o644, 0o640, 0o604, 0o660):
            loose = os.path.join(self.cert_dir, "loose-%o.key" % mode)
            shutil.copyfile(self.key, loose)
            os.chmod(loose, mode)
            status, log = self.start_failure({"tls_cert": self.cert, "tls_key": loose})
            self.assertEqual(status, 1, "mode %o" % mode)
            self.assertIn("chmod 600", log, "mode %o" % mode)

    def test_key_of_another_certificate(self):
        status, log = self.start_failure({"tls_cert": self.cert, "tls_key": self.other_key})
        self.assertEqual(status, 1)
        self.assertIn("is not the private key of the first certificate", log)

    def test_encrypted_key(self):
        encrypted = os.path.join(self.cert_dir, "encrypted.key")
        openssl("pkey", "-in", self.key, "-out", encrypted, "-aes256", "-passout", "pass:secret")
        os.chmod(encrypted, 0o600)
        status, log = self.start_failure({"tls_cert": self.cert, "tls_key": encrypted})
        self.assertEqual(status, 1)
        self.assertIn("encrypted", log)

    def test_not_a_certificate(self):
        status, log = self.start_failure({"tls_cert": self.key, "tls_key": self.key})
        self.assertEqual(status, 1)
        self.assertIn("holds no PEM certificate", log)

    def test_cert_without_key(self):
        status, log = self.start_failure({"tls_cert": self.cert})
        self.assertEqual(status, 2)
        self.assertIn("must be set together", log)


if __name__ == "__main__":
    unittest.main()
