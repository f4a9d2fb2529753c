"""HTTP tests of the audit log: the events each flow records, ListAuditEvents, mfactl audit.

Every request of these tests carries a User-Agent, so each record can be checked for the
source address, the user agent and who acted. The last checks scan the whole audit table
(an sqlite3 dump) and the API output for every secret the tests used.
"""

import json
import re
import subprocess
import time
import unittest

import harness
import smtp  # noqa: F401  (test_email needs it; imported here so a missing module fails early)
import test_email
import test_passkeys

USER_AGENT = "audit-test/1.0 (mfad tests)"
QUOTED_AGENT = '"%s"' % USER_AGENT      # records keep the agent quoted, as the log does
ALICE_PASSWORD = "alice audit password 1"
ALICE_NEW_PASSWORD = "alice audit password 2"
ALICE_OWNER_PASSWORD = "alice audit password 3"
BOB_PASSWORD = "bob audit password long 1"
CAROL_PASSWORD = "carol audit password long 1"
OTHER_ALIAS = "other-corp"
OTHER_PASSWORD = "other owner password 1"
LOCKOUT_THRESHOLD = 5   # default security.lockout_threshold


class AuditMixin:
    """Helpers for test cases that send a User-Agent and read the audit log."""

    def post(self, action, body=None, token=None, user_agent=USER_AGENT, **kwargs):
        """POST like the harness, with a User-Agent header; return a Response."""
        headers = {"Content-Type": "application/json", "User-Agent": user_agent}
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        data = json.dumps(body).encode() if body is not None else None
        self.assertFalse(kwargs, "unsupported arguments %r" % (kwargs,))
        return self.server.request("POST", "/api/v1/" + action, body=data, headers=headers)

    def whoami_id(self, token):
        return self.assertOK(self.post("WhoAmI", {}, token=token), "WhoAmI")["User"]["UserId"]

    def audit_pages(self, token=None, **filters):
        """Return every record ListAuditEvents returns for filters, and the pages' sizes."""
        token = token or self.owner_token
        events, sizes, marker = [], [], None
        for _ in range(1000):
            body = dict(filters)
            if marker is not None:
                body["Marker"] = marker
            page = self.assertOK(self.post("ListAuditEvents", body, token=token),
                                 "ListAuditEvents %r" % (body,))
            events.extend(page["AuditEvents"])
            sizes.append(len(page["AuditEvents"]))
            if not page["IsTruncated"]:
                self.assertNotIn("Marker", page)
                return events, sizes
            marker = page["Marker"]
        self.fail("ListAuditEvents did not end")

    def audit(self, token=None, **filters):
        return self.audit_pages(token, **filters)[0]

    def find(self, events, event, outcome=None, user_id=None, detail=None):
        """Return the records of event (and outcome, user, detail part); at least one."""
        found = [e for e in events if e["Event"] == event
                 and (outcome is None or e["Outcome"] == outcome)
                 and (user_id is None or e["UserId"] == user_id)
                 and (detail is None or detail in e["Detail"])]
        self.assertTrue(found, "no %s record (outcome %s, user %s, detail %s) in %s" % (
            event, outcome, user_id, detail, json.dumps(events, indent=1)))
        return found

    def assertRecord(self, record, account_id, user_id, actor_id, outcome,
                     src="127.0.0.1", agent=QUOTED_AGENT):
        what = json.dumps(record)
        self.assertEqual(record["AccountId"], account_id, "account of " + what)
        self.assertEqual(record["UserId"], user_id, "user of " + what)
        self.assertEqual(record["ActorId"], actor_id, "actor of " + what)
        self.assertEqual(record["Outcome"], outcome, "outcome of " + what)
        self.assertEqual(record["SourceAddress"], src, "source of " + what)
        self.assertEqual(record["UserAgent"], agent, "user agent of " + what)
        self.assertIsInstance(record["Time"], int, "time of " + what)
        self.assertLessEqual(abs(record["Time"] - self.server.now()), 3600, "time of " + what)

    def dump(self):
        out = subprocess.run([harness.SQLITE3, self.server.db_path, ".dump audit_events"],
                             capture_output=True, text=True, check=True, timeout=60)
        self.assertIn("CREATE TABLE audit_events", out.stdout)
        return out.stdout

    def mfactl(self, *args):
        out = subprocess.run([harness.MFACTL_BIN, "--data-dir", self.server.data_dir] +
                             list(args), capture_output=True, text=True, timeout=60)
        return out

    def assertNoSecrets(self, secrets, what):
        """Check the audit table and the API output of every account for each secret."""
        texts = {"the audit table dump": self.dump(),
                 "ListAuditEvents": json.dumps(self.audit())}
        for where, text in texts.items():
            for name, value in secrets.items():
                self.assertTrue(value, "%s: empty secret %s" % (what, name))
                self.assertNotIn(value, text, "%s: %s contains the %s" % (what, where, name))


