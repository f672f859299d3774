"""The chat request of the original OpenBrain protocol, and its answer."""

from __future__ import annotations

from typing import Any

import msgspec

from openbrain.domain.base import ClientId, Identifier, MessageText, Record, Request
from openbrain.domain.lead import Lead
from openbrain.domain.session import CallerChannel, Control


class ChatMessage(Request, kw_only=True, frozen=True):
    """``reset`` (or no session) starts a session from the profile plus allowed overrides and
    answers with its ice breaker; otherwise ``message`` continues the session.

    ``context`` holds caller facts (a known e-mail, say): tools see them, the model does not.
    """

    message: MessageText | None = None
    session_id: Identifier | None = None
    client_id: ClientId | None = None
    agent_config: str | None = None
    agent_config_overrides: dict[str, Any] = msgspec.field(default_factory=dict)
    reset: bool = False
    context: dict[str, Any] = msgspec.field(default_factory=dict)
    channel: CallerChannel | None = None
    """Who starts the session (``api`` when not said); a widget's credential makes it
    ``widget``, and a widget may not name one."""


class ChatReply(Record, kw_only=True, frozen=True):
    """What a turn answers: the reply text, the session, and the lead as it now stands."""

    session_id: str
    message: str
    profile_name: str
    profile_version: int
    lead: Lead | None = None
    events: list[str] = msgspec.field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    control: Control = "agent"
    """Who answers the session now: while ``waiting`` or ``human`` the message was stored
    for the operator and ``message`` is empty (their answer arrives on the session's stream)."""
    # Said to the operator, never to the visitor: e.g. that the offline model stands in for
    # the profile's model. Kept out of ``message`` so widgets and transcripts never show it.
    notice: str | None = None
