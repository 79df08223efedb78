"""The browser snippet functions/activity_ingest/collect.js, run for real in Node: a small JS
harness builds a fake browser (window, document with a cookie jar and listeners, location,
history, navigator.sendBeacon, fetch, localStorage, crypto, a <script data-site-key> element,
forms and inputs), runs the snippet in a `vm` context, performs a scenario's actions (pushState,
popstate, form submits, ...) and prints what left the page: beacons (url, blob type, JSON
body), fetches, cookies, localStorage, the address bar and the history calls."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SNIPPET = ROOT / "functions" / "activity_ingest" / "collect.js"
NODE = shutil.which("node") or "/usr/bin/node"

SITE_KEY = "site_01JABCDEFGHJKMNPQRSTVWXYZ0"
SCRIPT_SRC = "https://api.example.test/collect.js"
ENDPOINT = "https://api.example.test/collect"
PAGE = "https://www.example.jp/products?id=7"
TITLE = "製品 | Example"
REFERRER = "https://search.example/?q=crm"
# as sent: a URL's query keeps only campaign and ad click-id parameters (a form's values may be there)
SENT_PAGE = "https://www.example.jp/products"
SENT_REFERRER = "https://search.example/"
VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")

HARNESS = r"""
"use strict";
// Fake browser for collect.js. argv[2]: the snippet; stdin: the scenario JSON; stdout: the result.
const fs = require("fs");
const vm = require("vm");
const { webcrypto } = require("crypto");

const scenario = JSON.parse(fs.readFileSync(0, "utf8"));
const source = fs.readFileSync(process.argv[2], "utf8");
const result = { beacons: [], fetches: [], cookieWrites: [], pushState: [], replaceState: [], errors: [] };
const pending = [];
process.on("unhandledRejection", (e) => result.errors.push("unhandled rejection: " + e));

function eventTarget() {
  const listeners = {};
  return {
    addEventListener(type, fn, capture) { (listeners[type] = listeners[type] || []).push(fn); },
    removeEventListener(type, fn) { listeners[type] = (listeners[type] || []).filter((f) => f !== fn); },
    dispatch(event) {  // a listener's exception is reported, never thrown to the dispatcher
      for (const fn of listeners[event.type] || []) {
        try { fn.call(this, event); } catch (e) { result.errors.push(`${event.type} listener: ${e}`); }
      }
    },
  };
}

function element(tag, attrs) {
  const el = {
    tagName: tag.toUpperCase(),
    getAttribute: (name) => (name in attrs ? String(attrs[name]) : null),
    hasAttribute: (name) => name in attrs,
  };
  if (tag === "input") {
    el.type = String(attrs.type || "text").toLowerCase();
    el.name = attrs.name || "";
    el.value = attrs.value || "";
  } else {
    el.id = attrs.id || "";
  }
  return el;
}

function form(spec) {
  const f = element("form", spec.attrs || {});
  const inputs = (spec.inputs || []).map((attrs) => element("input", attrs));
  f.querySelectorAll = (selector) => {
    if (selector !== "input") throw new Error("unsupported selector " + selector);
    return inputs;
  };
  f.elements = inputs;
  return f;
}

// location: a view of the current URL; only history and "navigation" (popstate) change it.
let current = new URL(scenario.url);
const location = {};
for (const prop of ["href", "origin", "protocol", "host", "hostname", "port", "pathname", "search", "hash"]) {
  Object.defineProperty(location, prop, { get: () => current[prop], enumerable: true });
}
location.toString = () => current.href;
function navigate(url) {
  const next = new URL(url, current.href);
  if (next.origin !== current.origin) throw new DOMException("cross-origin history URL", "SecurityError");
  current = next;
}

let historyState = null;
const history = {
  get state() { return historyState; },
  pushState(state, title, url) { result.pushState.push(url); historyState = state; if (url != null) navigate(url); },
  replaceState(state, title, url) { result.replaceState.push(url); historyState = state; if (url != null) navigate(url); },
};

