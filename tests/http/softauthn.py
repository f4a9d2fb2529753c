"""Software WebAuthn authenticator for the HTTP tests of passkeys.

Keys, public key encodings and signatures come from python-cryptography and CBOR from cbor2, so
no value a test sends or expects is made by mfad's own code. Responses have the JSON form of
browsers' PublicKeyCredential.toJSON(): byte fields as base64url without padding. Every part of
a response can be overridden with a keyword argument, so a test can send a response that is
valid except for the one check it aims at.

Layouts follow WebAuthn Level 3: authenticator data in section 6.1, attested credential data in
6.5.1, client data in 5.8.1, the "none", "packed" and "fido-u2f" attestation formats in 8.7,
8.2 and 8.6. COSE keys follow RFC 9052 section 7 and RFC 9053 (EC2, OKP), RFC 8230 (RSA) and
the CTAP2 canonical CBOR form (map keys sorted by their encoded bytes, shorter first).
"""

import base64
import datetime
import hashlib
import json
import os
import struct
import uuid
from urllib.parse import urlsplit

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import NameOID

# COSE algorithm identifiers (IANA "COSE Algorithms" registry).
ES256 = -7
EDDSA = -8
ES384 = -35
ES512 = -36
PS256 = -37
RS256 = -257
ALGORITHMS = (ES256, ES384, ES512, EDDSA, PS256, RS256)
ALGORITHM_NAMES = {ES256: "ES256", ES384: "ES384", ES512: "ES512", EDDSA: "EdDSA",
                   PS256: "PS256", RS256: "RS256"}

# authenticatorData flag bits.
FLAG_UP = 0x01   # user present
FLAG_UV = 0x04   # user verified
FLAG_BE = 0x08   # backup eligible
FLAG_BS = 0x10   # backed up
FLAG_AT = 0x40   # attested credential data follows the counter
FLAG_ED = 0x80   # extension outputs follow

# COSE key parameters: key type, algorithm and the type-specific labels.
COSE_KTY = 1
COSE_ALG = 3
KTY_OKP = 1
KTY_EC2 = 2
KTY_RSA = 3
CRV_ED25519 = 6

# Curve, hash, COSE curve id and coordinate bytes of each ECDSA algorithm.
EC_PARAMETERS = {
    ES256: (ec.SECP256R1, hashes.SHA256, 1, 32),
    ES384: (ec.SECP384R1, hashes.SHA384, 2, 48),
    ES512: (ec.SECP521R1, hashes.SHA512, 3, 66),
}
RSA_BITS = 2048
RSA_EXPONENT = 65537

# The AAGUID of this test authenticator. A real AAGUID names the authenticator model.
TEST_AAGUID = uuid.UUID("6d3c8a1e-2f4b-4c59-9a7e-0b1d2e3f4a5b")
DEFAULT_TRANSPORTS = ("internal", "hybrid")
DEFAULT_CREDENTIAL_ID_LENGTH = 32

BASE64URL_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")

# Marks a keyword argument that the caller left out, where None has a meaning of its own.
DEFAULT = object()


