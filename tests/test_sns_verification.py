"""Unit tests of shared/domain/sns: SNS HTTP(S) delivery verification, pure standard library.

Local messages are signed by infra.local.sns_signer (cryptography); real messages signed by
Amazon SNS, with the real SNS certificates, come from the AWS SDKs' own test fixtures (see
REAL_* below) and are verified end to end, envelope parsing included."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import stat
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from infra.local.sns_signer import KEY_FILE, LocalSnsSigner
from shared.domain import sns
from shared.domain.sns import (
    RAW_DELIVERY_REASON,
    SnsRejected,
    canonical_string,
    check_certificate_url,
    load_certificate,
    parse_envelope,
    verify,
)

UTC = dt.UTC
TOPIC = "arn:aws:sns:us-east-1:123456789012:crm-mail-events"


@pytest.fixture(scope="module")
def signer(tmp_path_factory) -> LocalSnsSigner:
    return LocalSnsSigner(tmp_path_factory.mktemp("sns"), region="us-east-1")


def _now() -> dt.datetime:
    return dt.datetime.now(UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _confirmation(kind: str, timestamp: str | None = None) -> dict:
    token = "2336412f37fb687f5d51e6e2425929f52e8e353134fe72d55ef8b330217d82da"
    return {
        "Type": kind,
        "MessageId": str(uuid.uuid4()),
        "Token": token,
        "TopicArn": TOPIC,
        "Message": f"You have chosen to subscribe to the topic {TOPIC}.\n"
                   "To confirm the subscription, visit the SubscribeURL included in this message.",
        "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"
                        f"&TopicArn={TOPIC}&Token={token}",
        "Timestamp": timestamp or _iso(_now()),
    }


def _rejected(message: dict, pem: bytes, now: dt.datetime | None = None) -> str:
    with pytest.raises(SnsRejected) as caught:
        verify(message, pem, now or _now())
    return caught.value.reason


def _change_one_char(value: str) -> str:
    """VALUE with its last character replaced by another one of the same kind."""
    last = value[-1]
    if last.isdigit():
        return value[:-1] + ("1" if last == "0" else "0")
    return value[:-1] + ("b" if last == "a" else "a")


def _self_signed(key, not_before: dt.datetime, not_after: dt.datetime) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def _sign_with(key, message: dict, version: str = "2") -> dict:
    algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
    signature = key.sign(canonical_string(message), padding.PKCS1v15(), algorithm)
    return {
        **message,
        "SignatureVersion": version,
        "Signature": base64.b64encode(signature).decode(),
        "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem",
    }


# --- the string to sign -----------------------------------------------------------------

def test_canonical_string_of_a_notification_follows_the_documented_order():
    message = {
        "Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:t", "Subject": "Hi",
        "Message": "line 1\nline 2", "Timestamp": "2012-05-02T00:54:06.655Z",
        "SignatureVersion": "1", "Signature": "x", "SigningCertURL": "u", "UnsubscribeURL": "u",
    }
    assert canonical_string(message) == (
        b"Message\nline 1\nline 2\nMessageId\nm-1\nSubject\nHi\n"
        b"Timestamp\n2012-05-02T00:54:06.655Z\nTopicArn\narn:t\nType\nNotification\n"
    )
    del message["Subject"]
    assert b"Subject" not in canonical_string(message)
    assert canonical_string({**message, "Subject": None}) == canonical_string(message)


def test_canonical_string_of_confirmations_includes_subscribe_url_and_token():
    for kind in ("SubscriptionConfirmation", "UnsubscribeConfirmation"):
        message = {**_confirmation(kind, "2026-01-01T00:00:00.000Z"), "Subject": "ignored"}
        order = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn",
                 "Type")
        assert canonical_string(message) == "".join(
            f"{key}\n{message[key]}\n" for key in order).encode()


def test_canonical_string_rejects_unknown_types_and_missing_fields():
    with pytest.raises(SnsRejected):
        canonical_string({"Type": "Notifications", "Message": "x"})
    with pytest.raises(SnsRejected):
        canonical_string({"Message": "x"})
    with pytest.raises(SnsRejected):
        canonical_string({"Type": ["Notification"], "Message": "x"})
    message = _confirmation("SubscriptionConfirmation")
    del message["Token"]
    with pytest.raises(SnsRejected, match="Token"):
        canonical_string(message)
    with pytest.raises(SnsRejected, match="Message"):
        canonical_string({"Type": "Notification", "Message": 5, "MessageId": "m",
                          "Timestamp": "t", "TopicArn": "a"})


# --- accepted ---------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["1", "2"])
@pytest.mark.parametrize("subject", [None, "Bounce for contact 42"])
def test_signed_notifications_verify(signer, version, subject):
    message = signer.notification(TOPIC, json.dumps({"notificationType": "Bounce"}),
                                  subject, version=version)
    assert ("Subject" in message) is (subject is not None)
    verify(message, signer.certificate_pem, _now())
    # ...and survive the round trip through the HTTP body
    verify(parse_envelope(json.dumps(message).encode()), signer.certificate_pem, _now())


@pytest.mark.parametrize("version", ["1", "2"])
@pytest.mark.parametrize("kind", ["SubscriptionConfirmation", "UnsubscribeConfirmation"])
def test_signed_confirmations_verify(signer, kind, version):
    verify(signer.sign(_confirmation(kind), version), signer.certificate_pem, _now())


def test_old_messages_still_verify_because_sns_retries_for_hours(signer):
    old = _now() - dt.timedelta(days=3)
    message = signer.sign({**signer.notification(TOPIC, "x"), "Timestamp": _iso(old)})
    verify(message, signer.certificate_pem, _now())


def test_small_clock_skew_is_tolerated_but_not_an_hour(signer):
    ahead = signer.sign({**signer.notification(TOPIC, "x"),
                         "Timestamp": _iso(_now() + dt.timedelta(minutes=30))})
    verify(ahead, signer.certificate_pem, _now())
    far = signer.sign({**signer.notification(TOPIC, "x"),
                       "Timestamp": _iso(_now() + dt.timedelta(hours=1, minutes=5))})
    assert "future" in _rejected(far, signer.certificate_pem)


# --- rejected: tampering ----------------------------------------------------------------

@pytest.mark.parametrize("version", ["1", "2"])
@pytest.mark.parametrize("field", ["Message", "MessageId", "Subject", "TopicArn", "Timestamp",
                                   "Type"])
def test_a_one_character_change_is_rejected(signer, field, version):
    message = signer.notification(TOPIC, '{"eventType":"Delivery"}', "Delivery", version=version)
    verify(message, signer.certificate_pem, _now())
    tampered = {**message, field: _change_one_char(message[field])}
    assert tampered[field] != message[field]
    _rejected(tampered, signer.certificate_pem)


@pytest.mark.parametrize("field", ["Token", "SubscribeURL", "Message", "TopicArn"])
def test_a_tampered_confirmation_is_rejected(signer, field):
    message = signer.sign(_confirmation("SubscriptionConfirmation"))
    _rejected({**message, field: _change_one_char(message[field])}, signer.certificate_pem)


def test_adding_or_removing_a_subject_is_rejected(signer):
    without = signer.notification(TOPIC, "x")
    assert "signature" in _rejected({**without, "Subject": "x"}, signer.certificate_pem)
    with_subject = signer.notification(TOPIC, "x", "s")
    del with_subject["Subject"]
    _rejected(with_subject, signer.certificate_pem)


def test_a_signature_by_another_key_is_rejected(signer, tmp_path):
    other = LocalSnsSigner(tmp_path / "other")
    assert other.certificate_pem != signer.certificate_pem
    message = other.notification(TOPIC, "x")
    assert _rejected(message, signer.certificate_pem) == "signature does not match"


def test_a_v1_signature_labelled_v2_is_rejected(signer):
    message = signer.notification(TOPIC, "x", version="1")
    _rejected({**message, "SignatureVersion": "2"}, signer.certificate_pem)


@pytest.mark.parametrize("version", ["3", "", "01", 1, None])
def test_unsupported_signature_versions_are_rejected(signer, version):
    message = {**signer.notification(TOPIC, "x"), "SignatureVersion": version}
    assert "SignatureVersion" in _rejected(message, signer.certificate_pem)


@pytest.mark.parametrize("signature", [
    "not base64!", "QUJD", "QUJDRA", "QUJD\nRA==", " QUJDRA==", "QUJDRA==QQ", "", "é",
])
def test_a_signature_that_is_not_strict_base64_or_of_the_wrong_size_is_rejected(
    signer, signature,
):
    _rejected({**signer.notification(TOPIC, "x"), "Signature": signature},
              signer.certificate_pem)


def test_a_signature_with_an_extra_leading_zero_byte_is_rejected(signer):
    message = signer.notification(TOPIC, "x")
    padded = base64.b64encode(b"\x00" + base64.b64decode(message["Signature"])).decode()
    assert _rejected({**message, "Signature": padded}, signer.certificate_pem) \
        == "signature does not match"


def test_a_signature_not_below_the_modulus_is_rejected(signer):
    message = signer.notification(TOPIC, "x")
    _rejected({**message, "Signature": base64.b64encode(b"\xff" * 256).decode()},
              signer.certificate_pem)


_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def _em_correct(digest: bytes) -> bytes:
    return b"\x00\x01" + b"\xff" * (256 - 3 - 51) + b"\x00" + _SHA256_DIGEST_INFO + digest


@pytest.mark.parametrize("encode", [
    _em_correct,
    lambda d: b"\x00\x02" + _em_correct(d)[2:],                       # block type 2
    lambda d: _em_correct(d)[:10] + b"\xfe" + _em_correct(d)[11:],      # a padding byte not FF
    lambda d: (b"\x00\x01" + b"\xff" * 8 + b"\x00" + _SHA256_DIGEST_INFO + d).ljust(256, b"\x00"),
    lambda d: b"\x00\x01" + b"\xff" * (256 - 3 - 49) + b"\x00"        # DigestInfo sans NULL
              + bytes.fromhex("302f300b0609608648016503040201") + b"\x04\x20" + d,
])
def test_only_the_exact_pkcs1_v15_encoding_is_accepted(encode):
    """Signatures computed with the private key over malformed encoded messages: a lax
    verifier that only looks for the digest would accept them (Bleichenbacher 2006)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = _now()
    pem = _self_signed(key, now - dt.timedelta(days=1), now + dt.timedelta(days=1))
    message = _sign_with(key, {"Type": "Notification", "MessageId": "m", "TopicArn": TOPIC,
                               "Message": "x", "Timestamp": _iso(now)})
    encoded = encode(hashlib.sha256(canonical_string(message)).digest())
    assert len(encoded) == 256
    private = key.private_numbers()
    raw = pow(int.from_bytes(encoded, "big"), private.d, private.public_numbers.n)
    forged = {**message, "Signature": base64.b64encode(raw.to_bytes(256, "big")).decode()}
    if encode is _em_correct:
        verify(forged, pem, now)  # the raw construction itself is right
    else:
        assert _rejected(forged, pem, now) == "signature does not match"


