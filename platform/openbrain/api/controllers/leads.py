"""Leads: list with filters, CSV export, read, edit, erase."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, delete, get, patch
from litestar.params import JSONBody, Parameter, RawBody
from litestar.response import Stream

from openbrain.api.controllers._common import CursorParam, IdParam, LimitParam, QueryParam
from openbrain.api.deps import StoreDep
from openbrain.api.guards import requires_scope
from openbrain.api.schemas import LeadPage
from openbrain.domain.lead import PERSON_FIELDS, Lead, LeadFields, LeadStatus

StatusParam = Annotated[LeadStatus | None, Parameter(required=False)]
_WIRE = dict(zip(Lead.__struct_fields__, Lead.__struct_encode_fields__, strict=True))
# Identity and status first, then what the person told (the domain's list), then timestamps.
CSV_FIELDS = ("lead_id", "session_id", "status", *(f.name for f in PERSON_FIELDS),
              "created_at", "updated_at")
CSV_COLUMNS = tuple(_WIRE[name] for name in CSV_FIELDS)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A phone number (``+1 555 123 4567``) starts like a formula but cannot run anything.
_PHONE_LIKE = re.compile(r"\+[0-9 ().-]+")


def _matches(status: str | None, q: str | None):  # type: ignore[no-untyped-def]
    needle = q.casefold() if q else None

    def where(lead: Lead) -> bool:
        if status is not None and lead.status != status:
            return False
        if needle is None:
            return True
        return any(needle in v.casefold() for v in (lead.full_name, lead.first_name,
                                                     lead.last_name, lead.email, lead.phone) if v)

    return where


def _cell(value: object) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    text = "" if value is None else "; ".join(value) if isinstance(value, list) else str(value)
    # Spreadsheets run cells that start like a formula: neutralise them (CSV injection).
    if text.startswith(_FORMULA_START) and not _PHONE_LIKE.fullmatch(text):
        return f"'{text}"
    return text


def _csv_rows(store: StoreDep, status: str | None, q: str | None) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    cursor: str | None = None
    where = _matches(status, q)
    while True:
        leads, cursor = store.leads.list(limit=200, cursor=cursor, where=where)
        for lead in leads:
            writer.writerow([_cell(getattr(lead, name)) for name in CSV_FIELDS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if cursor is None:
            return


class LeadsController(Controller):
    path = "/v1/leads"
    tags = ["leads"]

    @get(operation_id="listLeads", guards=[requires_scope("leads:read")], sync_to_thread=True)
    def list_leads(self, store: StoreDep, limit: LimitParam = 50, cursor: CursorParam = None,
                   status: StatusParam = None, q: QueryParam = None) -> LeadPage:
        items, next_cursor = store.leads.list(limit=limit, cursor=cursor,
                                              where=_matches(status, q))
        return LeadPage(items=items, cursor=next_cursor)

    @get("/export.csv", operation_id="exportLeads", guards=[requires_scope("leads:read")],
         sync_to_thread=False, media_type="text/csv")
    def export(self, store: StoreDep, status: StatusParam = None,
               q: QueryParam = None) -> Stream:
        return Stream(_csv_rows(store, status, q), media_type="text/csv; charset=utf-8",
                      headers={"Content-Disposition": 'attachment; filename="leads.csv"'})

    @get("/{lead_id:str}", operation_id="getLead", guards=[requires_scope("leads:read")],
         sync_to_thread=True)
    def get_lead(self, lead_id: IdParam, store: StoreDep) -> Lead:
        return store.leads.require(lead_id)

    @patch("/{lead_id:str}", operation_id="updateLead", guards=[requires_scope("leads:write")],
           sync_to_thread=True)
    def update_lead(self, lead_id: IdParam, data: JSONBody[LeadFields], body: RawBody,
                    store: StoreDep) -> Lead:
        """Change the fields sent; a field sent as ``null`` is cleared (a JSON merge patch),
        one left out keeps its value."""
        raw = msgspec.json.decode(body)
        cleared = [k for k, v in raw.items() if v is None] if isinstance(raw, dict) else []
        return store.leads.update(lead_id, data, cleared=cleared)

    @delete("/{lead_id:str}", operation_id="eraseLead", guards=[requires_scope("leads:write")],
            sync_to_thread=True)
    def erase_lead(self, lead_id: IdParam, store: StoreDep) -> None:
        """Erase the lead together with its session and messages (right to erasure)."""
        store.erase_lead(lead_id)
