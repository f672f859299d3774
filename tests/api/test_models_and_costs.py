"""``GET /v1/models`` (what the profile form offers) and ``GET /v1/usage/costs`` (tokens and
cost per model from the platform's price table; a model it does not list is unpriced)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from openbrain.api.app import create_app
from openbrain.runtime import EMBEDDED, Runtime
from openbrain.settings import ModelPrice, Settings, SettingsError, _model_prices
from openbrain.store import TenantStore
from tests.api.conftest import make_settings

PRICES = {"gpt-4o-mini": ModelPrice(input=0.15, output=0.6),
          "gpt-4o": ModelPrice(input=2.5, output=10.0)}


def _client(tmp: Path, **settings: Any) -> Iterator[tuple[TestClient[Any], Settings]]:
    configured = make_settings(tmp, **settings)
    app = create_app(Runtime(configured, profile=EMBEDDED))
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {_jwt(configured)}"
        yield client, configured


def _jwt(settings: Settings, role: str = "viewer") -> str:
    from openbrain.auth.jwt_tokens import mint_token

    return mint_token(settings, client_id="alpha", role=role, ttl_seconds=600)


@pytest.fixture
def offline(tmp_path: Path) -> Iterator[tuple[TestClient[Any], Settings]]:
    yield from _client(tmp_path, model_prices=dict(PRICES))


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[tuple[TestClient[Any], Settings]]:
    yield from _client(tmp_path, openai_base_url="http://127.0.0.1:9/v1",
                       llm_models=("gpt-4o-mini", "llama-3.1-8b"), model_prices=dict(PRICES))


def test_without_an_endpoint_only_the_offline_model_is_offered(offline: Any) -> None:
    client, _ = offline
    r = client.get("/v1/models")
    assert r.status_code == 200, r.text
    assert r.json() == [{"name": "offline", "offline": True, "inputPrice": 0.0,
                         "outputPrice": 0.0}]


def test_the_endpoints_models_are_offered_with_their_prices(endpoint: Any) -> None:
    client, _ = endpoint
    assert client.get("/v1/models").json() == [
        {"name": "offline", "offline": True, "inputPrice": 0.0, "outputPrice": 0.0},
        {"name": "gpt-4o-mini", "offline": False, "inputPrice": 0.15, "outputPrice": 0.6},
        {"name": "llama-3.1-8b", "offline": False, "inputPrice": None, "outputPrice": None},
    ]


def test_an_endpoint_without_a_model_list_offers_the_platform_default(tmp_path: Path) -> None:
    for client, _ in _client(tmp_path, openai_api_key="sk-test"):
        names = [m["name"] for m in client.get("/v1/models").json()]
        assert names == ["offline", "gpt-4o-mini"]


def test_costs_per_model_and_unpriced_models_are_not_free(offline: Any) -> None:
    client, settings = offline
    # One real turn (offline) and usage a deployed stage counted for other models.
    r = client.post("/v1/chat", json={"message": "hello"},
                    headers={"Authorization": f"Bearer {_jwt(settings, 'admin')}"})
    assert r.status_code == 200, r.text
    usage = TenantStore(Runtime(settings, profile=EMBEDDED).driver, "alpha").usage
    usage.record("2025-03-01", "default", turns=2, input_tokens=1_000_000,
                 output_tokens=500_000, model="gpt-4o-mini")
    usage.record("2025-03-02", "default", turns=1, input_tokens=10, output_tokens=20,
                 model="mystery-model")

    body = client.get("/v1/usage/costs").json()
    by_model = {item["model"]: item for item in body["items"]}
    assert by_model["gpt-4o-mini"] == {"model": "gpt-4o-mini", "turns": 2,
                                       "inputTokens": 1_000_000, "outputTokens": 500_000,
                                       "cost": pytest.approx(0.45)}
    assert by_model["mystery-model"]["cost"] is None
    assert by_model["offline"]["cost"] == 0.0
    assert by_model["offline"]["turns"] == 1
    assert body["unpriced"] == ["mystery-model"]
    assert body["total"] == pytest.approx(0.45)

    # A period: only the days asked.
    body = client.get("/v1/usage/costs", params={"since": "2025-03-02",
                                                 "until": "2025-03-02"}).json()
    assert [i["model"] for i in body["items"]] == ["mystery-model"]
    assert body["total"] == 0.0
    assert body["unpriced"] == ["mystery-model"]


def test_a_bad_day_is_a_problem_naming_it(offline: Any) -> None:
    client, _ = offline
    r = client.get("/v1/usage/costs", params={"since": "2025-02-30"})
    assert r.status_code == 400
    assert "since" in r.text


@pytest.mark.parametrize(("raw", "named"), [
    ("not json", "must be a JSON object"),
    ('["gpt-4o"]', "must be a JSON object"),
    ('{"gpt-4o": {"input": 1}}', "OB_MODEL_PRICES['gpt-4o']"),
    ('{"gpt-4o": {"input": -1, "output": 2}}', "at least 0"),
    ('{"gpt-4o": {"input": "1", "output": 2}}', "at least 0"),
    ('{"gpt-4o": {"input": 1, "output": 2, "cached": 0.5}}', "input and output"),
])
def test_a_bad_price_table_is_one_sentence_naming_the_variable(
        monkeypatch: pytest.MonkeyPatch, raw: str, named: str) -> None:
    monkeypatch.setenv("OB_MODEL_PRICES", raw)
    with pytest.raises(SettingsError, match="OB_MODEL_PRICES") as error:
        _model_prices()
    assert named in str(error.value)


def test_the_price_table_and_model_list_read_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OB_MODEL_PRICES", '{"gpt-4o-mini": {"input": 0.15, "output": 0.6}}')
    monkeypatch.setenv("OB_LLM_MODELS", " gpt-4o-mini, llama-3.1-8b,,gpt-4o-mini ")
    settings = Settings()
    assert settings.model_prices == {"gpt-4o-mini": ModelPrice(input=0.15, output=0.6)}
    assert settings.llm_models == ("gpt-4o-mini", "llama-3.1-8b")
