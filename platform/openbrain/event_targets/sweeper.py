"""The scheduled sweeper Lambda: ``openbrain.event_targets.sweeper.lambda_handler`` (an EventBridge
schedule, e.g. every 5 minutes). Republishes outbox events older than a minute that are
still pending (a crash between commit and publish)."""

from __future__ import annotations

from typing import Any

from openbrain.event_targets.runtime import lambda_runtime
from openbrain.events.sweeper import sweep

MIN_AGE_SECONDS = 60.0


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    runtime = lambda_runtime()
    published = sweep(
        runtime.driver, runtime.resolver.client_ids(), runtime.publisher, min_age=MIN_AGE_SECONDS
    )
    return {"published": published}
