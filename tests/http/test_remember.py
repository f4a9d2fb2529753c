"""HTTP tests of "remember MFA on this browser": the EnableSaveMFATicket setting, LoginMFA
with RememberBrowser, the mfad_remember cookie at the next Login, and forgetting browsers.

A remembered browser skips the second factor only for its own user, only until it expires
(7 days) or is forgotten, and never counts as a step-up.
"""

import hashlib
import json
import subprocess
import unittest

import harness

ALICE_PASSWORD = "alice remember password 1"
ALICE_NEW_PASSWORD = "alice remember password 2"
BOB_PASSWORD = "bob remember password 1"
REMEMBER_S = 7 * 86400
COOKIE = "mfad_remember"


class RememberTestCase(harness.MfadTestCase):
    """alice and bob have TOTP devices; the owner has turned EnableSaveMFATicket on."""

    enable = True

    def setUp(self):
        super().setUp()
        self.alice_secret = self.enrol_user("alice", ALICE_PASSWORD)
        self.bob_secret = self.enrol_user("bob", BOB_PASSWORD)
        if self.enable:
            self.set_preference(True)

    def send(self, action, body=None, token=None, remember=None):
        """POST action with the remembered-browser cookie when given; return the Response."""
        headers = {"Content-Type": "application/json", "User-Agent": "remember-test/1.0"}
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        if remember is not None:
            headers["Cookie"] = "%s=%s" % (COOKIE, remember)
        data = json.dumps(body if body is not None else {}).encode()
        return self.server.request("POST", "/api/v1/" + action, body=data, headers=headers)

    def set_preference(self, on):
        r = self.post("SetSecurityPreference", {"EnableSaveMFATicket": on},
                      token=self.owner_token)
        body = self.assertOK(r, "SetSecurityPreference %s" % on)
        self.assertEqual(body["SecurityPreference"]["MFAPreference"]["EnableSaveMFATicket"], on)

    def remember_cookie(self, r):
        """Return the mfad_remember value of r's Set-Cookie headers, or None."""
        for header in r.headers.get_all("Set-Cookie") or []:
            if header.startswith(COOKIE + "="):
                return header
        return None

    def mfa_logon(self, name, password, secret, remember=True, cookie=None):
        """Log on with a code and RememberBrowser; return (body, Set-Cookie of the browser)."""
        r = self.send("Login", {"Principal": self.principal(name), "Password": password},
                      remember=cookie)
        body = self.assertOK(r, "Login %s" % name)
        self.assertEqual(body["Status"], "MFARequired", "Login %s: %r" % (name, body))
        self.server.align_step()
        r = self.send("LoginMFA", {"Challenge": body["Challenge"], "Method": "totp",
                                   "Code": self.server.code(secret),
                                   "RememberBrowser": remember}, remember=cookie)
        body = self.assertOK(r, "LoginMFA %s" % name)
        self.assertEqual(body["Status"], "OK")
        return body, self.remember_cookie(r)

    def remember(self, name="alice", password=ALICE_PASSWORD, secret=None):
        """Log on with RememberBrowser and return the cookie's value."""
        body, header = self.mfa_logon(name, password, secret or self.alice_secret)
        self.assertTrue(body["BrowserRemembered"], body)
        self.assertIsNotNone(header, "no %s cookie after LoginMFA" % COOKIE)
        return header.split(";", 1)[0].split("=", 1)[1]

    def login_with(self, cookie, name="alice", password=ALICE_PASSWORD):
        r = self.send("Login", {"Principal": self.principal(name), "Password": password},
                      remember=cookie)
        return self.assertOK(r, "Login %s with a remembered browser" % name)

    def assertSkipsMFA(self, cookie, what, name="alice", password=ALICE_PASSWORD):
        body = self.login_with(cookie, name, password)
        self.assertEqual(body["Status"], "OK", "%s: %r" % (what, body))
        self.assertEqual(body["Factors"], ["password", "remembered"], what)
        return body["SessionToken"]

    def assertAsksMFA(self, cookie, what, name="alice", password=ALICE_PASSWORD):
        body = self.login_with(cookie, name, password)
        self.assertEqual(body["Status"], "MFARequired", "%s: %r" % (what, body))

    def audit(self, event):
        r = self.post("ListAuditEvents", {"Event": event}, token=self.owner_token)
        return self.assertOK(r, "ListAuditEvents %s" % event)["AuditEvents"]


class RememberOffTest(RememberTestCase):
    enable = False

    def test_off_by_default(self):
        r = self.post("GetSecurityPreference", {}, token=self.owner_token)
        pref = self.assertOK(r, "GetSecurityPreference")["SecurityPreference"]
        self.assertFalse(pref["MFAPreference"]["EnableSaveMFATicket"])
        body, header = self.mfa_logon("alice", ALICE_PASSWORD, self.alice_secret)
        self.assertFalse(body["BrowserRemembered"])
        self.assertIsNone(header)
        self.assertEqual(self.audit("browser_remember"), [])

    def test_invalid_setting(self):
        self.assertError(self.post("SetSecurityPreference", {"EnableSaveMFATicket": "yes"},
                                   token=self.owner_token), 400, "InvalidParameter",
                         "EnableSaveMFATicket as a string")


