"""A bounded load run against the served local stack over HTTP, and a check of what it kept.

Concurrent clients (threads, one user each, all of one tenant) mix contact creates (some with
an email that every client tries, in upper or lower case, to prove that exactly one create of an
address wins and the others answer 409), PATCHes, GETs, list pages, searches, email sends and
open/click tracking hits on the sent messages (found in GET /_local/outbox). Every client
checks what it reads against what it wrote (read your writes); afterwards the whole tenant is
read back and compared with what the stack acknowledged:

* lost writes: an acknowledged contact missing from GET, the list or the search total; a
  PATCH's last value not what GET answers (each field below is written by one client only);
  tracking hits missing from the email's counters, the contact's score or its timeline;
* duplicated writes: contacts that no 201 created, a list holding an id twice, an email
  address on two contacts or won by two creates, hits counted more often than sent.

Contacts that only their creator patches get `department` and property `cNN` (NN: the client);
the few "hot" contacts that receive the emails are patched by every client, each on its own
property `cNN`, while their emails are sent and tracked, so that the contacts API, the emails
API and the tracking function write the same items at once. Opens are 3 in 4 a person's (a
browser's User-Agent) and 1 in 4 a machine's (HEAD, or a link-preview bot): the score counts
only the person's opens (the run sets the score weights to 1 per open, 0 for anything else).

`run_load` drives a stack that is already serving (`infra.local.served.ServedStack`); the load
benchmark (bench/load_bench.py) and tests/test_load.py both call it, with different sizes.
"""

from __future__ import annotations

import http.client
import json
import math
import random
import re
import threading
import time
import traceback
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email import message_from_string, policy
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from infra.local.sign_in import id_token

TENANT = "load-run"
DOMAIN = "load.example"
HUMAN_UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36")
BOT_UA = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"
LINK = "https://www.example.com/offer?from=load"
HOT_CONTACTS = 8
# Family names (with their readings) of the created contacts: a quick search for one finds about
# one contact in len(FAMILY), as a person's search for a name does.
FAMILY = (
    ("山田", "ヤマダ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
    ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
    ("吉田", "ヨシダ"), ("山本", "ヤマモト"), ("松本", "マツモト"), ("井上", "イノウエ"), ("木村", "キムラ"),
    ("斎藤", "サイトウ"), ("清水", "シミズ"), ("山口", "ヤマグチ"), ("池田", "イケダ"), ("橋本", "ハシモト"),
)
REQUEST_TIMEOUT = 60.0  # seconds; above the functions' 29 s
SAMPLES_KEPT = 20

# The concurrent phase: what each client does next, by weight. A send is followed by a GET of
# the outbox (to find the message's tracking URLs), which counts as a request of its own.
MIX = (
    ("create", 12), ("create_shared_email", 6), ("patch", 14), ("patch_hot", 8), ("get", 14),
    ("list", 8), ("search", 8), ("send_email", 2), ("open", 21), ("click", 7),
)
_PIXEL = re.compile(r"/t/o/[\w-]+")
_CLICK = re.compile(r"/t/c/[\w-]+")


@dataclass
class Reply:
    status: int  # 0: no answer (timeout, connection refused or reset)
    body: Any
    headers: dict[str, str]


@dataclass
class KindCount:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    unexpected: int = 0  # answers other than the expected statuses, 5xx and no answer included


class Tally:
    """Requests per kind and their answers, from every thread; a few unexpected answers kept."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.kinds: dict[str, KindCount] = {}
        self.samples: list[str] = []

    def record(self, kind: str, method: str, path: str, reply: Reply, expected: bool) -> None:
        with self._lock:
            count = self.kinds.setdefault(kind, KindCount())
            count.requests += 1
            count.statuses[reply.status] += 1
            if not expected:
                count.unexpected += 1
                if len(self.samples) < SAMPLES_KEPT:
                    self.samples.append(f"{kind}: {method} {path[:80]} → {reply.status} {str(reply.body)[:300]}")

    def requests(self) -> int:
        with self._lock:
            return sum(count.requests for count in self.kinds.values())


class Http:
    """One request per connection, as the stack's HTTP/1.0 server answers them."""

    def __init__(self, base_url: str, tally: Tally) -> None:
        url = urlsplit(base_url)
        self._host, self._port = url.hostname, url.port
        self._tally = tally

    def call(self, kind: str, method: str, path: str, body: Any = None, *, token: str | None = None,
             user_agent: str | None = None, expect: tuple[int, ...] = (200,)) -> Reply:
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if user_agent is not None:
            headers["User-Agent"] = user_agent
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection(self._host, self._port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, data, headers)
            response = connection.getresponse()
            raw = response.read()
            content_type = response.getheader("Content-Type") or ""
            parsed: Any = raw
            if raw and content_type.startswith("application/json"):
                parsed = json.loads(raw)
            reply = Reply(response.status, parsed, {name.lower(): value for name, value in response.getheaders()})
        except (OSError, http.client.HTTPException) as error:
            reply = Reply(0, repr(error), {})
        finally:
            connection.close()
        self._tally.record(kind, method, path, reply, reply.status in expect)
        return reply


@dataclass
class Tracked:
    email_id: str
    contact_id: str
    open_path: str
    click_path: str


@dataclass
class Ledger:
    """What one client (or the set-up) was told, and the problems it saw on the way."""

    created: dict[str, str | None] = field(default_factory=dict)  # contact id → email (None: none)
    shared: list[tuple[int, int, str | None]] = field(default_factory=list)  # (address no., status, id)
    patched: dict[str, str] = field(default_factory=dict)  # own contact → last department / property
    hot_patched: dict[str, str] = field(default_factory=dict)  # hot contact → last value of own property
    uncertain: set[str] = field(default_factory=set)  # contacts or emails a write of which got no clear answer
    unanswered: set[str] = field(default_factory=set)  # given names of creates that got no clear answer
    sends: Counter = field(default_factory=Counter)  # hot contact → emails sent (201)
    hits: Counter = field(default_factory=Counter)  # (email id, "human_open"|"machine_open"|"click") → answered hits
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)

    def merge(self, other: Ledger) -> None:
        self.created.update(other.created)
        self.shared += other.shared
        self.uncertain |= other.uncertain
        self.unanswered |= other.unanswered
        self.sends.update(other.sends)
        self.hits.update(other.hits)
        self.lost += other.lost
        self.duplicated += other.duplicated


