"""The wheel as a user gets it: built from the checkout, installed with uv into a fresh
virtualenv outside it (the lockfile's versions, from uv's cache, offline), and its commands run
with an empty home directory and none of the checkout's or the tests' configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@cache
def uv() -> str:
    """scripts/setup.sh's uv (``python3 -m uv``), as scripts/build-lambda.sh finds it."""
    found = subprocess.run(
        ["python3", "-c", "import uv; print(uv.find_uv_bin())"],
        capture_output=True, text=True, check=True,
    )
    return found.stdout.strip()


def run_uv(*args: str, cwd: Path = REPO) -> None:
    result = subprocess.run([uv(), *args], cwd=cwd, capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, f"uv {' '.join(args)}:\n{result.stdout}{result.stderr}"


@dataclass(frozen=True)
class Dist:
    wheel: Path
    sdist: Path


def build(out: Path) -> Dist:
    """``uv build`` (sdist, then the wheel from the sdist), with no index."""
    run_uv("build", "--offline", "--quiet", "--out-dir", str(out))
    (wheel,) = out.glob("openbrain-*.whl")
    (sdist,) = out.glob("openbrain-*.tar.gz")
    return Dist(wheel, sdist)


def locked(out: Path, *, extra: str | None = None) -> Path:
    """uv.lock's runtime dependencies (and ``extra``'s) as a PEP 751 lock: exact files and
    hashes, so an offline install takes them from uv's cache, no index needed."""
    run_uv("export", "--frozen", "--no-emit-project", "--no-default-groups",
           *(["--extra", extra] if extra else []), "--format", "pylock.toml", "--quiet",
           "-o", str(out))
    return out


@dataclass(frozen=True)
class Installed:
    """A virtualenv holding the wheel, and a user's empty home to run its commands in."""

    venv: Path
    home: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    @property
    def env(self) -> dict[str, str]:
        """What a new user's shell has: no OB_*, OPENAI_*, AWS_*, XDG_* or PYTHON* settings."""
        return {"HOME": str(self.home), "LANG": "C.UTF-8",
                "PATH": f"{self.bin}{os.pathsep}/usr/local/bin:/usr/bin:/bin"}

    def run(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.bin / args[0]), *args[1:]], input=stdin, cwd=self.home,
            env=self.env | (env or {}), capture_output=True, text=True, timeout=timeout,
            check=False,
        )
        assert "Traceback" not in result.stdout + result.stderr, result.stderr
        return result


def install(dist: Dist, root: Path, *, extra: str | None = None) -> Installed:
    """A fresh virtualenv in ``root`` (outside the checkout): the locked dependencies first,
    then the wheel (with ``extra``) as pip would install it. Offline, the second step fails if
    the wheel asks for anything the lock does not hold."""
    root.mkdir(parents=True, exist_ok=True)
    assert not root.resolve().is_relative_to(REPO)
    venv = root / "venv"
    python = str(venv / "bin" / "python")
    run_uv("venv", "--quiet", "--python", sys.executable, str(venv), cwd=root)
    pins = locked(root / "pylock.toml", extra=extra)
    run_uv("pip", "install", "--offline", "--quiet", "--python", python, "-r", str(pins),
           cwd=root)
    requirement = f"openbrain[{extra}] @ {dist.wheel.as_uri()}" if extra else str(dist.wheel)
    run_uv("pip", "install", "--offline", "--quiet", "--python", python, requirement, cwd=root)
    home = root / "home"
    home.mkdir()
    return Installed(venv, home)


def tool_install(dist: Dist, root: Path) -> Path:
    """``uv tool install`` of the wheel (its own virtualenv, the commands linked into a bin
    folder), the dependencies pinned to uv.lock; the bin folder."""
    root.mkdir(parents=True, exist_ok=True)
    pins = locked(root / "pylock.toml")
    result = subprocess.run(
        [uv(), "tool", "install", "--offline", "--quiet", "--with-requirements", str(pins),
         str(dist.wheel)],
        cwd=root, capture_output=True, text=True, timeout=600, check=False,
        env=dict(os.environ) | {"UV_TOOL_DIR": str(root / "tools"),
                                "UV_TOOL_BIN_DIR": str(root / "bin")},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "bin"
