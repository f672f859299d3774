"""One stage brought up: the program's resources in moto's server, its functions started as
Lambda starts them, each behind its own recording proxy."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from deploy.artifacts import LAYER_ARCHIVE, build_code_archive

from tests.deploy.deploy_mocks import Registered, load
from tests.rehearsal.functions import (
    ApiProcess,
    LambdaHost,
    code_root,
    free_port,
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
    api_env: dict[str, str]
    logs: dict[str, Path] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    """Keys, tokens and lead data the rehearsal handled: none may reach a function's log."""
    keys: dict[str, str] = field(default_factory=dict)
    """Each tenant's first key (``ob-admin keys create``)."""
    outage_at: float = 0.0
    """When a lead was committed with the bus unreachable (``time.monotonic()``)."""


def run_program(stage: str, work: Path) -> subprocess.Popen[bytes]:
    """The Pulumi program under mocks, in its own interpreter; writes ``<stage>-resources.json``."""
    # The program reads its archives from the build folder: the real code archive (quick to
    # build) and a small stand-in layer (tests/deploy/test_lambda_build.py builds the real one).
    build = work / "build"
    build_code_archive(build)
    with zipfile.ZipFile(build / LAYER_ARCHIVE, "w") as zf:
        zf.writestr("python/placeholder_dependency/__init__.py", "")
    out = work / f"{stage}-resources.json"
    return subprocess.Popen([sys.executable, str(HERE / "run_program.py"), stage, str(out)],
                            cwd=REPO)


def start_moto(log: Path, stack: ExitStack) -> str:
    """moto's server in its own process: moto keeps its state per process, and other tests of
    the session leave theirs behind (a secret named ``openbrain/dev/jwt-secret``, ...)."""
    port = free_port()
    out = stack.enter_context(log.open("wb"))
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                             str(port)], stdout=out, stderr=subprocess.STDOUT)
    stack.callback(proc.wait, 15)
    stack.callback(proc.terminate)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/moto-api/", timeout=2)
            return url
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"moto's server did not start: {log.read_text()[-2000:]}")


def bring_up(name: str, work: Path, jwks_url: str, stack: ExitStack) -> Stage:
    """The stage from its registered resources; ``stack`` tears it down."""
    registered = load(work / f"{name}-resources.json")
    moto_url = start_moto(work / "moto.log", stack)
    aws = create_stage(moto_url, name, registered)
    root = code_root(work / "task")
    recorders = {f: Recorder(f, moto_url) for f in FUNCTIONS}
    for recorder in recorders.values():
        stack.callback(recorder.close)
    fn = f"openbrain-{name}-"
    logs = {f: work / f"{f}.log" for f in FUNCTIONS}
    envs = {f: function_env(registered, fn + f, aws, endpoint=recorders[f].url, root=root,
                            log=logs[f]) for f in FUNCTIONS}
    envs["api"]["OB_JWT_JWKS_URL"] = jwks_url
    api = ApiProcess(root, envs["api"], logs["api"])
    stack.callback(api.stop)
    hosts = {}
    for f in ("event-target", "outbox-sweeper"):
        hosts[f] = LambdaHost(*handler_of(registered, fn + f), envs[f], logs[f])
        stack.callback(hosts[f].stop)
    operator_env = {
        **os.environ, "OB_STAGE": name, "OB_STORE": f"dynamodb://openbrain-{name}",
        "AWS_ENDPOINT_URL": moto_url, "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
        "OB_TENANTS_DIR": str(REPO / "tenants"),
    }
    api.wait_ready(envs["api"]["AWS_LWA_READINESS_CHECK_PATH"])
    return Stage(name, registered, aws, policies(registered, aws), recorders, api, hosts,
                 operator_env, envs["api"], logs)
