"""Agent profiles: the editable settings of an agent, saved as immutable versions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

import msgspec

from openbrain.domain.base import ClientId, LongText, ProfileName, Record, Request, Timestamp
from openbrain.domain.errors import InvalidError
from openbrain.domain.validation import explain, shape

ToolName = Annotated[str, msgspec.Meta(pattern=shape(
    r"^[a-z][a-z0-9_]{0,63}$", "a tool name: lower-case letters, digits and '_'"))]
ModelName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]

# Fields a profile may let a caller override for one session (listed in ``overridable``).
OverridableField = Literal[
    "systemMessage",
    "iceBreaker",
    "model",
    "temperature",
    "maxTokens",
    "maxIterations",
    "maxExecutionTime",
    "memoryWindow",
    "memoryPolicy",
    "summaryThreshold",
    "tools",
    "recordToolActions",
]

MemoryPolicy = Literal["window", "summary"]
"""``window``: a turn sees the last ``memoryWindow`` messages and nothing older. ``summary``:
the window's oldest messages are summarised incrementally, off the turn's path, before they
leave it, and a turn sees the summary and the window."""

DEFAULT_PROFILE = "default"
# A new profile's model: the configured OpenAI-compatible endpoint answers when there is one,
# the offline model (with a notice to the operator) otherwise. ``"offline"`` is only ever an
# explicit choice, so a profile made before an LLM was configured uses it once it is.
DEFAULT_MODEL = "gpt-4o-mini"
OFFLINE_MODEL = "offline"
"""The built-in model that answers without an LLM endpoint (stated here, not beside it in
``openbrain.agent.offline``: the API names it without importing LangChain)."""


class AgentSettingsBase(Record, kw_only=True, frozen=True):
    """What a tenant edits on a profile: everything but identity, version and timestamps.

    The fields shared by the inbound :class:`AgentSettings` (which refuses unknown fields) and
    the stored :class:`AgentConfig` (which ignores them, so records a newer version wrote read).
    """

    system_message: LongText = "You are a helpful assistant."
    ice_breaker: Annotated[str, msgspec.Meta(max_length=2_000)] = "Hello! How can I help you?"
    model: ModelName = DEFAULT_MODEL
    temperature: Annotated[float, msgspec.Meta(ge=0.0, le=2.0)] = 0.0
    max_tokens: Annotated[int, msgspec.Meta(ge=1, le=128_000)] = 1024
    max_iterations: Annotated[int, msgspec.Meta(ge=1, le=50)] = 5
    max_execution_time: Annotated[float, msgspec.Meta(gt=0, le=600)] = 60.0
    memory_window: Annotated[int, msgspec.Meta(ge=1, le=500)] = 20
    memory_policy: MemoryPolicy = "window"
    summary_threshold: Annotated[int, msgspec.Meta(ge=2, le=500)] = 20
    """``summary`` policy: a summary step takes in this many messages (at most the window):
    the window's oldest, once the messages the summary does not cover fill the window."""
    tools: Annotated[list[ToolName], msgspec.Meta(max_length=32)] = msgspec.field(
        default_factory=list
    )
    record_tool_actions: bool = False
    overridable: list[OverridableField] = msgspec.field(default_factory=list)
    widget_enabled: bool = False

    def __post_init__(self) -> None:
        if len(set(self.tools)) != len(self.tools):
            raise ValueError("tools must not repeat a name")


class AgentSettings(AgentSettingsBase, Request, kw_only=True, frozen=True):
    """A profile's settings as a caller sends them (``PUT /v1/configs/{name}``)."""


class AgentConfig(AgentSettingsBase, kw_only=True, frozen=True):
    """One saved version of a profile. Never changed after it is written."""

    client_id: ClientId
    profile_name: ProfileName
    version: Annotated[int, msgspec.Meta(ge=1)] = 1
    created_at: Timestamp | None = None

    @property
    def settings(self) -> AgentSettings:
        """The editable part of this version (to save it again, e.g. on restore)."""
        fields = {f: getattr(self, f) for f in AgentSettings.__struct_fields__}
        return AgentSettings(**fields)


_WIRE_TO_FIELD = dict(
    zip(AgentSettings.__struct_encode_fields__, AgentSettings.__struct_fields__, strict=True)
)


def apply_overrides(config: AgentConfig, overrides: dict[str, Any]) -> AgentConfig:
    """The config a session starts with: ``config`` plus the caller's allowed overrides.

    Raises:
        InvalidError: a field is unknown, not listed in ``overridable``, or has a bad value.
    """
    if not overrides:
        return config
    # The messages name the setting, not the request field that carries the overrides: the
    # chat route calls it ``agentConfigOverrides``, the sessions route ``overrides``.
    allowed = set(config.overridable)
    for wire_name in overrides:
        if wire_name not in _WIRE_TO_FIELD:
            raise InvalidError(f"{wire_name!r} is not a profile setting, so it cannot be "
                               "overridden", fields={wire_name: "unknown setting"})
        if wire_name not in allowed:
            raise InvalidError(
                f"profile {config.profile_name!r} does not allow overriding {wire_name!r}",
                fields={wire_name: "not overridable"},
            )
    merged = msgspec.to_builtins(config) | overrides
    try:
        return msgspec.convert(merged, type=AgentConfig)
    except msgspec.ValidationError as exc:
        said = explain(str(exc))
        raise InvalidError(said.sentence,
                           fields={said.field or "": said.sentence}) from exc


def merge_patch(current: AgentSettings, patch: Mapping[str, Any]) -> AgentSettings:
    """``current`` changed by an RFC 7396 JSON merge patch: a field sent replaces its value,
    ``null`` resets it to its default, a field left out keeps its value.

    Raises:
        msgspec.ValidationError: an unknown field or a bad value, naming the field.
    """
    merged = msgspec.to_builtins(current)
    for wire_name, value in patch.items():
        if value is None:
            merged.pop(wire_name, None)
        else:
            merged[wire_name] = value
    return msgspec.convert(merged, type=AgentSettings)
