"""The Lambda artifacts: the code archive and the dependency layer, byte-compiled and reproducible.

``scripts/build-lambda.sh`` runs :func:`main` (``python -m deploy.artifacts``), which writes
``lambda-code.zip`` and ``lambda-deps.zip`` into ``build/lambda/``; the Pulumi program
(:mod:`deploy.packaging`) only reads them and refuses missing or stale ones. Nothing here imports
Pulumi, so the build is quick and the tests can call it directly.

Reproducible means the same inputs (sources, ``uv.lock``, interpreter, zlib) give the same bytes:
entries sorted, timestamps fixed, modes fixed, bytecode compiled with ``unchecked-hash``
invalidation (no source mtime inside) and a fixed hash seed (frozenset constants keep their
order), with the paths the runtime sees (``/var/task``, ``/opt/python``), never the build's.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Lambda's python3.11 runtime runs on Amazon Linux 2 (glibc 2.26). Its layer can only be tested
# by an interpreter of the same minor version, and 3.11 is the one this project's machines have
# (docs/deploy.md, "Decisions"). Bytecode and wheels are built for exactly this version.
PYTHON_RUNTIME = "python3.11"
PYTHON_VERSION = (3, 11)
ARCHITECTURE = "x86_64"
# manylinux2014: every locked runtime dependency publishes it, and it loads on glibc 2.17+.
WHEEL_PLATFORM = "x86_64-manylinux_2_17"
RUNTIME_GLIBC = (2, 26)

CODE_ARCHIVE = "lambda-code.zip"
LAYER_ARCHIVE = "lambda-deps.zip"
DEFAULT_BUILD_DIR = REPO_ROOT / "build" / "lambda"
BUILD_COMMAND = "scripts/build-lambda.sh"
TASK_ROOT = "/var/task"  # where Lambda unpacks the code archive
LAYER_ROOT = "/opt/python"  # where a layer's python/ folder lands, on sys.path

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache"}
_SKIP_SUFFIXES = {".pyc", ".pyo"}
EXECUTABLES = {"run.sh"}
_GLIBC_SYMBOL = re.compile(rb"GLIBC_(\d+)\.(\d+)")


class ArtifactError(RuntimeError):
    """An artifact is missing, stale or unusable by the functions' runtime."""


def _hint() -> str:
    return f"run {BUILD_COMMAND} (docs/deploy.md, 'Build the artifacts')"


# --- the code archive --------------------------------------------------------------------------


def _tree(source: Path, prefix: str) -> Iterator[tuple[str, Path]]:
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_dir() or _SKIP_DIRS.intersection(rel.parts) or path.suffix in _SKIP_SUFFIXES:
            continue
        yield f"{prefix}/{rel.as_posix()}", path


def code_entries(root: Path = REPO_ROOT, tenants_dir: Path | None = None) -> list[tuple[str, Path]]:
    """``(name in archive, source file)`` for everything the functions import or read."""
    tenants = tenants_dir or root / "tenants"
    entries = [
        *_tree(root / "platform" / "openbrain", "openbrain"),
        *((f"tenants/{p.name}", p) for p in sorted(tenants.glob("*.toml"))),
        ("ob_boot.py", root / "deploy" / "runtime" / "ob_boot.py"),
        ("run.sh", root / "deploy" / "runtime" / "run.sh"),
    ]
    return sorted(entries)


def build_code_archive(
    out_dir: Path, root: Path = REPO_ROOT, tenants_dir: Path | None = None
) -> Path:
    """Write ``out_dir/lambda-code.zip``: the sources and their bytecode for ``/var/task``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stage = out_dir / ".code"
    shutil.rmtree(stage, ignore_errors=True)
    try:
        for name, source in code_entries(root, tenants_dir):
            target = stage / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
        compile_tree(stage, TASK_ROOT)
        return write_zip(out_dir / CODE_ARCHIVE, tree_entries(stage))
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def stale_sources(
    archive: Path, root: Path = REPO_ROOT, tenants_dir: Path | None = None
) -> list[str]:
    """Names whose source differs between ``archive`` and the project (added, removed, changed)."""
    expected = dict(code_entries(root, tenants_dir))
    with zipfile.ZipFile(archive) as zf:
        packed = {
            i.filename: i for i in zf.infolist() if "__pycache__/" not in i.filename
        }
        changed = [
            name
            for name in sorted(expected.keys() & packed.keys())
            if zf.read(packed[name]) != expected[name].read_bytes()
        ]
    return sorted({*(expected.keys() ^ packed.keys()), *changed})


# --- the dependency layer ----------------------------------------------------------------------


def runtime_requirements(uv: Sequence[str], root: Path, out: Path) -> Path:
    """The locked runtime dependencies (no dev, deploy or admin group), pinned with hashes."""
    command = [*uv, "export", "--frozen", "--no-default-groups", "--no-emit-project",
               "--project", str(root), "--quiet", "-o", str(out)]
    subprocess.run(command, check=True)  # noqa: S603 (our own uv, fixed arguments)
    return out


def install_wheels(uv: Sequence[str], requirements: Path, target: Path) -> None:
    """Install the wheels of ``requirements`` for the runtime's platform into ``target``.

    ``--no-config``: the project's own uv settings describe this machine, not Lambda's.
    ``--link-mode copy``: the tree is edited next, and must not be hard links into uv's cache.
    """
    major, minor = PYTHON_VERSION
    command = [*uv, "pip", "install", "--no-config", "--quiet", "--target", str(target),
               "--python-platform", WHEEL_PLATFORM, "--python-version", f"{major}.{minor}",
               "--only-binary", ":all:", "--require-hashes", "--link-mode", "copy",
               "-r", str(requirements)]
    subprocess.run(command, check=True)  # noqa: S603 (our own uv, fixed arguments)


def prune_installed(target: Path) -> None:
    """Drop console scripts (``bin/``: shebangs name this machine's interpreter) and their
    lines in each distribution's ``RECORD``, so the tree depends on nothing but the wheels."""
    shutil.rmtree(target / "bin", ignore_errors=True)
    for record in sorted(target.glob("*.dist-info/RECORD")):
        lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if not line.startswith(("bin/", "../../bin/"))]
        if kept != lines:
            record.write_text("".join(kept), encoding="utf-8")


