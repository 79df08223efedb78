"""Contacts API: contacts, companies, calls, search, segments, bulk actions and jobs, exports and
imports, timelines and logged activities, custom properties, tags, settings, API keys and site keys,
the member directory, member groups, and the public meta routes."""

from typing import Any

from shared.config import require
from shared.http import App, RouteModules
from shared.observability import API_CORRELATION_PATH, logger

# what this function refuses to start without (template.yaml sets each on it)
require("TABLE_NAME", "APP_SECRET_ID", "BULK_QUEUE_URL", "EXPORT_QUEUE_URL", "FILES_BUCKET",
        "API_BASE_URL", "USER_POOL_ID", "USER_POOL_CLIENT_ID")

app = App(modules=RouteModules("functions.contacts_api.routes", {
    "/v1/contacts": "contacts", "/v1/contacts/search": "search", "/v1/contacts/bulk": "search",
    "/v1/contacts/{id}/activities": "activities", "/v1/contacts/{id}/calls": "activities",
    "/v1/contacts/{id}/timeline": "activities", "/v1/segments": "segments", "/v1/jobs": "segments",
    "/v1/exports": "exports", "/v1/imports": "exports", "/v1/companies": "companies",
    "/v1/properties": "tenant", "/v1/settings": "tenant", "/v1/tags": "tenant", "/v1/api-keys": "api_keys",
    "/v1/site-keys": "site_keys", "/v1/me": "members", "/v1/members": "members", "/v1/member-groups": "groups",
    "/member-site": "groups", "/auth": "meta", "/docs": "meta", "/health": "meta", "/openapi.json": "meta",
}))


@logger.inject_lambda_context(clear_state=True, correlation_id_path=API_CORRELATION_PATH)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event)
