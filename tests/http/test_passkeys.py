"""Passkeys over HTTP: registration, management, second factor, passwordless logon, rejections.

A software authenticator (softauthn) makes every credential with python-cryptography keys, so
the expected results never come from mfad's own WebAuthn code. Each negative test sends a
response that is valid except for the one property under test.

Error codes follow docs/api.md. Where it leaves a choice, the tests expect:
- every problem with a challenge (unknown, changed, spent, expired, issued for another
  ceremony, session or logon) is 401 InvalidChallenge, in all three flows;
- a credential that cannot be decoded (bad base64url, clientDataJSON that is not UTF-8 JSON,
  broken CBOR, a missing or mistyped member, id not equal to rawId) is 400 InvalidParameter,
  MissingParameter or InvalidPasskey;
- a registration that fails a WebAuthn step is 400 InvalidPasskey, and so is one whose
  authenticator data is short or has bytes left over;
- an assertion that fails a WebAuthn step is 401 InvalidPasskey;
- an assertion whose authenticatorData is short or has bytes left over is 400 InvalidPasskey,
  because malformed input is a bad request; both count as a failed logon attempt;
- user verification is not needed at registration when userVerification is "preferred";
- the passkey limit may be enforced at StartPasskeyRegistration or at the finish;
- with AllowUserToLoginWithPasskey off, a passkey still works as the second factor;
- after a counter that did not grow, a later assertion with a greater counter is accepted.
"""

import base64
import json
import os
import re
import threading
import unittest
import uuid
from concurrent.futures import ThreadPoolExecutor

import harness
import softauthn
from softauthn import b64u, b64u_decode, cbor

PASSWORD = "passkey user password 1"
CHALLENGE_BYTES = 32          # every WebAuthn challenge mfad issues
USER_HANDLE_BYTES = 32
CHALLENGE_TTL_S = 300         # WebAuthn challenges and logon challenges live 5 minutes
CEREMONY_TIMEOUT_MS = CHALLENGE_TTL_S * 1000
PARALLEL_REQUESTS = 20
ALL_ALGORITHMS = "-7,-8,-35,-36,-37,-257"
# Codes a credential that cannot be decoded may get, with status 400.
MALFORMED_CODES = ("InvalidParameter", "MissingParameter", "InvalidPasskey")


def webauthn_config(**webauthn):
    """Return INI settings for mfad -c: [webauthn] with the origin of the chosen port.

    The lockout threshold is raised to its maximum because the negative tests make many failed
    assertions for one user, and a lock after 5 would hide the checks that follow.
    """
    settings = {"rp_id": "localhost", "rp_name": "mfad", "origins": "http://localhost:{port}",
                "user_verification": "preferred", "attestation": "none",
                "attestation_trust": "none", "algorithms": ALL_ALGORITHMS, "max_passkeys": 10}
    settings.update(webauthn)
    return {"security": {"lockout_threshold": 100}, "webauthn": settings}


class PasskeyTestCase(harness.MfadTestCase):
    """A test with its own mfad configured for passkeys and one software authenticator."""

    config = webauthn_config()
    copy_init = True    # over a hundred servers: one owner password hash is enough

    def setUp(self):
        super().setUp()
        self.auth = softauthn.SoftAuthenticator(self.server.origin)

    # ---- users and sessions ----

    def add_user(self, name, password=PASSWORD, **profile):
        """Create a user with a password and return a full session token from Login."""
        self.create_user(name, password, **profile)
        return self.password_session(name, password)

    def password_session(self, name, password=PASSWORD):
        body = self.assertOK(self.login(self.principal(name), password), "Login %s" % name)
        self.assertEqual(body.get("Status"), "OK", "Login %s: %r" % (name, body))
        return body["SessionToken"]

    def assertSession(self, r, what):
        """Check that r carries a full session and return its token."""
        body = self.assertOK(r, what)
        self.assertEqual(body.get("Status"), "OK", "%s: %r" % (what, body))
        self.assertEqual(body.get("Scope"), "full", "%s: %r" % (what, body))
        self.assertTrue(body.get("SessionToken"), "%s: no SessionToken in %r" % (what, body))
        return body["SessionToken"]

    def whoami(self, token):
        return self.assertOK(self.post("WhoAmI", {}, token=token), "WhoAmI")

    def passkeys(self, token, user=None):
        body = {} if user is None else {"UserName": user}
        return self.assertOK(self.post("ListPasskeys", body, token=token),
                             "ListPasskeys")["Passkeys"]

    # ---- registration ----

    def start_registration(self, token):
        r = self.post("StartPasskeyRegistration", {}, token=token)
        return self.assertOK(r, "StartPasskeyRegistration")["Options"]

    def finish_registration(self, token, credential, name=None):
        body = {"Credential": credential}
        if name is not None:
            body["Name"] = name
        return self.post("FinishPasskeyRegistration", body, token=token)

    def register(self, token, name=None, auth=None, **knobs):
        """Register a new passkey; return (the Passkey object, the softauthn Credential).

        One softauthn stands for all authenticators of a user here, so it ignores the
        options' excludeCredentials, which would stop a second passkey of the same user.
        """
        auth = auth or self.auth
        knobs.setdefault("honor_exclude", False)
        response, credential = auth.create(self.start_registration(token), **knobs)
        r = self.finish_registration(token, response, name)
        return self.assertOK(r, "FinishPasskeyRegistration")["Passkey"], credential

    def registration_response(self, token, **knobs):
        """Return a registration response for fresh options that softauthn does not keep."""
        knobs.setdefault("honor_exclude", False)
        response, _ = self.auth.create(self.start_registration(token), store=False, **knobs)
        return response

    # ---- logon ----

    def logon_challenge(self, name, password=PASSWORD):
        """Pass the password step of a user with a passkey and return the logon challenge."""
        body = self.assertOK(self.login(self.principal(name), password), "Login %s" % name)
        self.assertEqual(body.get("Status"), "MFARequired", "Login %s: %r" % (name, body))
        self.assertIn("passkey", body.get("Methods", []), "Login %s: %r" % (name, body))
        return body["Challenge"]

    def start_login(self, challenge=None):
        body = {} if challenge is None else {"Challenge": challenge}
        return self.assertOK(self.post("StartPasskeyLogin", body), "StartPasskeyLogin")["Options"]

    def login_mfa_passkey(self, challenge, assertion):
        return self.post("LoginMFA", {"Challenge": challenge, "Method": "passkey",
                                      "Credential": assertion})

    def second_factor(self, name, auth=None, **knobs):
        """Log on with the password and an assertion made with knobs; return the Response."""
        challenge = self.logon_challenge(name)
        assertion = (auth or self.auth).get(self.start_login(challenge), **knobs)
        return self.login_mfa_passkey(challenge, assertion)

    def login_passkey(self, assertion):
        return self.post("LoginPasskey", {"Credential": assertion})

    def passwordless(self, auth=None, **knobs):
        """Log on with an assertion alone, made with knobs; return the Response."""
        assertion = (auth or self.auth).get(self.start_login(), **knobs)
        return self.login_passkey(assertion)

    def assertMalformed(self, r, what):
        self.assertEqual(r.status, 400, "%s: expected HTTP 400, got %r" % (what, r))
        self.assertIsNotNone(r.json, "%s: the error body is not JSON: %r" % (what, r))
        self.assertIn(r.json.get("code"), MALFORMED_CODES, "%s: %r" % (what, r.json))
        self.assertTrue(self.server.healthy(), "%s: mfad stopped answering" % what)

    def other_port_origin(self):
        port = self.server.port
        return "http://localhost:%d" % (port + 1 if port < 65535 else port - 1)

    def foreign_origins(self):
        """Return (label, origin) pairs that must never pass: other site, scheme, port, host."""
        port = self.server.port
        return (("another site", "https://evil.example"),
                ("another port", self.other_port_origin()),
                ("https scheme", "https://localhost:%d" % port),
                ("unlisted subdomain", "http://sub.localhost:%d" % port),
                ("no port", "http://localhost"),
                ("trailing slash", "http://localhost:%d/" % port))


def changed_byte(b64_text):
    """Return base64url b64_text with its first byte changed."""
    raw = b64u_decode(b64_text)
    return b64u(bytes([raw[0] ^ 0x01]) + raw[1:])


