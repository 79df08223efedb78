"""Events sent by a tenant's servers (POST /v1/events): parsed one by one, so one bad event
is reported and the rest go on. Pure."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from shared.domain import activities, validation

MAX_EVENTS = 500
MAX_DATA_BYTES = 8 * 1024
STANDARD_TYPES = ("page_view", "form_submitted", "purchase")
_EVENT_FIELDS = {"contact", "type", "occurred_at", "data", "event_id"}
_MAX_AHEAD = timedelta(minutes=5)  # clock skew of the sender


@dataclass(frozen=True)
class Event:
    index: int
    type: str
    occurred_at: str
    data: dict[str, Any]
    event_id: str | None
    contact_id: str | None
    email: str | None
    create: bool  # an unknown email creates the contact (a form submission, or `contact.create`)


class Rejected(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _type(value: Any) -> str:
    if value in STANDARD_TYPES:
        return cast(str, value)
    if activities.is_tenant_type(value):
        return cast(str, value)
    raise Rejected("type must be page_view, form_submitted, purchase or your own lower_snake_case type "
                   "(not one of the CRM's own activity types)")


def _contact(value: Any) -> tuple[str | None, str | None, bool]:
    if not isinstance(value, dict) or set(value) - {"id", "email", "create"}:
        raise Rejected("contact must be {\"id\": ...} or {\"email\": ...} (optionally \"create\": true)")
    if isinstance(value.get("id"), str) and value["id"]:
        return value["id"], None, False
    email, error = validation.email(value.get("email")) if isinstance(value.get("email"), str) else (None, "missing")
    if error or not email:
        raise Rejected("contact needs an id or a valid email")
    return None, email.lower(), value.get("create") is True


def _when(value: Any, now: datetime) -> str:
    if value is None:
        return validation.format_time(now)
    moment, error = validation.timestamp(value)
    if error:
        raise Rejected(f"occurred_at {error}")
    if datetime.fromisoformat(moment.replace("Z", "+00:00")) > now + _MAX_AHEAD:
        raise Rejected("occurred_at is in the future")
    return cast(str, moment)


def parse_event(index: int, raw: Any, now: datetime) -> Event:
    if not isinstance(raw, dict):
        raise Rejected("an event must be a JSON object")
    unknown = set(raw) - _EVENT_FIELDS
    if unknown:
        raise Rejected(f"unknown field(s): {', '.join(sorted(unknown))}")
    event_type = _type(raw.get("type"))
    contact_id, email, create = _contact(raw.get("contact"))
    data = raw.get("data") if raw.get("data") is not None else {}
    if not isinstance(data, dict) or len(json.dumps(data, ensure_ascii=False).encode()) > MAX_DATA_BYTES:
        raise Rejected(f"data must be a JSON object of at most {MAX_DATA_BYTES} bytes")
    event_id = raw.get("event_id")
    if event_id is not None and (not isinstance(event_id, str) or not 1 <= len(event_id) <= 128):
        raise Rejected("event_id must be a string of 1 to 128 characters")
    return Event(index, event_type, _when(raw.get("occurred_at"), now), data, event_id, contact_id, email,
                 create or event_type == "form_submitted")


def parse_batch(body: Any) -> tuple[list[Event], dict[int, str]]:
    """The events that parse, and an error per index of those that do not."""
    now = datetime.now(UTC)
    events, errors = [], {}
    for index, raw in enumerate(body["events"]):
        try:
            events.append(parse_event(index, raw, now))
        except Rejected as rejected:
            errors[index] = rejected.message
    return events, errors


def summary(event_type: str, data: dict[str, Any]) -> str:
    """The timeline line of an event (ingested, or a web hit)."""
    if event_type == "page_view":
        return f"Page view: {data.get('title') or data.get('url') or ''}".rstrip(": ")
    return {"form_submitted": "Form submitted",
            "purchase": "Purchase"}.get(event_type, event_type.replace("_", " ").capitalize())


def activity(activity_id: str, event: Event, contact_id: str) -> dict[str, Any]:
    data = {**event.data, **({"event_id": event.event_id} if event.event_id else {})}
    return activities.new_activity(activity_id, event.type, event.occurred_at, ("contact", contact_id),
                                   summary(event.type, event.data), data)