// document.cookie: name=value pairs as a browser keeps them; attributes are only recorded.
const jar = new Map(Object.entries(scenario.cookies || {}));
const script = element("script", Object.assign({ src: scenario.scriptSrc },
  scenario.siteKey == null ? {} : { "data-site-key": scenario.siteKey }));
script.src = scenario.scriptSrc;
const document = Object.assign(eventTarget(), {
  title: scenario.title,
  referrer: scenario.referrer,
  currentScript: scenario.currentScript === false ? null : script,
  querySelectorAll(selector) {
    if (selector !== "script[data-site-key]") throw new Error("unsupported selector " + selector);
    if (!script.hasAttribute("data-site-key")) return [];
    return [element("script", { src: "https://other.example.test/collect.js", "data-site-key": "site_other" }), script];
  },
  querySelector(selector) { return this.querySelectorAll(selector)[0] || null; },
});
Object.defineProperty(document, "cookie", {
  get: () => Array.from(jar, ([name, value]) => `${name}=${value}`).join("; "),
  set: (text) => {
    result.cookieWrites.push(text);
    const pair = String(text).split(";")[0];
    const eq = pair.indexOf("=");
    jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  },
});

const store = new Map(Object.entries(scenario.localStorage || {}));
const localStorage = {
  getItem: (key) => (store.has(key) ? store.get(key) : null),
  setItem: (key, value) => { store.set(key, String(value)); },
  removeItem: (key) => { store.delete(key); },
};

const navigator = { webdriver: Boolean(scenario.webdriver), userAgent: "Mozilla/5.0 (fake)" };
if (scenario.sendBeacon !== false) {
  navigator.sendBeacon = function (url, data) {
    if (this !== navigator) throw new TypeError("Illegal invocation");
    const beacon = { url: String(url), type: data instanceof Blob ? data.type : typeof data };
    result.beacons.push(beacon);
    pending.push(data.text().then((text) => { beacon.raw = text; beacon.body = JSON.parse(text); }));
    return scenario.beaconAccepts !== false;
  };
}

function fetch(url, init) {
  result.fetches.push({ url: String(url), init: JSON.parse(JSON.stringify(init)), body: JSON.parse(init.body) });
  return scenario.fetchFails ? Promise.reject(new TypeError("Failed to fetch")) : Promise.resolve({ ok: true, status: 204 });
}

const window = Object.assign(eventTarget(), {
  document, location, history, navigator, fetch, URL, Blob, btoa, atob, DOMException, console,
  crypto: webcrypto, setTimeout, clearTimeout,
});
Object.defineProperty(window, "localStorage", {
  enumerable: true,
  get() {
    if (scenario.storageThrows) throw new DOMException("The operation is insecure.", "SecurityError");
    return localStorage;
  },
});
window.window = window;
window.self = window;
vm.createContext(window);
const globalsBefore = new Set(Object.keys(window));

function run() {
  try { vm.runInContext(source, window, { filename: "collect.js" }); } catch (e) { result.errors.push("threw: " + e); }
}