@dataclass
class LoadReport:
    clients: int
    requests: int  # of the concurrent phase
    seconds: float  # of the concurrent phase
    baseline_rate: float  # one client's sequential GET /v1/contacts/{id} per second
    kinds: dict[str, KindCount]  # every phase
    contacts: int  # created (201) in all
    shared_tries: Counter  # contested address (its number) → creates that tried it
    tracked_emails: int
    lost: list[str]
    duplicated: list[str]
    samples: list[str]
    client_failures: list[str]  # tracebacks of clients that stopped on an answer they could not read

    @property
    def server_errors(self) -> int:
        return sum(n for count in self.kinds.values() for status, n in count.statuses.items() if status >= 500)

    @property
    def unexpected(self) -> int:
        """Unexpected answers other than 5xx (no answer at all, a 4xx where none was due)."""
        return sum(count.unexpected for count in self.kinds.values()) - self.server_errors

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def ratio(self) -> float:
        return self.throughput / self.baseline_rate if self.baseline_rate else 0.0

    def summary(self) -> str:
        lines = [f"{self.requests} requests from {self.clients} clients in {self.seconds:.1f} s: "
                 f"{self.throughput:.1f}/s, {self.ratio:.2f} × one client's sequential GET "
                 f"({self.baseline_rate:.1f}/s); {self.contacts} contacts, {len(self.shared_tries)} contested "
                 f"addresses, {self.tracked_emails} tracked emails; 5xx {self.server_errors}, other unexpected "
                 f"{self.unexpected}, lost writes {len(self.lost)}, duplicated writes {len(self.duplicated)}",
                 f"{'kind':<22}{'requests':>9}{'unexpected':>11}  statuses"]
        for kind, count in sorted(self.kinds.items()):
            statuses = ", ".join(f"{status or 'none'}×{n}" for status, n in sorted(count.statuses.items()))
            lines.append(f"{kind:<22}{count.requests:>9}{count.unexpected:>11}  {statuses}")
        lines += [f"lost: {problem}" for problem in self.lost[:SAMPLES_KEPT]]
        lines += [f"duplicated: {problem}" for problem in self.duplicated[:SAMPLES_KEPT]]
        lines += [f"unexpected: {sample}" for sample in self.samples]
        lines += [f"client failure: {failure}" for failure in self.client_failures]
        return "\n".join(lines)


