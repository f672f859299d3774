"""``pip install openbrain`` as a new user does it (issue 20): the wheel, installed outside the
checkout into a fresh virtualenv pinned to uv.lock, run from an empty home with no
configuration. The dashboard's part (``[admin]``, ``ob-tuner`` in Chromium) is in
test_wheel_dashboard.py."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import tarfile
import time
import zipfile
from collections.abc import Iterator

import httpx
import pytest

from openbrain import __version__
from tests.packaging.installed import REPO, Dist, Installed, install, tool_install

pytestmark = pytest.mark.packaging

COMMANDS = ("ob", "ob-chat", "ob-admin", "ob-tuner")
NOT_SHIPPED = {"tests", "bench", "node_modules", ".web", "__pycache__", "deploy", "scripts"}


@pytest.fixture(scope="module")
def user(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    return install(dist, tmp_path_factory.mktemp("user"))


def test_the_wheel_installs_openbrain_alone(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        names = wheel.namelist()
        metadata = wheel.read(f"openbrain-{__version__}.dist-info/METADATA").decode()
        shipped_demo = wheel.read("openbrain/tenancy/demo.toml")
    assert {name.split("/")[0] for name in names} == {
        "openbrain", f"openbrain-{__version__}.dist-info"
    }
    assert not [n for n in names if NOT_SHIPPED & set(n.split("/"))]
    assert "openbrain/event_targets/handler.py" in names, "the Lambda adapters ship inside"
    assert "openbrain/dashboard/rxconfig.py" in names, "the dashboard's app ships inside"
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css",
                  "LICENSE"):
        assert f"openbrain/api/static/swagger/{asset}" in names, "the API docs' files ship"
    assert shipped_demo == (REPO / "tenants" / "demo.toml").read_bytes(), "one demo spec"
    assert f"Version: {__version__}\n" in metadata
    assert "Provides-Extra: admin" in metadata
    assert re.search(r"Requires-Dist: reflex.*; extra == .admin.", metadata)
    assert not re.search(r"Requires-Dist: (reflex|pulumi)[^;]*$", metadata, re.MULTILINE), (
        "the default install brings neither the dashboard nor the Pulumi program"
    )


def test_the_sdist_holds_what_builds_the_wheel_and_nothing_else(dist: Dist) -> None:
    with tarfile.open(dist.sdist) as sdist:
        names = [m.name.split("/", 1)[1] for m in sdist.getmembers() if "/" in m.name]
    assert {name.split("/")[0] for name in names} <= {
        "platform", "admin_ui", "tenants", "README.md", "pyproject.toml", "PKG-INFO",
        ".gitignore", "hatch_build.py",
    }
    assert not [n for n in names if NOT_SHIPPED & set(n.split("/"))]
    assert [n for n in names if n.startswith("tenants/")] == ["tenants/demo.toml"]


def test_every_command_reports_the_one_version(user: Installed) -> None:
    for command in COMMANDS:
        result = user.run(command, "--version")
        assert (result.returncode, result.stdout) == (0, f"{command} {__version__}\n")
    metadata = user.run("python", "-c",
                        "import importlib.metadata as m; print(m.version('openbrain'))")
    assert metadata.stdout.strip() == __version__


def test_embedded_commands_work_with_no_configuration(user: Installed) -> None:
    specs = user.home / ".config" / "openbrain" / "tenants"
    first = user.run("ob", "Hi, I am Jane Doe, jane@example.com")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip()
    assert f"tenant specs are in {specs}" in first.stderr, "the first run says where"
    assert (specs / "demo.toml").read_bytes() == (REPO / "tenants" / "demo.toml").read_bytes()
    assert (user.home / ".local" / "share" / "openbrain" / "openbrain.db").is_file()

    as_json = user.run("ob", "--json", "What can you do?")
    assert as_json.returncode == 0, as_json.stderr
    reply = json.loads(as_json.stdout)
    assert reply["message"]
    assert reply["sessionId"]
    assert "tenant specs are in" not in as_json.stderr, "only the first run says it"

    chat = user.run("ob-chat", stdin="Hi, I am Jane Doe, jane@example.com\n/lead\n/quit\n")
    assert chat.returncode == 0, chat.stderr
    assert "e-mail: jane@example.com" in chat.stdout


def test_a_configured_folder_that_is_missing_is_one_line(user: Installed) -> None:
    missing = user.home / "nowhere"
    result = user.run("ob", "hi", env={"OB_TENANTS_DIR": str(missing)})
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: OB_TENANTS_DIR: tenant spec directory {str(missing)!r} does not exist"
    )
    assert not missing.exists()


def test_the_dashboard_asks_for_the_admin_extra(user: Installed) -> None:
    result = user.run("ob-tuner")
    assert result.returncode == 1
    assert "pip install 'openbrain[admin]'" in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(user: Installed) -> Iterator[str]:
    """``ob serve`` of the installed wheel, on a free port, in the user's home."""
    port = _free_port()
    proc = subprocess.Popen(
        [str(user.bin / "ob"), "serve", "--port", str(port)], cwd=user.home, env=user.env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "ob serve did not answer"
            try:
                httpx.get(f"{url}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_serve_answers_a_key_minted_by_ob_admin_and_the_remote_cli(
    user: Installed, served: str
) -> None:
    health = httpx.get(f"{served}/healthz")
    assert health.json() == {"status": "ok", "version": __version__}
    schema = httpx.get(f"{served}/schema/openapi.json").json()
    assert schema["info"]["version"] == __version__
    # The interactive docs load only what the wheel ships (hatch_build.py put it there).
    docs = httpx.get(f"{served}/schema/swagger")
    assert docs.status_code == 200
    assets = re.findall(r'(?:src|href)="(/schema/swagger-ui/[^"]+)"', docs.text)
    assert len(assets) == 3
    assert "://" not in docs.text.split("<body>")[0], "no script or style from elsewhere"
    for asset in assets:
        served_asset = httpx.get(f"{served}{asset}")
        assert served_asset.status_code == 200, asset
        assert len(served_asset.content) > 10_000, asset

    minted = user.run("ob-admin", "keys", "create", "--tenant", "demo", "--name", "wheel")
    assert minted.returncode == 0, minted.stderr
    key = minted.stdout.strip().splitlines()[-1]  # after a line saying it is shown once
    assert key.startswith("ob_sk_demo_")

    turn = httpx.post(f"{served}/v1/chat", json={"message": "Hi, I am Jane"},
                      headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert turn.status_code == 200, turn.text
    assert turn.json()["message"]

    remote = user.run("ob", "--api-url", served, "--api-key", key, "--json", "Hello again")
    assert remote.returncode == 0, remote.stderr
    assert json.loads(remote.stdout)["message"]


def test_uv_tool_install_gives_the_four_commands(
    dist: Dist, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("tool")
    # Installed.bin is <venv>/bin: here the folder uv links the commands into.
    tool = Installed(venv=tool_install(dist, root).parent, home=root / "home")
    tool.home.mkdir()
    assert sorted(p.name for p in tool.bin.iterdir()) == sorted(COMMANDS)
    for command in COMMANDS:
        assert tool.run(command, "--version").stdout == f"{command} {__version__}\n"
    answer = tool.run("ob", "Hi, I am Jane")
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip()
