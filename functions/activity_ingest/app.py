"""Activity ingest: events from a tenant's servers (page views, form submissions, purchases,
its own types) and from its web pages (the collect.js snippet) onto its contacts' timelines."""

from typing import Any

from shared.config import require
from shared.http import App, RouteModules
from shared.observability import API_CORRELATION_PATH, logger

# what this function refuses to start without (template.yaml sets each on it)
require("TABLE_NAME", "TRACKING_KEY_SECRET_ID")

app = App(modules=RouteModules("functions.activity_ingest.routes", {
    "/v1/events": "events", "/collect": "collect", "/collect.js": "collect",
}))


@logger.inject_lambda_context(clear_state=True, correlation_id_path=API_CORRELATION_PATH)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event)
