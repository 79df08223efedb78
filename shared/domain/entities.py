"""The entities the layers hand each other (domain, services, db), typed: mypy checks each key
read and written and its type. The API's shapes are the domain's `public` functions'."""

from __future__ import annotations

from typing import TypedDict


class Email(TypedDict, total=False):
    """A one-to-one email as the layers hand it on: what `new_email` and `received_email` make
    (the fields known when it is accepted), and all of these once read back (shared.db.emails,
    which fills the stored defaults). The API's shape is `public`'s."""

    email_id: str
    contact_id: str
    sender_id: str
    sender_name: str | None
    sender_email: str
    to: str
    cc: list[str]
    bcc: list[str]
    subject: str
    body_text: str
    body_html: str | None
    links: list[str]
    track_opens: bool
    track_clicks: bool
    identify_clicks: bool
    template_id: str | None
    bulk_job_id: str | None
    notify_on_open: bool
    notify_on_click: bool
    transport: str
    source: str | None  # how a filed message came: "inbound" (SES) or "mailbox" (a sync)
    status: str
    failure_reason: str | None
    send_at: str | None
    created_at: str
    updated_at: str
    sent_at: str | None
    message_id: str
    provider_message_id: str | None
    in_reply_to: str | None
    references: list[str]
    thread_id: str
    open_count: int
    machine_open_count: int
    click_count: int
    machine_click_count: int
    opened_at: str | None
    machine_opened_at: str | None
    clicked_at: str | None
    click_times: dict[str, float]  # link index → epoch seconds of its last click
    delivery_state: str | None
    recipient_states: dict[str, str]  # address → what the mail system reported


def sent_at(email: Email) -> str:
    """When a sent or received email left its sender: set on each once it is `sent` (and on every
    received one), which is when timelines and contacts' times are written from it."""
    moment = email.get("sent_at")
    if moment is None:
        raise ValueError(f"the email {email.get('email_id')} has not been sent")
    return moment
