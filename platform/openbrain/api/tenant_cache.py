"""Tenant records as the API needs them on every request: cached for a few seconds.

A few seconds of staleness bounds how long a disabled tenant keeps working; the cache keeps
one ``get`` per request off the hot path.
"""

from __future__ import annotations

import threading
import time

from openbrain.domain.tenant import Tenant
from openbrain.store import TableDriver, TenantRepository

TTL_SECONDS = 5.0


class TenantCache:
    def __init__(self, driver: TableDriver, *, ttl: float = TTL_SECONDS) -> None:
        self._repo = TenantRepository(driver)
        self._ttl = ttl
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Tenant | None]] = {}
        self._origins: tuple[float, frozenset[str]] = (0.0, frozenset())

    @property
    def repository(self) -> TenantRepository:
        return self._repo

    def get(self, client_id: str) -> Tenant | None:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(client_id)
        if entry is not None and now - entry[0] < self._ttl:
            return entry[1]
        tenant = self._repo.get(client_id)
        with self._lock:
            self._entries[client_id] = (now, tenant)
        return tenant

    def cached(self, client_id: str) -> tuple[bool, Tenant | None]:
        """``(True, what get would return)`` when that needs no store call, else
        ``(False, None)``."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(client_id)
        if entry is not None and now - entry[0] < self._ttl:
            return True, entry[1]
        return False, None

    def widget_origins(self) -> frozenset[str]:
        """Every origin any enabled tenant lets its widget run on (answers CORS preflights,
        which carry no credential)."""
        stamp, origins = self._origins
        now = time.monotonic()
        if now - stamp < self._ttl:
            return origins
        found: set[str] = set()
        cursor: str | None = None
        while True:
            tenants, cursor = self._repo.list(limit=100, cursor=cursor)
            found.update(o for t in tenants if not t.disabled for o in t.widget_origins)
            if cursor is None:
                break
        self._origins = (now, frozenset(found))
        return self._origins[1]

    def invalidate(self, client_id: str | None = None) -> None:
        with self._lock:
            if client_id is None:
                self._entries.clear()
            else:
                self._entries.pop(client_id, None)
            self._origins = (0.0, frozenset())
