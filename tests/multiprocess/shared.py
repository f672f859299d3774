"""One scenario for N instances of the API on one store: they must enforce one rate limit and
one daily token budget between them, whichever instance each request reaches."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import httpx

from openbrain.auth.api_keys import mint_key
from openbrain.domain.agent_config import AgentSettings
from openbrain.domain.api_key import ALL_TENANT_SCOPES, ApiKey
from openbrain.domain.base import utcnow
from openbrain.store import TableDriver, TenantStore

KEY_PER_MINUTE, BUDGET = 10, 500
SMALL = AgentSettings(system_message="Be brief.", max_iterations=1, max_tokens=40)
RESERVATION = 100
"""Above one turn's reservation with ``SMALL`` (prompt ≈ 20 + maxTokens 40)."""
QUESTION = {"reset": True, "agentConfig": "small", "message": "What are your opening hours?"}

SPEC = f"""clientId = "alpha"
name = "alpha tenant"

[plan]
requestsPerMinute = 100000
keyRequestsPerMinute = {KEY_PER_MINUTE}
widgetRequestsPerMinute = 100000
tokensPerDay = {BUDGET}
"""


class Http(Protocol):
    def get(self, url: str, **kwargs: Any) -> httpx.Response: ...
    def post(self, url: str, **kwargs: Any) -> httpx.Response: ...


def write_spec(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "alpha.toml").write_text(SPEC)
    return directory


def prepare(driver: TableDriver) -> None:
    TenantStore(driver, "alpha").configs.save("small", SMALL)


def new_key(driver: TableDriver) -> str:
    key_id, token, digest = mint_key("alpha", "secret")
    TenantStore(driver, "alpha").api_keys.create(ApiKey(
        client_id="alpha", key_id=key_id, kind="secret", scopes=list(ALL_TENANT_SCOPES),
        secret_hash=digest, created_at=utcnow()))
    return token


def assert_one_rate_limit(instances: Sequence[Http], driver: TableDriver) -> None:
    """Requests of one key, spread over the instances: the key's limit holds in total."""
    auth = {"Authorization": f"Bearer {new_key(driver)}"}
    statuses = [instances[i % len(instances)].get("/v1/me", headers=auth).status_code
                for i in range(3 * KEY_PER_MINUTE)]
    assert statuses.count(200) == KEY_PER_MINUTE, statuses
    assert statuses.count(429) == 2 * KEY_PER_MINUTE, statuses


def assert_one_budget(instances: Sequence[Http], driver: TableDriver) -> None:
    """Turns spread over the instances (a fresh key each, so no rate limit interferes) run
    until every instance refuses: the tokens used land within one reservation of the budget."""
    refused_in_a_row = 0
    for turn in range(100):
        auth = {"Authorization": f"Bearer {new_key(driver)}"}
        r = instances[turn % len(instances)].post("/v1/chat", headers=auth, json=QUESTION)
        if r.status_code == 429:
            assert "token budget" in r.json()["detail"], r.text
            refused_in_a_row += 1
            if refused_in_a_row == len(instances):
                break
        else:
            assert r.status_code == 200, r.text
            refused_in_a_row = 0
    assert refused_in_a_row == len(instances), "the budget never ran out"
    rows = TenantStore(driver, "alpha").usage.list()
    used = sum(row.input_tokens + row.output_tokens for row in rows)
    assert BUDGET - RESERVATION < used < BUDGET + RESERVATION, used
