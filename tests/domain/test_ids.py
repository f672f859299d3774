"""Id shapes are matched against the whole string: no trailing newline (which Python's ``$``
lets through), no extra prefix or suffix, whether checked in code or by a search-based
validator (msgspec records, Litestar parameters, the OpenAPI document's readers)."""

from __future__ import annotations

import re

import msgspec
import pytest

from openbrain.api.schemas import StartSession
from openbrain.domain import ChatMessage, Route, Tenant
from openbrain.domain.ids import (
    CLIENT_ID,
    DAY,
    GENERATED_ID,
    IDENTIFIER,
    PROFILE_NAME,
    IdPattern,
)

GOOD = {CLIENT_ID: "acme-1", PROFILE_NAME: "sales.v2", IDENTIFIER: "s_1-A", GENERATED_ID: "0" * 26,
        DAY: "2025-01-31"}
SHAPES = list(GOOD)


def spoiled(value: str) -> list[str]:
    """``value`` with a trailing newline, a leading newline, an extra prefix or suffix."""
    return [value + "\n", "\n" + value, "x y" + value, value + " x", value + "#x", value + "\n\n"]


@pytest.mark.parametrize("shape", SHAPES, ids=repr)
def test_each_shape_takes_only_whole_strings(shape: IdPattern) -> None:
    good = GOOD[shape]
    assert shape.fullmatch(good)
    assert re.search(shape.anchored, good)
    for bad in spoiled(good):
        assert not shape.fullmatch(bad), bad
        assert not re.search(shape.anchored, bad), bad


def test_the_anchored_form_needs_no_python_only_syntax() -> None:
    """``\\A``/``\\Z`` mean something else to ECMA-262 readers of the OpenAPI document."""
    for shape in SHAPES:
        assert shape.anchored.startswith("^")
        assert "\\A" not in shape.anchored
        assert "\\Z" not in shape.anchored


@pytest.mark.parametrize(
    ("record", "fields", "path"),
    [
        (Tenant, {"name": "x"}, "clientId"),
        (Route, {"eventTypes": ["lead.created"], "kind": "log"}, "routeId"),
        (ChatMessage, {"message": "hi"}, "sessionId"),
        (ChatMessage, {"message": "hi"}, "clientId"),
        (StartSession, {}, "profile"),
    ],
)
def test_records_refuse_spoiled_ids(record: type[msgspec.Struct], fields: dict[str, object],
                                    path: str) -> None:
    good = "acme" if path == "clientId" else "abc"
    msgspec.convert({**fields, path: good}, record)
    for bad in spoiled(good):
        with pytest.raises(msgspec.ValidationError, match=f"at `\\$.{path}`"):
            msgspec.convert({**fields, path: bad}, record)
