"""The contact list in the browser (the contract's /contacts): quick search 検索, sorting by the
headers, the row links, bulk actions on a selection, the advanced search and segments, 連絡先を追加
with the API's refusals on their fields, what a `user` is offered, and that a long list stays light
(one API call per page, a bounded number of rendered rows)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from console_support import PASSWORD, assert_accessible, screenshot, search_builder, sign_in, signed_in_team

# the rows the table renders at most, however many are loaded (rowWindow.ts: 2 × OVERSCAN, the
# visible rows and a step of rounding on each side)
MAX_RENDERED_ROWS = 2 * 50 + 25 + 2 * 25


def owner_token(console, team) -> str:
    return console.token(team.tenant, team.owner_email)


def add(console, token: str, **fields) -> dict:
    return console.call(token, "POST", "/v1/contacts", fields)


def row_names(page) -> list[str]:
    """The names of the rendered rows, top to bottom."""
    return page.locator("table tbody tr.contact-row td.name-cell a").all_inner_texts()


def rendered_rows(page) -> int:
    return page.locator("table tbody tr.contact-row").count()


def wait_for_rows(page, names: list[str]) -> None:
    page.wait_for_function("names => JSON.stringify([...document.querySelectorAll('td.name-cell a')]"
                           ".map(a => a.textContent)) === JSON.stringify(names)",
                           arg=names)


def api_message(console, token: str, body: dict, field: str) -> str:
    """The API's own message for FIELD when BODY is posted as the console posts it (Japanese first)."""
    request = urllib.request.Request(console.url + "/v1/contacts", data=json.dumps(body).encode(),
                                     method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}", "Accept-Language": "ja,en;q=0.5"})
    try:
        urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as refused:
        error = json.loads(refused.read())["error"]
        details = [detail["message"] for detail in error["details"] if detail["field"] == field]
        return " ".join(details) if details else error["message"]
    raise AssertionError("the API accepted it")


def test_an_empty_tenant_says_so_and_offers_one_add_button(page, console):
    signed_in_team(page, console)
    page.get_by_text("連絡先がありません").wait_for()
    assert page.get_by_role("button", name="連絡先を追加").count() == 1
    expect(page.get_by_role("searchbox", name="検索")).to_be_visible()
    assert_accessible(page, "the empty list")


def test_a_list_that_cannot_load_says_why_and_offers_to_try_again(page, console):
    team = signed_in_team(page, console)
    add(console, owner_token(console, team), family_name="再試行")
    page.goto(console.url + "/contacts?segment=no-such-segment")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text().startswith("読み込めませんでした: ")
    assert_accessible(page, "the list's error state")
    page.get_by_label("セグメント").select_option("")
    wait_for_rows(page, ["再試行"])


def test_half_width_kana_in_the_search_box_finds_yamada_and_the_url_keeps_it(page, console):
    team = signed_in_team(page, console)
    token = owner_token(console, team)
    add(console, token, family_name="山田", given_name="太郎", family_name_kana="ヤマダ", given_name_kana="タロウ",
        email="taro@yamada.example.jp", company="株式会社ヤマダ商事")
    add(console, token, family_name="山本", given_name="花子", family_name_kana="ヤマモト", given_name_kana="ハナコ")
    add(console, token, family_name="佐藤", given_name="一郎", family_name_kana="サトウ", given_name_kana="イチロウ")
    add(console, token, family_name="田中", given_name="誠", family_name_kana="タナカ",
        given_name_kana="マコト", starred=True)
    page.reload()
    wait_for_rows(page, ["田中 誠", "佐藤 一郎", "山本 花子", "山田 太郎"])
    expect(page.get_by_text("4 件を表示中")).to_be_visible()
    assert page.get_by_role("img", name="スター付き").count() == 1
    assert_accessible(page, "the contact list")
    screenshot(page, "contacts")

    page.get_by_role("searchbox", name="検索").fill("ﾔﾏﾀﾞ")
    wait_for_rows(page, ["山田 太郎"])
    assert parse_qs(urlparse(page.url).query)["q"] == ["ﾔﾏﾀﾞ"]
    page.reload()
    wait_for_rows(page, ["山田 太郎"])
    assert page.get_by_role("searchbox", name="検索").input_value() == "ﾔﾏﾀﾞ"


def test_the_name_header_sorts_both_ways_and_a_row_link_opens_the_contact(page, console):
    team = signed_in_team(page, console)
    token = owner_token(console, team)
    ids = {}
    for family, kana in (("上田", "ウエダ"), ("阿部", "アベ"), ("伊藤", "イトウ")):
        ids[family] = add(console, token, family_name=family, family_name_kana=kana)["id"]
    page.reload()
    wait_for_rows(page, ["伊藤", "阿部", "上田"])  # newest first
    header = page.get_by_role("columnheader", name="名前")
    header.get_by_role("button", name="名前").click()
    wait_for_rows(page, ["阿部", "伊藤", "上田"])  # by the kana reading
    assert header.get_attribute("aria-sort") == "ascending"
    header.get_by_role("button", name="名前").click()
    wait_for_rows(page, ["上田", "伊藤", "阿部"])
    assert header.get_attribute("aria-sort") == "descending"
    assert parse_qs(urlparse(page.url).query) == {"sort": ["name"], "order": ["desc"]}
    page.go_back()
    wait_for_rows(page, ["阿部", "伊藤", "上田"])

    page.get_by_role("link", name="伊藤").click()
    page.wait_for_url(re.compile(rf"/contacts/{ids['伊藤']}$"))


