"""Self-test of the software authenticator, with no server: a bug in it shows up here first.

The checks decode what softauthn sends with their own parser (cbor2, struct and
python-cryptography), rebuild each public key from its COSE form and verify every signature.
The fixed COSE prefixes come from the CBOR encoding rules of RFC 8949 and the key labels of
RFC 9053 and RFC 8230, written out by hand.
"""

import hashlib
import io
import json
import struct
import unittest
import uuid

import cbor2
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

import softauthn
from softauthn import b64u, b64u_decode

ORIGIN = "http://localhost:8080"
RP_ID = "localhost"
USER_HANDLE = bytes(range(32))

# Expected COSE_Key bytes before the first coordinate or modulus: map size, kty, alg, then
# the label and byte-string header of the first key parameter.
COSE_PREFIXES = {
    softauthn.ES256: "a5" "0102" "0326" "2001" "215820",
    softauthn.ES384: "a5" "0102" "033822" "2002" "215830",
    softauthn.ES512: "a5" "0102" "033823" "2003" "215842",
    softauthn.EDDSA: "a4" "0101" "0327" "2006" "215820",
    softauthn.RS256: "a4" "0103" "03390100" "20590100",
    softauthn.PS256: "a4" "0103" "033824" "20590100",
}
CURVES = {1: (ec.SECP256R1, hashes.SHA256), 2: (ec.SECP384R1, hashes.SHA384),
          3: (ec.SECP521R1, hashes.SHA512)}


def creation_options(algs=softauthn.ALGORITHMS, exclude=(), uv="preferred"):
    return {"rp": {"id": RP_ID, "name": "mfad"},
            "user": {"id": b64u(USER_HANDLE), "name": "alice@example", "displayName": "Alice"},
            "challenge": b64u(b"c" * 32),
            "pubKeyCredParams": [{"type": "public-key", "alg": a} for a in algs],
            "timeout": 300000, "excludeCredentials": [{"type": "public-key", "id": e}
                                                      for e in exclude],
            "authenticatorSelection": {"residentKey": "preferred", "userVerification": uv},
            "attestation": "none"}


def request_options(allow=(), uv="preferred"):
    options = {"challenge": b64u(b"g" * 32), "rpId": RP_ID, "timeout": 300000,
               "userVerification": uv}
    if allow:
        options["allowCredentials"] = [{"type": "public-key", "id": a} for a in allow]
    return options


def parse_auth_data(data):
    """Split authenticatorData into its fields, with the COSE key as raw bytes."""
    out = {"rp_id_hash": data[:32], "flags": data[32],
           "sign_count": struct.unpack(">I", data[33:37])[0]}
    rest = data[37:]
    if out["flags"] & 0x40:
        out["aaguid"] = uuid.UUID(bytes=rest[:16])
        length = struct.unpack(">H", rest[16:18])[0]
        out["credential_id"] = rest[18:18 + length]
        rest = rest[18 + length:]
        # The COSE key is one CBOR item, so its length is what the decoder reads of the rest.
        stream = io.BytesIO(rest)
        cbor2.load(stream)
        out["cose"] = rest[:stream.tell()]
        rest = rest[stream.tell():]
    out["rest"] = rest
    return out


def public_key_from_cose(cose_bytes):
    """Rebuild a python-cryptography public key and the algorithm from COSE_Key bytes."""
    key = cbor2.loads(cose_bytes)
    kty, alg = key[1], key[3]
    if kty == 2:
        curve, _hash = CURVES[key[-1]]
        numbers = ec.EllipticCurvePublicNumbers(int.from_bytes(key[-2], "big"),
                                                int.from_bytes(key[-3], "big"), curve())
        return numbers.public_key(), alg
    if kty == 1:
        if key[-1] != 6:
            raise ValueError("not Ed25519: crv %r" % key[-1])
        return ed25519.Ed25519PublicKey.from_public_bytes(key[-2]), alg
    if kty == 3:
        numbers = rsa.RSAPublicNumbers(int.from_bytes(key[-2], "big"),
                                       int.from_bytes(key[-1], "big"))
        return numbers.public_key(), alg
    raise ValueError("unknown kty %r" % kty)


def verify(public_key, alg, signature, data):
    """Verify a WebAuthn signature, raising InvalidSignature when it does not match."""
    if alg in (-7, -35, -36):
        digest = {-7: hashes.SHA256, -35: hashes.SHA384, -36: hashes.SHA512}[alg]
        public_key.verify(signature, data, ec.ECDSA(digest()))
    elif alg == -8:
        public_key.verify(signature, data)
    elif alg == -257:
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    elif alg == -37:
        public_key.verify(signature, data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                                       salt_length=32), hashes.SHA256())
    else:
        raise ValueError("unknown alg %r" % alg)


def raw_public(public_key):
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


