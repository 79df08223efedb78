"""The logger and the metrics, shared by every module: what each log line carries and what operators watch.

Every log line carries (Powertools' `inject_lambda_context` on each handler) the function's name and
Lambda's request id (`function_request_id`), the caller's `tenant` once known (`for_tenant`) and a
`correlation_id`: API Gateway's request id (`$context.requestId`, also the access log's `requestId`
and the `apigw-requestid` header of each answer), carried in every job message and scheduled email's
trigger (`correlated`) and restored by the function that runs it (`carry_on`).

Metrics are CloudWatch embedded metric format records (EMF) printed to the log: a Count each, few
and stable names (README "Operating it"), dimensions of a few values only. Never the tenant as a
dimension: each dimension value is a metric of its own; the tenant is in the log line instead.

There is deliberately no Powertools Tracer here: it imports the X-Ray SDK, which costs more
than all of boto3 at cold start. Functions run with `Tracing: Active`, so Lambda still records
a segment per invocation; a worker that wants subsegments creates its own Tracer.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

logger = Logger()

# API Gateway HTTP API's request id (payload 2.0: requestContext.requestId)
API_CORRELATION_PATH = correlation_paths.API_GATEWAY_HTTP
CORRELATION_KEY = "correlation_id"


def for_tenant(tenant: str) -> None:
    """Every later log line of this invocation names the tenant it works for."""
    logger.append_keys(tenant=tenant)


def correlated(message: dict[str, Any]) -> dict[str, Any]:
    """A job message or trigger payload with this invocation's correlation id, for `carry_on`."""
    correlation_id = logger.get_correlation_id()
    return {**message, CORRELATION_KEY: correlation_id} if correlation_id else message


def carry_on(message: dict[str, Any]) -> None:
    """Log as the request that sent `message` (its correlation id, its tenant): a worker calls this
    for each message, so one message's keys never stay on the next one's lines."""
    correlation_id = message.get(CORRELATION_KEY)
    logger.set_correlation_id(correlation_id if isinstance(correlation_id, str) else None)
    tenant = message.get("tenant")
    if isinstance(tenant, str):
        for_tenant(tenant)
    else:
        logger.remove_keys(["tenant"])


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """One EMF record of the Count NAME (with the service's dimension and DIMENSIONS), printed
    now: the function's log group turns it into the metric
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
    Nothing while POWERTOOLS_METRICS_DISABLED (the tests, the local stack), as Powertools' Metrics."""
    if is_metrics_disabled():
        return
    service = os.environ.get("POWERTOOLS_SERVICE_NAME", "crm")
    with single_metric(name=name, unit=MetricUnit.Count, value=value,
                       default_dimensions={"service": service, **dimensions}):
        pass
