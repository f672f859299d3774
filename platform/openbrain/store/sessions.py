"""Sessions and their messages. A turn commits messages, session, lead and events atomically."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import msgspec

from openbrain.domain.errors import ConflictError, InvalidError, NotFoundError
from openbrain.domain.event import Event, ToolAction
from openbrain.domain.lead import Lead
from openbrain.domain.session import ChatSession, Message
from openbrain.store import keys
from openbrain.store.codec import encode
from openbrain.store.driver import (
    MAX_TRANSACT_ITEMS,
    ConditionFailedError,
    Delete,
    Item,
    MustNotExist,
    Put,
    VersionIs,
    WriteOp,
)
from openbrain.store.idempotency import StoredReply, stored_reply_item
from openbrain.store.leads import lead_item
from openbrain.store.outbox import event_item
from openbrain.store.paging import filtered_page
from openbrain.store.scoped import ScopedRepository


def _epoch(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment else None


class TurnCommit(msgspec.Struct, frozen=True, kw_only=True):
    """Everything one turn writes. ``session`` is the new state; its ``version`` must be one
    more than the version the turn read (0 for a new session)."""

    session: ChatSession
    messages: Sequence[Message] = ()
    lead: Lead | None = None
    events: Sequence[Event] = ()
    tool_actions: Sequence[ToolAction] = ()
    stored_reply: StoredReply | None = None  # the request's Idempotency-Key, with the reply


class SessionRepository(ScopedRepository):
    def get(self, session_id: str) -> ChatSession | None:
        return self._get(keys.session_pk(self._client_id, session_id), keys.SESSION_SK,
                         ChatSession)

    def require(self, session_id: str) -> ChatSession:
        session = self.get(session_id)
        if session is None:
            raise NotFoundError(f"session {session_id!r} does not exist")
        return session

    def commit_turn(self, turn: TurnCommit) -> None:
        """Write the turn in one transaction, or nothing.

        Raises:
            ConflictError: another turn on this session committed first (or the session
                already exists, for a new one, or the Idempotency-Key was used). Nothing was
                written.
            StoreBusyError: the table kept throttling; nothing was written, and the same
                commit sent again is applied at most once.
        """
        session = turn.session
        self._check_tenant(session)
        pk = keys.session_pk(self._client_id, session.session_id)
        expires = _epoch(session.expires_at)
        ops: list[WriteOp] = [
            Put(
                Item(
                    pk=pk,
                    sk=keys.SESSION_SK,
                    data=encode(session),
                    version=session.version,
                    gsi1pk=keys.sessions_index(self._client_id),
                    gsi1sk=keys.session_index_sk(session.created_at, session.session_id),
                    expires_at=expires,
                ),
                MustNotExist() if session.version == 1 else VersionIs(session.version - 1),
            )
        ]
        for message in turn.messages:
            self._check_tenant(message)
            ops.append(
                Put(
                    Item(pk=pk, sk=keys.message_sk(message.seq), data=encode(message),
                         expires_at=expires),
                    MustNotExist(),
                )
            )
        for action in turn.tool_actions:
            self._check_tenant(action)
            ops.append(
                Put(Item(pk=pk, sk=keys.action_sk(action.action_id), data=encode(action),
                         expires_at=expires))
            )
        if turn.lead is not None:
            self._check_tenant(turn.lead)
            ops.append(Put(lead_item(turn.lead)))
        for event in turn.events:
            self._check_tenant(event)
            ops.append(Put(event_item(event), MustNotExist()))
        if turn.stored_reply is not None:
            self._check_tenant(turn.stored_reply)
            ops.append(Put(stored_reply_item(turn.stored_reply), MustNotExist()))
        if len(ops) > MAX_TRANSACT_ITEMS:
            raise InvalidError(
                f"a turn may write at most {MAX_TRANSACT_ITEMS} records; this one has {len(ops)}"
            )
        try:
            self._driver.transact(ops)
        except ConditionFailedError as exc:
            raise ConflictError(
                f"session {session.session_id!r} was changed by another turn; retry"
            ) from exc

    def window(self, session_id: str, size: int) -> list[Message]:
        """The last ``size`` messages, oldest first: one query, whatever the session's length."""
        page = self._driver.query(
            keys.session_pk(self._client_id, session_id),
            keys.MESSAGE_PREFIX,
            newest_first=True,
            limit=size,
        )
        return self._decode_all(reversed(page.items), Message)

    def transcript(
        self, session_id: str, *, limit: int = 100, cursor: str | None = None,
        newest_first: bool = False,
    ) -> tuple[list[Message], str | None]:
        page = self._driver.query(
            keys.session_pk(self._client_id, session_id),
            keys.MESSAGE_PREFIX,
            newest_first=newest_first,
            limit=limit,
            cursor=cursor,
        )
        return self._decode_all(page.items, Message), page.cursor

    def tool_actions(self, session_id: str, *, limit: int = 100) -> list[ToolAction]:
        page = self._driver.query(
            keys.session_pk(self._client_id, session_id), keys.ACTION_PREFIX, limit=limit
        )
        return self._decode_all(page.items, ToolAction)

    def list(
        self,
        *,
        limit: int = 50,
        cursor: str | None = None,
        where: Callable[[ChatSession], bool] | None = None,
    ) -> tuple[list[ChatSession], str | None]:
        """Sessions newest first; with ``where``, only those that match (see
        :func:`~openbrain.store.paging.filtered_page`)."""
        return filtered_page(
            lambda after: self._driver.query_index(
                keys.sessions_index(self._client_id), newest_first=True, limit=limit,
                cursor=after,
            ),
            ChatSession,
            limit=limit,
            cursor=cursor,
            where=where,
            index=True,
        )

    def delete(self, session_id: str) -> None:
        """Delete the session with every message and tool action it holds."""
        pk = keys.session_pk(self._client_id, session_id)
        while True:
            page = self._driver.query(pk, limit=MAX_TRANSACT_ITEMS)
            if not page.items:
                return
            self._driver.transact([Delete(i.pk, i.sk) for i in page.items])
