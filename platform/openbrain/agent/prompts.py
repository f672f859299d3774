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
