"""Run the Pulumi program for one stage under mocks and write what it registered as JSON.

Usage: ``python run_program.py STAGE OUT.json BUILD_DIR`` (the folder of the built archives).
A fresh interpreter per stage: Pulumi's runtime is process-global, and ``set_mocks`` must come
before the program is imported.
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path
from typing import Any

import pulumi
import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "deploy"))

from deploy_mocks import ACCOUNT, ALARM_EMAIL, RecordingMonitor, StageMocks, dump  # noqa: E402

JWT_SECRET = "rehearsal-jwt-secret-value-0123456789"


def stage_config(stage: str, work: Path, build: Path) -> dict[str, str]:
    """The stack's ``Pulumi.<stage>.yaml`` plus what `pulumi config set --secret` would add
    (no LLM key: the stage answers with the offline model)."""
    raw = yaml.safe_load((REPO / f"Pulumi.{stage}.yaml").read_text(encoding="utf-8"))["config"]
    config = {k: json.dumps(v) if isinstance(v, bool) else str(v) for k, v in raw.items()}
    site = work / "site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text("<html></html>", encoding="utf-8")
    (site / "404.html").write_text("<html>404</html>", encoding="utf-8")
    config.update({
        "openbrain:jwtSecret": JWT_SECRET,
        "openbrain:buildDir": str(build),
        "openbrain:dashboardSiteDir": str(site),
        "openbrain:alarmEmail": ALARM_EMAIL,
        "openbrain:allowedAccountIds": json.dumps([ACCOUNT]),
    })
    return config


def main(stage: str, out: Path, build: Path) -> None:
    mocks = StageMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="openbrain", stack=stage, preview=False,
                             monitor=monitor)
    pulumi.runtime.set_all_config(stage_config(stage, out.parent, build),
                                  secret_keys=["openbrain:jwtSecret", "openbrain:llmApiKey"])
    runpy.run_path(str(REPO / "deploy"), run_name="__main__")

    exported = dict(getattr(pulumi.runtime.settings.get_root_resource(), "outputs", {}))
    outputs: dict[str, Any] = {}

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def settle() -> Any:
        """Runs the event loop until every registration and every stack output has resolved."""
        return pulumi.Output.all(**exported).apply(outputs.update)

    settle()
    dump(monitor.registered, out)
    # `pulumi stack output NAME` of this stack (the mocks keep exports on the root resource)
    out.with_name(f"{stage}-outputs.json").write_text(json.dumps(outputs, default=str),
                                                      encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