def b64u(data):
    """Encode bytes as base64url without padding, as toJSON() does."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text):
    """Decode base64url with or without padding, raising ValueError on other characters."""
    if isinstance(text, str):
        text = text.encode("ascii")
    if not BASE64URL_BYTES.issuperset(text):
        raise ValueError("not base64url: %r" % text[:40])
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


def sha256(data):
    return hashlib.sha256(data).digest()


def cbor(value):
    """Encode value in CTAP2 canonical CBOR."""
    return cbor2.dumps(value, canonical=True)


class Key:
    """A credential key pair of one COSE algorithm, made by python-cryptography."""

    def __init__(self, alg=ES256):
        if alg in EC_PARAMETERS:
            self.private_key = ec.generate_private_key(EC_PARAMETERS[alg][0]())
        elif alg == EDDSA:
            self.private_key = ed25519.Ed25519PrivateKey.generate()
        elif alg in (RS256, PS256):
            self.private_key = rsa.generate_private_key(public_exponent=RSA_EXPONENT,
                                                        key_size=RSA_BITS)
        else:
            raise ValueError("unsupported COSE algorithm %r" % alg)
        self.alg = alg

    @property
    def public_key(self):
        return self.private_key.public_key()

    def cose_map(self, alg=None):
        """Return the public key as a COSE_Key map; alg replaces the "alg" value if given."""
        label = self.alg if alg is None else alg
        public = self.public_key
        if self.alg in EC_PARAMETERS:
            _curve, _hash, crv, size = EC_PARAMETERS[self.alg]
            numbers = public.public_numbers()
            return {COSE_KTY: KTY_EC2, COSE_ALG: label, -1: crv,
                    -2: numbers.x.to_bytes(size, "big"), -3: numbers.y.to_bytes(size, "big")}
        if self.alg == EDDSA:
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return {COSE_KTY: KTY_OKP, COSE_ALG: label, -1: CRV_ED25519, -2: raw}
        numbers = public.public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        return {COSE_KTY: KTY_RSA, COSE_ALG: label, -1: n, -2: e}

    def cose(self, alg=None):
        """Return the public key as canonical CBOR COSE_Key bytes."""
        return cbor(self.cose_map(alg))

    def spki(self):
        """Return the public key as DER SubjectPublicKeyInfo, the form of toJSON()'s publicKey."""
        return self.public_key.public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, data):
        """Sign data: ECDSA as ASN.1 DER, EdDSA as 64 raw bytes, RSA as the raw signature."""
        if self.alg in EC_PARAMETERS:
            return self.private_key.sign(data, ec.ECDSA(EC_PARAMETERS[self.alg][1]()))
        if self.alg == EDDSA:
            return self.private_key.sign(data)
        if self.alg == RS256:
            return self.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        # RFC 8230 section 2: PS256 uses MGF1 with SHA-256 and a 32-byte salt.
        return self.private_key.sign(
            data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())


class Credential:
    """One credential stored by the authenticator: its ID, key, relying party and user."""

    def __init__(self, credential_id, key, rp_id, user_handle, sign_count=0, counter_step=1,
                 backup_eligible=False, backup_state=False, resident=True,
                 transports=DEFAULT_TRANSPORTS):
        self.id = credential_id
        self.key = key
        self.rp_id = rp_id
        self.user_handle = user_handle
        self.sign_count = sign_count
        self.counter_step = counter_step    # 0 keeps the counter at its start, as synced passkeys do
        self.backup_eligible = backup_eligible
        self.backup_state = backup_state
        self.resident = resident
        self.transports = list(transports)

    @property
    def id_b64(self):
        return b64u(self.id)

    @property
    def alg(self):
        return self.key.alg

    def __repr__(self):
        return "Credential(%s, %s, rp=%s)" % (self.id_b64[:16], ALGORITHM_NAMES.get(self.alg),
                                              self.rp_id)


class CredentialExcluded(Exception):
    """The registration options exclude a credential that this authenticator stores."""


class NoCredential(Exception):
    """No credential, or more than one, fits the request options."""


def flags_byte(up, uv, be, bs, at=False, ed=False):
    flags = 0
    for is_set, bit in ((up, FLAG_UP), (uv, FLAG_UV), (be, FLAG_BE), (bs, FLAG_BS),
                        (at, FLAG_AT), (ed, FLAG_ED)):
        if is_set:
            flags |= bit
    return flags


def authenticator_data(rp_id, flags, sign_count, attested=b"", extensions=None):
    """Build authenticatorData: rpIdHash, flags, 32-bit big-endian counter, then the rest."""
    data = sha256(rp_id.encode("utf-8")) + bytes([flags]) + struct.pack(">I", sign_count)
    data += attested
    if extensions is not None:
        data += cbor(extensions)
    return data


