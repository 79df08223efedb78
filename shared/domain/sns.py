"""Verify Amazon SNS HTTP(S) deliveries, as AWS documents it.

Reference: "Verifying the signatures of Amazon SNS messages"
(https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html).

Standard library only, so the Lambda needs no compiled dependency: a few lines of DER reading
pull the RSA key and validity out of the certificate, and RSASSA-PKCS1-v1_5 verification is
one modular exponentiation plus an exact comparison with the expected encoding.

Flow for one delivery::

    message = parse_envelope(body)
    check_certificate_url(message["SigningCertURL"])   # before fetching anything
    pem = fetch_over_https(message["SigningCertURL"])   # the caller's job (cache by URL)
    verify(message, pem, now)

Trust comes from where the certificate was fetched: an exact ``sns.<region>.amazonaws.com``
host over HTTPS (the TLS layer checks that host's certificate chain), which is also how the
AWS SDK validators work. The SNS certificate itself is not chain-checked here; it is only
read for its key and validity dates.

Anything wrong raises ``SnsRejected``, whose ``reason`` is short text for logs (never echo
it to the caller as a hint).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

__all__ = [
    "SnsRejected", "check_certificate_url", "canonical_string", "Certificate",
    "load_certificate", "verify", "parse_envelope", "RAW_DELIVERY_REASON",
]

RAW_DELIVERY_REASON = "raw message delivery is not supported: turn it off on the subscription"

# SNS retries a delivery for hours with the original Timestamp, so old messages are fine;
# a Timestamp far in the future, though, can only be a forgery or a broken clock.
MAX_FUTURE_SKEW = timedelta(hours=1)

_ENVELOPE_FIELDS = (
    "Type", "MessageId", "TopicArn", "Signature", "SignatureVersion", "SigningCertURL",
    "Timestamp",
)

# Fields of the string to sign, in the documented (alphabetical) order. Subject is signed
# only when the notification has one.
_SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
    ),
    "UnsubscribeConfirmation": (
        "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
    ),
}
_OPTIONAL_FIELDS = frozenset({"Subject"})

# SignatureVersion -> (hash, DER DigestInfo prefix of EMSA-PKCS1-v1_5, RFC 8017 section 9.2)
_HASHES = {
    "1": (hashlib.sha1, bytes.fromhex("3021300906052b0e03021a05000414")),
    "2": (hashlib.sha256, bytes.fromhex("3031300d060960864801650304020105000420")),
}

# Exact host and path: no userinfo, port, query or fragment can fit through this pattern.
_CERT_URL = re.compile(
    r"https://sns\.[a-z]{2}(?:-gov)?-[a-z]+-[0-9]\.amazonaws\.com(?:\.cn)?"
    r"/(?:[A-Za-z0-9_.-]+/)*[A-Za-z0-9_.-]+\.pem",
    re.ASCII,
)

_MIN_MODULUS_BITS = 2048


class SnsRejected(Exception):
    """The delivery is not an authentic SNS message (or not one we accept)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- envelope and string to sign ---------------------------------------------------------

def parse_envelope(body: bytes | str) -> dict[str, Any]:
    """The SNS JSON envelope in BODY, with its envelope fields present and strings.

    With raw message delivery SNS posts the published message itself, unsigned: such a body
    can never be authenticated, so it is refused with a reason that says how to fix it.
    """
    try:
        message = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested too deep for the parser
        raise SnsRejected("body is not JSON") from None
    if not isinstance(message, dict) or not any(
        field in message for field in ("Signature", "SigningCertURL", "SignatureVersion")
    ):
        raise SnsRejected(RAW_DELIVERY_REASON)
    for field in _ENVELOPE_FIELDS:
        if not isinstance(message.get(field), str):
            raise SnsRejected(f"envelope field {field} is missing or not a string")
    return message


def canonical_string(message: dict[str, Any]) -> bytes:
    """The bytes SNS signed: "Key\\nValue\\n" for each signed field of the message's Type."""
    kind = message.get("Type")
    fields = _SIGNED_FIELDS.get(kind) if isinstance(kind, str) else None
    if fields is None:
        raise SnsRejected(f"unknown message Type {str(kind)[:40]!r}")
    parts = []
    for field in fields:
        value = message.get(field)
        if value is None and field in _OPTIONAL_FIELDS:
            continue  # absent (HTTP delivery) or null (Lambda event): not signed
        if not isinstance(value, str):
            raise SnsRejected(f"field {field} is missing or not a string")
        parts.append(f"{field}\n{value}\n")
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate escaped in the JSON: not text SNS signs
        raise SnsRejected("a signed field is not text") from None


