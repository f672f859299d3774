"""Every write and every read :class:`TenantStore` offers, per repository: what the isolation
property and the schema-evolution test run (both check they cover every repository)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import cached_property
from typing import Any

import msgspec

from openbrain.domain import AgentSettings, ConflictError, UnauthorizedError
from openbrain.domain.chat import ChatMessage, ChatReply
from openbrain.store.tenant_store import TenantStore
from tests.store.store_builders import (
    T0,
    added_route,
    api_key,
    attempt,
    dead_letter,
    event,
    lead,
    memory_summary,
    new_session,
    next_turn,
    route_secret,
    signin_code,
    tool_action,
)

SESSION_IDS = ("s1", "s2")
LEAD_IDS = ("l1", "l2")
PROFILES = ("default", "sales")
EVENT_IDS = ("e1", "e2")
ROUTE_IDS = ("r1", "r2")
DEAD_LETTER_IDS = ("d1", "d2")
CODE_HASHES = ("a" * 64, "b" * 64)
IDEMPOTENCY_KEYS = ("k-1", "k-2")


def _config(store: TenantStore, profile: str) -> None:
    store.configs.save(profile, AgentSettings(system_message=f"secret of {store.client_id}"))


def _turn(store: TenantStore, session_id: str) -> None:
    cid = store.client_id
    session = store.sessions.get(session_id) or new_session(cid, session_id)
    turn = next_turn(session)
    store.sessions.commit_turn(msgspec.structs.replace(
        turn, lead=lead(cid, f"{session_id}-lead", session_id, notes=cid),
        tool_actions=[tool_action(turn.session, f"{session_id}-{turn.session.version}")],
    ))


def _summary(store: TenantStore, session_id: str) -> None:
    """The session's next summary, made from the one in force."""
    found = store.memory.latest(session_id)
    version = found.version + 1 if found else 1
    store.memory.save(memory_summary(store.client_id, session_id, version * 10,
                                     version=version, text=f"said by {store.client_id}"), None)


def _lead(store: TenantStore, lead_id: str) -> None:
    store.leads.save(lead(store.client_id, lead_id, "s1", notes=store.client_id))


def _erase(store: TenantStore, lead_id: str) -> None:
    if store.leads.get(lead_id) is not None:
        store.erase_lead(lead_id)


def _event(store: TenantStore, event_id: str) -> None:
    found = store.outbox.get(event_id)
    if found is None:
        store.outbox.add(event(store.client_id, event_id))
    elif found.published_at is None:
        store.outbox.mark_published(found)
    else:
        store.outbox.mark_pending(found)


def _key(store: TenantStore, key_id: str) -> None:
    if store.api_keys.get(key_id) is None:
        store.api_keys.create(api_key(store.client_id, key_id))
    else:
        store.api_keys.revoke(key_id)


def _usage(store: TenantStore, day: str) -> None:
    store.usage.record(day, "default", turns=1, input_tokens=5, output_tokens=7)


def _route(store: TenantStore, route_id: str) -> None:
    if store.routes.get(route_id) is None:
        store.routes.add(added_route(store.client_id, route_id))
        store.routes.create_secret_once(route_secret(store.client_id, route_id))
    else:
        store.routes.save_secret(route_secret(store.client_id, route_id))


def _delivery(store: TenantStore, event_id: str) -> None:
    store.deliveries.record(attempt(store.client_id, event_id))
    store.deliveries.set_state(event_id, "r1", "dead")


def _dead_letter(store: TenantStore, dead_letter_id: str) -> None:
    found = store.dead_letters.get(dead_letter_id)
    if found is None:
        store.dead_letters.add(dead_letter(store.client_id, dead_letter_id))
    elif found.state == "open":
        store.dead_letters.mark_redriven(found)


def _signin_code(store: TenantStore, code_hash: str) -> None:
    if store.signin_codes.get(code_hash) is None:
        store.signin_codes.create(signin_code(store.client_id, code_hash))
    else:
        with contextlib.suppress(UnauthorizedError):  # used already
            store.signin_codes.redeem(code_hash, T0)


def _counter(store: TenantStore, bucket: str) -> None:
    store.counters.take(bucket, "w1", 3, at_most=1_000, expires_at=2_000_000_000)


COUNTER_BUCKETS = ("t", "k:k1")


