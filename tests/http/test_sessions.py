"""HTTP tests of ListSessions, RevokeSession and RevokeOtherSessions, and of the password
changes that end sessions.

Every revocation must work at once: the next request with the revoked token gets 401. The
lists must show a public id and never a token or its hash, and every revocation must leave
a session_revoke record in the audit log.
"""

import hashlib
import json
import re
import subprocess

import harness

USER_AGENT = "sessions-test/1.0"
QUOTED_AGENT = '"%s"' % USER_AGENT      # the server keeps the agent quoted, as the log does
BOB_PASSWORD = "bob sessions password 1"
BOB_NEW_PASSWORD = "bob sessions password 2"
BOB_OWNER_PASSWORD = "bob sessions password 3"
CAROL_PASSWORD = "carol sessions password 1"
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


class SessionsTestCase(harness.MfadTestCase):
    """An account with bob and carol, users without a second factor."""

    def setUp(self):
        super().setUp()
        self.create_user("bob", BOB_PASSWORD)
        self.create_user("carol", CAROL_PASSWORD)

    def post(self, action, body=None, token=None, user_agent=USER_AGENT):
        headers = {"Content-Type": "application/json", "User-Agent": user_agent}
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        data = json.dumps(body if body is not None else {}).encode()
        return self.server.request("POST", "/api/v1/" + action, body=data, headers=headers)

    def logon(self, name, password):
        body = self.assertOK(self.login(self.principal(name), password), "Login %s" % name)
        self.assertEqual(body["Status"], "OK", "Login %s: %r" % (name, body))
        return body["SessionToken"]

    def sessions(self, token, user=None):
        body = {} if user is None else {"UserName": user}
        return self.assertOK(self.post("ListSessions", body, token=token),
                             "ListSessions")["Sessions"]

    def assertWorks(self, token, what):
        self.assertOK(self.post("WhoAmI", token=token), what)

    def assertRevoked(self, token, what):
        self.assertError(self.post("WhoAmI", token=token), 401, "NotAuthenticated", what)

    def audit(self, event):
        r = self.post("ListAuditEvents", {"Event": event}, token=self.owner_token)
        return self.assertOK(r, "ListAuditEvents %s" % event)["AuditEvents"]


class SessionListTest(SessionsTestCase):

    def test_list_fields_without_secrets(self):
        first = self.logon("bob", BOB_PASSWORD)
        second = self.logon("bob", BOB_PASSWORD)
        r = self.post("ListSessions", token=second)
        rows = self.assertOK(r, "ListSessions")["Sessions"]
        self.assertEqual(len(rows), 2, rows)
        ids = {row["SessionId"] for row in rows}
        self.assertEqual(len(ids), 2, rows)
        for row in rows:
            self.assertRegex(row["SessionId"], SESSION_ID)
            self.assertEqual(row["Scope"], "full")
            self.assertEqual(row["Factors"], ["password"])
            self.assertEqual(row["SourceAddress"], "127.0.0.1")
            self.assertEqual(row["UserAgent"], QUOTED_AGENT)
            self.assertLessEqual(row["CreateDate"], row["LastSeenDate"])
            self.assertGreater(row["ExpireDate"], row["CreateDate"])
        self.assertEqual([row["Current"] for row in rows].count(True), 1, rows)
        # Neither token nor its SHA-256 appears, in any spelling.
        for token in (first, second):
            digest = hashlib.sha256(token.encode()).hexdigest()
            self.assertNotIn(token.encode(), r.raw)
            self.assertNotIn(digest.encode(), r.raw.lower())

    def test_other_users_sessions_not_listed(self):
        self.logon("carol", CAROL_PASSWORD)
        bob = self.logon("bob", BOB_PASSWORD)
        self.assertEqual(len(self.sessions(bob)), 1)
        self.assertError(self.post("ListSessions", {"UserName": "carol"}, token=bob), 403,
                         "Forbidden", "bob lists carol's sessions")

    def test_owner_lists_user_sessions(self):
        self.logon("bob", BOB_PASSWORD)
        self.logon("bob", BOB_PASSWORD)
        rows = self.sessions(self.owner_token, "bob")
        self.assertEqual(len(rows), 2)
        self.assertFalse(any(row["Current"] for row in rows), rows)

    def test_expired_sessions_not_listed(self):
        bob = self.logon("bob", BOB_PASSWORD)
        self.server.advance(3000)        # bob's session idles, the owner's stays alive
        self.assertWorks(self.owner_token, "owner WhoAmI")
        self.server.advance(1000)        # bob's session is now idle for over an hour
        self.assertEqual(self.sessions(self.owner_token, "bob"), [])
        self.assertRevoked(bob, "bob after the idle timeout")


