"""Token and turn counters per tenant, day and profile (atomic increments, no read first)."""

from __future__ import annotations

from collections.abc import Iterator

from openbrain.domain.event import Usage
from openbrain.store import keys
from openbrain.store.driver import TableDriver
from openbrain.store.scoped import ScopedRepository


class UsageRepository(ScopedRepository):
    def __init__(self, driver: TableDriver, client_id: str) -> None:
        super().__init__(driver, client_id)
        self._pk = keys.usage_pk(client_id)

    def record(
        self, day: str, profile_name: str, *, turns: int, input_tokens: int, output_tokens: int
    ) -> None:
        self._driver.increment(
            self._pk,
            keys.usage_sk(day, profile_name),
            {"turns": turns, "inputTokens": input_tokens, "outputTokens": output_tokens},
        )

    def list(self, *, since: str | None = None, until: str | None = None) -> list[Usage]:
        """Usage rows (days as ``YYYY-MM-DD``, inclusive bounds), oldest day first."""
        return [
            row for row in self._rows("D#")
            if not ((since and row.day < since) or (until and row.day > until))
        ]

    def tokens_on(self, day: str) -> int:
        """All tokens the tenant used on ``day`` (for the daily token budget): one short query
        over that day's rows, however long the tenant's history."""
        return sum(row.input_tokens + row.output_tokens for row in self._rows(f"D#{day}#"))

    def _rows(self, prefix: str) -> Iterator[Usage]:
        cursor: str | None = None
        while True:
            page = self._driver.query(self._pk, prefix, limit=1000, cursor=cursor)
            for item in page.items:
                _, day, _, profile = item.sk.split("#", 3)
                yield Usage(
                    client_id=self._client_id,
                    day=day,
                    profile_name=profile,
                    turns=item.counters.get("turns", 0),
                    input_tokens=item.counters.get("inputTokens", 0),
                    output_tokens=item.counters.get("outputTokens", 0),
                )
            cursor = page.cursor
            if cursor is None:
                return
