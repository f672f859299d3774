"""Running chat turns for the API: tenant and widget rules, budgets, and SSE streaming.

A turn runs in a worker thread (the model and the store block); for streaming, its tokens
are handed to the event loop with ``call_soon_threadsafe`` and read by an async generator.
If the client goes away mid-stream, the turn still completes and commits (or not) on its
own: a disconnect never leaves half a turn.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
import structlog
from litestar.response import ServerSentEventMessage

from openbrain.api.principal import Principal
from openbrain.api.problems import problem_for
from openbrain.api.services import Services
from openbrain.auth.widget_tokens import same_visitor
from openbrain.domain.base import utcnow
from openbrain.domain.chat import ChatMessage, ChatReply
from openbrain.domain.errors import ForbiddenError, NotFoundError
from openbrain.domain.hours import humans_available
from openbrain.domain.session import ChatSession
from openbrain.domain.tenant import Plan
from openbrain.store import TenantStore

log = structlog.get_logger("openbrain.api.chat")
TokenSink = Callable[[str], None]


def check_client_id(principal: Principal, client_id: str | None) -> None:
    """The tenant comes from the credential; a body naming another one is refused."""
    if client_id is not None and client_id != principal.client_id:
        raise ForbiddenError("clientId in the body does not match the credential's tenant")


def widget_owns(session: ChatSession, *, origin: str, profile: str, visitor: str) -> bool:
    """Whether the widget visitor whose secret hashes to ``visitor`` started ``session`` on
    this page and profile: a session id, a publishable key and an origin are all public, the
    visitor's secret is not."""
    return (session.origin == origin and session.profile_name == profile
            and same_visitor(session.visitor_hash, visitor))



def visible_session(store: TenantStore, principal: Principal, session_id: str) -> ChatSession:
    """The session if this caller may use it; a widget may only reach sessions its own
    visitor started (and the one its token is bound to). Others look absent (404)."""
    session = store.sessions.require(session_id)
    grant = principal.grant
    if grant is not None and (
        not widget_owns(session, origin=grant.origin, profile=grant.profile,
                        visitor=grant.visitor_hash)
        or (grant.session_id is not None and grant.session_id != session_id)
    ):
        raise NotFoundError(f"session {session_id!r} does not exist")
    return session


def restrict_widget(principal: Principal, request: ChatMessage) -> ChatMessage:
    """A widget session token chats with its profile only, with no overrides."""
    grant = principal.grant
    if grant is None:
        return request
    if request.agent_config_overrides:
        raise ForbiddenError("a widget session may not override the profile")
    if request.channel is not None:
        raise ForbiddenError("channel: a widget's sessions are widget sessions; leave it out")
    if request.agent_config not in (None, grant.profile):
        raise ForbiddenError("a widget session may only chat with its own profile")
    session_id = request.session_id
    if grant.session_id is not None and session_id not in (None, grant.session_id):
        raise NotFoundError(f"session {session_id!r} does not exist")
    if session_id is None and not request.reset:
        session_id = grant.session_id
    return msgspec.structs.replace(request, agent_config=grant.profile, session_id=session_id)


class Prepared(msgspec.Struct, frozen=True):
    """A checked turn: the request, the session it continues as read by the checks (the
    executor takes it as is instead of reading it a second time), and the tenant's plan (its
    token budget)."""

    request: ChatMessage
    session: ChatSession | None = None
    plan: Plan | None = None


def prepare(services: Services, store: TenantStore, principal: Principal,
            request: ChatMessage) -> Prepared:
    """Every check before a turn: tenant, widget rules, session visibility, token budget."""
    check_client_id(principal, request.client_id)
    request = restrict_widget(principal, request)
    session = None
    if request.session_id is not None and not request.reset:
        session = visible_session(store, principal, request.session_id)
    tenant = services.tenants.get(store.client_id)
    plan = tenant.plan if tenant is not None else None
    if plan is not None:
        services.budget.check(store, plan)
    return Prepared(msgspec.structs.replace(request, client_id=store.client_id), session, plan)


def run_turn(services: Services, store: TenantStore, principal: Principal,
             turn: Prepared, on_token: TokenSink | None = None,
             idempotency_key: str | None = None) -> ChatReply:
    """One turn within the tenant's token budget; the executor logs it (one
    ``turn.committed`` or ``turn.started_session`` line per turn, with the session, profile
    and token counts). With ``idempotency_key``
    (the ``Idempotency-Key`` header), a request already answered returns that answer."""
    grant = principal.grant
    origin, visitor = (grant.origin, grant.visitor_hash) if grant else (None, None)
    budget = services.budget.for_tenant(store, turn.plan) if turn.plan is not None else None
    plan = turn.plan
    humans = plan is None or humans_available(plan.handoff, plan.business_hours, utcnow())
    return services.executor.chat(store, turn.request, origin=origin, visitor_hash=visitor,
                                  on_token=on_token,
                                  session=turn.session, budget=budget,
                                  idempotency_key=idempotency_key, humans_available=humans)


def _sse_json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


async def stream_turn(
    services: Services, store: TenantStore, principal: Principal, turn: Prepared,
    request_id: str | None, idempotency_key: str | None = None,
) -> AsyncIterator[ServerSentEventMessage]:
    """``token`` events as the model produces them, then ``done`` (the reply) or ``error``."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def post(kind: str, value: Any) -> None:
        # RuntimeError: the loop is gone (server shutting down), nobody is listening.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(queue.put_nowait, (kind, value))

    def work() -> None:
        try:
            reply = run_turn(services, store, principal, turn, lambda t: post("token", t),
                             idempotency_key)
        except Exception as exc:
            post("error", exc)
        else:
            post("done", reply)

    worker = loop.run_in_executor(None, work)
    try:
        while True:
            kind, value = await queue.get()
            if kind == "token":
                yield ServerSentEventMessage(event="token", data=_sse_json({"text": value}))
            elif kind == "done":
                yield ServerSentEventMessage(event="done", data=_sse_json(value))
                return
            else:
                problem = problem_for(value, None, request_id)
                if problem.status >= 500 and problem.status not in (502, 504):
                    log.error("stream_error", exc_info=value)
                yield ServerSentEventMessage(event="error", data=_sse_json(problem))
                return
    finally:
        if not worker.done():
            log.info("stream_client_gone")
