"""Each stage's program, under Pulumi mocks in its own interpreter, passes every stack check."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from conftest import StageRun

STACK_CHECKS = 21  # tests in stack_checks.py: all must run, none may be skipped


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_stage_passes_every_stack_check(stage: str, stage_runs: dict[str, StageRun]) -> None:
    run = stage_runs[stage]
    assert run.returncode == 0, run.output[-6000:]
    suite = ET.parse(run.junit).getroot().find("testsuite")
    assert suite is not None
    counts = {k: int(suite.get(k, "0")) for k in ("tests", "failures", "errors", "skipped")}
    assert counts == {"tests": STACK_CHECKS, "failures": 0, "errors": 0, "skipped": 0}
    assert (run.workdir / f"{stage}-resources.json").stat().st_size > 10_000
