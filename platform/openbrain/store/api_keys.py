"""API keys of one tenant. Only a SHA-256 hash of each token is stored."""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Sequence

import msgspec

from openbrain.domain.api_key import ApiKey
from openbrain.domain.base import utcnow
from openbrain.domain.errors import ConflictError, NotFoundError
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

    def set_origins(self, key_id: str, origins: Sequence[str]) -> ApiKey:
        """Replace a key's allowed origins (the caller checks them against the tenant's).

        Raises:
            NotFoundError: no such key.
            ConflictError: the key is revoked.
        """
        while True:
            item = self._driver.get(self._tenant_pk, keys.api_key_sk(key_id))
            if item is None:
                raise NotFoundError(f"API key {key_id!r} does not exist")
            key = decode(item.data, ApiKey)
            if key.revoked_at is not None:
                raise ConflictError(f"API key {key_id!r} is revoked: its origins no longer "
                                    "matter")
            key = msgspec.structs.replace(key, allowed_origins=list(origins))
            try:
                self._driver.put(self._item(key, item.version + 1), VersionIs(item.version))
            except ConditionFailedError:
                continue  # revoked or used meanwhile: re-read and apply to what is stored
            return key

    def rename_profile(self, old_name: str, new_name: str) -> builtins.list[str]:
        """Keys limited to profile ``old_name`` name ``new_name`` instead; their ids."""
        changed = []
        for key in self.list():
            if old_name not in key.profiles:
                continue
            while True:
                item = self._driver.get(self._tenant_pk, keys.api_key_sk(key.key_id))
                if item is None:
                    break
                stored = decode(item.data, ApiKey)
                profiles = [new_name if p == old_name else p for p in stored.profiles]
                updated = msgspec.structs.replace(stored,
                                                  profiles=list(dict.fromkeys(profiles)))
                try:
                    self._driver.put(self._item(updated, item.version + 1),
                                     VersionIs(item.version))
                except ConditionFailedError:
                    continue  # used or revoked meanwhile: apply to what is stored now
                changed.append(key.key_id)
                break
        return changed

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
