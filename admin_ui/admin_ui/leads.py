"""Leads: search and status filter, CSV export, detail with edit, erase with confirmation."""

from __future__ import annotations

from typing import Any

import reflex as rx

from admin_ui.api_client import ApiError
from admin_ui.auth import AuthState
from admin_ui.helpers import (
    LEAD_EDIT_FIELDS,
    LEAD_STATUSES,
    fmt_time,
    lead_form,
    lead_name,
    lead_patch,
)
from admin_ui.layout import empty, error_callout, field_error, loading, notice, shell

ALL = "all"


class LeadsState(AuthState):
    leads: list[dict[str, str]] = []
    query: str = ""
    status: str = ALL
    error: str = ""
    loading: bool = False

    def set_query(self, value: str) -> None:
        self.query = value

    def set_status(self, value: str) -> Any:
        self.status = value
        return LeadsState.load

    def _filters(self) -> tuple[str, str]:
        return self.query.strip(), "" if self.status == ALL else self.status

    async def load(self) -> Any:
        if (redirect := self._guard()) is not None:
            return redirect
        self.loading, self.error = True, ""
        try:
            rows = await self.api().leads(*self._filters())
        except ApiError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self.leads = [
            {
                "id": str(lead.get("leadId", "")),
                "name": lead_name(lead),
                "email": str(lead.get("email") or ""),
                "phone": str(lead.get("phone") or ""),
                "status": str(lead.get("status", "")),
                "session": str(lead.get("sessionId") or ""),
                "updated": fmt_time(lead.get("updatedAt")),
            }
            for lead in rows
        ]
        return None

    async def export_csv(self) -> Any:
        self.error = ""
        try:
            text = await self.api().leads_csv(*self._filters())
        except ApiError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        return rx.download(data=text, filename="leads.csv", mime_type="text/csv")


class LeadState(AuthState):
    lead_id: str = ""
    lead: dict[str, str] = {}
    form: dict[str, str] = {}
    original: dict[str, Any] = {}
    field_errors: dict[str, str] = dict.fromkeys(LEAD_EDIT_FIELDS, "")
    confirming: bool = False
    error: str = ""
    saved: str = ""
    loading: bool = False
    saving: bool = False
    not_found: bool = False
    erased: bool = False

    async def load(self) -> Any:
        if (redirect := self._guard()) is not None:
            return redirect
        self.lead_id = self.router.url.query_parameters.get("id", "")
        self.loading, self.error, self.saved = True, "", ""
        self.not_found, self.erased, self.confirming = False, False, False
        try:
            lead = await self.api().lead(self.lead_id)
        except ApiError as exc:
            self.not_found = exc.not_found
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self._show(lead)
        return None

    def _show(self, lead: dict[str, Any]) -> None:
        self.original = lead
        self.form = lead_form(lead)
        self.field_errors = dict.fromkeys(LEAD_EDIT_FIELDS, "")
        self.lead = {
            "name": lead_name(lead),
            "session": str(lead.get("sessionId") or ""),
            "created": fmt_time(lead.get("createdAt")),
            "updated": fmt_time(lead.get("updatedAt")),
        }

    def set_field(self, name: str, value: str) -> None:
        self.form = {**self.form, name: value}
        self.field_errors = {**self.field_errors, name: ""}

    async def save(self) -> Any:
        self.error, self.saved = "", ""
        patch = lead_patch(self.form, self.original)
        if not patch:
            self.saved = "Nothing changed."
            return None
        self.saving = True
        try:
            lead = await self.api().update_lead(self.lead_id, patch)
        except ApiError as exc:
            blank = dict.fromkeys(LEAD_EDIT_FIELDS, "")
            self.field_errors = blank | {
                k: v for k, v in exc.field_errors.items() if k in blank
            }
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.saving = False
        self._show(lead)
        self.saved = "Lead saved."
        return None

    def ask_erase(self) -> None:
        self.confirming = True

    def cancel_erase(self) -> None:
        self.confirming = False

    async def erase(self) -> Any:
        self.error = ""
        try:
            await self.api().erase_lead(self.lead_id)
        except ApiError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.confirming, self.erased = False, True
        self.form, self.lead, self.original = {}, {}, {}
        return None


