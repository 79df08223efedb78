"""Pure rules of web collection (shared.domain.web, shared.domain.site_keys): origins, bots,
sessions and the flood cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain import site_keys, web
from shared.domain.tracking import with_click_parameter

T0 = datetime(2026, 11, 23, 9, 0, 10, tzinfo=UTC)


@pytest.mark.parametrize("given, canonical", [
    ("https://www.example.jp", "https://www.example.jp"),
    ("HTTPS://WWW.Example.JP/", "https://www.example.jp"),
    ("https://www.example.jp:443", "https://www.example.jp"),
    ("http://localhost:8080", "http://localhost:8080"),
    ("https://*.example.jp", "https://*.example.jp"),
    ("https://www.example.jp/path", None),
    ("https://www.example.jp?q=1", None),
    ("https://a@www.example.jp", None),
    ("ftp://www.example.jp", None),
    ("https://www.example.jp:99999", None),
    ("https://exa mple.jp", None),
    ("https://*", None),
    ("null", None),
    (None, None),
])
def test_origins_are_canonical_or_refused(given, canonical):
    assert site_keys.origin(given) == canonical


@pytest.mark.parametrize("presented, allowed", [
    ("https://www.example.jp", True),
    ("https://lp.example.jp", True),
    ("https://a.b.example.jp", True),
    ("https://example.jp", False),  # the wildcard covers subdomains only
    ("https://evilexample.jp", False),
    ("https://www.example.jp.evil.test", False),
    ("http://lp.example.jp", False),
    ("https://*.example.jp", False),
    (None, False),
])
def test_allowed_origins(presented, allowed):
    assert site_keys.origin_allowed(presented, ["https://www.example.jp", "https://*.example.jp"]) is allowed


@pytest.mark.parametrize("user_agent, bot", [
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1", False),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36", False),
    ("Googlebot/2.1 (+http://www.google.com/bot.html)", True),
    ("Mozilla/5.0 (compatible; YandexBot/3.0)", True),
    ("facebookexternalhit/1.1", True),
    ("Mozilla/5.0 (Linux) HeadlessChrome/120.0", True),
    ("Mozilla/5.0", True),
    ("", True),
    (None, True),
])
def test_bots(user_agent, bot):
    assert web.is_bot(user_agent) is bot


def test_a_first_hit_starts_a_session():
    first = web.visit(None, T0)
    assert first.new_session and not first.flooded
    assert first.state["first_seen_at"] == first.state["last_hit_at"] == "2026-11-23T09:00:10.000Z"


def test_a_session_ends_after_thirty_minutes_of_silence():
    state = web.visit(None, T0).state
    within = web.visit(state, T0 + timedelta(minutes=30))
    assert not within.new_session
    after = web.visit(within.state, T0 + timedelta(minutes=60, seconds=1))
    assert after.new_session


def test_the_flood_cap_counts_hits_per_minute():
    state = web.visit(None, T0).state
    for _ in range(web.FLOOD_PER_MINUTE - 1):
        step = web.visit(state, T0 + timedelta(seconds=1))
        assert not step.flooded
        state = step.state
    over = web.visit(state, T0 + timedelta(seconds=2))
    assert over.flooded and over.state == state
    assert not web.visit(state, T0 + timedelta(seconds=60)).flooded  # a new minute


def test_a_late_hit_never_moves_last_hit_back():
    state = web.visit(None, T0).state
    assert web.visit(state, T0 - timedelta(seconds=5)).state["last_hit_at"] == state["last_hit_at"]


@pytest.mark.parametrize("url, expected", [
    ("https://www.example.jp/lp", "https://www.example.jp/lp?_crm_click=TOK"),
    ("https://www.example.jp/lp?a=1", "https://www.example.jp/lp?a=1&_crm_click=TOK"),
    ("https://www.example.jp/lp?a=1#form", "https://www.example.jp/lp?a=1&_crm_click=TOK#form"),
    ("https://www.example.jp/#/route?x", "https://www.example.jp/?_crm_click=TOK#/route?x"),
])
def test_the_click_parameter_goes_into_the_query_before_the_fragment(url, expected):
    assert with_click_parameter(url, "TOK") == expected
