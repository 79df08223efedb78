"""Web collection: POST /collect from the snippet (site keys: shared.services.site_keys).

A hit is checked in this order: the site key (401), the page's origin against the key's
allowed origins (403), bots (ignored: nothing is written), the hit's fields (422), the page's
URL against the key's origins (403), the client address's and the site key's caps a minute
(429, a counter each: shared.db.web.within_limit), the visitor's flood cap (429), and for a
form with an unknown email the tenant's daily budget of web-form contacts (429). The Origin
header and the site key are public, so these caps, not they, bound what a script can write.
Then one transaction records it:
- an anonymous visitor's page view is kept with the visitor (the newest 40);
- an identified visitor's hit goes onto its contact's timeline, and onto the contact without a
  read first (score counts, last action, `last_seen_at`, a new session);
- a hit that identifies the visitor (a form with an email, a tracked email click) reads the
  contact and moves the visitor's anonymous views and sessions onto it.
A form with `member_group_id` (a group whose `web_form_joinable` is on, else 422 before anything is
written) then adds its contact to the group, a `group_joined` entry by the contact on its timeline;
the answer carries the group's `redirect_url` for the page to go to.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from shared.config import tracking_keyring
from shared.db import contacts as contact_store
from shared.db import groups as group_store
from shared.db import tracking as tracked_emails
from shared.db import web as repository
from shared.db.tenant_config import TenantConfig
from shared.db.transactions import ConditionFailed
from shared.domain import activities, ingest, site_keys, tracking, validation, web
from shared.domain import contacts as contact_rules
from shared.domain import groups as group_rules
from shared.domain.customer_actions import Action, Visits, applied
from shared.domain.ids import new_id
from shared.errors import BadRequest, FieldError, Forbidden, TooManyRequests, Unauthorized, ValidationFailed
from shared.keys import is_plain_id
from shared.observability import for_tenant, logger
from shared.services.contacts import ownerless_with_email, until_settled

_MINUTE_COUNTER_KEPT = timedelta(hours=1)
_DAY_COUNTER_KEPT = timedelta(days=2)


# --- hits -----------------------------------------------------------------------------------

def collect(body: Any, origin: str | None, user_agent: str | None, source_ip: str) -> dict[str, Any] | None:
    """Record one hit from the snippet (see the module docstring for the order of checks);
    `source_ip` is the client's address as API Gateway saw it. A form that joined a member group
    answers `{"redirect_url"}` (None otherwise)."""
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object from the collect.js snippet.")
    site = repository.lookup_site_key(body["site_key"]) if site_keys.is_site_key(body.get("site_key")) else None
    if site is None:
        raise Unauthorized("Unknown site key: copy the snippet again from your site keys.")
    tenant, allowed_origins = site
    for_tenant(tenant)
    if not site_keys.origin_allowed(origin, allowed_origins):
        raise Forbidden("This page's origin is not allowed for this site key; add it to the key's allowed_origins.")
    if web.is_bot(user_agent):
        return None
    hit = web.parse_hit(body)
    if not site_keys.origin_allowed(web.page_origin(hit.url), allowed_origins):
        raise Forbidden("The page's URL is not on an origin allowed for this site key.")
    group = _joinable_group(tenant, hit.member_group_id) if hit.member_group_id else None
    _within_minute_caps(body["site_key"], source_ip)
    contact_id = until_settled(lambda: _record(tenant, hit))
    if group is None or contact_id is None:
        return None
    until_settled(lambda: _join(tenant, contact_id, group))
    return {"redirect_url": group.get("redirect_url")}


def _joinable_group(tenant: str, group_id: str) -> dict[str, Any]:
    group = group_store.get(tenant, group_id) if is_plain_id(group_id) else None
    if group is None or not group.get("web_form_joinable"):
        raise ValidationFailed("Some fields are invalid; see details.", [FieldError(
            "member_group_id", "is not a member group this site's forms may join (web_form_joinable)", "not_found")])
    return group


def _join(tenant: str, contact_id: str, group: dict[str, Any]) -> None:
    """The form's contact joins the group (nothing when already in it, gone, or in as many groups
    as a contact may be; a group deleted meanwhile takes no one)."""
    contact, version, config = contact_store.get_with_config(tenant, contact_id)
    if contact is None:
        return
    groups = group_rules.joined(list(contact.get("groups", [])), group["id"])
    if len(groups) > group_rules.MAX_GROUPS_PER_CONTACT:
        logger.warning("web form join refused: the contact is in too many groups", extra={"tenant": tenant})
        return
    if groups == contact.get("groups", []):
        return
    now = validation.now()
    updated = {**contact, "groups": groups, "updated_at": now}
    entries = activities.group_changes(contact, updated, ("contact", contact_id),
                                       now, new_id, {group["id"]: group["name"]})
    try:
        contact_store.save(tenant, updated, config, previous=contact, version=version, activities=entries)
    except ConditionFailed as failure:
        if "group" not in failure.labels:
            raise  # the contact moved meanwhile: read again


def _within_minute_caps(site_key: str, source_ip: str) -> None:
    """The client address's cap, then the site key's: one counter each per minute."""
    now = datetime.now(UTC)
    minute, expires = validation.format_time(now)[:16], int((now + _MINUTE_COUNTER_KEPT).timestamp())
    for scope, limit, whose in ((web.client_scope(source_ip), web.ADDRESS_HITS_PER_MINUTE, "this address"),
                                (f"SITE#{site_key}", web.SITE_KEY_HITS_PER_MINUTE, "this site key")):
        if not repository.within_limit(minute, scope, limit, expires):
            logger.warning("collect hit refused: over a cap", extra={"cap": scope.partition("#")[0], "limit": limit,
                                                                     "site_key": site_key})
            raise TooManyRequests(f"Too many hits from {whose}; at most {limit:,} a minute.",
                                  retry_after=60 - now.second)


def _claim_web_form_contact(tenant: str, config: TenantConfig) -> None:
    """Count a contact a web form is about to create against the tenant's budget of the day."""
    now = datetime.now(UTC)
    budget = web.web_form_contacts_per_day(config.settings["contact_limit"])
    day, expires = validation.format_time(now)[:10], int((now + _DAY_COUNTER_KEPT).timestamp())
    if not repository.within_limit(day, f"WEBFORM#{tenant}", budget, expires):
        logger.warning("web form contact refused: the day's budget is spent", extra={"tenant": tenant,
                                                                                     "budget": budget})
        tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
        raise TooManyRequests(f"This site's forms have created {budget:,} new contacts today, the most a day; "
                              "the form was not recorded.", retry_after=int((tomorrow - now).total_seconds()) + 1)