def _key(client: int) -> str:
    return f"c{client:02d}"


def _shared_address(number: int, client: int) -> str:
    address = f"shared{number}@{DOMAIN}"
    return address.upper() if client % 2 else address  # one address, compared case-insensitively


def _email_body(label: str) -> dict[str, Any]:
    return {"subject": f"負荷 {label}", "body_text": f"Hello {label}\n{LINK}",
            "body_html": f'<p>Hello {label}</p><p><a href="{LINK}">offer</a></p>'}


class _Stack:
    """The stack's API as the run uses it: who calls, and the tracked messages so far."""

    def __init__(self, base_url: str, data_dir: Path, tally: Tally) -> None:
        self.http = Http(base_url, tally)
        self._data_dir = data_dir
        self.tracked: list[Tracked] = []
        self._tracked_lock = threading.Lock()

    def token(self, user: str) -> str:
        return id_token(self._data_dir, TENANT, f"{user}@{DOMAIN}", "owner")

    def track(self, kind: str, token: str, sent: dict[str, str]) -> list[Tracked]:
        """The tracking URLs of the sent emails (email id → contact id), from the outbox."""
        reply = self.http.call(kind, "GET", "/_local/outbox", token=token)
        found = []
        for item in reply.body["items"] if reply.status == 200 else []:
            if item.get("email_id") in sent:
                html = message_from_string(item["raw"], policy=policy.default).get_body(("html",)).get_content()
                pixel, click = _PIXEL.search(html), _CLICK.search(html)
                if pixel and click:
                    found.append(Tracked(item["email_id"], sent[item["email_id"]], pixel.group(0), click.group(0)))
        with self._tracked_lock:
            self.tracked += found
        return found

    def some_tracked(self, rng: random.Random) -> Tracked:
        with self._tracked_lock:
            return rng.choice(self.tracked)


