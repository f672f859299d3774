"""The API served by uvicorn on 127.0.0.1 over DynamoDB through the :class:`FaultProxy`, with
the model on the loopback OpenAI-compatible server (tests/agent/fake_llm.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from openbrain.api.app import create_app
from openbrain.auth.jwt_tokens import mint_token
from openbrain.domain.agent_config import AgentSettings
from openbrain.runtime import EMBEDDED, Runtime
from openbrain.store import TenantStore
from tests.agent.fake_llm import FakeLLM
from tests.api.conftest import make_settings
from tests.api.live import free_port, serve_in_thread

TENANT = "alpha"


@dataclass
class ChatWorld:
    http: httpx.Client
    runtime: Runtime
    llm: FakeLLM

    @property
    def store(self) -> TenantStore:
        return self.runtime.store(TENANT)

    def chat(self, message: str, key: str | None, session_id: str | None = None,
             profile: str = "default") -> httpx.Response:
        headers = {"Idempotency-Key": key} if key else {}
        if session_id is None:
            return self.http.post("/v1/chat", headers=headers,
                                  json={"message": message, "agentConfig": profile})
        return self.http.post(f"/v1/sessions/{session_id}/messages", headers=headers,
                              json={"message": message})

    def model_calls(self) -> int:
        return len(self.llm.requests)

    def transcript(self, session_id: str) -> list[tuple[str, str]]:
        r = self.http.get(f"/v1/sessions/{session_id}/messages", params={"limit": 200})
        assert r.status_code == 200, r.text
        return [(m["role"], m["content"]) for m in r.json()["items"]]


@contextmanager
def chat_world(tmp: Path, endpoint: str, llm: FakeLLM, *, llm_max_retries: int = 0,
               **limits: Any) -> Iterator[ChatWorld]:
    """``limits``: fields of the model profiles saved as ``default`` (and ``quick``, the same
    with a 2 s time limit)."""
    port = free_port()
    settings = make_settings(tmp, port=port, store=f"dynamodb://c-{uuid.uuid4().hex}",
                             dynamodb_endpoint=endpoint, openai_base_url=llm.url,
                             openai_api_key="test-key", llm_max_retries=llm_max_retries,
                             llm_timeout=10.0)
    runtime = Runtime(settings, profile=EMBEDDED)
    app = create_app(runtime)
    with serve_in_thread(app, port) as url:
        store = runtime.store(TENANT)
        base = {"system_message": "You help.", "ice_breaker": "", "model": "test-model",
                "tools": [], **limits}
        store.configs.save("default", AgentSettings(**base))
        store.configs.save("quick", AgentSettings(**{**base, "max_execution_time": 2.0}))
        token = mint_token(settings, client_id=TENANT, role="admin", ttl_seconds=3600)
        with httpx.Client(base_url=url, timeout=120,
                          headers={"Authorization": f"Bearer {token}"}) as http:
            yield ChatWorld(http=http, runtime=runtime, llm=llm)
    runtime.driver.drop()  # type: ignore[attr-defined]
