"""Helpers of the tests that talk to the local stack: the served stack (`crm-local serve` in a
subprocess, from infra.local.served, shared with the load benchmark), its queues, imports."""

from __future__ import annotations

from infra.local.served import BASIC_ENV, ServedStack  # noqa: F401 - the tests' import place


def run_queued_jobs(tenant: str | None = None) -> int:
    """Deliver the queues' waiting messages to their workers, as Lambda's SQS triggers do; how
    many were delivered (of `tenant`'s: the session's queues also hold other tests' delayed
    messages, which come due at any time)."""
    import json

    from infra.local.queues import LocalQueues
    from infra.local.server import invoke_function

    bodies = LocalQueues(invoke_function).drain()
    return sum(1 for body in bodies if tenant is None or json.loads(body).get("tenant") == tenant)


def seeded(api, count: int, **fields) -> list[str]:
    """`count` contacts (一括0000…, bulk{n}@example.jp, with `fields`) written as an import writes
    them (BatchWriteItem): their ids."""
    from shared.db import contacts as store
    from shared.db import tenant_config
    from shared.domain import contacts as rules
    from shared.domain.ids import new_id
    from shared.domain.validation import now

    made = [rules.new_contact(new_id(), {"family_name": f"一括{index:04d}", "email": f"bulk{index}@example.jp",
                                         **fields}, api.user_id, now()) for index in range(count)]
    store.insert_many(api.tenant, made)
    tenant_config.load(api.tenant, fresh=True)
    return [item["id"] for item in made]


def uploaded(api, data: bytes) -> str:
    """POST /v1/imports and PUT the file to its upload URL; the import's id."""
    import urllib.request

    reply = api.post("/v1/imports", {})
    assert reply.status == 201, reply.body
    # the Content-Type matters only to the emulation: moto's server would read a form-encoded body as a form
    request = urllib.request.Request(reply.body["upload_url"], data=data, method="PUT",
                                     headers={"Content-Type": "text/csv"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    return reply.body["id"]


def imported(api, data: bytes, mapping: dict[str, str], on_duplicate: str = "update") -> dict:
    """Upload a file, start its import, run the worker; the finished import."""
    import_id = uploaded(api, data)
    started = api.post(f"/v1/imports/{import_id}/start", {"mapping": mapping, "on_duplicate": on_duplicate})
    assert started.status == 202, started.body
    run_queued_jobs()
    done = api.get(f"/v1/imports/{import_id}").body
    assert done["status"] == "succeeded", done
    return done


def invitation(raw: str) -> tuple[str, str]:
    """A Cognito invitation as the local stack's outbox keeps it (its MIME text): the message's
    text and the temporary password in it (template.yaml's InviteMessageTemplate)."""
    import re
    from email import message_from_string, policy

    text = message_from_string(raw, policy=policy.default).get_content()
    return text, re.search(r"仮パスワード (\S+) で", text).group(1)
