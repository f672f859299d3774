"""``POST /v1/widget/session``: a publishable key, from an allowed origin, for a widget token."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, post
from litestar.params import HeaderParameter, JSONBody

from openbrain.api import chat_service
from openbrain.api.deps import PrincipalDep, ServicesDep, StoreDep
from openbrain.api.guards import requires_scope
from openbrain.api.schemas import WidgetSession, WidgetSessionRequest
from openbrain.auth.widget_tokens import (
    VISITOR_SECRET_HEADER,
    VISITOR_SECRET_PATTERN,
    new_visitor_secret,
    visitor_hash,
)
from openbrain.domain.agent_config import DEFAULT_PROFILE
from openbrain.domain.errors import ForbiddenError, NotFoundError

VisitorSecret = Annotated[str | None, HeaderParameter(
    name=VISITOR_SECRET_HEADER, required=False, pattern=VISITOR_SECRET_PATTERN,
    description="The visitor secret this browser was given by an earlier call (it owns the "
                "sessions started with it); omitted, a new one is issued.")]


class WidgetController(Controller):
    path = "/v1/widget"
    tags = ["widget"]

    @post("/session", operation_id="openWidgetSession",
          guards=[requires_scope(publishable=True)], status_code=201, sync_to_thread=True)
    def open_session(self, request: Request[Any, Any, Any], data: JSONBody[WidgetSessionRequest],
                     services: ServicesDep, store: StoreDep, principal: PrincipalDep,
                     visitor_secret: VisitorSecret = None) -> WidgetSession:
        """Only from one of the key's origins (the guard checked ``Origin``), for a
        widget-enabled profile the key allows; resuming a session needs it to be one this
        visitor opened (same origin and profile, and the ``X-Visitor-Secret`` it was started
        with). Without that header a new visitor secret is issued, once, in the answer."""
        origin = request.headers["origin"]
        profile = data.profile or (principal.profiles[0] if principal.profiles else DEFAULT_PROFILE)
        if principal.profiles and profile not in principal.profiles:
            raise ForbiddenError(f"this key may not open profile {profile!r}")
        config = store.configs.get(profile)
        if config is None or not config.widget_enabled:
            raise NotFoundError(f"no widget-enabled profile {profile!r}")
        issued = None
        if visitor_secret is None:
            visitor_secret = issued = new_visitor_secret()
        visitor = visitor_hash(visitor_secret)
        session_id = data.session_id
        if session_id is not None:
            session = store.sessions.get(session_id)
            if session is None or not chat_service.widget_owns(
                    session, origin=origin, profile=profile, visitor=visitor):
                session_id = None  # unknown, or not this visitor's: start afresh instead
        assert principal.key_id is not None
        token, grant = services.widget_tokens.mint(
            client_id=store.client_id, origin=origin, profile=profile,
            key_id=principal.key_id, session_id=session_id, visitor_hash=visitor,
        )
        chat_service.log.info("widget_session", key_id=principal.key_id, profile=profile)
        return WidgetSession(token=token, expires_at=grant.expires_at, profile=profile,
                             session_id=session_id, visitor_secret=issued)
