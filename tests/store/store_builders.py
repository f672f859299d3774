"""Record builders shared by the store contract tests (plain functions, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from openbrain.domain import AgentConfig, ApiKey, ChatSession, Event, Lead, Message, new_id
from openbrain.store.sessions import TurnCommit

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def config(client_id: str = "acme", profile: str = "default") -> AgentConfig:
    return AgentConfig(client_id=client_id, profile_name=profile, created_at=T0)


def new_session(client_id: str = "acme", session_id: str | None = None) -> ChatSession:
    return ChatSession(
        client_id=client_id,
        session_id=session_id or new_id(),
        profile_name="default",
        config=config(client_id),
        created_at=T0,
        updated_at=T0,
        expires_at=T0 + timedelta(days=90),
    )


def message(session: ChatSession, seq: int, role: str = "user") -> Message:
    return Message(
        client_id=session.client_id,
        session_id=session.session_id,
        seq=seq,
        role=role,  # type: ignore[arg-type]
        content=f"message {seq}",
        created_at=T0,
    )


def next_turn(session: ChatSession, texts: int = 2) -> TurnCommit:
    """The commit of one more turn on ``session`` as read: ``texts`` messages, version + 1."""
    start = session.message_count
    new = msgspec.structs.replace(
        session,
        version=session.version + 1,
        message_count=start + texts,
        turn_count=session.turn_count + 1,
    )
    roles = ("user", "assistant")
    return TurnCommit(
        session=new,
        messages=[message(new, start + i, roles[i % 2]) for i in range(texts)],
    )


def lead(client_id: str, lead_id: str, session_id: str | None = None, **fields: Any) -> Lead:
    return Lead(
        client_id=client_id,
        lead_id=lead_id,
        session_id=session_id,
        created_at=T0,
        updated_at=T0,
        **fields,
    )


def event(client_id: str, event_id: str, object_id: str = "l1") -> Event:
    return Event(
        event_id=event_id,
        client_id=client_id,
        detail_type="lead.created",
        object_type="lead",
        object_id=object_id,
        occurred_at=T0,
    )


def api_key(client_id: str, key_id: str) -> ApiKey:
    return ApiKey(
        client_id=client_id,
        key_id=key_id,
        kind="secret",
        scopes=["chat"],
        secret_hash="0" * 64,
        created_at=T0,
    )