class _Client:
    """One client thread of the concurrent phase: `quota` requests, or fewer at the deadline."""

    def __init__(self, number: int, stack: _Stack, hot: list[str], shared_pool: int, seed: int) -> None:
        self.number = number
        self.key = _key(number)
        self.stack = stack
        self.token = stack.token(f"client{number:02d}")
        self.hot = hot
        self.shared_pool = shared_pool
        self.rng = random.Random(seed * 1000 + number)
        self.ledger = Ledger()
        self.own: list[str] = []
        self.with_email = 0  # own contacts created with an address of the form cNN-…: what search finds
        self.unanswered_with_email = 0  # creates of such an address without a clear answer: maybe made
        self.made = 0
        self.sequence = 0
        self.shared_next = 0
        self.requests = 0
        self.failure: str | None = None

    def call(self, kind: str, method: str, path: str, body: Any = None, **options: Any) -> Reply:
        self.requests += 1
        return self.stack.http.call(kind, method, path, body, token=self.token, **options)

    def run(self, quota: int, deadline: float) -> None:
        kinds, weights = zip(*MIX, strict=False)
        try:
            while self.requests < quota and time.monotonic() < deadline:
                kind = self.rng.choices(kinds, weights)[0]
                if kind in ("patch", "get") and not self.own:
                    kind = "create"
                if kind == "create_shared_email" and self.shared_next >= self.shared_pool:
                    kind = "create"
                getattr(self, f"_{kind}")()
        except Exception:  # an answer the client could not read: the run reports it, and stops this client
            self.failure = traceback.format_exc(limit=4)

    def _value(self) -> str:
        self.sequence += 1
        return f"{self.key}-v{self.sequence}"

    def _create(self) -> None:
        self.made += 1
        marker = f"{self.key}-{self.made}"  # each create's given name is its own: unanswered ones are told apart
        family, kana = self.rng.choice(FAMILY)
        body: dict[str, Any] = {"family_name": family, "family_name_kana": kana, "given_name": marker}
        email = None
        if self.made % 5:  # one in five without an address
            email = body["email"] = f"{marker}@{DOMAIN}"
        reply = self.call("create", "POST", "/v1/contacts", body, expect=(201,))
        if reply.status == 201:
            self.ledger.created[reply.body["id"]] = email
            self.own.append(reply.body["id"])
            self.with_email += email is not None
        elif reply.status == 0 or reply.status >= 500:
            self.ledger.unanswered.add(marker)
            self.unanswered_with_email += email is not None

    def _create_shared_email(self) -> None:
        number = self.shared_next
        self.shared_next += 1
        address, marker = _shared_address(number, self.number), f"{self.key}-s{number}"
        reply = self.call("create_shared_email", "POST", "/v1/contacts",
                          {"family_name": "共有", "given_name": marker, "email": address}, expect=(201, 409))
        contact_id = reply.body["id"] if reply.status == 201 else None
        if reply.status == 0 or reply.status >= 500:
            self.ledger.unanswered.add(marker)
        self.ledger.shared.append((number, reply.status, contact_id))
        if contact_id is not None:
            self.ledger.created[contact_id] = address
            self.own.append(contact_id)

    def _patch(self) -> None:
        contact_id, value = self.rng.choice(self.own), self._value()
        reply = self.call("patch", "PATCH", f"/v1/contacts/{contact_id}",
                          {"department": value, "properties": {self.key: value}})
        if reply.status != 200:
            self.ledger.uncertain.add(contact_id)
            return
        self.ledger.patched[contact_id] = value
        if (reply.body.get("department"), reply.body["properties"].get(self.key)) != (value, value):
            self.ledger.lost.append(f"PATCH {contact_id} by {self.key} answered without its value {value}")

    def _patch_hot(self) -> None:
        contact_id, value = self.rng.choice(self.hot), self._value()
        reply = self.call("patch_hot", "PATCH", f"/v1/contacts/{contact_id}", {"properties": {self.key: value}})
        if reply.status != 200:
            self.ledger.uncertain.add(contact_id)
            return
        self.ledger.hot_patched[contact_id] = value
        if reply.body["properties"].get(self.key) != value:
            self.ledger.lost.append(f"PATCH {contact_id} by {self.key} answered without its value {value}")

    def _get(self) -> None:
        hot = self.rng.random() < 0.3
        contact_id = self.rng.choice(self.hot if hot else self.own)
        reply = self.call("get", "GET", f"/v1/contacts/{contact_id}")
        if reply.status == 404:
            self.ledger.lost.append(f"GET {contact_id} by {self.key}: 404 after its 201")
        if reply.status != 200 or contact_id in self.ledger.uncertain:
            return
        if hot:
            wanted = {"properties": self.ledger.hot_patched.get(contact_id)}
            seen = {"properties": reply.body["properties"].get(self.key)}
        else:
            value = self.ledger.patched.get(contact_id)
            wanted = {"department": value, "properties": value}
            seen = {"department": reply.body.get("department"), "properties": reply.body["properties"].get(self.key)}
        if seen != wanted:
            self.ledger.lost.append(f"GET {contact_id} by {self.key}: {seen} where it last wrote {wanted}")

    def _list(self) -> None:
        params = self.rng.choice(({"limit": "50"}, {"limit": "50", "sort": "name", "order": "asc"},
                                  {"limit": "20", "q": self.rng.choice(FAMILY)[self.rng.randrange(2)]}))
        reply = self.call("list", "GET", f"/v1/contacts?{urlencode(params)}")
        if reply.status == 200:
            ids = [item["id"] for item in reply.body["items"]]
            if len(ids) != len(set(ids)):
                self.ledger.duplicated.append(f"a page of GET /v1/contacts?{urlencode(params)} holds an id twice")

    def _search(self) -> None:
        expected = self.with_email
        reply = self.call("search", "POST", "/v1/contacts/search",
                          {"filter": {"field": "email", "op": "prefix", "value": f"{self.key}-"}, "limit": 10})
        if reply.status != 200:
            return
        total = reply.body["total"]
        if total < expected:
            self.ledger.lost.append(f"search of {self.key}-… found {total} of its {expected} contacts")
        elif total > expected + self.unanswered_with_email:
            self.ledger.duplicated.append(f"search of {self.key}-… found {total} for its {expected} contacts")

    def _send_email(self) -> None:
        contact_id = self.rng.choice(self.hot)
        self.sequence += 1
        reply = self.call("send_email", "POST", "/v1/emails",
                          {"contact_id": contact_id, **_email_body(f"{self.key}-{self.sequence}")}, expect=(201,))
        if reply.status != 201 or reply.body.get("status") != "sent":
            self.ledger.uncertain.add(contact_id)
            return
        self.ledger.sends[contact_id] += 1
        self.requests += 1
        if not self.stack.track("outbox", self.token, {reply.body["id"]: contact_id}):
            self.ledger.lost.append(f"email {reply.body['id']} answered sent but is not in the outbox")

    def _open(self) -> None:
        tracked, draw = self.stack.some_tracked(self.rng), self.rng.random()
        # 3 in 4 a person's open; else a machine's: a HEAD, or a link-preview bot's GET
        method, user_agent = ("GET", HUMAN_UA) if draw < 0.75 else ("HEAD", HUMAN_UA) if draw < 0.875 \
            else ("GET", BOT_UA)
        self.requests += 1
        reply = self.stack.http.call("open", method, tracked.open_path, user_agent=user_agent)
        if reply.status != 200:
            self.ledger.uncertain.add(tracked.email_id)
            return
        human = method == "GET" and user_agent == HUMAN_UA
        self.ledger.hits[(tracked.email_id, "human_open" if human else "machine_open")] += 1

    def _click(self) -> None:
        tracked = self.stack.some_tracked(self.rng)
        self.requests += 1
        reply = self.stack.http.call("click", "GET", tracked.click_path, user_agent=HUMAN_UA, expect=(302,))
        if reply.status != 302 or reply.headers.get("location") != LINK:
            self.ledger.uncertain.add(tracked.email_id)
            return
        self.ledger.hits[(tracked.email_id, "click")] += 1


