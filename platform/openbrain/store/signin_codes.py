"""One-time sign-in codes of one tenant, keyed by the code's SHA-256 (the code is never kept).

Redeeming marks the record used with a put conditional on the version just read, so of two
concurrent redemptions exactly one wins; the used record stays (until its TTL) so a replay
is told the link was used rather than that it never existed.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

import msgspec

from openbrain.domain.errors import UnauthorizedError
from openbrain.domain.signin import SigninCode
from openbrain.store import keys
from openbrain.store.codec import decode, encode, validated
from openbrain.store.driver import (
    ConditionFailedError,
    Item,
    MustNotExist,
    VersionIs,
)
from openbrain.store.scoped import ScopedRepository

INVALID = "this sign-in link is not valid"
USED = "this sign-in link has already been used: ask for a new one"
EXPIRED = "this sign-in link has expired: ask for a new one"
_PRUNE_BATCH = 100


class SigninCodeRepository(ScopedRepository):
    def create(self, code: SigninCode) -> None:
        """Store a new code (and drop this tenant's expired ones: SQLite has no TTL sweeper)."""
        self._check_tenant(code)
        self.prune(code.created_at)
        self._driver.put(self._item(validated(code)), MustNotExist())

    def get(self, code_hash: str) -> SigninCode | None:
        return self._get(self._tenant_pk, keys.signin_code_sk(code_hash), SigninCode)

    def redeem(self, code_hash: str, now: datetime) -> SigninCode:
        """Mark the code used and return it, exactly once.

        Raises:
            UnauthorizedError: unknown, already used (also the loser of a race) or expired.
        """
        item = self._driver.get(self._tenant_pk, keys.signin_code_sk(code_hash))
        if item is None:
            raise UnauthorizedError(INVALID)
        code = decode(item.data, SigninCode)
        if code.client_id != self._client_id or code.code_hash != code_hash:
            raise UnauthorizedError(INVALID)
        if code.used_at is not None:
            raise UnauthorizedError(USED)
        if code.expired(now):
            raise UnauthorizedError(EXPIRED)
        used = msgspec.structs.replace(code, used_at=now)
        try:
            self._driver.put(self._item(used, item.version + 1), VersionIs(item.version))
        except ConditionFailedError as exc:
            raise UnauthorizedError(USED) from exc
        return used

    def prune(self, now: datetime) -> int:
        """Delete up to a batch of expired codes; how many went."""
        page = self._driver.query(self._tenant_pk, keys.SIGNIN_CODE_PREFIX, limit=_PRUNE_BATCH)
        epoch = int(now.timestamp())
        gone = 0
        for item in page.items:
            if item.expires_at is not None and item.expires_at <= epoch:
                # A concurrent prune or redemption may have changed it: leave it then.
                with contextlib.suppress(ConditionFailedError):
                    self._driver.delete(item.pk, item.sk, VersionIs(item.version))
                    gone += 1
        return gone

    def _item(self, code: SigninCode, version: int = 0) -> Item:
        return Item(
            pk=self._tenant_pk,
            sk=keys.signin_code_sk(code.code_hash),
            data=encode(code),
            version=version,
            expires_at=int(code.expires_at.timestamp()),
        )