@pytest.mark.parametrize("field", ["MessageId", "TopicArn", "Message", "Timestamp", "Type",
                                   "Signature", "SigningCertURL"])
def test_missing_fields_are_rejected(signer, field):
    message = signer.notification(TOPIC, "x")
    del message[field]
    _rejected(message, signer.certificate_pem)


def test_verify_checks_the_signing_cert_url_too(signer):
    message = {**signer.notification(TOPIC, "x"),
               "SigningCertURL": "https://sns.us-east-1.amazonaws.com.evil.com/x.pem"}
    assert "SigningCertURL" in _rejected(message, signer.certificate_pem)


@pytest.mark.parametrize("timestamp", ["yesterday", "2026-01-01T00:00:00"])
def test_bad_timestamps_are_rejected(signer, timestamp):
    _rejected(signer.sign({**signer.notification(TOPIC, "x"), "Timestamp": timestamp}),
              signer.certificate_pem)


def test_verify_needs_an_aware_now(signer):
    with pytest.raises(ValueError):
        verify(signer.notification(TOPIC, "x"), signer.certificate_pem, dt.datetime.now())


# --- rejected: certificates -------------------------------------------------------------

def test_an_expired_certificate_is_rejected():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = _now()
    pem = _self_signed(key, now - dt.timedelta(days=400), now - dt.timedelta(days=35))
    message = _sign_with(key, {
        "Type": "Notification", "MessageId": "m", "TopicArn": TOPIC, "Message": "x",
        "Timestamp": _iso(now - dt.timedelta(days=41)),
    })
    assert _rejected(message, pem, now) == "certificate has expired"
    verify(message, pem, now - dt.timedelta(days=40))  # the same signature, while it was valid