def check_certificate_url(url: object) -> None:
    """Accept only https://sns.<region>.amazonaws.com[.cn]/<path>.pem, host matched exactly."""
    if not isinstance(url, str) or _CERT_URL.fullmatch(url) is None:
        raise SnsRejected("SigningCertURL is not an SNS certificate URL")


# --- the certificate: a minimal DER reader -----------------------------------------------

class Certificate(NamedTuple):
    """What verification needs from an X.509 certificate: its RSA key and validity."""

    modulus: int
    exponent: int
    not_before: datetime
    not_after: datetime

    def check_valid_at(self, now: datetime) -> None:
        if now < self.not_before:
            raise SnsRejected("certificate is not valid yet")
        if now > self.not_after:
            raise SnsRejected("certificate has expired")


_SEQUENCE, _INTEGER, _BIT_STRING, _OID = 0x30, 0x02, 0x03, 0x06
_UTC_TIME, _GENERALIZED_TIME, _EXPLICIT_0 = 0x17, 0x18, 0xA0
_RSA_ENCRYPTION = bytes.fromhex("2a864886f70d010101")  # OID 1.2.840.113549.1.1.1
_PEM = re.compile(
    rb"-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----", re.ASCII,
)


def load_certificate(pem: bytes | str) -> Certificate:
    """Read the RSA public key and validity dates of a PEM certificate (one, nothing else)."""
    if isinstance(pem, str):
        pem = pem.encode("ascii", "replace")
    match = _PEM.fullmatch(pem.strip())
    if match is None:
        raise SnsRejected("certificate is not one PEM certificate")
    try:
        der = base64.b64decode(b"".join(match.group(1).split()), validate=True)
    except binascii.Error:
        raise SnsRejected("certificate PEM is not valid base64") from None

    # Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
    cert = _der_sequence(_der_one(der, _SEQUENCE), 3)
    # TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer,
    #                               validity, subject, subjectPublicKeyInfo, ... }
    tbs = _der_elements(_der_value(cert[0], _SEQUENCE))
    if tbs and tbs[0][0] == _EXPLICIT_0:
        tbs = tbs[1:]
    if len(tbs) < 6:
        raise SnsRejected("certificate: truncated TBSCertificate")
    # Validity ::= SEQUENCE { notBefore Time, notAfter Time }
    validity = _der_sequence(_der_value(tbs[3], _SEQUENCE), 2)
    not_before, not_after = _der_time(validity[0]), _der_time(validity[1])
    # SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, BIT STRING }
    algorithm_id, key_element = _der_sequence(_der_value(tbs[5], _SEQUENCE), 2)
    algorithm = _der_elements(_der_value(algorithm_id, _SEQUENCE))
    if not algorithm or algorithm[0] != (_OID, _RSA_ENCRYPTION):
        raise SnsRejected("certificate key is not RSA")
    key_bits = _der_value(key_element, _BIT_STRING)
    if key_bits[:1] != b"\x00":
        raise SnsRejected("certificate: bad public key bit string")
    # RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
    modulus, exponent = (
        _der_unsigned(e) for e in _der_sequence(_der_one(key_bits[1:], _SEQUENCE), 2)
    )
    if modulus.bit_length() < _MIN_MODULUS_BITS or exponent < 3 or exponent % 2 == 0:
        raise SnsRejected("certificate RSA key is too weak or malformed")
    return Certificate(modulus, exponent, not_before, not_after)


def _der_elements(data: bytes) -> list[tuple[int, bytes]]:
    """Split DATA into its DER (tag, value) elements; DATA must hold nothing else."""
    elements, pos = [], 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise SnsRejected("certificate: truncated DER")
        tag, length = data[pos], data[pos + 1]
        pos += 2
        if tag & 0x1F == 0x1F:
            raise SnsRejected("certificate: unsupported DER tag")
        if length & 0x80:  # long form: the low bits count the length bytes that follow
            count = length & 0x7F
            if count == 0 or count > 4 or pos + count > len(data) or data[pos] == 0:
                raise SnsRejected("certificate: bad DER length")
            length = int.from_bytes(data[pos:pos + count], "big")
            pos += count
            if length < 0x80:
                raise SnsRejected("certificate: bad DER length")
        if pos + length > len(data):
            raise SnsRejected("certificate: truncated DER")
        elements.append((tag, data[pos:pos + length]))
        pos += length
    return elements


