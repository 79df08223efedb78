"""The console's end-to-end tests: the stack served as `make dev` serves it (the API and the built
console on one origin, the embedded AWS emulation with its user pool), Debian's Chromium driven by
Playwright, axe-core run in the page, sign-in through the real Cognito flow.

Each test uses a tenant of its own, created as an operator does (`crm admin create-tenant --local`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from email import message_from_string, policy
from pathlib import Path
from typing import Any

import pytest

from infra.local import REPO_ROOT
from infra.local.load import HUMAN_UA
from stack_support import BASIC_ENV, ServedStack, invitation

CHROMIUM = Path("/usr/bin/chromium")
CONSOLE_DIST = REPO_ROOT / "console" / "dist"
AXE = REPO_ROOT / "console" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
# As the machine's notes advise: no network of Chromium's own (this machine has none), no sandbox as root.
# Sandboxed frames stay in the page's process: Chromium otherwise isolates them (its
# IsolateSandboxedIframes feature) and Playwright then neither sees nor routes their requests, so
# a test could not tell whether the mailbox's sandboxed mail frame fetched a remote image.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--lang=ja-JP",
                 "--disable-features=IsolateSandboxedIframes"]
PASSWORD = "Console-Passw0rd!"


def required(path: Path, install: str) -> Path:
    """PATH, or the test fails saying which command installs it (never a silent skip)."""
    if not path.exists():
        pytest.fail(f"{path} is missing: run `{install}` (make test does)", pytrace=False)
    return path


@dataclass
class Team:
    """A tenant as its owner sees it: their email and password (already changed from the temporary one)."""

    tenant: str
    owner_email: str
    password: str


class Console:
    """The served stack plus what the tests need of it: teams, API calls, the outbox."""

    def __init__(self, stack: ServedStack):
        self.stack = stack
        self.url = stack.url

    def new_team(self, name: str = "株式会社テスト", owner_name: str = "山田 太郎") -> tuple[str, str, str]:
        """A new tenant with its first owner: (tenant, owner email, temporary password)."""
        tenant = f"t{uuid.uuid4().hex[:10]}"
        email = f"owner@{tenant}.example.jp"
        env = {name: os.environ[name] for name in BASIC_ENV if name in os.environ}
        env.update(PYTHONPATH=str(REPO_ROOT), CRM_LOCAL_DATA=str(self.stack.data_dir), CRM_API_URL=self.url)
        created = subprocess.run(
            [sys.executable, "-m", "infra.crm_cli", "admin", "create-tenant", "--local", "--tenant", tenant,
             "--name", name, "--owner-email", email, "--owner-name", owner_name],
            capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=120)
        assert created.returncode == 0, created.stderr
        return tenant, email, re.search(r"^temporary password: (\S+)$", created.stdout, re.MULTILINE).group(1)

    def token(self, tenant: str, email: str, role: str = "owner", name: str | None = None) -> str:
        """An ID token of the stack's user pool for EMAIL in TENANT (the member is made if needed)."""
        from infra.local.sign_in import id_token

        return id_token(self.stack.data_dir, tenant, email, role, name)

    def call(self, token: str | None, method: str, path: str, body: Any = None, language: str | None = None) -> Any:
        """METHOD PATH on the API (in LANGUAGE, as the console asks); the decoded answer (an HTTP error raises)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {}),
            **({"Accept-Language": language} if language else {})})
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def imported(self, token: str, rows: list[dict[str, str]]) -> None:
        """ROWS written through the import API as a CSV (POST /v1/imports, PUT, start), awaited."""
        header = list(rows[0])
        text = ",".join(header) + "\n" + "".join(",".join(row[name] for name in header) + "\n" for row in rows)
        created = self.call(token, "POST", "/v1/imports", {})
        request = urllib.request.Request(created["upload_url"], data=text.encode(), method="PUT",
                                         headers={"Content-Type": "text/csv"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
        self.call(token, "POST", f"/v1/imports/{created['id']}/start",
                  {"mapping": {name: name for name in header}, "on_duplicate": "skip"})
        deadline = time.time() + 120
        while True:
            done = self.call(token, "GET", f"/v1/imports/{created['id']}")
            if done["status"] in ("succeeded", "failed"):
                break
            assert time.time() < deadline, done
            time.sleep(0.5)
        assert done["status"] == "succeeded" and done["created"] == len(rows), done

    def temporary_password(self, email: str) -> str:
        """The temporary password of EMAIL's latest invitation, from /_local/outbox."""
        mailed = [item for item in self.call(None, "GET", "/_local/outbox")["items"]
                  if item["to"] == [email] and item["transport"] == "cognito"]
        return invitation(mailed[-1]["raw"])[1]

    def outbox(self) -> list[dict[str, Any]]:
        return self.call(None, "GET", "/_local/outbox")["items"]

    def open_as_a_person(self, email_id: str) -> None:
        """A person opens the sent email EMAIL_ID: its tracking pixel (/t/o/…, found in the HTML of
        the outbox's raw MIME) fetched with a desktop browser's User-Agent."""
        [sent] = [item for item in self.outbox() if item.get("email_id") == email_id]
        html = message_from_string(sent["raw"], policy=policy.default).get_body(("html",)).get_content()
        pixel = re.search(r"/t/o/[\w-]+", html)
        assert pixel, html
        request = urllib.request.Request(self.url + pixel.group(0), headers={"User-Agent": HUMAN_UA})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200


