"""The local SES (infra/local/ses.py): a sent message carries the Message-ID SES would give it,
in moto's own record of it and in GET /_local/outbox, as
https://docs.aws.amazon.com/ses/latest/dg/header-fields.html says SES does."""

from __future__ import annotations

import time
from email import message_from_string, policy

import pytest

from conftest import create
from infra.local.ses import as_sent_by_ses, ses_message_id
from mail_support import outbox_listening, sent, the_message  # noqa: F401 - outbox_listening is an autouse fixture


@pytest.mark.parametrize("region, domain", [("us-east-1", "email.amazonses.com"),
                                            ("ap-northeast-1", "ap-northeast-1.amazonses.com")])
def test_the_ses_message_id_is_on_the_regions_amazonses_domain(region, domain):
    assert ses_message_id("0106-abc", region) == f"<0106-abc@{domain}>"


def test_only_the_message_id_header_is_replaced():
    raw = (b"From: a@example.jp\r\nMessage-Id:\r\n <ours@example.jp>\r\nSubject: s\r\n\r\n"
           b"Message-ID: <in-the-body@example.jp>\r\n")
    assert as_sent_by_ses(raw, "0106-abc", "ap-northeast-1") == (
        b"From: a@example.jp\r\nMessage-ID: <0106-abc@ap-northeast-1.amazonses.com>\r\nSubject: s\r\n\r\n"
        b"Message-ID: <in-the-body@example.jp>\r\n")


def test_a_message_without_message_id_gets_one():
    assert as_sent_by_ses(b"From: a@example.jp\n\nbody", "x", "us-east-1") == \
        b"Message-ID: <x@email.amazonses.com>\nFrom: a@example.jp\n\nbody"


def test_moto_and_the_outbox_hold_the_message_with_the_id_ses_gives_it(api):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    contact = create(api, family_name="山田", email="taro@example.jp")
    email = sent(api, contact["id"])
    expected = f"<{email['provider_message_id']}@ap-northeast-1.amazonses.com>"

    [stored] = [message for message in ses_backends[DEFAULT_ACCOUNT_ID]["ap-northeast-1"].sent_messages
                if message.id == email["provider_message_id"]]
    assert message_from_string(stored.raw_data, policy=policy.default)["Message-ID"] == expected
    assert the_message(email["id"])[1]["Message-ID"] == expected
    assert email["message_id"] == f"<{email['id']}@example.jp>"  # ours, as the contract answers it


def test_moto_refuses_sends_beyond_the_accounts_max_send_rate(api, monkeypatch):
    """A burst faster than the rate (here one every 2 s, so that slow requests cannot outrun it):
    the first goes out, the rest is refused as SES refuses it; once the rate allows, the account
    may send again."""
    import boto3
    from botocore.config import Config

    monkeypatch.setenv("SES_MAX_SEND_RATE", "0.5")
    time.sleep(2)  # whatever other tests sent has been forgotten
    ses = boto3.client("sesv2", config=Config(retries={"max_attempts": 1}))
    message = {"FromEmailAddress": "rep@example.jp", "Destination": {"ToAddresses": ["taro@example.jp"]},
               "Content": {"Raw": {"Data": b"From: rep@example.jp\r\nTo: taro@example.jp\r\n"
                                           b"Subject: s\r\n\r\nbody\r\n"}}}

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    stored = ses_backends[DEFAULT_ACCOUNT_ID]["ap-northeast-1"].sent_messages
    before = len(stored)
    outcomes = []
    for _ in range(3):
        try:
            outcomes.append(ses.send_email(**message)["MessageId"])
        except ses.exceptions.TooManyRequestsException as error:
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 429
            outcomes.append(error.response["Error"]["Message"])

    assert outcomes[1:] == ["Maximum sending rate exceeded."] * 2 and outcomes[0] != outcomes[1]
    assert [message.id for message in stored[before:]] == outcomes[:1]  # a refused send is not sent
    time.sleep(2)
    assert ses.send_email(**message)["MessageId"]
