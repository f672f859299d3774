"""Dashboard states, driven as Reflex drives them, against a stub API over real HTTP."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import msgspec
import pytest
from reflex.istate.data import ReflexURL, RouterData

from admin_ui.auth import EXPIRED_MESSAGE, AuthState
from admin_ui.events import EventsState
from admin_ui.keys import KeysState
from admin_ui.leads import LeadsState, LeadState
from admin_ui.profiles import ChatState, EditorState
from admin_ui.usage import UsageState
from openbrain.domain.agent_config import AgentSettings
from tests.admin_ui.conftest import run, substate
from tests.admin_ui.stub_api import StubApi

PROBLEM = "application/problem+json"
DEFAULT_SETTINGS: dict[str, Any] = msgspec.to_builtins(AgentSettings())
AT = "2025-01-01T00:00:00Z"
ME = {"clientId": "acme", "kind": "jwt", "role": "admin", "scopes": []}


def jwt(exp_in: float = 3600, tenant: str = "acme") -> str:
    claims = {"exp": int(time.time() + exp_in), "custom:clientId": tenant, "custom:role": "admin"}
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJIUzI1NiJ9.{body}.sig"


def redirect_path(spec: Any) -> str | None:
    for name, value in getattr(spec, "args", ()):
        if str(name) == "path":
            path: str = json.loads(str(value))
            return path
    return None


def at(root: Any, url: str) -> None:
    root.router = RouterData(url=ReflexURL(url))


async def drain(gen: Any) -> list[Any]:
    return [item async for item in gen]



def config(version: int, **changes: Any) -> dict[str, Any]:
    return DEFAULT_SETTINGS | {"clientId": "acme", "profileName": "sales", "version": version,
                               "createdAt": "2025-01-01T00:00:00Z"} | changes


def lead_record() -> dict[str, Any]:
    return {"clientId": "acme", "leadId": "L1", "fullName": "Ann", "status": "new",
            "createdAt": AT, "updatedAt": AT}


def test_sign_in_checks_the_token_with_the_api(stub_api: StubApi, state_tree: Any) -> None:
    stub_api.answer("GET", "/v1/me", 200, ME)
    auth = substate(state_tree, AuthState)
    token = jwt()
    auth.token_input = token
    spec = run(auth.sign_in())
    assert redirect_path(spec) == "/profiles"
    assert auth.token == token
    assert (auth.tenant, auth.role) == ("acme", "admin")
    assert stub_api.requests[-1]["headers"]["Authorization"] == f"Bearer {token}"


def test_refused_token_shows_the_api_message(stub_api: StubApi, state_tree: Any) -> None:
    stub_api.answer("GET", "/v1/me", 401, {"title": "Unauthorized", "status": 401,
                                           "detail": "the token is not valid"},
                    content_type=PROBLEM)
    auth = substate(state_tree, AuthState)
    auth.token_input = jwt()
    assert run(auth.sign_in()) is None
    assert auth.signin_error == "the token is not valid"
    assert auth.token == ""


def test_sign_in_link_signs_in(stub_api: StubApi, state_tree: Any) -> None:
    stub_api.answer("GET", "/v1/me", 200, ME)
    token = jwt()
    at(state_tree, f"http://127.0.0.1:3000/?token={token}")
    auth = substate(state_tree, AuthState)
    assert redirect_path(run(auth.on_signin_page())) == "/profiles"
    assert auth.token == token


def test_expired_token_returns_to_sign_in_with_a_message(state_tree: Any) -> None:
    editor = substate(state_tree, EditorState)
    editor.token = jwt(exp_in=-10)
    assert redirect_path(run(editor.load())) == "/"
    assert editor.token == ""
    assert editor.signin_message == EXPIRED_MESSAGE


def test_api_401_mid_session_signs_out(stub_api: StubApi, state_tree: Any) -> None:
    stub_api.answer("GET", "/v1/configs/sales", 401,
                    {"title": "Unauthorized", "status": 401, "detail": "the token has expired"},
                    content_type=PROBLEM)
    at(state_tree, "http://127.0.0.1:3000/profile?name=sales")
    editor = substate(state_tree, EditorState)
    editor.token = jwt()
    assert redirect_path(run(editor.load())) == "/"
    assert editor.token == ""
    assert "the token has expired" in editor.signin_message


def test_other_tenants_profile_is_not_found(stub_api: StubApi, state_tree: Any) -> None:
    stub_api.answer("GET", "/v1/configs/theirs", 404,
                    {"title": "Not found", "status": 404, "detail": "no profile 'theirs'"},
                    content_type=PROBLEM)
    at(state_tree, "http://127.0.0.1:3000/profile?name=theirs")
    editor = substate(state_tree, EditorState)
    editor.token = jwt()
    assert run(editor.load()) is None
    assert editor.not_found
    assert editor.error == "no profile 'theirs'"


def _loaded_editor(stub_api: StubApi, state_tree: Any) -> Any:
    stub_api.answer("GET", "/v1/configs/sales", 200, config(1))
    stub_api.answer("GET", "/v1/tools", 200, [{"name": "capture_lead", "description": "Save",
                                               "parameters": {}}])
    stub_api.answer("GET", "/v1/configs/sales/versions", 200,
                    {"items": [config(1)], "cursor": None})
    stub_api.answer("GET", "/v1/models", 200, [
        {"name": "offline", "offline": True, "inputPrice": 0.0, "outputPrice": 0.0},
        {"name": "gpt-4o", "offline": False, "inputPrice": 2.5, "outputPrice": 10.0}])
    at(state_tree, "http://127.0.0.1:3000/profile?name=sales")
    editor = substate(state_tree, EditorState)
    editor.token = jwt()
    run(editor.load())
    return editor


def test_load_fills_the_form_and_tools(stub_api: StubApi, state_tree: Any) -> None:
    editor = _loaded_editor(stub_api, state_tree)
    assert editor.name == "sales"
    assert editor.version == 1
    assert editor.form["maxTokens"] == "1024"
    assert editor.available_tools == [{"name": "capture_lead", "description": "Save"}]
    assert [v["version"] for v in editor.versions] == ["1"]


def test_the_model_picker_offers_the_configured_models(stub_api: StubApi,
                                                      state_tree: Any) -> None:
    """The profile's own model stays a choice, said to be unconfigured (it runs offline)."""
    editor = _loaded_editor(stub_api, state_tree)
    assert editor.form["model"] == "gpt-4o-mini"
    assert editor.model_choices == ["offline", "gpt-4o", "gpt-4o-mini"]
    assert "not configured" in editor.model_notes["gpt-4o-mini"]
    assert "$2.5 input and $10 output per million" in editor.model_notes["gpt-4o"]
    editor.set_field("model", "gpt-4o")
    stub_api.answer("PUT", "/v1/configs/sales", 200, config(2, model="gpt-4o"))
    run(editor.save())
    assert stub_api.requests[-2]["json"]["model"] == "gpt-4o"
    assert editor.model_choices == ["offline", "gpt-4o"]


