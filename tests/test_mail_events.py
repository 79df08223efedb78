"""SES mail events through MailEventsFunction: POST /webhooks/ses (Amazon SNS deliveries, verified
with the local stack's SNS certificate, which the `moto_endpoint` fixture pins), the local
`POST /_local/sns/publish`, and SES events from EventBridge. What a bounce, complaint or delivery
does to the contact (delivery status, timeline), to the email (delivery state) and to later
sends; redelivery and out-of-order events; every refusal (403, nothing written); tenant
isolation; and the figures (DynamoDB requests per recipient, no network call with a cached
certificate).

Emails are sent with the API first: SES notifications are matched by `mail.messageId`, which is
the email's `provider_message_id`."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conftest import Api, Reply, contact_of, create
from mail_support import (  # noqa: F401 - outbox_listening is an autouse fixture
    outbox,
    outbox_entries,
    outbox_listening,
    sent,
    timeline,
)

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
FORBIDDEN_TOPIC = "arn:aws:sns:ap-northeast-1:123456789012:someone-elses-topic"


# --- helpers -----------------------------------------------------------------------------------


def iso(seconds: float = 0.0) -> str:
    """A time `seconds` from now, as SES writes it (UTC, milliseconds, Z)."""
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _mail(email: dict[str, Any], destination: list[str], headers: bool = True) -> dict[str, Any]:
    part: dict[str, Any] = {
        "timestamp": email["sent_at"], "source": email["from"]["email"],
        "sourceArn": "arn:aws:ses:ap-northeast-1:123456789012:identity/example.jp",
        "sendingAccountId": "123456789012", "messageId": email["provider_message_id"], "destination": destination,
    }
    if headers:
        part.update(headersTruncated=False,
                    headers=[{"name": "From", "value": email["from"]["email"]},
                             {"name": "To", "value": email["to"]},
                             {"name": "Message-ID", "value": email["message_id"]},
                             {"name": "Subject", "value": email["subject"]}],
                    commonHeaders={"from": [email["from"]["email"]], "to": [email["to"]],
                                   "messageId": email["message_id"], "subject": email["subject"]})
    return part


def _kind(name: str, event_publishing: bool) -> dict[str, str]:
    return {"eventType": name} if event_publishing else {"notificationType": name}


def bounce(email: dict[str, Any], *recipients: str, status: str | None = "5.1.1", diagnostic: str | None = None,
           bounce_type: str = "Permanent", subtype: str = "General", at: str | None = None,
           event_publishing: bool = False) -> dict[str, Any]:
    """An SES bounce of `email` for the recipients (default: its To), shaped like the documented one."""
    recipients = recipients or (email["to"],)
    entries = []
    for address in recipients:
        entry: dict[str, Any] = {"emailAddress": address, "action": "failed"}
        if status:
            entry["status"] = status
            entry["diagnosticCode"] = diagnostic or f"smtp; 550 {status} <{address}>... User unknown"
        entries.append(entry)
    return {**_kind("Bounce", event_publishing),
            "bounce": {"bounceType": bounce_type, "bounceSubType": subtype, "bouncedRecipients": entries,
                       "timestamp": at or iso(), "feedbackId": f"0100018e-{uuid.uuid4()}-000000",
                       "reportingMTA": "dns; mx.example.jp", "remoteMtaIp": "192.0.2.25"},
            "mail": _mail(email, [email["to"], *email.get("cc", [])])}


def complaint(email: dict[str, Any], *recipients: str, at: str | None = None,
              event_publishing: bool = False) -> dict[str, Any]:
    recipients = recipients or (email["to"],)
    return {**_kind("Complaint", event_publishing),
            "complaint": {"userAgent": "AnyCompany Feedback Loop (V0.01)",
                          "complainedRecipients": [{"emailAddress": address} for address in recipients],
                          "complaintFeedbackType": "abuse", "arrivalDate": at or iso(), "timestamp": at or iso(),
                          "feedbackId": f"0100018e-{uuid.uuid4()}-000000"},
            "mail": _mail(email, [email["to"], *email.get("cc", [])])}


def delivery(email: dict[str, Any], *recipients: str, at: str | None = None,
             event_publishing: bool = False, headers: bool = True) -> dict[str, Any]:
    recipients = recipients or (email["to"],)
    return {**_kind("Delivery", event_publishing),
            "mail": _mail(email, [email["to"], *email.get("cc", [])], headers=headers),
            "delivery": {"timestamp": at or iso(), "processingTimeMillis": 546, "recipients": list(recipients),
                         "smtpResponse": "250 2.0.0 OK  1711962000 a1-20020a17",
                         "reportingMTA": "a27-30.smtp-out.amazonses.com",
                         "remoteMtaIp": "192.0.2.25"}}


def signed(notification: dict[str, Any] | str, topic: str | None = None, version: str = "2") -> dict[str, Any]:
    """The SNS envelope SNS would POST for `notification`, signed with the local certificate."""
    from infra.local import sns as local_sns

    message = notification if isinstance(notification, str) else json.dumps(notification, ensure_ascii=False)
    return local_sns._signer.notification(topic or local_sns._topic_arn, message, version=version)


def sns_headers(envelope: dict[str, Any]) -> dict[str, str]:
    """The headers Amazon SNS sends with an HTTP(S) delivery (its body is JSON, but text/plain)."""
    return {"content-type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": envelope["Type"],
            "x-amz-sns-message-id": envelope["MessageId"], "x-amz-sns-topic-arn": envelope["TopicArn"],
            "user-agent": "Amazon Simple Notification Service Agent"}


def webhook(body: str, headers: dict[str, str] | None = None) -> Reply:
    """POST /webhooks/ses as API Gateway would (no JWT)."""
    from infra.local.server import call_handler

    result = call_handler("POST", "/webhooks/ses", None, body, headers=headers)
    text = result.get("body") or ""
    return Reply(result["statusCode"], json.loads(text) if text.lstrip()[:1] in ("{", "[") else text,
                 {k.lower(): v for k, v in (result.get("headers") or {}).items()})


def post(envelope: dict[str, Any]) -> Reply:
    return webhook(json.dumps(envelope, ensure_ascii=False), sns_headers(envelope))


def publish(notification: dict[str, Any], **kw: Any) -> Reply:
    """Sign and deliver; it must be accepted."""
    reply = post(signed(notification, **kw))
    assert reply.status == 200, reply.body
    return reply


def counts(applied: int = 0, duplicate: int = 0, ignored: int = 0) -> dict[str, int]:
    return {"applied": applied, "duplicate": duplicate, "ignored": ignored}


def from_eventbridge(notification: dict[str, Any], detail_type: str = "Email Bounced") -> Any:
    from infra.local.server import invoke_function

    return invoke_function("MailEventsFunction", {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type, "source": "aws.ses",
        "account": "123456789012", "time": iso(), "region": "ap-northeast-1",
        "resources": ["arn:aws:ses:ap-northeast-1:123456789012:configuration-set/crm-test"], "detail": notification,
    })


def local_publish(payload: Any):
    """POST /_local/sns/publish on the local stack's WSGI app."""
    from werkzeug.test import Client

    from infra.local.server import LocalApi

    client = Client(LocalApi())
    if isinstance(payload, (dict, list)):
        return client.post("/_local/sns/publish", json=payload)
    return client.post("/_local/sns/publish", data=payload, content_type="application/json")


