"""The model failing under a turn (429 with Retry-After, 5xx, slower than the profile's time
limit), over HTTP: each turn answers within its deadline or fails whole with a clear problem
detail, and nothing is written for a failed turn."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agent.fake_llm import FakeLLM, Hang, Status, Text, serving
from tests.faults.chat_world import ChatWorld, chat_world
from tests.faults.proxy import FaultProxy

pytestmark = pytest.mark.aws

RATE_LIMITED = Status(429, '{"error": {"message": "slow down", "type": "rate_limit"}}',
                      (("Retry-After", "1"),))


@pytest.fixture(name="llm")
def fx_llm() -> Iterator[FakeLLM]:
    with serving(FakeLLM(default=Text("Fine."))) as fake:
        yield fake


@pytest.fixture(name="world")
def fx_world(tmp_path: Path, proxy: FaultProxy, llm: FakeLLM) -> Iterator[ChatWorld]:
    # One model retry, as deployed (OB_LLM_MAX_RETRIES defaults to 1).
    with chat_world(tmp_path, proxy.url, llm, llm_max_retries=1) as world:
        yield world


def test_a_429_with_retry_after_is_waited_out_within_the_limit(
    world: ChatWorld, llm: FakeLLM
) -> None:
    llm.then(RATE_LIMITED, Text("After the wait."))
    started = time.monotonic()
    r = world.chat("hello", uuid.uuid4().hex)
    elapsed = time.monotonic() - started
    assert r.status_code == 200, r.text
    assert r.json()["message"] == "After the wait."
    assert world.model_calls() == 2
    assert 1.0 <= elapsed < 60.0  # Retry-After honoured, within the profile's limit


def test_a_model_that_keeps_failing_fails_the_turn_whole(world: ChatWorld, llm: FakeLLM) -> None:
    llm.then(Status(500), Status(503))
    key = uuid.uuid4().hex
    r = world.chat("hello", key)
    assert r.status_code == 502, r.text
    assert r.json()["type"] == "urn:openbrain:problem:upstream"
    assert "HTTP 503" in r.json()["detail"]
    assert world.store.sessions.list()[0] == []  # nothing half-written
    assert world.store.idempotency.get(key) is None
    again = world.chat("hello", key)  # the key's turn never committed: it runs
    assert again.status_code == 200, again.text
    assert world.model_calls() == 3


def test_a_model_slower_than_the_limit_is_a_504_and_writes_nothing(
    world: ChatWorld, llm: FakeLLM
) -> None:
    first = world.chat("hello", None, profile="quick")
    assert first.status_code == 200
    session_id = first.json()["sessionId"]
    before = world.transcript(session_id)
    llm.then(Hang(30), Hang(30))
    started = time.monotonic()
    r = world.chat("are you there?", uuid.uuid4().hex, session_id)
    assert r.status_code == 504, r.text
    assert r.json()["type"] == "urn:openbrain:problem:upstream-timeout"
    assert time.monotonic() - started < 2.0 + 3.0  # the 2 s limit, plus the commit's floor
    llm.release.set()
    assert world.transcript(session_id) == before
    assert world.store.sessions.require(session_id).turn_count == 1