class RevokeTest(SessionsTestCase):

    def test_revoke_session_at_once(self):
        keep = self.logon("bob", BOB_PASSWORD)
        doomed = self.logon("bob", BOB_PASSWORD)
        target = [row for row in self.sessions(keep) if not row["Current"]][0]
        self.assertOK(self.post("RevokeSession", {"SessionId": target["SessionId"]},
                                token=keep), "RevokeSession")
        self.assertRevoked(doomed, "revoked session")
        self.assertWorks(keep, "the caller's session")
        self.assertError(self.post("RevokeSession", {"SessionId": target["SessionId"]},
                                   token=keep), 404, "EntityNotExist.Session",
                         "RevokeSession twice")
        records = [e for e in self.audit("session_revoke")
                   if e["Detail"] == "session_id=%s" % target["SessionId"]]
        self.assertEqual(len(records), 1, records)
        self.assertEqual(records[0]["Outcome"], "success")

    def test_revoke_own_session_clears_cookie(self):
        bob = self.logon("bob", BOB_PASSWORD)
        own = self.sessions(bob)[0]
        r = self.post("RevokeSession", {"SessionId": own["SessionId"]}, token=bob)
        self.assertOK(r, "RevokeSession of the caller's session")
        self.assertIn("Max-Age=0", r.headers.get("Set-Cookie", ""))
        self.assertRevoked(bob, "the revoked caller")

    def test_malformed_and_foreign_ids(self):
        bob = self.logon("bob", BOB_PASSWORD)
        carol = self.logon("carol", CAROL_PASSWORD)
        carol_id = self.sessions(carol)[0]["SessionId"]
        for bad in ("", "x" * 32, carol_id.upper(), carol_id + "0", "' OR 1=1 --"):
            self.assertError(self.post("RevokeSession", {"SessionId": bad}, token=bob), 404,
                             "EntityNotExist.Session", "RevokeSession %r" % bad)
        # bob cannot end carol's session, not even knowing its id.
        self.assertError(self.post("RevokeSession", {"SessionId": carol_id}, token=bob), 404,
                         "EntityNotExist.Session", "bob revokes carol's session")
        self.assertWorks(carol, "carol after bob's attempts")
        self.assertError(self.post("RevokeSession", {}, token=bob), 400, "MissingParameter",
                         "RevokeSession without SessionId")

    def test_revoke_other_sessions(self):
        others = [self.logon("bob", BOB_PASSWORD) for _ in range(3)]
        keep = self.logon("bob", BOB_PASSWORD)
        carol = self.logon("carol", CAROL_PASSWORD)
        body = self.assertOK(self.post("RevokeOtherSessions", token=keep),
                             "RevokeOtherSessions")
        self.assertEqual(body["RevokedCount"], 3)
        for token in others:
            self.assertRevoked(token, "bob's other session")
        self.assertWorks(keep, "the caller's session")
        self.assertWorks(carol, "carol's session")
        self.assertEqual(len(self.sessions(keep)), 1)
        records = [e for e in self.audit("session_revoke")
                   if e["Detail"] == "reason=revoke_others count=3"]
        self.assertEqual(len(records), 1, records)

    def test_pending_logon_ends_with_others(self):
        # A user with TOTP has a logon half done: RevokeOtherSessions ends the challenge too.
        secret = self.enrol_user("dave", "dave sessions password 1")
        keep = self.logon_mfa_user(self.principal("dave"), "dave sessions password 1", secret)
        challenge = self.challenge(self.principal("dave"), "dave sessions password 1")
        self.assertOK(self.post("RevokeOtherSessions", token=keep), "RevokeOtherSessions")
        self.server.align_step()
        self.assertError(self.login_mfa(challenge, self.server.code(secret)), 401,
                         "InvalidChallenge", "LoginMFA after RevokeOtherSessions")

    def test_owner_revokes_user_sessions(self):
        bob = [self.logon("bob", BOB_PASSWORD) for _ in range(2)]
        self.assertError(self.post("RevokeOtherSessions", {"UserName": "carol"},
                                   token=bob[0]), 403, "Forbidden",
                         "bob revokes carol's sessions")
        one = self.sessions(self.owner_token, "bob")[0]
        self.assertOK(self.post("RevokeSession", {"UserName": "bob",
                                                  "SessionId": one["SessionId"]},
                                token=self.owner_token), "owner RevokeSession")
        body = self.assertOK(self.post("RevokeOtherSessions", {"UserName": "bob"},
                                       token=self.owner_token), "owner RevokeOtherSessions")
        self.assertEqual(body["RevokedCount"], 1)
        for token in bob:
            self.assertRevoked(token, "bob after the owner revoked")
        self.assertWorks(self.owner_token, "the owner's session")
        records = [e for e in self.audit("session_revoke")
                   if e["Detail"] == "reason=owner_revoke count=1"]
        self.assertEqual(len(records), 1, records)


