"""Chat sessions and their messages (one stored item per message)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from openbrain.domain.agent_config import AgentConfig, MemoryPolicy
from openbrain.domain.base import ClientId, Identifier, Record, Timestamp

Role = Literal["user", "assistant", "tool", "system", "human_agent"]
Control = Literal["agent", "waiting", "human", "closed"]
"""Who answers a session: the agent (default); nobody yet (``waiting``: a hand-off was
requested); an operator (``human``); nobody any more (``closed``)."""
HELD: frozenset[Control] = frozenset({"waiting", "human"})
"""States in which visitor messages are stored for the operator and the model is not called."""
Channel = Literal["widget", "api", "cli", "tuner"]
"""Where a session was started: a widget's credential makes it ``widget``; other callers say
which of the rest they are (``api`` when they do not)."""
CallerChannel = Literal["api", "cli", "tuner"]
"""The channels a caller may name: ``widget`` comes from the credential, never from a body."""
PREVIEW_CHARS = 120
"""How much of a session's first user message its record keeps for listings."""


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
    operator: str | None = None
    """For ``human_agent`` messages: the identity (credential subject) of the operator."""
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
    control: Control = "agent"
    operator: str | None = None
    """The operator holding the session (``control == "human"``)."""
    handoff_at: Timestamp | None = None
    """When the current hand-off was requested (the inbox's order, oldest first)."""
    visitor_hash: str | None = None
    """SHA-256 of the secret of the widget visitor who started the session: only a widget
    grant for the same visitor reaches it (``None``: not a widget session)."""
    channel: str | None = None
    """Where the session was started: a :data:`Channel` (``None``: stored before channels
    were recorded). Any text, so a channel a newer version adds still reads."""
    preview: str | None = None
    """The start of its first user message (``PREVIEW_CHARS``), set by the turn that sends it."""
    created_at: Timestamp
    updated_at: Timestamp
    expires_at: Timestamp | None = None


class ListedSession(ChatSession, kw_only=True, frozen=True):
    """A session as the listing shows it: with the name of its lead, read at listing time
    (never stored on the session, so an edit of the lead shows at once)."""

    lead_name: str | None = None
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
