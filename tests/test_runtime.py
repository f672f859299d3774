"""The composition root: parts built on first use, handed-in parts left to their owner, the
lifecycle, logging configured at build, and the one rule for a missing tenants folder."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import structlog

from openbrain.agent.tools import default_registry
from openbrain.api.app import create_app
from openbrain.domain import Event
from openbrain.events import LocalDispatcher, SynchronousPublisher
from openbrain.runtime import ADMIN, EMBEDDED, LAMBDA, SERVICE, Parts, Runtime
from openbrain.settings import Settings
from openbrain.store import TenantRepository, open_driver
from openbrain.tenancy import TenantSpecError

SPEC = 'clientId = "acme"\nname = "Acme"\n[[routes]]\nrouteId = "audit"\nkind = "log"\n' \
       'eventTypes = ["lead.created"]\n'


def settings_for(tmp: Path, *, tenants: Path | None = None, **overrides: Any) -> Settings:
    if tenants is None:
        tenants = tmp / "tenants"
        tenants.mkdir(exist_ok=True)
        (tenants / "acme.toml").write_text(SPEC)
    values: dict[str, Any] = {
        "store": f"sqlite:///{tmp / 'ob.db'}", "tenants_dir": tenants, "stage": "test",
        "event_bus_name": None, "openai_api_key": None, "openai_base_url": None,
        "jwt_secret": "test-secret-0123456789abcdef0123456789", "log_level": "INFO",
    }
    return Settings(**(values | overrides))


class ManualPublisher:
    """A publisher the test owns: it records what the runtime asks of it."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def publish(self, events: Sequence[Event]) -> list[str]:
        return [e.event_id for e in events]

    def start(self) -> ManualPublisher:
        self.calls.append("start")
        return self

    def drain(self, timeout: float = 10.0) -> bool:
        return True

    def stop(self, timeout: float = 10.0) -> None:
        self.calls.append("stop")


def test_a_missing_tenants_folder_is_a_startup_error(tmp_path: Path) -> None:
    """The one rule: the folder must exist (it may be empty). The plan, the tenant sync and
    the API all read it through the runtime, and all fail the same clear way."""
    missing = tmp_path / "no-such-folder"
    settings = settings_for(tmp_path, tenants=missing)
    with Runtime(settings, profile=ADMIN) as runtime:
        assert runtime.store("acme").api_keys.list() == [], "what needs no specs still works"
        with pytest.raises(TenantSpecError, match=r"no-such-folder.*does not exist"):
            _ = runtime.plan
    with pytest.raises(TenantSpecError, match="no-such-folder"):
        Runtime(settings, profile=EMBEDDED)
    with pytest.raises(TenantSpecError, match="no-such-folder"):
        create_app(Runtime(settings, profile=SERVICE))


def test_an_empty_tenants_folder_is_no_tenants(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with Runtime(settings_for(tmp_path, tenants=empty), profile=EMBEDDED) as runtime:
        assert runtime.plan.tenants == ()
        assert runtime.sync_tenants() == []
        create_app(runtime)


def test_embedded_profiles_sync_the_specs_at_build(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    with Runtime(settings, profile=ADMIN) as runtime:
        assert TenantRepository(runtime.driver).get("acme") is None
    with Runtime(settings, profile=EMBEDDED) as runtime:
        assert TenantRepository(runtime.driver).require("acme").name == "Acme"
        assert runtime.store("acme").configs.get("default") is not None
        assert [t.client_id for t in runtime.plan.tenants] == ["acme"]


def test_parts_are_built_once_and_share_their_dependencies(tmp_path: Path) -> None:
    with Runtime(settings_for(tmp_path), profile=LAMBDA) as runtime:
        assert runtime.driver is runtime.driver
        assert runtime.deliverer.resolver is runtime.resolver
        assert runtime.resolver.plan is runtime.plan
        assert isinstance(runtime.publisher, LocalDispatcher), "no bus: the embedded dispatcher"
        assert runtime.executor.tools is runtime.tools


def test_a_configured_bus_gets_the_eventbridge_publisher(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, event_bus_name="openbrain-test", aws_region="us-east-1")
    with Runtime(settings, profile=LAMBDA) as runtime:
        assert isinstance(runtime.publisher, SynchronousPublisher)
        assert runtime.publisher.drain(0)


def test_the_runtime_closes_what_it_built(tmp_path: Path) -> None:
    runtime = Runtime(settings_for(tmp_path), profile=EMBEDDED)
    runtime.start()
    runtime.start()  # a second start does nothing
    dispatcher = runtime.publisher
    assert isinstance(dispatcher, LocalDispatcher)
    driver = runtime.driver
    runtime.close()
    runtime.close()  # nor does a second close
    with pytest.raises(sqlite3.ProgrammingError):
        TenantRepository(driver).get("acme")


def test_handed_in_parts_are_used_and_left_to_their_owner(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    driver = open_driver(settings)
    publisher = ManualPublisher()
    tools = default_registry()
    with Runtime(settings, profile=EMBEDDED,
                 parts=Parts(driver=driver, publisher=publisher, tools=tools)) as runtime:
        runtime.start()
        assert runtime.driver is driver
        assert runtime.publisher is publisher
        assert runtime.tools is tools
        assert runtime.executor.tools is tools
    assert publisher.calls == [], "neither started nor stopped by the runtime"
    assert TenantRepository(driver).require("acme").client_id == "acme", "the driver is open"
    driver.close()


def test_an_executor_part_brings_its_tools(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    with Runtime(settings, profile=LAMBDA) as first:
        executor = first.executor
        with Runtime(settings, profile=LAMBDA, parts=Parts(executor=executor)) as second:
            assert second.executor is executor
            assert second.tools is executor.tools


def test_services_log_json_lines_and_redact(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Logging is configured when the runtime is built: deployed profiles write JSON."""
    Runtime(settings_for(tmp_path, log_json=True), profile=LAMBDA)
    structlog.get_logger("test").info("runtime.hello", email="jane@example.com")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["event"] == "runtime.hello"
    assert line["email"] == "[redacted]"


def test_commands_log_only_errors_as_readable_lines(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    Runtime(settings_for(tmp_path, log_json=True), profile=ADMIN)
    log = structlog.get_logger("test")
    log.info("runtime.quiet")
    log.error("runtime.loud", token="ob_sk_acme_x_y")
    err = capsys.readouterr().err
    assert "runtime.quiet" not in err
    assert "runtime.loud" in err
    assert "ob_sk_acme" not in err
    assert not err.lstrip().startswith("{")
