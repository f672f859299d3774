"""The HTTP turn path's own costs that a test can see without timing: Litestar resolves the
handlers' dependencies in the request's task (no task group per request)."""

from __future__ import annotations

from typing import Any

import anyio
import litestar._kwargs.kwargs_model as kwargs_model
import pytest

from tests.api.conftest import World


def test_a_turn_resolves_its_dependencies_without_a_task_group(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    groups: list[object] = []

    def counting() -> Any:
        groups.append(object())
        return anyio.create_task_group()

    monkeypatch.setattr(kwargs_model, "create_task_group", counting)
    headers = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    r = world.client.post("/v1/chat", headers=headers, json={"message": "hello"})
    assert r.status_code == 200, r.text
    session = r.json()["sessionId"]
    r = world.client.post(f"/v1/sessions/{session}/messages", headers=headers,
                          json={"message": "and again"})
    assert r.status_code == 200, r.text
    assert world.client.get("/v1/configs/default", headers=headers).status_code == 200
    assert groups == []
