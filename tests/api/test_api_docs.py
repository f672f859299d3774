"""The interactive API docs are served by the API itself (no CDN), and the OpenAPI document
says which operations take the bearer credential that "Authorize" sends.
The page in Chromium, offline, is tests/browser/test_api_docs.py."""

from __future__ import annotations

import re
from typing import Any

from openbrain.api.docs import ASSET_FILES, ASSETS_DIR
from tests.api.conftest import World

METHODS = ("get", "put", "post", "delete", "patch")
PUBLIC = {"health", "exchangeSigninCode"}


def test_the_docs_page_loads_only_its_own_files(world: World) -> None:
    page = world.client.get("/schema/swagger")
    assert page.status_code == 200
    head = page.text.split("<body>")[0]
    assert "://" not in head, "no script, style or icon from another host"
    linked = re.findall(r'(?:src|href)="([^"]+)"', head)
    assert sorted(linked) == sorted(f"/schema/swagger-ui/{name}" for name in ASSET_FILES)
    for url in linked:
        # No credential: the docs are as public as the document they render.
        asset = world.client.get(url)
        assert asset.status_code == 200, url
        assert asset.content == (ASSETS_DIR / url.rsplit("/", 1)[1]).read_bytes()
    assert world.client.get("/schema/swagger-ui/../docs.py").status_code == 404


def test_guarded_operations_declare_the_bearer_credential(world: World) -> None:
    doc: dict[str, Any] = world.client.get("/schema/openapi.json").json()
    scheme = doc["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    operations = {op["operationId"]: op for item in doc["paths"].values()
                  for method, op in item.items() if method in METHODS}
    assert set(operations) >= PUBLIC
    for operation_id, operation in operations.items():
        expected = None if operation_id in PUBLIC else [{"bearer": []}]
        assert operation.get("security") == expected, operation_id
    # What the document promises: a guarded operation without the credential is refused.
    assert world.client.get("/v1/me").status_code == 401
    assert world.client.get("/healthz").status_code == 200
