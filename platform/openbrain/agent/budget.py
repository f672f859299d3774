"""What a turn asks of a token budget: hold its worst case before the model runs, settle the
real count after. The executor depends on this protocol only; the API supplies the shared
budget (``openbrain.api.limits``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from openbrain.domain.agent_config import AgentSettingsBase

Settle = Callable[[int], None]
"""Called once with the tokens the turn really used (0 when it failed before using any)."""


class TurnBudget(Protocol):
    def reserve(self, estimate: int) -> Settle:
        """Hold ``estimate`` tokens for one turn.

        Raises:
            RateLimitedError: the budget is used up (429 with ``Retry-After``).
        """
        ...


def worst_case(config: AgentSettingsBase, prompt_tokens: int) -> int:
    """The turn's estimated worst case: each of ``maxIterations`` model calls reads the prompt
    (``prompt_tokens``, ``tokens.messages_tokens`` of it) and writes up to ``maxTokens``
    (tool results that outgrow the prompt are not foreseen; the real count settles them)."""
    return config.max_iterations * (prompt_tokens + config.max_tokens)
