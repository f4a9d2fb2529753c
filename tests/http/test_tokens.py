"""HTTP tests of API tokens: CreateAccessToken, ListAccessTokens, DeleteAccessToken, their use
as "Authorization: Bearer mfat_...", and mfactl token.

A token acts with full scope but is no second factor: it may not step up, create a token or
call a sensitive action. Deleted and expired tokens must stop working at once, and the
database must keep only the token's SHA-256.
"""

import hashlib
import re
import subprocess

import harness

BOB_PASSWORD = "bob tokens password 1"
CAROL_PASSWORD = "carol tokens password 1"
TOKEN = re.compile(r"^mfat_[A-Za-z0-9_-]{43}$")
DAY_S = 86400


class TokensTestCase(harness.MfadTestCase):

    def create_token(self, session, what="CreateAccessToken", **body):
        r = self.post("CreateAccessToken", body, token=session)
        return self.assertOK(r, what)["AccessToken"]

    def tokens(self, session, user=None):
        body = {} if user is None else {"UserName": user}
        r = self.post("ListAccessTokens", body, token=session)
        return self.assertOK(r, "ListAccessTokens")["AccessTokens"]

    def assertRejected(self, token, what):
        self.assertError(self.post("WhoAmI", {}, token=token), 401, "NotAuthenticated", what)

    def audit(self, event, outcome=None):
        r = self.post("ListAuditEvents", {"Event": event}, token=self.owner_token)
        events = self.assertOK(r, "ListAuditEvents %s" % event)["AuditEvents"]
        return [e for e in events if outcome is None or e["Outcome"] == outcome]

    def logon(self, name, password):
        body = self.assertOK(self.login(self.principal(name), password), "Login %s" % name)
        self.assertEqual(body["Status"], "OK")
        return body["SessionToken"]


