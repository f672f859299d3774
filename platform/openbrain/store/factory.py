"""Choose and open the table driver from settings (injected, never chosen at import time)."""

from __future__ import annotations

from openbrain.domain.errors import InvalidError
from openbrain.settings import Settings
from openbrain.store.driver import TableDriver


def open_driver(settings: Settings) -> TableDriver:
    """``sqlite:///path`` (or ``sqlite://:memory:``) opens the embedded driver;
    ``dynamodb`` or ``dynamodb://TABLE`` the DynamoDB one."""
    url = settings.store
    if url.startswith("sqlite://"):
        from openbrain.store.sqlite import SQLiteDriver

        path = url.removeprefix("sqlite://")
        return SQLiteDriver.from_path(":memory:" if path in ("", ":memory:") else path)
    if url == "dynamodb" or url.startswith("dynamodb://"):
        from openbrain.store.dynamodb import DynamoDBDriver

        table = url.removeprefix("dynamodb://") if "://" in url else settings.table_name
        return DynamoDBDriver.from_settings(settings, table_name=table)
    raise InvalidError(f"OB_STORE {url!r} is not sqlite:///path or dynamodb://table")
