"""Authentication: turn the request's credential into a :class:`Principal`, or refuse (401).

* ``ob_sk_…`` secret keys and ``ob_pk_…`` publishable keys: one strongly consistent ``get``
  in the tenant the token names (at most once a second per process and key,
  :mod:`~openbrain.api.key_cache`), then SHA-256 and a constant-time compare on every
  request. A key revoked through this process takes effect on the next request, one revoked
  elsewhere within a second.
* Widget session tokens (minted by ``POST /v1/widget/session``): signature, expiry, and the
  publishable key they came from must still be active.
* JWTs: see :mod:`openbrain.auth.jwt_tokens`; on a stage with a Cognito user pool, a JWT
  that does not claim the local issuer is the pool's (:mod:`openbrain.auth.cognito`).

Every credential bound to a tenant is refused when that tenant is missing (401) or disabled
(403); the tenant record checked comes back with the principal (its plan sets the limits).
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import NamedTuple

from openbrain.api.key_cache import KeyCache
from openbrain.api.principal import Principal, PrincipalKind
from openbrain.api.tenant_cache import TenantCache
from openbrain.auth.api_keys import is_key_shaped, parse_key, verify_secret
from openbrain.auth.cognito import CognitoVerifier
from openbrain.auth.jwt_tokens import (
    JwtClaims,
    JwtVerifier,
    jwt_imported,
    looks_like_jwt,
    unverified_issuer,
)
from openbrain.auth.widget_tokens import WidgetTokens
from openbrain.domain.api_key import ApiKey
from openbrain.domain.base import utcnow
from openbrain.domain.errors import ForbiddenError, UnauthorizedError
from openbrain.domain.tenant import Tenant
from openbrain.store import TableDriver, TenantStore

TOUCH_INTERVAL = timedelta(minutes=1)
_MAX_TOKEN_LENGTH = 8192


def extract_token(authorization: str | None, api_key: str | None) -> str:
    """The bearer token from ``Authorization: Bearer …`` or ``X-API-Key``."""
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise UnauthorizedError("the Authorization header must be 'Bearer <key or token>'")
        token = token.strip()
    elif api_key is not None:
        token = api_key.strip()
    else:
        raise UnauthorizedError("a credential is required (Authorization: Bearer … or X-API-Key)")
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        raise UnauthorizedError("the credential is malformed")
    return token


class Authenticated(NamedTuple):
    principal: Principal
    tenant: Tenant | None
    """The principal's tenant, found and enabled; ``None`` for a credential of no tenant."""


class _NeedsStoreError(Exception):
    """:meth:`Authenticator.cached` reached a step that reads or writes the store."""


