"""The target registry: one module per route ``kind``."""

from __future__ import annotations

from event_targets.log import LogTarget
from event_targets.webhook import WebhookTarget
from openbrain.events.delivery import Target


def default_targets(*, aws_mode: bool, timeout: float = 10.0) -> dict[str, Target]:
    return {"webhook": WebhookTarget(aws_mode=aws_mode, timeout=timeout), "log": LogTarget()}
