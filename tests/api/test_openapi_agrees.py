"""The OpenAPI document says what the server does: request schemas that refuse unknown fields
say ``additionalProperties: false``, list items keep their constraints, optional parameters
are never ``null``, ``Allow`` lists every method of a path, and what the document calls
invalid (a ``0`` for a boolean, a number for a timestamp, ``null`` for a day) is refused."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from litestar.handlers.http_handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from tests.api.conftest import World

METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(name="doc", scope="module")
def fx_doc(world: World) -> dict[str, Any]:
    doc: dict[str, Any] = world.client.get("/schema/openapi.json").json()
    return doc


def _request_structs(world: World) -> dict[str, type[msgspec.Struct]]:
    """operationId -> the Struct its body decodes into."""
    found: dict[str, type[msgspec.Struct]] = {}
    for route in world.app.routes:
        for handler in route.route_handlers if isinstance(route, HTTPRoute) else ():
            field = handler.parsed_fn_signature.parameters.get("data")
            body = field.annotation if field is not None else None
            if (isinstance(handler, HTTPRouteHandler) and isinstance(body, type)
                    and issubclass(body, msgspec.Struct) and handler.operation_id):
                found[str(handler.operation_id)] = body
    return found


def test_request_schemas_refuse_unknown_fields_as_the_server_does(
        world: World, doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    operations = {op["operationId"]: op for item in doc["paths"].values()
                  for method, op in item.items() if method in METHODS}
    structs = _request_structs(world)
    assert len(structs) >= 10
    for operation_id, struct in structs.items():
        ref = operations[operation_id]["requestBody"]["content"]["application/json"]["schema"]
        schema = schemas[ref["$ref"].rsplit("/", 1)[1]]
        forbids = struct.__struct_config__.forbid_unknown_fields
        assert forbids, f"{operation_id}: {struct.__name__} takes unknown fields"
        assert schema.get("additionalProperties") is False, operation_id


def test_list_items_keep_their_constraints(doc: dict[str, Any]) -> None:
    new_key = doc["components"]["schemas"]["NewKey"]["properties"]
    assert new_key["profiles"]["items"]["pattern"].startswith("^")
    assert new_key["allowedOrigins"]["items"]["pattern"].startswith("^https?://")


def test_optional_parameters_are_never_null(doc: dict[str, Any]) -> None:
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []) if method in METHODS else []:
                schema = parameter["schema"]
                kinds = [s.get("type") for s in schema.get("oneOf", [schema])]
                assert "null" not in kinds, (method, path, parameter["name"])


def test_allow_lists_every_method_of_each_path(world: World, doc: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    samples = {"{name}": "default", "{version}": "1"}
    for template, item in doc["paths"].items():
        path = template
        for placeholder, value in samples.items():
            path = path.replace(placeholder, value)
        path = path.replace("{", "").replace("}", "")  # other ids: any well-formed one
        declared = {m.upper() for m in item if m in METHODS} | {"OPTIONS"}
        r = world.client.options(path, headers=headers)
        assert r.status_code == 204, (path, r.text)
        assert set(r.headers["allow"].split(", ")) == declared, (path, r.headers["allow"])
        undeclared = next(m for m in ("PATCH", "PUT", "DELETE", "POST") if m not in declared)
        r = world.client.request(undeclared, path, headers=headers)
        assert r.status_code == 405, (undeclared, path)
        assert set(r.headers["allow"].split(", ")) == declared, (path, r.headers["allow"])


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("PUT", "/v1/configs/strict", {"widgetEnabled": 0}, "widgetEnabled"),
    ("PUT", "/v1/configs/strict", {"maxTokens": "1024"}, "maxTokens"),
    ("POST", "/v1/tenants", {"clientId": "strict", "name": "S", "createdAt": 0}, "createdAt"),
])
def test_bodies_are_read_strictly(world: World, method: str, path: str, body: dict[str, Any],
                                  field: str) -> None:
    admin = world.jwt(None, role="platform-admin")
    before = world.snapshot()
    r = world.client.request(method, path, json=body, headers={"Authorization": f"Bearer {admin}"})
    assert r.status_code == 400, r.text
    assert field in r.json()["detail"]
    assert world.snapshot() == before


@pytest.mark.parametrize("query", ["/v1/usage?until=null", "/v1/usage?since=20240101",
                                   "/v1/sessions?until=0.5", "/v1/sessions?since=null",
                                   "/v1/sessions?since=1700000000"])
def test_dates_in_queries_are_read_strictly(world: World, query: str) -> None:
    r = world.client.get(query, headers={"Authorization": f"Bearer {world.alpha.admin_key}"})
    assert r.status_code == 400, (query, r.text)
    assert query.split("?")[1].split("=")[0] in r.text
