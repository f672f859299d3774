"""Pure helpers of the inbox page: rows for the hand-off list and the conversation.

No Reflex and no I/O here, so they are unit-tested directly.
"""

from __future__ import annotations

from admin_ui.helpers import fmt_time
from openbrain.domain.handoff import InboxEntry
from openbrain.domain.session import Message

STATES = {"waiting": "Waiting", "human": "Taken", "agent": "Agent", "closed": "Closed"}


def lead_line(entry: InboxEntry) -> str:
    """The lead beside a hand-off: name, e-mail and phone as captured (or nothing yet)."""
    lead = entry.lead
    if lead is None:
        return "no lead yet"
    return " · ".join(v for v in (lead.full_name, lead.email, lead.phone) if v) or "no details"


def inbox_rows(entries: list[InboxEntry]) -> list[dict[str, str]]:
    """One row per session in hand-off, with who holds it and the lead beside it."""
    return [
        {
            "id": e.session.session_id,
            "state": STATES.get(e.session.control, e.session.control),
            "control": e.session.control,
            "operator": e.session.operator or "",
            "lead": lead_line(e),
            "since": fmt_time(e.session.handoff_at or e.session.updated_at),
        }
        for e in entries
    ]


def speaker(message: Message) -> str:
    """Who said it, as the operator reads the conversation."""
    if message.role == "user":
        return "Visitor"
    if message.role == "human_agent":
        return f"Team member ({message.operator})" if message.operator else "Team member"
    return "Assistant"


def conversation_row(message: Message) -> dict[str, str]:
    return {"seq": str(message.seq), "role": message.role, "who": speaker(message),
            "content": message.content, "time": fmt_time(message.created_at)}


def shown(message: Message) -> bool:
    """What people see of a conversation: no tool traffic, no empty tool-calling steps."""
    return message.role in ("user", "human_agent") or (
        message.role == "assistant" and bool(message.content))


def new_hand_offs(entries: list[InboxEntry], seen: set[str]) -> list[InboxEntry]:
    """Sessions waiting that were not in the inbox when the operator last looked."""
    return [e for e in entries if e.session.control == "waiting"
            and e.session.session_id not in seen]
