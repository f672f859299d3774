"""Fixed texts the runtime adds to a conversation (shared with the offline model)."""

from __future__ import annotations

LEAD_ON_FILE = (
    "A lead has already been captured in this conversation: use update_lead (not "
    "capture_lead) to change or complete it."
)
ITERATION_LIMIT_REPLY = (
    "I'm sorry, I could not finish working on that within the steps I'm allowed. "
    "Could you rephrase or split your request?"
)
WRITE_LIMIT_REPLY = (
    "I'm sorry, that request needs more actions than I can take in one answer. "
    "Could you split it into smaller steps?"
)


def offline_notice(model: str) -> str:
    return (
        f"Offline mode: no LLM endpoint is configured (OPENAI_API_KEY / OPENAI_BASE_URL), so "
        f"the built-in offline model answers instead of {model!r}."
    )


FACTS_HEADING = "Facts on file (structured; they stay true whatever the conversation shows):"
SUMMARY_HEADING = "Summary of the conversation before the messages below"
SUMMARY_INSTRUCTIONS = (
    "You keep a running summary of a conversation between a person and an assistant. Update "
    "the summary so far with the messages to add. Keep every fact the person gave about "
    "themselves (name, contact details, needs, decisions) and every open question; drop "
    "small talk. Answer with the updated summary only, in under 200 words."
)