def _set_up(stack: _Stack, clients: int, ledger: Ledger) -> tuple[str, list[str]]:
    """Score weights of 1 per open and nothing else, a property per client, the hot contacts and
    one tracked email to each; the set-up user's token and the hot contacts' ids."""
    token = stack.token("setup")
    http = stack.http
    http.call("setup", "PUT", "/v1/settings", {"score_weights": {"email_opened": 1, "email_reopened": 1}},
              token=token)
    for number in range(clients):
        http.call("setup", "POST", "/v1/properties", {"key": _key(number), "label": f"Client {number}",
                                                       "type": "text"}, token=token, expect=(201,))
    hot, sent = [], {}
    for number in range(HOT_CONTACTS):
        email = f"hot{number}@{DOMAIN}"
        reply = http.call("setup", "POST", "/v1/contacts", {"family_name": "注目", "given_name": str(number),
                                                           "email": email}, token=token, expect=(201,))
        if reply.status != 201:
            raise RuntimeError(f"the load run cannot set up its contacts: {reply.status} {reply.body}")
        hot.append(reply.body["id"])
        ledger.created[reply.body["id"]] = email
        reply = http.call("setup", "POST", "/v1/emails", {"contact_id": hot[-1], **_email_body(f"hot {number}")},
                          token=token, expect=(201,))
        if reply.status != 201:
            raise RuntimeError(f"the load run cannot send its first emails: {reply.status} {reply.body}")
        sent[reply.body["id"]] = hot[-1]
        ledger.sends[hot[-1]] += 1
    if len(stack.track("setup", token, sent)) != len(sent):
        raise RuntimeError("the outbox lacks emails the load run sent")
    return token, hot


def _baseline(stack: _Stack, token: str, contact_id: str, requests: int) -> float:
    """One client's rate of sequential GET /v1/contacts/{id} (after a few warm-up requests)."""
    for _ in range(5):
        stack.http.call("baseline_get", "GET", f"/v1/contacts/{contact_id}", token=token)
    started = time.perf_counter()
    for _ in range(requests):
        stack.http.call("baseline_get", "GET", f"/v1/contacts/{contact_id}", token=token)
    return requests / (time.perf_counter() - started)


