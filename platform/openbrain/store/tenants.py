"""Tenant records: the only listing outside a tenant partition (platform operators use it)."""

from __future__ import annotations

import msgspec

from openbrain.domain.errors import NotFoundError
from openbrain.domain.tenant import Tenant
from openbrain.store import keys
from openbrain.store.codec import decode, encode
from openbrain.store.driver import Delete, Item, Page, Put, TableDriver


class TenantRepository:
    """The platform's tenant registry. Public (unlike the tenant-scoped repositories, reached
    only through :class:`~openbrain.store.tenant_store.TenantStore`): its records are the
    tenants themselves, read before any tenant is known (authentication, routing, operators).
    """

    def __init__(self, driver: TableDriver) -> None:
        self._driver = driver

    def get(self, client_id: str) -> Tenant | None:
        item = self._driver.get(keys.tenant_pk(client_id), keys.TENANT_SK)
        return decode(item.data, Tenant) if item else None

    def require(self, client_id: str) -> Tenant:
        tenant = self.get(client_id)
        if tenant is None:
            raise NotFoundError(f"tenant {client_id!r} does not exist")
        return tenant

    def save(self, tenant: Tenant) -> None:
        """Create or replace a tenant (tenant specs are declarative: the file wins)."""
        self._driver.put(_tenant_item(tenant))

    def set_disabled(self, client_id: str, disabled: bool) -> Tenant:
        """Disable or enable a tenant as a platform admin (the API): the record changes, and
        with it, in one transaction, the mark that spec syncs read (:meth:`disabled_by_admin`)."""
        tenant = msgspec.structs.replace(self.require(client_id), disabled=disabled)
        pk = keys.tenant_pk(client_id)
        mark = (Put(Item(pk=pk, sk=keys.TENANT_DISABLED_SK)) if disabled
                else Delete(pk, keys.TENANT_DISABLED_SK))
        self._driver.transact([Put(_tenant_item(tenant)), mark])
        return tenant

    def disabled_by_admin(self, client_id: str) -> bool:
        """Whether a platform admin disabled the tenant (and has not enabled it since)."""
        return self._driver.get(keys.tenant_pk(client_id), keys.TENANT_DISABLED_SK) is not None

    def list(
        self, *, limit: int = 100, cursor: str | None = None
    ) -> tuple[list[Tenant], str | None]:
        page: Page = self._driver.query_index(keys.TENANTS_INDEX, limit=limit, cursor=cursor)
        return [decode(i.data, Tenant) for i in page.items], page.cursor


def _tenant_item(tenant: Tenant) -> Item:
    return Item(
        pk=keys.tenant_pk(tenant.client_id),
        sk=keys.TENANT_SK,
        data=encode(tenant),
        gsi1pk=keys.TENANTS_INDEX,
        gsi1sk=tenant.client_id,
    )
