"""What a fresh server process imports to start: only what serving needs. LangChain, its
tracing client and the CLI's libraries come later (the turn path, in the background after
start-up) or never. Deterministic: module names, never timings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Imported by a fresh create_app() before, and not needed to answer /healthz: LangChain and
# its tracing client (the turn path, after start-up); PyJWT and cryptography (the first JWT
# or widget token); rich and pygments (structlog's pretty tracebacks, httpx's CLI); click
# (httpx's CLI); pydantic (Litestar's default plugins); httpx (the first webhook delivery).
NOT_AT_START = {
    "langchain_core", "langchain_openai", "langsmith", "openai", "tiktoken", "requests",
    "orjson", "typer", "boto3", "jwt", "cryptography", "rich", "pygments", "click",
    "pydantic", "pydantic_core", "httpx", "attr",
}

_PROBE = """
import gc, json, sys, threading
from openbrain.api.app import app_from_environment

from litestar._openapi.plugin import OpenAPIPlugin

app = app_from_environment()
# Entries set to None are modules kept from being imported (openbrain/__init__.py).
at_create = sorted({m.split(".")[0] for m, module in sys.modules.items() if module is not None})
openapi = app.plugins.get(OpenAPIPlugin)
built_at_create = openapi._openapi is not None  # Litestar's cache of the document
from litestar.testing import TestClient

with TestClient(app) as client:
    status = client.get("/healthz").status_code
    for thread in threading.enumerate():
        if thread.name == "ob-prepare-turns":
            thread.join(60)
    built_after_start = openapi._openapi is not None
    after = {"executor": "openbrain.agent.executor" in sys.modules,
             "frozen": gc.get_freeze_count() > 0}
    document = client.get("/schema/openapi.json").json()
print(json.dumps({"at_create": at_create, "status": status, **after,
                  "built": [built_at_create, built_after_start],
                  "problem": "Problem" in document["components"]["schemas"],
                  "bearer": "bearer" in document["components"]["securitySchemes"]}))
"""


@pytest.fixture(scope="module", name="probe")
def fx_probe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One fresh server process, read at each step."""
    tmp_path = tmp_path_factory.mktemp("start")
    (tmp_path / "tenants").mkdir()
    env = {**os.environ, "OB_STORE": f"sqlite:///{tmp_path / 'ob.db'}",
           "OB_TENANTS_DIR": str(tmp_path / "tenants"), "OB_LOG_LEVEL": "WARNING"}
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_create_app_imports_only_what_serving_needs_and_prepares_turns_after(
    probe: dict[str, object],
) -> None:
    at_create = probe["at_create"]
    assert isinstance(at_create, list)
    assert NOT_AT_START.isdisjoint(at_create), sorted(NOT_AT_START.intersection(at_create))
    assert {"litestar", "msgspec", "openbrain", "structlog"} <= set(at_create)
    assert probe["status"] == 200
    # Started: the turn path is imported in the background and start-up's objects frozen.
    assert probe["executor"] is True
    assert probe["frozen"] is True


def test_the_openapi_document_is_built_after_start(probe: dict[str, object]) -> None:
    """Not by create_app: in the background once the server is up (or by the first
    ``/schema``), with the problem responses and the bearer scheme added
    (tests/api/test_api_docs.py and test_openapi_agrees.py check the rest)."""
    assert probe["built"] == [False, True]
    assert probe["problem"] is True
    assert probe["bearer"] is True


_FIRST_TOKEN = """
import asyncio, json, sys
from openbrain.api.app import app_from_environment

seen = []


class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "jwt":
            try:
                asyncio.get_running_loop()
                seen.append("event loop")
            except RuntimeError:
                seen.append("thread")


sys.meta_path.insert(0, Watch())
app = app_from_environment()
from litestar.testing import TestClient

token = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJvcGVuYnJhaW4td2lkZ2V0In0.c2ln"
with TestClient(app) as client:
    at_start = "jwt" in sys.modules
    status = client.get("/v1/sessions", headers={"authorization": f"Bearer {token}"}).status_code
print(json.dumps({"at_start": at_start, "status": status, "imported": seen}))
"""


def test_the_first_token_imports_pyjwt_in_a_thread_not_on_the_event_loop(tmp_path: Path) -> None:
    (tmp_path / "tenants").mkdir()
    env = {**os.environ, "OB_STORE": f"sqlite:///{tmp_path / 'ob.db'}",
           "OB_TENANTS_DIR": str(tmp_path / "tenants"), "OB_LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-c", _FIRST_TOKEN], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe == {"at_start": False, "status": 401, "imported": ["thread"]}
