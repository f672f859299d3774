"""The delivery log, per-route delivery states (idempotence) and dead letters of a tenant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import msgspec

from openbrain.domain.base import utcnow
from openbrain.domain.delivery import DeadLetter, DeliveryAttempt
from openbrain.domain.errors import ConflictError
from openbrain.domain.event import Event
from openbrain.store import keys
from openbrain.store.codec import encode
from openbrain.store.driver import (
    ConditionFailedError,
    Delete,
    Item,
    MustExist,
    Put,
    TableDriver,
    VersionIs,
)
from openbrain.store.outbox import event_item, rewrite_ops
from openbrain.store.scoped import ScopedRepository

RouteState = Literal["delivered", "dead"]


class _State(msgspec.Struct, frozen=True):
    state: RouteState
    dead_letter_id: str | None = None
    """The dead letter a ``dead`` route left (absent in states written before it was kept)."""


class DeliveryRepository(ScopedRepository):
    def __init__(self, driver: TableDriver, client_id: str) -> None:
        super().__init__(driver, client_id)
        self._pk = keys.deliveries_pk(client_id)

    def record(self, attempt: DeliveryAttempt) -> None:
        self._check_tenant(attempt)
        self._driver.put(
            Item(
                pk=self._pk,
                sk=keys.attempt_sk(attempt.attempt_id),
                data=encode(attempt),
                gsi1pk=keys.event_attempts_index(self._client_id, attempt.event_id),
                gsi1sk=attempt.attempt_id,
            )
        )

    def list(
        self,
        *,
        event_id: str | None = None,
        route_id: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> tuple[list[DeliveryAttempt], str | None]:
        """Attempts newest first, optionally of one event and/or one route."""
        found: list[DeliveryAttempt] = []
        while True:
            if event_id is not None:
                page = self._driver.query_index(
                    keys.event_attempts_index(self._client_id, event_id),
                    newest_first=True, limit=limit, cursor=cursor,
                )
            else:
                page = self._driver.query(
                    self._pk, "A#", newest_first=True, limit=limit, cursor=cursor
                )
            found += [
                attempt for attempt in self._decode_all(page.items, DeliveryAttempt)
                if route_id is None or attempt.route_id == route_id
            ]
            cursor = page.cursor
            # A route filter is applied after the query: keep reading until the page is full.
            if cursor is None or len(found) >= limit:
                return found, cursor

    def state(self, event_id: str, route_id: str) -> RouteState | None:
        stored = self._get(self._pk, keys.delivery_state_sk(event_id, route_id), _State)
        return stored.state if stored else None

    def set_state(
        self, event_id: str, route_id: str, state: RouteState, *, dead_letter_id: str | None = None
    ) -> None:
        self._driver.put(
            Item(
                pk=self._pk,
                sk=keys.delivery_state_sk(event_id, route_id),
                data=encode(_State(state, dead_letter_id)),
            )
        )

    def dead_letter_id(self, event_id: str, route_id: str) -> str | None:
        stored = self._get(self._pk, keys.delivery_state_sk(event_id, route_id), _State)
        return stored.dead_letter_id if stored else None

    def clear_state(self, event_id: str, route_id: str) -> None:
        self._driver.delete(self._pk, keys.delivery_state_sk(event_id, route_id))


_OPEN_VERSION = 0
"""A dead letter is written once open (version 0); redriving it rewrites it as version 1 on
the condition that it is still version 0, so of concurrent redrives exactly one wins."""


def _dead_letter_item(letter: DeadLetter) -> Item:
    is_open = letter.state == "open"
    return Item(
        pk=keys.dead_letters_pk(letter.client_id),
        sk=keys.dead_letter_sk(letter.dead_letter_id),
        data=encode(letter),
        version=_OPEN_VERSION if is_open else _OPEN_VERSION + 1,
        gsi1pk=keys.open_dead_letters_index(letter.client_id) if is_open else None,
        gsi1sk=letter.dead_letter_id if is_open else None,
    )


class DeadLetterRepository(ScopedRepository):
    def add(self, letter: DeadLetter) -> None:
        self._check_tenant(letter)
        self._driver.put(_dead_letter_item(letter))

    def get(self, dead_letter_id: str) -> DeadLetter | None:
        return self._get(
            keys.dead_letters_pk(self._client_id), keys.dead_letter_sk(dead_letter_id), DeadLetter
        )

    def list(
        self, *, include_redriven: bool = False, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[DeadLetter], str | None]:
        """Dead letters newest first: open ones only, unless ``include_redriven``."""
        if include_redriven:
            page = self._driver.query(
                keys.dead_letters_pk(self._client_id), "DL#",
                newest_first=True, limit=limit, cursor=cursor,
            )
        else:
            page = self._driver.query_index(
                keys.open_dead_letters_index(self._client_id),
                newest_first=True, limit=limit, cursor=cursor,
            )
        return self._decode_all(page.items, DeadLetter), page.cursor

    def iter_open(self) -> Iterator[DeadLetter]:
        """Every open dead letter, oldest first (for redrive-all)."""
        cursor: str | None = None
        while True:
            page = self._driver.query_index(
                keys.open_dead_letters_index(self._client_id), limit=100, cursor=cursor
            )
            yield from self._decode_all(page.items, DeadLetter)
            cursor = page.cursor
            if cursor is None:
                return

    def open_for(self, event_id: str, route_id: str) -> DeadLetter | None:
        """The open dead letter of one event's route, if any."""
        known = DeliveryRepository(self._driver, self._client_id).dead_letter_id(
            event_id, route_id
        )
        if known is not None:
            letter = self.get(known)
            return letter if letter is not None and letter.state == "open" else None
        # A state written before it named its dead letter: look among the open ones.
        return next((d for d in self.iter_open()
                     if d.event_id == event_id and d.route_id == route_id), None)

    def count_open(self) -> int:
        return sum(1 for _ in self.iter_open())

    def mark_redriven(self, letter: DeadLetter) -> DeadLetter:
        """Mark an open dead letter redriven. Raises :class:`ConflictError` if it no longer is
        open (another redrive won)."""
        self._check_tenant(letter)
        redriven = msgspec.structs.replace(letter, state="redriven", redriven_at=utcnow())
        try:
            self._driver.put(_dead_letter_item(redriven), VersionIs(_OPEN_VERSION))
        except ConditionFailedError as exc:
            raise _already_redriven(letter) from exc
        return redriven

    def redrive(
        self, letter: DeadLetter, event: Event, *, republish: bool = True
    ) -> tuple[DeadLetter, Event] | None:
        """In one transaction: the dead letter marked redriven (only while it is open), its
        event put back among the pending ones (so a crash before delivery loses nothing: the
        sweeper picks it up) and the route's delivery state cleared. ``None`` if the event was
        erased; raises :class:`ConflictError` if another redrive won, having written nothing.
        ``republish=False``: the event is being delivered right now (it came back through its
        queue), so it stays as it is."""
        self._check_tenant(letter)
        self._check_tenant(event)
        redriven = msgspec.structs.replace(letter, state="redriven", redriven_at=utcnow())
        pending = msgspec.structs.replace(event, published_at=None) if republish else event
        # Where the event is stored (its shard, or the partition from before sharding).
        event_ops = rewrite_ops(self._driver, pending) or [Put(event_item(pending), MustExist())]
        try:
            self._driver.transact([
                Put(_dead_letter_item(redriven), VersionIs(_OPEN_VERSION)),
                *event_ops,
                Delete(keys.deliveries_pk(self._client_id),
                       keys.delivery_state_sk(letter.event_id, letter.route_id)),
            ])
        except ConditionFailedError as exc:
            stored = self.get(letter.dead_letter_id)
            if stored is None or stored.state != "open":
                raise _already_redriven(letter) from exc
            return None
        return redriven, pending


def _already_redriven(letter: DeadLetter) -> ConflictError:
    return ConflictError(f"dead letter {letter.dead_letter_id!r} was already redriven")

