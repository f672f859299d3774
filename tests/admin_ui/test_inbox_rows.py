"""The inbox page's pure helpers: rows with the lead beside each hand-off, who speaks, and
which hand-offs are new since the operator last looked."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from admin_ui.inbox_rows import conversation_row, inbox_rows, new_hand_offs, shown, speaker
from openbrain.domain.handoff import InboxEntry
from openbrain.domain.lead import Lead
from openbrain.domain.session import Message
from tests.store.store_builders import new_session

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _entry(session_id: str, control: str, lead: Lead | None = None) -> InboxEntry:
    session = msgspec.structs.replace(new_session("acme", session_id), control=control,
                                      operator="jwt:ann" if control == "human" else None,
                                      handoff_at=AT)
    return InboxEntry(session=session, lead=lead)


def _message(role: str, content: str = "hi", operator: str | None = None) -> Message:
    return Message(client_id="acme", session_id="s1", seq=3, role=role,  # type: ignore[arg-type]
                   content=content, operator=operator, created_at=AT)


def test_rows_show_state_operator_and_the_lead() -> None:
    lead = Lead(client_id="acme", lead_id="l1", full_name="Pat Doe", email="pat@x.example",
                created_at=AT, updated_at=AT)
    rows = inbox_rows([_entry("s1", "waiting", lead), _entry("s2", "human")])
    assert rows == [
        {"id": "s1", "state": "Waiting", "control": "waiting", "operator": "",
         "lead": "Pat Doe · pat@x.example", "since": "2026-01-02 03:04:05"},
        {"id": "s2", "state": "Taken", "control": "human", "operator": "jwt:ann",
         "lead": "no lead yet", "since": "2026-01-02 03:04:05"},
    ]


def test_new_hand_offs_are_waiting_ones_not_seen_before() -> None:
    entries = [_entry("s1", "waiting"), _entry("s2", "waiting"), _entry("s3", "human")]
    assert [e.session.session_id for e in new_hand_offs(entries, {"s1"})] == ["s2"]


def test_who_speaks_and_what_is_shown() -> None:
    assert speaker(_message("user")) == "Visitor"
    assert speaker(_message("assistant")) == "Assistant"
    assert speaker(_message("human_agent", operator="jwt:ann")) == "Team member (jwt:ann)"
    assert conversation_row(_message("human_agent", "Hello", "jwt:ann"))["content"] == "Hello"
    assert not shown(_message("tool"))
    assert not shown(_message("assistant", ""))
    assert shown(_message("human_agent"))
