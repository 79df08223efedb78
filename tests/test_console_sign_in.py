"""Sign-in in the browser (the contract's /login): an invited owner's first sign-in with the
new-password challenge, a wrong password, sign-out, and what the header shows."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from console_support import PASSWORD, assert_accessible, screenshot, sign_in, signed_in_team


def test_an_invited_owner_signs_in_sets_a_password_and_lands_on_contacts(page, console):
    tenant, email, temporary = console.new_team(name="株式会社サインイン", owner_name="佐藤 花子")
    page.goto(console.url + "/")
    page.wait_for_url(re.compile(r"/login$"))
    assert_accessible(page, "/login")
    screenshot(page, "login")
    sign_in(page, console, email, temporary, new_password=PASSWORD)
    header = page.get_by_role("banner")
    expect(header.get_by_text("佐藤 花子")).to_be_visible()
    expect(header.get_by_text("オーナー")).to_be_visible()
    expect(header.get_by_role("link", name="株式会社サインイン")).to_be_visible()


def test_a_wrong_password_is_refused_in_japanese_and_nothing_opens(page, console):
    team = signed_in_team(page, console)
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url(re.compile(r"/login$"))
    page.get_by_label("メールアドレス").fill(team.owner_email)
    page.get_by_label("パスワード", exact=True).fill("Wrong-Passw0rd!")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_have_text("メールアドレスまたはパスワードが正しくありません。")
    page.goto(console.url + "/contacts")
    page.wait_for_url(re.compile(r"/login$"))


def test_the_new_password_must_meet_the_pool_policy(page, console):
    tenant, email, temporary = console.new_team()
    page.goto(console.url + "/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード", exact=True).fill(temporary)
    page.get_by_role("button", name="ログイン").click()
    assert_accessible(page, "the new-password challenge")
    page.get_by_label("新しいパスワード").fill("shortpw1")
    page.get_by_role("button", name="設定してログイン").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile(r"^このパスワードは使えません: "))
    assert page.url.endswith("/login")


def test_english_on_request(page, console):
    signed_in_team(page, console)
    page.get_by_label("表示言語").select_option("en")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("button", name="ログアウト")).to_have_count(0)
