"""Leads: people the agent captured. Personal (even health) data: never logged, erasable."""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated, Any, Literal, NamedTuple, get_args, get_origin

import msgspec

from openbrain.domain.base import ClientId, Email, Phone, Record, Request, ShortText, Timestamp
from openbrain.domain.errors import InvalidError
from openbrain.domain.validation import shape

LeadStatus = Literal["new", "contacted", "qualified", "converted", "closed"]
DateOfBirth = Annotated[str, msgspec.Meta(
    pattern=shape(r"^\d{4}-\d{2}-\d{2}$", "a date written YYYY-MM-DD"))]
StateCode = Annotated[str, msgspec.Meta(min_length=2, max_length=40)]
Notes = Annotated[str, msgspec.Meta(max_length=5_000)]
Medications = Annotated[list[ShortText], msgspec.Meta(max_length=50)]


class _Person(Record, kw_only=True, frozen=True):
    """What a person tells about themselves: declared once for the stored lead and the edits.
    ``None`` is "not known" on a lead and "leave as it is" in an edit."""

    full_name: ShortText | None = None
    first_name: ShortText | None = None
    middle_name: ShortText | None = None
    last_name: ShortText | None = None
    email: Email | None = None
    phone: Phone | None = None
    date_of_birth: DateOfBirth | None = None
    state_of_residence: StateCode | None = None


class LeadFields(_Person, Request, kw_only=True, frozen=True):
    """The fields a tool or an admin may set; ``None`` means "leave as it is"."""

    medications: Medications | None = None
    status: LeadStatus | None = None
    notes: Notes | None = None


class LeadField(NamedTuple):
    """One editable lead field, as every consumer (tools, dashboard, CSV) derives it."""

    name: str
    """The attribute (snake_case: what tools and models use)."""
    wire: str
    """The camelCase name in JSON, forms and CSV headers."""
    label: str
    """What a person reads: ``date_of_birth`` is "Date of birth"."""
    type: Any
    """The constrained type, ``None`` allowed ("leave as it is")."""
    many: bool
    """A list (medications), edited as comma-separated text."""


def _is_list(tp: Any) -> bool:
    """Whether ``tp`` is a list once ``None`` and constraints are stripped."""
    return get_origin(tp) is list or any(_is_list(arg) for arg in get_args(tp))


def _describe(info: msgspec.structs.FieldInfo) -> LeadField:
    label = info.name.replace("_", " ").capitalize()
    return LeadField(info.name, info.encode_name, label, info.type, _is_list(info.type))


LEAD_FIELDS: tuple[LeadField, ...] = tuple(map(_describe, msgspec.structs.fields(LeadFields)))
"""Every field of :class:`LeadFields`, in its order: the one list of editable lead fields."""
PERSON_FIELDS: tuple[LeadField, ...] = tuple(f for f in LEAD_FIELDS if f.name != "status")
"""What a person tells about themselves: every editable field but the admin's ``status``."""
LEAD_STATUSES: tuple[LeadStatus, ...] = get_args(LeadStatus)


class Lead(_Person, kw_only=True, frozen=True):
    """A captured lead, owned by a tenant and (usually) tied to the session that made it."""

    client_id: ClientId
    lead_id: str
    session_id: str | None = None
    medications: Medications = msgspec.field(default_factory=list)
    status: LeadStatus = "new"
    notes: Notes | None = None
    created_at: Timestamp
    updated_at: Timestamp

    @property
    def display_name(self) -> str | None:
        """The name to show for the lead: the full name, else the parts it has, else none."""
        if self.full_name:
            return self.full_name
        parts = [p for p in (self.first_name, self.middle_name, self.last_name) if p]
        return " ".join(parts) or None

    def merged(self, fields: LeadFields, now: Timestamp,
               cleared: Collection[str] = ()) -> Lead:
        """This lead with every non-``None`` field of ``fields`` applied, and the fields named
        in ``cleared`` (wire names, e.g. ``phone``) forgotten.

        Raises:
            InvalidError: ``cleared`` names ``status`` (a lead always has one) or no field.
        """
        changes: dict[str, Any] = {
            name: value
            for name in LeadFields.__struct_fields__
            if (value := getattr(fields, name)) is not None
        }
        by_wire = {f.wire: f for f in LEAD_FIELDS}
        for wire in cleared:
            field = by_wire.get(wire)
            if field is None:
                raise InvalidError(f"{wire} is not a lead field", fields={wire: "unknown field"})
            if field.name == "status":
                raise InvalidError(
                    "status cannot be cleared; set it to one of " + ", ".join(LEAD_STATUSES),
                    fields={"status": "cannot be cleared"},
                )
            changes[field.name] = [] if field.many else None
        return msgspec.structs.replace(self, **changes, updated_at=now)
