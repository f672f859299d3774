"""The issue's acceptance: a 2,000-turn conversation recalls at its end a fact given in its
first turn, offline and through the OpenAI-compatible client, with the same storage calls
per turn and a bounded prompt throughout."""

from __future__ import annotations

from typing import Any

from openbrain.agent.prompts import SUMMARY_INSTRUCTIONS
from openbrain.domain import AgentSettings
from openbrain.settings import Settings
from openbrain.store import TenantStore
from tests.agent.conftest import CountingDriver
from tests.agent.fake_llm import FakeLLM, Step, Text
from tests.agent.memory_support import converse, manual_executor

TURNS = 2_000
NAME = "Robert Paulson"


def _long_conversation(settings: Settings, store: TenantStore,
                       driver: CountingDriver) -> tuple[str, list[int]]:
    """2,000 turns under ``summary`` (window 20, summaries of 20): the answer to the last
    one, and the prompt tokens of every turn; every turn past the window costs the same
    storage calls."""
    executor, compactor = manual_executor(settings)
    store.configs.save("default", AgentSettings(model="test-model", memory_policy="summary",
                                                memory_window=20, summary_threshold=20))
    session_id = converse(executor, store, [f"My name is {NAME}"],
                          compactor=compactor)[0].session_id
    prompts: list[int] = []
    costs: set[tuple[tuple[str, int], ...]] = set()
    for n in range(2, TURNS):
        driver.reset()
        prompts.append(converse(executor, store, [f"Tell me about plan {n}."],
                                session_id)[0].input_tokens)
        if n > 10:
            costs.add(tuple(sorted(driver.calls.items())))
        compactor.run()
    assert costs == {(("increment", 1), ("query_range", 1), ("transact", 1))}
    summary = store.memory.latest(session_id)
    assert summary is not None
    assert summary.version == 1 + (2 * TURNS - 1 - 20) // 20  # a step every 20 messages
    last = converse(executor, store, ["What is my name?"], session_id)[0]
    messages, _ = store.sessions.transcript(session_id, limit=1000)
    assert messages[1].content == f"My name is {NAME}"  # the transcript keeps everything
    return last.message, prompts


def test_offline_two_thousand_turns_recall_the_first(offline_settings: Settings,
                                                     store: TenantStore,
                                                     driver: CountingDriver) -> None:
    answer, prompts = _long_conversation(offline_settings, store, driver)
    assert answer == f"Your name is {NAME}."
    assert max(prompts[20:]) <= prompts[20] + 150  # the summary's few lines, no more


def _reading_model(body: dict[str, Any]) -> Step:
    """An endpoint that summarises by keeping the name it was told, and answers from its
    prompt: what a real model does with the summary, made checkable."""
    messages = body["messages"]
    if messages[0]["content"] == SUMMARY_INSTRUCTIONS:
        told = NAME in messages[1]["content"]
        return Text(f"The person is {NAME}." if told else "Small talk only.")
    if messages[-1]["content"] == "What is my name?":
        prompt = " ".join(str(m.get("content") or "") for m in messages[:-1])
        return Text(f"Your name is {NAME}." if NAME in prompt else "I don't know.")
    return Text("OK.")


def test_openai_compatible_two_thousand_turns_recall_the_first(
        online_settings: Settings, store: TenantStore, driver: CountingDriver,
        llm: FakeLLM) -> None:
    llm.answer = _reading_model
    answer, _ = _long_conversation(online_settings, store, driver)
    assert answer == f"Your name is {NAME}."
    last = llm.requests[-1]["messages"]
    assert len(last) == 1 + 20 + 1  # system (with the summary), the window, the question
    assert f"The person is {NAME}." in last[0]["content"]
    assert all(f"My name is {NAME}" not in str(m["content"]) for m in last[1:])
    summaries = [r for r in llm.requests if r["messages"][0]["content"] == SUMMARY_INSTRUCTIONS]
    assert len(summaries) == (2 * TURNS - 1 - 20) // 20 + 1
    # incremental: each summary request carries one step's messages, never the transcript
    assert max(len(r["messages"][1]["content"]) for r in summaries) < 2_000