class RegistrationTest(PasskeyTestCase):
    """StartPasskeyRegistration and FinishPasskeyRegistration with valid responses."""

    def setUp(self):
        super().setUp()
        self.token = self.add_user("alice")

    def test_creation_options(self):
        options = self.start_registration(self.token)
        self.assertEqual(options["rp"], {"id": "localhost", "name": "mfad"})
        self.assertEqual(options["user"]["name"], "alice@example")
        self.assertEqual(options["user"]["displayName"], "alice",
                         "DisplayName defaults to the user name")
        handle = b64u_decode(options["user"]["id"])
        self.assertEqual(len(handle), USER_HANDLE_BYTES)
        self.assertNotIn(b"alice", handle, "the user handle must not contain the name")
        self.assertNotIn(b"example", handle, "the user handle must not contain the alias")
        self.assertEqual(len(b64u_decode(options["challenge"])), CHALLENGE_BYTES)
        self.assertEqual(options["timeout"], CEREMONY_TIMEOUT_MS)
        self.assertEqual(options["attestation"], "none")
        algorithms = [p["alg"] for p in options["pubKeyCredParams"]]
        self.assertEqual(sorted(algorithms), sorted(int(a) for a in ALL_ALGORITHMS.split(",")))
        for param in options["pubKeyCredParams"]:
            self.assertEqual(param["type"], "public-key")
        self.assertEqual(options.get("excludeCredentials", []), [],
                         "a user with no passkey has nothing to exclude")
        selection = options["authenticatorSelection"]
        self.assertEqual(selection["residentKey"], "preferred")
        self.assertEqual(selection["userVerification"], "preferred")

    def test_challenge_new_each_time(self):
        first = self.start_registration(self.token)
        second = self.start_registration(self.token)
        self.assertNotEqual(first["challenge"], second["challenge"])
        self.assertEqual(first["user"]["id"], second["user"]["id"], "one user, one handle")

    def test_user_handle_per_user(self):
        bob_token = self.add_user("bob")
        alice = self.start_registration(self.token)["user"]["id"]
        bob = self.start_registration(bob_token)["user"]["id"]
        self.assertNotEqual(alice, bob)

    def test_passkey_object(self):
        before = self.server.now()
        passkey, credential = self.register(self.token, "Laptop")
        self.assertEqual(passkey["Name"], "Laptop")
        self.assertIsInstance(passkey["PasskeyId"], str)
        self.assertEqual(passkey["CredentialId"], credential.id_b64)
        self.assertEqual(passkey["Algorithm"], "ES256")
        self.assertEqual(passkey["AAGUID"], str(softauthn.TEST_AAGUID))
        self.assertEqual(passkey["Transports"], ["internal", "hybrid"])
        self.assertIs(passkey["BackupEligible"], False)
        self.assertIs(passkey["BackupState"], False)
        self.assertTrue(before - 5 <= passkey["CreateDate"] <= self.server.now() + 5,
                        "CreateDate %r is not the server's time" % passkey["CreateDate"])
        self.assertEqual(passkey["LastUsedDate"], 0)
        self.assertEqual(self.passkeys(self.token), [passkey])

    def test_synced_passkey_flags(self):
        passkey, _ = self.register(self.token, be=True, bs=True, counter_step=0)
        self.assertIs(passkey["BackupEligible"], True)
        self.assertIs(passkey["BackupState"], True)

    def test_default_names_distinct(self):
        first, _ = self.register(self.token)
        second, _ = self.register(self.token)
        self.assertTrue(first["Name"].startswith("Passkey "), first["Name"])
        self.assertTrue(second["Name"].startswith("Passkey "), second["Name"])
        self.assertNotEqual(first["Name"], second["Name"])

    def test_list_oldest_first(self):
        names = ["first", "second", "third"]
        for name in names:
            self.register(self.token, name)
        self.assertEqual([p["Name"] for p in self.passkeys(self.token)], names)

    def test_rename(self):
        passkey, _ = self.register(self.token, "Laptop")
        r = self.post("UpdatePasskey", {"PasskeyId": passkey["PasskeyId"],
                                        "NewName": "Work laptop"}, token=self.token)
        renamed = self.assertOK(r, "UpdatePasskey")["Passkey"]
        self.assertEqual(renamed["Name"], "Work laptop")
        self.assertEqual(renamed["CredentialId"], passkey["CredentialId"])
        self.assertEqual(self.passkeys(self.token)[0]["Name"], "Work laptop")

    def test_rename_duplicate_name(self):
        first, _ = self.register(self.token, "Laptop")
        self.register(self.token, "Phone")
        r = self.post("UpdatePasskey", {"PasskeyId": first["PasskeyId"], "NewName": "Phone"},
                      token=self.token)
        self.assertError(r, 409, "EntityAlreadyExists.PasskeyName", "rename to a used name")
        self.assertEqual([p["Name"] for p in self.passkeys(self.token)], ["Laptop", "Phone"])

    def test_finish_duplicate_name(self):
        self.register(self.token, "Laptop")
        r = self.finish_registration(self.token, self.registration_response(self.token), "Laptop")
        self.assertError(r, 409, "EntityAlreadyExists.PasskeyName", "finish with a used name")
        self.assertEqual(len(self.passkeys(self.token)), 1)

    def test_same_name_other_user(self):
        bob_token = self.add_user("bob")
        self.register(self.token, "Laptop")
        bob_auth = softauthn.SoftAuthenticator(self.server.origin)
        passkey, _ = self.register(bob_token, "Laptop", auth=bob_auth)
        self.assertEqual(passkey["Name"], "Laptop", "names are unique per user only")

    def test_invalid_names(self):
        passkey, _ = self.register(self.token, "Laptop")
        for name in ("", "x" * 65):
            with self.subTest(length=len(name)):
                r = self.post("UpdatePasskey", {"PasskeyId": passkey["PasskeyId"],
                                                "NewName": name}, token=self.token)
                self.assertError(r, 400, "InvalidParameter", "UpdatePasskey %d characters"
                                 % len(name))
                r = self.finish_registration(self.token, self.registration_response(self.token),
                                             name)
                self.assertError(r, 400, "InvalidParameter", "Name of %d characters" % len(name))
        passkey, _ = self.register(self.token, "y" * 64)
        self.assertEqual(passkey["Name"], "y" * 64, "64 characters are allowed")

    def test_delete(self):
        passkey, credential = self.register(self.token, "Laptop")
        r = self.post("DeletePasskey", {"PasskeyId": passkey["PasskeyId"]}, token=self.token)
        self.assertEqual(self.assertOK(r, "DeletePasskey"), {})
        self.assertEqual(self.passkeys(self.token), [])
        r = self.post("DeletePasskey", {"PasskeyId": passkey["PasskeyId"]}, token=self.token)
        self.assertError(r, 404, "EntityNotExist.Passkey", "DeletePasskey twice")
        r = self.post("UpdatePasskey", {"PasskeyId": passkey["PasskeyId"], "NewName": "x"},
                      token=self.token)
        self.assertError(r, 404, "EntityNotExist.Passkey", "UpdatePasskey of a deleted one")
        self.assertError(self.passwordless(credential=credential), 401, "InvalidPasskey",
                         "passwordless logon with a deleted passkey")
        body = self.assertOK(self.login(self.principal("alice"), PASSWORD), "Login")
        self.assertEqual(body.get("Status"), "OK",
                         "with no passkey left, no second factor is due: %r" % body)

    def test_exclude_credentials(self):
        _, credential = self.register(self.token)
        options = self.start_registration(self.token)
        self.assertEqual([e["id"] for e in options["excludeCredentials"]], [credential.id_b64])
        self.assertEqual(options["excludeCredentials"][0]["type"], "public-key")
        with self.assertRaises(softauthn.CredentialExcluded):
            self.auth.create(options)

    def test_every_algorithm(self):
        for alg in softauthn.ALGORITHMS:
            name = softauthn.ALGORITHM_NAMES[alg]
            with self.subTest(alg=name):
                passkey, credential = self.register(self.token, name, alg=alg)
                self.assertEqual(passkey["Algorithm"], name)
                self.assertSession(self.second_factor("alice", credential=credential),
                                   "second factor with %s" % name)
                self.assertSession(self.passwordless(credential=credential),
                                   "passwordless logon with %s" % name)

    def test_packed_self_attestation(self):
        for alg in softauthn.ALGORITHMS:
            name = softauthn.ALGORITHM_NAMES[alg]
            with self.subTest(alg=name):
                _, credential = self.register(self.token, name, alg=alg, fmt="packed")
                self.assertSession(self.passwordless(credential=credential),
                                   "passwordless logon with packed %s" % name)

    def test_fido_u2f_attestation(self):
        # With attestation_trust = none a valid statement is checked and accepted untrusted.
        _, credential = self.register(self.token, fmt="fido-u2f", aaguid=uuid.UUID(int=0))
        self.assertSession(self.second_factor("alice", credential=credential),
                           "second factor with a fido-u2f registration")

    def test_uv_not_required(self):
        # userVerification "preferred" lets an authenticator without verification register.
        _, credential = self.register(self.token, uv=False)
        self.assertSession(self.second_factor("alice", credential=credential, uv=False),
                           "second factor without UV")

    def test_response_public_key_ignored(self):
        # The key comes from the attested credential data, not from toJSON()'s publicKey.
        options = self.start_registration(self.token)
        response, credential = self.auth.create(options)
        response["response"]["publicKey"] = b64u(softauthn.Key().spki())
        self.assertOK(self.finish_registration(self.token, response), "finish")
        self.assertSession(self.passwordless(credential=credential),
                           "logon with the attested key")

    def test_credential_id_1023_bytes(self):
        passkey, credential = self.register(self.token, credential_id_length=1023)
        self.assertEqual(passkey["CredentialId"], credential.id_b64)
        self.assertSession(self.second_factor("alice"), "second factor with a 1023-byte ID")

    def test_two_authenticators(self):
        phone = softauthn.SoftAuthenticator(self.server.origin)
        self.register(self.token, "Laptop")
        self.register(self.token, "Phone", auth=phone)
        self.assertSession(self.second_factor("alice", auth=phone), "second factor, phone")
        self.assertSession(self.second_factor("alice"), "second factor, laptop")


