"""The scheduled sweeper Lambda: ``openbrain.event_targets.sweeper.lambda_handler`` (an EventBridge
schedule, e.g. every 5 minutes). Republishes outbox events older than a minute that are
still pending (a crash between commit and publish), then publishes what the stage's alarms
watch: each tenant's outbox backlog and open dead letters (:mod:`openbrain.events.health`)."""

from __future__ import annotations

from typing import Any

import structlog

from openbrain.event_targets.runtime import lambda_runtime
from openbrain.events.health import measure, metric_data
from openbrain.events.sweeper import sweep

log = structlog.get_logger(__name__)

MIN_AGE_SECONDS = 60.0
METRICS_PER_CALL = 500  # PutMetricData takes at most 1000 entries


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    runtime = lambda_runtime()
    settings = runtime.settings
    client_ids = runtime.resolver.client_ids()
    published = sweep(runtime.driver, client_ids, runtime.publisher, min_age=MIN_AGE_SECONDS)
    if settings.metrics_namespace:
        health = measure(runtime.driver, client_ids, min_age=MIN_AGE_SECONDS)
        put_metrics(settings.metrics_namespace, metric_data(settings.stage, health),
                    region=settings.aws_region)
    return {"published": published}


def put_metrics(namespace: str, data: list[dict[str, Any]], *, region: str) -> None:
    import boto3  # only deployed stages publish metrics

    client = boto3.client("cloudwatch", region_name=region)
    for start in range(0, len(data), METRICS_PER_CALL):
        client.put_metric_data(Namespace=namespace,
                               MetricData=data[start:start + METRICS_PER_CALL])
    log.info("events.health_published", namespace=namespace, metrics=len(data))
