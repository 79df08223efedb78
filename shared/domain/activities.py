"""Timeline entries (contract: Timeline and activities). Pure: ids and times come from the caller."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from shared.domain import fields, validation
from shared.domain.lifecycle import sent_at
from shared.domain.reply_quotes import reply_excerpt
from shared.errors import FieldError, require_valid

if TYPE_CHECKING:
    from shared.domain.entities import Email

ACTOR_KINDS = ("user", "contact", "system")
# What a person may create, edit and delete; every other type is written by the system (409).
CUSTOM_TYPES = ("custom_email", "meeting", "call", "other", "memo")
CONTACTING_TYPES = ("email_sent", "call")  # the entries first/last_contacted_at follow
TYPES = (
    "email_sent", "email_received", "email_opened", "email_reopened", "email_clicked", "email_bounced",
    "email_complained", "email_delivered", "email_unsubscribed", *CUSTOM_TYPES, "page_view", "form_submitted",
    "purchase", "tag_added", "tag_removed", "status_changed", "owner_assigned", "group_joined", "group_left",
    "member_login_invited", "member_login_activated", "member_password_reset",
)
# A tenant's own event types (POST /v1/events): lower-case names that are not one of ours.
_TENANT_TYPE = re.compile(r"[a-z][a-z0-9_]{1,39}")
MAX_SUBJECT, MAX_BODY = 200, 20_000
# what validation.timestamp takes, for the descriptions of the times a person gives
_WHEN = ("an ISO 8601 date-time (a time without offset is UTC) or a date alone (`2026-04-01`, midnight UTC), years "
         "1900..2999; answered in UTC.")


def is_tenant_type(name: Any) -> bool:
    """Whether `name` is a type a tenant may ingest as its own (not one of the CRM's)."""
    return isinstance(name, str) and bool(_TENANT_TYPE.fullmatch(name)) and name not in TYPES


def is_type(name: str) -> bool:
    """Whether a timeline entry can have this type: one of ours or a tenant's own."""
    return name in TYPES or is_tenant_type(name)


# The fields of a logged activity, in the order their errors are listed.
_ACTIVITY: dict[str, fields.Field] = {
    "type": fields.choice(CUSTOM_TYPES, None, "What was logged; not nullable."),
    "occurred_at": fields.timestamp(f"When it took place: {_WHEN}", "2026-11-20T14:00:00+09:00",
                                    clears="Omitted or `null`: the time of the request on create, unchanged on "
                                           "update."),
    "subject": fields.text(MAX_SUBJECT, "Subject."),
    "body": fields.text(MAX_BODY, "Body: notes.", multiline=True),
}
ACTIVITY_INPUT = fields.Body("ActivityInput", "activity", _ACTIVITY, required=("type",),
                             description="A subject or a body is required. `occurred_at` defaults to now.",
                             example={"type": "call", "occurred_at": "2026-11-20T05:00:00Z",
                                      "subject": "初回ヒアリング", "body": "予算感を確認。来週デモ。"})
ACTIVITY_UPDATE = fields.Body("ActivityUpdate", "activity", _ACTIVITY,
                              description="Only the fields sent change; the activity keeps a subject or a body.")


def parse_custom(body: Any, now: str, existing: dict[str, Any] | None = None) -> dict[str, Any]:
    """The fields of a custom activity from POST (all: ACTIVITY_INPUT) or PATCH (`existing` given:
    only those sent change, ACTIVITY_UPDATE); 422 naming each wrong field."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")], "The request body must be a JSON object.")
    errors = ACTIVITY_INPUT.unknown(body)
    values = {name: (existing or {}).get(name) for name in ("type", "occurred_at")}
    values.update((existing or {}).get("data", {}))
    if "type" in body or existing is None:
        values["type"], error = _ACTIVITY["type"](body.get("type"))
        if error:
            errors.append(FieldError("type", error))
    if "occurred_at" in body and body["occurred_at"] is not None:
        values["occurred_at"], error = _ACTIVITY["occurred_at"](body["occurred_at"])
        if error:
            errors.append(FieldError("occurred_at", error))
    elif existing is None:
        values["occurred_at"] = now
    for name in ("subject", "body"):
        if name in body:
            values[name], error = _ACTIVITY[name](body[name]) if body[name] is not None else (None, None)
            if error:
                errors.append(FieldError(name, error))
    if not values.get("subject") and not values.get("body"):
        errors.append(FieldError("subject", "a subject or a body is required", "required"))
    require_valid(errors)
    return values


def custom(activity_id: str, values: dict[str, Any], user_id: str) -> dict[str, Any]:
    """A custom activity (or memo) a user logged; a call logged with POST .../calls keeps its
    call fields through later edits."""
    summary = values.get("subject") or (values.get("body") or "")[:80]
    call_fields = {name: values[name] for name in CALL_FIELDS if name in values}
    if call_fields:
        call_fields["notes"] = values.get("body")  # a call's notes are its body, kept in step through edits
    return new_activity(activity_id, values["type"], values["occurred_at"], ("user", user_id), summary,
                        {"subject": values.get("subject"), "body": values.get("body"), **call_fields})


CALL_DIRECTIONS = ("outbound", "inbound")
CALL_OUTCOMES = ("connected", "no_answer", "busy", "voicemail", "wrong_number")
CALL_FIELDS = ("direction", "outcome", "duration_seconds")
MAX_CALL_SECONDS = 86_400
_DIRECTION_WORDS = {"outbound": "Outbound call", "inbound": "Inbound call"}


def _duration(value: Any) -> validation.Result:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CALL_SECONDS:
        return None, f"must be a whole number of seconds from 0 to {MAX_CALL_SECONDS}"
    return value, None


# The fields of a call, in the order their errors are listed; an omitted one takes its schema's default.
_CALL: dict[str, fields.Field] = {
    "direction": fields.choice(CALL_DIRECTIONS, "outbound", "Who called: `outbound` the user, `inbound` the contact."),
    "outcome": fields.choice(CALL_OUTCOMES, "connected", "How the call ended."),
    "duration_seconds": fields.Field(_duration, {"type": "integer", "minimum": 0, "maximum": MAX_CALL_SECONDS,
                                                 "default": 0}, "Length of the call in whole seconds.",
                                     nullable=False),
    "notes": fields.text(MAX_BODY, "Notes on the call: the activity's `body`.", multiline=True,
                         clears="An empty string or `null` is no notes."),
    "occurred_at": fields.timestamp(f"When the call took place: {_WHEN}", "2026-11-20T14:00:00+09:00",
                                    clears="Omitted or `null`, the time of the request."),
}
CALL_INPUT = fields.Body("CallInput", "call", _CALL, description="Every field is optional.",
                         example={"direction": "outbound", "outcome": "connected", "duration_seconds": 185,
                                  "notes": "予算感を確認。来週デモ。"})


def parse_call(body: Any, now: str) -> dict[str, Any]:
    """The values of POST /v1/contacts/{id}/calls (CALL_INPUT), as a custom activity of type
    `call` holds them (the notes are its body, the summary its subject); 422 naming each wrong field."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")], "The request body must be a JSON object.")
    errors = CALL_INPUT.unknown(body)
    values: dict[str, Any] = {"notes": None, "occurred_at": now}
    for name, rule in _CALL.items():
        value = rule.read(body, name, errors)
        if value is not None:  # a null notes or time is none given
            values[name] = value
    require_valid(errors)
    direction, outcome, duration = (values[name] for name in CALL_FIELDS)
    minutes, seconds = divmod(duration, 60)
    subject = f"{_DIRECTION_WORDS[direction]}: {outcome.replace('_', ' ')} ({minutes}:{seconds:02d})"
    return {"type": "call", "occurred_at": values["occurred_at"], "subject": subject, "body": values["notes"],
            "direction": direction, "outcome": outcome, "duration_seconds": duration}