class RegistrationAccessTest(PasskeyTestCase):
    """Who may register, list, rename and delete which passkeys."""

    def setUp(self):
        super().setUp()
        self.alice_token = self.add_user("alice")
        self.bob_token = self.add_user("bob")
        self.bob_auth = softauthn.SoftAuthenticator(self.server.origin)
        self.alice_passkey, self.alice_credential = self.register(self.alice_token, "Laptop")
        self.bob_passkey, _ = self.register(self.bob_token, "Phone", auth=self.bob_auth)

    def test_needs_session(self):
        self.assertError(self.post("StartPasskeyRegistration", {}), 401, "NotAuthenticated",
                         "StartPasskeyRegistration without a session")
        response = self.registration_response(self.alice_token)
        self.assertError(self.finish_registration(None, response), 401, "NotAuthenticated",
                         "FinishPasskeyRegistration without a session")
        for action in ("ListPasskeys", "UpdatePasskey", "DeletePasskey"):
            self.assertError(self.post(action, {"PasskeyId": self.alice_passkey["PasskeyId"],
                                                "NewName": "x"}), 401, "NotAuthenticated",
                             "%s without a session" % action)

    def test_change_password_session_restricted(self):
        self.create_user("carol", PASSWORD, password_reset_required=True)
        body = self.assertOK(self.login(self.principal("carol"), PASSWORD), "Login carol")
        self.assertEqual(body.get("Scope"), "change-password", "Login carol: %r" % body)
        token = body["SessionToken"]
        self.assertError(self.post("StartPasskeyRegistration", {}, token=token), 403,
                         "SessionRestricted", "StartPasskeyRegistration in a change-password "
                         "session")

    def test_bind_mfa_session_registers(self):
        # A passkey satisfies "MFA binding required" as a bound device does.
        self.create_user("carol", PASSWORD, mfa_bind_required=True)
        body = self.assertOK(self.login(self.principal("carol"), PASSWORD), "Login carol")
        self.assertEqual(body.get("Status"), "BindMFARequired", "Login carol: %r" % body)
        bind_token = body["SessionToken"]
        self.assertError(self.post("ListPasskeys", {}, token=bind_token), 403,
                         "SessionRestricted", "ListPasskeys in a bind-mfa session")

        carol_auth = softauthn.SoftAuthenticator(self.server.origin)
        response, _ = carol_auth.create(self.start_registration(bind_token))
        r = self.finish_registration(bind_token, response, "Laptop")
        body = self.assertOK(r, "FinishPasskeyRegistration in a bind-mfa session")
        self.assertEqual(body["Passkey"]["Name"], "Laptop")
        full_token = self.assertSession(r, "FinishPasskeyRegistration in a bind-mfa session")
        self.assertNotEqual(full_token, bind_token, "registering must issue a new token")
        self.assertIn("mfad_session=", r.headers.get("Set-Cookie", ""))
        self.assertError(self.post("WhoAmI", {}, token=bind_token), 401, "NotAuthenticated",
                         "the bind-mfa token after registering")
        self.assertEqual(self.whoami(full_token)["Scope"], "full")
        self.assertEqual(len(self.passkeys(full_token)), 1)
        self.assertSession(self.second_factor("carol", auth=carol_auth),
                           "carol's logon with the passkey")

    def test_owner_lists_user(self):
        listed = self.passkeys(self.owner_token, "alice")
        self.assertEqual([p["PasskeyId"] for p in listed], [self.alice_passkey["PasskeyId"]])
        r = self.post("ListPasskeys", {"UserName": "nobody"}, token=self.owner_token)
        self.assertError(r, 404, "EntityNotExist.User", "ListPasskeys of an unknown user")

    def test_user_lists_self_only(self):
        self.assertEqual([p["PasskeyId"] for p in self.passkeys(self.alice_token, "alice")],
                         [self.alice_passkey["PasskeyId"]])
        r = self.post("ListPasskeys", {"UserName": "bob"}, token=self.alice_token)
        self.assertError(r, 403, "Forbidden", "alice lists bob's passkeys")

    def test_update_other_users_passkey(self):
        r = self.post("UpdatePasskey", {"PasskeyId": self.bob_passkey["PasskeyId"],
                                        "NewName": "mine"}, token=self.alice_token)
        self.assertError(r, 404, "EntityNotExist.Passkey", "alice renames bob's passkey")
        self.assertEqual(self.passkeys(self.bob_token)[0]["Name"], "Phone")

    def test_delete_other_users_passkey(self):
        r = self.post("DeletePasskey", {"PasskeyId": self.bob_passkey["PasskeyId"]},
                      token=self.alice_token)
        self.assertError(r, 404, "EntityNotExist.Passkey", "alice deletes bob's passkey")
        r = self.post("DeletePasskey", {"PasskeyId": self.bob_passkey["PasskeyId"],
                                        "UserName": "bob"}, token=self.alice_token)
        self.assertError(r, 403, "Forbidden", "alice names bob in DeletePasskey")
        self.assertEqual(len(self.passkeys(self.bob_token)), 1)

    def test_owner_deletes_users_passkey(self):
        r = self.post("DeletePasskey", {"PasskeyId": self.bob_passkey["PasskeyId"],
                                        "UserName": "alice"}, token=self.owner_token)
        self.assertError(r, 404, "EntityNotExist.Passkey", "bob's passkey named as alice's")
        r = self.post("DeletePasskey", {"PasskeyId": self.bob_passkey["PasskeyId"],
                                        "UserName": "bob"}, token=self.owner_token)
        self.assertEqual(self.assertOK(r, "owner deletes bob's passkey"), {})
        self.assertEqual(self.passkeys(self.bob_token), [])
        self.assertEqual(len(self.passkeys(self.alice_token)), 1)

    def test_duplicate_credential_same_user(self):
        # The same credential ID with a new key: the stored key must stay.
        response = self.registration_response(self.alice_token,
                                              credential_id=self.alice_credential.id)
        self.assertError(self.finish_registration(self.alice_token, response), 409,
                         "EntityAlreadyExists.Passkey", "the same credential ID again")
        self.assertEqual(len(self.passkeys(self.alice_token)), 1)
        self.assertSession(self.second_factor("alice", credential=self.alice_credential),
                           "the registered key still works")

    def test_duplicate_credential_other_user(self):
        response, _ = self.bob_auth.create(self.start_registration(self.bob_token),
                                           credential_id=self.alice_credential.id, store=False)
        self.assertError(self.finish_registration(self.bob_token, response), 409,
                         "EntityAlreadyExists.Passkey", "alice's credential ID for bob")
        self.assertEqual(len(self.passkeys(self.bob_token)), 1)
        self.assertSession(self.second_factor("alice", credential=self.alice_credential),
                           "alice's key still works")


