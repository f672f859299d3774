"""Issuing an API key: mint the token, store only its hash, hand the token back once."""

from __future__ import annotations

from collections.abc import Sequence

from openbrain.auth.api_keys import mint_key
from openbrain.domain.api_key import ApiKey, KeyKind, Scope
from openbrain.domain.base import utcnow
from openbrain.domain.errors import InvalidError
from openbrain.domain.tenant import Tenant
from openbrain.store.codec import validated
from openbrain.store.tenant_store import TenantStore


def issue_key(
    store: TenantStore,
    tenant: Tenant,
    *,
    kind: KeyKind,
    name: str = "",
    scopes: Sequence[Scope] = (),
    allowed_origins: Sequence[str] = (),
    profiles: Sequence[str] = (),
) -> tuple[ApiKey, str]:
    """A new key of ``store``'s tenant and its token (show it once: it is not kept).

    The rules every issuer (API, ``ob-admin``) shares: a publishable key can only chat, and
    only from origins the tenant allows for its widget; a secret key has scopes and no origins.

    Raises:
        InvalidError: the request breaks one of those rules, or a value is malformed.
    """
    if tenant.client_id != store.client_id:
        raise InvalidError("the tenant does not match the store")
    if kind == "publishable":
        if list(scopes) not in ([], ["chat"]):
            raise InvalidError("a publishable key can only chat; leave scopes empty")
        check_origins(tenant, allowed_origins)
    else:
        if not scopes:
            raise InvalidError("a secret key needs at least one scope")
        if allowed_origins:
            raise InvalidError("allowedOrigins apply to publishable keys only")
    key_id, token, secret_hash = mint_key(store.client_id, kind)
    key = ApiKey(
        client_id=store.client_id,
        key_id=key_id,
        kind=kind,
        name=name,
        scopes=list(scopes) if kind == "secret" else ["chat"],
        allowed_origins=list(allowed_origins),
        profiles=list(profiles),
        secret_hash=secret_hash,
        created_at=utcnow(),
    )
    store.api_keys.create(validated(key))
    return key, token


def check_origins(tenant: Tenant, origins: Sequence[str]) -> None:
    """A publishable key's origins: among the tenant's widget origins (none: all of them).

    Raises:
        InvalidError: naming ``allowedOrigins``.
    """
    outside = sorted(set(origins) - set(tenant.widget_origins))
    if outside:
        said = ("allowedOrigins must be among the tenant's widget origins "
                f"({', '.join(tenant.widget_origins) or 'none'}); not: {', '.join(outside)}")
        raise InvalidError(said, fields={"allowedOrigins": said})
    if not (origins or tenant.widget_origins):
        said = "the tenant has no widget origins: a publishable key needs some"
        raise InvalidError(said, fields={"allowedOrigins": said})


def change_origins(store: TenantStore, tenant: Tenant, key_id: str,
                   origins: Sequence[str]) -> ApiKey:
    """Set the origins a publishable key is accepted from (checked as on issue).

    Raises:
        NotFoundError: no such key. ConflictError: it is revoked.
        InvalidError: a secret key (origins do not apply), or an origin the tenant's widget
            does not allow.
    """
    key = store.api_keys.require(key_id)
    if key.kind != "publishable":
        said = "allowedOrigins apply to publishable keys only; this is a secret key"
        raise InvalidError(said, fields={"allowedOrigins": said})
    check_origins(tenant, origins)
    return store.api_keys.set_origins(key_id, list(dict.fromkeys(origins)))
