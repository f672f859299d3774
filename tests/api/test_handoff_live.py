"""Human hand-off over real HTTP (uvicorn on 127.0.0.1, the model on the loopback fake):
the visitor's widget session asks for a human, waits, an operator takes it (one of two wins),
their messages reach the visitor's open stream, the model is never called while a human
holds the session, a dropped stream resumes from Last-Event-ID, and after the release the
agent answers with the human exchange in its prompt."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec
import pytest

from openbrain.agent.tools.handoff import UNAVAILABLE
from openbrain.api.app import create_app
from openbrain.api.services import Services, services_of
from openbrain.auth.api_keys import mint_key
from openbrain.auth.jwt_tokens import mint_token
from openbrain.domain.agent_config import AgentSettings
from openbrain.domain.api_key import ApiKey
from openbrain.domain.base import utcnow
from openbrain.domain.tenant import Plan
from openbrain.runtime import EMBEDDED, Runtime
from openbrain.store import TenantRepository
from tests.agent.fake_llm import Calls, FakeLLM, Text, serving
from tests.api.conftest import make_settings
from tests.api.live import free_port, serve_in_thread
from tests.api.sse_reader import SseReader

TENANT = "alpha"


@dataclass
class Desk:
    url: str
    http: httpx.Client
    runtime: Runtime
    llm: FakeLLM
    origin: str
    settings: Any
    services: Services

    def operator(self, subject: str, role: str = "admin") -> dict[str, str]:
        token = mint_token(self.settings, client_id=TENANT, role=role, subject=subject)
        return {"Authorization": f"Bearer {token}"}

    def visitor(self) -> dict[str, str]:
        """A widget visitor's headers, through the publishable-key exchange."""
        key_id, token, digest = mint_key(TENANT, "publishable")
        self.runtime.store(TENANT).api_keys.create(ApiKey(
            client_id=TENANT, key_id=key_id, kind="publishable", scopes=["chat"],
            allowed_origins=[self.origin], secret_hash=digest, created_at=utcnow()))
        r = self.http.post("/v1/widget/session", json={"profile": "default"},
                           headers={"Authorization": f"Bearer {token}", "Origin": self.origin})
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['token']}", "Origin": self.origin,
                "X-Visitor-Secret": r.json()["visitorSecret"]}

    def say(self, visitor: dict[str, str], session_id: str, text: str) -> dict[str, Any]:
        r = self.http.post(f"/v1/sessions/{session_id}/messages", json={"message": text},
                           headers=visitor)
        assert r.status_code == 200, r.text
        reply: dict[str, Any] = r.json()
        return reply

    def stream(self, session_id: str, headers: dict[str, str],
               last_event_id: str | None = None) -> SseReader:
        headers = dict(headers)
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        reader = SseReader(self.http, f"{self.url}/v1/sessions/{session_id}/events", headers)
        assert reader.status == 200
        return reader


@pytest.fixture(name="desk", scope="module")
def fx_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    tmp = tmp_path_factory.mktemp("handoff")
    with serving(FakeLLM()) as llm:
        port = free_port()
        settings = make_settings(tmp, port=port, openai_base_url=llm.url,
                                 openai_api_key="test-key", llm_max_retries=0,
                                 stream_poll=0.05, stream_max_seconds=60.0)
        runtime = Runtime(settings, profile=EMBEDDED)
        app = create_app(runtime)
        with serve_in_thread(app, port) as url:
            runtime.store(TENANT).configs.save("default", AgentSettings(
                system_message="You help.", ice_breaker="Hi!", model="test-model",
                tools=["connect_with_agent", "update_lead"], widget_enabled=True))
            with httpx.Client(base_url=url, timeout=30) as http:
                yield Desk(url=url, http=http, runtime=runtime, llm=llm,
                           origin=f"http://127.0.0.1:{port}", settings=settings,
                           services=services_of(app.state))


def _handed_off(desk: Desk, visitor: dict[str, str]) -> str:
    """A widget session whose visitor asked for a human: it now waits for an operator."""
    r = desk.http.post("/v1/chat", json={"reset": True}, headers=visitor)
    assert r.status_code == 200, r.text
    session_id: str = r.json()["sessionId"]
    desk.llm.then(Calls([("connect_with_agent", {"reason": "wants a person"})]),
                  Text("I have asked a colleague to join."))
    reply = desk.say(visitor, session_id, "Can I talk to a human?")
    assert reply["events"] == ["handoff.requested"]
    assert reply["control"] == "waiting"
    return session_id


