/* CRM web visit collection. Embed on every page:
 *   <script async src="https://API_HOST/collect.js" data-site-key="site_..."></script>
 * Sends {site_key, visitor_id, type, url, title, referrer, ...} as text/plain (no CORS
 * preflight) to https://API_HOST/collect: a page_view on load and SPA navigations (with
 * click_token from ?_crm_click, then stripped from the URL); a form_submitted with the email
 * and form id (and a form's data-crm-member-group: the member group it joins). No other form value is ever sent: the URL and referrer keep only utm_* and ad
 * click-id query parameters (a form sent with method="get" puts its fields in the next page's
 * URL; the server strips them too). visitor_id lives in cookie+localStorage "_crm_vid". Inert
 * without data-site-key or under navigator.webdriver. */
(function (w, d) {
  "use strict";
  try {
    var nav = w.navigator, loc = w.location, hist = w.history, s = d.currentScript;
    if (nav.webdriver === true || w.crmCollect) return;
    if (!s) { s = d.querySelectorAll("script[data-site-key]"); s = s[s.length - 1]; }
    var key = s && s.getAttribute("data-site-key");
    if (!key) return;
    var url = new URL(s.src, loc.href).origin + "/collect", K = "_crm_vid", ID = /^[\w-]{16,64}$/;
    var store = function (v) { // storage can throw
      try { return v ? w.localStorage.setItem(K, v) : w.localStorage.getItem(K); } catch (e) {}
    };
    var vid = (("; " + d.cookie).split("; " + K + "=")[1] || "").split(";")[0];
    if (!ID.test(vid)) vid = store() || "";
    if (!ID.test(vid)) {
      var b = w.crypto.getRandomValues(new Uint8Array(16));
      vid = w.btoa(String.fromCharCode.apply(null, b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    }
    d.cookie = K + "=" + vid + "; path=/; max-age=63072000; SameSite=Lax" +
      (loc.protocol === "https:" ? "; Secure" : "");
    store(vid);

    // Query parameters kept (as shared/domain/web.py KEPT_QUERY_*): campaign tags, ad click ids.
    var KEEP = /^(utm_.*|gclid|gbraid|wbraid|dclid|fbclid|msclkid|yclid|twclid|ttclid|li_fat_id)$/;
    var clean = function (href) {
      if (!href) return href;
      var c = new URL(href);
      c.search = c.search.slice(1).split("&").filter(function (p) {
        var name = p.split("=")[0];
        try { name = decodeURIComponent(name.replace(/\+/g, " ")); } catch (e) {}
        return p && KEEP.test(name);
      }).join("&");
      return c.href;
    };
    var send = function (type, extra) {
      var r = clean(d.referrer), body = {site_key: key, visitor_id: vid, type: type, url: loc.href,
        title: String(d.title).slice(0, 300), referrer: r.length > 2048 ? "" : r}, k, json;
      for (k in extra) body[k] = extra[k];
      body.url = clean(body.url);
      json = JSON.stringify(body);
      try { if (nav.sendBeacon(url, new Blob([json], {type: "text/plain"}))) return; } catch (e) {}
      try {
        w.fetch(url, {method: "POST", body: json, keepalive: true, mode: "cors", credentials: "omit",
          headers: {"Content-Type": "text/plain"}})["catch"](function () {});
      } catch (e) {}
    };

    // ?_crm_click: read, then stripped (rest of the URL kept) before history is wrapped.
    var u = new URL(loc.href), token = u.searchParams.get("_crm_click"), extra = {};
    if (token !== null) {
      u.search = loc.search.slice(1).split("&").filter(function (p) {
        return p.split("=")[0] !== "_crm_click";
      }).join("&");
      extra.url = u.href;
      if (token) extra.click_token = token;
      try { hist.replaceState(hist.state, "", u.href); } catch (e) {}
    }
    var page = function () { return loc.href.split("#")[0]; }, last = page();
    send("page_view", extra);

    // SPA: a page view when the URL (hash aside) changes.
    var view = function (force) {
      try { if (force === true || page() !== last) { last = page(); send("page_view", {}); } } catch (e) {}
    };
    ["pushState", "replaceState"].forEach(function (m) {
      var orig = hist[m];
      hist[m] = function () { var r = orig.apply(this, arguments); view(); return r; };
    });
    w.addEventListener("popstate", view);

    // Forms: first type=email input, else one named *mail*; nothing else.
    d.addEventListener("submit", function (ev) {
      try {
        var f = ev.target, el = f.querySelectorAll("input"), field, t, email, j;
        for (j = 0; j < el.length; j++) {
          t = el[j].type;
          if (t === "email") { field = el[j]; break; }
          if (!field && t !== "password" && /mail/i.test(el[j].name)) field = el[j];
        }
        email = field ? String(field.value).trim() : "";
        if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
          send("form_submitted", {email: email,
            form: (f.getAttribute("id") || f.getAttribute("name") || f.getAttribute("action") || "").slice(0, 200),
            member_group_id: f.getAttribute("data-crm-member-group") || undefined});
        }
      } catch (e) {}
    }, true);

    w.crmCollect = {pageView: function () { view(true); }};
  } catch (e) {}
})(window, document);
