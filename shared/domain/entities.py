"""The entities the layers hand each other (domain, services, db), typed: mypy checks each key
read and written and its type. The API's shapes are the domain's `public` functions'.

Imported for type checking only (`if TYPE_CHECKING:`, and `cast("Email", ...)`): building these
classes costs about a millisecond, which a cold start need not pay. tests/test_entities.py holds
each to the table's item of its kind. What an entity holds once it reaches a state (a sent email's
time) is shared.domain.lifecycle.
"""

from typing import Any, TypedDict


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


class Job(TypedDict, total=False):
    """A long-running job of a tenant (a bulk action, an export, an import, an email to a
    selection), as shared.db.jobs reads it; the API's shape is each kind's `public`."""

    job_id: str
    job_kind: str
    status: str
    action: str
    params: dict[str, Any]
    selection: dict[str, Any]
    principal: dict[str, Any]  # who asked: user id, role, e-mail, name
    total: int | None
    processed: int
    counts: dict[str, int]
    chunks: int | None
    cursor: int
    cleanup: list[str]  # stored null when there is none; read as []
    progress: float | None  # 0..1 when the total is not known ahead (exports, imports)
    result: dict[str, Any]
    error: str | None
    created_at: str
    updated_at: str
    expires_at_epoch: int | None  # written on an import not started yet (its TTL), never read back


class Mailbox(TypedDict, total=False):
    """A user's own mail servers as shared.db.emails reads them: their SMTP server, and their IMAP
    mailbox with its sync state once linked (the passwords and tokens are in Secrets Manager)."""

    host: str
    port: int
    security: str
    username: str
    secret_id: str
    updated_at: str
    imap_host: str | None
    imap_port: int | None
    imap_security: str | None
    imap_username: str | None
    imap_secret_id: str | None
    imap_oauth2: dict[str, Any] | None  # {"provider", "token_url", "client_id", "scope"} of an OAuth2 login
    imap_folders: dict[str, Any]  # folder → {"uidvalidity", "uid"}; stored null before the first sync, read as {}
    last_synced_at: str | None
    sync_status: str | None
    sync_error: str | None

