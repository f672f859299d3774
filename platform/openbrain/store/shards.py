"""Reading records spread over shard partitions as one listing (leads, outbox events).

A record lives in the shard its id picks; records written before sharding live in the
unsharded partition, which is read too (the first of ``partitions``). A record found in both
(a legacy one rewritten since) is the shard's copy. A page asks every partition for its next
next records after the cursor and merges them in sort-key order until ``limit`` are found;
the cursor is the last record's key, valid in every partition of the listing.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence

from openbrain.domain.errors import InvalidError
from openbrain.store.driver import Item, Page, TableDriver, decode_cursor, encode_cursor


def merged_query(
    driver: TableDriver,
    partitions: Sequence[str],
    prefix: str,
    *,
    newest_first: bool,
    limit: int,
    cursor: str | None,
) -> Page:
    after: str | None = None
    if cursor:
        key = decode_cursor(cursor)
        if key.pk not in partitions or not key.sk.startswith(prefix) or key.gsi1sk:
            raise InvalidError("cursor does not belong to this listing")
        after = key.sk
    # Each partition is read in small pages, refilled only when the merge reaches its end:
    # a page of ``limit`` costs about ``limit`` records plus one small query per partition.
    size = min(limit, max(2, -(-2 * limit // len(partitions))))
    streams = [_stream(driver, pk, prefix, newest_first, size, after) for pk in partitions]
    merged = heapq.merge(*(_keyed(stream, n) for n, stream in enumerate(streams)),
                         key=lambda entry: entry[0][0], reverse=newest_first)
    chosen: list[Item] = []
    more = False
    for _, item in _dedupe(merged):
        if len(chosen) == limit:
            more = True
            break
        chosen.append(item)
    return Page(chosen, encode_cursor(chosen[-1], index=False) if more else None)


def _keyed(stream: Iterator[Item], n: int) -> Iterator[tuple[tuple[str, int], Item]]:
    for item in stream:
        yield (item.sk, n), item


def _dedupe(
    merged: Iterator[tuple[tuple[str, int], Item]],
) -> Iterator[tuple[tuple[str, int], Item]]:
    """One entry per sort key: of a record in both layouts, the shard's copy (the unsharded
    partition is stream 0)."""
    pending: tuple[tuple[str, int], Item] | None = None
    for entry in merged:
        if pending is not None and pending[0][0] == entry[0][0]:
            if entry[0][1] > pending[0][1]:
                pending = entry
            continue
        if pending is not None:
            yield pending
        pending = entry
    if pending is not None:
        yield pending


def _stream(driver: TableDriver, partition: str, prefix: str, newest_first: bool, size: int,
            after: str | None) -> Iterator[Item]:
    start = encode_cursor(Item(pk=partition, sk=after), index=False) if after else None
    while True:
        page = driver.query(partition, prefix, newest_first=newest_first, limit=size,
                            cursor=start)
        yield from page.items
        if page.cursor is None:
            return
        start = page.cursor


def merged_index(driver: TableDriver, partitions: Sequence[str], *, limit: int) -> list[Item]:
    """The first ``limit`` entries of index ``partitions`` together, in index sort order."""
    found: dict[tuple[str, str], Item] = {}
    for partition in partitions:
        for item in driver.query_index(partition, limit=limit).items:
            found[(item.pk, item.sk)] = item
    return sorted(found.values(), key=lambda i: (i.gsi1sk or "", i.pk))[:limit]
