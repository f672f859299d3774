"""Record builders shared by the store contract tests (plain functions, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from openbrain.domain import (
    AgentConfig,
    ApiKey,
    ChatSession,
    Event,
    Lead,
    MemorySummary,
    Message,
    Route,
    Tenant,
    new_id,
)
from openbrain.domain.delivery import AddedRoute, DeadLetter, DeliveryAttempt, RouteSecret
from openbrain.domain.event import ToolAction
from openbrain.domain.signin import SigninCode
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


def tool_action(session: ChatSession, action_id: str) -> ToolAction:
    return ToolAction(client_id=session.client_id, session_id=session.session_id,
                      action_id=action_id, tool="calculator", output="2", created_at=T0)


def added_route(client_id: str, route_id: str) -> AddedRoute:
    route = Route(route_id=route_id, event_types=["lead.created"],
                  url=f"https://{client_id}.example/hook")
    return AddedRoute(client_id=client_id, route=route, created_at=T0)


def route_secret(client_id: str, route_id: str) -> RouteSecret:
    return RouteSecret(client_id=client_id, route_id=route_id, secret=f"whsec_{client_id}",
                       created_at=T0)


def attempt(client_id: str, event_id: str, route_id: str = "r1") -> DeliveryAttempt:
    return DeliveryAttempt(client_id=client_id, attempt_id=new_id(), event_id=event_id,
                           detail_type="lead.created", route_id=route_id, attempt=1, at=T0,
                           outcome="retrying", error=f"down at {client_id}")


def dead_letter(client_id: str, dead_letter_id: str, event_id: str = "e1") -> DeadLetter:
    return DeadLetter(client_id=client_id, dead_letter_id=dead_letter_id, event_id=event_id,
                      detail_type="lead.created", route_id="r1", attempts=3,
                      last_error=f"gone at {client_id}", created_at=T0)


def signin_code(client_id: str, code_hash: str) -> SigninCode:
    return SigninCode(client_id=client_id, code_hash=code_hash, role="tenant-admin",
                      subject=client_id, token_ttl_seconds=600, created_at=T0,
                      expires_at=T0 + timedelta(minutes=10))


def tenant(client_id: str) -> Tenant:
    return Tenant(client_id=client_id, name=f"Tenant {client_id}", created_at=T0,
                  routes=[Route(route_id="spec", event_types=["lead.created"], kind="log")])


def memory_summary(client_id: str, session_id: str, through_seq: int, *, version: int = 1,
                   text: str = "summary") -> MemorySummary:
    return MemorySummary(client_id=client_id, session_id=session_id, through_seq=through_seq,
                         text=text, model="offline", version=version, created_at=T0)


def item_ends(turns: tuple[int, ...]) -> list[int]:
    """The key (last ``seq``) of each message item of a session built from three single
    messages, then ``turns`` (messages per turn, each turn one item)."""
    ends, total = [0, 1, 2], 3
    for texts in turns:
        total += texts
        ends.append(total - 1)
    return ends