def test_fifty_selected_contacts_get_a_tag_at_once(page, console):
    team = signed_in_team(page, console)
    token = owner_token(console, team)
    console.imported(token, [{"family_name": f"一括{index:03d}", "email": f"bulk{index}@example.jp"}
                             for index in range(60)])
    page.reload()
    page.get_by_text("50 件を表示中").wait_for()
    page.get_by_role("checkbox", name="このページをすべて選択").check()
    bar = page.get_by_role("region", name="選択した連絡先への一括操作")
    expect(bar.get_by_text("50 件を選択中")).to_be_visible()
    expect(bar.get_by_role("button", name="削除")).to_be_visible()  # the owner may delete
    assert_accessible(page, "the bulk bar")
    bar.get_by_role("button", name="タグを付ける").click()
    dialog = page.get_by_role("dialog", name="タグを付ける")
    dialog.get_by_label("タグ名").fill("展示会2026")
    assert_accessible(page, "the bulk dialog")
    dialog.get_by_role("button", name="実行").click()
    dialog.get_by_text("完了しました: 成功 50 件、見つからない 0 件、権限なし 0 件").wait_for()
    tags = console.call(token, "GET", "/v1/tags")["items"]
    assert [(tag["name"], tag["contact_count"]) for tag in tags] == [("展示会2026", 50)]


def test_every_match_is_changed_by_a_job_whose_progress_is_shown(page, console):
    team = signed_in_team(page, console)
    token = owner_token(console, team)
    console.imported(token, [{"family_name": f"全件{index:03d}", "status": "won" if index < 70 else "new"}
                             for index in range(80)])
    page.reload()
    page.get_by_label("ステータス").select_option(label="受注")
    page.get_by_text("50 件を表示中").wait_for()
    page.get_by_role("checkbox", name="このページをすべて選択").check()
    page.get_by_role("button", name="条件に合う全件を選択").click()
    bar = page.get_by_role("region", name="選択した連絡先への一括操作")
    expect(bar.get_by_text("条件に合う全件を選択中")).to_be_visible()
    bar.get_by_role("button", name="スターを付ける").click()
    dialog = page.get_by_role("dialog", name="スターを付ける")
    dialog.get_by_role("button", name="実行").click()
    dialog.get_by_text("完了しました: 成功 70 件、見つからない 0 件、権限なし 0 件").wait_for(timeout=30_000)
    starred = console.call(token, "GET", "/v1/contacts?starred=true&limit=200")["items"]
    assert len(starred) == 70 and {contact["status"] for contact in starred} == {"won"}


def test_an_advanced_condition_saved_as_a_segment_shows_its_contacts(page, console):
    team = signed_in_team(page, console)
    token = owner_token(console, team)
    for family, company, tags in (("青木", "アルファ工業", ["展示会"]), ("石井", "アルファ工業", []),
                                  ("宇野", "ベータ商会", ["展示会"])):
        add(console, token, family_name=family, company=company, tags=tags)
    page.reload()
    wait_for_rows(page, ["宇野", "石井", "青木"])
    dialog = search_builder(page, "会社名", "を含む", "ｱﾙﾌｧ")
    dialog.get_by_role("button", name="タグ条件を追加").click()
    dialog.get_by_label("含むタグ").fill("展示会")
    assert_accessible(page, "the search builder")
    screenshot(page, "contacts-search-builder")
    dialog.get_by_role("button", name="この条件で表示").click()
    wait_for_rows(page, ["青木"])

    page.get_by_role("button", name="条件で絞り込む").click()
    dialog.get_by_label("このグループの条件の結合").select_option("or")
    dialog.get_by_role("button", name="セグメントとして保存").click()
    dialog.get_by_label("セグメント名").fill("アルファか展示会")
    dialog.get_by_role("button", name="保存", exact=True).click()
    page.get_by_text("セグメント「アルファか展示会」を保存しました。").wait_for()
    wait_for_rows(page, ["宇野", "石井", "青木"])
    segment = console.call(token, "GET", "/v1/segments")["items"][0]
    assert segment["filter"] == {"or": [{"field": "company", "op": "contains", "value": "ｱﾙﾌｧ"},
                                        {"tags": {"include": ["展示会"], "include_mode": "any"}}]}

    page.get_by_role("button", name="絞り込みをすべて解除").click()
    add(console, token, family_name="江藤", company="ガンマ")
    page.reload()
    wait_for_rows(page, ["江藤", "宇野", "石井", "青木"])
    page.get_by_label("セグメント").select_option(label="アルファか展示会")
    wait_for_rows(page, ["宇野", "石井", "青木"])
    assert parse_qs(urlparse(page.url).query)["segment"] == [segment["id"]]


