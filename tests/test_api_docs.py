"""GET /docs: Swagger UI from the layer's pinned package, on the API's own origin. The page works
with no internet and runs no third-party script beside a signed-in user's token."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_the_page_and_its_files_come_from_this_origin_under_a_policy_of_its_own(api):
    page = api.get("/docs", authorized=False)
    assert page.status == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert re.findall(r"""(?:src|href)="([^"]+)\"""", page.body) == [
        "docs/swagger-ui.css", "docs/swagger-ui-bundle.js", "docs/init.js"]
    assert "<script>" not in page.body  # no inline script: the policy allows none
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "default-src 'none'" in policy and "unpkg" not in policy

    script = api.get("/docs/swagger-ui-bundle.js", authorized=False)
    assert script.status == 200 and script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "SwaggerUIBundle" in script.body and len(script.body) > 500_000
    style = api.get("/docs/swagger-ui.css", authorized=False)
    assert style.status == 200 and style.headers["content-type"] == "text/css; charset=utf-8"
    assert ".swagger-ui" in style.body
    init = api.get("/docs/init.js", authorized=False)
    assert init.body == 'SwaggerUIBundle({url: "openapi.json", dom_id: "#ui"});'


def test_a_file_the_page_does_not_use_is_a_404(api):
    for name in ("swagger-ui-bundle.js.map", "index.html", "..%2F..%2F__init__.py", "oauth2-redirect.html"):
        answer = api.get(f"/docs/{name}", authorized=False)
        assert answer.status == 404, name
        assert answer.error["code"] == "not_found"


def test_swagger_ui_renders_the_document_with_no_other_host(page, console):
    """The `page` fixture fails the test if the browser reached any host but the stack's."""
    page.goto(console.url + "/docs")
    expect(page.get_by_role("heading", name=re.compile("^CRM API"))).to_be_visible()
    expect(page.get_by_text("/v1/contacts/search", exact=True).first).to_be_visible()
