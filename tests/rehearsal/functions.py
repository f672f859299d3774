"""The stage's functions run as Lambda runs them, from the built artifacts alone.

Each function runs on :class:`tests.lambda_artifacts.Unpacked`: the code archive as its
``LAMBDA_TASK_ROOT``, the dependency layer's ``python/`` folder, and an interpreter without
site-packages, with nothing else on its path (not the checkout, not the project's virtualenv);
:func:`module_origins` and :func:`loaded_extensions` let the rehearsal check it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sysconfig
import time
from pathlib import Path
from typing import IO, Any

import httpx

from tests.deploy.deploy_mocks import Registered
from tests.lambda_artifacts import Unpacked
from tests.rehearsal.moto_stage import MotoStage

HERE = Path(__file__).resolve().parent
TASK_ROOT = "/var/task"
LAYER_ROOT = "/opt/python"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def function_env(registered: list[Registered], name: str, stage: MotoStage, *,
                 endpoint: str, runtime: Unpacked, log: Path) -> dict[str, str]:
    """The function's environment from the program, as Lambda sets it, pointed at moto.

    Beyond the program's variables: the endpoint (the function's recording proxy), test
    credentials, the task root, and ``OB_AWS_MODE=0`` because the rehearsal's webhook receiver
    is plain http on loopback, which the deployed SSRF guard refuses (tested on its own).
    Nothing comes from the test's own environment: ``PATH`` names the runtime's interpreter and
    the system's tools, ``PYTHONPATH`` the layer (Lambda's ``/opt/python``, which ``run.sh``
    and the Python runtime put on the path). The files are read-only on Lambda: no bytecode
    is written.
    """
    root = runtime.task_root
    (function,) = [r for r in registered if r.type == "aws:lambda/function:Function"
                   and r.inputs["name"] == name]
    env = {k: stage.resolve(v).replace(TASK_ROOT, str(root))
           for k, v in function.inputs["environment"]["variables"].items()}
    env.update({
        "PATH": f"{runtime.python_bin}:/usr/bin:/bin",
        "PYTHONPATH": f"{root}:{runtime.layer_root}",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LANG": "C.UTF-8",
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
    """The API as the Web Adapter runs it: the function's handler ``run.sh``, executed from the
    task root, serving on the adapter's port."""

    def __init__(self, runtime: Unpacked, handler: str, env: dict[str, str], log: Path) -> None:
        # run.sh puts Lambda's /opt/python on the path: here it must hold nothing.
        assert not Path(LAYER_ROOT).exists(), f"{LAYER_ROOT} exists on this machine"
        self.port = free_port()
        env = {**env, "AWS_LWA_PORT": str(self.port)}
        self.log = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen([str(runtime.task_root / handler)], env=env,
                                     cwd=runtime.task_root, stdout=self._out,
                                     stderr=subprocess.STDOUT)
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

    def __init__(self, runtime: Unpacked, handler: str, timeout: float, env: dict[str, str],
                 log: Path) -> None:
        self.log = log
        self._err = log.open("wb")
        # -P: the host script's own folder (the checkout's tests) is not put on the path.
        self.proc = subprocess.Popen([str(runtime.python), "-P", str(HERE / "lambda_host.py"),
                                      handler, str(timeout)], env=env, cwd=runtime.task_root,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._err, text=True)
        assert self._read() == {"ready": True}

    def _read(self) -> Any:
        stdout: IO[str] | None = self.proc.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            raise AssertionError(f"the function exited: {self.log.read_text()[-3000:]}")
        return json.loads(line)

    def _send(self, message: dict[str, Any]) -> Any:
        stdin = self.proc.stdin
        assert stdin is not None
        stdin.write(json.dumps(message) + "\n")
        stdin.flush()
        return self._read()

    def invoke(self, event: dict[str, Any]) -> Any:
        answer = self._send({"event": event})
        if "error" in answer:
            raise AssertionError(f"invocation failed: {answer['error']}")
        return answer["result"]

    def loaded(self) -> tuple[list[str], list[str]]:
        """The container's ``sys.path`` and the file of every module it has imported."""
        answer = self._send({"loaded": True})
        return answer["path"], answer["files"]

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=15)
        self._err.close()


def allowed_roots(runtime: Unpacked) -> list[Path]:
    """Where a function's modules may come from: its archive, its layer, the standard library."""
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    return [runtime.task_root.resolve(), runtime.layer_root.resolve(), stdlib]


def foreign(files: list[str], runtime: Unpacked) -> list[str]:
    """The files outside :func:`allowed_roots` (any site-packages counts as outside)."""
    roots = allowed_roots(runtime)
    outside = []
    for name in files:
        path = Path(name).resolve()
        if "site-packages" in path.parts or not any(path.is_relative_to(r) for r in roots):
            outside.append(name)
    return sorted(outside)


def path_leaks(path: list[str], runtime: Unpacked) -> list[str]:
    """Entries of a ``sys.path`` that could bring code from outside :func:`allowed_roots`
    (missing folders and the runtime's own empty site-packages bring nothing)."""
    existing = [p for p in path if Path(p).exists()]
    return foreign([p for p in existing if not (Path(p).is_dir() and not any(Path(p).iterdir()))],
                   runtime)


def loaded_extensions(pid: int) -> list[str]:
    """Python extension modules (``*.so`` of CPython's ABI) mapped into a running process."""
    maps = Path(f"/proc/{pid}/maps").read_text(encoding="utf-8")
    files = {line.split(maxsplit=5)[5] for line in maps.splitlines()
             if len(line.split(maxsplit=5)) == 6}
    return sorted(f for f in files if ".cpython-" in f or "/lib-dynload/" in f
                  or "site-packages" in f)


def interpreter_path(runtime: Unpacked, env: dict[str, str]) -> list[str]:
    """``sys.path`` of the runtime's interpreter started as the function's processes are."""
    command = [str(runtime.python), "-c", "import json, sys; print(json.dumps(sys.path))"]
    done = subprocess.run(command, env=env, cwd=runtime.task_root, capture_output=True,
                          text=True, check=True)
    # -c puts "" (the working folder) first, where -m (run.sh, ob_boot) puts its full path.
    return [p or str(runtime.task_root) for p in json.loads(done.stdout)]
