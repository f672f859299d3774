"""API keys: create (the secret is shown once), list, change a publishable key's origins,
revoke. Responses carry :class:`~openbrain.domain.api_key.ApiKeyView`: never the hash of a
secret."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.params import JSONBody

from openbrain.api.controllers._common import IdParam
from openbrain.api.deps import PrincipalDep, ServicesDep, StoreDep
from openbrain.api.guards import requires_scope
from openbrain.api.principal import Principal
from openbrain.api.schemas import CreatedKey, KeyChanges, KeyPage, NewKey
from openbrain.auth.issuing import change_origins, issue_key
from openbrain.domain.api_key import ApiKeyView
from openbrain.domain.errors import ForbiddenError


def _check_grant(data: NewKey, principal: Principal) -> None:
    """A key never grants more than the credential that creates it holds."""
    if data.kind == "secret":
        beyond = sorted(set(data.scopes) - principal.scopes)
        if beyond:
            raise ForbiddenError(f"cannot grant scope(s) you do not hold: {', '.join(beyond)}")


class KeysController(Controller):
    path = "/v1/keys"
    tags = ["keys"]

    @get(operation_id="listKeys", guards=[requires_scope("keys:manage")], sync_to_thread=True)
    def list_keys(self, store: StoreDep) -> KeyPage:
        return KeyPage(items=[key.view() for key in store.api_keys.list()], cursor=None)

    @post(operation_id="createKey", guards=[requires_scope("keys:manage")], status_code=201,
          sync_to_thread=True)
    def create_key(self, data: JSONBody[NewKey], store: StoreDep, principal: PrincipalDep,
                   services: ServicesDep) -> CreatedKey:
        _check_grant(data, principal)
        tenant = services.tenants.repository.require(store.client_id)
        key, token = issue_key(
            store, tenant, kind=data.kind, name=data.name, scopes=data.scopes,
            allowed_origins=data.allowed_origins, profiles=data.profiles,
        )
        return CreatedKey(key=key.view(), secret=token)

    @patch("/{key_id:str}", operation_id="changeKey", guards=[requires_scope("keys:manage")],
           sync_to_thread=True)
    def change_key(self, key_id: IdParam, data: JSONBody[KeyChanges], store: StoreDep,
                   services: ServicesDep) -> ApiKeyView:
        """Change the origins a publishable key is accepted from (the widget's pages)."""
        tenant = services.tenants.repository.require(store.client_id)
        changed = change_origins(store, tenant, key_id, data.allowed_origins)
        # This process uses the new origins at once; others within the cache's second.
        services.authenticator.keys.forget(store.client_id, key_id)
        return changed.view()

    @delete("/{key_id:str}", operation_id="revokeKey", guards=[requires_scope("keys:manage")],
            status_code=200, sync_to_thread=True)
    def revoke_key(self, key_id: IdParam, store: StoreDep, services: ServicesDep) -> ApiKeyView:
        revoked = store.api_keys.revoke(key_id)
        services.authenticator.keys.forget(store.client_id, key_id)
        return revoked.view()
