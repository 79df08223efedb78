"""Activity ingest: events from a tenant's servers (page views, form submissions, purchases,
its own types) and from its web pages (the collect.js snippet) onto its contacts' timelines."""

from typing import Any

from functions.activity_ingest.routes import collect, events
from shared.http import App
from shared.observability import API_CORRELATION_PATH, logger

app = App(events.router, collect.router)


@logger.inject_lambda_context(clear_state=True, correlation_id_path=API_CORRELATION_PATH)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event)