async function main() {
  run();
  for (const action of scenario.actions || []) {
    if (action.do === "pushState") window.history.pushState({}, "", action.url);
    else if (action.do === "replaceState") window.history.replaceState({}, "", action.url);
    else if (action.do === "popstate") { navigate(action.url); window.dispatch({ type: "popstate", state: null }); }
    else if (action.do === "submit") document.dispatch({ type: "submit", target: form(action.form) });
    else if (action.do === "title") document.title = action.title;
    else if (action.do === "pageView") window.crmCollect.pageView();
    else if (action.do === "runAgain") run();
    else throw new Error("unknown action " + action.do);
  }
  await Promise.all(pending);
  await new Promise((resolve) => setTimeout(resolve, 10));  // let rejected fetches surface
  Object.assign(result, {
    href: location.href,
    cookies: Object.fromEntries(jar),
    localStorage: Object.fromEntries(store),
    exposed: Object.keys(window).filter((name) => !globalsBefore.has(name)),
  });
  process.stdout.write(JSON.stringify(result));
}
main().catch((e) => { console.error(e); process.exit(1); });
"""


def run(tmp_path: Path, **scenario: Any) -> dict[str, Any]:
    """Run the snippet in the fake browser; the result of a page that never saw an error."""
    assert Path(NODE).exists(), "node is required to test collect.js"
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS, encoding="utf-8")
    scenario = {"url": PAGE, "title": TITLE, "referrer": REFERRER, "scriptSrc": SCRIPT_SRC,
                "siteKey": SITE_KEY, **scenario}
    proc = subprocess.run([NODE, str(harness), str(SNIPPET)], input=json.dumps(scenario),
                          capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["errors"] == []
    return result


def bodies(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [beacon["body"] for beacon in result["beacons"]]


def submit(*inputs: dict[str, str], **attrs: str) -> dict[str, Any]:
    return {"do": "submit", "form": {"attrs": attrs, "inputs": list(inputs)}}


def test_load_sends_one_page_view_beacon(tmp_path):
    result = run(tmp_path)
    [beacon] = result["beacons"]
    assert beacon["url"] == ENDPOINT
    assert beacon["type"] == "text/plain"
    body = beacon["body"]
    assert set(body) == {"site_key", "visitor_id", "type", "url", "title", "referrer"}
    assert body["site_key"] == SITE_KEY
    assert VISITOR_ID.match(body["visitor_id"])
    assert (body["type"], body["url"],
            body["title"], body["referrer"]) == ("page_view", SENT_PAGE, TITLE, SENT_REFERRER)
    assert result["fetches"] == []
    assert result["exposed"] == ["crmCollect"]
    assert result["replaceState"] == []


def test_visitor_cookie_is_first_party_for_two_years(tmp_path):
    https = run(tmp_path)
    [cookie] = https["cookieWrites"]
    visitor_id = https["beacons"][0]["body"]["visitor_id"]
    assert cookie == f"_crm_vid={visitor_id}; path=/; max-age=63072000; SameSite=Lax; Secure"
    assert https["cookies"] == {"_crm_vid": visitor_id}
    assert https["localStorage"] == {"_crm_vid": visitor_id}

    http = run(tmp_path, url="http://www.example.jp/")
    assert http["cookieWrites"][0].endswith("; SameSite=Lax")
    assert "Secure" not in http["cookieWrites"][0]


def test_visitor_id_persists_via_cookie_and_local_storage(tmp_path):
    first = run(tmp_path)
    visitor_id = first["beacons"][0]["body"]["visitor_id"]
    assert run(tmp_path)["beacons"][0]["body"]["visitor_id"] != visitor_id  # a new browser, a new id

    again = run(tmp_path, cookies={"other": "1", **first["cookies"]})
    assert again["beacons"][0]["body"]["visitor_id"] == visitor_id

    cookie_cleared = run(tmp_path, localStorage={"_crm_vid": visitor_id})
    assert cookie_cleared["beacons"][0]["body"]["visitor_id"] == visitor_id
    assert cookie_cleared["cookies"] == {"_crm_vid": visitor_id}


def test_click_token_is_read_and_stripped_from_the_address_bar(tmp_path):
    cleaned = "https://www.example.jp/lp?utm_source=mail#form"
    result = run(tmp_path, url="https://www.example.jp/lp?utm_source=mail&_crm_click=TOKEN123#form")
    [body] = bodies(result)
    assert body["type"] == "page_view"
    assert body["click_token"] == "TOKEN123"
    assert body["url"] == cleaned
    assert result["href"] == cleaned
    assert result["replaceState"] == [cleaned]

    only_param = run(tmp_path, url="https://www.example.jp/lp?_crm_click=T%2B1")
    assert only_param["href"] == "https://www.example.jp/lp"
    assert bodies(only_param)[0]["click_token"] == "T+1"


def test_spa_navigation_sends_page_views(tmp_path):
    result = run(tmp_path, actions=[
        {"do": "title", "title": "料金"},
        {"do": "pushState", "url": "/pricing"},
        {"do": "popstate", "url": PAGE},
        {"do": "pushState", "url": PAGE},  # same URL: not a new page
        {"do": "popstate", "url": "/pricing"},
        {"do": "replaceState", "url": "/pricing?plan=pro"},
    ])
    views = bodies(result)
    assert [(view["type"], view["url"]) for view in views] == [
        ("page_view", SENT_PAGE),
        ("page_view", "https://www.example.jp/pricing"),
        ("page_view", SENT_PAGE),
        ("page_view", "https://www.example.jp/pricing"),
        ("page_view", "https://www.example.jp/pricing"),  # ?plan=pro: a new page, its query not kept
    ]
    assert views[1]["title"] == "料金"
    assert len({view["visitor_id"] for view in views}) == 1
    assert result["href"] == "https://www.example.jp/pricing?plan=pro"


def test_a_get_forms_values_in_the_url_or_referrer_are_never_sent(tmp_path):
    """A form sent with method="get" lands on a page whose URL carries every field; that URL
    is also the next page's referrer. Only campaign and click-id parameters leave the page."""
    result = run(tmp_path, url="https://www.example.jp/thanks?name=%E5%B1%B1%E7%94%B0&tel=09012345678"
                               "&utm_source=mail&gclid=G1&q=x#done",
                 referrer="https://www.example.jp/contact?email=taro%40example.jp&utm_medium=lp",
                 actions=[{"do": "pushState", "url": "/next?tel=09012345678&fbclid=F1"}])
    first, second = bodies(result)
    assert first["url"] == "https://www.example.jp/thanks?utm_source=mail&gclid=G1#done"
    assert first["referrer"] == "https://www.example.jp/contact?utm_medium=lp"
    assert second["url"] == "https://www.example.jp/next?fbclid=F1"
    raw = " ".join(beacon["raw"] for beacon in result["beacons"])
    assert "09012345678" not in raw and "%E5%B1%B1" not in raw and "taro" not in raw


