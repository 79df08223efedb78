"""GET/HEAD /t/o/{token} and /t/c/{token} through the tracking handler, with the tokens of a
message that really went out (read from the local outbox): the pixel, the redirect, the
timeline entries and counters, the machine-hit verdicts, forged tokens, and the handler's
lean imports and DynamoDB budget."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import create
from mail_support import (  # noqa: F401 - outbox_listening is an autouse fixture
    APPLE_IP,
    BROWSER,
    HTML,
    PERSON_IP,
    hit,
    outbox_listening,
    seconds_ago,
    sent,
    set_email_attribute,
    table,
    the_message,
    timeline,
    tokens,
)

ROOT = Path(__file__).resolve().parents[1]
GMAIL_PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
LINKS = ("https://example.com/a?x=1&y=2", "https://example.com/b", "https://example.org/c#top")


def email_of(api, email_id: str) -> dict[str, Any]:
    reply = api.get(f"/v1/emails/{email_id}")
    assert reply.status == 200, reply.body
    return reply.body


def tracked(api, contact_id: str) -> list[tuple[str, bool]]:
    """(type, machine) of the contact's tracking entries, oldest first."""
    return [(entry["type"], entry["data"]["machine"]) for entry in timeline(api, contact_id)
            if entry["type"].startswith(("email_opened", "email_reopened", "email_clicked"))]


def assert_not_found(result: dict) -> None:
    assert result["statusCode"] == 404, result
    assert "Location" not in result["headers"] and "location" not in result["headers"]


@pytest.fixture
def contact(api):
    return create(api, family_name="山田", email="taro@example.jp")


@pytest.fixture
def email(api, contact):
    """A sent email with an open pixel and three tracked links."""
    return sent(api, contact["id"], body_html=HTML)


@pytest.fixture
def aged(api, email):
    """The same email, as if sent five minutes ago (a person's click is never that fast)."""
    set_email_attribute(api, email["id"], "sent_at", seconds_ago(300))
    return email


# --- opens -------------------------------------------------------------------------------------


def test_an_open_answers_the_pixel_and_is_recorded(api, contact, email):
    open_token, _ = tokens(email["id"])

    first = hit("o", open_token)

    assert first["statusCode"] == 200
    assert first["headers"]["Content-Type"] == "image/gif"
    assert "no-store" in first["headers"]["Cache-Control"]
    assert first["isBase64Encoded"] is True
    pixel = base64.b64decode(first["body"])
    assert len(pixel) == 43 and pixel.startswith(b"GIF89a") and pixel.endswith(b"\x3b")
    assert hit("o", open_token)["statusCode"] == 200
    assert tracked(api, contact["id"]) == [("email_opened", False), ("email_reopened", False)]
    after = email_of(api, email["id"])
    assert after["open_count"] == 2 and after["machine_open_count"] == 0 and after["opened_at"]


def test_an_apple_privacy_prefetch_is_a_machine_open_and_a_person_still_opens_first(api, contact, email):
    open_token, _ = tokens(email["id"])

    assert hit("o", open_token, user_agent="Mozilla/5.0", ip=APPLE_IP)["statusCode"] == 200
    [prefetch] = timeline(api, contact["id"], "email_opened")
    assert prefetch["data"]["machine"] is True and prefetch["data"]["machine_reason"] == "apple_mpp"
    counts = email_of(api, email["id"])
    assert (counts["open_count"], counts["machine_open_count"], counts["opened_at"]) == (0, 1, None)

    hit("o", open_token)

    assert tracked(api, contact["id"]) == [("email_opened", True), ("email_opened", False)]
    counts = email_of(api, email["id"])
    assert (counts["open_count"], counts["machine_open_count"]) == (1, 1) and counts["opened_at"]


def test_an_open_through_gmails_image_proxy_is_a_person(api, contact, email):
    open_token, _ = tokens(email["id"])
    hit("o", open_token, user_agent=GMAIL_PROXY, ip="66.102.8.1")
    assert tracked(api, contact["id"]) == [("email_opened", False)]
    assert email_of(api, email["id"])["open_count"] == 1


@pytest.mark.parametrize("user_agent, method", [(BROWSER, "HEAD"), (None, "GET"), ("curl/8.4.0", "GET"),
                                                ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "GET")])