class RegistrationRejectTest(PasskeyTestCase):
    """Registration responses that fail one WebAuthn step get 400 InvalidPasskey."""

    def setUp(self):
        super().setUp()
        self.token = self.add_user("alice")

    def assertRejected(self, what, mutate=None, **knobs):
        response = self.registration_response(self.token, **knobs)
        if mutate is not None:
            mutate(response)
        r = self.finish_registration(self.token, response)
        self.assertError(r, 400, "InvalidPasskey", what)

    def tearDown(self):
        if self.server.running():
            self.assertEqual(self.passkeys(self.token), [], "a rejected passkey was stored")

    def test_foreign_origins(self):
        for label, origin in self.foreign_origins():
            with self.subTest(origin=label):
                self.assertRejected("origin %s" % origin, origin=origin)

    def test_other_rp_id_hash(self):
        self.assertRejected("rpIdHash of example.com", rp_id="example.com")
        self.assertRejected("rpIdHash of sub.localhost", rp_id="sub.localhost")

    def test_type_get(self):
        self.assertRejected("clientData type webauthn.get", ceremony="webauthn.get")

    def test_user_not_present(self):
        self.assertRejected("UP=0", up=False)

    def test_backup_state_without_eligible(self):
        self.assertRejected("BE=0 with BS=1", be=False, bs=True)

    def test_no_attested_data(self):
        self.assertRejected("AT=0", at=False)

    def test_auth_data_id_differs(self):
        self.assertRejected("authData credential ID differs from rawId",
                            auth_data_credential_id=os.urandom(32))

    def test_credential_id_1024_bytes(self):
        self.assertRejected("1024-byte credential ID", credential_id_length=1024)

    def test_key_alg_mismatch(self):
        self.assertRejected("P-256 key labelled ES384", cose_alg=softauthn.ES384)
        self.assertRejected("P-256 key labelled EdDSA", cose_alg=softauthn.EDDSA)
        self.assertRejected("RSA key labelled ES256", alg=softauthn.RS256, cose_alg=softauthn.ES256)

    def test_unknown_algorithm(self):
        self.assertRejected("COSE alg -65535", cose_alg=-65535)

    def test_cose_key_missing_coordinate(self):
        key = softauthn.Key()
        cose_map = key.cose_map()
        del cose_map[-3]
        self.assertRejected("EC2 key without y", key=key, cose_key=cbor(cose_map))

    def test_cose_point_not_on_curve(self):
        key = softauthn.Key()
        cose_map = key.cose_map()
        cose_map[-3] = bytes(31) + b"\x01"
        self.assertRejected("EC2 point off the curve", key=key, cose_key=cbor(cose_map))

    def test_unrequested_extension(self):
        self.assertRejected("unrequested extension output", extensions={"example": True})

    def test_token_binding_present(self):
        self.assertRejected("tokenBinding present",
                            client_extra={"tokenBinding": {"status": "present", "id": "AAAA"}})

    def test_cross_origin_unlisted_top(self):
        self.assertRejected("crossOrigin with an unlisted topOrigin",
                            client_extra={"crossOrigin": True,
                                          "topOrigin": "https://evil.example"})

    def test_packed_bad_signature(self):
        self.assertRejected("packed statement with a bad signature", fmt="packed",
                            bad_attestation_signature=True)

    def test_packed_other_alg(self):
        key = softauthn.Key()

        def relabel(response):
            attestation = softauthn.cbor2.loads(b64u_decode(
                response["response"]["attestationObject"]))
            attestation["attStmt"]["alg"] = softauthn.RS256
            response["response"]["attestationObject"] = b64u(cbor(attestation))

        self.assertRejected("packed alg differs from the key's", mutate=relabel, key=key,
                            fmt="packed")

    def test_unknown_format(self):
        self.assertRejected("fmt foo", fmt="foo")

    def test_none_with_statement(self):
        self.assertRejected("fmt none with a non-empty attStmt",
                            att_stmt={"alg": softauthn.ES256, "sig": b"\x30\x00"})

    def test_fido_u2f_nonzero_aaguid(self):
        # fido-u2f authenticators predate AAGUIDs, so the field must be zero.
        self.assertRejected("fido-u2f with a non-zero AAGUID", fmt="fido-u2f")

    def test_fido_u2f_bad_signature(self):
        self.assertRejected("fido-u2f with a bad signature", fmt="fido-u2f",
                            aaguid=uuid.UUID(int=0), bad_attestation_signature=True)


class RegistrationChallengeTest(PasskeyTestCase):
    """The challenge of a registration: single use, bound to the session, 5 minutes."""

    def setUp(self):
        super().setUp()
        self.token = self.add_user("alice")

    def finish(self, options, token=None, **knobs):
        response, _ = self.auth.create(options, store=False, honor_exclude=False, **knobs)
        return self.finish_registration(token or self.token, response)

    def test_reused(self):
        options = self.start_registration(self.token)
        self.assertOK(self.finish(options), "first finish")
        self.assertError(self.finish(options), 401, "InvalidChallenge",
                         "a second credential for the same challenge")
        self.assertEqual(len(self.passkeys(self.token)), 1)

    def test_spent_by_failure(self):
        options = self.start_registration(self.token)
        self.assertError(self.finish(options, origin="https://evil.example"), 400,
                         "InvalidPasskey", "wrong origin")
        self.assertError(self.finish(options), 401, "InvalidChallenge",
                         "the challenge of a failed registration")

    def test_changed_byte(self):
        options = self.start_registration(self.token)
        self.assertError(self.finish(options, challenge=changed_byte(options["challenge"])),
                         401, "InvalidChallenge", "one byte of the challenge changed")

    def test_never_issued(self):
        options = self.start_registration(self.token)
        self.assertError(self.finish(options, challenge=os.urandom(CHALLENGE_BYTES)), 401,
                         "InvalidChallenge", "a challenge mfad did not issue")

    def test_other_session(self):
        other_token = self.password_session("alice")
        options = self.start_registration(self.token)
        self.assertError(self.finish(options, token=other_token), 401, "InvalidChallenge",
                         "the challenge of another session of the same user")

    def test_other_user(self):
        bob_token = self.add_user("bob")
        bob_options = self.start_registration(bob_token)
        self.assertError(self.finish(bob_options, token=self.token), 401, "InvalidChallenge",
                         "bob's challenge in alice's session")
        self.assertEqual(self.passkeys(self.token), [])

    def test_logon_challenge(self):
        self.register(self.token)
        for label, options in (("passwordless", self.start_login()),
                               ("second factor",
                                self.start_login(self.logon_challenge("alice")))):
            with self.subTest(flow=label):
                registration = self.start_registration(self.token)
                self.assertError(self.finish(registration, challenge=options["challenge"]),
                                 401, "InvalidChallenge",
                                 "a %s logon challenge in a registration" % label)
        self.assertEqual(len(self.passkeys(self.token)), 1)

    def test_expired(self):
        options = self.start_registration(self.token)
        self.server.advance(CHALLENGE_TTL_S + 1)
        self.assertError(self.finish(options), 401, "InvalidChallenge",
                         "a challenge %d s old" % (CHALLENGE_TTL_S + 1))
        self.assertEqual(self.passkeys(self.token), [])

    def test_not_yet_expired(self):
        options = self.start_registration(self.token)
        self.server.advance(CHALLENGE_TTL_S - 10)
        self.assertOK(self.finish(options), "a challenge %d s old" % (CHALLENGE_TTL_S - 10))


class LimitTest(PasskeyTestCase):
    """webauthn.max_passkeys bounds the passkeys of one user."""

    config = webauthn_config(max_passkeys=2)

    def test_limit(self):
        token = self.add_user("alice")
        first, _ = self.register(token)
        self.register(token)
        r = self.post("StartPasskeyRegistration", {}, token=token)
        if r.status == 200:
            response, _ = self.auth.create(r.json["Options"], store=False, honor_exclude=False)
            r = self.finish_registration(token, response)
        self.assertError(r, 409, "LimitExceeded.Passkey", "a third passkey with a limit of 2")
        self.assertEqual(len(self.passkeys(token)), 2)

        self.assertOK(self.post("DeletePasskey", {"PasskeyId": first["PasskeyId"]}, token=token),
                      "DeletePasskey")
        self.register(token)
        self.assertEqual(len(self.passkeys(token)), 2, "a freed place can be used again")

    def test_limit_per_user(self):
        alice_token = self.add_user("alice")
        bob_token = self.add_user("bob")
        self.register(alice_token)
        self.register(alice_token)
        bob_auth = softauthn.SoftAuthenticator(self.server.origin)
        self.register(bob_token, auth=bob_auth)
        self.register(bob_token, auth=bob_auth)


class AlgorithmPolicyTest(PasskeyTestCase):
    """webauthn.algorithms limits the keys a registration may bring."""

    config = webauthn_config(algorithms="-7")

    def test_only_configured_offered(self):
        token = self.add_user("alice")
        options = self.start_registration(token)
        self.assertEqual(options["pubKeyCredParams"], [{"type": "public-key", "alg": -7}])

    def test_other_algorithms_rejected(self):
        token = self.add_user("alice")
        for alg in softauthn.ALGORITHMS:
            if alg == softauthn.ES256:
                continue
            name = softauthn.ALGORITHM_NAMES[alg]
            with self.subTest(alg=name):
                response = self.registration_response(token, alg=alg)
                self.assertError(self.finish_registration(token, response), 400,
                                 "InvalidPasskey", "%s when only ES256 is allowed" % name)
        self.assertEqual(self.passkeys(token), [])
        self.register(token, alg=softauthn.ES256)