def test_failed_save_keeps_the_form_and_names_the_field(
    stub_api: StubApi, state_tree: Any
) -> None:
    editor = _loaded_editor(stub_api, state_tree)
    stub_api.answer("PUT", "/v1/configs/sales", 400,
                    {"title": "Bad request", "status": 400,
                     "detail": "Expected `int` <= 128000",
                     "errors": [{"key": "maxTokens", "message": "Expected `int` <= 128000",
                                 "source": "body"}]},
                    content_type=PROBLEM)
    editor.set_field("maxTokens", "999999")
    editor.set_field("iceBreaker", "Howdy")
    editor.toggle_tool("capture_lead", True)
    assert run(editor.save()) is None
    assert editor.error == "Expected `int` <= 128000"
    assert editor.save_failed
    assert editor.field_errors["maxTokens"] == "Expected `int` <= 128000"
    assert editor.form["maxTokens"] == "999999"
    assert editor.form["iceBreaker"] == "Howdy"
    assert editor.selected_tools == ["capture_lead"]
    sent = stub_api.requests[-1]
    assert sent["headers"]["If-Match"] == "1"
    assert sent["json"]["tools"] == ["capture_lead"]


def test_non_number_is_refused_before_calling_the_api(
    stub_api: StubApi, state_tree: Any
) -> None:
    editor = _loaded_editor(stub_api, state_tree)
    calls = len(stub_api.requests)
    editor.set_field("temperature", "warm")
    run(editor.save())
    assert editor.field_errors["temperature"] == "Temperature must be a number"
    assert len(stub_api.requests) == calls


