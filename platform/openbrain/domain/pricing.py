"""The models a profile can pick and what their tokens cost (as the API reports them)."""

from __future__ import annotations

from openbrain.domain.base import Record


class ModelInfo(Record, kw_only=True, frozen=True):
    """A configured model; prices in US dollars per million tokens, ``None`` when the price
    table does not list it (unpriced: its cost is unknown, not zero)."""

    name: str
    offline: bool
    """Answered by the built-in offline model, not an LLM endpoint."""
    input_price: float | None = None
    output_price: float | None = None


class ModelUsage(Record, kw_only=True, frozen=True):
    """A period's tokens of one model and what they cost (``None``: unpriced)."""

    model: str
    turns: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float | None = None


class UsageCosts(Record, kw_only=True, frozen=True):
    """Tokens and cost per model over a period. ``total`` adds up the priced models only;
    ``unpriced`` names the others (turns counted before models were recorded are under
    ``"unknown"``)."""

    items: list[ModelUsage]
    total: float
    unpriced: list[str]


def cost(input_tokens: int, output_tokens: int, input_price: float,
         output_price: float) -> float:
    """US dollars for these tokens at these prices per million."""
    return round((input_tokens * input_price + output_tokens * output_price) / 1_000_000, 6)
