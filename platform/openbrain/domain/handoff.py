"""The operator's side of a hand-off: the inbox's entries and a human's message."""

from __future__ import annotations

from openbrain.domain.base import MessageText, Record, Request
from openbrain.domain.lead import Lead
from openbrain.domain.session import ChatSession, Control


class InboxEntry(Record, kw_only=True, frozen=True):
    """A session waiting for or held by an operator, with the lead it captured."""

    session: ChatSession
    lead: Lead | None = None


class OperatorMessage(Request, kw_only=True, frozen=True):
    """What an operator says to the visitor (stored with role ``human_agent``)."""

    message: MessageText


class SessionState(Record, kw_only=True, frozen=True):
    """Who answers a session now: a live stream's ``state`` event (sent when it opens and
    whenever it changes). ``last_seq``: the last message the stream has passed."""

    control: Control
    operator: str | None = None
    last_seq: int
