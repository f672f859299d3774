"""Tables that fit the terminal (80 columns included) and never cut a value.

Rich's default overflow ends a word longer than its column with an ellipsis: an id or a
profile name would print cut, and no-wrap columns wider than the terminal squeeze the others
to nothing. Here every column folds onto the next line instead, unless declared ``no_wrap``
(keep those narrow: a 26-character id, a timestamp)."""

from __future__ import annotations

from typing import Any

from rich.table import Column, Table


def table(*columns: str | Column, **options: Any) -> Table:
    """A :class:`~rich.table.Table` whose columns wrap, folding words that do not fit."""
    folded = [Column(c, overflow="fold") if isinstance(c, str) else c for c in columns]
    for column in folded:
        if not column.no_wrap:
            column.overflow = "fold"
    return Table(*folded, **options)
