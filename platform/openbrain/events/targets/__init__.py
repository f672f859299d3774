"""Delivery targets, one module per route ``kind``, and the registry that maps kinds to them."""

from openbrain.events.targets.log import LogTarget
from openbrain.events.targets.registry import default_targets
from openbrain.events.targets.webhook import WebhookTarget

__all__ = ("LogTarget", "WebhookTarget", "default_targets")
