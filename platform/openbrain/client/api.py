"""The API's routes, each as a :class:`~openbrain.client.call.Call` decoding into domain types.

The one description of the requests: :class:`~openbrain.client.sync.Client` and
:class:`~openbrain.client.aio.AsyncClient` only carry them over HTTP. Listings take a
``limit`` (the API's maximum page, 200, by default) and answer one ``Page``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from openbrain.api.schemas import (
    CreatedKey,
    KeyChanges,
    Me,
    NewKey,
    Page,
    ProfileRename,
    Redriven,
    SendMessage,
    StartSession,
    ToolInfo,
)
from openbrain.client.call import SSE, Call, json_of, nothing, segment, text
from openbrain.domain.agent_config import AgentConfig, AgentSettings
from openbrain.domain.api_key import ApiKeyView
from openbrain.domain.chat import ChatMessage, ChatReply
from openbrain.domain.delivery import (
    DeadLetter,
    DeliveryAttempt,
    NewRoute,
    RouteChanges,
    RouteInfo,
    RouteTestResult,
    RouteWithSecret,
)
from openbrain.domain.event import Event, ToolAction, Usage
from openbrain.domain.handoff import InboxEntry, OperatorMessage
from openbrain.domain.lead import Lead, LeadFields
from openbrain.domain.pricing import ModelInfo, UsageCosts
from openbrain.domain.session import ChatSession, ListedSession, Message, SessionMemory
from openbrain.domain.signin import CodeExchange, ExchangedToken

MAX_PAGE = 200


# --- identity ---------------------------------------------------------------------------
def exchange_code(code: str) -> Call[ExchangedToken]:
    """Redeem a one-time sign-in code for a dashboard JWT (a public route)."""
    return Call(method="POST", path="/v1/auth/exchange", decode=json_of(ExchangedToken),
                body=CodeExchange(code=code))


def me() -> Call[Me]:
    return Call(method="GET", path="/v1/me", decode=json_of(Me))


# --- profiles ---------------------------------------------------------------------------
def tools() -> Call[list[ToolInfo]]:
    return Call(method="GET", path="/v1/tools", decode=json_of(list[ToolInfo]))


def models() -> Call[list[ModelInfo]]:
    """The models a profile can pick, with their prices (``None``: unpriced)."""
    return Call(method="GET", path="/v1/models", decode=json_of(list[ModelInfo]))


def configs() -> Call[Page[AgentConfig]]:
    return Call(method="GET", path="/v1/configs", decode=json_of(Page[AgentConfig]))


def config(name: str) -> Call[AgentConfig]:
    return Call(method="GET", path=f"/v1/configs/{segment(name)}", decode=json_of(AgentConfig))


def save_config(name: str, settings: AgentSettings,
                if_match: int | None = None) -> Call[AgentConfig]:
    """Save a new version; ``if_match`` (the version edited) refuses to overwrite a newer one,
    and ``0`` refuses to overwrite any: the profile must be new."""
    headers = {"If-Match": str(if_match)} if if_match is not None else {}
    return Call(method="PUT", path=f"/v1/configs/{segment(name)}", decode=json_of(AgentConfig),
                body=settings, headers=headers)


def rename_config(name: str, new_name: str) -> Call[AgentConfig]:
    """Rename a profile with its history; keys limited to it follow."""
    return Call(method="POST", path=f"/v1/configs/{segment(name)}/rename",
                decode=json_of(AgentConfig), body=ProfileRename(new_name=new_name))


def delete_config(name: str) -> Call[None]:
    """Delete the profile and its versions (sessions keep their own copy)."""
    return Call(method="DELETE", path=f"/v1/configs/{segment(name)}", decode=nothing)


def patch_config(name: str, changes: Mapping[str, object],
                 if_match: int | None = None) -> Call[AgentConfig]:
    """Change only the fields in ``changes`` (a JSON merge patch: ``None`` resets a field)."""
    headers = {"If-Match": str(if_match)} if if_match else {}
    return Call(method="PATCH", path=f"/v1/configs/{segment(name)}",
                decode=json_of(AgentConfig), body=dict(changes), headers=headers)


def config_versions(name: str, limit: int = MAX_PAGE) -> Call[Page[AgentConfig]]:
    return Call(method="GET", path=f"/v1/configs/{segment(name)}/versions",
                decode=json_of(Page[AgentConfig]), params={"limit": limit})


def restore_config(name: str, version: int) -> Call[AgentConfig]:
    return Call(method="POST", path=f"/v1/configs/{segment(name)}/versions/{version}/restore",
                decode=json_of(AgentConfig))


# --- chat -------------------------------------------------------------------------------
def chat(request: ChatMessage) -> Call[ChatReply]:
    """A turn of the original protocol (``reset`` or no session starts one)."""
    return Call(method="POST", path="/v1/chat", decode=json_of(ChatReply), body=request)


def start_session(request: StartSession) -> Call[ChatReply]:
    return Call(method="POST", path="/v1/sessions", decode=json_of(ChatReply), body=request)


def send_message(session_id: str, message: SendMessage, *,
                 stream: bool = False) -> Call[ChatReply]:
    """A turn of a session. With ``stream``, the API answers with SSE: carry it with the
    transports' ``stream`` (which also accepts a plain JSON answer)."""
    return Call(method="POST", path=f"/v1/sessions/{segment(session_id)}/messages",
                decode=json_of(ChatReply), body=message,
                headers={"Accept": SSE} if stream else {})


