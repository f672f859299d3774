"""Tenant specs load with clear errors, and one routing plan serves AWS and local mode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openbrain.tenancy import TenantSpecError, build_routing_plan, load_tenants

REPO_TENANTS = Path(__file__).resolve().parents[2] / "tenants"


def test_shipped_specs_load() -> None:
    tenants = load_tenants(REPO_TENANTS)
    assert "demo" in {t.client_id for t in tenants}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('clientId = "acme"\nname = "x"', "must match the file name"),
        ('clientId = "t01"\nname = "x"\ncolour = 1', "unknown field `colour`"),
        ('clientId = "t01"\n', "missing required field `name`"),
        ('clientId = "t01"\nname = "x"\n[plan]\nmaxDeliveryAttempts = 0', "maxDeliveryAttempts"),
        ("clientId = ", "cannot read tenant spec"),
    ],
)
def test_bad_specs_name_the_file_and_the_problem(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "t01", text)
    with pytest.raises(TenantSpecError, match=r"t01\.toml") as info:
        load_tenants(tmp_path)
    assert message in str(info.value)


def test_routing_plan_matches_each_tenant_on_client_id(tmp_path: Path) -> None:
    write(tmp_path, "a01", 'clientId = "a01"\nname = "A"\n[[routes]]\nrouteId = "r"\nkind = "log"\n'
          'eventTypes = ["lead.created"]')
    write(tmp_path, "b02", 'clientId = "b02"\nname = "B"\ndisabled = true')
    plan = build_routing_plan(load_tenants(tmp_path), stage="dev")
    assert plan.bus_name == "openbrain-dev"
    assert [t.client_id for t in plan.tenants] == ["a01"], "disabled tenants get no routing"
    routing = plan.tenants[0]
    assert routing.event_pattern == {"source": ["openbrain"], "detail": {"clientId": ["a01"]}}
    assert [r.route_id for r in routing.routes_for("lead.created")] == ["r"]
    assert routing.routes_for("lead.updated") == []


@pytest.mark.parametrize(
    ("name", "text", "field"),
    [
        ("acme\n", 'clientId = "acme\\n"\nname = "x"', "clientId"),
        ("acme", 'clientId = "acme"\nname = "x"\n[[routes]]\nrouteId = "hook\\n"\nkind = "log"\n'
         'eventTypes = ["lead.created"]', "routes[0].routeId"),
        ("acme", 'clientId = "acme"\nname = "x"\n[[routes]]\nrouteId = "a hook"\nkind = "log"\n'
         'eventTypes = ["lead.created"]', "routes[0].routeId"),
    ],
    ids=["client-newline", "route-newline", "route-prefix"],
)
def test_spoiled_ids_in_specs_are_refused(tmp_path: Path, name: str, text: str,
                                          field: str) -> None:
    """A file named ``acme\\n.toml`` holding ``clientId = "acme\\n"`` matches its own name:
    only the id's shape can refuse it."""
    write(tmp_path, name, text)
    with pytest.raises(TenantSpecError, match=f"at `\\$.{re.escape(field)}`"):
        load_tenants(tmp_path)
