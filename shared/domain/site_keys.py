"""Site keys of web collection: the public key a tenant's snippet carries, and the origins whose
pages may use it (POST/PATCH /v1/site-keys). Pure."""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from shared.domain import fields
from shared.errors import FieldError, require_valid

MAX_ORIGINS = 20
MAX_ORIGIN_LENGTH = 300
MAX_NAME_LENGTH = 100

_SITE_KEY = re.compile(r"site_[0-9A-HJKMNP-TV-Z]{26}")
_HOST = re.compile(r"(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def new_site_key(ulid: str) -> str:
    return f"site_{ulid}"


def snippet(api_base_url: str, site_key: str) -> str:
    """The tag a site pastes into its pages: collect.js from the API's own host (in AWS not the
    console's: README, "Deploying the console"), carrying the key."""
    return f'<script async src="{api_base_url}/collect.js" data-site-key="{site_key}"></script>'


def is_site_key(value: Any) -> bool:
    return isinstance(value, str) and bool(_SITE_KEY.fullmatch(value))


def origin(value: Any) -> str | None:
    """`scheme://host[:port]` in canonical form (lower case, default port left out), with an
    optional `*.` wildcard for every subdomain; None when it is not such an origin."""
    if not isinstance(value, str) or len(value) > MAX_ORIGIN_LENGTH:
        return None
    parts = urlsplit(value.strip())
    try:
        host, port = (parts.hostname or ""), parts.port
    except ValueError:
        return None
    host = host.lower()  # keeps a leading "*." as it is
    if parts.scheme not in ("http", "https") or parts.path not in ("", "/") or parts.query or parts.fragment \
            or parts.username or parts.password or not _HOST.fullmatch(host):
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


@cache
def _public_suffixes() -> Any:
    """The Public Suffix List (https://publicsuffix.org/), ICANN and private sections, as the
    `publicsuffixlist` package ships it: no network. Loaded on first use (about 0.2 s), which
    only creating or changing a site key with a wildcard origin needs, never a /collect hit."""
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def wildcard_too_wide(canonical: str) -> bool:
    """Whether a `*.` origin spans more than one registrant: `https://*.com`, `https://*.co.jp`
    and `https://*.github.io` do (their rest is a public suffix), `https://*.example.co.jp`
    does not."""
    _, _, host = canonical.partition("://*.")
    return bool(host) and _public_suffixes().privatesuffix(host.partition(":")[0]) is None


def origin_allowed(presented: Any, allowed: list[str]) -> bool:
    """Whether a browser's Origin header is one of the site key's origins (`https://*.example.jp`
    allows its subdomains, not example.jp itself)."""
    canonical = origin(presented)
    if canonical is None or "*" in canonical:
        return False
    scheme, _, host = canonical.partition("://")
    for entry in allowed:
        if entry == canonical:
            return True
        wildcard = f"{scheme}://*."
        if entry.startswith(wildcard) and host.endswith("." + entry.removeprefix(wildcard)):
            return True
    return False


_NAME = fields.name(MAX_NAME_LENGTH, 'is required: 1 to 100 characters, e.g. "corporate site"',
                    "Name of the key, such as the site it is for.")
_FIELDS: dict[str, fields.Field | dict[str, Any]] = {"name": _NAME, "allowed_origins": {
    "type": "array", "minItems": 1, "maxItems": MAX_ORIGINS,
    "items": {"type": "string", "maxLength": MAX_ORIGIN_LENGTH},
    "description": "Origins whose pages may send hits with this key: `scheme://host[:port]`, no path; "
                   "`https://*.example.jp` allows every subdomain of example.jp (not example.jp itself); what follows "
                   "`*.` must be a domain of its own, not a public suffix (`https://*.com`, `https://*.co.jp`, "
                   "`https://*.github.io` are a 422). Stored in canonical form (lower case, default port left out, "
                   "duplicates dropped)."}}
SITE_KEY_INPUT = fields.Body("SiteKeyInput", "site key", _FIELDS, required=("name", "allowed_origins"),
                             example={"name": "コーポレートサイト",
                                      "allowed_origins": ["https://www.example.jp", "https://*.example.jp"]})
SITE_KEY_UPDATE = fields.Body("SiteKeyUpdate", "site key", _FIELDS,
                              description="Either field, or both: only the fields given change (`{}` changes nothing).")


def parse_site_key(body: Any, partial: bool) -> dict[str, Any]:
    """`{"name", "allowed_origins"}` of POST (both required: SITE_KEY_INPUT) or PATCH (either:
    SITE_KEY_UPDATE) /v1/site-keys."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")])
    errors = SITE_KEY_INPUT.unknown(body)
    values: dict[str, Any] = {}
    if "name" in body or not partial:
        values["name"], error = _NAME(body.get("name"))
        if error:
            errors.append(FieldError("name", error))
    if "allowed_origins" in body or not partial:
        origins = body.get("allowed_origins")
        if not isinstance(origins, list) or not 1 <= len(origins) <= MAX_ORIGINS:
            errors.append(FieldError("allowed_origins", f"must list 1 to {MAX_ORIGINS} origins such as "
                                                        "\"https://www.example.jp\""))
        else:
            canonical = []
            for index, entry in enumerate(origins):
                found = origin(entry)
                if found is None:
                    errors.append(FieldError(f"allowed_origins[{index}]", "must be an origin such as "
                                             "\"https://www.example.jp\" or \"https://*.example.jp\" (no path)"))
                elif wildcard_too_wide(found):
                    errors.append(FieldError(f"allowed_origins[{index}]", "must name a domain of its own after *. "
                                             "(\"https://*.example.co.jp\"), not a public suffix such as "
                                             "\"co.jp\" or \"com\""))
                elif found not in canonical:
                    canonical.append(found)
            values["allowed_origins"] = canonical
    require_valid(errors)
    return values
