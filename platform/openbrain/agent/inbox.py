"""The operator's desk: take a session in hand-off, answer as a person, hand it back, close it.

Every change is a versioned write of the session item (the optimistic check that orders
turns), committed with its message, inbox entry and event in one transaction: of two
operators taking one session, one commit wins and the other is refused (409). A change that
loses only to a visitor's message (the session moved on, the operator's claim still holds)
is tried again on the new version.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import msgspec
import structlog

from openbrain.domain.base import new_id, utcnow
from openbrain.domain.errors import ConflictError
from openbrain.domain.event import Event
from openbrain.domain.handoff import InboxEntry
from openbrain.domain.session import HELD, ChatSession, Control, Message
from openbrain.domain.tenant import EventType
from openbrain.events.publisher import EventPublisher, hand_on
from openbrain.store.sessions import TurnCommit
from openbrain.store.tenant_store import TenantStore

__all__ = ("Inbox",)

log = structlog.get_logger("openbrain.agent.inbox")
_ATTEMPTS = 5  # a visitor typing fast can move the session on between read and commit
Change = Callable[[ChatSession, datetime], TurnCommit]


class Inbox:
    """Operator actions on any tenant's sessions; one instance serves every request."""

    def __init__(self, *, publisher: EventPublisher | None, session_ttl_days: int,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._publisher = publisher
        self._ttl = timedelta(days=session_ttl_days)
        self._clock = clock

    def list(self, store: TenantStore, *, limit: int = 100) -> list[InboxEntry]:
        """Sessions waiting for or held by an operator, oldest hand-off first, each with
        its lead."""
        sessions = store.sessions.inbox(limit=limit)
        return [InboxEntry(session=s, lead=store.leads.get(s.lead_id) if s.lead_id else None)
                for s in sessions]

    def take(self, store: TenantStore, session_id: str, operator: str) -> ChatSession:
        """Hold the session as ``operator`` (from the agent or a pending hand-off).

        Raises:
            NotFoundError: no such session.
            ConflictError: another operator holds it (or took it first), or it is closed.
        """
        def change(session: ChatSession, now: datetime) -> TurnCommit:
            if session.control == "human":
                if session.operator == operator:
                    raise _UnchangedError
                raise ConflictError(f"session {session_id!r} is already taken by another "
                                    "operator")
            _refuse_closed(session)
            return self._moved(session, now, "human", operator, "handoff.accepted",
                               handoff_at=session.handoff_at or now)
        return self._apply(store, session_id, change).session

    def reply(self, store: TenantStore, session_id: str, operator: str,
              text: str) -> Message:
        """Say ``text`` to the visitor as ``operator`` (role ``human_agent``).

        Raises:
            NotFoundError: no such session.
            ConflictError: the caller does not hold the session (take it first).
        """
        def change(session: ChatSession, now: datetime) -> TurnCommit:
            _check_holder(session, operator)
            message = Message(client_id=session.client_id, session_id=session.session_id,
                              seq=session.message_count, role="human_agent", content=text,
                              operator=operator, created_at=now)
            updated = self._advanced(session, now, message_count=session.message_count + 1)
            return TurnCommit(session=updated, messages=[message])
        return self._apply(store, session_id, change).messages[0]

    def release(self, store: TenantStore, session_id: str, operator: str) -> ChatSession:
        """Hand the session back to the agent: its next answer sees the human exchange.

        Raises:
            NotFoundError: no such session.
            ConflictError: another operator holds it, or it is not in hand-off.
        """
        def change(session: ChatSession, now: datetime) -> TurnCommit:
            if session.control not in HELD:
                raise ConflictError(f"session {session_id!r} is not waiting for or held by "
                                    "an operator")
            if session.control == "human":
                _check_holder(session, operator)
            return self._moved(session, now, "agent", None, "handoff.released")
        return self._apply(store, session_id, change).session

    def close(self, store: TenantStore, session_id: str, operator: str) -> ChatSession:
        """End the conversation: nobody answers it any more.

        Raises:
            NotFoundError: no such session.
            ConflictError: another operator holds it, or it is already closed.
        """
        def change(session: ChatSession, now: datetime) -> TurnCommit:
            _refuse_closed(session)
            if session.control == "human":
                _check_holder(session, operator)
            return self._moved(session, now, "closed", None, "session.closed",
                               by=operator)
        return self._apply(store, session_id, change).session

    # -- writing ---------------------------------------------------------------------------

    def _apply(self, store: TenantStore, session_id: str, change: Change) -> TurnCommit:
        for attempt in range(_ATTEMPTS):
            session = store.sessions.require(session_id)
            try:
                commit = change(session, self._clock())
            except _UnchangedError:
                return TurnCommit(session=session)
            try:
                store.sessions.commit_turn(commit)
            except ConflictError:
                if attempt == _ATTEMPTS - 1:
                    raise
                continue  # re-read: the change is judged again on the newer state
            hand_on(self._publisher, store.client_id, commit.events)
            log.info("inbox.changed", client_id=store.client_id, session_id=session_id,
                     control=commit.session.control, version=commit.session.version)
            return commit
        raise AssertionError("unreachable")  # pragma: no cover

    def _advanced(self, session: ChatSession, now: datetime, **changes: object) -> ChatSession:
        return msgspec.structs.replace(session, version=session.version + 1, updated_at=now,
                                       expires_at=now + self._ttl, **changes)

    def _moved(self, session: ChatSession, now: datetime, control: Control,
               operator: str | None, detail_type: EventType, *,
               handoff_at: datetime | None = None, by: str | None = None) -> TurnCommit:
        updated = self._advanced(session, now, control=control, operator=operator,
                                 handoff_at=handoff_at)
        who = operator or by or session.operator
        event = Event(event_id=new_id(), client_id=session.client_id,
                      detail_type=detail_type, session_id=session.session_id,
                      object_type="session", object_id=session.session_id,
                      object={"operator": who, "leadId": session.lead_id}, occurred_at=now)
        return TurnCommit(session=updated, events=[event], control_changed=True)


class _UnchangedError(Exception):
    """The session already is as asked (the same operator taking it twice)."""


def _refuse_closed(session: ChatSession) -> None:
    if session.control == "closed":
        raise ConflictError(f"session {session.session_id!r} is closed")


def _check_holder(session: ChatSession, operator: str) -> None:
    if session.control != "human":
        raise ConflictError(f"session {session.session_id!r} is not held by an operator; "
                            "take it first")
    if session.operator != operator:
        raise ConflictError(f"session {session.session_id!r} is held by another operator")
