"""Sessions and their messages. A turn commits messages, session, lead and events atomically."""

from __future__ import annotations

import builtins
import contextlib
import threading
from collections.abc import Callable, Sequence
from datetime import datetime

import msgspec

from openbrain.domain.errors import ConflictError, InvalidError, NotFoundError
from openbrain.domain.event import Event, ToolAction
from openbrain.domain.lead import Lead
from openbrain.domain.session import ChatSession, ListedSession, MemorySummary, Message
from openbrain.store import keys
from openbrain.store.codec import decode, encode
from openbrain.store.driver import (
    MAX_DATA_BYTES,
    MAX_QUERY_LIMIT,
    MAX_TRANSACT_ITEMS,
    ConditionFailedError,
    Delete,
    Item,
    MustNotExist,
    Put,
    TableDriver,
    VersionIs,
    WriteOp,
    check_cursor,
    encode_cursor,
)
from openbrain.store.idempotency import StoredReply, stored_reply_item
from openbrain.store.inbox import inbox_op, inbox_sessions
from openbrain.store.leads import lead_item
from openbrain.store.outbox import event_item
from openbrain.store.paging import completed_page
from openbrain.store.scoped import ScopedRepository
from openbrain.store.session_list import listing_page

_LISTED: set[str] = set()  # sessions stored before sharding given their entry by this process
_LISTED_LOCK = threading.Lock()
_MAX_LISTED = 100_000
_LIST_ENCODER = msgspec.json.Encoder()
_CHUNK_BYTES = MAX_DATA_BYTES // 2  # a turn's messages per item, well under an item's cap
TURN_READ_ITEMS = 10
"""The message items a turn's read of a session expects to need, before it has read the
session that says how many, when this process has not seen the session yet: the default
``memoryWindow`` (20) at a turn's two messages (a user message and its answer) per item."""
# Per session, the message items its last turn in this process needed (a hint, never a
# fact: a wrong one costs items read or a second query, not a wrong window).
_NEEDED: dict[str, int] = {}
_NEEDED_LOCK = threading.Lock()
_MAX_NEEDED = 10_000


def _remember_needed(pk: str, items: int) -> None:
    with _NEEDED_LOCK:
        if len(_NEEDED) >= _MAX_NEEDED and pk not in _NEEDED:
            _NEEDED.clear()
        _NEEDED[pk] = items


def turn_read_limit(items: int) -> int:
    """The items a turn's read asks for to find ``items`` message items: ``SESSION``,
    ``MEMORY`` (where the session has none, one message item more: the window may start
    inside one more item than last time) and the message items."""
    return min(MAX_QUERY_LIMIT, 2 + items)


def _chunks(messages: Sequence[Message]) -> list[list[Message]]:
    """A turn's messages, stored together in as few items as fit (usually one): a turn
    writes one message item, keyed by the ``seq`` of its last message."""
    chunks: list[list[Message]] = []
    size = 0
    for message in messages:
        length = len(encode(message))
        if not chunks or size + length > _CHUNK_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(message)
        size += length
    return chunks


def _encode_messages(chunk: list[Message]) -> bytes:
    """One message as itself (the layout of items written one message each), more as a list."""
    return encode(chunk[0]) if len(chunk) == 1 else _LIST_ENCODER.encode(chunk)


def _decode_messages(data: bytes) -> list[Message]:
    if data[:1] == b"[":
        return decode(data, list[Message])
    return [decode(data, Message)]


def _item_end(sk: str) -> int:
    """The ``seq`` of the last message of the item keyed ``sk`` (``M#{seq}``)."""
    return int(sk.removeprefix(keys.MESSAGE_PREFIX))


def _cursor_seq(sk: str) -> int:
    """The ``seq`` a transcript cursor ends at: ``M#{seq}``, or ``M#{item}~{seq}``."""
    tail = sk.removeprefix(keys.MESSAGE_PREFIX).rpartition("~")[2]
    if not tail.isdigit():
        raise InvalidError("cursor is not valid")
    return int(tail)


