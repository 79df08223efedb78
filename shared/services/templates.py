"""Email templates: CRUD, a template from a sent or received email, and the template an email
is written from (POST /v1/emails `template_id`). Any role keeps templates for the tenant and
uses everyone's; only a template's creator, an owner or an admin changes or deletes it (403)."""

from __future__ import annotations

from typing import Any

from shared.db import templates as repository
from shared.db import tenant_config
from shared.domain import templates as template_rules
from shared.domain import validation
from shared.domain.access import Principal
from shared.domain.ids import new_id
from shared.errors import FieldError, NotFound, require_valid
from shared.keys import is_plain_id
from shared.services import emails


def _not_found(template_id: str) -> NotFound:
    return NotFound(f"No email template with id {template_id} exists.")


def _found(principal: Principal, template_id: str) -> tuple[dict[str, Any], dict[str, int]]:
    found = repository.get(principal.tenant, template_id) if is_plain_id(template_id) else None
    if found is None:
        raise _not_found(template_id)
    return found


def create(principal: Principal, body: Any) -> dict[str, Any]:
    if isinstance(body, dict) and "from_email_id" in body:
        extra = [FieldError(name, "is not taken with from_email_id (only name)", "unknown_field")
                 for name in body if name not in ("from_email_id", "name")]
        require_valid(extra)
        values = template_rules.from_email(emails.visible_email(principal, str(body["from_email_id"]))[0],
                                           body.get("name"))
    else:
        values = template_rules.parse(body)
    values = template_rules.check_merge_fields(values, tenant_config.load(principal.tenant).properties)
    now = validation.now()
    template = {"template_id": new_id(), **values, "created_by": principal.user_id,
                "created_at": now, "updated_at": now}
    repository.put(principal.tenant, template, new=True)
    return template_rules.public(template, {})


def list_templates(principal: Principal) -> dict[str, Any]:
    found = sorted(repository.list_templates(principal.tenant),
                   key=lambda pair: (pair[0]["name"], pair[0]["template_id"]))
    return {"items": [template_rules.public(template, stats) for template, stats in found], "next_cursor": None}


def get(principal: Principal, template_id: str) -> dict[str, Any]:
    return template_rules.public(*_found(principal, template_id))


def replace(principal: Principal, template_id: str, body: Any) -> dict[str, Any]:
    template, stats = _found(principal, template_id)
    principal.require_editor_of(template["created_by"], "template")
    values = template_rules.check_merge_fields(template_rules.parse(body),
                                               tenant_config.load(principal.tenant).properties)
    replaced = {**template, **values, "updated_at": validation.now()}
    if not repository.put(principal.tenant, replaced, new=False):
        raise _not_found(template_id)
    return template_rules.public(replaced, stats)


def delete(principal: Principal, template_id: str) -> None:
    principal.require_editor_of(_found(principal, template_id)[0]["created_by"], "template")
    if not repository.delete(principal.tenant, template_id):
        raise _not_found(template_id)