def test_machine_opens_are_counted_apart(api, contact, email, user_agent, method):
    open_token, _ = tokens(email["id"])
    assert hit("o", open_token, user_agent=user_agent, method=method)["statusCode"] == 200
    assert tracked(api, contact["id"]) == [("email_opened", True)]
    counts = email_of(api, email["id"])
    assert (counts["open_count"], counts["machine_open_count"]) == (0, 1)


def test_a_gateways_desktop_lookalike_fetch_at_delivery_is_a_machine_and_the_person_still_opens_first(
        api, contact, email):
    """Safe Links fetching at delivery with Chrome 97 (github.com/edalzell/laravel-passwordless-login/issues/79),
    Gmail's delivery-time fetch (github.com/mautic/mautic/pull/10245), then the person's own open."""
    open_token, _ = tokens(email["id"])
    stale = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/97.0.4692.99 Safari/537.36")
    gmail = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/42.0.2311.135 Safari/537.36 Edge/12.246 Mozilla/5.0")
    hit("o", open_token, user_agent=stale, ip="20.72.100.79")
    hit("o", open_token, user_agent=gmail, ip="108.177.2.32")
    hit("o", open_token, user_agent=BROWSER, ip="40.107.218.12")  # from Exchange Online Protection

    reasons = [entry["data"]["machine_reason"] for entry in timeline(api, contact["id"])
               if entry["type"] in ("email_opened", "email_reopened")]
    assert sorted(reasons) == ["link_scanner", "mail_prefetch", "prefetch"]
    counts = email_of(api, email["id"])
    assert (counts["open_count"], counts["machine_open_count"], counts["opened_at"]) == (0, 3, None)

    hit("o", open_token)  # the person, right after delivery, with a current browser

    assert tracked(api, contact["id"])[-1] == ("email_opened", False)
    assert email_of(api, email["id"])["open_count"] == 1


# --- clicks ------------------------------------------------------------------------------------


def test_a_click_redirects_to_the_original_url_and_is_recorded(api, contact, aged):
    _, click_tokens = tokens(aged["id"])
    assert len(click_tokens) == 3

    result = hit("c", click_tokens[0])

    assert result["statusCode"] == 302
    assert result["headers"]["Location"] == LINKS[0]  # &amp; decoded
    assert "no-store" in result["headers"]["Cache-Control"]
    [click] = timeline(api, contact["id"], "email_clicked")
    assert click["data"]["url"] == LINKS[0] and click["data"]["machine"] is False
    assert click["data"]["email_id"] == aged["id"]
    counts = email_of(api, aged["id"])
    assert (counts["click_count"], counts["machine_click_count"]) == (1, 0) and counts["clicked_at"]


def test_each_link_redirects_to_its_own_url(aged):
    _, click_tokens = tokens(aged["id"])
    assert [hit("c", token)["headers"]["Location"] for token in click_tokens] == list(LINKS)


def test_a_click_right_after_sending_is_a_machine(api, contact, email):
    _, click_tokens = tokens(email["id"])

    result = hit("c", click_tokens[1])

    assert result["statusCode"] == 302 and result["headers"]["Location"] == LINKS[1]  # still redirected
    [click] = timeline(api, contact["id"], "email_clicked")
    assert click["data"]["machine"] is True and click["data"]["machine_reason"] == "too_fast"
    counts = email_of(api, email["id"])
    assert (counts["click_count"], counts["machine_click_count"], counts["clicked_at"]) == (0, 1, None)


def test_a_head_request_on_a_link_is_a_machine(api, contact, aged):
    _, click_tokens = tokens(aged["id"])
    assert hit("c", click_tokens[0], method="HEAD")["statusCode"] == 302
    [click] = timeline(api, contact["id"], "email_clicked")
    assert click["data"]["machine"] is True and click["data"]["machine_reason"] == "head_request"


def test_every_link_clicked_at_once_is_a_machine(api, contact, aged):
    _, click_tokens = tokens(aged["id"])
    for token in click_tokens:
        assert hit("c", token)["statusCode"] == 302
    clicks = timeline(api, contact["id"], "email_clicked")
    assert sorted((entry["data"]["url"], entry["data"]["machine"]) for entry in clicks) == sorted(
        [(LINKS[0], False), (LINKS[1], False), (LINKS[2], True)])
    assert [entry["data"].get("machine_reason") for entry in clicks if entry["data"]["machine"]] == ["burst"]


# --- forged and stale tokens -------------------------------------------------------------------