class AccessTokenTest(TokensTestCase):

    def test_create_use_and_list(self):
        created = self.create_token(self.owner_token, Description="deploy bot",
                                    ExpiresInDays=30)
        token = created["Token"]
        self.assertRegex(token, TOKEN)
        self.assertEqual(created["Description"], "deploy bot")
        self.assertEqual(created["ExpireDate"] - created["CreateDate"], 30 * DAY_S)

        who = self.assertOK(self.post("WhoAmI", {}, token=token), "WhoAmI with the token")
        self.assertEqual(who["AccessTokenId"], created["TokenId"])
        self.assertTrue(who["IsOwner"])
        self.assertEqual(who["Scope"], "full")
        self.assertEqual(who["Factors"], [])
        # Full scope: an owner-only action works.
        self.assertOK(self.post("ListUsers", {}, token=token), "ListUsers with the token")

        r = self.post("ListAccessTokens", {}, token=token)
        rows = self.assertOK(r, "ListAccessTokens")["AccessTokens"]
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["TokenId"], created["TokenId"])
        self.assertNotIn("Token", rows[0])
        self.assertGreater(rows[0]["LastUsedDate"], 0)
        secret = token[len("mfat_"):]
        self.assertNotIn(secret.encode(), r.raw)
        self.assertNotIn(hashlib.sha256(secret.encode()).hexdigest().encode(), r.raw.lower())

    def test_owner_token_reads_settings(self):
        # The token must show the stored settings, not zeros.
        token = self.create_token(self.owner_token)["Token"]
        r = self.post("GetSecurityPreference", {}, token=self.owner_token)
        expected = self.assertOK(r, "GetSecurityPreference with the session")
        r = self.post("GetSecurityPreference", {}, token=token)
        self.assertEqual(self.assertOK(r, "GetSecurityPreference with the token"), expected)

    def test_default_and_limits(self):
        created = self.create_token(self.owner_token)
        self.assertEqual(created["ExpireDate"] - created["CreateDate"], 90 * DAY_S)
        self.assertEqual(created["Description"], "")
        for days in (0, 366, -1, "7"):
            self.assertError(self.post("CreateAccessToken", {"ExpiresInDays": days},
                                       token=self.owner_token), 400, "InvalidParameter",
                             "ExpiresInDays %r" % (days,))
        for text in ("x" * 256, "line\nbreak"):
            self.assertError(self.post("CreateAccessToken", {"Description": text},
                                       token=self.owner_token), 400, "InvalidParameter",
                             "Description %r" % text[:20])
        self.create_token(self.owner_token, Description="y" * 255)

    def test_not_a_second_factor(self):
        token = self.create_token(self.owner_token)["Token"]
        for action, body in (("CreateAccessToken", {}),
                             ("StepUp", {"Method": "totp", "Code": "123456"}),
                             ("SendStepUpEmailCode", {}),
                             ("StartStepUpPasskey", {}),
                             ("ChangePassword", {"OldPassword": "a", "NewPassword": "b"}),
                             ("DeleteUser", {"UserName": "nobody"}),
                             ("SetSecurityPreference", {"EnableSaveMFATicket": True}),
                             ("CreateVirtualMFADevice", {}),
                             ("Logout", {})):
            r = self.post(action, body, token=token)
            self.assertError(r, 403, "AccessTokenNotAllowed", "%s with a token" % action)
            # The message must not ask a user without a second factor to prove one.
            self.assertNotIn("second factor", r.json["message"], action)
        denied = [e for e in self.audit("access_token_use", "failure")
                  if "reason=denied" in e["Detail"]]
        self.assertEqual(len(denied), 9, denied)
        self.assertIn("action=StepUp", " ".join(e["Detail"] for e in denied))
        # The token still works for what it may do.
        self.assertOK(self.post("WhoAmI", {}, token=token), "WhoAmI after the refusals")

    def test_logout_names_delete(self):
        token = self.create_token(self.owner_token)["Token"]
        r = self.post("Logout", {}, token=token)
        self.assertError(r, 403, "AccessTokenNotAllowed", "Logout with a token")
        self.assertIn("DeleteAccessToken", r.json["message"], "message names the way out")

    def test_only_as_bearer(self):
        token = self.create_token(self.owner_token)["Token"]
        self.assertError(self.post("WhoAmI", {}, cookie=token), 401, "NotAuthenticated",
                         "the token in the session cookie")
        for bad in ("mfat_", "mfat_" + "A" * 43, token + "A", token[:-1]):
            self.assertRejected(bad, "a forged token %r" % bad[:12])

    def test_delete_works_at_once(self):
        created = self.create_token(self.owner_token)
        token = created["Token"]
        self.assertOK(self.post("WhoAmI", {}, token=token), "WhoAmI")
        self.assertOK(self.post("DeleteAccessToken", {"TokenId": created["TokenId"]},
                                token=self.owner_token), "DeleteAccessToken")
        self.assertRejected(token, "the deleted token")
        self.assertError(self.post("DeleteAccessToken", {"TokenId": created["TokenId"]},
                                   token=self.owner_token), 404, "EntityNotExist.AccessToken",
                         "DeleteAccessToken twice")
        for bad in ("0", "abc", "-1", "1e3", ""):
            self.assertError(self.post("DeleteAccessToken", {"TokenId": bad},
                                       token=self.owner_token), 404,
                             "EntityNotExist.AccessToken", "TokenId %r" % bad)
        self.assertEqual(len(self.audit("access_token_create", "success")), 1)
        deleted = self.audit("access_token_delete", "success")
        self.assertEqual(len(deleted), 1)
        self.assertEqual(deleted[0]["Detail"], "token_id=%s" % created["TokenId"])

    def test_token_deletes_itself(self):
        created = self.create_token(self.owner_token)
        self.assertOK(self.post("DeleteAccessToken", {"TokenId": created["TokenId"]},
                                token=created["Token"]), "DeleteAccessToken by itself")
        self.assertRejected(created["Token"], "the token after deleting itself")

    def test_token_deletes_no_other_token(self):
        kept = self.create_token(self.owner_token, Description="kept")
        other = self.create_token(self.owner_token, Description="other")
        self.assertError(self.post("DeleteAccessToken", {"TokenId": kept["TokenId"]},
                                   token=other["Token"]), 403, "AccessTokenNotAllowed",
                         "a token deletes another token")
        self.assertOK(self.post("ListAccessTokens", {}, token=kept["Token"]),
                      "the other token still works")

    def test_expired_token_rejected(self):
        created = self.create_token(self.owner_token, ExpiresInDays=1)
        token = created["Token"]
        self.server.advance(DAY_S - 10)
        self.owner_token = self.logon_owner()
        self.assertOK(self.post("WhoAmI", {}, token=token), "a token 10 s before expiry")
        self.server.advance(10)
        self.assertRejected(token, "a token at its expiry")
        self.owner_token = self.logon_owner()
        self.assertEqual(self.tokens(self.owner_token), [])
        expired = [e for e in self.audit("access_token_use", "failure")
                   if e["Detail"] == "token_id=%s reason=expired" % created["TokenId"]]
        self.assertEqual(len(expired), 1)

    def test_database_keeps_only_the_hash(self):
        token = self.create_token(self.owner_token)["Token"]
        out = subprocess.run([harness.SQLITE3, self.server.db_path, ".dump"],
                             capture_output=True, text=True, check=True, timeout=60)
        self.assertIn("CREATE TABLE access_tokens", out.stdout)
        self.assertNotIn(token[len("mfat_"):], out.stdout)
        digest = hashlib.sha256(token[len("mfat_"):].encode()).hexdigest().upper()
        self.assertIn(digest, out.stdout.upper())