class RegistrationResponseTest(unittest.TestCase):

    def setUp(self):
        self.auth = softauthn.SoftAuthenticator(ORIGIN)

    def decode(self, response):
        attestation = cbor2.loads(b64u_decode(response["response"]["attestationObject"]))
        return attestation, parse_auth_data(attestation["authData"])

    def test_json_shape(self):
        response, credential = self.auth.create(creation_options())
        self.assertEqual(set(response), {"id", "rawId", "type", "response",
                                         "clientExtensionResults", "authenticatorAttachment"})
        self.assertEqual(response["type"], "public-key")
        self.assertEqual(response["id"], response["rawId"])
        self.assertEqual(b64u_decode(response["rawId"]), credential.id)
        for name in ("clientDataJSON", "attestationObject", "authenticatorData", "publicKey"):
            self.assertRegex(response["response"][name], r"^[A-Za-z0-9_-]+$",
                             "%s must be base64url without padding" % name)
        self.assertEqual(response["response"]["transports"], ["internal", "hybrid"])

    def test_client_data(self):
        response, _ = self.auth.create(creation_options())
        raw = b64u_decode(response["response"]["clientDataJSON"])
        data = json.loads(raw)
        self.assertEqual(data, {"type": "webauthn.create", "challenge": b64u(b"c" * 32),
                                "origin": ORIGIN, "crossOrigin": False})
        self.assertTrue(raw.startswith(b'{"type":"webauthn.create","challenge":'),
                        "browsers put type and challenge first: %r" % raw)

    def test_every_algorithm_none(self):
        for alg in softauthn.ALGORITHMS:
            with self.subTest(alg=softauthn.ALGORITHM_NAMES[alg]):
                response, credential = self.auth.create(creation_options(), alg=alg)
                attestation, auth_data = self.decode(response)
                self.assertEqual(attestation, {"fmt": "none", "attStmt": {},
                                               "authData": attestation["authData"]})
                self.assertEqual(auth_data["rp_id_hash"], hashlib.sha256(b"localhost").digest())
                self.assertEqual(auth_data["flags"], 0x01 | 0x04 | 0x40, "UP, UV and AT")
                self.assertEqual(auth_data["sign_count"], 0)
                self.assertEqual(auth_data["aaguid"], softauthn.TEST_AAGUID)
                self.assertEqual(auth_data["credential_id"], credential.id)
                self.assertEqual(len(credential.id), 32)
                self.assertEqual(auth_data["rest"], b"", "no bytes after the COSE key")
                self.assertEqual(auth_data["cose"].hex()[:len(COSE_PREFIXES[alg])],
                                 COSE_PREFIXES[alg])
                public_key, cose_alg = public_key_from_cose(auth_data["cose"])
                self.assertEqual(cose_alg, alg)
                self.assertEqual(raw_public(public_key),
                                 b64u_decode(response["response"]["publicKey"]),
                                 "the COSE key and the SPKI publicKey must be one key")
                self.assertEqual(response["response"]["publicKeyAlgorithm"], alg)

    def test_every_algorithm_packed(self):
        for alg in softauthn.ALGORITHMS:
            with self.subTest(alg=softauthn.ALGORITHM_NAMES[alg]):
                response, _ = self.auth.create(creation_options(), alg=alg, fmt="packed")
                attestation, auth_data = self.decode(response)
                self.assertEqual(attestation["fmt"], "packed")
                statement = attestation["attStmt"]
                self.assertEqual(set(statement), {"alg", "sig"}, "self attestation has no x5c")
                self.assertEqual(statement["alg"], alg)
                public_key, cose_alg = public_key_from_cose(auth_data["cose"])
                client_hash = hashlib.sha256(
                    b64u_decode(response["response"]["clientDataJSON"])).digest()
                verify(public_key, cose_alg, statement["sig"],
                       attestation["authData"] + client_hash)

    def test_fido_u2f(self):
        response, credential = self.auth.create(creation_options(), fmt="fido-u2f",
                                                aaguid=uuid.UUID(int=0))
        attestation, auth_data = self.decode(response)
        self.assertEqual(attestation["fmt"], "fido-u2f")
        self.assertEqual(auth_data["aaguid"], uuid.UUID(int=0))
        statement = attestation["attStmt"]
        self.assertEqual(set(statement), {"sig", "x5c"})
        self.assertEqual(len(statement["x5c"]), 1)
        certificate = x509.load_der_x509_certificate(statement["x5c"][0])
        cose = cbor2.loads(auth_data["cose"])
        point = b"\x04" + cose[-2] + cose[-3]
        client_hash = hashlib.sha256(b64u_decode(response["response"]["clientDataJSON"])).digest()
        signed = b"\x00" + auth_data["rp_id_hash"] + client_hash + credential.id + point
        certificate.public_key().verify(statement["sig"], signed, ec.ECDSA(hashes.SHA256()))

    def test_bad_attestation_signature(self):
        response, _ = self.auth.create(creation_options(), fmt="packed",
                                       bad_attestation_signature=True)
        attestation, auth_data = self.decode(response)
        public_key, alg = public_key_from_cose(auth_data["cose"])
        client_hash = hashlib.sha256(b64u_decode(response["response"]["clientDataJSON"])).digest()
        with self.assertRaises(InvalidSignature):
            verify(public_key, alg, attestation["attStmt"]["sig"],
                   attestation["authData"] + client_hash)

    def test_algorithm_from_options(self):
        _, credential = self.auth.create(creation_options(algs=(-999, softauthn.EDDSA,
                                                                softauthn.ES256)))
        self.assertEqual(credential.alg, softauthn.EDDSA, "first offered supported algorithm")

    def test_flag_knobs(self):
        response, _ = self.auth.create(creation_options(), up=False, uv=False, be=True, bs=False)
        _, auth_data = self.decode(response)
        self.assertEqual(auth_data["flags"], 0x08 | 0x40, "BE and AT only")
        response, _ = self.auth.create(creation_options(uv="discouraged"))
        _, auth_data = self.decode(response)
        self.assertEqual(auth_data["flags"], 0x01 | 0x40, "no UV when discouraged")
        response, _ = self.auth.create(creation_options(), be=True)
        _, auth_data = self.decode(response)
        self.assertEqual(auth_data["flags"] & 0x18, 0x18, "BS follows BE by default")
        response, _ = self.auth.create(creation_options(), at=False)
        _, auth_data = self.decode(response)
        self.assertNotIn("credential_id", auth_data)
        self.assertEqual(auth_data["rest"], b"")

    def test_override_knobs(self):
        response, credential = self.auth.create(
            creation_options(), origin="https://evil.example", rp_id="evil.example",
            ceremony="webauthn.get", challenge=b"x" * 32, credential_id_length=1024,
            sign_count=7, cose_alg=softauthn.ES384, auth_data_suffix=b"\x00")
        data = json.loads(b64u_decode(response["response"]["clientDataJSON"]))
        self.assertEqual((data["type"], data["origin"], data["challenge"]),
                         ("webauthn.get", "https://evil.example", b64u(b"x" * 32)))
        _, auth_data = self.decode(response)
        self.assertEqual(auth_data["rp_id_hash"], hashlib.sha256(b"evil.example").digest())
        self.assertEqual(len(auth_data["credential_id"]), 1024)
        self.assertEqual(auth_data["sign_count"], 7)
        self.assertEqual(cbor2.loads(auth_data["cose"])[3], softauthn.ES384)
        self.assertEqual(auth_data["rest"], b"\x00")
        self.assertEqual(credential.rp_id, RP_ID, "the credential belongs to the options' RP")

    def test_exclude_credentials(self):
        _, credential = self.auth.create(creation_options())
        with self.assertRaises(softauthn.CredentialExcluded):
            self.auth.create(creation_options(exclude=[credential.id_b64]))
        self.auth.create(creation_options(exclude=[credential.id_b64]), honor_exclude=False)

    def test_store_off(self):
        _, credential = self.auth.create(creation_options(), store=False)
        self.assertNotIn(credential.id, self.auth.credentials)
        self.assertEqual(self.auth.resident, {})