class RememberTest(RememberTestCase):

    def test_cookie_attributes(self):
        body, header = self.mfa_logon("alice", ALICE_PASSWORD, self.alice_secret)
        attributes = [part.strip() for part in header.split(";")]
        value = attributes[0].split("=", 1)[1]
        self.assertRegex(value, r"^[A-Za-z0-9_-]{43}$")
        self.assertIn("HttpOnly", attributes)
        self.assertIn("SameSite=Strict", attributes)
        self.assertIn("Path=/", attributes)
        self.assertIn("Max-Age=%d" % REMEMBER_S, attributes)
        self.assertNotIn(value, json.dumps(body))
        # Without RememberBrowser no cookie is set.
        body, header = self.mfa_logon("alice", ALICE_PASSWORD, self.alice_secret,
                                      remember=False)
        self.assertIsNone(header)
        self.assertNotIn("BrowserRemembered", body)

    def test_skips_mfa_for_its_user(self):
        cookie = self.remember()
        token = self.assertSkipsMFA(cookie, "Login with the cookie")
        who = self.assertOK(self.post("WhoAmI", {}, token=token), "WhoAmI")
        self.assertEqual(who["Factors"], ["password", "remembered"])
        self.assertAsksMFA(None, "Login without the cookie")
        self.assertAsksMFA("A" * 43, "Login with a forged cookie")
        # The cookie is alice's: bob still needs his code.
        self.assertAsksMFA(cookie, "bob with alice's cookie", "bob", BOB_PASSWORD)
        # The password is still checked.
        r = self.send("Login", {"Principal": self.principal("alice"), "Password": "wrong one"},
                      remember=cookie)
        self.assertError(r, 401, "InvalidCredentials", "a wrong password with the cookie")
        records = [e for e in self.audit("logon_success")
                   if e["Detail"].startswith("factors=password,remembered")]
        self.assertEqual(len(records), 1, records)
        self.assertEqual(len(self.audit("browser_remember")), 1)

    def test_never_a_step_up(self):
        cookie = self.remember()
        token = self.assertSkipsMFA(cookie, "Login with the cookie")
        r = self.post("CreateAccessToken", {}, token=token)
        self.assertError(r, 403, "MFARequired", "a sensitive action in a remembered session")
        self.assertEqual(r.json["Methods"], ["totp"])
        r = self.post("ChangePassword", {"OldPassword": ALICE_PASSWORD,
                                         "NewPassword": ALICE_NEW_PASSWORD}, token=token)
        self.assertError(r, 403, "MFARequired", "ChangePassword in a remembered session")
        self.step_up(token, self.alice_secret)
        self.assertOK(self.post("CreateAccessToken", {}, token=token),
                      "CreateAccessToken after StepUp")

    def test_expires_after_seven_days(self):
        cookie = self.remember()
        self.server.advance(REMEMBER_S - 60)
        self.owner_token = self.logon_owner()
        self.assertSkipsMFA(cookie, "Login a minute before expiry")
        self.server.advance(60)
        self.assertAsksMFA(cookie, "Login at expiry")

    def test_list_and_forget(self):
        first = self.remember()
        second = self.remember()
        token = self.assertSkipsMFA(second, "Login with the second cookie")
        r = self.send("ListRememberedBrowsers", token=token, remember=second)
        rows = self.assertOK(r, "ListRememberedBrowsers")["RememberedBrowsers"]
        self.assertEqual(len(rows), 2, rows)
        self.assertEqual([row["Current"] for row in rows], [True, False])
        self.assertEqual(rows[0]["UserAgent"], '"remember-test/1.0"')
        self.assertEqual(rows[0]["ExpireDate"] - rows[0]["CreateDate"], REMEMBER_S)
        for value in (first, second):
            self.assertNotIn(value.encode(), r.raw)
            self.assertNotIn(hashlib.sha256(value.encode()).hexdigest().encode(), r.raw.lower())

        # bob cannot forget alice's browser; alice forgets the first one.
        bob = self.logon_mfa_user(self.principal("bob"), BOB_PASSWORD, self.bob_secret)
        self.assertError(self.post("ForgetRememberedBrowser", {"Id": rows[1]["Id"]},
                                   token=bob), 404, "EntityNotExist.RememberedBrowser",
                         "bob forgets alice's browser")
        self.assertOK(self.post("ForgetRememberedBrowser", {"Id": rows[1]["Id"]},
                                token=token), "ForgetRememberedBrowser")
        self.assertAsksMFA(first, "Login with the forgotten cookie")
        self.assertSkipsMFA(second, "Login with the other cookie")

        r = self.send("ForgetAllRememberedBrowsers", token=token, remember=second)
        self.assertEqual(self.assertOK(r, "ForgetAllRememberedBrowsers")["ForgottenCount"], 1)
        self.assertIn("%s=;" % COOKIE, self.remember_cookie(r))
        self.assertAsksMFA(second, "Login after ForgetAllRememberedBrowsers")
        self.assertTrue([e for e in self.audit("browser_forget")
                         if e["Detail"] == "browser_id=%s" % rows[1]["Id"]])
        self.assertTrue([e for e in self.audit("browser_forget")
                         if e["Detail"] == "reason=user_request count=1"])

    def test_owner_lists_and_forgets(self):
        cookie = self.remember()
        rows = self.assertOK(self.post("ListRememberedBrowsers", {"UserName": "alice"},
                                       token=self.owner_token), "owner list")
        self.assertEqual(len(rows["RememberedBrowsers"]), 1)
        body = self.assertOK(self.post("ForgetAllRememberedBrowsers", {"UserName": "alice"},
                                       token=self.owner_token), "owner ForgetAll")
        self.assertEqual(body["ForgottenCount"], 1)
        self.assertAsksMFA(cookie, "Login after the owner forgot the browser")

    def test_change_password_forgets(self):
        cookie = self.remember()
        self.server.align_step()     # the next code is from a step not used yet
        token = self.logon_mfa_user(self.principal("alice"), ALICE_PASSWORD, self.alice_secret)
        self.assertOK(self.post("ChangePassword", {"OldPassword": ALICE_PASSWORD,
                                                   "NewPassword": ALICE_NEW_PASSWORD},
                                token=token), "ChangePassword")
        self.assertAsksMFA(cookie, "Login after ChangePassword", password=ALICE_NEW_PASSWORD)
        self.assertTrue([e for e in self.audit("browser_forget")
                         if e["Detail"] == "reason=password_change count=1"])

    def test_owner_password_set_forgets(self):
        cookie = self.remember()
        self.assertOK(self.post("UpdateLoginProfile", {"UserName": "alice",
                                                       "Password": ALICE_NEW_PASSWORD},
                                token=self.owner_token), "UpdateLoginProfile")
        self.assertAsksMFA(cookie, "Login after the owner set a password",
                           password=ALICE_NEW_PASSWORD)

    def test_setting_off_forgets(self):
        cookie = self.remember()
        self.set_preference(False)
        self.assertAsksMFA(cookie, "Login with the setting off")
        self.set_preference(True)
        self.assertAsksMFA(cookie, "Login with the setting on again")
        changes = [e["Detail"] for e in self.audit("security_preference")]
        self.assertIn("EnableSaveMFATicket=false", changes)

    def test_database_keeps_only_the_hash(self):
        cookie = self.remember()
        out = subprocess.run([harness.SQLITE3, self.server.db_path, ".dump"],
                             capture_output=True, text=True, check=True, timeout=60)
        self.assertIn("CREATE TABLE remembered_browsers", out.stdout)
        self.assertNotIn(cookie, out.stdout)
        self.assertIn(hashlib.sha256(cookie.encode()).hexdigest().upper(), out.stdout.upper())