class AuditEventsTest(AuditMixin, harness.MfadTestCase):
    """The password, TOTP, lockout and administration events, with their fields."""

    def setUp(self):
        super().setUp()
        self.owner_id = self.whoami_id(self.owner_token)
        self.secrets = {"owner password": self.server.owner_password,
                        "owner session token": self.owner_token}

    def account_of_owner(self):
        """The owner's AccountId, read from the record of mfactl init."""
        created = self.find(self.audit(), "account_create")
        self.assertEqual(len(created), 1)
        return created[0]["AccountId"]

    def test_every_event_recorded(self):
        account = self.account_of_owner()
        owner = self.owner_id

        # Administration by the owner: user, login profile, password.
        r = self.post("CreateUser", {"UserName": "alice"}, token=self.owner_token)
        alice = self.assertOK(r, "CreateUser")["User"]["UserId"]
        self.assertOK(self.post("CreateLoginProfile", {"UserName": "alice",
                                                       "Password": ALICE_PASSWORD},
                                token=self.owner_token), "CreateLoginProfile")
        self.assertOK(self.post("UpdateLoginProfile", {"UserName": "alice",
                                                       "Password": ALICE_OWNER_PASSWORD},
                                token=self.owner_token), "UpdateLoginProfile")
        self.assertOK(self.post("UpdateLoginProfile", {"UserName": "alice",
                                                       "Password": ALICE_PASSWORD,
                                                       "PasswordResetRequired": False},
                                token=self.owner_token), "UpdateLoginProfile")
        device = self.create_device(self.owner_token, "alice")
        secret = device["Base32StringSeed"]
        self.bind_device(self.owner_token, device, "alice")
        self.server.align_step()

        # Alice: a wrong password, a wrong code, a good logon, a password change.
        self.assertError(self.login(self.principal("alice"), "wrong " + ALICE_PASSWORD), 401,
                         "InvalidCredentials", "wrong password")
        challenge = self.challenge(self.principal("alice"), ALICE_PASSWORD)
        wrong = self.wrong_code(secret)
        self.assertEqual(self.login_mfa(challenge, wrong).status, 401)
        code = self.server.code(secret)
        r = self.login_mfa(challenge, code)
        alice_token = self.assertOK(r, "LoginMFA")["SessionToken"]
        replay_challenge = self.challenge(self.principal("alice"), ALICE_PASSWORD)
        self.assertError(self.login_mfa(replay_challenge, code), 401, "MFACodeReused",
                         "a reused code")
        r = self.post("ChangePassword", {"OldPassword": ALICE_PASSWORD,
                                         "NewPassword": ALICE_NEW_PASSWORD}, token=alice_token)
        body = self.assertOK(r, "ChangePassword")
        alice_token = body.get("SessionToken", alice_token)

        # Bob: password-only logon, then a lockout.
        r = self.post("CreateUser", {"UserName": "bob"}, token=self.owner_token)
        bob = self.assertOK(r, "CreateUser bob")["User"]["UserId"]
        self.assertOK(self.post("CreateLoginProfile", {"UserName": "bob",
                                                       "Password": BOB_PASSWORD},
                                token=self.owner_token), "CreateLoginProfile bob")
        body = self.assertOK(self.login(self.principal("bob"), BOB_PASSWORD), "Login bob")
        bob_token = body["SessionToken"]
        for i in range(LOCKOUT_THRESHOLD):
            self.login(self.principal("bob"), "wrong bob password %d" % i)
        self.assertEqual(self.login(self.principal("bob"), BOB_PASSWORD).status, 401)

        # More owner actions: unbind, a security setting, deletions.
        self.assertOK(self.post("UnbindMFADevice", {"UserName": "alice"},
                                token=self.owner_token), "UnbindMFADevice")
        self.assertOK(self.post("SetSecurityPreference", {"AllowUserToLoginWithPasskey": False},
                                token=self.owner_token), "SetSecurityPreference")
        self.assertOK(self.post("DeleteLoginProfile", {"UserName": "bob"},
                                token=self.owner_token), "DeleteLoginProfile")
        self.assertOK(self.post("DeleteUser", {"UserName": "bob"}, token=self.owner_token),
                      "DeleteUser")

        events = self.audit()
        ok, failed = "success", "failure"
        created = self.find(events, "account_create")[0]
        self.assertRecord(created, account, owner, None, ok, src="local", agent='"mfactl"')
        self.assertRecord(self.find(events, "user_create", user_id=alice)[0],
                          account, alice, owner, ok)
        self.assertIn('user="alice"', self.find(events, "user_create", user_id=alice)[0]["Detail"])
        self.assertRecord(self.find(events, "login_profile_create", user_id=alice)[0],
                          account, alice, owner, ok)
        self.assertEqual(len(self.find(events, "login_profile_update", user_id=alice)), 2)
        sets = self.find(events, "password_set", user_id=alice)
        self.assertEqual(len(sets), 3, "CreateLoginProfile and two UpdateLoginProfile")
        self.assertRecord(sets[0], account, alice, owner, ok)
        bound = self.find(events, "mfa_bind", ok, alice)[0]
        self.assertRecord(bound, account, alice, owner, ok)
        self.assertIn(device["SerialNumber"], bound["Detail"])

        wrong_pw = self.find(events, "logon_failure", failed, alice, "reason=wrong_password")
        self.assertRecord(wrong_pw[0], account, alice, None, failed)
        password_ok = self.find(events, "logon_password_ok", ok, alice)[0]
        self.assertRecord(password_ok, account, alice, alice, ok)
        wrong_code = self.find(events, "logon_failure", failed, alice, "method=totp")[0]
        self.assertRecord(wrong_code, account, alice, None, failed)
        self.assertIn("reason=wrong_proof", wrong_code["Detail"])
        success = self.find(events, "logon_success", ok, alice)[0]
        self.assertRecord(success, account, alice, alice, ok)
        self.assertIn("factors=password,totp", success["Detail"])
        replay = self.find(events, "totp_replay", failed, alice)
        self.assertEqual(len(replay), 1, "one reuse event")
        self.assertRecord(replay[0], account, alice, None, failed)
        self.find(events, "logon_failure", failed, alice, "reason=replay")
        change = self.find(events, "password_change", ok, alice)[0]
        self.assertRecord(change, account, alice, alice, ok)

        bob_ok = self.find(events, "logon_success", ok, bob)[0]
        self.assertIn("factors=password", bob_ok["Detail"])
        self.assertRecord(bob_ok, account, bob, bob, ok)
        bob_failures = self.find(events, "logon_failure", failed, bob)
        self.assertGreaterEqual(len(bob_failures), LOCKOUT_THRESHOLD + 1)
        self.find(events, "logon_failure", failed, bob, "reason=locked")
        lockout = self.find(events, "lockout", failed, bob)
        self.assertEqual(len(lockout), 1, "one lock started")
        self.assertRecord(lockout[0], account, bob, None, failed)

        self.assertRecord(self.find(events, "mfa_unbind", ok, alice)[0], account, alice, owner,
                          ok)
        setting = self.find(events, "security_preference")[0]
        self.assertRecord(setting, account, None, owner, ok)
        self.assertEqual(setting["Detail"], "AllowUserToLoginWithPasskey=false")
        self.assertRecord(self.find(events, "login_profile_delete", ok, bob)[0], account, bob,
                          owner, ok)
        deleted = self.find(events, "user_delete", ok, bob)[0]
        self.assertRecord(deleted, account, bob, owner, ok)
        self.assertIn('user="bob"', deleted["Detail"])

        ids = [int(e["EventId"]) for e in events]
        self.assertEqual(ids, sorted(ids), "records come oldest first")

        secrets = dict(self.secrets)
        secrets.update({"alice's password": ALICE_PASSWORD,
                        "alice's new password": ALICE_NEW_PASSWORD,
                        "alice's owner-set password": ALICE_OWNER_PASSWORD,
                        "bob's password": BOB_PASSWORD, "TOTP seed": secret,
                        "TOTP code": code, "wrong TOTP code": wrong,
                        "logon challenge": challenge, "second challenge": replay_challenge,
                        "alice's session token": alice_token,
                        "bob's session token": bob_token})
        self.assertNoSecrets(secrets, "after every event")

    def test_account_administration_recorded(self):
        """Step-up, policy, unlock, MFA reset, session and token events, with no secret."""
        account = self.account_of_owner()
        owner = self.owner_id
        carol = self.assertOK(self.post("CreateUser", {"UserName": "carol"},
                                        token=self.owner_token), "CreateUser")["User"]["UserId"]
        self.assertOK(self.post("CreateLoginProfile", {"UserName": "carol",
                                                       "Password": CAROL_PASSWORD},
                                token=self.owner_token), "CreateLoginProfile")
        self.assertOK(self.post("SetPasswordPolicy", {"PasswordReusePrevention": 2},
                                token=self.owner_token), "SetPasswordPolicy")
        self.assertOK(self.post("UnlockUser", {"UserName": "carol"}, token=self.owner_token),
                      "UnlockUser")
        self.assertOK(self.post("ResetUserMFA", {"UserName": "carol"}, token=self.owner_token),
                      "ResetUserMFA")

        # A second owner session ends the first, then steps up and uses an API token.
        second = self.assertOK(self.login(self.server.alias, self.server.owner_password),
                               "second owner logon")["SessionToken"]
        self.assertOK(self.post("RevokeOtherSessions", {}, token=second), "RevokeOtherSessions")
        self.assertEqual(self.post("WhoAmI", {}, token=self.owner_token).status, 401,
                         "the first session after RevokeOtherSessions")
        self.owner_token = second
        device = self.create_device(second)
        self.bind_device(second, device)
        secret = device["Base32StringSeed"]
        wrong = self.wrong_code(secret)
        self.assertEqual(self.post("StepUp", {"Method": "totp", "Code": wrong},
                                   token=second).status, 401, "StepUp with a wrong code")
        self.step_up(second, secret)
        created = self.assertOK(self.post("CreateAccessToken", {"Description": "audit script"},
                                          token=second), "CreateAccessToken")["AccessToken"]
        self.assertOK(self.post("ListAccessTokens", {}, token=created["Token"]),
                      "ListAccessTokens with the token")
        self.assertOK(self.post("DeleteAccessToken", {"TokenId": created["TokenId"]},
                                token=second), "DeleteAccessToken")

        events = self.audit(second)
        ok, failed = "success", "failure"
        self.assertRecord(self.find(events, "password_policy", ok)[0], account, None, owner, ok)
        self.assertRecord(self.find(events, "user_unlock", ok, carol)[0], account, carol,
                          owner, ok)
        self.assertRecord(self.find(events, "admin_reset_mfa", ok, carol)[0], account, carol,
                          owner, ok)
        self.assertRecord(self.find(events, "session_revoke", ok, owner)[0], account, owner,
                          owner, ok)
        self.assertRecord(self.find(events, "step_up", ok, owner, "method=totp")[0], account,
                          owner, owner, ok)
        self.assertRecord(self.find(events, "step_up", failed, owner, "reason=wrong_proof")[0],
                          account, owner, owner, failed)
        self.assertRecord(self.find(events, "access_token_create", ok, owner)[0], account,
                          owner, owner, ok)
        self.assertRecord(self.find(events, "access_token_delete", ok, owner)[0], account,
                          owner, owner, ok)

        secrets = dict(self.secrets)
        secrets.update({"carol's password": CAROL_PASSWORD, "TOTP seed": secret,
                        "wrong TOTP code": wrong, "second session token": second,
                        "API token": created["Token"]})
        self.assertNoSecrets(secrets, "after the administration events")

    def test_failed_logon_of_unknown_user(self):
        self.assertEqual(self.login(self.principal("nobody"), "some password 1").status, 401)
        failures = self.find(self.audit(), "logon_failure", "failure")
        self.assertEqual(len(failures), 1)
        self.assertRecord(failures[0], self.account_of_owner(), None, None, "failure")
        self.assertIn("reason=unknown_user", failures[0]["Detail"])
        self.assertNotIn("nobody", failures[0]["Detail"], "a typed name may be a password")

    def test_user_agent_quoted_and_cut(self):
        long_agent = "agent \"quoted\" " + "x" * 600
        r = self.post("Login", {"Principal": self.server.alias,
                                "Password": self.server.owner_password}, user_agent=long_agent)
        self.assertOK(r, "Login with a long User-Agent")
        success = self.find(self.audit(), "logon_success")[-1]
        agent = success["UserAgent"]
        self.assertTrue(agent.startswith('"agent \\"quoted\\" xxx'), agent)
        self.assertLessEqual(len(agent.encode()), 255)
        r = self.post("Login", {"Principal": self.server.alias,
                                "Password": self.server.owner_password}, user_agent="")
        self.assertOK(r, "Login without a User-Agent")

    def test_paging_and_filters(self):
        for name in ("p1", "p2", "p3", "p4", "p5"):
            self.assertOK(self.post("CreateUser", {"UserName": name}, token=self.owner_token),
                          "CreateUser " + name)
        everything, _ = self.audit_pages()
        events, sizes = self.audit_pages(MaxItems=2)
        self.assertEqual(events, everything, "pages of 2 join into the whole list")
        self.assertTrue(all(size <= 2 for size in sizes))
        self.assertGreater(len(sizes), 2)

        creates = self.audit(Event="user_create")
        self.assertEqual([e["Event"] for e in creates], ["user_create"] * 5)
        p3 = self.audit(UserName="p3")
        self.assertEqual([e["Event"] for e in p3], ["user_create"])
        owner_events = self.audit(UserName="")
        self.assertTrue(owner_events)
        self.assertTrue(all(e["UserId"] == self.owner_id for e in owner_events))

        # Time filters: records made after the clock moved a day on.
        self.server.advance(86400)
        self.owner_token = self.logon_owner()  # the old session expired
        later = self.server.now()
        self.assertOK(self.post("CreateUser", {"UserName": "p6"}, token=self.owner_token),
                      "CreateUser p6")
        recent = self.audit(StartTime=later)
        self.assertEqual([e["Event"] for e in recent], ["logon_success", "user_create"])
        older = self.audit(EndTime=later - 1)
        self.assertEqual(len(older) + len(recent), len(self.audit()))
        self.assertEqual(self.audit(StartTime=later, EndTime=later + 3600, Event="user_create",
                                    UserName="p6")[0]["Event"], "user_create")

        for body, code in (({"MaxItems": 0}, "InvalidParameter"),
                           ({"MaxItems": 1001}, "InvalidParameter"),
                           ({"Marker": "abc"}, "InvalidParameter"),
                           ({"Marker": "-1"}, "InvalidParameter"),
                           ({"Event": "Logon Failure"}, "InvalidParameter"),
                           ({"StartTime": -1}, "InvalidParameter")):
            r = self.post("ListAuditEvents", body, token=self.owner_token)
            self.assertEqual(r.status, 400, "%r: %r" % (body, r))
        r = self.post("ListAuditEvents", {"UserName": "nobody"}, token=self.owner_token)
        self.assertEqual(r.status, 404, "unknown UserName: %r" % (r,))

    def test_owner_only(self):
        self.create_user("carol", "carol audit password long 1")
        body = self.assertOK(self.login(self.principal("carol"), "carol audit password long 1"),
                             "Login carol")
        r = self.post("ListAuditEvents", {}, token=body["SessionToken"])
        self.assertError(r, 403, "Forbidden", "ListAuditEvents by a user")
        r = self.post("ListAuditEvents", {})
        self.assertEqual(r.status, 401, "ListAuditEvents without a session: %r" % (r,))

    def test_other_account_not_visible(self):
        harness.run_init(self.server.data_dir, OTHER_ALIAS, OTHER_PASSWORD)
        body = self.assertOK(self.post("Login", {"Principal": OTHER_ALIAS,
                                                 "Password": OTHER_PASSWORD}), "other Login")
        other_token = body["SessionToken"]
        self.assertOK(self.post("CreateUser", {"UserName": "mallory"}, token=other_token),
                      "CreateUser in the other account")
        self.login("mallory@" + OTHER_ALIAS, "wrong password 1")
        self.assertOK(self.post("CreateUser", {"UserName": "dave"}, token=self.owner_token),
                      "CreateUser dave")

        mine = self.audit()
        theirs = self.audit(other_token)
        my_account = self.account_of_owner()
        self.assertTrue(all(e["AccountId"] == my_account for e in mine))
        self.assertTrue(theirs)
        self.assertTrue(all(e["AccountId"] != my_account for e in theirs))
        my_ids = {e["EventId"] for e in mine}
        self.assertFalse(my_ids & {e["EventId"] for e in theirs})
        self.assertNotIn("mallory", json.dumps(mine))
        self.assertNotIn("dave", json.dumps(theirs))
        # A Marker of the other account's records still returns only the caller's.
        r = self.post("ListAuditEvents", {"Marker": "0"}, token=self.owner_token)
        self.assertEqual(len(self.assertOK(r, "Marker 0")["AuditEvents"]), len(mine))
        r = self.post("ListAuditEvents", {"UserName": "mallory"}, token=self.owner_token)
        self.assertEqual(r.status, 404, "another account's user: %r" % (r,))

    def test_mfactl_list_and_export(self):
        self.create_user("erin", "erin audit password long 1")
        self.login(self.principal("erin"), "wrong erin password")
        out = self.mfactl("audit", "export", self.server.alias)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = [json.loads(line) for line in out.stdout.splitlines()]
        self.assertEqual(lines, self.audit(), "export writes what the API lists")

        out = self.mfactl("audit", "list", self.server.alias, "--user", "erin",
                          "--event", "logon_failure")
        self.assertEqual(out.returncode, 0, out.stderr)
        rows = out.stdout.splitlines()
        self.assertEqual(len(rows), 1, out.stdout)
        self.assertIn("logon_failure", rows[0])
        self.assertIn("user=erin", rows[0])
        self.assertIn("src=127.0.0.1", rows[0])
        self.assertRegex(rows[0], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ")

        out = self.mfactl("audit", "list", self.server.alias, "--limit", "2")
        self.assertEqual(len(out.stdout.splitlines()), 2, out.stdout)
        out = self.mfactl("audit", "list", self.server.alias, "--since", "2001-01-01",
                          "--until", "2001-01-02")
        self.assertEqual((out.returncode, out.stdout), (0, ""))
        for bad in (["--limit", "0"], ["--since", "yesterday"], ["--colour"]):
            out = self.mfactl("audit", "list", self.server.alias, *bad)
            self.assertEqual(out.returncode, 2, "%r: %s" % (bad, out.stderr))
        out = self.mfactl("audit", "list", "no-such-alias")
        self.assertEqual(out.returncode, 1, out.stderr)

        # Changes made with mfactl are recorded as local.
        out = self.mfactl("user", "delete", self.principal("erin"))
        self.assertEqual(out.returncode, 0, out.stderr)
        deleted = self.find(self.audit(), "user_delete")[0]
        self.assertEqual((deleted["SourceAddress"], deleted["UserAgent"], deleted["ActorId"]),
                         ("local", '"mfactl"', None))


class AuditRetentionTest(AuditMixin, harness.MfadTestCase):
    """Records older than audit.retention_days go with the purge loop."""

    config = {"audit": {"retention_days": 1}}

    def test_old_records_purged(self):
        self.assertOK(self.post("CreateUser", {"UserName": "old"}, token=self.owner_token),
                      "CreateUser old")
        self.assertTrue(self.audit(Event="user_create"))
        self.server.advance(2 * 86400)
        self.owner_token = self.logon_owner()  # the old session expired
        # The purge loop runs about once a minute of the server's clock.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.audit(Event="user_create"):
            time.sleep(0.2)
        self.assertEqual(self.audit(Event="user_create"), [], "a record past retention stays")
        self.assertOK(self.post("CreateUser", {"UserName": "new"}, token=self.owner_token),
                      "CreateUser new")
        self.assertEqual(len(self.audit(Event="user_create")), 1)


class AuditEmailTest(AuditMixin, test_email.EmailTestCase):
    """Attaching and removing a security email address records its domain only."""

    def test_attach_and_remove(self):
        token = self.user_session("alice")
        alice = self.whoami_id(token)
        self.attach(token)
        self.server.advance(test_email.RESEND_S + 1)
        challenge = self.email_challenge("alice")
        self.assertOK(self.send_login_code(challenge), "SendLoginEmailCode")
        mail = self.next_mail(test_email.ADDRESS, "logon code")
        r = self.login_email(challenge, self.wrong(mail.code))
        self.assertEqual(r.status, 401, "wrong email code: %r" % (r,))
        body = self.assertOK(self.login_email(challenge, mail.code), "LoginMFA email")
        self.assertOK(self.post("DeleteVerificationInfo", {}, token=token),
                      "DeleteVerificationInfo")

        events = self.audit()
        attached = self.find(events, "email_attach", "success", alice)[0]
        self.assertRecord(attached, attached["AccountId"], alice, alice, "success")
        self.assertEqual(attached["Detail"], 'domain="mail.example.org"')
        removed = self.find(events, "email_remove", "success", alice)[0]
        self.assertRecord(removed, attached["AccountId"], alice, alice, "success")
        self.find(events, "logon_failure", "failure", alice, "method=email")
        self.find(events, "logon_success", "success", alice, "factors=password,email")

        secrets = {"address": test_email.NORMALIZED, "local part": test_email.LOCAL_PART,
                   "alice's password": test_email.PASSWORD, "challenge": challenge,
                   "session token": body["SessionToken"]}
        for i, code in enumerate(self.codes):
            secrets["email code %d" % i] = code
        self.assertNoSecrets(secrets, "after the email events")


class AuditPasskeyTest(AuditMixin, test_passkeys.PasskeyTestCase):
    """Adding, using and deleting a passkey records its id and name, never its key."""

    def test_add_logon_delete(self):
        token = self.add_user("alice")
        alice = self.whoami_id(token)
        passkey, credential = self.register(token, name="Laptop")
        r = self.second_factor("alice")
        self.assertOK(r, "second factor")
        r = self.passwordless(bad_signature=True)
        self.assertNotEqual(r.status, 200, "a bad signature: %r" % (r,))
        r = self.passwordless()
        session = self.assertSession(r, "passwordless")
        self.assertOK(self.post("DeletePasskey", {"PasskeyId": passkey["PasskeyId"]},
                                token=session), "DeletePasskey")

        events = self.audit()
        added = self.find(events, "passkey_add", "success", alice)[0]
        self.assertRecord(added, added["AccountId"], alice, alice, "success")
        self.assertEqual(added["Detail"], 'passkey_id=%s name="Laptop"' % passkey["PasskeyId"])
        self.find(events, "logon_success", "success", alice, "factors=password,passkey")
        bad = self.find(events, "logon_failure", "failure", alice, "step=passkey")[0]
        self.assertRecord(bad, added["AccountId"], alice, None, "failure")
        self.assertIn("reason=wrong_proof", bad["Detail"])
        passwordless = self.find(events, "logon_success", "success", alice, "factors=passkey")
        self.assertRecord(passwordless[-1], added["AccountId"], alice, alice, "success")
        deleted = self.find(events, "passkey_delete", "success", alice)[0]
        self.assertIn('name="Laptop"', deleted["Detail"])

        dump = self.dump() + json.dumps(events)
        for field in ("credential_id", "public_key"):
            value = getattr(credential, field, None)
            if isinstance(value, bytes):
                self.assertNotIn(value.hex(), dump.lower())
                self.assertNotIn(test_passkeys.b64u(value), dump)
        self.assertNoSecrets({"password": test_passkeys.PASSWORD, "session token": session},
                             "after the passkey events")
        self.assertFalse(re.search(r"[A-Za-z0-9_-]{43}", dump),
                         "a token-sized base64url string is in the audit records")


if __name__ == "__main__":
    unittest.main()
