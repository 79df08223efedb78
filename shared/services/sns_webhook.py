"""POST /webhooks/ses: Amazon SNS HTTP(S) deliveries of SES notifications, verified before
anything else (envelope, certificate URL, allowed topic, signature), then applied."""

from __future__ import annotations

import http.client
import re
import urllib.request
from datetime import UTC, datetime
from typing import Any

from shared.config import CONFIG
from shared.domain import json_text, sns
from shared.errors import Forbidden
from shared.observability import logger
from shared.services import mail_events, sns_certificates

# SubscribeURL of a confirmation: SNS's own endpoint, nothing else is ever called.
_SUBSCRIBE_URL = re.compile(r"https://sns\.[a-z]{2}(?:-gov)?-[a-z]+-\d\.amazonaws\.com(?:\.cn)?/\?Action=ConfirmSubscription&[^\s#]+")


def _refused(reason: str) -> Forbidden:
    logger.warning("SNS delivery refused", extra={"reason": reason})
    return Forbidden("This request is not a verified Amazon SNS delivery from an allowed topic.")


def verified_envelope(body: bytes | str) -> dict[str, Any]:
    """The envelope if SNS signed it with its certificate, for an allowed topic (else 403)."""
    try:
        envelope = sns.parse_envelope(body)
        sns.check_certificate_url(envelope["SigningCertURL"])
        if envelope["TopicArn"] not in CONFIG.mail_event_topic_arns:
            raise sns.SnsRejected(f"topic {envelope['TopicArn'][:200]} is not allowed")
        sns.verify(envelope, sns_certificates.certificate(envelope["SigningCertURL"]), datetime.now(UTC))
    except sns.SnsRejected as rejected:
        raise _refused(rejected.reason) from None
    return envelope


def receive(body: bytes | str) -> dict[str, Any]:
    envelope = verified_envelope(body)
    kind = envelope["Type"]
    if kind == "SubscriptionConfirmation":
        url = envelope.get("SubscribeURL", "")
        if not _SUBSCRIBE_URL.fullmatch(url):
            raise _refused("SubscribeURL is not SNS's confirmation endpoint")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # nosec B310  # noqa: S310 - only SNS's https ConfirmSubscription URL (_SUBSCRIBE_URL)
                response.read(64 * 1024)
        except (OSError, http.client.HTTPException) as error:  # URLError, HTTPError and timeouts are OSErrors
            # Not a 5xx: SNS would deliver the confirmation again and again. The subscription
            # stays pending; confirming it again (from the console, or by resubscribing) retries.
            logger.error("SNS subscription could not be confirmed", extra={
                "topic": envelope["TopicArn"], "error": f"{type(error).__name__}: {error}"[:300]})
            return {"confirmed": False}
        logger.info("SNS subscription confirmed", extra={"topic": envelope["TopicArn"]})
        return {"confirmed": True}
    if kind != "Notification":
        logger.info("SNS message acknowledged", extra={"type": kind, "topic": envelope["TopicArn"]})
        return {"acknowledged": kind}
    try:
        notification = json_text.loads(envelope["Message"])
    except json_text.UnreadableJson as unreadable:
        logger.warning("SNS notification is not JSON we read; ignored",
                       extra={"message_id": envelope["MessageId"], "reason": str(unreadable)})
        return {"applied": 0, "duplicate": 0, "ignored": 1}
    return mail_events.record(notification, envelope["MessageId"])