def status_of(api: Api, contact_id: str) -> str:
    return contact_of(api, contact_id)["delivery_status"]


def email_of(api: Api, email_id: str) -> dict[str, Any]:
    reply = api.get(f"/v1/emails/{email_id}")
    assert reply.status == 200, reply.body
    return reply.body


def mail_activities(api: Api, contact_id: str) -> list[dict[str, Any]]:
    return [entry for entry in timeline(api, contact_id) if entry["type"] != "email_sent"]


class DynamoRequests:
    """Counts DynamoDB requests on the client PynamoDB uses (a botocore event hook, as in
    bench/counting.py); every model shares that one connection."""

    def __init__(self, client: Any):
        self._client, self._calls = client, None
        self._hook = self._after_call
        client.meta.events.register("after-call.dynamodb", self._hook)

    def _after_call(self, model: Any, **_: Any) -> None:
        if self._calls is not None:
            self._calls.append(model.name)

    @contextmanager
    def measure(self) -> Iterator[list[str]]:
        self._calls = calls = []
        try:
            yield calls
        finally:
            self._calls = None

    def close(self) -> None:
        self._client.meta.events.unregister("after-call.dynamodb", self._hook)


@pytest.fixture(autouse=True)
def local_signer(moto_endpoint, monkeypatch):
    """The local SNS signer and topic that the mail events function trusts (CONFIG, read once).
    Another LocalStack in the session (test_local_stack.py) calls infra.local.sns.configure()
    again, which replaces the module's signer with one of another data folder; put back the one
    whose certificate CONFIG pins."""
    from infra.local import sns as local_sns
    from infra.local.sns_signer import LocalSnsSigner
    from shared.config import CONFIG

    [(url, path)] = CONFIG.sns_certificate_pins.items()
    signer = LocalSnsSigner(Path(path).parent, region=url.split(".")[1])
    assert signer.certificate_url == url
    [topic] = CONFIG.mail_event_topic_arns
    monkeypatch.setattr(local_sns, "_signer", signer)
    monkeypatch.setattr(local_sns, "_topic_arn", topic)
    return signer


@pytest.fixture(scope="module", autouse=True)
def _forget_processed_markers(moto_endpoint):
    """The "already processed" markers live outside any tenant's partition, so conftest's clean-up
    does not see them: remove the ones this module made, to keep the shared table small."""
    import boto3

    from conftest import TABLE_NAME

    def markers() -> set[str]:
        client, found, start = boto3.client("dynamodb"), set(), None
        while True:
            page = client.scan(TableName=TABLE_NAME, ProjectionExpression="pk",
                               FilterExpression="begins_with(pk, :p)",
                               ExpressionAttributeValues={":p": {"S": "@EVENT#"}},
                               **({"ExclusiveStartKey": start} if start else {}))
            found |= {item["pk"]["S"] for item in page["Items"]}
            start = page.get("LastEvaluatedKey")
            if not start:
                return found

    before = markers()
    yield
    from shared import keys
    from shared.db.models import ProcessedEventItem

    for pk in markers() - before:
        ProcessedEventItem(pk, keys.PROCESSED_EVENT_SK).delete()


@pytest.fixture
def dynamo(moto_endpoint) -> Iterator[DynamoRequests]:
    from shared.db.models import table_connection

    counter = DynamoRequests(table_connection().connection.client)
    yield counter
    counter.close()


@pytest.fixture
def no_network(monkeypatch) -> list[str]:
    """urllib.request.urlopen refuses (and records) every call."""
    calls: list[str] = []

    def refuse(url, *args, **kwargs):
        calls.append(getattr(url, "full_url", url))
        raise OSError("no network in this test")

    monkeypatch.setattr("urllib.request.urlopen", refuse)
    return calls


@pytest.fixture
def yamada(api) -> dict[str, Any]:
    return create(api, family_name="山田", given_name="太郎", email="Taro.Yamada@Example.jp")


@pytest.fixture
def email(api, yamada) -> dict[str, Any]:
    """An email sent to 山田 through SES (so it has a provider_message_id)."""
    sent_email = sent(api, yamada["id"])
    assert sent_email["status"] == "sent" and sent_email["provider_message_id"], sent_email
    return sent_email


# --- a hard bounce -----------------------------------------------------------------------------


def test_a_hard_bounce_marks_the_address_invalid_records_the_evidence_and_stops_sending(api, yamada, email):
    assert status_of(api, yamada["id"]) == "unconfirmed"
    notification = bounce(email, status="5.1.1", diagnostic="smtp; 550 5.1.1 <taro.yamada@example.jp>... User unknown")

    reply = publish(notification)

    assert reply.body == counts(applied=1)
    assert status_of(api, yamada["id"]) == "invalid_address"
    [entry] = mail_activities(api, yamada["id"])
    assert entry["type"] == "email_bounced"
    assert entry["occurred_at"] == notification["bounce"]["timestamp"]
    assert entry["actor"]["kind"] == "system"
    data = entry["data"]
    assert data["email_id"] == email["id"] and data["recipient"] == "taro.yamada@example.jp"
    assert data["delivery_status"] == "invalid_address"
    assert data["bounce_type"] == "Permanent" and data["bounce_subtype"] == "General"
    assert data["status_code"] == "5.1.1"
    assert data["diagnostic_code"] == "smtp; 550 5.1.1 <taro.yamada@example.jp>... User unknown"
    assert data["reporting_mta"] == "dns; mx.example.jp"

    shown = email_of(api, email["id"])
    assert shown["delivery_state"] == "bounced"
    assert shown["recipient_states"] == {"taro.yamada@example.jp": "bounced"}
    assert shown["status"] == "sent"  # it was sent; the bounce is its delivery state

    before = len(outbox().items())
    refused = api.post("/v1/emails", {"contact_id": yamada["id"], "subject": "再送", "body_text": "本文"})
    assert refused.status == 422, refused.body
    assert any(detail.get("field") == "contact_id" for detail in refused.error["details"])
    assert len(outbox().items()) == before  # nothing sent


def test_a_bounce_from_eventbridge_is_applied_like_one_from_sns(api, yamada, email):
    result = from_eventbridge(bounce(email, event_publishing=True))
    assert result == counts(applied=1)
    assert status_of(api, yamada["id"]) == "invalid_address"
    assert [entry["type"] for entry in mail_activities(api, yamada["id"])] == ["email_bounced"]


