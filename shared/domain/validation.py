"""Small, reusable field validators. Each returns (clean value, error message or None)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from shared.errors import FieldError, require_valid

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-.]+(?:\s*(?:ext\.?|x|内線)\s*[0-9]+)?$", re.IGNORECASE)
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_HOST_NAME = re.compile(r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*",
                        re.IGNORECASE)
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_URI_SAFE = "/?@!$&'()*+,;=:%-._~"  # what RFC 3986 allows in a path, query or fragment as it is

Result = tuple[Any, str | None]

MAX_EMAIL_LENGTH = 254  # RFC 5321's path limit, less its angle brackets
MAX_PHONE_LENGTH = 40
MAX_URL_LENGTH = 2048


def text(value: Any, *, max_length: int, multiline: bool = False) -> Result:
    """A trimmed string; an empty one becomes None (the field is cleared)."""
    if not isinstance(value, str):
        return None, "must be a string"
    value = value.strip()
    if len(value) > max_length:
        return None, f"must be at most {max_length} characters"
    if (_CONTROL if multiline else _CONTROL_OR_NEWLINE).search(value):
        return None, "must not contain control characters" if multiline \
            else "must not contain control characters or line breaks"
    return (value or None), None


def email(value: Any) -> Result:
    """An email address; full-width input (ｔａｒｏ＠…) is accepted and normalised by NFKC."""
    if not isinstance(value, str):
        return None, "must be a string"
    value = unicodedata.normalize("NFKC", value).strip()
    if not value:
        return None, None
    if len(value) > MAX_EMAIL_LENGTH or not _EMAIL.match(value) or len(value.split("@")[0]) > 64:
        return None, "must be a valid email address, such as taro@example.co.jp"
    return value, None


def phone(value: Any) -> Result:
    if not isinstance(value, str):
        return None, "must be a string"
    value = unicodedata.normalize("NFKC", value).strip()
    if not value:
        return None, None
    digit_count = sum(ch.isdigit() for ch in value)
    if len(value) > MAX_PHONE_LENGTH or not _PHONE_CHARS.match(value) or not 5 <= digit_count <= 20:
        return None, "must be a phone number of 5 to 20 digits, such as 03-1234-5678"
    return value, None


def url(value: Any) -> Result:
    """An http(s) URL, stored as an RFC 3986 URI; a bare host such as `example.co.jp` gets
    `https://`. A Japanese host name is stored in its IDNA form (`https://xn--...`) and other
    non-ASCII characters percent-encoded (UTF-8), so every stored URL is one any client parses."""
    cleaned, error = text(value, max_length=MAX_URL_LENGTH)
    if error or cleaned is None:
        return cleaned, error
    if "://" not in cleaned:
        cleaned = f"https://{cleaned}"
    invalid = "must be an http or https URL"
    if not _URL.match(cleaned):
        return None, invalid
    try:
        parts = urlsplit(cleaned)
        host = (parts.hostname or "").encode("idna").decode("ascii")
        port = parts.port
    except (UnicodeError, ValueError):
        return None, invalid
    if parts.username is not None or not _HOST_NAME.fullmatch(host):
        return None, invalid
    netloc = host if port is None else f"{host}:{port}"
    path, query, fragment = (quote(_LONE_PERCENT.sub("%25", part), safe=_URI_SAFE)
                             for part in (parts.path, parts.query, parts.fragment))
    encoded = urlunsplit((parts.scheme.lower(), netloc, path, query, fragment))
    if len(encoded) > MAX_URL_LENGTH:
        return None, f"must be at most {MAX_URL_LENGTH} characters once encoded"
    return encoded, None


def no_fields(body: Any) -> None:
    """The body of a request that takes no input (no body is read as `{}`): an empty JSON object.
    Anything else is a 422 naming each field, never silently ignored."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object (or empty)")],
                      "The request body must be a JSON object.")
    require_valid([FieldError(name, "is not a field of this request, which takes none", "unknown_field")
                   for name in body])


def boolean(value: Any) -> Result:
    if not isinstance(value, bool):
        return None, "must be true or false"
    return value, None


def number(value: Any) -> Result:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, "must be a number"
    if value != value or value in (float("inf"), float("-inf")):
        return None, "must be a finite number"
    return value, None


def iso_date(value: Any) -> Result:
    if not isinstance(value, str):
        return None, "must be a date such as 2026-04-01"
    try:
        return date.fromisoformat(value.strip()).isoformat(), None
    except ValueError:
        return None, "must be a date such as 2026-04-01"


def timestamp(value: Any) -> Result:
    """An ISO 8601 date or date-time; answered in UTC with a Z suffix. A naive time is UTC."""
    error = "must be an ISO 8601 time such as 2026-04-01T09:00:00Z"
    if not isinstance(value, str):
        return None, error
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None, error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not 1900 <= parsed.year <= 2999:
        return None, error
    return format_time(parsed), None


def format_time(moment: datetime) -> str:
    """The contract's timestamp form: UTC, milliseconds, `Z` suffix."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now() -> str:
    return format_time(datetime.now(UTC))