def edits(token: str) -> list[str]:
    """One-character edits: a changed first, middle and last character, one dropped, one added."""
    def changed(position: int) -> str:
        replacement = "A" if token[position] != "A" else "B"
        return token[:position] + replacement + token[position + 1:]

    middle = len(token) // 2
    return [changed(0), changed(middle), changed(len(token) - 1), token[:-1], token[:middle] + token[middle + 1:],
            token + "A"]


def test_an_edited_click_token_is_404_and_redirects_nowhere(api, contact, aged):
    _, click_tokens = tokens(aged["id"])
    for forged in edits(click_tokens[0]):
        assert forged != click_tokens[0]
        assert_not_found(hit("c", forged))
    assert tracked(api, contact["id"]) == []
    assert hit("c", click_tokens[0])["statusCode"] == 302  # the real one still works


def test_an_open_token_is_not_a_click_token_nor_the_reverse(api, contact, aged):
    open_token, click_tokens = tokens(aged["id"])
    assert_not_found(hit("c", open_token))
    assert_not_found(hit("o", click_tokens[0]))
    assert tracked(api, contact["id"]) == []


@pytest.mark.parametrize("token", ["garbage", "A" * 5000, "AAAA", "not.a.token", "%00"])
def test_garbage_tokens_are_404(token):
    assert_not_found(hit("o", token))
    assert_not_found(hit("c", token))


@pytest.mark.parametrize("kind", ["o", "c"])
def test_an_empty_token_is_404(moto_endpoint, kind):
    # No route matches /t/o/ itself; the handler must still refuse an event without a token.
    from infra.local.apigw import build_http_api_event
    from infra.local.server import invoke_function

    event = build_http_api_event("GET", f"/t/{kind}/", f"GET /t/{kind}/{{token}}", {"token": ""},
                                 headers={"user-agent": BROWSER})
    assert_not_found(invoke_function("TrackingFunction", event))


@pytest.mark.parametrize("kind", ["o", "c"])
def test_a_valid_signature_for_an_email_that_does_not_exist_is_404(api, kind):
    from shared.config import tracking_keyring
    from shared.domain import tracking

    link = 0 if kind == "c" else None
    token = tracking.sign(tracking_keyring(), kind, api.tenant, "01JNOSUCHEMAIL00000000000Z", link)
    assert_not_found(hit(kind, token))


def test_the_tokens_of_a_deleted_email_are_404(api, contact, aged):
    open_token, click_tokens = tokens(aged["id"])
    table().delete_item(Key={"pk": f"TENANT#{api.tenant}#MAIL#{aged['id']}", "sk": "MAIL"})
    assert_not_found(hit("o", open_token))
    assert_not_found(hit("c", click_tokens[0]))
    assert tracked(api, contact["id"]) == []


def test_unsafe_links_get_no_click_token(api, contact):
    """A javascript: link is dropped; a link with credentials cannot be redirected to
    (is_safe_redirect refuses it), so it must stay as written rather than become a tracking
    link that answers 404 to the person who clicks it."""
    html = ('<a href="https://user:secret@example.com/private">creds</a> <a href="https://example.com/a b">space</a> '
            '<a href="javascript:alert(1)">js</a> <a href="https://example.com/ok">ok</a>')
    email = sent(api, contact["id"], body_html=html)
    set_email_attribute(api, email["id"], "sent_at", seconds_ago(300))

    _, click_tokens = tokens(email["id"])
    out = the_message(email["id"])[1].get_body(("html",)).get_content()

    assert "javascript:" not in out and "data-href-removed" in out
    assert hit("c", click_tokens[-1])["headers"]["Location"] == "https://example.com/ok"
    dead = [token for token in click_tokens if hit("c", token)["statusCode"] == 404]
    assert dead == [], f"{len(dead)} link(s) of the sent email were rewritten to a tracking link that answers 404"
    assert len(click_tokens) == 1
    assert 'href="https://user:secret@example.com/private"' in out  # left as written, not tracked
    assert 'href="https://example.com/a b"' in out


# --- the handler itself ------------------------------------------------------------------------


