"""Email tracking: signed open/click tokens, the machine-hit classifier, the pixel.

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
import time
from collections.abc import Iterable
from typing import NamedTuple

__all__ = [
    "KIND_OPEN", "KIND_CLICK", "KIND_UNSUBSCRIBE", "InvalidToken", "KeyringError", "Key", "Keyring", "TokenClaims",
    "sign", "verify", "Hit", "classify", "PIXEL_GIF", "is_safe_redirect",
]

KIND_OPEN, KIND_CLICK, KIND_UNSUBSCRIBE = "o", "c", "u"

# --- tokens ------------------------------------------------------------------------------

_VERSION = 1
_KIND_CODES = {KIND_OPEN: 1, KIND_CLICK: 2, KIND_UNSUBSCRIBE: 3}
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


# --- machine-hit classifier ----------------------------------------------------------------
#
# What can be told apart, and what cannot:
# * Reliable: HEAD/OPTIONS requests, empty user agents, scripted HTTP clients and crawlers
#   that name themselves, link-preview bots ("unfurlers") that name themselves, and Apple
#   Mail Privacy Protection fetches that arrive from Apple's own network with the bare
#   "Mozilla/5.0" user agent it uses.
# * Partly: Apple MPP runs on the iCloud Private Relay infrastructure, whose egress is also
#   run by partners (e.g. Akamai, Cloudflare, Fastly) under addresses Apple publishes in a
#   list that is large and changes; it is not embedded here. A bare "Mozilla/5.0" open from
#   such an address is still machine ("bare_user_agent": no person's browser or mail client
#   sends that UA alone), but if Apple ever changes that UA, MPP opens off 17.0.0.0/8 look
#   like a person's. A person's own Apple Mail open with MPP enabled also arrives through
#   the proxy (from its cache), so after MPP's prefetch, later "reopens" cannot be told
#   from genuine ones.
# * Partly by signature: security gateways (Microsoft Defender Safe Links, Proofpoint URL
#   Defense, Mimecast URL Protect, Barracuda, Cisco Secure Email/IronPort, ...) "detonate"
#   links and fetch images in sandboxes that send a desktop-browser UA. Three public
#   signatures are embedded (_PREFETCH_RULES, _MAIL_GATEWAY_NETWORKS, _rule_stale_browser):
#   Gmail's delivery-time fetch with its fixed 2015 UA; any hit from the address space
#   Microsoft publishes for Exchange Online Protection, where no person browses; and a
#   desktop browser years out of date hitting within minutes of the send, which is what the
#   trackers' issue reports describe for Safe Links, Mail.ru and Proofpoint. Scanners with a
#   current browser UA from elsewhere are caught, if at all, by the timing rules below (a
#   click seconds after sending; every link at once) and by HEAD requests.
# * Human proxies: Gmail's GoogleImageProxy fetches the pixel when the person opens the
#   mail (and caches it, so some reopens are invisible); the contract counts it as a person.


class Hit(NamedTuple):
    machine: bool
    reason: str | None


HUMAN = Hit(False, None)

# Image proxies that fetch when a person opens the mail: an open through them is the person's.
#   GoogleImageProxy  Gmail: "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via
#                     ggpht.com GoogleImageProxy)". Fetch-on-open is documented behaviour and
#                     binding for us (contract).
#   YahooMailProxy    Yahoo/AOL Mail: "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-
#                     SLN28749.html". UA string confident; that it fetches on open (not at
#                     delivery) is Yahoo's help page's description, less thoroughly verified.
_HUMAN_PROXY = re.compile(r"GoogleImageProxy|YahooMailProxy")

# User-agent table: (reason, regex fragment). Case-insensitive, searched anywhere in the UA.
# Only substrings whose real-world UAs we are confident about; anything else falls to the
# generic patterns at the end. Add a row to extend; the whole table is one compiled regex.
_UA_RULES: tuple[tuple[str, str], ...] = (
    # Security gateways and link checkers that announce themselves.
    ("link_scanner", r"Barracuda Sentinel"),                  # "Barracuda Sentinel (EE)"
    ("link_scanner", r"Microsoft Office Existence Discovery"),  # Office probes a link before opening the browser
    # Gmail fetching the mail's images and links at delivery, not when the person opens it: a
    # fixed UA ending in a second "Mozilla/5.0" (no browser's) from Google's network
    # (github.com/mautic/mautic/pull/10245, github.com/ankane/ahoy_email/issues/139,
    # github.com/pentacent/keila/pull/164), or in "Gmail-content-sampling" when it follows
    # links (github.com/mssola/user_agent/issues/71).
    ("mail_prefetch", r"Edge/12\.246 Mozilla/5\.0|Gmail-content-sampling"),
    # NOT listed: "Microsoft Office/16.0 (...; Microsoft Outlook ...)" and "ms-office; MSOffice"
    # are Outlook desktop fetching images for a person reading the mail.
    # Unfurlers: chat and social apps fetching a link to draw its preview.
    ("unfurler", r"Slackbot|Slack-ImgProxy"),  # "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"
    ("unfurler", r"Twitterbot"),               # "Twitterbot/1.0"
    ("unfurler", r"facebookexternalhit|facebookcatalog"),  # "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
    ("unfurler", r"LinkedInBot"),              # "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"
    ("unfurler", r"Discordbot"),               # "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)"
    ("unfurler", r"TelegramBot"),              # "TelegramBot (like TwitterBot)"
    ("unfurler", r"^WhatsApp/"),               # "WhatsApp/2.23.20.0 A" (the preview fetcher, not a browser)
    ("unfurler", r"SkypeUriPreview"),          # "... SkypeUriPreview Preview/0.5"
    ("unfurler", r"BingPreview"),              # "... BingPreview/1.0b"
    # Search-engine crawlers.
    ("crawler", r"Googlebot|bingbot|Applebot|YandexBot|Baiduspider|DuckDuckBot"),
    # Scripted clients and headless browsers.
    ("scripted_client", r"\bcurl/|\bWget/|python-requests|Python-urllib|python-httpx|aiohttp"
                        r"|Go-http-client|\bJava/\d|okhttp|libwww-perl|Apache-HttpClient"
                        r"|node-fetch|\baxios/|HeadlessChrome|PhantomJS"),
    # okhttp: also the HTTP library of some Android apps; an Android mail app that loads
    # images with okhttp's default UA would be counted as machine (none known to us).
    # Generic: self-described bots. "+http..." is the crawler convention for a contact URL,
    # no browser sends it. "bot" as a word end, except "Cubot" (an Android phone brand).
    ("bot", r"\+https?://|(?<!cu)bot\b|crawler|spider|scanner|preview"),
)
_UA_TABLE = re.compile(
    "|".join(f"(?P<r{index}>{fragment})" for index, (_, fragment) in enumerate(_UA_RULES)),
    re.IGNORECASE,
)
_UA_REASONS = {f"r{index}": reason for index, (reason, _) in enumerate(_UA_RULES)}
_MAX_UA_CHARS = 2048

_MACHINE_METHODS = frozenset({"HEAD", "OPTIONS"})
_BARE_UA = "Mozilla/5.0"  # the whole UA of Apple MPP's proxy fetches

# Apple's own address space (registered to Apple Inc.): 17.0.0.0/8 (IPv4, all Apple) and
# the IPv6 allocations 2620:149::/32 (ARIN) and 2a01:b740::/32 (RIPE). Partner egress of
# iCloud Private Relay is NOT included (see above). (version, network as int, prefix length)
_APPLE_NETWORKS: tuple[tuple[int, int, int], ...] = (
    (4, 17 << 24, 8),
    (6, 0x2620_0149 << 96, 32),
    (6, 0x2A01_B740 << 96, 32),
)


def _parse_ip(text: str | None) -> tuple[int, int] | None:
    """(4 or 6, address as int) for a literal IPv4/IPv6 address (IPv4-mapped IPv6 → IPv4)."""
    if not text or len(text) > 64:
        return None
    text = text.strip().split("%", 1)[0]
    if ":" not in text:
        parts = text.split(".")
        if len(parts) != 4 or not all(part.isdigit() and len(part) <= 3 and int(part) <= 255 for part in parts):
            return None
        return 4, int.from_bytes(bytes(int(part) for part in parts), "big")
    head, double, tail = text.partition("::")
    if "::" in tail or (double and "." in head):
        return None
    groups_head = head.split(":") if head else []
    groups_tail = tail.split(":") if tail else []
    groups = groups_head + groups_tail
    words: list[int] = []
    for position, group in enumerate(groups):
        if "." in group and position == len(groups) - 1:  # embedded IPv4 as the last 32 bits
            embedded = _parse_ip(group)
            if embedded is None or embedded[0] != 4:
                return None
            words += [embedded[1] >> 16, embedded[1] & 0xFFFF]
        elif 1 <= len(group) <= 4 and all(char in "0123456789abcdefABCDEF" for char in group):
            words.append(int(group, 16))
        else:
            return None
    missing = 8 - len(words)
    if double:
        if missing < 1:
            return None
        tail_words = len(words) - len(groups_head)  # groups_head are all plain hex groups or fail later
        words = words[: len(words) - tail_words] + [0] * missing + words[len(words) - tail_words:]
    elif missing:
        return None
    value = 0
    for word in words:
        value = (value << 16) | word
    if value >> 32 == 0xFFFF:  # ::ffff:a.b.c.d
        return 4, value & 0xFFFFFFFF
    return 6, value


def _in_networks(ip: str | None, networks: tuple[tuple[int, int, int], ...]) -> bool:
    parsed = _parse_ip(ip)
    if parsed is None:
        return False
    version, value = parsed
    bits = 32 if version == 4 else 128
    return any(
        version == net_version and value >> (bits - prefix) == network >> (bits - prefix)
        for net_version, network, prefix in networks
    )


# Exchange Online Protection: the addresses Microsoft 365's mail servers use, "Exchange Online"
# rows of https://learn.microsoft.com/en-us/microsoft-365/enterprise/urls-and-ip-address-ranges
# (*.mail.protection.outlook.com). Safe Links fetches from them at delivery: 40.107.218.12 in
# github.com/gophish/gophish/issues/973, 104.47.x.x in
# github.com/edalzell/laravel-passwordless-login/issues/79. (version, network as int, prefix)
_MAIL_GATEWAY_NETWORKS: tuple[tuple[int, int, int], ...] = (
    (4, (40 << 24) | (92 << 16), 15),
    (4, (40 << 24) | (107 << 16), 16),
    (4, (52 << 24) | (100 << 16), 14),
    (4, (104 << 24) | (47 << 16), 17),
    (6, 0x2A01_0111_F400 << 80, 48),
    (6, 0x2A01_0111_F403 << 80, 48),
)

# A desktop browser years out of date, as scanners' sandboxes present themselves: Chrome 57
# (Safe Links, gophish#973), 64 and 72 (Outlook's link checker,
# github.com/opencollective/opencollective/issues/3656), 79 (Microsoft,
# mssola/user_agent#71), 97 (Safe Links from Azure, laravel-passwordless-login#79), 32
# (Mail.ru, github.com/mssola/user_agent/issues/54); "an older version of Chrome than
# installed" (github.com/gophish/gophish/issues/2357). Major versions below 100 (March 2022):
# every desktop system still in use runs a later one (Windows 7/8.1 stopped at Chrome 109,
# macOS 10.13 at 116). Internet Explorer is left out: Outlook desktop's own UA names it.
_STALE_DESKTOP_BROWSER = re.compile(
    r"^Mozilla/5\.0 \((?:Windows NT|Macintosh|X11)(?!.*\bMobile\b).*?\b(?:Chrome|Firefox)/(\d{1,3})\.")
_STALE_BELOW = 100


def _is_stale_desktop_browser(user_agent: str) -> bool:
    match = _STALE_DESKTOP_BROWSER.match(user_agent)
    return match is not None and int(match.group(1)) < _STALE_BELOW


class _Request(NamedTuple):
    kind: str
    method: str
    user_agent: str
    ip: str | None
    seconds_since_sent: float | None
    recent_clicks: tuple[tuple[int, float], ...]
    link_index: int | None
    now: float
    min_click_seconds: float
    burst_links: int
    burst_seconds: float
    prefetch_seconds: float


# Each rule returns a Hit to decide, or None to pass on. Order matters: first decision wins.

def _rule_method(request: _Request) -> Hit | None:
    return Hit(True, "head_request") if request.method in _MACHINE_METHODS else None


def _rule_empty_user_agent(request: _Request) -> Hit | None:
    return Hit(True, "empty_user_agent") if not request.user_agent else None


def _rule_human_proxy(request: _Request) -> Hit | None:
    # Opens only: these proxies fetch images. A click claiming to be one gets no pass.
    if request.kind == KIND_OPEN and _HUMAN_PROXY.search(request.user_agent):
        return HUMAN
    return None


def _rule_bare_user_agent(request: _Request) -> Hit | None:
    if request.user_agent != _BARE_UA:
        return None
    if request.kind == KIND_OPEN and _in_networks(request.ip, _APPLE_NETWORKS):
        return Hit(True, "apple_mpp")
    return Hit(True, "bare_user_agent")


def _rule_user_agent_table(request: _Request) -> Hit | None:
    match = _UA_TABLE.search(request.user_agent)
    return Hit(True, _UA_REASONS[match.lastgroup]) if match else None  # type: ignore[index]


def _rule_mail_gateway_network(request: _Request) -> Hit | None:
    return Hit(True, "link_scanner") if _in_networks(request.ip, _MAIL_GATEWAY_NETWORKS) else None


def _rule_stale_browser_soon_after_sending(request: _Request) -> Hit | None:
    """An out-of-date desktop browser within minutes of the send: a gateway's sandbox. Either
    alone is a person (an old browser opening later; a current one opening at once)."""
    if request.seconds_since_sent is None or request.seconds_since_sent >= request.prefetch_seconds:
        return None
    return Hit(True, "prefetch") if _is_stale_desktop_browser(request.user_agent) else None


def _rule_too_fast(request: _Request) -> Hit | None:
    if request.kind != KIND_CLICK or request.seconds_since_sent is None:
        return None
    return Hit(True, "too_fast") if request.seconds_since_sent < request.min_click_seconds else None


def _rule_burst(request: _Request) -> Hit | None:
    """This click and earlier ones make >= burst_links distinct links within burst_seconds."""
    if request.kind != KIND_CLICK or request.link_index is None or request.burst_links < 2:
        return None
    now, window = request.now, request.burst_seconds
    clicks = [*request.recent_clicks, (request.link_index, now)]
    # any window of that length containing this click starts at a click time in [now-window, now]
    for start in {at for _, at in clicks if now - window <= at <= now}:
        links = {link for link, at in clicks if start <= at <= start + window}
        if len(links) >= request.burst_links:
            return Hit(True, "burst")
    return None


_RULES = (
    _rule_method,
    _rule_empty_user_agent,
    _rule_human_proxy,
    _rule_bare_user_agent,
    _rule_user_agent_table,
    _rule_mail_gateway_network,
    _rule_too_fast,
    _rule_burst,
    _rule_stale_browser_soon_after_sending,
)


def classify(
    kind: str,
    method: str,
    user_agent: str | None,
    ip: str | None,
    seconds_since_sent: float | None,
    recent_clicks: Iterable[tuple[int, float]] = (),
    *,
    link_index: int | None = None,
    now: float | None = None,
    min_click_seconds: float = 10.0,
    burst_links: int = 3,
    burst_seconds: float = 2.0,
    prefetch_seconds: float = 300.0,
) -> Hit:
    """Whether a tracking hit was caused by a machine, with the first rule that said so.

    ``recent_clicks`` are the earlier clicks on the same email as ``(link_index, epoch
    seconds)``; ``link_index`` and ``now`` (epoch seconds, default: the clock) describe this
    click. Opens ignore the click-timing rules. ``prefetch_seconds``: how soon after the send
    an out-of-date desktop browser is a gateway's sandbox (five minutes, the window after
    which github.com/justingit/dada-mail/issues/1126 trusts an unsubscribe click).
    """
    if kind not in _KIND_CODES:
        raise ValueError("kind must be 'o' (open) or 'c' (click)")
    request = _Request(
        kind=kind,
        method=(method or "").strip().upper(),
        user_agent=(user_agent or "").strip()[:_MAX_UA_CHARS],
        ip=ip,
        seconds_since_sent=seconds_since_sent,
        recent_clicks=tuple((link, float(at)) for link, at in recent_clicks),
        link_index=link_index,
        now=time.time() if now is None else float(now),
        min_click_seconds=min_click_seconds,
        burst_links=burst_links,
        burst_seconds=burst_seconds,
        prefetch_seconds=prefetch_seconds,
    )
    for rule in _RULES:
        hit = rule(request)
        if hit is not None:
            return hit
    return HUMAN


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
