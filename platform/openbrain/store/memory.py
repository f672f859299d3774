"""Session summaries (``summary`` memory policy): one item per session, replaced in place.

The item sits in the session's partition, so erasing the session erases it. It is written
only by compaction, never by a turn, so a summary never makes a visitor's turn conflict.
"""

from __future__ import annotations

from datetime import datetime

from openbrain.domain.errors import ConflictError
from openbrain.domain.session import ChatSession, MemorySummary, Message, SessionMemory
from openbrain.store import keys
from openbrain.store.codec import encode
from openbrain.store.driver import (
    MAX_QUERY_LIMIT,
    ConditionFailedError,
    Item,
    MustNotExist,
    VersionIs,
    encode_cursor,
)
from openbrain.store.scoped import ScopedRepository
from openbrain.store.sessions import _decode_messages as decode_messages


class MemoryRepository(ScopedRepository):
    def latest(self, session_id: str) -> MemorySummary | None:
        """The summary in force: one get."""
        return self._get(keys.session_pk(self._client_id, session_id), keys.MEMORY_SK,
                         MemorySummary)

    def of(self, session: ChatSession) -> SessionMemory:
        """What ``session``'s next turn remembers besides the window (one get)."""
        self._check_tenant(session)
        config = session.config
        return SessionMemory(session_id=session.session_id, policy=config.memory_policy,
                             memory_window=config.memory_window,
                             message_count=session.message_count,
                             summary=self.latest(session.session_id))

    def save(self, summary: MemorySummary, expires_at: datetime | None) -> None:
        """Store ``summary`` if the one in force is still the version it was made from.

        Raises:
            ConflictError: another worker stored a summary first; nothing was written.
        """
        self._check_tenant(summary)
        item = Item(pk=keys.session_pk(self._client_id, summary.session_id), sk=keys.MEMORY_SK,
                    data=encode(summary), version=summary.version,
                    expires_at=int(expires_at.timestamp()) if expires_at else None)
        condition = MustNotExist() if summary.version == 1 else VersionIs(summary.version - 1)
        try:
            self._driver.put(item, condition)
        except ConditionFailedError as exc:
            raise ConflictError(
                f"session {summary.session_id!r} was summarised by another worker") from exc

    def messages(self, session_id: str, first: int, last: int) -> list[Message]:
        """Messages ``first`` through ``last`` (by ``seq``), oldest first. An item holds a
        turn's messages under the ``seq`` of its last one, so reading from the key after
        ``first - 1`` finds every item that holds one of them."""
        pk = keys.session_pk(self._client_id, session_id)
        cursor = (encode_cursor(Item(pk=pk, sk=keys.message_sk(first - 1)), index=False)
                  if first > 0 else None)
        found: list[Message] = []
        while True:
            limit = min(MAX_QUERY_LIMIT, last - first + 1)
            page = self._driver.query(pk, keys.MESSAGE_PREFIX, limit=max(1, limit),
                                      cursor=cursor)
            for item in page.items:
                found.extend(m for m in decode_messages(item.data) if first <= m.seq <= last)
            cursor = page.cursor
            if cursor is None or not page.items or \
                    int(page.items[-1].sk.removeprefix(keys.MESSAGE_PREFIX)) >= last:
                return sorted(found, key=lambda m: m.seq)
