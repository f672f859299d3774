"""Chat sessions and their messages (one stored item per message)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from openbrain.domain.agent_config import AgentConfig, MemoryPolicy
from openbrain.domain.base import ClientId, Identifier, Record, Timestamp

Role = Literal["user", "assistant", "tool", "system"]


class ToolCall(Record, kw_only=True, frozen=True):
    """A tool invocation the model asked for."""

    id: str
    name: str
    args: dict[str, Any] = msgspec.field(default_factory=dict)


class Message(Record, kw_only=True, frozen=True):
    """One message of a session; ``seq`` orders them and is unique within the session."""

    client_id: ClientId
    session_id: Identifier
    seq: Annotated[int, msgspec.Meta(ge=0)]
    role: Role
    content: str
    tool_calls: list[ToolCall] = msgspec.field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None
    created_at: Timestamp


class ChatSession(Record, kw_only=True, frozen=True):
    """A conversation, pinned to the frozen config (profile version + overrides) it began with.

    ``version`` is the optimistic-concurrency counter: every committed turn bumps it, and a
    turn commits only if it is still the version the turn read.
    """

    client_id: ClientId
    session_id: Identifier
    profile_name: str
    config: AgentConfig
    lead_id: str | None = None
    message_count: int = 0
    turn_count: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    version: int = 0
    origin: str | None = None
    handoff_requested_at: Timestamp | None = None
    """When the agent last handed the session to a human (a fact every later turn is told)."""
    visitor_hash: str | None = None
    """SHA-256 of the secret of the widget visitor who started the session: only a widget
    grant for the same visitor reaches it (``None``: not a widget session)."""
    created_at: Timestamp
    updated_at: Timestamp
    expires_at: Timestamp | None = None


class MemorySummary(Record, kw_only=True, frozen=True):
    """The latest summary of a session's older messages: it covers ``seq`` 0 through
    ``through_seq``, made from the previous summary plus the messages after it.

    ``version`` is its optimistic counter: of two workers summarising the same range, only
    the one that read the current version stores its summary.
    """

    client_id: ClientId
    session_id: Identifier
    through_seq: Annotated[int, msgspec.Meta(ge=0)]
    text: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    version: Annotated[int, msgspec.Meta(ge=1)] = 1
    created_at: Timestamp


class SessionMemory(Record, kw_only=True, frozen=True):
    """What a session's next turn remembers besides its system message and the last
    ``memory_window`` messages: under ``summary``, the summary in force (``None`` until one
    is made), which covers the messages up to its ``through_seq``."""

    session_id: Identifier
    policy: MemoryPolicy
    memory_window: int
    message_count: int
    summary: MemorySummary | None = None
