"""API key records as authentication needs them on every request: cached for one second.

Without it, every request of a tenant's key reads that key's one item: one key serving a
busy widget or backend is a hot item (DynamoDB serves an item at most 3,000 RCU/s, about
3,000 requests a second). Cached, each process reads a key at most once a second; the secret
is still checked on every request. A key revoked through this process's API is forgotten at
once; one revoked elsewhere stops working within :data:`TTL_SECONDS`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from openbrain.domain.api_key import ApiKey
from openbrain.store import TableDriver, TenantStore

TTL_SECONDS = 1.0
_MAX_ENTRIES = 10_000


class KeyCache:
    def __init__(self, driver: TableDriver, *, ttl: float = TTL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._driver = driver
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], tuple[float, ApiKey]] = {}

    def get(self, client_id: str, key_id: str) -> ApiKey | None:
        """The stored key (``None`` if unknown: misses are not cached, a new key works at
        once)."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get((client_id, key_id))
        if entry is not None and now - entry[0] < self._ttl:
            return entry[1]
        key = TenantStore(self._driver, client_id).api_keys.get(key_id)
        with self._lock:
            if key is None:
                self._entries.pop((client_id, key_id), None)
                return None
            if len(self._entries) >= _MAX_ENTRIES:
                self._entries = {k: v for k, v in self._entries.items()
                                 if now - v[0] < self._ttl}
            self._entries[client_id, key_id] = (now, key)
        return key

    def cached(self, client_id: str, key_id: str) -> ApiKey | None:
        """The key if this process read it less than :data:`TTL_SECONDS` ago, without a store
        call; ``None`` when :meth:`get` would read the store."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get((client_id, key_id))
        return entry[1] if entry is not None and now - entry[0] < self._ttl else None

    def forget(self, client_id: str, key_id: str) -> None:
        with self._lock:
            self._entries.pop((client_id, key_id), None)