def test_a_certificate_that_is_not_valid_yet_is_rejected():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = _now()
    pem = _self_signed(key, now + dt.timedelta(days=2), now + dt.timedelta(days=30))
    message = _sign_with(key, {
        "Type": "Notification", "MessageId": "m", "TopicArn": TOPIC, "Message": "x",
        "Timestamp": _iso(now),
    })
    assert _rejected(message, pem, now) == "certificate is not valid yet"


def test_the_local_certificate_expires_after_about_ten_years(signer):
    certificate = load_certificate(signer.certificate_pem)
    lifetime = certificate.not_after - certificate.not_before
    assert dt.timedelta(days=3640) < lifetime < dt.timedelta(days=3660)
    message = signer.notification(TOPIC, "x")
    assert _rejected(message, signer.certificate_pem, _now() + dt.timedelta(days=3660)) \
        == "certificate has expired"


def test_a_non_rsa_certificate_is_rejected():
    key = ec.generate_private_key(ec.SECP256R1())
    pem = _self_signed(key, _now() - dt.timedelta(days=1), _now() + dt.timedelta(days=1))
    with pytest.raises(SnsRejected, match="not RSA"):
        load_certificate(pem)


def test_a_weak_rsa_key_is_rejected():
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = _self_signed(key, _now() - dt.timedelta(days=1), _now() + dt.timedelta(days=1))
    with pytest.raises(SnsRejected, match="weak"):
        load_certificate(pem)


def test_the_der_reader_matches_cryptography(signer):
    expected = x509.load_pem_x509_certificate(signer.certificate_pem)
    numbers = expected.public_key().public_numbers()
    certificate = load_certificate(signer.certificate_pem)
    assert (certificate.modulus, certificate.exponent) == (numbers.n, numbers.e)
    assert certificate.not_before == expected.not_valid_before_utc
    assert certificate.not_after == expected.not_valid_after_utc


@pytest.mark.parametrize("mangle", [
    lambda pem: b"",
    lambda pem: b"<xml>" + pem + b"</xml>",
    lambda pem: pem + pem,
    lambda pem: pem.replace(b"-----BEGIN CERTIFICATE-----\n", b"-----BEGIN CERTIFICATE-----\n!"),
    lambda pem: _pem(_der(pem)[:-10]),
    lambda pem: _pem(_der(pem) + b"\x00\x00"),
    lambda pem: _pem(b"\x30\x80" + _der(pem)[4:]),  # indefinite length is not DER
])
def test_malformed_certificates_are_rejected(signer, mangle):
    with pytest.raises(SnsRejected):
        load_certificate(mangle(signer.certificate_pem))


def _der(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def _pem(der: bytes) -> bytes:
    body = base64.encodebytes(der)
    return b"-----BEGIN CERTIFICATE-----\n" + body + b"-----END CERTIFICATE-----\n"


# --- SigningCertURL ---------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem",
    "https://sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-abc.pem",
    "https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-abc.pem",
    "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem",
    "https://sns.eu-central-2.amazonaws.com/a/b/cert.pem",
])
def test_sns_certificate_urls_are_accepted(url):
    check_certificate_url(url)


@pytest.mark.parametrize("url", [
    "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
    "https://sns.us-east-1.amazonaws.com.evil.com/SimpleNotificationService-abc.pem",
    "https://evil.sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
    "https://s3.amazonaws.com/SimpleNotificationService-abc.pem",
    "https://sns.amazonaws.com/SimpleNotificationService-abc.pem",
    "https://sqs.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
    "https://sns.us-east-1.example.com/SimpleNotificationService-abc.pem",
    "https://sns.evil-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
    "https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-abc.pem",
    "https://user:pw@sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
    "https://sns.us-east-1.amazonaws.com@evil.com/SimpleNotificationService-abc.pem",
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem?x=1",
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem#x",
    "https://sns.us-east-1.amazonaws.com/x.pem?.pem",
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.key",
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc",
    "https://sns.us-east-1.amazonaws.com/.pem/x",
    "https://sns.us-east-1.amazonaws.com/",
    "https://SNS.US-EAST-1.AMAZONAWS.COM/SimpleNotificationService-abc.pem",
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem\n",
    "https://sns.us-east-1.amazonaws.com\\@evil.com/x.pem",
    "//sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
    "",
])
def test_forged_certificate_urls_are_rejected(url):
    with pytest.raises(SnsRejected):
        check_certificate_url(url)


# --- the HTTP body ----------------------------------------------------------------------

def test_parse_envelope_accepts_str_and_bytes(signer):
    message = signer.notification(TOPIC, "x")
    assert parse_envelope(json.dumps(message)) == message
    assert parse_envelope(json.dumps(message, indent=2).encode()) == message