def new_activity(
    activity_id: str, activity_type: str, occurred_at: str, actor: tuple[str, str | None], summary: str,
    data: dict[str, Any],
) -> dict[str, Any]:
    """One timeline item exactly as GET .../timeline answers it."""
    kind, actor_id = actor
    return {
        "id": activity_id,
        "type": activity_type,
        "occurred_at": occurred_at,
        "actor": {"kind": kind, "id": actor_id},
        "summary": summary,
        "data": data,
    }


def email_sent(activity_id: str, email: Email) -> dict[str, Any]:
    return new_activity(
        activity_id, "email_sent", sent_at(email), ("user", email["sender_id"]), f"Email sent: {email['subject']}",
        {
            "email_id": email["email_id"], "subject": email["subject"], "to": email["to"], "cc": email.get("cc", []),
            "transport": email["transport"], "message_id": email["message_id"], **_template_of(email),
        },
    )


def _template_of(email: Email) -> dict[str, Any]:
    """`template_id` of an email written from a template (searchable: MAIL_EVENTS), else nothing."""
    return {"template_id": email["template_id"]} if email.get("template_id") else {}


# The timeline types a search's `emails` condition finds, by its event: only a person's opens and
# clicks count (`data.machine` false); a scanner's or a privacy proxy's hits are no sign of interest.
MAIL_EVENTS = {"email_sent": "sent", "email_opened": "opened", "email_reopened": "opened", "email_clicked": "clicked"}


def searchable_mail_event(activity: dict[str, Any]) -> tuple[str, str | None] | None:
    """(event, template id or None) under which an entry is indexed for the `emails` search
    condition, or None: not a sent email or a person's open or click."""
    event = MAIL_EVENTS.get(activity["type"])
    data = activity.get("data") or {}
    if event is None or data.get("machine") is True:
        return None
    return event, data.get("template_id") or None