def test_save_shows_the_new_version(stub_api: StubApi, state_tree: Any) -> None:
    editor = _loaded_editor(stub_api, state_tree)
    stub_api.answer("PUT", "/v1/configs/sales", 200, config(2, maxTokens=300))
    stub_api.answer("GET", "/v1/configs/sales/versions", 200,
                    {"items": [config(2, maxTokens=300), config(1)], "cursor": None})
    editor.set_field("maxTokens", "300")
    run(editor.save())
    assert editor.version == 2
    assert editor.saved == "Saved as version 2."
    assert not editor.save_failed
    assert editor.versions[0]["changes"] == "Max tokens: 1024 → 300"


def test_save_lost_to_a_newer_version_offers_a_reload(stub_api: StubApi,
                                                     state_tree: Any) -> None:
    editor = _loaded_editor(stub_api, state_tree)
    stub_api.answer("PUT", "/v1/configs/sales", 409,
                    {"title": "Conflict", "status": 409,
                     "detail": "profile 'sales' is at version 2, not 1"}, content_type=PROBLEM)
    editor.set_field("maxTokens", "300")
    run(editor.save())
    assert editor.conflict
    assert editor.error == "profile 'sales' is at version 2, not 1"
    assert editor.form["maxTokens"] == "300"  # kept until the admin chooses to reload
    run(editor.load())
    assert not editor.conflict


def test_duplicate_never_overwrites_and_delete_asks_the_api(stub_api: StubApi,
                                                           state_tree: Any) -> None:
    editor = _loaded_editor(stub_api, state_tree)
    stub_api.answer("PUT", "/v1/configs/sales-copy", 200, config(1))
    editor.set_copy_name(" sales-copy ")
    run(editor.duplicate())
    put = stub_api.requests[-1]
    assert (put["method"], put["path"]) == ("PUT", "/v1/configs/sales-copy")
    assert put["headers"]["If-Match"] == "0"  # the copy must be a new profile
    assert editor.error == ""

    stub_api.answer("PUT", "/v1/configs/taken", 409,
                    {"title": "Conflict", "status": 409,
                     "detail": "profile 'taken' is at version 3, not 0"}, content_type=PROBLEM)
    editor.set_copy_name("taken")
    run(editor.duplicate())
    assert editor.error == "profile 'taken' is at version 3, not 0"

    stub_api.answer("DELETE", "/v1/configs/sales", 204, None)
    editor.set_deleting(True)
    run(editor.delete())
    assert (stub_api.requests[-1]["method"], stub_api.requests[-1]["path"]) == (
        "DELETE", "/v1/configs/sales")
    assert not editor.deleting


