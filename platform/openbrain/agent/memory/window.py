"""What a turn remembers besides its new message: the system text and the history's size.

Under ``summary``, the summary covers messages up to ``throughSeq`` and the history reads
every message after it, so nothing falls between them while the next summary is pending.
The history is capped, so a summary that keeps failing bounds the prompt instead of growing
it; the messages past the cap are summarised once the summary model answers again.
"""

from __future__ import annotations

from openbrain.agent.memory.facts import facts_block
from openbrain.agent.prompts import LEAD_ON_FILE, SUMMARY_HEADING
from openbrain.domain.agent_config import AgentConfig
from openbrain.domain.lead import Lead
from openbrain.domain.session import ChatSession, MemorySummary
from openbrain.store.driver import MAX_QUERY_LIMIT


def reads_summary(config: AgentConfig, message_count: int) -> bool:
    """Whether a turn reads the session's summary: only when messages lie outside the window."""
    return config.memory_policy == "summary" and message_count > config.memory_window


def history_size(config: AgentConfig, message_count: int, summary: MemorySummary | None) -> int:
    """How many of the last messages a turn reads."""
    window = config.memory_window
    if config.memory_policy != "summary":
        return window
    covered = summary.through_seq + 1 if summary else 0
    cap = min(MAX_QUERY_LIMIT, window + 2 * config.summary_threshold)
    return max(window, min(message_count - covered, cap))


def compaction_due(session: ChatSession, summary: MemorySummary | None) -> bool:
    """Whether the messages outside the window and the summary reached the threshold."""
    config = session.config
    if config.memory_policy != "summary":
        return False
    covered = summary.through_seq + 1 if summary else 0
    return session.message_count - config.memory_window - covered >= config.summary_threshold


def system_text(session: ChatSession, lead: Lead | None, summary: MemorySummary | None) -> str:
    """The system message: the profile's, then the facts on file, then the summary."""
    config = session.config
    parts = [config.system_message]
    if lead is not None and "update_lead" in config.tools:
        parts.append(LEAD_ON_FILE)
    facts = facts_block(lead, session.handoff_requested_at)
    if facts:
        parts.append(facts)
    if summary is not None:
        parts.append(f"{SUMMARY_HEADING} (messages 1 to {summary.through_seq + 1}):\n"
                     f"{summary.text}")
    return "\n\n".join(parts)