class Authenticator:
    def __init__(
        self,
        driver: TableDriver,
        tenants: TenantCache,
        jwt_verifier: JwtVerifier,
        widget_tokens: WidgetTokens,
        cognito: CognitoVerifier | None = None,
    ) -> None:
        self._driver = driver
        self._tenants = tenants
        self._jwt = jwt_verifier
        self._cognito = cognito
        self._widget = widget_tokens
        self._touched: dict[str, float] = {}
        self._lock = threading.Lock()
        self.keys = KeyCache(driver)

    def authenticate(self, token: str) -> Authenticated:
        """The caller behind ``token`` (blocking: reads the store).

        Raises:
            UnauthorizedError: the credential is not valid, or its tenant does not exist.
            ForbiddenError: its tenant is disabled.
        """
        if is_key_shaped(token):
            return self._key(token)
        if self._widget.is_widget_token(token):
            return self._widget_session(token)
        if looks_like_jwt(token):
            claims = self._jwt_claims(token)
            tenant = self._check_tenant(claims.client_id) if claims.client_id is not None else None
            return Authenticated(Principal(
                kind="jwt",
                client_id=claims.client_id,
                role=claims.role,
                scopes=frozenset(claims.scopes),
                subject=f"jwt:{claims.subject}",
            ), tenant)
        raise UnauthorizedError("the credential is malformed")

    def cached(self, token: str) -> Authenticated | None:
        """What :meth:`authenticate` returns, when that needs no store call: an API key or
        widget token whose key and tenant this process read moments ago, its last use
        recorded within :data:`TOUCH_INTERVAL`. The same checks in the same order, so the
        same refusals; only the I/O is missing, so the event loop may run it without a thread
        hop. ``None``: call :meth:`authenticate` (in a thread)."""
        try:
            if is_key_shaped(token):
                return self._key(token, cached=True)
            if not jwt_imported():
                return None  # the first token to decode imports PyJWT: in the thread
            if self._widget.is_widget_token(token):
                return self._widget_session(token, cached=True)
        except _NeedsStoreError:
            return None
        return None  # JWTs: a Cognito key set may have to be fetched

    def _jwt_claims(self, token: str) -> JwtClaims:
        if self._cognito is not None and unverified_issuer(token) != self._jwt.issuer:
            return self._cognito.verify(token)
        return self._jwt.verify(token)

    def _api_key(self, client_id: str, key_id: str, *, cached: bool) -> ApiKey | None:
        if not cached:
            return self.keys.get(client_id, key_id)
        key = self.keys.cached(client_id, key_id)
        if key is None:
            raise _NeedsStoreError
        return key

    def _key(self, token: str, *, cached: bool = False) -> Authenticated:
        parsed = parse_key(token)
        if parsed is None:
            raise UnauthorizedError("the API key is malformed")
        key = self._api_key(parsed.client_id, parsed.key_id, cached=cached)
        # One message for every miss, so the answer does not tell which part was wrong.
        if key is None or key.kind != parsed.kind or not verify_secret(token, key.secret_hash):
            raise UnauthorizedError("the API key is not valid")
        if not key.active:
            raise UnauthorizedError("the API key has been revoked")
        tenant = self._check_tenant(key.client_id, cached=cached)
        self._touch(key, cached=cached)
        kind: PrincipalKind = "secret" if key.kind == "secret" else "publishable"
        return Authenticated(Principal(
            kind=kind,
            client_id=key.client_id,
            role="key",
            scopes=frozenset(key.scopes) if kind == "secret" else frozenset(),
            subject=f"key:{key.key_id}",
            key_id=key.key_id,
            allowed_origins=tuple(key.allowed_origins or tenant.widget_origins),
            profiles=tuple(key.profiles),
        ), tenant)

    def _widget_session(self, token: str, *, cached: bool = False) -> Authenticated:
        grant = self._widget.verify(token)
        key = self._api_key(grant.client_id, grant.key_id, cached=cached)
        if key is None or not key.active:
            raise UnauthorizedError("the widget's key has been revoked")
        tenant = self._check_tenant(grant.client_id, cached=cached)
        return Authenticated(Principal(
            kind="publishable-session",
            client_id=grant.client_id,
            role="widget",
            scopes=frozenset({"chat"}),
            subject=f"visitor:{grant.visitor_id}",
            key_id=grant.key_id,
            allowed_origins=(grant.origin,),
            profiles=(grant.profile,),
            grant=grant,
        ), tenant)

    def _check_tenant(self, client_id: str, *, cached: bool = False) -> Tenant:
        if cached:
            found, tenant = self._tenants.cached(client_id)
            if not found:
                raise _NeedsStoreError
        else:
            tenant = self._tenants.get(client_id)
        if tenant is None:
            raise UnauthorizedError("the credential's tenant does not exist")
        if tenant.disabled:
            raise ForbiddenError(f"tenant {client_id!r} is disabled")
        return tenant

    def _touch(self, key: ApiKey, *, cached: bool = False) -> None:
        """Record the key's last use at most once a minute (a write on the hot path)."""
        now = time.monotonic()
        with self._lock:
            last = self._touched.get(key.key_id)
            if last is not None and now - last < TOUCH_INTERVAL.total_seconds():
                return
            if cached:
                raise _NeedsStoreError  # nothing changed yet: the thread records it
            self._touched[key.key_id] = now
        if key.last_used_at is None or utcnow() - key.last_used_at >= TOUCH_INTERVAL:
            TenantStore(self._driver, key.client_id).api_keys.touch(key)
