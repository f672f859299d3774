"""Pure helpers of the dashboard: form conversion, diffs, chart series, row formatting.

No Reflex and no I/O here, so the logic the pages rely on is unit-tested directly.
"""

from __future__ import annotations

import base64
import json
import time
from collections import defaultdict
from typing import Any, get_args

from openbrain.domain.agent_config import OverridableField

# The editable AgentConfig fields (AgentSettings), in form order, with their input kind.
TEXT_FIELDS: tuple[str, ...] = ("systemMessage", "iceBreaker", "model")
NUMBER_FIELDS: dict[str, type] = {
    "temperature": float,
    "maxTokens": int,
    "maxIterations": int,
    "maxExecutionTime": float,
    "memoryWindow": int,
}
FLAG_FIELDS: tuple[str, ...] = ("recordToolActions", "widgetEnabled")
LIST_FIELDS: tuple[str, ...] = ("tools", "overridable")
SETTINGS_FIELDS: tuple[str, ...] = (*TEXT_FIELDS, *NUMBER_FIELDS, *LIST_FIELDS, *FLAG_FIELDS)
OVERRIDABLE_FIELDS: tuple[str, ...] = get_args(OverridableField)  # the API's own list
FIELD_LABELS: dict[str, str] = {
    "systemMessage": "System message",
    "iceBreaker": "Ice breaker",
    "model": "Model",
    "temperature": "Temperature",
    "maxTokens": "Max tokens",
    "maxIterations": "Max iterations",
    "maxExecutionTime": "Max execution time (s)",
    "memoryWindow": "Memory window (messages)",
    "tools": "Tools",
    "overridable": "Overridable fields",
    "recordToolActions": "Record tool actions",
    "widgetEnabled": "Widget enabled",
}
DEFAULT_SETTINGS: dict[str, Any] = {
    "systemMessage": "You are a helpful assistant.",
    "iceBreaker": "Hello! How can I help you?",
    "model": "offline",
    "temperature": 0.0,
    "maxTokens": 1024,
    "maxIterations": 5,
    "maxExecutionTime": 60.0,
    "memoryWindow": 20,
    "tools": [],
    "overridable": [],
    "recordToolActions": False,
    "widgetEnabled": False,
}
LEAD_STATUSES: tuple[str, ...] = ("new", "contacted", "qualified", "converted", "closed")
LEAD_EDIT_FIELDS: tuple[str, ...] = (
    "fullName",
    "firstName",
    "middleName",
    "lastName",
    "email",
    "phone",
    "dateOfBirth",
    "stateOfResidence",
    "medications",
    "status",
    "notes",
)
EVENT_TYPES: tuple[str, ...] = (
    "lead.created",
    "lead.updated",
    "handoff.requested",
    "test.event",
    "session.started",
)


def form_from_config(config: dict[str, Any]) -> dict[str, str]:
    """The text inputs of the profile form (text and number fields) as strings."""
    merged = DEFAULT_SETTINGS | {k: v for k, v in config.items() if v is not None}
    return {name: _text(merged[name]) for name in (*TEXT_FIELDS, *NUMBER_FIELDS)}


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return "" if value is None else str(value)


def settings_from_form(
    form: dict[str, str],
    tools: list[str],
    overridable: list[str],
    flags: dict[str, bool],
) -> tuple[dict[str, Any], dict[str, str]]:
    """The AgentSettings body to PUT, and field errors for inputs that are not numbers.

    Range checks are the API's job (its problem details name the field); only what cannot
    even be sent as JSON of the right type is caught here.
    """
    settings: dict[str, Any] = {name: form.get(name, "") for name in TEXT_FIELDS}
    errors: dict[str, str] = {}
    for name, kind in NUMBER_FIELDS.items():
        raw = form.get(name, "").strip()
        try:
            settings[name] = kind(raw)
        except ValueError:
            noun = "a whole number" if kind is int else "a number"
            errors[name] = f"{FIELD_LABELS[name]} must be {noun}"
    settings["tools"] = list(dict.fromkeys(tools))
    settings["overridable"] = [f for f in OVERRIDABLE_FIELDS if f in set(overridable)]
    for name in FLAG_FIELDS:
        settings[name] = bool(flags.get(name, False))
    return settings, errors


def config_diff(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, str]]:
    """The settings that differ between two versions: ``{field, label, before, after}``."""
    rows = []
    for name in SETTINGS_FIELDS:
        before, after = old.get(name), new.get(name)
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


