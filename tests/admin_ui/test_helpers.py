"""Pure helpers: form conversion, diffs, chart series, tokens, transcripts, lead edits."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import msgspec

from admin_ui.helpers import (
    config_diff,
    day_bounds,
    describe_test_result,
    form_from_config,
    lead_form,
    lead_patch,
    memory_view,
    model_options,
    money,
    settings_from_form,
    split_list,
    token_claims,
    token_expired,
    transcript_rows,
    usage_by_day,
    usage_by_profile,
    usage_total,
    version_rows,
)
from openbrain.domain.agent_config import AgentConfig, AgentSettings
from openbrain.domain.delivery import RouteTestResult
from openbrain.domain.event import ToolAction, Usage
from openbrain.domain.lead import LEAD_FIELDS, Lead, LeadFields
from openbrain.domain.pricing import ModelInfo
from openbrain.domain.session import MemorySummary, Message, SessionMemory, ToolCall

DEFAULT_SETTINGS: dict[str, Any] = msgspec.to_builtins(AgentSettings())
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _jwt(claims: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJIUzI1NiJ9.{body}.sig"


def test_form_round_trips_every_setting() -> None:
    config = AgentSettings(max_tokens=300, temperature=0.7, model="gpt-4o-mini")
    form = form_from_config(config)
    assert form["maxTokens"] == "300"
    assert form["temperature"] == "0.7"
    settings, errors = settings_from_form(
        form, ["capture_lead", "capture_lead"], ["model", "tools"], {"widgetEnabled": True}
    )
    assert errors == {}
    assert settings.max_tokens == 300
    assert settings.temperature == 0.7
    assert settings.tools == ["capture_lead"]
    assert settings.overridable == ["model", "tools"]
    assert settings.widget_enabled is True
    assert settings.record_tool_actions is False
    assert set(msgspec.to_builtins(settings)) == set(DEFAULT_SETTINGS)


def test_the_form_keeps_the_memory_settings() -> None:
    """A profile saved from the dashboard keeps its memory policy and threshold (a form
    without them would save every profile back to ``window``)."""
    config = AgentSettings(memory_policy="summary", summary_threshold=12)
    form = form_from_config(config)
    assert (form["memoryPolicy"], form["summaryThreshold"]) == ("summary", "12")
    settings, errors = settings_from_form(form, [], [], {})
    assert errors == {}
    assert (settings.memory_policy, settings.summary_threshold) == ("summary", 12)
    rows = config_diff(AgentSettings(), settings)
    assert {r["field"] for r in rows} == {"memoryPolicy", "summaryThreshold"}


def test_the_memory_line_shows_the_summary_in_force() -> None:
    memory = SessionMemory(session_id="s1", policy="summary", memory_window=4, message_count=30)
    assert memory_view(memory)["covers"] == "no summary yet"
    summary = MemorySummary(client_id="acme", session_id="s1", through_seq=19,
                            text="- Full name: Ann Lee", model="offline", created_at=T0)
    shown = memory_view(msgspec.structs.replace(memory, summary=summary))
    assert shown == {"policy": "summary", "covers": "summary of messages 1 to 20 of 30",
                     "text": "- Full name: Ann Lee", "model": "offline"}
    window = SessionMemory(session_id="s1", policy="window", memory_window=4, message_count=3)
    assert memory_view(window)["covers"] == "older messages are not summarised"


def test_non_numbers_are_field_errors() -> None:
    form = form_from_config(AgentSettings()) | {"maxTokens": "lots", "temperature": "warm"}
    _, errors = settings_from_form(form, [], [], {})
    assert errors == {
        "maxTokens": "Max tokens must be a whole number",
        "temperature": "Temperature must be a number",
    }


def test_diff_names_changed_fields_only() -> None:
    old = AgentSettings()
    new = AgentSettings(max_tokens=512, tools=["calculator"], temperature=0)
    rows = config_diff(old, new)
    assert [r["field"] for r in rows] == ["maxTokens", "tools"]
    assert rows[0] == {"field": "maxTokens", "label": "Max tokens", "before": "1024",
                       "after": "512"}
    assert rows[1]["before"] == "(none)"


def test_version_rows_are_newest_first_with_diffs() -> None:
    v1 = AgentConfig(client_id="acme", profile_name="p", version=1,
                     created_at=datetime(2025, 1, 1, 10, tzinfo=UTC))
    v2 = msgspec.structs.replace(v1, version=2, ice_breaker="Hi")
    rows = version_rows([v1, v2])
    assert [r["version"] for r in rows] == ["2", "1"]
    assert "Ice breaker" in rows[0]["changes"]
    assert rows[1]["changes"] == "first version"
    assert rows[1]["created"] == "2025-01-01 10:00:00"


def test_usage_series() -> None:
    rows = [
        Usage(client_id="acme", day="2025-01-02", profile_name="a", turns=2, input_tokens=10,
              output_tokens=5),
        Usage(client_id="acme", day="2025-01-01", profile_name="b", turns=1, input_tokens=100,
              output_tokens=0),
        Usage(client_id="acme", day="2025-01-02", profile_name="b", turns=1, input_tokens=1,
              output_tokens=1),
    ]
    assert usage_by_day(rows) == [
        {"day": "2025-01-01", "turns": 1, "input": 100, "output": 0, "tokens": 100},
        {"day": "2025-01-02", "turns": 3, "input": 11, "output": 6, "tokens": 17},
    ]
    assert usage_by_profile(rows) == [
        {"profile": "b", "turns": 2, "input": 101, "output": 1, "tokens": 102},
        {"profile": "a", "turns": 2, "input": 10, "output": 5, "tokens": 15},
    ]
    assert usage_total(rows) == {"turns": 4, "input": 111, "output": 6, "tokens": 117}
    assert usage_total([]) == {"turns": 0, "input": 0, "output": 0, "tokens": 0}


def test_token_claims_and_expiry() -> None:
    token = _jwt({"exp": 1000, "custom:clientId": "acme"})
    assert token_claims(token)["custom:clientId"] == "acme"
    assert token_expired(token, now=1000)
    assert not token_expired(token, now=999)
    assert token_claims("ob_sk_abc") == {}
    assert not token_expired("ob_sk_abc")
    assert token_claims("a.!!!.c") == {}


def test_transcript_shows_tool_calls_and_actions() -> None:
    def message(seq: int, role: str, content: str, **more: object) -> Message:
        return msgspec.convert({"clientId": "acme", "sessionId": "S1", "seq": seq,
                                "role": role, "content": content, "createdAt": T0, **more},
                               Message)

    messages = [
        message(1, "assistant", "", toolCalls=[ToolCall(id="1", name="capture_lead",
                                                         args={"email": "a@b.co"})]),
        message(0, "user", "I am a@b.co"),
        message(2, "tool", "saved", name="capture_lead"),
    ]
    actions = [ToolAction(client_id="acme", session_id="S1", action_id="A1",
                          tool="capture_lead", args={"email": "a@b.co"}, output="ok",
                          created_at=T0)]
    rows = transcript_rows(messages, actions)
    assert [r["role"] for r in rows] == ["user", "assistant", "tool capture_lead",
                                        "action capture_lead"]
    assert 'calls capture_lead({"email": "a@b.co"})' in rows[1]["content"]
    assert rows[3]["content"].endswith("→ ok")


def test_lead_patch_sends_only_changes() -> None:
    lead = Lead(client_id="acme", lead_id="L1", full_name="Ann Lee", email="ann@x.io",
                medications=["a"], status="new", created_at=T0, updated_at=T0)
    form = lead_form(lead)
    assert form["medications"] == "a"
    form |= {"status": "qualified", "medications": "a, b", "email": "", "phone": " "}
    assert lead_patch(form, lead) == (LeadFields(status="qualified", medications=["a", "b"]),
                                      ["email"])  # emptied: cleared; phone was empty already
    assert lead_patch(lead_form(lead), lead) == (LeadFields(), [])


def test_lead_form_has_every_editable_field() -> None:
    form = lead_form(Lead(client_id="acme", lead_id="L1", created_at=T0, updated_at=T0))
    assert list(form) == [f.wire for f in LEAD_FIELDS]
    assert form["status"] == "new"


def test_split_list() -> None:
    assert split_list("https://a.io, https://b.io\nhttps://a.io,,") == ["https://a.io",
                                                                       "https://b.io"]


def test_day_bounds_cover_whole_days() -> None:
    assert day_bounds("2025-01-02", "2025-01-03") == (
        "2025-01-02T00:00:00+00:00", "2025-01-03T23:59:59.999999+00:00")
    assert day_bounds("", "") == ("", "")


def test_embed_snippet_escapes_and_defaults_the_profile() -> None:
    from admin_ui.keys import embed_snippet

    tag = embed_snippet("ob_pk_demo_X", [])
    assert tag.startswith('<script src="http')
    assert 'data-key="ob_pk_demo_X" data-profile="default" async></script>' in tag
    assert 'data-profile="a&quot;b"' in embed_snippet("ob_pk_x", ['a"b'])


def test_model_choices_and_money() -> None:
    models = [ModelInfo(name="offline", offline=True, input_price=0.0, output_price=0.0),
              ModelInfo(name="llama", offline=False)]
    names, notes = model_options(models, "llama")
    assert names == ["offline", "llama"]
    assert "unpriced" in notes["llama"]
    assert "free" in notes["offline"]
    names, notes = model_options(models, "gpt-4o")
    assert names == ["offline", "llama", "gpt-4o"]
    assert "runs offline" in notes["gpt-4o"]
    assert money(None) == "unpriced"
    assert money(0.0) == "$0.00"
    assert money(0.0012) == "$0.0012"
    assert money(1234.5) == "$1,234.50"


def test_a_test_events_outcome_is_a_sentence() -> None:
    delivered = RouteTestResult(route_id="crm", event_id="e1", delivered=True, http_status=200,
                                latency_ms=12.4)
    assert describe_test_result(delivered) == "Test event delivered to crm (HTTP 200, 12 ms)."
    refused = RouteTestResult(route_id="crm", event_id="e2", delivered=False,
                              latency_ms=3.0, error="ConnectError")
    assert describe_test_result(refused) == "Test event not delivered to crm (3 ms): ConnectError."
    gone = RouteTestResult(route_id="crm", event_id="e3", delivered=False, http_status=410,
                           latency_ms=3.0, error="HTTP 410")
    assert describe_test_result(gone) == ("Test event not delivered to crm (HTTP 410, 3 ms): "
                                          "refused by the receiver.")
