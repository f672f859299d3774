"""The tool-calling loop: ask the model, run the tools it asks for, repeat, answer.

A plain loop over ``model.bind_tools(...)`` (no LangGraph, no AgentExecutor): it enforces the
profile's limits and collects what the turn will commit (messages, lead, events, actions).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import structlog
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.messages import ToolCall as LCToolCall

from openbrain.agent.prompts import ITERATION_LIMIT_REPLY, WRITE_LIMIT_REPLY
from openbrain.agent.tokens import message_tokens, messages_tokens
from openbrain.agent.tools.registry import Tool, ToolContext, ToolError
from openbrain.agent.upstream import Model, call_model
from openbrain.domain.base import new_id
from openbrain.domain.errors import UpstreamTimeoutError
from openbrain.domain.event import Event, ToolAction
from openbrain.domain.lead import Lead
from openbrain.domain.session import Role, ToolCall

log = structlog.get_logger("openbrain.agent.loop")


@dataclass(frozen=True)
class Said:
    """A message the turn adds (before it gets its sequence number)."""

    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None


@dataclass
class LoopResult:
    reply: str = ""
    said: list[Said] = field(default_factory=list)
    lead: Lead | None = None
    lead_changed: bool = False
    events: list[Event] = field(default_factory=list)
    actions: list[ToolAction] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    iterations: int = 0
    tool_calls: int = 0


@dataclass(frozen=True, kw_only=True)
class Limits:
    max_iterations: int
    deadline: float  # time.monotonic() value
    max_execution_time: float
    request_timeout: float
    write_budget: int  # records the loop may still add to the turn's transaction
    record_tool_actions: bool
    retries: int = 0  # per model call, within the deadline


def _text(message: AIMessage) -> str:
    return str(message.text)


def _calls(answer: AIMessage) -> list[LCToolCall]:
    """Valid calls, plus malformed ones (bad JSON arguments) so each gets an error answer."""
    calls = [
        LCToolCall(name=c["name"], args=c["args"], id=c.get("id") or f"call_{new_id()}")
        for c in answer.tool_calls
    ]
    for bad in answer.invalid_tool_calls:
        calls.append(
            LCToolCall(name=bad.get("name") or "", args={}, id=bad.get("id") or f"call_{new_id()}")
        )
    return calls


def _bad_call_ids(answer: AIMessage) -> set[str]:
    return {c.get("id") or "" for c in answer.invalid_tool_calls}


class ToolLoop:
    def __init__(
        self, model: Model, tools: Sequence[Tool], limits: Limits, ctx: ToolContext
    ) -> None:
        self._model = model
        self._tools = {t.name: t for t in tools}
        self._limits = limits
        self._ctx = ctx

    def run(
        self, messages: list[BaseMessage], on_token: Callable[[str], None] | None = None
    ) -> LoopResult:
        result = LoopResult(lead=self._ctx.lead)
        limits = self._limits
        per_call = 2 if limits.record_tool_actions else 1
        for _ in range(limits.max_iterations):
            remaining = limits.deadline - time.monotonic()
            if remaining <= 0:
                raise UpstreamTimeoutError(
                    "the turn exceeded its maximum execution time "
                    f"({limits.max_execution_time:g} s)"
                )
            answer = call_model(
                self._model, messages,
                timeout=min(limits.request_timeout, remaining), on_token=on_token,
                deadline=limits.deadline, retries=limits.retries,
            )
            result.iterations += 1
            self._count(result, messages, answer)
            calls = _calls(answer)
            if not calls:
                result.reply = _text(answer)
                result.said.append(Said("assistant", result.reply))
                return result
            # Room for this request, its answers, their events and a final reply?
            need = 1 + len(calls) * (per_call + 1) + 1
            if len(result.said) + len(result.events) + len(result.actions) + need > (
                limits.write_budget
            ):
                return self._stop(result, WRITE_LIMIT_REPLY, on_token)
            messages.append(AIMessage(content=answer.content, tool_calls=calls))
            result.said.append(Said(
                "assistant", _text(answer),
                tuple(ToolCall(id=c["id"] or "", name=c["name"], args=c["args"]) for c in calls),
            ))
            bad = _bad_call_ids(answer)
            for call in calls:
                observation = self._run_tool(call, result, malformed=call["id"] in bad)
                call_id = call["id"] or ""
                messages.append(
                    ToolMessage(content=observation, tool_call_id=call_id, name=call["name"])
                )
                result.said.append(Said("tool", observation, (), call_id, call["name"]))
        return self._stop(result, ITERATION_LIMIT_REPLY, on_token)

    def _stop(
        self, result: LoopResult, reply: str, on_token: Callable[[str], None] | None
    ) -> LoopResult:
        """End the turn with a clear answer instead of failing it."""
        log.info("turn.limit_reached", iterations=result.iterations)
        if on_token is not None:
            on_token(reply)
        result.reply = reply
        result.said.append(Said("assistant", reply))
        return result

    def _count(self, result: LoopResult, messages: list[BaseMessage], answer: AIMessage) -> None:
        usage = answer.usage_metadata
        if usage and (usage.get("input_tokens") or usage.get("output_tokens")):
            result.input_tokens += usage.get("input_tokens", 0)
            result.output_tokens += usage.get("output_tokens", 0)
        else:  # the endpoint did not report usage: count approximately
            result.input_tokens += messages_tokens(messages)
            result.output_tokens += message_tokens(answer)

    def _run_tool(self, call: LCToolCall, result: LoopResult, *, malformed: bool) -> str:
        """Run one call; any failure becomes the observation the model sees next."""
        name = call["name"]
        result.tool_calls += 1
        error: str | None = None
        output: str | None = None
        tool = self._tools.get(name)
        started = time.perf_counter()
        try:
            if malformed:
                raise ToolError("the arguments were not valid JSON")
            if tool is None:
                raise ToolError(f"there is no tool named {name!r} in this conversation")
            outcome = tool.invoke(call["args"], self._ctx)
        except ToolError as exc:
            error = str(exc)
        except Exception as exc:  # a bug in a tool must not fail the whole turn
            # No traceback: its frames could carry the person's details into the logs.
            log.warning("tool.crashed", tool=name, error=type(exc).__name__)
            error = f"the tool {name} failed unexpectedly"
        else:
            output = outcome.output
            if outcome.lead is not None:
                self._ctx.lead = result.lead = outcome.lead
                result.lead_changed = True
            result.events.extend(outcome.events)
        log.info("tool.called", tool=name, ok=error is None,
                 ms=round((time.perf_counter() - started) * 1000, 2))
        if self._limits.record_tool_actions:
            result.actions.append(ToolAction(
                client_id=self._ctx.client_id, session_id=self._ctx.session_id,
                action_id=new_id(), tool=name, args=dict(call["args"]),
                output=output, error=error, created_at=self._ctx.now,
            ))
        return f"Error: {error}" if error is not None else (output or "")
