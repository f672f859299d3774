"""Leads: search and status filter, CSV export, detail with edit, erase with confirmation."""

from __future__ import annotations

from typing import Any

import reflex as rx

from admin_ui.access import AccessState
from admin_ui.auth import AuthState
from admin_ui.helpers import fmt_time, lead_form, lead_name, lead_patch
from admin_ui.layout import (
    dialog_title,
    empty,
    error_callout,
    field_error,
    filter_bar,
    handler,
    heading,
    labelled,
    loading,
    notice,
    shell,
    table_region,
)
from openbrain.client import api
from openbrain.domain.errors import InvalidError, NotFoundError, OpenBrainError
from openbrain.domain.lead import LEAD_FIELDS, LEAD_STATUSES, Lead, LeadField, LeadFields

ALL = "all"
_NO_ERRORS = {f.wire: "" for f in LEAD_FIELDS}
_NO_LEAD = {"name": "", "session": "", "created": "", "updated": ""}


class LeadsState(AuthState):
    leads: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    query: rx.Field[str] = rx.field("")
    status: rx.Field[str] = rx.field(ALL)
    error: rx.Field[str] = rx.field("")
    loading: rx.Field[bool] = rx.field(False)

    def set_query(self, value: str) -> None:
        self.query = value

    def set_status(self, value: str) -> Any:
        self.status = value
        return LeadsState.load

    def _filters(self) -> tuple[str, str]:
        return self.query.strip(), "" if self.status == ALL else self.status

    async def search(self, _form: dict[str, Any]) -> Any:
        """The filter bar was submitted (its button, or Enter in a field)."""
        return await self.load()

    async def load(self) -> Any:
        if (redirect := self._guard()) is not None:
            return redirect
        self.loading, self.error = True, ""
        try:
            async with self.api() as client:
                page = await client.send(api.leads(*self._filters()))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self.leads = [
            {
                "id": lead.lead_id,
                "name": lead_name(lead),
                "email": lead.email or "",
                "phone": lead.phone or "",
                "status": lead.status,
                "session": lead.session_id or "",
                "updated": fmt_time(lead.updated_at),
            }
            for lead in page.items
        ]
        return None

    async def export_csv(self) -> Any:
        self.error = ""
        try:
            async with self.api() as client:
                text = await client.send(api.leads_csv(*self._filters()))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        return rx.download(data=text, filename="leads.csv", mime_type="text/csv")


class LeadState(AuthState):
    lead_id: rx.Field[str] = rx.field("")
    lead: dict[str, str] = dict(_NO_LEAD)
    form: dict[str, str] = {}
    field_errors: dict[str, str] = dict(_NO_ERRORS)
    confirming: rx.Field[bool] = rx.field(False)
    error: rx.Field[str] = rx.field("")
    saved: rx.Field[str] = rx.field("")
    loading: rx.Field[bool] = rx.field(False)
    saving: rx.Field[bool] = rx.field(False)
    not_found: rx.Field[bool] = rx.field(False)
    erased: rx.Field[bool] = rx.field(False)
    _original: Lead | None = None  # backend only: the lead as loaded, to diff the form against

    async def load(self) -> Any:
        if (redirect := self._guard()) is not None:
            return redirect
        self.lead_id = self.router.url.query_parameters.get("id", "")
        self.loading, self.error, self.saved = True, "", ""
        self.not_found, self.erased, self.confirming = False, False, False
        try:
            async with self.api() as client:
                lead = await client.send(api.lead(self.lead_id))
        except OpenBrainError as exc:
            self.not_found = isinstance(exc, NotFoundError)
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self._show(lead)
        return None

    def _show(self, lead: Lead) -> None:
        self._original = lead
        self.form = lead_form(lead)
        self.field_errors = dict(_NO_ERRORS)
        self.lead = {
            "name": lead_name(lead),
            "session": lead.session_id or "",
            "created": fmt_time(lead.created_at),
            "updated": fmt_time(lead.updated_at),
        }

    def set_field(self, name: str, value: str) -> None:
        self.form = {**self.form, name: value}
        self.field_errors = {**self.field_errors, name: ""}

    async def save(self) -> Any:
        self.error, self.saved = "", ""
        if self._original is None:
            return None
        patch, cleared = lead_patch(self.form, self._original)
        if patch == LeadFields() and not cleared:
            self.saved = "Nothing changed."
            return None
        self.saving = True
        try:
            async with self.api() as client:
                lead = await client.send(api.update_lead(self.lead_id, patch, cleared))
        except OpenBrainError as exc:
            fields = exc.fields if isinstance(exc, InvalidError) else {}
            self.field_errors = _NO_ERRORS | {k: v for k, v in fields.items() if k in _NO_ERRORS}
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.saving = False
        self._show(lead)
        self.saved = "Lead saved."
        return None

    def set_confirming(self, open_: bool) -> None:
        """The erase confirmation dialog opens or closes (button, Cancel or Escape)."""
        self.confirming = bool(open_)

    async def erase(self) -> Any:
        self.error = ""
        try:
            async with self.api() as client:
                await client.send(api.erase_lead(self.lead_id))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.confirming, self.erased = False, True
        self.form, self.lead, self._original = {}, dict(_NO_LEAD), None
        return None


