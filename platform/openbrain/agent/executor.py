"""The turn executor: the ChatMessage protocol over sessions, the tool loop and one commit.

A turn reads the session with its summary and its newest messages (one query; a second
only when the last ``memoryWindow`` messages lie in more items than the first one read) and,
when the session holds one, its lead (one get): its cost does not grow with the session's
length. It writes messages, session, lead, outbox events and tool actions in
one transaction, then hands the events to the publisher, records token usage and queues the
session's compaction when one is due. An LLM failure writes nothing.
"""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import msgspec
import structlog
from langchain_core.language_models import BaseChatModel

from openbrain.agent.budget import TurnBudget, worst_case
from openbrain.agent.compaction import Compactor
from openbrain.agent.loop import Limits, LoopResult, Said, ToolLoop
from openbrain.agent.memory.window import history_size, reads_summary, system_text
from openbrain.agent.messages import prompt
from openbrain.agent.models import ModelFactory
from openbrain.agent.tokens import counted
from openbrain.agent.tools import Tool, ToolContext, ToolRegistry, default_registry
from openbrain.agent.upstream import Model
from openbrain.domain.agent_config import DEFAULT_PROFILE, apply_overrides
from openbrain.domain.base import new_id, utcnow
from openbrain.domain.chat import ChatMessage, ChatReply
from openbrain.domain.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    StoreBusyError,
)
from openbrain.domain.event import Event
from openbrain.domain.lead import Lead
from openbrain.domain.session import HELD, PREVIEW_CHARS, ChatSession, MemorySummary, Message
from openbrain.events.publisher import EventPublisher, hand_on
from openbrain.settings import Settings
from openbrain.store.driver import MAX_TRANSACT_ITEMS
from openbrain.store.sessions import SessionRead, TurnCommit
from openbrain.store.tenant_store import TenantStore

__all__ = ("TurnExecutor",)

log = structlog.get_logger("openbrain.agent.executor")

Clock = Callable[[], datetime]
_MAX_BINDINGS = 256  # (model, tool set) pairs; a reset only costs a rebuild
_MAX_PARKED = 1000  # answered turns awaiting a retry of their commit (oldest dropped first)
_PARKED_FOR = 600.0  # seconds: DynamoDB honours a ClientRequestToken for 10 minutes
_COMMIT_FLOOR = 2.0  # seconds the commit may take even when the model used the whole limit
RETRY_AFTER = 1  # seconds a caller waits before resending a turn the table was too busy for
TokenSink = Callable[[str], None]


class _Turn(msgspec.Struct, kw_only=True):
    """What a turn starts from: the session as read (version 0 for a new one) and its past."""

    session: ChatSession
    history: list[Message]
    lead: Lead | None = None
    summary: MemorySummary | None = None  # ``summary`` policy: the one in force when read
    opening: list[Message] = msgspec.field(default_factory=list)  # new session: ice breaker
    notice: str | None = None


class _Parked(msgspec.Struct, kw_only=True):
    """A turn the model answered but the table would not commit in time: kept, under the
    request's Idempotency-Key, so the retry commits it instead of calling the model again."""

    commit: TurnCommit
    reply: ChatReply
    result: LoopResult | None
    parked_at: float


