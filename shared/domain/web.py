"""Web collection (POST /collect from the snippet functions/activity_ingest/collect.js): the hits a
browser sends, bots, sessions and the flood cap (site keys: shared.domain.site_keys). Pure.

A visitor is the snippet's random id in a first-party cookie. Its page views are kept with it
until it is identified (a form with an email, or a click from a tracked email when the tenant
lets tracked links carry `_crm_click`); then they join the contact's timeline.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit

from shared.domain import validation
from shared.errors import FieldError, require_valid

MAX_BODY_BYTES = 16 * 1024
SESSION_GAP = timedelta(minutes=30)  # a session ends after 30 minutes without a hit
FLOOD_PER_MINUTE = 60  # hits one visitor may send in a minute; more answer 429 and change nothing
# Caps beyond one visitor's, counted per minute in DynamoDB (shared.db.web.within_limit): one
# site key's hits (a page bot rotating visitor ids), and one client address's across all site keys
# (a NAT of a company or a mobile carrier shares one: hence generous).
SITE_KEY_HITS_PER_MINUTE = 6000
ADDRESS_HITS_PER_MINUTE = 600
# New contacts a tenant's web forms may create in a UTC day: 1 % of the plan's contact limit, at
# least 20, so that forms filled by a script take 100 days to fill the plan, not a minute.
WEB_FORM_CONTACTS_SHARE = 100
WEB_FORM_CONTACTS_AT_LEAST = 20
# The only query parameters kept in a page's URL or referrer: campaign tags and ad click ids.
# Anything else may be a form's values (a form sent with method="get" puts every field in the
# next page's URL, and that page's URL is the following page's referrer).
KEPT_QUERY_PREFIXES = ("utm_",)
KEPT_QUERY_NAMES = frozenset({"gclid", "gbraid", "wbraid", "dclid", "fbclid", "msclkid", "yclid", "twclid",
                              "ttclid", "li_fat_id"})
ANONYMOUS_VIEWS_KEPT = 40  # the newest page views kept per anonymous visitor (one join transaction)
VISITOR_KEPT = timedelta(days=400)  # a visitor not seen for this long expires (TTL)

_VISITOR_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_HIT_FIELDS = {"site_key", "visitor_id", "type", "url", "title", "referrer", "email", "form", "click_token",
               "member_group_id"}
_TEXT_LIMITS = {"url": 2048, "title": 2048, "referrer": 8192, "form": 2048, "click_token": 1024, "member_group_id": 128}
_KEPT_CHARS = {"title": 300, "form": 200, "referrer": 2048}  # longer ones are cut (referrer: dropped)
# Crawlers, monitors, previewers, scripted clients and headless browsers: not people.
_BOT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|archiver|facebookexternalhit|embedly|preview|headless|phantomjs|"
    r"lighthouse|pagespeed|gtmetrix|pingdom|uptime|monitor|python-|curl/|wget/|go-http-client|java/|"
    r"okhttp|axios|node-fetch|libwww|httpclient|scrapy|^mozilla/5\.0$",
    re.IGNORECASE,
)


def is_bot(user_agent: str | None) -> bool:
    return not user_agent or not user_agent.strip() or bool(_BOT.search(user_agent[:1024]))


@dataclass(frozen=True)
class Hit:
    type: str  # page_view or form_submitted
    visitor_id: str
    url: str
    title: str | None
    referrer: str | None
    email: str | None
    form: str | None
    click_token: str | None
    member_group_id: str | None = None  # a form that adds its sender to a member group


def _web_url(value: Any) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https") and bool(urlsplit(value).netloc)


def parse_hit(body: dict[str, Any]) -> Hit:
    """The hit in a /collect body (the site key is checked before); 422 naming each bad field."""
    errors = [FieldError(name, "is not a field of a hit", "unknown_field") for name in body if name not in _HIT_FIELDS]
    hit_type = body.get("type")
    if hit_type not in ("page_view", "form_submitted"):
        errors.append(FieldError("type", "must be page_view or form_submitted"))
    if not isinstance(body.get("visitor_id"), str) or not _VISITOR_ID.fullmatch(body["visitor_id"]):
        errors.append(FieldError("visitor_id", "must be 16 to 64 characters of A-Z, a-z, 0-9, - and _"))
    for name, limit in _TEXT_LIMITS.items():
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            errors.append(FieldError(name, f"must be a string of at most {limit} characters"))
    if not _web_url(body.get("url")):
        errors.append(FieldError("url", "must be the page's http(s) URL"))
    if body.get("referrer") and not _web_url(body["referrer"]):
        errors.append(FieldError("referrer", "must be an http(s) URL or empty"))
    email = None
    if hit_type == "form_submitted":
        email, problem = validation.email(body.get("email"))
        if problem or not email:
            errors.append(FieldError("email", problem or "is required for form_submitted"))
    elif body.get("email") is not None:
        errors.append(FieldError("email", "is only sent with form_submitted"))
    if body.get("member_group_id") is not None and hit_type != "form_submitted":
        errors.append(FieldError("member_group_id", "is only sent with form_submitted"))
    require_valid(errors)
    referrer = body.get("referrer") if len(body.get("referrer") or "") <= _KEPT_CHARS["referrer"] else None
    return Hit(cast(str, hit_type), body["visitor_id"], without_form_values(body["url"]),
               (body.get("title") or "")[:_KEPT_CHARS["title"]] or None,
               without_form_values(referrer) if referrer else None, email.lower() if email else None,
               (body.get("form") or "")[:_KEPT_CHARS["form"]] or None,
               body.get("click_token") or None, body.get("member_group_id") or None)


def without_form_values(url: str) -> str:
    """The URL with only the campaign and click-id query parameters left (KEPT_QUERY_NAMES)."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if name in KEPT_QUERY_NAMES or name.startswith(KEPT_QUERY_PREFIXES)]
    return parts._replace(query=urlencode(kept)).geturl()


