"""Activity ingest: events from a tenant's servers (page views, form submissions, purchases,
its own types) and from its web pages (the collect.js snippet) onto its contacts' timelines."""

from typing import Any

from functions.activity_ingest.routes import collect, events
from shared.http import App
from shared.observability import logger

app = App(events.router, collect.router)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event)
