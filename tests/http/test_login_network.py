"""The logon allow-list (LoginNetworkMasks) and the client address behind trusted proxies.

mfad listens on 127.0.0.1. The tests connect from 127.0.0.2, by binding the client socket to
that loopback address, to show a refusal, and from 127.0.0.1 to show success.
"""

import http.client
import json

import harness
import softauthn
from test_passkeys import webauthn_config

PASSWORD = "network user password 1"
OTHER_SOURCE = "127.0.0.2"      # a second loopback source address, outside the list
ALLOWED = "127.0.0.1/32; 10.0.0.0/8"
CANONICAL = "127.0.0.1/32, 10.0.0.0/8"
MAX_RANGES = 40                 # NETPOLICY_MAX_RANGES


class NetworkTestCase(harness.MfadTestCase):

    copy_init = True

    def post_from(self, source, action, body, headers=None):
        """POST /api/v1/ACTION from the local address source; return a harness.Response."""
        conn = http.client.HTTPConnection(harness.HOST, self.server.port,
                                          timeout=harness.REQUEST_TIMEOUT,
                                          source_address=(source, 0))
        all_headers = {"Content-Type": "application/json"}
        all_headers.update(headers or {})
        try:
            conn.request("POST", "/api/v1/" + action, body=json.dumps(body).encode(),
                         headers=all_headers)
            resp = conn.getresponse()
            return harness.Response(resp.status, resp.headers, resp.read())
        finally:
            conn.close()

    def set_masks(self, masks):
        return self.post("SetSecurityPreference", {"LoginNetworkMasks": masks},
                         token=self.owner_token)

    def masks(self):
        body = self.assertOK(self.post("GetSecurityPreference", {}, token=self.owner_token),
                             "GetSecurityPreference")
        return body["SecurityPreference"]["LoginProfilePreference"]["LoginNetworkMasks"]

    def login_from(self, source, principal, password=PASSWORD, headers=None):
        return self.post_from(source, "Login", {"Principal": principal, "Password": password},
                              headers)

    def assertDenied(self, r, what):
        self.assertError(r, 403, "LoginNetworkDenied", what)

    def denied_records(self):
        body = self.assertOK(self.post("ListAuditEvents", {"Event": "logon_network_denied"},
                                       token=self.owner_token), "ListAuditEvents")
        return body["AuditEvents"]


class MasksSettingTest(NetworkTestCase):

    def test_set_and_get(self):
        self.assertEqual(self.masks(), "", "a new account allows every address")
        body = self.assertOK(self.set_masks(ALLOWED), "SetSecurityPreference")
        pref = body["SecurityPreference"]["LoginProfilePreference"]
        self.assertEqual(pref["LoginNetworkMasks"], CANONICAL)
        self.assertTrue(pref["AllowUserToLoginWithPasskey"], "the other setting is kept")
        self.assertEqual(self.masks(), CANONICAL)
        self.assertOK(self.set_masks(""), "SetSecurityPreference empty")
        self.assertEqual(self.masks(), "")

    def test_invalid_lists_rejected(self):
        self.assertOK(self.set_masks(ALLOWED), "SetSecurityPreference")
        too_many = ",".join("10.0.%d.0/24" % i for i in range(MAX_RANGES)) + ",127.0.0.1"
        for masks, what in (("10.0.0.1/8", "bits set after the prefix"),
                            ("127.0.0.1, 300.0.0.0/8", "not an address"),
                            ("127.0.0.1/33", "prefix too long"),
                            (too_many, "41 ranges"),
                            ("10.0.0.0/8", "a list without the caller's address")):
            self.assertError(self.set_masks(masks), 400, "InvalidParameter", what)
        self.assertEqual(self.masks(), CANONICAL, "a rejected list changes nothing")

    def test_forty_ranges_allowed(self):
        masks = ";".join(["127.0.0.1"] + ["10.0.%d.0/24" % i for i in range(MAX_RANGES - 1)])
        self.assertOK(self.set_masks(masks), "SetSecurityPreference with 40 ranges")

    def test_only_owner(self):
        self.create_user("alice", PASSWORD)
        token = self.assertOK(self.login(self.principal("alice"), PASSWORD),
                              "Login alice")["SessionToken"]
        r = self.post("SetSecurityPreference", {"LoginNetworkMasks": ""}, token=token)
        self.assertError(r, 403, "Forbidden", "SetSecurityPreference by a user")