class TurnExecutor:
    """Runs chat turns for any tenant; one instance serves every request (thread-safe)."""

    def __init__(
        self,
        *,
        settings: Settings,
        publisher: EventPublisher | None = None,
        tools: ToolRegistry | None = None,
        models: ModelFactory | None = None,
        clock: Clock = utcnow,
        compactor: Compactor | None = None,
    ) -> None:
        self._settings = settings
        self._publisher = publisher
        self._tools = tools if tools is not None else default_registry()
        self._models = models if models is not None else ModelFactory(settings)
        self._clock = clock
        self._compactor = compactor if compactor is not None else Compactor(self._models,
                                                                           clock=clock)
        self._bound: dict[tuple[int, tuple[str, ...]], tuple[BaseChatModel, Model]] = {}
        self._bound_lock = threading.Lock()
        self._parked: OrderedDict[tuple[str, str], _Parked] = OrderedDict()
        self._parked_lock = threading.Lock()

    @property
    def tools(self) -> ToolRegistry:
        return self._tools

    @property
    def compactor(self) -> Compactor:
        """Summarises ``summary``-policy sessions after their turns, in the background."""
        return self._compactor

    def close(self, timeout: float = 10.0) -> None:
        """Finish queued compactions within ``timeout`` (later turns redo what is left)."""
        self._compactor.close(timeout)

    def chat(
        self,
        store: TenantStore,
        request: ChatMessage,
        *,
        origin: str | None = None,
        visitor_hash: str | None = None,
        on_token: TokenSink | None = None,
        session: SessionRead | None = None,
        budget: TurnBudget | None = None,
        idempotency_key: str | None = None,
        humans_available: bool = True,
    ) -> ChatReply:
        """Answer one ChatMessage. ``reply.events`` lists the types of the events it emitted.

        ``idempotency_key``: the caller's ``Idempotency-Key``. The reply is committed with the
        turn under it; the same request sent again with it returns that reply without
        running the turn again (a turn whose commit never happened runs, or commits the
        answer this process kept for it). ``origin`` and ``visitor_hash``: the widget page and
        visitor a new session belongs to.

        ``session``: the session ``request.session_id`` names with its newest messages
        (``for_turn``), when the caller has just read it (the API's checks do); the turn then
        skips its own read. The version check at
        commit still catches a turn that committed in between (409). ``budget``: the
        tenant's token budget; a turn that calls the model reserves its worst case first.
        ``humans_available``: whether a hand-off can reach a person now (the tenant's plan);
        if not, ``connect_with_agent`` tells the model to take contact details instead.

        While the session waits for or is held by an operator, the message is stored for
        them and the model is not called (``reply.control`` says so, ``message`` is empty).

        Raises:
            NotFoundError: unknown profile or session (or an expired session).
            InvalidError: refused overrides, no message to continue with, unknown tools.
            ForbiddenError: ``clientId`` names another tenant than the store's.
            RateLimitedError: the token budget is used up; nothing written.
            ConflictError: another turn on this session committed first, or the session
                was closed; nothing written.
            UpstreamError, UpstreamTimeoutError: the LLM failed; nothing written.
            StoreBusyError: the table kept throttling past the turn's time; nothing written
                (with a key, the answer is kept for the retry).
        """
        started = time.perf_counter()
        if request.client_id is not None and request.client_id != store.client_id:
            raise ForbiddenError("clientId does not match the tenant of this credential")
        if idempotency_key is not None:
            done = self._replay(store, request, idempotency_key)
            if done is not None:
                return done
        now = self._clock()
        if request.reset or request.session_id is None:
            turn = self._start(store, request, origin, visitor_hash, now)
            if request.message is None:
                return self._greet(store, turn, request, now, on_token, started,
                                   idempotency_key)
        else:
            turn = self._resume(store, request, now, session)
            if turn.session.control != "agent":
                return self._hold(store, turn, request, now, started, idempotency_key)
        assert request.message is not None
        return self._answer(store, turn, request, now, on_token, started, budget,
                            idempotency_key, humans_available)

    # -- reading ---------------------------------------------------------------------------

    def _start(
        self, store: TenantStore, request: ChatMessage, origin: str | None,
        visitor_hash: str | None, now: datetime,
    ) -> _Turn:
        profile = store.configs.require(request.agent_config or DEFAULT_PROFILE)
        config = apply_overrides(profile, request.agent_config_overrides)
        self._tools.check(config.tools)
        session = ChatSession(
            client_id=store.client_id, session_id=new_id(), profile_name=profile.profile_name,
            config=config, version=0, origin=origin, visitor_hash=visitor_hash,
            channel="widget" if visitor_hash is not None else request.channel or "api",
            created_at=now, updated_at=now,
        )
        opening = []
        if config.ice_breaker:
            opening.append(self._message(session, 0, Said("assistant", config.ice_breaker), now))
        notice = self._models.for_config(config).notice
        return _Turn(session=session, history=list(opening), opening=opening, notice=notice)

    def _resume(
        self, store: TenantStore, request: ChatMessage, now: datetime,
        read: SessionRead | None,
    ) -> _Turn:
        assert request.session_id is not None
        if request.message is None:
            raise InvalidError(
                "message is required to continue a session (send reset: true to start one)"
            )
        if request.agent_config_overrides:
            raise InvalidError(
                "agentConfigOverrides apply when a session starts; send reset: true with them"
            )
        if read is None:
            read = store.sessions.for_turn(request.session_id)
        session = read.session
        if (session.client_id, session.session_id) != (store.client_id, request.session_id):
            raise ValueError("the session given does not match the request's tenant and session")
        if session.expires_at is not None and session.expires_at <= now:
            raise NotFoundError(
                f"session {session.session_id!r} has expired; send reset: true to start a new one"
            )
        if request.agent_config and request.agent_config != session.profile_name:
            raise InvalidError(
                f"session {session.session_id!r} runs profile {session.profile_name!r}; "
                "send reset: true to start a session with another profile"
            )
        summary = read.summary if reads_summary(session.config, session.message_count) else None
        history = store.sessions.window_of(
            read, history_size(session.config, session.message_count, summary))
        lead = store.leads.get(session.lead_id) if session.lead_id else None
        return _Turn(session=session, history=history, lead=lead, summary=summary)

    # -- running ---------------------------------------------------------------------------

    def _greet(
        self, store: TenantStore, turn: _Turn, request: ChatMessage, now: datetime,
        on_token: TokenSink | None, started: float, idempotency_key: str | None,
    ) -> ChatReply:
        """A new session without a message: store and answer the ice breaker (no model call)."""
        text = turn.session.config.ice_breaker
        if on_token is not None and text:
            on_token(text)
        session = self._advance(turn.session, now, len(turn.opening), turns=0, result=None)
        reply = self._reply(session, text, None, (), notice=turn.notice)
        commit = TurnCommit(session=session, messages=turn.opening)
        deadline = time.monotonic() + session.config.max_execution_time
        reply = self._commit(store, request, commit, reply, None, deadline, idempotency_key,
                             now)
        log.info("turn.started_session", client_id=store.client_id,
                 session_id=session.session_id, profile=session.profile_name,
                 ms=_ms(started))
        return reply

    def _hold(
        self, store: TenantStore, turn: _Turn, request: ChatMessage, now: datetime,
        started: float, idempotency_key: str | None,
    ) -> ChatReply:
        """A hand-off is pending or an operator holds the session: store the visitor's
        message for them (their stream shows it) without calling the model."""
        assert request.message is not None
        session = turn.session
        if session.control not in HELD:
            raise ConflictError(f"session {session.session_id!r} was closed; "
                                "send reset: true to start a new conversation")
        user = self._message(session, session.message_count, Said("user", request.message),
                             now)
        updated = self._advance(session, now, 1, turns=0, result=None)
        reply = self._reply(updated, "", turn.lead, ())
        commit = TurnCommit(session=updated, messages=[user])
        deadline = time.monotonic() + session.config.max_execution_time
        reply = self._commit(store, request, commit, reply, None, deadline, idempotency_key,
                             now)
        log.info("turn.held", client_id=store.client_id, session_id=session.session_id,
                 control=session.control, ms=_ms(started))
        return reply

    def _answer(
        self, store: TenantStore, turn: _Turn, request: ChatMessage, now: datetime,
        on_token: TokenSink | None, started: float, token_budget: TurnBudget | None = None,
        idempotency_key: str | None = None, humans_available: bool = True,
    ) -> ChatReply:
        assert request.message is not None
        session, config = turn.session, turn.session.config
        choice = self._models.for_config(config)
        tools = self._tools.select(config.tools)
        ctx = ToolContext(client_id=store.client_id, session_id=session.session_id, now=now,
                          facts=request.context, lead=turn.lead,
                          humans_available=humans_available)
        system = system_text(session, turn.lead, turn.summary)
        first_seq = session.message_count + len(turn.opening)
        user = self._message(session, first_seq, Said("user", request.message), now)
        messages = prompt(system, [*turn.history, user])
        # session + listing entry + opening + user message + lead + kept reply + inbox entry:
        # the rest is the loop's
        budget = MAX_TRANSACT_ITEMS - 6 - len(turn.opening)
        limits = Limits(
            max_iterations=config.max_iterations,
            deadline=time.monotonic() + config.max_execution_time,
            max_execution_time=config.max_execution_time,
            request_timeout=self._models.timeout(config),
            write_budget=budget,
            record_tool_actions=config.record_tool_actions,
            retries=self._models.retries,
        )
        model = self._bind(choice.model, tools)
        loop = ToolLoop(model, tools, limits, ctx)
        with counted(messages) as prompt_tokens:  # once, for the budget and the model
            result = _within_budget(token_budget, worst_case(config, prompt_tokens),
                                    lambda: loop.run(messages, on_token))

        new_messages = [
            *turn.opening,
            user,
            *(self._message(session, first_seq + 1 + i, s, now) for i, s in enumerate(result.said)),
        ]
        updated = self._advance(session, now, len(new_messages), turns=1, result=result)
        handoff = any(e.detail_type == "handoff.requested" for e in result.events)
        if handoff:  # connect_with_agent reached a person: the session waits for them
            updated = msgspec.structs.replace(updated, control="waiting", handoff_at=now)
        if updated.preview is None:  # the session item is written anyway: no extra write
            updated = msgspec.structs.replace(updated,
                                              preview=request.message[:PREVIEW_CHARS])
        reply = self._reply(updated, result.reply, result.lead, result.events, result,
                            notice=turn.notice)
        commit = TurnCommit(
            session=updated,
            messages=new_messages,
            lead=result.lead if result.lead_changed else None,
            events=result.events,
            tool_actions=result.actions,
            control_changed=handoff,
        )
        reply = self._commit(store, request, commit, reply, result, limits.deadline,
                             idempotency_key, now)
        self._compactor.schedule(store, updated, turn.summary)
        log.info(
            "turn.committed", client_id=store.client_id, session_id=updated.session_id,
            profile=updated.profile_name, model=choice.name, version=updated.version,
            iterations=result.iterations, tool_calls=result.tool_calls,
            events=len(result.events), messages=len(new_messages),
            input_tokens=result.input_tokens, output_tokens=result.output_tokens,
            ms=_ms(started),
        )
        return reply

    def _bind(self, model: BaseChatModel, tools: Sequence[Tool]) -> Model:
        """``model.bind_tools(...)`` for these tools, built once per model and tool set: the
        binding is immutable, and building it (tool schemas included) costs more than the
        rest of a turn's preparation."""
        if not tools:
            return model
        key = (id(model), tuple(t.name for t in tools))
        with self._bound_lock:
            found = self._bound.get(key)
        # The entry holds the model, so its id cannot be reused while the entry exists.
        if found is not None and found[0] is model:
            return found[1]
        bound = model.bind_tools([t.openai_spec() for t in tools])
        with self._bound_lock:
            if len(self._bound) >= _MAX_BINDINGS:
                self._bound.clear()
            self._bound[key] = (model, bound)
        return bound

    # -- committing ------------------------------------------------------------------------

    def _commit(
        self, store: TenantStore, request: ChatMessage, commit: TurnCommit, reply: ChatReply,
        result: LoopResult | None, deadline: float, key: str | None, now: datetime,
    ) -> ChatReply:
        """Commit the turn (with the reply under ``key``), retrying a busy table until the
        turn's deadline; then publish its events and count its usage. Returns the reply:
        this one, or the one a concurrent request with the same key committed first.

        Raises:
            StoreBusyError: still busy at the deadline. With a key the answer is parked for
                the retry; without one it is dropped whole (nothing was written).
            ConflictError: another turn committed first (a real conflict, never retried).
        """
        if key is not None:
            stored = store.idempotency.record(key, request, reply, now)
            commit = msgspec.structs.replace(commit, stored_reply=stored)
        try:
            self._commit_until(store, commit, max(deadline, time.monotonic() + _COMMIT_FLOOR))
        except ConflictError:
            first = store.idempotency.find(key, request) if key is not None else None
            if first is None:
                raise
            return first
        except StoreBusyError as exc:
            if key is None:
                raise StoreBusyError(
                    "the store is too busy to save this turn; nothing was saved. Send it again "
                    f"after {RETRY_AFTER}s (with an Idempotency-Key header, a retry never runs "
                    "the model twice)", RETRY_AFTER) from exc
            self._park(store, key, _Parked(commit=commit, reply=reply, result=result,
                                           parked_at=time.monotonic()))
            log.warning("turn.commit_deferred", client_id=store.client_id,
                        session_id=commit.session.session_id)
            raise StoreBusyError(
                f"the answer is ready but the store is too busy to save it; send the same "
                f"request again with the same Idempotency-Key after {RETRY_AFTER}s to get it",
                RETRY_AFTER) from exc
        self._after_commit(store, commit, result)
        return reply

    @staticmethod
    def _commit_until(store: TenantStore, commit: TurnCommit, deadline: float) -> None:
        """``commit_turn`` until it is applied or the deadline comes. Every attempt sends the
        same transaction, hence the same ClientRequestToken: it is applied at most once."""
        attempt = 0
        while True:
            try:
                store.sessions.commit_turn(commit)
                return
            except StoreBusyError:
                wait = random.uniform(0, min(1.0, 0.05 * 2**attempt))
                if time.monotonic() + wait >= deadline:
                    raise
                attempt += 1
                time.sleep(wait)

    def _after_commit(self, store: TenantStore, commit: TurnCommit,
                      result: LoopResult | None) -> None:
        if result is None:
            return
        hand_on(self._publisher, store.client_id, result.events)
        self._record_usage(store, commit.session, commit.session.updated_at, result)

    def _replay(self, store: TenantStore, request: ChatMessage, key: str) -> ChatReply | None:
        """The reply already made for this key: committed, or parked here and committed now.

        Raises:
            InvalidError: the key was used with another request.
            StoreBusyError: the parked answer still cannot be saved.
        """
        found = store.idempotency.find(key, request)
        if found is not None:
            log.info("turn.replayed", client_id=store.client_id, session_id=found.session_id)
            return found
        with self._parked_lock:
            parked = self._parked.pop((store.client_id, key), None)
        if parked is None or time.monotonic() - parked.parked_at > _PARKED_FOR:
            return None
        limit = parked.commit.session.config.max_execution_time
        try:
            self._commit_until(store, parked.commit, time.monotonic() + limit)
        except StoreBusyError as exc:
            self._park(store, key, parked)
            raise StoreBusyError(
                f"the answer is ready but the store is still too busy to save it; send the "
                f"same request again with the same Idempotency-Key after {RETRY_AFTER}s",
                RETRY_AFTER) from exc
        except ConflictError:
            # Another turn moved the session on (or a concurrent retry committed this one).
            return store.idempotency.find(key, request)
        self._after_commit(store, parked.commit, parked.result)
        log.info("turn.committed_on_retry", client_id=store.client_id,
                 session_id=parked.reply.session_id)
        return parked.reply

    def _park(self, store: TenantStore, key: str, parked: _Parked) -> None:
        with self._parked_lock:
            self._parked[store.client_id, key] = parked
            while len(self._parked) > _MAX_PARKED:
                self._parked.popitem(last=False)

    # -- writing ---------------------------------------------------------------------------

    def _advance(
        self, session: ChatSession, now: datetime, added: int, *, turns: int,
        result: LoopResult | None,
    ) -> ChatSession:
        lead_id = session.lead_id
        if result is not None and result.lead is not None:
            lead_id = result.lead.lead_id
        return msgspec.structs.replace(
            session,
            version=session.version + 1,
            message_count=session.message_count + added,
            turn_count=session.turn_count + turns,
            input_tokens=session.input_tokens + (result.input_tokens if result else 0),
            output_tokens=session.output_tokens + (result.output_tokens if result else 0),
            lead_id=lead_id,
            updated_at=now,
            expires_at=now + timedelta(days=self._settings.session_ttl_days),
        )

    @staticmethod
    def _message(session: ChatSession, seq: int, said: Said, now: datetime) -> Message:
        return Message(
            client_id=session.client_id, session_id=session.session_id, seq=seq,
            role=said.role, content=said.content, tool_calls=list(said.tool_calls),
            tool_call_id=said.tool_call_id, name=said.name, created_at=now,
        )

    def _record_usage(
        self, store: TenantStore, session: ChatSession, now: datetime, result: LoopResult
    ) -> None:
        try:
            store.usage.record(
                now.date().isoformat(), session.profile_name, turns=1,
                input_tokens=result.input_tokens, output_tokens=result.output_tokens,
                spread=session.session_id,
                # The model that answered (offline when it stood in): what the tokens cost.
                model=self._models.for_config(session.config).name,
            )
        except Exception as exc:  # the turn is committed: a lost counter must not undo it
            log.warning("usage.record_failed", client_id=store.client_id,
                        error=type(exc).__name__)

    @staticmethod
    def _reply(
        session: ChatSession, text: str, lead: Lead | None, events: Sequence[Event],
        result: LoopResult | None = None, *, notice: str | None = None,
    ) -> ChatReply:
        return ChatReply(
            session_id=session.session_id,
            message=text,
            profile_name=session.profile_name,
            profile_version=session.config.version,
            lead=lead,
            events=[e.detail_type for e in events],
            input_tokens=result.input_tokens if result else 0,
            output_tokens=result.output_tokens if result else 0,
            control=session.control,
            notice=notice,
        )


def _within_budget(budget: TurnBudget | None, estimate: int,
                   run: Callable[[], LoopResult]) -> LoopResult:
    """Run the loop on ``estimate`` tokens reserved from ``budget``, settled with the real
    count (nothing when the model failed: a failed turn records no usage either)."""
    if budget is None:
        return run()
    settle = budget.reserve(estimate)
    used = 0
    try:
        result = run()
        used = result.input_tokens + result.output_tokens
    finally:
        settle(used)
    return result


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