def leads_page() -> rx.Component:
    return shell(
        "Leads",
        rx.hstack(
            rx.input(placeholder="search name, e-mail or phone", value=LeadsState.query,
                     on_change=LeadsState.set_query, id="lead-search", width="320px"),
            rx.select([ALL, *LEAD_STATUSES], value=LeadsState.status,
                      on_change=LeadsState.set_status, id="lead-status"),
            rx.button("Search", on_click=LeadsState.load, id="search-leads"),
            rx.button("Export CSV", on_click=LeadsState.export_csv, variant="soft",
                      id="export-csv"),
            margin_bottom="12px",
        ),
        error_callout(LeadsState.error),
        loading(LeadsState.loading),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[rx.table.column_header_cell(h) for h in ("Name", "E-mail", "Phone",
                                                                "Status", "Session", "Updated")]
                )
            ),
            rx.table.body(
                rx.foreach(
                    LeadsState.leads,
                    lambda lead: rx.table.row(
                        rx.table.cell(rx.link(lead["name"], href="/lead?id=" + lead["id"],
                                              class_name="lead-link")),
                        rx.table.cell(lead["email"]),
                        rx.table.cell(lead["phone"]),
                        rx.table.cell(rx.badge(lead["status"])),
                        rx.table.cell(rx.link(lead["session"],
                                              href="/session?id=" + lead["session"])),
                        rx.table.cell(lead["updated"]),
                    ),
                )
            ),
            id="leads-table",
        ),
        empty(LeadsState.leads, "No leads match.", LeadsState.loading),
    )


def _lead_input(name: str) -> rx.Component:
    control = (
        rx.select(list(LEAD_STATUSES), value=LeadState.form[name],
                  on_change=lambda v: LeadState.set_field(name, v), id=f"lead-{name}")
        if name == "status"
        else rx.input(value=LeadState.form[name],
                      on_change=lambda v: LeadState.set_field(name, v), id=f"lead-{name}")
    )
    return rx.box(rx.text(name, size="2", weight="bold"), control,
                  field_error(LeadState.field_errors[name]))


def lead_page() -> rx.Component:
    return shell(
        "Lead",
        error_callout(LeadState.error),
        notice(LeadState.saved, "saved"),
        loading(LeadState.loading),
        rx.cond(
            LeadState.not_found,
            rx.text("Not found: no such lead in this tenant.", id="not-found"),
            rx.cond(
                LeadState.erased,
                rx.text("The lead, its session and its messages were erased.", id="erased"),
                rx.vstack(
                    rx.heading(LeadState.lead["name"], size="5", id="lead-name"),
                    rx.text("session ", rx.link(LeadState.lead["session"],
                                                href="/session?id=" + LeadState.lead["session"]),
                            " · created ", LeadState.lead["created"],
                            " · updated ", LeadState.lead["updated"], size="2"),
                    rx.grid(*[_lead_input(n) for n in LEAD_EDIT_FIELDS], columns="3", gap="10px",
                            width="100%"),
                    rx.hstack(
                        rx.button("Save", on_click=LeadState.save, loading=LeadState.saving,
                                  id="save-lead"),
                        rx.button("Erase…", on_click=LeadState.ask_erase, color_scheme="red",
                                  variant="soft", id="erase-lead"),
                    ),
                    rx.cond(
                        LeadState.confirming,
                        rx.callout.root(
                            rx.text("Erase this lead together with its session and messages? "
                                    "This cannot be undone."),
                            rx.hstack(
                                rx.button("Erase for good", on_click=LeadState.erase,
                                          color_scheme="red", id="confirm-erase"),
                                rx.button("Cancel", on_click=LeadState.cancel_erase,
                                          variant="soft", id="cancel-erase"),
                            ),
                            color_scheme="red",
                            id="erase-confirmation",
                        ),
                    ),
                    width="100%",
                ),
            ),
        ),
    )