class LogonRejectionTest(NetworkTestCase):

    def setUp(self):
        super().setUp()
        self.create_user("alice", PASSWORD)
        self.assertOK(self.set_masks(ALLOWED), "SetSecurityPreference")

    def test_password_step(self):
        self.assertDenied(self.login_from(OTHER_SOURCE, self.principal("alice")),
                          "Login from outside the list")
        body = self.assertOK(self.login_from(harness.HOST, self.principal("alice")),
                             "Login from inside the list")
        self.assertEqual(body["Status"], "OK")
        self.assertDenied(self.login_from(OTHER_SOURCE, self.server.alias,
                                          harness.OWNER_PASSWORD), "owner Login from outside")

    def test_no_user_enumeration(self):
        known = self.login_from(OTHER_SOURCE, self.principal("alice"), "wrong password 1")
        unknown = self.login_from(OTHER_SOURCE, self.principal("nobody"), "wrong password 1")
        right = self.login_from(OTHER_SOURCE, self.principal("alice"))
        for r, what in ((known, "wrong password"), (unknown, "unknown user"),
                        (right, "right password")):
            self.assertDenied(r, what)
        self.assertEqual(known.raw, unknown.raw, "the same body for a known and unknown user")
        self.assertEqual(right.raw, unknown.raw, "the same body for a right password")

    def test_refusals_do_not_lock(self):
        for _ in range(12):
            self.assertDenied(self.login_from(OTHER_SOURCE, self.principal("alice"), "wrong 1"),
                              "wrong password from outside")
        body = self.assertOK(self.login_from(harness.HOST, self.principal("alice")),
                             "Login from inside after many refusals")
        self.assertEqual(body["Status"], "OK")

    def test_second_factor_steps(self):
        secret = self.enrol_user("bob", PASSWORD)
        challenge = self.challenge(self.principal("bob"), PASSWORD)
        code = self.server.code(secret)
        for action, body in (("LoginMFA", {"Challenge": challenge, "Method": "totp",
                                           "Code": code}),
                             ("LoginMFA", {"Challenge": challenge, "Method": "email",
                                           "Code": "123456"}),
                             ("LoginMFA", {"Challenge": challenge, "Method": "passkey",
                                           "Credential": {}}),
                             ("SendLoginEmailCode", {"Challenge": challenge}),
                             ("StartPasskeyLogin", {"Challenge": challenge})):
            self.assertDenied(self.post_from(OTHER_SOURCE, action, body),
                              "%s %s from outside" % (action, body.get("Method", "")))
        body = self.assertOK(self.post_from(harness.HOST, "LoginMFA", {
            "Challenge": challenge, "Method": "totp", "Code": code}), "LoginMFA from inside")
        self.assertEqual(body["Status"], "OK", "the refusals did not spend the challenge")

    def test_refusal_audited(self):
        self.assertDenied(self.login_from(OTHER_SOURCE, self.principal("alice")), "Login")
        records = self.denied_records()
        self.assertEqual(len(records), 1, "one record: %r" % records)
        self.assertEqual(records[0]["SourceAddress"], OTHER_SOURCE)
        self.assertEqual(records[0]["Outcome"], "failure")
        self.assertIsNotNone(records[0]["UserId"], "the user is named for the owner")

    def test_empty_list_allows_all(self):
        self.assertOK(self.set_masks(""), "SetSecurityPreference empty")
        body = self.assertOK(self.login_from(OTHER_SOURCE, self.principal("alice")),
                             "Login from 127.0.0.2 with no list")
        self.assertEqual(body["Status"], "OK")

    def test_forged_forwarded_for_ignored(self):
        r = self.login_from(OTHER_SOURCE, self.principal("alice"),
                            headers={"X-Forwarded-For": "127.0.0.1"})
        self.assertDenied(r, "an untrusted client naming an allowed address")
        body = self.assertOK(self.login_from(harness.HOST, self.principal("alice"),
                                             headers={"X-Forwarded-For": OTHER_SOURCE}),
                             "an untrusted header naming a denied address")
        self.assertEqual(body["Status"], "OK")