def leads_page() -> rx.Component:
    return shell(
        "Leads",
        filter_bar(
            LeadsState.search,
            labelled("Search name, e-mail or phone", "lead-search",
                     rx.input(value=LeadsState.query, on_change=LeadsState.set_query,
                              id="lead-search"),
                     width="100%", max_width="320px"),
            labelled("Status", "lead-status",
                     rx.select([ALL, *LEAD_STATUSES], value=LeadsState.status,
                               on_change=LeadsState.set_status, id="lead-status")),
            rx.button("Search", type="submit", id="search-leads"),
            rx.button("Export CSV", type="button", on_click=LeadsState.export_csv,
                      variant="soft", id="export-csv"),
        ),
        error_callout(LeadsState.error),
        loading(LeadsState.loading),
        table_region("Leads", rx.table.root(
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
                        rx.table.cell(rx.cond(
                            lead["session"] != "",
                            rx.link(lead["session"], href="/session?id=" + lead["session"]))),
                        rx.table.cell(lead["updated"]),
                    ),
                )
            ),
            id="leads-table",
        )),
        empty(LeadsState.leads, "No leads match.", LeadsState.loading, LeadsState.error),
    )


def _lead_input(field: LeadField) -> rx.Component:
    name = field.wire
    control = (
        rx.select(list(LEAD_STATUSES), value=LeadState.form[name],
                  on_change=lambda v: handler(LeadState.set_field)(name, v), id=f"lead-{name}")
        if name == "status"
        else rx.input(value=LeadState.form[name],
                      on_change=lambda v: handler(LeadState.set_field)(name, v),
                      id=f"lead-{name}")
    )
    return rx.box(labelled(field.label, f"lead-{name}", control),
                  field_error(LeadState.field_errors[name]), min_width="0")


def _erase_dialog() -> rx.Component:
    """Erase asks first, in a dialog that takes the focus and gives it back on Cancel."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Erase…", color_scheme="red", variant="soft", high_contrast=True,
                      id="erase-lead"),
        ),
        rx.alert_dialog.content(
            dialog_title("Erase this lead?"),
            rx.alert_dialog.description(
                "The lead, its session and its messages are erased. This cannot be undone."),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", id="cancel-erase")),
                rx.alert_dialog.action(rx.button("Erase for good", on_click=LeadState.erase,
                                                 color_scheme="red", high_contrast=True,
                                                 id="confirm-erase")),
                gap="12px",
                margin_top="16px",
                justify="end",
                wrap="wrap",
            ),
            id="erase-confirmation",
        ),
        open=LeadState.confirming,
        on_open_change=LeadState.set_confirming,
    )


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
                    heading(LeadState.lead["name"], 2, id="lead-name"),
                    rx.text(rx.cond(LeadState.lead["session"] != "",
                                    rx.fragment("session ",
                                                rx.link(LeadState.lead["session"],
                                                        href="/session?id="
                                                        + LeadState.lead["session"]),
                                                " · ")),
                            rx.link("all sessions", href="/sessions?lead=" + LeadState.lead_id,
                                    id="lead-sessions"),
                            " · ",
                            "created ", LeadState.lead["created"],
                            " · updated ", LeadState.lead["updated"], size="2"),
                    rx.grid(*[_lead_input(f) for f in LEAD_FIELDS],
                            columns=rx.breakpoints(initial="1", xs="2", md="3"), gap="10px",
                            width="100%"),
                    rx.cond(AccessState.can_edit_leads, rx.hstack(
                        rx.button("Save", on_click=LeadState.save, loading=LeadState.saving,
                                  id="save-lead"),
                        _erase_dialog(),
                    )),
                    width="100%",
                ),
            ),
        ),
    )
