"""``POST /v1/chat``: the original ChatMessage protocol."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, post
from litestar.datastructures import Cookie
from litestar.params import HeaderParameter, JSONBody

from openbrain.api import chat_service
from openbrain.api.deps import PrincipalDep, ServicesDep, StoreDep
from openbrain.api.guards import requires_scope
from openbrain.domain.chat import ChatMessage, ChatReply
from openbrain.domain.ids import IDENTIFIER
from openbrain.store import TenantStore

SESSION_COOKIE = "ob_session"
# A retried chat request with the same key returns the first answer (docs/api-routes.md).
IdempotencyKey = Annotated[str | None, HeaderParameter(
    name="Idempotency-Key", required=False, pattern=r"^[A-Za-z0-9._:-]{1,128}$",
    description="Any unique string (a UUID): the same request sent again with the same key "
                "returns the answer already made instead of running the turn again.")]


def session_response(reply: ChatReply, services: ServicesDep, *, cookie: bool,
                     secure: bool = False, status_code: int = 200) -> Response[ChatReply]:
    """The reply, with the session id in ``X-Session-Id`` (and the cookie, for browsers on
    the API's own origin; widgets keep the id themselves). ``secure``: the request came over
    HTTPS, so the cookie must never travel over plain HTTP."""
    cookies = []
    if cookie:
        cookies.append(Cookie(key=SESSION_COOKIE, value=reply.session_id, httponly=True,
                              samesite="lax", path="/v1", secure=secure,
                              max_age=services.settings.session_ttl_days * 86_400))
    return Response(reply, status_code=status_code, cookies=cookies,
                    headers={"X-Session-Id": reply.session_id})


def _cookie_session(request: Request[Any, Any, Any], store: TenantStore) -> str | None:
    """The session the cookie names, if it is still open (a browser whose session expired,
    was erased or was closed by an operator simply starts a new one; an explicit
    ``X-Session-Id`` that is gone is a 404)."""
    value = request.cookies.get(SESSION_COOKIE)
    if not value or not IDENTIFIER.fullmatch(value):
        return None
    session = store.sessions.get(value)
    return None if session is None or session.control == "closed" else value


class ChatController(Controller):
    path = "/v1/chat"
    tags = ["chat"]

    @post(operation_id="chat", guards=[requires_scope("chat", widget=True)], status_code=200,
          sync_to_thread=True)
    def chat(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ChatMessage],
        services: ServicesDep,
        store: StoreDep,
        principal: PrincipalDep,
        x_session_id: Annotated[str | None, HeaderParameter(name="X-Session-Id", required=False,
                                                      pattern=IDENTIFIER.anchored)] = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ChatReply]:
        if data.session_id is None and not data.reset:
            session_id = x_session_id
            if session_id is None and principal.grant is None:
                session_id = _cookie_session(request, store)
            if session_id:
                data = msgspec.structs.replace(data, session_id=session_id)
        turn = chat_service.prepare(services, store, principal, data)
        reply = chat_service.run_turn(services, store, principal, turn,
                                      idempotency_key=idempotency_key)
        # The scheme as the ASGI server decided it: behind the Lambda Web Adapter, uvicorn
        # takes X-Forwarded-Proto from its trusted hop (127.0.0.1) only.
        return session_response(reply, services, cookie=principal.grant is None,
                                secure=request.url.scheme == "https")