def sign_in(page, console: Console, email: str, password: str, new_password: str | None = None) -> None:
    """Sign in on /login by the contract's accessible names; answers the new-password challenge
    when NEW_PASSWORD is given. Ends on /contacts."""
    page.goto(console.url + "/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード", exact=True).fill(password)
    page.get_by_role("button", name="ログイン").click()
    if new_password is not None:
        page.get_by_label("新しいパスワード").fill(new_password)
        page.get_by_role("button", name="設定してログイン").click()
    page.wait_for_url(re.compile(r"/contacts$"))


def search_builder(page, field: str, comparison: str, value: str):
    """The list's 条件で絞り込む dialog, opened with one condition: FIELD COMPARISON VALUE (their labels)."""
    page.get_by_role("button", name="条件で絞り込む").click()
    dialog = page.get_by_role("dialog", name="条件で絞り込む")
    dialog.get_by_label("項目").select_option(label=field)
    dialog.get_by_label("比較").select_option(label=comparison)
    dialog.get_by_label("値").fill(value)
    return dialog


def signed_in_team(page, console: Console, **team: str) -> Team:
    """A new team whose owner signed in in PAGE (first sign-in: temporary password, then PASSWORD)."""
    tenant, email, temporary = console.new_team(**team)
    sign_in(page, console, email, temporary, new_password=PASSWORD)
    return Team(tenant, email, PASSWORD)


def assert_accessible(page, what: str) -> None:
    """axe-core in the page: no serious or critical violation (WCAG 2.x A/AA and best practices)."""
    result = page.evaluate("async () => await window.axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        for violation in result["violations"] if violation["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{what}: axe-core found " + "; ".join(serious)


def screenshot(page, name: str) -> None:
    """The README's picture of a screen, taken as the tests see it, when `make screenshots` asks
    (CRM_SCREENSHOTS=1): an ordinary test run leaves the committed pictures alone (each run would
    otherwise rewrite them with new dates and ids)."""
    if not os.environ.get("CRM_SCREENSHOTS"):
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


@pytest.fixture(scope="session")
def console(tmp_path_factory):
    """The stack served as `make dev` serves it, with the built console."""
    required(CONSOLE_DIST / "index.html", "make console")
    served = ServedStack(tmp_path_factory.mktemp("console") / "data", clean_env=True)
    try:
        yield Console(served)
        served.stop()
    finally:
        served.process.kill()


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless, driven by Playwright (which downloads no browser here)."""
    from playwright.sync_api import sync_playwright

    required(CHROMIUM, "make chromium")
    required(AXE, "make console")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def stubbed_hosts() -> set[str]:
    """Other hosts a test answers itself with `page.route` (a received mail's remote image, once
    the user allowed it): the only ones, besides the stack's, the page may reach."""
    return set()


@pytest.fixture
def page(chromium, console, stubbed_hosts):
    """A fresh browser context (no session, Japanese, JST) and its page; every request it makes is
    to the stack's own hosts (the API and the console's origin, the emulated Cognito) or to
    `stubbed_hosts`, which the test asserts at the end."""
    context = chromium.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1360, "height": 860})
    # axe-core comes with each document (DevTools' way, which the page's CSP does not apply to)
    context.add_init_script(path=str(AXE))
    hosts: set[str] = set()
    context.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    allowed = {console.url.split("/")[2], console.stack.endpoint.split("/")[2], *stubbed_hosts}
    assert hosts <= allowed, f"the console reached other hosts: {sorted(hosts - allowed)}"
    assert not errors, f"uncaught errors in the page: {errors}"
