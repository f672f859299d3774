"""Every call the CLI and the dashboard make, against the real API on 127.0.0.1: each answer
decodes into its domain type, and each refusal is the domain error the API raised."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from openbrain.api.app import create_app
from openbrain.api.schemas import NewKey, SendMessage, StartSession
from openbrain.api.services import services_of
from openbrain.auth.jwt_tokens import mint_token
from openbrain.client import AsyncClient, Client, Token, api
from openbrain.domain.agent_config import AgentSettings
from openbrain.domain.api_key import ApiKeyView
from openbrain.domain.chat import ChatMessage, ChatReply
from openbrain.domain.delivery import NewRoute
from openbrain.domain.errors import (
    ConflictError,
    InvalidError,
    NotFoundError,
    UnauthorizedError,
)
from openbrain.domain.lead import LeadFields
from openbrain.runtime import EMBEDDED, Runtime
from tests.api.conftest import make_settings
from tests.api.live import free_port, serve_in_thread

EMAIL = "kim.client@example.com"


@pytest.fixture(name="client", scope="module")
def fx_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    port = free_port()
    settings = make_settings(tmp_path_factory.mktemp("client"), port=port)
    app = create_app(Runtime(settings, profile=EMBEDDED))
    token = mint_token(services_of(app.state).settings, client_id="alpha", role="admin",
                       ttl_seconds=3600)
    with serve_in_thread(app, port) as url, Client(url, token) as client:
        yield client


def test_profiles_and_chat(client: Client) -> None:
    assert client.send(api.me()).client_id == "alpha"
    saved = client.send(api.save_config("client-e2e", AgentSettings(tools=["capture_lead"])))
    again = client.send(api.save_config("client-e2e", AgentSettings(max_tokens=300),
                                        if_match=saved.version))
    assert again.version == saved.version + 1
    assert [v.version for v in client.send(api.config_versions("client-e2e")).items][:2] == [
        again.version, saved.version]
    restored = client.send(api.restore_config("client-e2e", saved.version))
    assert restored.tools == ["capture_lead"]
    assert client.send(api.config("client-e2e")).version == restored.version
    assert "client-e2e" in {c.profile_name for c in client.send(api.configs()).items}
    assert "capture_lead" in {t.name for t in client.send(api.tools())}

    started = client.send(api.start_session(StartSession(profile="client-e2e")))
    call = api.send_message(started.session_id,
                            SendMessage(message=f"I am Kim Client, {EMAIL}"), stream=True)
    events = list(client.stream(call))
    assert any(isinstance(e, Token) for e in events)
    reply = events[-1]
    assert isinstance(reply, ChatReply)
    assert reply.lead is not None
    assert reply.lead.email == EMAIL
    direct = client.send(api.chat(ChatMessage(message="Hello", session_id=started.session_id)))
    assert direct.session_id == started.session_id

    session = client.send(api.session(started.session_id))
    assert session.lead_id == reply.lead.lead_id
    assert started.session_id in {s.session_id for s in client.send(api.sessions()).items}
    transcript = client.send(api.messages(started.session_id)).items
    assert transcript[0].role == "assistant"
    assert isinstance(client.send(api.tool_actions(started.session_id)), list)
    emitted = client.send(api.events(started.session_id)).items
    assert "lead.created" in {e.detail_type for e in emitted}
    assert sum(u.turns for u in client.send(api.usage()).items) >= 2


def test_leads(client: Client) -> None:
    started = client.send(api.chat(ChatMessage(message="I am Lee Lead, lee@example.com")))
    assert started.lead is not None
    lead_id = started.lead.lead_id
    assert [le.lead_id for le in client.send(api.leads(q="lee@")).items] == [lead_id]
    updated = client.send(api.update_lead(lead_id, LeadFields(status="qualified")))
    assert updated.status == "qualified"
    assert client.send(api.lead(lead_id)).status == "qualified"
    assert "lee@example.com" in client.send(api.leads_csv(status="qualified"))
    with pytest.raises(InvalidError) as info:
        client.send(api.update_lead(lead_id, LeadFields(email="not-an-email")))
    assert "email" in info.value.fields
    client.send(api.erase_lead(lead_id))
    with pytest.raises(NotFoundError):
        client.send(api.lead(lead_id))


def test_keys_never_show_a_secret_hash(client: Client) -> None:
    created = client.send(api.create_key(NewKey(kind="secret", name="cli", scopes=["chat"])))
    assert created.secret.startswith("ob_sk_")
    listed = client.send(api.keys()).items
    assert created.key.key_id in {k.key_id for k in listed}
    assert not hasattr(listed[0], "secret_hash")
    revoked = client.send(api.revoke_key(created.key.key_id))
    assert isinstance(revoked, ApiKeyView)
    assert revoked.revoked_at is not None


def test_routes_and_dead_letters(client: Client) -> None:
    added = client.send(api.add_route(NewRoute(event_types=["test.event"],
                                               url="http://127.0.0.1:9/hook")))
    assert added.secret.startswith("whsec_")
    rotated = client.send(api.rotate_route_secret(added.route.route_id))
    assert rotated.secret != added.secret
    assert added.route.route_id in {r.route_id for r in client.send(api.routes())}
    assert isinstance(client.send(api.deliveries()).items, list)
    assert isinstance(client.send(api.dead_letters()).items, list)
    assert client.send(api.redrive_all()).redriven >= 0


def test_the_async_client_and_refusals(client: Client) -> None:
    async def run() -> None:
        async with AsyncClient(client.base_url, "ob_sk_alpha_nope") as bad:
            with pytest.raises(UnauthorizedError):
                await bad.send(api.me())
        async with AsyncClient(client.base_url) as public:
            with pytest.raises(UnauthorizedError):
                await public.send(api.exchange_code("obc_alpha_" + "A" * 43))

    asyncio.run(run())
    with pytest.raises(NotFoundError):
        client.send(api.config("no-such-profile"))


def test_patch_changes_only_the_fields_sent(client: Client) -> None:
    """A partial edit keeps every other field (a PUT replaces them all); ``null`` resets one."""
    base = client.send(api.save_config("patch-me", AgentSettings(
        system_message="You sell bikes.", tools=["capture_lead"], temperature=0.2)))
    patched = client.send(api.patch_config("patch-me", {"temperature": 0.9}))
    assert patched.version == base.version + 1
    assert patched.temperature == 0.9
    assert patched.system_message == "You sell bikes."
    assert patched.tools == ["capture_lead"]

    reset = client.send(api.patch_config("patch-me", {"systemMessage": None},
                                         if_match=patched.version))
    assert reset.system_message == AgentSettings().system_message
    assert reset.temperature == 0.9

    before = client.send(api.config("patch-me"))
    with pytest.raises(InvalidError, match="shoeSize"):
        client.send(api.patch_config("patch-me", {"shoeSize": 44}))
    with pytest.raises(InvalidError, match="temperature"):
        client.send(api.patch_config("patch-me", {"temperature": 7}))
    with pytest.raises(InvalidError, match="not_a_tool"):
        client.send(api.patch_config("patch-me", {"tools": ["not_a_tool"]}))
    with pytest.raises(ConflictError):
        client.send(api.patch_config("patch-me", {"temperature": 0.1}, if_match=base.version))
    with pytest.raises(NotFoundError):
        client.send(api.patch_config("no-such-profile", {"temperature": 0.1}))
    assert client.send(api.config("patch-me")) == before  # nothing refused was saved


def test_a_new_profile_uses_the_platform_model_not_offline(client: Client) -> None:
    created = client.send(api.save_config("fresh", AgentSettings(system_message="Hi")))
    assert created.model == "gpt-4o-mini"
