"""The console at `/` of the local stack, served as CloudFront serves it (infra/local/console.py)."""

from __future__ import annotations

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from infra.local.console import IMMUTABLE, REVALIDATE, api_prefixes, console_file, console_response, security_headers


def _get(path: str, dist):
    return console_response(Request(EnvironBuilder(path=path).get_environ()), dist)


def _dist(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>CRM</title>")
    (tmp_path / "assets" / "app-ABC.js").write_text("console.log(1)")
    return tmp_path


def test_the_api_keeps_its_own_paths():
    prefixes = api_prefixes(["/v1/contacts", "/v1/contacts/{id}", "/auth/config",
                             "/t/o/{token}", "/health", "/{proxy+}"])
    assert prefixes == {"v1", "auth", "t", "health", "_local"}


def test_an_app_route_gets_index_html_and_a_file_itself(tmp_path):
    dist = _dist(tmp_path)
    assert console_file("/contacts/01ABC", dist) == dist / "index.html"
    assert console_file("/", dist) == dist / "index.html"
    assert console_file("/assets/app-ABC.js", dist) == (dist / "assets" / "app-ABC.js").resolve()
    assert console_file("/assets/missing.js", dist) is None
    assert console_file("/assets/../../etc/passwd.txt", dist) is None


def test_index_html_is_revalidated_assets_are_immutable_and_the_csp_is_strict(tmp_path):
    dist = _dist(tmp_path)
    page, asset = _get("/settings/members", dist), _get("/assets/app-ABC.js", dist)
    assert (page.status_code, page.headers["Cache-Control"], page.mimetype) == (200, REVALIDATE, "text/html")
    assert (asset.status_code, asset.headers["Cache-Control"]) == (200, IMMUTABLE)
    policy = page.headers["Content-Security-Policy"]
    only_mail_styles = policy.replace("style-src-attr 'unsafe-inline'", "")  # the mail frame's style attributes
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy and "unsafe" not in only_mail_styles
    assert _get("/assets/missing.js", dist).status_code == 404


def test_an_unbuilt_console_says_how_to_build_it(tmp_path):
    answer = _get("/contacts", tmp_path)
    assert answer.status_code == 404
    assert "make console" in answer.get_data(as_text=True)


def test_the_local_policy_is_the_templates_with_the_emulation_as_its_aws_hosts():
    headers = security_headers("http://127.0.0.1:4566")
    assert headers["Content-Security-Policy"] == (
        "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
        "img-src 'self' data: https:; "
        "connect-src 'self' http://127.0.0.1:4566; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
        "object-src 'none'")
    assert (headers["X-Frame-Options"], headers["Referrer-Policy"]) == ("DENY", "strict-origin-when-cross-origin")
