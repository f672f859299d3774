"""Liveness, the caller's identity and the widget script."""

from __future__ import annotations

from pathlib import Path

from litestar import Controller, Response, get

from openbrain.api.deps import PrincipalDep
from openbrain.api.guards import public, requires_scope
from openbrain.api.schemas import Health, Me
from openbrain.domain.errors import NotFoundError

WIDGET_JS = Path(__file__).resolve().parents[1] / "static" / "widget.js"


class HealthController(Controller):
    tags = ["health"]

    @get("/healthz", operation_id="health", guards=[public], sync_to_thread=False)
    def health(self) -> Health:
        return Health()

    @get("/widget.js", operation_id="widgetScript", guards=[public], sync_to_thread=False,
         include_in_schema=False)
    def widget_script(self) -> Response[bytes]:
        if not WIDGET_JS.is_file():
            raise NotFoundError("the widget script is not installed")
        return Response(
            WIDGET_JS.read_bytes(),
            media_type="application/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300",
                     "Cross-Origin-Resource-Policy": "cross-origin"},
        )

    @get("/v1/me", operation_id="me", guards=[requires_scope(widget=True)], sync_to_thread=False)
    def me(self, principal: PrincipalDep) -> Me:
        return Me(client_id=principal.client_id, kind=principal.kind, role=principal.role,
                  scopes=sorted(principal.scopes))
