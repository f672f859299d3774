"""The base of every tenant-scoped repository: bound to one tenant, with the one tenant check.

Repositories are private to this package: code outside it reaches them only through
:class:`~openbrain.store.tenant_store.TenantStore` (``tests/store/test_store_boundary.py``
enforces it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from openbrain.domain.errors import ForbiddenError
from openbrain.store import keys
from openbrain.store.codec import decode
from openbrain.store.driver import Item, TableDriver

T = TypeVar("T")


class Owned(Protocol):
    """A record that names the tenant it belongs to."""

    @property
    def client_id(self) -> str: ...


class ScopedRepository:
    """Holds the driver and the tenant; every key it builds starts with that tenant's id."""

    def __init__(self, driver: TableDriver, client_id: str) -> None:
        self._driver = driver
        self._client_id = client_id
        self._tenant_pk = keys.tenant_pk(client_id)  # validates the id

    def _check_tenant(self, record: Owned) -> None:
        """Refuse (403) to write a record of another tenant into this tenant's partition."""
        if record.client_id != self._client_id:
            raise ForbiddenError("record belongs to another tenant")

    def _get(self, pk: str, sk: str, record_type: type[T]) -> T | None:
        item = self._driver.get(pk, sk)
        return decode(item.data, record_type) if item else None

    @staticmethod
    def _decode_all(items: Iterable[Item], record_type: type[T]) -> list[T]:
        return [decode(item.data, record_type) for item in items]
