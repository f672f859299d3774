"""Pure helpers of the dashboard: form conversion, diffs, chart series, row formatting.

No Reflex and no I/O here, so the logic the pages rely on is unit-tested directly.
"""

from __future__ import annotations

import base64
import json
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, get_args

import msgspec

from openbrain.domain.agent_config import (
    AgentConfig,
    AgentSettings,
    AgentSettingsBase,
    MemoryPolicy,
    OverridableField,
)
from openbrain.domain.delivery import RouteTestResult
from openbrain.domain.event import ToolAction, Usage
from openbrain.domain.lead import LEAD_FIELDS, Lead, LeadFields
from openbrain.domain.pricing import ModelInfo
from openbrain.domain.session import ListedSession, Message, SessionMemory

# The editable AgentConfig fields (AgentSettings, by wire name), in form order, by input kind.
TEXT_FIELDS: tuple[str, ...] = ("systemMessage", "iceBreaker", "model")
NUMBER_FIELDS: dict[str, type] = {
    "temperature": float,
    "maxTokens": int,
    "maxIterations": int,
    "maxExecutionTime": float,
    "memoryWindow": int,
    "summaryThreshold": int,
}
# Settings picked from a fixed list (a select), by wire name: the API's Literal's values.
CHOICE_FIELDS: dict[str, tuple[str, ...]] = {"memoryPolicy": get_args(MemoryPolicy)}
FLAG_FIELDS: tuple[str, ...] = ("recordToolActions", "widgetEnabled")
LIST_FIELDS: tuple[str, ...] = ("tools", "overridable")
SETTINGS_FIELDS: tuple[str, ...] = (*TEXT_FIELDS, *NUMBER_FIELDS, *CHOICE_FIELDS, *LIST_FIELDS,
                                    *FLAG_FIELDS)
OVERRIDABLE_FIELDS: tuple[OverridableField, ...] = get_args(OverridableField)  # the API's list
FIELD_LABELS: dict[str, str] = {
    "systemMessage": "System message",
    "iceBreaker": "Ice breaker",
    "model": "Model",
    "temperature": "Temperature",
    "maxTokens": "Max tokens",
    "maxIterations": "Max iterations",
    "maxExecutionTime": "Max execution time (s)",
    "memoryWindow": "Memory window (messages)",
    "summaryThreshold": "Summarise after (messages)",
    "memoryPolicy": "Memory policy",
    "tools": "Tools",
    "overridable": "Overridable fields",
    "recordToolActions": "Record tool actions",
    "widgetEnabled": "Widget enabled",
}
_SETTING_ATTRS = dict(
    zip(AgentSettings.__struct_encode_fields__, AgentSettings.__struct_fields__, strict=True)
)


def _wire(record: msgspec.Struct) -> dict[str, Any]:
    """A record as the API sends it (camelCase names), for field-by-name forms and diffs."""
    values: dict[str, Any] = msgspec.to_builtins(record)
    return values


def form_from_config(config: AgentSettingsBase) -> dict[str, str]:
    """The text inputs and selects of the profile form (text, number and choice fields) as
    strings."""
    values = _wire(config)
    return {name: _text(values[name]) for name in (*TEXT_FIELDS, *NUMBER_FIELDS, *CHOICE_FIELDS)}


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return "" if value is None else str(value)


def settings_from_form(
    form: dict[str, str],
    tools: list[str],
    overridable: list[str],
    flags: dict[str, bool],
) -> tuple[AgentSettings, dict[str, str]]:
    """The AgentSettings to PUT, and field errors for inputs that are not numbers.

    Range checks are the API's job (its problem details name the field), so the settings are
    built without validating them; only what cannot even be sent as JSON of the right type is
    caught here (and the settings are then not to be sent).
    """
    values: dict[str, Any] = {name: form.get(name, "") for name in (*TEXT_FIELDS,
                                                                     *CHOICE_FIELDS)}
    errors: dict[str, str] = {}
    for name, kind in NUMBER_FIELDS.items():
        raw = form.get(name, "").strip()
        try:
            values[name] = kind(raw)
        except ValueError:
            noun = "a whole number" if kind is int else "a number"
            errors[name] = f"{FIELD_LABELS[name]} must be {noun}"
    values["tools"] = list(dict.fromkeys(tools))
    values["overridable"] = [f for f in OVERRIDABLE_FIELDS if f in set(overridable)]
    for name in FLAG_FIELDS:
        values[name] = bool(flags.get(name, False))
    return AgentSettings(**{_SETTING_ATTRS[k]: v for k, v in values.items()}), errors


def config_diff(old: AgentSettingsBase, new: AgentSettingsBase) -> list[dict[str, str]]:
    """The settings that differ between two versions: ``{field, label, before, after}``."""
    before_values, after_values = _wire(old), _wire(new)
    rows = []
    for name in SETTINGS_FIELDS:
        before, after = before_values.get(name), after_values.get(name)
        if _norm(before) != _norm(after):
            rows.append(
                {
                    "field": name,
                    "label": FIELD_LABELS[name],
                    "before": _show(before),
                    "after": _show(after),
                }
            )
    return rows


