"""Timeline entries (contract: Timeline and activities). Pure: ids and times come from the caller."""

from __future__ import annotations

from typing import Any

ACTOR_KINDS = ("user", "contact", "system")


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


def email_sent(activity_id: str, email: dict[str, Any]) -> dict[str, Any]:
    return new_activity(
        activity_id, "email_sent", email["sent_at"], ("user", email["sender_id"]), f"Email sent: {email['subject']}",
        {
            "email_id": email["email_id"], "subject": email["subject"], "to": email["to"], "cc": email.get("cc", []),
            "transport": email["transport"], "message_id": email["message_id"],
        },
    )


def owner_assigned(activity_id: str, at: str, owner_id: str, by_user: str, reason: str) -> dict[str, Any]:
    return new_activity(activity_id, "owner_assigned", at, ("user", by_user), "Owner assigned",
                        {"owner_id": owner_id, "previous_owner_id": None, "reason": reason})


def email_tracked(
    activity_id: str, activity_type: str, at: str, email: dict[str, Any], machine: bool, reason: str | None,
    url: str | None = None,
) -> dict[str, Any]:
    """email_opened / email_reopened / email_clicked: caused by the contact, or by a machine."""
    verb = {"email_opened": "opened", "email_reopened": "opened again", "email_clicked": "clicked a link in"}[activity_type]
    data: dict[str, Any] = {"email_id": email["email_id"], "subject": email["subject"], "machine": machine}
    if machine:
        data["machine_reason"] = reason
    if url is not None:
        data["url"] = url
    return new_activity(activity_id, activity_type, at, ("system" if machine else "contact", None if machine else email["contact_id"]),
                        f"{'A machine' if machine else 'The contact'} {verb} the email: {email['subject']}", data)


def mail_event(activity_id: str, activity_type: str, email: dict[str, Any], event: Any, summary: str) -> dict[str, Any]:
    """email_delivered / email_bounced / email_complained, with the mail system's evidence."""
    data = {"email_id": email["email_id"], "subject": email["subject"], "recipient": event.recipient,
            "delivery_status": event.delivery_status, **event.evidence}
    return new_activity(activity_id, activity_type, event.occurred_at, ("system", None), summary, data)


def email_received(activity_id: str, email: dict[str, Any], auto_reply: bool) -> dict[str, Any]:
    """A message from the contact: their action, unless it is an auto-reply."""
    return new_activity(activity_id, "email_received", email["sent_at"], ("contact", email["contact_id"]),
                        f"Email received: {email['subject']}",
                        {"email_id": email["email_id"], "subject": email["subject"], "from": email["sender_email"],
                         "in_reply_to": email["in_reply_to"], "auto_reply": auto_reply})