def test_chat_log_reads_a_long_conversation_to_its_newest_page(stub_api: StubApi,
                                                               state_tree: Any) -> None:
    """Messages come oldest first, 200 a page: the newest are on the last page."""
    stub_api.answer("POST", "/v1/sessions", 201, {"sessionId": "S1", "message": "Hi",
                                                  "profileName": "sales", "profileVersion": 1})
    stub_api.answer("POST", "/v1/sessions/S1/messages", 200,
                    {"sessionId": "S1", "message": "Newest", "profileName": "sales",
                     "profileVersion": 1})
    stub_api.answer("GET", "/v1/events", 200, {"items": [], "cursor": None})
    said = {"clientId": "acme", "sessionId": "S1", "createdAt": AT}
    first = [said | {"seq": n, "role": "user", "content": f"m{n}"} for n in range(200)]
    stub_api.answer("GET", "/v1/sessions/S1/messages?limit=200", 200,
                    {"items": first, "cursor": "NEXT"})
    stub_api.answer("GET", "/v1/sessions/S1/messages?limit=200&cursor=NEXT", 200, {"items": [
        said | {"seq": 200, "role": "assistant", "content": "Newest"}], "cursor": None})
    chat = substate(state_tree, ChatState)
    chat.token = jwt()
    chat.name = "sales"
    chat.set_draft("one more")

    async def send() -> None:
        async for _ in chat.send():
            pass

    run(send())
    assert chat.chat_error == ""
    assert len(chat.chat) == 201
    assert (chat.chat[-1]["role"], chat.chat[-1]["text"]) == ("assistant", "Newest")


def test_chat_streams_tokens_and_shows_the_lead(stub_api: StubApi, state_tree: Any) -> None:
    opened = {"sessionId": "S1", "message": "Hello!", "profileName": "sales", "profileVersion": 1}
    stub_api.answer("POST", "/v1/sessions", 201, opened)
    reply = opened | {"message": "Thanks Ann", "lead": {
        "clientId": "acme", "leadId": "L1", "fullName": "Ann Lee", "email": "ann@x.io",
        "medications": [], "createdAt": AT, "updatedAt": AT}}
    stream = ('event: token\ndata: {"text": "Thanks "}\n\n'
              'event: token\ndata: {"text": "Ann"}\n\n'
              f"event: done\ndata: {json.dumps(reply)}\n\n").encode()
    stub_api.answer("POST", "/v1/sessions/S1/messages", 200, raw=stream,
                    content_type="text/event-stream")
    stub_api.answer("GET", "/v1/events", 200, {"items": [
        {"eventId": "E1", "clientId": "acme", "detailType": "lead.created",
         "objectType": "lead", "objectId": "L1", "occurredAt": AT}], "cursor": None})
    # The stored turn, read back once it is done: the tool call comes with it.
    said = {"clientId": "acme", "sessionId": "S1", "createdAt": AT}
    stub_api.answer("GET", "/v1/sessions/S1/messages", 200, {"items": [
        said | {"seq": 0, "role": "assistant", "content": "Hello!"},
        said | {"seq": 1, "role": "user", "content": "I am Ann Lee, ann@x.io"},
        said | {"seq": 2, "role": "assistant", "content": "", "toolCalls": [
            {"id": "c1", "name": "capture_lead", "args": {"email": "ann@x.io"}}]},
        said | {"seq": 3, "role": "tool", "content": "Lead L1 saved", "toolCallId": "c1",
                "name": "capture_lead"},
        said | {"seq": 4, "role": "assistant", "content": "Thanks Ann"}], "cursor": None})
    chat = substate(state_tree, ChatState)
    chat.token = jwt()
    chat.name = "sales"
    chat._ice_breaker = "Hello!"
    chat.reset_chat()
    assert [(r["role"], r["text"]) for r in chat.chat] == [("assistant", "Hello!")]
    # Opening the panel starts no session: the first message does.
    assert not any(r["path"] == "/v1/sessions" for r in stub_api.requests)
    chat.set_draft("I am Ann Lee, ann@x.io")
    partials: list[str] = []

    async def send() -> None:
        async for _ in chat.send():
            partials.append(chat.partial)

    run(send())
    assert "Thanks Ann" in partials
    assert [(r["role"], r["text"]) for r in chat.chat] == [
        ("assistant", "Hello!"), ("user", "I am Ann Lee, ann@x.io"), ("tool", ""),
        ("assistant", "Thanks Ann")]
    assert (chat.chat[2]["name"], chat.chat[2]["result"]) == ("capture_lead", "Lead L1 saved")
    starts = [r for r in stub_api.requests if r["path"] == "/v1/sessions"]
    assert len(starts) == 1
    assert starts[0]["json"]["channel"] == "tuner"
    # Every filled-in field (a lead always has a status; empty medications are left out).
    assert {f["name"]: f["value"] for f in chat.lead} == {
        "leadId": "L1", "fullName": "Ann Lee", "email": "ann@x.io", "status": "new"}
    assert chat.chat_events[0]["type"] == "lead.created"
    assert not chat.streaming


