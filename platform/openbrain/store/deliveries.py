"""The delivery log, per-route delivery states (idempotence) and dead letters of a tenant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import msgspec

from openbrain.domain.base import utcnow
from openbrain.domain.delivery import DeadLetter, DeliveryAttempt
from openbrain.store import keys
from openbrain.store.codec import encode
from openbrain.store.driver import Item, MustExist, TableDriver
from openbrain.store.scoped import ScopedRepository

RouteState = Literal["delivered", "dead"]


class _State(msgspec.Struct, frozen=True):
    state: RouteState


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

    def set_state(self, event_id: str, route_id: str, state: RouteState) -> None:
        self._driver.put(
            Item(
                pk=self._pk,
                sk=keys.delivery_state_sk(event_id, route_id),
                data=encode(_State(state)),
            )
        )

    def clear_state(self, event_id: str, route_id: str) -> None:
        self._driver.delete(self._pk, keys.delivery_state_sk(event_id, route_id))


def _dead_letter_item(letter: DeadLetter) -> Item:
    is_open = letter.state == "open"
    return Item(
        pk=keys.dead_letters_pk(letter.client_id),
        sk=keys.dead_letter_sk(letter.dead_letter_id),
        data=encode(letter),
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

    def mark_redriven(self, letter: DeadLetter) -> DeadLetter:
        self._check_tenant(letter)
        redriven = msgspec.structs.replace(letter, state="redriven", redriven_at=utcnow())
        self._driver.put(_dead_letter_item(redriven), MustExist())
        return redriven