# --- sessions ---------------------------------------------------------------------------
def sessions(profile: str = "", since: str = "", until: str = "",
             limit: int = MAX_PAGE, *, q: str = "", channel: str = "", lead: str = "",
             cursor: str = "") -> Call[Page[ListedSession]]:
    """Newest first; ``since``/``until`` are ISO timestamps (UTC when they carry no zone);
    ``q`` searches ids, lead names, previews and profiles; empty filters are left out."""
    return Call(method="GET", path="/v1/sessions", decode=json_of(Page[ListedSession]),
                params={"profile": profile, "since": since, "until": until, "limit": limit,
                        "q": q, "channel": channel, "lead": lead, "cursor": cursor})


def session(session_id: str) -> Call[ChatSession]:
    return Call(method="GET", path=f"/v1/sessions/{segment(session_id)}",
                decode=json_of(ChatSession))


def session_events(session_id: str, last_event_id: int | None = None) -> Call[None]:
    """The session's live stream: carry it with ``AsyncClient.session_events``."""
    headers = {"Accept": SSE}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    return Call(method="GET", path=f"/v1/sessions/{segment(session_id)}/events",
                decode=nothing, headers=headers)


# --- hand-off -----------------------------------------------------------------------------
def inbox() -> Call[Page[InboxEntry]]:
    """Sessions waiting for or held by an operator, oldest hand-off first."""
    return Call(method="GET", path="/v1/inbox", decode=json_of(Page[InboxEntry]))


def take_session(session_id: str) -> Call[ChatSession]:
    return Call(method="POST", path=f"/v1/inbox/{segment(session_id)}/take",
                decode=json_of(ChatSession))


def reply_as_operator(session_id: str, message: str) -> Call[Message]:
    return Call(method="POST", path=f"/v1/inbox/{segment(session_id)}/messages",
                decode=json_of(Message), body=OperatorMessage(message=message))


def release_session(session_id: str) -> Call[ChatSession]:
    return Call(method="POST", path=f"/v1/inbox/{segment(session_id)}/release",
                decode=json_of(ChatSession))


def close_session(session_id: str) -> Call[ChatSession]:
    return Call(method="POST", path=f"/v1/inbox/{segment(session_id)}/close",
                decode=json_of(ChatSession))


def messages(session_id: str, limit: int = MAX_PAGE, cursor: str = "") -> Call[Page[Message]]:
    """Oldest first; ``cursor`` (from the previous page) reads on."""
    return Call(method="GET", path=f"/v1/sessions/{segment(session_id)}/messages",
                decode=json_of(Page[Message]), params={"limit": limit, "cursor": cursor})


def session_memory(session_id: str) -> Call[SessionMemory]:
    """The memory policy and the summary in force (``summary``: ``None`` until one is made)."""
    return Call(method="GET", path=f"/v1/sessions/{segment(session_id)}/memory",
                decode=json_of(SessionMemory))


def tool_actions(session_id: str, limit: int = MAX_PAGE) -> Call[list[ToolAction]]:
    return Call(method="GET", path=f"/v1/sessions/{segment(session_id)}/tool-actions",
                decode=json_of(list[ToolAction]), params={"limit": limit})


def events(session_id: str = "", limit: int = MAX_PAGE) -> Call[Page[Event]]:
    return Call(method="GET", path="/v1/events", decode=json_of(Page[Event]),
                params={"sessionId": session_id, "limit": limit})


# --- leads ------------------------------------------------------------------------------
def leads(q: str = "", status: str = "", limit: int = MAX_PAGE) -> Call[Page[Lead]]:
    return Call(method="GET", path="/v1/leads", decode=json_of(Page[Lead]),
                params={"q": q, "status": status, "limit": limit})


def lead(lead_id: str) -> Call[Lead]:
    return Call(method="GET", path=f"/v1/leads/{segment(lead_id)}", decode=json_of(Lead))


