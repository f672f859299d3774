"""Domain records: camelCase wire format, constraints with clear messages, overrides."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openbrain.domain import (
    AgentConfig,
    AgentSettings,
    ChatMessage,
    ChatSession,
    InvalidError,
    Lead,
    LeadFields,
    Tenant,
    apply_overrides,
    new_id,
    utcnow,
)
from openbrain.domain.base import ulid_text


def config(**overrides: object) -> AgentConfig:
    return AgentConfig(client_id="demo", profile_name="default", **overrides)  # type: ignore[arg-type]


def test_records_encode_camel_case() -> None:
    """Wire names are camelCase, so API payloads and stored items look alike."""
    wire = msgspec.to_builtins(config())
    expected = {"clientId", "profileName", "systemMessage", "maxIterations", "memoryWindow"}
    assert expected <= set(wire)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"temperature": 3}, "Expected `float` <= 2.0 - at `$.temperature`"),
        ({"maxIterations": 0}, "Expected `int` >= 1 - at `$.maxIterations`"),
        ({"memoryWindow": -1}, "Expected `int` >= 1 - at `$.memoryWindow`"),
        ({"tools": ["Bad Name"]}, "at `$.tools[0]`"),
        ({"overridable": ["clientId"]}, "at `$.overridable[0]`"),
        ({"systemMessage": "x" * 20_001}, "length <= 20000"),
        ({"colour": "blue"}, "Object contains unknown field `colour`"),
        ({"tools": ["calculator", "calculator"]}, "tools must not repeat a name"),
    ],
)
def test_agent_settings_refuse_bad_values(payload: dict[str, object], message: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=None) as info:
        msgspec.convert(payload, AgentSettings)
    assert message in str(info.value)


def test_profile_name_pattern() -> None:
    with pytest.raises(msgspec.ValidationError, match="profileName"):
        msgspec.convert({"clientId": "demo", "profileName": "no spaces"}, AgentConfig)
    with pytest.raises(msgspec.ValidationError, match="clientId"):
        msgspec.convert({"clientId": "Bad_Tenant", "profileName": "ok"}, AgentConfig)


def test_overrides_only_for_listed_fields() -> None:
    base = config(overridable=["temperature", "iceBreaker"])
    changed = apply_overrides(base, {"temperature": 1.2, "iceBreaker": "Hi!"})
    assert (changed.temperature, changed.ice_breaker) == (1.2, "Hi!")
    assert base.temperature == 0.0, "the profile itself never changes"
    with pytest.raises(InvalidError, match="does not allow overriding 'model'"):
        apply_overrides(base, {"model": "gpt-4o"})
    with pytest.raises(InvalidError, match="'colour' is not a profile setting"):
        apply_overrides(base, {"colour": "blue"})
    with pytest.raises(InvalidError, match="temperature"):
        apply_overrides(base, {"temperature": 9})


def test_nothing_is_overridable_by_default() -> None:
    with pytest.raises(InvalidError, match="does not allow"):
        apply_overrides(config(), {"temperature": 1.0})


def test_lead_fields_validate_email_and_merge() -> None:
    with pytest.raises(msgspec.ValidationError, match="email"):
        msgspec.convert({"email": "not-an-email"}, LeadFields)
    now = utcnow()
    lead = Lead(client_id="demo", lead_id=new_id(), full_name="Jane", created_at=now,
                updated_at=now)
    merged = lead.merged(LeadFields(email="jane@example.com"), now)
    assert (merged.full_name, merged.email) == ("Jane", "jane@example.com")


def test_chat_message_refuses_unknown_fields_and_empty_message() -> None:
    with pytest.raises(msgspec.ValidationError, match="unknown field `sesionId`"):
        msgspec.json.decode(b'{"sesionId": "x"}', type=ChatMessage)
    with pytest.raises(msgspec.ValidationError, match="length >= 1"):
        msgspec.json.decode(b'{"message": ""}', type=ChatMessage)


def test_tenant_routes_need_url_and_unique_ids() -> None:
    with pytest.raises(msgspec.ValidationError, match="needs a url"):
        msgspec.convert(
            {"clientId": "demo", "name": "d",
             "routes": [{"routeId": "r", "eventTypes": ["lead.created"]}]},
            Tenant,
        )
    route = {"routeId": "r", "kind": "log", "eventTypes": ["lead.created"]}
    with pytest.raises(msgspec.ValidationError, match="unique"):
        msgspec.convert({"clientId": "demo", "name": "d", "routes": [route, route]}, Tenant)


def test_new_ids_are_unique_and_time_sorted() -> None:
    ids = [new_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 26 for i in ids)
    first, later = ids[0], new_id()
    assert first[:10] <= later[:10]


def _ulid_digit_by_digit(value: int) -> str:
    """What ``new_id`` did before: 26 Crockford digits, a Python step per digit."""
    chars = []
    for _ in range(26):
        chars.append("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[value & 31])
        value >>= 5
    return "".join(reversed(chars))


@settings(max_examples=2000, deadline=None)
@given(st.integers(min_value=0, max_value=2**128 - 1) | st.sampled_from(
    [0, 1, 31, 32, 2**80 - 1, 2**80, 2**125 - 1, 2**125, 2**128 - 1]
    + [2**n for n in range(128)]))
def test_ulid_text_is_the_digit_by_digit_encoding(value: int) -> None:
    assert ulid_text(value) == _ulid_digit_by_digit(value)


def test_stored_profiles_ignore_unknown_fields_while_inbound_settings_refuse_them() -> None:
    """A profile (alone or frozen into a session) written by a newer version decodes: only
    the inbound ``AgentSettings`` refuses what it does not know."""
    newer = msgspec.to_builtins(config()) | {"reasoningEffort": "high"}
    assert msgspec.convert(newer, AgentConfig) == config()
    now = utcnow()
    session = ChatSession(client_id="demo", session_id="s1", profile_name="default",
                          config=config(), created_at=now, updated_at=now)
    stored = msgspec.to_builtins(session) | {"config": newer}
    assert msgspec.json.decode(msgspec.json.encode(stored), type=ChatSession) == session
    with pytest.raises(msgspec.ValidationError, match="unknown field `reasoningEffort`"):
        msgspec.convert({"reasoningEffort": "high"}, AgentSettings)
    assert not isinstance(config(), AgentSettings), "a stored config is not a request"