def test_the_tracking_handler_does_not_import_the_mime_composer_or_the_router(moto_endpoint):
    # `email` itself is always there: botocore imports http.client, which imports email.parser.
    # What must not come is the composer (shared.domain.mail and the email modules only it uses).
    heavy = ["shared.domain.mail", "shared.http", "shared.db.emails", "shared.domain.outbound",
             "email.policy", "email.headerregistry", "email.contentmanager"]
    script = f"import functions.tracking.app, sys, json; print(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=dict(os.environ), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_a_hit_costs_at_most_two_dynamodb_requests(api, contact, aged):
    """Counted as bench/counting.py does: a botocore hook on the one DynamoDB client in use. The
    person's hits are on the contact within those two requests."""
    from shared.db.models import table_connection

    client = table_connection().connection.client
    calls: list[str] = []

    def count(model, **_):
        calls.append(model.name)

    open_token, click_tokens = tokens(aged["id"])
    client.meta.events.register("after-call.dynamodb", count)
    try:
        for kind, token in (("o", open_token), ("o", open_token), ("c", click_tokens[0])):
            calls.clear()
            assert hit(kind, token)["statusCode"] in (200, 302)
            assert 1 <= len(calls) <= 2, (kind, calls)
    finally:
        client.meta.events.unregister("after-call.dynamodb", count)
    assert contact_fields(api, contact["id"])["last_customer_action_type"] == "email_clicked"


# --- a person's hit is the contact's action ------------------------------------------------------


def contact_fields(api, contact_id: str) -> dict[str, Any]:
    reply = api.get(f"/v1/contacts/{contact_id}")
    assert reply.status == 200, reply.body
    return reply.body


def looked_up(api, email: str) -> dict[str, Any]:
    """The contact as a lookup by email answers it (from the copy on its email key)."""
    reply = api.post("/v1/contacts/lookup", {"field": "email", "values": [email]})
    assert reply.status == 200, reply.body
    [found] = reply.body["found"]
    return found


ACTION_FIELDS = ("last_customer_action_at", "last_customer_action_type", "score", "engagement", "updated_at")


def test_a_persons_open_and_click_are_the_contacts_latest_actions_and_score(api, contact, aged):
    open_token, click_tokens = tokens(aged["id"])

    hit("o", open_token)
    opened = contact_fields(api, contact["id"])
    assert opened["last_customer_action_type"] == "email_opened" and opened["last_customer_action_at"]
    assert opened["score"] == 1  # the default weight of email_opened
    hit("c", click_tokens[1])

    clicked = contact_fields(api, contact["id"])
    assert clicked["last_customer_action_type"] == "email_clicked"
    assert clicked["last_customer_action_at"] >= opened["last_customer_action_at"]
    assert clicked["score"] == 1 + 3
    assert {name: looked_up(api, "taro@example.jp")[name] for name in ACTION_FIELDS} == \
        {name: clicked[name] for name in ACTION_FIELDS}
    listed = api.get("/v1/contacts", query={"sort": "last_customer_action_at"}).body["items"]
    assert listed[0]["id"] == contact["id"]


def test_a_machine_hit_is_not_the_contacts_action(api, contact, email):
    open_token, click_tokens = tokens(email["id"])
    before = contact_fields(api, contact["id"])
    hit("o", open_token, user_agent="Mozilla/5.0", ip=APPLE_IP)
    hit("c", click_tokens[0])  # within seconds of sending

    after = contact_fields(api, contact["id"])
    assert after == before and after["last_customer_action_at"] is None and after["score"] == 0


def test_a_contact_whose_email_changed_since_the_send_still_gets_the_action(api, contact, aged):
    open_token, _ = tokens(aged["id"])
    assert api.patch(f"/v1/contacts/{contact['id']}", {"email": "Taro.New@example.jp"}).status == 200

    assert hit("o", open_token)["statusCode"] == 200

    after = contact_fields(api, contact["id"])
    assert (after["last_customer_action_type"], after["score"]) == ("email_opened", 1)
    assert looked_up(api, "taro.new@example.jp")["last_customer_action_type"] == "email_opened"
    assert api.post("/v1/contacts/lookup", {"field": "email", "values": ["taro@example.jp"]}).body["found"] == []
    assert tracked(api, contact["id"]) == [("email_opened", False)]


def test_a_hit_on_the_email_of_a_deleted_contact_writes_nothing(api, contact, aged):
    open_token, click_tokens = tokens(aged["id"])
    assert api.delete(f"/v1/contacts/{contact['id']}").status == 204

    assert hit("o", open_token)["statusCode"] == 200
    assert hit("c", click_tokens[0])["statusCode"] == 302

    leftovers = table().query(KeyConditionExpression="pk = :pk",
                              ExpressionAttributeValues={":pk": f"TENANT#{api.tenant}#CONTACT#{contact['id']}"})
    assert leftovers["Items"] == []