def _all_pages(stack: _Stack, token: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    query = {"limit": "200"}
    for _ in range(10_000):  # far more pages than any run makes
        reply = stack.http.call("check", "GET", f"/v1/contacts?{urlencode(query)}", token=token)
        if reply.status != 200:
            break
        items += reply.body["items"]
        if not reply.body["next_cursor"]:
            break
        query["cursor"] = reply.body["next_cursor"]
    return items


def _timeline(stack: _Stack, token: str, contact_id: str) -> Counter:
    counts: Counter = Counter()
    query = {"limit": "200", "type": "email_sent,email_opened,email_reopened,email_clicked"}
    for _ in range(10_000):
        reply = stack.http.call("check", "GET", f"/v1/contacts/{contact_id}/timeline?{urlencode(query)}",
                                token=token)
        if reply.status != 200:
            break
        counts.update(item["type"] for item in reply.body["items"])
        if not reply.body["next_cursor"]:
            break
        query["cursor"] = reply.body["next_cursor"]
    return counts


def _compare(what: str, seen: int, wanted: int, ledger: Ledger) -> None:
    if seen < wanted:
        ledger.lost.append(f"{what}: {seen} where {wanted} were acknowledged")
    elif seen > wanted:
        ledger.duplicated.append(f"{what}: {seen} where {wanted} were acknowledged")


def _check(stack: _Stack, token: str, hot: list[str], clients: list[_Client], ledger: Ledger) -> None:
    """Read everything back and compare it with what the stack acknowledged."""
    created = ledger.created
    listed = _all_pages(stack, token)
    listed_ids = [item["id"] for item in listed]
    _compare("ids in the list", len(listed_ids), len(set(listed_ids)), ledger)  # an id twice is a duplicate
    # a create without a clear answer (5xx, none) may have been made: already counted as such, not a duplicate
    unacknowledged = {item["id"] for item in listed
                      if item["id"] not in created and item.get("given_name") in ledger.unanswered}
    _compare("contacts in the list", len(set(listed_ids) - unacknowledged), len(created), ledger)
    for contact_id in set(created) - set(listed_ids):
        ledger.lost.append(f"contact {contact_id} (201) is not in the list")
    for contact_id in set(listed_ids) - set(created) - unacknowledged:
        ledger.duplicated.append(f"contact {contact_id} is in the list but no create answered 201 for it")
    reply = stack.http.call("check", "POST", "/v1/contacts/search", {"limit": 1}, token=token)
    if reply.status == 200:
        _compare("search total", reply.body["total"] - len(unacknowledged), len(created), ledger)

    # unique addresses: exactly one 201 per contested address, one contact per address
    by_address: dict[int, list[tuple[int, str | None]]] = {}
    for number, status, contact_id in ledger.shared:
        by_address.setdefault(number, []).append((status, contact_id))
    for number, answers in sorted(by_address.items()):
        wins = [contact_id for status, contact_id in answers if status == 201]
        if len(wins) > 1:
            ledger.duplicated.append(f"{_shared_address(number, 0)} created {len(wins)} times: {wins}")
        elif not wins and all(status == 409 for status, _ in answers):
            ledger.lost.append(f"{_shared_address(number, 0)}: every create answered 409, none created it")
    holders = Counter((item.get("email") or "").lower() for item in listed if item.get("email"))
    for address, count in holders.items():
        if count > 1:
            ledger.duplicated.append(f"{address} is the email of {count} contacts")
    addresses = {email.lower(): contact_id for contact_id, email in created.items() if email}
    values = sorted(addresses)
    for start in range(0, len(values), 1000):
        reply = stack.http.call("check", "POST", "/v1/contacts/lookup",
                                {"field": "email", "values": values[start:start + 1000]}, token=token)
        if reply.status != 200:
            continue
        for contact in reply.body["found"]:
            if addresses.get((contact.get("email") or "").lower()) != contact["id"]:
                ledger.duplicated.append(f"lookup of {contact.get('email')} finds {contact['id']}, not its 201's")
        for missing in reply.body["missing"]:
            ledger.lost.append(f"lookup of {missing} finds no contact")

    # every contact GET-able, with the last value each client wrote
    patched = {contact_id: value for client in clients for contact_id, value in client.ledger.patched.items()}
    hot_patched = {(client.key, contact_id): value for client in clients
                   for contact_id, value in client.ledger.hot_patched.items()}
    owners = {contact_id: client for client in clients for contact_id in client.own}
    with ThreadPoolExecutor(max_workers=max(1, len(clients))) as pool:
        contacts = dict(zip(created, pool.map(
            lambda contact_id: stack.http.call("check", "GET", f"/v1/contacts/{contact_id}", token=token), created),
            strict=False))
    for contact_id, reply in contacts.items():
        if reply.status == 404:
            ledger.lost.append(f"contact {contact_id} (201) answers 404")
        if reply.status != 200 or contact_id in ledger.uncertain:
            continue
        owner = owners.get(contact_id)
        if owner is not None and contact_id in patched:
            seen = (reply.body.get("department"), reply.body["properties"].get(owner.key))
            if seen != (patched[contact_id], patched[contact_id]):
                ledger.lost.append(f"contact {contact_id}: {seen} after {owner.key}'s last PATCH {patched[contact_id]}")
    for (key, contact_id), value in hot_patched.items():
        reply = contacts.get(contact_id)
        if reply is not None and reply.status == 200 and contact_id not in ledger.uncertain:
            seen = reply.body["properties"].get(key)
            if seen != value:
                ledger.lost.append(f"hot contact {contact_id}: {key} is {seen} after that client's last PATCH {value}")

    # tracking: the email's counters, the contact's score and timeline against the hits answered
    hits_by_contact: dict[str, Counter] = {contact_id: Counter() for contact_id in hot}
    for tracked in stack.tracked:
        reply = stack.http.call("check", "GET", f"/v1/emails/{tracked.email_id}", token=token)
        humans = ledger.hits[(tracked.email_id, "human_open")]
        machines = ledger.hits[(tracked.email_id, "machine_open")]
        clicks = ledger.hits[(tracked.email_id, "click")]
        hits_by_contact[tracked.contact_id].update(human_open=humans, machine_open=machines, click=clicks)
        if reply.status != 200 or tracked.email_id in ledger.uncertain:
            hits_by_contact[tracked.contact_id]["uncertain"] += 1
            continue
        email = reply.body
        _compare(f"email {tracked.email_id} open_count", email["open_count"], humans, ledger)
        _compare(f"email {tracked.email_id} machine_open_count", email["machine_open_count"], machines, ledger)
        _compare(f"email {tracked.email_id} clicks", email["click_count"] + email["machine_click_count"], clicks,
                 ledger)
    for contact_id, hits in hits_by_contact.items():
        if hits["uncertain"] or contact_id in ledger.uncertain:
            continue
        reply = contacts.get(contact_id)
        if reply is not None and reply.status == 200:
            _compare(f"score of hot contact {contact_id} (a person's opens)", reply.body["score"], hits["human_open"],
                     ledger)
        timeline = _timeline(stack, token, contact_id)
        _compare(f"timeline of {contact_id}: email_sent", timeline["email_sent"], ledger.sends[contact_id], ledger)
        _compare(f"timeline of {contact_id}: opens", timeline["email_opened"] + timeline["email_reopened"],
                 hits["human_open"] + hits["machine_open"], ledger)
        _compare(f"timeline of {contact_id}: email_clicked", timeline["email_clicked"], hits["click"], ledger)


def run_load(base_url: str, data_dir: Path, clients: int = 16, requests: int = 10_000, seconds: float = 900.0,
             baseline_requests: int = 200, seed: int = 9) -> LoadReport:
    """Set up the tenant, measure the baseline, run `requests` requests from `clients` threads
    (stopping early at `seconds`), then check what the stack kept."""
    tally = Tally()
    stack = _Stack(base_url, data_dir, tally)
    ledger = Ledger()
    token, hot = _set_up(stack, clients, ledger)
    baseline = _baseline(stack, token, hot[0], baseline_requests)

    quota = math.ceil(requests / clients)
    weights = dict(MIX)
    shared_pool = max(1, round(quota * weights["create_shared_email"] / sum(weights.values())))
    team = [_Client(number, stack, hot, shared_pool, seed) for number in range(clients)]
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=client.run, args=(quota, deadline), name=f"load-{client.number}")
               for client in team]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    for client in team:
        ledger.merge(client.ledger)
    _check(stack, token, hot, team, ledger)
    return LoadReport(
        clients=clients, requests=sum(client.requests for client in team), seconds=elapsed, baseline_rate=baseline,
        kinds=dict(tally.kinds), contacts=len(ledger.created), shared_tries=Counter(n for n, _, _ in ledger.shared),
        tracked_emails=len(stack.tracked), lost=ledger.lost, duplicated=ledger.duplicated, samples=tally.samples,
        client_failures=[client.failure for client in team if client.failure],
    )