class SecondFactorTest(PasskeyTestCase):
    """Password, then a passkey through StartPasskeyLogin and LoginMFA."""

    def setUp(self):
        super().setUp()
        self.token = self.add_user("alice")
        self.passkey, self.credential = self.register(self.token, "Laptop")

    def test_login_offers_passkey(self):
        body = self.assertOK(self.login(self.principal("alice"), PASSWORD), "Login")
        self.assertEqual(body["Status"], "MFARequired")
        self.assertIn("passkey", body["Methods"])
        self.assertNotIn("totp", body["Methods"], "alice has no virtual MFA device")

    def test_request_options(self):
        options = self.start_login(self.logon_challenge("alice"))
        self.assertEqual(len(b64u_decode(options["challenge"])), CHALLENGE_BYTES)
        self.assertEqual(options["rpId"], "localhost")
        self.assertEqual(options["timeout"], CEREMONY_TIMEOUT_MS)
        self.assertEqual(options["userVerification"], "preferred")
        self.assertEqual(options["allowCredentials"],
                         [{"type": "public-key", "id": self.credential.id_b64,
                           "transports": ["internal", "hybrid"]}])

    def test_logon(self):
        r = self.second_factor("alice")
        token = self.assertSession(r, "LoginMFA with a passkey")
        self.assertIn("mfad_session=", r.headers.get("Set-Cookie", ""))
        self.assertOK(self.post("WhoAmI", {}, cookie=token, csrf=r.json.get("CsrfToken")),
                      "the CsrfToken of LoginMFA with a passkey with its cookie")
        me = self.whoami(token)
        self.assertEqual(me["Principal"], "alice@example")
        self.assertIn("password", me["Factors"])
        self.assertIn("passkey", me["Factors"])
        self.assertGreater(self.passkeys(token)[0]["LastUsedDate"], 0)

    def test_uv_zero_accepted(self):
        self.assertSession(self.second_factor("alice", uv=False),
                           "UV=0 after the password with user_verification=preferred")

    def test_with_totp_device(self):
        device = self.create_device(self.owner_token, "alice")
        self.bind_device(self.owner_token, device, "alice")
        body = self.assertOK(self.login(self.principal("alice"), PASSWORD), "Login")
        self.assertEqual(sorted(body["Methods"]), ["passkey", "totp"])
        self.assertSession(self.second_factor("alice"), "passkey next to a TOTP device")

    def test_start_with_bad_challenge(self):
        r = self.post("StartPasskeyLogin", {"Challenge": "not-a-logon-challenge"})
        self.assertError(r, 401, "InvalidChallenge", "StartPasskeyLogin with a bogus challenge")

    def test_start_twice(self):
        # A browser prompt the user cancelled needs new options for the same logon.
        challenge = self.logon_challenge("alice")
        self.start_login(challenge)
        options = self.start_login(challenge)
        self.assertSession(self.login_mfa_passkey(challenge, self.auth.get(options)),
                           "the second options of one logon")

    def test_replayed_assertion(self):
        challenge = self.logon_challenge("alice")
        assertion = self.auth.get(self.start_login(challenge))
        self.assertSession(self.login_mfa_passkey(challenge, assertion), "first use")
        self.assertError(self.login_mfa_passkey(challenge, assertion), 401, "InvalidChallenge",
                         "the assertion again on its spent logon challenge")
        fresh = self.logon_challenge("alice")
        self.start_login(fresh)
        self.assertError(self.login_mfa_passkey(fresh, assertion), 401, "InvalidChallenge",
                         "the assertion again on a new logon challenge")

    def test_reused_webauthn_challenge(self):
        challenge = self.logon_challenge("alice")
        options = self.start_login(challenge)
        self.assertSession(self.login_mfa_passkey(challenge, self.auth.get(options)),
                           "first use")
        fresh = self.logon_challenge("alice")
        self.start_login(fresh)
        self.assertError(self.login_mfa_passkey(fresh, self.auth.get(options)), 401,
                         "InvalidChallenge", "a new assertion over a spent WebAuthn challenge")

    def test_other_logons_challenge(self):
        first = self.logon_challenge("alice")
        first_options = self.start_login(first)
        second = self.logon_challenge("alice")
        self.start_login(second)
        self.assertError(self.login_mfa_passkey(second, self.auth.get(first_options)), 401,
                         "InvalidChallenge", "the WebAuthn challenge of another logon")

    def test_registration_challenge(self):
        registration = self.start_registration(self.token)
        challenge = self.logon_challenge("alice")
        self.start_login(challenge)
        assertion = self.auth.get({"challenge": registration["challenge"],
                                   "rpId": "localhost"}, credential=self.credential)
        self.assertError(self.login_mfa_passkey(challenge, assertion), 401, "InvalidChallenge",
                         "a registration challenge in LoginMFA")

    def test_passwordless_challenge(self):
        passwordless = self.start_login()
        challenge = self.logon_challenge("alice")
        self.start_login(challenge)
        self.assertError(self.login_mfa_passkey(challenge, self.auth.get(passwordless)), 401,
                         "InvalidChallenge", "a passwordless challenge in LoginMFA")

    def test_without_start(self):
        challenge = self.logon_challenge("alice")
        assertion = self.auth.get({"challenge": b64u(os.urandom(CHALLENGE_BYTES)),
                                   "rpId": "localhost"}, credential=self.credential)
        self.assertError(self.login_mfa_passkey(challenge, assertion), 401, "InvalidChallenge",
                         "LoginMFA with no StartPasskeyLogin")

    def test_expired(self):
        challenge = self.logon_challenge("alice")
        options = self.start_login(challenge)
        self.server.advance(CHALLENGE_TTL_S + 1)
        self.assertError(self.login_mfa_passkey(challenge, self.auth.get(options)), 401,
                         "InvalidChallenge", "%d s after StartPasskeyLogin" % (CHALLENGE_TTL_S + 1))

    def test_other_users_credential(self):
        # The response equals that for an unknown credential, so it does not reveal the owner.
        bob_token = self.add_user("bob")
        bob_auth = softauthn.SoftAuthenticator(self.server.origin)
        _, bob_credential = self.register(bob_token, auth=bob_auth)
        # Neither sends userHandle, so the owner of the credential is the only difference.
        other = self.second_factor("alice", auth=bob_auth, credential=bob_credential,
                                   user_handle=None)
        unknown = self.second_factor("alice", credential_id=os.urandom(32), user_handle=None)
        self.assertError(other, 401, "InvalidPasskey", "bob's credential in alice's logon")
        self.assertError(unknown, 401, "InvalidPasskey", "an unknown credential")
        self.assertEqual(other.json, unknown.json, "the two answers must be the same")

    def test_other_users_handle(self):
        bob_token = self.add_user("bob")
        bob_handle = b64u_decode(self.start_registration(bob_token)["user"]["id"])
        self.assertError(self.second_factor("alice", user_handle=bob_handle), 401,
                         "InvalidPasskey", "alice's credential with bob's userHandle")

    def test_no_user_handle_accepted(self):
        # userHandle is optional after the password: the user is known already.
        self.assertSession(self.second_factor("alice", user_handle=None),
                           "second factor without userHandle")

    def test_five_failures_spend_challenge(self):
        challenge = self.logon_challenge("alice")
        for attempt in range(1, 5):
            assertion = self.auth.get(self.start_login(challenge), bad_signature=True)
            self.assertError(self.login_mfa_passkey(challenge, assertion), 401, "InvalidPasskey",
                             "bad signature %d of 5" % attempt)
        assertion = self.auth.get(self.start_login(challenge), bad_signature=True)
        r = self.login_mfa_passkey(challenge, assertion)
        self.assertEqual(r.status, 401, "bad signature 5 of 5: %r" % (r,))
        r = self.post("StartPasskeyLogin", {"Challenge": challenge})
        if r.status == 200:
            r = self.login_mfa_passkey(challenge, self.auth.get(r.json["Options"]))
        self.assertError(r, 401, "InvalidChallenge", "a valid assertion after 5 failures")

    def test_failed_steps(self):
        other_key = softauthn.Key()
        cases = [("origin " + label, {"origin": origin})
                 for label, origin in self.foreign_origins()]
        cases += [
            ("rpIdHash of example.com", {"rp_id": "example.com"}),
            ("type webauthn.create", {"ceremony": "webauthn.create"}),
            ("UP=0", {"up": False}),
            ("bad signature", {"bad_signature": True}),
            ("signature by another key", {"signing_key": other_key}),
            ("BE=1 on a passkey registered with BE=0", {"be": True, "bs": False}),
            ("BE=0 with BS=1", {"be": False, "bs": True}),
            ("unrequested extension", {"extensions": {"example": True}}),
            ("tokenBinding present",
             {"client_extra": {"tokenBinding": {"status": "present", "id": "AAAA"}}}),
            ("crossOrigin with an unlisted topOrigin",
             {"client_extra": {"crossOrigin": True, "topOrigin": "https://evil.example"}}),
        ]
        for label, knobs in cases:
            with self.subTest(case=label):
                self.assertError(self.second_factor("alice", **knobs), 401, "InvalidPasskey",
                                 label)
        self.assertSession(self.second_factor("alice"), "a valid assertion after the failures")

    def test_parallel_one_assertion(self):
        challenge = self.logon_challenge("alice")
        assertion = self.auth.get(self.start_login(challenge))
        barrier = threading.Barrier(PARALLEL_REQUESTS)

        def attempt(_):
            barrier.wait(timeout=30)
            return self.login_mfa_passkey(challenge, assertion)

        with ThreadPoolExecutor(max_workers=PARALLEL_REQUESTS) as pool:
            results = list(pool.map(attempt, range(PARALLEL_REQUESTS)))
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses.count(200), 1,
                         "one assertion in %d parallel LoginMFA must succeed once: %r"
                         % (PARALLEL_REQUESTS, statuses))
        self.assertEqual([s for s in statuses if s not in (200, 401, 429)], [],
                         "the others must get 401 or 429: %r" % statuses)


