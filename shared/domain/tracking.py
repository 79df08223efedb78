"""Email tracking: signed open/click tokens, the pixel and the redirect guard (the machine-hit
classifier is shared.domain.hit_classifier).

Pure and lean: imported by the tracking-redirect Lambda, whose cold start is budgeted, so
only small standard-library modules are imported here (no json, email, html, urllib,
ipaddress or dataclasses).

Tokens
------
``GET /t/o/{token}`` (open) and ``GET /t/c/{token}`` (click) carry a token that names the
tenant, the email and, for a click, the index of the link in that email. ``/t/u/{token}``
(one-click unsubscribe of mail to a selection) names the tenant and, in the email's place, the
contact. It carries no
URL: the redirect target is looked up server-side by (email_id, link_index), so a click can
only ever lead to a URL that was in the email (no open redirect). Layout, then base64url
without padding::

    header   1 byte   version (high nibble) | kind (low nibble: 1 open, 2 click, 3 unsubscribe)
    key id   1+n      length, ASCII
    tenant   1+n      length, UTF-8    (length 0xFF: a ULID packed into 16 bytes)
    email id 1+n      length, UTF-8    (idem)
    link     2 bytes  big-endian, click tokens only
    tag      16 bytes HMAC-SHA256(key, DOMAIN + everything above), truncated

Two ULIDs give a 56-byte token, 75 characters. The token is signed, not encrypted: whoever
holds the email can read the tenant and email ids in it (they are opaque ids), but cannot
change a single bit of it. Anything wrong answers one ``InvalidToken`` (the API answers 404).

Keys rotate through a ``Keyring``: tokens are signed with the current key and verify with
the current key or any previous key still listed; remove a key and its tokens stop working.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from collections.abc import Iterable
from typing import NamedTuple

__all__ = [
    "KIND_OPEN", "KIND_CLICK", "KIND_UNSUBSCRIBE", "KINDS", "InvalidToken", "KeyringError", "Key", "Keyring",
    "TokenClaims", "sign", "verify", "PIXEL_GIF", "is_safe_redirect",
]

KIND_OPEN, KIND_CLICK, KIND_UNSUBSCRIBE = "o", "c", "u"
KINDS = (KIND_OPEN, KIND_CLICK, KIND_UNSUBSCRIBE)

# --- tokens ------------------------------------------------------------------------------

_VERSION = 1
_KIND_CODES = dict(zip(KINDS, (1, 2, 3), strict=True))
_DOMAIN = b"crm/tracking/v1\x00"  # separates these MACs from any other use of the same secret
_TAG_BYTES = 16
_ULID_MARK = 0xFF  # a length byte of 0xFF means "16-byte packed ULID follows"
_MAX_FIELD_BYTES = 200
_MAX_LINK_INDEX = 0xFFFF
_MIN_SECRET_BYTES = 16
_MAX_TOKEN_CHARS = 1024  # far above any token we issue; refuse before decoding anything

_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_B64_SECRET = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ULID = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")  # canonical (upper-case) 128-bit ULID
_CROCKFORD_VALUE = {char: value for value, char in enumerate(_CROCKFORD)}


class InvalidToken(Exception):
    """The token is not one we issued for this kind (forged, edited, truncated, unknown key)."""


class KeyringError(ValueError):
    """The tracking key configuration is malformed."""


class Key:
    """One signing key. The secret never appears in repr() or str()."""

    __slots__ = ("id", "secret")

    def __init__(self, key_id: str, secret: bytes) -> None:
        if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
            raise KeyringError("A tracking key id must be 1 to 16 characters of A-Z, a-z, 0-9, '_' or '-'.")
        if not isinstance(secret, (bytes, bytearray)) or len(secret) < _MIN_SECRET_BYTES:
            raise KeyringError(
                f"Tracking key {key_id!r}: the secret must be at least {_MIN_SECRET_BYTES} bytes."
            )
        self.id = key_id
        self.secret = bytes(secret)

    def __repr__(self) -> str:
        return f"Key({self.id!r}, <secret>)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Key) and self.id == other.id and self.secret == other.secret

    __hash__ = None  # type: ignore[assignment]


class Keyring:
    """The current signing key plus previous keys that still verify."""

    __slots__ = ("current", "previous", "_by_id")

    def __init__(self, current: Key, previous: Iterable[Key] = ()) -> None:
        keys = (current, *previous)
        by_id: dict[str, Key] = {}
        for key in keys:
            if not isinstance(key, Key):
                raise KeyringError("A keyring holds Key objects only.")
            if key.id in by_id:
                raise KeyringError(f"Tracking key id {key.id!r} appears more than once.")
            by_id[key.id] = key
        self.current = current
        self.previous = keys[1:]
        self._by_id = by_id

    @classmethod
    def from_config(cls, config: str) -> Keyring:
        """Parse ``"k2:<base64 secret>,k1:<base64 secret>"``: the first key is the current one.

        Secrets are base64 (standard or URL-safe alphabet, padding optional) of at least 16
        bytes. Error messages name the entry and key id, never the secret.
        """
        if not isinstance(config, str) or not config.strip():
            raise KeyringError(
                "The tracking key configuration is empty; expected 'id:base64secret[,id:base64secret...]'."
            )
        keys = []
        for position, entry in enumerate(config.split(","), start=1):
            entry = entry.strip()
            key_id, colon, encoded = entry.partition(":")
            key_id, encoded = key_id.strip(), encoded.strip()
            where = f"Tracking key entry {position}"
            if not entry:
                raise KeyringError(f"{where} is empty (stray comma?).")
            if not colon or not key_id or not encoded:
                raise KeyringError(f"{where} must look like 'id:base64secret'.")
            if not _KEY_ID.fullmatch(key_id):
                raise KeyringError(f"{where}: the id must be 1 to 16 characters of A-Z, a-z, 0-9, '_' or '-'.")
            if not _B64_SECRET.fullmatch(encoded):
                raise KeyringError(f"{where} ({key_id!r}): the secret is not base64.")
            try:
                secret = base64.urlsafe_b64decode(
                    encoded.rstrip("=").replace("+", "-").replace("/", "_") + "=" * (-len(encoded.rstrip("=")) % 4)
                )
            except (binascii.Error, ValueError):
                raise KeyringError(f"{where} ({key_id!r}): the secret is not base64.") from None
            if len(secret) < _MIN_SECRET_BYTES:
                raise KeyringError(
                    f"{where} ({key_id!r}): the secret must decode to at least {_MIN_SECRET_BYTES} bytes."
                )
            keys.append(Key(key_id, secret))
        return cls(keys[0], keys[1:])

    def get(self, key_id: str) -> Key | None:
        return self._by_id.get(key_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    def __repr__(self) -> str:
        return f"Keyring(current={self.current.id!r}, previous={[key.id for key in self.previous]!r})"


class TokenClaims(NamedTuple):
    tenant: str
    email_id: str
    link_index: int | None


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _pack_field(value: str, what: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string")
    if _ULID.fullmatch(value):
        number = 0
        for char in value:
            number = number * 32 + _CROCKFORD_VALUE[char]
        return bytes((_ULID_MARK,)) + number.to_bytes(16, "big")
    raw = value.encode("utf-8")
    if len(raw) > _MAX_FIELD_BYTES:
        raise ValueError(f"{what} is longer than {_MAX_FIELD_BYTES} bytes")
    return bytes((len(raw),)) + raw


def _unpack_field(data: bytes, offset: int) -> tuple[bytes | int, int]:
    """(raw bytes, or the ULID as an int) and the next offset; IndexError/ValueError if short."""
    length = data[offset]
    offset += 1
    if length == _ULID_MARK:
        end = offset + 16
        if end > len(data):
            raise ValueError("short")
        return int.from_bytes(data[offset:end], "big"), end
    if length == 0 or length > _MAX_FIELD_BYTES:
        raise ValueError("bad length")
    end = offset + length
    if end > len(data):
        raise ValueError("short")
    return data[offset:end], end


def _field_text(value: bytes | int) -> str:
    if isinstance(value, int):
        return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))
    return value.decode("utf-8")


def _tag(secret: bytes, payload: bytes) -> bytes:
    return hmac.digest(secret, _DOMAIN + payload, hashlib.sha256)[:_TAG_BYTES]


def sign(keys: Keyring, kind: str, tenant: str, email_id: str, link_index: int | None = None) -> str:
    """A URL-safe token for an open (``kind="o"``, no link), a click (``"c"``, link index) or an
    unsubscribe (``"u"``, the contact's id as `email_id`)."""
    code = _KIND_CODES.get(kind)
    if code is None:
        raise ValueError("kind must be 'o' (open), 'c' (click) or 'u' (unsubscribe)")
    payload: bytes | bytearray = bytearray(((_VERSION << 4) | code,))
    key = keys.current
    payload += bytes((len(key.id),)) + key.id.encode("ascii")
    payload += _pack_field(tenant, "tenant")
    payload += _pack_field(email_id, "email_id")
    if kind == KIND_CLICK:
        if type(link_index) is not int or not 0 <= link_index <= _MAX_LINK_INDEX:
            raise ValueError(f"a click token needs a link_index between 0 and {_MAX_LINK_INDEX}")
        payload += struct.pack("!H", link_index)
    elif link_index is not None:
        raise ValueError("an open token has no link_index")
    payload = bytes(payload)
    return _b64encode(payload + _tag(key.secret, payload))


def verify(keys: Keyring, kind: str, token: str) -> TokenClaims:
    """The claims of a token we issued for this kind, else ``InvalidToken``."""
    code = _KIND_CODES.get(kind)
    if code is None:
        raise ValueError("kind must be 'o' (open), 'c' (click) or 'u' (unsubscribe)")
    if not isinstance(token, str) or len(token) > _MAX_TOKEN_CHARS or not _B64URL.fullmatch(token):
        raise InvalidToken
    try:
        data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken from None
    # base64 leaves spare bits in the last character: only the canonical spelling is ours
    if _b64encode(data) != token or len(data) <= _TAG_BYTES:
        raise InvalidToken
    payload, tag = data[:-_TAG_BYTES], data[-_TAG_BYTES:]
    try:
        if payload[0] != (_VERSION << 4) | code:  # another version, or an open token used as a click
            raise ValueError("header")
        id_length = payload[1]
        offset = 2 + id_length
        if not 1 <= id_length <= 16 or offset > len(payload):
            raise ValueError("key id")
        key_id = payload[2:offset].decode("ascii")
        tenant, offset = _unpack_field(payload, offset)
        email_id, offset = _unpack_field(payload, offset)
        link_index = None
        if kind == KIND_CLICK:
            (link_index,) = struct.unpack_from("!H", payload, offset)
            offset += 2
        if offset != len(payload):  # trailing garbage
            raise ValueError("length")
    except (IndexError, ValueError, struct.error):  # UnicodeDecodeError is a ValueError
        raise InvalidToken from None
    key = keys.get(key_id)
    if key is None or not hmac.compare_digest(tag, _tag(key.secret, payload)):
        raise InvalidToken
    try:
        return TokenClaims(_field_text(tenant), _field_text(email_id), link_index)
    except ValueError:  # cannot happen for a payload we signed; never let it escape as a 500
        raise InvalidToken from None


# --- the pixel and the redirect guard -------------------------------------------------------

# The classic 1x1 transparent GIF89a: global colour table of 2, graphic control extension
# with the transparency flag on colour 0, one LZW-coded pixel of colour 0.
PIXEL_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00"  # header, 1x1, global colour table of 2
    b"\x00\x00\x00\xff\xff\xff"            # colour table: black, white
    b"\x21\xf9\x04\x01\x00\x00\x00\x00"    # graphic control extension: transparent index 0
    b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00"  # image descriptor: 0,0 1x1
    b"\x02\x02\x44\x01\x00"                # LZW min code size 2, one data block, terminator
    b"\x3b"                                # trailer
)

