"""Pure unit tests of shared/domain/tracking (tracking tokens) and hit_classifier (the machine-hit classifier),
the pixel and the redirect guard. No AWS, no handler.

They pin the contract's tracking rules: a forged or edited token never verifies (so the
API answers 404 and never redirects), an open token is not a click token, keys rotate,
and `data.machine` is true for hits no person caused but false for a person's open through
Gmail's image proxy."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.domain import hit_classifier, tracking
from shared.domain.hit_classifier import Hit, classify
from shared.domain.tracking import (
    PIXEL_GIF,
    InvalidToken,
    Key,
    Keyring,
    KeyringError,
    TokenClaims,
    is_safe_redirect,
    sign,
    verify,
)

ROOT = Path(__file__).resolve().parents[1]
B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

SECRET_1 = bytes(range(32))
SECRET_2 = bytes(range(100, 132))
SECRET_3 = b"another-secret-of-32-bytes-long!"
TENANT = "01HZX3K9Q7M4N8P2R5T6V0W1Y2"  # ULIDs, as shared.domain.ids issues them
EMAIL = "01HZX3KA00M4N8P2R5T6V0W1Y3"


def b64(secret: bytes) -> str:
    return base64.b64encode(secret).decode()


@pytest.fixture
def keys() -> Keyring:
    return Keyring(Key("k2", SECRET_2), [Key("k1", SECRET_1)])


# --- round trips ---------------------------------------------------------------------------

def test_open_token_round_trip(keys):
    token = sign(keys, "o", TENANT, EMAIL, None)
    assert verify(keys, "o", token) == TokenClaims(TENANT, EMAIL, None)


@pytest.mark.parametrize("link_index", [0, 1, 7, 255, 256, 65535])
def test_click_token_round_trip(keys, link_index):
    token = sign(keys, "c", TENANT, EMAIL, link_index)
    assert verify(keys, "c", token) == TokenClaims(TENANT, EMAIL, link_index)


@pytest.mark.parametrize(
    ("tenant", "email_id"),
    [
        ("acme", "e-1"),
        ("t", "x"),
        ("tenant_with.dots:and-dashes", EMAIL),
        ("01hzx3k9q7m4n8p2r5t6v0w1y2", "01hzx3ka00m4n8p2r5t6v0w1y3"),  # lower case: kept verbatim
        ("81HZX3K9Q7M4N8P2R5T6V0W1Y2", EMAIL),  # not a 128-bit ULID: kept as text
        ("山田商事", "メール-1"),
        ("a" * 200, "b" * 200),
        ("0" * 26, "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"),  # smallest and largest ULIDs
    ],
)
def test_round_trip_keeps_ids_exactly(keys, tenant, email_id):
    for kind, link in (("o", None), ("c", 3)):
        assert verify(keys, kind, sign(keys, kind, tenant, email_id, link)) == (tenant, email_id, link)


def test_tokens_are_compact_and_url_safe(keys):
    opened = sign(keys, "o", TENANT, EMAIL, None)
    clicked = sign(keys, "c", TENANT, EMAIL, 12)
    assert len(opened) <= 80 and len(clicked) <= 80
    for token in (opened, clicked):
        assert set(token) <= set(B64URL_ALPHABET)
        assert "http" not in base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("latin-1")


def test_signing_is_deterministic_and_binds_every_claim(keys):
    token = sign(keys, "c", TENANT, EMAIL, 1)
    assert sign(keys, "c", TENANT, EMAIL, 1) == token
    others = {
        sign(keys, "c", TENANT, EMAIL, 2),
        sign(keys, "c", "other", EMAIL, 1),
        sign(keys, "c", TENANT, "other", 1),
        sign(keys, "o", TENANT, EMAIL, None),
    }
    assert token not in others and len(others) == 4


@pytest.mark.parametrize(
    ("kind", "tenant", "email_id", "link_index"),
    [
        ("x", TENANT, EMAIL, None),
        ("o", TENANT, EMAIL, 0),  # an open has no link
        ("c", TENANT, EMAIL, None),  # a click needs one
        ("c", TENANT, EMAIL, -1),
        ("c", TENANT, EMAIL, 65536),
        ("c", TENANT, EMAIL, True),
        ("c", TENANT, EMAIL, "1"),
        ("o", "", EMAIL, None),
        ("o", TENANT, "", None),
        ("o", "a" * 201, EMAIL, None),
        ("o", None, EMAIL, None),
    ],
)
def test_sign_refuses_bad_arguments(keys, kind, tenant, email_id, link_index):
    with pytest.raises(ValueError):
        sign(keys, kind, tenant, email_id, link_index)


# --- tampering -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("kind", "tenant", "link"),
    [("o", TENANT, None), ("c", TENANT, 5), ("o", "acme", None), ("c", "ab", 5)],
)
def test_every_single_character_edit_fails(keys, kind, tenant, link):
    token = sign(keys, kind, tenant, EMAIL, link)
    # exercise tokens whose last character has spare bits (the lesson of shared/cursor.py)
    edits = 0
    for position, original in enumerate(token):
        for replacement in B64URL_ALPHABET:
            if replacement == original:
                continue
            edited = token[:position] + replacement + token[position + 1:]
            with pytest.raises(InvalidToken):
                verify(keys, kind, edited)
            edits += 1
    assert edits == len(token) * 63


def test_some_tokens_end_in_spare_bits_and_editing_them_fails(keys):
    """A base64 character carries 6 bits; when the byte count is not a multiple of 3 the
    last character has spare bits, and a decoder alone would accept its edited spelling."""
    token = sign(keys, "c", TENANT, EMAIL, 5)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert len(raw) % 3 != 0
    same_bytes = [
        token[:-1] + char
        for char in B64URL_ALPHABET
        if char != token[-1]
        and base64.urlsafe_b64decode(token[:-1] + char + "=" * (-len(token) % 4)) == raw
    ]
    assert same_bytes  # such spellings exist ...
    for edited in same_bytes:
        with pytest.raises(InvalidToken):  # ... and are refused
            verify(keys, "c", edited)


@pytest.mark.parametrize("kind,link", [("o", None), ("c", 9)])
def test_truncated_and_extended_tokens_fail(keys, kind, link):
    token = sign(keys, kind, TENANT, EMAIL, link)
    for length in range(len(token)):
        with pytest.raises(InvalidToken):
            verify(keys, kind, token[:length])
    for position in range(len(token)):
        with pytest.raises(InvalidToken):
            verify(keys, kind, token[:position] + token[position + 1:])
    for extra in ["A", "_", "AA", "AAAA", "====", "=", "==", ".", " ", "\n", "%3D", token]:
        with pytest.raises(InvalidToken):
            verify(keys, kind, token + extra)
        with pytest.raises(InvalidToken):
            verify(keys, kind, extra + token)


def test_trailing_garbage_inside_a_validly_signed_envelope_fails(keys):
    """Bytes appended to the payload (re-signed with our own key, as if forged by someone
    who had the key but not the format) do not parse as one of our tokens."""
    token = sign(keys, "o", TENANT, EMAIL, None)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    payload = raw[:-16] + b"\x00"
    forged = base64.urlsafe_b64encode(payload + tracking._tag(SECRET_2, payload)).rstrip(b"=").decode()
    with pytest.raises(InvalidToken):
        verify(keys, "o", forged)


def test_standard_base64_alphabet_and_padding_are_refused(keys):
    token = sign(keys, "c", TENANT, EMAIL, 1)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    padded = base64.urlsafe_b64encode(raw).decode()
    assert padded != token
    with pytest.raises(InvalidToken):
        verify(keys, "c", padded)
    standard = base64.b64encode(raw).decode().rstrip("=")
    if standard != token:
        with pytest.raises(InvalidToken):
            verify(keys, "c", standard)


@pytest.mark.parametrize(
    "token",
    ["", "A", "AA", "AAAA", "A" * 75, "_" * 75, "!!!!", "é" * 20, "A" * 5000, None, 123, b"bytes"],
)
def test_garbage_is_invalid(keys, token):
    for kind in ("o", "c"):
        with pytest.raises(InvalidToken):
            verify(keys, kind, token)


def test_forged_token_with_unknown_secret_fails(keys):
    forger = Keyring(Key("k2", b"x" * 32))  # right key id, wrong secret
    for kind, link in (("o", None), ("c", 0)):
        with pytest.raises(InvalidToken):
            verify(keys, kind, sign(forger, kind, TENANT, EMAIL, link))


def test_open_token_is_not_a_click_token_and_back(keys):
    opened = sign(keys, "o", TENANT, EMAIL, None)
    clicked = sign(keys, "c", TENANT, EMAIL, 0)
    with pytest.raises(InvalidToken):
        verify(keys, "c", opened)
    with pytest.raises(InvalidToken):
        verify(keys, "o", clicked)


def test_flipping_the_kind_byte_of_a_signed_token_fails(keys):
    token = sign(keys, "o", TENANT, EMAIL, None)
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[0] = (raw[0] & 0xF0) | 2  # claim "click" without re-signing
    edited = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    for kind in ("o", "c"):
        with pytest.raises(InvalidToken):
            verify(keys, kind, edited)


def test_verify_refuses_an_unknown_kind(keys):
    with pytest.raises(ValueError):
        verify(keys, "x", sign(keys, "o", TENANT, EMAIL, None))


# --- rotation --------------------------------------------------------------------------------

def test_rotation_old_key_verifies_while_kept_and_stops_when_removed():
    before = Keyring.from_config(f"k1:{b64(SECRET_1)}")
    old_open = sign(before, "o", TENANT, EMAIL, None)
    old_click = sign(before, "c", TENANT, EMAIL, 4)

    rotated = Keyring.from_config(f"k2:{b64(SECRET_2)},k1:{b64(SECRET_1)}")
    assert verify(rotated, "o", old_open) == (TENANT, EMAIL, None)
    assert verify(rotated, "c", old_click) == (TENANT, EMAIL, 4)

    new_click = sign(rotated, "c", TENANT, EMAIL, 4)
    assert new_click != old_click
    with pytest.raises(InvalidToken):  # new tokens are signed with k2, which k1 alone does not know
        verify(before, "c", new_click)

    retired = Keyring.from_config(f"k2:{b64(SECRET_2)}")
    assert verify(retired, "c", new_click) == (TENANT, EMAIL, 4)
    for kind, token in (("o", old_open), ("c", old_click)):
        with pytest.raises(InvalidToken):
            verify(retired, kind, token)


def test_new_tokens_use_the_current_key(keys):
    token = sign(keys, "o", TENANT, EMAIL, None)
    only_current = Keyring(Key("k2", SECRET_2))
    only_previous = Keyring(Key("k1", SECRET_1))
    assert verify(only_current, "o", token) == (TENANT, EMAIL, None)
    with pytest.raises(InvalidToken):
        verify(only_previous, "o", token)


def test_same_key_id_with_a_changed_secret_stops_verifying():
    token = sign(Keyring(Key("k1", SECRET_1)), "o", TENANT, EMAIL, None)
    with pytest.raises(InvalidToken):
        verify(Keyring(Key("k1", SECRET_3)), "o", token)


def test_keyring_from_config_accepts_both_base64_alphabets_and_spacing():
    secret = bytes([0xFB, 0xFF, 0xBF] * 11)  # encodes with '+' and '/' (or '-' and '_')
    standard = base64.b64encode(secret).decode()
    urlsafe = base64.urlsafe_b64encode(secret).decode().rstrip("=")
    assert "+" in standard or "/" in standard
    for config in (f"k1:{standard}", f"k1:{urlsafe}", f"  k1 : {standard} ", f"k9:{b64(SECRET_2)}, k1:{urlsafe}"):
        keyring = Keyring.from_config(config)
        assert keyring.get("k1") == Key("k1", secret)
    keyring = Keyring.from_config(f"k9:{b64(SECRET_2)}, k1:{urlsafe}")
    assert keyring.current.id == "k9" and [key.id for key in keyring.previous] == ["k1"]
    assert keyring.ids == ("k9", "k1")
    assert keyring.get("nope") is None


@pytest.mark.parametrize(
    "config",
    [
        "",
        "   ",
        "k1",  # no secret
        "k1:",
        ":" + "A" * 24,  # no id
        "k1:" + "A" * 24 + ",",  # stray comma
        ",k1:" + "A" * 24,
        "k1:" + "A" * 24 + ",,k2:" + "B" * 24,
        "k1:not base64!",
        "k1:" + "A" * 21,  # a length no base64 text has (21 % 4 == 1)
        "k1:" + base64.b64encode(b"short").decode(),  # under 16 bytes
        "k1:" + "A" * 24 + ",k1:" + "B" * 24,  # duplicate id
        "key id with spaces:" + "A" * 24,
        "k" * 17 + ":" + "A" * 24,  # id too long
        "k1#:" + "A" * 24,
        "k1:" + "A" * 22 + "=" * 3,
    ],
)
def test_malformed_keyring_config_is_a_clear_error(config):
    with pytest.raises(KeyringError) as caught:
        Keyring.from_config(config)
    message = str(caught.value)
    assert message and message[0].isupper()
    assert "AAAAAAAA" not in message and "BBBBBBBB" not in message  # never echoes a secret


def test_keyring_error_is_a_value_error():
    assert issubclass(KeyringError, ValueError)


def test_key_repr_hides_the_secret(keys):
    assert "k2" in repr(keys) and "k1" in repr(keys)
    text = repr(keys) + repr(keys.current) + str(keys.current)
    assert repr(SECRET_2) not in text and SECRET_2.hex() not in text and b64(SECRET_2) not in text


def test_key_refuses_short_secrets_and_bad_ids():
    with pytest.raises(KeyringError):
        Key("k1", b"too short")
    with pytest.raises(KeyringError):
        Key("k 1", SECRET_1)
    with pytest.raises(KeyringError):
        Keyring(Key("k1", SECRET_1), [Key("k1", SECRET_2)])


# --- classifier --------------------------------------------------------------------------------

CHROME_DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
FIREFOX_DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)
EDGE_DESKTOP = CHROME_DESKTOP + " Edg/124.0.0.0"
IPHONE_MAIL = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
MAC_MAIL = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
CUBOT_PHONE = (
    "Mozilla/5.0 (Linux; Android 9; CUBOT KING KONG 5 Pro) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"
)
SAMSUNG_BROWSER = (
    "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36"
)
OUTLOOK_DESKTOP = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)"
OUTLOOK_MSOFFICE = "Mozilla/4.0 (compatible; ms-office; MSOffice 16)"
THUNDERBIRD = "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.10.1"
GOOGLE_IMAGE_PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
YAHOO_PROXY = "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html"

PERSON_IP = "203.0.113.7"
APPLE_IP = "17.58.101.12"
SENT_LONG_AGO = 3600.0
NOW = 1_700_000_000.0

PEOPLE = [CHROME_DESKTOP, FIREFOX_DESKTOP, SAFARI_MAC, EDGE_DESKTOP, IPHONE_MAIL, IPHONE_SAFARI,
          MAC_MAIL, ANDROID_CHROME, CUBOT_PHONE, SAMSUNG_BROWSER, OUTLOOK_DESKTOP, OUTLOOK_MSOFFICE,
          THUNDERBIRD]


def open_hit(user_agent, ip=PERSON_IP, method="GET", seconds=SENT_LONG_AGO):
    return classify("o", method, user_agent, ip, seconds, (), now=NOW)


def click_hit(user_agent=CHROME_DESKTOP, *, ip=PERSON_IP, method="GET", seconds=SENT_LONG_AGO,
              recent=(), link=0, **options):
    return classify("c", method, user_agent, ip, seconds, recent, link_index=link, now=NOW, **options)


@pytest.mark.parametrize("user_agent", PEOPLE)
def test_people_are_human_for_opens_and_clicks(user_agent):
    assert open_hit(user_agent) == Hit(False, None)
    assert click_hit(user_agent) == Hit(False, None)


def test_real_desktop_chrome_is_human():
    assert open_hit(CHROME_DESKTOP) == Hit(False, None)


def test_iphone_mail_open_is_human_even_from_apples_network():
    assert open_hit(IPHONE_MAIL) == Hit(False, None)
    assert open_hit(IPHONE_MAIL, ip=APPLE_IP) == Hit(False, None)


def test_gmail_image_proxy_open_is_a_person():
    hit = open_hit(GOOGLE_IMAGE_PROXY, ip="66.249.84.10")
    assert hit == Hit(False, None)
    # even soon after sending: Gmail's proxy fetches when the person opens, not at delivery
    assert open_hit(GOOGLE_IMAGE_PROXY, seconds=2.0) == Hit(False, None)


def test_yahoo_mail_proxy_open_is_a_person():
    assert open_hit(YAHOO_PROXY) == Hit(False, None)


def test_image_proxy_ua_gets_no_pass_on_a_click():
    # image proxies fetch images, not links: a click claiming to be one is judged on its
    # own, and a click a second after sending is too fast whatever it claims to be
    assert click_hit(GOOGLE_IMAGE_PROXY, seconds=1.0) == Hit(True, "too_fast")


@pytest.mark.parametrize("method", ["HEAD", "head", "OPTIONS"])
def test_head_and_options_requests_are_machine(method):
    assert open_hit(CHROME_DESKTOP, method=method) == Hit(True, "head_request")
    assert click_hit(CHROME_DESKTOP, method=method) == Hit(True, "head_request")
    # even through a human proxy's name
    assert open_hit(GOOGLE_IMAGE_PROXY, method=method) == Hit(True, "head_request")


@pytest.mark.parametrize("user_agent", ["", "   ", None])
def test_empty_user_agent_is_machine(user_agent):
    assert open_hit(user_agent) == Hit(True, "empty_user_agent")
    assert click_hit(user_agent) == Hit(True, "empty_user_agent")


@pytest.mark.parametrize("ip", [APPLE_IP, "17.0.0.1", "17.255.255.255", "::ffff:17.1.2.3",
                                "2620:149:a44::10", "2a01:b740:a42:1::5"])
def test_apple_mpp_prefetch_is_machine(ip):
    assert open_hit("Mozilla/5.0", ip=ip) == Hit(True, "apple_mpp")


@pytest.mark.parametrize("ip", ["104.28.1.1", "172.225.0.1", "16.255.255.255", "18.0.0.1", None, "junk"])
def test_bare_mozilla_ua_elsewhere_is_machine_but_not_called_apple(ip):
    # MPP via a Private Relay partner's egress looks just like this; so do scripts
    assert open_hit("Mozilla/5.0", ip=ip) == Hit(True, "bare_user_agent")


def test_bare_mozilla_ua_click_from_apple_is_not_mpp():
    assert click_hit("Mozilla/5.0", ip=APPLE_IP) == Hit(True, "bare_user_agent")


@pytest.mark.parametrize(
    ("user_agent", "reason"),
    [
        ("curl/8.4.0", "scripted_client"),
        ("Wget/1.21.4", "scripted_client"),
        ("python-requests/2.31.0", "scripted_client"),
        ("Python-urllib/3.11", "scripted_client"),
        ("python-httpx/0.27.0", "scripted_client"),
        ("Python/3.11 aiohttp/3.9.5", "scripted_client"),
        ("Go-http-client/1.1", "scripted_client"),
        ("Go-http-client/2.0", "scripted_client"),
        ("Java/17.0.2", "scripted_client"),
        ("okhttp/4.12.0", "scripted_client"),
        ("libwww-perl/6.72", "scripted_client"),
        ("Apache-HttpClient/4.5.14 (Java/17.0.2)", "scripted_client"),
        ("node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", "scripted_client"),
        ("axios/1.6.8", "scripted_client"),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "HeadlessChrome/124.0.6367.60 Safari/537.36", "scripted_client"),
        ("Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) "
         "PhantomJS/2.1.1 Safari/538.1", "scripted_client"),
        ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "unfurler"),
        ("Slack-ImgProxy (+https://api.slack.com/robots)", "unfurler"),
        ("Twitterbot/1.0", "unfurler"),
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "unfurler"),
        ("LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)", "unfurler"),
        ("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", "unfurler"),
        ("TelegramBot (like TwitterBot)", "unfurler"),
        ("WhatsApp/2.23.20.0 A", "unfurler"),
        ("Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5", "unfurler"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "BingPreview/1.0b", "unfurler"),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "crawler"),
        ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "crawler"),
        ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "crawler"),
        ("Barracuda Sentinel (EE)", "link_scanner"),
        ("Microsoft Office Existence Discovery", "link_scanner"),
        ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "bot"),
        ("SomeCorp-LinkScanner/1.0", "bot"),
        ("ExampleCrawler/2.0", "bot"),
        ("Mozilla/5.0 (compatible; ExampleFetcher/1.0; +https://example.com/fetcher)", "bot"),
    ],
)
def test_user_agent_table(user_agent, reason):
    assert open_hit(user_agent) == Hit(True, reason)
    assert click_hit(user_agent) == Hit(True, reason)


def test_curl_is_machine():
    assert click_hit("curl/8.4.0") == Hit(True, "scripted_client")


def test_slackbot_is_machine():
    assert click_hit("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)").machine is True


# --- prefetch and link-checking bots that look like a desktop browser ----------------------------
# Each user agent as reported in the public issue named beside it.

WIN10_CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/{} Safari/537.36")
GMAIL_PREFETCH = WIN10_CHROME.format("42.0.2311.135") + " Edge/12.246 Mozilla/5.0"  # mautic/mautic#10245
# mssola/user_agent#71
GMAIL_CONTENT_SAMPLING = WIN10_CHROME.format("42.0.2311.135") + " Edge/12.246 Gmail-content-sampling"
STALE_SCANNERS = [
    # (user agent, address it came from, where it was reported)
    ("Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/57.0.2987.133 Safari/537.36",
     "40.107.218.12", "gophish/gophish#973: Safe Links, two GETs at delivery"),
    (WIN10_CHROME.format("72.0.3626.109"), "40.94.16.20", "opencollective/opencollective#3656: Outlook's link checker"),
    (WIN10_CHROME.format("64.0.3282.140"), "40.94.16.21", "opencollective/opencollective#3656"),
    (WIN10_CHROME.format("79.0.3945.136"), "203.0.113.50", "mssola/user_agent#71: Microsoft's bot clicks"),
    (WIN10_CHROME.format("79.0.3945.74") + " Edg/79.0.309.43", "203.0.113.51", "mssola/user_agent#71"),
    (WIN10_CHROME.format("97.0.4692.99"), "20.72.100.79",
     "edalzell/laravel-passwordless-login#79: Safe Links from Azure"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.2 Safari/537.36",
     "188.93.56.10", "mssola/user_agent#54: Mail.ru"),
]
EOP_ADDRESSES = ["40.107.218.12", "40.92.1.1", "40.93.255.254", "52.100.0.1", "52.103.255.1", "104.47.1.254",
                 "104.47.30.126", "2a01:111:f400:7e1b::205", "2a01:111:f403:c200::1", "::ffff:40.107.7.7"]
CURRENT_PEOPLE = [
    WIN10_CHROME.format("143.0.0.0"),
    WIN10_CHROME.format("143.0.0.0") + " Edg/143.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:146.0) Gecko/20100101 Firefox/146.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 "
    "Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Mobile Safari/537.36",
    # the last browsers of older systems still in use: not out of date by our cut
    "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 "
    "Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:115.0) Gecko/20100101 Firefox/115.0",
    # an old phone's browser is a person, and so is Outlook desktop's IE-based UA
    "Mozilla/5.0 (Linux; Android 4.4.2; SO-01F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.138 "
    "Mobile Safari/537.36",
    "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; WOW64; Trident/7.0; .NET4.0C; .NET4.0E; "
    "Microsoft Outlook 16.0.17029; ms-office; MSOffice 16)",
]


@pytest.mark.parametrize("user_agent", [GMAIL_PREFETCH, GMAIL_CONTENT_SAMPLING])
def test_gmails_delivery_time_fetch_is_machine_whenever_it_comes(user_agent):
    for seconds in (20.0, SENT_LONG_AGO):
        assert open_hit(user_agent, ip="108.177.2.32", seconds=seconds) == Hit(True, "mail_prefetch")
        assert click_hit(user_agent, ip="108.177.2.32", seconds=seconds) == Hit(True, "mail_prefetch")


@pytest.mark.parametrize("user_agent, ip, source", STALE_SCANNERS, ids=[row[2][:40] for row in STALE_SCANNERS])
def test_an_out_of_date_desktop_browser_minutes_after_sending_is_a_scanner(user_agent, ip, source):
    expected = Hit(True, "link_scanner") if ip.startswith("40.107.") else Hit(True, "prefetch")
    assert open_hit(user_agent, ip=ip, seconds=25.0) == expected
    assert click_hit(user_agent, ip=ip, seconds=60.0) == expected


@pytest.mark.parametrize("user_agent, ip, source", STALE_SCANNERS, ids=[row[2][:40] for row in STALE_SCANNERS])
def test_an_out_of_date_browser_long_after_sending_from_a_persons_address_is_a_person(user_agent, ip, source):
    assert open_hit(user_agent, ip=PERSON_IP, seconds=SENT_LONG_AGO) == Hit(False, None)
    assert click_hit(user_agent, ip=PERSON_IP, seconds=SENT_LONG_AGO) == Hit(False, None)


@pytest.mark.parametrize("user_agent", CURRENT_PEOPLE)
def test_a_current_browser_right_after_sending_is_a_person(user_agent):
    assert open_hit(user_agent, seconds=5.0) == Hit(False, None)
    assert click_hit(user_agent, seconds=30.0) == Hit(False, None)


@pytest.mark.parametrize("ip", EOP_ADDRESSES)
def test_any_hit_from_exchange_online_protection_is_a_link_scanner(ip):
    # a current browser UA and no hurry: the address alone tells (no person browses from there)
    assert open_hit(CURRENT_PEOPLE[0], ip=ip) == Hit(True, "link_scanner")
    assert click_hit(CURRENT_PEOPLE[0], ip=ip) == Hit(True, "link_scanner")


@pytest.mark.parametrize("ip", ["40.94.16.20", "40.106.255.255", "40.108.0.1", "52.104.0.1", "104.47.128.1",
                                "2a01:111:f401::1", "20.72.100.79"])
def test_addresses_next_to_exchange_online_protection_are_not_its(ip):
    assert open_hit(CURRENT_PEOPLE[0], ip=ip) == Hit(False, None)


def test_the_prefetch_window_is_a_parameter():
    stale = STALE_SCANNERS[3][0]
    assert classify("o", "GET", stale, PERSON_IP, 299.0, now=NOW) == Hit(True, "prefetch")
    assert classify("o", "GET", stale, PERSON_IP, 300.0, now=NOW) == Hit(False, None)
    assert classify("o", "GET", stale, PERSON_IP, 500.0, now=NOW, prefetch_seconds=600.0) == Hit(True, "prefetch")
    assert classify("o", "GET", stale, PERSON_IP, None, now=NOW) == Hit(False, None)


def test_too_fast_click_is_machine():
    assert click_hit(seconds=0.0) == Hit(True, "too_fast")
    assert click_hit(seconds=9.9) == Hit(True, "too_fast")
    assert click_hit(seconds=-1.0) == Hit(True, "too_fast")  # clock skew: as good as immediate
    assert click_hit(seconds=10.0) == Hit(False, None)
    assert click_hit(seconds=None) == Hit(False, None)  # send time unknown: no timing verdict


def test_too_fast_threshold_is_a_parameter():
    assert click_hit(seconds=25.0, min_click_seconds=30.0) == Hit(True, "too_fast")
    assert click_hit(seconds=2.0, min_click_seconds=0.0) == Hit(False, None)


def test_timing_rules_do_not_apply_to_opens():
    assert open_hit(CHROME_DESKTOP, seconds=0.5) == Hit(False, None)


def test_burst_of_three_links_within_two_seconds_is_machine():
    recent = [(0, NOW - 1.5), (1, NOW - 0.7)]
    assert click_hit(link=2, recent=recent) == Hit(True, "burst")


def test_burst_counts_distinct_links_only():
    # a person double-clicking the same link is not a scanner
    recent = [(0, NOW - 1.0), (0, NOW - 0.5), (1, NOW - 0.2)]
    assert click_hit(link=1, recent=recent) == Hit(False, None)
    assert click_hit(link=0, recent=recent) == Hit(False, None)


def test_two_links_quickly_are_human():
    assert click_hit(link=1, recent=[(0, NOW - 0.3)]) == Hit(False, None)


def test_slow_sequence_of_clicks_is_human():
    recent = [(0, NOW - 120.0), (1, NOW - 60.0), (2, NOW - 30.0), (3, NOW - 5.0)]
    assert click_hit(link=4, recent=recent) == Hit(False, None)


def test_burst_window_edges():
    # exactly 2 s apart is within the window; just over is not
    assert click_hit(link=2, recent=[(0, NOW - 2.0), (1, NOW - 1.0)]) == Hit(True, "burst")
    assert click_hit(link=2, recent=[(0, NOW - 2.01), (1, NOW - 1.0)]) == Hit(False, None)
    # old clicks do not join a new pair
    assert click_hit(link=2, recent=[(0, NOW - 50.0), (1, NOW - 1.0)]) == Hit(False, None)


def test_burst_with_clicks_recorded_slightly_after_this_one():
    # hits can be processed out of order: a window containing this click still counts
    assert click_hit(link=2, recent=[(0, NOW + 0.5), (1, NOW + 1.0)]) == Hit(True, "burst")
    assert click_hit(link=2, recent=[(0, NOW + 1.5), (1, NOW + 3.0)]) == Hit(False, None)


def test_burst_parameters():
    recent = [(0, NOW - 4.0), (1, NOW - 3.0)]
    assert click_hit(link=2, recent=recent) == Hit(False, None)
    assert click_hit(link=2, recent=recent, burst_seconds=5.0) == Hit(True, "burst")
    assert click_hit(link=1, recent=[(0, NOW - 0.1)], burst_links=2) == Hit(True, "burst")


def test_rules_apply_in_order():
    # HEAD beats everything; the UA table beats timing
    assert click_hit("curl/8.4.0", method="HEAD", seconds=0.0) == Hit(True, "head_request")
    assert click_hit("curl/8.4.0", seconds=0.0) == Hit(True, "scripted_client")
    assert click_hit(seconds=0.0, link=2, recent=[(0, NOW), (1, NOW)]) == Hit(True, "too_fast")


def test_classify_defaults_to_the_clock():
    import time

    hit = classify("c", "GET", CHROME_DESKTOP, PERSON_IP, 60.0, [(0, time.time()), (1, time.time())],
                   link_index=2)
    assert hit == Hit(True, "burst")


def test_classify_refuses_an_unknown_kind():
    with pytest.raises(ValueError):
        classify("x", "GET", CHROME_DESKTOP, PERSON_IP, None)


def test_user_agent_table_is_one_compiled_regex_with_a_reason_per_row():
    assert isinstance(hit_classifier._UA_TABLE.pattern, str)
    reasons = {reason for reason, _ in hit_classifier._UA_RULES}
    assert reasons == {"link_scanner", "mail_prefetch", "unfurler", "crawler", "scripted_client", "bot"}
    assert hit_classifier._UA_TABLE.groups == len(hit_classifier._UA_RULES)


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("17.1.2.3", (4, 0x11010203)),
        ("::ffff:17.1.2.3", (4, 0x11010203)),
        ("::", (6, 0)),
        ("2620:149::1", (6, (0x2620_0149 << 96) | 1)),
        ("fe80::1%eth0", (6, (0xFE80 << 112) | 1)),
        ("1:2:3:4:5:6:7:8", (6, 0x0001_0002_0003_0004_0005_0006_0007_0008)),
        ("256.1.1.1", None),
        ("1.2.3", None),
        ("1::2::3", None),
        ("1:2:3:4:5:6:7:8:9", None),
        ("12345::", None),
        ("g::1", None),
        ("", None),
        (None, None),
    ],
)
def test_ip_parsing(ip, expected):
    assert hit_classifier._parse_ip(ip) == expected


# --- pixel and redirect guard ------------------------------------------------------------------

def test_pixel_is_a_43_byte_transparent_1x1_gif():
    assert len(PIXEL_GIF) == 43
    assert PIXEL_GIF[:6] == b"GIF89a"
    assert int.from_bytes(PIXEL_GIF[6:8], "little") == 1  # width
    assert int.from_bytes(PIXEL_GIF[8:10], "little") == 1  # height
    flags = PIXEL_GIF[10]
    assert flags & 0x80  # global colour table present
    table_size = 3 * 2 ** ((flags & 0x07) + 1)
    extension = PIXEL_GIF[13 + table_size:]
    assert extension[:3] == b"\x21\xf9\x04"  # graphic control extension
    assert extension[3] & 0x01  # transparency flag
    transparent_index = extension[6]
    descriptor = extension[8:]
    assert descriptor[0] == 0x2C
    assert int.from_bytes(descriptor[5:7], "little") == 1
    assert int.from_bytes(descriptor[7:9], "little") == 1
    assert PIXEL_GIF[-1:] == b"\x3b"
    # decode the single LZW-coded pixel: clear code, the pixel, end code
    min_code_size, block_length = descriptor[10], descriptor[11]
    data = descriptor[12:12 + block_length]
    assert descriptor[12 + block_length] == 0  # block terminator
    bits = int.from_bytes(data, "little")
    width = min_code_size + 1
    codes = [(bits >> (index * width)) & ((1 << width) - 1) for index in range(3)]
    clear, end = 1 << min_code_size, (1 << min_code_size) + 1
    assert codes == [clear, transparent_index, end]


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/",
        "http://example.com",
        "https://example.com/path?q=1&r=%20x#frag",
        "HTTPS://Example.COM/Path",
        "https://example.com:8443/x",
        "https://[2001:db8::1]/x",
        "https://192.0.2.1/",
        "https://例え.jp/パス",
        "https://example.com/a@b",  # '@' in the path is not userinfo
        "https://example.com?x=1",
    ],
)
def test_safe_redirects(url):
    assert is_safe_redirect(url) is True


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript://example.com/%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "ftp://example.com/",
        "mailto:a@example.com",
        "//evil.example/",
        "/relative/path",
        "relative/path",
        "?q=1",
        "#frag",
        "http://user:pass@example.com/",
        "http://user@example.com/",
        "https://example.com@evil.example/",
        "https://example.com\\@evil.example/",
        "https://example.com\\evil",
        "https:\\\\evil.example",
        "https://example.com/\r\nSet-Cookie: x=1",
        "https://example.com/%0d%0a\n",
        "https://example.com/\x00",
        "https://example.com/\t",
        "https://example.com/a b",
        " https://example.com/",
        "https://exa\u202emple.com/",
        "https://example.com/\u2028",
        "https:///evil",
        "https://",
        "http:/example.com",
        "https://example.com:99999/",
        "https://example.com:0/",
        "https://example.com:/",
        "https://exa%6Dple.com/",
        "https://" + "a" * 9000 + ".com/",
        "",
        None,
        b"https://example.com/",
    ],
)
def test_unsafe_redirects(url):
    assert is_safe_redirect(url) is False


# --- lean imports --------------------------------------------------------------------------------

def test_import_does_not_pull_heavy_modules():
    heavy = ("boto3", "botocore", "email", "json")
    code = (
        "import sys; import shared.domain.tracking; "
        f"print(','.join(name for name in {heavy!r} if name in sys.modules))"
    )
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
