"""The Lambda code archive, the program's check of the built artifacts, and the cold-start
secret loader (against moto's Secrets Manager). The real layer: test_lambda_build.py."""

from __future__ import annotations

import importlib
import json
import shutil
import socket
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import boto3
import pulumi
import pytest
from deploy.artifacts import (
    BUILD_COMMAND,
    CODE_ARCHIVE,
    DEFAULT_BUILD_DIR,
    LAYER_ARCHIVE,
    PYTHON_RUNTIME,
    RUNTIME_GLIBC,
    ArtifactError,
    build_code_archive,
    built_artifacts,
    check_glibc,
)
from deploy.packaging import MissingArtifactError
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
        "openbrain/event_targets/__init__.py",
        "openbrain/event_targets/handler.py",
        "openbrain/event_targets/sweeper.py",
        "tenants/demo.toml",
        "tenants/acme.toml",
        "ob_boot.py",
        "run.sh",
    ):
        assert name in infos, name
    assert stat.S_IMODE(infos["run.sh"].external_attr >> 16) == 0o755
    assert stat.S_IMODE(infos["ob_boot.py"].external_attr >> 16) == 0o644


def test_every_module_of_the_archive_has_bytecode_for_the_runtime(tmp_path: Path) -> None:
    archive = build_code_archive(tmp_path / "out")
    tag = "cpython-" + PYTHON_RUNTIME.removeprefix("python").replace(".", "")
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        pycs = {n for n in names if n.endswith(".pyc")}
        modules = {n for n in names if n.endswith(".py")}
        assert len(modules) > 100
        for module in modules:
            folder, _, file = module.rpartition("/")
            cached = f"{folder}/__pycache__/{file[:-3]}.{tag}.pyc".lstrip("/")
            assert cached in pycs, module
        assert len(pycs) == len(modules)
        # Compiled for the paths the function sees, with no trace of the building machine.
        blob = b"".join(zf.read(n) for n in sorted(pycs))
    assert b"/var/task/openbrain/" in blob
    assert str(REPO).encode() not in blob
    assert str(tmp_path).encode() not in blob


def test_archive_is_deterministic(tmp_path: Path) -> None:
    first = build_code_archive(tmp_path / "a")
    second = build_code_archive(tmp_path / "b")
    assert first.name == second.name
    assert first.read_bytes() == second.read_bytes()


def test_the_program_reads_the_artifacts_where_the_build_script_writes_them() -> None:
    assert REPO / "build" / "lambda" == DEFAULT_BUILD_DIR
    script = (REPO / BUILD_COMMAND).read_text(encoding="utf-8")
    assert "build/lambda/" in script
    assert "-m deploy.artifacts" in script
    # Pulumi prints a RunError as its message only: the operator reads what to run.
    assert issubclass(MissingArtifactError, pulumi.RunError)


def test_missing_artifacts_name_the_build_script(tmp_path: Path) -> None:
    both = f"{CODE_ARCHIVE} and {LAYER_ARCHIVE} not found"
    with pytest.raises(ArtifactError, match=both) as info:
        built_artifacts(tmp_path)
    assert BUILD_COMMAND in str(info.value)
    build_code_archive(tmp_path)
    with pytest.raises(ArtifactError, match=f"^{LAYER_ARCHIVE} not found"):
        built_artifacts(tmp_path)


def test_a_stale_code_archive_is_refused(tmp_path: Path) -> None:
    """The program no longer builds the code: a changed source or tenant spec after the build
    must stop the deploy instead of shipping the old code."""
    tenants = tmp_path / "tenants"
    shutil.copytree(REPO / "tenants", tenants)
    out = tmp_path / "build"
    build_code_archive(out, tenants_dir=tenants)
    (out / LAYER_ARCHIVE).write_bytes(b"layer")
    assert built_artifacts(out, tenants_dir=tenants) == (out / CODE_ARCHIVE, out / LAYER_ARCHIVE)

    (tenants / "acme.toml").write_text("# edited\n", encoding="utf-8")
    (tenants / "zeta.toml").write_text("# new\n", encoding="utf-8")
    with pytest.raises(ArtifactError, match="older than the project") as info:
        built_artifacts(out, tenants_dir=tenants)
    assert "tenants/acme.toml, tenants/zeta.toml changed" in str(info.value)
    assert BUILD_COMMAND in str(info.value)


def test_a_wheel_needing_a_newer_glibc_than_the_runtime_is_refused(tmp_path: Path) -> None:
    """tiktoken 0.14's only Linux wheels (manylinux_2_28) need glibc 2.28; the python3.11
    runtime (Amazon Linux 2) has 2.26, so its import would fail in Lambda, not here."""
    assert RUNTIME_GLIBC == (2, 26)
    module = tmp_path / "tiktoken" / "_tiktoken.cpython-311-x86_64-linux-gnu.so"
    module.parent.mkdir()
    module.write_bytes(b"\x7fELF\0memcpy\0GLIBC_2.2.5\0GLIBC_2.17\0")
    check_glibc(tmp_path)
    module.write_bytes(b"\x7fELF\0GLIBC_2.14\0GLIBC_2.28\0GLIBC_2.3\0")
    with pytest.raises(ArtifactError, match=r"tiktoken/_tiktoken\S+ \(glibc 2\.28\)"):
        check_glibc(tmp_path)


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