def client_data_json(ceremony, challenge, origin, extra=None):
    """Build clientDataJSON as browsers serialize it: compact, type first."""
    data = {"type": ceremony, "challenge": challenge, "origin": origin, "crossOrigin": False}
    if extra:
        data.update(extra)
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


def _challenge_text(options, override):
    if override is None:
        return options["challenge"]
    if isinstance(override, bytes):
        return b64u(override)
    return override


def _flip_last_bit(data):
    return data[:-1] + bytes([data[-1] ^ 0x01])


def self_signed_certificate(private_key, common_name="softauthn attestation"):
    """Return a DER X.509 certificate for private_key, signed by itself, valid for a year."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(private_key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=365))
                   .sign(private_key, hashes.SHA256()))
    return certificate.public_bytes(serialization.Encoding.DER)


def fido_u2f_statement(auth_data, client_data, credential_id, key):
    """Build a fido-u2f attestation statement with a new self-signed attestation certificate.

    The signed data is 0x00, rpIdHash, the client data hash, the credential ID and the
    uncompressed P-256 public key (WebAuthn Level 3 section 8.6).
    """
    if key.alg != ES256:
        raise ValueError("fido-u2f needs an ES256 credential key, not %r" % key.alg)
    attestation_key = ec.generate_private_key(ec.SECP256R1())
    public_point = key.public_key.public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
    signed = b"\x00" + auth_data[:32] + sha256(client_data) + credential_id + public_point
    signature = attestation_key.sign(signed, ec.ECDSA(hashes.SHA256()))
    return {"sig": signature, "x5c": [self_signed_certificate(attestation_key)]}


class SoftAuthenticator:
    """A platform authenticator in software, with the client (browser) part that makes clientData.

    origin is the origin the client reports in clientDataJSON. Credentials are kept by ID, and
    discoverable (resident) ones also by relying party and user handle: a new discoverable
    credential for the same user handle replaces the old one, as authenticators do.
    """

    def __init__(self, origin, aaguid=TEST_AAGUID, transports=DEFAULT_TRANSPORTS):
        self.origin = origin
        self.aaguid = aaguid
        self.transports = list(transports)
        self.credentials = {}   # credential ID bytes -> Credential
        self.resident = {}      # (rp_id, user handle bytes) -> Credential

    # ---- registration ----

    def create(self, options, alg=None, fmt="none", origin=None, rp_id=None,
               ceremony="webauthn.create", challenge=None, client_extra=None, client_data=None,
               up=True, uv=None, be=False, bs=None, at=True, sign_count=0, counter_step=1,
               credential_id=None, credential_id_length=DEFAULT_CREDENTIAL_ID_LENGTH,
               auth_data_credential_id=None, key=None, cose_alg=None, cose_key=None,
               resident=True, user_handle=None, att_stmt=None, bad_attestation_signature=False,
               extensions=None, auth_data_suffix=b"", attestation_suffix=b"", transports=None,
               aaguid=None, json_extras=True, store=True, honor_exclude=True):
        """Make a new credential for creation options (the server's "Options" object).

        Return (registration response as a dict in toJSON() form, Credential). The keyword
        arguments replace what a correct authenticator and browser would produce:

        - alg: the COSE algorithm (default: the first offered one that is supported here).
        - fmt: "none", "packed" for self attestation signed with the credential key, or
          "fido-u2f" with a new self-signed attestation certificate (ES256 keys only; it
          needs aaguid=uuid.UUID(int=0) to be valid). Another value is sent with an
          empty statement.
        - origin, ceremony (the clientData type), challenge (bytes, or a string sent as is),
          client_extra (more clientData members), client_data (raw clientDataJSON bytes).
        - rp_id: the RP ID hashed into rpIdHash.
        - up, uv, be, bs, at: flag bits. uv is on unless userVerification is "discouraged",
          and bs follows be.
        - sign_count: the counter in authData and the start of the stored counter.
        - counter_step: what each assertion adds to the counter (0 for synced passkeys).
        - credential_id, credential_id_length: the raw credential ID (random by default).
        - auth_data_credential_id: a credential ID in authData that differs from rawId.
        - key: the Key to use. cose_alg: another "alg" value in the COSE key. cose_key: raw
          COSE bytes in place of the key's.
        - user_handle: the user handle to store (default: the options' user.id).
        - att_stmt: the attestation statement as is. bad_attestation_signature: flip a bit
          of the packed or fido-u2f signature.
        - extensions: authenticator extension outputs (this sets the ED flag).
        - auth_data_suffix, attestation_suffix: bytes appended to authData or to the
          attestation object.
        - json_extras: also send authenticatorData, publicKey and publicKeyAlgorithm, the
          Level 3 members that browsers add.
        - store: keep the credential for later assertions. Turn it off for responses the
          server is expected to reject, so they cannot replace a registered credential.
        - honor_exclude: raise CredentialExcluded when the options exclude a credential
          stored here, as a real authenticator does.
        """
        rp = options["rp"]
        stored_rp_id = rp.get("id") or urlsplit(origin or self.origin).hostname
        if honor_exclude and credential_id is None:
            for entry in options.get("excludeCredentials") or []:
                stored = self.credentials.get(b64u_decode(entry["id"]))
                if stored is not None and stored.rp_id == stored_rp_id:
                    raise CredentialExcluded("options exclude credential %s" % entry["id"])
        if alg is None:
            offered = [p["alg"] for p in options.get("pubKeyCredParams", [])]
            supported = [a for a in offered if a in ALGORITHMS]
            if not supported:
                raise ValueError("no offered algorithm is supported: %r" % offered)
            alg = supported[0]
        if key is None:
            key = Key(alg)
        if credential_id is None:
            credential_id = os.urandom(credential_id_length)
        if user_handle is None:
            user_handle = b64u_decode(options["user"]["id"])
        selection = options.get("authenticatorSelection") or {}
        if uv is None:
            uv = selection.get("userVerification", "preferred") != "discouraged"
        if bs is None:
            bs = be
        if transports is None:
            transports = self.transports
        if aaguid is None:
            aaguid = self.aaguid

        if client_data is None:
            client_data = client_data_json(ceremony, _challenge_text(options, challenge),
                                           origin or self.origin, client_extra)
        cose_bytes = cose_key if cose_key is not None else key.cose(cose_alg)
        in_auth_data = credential_id if auth_data_credential_id is None else auth_data_credential_id
        attested = aaguid.bytes + struct.pack(">H", len(in_auth_data)) + in_auth_data + cose_bytes
        flags = flags_byte(up, uv, be, bs, at=at, ed=extensions is not None)
        auth_data = authenticator_data(rp_id or stored_rp_id, flags, sign_count,
                                       attested if at else b"", extensions) + auth_data_suffix

        if att_stmt is None:
            if fmt == "fido-u2f":
                att_stmt = fido_u2f_statement(auth_data, client_data, in_auth_data, key)
                if bad_attestation_signature:
                    att_stmt["sig"] = _flip_last_bit(att_stmt["sig"])
            elif fmt == "packed":
                signature = key.sign(auth_data + sha256(client_data))
                if bad_attestation_signature:
                    signature = _flip_last_bit(signature)
                att_stmt = {"alg": key.alg, "sig": signature}
            else:
                att_stmt = {}
        attestation = cbor({"fmt": fmt, "attStmt": att_stmt, "authData": auth_data})
        attestation += attestation_suffix

        response = {"clientDataJSON": b64u(client_data),
                    "attestationObject": b64u(attestation),
                    "transports": list(transports)}
        if json_extras:
            response["authenticatorData"] = b64u(auth_data)
            response["publicKey"] = b64u(key.spki())
            response["publicKeyAlgorithm"] = key.alg
        credential = Credential(credential_id, key, stored_rp_id, user_handle,
                                sign_count=sign_count, counter_step=counter_step,
                                backup_eligible=be, backup_state=bs, resident=resident,
                                transports=transports)
        if store:
            self.credentials[credential_id] = credential
            if resident:
                self.resident[(stored_rp_id, user_handle)] = credential
        return {"id": b64u(credential_id), "rawId": b64u(credential_id), "type": "public-key",
                "response": response, "clientExtensionResults": {},
                "authenticatorAttachment": "platform"}, credential

    # ---- authentication ----

    def find(self, options):
        """Return the credential a browser would use for request options, or raise NoCredential.

        With allowCredentials, that is the first listed credential stored here. Without it,
        it is the only discoverable credential for the relying party.
        """
        rp_id = options.get("rpId") or urlsplit(self.origin).hostname
        allowed = options.get("allowCredentials") or []
        if allowed:
            for entry in allowed:
                stored = self.credentials.get(b64u_decode(entry["id"]))
                if stored is not None and stored.rp_id == rp_id:
                    return stored
            raise NoCredential("none of the %d allowed credentials is stored here" % len(allowed))
        found = [c for (rp, _), c in self.resident.items() if rp == rp_id]
        if len(found) != 1:
            raise NoCredential("%d discoverable credentials for %s: pass credential="
                               % (len(found), rp_id))
        return found[0]

    def get(self, options, credential=None, origin=None, rp_id=None, ceremony="webauthn.get",
            challenge=None, client_extra=None, client_data=None, up=True, uv=None, be=None,
            bs=None, sign_count=None, user_handle=DEFAULT, signing_key=None, bad_signature=False,
            extensions=None, auth_data_suffix=b"", credential_id=None):
        """Make an assertion for request options (the server's "Options" object).

        Return the authentication response as a dict in toJSON() form. credential picks the
        Credential or its raw ID (default: find(options)). The other keyword arguments
        replace what a correct authenticator and browser would produce:

        - origin, rp_id, ceremony, challenge, client_extra, client_data: as in create().
        - up, uv, be, bs: flag bits. uv is on unless userVerification is "discouraged", and
          be and bs follow the credential's state.
        - sign_count: the counter to send. The stored counter then stays as it is, whereas
          by default it grows by the credential's counter_step and is sent.
        - user_handle: bytes, or None to leave userHandle out. By default a discoverable
          credential sends its user handle and another sends none, as authenticators do.
        - signing_key: sign with another Key. bad_signature: flip a bit of the signature.
        - extensions: authenticator extension outputs (this sets the ED flag).
        - auth_data_suffix: bytes appended to authData before signing, so the signature
          stays valid over the longer data.
        - credential_id: raw bytes sent as id and rawId in place of the credential's.
        """
        if credential is None:
            credential = self.find(options)
        elif isinstance(credential, bytes):
            credential = self.credentials[credential]
        if uv is None:
            uv = options.get("userVerification", "preferred") != "discouraged"
        if be is None:
            be = credential.backup_eligible
        if bs is None:
            bs = credential.backup_state
        if sign_count is None:
            credential.sign_count += credential.counter_step
            sign_count = credential.sign_count
        if user_handle is DEFAULT:
            user_handle = credential.user_handle if credential.resident else None

        if client_data is None:
            client_data = client_data_json(ceremony, _challenge_text(options, challenge),
                                           origin or self.origin, client_extra)
        flags = flags_byte(up, uv, be, bs, ed=extensions is not None)
        auth_data = authenticator_data(rp_id or credential.rp_id, flags, sign_count,
                                       extensions=extensions) + auth_data_suffix
        signature = (signing_key or credential.key).sign(auth_data + sha256(client_data))
        if bad_signature:
            signature = _flip_last_bit(signature)

        response = {"clientDataJSON": b64u(client_data), "authenticatorData": b64u(auth_data),
                    "signature": b64u(signature)}
        if user_handle is not None:
            response["userHandle"] = b64u(user_handle)
        raw_id = credential.id if credential_id is None else credential_id
        return {"id": b64u(raw_id), "rawId": b64u(raw_id), "type": "public-key",
                "response": response, "clientExtensionResults": {},
                "authenticatorAttachment": "platform"}
