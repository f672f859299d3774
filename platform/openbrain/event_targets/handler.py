"""The SQS Lambda handler: ``openbrain.event_targets.handler.lambda_handler``.

Each record's body is the EventBridge message of one event. The handler delivers it to the
tenant's routes and reports the records that need another try in ``batchItemFailures``
(the event source mapping enables ``ReportBatchItemFailures``): SQS makes only those visible
again, counts their receives, and moves a record to the tenant's DLQ after
``maxReceiveCount``. One bad record never fails or re-sends the others.

A batch is bounded by the function's remaining time: records are delivered concurrently, each
attempt's timeout ends before the deadline (the remaining time less a margin for the writes
that follow an attempt), and records there was no time to attempt are reported as failures.
So the function answers before Lambda times it out, and a delivered record is never sent
again because its batch as a whole timed out.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

import structlog

from openbrain.event_targets.runtime import lambda_runtime
from openbrain.events.delivery import EventDeliverer
from openbrain.events.envelope import event_from_envelope

log = structlog.get_logger(__name__)

WORKERS = 10
"""Records of one batch delivered at the same time (the event source mapping's batch size)."""
MARGIN_SECONDS = 3.0
"""Kept back from the remaining time: the store writes after the last attempt, the answer."""


def deadline_of(context: object, *, margin: float = MARGIN_SECONDS) -> float | None:
    """The ``time.monotonic()`` by which every attempt must have ended (``None`` without a
    Lambda context, e.g. called directly)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return time.monotonic() + int(remaining()) / 1000.0 - margin


def handle_record(
    record: dict[str, Any], deliverer: EventDeliverer, deadline: float | None = None
) -> bool:
    """Deliver one SQS record; ``True`` when it is settled (delete it), ``False`` to fail it:
    a route will retry, or was not attempted for lack of time. A route out of attempts is in
    the tenant's dead letters, so its record is settled: the dead letter is what operators
    redrive and what the alarm counts (docs/deploy.md, "Dead letters")."""
    attempt = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
    event = event_from_envelope(record["body"])
    outcome = deliverer.deliver(event, attempt, deadline=deadline)
    return not outcome.needs_retry


def _settle(record: dict[str, Any], deliverer: EventDeliverer, deadline: float | None) -> bool:
    try:
        return handle_record(record, deliverer, deadline)
    except Exception:
        # Malformed or a store failure: SQS retries it, then parks it in the DLQ.
        log.exception("event_targets.record_failed", message_id=str(record.get("messageId", "")))
        return False


def handle_batch(
    event: dict[str, Any],
    deliverer: EventDeliverer,
    *,
    deadline: float | None = None,
    workers: int = WORKERS,
) -> dict[str, Any]:
    """The partial batch response for one SQS batch, answered by ``deadline`` when given."""
    records = list(event.get("Records", []))
    if not records:
        return {"batchItemFailures": []}
    pool = ThreadPoolExecutor(max_workers=min(workers, len(records)),
                              thread_name_prefix="ob-record")
    try:
        futures = [pool.submit(_settle, r, deliverer, deadline) for r in records]
        # Attempts end by the deadline; the margin covers the writes that follow them.
        wait(futures, timeout=None if deadline is None
             else max(0.0, deadline - time.monotonic()) + MARGIN_SECONDS / 2)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    failures = [
        {"itemIdentifier": str(r.get("messageId", ""))}
        for r, f in zip(records, futures, strict=True)
        if not _settled(f)
    ]
    if deadline is not None and failures:
        log.info("event_targets.batch_failures", records=len(records), failed=len(failures))
    return {"batchItemFailures": failures}


def _settled(future: Future[bool]) -> bool:
    return future.done() and not future.cancelled() and future.result()


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    return handle_batch(event, lambda_runtime().deliverer, deadline=deadline_of(context))
