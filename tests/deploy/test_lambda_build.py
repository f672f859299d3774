"""The real artifacts, built by ``scripts/build-lambda.sh`` (wheels from PyPI by name, kept in
uv's cache): reproducible, byte-compiled, loadable by the runtime, and enough to start every
function from them alone in a bare interpreter (no virtualenv on its path)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from deploy.artifacts import (
    CODE_ARCHIVE,
    LAYER_ARCHIVE,
    PYTHON_RUNTIME,
    PYTHON_VERSION,
    RUNTIME_GLIBC,
    glibc_required,
)
from tests.lambda_artifacts import Unpacked

pytestmark = pytest.mark.lambda_build

REPO = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("lambda_probe.py")
BYTECODE_TAG = "cpython-" + PYTHON_RUNTIME.removeprefix("python").replace(".", "")
# Lambda's quota: function and layers together at most 250 MB unzipped; the Web Adapter's layer
# (a few MB) shares it with ours.
UNZIPPED_LIMIT = 240_000_000


@dataclass(frozen=True)
class Build:
    out: Path
    code: Path
    layer: Path


@dataclass(frozen=True)
class Builds:
    first: Build
    second: Build
    extracted: Unpacked  # first build, unpacked as Lambda does (shared with the rehearsal)


def _build(out: Path) -> Build:
    result = subprocess.run(
        [str(REPO / "scripts" / "build-lambda.sh"), "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return Build(out, out / CODE_ARCHIVE, out / LAYER_ARCHIVE)


@pytest.fixture(name="builds", scope="session")
def fx_builds(
    tmp_path_factory: pytest.TempPathFactory, lambda_build: Path, lambda_unpacked: Unpacked
) -> Builds:
    """The session's build (cached for its inputs, built by the same script) and a fresh one."""
    first = Build(lambda_build, lambda_build / CODE_ARCHIVE, lambda_build / LAYER_ARCHIVE)
    second = _build(tmp_path_factory.mktemp("lambda") / "second")
    return Builds(first, second, lambda_unpacked)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_builds_give_the_same_bytes(builds: Builds) -> None:
    for name in (CODE_ARCHIVE, LAYER_ARCHIVE):
        assert _sha256(builds.first.out / name) == _sha256(builds.second.out / name), name
    assert sorted(p.name for p in builds.first.out.iterdir()) == [CODE_ARCHIVE, LAYER_ARCHIVE]


def test_the_layer_is_byte_compiled_for_the_runtime(builds: Builds) -> None:
    with zipfile.ZipFile(builds.first.layer) as zf:
        infos = zf.infolist()
    names = {i.filename for i in infos}
    modules = [n for n in names if n.endswith(".py")]
    pycs = [n for n in names if n.endswith(".pyc")]
    assert all(n.startswith("python/") for n in names)
    assert len(pycs) > 1000
    assert {n.rsplit(".", 2)[-2] for n in pycs} == {BYTECODE_TAG}
    for module in modules:
        folder, _, file = module.rpartition("/")
        assert f"{folder}/__pycache__/{file[:-3]}.{BYTECODE_TAG}.pyc" in names, module
    assert len(pycs) == len(modules)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert not [n for n in names if n.startswith("python/bin/")]  # console scripts: host paths


def test_the_bytecode_names_the_runtime_paths_not_the_build_folder(builds: Builds) -> None:
    with zipfile.ZipFile(builds.second.layer) as zf:
        blob = b"".join(zf.read(n) for n in sorted(zf.namelist()) if n.endswith(".pyc"))
    assert b"/opt/python/litestar/app.py" in blob
    for path in (builds.first.out, builds.second.out, REPO):
        assert str(path).encode() not in blob, path


def test_the_layer_holds_the_runtime_dependencies_only(builds: Builds) -> None:
    with zipfile.ZipFile(builds.first.layer) as zf:
        dists = {
            n.split("/")[1].removesuffix(".dist-info").rsplit("-", 1)[0].lower()
            for n in zf.namelist()
            if n.endswith(".dist-info/METADATA")
        }
    assert {"litestar", "uvicorn", "msgspec", "boto3", "langchain_openai", "structlog"} <= dists
    assert "tiktoken" in dists
    for group_only in ("pytest", "moto", "hypothesis", "mypy", "pulumi", "pulumi_aws", "reflex"):
        assert group_only not in dists, group_only
    assert "openbrain" not in dists  # the project itself is the code archive