def test_a_scheduled_email_is_not_sent_once_the_address_bounced(api, yamada, email):
    from mail_support import at
    from test_scheduled_send import make_due, trigger

    later = sent(api, yamada["id"], send_at=at(3600))
    assert later["status"] == "scheduled"
    publish(bounce(email))

    make_due(api, later["id"])
    trigger(api, later["id"])

    after = email_of(api, later["id"])
    assert after["status"] == "failed" and "invalid_address" in after["failure_reason"]
    assert outbox_entries(later["id"]) == []


# --- idempotency -------------------------------------------------------------------------------


def test_the_same_sns_message_delivered_again_changes_nothing(api, yamada, email, dynamo):
    envelope = signed(bounce(email))
    assert post(envelope).body == counts(applied=1)
    entries = mail_activities(api, yamada["id"])

    with dynamo.measure() as calls:
        again = post(envelope)

    assert again.status == 200 and again.body == counts(duplicate=1)
    assert mail_activities(api, yamada["id"]) == entries
    assert status_of(api, yamada["id"]) == "invalid_address"
    # at most the one transaction that its "already processed" condition cancels
    writes = [call for call in calls if call in WRITES]
    assert writes in ([], ["TransactWriteItems"]), calls


def test_the_same_ses_event_from_eventbridge_after_sns_is_a_duplicate(api, yamada, email):
    record = bounce(email, event_publishing=True)
    assert publish(record).body == counts(applied=1)

    assert from_eventbridge(record) == counts(duplicate=1)
    assert from_eventbridge(record) == counts(duplicate=1)
    assert len(mail_activities(api, yamada["id"])) == 1


def test_the_same_ses_event_from_sns_after_eventbridge_is_a_duplicate(api, yamada, email):
    record = delivery(email, event_publishing=True)
    assert from_eventbridge(record, "Email Delivered") == counts(applied=1)
    assert publish(record).body == counts(duplicate=1)
    assert [entry["type"] for entry in mail_activities(api, yamada["id"])] == ["email_delivered"]


# --- complaints, deliveries, order ---------------------------------------------------------------


def test_a_complaint_marks_spam_and_a_later_delivery_does_not_clear_it(api, yamada, email):
    assert publish(delivery(email, at=iso(-120))).body == counts(applied=1)
    assert status_of(api, yamada["id"]) == "normal"

    assert publish(complaint(email, at=iso(-60))).body == counts(applied=1)
    assert status_of(api, yamada["id"]) == "spam"
    complained = [entry for entry in mail_activities(api, yamada["id"]) if entry["type"] == "email_complained"]
    assert len(complained) == 1 and complained[0]["data"]["complaint_type"] == "abuse"
    assert email_of(api, email["id"])["delivery_state"] == "complained"

    refused = api.post("/v1/emails", {"contact_id": yamada["id"], "subject": "s", "body_text": "b"})
    assert refused.status == 422, refused.body

    # a later delivery (of another message, say) is recorded but never clears spam
    assert publish(delivery(email, at=iso(60))).body == counts(applied=1)
    assert status_of(api, yamada["id"]) == "spam"


def test_a_delivery_confirms_an_unconfirmed_contact(api, yamada, email):
    notification = delivery(email, headers=False)
    assert publish(notification).body == counts(applied=1)

    assert status_of(api, yamada["id"]) == "normal"
    [entry] = mail_activities(api, yamada["id"])
    assert entry["type"] == "email_delivered" and entry["occurred_at"] == notification["delivery"]["timestamp"]
    assert entry["data"]["smtp_response"] == notification["delivery"]["smtpResponse"]
    assert entry["data"]["email_id"] == email["id"]
    shown = email_of(api, email["id"])
    assert shown["delivery_state"] == "delivered"
    assert shown["recipient_states"] == {"taro.yamada@example.jp": "delivered"}
    assert sent(api, yamada["id"])["status"] == "sent"  # a normal address can be mailed


def test_an_older_delivery_arriving_after_a_bounce_leaves_the_bounce_status(api, yamada, email):
    assert publish(bounce(email, at=iso(-60))).body == counts(applied=1)
    assert publish(delivery(email, at=iso(-120))).body == counts(applied=1)  # recorded, but older

    assert status_of(api, yamada["id"]) == "invalid_address"
    assert sorted(entry["type"] for entry in mail_activities(api, yamada["id"])) == ["email_bounced", "email_delivered"]


def test_newer_evidence_for_the_same_status_keeps_an_older_delivery_from_clearing_it(api, yamada):
    """BUG: when an event proves the status the contact already has, its time is not kept
    (shared/services/mail_events.py `_apply`: `next_status` answers None for the same status, so
    `delivery_status_at` stays at the older evidence). Two emails to 山田 went out before any
    event came back; email A bounced at T1, email B was accepted by a relay at T2 and bounced
    asynchronously at T3. Arriving A-bounce, B-bounce, then the late B-delivery (T2 < T3), the
    delivery is compared with T1 only and makes the contact `normal`, although the newest
    evidence (T3) is a hard bounce."""
    first, second = sent(api, yamada["id"]), sent(api, yamada["id"])
    t1, t2, t3 = iso(-180), iso(-120), iso(-60)

    assert publish(bounce(first, at=t1)).body == counts(applied=1)
    assert publish(bounce(second, at=t3)).body == counts(applied=1)
    assert status_of(api, yamada["id"]) == "invalid_address"
    assert publish(delivery(second, at=t2)).body == counts(applied=1)

    assert status_of(api, yamada["id"]) == "invalid_address"


def test_a_transient_bounce_is_a_temporary_error_and_sending_stays_allowed(api, yamada, email):
    notification = bounce(email, status="4.2.2", diagnostic="smtp; 452 4.2.2 Mailbox full",
                          bounce_type="Transient", subtype="MailboxFull")
    assert publish(notification).body == counts(applied=1)

    assert status_of(api, yamada["id"]) == "temporary_error"
    [entry] = mail_activities(api, yamada["id"])
    assert entry["type"] == "email_bounced" and entry["data"]["bounce_type"] == "Transient"
    assert sent(api, yamada["id"])["status"] == "sent"


def test_a_transient_bounce_with_a_permanent_code_suppresses(api, yamada, email):
    publish(bounce(email, status="5.1.1", bounce_type="Transient", subtype="General"))
    assert status_of(api, yamada["id"]) == "invalid_address"


def ooto(email: dict[str, Any]) -> dict[str, Any]:
    """What SES publishes for an automatic reply, as for its simulator's ooto@simulator.amazonses.com:
    a Transient/General bounce whose recipient carries no DSN and no reporting MTA."""
    notification = bounce(email, status=None, bounce_type="Transient", subtype="General")
    for entry in notification["bounce"]["bouncedRecipients"]:
        entry.pop("action", None)
    for name in ("reportingMTA", "remoteMtaIp"):
        notification["bounce"].pop(name)
    return notification


