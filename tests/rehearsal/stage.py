"""One stage brought up: the program's resources in moto's server, its functions started as
Lambda starts them, each behind its own recording proxy."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from deploy.artifacts import CODE_ARCHIVE, LAYER_ARCHIVE, file_sha256

from tests.deploy.deploy_mocks import Registered, load
from tests.lambda_artifacts import Unpacked
from tests.rehearsal.functions import (
    ApiProcess,
    LambdaHost,
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
    """The operator's shell: AWS credentials for the stage (moto), nothing of the test's."""
    outputs: dict[str, str]
    """``pulumi stack output``, with moto's ids."""
    api_env: dict[str, str]
    runtime: Unpacked
    work: Path
    logs: dict[str, Path] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    """Keys, tokens and lead data the rehearsal handled: none may reach a function's log."""
    keys: dict[str, str] = field(default_factory=dict)
    """Each tenant's first key (``ob-admin keys create``)."""
    admin: tuple[str, str] = ("", "")
    """The first platform admin's Cognito ``sub`` and temporary password (first deploy)."""
    outage_at: float = 0.0
    """When a lead was committed with the bus unreachable (``time.monotonic()``)."""


def run_program(stage: str, work: Path, build: Path) -> subprocess.Popen[bytes]:
    """The Pulumi program under mocks, in its own interpreter, on the archives in ``build``;
    writes ``<stage>-resources.json``."""
    out = work / f"{stage}-resources.json"
    return subprocess.Popen([sys.executable, str(HERE / "run_program.py"), stage, str(out),
                             str(build)], cwd=REPO)


def deployed_archives(registered: list[Registered]) -> dict[str, str]:
    """The S3 keys of the code archive and the layer the program uploads (content-addressed)."""
    keys = [str(r.inputs["key"]) for r in registered
            if r.type == "aws:s3/bucketObjectv2:BucketObjectv2"
            and str(r.inputs["key"]).startswith(("code/", "layers/"))]
    return {CODE_ARCHIVE if k.startswith("code/") else LAYER_ARCHIVE: k for k in keys}


def assert_runs_what_is_deployed(registered: list[Registered], runtime: Unpacked) -> None:
    """The functions run exactly the archives the program deploys: their S3 keys carry the
    hashes of the files the rehearsal unpacked."""
    keys = deployed_archives(registered)
    assert sorted(keys) == [CODE_ARCHIVE, LAYER_ARCHIVE], keys
    for name, key in keys.items():
        assert file_sha256(runtime.build / name)[:16] in key, (name, key)


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


def bring_up(name: str, work: Path, runtime: Unpacked, pool_url: str,
             stack: ExitStack) -> Stage:
    """The stage from its registered resources; ``stack`` tears it down."""
    registered = load(work / f"{name}-resources.json")
    assert_runs_what_is_deployed(registered, runtime)
    moto_url = start_moto(work / "moto.log", stack)
    aws = create_stage(moto_url, name, registered)
    recorders = {f: Recorder(f, moto_url) for f in FUNCTIONS}
    for recorder in recorders.values():
        stack.callback(recorder.close)
    fn = f"openbrain-{name}-"
    logs = {f: work / f"{f}.log" for f in FUNCTIONS}
    envs = {f: function_env(registered, fn + f, aws, endpoint=recorders[f].url,
                            runtime=runtime, log=logs[f]) for f in FUNCTIONS}
    # The pool's issuer (and so its JWKS) on loopback; the app client is the program's.
    envs["api"]["OB_COGNITO_ISSUER"] = pool_url
    api = ApiProcess(runtime, handler_of(registered, fn + "api")[0], envs["api"], logs["api"])
    stack.callback(api.stop)
    hosts = {}
    for f in ("event-target", "outbox-sweeper"):
        hosts[f] = LambdaHost(runtime, *handler_of(registered, fn + f), envs[f], logs[f])
        stack.callback(hosts[f].stop)
    operator_env = {
        "HOME": str(work), "LANG": "C.UTF-8", "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    exported = json.loads((work / f"{name}-outputs.json").read_text(encoding="utf-8"))
    outputs = {k: aws.resolve(str(v)) for k, v in exported.items()}
    api.wait_ready(envs["api"]["AWS_LWA_READINESS_CHECK_PATH"])
    return Stage(name, registered, aws, policies(registered, aws), recorders, api, hosts,
                 operator_env, outputs, envs["api"], runtime, work, logs)
