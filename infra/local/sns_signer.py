"""Sign SNS HTTP(S) deliveries like Amazon SNS does, for the local stack and tests only.

A self-signed RSA-2048 certificate stands in for SNS's signing certificate; it is created
once in the data folder and reused. Messages are signed over the same string to sign that
``shared.domain.sns`` verifies (SHA1withRSA for SignatureVersion "1", SHA256withRSA for
"2"). Imports ``cryptography`` (a dev dependency via moto), so never import this module
from ``shared/`` or a Lambda.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import uuid
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from shared.domain.sns import canonical_string

KEY_FILE = "sns-signing-key.pem"
CERT_FILE = "sns-signing-cert.pem"
CERT_NAME = "SimpleNotificationService-local.pem"
VALID_DAYS = 3650

_HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}


class LocalSnsSigner:
    """Signs SNS envelopes with a local key whose certificate "lives" at certificate_url."""

    def __init__(self, data_dir: str | os.PathLike[str], region: str = "us-east-1") -> None:
        self.region = region
        self.certificate_url = f"https://sns.{region}.amazonaws.com/{CERT_NAME}"
        directory = Path(data_dir)
        key_path, cert_path = directory / KEY_FILE, directory / CERT_FILE
        if not (key_path.exists() and cert_path.exists()):
            directory.mkdir(parents=True, exist_ok=True)
            key, cert = _new_key_and_certificate()
            _write(key_path, key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ), mode=0o600)
            _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
        self._key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(self._key, rsa.RSAPrivateKey):
            raise ValueError(f"{key_path} does not hold an RSA key")
        self.certificate_pem: bytes = cert_path.read_bytes()

    def sign(self, message: dict[str, Any], version: str = "2") -> dict[str, Any]:
        """MESSAGE with SignatureVersion, Signature and SigningCertURL filled in."""
        if version not in _HASHES:
            raise ValueError(f"SignatureVersion must be '1' or '2', not {version!r}")
        signature = self._key.sign(
            canonical_string(message), padding.PKCS1v15(), _HASHES[version]()
        )
        signed = {k: v for k, v in message.items()
                  if k not in ("SignatureVersion", "Signature", "SigningCertURL")}
        unsubscribe = signed.pop("UnsubscribeURL", None)
        signed.update(
            SignatureVersion=version,
            Signature=base64.b64encode(signature).decode("ascii"),
            SigningCertURL=self.certificate_url,
        )
        if unsubscribe is not None:  # keep SNS's field order: UnsubscribeURL comes last
            signed["UnsubscribeURL"] = unsubscribe
        return signed

    def notification(
        self, topic_arn: str, message: str, subject: str | None = None, *, version: str = "2",
    ) -> dict[str, Any]:
        """A signed Notification envelope, as SNS POSTs it to an HTTP(S) subscriber."""
        envelope: dict[str, Any] = {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": topic_arn,
        }
        if subject is not None:
            envelope["Subject"] = subject
        envelope["Message"] = message
        envelope["Timestamp"] = _sns_timestamp(dt.datetime.now(dt.UTC))
        envelope["UnsubscribeURL"] = (
            f"https://sns.{self.region}.amazonaws.com/?Action=Unsubscribe"
            f"&SubscriptionArn={topic_arn}:{uuid.uuid4()}"
        )
        return self.sign(envelope, version)


def _sns_timestamp(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, e.g. 2012-05-02T00:54:06.655Z."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _new_key_and_certificate() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "crm local stack (not Amazon)"),
    ])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write atomically; the file is created with MODE, so a key is never world-readable."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.chmod(temporary, mode)  # os.open applied the umask: set exactly MODE
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