def test_an_automatic_reply_reported_as_a_bounce_changes_nothing(api, yamada, email):
    """The contract: an automatic reply (out of office, vacation) is not a bounce."""
    assert publish(delivery(email, at=iso(-5))).body == counts(applied=1)
    assert status_of(api, yamada["id"]) == "normal"

    response = local_publish({"message": ooto(email)})

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == counts()
    assert status_of(api, yamada["id"]) == "normal"
    assert [entry["type"] for entry in mail_activities(api, yamada["id"])] == ["email_delivered"]
    assert email_of(api, email["id"])["delivery_state"] == "delivered"
    assert sent(api, yamada["id"])["status"] == "sent"


@pytest.mark.parametrize("status, diagnostic, expected", [
    # NTT docomo through SES: Status 5.0.0, the wording names the unknown user (Sisimai lhost-amazonses-02.eml)
    ("5.0.0", "smtp; 5.3.0 - Other mail system problem 550-'Unknown user taro.yamada@example.jp' "
              "(delivery attempts: 0)", "invalid_address"),
    # Outlook.com's generic 5.5.0 for a mailbox that does not exist (Sisimai why-userunknown.go)
    ("5.5.0", "smtp; 550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302).", "invalid_address"),
    # a full mailbox in the permanent class is still temporary
    ("5.2.2", "smtp; 552 5.2.2 <taro.yamada@example.jp>... Mailbox Full", "temporary_error"),
])
def test_the_bounce_wording_decides_under_a_generic_code(api, yamada, email, status, diagnostic, expected):
    assert publish(bounce(email, status=status, diagnostic=diagnostic)).body == counts(applied=1)
    assert status_of(api, yamada["id"]) == expected
    [entry] = mail_activities(api, yamada["id"])
    assert entry["data"]["delivery_status"] == expected and entry["data"]["diagnostic_code"] == diagnostic


@pytest.mark.parametrize("subtype", ["Suppressed", "OnAccountSuppressionList"])
def test_an_ses_suppression_bounce_is_an_error(api, yamada, email, subtype):
    publish(bounce(email, subtype=subtype, diagnostic="Amazon SES did not send the message to this address "
                   "because it is on the suppression list for your account."))
    assert status_of(api, yamada["id"]) == "error"
    assert api.post("/v1/emails", {"contact_id": yamada["id"], "subject": "s", "body_text": "b"}).status == 422


def test_a_reject_changes_no_contact_but_the_email_state(api, yamada, email):
    record = {"eventType": "Reject", "mail": _mail(email, [email["to"]]), "reject": {"reason": "Bad content"}}
    assert publish(record).body == counts(applied=1)
    assert status_of(api, yamada["id"]) == "unconfirmed"
    assert mail_activities(api, yamada["id"]) == []
    assert email_of(api, email["id"])["delivery_state"] == "rejected"


@pytest.mark.parametrize("kind, part", [
    ("Send", {"send": {}}),
    ("Open", {"open": {"ipAddress": "192.0.2.1", "timestamp": "2026-04-01T00:00:00.000Z", "userAgent": "Mozilla/5.0"}}),
    ("Click", {"click": {"ipAddress": "192.0.2.1", "link": "https://example.jp/",
                         "timestamp": "2026-04-01T00:00:00.000Z", "userAgent": "Mozilla/5.0"}}),
])
def test_send_open_and_click_records_change_nothing(api, yamada, email, kind, part, dynamo):
    with dynamo.measure() as calls:
        reply = publish({"eventType": kind, "mail": _mail(email, [email["to"]]), **part})
    assert reply.body == counts()
    assert calls == []
    assert mail_activities(api, yamada["id"]) == []


def test_a_delivery_delay_is_a_temporary_error_until_the_delivery(api, yamada, email):
    delayed = {"eventType": "DeliveryDelay", "mail": _mail(email, [email["to"]], headers=False),
               "deliveryDelay": {"timestamp": iso(-60), "delayType": "TransientCommunicationFailure",
                                 "expirationTime": iso(3600),
                                 "delayedRecipients": [{
                                     "emailAddress": email["to"], "status": "4.4.1",
                                     "diagnosticCode": "smtp; 421 4.4.1 Unable to connect to remote host"}]}}
    assert from_eventbridge(delayed, "Email Delivery Delayed") == counts(applied=1)
    assert status_of(api, yamada["id"]) == "temporary_error"
    assert email_of(api, email["id"])["delivery_state"] == "delayed"
    [entry] = mail_activities(api, yamada["id"])
    assert entry["data"]["status_code"] == "4.4.1" and entry["data"]["delay_type"] == "TransientCommunicationFailure"

    assert from_eventbridge(delivery(email, event_publishing=True), "Email Delivered") == counts(applied=1)
    assert status_of(api, yamada["id"]) == "normal"
    assert email_of(api, email["id"])["delivery_state"] == "delivered"


# --- several recipients ------------------------------------------------------------------------


def test_one_notification_for_to_and_cc_updates_both_contacts(api, yamada):
    boss = create(api, family_name="佐藤", given_name="部長", email="boss@example.jp")
    email = sent(api, yamada["id"], cc=["Boss@Example.jp"])

    notification = bounce(email, email["to"], "Boss@Example.jp")
    assert publish(notification).body == counts(applied=2)

    assert status_of(api, yamada["id"]) == "invalid_address"
    assert status_of(api, boss["id"]) == "invalid_address"
    [mine] = mail_activities(api, yamada["id"])
    [theirs] = mail_activities(api, boss["id"])
    assert mine["type"] == theirs["type"] == "email_bounced"
    assert mine["data"]["recipient"] == "taro.yamada@example.jp" and theirs["data"]["recipient"] == "boss@example.jp"
    assert theirs["data"]["email_id"] == email["id"]
    shown = email_of(api, email["id"])
    assert shown["recipient_states"] == {"taro.yamada@example.jp": "bounced", "boss@example.jp": "bounced"}
    assert shown["delivery_state"] == "bounced"


def test_a_cc_bounce_leaves_the_to_state_and_contact_alone(api, yamada):
    boss = create(api, family_name="佐藤", email="boss@example.jp")
    email = sent(api, yamada["id"], cc=["boss@example.jp", "nobody-we-know@example.jp"])
    publish(delivery(email))
    assert publish(bounce(email, "boss@example.jp", "nobody-we-know@example.jp")).body == counts(applied=2)

    assert status_of(api, yamada["id"]) == "normal"
    assert status_of(api, boss["id"]) == "invalid_address"
    shown = email_of(api, email["id"])
    assert shown["delivery_state"] == "delivered"
    assert shown["recipient_states"] == {"taro.yamada@example.jp": "delivered", "boss@example.jp": "bounced",
                                         "nobody-we-know@example.jp": "bounced"}


def test_a_bounce_for_an_address_the_contact_no_longer_has_changes_no_status(api, yamada, email):
    changed = api.patch(f"/v1/contacts/{yamada['id']}", {"email": "taro.new@example.jp"})
    assert changed.status == 200, changed.body

    assert publish(bounce(email)).body == counts(applied=1)

    assert status_of(api, yamada["id"]) == "unconfirmed"  # the old address bounced, not the new one
    assert mail_activities(api, yamada["id"]) == []
    assert email_of(api, email["id"])["delivery_state"] == "bounced"


