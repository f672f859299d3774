"""``TenantStore`` is the only door to tenant-scoped data: the repositories behind it are
private to ``openbrain.store``, each reachable from the store, each with the one tenant check."""

from __future__ import annotations

import ast
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import get_type_hints

import pytest

from openbrain.domain.errors import ForbiddenError
from openbrain.store.driver import TableDriver
from openbrain.store.scoped import ScopedRepository
from openbrain.store.tenant_store import TenantStore
from openbrain.store.tenants import TenantRepository
from tests.store.store_builders import (
    added_route,
    api_key,
    attempt,
    dead_letter,
    event,
    lead,
    memory_summary,
    new_session,
    next_turn,
    route_secret,
    signin_code,
)

REPO = Path(__file__).resolve().parents[2]
STORE_PACKAGE = REPO / "platform" / "openbrain" / "store"


def _repository_classes() -> set[str]:
    return {cls.__name__ for cls in ScopedRepository.__subclasses__()}


def _python_files() -> list[Path]:
    return [
        path for path in REPO.rglob("*.py")
        if not any(part.startswith(".") or part == "node_modules"
                   for part in path.relative_to(REPO).parts)
        and STORE_PACKAGE not in path.parents
    ]


def _names(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            found.update(alias.name.rsplit(".", 1)[-1] for alias in node.names)
    return found


def test_every_tenant_scoped_repository_is_on_the_store() -> None:
    exposed = {
        get_type_hints(prop.func)["return"].__name__
        for prop in vars(TenantStore).values() if isinstance(prop, cached_property)
    }
    assert len(exposed) == 13
    assert exposed == _repository_classes()


def test_no_module_outside_the_store_names_a_tenant_scoped_repository() -> None:
    """Only ``TenantRepository`` (the tenants themselves, a platform registry) is public."""
    private = _repository_classes()
    assert TenantRepository.__name__ not in private
    files = _python_files()
    assert len(files) > 100, "the scan must see the whole repository"
    offenders = {
        f"{path.relative_to(REPO)}: {sorted(used)}"
        for path in files
        if (used := _names(ast.parse(path.read_text(encoding="utf-8"))) & private)
    }
    assert not offenders


def test_every_repository_checks_the_tenant_alike() -> None:
    """No repository defines its own tenant check: the base class's is the only one."""
    for cls in ScopedRepository.__subclasses__():
        assert "_check_tenant" not in vars(cls), cls.__name__


def test_writing_another_tenants_record_is_forbidden(driver: TableDriver) -> None:
    """Every write that takes a record refuses one of another tenant with 403."""
    store = TenantStore(driver, "acme")
    other = new_session("globex")
    other_event = event("globex", "e1")
    writes: list[Callable[[], object]] = [
        lambda: store.api_keys.create(api_key("globex", "k1")),
        lambda: store.leads.save(lead("globex", "l1")),
        lambda: store.sessions.commit_turn(next_turn(other)),
        lambda: store.outbox.add(other_event),
        lambda: store.outbox.mark_published(other_event),
        lambda: store.outbox.mark_pending(other_event),
        lambda: store.routes.add(added_route("globex", "r1")),
        lambda: store.routes.save_secret(route_secret("globex", "r1")),
        lambda: store.routes.create_secret_once(route_secret("globex", "r1")),
        lambda: store.deliveries.record(attempt("globex", "e1")),
        lambda: store.dead_letters.add(dead_letter("globex", "d1")),
        lambda: store.dead_letters.mark_redriven(dead_letter("globex", "d1")),
        lambda: store.signin_codes.create(signin_code("globex", "a" * 64)),
        lambda: store.memory.save(memory_summary("globex", "s1", 9), None),
    ]
    for write in writes:
        with pytest.raises(ForbiddenError, match="another tenant"):
            write()