class AssertionResponseTest(unittest.TestCase):

    def setUp(self):
        self.auth = softauthn.SoftAuthenticator(ORIGIN)

    def register(self, **knobs):
        response, credential = self.auth.create(creation_options(), **knobs)
        attestation = cbor2.loads(b64u_decode(response["response"]["attestationObject"]))
        public_key, alg = public_key_from_cose(parse_auth_data(attestation["authData"])["cose"])
        return credential, public_key, alg

    def check_signature(self, assertion, public_key, alg):
        auth_data = b64u_decode(assertion["response"]["authenticatorData"])
        client_data = b64u_decode(assertion["response"]["clientDataJSON"])
        verify(public_key, alg, b64u_decode(assertion["response"]["signature"]),
               auth_data + hashlib.sha256(client_data).digest())
        return parse_auth_data(auth_data), json.loads(client_data)

    def test_every_algorithm_verifies(self):
        for alg in softauthn.ALGORITHMS:
            with self.subTest(alg=softauthn.ALGORITHM_NAMES[alg]):
                credential, public_key, cose_alg = self.register(alg=alg)
                assertion = self.auth.get(request_options([credential.id_b64]))
                self.assertEqual(set(assertion["response"]), {"clientDataJSON",
                                                              "authenticatorData", "signature",
                                                              "userHandle"})
                auth_data, client_data = self.check_signature(assertion, public_key, cose_alg)
                self.assertEqual(auth_data["rp_id_hash"], hashlib.sha256(b"localhost").digest())
                self.assertEqual(auth_data["flags"], 0x01 | 0x04, "UP and UV")
                self.assertEqual(auth_data["rest"], b"")
                self.assertEqual(client_data, {"type": "webauthn.get",
                                               "challenge": b64u(b"g" * 32), "origin": ORIGIN,
                                               "crossOrigin": False})
                self.assertEqual(b64u_decode(assertion["response"]["userHandle"]), USER_HANDLE)
                self.assertEqual(assertion["id"], credential.id_b64)

    def test_counter_grows(self):
        credential, public_key, alg = self.register()
        counts = []
        for _ in range(3):
            auth_data, _ = self.check_signature(self.auth.get(request_options()), public_key,
                                                alg)
            counts.append(auth_data["sign_count"])
        self.assertEqual(counts, [1, 2, 3])
        auth_data, _ = self.check_signature(self.auth.get(request_options(), sign_count=1),
                                            public_key, alg)
        self.assertEqual(auth_data["sign_count"], 1, "an explicit count is sent as is")
        self.assertEqual(credential.sign_count, 3, "an explicit count leaves the counter")

    def test_synced_counter_stays_zero(self):
        _, public_key, alg = self.register(counter_step=0, be=True)
        for _ in range(3):
            auth_data, _ = self.check_signature(self.auth.get(request_options()), public_key,
                                                alg)
            self.assertEqual(auth_data["sign_count"], 0)
            self.assertEqual(auth_data["flags"], 0x01 | 0x04 | 0x08 | 0x10, "UP, UV, BE, BS")

    def test_knobs(self):
        credential, public_key, alg = self.register()
        other = softauthn.Key(softauthn.ES256)
        assertion = self.auth.get(request_options(), up=False, uv=False, be=True, bs=True,
                                  user_handle=None, rp_id="example.org",
                                  origin="http://localhost:1", challenge="abc",
                                  auth_data_suffix=b"\x01\x02")
        self.assertNotIn("userHandle", assertion["response"])
        auth_data, client_data = self.check_signature(assertion, public_key, alg)
        self.assertEqual(auth_data["flags"], 0x08 | 0x10)
        self.assertEqual(auth_data["rp_id_hash"], hashlib.sha256(b"example.org").digest())
        self.assertEqual(auth_data["rest"], b"\x01\x02")
        self.assertEqual((client_data["origin"], client_data["challenge"]),
                         ("http://localhost:1", "abc"))
        with self.assertRaises(InvalidSignature):
            self.check_signature(self.auth.get(request_options(), signing_key=other),
                                 public_key, alg)
        with self.assertRaises(InvalidSignature):
            self.check_signature(self.auth.get(request_options(), bad_signature=True),
                                 public_key, alg)
        assertion = self.auth.get(request_options(), credential_id=b"\x01" * 16)
        self.assertEqual(assertion["rawId"], b64u(b"\x01" * 16))
        self.assertEqual(credential.user_handle, USER_HANDLE)

    def test_find_credential(self):
        first, _, _ = self.register()
        with self.assertRaises(softauthn.NoCredential):
            self.auth.get(request_options(allow=[b64u(b"unknown")]))
        second_options = creation_options()
        second_options["user"]["id"] = b64u(b"\x02" * 32)
        _, second = self.auth.create(second_options)
        with self.assertRaises(softauthn.NoCredential):
            self.auth.get(request_options())  # two discoverable credentials: ambiguous
        self.assertEqual(self.auth.get(request_options(allow=[second.id_b64]))["id"],
                         second.id_b64)
        self.assertEqual(self.auth.get(request_options(), credential=first)["id"], first.id_b64)

    def test_resident_replaced_per_user(self):
        first, _, _ = self.register()
        second, _, _ = self.register()
        self.assertEqual(self.auth.get(request_options())["id"], second.id_b64,
                         "a new credential for the same user handle replaces the old one")
        self.assertIn(first.id, self.auth.credentials, "the old one stays usable by ID")

    def test_non_resident_sends_no_user_handle(self):
        credential, _, _ = self.register(resident=False)
        assertion = self.auth.get(request_options([credential.id_b64]))
        self.assertNotIn("userHandle", assertion["response"])


class Base64urlTest(unittest.TestCase):

    def test_round_trip(self):
        for length in range(0, 40):
            data = bytes(range(length))
            self.assertEqual(b64u_decode(b64u(data)), data)
            self.assertNotIn("=", b64u(data))

    def test_rejects_other_alphabet(self):
        for text in ("ab+c", "ab/c", "ab c", "ab.c"):
            with self.assertRaises(ValueError):
                b64u_decode(text)


if __name__ == "__main__":
    unittest.main()