try:
    import test_passkeys    # needs python3-cryptography and python3-cbor2 for softauthn
except ImportError:
    test_passkeys = None


@unittest.skipIf(test_passkeys is None, "python3-cryptography or python3-cbor2 is missing")
class PasskeyRememberTest(test_passkeys.PasskeyTestCase if test_passkeys else
                          harness.MfadTestCase):
    """A passkey as the second factor can be remembered like a TOTP code."""

    def test_passkey_factor_remembered(self):
        r = self.post("SetSecurityPreference", {"EnableSaveMFATicket": True},
                      token=self.owner_token)
        self.assertOK(r, "SetSecurityPreference")
        self.register(self.add_user("erin"))
        challenge = self.logon_challenge("erin")
        assertion = self.auth.get(self.start_login(challenge))
        r = self.post("LoginMFA", {"Challenge": challenge, "Method": "passkey",
                                   "Credential": assertion, "RememberBrowser": True})
        body = self.assertOK(r, "LoginMFA with a passkey")
        self.assertTrue(body["BrowserRemembered"], body)
        cookie = [h for h in r.headers.get_all("Set-Cookie") if h.startswith(COOKIE + "=")]
        self.assertEqual(len(cookie), 1, r.headers)
        value = cookie[0].split(";", 1)[0].split("=", 1)[1]

        r = self.server.request("POST", "/api/v1/Login", body=json.dumps({
            "Principal": self.principal("erin"), "Password": test_passkeys.PASSWORD}).encode(),
            headers={"Content-Type": "application/json", "Cookie": "%s=%s" % (COOKIE, value)})
        body = self.assertOK(r, "Login with the remembered browser")
        self.assertEqual(body["Status"], "OK", body)
        self.assertEqual(body["Factors"], ["password", "remembered"])