def _norm(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    if value is None or value == "":
        return "(empty)"
    return str(value)


def version_rows(versions: list[AgentConfig]) -> list[dict[str, str]]:
    """Version history rows, newest first, each with its diff against the version before."""
    ordered = sorted(versions, key=lambda v: v.version, reverse=True)
    rows = []
    for i, version in enumerate(ordered):
        previous = ordered[i + 1] if i + 1 < len(ordered) else None
        changes = config_diff(previous, version) if previous else []
        summary = "; ".join(f"{c['label']}: {c['before']} → {c['after']}" for c in changes)
        rows.append(
            {
                "version": str(version.version),
                "created": fmt_time(version.created_at),
                "changes": summary if previous else "first version",
            }
        )
    return rows


def fmt_time(value: datetime | None) -> str:
    """A timestamp as ``2025-01-02 03:04:05`` (UTC, as stored); ``None`` is blank."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _usage_totals(rows: list[Usage], key: Callable[[Usage], str]) -> dict[str, dict[str, int]]:
    """``{turns, input, output, tokens}`` per ``key`` of the rows."""
    totals: dict[str, dict[str, int]] = defaultdict(
        lambda: {"turns": 0, "input": 0, "output": 0, "tokens": 0})
    for row in rows:
        total = totals[key(row)]
        total["turns"] += row.turns
        total["input"] += row.input_tokens
        total["output"] += row.output_tokens
        total["tokens"] += row.input_tokens + row.output_tokens
    return totals


def model_options(models: list[ModelInfo], current: str) -> tuple[list[str], dict[str, str]]:
    """The model picker's choices (the configured models, and the profile's own when it is
    not among them) and a line about each: what it costs, or why it is there."""
    names = [m.name for m in models]
    notes = {m.name: _price_note(m) for m in models}
    if current and current not in notes:
        names.append(current)
        notes[current] = ("not configured on this platform: it runs offline until the LLM "
                          "endpoint serves it")
    return names, notes


def _price_note(model: ModelInfo) -> str:
    if model.offline:
        return "built in, answers without an LLM endpoint (free)"
    if model.input_price is None or model.output_price is None:
        return "served by the LLM endpoint; unpriced (no entry in the price table)"
    return (f"served by the LLM endpoint; ${model.input_price:g} input and "
            f"${model.output_price:g} output per million tokens")


def describe_test_result(result: RouteTestResult) -> str:
    """A test event's result as a sentence: delivered, or what the target said."""
    status = f"HTTP {result.http_status}, " if result.http_status else ""
    took = f"{status}{result.latency_ms:.0f} ms"
    if result.delivered:
        return f"Test event delivered to {result.route_id} ({took})."
    said = result.error if result.error and result.error != f"HTTP {result.http_status}" \
        else "refused by the receiver"
    return f"Test event not delivered to {result.route_id} ({took}): {said}."


def money(amount: float | None) -> str:
    """US dollars as the usage page shows them (``unpriced`` when unknown, never $0)."""
    if amount is None:
        return "unpriced"
    return f"${amount:,.4f}" if 0 < amount < 0.01 else f"${amount:,.2f}"


def usage_by_day(rows: list[Usage]) -> list[dict[str, Any]]:
    """Per-day totals for the charts, oldest day first: ``{day, turns, input, output, tokens}``."""
    totals = _usage_totals(rows, lambda r: r.day)
    return [{"day": day, **totals[day]} for day in sorted(totals)]


def usage_by_profile(rows: list[Usage]) -> list[dict[str, Any]]:
    """Per-profile totals for the charts, busiest first: ``{profile, turns, input, output,
    tokens}``."""
    totals = _usage_totals(rows, lambda r: r.profile_name)
    ordered = sorted(totals, key=lambda n: (-totals[n]["tokens"], n))
    return [{"profile": name, **totals[name]} for name in ordered]


def usage_total(rows: list[Usage]) -> dict[str, int]:
    """The period's totals: ``{turns, input, output, tokens}`` (zeros when there is none)."""
    return _usage_totals(rows, lambda _: "")[""]


def token_claims(token: str) -> dict[str, Any]:
    """The unverified claims of a JWT (for display and the expiry check only: the API
    verifies every request). Not a JWT (an API key) → ``{}``."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except ValueError:
        return {}
    return claims if isinstance(claims, dict) else {}


def token_expired(token: str, now: float | None = None) -> bool:
    """Whether a JWT's ``exp`` has passed (tokens without ``exp`` are left to the API)."""
    exp = token_claims(token).get("exp")
    if not isinstance(exp, int | float):
        return False
    return (time.time() if now is None else now) >= exp


