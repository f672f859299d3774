"""What a turn remembers besides its new message: the system text and the history's size.

Under ``summary``, compaction keeps the summary ahead of the window: once the messages it
does not cover fill the window, the oldest ``summaryThreshold`` of them (at most the window)
are summarised, before they leave it. A turn then reads the window alone, so its prompt is
system + summary + window and its cost stays what it was. While a summary is late (its model
slow or failing), the history reaches back to the summary's end, so nothing falls between
the two; that stretch is capped, so a summary that keeps failing bounds the prompt instead
of growing it (what lies past the cap is summarised once the model answers again).
"""

from __future__ import annotations

from openbrain.agent.memory.facts import facts_block
from openbrain.agent.prompts import LEAD_ON_FILE, SUMMARY_HEADING
from openbrain.domain.agent_config import AgentConfig
from openbrain.domain.lead import Lead
from openbrain.domain.session import ChatSession, MemorySummary
from openbrain.store.driver import MAX_QUERY_LIMIT


def _covered(summary: MemorySummary | None) -> int:
    """How many messages, from the first, the summary covers."""
    return summary.through_seq + 1 if summary else 0


def _step(config: AgentConfig) -> int:
    return min(config.summary_threshold, config.memory_window)


def reads_summary(config: AgentConfig, message_count: int) -> bool:
    """Whether a turn reads the session's summary: only when messages lie outside the window."""
    return config.memory_policy == "summary" and message_count > config.memory_window


def history_size(config: AgentConfig, message_count: int, summary: MemorySummary | None) -> int:
    """How many of the last messages a turn reads: the window, or back to the summary's end
    while the summary is late."""
    window = config.memory_window
    if config.memory_policy != "summary":
        return window
    cap = min(MAX_QUERY_LIMIT, window + 2 * _step(config))
    return max(window, min(message_count - _covered(summary), cap))


def compaction_due(session: ChatSession, summary: MemorySummary | None) -> bool:
    """Whether the messages the summary does not cover fill the window."""
    config = session.config
    if config.memory_policy != "summary":
        return False
    return session.message_count - _covered(summary) >= config.memory_window


def compaction_end(session: ChatSession) -> int:
    """The last ``seq`` a summary made now covers: all but the newest ``window - step``."""
    config = session.config
    return session.message_count - 1 - (config.memory_window - _step(config))


def system_text(session: ChatSession, lead: Lead | None, summary: MemorySummary | None) -> str:
    """The system message: the profile's, then the facts on file, then the summary."""
    config = session.config
    parts = [config.system_message]
    if lead is not None and "update_lead" in config.tools:
        parts.append(LEAD_ON_FILE)
    facts = facts_block(lead, session.handoff_at)
    if facts:
        parts.append(facts)
    if summary is not None:
        parts.append(f"{SUMMARY_HEADING} (messages 1 to {summary.through_seq + 1}):\n"
                     f"{summary.text}")
    return "\n\n".join(parts)
