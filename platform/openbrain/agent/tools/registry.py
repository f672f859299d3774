"""The tool registry: an explicit object mapping a name to its schema, description and code.

There is no global registry and nothing is discovered at import time: callers build one
(``default_registry()``) and pass it in, so a test or a tenant can use a different set.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from openbrain.domain.errors import InvalidError
from openbrain.domain.event import Event
from openbrain.domain.lead import Lead


class ToolError(Exception):
    """A tool could not do what was asked. The message goes back to the model as the
    observation, so it must be safe to show (no secrets)."""


class ToolArgs(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of every tool's arguments: snake_case names (what models expect), unknown refused."""


@dataclass(kw_only=True)
class ToolContext:
    """What a tool sees of the turn. ``facts`` is the request's ``context``: the caller's
    facts (a known e-mail, say), which the model itself never sees."""

    client_id: str
    session_id: str
    now: datetime
    facts: Mapping[str, Any] = field(default_factory=dict)
    lead: Lead | None = None
    humans_available: bool = True
    """Whether a hand-off can reach a person now (the tenant's plan)."""


@dataclass(frozen=True, kw_only=True)
class ToolResult:
    """A tool's answer. Tools never write to the store: the executor commits ``lead`` (the
    session's lead as it now stands, when changed) and ``events`` in the turn's transaction."""

    output: str
    lead: Lead | None = None
    events: tuple[Event, ...] = ()


ToolFunction = Callable[[Any, ToolContext], ToolResult]
_schema_decoder = msgspec.json.Decoder(dict[str, Any])


@functools.cache
def _schema_json(args: type[ToolArgs]) -> bytes:
    """The inlined JSON schema of ``args``, built once per type (msgspec's schema generator
    costs a fraction of a millisecond, and a turn asks for every enabled tool's)."""
    schema = msgspec.json.schema(args)
    defs: dict[str, Any] = schema.pop("$defs", {})
    ref = schema.get("$ref", "")
    if ref.startswith("#/$defs/"):
        schema = defs.pop(ref.removeprefix("#/$defs/"))
    if defs:
        schema["$defs"] = defs
    schema.pop("title", None)
    return msgspec.json.encode(schema)


@dataclass(frozen=True, kw_only=True)
class Tool:
    name: str
    description: str
    args: type[ToolArgs]
    run: ToolFunction

    def parameters(self) -> dict[str, Any]:
        """The JSON schema of the arguments, inlined (no top-level ``$ref``); a fresh copy."""
        return _schema_decoder.decode(_schema_json(self.args))

    def openai_spec(self) -> dict[str, Any]:
        """The OpenAI function-tool format ``bind_tools`` accepts as is."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters(),
            },
        }

    def invoke(self, raw_args: Mapping[str, Any], ctx: ToolContext) -> ToolResult:
        """Validate ``raw_args`` against the schema and run the tool.

        Raises:
            ToolError: the arguments are invalid or the tool failed.
        """
        try:
            args = msgspec.convert(dict(raw_args), type=self.args)
        except msgspec.ValidationError as exc:
            raise ToolError(f"invalid arguments for {self.name}: {exc}") from exc
        return self.run(args, ctx)


class ToolRegistry:
    """Tools by name. Build one, register tools, pass it to the executor and the API."""

    def __init__(self, tools: Iterable[Tool] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            self.register(tool)

    def register(self, tool: Tool) -> None:
        if tool.name in self._tools:
            raise ValueError(f"tool {tool.name!r} is already registered")
        self._tools[tool.name] = tool

    def names(self) -> list[str]:
        return sorted(self._tools)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def get(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            raise InvalidError(f"unknown tool {name!r}") from None

    def check(self, names: Iterable[str]) -> None:
        """Refuse a profile that enables a tool this registry does not have.

        Raises:
            InvalidError: naming every unknown tool and the known ones.
        """
        unknown = sorted(set(names) - self._tools.keys())
        if unknown:
            raise InvalidError(
                f"unknown tool(s) {', '.join(unknown)}; available: {', '.join(self.names())}"
            )

    def select(self, names: Iterable[str]) -> list[Tool]:
        """The tools a profile enables, in the profile's order (unknown names refused)."""
        names = list(names)
        self.check(names)
        return [self._tools[n] for n in names]

    def describe(self) -> list[dict[str, Any]]:
        """``[{name, description, parameters}]`` for ``GET /v1/tools``."""
        return [
            {"name": t.name, "description": t.description, "parameters": t.parameters()}
            for t in (self._tools[n] for n in self.names())
        ]