def test_key_secret_is_shown_once(stub_api: StubApi, state_tree: Any) -> None:
    key = {"clientId": "acme", "keyId": "K1", "kind": "publishable", "name": "site",
           "scopes": ["chat"], "allowedOrigins": ["https://shop.example"], "profiles": [],
           "createdAt": "2025-01-01T00:00:00Z"}
    stub_api.answer("POST", "/v1/keys", 201, {"key": key, "secret": "ob_pk_secret"})
    stub_api.answer("GET", "/v1/keys", 200, {"items": [key], "cursor": None})
    keys = substate(state_tree, KeysState)
    keys.token = jwt()
    keys.set_origins("https://shop.example")
    keys.set_key_name("site")
    run(keys.create())
    assert keys.new_secret == "ob_pk_secret"
    assert stub_api.requests[-2]["json"] == {
        "kind": "publishable", "name": "site", "scopes": ["chat"],
        "allowedOrigins": ["https://shop.example"], "profiles": []}
    assert keys.keys[0]["id"] == "K1"
    run(keys.load())
    assert keys.new_secret == ""


def test_lead_erase_needs_confirmation(stub_api: StubApi, state_tree: Any) -> None:
    stub_api.answer("GET", "/v1/leads/L1", 200, lead_record())
    stub_api.answer("DELETE", "/v1/leads/L1", 204, raw=b"")
    at(state_tree, "http://127.0.0.1:3000/lead?id=L1")
    lead = substate(state_tree, LeadState)
    lead.token = jwt()
    run(lead.load())
    assert lead.form["fullName"] == "Ann"
    lead.set_confirming(True)
    assert lead.confirming
    run(lead.erase())
    assert lead.erased
    assert stub_api.requests[-1]["method"] == "DELETE"


@pytest.mark.parametrize("status", [403, 409, 500])
def test_failed_lead_save_keeps_edits(stub_api: StubApi, state_tree: Any, status: int) -> None:
    stub_api.answer("GET", "/v1/leads/L1", 200, lead_record())
    stub_api.answer("PATCH", "/v1/leads/L1", status,
                    {"title": "x", "status": status, "detail": f"refused {status}"},
                    content_type=PROBLEM)
    at(state_tree, "http://127.0.0.1:3000/lead?id=L1")
    lead = substate(state_tree, LeadState)
    lead.token = jwt()
    run(lead.load())
    lead.set_field("status", "qualified")
    run(lead.save())
    assert lead.error == f"refused {status}"
    assert lead.form["status"] == "qualified"


def test_an_added_route_can_be_deleted(stub_api: StubApi, state_tree: Any) -> None:
    added = {"clientId": "acme", "routeId": "crm", "kind": "webhook", "source": "added",
             "url": "https://crm.example/hook", "eventTypes": ["lead.created"]}
    stub_api.answer("GET", "/v1/routes", 200, [added])
    stub_api.answer("GET", "/v1/deliveries", 200, {"items": [], "cursor": None})
    stub_api.answer("GET", "/v1/dead-letters", 200, {"items": [], "cursor": None})
    stub_api.answer("DELETE", "/v1/routes/crm", 204, None)
    events = substate(state_tree, EventsState)
    events.token = jwt()
    run(events.load())
    assert events.routes[0]["source"] == "added"
    run(events.delete_route("crm"))
    assert ("DELETE", "/v1/routes/crm") in [(r["method"], r["path"]) for r in stub_api.requests]
    assert events.message == "Route crm deleted."
    assert events.error == ""