class UserVerificationRequiredTest(PasskeyTestCase):
    """webauthn.user_verification = required makes UV needed for the second factor too."""

    config = webauthn_config(user_verification="required")

    def test_second_factor_needs_uv(self):
        token = self.add_user("alice")
        self.register(token)
        options = self.start_login(self.logon_challenge("alice"))
        self.assertEqual(options["userVerification"], "required")
        self.assertError(self.second_factor("alice", uv=False), 401, "InvalidPasskey",
                         "second factor with UV=0 when verification is required")
        self.assertSession(self.second_factor("alice"), "second factor with UV=1")


class UserVerificationDiscouragedTest(PasskeyTestCase):
    """webauthn.user_verification = discouraged: the second factor asks for presence only."""

    config = webauthn_config(user_verification="discouraged")

    def test_second_factor_without_uv(self):
        token = self.add_user("alice")
        self.register(token)
        options = self.start_login(self.logon_challenge("alice"))
        self.assertEqual(options["userVerification"], "discouraged")
        self.assertSession(self.second_factor("alice"), "second factor with UV=0")
        self.assertEqual(self.start_login()["userVerification"], "required",
                         "passwordless logon needs verification whatever the setting")
        self.assertError(self.passwordless(uv=False), 401, "InvalidPasskey",
                         "passwordless logon with UV=0")


class SignCountTest(PasskeyTestCase):
    """The signature counter must grow unless it stays zero, and BE must not change."""

    def setUp(self):
        super().setUp()
        self.token = self.add_user("alice")

    def test_counter_must_grow(self):
        _, credential = self.register(self.token)
        self.assertSession(self.second_factor("alice"), "counter 1")
        self.assertError(self.second_factor("alice", sign_count=1), 401, "InvalidPasskey",
                         "counter 1 again")
        self.assertError(self.second_factor("alice", sign_count=0), 401, "InvalidPasskey",
                         "counter 0 after 1")
        self.assertError(self.passwordless(sign_count=1), 401, "InvalidPasskey",
                         "counter 1 again, passwordless")
        self.assertRegex(self.server.log_text(), re.compile("clone", re.IGNORECASE),
                         "a counter that did not grow is logged as a possible clone")
        self.assertEqual(credential.sign_count, 1)
        self.assertSession(self.second_factor("alice"), "counter 2")
        self.assertSession(self.second_factor("alice", sign_count=1000), "counter 1000")
        self.assertError(self.second_factor("alice", sign_count=999), 401, "InvalidPasskey",
                         "counter 999 after 1000")

    def test_zero_counter_repeats(self):
        self.register(self.token, be=True, bs=True, counter_step=0)
        for attempt in range(3):
            self.assertSession(self.second_factor("alice"), "counter 0, use %d" % attempt)
            self.assertSession(self.passwordless(), "counter 0, passwordless use %d" % attempt)

    def test_zero_after_nonzero(self):
        self.register(self.token, be=True, bs=True, counter_step=0)
        self.assertSession(self.second_factor("alice", sign_count=5), "counter 5 after 0")
        self.assertError(self.second_factor("alice", sign_count=0), 401, "InvalidPasskey",
                         "counter 0 after 5")

    def test_registration_counter(self):
        # A counter above zero at registration is the floor for the first assertion.
        self.register(self.token, sign_count=10)
        self.assertError(self.second_factor("alice", sign_count=10), 401, "InvalidPasskey",
                         "counter 10 after a registration at 10")
        self.assertSession(self.second_factor("alice", sign_count=11), "counter 11")

    def test_backup_eligible_flipped(self):
        _, device_bound = self.register(self.token, "device-bound", be=False)
        _, synced = self.register(self.token, "synced", be=True, bs=True)
        self.assertError(self.second_factor("alice", credential=device_bound, be=True, bs=True),
                         401, "InvalidPasskey", "BE=1 on a passkey registered with BE=0")
        self.assertError(self.second_factor("alice", credential=synced, be=False, bs=False),
                         401, "InvalidPasskey", "BE=0 on a passkey registered with BE=1")
        self.assertError(self.passwordless(credential=synced, be=False, bs=True), 401,
                         "InvalidPasskey", "BE=0 with BS=1")
        self.assertSession(self.second_factor("alice", credential=synced), "synced, unchanged")
        self.assertSession(self.second_factor("alice", credential=device_bound),
                           "device-bound, unchanged")

    def test_backup_state_stored(self):
        passkey, _ = self.register(self.token, be=True, bs=False)
        self.assertIs(passkey["BackupState"], False)
        self.assertSession(self.second_factor("alice", bs=True), "BS turned on")
        self.assertIs(self.passkeys(self.token)[0]["BackupState"], True,
                      "the stored backup state follows the last assertion")