def page_origin(url: str) -> str:
    """`scheme://host[:port]` of a page's URL, to check against the site key's origins."""
    return urlsplit(url)._replace(path="", query="", fragment="").geturl()


def client_scope(source_ip: str) -> str:
    """The counter scope of a client address: an IPv4 address itself, an IPv6 address's /64 (one
    subscriber's network: a script may take any of its 2^64 addresses)."""
    try:
        address = ipaddress.ip_address(source_ip)
    except ValueError:
        return f"IP#{source_ip}"
    if address.version == 6:
        return f"IP#{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"IP#{address}"


def web_form_contacts_per_day(contact_limit: int | None) -> int:
    """A plan without a limit counts as 100,000 contacts (1,000 new ones a day)."""
    return max(WEB_FORM_CONTACTS_AT_LEAST, (contact_limit or 100_000) // WEB_FORM_CONTACTS_SHARE)


@dataclass(frozen=True)
class Visit:
    new_session: bool
    flooded: bool
    state: dict[str, Any]  # the visitor's session and flood fields after this hit


def visit(visitor: dict[str, Any] | None, now: datetime) -> Visit:
    """Where a hit at `now` leaves the visitor: a new session after 30 minutes of silence, and
    whether the visitor went over the flood cap this minute."""
    at = validation.format_time(now)
    minute = at[:16]
    if visitor is None:
        return Visit(True, False, {"first_seen_at": at, "last_hit_at": at, "flood_minute": minute, "flood_hits": 1})
    hits = visitor["flood_hits"] + 1 if visitor["flood_minute"] == minute else 1
    if hits > FLOOD_PER_MINUTE:
        return Visit(False, True, visitor)
    last = datetime.fromisoformat(visitor["last_hit_at"].replace("Z", "+00:00"))
    new_session = now - last > SESSION_GAP
    return Visit(new_session, False, {**visitor, "last_hit_at": max(at, visitor["last_hit_at"]),
                                      "flood_minute": minute, "flood_hits": hits})


def entry_data(hit: Hit) -> dict[str, Any]:
    """The timeline entry's `data` of a hit (no form values but the email)."""
    data = {"url": hit.url, "title": hit.title, "referrer": hit.referrer, "visitor_id": hit.visitor_id,
            "source": "web"}
    if hit.type == "form_submitted":
        data |= {"form": hit.form, "email": hit.email}
    return data


def expires_at_epoch(now: datetime) -> int:
    return int((now + VISITOR_KEPT).timestamp())
