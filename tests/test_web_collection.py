"""Web collection through the handlers: site keys (/v1/site-keys), the snippet (GET /collect.js)
and its hits (POST /collect): origins, bots, the flood cap, anonymous page views joining the
contact once the visitor is identified (a form, a tracked email click), sessions and the
contact's system fields."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conftest import Api, assert_error, create
from mail_support import outbox_listening, sent, table  # noqa: F401

SITE = "https://www.example.jp"
BROWSER = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/131.0.0.0 Safari/537.36")


def post_collect(body: Any, origin: str | None = SITE, user_agent: str | None = BROWSER,
                 raw: str | None = None, source_ip: str = "127.0.0.1") -> dict[str, Any]:
    from infra.local.server import call_handler

    headers = {"content-type": "text/plain;charset=UTF-8"}
    if origin is not None:
        headers["origin"] = origin
    if user_agent is not None:
        headers["user-agent"] = user_agent
    return call_handler("POST", "/collect", None, raw if raw is not None else json.dumps(body, ensure_ascii=False),
                        headers=headers, source_ip=source_ip)


def error_of(result: dict[str, Any]) -> dict[str, Any]:
    return json.loads(result["body"])["error"]


@pytest.fixture
def site_key(api) -> str:
    reply = api.post("/v1/site-keys", {"name": "corporate site", "allowed_origins": [SITE, "https://*.example.jp"]})
    assert reply.status == 201, reply.body
    return reply.body["site_key"]


def new_visitor() -> str:
    return uuid.uuid4().hex[:22]


def page_view(site_key: str, visitor: str, path: str = "/", **extra: Any) -> dict[str, Any]:
    return {"site_key": site_key, "visitor_id": visitor, "type": "page_view", "url": f"{SITE}{path}",
            "title": f"title of {path}", "referrer": None, **extra}


def form(site_key: str, visitor: str, email: str) -> dict[str, Any]:
    return {"site_key": site_key, "visitor_id": visitor, "type": "form_submitted", "url": f"{SITE}/contact",
            "title": "お問い合わせ", "email": email, "form": "inquiry"}


def accepted(body: dict[str, Any], **kw: Any) -> None:
    result = post_collect(body, **kw)
    assert result["statusCode"] == 204, result
    assert result["headers"]["Access-Control-Allow-Origin"] == kw.get("origin", SITE)


def timeline(api: Api, contact_id: str) -> list[dict[str, Any]]:
    reply = api.get(f"/v1/contacts/{contact_id}/timeline")
    assert reply.status == 200, reply.body
    return reply.body["items"]


def contact_by_email(api: Api, email: str) -> dict[str, Any] | None:
    found = api.post("/v1/contacts/lookup", {"field": "email", "values": [email]}).body["found"]
    return found[0] if found else None


def visitor_item(api: Api, visitor: str) -> dict[str, Any] | None:
    return table().get_item(Key={"pk": f"TENANT#{api.tenant}#VISITOR#{visitor}", "sk": "VISITOR"},
                            ConsistentRead=True).get("Item")


def minutes_ago(minutes: float) -> str:
    moment = datetime.now(UTC) - timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def set_visitor(api: Api, visitor: str, **values: Any) -> None:
    names = {f"#n{i}": name for i, name in enumerate(values)}
    table().update_item(
        Key={"pk": f"TENANT#{api.tenant}#VISITOR#{visitor}", "sk": "VISITOR"},
        UpdateExpression="SET " + ", ".join(f"#n{i} = :v{i}" for i in range(len(values))),
        ExpressionAttributeNames=names, ExpressionAttributeValues={f":v{i}": v for i, v in enumerate(values.values())},
    )


# --- site keys --------------------------------------------------------------------------------


def test_a_site_key_is_created_listed_changed_and_deleted(api, site_key):
    [listed] = api.get("/v1/site-keys").body["items"]
    assert listed["site_key"] == site_key and listed["name"] == "corporate site"
    assert listed["allowed_origins"] == [SITE, "https://*.example.jp"]
    # the tag to paste: collect.js from the API's own host (API_BASE_URL), with the key
    assert listed["snippet"] == \
        f'<script async src="https://api.example.test/collect.js" data-site-key="{site_key}"></script>'

    changed = api.patch(f"/v1/site-keys/{site_key}", {"allowed_origins": ["https://LP.Example.com:443/"]})

    assert changed.status == 200, changed.body
    assert changed.body["allowed_origins"] == ["https://lp.example.com"] and changed.body["name"] == "corporate site"
    landing = {"url": "https://lp.example.com/"}
    assert post_collect(page_view(site_key, new_visitor(), **landing),
                        origin="https://lp.example.com")["statusCode"] == 204
    assert post_collect(page_view(site_key, new_visitor()))["statusCode"] == 403
    assert api.delete(f"/v1/site-keys/{site_key}").status == 204
    assert api.get("/v1/site-keys").body["items"] == []
    assert post_collect(page_view(site_key, new_visitor(), **landing),
                        origin="https://lp.example.com")["statusCode"] == 401
    assert_error(api.delete(f"/v1/site-keys/{site_key}"), 404)


@pytest.mark.parametrize("role", ["manager", "user"])
def test_only_owners_and_admins_manage_site_keys(api, site_key, role):
    other = api.as_(role)
    assert_error(other.post("/v1/site-keys", {"name": "x", "allowed_origins": [SITE]}), 403)
    assert_error(other.get("/v1/site-keys"), 403)
    assert_error(other.patch(f"/v1/site-keys/{site_key}", {"name": "y"}), 403)
    assert_error(other.delete(f"/v1/site-keys/{site_key}"), 403)
    assert api.as_("admin").get("/v1/site-keys").status == 200


@pytest.mark.parametrize("body, field", [
    ({"name": "x", "allowed_origins": [SITE, "https://www.example.jp/path"]}, "allowed_origins[1]"),
    ({"name": "x", "allowed_origins": ["ftp://files.example.jp"]}, "allowed_origins[0]"),
    ({"name": "x", "allowed_origins": ["https://user:pw@www.example.jp"]}, "allowed_origins[0]"),
    ({"name": "x", "allowed_origins": []}, "allowed_origins"),
    ({"name": "x", "allowed_origins": "https://www.example.jp"}, "allowed_origins"),
    ({"allowed_origins": [SITE]}, "name"),
    ({"name": "x", "allowed_origins": [SITE], "site_key": "site_mine"}, "site_key"),
    ({"name": "x", "allowed_origins": ["https://*.com"]}, "allowed_origins[0]"),
    ({"name": "x", "allowed_origins": [SITE, "https://*.co.jp"]}, "allowed_origins[1]"),
    ({"name": "x", "allowed_origins": ["https://*.jp"]}, "allowed_origins[0]"),
    ({"name": "x", "allowed_origins": ["https://*.github.io"]}, "allowed_origins[0]"),
])
def test_a_bad_site_key_is_a_422_naming_the_field(api, body, field):
    assert_error(api.post("/v1/site-keys", body), 422, field)
    assert api.get("/v1/site-keys").body["items"] == []


def test_a_wildcard_over_a_public_suffix_cannot_be_patched_in(api, site_key):
    assert_error(api.patch(f"/v1/site-keys/{site_key}", {"allowed_origins": ["https://*.co.jp"]}), 422,
                 "allowed_origins[0]")
    reply = api.patch(f"/v1/site-keys/{site_key}", {"allowed_origins": ["https://*.example.co.jp"]})
    assert reply.status == 200 and reply.body["allowed_origins"] == ["https://*.example.co.jp"]


def test_another_tenants_site_key_cannot_be_seen_or_changed(api, site_key):
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    assert other.get("/v1/site-keys").body["items"] == []
    assert_error(other.patch(f"/v1/site-keys/{site_key}", {"name": "mine"}), 404)
    assert_error(other.delete(f"/v1/site-keys/{site_key}"), 404)
    assert api.get("/v1/site-keys").body["items"][0]["name"] == "corporate site"


# --- the snippet --------------------------------------------------------------------------------


def test_the_snippet_is_served_as_cacheable_javascript(moto_endpoint):
    from infra.local.server import call_handler

    result = call_handler("GET", "/collect.js", None)

    assert result["statusCode"] == 200
    assert result["headers"]["Content-Type"].startswith("application/javascript")
    assert "max-age" in result["headers"]["Cache-Control"]
    assert "data-site-key" in result["body"] and "/collect" in result["body"]


# --- what /collect refuses or ignores ----------------------------------------------------------


@pytest.mark.parametrize("key", ["site_01JAAAAAAAAAAAAAAAAAAAAAAA", "crm_x", None, 42])
def test_an_unknown_or_malformed_site_key_is_a_401(moto_endpoint, key):
    result = post_collect({"site_key": key, "visitor_id": new_visitor(), "type": "page_view", "url": f"{SITE}/"})
    assert result["statusCode"] == 401
    assert error_of(result)["message"]


@pytest.mark.parametrize("origin", ["https://evil.example", "http://www.example.jp", "https://example.jp",
                                    "https://www.example.jp.evil.example", "null", None])
def test_a_page_of_an_origin_the_key_does_not_allow_is_a_403_and_records_nothing(api, site_key, origin):
    visitor = new_visitor()
    result = post_collect(page_view(site_key, visitor), origin=origin)
    assert result["statusCode"] == 403
    assert "Access-Control-Allow-Origin" not in result["headers"]
    assert visitor_item(api, visitor) is None


@pytest.mark.parametrize("url", ["https://evil.example/", "http://www.example.jp/", "https://example.jp/",
                                 "https://www.example.jp.evil.example/", "https://user@www.example.jp/"])
def test_a_page_url_outside_the_keys_origins_is_a_403_and_records_nothing(api, site_key, url):
    visitor = new_visitor()
    result = post_collect(page_view(site_key, visitor, url=url))
    assert result["statusCode"] == 403, result
    assert visitor_item(api, visitor) is None


def test_a_subdomain_matches_a_wildcard_origin(api, site_key):
    accepted(page_view(site_key, new_visitor()), origin="https://lp.example.jp")


@pytest.mark.parametrize("user_agent", [None, "", "Googlebot/2.1 (+http://www.google.com/bot.html)",
                                        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
                                        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0",
                                        "python-requests/2.32.3", "curl/8.4.0"])
def test_bots_are_answered_but_not_recorded(api, site_key, user_agent):
    visitor = new_visitor()
    result = post_collect(page_view(site_key, visitor), user_agent=user_agent)
    assert result["statusCode"] == 204
    assert visitor_item(api, visitor) is None


@pytest.mark.parametrize("change, field", [
    ({"visitor_id": "short"}, "visitor_id"),
    ({"visitor_id": "a#b" * 8}, "visitor_id"),
    ({"type": "purchase"}, "type"),
    ({"url": "javascript:alert(1)"}, "url"),
    ({"url": None}, "url"),
    ({"title": "x" * 2049}, "title"),
    ({"title": ["a list"]}, "title"),
    ({"referrer": "not a url"}, "referrer"),
    ({"email": "taro@example.jp"}, "email"),
    ({"password": "secret"}, "password"),
])
def test_a_malformed_hit_is_a_422_naming_the_field(api, site_key, change, field):
    body = {**page_view(site_key, "v" * 22), **change}
    result = post_collect(body)
    assert result["statusCode"] == 422, result
    assert field in {detail["field"] for detail in error_of(result)["details"]}
    assert visitor_item(api, "v" * 22) is None


def test_long_titles_form_names_and_referrers_are_cut_not_refused(api, site_key):
    visitor = new_visitor()
    accepted(page_view(site_key, visitor, title="長" * 500, referrer="https://search.example/?q=" + "x" * 3000))
    accepted({**form(site_key, visitor, "long@example.jp"), "form": "f" * 500})

    entries = timeline(api, contact_by_email(api, "long@example.jp")["id"])
    assert entries[0]["data"]["form"] == "f" * 200
    assert entries[1]["data"]["title"] == "長" * 300 and entries[1]["data"]["referrer"] is None
    assert entries[1]["summary"] == "Page view: " + "長" * 300


def test_a_form_without_a_valid_email_is_a_422_and_creates_nothing(api, site_key):
    result = post_collect(form(site_key, new_visitor(), "not-an-email"))
    assert result["statusCode"] == 422
    assert api.get("/v1/contacts").body["items"] == []


def test_an_oversized_or_non_json_body_is_refused(api, site_key):
    big = page_view(site_key, new_visitor(), title="x" * 200)
    big["referrer"] = f"{SITE}/?q=" + "y" * 17_000
    assert post_collect(big)["statusCode"] == 413
    assert post_collect(None, raw="<html>")["statusCode"] == 400
    assert post_collect(None, raw="[1, 2]")["statusCode"] == 400


def test_a_visitor_over_the_flood_cap_gets_a_429_and_changes_nothing(api, site_key):
    visitor = new_visitor()
    accepted(page_view(site_key, visitor))
    for _ in range(3):  # the minute may turn between setting the window and the hit: try again
        minute = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")
        set_visitor(api, visitor, flood_minute=minute, flood_hits=60)
        before = visitor_item(api, visitor)
        result = post_collect(page_view(site_key, visitor, "/flood"))
        if datetime.now(UTC).strftime("%Y-%m-%dT%H:%M") == minute:
            break
    assert result["statusCode"] == 429, result
    assert 1 <= int(result["headers"]["Retry-After"]) <= 60
    assert visitor_item(api, visitor) == before


def a_client_address() -> str:
    number = uuid.uuid4().int
    return f"10.{number % 256}.{number // 256 % 256}.{number // 65536 % 250 + 1}"


def set_counter(window: str, scope: str, hits: int) -> None:
    table().put_item(Item={"pk": f"@RATE#{window}#{scope}", "sk": "RATE", "kind": "rate_counter", "hits": hits,
                           "expires_at_epoch": int(datetime.now(UTC).timestamp()) + 3600})


def hit_at_minute_cap(scope: str, hits: int, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """Post `body` with the counter of `scope` at `hits` this minute (again if the minute turned)."""
    for _ in range(3):
        minute = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")
        set_counter(minute, scope, hits)
        result = post_collect(body, **kw)
        if datetime.now(UTC).strftime("%Y-%m-%dT%H:%M") == minute:
            return result
    raise AssertionError("the minute kept turning")


def test_a_client_address_over_its_cap_gets_a_429_whatever_its_visitor_ids(api, site_key, caplog):
    from shared.domain.web import ADDRESS_HITS_PER_MINUTE

    address, visitor = a_client_address(), new_visitor()
    accepted(page_view(site_key, new_visitor()), source_ip=address)

    result = hit_at_minute_cap(f"IP#{address}", ADDRESS_HITS_PER_MINUTE, page_view(site_key, visitor),
                               source_ip=address)

    assert result["statusCode"] == 429, result
    assert 1 <= int(result["headers"]["Retry-After"]) <= 60
    assert visitor_item(api, visitor) is None
    assert "over a cap" in caplog.text
    accepted(page_view(site_key, visitor), source_ip=a_client_address())  # another address is not held up


def test_an_ipv6_client_is_counted_by_its_64_network(api, site_key):
    from shared.domain.web import ADDRESS_HITS_PER_MINUTE

    network = f"2001:db8:{uuid.uuid4().int % 65535:x}:1"
    result = hit_at_minute_cap(f"IP#{network}::/64", ADDRESS_HITS_PER_MINUTE, page_view(site_key, new_visitor()),
                               source_ip=f"{network}:a:b:c:d")
    assert result["statusCode"] == 429, result


def test_a_site_key_over_its_cap_gets_a_429_from_any_address(api, site_key):
    from shared.domain.web import SITE_KEY_HITS_PER_MINUTE

    visitor = new_visitor()
    result = hit_at_minute_cap(f"SITE#{site_key}", SITE_KEY_HITS_PER_MINUTE, page_view(site_key, visitor),
                               source_ip=a_client_address())

    assert result["statusCode"] == 429, result
    assert visitor_item(api, visitor) is None


def test_web_forms_create_at_most_their_daily_budget_of_contacts(api, site_key, caplog):
    from shared.domain.web import web_form_contacts_per_day

    assert api.put("/v1/settings", {"contact_limit": 5000}).status == 200
    budget = web_form_contacts_per_day(5000)
    assert budget == 50
    known = create(api, email="known@example.jp")
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    set_counter(today, f"WEBFORM#{api.tenant}", budget - 1)
    accepted(form(site_key, new_visitor(), "last-of-today@example.jp"))

    visitor = new_visitor()
    refused = post_collect(form(site_key, visitor, "one-too-many@example.jp"))

    assert refused["statusCode"] == 429, refused
    assert int(refused["headers"]["Retry-After"]) > 0
    assert "budget is spent" in caplog.text
    assert contact_by_email(api, "one-too-many@example.jp") is None and visitor_item(api, visitor) is None
    assert contact_by_email(api, "last-of-today@example.jp") is not None
    accepted(form(site_key, visitor, "known@example.jp"))  # a known contact is no new contact
    assert timeline(api, known["id"])[0]["type"] == "form_submitted"


# --- what a page's URL keeps ------------------------------------------------------------------


@pytest.mark.parametrize("url, kept", [
    ("https://www.example.jp/thanks?name=%E5%B1%B1%E7%94%B0&phone=09012345678&email=taro%40example.jp",
     "https://www.example.jp/thanks"),
    ("https://www.example.jp/lp?utm_source=news&name=taro&gclid=abc&fbclid=def&utm_campaign=winter#top",
     "https://www.example.jp/lp?utm_source=news&gclid=abc&fbclid=def&utm_campaign=winter#top"),
    ("https://www.example.jp/?UTM_SOURCE=x&q=secret", "https://www.example.jp/"),
    ("https://www.example.jp/a/b", "https://www.example.jp/a/b"),
])
def test_a_pages_url_keeps_only_campaign_and_click_id_parameters(url, kept):
    from shared.domain.web import without_form_values

    assert without_form_values(url) == kept


def test_a_thank_you_page_after_a_get_form_is_stored_without_the_forms_values(api, site_key):
    visitor = new_visitor()
    thanks = f"{SITE}/thanks?name=%E5%B1%B1%E7%94%B0&tel=09012345678&utm_medium=email"
    accepted(form(site_key, visitor, "get-form@example.jp"))
    accepted(page_view(site_key, visitor, url=thanks))
    accepted(page_view(site_key, visitor, "/next", referrer=thanks))

    entries = timeline(api, contact_by_email(api, "get-form@example.jp")["id"])
    assert entries[1]["data"]["url"] == f"{SITE}/thanks?utm_medium=email"
    assert entries[0]["data"]["referrer"] == f"{SITE}/thanks?utm_medium=email"
    assert "09012345678" not in json.dumps(entries)


# --- anonymous visitors, identification, sessions ---------------------------------------------


def test_anonymous_page_views_join_the_contact_a_form_creates(api, site_key):
    visitor = new_visitor()
    for path in ("/", "/pricing", "/case-studies"):
        accepted(page_view(site_key, visitor, path))
    assert api.get("/v1/contacts").body["items"] == []

    accepted(form(site_key, visitor, "Hanako@Example.jp"))

    contact = contact_by_email(api, "hanako@example.jp")
    assert contact is not None and contact["owner_id"] is None
    entries = timeline(api, contact["id"])
    assert [entry["type"] for entry in entries] == ["form_submitted", "page_view", "page_view", "page_view"]
    assert [entry["data"]["url"] for entry in entries[1:]] == [f"{SITE}/case-studies", f"{SITE}/pricing", f"{SITE}/"]
    assert all(entry["actor"] == {"kind": "contact", "id": contact["id"]} for entry in entries)
    assert entries[0]["data"]["form"] == "inquiry" and entries[0]["data"]["visitor_id"] == visitor
    assert contact["session_count"] == 1 and contact["last_seen_at"] == entries[0]["occurred_at"]
    assert contact["last_customer_action_type"] == "form_submitted"
    assert contact["score"] == 3 * 1 + 10  # default weights: page_view 1, form_submitted 10
    views_left = table().query(KeyConditionExpression="pk = :pk AND begins_with(sk, :view)",
                               ExpressionAttributeValues={":pk": f"TENANT#{api.tenant}#VISITOR#{visitor}",
                                                          ":view": "VIEW#"})["Items"]
    assert views_left == []


def test_an_identified_visitors_next_views_go_straight_to_the_contact(api, site_key):
    taro = create(api, family_name="山田", email="taro@example.jp")
    visitor = new_visitor()
    accepted(form(site_key, visitor, "TARO@example.jp"))

    accepted(page_view(site_key, visitor, "/after"))

    after = api.get(f"/v1/contacts/{taro['id']}").body
    entries = timeline(api, taro["id"])
    assert [entry["type"] for entry in entries][:2] == ["page_view", "form_submitted"]
    assert entries[0]["data"]["url"] == f"{SITE}/after"
    assert after["last_seen_at"] == entries[0]["occurred_at"] and after["session_count"] == 1
    assert after["last_customer_action_type"] == "page_view" and after["score"] == 10 + 1
    assert contact_by_email(api, "taro@example.jp")["last_seen_at"] == after["last_seen_at"]


def test_a_session_ends_after_thirty_minutes_without_a_hit(api, site_key):
    visitor = new_visitor()
    accepted(page_view(site_key, visitor))
    accepted(page_view(site_key, visitor, "/b"))  # same session
    set_visitor(api, visitor, last_hit_at=minutes_ago(31))
    accepted(page_view(site_key, visitor, "/c"))  # a second anonymous session
    accepted(form(site_key, visitor, "jiro@example.jp"))
    assert contact_by_email(api, "jiro@example.jp")["session_count"] == 2

    set_visitor(api, visitor, last_hit_at=minutes_ago(45))
    accepted(page_view(site_key, visitor, "/d"))  # a third, now identified
    set_visitor(api, visitor, last_hit_at=minutes_ago(29))
    accepted(page_view(site_key, visitor, "/e"))  # still the third

    assert contact_by_email(api, "jiro@example.jp")["session_count"] == 3


def test_only_the_newest_anonymous_views_are_kept(api, site_key):
    from shared.domain.web import ANONYMOUS_VIEWS_KEPT

    visitor = new_visitor()
    set_visitor_views = ANONYMOUS_VIEWS_KEPT + 3
    for number in range(set_visitor_views):
        set_visitor(api, visitor, flood_hits=0) if number else None
        accepted(page_view(site_key, visitor, f"/p{number}"))
    accepted(form(site_key, visitor, "many@example.jp"))

    contact = contact_by_email(api, "many@example.jp")
    urls = [entry["data"]["url"] for entry in timeline(api, contact["id"]) if entry["type"] == "page_view"]
    assert len(urls) == ANONYMOUS_VIEWS_KEPT
    assert urls[0] == f"{SITE}/p{set_visitor_views - 1}" and f"{SITE}/p2" not in urls


def test_a_form_with_another_email_moves_the_visitor_to_that_contact(api, site_key):
    visitor = new_visitor()
    accepted(form(site_key, visitor, "first@example.jp"))
    accepted(form(site_key, visitor, "second@example.jp"))
    accepted(page_view(site_key, visitor, "/later"))

    first, second = contact_by_email(api, "first@example.jp"), contact_by_email(api, "second@example.jp")
    assert [entry["type"] for entry in timeline(api, first["id"])] == ["form_submitted"]
    assert [entry["type"] for entry in timeline(api, second["id"])] == ["page_view", "form_submitted"]


def test_a_visitor_of_a_deleted_contact_is_anonymous_again(api, site_key):
    visitor = new_visitor()
    accepted(form(site_key, visitor, "gone@example.jp"))
    gone = contact_by_email(api, "gone@example.jp")
    assert api.delete(f"/v1/contacts/{gone['id']}").status == 204

    accepted(page_view(site_key, visitor, "/still-here"))

    assert table().query(KeyConditionExpression="pk = :pk",
                         ExpressionAttributeValues={":pk": f"TENANT#{api.tenant}#CONTACT#{gone['id']}"})["Items"] == []
    assert visitor_item(api, visitor).get("contact_id") is None
    accepted(form(site_key, visitor, "back@example.jp"))
    back = contact_by_email(api, "back@example.jp")
    assert [entry["data"]["url"] for entry in timeline(api, back["id"])][1:] == [f"{SITE}/still-here"]


def test_one_tenants_visitor_never_reaches_another_tenants_contacts(api, site_key):
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    other_key = other.post("/v1/site-keys", {"name": "x", "allowed_origins": [SITE]}).body["site_key"]
    theirs = create(other, family_name="他社", email="same@example.jp")
    visitor = new_visitor()

    accepted(form(site_key, visitor, "same@example.jp"))
    accepted(page_view(other_key, visitor, "/theirs"))

    ours = contact_by_email(api, "same@example.jp")
    assert ours["id"] != theirs["id"]
    assert [entry["type"] for entry in timeline(api, ours["id"])] == ["form_submitted"]
    assert timeline(other, theirs["id"]) == []
    assert other.get(f"/v1/contacts/{theirs['id']}").body["session_count"] == 0


# --- identification by a tracked email click ---------------------------------------------------


def clicked_through(api: Api, contact: dict[str, Any]) -> str:
    """Send an email with one tracked link, click it as a person (some minutes later) and answer
    where the redirect goes."""
    from infra.local.server import call_handler
    from mail_support import set_email_attribute
    from test_tracking_api import seconds_ago, tokens

    email = sent(api, contact["id"], body_html=f'<p><a href="{SITE}/campaign?utm_source=mail#top">見る</a></p>')
    set_email_attribute(api, email["id"], "sent_at", seconds_ago(300))
    _, [click_token] = tokens(email["id"])
    result = call_handler("GET", f"/t/c/{click_token}", None, headers={"user-agent": BROWSER},
                          source_ip="203.0.113.9")
    assert result["statusCode"] == 302, result
    return result["headers"]["Location"]


def test_a_click_lands_on_the_exact_link_unless_the_tenant_opts_in(api):
    taro = create(api, family_name="山田", email="taro@example.jp")
    assert clicked_through(api, taro) == f"{SITE}/campaign?utm_source=mail#top"


def test_with_the_setting_a_tracked_click_identifies_the_visitor(api, site_key):
    assert api.put("/v1/settings", {"identify_visitors_from_email_clicks": True}).status == 200
    taro = create(api, family_name="山田", email="taro@example.jp")
    visitor = new_visitor()
    accepted(page_view(site_key, visitor, "/before"))

    location = clicked_through(api, taro)

    assert location.startswith(f"{SITE}/campaign?utm_source=mail&_crm_click=") and location.endswith("#top")
    token = location.split("_crm_click=")[1].split("#")[0]
    accepted(page_view(site_key, visitor, "/campaign?utm_source=mail#top", click_token=token))
    entries = timeline(api, taro["id"])
    urls = [entry["data"]["url"] for entry in entries if entry["type"] == "page_view"]
    assert urls == [f"{SITE}/campaign?utm_source=mail#top", f"{SITE}/before"]
    assert api.get(f"/v1/contacts/{taro['id']}").body["session_count"] == 1


def test_a_forged_or_foreign_click_token_identifies_nobody(api, site_key):
    from shared.config import tracking_keyring
    from shared.domain import tracking

    taro = create(api, family_name="山田", email="taro@example.jp")
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    other_key = other.post("/v1/site-keys", {"name": "x", "allowed_origins": [SITE]}).body["site_key"]
    api.put("/v1/settings", {"identify_visitors_from_email_clicks": True})
    token = clicked_through(api, taro).split("_crm_click=")[1].split("#")[0]
    foreign_visitor, forged_visitor = new_visitor(), new_visitor()

    accepted(page_view(other_key, foreign_visitor, click_token=token))  # our token on their site
    accepted(page_view(site_key, forged_visitor, click_token=token[:-2] + ("AA" if token[-2:] != "AA" else "BB")))
    accepted(page_view(site_key, forged_visitor, click_token=tracking.sign(tracking_keyring(), "o", api.tenant,
                                                                            "01JAAAAAAAAAAAAAAAAAAAAAAA")))

    assert visitor_item(other, foreign_visitor).get("contact_id") is None  # kept, but anonymous
    assert visitor_item(api, forged_visitor).get("contact_id") is None
    assert [entry["type"] for entry in timeline(api, taro["id"])
            if entry["type"] == "page_view"] == []
