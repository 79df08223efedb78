"""Logger and metrics, one instance each per cold start, shared by every module.

There is deliberately no Powertools Tracer here: it imports the X-Ray SDK, which costs more
than all of boto3 at cold start. Functions run with `Tracing: Active`, so Lambda still records
a segment per invocation; a worker that wants subsegments creates its own Tracer.
"""

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
