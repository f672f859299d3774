"""``POST /v1/auth/exchange``: a one-time sign-in code (from ``ob-admin token --link`` or
``ob-tuner``) for a dashboard JWT.

Public (the code is the credential) and throttled per client address before any lookup, so
codes cannot be guessed at speed (they carry 256 random bits anyway). No tenant's limits are
charged: a code proves nothing until it is redeemed, and garbage naming a tenant must not spend
that tenant's requests. The code is never logged: only the tenant and role it was worth.
"""

from __future__ import annotations

from typing import Any

import structlog
from litestar import Controller, Request, post
from litestar.params import JSONBody

from openbrain.api.deps import ServicesDep
from openbrain.api.guards import public
from openbrain.auth.signin_codes import code_tenant, redeem_signin_code
from openbrain.domain.errors import ForbiddenError, UnauthorizedError
from openbrain.domain.signin import CodeExchange, ExchangedToken
from openbrain.store import platform_counters
from openbrain.store.signin_codes import INVALID

log = structlog.get_logger("openbrain.api.auth")
EXCHANGES_PER_MINUTE = 60
"""Per client address, whatever the tenant: a person signs in a few times a day."""


class AuthController(Controller):
    path = "/v1/auth"
    tags = ["auth"]

    @post("/exchange", operation_id="exchangeSigninCode", guards=[public], status_code=200,
          sync_to_thread=True)
    def exchange(self, request: Request[Any, Any, Any], data: JSONBody[CodeExchange],
                 services: ServicesDep) -> ExchangedToken:
        """Redeem a code exactly once: a replay, the loser of a race, an expired or unknown
        code are all 401 with a problem detail saying which."""
        address = request.client.host if request.client else "-"
        services.limiter.hit(platform_counters(services.driver), f"signin:ip:{address}",
                             EXCHANGES_PER_MINUTE, "address")
        client_id = code_tenant(data.code)
        if client_id is None:
            raise UnauthorizedError(INVALID)
        tenant = services.tenants.get(client_id)
        if tenant is None:
            raise UnauthorizedError(INVALID)
        if tenant.disabled:
            raise ForbiddenError(f"tenant {client_id!r} is disabled")
        exchanged = redeem_signin_code(services.driver, services.settings, data.code)
        log.info("signin_code_redeemed", client_id=client_id, role=exchanged.role)
        return exchanged