def _epoch(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment else None


def _with_lead_names(driver: TableDriver, client_id: str,
                     sessions: list[ChatSession]) -> list[ListedSession]:
    """A listing page's sessions with their leads' names: one read per distinct lead, at
    listing time (a turn writes nothing more for it)."""
    lead_ids = sorted({s.lead_id for s in sessions if s.lead_id})
    items = driver.get_many([(keys.lead_shard_pk(client_id, lead_id), keys.lead_sk(lead_id))
                             for lead_id in lead_ids])
    found = {lead_id: item for lead_id, item in zip(lead_ids, items, strict=True) if item}
    # Leads stored before sharding are still in the tenant's old partition (LeadRepository.get)
    older = [lead_id for lead_id in lead_ids if lead_id not in found]
    if older:
        pk = keys.leads_pk(client_id)
        items = driver.get_many([(pk, keys.lead_sk(lead_id)) for lead_id in older])
        found |= {lead_id: item for lead_id, item in zip(older, items, strict=True) if item}
    names = {lead_id: decode(item.data, Lead).display_name for lead_id, item in found.items()}
    return [ListedSession(**msgspec.structs.asdict(s),
                          lead_name=names.get(s.lead_id) if s.lead_id else None)
            for s in sessions]


class TurnCommit(msgspec.Struct, frozen=True, kw_only=True):
    """Everything one turn writes. ``session`` is the new state; its ``version`` must be one
    more than the version the turn read (0 for a new session)."""

    session: ChatSession
    messages: Sequence[Message] = ()
    lead: Lead | None = None
    events: Sequence[Event] = ()
    tool_actions: Sequence[ToolAction] = ()
    stored_reply: StoredReply | None = None  # the request's Idempotency-Key, with the reply
    control_changed: bool = False  # the session's control state changed: list or unlist it


class SessionRead(msgspec.Struct, frozen=True, kw_only=True):
    """A session as its turn reads it, in one query (:meth:`SessionRepository.for_turn`)."""

    session: ChatSession
    summary: MemorySummary | None = None
    """The session's ``MEMORY`` item when it holds one (the memory policy decides whether
    the turn uses it)."""
    recent: list[Message] = msgspec.field(default_factory=list)
    """Its newest messages, oldest first: every one from ``reaches`` to the session's last."""
    reaches: int = 0
    """The ``seq`` from which ``recent`` holds every message (0: all the session has)."""
    ends: list[int] = msgspec.field(default_factory=list)
    """The last ``seq`` of each message item read (its key), oldest first: how many items
    the window took tells the session's next read how many to ask for."""


class SessionRepository(ScopedRepository):
    def get(self, session_id: str) -> ChatSession | None:
        item = self._driver.get(keys.session_pk(self._client_id, session_id), keys.SESSION_SK)
        return self._session(item) if item is not None else None

    def _session(self, item: Item) -> ChatSession:
        session = decode(item.data, ChatSession)
        if item.gsi1pk == keys.sessions_index(self._client_id):
            self._list_stored_before_sharding(session)
        return session

    def for_turn(self, session_id: str) -> SessionRead:
        """The session, its summary and its newest messages in one strongly consistent
        query, newest first from ``SESSION`` down: ``SESSION``, ``MEMORY``, then message
        items: :func:`turn_read_limit` of as many message items as the session's last turn
        in this process needed (:data:`TURN_READ_ITEMS` for one it has not seen).
        :meth:`window_of` completes a window that needs more.

        Messages a turn committed after the session was read (a query is no snapshot on
        DynamoDB) are left out: the turn's commit, conditioned on the session's version,
        fails anyway.

        Raises:
            NotFoundError: no such session.
        """
        pk = keys.session_pk(self._client_id, session_id)
        with _NEEDED_LOCK:
            needed = _NEEDED.get(pk, TURN_READ_ITEMS)
        limit = turn_read_limit(needed)
        items = self._driver.query_range(pk, keys.MESSAGE_PREFIX, keys.SESSION_SK,
                                         newest_first=True, limit=limit)
        if not items or items[0].sk != keys.SESSION_SK:
            raise NotFoundError(f"session {session_id!r} does not exist")
        session = self._session(items[0])
        count = session.message_count
        summary = None
        recent: list[Message] = []
        ends: list[int] = []
        for item in reversed(items[1:]):
            if item.sk == keys.MEMORY_SK:
                summary = decode(item.data, MemorySummary)
                continue
            end = _item_end(item.sk)
            if end < count:  # a turn's messages are one item: all new or none
                ends.append(end)
                recent.extend(_decode_messages(item.data))
        recent.sort(key=lambda m: m.seq)
        # Fewer items than asked for: the query reached the partition's first message.
        reaches = 0 if len(items) < limit else recent[0].seq if recent else count
        return SessionRead(session=session, summary=summary, recent=recent, reaches=reaches,
                           ends=ends)

    def window_of(self, read: SessionRead, size: int) -> list[Message]:
        """The last ``size`` messages of the session ``read`` holds, oldest first: those it
        read, and those before them in one more query when it read too few (bounded by the
        messages missing, as :meth:`window` is by the count)."""
        pk = keys.session_pk(self._client_id, read.session.session_id)
        first = max(0, read.session.message_count - size)
        held = sum(1 for end in read.ends if end >= first)  # items read that hold the window
        if read.reaches <= first:
            # A window not full yet (it starts at the first message) takes in the next
            # turn's item as well.
            _remember_needed(pk, held + 1 if first == 0 else held)
            return [m for m in read.recent if m.seq >= first]
        # An item holds a turn's messages under the seq of its last one: the items from the
        # key of ``first`` up to the one before ``reaches`` hold exactly the missing ones.
        items = self._driver.query_range(pk, keys.message_sk(first),
                                         keys.message_sk(read.reaches - 1),
                                         limit=min(read.reaches - first, MAX_QUERY_LIMIT))
        _remember_needed(pk, held + len(items))
        older = sorted((m for item in items for m in _decode_messages(item.data)
                        if m.seq >= first), key=lambda m: m.seq)
        return [*older, *read.recent]

    def _listing(self, session_id: str, created_at: datetime) -> Item:
        """The session's entry in the listing (no TTL: a listing drops entries whose
        session is gone, see :mod:`~openbrain.store.session_list`)."""
        return Item(pk=keys.session_pk(self._client_id, session_id),
                    sk=keys.SESSION_LISTED_SK,
                    gsi1pk=keys.sessions_index_shard(self._client_id, session_id),
                    gsi1sk=keys.session_index_sk(created_at, session_id))

    def _list_stored_before_sharding(self, session: ChatSession) -> None:
        """A session stored before listing entries existed is listed through its session
        item, which its next turn rewrites without index keys: give it its entry first
        (once per process; the listing shows such a session once until then)."""
        listing = self._listing(session.session_id, session.created_at)
        with _LISTED_LOCK:
            if listing.pk in _LISTED:
                return
        with contextlib.suppress(ConditionFailedError):
            self._driver.put(listing, MustNotExist())
        with _LISTED_LOCK:
            if len(_LISTED) >= _MAX_LISTED:
                _LISTED.clear()
            _LISTED.add(listing.pk)

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
                Item(pk=pk, sk=keys.SESSION_SK, data=encode(session), version=session.version,
                     expires_at=expires),
                MustNotExist() if session.version == 1 else VersionIs(session.version - 1),
            )
        ]
        if session.version == 1:
            ops.append(Put(self._listing(session.session_id, session.created_at),
                           MustNotExist()))
        if turn.control_changed:
            ops.append(inbox_op(session))
        for message in turn.messages:
            self._check_tenant(message)
        chunks = _chunks(turn.messages)
        for chunk in chunks:
            ops.append(Put(Item(pk=pk, sk=keys.message_sk(chunk[-1].seq),
                                data=_encode_messages(chunk), expires_at=expires),
                           MustNotExist()))
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
        # Records, not items: the cap stays what it was when each message was an item.
        records = len(ops) - len(chunks) + len(turn.messages)
        if records > MAX_TRANSACT_ITEMS:
            raise InvalidError(
                f"a turn may write at most {MAX_TRANSACT_ITEMS} records; this one has {records}"
            )
        try:
            self._driver.transact(ops)
        except ConditionFailedError as exc:
            raise ConflictError(
                f"session {session.session_id!r} was changed by another turn; retry"
            ) from exc
        if session.version == 1:  # its next turn's read: the window it started with
            _remember_needed(pk, (session.config.memory_window + 1) // 2)

    def window(self, session_id: str, size: int, *, count: int | None = None) -> list[Message]:
        """The last ``size`` messages, oldest first: one query, whatever the session's length.

        ``count`` (the session's ``message_count``) bounds the query to the items that hold
        those messages, so it reads no more than it returns even when items hold a turn's
        messages together.
        """
        pk = keys.session_pk(self._client_id, session_id)
        if count is None:
            page = self._driver.query(pk, keys.MESSAGE_PREFIX, newest_first=True, limit=size)
        else:
            first = count - size
            after = (encode_cursor(Item(pk=pk, sk=keys.message_sk(first - 1)), index=False)
                     if first > 0 else None)
            page = self._driver.query(pk, keys.MESSAGE_PREFIX, limit=size, cursor=after)
        found = sorted((m for item in page.items for m in _decode_messages(item.data)),
                       key=lambda m: m.seq)
        return found[-size:]

    def transcript(
        self, session_id: str, *, limit: int = 100, cursor: str | None = None,
        newest_first: bool = False,
    ) -> tuple[list[Message], str | None]:
        """Messages in ``seq`` order, ``limit`` a page. An item may hold several messages
        (one turn's), so a cursor names the last message returned, and the next page
        re-reads that item for the ones after it."""
        pk = keys.session_pk(self._client_id, session_id)
        after: int | None = None
        if cursor is not None:
            after = _cursor_seq(check_cursor(cursor, partition=pk, prefix=keys.MESSAGE_PREFIX,
                                             index=False).sk)
        found: list[tuple[Message, Item]] = []
        page_cursor = cursor
        while True:
            page = self._driver.query(pk, keys.MESSAGE_PREFIX, newest_first=newest_first,
                                      limit=limit, cursor=page_cursor)
            for item in page.items:
                messages = _decode_messages(item.data)
                for message in reversed(messages) if newest_first else messages:
                    if after is None or (message.seq < after if newest_first
                                         else message.seq > after):
                        found.append((message, item))
            page_cursor = page.cursor
            if len(found) > limit or page_cursor is None:
                break
        if len(found) <= limit and page_cursor is None:
            return [m for m, _ in found], None
        last, item = found[limit - 1]
        # Oldest first: items after the last message's key hold the next ones. Newest
        # first: the items up to its item's key, marked with the message to stop before.
        sk = f"{item.sk}~{last.seq:0{keys.SEQ_WIDTH}d}" if newest_first else \
            keys.message_sk(last.seq)
        return [m for m, _ in found[:limit]], encode_cursor(Item(pk=pk, sk=sk), index=False)

    def after(self, session_id: str, seq: int, *, limit: int = 200) -> list[Message]:
        """Up to ``limit`` messages after ``seq``, oldest first (a live stream's next ones;
        ``-1``: from the first)."""
        pk = keys.session_pk(self._client_id, session_id)
        cursor = (encode_cursor(Item(pk=pk, sk=keys.message_sk(seq)), index=False)
                  if seq >= 0 else None)
        return self.transcript(session_id, limit=limit, cursor=cursor)[0]

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
        where: Callable[[ListedSession], bool] | None = None,
    ) -> tuple[list[ListedSession], str | None]:
        """Sessions newest first, each with its lead's name; with ``where``, only those that
        match (see :func:`~openbrain.store.paging.filtered_page`)."""
        return completed_page(
            lambda after: listing_page(self._driver, self._client_id, limit=limit,
                                       cursor=after),
            ChatSession,
            lambda page: _with_lead_names(self._driver, self._client_id, page),
            limit=limit,
            cursor=cursor,
            where=where,
            index=True,
        )

    def inbox(self, *, limit: int = 100) -> builtins.list[ChatSession]:
        """Sessions waiting for or held by an operator, oldest hand-off first."""
        return inbox_sessions(self._driver, self._client_id, limit=limit)

    def delete(self, session_id: str) -> None:
        """Delete the session with every message and tool action it holds."""
        pk = keys.session_pk(self._client_id, session_id)
        while True:
            page = self._driver.query(pk, limit=MAX_TRANSACT_ITEMS)
            if not page.items:
                return
            self._driver.transact([Delete(i.pk, i.sk) for i in page.items])
