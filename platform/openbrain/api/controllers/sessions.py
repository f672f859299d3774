"""Sessions: start one, send a message (JSON or SSE), read the transcript and the memory,
list, delete."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from litestar import Controller, Request, Response, delete, get, post
from litestar.concurrency import sync_to_thread
from litestar.params import HeaderParameter, JSONBody, Parameter
from litestar.response import ServerSentEvent

from openbrain.api import chat_service
from openbrain.api.controllers._common import (
    CursorParam,
    IdParam,
    LimitParam,
    ProfileFilter,
    QueryParam,
    TimestampFilter,
    timestamp,
)
from openbrain.api.controllers.chat import IdempotencyKey, session_response
from openbrain.api.deps import (
    PrincipalDep,
    ServicesDep,
    StoreDep,
    check_body_and_tenant,
    request_store,
)
from openbrain.api.framed_stream import FramedStream
from openbrain.api.guards import guarded_post, principal_of, requires_scope
from openbrain.api.principal import Principal
from openbrain.api.schemas import MessagePage, SendMessage, SessionPage, StartSession
from openbrain.api.services import Services, services_of
from openbrain.api.session_stream import SessionStream
from openbrain.domain.base import as_utc
from openbrain.domain.chat import ChatMessage, ChatReply
from openbrain.domain.event import ToolAction
from openbrain.domain.ids import IDENTIFIER
from openbrain.domain.session import Channel, ChatSession, ListedSession, SessionMemory
from openbrain.store import TenantStore

ChannelFilter = Annotated[Channel | None, Parameter(
    required=False, description="where sessions were started: widget, api, cli or tuner")]
LeadFilter = Annotated[str | None, Parameter(
    required=False, pattern=IDENTIFIER.anchored, description="the lead's id")]

LastEventId = Annotated[str | None, HeaderParameter(
    name="Last-Event-ID", required=False, pattern=r"^(-1|[0-9]{1,10})$",
    description="The id of the last event received: the stream resumes right after it.")]
_STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class SessionsController(Controller):
    path = "/v1/sessions"
    tags = ["sessions"]

    @post(operation_id="startSession", guards=[requires_scope("chat", widget=True)],
          status_code=201, sync_to_thread=True)
    def start(self, data: JSONBody[StartSession], services: ServicesDep, store: StoreDep,
              principal: PrincipalDep,
              idempotency_key: IdempotencyKey = None) -> Response[ChatReply]:
        request = ChatMessage(reset=True, agent_config=data.profile,
                              agent_config_overrides=data.overrides, context=data.context,
                              channel=data.channel)
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
        channel: ChannelFilter = None, lead: LeadFilter = None, q: QueryParam = None,
    ) -> SessionPage:
        """Newest first, each with its channel, lead name and first-message preview.
        ``q`` finds text (any case) in the session id, lead name, preview or profile."""
        # A timestamp without a zone is read as UTC (the API speaks UTC everywhere).
        since_at = as_utc(timestamp("since", since))
        until_at = as_utc(timestamp("until", until))
        needle = q.casefold() if q is not None else None

        def matches(session: ListedSession) -> bool:
            return (
                (profile is None or session.profile_name == profile)
                and (since_at is None or session.created_at >= since_at)
                and (until_at is None or session.created_at <= until_at)
                and (channel is None or session.channel == channel)
                and (lead is None or session.lead_id == lead)
                and (needle is None or any(
                    needle in text.casefold()
                    for text in (session.session_id, session.lead_name, session.preview,
                                 session.profile_name) if text))
            )

        filtered = any(f is not None for f in (profile, since_at, until_at, channel, lead, q))
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

    @get("/{session_id:str}/events", operation_id="sessionEvents",
         guards=[requires_scope("sessions:read", widget=True)])
    async def events(self, session_id: IdParam, store: StoreDep, principal: PrincipalDep,
                     services: ServicesDep,
                     last_event_id: LastEventId = None) -> ServerSentEvent:
        """The session live (server-sent events): ``message`` events (a stored message, its
        ``seq`` as the id) and ``state`` events (who answers: agent, waiting, human,
        closed). With ``Last-Event-ID`` it resumes after that message; without, from now.
        The stream ends after a few minutes; clients reconnect (a widget reads its own
        session only)."""
        def lookup() -> ChatSession:
            if principal.grant is not None:
                return chat_service.visible_session(store, principal, session_id)
            return store.sessions.require(session_id)

        session = await anyio.to_thread.run_sync(lookup)
        settings = services.settings
        stream = SessionStream(store, session,
                               after=None if last_event_id is None else int(last_event_id),
                               widget=principal.grant is not None,
                               poll=settings.stream_poll,
                               max_seconds=settings.stream_max_seconds)
        return ServerSentEvent(stream.events(), headers=_STREAM_HEADERS)

    @get("/{session_id:str}/tool-actions", operation_id="listToolActions",
         guards=[requires_scope("sessions:read")], sync_to_thread=True)
    def tool_actions(self, session_id: IdParam, store: StoreDep,
                     limit: LimitParam = 100) -> list[ToolAction]:
        store.sessions.require(session_id)
        return store.sessions.tool_actions(session_id, limit=limit)

    @get("/{session_id:str}/memory", operation_id="getSessionMemory",
         guards=[requires_scope("sessions:read")], sync_to_thread=True)
    def memory(self, session_id: IdParam, store: StoreDep) -> SessionMemory:
        """What the session's next turn remembers besides the window: its memory policy and,
        under ``summary``, the summary in force with the messages it covers (the transcript
        keeps every message)."""
        return store.memory.of(store.sessions.require(session_id))

    # The services, principal and store come from the request, as on POST /v1/chat: no
    # dependency to resolve, no copy of the handler per guard (tests/api/test_send_route.py).
    @guarded_post(path="/{session_id:str}/messages", operation_id="sendMessage",
                  guards=[requires_scope("chat", widget=True)], status_code=200,
                  before_request=check_body_and_tenant)
    async def send(
        self, request: Request[Any, Any, Any], session_id: IdParam, data: JSONBody[SendMessage],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ChatReply]:
        """The reply as JSON, or with ``Accept: text/event-stream`` an SSE stream: ``token``
        events (``{"text": …}``), then ``done`` (the reply) or ``error`` (a problem detail)."""
        services, principal = services_of(request.app.state), principal_of(request)
        store = request_store(request)
        chat = ChatMessage(session_id=session_id, message=data.message, context=data.context)
        if "text/event-stream" in request.headers.get("accept", ""):
            # The checks and the turn run in one worker thread; the checks' errors are raised
            # here, before the stream starts, and answered as problem details.
            request_id = request.scope["state"].get("request_id")
            events = await chat_service.stream_turn(services, store, principal, chat,
                                                    request_id, idempotency_key)
            # Already framed: a plain stream (ServerSentEvent would frame each chunk again and
            # take a thread hop to start), with no task group per response.
            return FramedStream(  # type: ignore[return-value]
                events, media_type="text/event-stream",
                headers={"X-Session-Id": session_id, "Cache-Control": "no-cache",
                         "Connection": "keep-alive", "X-Accel-Buffering": "no"})
        return await sync_to_thread(_answer, services, store, principal, chat, idempotency_key)


def _answer(services: Services, store: TenantStore, principal: Principal, chat: ChatMessage,
            idempotency_key: str | None) -> Response[ChatReply]:
    """A plain turn, in a worker thread (as a sync handler ran it)."""
    turn = chat_service.prepare(services, store, principal, chat)
    reply = chat_service.run_turn(services, store, principal, turn,
                                  idempotency_key=idempotency_key)
    return session_response(reply, services, cookie=False)
