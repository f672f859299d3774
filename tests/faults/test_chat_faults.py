"""Chat turns over HTTP while DynamoDB throttles: answered within the time limit, or a 503
with Retry-After that the same request with the same Idempotency-Key resolves without a
second model call; transcripts hold exactly the answered turns."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.agent.fake_llm import FakeLLM, Text, serving
from tests.faults.chat_world import ChatWorld, chat_world
from tests.faults.proxy import FaultProxy, Rule

pytestmark = pytest.mark.aws

SESSIONS, TURNS = 8, 5


@pytest.fixture(name="llm")
def fx_llm() -> Iterator[FakeLLM]:
    with serving(FakeLLM(default=Text("Noted."))) as fake:
        yield fake


@pytest.fixture(name="world")
def fx_world(tmp_path: Path, proxy: FaultProxy, llm: FakeLLM) -> Iterator[ChatWorld]:
    with chat_world(tmp_path, proxy.url, llm) as world:
        yield world
        proxy.clear()


def _send(world: ChatWorld, message: str, session_id: str | None,
          answered: list[tuple[float, int]]) -> httpx.Response:
    """One turn; a 503 is retried with the same key until it resolves."""
    key = uuid.uuid4().hex
    started = time.monotonic()
    first = r = world.chat(message, key, session_id)
    answered.append((time.monotonic() - started, r.status_code))
    for _ in range(5):
        if r.status_code != 503:
            break
        assert int(r.headers["Retry-After"]) >= 1
        assert "Idempotency-Key" in r.json()["detail"]
        calls = world.model_calls()
        time.sleep(int(r.headers["Retry-After"]))
        r = world.chat(message, key, session_id)
        assert world.model_calls() == calls  # the retry never runs the model again
    assert r.status_code == 200, (first.status_code, r.text)
    return r


def test_thirty_percent_throttled_costs_no_answer(world: ChatWorld, proxy: FaultProxy) -> None:
    proxy.inject(Rule("dynamodb", "throttle", 0.3), seed=30)
    sent: dict[str, list[str]] = {}
    answered: list[tuple[float, int]] = []
    lock = threading.Lock()

    def session(n: int) -> None:
        messages = [f"session {n} turn {t}" for t in range(TURNS)]
        reply = _send(world, messages[0], None, answered)
        session_id = reply.json()["sessionId"]
        for message in messages[1:]:
            assert _send(world, message, session_id, answered).json()["message"] == "Noted."
        with lock:
            sent[session_id] = messages

    threads = [threading.Thread(target=session, args=(n,)) for n in range(SESSIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    proxy.clear()

    assert len(answered) == SESSIONS * TURNS
    ok = [seconds for seconds, status in answered if status == 200]
    assert len(ok) / len(answered) >= 0.99
    assert {status for _, status in answered} <= {200, 503}
    assert max(seconds for seconds, _ in answered) < 60.0  # the profile's time limit
    assert proxy.faulted("dynamodb", "TransactWriteItems") > 0
    assert proxy.faulted("dynamodb", "GetItem") + proxy.faulted("dynamodb", "Query") > 0
    assert world.model_calls() == SESSIONS * TURNS  # one model call per answered turn
    assert len(sent) == SESSIONS
    for session_id, messages in sent.items():
        expected = [pair for m in messages for pair in (("user", m), ("assistant", "Noted."))]
        assert world.transcript(session_id) == expected  # every turn once, in order


def test_a_commit_throttled_past_the_limit_is_503_and_the_retry_returns_it(
    world: ChatWorld, proxy: FaultProxy, llm: FakeLLM
) -> None:
    llm.then(Text("Saved for you."))
    proxy.inject(Rule("dynamodb", "throttle", 1.0, "TransactWriteItems"))
    key = uuid.uuid4().hex
    r = world.chat("keep this", key, profile="quick")
    assert r.status_code == 503, r.text
    assert r.headers["Retry-After"] == "1"
    problem = r.json()
    assert problem["type"] == "urn:openbrain:problem:store-busy"
    assert "same Idempotency-Key" in problem["detail"]
    assert world.model_calls() == 1
    assert world.store.sessions.list()[0] == []  # nothing half-written

    proxy.clear()
    again = world.chat("keep this", key, profile="quick")
    assert again.status_code == 200, again.text
    assert again.json()["message"] == "Saved for you."
    assert world.model_calls() == 1  # answered once, committed on the retry
    session_id = again.json()["sessionId"]
    assert world.transcript(session_id) == [("user", "keep this"),
                                            ("assistant", "Saved for you.")]

    third = world.chat("keep this", key, profile="quick")
    assert third.json() == again.json()
    assert world.model_calls() == 1
    other = world.chat("something else", key, profile="quick")
    assert other.status_code == 422
    assert "Idempotency-Key" in other.text


def test_without_a_key_a_busy_commit_drops_the_turn_whole(
    world: ChatWorld, proxy: FaultProxy
) -> None:
    proxy.inject(Rule("dynamodb", "throttle", 1.0, "TransactWriteItems"))
    r = world.chat("lost", None, profile="quick")
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "1"
    assert "Idempotency-Key" in r.json()["detail"]
    proxy.clear()
    assert world.store.sessions.list()[0] == []
    key = uuid.uuid4().hex  # a key whose turn never committed runs the turn
    assert world.chat("lost", key, profile="quick").status_code == 200
    assert world.model_calls() == 2


def test_a_bad_idempotency_key_is_refused(world: ChatWorld) -> None:
    r = world.chat("hi", "not a key!")
    assert r.status_code == 400
    assert r.json()["errors"][0]["key"] == "Idempotency-Key"  # the name the caller sent
