"""Hostile and malformed requests, authorization between users, and ListUsers paging."""

import json
import unittest

import harness

MAX_BODY = 64 * 1024    # default server.max_body
PASSWORD = "user password 1"


class InputTest(harness.MfadTestCase):
    """Tests that share one mfad, so each uses its own user names and never moves the clock."""

    @classmethod
    def setUpClass(cls):
        cls.shared_server = harness.start_server(cls.addClassCleanup)

    def setUp(self):
        self.server = self.shared_server
        self.owner_token = self.logon_owner()

    def tearDown(self):
        self.assertTrue(self.server.running(), "mfad exited; log:\n%s"
                        % self.server.log_text()[-3000:])
        self.assertTrue(self.server.healthy(), "mfad stopped responding to /healthz")

    def raw_post(self, action, body, headers=()):
        """Send a POST with hand-made headers over a raw socket and return (status, bytes)."""
        lines = ["POST /api/v1/%s HTTP/1.1" % action, "Host: 127.0.0.1", "Connection: close"]
        lines.extend(headers)
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        return self.server.raw_request(head + body)

    # ---- JSON ----

    def test_malformed_json_rejected(self):
        r = self.post("CreateUser", raw_body=b'{"UserName": ', token=self.owner_token)
        self.assertError(r, 400, "MalformedJSON", "truncated JSON")

    def test_json_array_rejected(self):
        r = self.post("CreateUser", raw_body=b'["alice"]', token=self.owner_token)
        self.assertError(r, 400, "MalformedJSON", "a JSON array as body")

    def test_json_scalar_rejected(self):
        for raw in (b'"alice"', b"42", b"null", b"true"):
            r = self.post("CreateUser", raw_body=raw, token=self.owner_token)
            self.assertError(r, 400, "MalformedJSON", "body %r" % raw)

    def test_duplicate_key_rejected(self):
        raw = b'{"UserName": "dup1", "UserName": "dup2"}'
        r = self.post("CreateUser", raw_body=raw, token=self.owner_token)
        self.assertError(r, 400, "MalformedJSON", "duplicate keys")
        self.assertIn("names a field twice", r.json["message"], "message says what is wrong")

    def test_invalid_utf8_rejected(self):
        r = self.post("CreateUser", raw_body=b'{"UserName": "a\xff\xfeb"}',
                      token=self.owner_token)
        self.assertError(r, 400, "MalformedJSON", "invalid UTF-8 in a string")

    def test_missing_field_named(self):
        r = self.post("CreateUser", {}, token=self.owner_token)
        self.assertError(r, 400, "MissingParameter", "CreateUser without UserName")
        self.assertIn("UserName", r.json.get("message", ""), "message: %r" % (r.json,))
        r = self.post("Login", {"Principal": "example"})
        self.assertError(r, 400, "MissingParameter", "Login without Password")
        self.assertIn("Password", r.json.get("message", ""), "message: %r" % (r.json,))

    def test_wrong_type_rejected(self):
        cases = (("CreateUser", {"UserName": 5}, "UserName"),
                 ("CreateUser", {"UserName": ["a"]}, "UserName"),
                 ("ListUsers", {"MaxItems": "10"}, "MaxItems"),
                 ("ListUsers", {"MaxItems": 1.5}, "MaxItems"),
                 ("Login", {"Principal": {"a": 1}, "Password": "x"}, "Principal"))
        for action, body, field in cases:
            r = self.post(action, body, token=self.owner_token)
            self.assertError(r, 400, "InvalidParameter", "%s %r" % (action, body))
            self.assertIn(field, r.json.get("message", ""), "message: %r" % (r.json,))

    def test_max_items_range_checked(self):
        for value in (0, -1, 1001, 2 ** 32 + 2):
            r = self.post("ListUsers", {"MaxItems": value}, token=self.owner_token)
            self.assertError(r, 400, "InvalidParameter", "MaxItems %d" % value)
        # jansson rejects integers past int64 while parsing, so the code is MalformedJSON.
        r = self.post("ListUsers", {"MaxItems": 2 ** 63}, token=self.owner_token)
        self.assertError(r, 400, "MalformedJSON", "MaxItems 2**63")
        self.assertIn("number too large", r.json["message"], "message says what is wrong")

    def test_nul_in_string_rejected(self):
        r = self.post("CreateUser", raw_body=b'{"UserName": "nul\\u0000user"}',
                      token=self.owner_token)
        self.assertEqual(r.status, 400, "NUL in UserName: %r" % (r,))
        self.assertIn(r.json.get("code"), ("MalformedJSON", "InvalidParameter"),
                      "NUL in UserName: %r" % (r.json,))
        r = self.post("GetUser", {"UserName": "nuluser"}, token=self.owner_token)
        self.assertError(r, 404, "EntityNotExist.User", "the NUL name must not be cut short")

        self.post("CreateUser", {"UserName": "nulpw"}, token=self.owner_token)
        r = self.post("CreateLoginProfile", raw_body=json.dumps(
            {"UserName": "nulpw", "Password": "password\u0000tail"}).encode(),
            token=self.owner_token)
        self.assertEqual(r.status, 400, "NUL in Password: %r" % (r,))

    # ---- routing and HTTP ----

    def test_unknown_action_404(self):
        for path in ("/api/v1/NoSuchAction", "/api/v1/", "/api/v2/Login", "/",
                     "/api/v1/Login/extra", "/api/v1/login"):
            r = self.server.request("POST", path, body=b"{}",
                                    headers={"Content-Type": "application/json"})
            self.assertError(r, 404, "UnknownAction", "POST %s" % path)

    def test_get_on_post_action_405(self):
        for method in ("GET", "PUT", "DELETE", "PATCH"):
            r = self.server.request(method, "/api/v1/CreateUser",
                                    headers={"Authorization": "Bearer " + self.owner_token})
            self.assertError(r, 405, "MethodNotAllowed", "%s CreateUser" % method)
        r = self.server.request("GET", "/api/v1/WhoAmI",
                                headers={"Authorization": "Bearer " + self.owner_token})
        self.assertEqual(r.status, 200, "GET WhoAmI is allowed: %r" % (r,))

    def test_body_over_limit_413(self):
        r = self.post("CreateUser", raw_body=b" " * (MAX_BODY + 1), token=self.owner_token)
        self.assertError(r, 413, "RequestTooLarge", "body of 64 KiB + 1 with Content-Length")

    def test_body_at_limit_accepted(self):
        body = b'{"UserName": "atlimit"}'
        body += b" " * (MAX_BODY - len(body))
        r = self.post("CreateUser", raw_body=body, token=self.owner_token)
        self.assertOK(r, "body of exactly 64 KiB")

    def test_huge_content_length_413(self):
        status, response = self.raw_post("CreateUser", b"{}", (
            "Content-Type: application/json", "Content-Length: 99999999999",
            "Authorization: Bearer " + self.owner_token))
        self.assertEqual(status, 413, "Content-Length 99999999999: %r" % response[:300])

    def test_chunked_body_over_limit_413(self):
        chunk = b" " * 8192
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(9)) + b"0\r\n\r\n"
        status, response = self.raw_post("CreateUser", body, (
            "Content-Type: application/json", "Transfer-Encoding: chunked",
            "Authorization: Bearer " + self.owner_token))
        self.assertEqual(status, 413, "chunked body of 72 KiB: %r" % response[:300])

    def test_chunked_body_accepted(self):
        payload = b'{"UserName": "chunked"}'
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload)
        status, response = self.raw_post("CreateUser", body, (
            "Content-Type: application/json", "Transfer-Encoding: chunked",
            "Authorization: Bearer " + self.owner_token))
        self.assertEqual(status, 200, "small chunked body: %r" % response[:300])

    def test_wrong_content_type_415(self):
        for content_type in ("text/plain", "application/x-www-form-urlencoded",
                             "application/jsonx", "multipart/form-data; boundary=x", None):
            r = self.post("CreateUser", {"UserName": "ctype"}, token=self.owner_token,
                          content_type=content_type)
            self.assertError(r, 415, "UnsupportedMediaType", "Content-Type %r" % content_type)
        r = self.post("CreateUser", {"UserName": "ctype"}, token=self.owner_token,
                      content_type="application/json; charset=utf-8")
        self.assertOK(r, "Content-Type with a charset")

    def test_empty_body_is_empty_object(self):
        r = self.post("WhoAmI", token=self.owner_token, content_type=None)
        self.assertOK(r, "POST WhoAmI with no body and no Content-Type")

    def test_garbage_request_line(self):
        status, _ = self.server.raw_request(b"\x00\x01\x02 garbage\r\n\r\n")
        self.assertNotEqual(status, 200, "a garbage request line must not succeed")

    # ---- authentication and authorization ----

    def test_no_session_401(self):
        self.assertError(self.post("CreateUser", {"UserName": "nosession"}), 401,
                         "NotAuthenticated", "CreateUser without a session")
        for token in ("x", "A" * 43, "A" * 44, self.owner_token + "A",
                      self.owner_token[:-1]):
            self.assertError(self.post("WhoAmI", token=token), 401, "NotAuthenticated",
                             "bearer %r" % token[:50])
            self.assertError(self.post("WhoAmI", cookie=token), 401, "NotAuthenticated",
                             "cookie %r" % token[:50])

    def user_token(self, name):
        self.create_user(name, PASSWORD)
        body = self.assertOK(self.login(self.principal(name), PASSWORD), "Login %s" % name)
        return body["SessionToken"]

    def test_non_owner_create_user_forbidden(self):
        token = self.user_token("plain1")
        for action, body in (("CreateUser", {"UserName": "byuser"}), ("ListUsers", {}),
                             ("DeleteUser", {"UserName": "plain1"}),
                             ("CreateLoginProfile", {"UserName": "plain1",
                                                     "Password": "12345678"}),
                             ("UnbindMFADevice", {"UserName": "plain1"}),
                             ("ListVirtualMFADevices", {})):
            self.assertError(self.post(action, body, token=token), 403, "Forbidden",
                             "%s by a user that is not the owner" % action)

    def test_user_cannot_read_other_user(self):
        token_a = self.user_token("usera")
        self.create_user("userb", PASSWORD)
        for action in ("GetUser", "GetUserMFAInfo", "CreateVirtualMFADevice"):
            self.assertError(self.post(action, {"UserName": "userb"}, token=token_a), 403,
                             "Forbidden", "%s on another user" % action)
        body = self.assertOK(self.post("GetUser", {"UserName": "usera"}, token=token_a),
                             "GetUser on itself")
        self.assertEqual(body["User"].get("UserName"), "usera", "GetUser: %r" % (body,))
        body = self.assertOK(self.post("GetUser", {"UserName": "USERA"}, token=token_a),
                             "GetUser on itself, other case")

    # ---- values ----

    def test_short_password_rejected(self):
        self.post("CreateUser", {"UserName": "pwlen"}, token=self.owner_token)
        for password in ("1234567", "\u00e9" * 7):
            r = self.post("CreateLoginProfile", {"UserName": "pwlen", "Password": password},
                          token=self.owner_token)
            self.assertError(r, 400, "InvalidParameter",
                             "a password of 7 characters (%d bytes)" % len(password.encode()))
        # With MFABindRequired the password never logs on alone, so 8 characters are enough.
        r = self.post("CreateLoginProfile", {"UserName": "pwlen", "MFABindRequired": True,
                                             "Password": "\u00e9\u00e8\u00ea\u00eb\u00e0"
                                                         "\u00e2\u00e4\u00e7"},
                      token=self.owner_token)
        self.assertOK(r, "a password of 8 characters in 16 bytes")

    def test_long_password_rejected(self):
        self.post("CreateUser", {"UserName": "pwlong"}, token=self.owner_token)
        r = self.post("CreateLoginProfile", {"UserName": "pwlong", "Password": "a" * 1025},
                      token=self.owner_token)
        self.assertError(r, 400, "InvalidParameter", "a password of 1025 characters")
        r = self.post("CreateLoginProfile", {"UserName": "pwlong", "Password": "b" * 1024},
                      token=self.owner_token)
        self.assertOK(r, "a password of 1024 characters")
        body = self.assertOK(self.login("pwlong@example", "b" * 1024), "Login, 1024 characters")
        self.assertEqual(body.get("Status"), "OK", "Login: %r" % (body,))
        self.assertError(self.login("pwlong@example", "b" * 1023 + "c"), 401,
                         "InvalidCredentials", "the last character changed")

    def test_invalid_user_name_rejected(self):
        for name in ("", "al ice", "a/b", "a@b", "\u00e4lice", "x" * 65):
            r = self.post("CreateUser", {"UserName": name}, token=self.owner_token)
            self.assertError(r, 400, "InvalidParameter", "UserName %r" % name)
        self.assertOK(self.post("CreateUser", {"UserName": "y" * 64}, token=self.owner_token),
                      "UserName of 64 characters")

    def test_duplicate_user_409(self):
        self.assertOK(self.post("CreateUser", {"UserName": "Dupe"}, token=self.owner_token),
                      "CreateUser Dupe")
        for name in ("Dupe", "dupe", "DUPE"):
            r = self.post("CreateUser", {"UserName": name}, token=self.owner_token)
            self.assertError(r, 409, "EntityAlreadyExists.User", "CreateUser %s again" % name)

    def test_list_users_paging(self):
        names = ["page%02d" % i for i in range(7)]
        for name in names:
            self.assertOK(self.post("CreateUser", {"UserName": name}, token=self.owner_token),
                          "CreateUser %s" % name)
        seen = []
        marker = ""
        for _page in range(100):
            body = self.assertOK(self.post("ListUsers", {"Marker": marker, "MaxItems": 2},
                                           token=self.owner_token), "ListUsers")
            users = body.get("Users", [])
            self.assertLessEqual(len(users), 2, "MaxItems 2 returned %d users" % len(users))
            seen.extend(u["UserName"] for u in users)
            if not body.get("IsTruncated"):
                self.assertNotIn("Marker", body, "last page has no Marker: %r" % (body,))
                break
            self.assertEqual(len(users), 2, "a truncated page must be full: %r" % (body,))
            self.assertEqual(body.get("Marker"), users[-1]["UserName"], "Marker: %r" % (body,))
            marker = body["Marker"]
        else:
            self.fail("ListUsers paging did not end")
        self.assertEqual(len(seen), len(set(seen)), "a user appeared twice: %r" % seen)
        self.assertEqual(seen, sorted(seen, key=str.lower), "pages are out of order: %r" % seen)
        self.assertNotIn("", seen, "the owner must not be listed as a user: %r" % seen)
        for name in names:
            self.assertIn(name, seen, "%s missing from the pages" % name)


class NoTestClockTest(harness.MfadTestCase):
    test_clock = False

    def test_set_clock_absent_without_flag(self):
        r = self.post("_test/SetClock", {"Offset": 3600})
        self.assertError(r, 404, "UnknownAction", "SetClock without --test-clock")


if __name__ == "__main__":
    unittest.main()
