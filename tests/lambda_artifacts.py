"""The real Lambda artifacts for the tests, built once and unpacked as Lambda unpacks them.

:func:`cached_build` builds with ``deploy.artifacts`` (what ``scripts/build-lambda.sh`` runs)
into ``build/test-lambda/``: the layer keyed by what it is built from (``uv.lock``,
``pyproject.toml``, the build's code, the interpreter and uv's version), the code archive by its
sources and tenant specs as well. A session with the same inputs reuses both; a changed source
rebuilds the code archive only (seconds), a changed lock the layer too. Old entries are removed.
:func:`unpack` lays both archives out as a function sees them, with an interpreter that has no
site-packages of its own, so what runs from them cannot import the checkout's code or the
project's virtualenv.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from deploy.artifacts import (
    CODE_ARCHIVE,
    LAYER_ARCHIVE,
    build_code_archive,
    build_layer_archive,
    code_entries,
)

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "build" / "test-lambda"
LAYER_INPUTS = ("uv.lock", "pyproject.toml", "deploy/artifacts.py", "scripts/build-lambda.sh")
UV = ("python3", "-m", "uv")  # as scripts/build-lambda.sh finds it (scripts/setup.sh installs it)


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()[:24]


def layer_key() -> str:
    """A digest of everything the dependency layer is built from."""
    uv = subprocess.run([*UV, "--version"], capture_output=True, text=True, check=True).stdout
    files = [part for name in LAYER_INPUTS for part in (name.encode(), (REPO / name).read_bytes())]
    return _digest(*files, sys.version.encode(), uv.encode())


def code_key(layer: str) -> str:
    """A digest of the layer's key and every entry of the code archive."""
    entries = [part for name, source in code_entries()
               for part in (name.encode(), source.read_bytes())]
    return _digest(layer.encode(), *entries)


def _publish(work: Path, out: Path) -> Path:
    if out.exists():  # built meanwhile by another session: same inputs, same bytes
        shutil.rmtree(work, ignore_errors=True)
    else:
        work.rename(out)
    return out


def cached_build() -> Path:
    """A folder holding ``lambda-code.zip`` and ``lambda-deps.zip`` for the current inputs."""
    CACHE.mkdir(parents=True, exist_ok=True)
    layer_dir = CACHE / f"layer-{layer_key()}"
    out = CACHE / f"code-{code_key(layer_dir.name)}"
    if not (layer_dir / LAYER_ARCHIVE).is_file():
        work = CACHE / f".{layer_dir.name}.{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        build_layer_archive(work, list(UV))
        _publish(work, layer_dir)
    if not (out / CODE_ARCHIVE).is_file():
        work = CACHE / f".{out.name}.{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        build_code_archive(work)
        os.link(layer_dir / LAYER_ARCHIVE, work / LAYER_ARCHIVE)
        _publish(work, out)
    for stale in CACHE.iterdir():  # keep one build: the layer alone is ~70 MB
        if stale not in (layer_dir, out) and not stale.name.startswith("."):
            shutil.rmtree(stale, ignore_errors=True)
    return out


@dataclass(frozen=True)
class Unpacked:
    """Both archives as a function sees them, and the interpreter that runs them."""

    build: Path
    task_root: Path
    """The code archive, unpacked: Lambda's ``/var/task`` (``LAMBDA_TASK_ROOT``)."""
    layer_root: Path
    """The layer's ``python/`` folder: Lambda's ``/opt/python``."""
    python_bin: Path
    """A folder whose ``python3`` sees the standard library and nothing else."""

    @property
    def python(self) -> Path:
        return self.python_bin / "python3"


def _extract(archive: Path, into: Path) -> None:
    """Unpack with each file's mode from the archive, as Lambda does (``run.sh`` must be
    executable because the archive says so, not because a test made it so)."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, into))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                path.chmod(mode)


def unpack(build: Path, into: Path) -> Unpacked:
    task, opt = into / "var-task", into / "opt"
    _extract(build / CODE_ARCHIVE, task)
    _extract(build / LAYER_ARCHIVE, opt)
    # A virtual environment of the base interpreter without packages: its site-packages is
    # empty, and it stays the interpreter across ob_boot's exec of uvicorn (sys.executable),
    # where flags such as -S would be lost.
    runtime = into / "runtime"
    base = Path(getattr(sys, "_base_executable", sys.executable))
    subprocess.run([str(base), "-m", "venv", "--without-pip", str(runtime)], check=True)
    return Unpacked(build, task, opt / "python", runtime / "bin")
