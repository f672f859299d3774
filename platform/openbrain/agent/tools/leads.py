"""``capture_lead`` and ``update_lead``: create or change the session's lead, emit an event."""

from __future__ import annotations

from typing import Any, cast

import msgspec

from openbrain.agent.tools.events import make_event
from openbrain.agent.tools.registry import Tool, ToolArgs, ToolContext, ToolError, ToolResult
from openbrain.domain.base import new_id
from openbrain.domain.lead import PERSON_FIELDS, Lead, LeadFields

_WIRE = {f.name: f.wire for f in PERSON_FIELDS}
_CONTEXT_FACTS = ("email", "phone")  # caller facts a tool may fill in when the user omits them

# The domain's person fields, with their constraints, under the snake_case names models use.
# Built (not written out) so a field added to LeadFields reaches the tools' schema too; the
# cast because defstruct is typed as returning a plain Struct type.
LeadArgs = cast(type[ToolArgs], msgspec.defstruct(
    "LeadArgs",
    [(f.name, f.type, None) for f in PERSON_FIELDS],
    bases=(ToolArgs,),
    kw_only=True,
    module=__name__,
    namespace={"__doc__": "Details of the person; give only what the user actually said."},
))


def _given(args: ToolArgs) -> dict[str, Any]:
    return {k: v for k in _WIRE if (v := getattr(args, k)) is not None}


def _complete_names(given: dict[str, Any]) -> None:
    """Fill the name parts from the full name, or the full name from the parts."""
    full = given.get("full_name")
    if full and not (given.get("first_name") or given.get("last_name")):
        parts = full.split()
        if len(parts) >= 2:
            given["first_name"], given["last_name"] = parts[0], parts[-1]
            if len(parts) > 2:
                given.setdefault("middle_name", " ".join(parts[1:-1]))
    elif not full and (given.get("first_name") or given.get("last_name")):
        names = (given.get("first_name"), given.get("middle_name"), given.get("last_name"))
        given["full_name"] = " ".join(n for n in names if n)


def _from_context(given: dict[str, Any], ctx: ToolContext) -> None:
    for fact in _CONTEXT_FACTS:
        value = ctx.facts.get(fact)
        if fact in given or not isinstance(value, str):
            continue
        try:  # a fact that would not validate is ignored, not blamed on the model
            msgspec.convert({_WIRE[fact]: value}, type=LeadFields)
        except msgspec.ValidationError:
            continue
        given[fact] = value


def _lead_fields(args: ToolArgs, ctx: ToolContext) -> tuple[LeadFields, list[str]]:
    given = _given(args)
    _complete_names(given)
    _from_context(given, ctx)
    if not given:
        raise ToolError("no details given: pass at least a name, an e-mail or a phone number")
    try:
        fields = msgspec.convert({_WIRE[k]: v for k, v in given.items()}, type=LeadFields)
    except msgspec.ValidationError as exc:
        raise ToolError(f"invalid lead details: {exc}") from exc
    return fields, sorted(given)


def _changed(before: Lead, after: Lead, names: list[str]) -> list[str]:
    return [n for n in names if getattr(before, n) != getattr(after, n)]


def _update(lead: Lead, fields: LeadFields, names: list[str], ctx: ToolContext) -> ToolResult:
    updated = lead.merged(fields, ctx.now)
    changed = _changed(lead, updated, names)
    if not changed:
        return ToolResult(output=f"Lead {lead.lead_id} already has these details; nothing changed.")
    event = make_event(
        ctx, "lead.updated", object_type="lead", object_id=lead.lead_id,
        obj=msgspec.to_builtins(updated),
    )
    return ToolResult(
        output=f"Lead {lead.lead_id} updated: {', '.join(changed)}.",
        lead=updated,
        events=(event,),
    )


def capture_lead(args: ToolArgs, ctx: ToolContext) -> ToolResult:
    fields, names = _lead_fields(args, ctx)
    if ctx.lead is not None:  # one lead per session: a second capture completes the first
        return _update(ctx.lead, fields, names, ctx)
    blank = Lead(
        client_id=ctx.client_id, lead_id=new_id(), session_id=ctx.session_id,
        created_at=ctx.now, updated_at=ctx.now,
    )
    lead = blank.merged(fields, ctx.now)
    event = make_event(
        ctx, "lead.created", object_type="lead", object_id=lead.lead_id,
        obj=msgspec.to_builtins(lead),
    )
    return ToolResult(
        output=f"Lead {lead.lead_id} saved with: {', '.join(names)}.",
        lead=lead,
        events=(event,),
    )


def update_lead(args: ToolArgs, ctx: ToolContext) -> ToolResult:
    if ctx.lead is None:
        raise ToolError("no lead has been captured in this session yet; use capture_lead first")
    fields, names = _lead_fields(args, ctx)
    return _update(ctx.lead, fields, names, ctx)


CAPTURE_LEAD = Tool(
    name="capture_lead",
    description=(
        "Save the contact details of the person you are talking to as a lead, as soon as they "
        "share any of: name, e-mail, phone, date of birth, state, medications."
    ),
    args=LeadArgs,
    run=capture_lead,
)
UPDATE_LEAD = Tool(
    name="update_lead",
    description="Change or complete the lead already captured in this conversation.",
    args=LeadArgs,
    run=update_lead,
)