class TokenUsersTest(TokensTestCase):
    """Tokens of users other than the owner."""

    def setUp(self):
        super().setUp()
        self.create_user("bob", BOB_PASSWORD)
        self.create_user("carol", CAROL_PASSWORD)
        self.bob = self.logon("bob", BOB_PASSWORD)

    def test_bound_to_its_user(self):
        token = self.create_token(self.bob)["Token"]
        who = self.assertOK(self.post("WhoAmI", {}, token=token), "WhoAmI")
        self.assertEqual(who["User"]["UserName"], "bob")
        self.assertError(self.post("ListUsers", {}, token=token), 403, "Forbidden",
                         "an owner-only action with bob's token")
        self.assertError(self.post("ListAccessTokens", {"UserName": "carol"}, token=token),
                         403, "Forbidden", "bob's token lists carol's tokens")

    def test_owner_lists_and_deletes(self):
        created = self.create_token(self.bob, Description="bob's script")
        rows = self.tokens(self.owner_token, "bob")
        self.assertEqual([row["TokenId"] for row in rows], [created["TokenId"]])
        self.assertEqual(self.tokens(self.owner_token, "carol"), [])
        carol = self.logon("carol", CAROL_PASSWORD)
        self.assertError(self.post("DeleteAccessToken", {"TokenId": created["TokenId"]},
                                   token=carol), 404, "EntityNotExist.AccessToken",
                         "carol deletes bob's token")
        self.assertOK(self.post("DeleteAccessToken", {"UserName": "bob",
                                                      "TokenId": created["TokenId"]},
                                token=self.owner_token), "owner DeleteAccessToken")
        self.assertRejected(created["Token"], "bob's token deleted by the owner")

    def test_user_delete_deletes_tokens(self):
        token = self.create_token(self.bob)["Token"]
        self.assertOK(self.post("DeleteUser", {"UserName": "bob"}, token=self.owner_token),
                      "DeleteUser")
        self.assertRejected(token, "the token of a deleted user")

    def test_creation_needs_step_up(self):
        secret = self.enrol_user("dave", "dave tokens password 1")
        dave = self.logon_mfa_user(self.principal("dave"), "dave tokens password 1", secret)
        self.server.advance(901)     # past the default step-up window of 900 s
        self.assertError(self.post("CreateAccessToken", {}, token=dave), 403, "MFARequired",
                         "CreateAccessToken with a stale second factor")
        self.step_up(dave, secret)
        self.create_token(dave, "CreateAccessToken after StepUp")


class MfactlTokenTest(TokensTestCase):

    def mfactl(self, *args):
        return subprocess.run([harness.MFACTL_BIN, "--data-dir", self.server.data_dir] +
                              list(args), capture_output=True, text=True, timeout=60)

    def test_create_list_revoke(self):
        self.create_user("bob", BOB_PASSWORD)
        out = self.mfactl("token", "create", self.principal("bob"), "--description", "cron",
                          "--days", "2")
        self.assertEqual(out.returncode, 0, out.stderr)
        token = out.stdout.strip()
        self.assertRegex(token, TOKEN)
        self.assertNotIn(token, out.stderr)
        who = self.assertOK(self.post("WhoAmI", {}, token=token), "WhoAmI with mfactl's token")
        token_id = who["AccessTokenId"]

        out = self.mfactl("token", "list", self.principal("bob"))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(token_id + "\t", out.stdout)
        self.assertIn("cron", out.stdout)
        self.assertNotIn(token[len("mfat_"):], out.stdout)

        out = self.mfactl("token", "revoke", self.principal("bob"), token_id)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertRejected(token, "the token mfactl revoked")
        out = self.mfactl("token", "revoke", self.principal("bob"), token_id)
        self.assertEqual(out.returncode, 1, out.stdout)
        created = self.audit("access_token_create", "success")
        self.assertEqual(created[0]["SourceAddress"], "local")

    def test_usage_errors(self):
        for args in (("token",), ("token", "create"), ("token", "create", "x", "--days", "0"),
                     ("token", "create", "x", "--days", "366"), ("token", "revoke", "x", "y"),
                     ("token", "list")):
            out = self.mfactl(*args)
            self.assertEqual(out.returncode, 2, "%r: %s" % (args, out.stderr))
