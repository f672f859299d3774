"""Problem details (RFC 9457) from the API back into the domain errors they stand for.

Read leniently: a proxy's HTML page or a truncated body still becomes an error with a useful
message. Field messages are kept (keyed by the camelCase name the API used), so a form can
mark the field the API refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import msgspec

from openbrain.domain.errors import (
    InvalidError,
    OpenBrainError,
    RateLimitedError,
    StoreBusyError,
    error_type,
)

_DETAIL_FIELD = re.compile(r"at `\$\.([A-Za-z_][A-Za-z0-9_]*)")
_FIELD_LISTS = ("errors", "invalidParams", "invalid_params", "invalid-params", "extra")


def error_from_body(status: int, body: bytes, retry_after: str | None = None) -> OpenBrainError:
    """The domain error an error answer stands for (its body a problem detail, or not)."""
    try:
        problem = msgspec.json.decode(body) if body else {}
    except msgspec.DecodeError:
        problem = {}
    return error_from_problem(status, problem if isinstance(problem, dict) else {}, retry_after)


def error_from_problem(status: int, problem: Mapping[str, Any],
                       retry_after: str | None = None) -> OpenBrainError:
    """The domain error of a decoded problem detail (also an SSE ``error`` event's data)."""
    detail = str(problem.get("detail") or problem.get("title") or _phrase(status))
    problem_type = problem.get("type")
    cls = error_type(status, problem_type if isinstance(problem_type, str) else None)
    if issubclass(cls, RateLimitedError | StoreBusyError):
        return cls(detail, _seconds(retry_after))
    if issubclass(cls, InvalidError):
        return cls(detail, fields=field_errors(problem, detail))
    return cls(detail)


def field_errors(problem: Mapping[str, Any], detail: str = "") -> dict[str, str]:
    """Field messages from the usual problem-detail extensions (Litestar's ``errors`` or
    ``extra``, ``invalid_params``...), else the field msgspec names at the end of ``detail``
    (``... - at `$.maxTokens```)."""
    found: dict[str, str] = {}
    for key in _FIELD_LISTS:
        items = problem.get(key)
        if isinstance(items, dict):
            items = [{"field": k, "message": v} for k, v in items.items()]
        for item in items if isinstance(items, list) else ():
            if not isinstance(item, dict):
                continue
            name = item.get("field") or item.get("name") or item.get("key") or item.get("pointer")
            message = item.get("message") or item.get("reason") or item.get("detail")
            if name and message:
                found[_field_name(str(name))] = str(message)
    if not found and (named := _DETAIL_FIELD.search(detail)):
        found[named.group(1)] = detail
    return found


def _field_name(raw: str) -> str:
    # "$.maxTokens", "/maxTokens", "body.maxTokens" all name the field maxTokens.
    for sep in ("$.", "/", "."):
        if sep in raw:
            raw = raw.rsplit(sep, 1)[-1]
    return raw.strip("`'\"[]$")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _seconds(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 1