def _kept_reply(store: TenantStore, key: str) -> None:
    """A turn committed with its reply under an Idempotency-Key (once per key)."""
    cid = store.client_id
    session = store.sessions.get("s1") or new_session(cid, "s1")
    turn = next_turn(session)
    request = ChatMessage(session_id="s1", message=key)
    reply = ChatReply(session_id="s1", message=cid, profile_name="default", profile_version=1)
    with contextlib.suppress(ConflictError):  # the key is used already
        store.sessions.commit_turn(msgspec.structs.replace(
            turn, stored_reply=store.idempotency.record(key, request, reply, T0)))


Action = Callable[[TenantStore, str], None]

# Per repository: its writes, over the same small id space tenant B uses, so ids collide.
ACTIONS: dict[str, list[tuple[Action, tuple[str, ...]]]] = {
    "configs": [(_config, PROFILES)],
    "sessions": [(_turn, SESSION_IDS)],
    "memory": [(_summary, SESSION_IDS)],
    "leads": [(_lead, LEAD_IDS), (_erase, LEAD_IDS)],
    "outbox": [(_event, EVENT_IDS)],
    "api_keys": [(_key, ("k1", "k2"))],
    "usage": [(_usage, ("2025-01-01", "2025-01-02"))],
    "routes": [(_route, ROUTE_IDS)],
    "deliveries": [(_delivery, EVENT_IDS)],
    "dead_letters": [(_dead_letter, DEAD_LETTER_IDS)],
    "signin_codes": [(_signin_code, CODE_HASHES)],
    "counters": [(_counter, COUNTER_BUCKETS)],
    "idempotency": [(_kept_reply, IDEMPOTENCY_KEYS)],
}

# Per repository: every read it offers, over every id either tenant may use.
READS: dict[str, Callable[[TenantStore], list[Any]]] = {
    "configs": lambda s: [
        *s.configs.list(),
        *[s.configs.get(p) for p in PROFILES],
        *[v for p in PROFILES for v in s.configs.versions(p)[0]],
    ],
    "sessions": lambda s: [
        *s.sessions.list(limit=100)[0],
        *[s.sessions.get(i) for i in SESSION_IDS],
        *[m for i in SESSION_IDS for m in s.sessions.window(i, 50)],
        *[m for i in SESSION_IDS for m in s.sessions.transcript(i, limit=100)[0]],
        *[a for i in SESSION_IDS for a in s.sessions.tool_actions(i)],
    ],
    "memory": lambda s: [
        *[s.memory.latest(i) for i in SESSION_IDS],
        *[m for i in SESSION_IDS for m in s.memory.messages(i, 0, 50)],
    ],
    "leads": lambda s: [
        *s.leads.list(limit=100)[0],
        *[s.leads.get(i) for i in (*LEAD_IDS, "s1-lead", "s2-lead")],
    ],
    "outbox": lambda s: [
        *s.outbox.pending(),
        *s.outbox.list(limit=100)[0],
        *[s.outbox.get(e) for e in EVENT_IDS],
    ],
    "api_keys": lambda s: [*s.api_keys.list(), *[s.api_keys.get(k) for k in ("k1", "k2")]],
    "usage": lambda s: s.usage.list(),
    "routes": lambda s: [
        *s.routes.list(),
        *[s.routes.get(r) for r in ROUTE_IDS],
        *[s.routes.secret(r) for r in ROUTE_IDS],
    ],
    "deliveries": lambda s: [
        *s.deliveries.list(limit=100)[0],
        *[a for e in EVENT_IDS for a in s.deliveries.list(event_id=e, limit=100)[0]],
        *[s.deliveries.state(e, "r1") for e in EVENT_IDS],
    ],
    "dead_letters": lambda s: [
        *s.dead_letters.list(include_redriven=True, limit=100)[0],
        *s.dead_letters.list(limit=100)[0],
        *s.dead_letters.iter_open(),
        *[s.dead_letters.get(d) for d in DEAD_LETTER_IDS],
    ],
    "signin_codes": lambda s: [s.signin_codes.get(h) for h in CODE_HASHES],
    "counters": lambda s: [s.counters.count(b, "w1") for b in COUNTER_BUCKETS],
    "idempotency": lambda s: [s.idempotency.get(k) for k in IDEMPOTENCY_KEYS],
}


def exposed_repositories() -> set[str]:
    """The repositories ``TenantStore`` exposes (its cached properties)."""
    return {n for n, v in vars(TenantStore).items() if isinstance(v, cached_property)}


def write_one_of_each(store: TenantStore) -> None:
    """The first write of each repository, with its first id."""
    for writes in ACTIONS.values():
        action, ids = writes[0]
        action(store, ids[0])


def everything_readable(store: TenantStore) -> list[Any]:
    """Every record any read of ``store`` returns (``None`` results left out)."""
    return [r for read in READS.values() for r in read(store) if r is not None]