def transcript_rows(messages: list[Message], actions: list[ToolAction]) -> list[dict[str, str]]:
    """Messages (oldest first) as display rows; tool calls and recorded tool actions inline."""
    rows = []
    for message in sorted(messages, key=lambda m: m.seq):
        role: str = message.role
        content = message.content
        if message.tool_calls:
            names = ", ".join(
                f"{c.name}({json.dumps(c.args, sort_keys=True)})" for c in message.tool_calls
            )
            content = (content + "\n" if content else "") + f"calls {names}"
        if role == "tool" and message.name:
            role = f"tool {message.name}"
        rows.append({"role": role, "content": content, "time": fmt_time(message.created_at)})
    for action in actions:
        outcome = action.error or action.output or ""
        rows.append(
            {
                "role": f"action {action.tool}",
                "content": f"{json.dumps(action.args, sort_keys=True)} → {outcome}",
                "time": fmt_time(action.created_at),
            }
        )
    return rows


def chat_rows(messages: list[Message]) -> list[dict[str, str]]:
    """A transcript as the tuner's chat shows it: ``user`` and ``assistant`` bubbles, and one
    ``tool`` row per tool call (its name, arguments and result, shown folded). Every row has
    the same keys, as a Reflex list of dicts needs."""
    rows: list[dict[str, str]] = []
    calls: dict[str, dict[str, str]] = {}

    def row(role: str, text: str = "", name: str = "", args: str = "",
            result: str = "") -> dict[str, str]:
        rows.append({"role": role, "text": text, "name": name, "args": args, "result": result})
        return rows[-1]

    for message in sorted(messages, key=lambda m: m.seq):
        if message.role == "user":
            row("user", message.content)
        elif message.role == "assistant":
            if message.content:
                row("assistant", message.content)
            for call in message.tool_calls:
                calls[call.id] = row("tool", name=call.name,
                                     args=json.dumps(call.args, indent=2, sort_keys=True))
        elif message.role == "tool":
            called = calls.get(message.tool_call_id or "")
            if called is None:  # its call fell out of the page read: the result alone
                row("tool", name=message.name or "tool", result=message.content)
            else:
                called["result"] = message.content
    return rows


def memory_view(memory: SessionMemory) -> dict[str, str]:
    """The transcript's memory line: the policy and, once made, the summary in force."""
    summary = memory.summary
    if summary is None:
        note = ("no summary yet" if memory.policy == "summary"
                else "older messages are not summarised")
        return {"policy": memory.policy, "covers": note, "text": "", "model": ""}
    return {
        "policy": memory.policy,
        "covers": f"summary of messages 1 to {summary.through_seq + 1} of "
                  f"{memory.message_count}",
        "text": summary.text,
        "model": summary.model,
    }


def lead_name(lead: Lead) -> str:
    """The best name a lead has, for lists."""
    return lead.display_name or "(no name)"


def session_row(session: ListedSession) -> dict[str, str]:
    """A session as a row of the sessions list (blank where a record of before channels,
    previews or leads has none)."""
    lead = session.lead_id or ""
    return {
        "id": session.session_id,
        "channel": session.channel or "",
        "lead": lead,
        "lead_name": session.lead_name or ("(no name)" if lead else ""),
        "preview": session.preview or "",
        "profile": session.profile_name,
        "turns": str(session.turn_count),
        "created": fmt_time(session.created_at),
        "updated": fmt_time(session.updated_at),
    }


def lead_form(lead: Lead) -> dict[str, str]:
    """A lead's editable fields as form strings, by wire name (lists comma-separated)."""
    form = {}
    for field in LEAD_FIELDS:
        value = getattr(lead, field.name)
        if field.many:
            form[field.wire] = ", ".join(value or [])
        else:
            form[field.wire] = "" if value is None else str(value)
    return form


def lead_patch(form: dict[str, str], original: Lead) -> tuple[LeadFields, list[str]]:
    """The PATCH: the fields the admin changed, and those they emptied (wire names), which
    the API clears. Not validated here: the API's answer names a bad field."""
    before = lead_form(original)
    changes: dict[str, Any] = {}
    cleared: list[str] = []
    for field in LEAD_FIELDS:
        value = form.get(field.wire, "").strip()
        if value == before.get(field.wire, "").strip():
            continue
        if value == "":
            cleared.append(field.wire)
            continue
        changes[field.name] = [m.strip() for m in value.split(",") if m.strip()] if field.many \
            else value
    return LeadFields(**changes), cleared


def split_list(text: str) -> list[str]:
    """Comma- or newline-separated input → a clean list without repeats."""
    items = [part.strip() for part in text.replace("\n", ",").split(",")]
    return list(dict.fromkeys(item for item in items if item))


def day_bounds(since: str, until: str) -> tuple[str, str]:
    """Date inputs (``YYYY-MM-DD``, UTC) → the timestamps the sessions filter takes; ``until``
    includes its whole day."""
    start = f"{since}T00:00:00+00:00" if since else ""
    end = f"{until}T23:59:59.999999+00:00" if until else ""
    return start, end
