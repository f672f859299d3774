"""Fixtures of the client tests: a stub API with canned answers (error paths, broken streams)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.admin_ui.stub_api import StubApi, start_stub


@pytest.fixture(name="stub_api")
def fx_stub_api() -> Iterator[StubApi]:
    stub = StubApi()
    server = start_stub(stub)
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