def test_hand_off_take_reply_live_release_and_the_agent_sees_the_exchange(desk: Desk) -> None:
    visitor = desk.visitor()
    session_id = _handed_off(desk, visitor)
    alice = desk.operator("alice@alpha.example")
    inbox = desk.http.get("/v1/inbox", headers=alice).json()["items"]
    assert session_id in [e["session"]["sessionId"] for e in inbox]
    assert next(e for e in inbox if e["session"]["sessionId"] == session_id)[
        "session"]["control"] == "waiting"

    widget = desk.stream(session_id, visitor)
    assert widget.next(kind="state").data["control"] == "waiting"
    calls = len(desk.llm.requests)
    # Waiting: the visitor's message is kept for the operator, the model is not called.
    held = desk.say(visitor, session_id, "Hello? Anyone there?")
    assert (held["message"], held["control"]) == ("", "waiting")

    r = desk.http.post(f"/v1/inbox/{session_id}/take", headers=alice)
    assert r.status_code == 200, r.text
    state = widget.next(kind="state").data
    assert (state["control"], state["operator"]) == ("human", None)  # operators anonymous
    operator_view = desk.stream(session_id, alice)
    assert operator_view.next(kind="state").data["operator"] == "jwt:alice@alpha.example"

    sent = time.monotonic()
    r = desk.http.post(f"/v1/inbox/{session_id}/messages", headers=alice,
                       json={"message": "Hi, I am Alice from sales. How can I help?"})
    assert r.status_code == 201, r.text
    got = widget.next(kind="message")
    assert time.monotonic() - sent < 1.0
    assert (got.data["role"], got.data["content"]) == (
        "human_agent", "Hi, I am Alice from sales. How can I help?")
    assert got.data["operator"] is None
    assert got.id == str(got.data["seq"])

    held = desk.say(visitor, session_id, "I need a quote for 40 seats.")
    assert (held["message"], held["control"]) == ("", "human")
    seen = operator_view.next(kind="message")
    while seen.data["role"] != "user" or seen.data["content"] != "I need a quote for 40 seats.":
        seen = operator_view.next(kind="message")
    assert len(desk.llm.requests) == calls  # no model call while waiting or held

    r = desk.http.post(f"/v1/inbox/{session_id}/release", headers=alice)
    assert r.status_code == 200, r.text
    assert widget.next(kind="state").data["control"] == "agent"
    desk.llm.then(Text("Happy to help further with the quote."))
    answer = desk.say(visitor, session_id, "Thanks! One more question.")
    assert answer["message"] == "Happy to help further with the quote."
    prompt = desk.llm.last_messages
    assert {"role": "assistant", "name": "human_agent",
            "content": "Hi, I am Alice from sales. How can I help?"} in prompt
    assert {"role": "user", "content": "I need a quote for 40 seats."} in prompt
    widget.close()
    operator_view.close()


def test_two_operators_take_one_session_and_one_wins(desk: Desk) -> None:
    session_id = _handed_off(desk, desk.visitor())
    operators = [desk.operator(f"op-{n}") for n in range(4)]
    statuses: list[int] = []
    barrier = threading.Barrier(len(operators))

    def take(headers: dict[str, str]) -> None:
        barrier.wait()
        statuses.append(desk.http.post(f"/v1/inbox/{session_id}/take",
                                       headers=headers).status_code)

    threads = [threading.Thread(target=take, args=(h,)) for h in operators]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 409, 409, 409]


def test_a_dropped_stream_resumes_after_last_event_id_losing_and_repeating_nothing(
        desk: Desk) -> None:
    visitor = desk.visitor()
    session_id = _handed_off(desk, visitor)
    bob = desk.operator("bob")
    assert desk.http.post(f"/v1/inbox/{session_id}/take", headers=bob).status_code == 200
    stream = desk.stream(session_id, visitor)
    stream.next(kind="state")
    desk.http.post(f"/v1/inbox/{session_id}/messages", headers=bob, json={"message": "one"})
    first = stream.next(kind="message")
    assert first.data["content"] == "one"
    stream.close()  # the network drops
    for text in ("two", "three"):
        r = desk.http.post(f"/v1/inbox/{session_id}/messages", headers=bob,
                           json={"message": text})
        assert r.status_code == 201
    resumed = desk.stream(session_id, visitor, last_event_id=first.id)
    got = [resumed.next(kind="message").data["content"] for _ in range(2)]
    assert got == ["two", "three"]
    assert resumed.none_within(0.5)  # nothing repeated
    desk.http.post(f"/v1/inbox/{session_id}/messages", headers=bob, json={"message": "four"})
    assert resumed.next(kind="message").data["content"] == "four"
    resumed.close()


def test_a_closed_session_refuses_the_visitor_and_leaves_the_inbox(desk: Desk) -> None:
    visitor = desk.visitor()
    session_id = _handed_off(desk, visitor)
    carol = desk.operator("carol")
    assert desk.http.post(f"/v1/inbox/{session_id}/close", headers=carol).status_code == 200
    r = desk.http.post(f"/v1/sessions/{session_id}/messages", json={"message": "hi"},
                       headers=visitor)
    assert r.status_code == 409
    assert "closed" in r.json()["detail"]
    listed = desk.http.get("/v1/inbox", headers=carol).json()["items"]
    assert session_id not in [e["session"]["sessionId"] for e in listed]


def test_the_inbox_needs_the_handoff_scope(desk: Desk) -> None:
    viewer = desk.operator("vic", role="viewer")
    assert desk.http.get("/v1/inbox", headers=viewer).status_code == 403
    visitor = desk.visitor()
    assert desk.http.get("/v1/inbox", headers=visitor).status_code == 403


def test_with_no_operators_online_the_plan_keeps_the_agent_answering(desk: Desk) -> None:
    """``handoff = "never"`` in the tenant's plan: asked for a human, the agent is told no one
    is available (and to take contact details); the session never waits."""
    tenants = TenantRepository(desk.runtime.driver)
    tenant = tenants.require(TENANT)
    tenants.save(msgspec.structs.replace(tenant, plan=Plan(handoff="never")))
    desk.services.tenants.invalidate()
    try:
        visitor = desk.visitor()
        r = desk.http.post("/v1/chat", json={"reset": True}, headers=visitor)
        session_id = r.json()["sessionId"]
        desk.llm.then(Calls([("connect_with_agent", {})]),
                      Text("Nobody is in right now; may I take your e-mail?"))
        reply = desk.say(visitor, session_id, "Can I talk to a human?")
        assert (reply["control"], reply["events"]) == ("agent", [])
        assert desk.llm.last_messages[-1]["content"] == UNAVAILABLE
    finally:
        tenants.save(tenant)
        desk.services.tenants.invalidate()