def test_a_bad_email_is_refused_on_its_field_in_the_apis_words_and_a_good_one_opens_the_contact(page, console):
    team = signed_in_team(page, console)
    token = owner_token(console, team)
    add(console, token, family_name="既存", email="taken@example.jp")
    page.reload()
    page.get_by_role("button", name="連絡先を追加").click()
    dialog = page.get_by_role("dialog", name="連絡先を追加")
    dialog.get_by_label("姓", exact=True).fill("鈴木")
    email = dialog.get_by_label("メールアドレス")
    email.fill("suzuki@@example")
    assert_accessible(page, "the add-contact dialog")
    screenshot(page, "contact-add")
    dialog.get_by_role("button", name="追加", exact=True).click()
    expected = api_message(console, token, {"family_name": "鈴木", "email": "suzuki@@example",
                                            "owner_id": None, "status": "new"}, "email")
    page.wait_for_function("() => document.getElementById('add-email').getAttribute('aria-invalid') === 'true'")
    described = page.locator(f"#{email.get_attribute('aria-describedby')}")
    assert described.inner_text() == expected
    assert_accessible(page, "the add-contact dialog with a refusal")

    email.fill("TAKEN@example.jp")
    dialog.get_by_role("button", name="追加", exact=True).click()
    duplicate = api_message(console, token, {"family_name": "鈴木", "email": "TAKEN@example.jp"}, "email")
    page.locator("#add-email-error").get_by_text(duplicate).wait_for()

    email.fill("suzuki@example.jp")
    dialog.get_by_role("button", name="追加", exact=True).click()
    page.wait_for_url(re.compile(r"/contacts/[^/?]+$"))
    created = page.url.rsplit("/", 1)[1]
    assert console.call(token, "GET", f"/v1/contacts/{created}")["email"] == "suzuki@example.jp"


def test_a_user_is_not_offered_delete(page, console):
    team = signed_in_team(page, console)
    token = owner_token(console, team)
    add(console, token, family_name="共有")
    email = f"user@{team.tenant}.example.jp"
    console.call(token, "POST", "/v1/members", {"email": email, "name": "一般 ユーザー", "role": "user"})
    page.get_by_role("button", name="ログアウト").click()
    sign_in(page, console, email, console.temporary_password(email), new_password=PASSWORD)
    page.get_by_role("checkbox", name="共有 を選択").check()
    bar = page.get_by_role("region", name="選択した連絡先への一括操作")
    expect(bar.get_by_role("button", name="スターを付ける")).to_be_visible()
    assert bar.get_by_role("button", name="削除").count() == 0


def test_english_on_request(page, console):
    team = signed_in_team(page, console)
    add(console, owner_token(console, team), family_name="英語")
    page.reload()
    page.get_by_label("表示言語").select_option("en")
    expect(page.get_by_role("searchbox", name="Search")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Name")).to_be_visible()
    expect(page.get_by_role("button", name="Add contact")).to_be_visible()
    expect(page.get_by_text("1 shown")).to_be_visible()


# every contacts call the page itself makes (its fetch), in order
COUNT_CALLS = """
const fetched = window.fetch;
window.__contactCalls = [];
window.fetch = function (input, init) {
  const url = typeof input === 'string' ? input : input.url;
  if (url.includes('/v1/contacts') || url.includes('/v1/segments/')) window.__contactCalls.push(url);
  return fetched.apply(this, arguments);
};
"""


def test_a_long_list_costs_one_call_a_page_and_renders_a_bounded_number_of_rows(page, console):
    team = signed_in_team(page, console)
    token = owner_token(console, team)
    console.imported(token, [{"family_name": f"多数{index:04d}", "email": f"many{index}@example.jp"}
                             for index in range(600)])
    page.add_init_script(COUNT_CALLS)
    page.reload()
    page.get_by_text("50 件を表示中").wait_for()
    first = row_names(page)[0]
    for loaded in range(100, 601, 50):
        page.mouse.wheel(0, 50 * 45)
        page.get_by_text(f"{loaded} 件を表示中").wait_for()
        assert rendered_rows(page) <= MAX_RENDERED_ROWS
    calls = page.evaluate("window.__contactCalls")
    assert len(calls) == 12 and len(set(calls)) == 12, calls  # 600 contacts, 50 a page: one call each
    assert "cursor=" not in calls[0] and all("cursor=" in call for call in calls[1:])
    page.mouse.wheel(0, -100_000)
    page.wait_for_function("first => document.querySelector('tr.contact-row td.name-cell a').textContent === first",
                           arg=first)
    assert rendered_rows(page) <= MAX_RENDERED_ROWS
