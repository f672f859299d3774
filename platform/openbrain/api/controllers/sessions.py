"""Sessions: start one, send a message (JSON or SSE), read the transcript, list, delete."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import JSONBody
from litestar.response import Stream

from openbrain.api import chat_service
from openbrain.api.controllers._common import (
    CursorParam,
    IdParam,
    LimitParam,
    ProfileFilter,
    TimestampFilter,
    timestamp,
)
from openbrain.api.controllers.chat import IdempotencyKey, session_response
from openbrain.api.deps import PrincipalDep, ServicesDep, StoreDep
from openbrain.api.guards import requires_scope
from openbrain.api.schemas import MessagePage, SendMessage, SessionPage, StartSession
from openbrain.domain.base import as_utc
from openbrain.domain.chat import ChatMessage, ChatReply
from openbrain.domain.event import ToolAction
from openbrain.domain.session import ChatSession


class SessionsController(Controller):
    path = "/v1/sessions"
    tags = ["sessions"]

    @post(operation_id="startSession", guards=[requires_scope("chat", widget=True)],
          status_code=201, sync_to_thread=True)
    def start(self, data: JSONBody[StartSession], services: ServicesDep, store: StoreDep,
              principal: PrincipalDep,
              idempotency_key: IdempotencyKey = None) -> Response[ChatReply]:
        request = ChatMessage(reset=True, agent_config=data.profile,
                              agent_config_overrides=data.overrides, context=data.context)
        turn = chat_service.prepare(services, store, principal, request)
        reply = chat_service.run_turn(services, store, principal, turn,
                                      idempotency_key=idempotency_key)
        return session_response(reply, services, cookie=False, status_code=201)

    @get(operation_id="listSessions", guards=[requires_scope("sessions:read")],
         sync_to_thread=True)
    def list_sessions(
        self, store: StoreDep, limit: LimitParam = 50, cursor: CursorParam = None,
        profile: ProfileFilter = None,
        since: TimestampFilter = None, until: TimestampFilter = None,
    ) -> SessionPage:
        # A timestamp without a zone is read as UTC (the API speaks UTC everywhere).
        since_at = as_utc(timestamp("since", since))
        until_at = as_utc(timestamp("until", until))

        def matches(session: ChatSession) -> bool:
            return (
                (profile is None or session.profile_name == profile)
                and (since_at is None or session.created_at >= since_at)
                and (until_at is None or session.created_at <= until_at)
            )

        filtered = profile is not None or since_at is not None or until_at is not None
        found, cursor = store.sessions.list(
            limit=limit, cursor=cursor, where=matches if filtered else None
        )
        return SessionPage(items=found, cursor=cursor)

    @get("/{session_id:str}", operation_id="getSession",
         guards=[requires_scope("sessions:read")], sync_to_thread=True)
    def get_session(self, session_id: IdParam, store: StoreDep) -> ChatSession:
        return store.sessions.require(session_id)

    @delete("/{session_id:str}", operation_id="deleteSession",
            guards=[requires_scope("sessions:read", "leads:write")], sync_to_thread=True)
    def delete_session(self, session_id: IdParam, store: StoreDep) -> None:
        """Erase the session, its messages and the lead it captured."""
        session = store.sessions.require(session_id)
        if session.lead_id and store.leads.get(session.lead_id) is not None:
            store.erase_lead(session.lead_id)
        store.sessions.delete(session_id)

    @get("/{session_id:str}/messages", operation_id="listMessages",
         guards=[requires_scope("sessions:read", widget=True)], sync_to_thread=True)
    def messages(self, session_id: IdParam, store: StoreDep, principal: PrincipalDep,
                 limit: LimitParam = 50, cursor: CursorParam = None) -> MessagePage:
        """The transcript, oldest first (a widget session reads its own session only)."""
        if principal.grant is not None:
            chat_service.visible_session(store, principal, session_id)
        else:
            store.sessions.require(session_id)
        items, next_cursor = store.sessions.transcript(session_id, limit=limit, cursor=cursor)
        return MessagePage(items=items, cursor=next_cursor)

    @get("/{session_id:str}/tool-actions", operation_id="listToolActions",
         guards=[requires_scope("sessions:read")], sync_to_thread=True)
    def tool_actions(self, session_id: IdParam, store: StoreDep,
                     limit: LimitParam = 100) -> list[ToolAction]:
        store.sessions.require(session_id)
        return store.sessions.tool_actions(session_id, limit=limit)

    @post("/{session_id:str}/messages", operation_id="sendMessage",
          guards=[requires_scope("chat", widget=True)], status_code=200, sync_to_thread=True)
    def send(
        self, request: Request[Any, Any, Any], session_id: IdParam, data: JSONBody[SendMessage],
        services: ServicesDep, store: StoreDep, principal: PrincipalDep,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ChatReply]:
        """The reply as JSON, or with ``Accept: text/event-stream`` an SSE stream: ``token``
        events (``{"text": …}``), then ``done`` (the reply) or ``error`` (a problem detail)."""
        chat = ChatMessage(session_id=session_id, message=data.message, context=data.context)
        turn = chat_service.prepare(services, store, principal, chat)
        if "text/event-stream" in request.headers.get("accept", ""):
            request_id = request.scope["state"].get("request_id")
            events = chat_service.stream_turn(services, store, principal, turn, request_id,
                                              idempotency_key)
            # Already framed: a plain stream (ServerSentEvent would frame each chunk again and
            # take a thread hop to start).
            return Stream(events, media_type="text/event-stream",  # type: ignore[return-value]
                          headers={"X-Session-Id": session_id, "Cache-Control": "no-cache",
                                   "Connection": "keep-alive", "X-Accel-Buffering": "no"})
        reply = chat_service.run_turn(services, store, principal, turn,
                                      idempotency_key=idempotency_key)
        return session_response(reply, services, cookie=False)