def version_rows(versions: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Version history rows, newest first, each with its diff against the version before."""
    ordered = sorted(versions, key=lambda v: int(v.get("version", 0)), reverse=True)
    rows = []
    for i, version in enumerate(ordered):
        previous = ordered[i + 1] if i + 1 < len(ordered) else None
        changes = config_diff(previous, version) if previous else []
        summary = "; ".join(f"{c['label']}: {c['before']} → {c['after']}" for c in changes)
        rows.append(
            {
                "version": str(version.get("version", "")),
                "created": fmt_time(version.get("createdAt")),
                "changes": summary if previous else "first version",
            }
        )
    return rows


def fmt_time(value: Any) -> str:
    """``2025-01-02T03:04:05.123+00:00`` → ``2025-01-02 03:04:05`` (UTC, as stored)."""
    if not value:
        return ""
    text = str(value).replace("T", " ")
    return text[:19]


def usage_by_day(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-day totals for the charts, oldest day first: ``{day, turns, tokens}``."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"turns": 0, "tokens": 0})
    for row in rows:
        day = str(row.get("day", ""))
        totals[day]["turns"] += int(row.get("turns", 0))
        totals[day]["tokens"] += int(row.get("inputTokens", 0)) + int(row.get("outputTokens", 0))
    return [{"day": day, **totals[day]} for day in sorted(totals)]


def usage_by_profile(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-profile totals for the charts, busiest first: ``{profile, turns, tokens}``."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"turns": 0, "tokens": 0})
    for row in rows:
        name = str(row.get("profileName", ""))
        totals[name]["turns"] += int(row.get("turns", 0))
        totals[name]["tokens"] += int(row.get("inputTokens", 0)) + int(row.get("outputTokens", 0))
    ordered = sorted(totals, key=lambda n: (-totals[n]["tokens"], n))
    return [{"profile": name, **totals[name]} for name in ordered]


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


def transcript_rows(
    messages: list[dict[str, Any]], actions: list[dict[str, Any]]
) -> list[dict[str, str]]:
    """Messages (oldest first) as display rows; tool calls and recorded tool actions inline."""
    rows = []
    for message in sorted(messages, key=lambda m: int(m.get("seq", 0))):
        role = str(message.get("role", ""))
        content = str(message.get("content") or "")
        calls = message.get("toolCalls") or []
        if calls:
            names = ", ".join(
                f"{c.get('name')}({json.dumps(c.get('args', {}), sort_keys=True)})" for c in calls
            )
            content = (content + "\n" if content else "") + f"calls {names}"
        if role == "tool" and message.get("name"):
            role = f"tool {message['name']}"
        rows.append({"role": role, "content": content, "time": fmt_time(message.get("createdAt"))})
    for action in actions:
        outcome = action.get("error") or action.get("output") or ""
        rows.append(
            {
                "role": f"action {action.get('tool', '')}",
                "content": f"{json.dumps(action.get('args', {}), sort_keys=True)} → {outcome}",
                "time": fmt_time(action.get("createdAt")),
            }
        )
    return rows


def lead_name(lead: dict[str, Any]) -> str:
    """The best name a lead has, for lists."""
    full = lead.get("fullName")
    if full:
        return str(full)
    parts = [lead.get(k) for k in ("firstName", "middleName", "lastName")]
    return " ".join(str(p) for p in parts if p) or "(no name)"


def lead_form(lead: dict[str, Any]) -> dict[str, str]:
    """A lead's editable fields as form strings (medications comma-separated)."""
    form = {}
    for name in LEAD_EDIT_FIELDS:
        value = lead.get(name)
        if name == "medications":
            form[name] = ", ".join(value or [])
        else:
            form[name] = "" if value is None else str(value)
    return form


def lead_patch(form: dict[str, str], original: dict[str, Any]) -> dict[str, Any]:
    """The PATCH body: only the fields the admin changed (empty text is not sent, so it
    cannot wipe a field by accident)."""
    patch: dict[str, Any] = {}
    before = lead_form(original)
    for name in LEAD_EDIT_FIELDS:
        value = form.get(name, "").strip()
        if value == before.get(name, "").strip() or value == "":
            continue
        if name == "medications":
            patch[name] = [m.strip() for m in value.split(",") if m.strip()]
        else:
            patch[name] = value
    return patch


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