def test_a_bounce_for_a_deleted_contact_is_accepted_without_error(api, yamada, email):
    assert api.delete(f"/v1/contacts/{yamada['id']}").status == 204
    reply = publish(bounce(email))
    assert reply.body in (counts(applied=1), counts(ignored=1))
    assert mail_activities(api, yamada["id"]) == []


def test_events_for_one_contact_racing_each_other_are_all_applied_once(api, yamada):
    """SNS and EventBridge deliver at once, and several messages come back together: the
    contact's version check makes the losers retry from a fresh read."""
    from concurrent.futures import ThreadPoolExecutor

    first, second, third = (sent(api, yamada["id"]) for _ in range(3))
    same = bounce(first, at=iso(-30), event_publishing=True)
    jobs = [lambda: post(signed(same)).body, lambda: from_eventbridge(same),
            lambda: post(signed(complaint(second, at=iso(-20)))).body,
            lambda: post(signed(delivery(third, at=iso(-10)))).body]
    with ThreadPoolExecutor(len(jobs)) as pool:
        results = list(pool.map(lambda job: job(), jobs))

    assert sorted(result["applied"] for result in results) == [0, 1, 1, 1], results
    assert sum(result["duplicate"] for result in results) == 1, results
    assert sorted(entry["type"] for entry in mail_activities(api, yamada["id"])) == [
        "email_bounced", "email_complained", "email_delivered"]
    assert status_of(api, yamada["id"]) == "spam"


# --- mail we did not send ----------------------------------------------------------------------


RECORDING_SECONDS = 30  # shared.domain.mail_events.RECORDING_SECONDS


def test_a_notification_for_a_message_we_never_sent_is_ignored(api, yamada, email, dynamo):
    stranger = {**email, "provider_message_id": f"0100018e-{uuid.uuid4()}-000000",
                "sent_at": iso(-RECORDING_SECONDS - 1)}  # long enough ago for our record to be visible
    with dynamo.measure() as calls:
        reply = post(signed(bounce(stranger)))

    assert reply.status == 200 and reply.body == counts(ignored=1)
    assert not set(calls) & WRITES, calls
    assert status_of(api, yamada["id"]) == "unconfirmed"
    assert mail_activities(api, yamada["id"]) == []


def test_a_notification_for_unknown_mail_sent_moments_ago_is_asked_for_again_then_ignored(api, yamada, email, dynamo):
    """It may be ours, not yet recorded or not yet in the index: SNS delivers it again on a 5xx."""
    stranger = {**email, "provider_message_id": f"0100018e-{uuid.uuid4()}-000000", "sent_at": iso(-1)}
    with dynamo.measure() as calls:
        reply = post(signed(bounce(stranger)))

    assert reply.status == 503 and reply.body["error"]["code"] == "busy", reply.body
    assert not set(calls) & WRITES, calls
    later = {**stranger, "sent_at": iso(-RECORDING_SECONDS - 1)}  # SNS's retries outlast the window
    assert post(signed(bounce(later))).body == counts(ignored=1)
    assert status_of(api, yamada["id"]) == "unconfirmed" and mail_activities(api, yamada["id"]) == []


@pytest.fixture
def index_lag(monkeypatch):
    """The emulator's global secondary indexes lag the table (infra.local.dynamodb_realism)."""
    from infra.local.dynamodb_realism import INDEX_LAG

    def lag(seconds: float) -> None:
        monkeypatch.setattr(INDEX_LAG, "seconds", seconds)

    return lag


def test_a_bounce_arriving_before_the_index_has_the_email_is_retried_not_dropped(api, yamada, index_lag, dynamo):
    index_lag(60)
    email = sent(api, yamada["id"])  # the email item gets its SES message id now: not in GSI4 for a minute
    envelope = signed(bounce(email))

    with dynamo.measure() as calls:
        first = post(envelope)

    assert first.status == 503 and first.body["error"]["code"] == "busy", first.body  # SNS delivers it again
    assert not set(calls) & WRITES, calls
    assert status_of(api, yamada["id"]) == "unconfirmed" and mail_activities(api, yamada["id"]) == []

    index_lag(0)  # the index caught up
    assert post(envelope).body == counts(applied=1)
    assert post(envelope).body == counts(duplicate=1)
    assert status_of(api, yamada["id"]) == "invalid_address"
    assert [entry["type"] for entry in mail_activities(api, yamada["id"])] == ["email_bounced"]


def test_a_bounce_from_eventbridge_before_the_index_has_the_email_fails_the_invocation(api, yamada, index_lag):
    """Lambda invokes an asynchronous event again when the function raised."""
    from shared.errors import Busy

    index_lag(60)
    email = sent(api, yamada["id"])
    notification = bounce(email, event_publishing=True)

    with pytest.raises(Busy):
        from_eventbridge(notification)
    assert mail_activities(api, yamada["id"]) == []

    index_lag(0)
    assert from_eventbridge(notification) == counts(applied=1)
    assert status_of(api, yamada["id"]) == "invalid_address"


def test_an_index_lagging_by_a_moment_is_ridden_out_within_the_delivery(api, yamada, index_lag, monkeypatch):
    from shared.db import retries

    longest = SimpleNamespace(uniform=lambda low, high: high)
    monkeypatch.setattr(retries, "random", longest)  # the longest backoffs: 0.1, 0.2, 0.4 s
    index_lag(0.25)
    email = sent(api, yamada["id"])

    assert publish(bounce(email)).body == counts(applied=1)  # no 503, no second delivery needed
    assert status_of(api, yamada["id"]) == "invalid_address"


@pytest.mark.parametrize("message", ["not json at all", json.dumps({"hello": "world"}), json.dumps([1, 2])])
def test_a_signed_notification_that_is_no_ses_record_is_acknowledged_and_ignored(moto_endpoint, dynamo, message):
    with dynamo.measure() as calls:
        reply = post(signed(message))
    assert reply.status == 200 and reply.body == counts(ignored=1)
    assert calls == []


def test_an_eventbridge_event_that_is_no_ses_record_is_ignored(moto_endpoint):
    assert from_eventbridge({"something": "else"}) == counts(ignored=1)


# --- refusals: 403 and nothing written --------------------------------------------------------


def _forged_message(envelope: dict[str, Any], email: dict[str, Any]) -> None:
    envelope["Message"] = json.dumps(bounce(email))  # signed a delivery, posts a bounce


def _flipped_signature(envelope: dict[str, Any], email: dict[str, Any]) -> None:
    signature = envelope["Signature"]
    envelope["Signature"] = ("A" if signature[0] != "A" else "B") + signature[1:]


def _cert_url(url: str):
    def edit(envelope: dict[str, Any], email: dict[str, Any]) -> None:
        envelope["SigningCertURL"] = url
    return edit


