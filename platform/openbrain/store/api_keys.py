"""API keys of one tenant. Only a SHA-256 hash of each token is stored."""

from __future__ import annotations

import msgspec

from openbrain.domain.api_key import ApiKey
from openbrain.domain.base import utcnow
from openbrain.domain.errors import NotFoundError
from openbrain.store import keys
from openbrain.store.codec import decode, encode
from openbrain.store.driver import Item, MustNotExist, TableDriver


class ApiKeyRepository:
    def __init__(self, driver: TableDriver, client_id: str) -> None:
        self._driver = driver
        self._client_id = client_id
        self._pk = keys.tenant_pk(client_id)

    def create(self, key: ApiKey) -> None:
        self._check_tenant(key)
        self._driver.put(self._item(key), MustNotExist())

    def get(self, key_id: str) -> ApiKey | None:
        item = self._driver.get(self._pk, keys.api_key_sk(key_id))
        return decode(item.data, ApiKey) if item else None

    def require(self, key_id: str) -> ApiKey:
        key = self.get(key_id)
        if key is None:
            raise NotFoundError(f"API key {key_id!r} does not exist")
        return key

    def list(self) -> list[ApiKey]:
        page = self._driver.query(self._pk, keys.api_key_sk(""), limit=1000)
        return [decode(i.data, ApiKey) for i in page.items]

    def revoke(self, key_id: str) -> ApiKey:
        key = self.require(key_id)
        if key.revoked_at is None:
            key = msgspec.structs.replace(key, revoked_at=utcnow())
            self._driver.put(self._item(key))
        return key

    def touch(self, key: ApiKey) -> None:
        """Record a use (callers throttle this: it is a write)."""
        self._driver.put(self._item(msgspec.structs.replace(key, last_used_at=utcnow())))

    def _item(self, key: ApiKey) -> Item:
        return Item(pk=self._pk, sk=keys.api_key_sk(key.key_id), data=encode(key))

    def _check_tenant(self, key: ApiKey) -> None:
        if key.client_id != self._client_id:
            raise ValueError("record belongs to another tenant")