def test_hash_changes_are_not_page_views(tmp_path):
    result = run(tmp_path, actions=[{"do": "pushState", "url": "#faq"}, {"do": "popstate", "url": PAGE + "#top"}])
    assert len(result["beacons"]) == 1


def test_form_submit_sends_the_email_and_no_other_value(tmp_path):
    result = run(tmp_path, actions=[submit(
        {"type": "text", "name": "company", "value": "株式会社サンプル"},
        {"type": "email", "name": "contact", "value": "  taro@example.co.jp "},
        {"type": "password", "name": "password", "value": "hunter2-secret"},
        id="signup", action="/signup")])
    page_view, submitted = result["beacons"]
    assert page_view["body"]["type"] == "page_view"
    assert submitted["url"] == ENDPOINT
    assert submitted["body"] == {
        "site_key": SITE_KEY, "visitor_id": page_view["body"]["visitor_id"], "type": "form_submitted",
        "url": SENT_PAGE, "title": TITLE, "referrer": SENT_REFERRER, "email": "taro@example.co.jp", "form": "signup",
    }
    assert "hunter2-secret" not in submitted["raw"]
    assert "サンプル" not in submitted["raw"]


def test_a_forms_member_group_is_sent_with_it(tmp_path):
    result = run(tmp_path, actions=[submit({"type": "email", "name": "email", "value": "taro@example.co.jp"},
                                           id="join", **{"data-crm-member-group": "01JGROUP"})])
    submitted = result["beacons"][1]["body"]
    assert (submitted["type"], submitted["member_group_id"]) == ("form_submitted", "01JGROUP")


