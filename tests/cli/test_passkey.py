"""mfactl passkey verify-registration and verify-assertion on responses recorded from Chromium.

The data in tests/data/chromium/ comes from Chromium's virtual authenticator (see the README
there). Expected values come from the recorder (ceremony.json) and from decoding the JSON here,
never from libmfa. Run with Debian's /usr/bin/python3; CTest sets MFACTL_BIN, and without it the
binary is taken from build/.
"""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MFACTL_BIN = os.environ.get("MFACTL_BIN", os.path.join(ROOT, "build", "mfactl"))
DATA = os.path.join(ROOT, "tests", "data", "chromium")
RUN_TIMEOUT = 60  # seconds of one mfactl run; the sanitizer build is the slow one

# Recorded folder, expected attestation format and attestation type.
RECORDINGS = [
    ("es256", "none", "none"),
    ("es256-packed", "packed", "basic"),
    ("eddsa", "none", "none"),
    ("rs256", "none", "none"),
    ("u2f", "fido-u2f", "basic"),
]

# Unix time of 2047-01-01T00:00:00Z, after the recorded batch certificate expires (late 2046).
AFTER_CERT_EXPIRY = 2429913600


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def cbor_decode(data, pos=0):
    """Decode one definite-length CBOR item (the subset attestation objects use) at pos.

    Returns (value, next position). Maps become dicts, byte strings bytes.
    """
    head = data[pos]
    major, info = head >> 5, head & 0x1F
    pos += 1
    if info < 24:
        arg = info
    else:
        size = 1 << (info - 24)
        arg = int.from_bytes(data[pos:pos + size], "big")
        pos += size
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major in (2, 3):
        raw = data[pos:pos + arg]
        return (raw if major == 2 else raw.decode()), pos + arg
    if major == 4:
        items = []
        for _ in range(arg):
            item, pos = cbor_decode(data, pos)
            items.append(item)
        return items, pos
    if major == 5:
        result = {}
        for _ in range(arg):
            key, pos = cbor_decode(data, pos)
            result[key], pos = cbor_decode(data, pos)
        return result, pos
    raise ValueError("CBOR major type %d not supported here" % major)


def load(name, file_name):
    with open(os.path.join(DATA, name, file_name), encoding="utf-8") as f:
        return json.load(f)


def pem_of(der):
    body = base64.b64encode(der).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


