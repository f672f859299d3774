"""The inbox: sessions waiting for or held by an operator, oldest hand-off first.

Each such session has a small ``INBOX`` item (index keys only) in its own partition, put and
deleted in the transaction that changes its control state; the tenant's inbox index holds
only sessions in hand-off, so listing it reads nothing else.
"""

from __future__ import annotations

from openbrain.domain.session import HELD, ChatSession
from openbrain.store import keys
from openbrain.store.codec import decode
from openbrain.store.driver import Delete, Item, Put, TableDriver, WriteOp


def inbox_op(session: ChatSession) -> WriteOp:
    """The write that lists ``session`` in the inbox, or takes it out, as its state says."""
    pk = keys.session_pk(session.client_id, session.session_id)
    if session.control not in HELD:
        return Delete(pk, keys.SESSION_INBOX_SK)
    at = session.handoff_at or session.updated_at
    return Put(Item(pk=pk, sk=keys.SESSION_INBOX_SK,
                    gsi1pk=keys.inbox_index(session.client_id),
                    gsi1sk=keys.inbox_sk(at, session.session_id)))


def inbox_sessions(driver: TableDriver, client_id: str, *, limit: int) -> list[ChatSession]:
    """Up to ``limit`` sessions in hand-off, oldest request first (their current state)."""
    page = driver.query_index(keys.inbox_index(client_id), limit=limit)
    heads = driver.get_many([(entry.pk, keys.SESSION_SK) for entry in page.items])
    found = [decode(head.data, ChatSession) for head in heads if head is not None]
    # An entry outlives its session only if the session expired: not in hand-off any more.
    return [s for s in found if s.control in HELD]