def test_every_shared_object_loads_on_the_runtime_glibc(builds: Builds) -> None:
    needs = glibc_required(builds.extracted.layer_root)
    assert any(name.startswith("tiktoken/") for name in needs)
    assert len(needs) > 10
    assert {n: v for n, v in needs.items() if v > RUNTIME_GLIBC} == {}


def test_the_artifacts_fit_lambda(builds: Builds, record_property: Any) -> None:
    sizes = {}
    for path in (builds.first.code, builds.first.layer):
        with zipfile.ZipFile(path) as zf:
            sizes[path.name] = (path.stat().st_size, sum(i.file_size for i in zf.infolist()))
    record_property("artifact_sizes", sizes)
    print(f"\nartifact sizes (zip bytes, unzipped bytes): {sizes}")
    assert sum(unzipped for _, unzipped in sizes.values()) < UNZIPPED_LIMIT


def _probe(
    task: Path, layer: Path, *, flags: tuple[str, ...] = (), serve: bool = False,
    env: dict[str, str] | None = None,
) -> Any:
    """The probe in the base interpreter, no site-packages, on exactly ``task`` and ``layer``."""
    base = Path(getattr(sys, "_base_executable", sys.executable))
    assert ".venv" not in str(base), base
    environ = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{task}:{layer}",
        "HOME": str(task.parent),
        "LANG": "C.UTF-8",
        **(env or {}),
    }
    result = subprocess.run(
        [str(base), "-S", "-s", "-P", *flags, str(PROBE), *(["serve"] if serve else [])],
        env=environ, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report: Any = json.loads(result.stdout.strip().splitlines()[-1])
    assert not [p for p in report["sys_path"] if "site-packages" in p or ".venv" in p]
    assert report["outside"] == []
    return report


def test_the_functions_start_from_the_artifacts_alone(builds: Builds, tmp_path: Path) -> None:
    """The API (app factory, served once), the event-target and sweeper handlers and the
    launcher, imported from the extracted archive and layer, each module from its bytecode."""
    assert sys.version_info[:2] == PYTHON_VERSION
    task, layer = builds.extracted.task_root, builds.extracted.layer_root
    env = {
        "OB_STORE": f"sqlite:///{tmp_path / 'ob.db'}",
        "OB_STAGE": "dev",
        "OB_TENANTS_DIR": str(task / "tenants"),
        "OB_JWT_SECRET": "x" * 40,
        "OB_LOG_JSON": "1",
        "OB_LOG_LEVEL": "WARNING",
    }
    report = _probe(task, layer, serve=True, env=env)
    assert report["factory"] is True
    assert report["healthz"] == 200
    assert report["compiled"] == [], report["compiled"][:5]


def _sources_only(archive: Path, into: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            if "__pycache__/" not in info.filename:
                zf.extract(info, into)


def test_bytecode_makes_the_cold_import_cheaper(
    builds: Builds, tmp_path: Path, record_property: Any
) -> None:
    task, layer = builds.extracted.task_root, builds.extracted.layer_root
    with_pyc = _probe(task, layer)
    _sources_only(builds.first.code, tmp_path / "task")
    _sources_only(builds.first.layer, tmp_path / "opt")
    # -B: nothing written either, as on Lambda's read-only file system.
    without = _probe(tmp_path / "task", tmp_path / "opt" / "python", flags=("-B",))
    assert with_pyc["compiled"] == []
    assert len(without["compiled"]) > 500
    timings = {
        "with_bytecode": (with_pyc["import_cpu_s"], with_pyc["import_wall_s"]),
        "without_bytecode": (without["import_cpu_s"], without["import_wall_s"]),
    }
    record_property("cold_import_cpu_wall_s", timings)
    print(f"\ncold import of every entry point (cpu s, wall s): {timings}")
    assert with_pyc["import_cpu_s"] < without["import_cpu_s"]