class PasskeyCase(unittest.TestCase):
    """Base for the tests below: runs mfactl on a recording and checks its output."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mfa-cli-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def mfactl(self, args, stdin=None):
        return subprocess.run([MFACTL_BIN] + args, input=stdin, capture_output=True, text=True,
                              timeout=RUN_TIMEOUT, check=False)

    def register_args(self, name, **over):
        c = load(name, "ceremony.json")
        args = {
            "--rp-id": c["rpId"],
            "--origin": c["origin"],
            "--challenge": c["registrationChallenge"],
        }
        if c["userVerification"] == "required":
            args["--user-verification"] = "required"
        args.update(over)
        flat = []
        for key, value in args.items():
            if value is not None:
                flat += [key, str(value)]
        return flat + [os.path.join(DATA, name, "registration.json")]

    def assert_args(self, name, file_name="assertion.json", **over):
        c = load(name, "ceremony.json")
        second = file_name == "assertion-2.json"
        args = {
            "--rp-id": c["rpId"],
            "--origin": c["origin"],
            "--challenge": c["assertion2Challenge" if second else "assertionChallenge"],
            "--public-key": c["coseKey"],
            "--sign-count": c["assertionSignCount" if second else "registrationSignCount"],
        }
        if c["userVerification"] == "required":
            args["--user-verification"] = "required"
        args.update(over)
        flat = []
        for key, value in args.items():
            if value is not None:
                flat += [key, str(value)]
        return flat + [os.path.join(DATA, name, file_name)]

    def run_json(self, command, args, expect_ok):
        p = self.mfactl(["passkey", command, "--json"] + args)
        self.assertEqual(p.returncode, 0 if expect_ok else 1, p.stdout + p.stderr)
        return json.loads(p.stdout)

    def assert_fails_at(self, command, args, code):
        out = self.run_json(command, args, expect_ok=False)
        self.assertFalse(out["verified"])
        self.assertEqual(out["failed_step"], code, out)
        return out


class RecordedResponses(PasskeyCase):
    """Every recorded registration and assertion verifies, and reports what was recorded."""

    def test_registration_verifies(self):
        for name, fmt, att_type in RECORDINGS:
            with self.subTest(name):
                c = load(name, "ceremony.json")
                reg = load(name, "registration.json")
                out = self.run_json("verify-registration", self.register_args(name), True)
                self.assertTrue(out["verified"])
                self.assertIsNone(out["failed_step"])
                self.assertEqual(out["format"], fmt)
                self.assertEqual(out["attestation_type"], att_type)
                self.assertFalse(out["attestation_trusted"])
                self.assertEqual(out["algorithm"], c["alg"])
                self.assertEqual(out["sign_count"], c["registrationSignCount"])
                self.assertEqual(out["flags"], c["registrationFlags"])
                self.assertEqual(out["public_key"], c["coseKey"])
                self.assertEqual(b64url_decode(out["credential_id"]),
                                 b64url_decode(reg["rawId"]))

    def test_registration_text_output(self):
        c = load("es256", "ceremony.json")
        p = self.mfactl(["passkey", "verify-registration"] + self.register_args("es256"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"(?m)^verify registration +ok$")
        self.assertIn("public_key: %s\n" % c["coseKey"], p.stdout)
        self.assertIn("format: none\n", p.stdout)

    def test_registration_from_stdin(self):
        args = self.register_args("eddsa")
        with open(args[-1], encoding="utf-8") as f:
            body = f.read()
        p = self.mfactl(["passkey", "verify-registration", "--json"] + args[:-1] + ["-"], body)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertTrue(json.loads(p.stdout)["verified"])

    def test_registration_key_feeds_assertion(self):
        """The public key that verify-registration prints verifies the later assertions."""
        for name, _, _ in RECORDINGS:
            with self.subTest(name):
                c = load(name, "ceremony.json")
                reg = self.run_json("verify-registration", self.register_args(name), True)
                first = self.run_json("verify-assertion", self.assert_args(
                    name, **{"--public-key": reg["public_key"],
                             "--sign-count": reg["sign_count"]}), True)
                self.assertEqual(first["sign_count"], c["assertionSignCount"])
                second = self.run_json("verify-assertion", self.assert_args(
                    name, "assertion-2.json", **{"--public-key": reg["public_key"],
                                                 "--sign-count": first["sign_count"]}), True)
                self.assertEqual(second["sign_count"], c["assertion2SignCount"])

    def test_assertion_reports_response(self):
        c = load("es256", "ceremony.json")
        a = load("es256", "assertion.json")
        out = self.run_json("verify-assertion", self.assert_args("es256"), True)
        self.assertEqual(out["sign_count"], c["assertionSignCount"])
        self.assertEqual(out["flag_names"], ["UP", "UV"])
        self.assertEqual(out["user_handle"], a["response"]["userHandle"])
        self.assertEqual(b64url_decode(out["credential_id"]), b64url_decode(a["rawId"]))

    def test_assertion_key_from_file(self):
        c = load("rs256", "ceremony.json")
        text_key = os.path.join(self.tmp, "key.b64")
        with open(text_key, "w", encoding="ascii") as f:
            f.write(c["coseKey"] + "\n")
        cbor_key = os.path.join(self.tmp, "key.cbor")
        with open(cbor_key, "wb") as f:
            f.write(b64url_decode(c["coseKey"]))
        for path in (text_key, cbor_key):
            with self.subTest(path):
                self.run_json("verify-assertion",
                              self.assert_args("rs256", **{"--public-key": path}), True)

    def test_assertion_zero_stored_count(self):
        """A stored count of 0 accepts any count, as for authenticators without one."""
        self.run_json("verify-assertion", self.assert_args("eddsa", **{"--sign-count": 0}), True)


class WrongCeremony(PasskeyCase):
    """A response checked against other RP values fails at the step that compares them."""

    def test_registration_wrong_origin(self):
        out = self.assert_fails_at("verify-registration", self.register_args(
            "es256", **{"--origin": "http://localhost:1"}), "MFA_ERR_WEBAUTHN_ORIGIN")
        self.assertIn("http://localhost:1", out["detail"])

    def test_registration_wrong_challenge(self):
        challenge = b64url_encode(b"\x00" * 32)
        out = self.assert_fails_at("verify-registration", self.register_args(
            "es256", **{"--challenge": challenge}), "MFA_ERR_WEBAUTHN_CHALLENGE")
        self.assertIn(challenge, out["detail"])

    def test_registration_wrong_rp_id(self):
        self.assert_fails_at("verify-registration", self.register_args(
            "es256-packed", **{"--rp-id": "example.com"}), "MFA_ERR_WEBAUTHN_RP_ID_HASH")

    def test_registration_with_assertion_challenge(self):
        """The challenge of another ceremony of the same credential is no substitute."""
        c = load("eddsa", "ceremony.json")
        self.assert_fails_at("verify-registration", self.register_args(
            "eddsa", **{"--challenge": c["assertionChallenge"]}), "MFA_ERR_WEBAUTHN_CHALLENGE")

    def test_registration_algorithm_not_offered(self):
        self.assert_fails_at("verify-registration", self.register_args(
            "eddsa", **{"--alg": "ES256"}), "MFA_ERR_WEBAUTHN_ALGORITHM")

    def test_registration_uv_required(self):
        self.assert_fails_at("verify-registration", self.register_args(
            "u2f", **{"--user-verification": "required"}), "MFA_ERR_WEBAUTHN_USER_VERIFIED")

    def test_assertion_wrong_origin(self):
        self.assert_fails_at("verify-assertion", self.assert_args(
            "es256", **{"--origin": "https://localhost"}), "MFA_ERR_WEBAUTHN_ORIGIN")

    def test_assertion_wrong_challenge(self):
        c = load("es256", "ceremony.json")
        self.assert_fails_at("verify-assertion", self.assert_args(
            "es256", **{"--challenge": c["assertion2Challenge"]}), "MFA_ERR_WEBAUTHN_CHALLENGE")

    def test_assertion_wrong_rp_id(self):
        self.assert_fails_at("verify-assertion", self.assert_args(
            "rs256", **{"--rp-id": "localhost.example"}), "MFA_ERR_WEBAUTHN_RP_ID_HASH")

    def test_assertion_count_not_growing(self):
        for name, _, _ in RECORDINGS:
            for stored in ("assertionSignCount", "assertion2SignCount"):
                with self.subTest(name=name, stored=stored):
                    c = load(name, "ceremony.json")
                    out = self.assert_fails_at("verify-assertion", self.assert_args(
                        name, **{"--sign-count": c[stored]}), "MFA_ERR_WEBAUTHN_SIGN_COUNT")
                    self.assertIn("sign count is %d" % c["assertionSignCount"], out["detail"])

    def test_assertion_uv_required(self):
        self.assert_fails_at("verify-assertion", self.assert_args(
            "u2f", **{"--user-verification": "required"}), "MFA_ERR_WEBAUTHN_USER_VERIFIED")

    def test_assertion_backup_eligibility_changed(self):
        self.assert_fails_at("verify-assertion", self.assert_args(
            "es256", **{"--backup-eligible": 1}), "MFA_ERR_WEBAUTHN_BACKUP_ELIGIBILITY_CHANGED")

    def test_assertion_key_of_other_credential(self):
        other = load("es256-packed", "ceremony.json")["coseKey"]
        self.assert_fails_at("verify-assertion", self.assert_args(
            "es256", **{"--public-key": other}), "MFA_ERR_WEBAUTHN_SIGNATURE")


class BadResponses(PasskeyCase):
    """Altered or misplaced responses fail with the code of the check they break."""

    def write_json(self, value):
        path = os.path.join(self.tmp, "response.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(value, f)
        return path

    def test_assertion_given_to_registration(self):
        args = self.register_args("es256")
        args[-1] = os.path.join(DATA, "es256", "assertion.json")
        out = self.assert_fails_at("verify-registration", args, "MFA_ERR_MALFORMED_JSON")
        self.assertEqual(out["steps"][0]["step"], "response")
        self.assertIn("attestationObject", out["steps"][0]["note"])

    def test_registration_given_to_assertion(self):
        args = self.assert_args("es256")
        args[-1] = os.path.join(DATA, "es256", "registration.json")
        self.assert_fails_at("verify-assertion", args, "MFA_ERR_MALFORMED_JSON")

    def test_tampered_signature(self):
        a = load("es256", "assertion.json")
        sig = bytearray(b64url_decode(a["response"]["signature"]))
        sig[-1] ^= 0x01
        a["response"]["signature"] = b64url_encode(bytes(sig))
        args = self.assert_args("es256")
        args[-1] = self.write_json(a)
        self.assert_fails_at("verify-assertion", args, "MFA_ERR_WEBAUTHN_SIGNATURE")

    def test_id_not_raw_id(self):
        reg = load("es256", "registration.json")
        reg["id"] = b64url_encode(b"another credential")
        args = self.register_args("es256")
        args[-1] = self.write_json(reg)
        self.assert_fails_at("verify-registration", args, "MFA_ERR_WEBAUTHN_CREDENTIAL_ID")

    def test_raw_id_not_credential_id(self):
        """rawId and id agree with each other but not with the attested credential ID."""
        reg = load("es256", "registration.json")
        reg["id"] = reg["rawId"] = b64url_encode(b"another credential")
        args = self.register_args("es256")
        args[-1] = self.write_json(reg)
        self.assert_fails_at("verify-registration", args, "MFA_ERR_WEBAUTHN_CREDENTIAL_ID")

    def test_wrong_credential_type(self):
        reg = load("es256", "registration.json")
        reg["type"] = "foo"
        args = self.register_args("es256")
        args[-1] = self.write_json(reg)
        self.assert_fails_at("verify-registration", args, "MFA_ERR_MALFORMED_JSON")

    def test_bad_base64url(self):
        reg = load("es256", "registration.json")
        reg["response"]["clientDataJSON"] = "e30+"
        args = self.register_args("es256")
        args[-1] = self.write_json(reg)
        self.assert_fails_at("verify-registration", args, "MFA_ERR_BAD_ENCODING")

    def test_not_json(self):
        args = self.register_args("es256")
        args[-1] = os.path.join(DATA, "README.md")
        self.assert_fails_at("verify-registration", args, "MFA_ERR_MALFORMED_JSON")


class Attestation(PasskeyCase):
    """Attestation trust against the batch certificate that Chromium's authenticator sends."""

    def batch_cert(self, name):
        reg = load(name, "registration.json")
        att, _ = cbor_decode(b64url_decode(reg["response"]["attestationObject"]))
        path = os.path.join(self.tmp, name + "-batch.pem")
        with open(path, "w", encoding="ascii") as f:
            f.write(pem_of(att["attStmt"]["x5c"][0]))
        return path

    def other_anchor(self):
        openssl = shutil.which("openssl")
        if openssl is None:
            self.skipTest("openssl is not installed")
        cert = os.path.join(self.tmp, "other.pem")
        subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                        os.path.join(self.tmp, "other.key"), "-out", cert, "-subj",
                        "/CN=mfad test unrelated root", "-days", "2"],
                       check=True, capture_output=True, timeout=RUN_TIMEOUT)
        return cert

    def test_required_without_anchor_chain(self):
        for name in ("es256-packed", "u2f"):
            with self.subTest(name):
                self.assert_fails_at("verify-registration", self.register_args(
                    name, **{"--attestation": "required", "--trust-anchor": self.other_anchor()}),
                    "MFA_ERR_WEBAUTHN_ATTESTATION_TRUST")

    def test_required_none_format(self):
        self.assert_fails_at("verify-registration", self.register_args(
            "es256", **{"--attestation": "required", "--trust-anchor": self.other_anchor()}),
            "MFA_ERR_WEBAUTHN_ATTESTATION_TRUST")

    def test_optional_reports_untrusted(self):
        out = self.run_json("verify-registration", self.register_args(
            "es256-packed", **{"--attestation": "optional",
                               "--trust-anchor": self.other_anchor()}), True)
        self.assertFalse(out["attestation_trusted"])

    def test_batch_cert_as_anchor(self):
        """Chromium's self-signed batch certificate, taken as the root, makes it trusted."""
        for name in ("es256-packed", "u2f"):
            with self.subTest(name):
                out = self.run_json("verify-registration", self.register_args(
                    name, **{"--attestation": "required",
                             "--trust-anchor": self.batch_cert(name)}), True)
                self.assertTrue(out["attestation_trusted"])

    def test_expired_at_time(self):
        self.assert_fails_at("verify-registration", self.register_args(
            "es256-packed", **{"--attestation": "required",
                               "--trust-anchor": self.batch_cert("es256-packed"),
                               "--time": AFTER_CERT_EXPIRY}),
            "MFA_ERR_WEBAUTHN_ATTESTATION_TRUST")


