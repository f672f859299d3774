"""A turn counts its prompt's tokens once (``tokens.counted``): the budget's estimate and the
model's usage are the figures a fresh count gives."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from openbrain.agent import tokens
from openbrain.agent.budget import Settle
from openbrain.agent.executor import TurnExecutor
from openbrain.domain import ChatMessage
from openbrain.store import TenantStore
from tests.agent.conftest import save_profile

_ONE = tokens.message_tokens  # not the spy below


def _fresh(messages: Sequence[BaseMessage]) -> int:
    return sum(_ONE(m) for m in messages)


class Spy:
    """Counts which messages ``message_tokens`` was asked about (by identity)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[int] = []
        real = _ONE

        def spy(message: BaseMessage) -> int:
            self.seen.append(id(message))
            return real(message)

        monkeypatch.setattr(tokens, "message_tokens", spy)


PROMPT: list[BaseMessage] = [SystemMessage(content="You help."), HumanMessage(content="Hi"),
                             AIMessage(content="", tool_calls=[{"name": "calculator",
                                                                "args": {"expression": "1+1"},
                                                                "id": "c1"}]),
                             ToolMessage(content="2", tool_call_id="c1")]


def test_counted_reuses_the_count_for_the_same_messages_and_those_after(
        monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _fresh(PROMPT)
    more = [*PROMPT, HumanMessage(content="And 2+2?")]
    spy = Spy(monkeypatch)
    with tokens.counted(PROMPT[:2]) as total:
        assert total == _fresh(PROMPT[:2])
        spy.seen.clear()
        assert tokens.messages_tokens(list(PROMPT[:2])) == total  # a copy of the list
        assert spy.seen == []
        assert tokens.messages_tokens(more) == expected + _ONE(more[-1])
        assert spy.seen[:3] == [id(m) for m in more[2:]]  # only the messages after it
        spy.seen.clear()
        # equal messages that are other objects, fewer messages, another order: counted anew
        twin = [SystemMessage(content="You help."), HumanMessage(content="Hi")]
        assert tokens.messages_tokens(twin) == total
        assert len(spy.seen) == 2
        assert tokens.messages_tokens(PROMPT[:1]) == _fresh(PROMPT[:1])
        assert tokens.messages_tokens(PROMPT[1::-1]) == total
    spy.seen.clear()
    assert tokens.messages_tokens(PROMPT[:2]) == total  # the block is over
    assert len(spy.seen) == 2


class RecordingBudget:
    def __init__(self) -> None:
        self.estimates: list[int] = []
        self.settled: list[int] = []

    def reserve(self, estimate: int) -> Settle:
        self.estimates.append(estimate)
        return self.settled.append


@pytest.mark.parametrize("message", ["What are your opening hours?", "what is (2 + 3) * 4?"])
def test_a_turn_counts_each_message_once_with_a_fresh_counts_figures(
        offline: TurnExecutor, store: TenantStore, monkeypatch: pytest.MonkeyPatch,
        message: str) -> None:
    save_profile(store, model="offline", tools=["calculator"], max_iterations=3, max_tokens=100)
    first = offline.chat(store, ChatMessage(reset=True, message="Hello there"))
    prompts: list[int] = []
    real = tokens.messages_tokens

    def model_count(messages: Sequence[BaseMessage]) -> int:
        prompts.append(_fresh(messages))
        got = real(messages)
        assert got == prompts[-1]  # the figure a fresh count gives
        return got

    monkeypatch.setattr("openbrain.agent.offline.messages_tokens", model_count)
    spy = Spy(monkeypatch)
    budget = RecordingBudget()
    reply = offline.chat(store, ChatMessage(session_id=first.session_id, message=message),
                         budget=budget)
    assert spy.seen
    assert len(spy.seen) == len(set(spy.seen))  # no message counted twice
    assert reply.input_tokens == sum(prompts)
    assert budget.estimates == [3 * (prompts[0] + 100)]
    assert budget.settled == [reply.input_tokens + reply.output_tokens]
