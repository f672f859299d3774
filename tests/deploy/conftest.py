"""Fixtures of the deploy tests: one subprocess per stage runs the program under mocks."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
STAGES = ("dev", "prod")


@dataclass(frozen=True)
class StageRun:
    stage: str
    returncode: int
    output: str
    workdir: Path
    junit: Path


@pytest.fixture(name="stage_runs", scope="session")
def fx_stage_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, StageRun]:
    """Both stages, run in parallel, each in a fresh interpreter (Pulumi's runtime is global)."""
    procs = {}
    for stage in STAGES:
        work = tmp_path_factory.mktemp(f"stage-{stage}")
        env = {**os.environ, "OB_DEPLOY_STAGE": stage, "OB_DEPLOY_WORKDIR": str(work)}
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={work / 'junit.xml'}",
            str(HERE / "stack_checks.py"),
        ]
        procs[stage] = (
            work,
            subprocess.Popen(
                cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            ),
        )
    runs = {}
    for stage, (work, proc) in procs.items():
        out, _ = proc.communicate(timeout=240)
        runs[stage] = StageRun(stage, proc.returncode, out, work, work / "junit.xml")
    return runs
