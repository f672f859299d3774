"""Token and turn counters per tenant, day and profile (atomic increments, no read first).

Each increment goes to one of :data:`~openbrain.store.keys.USAGE_SHARDS` partitions, picked
from the session, so one tenant's turns spread their counter writes; a read sums every shard
and the partition written before sharding (``T#{c}#USAGE``), so totals stay exact and rows
counted by an earlier version still count (no migration).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from openbrain.domain.event import Usage
from openbrain.store import keys
from openbrain.store.driver import TableDriver
from openbrain.store.scoped import ScopedRepository


class UsageRepository(ScopedRepository):
    def __init__(self, driver: TableDriver, client_id: str) -> None:
        super().__init__(driver, client_id)
        self._partitions = [keys.usage_pk(client_id)] + [
            keys.usage_shard_pk(client_id, n) for n in range(keys.USAGE_SHARDS)
        ]

    def record(
        self, day: str, profile_name: str, *, turns: int, input_tokens: int, output_tokens: int,
        spread: str = "",
    ) -> None:
        """Count one turn's usage in the shard ``spread`` (the session id) falls on."""
        shard = zlib.crc32(spread.encode()) % keys.USAGE_SHARDS
        self._driver.increment(
            keys.usage_shard_pk(self._client_id, shard),
            keys.usage_sk(day, profile_name),
            {"turns": turns, "inputTokens": input_tokens, "outputTokens": output_tokens},
        )

    def list(self, *, since: str | None = None, until: str | None = None) -> list[Usage]:
        """Usage rows (days as ``YYYY-MM-DD``, inclusive bounds), oldest day first."""
        return [
            row for row in self._sum("D#")
            if not ((since and row.day < since) or (until and row.day > until))
        ]

    def tokens_on(self, day: str) -> int:
        """All tokens the tenant used on ``day``: one short query per shard over that day's
        rows, however long the tenant's history."""
        return sum(row.input_tokens + row.output_tokens for row in self._sum(f"D#{day}#"))

    def _sum(self, prefix: str) -> Iterator[Usage]:
        return _summed(self._client_id, self._rows(prefix))

    def _rows(self, prefix: str) -> Iterator[tuple[str, dict[str, int]]]:
        for pk in self._partitions:
            cursor: str | None = None
            while True:
                page = self._driver.query(pk, prefix, limit=1000, cursor=cursor)
                for item in page.items:
                    yield item.sk, item.counters
                cursor = page.cursor
                if cursor is None:
                    break


def _summed(client_id: str, rows: Iterable[tuple[str, dict[str, int]]]) -> Iterator[Usage]:
    """Rows of every shard added up per day and profile, in key order."""
    totals: dict[str, list[int]] = {}
    for sk, counters in rows:
        row = totals.setdefault(sk, [0, 0, 0])
        row[0] += counters.get("turns", 0)
        row[1] += counters.get("inputTokens", 0)
        row[2] += counters.get("outputTokens", 0)
    for sk in sorted(totals):
        _, day, _, profile = sk.split("#", 3)
        turns, input_tokens, output_tokens = totals[sk]
        yield Usage(client_id=client_id, day=day, profile_name=profile, turns=turns,
                    input_tokens=input_tokens, output_tokens=output_tokens)
