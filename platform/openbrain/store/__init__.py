"""The one-table store: a small driver interface, two drivers, and tenant-scoped repositories.

Tenant-scoped data is reached only through :class:`TenantStore`; its repositories are private
to this package. :class:`TenantRepository` (the tenants themselves) is the one public one.
"""

from openbrain.store.counters import Counters, platform_counters
from openbrain.store.driver import (
    Check,
    Condition,
    ConditionFailedError,
    Delete,
    Item,
    MustExist,
    MustNotExist,
    Page,
    Put,
    TableDriver,
    VersionIs,
)
from openbrain.store.factory import open_driver
from openbrain.store.sessions import SessionRead, TurnCommit
from openbrain.store.tenant_store import TenantStore
from openbrain.store.tenants import TenantRepository

__all__ = (
    "Check",
    "Condition",
    "ConditionFailedError",
    "Counters",
    "Delete",
    "Item",
    "MustExist",
    "MustNotExist",
    "Page",
    "Put",
    "SessionRead",
    "TableDriver",
    "TenantRepository",
    "TenantStore",
    "TurnCommit",
    "VersionIs",
    "open_driver",
    "platform_counters",
)
