"""JSON nested past a sane depth is a 400 problem detail on every route, before
authentication, with no traceback in the log (the probe saw a 500 and a 3 KB traceback at
depth ~975 on ``/v1/auth/exchange``)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from openbrain.api.app import create_app
from openbrain.api.json_depth import MAX_JSON_DEPTH, scanned_too_deep, too_deep
from openbrain.logs import LogSetup
from openbrain.runtime import EMBEDDED, Runtime
from tests.api.conftest import make_settings

_PARAM = re.compile(r"\{[^}:]+(?::(\w+))?\}")


def nested(depth: int) -> bytes:
    return b'{"code": ' + b"[" * depth + b"]" * depth + b"}"


def test_every_route_refuses_deep_json_before_authentication(tmp_path: Path) -> None:
    logs = io.StringIO()
    app = create_app(Runtime(make_settings(tmp_path), profile=EMBEDDED,
                             logs=LogSetup(level="INFO", json=True, stream=logs)))
    routes = sorted({(method, _PARAM.sub(lambda m: "1" if m[1] == "int" else "x1", route.path))
                     for route in app.routes for method in getattr(route, "methods", ())
                     if method in ("POST", "PUT", "PATCH")})
    assert ("POST", "/v1/auth/exchange") in routes
    assert len(routes) > 10
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, path in routes:
            r = client.request(method, path, content=nested(5000),
                               headers={"Content-Type": "application/json"})
            assert r.status_code == 400, (method, path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert "nested more than" in r.json()["detail"]
        # Within the depth, the body reaches the handler as before.
        r = client.post("/v1/auth/exchange", content=nested(MAX_JSON_DEPTH - 1),
                        headers={"Content-Type": "application/json"})
        assert r.status_code == 400
        assert "nested" not in r.json()["detail"]
    assert "Traceback" not in logs.getvalue()
    assert "exception" not in logs.getvalue()


@pytest.mark.parametrize(("body", "deep"), [
    (b"[" * 33 + b"]" * 33, True),
    (b"[" * 32 + b"]" * 32, False),
    (b'{"a": "' + b"[" * 100 + b'"}', False),  # brackets inside a string do not nest
    (b'{"a": "\\"' + b"[" * 100 + b'"}', False),  # nor after an escaped quote
    (b"{" * 40, True),  # unbalanced: refused as soon as it is too deep
])
def test_depth_counts_arrays_and_objects_outside_strings(body: bytes, deep: bool) -> None:
    assert too_deep(body) is deep


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=60) | st.text(alphabet=st.sampled_from(list('[]{}"\\ a:,')),
                                         max_size=80).map(str.encode),
       st.integers(min_value=0, max_value=6))
def test_counting_brackets_first_decides_as_the_scan(body: bytes, limit: int) -> None:
    """Brackets inside strings, escapes, unbalanced and exactly-at-the-limit bodies."""
    assert too_deep(body, limit) == scanned_too_deep(body, limit)
    for depth in (limit, limit + 1):
        assert too_deep(nested(depth), limit) == scanned_too_deep(nested(depth), limit)