def _der_value(element: tuple[int, bytes], tag: int) -> bytes:
    if element[0] != tag:
        raise SnsRejected(f"certificate: expected DER tag {tag:#04x}, got {element[0]:#04x}")
    return element[1]


def _der_one(data: bytes, tag: int) -> bytes:
    """The value of the single element of tag TAG that DATA holds."""
    elements = _der_elements(data)
    if len(elements) != 1:
        raise SnsRejected("certificate: unexpected DER data")
    return _der_value(elements[0], tag)


def _der_sequence(value: bytes, count: int) -> list[tuple[int, bytes]]:
    """The elements of a SEQUENCE value that must have exactly COUNT of them."""
    elements = _der_elements(value)
    if len(elements) != count:
        raise SnsRejected("certificate: unexpected DER structure")
    return elements


def _der_unsigned(element: tuple[int, bytes]) -> int:
    value = _der_value(element, _INTEGER)
    if not value or value[0] & 0x80:
        raise SnsRejected("certificate: RSA integer is empty or negative")
    return int.from_bytes(value, "big")


def _der_time(element: tuple[int, bytes]) -> datetime:
    """UTCTime (YYMMDDHHMMSSZ, years 1950-2049) or GeneralizedTime (YYYYMMDDHHMMSSZ)."""
    tag, value = element
    text = value.decode("ascii", "replace")
    if tag == _UTC_TIME and re.fullmatch(r"[0-9]{12}Z", text, re.ASCII):
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif not (tag == _GENERALIZED_TIME and re.fullmatch(r"[0-9]{14}Z", text, re.ASCII)):
        raise SnsRejected("certificate: bad validity time")
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise SnsRejected("certificate: bad validity time") from None


# --- verification ------------------------------------------------------------------------

def verify(message: dict[str, Any], certificate_pem: bytes, now: datetime) -> None:
    """Raise SnsRejected unless MESSAGE is signed by the key of CERTIFICATE_PEM.

    CERTIFICATE_PEM is what the caller fetched from message["SigningCertURL"] (that URL is
    checked again here). NOW is the current time, timezone-aware.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    version = message.get("SignatureVersion")
    if version not in _HASHES:
        raise SnsRejected(f"unsupported SignatureVersion {str(version)[:10]!r}")
    check_certificate_url(message.get("SigningCertURL"))
    _check_timestamp(message.get("Timestamp"), now)
    signature = message.get("Signature")
    if not isinstance(signature, str):
        raise SnsRejected("Signature is missing")
    try:
        # strict: base64 alphabet only, padding only at the end, nothing after it
        signature_bytes = binascii.a2b_base64(signature.encode("ascii"), strict_mode=True)
    except (binascii.Error, ValueError):
        raise SnsRejected("Signature is not base64") from None

    certificate = load_certificate(certificate_pem)
    certificate.check_valid_at(now)
    hash_function, digest_info = _HASHES[version]
    digest = hash_function(canonical_string(message)).digest()
    if not _rsa_pkcs1_v15_verify(certificate, digest_info + digest, signature_bytes):
        raise SnsRejected("signature does not match")


def _check_timestamp(timestamp: Any, now: datetime) -> None:
    if not isinstance(timestamp, str):
        raise SnsRejected("Timestamp is missing")
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        raise SnsRejected("Timestamp is not ISO 8601") from None
    if moment.tzinfo is None:
        raise SnsRejected("Timestamp has no time zone")
    if moment - now > MAX_FUTURE_SKEW:
        raise SnsRejected("Timestamp is in the future")


def _rsa_pkcs1_v15_verify(certificate: Certificate, digest_info: bytes, signature: bytes) -> bool:
    """RSASSA-PKCS1-v1_5 (RFC 8017 section 8.2.2), comparing the whole encoded message.

    Building the expected EM = 00 01 FF..FF 00 DigestInfo and comparing it byte for byte
    (rather than parsing the decrypted block) is what rules out the classic
    signature-forgery tricks with lax padding or trailing garbage.
    """
    n, e = certificate.modulus, certificate.exponent
    k = (n.bit_length() + 7) // 8
    if len(signature) != k or k < len(digest_info) + 11:
        return False
    s = int.from_bytes(signature, "big")
    if s >= n:
        return False
    encoded = pow(s, e, n).to_bytes(k, "big")
    expected = b"\x00\x01" + b"\xff" * (k - len(digest_info) - 3) + b"\x00" + digest_info
    return hmac.compare_digest(encoded, expected)
