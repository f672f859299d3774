"""API keys of one tenant. Only a SHA-256 hash of each token is stored."""

from __future__ import annotations

import contextlib

import msgspec

from openbrain.domain.api_key import ApiKey
from openbrain.domain.base import utcnow
from openbrain.domain.errors import NotFoundError
from openbrain.store import keys
from openbrain.store.codec import decode, encode
from openbrain.store.driver import ConditionFailedError, Item, MustNotExist, VersionIs
from openbrain.store.scoped import ScopedRepository


class ApiKeyRepository(ScopedRepository):
    def create(self, key: ApiKey) -> None:
        self._check_tenant(key)
        self._driver.put(self._item(key), MustNotExist())

    def get(self, key_id: str) -> ApiKey | None:
        return self._get(self._tenant_pk, keys.api_key_sk(key_id), ApiKey)

    def require(self, key_id: str) -> ApiKey:
        key = self.get(key_id)
        if key is None:
            raise NotFoundError(f"API key {key_id!r} does not exist")
        return key

    def list(self) -> list[ApiKey]:
        page = self._driver.query(self._tenant_pk, keys.api_key_sk(""), limit=1000)
        return self._decode_all(page.items, ApiKey)

    def revoke(self, key_id: str) -> ApiKey:
        while True:
            item = self._driver.get(self._tenant_pk, keys.api_key_sk(key_id))
            if item is None:
                raise NotFoundError(f"API key {key_id!r} does not exist")
            key = decode(item.data, ApiKey)
            if key.revoked_at is not None:
                return key
            key = msgspec.structs.replace(key, revoked_at=utcnow())
            try:
                self._driver.put(self._item(key, item.version + 1), VersionIs(item.version))
            except ConditionFailedError:
                continue  # a concurrent last-use write: re-read and revoke again
            return key

    def touch(self, key: ApiKey) -> None:
        """Record a use (callers throttle this: it is a write). Conditional on the stored
        version, so it can never overwrite a revocation that happened meanwhile."""
        item = self._driver.get(self._tenant_pk, keys.api_key_sk(key.key_id))
        if item is None:
            return
        stored = decode(item.data, ApiKey)
        if stored.revoked_at is not None:
            return
        touched = msgspec.structs.replace(stored, last_used_at=utcnow())
        # Revoked or touched concurrently: the other write wins.
        with contextlib.suppress(ConditionFailedError):
            self._driver.put(self._item(touched, item.version + 1), VersionIs(item.version))

    def _item(self, key: ApiKey, version: int = 0) -> Item:
        return Item(
            pk=self._tenant_pk, sk=keys.api_key_sk(key.key_id), data=encode(key), version=version
        )
