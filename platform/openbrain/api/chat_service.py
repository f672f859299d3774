"""Running chat turns for the API: tenant and widget rules, budgets, and SSE streaming.

A turn runs in a worker thread (the model and the store block). For streaming, one worker
runs the checks and then the turn (one thread hop); it frames each token as a whole SSE
event (bytes) and queues it; the event loop is woken only when it is not already about to
drain the queue, and writes what it finds in one chunk. If
the client goes away mid-stream, the turn still completes and commits (or not) on its own: a
disconnect never leaves half a turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
import structlog
from litestar.concurrency import get_asyncio_executor

from openbrain.api.framed_stream import Final
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
from openbrain.store import SessionRead, TenantStore

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
    return check_visible(principal, store.sessions.require(session_id))


def check_visible(principal: Principal, session: ChatSession) -> ChatSession:
    """``session`` if this caller may use it (see :func:`visible_session`), else 404."""
    session_id = session.session_id
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
    """A checked turn: the request, the session it continues as read by the checks with its
    newest messages (the executor takes it as is instead of reading it a second time), and
    the tenant's plan (its token budget)."""

    request: ChatMessage
    session: SessionRead | None = None
    plan: Plan | None = None


def prepare(services: Services, store: TenantStore, principal: Principal,
            request: ChatMessage) -> Prepared:
    """Every check before a turn: tenant, widget rules, session visibility, token budget."""
    check_client_id(principal, request.client_id)
    request = restrict_widget(principal, request)
    session = None
    if request.session_id is not None and not request.reset:
        session = store.sessions.for_turn(request.session_id)
        check_visible(principal, session.session)
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


_TOKEN_HEAD = b'event: token\r\ndata: {"text":'
_TOKEN_TAIL = b"}\r\n\r\n"


def token_frame(text: str) -> bytes:
    """``event: token`` with ``{"text": …}``, framed as Litestar's ``ServerSentEventMessage``
    framed it (JSON has no raw line breaks, so one ``data:`` line); no dict per token."""
    return _TOKEN_HEAD + msgspec.json.encode(text) + _TOKEN_TAIL


def event_frame(event: str, value: Any) -> bytes:
    return b"event: " + event.encode() + b"\r\ndata: " + msgspec.json.encode(value) + b"\r\n\r\n"


class _Frames:
    """Frames from the worker thread to the event loop. A token costs one append under a
    lock; the loop is woken (``call_soon_threadsafe``, a write to its self-pipe) only for the
    first frame after it drained the queue, so a burst of tokens is one wake-up and one
    write to the socket."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._frames: list[bytes] = []
        self._final: BaseException | Any = None
        self._finished = False
        self._checked = False
        self._woken = False
        self._ready = asyncio.Event()

    def checked(self) -> None:
        """The turn's checks passed: the stream may start."""
        with self._lock:
            self._checked = True
            wake, self._woken = not self._woken, True
        if wake:
            self._wake()

    def put(self, frame: bytes) -> None:
        with self._lock:
            self._frames.append(frame)
            wake, self._woken = not self._woken, True
        if wake:
            self._wake()

    def finish(self, final: BaseException | Any) -> None:
        """The turn's reply (or the exception it raised): the last thing the loop reads."""
        with self._lock:
            self._final, self._finished = final, True
            wake, self._woken = not self._woken, True
        if wake:
            self._wake()

    def _wake(self) -> None:
        # RuntimeError: the loop is gone (server shutting down), nobody is listening.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._ready.set)

    async def take(self) -> tuple[list[bytes], bool, Any, bool]:
        """The frames queued so far, whether the turn finished, its reply or error, and
        whether its checks passed."""
        await self._ready.wait()
        with self._lock:
            self._ready.clear()
            frames, self._frames, self._woken = self._frames, [], False
            return frames, self._finished, self._final, self._checked


async def stream_turn(
    services: Services, store: TenantStore, principal: Principal, request: ChatMessage,
    request_id: str | None, idempotency_key: str | None = None,
) -> AsyncIterator[bytes]:
    """Check the turn (``prepare``) and run it, both in one worker thread (one thread hop).
    Raises the checks' error, before anything is streamed (the route answers it as a
    problem detail); otherwise returns the stream: pre-framed SSE, ``token`` events as the
    model produces them, then ``done`` (the reply) or ``error`` (a problem detail)."""
    loop = asyncio.get_running_loop()
    frames = _Frames(loop)

    def work() -> None:
        try:
            turn = prepare(services, store, principal, request)
        except Exception as exc:
            frames.finish(exc)
            return
        except BaseException as exc:  # the loop must not wait for a worker that is gone
            frames.finish(exc)
            raise
        frames.checked()
        try:
            reply = run_turn(services, store, principal, turn,
                             lambda text: frames.put(token_frame(text)), idempotency_key)
        except Exception as exc:
            frames.finish(exc)
        else:
            frames.finish(reply)

    # The request's context (its request id and tenant in the log lines), as Litestar's
    # ``sync_to_thread`` gives a sync handler.
    context = contextvars.copy_context()
    worker = loop.run_in_executor(get_asyncio_executor(), context.run, work)
    ready, finished, final, checked = await frames.take()
    if not checked:  # the checks failed: ``final`` is their error
        raise final
    return _events(frames, (ready, finished, final), request_id, worker)


async def _events(frames: _Frames, first: tuple[list[bytes], bool, Any], request_id: str | None,
                  worker: asyncio.Future[None]) -> AsyncIterator[bytes]:
    ready, finished, final = first
    try:
        while True:
            if not finished:
                if ready:
                    yield b"".join(ready)
                ready, finished, final, _ = await frames.take()
                continue
            if isinstance(final, Exception):
                problem = problem_for(final, None, request_id)
                if problem.status >= 500 and problem.status not in (502, 504):
                    log.error("stream_error", exc_info=final)
                yield Final(b"".join([*ready, event_frame("error", problem)]))
            else:
                yield Final(b"".join([*ready, event_frame("done", final)]))
            return
    finally:
        if not finished:  # closed before the turn's end: the worker carries on alone
            log.info("stream_client_gone")
        del worker
