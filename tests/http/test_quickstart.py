"""The quickstart of docs/api.md end to end: owner, user, device, MFA logon, logout."""

import base64
import binascii
import unittest
import urllib.parse

import harness
from harness import STEP, totp

ALICE_PASSWORD = "correct horse battery"


def b32decode_unpadded(text):
    """Decode base32 that may lack its '=' padding."""
    return base64.b32decode(text + "=" * (-len(text) % 8))


class QuickstartTest(harness.MfadTestCase):

    def test_owner_logon_full_session(self):
        r = self.post("Login", {"Principal": "example", "Password": harness.OWNER_PASSWORD})
        body = self.assertOK(r, "owner Login")
        self.assertEqual(body.get("Status"), "OK", "owner has no MFA: %r" % (body,))
        self.assertEqual(body.get("Scope"), "full", "owner session scope: %r" % (body,))
        who = self.assertOK(self.post("WhoAmI", token=body["SessionToken"]), "owner WhoAmI")
        self.assertTrue(who.get("IsOwner"), "WhoAmI of the owner: %r" % (who,))
        self.assertEqual(who.get("Principal"), "example", "owner principal: %r" % (who,))

    def test_device_fields(self):
        self.create_user("alice", ALICE_PASSWORD)
        device = self.create_device(self.owner_token, "alice")

        secret = device["Base32StringSeed"]
        try:
            raw = b32decode_unpadded(secret)
        except binascii.Error as e:
            self.fail("Base32StringSeed %r is not base32: %s" % (secret, e))
        self.assertEqual(len(raw), 20, "the seed must have 160 bits, got %d bytes" % len(raw))

        uri = device["OTPAuthURI"]
        self.assertTrue(uri.startswith("otpauth://totp/"), "OTPAuthURI: %r" % uri)
        parts = urllib.parse.urlsplit(uri)
        label = parts.path.lstrip("/")
        self.assertNotIn("@", label, "the '@' of the label must be percent-encoded: %r" % uri)
        self.assertIn("%40", label, "the label should carry alice%%40example: %r" % uri)
        self.assertEqual(urllib.parse.unquote(label), "mfad:alice@example",
                         "decoded label of %r" % uri)
        query = urllib.parse.parse_qs(parts.query)
        self.assertEqual(query.get("issuer"), ["mfad"], "issuer parameter of %r" % uri)
        self.assertEqual(query.get("secret"), [secret.rstrip("=")],
                         "secret parameter of %r" % uri)

        png = base64.b64decode(device["QRCodePNG"])
        self.assertTrue(png.startswith(b"\x89PNG"), "QRCodePNG starts with %r" % png[:8])
        self.assertTrue(device["QRCodeSVG"].lstrip().startswith("<svg"),
                        "QRCodeSVG starts with %r" % device["QRCodeSVG"][:40])
        self.assertTrue(device["SerialNumber"].startswith("acs:ram::example:mfa/"),
                        "SerialNumber: %r" % device["SerialNumber"])

        info = self.assertOK(self.post("GetUserMFAInfo", {"UserName": "alice"},
                                       token=self.owner_token), "GetUserMFAInfo")
        self.assertEqual(info["MFADevice"].get("Status"), "pending",
                         "a created device stays pending until bound: %r" % (info,))

    def test_device_seeds_distinct(self):
        self.create_user("alice", ALICE_PASSWORD)
        seeds = set()
        for _ in range(20):
            seeds.add(self.create_device(self.owner_token, "alice")["Base32StringSeed"])
        self.assertEqual(len(seeds), 20, "20 devices must get 20 different seeds")

    def test_quickstart_flow(self):
        server = self.server
        r = self.post("CreateUser", {"UserName": "alice", "DisplayName": "Alice"},
                      token=self.owner_token)
        user = self.assertOK(r, "CreateUser")["User"]
        self.assertEqual(user.get("UserName"), "alice", "CreateUser: %r" % (user,))
        self.assertEqual(user.get("DisplayName"), "Alice", "CreateUser: %r" % (user,))

        r = self.post("CreateLoginProfile", {"UserName": "alice", "Password": ALICE_PASSWORD,
                                             "PasswordResetRequired": False,
                                             "MFABindRequired": True}, token=self.owner_token)
        profile = self.assertOK(r, "CreateLoginProfile")["LoginProfile"]
        self.assertTrue(profile.get("MFABindRequired"), "profile: %r" % (profile,))
        self.assertNotIn("Password", profile, "the profile must not echo the password")

        device = self.create_device(self.owner_token, "alice")
        secret = device["Base32StringSeed"]

        server.align_step()
        now = server.now()
        code1 = totp(secret, now - STEP)
        code2 = totp(secret, now)
        r = self.post("BindMFADevice", {"UserName": "alice",
                                        "SerialNumber": device["SerialNumber"],
                                        "AuthenticationCode1": code1,
                                        "AuthenticationCode2": code2}, token=self.owner_token)
        self.assertOK(r, "BindMFADevice with two consecutive codes")
        info = self.assertOK(self.post("GetUserMFAInfo", {"UserName": "alice"},
                                       token=self.owner_token), "GetUserMFAInfo")
        self.assertEqual(info["MFADevice"].get("Status"), "bound", "after binding: %r" % (info,))

        server.align_step()
        r = self.login("alice@example", ALICE_PASSWORD)
        body = self.assertOK(r, "alice Login")
        self.assertEqual(body.get("Status"), "MFARequired", "alice Login: %r" % (body,))
        self.assertEqual(body.get("Methods"), ["totp"], "alice Login: %r" % (body,))
        self.assertNotIn("SessionToken", body, "no session before the second factor")
        self.assertIsNone(r.headers.get("Set-Cookie"), "no cookie before the second factor")

        r = self.login_mfa(body["Challenge"], totp(secret, server.now()))
        body = self.assertOK(r, "alice LoginMFA")
        self.assertEqual(body.get("Status"), "OK", "alice LoginMFA: %r" % (body,))
        self.assertEqual(body.get("Scope"), "full", "alice LoginMFA: %r" % (body,))
        token = body["SessionToken"]

        cookie = r.headers.get("Set-Cookie") or ""
        self.assertTrue(cookie.startswith("mfad_session=" + token + ";"),
                        "Set-Cookie must carry the token: %r" % cookie)
        attributes = [a.strip().lower() for a in cookie.split(";")[1:]]
        self.assertIn("httponly", attributes, "cookie: %r" % cookie)
        self.assertIn("samesite=strict", attributes, "cookie: %r" % cookie)
        self.assertIn("path=/", attributes, "cookie: %r" % cookie)
        self.assertFalse([a for a in attributes if a.startswith("domain")],
                         "cookie must have no Domain: %r" % cookie)

        csrf = body.get("CsrfToken")
        self.assertIsInstance(csrf, str, "LoginMFA must return a CsrfToken: %r" % (body,))
        for how, kwargs in (("bearer", {"token": token}),
                            ("cookie", {"cookie": token, "csrf": csrf})):
            who = self.assertOK(self.post("WhoAmI", **kwargs), "WhoAmI with " + how)
            self.assertEqual(who.get("Principal"), "alice@example", "%s: %r" % (how, who))
            self.assertEqual(who.get("Account"), "example", "%s: %r" % (how, who))
            self.assertIs(who.get("IsOwner"), False, "%s: %r" % (how, who))
            self.assertEqual(who.get("Factors"), ["password", "totp"], "%s: %r" % (how, who))
            self.assertEqual(who.get("Scope"), "full", "%s: %r" % (how, who))

        r = server.request("GET", "/api/v1/WhoAmI", headers={"Authorization": "Bearer " + token})
        self.assertEqual(r.status, 200, "GET WhoAmI: %r" % (r,))

        r = self.post("Logout", {}, token=token)
        self.assertOK(r, "Logout")
        cleared = r.headers.get("Set-Cookie") or ""
        self.assertIn("Max-Age=0", cleared, "Logout must clear the cookie: %r" % cleared)
        self.assertError(self.post("WhoAmI", token=token), 401, "NotAuthenticated",
                         "WhoAmI with the bearer token after Logout")
        self.assertError(self.post("WhoAmI", cookie=token), 401, "NotAuthenticated",
                         "WhoAmI with the cookie after Logout")


if __name__ == "__main__":
    unittest.main()
