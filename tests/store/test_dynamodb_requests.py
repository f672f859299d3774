"""The DynamoDB requests of chat turns served by the API, counted with botocore's own events
and named by what sent them: the turn's read, its commit and its usage increment once each,
and the rate-limit and token-budget leases of the plan at 1/50 of a limit each (the
"UpdateItem 1.26 a turn" of docs/performance.md on the demo plan: 1/6 + 1/12 + the budget's)."""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from openbrain.api.app import create_app
from openbrain.api.limits import SharedLimiter, TokenBudget
from openbrain.api.services import STATE_KEY, services_of
from openbrain.auth.api_keys import mint_key
from openbrain.domain import AgentSettings
from openbrain.domain.api_key import ALL_TENANT_SCOPES, ApiKey
from openbrain.domain.base import utcnow
from openbrain.logs import LogSetup
from openbrain.runtime import EMBEDDED, Parts, Runtime
from openbrain.settings import Settings
from openbrain.store import TenantStore, keys
from openbrain.store.dynamodb import DynamoDBDriver

SPEC = """clientId = "shop"
name = "Shop"
[plan]
requestsPerMinute = 600
keyRequestsPerMinute = 300
tokensPerDay = 1000000
"""
NOW = 1_800_000_030.0  # one minute window and one day for the whole test


def origin(operation: str, params: dict[str, Any]) -> str:
    """What sent a request, from the keys it names."""
    key = params.get("Key") or params.get("Item") or {}
    pk = str(key.get("pk", {}).get("S", ""))
    sk = str(key.get("sk", {}).get("S", ""))
    values = params.get("ExpressionAttributeValues", {})
    if "#COUNTERS#" in pk:
        bucket = pk.split("#COUNTERS#", 1)[1]
        return {"t": "tenant limit", "tokens": "budget"}.get(bucket, bucket.split(":")[0])
    if "#USAGE#" in pk:
        return "usage"
    if operation == "Query" and values.get(":high") == {"S": keys.SESSION_SK}:
        return "read"
    if operation == "TransactWriteItems":
        return "commit"
    if operation == "GetItem" and (sk.startswith("KEY#") or sk.startswith("TENANT")):
        return "cached record"  # key and tenant caches expire by the clock: not counted
    if operation == "PutItem" and sk.startswith("KEY#"):
        return "key used"  # at most once an hour
    if operation == "GetItem" and sk.startswith("PROFILE#"):
        return "profile"  # a new session's
    if "#PENDING#" in str(values.get(":h", {}).get("S", "")):
        return "outbox sweep"  # a timer's, not a turn's
    return f"{operation} {pk} {sk}"


@pytest.fixture(name="http")
def fx_http(dynamodb_client: Any, tmp_path: Path) -> Iterator[TestClient[Any]]:
    specs = tmp_path / "tenants"
    specs.mkdir()
    (specs / "shop.toml").write_text(SPEC)
    settings = Settings(store="dynamodb://unused", tenants_dir=specs, openai_api_key=None,
                        openai_base_url=None)
    driver = DynamoDBDriver(dynamodb_client, f"t-{uuid.uuid4().hex}")
    driver.setup()
    app = create_app(Runtime(settings, profile=EMBEDDED, logs=LogSetup(level="WARNING"),
                             parts=Parts(driver=driver)))
    services = services_of(app.state)
    app.state[STATE_KEY] = dataclasses.replace(  # the leases' window and day stay put
        services, limiter=SharedLimiter(clock=lambda: NOW), budget=TokenBudget(clock=lambda: NOW))
    with TestClient(app) as http:
        store = TenantStore(driver, "shop")
        store.configs.save("default", AgentSettings(model="offline", memory_window=20))
        key_id, token, digest = mint_key("shop", "secret")
        store.api_keys.create(ApiKey(client_id="shop", key_id=key_id, kind="secret",
                                     scopes=list(ALL_TENANT_SCOPES), secret_hash=digest,
                                     created_at=utcnow()))
        http.headers["Authorization"] = f"Bearer {token}"
        yield http
    driver.drop()


def test_http_turns_send_a_read_a_commit_an_increment_and_the_plan_s_leases(
        http: TestClient[Any], dynamodb_client: Any) -> None:
    sent: Counter[str] = Counter()

    def count(params: dict[str, Any], event_name: str, **_: Any) -> None:
        sent[origin(event_name.rsplit(".", 1)[1], params)] += 1

    events = dynamodb_client.meta.events
    events.register("provide-client-params.dynamodb", count)
    try:
        session = http.post("/v1/chat", json={"message": "hello"}).json()["sessionId"]
        for n in range(23):
            reply = http.post(f"/v1/sessions/{session}/messages", json={"message": f"hi {n}"})
            assert reply.status_code == 200, reply.text
    finally:
        events.unregister("provide-client-params.dynamodb", count)
    del sent["cached record"], sent["outbox sweep"]
    # 24 turns, the first starting the session (no read, its profile read instead); a lease
    # of 300 / 50 = 6 requests of the key, 600 / 50 = 12 of the tenant, 1M / 50 = 20,000
    # tokens of the day (24 offline turns use fewer).
    assert sent == {"read": 23, "profile": 1, "commit": 24, "usage": 24, "k": 4,
                    "tenant limit": 2, "budget": 1, "key used": 1}