class PasswordlessTest(PasskeyTestCase):
    """StartPasskeyLogin {} and LoginPasskey: a discoverable passkey with UV is the logon."""

    def setUp(self):
        super().setUp()
        self.token = self.add_user("alice")
        self.passkey, self.credential = self.register(self.token, "Laptop")

    def test_request_options(self):
        options = self.start_login()
        self.assertEqual(len(b64u_decode(options["challenge"])), CHALLENGE_BYTES)
        self.assertEqual(options["rpId"], "localhost")
        self.assertEqual(options["timeout"], CEREMONY_TIMEOUT_MS)
        self.assertEqual(options["userVerification"], "required")
        self.assertEqual(options.get("allowCredentials", []), [],
                         "no allowCredentials, so the browser offers discoverable passkeys")

    def test_logon(self):
        r = self.passwordless()
        token = self.assertSession(r, "LoginPasskey")
        self.assertEqual(r.json["User"]["UserName"], "alice")
        self.assertIn("mfad_session=", r.headers.get("Set-Cookie", ""))
        self.assertOK(self.post("WhoAmI", {}, cookie=token, csrf=r.json.get("CsrfToken")),
                      "the CsrfToken of LoginPasskey with its cookie")
        me = self.whoami(token)
        self.assertEqual(me["Principal"], "alice@example")
        self.assertEqual(me["Scope"], "full")
        self.assertIn("passkey", me["Factors"])
        self.assertNotIn("password", me["Factors"], "no password was given")
        self.assertTrue(me["UserVerified"], "a passwordless logon verified the user")

    def test_two_users_one_authenticator(self):
        bob_token = self.add_user("bob")
        _, bob_credential = self.register(bob_token)
        r = self.passwordless(credential=bob_credential)
        self.assertEqual(self.assertOK(r, "bob's passkey")["User"]["UserName"], "bob")
        r = self.passwordless(credential=self.credential)
        self.assertEqual(self.assertOK(r, "alice's passkey")["User"]["UserName"], "alice")

    def test_uv_required(self):
        self.assertError(self.passwordless(uv=False), 401, "InvalidPasskey",
                         "passwordless logon with UV=0")

    def test_no_user_handle(self):
        self.assertError(self.passwordless(user_handle=None), 401, "InvalidPasskey",
                         "passwordless logon without userHandle")

    def test_other_users_handle(self):
        bob_token = self.add_user("bob")
        bob_auth = softauthn.SoftAuthenticator(self.server.origin)
        _, bob_credential = self.register(bob_token, auth=bob_auth)
        self.assertError(self.passwordless(user_handle=bob_credential.user_handle), 401,
                         "InvalidPasskey", "alice's credential with bob's userHandle")
        self.assertError(self.passwordless(auth=bob_auth, user_handle=self.credential.user_handle),
                         401, "InvalidPasskey", "bob's credential with alice's userHandle")
        self.assertError(self.passwordless(user_handle=os.urandom(USER_HANDLE_BYTES)), 401,
                         "InvalidPasskey", "a userHandle of no user")

    def test_unknown_credential(self):
        self.assertError(self.passwordless(credential_id=os.urandom(32)), 401, "InvalidPasskey",
                         "an unknown credential ID")

    def test_replayed_assertion(self):
        assertion = self.auth.get(self.start_login())
        self.assertSession(self.login_passkey(assertion), "first use")
        self.assertError(self.login_passkey(assertion), 401, "InvalidChallenge",
                         "the same assertion again")

    def test_reused_challenge(self):
        options = self.start_login()
        self.assertSession(self.login_passkey(self.auth.get(options)), "first use")
        self.assertError(self.login_passkey(self.auth.get(options)), 401, "InvalidChallenge",
                         "a new assertion over a spent challenge")

    def test_spent_by_failure(self):
        options = self.start_login()
        self.assertError(self.login_passkey(self.auth.get(options, bad_signature=True)), 401,
                         "InvalidPasskey", "bad signature")
        self.assertError(self.login_passkey(self.auth.get(options)), 401, "InvalidChallenge",
                         "the challenge of a failed logon")

    def test_never_issued(self):
        options = {"challenge": b64u(os.urandom(CHALLENGE_BYTES)), "rpId": "localhost"}
        self.assertError(self.login_passkey(self.auth.get(options)), 401, "InvalidChallenge",
                         "a challenge mfad did not issue")

    def test_expired(self):
        options = self.start_login()
        self.server.advance(CHALLENGE_TTL_S + 1)
        self.assertError(self.login_passkey(self.auth.get(options)), 401, "InvalidChallenge",
                         "%d s after StartPasskeyLogin" % (CHALLENGE_TTL_S + 1))

    def test_registration_challenge(self):
        registration = self.start_registration(self.token)
        assertion = self.auth.get({"challenge": registration["challenge"], "rpId": "localhost"})
        self.assertError(self.login_passkey(assertion), 401, "InvalidChallenge",
                         "a registration challenge in LoginPasskey")

    def test_second_factor_challenge(self):
        options = self.start_login(self.logon_challenge("alice"))
        self.assertError(self.login_passkey(self.auth.get(options)), 401, "InvalidChallenge",
                         "a second-factor challenge in LoginPasskey")

    def test_failed_steps(self):
        cases = [("origin " + label, {"origin": origin})
                 for label, origin in self.foreign_origins()]
        cases += [
            ("rpIdHash of example.com", {"rp_id": "example.com"}),
            ("type webauthn.create", {"ceremony": "webauthn.create"}),
            ("UP=0", {"up": False}),
            ("bad signature", {"bad_signature": True}),
            ("signature by another key", {"signing_key": softauthn.Key()}),
        ]
        for label, knobs in cases:
            with self.subTest(case=label):
                self.assertError(self.passwordless(**knobs), 401, "InvalidPasskey", label)
        self.assertSession(self.passwordless(), "a valid assertion after the failures")

    def test_disabled_by_owner(self):
        r = self.post("GetSecurityPreference", {}, token=self.owner_token)
        preference = self.assertOK(r, "GetSecurityPreference")["SecurityPreference"]
        self.assertIs(preference["LoginProfilePreference"]["AllowUserToLoginWithPasskey"], True,
                      "passkey logon is allowed by default")

        r = self.post("SetSecurityPreference", {"AllowUserToLoginWithPasskey": False},
                      token=self.owner_token)
        preference = self.assertOK(r, "SetSecurityPreference")["SecurityPreference"]
        self.assertIs(preference["LoginProfilePreference"]["AllowUserToLoginWithPasskey"], False)
        self.assertError(self.passwordless(), 403, "PasskeyLogonDisabled",
                         "passwordless logon turned off")
        self.assertSession(self.second_factor("alice"),
                           "the passkey as the second factor with passkey logon off")

        r = self.post("SetSecurityPreference", {"AllowUserToLoginWithPasskey": True},
                      token=self.owner_token)
        self.assertOK(r, "SetSecurityPreference true")
        self.assertSession(self.passwordless(), "passwordless logon turned on again")

    def test_preference_owner_only(self):
        for action in ("GetSecurityPreference", "SetSecurityPreference"):
            r = self.post(action, {"AllowUserToLoginWithPasskey": True}, token=self.token)
            self.assertError(r, 403, "Forbidden", "%s by a user" % action)

    def test_deleted_user(self):
        r = self.post("DeleteUser", {"UserName": "alice"}, token=self.owner_token)
        self.assertOK(r, "DeleteUser")
        self.assertError(self.passwordless(), 401, "InvalidPasskey",
                         "the passkey of a deleted user")

    def test_parallel_one_assertion(self):
        assertion = self.auth.get(self.start_login())
        barrier = threading.Barrier(PARALLEL_REQUESTS)

        def attempt(_):
            barrier.wait(timeout=30)
            return self.login_passkey(assertion)

        with ThreadPoolExecutor(max_workers=PARALLEL_REQUESTS) as pool:
            results = list(pool.map(attempt, range(PARALLEL_REQUESTS)))
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses.count(200), 1,
                         "one assertion in %d parallel LoginPasskey must succeed once: %r"
                         % (PARALLEL_REQUESTS, statuses))
        self.assertEqual([s for s in statuses if s not in (200, 401, 429)], [],
                         "the others must get 401 or 429: %r" % statuses)


