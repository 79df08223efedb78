"""The machine-hit classifier of email tracking: whether an open or a click came from a person
or from a machine (a proxy's prefetch, a security gateway's sandbox, a crawler), and why.

Pure and lean, as shared.domain.tracking: imported by the tracking-redirect Lambda, whose cold
start is budgeted.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import NamedTuple

from shared.domain.tracking import KIND_CLICK, KIND_OPEN, KINDS

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
    if kind not in KINDS:
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
