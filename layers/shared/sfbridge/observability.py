"""Logger and Metrics, created once and imported everywhere.

Service name and metrics namespace come from `POWERTOOLS_SERVICE_NAME` / `POWERTOOLS_METRICS_NAMESPACE` in the
template's Globals. Tracing: every function has `Tracing: Active`, so Lambda and API Gateway segments exist
without the X-Ray SDK; the SDK is kept off the receivers' cold path.
"""

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
