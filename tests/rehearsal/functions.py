"""The stage's functions run as Lambda runs them, from one code root.

:func:`code_root` is the one seam where the built artifacts plug in: today it lays out, from
the source tree, exactly the entries of the code archive (``deploy.artifacts.code_entries``),
and the dependencies come from the project's environment.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import httpx
from deploy.artifacts import code_entries

from tests.deploy.deploy_mocks import Registered
from tests.rehearsal.moto_stage import MotoStage

HERE = Path(__file__).resolve().parent
TASK_ROOT = "/var/task"


def code_root(target: Path) -> Path:
    """The function's ``/var/task``: every entry of the code archive, at its archive path."""
    for name, source in code_entries():
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def function_env(registered: list[Registered], name: str, stage: MotoStage, *,
                 endpoint: str, root: Path, log: Path) -> dict[str, str]:
    """The function's environment from the program, as Lambda sets it, pointed at moto.

    Beyond the program's variables: the endpoint (the function's recording proxy), test
    credentials, the task root, and ``OB_AWS_MODE=0`` because the rehearsal's webhook receiver
    is plain http on loopback, which the deployed SSRF guard refuses (tested on its own).
    """
    (function,) = [r for r in registered if r.type == "aws:lambda/function:Function"
                   and r.inputs["name"] == name]
    env = {k: stage.resolve(v).replace(TASK_ROOT, str(root))
           for k, v in function.inputs["environment"]["variables"].items()}
    env.update({
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        "HOME": str(log.parent),
        "LAMBDA_TASK_ROOT": str(root),
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": endpoint,
        "OB_AWS_MODE": "0",
    })
    return env


def handler_of(registered: list[Registered], name: str) -> tuple[str, float]:
    """The function's handler and timeout (seconds), as the program configures them."""
    (function,) = [r for r in registered if r.type == "aws:lambda/function:Function"
                   and r.inputs["name"] == name]
    return str(function.inputs["handler"]), float(function.inputs["timeout"])


class ApiProcess:
    """The API as the Web Adapter runs it: the function's handler ``run.sh`` on its port."""

    def __init__(self, root: Path, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        env = {**env, "AWS_LWA_PORT": str(self.port)}
        self.log = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen(["/bin/bash", str(root / "run.sh")], env=env,
                                     stdout=self._out, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        """Poll the readiness path, as the adapter does before the first invocation."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the API exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + path, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the API never became ready: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=15)
        self._out.close()


class LambdaHost:
    """A warm container of one function, invoked synchronously with JSON events."""

    def __init__(self, handler: str, timeout: float, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._err = log.open("wb")
        self.proc = subprocess.Popen([sys.executable, str(HERE / "lambda_host.py"), handler,
                                      str(timeout)],
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._err, text=True)
        assert self._read() == {"ready": True}

    def _read(self) -> Any:
        stdout: IO[str] | None = self.proc.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            raise AssertionError(f"the function exited: {self.log.read_text()[-3000:]}")
        return json.loads(line)

    def invoke(self, event: dict[str, Any]) -> Any:
        stdin = self.proc.stdin
        assert stdin is not None
        stdin.write(json.dumps(event) + "\n")
        stdin.flush()
        answer = self._read()
        if "error" in answer:
            raise AssertionError(f"invocation failed: {answer['error']}")
        return answer["result"]

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=15)
        self._err.close()
