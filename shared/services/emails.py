"""One-to-one email use cases. This release: preview (render exactly what would be sent)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from shared.domain import contacts as contact_rules
from shared.domain import mail, outbound
from shared.domain.access import Principal
from shared.errors import FieldError, ValidationFailed
from shared.services.contacts import visible_contact


def _undeliverable(delivery_status: str) -> ValidationFailed:
    return ValidationFailed(
        f"This contact's address is marked {delivery_status}; mail to it is refused. "
        "Correct the address (or wait for a delivery) before sending.",
        [FieldError("contact_id", f"delivery status is {delivery_status}", "suppressed")],
    )


def render(principal: Principal, body: Any) -> tuple[outbound.EmailRequest, mail.Recipients, mail.RenderedEmail]:
    """Everything POST /v1/emails checks before sending: the request, the contact (visible to the
    caller, with an address that is not suppressed), the recipients and the merged content."""
    request = outbound.parse_request(body, datetime.now(timezone.utc))
    contact, config = visible_contact(principal, request.contact_id)
    delivery_status = contact.get("delivery_status", "unconfirmed")
    if delivery_status in outbound.SUPPRESSED_DELIVERY:
        raise _undeliverable(delivery_status)
    recipients = mail.check_recipients(contact.get("email"), request.cc, request.bcc)
    shaped = contact_rules.public(contact, config.settings, config.properties)
    sender = {"name": principal.name, "email": principal.email}
    rendered = mail.render_email(request.subject, request.body_text, request.body_html, shaped,
                                 config.properties, sender, name_order=config.settings["name_order"])
    return request, recipients, rendered


def preview(principal: Principal, body: Any) -> dict[str, Any]:
    _, _, rendered = render(principal, body)
    return {"subject": rendered.subject, "body_text": rendered.body_text, "body_html": rendered.body_html}