@pytest.mark.parametrize("body", [
    json.dumps({"eventType": "Bounce", "mail": {"messageId": "m"}}),
    json.dumps({"Records": [{"eventSource": "aws:s3"}]}),
    json.dumps(["a", "b"]),
    '"just a string"',
    "42",
])
def test_raw_message_delivery_is_rejected_with_a_clear_reason(body):
    with pytest.raises(SnsRejected) as caught:
        parse_envelope(body)
    assert caught.value.reason == RAW_DELIVERY_REASON
    assert "turn it off on the subscription" in str(caught.value)


@pytest.mark.parametrize("body", [b"", b"hello", b"{", b"\xff\xfe{}", "<xml/>"])
def test_non_json_bodies_are_rejected(body):
    with pytest.raises(SnsRejected, match="not JSON"):
        parse_envelope(body)


@pytest.mark.parametrize("field", ["Type", "MessageId", "TopicArn", "Signature",
                                   "SignatureVersion", "SigningCertURL", "Timestamp"])
def test_an_envelope_without_a_field_or_with_a_non_string_field_is_rejected(signer, field):
    message = signer.notification(TOPIC, "x")
    for broken in ({k: v for k, v in message.items() if k != field}, {**message, field: 1}):
        with pytest.raises(SnsRejected) as caught:
            parse_envelope(json.dumps(broken))
        assert field in caught.value.reason


# --- the local signer -------------------------------------------------------------------

def test_local_signer_creates_its_key_once_and_privately(tmp_path):
    first = LocalSnsSigner(tmp_path, region="eu-west-1")
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
    assert first.certificate_url == \
        "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-local.pem"
    check_certificate_url(first.certificate_url)
    second = LocalSnsSigner(tmp_path, region="eu-west-1")
    assert second.certificate_pem == first.certificate_pem
    verify(second.notification(TOPIC, "x"), first.certificate_pem, _now())