def glibc_required(tree: Path) -> dict[str, tuple[int, int]]:
    """The newest glibc symbol version each shared object under ``tree`` needs."""
    needs: dict[str, tuple[int, int]] = {}
    for path in sorted(tree.rglob("*.so*")):
        if not path.is_file():
            continue
        versions = {(int(a), int(b)) for a, b in _GLIBC_SYMBOL.findall(path.read_bytes())}
        if versions:
            needs[path.relative_to(tree).as_posix()] = max(versions)
    return needs


def check_glibc(tree: Path, runtime: tuple[int, int] = RUNTIME_GLIBC) -> None:
    too_new = {name: v for name, v in glibc_required(tree).items() if v > runtime}
    if too_new:
        listed = ", ".join(f"{n} (glibc {a}.{b})" for n, (a, b) in sorted(too_new.items()))
        raise ArtifactError(
            f"shared objects need a newer glibc than {PYTHON_RUNTIME}'s {runtime[0]}.{runtime[1]}:"
            f" {listed}"
        )


def build_layer_archive(out_dir: Path, uv: Sequence[str], root: Path = REPO_ROOT) -> Path:
    """Write ``out_dir/lambda-deps.zip``: the runtime dependencies under ``python/``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    work = out_dir / ".layer"
    shutil.rmtree(work, ignore_errors=True)
    try:
        work.mkdir()
        requirements = runtime_requirements(uv, root, work / "requirements.txt")
        site = work / "python"
        install_wheels(uv, requirements, site)
        prune_installed(site)
        check_glibc(site)
        compile_tree(site, LAYER_ROOT)
        return write_zip(out_dir / LAYER_ARCHIVE, tree_entries(site, prefix="python"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- shared: bytecode and zip ------------------------------------------------------------------


def compile_tree(tree: Path, runtime_dir: str) -> None:
    """Byte-compile every module under ``tree`` as if it lived at ``runtime_dir``.

    A fresh interpreter with a fixed hash seed, one file after another: the bytecode does not
    depend on what else the building process had loaded or on the order of parallel workers.
    """
    if sys.version_info[:2] != PYTHON_VERSION:
        raise ArtifactError(
            f"bytecode for {PYTHON_RUNTIME} needs Python {'.'.join(map(str, PYTHON_VERSION))},"
            f" not {sys.version.split()[0]}"
        )
    command = [sys.executable, "-s", "-P", "-m", "compileall", "-q", "-q", "-j", "1",
               "--invalidation-mode", "unchecked-hash", "-d", runtime_dir, str(tree)]
    # No inherited PYTHON* setting (PYTHONOPTIMIZE would change the files); only the seed.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONHASHSEED"] = "0"
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise ArtifactError(f"byte-compiling {tree} failed:\n{result.stdout}{result.stderr}")


def tree_entries(tree: Path, prefix: str = "") -> list[tuple[str, Path]]:
    lead = f"{prefix}/" if prefix else ""
    return [
        (f"{lead}{path.relative_to(tree).as_posix()}", path)
        for path in sorted(tree.rglob("*"))
        if path.is_file()
    ]


def write_zip(out: Path, entries: Iterable[tuple[str, Path]]) -> Path:
    """Write ``entries`` to ``out`` deterministically (sorted, fixed time and modes), atomically."""
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, source in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the modes below are read
            mode = 0o755 if name in EXECUTABLES else 0o644
            info.external_attr = (0o100000 | mode) << 16
            zf.writestr(info, source.read_bytes(), compresslevel=6)
    tmp.replace(out)
    return out


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- what the program reads --------------------------------------------------------------------


def built_artifacts(
    build_dir: Path = DEFAULT_BUILD_DIR, root: Path = REPO_ROOT, tenants_dir: Path | None = None
) -> tuple[Path, Path]:
    """``(code archive, layer)`` in ``build_dir``; refuses missing ones and a stale code archive
    (sources or tenant specs changed since the build: deploying it would ship old code)."""
    code, layer = build_dir / CODE_ARCHIVE, build_dir / LAYER_ARCHIVE
    missing = [p.name for p in (code, layer) if not p.is_file()]
    if missing:
        raise ArtifactError(f"{' and '.join(missing)} not found in {build_dir}; {_hint()}")
    stale = stale_sources(code, root, tenants_dir)
    if stale:
        shown = ", ".join(stale[:5]) + (f" and {len(stale) - 5} more" if len(stale) > 5 else "")
        raise ArtifactError(f"{code} is older than the project ({shown} changed); {_hint()}")
    return code, layer


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build-lambda", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_BUILD_DIR, help="artifact folder")
    parser.add_argument("--tenants", type=Path, default=None, help="tenant specs (tenants/)")
    parser.add_argument("--uv", default="uv", help="the uv executable (scripts/setup.sh's)")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    try:
        layer = build_layer_archive(out, [args.uv])
        code = build_code_archive(out, tenants_dir=args.tenants)
    except (ArtifactError, subprocess.CalledProcessError) as exc:
        print(f"build-lambda: {exc}", file=sys.stderr)
        return 1
    for path in (code, layer):
        print(f"{file_sha256(path)}  {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
