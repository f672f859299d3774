"""The facts a turn must never lose, given to the model as structured lines on every turn.

The lead's fields and the hand-off state are stored records, not conversation: the window
and the summary may both have dropped the message that gave them, so they are told again.
Lines read ``- Label: value``; the offline model reads them back with :func:`read_facts`.
"""

from __future__ import annotations

import re
from datetime import datetime

from openbrain.agent.prompts import FACTS_HEADING
from openbrain.domain.lead import PERSON_FIELDS, Lead

HANDOFF_LABEL = "Hand-off"
_LINE = re.compile(r"^- ([A-Z][A-Za-z -]{0,40}): (.+)$", re.M)


def fact_line(label: str, value: str) -> str:
    return f"- {label}: {' '.join(value.split())}"


def facts_block(lead: Lead | None, handoff_at: datetime | None) -> str | None:
    """The facts section of the system message, or ``None`` when there is nothing to tell."""
    lines: list[str] = []
    if lead is not None:
        for field in PERSON_FIELDS:
            value = getattr(lead, field.name)
            if value:
                text = ", ".join(value) if field.many else str(value)
                lines.append(fact_line(field.label, text))
    if handoff_at is not None:
        lines.append(fact_line(HANDOFF_LABEL, f"requested at {handoff_at.isoformat()}; a "
                                              "person from the team will take over"))
    if not lines:
        return None
    return "\n".join([FACTS_HEADING, *lines])


def read_facts(text: str) -> dict[str, str]:
    """``Label -> value`` for every fact line in ``text``; the first line of a label wins."""
    found: dict[str, str] = {}
    for label, value in _LINE.findall(text):
        found.setdefault(label, value.strip())
    return found