def update_lead(lead_id: str, fields: LeadFields,
                cleared: Sequence[str] = ()) -> Call[Lead]:
    """Set the non-``None`` ``fields`` and clear the ``cleared`` ones (wire names)."""
    body: dict[str, object] = {k: v for k, v in msgspec.to_builtins(fields).items()
                               if v is not None}
    body.update(dict.fromkeys(cleared))
    return Call(method="PATCH", path=f"/v1/leads/{segment(lead_id)}", decode=json_of(Lead),
                body=body)


def erase_lead(lead_id: str) -> Call[None]:
    """Erase the lead with its session and messages."""
    return Call(method="DELETE", path=f"/v1/leads/{segment(lead_id)}", decode=nothing)


def leads_csv(q: str = "", status: str = "") -> Call[str]:
    return Call(method="GET", path="/v1/leads/export.csv", decode=text,
                params={"q": q, "status": status})


# --- keys -------------------------------------------------------------------------------
def keys() -> Call[Page[ApiKeyView]]:
    return Call(method="GET", path="/v1/keys", decode=json_of(Page[ApiKeyView]))


def create_key(key: NewKey) -> Call[CreatedKey]:
    return Call(method="POST", path="/v1/keys", decode=json_of(CreatedKey), body=key)


def change_key_origins(key_id: str, origins: Sequence[str]) -> Call[ApiKeyView]:
    """The origins a publishable key is accepted from."""
    return Call(method="PATCH", path=f"/v1/keys/{segment(key_id)}", decode=json_of(ApiKeyView),
                body=KeyChanges(allowed_origins=list(origins)))


def revoke_key(key_id: str) -> Call[ApiKeyView]:
    return Call(method="DELETE", path=f"/v1/keys/{segment(key_id)}", decode=json_of(ApiKeyView))


# --- event routes, deliveries, dead letters ---------------------------------------------
def routes() -> Call[list[RouteInfo]]:
    return Call(method="GET", path="/v1/routes", decode=json_of(list[RouteInfo]))


def add_route(route: NewRoute) -> Call[RouteWithSecret]:
    return Call(method="POST", path="/v1/routes", decode=json_of(RouteWithSecret), body=route)


def change_route(route_id: str, changes: RouteChanges) -> Call[RouteInfo]:
    """Enable or disable an added route."""
    return Call(method="PATCH", path=f"/v1/routes/{segment(route_id)}",
                decode=json_of(RouteInfo), body=changes)


def send_test_event(route_id: str) -> Call[RouteTestResult]:
    """Send the route a test event now; how its target took it."""
    return Call(method="POST", path=f"/v1/routes/{segment(route_id)}/test",
                decode=json_of(RouteTestResult))


def delete_route(route_id: str) -> Call[None]:
    """Delete a route added through the API."""
    return Call(method="DELETE", path=f"/v1/routes/{segment(route_id)}", decode=nothing)


def rotate_route_secret(route_id: str) -> Call[RouteWithSecret]:
    return Call(method="POST", path=f"/v1/routes/{segment(route_id)}/rotate-secret",
                decode=json_of(RouteWithSecret))


def deliveries(limit: int = MAX_PAGE) -> Call[Page[DeliveryAttempt]]:
    return Call(method="GET", path="/v1/deliveries", decode=json_of(Page[DeliveryAttempt]),
                params={"limit": limit})


def dead_letters(limit: int = MAX_PAGE) -> Call[Page[DeadLetter]]:
    return Call(method="GET", path="/v1/dead-letters", decode=json_of(Page[DeadLetter]),
                params={"limit": limit})


def redrive(dead_letter_id: str) -> Call[DeadLetter]:
    return Call(method="POST", path=f"/v1/dead-letters/{segment(dead_letter_id)}/redrive",
                decode=json_of(DeadLetter))


def redrive_all() -> Call[Redriven]:
    return Call(method="POST", path="/v1/dead-letters/redrive", decode=json_of(Redriven))


# --- usage ------------------------------------------------------------------------------
def usage(since: str = "", until: str = "") -> Call[Page[Usage]]:
    """Per day and profile; ``since``/``until`` are ``YYYY-MM-DD``."""
    return Call(method="GET", path="/v1/usage", decode=json_of(Page[Usage]),
                params={"since": since, "until": until})


def usage_costs(since: str = "", until: str = "") -> Call[UsageCosts]:
    """Tokens and cost per model over the days ``since`` to ``until`` (``YYYY-MM-DD``)."""
    return Call(method="GET", path="/v1/usage/costs", decode=json_of(UsageCosts),
                params={"since": since, "until": until})
