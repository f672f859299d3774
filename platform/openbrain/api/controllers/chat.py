"""``POST /v1/chat``: the original ChatMessage protocol."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response
from litestar.datastructures import Cookie
from litestar.params import HeaderParameter, JSONBody
from litestar.types import Scope

from openbrain.api import chat_service
from openbrain.api.deps import ServicesDep, check_body_and_tenant, request_store
from openbrain.api.guards import guarded_post, principal_of, requires_scope
from openbrain.api.services import services_of
from openbrain.domain.chat import ChatMessage, ChatReply
from openbrain.domain.ids import IDENTIFIER
from openbrain.store import TenantStore

SESSION_COOKIE = "ob_session"
_PLAIN = re.compile(r"[A-Za-z0-9_-]+")  # values SimpleCookie writes as they are (no quoting)
_MARK = "obValueGoesHere7f3a9c"
# A retried chat request with the same key returns the first answer (docs/api-routes.md).
IdempotencyKey = Annotated[str | None, HeaderParameter(
    name="Idempotency-Key", required=False, pattern=r"^[A-Za-z0-9._:-]{1,128}$",
    description="Any unique string (a UUID): the same request sent again with the same key "
                "returns the answer already made instead of running the turn again.")]


class SessionCookie(Cookie):
    """A ``Cookie`` whose header is rendered once per attribute set and spliced around the
    value: Litestar renders each through ``dataclasses.asdict`` and ``SimpleCookie`` (about
    30 µs a response). The bytes are Litestar's own (tests/api/test_session_cookie.py)."""

    def to_encoded_header(self) -> tuple[bytes, bytes]:
        parts = None
        if not self.documentation_only and _PLAIN.fullmatch(self.value or ""):
            parts = _rendered(self.key, self.path, self.domain, self.secure, self.httponly,
                              self.samesite, self.max_age, self.expires)
        if parts is None:
            return super().to_encoded_header()
        return b"set-cookie", parts[0] + (self.value or "").encode("latin-1") + parts[1]


@lru_cache(maxsize=64)  # attribute sets: the TTL setting times http/https
def _rendered(key: str, path: str, domain: str | None, secure: bool | None,
              httponly: bool | None, samesite: Any, max_age: int | None,
              expires: int | None) -> tuple[bytes, bytes] | None:
    """Litestar's header for these attributes, split where the value goes (``None`` when
    the split is ambiguous: the attributes themselves contain the mark)."""
    _, header = Cookie(key=key, value=_MARK, path=path, domain=domain, secure=secure,
                       httponly=httponly, samesite=samesite, max_age=max_age,
                       expires=expires).to_encoded_header()
    parts = header.split(_MARK.encode())
    return (parts[0], parts[1]) if len(parts) == 2 else None


def session_response(reply: ChatReply, services: ServicesDep, *, cookie: bool,
                     secure: bool = False, status_code: int = 200) -> Response[ChatReply]:
    """The reply, with the session id in ``X-Session-Id`` (and the cookie, for browsers on
    the API's own origin; widgets keep the id themselves). ``secure``: the request came over
    HTTPS, so the cookie must never travel over plain HTTP."""
    cookies = []
    if cookie:
        cookies.append(SessionCookie(key=SESSION_COOKIE, value=reply.session_id, httponly=True,
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

    # The services, principal and store come from the request, not as dependencies: Litestar
    # resolves each through a signature model of its own (tests/api/test_chat_route.py).
    @guarded_post(operation_id="chat", guards=[requires_scope("chat", widget=True)],
                  status_code=200, sync_to_thread=True, before_request=check_body_and_tenant)
    def chat(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ChatMessage],
        x_session_id: Annotated[str | None, HeaderParameter(name="X-Session-Id", required=False,
                                                      pattern=IDENTIFIER.anchored)] = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ChatReply]:
        services, principal = services_of(request.app.state), principal_of(request)
        store = request_store(request)
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
                                secure=over_https(request.scope))


def over_https(scope: Scope) -> bool:
    """``request.url.scheme == "https"`` without building the URL (about 5 µs a request):
    Litestar's URL keeps the scope's scheme when the scope names its server, else none."""
    return scope.get("scheme", "http") == "https" and bool(scope.get("server"))