class CommandLine(PasskeyCase):
    """Wrong command lines exit with status 2 before reading the response."""

    def test_usage_errors(self):
        cases = {
            "missing rp id": self.register_args("es256", **{"--rp-id": None}),
            "missing file": self.register_args("es256")[:-1],
            "bad challenge": self.register_args("es256", **{"--challenge": "a+b/"}),
            "bad policy": self.register_args("es256", **{"--attestation": "always"}),
            "required without anchor": self.register_args("es256", **{"--attestation": "required"}),
            "unknown option": self.register_args("es256", **{"--sign-count": 1}),
            "bad alg": self.register_args("es256", **{"--alg": "ES999"}),
        }
        for label, args in cases.items():
            with self.subTest(label):
                p = self.mfactl(["passkey", "verify-registration"] + args)
                self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                self.assertIn("mfactl:", p.stderr)

        p = self.mfactl(["passkey", "verify-assertion"] + self.assert_args(
            "es256", **{"--sign-count": "-1"}))
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)

    def test_help(self):
        p = self.mfactl(["passkey", "verify-assertion", "--help"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("--public-key", p.stdout)

    def test_missing_file(self):
        args = self.register_args("es256")
        args[-1] = os.path.join(self.tmp, "absent.json")
        p = self.mfactl(["passkey", "verify-registration"] + args)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("absent.json", p.stderr)


if __name__ == "__main__":
    unittest.main()