class MalformedCredentialTest(PasskeyTestCase):
    """Credentials that cannot be decoded get 400, and mfad keeps serving."""

    def setUp(self):
        super().setUp()
        self.token = self.add_user("alice")

    def registration_cases(self, response):
        """Yield (label, credential) variants of a valid registration response."""
        valid_client = b64u_decode(response["response"]["clientDataJSON"])
        attestation = softauthn.cbor2.loads(b64u_decode(response["response"]["attestationObject"]))

        def variant(**members):
            changed = json.loads(json.dumps(response))
            for name, value in members.items():
                if value is None:
                    changed["response"].pop(name, None)
                else:
                    changed["response"][name] = value
            return changed

        def top(name, value):
            changed = json.loads(json.dumps(response))
            if value is None:
                del changed[name]
            else:
                changed[name] = value
            return changed

        yield "credential is a string", "not a credential"
        yield "credential is an array", [response]
        yield "no response", top("response", None)
        yield "response is a string", top("response", "x")
        yield "no id", top("id", None)
        yield "no rawId", top("rawId", None)
        yield "no type", top("type", None)
        yield "type foo", top("type", "foo")
        yield "id differs from rawId", top("id", b64u(os.urandom(32)))
        yield "rawId not base64url", top("rawId", "!!!")
        yield "no clientDataJSON", variant(clientDataJSON=None)
        yield "no attestationObject", variant(attestationObject=None)
        yield "clientDataJSON is a number", variant(clientDataJSON=7)
        yield "clientDataJSON with + and /", variant(clientDataJSON="ab+/cd")
        yield "clientDataJSON with spaces", variant(clientDataJSON="eyJ0 eXBlIjoi")
        yield "clientDataJSON empty", variant(clientDataJSON="")
        yield "clientDataJSON not UTF-8", variant(clientDataJSON=b64u(
            valid_client.replace(b'"origin"', b'"orig\xffin"')))
        yield "clientDataJSON truncated", variant(clientDataJSON=b64u(valid_client[:20]))
        yield "clientDataJSON an array", variant(clientDataJSON=b64u(b"[1,2,3]"))
        yield "clientDataJSON with a NUL", variant(clientDataJSON=b64u(valid_client + b"\x00"))
        yield "attestationObject not base64url", variant(attestationObject="%%%")
        yield "attestationObject empty", variant(attestationObject="")
        yield "attestationObject not CBOR", variant(attestationObject=b64u(b"\xff\xff\xff"))
        yield "attestationObject truncated", variant(attestationObject=b64u(
            b64u_decode(response["response"]["attestationObject"])[:40]))
        yield "attestationObject an array", variant(attestationObject=b64u(cbor([1, 2])))
        yield "attestationObject trailing bytes", variant(attestationObject=b64u(
            cbor(attestation) + b"\x00"))
        for key in ("fmt", "attStmt", "authData"):
            partial = dict(attestation)
            del partial[key]
            yield "attestationObject without %s" % key, variant(
                attestationObject=b64u(cbor(partial)))
        wrong_types = dict(attestation, authData="text", fmt=5)
        yield "attestationObject members of wrong types", variant(
            attestationObject=b64u(cbor(wrong_types)))
        short = dict(attestation, authData=attestation["authData"][:36])
        yield "authData of 36 bytes", variant(attestationObject=b64u(cbor(short)))
        cut = dict(attestation, authData=attestation["authData"][:60])
        yield "authData cut in the credential", variant(attestationObject=b64u(cbor(cut)))
        cose_cut = dict(attestation, authData=attestation["authData"][:-3])
        yield "COSE key truncated", variant(attestationObject=b64u(cbor(cose_cut)))
        deep = b"\x81" * 10000 + b"\x00"
        yield "deeply nested CBOR", variant(attestationObject=b64u(deep))
        huge = b"\x5b\xff\xff\xff\xff\xff\xff\xff\xff"
        yield "CBOR byte string of 2^64-1 bytes", variant(attestationObject=b64u(huge))

    def test_registration(self):
        response = self.registration_response(self.token)
        for label, credential in self.registration_cases(response):
            with self.subTest(case=label):
                options = self.start_registration(self.token)
                if isinstance(credential, dict) and "response" in credential and isinstance(
                        credential["response"], dict):
                    # Point the variant at the new challenge where its clientData still parses.
                    credential = self.rechallenge(credential, options)
                self.assertMalformed(self.finish_registration(self.token, credential), label)
        self.assertEqual(self.passkeys(self.token), [])
        self.register(self.token)

    def rechallenge(self, credential, options):
        """Put the options' challenge into a variant whose clientDataJSON is still valid JSON."""
        text = credential["response"].get("clientDataJSON")
        try:
            client = json.loads(b64u_decode(text))
        except (ValueError, TypeError, AttributeError):
            return credential
        if not isinstance(client, dict):
            return credential
        client["challenge"] = options["challenge"]
        credential["response"]["clientDataJSON"] = b64u(
            json.dumps(client, separators=(",", ":")).encode())
        return credential

    def assertion_cases(self, assertion):
        """Yield (label, credential) variants of a valid assertion."""
        def variant(**members):
            changed = json.loads(json.dumps(assertion))
            for name, value in members.items():
                if value is None:
                    changed["response"].pop(name, None)
                else:
                    changed["response"][name] = value
            return changed

        yield "credential is a string", "x"
        yield "id differs from rawId", dict(assertion, id=b64u(os.urandom(16)))
        yield "rawId not base64url", dict(assertion, rawId="?")
        yield "type foo", dict(assertion, type="foo")
        yield "no signature", variant(signature=None)
        yield "no authenticatorData", variant(authenticatorData=None)
        yield "no clientDataJSON", variant(clientDataJSON=None)
        yield "signature not base64url", variant(signature="a+b/")
        yield "authenticatorData not base64url", variant(authenticatorData="..")
        yield "userHandle not base64url", variant(userHandle="$$")
        yield "clientDataJSON not JSON", variant(clientDataJSON=b64u(b"{not json"))
        yield "clientDataJSON not UTF-8", variant(clientDataJSON=b64u(b'{"type":"\xff"}'))
        yield "authenticatorData empty", variant(authenticatorData="")
        yield "an attestation response", {"id": assertion["id"], "rawId": assertion["rawId"],
                                          "type": "public-key",
                                          "response": {"clientDataJSON": assertion["response"][
                                              "clientDataJSON"],
                                              "attestationObject": b64u(cbor({"fmt": "none"}))}}

    def assertion_case(self, index, options):
        """Return case number index of assertion_cases(), built for options."""
        return list(self.assertion_cases(self.auth.get(options)))[index]

    def test_second_factor(self):
        self.register(self.token)
        count = len(list(self.assertion_cases(self.auth.get(self.start_login()))))
        for index in range(count):
            # Each case has its own logon and options, so only its own defect can fail it.
            challenge = self.logon_challenge("alice")
            label, variant = self.assertion_case(index, self.start_login(challenge))
            with self.subTest(case=label):
                self.assertMalformed(self.login_mfa_passkey(challenge, variant), label)
        self.assertSession(self.second_factor("alice"), "a valid logon after the bad ones")

    def test_passwordless(self):
        self.register(self.token)
        count = len(list(self.assertion_cases(self.auth.get(self.start_login()))))
        for index in range(count):
            label, variant = self.assertion_case(index, self.start_login())
            with self.subTest(case=label):
                self.assertMalformed(self.login_passkey(variant), label)
        self.assertSession(self.passwordless(), "a valid logon after the bad ones")

    def assertBadAuthData(self, r, what):
        self.assertError(r, 400, "InvalidPasskey", what)
        self.assertTrue(self.server.healthy(), "%s: mfad stopped answering" % what)

    def test_trailing_auth_data(self):
        # Bytes after authenticatorData are rejected even when the signature covers them.
        self.register(self.token)
        self.assertBadAuthData(self.passwordless(auth_data_suffix=b"\x00"),
                               "authenticatorData with a byte left over, passwordless")
        self.assertBadAuthData(self.second_factor("alice", auth_data_suffix=b"\x00" * 8),
                               "authenticatorData with bytes left over, second factor")

    def test_short_auth_data(self):
        self.register(self.token)
        for length in (36, 1):
            with self.subTest(length=length):
                options = self.start_login()
                assertion = self.auth.get(options)
                auth_data = b64u_decode(assertion["response"]["authenticatorData"])
                assertion["response"]["authenticatorData"] = b64u(auth_data[:length])
                self.assertBadAuthData(self.login_passkey(assertion),
                                       "authenticatorData of %d bytes, passwordless" % length)
                challenge = self.logon_challenge("alice")
                assertion = self.auth.get(self.start_login(challenge))
                assertion["response"]["authenticatorData"] = b64u(auth_data[:length])
                self.assertBadAuthData(self.login_mfa_passkey(challenge, assertion),
                                       "authenticatorData of %d bytes, second factor" % length)

    def test_body_not_json(self):
        for action in ("FinishPasskeyRegistration", "LoginMFA", "LoginPasskey",
                       "StartPasskeyLogin"):
            with self.subTest(action=action):
                r = self.post(action, raw_body=b'{"Credential": {"id": ', token=self.token)
                self.assertError(r, 400, "MalformedJSON", "%s with a truncated body" % action)
        self.assertError(self.post("LoginPasskey", {}), 400, "MissingParameter",
                         "LoginPasskey without Credential")
        self.assertError(self.post("FinishPasskeyRegistration", {}, token=self.token), 400,
                         "MissingParameter", "FinishPasskeyRegistration without Credential")

    def test_start_login_challenge_type(self):
        r = self.post("StartPasskeyLogin", {"Challenge": 12})
        self.assertError(r, 400, "InvalidParameter", "a number as the logon challenge")


class LogSecretsTest(PasskeyTestCase):
    """No session token or challenge reaches mfad's log (it runs at debug level)."""

    def test_log_has_no_secrets(self):
        tokens = [self.owner_token]
        challenges = []
        token = self.add_user("alice")
        tokens.append(token)

        options = self.start_registration(token)
        challenges.append(options["challenge"])
        response, _ = self.auth.create(options)
        self.assertOK(self.finish_registration(token, response), "FinishPasskeyRegistration")
        # A failed registration and a replayed one, so error paths are in the log too.
        options = self.start_registration(token)
        challenges.append(options["challenge"])
        bad, _ = self.auth.create(options, origin="https://evil.example", store=False,
                                 honor_exclude=False)
        self.finish_registration(token, bad)
        self.finish_registration(token, bad)

        logon = self.logon_challenge("alice")
        challenges.append(logon)
        options = self.start_login(logon)
        challenges.append(options["challenge"])
        self.login_mfa_passkey(logon, self.auth.get(options, bad_signature=True))
        r = self.login_mfa_passkey(logon, self.auth.get(self.start_login(logon)))
        tokens.append(self.assertSession(r, "second factor"))

        options = self.start_login()
        challenges.append(options["challenge"])
        tokens.append(self.assertSession(self.login_passkey(self.auth.get(options)),
                                         "passwordless"))
        options = self.start_login()
        challenges.append(options["challenge"])
        self.login_passkey(self.auth.get(options, uv=False))
        self.server.stop()

        log = self.server.log_text()
        self.assertIn("event=logon_success", log, "the log should record the logons")
        for i, value in enumerate(tokens):
            self.assertNotIn(value, log, "the log contains session token %d" % i)
        for i, value in enumerate(challenges):
            raw = b64u_decode(value)
            for form, text in (("base64url", value), ("hex", raw.hex()),
                               ("upper-case hex", raw.hex().upper()),
                               ("base64", base64.b64encode(raw).decode().rstrip("="))):
                self.assertNotIn(text, log, "the log contains challenge %d as %s" % (i, form))


if __name__ == "__main__":
    unittest.main()
