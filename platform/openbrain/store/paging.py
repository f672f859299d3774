"""Filtered listing over a paged query: scan pages until ``limit`` records match, with a cursor
that resumes right after the last record scanned (so no match is skipped or repeated).

A request scans at most :data:`MAX_SCAN_PAGES` pages, so its cost stays bounded whatever the
filter: a page may then hold fewer than ``limit`` records while its cursor is not ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from openbrain.store.codec import decode
from openbrain.store.driver import Page, encode_cursor

T = TypeVar("T")
R = TypeVar("R")
MAX_SCAN_PAGES = 20


def filtered_page(
    query: Callable[[str | None], Page],
    record_type: type[T],
    *,
    limit: int,
    cursor: str | None,
    where: Callable[[T], bool] | None,
    index: bool,
) -> tuple[list[T], str | None]:
    """``query(cursor)`` fetches one page of ``limit`` items in listing order."""
    return completed_page(query, record_type, lambda records: records, limit=limit,
                          cursor=cursor, where=where, index=index)


def completed_page(
    query: Callable[[str | None], Page],
    record_type: type[T],
    complete: Callable[[list[T]], list[R]],
    *,
    limit: int,
    cursor: str | None,
    where: Callable[[R], bool] | None,
    index: bool,
) -> tuple[list[R], str | None]:
    """:func:`filtered_page`, with what a page's records do not hold added by
    ``complete(records)`` (one call a page, its answer in the same order) before ``where``
    sees them."""
    found: list[R] = []
    for _ in range(MAX_SCAN_PAGES):
        page = query(cursor)
        records = complete([decode(item.data, record_type) for item in page.items])
        for n, (item, record) in enumerate(zip(page.items, records, strict=True), 1):
            if where is None or where(record):
                found.append(record)
            if len(found) == limit:  # full: resume right after this record, if any remain
                more = n < len(page.items) or page.cursor is not None
                return found, encode_cursor(item, index=index) if more else None
        cursor = page.cursor
        if cursor is None:
            return found, None
    return found, cursor
