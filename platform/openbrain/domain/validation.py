"""Validation failures as sentences people read.

msgspec and Litestar describe a refusal for programmers ("Expected `str` matching regex
'^(?:[A-Za-z0-9]…)$'", "Object contains unknown field `shoe`", "Input data was truncated").
The API's problem details, the CLI and the dashboard show :func:`explain`'s sentence instead:
the field by its JSON name and what it must be. Each constrained string shape registers its
description with :func:`shape` where its pattern is declared, so the two never drift apart.
"""

from __future__ import annotations

import re
from typing import Final

_SHAPES: dict[str, str] = {}


def shape(pattern: str, description: str) -> str:
    """Record what ``pattern`` means in words (e.g. "a date written YYYY-MM-DD"); returns the
    pattern, so a declaration reads ``Meta(pattern=shape(r"…", "…"))``."""
    _SHAPES[pattern] = description
    return pattern


_TYPES: Final = {
    "str": "text",
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
    "datetime": "a date and time such as 2026-01-31T12:00:00Z",
    "date": "a date written YYYY-MM-DD",
}
_BOUNDS: Final = {">=": "at least", "<=": "at most", ">": "greater than", "<": "less than"}
_AT: Final = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_RULES: Final = (
    (re.compile(r"Expected `\w+` matching regex '(?P<regex>.*)'"), "regex"),
    (re.compile(r"Expected `(?P<kind>str|array|object)` of length (?P<op>[<>]=?) (?P<n>\d+)"),
     "length"),
    (re.compile(r"Expected `(?P<kind>int|float)` (?P<op>[<>]=?) (?P<n>-?[\d.e+-]+)"), "bound"),
    (re.compile(r"Expected `(?P<want>[\w | ]+)`, got `(?P<got>\w+)`"), "type"),
    (re.compile(r"Object contains unknown field `(?P<name>[^`]*)`"), "unknown"),
    (re.compile(r"Object missing required field `(?P<name>[^`]*)`"), "missing"),
    (re.compile(r"Invalid enum value (?P<value>.*)"), "enum"),
    (re.compile(r"Invalid RFC3339 encoded (?P<kind>datetime|date)"), "datetime"),
    (re.compile(r"Input data was truncated|JSON is malformed.*|Input data .*"), "json"),
)


class Explained:
    """A refusal: the field it concerns (a JSON path such as ``target.url``, or ``None`` for
    the body as a whole) and a sentence that names it."""

    __slots__ = ("field", "sentence")

    def __init__(self, field: str | None, sentence: str) -> None:
        self.field = field
        self.sentence = sentence

    def __repr__(self) -> str:
        return f"Explained({self.field!r}, {self.sentence!r})"


def _path(raw: str) -> str | None:
    """``$.target.url`` / ``$.tools[2]`` as ``target.url`` / ``tools[2]``."""
    return raw.lstrip(".") or None


def _join(parent: str | None, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def explain(message: str, field: str | None = None) -> Explained:
    """``message`` (msgspec's or Litestar's) as a sentence that names ``field`` (or the field
    the message itself names). Messages already written for people pass through unchanged."""
    at = _AT.search(message)
    if at:
        field = _path(at["path"]) or field
        message = message[: at.start()]
    if field in ("data", "body"):  # Litestar's name for the whole body
        field = None
    subject = field or "the body"
    for pattern, rule in _RULES:
        found = pattern.fullmatch(message)
        if found is None:
            continue
        if rule == "regex":
            # msgspec quotes the pattern with its backslashes doubled, as ``repr`` does.
            regex = found["regex"]
            what = _SHAPES.get(regex) or _SHAPES.get(regex.replace("\\\\", "\\"),
                                                     "in the expected format")
            return Explained(field, f"{subject} must be {what}")
        if rule == "length":
            unit = "characters" if found["kind"] == "str" else "items"
            return Explained(field, f"{subject} must have {_BOUNDS[found['op']]} "
                                    f"{found['n']} {unit}")
        if rule == "bound":
            kind = _TYPES[found["kind"]]
            return Explained(field, f"{subject} must be {kind} {_BOUNDS[found['op']]} "
                                    f"{found['n']}")
        if rule == "type":
            wanted = " or ".join(_TYPES.get(w.strip(), w.strip())
                                 for w in found["want"].split("|"))
            got = _TYPES.get(found["got"], found["got"])
            return Explained(field, f"{subject} must be {wanted}, not {got}")
        if rule == "unknown":
            name = _join(field, found["name"])
            return Explained(name, f"{name} is not a field of this request")
        if rule == "missing":
            name = _join(field, found["name"])
            return Explained(name, f"{name} is required")
        if rule == "enum":
            return Explained(field, f"{subject} must be one of the allowed values, "
                                    f"not {found['value']}")
        if rule == "datetime":
            return Explained(field, f"{subject} must be {_TYPES[found['kind']]}")
        return Explained(None, "the body is not valid JSON (it is cut short or malformed)")
    return Explained(field, message)
