"""Request and response bodies of the API that are not domain records (camelCase JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import msgspec

from openbrain import __version__
from openbrain.domain.agent_config import AgentConfig
from openbrain.domain.api_key import ApiKeyView, KeyKind, Scope
from openbrain.domain.base import Identifier, MessageText, ProfileName, Record, Request, ShortText
from openbrain.domain.delivery import DeadLetter, DeliveryAttempt
from openbrain.domain.event import Event, ToolAction, Usage
from openbrain.domain.handoff import InboxEntry
from openbrain.domain.lead import Lead
from openbrain.domain.session import CallerChannel, ListedSession, Message
from openbrain.domain.tenant import Origin, Tenant

T = TypeVar("T")
Limit = Annotated[int, msgspec.Meta(ge=1, le=200)]
Cursor = Annotated[str, msgspec.Meta(min_length=1, max_length=2_000)]


class Health(Record, kw_only=True, frozen=True):
    status: str = "ok"
    version: str = __version__
    """The platform's release (``openbrain.__version__``)."""


class Me(Record, kw_only=True, frozen=True):
    client_id: str | None
    kind: str
    role: str
    scopes: list[str]


class StartSession(Request, kw_only=True, frozen=True):
    profile: ProfileName | None = None
    overrides: dict[str, Any] = msgspec.field(default_factory=dict)
    context: dict[str, Any] = msgspec.field(default_factory=dict)
    channel: CallerChannel | None = None


class SendMessage(Request, kw_only=True, frozen=True):
    message: MessageText
    context: dict[str, Any] = msgspec.field(default_factory=dict)


class ProfileRename(Request, kw_only=True, frozen=True):
    """``POST /v1/configs/{name}/rename``: the profile's new name."""

    new_name: ProfileName


class NewKey(Request, kw_only=True, frozen=True):
    kind: KeyKind = "secret"
    name: ShortText = ""
    scopes: Annotated[list[Scope], msgspec.Meta(max_length=16)] = msgspec.field(
        default_factory=list
    )
    allowed_origins: Annotated[list[Origin], msgspec.Meta(max_length=50)] = msgspec.field(
        default_factory=list
    )
    profiles: Annotated[list[ProfileName], msgspec.Meta(max_length=50)] = msgspec.field(
        default_factory=list
    )


class KeyChanges(Request, kw_only=True, frozen=True):
    """What changes on a publishable key (``PATCH /v1/keys/{keyId}``): the origins it is
    accepted from, among the tenant's widget origins (empty: all of them)."""

    allowed_origins: Annotated[list[Origin], msgspec.Meta(max_length=50)]


class CreatedKey(Record, kw_only=True, frozen=True):
    """A new key and its token: the one response that shows the token."""

    key: ApiKeyView
    secret: str


class WidgetSessionRequest(Request, kw_only=True, frozen=True):
    profile: ProfileName | None = None
    session_id: Identifier | None = None


class WidgetSession(Record, kw_only=True, frozen=True):
    token: str
    expires_at: datetime
    profile: str
    session_id: str | None = None
    visitor_secret: str | None = None
    """Issued once, to a browser that sent none: kept by it and sent as ``X-Visitor-Secret``
    on every later call (it is what makes its sessions its own)."""


class Redriven(Record, kw_only=True, frozen=True):
    redriven: int


class Page(Record, Generic[T], kw_only=True, frozen=True):
    """One page of a listing; ``cursor`` is ``None`` on the last page."""

    items: list[T]
    cursor: str | None = None


ConfigPage = Page[AgentConfig]


SessionPage = Page[ListedSession]


MessagePage = Page[Message]


ToolActionPage = Page[ToolAction]


LeadPage = Page[Lead]


KeyPage = Page[ApiKeyView]


EventPage = Page[Event]


UsagePage = Page[Usage]


TenantPage = Page[Tenant]


InboxPage = Page[InboxEntry]


class ToolInfo(Record, kw_only=True, frozen=True):
    name: str
    description: str
    parameters: dict[str, Any]


DeliveryPage = Page[DeliveryAttempt]


DeadLetterPage = Page[DeadLetter]