def test_form_field_named_mail_is_used(tmp_path):
    result = run(tmp_path, actions=[
        submit({"type": "password", "name": "mail_password", "value": "x@y.zz"},
               {"type": "text", "name": "Mail_Address", "value": "hanako@example.com"}, name="contact"),
        submit({"type": "text", "name": "email", "value": "a@b.co"}, action="/inquiry"),
        submit({"type": "text", "name": "email", "value": "c@d.co"}),
    ])
    forms = [(body["email"], body["form"]) for body in bodies(result)[1:]]
    assert forms == [("hanako@example.com", "contact"), ("a@b.co", "/inquiry"), ("c@d.co", "")]


def test_forms_without_a_valid_email_send_nothing(tmp_path):
    result = run(tmp_path, actions=[
        submit({"type": "text", "name": "name", "value": "taro@example.com"},
               {"type": "password", "name": "password", "value": "pw@example.com"}, id="login"),
        submit({"type": "email", "name": "email", "value": "not-an-email"}, id="bad"),
        submit({"type": "email", "name": "email", "value": "taro@example"}, id="no-tld"),
        submit({"type": "email", "name": "email", "value": ""}, id="empty"),
    ])
    assert [body["type"] for body in bodies(result)] == ["page_view"]
    assert result["fetches"] == []


def test_webdriver_disables_everything(tmp_path):
    result = run(tmp_path, webdriver=True, url="https://www.example.jp/?_crm_click=T",
                 actions=[{"do": "pushState", "url": "/x"}, submit({"type": "email", "value": "a@b.co"})])
    assert result["beacons"] == [] and result["fetches"] == []
    assert result["cookieWrites"] == [] and result["localStorage"] == {}
    assert result["exposed"] == []


def test_fetch_fallback_without_send_beacon(tmp_path):
    for scenario in ({"sendBeacon": False}, {"beaconAccepts": False}):
        result = run(tmp_path, fetchFails=True, **scenario)  # a failing fetch is swallowed
        [sent] = result["fetches"]
        assert sent["url"] == ENDPOINT
        init = sent["init"]
        assert isinstance(init.pop("body"), str)
        assert init == {"method": "POST", "keepalive": True, "mode": "cors", "credentials": "omit",
                        "headers": {"Content-Type": "text/plain"}}
        assert sent["body"]["type"] == "page_view"
        assert sent["body"]["site_key"] == SITE_KEY


def test_missing_site_key_sends_nothing(tmp_path):
    result = run(tmp_path, siteKey=None)
    assert result["beacons"] == [] and result["fetches"] == [] and result["cookieWrites"] == []
    assert result["exposed"] == []


def test_falls_back_to_the_site_key_script_without_current_script(tmp_path):
    result = run(tmp_path, currentScript=False)
    [body] = bodies(result)
    assert body["site_key"] == SITE_KEY
    assert result["beacons"][0]["url"] == ENDPOINT


def test_throwing_local_storage_never_breaks_the_page(tmp_path):
    visitor_id = "AbCdEfGhIjKlMnOpQrSt_-"
    result = run(tmp_path, storageThrows=True, cookies={"_crm_vid": visitor_id},
                 actions=[{"do": "pushState", "url": "/next"}])
    assert [body["visitor_id"] for body in bodies(result)] == [visitor_id, visitor_id]

    no_cookie = run(tmp_path, storageThrows=True)
    [body] = bodies(no_cookie)
    assert VISITOR_ID.match(body["visitor_id"])
    assert no_cookie["cookies"] == {"_crm_vid": body["visitor_id"]}


def test_manual_page_view_and_single_install(tmp_path):
    result = run(tmp_path, actions=[{"do": "runAgain"}, {"do": "pageView"}])
    assert [(body["type"], body["url"]) for body in bodies(result)] == [("page_view", SENT_PAGE),
                                                                        ("page_view", SENT_PAGE)]
    assert result["exposed"] == ["crmCollect"]


def test_long_titles_are_cut_and_long_referrers_dropped(tmp_path):
    """What the server would otherwise refuse or cut: a title of at most 300 characters, no
    referrer over 2,048."""
    [body] = bodies(run(tmp_path, title="長" * 500, referrer="https://search.example/" + "x" * 3000))
    assert body["title"] == "長" * 300 and body["referrer"] == ""