def test_local_notification_has_the_sns_envelope_shape(signer):
    message = signer.notification(TOPIC, "hello", "subject", version="1")
    assert list(message) == [
        "Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
        "Signature", "SigningCertURL", "UnsubscribeURL",
    ]
    assert message["Type"] == "Notification" and message["SignatureVersion"] == "1"
    assert uuid.UUID(message["MessageId"]).version == 4
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", message["Timestamp"])
    assert message["UnsubscribeURL"].startswith(
        f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={TOPIC}:")
    assert message["SigningCertURL"] == signer.certificate_url
    # Signature is SHA1withRSA over the documented string, as cryptography checks it
    public_key = x509.load_pem_x509_certificate(signer.certificate_pem).public_key()
    public_key.verify(base64.b64decode(message["Signature"]), canonical_string(message),
                      padding.PKCS1v15(), hashes.SHA1())


def test_local_signer_refuses_unknown_versions(signer):
    with pytest.raises(ValueError):
        signer.sign({"Type": "Notification"}, version="3")


def test_shared_module_stays_standard_library_only():
    import ast
    import sys

    tree = ast.parse(open(sns.__file__, encoding="utf-8").read())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= set(sys.stdlib_module_names)


# --- real messages signed by Amazon SNS -------------------------------------------------
#
# Verbatim from aws/aws-sdk-java-v2 (Apache-2.0),
# services-custom/sns-message-manager/src/test/resources/software/amazon/awssdk/
# messagemanager/sns/internal/: the SNS signing certificate served at
# https://sns.us-west-2.amazonaws.com/SimpleNotificationService-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem
# (CN=sns.amazonaws.com, issuer Amazon RSA 2048 M01, valid 2025-11-10 to 2026-10-14) and
# five deliveries SNS signed with it, kept in SNS's own JSON formatting.

REAL_CERT_2026 = b"""-----BEGIN CERTIFICATE-----
MIIFxTCCBK2gAwIBAgIQBkyRNHAyygLkObkxH5ju+zANBgkqhkiG9w0BAQsFADA8
MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRwwGgYDVQQDExNBbWF6b24g
UlNBIDIwNDggTTAxMB4XDTI1MTExMDAwMDAwMFoXDTI2MTAxNDIzNTk1OVowHDEa
MBgGA1UEAxMRc25zLmFtYXpvbmF3cy5jb20wggEiMA0GCSqGSIb3DQEBAQUAA4IB
DwAwggEKAoIBAQChbVNQ+DEaT5WN+l+bg0iEeF666Z6LDFc1KJr4lNl0odcXQSsk
KsZYCMVdp4I/Ikk9zWyckRTMkmQGYimpD+bTsMCP5C/sJIU0E9Y2OXjjl5Videkq
qnRL9VdE5N41Rvks7S/5MpYcSmCsmaHfwcv82Gvx2zm9CrA5Xu7K2ZqhzRQPCRSP
mHTHQr4ED63ujE+qTpPgQZ0TvgmcrAc08Z75Z7Zzs17aTNc3YhAtQx9WowN8uiHk
kgc+ONNdtwKvWZNmnbmxMHYtYc291WCP1K1Nh4TV5XNyjIebzQKDrqTCN0ItAr1x
e6Bl3BYS3SG9XHAy0q3ekITzQsKypcuaK6dTAgMBAAGjggLhMIIC3TAfBgNVHSME
GDAWgBSBuA5jiokSGOX6OztQlZ/m5ZAThTAdBgNVHQ4EFgQUBQEUzzzuVJAKzAlR
d0Q//W6HvZUwHAYDVR0RBBUwE4IRc25zLmFtYXpvbmF3cy5jb20wEwYDVR0gBAww
CjAIBgZngQwBAgEwDgYDVR0PAQH/BAQDAgWgMBMGA1UdJQQMMAoGCCsGAQUFBwMB
MDsGA1UdHwQ0MDIwMKAuoCyGKmh0dHA6Ly9jcmwucjJtMDEuYW1hem9udHJ1c3Qu
Y29tL3IybTAxLmNybDB1BggrBgEFBQcBAQRpMGcwLQYIKwYBBQUHMAGGIWh0dHA6
Ly9vY3NwLnIybTAxLmFtYXpvbnRydXN0LmNvbTA2BggrBgEFBQcwAoYqaHR0cDov
L2NydC5yMm0wMS5hbWF6b250cnVzdC5jb20vcjJtMDEuY2VyMAwGA1UdEwEB/wQC
MAAwggF/BgorBgEEAdZ5AgQCBIIBbwSCAWsBaQB3ANdtfRDRp/V3wsfpX9cAv/mC
yTNaZeHQswFzF8DIxWl3AAABmnAb33MAAAQDAEgwRgIhANXAgMEZWU326cqxqwnf
ntD0XcBjRbmvVMOp3hZ8boPXAiEAkI3NTMXcdLCChHak1ipOae7K7r3spMGUMk6Q
cEUKqBEAdgDCMX5XRRmjRe5/ON6ykEHrx8IhWiK/f9W1rXaa2Q5SzQAAAZpwG9+u
AAAEAwBHMEUCIQD+Qyok8NYaFuQkccW+XIMmxHxj6Yka2wjtg6UN/tbU5wIgcp4z
8MyC/dUfeLRuHAt0owtVgEu7xXqrMBOYlbXrfC4AdgDLOPcViXyEoURfW8Hd+8lu
8ppZzUcKaQWFsMsUwxRY5wAAAZpwG9+yAAAEAwBHMEUCIQCmu1jQUG9A2br7OqwM
FvQXtBX10yIvvDa6a2Ov1Zgg6gIgKlqRvN6WhX0pSHAN2bKmjRwIUI3X9kjS/A/m
DYULaV4wDQYJKoZIhvcNAQELBQADggEBAIbTQWQhqrG6SzwLq79tKCpI0aL0xlD+
/jrGPxpwTlK7rtAArHiEVh/bsmwLYRlIxPBiU+NE/kqeT0lhJA6/e3X3KRmnpJ6u
Z70PJGYwmZbSRsFom0vGFBMncX0qYx1iD0dooPeAkkSnM5j81rBh+FepV3HfF+tA
9gaglWLsU7Z/A0fdn9D32UPreVHloOut5EyEinvXRUAWZco9CRloyEXJr7Mxq9MZ
vYOK+5wuSPHnPij+fGlQsPxEgoTnCmU03PqNS49kL13jjEnYYdijqL+4rfHtuZbc
4hlVoZfttwg8wD3m5brhQ+GkBBNYN8HFtdVy/BnFi+SPJqv6BgB3Y00=
-----END CERTIFICATE-----
"""

REAL_NOTIFICATION_WITH_SUBJECT_V1 = r"""{
  "Type" : "Notification",
  "MessageId" : "26858270-545e-5848-82a2-e05566af3dcf",
  "TopicArn" : "arn:aws:sns:us-west-2:131990247566:dongie-standard-topic",
  "Subject" : "My message subject",
  "Message" : "Hello! This message has a subject.",
  "Timestamp" : "2026-03-06T19:53:21.424Z",
  "SignatureVersion" : "1",
  "Signature" : "jvNSgHVOF9KUOKI3bmQZhURD0kDN6txhfjiyuvnV95Dw6b2SRa7nq3AhM8agP0KUCIrRgKHqUlN6K2XBA35Lzkx1eI5RT0oXIN00pvvzGxSz0ddnuSGmDJM7bd/b1vl2RlLjz+KvkhzEtspxLnxjLsGl2EpOmztt+um7owb4475sOLdGTx1QiFV/8HqB2J0DyjeWdRZvu7Xpsf1Yd2rgmijFoz8x89Vw8pIksjczr4q16pxdh/XKWjbN2uPoC+3EeYdljL8KUvLYH9ueHSs5E9qq2iLdze4+FtANnE73XRvvSGE0KI+FGOvz1igest6qon3g1/CVy4mq3n19TsCSmA==",
  "SigningCertURL" : "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem",
  "UnsubscribeURL" : "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-west-2:131990247566:dongie-standard-topic:b24e11a2-06bd-4e73-aa29-0ed2de3b41b5"
}"""

REAL_NOTIFICATION_NO_SUBJECT_V1 = r"""{
  "Type" : "Notification",
  "MessageId" : "c0e5a280-53c9-5a98-93bb-c0a560b3d192",
  "TopicArn" : "arn:aws:sns:us-west-2:131990247566:dongie-standard-topic",
  "Message" : "This notification has no subject.",
  "Timestamp" : "2026-03-06T19:55:38.903Z",
  "SignatureVersion" : "1",
  "Signature" : "h5/2kLNyPKvMH+ipOA1kueaA1GLFlcKbO/9o6GbH7BtKk/8lM8krPFDrV+Lwuq8yZDXTxeSXHR8pG1w9MkKQ3VlsHhMigy+5ejIsb+ZfpkDDO6dOACbkTg1twy9tLeKCyPfU01OokKTR6jlKJGCgXXDQm5Q1Fs4NfUz22xGqteycG1GIioqq2Hvd1PLsDkcoyUAhciugGFcZKIGjUbBtdhMTPFX1ed8iH+Y/p6o/eD0G2i614oRSXYRJyV2iNpl54LCCiCrAafAJAM5NXAJJq9CWyTjxHFC18FnPqSukW1/6Qa502oujhPJ/pyl+6mMBoF6LjnpbIyR8/Gmm+RY6fg==",
  "SigningCertURL" : "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem",
  "UnsubscribeURL" : "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-west-2:131990247566:dongie-standard-topic:b24e11a2-06bd-4e73-aa29-0ed2de3b41b5"
}"""

REAL_NOTIFICATION_V2 = r"""{
  "Type" : "Notification",
  "MessageId" : "9d2c5580-b61d-550c-8583-37a582870907",
  "TopicArn" : "arn:aws:sns:us-west-2:131990247566:dongie-standard-topic",
  "Message" : "This message uses signature version 2.",
  "Timestamp" : "2026-03-06T20:00:26.893Z",
  "SignatureVersion" : "2",
  "Signature" : "kGNJ7FIM5DJxRv9bdoSJBty2WHpADFWrJ0ZQU/A2sALy6tBE5hqfUvPRlklTJ+PACFMguoFOO7W6ac/Bs4gR+JBRFhx4598X8/HWzrmaLrtB2f7nzViHbpzYN+u+OewXhxjj2lNsu0bLKv6fogkACytDIOhjZylbfJoPphDYAB7T3Ila7u+K3m2wLHH4k1cPYKyBf5FI/kAoQAVsY6qFHeb6CWfHsdM98I2gwyEvwJSzW0iyYBfqckmthQwH3Ex53jrhQlZylXFDYmstSJAdvbLeGqIUxKyk+O25wYgBjbbbeR+2qE2UCGEQrk1Bq018wmTxdHZmDhoBjJXiGmFkfg==",
  "SigningCertURL" : "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem",
  "UnsubscribeURL" : "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-west-2:131990247566:dongie-standard-topic:b24e11a2-06bd-4e73-aa29-0ed2de3b41b5"
}"""

REAL_SUBSCRIPTION_CONFIRMATION_V1 = r"""{
  "Type" : "SubscriptionConfirmation",
  "MessageId" : "f3f2fc87-c426-4c2f-9044-b55890c0939c",
  "Token" : "2336412f37fb687f5d51e6e2425929f52e8e353134fe72d55ef8b330217d82da14007cbccefffd35b695feb8f0294d01fd9644f41e1ddfad261519a2c0bac743ff375eeb64530147d2da57f3acc54739da14c8dbd48a9d58ce996eff0d498ea6b4b9f58720d8959b52b99b8de148081720d7da17434e376614a00c992e7823e4",
  "TopicArn" : "arn:aws:sns:us-west-2:131990247566:dongie-standard-topic",
  "Message" : "You have chosen to subscribe to the topic arn:aws:sns:us-west-2:131990247566:dongie-standard-topic.\nTo confirm the subscription, visit the SubscribeURL included in this message.",
  "SubscribeURL" : "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:131990247566:dongie-standard-topic&Token=2336412f37fb687f5d51e6e2425929f52e8e353134fe72d55ef8b330217d82da14007cbccefffd35b695feb8f0294d01fd9644f41e1ddfad261519a2c0bac743ff375eeb64530147d2da57f3acc54739da14c8dbd48a9d58ce996eff0d498ea6b4b9f58720d8959b52b99b8de148081720d7da17434e376614a00c992e7823e4",
  "Timestamp" : "2026-03-06T19:31:32.895Z",
  "SignatureVersion" : "1",
  "Signature" : "Ce2Ax8UbEq0RrVH7gsjP9WZ9bzif7dUkAY4OH99Pv7FSrvs8cK+uiH3a6ig54rXWUnZRUejk8K6KeK5Q80O9iJp8KbPRKdQ0PkJ3YASdabhfK0e7evC05YR2pFoS6nNaqNzT7HrR1d1Z9iLoFxluo2Dzb7kWVB7e9jp/y+ZBXRzRIaZgscM84kahBc6QgXOFJA1/PFA4cB5qaa6tBcUFtTE63o9vJ4wMmKk93W9MoszC+dNJeVFr8VHmt3toR+3JauBCZnGdgXgsDhni4PduSfWJJxEpuOK41iYf1hW+xFNFFsv46siTFiHdHiYDfI7/VlaY4spMgkq3EndRr7rHzQ==",
  "SigningCertURL" : "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem"
}"""

REAL_UNSUBSCRIBE_CONFIRMATION_V2 = r"""{
  "Type" : "UnsubscribeConfirmation",
  "MessageId" : "0b71e34e-42c3-486a-9e32-b1928ec994b5",
  "Token" : "2336412f37fb687f5d51e6e2425929f52e8e353134fd0284eae5672847af082a982c7dd18215a1485e04e559716f8b42054594757f42dee2d63c46fd3a0fa59b4d688de03db956f8bf9f8cb3167587a28b74c5d325e6a7594d24a43ac534de2dfca614ca89cebd490342c721c30a76ea03def13673437a6a3e450642580119d0",
  "TopicArn" : "arn:aws:sns:us-west-2:131990247566:dongie-standard-topic",
  "Message" : "You have chosen to deactivate subscription arn:aws:sns:us-west-2:131990247566:dongie-standard-topic:b24e11a2-06bd-4e73-aa29-0ed2de3b41b5.\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message.",
  "SubscribeURL" : "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:131990247566:dongie-standard-topic&Token=2336412f37fb687f5d51e6e2425929f52e8e353134fd0284eae5672847af082a982c7dd18215a1485e04e559716f8b42054594757f42dee2d63c46fd3a0fa59b4d688de03db956f8bf9f8cb3167587a28b74c5d325e6a7594d24a43ac534de2dfca614ca89cebd490342c721c30a76ea03def13673437a6a3e450642580119d0",
  "Timestamp" : "2026-03-06T20:02:25.038Z",
  "SignatureVersion" : "2",
  "Signature" : "RLW/cGWZAdY96iEcvXGmAZQ851DUyWehJIUMHT3Qa0/kX7Wu2QimI44TfE8d9hTqyYFreA6ln4AS67m225DuySpBeiUBtzB/ibiU7jdZmfSiT/I/RTEU3eD0lHHZIYW0M7HAlhHyaSXdcSAbtfnhMBMION93IVl6UOR4kWYdJaJ17/u3by3zlSRs8wCIpj06S6BzuzxrINZPJl+NKZYCVdMlrjuT4etX/UfZkC0Tjchpmu/CQcuimAgswlesm8cVue0WqNPXkOr8h7HmsiGVXPN1jjkYKf2/tVJyBxur/lSksMopER8wtAIsrqY1caAZSI8YJkIndg/b+7eCwkjTBA==",
  "SigningCertURL" : "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem"
}"""

# Verbatim from aws/aws-sdk-ruby (Apache-2.0), gems/aws-sdk-sns/spec/message_verifier_spec.rb
# (the same certificate is in aws/aws-php-sns-message-validator's tests): the SNS
# certificate of SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem
# (CN=sns.amazonaws.com, issuer Amazon Server CA 1B, valid 2021-09-07 to 2022-08-17) and two
# us-east-2 deliveries; the heredoc's #{signing_cert_url.inspect} is written out.

REAL_CERT_2022 = b"""-----BEGIN CERTIFICATE-----
MIIF1zCCBL+gAwIBAgIQB9pYWG3Mi7xej22g9pobJTANBgkqhkiG9w0BAQsFADBG
MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRUwEwYDVQQLEwxTZXJ2ZXIg
Q0EgMUIxDzANBgNVBAMTBkFtYXpvbjAeFw0yMTA5MDcwMDAwMDBaFw0yMjA4MTcy
MzU5NTlaMBwxGjAYBgNVBAMTEXNucy5hbWF6b25hd3MuY29tMIIBIjANBgkqhkiG
9w0BAQEFAAOCAQ8AMIIBCgKCAQEAutFqueT3XgP13udzxE6UpbdjOtVO5DwoMpSM
iDNMnGzF1TYH5/R2LPUOBeTB0SkKnR4kpNcUZhicpGD4aKciz/GEZ6wu65xncfT9
H/KBOQwoXYTuClHwp6fYpGzcGFaFoEYMnijL/o4qmTSd+ukglQUgKpsDw4ofw6rU
m2CttJo+GQSNQ9NfGR1h/0J+zsApkeSYrXRx5wNlu87z8os1C/6PBrUHwt3xXeaf
Xzfwut8aRRYsS8BySOA9DAgLfNHlfdQCjKPXKrG/ussgReyWD6n/HH+j7Uha3xos
TzQqJifcxlTq6MxWdPR6fDaJNvqw6DOE7UjUNxHguXHlVfxhlQIDAQABo4IC6TCC
AuUwHwYDVR0jBBgwFoAUWaRmBlKge5WSPKOUByeWdFv5PdAwHQYDVR0OBBYEFAqz
C+vyouneE7mWWLbi9i0UsWUbMBwGA1UdEQQVMBOCEXNucy5hbWF6b25hd3MuY29t
MA4GA1UdDwEB/wQEAwIFoDAdBgNVHSUEFjAUBggrBgEFBQcDAQYIKwYBBQUHAwIw
OwYDVR0fBDQwMjAwoC6gLIYqaHR0cDovL2NybC5zY2ExYi5hbWF6b250cnVzdC5j
b20vc2NhMWIuY3JsMBMGA1UdIAQMMAowCAYGZ4EMAQIBMHUGCCsGAQUFBwEBBGkw
ZzAtBggrBgEFBQcwAYYhaHR0cDovL29jc3Auc2NhMWIuYW1hem9udHJ1c3QuY29t
MDYGCCsGAQUFBzAChipodHRwOi8vY3J0LnNjYTFiLmFtYXpvbnRydXN0LmNvbS9z
Y2ExYi5jcnQwDAYDVR0TAQH/BAIwADCCAX0GCisGAQQB1nkCBAIEggFtBIIBaQFn
AHYAKXm+8J45OSHwVnOfY6V35b5XfZxgCvj5TV0mXCVdx4QAAAF7vfDVkQAABAMA
RzBFAiEA2XfHuy36aqRFiaL8c3md2mH451go8707+fRE0pEdSRACIE/g5FXTUXUZ
PFcmOhm9TZ+uMY1i4CIQ/CKVWln6C3t+AHYAUaOw9f0BeZxWbbg3eI8MpHrMGyfL
956IQpoN/tSLBeUAAAF7vfDVjAAABAMARzBFAiBF1MhhFP0+FQt3daDFfMYoWwnr
muTInrjNpwfzlvQBugIhAPYadFzr+LaxSJoiZEbEHBvTts7bT0M3eCQONA2O7w6n
AHUAQcjKsd8iRkoQxqE6CUKHXk4xixsD6+tLx2jwkGKWBvYAAAF7vfDVdAAABAMA
RjBEAiAtPapmFAuA71ih4NoSd5hJelzAltNQpxDMcDfDyHyU8gIgWxmaa6+2KbBu
9xdv379zvnJACFR7jc+4asl08Dn4aagwDQYJKoZIhvcNAQELBQADggEBAA54QX0u
oFWXfMmv02CGZv4NWo5TapyeeixQ2kKpZHRdVZjxZrw+hoF6HD7P3kGjH8ztyJll
tDxB0qgMltbPhQdScwhA6iTgoaBYqEUC/VHKd4PmmPT6yIsM36NBZVmkGlzl5uNo
/dBgBaG0SsVJnhr5zro3c2quC7n6fVGEZhf/UgQwRnnvThnvbNKguglDMq4uEqv8
njKyleht+glkcmXO0m9qLKt6BOS0amy6U2GlAwRn0Wx02ndJtnRCSC6kPuRWK/SQ
FEjB7gCK4hdKaAOuWdZpI55vF6ifOeM8toC3g7ofO8qLTnJupAG+ZitY5J3cvHWr
HqOUdKigPDHYLRo=
-----END CERTIFICATE-----
"""

REAL_NOTIFICATION_2022_V1 = r"""{
  "Type" : "Notification",
  "MessageId" : "792cda85-518f-5dd3-9163-81d851212f3a",
  "TopicArn" : "arn:aws:sns:us-east-2:295079676684:publish-and-verify-892f85fe-4836-424d-8188-ab85bef0f362",
  "Message" : "Hello world",
  "Timestamp" : "2022-07-28T21:23:58.317Z",
  "SignatureVersion" : "1",
  "Signature" : "ghtf+deOBAzHJJZ6s6CdRLfTQAlcGzq9naoFM1wi0CJiq//uVRuZnamrkWNF0fhouMFvuLVRwcz8PZLUMSfnmd5VpdTKpTyiKmy1qJAZXma0w+yi7G+I33hD1Jyk1Nbym2n0kqp3fVu2aoooiN2ZeLAT2bH0/BtjLSfN1yAOKNoprco4qV9gGUZinXJdj9a1YdNhDR2jKi33ldlsVtEXAtiaDklGEk7DgRKX38GerBPiLg3FdtgY6KC7cdeGpU/dGK+4hjc83Ive1HoFkAwqhpgInM2sMytBosoiXfCmOKmU4xeGD0gHDNZTlJUJQDlzw8Eag0H9f/5zXF9d3uy0YQ==",
  "SigningCertURL" : "https://sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem",
  "UnsubscribeURL" : "https://sns.us-east-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-2:295079676684:publish-and-verify-892f85fe-4836-424d-8188-ab85bef0f362:2296bc94-7992-4be1-b15f-b97229b5c1d8"
}"""

REAL_NOTIFICATION_2022_V2 = r"""{
  "Type" : "Notification",
  "MessageId" : "17dea24b-55c2-540b-8362-f916557af765",
  "TopicArn" : "arn:aws:sns:us-east-2:295079676684:publish-and-verify-62674b1d-4295-426b-88e7-5fb75652a04e",
  "Message" : "Hello world",
  "Timestamp" : "2022-07-28T21:24:08.324Z",
  "SignatureVersion" : "2",
  "Signature" : "CXVqp9PfZAL+4JHS3Zxo1PFbQsvnOjvmYhtIf17TWpwc+iIVas8kZ8GopuzVzVMdatE7rCl/O4P91Zp05Dwz8lk8dLhfp8gSu3Njlzxlyrmzo9x3va3Jb7zFnedgS2GKnZWHGBdwTXho+TosNUE+3e10OMSlwN5XGDwX7+R3WL+rn+AXmFAqp3alg27sYa55h1dLE9cGszGPjScPdtF3BmZsUDMx9wSdNKsCk+vSvE8yBjnCmUl7laSFj3LzPVrlSwgNYCF3kYnNAkah7NplK4SFhJYLwS0HCVCQJKa8rVbQLf9cBTu60U402mrgy0bN8xWoyimzbYbrOMJjalqkUg==",
  "SigningCertURL" : "https://sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem",
  "UnsubscribeURL" : "https://sns.us-east-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-2:295079676684:publish-and-verify-62674b1d-4295-426b-88e7-5fb75652a04e:ad7d16e3-0a7c-46aa-b23e-ffaf02250cbe"
}"""

REAL_DELIVERIES = [
    pytest.param(REAL_NOTIFICATION_WITH_SUBJECT_V1, REAL_CERT_2026, id="2026-notification-subject-v1"),
    pytest.param(REAL_NOTIFICATION_NO_SUBJECT_V1, REAL_CERT_2026, id="2026-notification-v1"),
    pytest.param(REAL_NOTIFICATION_V2, REAL_CERT_2026, id="2026-notification-v2"),
    pytest.param(REAL_SUBSCRIPTION_CONFIRMATION_V1, REAL_CERT_2026, id="2026-subscribe-v1"),
    pytest.param(REAL_UNSUBSCRIBE_CONFIRMATION_V2, REAL_CERT_2026, id="2026-unsubscribe-v2"),
    pytest.param(REAL_NOTIFICATION_2022_V1, REAL_CERT_2022, id="2022-notification-v1"),
    pytest.param(REAL_NOTIFICATION_2022_V2, REAL_CERT_2022, id="2022-notification-v2"),
]


def _delivered_at(message: dict) -> dt.datetime:
    """When the message reached us: a little after SNS stamped it (and before the real
    certificates expired: they are checked against this, never against today's clock)."""
    return dt.datetime.fromisoformat(message["Timestamp"]) + dt.timedelta(minutes=5)


@pytest.mark.parametrize("body, cert", REAL_DELIVERIES)
def test_real_aws_signed_deliveries_verify(body, cert):
    message = parse_envelope(body.encode())
    check_certificate_url(message["SigningCertURL"])
    verify(message, cert, _delivered_at(message))


@pytest.mark.parametrize("body, cert", REAL_DELIVERIES)
def test_real_aws_deliveries_reject_tampering_and_the_wrong_certificate(body, cert):
    message = parse_envelope(body)
    now = _delivered_at(message)
    for field in ("Message", "MessageId", "TopicArn", "Timestamp"):
        _rejected({**message, field: _change_one_char(message[field])}, cert, now)
    _rejected({**message, "SignatureVersion": "2" if message["SignatureVersion"] == "1" else "1"},
              cert, now)
    # a certificate valid at that time, but not the one SNS signed with
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    impostor = _self_signed(key, dt.datetime(2020, 1, 1, tzinfo=UTC),
                            dt.datetime(2030, 1, 1, tzinfo=UTC))
    assert _rejected(message, impostor, now) == "signature does not match"


def test_real_certificates_are_read_correctly():
    for pem, n_prefix, not_before, not_after in (
        (REAL_CERT_2026, "a16d5350f8311a4f", "2025-11-10T00:00:00", "2026-10-14T23:59:59"),
        (REAL_CERT_2022, "bad16ab9e4f75e03", "2021-09-07T00:00:00", "2022-08-17T23:59:59"),
    ):
        certificate = load_certificate(pem)
        assert f"{certificate.modulus:x}".startswith(n_prefix)
        assert certificate.modulus.bit_length() == 2048 and certificate.exponent == 65537
        assert certificate.not_before == dt.datetime.fromisoformat(not_before).replace(tzinfo=UTC)
        assert certificate.not_after == dt.datetime.fromisoformat(not_after).replace(tzinfo=UTC)


def test_a_real_message_is_rejected_once_its_certificate_has_expired():
    message = parse_envelope(REAL_NOTIFICATION_V2)
    after_expiry = dt.datetime(2026, 10, 15, tzinfo=UTC)
    assert _rejected(message, REAL_CERT_2026, after_expiry) == "certificate has expired"
