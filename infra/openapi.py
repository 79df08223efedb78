"""Write the request bodies defined in the domain (shared.domain.fields.Body) into the OpenAPI
document the API serves, functions/contacts_api/openapi.json.

Each body's schema is made from the same fields that check its requests, so the document cannot
promise what the validation refuses or the reverse. The rest of the document (paths, responses,
the bodies not yet defined as fields) is kept as it is written.

    python -m infra.openapi          rewrite the document (make openapi)
    python -m infra.openapi --check  fail, naming the schemas, when the document is not current
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from shared.domain import (
    activities,
    api_keys,
    bulk,
    bulk_email,
    companies,
    contacts,
    exports,
    groups,
    imports,
    mailbox,
    members,
    notifications,
    outbound,
    properties,
    search,
    segments,
    settings,
    site_keys,
    templates,
)
from shared.domain.fields import Body

DOCUMENT = Path(__file__).resolve().parent.parent / "functions" / "contacts_api" / "openapi.json"
BODIES: tuple[Body, ...] = (contacts.CONTACT_INPUT, contacts.TAG_INPUT, companies.COMPANY_INPUT,
                           companies.COMPANY_UPDATE, site_keys.SITE_KEY_INPUT, site_keys.SITE_KEY_UPDATE,
                           api_keys.API_KEY_INPUT, groups.MEMBER_GROUP_INPUT, groups.MEMBER_GROUP_UPDATE,
                           segments.SEGMENT_INPUT, properties.PROPERTY_DEFINITION_INPUT,
                           properties.PROPERTY_DEFINITION_UPDATE, settings.SETTINGS_UPDATE,
                           notifications.NOTIFICATION_UPDATE, members.MEMBER_CHANGE, members.MEMBER_INVITATION,
                           bulk.MEMBER_GROUP_MEMBERS_INPUT,
                           activities.CALL_INPUT, activities.ACTIVITY_INPUT, activities.ACTIVITY_UPDATE,
                           outbound.EMAIL_RESCHEDULE, templates.TEMPLATE_INPUT, contacts.LOOKUP_REQUEST,
                           groups.MEMBER_SIGN_IN, groups.MEMBER_NEW_PASSWORD, outbound.EMAIL_REQUEST,
                           mailbox.MAILBOX_INPUT, mailbox.MAILBOX_IMAP_INPUT,
                           exports.EXPORT_REQUEST, imports.IMPORT_START, bulk.BULK_REQUEST,
                           bulk_email.BULK_EMAIL_REQUEST, search.SEARCH_REQUEST)


def generated(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with each of BODIES' schemas as its fields make it."""
    schemas = dict(document["components"]["schemas"])
    for body in BODIES:
        if body.component not in schemas:
            raise KeyError(f"{body.component} is not a schema of {DOCUMENT.name}: add it where its routes use it")
        schemas[body.component] = body.openapi()
    return {**document, "components": {**document["components"], "schemas": schemas}}


def text_of(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def stale_schemas(document: dict[str, Any] | None = None) -> list[str]:
    """The BODIES whose schema in `document` (the served one by default) differs from what their fields make."""
    document = document or json.loads(DOCUMENT.read_text(encoding="utf-8"))
    fresh = generated(document)["components"]["schemas"]
    return [body.component for body in BODIES if document["components"]["schemas"][body.component] !=
            fresh[body.component]]


def main(arguments: list[str]) -> int:
    current = DOCUMENT.read_text(encoding="utf-8")
    document = json.loads(current)
    fresh = text_of(generated(document))
    if "--check" in arguments:
        if fresh != current:
            print(f"{DOCUMENT} is not current ({', '.join(stale_schemas(document)) or 'its layout'}): run make openapi",
                  file=sys.stderr)
            return 1
        return 0
    DOCUMENT.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
