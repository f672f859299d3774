"""``ob-tuner``'s pieces: the dashboard's environment, Node lookup, stopping process groups."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import typer

from openbrain.cli.tuner import dashboard_env, free_port, node_bin_dir, stop_group


def test_dashboard_env_uses_local_node_npm_and_no_telemetry(tmp_path: Path) -> None:
    env = dashboard_env(4321, "http://127.0.0.1:8000", tmp_path, "127.0.0.1")
    assert env["PATH"].split(os.pathsep)[0] == str(tmp_path)
    assert env["REFLEX_USE_NPM"] == "1"
    assert env["REFLEX_TELEMETRY_ENABLED"] == "false"
    assert env["REFLEX_CHECK_LATEST_VERSION"] == "false"
    assert env["OB_API_URL"] == "http://127.0.0.1:8000"
    assert env["OB_TUNER_PORT"] == "4321"
    assert env["OB_TUNER_URL"] == "http://127.0.0.1:4321"
    assert env["NPM_CONFIG_REGISTRY"]


def test_missing_node_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OB_NODE_BIN", str(tmp_path))
    with pytest.raises(typer.Exit):
        node_bin_dir()
    monkeypatch.delenv("OB_NODE_BIN")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(typer.Exit):
        node_bin_dir(root=tmp_path)  # no checkout Node, none on PATH
    (tmp_path / "on-path").mkdir()
    (tmp_path / "on-path" / "node").write_text("")
    (tmp_path / "on-path" / "node").chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "on-path"))
    assert node_bin_dir(root=tmp_path) == tmp_path / "on-path", "a user's Node on PATH"
    monkeypatch.setenv("OB_NODE_BIN", str(tmp_path))
    (tmp_path / "node").write_text("")
    assert node_bin_dir() == tmp_path


def test_free_port_is_bindable() -> None:
    import socket

    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_stop_group_stops_grandchildren(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    child = subprocess.Popen(
        ["sh", "-c", f"sleep 60 & echo $! > {pid_file}; wait"], start_new_session=True
    )
    deadline = time.monotonic() + 5
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    grandchild = int(pid_file.read_text())
    stop_group(child, grace=5)
    assert child.poll() is not None
    deadline = time.monotonic() + 5
    while True:
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        # A zombie until init reaps it: check its state.
        stat = Path(f"/proc/{grandchild}/stat")
        if not stat.exists() or stat.read_text().split()[2] == "Z":
            break
        assert time.monotonic() < deadline, "the grandchild survived"
        time.sleep(0.05)