def test_dead_letter_redrive_and_route_secret(stub_api: StubApi, state_tree: Any) -> None:
    dead = {"clientId": "acme", "deadLetterId": "D1", "eventId": "E1", "detailType": "lead.created",
            "routeId": "crm", "attempts": 5, "lastError": "HTTP 500", "state": "open",
            "createdAt": "2025-01-01T00:00:00Z"}
    route = {"clientId": "acme", "routeId": "crm", "kind": "webhook", "source": "added",
             "url": "https://crm.example/hook", "eventTypes": ["lead.created"]}
    stub_api.answer("GET", "/v1/routes", 200, [route])
    stub_api.answer("GET", "/v1/deliveries", 200, {"items": [], "cursor": None})
    stub_api.answer("GET", "/v1/dead-letters", 200, {"items": [dead], "cursor": None})
    stub_api.answer("POST", "/v1/dead-letters/D1/redrive", 200, dead | {"state": "redriven"})
    stub_api.answer("POST", "/v1/routes/crm/rotate-secret", 200,
                    {"route": route, "secret": "whsec_new"})
    events = substate(state_tree, EventsState)
    events.token = jwt()
    run(events.load())
    assert events.dead_letters[0]["error"] == "HTTP 500"
    assert events.routes[0]["url"] == "https://crm.example/hook"
    run(events.redrive("D1"))
    assert events.message == "Redriven D1."
    assert any(r["path"] == "/v1/dead-letters/D1/redrive" for r in stub_api.requests)
    run(events.rotate("crm"))
    assert events.new_secret == "whsec_new"


def test_route_refused_shows_the_problem(stub_api: StubApi, state_tree: Any) -> None:
    stub_api.answer("POST", "/v1/routes", 422,
                    {"title": "Invalid", "status": 422,
                     "detail": "webhook targets must be public https URLs"},
                    content_type=PROBLEM)
    events = substate(state_tree, EventsState)
    events.token = jwt()
    events.set_route_url("http://10.0.0.1/x")
    run(events.add_route())
    assert events.error == "webhook targets must be public https URLs"
    assert events.route_url == "http://10.0.0.1/x"
    assert events.new_secret == ""


