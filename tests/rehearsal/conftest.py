"""A stage, for real: the program's resources in moto's server, its functions started as
Lambda starts them, each behind its own recording proxy."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from tests.deploy.deploy_mocks import Registered, load
from tests.rehearsal.functions import (
    ApiProcess,
    LambdaHost,
    code_root,
    function_env,
    handler_of,
)
from tests.rehearsal.moto_stage import MotoStage, create_stage, policies
from tests.rehearsal.recorder import Recorder

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FUNCTIONS = ("api", "event-target", "outbox-sweeper")


@dataclass
class Stage:
    name: str
    registered: list[Registered]
    aws: MotoStage
    policies: dict[str, dict[str, object]]
    recorders: dict[str, Recorder]
    api: ApiProcess
    hosts: dict[str, LambdaHost]
    operator_env: dict[str, str]
    logs: dict[str, Path] = field(default_factory=dict)


def _program(stage: str, work: Path) -> list[Registered]:
    layer = work / "deps.zip"
    with zipfile.ZipFile(layer, "w") as zf:
        zf.writestr("python/placeholder_dependency/__init__.py", "")
    out = work / f"{stage}-resources.json"
    subprocess.run([sys.executable, str(HERE / "run_program.py"), stage, str(out), str(layer)],
                   cwd=REPO, check=True, timeout=240)
    return load(out)


@pytest.fixture(name="stage", scope="module", params=["dev", "prod"])
def fx_stage(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    name: str = request.param
    work = tmp_path_factory.mktemp(f"rehearsal-{name}")
    registered = _program(name, work)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    moto_url = f"http://{host}:{port}"
    aws = create_stage(moto_url, registered)
    root = code_root(work / "task")
    recorders = {f: Recorder(f, moto_url) for f in FUNCTIONS}
    fn = f"openbrain-{name}-"
    logs = {f: work / f"{f}.log" for f in FUNCTIONS}
    envs = {f: function_env(registered, fn + f, aws, endpoint=recorders[f].url, root=root,
                            log=logs[f]) for f in FUNCTIONS}
    api = ApiProcess(root, envs["api"], logs["api"])
    hosts = {f: LambdaHost(handler_of(registered, fn + f), envs[f], logs[f])
             for f in ("event-target", "outbox-sweeper")}
    operator_env = {
        **os.environ, "OB_STAGE": name, "OB_STORE": f"dynamodb://openbrain-{name}",
        "AWS_ENDPOINT_URL": moto_url, "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
        "OB_TENANTS_DIR": str(REPO / "tenants"),
    }
    stage = Stage(name, registered, aws, policies(registered, aws), recorders, api, hosts,
                  operator_env, logs)
    try:
        api.wait_ready(envs["api"]["AWS_LWA_READINESS_CHECK_PATH"])
        yield stage
    finally:
        api.stop()
        for h in hosts.values():
            h.stop()
        for r in recorders.values():
            r.close()
        server.stop()
