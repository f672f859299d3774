"""Tenants (platform operators only): list, create, disable."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import JSONBody, Parameter

from openbrain.api.controllers._common import CursorParam, LimitParam
from openbrain.api.deps import ServicesDep
from openbrain.api.guards import requires_scope
from openbrain.api.schemas import TenantPage
from openbrain.domain.base import utcnow
from openbrain.domain.errors import ConflictError
from openbrain.domain.ids import CLIENT_ID
from openbrain.domain.tenant import Tenant

ClientIdParam = Annotated[str, Parameter(pattern=CLIENT_ID.anchored)]


class TenantsController(Controller):
    path = "/v1/tenants"
    tags = ["tenants"]

    @get(operation_id="listTenants", guards=[requires_scope("platform:admin")],
         sync_to_thread=True)
    def list_tenants(self, services: ServicesDep, limit: LimitParam = 50,
                     cursor: CursorParam = None) -> TenantPage:
        items, next_cursor = services.tenants.repository.list(limit=limit, cursor=cursor)
        return TenantPage(items=items, cursor=next_cursor)

    @post(operation_id="createTenant", guards=[requires_scope("platform:admin")],
          status_code=201, sync_to_thread=True)
    def create_tenant(self, data: JSONBody[Tenant], services: ServicesDep) -> Tenant:
        stage = services.settings
        if stage.event_bus_name:
            # On a deployed stage a tenant's events need its rule, queue and DLQ, which only
            # the Pulumi program creates (from tenants/): a tenant stored here would lose them.
            raise ConflictError(
                f"tenants of stage {stage.stage!r} are onboarded by its deploy: add "
                f"tenants/{data.client_id}.toml, run scripts/build-lambda.sh and `pulumi up`, "
                "then `ob-admin tenants sync` "
                "(docs/deploy.md, 'Adding a tenant')"
            )
        repo = services.tenants.repository
        if repo.get(data.client_id) is not None:
            raise ConflictError(f"tenant {data.client_id!r} already exists")
        tenant = msgspec.structs.replace(data, created_at=data.created_at or utcnow())
        repo.save(tenant)
        services.tenants.invalidate(tenant.client_id)
        return tenant

    @post("/{client_id:str}/disable", operation_id="disableTenant",
          guards=[requires_scope("platform:admin")], status_code=200, sync_to_thread=True)
    def disable_tenant(self, client_id: ClientIdParam, services: ServicesDep) -> Tenant:
        tenant = services.tenants.repository.set_disabled(client_id, True)
        services.tenants.invalidate(client_id)
        return tenant
