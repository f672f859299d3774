"""The session listing, newest first, merged from its index shards.

A session is listed by a small ``LISTED`` item (index keys only) written when it starts, in
one of :data:`~openbrain.store.keys.SESSION_LIST_SHARDS` index partitions; sessions stored
before that carried the index keys on the session item itself, in the unsharded partition,
which is merged in too (a session listed both ways appears once). A page asks every partition
for its next ``limit`` entries after the cursor, keeps the newest ``limit`` of the union, and
reads the page's current session items (``get_many``).
"""

from __future__ import annotations

from openbrain.store import keys
from openbrain.store.driver import Item, Page, TableDriver, encode_cursor


def listing_page(driver: TableDriver, client_id: str, *, limit: int,
                 cursor: str | None) -> Page:
    """One page of listed session items (each with the keys of its listing position)."""
    found: dict[str, Item] = {}
    more = False
    for partition in [keys.sessions_index(client_id), *keys.sessions_index_shards(client_id)]:
        page = driver.query_index(partition, newest_first=True, limit=limit, cursor=cursor)
        more = more or page.cursor is not None
        for item in page.items:
            assert item.gsi1sk is not None
            known = found.get(item.gsi1sk)
            # Of two entries of one session, the lower key marks the position, so a cursor
            # after it passes both; the record comes from the session item itself.
            if known is None or (item.pk, item.sk) < (known.pk, known.sk):
                found[item.gsi1sk] = item
    ordered = sorted(found.values(), key=lambda i: (i.gsi1sk or "", i.pk, i.sk), reverse=True)
    more = more or len(ordered) > limit
    chosen = ordered[:limit]
    items: list[Item] = []
    heads = driver.get_many([(entry.pk, keys.SESSION_SK) for entry in chosen])
    for entry, head in zip(chosen, heads, strict=True):
        if head is None:  # expired or deleted while its entry stayed: drop the entry
            driver.delete(entry.pk, keys.SESSION_LISTED_SK)
            continue
        items.append(Item(pk=entry.pk, sk=entry.sk, data=head.data, gsi1pk=entry.gsi1pk,
                          gsi1sk=entry.gsi1sk))
    next_cursor = encode_cursor(chosen[-1], index=True) if more and chosen else None
    return Page(items, next_cursor)
