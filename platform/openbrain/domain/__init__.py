"""Domain records and errors: msgspec Structs (camelCase JSON) with no I/O."""

from openbrain.domain.agent_config import (
    DEFAULT_PROFILE,
    AgentConfig,
    AgentSettings,
    apply_overrides,
)
from openbrain.domain.api_key import ALL_TENANT_SCOPES, ApiKey, KeyKind, Scope
from openbrain.domain.base import Record, Request, new_id, utcnow
from openbrain.domain.chat import ChatMessage, ChatReply
from openbrain.domain.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    OpenBrainError,
    PreconditionFailedError,
    RateLimitedError,
    UnauthorizedError,
    UpstreamError,
    UpstreamTimeoutError,
)
from openbrain.domain.event import EVENT_SOURCE, Event, ToolAction, Usage
from openbrain.domain.lead import Lead, LeadFields
from openbrain.domain.session import ChatSession, MemorySummary, Message, SessionMemory, ToolCall
from openbrain.domain.tenant import EVENT_TYPES, Plan, Route, Tenant

__all__ = (
    "ALL_TENANT_SCOPES",
    "DEFAULT_PROFILE",
    "EVENT_SOURCE",
    "EVENT_TYPES",
    "AgentConfig",
    "AgentSettings",
    "ApiKey",
    "ChatMessage",
    "ChatReply",
    "ChatSession",
    "ConflictError",
    "Event",
    "ForbiddenError",
    "InvalidError",
    "KeyKind",
    "Lead",
    "LeadFields",
    "MemorySummary",
    "Message",
    "NotFoundError",
    "OpenBrainError",
    "Plan",
    "PreconditionFailedError",
    "RateLimitedError",
    "Record",
    "Request",
    "Route",
    "Scope",
    "SessionMemory",
    "Tenant",
    "ToolAction",
    "ToolCall",
    "UnauthorizedError",
    "UpstreamError",
    "UpstreamTimeoutError",
    "Usage",
    "apply_overrides",
    "new_id",
    "utcnow",
)
