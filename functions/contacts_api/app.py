"""Contacts API: contacts, companies, calls, search, segments, bulk actions and jobs, exports and
imports, timelines and logged activities, custom properties, tags, settings, API keys and site keys,
the member directory, member groups, and the public meta routes."""

from typing import Any

from functions.contacts_api.routes import (
    activities,
    api_keys,
    companies,
    contacts,
    exports,
    groups,
    members,
    meta,
    search,
    segments,
    site_keys,
    tenant,
)
from shared.config import require
from shared.http import App
from shared.observability import API_CORRELATION_PATH, logger

# what this function refuses to start without (template.yaml sets each on it)
require("TABLE_NAME", "APP_SECRET_ID", "BULK_QUEUE_URL", "EXPORT_QUEUE_URL", "FILES_BUCKET",
        "API_BASE_URL", "USER_POOL_ID", "USER_POOL_CLIENT_ID")

app = App(contacts.router, search.router, segments.router, exports.router, activities.router, companies.router,
          tenant.router, api_keys.router, site_keys.router, members.router, groups.router, meta.router)


@logger.inject_lambda_context(clear_state=True, correlation_id_path=API_CORRELATION_PATH)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event)