_MAX_URL_CHARS = 8192
# scheme://host[:port] then path/query/fragment. Host: a bracketed IPv6 literal or a name
# without userinfo, percent-escapes, spaces, slashes or backslashes (IDN letters allowed).
_SAFE_URL = re.compile(
    r"(?i:https?)://(?:\[[0-9A-Fa-f:.]+\]|[^\s/?#@\\:\[\]%]+)(?::(?P<port>[0-9]{1,5}))?(?:[/?#][^\\]*)?"
)
# C0/C1 controls (incl. CR, LF, tab), space, DEL, and Unicode line separators and bidi
# controls that could disguise a URL.
_UNSAFE_CHAR = re.compile("[\x00-\x20\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\\\\]")


def is_safe_redirect(url: object) -> bool:
    """An absolute http(s) URL without credentials, whitespace, control characters or
    backslashes: fit for a Location header. Defence in depth: the URL is ours already."""
    if not isinstance(url, str) or not url or len(url) > _MAX_URL_CHARS or _UNSAFE_CHAR.search(url):
        return False
    match = _SAFE_URL.fullmatch(url)
    if match is None:
        return False
    port = match.group("port")
    return port is None or 0 < int(port) <= 65535


CLICK_PARAMETER = "_crm_click"


def with_click_parameter(url: str, token: str) -> str:
    """A link's URL with `_crm_click=<token>` added to its query (before any fragment), for
    tenants that let a click identify the visitor to their site's snippet (opt-in: otherwise a
    click lands on exactly the URL that was in the email)."""
    base, hash_mark, fragment = url.partition("#")
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{CLICK_PARAMETER}={token}{hash_mark}{fragment}"
