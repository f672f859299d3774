"""The SQS Lambda handler: ``openbrain.event_targets.handler.lambda_handler``.

Each record's body is the EventBridge message of one event. The handler delivers it to the
tenant's routes and reports the records that need another try in ``batchItemFailures``
(the event source mapping enables ``ReportBatchItemFailures``): SQS makes only those visible
again, counts their receives, and moves a record to the tenant's DLQ after
``maxReceiveCount``. One bad record never fails or re-sends the others.
"""

from __future__ import annotations

from typing import Any

import structlog

from openbrain.event_targets.runtime import lambda_runtime
from openbrain.events.delivery import EventDeliverer
from openbrain.events.envelope import event_from_envelope

log = structlog.get_logger(__name__)


def handle_record(record: dict[str, Any], deliverer: EventDeliverer) -> bool:
    """Deliver one SQS record; ``True`` when it is settled (delete it), ``False`` to fail it:
    a route will retry, or has just run out of attempts (it is then in the tenant's dead
    letters, and SQS moves the message to the tenant's DLQ on its next receive)."""
    attempt = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
    event = event_from_envelope(record["body"])
    outcome = deliverer.deliver(event, attempt)
    return not (outcome.needs_retry or outcome.exhausted)


def handle_batch(event: dict[str, Any], deliverer: EventDeliverer) -> dict[str, Any]:
    """The partial batch response for one SQS batch."""
    failures: list[dict[str, str]] = []
    for record in event.get("Records", []):
        message_id = str(record.get("messageId", ""))
        try:
            settled = handle_record(record, deliverer)
        except Exception:
            # Malformed or a store failure: SQS retries it, then parks it in the DLQ.
            log.exception("event_targets.record_failed", message_id=message_id)
            settled = False
        if not settled:
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    return handle_batch(event, lambda_runtime().deliverer)
