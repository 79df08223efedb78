"""Japanese error messages (Conventions: with `Accept-Language: ja` the `message` of the error and
of each detail is Japanese, `code` and `field` unchanged): the catalogue holds every message the
code can raise and nothing else (found by tests/message_sources.py), each Japanese template keeps
its English placeholders, the language is read from Accept-Language's q-values, and the API
answers in Japanese through the one HTTP mapping (shared.http) and the tracking handler."""

from __future__ import annotations

import ast
import json
import uuid

import pytest

from conftest import Api, create
from message_sources import messages
from shared.errors import BadRequest, FieldError, ValidationFailed
from shared.http import App, Request, Router
from shared.language import in_japanese, parse, placeholders, preferred_language, prefers_japanese
from shared.messages_ja import AS_IS, JAPANESE, QUOTING

JA = {"accept-language": "ja"}


@pytest.fixture(scope="module")
def found():
    return messages()


# --- the catalogue ------------------------------------------------------------------------------

def test_the_walk_follows_every_message_back_to_its_text(found):
    assert found.problems == [], "messages the walk cannot follow; build them so it can:\n" + "\n".join(found.problems)


def test_every_message_the_code_raises_has_its_japanese(found):
    templates, fragments = found.templates, found.fragments
    missing = {text: sorted(places)[0] for text, places in {**fragments, **templates}.items()
               if text not in JAPANESE and text not in AS_IS}
    assert missing == {}, \
        "add these to shared/messages_ja.py:\n" + "\n".join(f"{t!r}  # {p}" for t, p in missing.items())


def test_the_catalogue_holds_no_message_the_code_no_longer_raises(found):
    templates, fragments = found.templates, found.fragments
    dead = (set(JAPANESE) | AS_IS) - set(templates) - set(fragments)
    assert dead == set(), f"no code raises these; remove them from shared/messages_ja.py: {sorted(dead)}"
    assert not set(JAPANESE) & AS_IS


def test_the_walk_finds_messages_of_every_kind(found):
    """The walk's own check: a literal, an f-string, a validator's returned tuple, a helper's
    parameter with its callers, an exception's text quoted, and a phrase a caller passes."""
    templates, fragments = found.templates, found.fragments
    for text in ("Some fields are invalid; see details.",  # require_valid's default
                 "must be a whole number from 1 to {listing.MAX_LIMIT}",  # an f-string
                 "must be a valid email address, such as taro@example.co.jp",  # validation.email's tuple
                 "must not contain control characters or line breaks",
                 "patterns and wildcards are not supported; use prefix or contains with plain text",  # self.fail
                 "this is a PDF document, not a CSV file",  # a loop over a constant table
                 "is not valid JSON",  # quoted in "The request body {unreadable}."
                 "This tracking link is not valid; open the link from the original email."):
        assert text in templates, text
    assert {"create API keys", "cancel", "this site key",
            "open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV (UTF-8)"} <= set(fragments)


def test_the_placeholders_whose_text_is_translated_are_those_that_quote_text_of_ours(found):
    needed = {source for source, texts in found.quoting.items() if texts & set(JAPANESE)}
    assert QUOTING == needed


@pytest.mark.parametrize("english", sorted(JAPANESE))
def test_each_japanese_template_keeps_the_placeholders_of_its_english_one(english):
    """Exactly the same placeholders, except that Japanese may drop a plural ending (a choice
    between two literals, such as `{'s' if minutes > 1 else ''}`)."""
    japanese = JAPANESE[english]
    english_names, japanese_names = placeholders(english), placeholders(japanese)
    assert set(japanese_names) <= set(english_names), (english, japanese)
    for dropped in set(english_names) - set(japanese_names):
        choice = ast.parse(dropped, mode="eval").body
        assert isinstance(choice, ast.IfExp) and all(
            isinstance(branch, ast.Constant) and isinstance(branch.value, str)
            for branch in (choice.body, choice.orelse)
        ), f"{dropped!r} is missing from {japanese!r}"
    assert any("\u3040" <= char <= "\u30ff" or "\u4e00" <= char <= "\u9fff" for char in japanese), japanese


@pytest.mark.parametrize("english", sorted(JAPANESE))
def test_each_message_as_raised_reads_back_to_its_own_japanese(english):
    """A message rendered from its template (each placeholder a distinct value) is translated by
    that template, not a looser one, and the values carry over unchanged."""
    values = {name: f"<v{index}>" for index, name in enumerate(dict.fromkeys(placeholders(english)))}
    raised = "".join(values[text] if is_placeholder else text for text, is_placeholder in parse(english))
    expected = "".join(values[text] if is_placeholder else text for text, is_placeholder in parse(JAPANESE[english]))
    assert in_japanese(raised) == expected


