"""Building outbox events from a tool's context (the executor commits them with the turn)."""

from __future__ import annotations

from typing import Any

from openbrain.agent.tools.registry import ToolContext
from openbrain.domain.base import new_id
from openbrain.domain.event import Event
from openbrain.domain.tenant import EventType


def make_event(
    ctx: ToolContext,
    detail_type: EventType,
    *,
    object_type: str,
    object_id: str,
    obj: dict[str, Any],
) -> Event:
    return Event(
        event_id=new_id(),
        client_id=ctx.client_id,
        detail_type=detail_type,
        session_id=ctx.session_id,
        object_type=object_type,
        object_id=object_id,
        object=obj,
        occurred_at=ctx.now,
    )