def test_csv_export_downloads_the_filtered_leads(stub_api: StubApi, state_tree: Any) -> None:
    stub_api.answer("GET", "/v1/leads/export.csv", 200, raw=b"leadId,email\r\nL1,a@b.co\r\n",
                    content_type="text/csv")
    leads = substate(state_tree, LeadsState)
    leads.token = jwt()
    leads.set_query("a@b")
    leads.status = "new"
    spec = run(leads.export_csv())
    url = next(json.loads(str(v)) for k, v in spec.args if str(k) == "url")
    assert url.startswith("data:text/csv;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == b"leadId,email\r\nL1,a@b.co\r\n"
    assert stub_api.requests[-1]["path"] == "/v1/leads/export.csv?q=a%40b&status=new"


def test_usage_costs_per_model_and_unpriced_ones(stub_api: StubApi, state_tree: Any) -> None:
    stub_api.answer("GET", "/v1/usage", 200, {"items": [
        {"clientId": "acme", "day": "2025-03-01", "profileName": "default", "turns": 3,
         "inputTokens": 1_000_000, "outputTokens": 20}], "cursor": None})
    stub_api.answer("GET", "/v1/usage/costs", 200, {"items": [
        {"model": "gpt-4o-mini", "turns": 2, "inputTokens": 1_000_000, "outputTokens": 0,
         "cost": 0.15},
        {"model": "mystery", "turns": 1, "inputTokens": 0, "outputTokens": 20, "cost": None}],
        "total": 0.15, "unpriced": ["mystery"]})
    at(state_tree, "http://127.0.0.1:3000/usage")
    usage = substate(state_tree, UsageState)
    usage.token = jwt()
    run(usage.load())
    assert usage.error == ""
    assert [(c["model"], c["cost"]) for c in usage.costs] == [("gpt-4o-mini", "$0.15"),
                                                             ("mystery", "unpriced")]
    assert usage.total_cost == "$0.15"
    assert usage.unpriced == "mystery"


def test_a_route_is_disabled_and_tested(stub_api: StubApi, state_tree: Any) -> None:
    added = {"clientId": "acme", "routeId": "crm", "kind": "webhook", "source": "added",
             "url": "https://crm.example/hook", "eventTypes": ["lead.created"]}
    stub_api.answer("GET", "/v1/routes", 200, [added])
    stub_api.answer("GET", "/v1/deliveries", 200, {"items": [], "cursor": None})
    stub_api.answer("GET", "/v1/dead-letters", 200, {"items": [], "cursor": None})
    stub_api.answer("PATCH", "/v1/routes/crm", 200, added | {"enabled": False})
    stub_api.answer("POST", "/v1/routes/crm/test", 200,
                    {"routeId": "crm", "eventId": "E9", "delivered": False, "httpStatus": 503,
                     "latencyMs": 41.0, "error": "HTTP 503"})
    events = substate(state_tree, EventsState)
    events.token = jwt()
    run(events.load())
    run(events.set_enabled("crm", False))
    patch = [r for r in stub_api.requests if r["method"] == "PATCH"][-1]
    assert patch["json"] == {"enabled": False}
    assert events.message == "Route crm disabled."
    run(events.send_test("crm"))
    assert not events.test_delivered
    assert events.test_result == ("Test event not delivered to crm (HTTP 503, 41 ms): refused "
                                  "by the receiver.")
    assert events.error == ""


def test_key_origins_are_saved_or_the_refusal_kept_in_the_dialog(stub_api: StubApi,
                                                                 state_tree: Any) -> None:
    stub_api.answer("GET", "/v1/keys", 200, {"items": [], "cursor": None})
    stub_api.answer("PATCH", "/v1/keys/K1", 422,
                    {"title": "Invalid", "status": 422,
                     "detail": "allowedOrigins must be among the tenant's widget origins"},
                    content_type=PROBLEM)
    keys = substate(state_tree, KeysState)
    keys.token = jwt()
    keys.edit_origins("K1", "https://a.example")
    keys.set_edited_origins("https://a.example, https://b.example")
    run(keys.save_origins())
    assert keys.editing_key == "K1"  # the dialog stays open, saying why
    assert keys.origins_error.startswith("allowedOrigins must be among")
    sent = [r for r in stub_api.requests if r["method"] == "PATCH"][-1]
    assert sent["json"] == {"allowedOrigins": ["https://a.example", "https://b.example"]}

    stub_api.answer("PATCH", "/v1/keys/K1", 200, {
        "clientId": "acme", "keyId": "K1", "kind": "publishable", "name": "site",
        "scopes": ["chat"], "allowedOrigins": ["https://a.example"], "profiles": [],
        "createdAt": "2025-01-01T00:00:00Z"})
    keys.set_edited_origins("https://a.example")
    run(keys.save_origins())
    assert keys.editing_key == ""
    assert keys.message.startswith("Origins of key K1 saved")


def test_rename_refused_says_why_and_renamed_opens_the_new_name(stub_api: StubApi,
                                                                 state_tree: Any) -> None:
    editor = _loaded_editor(stub_api, state_tree)
    stub_api.answer("POST", "/v1/configs/sales/rename", 409,
                    {"title": "Conflict", "status": 409,
                     "detail": "a profile named 'support' already exists; pick another name "
                               "or delete that profile first"}, content_type=PROBLEM)
    editor.set_new_name("support")
    assert run(editor.rename()) is None
    assert editor.error.startswith("a profile named 'support' already exists")
    stub_api.answer("POST", "/v1/configs/sales/rename", 200, config(1) | {
        "profileName": "support"})
    editor.set_new_name("support")
    assert run(editor.rename()) is not None  # a redirect to /profile?name=support
    assert stub_api.requests[-1]["json"] == {"newName": "support"}
    assert editor.error == ""
