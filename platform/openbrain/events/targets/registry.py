"""The target registry: one target per route ``kind``."""

from __future__ import annotations

from openbrain.events.delivery import Target
from openbrain.events.targets.log import LogTarget
from openbrain.events.targets.webhook import WebhookTarget


def default_targets(*, aws_mode: bool, timeout: float = 10.0) -> dict[str, Target]:
    """A fresh set of targets (the webhook keeps one pooled HTTP client)."""
    return {"webhook": WebhookTarget(aws_mode=aws_mode, timeout=timeout), "log": LogTarget()}
