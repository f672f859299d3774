"""Memory that outlives the window: facts on file every turn, incremental summaries made off
the turn's path, and the offline model answering from both."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import msgspec
import pytest

from openbrain.agent.executor import TurnExecutor
from openbrain.agent.memory.offline_recall import summary_of
from openbrain.agent.memory.summarise import summary_request
from openbrain.agent.prompts import SUMMARY_HEADING, SUMMARY_INSTRUCTIONS
from openbrain.domain import ChatMessage
from openbrain.settings import Settings
from openbrain.store import TenantStore
from tests.agent.conftest import CountingDriver, save_profile
from tests.agent.fake_llm import FakeLLM, Hang, Status, Text
from tests.agent.memory_support import converse, manual_executor

NAME = "My name is Robert Paulson, e-mail bob@paper.example"
FILLER = [f"Tell me about plan number {i}." for i in range(60)]


def _summary_profile(store: TenantStore, **fields: object) -> None:
    save_profile(store, tools=[], memory_policy="summary", memory_window=4,
                 summary_threshold=6, **fields)


def test_the_offline_model_names_the_person_from_the_lead_beyond_the_window(
        offline: TurnExecutor, store: TenantStore) -> None:
    """Window policy: the message that gave the name fell out of the window, the lead holds
    it, and the facts on file reach the model every turn."""
    save_profile(store, memory_window=4)
    first = converse(offline, store, ["Hi, my name is Robert Paulson"])[0]
    assert first.lead is not None
    converse(offline, store, FILLER[:10], first.session_id)
    asked = converse(offline, store, ["What is my name?", "What is my e-mail?"],
                     first.session_id)
    assert asked[0].message == "Your name is Robert Paulson."
    assert asked[1].message == "I don't know your e-mail address yet. Would you like to tell me?"


def test_a_window_without_a_summary_forgets(offline_settings: Settings,
                                            store: TenantStore) -> None:
    executor, compactor = manual_executor(offline_settings)
    save_profile(store, tools=[], memory_window=4)
    replies = converse(executor, store, [NAME, *FILLER[:10], "What is my name?"],
                       compactor=compactor)
    assert replies[-1].message == "I don't know your name yet. Would you like to tell me?"


def test_a_summary_keeps_the_first_turns_fact(offline_settings: Settings,
                                              store: TenantStore) -> None:
    """Summary policy: the name given in the first turn is recalled 60 turns later, from a
    summary made incrementally; the transcript still holds every message."""
    executor, compactor = manual_executor(offline_settings)
    _summary_profile(store)
    replies = converse(executor, store, [NAME, *FILLER], compactor=compactor)
    session_id = replies[0].session_id
    asked = converse(executor, store, ["What is my name?", "What's my email?"], session_id)
    assert asked[0].message == "Your name is Robert Paulson."
    assert asked[1].message == "Your e-mail address is bob@paper.example."

    session = store.sessions.require(session_id)
    summary = store.memory.latest(session_id)
    assert summary is not None
    assert summary.model == "offline"
    # the summary stays within the window's reach (two turns ran since the last step)
    assert session.message_count - (summary.through_seq + 1) <= 4 + 4
    assert "- Full name: Robert Paulson" in summary.text
    assert "- Email: bob@paper.example" in summary.text
    assert summary.version > 5  # one summary per range, each from the previous one
    messages, _ = store.sessions.transcript(session_id, limit=1000)
    assert [m.seq for m in messages] == list(range(session.message_count))
    usage = store.usage.list()
    assert sum(u.turns for u in usage) == 63
    assert sum(u.input_tokens for u in usage) > sum(r.input_tokens for r in replies + asked)


def test_the_offline_summary_is_deterministic_and_bounded() -> None:
    request = summary_request(None, [])
    first = summary_of(str(request[1].content) + "user: My name is Ann Lee\nuser: hi")
    again = summary_of(str(request[1].content) + "user: My name is Ann Lee\nuser: hi")
    assert first == again
    text = first
    for i in range(200):
        text = summary_of(f"Summary so far:\n{text}\n\nMessages to add:\nuser: {'x' * 500} {i}")
    assert "- Full name: Ann Lee" in text
    assert len(text) < 800


def test_a_turns_cost_and_prompt_stay_flat(offline_settings: Settings, store: TenantStore,
                                           driver: CountingDriver) -> None:
    """Storage calls of a turn are the same at turn 12 and turn 120; its prompt is bounded."""
    executor, compactor = manual_executor(offline_settings)
    _summary_profile(store)
    session_id = converse(executor, store, [NAME], compactor=compactor)[0].session_id
    calls: list[dict[str, int]] = []
    prompts: list[int] = []
    for i in range(120):
        driver.reset()
        reply = executor.chat(store, ChatMessage(message=FILLER[i % 60], session_id=session_id))
        calls.append(dict(driver.calls))
        prompts.append(reply.input_tokens)
        compactor.run()
    # one read of session, summary and window together, the commit, the usage
    assert calls[12] == calls[119] == {"query_range": 1, "transact": 1, "increment": 1}
    assert max(prompts[30:]) <= max(prompts[12:30])


def _online_profile(store: TenantStore) -> None:
    """A window of 6; a summary step takes in the window's oldest 4 once the messages no
    summary covers fill it."""
    save_profile(store, tools=[], memory_policy="summary", memory_window=6,
                 summary_threshold=4)


def test_the_summary_call_goes_through_the_openai_compatible_client(
        online_settings: Settings, store: TenantStore, llm: FakeLLM) -> None:
    """The summary request goes to the endpoint with the previous summary and only the
    messages since; the next turn's prompt is system (with the summary) + window; the
    summaries' tokens count."""
    executor, compactor = manual_executor(online_settings)
    _online_profile(store)
    replies = converse(executor, store, [NAME, FILLER[0]])  # 5 messages: the window has room
    session_id = replies[0].session_id
    assert compactor.queued == []
    llm.then(Text("OK."), Text("Robert Paulson asked about plans."))
    converse(executor, store, [FILLER[1]], session_id)  # 7 messages: the summary is due
    assert compactor.run()[0].text == "Robert Paulson asked about plans."
    first = llm.requests[-1]["messages"]
    assert first[0] == {"role": "system", "content": SUMMARY_INSTRUCTIONS}
    assert first[1]["content"] == (
        "Summary so far:\n(none yet)\n\nMessages to add:\nassistant: Hi! How can I help?\n"
        f"user: {NAME}\nassistant: OK.\nuser: {FILLER[0]}\nassistant: OK.")

    llm.then(Text("OK."), Text("OK."), Text("Robert Paulson, plans 0 to 2."))
    converse(executor, store, FILLER[2:4], session_id)
    summary = compactor.run()[0]
    second = llm.requests[-1]["messages"][1]["content"]
    assert second.startswith("Summary so far:\nRobert Paulson asked about plans.\n")
    assert NAME not in second  # incremental: never the whole transcript
    assert (summary.through_seq, summary.version) == (8, 2)

    converse(executor, store, ["And now?"], session_id)
    sent = llm.requests[-1]["messages"]
    assert f"{SUMMARY_HEADING} (messages 1 to 9):\nRobert Paulson, plans 0 to 2." in (
        sent[0]["content"])
    assert len(sent) == 1 + 6 + 1  # system, the window, the new message
    usage = store.usage.list()
    assert sum(u.turns for u in usage) == 6
    assert sum(u.input_tokens for u in usage) == 11 * 8  # six turns and two summaries


