"""The turn path around a hand-off: the session waits once a person is reached, the model is
never called while it waits or a person holds it, and with no one available the agent is
told to take contact details instead (nothing waits, no event)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from openbrain.agent.executor import TurnExecutor
from openbrain.agent.inbox import Inbox
from openbrain.agent.tools.handoff import UNAVAILABLE
from openbrain.domain import ChatMessage
from openbrain.domain.errors import ConflictError
from openbrain.domain.hours import BusinessHours, humans_available
from openbrain.store import TenantStore
from tests.agent.conftest import save_profile
from tests.agent.fake_llm import Calls, FakeLLM, Text

TOOLS = ["connect_with_agent", "update_lead"]


def _ask_for_a_human(executor: TurnExecutor, store: TenantStore, llm: FakeLLM, *,
                     humans: bool = True) -> str:
    save_profile(store, tools=TOOLS)
    session_id = executor.chat(store, ChatMessage(reset=True)).session_id
    llm.then(Calls([("connect_with_agent", {"reason": "asks for a person"})]),
             Text("Noted."))
    reply = executor.chat(store, ChatMessage(session_id=session_id, message="A human please"),
                          humans_available=humans)
    assert reply.message == "Noted."
    return session_id


def test_a_reached_person_makes_the_session_wait_and_silences_the_model(
        online: TurnExecutor, store: TenantStore, llm: FakeLLM) -> None:
    session_id = _ask_for_a_human(online, store, llm)
    session = store.sessions.require(session_id)
    assert session.control == "waiting"
    assert [s.session_id for s in store.sessions.inbox()] == [session_id]
    calls = len(llm.requests)

    held = online.chat(store, ChatMessage(session_id=session_id, message="Still there?"))
    assert (held.message, held.control, held.input_tokens) == ("", "waiting", 0)
    Inbox(publisher=None, session_ttl_days=90).take(store, session_id, "op")
    held = online.chat(store, ChatMessage(session_id=session_id, message="Hi operator"))
    assert (held.message, held.control) == ("", "human")

    assert len(llm.requests) == calls
    transcript, _ = store.sessions.transcript(session_id)
    assert [(m.role, m.content) for m in transcript[-2:]] == [
        ("user", "Still there?"), ("user", "Hi operator")]
    usage = store.usage.list()
    assert usage[0].turns == 1  # the held messages were no turns of the model


def test_a_closed_session_refuses_messages(online: TurnExecutor, store: TenantStore,
                                           llm: FakeLLM) -> None:
    session_id = _ask_for_a_human(online, store, llm)
    Inbox(publisher=None, session_ttl_days=90).close(store, session_id, "op")
    with pytest.raises(ConflictError, match="closed"):
        online.chat(store, ChatMessage(session_id=session_id, message="hello?"))


def test_with_no_one_available_the_agent_takes_details_instead(
        online: TurnExecutor, store: TenantStore, llm: FakeLLM) -> None:
    session_id = _ask_for_a_human(online, store, llm, humans=False)
    assert llm.last_messages[-1] == {"role": "tool", "content": UNAVAILABLE,
                                     "tool_call_id": "call_1"}
    assert store.sessions.require(session_id).control == "agent"
    assert store.outbox.list()[0] == []
    assert store.sessions.inbox() == []


@pytest.mark.parametrize(("moment", "open_"), [
    (datetime(2026, 12, 2, 8, 30, tzinfo=UTC), True),    # Wednesday 09:30 in Berlin
    (datetime(2026, 12, 2, 16, 30, tzinfo=UTC), False),  # Wednesday 17:30 in Berlin
    (datetime(2026, 12, 5, 10, 0, tzinfo=UTC), False),   # Saturday
])
def test_business_hours_are_read_in_the_tenants_time_zone(moment: datetime,
                                                          open_: bool) -> None:
    hours = BusinessHours(timezone="Europe/Berlin")
    assert humans_available("business-hours", hours, moment) is open_
    assert humans_available("always", hours, moment) is True
    assert humans_available("never", hours, moment) is False
