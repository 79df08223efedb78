"""Issue 6 figures: DynamoDB requests to apply a notification per recipient, and certificate
fetches when verifying many SNS messages (cached after the first)."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

from bench.counting import DynamoCounter, seated
from bench.figures import Figure

MESSAGES = 100


def _webhook(envelope: dict[str, Any]) -> tuple[int, Any]:
    from infra.local.server import call_handler

    result = call_handler("POST", "/webhooks/ses", None, json.dumps(envelope))
    return result["statusCode"], json.loads(result["body"])


def _bounce(provider_message_id: str, recipients: list[str], at: str) -> dict[str, Any]:
    return {"notificationType": "Bounce", "mail": {"timestamp": at, "messageId": provider_message_id},
            "bounce": {"bounceType": "Permanent", "bounceSubType": "General", "timestamp": at,
                       "bouncedRecipients": [{"emailAddress": address, "status": "5.1.1",
                                              "diagnosticCode": "smtp; 550 5.1.1 user unknown"}
                                             for address in recipients]}}


def run() -> list[Figure]:
    from bench.emails_bench import _call
    from infra.local import sns as local_sns
    from shared.db.models import table_connection
    from shared.services import sns_certificates

    counter = DynamoCounter(table_connection().connection.client)
    claims = seated({"sub": "rep-1", "email": "rep@example.co.jp", "custom:tenant_id": "bench-events",
                     "custom:role": "owner"})
    addresses = [f"sato{index}@example.co.jp" for index in range(5)]
    ids = [_call("POST", "/v1/contacts", claims, {"family_name": "佐藤", "email": address})[1]["id"]
           for address in addresses]
    status, email = _call("POST", "/v1/emails", claims, {"contact_id": ids[0], "subject": "ご案内", "body_text": "本文",
                                                          "cc": addresses[1:]})
    assert status == 201, email
    figures = []
    for count, at in ((1, "2026-11-23T01:00:00.000Z"), (5, "2026-11-23T02:00:00.000Z")):
        envelope = local_sns._signer.notification(local_sns._topic_arn, json.dumps(_bounce(email["provider_message_id"],
                                                                                          addresses[:count], at)))
        with counter.measure() as reads:
            status, result = _webhook(envelope)
        assert status == 200 and result["applied"] == count, result
        figures.append(Figure("#6", f"apply a bounce notification for {count} recipient(s): DynamoDB requests "
                              "per recipient", round(reads.total_requests / count, 2), 4, "requests"))

    sns_certificates._cache.clear()
    loads = mock.Mock(wraps=sns_certificates._load)
    with mock.patch.object(sns_certificates, "_load", loads):
        for index in range(MESSAGES):
            envelope = local_sns._signer.notification(local_sns._topic_arn,
                                                      json.dumps({"mail": {"messageId": f"unknown-{index}"}}))
            status, _ = _webhook(envelope)
            assert status == 200
    figures.append(Figure("#6", f"verify {MESSAGES} SNS messages signed with one certificate: certificate loads",
                          loads.call_count, 1, "loads"))
    return figures
