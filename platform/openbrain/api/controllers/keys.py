"""API keys: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.params import JSONBody

from openbrain.api.controllers._common import IdParam
from openbrain.api.deps import PrincipalDep, ServicesDep, StoreDep
from openbrain.api.guards import requires_scope
from openbrain.api.principal import Principal
from openbrain.api.schemas import CreatedKey, KeyPage, NewKey
from openbrain.api.services import Services
from openbrain.auth.api_keys import mint_key
from openbrain.domain.api_key import ApiKey
from openbrain.domain.base import utcnow
from openbrain.domain.errors import ForbiddenError, InvalidError
from openbrain.store import TenantStore


def _checked(
    data: JSONBody[NewKey], principal: Principal, services: Services, store: TenantStore
) -> NewKey:
    if data.kind == "publishable":
        if data.scopes not in ([], ["chat"]):
            raise InvalidError("a publishable key can only chat; leave scopes empty")
        tenant = services.tenants.get(store.client_id)
        allowed = set(tenant.widget_origins if tenant else ())
        outside = sorted(set(data.allowed_origins) - allowed)
        if outside:
            raise InvalidError(
                "allowedOrigins must be among the tenant's widget origins; "
                f"not: {', '.join(outside)}"
            )
        if not (data.allowed_origins or allowed):
            raise InvalidError("the tenant has no widget origins: a publishable key needs some")
        return data
    if not data.scopes:
        raise InvalidError("a secret key needs at least one scope")
    # A key never grants more than the credential that creates it holds.
    beyond = sorted(set(data.scopes) - principal.scopes)
    if beyond:
        raise ForbiddenError(f"cannot grant scope(s) you do not hold: {', '.join(beyond)}")
    if data.allowed_origins:
        raise InvalidError("allowedOrigins apply to publishable keys only")
    return data


class KeysController(Controller):
    path = "/v1/keys"
    tags = ["keys"]

    @get(operation_id="listKeys", guards=[requires_scope("keys:manage")], sync_to_thread=True)
    def list_keys(self, store: StoreDep) -> KeyPage:
        return KeyPage(items=store.api_keys.list(), cursor=None)

    @post(operation_id="createKey", guards=[requires_scope("keys:manage")], status_code=201,
          sync_to_thread=True)
    def create_key(self, data: JSONBody[NewKey], store: StoreDep, principal: PrincipalDep,
                   services: ServicesDep) -> CreatedKey:
        data = _checked(data, principal, services, store)
        key_id, token, secret_hash = mint_key(store.client_id, data.kind)
        key = ApiKey(
            client_id=store.client_id, key_id=key_id, kind=data.kind, name=data.name,
            scopes=list(data.scopes) if data.kind == "secret" else ["chat"],
            allowed_origins=list(data.allowed_origins), profiles=list(data.profiles),
            secret_hash=secret_hash, created_at=utcnow(),
        )
        store.api_keys.create(key)
        return CreatedKey(key=key, secret=token)

    @delete("/{key_id:str}", operation_id="revokeKey", guards=[requires_scope("keys:manage")],
            status_code=200, sync_to_thread=True)
    def revoke_key(self, key_id: IdParam, store: StoreDep) -> ApiKey:
        return store.api_keys.revoke(key_id)
