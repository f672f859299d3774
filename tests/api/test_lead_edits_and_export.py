"""A lead edit clears what the admin emptied (``null`` in the PATCH), and the CSV export keeps
phone numbers as they are while still neutralising cells that a spreadsheet would run."""

from __future__ import annotations

import csv
import io

from openbrain.domain.base import utcnow
from openbrain.domain.lead import Lead
from tests.api.conftest import World


def _auth(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.alpha.admin_key}"}


def _lead(world: World, lead_id: str, **fields: object) -> None:
    now = utcnow()
    world.store("alpha").leads.save(Lead(client_id="alpha", lead_id=lead_id, created_at=now,
                                         updated_at=now, **fields))  # type: ignore[arg-type]


def test_null_clears_a_field_and_a_missing_one_is_kept(world: World) -> None:
    _lead(world, "CLEARME", full_name="Ann Lee", phone="555-0100", email="ann@example.com",
          medications=["aspirin"])
    r = world.client.patch("/v1/leads/CLEARME", headers=_auth(world),
                           json={"phone": None, "medications": None, "notes": "called"})
    assert r.status_code == 200, r.text
    lead = world.store("alpha").leads.require("CLEARME")
    assert lead.phone is None
    assert lead.medications == []
    assert (lead.email, lead.full_name, lead.notes) == ("ann@example.com", "Ann Lee", "called")


def test_status_cannot_be_cleared(world: World) -> None:
    _lead(world, "KEEPSTATUS", full_name="Bo", status="qualified")
    r = world.client.patch("/v1/leads/KEEPSTATUS", headers=_auth(world),
                           json={"status": None})
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("status cannot be cleared")
    assert world.store("alpha").leads.require("KEEPSTATUS").status == "qualified"


def test_export_keeps_phone_numbers_and_neutralises_formulas(world: World) -> None:
    _lead(world, "CSVROW", full_name="=HYPERLINK(\"http://evil\")", phone="+1 555 123 4567",
          notes="-2-3", email="csv@example.com")
    r = world.client.get("/v1/leads/export.csv", headers=_auth(world),
                         params={"q": "csv@example.com"})
    assert r.status_code == 200, r.text
    (row,) = list(csv.DictReader(io.StringIO(r.text)))
    assert row["phone"] == "+1 555 123 4567"
    assert row["fullName"] == "'=HYPERLINK(\"http://evil\")"
    assert row["notes"] == "'-2-3"
