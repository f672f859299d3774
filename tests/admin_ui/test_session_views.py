"""Rows of the dashboard's session views: a session in the list (channel, lead name and
preview, blank for a session stored before they were recorded) and a transcript as the
tuner's chat (bubbles, each tool call folded with its result)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from admin_ui.helpers import chat_rows, session_row
from admin_ui.sessions import SessionsState
from openbrain.domain.agent_config import AgentConfig
from openbrain.domain.session import ListedSession, Message, ToolCall
from tests.admin_ui.conftest import run, substate
from tests.admin_ui.stub_api import StubApi
from tests.admin_ui.test_states import jwt

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _session(**fields: object) -> ListedSession:
    config = AgentConfig(client_id="t", profile_name="default", version=1, created_at=AT)
    return ListedSession(client_id="t", session_id="S1", profile_name="default", config=config,
                         turn_count=2, created_at=AT, updated_at=AT, **fields)  # type: ignore[arg-type]


def test_a_row_has_channel_lead_name_and_preview() -> None:
    row = session_row(_session(channel="widget", lead_id="L1", lead_name="Ann Lee",
                               preview="Hello there"))
    assert row == {"id": "S1", "channel": "widget", "lead": "L1", "lead_name": "Ann Lee",
                   "preview": "Hello there", "profile": "default", "turns": "2",
                   "created": "2026-01-02 03:04:05", "updated": "2026-01-02 03:04:05"}


def test_a_lead_without_a_name_still_links_and_an_old_session_is_blank() -> None:
    assert session_row(_session(lead_id="L1"))["lead_name"] == "(no name)"
    row = session_row(_session())
    assert (row["channel"], row["lead"], row["lead_name"], row["preview"]) == ("", "", "", "")


def _message(seq: int, role: str, content: str = "", **fields: object) -> Message:
    return Message(client_id="t", session_id="S1", seq=seq, role=role,  # type: ignore[arg-type]
                   content=content, created_at=AT, **fields)  # type: ignore[arg-type]


def test_chat_rows_fold_each_tool_call_with_its_result() -> None:
    call = ToolCall(id="c1", name="capture_lead", args={"email": "ann@example.com"})
    rows = chat_rows([
        _message(3, "tool", "Lead L1 saved", tool_call_id="c1", name="capture_lead"),
        _message(0, "assistant", "Hello!"),
        _message(1, "user", "I am Ann, ann@example.com"),
        _message(2, "assistant", "", tool_calls=[call]),
        _message(4, "assistant", "Thanks, Ann."),
        _message(5, "system", "never shown"),
    ])
    assert [(r["role"], r["text"]) for r in rows] == [
        ("assistant", "Hello!"), ("user", "I am Ann, ann@example.com"), ("tool", ""),
        ("assistant", "Thanks, Ann."),
    ]
    tool = rows[2]
    assert tool["name"] == "capture_lead"
    assert json.loads(tool["args"]) == {"email": "ann@example.com"}
    assert tool["result"] == "Lead L1 saved"
    assert all(set(r) == {"role", "text", "name", "args", "result"} for r in rows)


def test_a_tool_result_without_its_call_is_shown_alone() -> None:
    rows = chat_rows([_message(7, "tool", "done", tool_call_id="gone", name="calculator")])
    assert rows == [{"role": "tool", "text": "", "name": "calculator", "args": "",
                     "result": "done"}]


def test_a_submitted_search_uses_the_fields_as_submitted(stub_api: StubApi,
                                                        state_tree: Any) -> None:
    """Enter can submit before a field's last change reaches the state: the form's values
    win, so a cleared search box lists everything again."""
    stub_api.answer("GET", "/v1/sessions", 200, {"items": [], "cursor": None})
    sessions = substate(state_tree, SessionsState)
    sessions.token = jwt()
    sessions.query = "stale"
    run(sessions.search({"q": "", "profile": "sales", "since": "", "until": ""}))
    assert sessions.error == ""
    query = stub_api.requests[-1]["path"]
    assert "q=" not in query
    assert "profile=sales" in query
