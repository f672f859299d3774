"""A stage configured for long-lived compute passes every check of compute_checks.py, run
under Pulumi mocks in its own interpreter (Pulumi's runtime is process-global)."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMPUTE_CHECKS = 12  # tests in compute_checks.py: all must run, none may be skipped


def test_a_stage_can_run_the_api_as_a_long_lived_service(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         f"--junitxml={junit}", str(HERE / "compute_checks.py")],
        cwd=HERE.parents[1], env={**os.environ, "OB_DEPLOY_WORKDIR": str(tmp_path)},
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    counts = {k: int(suite.get(k, "0")) for k in ("tests", "failures", "errors", "skipped")}
    assert counts == {"tests": COMPUTE_CHECKS, "failures": 0, "errors": 0, "skipped": 0}