class PasswordRevokesTest(SessionsTestCase):

    def test_change_password_ends_other_sessions(self):
        other = self.logon("bob", BOB_PASSWORD)
        caller = self.logon("bob", BOB_PASSWORD)
        r = self.post("ChangePassword", {"OldPassword": BOB_PASSWORD,
                                         "NewPassword": BOB_NEW_PASSWORD}, token=caller)
        fresh = self.assertOK(r, "ChangePassword")["SessionToken"]
        self.assertRevoked(other, "bob's other session")
        self.assertRevoked(caller, "the token that changed the password")
        self.assertWorks(fresh, "the new session")
        self.assertEqual(len(self.sessions(fresh)), 1)
        self.assertTrue([e for e in self.audit("session_revoke")
                         if e["Detail"] == "reason=password_change count=2"])

    def test_owner_password_set_ends_sessions(self):
        bob = self.logon("bob", BOB_PASSWORD)
        carol = self.logon("carol", CAROL_PASSWORD)
        self.assertOK(self.post("UpdateLoginProfile", {"UserName": "bob",
                                                       "Password": BOB_OWNER_PASSWORD},
                                token=self.owner_token), "UpdateLoginProfile")
        self.assertRevoked(bob, "bob after the owner set a password")
        self.assertWorks(carol, "carol")
        self.assertTrue([e for e in self.audit("session_revoke")
                         if e["Detail"] == "reason=password_set count=1"])

    def test_reset_required_ends_sessions(self):
        bob = self.logon("bob", BOB_PASSWORD)
        self.assertOK(self.post("UpdateLoginProfile", {"UserName": "bob",
                                                       "MFABindRequired": False},
                                token=self.owner_token), "UpdateLoginProfile, no reset")
        self.assertWorks(bob, "bob after a profile change without reset")
        self.assertOK(self.post("UpdateLoginProfile", {"UserName": "bob",
                                                       "PasswordResetRequired": True},
                                token=self.owner_token), "UpdateLoginProfile with reset")
        self.assertRevoked(bob, "bob after the owner required a reset")
        body = self.assertOK(self.login(self.principal("bob"), BOB_PASSWORD), "Login bob")
        self.assertEqual(body["Status"], "PasswordResetRequired")
        self.assertTrue([e for e in self.audit("session_revoke")
                         if e["Detail"] == "reason=reset_required count=1"])

    def test_mfactl_password_set_ends_sessions(self):
        bob = self.logon("bob", BOB_PASSWORD)
        out = subprocess.run([harness.MFACTL_BIN, "--data-dir", self.server.data_dir,
                              "password", "set", self.principal("bob"), "--password-stdin"],
                             input=BOB_OWNER_PASSWORD + "\n", capture_output=True, text=True,
                             timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertRevoked(bob, "bob after mfactl password set")