class PasswordlessRejectionTest(NetworkTestCase):

    config = webauthn_config()

    def test_login_passkey(self):
        auth = softauthn.SoftAuthenticator(self.server.origin)
        options = self.assertOK(self.post("StartPasskeyRegistration", {},
                                          token=self.owner_token),
                                "StartPasskeyRegistration")["Options"]
        response, _ = auth.create(options)
        self.assertOK(self.post("FinishPasskeyRegistration", {"Credential": response},
                                token=self.owner_token), "FinishPasskeyRegistration")
        self.assertOK(self.set_masks(ALLOWED), "SetSecurityPreference")

        # A challenge without a logon names no account, so it is handed out to anyone.
        options = self.assertOK(self.post_from(OTHER_SOURCE, "StartPasskeyLogin", {}),
                                "StartPasskeyLogin from outside")["Options"]
        r = self.post_from(OTHER_SOURCE, "LoginPasskey", {"Credential": auth.get(options)})
        self.assertDenied(r, "LoginPasskey from outside")
        options = self.assertOK(self.post_from(harness.HOST, "StartPasskeyLogin", {}),
                                "StartPasskeyLogin from inside")["Options"]
        body = self.assertOK(self.post_from(harness.HOST, "LoginPasskey",
                                            {"Credential": auth.get(options)}),
                             "LoginPasskey from inside")
        self.assertEqual(body["Status"], "OK")


class TrustedProxyTest(NetworkTestCase):

    config = {"http": {"trusted_proxies": "127.0.0.1"}}

    def setUp(self):
        super().setUp()
        self.create_user("alice", PASSWORD)
        self.assertOK(self.set_masks(ALLOWED), "SetSecurityPreference")

    def test_forwarded_for_decides(self):
        self.assertDenied(self.login_from(harness.HOST, self.principal("alice"),
                                          headers={"X-Forwarded-For": "192.0.2.7"}),
                          "a proxied client outside the list")
        body = self.assertOK(self.login_from(harness.HOST, self.principal("alice"),
                                             headers={"X-Forwarded-For": "10.1.2.3"}),
                             "a proxied client inside the list")
        self.assertEqual(body["Status"], "OK")
        records = self.denied_records()
        self.assertEqual([e["SourceAddress"] for e in records], ["192.0.2.7"],
                         "the audit log has the proxied client's address")

    def test_forged_entry_before_proxy_entry(self):
        # The client wrote 10.1.2.3; the proxy appended the peer it saw, 192.0.2.7.
        r = self.login_from(harness.HOST, self.principal("alice"),
                            headers={"X-Forwarded-For": "10.1.2.3, 192.0.2.7"})
        self.assertDenied(r, "a forged allowed address ahead of the proxy's entry")

    def test_untrusted_source_header_ignored(self):
        r = self.login_from(OTHER_SOURCE, self.principal("alice"),
                            headers={"X-Forwarded-For": "10.1.2.3"})
        self.assertDenied(r, "a header from a source that is no trusted proxy")

    def test_malformed_header_rejected(self):
        r = self.login_from(harness.HOST, self.principal("alice"),
                            headers={"X-Forwarded-For": "not-an-address"})
        self.assertError(r, 400, "InvalidForwardedFor", "a malformed header from the proxy")