def owner_assigned(activity_id: str, at: str, owner_id: str, by_user: str, reason: str) -> dict[str, Any]:
    return new_activity(activity_id, "owner_assigned", at, ("user", by_user), "Owner assigned",
                        {"owner_id": owner_id, "previous_owner_id": None, "reason": reason})


def email_unsubscribed(activity_id: str, contact_id: str, at: str) -> dict[str, Any]:
    """The contact unsubscribed from mail to a selection with its one-click link (RFC 8058)."""
    return new_activity(activity_id, "email_unsubscribed", at, ("contact", contact_id),
                        "Unsubscribed from marketing email (one-click)", {"marketing_opt_out": True})


def email_tracked(
    activity_id: str, activity_type: str, at: str, email: Email, machine: bool, reason: str | None,
    url: str | None = None,
) -> dict[str, Any]:
    """email_opened / email_reopened / email_clicked: caused by the contact, or by a machine."""
    verb = {"email_opened": "opened", "email_reopened": "opened again",
            "email_clicked": "clicked a link in"}[activity_type]
    data: dict[str, Any] = {"email_id": email["email_id"], "subject": email["subject"], "machine": machine,
                            **_template_of(email)}
    if machine:
        data["machine_reason"] = reason
    if url is not None:
        data["url"] = url
    return new_activity(activity_id, activity_type, at,
                        ("system" if machine else "contact", None if machine else email["contact_id"]),
                        f"{'A machine' if machine else 'The contact'} {verb} the email: {email['subject']}", data)


def mail_event(activity_id: str, activity_type: str, email: Email, event: Any, summary: str) -> dict[str, Any]:
    """email_delivered / email_bounced / email_complained, with the mail system's evidence."""
    data = {"email_id": email["email_id"], "subject": email["subject"], "recipient": event.recipient,
            "delivery_status": event.delivery_status, **event.evidence}
    return new_activity(activity_id, activity_type, event.occurred_at, ("system", None), summary, data)


def email_received(activity_id: str, email: Email, auto_reply: bool) -> dict[str, Any]:
    """A message from the contact: their action, unless it is an auto-reply. `excerpt`: the start
    of what they wrote, without the message they quote."""
    return new_activity(activity_id, "email_received", sent_at(email), ("contact", email["contact_id"]),
                        f"Email received: {email['subject']}",
                        {"email_id": email["email_id"], "subject": email["subject"], "from": email["sender_email"],
                         "in_reply_to": email["in_reply_to"], "auto_reply": auto_reply,
                         "excerpt": reply_excerpt(email["body_text"])})


def group_changes(before: dict[str, Any], after: dict[str, Any], actor: tuple[str, str | None], at: str, new_id: Any,
                  group_names: dict[str, str]) -> list[dict[str, Any]]:
    """`group_joined` / `group_left` for each member group the contact joined or left."""
    entries = []
    old_groups, new_groups = before.get("groups", []), after.get("groups", [])
    for kind, verb, moved in (("group_joined", "Joined", [g for g in new_groups if g not in old_groups]),
                              ("group_left", "Left", [g for g in old_groups if g not in new_groups])):
        for group_id in moved:
            name = group_names.get(group_id, group_id)
            entries.append(new_activity(new_id(), kind, at, actor, f"{verb} member group: {name}",
                                        {"group_id": group_id, "group_name": name}))
    return entries


def contact_changes(before: dict[str, Any], after: dict[str, Any], user_id: str, at: str, new_id: Any,
                    group_names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The timeline entries of a change a person made to a contact: tags added and removed,
    member groups joined and left (`group_names` names them by id), status changed, owner assigned."""
    entries = []
    actor = ("user", user_id)
    entries += group_changes(before, after, actor, at, new_id, group_names or {})
    old_tags, new_tags = before.get("tags", []), after.get("tags", [])
    for tag in new_tags:
        if tag not in old_tags:
            entries.append(new_activity(new_id(), "tag_added", at, actor, f"Tag added: {tag}", {"tag": tag}))
    for tag in old_tags:
        if tag not in new_tags:
            entries.append(new_activity(new_id(), "tag_removed", at, actor, f"Tag removed: {tag}", {"tag": tag}))
    if before.get("status") != after.get("status"):
        entries.append(new_activity(new_id(), "status_changed", at, actor,
                                    f"Status: {before.get('status')} → {after.get('status')}",
                                    {"from": before.get("status"), "to": after.get("status")}))
    if before.get("owner_id") != after.get("owner_id") and after.get("owner_id"):
        entries.append(new_activity(new_id(), "owner_assigned", at, actor, "Owner assigned",
                                    {"owner_id": after["owner_id"], "previous_owner_id": before.get("owner_id"),
                                     "reason": "edited"}))
    return entries