def _field(name: str, value: Any):
    def edit(envelope: dict[str, Any], email: dict[str, Any]) -> None:
        if value is None:
            envelope.pop(name)
        else:
            envelope[name] = value
    return edit


FORGERIES = {
    "message edited after signing": _forged_message,
    "signature edited": _flipped_signature,
    "cert on a look-alike host": _cert_url("https://sns.us-east-1.amazonaws.com.evil.com/x.pem"),
    "cert on s3.amazonaws.com": _cert_url("https://s3.amazonaws.com/x.pem"),
    "cert on another amazonaws.com host": _cert_url("https://sns-cert.s3.amazonaws.com/x.pem"),
    "cert over http": _cert_url("http://sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-local.pem"),
    "cert url with userinfo": _cert_url("https://sns.ap-northeast-1.amazonaws.com@evil.example/x.pem"),
    "no signature": _field("Signature", None),
    "no certificate url": _field("SigningCertURL", None),
    "signature version 3": _field("SignatureVersion", "3"),
    "timestamp far in the future": _field("Timestamp", "2999-01-01T00:00:00.000Z"),
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_an_unverified_delivery_is_refused_with_nothing_written(api, yamada, email, dynamo, no_network, forgery):
    envelope = signed(delivery(email))
    FORGERIES[forgery](envelope, email)

    with dynamo.measure() as calls:
        reply = post(envelope)

    assert reply.status == 403, reply.body
    assert reply.body["error"]["code"] == "forbidden" and reply.body["error"]["message"]
    assert calls == []  # verified before anything else: not even a read
    assert no_network == []  # a certificate URL that is not SNS's is never fetched
    assert status_of(api, yamada["id"]) == "unconfirmed"
    assert mail_activities(api, yamada["id"]) == []
    assert email_of(api, email["id"])["delivery_state"] is None
    # nothing was marked processed either: the genuine delivery still applies (and is counted)
    with dynamo.measure() as genuine:
        assert publish(delivery(email)).body == counts(applied=1)
    assert "TransactWriteItems" in genuine


def test_a_message_signed_for_a_topic_we_do_not_allow_is_refused(api, yamada, email, dynamo):
    with dynamo.measure() as calls:
        reply = post(signed(bounce(email), topic=FORBIDDEN_TOPIC))
    assert reply.status == 403 and calls == []
    assert status_of(api, yamada["id"]) == "unconfirmed"
    assert mail_activities(api, yamada["id"]) == []


def test_signature_version_1_is_accepted(api, yamada, email):
    envelope = signed(bounce(email), version="1")
    assert envelope["SignatureVersion"] == "1"
    assert post(envelope).body == counts(applied=1)
    assert status_of(api, yamada["id"]) == "invalid_address"


def test_raw_message_delivery_is_refused(api, yamada, email, dynamo):
    """With raw message delivery on, SNS posts the SES record itself, unsigned."""
    with dynamo.measure() as calls:
        reply = webhook(json.dumps(bounce(email)))
    assert reply.status == 403, reply.body
    assert calls == []
    assert status_of(api, yamada["id"]) == "unconfirmed"
    assert mail_activities(api, yamada["id"]) == []


def test_a_base64_encoded_body_is_verified_and_applied(api, yamada, email):
    """API Gateway may hand the body over base64-encoded (`isBase64Encoded`)."""
    import base64

    from infra.local.apigw import build_http_api_event
    from infra.local.server import invoke_function

    envelope = signed(bounce(email))
    event = build_http_api_event("POST", "/webhooks/ses", "POST /webhooks/ses", None, "", sns_headers(envelope),
                                 json.dumps(envelope), None, "54.240.197.1")
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    event["isBase64Encoded"] = True
    result = invoke_function("MailEventsFunction", event)
    assert result["statusCode"] == 200 and json.loads(result["body"]) == counts(applied=1)
    assert status_of(api, yamada["id"]) == "invalid_address"


@pytest.mark.parametrize("body", ["", "not json", "{", "[]", "null", json.dumps("a string"), "\x00\xff"])
def test_a_body_that_is_no_sns_envelope_is_a_4xx(moto_endpoint, dynamo, body):
    with dynamo.measure() as calls:
        reply = webhook(body)
    assert 400 <= reply.status < 500, (reply.status, reply.body)
    assert reply.status == 403  # refused like any unverified delivery
    assert calls == []


# --- subscription confirmation -----------------------------------------------------------------


def _confirmation(topic: str, subscribe_url: str | None = None) -> dict[str, Any]:
    from infra.local import sns as local_sns

    token = uuid.uuid4().hex * 2
    region = local_sns._signer.region
    return local_sns._signer.sign({
        "Type": "SubscriptionConfirmation", "MessageId": str(uuid.uuid4()), "Token": token, "TopicArn": topic,
        "Message": f"You have chosen to subscribe to the topic {topic}.\n"
                   "To confirm the subscription, visit the SubscribeURL included in this message.",
        "SubscribeURL": subscribe_url or (f"https://sns.{region}.amazonaws.com/?Action=ConfirmSubscription"
                                          f"&TopicArn={topic}&Token={token}"),
        "Timestamp": iso(),
    })


@pytest.fixture
def urlopen_calls(monkeypatch) -> list[str]:
    calls: list[str] = []

    def fake(url, *args, **kwargs):
        calls.append(getattr(url, "full_url", url))
        return io.BytesIO(b"<ConfirmSubscriptionResponse/>")

    monkeypatch.setattr("urllib.request.urlopen", fake)
    return calls


def test_a_subscription_to_an_allowed_topic_is_confirmed(moto_endpoint, urlopen_calls):
    from infra.local import sns as local_sns

    message = _confirmation(local_sns._topic_arn)
    reply = post(message)
    assert reply.status == 200 and reply.body == {"confirmed": True}
    assert urlopen_calls == [message["SubscribeURL"]]


def test_an_unsubscribe_confirmation_is_acknowledged_without_calling_anything(moto_endpoint, urlopen_calls):
    from infra.local import sns as local_sns

    message = _confirmation(local_sns._topic_arn)
    message = local_sns._signer.sign({**message, "Type": "UnsubscribeConfirmation"})
    reply = post(message)
    assert reply.status == 200, reply.body
    assert urlopen_calls == []


def test_a_subscription_to_another_topic_is_refused_and_not_confirmed(moto_endpoint, urlopen_calls):
    reply = post(_confirmation(FORBIDDEN_TOPIC))
    assert reply.status == 403 and urlopen_calls == []


def test_a_subscribe_url_that_is_not_sns_is_never_called(moto_endpoint, urlopen_calls):
    from infra.local import sns as local_sns

    message = _confirmation(local_sns._topic_arn, "https://evil.example/?Action=ConfirmSubscription&Token=x")
    reply = post(message)  # properly signed, but it would make us call someone else
    assert reply.status == 403 and urlopen_calls == []


def test_a_confirmation_whose_subscribe_url_cannot_be_fetched_is_answered_without_a_5xx(moto_endpoint, no_network):
    """SNS delivers again what we answer with a 5xx: a confirmation SNS's endpoint did not take
    is logged and answered, and the subscription stays pending."""
    from infra.local import sns as local_sns

    message = _confirmation(local_sns._topic_arn)
    reply = post(message)
    assert reply.status == 200 and reply.body == {"confirmed": False}, reply.body
    assert no_network == [message["SubscribeURL"]]


@pytest.mark.parametrize("change", [
    lambda n: n["bounce"]["bouncedRecipients"][0].update(diagnosticCode=["smtp; 550", "user unknown"], status=None),
    lambda n: n["bounce"]["bouncedRecipients"][0].update(diagnosticCode={"text": "550"}, action=7, status=5.11),
    lambda n: n["bounce"]["bouncedRecipients"][0].update(emailAddress=["taro.yamada@example.jp"]),
    lambda n: n["bounce"].update(bouncedRecipients={"emailAddress": "taro.yamada@example.jp"}),
    lambda n: n["bounce"].update(bounceType=["Permanent"], bounceSubType={"a": 1}, reportingMTA=1, feedbackId=[]),
    lambda n: n.update(bounce="a bounce"),
    lambda n: n["mail"].update(timestamp=["2026-01-01T00:00:00Z"]),
    lambda n: n["mail"].update(messageId="x" * 5000),
    lambda n: n.update(mail=["not", "an", "object"]),
], ids=["diagnostic-list", "scalars-of-other-types", "address-list", "recipients-object",
        "bounce-fields-of-other-types", "bounce-string", "timestamp-list", "huge-message-id", "mail-list"])
def test_a_bounce_of_an_unexpected_shape_is_answered_without_a_5xx(api, yamada, email, change):
    """What SES documents is read; a field of another type counts as absent, never a 500."""
    notification = bounce(email)
    change(notification)
    reply = post(signed(notification))
    assert reply.status == 200, reply.body


def test_a_bounce_with_a_list_diagnostic_still_applies_its_status_code(api, yamada, email):
    notification = bounce(email, status="5.1.1")
    notification["bounce"]["bouncedRecipients"][0]["diagnosticCode"] = ["smtp; 550", "User unknown"]
    assert publish(notification).body == counts(applied=1)
    assert status_of(api, yamada["id"]) == "invalid_address"


@pytest.mark.parametrize("message", ['[' * 5000 + ']' * 5000,
                                     r'{"notificationType": "Bounce", "mail": {"messageId": "\ud800"}}'],
                         ids=["deep", "lone-surrogate"])
def test_a_signed_message_that_is_not_json_we_read_is_ignored_without_a_5xx(moto_endpoint, message):
    reply = post(signed(message))
    assert reply.status == 200 and reply.body == counts(ignored=1), reply.body


def _with_lone_surrogate_message(envelope: dict[str, Any]) -> str:
    """The envelope's JSON with its Message replaced by the escape of a lone surrogate."""
    return json.dumps(envelope).replace(json.dumps(envelope["Message"]), r'"\ud800"')


@pytest.mark.parametrize("body", [lambda: '[' * 5000 + ']' * 5000, lambda: _with_lone_surrogate_message(signed({}))],
                         ids=["deep", "lone-surrogate"])
def test_an_unreadable_envelope_is_refused_as_unverified(moto_endpoint, body):
    reply = webhook(body(), {"content-type": "text/plain; charset=UTF-8"})
    assert reply.status == 403, reply.body


# --- the local endpoint --------------------------------------------------------------------------


def test_local_publish_signs_delivers_and_answers_once_processed(api, yamada, email):
    response = local_publish({"message": bounce(email)})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == counts(applied=1)
    assert status_of(api, yamada["id"]) == "invalid_address"  # processed before the answer

    again = local_publish({"message": complaint(email), "signature_version": "1"})
    assert again.status_code == 200 and again.get_json() == counts(applied=1)
    assert status_of(api, yamada["id"]) == "spam"


@pytest.mark.parametrize("payload", ["not json", "", "[]", "null", {}, [], {"message": "a string"},
                                     {"message": [1]}, {"notificationType": "Bounce"}])
def test_local_publish_with_a_bad_body_is_a_400(moto_endpoint, payload):
    response = local_publish(payload)
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"]["code"] and body["error"]["message"]


@pytest.mark.parametrize("version", ["3", None])
def test_local_publish_with_an_unknown_signature_version_is_not_a_500(moto_endpoint, version):
    """BUG (local stack only): infra/local/sns.py `publish` passes `str(signature_version)` straight
    to LocalSnsSigner.notification, which raises ValueError for anything but "1" and "2"; the
    WSGI app answers 500. The contract: bad input is never a 5xx (a 400 is expected; a null may
    also fairly mean the default)."""
    record = {"notificationType": "Delivery", "mail": {"timestamp": iso(-RECORDING_SECONDS - 1),
                                                       "messageId": f"unknown-{uuid.uuid4()}",
                                                       "destination": ["x@example.jp"]},
              "delivery": {"timestamp": iso(), "recipients": ["x@example.jp"]}}
    response = local_publish({"message": record, "signature_version": version})
    assert response.status_code in ((400, 200) if version is None else (400,)), (
        response.status_code, response.get_data(as_text=True))


def test_local_publish_of_a_bare_notification_for_unknown_mail_is_ignored(moto_endpoint):
    record = {"notificationType": "Delivery", "mail": {"timestamp": iso(-RECORDING_SECONDS - 1),
                                                       "messageId": f"unknown-{uuid.uuid4()}",
                                                       "destination": ["x@example.jp"]},
              "delivery": {"timestamp": iso(), "recipients": ["x@example.jp"]}}
    response = local_publish({"message": record})
    assert response.status_code == 200 and response.get_json() == counts(ignored=1)


# --- tenant isolation --------------------------------------------------------------------------


def test_a_bounce_of_one_tenants_mail_never_touches_another_tenants_contact(moto_endpoint):
    tenant_a, tenant_b = Api(f"tenant-{uuid.uuid4().hex[:10]}"), Api(f"tenant-{uuid.uuid4().hex[:10]}")
    mine = create(tenant_a, family_name="山田", email="same@example.jp")
    theirs = create(tenant_b, family_name="山田", email="same@example.jp")
    also_theirs = create(tenant_b, family_name="鈴木", email="cc-shared@example.jp")
    email = sent(tenant_a, mine["id"], cc=["cc-shared@example.jp"])

    assert publish(bounce(email, email["to"], "cc-shared@example.jp")).body == counts(applied=2)
    assert publish(complaint(email, email["to"])).body == counts(applied=1)

    assert status_of(tenant_a, mine["id"]) == "spam"
    assert status_of(tenant_b, theirs["id"]) == "unconfirmed"
    assert status_of(tenant_b, also_theirs["id"]) == "unconfirmed"
    assert mail_activities(tenant_b, theirs["id"]) == [] and mail_activities(tenant_b, also_theirs["id"]) == []
    assert sent(tenant_b, theirs["id"])["status"] == "sent"  # tenant B may still mail its contact
    assert tenant_b.get(f"/v1/emails/{email['id']}").status == 404


# --- figures -----------------------------------------------------------------------------------


def test_a_one_recipient_notification_takes_at_most_4_dynamodb_requests(api, yamada, email, dynamo):
    envelope = signed(bounce(email))
    with dynamo.measure() as calls:
        assert post(envelope).body == counts(applied=1)
    assert set(calls) & WRITES, calls  # the hook saw the requests
    assert len(calls) <= 4, calls


def test_a_two_recipient_notification_takes_at_most_4_dynamodb_requests_per_recipient(api, yamada, dynamo):
    create(api, family_name="佐藤", email="boss@example.jp")
    email = sent(api, yamada["id"], cc=["boss@example.jp"])
    envelope = signed(delivery(email, email["to"], "boss@example.jp"))
    with dynamo.measure() as calls:
        assert post(envelope).body == counts(applied=2)
    assert len(calls) <= 8, calls


def test_verifying_with_the_pinned_certificate_makes_no_network_call(api, yamada, email, no_network):
    assert publish(delivery(email)).body == counts(applied=1)
    assert publish(bounce(email)).body == counts(applied=1)
    assert no_network == []


def test_a_certificate_is_fetched_once_and_then_served_from_the_cache(api, yamada, email, monkeypatch):
    """A certificate URL that is not pinned (as in AWS): the first message fetches it, later ones
    verify without any network call, even when the network is gone."""
    from infra.local import sns as local_sns
    from shared.services import sns_certificates

    monkeypatch.setattr(sns_certificates, "_cache", {})
    url = f"https://sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-{uuid.uuid4().hex}.pem"
    fetched: list[str] = []

    def fetch(request_url, *args, **kwargs):
        fetched.append(getattr(request_url, "full_url", request_url))
        return io.BytesIO(local_sns._signer.certificate_pem)

    monkeypatch.setattr("urllib.request.urlopen", fetch)

    def on_url(notification: dict[str, Any]) -> dict[str, Any]:
        envelope = signed(notification)
        envelope["SigningCertURL"] = url  # not part of the string to sign
        return envelope

    assert post(on_url(delivery(email, at=iso(-60)))).body == counts(applied=1)
    assert post(on_url(bounce(email))).body == counts(applied=1)
    assert fetched == [url]

    def refuse(*args, **kwargs):
        raise AssertionError("the cached certificate must be used")

    monkeypatch.setattr("urllib.request.urlopen", refuse)
    assert post(on_url(complaint(email))).body == counts(applied=1)
    assert status_of(api, yamada["id"]) == "spam"


def test_a_certificate_fetch_cut_short_is_a_403_not_a_500(api, yamada, email, monkeypatch):
    """http.client's errors (a body cut short, a bad status line) are not OSErrors."""
    import http.client

    from shared.services import sns_certificates

    monkeypatch.setattr(sns_certificates, "_cache", {})

    def cut_short(*args, **kwargs):
        raise http.client.IncompleteRead(b"-----BEGIN CERT", 900)

    monkeypatch.setattr("urllib.request.urlopen", cut_short)
    envelope = signed(bounce(email))
    envelope["SigningCertURL"] = f"https://sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-{uuid.uuid4().hex}.pem"
    assert post(envelope).status == 403
    assert status_of(api, yamada["id"]) == "unconfirmed"


def test_a_certificate_that_cannot_be_fetched_is_a_403_and_is_not_cached(api, yamada, email, monkeypatch, no_network):
    from infra.local import sns as local_sns
    from shared.services import sns_certificates

    monkeypatch.setattr(sns_certificates, "_cache", {})
    url = f"https://sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-{uuid.uuid4().hex}.pem"
    envelope = signed(bounce(email))
    envelope["SigningCertURL"] = url

    assert post(envelope).status == 403
    assert no_network == [url]
    assert status_of(api, yamada["id"]) == "unconfirmed"

    monkeypatch.setattr("urllib.request.urlopen", lambda *a, **k: io.BytesIO(local_sns._signer.certificate_pem))
    assert post(envelope).body == counts(applied=1)  # SNS retries; this time the fetch works


def test_certificate_caches_by_url(moto_endpoint, monkeypatch):
    from shared.services import sns_certificates

    monkeypatch.setattr(sns_certificates, "_cache", {})
    loads: list[str] = []

    def load(url: str) -> bytes:
        loads.append(url)
        return f"PEM of {url}".encode()

    monkeypatch.setattr(sns_certificates, "_load", load)
    one = "https://sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-one.pem"
    two = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-two.pem"
    assert sns_certificates.certificate(one) == sns_certificates.certificate(one) == f"PEM of {one}".encode()
    assert sns_certificates.certificate(two) == f"PEM of {two}".encode()
    assert sns_certificates.certificate(one) == f"PEM of {one}".encode()
    assert loads == [one, two]


def test_a_pinned_certificate_is_read_from_its_file_without_the_network(moto_endpoint, monkeypatch, no_network,
                                                                           tmp_path):
    from shared.config import CONFIG
    from shared.services import sns_certificates

    monkeypatch.setattr(sns_certificates, "_cache", {})
    url = "https://sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-pinned.pem"
    pem = tmp_path / "pinned.pem"
    pem.write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    monkeypatch.setitem(CONFIG.sns_certificate_pins, url, str(pem))
    assert sns_certificates.certificate(url) == pem.read_bytes()
    pem.write_bytes(b"changed")
    assert sns_certificates.certificate(url) != b"changed"  # read once, then cached
    assert no_network == []


def test_a_cc_to_a_contact_marked_undeliverable_is_refused_and_nothing_is_sent(api):
    from mail_support import outbox, send, table

    contact = create(api, family_name="山田", email="taro@example.jp")
    create(api, family_name="佐藤", email="sato@example.jp")
    # the copy of the contact that its email key carries (what lookups by address read), as a complaint leaves it
    for item in table().query(KeyConditionExpression="pk = :pk",
                              ExpressionAttributeValues={":pk": f"TENANT#{api.tenant}#EMAIL#sato@example.jp"})["Items"]:
        table().update_item(Key={"pk": item["pk"], "sk": item["sk"]}, UpdateExpression="SET #d.delivery_status = :s",
                            ExpressionAttributeNames={"#d": "data"}, ExpressionAttributeValues={":s": "spam"})
    before = len(outbox().items())
    reply = send(api, contact["id"], cc=["Sato@example.jp"])
    assert reply.status == 422 and [d["field"] for d in reply.body["error"]["details"]] == ["cc[0]"]
    assert len(outbox().items()) == before
    assert api.post("/v1/emails/preview", {"contact_id": contact["id"], "subject": "s", "body_text": "b",
                                           "bcc": ["sato@example.jp"]}).status == 422