def test_a_failed_summary_keeps_the_previous_one(online_settings: Settings,
                                                 store: TenantStore, llm: FakeLLM) -> None:
    executor, compactor = manual_executor(online_settings)
    _online_profile(store)
    session_id = converse(executor, store, [NAME, FILLER[0]])[0].session_id
    llm.then(Text("OK."), Text("First summary."))
    converse(executor, store, [FILLER[1]], session_id, compactor=compactor)
    before = store.memory.latest(session_id)
    assert before is not None

    llm.then(Text("OK."), Text("OK."), Text("OK."), Status(500))
    converse(executor, store, FILLER[2:5], session_id)
    assert compactor.run() == []
    assert store.memory.latest(session_id) == before
    reply = converse(executor, store, ["Still there?"], session_id)[0]
    assert reply.message == "OK."
    sent = llm.requests[-1]["messages"]
    assert "First summary." in sent[0]["content"]
    # the late summary leaves nothing out: the history reaches back to its end
    assert len(sent) == 1 + 8 + 1
    # the failed session waits before it is tried again, so a failing model is not
    # asked on every turn
    assert compactor.queued == []


def test_two_workers_store_one_summary_per_range(online_settings: Settings,
                                                 store: TenantStore, llm: FakeLLM) -> None:
    executor, compactor = manual_executor(online_settings)
    _online_profile(store)
    replies = converse(executor, store, [NAME, *FILLER[:2]])
    session = store.sessions.require(replies[0].session_id)
    llm.then(Hang(10), Hang(10))
    results: list[object] = []
    workers = [threading.Thread(target=lambda: results.append(compactor.compact(store, session)))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    _wait_for(lambda: len(llm.requests) == 5)
    llm.release.set()
    for worker in workers:
        worker.join(10)
    assert sorted(r is None for r in results) == [False, True]
    summary = store.memory.latest(session.session_id)
    assert summary is not None
    assert (summary.version, summary.text) == (1, "late")
    # both calls were paid for, so both count
    assert sum(u.input_tokens for u in store.usage.list()) == 11 * 5


def test_compaction_never_holds_up_a_turn(online: TurnExecutor, store: TenantStore,
                                          llm: FakeLLM) -> None:
    """The background worker summarises while the visitor's turns go on."""
    _online_profile(store)
    session_id = converse(online, store, [NAME, FILLER[0]])[0].session_id
    llm.then(Text("OK."), Hang(10))
    converse(online, store, [FILLER[1]], session_id)  # queues the summary
    _wait_for(lambda: len(llm.requests) == 4)  # the summary request is being answered
    started = time.monotonic()
    later = converse(online, store, FILLER[2:4], session_id)
    assert time.monotonic() - started < 2
    assert [r.message for r in later] == ["OK.", "OK."]
    assert store.memory.latest(session_id) is None  # still being made
    llm.release.set()
    online.compactor.drain(10)
    summary = store.memory.latest(session_id)
    assert summary is not None
    assert summary.text == "late"


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_pending_hand_off_is_a_fact_of_the_system_message(
        online: TurnExecutor, store: TenantStore, llm: FakeLLM) -> None:
    from openbrain.agent.memory.window import system_text
    from tests.agent.fake_llm import Calls

    save_profile(store, tools=["connect_with_agent"], memory_window=2)
    llm.then(Calls([("connect_with_agent", {"reason": "asked"})]), Text("Connecting you."))
    first = converse(online, store, ["Can I talk to a human?"])[0]
    session = store.sessions.require(first.session_id)
    assert session.control == "waiting"
    assert session.handoff_at is not None
    assert "- Hand-off: requested at " in system_text(session, None, None)
    released = msgspec.structs.replace(session, control="agent", handoff_at=None)
    assert "Hand-off" not in system_text(released, None, None)


@pytest.mark.parametrize("policy", ["window", "summary"])
def test_the_policy_is_a_profile_setting(store: TenantStore, policy: str) -> None:
    save_profile(store, memory_policy=policy)
    assert store.configs.require("default").memory_policy == policy