def test_a_quoted_text_of_ours_is_translated_inside_the_sentence_that_quotes_it():
    assert in_japanese("The request body is not valid JSON.") == \
        "リクエスト本文を読み取れません: 正しい JSON ではありません。"
    assert in_japanese("Only an owner or admin can create API keys; your role is user.") == \
        "API キーを作成することができるのはオーナーまたは管理者のみです。あなたのロールは user です。"
    assert in_japanese("The file is not a CSV file or an Excel workbook we can read: this is a PDF document, "
                       "not a CSV file") == \
        "読み込める CSV ファイルまたは Excel ブックではありません: PDF 文書です。CSV ファイルではありません"
    assert in_japanese("The file is not a CSV file or an Excel workbook we can read: this is an Excel 97-2003 .xls "
                       "file (or a password-protected workbook): open it in Excel and save it as an Excel Workbook "
                       "(.xlsx) or as CSV (UTF-8)") == \
        ("読み込める CSV ファイルまたは Excel ブックではありません: Excel 97-2003 の .xls ファイル"
         "（またはパスワードで保護されたブック）です。Excel で開き、Excel ブック（.xlsx）または CSV（UTF-8）"
         "形式で保存し直してください")
    # a value (an id that happens to read like a message of ours) stays as it is
    assert in_japanese("No company with id is empty exists.") == "ID が is empty の会社は存在しません。"


def test_a_template_reads_as_its_f_string_does():
    assert parse("{{{{{name}}}}} has {limit:,} of {', '.join(x)}") == \
        [("{{", False), ("name", True), ("}} has ", False), ("limit:,", True), (" of ", False), ("', '.join(x)", True)]
    for broken in ("a { b", "a } b"):
        with pytest.raises(ValueError):
            parse(broken)


def test_a_plural_ending_the_japanese_does_without_is_dropped():
    for minutes, ending in ((5, "s"), (1, "")):
        assert in_japanese(f"You started an export less than 30 minutes ago; try again in {minutes} "
                           f"minute{ending}.") == \
            f"前回のエクスポートから 30 分経っていません。{minutes} 分後に再度お試しください。"


def test_a_message_the_catalogue_does_not_know_stays_english():
    assert in_japanese("Nobody wrote this message down.") == "Nobody wrote this message down."


@pytest.mark.parametrize(("header", "japanese"), [
    ("ja", True), ("ja-JP", True), ("JA-jp", True), ("ja,en;q=0.5", True),
    ("ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7", True),
    ("fr, ja;q=0.5", True), ("en;q=0.5, *", True), ("en;q=0.2, ja;q=0.8", True), ("ja;q=abc", True),
    ("en,ja;q=0.1", False), ("en-US,en;q=0.9,ja;q=0.8", False), ("en, ja", False), ("ja, en", True),
    ("ja;q=0", False), ("ja;q=0, *", False), ("*", False), ("*;q=0.5, ja;q=0.1", False), ("fr", False),
    ("", False), (None, False),
])
def test_japanese_is_chosen_by_the_accept_language_q_values(header, japanese):
    assert prefers_japanese(header) is japanese


@pytest.mark.parametrize(("header", "language"), [
    (None, "ja"), ("", "ja"), ("fr", "ja"), ("*", "ja"), ("ja;q=0, en;q=0", "ja"),
    ("en", "en"), ("en-US,en;q=0.9,ja;q=0.8", "en"), ("ja;q=0, *", "en"),
    ("ja,en;q=0.5", "ja"), ("en;q=0.5, *", "ja"),
])
def test_a_default_language_applies_only_when_the_header_prefers_neither(header, language):
    assert preferred_language(header, "ja") == language
    if language == "en" or header not in (None, "", "fr", "*", "ja;q=0, en;q=0"):
        assert preferred_language(header, "en") == language  # a preference wins over any default


# --- the HTTP mapping ---------------------------------------------------------------------------

router = Router()


@router.get("/invalid")
def _invalid(request: Request):
    raise ValidationFailed("Some fields are invalid; see details.",
                           [FieldError("name", "is required", "required"), FieldError("age", "Not in the catalogue.")])


@router.get("/unknown")
def _unknown(request: Request):
    raise BadRequest("A message nobody catalogued.")


@router.get("/boom")
def _boom(request: Request):
    raise RuntimeError("secret internals")


@router.post("/echo")
def _echo(request: Request):
    return request.json()


app = App(router)


def _resolve(route_key: str, headers: dict[str, str] | None = None, **extra) -> tuple[int, dict]:
    result = app.resolve({"routeKey": route_key, "requestContext": {"http": {"method": route_key.split()[0]}},
                          "headers": headers or {}, **extra})
    return result["statusCode"], json.loads(result["body"])["error"]


def test_an_unknown_message_falls_back_to_english_in_a_japanese_answer():
    status, error = _resolve("GET /unknown", JA)
    assert (status, error["code"], error["message"]) == (400, "bad_request", "A message nobody catalogued.")
    status, error = _resolve("GET /invalid", JA)
    assert error["details"] == [{"field": "name", "code": "required", "message": "必須項目です"},
                                {"field": "age", "code": "invalid", "message": "Not in the catalogue."}]


