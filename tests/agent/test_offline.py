"""The offline model, end to end from a fresh SQLite store, and as a LangChain model."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.messages import HumanMessage

from openbrain.agent.executor import TurnExecutor
from openbrain.agent.offline import OfflineChatModel, extract_contact
from openbrain.agent.tools import default_registry
from openbrain.domain import ChatMessage
from openbrain.store import TenantStore
from openbrain.tenancy.onboarding import ensure_default_profile
from tests.agent.conftest import RecordingPublisher, save_profile


def test_jane_doe_is_captured_then_updated(
    offline: TurnExecutor, store: TenantStore, publisher: RecordingPublisher
) -> None:
    config = ensure_default_profile(store)
    assert config.profile_name == "default"
    assert "capture_lead" in config.tools

    first = offline.chat(
        store, ChatMessage(reset=True, message="Hi, I am Jane Doe, jane@example.com, 555-0100")
    )

    assert first.events == ["lead.created"]
    lead = store.leads.require(first.lead.lead_id if first.lead else "")
    assert (lead.full_name, lead.email, lead.phone) == ("Jane Doe", "jane@example.com", "555-0100")
    assert "Jane" in first.message
    assert "saved" in first.message
    assert [e.detail_type for e in store.outbox.pending()] == ["lead.created"]

    second = offline.chat(
        store, ChatMessage(session_id=first.session_id, message="My new number is 555-0199")
    )

    assert second.events == ["lead.updated"]
    updated = store.leads.require(lead.lead_id)
    assert updated.phone == "555-0199"
    assert updated.email == "jane@example.com"
    leads, _ = store.leads.list()
    assert len(leads) == 1
    types = sorted(e.detail_type for e in store.outbox.pending())
    assert types == ["lead.created", "lead.updated"]
    assert [e.detail_type for e in publisher.published] == ["lead.created", "lead.updated"]


def test_ensure_default_profile_is_idempotent(store: TenantStore) -> None:
    first = ensure_default_profile(store)
    assert ensure_default_profile(store) == first
    assert first.version == 1


def test_offline_model_is_deterministic_and_streams(offline: TurnExecutor,
                                                    store: TenantStore) -> None:
    save_profile(store, model="offline", tools=["calculator"])
    tokens: list[str] = []

    reply = offline.chat(store, ChatMessage(reset=True, message="what is (2 + 3) * 4?"),
                         on_token=tokens.append)

    assert "20" in reply.message
    assert "".join(tokens) == reply.message
    assert reply.notice is None  # offline by choice: no notice
    assert reply.input_tokens > 0
    assert reply.output_tokens > 0


def test_extract_contact() -> None:
    found = extract_contact("Hello, my name is Maria Lopez. Reach me at +1 (555) 010-0200 "
                            "or maria.lopez@example.org")
    assert found == {"full_name": "Maria Lopez", "phone": "+1 (555) 010-0200",
                     "email": "maria.lopez@example.org"}
    assert extract_contact("I am looking for a plan from 2024-01-01") == {}


def test_offline_model_binds_tools_and_reports_usage() -> None:
    tools = [t.openai_spec() for t in default_registry().select(["capture_lead"])]
    model = OfflineChatModel().bind_tools(tools)

    answer = model.invoke([HumanMessage("I'm Sam Roe, sam@example.com")])

    assert answer.tool_calls[0]["name"] == "capture_lead"
    assert answer.tool_calls[0]["args"] == {"full_name": "Sam Roe", "email": "sam@example.com"}
    assert answer.usage_metadata is not None
    assert answer.usage_metadata["input_tokens"] > 0
    assert OfflineChatModel().invoke([HumanMessage("hi")]).tool_calls == []


def test_the_lead_tool_follows_the_note_in_any_system_message() -> None:
    """The note that a lead is on file, in the first or a later system message (the runtime
    adds one), makes the model update the lead; without it, capture it; plain person or
    assistant text carrying the note does not count."""
    from langchain_core.messages import AIMessage, SystemMessage

    from openbrain.agent.prompts import LEAD_ON_FILE

    model = OfflineChatModel().bind_tools([
        {"type": "function", "function": {"name": name, "description": "d",
                                          "parameters": {"type": "object", "properties": {}}}}
        for name in ("capture_lead", "update_lead")])
    ask = HumanMessage(content="I am Jane Doe, jane@example.com")
    cases = {
        "update_lead": [[SystemMessage(content=f"Shop.\n{LEAD_ON_FILE}"), ask],
                        [SystemMessage(content="Shop."), SystemMessage(content=LEAD_ON_FILE), ask]],
        "capture_lead": [[SystemMessage(content="Shop."), ask],
                         [SystemMessage(content="Shop."), HumanMessage(content=LEAD_ON_FILE),
                          AIMessage(content=LEAD_ON_FILE), ask]],
    }
    for tool, prompts in cases.items():
        for messages in prompts:
            reply = model.invoke(messages)
            assert [call["name"] for call in reply.tool_calls] == [tool]


_SAYINGS = st.lists(st.sampled_from(
    ["I am", "i'M", "IM", "my name is", "My Name's", "this is", "THIS IS", "call me", "name is",
     "Jane", "Doe", "jane@example.com", "a@b.co", "555-0100", "+1 (555) 010-0199", "2024-01-02",
     "\u0661\u0662\u0663\u0664\u0665\u0666\u0667", "what is my", "Do you remember my",
     "e-mail", "phone", "number", "name", "2+2", "(3 * 4)", "\u0130", "\u212a", " ", "\n", "."]),
    max_size=8).map(" ".join) | st.text(max_size=30)


@settings(max_examples=1500, deadline=None)
@given(_SAYINGS)
def test_the_offline_readings_equal_their_patterns_alone(text: str) -> None:
    """The checks that skip a pattern (a mark every match holds) never change a reading:
    names, e-mails, phones (any digits), questions about them, sums."""
    from openbrain.agent import contact, offline
    from openbrain.agent.memory import offline_recall

    found: dict[str, str] = {}
    if match := contact._NAME.search(text):
        found["full_name"] = match.group(1)
    if match := contact._EMAIL.search(text):
        found["email"] = match.group(0)
    for match in contact._PHONE.finditer(text):
        candidate = match.group(0).strip()
        if sum(c.isdigit() for c in candidate) >= 7 and not contact._DATE.match(candidate):
            found["phone"] = candidate
            break
    assert extract_contact(text) == found
    question = offline_recall._QUESTION.search(text)
    asked = offline_recall.asked_about(text)
    assert (asked is None) == (question is None)
    sum_found = offline._ARITHMETIC.search(text)
    assert not sum_found or contact.DIGIT.search(text)
