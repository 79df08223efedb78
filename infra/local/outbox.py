"""``GET /_local/outbox``: every message the local stack sent (SES or SMTP, and Cognito's
invitations: infra/local/invitations.py), oldest first, as its recipients get it (an SES message
with the Message-ID SES gives it: infra/local/ses.py)."""

from __future__ import annotations

import itertools
import json
import threading
from email import message_from_bytes, policy
from typing import Any

from werkzeug.wrappers import Request, Response

from infra.local import invitations
from infra.local.server import local_endpoint
from infra.local.ses import as_sent_by_ses
from shared.config import CONFIG
from shared.services import delivery


class Outbox:
    """Messages as the transports took them, from delivery's listener hook."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    def record(self, email: dict[str, Any], raw: bytes, provider_message_id: str | None) -> None:
        if provider_message_id is not None:
            raw = as_sent_by_ses(raw, provider_message_id, CONFIG.region)
        subject = str(message_from_bytes(raw, policy=policy.default)["Subject"] or "")
        with self._lock:
            self._items.append({
                "id": provider_message_id or f"smtp-{next(self._ids)}",
                "email_id": email["email_id"],
                "transport": email["transport"],
                "from": email["sender_email"],
                "to": [email["to"]],
                "cc": list(email.get("cc", [])),
                "bcc": list(email.get("bcc", [])),
                "subject": subject,
                "raw": raw.decode("ascii", "replace"),
            })

    def record_invitation(self, to: str, subject: str, raw: bytes) -> None:
        """Cognito's invitation of a new user (infra/local/invitations.py), temporary password included."""
        with self._lock:
            self._items.append({"id": f"cognito-{next(self._ids)}", "email_id": None, "transport": "cognito",
                                "from": invitations.SENDER, "to": [to], "cc": [], "bcc": [], "subject": subject,
                                "raw": raw.decode("ascii", "replace")})

    def items(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


OUTBOX = Outbox()
delivery.SENT_LISTENERS.append(OUTBOX.record)
invitations.install()
invitations.LISTENERS.append(OUTBOX.record_invitation)


@local_endpoint("GET", "/_local/outbox")
def list_outbox(_request: Request) -> Response:
    return Response(json.dumps({"items": OUTBOX.items()}, ensure_ascii=False), 200, content_type="application/json")
