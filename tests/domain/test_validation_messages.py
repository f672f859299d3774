"""Refusals read as sentences that name the field by its JSON name (never a regex, never
"data", never "Input data was truncated")."""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

import msgspec
import pytest

import openbrain.domain
from openbrain.domain.agent_config import AgentSettings
from openbrain.domain.delivery import NewRoute
from openbrain.domain.lead import LeadFields
from openbrain.domain.validation import _SHAPES, explain


def _refusal(payload: dict[str, Any], kind: type[Any]) -> str:
    with pytest.raises(msgspec.ValidationError) as info:
        msgspec.convert(payload, kind)
    return str(info.value)


@pytest.mark.parametrize(
    ("payload", "kind", "field", "sentence"),
    [
        ({"dateOfBirth": "1990-1-1"}, LeadFields, "dateOfBirth",
         "dateOfBirth must be a date written YYYY-MM-DD"),
        ({"email": "nope"}, LeadFields, "email",
         "email must be an e-mail address such as jane@example.com"),
        ({"temperature": 9}, AgentSettings, "temperature",
         "temperature must be a number at most 2.0"),
        ({"maxTokens": "many"}, AgentSettings, "maxTokens",
         "maxTokens must be a whole number, not text"),
        ({"shoeSize": 44}, AgentSettings, "shoeSize", "shoeSize is not a field of this request"),
        ({"tools": ["Not A Tool"]}, AgentSettings, "tools[0]",
         "tools[0] must be a tool name: lower-case letters, digits and '_'"),
        ({"systemMessage": "x" * 20_001}, AgentSettings, "systemMessage",
         "systemMessage must have at most 20000 characters"),
    ],
)
def test_msgspec_refusals_become_sentences(payload: dict[str, Any], kind: type[Any],
                                           field: str, sentence: str) -> None:
    said = explain(_refusal(payload, kind))
    assert (said.field, said.sentence) == (field, sentence)


def test_nested_fields_are_named_by_their_path() -> None:
    said = explain(_refusal({"eventTypes": ["lead.exploded"],
                             "url": "https://example.com/hook"}, NewRoute))
    assert said.field == "eventTypes[0]"
    assert said.sentence.startswith("eventTypes[0] must be one of the allowed values")


def test_litestar_field_names_and_bad_json() -> None:
    assert explain("Expected `int` >= 1", "limit").sentence == (
        "limit must be a whole number at least 1")
    unknown = explain("Object contains unknown field `shoe`", "data")
    assert (unknown.field, unknown.sentence) == ("shoe", "shoe is not a field of this request")
    assert explain("Input data was truncated").sentence == (
        "the body is not valid JSON (it is cut short or malformed)")
    assert explain("tools must not repeat a name", "data").sentence == (
        "tools must not repeat a name")


def _patterns(kind: Any) -> list[str]:
    """Every ``pattern`` constraint in a type's msgspec description."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                found.append(node["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(msgspec.json.schema(kind))
    return found


def test_every_pattern_in_the_domain_is_described() -> None:
    """A new constrained string without a description would reach people as a regex."""
    structs: list[type[Any]] = []
    for module in pkgutil.iter_modules(openbrain.domain.__path__):
        loaded = importlib.import_module(f"openbrain.domain.{module.name}")
        structs += [v for v in vars(loaded).values()
                    if isinstance(v, type) and issubclass(v, msgspec.Struct)
                    and v.__module__ == loaded.__name__]
    assert len(structs) > 10
    undescribed = {p for kind in structs for p in _patterns(kind) if p not in _SHAPES}
    assert undescribed == set()
    assert all(not re.search(r"[\\^$]", d) for d in _SHAPES.values())
