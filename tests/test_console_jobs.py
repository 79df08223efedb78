"""ジョブ確認 in the browser (/jobs, SATORI's ジョブ確認): a bulk action and an export the owner started
appear with their kind, status, progress and counts, the page refreshing while they run and
stopping once they are done; an export's row opens its page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from console_support import assert_accessible, screenshot, signed_in_team


def test_a_bulk_action_and_an_export_show_their_status_and_counts(page, console):
    team = signed_in_team(page, console)
    token = console.token(team.tenant, team.owner_email)
    for index in range(4):
        console.call(token, "POST", "/v1/contacts", {"family_name": f"ジョブ{index}",
                                                     "status": "won" if index < 3 else "new"})
    bulk = console.call(token, "POST", "/v1/contacts/bulk", {
        "selection": {"filter": {"field": "status", "op": "eq", "value": "won"}}, "action": "star"})
    export = console.call(token, "POST", "/v1/exports", {
        "format": "csv", "fields": ["family_name"], "selection": {"all": True}, "reason": "ジョブ確認のテスト"})

    page.get_by_role("link", name="ジョブ確認").click()
    expect(page.get_by_role("heading", name="ジョブ確認")).to_be_visible()
    rows = page.locator("tr.job-row")
    expect(rows).to_have_count(2)
    exported, starred = rows.nth(0), rows.nth(1)  # newest first
    expect(starred.get_by_role("cell").nth(1)).to_have_text("一括操作: スターを付ける")
    expect(exported.get_by_role("cell").nth(1)).to_have_text("エクスポート")
    # the page asks again until both are done, then stops saying it refreshes
    expect(starred.get_by_role("cell").nth(2)).to_have_text("完了", timeout=60_000)
    expect(exported.get_by_role("cell").nth(2)).to_have_text("完了", timeout=60_000)
    expect(starred.get_by_role("cell").nth(4)).to_have_text("成功 3・見つからない 0・権限なし 0")
    expect(starred.get_by_role("cell").nth(3)).to_contain_text("100%")
    expect(starred.get_by_role("cell").nth(3)).to_contain_text("3 / 3 件")
    expect(exported.get_by_role("cell").nth(4)).to_have_text("4 件")
    expect(starred.get_by_role("cell").nth(6)).to_have_text("山田 太郎")
    expect(page.get_by_text("実行中のジョブがあるため、自動で更新しています。")).to_have_count(0)
    assert_accessible(page, "the jobs")
    screenshot(page, "jobs")

    page.get_by_label("表示言語").select_option("en")
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
    expect(starred.get_by_role("cell").nth(1)).to_have_text("Bulk action: Star")
    expect(starred.get_by_role("cell").nth(4)).to_have_text("3 succeeded, 0 not found, 0 not allowed")
    expect(exported.get_by_role("cell").nth(2)).to_have_text("Done")
    page.get_by_label("Language").select_option("ja")

    exported.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/exports/{export['id']}$"))
    expect(page.get_by_text("4 件を書き出しました。")).to_be_visible()
    assert bulk["id"] != export["id"]