def test_the_http_layers_own_errors_are_japanese():
    status, error = _resolve("GET /nowhere", JA, rawPath="/nowhere")
    assert (status, error["code"]) == (404, "not_found")
    assert error["message"] == "GET /nowhere に対応する API はありません。/openapi.json をご確認ください。"
    status, error = _resolve("GET /boom", JA)
    assert (status, error["code"]) == (500, "internal_error")
    assert error["message"].startswith("システム側でエラーが発生しました。")
    status, error = _resolve("POST /echo", JA, body="{not json")
    assert (status, error["message"]) == (400, "リクエスト本文を読み取れません: 正しい JSON ではありません。")
    status, error = _resolve("POST /echo", JA, body="x" * (5 * 1024 * 1024 + 1))
    assert (status, error["code"], error["message"]) == (413, "payload_too_large",
                                                         "リクエスト本文が大きすぎます。5 MB 以下にしてください。")
    status, error = _resolve("POST /echo", {"accept-language": "en,ja;q=0.1"}, body="{not json")
    assert error["message"] == "The request body is not valid JSON."


# --- through the API ----------------------------------------------------------------------------

def _call(api: Api, method: str, path: str, body=None, query=None, language: str | None = "ja") -> tuple[int, dict]:
    from infra.local.server import call_handler

    headers = {"accept-language": language} if language else {}
    result = call_handler(method, path, api.member_claims(),
                          None if body is None else json.dumps(body, ensure_ascii=False),
                          query or {}, headers=headers)
    return result["statusCode"], json.loads(result["body"])["error"]


def test_a_422_names_each_field_in_japanese_with_ja_and_in_english_without(api):
    body = {"family_name": "山田", "email": "not-an-address", "shoe_size": 27}
    status, japanese = _call(api, "POST", "/v1/contacts", body)
    status_en, english = _call(api, "POST", "/v1/contacts", body, language=None)
    assert status == status_en == 422
    assert japanese["code"] == english["code"] == "validation_failed"
    assert english["message"] == "Some fields are invalid; see details."
    assert japanese["message"] == "入力内容に誤りがあります。details を確認してください。"
    assert [(d["field"], d["code"]) for d in japanese["details"]] == \
        [(d["field"], d["code"]) for d in english["details"]]
    by_field = {d["field"]: d["message"] for d in japanese["details"]}
    assert by_field["email"] == "taro@example.co.jp のような正しいメールアドレスを指定してください"
    assert {d["field"]: d["message"] for d in english["details"]}["email"] == \
        "must be a valid email address, such as taro@example.co.jp"
    assert all(by_field[d["field"]] == JAPANESE[d["message"]] for d in english["details"])


def test_a_404_is_japanese_with_the_id_carried_over(api):
    missing = f"c{uuid.uuid4().hex[:12]}"
    status, error = _call(api, "GET", f"/v1/contacts/{missing}")
    assert (status, error["code"]) == (404, "not_found")
    assert error["message"] == f"ID が {missing} のコンタクトは存在しません（または閲覧権限がありません）。"


def test_a_bad_cursor_400_is_japanese(api):
    status, error = _call(api, "GET", "/v1/contacts", query={"cursor": "not-a-cursor"}, language="ja-JP,en;q=0.5")
    assert (status, error["code"]) == (400, "bad_request")
    assert error["message"] == \
        "このカーソルはこの検索条件では使用できません。カーソルを指定せずに最初から取得し直してください。"


def test_a_403_is_japanese(api):
    contact = create(api, family_name="山田")
    status, error = _call(api.as_("user"), "DELETE", f"/v1/contacts/{contact['id']}")
    assert (status, error["code"]) == (403, "forbidden")
    assert error["message"] == \
        "あなたのロール（user）ではコンタクトを削除できません。マネージャー、管理者またはオーナーに依頼してください。"


def test_a_409_is_japanese_in_the_error_and_its_detail(api):
    create(api, family_name="山田", email="taro@example.jp")
    status, error = _call(api, "POST", "/v1/contacts", {"family_name": "佐藤", "email": "taro@example.jp"})
    assert (status, error["code"]) == (409, "conflict")
    assert error["message"] == \
        "このメールアドレスは既に別のコンタクトに登録されています。そのコンタクトを開くか、別のアドレスを指定してください。"
    assert [(d["field"], d["message"]) for d in error["details"]] == \
        [("email", "taro@example.jp は既に別のコンタクトで使用されています")]


def test_a_forged_tracking_link_is_a_japanese_404_for_a_japanese_browser(moto_endpoint):
    from infra.local.server import call_handler

    for language, message in (("ja,en-US;q=0.9",
                               "このトラッキングリンクは無効です。元のメールからリンクを開いてください。"),
                              ("en-US", "This tracking link is not valid; open the link from the original email.")):
        result = call_handler("GET", "/t/c/forged-token", None, headers={"accept-language": language})
        assert result["statusCode"] == 404
        assert json.loads(result["body"]) == {"error": {"code": "not_found", "message": message, "details": []}}