def _identifies(tenant: str, hit: web.Hit) -> tuple[str, str | None] | None:
    """(contact id, email key) the hit names: a form's email (creating the contact when it is
    new), or the click token a tracked email's link carried; None for a token that is not ours,
    of another tenant, or of a deleted email."""
    if hit.email is not None:
        return ownerless_with_email(tenant, hit.email, lambda config: _claim_web_form_contact(tenant, config))["id"], \
            hit.email
    if hit.click_token is None:
        return None
    try:
        claims = tracking.verify(tracking_keyring(), tracking.KIND_CLICK, hit.click_token)
    except tracking.InvalidToken:
        return None
    email = tracked_emails.get_email(tenant, claims.email_id) if claims.tenant == tenant else None
    if email is None or email["status"] != "sent":
        return None
    return email["contact_id"], email["to"].lower()


def _record(tenant: str, hit: web.Hit) -> str | None:
    """Record the hit; the id of the contact it went to (None: kept anonymous)."""
    now = datetime.now(UTC)
    at = validation.format_time(now)
    found = repository.get_visitor(tenant, hit.visitor_id)
    visitor, version = found if found else (None, None)
    visit = web.visit(visitor, now)
    if visit.flooded:
        raise TooManyRequests(f"Too many hits from this visitor; at most {web.FLOOD_PER_MINUTE} a minute.",
                              retry_after=60 - now.second)
    state = {"visitor_id": hit.visitor_id, "contact_id": None, "email_key": None, "sessions": 0, "views": 0,
             **(visitor or {}), **visit.state, "expires_at_epoch": web.expires_at_epoch(now)}
    data = web.entry_data(hit)
    entry = activities.new_activity(new_id(), hit.type, at, ("contact", None), ingest.summary(hit.type, data), data)
    identified = _identifies(tenant, hit)
    contact_id = identified[0] if identified else state["contact_id"]
    if contact_id is None:
        _keep_anonymous(tenant, state, version, entry, visit.new_session)
        return None
    if contact_id == state["contact_id"]:
        try:
            repository.record_hit(tenant, state, version, entries=[_of(entry, contact_id)],
                                  action=(hit.type, at, visit.new_session))
            return contact_id
        except ConditionFailed as failure:
            if "visitor" in failure.labels:
                raise
            # the contact is gone, changed its email, or has a later action: read it first
    _identify(tenant, {**state, "contact_id": contact_id}, version, entry, visit.new_session,
              joins_views=state["contact_id"] is None)
    return contact_id


def _of(entry: dict[str, Any], contact_id: str) -> dict[str, Any]:
    return {**entry, "actor": {"kind": "contact", "id": contact_id}}


def _keep_anonymous(tenant: str, state: dict[str, Any], version: int | None, entry: dict[str, Any],
                    new_session: bool) -> None:
    slot = state["views"] % web.ANONYMOUS_VIEWS_KEPT
    state = {**state, "contact_id": None, "email_key": None, "sessions": state["sessions"] + new_session,
             "views": state["views"] + 1}
    repository.record_hit(tenant, state, version, view=(slot, entry))


def _identify(tenant: str, state: dict[str, Any], version: int | None, entry: dict[str, Any],
              new_session: bool, joins_views: bool) -> None:
    """The hit with the contact read first; a visitor identified now brings its anonymous page
    views and sessions. A contact deleted meanwhile leaves the visitor anonymous."""
    contact_id = state["contact_id"]
    contact, contact_version, config = contact_store.get_with_config(tenant, contact_id)
    if contact is None:
        _keep_anonymous(tenant, state, version, entry, new_session)
        return
    views = repository.anonymous_views(tenant, state["visitor_id"]) if joins_views else []
    entries = [_of(view, contact_id) for _, view in views] + [_of(entry, contact_id)]
    actions = [Action(item["type"], item["occurred_at"]) for item in entries]
    visits = Visits(state["sessions"] + new_session, max(item["occurred_at"] for item in entries))
    updated = {**applied(contact, actions, visits), "updated_at": validation.now()}
    state = {**state, "email_key": contact_rules.email_key(updated), "sessions": 0, "views": 0}
    # a contact read comes with its version
    repository.record_hit(tenant, state, version, entries=entries, joined_views=[key for key, _ in views],
                          contact_change=(updated, contact, cast(int, contact_version), config))
