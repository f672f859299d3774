"""The Lambda code archive and the cold-start secret loader (against moto's Secrets Manager)."""

from __future__ import annotations

import importlib
import json
import socket
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from deploy.packaging import build_code_archive
from deploy.runtime.ob_boot import API_APP, SecretLoadError, load_secrets
from moto.server import ThreadedMotoServer

REPO = Path(__file__).resolve().parents[2]


def test_archive_holds_the_runtime_with_an_executable_start_script(tmp_path: Path) -> None:
    archive = build_code_archive(tmp_path)
    with zipfile.ZipFile(archive) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    for name in (
        "openbrain/__init__.py",
        "openbrain/tenancy/routing.py",
        "openbrain/runtime/__init__.py",
        "openbrain/events/targets/webhook.py",
        "event_targets/__init__.py",
        "event_targets/handler.py",
        "event_targets/sweeper.py",
        "tenants/demo.toml",
        "tenants/acme.toml",
        "ob_boot.py",
        "run.sh",
    ):
        assert name in infos, name
    assert stat.S_IMODE(infos["run.sh"].external_attr >> 16) == 0o755
    assert stat.S_IMODE(infos["ob_boot.py"].external_attr >> 16) == 0o644
    assert not [n for n in infos if n.endswith(".pyc") or "__pycache__" in n]


def test_archive_is_deterministic(tmp_path: Path) -> None:
    first = build_code_archive(tmp_path / "a")
    second = build_code_archive(tmp_path / "b")
    assert first.name == second.name
    assert first.read_bytes() == second.read_bytes()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(name="secretsmanager")
def fx_secretsmanager() -> Iterator[object]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield boto3.client(
            "secretsmanager", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1"
        )
    finally:
        server.stop()


def test_secrets_are_loaded_into_the_environment(secretsmanager: object) -> None:
    sm = secretsmanager
    jwt = sm.create_secret(Name="openbrain/dev/jwt-secret", SecretString="s3cr3t")["ARN"]  # type: ignore[attr-defined]
    key = sm.create_secret(Name="openbrain/dev/llm-api-key", SecretString="sk-live")["ARN"]  # type: ignore[attr-defined]
    env = {"OB_SECRET_ARNS": json.dumps({"OB_JWT_SECRET": jwt, "OPENAI_API_KEY": key})}
    assert load_secrets(env, client=sm) == ["OB_JWT_SECRET", "OPENAI_API_KEY"]
    assert env["OB_JWT_SECRET"] == "s3cr3t"
    assert env["OPENAI_API_KEY"] == "sk-live"


def test_a_missing_secret_is_a_clear_error_without_values(secretsmanager: object) -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:openbrain/dev/absent-AbCdEf"
    env = {"OB_SECRET_ARNS": json.dumps({"OB_JWT_SECRET": arn})}
    with pytest.raises(SecretLoadError, match="OB_JWT_SECRET") as info:
        load_secrets(env, client=secretsmanager)
    assert arn in str(info.value)
    assert "OB_JWT_SECRET" not in {k for k in env if k != "OB_SECRET_ARNS"}


def test_malformed_secret_map_is_refused() -> None:
    with pytest.raises(SecretLoadError, match="JSON object"):
        load_secrets({"OB_SECRET_ARNS": "[1, 2]"}, client=object())
    with pytest.raises(SecretLoadError, match="not a JSON object"):
        load_secrets({"OB_SECRET_ARNS": "{nope"}, client=object())
    assert load_secrets({}, client=object()) == []


def test_the_api_factory_builds_the_runtime_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What uvicorn ``--factory`` runs in the API function: the app over a runtime built
    from the function's environment, with the table set up and JSON logs."""
    from litestar.testing import TestClient

    from openbrain.settings import get_settings

    for name, value in {"OB_STORE": f"sqlite:///{tmp_path / 'ob.db'}", "OB_STAGE": "dev",
                        "OB_TENANTS_DIR": str(REPO / "tenants"), "OB_LOG_JSON": "1",
                        "OB_LOG_LEVEL": "INFO", "OB_JWT_SECRET": "x" * 40}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OB_EVENT_BUS", raising=False)
    get_settings.cache_clear()
    module, _, name = API_APP.partition(":")
    try:
        app = getattr(importlib.import_module(module), name)()
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200
    finally:
        get_settings.cache_clear()
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert lines, "the request was logged"
    assert all(json.loads(line)["event"] for line in lines)
