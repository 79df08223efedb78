"""Open and click tracking: verify the token, classify the hit, record it, answer where to go.

A hit costs two DynamoDB requests: a GetItem of the email, then one transaction with the
email's counters, the timeline entry and, for a person's hit, the contact's score counts and
`last_customer_action_*` (updated without a read, db.contact_actions). Opens: the first open of
its kind (a person's, or a machine's) is `email_opened`, later ones `email_reopened`; so a
person's first real open is always `email_opened` even after Apple's proxy prefetched the pixel.
Machine hits carry `data.machine: true`, have their own counters and never count as the
contact's action.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import datetime
from typing import TYPE_CHECKING, cast

from shared.config import tracking_keyring
from shared.db import tracking as repository
from shared.db.transactions import ConditionFailed
from shared.domain import activities, hit_classifier, notifications, tracking, validation
from shared.domain.ids import new_id

if TYPE_CHECKING:
    from shared.domain.entities import Email

# The standard library's logger, not Powertools': importing Powertools costs a tenth of the
# cold start this function is allowed. Lambda writes these records as JSON (LogFormat: JSON).
logger = logging.getLogger(__name__)


class NotTracked(Exception):
    """The token is forged or edited, or names nothing we sent: answer 404, redirect nowhere."""


def _seconds_since(sent_at: str | None, now: float) -> float | None:
    if not sent_at:
        return None
    return now - datetime.fromisoformat(sent_at.replace("Z", "+00:00")).timestamp()


def hit(kind: str, token: str, method: str, user_agent: str | None, ip: str | None) -> str | None:
    """Record an open (kind "o") or a click ("c"); for a click, the URL to redirect to."""
    try:
        claims = tracking.verify(tracking_keyring(), kind, token)
    except tracking.InvalidToken:
        raise NotTracked() from None
    email = repository.get_email(claims.tenant, claims.email_id)
    if email is None or email["status"] != "sent":
        raise NotTracked()
    url = None
    if kind == tracking.KIND_CLICK:
        links = email["links"] or []
        link_index = cast(int, claims.link_index)  # a click token's is an int (tracking.verify)
        if link_index >= len(links) or not tracking.is_safe_redirect(links[link_index]):
            raise NotTracked()
        url = links[link_index]
        if email["identify_clicks"]:
            url = tracking.with_click_parameter(url, token)
    now = time.time()
    verdict = hit_classifier.classify(
        kind, method, user_agent, ip, _seconds_since(email["sent_at"], now),
        [(int(link), at) for link, at in email["click_times"].items()], link_index=claims.link_index, now=now,
    )
    _count_hit(kind, verdict.machine)
    try:
        _record(claims.tenant, email, kind, claims.link_index, verdict, url, now)
    except Exception:  # the person still gets the image or the page; the hit is lost
        logger.exception("tracking hit not recorded", extra={"email_id": email["email_id"]})
    return url


def unsubscribe(token: str, confirmed: bool) -> None:
    """/t/u/{token}: check the token (NotTracked: forged, or its contact is gone); with
    `confirmed` (the one-click POST) opt the contact out of marketing mail. The contact store is
    imported on this path only, so opens and clicks keep their cold start."""
    try:
        claims = tracking.verify(tracking_keyring(), tracking.KIND_UNSUBSCRIBE, token)
    except tracking.InvalidToken:
        raise NotTracked() from None
    if not confirmed:
        return
    from shared.services import contacts

    if not contacts.unsubscribe(claims.tenant, claims.email_id):  # the token's `email_id` is the contact's id
        raise NotTracked()


def _count_hit(kind: str, machine: bool) -> None:
    """The TrackingHits metric (by kind and by person or machine): the EMF record Powertools'
    single_metric prints, written here by hand, as this function does without Powertools. A
    print reaches the log as a plain line even under Lambda's JSON log format
    (https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html), where CloudWatch Logs
    reads it as EMF (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)."""
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() in ("1", "true"):
        return
    dimensions = {"service": os.environ.get("POWERTOOLS_SERVICE_NAME", "crm"),
                  "kind": "click" if kind == tracking.KIND_CLICK else "open",
                  "visitor": "machine" if machine else "human"}
    metric = {"Namespace": os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Crm"), "Dimensions": [list(dimensions)],
              "Metrics": [{"Name": "TrackingHits", "Unit": "Count"}]}
    print(json.dumps({"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [metric]},
                      **dimensions, "TrackingHits": 1}, separators=(",", ":")))


def _record(
    tenant: str, email: Email, kind: str, link_index: int | None, verdict: hit_classifier.Hit, url: str | None,
    now: float,
) -> None:
    """Write the hit; when it lost the race to be first, write it again as a later one."""
    machine = verdict.machine
    if kind == tracking.KIND_CLICK:
        counter = "machine_click_count" if machine else "click_count"
        first = None if machine or email["clicked_at"] else "clicked_at"
        plans = [("email_clicked", first)] + ([("email_clicked", None)] if first else [])
        click = (cast(int, link_index), now)  # a click's link
    else:
        counter = "machine_open_count" if machine else "open_count"
        first = "machine_opened_at" if machine else "opened_at"
        opened = email["machine_opened_at"] if machine else email["opened_at"]
        plans = ([] if opened else [("email_opened", first)]) + [("email_reopened", None)]
        click = None
    at = validation.now()
    fast = not machine  # a person's hit goes onto the contact in the same transaction when it can
    plan = 0
    while plan < len(plans):
        activity_type, first_field = plans[plan]
        entry = activities.email_tracked(new_id(), activity_type, at, email, machine, verdict.reason, url)
        # a person's first open or click: counted on the template, notified to the sender
        personal_first = first_field in ("opened_at", "clicked_at")
        template_counter = {"opened_at": "opened", "clicked_at": "clicked"}.get(cast(str, first_field)) \
            if personal_first and email["template_id"] else None
        notification = None
        if personal_first and (email["notify_on_open"] if first_field == "opened_at" else email["notify_on_click"]):
            notification = notifications.new(email, activity_type, at)
        try:
            repository.record(tenant, email, entry, counter, first_field, click, customer_action=fast,
                              template_counter=template_counter, notification=notification)
        except ConditionFailed as failure:
            if fast and {"contact", "email_key"} & set(failure.labels):
                fast = False  # the contact needs a read first (or is gone): record the hit without it
            elif "contact" in failure.labels:
                return  # the contact was deleted: there is no timeline to write to
            else:
                plan += 1  # another hit was first meanwhile
            continue
        if notification is not None:
            _queue_notification_mail(tenant, email["sender_id"], notification["id"])
        if not machine and not fast:
            _record_action_read_first(tenant, email["contact_id"], activity_type, at)
        return


def _queue_notification_mail(tenant: str, user_id: str, notification_id: str) -> None:
    """The bulk worker mails the notification to the sender (the hit answers without waiting on SES)."""
    from shared.aws import client
    from shared.config import CONFIG

    message = {"kind": "notification", "tenant": tenant, "user_id": user_id, "notification_id": notification_id}
    client("sqs").send_message(QueueUrl=CONFIG.bulk_queue_url, MessageBody=json.dumps(message))


def _record_action_read_first(tenant: str, contact_id: str, activity_type: str, at: str) -> None:
    """The rare path: the contact changed its email, or is older than its score counts. Imported
    here so that the tracking Lambda's cold start does not pay for the contact store."""
    from shared.domain.customer_actions import Action
    from shared.services import customer_actions

    customer_actions.record(tenant, {contact_id: [Action(activity_type, at)]})
