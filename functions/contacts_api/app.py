"""Contacts API: contacts, custom properties, tags, settings, and the public meta routes."""

from typing import Any

from functions.contacts_api.routes import contacts, meta, tenant
from shared.http import new_resolver
from shared.observability import logger

app = new_resolver()
for module in (contacts, tenant, meta):
    app.include_router(module.router)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
