"""Token and turn counters per tenant, day and profile (atomic increments, no read first).

Each increment goes to one of :data:`~openbrain.store.keys.USAGE_SHARDS` partitions, picked
from the session, so one tenant's turns spread their counter writes; a read sums every shard
and the partition written before sharding (``T#{c}#USAGE``), so totals stay exact and rows
counted by an earlier version still count (no migration).

The model that answered is counted on the same item, as three more counters
(``m:{model}|t``, ``|i``, ``|o``): costs per model need no other write per turn. Rows counted
before models were recorded have none; their tokens are the ``unknown`` model's.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from functools import cached_property

from openbrain.domain.event import Usage
from openbrain.store import keys
from openbrain.store.scoped import ScopedRepository

UNKNOWN_MODEL = "unknown"
_MODEL = "m:"
_PART = "tio"  # turns, input tokens, output tokens
MODEL_KEY_LENGTH = 58
"""A counter name holds at most 64 characters: a longer model name is counted under its
first 58 (and priced by them)."""


def model_key(model: str) -> str:
    return model[:MODEL_KEY_LENGTH]


class UsageRepository(ScopedRepository):
    @cached_property
    def _partitions(self) -> list[str]:
        # Only reads sum the shards; a turn (one increment) never builds these 33 keys.
        return [keys.usage_pk(self._client_id)] + [
            keys.usage_shard_pk(self._client_id, n) for n in range(keys.USAGE_SHARDS)
        ]

    def record(
        self, day: str, profile_name: str, *, turns: int, input_tokens: int, output_tokens: int,
        spread: str = "", model: str | None = None,
    ) -> None:
        """Count one turn's usage in the shard ``spread`` (the session id) falls on, and
        under ``model`` (the one that answered) when given."""
        shard = zlib.crc32(spread.encode()) % keys.USAGE_SHARDS
        counters = {"turns": turns, "inputTokens": input_tokens, "outputTokens": output_tokens}
        if model:
            name = _MODEL + model_key(model)
            counters |= {f"{name}|t": turns, f"{name}|i": input_tokens,
                         f"{name}|o": output_tokens}
        self._driver.increment(
            keys.usage_shard_pk(self._client_id, shard),
            keys.usage_sk(day, profile_name),
            counters,
        )

    def by_model(self, *, since: str | None = None,
                 until: str | None = None) -> dict[str, tuple[int, int, int]]:
        """``model -> (turns, input tokens, output tokens)`` over the days from ``since`` to
        ``until`` (inclusive); what no model was recorded for is under ``"unknown"``."""
        totals: dict[str, list[int]] = {}
        for sk, counters in self._rows("D#"):
            day = sk.split("#", 2)[1]
            if (since and day < since) or (until and day > until):
                continue
            counted = [0, 0, 0]
            for name, value in counters.items():
                if name.startswith(_MODEL) and name[-2] == "|" and name[-1] in _PART:
                    part = _PART.index(name[-1])
                    totals.setdefault(name[len(_MODEL):-2], [0, 0, 0])[part] += value
                    counted[part] += value
            rest = [counters.get(k, 0) - c for k, c in
                    zip(("turns", "inputTokens", "outputTokens"), counted, strict=True)]
            if any(rest):
                row = totals.setdefault(UNKNOWN_MODEL, [0, 0, 0])
                for i, value in enumerate(rest):
                    row[i] += value
        return {model: (t[0], t[1], t[2]) for model, t in sorted(totals.items())}

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
