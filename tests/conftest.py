"""Process-wide test settings: set before anything imports ``openbrain`` settings."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.lambda_artifacts import Unpacked

# Never reach a real LLM or AWS from tests, and never write into the user's data dir.
os.environ.pop("OPENAI_API_KEY", None)
os.environ.pop("OPENAI_BASE_URL", None)
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
_DATA = tempfile.mkdtemp(prefix="ob-test-")
os.environ.setdefault("OB_DATA_DIR", _DATA)
os.environ.setdefault("OB_STORE", f"sqlite:///{_DATA}/openbrain.db")
os.environ.setdefault("OB_LOG_JSON", "1")


@pytest.fixture
def fresh_window() -> None:
    """Start a test that counts up to a per-minute limit at least 5 s before the minute ends:
    rate-limit windows are whole UTC minutes, and a count split by a boundary starts afresh."""
    into = time.time() % 60
    if into > 55:
        time.sleep(60.05 - into)



@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """Under ``scripts/test.sh`` (which installs Chromium and builds the dashboard) a browser
    test that skips is a failure: CI must never pass by not running them."""
    outcome = yield
    report = outcome.get_result()
    if (
        report.skipped
        and os.environ.get("OB_REQUIRE_BROWSER") == "1"
        and item.get_closest_marker("browser") is not None
    ):
        report.outcome = "failed"
        report.longrepr = f"browser test skipped but OB_REQUIRE_BROWSER=1: {report.longrepr}"


@pytest.fixture(name="lambda_build", scope="session")
def fx_lambda_build() -> Path:
    """The real Lambda artifacts (``scripts/build-lambda.sh``), built once for the inputs."""
    from tests.lambda_artifacts import cached_build

    return cached_build()


@pytest.fixture(name="lambda_unpacked", scope="session")
def fx_lambda_unpacked(lambda_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Unpacked:
    """Both archives unpacked once as Lambda lays them out (shared: nothing may write there)."""
    from tests.lambda_artifacts import unpack

    return unpack(lambda_build, tmp_path_factory.mktemp("lambda-runtime"))
