"""The tool registry and the built-in tools, called directly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from openbrain.agent.tools import ToolContext, ToolError, ToolRegistry, default_registry
from openbrain.agent.tools.calculator import evaluate
from openbrain.domain import InvalidError

NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)


def _ctx(**facts: object) -> ToolContext:
    return ToolContext(client_id="acme", session_id="S1", now=NOW, facts=facts)


def test_registry_is_explicit_and_checks_names() -> None:
    registry = default_registry()
    assert registry is not default_registry()  # nothing global to mutate
    assert registry.names() == sorted([
        "capture_lead", "update_lead", "connect_with_agent", "get_current_time",
        "convert_timezone", "calculator", "send_test_event"])
    registry.check(["capture_lead", "calculator"])
    with pytest.raises(InvalidError, match="unknown tool\\(s\\) bogus, nope"):
        registry.check(["calculator", "nope", "bogus"])
    with pytest.raises(ValueError, match="already registered"):
        registry.register(registry.get("calculator"))
    assert ToolRegistry().names() == []


def test_describe_gives_json_schemas() -> None:
    described = {d["name"]: d for d in default_registry().describe()}
    lead = described["capture_lead"]
    assert lead["description"]
    params = lead["parameters"]
    assert params["type"] == "object"
    assert "$ref" not in params
    assert {"full_name", "email", "phone"} <= params["properties"].keys()
    assert params["additionalProperties"] is False
    assert described["calculator"]["parameters"]["required"] == ["expression"]


@pytest.mark.parametrize(
    ("expression", "value"),
    [("(2 + 3) * 4", 20), ("7 / 2", 3.5), ("2 ** 10", 1024), ("-3 % 5", 2),
     ("round(sqrt(2) * 100)", 141), ("max(1, 9, 4)", 9)],
)
def test_calculator(expression: str, value: float) -> None:
    assert evaluate(expression) == value


@pytest.mark.parametrize(
    "expression",
    ["__import__('os')", "__import__('os').system('id')", "open('/etc/passwd')",
     "(1).__class__", "'a' * 10", "[1, 2]", "lambda: 1", "x", "9 ** 9 ** 9", "1 / 0",
     "10 ** 300 * 10 ** 300", "True + 1", "1 +"],
)
def test_calculator_refuses_anything_but_arithmetic(expression: str) -> None:
    with pytest.raises(ToolError):
        evaluate(expression)


def test_calculator_never_evals(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec must not be used")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    tool = default_registry().get("calculator")
    assert tool.invoke({"expression": "1 + 2"}, _ctx()).output == "3"


def test_time_tools() -> None:
    registry = default_registry()
    now = registry.get("get_current_time").invoke({"timezone": "Asia/Tokyo"}, _ctx())
    assert now.output == "2025-01-15T21:00:00+09:00 (Asia/Tokyo)"
    converted = registry.get("convert_timezone").invoke(
        {"time": "2025-07-01T09:30", "from_timezone": "Europe/Paris",
         "to_timezone": "America/New_York"}, _ctx())
    assert converted.output == "2025-07-01T03:30-04:00 (America/New_York)"
    for bad in ("Mars/Olympus", "../../etc/passwd", "/etc/localtime"):
        with pytest.raises(ToolError, match="unknown time zone"):
            registry.get("get_current_time").invoke({"timezone": bad}, _ctx())


def test_capture_lead_validates_and_uses_context() -> None:
    tool = default_registry().get("capture_lead")
    result = tool.invoke({"full_name": "Ann Q Lee"}, _ctx(email="ann@example.com"))
    lead = result.lead
    assert lead is not None
    assert (lead.first_name, lead.middle_name, lead.last_name, lead.email) == (
        "Ann", "Q", "Lee", "ann@example.com")
    assert [e.detail_type for e in result.events] == ["lead.created"]
    with pytest.raises(ToolError, match="invalid arguments"):
        tool.invoke({"email": "not-an-email"}, _ctx())
    with pytest.raises(ToolError, match="no details"):
        tool.invoke({}, _ctx(email="bad email"))  # an invalid fact is ignored, not used


def test_update_lead_changes_only_what_is_new() -> None:
    registry = default_registry()
    created = registry.get("capture_lead").invoke({"phone": "555-0100"}, _ctx()).lead
    assert created is not None
    ctx = _ctx()
    ctx.lead = created
    same = registry.get("update_lead").invoke({"phone": "555-0100"}, ctx)
    assert same.lead is None
    assert same.events == ()
    assert "nothing changed" in same.output
    changed = registry.get("update_lead").invoke({"phone": "555-0199"}, ctx)
    assert changed.lead is not None
    assert changed.lead.phone == "555-0199"
    assert changed.lead.lead_id == created.lead_id
    assert [e.detail_type for e in changed.events] == ["lead.updated"]


def test_event_tools() -> None:
    registry = default_registry()
    handoff = registry.get("connect_with_agent").invoke({"reason": "billing"}, _ctx())
    [event] = handoff.events
    assert (event.detail_type, event.object_type, event.object_id) == (
        "handoff.requested", "session", "S1")
    test = registry.get("send_test_event").invoke({}, _ctx())
    assert test.events[0].detail_type == "test.event"
    assert test.events[0].client_id == "acme"
