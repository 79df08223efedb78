"""Site keys of web collection: the public key a tenant's snippet carries, and the origins whose
pages may use it (POST/PATCH /v1/site-keys). Pure."""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from shared.errors import FieldError, require_valid

MAX_ORIGINS = 20

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
    if not isinstance(value, str) or len(value) > 300:
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


def parse_site_key(body: Any, partial: bool) -> dict[str, Any]:
    """`{"name", "allowed_origins"}` of POST (both required) or PATCH (either) /v1/site-keys."""
    errors: list[FieldError] = []
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")])
    values: dict[str, Any] = {}
    for name in body:
        if name not in ("name", "allowed_origins"):
            errors.append(FieldError(name, "is not a site key field", "unknown_field"))
    if "name" in body or not partial:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
            errors.append(FieldError("name", "is required: 1 to 100 characters, e.g. \"corporate site\""))
        else:
            values["name"] = name.strip()
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
